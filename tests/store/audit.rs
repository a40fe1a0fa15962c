//! The audit chain on both databases: appends of one tenant never fork it, however many
//! come at once; `audit verify` names the first broken link of a log changed around the
//! store (by a superuser, triggers off); and on PostgreSQL the portal's own database role
//! may read and append the log but neither change, delete nor empty it.

use super::{Setup, apply, new_client, origin, setup};
use careportal_app::audit::{AuditKey, Broken, checkpoint, prune, verify};
use careportal_domain::audit::{AuditAction, chain_hash};
use careportal_domain::clock::Clock;
use careportal_store::Store;
use careportal_tests::{Backend, on_both_backends};
use sqlx::Connection;
use std::sync::Arc;

on_both_backends!(
    appends_at_once_keep_one_unbroken_chain,
    an_append_that_cannot_be_written_fails_alone,
    a_change_made_around_the_store_is_found_and_named,
    a_rewritten_log_disagrees_with_its_signed_checkpoint,
    pruning_past_the_retention_keeps_the_chain_verifiable,
);

fn key() -> AuditKey {
    AuditKey::derive(&[42; 32])
}

/// Runs statements as the database's superuser with the append-only triggers out of the
/// way, as somebody with the server's keys could.
async fn tamper(s: &Setup, statements: &[String]) {
    match s.db.backend {
        Backend::Sqlite => {
            let mut conn = sqlx::SqliteConnection::connect(&s.db.url).await.unwrap();
            sqlx::query("DROP TRIGGER IF EXISTS audit_log_no_update").execute(&mut conn).await.unwrap();
            sqlx::query("DROP TRIGGER IF EXISTS audit_log_no_delete").execute(&mut conn).await.unwrap();
            for statement in statements {
                sqlx::query(statement).execute(&mut conn).await.unwrap();
            }
        }
        Backend::Postgres => {
            let mut conn = sqlx::PgConnection::connect(&s.db.url).await.unwrap();
            sqlx::query("SET session_replication_role = replica").execute(&mut conn).await.unwrap();
            for statement in statements {
                sqlx::query(statement).execute(&mut conn).await.unwrap();
            }
        }
    }
}

async fn some_entries(store: &dyn Store, tenant: careportal_domain::TenantId, count: usize) {
    let client = store.create_client(tenant, &origin(), &new_client("SIL-1", "Thomas", "Vries")).await.unwrap();
    for i in 0..count {
        let event = origin().event(AuditAction::RECORD_VIEWED, Some(client.id), format!("keer {i}")).on("reports");
        store.append_audit(tenant, &event).await.unwrap();
    }
}

