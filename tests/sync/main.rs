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
