//! Appointment ↔ the agenda.
//!
//! From the ECD: an Appointment with the client's Patient among its participants is a care
//! appointment in the agenda (read-only there): `description` (else the service type's or
//! appointment type's text) is the title, `start` and `end`, `comment` the notes, a Location
//! participant's display where. Cancelled, no-show and entered-in-error take it out.
//! To the ECD: an appointment the person made Openbaar goes to the care team as an
//! Appointment with our own identifier, changed when they change it, and cancelled when
//! they delete it or make it private again.

use crate::reports::{instant, resource_key};
use careportal_domain::record::agenda::{Appointment, AppointmentInput};
use careportal_domain::sync::{OWN_IDENTIFIER_SYSTEM, own_identifier_value};
use serde_json::{Value, json};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppointmentChange {
    Put {
        key: String,
        patient: String,
        appointment: AppointmentInput,
    },
    Remove {
        key: String,
    },
    /// Proposed or waiting for someone: not in the agenda yet.
    Ignore,
}

pub fn map_appointment(resource: &Value) -> Result<AppointmentChange, String> {
    let key = resource_key(resource).ok_or("geen identifier en geen id")?;
    match resource.get("status").and_then(Value::as_str) {
        Some("cancelled" | "noshow" | "entered-in-error") => return Ok(AppointmentChange::Remove { key }),
        Some("booked" | "arrived" | "fulfilled" | "checked-in") => {}
        Some("proposed" | "pending" | "waitlist") => return Ok(AppointmentChange::Ignore),
        other => return Err(format!("onbekende status {other:?}")),
    }
    let participants: Vec<&Value> =
        resource.get("participant").and_then(Value::as_array).into_iter().flatten().collect();
    let actor_of = |kind: &str| {
        participants.iter().find_map(|p| {
            let actor = p.get("actor")?;
            let reference = actor.get("reference").and_then(Value::as_str)?;
            reference.split_once('/').filter(|(t, _)| *t == kind).map(|_| actor)
        })
    };
    let patient = actor_of("Patient")
        .and_then(|a| a.get("reference").and_then(Value::as_str))
        .and_then(|r| r.split('/').nth(1))
        .ok_or("geen Patient onder de deelnemers")?
        .to_owned();
    let title = resource
        .get("description")
        .or_else(|| resource.pointer("/serviceType/0/text"))
        .or_else(|| resource.pointer("/appointmentType/text"))
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .unwrap_or("Afspraak")
        .to_owned();
    let starts_at = instant(resource.get("start").and_then(Value::as_str).ok_or("geen begin (start)")?)?;
    let ends_at = instant(resource.get("end").and_then(Value::as_str).ok_or("geen einde (end)")?)?;
    if ends_at <= starts_at {
        return Err("het einde ligt niet na het begin".to_owned());
    }
    let text = |value: Option<&Value>| {
        value.and_then(Value::as_str).map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned)
    };
    let location = text(actor_of("Location").and_then(|a| a.get("display")));
    let notes = text(resource.get("comment"));
    let appointment = AppointmentInput { title, starts_at, ends_at, location, notes, public: false };
    Ok(AppointmentChange::Put { key, patient, appointment })
}

/// The Appointment the portal sends for one the person made Openbaar.
pub fn to_appointment(appointment: &Appointment, patient_id: &str) -> Value {
    let mut participants = vec![json!({"actor": {"reference": format!("Patient/{patient_id}")}, "status": "accepted"})];
    if let Some(location) = &appointment.location {
        participants.push(json!({"actor": {"display": location}, "status": "accepted"}));
    }
    let mut resource = json!({
        "resourceType": "Appointment",
        "identifier": [{"system": OWN_IDENTIFIER_SYSTEM, "value": own_identifier_value(appointment.id.as_uuid())}],
        "status": "booked",
        "description": appointment.title,
        "start": appointment.starts_at.to_rfc3339(),
        "end": appointment.ends_at.to_rfc3339(),
        "participant": participants,
    });
    if let Some(notes) = &appointment.notes {
        resource["comment"] = json!(notes);
    }
    resource
}

/// The same Appointment, cancelled: the person deleted it or made it private again.
pub fn cancelled(resource: &Value) -> Value {
    let mut cancelled = resource.clone();
    cancelled["status"] = json!("cancelled");
    cancelled
}

#[cfg(test)]
mod tests {
    use super::*;
    use careportal_domain::ClientId;
    use careportal_domain::ids::AppointmentId;
    use careportal_domain::record::Source;

    fn openbaar() -> Appointment {
        let at = |t| chrono::DateTime::parse_from_rfc3339(t).unwrap().to_utc();
        Appointment {
            id: AppointmentId::new(),
            client: ClientId::new(),
            title: "Kapper".to_owned(),
            starts_at: at("2026-11-27T10:00:00+01:00"),
            ends_at: at("2026-11-27T10:45:00+01:00"),
            location: Some("Salon Els".to_owned()),
            notes: Some("Graag ophalen om 9.45 uur".to_owned()),
            source: Source::Portal,
            public: true,
            created_by: None,
        }
    }

    #[test]
    fn an_openbaar_appointment_goes_out_and_reads_back_the_same() {
        let made = openbaar();
        let sent = to_appointment(&made, "p1");
        let AppointmentChange::Put { key, patient, appointment } = map_appointment(&sent).unwrap() else {
            panic!("not an appointment")
        };
        assert_eq!(key, careportal_domain::sync::own_ecd_key(made.id.as_uuid()));
        assert_eq!(patient, "p1");
        assert_eq!(
            (appointment.title, appointment.starts_at, appointment.ends_at),
            (made.title, made.starts_at, made.ends_at)
        );
        assert_eq!(appointment.notes, made.notes);
        assert!(matches!(map_appointment(&cancelled(&sent)).unwrap(), AppointmentChange::Remove { .. }));
    }

    #[test]
    fn a_care_appointment_names_its_location_and_needs_an_end_after_its_start() {
        let mut care = to_appointment(&openbaar(), "p1");
        care["participant"][1] =
            json!({"actor": {"reference": "Location/l1", "display": "Oefenzaal"}, "status": "accepted"});
        let AppointmentChange::Put { appointment, .. } = map_appointment(&care).unwrap() else { panic!() };
        assert_eq!(appointment.location.as_deref(), Some("Oefenzaal"));
        care["end"] = care["start"].clone();
        assert_eq!(map_appointment(&care).unwrap_err(), "het einde ligt niet na het begin");
        care["status"] = json!("proposed");
        assert_eq!(map_appointment(&care).unwrap(), AppointmentChange::Ignore);
    }
}
