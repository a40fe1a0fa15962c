//! The store conformance story: the same tests on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod audit;
mod invitations;
mod record;
mod sync;

use careportal_domain::audit::{AuditAction, Origin};
use careportal_domain::clock::{Clock, ManualClock};
use careportal_domain::outbox::{Channel, MessageId, NewMessage};
use careportal_domain::people::{
    ClientChanges, ClientReference, Email, NewAccount, NewClient, PersonName, Relation, Username,
};
use careportal_domain::signin::{FactorMethod, NewSession, SessionStage};
use careportal_domain::{AccountId, ClientId, TenantId};
use careportal_store::{Store, StoreError};
use careportal_tests::{Backend, TestDb, fixtures, on_both_backends};
use chrono::{NaiveDate, TimeZone, Utc};
use sqlx::Connection;
use std::sync::Arc;

on_both_backends!(
    access_changes_stay_inside_their_tenant_and_are_audited,
    a_caseload_holds_the_tenants_own_clients_and_each_change_is_audited,
    migrations_run_twice_without_harm,
    apply_creates_then_updates_a_tenant,
    a_hostname_of_another_tenant_is_refused_and_nothing_changes,
    tenants_are_found_by_host,
    a_client_of_one_tenant_cannot_be_read_changed_or_listed_through_another,
    accounts_and_links_stay_inside_their_tenant,
    a_care_context_is_read_whole_and_only_inside_its_tenant,
    references_are_unique_per_tenant_only,
    every_write_is_audited,
    the_audit_log_cannot_be_changed,
    access_ends_after_care_ends,
    passwords_are_kept_with_their_history,
    failures_count_up_and_success_resets,
    a_totp_step_is_claimed_once,
    a_code_gives_five_tries_however_many_ask_at_once,
    sessions_rotate_and_end,
    sign_in_state_stays_inside_its_tenant,
    display_confirmation_number_and_photos_change_only_inside_their_tenant,
    outbox_messages_are_claimed_once_and_retried,
    password_resets_work_once_and_expire,
    rate_counters_count_per_window_and_are_purged,
    dead_sign_in_data_is_purged,
);

struct Setup {
    store: Arc<dyn Store>,
    clock: ManualClock,
    db: TestDb,
}

async fn setup(backend: Backend) -> Setup {
    let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap());
    let shared: Arc<dyn Clock> = Arc::new(clock.clone());
    let db = TestDb::new(backend, shared.clone()).await;
    let store = db.store(shared).await;
    Setup { store, clock, db }
}

fn origin() -> Origin {
    Origin::system("test")
}

async fn apply(store: &dyn Store, slug: &str) -> TenantId {
    store.apply_tenant(&origin(), &fixtures::bundle(slug).await).await.unwrap().id
}

fn new_client(reference: &str, given: &str, family: &str) -> NewClient {
    NewClient {
        reference: ClientReference::parse(reference).unwrap(),
        name: PersonName::new(given, None, family).unwrap(),
        birth_date: NaiveDate::from_ymd_opt(1950, 1, 1),
    }
}

fn new_account(username: &str, given: &str, family: &str) -> NewAccount {
    NewAccount {
        username: Username::parse(username).unwrap(),
        email: Email::parse(username).unwrap(),
        name: PersonName::new(given, None, family).unwrap(),
    }
}

/// A second run (by this store, and by a new process) applies nothing, and what was written
/// between the runs is all still there.
async fn migrations_run_twice_without_harm(backend: Backend) {
    let s = setup(backend).await;
    let files = std::fs::read_dir(fixtures::repo_root().join("migrations").join(match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }))
    .unwrap()
    .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "sql"))
    .count() as i64;
    let applied = "SELECT count(*) FROM _sqlx_migrations WHERE success";
    assert_eq!(s.db.count(applied, &[]).await, files, "every migration applied once");
    let tenant = apply(s.store.as_ref(), "siloah").await;
    let client = s.store.create_client(tenant, &origin(), &new_client("SIL-1001", "Thomas", "Vries")).await.unwrap();
    let audited = s.store.audit(tenant, 100).await.unwrap().len();

    s.store.migrate().await.unwrap();
    let again = s.db.store(Arc::new(s.clock.clone())).await;
    again.migrate().await.unwrap();

    assert_eq!(s.db.count(applied, &[]).await, files, "nothing applied twice");
    assert_eq!(s.db.count("SELECT count(*) FROM _sqlx_migrations", &[]).await, files);
    let found = again.client(tenant, client.id).await.unwrap().expect("the client survives");
    assert_eq!(found.reference.as_str(), "SIL-1001");
    assert_eq!(again.tenant_by_slug("siloah").await.unwrap().unwrap().id, tenant);
    assert_eq!(again.audit(tenant, 100).await.unwrap().len(), audited, "the audit log as it was");
}

async fn apply_creates_then_updates_a_tenant(backend: Backend) {
    let s = setup(backend).await;
    let mut bundle = fixtures::bundle("siloah").await;
    let first = s.store.apply_tenant(&origin(), &bundle).await.unwrap();
    assert!(first.created);
    assert_eq!(first.version, 1);

    bundle.config.branding.tagline = Some("Nieuwe slogan".to_owned());
    bundle.config.hostnames = vec!["portaal.siloah.nl".to_owned()];
    let second = s.store.apply_tenant(&origin(), &bundle).await.unwrap();
    assert!(!second.created);
    assert_eq!(second.id, first.id, "an update keeps the tenant's id");
    assert_eq!(second.version, 2);

    let tenant = s.store.tenant_by_slug("siloah").await.unwrap().unwrap();
    assert_eq!(tenant.config.branding.tagline.as_deref(), Some("Nieuwe slogan"));
    assert_eq!(s.store.tenant_hostnames(first.id).await.unwrap(), vec!["portaal.siloah.nl"]);
    assert!(s.store.tenant_by_host("clientportaal.siloah.nl", false).await.unwrap().is_none(), "old host released");

    let rights = s.store.tenant_rights(first.id).await.unwrap().unwrap();
    assert_eq!(rights, bundle.rights);
    assert!(s.store.tenant_logo(first.id).await.unwrap().unwrap().contains("<svg"));

    let linde = apply(s.store.as_ref(), "de-linde").await;
    let templates = s.store.tenant_templates(linde).await.unwrap();
    assert_eq!(templates.keys().collect::<Vec<_>>(), vec!["landing.html"]);
    assert!(s.store.tenant_templates(first.id).await.unwrap().is_empty());
    assert_eq!(s.store.tenants().await.unwrap().len(), 2);
}

