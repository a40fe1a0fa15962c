//! Salem's agenda and the ECD: care appointments from Appointments, and an appointment the
//! client makes Openbaar delivered to the care team, changed with it, and cancelled when it
//! is private again.

use super::*;
use careportal_domain::sync::OWN_IDENTIFIER_SYSTEM;
use careportal_tests::client::TestClient;

const SALEM_SYSTEM: &str = "urn:oid:2.16.840.1.113883.2.4.3.11.999.88.1";

/// Salem on the FHIR server with its client list pulled, and Johanna (SAL-2001) signed in.
pub(crate) async fn salem_with_johanna(backend: Backend, server: &FhirServer) -> (TestApp, Tenant, TestClient) {
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
        smart: None,
    });
    app.store.apply_tenant(&Origin::system("test"), &bundle).await.unwrap();
    let tenant = app.store.tenant_by_slug("salem").await.unwrap().unwrap();
    done(&run_now(&app, &tenant, &[SyncKind::Clients]).await, SyncKind::Clients);
    let johanna = app.store.client_by_reference(tenant.id, &ClientReference::parse("SAL-2001").unwrap()).await;
    let id = johanna.unwrap().unwrap().id;
    let account = app.new_account("salem", "johanna@example.nl", "Johanna van den Berg", id, Relation::Client).await;
    let browser = app.signed_in("salem.localhost", "salem", account).await;
    (app, tenant, browser)
}

/// Johanna's Patient id on the server.
pub(crate) async fn johanna_patient(server: &FhirServer) -> String {
    let found = server.search(&format!("Patient?identifier={SALEM_SYSTEM}|SAL-2001")).await.remove(0);
    found["id"].as_str().unwrap().to_owned()
}

pub async fn the_agenda_and_the_ecd_share_appointments(backend: Backend) {
    let (server, _) = server_with_patients().await;
    let patient = johanna_patient(&server).await;
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

    let (app, tenant, mut browser) = salem_with_johanna(backend, &server).await;
    assert_eq!(done(&run_now(&app, &tenant, &[SyncKind::Appointments]).await, SyncKind::Appointments).created, 1);
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

    // Openbaar once more, then deleted here: the ECD's copy is cancelled, exactly once.
    browser.submit(&path, &path, &fields("Kapper en manicure", true)).await;
    assert_eq!(done(&run_now(&app, &tenant, &outbox).await, SyncKind::Outbox).updated, 1);
    assert_eq!(ours().await[0]["status"], "booked");
    let delete = format!("/agenda/{id}/verwijderen");
    let deleted = browser.submit(&delete, &delete, &[]).await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER, "{}", deleted.body);
    assert!(!browser.get("/agenda").await.body.contains("Kapper en manicure"), "gone from her agenda");
    let pending: Vec<String> =
        app.store.ecd_pending(tenant.id, 10).await.unwrap().into_iter().map(|i| i.kind.as_str().to_owned()).collect();
    assert_eq!(pending, ["appointment_deleted"], "queued as a delete");
    assert_eq!(done(&run_now(&app, &tenant, &outbox).await, SyncKind::Outbox).updated, 1);
    let sent = ours().await;
    assert_eq!((sent.len(), sent[0]["status"].as_str()), (1, Some("cancelled")), "{sent:?}");
    let quiet = done(&run_now(&app, &tenant, &outbox).await, SyncKind::Outbox);
    assert_eq!((quiet.created, quiet.updated), (0, 0), "nothing sent twice: {quiet:?}");
    let pulled = done(&run_now(&app, &tenant, &[SyncKind::Appointments]).await, SyncKind::Appointments);
    assert_eq!(pulled.created, 0, "her deleted appointment does not come back from the ECD: {pulled:?}");
    assert!(!browser.get("/agenda").await.body.contains("Kapper en manicure"));

    // The care team cancels the physiotherapy.
    let mut fysio =
        server.search("Appointment?identifier=urn:oid:2.16.840.1.113883.2.4.3.11.999.88.6|A-1").await.remove(0);
    fysio["status"] = serde_json::json!("cancelled");
    server.update(&fysio).await;
    let cancelled = done(&run_now(&app, &tenant, &[SyncKind::Appointments]).await, SyncKind::Appointments);
    assert_eq!(cancelled.removed, 1, "{cancelled:?}");
    assert!(!browser.get("/agenda").await.body.contains("Fysiotherapie"));
}

