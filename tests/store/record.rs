//! The care record in the store, on both databases: nothing crosses tenants or clients,
//! what a portal user writes is queued for the ECD in the same transaction, consents are
//! saved all or nothing, and visits count as the home page needs.

use super::{apply, new_client, origin, setup};
use careportal_domain::clock::Clock;
use careportal_domain::record::ProfileSection;
use careportal_domain::record::Source;
use careportal_domain::record::consents::ConsentQuestion;
use careportal_domain::record::measurements::NewMeasurement;
use careportal_domain::record::reports::NewReport;
use careportal_domain::time::TimeRange;
use careportal_store::{ConsentAnswer, EcdReport, StoreError, Upserted};
use careportal_tests::{Backend, on_both_backends};
use chrono::Duration;

on_both_backends!(
    record_entries_stay_inside_their_tenant_and_client,
    portal_writes_are_queued_for_the_ecd_and_synced_ones_are_not,
    consent_answers_are_saved_all_or_nothing,
    a_visit_spans_pages_opened_close_together,
    ecd_reports_are_keyed_per_tenant_and_written_only_when_changed,
);

fn report(source: Source, at: chrono::DateTime<chrono::Utc>, body: &str) -> NewReport {
    NewReport { written_at: at, author: "Medewerker".into(), author_account: None, source, body: body.into() }
}

async fn record_entries_stay_inside_their_tenant_and_client(backend: Backend) {
    let s = setup(backend).await;
    let a = apply(s.store.as_ref(), "siloah").await;
    let b = apply(s.store.as_ref(), "salem").await;
    let thomas = s.store.create_client(a, &origin(), &new_client("SIL-1", "Thomas", "Vries")).await.unwrap().id;
    let sanne = s.store.create_client(a, &origin(), &new_client("SIL-2", "Sanne", "Bakker")).await.unwrap().id;
    let now = s.clock.now();
    s.store.add_report(a, &origin(), thomas, &report(Source::Ecd, now, "Over Thomas")).await.unwrap();
    s.store
        .set_profile(
            a,
            &origin(),
            thomas,
            &[ProfileSection { position: 1, title: "Wie ben ik".into(), body: "x".into() }],
        )
        .await
        .unwrap();

    assert_eq!(s.store.reports(a, thomas, TimeRange::ALL, 10).await.unwrap().len(), 1);
    assert!(s.store.reports(a, sanne, TimeRange::ALL, 10).await.unwrap().is_empty(), "another client");
    assert!(s.store.reports(b, thomas, TimeRange::ALL, 10).await.unwrap().is_empty(), "another tenant");
    assert!(s.store.profile(b, thomas).await.unwrap().is_empty());
    assert!(s.store.consents(b, thomas).await.unwrap().is_empty());
    assert!(s.store.care_messages(b, thomas, 10).await.unwrap().is_empty());
    assert!(s.store.measurement_kinds(b, thomas).await.unwrap().is_empty());

    // Writing to a client through the wrong tenant finds no client.
    let error = s.store.add_report(b, &origin(), thomas, &report(Source::Portal, now, "x")).await.unwrap_err();
    assert!(matches!(error, StoreError::NotFound), "{error:?}");
    assert!(s.store.ecd_pending(b, 10).await.unwrap().is_empty());
    assert!(s.store.ecd_pending(a, 10).await.unwrap().is_empty());

    // Ranges are half open: from is in, until is out.
    let range = TimeRange { from: Some(now), until: Some(now + Duration::seconds(1)) };
    assert_eq!(s.store.reports(a, thomas, range, 10).await.unwrap().len(), 1);
    let range = TimeRange { from: Some(now - Duration::seconds(1)), until: Some(now) };
    assert!(s.store.reports(a, thomas, range, 10).await.unwrap().is_empty());
}