async fn a_hostname_of_another_tenant_is_refused_and_nothing_changes(backend: Backend) {
    let s = setup(backend).await;
    let siloah = apply(s.store.as_ref(), "siloah").await;
    let mut salem = fixtures::bundle("salem").await;
    salem.config.hostnames.push("clientportaal.siloah.nl".to_owned());
    let error = s.store.apply_tenant(&origin(), &salem).await.unwrap_err();
    assert!(matches!(error, StoreError::Conflict(ref m) if m.contains("clientportaal.siloah.nl")), "{error:?}");
    assert!(s.store.tenant_by_slug("salem").await.unwrap().is_none(), "the failed apply left nothing behind");
    let owner = s.store.tenant_by_host("clientportaal.siloah.nl", false).await.unwrap().unwrap();
    assert_eq!(owner.id, siloah);
}

async fn tenants_are_found_by_host(backend: Backend) {
    let s = setup(backend).await;
    let siloah = apply(s.store.as_ref(), "siloah").await;
    let found = |host: &'static str, dev: bool| {
        let store = s.store.clone();
        async move { store.tenant_by_host(host, dev).await.unwrap().map(|t| t.id) }
    };
    assert_eq!(found("clientportaal.siloah.nl", false).await, Some(siloah));
    assert_eq!(found("siloah.localhost", true).await, Some(siloah));
    assert_eq!(found("siloah.localhost", false).await, None, "dev hosts only in development");
    assert_eq!(found("x.siloah.localhost", true).await, None);
    assert_eq!(found("salem.localhost", true).await, None);
    assert_eq!(found("example.org", true).await, None);
}

async fn a_client_of_one_tenant_cannot_be_read_changed_or_listed_through_another(backend: Backend) {
    let s = setup(backend).await;
    let a = apply(s.store.as_ref(), "siloah").await;
    let b = apply(s.store.as_ref(), "salem").await;
    let client = s.store.create_client(a, &origin(), &new_client("SIL-1", "Thomas", "Vries")).await.unwrap();

    // Read
    assert_eq!(s.store.client(a, client.id).await.unwrap().unwrap().id, client.id);
    assert!(s.store.client(b, client.id).await.unwrap().is_none());
    assert!(s.store.client_by_reference(b, &client.reference).await.unwrap().is_none());
    // List
    assert_eq!(s.store.clients(a).await.unwrap().len(), 1);
    assert!(s.store.clients(b).await.unwrap().is_empty());
    // Change
    let changes = ClientChanges {
        name: PersonName::new("Kwaadwillend", None, "Gewijzigd").unwrap(),
        birth_date: None,
        care_ended_on: None,
    };
    assert!(s.store.update_client(b, &origin(), client.id, &changes).await.unwrap().is_none());
    let unchanged = s.store.client(a, client.id).await.unwrap().unwrap();
    assert_eq!(unchanged.name.full(), "Thomas Vries");
    // Audit
    assert!(s.store.audit_of_client(b, client.id, 10).await.unwrap().is_empty());
    assert!(!s.store.audit_of_client(a, client.id, 10).await.unwrap().is_empty());
    // And the rightful tenant can change it.
    s.clock.advance(chrono::Duration::minutes(1));
    let changed = s.store.update_client(a, &origin(), client.id, &changes).await.unwrap().unwrap();
    assert_eq!(changed.name.full(), "Kwaadwillend Gewijzigd");
    assert!(changed.updated_at > changed.created_at);
}

async fn accounts_and_links_stay_inside_their_tenant(backend: Backend) {
    let s = setup(backend).await;
    let a = apply(s.store.as_ref(), "siloah").await;
    let b = apply(s.store.as_ref(), "salem").await;
    let client_a = s.store.create_client(a, &origin(), &new_client("SIL-1", "Thomas", "Vries")).await.unwrap();
    let account_b =
        s.store.create_account(b, &origin(), &new_account("marja@example.nl", "Marja", "Jansen")).await.unwrap();

    // An account of B cannot be linked to a client of A, through either tenant.
    for tenant in [a, b] {
        let error =
            s.store.link_account(tenant, &origin(), account_b.id, client_a.id, Relation::Contact).await.unwrap_err();
        assert!(matches!(error, StoreError::NotFound), "{error:?}");
    }
    assert!(s.store.account(a, account_b.id).await.unwrap().is_none());
    assert!(s.store.account_by_username(a, &account_b.username).await.unwrap().is_none());

    // The same username may exist in both tenants: they are different people.
    let account_a =
        s.store.create_account(a, &origin(), &new_account("marja@example.nl", "Marja", "de Boer")).await.unwrap();
    assert_ne!(account_a.id, account_b.id);
    s.store.link_account(a, &origin(), account_a.id, client_a.id, Relation::Representative).await.unwrap();
    let links = s.store.account_links(a, account_a.id).await.unwrap();
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].relation, Relation::Representative);
    assert!(s.store.account_links(b, account_a.id).await.unwrap().is_empty());
    assert!(s.store.client_accounts(b, client_a.id).await.unwrap().is_empty());
    assert_eq!(s.store.client_accounts(a, client_a.id).await.unwrap()[0].0.id, account_a.id);

    // A username is unique within its tenant, whatever its case.
    let error =
        s.store.create_account(a, &origin(), &new_account("MARJA@example.nl", "Marja", "Dubbel")).await.unwrap_err();
    assert!(matches!(error, StoreError::Conflict(_)), "{error:?}");
}

