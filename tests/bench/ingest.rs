//! `make bench`: how fast the ECD sync ingests, on SQLite and on PostgreSQL. A real FHIR R4
//! server (tests/fhir) holds N progress notes of one client; a full pull of Rapportages turns
//! them into reports. Printed beside two references measured in the same run: the FHIR
//! search alone (what reading the pages costs, whatever we do with them), and the database's
//! own batched insert of the same rows (multi-row INSERTs in one transaction), beside the
//! sync's store writes of those rows alone. Asserts only that every note arrived.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use careportal_domain::audit::Origin;
use careportal_domain::clock::Clock;
use careportal_domain::sync::SyncKind;
use careportal_domain::tenant::{FhirAuth, FhirSettings};
use careportal_sync::{StreamResult, TenantRun, When};
use careportal_tests::fhir::FhirServer;
use careportal_tests::{Backend, TestApp, fixtures};
use chrono::{Duration, Utc};
use serde_json::{Value, json};
use std::time::Instant;

const NOTES: usize = 3000;
const SYSTEM: &str = "urn:oid:2.16.840.1.113883.2.4.3.11.999.77.1";

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        println!(
            "Careportal ingest bench: {cores} cores, {NOTES} progress notes, pages of 500, medplum's router in Node\n"
        );
        let server = FhirServer::start().await;
        server.transaction(&serde_json::from_str(include_str!("../fixtures/fhir/patients.json")).unwrap()).await;
        let patient = server.search(&format!("Patient?identifier={SYSTEM}|SIL-1001")).await.remove(0);
        let patient = patient["id"].as_str().unwrap().to_owned();
        for chunk in (0..NOTES).collect::<Vec<_>>().chunks(500) {
            let entries: Vec<Value> = chunk
                .iter()
                .map(|i| json!({"resource": note(*i, &patient), "request": {"method": "POST", "url": "Composition"}}))
                .collect();
            server.transaction(&json!({"resourceType": "Bundle", "type": "batch", "entry": entries})).await;
        }
        // Node compiles the router's hot paths on first use: one search first, so neither
        // backend's figures carry the warm-up.
        server.search("Composition?_count=500").await;
        for backend in [Backend::Sqlite, Backend::Postgres] {
            measure(backend, &server).await;
        }
    });
}

fn note(i: usize, patient: &str) -> Value {
    let at = Utc::now() - Duration::minutes(i64::try_from(i).unwrap());
    json!({
        "resourceType": "Composition",
        "identifier": {"system": "urn:oid:2.16.840.1.113883.2.4.3.11.999.77.2", "value": format!("B-{i}")},
        "status": "final",
        "type": {"coding": [{"system": "http://loinc.org", "code": "11506-3"}]},
        "subject": {"reference": format!("Patient/{patient}")},
        "date": at.to_rfc3339(),
        "author": [{"display": "Femke Jansen (begeleider)"}],
        "title": "Rapportage",
        "section": [{"text": {"status": "generated",
            "div": format!("<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Rapportage {i}: een rustige dag, goed gegeten en samen gewandeld.</p></div>")}}]
    })
}

