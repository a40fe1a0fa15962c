//! Berichten with the coordinator from the ECD's Communications, and a message sent in the
//! portal delivered as one Communication that comes back as itself.

use super::*;
use crate::write_back::portal;
use careportal_domain::staff::StaffRole;
use careportal_domain::sync::OWN_IDENTIFIER_SYSTEM;

fn communication(key: &str, patient: &str, status: &str, text: &str) -> serde_json::Value {
    serde_json::json!({
        "resourceType": "Communication",
        "identifier": [{"system": "urn:oid:2.16.840.1.113883.2.4.3.11.999.77.5", "value": key}],
        "status": status,
        "subject": {"reference": format!("Patient/{patient}")},
        "sent": "2026-11-24T10:15:00+01:00",
        "sender": {"display": "Lisa Smit (Coördinator zorg)"},
        "payload": [{"contentString": text}],
    })
}

pub async fn messages_with_the_coordinator_go_both_ways(backend: Backend) {
    let mut p = portal(backend).await;
    let reminder = "Ter herinnering: vrijdag is de jaarlijkse evaluatie om 10.00 uur op de groep.";
    p.server.create(&communication("B-1", &p.patient, "completed", reminder)).await;
    p.server.create(&communication("B-2", &p.patient, "in-progress", "Nog niet af.")).await;
    let messages = [SyncKind::Messages];
    let pulled = done(&run_now(&p.app, &p.tenant, &messages).await, SyncKind::Messages);
    assert_eq!((pulled.created, pulled.skipped.len()), (1, 0), "{pulled:?}");
    let page = p.ingrid.get("/berichten").await;
    assert!(page.body.contains(reminder) && page.body.contains("Lisa Smit (Coördinator zorg)"), "{}", page.body);
    assert!(!page.body.contains("Nog niet af."), "a message still being written waits");

    let sent = p.ingrid.submit("/berichten", "/berichten", &[("bericht", "Dank je wel, wij komen om 10 uur.")]).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    for _ in 0..2 {
        run_now(&p.app, &p.tenant, &[SyncKind::Outbox]).await;
    }
    let ours = p.server.search(&format!("Communication?identifier={OWN_IDENTIFIER_SYSTEM}|")).await;
    assert_eq!(ours.len(), 1, "{ours:?}");
    assert_eq!(ours[0]["payload"][0]["contentString"], "Dank je wel, wij komen om 10 uur.");
    assert_eq!(ours[0]["sender"]["display"], "Ingrid de Vries (vertegenwoordiger)");
    assert_eq!(ours[0]["subject"]["reference"], format!("Patient/{}", p.patient));

    // The coordinator answers in Beheer: that reaches the ECD too, addressed to the client.
    let mut lisa = crate::beheer::staff_member(&p.app, "lisa@example.nl", StaffRole::Coordinator).await;
    let path = "/beheer/clienten/SIL-1001/berichten";
    let answered = lisa.submit(path, path, &[("antwoord", "Fijn, tot vrijdag!")]).await;
    assert_eq!(answered.status, StatusCode::SEE_OTHER, "{}", answered.body);
    let sent = done(&run_now(&p.app, &p.tenant, &[SyncKind::Outbox]).await, SyncKind::Outbox);
    assert_eq!(sent.created, 1, "{sent:?}");
    let ours = p.server.search(&format!("Communication?identifier={OWN_IDENTIFIER_SYSTEM}|")).await;
    let answer = ours.iter().find(|c| c["payload"][0]["contentString"] == "Fijn, tot vrijdag!").unwrap();
    assert_eq!(answer["sender"]["display"], "Bea Heer (Coördinator zorg)");
    assert_eq!(answer["recipient"][0]["reference"], format!("Patient/{}", p.patient));

    // Back on the next pull as the same messages.
    let again = done(&run_now(&p.app, &p.tenant, &messages).await, SyncKind::Messages);
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 3), "{again:?}");
    assert_eq!(p.ingrid.get("/berichten").await.body.matches("Fijn, tot vrijdag!").count(), 1);
    let page = p.ingrid.get("/berichten").await;
    assert_eq!(page.body.matches("Dank je wel, wij komen om 10 uur.").count(), 1, "{}", page.body);

    // Sent by mistake in the ECD: gone from the thread.
    let mut mistake =
        p.server.search("Communication?identifier=urn:oid:2.16.840.1.113883.2.4.3.11.999.77.5|B-1").await.remove(0);
    mistake["status"] = serde_json::json!("entered-in-error");
    p.server.update(&mistake).await;
    let removed = done(&run_now(&p.app, &p.tenant, &messages).await, SyncKind::Messages);
    assert_eq!(removed.removed, 1, "{removed:?}");
    assert!(!p.ingrid.get("/berichten").await.body.contains(reminder));
}