async fn portal_writes_are_queued_for_the_ecd_and_synced_ones_are_not(backend: Backend) {
    let s = setup(backend).await;
    let a = apply(s.store.as_ref(), "siloah").await;
    let thomas = s.store.create_client(a, &origin(), &new_client("SIL-1", "Thomas", "Vries")).await.unwrap().id;
    let now = s.clock.now();
    s.store.add_report(a, &origin(), thomas, &report(Source::Ecd, now, "uit het ECD")).await.unwrap();
    let written =
        s.store.add_report(a, &origin(), thomas, &report(Source::Portal, now, "uit het portaal")).await.unwrap();
    let measurement = NewMeasurement {
        kind: "Gewicht".into(),
        value: "56.0".into(),
        unit: "kg".into(),
        qualifier: None,
        measured_at: now,
        location: None,
        measured_by: "Ingrid".into(),
        author_account: None,
        source: Source::Portal,
    };
    let measured = s.store.add_measurement(a, &origin(), thomas, &measurement).await.unwrap();
    let pending = s.store.ecd_pending(a, 10).await.unwrap();
    let items: Vec<(&str, String)> = pending.iter().map(|p| (p.kind.as_str(), p.item.clone())).collect();
    assert_eq!(items, vec![("report", written.id.to_string()), ("measurement", measured.id.to_string())]);
    assert_eq!(s.store.measurements(a, thomas, Some("Gewicht"), 10).await.unwrap()[0].value, "56.0");
    assert!(s.store.measurements(a, thomas, Some("Temperatuur"), 10).await.unwrap().is_empty());
    let audit = s.store.audit_of_client(a, thomas, 20).await.unwrap();
    assert_eq!(audit.iter().filter(|e| e.action == "report.written").count(), 2);
}

async fn consent_answers_are_saved_all_or_nothing(backend: Backend) {
    let s = setup(backend).await;
    let a = apply(s.store.as_ref(), "siloah").await;
    let thomas = s.store.create_client(a, &origin(), &new_client("SIL-1", "Thomas", "Vries")).await.unwrap().id;
    for (position, (key, editable)) in [("foto", true), ("medicatie", false)].into_iter().enumerate() {
        let question = ConsentQuestion { key: key.into(), question: key.into(), editable, position: position as i32 };
        s.store.put_consent(a, &origin(), thomas, &question, Some(true)).await.unwrap();
    }
    let answers = [
        ConsentAnswer { key: "foto".into(), granted: false },
        ConsentAnswer { key: "medicatie".into(), granted: false },
    ];
    let error = s.store.answer_consents(a, &origin(), thomas, "Ingrid", &answers).await.unwrap_err();
    assert!(matches!(error, StoreError::NotFound));
    let consents = s.store.consents(a, thomas).await.unwrap();
    assert!(consents.iter().all(|c| c.granted == Some(true)), "nothing saved: {consents:?}");
    assert!(s.store.consent_changes(a, thomas, 10).await.unwrap().is_empty());

    let changed = s.store.answer_consents(a, &origin(), thomas, "Ingrid", &answers[..1]).await.unwrap();
    assert_eq!(changed, 1);
    let changes = s.store.consent_changes(a, thomas, 10).await.unwrap();
    assert_eq!((changes[0].key.as_str(), changes[0].granted, changes[0].by.as_str()), ("foto", false, "Ingrid"));
    // The sync asking the same question again keeps the person's answer.
    let question = ConsentQuestion { key: "foto".into(), question: "Foto's?".into(), editable: true, position: 0 };
    s.store.put_consent(a, &origin(), thomas, &question, None).await.unwrap();
    let foto = s.store.consents(a, thomas).await.unwrap().into_iter().find(|c| c.key == "foto").unwrap();
    assert_eq!((foto.granted, foto.question.as_str()), (Some(false), "Foto's?"));
    assert_eq!(s.store.ecd_pending(a, 10).await.unwrap().len(), 1);
}

