//! Composition → Persoonsbeeld, the client's person profile.
//!
//! nl-core has no zib for "wie ben ik": ECDs keep it as a document of sections. The connector
//! reads a Composition typed `person-profile` in [`crate::documents::KIND_SYSTEM`] (status
//! final or amended) as the profile: each section's `title` and narrative text, in order,
//! replacing what the portal showed. Entered in error: the profile is emptied.

use crate::reports::{patient_of, plain_text};
use careportal_domain::record::ProfileSection;
use serde_json::Value;

/// The search token of a person profile Composition.
pub fn profile_type() -> String {
    format!("{}|person-profile", crate::documents::KIND_SYSTEM)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileChange {
    Put { patient: String, sections: Vec<ProfileSection> },
    Clear { patient: String },
    Ignore,
}

pub fn map_profile(resource: &Value) -> Result<ProfileChange, String> {
    let patient = patient_of(resource)?;
    match resource.get("status").and_then(Value::as_str) {
        Some("entered-in-error") => return Ok(ProfileChange::Clear { patient }),
        Some("final" | "amended") => {}
        Some("preliminary") => return Ok(ProfileChange::Ignore),
        other => return Err(format!("onbekende status {other:?}")),
    }
    let mut sections = Vec::new();
    for section in resource.get("section").and_then(Value::as_array).into_iter().flatten() {
        let title = section.get("title").and_then(Value::as_str).map(str::trim).unwrap_or("");
        let body = section.pointer("/text/div").and_then(Value::as_str).map(plain_text).unwrap_or_default();
        if title.is_empty() || body.is_empty() {
            return Err("een onderdeel zonder titel of tekst".to_owned());
        }
        let position = i32::try_from(sections.len() + 1).unwrap_or(i32::MAX);
        sections.push(ProfileSection { position, title: title.to_owned(), body });
    }
    if sections.is_empty() {
        return Err("geen onderdelen".to_owned());
    }
    Ok(ProfileChange::Put { patient, sections })
}