/// #14: a care page's context (links, each client's photo and invoices, staff or not, an
/// invitation waiting) in one read, on both databases, and never another tenant's.
async fn a_care_context_is_read_whole_and_only_inside_its_tenant(backend: Backend) {
    use careportal_domain::record::documents::{DocumentKind, NewDocument};
    let s = setup(backend).await;
    let a = apply(s.store.as_ref(), "siloah").await;
    let b = apply(s.store.as_ref(), "salem").await;
    let thomas = s.store.create_client(a, &origin(), &new_client("SIL-1", "Thomas", "Vries")).await.unwrap();
    let anna = s.store.create_client(a, &origin(), &new_client("SIL-2", "Anna", "Bakker")).await.unwrap();
    let marja = s.store.create_account(a, &origin(), &new_account("marja@example.nl", "Marja", "Vries")).await.unwrap();

    let nobody = s.store.care_context(a, marja.id).await.unwrap();
    assert!(nobody.links.is_empty() && !nobody.is_staff && nobody.maybe_invited, "unknown, so Home asks");

    s.store.link_account(a, &origin(), marja.id, thomas.id, Relation::Representative).await.unwrap();
    s.store.link_account(a, &origin(), marja.id, anna.id, Relation::Representative).await.unwrap();
    s.store.set_client_photo(a, &origin(), thomas.id, Some("foto-thomas")).await.unwrap();
    let invoice = NewDocument {
        kind: DocumentKind::Invoice,
        title: "Factuur november".into(),
        date: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
        blob_key: "factuur".into(),
        sha256: "0".repeat(64),
        size: 1,
        content_type: "application/pdf".into(),
    };
    s.store.add_document(a, &origin(), anna.id, &invoice).await.unwrap();
    let context = s.store.care_context(a, marja.id).await.unwrap();
    let seen: Vec<(&str, Option<&str>, bool)> =
        context.links.iter().map(|l| (l.link.client.reference.as_str(), l.photo.as_deref(), l.has_invoices)).collect();
    assert_eq!(seen, [("SIL-2", None, true), ("SIL-1", Some("foto-thomas"), false)], "ordered by name");
    assert!(!context.is_staff);
    assert!(!context.maybe_invited, "known: nothing waits");

    s.store.add_staff_role(a, &origin(), marja.id, careportal_domain::staff::StaffRole::Coordinator).await.unwrap();
    let other = s.store.create_client(a, &origin(), &new_client("SIL-3", "Kees", "Smit")).await.unwrap();
    let week = s.clock.now() + chrono::Duration::days(7);
    s.store.invite_link(a, &origin(), marja.id, other.id, Relation::Contact, week).await.unwrap();
    let context = s.store.care_context(a, marja.id).await.unwrap();
    assert!(context.is_staff && context.maybe_invited);
    s.clock.advance(chrono::Duration::days(8));
    assert!(!s.store.care_context(a, marja.id).await.unwrap().maybe_invited, "an expired invitation waits no more");

    // Through the other tenant: nothing of it.
    let elsewhere = s.store.care_context(b, marja.id).await.unwrap();
    assert!(elsewhere.links.is_empty() && !elsewhere.is_staff);
}

async fn references_are_unique_per_tenant_only(backend: Backend) {
    let s = setup(backend).await;
    let a = apply(s.store.as_ref(), "siloah").await;
    let b = apply(s.store.as_ref(), "salem").await;
    s.store.create_client(a, &origin(), &new_client("C-1", "Anna", "Jansen")).await.unwrap();
    s.store.create_client(b, &origin(), &new_client("C-1", "Bram", "Smit")).await.unwrap();
    let error = s.store.create_client(a, &origin(), &new_client("C-1", "Cor", "Dekker")).await.unwrap_err();
    assert!(matches!(error, StoreError::Conflict(_)), "{error:?}");
    let names: Vec<String> = s.store.clients(a).await.unwrap().iter().map(|c| c.name.full()).collect();
    assert_eq!(names, vec!["Anna Jansen"]);
}

async fn every_write_is_audited(backend: Backend) {
    let s = setup(backend).await;
    let a = apply(s.store.as_ref(), "siloah").await;
    let who = Origin {
        actor: careportal_domain::audit::Actor::system("coordinator-tool"),
        role: Some(careportal_domain::audit::AuditRole::System),
        on_behalf_of: None,
        ip: Some("192.0.2.7".to_owned()),
        user_agent: Some("test-agent".to_owned()),
    };
    let client = s.store.create_client(a, &who, &new_client("SIL-1", "Thomas", "Vries")).await.unwrap();
    let account = s.store.create_account(a, &who, &new_account("t@example.nl", "Thomas", "Vries")).await.unwrap();
    s.store.link_account(a, &who, account.id, client.id, Relation::Client).await.unwrap();
    let event = who.event(AuditAction::CLIENT_VIEWED, Some(client.id), "home");
    s.store.append_audit(a, &event).await.unwrap();

    let entries = s.store.audit_of_client(a, client.id, 10).await.unwrap();
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert!(actions.contains(&"client.created"), "{actions:?}");
    assert!(actions.contains(&"account.linked"), "{actions:?}");
    assert!(actions.contains(&"client.viewed"), "{actions:?}");
    let viewed = entries.iter().find(|e| e.action == "client.viewed").unwrap();
    assert_eq!(viewed.actor, "system:coordinator-tool");
    assert_eq!(viewed.ip.as_deref(), Some("192.0.2.7"));
    assert_eq!(viewed.user_agent.as_deref(), Some("test-agent"));
    assert_eq!(viewed.at, s.clock.now());
    let all = s.store.audit(a, 100).await.unwrap();
    assert!(all.iter().any(|e| e.action == "account.created"));
    assert!(all.iter().any(|e| e.action == "tenant.applied"));
}

async fn the_audit_log_cannot_be_changed(backend: Backend) {
    let s = setup(backend).await;
    let a = apply(s.store.as_ref(), "siloah").await;
    s.store.create_client(a, &origin(), &new_client("SIL-1", "Thomas", "Vries")).await.unwrap();
    let before = s.store.audit(a, 100).await.unwrap().len();
    let attempts = ["UPDATE audit_log SET detail = 'weg'", "DELETE FROM audit_log"];
    for statement in attempts {
        let result = match s.db.backend {
            Backend::Sqlite => {
                let mut conn = sqlx::SqliteConnection::connect(&s.db.url).await.unwrap();
                sqlx::query(statement).execute(&mut conn).await.map(|_| ())
            }
            Backend::Postgres => {
                let mut conn = sqlx::PgConnection::connect(&s.db.url).await.unwrap();
                sqlx::query(statement).execute(&mut conn).await.map(|_| ())
            }
        };
        let error = result.expect_err(statement).to_string();
        assert!(error.contains("append-only"), "{statement}: {error}");
    }
    assert_eq!(s.store.audit(a, 100).await.unwrap().len(), before);
}

