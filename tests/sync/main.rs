//! The ECD sync against a real FHIR R4 server (medplum's router in Node, tests/fhir), on both
//! databases: the client list from Patients, reports from Compositions and measurements from
//! Observations, a second run that changes nothing, corrections and deletes in the ECD that
//! reach the portal, what people write in the portal sent back exactly once (two workers at
//! once, a worker that died mid-run), what cannot be read skipped and named, and each way
//! the server can fail answered with a clear line.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod appointments;
mod beheer;
mod care_end;
mod consents;
mod documents;
mod messages;
mod network;
mod write_back;

use appointments::{
    questionnaires_come_from_the_ecd_and_the_answers_go_back, the_agenda_and_the_ecd_share_appointments,
};
use beheer::{the_administrator_sees_the_koppeling_and_syncs_now, the_administrator_tests_the_connection};
use care_end::care_periods_that_end_end_the_clients_care;
use consents::consents_come_from_the_ecd_and_answers_go_back;
use documents::{care_plans_decide_whether_their_prints_are_offered, documents_come_from_the_ecd_with_their_prints};
use messages::messages_with_the_coordinator_go_both_ways;
use network::invitations_of_representatives_follow_the_ecds_network;

use write_back::{
    a_report_and_a_measurement_reach_the_ecd_exactly_once, a_stopped_worker_gives_its_lease_back_at_once,
    a_worker_that_died_mid_run_is_taken_over_without_a_double, failures_wait_and_what_never_succeeds_is_parked,
    the_worker_runs_each_stream_on_its_schedule,
};

use axum::http::StatusCode;
use careportal_domain::audit::Origin;
use careportal_domain::clock::Clock;
use careportal_domain::people::{ClientReference, Relation};
use careportal_domain::sync::SyncKind;
use careportal_domain::tenant::{FhirAuth, FhirSettings, Tenant};
use careportal_sync::{KindOutcome, StreamResult, TenantRun, When};
use careportal_tests::fhir::FhirServer;
use careportal_tests::{Backend, TestApp, fixtures, on_both_backends};
use chrono::NaiveDate;

on_both_backends!(
    patients_become_the_client_list_and_a_second_run_changes_nothing,
    a_server_that_fails_gets_a_clear_line_and_nothing_half_written,
    progress_notes_become_reports_and_corrections_follow,
    vital_signs_become_measurements_as_the_manual_shows_them,
    pulls_read_what_changed_and_a_daily_full_read_finds_deletes,
    a_report_and_a_measurement_reach_the_ecd_exactly_once,
    a_worker_that_died_mid_run_is_taken_over_without_a_double,
    failures_wait_and_what_never_succeeds_is_parked,
    the_worker_runs_each_stream_on_its_schedule,
    a_stopped_worker_gives_its_lease_back_at_once,
    the_administrator_sees_the_koppeling_and_syncs_now,
    the_administrator_tests_the_connection,
    consents_come_from_the_ecd_and_answers_go_back,
    messages_with_the_coordinator_go_both_ways,
    the_agenda_and_the_ecd_share_appointments,
    questionnaires_come_from_the_ecd_and_the_answers_go_back,
    documents_come_from_the_ecd_with_their_prints,
    smart_backend_services_sign_in_with_a_signed_jwt,
    the_person_profile_comes_from_a_sectioned_composition,
    care_periods_that_end_end_the_clients_care,
    invitations_of_representatives_follow_the_ecds_network,
    care_plans_decide_whether_their_prints_are_offered,
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
        smart: None,
    });
    app.store.apply_tenant(&Origin::system("test"), &bundle).await.unwrap();
    app.store.tenant_by_slug("siloah").await.unwrap().unwrap()
}

/// Runs `kinds` now, as `careportal sync run` does.
async fn run_now(app: &TestApp, tenant: &Tenant, kinds: &[SyncKind]) -> Vec<(SyncKind, StreamResult)> {
    run_as(app, tenant, kinds, "test-run").await
}

async fn run_as(app: &TestApp, tenant: &Tenant, kinds: &[SyncKind], owner: &str) -> Vec<(SyncKind, StreamResult)> {
    match careportal_sync::sync_tenant(app.store.as_ref(), &app.clock, &app.blobs(), owner, tenant, kinds, When::Now)
        .await
        .unwrap()
    {
        TenantRun::Streams(streams) => streams,
        TenantRun::NoEcd => panic!("the fhir connector ran as demo"),
    }
}

