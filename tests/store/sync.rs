//! The sync's store area on both databases: streams, the write-back queue and every ECD key
//! stay inside their tenant; a stream is held by one run at a time until its lease ends.

use super::{apply, new_client, origin, setup};
use careportal_domain::clock::Clock;
use careportal_domain::people::{ContactRole, EcdContact};
use careportal_domain::record::Source;
use careportal_domain::record::reports::NewReport;
use careportal_domain::sync::SyncKind;
use careportal_store::{EcdReport, StreamClaim, StreamFinish, Upserted};
use careportal_tests::{Backend, on_both_backends};

on_both_backends!(
    sync_state_and_the_write_back_stay_inside_their_tenant,
    a_stream_is_held_by_one_run_until_its_lease_ends
);

async fn sync_state_and_the_write_back_stay_inside_their_tenant(backend: Backend) {
    let s = setup(backend).await;
    let a = apply(s.store.as_ref(), "siloah").await;
    let b = apply(s.store.as_ref(), "salem").await;
    let thomas = s.store.create_client(a, &origin(), &new_client("SIL-1", "Thomas", "Vries")).await.unwrap().id;
    let johanna = s.store.create_client(b, &origin(), &new_client("SAL-1", "Johanna", "Berg")).await.unwrap().id;
    let now = s.clock.now();
    let new = |body: &str| NewReport {
        written_at: now,
        author: "Ingrid".into(),
        author_account: None,
        source: Source::Portal,
        body: body.into(),
    };

    // Streams: a claim and its outcome in one tenant are not the other's.
    let claimed = s.store.claim_sync_stream(a, SyncKind::Reports, "w", StreamClaim::Now, 60).await.unwrap();
    assert!(claimed.is_some());
    assert!(s.store.sync_streams(b).await.unwrap().is_empty(), "salem's streams are its own");
    let finish = StreamFinish { cursor: Some("2026-11-25T08:00:00.000Z".into()), full: true, result: Ok("{}".into()) };
    assert!(!s.store.finish_sync_stream(b, SyncKind::Reports, "w", &finish).await.unwrap(), "no such run in salem");
    assert!(s.store.finish_sync_stream(a, SyncKind::Reports, "w", &finish).await.unwrap());
    assert!(s.store.claim_sync_stream(b, SyncKind::Reports, "w", StreamClaim::Now, 60).await.unwrap().is_some());

    // The write-back queue: Siloah's items are claimed, sent and counted in Siloah only.
    let siloah_report = s.store.add_report(a, &origin(), thomas, &new("Siloah")).await.unwrap();
    s.store.add_report(b, &origin(), johanna, &new("Salem")).await.unwrap();
    let items = s.store.claim_ecd_items(a, &["report"], 10, 60).await.unwrap();
    assert_eq!((items.len(), items[0].client), (1, thomas));
    assert!(s.store.report(b, siloah_report.id).await.unwrap().is_none(), "read through salem: nothing");
    s.store.ecd_item_sent(b, &origin(), &items[0], None).await.unwrap();
    assert_eq!(s.store.ecd_outbox_depth(a).await.unwrap().pending, 1, "salem cannot mark siloah's item sent");
    s.store.ecd_item_failed(b, items[0].id, "x", None).await.unwrap();
    assert_eq!(s.store.ecd_outbox_depth(a).await.unwrap().parked, 0, "nor park it");
    s.store.ecd_item_sent(a, &origin(), &items[0], None).await.unwrap();
    let audit = s.store.audit_of_client(a, thomas, 20).await.unwrap();
    assert!(
        audit.iter().any(|e| e.action == "ecd.sent" && e.detail == format!("report {}", siloah_report.id)),
        "{audit:?}"
    );
    assert!(!s.store.audit_of_client(b, johanna, 20).await.unwrap().iter().any(|e| e.action == "ecd.sent"));
    assert_eq!(s.store.ecd_outbox_depth(a).await.unwrap().pending, 0);
    assert_eq!(s.store.ecd_outbox_depth(b).await.unwrap().pending, 1);
    assert_eq!(s.store.ecd_unsent(a, "report").await.unwrap(), []);
    assert_eq!(s.store.ecd_unsent(b, "report").await.unwrap().len(), 1);

    // ECD keys: the same key in two tenants is two rows, removed one tenant at a time.
    let key = "urn:oid:1.2.3|R-1";
    let ecd = |client, body: &str| EcdReport {
        client,
        key: key.to_owned(),
        report: NewReport { source: Source::Ecd, ..new(body) },
    };
    s.store.put_ecd_reports(a, &origin(), &[ecd(thomas, "A")]).await.unwrap();
    s.store.put_ecd_reports(b, &origin(), &[ecd(johanna, "B")]).await.unwrap();
    assert_eq!(s.store.ecd_keys(a, SyncKind::Reports).await.unwrap(), [key]);
    assert!(s.store.remove_ecd_report(b, &origin(), key).await.unwrap());
    assert_eq!(s.store.ecd_keys(a, SyncKind::Reports).await.unwrap(), [key], "siloah's stays");
    assert!(s.store.ecd_keys(b, SyncKind::Reports).await.unwrap().is_empty());
    assert!(s.store.ecd_document(b, key).await.unwrap().is_none());

    // The network from the ECD: one tenant's is never read, listed or written through the other.
    let contact = |name: &str| EcdContact {
        key: format!("RelatedPerson/{name}"),
        name: name.to_owned(),
        roles: vec![ContactRole::LegalRepresentative, ContactRole::Other("19".into())],
        email: Some(format!("{}@example.nl", name.to_lowercase())),
        phone: None,
    };
    let network = [contact("Ingrid"), contact("Henk")];
    assert_eq!(s.store.put_ecd_contacts(a, &origin(), thomas, &network).await.unwrap(), Upserted::Created);
    assert_eq!(s.store.put_ecd_contacts(a, &origin(), thomas, &network).await.unwrap(), Upserted::Unchanged);
    assert_eq!(s.store.ecd_contacts(a, thomas).await.unwrap(), network, "kept in the ECD's order, roles and all");
    assert!(s.store.ecd_contacts(b, thomas).await.unwrap().is_empty(), "read through salem: nothing");
    assert!(s.store.clients_with_ecd_contacts(b).await.unwrap().is_empty());
    assert!(s.store.put_ecd_contacts(b, &origin(), thomas, &[contact("Mallory")]).await.is_err(), "not salem's client");
    s.store.put_ecd_contacts(b, &origin(), johanna, &[contact("Piet")]).await.unwrap();
    assert_eq!(s.store.ecd_contacts(a, thomas).await.unwrap(), network, "siloah's network is as it was");
    assert_eq!(s.store.clients_with_ecd_contacts(a).await.unwrap(), [thomas]);
    assert_eq!(s.store.put_ecd_contacts(a, &origin(), thomas, &[]).await.unwrap(), Upserted::Updated);
    assert!(s.store.clients_with_ecd_contacts(a).await.unwrap().is_empty());
    assert_eq!(s.store.clients_with_ecd_contacts(b).await.unwrap(), [johanna]);
}

