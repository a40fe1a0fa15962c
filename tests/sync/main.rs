//! The ECD sync against a real FHIR R4 server (medplum's router in Node, tests/fhir), on both
//! databases: the client list from Patients, a second run that changes nothing, a change in
//! the ECD that reaches the portal, what cannot be read skipped and named, and each way the
//! server can fail answered with a clear line.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::http::StatusCode;
use careportal_domain::audit::Origin;
use careportal_domain::people::{ClientReference, Relation};
use careportal_domain::sync::SyncKind;
use careportal_domain::tenant::{FhirAuth, FhirSettings, Tenant};
use careportal_sync::{KindOutcome, RunOutcome};
use careportal_tests::fhir::FhirServer;
use careportal_tests::{Backend, TestApp, fixtures, on_both_backends};
use chrono::NaiveDate;

on_both_backends!(
    patients_become_the_client_list_and_a_second_run_changes_nothing,
    a_server_that_fails_gets_a_clear_line_and_nothing_half_written,
    progress_notes_become_reports_and_corrections_follow,
);

const SILOAH_SYSTEM: &str = "urn:oid:2.16.840.1.113883.2.4.3.11.999.77.1";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
}

/// Siloah connected to `base_url`, two Patients a page so the connector must follow `next`.
async fn connect_siloah(app: &TestApp, base_url: &str) -> Tenant {
    let mut bundle = fixtures::bundle("siloah").await;
    bundle.config.sync.connector = "fhir".to_owned();
    bundle.config.sync.fhir = Some(FhirSettings {
        base_url: base_url.to_owned(),
        client_identifier_system: SILOAH_SYSTEM.to_owned(),
        auth: FhirAuth::None,
        token_file: None,
        token_env: None,
        page_size: 2,
    });
    app.store.apply_tenant(&Origin::system("test"), &bundle).await.unwrap();
    app.store.tenant_by_slug("siloah").await.unwrap().unwrap()
}

async fn clients_run(app: &TestApp, tenant: &Tenant) -> KindOutcome {
    match careportal_sync::run(app.store.as_ref(), tenant, &[SyncKind::Clients], today()).await.unwrap() {
        RunOutcome::Ran(mut kinds) => kinds.remove(0).1,
        RunOutcome::NoEcd => panic!("the fhir connector ran as demo"),
    }
}

async fn patients_become_the_client_list_and_a_second_run_changes_nothing(backend: Backend) {
    let server = FhirServer::start().await;
    server.transaction(&serde_json::from_str(include_str!("../fixtures/fhir/patients.json")).unwrap()).await;
    let app = TestApp::new(backend).await;
    let tenant = connect_siloah(&app, &server.base_url).await;

    let first = clients_run(&app, &tenant).await;
    assert_eq!((first.created, first.updated, first.unchanged), (3, 0, 0), "{first:?}");
    assert_eq!(first.skipped.len(), 1, "the Patient without a name: {first:?}");
    assert!(first.skipped[0].0.starts_with("Patient/") && first.skipped[0].1 == "geen naam", "{first:?}");

    let clients = app.store.clients(tenant.id).await.unwrap();
    let names: Vec<String> = clients.iter().map(|c| format!("{} {}", c.reference, c.name.full())).collect();
    assert_eq!(names, ["SIL-1002 Sanne Bakker", "SIL-1004 Yusuf El Amrani", "SIL-1001 Thomas de Vries"]);
    let thomas = app.store.client_by_reference(tenant.id, &ClientReference::parse("SIL-1001").unwrap()).await;
    let thomas = thomas.unwrap().unwrap();
    assert_eq!(thomas.name.prefix.as_deref(), Some("de"));
    assert_eq!(thomas.birth_date, NaiveDate::from_ymd_opt(1998, 6, 14));
    assert_eq!(thomas.care_ended_on, None);
    let yusuf = clients.iter().find(|c| c.reference.as_str() == "SIL-1004").unwrap();
    assert_eq!(yusuf.care_ended_on, Some(today()), "an inactive Patient ends the care");
    assert!(
        app.store.clients(app.tenant_id("salem").await).await.unwrap().is_empty(),
        "Salem's Patient is not Siloah's, and Salem was not synced"
    );
    let audit = app.store.audit_of_client(tenant.id, thomas.id, 10).await.unwrap();
    assert!(audit.iter().any(|e| e.actor == "system:sync"), "the sync's writes are audited: {audit:?}");

    // Nothing changed in the ECD: nothing is written.
    let second = clients_run(&app, &tenant).await;
    assert_eq!((second.created, second.updated, second.unchanged), (0, 0, 3), "{second:?}");
    let later = clients_run(&app, &tenant).await;
    assert_eq!(app.store.client(tenant.id, yusuf.id).await.unwrap().unwrap().care_ended_on, Some(today()));
    assert_eq!(later.updated, 0);

    // A name corrected in the ECD reaches the portal, and a representative sees it.
    let mut sanne = server.search(&format!("Patient?identifier={SILOAH_SYSTEM}|SIL-1002")).await.remove(0);
    sanne["name"][0]["family"] = serde_json::json!("Bakker-Smit");
    server.update(&sanne).await;
    let third = clients_run(&app, &tenant).await;
    assert_eq!((third.created, third.updated, third.unchanged), (0, 1, 2), "{third:?}");
    let sanne = app.store.client_by_reference(tenant.id, &ClientReference::parse("SIL-1002").unwrap()).await;
    let sanne = sanne.unwrap().unwrap();
    assert_eq!(sanne.name.full(), "Sanne Bakker-Smit");
    let marco = app.new_account("siloah", "marco@example.nl", "Marco Bakker", sanne.id, Relation::Representative).await;
    let mut browser = app.signed_in("siloah.localhost", "siloah", marco).await;
    let home = browser.get("/home").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("Sanne Bakker-Smit"), "{}", home.body);

    // The demo connector has no ECD to ask, and says so.
    let salem = app.store.tenant_by_slug("salem").await.unwrap().unwrap();
    let demo = careportal_sync::run(app.store.as_ref(), &salem, &[SyncKind::Clients], today()).await.unwrap();
    assert_eq!(demo, RunOutcome::NoEcd);
}

