//! The SQL behind [`careportal_store::AuditStore`]: the chained append, the chain read back
//! for `audit verify`, checkpoints, and the keyset-paged searches.

use super::common::{AUDIT_COLUMNS, audit_from_row, begin_write, insert_audit};
use super::{Db, SqlStore};
use async_trait::async_trait;
use careportal_domain::audit::{AuditCheckpoint, AuditEntry, AuditEvent};
use careportal_domain::{ClientId, TenantId};
use careportal_store::{AuditQuery, AuditStore, StoreResult};
use chrono::{DateTime, Utc};
use sqlx::Row;

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
        let mut tx = begin_write(&self.pool).await?;
        insert_audit(&mut tx, tenant, event, self.now()).await?;
        tx.commit().await?;
        Ok(())
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
