//! The SQL behind [`careportal_store::ExportStore`].

use super::SqlStore;
use super::common::{begin_write, insert_audit};
use async_trait::async_trait;
use careportal_domain::audit::{AuditAction, Origin};
use careportal_domain::ids::ExportId;
use careportal_domain::record::exports::{DossierExport, ExportStatus};
use careportal_domain::{AccountId, ClientId, TenantId};
use careportal_store::{ExportStore, StoreError, StoreResult};
use chrono::{DateTime, Utc};
use sqlx::Row;

const COLUMNS: &str = "id, client_id, requested_by, requested_at, status, blob_key, bytes, ready_at, expires_at, error";

fn export_from_row(row: &super::DbRow) -> StoreResult<DossierExport> {
    let status: String = row.try_get("status")?;
    Ok(DossierExport {
        id: ExportId::from_uuid(row.try_get("id")?),
        client: ClientId::from_uuid(row.try_get("client_id")?),
        requested_by: AccountId::from_uuid(row.try_get("requested_by")?),
        requested_at: row.try_get("requested_at")?,
        status: ExportStatus::parse(&status).ok_or_else(|| StoreError::corrupt("dossier_exports", &status))?,
        blob_key: row.try_get("blob_key")?,
        bytes: row.try_get("bytes")?,
        ready_at: row.try_get("ready_at")?,
        expires_at: row.try_get("expires_at")?,
        error: row.try_get("error")?,
    })
}

#[async_trait]
impl ExportStore for SqlStore {
    async fn request_export(
        &self,
        tenant: TenantId,
        origin: &Origin,
        client: ClientId,
        account: AccountId,
    ) -> StoreResult<ExportId> {
        let now = self.now();
        let mut tx = begin_write(&self.pool).await?;
        let waiting = sqlx::query(
            "SELECT id FROM dossier_exports WHERE tenant_id = $1 AND client_id = $2 AND requested_by = $3 \
             AND status = 'waiting'",
        )
        .bind(tenant.as_uuid())
        .bind(client.as_uuid())
        .bind(account.as_uuid())
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = waiting {
            return Ok(ExportId::from_uuid(row.try_get("id")?));
        }
        let id = ExportId::new();
        sqlx::query(
            "INSERT INTO dossier_exports (tenant_id, id, client_id, requested_by, requested_at, status) \
             VALUES ($1, $2, $3, $4, $5, 'waiting')",
        )
        .bind(tenant.as_uuid())
        .bind(id.as_uuid())
        .bind(client.as_uuid())
        .bind(account.as_uuid())
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::classify(e, "downloadverzoek"))?;
        let event = origin.event(AuditAction::new("dossier.requested"), Some(client), id.to_string()).on("dossier");
        insert_audit(&mut tx, tenant, &event, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn waiting_exports(&self, tenant: TenantId, limit: u32) -> StoreResult<Vec<DossierExport>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM dossier_exports WHERE tenant_id = $1 AND status = 'waiting' \
             ORDER BY requested_at LIMIT $2"
        ))
        .bind(tenant.as_uuid())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(export_from_row).collect()
    }

    async fn export_ready(
        &self,
        tenant: TenantId,
        id: ExportId,
        blob_key: &str,
        bytes: i64,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE dossier_exports SET status = 'ready', blob_key = $3, bytes = $4, ready_at = $5, expires_at = $6 \
             WHERE tenant_id = $1 AND id = $2 AND status = 'waiting'",
        )
        .bind(tenant.as_uuid())
        .bind(id.as_uuid())
        .bind(blob_key)
        .bind(bytes)
        .bind(self.now())
        .bind(expires_at)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(done == 1)
    }

    async fn export_failed(&self, tenant: TenantId, id: ExportId, error: &str) -> StoreResult<()> {
        sqlx::query(
            "UPDATE dossier_exports SET status = 'failed', error = $3 WHERE tenant_id = $1 AND id = $2 \
             AND status = 'waiting'",
        )
        .bind(tenant.as_uuid())
        .bind(id.as_uuid())
        .bind(error)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn exports_for(
        &self,
        tenant: TenantId,
        client: ClientId,
        account: AccountId,
    ) -> StoreResult<Vec<DossierExport>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM dossier_exports WHERE tenant_id = $1 AND client_id = $2 AND requested_by = $3 \
             AND status <> 'expired' ORDER BY requested_at DESC LIMIT 20"
        ))
        .bind(tenant.as_uuid())
        .bind(client.as_uuid())
        .bind(account.as_uuid())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(export_from_row).collect()
    }

    async fn expired_exports(&self, tenant: TenantId, now: DateTime<Utc>) -> StoreResult<Vec<DossierExport>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM dossier_exports WHERE tenant_id = $1 AND status = 'ready' AND expires_at <= $2"
        ))
        .bind(tenant.as_uuid())
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(export_from_row).collect()
    }

    async fn export_expired(&self, tenant: TenantId, id: ExportId) -> StoreResult<()> {
        sqlx::query("UPDATE dossier_exports SET status = 'expired' WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.as_uuid())
            .bind(id.as_uuid())
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