async fn access_ends_after_care_ends(backend: Backend) {
    let s = setup(backend).await;
    let a = apply(s.store.as_ref(), "siloah").await;
    let b = apply(s.store.as_ref(), "salem").await;
    let leaving = s.store.create_client(a, &origin(), &new_client("SIL-1", "Thomas", "Vries")).await.unwrap();
    let staying = s.store.create_client(a, &origin(), &new_client("SIL-2", "Sanne", "Bakker")).await.unwrap();
    let only_leaving =
        s.store.create_account(a, &origin(), &new_account("t@example.nl", "Thomas", "Vries")).await.unwrap();
    let both = s.store.create_account(a, &origin(), &new_account("m@example.nl", "Marco", "Bakker")).await.unwrap();
    s.store.link_account(a, &origin(), only_leaving.id, leaving.id, Relation::Client).await.unwrap();
    s.store.link_account(a, &origin(), both.id, leaving.id, Relation::Representative).await.unwrap();
    s.store.link_account(a, &origin(), both.id, staying.id, Relation::Representative).await.unwrap();

    let ended = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
    let changes =
        ClientChanges { name: leaving.name.clone(), birth_date: leaving.birth_date, care_ended_on: Some(ended) };
    s.store.update_client(a, &origin(), leaving.id, &changes).await.unwrap().unwrap();

    // The day before the cutoff: nothing happens. Another tenant's run touches nothing here.
    let day_before = ended - chrono::Duration::days(1);
    assert_eq!(s.store.end_access_after_care(a, &origin(), day_before).await.unwrap(), 0);
    assert_eq!(s.store.end_access_after_care(b, &origin(), ended).await.unwrap(), 0);
    assert_eq!(s.store.client_accounts(a, leaving.id).await.unwrap().len(), 2);

    assert_eq!(s.store.end_access_after_care(a, &origin(), ended).await.unwrap(), 2);
    assert!(s.store.client_accounts(a, leaving.id).await.unwrap().is_empty());
    assert!(s.store.account(a, only_leaving.id).await.unwrap().is_none(), "an account with no client left is removed");
    let kept = s.store.account_links(a, both.id).await.unwrap();
    assert_eq!(kept.iter().map(|l| l.client.id).collect::<Vec<ClientId>>(), vec![staying.id]);
    let actions: Vec<String> = s.store.audit(a, 100).await.unwrap().into_iter().map(|e| e.action).collect();
    assert_eq!(actions.iter().filter(|a| *a == "access.ended").count(), 2);
    assert_eq!(actions.iter().filter(|a| *a == "account.removed").count(), 1);
    // Running again (another worker) finds nothing left to do.
    assert_eq!(s.store.end_access_after_care(a, &origin(), ended).await.unwrap(), 0);
}

async fn account_in(store: &dyn Store, tenant: TenantId, username: &str) -> AccountId {
    store.create_account(tenant, &origin(), &new_account(username, "Anna", "Jansen")).await.unwrap().id
}

async fn passwords_are_kept_with_their_history(backend: Backend) {
    let s = setup(backend).await;
    let a = apply(s.store.as_ref(), "siloah").await;
    let account = account_in(s.store.as_ref(), a, "anna@example.nl").await;
    assert!(s.store.credentials(a, account).await.unwrap().is_none());

    let start = s.clock.now();
    let expires = start + chrono::Duration::days(183);
    s.store.set_password(a, &origin(), account, "$argon2id$one-time", true, Some(expires)).await.unwrap();
    let credentials = s.store.credentials(a, account).await.unwrap().unwrap();
    assert!(credentials.must_change);
    assert_eq!(credentials.expires_at, Some(expires));
    assert_eq!(credentials.password_set_at, start);

    s.clock.advance(chrono::Duration::days(1));
    s.store.set_password(a, &origin(), account, "$argon2id$chosen", false, None).await.unwrap();
    let credentials = s.store.credentials(a, account).await.unwrap().unwrap();
    assert!(!credentials.must_change);
    assert_eq!(credentials.password_hash, "$argon2id$chosen");
    assert_eq!(
        s.store.password_history(a, account, start).await.unwrap(),
        vec!["$argon2id$chosen".to_owned(), "$argon2id$one-time".to_owned()]
    );
    assert_eq!(s.store.password_history(a, account, s.clock.now()).await.unwrap(), vec!["$argon2id$chosen".to_owned()]);
    let actions: Vec<String> = s.store.audit(a, 20).await.unwrap().into_iter().map(|e| e.action).collect();
    assert!(actions.contains(&"password.set".to_owned()) && actions.contains(&"password.changed".to_owned()));
}

async fn failures_count_up_and_success_resets(backend: Backend) {
    let s = setup(backend).await;
    let a = apply(s.store.as_ref(), "siloah").await;
    let account = account_in(s.store.as_ref(), a, "anna@example.nl").await;
    assert_eq!(s.store.record_login_failure(a, account).await.unwrap(), 0, "no credentials, nothing to count");
    s.store.set_password(a, &origin(), account, "$h", false, None).await.unwrap();
    for expected in 1..=3 {
        assert_eq!(s.store.record_login_failure(a, account).await.unwrap(), expected);
    }
    // A failure after a quiet day starts the count over; one within the day adds to it.
    s.clock.advance(chrono::Duration::hours(23));
    assert_eq!(s.store.record_login_failure(a, account).await.unwrap(), 4);
    s.clock.advance(chrono::Duration::hours(25));
    assert_eq!(s.store.record_login_failure(a, account).await.unwrap(), 1, "forgotten after a quiet day");
    for expected in 2..=3 {
        assert_eq!(s.store.record_login_failure(a, account).await.unwrap(), expected);
    }
    let until = s.clock.now() + chrono::Duration::minutes(15);
    s.store.lock_account(a, account, until).await.unwrap();
    let credentials = s.store.credentials(a, account).await.unwrap().unwrap();
    assert_eq!((credentials.failed_count, credentials.locked_until), (3, Some(until)));
    assert!(credentials.is_locked(s.clock.now()));
    s.store.record_login_success(a, account).await.unwrap();
    let credentials = s.store.credentials(a, account).await.unwrap().unwrap();
    assert_eq!((credentials.failed_count, credentials.locked_until), (0, None));
    assert_eq!(credentials.last_login_at, Some(s.clock.now()));

    // Password tries: at most `max` a round, none while locked, a new round after the lock
    // or a success, and never through another tenant.
    let now = s.clock.now();
    let b = apply(s.store.as_ref(), "salem").await;
    for _ in 0..3 {
        assert!(s.store.take_password_try(a, account, 3, now).await.unwrap());
    }
    assert!(!s.store.take_password_try(a, account, 3, now).await.unwrap(), "the round is used up");
    s.store.record_login_success(a, account).await.unwrap();
    assert!(s.store.take_password_try(a, account, 3, now).await.unwrap(), "a success starts a new round");
    s.store.lock_account(a, account, now + chrono::Duration::minutes(15)).await.unwrap();
    assert!(!s.store.take_password_try(a, account, 3, now).await.unwrap(), "not while locked");
    let after = now + chrono::Duration::minutes(16);
    assert!(s.store.take_password_try(a, account, 3, after).await.unwrap(), "a new round after the lock");
    assert!(!s.store.take_password_try(b, account, 3, after).await.unwrap(), "not through salem");
}

async fn a_totp_step_is_claimed_once(backend: Backend) {
    let s = setup(backend).await;
    let a = apply(s.store.as_ref(), "siloah").await;
    let account = account_in(s.store.as_ref(), a, "anna@example.nl").await;
    assert!(!s.store.claim_totp_step(a, account, 10).await.unwrap(), "no factor, nothing to claim");
    s.store.set_totp_factor(a, &origin(), account, "v1.sealed", 100).await.unwrap();
    let factor = s.store.second_factor(a, account).await.unwrap().unwrap();
    assert_eq!(factor.totp_secret.as_deref(), Some("v1.sealed"));
    assert_eq!(factor.last_totp_step, Some(100));
    assert!(!s.store.claim_totp_step(a, account, 100).await.unwrap(), "the enrolment code's step is used");
    assert!(s.store.claim_totp_step(a, account, 101).await.unwrap());
    assert!(!s.store.claim_totp_step(a, account, 101).await.unwrap(), "replay refused");
    assert!(!s.store.claim_totp_step(a, account, 99).await.unwrap(), "older steps refused");
}

