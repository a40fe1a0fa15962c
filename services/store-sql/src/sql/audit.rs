//! The SQL behind [`careportal_store::AuditStore`]: the chained append, the chain read back
//! for `audit verify`, checkpoints, and the keyset-paged searches.

use super::common::{AUDIT_COLUMNS, audit_from_row, begin_write, insert_audits};
use super::{Db, SqlStore};
use async_trait::async_trait;
use careportal_domain::audit::{AuditCheckpoint, AuditEntry, AuditEvent};
use careportal_domain::{ClientId, TenantId};
use careportal_store::{AuditQuery, AuditStore, StoreResult};
use chrono::{DateTime, Utc};
use sqlx::Row;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::{mpsc, oneshot};

/// The most entries one transaction writes.
const MOST_PER_BATCH: usize = 256;
/// Entries that may wait for the writer before a request waits to hand its entry over.
const QUEUE: usize = 4096;

/// Group commit for the audit log. Every request that reads or writes client data appends
/// an entry and may not answer before it is committed (fail-closed); one transaction per
/// entry would make every page queue for the database's writer (SQLite has one; PostgreSQL
/// flushes its log per commit). So entries go to one writer per store, which commits
/// whatever has gathered while the previous batch was written, in one transaction, and then
/// tells each request its own outcome. The writer starts on first use, in the runtime that
/// uses it, and ends when the last clone of the store is gone.
#[derive(Clone, Default)]
pub(crate) struct AuditQueue(Arc<Mutex<Option<mpsc::Sender<Waiting>>>>);

impl std::fmt::Debug for AuditQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditQueue")
    }
}

pub(crate) struct Waiting {
    tenant: TenantId,
    event: AuditEvent,
    done: oneshot::Sender<StoreResult<()>>,
}

impl AuditQueue {
    fn sender(&self, pool: &sqlx::Pool<Db>, clock: &Arc<dyn careportal_domain::clock::Clock>) -> mpsc::Sender<Waiting> {
        let mut slot = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(sender) = slot.as_ref().filter(|s| !s.is_closed()) {
            return sender.clone();
        }
        let (sender, receiver) = mpsc::channel(QUEUE);
        tokio::spawn(write_batches(pool.clone(), clock.clone(), receiver));
        *slot = Some(sender.clone());
        sender
    }
}

async fn write_batches(
    pool: sqlx::Pool<Db>,
    clock: Arc<dyn careportal_domain::clock::Clock>,
    mut receiver: mpsc::Receiver<Waiting>,
) {
    let mut batch = Vec::with_capacity(MOST_PER_BATCH);
    while receiver.recv_many(&mut batch, MOST_PER_BATCH).await > 0 {
        let outcome = write_batch(&pool, clock.now(), &batch).await;
        if outcome.is_ok() || batch.len() == 1 {
            for waiting in batch.drain(..) {
                let _ = waiting.done.send(outcome.clone());
            }
            continue;
        }
        // One entry's failure must not become another's: each alone, with its own outcome.
        for waiting in batch.drain(..) {
            let outcome = write_batch(&pool, clock.now(), std::slice::from_ref(&waiting)).await;
            let _ = waiting.done.send(outcome);
        }
    }
}

/// The entries in one transaction, each tenant's in the order they came.
async fn write_batch(pool: &sqlx::Pool<Db>, at: DateTime<Utc>, batch: &[Waiting]) -> StoreResult<()> {
    let mut tenants: Vec<TenantId> = Vec::new();
    for waiting in batch {
        if !tenants.contains(&waiting.tenant) {
            tenants.push(waiting.tenant);
        }
    }
    let mut tx = begin_write(pool).await?;
    for tenant in tenants {
        let events: Vec<AuditEvent> = batch.iter().filter(|w| w.tenant == tenant).map(|w| w.event.clone()).collect();
        insert_audits(&mut tx, tenant, &events, at).await?;
    }
    tx.commit().await?;
    Ok(())
}

fn checkpoint_from_row(row: &super::DbRow) -> StoreResult<AuditCheckpoint> {
    Ok(AuditCheckpoint {
        tenant: TenantId::from_uuid(row.try_get("tenant_id")?),
        seq: row.try_get("seq")?,
        hash: row.try_get("hash")?,
        at: row.try_get("at")?,
        signature: row.try_get("signature")?,
    })
}

#[async_trait]
impl AuditStore for SqlStore {
    async fn append_audit(&self, tenant: TenantId, event: &AuditEvent) -> StoreResult<()> {
        let (done, written) = oneshot::channel();
        let waiting = Waiting { tenant, event: event.clone(), done };
        match self.audit_queue.sender(&self.pool, &self.clock).send(waiting).await {
            Ok(()) => written.await.unwrap_or_else(|_| {
                // The writer stopped (its runtime is ending) without saying whether the batch
                // was committed: fail closed rather than write the entry a second time.
                Err(careportal_store::StoreError::Unavailable("het logboek schrijft niet meer".into()))
            }),
            // No writer took it, so it is certainly not written: write it here.
            Err(mpsc::error::SendError(waiting)) => write_batch(&self.pool, self.now(), &[waiting]).await,
        }
    }

    async fn audit_of_client(&self, tenant: TenantId, client: ClientId, limit: u32) -> StoreResult<Vec<AuditEntry>> {
        self.search_audit(tenant, &AuditQuery { client: Some(client), ..AuditQuery::default() }, limit).await
    }

    async fn audit(&self, tenant: TenantId, limit: u32) -> StoreResult<Vec<AuditEntry>> {
        self.search_audit(tenant, &AuditQuery::default(), limit).await
    }

