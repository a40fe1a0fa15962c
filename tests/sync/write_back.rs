//! What people write in the portal, sent to the ECD: exactly once whatever happens to the
//! workers, back on the next pull as itself, waiting when the server is down and parked
//! when it never will succeed; and the worker running each stream on its schedule.

use super::*;
use careportal_domain::sync::{OWN_IDENTIFIER_SYSTEM, own_identifier_value};
use careportal_store::StreamClaim;
use careportal_sync::schedule::STREAM_LEASE_SECONDS;
use careportal_tests::client::TestClient;

/// Siloah on the FHIR server with its client list pulled, and Ingrid signed in as
/// Thomas's representative.
pub(crate) struct Portal {
    pub server: FhirServer,
    pub patient: String,
    pub app: TestApp,
    pub tenant: Tenant,
    pub ingrid: TestClient,
}

pub(crate) async fn portal(backend: Backend) -> Portal {
    let (server, patient) = server_with_patients().await;
    let app = TestApp::new(backend).await;
    let tenant = connect_siloah(&app, &server.base_url).await;
    done(&run_now(&app, &tenant, &[SyncKind::Clients]).await, SyncKind::Clients);
    let thomas = app.store.client_by_reference(tenant.id, &ClientReference::parse("SIL-1001").unwrap()).await;
    let thomas = thomas.unwrap().unwrap().id;
    let account =
        app.new_account("siloah", "ingrid@example.nl", "Ingrid de Vries", thomas, Relation::Representative).await;
    let ingrid = app.signed_in("siloah.localhost", "siloah", account).await;
    Portal { server, patient, app, tenant, ingrid }
}

impl Portal {
    async fn write_report(&mut self, text: &str) {
        let saved = self.ingrid.submit("/rapportages/nieuw", "/rapportages/nieuw", &[("tekst", text)]).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    }

    async fn write_weight(&mut self, value: &str) {
        let fields =
            [("meetsoort", "Gewicht"), ("waarde", value), ("manier", ""), ("datum", "25-11-2026"), ("tijd", "8:15")];
        let saved = self.ingrid.submit("/metingen/nieuw", "/metingen/nieuw", &fields).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    }

    /// The resources of `kind` on the server that the portal wrote.
    async fn ours(&self, kind: &str) -> Vec<serde_json::Value> {
        self.server.search(&format!("{kind}?identifier={OWN_IDENTIFIER_SYSTEM}|")).await
    }

    async fn outbox(&self) -> careportal_store::OutboxDepth {
        self.app.store.ecd_outbox_depth(self.tenant.id).await.unwrap()
    }
}

