//! Careportal's storage: one [`Store`] trait and two implementations, SQLite (the embedded
//! default) and PostgreSQL (production), chosen by the scheme of the database URL.
//!
//! Rules every method keeps:
//! - a tenant-owned row is reached only through its tenant: the tenant id comes first in
//!   every call and is in every WHERE clause, so no URL or cookie can cross tenants;
//! - every write of client data appends its audit entry in the same transaction.
#![forbid(unsafe_code)]

mod connect;
mod error;
mod postgres;
mod records;
mod sql;
mod sqlite;

pub use connect::{Backend, ConnectOptions, connect};
pub use error::StoreError;
pub use postgres::PostgresStore;
pub use records::AppliedTenant;
pub use sqlite::SqliteStore;

use async_trait::async_trait;
use careportal_domain::audit::{AuditEntry, AuditEvent, Origin};
use careportal_domain::people::{
    Account, Client, ClientChanges, ClientLink, ClientReference, NewAccount, NewClient, Relation, Username,
};
use careportal_domain::tenant::{RightsPolicy, Tenant, TenantBundle};
use careportal_domain::{AccountId, ClientId, TenantId};
use std::collections::BTreeMap;

pub type StoreResult<T> = Result<T, StoreError>;

#[async_trait]
pub trait Store: Send + Sync + std::fmt::Debug + 'static {
    fn backend(&self) -> Backend;

    /// Applies the migrations that have not run yet.
    async fn migrate(&self) -> StoreResult<()>;
    /// A cheap round trip, for readiness checks.
    async fn ping(&self) -> StoreResult<()>;
    async fn close(&self);

    // --- Tenants. The tenant is what these find, so they are the only calls without one.

    /// Creates or updates the tenant with the bundle's slug; replaces its hostnames,
    /// template overrides and rights policy. A hostname of another tenant is a conflict.
    async fn apply_tenant(&self, origin: &Origin, bundle: &TenantBundle) -> StoreResult<AppliedTenant>;
    /// The tenant that serves `host` (lowercase, without port): a configured hostname, or
    /// `<slug>.localhost` when `dev_hosts` is on.
    async fn tenant_by_host(&self, host: &str, dev_hosts: bool) -> StoreResult<Option<Tenant>>;
    async fn tenant_by_slug(&self, slug: &str) -> StoreResult<Option<Tenant>>;
    async fn tenants(&self) -> StoreResult<Vec<Tenant>>;

    // --- Tenant-owned data: the tenant first, always.

    async fn tenant_hostnames(&self, tenant: TenantId) -> StoreResult<Vec<String>>;
    async fn tenant_logo(&self, tenant: TenantId) -> StoreResult<Option<String>>;
    async fn tenant_templates(&self, tenant: TenantId) -> StoreResult<BTreeMap<String, String>>;
    async fn tenant_rights(&self, tenant: TenantId) -> StoreResult<Option<RightsPolicy>>;

    async fn create_client(&self, tenant: TenantId, origin: &Origin, new: &NewClient) -> StoreResult<Client>;
    async fn client(&self, tenant: TenantId, id: ClientId) -> StoreResult<Option<Client>>;
    async fn client_by_reference(&self, tenant: TenantId, reference: &ClientReference) -> StoreResult<Option<Client>>;
    /// Clients by family name, then given name.
    async fn clients(&self, tenant: TenantId) -> StoreResult<Vec<Client>>;
    /// None when the client does not exist in this tenant.
    async fn update_client(
        &self,
        tenant: TenantId,
        origin: &Origin,
        id: ClientId,
        changes: &ClientChanges,
    ) -> StoreResult<Option<Client>>;

    async fn create_account(&self, tenant: TenantId, origin: &Origin, new: &NewAccount) -> StoreResult<Account>;
    async fn account(&self, tenant: TenantId, id: AccountId) -> StoreResult<Option<Account>>;
    async fn account_by_username(&self, tenant: TenantId, username: &Username) -> StoreResult<Option<Account>>;
    /// Links an account to a client of the same tenant; `NotFound` when either is not there.
    async fn link_account(
        &self,
        tenant: TenantId,
        origin: &Origin,
        account: AccountId,
        client: ClientId,
        relation: Relation,
    ) -> StoreResult<()>;
    /// The clients an account may act for.
    async fn account_links(&self, tenant: TenantId, account: AccountId) -> StoreResult<Vec<ClientLink>>;
    /// The accounts linked to a client, with their relation.
    async fn client_accounts(&self, tenant: TenantId, client: ClientId) -> StoreResult<Vec<(Account, Relation)>>;

    /// Ends portal access for clients whose care ended on or before `ended_on_or_before`:
    /// removes their account links, then the accounts left without any client. Returns the
    /// number of links removed. Safe to run on several workers at once.
    async fn end_access_after_care(
        &self,
        tenant: TenantId,
        origin: &Origin,
        ended_on_or_before: chrono::NaiveDate,
    ) -> StoreResult<u64>;

    async fn append_audit(&self, tenant: TenantId, event: &AuditEvent) -> StoreResult<()>;
    /// The newest entries first.
    async fn audit_of_client(&self, tenant: TenantId, client: ClientId, limit: u32) -> StoreResult<Vec<AuditEntry>>;
    async fn audit(&self, tenant: TenantId, limit: u32) -> StoreResult<Vec<AuditEntry>>;
}