/// What `kind` did; panics with the status line when it failed.
fn done(results: &[(SyncKind, StreamResult)], kind: SyncKind) -> KindOutcome {
    match results.iter().find(|(k, _)| *k == kind) {
        Some((_, StreamResult::Done(outcome))) => outcome.clone(),
        other => panic!("{kind:?}: {other:?}"),
    }
}

/// The status line `kind` failed with.
fn failure(results: &[(SyncKind, StreamResult)], kind: SyncKind) -> String {
    match results.iter().find(|(k, _)| *k == kind) {
        Some((_, StreamResult::Failed(line))) => line.clone(),
        other => panic!("{kind:?} did not fail: {other:?}"),
    }
}

async fn clients_run(app: &TestApp, tenant: &Tenant) -> KindOutcome {
    done(&run_now(app, tenant, &[SyncKind::Clients]).await, SyncKind::Clients)
}

/// A FHIR server with the Patients of tests/fixtures/fhir/patients.json, and Thomas's
/// Patient id.
async fn server_with_patients() -> (FhirServer, String) {
    let server = FhirServer::start().await;
    server.transaction(&serde_json::from_str(include_str!("../fixtures/fhir/patients.json")).unwrap()).await;
    let thomas = server.search(&format!("Patient?identifier={SILOAH_SYSTEM}|SIL-1001")).await.remove(0);
    (server, thomas["id"].as_str().unwrap().to_owned())
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
    let blobs = app.blobs();
    let demo = careportal_sync::sync_tenant(
        app.store.as_ref(),
        &app.clock,
        &blobs,
        "t",
        &salem,
        &[SyncKind::Clients],
        When::Now,
    );
    assert_eq!(demo.await.unwrap(), TenantRun::NoEcd);
}

async fn a_server_that_fails_gets_a_clear_line_and_nothing_half_written(backend: Backend) {
    let server = FhirServer::start().await;
    server.transaction(&serde_json::from_str(include_str!("../fixtures/fhir/patients.json")).unwrap()).await;
    let app = TestApp::new(backend).await;
    let tenant = connect_siloah(&app, &server.base_url).await;
    let clients = [SyncKind::Clients];

    server.fail_after(0, 1, 503, None).await;
    assert_eq!(
        failure(&run_now(&app, &tenant, &clients).await, SyncKind::Clients),
        "de FHIR-server heeft een storing (HTTP 503)"
    );
    server.fail_after(0, 1, 429, Some(30)).await;
    assert_eq!(
        failure(&run_now(&app, &tenant, &clients).await, SyncKind::Clients),
        "de FHIR-server vraagt om te wachten (HTTP 429), 30 seconden"
    );
    server.fail_after(0, 1, 401, None).await;
    let denied = failure(&run_now(&app, &tenant, &clients).await, SyncKind::Clients);
    assert!(denied.contains("weigert de toegang (HTTP 401)"), "{denied}");
    // The second page fails: the first page's Patients are not written either.
    server.fail_after(1, 1, 503, None).await;
    failure(&run_now(&app, &tenant, &clients).await, SyncKind::Clients);
    assert!(app.store.clients(tenant.id).await.unwrap().is_empty(), "nothing half-written");
    // The status says what went wrong last, for the status page and `sync status`.
    let status = careportal_sync::status::tenant_status(app.store.as_ref(), &tenant, app.clock.now()).await.unwrap();
    let stream = status.streams.iter().find(|s| s.kind == "clients").unwrap();
    assert_eq!(stream.last_error.as_deref(), Some("de FHIR-server heeft een storing (HTTP 503)"));
    assert_eq!((stream.last_success_at, stream.running), (None, false));

    let closed = format!("http://127.0.0.1:{}/fhir/R4", careportal_tests::smtp::free_port());
    let unreachable = connect_siloah(&app, &closed).await;
    let error = failure(&run_now(&app, &unreachable, &clients).await, SyncKind::Clients);
    assert!(error.starts_with("de FHIR-server op http://127.0.0.1:"), "{error}");
    assert!(error.contains("niet bereikbaar"), "{error}");

    // Once the server answers again, the run goes through, and the error is cleared.
    let tenant = connect_siloah(&app, &server.base_url).await;
    assert_eq!(clients_run(&app, &tenant).await.created, 3);
    let status = careportal_sync::status::tenant_status(app.store.as_ref(), &tenant, app.clock.now()).await.unwrap();
    let stream = status.streams.iter().find(|s| s.kind == "clients").unwrap();
    assert_eq!(stream.last_error, None);
    assert_eq!(stream.last_success_at, Some(app.clock.now()));
    assert_eq!(stream.counts.as_ref().map(|c| (c.created, c.skipped_count)), Some((3, 1)));
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
    let (server, patient_id) = server_with_patients().await;
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
    let kinds = [SyncKind::Clients, SyncKind::Reports];
    let first = done(&run_now(&app, &tenant, &kinds).await, SyncKind::Reports);
    assert_eq!((first.created, first.updated, first.removed), (2, 0, 0), "{first:?}");
    assert_eq!(first.skipped.len(), 1, "the note of a Patient the ECD does not have: {first:?}");
    assert_eq!(first.skipped[0].1, "Patient/bestaat-niet bestaat niet in het ECD", "{first:?}");

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

    let again = done(&run_now(&app, &tenant, &kinds).await, SyncKind::Reports);
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
    let corrected = done(&run_now(&app, &tenant, &kinds).await, SyncKind::Reports);
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

fn observation(id: &str, patient: &str, loinc: &str, value: serde_json::Value, at: &str) -> serde_json::Value {
    serde_json::json!({
        "resourceType": "Observation",
        "meta": {"profile": ["http://nictiz.nl/fhir/StructureDefinition/nl-core-BodyTemperature"]},
        "identifier": [{"system": "urn:oid:2.16.840.1.113883.2.4.3.11.999.77.3", "value": id}],
        "status": "final",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}]}],
        "code": {"coding": [{"system": "http://loinc.org", "code": loinc}]},
        "subject": {"reference": format!("Patient/{patient}")},
        "effectiveDateTime": at,
        "performer": [{"display": "Femke Jansen"}, {"reference": "Organization/tharah", "type": "Organization", "display": "Tharah - Noord"}],
        "valueQuantity": value,
    })
}

