//! The audit log (NEN 7513): appending, reading the chain back to verify it, the signed
//! checkpoints, and the searches of Beheer › Logboek and "Wie heeft mijn dossier bekeken".
//! Nothing here changes or removes an entry.

use crate::StoreResult;
use async_trait::async_trait;
use careportal_domain::audit::{AuditCheckpoint, AuditEntry, AuditEvent, Outcome};
use careportal_domain::{ClientId, TenantId};
use chrono::{DateTime, Utc};

/// A search of one tenant's log; every part optional. Newest first, in pages: `before` is
/// the (at, seq) of the last entry of the previous page, so a page costs the same at the
/// ten-millionth entry as at the first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// From this moment on (inclusive).
    pub from: Option<DateTime<Utc>>,
    /// Up to this moment (exclusive).
    pub until: Option<DateTime<Utc>>,
    pub client: Option<ClientId>,
    /// The actor as the log writes it (`account:<id>`, `system:<name>`).
    pub actor: Option<String>,
    /// An action name, or a prefix ending in a dot (`report.`).
    pub action: Option<String>,
    pub outcome: Option<Outcome>,
    /// Only what somebody did with the client's dossier themselves: reads, downloads,
    /// writes by people and staff; not the platform's own sync and housekeeping.
    pub people_only: bool,
    /// Leave out what this actor did (the person reading their own dossier's visits).
    pub exclude_actor: Option<String>,
    pub before: Option<(DateTime<Utc>, i64)>,
}

#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends an entry to the tenant's chain, in its own transaction.
    async fn append_audit(&self, tenant: TenantId, event: &AuditEvent) -> StoreResult<()>;
    /// The newest entries first.
    async fn audit_of_client(&self, tenant: TenantId, client: ClientId, limit: u32) -> StoreResult<Vec<AuditEntry>>;
    async fn audit(&self, tenant: TenantId, limit: u32) -> StoreResult<Vec<AuditEntry>>;
    /// One page of a search, newest first.
    async fn search_audit(&self, tenant: TenantId, query: &AuditQuery, limit: u32) -> StoreResult<Vec<AuditEntry>>;
    /// The chained entries after `after_seq`, in chain order, for `audit verify`.
    async fn audit_chain(&self, tenant: TenantId, after_seq: i64, limit: u32) -> StoreResult<Vec<AuditEntry>>;
    /// How many entries are from before the chain (no seq).
    async fn audit_unchained(&self, tenant: TenantId) -> StoreResult<u64>;
    /// The tenant's last seq and hash (0 and "" before its first entry).
    async fn audit_head(&self, tenant: TenantId) -> StoreResult<(i64, String)>;
    /// Up to which seq the tenant's log was pruned (0: never).
    async fn audit_pruned_to(&self, tenant: TenantId) -> StoreResult<i64>;
    /// Removes the tenant's entries up to and with `through` (the seq of a signed checkpoint,
    /// past the retention) and remembers it, so the chain is verified from that checkpoint.
    /// The database refuses this to the portal's own role on PostgreSQL: run it as the owner.
    async fn prune_audit(&self, tenant: TenantId, through: i64) -> StoreResult<u64>;
    async fn add_audit_checkpoint(&self, checkpoint: &AuditCheckpoint) -> StoreResult<()>;
    /// The tenant's newest checkpoint made before `before`.
    async fn audit_checkpoint_before(
        &self,
        tenant: TenantId,
        before: DateTime<Utc>,
    ) -> StoreResult<Option<AuditCheckpoint>>;
    /// The tenant's checkpoints, oldest first.
    async fn audit_checkpoints(&self, tenant: TenantId) -> StoreResult<Vec<AuditCheckpoint>>;
}
