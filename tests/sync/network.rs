//! The client's network from the ECD (RelatedPerson, nl-core-ContactPerson): with an ECD
//! connected, Beheer invites a representative only when the ECD records that e-mail address
//! as first or second contact person or legal representative (role codes 01, 02, 24);
//! a changed network reaches the portal, and a full read empties one the ECD no longer has.

use super::beheer::staff_member;
use super::{SILOAH_SYSTEM, connect_siloah, done, run_now, server_with_patients};
use axum::http::StatusCode;
use careportal_domain::people::{ClientReference, ContactRole};
use careportal_domain::staff::StaffRole;
use careportal_domain::sync::SyncKind;
use careportal_tests::{Backend, TestApp};
use serde_json::{Value, json};

const ROLES: &str = "urn:oid:2.16.840.1.113883.2.4.3.11.22.472";

pub(crate) fn related_person(key: &str, patient: &str, role: &str, name: &str, email: &str) -> Value {
    json!({
        "resourceType": "RelatedPerson",
        "identifier": [{"system": "urn:oid:2.16.840.1.113883.2.4.3.11.999.77.2", "value": key}],
        "active": true,
        "patient": {"reference": format!("Patient/{patient}")},
        "relationship": [{"coding": [{"system": ROLES, "code": role}]}],
        "name": [{"use": "official", "text": name}],
        "telecom": [{"system": "email", "value": email}]
    })
}

async fn invite(
    admin: &mut careportal_tests::client::TestClient,
    name: &str,
    email: &str,
) -> careportal_tests::TestResponse {
    admin
        .submit(
            "/beheer/uitnodigen?client=SIL-1001",
            "/beheer/uitnodigen",
            &[("client", "SIL-1001"), ("relatie", "representative"), ("naam", name), ("email", email), ("mobiel", "")],
        )
        .await
}

pub async fn invitations_of_representatives_follow_the_ecds_network(backend: Backend) {
    let (server, thomas) = server_with_patients().await;
    let sanne = server.search(&format!("Patient?identifier={SILOAH_SYSTEM}|SIL-1002")).await.remove(0);
    let sanne = sanne["id"].as_str().unwrap();
    let ingrid = server.create(&related_person("NW-1", &thomas, "24", "Ingrid de Vries", "Ingrid@Example.nl")).await;
    server.create(&related_person("NW-2", &thomas, "19", "Henk Jansen", "henk@example.nl")).await;
    server.create(&related_person("NW-3", sanne, "01", "Marco Bakker", "marco@example.nl")).await;
    let app = TestApp::new(backend).await;
    let tenant = connect_siloah(&app, &server.base_url).await;
    let kinds = [SyncKind::Clients, SyncKind::Network];
    let first = done(&run_now(&app, &tenant, &kinds).await, SyncKind::Network);
    assert_eq!((first.created, first.updated), (2, 0), "Thomas's network and Sanne's: {first:?}");
    let thomas_client =
        app.store.client_by_reference(tenant.id, &ClientReference::parse("SIL-1001").unwrap()).await.unwrap().unwrap();
    let network = app.store.ecd_contacts(tenant.id, thomas_client.id).await.unwrap();
    let seen: Vec<(&str, &[ContactRole], Option<&str>)> =
        network.iter().map(|c| (c.name.as_str(), c.roles.as_slice(), c.email.as_deref())).collect();
    assert_eq!(
        seen,
        [
            ("Ingrid de Vries", &[ContactRole::LegalRepresentative][..], Some("ingrid@example.nl")),
            ("Henk Jansen", &[ContactRole::Other("19".to_owned())][..], Some("henk@example.nl")),
        ]
    );
    let again = done(&run_now(&app, &tenant, &kinds).await, SyncKind::Network);
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 2), "{again:?}");

    // The neighbour is in the network but not a representative; Marco is Sanne's, not
    // Thomas's; someone the ECD does not know at all is refused too. What was typed stays.
    let mut admin = staff_member(&app, "beheer@example.nl", StaffRole::Admin).await;
    let form = admin.get("/beheer/uitnodigen?client=SIL-1001").await;
    assert!(form.body.contains("Een vertegenwoordiger moet met dit e-mailadres in het ECD staan"), "{}", form.body);
    for (name, email) in [
        ("Henk Jansen", "henk@example.nl"),
        ("Marco Bakker", "marco@example.nl"),
        ("Iemand Anders", "iemand@example.nl"),
    ] {
        let refused = invite(&mut admin, name, email).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{email}");
        assert!(
            refused.body.contains(&format!(
                "Volgens het ECD is {email} geen eerste of tweede contactpersoon of wettelijk vertegenwoordiger van \
                 SIL-1001."
            )),
            "{}",
            refused.body
        );
        assert!(refused.body.contains(&format!("value=\"{email}\"")), "what was typed is kept");
    }
    assert!(app.store.client_accounts(tenant.id, thomas_client.id).await.unwrap().is_empty());
    // Each check read the client's network from the ECD's record, and the log says so.
    let reads = app.store.audit_of_client(tenant.id, thomas_client.id, 200).await.unwrap();
    assert!(reads.iter().any(|e| e.action == "record.viewed" && e.object.as_deref() == Some("network")));

    // The legal representative is, whatever the case of her address.
    let invited = invite(&mut admin, "Ingrid de Vries", "ingrid@example.nl").await;
    assert_eq!(invited.status, StatusCode::OK, "{}", invited.body);
    assert!(invited.body.contains("De uitnodiging is verstuurd naar ingrid@example.nl."), "{}", invited.body);

    // The ECD makes Henk the second contact person: after the next sync he can be invited.
    let mut henk = server.search("RelatedPerson?identifier=NW-2").await.remove(0);
    henk["relationship"][0]["coding"][0]["code"] = json!("02");
    server.update(&henk).await;
    let changed = done(&run_now(&app, &tenant, &kinds).await, SyncKind::Network);
    assert_eq!(changed.updated, 1, "{changed:?}");
    assert_eq!(invite(&mut admin, "Henk Jansen", "henk@example.nl").await.status, StatusCode::OK);

    // Ingrid leaves Thomas's network in the ECD (deleted for good): the daily full read
    // finds it; Sanne's network, which the ECD dropped entirely, is emptied.
    server.delete(&ingrid).await;
    let marco = server.search("RelatedPerson?identifier=NW-3").await.remove(0);
    server.delete(&marco).await;
    app.clock.advance(chrono::Duration::hours(25));
    let full = done(&run_now(&app, &tenant, &kinds).await, SyncKind::Network);
    assert_eq!((full.updated, full.removed), (1, 1), "{full:?}");
    let names: Vec<String> =
        app.store.ecd_contacts(tenant.id, thomas_client.id).await.unwrap().into_iter().map(|c| c.name).collect();
    assert_eq!(names, ["Henk Jansen"]);
    let audit = app.store.audit_of_client(tenant.id, thomas_client.id, 50).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "network.synced" && e.actor == "system:sync"), "{audit:?}");
}