async fn vital_signs_become_measurements_as_the_manual_shows_them(backend: Backend) {
    let (server, patient) = server_with_patients().await;
    let mut rectal = observation(
        "M-1",
        &patient,
        "8310-5",
        serde_json::json!({"value": 39.1, "unit": "°C", "system": "http://unitsofmeasure.org", "code": "Cel"}),
        "2023-04-24T06:00:00+02:00",
    );
    rectal["method"] = serde_json::json!({"text": "Rectaal"});
    let weight = observation(
        "M-2",
        &patient,
        "29463-7",
        serde_json::json!({"value": 56000, "unit": "g", "system": "http://unitsofmeasure.org", "code": "g"}),
        "2023-05-03T18:30:00+02:00",
    );
    let mut pounds = weight.clone();
    pounds["identifier"][0]["value"] = serde_json::json!("M-3");
    pounds["valueQuantity"] =
        serde_json::json!({"value": 120, "unit": "lb", "system": "http://unitsofmeasure.org", "code": "[lb_av]"});
    for resource in [&rectal, &weight, &pounds] {
        server.create(resource).await;
    }
    let app = TestApp::new(backend).await;
    let tenant = connect_siloah(&app, &server.base_url).await;
    let kinds = [SyncKind::Clients, SyncKind::Measurements];
    let first = done(&run_now(&app, &tenant, &kinds).await, SyncKind::Measurements);
    assert_eq!((first.created, first.updated), (2, 0), "{first:?}");
    assert_eq!(first.skipped.len(), 1, "{first:?}");
    assert!(first.skipped[0].0.starts_with("Observation/"), "{first:?}");
    assert_eq!(first.skipped[0].1, "eenheid \"[lb_av]\" hoort niet bij Gewicht");

    let thomas = app.store.client_by_reference(tenant.id, &ClientReference::parse("SIL-1001").unwrap()).await;
    let thomas = thomas.unwrap().unwrap();
    let ingrid =
        app.new_account("siloah", "ingrid@example.nl", "Ingrid de Vries", thomas.id, Relation::Representative).await;
    let mut browser = app.signed_in("siloah.localhost", "siloah", ingrid).await;
    let page = browser.get("/metingen").await;
    assert_eq!(page.status, StatusCode::OK);
    // The manual: "Meetsoort: Temperatuur 39,1 °C (Rectaal)", "Ma 24 apr 2023 | 06:00 | Tharah - …".
    assert!(page.body.contains("Meetsoort: Temperatuur <strong>39,1 °C (Rectaal)</strong>"), "{}", page.body);
    assert!(page.body.contains("Ma 24 apr 2023 | 06:00 | Tharah - Noord | Femke Jansen"), "{}", page.body);
    assert!(page.body.contains("Meetsoort: Gewicht <strong>56,0 kg</strong>"), "grams read as kilograms");

    let again = done(&run_now(&app, &tenant, &kinds).await, SyncKind::Measurements);
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 2), "a second run changes nothing");

    // Corrected in the ECD: the new value replaces the old; entered in error: gone.
    let found = server.search("Observation?category=vital-signs").await;
    let find = |id: &str| found.iter().find(|o| o["identifier"][0]["value"] == id).unwrap().clone();
    let mut corrected = find("M-1");
    corrected["status"] = serde_json::json!("corrected");
    corrected["valueQuantity"]["value"] = serde_json::json!(38.9);
    server.update(&corrected).await;
    let mut wrong = find("M-2");
    wrong["status"] = serde_json::json!("entered-in-error");
    server.update(&wrong).await;
    let third = done(&run_now(&app, &tenant, &kinds).await, SyncKind::Measurements);
    assert_eq!((third.created, third.updated, third.removed), (0, 1, 1), "{third:?}");
    let page = browser.get("/metingen").await;
    assert!(page.body.contains("38,9 °C (Rectaal)") && !page.body.contains("39,1"), "{}", page.body);
    assert!(!page.body.contains("56,0 kg"), "entered in error: gone");
    let audit = app.store.audit_of_client(tenant.id, thomas.id, 50).await.unwrap();
    for action in ["measurement.synced", "measurement.corrected", "measurement.removed"] {
        assert!(audit.iter().any(|e| e.action == action && e.actor == "system:sync"), "{action}: {audit:?}");
    }
}