async fn a_server_that_fails_gets_a_clear_line_and_nothing_half_written(backend: Backend) {
    let server = FhirServer::start().await;
    server.transaction(&serde_json::from_str(include_str!("../fixtures/fhir/patients.json")).unwrap()).await;
    let app = TestApp::new(backend).await;
    let tenant = connect_siloah(&app, &server.base_url).await;
    let run = || careportal_sync::run(app.store.as_ref(), &tenant, &[SyncKind::Clients], today());

    server.fail_after(0, 1, 503, None).await;
    assert_eq!(run().await.unwrap_err().to_string(), "de FHIR-server heeft een storing (HTTP 503)");
    server.fail_after(0, 1, 429, Some(30)).await;
    assert_eq!(run().await.unwrap_err().to_string(), "de FHIR-server vraagt om te wachten (HTTP 429), 30 seconden");
    server.fail_after(0, 1, 401, None).await;
    assert!(run().await.unwrap_err().to_string().contains("weigert de toegang (HTTP 401)"));
    // The second page fails: the first page's Patients are not written either.
    server.fail_after(1, 1, 503, None).await;
    assert!(run().await.is_err());
    assert!(app.store.clients(tenant.id).await.unwrap().is_empty(), "nothing half-written");

    let closed = format!("http://127.0.0.1:{}/fhir/R4", careportal_tests::smtp::free_port());
    let unreachable = connect_siloah(&app, &closed).await;
    let error =
        careportal_sync::run(app.store.as_ref(), &unreachable, &[SyncKind::Clients], today()).await.unwrap_err();
    assert!(error.to_string().starts_with("de FHIR-server op http://127.0.0.1:"), "{error}");
    assert!(error.to_string().contains("niet bereikbaar"), "{error}");

    // Once the server answers again, the run goes through.
    let tenant = connect_siloah(&app, &server.base_url).await;
    let done = careportal_sync::run(app.store.as_ref(), &tenant, &[SyncKind::Clients], today()).await.unwrap();
    assert!(matches!(done, RunOutcome::Ran(ref kinds) if kinds[0].1.created == 3), "{done:?}");
}

fn note(id: &str, patient: &str, status: &str, text: &str) -> serde_json::Value {
    serde_json::json!({
        "resourceType": "Composition",
        "identifier": {"system": "urn:oid:2.16.840.1.113883.2.4.3.11.999.77.2", "value": id},
        "status": status,
        "type": {"coding": [{"system": "http://loinc.org", "code": "11506-3", "display": "Progress note"}]},
        "subject": {"reference": format!("Patient/{patient}")},
        "date": "2026-11-24T14:05:00+01:00",
        "author": [{"display": "Femke Jansen (begeleider)"}],
        "title": "Rapportage",
        "section": [{"title": "Rapportage", "text": {"status": "generated",
            "div": format!("<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>{text}</p></div>")}}]
    })
}