    async fn search_audit(&self, tenant: TenantId, query: &AuditQuery, limit: u32) -> StoreResult<Vec<AuditEntry>> {
        let mut sql =
            sqlx::QueryBuilder::<Db>::new(format!("SELECT {AUDIT_COLUMNS} FROM audit_log WHERE tenant_id = "));
        sql.push_bind(tenant.as_uuid());
        if let Some(from) = query.from {
            sql.push(" AND at >= ").push_bind(from);
        }
        if let Some(until) = query.until {
            sql.push(" AND at < ").push_bind(until);
        }
        if let Some(client) = query.client {
            sql.push(" AND client_id = ").push_bind(client.as_uuid());
        }
        if let Some(actor) = &query.actor {
            sql.push(" AND actor = ").push_bind(actor.clone());
        }
        match query.action.as_deref() {
            Some(prefix) if prefix.ends_with('.') => {
                // A prefix as a range, so the (tenant, action, at) index serves it on both
                // databases (LIKE would need a collation-specific index on PostgreSQL).
                let mut upper = prefix.trim_end_matches('.').to_owned();
                upper.push('/');
                sql.push(" AND action >= ").push_bind(prefix.to_owned()).push(" AND action < ").push_bind(upper);
            }
            Some(action) => {
                sql.push(" AND action = ").push_bind(action.to_owned());
            }
            None => {}
        }
        if let Some(outcome) = query.outcome {
            // A literal (from the enum, never from input), so the partial index of refusals
            // matches the query on both databases.
            sql.push(format!(" AND outcome = '{}'", outcome.as_str()));
        }
        if query.people_only {
            sql.push(" AND actor >= 'account:' AND actor < 'account;'");
        }
        if let Some(actor) = &query.exclude_actor {
            sql.push(" AND actor <> ").push_bind(actor.clone());
        }
        if let Some((at, seq)) = query.before {
            // `at <= ` first: a range the (…, at) indexes can start from; the OR alone makes
            // PostgreSQL walk the newer entries to reach the page.
            sql.push(" AND at <= ")
                .push_bind(at)
                .push(" AND (at < ")
                .push_bind(at)
                .push(" OR (at = ")
                .push_bind(at)
                .push(" AND COALESCE(seq, 0) < ")
                .push_bind(seq)
                .push("))");
        }
        sql.push(" ORDER BY at DESC, seq DESC LIMIT ").push_bind(i64::from(limit));
        let rows = sql.build().fetch_all(&self.pool).await?;
        rows.iter().map(audit_from_row).collect()
    }

    async fn audit_chain(&self, tenant: TenantId, after_seq: i64, limit: u32) -> StoreResult<Vec<AuditEntry>> {
        let rows = sqlx::query(&format!(
            "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT $3"
        ))
        .bind(tenant.as_uuid())
        .bind(after_seq)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(audit_from_row).collect()
    }

    async fn audit_unchained(&self, tenant: TenantId) -> StoreResult<u64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM audit_log WHERE tenant_id = $1 AND seq IS NULL")
            .bind(tenant.as_uuid())
            .fetch_one(&self.pool)
            .await?;
        Ok(u64::try_from(row.try_get::<i64, _>("n")?).unwrap_or(0))
    }

    async fn audit_head(&self, tenant: TenantId) -> StoreResult<(i64, String)> {
        let row = sqlx::query("SELECT seq, hash FROM audit_heads WHERE tenant_id = $1")
            .bind(tenant.as_uuid())
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(row) => Ok((row.try_get("seq")?, row.try_get("hash")?)),
            None => Ok((0, String::new())),
        }
    }

    async fn audit_pruned_to(&self, tenant: TenantId) -> StoreResult<i64> {
        let row = sqlx::query("SELECT pruned_to FROM audit_heads WHERE tenant_id = $1")
            .bind(tenant.as_uuid())
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(row) => row.try_get("pruned_to")?,
            None => 0,
        })
    }

    async fn prune_audit(&self, tenant: TenantId, through: i64) -> StoreResult<u64> {
        let mut tx = begin_write(&self.pool).await?;
        // The floor first: the triggers let only entries at or below it go.
        sqlx::query("UPDATE audit_heads SET pruned_to = $2 WHERE tenant_id = $1 AND pruned_to < $2")
            .bind(tenant.as_uuid())
            .bind(through)
            .execute(&mut *tx)
            .await?;
        let removed = sqlx::query("DELETE FROM audit_log WHERE tenant_id = $1 AND seq <= $2")
            .bind(tenant.as_uuid())
            .bind(through)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(removed)
    }

    async fn add_audit_checkpoint(&self, checkpoint: &AuditCheckpoint) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO audit_checkpoints (tenant_id, seq, hash, at, signature) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (tenant_id, seq) DO NOTHING",
        )
        .bind(checkpoint.tenant.as_uuid())
        .bind(checkpoint.seq)
        .bind(&checkpoint.hash)
        .bind(checkpoint.at)
        .bind(&checkpoint.signature)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn audit_checkpoint_before(
        &self,
        tenant: TenantId,
        before: DateTime<Utc>,
    ) -> StoreResult<Option<AuditCheckpoint>> {
        let row = sqlx::query(
            "SELECT tenant_id, seq, hash, at, signature FROM audit_checkpoints WHERE tenant_id = $1 AND at < $2 \
             ORDER BY seq DESC LIMIT 1",
        )
        .bind(tenant.as_uuid())
        .bind(before)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(checkpoint_from_row).transpose()
    }

    async fn audit_checkpoints(&self, tenant: TenantId) -> StoreResult<Vec<AuditCheckpoint>> {
        let rows = sqlx::query(
            "SELECT tenant_id, seq, hash, at, signature FROM audit_checkpoints WHERE tenant_id = $1 ORDER BY seq",
        )
        .bind(tenant.as_uuid())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(checkpoint_from_row).collect()
    }
}
