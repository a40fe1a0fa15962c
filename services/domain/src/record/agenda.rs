//! Mijn agenda: care appointments from the ECD (marked as such, not editable here) and the
//! client's own. Own appointments are private by default: the care department sees their
//! content only when the appointment is set to Openbaar, and then it goes to the ECD.

use super::Source;
use crate::ids::AppointmentId;
use crate::time::{local_instant, parse_date, parse_time};
use crate::{AccountId, ClientId, DomainError};
use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Appointment {
    pub id: AppointmentId,
    pub client: ClientId,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub location: Option<String>,
    pub notes: Option<String>,
    pub source: Source,
    pub public: bool,
    pub created_by: Option<AccountId>,
}

/// An appointment as checked from the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppointmentInput {
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub location: Option<String>,
    pub notes: Option<String>,
    pub public: bool,
}

fn optional(text: &str) -> Option<String> {
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

/// Checks the "Nieuwe afspraak" form: a title, a day, a start and an end after it.
pub fn check_appointment(
    title: &str,
    date: &str,
    start: &str,
    end: &str,
    location: &str,
    notes: &str,
    public: bool,
) -> Result<AppointmentInput, Vec<DomainError>> {
    let mut problems = Vec::new();
    let title = super::person_text("titel", title, 200, "Geef de afspraak een titel, bijvoorbeeld \"Kapper\".")
        .map_err(|p| problems.push(p))
        .ok();
    let date = parse_date("datum", date).map_err(|p| problems.push(p)).ok();
    let start = parse_time("begin", start).map_err(|p| problems.push(p)).ok();
    let end = parse_time("einde", end).map_err(|p| problems.push(p)).ok();
    if location.chars().count() > 200 {
        problems.push(DomainError::invalid("waar", "Dit is te lang: hoogstens 200 tekens."));
    }
    if notes.chars().count() > 2000 {
        problems.push(DomainError::invalid("toelichting", "Dit is te lang: hoogstens 2000 tekens."));
    }
    let (Some(title), Some(date), Some(start), Some(end)) = (title, date, start, end) else {
        return Err(problems);
    };
    if end <= start {
        problems.push(DomainError::invalid("einde", "De afspraak moet eindigen na het begin."));
    }
    let (Some(starts_at), Some(ends_at)) = (local_instant(date, start), local_instant(date, end)) else {
        problems.push(DomainError::invalid("begin", "Deze tijd bestaat niet op die dag (de klok ging vooruit)."));
        return Err(problems);
    };
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(AppointmentInput { title, starts_at, ends_at, location: optional(location), notes: optional(notes), public })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_appointment_needs_a_title_a_day_and_an_end_after_its_start() {
        let ok = check_appointment("Kapper", "2026-11-27", "10:00", "10:45", " ", "", false).unwrap();
        assert_eq!(ok.title, "Kapper");
        assert_eq!(ok.location, None);
        assert_eq!((ok.ends_at - ok.starts_at).num_minutes(), 45);
        let problems = check_appointment("", "morgen", "10:00", "09:00", "", "", true).unwrap_err();
        let fields: Vec<&str> = problems
            .iter()
            .filter_map(|p| if let DomainError::Invalid { field, .. } = p { Some(*field) } else { None })
            .collect();
        assert!(fields.contains(&"titel") && fields.contains(&"datum"), "{fields:?}");
        let backwards = check_appointment("Kapper", "2026-11-27", "11:00", "10:00", "", "", false).unwrap_err();
        assert!(matches!(&backwards[0], DomainError::Invalid { field: "einde", .. }));
    }
}