async fn a_code_gives_five_tries_however_many_ask_at_once(backend: Backend) {
    use careportal_domain::signin::{CODE_MAX_FAILURES, CodePurpose, NewCode};
    let s = setup(backend).await;
    let a = apply(s.store.as_ref(), "siloah").await;
    let b = apply(s.store.as_ref(), "salem").await;
    let account = account_in(s.store.as_ref(), a, "anna@example.nl").await;
    let code = NewCode {
        id: uuid::Uuid::new_v4(),
        account,
        purpose: CodePurpose::Login,
        code_hash: "hash".to_owned(),
        prefix: "1234".to_owned(),
        phone: "+31612345678".to_owned(),
        session_hash: "session".to_owned(),
        expires_at: s.clock.now() + chrono::Duration::minutes(5),
    };
    s.store.create_code(a, &code).await.unwrap();
    assert!(!s.store.take_code_try(b, code.id).await.unwrap(), "not through another tenant");
    let id = code.id;
    let mut tries = tokio::task::JoinSet::new();
    for _ in 0..50 {
        let store = s.store.clone();
        tries.spawn(async move { store.take_code_try(a, id).await.unwrap() });
    }
    let mut taken = 0;
    while let Some(result) = tries.join_next().await {
        taken += u32::from(result.unwrap());
    }
    assert_eq!(taken, CODE_MAX_FAILURES, "exactly the code's tries, however many asked at once");
    assert!(!s.store.take_code_try(a, code.id).await.unwrap());

    let fresh = NewCode { id: uuid::Uuid::new_v4(), ..code };
    s.store.create_code(a, &fresh).await.unwrap();
    assert!(s.store.take_code_try(a, fresh.id).await.unwrap());
    assert!(s.store.use_code(a, fresh.id).await.unwrap());
    assert!(!s.store.take_code_try(a, fresh.id).await.unwrap(), "a used code has no tries left");
}

async fn sessions_rotate_and_end(backend: Backend) {
    let s = setup(backend).await;
    let a = apply(s.store.as_ref(), "siloah").await;
    let account = account_in(s.store.as_ref(), a, "anna@example.nl").await;
    let new = |hash: &str, stage| NewSession {
        token_hash: hash.to_owned(),
        account,
        stage,
        expires_at: s.clock.now() + chrono::Duration::hours(8),
        ip: Some("192.0.2.1".to_owned()),
        user_agent: Some("test".to_owned()),
    };
    s.clock.advance(chrono::Duration::minutes(1));
    s.store.create_session(a, &new("h1", SessionStage::SecondFactor)).await.unwrap();
    let session = s.store.session(a, "h1").await.unwrap().unwrap();
    assert_eq!((session.stage, session.account), (SessionStage::SecondFactor, account));

    s.store.set_pending_totp(a, "h1", Some("v1.pending")).await.unwrap();
    assert_eq!(s.store.session(a, "h1").await.unwrap().unwrap().pending_totp.as_deref(), Some("v1.pending"));

    s.clock.advance(chrono::Duration::minutes(5));
    s.store.touch_session(a, "h1").await.unwrap();
    assert_eq!(s.store.session(a, "h1").await.unwrap().unwrap().last_seen_at, s.clock.now());

    // With its account in one read: the session's own moments, the account's own.
    let b = apply(s.store.as_ref(), "salem").await;
    let (joined, owner) = s.store.session_with_account(a, "h1").await.unwrap().unwrap();
    assert_eq!(joined, s.store.session(a, "h1").await.unwrap().unwrap());
    assert_eq!(owner, s.store.account(a, account).await.unwrap().unwrap());
    assert_ne!(joined.created_at, owner.created_at, "the account was made before the session");
    assert!(s.store.session_with_account(b, "h1").await.unwrap().is_none(), "only inside its tenant");

    s.store.rotate_session(a, "h1", &new("h2", SessionStage::Active)).await.unwrap();
    assert!(s.store.session(a, "h1").await.unwrap().is_none(), "the old token stops working");
    assert!(s.store.session_with_account(a, "h1").await.unwrap().is_none());
    assert_eq!(s.store.session(a, "h2").await.unwrap().unwrap().stage, SessionStage::Active);

    s.store.create_session(a, &new("h3", SessionStage::Active)).await.unwrap();
    s.store.delete_session(a, "h2").await.unwrap();
    assert!(s.store.session(a, "h2").await.unwrap().is_none());
    assert_eq!(s.store.delete_account_sessions(a, account).await.unwrap(), 1);
    assert!(s.store.session(a, "h3").await.unwrap().is_none());
}

async fn sign_in_state_stays_inside_its_tenant(backend: Backend) {
    let s = setup(backend).await;
    let a = apply(s.store.as_ref(), "siloah").await;
    let b = apply(s.store.as_ref(), "salem").await;
    let account = account_in(s.store.as_ref(), a, "anna@example.nl").await;
    s.store.set_password(a, &origin(), account, "$h", false, None).await.unwrap();
    s.store.set_totp_factor(a, &origin(), account, "v1.sealed", 1).await.unwrap();
    let session = NewSession {
        token_hash: "shared".to_owned(),
        account,
        stage: SessionStage::Active,
        expires_at: s.clock.now() + chrono::Duration::hours(1),
        ip: None,
        user_agent: None,
    };
    s.store.create_session(a, &session).await.unwrap();

    assert!(s.store.session(b, "shared").await.unwrap().is_none(), "a session cookie is no key to another tenant");
    assert!(s.store.credentials(b, account).await.unwrap().is_none());
    assert!(s.store.second_factor(b, account).await.unwrap().is_none());
    assert!(!s.store.claim_totp_step(b, account, 5).await.unwrap());
    assert_eq!(s.store.record_login_failure(b, account).await.unwrap(), 0);
    assert_eq!(s.store.delete_account_sessions(b, account).await.unwrap(), 0);
    s.store.delete_session(b, "shared").await.unwrap();
    assert!(s.store.session(a, "shared").await.unwrap().is_some());
    // An account of A cannot get a session or password in B.
    let error = s.store.create_session(b, &session).await.unwrap_err();
    assert!(matches!(error, StoreError::NotFound), "{error:?}");
    let error = s.store.set_password(b, &origin(), account, "$h", false, None).await.unwrap_err();
    assert!(matches!(error, StoreError::NotFound), "{error:?}");
}

