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
    the_people_hear_before_their_access_stops_once_per_end_date,
    a_suspended_tenant_sends_nothing_until_it_is_resumed,
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

/// #11: before Siloah removes access six weeks after care ends, the client's people who use
/// the portal hear of it, once per end date, however many workers run; Salem, which keeps
/// access, sends nothing.
async fn the_people_hear_before_their_access_stops_once_per_end_date(backend: Backend) {
    let app = TestApp::builder(backend).tenants(&["siloah", "salem"]).build().await;
    let origin = Origin::system("test");
    let mut clients = Vec::new();
    for slug in ["siloah", "salem"] {
        let tenant = app.tenant_id(slug).await;
        let client = app.new_client(slug, "C-1", "Thomas de Vries").await;
        let ingrid =
            app.new_account(slug, "ingrid@example.nl", "Ingrid de Vries", client, Relation::Representative).await;
        app.store.set_password(tenant, &origin, ingrid, "$h", false, None).await.unwrap();
        app.store.record_login_success(tenant, ingrid).await.unwrap();
        // Invited, never signed in: nothing in the portal to keep.
        app.new_account(slug, "pieter@example.nl", "Pieter de Vries", client, Relation::Representative).await;
        clients.push((tenant, client));
    }
    let end = |tenant, client, day: u32| {
        let store = app.store.clone();
        async move {
            let current = store.client(tenant, client).await.unwrap().unwrap();
            let changes = ClientChanges {
                name: current.name.clone(),
                birth_date: None,
                care_ended_on: NaiveDate::from_ymd_opt(2026, 11, day),
            };
            store.update_client(tenant, &Origin::system("test"), client, &changes).await.unwrap();
        }
    };
    for (tenant, client) in &clients {
        end(*tenant, *client, 20).await;
    }
    let round = careportal_worker::run_once(&app.jobs("worker-a")).await.unwrap();
    assert_eq!(round.care_end_notices, 1, "Ingrid of Siloah only: {round:?}");
    let mails = app.mails(1).await;
    let mail = mails[0].replace("=\r\n", "");
    assert!(mail.contains("To: ingrid@example.nl") && mail.contains("1 januari 2027"), "{mail}");
    assert!(!mail.contains("Thomas"), "no client in an e-mail");
    assert_eq!(careportal_worker::run_once(&app.jobs("worker-a")).await.unwrap().care_end_notices, 0, "once");

    // A changed end date is told again, once between two workers.
    let (siloah, thomas) = clients[0];
    end(siloah, thomas, 27).await;
    let (a, b) = (app.jobs("worker-a"), app.jobs("worker-b"));
    let (one, two) = tokio::join!(careportal_worker::run_once(&a), careportal_worker::run_once(&b));
    assert_eq!(one.unwrap().care_end_notices + two.unwrap().care_end_notices, 1);
    let mails = app.mails(2).await;
    assert!(mails.iter().any(|m| m.replace("=\r\n", "").contains("8 januari 2027")), "{mails:?}");
}

/// #11: nothing is sent for a suspended tenant; once resumed, what waited goes out.
async fn a_suspended_tenant_sends_nothing_until_it_is_resumed(backend: Backend) {
    let app = TestApp::builder(backend).tenants(&["siloah"]).build().await;
    let tenant = app.tenant_id("siloah").await;
    let keys = careportal_tests::app::settings(true, false).keys.secret_box.clone();
    careportal_delivery::enqueue_email(app.store.as_ref(), &keys, tenant, "anna@example.nl", "Onderwerp", "Tekst")
        .await
        .unwrap();
    let operator = Origin::system("cli");
    app.store.set_tenant_suspended(&operator, tenant, true).await.unwrap();
    let round = careportal_worker::run_once(&app.jobs("worker")).await.unwrap();
    assert_eq!(round.delivery.sent, 0, "{round:?}");
    assert_eq!(app.store.messages_waiting(tenant).await.unwrap().email, 1, "it waits");
    app.store.set_tenant_suspended(&operator, tenant, false).await.unwrap();
    let round = careportal_worker::run_once(&app.jobs("worker")).await.unwrap();
    assert_eq!(round.delivery.sent, 1);
    assert_eq!(app.mails_sent().await.len(), 1);
}