async fn a_visit_spans_pages_opened_close_together(backend: Backend) {
    let s = setup(backend).await;
    let a = apply(s.store.as_ref(), "siloah").await;
    let thomas = s.store.create_client(a, &origin(), &new_client("SIL-1", "Thomas", "Vries")).await.unwrap().id;
    let account = super::account_in(s.store.as_ref(), a, "ingrid@example.nl").await;
    let gap = Duration::minutes(30);
    let first = s.clock.now();
    assert_eq!(s.store.record_visit(a, account, thomas, gap).await.unwrap(), None);
    s.clock.advance(Duration::minutes(10));
    assert_eq!(s.store.record_visit(a, account, thomas, gap).await.unwrap(), None, "same visit");
    s.clock.advance(Duration::hours(5));
    assert_eq!(s.store.record_visit(a, account, thomas, gap).await.unwrap(), Some(first + Duration::minutes(10)));
    s.clock.advance(Duration::minutes(5));
    assert_eq!(s.store.record_visit(a, account, thomas, gap).await.unwrap(), Some(first + Duration::minutes(10)));
}

async fn ecd_reports_are_keyed_per_tenant_and_written_only_when_changed(backend: Backend) {
    let s = setup(backend).await;
    let a = apply(s.store.as_ref(), "siloah").await;
    let b = apply(s.store.as_ref(), "salem").await;
    let thomas = s.store.create_client(a, &origin(), &new_client("SIL-1", "Thomas", "Vries")).await.unwrap().id;
    let johanna = s.store.create_client(b, &origin(), &new_client("SAL-1", "Johanna", "Berg")).await.unwrap().id;
    let now = s.clock.now();
    let key = "urn:oid:1.2.3|R-1";
    let first = report(Source::Ecd, now, "Eerste tekst");
    let item =
        |client, key: &str, report: &NewReport| EcdReport { client, key: key.to_owned(), report: report.clone() };
    let put = |tenant, items: Vec<EcdReport>| {
        let store = s.store.clone();
        async move { store.put_ecd_reports(tenant, &origin(), &items).await }
    };
    assert_eq!(put(a, vec![item(thomas, key, &first)]).await.unwrap(), [Upserted::Created]);
    assert_eq!(put(a, vec![item(thomas, key, &first)]).await.unwrap(), [Upserted::Unchanged]);
    // The same identifier in another tenant is another report.
    assert_eq!(put(b, vec![item(johanna, key, &first)]).await.unwrap(), [Upserted::Created]);
    let amended = report(Source::Ecd, now, "Verbeterde tekst");
    // Twice in one batch: the last one counts, and one report is all there is.
    let second = report(Source::Ecd, now, "Tussenversie");
    let twice = put(a, vec![item(thomas, key, &second), item(thomas, key, &amended)]).await.unwrap();
    assert_eq!(twice, [Upserted::Unchanged, Upserted::Updated]);
    let shown = s.store.reports(a, thomas, TimeRange::ALL, 10).await.unwrap();
    assert_eq!(shown.iter().map(|r| r.body.as_str()).collect::<Vec<_>>(), ["Verbeterde tekst"]);
    assert_eq!(shown[0].source, Source::Ecd);
    assert!(s.store.ecd_pending(a, 10).await.unwrap().is_empty(), "a synced report is not sent back");
    // A client of another tenant cannot be given the report.
    let error = put(a, vec![item(johanna, "urn:oid:1.2.3|R-2", &first)]).await.unwrap_err();
    assert!(matches!(error, StoreError::NotFound), "{error:?}");

    assert!(s.store.remove_ecd_report(b, &origin(), key).await.unwrap());
    assert_eq!(s.store.reports(a, thomas, TimeRange::ALL, 10).await.unwrap().len(), 1, "only salem's went");
    assert!(s.store.remove_ecd_report(a, &origin(), key).await.unwrap());
    assert!(!s.store.remove_ecd_report(a, &origin(), key).await.unwrap());
    assert!(s.store.reports(a, thomas, TimeRange::ALL, 10).await.unwrap().is_empty());
}
