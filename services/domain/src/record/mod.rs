//! The client's care record as the portal holds it: a read model of what the ECD sends, plus
//! what portal users write themselves, which goes back to the ECD through a durable queue.

pub mod agenda;
pub mod consents;
pub mod documents;
pub mod exports;
pub mod measurements;
pub mod messages;
pub mod prikbord;
pub mod questionnaires;
pub mod reports;

use serde::Serialize;

/// Where an entry of the record comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The care organisation's ECD, through the sync.
    Ecd,
    /// A client or contact person, in the portal.
    Portal,
}

impl Source {
    pub fn as_str(&self) -> &'static str {
        match self {
            Source::Ecd => "ecd",
            Source::Portal => "portal",
        }
    }

    pub fn parse(text: &str) -> Option<Source> {
        match text {
            "ecd" => Some(Source::Ecd),
            "portal" => Some(Source::Portal),
            _ => None,
        }
    }
}

/// A section of the person profile (Persoonsbeeld), as the ECD fills it in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProfileSection {
    pub position: i32,
    pub title: String,
    pub body: String,
}

/// Text a person writes: trimmed, not empty, and not longer than `max` characters.
pub(crate) fn person_text(
    field: &'static str,
    text: &str,
    max: usize,
    empty: &str,
) -> Result<String, crate::DomainError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(crate::DomainError::invalid(field, empty));
    }
    let count = text.chars().count();
    if count > max {
        return Err(crate::DomainError::invalid(
            field,
            format!("Dit is te lang: hoogstens {max} tekens, u schreef er {count}. Maak de tekst korter."),
        ));
    }
    // Control characters other than line breaks and tabs have no place in a note.
    Ok(text.chars().filter(|c| !c.is_control() || matches!(c, '\n' | '\t')).collect::<String>().replace("\r", ""))
}
