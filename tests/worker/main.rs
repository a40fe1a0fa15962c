//! The background worker's jobs, with a controlled clock, on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use careportal_domain::audit::Origin;
use careportal_domain::people::{
    ClientChanges, ClientReference, Email, NewAccount, NewClient, PersonName, Relation, Username,
};
use careportal_tests::{Backend, TestApp, on_both_backends};
use chrono::NaiveDate;

on_both_backends!(
    siloah_ends_access_six_weeks_after_care_ends_and_salem_keeps_it,
    the_worker_signs_each_moved_chain_every_quarter_of_an_hour,
);

async fn siloah_ends_access_six_weeks_after_care_ends_and_salem_keeps_it(backend: Backend) {
    let app = TestApp::builder(backend).tenants(&["siloah", "salem"]).build().await;
    let origin = Origin::system("test");
    let mut accounts = Vec::new();
    for slug in ["siloah", "salem"] {
        let tenant = app.store.tenant_by_slug(slug).await.unwrap().unwrap().id;
        let client = app
            .store
            .create_client(
                tenant,
                &origin,
                &NewClient {
                    reference: ClientReference::parse("C-1").unwrap(),
                    name: PersonName::new("Anna", None, "Jansen").unwrap(),
                    birth_date: None,
                },
            )
            .await
            .unwrap();
        let account = app
            .store
            .create_account(
                tenant,
                &origin,
                &NewAccount {
                    username: Username::parse("anna@example.nl").unwrap(),
                    email: Email::parse("anna@example.nl").unwrap(),
                    name: PersonName::new("Anna", None, "Jansen").unwrap(),
                },
            )
            .await
            .unwrap();
        app.store.link_account(tenant, &origin, account.id, client.id, Relation::Client).await.unwrap();
        // Care ended on 1 October 2026 in both tenants.
        let changes = ClientChanges {
            name: client.name.clone(),
            birth_date: None,
            care_ended_on: NaiveDate::from_ymd_opt(2026, 10, 1),
        };
        app.store.update_client(tenant, &origin, client.id, &changes).await.unwrap();
        accounts.push((tenant, account.id));
    }

    // Six weeks (42 days) after 1 October is 12 November: the day before, nothing happens.
    app.clock.set(chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, 11, 23, 0, 0).unwrap());
    let round = careportal_worker::run_once(&app.jobs("test-worker")).await.unwrap();
    assert!(round.access_ended.is_empty(), "{round:?}");

    app.clock.set(chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, 12, 6, 0, 0).unwrap());
    let round = careportal_worker::run_once(&app.jobs("test-worker")).await.unwrap();
    assert_eq!(round.access_ended, vec![("siloah".to_owned(), 1)]);
    let (siloah, siloah_account) = accounts[0];
    assert!(app.store.account(siloah, siloah_account).await.unwrap().is_none());
    let (salem, salem_account) = accounts[1];
    assert!(app.store.account(salem, salem_account).await.unwrap().is_some(), "Salem has no such rule");

    // A second worker running the same round finds nothing left.
    let round = careportal_worker::run_once(&app.jobs("test-worker")).await.unwrap();
    assert!(round.access_ended.is_empty());
}

/// The worker's rounds vouch for the audit log: a checkpoint for every tenant whose chain
/// moved, no more than one per quarter of an hour, each one `audit verify` accepts.
async fn the_worker_signs_each_moved_chain_every_quarter_of_an_hour(backend: Backend) {
    use careportal_domain::audit::AuditAction;
    let app = TestApp::builder(backend).tenants(&["siloah", "salem"]).build().await;
    let jobs = app.jobs("test-worker");
    let first = careportal_worker::run_once(&jobs).await.unwrap();
    assert_eq!(first.checkpoints, 2, "both tenants' chains began when they were applied");
    let siloah = app.tenant_id("siloah").await;
    let event = Origin::system("test").event(AuditAction::new("test.moved"), None, "");
    app.store.append_audit(siloah, &event).await.unwrap();
    assert_eq!(careportal_worker::run_once(&jobs).await.unwrap().checkpoints, 0, "too soon");
    app.clock.advance(chrono::Duration::minutes(16));
    assert_eq!(careportal_worker::run_once(&jobs).await.unwrap().checkpoints, 1, "only Siloah moved");
    let report = careportal_app::audit::verify(app.store.as_ref(), &jobs.audit_key, siloah).await.unwrap();
    assert_eq!((report.checkpoints, report.broken), (2, None));
}