async fn progress_notes_become_reports_and_corrections_follow(backend: Backend) {
    let server = FhirServer::start().await;
    server.transaction(&serde_json::from_str(include_str!("../fixtures/fhir/patients.json")).unwrap()).await;
    let thomas_patient = server.search(&format!("Patient?identifier={SILOAH_SYSTEM}|SIL-1001")).await.remove(0);
    let patient_id = thomas_patient["id"].as_str().unwrap().to_owned();
    let entries: Vec<serde_json::Value> = [
        note("R-1", &patient_id, "final", "Thomas heeft goed gegeten &amp; gewandeld."),
        note("R-2", &patient_id, "final", "Onrustige nacht gehad."),
        note("R-3", &patient_id, "preliminary", "Nog een concept."),
        note("R-4", "bestaat-niet", "final", "Van iemand anders."),
    ]
    .into_iter()
    .map(|resource| serde_json::json!({"resource": resource, "request": {"method": "POST", "url": "Composition"}}))
    .collect();
    server.transaction(&serde_json::json!({"resourceType": "Bundle", "type": "batch", "entry": entries})).await;

    let app = TestApp::new(backend).await;
    let tenant = connect_siloah(&app, &server.base_url).await;
    let run = |kinds: &'static [SyncKind]| careportal_sync::run(app.store.as_ref(), &tenant, kinds, today());
    let reports_of = |outcome: RunOutcome| match outcome {
        RunOutcome::Ran(kinds) => kinds.into_iter().find(|(k, _)| *k == SyncKind::Reports).unwrap().1,
        RunOutcome::NoEcd => panic!("no ECD"),
    };
    let first = reports_of(run(&[SyncKind::Clients, SyncKind::Reports]).await.unwrap());
    assert_eq!((first.created, first.updated, first.removed), (2, 0, 0), "{first:?}");
    assert_eq!(first.skipped.len(), 1, "the note of a Patient who is no client: {first:?}");
    assert!(first.skipped[0].1.contains("is geen cliënt"), "{first:?}");

    let thomas = app.store.client_by_reference(tenant.id, &ClientReference::parse("SIL-1001").unwrap()).await;
    let thomas = thomas.unwrap().unwrap();
    let ingrid =
        app.new_account("siloah", "ingrid@example.nl", "Ingrid de Vries", thomas.id, Relation::Representative).await;
    let mut browser = app.signed_in("siloah.localhost", "siloah", ingrid).await;
    let page = browser.get("/rapportages").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Thomas heeft goed gegeten &amp; gewandeld."), "{}", page.body);
    assert!(page.body.contains("Onrustige nacht gehad.") && page.body.contains("Femke Jansen (begeleider)"));
    assert!(!page.body.contains("Nog een concept."), "a preliminary note waits");

    let again = reports_of(run(&[SyncKind::Clients, SyncKind::Reports]).await.unwrap());
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 2), "a second run changes nothing");

    // The ECD corrects one note and withdraws the other.
    let notes = server.search("Composition?type=http://loinc.org|11506-3").await;
    let find = |id: &str| notes.iter().find(|n| n["identifier"]["value"] == id).unwrap().clone();
    let mut amended = find("R-1");
    amended["status"] = serde_json::json!("amended");
    amended["section"][0]["text"]["div"] = serde_json::json!(
        "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Thomas heeft goed gegeten en gefietst.</p></div>"
    );
    server.update(&amended).await;
    let mut withdrawn = find("R-2");
    withdrawn["status"] = serde_json::json!("entered-in-error");
    server.update(&withdrawn).await;
    let corrected = reports_of(run(&[SyncKind::Clients, SyncKind::Reports]).await.unwrap());
    assert_eq!((corrected.created, corrected.updated, corrected.removed), (0, 1, 1), "{corrected:?}");
    let page = browser.get("/rapportages").await;
    assert!(page.body.contains("Thomas heeft goed gegeten en gefietst."), "{}", page.body);
    assert!(!page.body.contains("gewandeld"), "the amended text replaced the old one");
    assert!(!page.body.contains("Onrustige nacht gehad."), "an entered-in-error note disappears");
    let audit = app.store.audit_of_client(tenant.id, thomas.id, 50).await.unwrap();
    for action in ["report.synced", "report.corrected", "report.removed"] {
        assert!(audit.iter().any(|e| e.action == action && e.actor == "system:sync"), "{action}: {audit:?}");
    }
}
