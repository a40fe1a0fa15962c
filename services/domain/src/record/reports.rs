//! Rapportages: what happened, written by staff in the ECD or by the client's people here.

use super::Source;
use crate::ids::ReportId;
use crate::{AccountId, ClientId, DomainError};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// Longest report a person may write here.
pub const REPORT_MAX_CHARS: usize = 4000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub id: ReportId,
    pub client: ClientId,
    pub written_at: DateTime<Utc>,
    /// Who wrote it, as the record shows them.
    pub author: String,
    pub author_account: Option<AccountId>,
    pub source: Source,
    pub body: String,
}

/// A report about to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReport {
    pub written_at: DateTime<Utc>,
    pub author: String,
    pub author_account: Option<AccountId>,
    pub source: Source,
    pub body: String,
}

/// Checks the text of a report a person writes.
pub fn report_text(text: &str) -> Result<String, DomainError> {
    super::person_text("tekst", text, REPORT_MAX_CHARS, "Schrijf eerst uw rapportage in het tekstveld.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_needs_words_and_a_limit() {
        assert_eq!(report_text("  Bezoek ging goed.\r\n ").unwrap(), "Bezoek ging goed.");
        assert!(report_text(" \n ").is_err());
        assert!(report_text(&"a".repeat(REPORT_MAX_CHARS + 1)).is_err());
        assert!(report_text(&"ë".repeat(REPORT_MAX_CHARS)).is_ok(), "characters, not bytes");
    }
}
