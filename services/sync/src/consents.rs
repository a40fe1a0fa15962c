//! Consent ↔ a question in Toestemmingen.
//!
//! The question is the Consent's `category` text (else its first coding's display); the
//! answer its `status` with `provision.type`: active + permit is Ja, active + deny Nee,
//! rejected Nee, draft or proposed not answered yet. Whether the person may change it in the
//! portal: the extension [`EDITABLE_EXTENSION`] (valueBoolean), yes when the ECD does not
//! say. An answer given in the portal goes back as an update of the same Consent: status
//! active, the provision permit or deny, `dateTime` and `performer` who answered.

use crate::reports::resource_key;
use careportal_domain::record::consents::ConsentQuestion;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

/// Set to false on a Consent the person may see but not change in the portal.
pub const EDITABLE_EXTENSION: &str = "https://careportal.nl/fhir/StructureDefinition/editable-in-portal";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsentChange {
    Put {
        patient: String,
        question: ConsentQuestion,
        granted: Option<bool>,
    },
    /// Entered in error: the question leaves the portal.
    Remove {
        patient: String,
        key: String,
    },
    /// No longer in effect (inactive): left as the portal last had it.
    Ignore,
}

/// Reads a Consent; `Err` says why it cannot be shown.
pub fn map_consent(resource: &Value) -> Result<ConsentChange, String> {
    // A decision on a care plan the portal sent: not a question of Toestemmingen.
    if crate::plans::is_plan_decision(resource) {
        return Ok(ConsentChange::Ignore);
    }
    let key = resource_key(resource).ok_or("geen identifier en geen id")?;
    let patient = crate::reports::patient_at(resource, "/patient/reference")?;
    let permit = || match resource.pointer("/provision/type").and_then(Value::as_str) {
        Some("permit") => Ok(Some(true)),
        Some("deny") => Ok(Some(false)),
        None => Ok(None),
        Some(other) => Err(format!("onbekend provision.type \"{other}\"")),
    };
    let granted = match resource.get("status").and_then(Value::as_str) {
        Some("entered-in-error") => return Ok(ConsentChange::Remove { patient, key }),
        Some("inactive") => return Ok(ConsentChange::Ignore),
        Some("active") => permit()?,
        Some("rejected") => Some(false),
        Some("draft" | "proposed") => None,
        other => return Err(format!("onbekende status {other:?}")),
    };
    let category = resource.pointer("/category/0");
    let question = category
        .and_then(|c| c.get("text").or_else(|| c.pointer("/coding/0/display")))
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .ok_or("geen vraag (category.text)")?
        .to_owned();
    let editable = resource
        .get("extension")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|e| e.get("url").and_then(Value::as_str) == Some(EDITABLE_EXTENSION))
        .and_then(|e| e.get("valueBoolean").and_then(Value::as_bool))
        .unwrap_or(true);
    Ok(ConsentChange::Put { patient, question: ConsentQuestion { key, question, editable, position: 0 }, granted })
}

/// The ECD's Consent with the portal's answer: `resource` as the ECD has it, changed only
/// where the answer lives, so nothing else the ECD keeps is lost.
pub fn answered(resource: &Value, granted: bool, by: &str, at: DateTime<Utc>) -> Value {
    let mut updated = resource.clone();
    updated["status"] = json!("active");
    updated["dateTime"] = json!(at.to_rfc3339());
    updated["performer"] = json!([{"display": by}]);
    let provision = updated.get("provision").cloned().unwrap_or_else(|| json!({}));
    let mut provision = if provision.is_object() { provision } else { json!({}) };
    provision["type"] = json!(if granted { "permit" } else { "deny" });
    updated["provision"] = provision;
    updated
}

#[cfg(test)]
mod tests {
    use super::*;

    fn photos(status: &str, provision: Option<&str>) -> Value {
        let mut consent = json!({
            "resourceType": "Consent", "id": "c1", "status": status,
            "identifier": [{"system": "urn:oid:2.16.840.1.113883.2.4.3.11.999.77.4", "value": "T-FOTO"}],
            "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]},
            "category": [{"text": "Mogen er foto's van u gemaakt worden voor intern gebruik?"}],
            "patient": {"reference": "Patient/p1"},
        });
        if let Some(kind) = provision {
            consent["provision"] = json!({"type": kind});
        }
        consent
    }

    #[test]
    fn the_answer_is_status_and_provision() {
        let read = |status, provision| match map_consent(&photos(status, provision)).unwrap() {
            ConsentChange::Put { granted, question, patient } => {
                assert_eq!(patient, "p1");
                assert_eq!(question.key, "urn:oid:2.16.840.1.113883.2.4.3.11.999.77.4|T-FOTO");
                assert!(question.editable);
                granted
            }
            other => panic!("{other:?}"),
        };
        assert_eq!(read("active", Some("permit")), Some(true));
        assert_eq!(read("active", Some("deny")), Some(false));
        assert_eq!(read("proposed", None), None);
        assert_eq!(read("rejected", None), Some(false));
        assert!(matches!(map_consent(&photos("entered-in-error", None)).unwrap(), ConsentChange::Remove { .. }));
        assert_eq!(map_consent(&photos("inactive", None)).unwrap(), ConsentChange::Ignore);
        assert!(map_consent(&photos("active", Some("maybe"))).is_err());
        let mut fixed = photos("active", Some("permit"));
        fixed["extension"] = json!([{"url": EDITABLE_EXTENSION, "valueBoolean": false}]);
        assert!(matches!(map_consent(&fixed).unwrap(), ConsentChange::Put { question, .. } if !question.editable));
    }

    #[test]
    fn an_answer_changes_only_the_answer_and_reads_back() {
        let mut ecd = photos("proposed", None);
        ecd["sourceReference"] = json!({"reference": "DocumentReference/d1"});
        let at = DateTime::parse_from_rfc3339("2026-11-30T10:00:00Z").unwrap().to_utc();
        let sent = answered(&ecd, false, "Ingrid de Vries (vertegenwoordiger)", at);
        assert_eq!(sent["sourceReference"], ecd["sourceReference"], "what the ECD keeps stays");
        assert_eq!(sent["performer"][0]["display"], "Ingrid de Vries (vertegenwoordiger)");
        assert!(matches!(map_consent(&sent).unwrap(), ConsentChange::Put { granted: Some(false), .. }));
    }
}
