//! Documents of the record (plan prints, evaluations, invoices) and care plans offered for
//! signing, with the evidence kept for each decision.

use crate::ids::{CarePlanId, DocumentId};
use crate::{AccountId, ClientId, DomainError};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// Begeleidingsplanafdruk.
    CarePlan,
    /// Begeleidingsplanevaluatie.
    Evaluation,
    /// Factuur.
    Invoice,
}

impl DocumentKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            DocumentKind::CarePlan => "care_plan",
            DocumentKind::Evaluation => "evaluation",
            DocumentKind::Invoice => "invoice",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [DocumentKind::CarePlan, DocumentKind::Evaluation, DocumentKind::Invoice]
            .into_iter()
            .find(|k| k.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Document {
    pub id: DocumentId,
    pub client: ClientId,
    pub kind: DocumentKind,
    pub title: String,
    /// The date the document is about (the print's date, the evaluation's, the invoice's).
    pub date: NaiveDate,
    pub blob_key: String,
    pub sha256: String,
    pub size: i64,
    pub content_type: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDocument {
    pub kind: DocumentKind,
    pub title: String,
    pub date: NaiveDate,
    pub blob_key: String,
    pub sha256: String,
    pub size: i64,
    pub content_type: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanStatus {
    /// Waiting for a decision.
    Offered,
    Signed,
    Rejected,
}

impl PlanStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            PlanStatus::Offered => "offered",
            PlanStatus::Signed => "signed",
            PlanStatus::Rejected => "rejected",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [PlanStatus::Offered, PlanStatus::Signed, PlanStatus::Rejected].into_iter().find(|s| s.as_str() == text)
    }
}

/// A care plan print as the portal offers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CarePlan {
    pub id: CarePlanId,
    pub client: ClientId,
    /// The print the person reads and decides on.
    pub document: DocumentId,
    /// The print's date: "Begeleidingsplanafdruk van vrijdag 14 april 2023".
    pub plan_date: NaiveDate,
    pub offered_at: DateTime<Utc>,
    pub offered_by: String,
    pub status: PlanStatus,
    pub decision: Option<PlanDecision>,
}

/// The evidence of one decision: what was shown (its SHA-256), who decided, for whom, when,
/// from where, and how the person confirmed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanDecision {
    pub signed: bool,
    pub reason: Option<String>,
    pub decided_at: DateTime<Utc>,
    pub account: Option<AccountId>,
    /// The person's name and relation, as on the signature sheet.
    pub decided_by: String,
    pub document_sha256: String,
    /// "sms" (a Bevestigingscode by SMS), "totp" (a code from the authenticator app), or
    /// "papier" (signed outside the portal and recorded by the ECD).
    pub method: String,
    pub masked_phone: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// "Reden voor afwijzing": required when rejecting, short.
pub fn rejection_reason(text: &str) -> Result<String, DomainError> {
    super::person_text("reden", text, 1000, "Geef beknopt de reden op waarom u niet akkoord gaat.")
}

/// How far before the newest completed evaluation the others of its round may lie. A
/// plan's evaluations (one per area of life) are finished within weeks of each other; the
/// next round follows the next plan, half a year or more later.
pub const EVALUATION_ROUND_DAYS: u64 = 90;

/// "De laatste afgeronde begeleidingsplanevaluaties": the newest evaluation and the others of
/// its round, from a list newest first.
pub fn latest_evaluation_round(newest_first: &[Document]) -> &[Document] {
    let Some(newest) = newest_first.first() else { return newest_first };
    let start = newest.date.checked_sub_days(chrono::Days::new(EVALUATION_ROUND_DAYS)).unwrap_or(newest.date);
    let within = newest_first.iter().take_while(|d| d.date >= start).count();
    &newest_first[..within]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evaluation(y: i32, m: u32, d: u32) -> Document {
        Document {
            id: DocumentId::new(),
            client: ClientId::new(),
            kind: DocumentKind::Evaluation,
            title: format!("Evaluatie {y}-{m}-{d}"),
            date: NaiveDate::from_ymd_opt(y, m, d).unwrap(),
            blob_key: String::new(),
            sha256: String::new(),
            size: 0,
            content_type: "application/pdf".into(),
            created_at: Utc::now(),
        }
    }

    #[test]
    fn the_latest_round_is_the_newest_evaluation_and_those_finished_shortly_before_it() {
        let list = [evaluation(2026, 10, 1), evaluation(2026, 9, 15), evaluation(2026, 7, 3), evaluation(2026, 3, 1)];
        let round: Vec<_> = latest_evaluation_round(&list).iter().map(|d| d.date.to_string()).collect();
        assert_eq!(round, ["2026-10-01", "2026-09-15", "2026-07-03"]);
        assert_eq!(latest_evaluation_round(&list[3..]).len(), 1, "a round of one");
        assert!(latest_evaluation_round(&[]).is_empty());
    }
}