pub async fn questionnaires_come_from_the_ecd_and_the_answers_go_back(backend: Backend) {
    let (server, _) = server_with_patients().await;
    let patient = johanna_patient(&server).await;
    server
        .create(&serde_json::json!({
            "resourceType": "Questionnaire", "status": "active",
            "url": "https://ecd.salem.example/Questionnaire/tevredenheid",
            "title": "Tevredenheid", "description": "Twee vragen over de zorg.",
            "item": [
                {"linkId": "zorg", "type": "choice", "required": true, "text": "Hoe tevreden bent u over de zorg?",
                 "answerOption": [{"valueString": "Tevreden"}, {"valueString": "Ontevreden"}]},
                {"linkId": "wens", "type": "text", "text": "Wat zou u anders willen?"}
            ]
        }))
        .await;
    server
        .create(&serde_json::json!({
            "resourceType": "QuestionnaireResponse",
            "identifier": {"system": "urn:oid:2.16.840.1.113883.2.4.3.11.999.88.7", "value": "V-1"},
            "questionnaire": "https://ecd.salem.example/Questionnaire/tevredenheid|1.0",
            "status": "in-progress",
            "subject": {"reference": format!("Patient/{patient}")}
        }))
        .await;
    let (app, tenant, mut johanna) = salem_with_johanna(backend, &server).await;
    let kinds = [SyncKind::Questionnaires];
    let pulled = done(&run_now(&app, &tenant, &kinds).await, SyncKind::Questionnaires);
    assert_eq!((pulled.created, pulled.skipped.len()), (1, 0), "{pulled:?}");
    let list = johanna.get("/vragenlijsten").await;
    assert!(list.body.contains("Tevredenheid") && list.body.contains("Nog niet ingevuld"), "{}", list.body);
    let again = done(&run_now(&app, &tenant, &kinds).await, SyncKind::Questionnaires);
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 1), "{again:?}");

    let at = list.body.find("/vragenlijsten/").unwrap() + "/vragenlijsten/".len();
    let id: String = list.body[at..].chars().take_while(|c| *c != '"').collect();
    let path = format!("/vragenlijsten/{id}");
    let answers = [("antwoord.zorg", "Tevreden"), ("antwoord.wens", "Vaker naar buiten"), ("actie", "versturen")];
    let sent = johanna.submit(&path, &path, &answers).await;
    assert_eq!(sent.header("location"), Some("/vragenlijsten?verstuurd=1"), "{}", sent.body);
    let pushed = done(&run_now(&app, &tenant, &[SyncKind::Outbox]).await, SyncKind::Outbox);
    assert_eq!((pushed.updated, pushed.skipped.len()), (1, 0), "{pushed:?}");
    let responses = server.search("QuestionnaireResponse").await;
    assert_eq!(responses.len(), 1, "answered in the ECD's own response: {responses:?}");
    let response = &responses[0];
    assert_eq!(response["status"], "completed");
    assert_eq!(response["author"]["display"], "Johanna van den Berg");
    assert_eq!(response["item"][0]["linkId"], "zorg");
    assert_eq!(response["item"][0]["answer"][0]["valueString"], "Tevreden");
    assert_eq!(response["item"][1]["answer"][0]["valueString"], "Vaker naar buiten");
    // Completed in the ECD now: nothing more to ask, and the sent answers stay in the portal.
    let after = done(&run_now(&app, &tenant, &kinds).await, SyncKind::Questionnaires);
    assert_eq!((after.created, after.removed), (0, 0), "{after:?}");
    assert!(johanna.get(&path).await.body.contains("Verstuurd op"));
}