async fn appends_at_once_keep_one_unbroken_chain(backend: Backend) {
    let s = setup(backend).await;
    let tenant = apply(s.store.as_ref(), "siloah").await;
    let other = apply(s.store.as_ref(), "salem").await;
    let client = s.store.create_client(tenant, &origin(), &new_client("SIL-1", "Thomas", "Vries")).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..40 {
        let store = Arc::clone(&s.store);
        tasks.push(tokio::spawn(async move {
            let (into, about) = if i % 4 == 0 { (other, None) } else { (tenant, Some(client.id)) };
            let event = origin().event(AuditAction::RECORD_VIEWED, about, format!("tegelijk {i}"));
            store.append_audit(into, &event).await.unwrap();
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    for (t, appended) in [(tenant, 30), (other, 10)] {
        let report = verify(s.store.as_ref(), &key(), t).await.unwrap();
        assert_eq!(report.broken, None);
        let (head, hash) = s.store.audit_head(t).await.unwrap();
        assert_eq!(report.entries, head);
        // tenant.applied, client.created (Siloah only) and the appends.
        assert_eq!(head, appended + if t == tenant { 2 } else { 1 });
        let chain = s.store.audit_chain(t, 0, 1_000).await.unwrap();
        let seqs: Vec<i64> = chain.iter().map(|e| e.seq.unwrap()).collect();
        assert_eq!(seqs, (1..=head).collect::<Vec<_>>());
        assert_eq!(chain.last().unwrap().hash.as_deref(), Some(hash.as_str()));
        assert_eq!(chain[0].prev_hash.as_deref(), Some(""));
    }
}

/// Appends that come at once are committed together (group commit); one that cannot be
/// written (here: for a tenant that does not exist) fails its own request, fail-closed, and
/// takes none of the others with it.
async fn an_append_that_cannot_be_written_fails_alone(backend: Backend) {
    let s = setup(backend).await;
    let tenant = apply(s.store.as_ref(), "siloah").await;
    let nowhere = careportal_domain::TenantId::new();
    let mut tasks = Vec::new();
    for i in 0..60 {
        let store = Arc::clone(&s.store);
        tasks.push(tokio::spawn(async move {
            let into = if i == 29 { nowhere } else { tenant };
            let event = origin().event(AuditAction::RECORD_VIEWED, None, format!("samen {i}"));
            (i, store.append_audit(into, &event).await)
        }));
    }
    for task in tasks {
        let (i, outcome) = task.await.unwrap();
        assert_eq!(outcome.is_err(), i == 29, "append {i}: {outcome:?}");
    }
    let report = verify(s.store.as_ref(), &key(), tenant).await.unwrap();
    assert_eq!(report.broken, None);
    // tenant.applied and the 59 that could be written.
    assert_eq!(s.store.audit_head(tenant).await.unwrap().0, 60);
    let details: Vec<String> =
        s.store.audit_chain(tenant, 1, 1_000).await.unwrap().into_iter().map(|e| e.detail).collect();
    assert_eq!(details.len(), 59);
    assert!(!details.contains(&"samen 29".to_owned()));
}

async fn a_change_made_around_the_store_is_found_and_named(backend: Backend) {
    let s = setup(backend).await;
    let tenant = apply(s.store.as_ref(), "siloah").await;
    some_entries(s.store.as_ref(), tenant, 8).await;
    assert_eq!(verify(s.store.as_ref(), &key(), tenant).await.unwrap().broken, None);

    // The detail of entry 5 changed: its hash no longer fits.
    tamper(&s, &["UPDATE audit_log SET detail = 'niets gezien' WHERE seq = 5".to_owned()]).await;
    let report = verify(s.store.as_ref(), &key(), tenant).await.unwrap();
    assert!(matches!(report.broken, Some(Broken::Changed { seq: 5, .. })), "{:?}", report.broken);
    assert_eq!(report.entries, 4, "the entries before the break are counted as sound");
    assert!(report.broken.unwrap().to_string().contains("#5"));

    // Its hash recomputed as well: now entry 6 names a hash that is no longer there.
    let mut changed = s.store.audit_chain(tenant, 4, 1).await.unwrap().remove(0);
    changed.hash = Some(chain_hash(&changed));
    let rehash = format!("UPDATE audit_log SET hash = '{}' WHERE seq = 5", changed.hash.unwrap());
    tamper(&s, &[rehash]).await;
    let report = verify(s.store.as_ref(), &key(), tenant).await.unwrap();
    assert!(matches!(report.broken, Some(Broken::Link { seq: 6, .. })), "{:?}", report.broken);

    // An entry taken out of the middle.
    tamper(&s, &["DELETE FROM audit_log WHERE seq = 3".to_owned()]).await;
    let report = verify(s.store.as_ref(), &key(), tenant).await.unwrap();
    assert_eq!(report.broken, Some(Broken::Gap { expected: 3, found: 4 }));
}

async fn a_rewritten_log_disagrees_with_its_signed_checkpoint(backend: Backend) {
    let s = setup(backend).await;
    let tenant = apply(s.store.as_ref(), "siloah").await;
    some_entries(s.store.as_ref(), tenant, 5).await;
    let written = checkpoint(s.store.as_ref(), &key(), tenant, s.clock.now(), chrono::Duration::minutes(15)).await;
    let vouched = written.unwrap().expect("a checkpoint for a chain that moved");
    // Nothing moved: no second checkpoint.
    let again = checkpoint(s.store.as_ref(), &key(), tenant, s.clock.now(), chrono::Duration::zero()).await.unwrap();
    assert_eq!(again, None);
    some_entries_after(&s, tenant).await;
    let report = verify(s.store.as_ref(), &key(), tenant).await.unwrap();
    assert_eq!(report.broken, None);
    assert_eq!(report.last_checkpoint, Some((vouched.seq, vouched.at)));

    // The tail cut off, the head set back: the checkpoint still says there was more.
    let head = vouched.seq - 2;
    let chain = s.store.audit_chain(tenant, head - 1, 1).await.unwrap();
    let head_hash = chain[0].hash.clone().unwrap();
    tamper(
        &s,
        &[
            format!("DELETE FROM audit_log WHERE seq > {head}"),
            format!("UPDATE audit_heads SET seq = {head}, hash = '{head_hash}'"),
        ],
    )
    .await;
    let report = verify(s.store.as_ref(), &key(), tenant).await.unwrap();
    assert_eq!(report.broken, Some(Broken::Truncated { last: head, head: vouched.seq }));

    // A checkpoint made without the key is found for what it is.
    let forged = AuditKey::derive(&[1; 32]).sign(tenant, head, &head_hash, s.clock.now());
    s.store.add_audit_checkpoint(&forged).await.unwrap();
    let report = verify(s.store.as_ref(), &key(), tenant).await.unwrap();
    assert_eq!(report.broken, Some(Broken::ForgedCheckpoint { seq: head }));
}

async fn some_entries_after(s: &Setup, tenant: careportal_domain::TenantId) {
    for i in 0..3 {
        let event = origin().event(AuditAction::new("test.after"), None, format!("na {i}"));
        s.store.append_audit(tenant, &event).await.unwrap();
    }
}

/// The portal's login role in production is a member of `careportal_app` (migration 0027):
/// through it the store works as always, but the log can only be read and appended.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_the_portal_role_may_only_append_to_the_log() {
    let s = setup(Backend::Postgres).await;
    let tenant = apply(s.store.as_ref(), "siloah").await;
    let login = format!("cp_portal_{}", uuid::Uuid::new_v4().simple());
    let mut admin = sqlx::PgConnection::connect(&s.db.url).await.unwrap();
    sqlx::query(&format!("CREATE ROLE {login} LOGIN IN ROLE careportal_app")).execute(&mut admin).await.unwrap();
    let as_portal = s.db.url.replacen("postgres://postgres@", &format!("postgres://{login}@"), 1);
    assert_ne!(as_portal, s.db.url);

    // The store, as `careportal serve` runs it, works under the role: writes with their
    // audit entries, reads, the chain.
    let options = careportal_store_sql::ConnectOptions {
        url: as_portal.clone(),
        data_dir: s.db.data_dir(),
        max_connections: 2,
        clock: Arc::new(s.clock.clone()),
    };
    let portal = careportal_store_sql::connect(&options).await.unwrap();
    // `serve` migrates on start: with nothing left to run, that is fine under this role.
    portal.migrate().await.unwrap();
    some_entries(portal.as_ref(), tenant, 3).await;
    assert_eq!(verify(portal.as_ref(), &key(), tenant).await.unwrap().broken, None);
    let signed = checkpoint(portal.as_ref(), &key(), tenant, s.clock.now(), chrono::Duration::zero()).await;
    let signed = signed.unwrap().unwrap();
    // Pruning is the owner's: the portal cannot, and nothing of the attempt stays.
    let refused = portal.prune_audit(tenant, signed.seq).await.unwrap_err().to_string();
    assert!(refused.contains("permission denied"), "{refused}");
    assert_eq!(portal.audit_pruned_to(tenant).await.unwrap(), 0);
    portal.close().await;

    let mut conn = sqlx::PgConnection::connect(&as_portal).await.unwrap();
    for statement in [
        "UPDATE audit_log SET detail = 'weg'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
        "UPDATE audit_checkpoints SET hash = ''",
        "DELETE FROM audit_checkpoints",
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change",
        "SET session_replication_role = replica",
    ] {
        let error = sqlx::query(statement).execute(&mut conn).await.expect_err(statement).to_string();
        assert!(error.contains("permission denied") || error.contains("must be owner"), "{statement}: {error}");
    }
    conn.close().await.unwrap();
    drop(s);
    // The role owns nothing; it goes once the database is gone.
    let mut admin = sqlx::PgConnection::connect(&careportal_tests::db::postgres_admin_url()).await.unwrap();
    let _ = sqlx::query(&format!("DROP ROLE IF EXISTS {login}")).execute(&mut admin).await;
}

async fn pruning_past_the_retention_keeps_the_chain_verifiable(backend: Backend) {
    let s = setup(backend).await;
    let tenant = apply(s.store.as_ref(), "siloah").await;
    let siloah = s.store.tenant_by_slug("siloah").await.unwrap().unwrap();
    assert_eq!(siloah.config.audit.retention_years, 5, "the default");
    some_entries(s.store.as_ref(), tenant, 4).await;
    let old = checkpoint(s.store.as_ref(), &key(), tenant, s.clock.now(), chrono::Duration::zero()).await;
    let old = old.unwrap().unwrap();
    // Within the retention nothing goes.
    s.clock.advance(chrono::Duration::days(365 * 4));
    some_entries_after(&s, tenant).await;
    assert_eq!(prune(s.store.as_ref(), &key(), &siloah, s.clock.now()).await.unwrap(), 0);
    // Past five years, everything up to the old checkpoint goes; the rest still verifies.
    s.clock.advance(chrono::Duration::days(365 * 2));
    some_entries_after(&s, tenant).await;
    let (head, _) = s.store.audit_head(tenant).await.unwrap();
    let removed = prune(s.store.as_ref(), &key(), &siloah, s.clock.now()).await.unwrap();
    assert_eq!(removed, u64::try_from(old.seq).unwrap());
    let report = verify(s.store.as_ref(), &key(), tenant).await.unwrap();
    assert_eq!(report.broken, None);
    assert_eq!((report.pruned_to, report.entries), (old.seq, head - old.seq));
    assert_eq!(s.store.audit_chain(tenant, 0, 1).await.unwrap()[0].seq, Some(old.seq + 1));

    // What is left stays append-only, even for the owner.
    let statement = format!("DELETE FROM audit_log WHERE seq = {}", old.seq + 1);
    let refused = match s.db.backend {
        Backend::Sqlite => {
            let mut conn = sqlx::SqliteConnection::connect(&s.db.url).await.unwrap();
            sqlx::query(&statement).execute(&mut conn).await.map(|_| ())
        }
        Backend::Postgres => {
            let mut conn = sqlx::PgConnection::connect(&s.db.url).await.unwrap();
            sqlx::query(&statement).execute(&mut conn).await.map(|_| ())
        }
    };
    assert!(refused.unwrap_err().to_string().contains("append-only"));

    // A beginning moved to where no checkpoint stands is found.
    tamper(&s, &[format!("UPDATE audit_heads SET pruned_to = {}", old.seq + 2)]).await;
    let report = verify(s.store.as_ref(), &key(), tenant).await.unwrap();
    assert_eq!(report.broken, Some(Broken::PrunedWithoutCheckpoint { seq: old.seq + 2 }));
}