/// #15's writes on an account: Grotere letters / Makkelijk lezen, the number for
/// Bevestigingscodes (only on an app factor), and a photo removed. Each holds in its own
/// tenant and does nothing through another.
async fn display_confirmation_number_and_photos_change_only_inside_their_tenant(backend: Backend) {
    use careportal_domain::people::Display;
    let s = setup(backend).await;
    let a = apply(s.store.as_ref(), "siloah").await;
    let b = apply(s.store.as_ref(), "salem").await;
    let account = account_in(s.store.as_ref(), a, "anna@example.nl").await;
    let both = Display { large_text: true, easy_read: true };

    s.store.set_display(b, account, both).await.unwrap();
    assert_eq!(s.store.account(a, account).await.unwrap().unwrap().display, Display::default(), "not through B");
    s.store.set_display(a, account, both).await.unwrap();
    assert_eq!(s.store.account(a, account).await.unwrap().unwrap().display, both);
    let by_name = Username::parse("anna@example.nl").unwrap();
    assert_eq!(s.store.account_by_username(a, &by_name).await.unwrap().unwrap().display, both);

    // The number for Bevestigingscodes goes only on an app factor, and only in its tenant.
    assert!(!s.store.set_confirmation_phone(a, &origin(), account, Some("+31611122233")).await.unwrap(), "no factor");
    s.store.set_totp_factor(a, &origin(), account, "v1.sealed", 1).await.unwrap();
    assert!(!s.store.set_confirmation_phone(b, &origin(), account, Some("+31611122233")).await.unwrap());
    assert_eq!(s.store.second_factor(a, account).await.unwrap().unwrap().phone, None);
    assert!(s.store.set_confirmation_phone(a, &origin(), account, Some("+31611122233")).await.unwrap());
    let factor = s.store.second_factor(a, account).await.unwrap().unwrap();
    assert_eq!((factor.method, factor.phone.as_deref()), (FactorMethod::Totp, Some("+31611122233")));
    assert!(s.store.set_confirmation_phone(a, &origin(), account, None).await.unwrap());
    assert_eq!(s.store.second_factor(a, account).await.unwrap().unwrap().phone, None);
    s.store.set_sms_factor(a, &origin(), account, "+31612345678").await.unwrap();
    assert!(
        !s.store.set_confirmation_phone(a, &origin(), account, None).await.unwrap(),
        "an SMS factor keeps its number"
    );
    assert_eq!(s.store.second_factor(a, account).await.unwrap().unwrap().phone.as_deref(), Some("+31612345678"));

    // A photo removed returns its key (for the blob store) and is gone; not through B.
    s.store.set_account_photo(a, &origin(), account, Some("foto/een.jpg")).await.unwrap();
    assert_eq!(s.store.set_account_photo(b, &origin(), account, None).await.unwrap(), None);
    assert_eq!(s.store.account_photo(a, account).await.unwrap().as_deref(), Some("foto/een.jpg"));
    assert_eq!(s.store.set_account_photo(a, &origin(), account, None).await.unwrap().as_deref(), Some("foto/een.jpg"));
    assert_eq!(s.store.account_photo(a, account).await.unwrap(), None);
    let audit = s.store.audit(a, 50).await.unwrap();
    for action in ["factor.phone_set", "factor.phone_removed", "photo.own_set", "photo.own_removed"] {
        assert!(audit.iter().any(|e| e.action == action), "{action}");
    }
    assert!(!s.store.audit(b, 50).await.unwrap().iter().any(|e| e.action.starts_with("factor.phone")));
}

async fn outbox_messages_are_claimed_once_and_retried(backend: Backend) {
    let s = setup(backend).await;
    let a = apply(s.store.as_ref(), "siloah").await;
    let b = apply(s.store.as_ref(), "salem").await;
    let message = |recipient: &str| NewMessage {
        id: MessageId::new(),
        channel: Channel::Email,
        recipient: recipient.to_owned(),
        subject: "Onderwerp".to_owned(),
        sealed_body: "v1.sealed".to_owned(),
    };
    let first = message("a@example.nl");
    let second = message("b@example.nl");
    s.store.enqueue_message(a, &first).await.unwrap();
    s.store.enqueue_message(a, &second).await.unwrap();
    s.store.enqueue_message(b, &message("c@example.nl")).await.unwrap();

    let claimed = s.store.claim_messages(a, 10, 120).await.unwrap();
    assert_eq!(claimed.iter().map(|m| m.recipient.as_str()).collect::<Vec<_>>(), vec!["a@example.nl", "b@example.nl"]);
    assert!(claimed.iter().all(|m| m.attempts == 1 && m.tenant == a));
    assert!(s.store.claim_messages(a, 10, 120).await.unwrap().is_empty(), "claimed messages are not handed out again");

    s.store.message_sent(a, first.id).await.unwrap();
    let retry_at = s.clock.now() + chrono::Duration::seconds(30);
    s.store.message_retry(a, second.id, retry_at, "verbinding geweigerd").await.unwrap();
    assert!(s.store.claim_messages(a, 10, 120).await.unwrap().is_empty(), "not before its time");
    s.clock.advance(chrono::Duration::seconds(31));
    let again = s.store.claim_messages(a, 10, 120).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!((again[0].id, again[0].attempts), (second.id, 2));

    // A sender that dies leaves its claim; after the lease another picks it up.
    s.clock.advance(chrono::Duration::seconds(121));
    let orphan = s.store.claim_messages(a, 10, 120).await.unwrap();
    assert_eq!((orphan.len(), orphan[0].attempts), (1, 3));
    s.store.message_failed(a, second.id, "gaf het op").await.unwrap();
    s.clock.advance(chrono::Duration::hours(2));
    assert!(s.store.claim_messages(a, 10, 120).await.unwrap().is_empty(), "failed and sent messages stay put");

    let sent = s.store.message_status(a, first.id).await.unwrap().unwrap();
    assert!(sent.sent_at.is_some() && sent.last_error.is_none());
    let failed = s.store.message_status(a, second.id).await.unwrap().unwrap();
    assert_eq!((failed.attempts, failed.last_error.as_deref()), (3, Some("gaf het op")));
    assert!(s.store.message_status(b, first.id).await.unwrap().is_none(), "another tenant's outbox is not visible");
    assert_eq!(s.store.claim_messages(b, 10, 120).await.unwrap().len(), 1);
}

