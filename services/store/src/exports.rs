//! "Download mijn dossier": the requests, what the worker made of them, and their expiry.
//! Only the account that asked reaches its ZIP.

use crate::StoreResult;
use async_trait::async_trait;
use careportal_domain::audit::Origin;
use careportal_domain::ids::ExportId;
use careportal_domain::record::exports::DossierExport;
use careportal_domain::{AccountId, ClientId, TenantId};
use chrono::{DateTime, Utc};

#[async_trait]
pub trait ExportStore: Send + Sync {
    /// Asks for a ZIP of the client's dossier for `account`, audited (`dossier.requested`).
    /// One that still waits for the same person and client is returned instead of a second.
    async fn request_export(
        &self,
        tenant: TenantId,
        origin: &Origin,
        client: ClientId,
        account: AccountId,
    ) -> StoreResult<ExportId>;
    /// The requests still waiting to be made, oldest first.
    async fn waiting_exports(&self, tenant: TenantId, limit: u32) -> StoreResult<Vec<DossierExport>>;
    /// Marks a waiting request made; false when it no longer waited (made by another worker).
    async fn export_ready(
        &self,
        tenant: TenantId,
        id: ExportId,
        blob_key: &str,
        bytes: i64,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<bool>;
    async fn export_failed(&self, tenant: TenantId, id: ExportId, error: &str) -> StoreResult<()>;
    /// What `account` asked for of `client` and that has not expired, newest first.
    async fn exports_for(
        &self,
        tenant: TenantId,
        client: ClientId,
        account: AccountId,
    ) -> StoreResult<Vec<DossierExport>>;
    /// Made ZIPs whose time is up at `now`.
    async fn expired_exports(&self, tenant: TenantId, now: DateTime<Utc>) -> StoreResult<Vec<DossierExport>>;
    /// Marks a made ZIP gone (its blob deleted).
    async fn export_expired(&self, tenant: TenantId, id: ExportId) -> StoreResult<()>;
}