pub async fn a_report_and_a_measurement_reach_the_ecd_exactly_once(backend: Backend) {
    let mut p = portal(backend).await;
    p.write_report("Vanmiddag samen gewandeld.\nThomas was vrolijk.").await;
    p.write_weight("56,0").await;
    assert_eq!(p.outbox().await.pending, 2);

    // Two workers at once: one runs the write-back, the other finds it held.
    let outbox = [SyncKind::Outbox];
    let (a, b) =
        tokio::join!(run_as(&p.app, &p.tenant, &outbox, "worker-a"), run_as(&p.app, &p.tenant, &outbox, "worker-b"));
    let ran: Vec<KindOutcome> = [&a, &b]
        .into_iter()
        .filter_map(|r| match &r[0].1 {
            StreamResult::Done(outcome) => Some(outcome.clone()),
            StreamResult::Busy => None,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(ran.iter().map(|o| o.created).sum::<u32>(), 2, "{a:?} {b:?}");
    for _ in 0..3 {
        let again = done(&run_now(&p.app, &p.tenant, &outbox).await, SyncKind::Outbox);
        assert_eq!((again.created, again.unchanged), (0, 0), "nothing left to send: {again:?}");
    }
    assert_eq!(p.outbox().await, careportal_store::OutboxDepth::default());

    let compositions = p.ours("Composition").await;
    assert_eq!(compositions.len(), 1, "{compositions:?}");
    let sent = &compositions[0];
    assert_eq!(sent["subject"]["reference"], format!("Patient/{}", p.patient));
    assert_eq!(sent["author"][0]["display"], "Ingrid de Vries (vertegenwoordiger)");
    assert_eq!(sent["type"]["coding"][0]["code"], "11506-3");
    assert!(
        sent["section"][0]["text"]["div"]
            .as_str()
            .unwrap()
            .contains("Vanmiddag samen gewandeld.<br/>Thomas was vrolijk.")
    );
    let observations = p.ours("Observation").await;
    assert_eq!(observations.len(), 1, "{observations:?}");
    assert_eq!(observations[0]["code"]["coding"][0]["code"], "29463-7");
    assert_eq!(observations[0]["valueQuantity"]["code"], "kg");
    assert_eq!(observations[0]["valueQuantity"]["value"].as_f64(), Some(56.0));

    // The next pull brings both back: as the same report and measurement, not a second one.
    let pulled = run_now(&p.app, &p.tenant, &[SyncKind::Reports, SyncKind::Measurements]).await;
    for kind in [SyncKind::Reports, SyncKind::Measurements] {
        let outcome = done(&pulled, kind);
        assert_eq!((outcome.created, outcome.updated, outcome.unchanged), (0, 0, 1), "{kind:?}: {outcome:?}");
    }
    let page = p.ingrid.get("/rapportages").await;
    assert_eq!(page.body.matches("Vanmiddag samen gewandeld.").count(), 1, "{}", page.body);
    assert!(page.body.contains("via het cliëntportaal"), "still shown as written in the portal");
    let page = p.ingrid.get("/metingen").await;
    assert_eq!(page.body.matches("56,0 kg").count(), 1, "{}", page.body);
}

pub async fn a_worker_that_died_mid_run_is_taken_over_without_a_double(backend: Backend) {
    let mut p = portal(backend).await;
    p.write_report("Geschreven vlak voor de storing.").await;
    let (store, tenant) = (p.app.store.clone(), p.tenant.id);

    // A worker takes the stream and the item, sends the report, and is killed before it
    // can note that it did.
    let held = store.claim_sync_stream(tenant, SyncKind::Outbox, "killed", StreamClaim::Now, STREAM_LEASE_SECONDS);
    assert!(held.await.unwrap().is_some());
    let items = store.claim_ecd_items(tenant, &["report"], 10, 300).await.unwrap();
    assert_eq!(items.len(), 1);
    let report = store.report(tenant, items[0].item.parse().unwrap()).await.unwrap().unwrap();
    let fhir = careportal_sync::fhir::FhirClient::new(p.tenant.config.sync.fhir.as_ref().unwrap()).unwrap();
    let condition = format!("identifier={OWN_IDENTIFIER_SYSTEM}|{}", own_identifier_value(report.id.as_uuid()));
    let body = careportal_sync::reports::to_composition(&report, &p.patient);
    assert!(fhir.create_if_none_exist("Composition", &body, &condition).await.unwrap().new);

    // While its lease lasts, nobody else runs the stream.
    let blocked = run_now(&p.app, &p.tenant, &[SyncKind::Outbox]).await;
    assert_eq!(blocked[0].1, StreamResult::Busy);
    // Once it has run out, the next run takes over and sends the report again: the ECD
    // already has it, so it stays one.
    p.app.clock.advance(chrono::Duration::seconds(STREAM_LEASE_SECONDS + 1));
    let taken_over = done(&run_now(&p.app, &p.tenant, &[SyncKind::Outbox]).await, SyncKind::Outbox);
    assert_eq!((taken_over.created, taken_over.unchanged), (0, 1), "{taken_over:?}");
    assert_eq!(p.ours("Composition").await.len(), 1);
    assert_eq!(p.outbox().await.pending, 0);
    let status = careportal_sync::status::tenant_status(store.as_ref(), &p.tenant, p.app.clock.now()).await.unwrap();
    let stream = status.streams.iter().find(|s| s.kind == "outbox").unwrap();
    assert_eq!((stream.running, stream.last_success_at), (false, Some(p.app.clock.now())));
}

pub async fn failures_wait_and_what_never_succeeds_is_parked(backend: Backend) {
    let mut p = portal(backend).await;
    p.write_report("Eerste rapportage.").await;
    p.write_weight("57,5").await;
    let outbox = [SyncKind::Outbox];

    // The server is down: both wait for their next try; the second is not even attempted.
    p.server.fail_after(0, 1, 503, None).await;
    let down = done(&run_now(&p.app, &p.tenant, &outbox).await, SyncKind::Outbox);
    assert_eq!((down.created, down.waiting, down.skipped.len()), (0, 2, 0), "{down:?}");
    assert_eq!(p.outbox().await.pending, 2);
    // Not before their time: the next run leaves them be.
    let early = done(&run_now(&p.app, &p.tenant, &outbox).await, SyncKind::Outbox);
    assert_eq!((early.created, early.waiting), (0, 0), "{early:?}");
    p.app.clock.advance(chrono::Duration::minutes(2));
    let back = done(&run_now(&p.app, &p.tenant, &outbox).await, SyncKind::Outbox);
    assert_eq!(back.created, 2, "{back:?}");

    // The server refuses a report outright: it is parked and shown, not tried again.
    p.write_report("Deze weigert het ECD.").await;
    p.server.fail_after(1, 1, 422, None).await;
    let refused = done(&run_now(&p.app, &p.tenant, &outbox).await, SyncKind::Outbox);
    assert_eq!((refused.created, refused.waiting, refused.skipped.len()), (0, 0, 1), "{refused:?}");
    assert!(refused.skipped[0].1.starts_with("de FHIR-server antwoordt HTTP 422"), "{refused:?}");
    let depth = p.outbox().await;
    assert_eq!((depth.pending, depth.parked), (0, 1));
    p.app.clock.advance(chrono::Duration::hours(12));
    let later = done(&run_now(&p.app, &p.tenant, &outbox).await, SyncKind::Outbox);
    assert_eq!((later.created, later.skipped.len()), (0, 0), "a parked item is left alone");
    let status = careportal_sync::status::tenant_status(p.app.store.as_ref(), &p.tenant, p.app.clock.now());
    let status = status.await.unwrap();
    assert_eq!((status.outbox_pending, status.outbox_parked), (0, 1));
    assert_eq!(status.parked[0].kind, "report");
    assert!(status.parked[0].error.contains("HTTP 422"), "{:?}", status.parked);
    assert_eq!(p.ours("Composition").await.len(), 1, "only the first report reached the ECD");
}

pub async fn the_worker_runs_each_stream_on_its_schedule(backend: Backend) {
    let p = portal(backend).await;
    let (a, b) = (p.app.jobs("worker-a"), p.app.jobs("worker-b"));
    let kinds_with = |round: &[(String, SyncKind, StreamResult)], wanted: fn(&StreamResult) -> bool| {
        let mut kinds: Vec<SyncKind> = round.iter().filter(|(_, _, r)| wanted(r)).map(|(_, k, _)| *k).collect();
        kinds.sort();
        kinds
    };
    let ran = |r: &StreamResult| matches!(r, StreamResult::Done(_));

    // The client list ran a moment ago (by hand); Siloah's schedule says every 15 minutes
    // for reports and measurements, the write-back every minute.
    let first = careportal_worker::sync_once(&a).await.unwrap();
    assert_eq!(kinds_with(&first, ran), SyncKind::ALL[1..], "all but the client list, which ran a moment ago");
    assert_eq!(kinds_with(&first, |r| *r == StreamResult::NotDue), [SyncKind::Clients]);
    let again = careportal_worker::sync_once(&b).await.unwrap();
    assert!(kinds_with(&again, ran).is_empty(), "nothing is due yet: {again:?}");
    p.app.clock.advance(chrono::Duration::minutes(1));
    let minute = careportal_worker::sync_once(&b).await.unwrap();
    assert_eq!(kinds_with(&minute, ran), [SyncKind::Outbox]);

    // Two workers at once, everything due: each stream runs once between them.
    p.app.clock.advance(chrono::Duration::minutes(15));
    let (one, two) = tokio::join!(careportal_worker::sync_once(&a), careportal_worker::sync_once(&b));
    let mut both = kinds_with(&one.unwrap(), ran);
    both.extend(kinds_with(&two.unwrap(), ran));
    both.sort();
    assert_eq!(both, SyncKind::ALL, "each stream exactly once");

    // Salem syncs reports hourly between 8:30 and 0:30: at ten to one at night it waits,
    // however long ago it last ran.
    let mut salem = fixtures::bundle("salem").await;
    salem.config.sync.connector = "fhir".to_owned();
    salem.config.sync.fhir = Some(FhirSettings {
        base_url: p.server.base_url.clone(),
        client_identifier_system: "urn:oid:2.16.840.1.113883.2.4.3.11.999.88.1".to_owned(),
        auth: FhirAuth::None,
        token_file: None,
        token_env: None,
        page_size: 50,
        smart: None,
    });
    p.app.store.apply_tenant(&Origin::system("test"), &salem).await.unwrap();
    let night = careportal_domain::time::local_instant(today(), chrono::NaiveTime::from_hms_opt(0, 50, 0).unwrap());
    p.app.clock.set(night.unwrap() + chrono::Duration::days(1));
    let round = careportal_worker::sync_once(&a).await.unwrap();
    let salem_reports = round.iter().find(|(slug, kind, _)| slug == "salem" && *kind == SyncKind::Reports).unwrap();
    assert_eq!(salem_reports.2, StreamResult::NotDue, "outside 08:30-00:30");
    let salem_clients = round.iter().find(|(slug, kind, _)| slug == "salem" && *kind == SyncKind::Clients).unwrap();
    assert!(matches!(salem_clients.2, StreamResult::Done(_)), "no window: all day");
    p.app.clock.set(
        careportal_domain::time::local_instant(today(), chrono::NaiveTime::from_hms_opt(8, 30, 0).unwrap()).unwrap()
            + chrono::Duration::days(1),
    );
    let morning = careportal_worker::sync_once(&a).await.unwrap();
    let salem_reports = morning.iter().find(|(slug, kind, _)| slug == "salem" && *kind == SyncKind::Reports).unwrap();
    assert!(matches!(salem_reports.2, StreamResult::Done(_)), "08:30: {:?}", salem_reports.2);
}

/// SIGTERM in a rolling deploy (#14): a worker whose sync is waiting on a slow ECD breaks
/// the run off and gives its lease back at once, instead of holding the stream for the
/// lease's fifteen minutes; the next worker takes the stream over straight away.
pub async fn a_stopped_worker_gives_its_lease_back_at_once(backend: Backend) {
    // An ECD that takes the connection and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((connection, _)) = listener.accept().await {
            open.push(connection);
        }
    });
    let app = TestApp::new(backend).await;
    let tenant = connect_siloah(&app, &format!("http://{address}/fhir/R4")).await;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let jobs = app.jobs("worker-old");
    let hour = std::time::Duration::from_secs(3600);
    let worker = tokio::spawn(careportal_worker::run_with(jobs, hour, hour, stop_rx));

    let claimed = async {
        loop {
            let streams = app.store.sync_streams(tenant.id).await.unwrap();
            if let Some(stream) = streams.iter().find(|s| s.lease_owner.as_deref() == Some("worker-old")) {
                return stream.kind;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    };
    let kind =
        tokio::time::timeout(std::time::Duration::from_secs(10), claimed).await.expect("the worker claims a stream");
    assert_eq!(kind, SyncKind::Clients, "the client list goes first");

    stop_tx.send(true).unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(5), worker)
        .await
        .expect("the worker stops at once, not when the ECD answers")
        .unwrap();
    let streams = app.store.sync_streams(tenant.id).await.unwrap();
    let stream = streams.iter().find(|s| s.kind == SyncKind::Clients).unwrap();
    assert!(!stream.is_running(app.clock.now()), "the lease is given back: {stream:?}");
    assert_eq!(stream.last_error.as_deref(), Some(careportal_sync::schedule::STOPPED));
    assert!(stream.cursor.is_none(), "a broken-off run does not move the cursor");
    assert_eq!(streams.len(), 1, "the streams after it were left alone: {streams:?}");

    // The next worker takes the stream over at once (by hand here: the ECD still hangs).
    let next = app
        .store
        .claim_sync_stream(tenant.id, SyncKind::Clients, "worker-new", StreamClaim::Now, STREAM_LEASE_SECONDS)
        .await
        .unwrap();
    assert!(next.is_some(), "no lease to wait out");
    held.abort();
}