async fn password_resets_work_once_and_expire(backend: Backend) {
    let s = setup(backend).await;
    let a = apply(s.store.as_ref(), "siloah").await;
    let b = apply(s.store.as_ref(), "salem").await;
    let account = account_in(s.store.as_ref(), a, "anna@example.nl").await;
    let hour = s.clock.now() + chrono::Duration::hours(1);
    s.store.create_password_reset(a, account, "r1", hour).await.unwrap();
    s.store.create_password_reset(a, account, "r2", hour).await.unwrap();
    assert_eq!(s.store.password_resets_since(a, account, s.clock.now()).await.unwrap(), 2);
    assert_eq!(s.store.password_reset_account(a, "r1").await.unwrap(), Some(account));
    assert_eq!(s.store.password_reset_account(b, "r1").await.unwrap(), None, "not through another tenant");
    assert!(!s.store.use_password_reset(b, "r1").await.unwrap());
    assert!(s.store.use_password_reset(a, "r1").await.unwrap());
    assert!(!s.store.use_password_reset(a, "r1").await.unwrap(), "single use");
    assert_eq!(s.store.password_reset_account(a, "r1").await.unwrap(), None);
    s.clock.advance(chrono::Duration::minutes(61));
    assert_eq!(s.store.password_reset_account(a, "r2").await.unwrap(), None, "an hour at most");
    assert!(!s.store.use_password_reset(a, "r2").await.unwrap());
    assert_eq!(s.store.password_resets_since(a, account, s.clock.now()).await.unwrap(), 0);
}

async fn rate_counters_count_per_window_and_are_purged(backend: Backend) {
    let s = setup(backend).await;
    let a = apply(s.store.as_ref(), "siloah").await;
    let b = apply(s.store.as_ref(), "salem").await;
    let hour = careportal_domain::throttle::hour_window(s.clock.now());
    assert_eq!(s.store.hits(a, "k", hour).await.unwrap(), 0);
    assert_eq!(s.store.count_hit(a, "k", hour).await.unwrap(), 1);
    assert_eq!(s.store.count_hit(a, "k", hour).await.unwrap(), 2);
    assert_eq!(s.store.hits(b, "k", hour).await.unwrap(), 0, "per tenant");
    let next = hour + chrono::Duration::hours(1);
    assert_eq!(s.store.count_hit(a, "k", next).await.unwrap(), 1, "per window");
    assert_eq!(s.store.purge_hits(a, next).await.unwrap(), 1);
    assert_eq!(s.store.hits(a, "k", hour).await.unwrap(), 0);
    assert_eq!(s.store.hits(a, "k", next).await.unwrap(), 1);
}

async fn dead_sign_in_data_is_purged(backend: Backend) {
    let s = setup(backend).await;
    let a = apply(s.store.as_ref(), "siloah").await;
    let account = account_in(s.store.as_ref(), a, "anna@example.nl").await;
    let session = |hash: &str, hours: i64| NewSession {
        token_hash: hash.to_owned(),
        account,
        stage: SessionStage::Active,
        expires_at: s.clock.now() + chrono::Duration::hours(hours),
        ip: None,
        user_agent: None,
    };
    s.store.create_session(a, &session("idle", 8)).await.unwrap();
    s.store.create_password_reset(a, account, "old-link", s.clock.now() + chrono::Duration::hours(1)).await.unwrap();
    s.clock.advance(chrono::Duration::minutes(20));
    s.store.create_session(a, &session("fresh", 8)).await.unwrap();
    s.store.create_password_reset(a, account, "new-link", s.clock.now() + chrono::Duration::hours(1)).await.unwrap();
    let removed = s.store.purge_sign_in(a, 15, s.clock.now()).await.unwrap();
    assert_eq!(removed, 1, "only the idle session; the old link has not ended yet");
    assert!(s.store.session(a, "idle").await.unwrap().is_none());
    assert!(s.store.session(a, "fresh").await.unwrap().is_some());
    s.clock.advance(chrono::Duration::hours(2));
    // The old link ended at +60 min, the new one at +80 min; purge what ended before +70.
    let before = s.clock.now() - chrono::Duration::minutes(70);
    s.store.purge_sign_in(a, 15, before).await.unwrap();
    assert_eq!(s.store.password_resets_since(a, account, s.clock.now() - chrono::Duration::days(1)).await.unwrap(), 1);
}

