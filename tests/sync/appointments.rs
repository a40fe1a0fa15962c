//! Salem's agenda and the ECD: care appointments from Appointments, and an appointment the
//! client makes Openbaar delivered to the care team, changed with it, and cancelled when it
//! is private again.

use super::*;
use careportal_domain::sync::OWN_IDENTIFIER_SYSTEM;

const SALEM_SYSTEM: &str = "urn:oid:2.16.840.1.113883.2.4.3.11.999.88.1";

pub async fn the_agenda_and_the_ecd_share_appointments(backend: Backend) {
    let (server, _) = server_with_patients().await;
    let johanna_patient = server.search(&format!("Patient?identifier={SALEM_SYSTEM}|SAL-2001")).await.remove(0);
    let patient = johanna_patient["id"].as_str().unwrap().to_owned();
    let care = serde_json::json!({
        "resourceType": "Appointment",
        "identifier": [{"system": "urn:oid:2.16.840.1.113883.2.4.3.11.999.88.6", "value": "A-1"}],
        "status": "booked",
        "description": "Fysiotherapie",
        "start": "2026-11-26T14:00:00+01:00",
        "end": "2026-11-26T14:30:00+01:00",
        "participant": [
            {"actor": {"reference": format!("Patient/{patient}")}, "status": "accepted"},
            {"actor": {"reference": "Location/oefenzaal", "display": "Oefenzaal"}, "status": "accepted"}
        ]
    });
    server.create(&care).await;

    let app = TestApp::new(backend).await;
    let mut bundle = fixtures::bundle("salem").await;
    bundle.config.sync.connector = "fhir".to_owned();
    bundle.config.sync.fhir = Some(FhirSettings {
        base_url: server.base_url.clone(),
        client_identifier_system: SALEM_SYSTEM.to_owned(),
        auth: FhirAuth::None,
        token_file: None,
        token_env: None,
        page_size: 50,
    });
    app.store.apply_tenant(&Origin::system("test"), &bundle).await.unwrap();
    let tenant = app.store.tenant_by_slug("salem").await.unwrap().unwrap();
    let pulled = run_now(&app, &tenant, &[SyncKind::Clients, SyncKind::Appointments]).await;
    assert_eq!(done(&pulled, SyncKind::Appointments).created, 1, "{pulled:?}");
    let johanna = app.store.client_by_reference(tenant.id, &ClientReference::parse("SAL-2001").unwrap()).await;
    let account = app
        .new_account(
            "salem",
            "johanna@example.nl",
            "Johanna van den Berg",
            johanna.unwrap().unwrap().id,
            Relation::Client,
        )
        .await;
    let mut browser = app.signed_in("salem.localhost", "salem", account).await;
    let agenda = browser.get("/agenda").await;
    assert!(
        agenda.body.contains("14:00–14:30 Fysiotherapie</strong> <span class=\"tag\">Zorgafspraak</span>"),
        "{}",
        agenda.body
    );
    assert!(agenda.body.contains("Oefenzaal"));

    // Johanna's own appointment, Openbaar: the care team gets it.
    let fields = |title: &'static str, public: bool| {
        let mut fields = vec![
            ("titel", title),
            ("datum", "2026-11-27"),
            ("begin", "10:00"),
            ("einde", "10:45"),
            ("waar", "Salon Els"),
        ];
        if public {
            fields.push(("openbaar", "ja"));
        }
        fields
    };
    let made = browser.submit("/agenda/nieuw", "/agenda/nieuw", &fields("Kapper", true)).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let outbox = [SyncKind::Outbox];
    assert_eq!(done(&run_now(&app, &tenant, &outbox).await, SyncKind::Outbox).created, 1);
    let query = format!("Appointment?identifier={OWN_IDENTIFIER_SYSTEM}|");
    let ours = || server.search(&query);
    let sent = ours().await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!((sent[0]["status"].as_str(), sent[0]["description"].as_str()), (Some("booked"), Some("Kapper")));
    assert_eq!(sent[0]["participant"][0]["actor"]["reference"], format!("Patient/{patient}"));
    // Back on a pull it stays hers, changeable here.
    let again = done(&run_now(&app, &tenant, &[SyncKind::Appointments]).await, SyncKind::Appointments);
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 2), "{again:?}");
    let agenda = browser.get("/agenda").await;
    let edit = agenda.body.find("/wijzigen\"").expect("her own appointment can be changed");
    let id = agenda.body[..edit].rsplit("/agenda/").next().unwrap().to_owned();
    let path = format!("/agenda/{id}/wijzigen");

    // Changed: the ECD's copy changes with it.
    browser.submit(&path, &path, &fields("Kapper en manicure", true)).await;
    assert_eq!(done(&run_now(&app, &tenant, &outbox).await, SyncKind::Outbox).updated, 1);
    let sent = ours().await;
    assert_eq!((sent.len(), sent[0]["description"].as_str()), (1, Some("Kapper en manicure")));
    // Private again: cancelled in the ECD, still in her agenda.
    browser.submit(&path, &path, &fields("Kapper en manicure", false)).await;
    assert_eq!(done(&run_now(&app, &tenant, &outbox).await, SyncKind::Outbox).updated, 1);
    assert_eq!(ours().await[0]["status"], "cancelled");
    run_now(&app, &tenant, &[SyncKind::Appointments]).await;
    assert!(browser.get("/agenda").await.body.contains("Kapper en manicure"), "the ECD's cancel does not take hers");

    // The care team cancels the physiotherapy.
    let mut fysio =
        server.search("Appointment?identifier=urn:oid:2.16.840.1.113883.2.4.3.11.999.88.6|A-1").await.remove(0);
    fysio["status"] = serde_json::json!("cancelled");
    server.update(&fysio).await;
    let cancelled = done(&run_now(&app, &tenant, &[SyncKind::Appointments]).await, SyncKind::Appointments);
    assert_eq!(cancelled.removed, 1, "{cancelled:?}");
    assert!(!browser.get("/agenda").await.body.contains("Fysiotherapie"));
}