async fn pulls_read_what_changed_and_a_daily_full_read_finds_deletes(backend: Backend) {
    let (server, patient) = server_with_patients().await;
    // Written in the ECD long ago: the server keeps a lastUpdated sent on create.
    let mut old = note("R-10", &patient, "final", "Een oude rapportage.");
    old["meta"] = serde_json::json!({"lastUpdated": "2026-10-01T08:00:00.000Z"});
    let old = server.create(&old).await;
    let mut older = note("R-11", &patient, "final", "Nog een oude rapportage.");
    older["meta"] = serde_json::json!({"lastUpdated": "2026-10-01T09:00:00.000Z"});
    server.create(&older).await;
    let app = TestApp::new(backend).await;
    let tenant = connect_siloah(&app, &server.base_url).await;
    let kinds = [SyncKind::Clients, SyncKind::Reports];
    let first = done(&run_now(&app, &tenant, &kinds).await, SyncKind::Reports);
    assert_eq!(first.created, 2, "{first:?}");
    let streams = app.store.sync_streams(tenant.id).await.unwrap();
    let reports = streams.iter().find(|s| s.kind == SyncKind::Reports).unwrap();
    assert_eq!(reports.cursor.as_deref(), Some("2026-10-01T08:58:00.000Z"), "newest change less two minutes");

    // The next run asks only for what changed since: the note of 08:00 is not read again,
    // the one of 09:00 is, being inside the overlap.
    let next = done(&run_now(&app, &tenant, &kinds).await, SyncKind::Reports);
    assert_eq!((next.created, next.updated, next.unchanged), (0, 0, 1), "{next:?}");
    let new = server.create(&note("R-12", &patient, "final", "Vandaag geschreven.")).await;
    let next = done(&run_now(&app, &tenant, &kinds).await, SyncKind::Reports);
    assert_eq!((next.created, next.unchanged), (1, 1), "{next:?}");
    assert!(new["meta"]["lastUpdated"].is_string());

    // Purged from the ECD: an incremental pull cannot see it; the daily full read does.
    server.delete(&old).await;
    let next = done(&run_now(&app, &tenant, &kinds).await, SyncKind::Reports);
    assert_eq!(next.removed, 0, "{next:?}");
    app.clock.advance(chrono::Duration::hours(25));
    let full = done(&run_now(&app, &tenant, &kinds).await, SyncKind::Reports);
    assert_eq!((full.removed, full.unchanged), (1, 2), "{full:?}");
    let thomas = app.store.client_by_reference(tenant.id, &ClientReference::parse("SIL-1001").unwrap()).await;
    let texts: Vec<String> = app
        .store
        .reports(tenant.id, thomas.unwrap().unwrap().id, careportal_domain::time::TimeRange::ALL, 50)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.body)
        .collect();
    assert!(!texts.iter().any(|t| t == "Een oude rapportage."), "{texts:?}");
    assert_eq!(texts.len(), 2, "{texts:?}");
}