async fn a_stream_is_held_by_one_run_until_its_lease_ends(backend: Backend) {
    let s = setup(backend).await;
    let a = apply(s.store.as_ref(), "siloah").await;
    let first = s.store.claim_sync_stream(a, SyncKind::Clients, "one", StreamClaim::IfLastStarted(None), 60).await;
    let started = first.unwrap().unwrap().last_started_at;
    assert!(s.store.claim_sync_stream(a, SyncKind::Clients, "two", StreamClaim::Now, 60).await.unwrap().is_none());
    // After the lease, a worker that saw the stream before the first run started does not
    // run it again; one that saw the first run does.
    s.clock.advance(chrono::Duration::seconds(61));
    let stale = StreamClaim::IfLastStarted(None);
    assert!(s.store.claim_sync_stream(a, SyncKind::Clients, "two", stale, 60).await.unwrap().is_none());
    let fresh = StreamClaim::IfLastStarted(started);
    assert!(s.store.claim_sync_stream(a, SyncKind::Clients, "two", fresh, 60).await.unwrap().is_some());
    let finish = StreamFinish { cursor: None, full: false, result: Err("weg".into()) };
    assert!(!s.store.finish_sync_stream(a, SyncKind::Clients, "one", &finish).await.unwrap(), "one's lease is gone");
    let state = s.store.sync_streams(a).await.unwrap().remove(0);
    assert_eq!((state.lease_owner.as_deref(), state.last_error), (Some("two"), None));
}
