//! Communication ↔ a message in Berichten, the thread with the care coordinator.
//!
//! A completed Communication about the client's Patient with a text payload is a message:
//! `sent` when, `sender.display` who ("Lisa Smit (Coördinator zorg)"), the `contentString`
//! parts the text. Entered in error removes it; one still being written (preparation,
//! in-progress) waits. A message sent from the portal goes out the same way, with our own
//! identifier, the sender's name and the coordinator as recipient.

use crate::reports::{instant, resource_key};
use careportal_domain::record::messages::{CareMessage, NewCareMessage};
use careportal_domain::sync::{OWN_IDENTIFIER_SYSTEM, own_identifier_value};
use serde_json::{Value, json};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageChange {
    Put { key: String, patient: String, message: NewCareMessage },
    Remove { key: String },
    Ignore,
}

pub fn map_communication(resource: &Value) -> Result<MessageChange, String> {
    let key = resource_key(resource).ok_or("geen identifier en geen id")?;
    match resource.get("status").and_then(Value::as_str) {
        Some("entered-in-error") => return Ok(MessageChange::Remove { key }),
        Some("completed") => {}
        Some("preparation" | "in-progress" | "not-done" | "on-hold" | "stopped" | "unknown") => {
            return Ok(MessageChange::Ignore);
        }
        other => return Err(format!("onbekende status {other:?}")),
    }
    let texts: Vec<&str> = resource
        .get("payload")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| p.get("contentString").and_then(Value::as_str))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect();
    if texts.is_empty() {
        // An attachment or a reference only: nothing the thread can show as a message.
        return Ok(MessageChange::Ignore);
    }
    let patient = crate::reports::patient_of(resource)?;
    let sent_at = instant(resource.get("sent").and_then(Value::as_str).ok_or("geen verzendmoment (sent)")?)?;
    let sender = resource
        .pointer("/sender/display")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or("Coördinator zorg")
        .to_owned();
    let message = NewCareMessage { sent_at, sender, sender_account: None, body: texts.join("\n\n") };
    Ok(MessageChange::Put { key, patient, message })
}

/// The Communication the portal sends for a message written in it: one to the coordinator
/// from the client's network, or the coordinator's answer written in Beheer (no portal
/// sender), which is to the client.
pub fn to_communication(message: &CareMessage, patient_id: &str) -> Value {
    let recipient = if message.from_portal() {
        json!([{"display": "Coördinator zorg"}])
    } else {
        json!([{"reference": format!("Patient/{patient_id}")}])
    };
    json!({
        "resourceType": "Communication",
        "identifier": [{"system": OWN_IDENTIFIER_SYSTEM, "value": own_identifier_value(message.id.as_uuid())}],
        "status": "completed",
        "category": [{"text": "Bericht via het cliëntportaal"}],
        "subject": {"reference": format!("Patient/{patient_id}")},
        "sent": message.sent_at.to_rfc3339(),
        "sender": {"display": message.sender},
        "recipient": recipient,
        "payload": [{"contentString": message.body}],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use careportal_domain::ClientId;
    use careportal_domain::ids::CareMessageId;

    #[test]
    fn a_portal_message_goes_out_and_comes_back_the_same() {
        let sent = CareMessage {
            id: CareMessageId::new(),
            client: ClientId::new(),
            sent_at: chrono::DateTime::parse_from_rfc3339("2026-11-30T09:12:45.25+01:00").unwrap().to_utc(),
            sender: "Ingrid de Vries (vertegenwoordiger)".to_owned(),
            sender_account: None,
            body: "Kan Thomas woensdag mee naar opa?\n\nGroet, Ingrid".to_owned(),
        };
        let resource = to_communication(&sent, "p1");
        let MessageChange::Put { key, patient, message } = map_communication(&resource).unwrap() else {
            panic!("not a message")
        };
        assert_eq!(key, careportal_domain::sync::own_ecd_key(sent.id.as_uuid()));
        assert_eq!(patient, "p1");
        assert_eq!((message.sent_at, message.sender, message.body), (sent.sent_at, sent.sender, sent.body));
    }

    #[test]
    fn drafts_wait_and_mistakes_go() {
        let mut draft = to_communication(
            &CareMessage {
                id: CareMessageId::new(),
                client: ClientId::new(),
                sent_at: chrono::Utc::now(),
                sender: "Lisa Smit (Coördinator zorg)".to_owned(),
                sender_account: None,
                body: "Tekst".to_owned(),
            },
            "p1",
        );
        draft["status"] = json!("in-progress");
        assert_eq!(map_communication(&draft).unwrap(), MessageChange::Ignore);
        draft["status"] = json!("entered-in-error");
        assert!(matches!(map_communication(&draft).unwrap(), MessageChange::Remove { .. }));
        draft["status"] = json!("completed");
        draft.as_object_mut().unwrap().remove("sent");
        assert_eq!(map_communication(&draft).unwrap_err(), "geen verzendmoment (sent)");
    }
}