async fn measure(backend: Backend, server: &FhirServer) {
    let app = TestApp::new(backend).await;
    let mut bundle = fixtures::bundle("siloah").await;
    bundle.config.sync.connector = "fhir".to_owned();
    let settings = FhirSettings {
        base_url: server.base_url.clone(),
        client_identifier_system: SYSTEM.to_owned(),
        auth: FhirAuth::None,
        token_file: None,
        token_env: None,
        page_size: 500,
        smart: None,
    };
    bundle.config.sync.fhir = Some(settings.clone());
    app.store.apply_tenant(&Origin::system("bench"), &bundle).await.unwrap();
    let tenant = app.store.tenant_by_slug("siloah").await.unwrap().unwrap();
    let blobs = app.blobs();
    let run = |kinds: &'static [SyncKind]| {
        careportal_sync::sync_tenant(app.store.as_ref(), &app.clock, &blobs, "bench", &tenant, kinds, When::Now)
    };
    run(&[SyncKind::Clients]).await.unwrap();

    // Reference 1: reading the same pages, doing nothing with them.
    let fhir = careportal_sync::fhir::FhirClient::new(&settings).unwrap();
    let start = Instant::now();
    let read =
        fhir.search_all("Composition", &[("type", careportal_sync::reports::PROGRESS_NOTE.to_owned())]).await.unwrap();
    let fetch = start.elapsed().as_secs_f64();
    assert_eq!(read.len(), NOTES);

    // The sync: a full pull of Rapportages, every note a new report with its audit entry.
    let start = Instant::now();
    let TenantRun::Streams(streams) = run(&[SyncKind::Reports]).await.unwrap() else { panic!("no ECD") };
    let ingest = start.elapsed().as_secs_f64();
    let StreamResult::Done(outcome) = &streams[0].1 else { panic!("{streams:?}") };
    assert_eq!(outcome.created as usize, NOTES, "{outcome:?}");

    // A second run: everything is read again and nothing written.
    app.clock.advance(chrono::Duration::days(2));
    let start = Instant::now();
    run(&[SyncKind::Reports]).await.unwrap();
    let unchanged = start.elapsed().as_secs_f64();

    // The sync's own writes alone: the same rows through the store as a pull writes them
    // (500 to a transaction, each with its audit entry), without the FHIR server's time.
    let writer = app.new_client("siloah", "BENCH-2", "Bench Schrijven").await;
    let items: Vec<careportal_store::EcdReport> = (0..NOTES)
        .map(|i| careportal_store::EcdReport {
            client: writer,
            key: format!("urn:bench:store|R-{i}"),
            report: careportal_domain::record::reports::NewReport {
                written_at: app.clock.now() - Duration::minutes(i64::try_from(i).unwrap()),
                author: "Femke Jansen (begeleider)".to_owned(),
                author_account: None,
                source: careportal_domain::record::Source::Ecd,
                body: format!("Rapportage {i}: een rustige dag, goed gegeten en samen gewandeld."),
            },
        })
        .collect();
    let start = Instant::now();
    for chunk in items.chunks(500) {
        app.store.put_ecd_reports(tenant.id, &Origin::system("bench"), chunk).await.unwrap();
    }
    let writes = start.elapsed().as_secs_f64();

    // Reference 2: the database's own batched insert of the same rows.
    let client = app.new_client("siloah", "BENCH-1", "Bench Referentie").await;
    let batched = batched_insert(&app, tenant.id.as_uuid(), client.as_uuid(), app.clock.now()).await;

    let rate = |seconds: f64| NOTES as f64 / seconds;
    let name = match backend {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    };
    println!("{name}:");
    println!("  sync, first pull (all new):      {:>8.0} resources/s  ({ingest:.2} s)", rate(ingest));
    println!("  sync, second pull (unchanged):   {:>8.0} resources/s  ({unchanged:.2} s)", rate(unchanged));
    println!("  FHIR search alone (reference):   {:>8.0} resources/s  ({fetch:.2} s)", rate(fetch));
    println!("  the sync's store writes alone:   {:>8.0} rows/s       ({writes:.2} s)", rate(writes));
    println!("  batched INSERT alone (reference):{:>8.0} rows/s       ({batched:.2} s)", rate(batched));
    println!(
        "  pull against the FHIR search: {:.0} %; store writes against the batched INSERT: {:.0} %\n",
        100.0 * rate(ingest) / rate(fetch),
        100.0 * rate(writes) / rate(batched)
    );
}

/// The same rows as the sync writes into `reports`, 500 to a statement, in one transaction:
/// the seconds it took, from a connection already open.
async fn batched_insert(app: &TestApp, tenant: uuid::Uuid, client: uuid::Uuid, at: chrono::DateTime<Utc>) -> f64 {
    macro_rules! insert {
        ($pool:expr, $db:ty) => {{
            $pool.acquire().await.unwrap();
            let start = Instant::now();
            let mut tx = $pool.begin().await.unwrap();
            for chunk in (0..NOTES).collect::<Vec<_>>().chunks(500) {
                let mut query = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO reports (tenant_id, id, client_id, written_at, author, author_account, source, body, ecd_key) ",
                );
                query.push_values(chunk, |mut row, i| {
                    row.push_bind(tenant)
                        .push_bind(uuid::Uuid::now_v7())
                        .push_bind(client)
                        .push_bind(at - Duration::minutes(i64::try_from(*i).unwrap()))
                        .push_bind("Femke Jansen (begeleider)")
                        .push_bind(None::<uuid::Uuid>)
                        .push_bind("ecd")
                        .push_bind(format!("Rapportage {i}: een rustige dag, goed gegeten en samen gewandeld."))
                        .push_bind(format!("urn:bench|R-{i}"));
                });
                query.build().execute(&mut *tx).await.unwrap();
            }
            tx.commit().await.unwrap();
            start.elapsed().as_secs_f64()
        }};
    }
    match app.db.backend {
        Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&app.db.url).await.unwrap();
            let seconds = insert!(pool, sqlx::Sqlite);
            pool.close().await;
            seconds
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&app.db.url).await.unwrap();
            let seconds = insert!(pool, sqlx::Postgres);
            pool.close().await;
            seconds
        }
    }
}