/// #11, Beheer › Toegang: ending access, unlocking and resetting a second factor change only
/// the named account inside its tenant, each in one transaction with its audit entry.
async fn access_changes_stay_inside_their_tenant_and_are_audited(backend: Backend) {
    let s = setup(backend).await;
    let a = apply(s.store.as_ref(), "siloah").await;
    let b = apply(s.store.as_ref(), "salem").await;
    let thomas = s.store.create_client(a, &origin(), &new_client("SIL-1001", "Thomas", "Vries")).await.unwrap();
    let sanne = s.store.create_client(a, &origin(), &new_client("SIL-1002", "Sanne", "Bakker")).await.unwrap();
    let ingrid = account_in(s.store.as_ref(), a, "ingrid@example.nl").await;
    s.store.link_account(a, &origin(), ingrid, thomas.id, Relation::Representative).await.unwrap();
    s.store.link_account(a, &origin(), ingrid, sanne.id, Relation::Contact).await.unwrap();
    s.store.set_password(a, &origin(), ingrid, "$h", false, None).await.unwrap();
    s.store.set_sms_factor(a, &origin(), ingrid, "+31612345678").await.unwrap();
    let session = |hash: &str| NewSession {
        token_hash: hash.to_owned(),
        account: ingrid,
        stage: SessionStage::Active,
        expires_at: s.clock.now() + chrono::Duration::hours(8),
        ip: None,
        user_agent: None,
    };
    s.store.create_session(a, &session("h1")).await.unwrap();
    s.store.set_session_client(a, "h1", thomas.id).await.unwrap();

    let people = s.store.client_access(a, thomas.id).await.unwrap();
    assert_eq!(people.len(), 1);
    assert_eq!((people[0].account.id, people[0].relation), (ingrid, Relation::Representative));
    assert_eq!(people[0].factor, Some(careportal_domain::signin::FactorMethod::Sms));
    assert!(s.store.client_access(b, thomas.id).await.unwrap().is_empty(), "nothing through another tenant");

    // Through another tenant nothing moves.
    assert!(!s.store.end_access(b, &origin(), ingrid, thomas.id).await.unwrap());
    assert!(!s.store.reset_second_factor(b, &origin(), ingrid, "x").await.unwrap());
    s.store.lock_account(a, ingrid, s.clock.now() + chrono::Duration::minutes(15)).await.unwrap();
    assert!(!s.store.unlock_account(b, &origin(), ingrid, s.clock.now()).await.unwrap());
    assert!(s.store.credentials(a, ingrid).await.unwrap().unwrap().is_locked(s.clock.now()));

    // Ending Thomas keeps Sanne and the session, which no longer has Thomas open.
    assert!(s.store.end_access(a, &origin(), ingrid, thomas.id).await.unwrap());
    assert!(!s.store.end_access(a, &origin(), ingrid, thomas.id).await.unwrap(), "once");
    assert_eq!(s.store.account_links(a, ingrid).await.unwrap().len(), 1);
    assert_eq!(s.store.session(a, "h1").await.unwrap().unwrap().client, None);
    // Ending the last client signs the account out.
    assert!(s.store.end_access(a, &origin(), ingrid, sanne.id).await.unwrap());
    assert!(s.store.session(a, "h1").await.unwrap().is_none());

    assert!(s.store.unlock_account(a, &origin(), ingrid, s.clock.now()).await.unwrap());
    assert!(!s.store.unlock_account(a, &origin(), ingrid, s.clock.now()).await.unwrap(), "not locked now");
    s.store.create_session(a, &session("h2")).await.unwrap();
    assert!(s.store.reset_second_factor(a, &origin(), ingrid, "teruggebeld").await.unwrap());
    assert!(s.store.second_factor(a, ingrid).await.unwrap().is_none());
    assert!(s.store.session(a, "h2").await.unwrap().is_none(), "signed out with the old factor");
    assert!(!s.store.reset_second_factor(a, &origin(), ingrid, "teruggebeld").await.unwrap());

    // Contact details: only inside the tenant, with the username when asked.
    let email = careportal_domain::people::Email::parse("ingrid.nieuw@example.nl").unwrap();
    let username = careportal_domain::people::Username::parse("ingrid.nieuw@example.nl").unwrap();
    let change = careportal_store::ContactChange {
        email: Some(&email),
        username: Some(&username),
        sms_number: None,
        how_checked: "teruggebeld",
    };
    assert!(matches!(s.store.change_contact(b, &origin(), ingrid, &change).await, Err(StoreError::NotFound)));
    s.store.change_contact(a, &origin(), ingrid, &change).await.unwrap();
    let changed = s.store.account(a, ingrid).await.unwrap().unwrap();
    assert_eq!(
        (changed.email.as_str(), changed.username.as_str()),
        ("ingrid.nieuw@example.nl", "ingrid.nieuw@example.nl")
    );
    let other = account_in(s.store.as_ref(), a, "pieter@example.nl").await;
    let theirs = careportal_domain::people::Username::parse("pieter@example.nl").unwrap();
    let clash =
        careportal_store::ContactChange { email: None, username: Some(&theirs), sms_number: None, how_checked: "x" };
    assert!(matches!(s.store.change_contact(a, &origin(), ingrid, &clash).await, Err(StoreError::Conflict(_))));
    assert_eq!(s.store.account(a, other).await.unwrap().unwrap().username.as_str(), "pieter@example.nl");

    let actions: Vec<(String, String)> =
        s.store.audit(a, 100).await.unwrap().into_iter().map(|e| (e.action, e.detail)).collect();
    assert_eq!(
        actions.iter().filter(|(a, _)| a == "account.details_changed").count(),
        1,
        "the refused one left nothing"
    );
    assert_eq!(actions.iter().filter(|(a, _)| a == "access.ended").count(), 2);
    assert_eq!(actions.iter().filter(|(a, _)| a == "account.unlocked").count(), 1);
    assert!(actions.iter().any(|(a, d)| a == "factor.reset" && d.contains("identiteit gecontroleerd: teruggebeld")));
    assert!(!s.store.audit(b, 100).await.unwrap().iter().any(|e| e.action == "access.ended"));
}

async fn a_caseload_holds_the_tenants_own_clients_and_each_change_is_audited(backend: Backend) {
    let s = setup(backend).await;
    let a = apply(s.store.as_ref(), "siloah").await;
    let b = apply(s.store.as_ref(), "salem").await;
    let thomas = s.store.create_client(a, &origin(), &new_client("SIL-1001", "Thomas", "Vries")).await.unwrap();
    let sanne = s.store.create_client(a, &origin(), &new_client("SIL-1002", "Sanne", "Bakker")).await.unwrap();
    let elsewhere = s.store.create_client(b, &origin(), &new_client("SAL-2001", "Johanna", "Berg")).await.unwrap();
    let lisa = account_in(s.store.as_ref(), a, "lisa@example.nl").await;
    s.store.add_staff_role(a, &origin(), lisa, careportal_domain::staff::StaffRole::Coordinator).await.unwrap();

    assert!(s.store.caseload(a, lisa).await.unwrap().is_empty());
    assert_eq!(s.store.set_caseload(a, &origin(), lisa, &[thomas.id, thomas.id]).await.unwrap(), (1, 0));
    assert_eq!(s.store.caseload(a, lisa).await.unwrap(), vec![thomas.id]);
    // Another tenant's client is refused whole: nothing of the change is kept.
    assert!(matches!(
        s.store.set_caseload(a, &origin(), lisa, &[thomas.id, sanne.id, elsewhere.id]).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(s.store.caseload(a, lisa).await.unwrap(), vec![thomas.id]);
    assert!(s.store.caseload(b, lisa).await.unwrap().is_empty(), "nothing through another tenant");
    assert!(matches!(s.store.set_caseload(b, &origin(), lisa, &[thomas.id]).await, Err(StoreError::NotFound)));
    // Sanne in, Thomas out; the same again changes nothing.
    assert_eq!(s.store.set_caseload(a, &origin(), lisa, &[sanne.id]).await.unwrap(), (1, 1));
    assert_eq!(s.store.set_caseload(a, &origin(), lisa, &[sanne.id]).await.unwrap(), (0, 0));
    assert_eq!(s.store.caseload(a, lisa).await.unwrap(), vec![sanne.id]);

    let log = s.store.audit(a, 100).await.unwrap();
    let of = |action: &str| -> Vec<Option<ClientId>> {
        log.iter().filter(|e| e.action == action).map(|e| e.client).collect()
    };
    let mut assigned = of("caseload.assigned");
    assigned.sort_by_key(|c| c.map(|c| c.to_string()));
    let mut expected = vec![Some(thomas.id), Some(sanne.id)];
    expected.sort_by_key(|c| c.map(|c| c.to_string()));
    assert_eq!(assigned, expected);
    assert_eq!(of("caseload.unassigned"), vec![Some(thomas.id)]);
    assert!(!s.store.audit(b, 100).await.unwrap().iter().any(|e| e.action.starts_with("caseload.")));

    // The caseload goes with the coordinator role.
    assert!(
        s.store.remove_staff_role(a, &origin(), lisa, careportal_domain::staff::StaffRole::Coordinator).await.unwrap()
    );
    assert!(s.store.caseload(a, lisa).await.unwrap().is_empty());
}