/// Our fixtures, the resources these tests put on the server, and what the connector
/// sends for a portal report and measurement are valid FHIR R4 by the structure definitions.
#[test]
fn fixtures_and_what_the_portal_sends_are_valid_fhir() {
    use careportal_domain::record::Source;
    use careportal_domain::record::measurements::Measurement;
    use careportal_domain::record::reports::Report;
    let at = chrono::DateTime::parse_from_rfc3339("2026-11-30T19:02:11.5+01:00").unwrap().to_utc();
    let report = Report {
        id: careportal_domain::ids::ReportId::new(),
        client: careportal_domain::ClientId::new(),
        written_at: at,
        author: "Ingrid de Vries (vertegenwoordiger)".to_owned(),
        author_account: None,
        source: Source::Portal,
        body: "Samen <gewandeld> & gepraat.\nFijn.\n\nTot morgen.".to_owned(),
    };
    let measurement = Measurement {
        id: careportal_domain::ids::MeasurementId::new(),
        client: report.client,
        kind: "Temperatuur".to_owned(),
        value: "37.2".to_owned(),
        unit: "°C".to_owned(),
        qualifier: Some("Oksel".to_owned()),
        measured_at: at,
        location: Some("Cliëntportaal".to_owned()),
        measured_by: "Ingrid de Vries (vertegenwoordiger)".to_owned(),
        author_account: None,
        source: Source::Portal,
    };
    let mut weight = observation(
        "M-2",
        "p1",
        "29463-7",
        serde_json::json!({"value": 56000, "unit": "g", "code": "g"}),
        "2023-05-03T18:30:00+02:00",
    );
    weight["method"] = serde_json::json!({"text": "Rectaal"});
    let resources = serde_json::json!([
        careportal_sync::reports::to_composition(&report, "p1"),
        careportal_sync::measurements::to_observation(&measurement, "p1").unwrap(),
        note("R-1", "p1", "final", "Tekst"),
        weight,
        careportal_sync::messages::to_communication(
            &careportal_domain::record::messages::CareMessage {
                id: careportal_domain::ids::CareMessageId::new(),
                client: report.client,
                sent_at: at,
                sender: "Ingrid de Vries (vertegenwoordiger)".to_owned(),
                sender_account: None,
                body: "Kan Thomas woensdag mee?".to_owned(),
            },
            "p1",
        ),
        careportal_sync::appointments::to_appointment(
            &careportal_domain::record::agenda::Appointment {
                id: careportal_domain::ids::AppointmentId::new(),
                client: report.client,
                title: "Kapper".to_owned(),
                starts_at: at,
                ends_at: at + chrono::Duration::minutes(45),
                location: Some("Salon Els".to_owned()),
                notes: Some("Graag ophalen".to_owned()),
                source: Source::Portal,
                public: true,
                created_by: None,
            },
            "p1",
        ),
        careportal_sync::questionnaires::answered(
            None,
            &careportal_domain::record::questionnaires::Questionnaire {
                id: careportal_domain::ids::QuestionnaireId::new(),
                client: report.client,
                title: "Tevredenheid".to_owned(),
                intro: None,
                questions: vec![careportal_domain::record::questionnaires::Question {
                    key: "zorg".to_owned(),
                    text: "Hoe tevreden bent u?".to_owned(),
                    kind: careportal_domain::record::questionnaires::QuestionKind::Text,
                    required: true,
                }],
                received_at: at,
                status: careportal_domain::record::questionnaires::QuestionnaireStatus::Submitted,
                answers: [("zorg".to_owned(), "Tevreden".to_owned())].into(),
                updated_at: at,
                submitted_by: Some("Johanna van den Berg".to_owned()),
            },
            "p1",
        ),
        careportal_sync::plans::to_consent(
            &careportal_domain::record::documents::CarePlan {
                id: careportal_domain::ids::CarePlanId::new(),
                client: report.client,
                document: careportal_domain::ids::DocumentId::new(),
                plan_date: at.date_naive(),
                offered_at: at,
                offered_by: "Coördinator zorg".to_owned(),
                status: careportal_domain::record::documents::PlanStatus::Rejected,
                decision: None,
            },
            &careportal_domain::record::documents::PlanDecision {
                signed: false,
                reason: Some("Ik wil eerst overleggen.".to_owned()),
                decided_at: at,
                account: None,
                decided_by: "Ingrid de Vries (vertegenwoordiger)".to_owned(),
                document_sha256: "ab".repeat(32),
                method: "totp".to_owned(),
                masked_phone: None,
                ip: Some("192.0.2.1".to_owned()),
                user_agent: None,
            },
            "p1",
            Some("DocumentReference/d1"),
            "Begeleidingsplanafdruk van vrijdag 20 november 2026",
        ),
        careportal_sync::consents::answered(
            &serde_json::json!({"resourceType": "Consent", "status": "proposed",
                "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]},
                "category": [{"text": "Mogen er foto's van u gemaakt worden?"}], "patient": {"reference": "Patient/p1"}}),
            true,
            "Ingrid de Vries (vertegenwoordiger)",
            at,
        ),
        // What the tests put on the server for care periods, the network and care plans.
        care_end::episode("p1", "finished", "2019-03-01", Some("2026-10-01T16:00:00+02:00")),
        network::related_person("NW-1", "p1", "24", "Ingrid de Vries", "ingrid@example.nl"),
        documents::care_plan("p1", "active", "Begeleidingsplan 2027"),
        documents::print_of("P-27", "p1", &serde_json::json!({"id": "cp1"}), "Doelen 2027."),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let sent = dir.path().join("sent.json");
    std::fs::write(&sent, resources.to_string()).unwrap();
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/fhir");
    let (valid, output) = careportal_tests::fhir::validate(&[&fixtures, &sent]);
    assert!(valid, "{output}");
    assert!(output.contains("14 checked, 0 invalid"), "{output}");

    // The check itself refuses what is not FHIR: an identifier list where R4 allows one.
    let mut wrong = careportal_sync::reports::to_composition(&report, "p1");
    wrong["identifier"] = serde_json::json!([wrong["identifier"]]);
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, wrong.to_string()).unwrap();
    let (valid, output) = careportal_tests::fhir::validate(&[&broken]);
    assert!(!valid && output.contains("identifier"), "{output}");
}

/// SMART Backend Services: the connector signs a JWT with the tenant's private key, gets a
/// token at the endpoint the server's smart-configuration names, and syncs with it; a key
/// the ECD does not know gets a clear line.
async fn smart_backend_services_sign_in_with_a_signed_jwt(backend: Backend) {
    let (server, _) = server_with_patients().await;
    let key = server.require_smart("careportal-siloah").await;
    let app = TestApp::new(backend).await;
    // Without signing in, the server refuses.
    let plain = connect_siloah(&app, &server.base_url).await;
    let refused = failure(&run_now(&app, &plain, &[SyncKind::Clients]).await, SyncKind::Clients);
    assert!(refused.contains("weigert de toegang (HTTP 401)"), "{refused}");

    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("siloah-ecd.pem");
    std::fs::write(&key_file, &key).unwrap();
    let connect = |key_file: &std::path::Path| {
        let mut bundle_fhir = plain.config.sync.fhir.clone().unwrap();
        bundle_fhir.auth = FhirAuth::Smart;
        bundle_fhir.smart = Some(careportal_domain::tenant::SmartSettings {
            client_id: "careportal-siloah".to_owned(),
            private_key_file: key_file.display().to_string(),
            algorithm: "ES384".to_owned(),
            key_id: Some("siloah-2026".to_owned()),
            token_url: None,
            scope: "system/*.read system/*.write".to_owned(),
        });
        bundle_fhir
    };
    let mut bundle = fixtures::bundle("siloah").await;
    bundle.config.sync.connector = "fhir".to_owned();
    bundle.config.sync.fhir = Some(connect(&key_file));
    app.store.apply_tenant(&Origin::system("test"), &bundle).await.unwrap();
    let tenant = app.store.tenant_by_slug("siloah").await.unwrap().unwrap();
    let signed = done(&run_now(&app, &tenant, &[SyncKind::Clients, SyncKind::Reports]).await, SyncKind::Clients);
    assert_eq!(signed.created, 3, "{signed:?}");

    // Another key than the one the ECD registered.
    let other = FhirServer::start().await.require_smart("careportal-siloah").await;
    std::fs::write(&key_file, other).unwrap();
    let wrong = failure(&run_now(&app, &tenant, &[SyncKind::Clients]).await, SyncKind::Clients);
    assert_eq!(wrong, "het ECD weigert de SMART-aanmelding (HTTP 401): signature does not verify");
    std::fs::write(&key_file, "geen sleutel").unwrap();
    let unreadable = failure(&run_now(&app, &tenant, &[SyncKind::Clients]).await, SyncKind::Clients);
    assert!(unreadable.contains("de private sleutel is niet te lezen"), "{unreadable}");
}

/// Persoonsbeeld from the ECD's person profile Composition: its sections in order, changed
/// when the ECD changes them, nothing written when they are the same.
async fn the_person_profile_comes_from_a_sectioned_composition(backend: Backend) {
    let (server, patient) = server_with_patients().await;
    let section = |title: &str, text: &str| {
        serde_json::json!({"title": title, "text": {"status": "generated",
            "div": format!("<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>{text}</p></div>")}})
    };
    let profile = server
        .create(&serde_json::json!({
            "resourceType": "Composition",
            "identifier": {"system": "urn:oid:2.16.840.1.113883.2.4.3.11.999.77.9", "value": "PB-1"},
            "status": "final",
            "type": {"coding": [{"system": careportal_sync::documents::KIND_SYSTEM, "code": "person-profile"}]},
            "subject": {"reference": format!("Patient/{patient}")},
            "date": "2026-11-01T10:00:00+01:00",
            "author": [{"display": "Lisa Smit (Coördinator zorg)"}],
            "title": "Persoonsbeeld",
            "section": [
                section("Wie ben ik", "Thomas houdt van voetbal en houtwerk."),
                section("Communicatie", "Korte zinnen, en de tijd om te antwoorden."),
            ]
        }))
        .await;
    let app = TestApp::new(backend).await;
    let tenant = connect_siloah(&app, &server.base_url).await;
    let kinds = [SyncKind::Clients, SyncKind::Profiles, SyncKind::Reports];
    let first = run_now(&app, &tenant, &kinds).await;
    assert_eq!(done(&first, SyncKind::Profiles).created, 1, "{first:?}");
    assert_eq!(done(&first, SyncKind::Reports).created, 0, "a profile is no report");
    let thomas = app.store.client_by_reference(tenant.id, &ClientReference::parse("SIL-1001").unwrap()).await;
    let thomas = thomas.unwrap().unwrap().id;
    let ingrid =
        app.new_account("siloah", "ingrid@example.nl", "Ingrid de Vries", thomas, Relation::Representative).await;
    let mut browser = app.signed_in("siloah.localhost", "siloah", ingrid).await;
    let page = browser.get("/persoonsbeeld").await;
    assert!(
        page.body.contains("Wie ben ik") && page.body.contains("Thomas houdt van voetbal en houtwerk."),
        "{}",
        page.body
    );
    let again = done(&run_now(&app, &tenant, &[SyncKind::Profiles]).await, SyncKind::Profiles);
    assert_eq!((again.updated, again.unchanged), (0, 1), "{again:?}");

    let mut changed = profile.clone();
    changed["status"] = serde_json::json!("amended");
    changed["section"][1] = section("Communicatie", "Thomas gebruikt nu ook pictogrammen.");
    server.update(&changed).await;
    let amended = done(&run_now(&app, &tenant, &[SyncKind::Profiles]).await, SyncKind::Profiles);
    assert_eq!(amended.updated, 1, "{amended:?}");
    let page = browser.get("/persoonsbeeld").await;
    assert!(page.body.contains("pictogrammen") && !page.body.contains("Korte zinnen"), "{}", page.body);
}
