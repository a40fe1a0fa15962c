//! Careportal's storage contract: the [`Store`] trait (with its areas [`RecordStore`],
//! [`DocumentStore`] and [`SyncStore`]), the types that cross it and [`StoreError`]. No SQL:
//! the two implementations, SQLite (the embedded default) and PostgreSQL (production), live
//! in `careportal-store-sql`, which only the binary and the tests depend on, so an edit to a
//! query rebuilds neither the web layer nor anything else above the store.
//!
//! Rules every method keeps:
//! - a tenant-owned row is reached only through its tenant: the tenant id comes first in
//!   every call and is in every WHERE clause, so no URL or cookie can cross tenants;
//! - every write of client data appends its audit entry in the same transaction.
#![forbid(unsafe_code)]

mod access;
mod audit;
mod documents;
mod error;
mod exports;
mod invitations;
mod record;
mod records;
mod sync;

pub use access::{AccessRow, AccessStore, ContactChange};
pub use audit::{AuditQuery, AuditStore};
pub use documents::DocumentStore;
pub use error::StoreError;
pub use exports::ExportStore;
pub use invitations::InvitationStore;
pub use record::{ConsentAnswer, EcdItem, RecordStore, Upserted};
pub use records::{AppliedTenant, CareContext, CareLink, MessageStatus, MessagesWaiting, PoolUse};
pub use sync::{
    EcdAppointment, EcdForm, EcdMeasurement, EcdMessage, EcdReport, OutboxDepth, ParkedItem, StreamClaim, StreamFinish,
    SyncStore,
};

use async_trait::async_trait;
use careportal_domain::audit::Origin;
use careportal_domain::outbox::{MessageId, NewMessage, OutboxMessage};
use careportal_domain::people::{
    Account, Client, ClientChanges, ClientLink, ClientReference, NewAccount, NewClient, Relation, Username,
};
use careportal_domain::signin::{
    CodePurpose, Credentials, NewCode, NewDevice, NewSession, SecondFactor, Session, SmsCount, StoredCode,
    TrustedDevice,
};
use careportal_domain::tenant::{RightsPolicy, Tenant, TenantBundle};
use careportal_domain::{AccountId, ClientId, TenantId};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

pub type StoreResult<T> = Result<T, StoreError>;

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

#[async_trait]
pub trait Store:
    AccessStore
    + RecordStore
    + DocumentStore
    + SyncStore
    + InvitationStore
    + AuditStore
    + ExportStore
    + Send
    + Sync
    + std::fmt::Debug
    + 'static
{
    fn backend(&self) -> Backend;

    /// Applies the migrations that have not run yet.
    async fn migrate(&self) -> StoreResult<()>;
    /// A cheap round trip, for readiness checks.
    async fn ping(&self) -> StoreResult<()>;
    /// The connection pool as it is now (for the metrics).
    fn pool_use(&self) -> PoolUse;
    async fn close(&self);

    // --- Tenants. The tenant is what these find, so they are the only calls without one.

    /// Creates or updates the tenant with the bundle's slug; replaces its hostnames,
    /// template overrides and rights policy. A hostname of another tenant is a conflict.
    async fn apply_tenant(&self, origin: &Origin, bundle: &TenantBundle) -> StoreResult<AppliedTenant>;
    /// The tenant that serves `host` (lowercase, without port): a configured hostname, or
    /// `<slug>.localhost` when `dev_hosts` is on.
    async fn tenant_by_host(&self, host: &str, dev_hosts: bool) -> StoreResult<Option<Tenant>>;
    /// Only the id and version of the tenant that serves `host`: what a request asks first,
    /// so an instance that holds this version already parsed need not read the rest.
    async fn tenant_version_by_host(&self, host: &str, dev_hosts: bool) -> StoreResult<Option<(TenantId, i64)>>;
    /// Suspends (or resumes) the tenant, audited (`tenant.suspended` / `tenant.resumed`);
    /// the version rises, so every instance serves the change at its next request. False
    /// when it already was so.
    async fn set_tenant_suspended(&self, origin: &Origin, tenant: TenantId, suspended: bool) -> StoreResult<bool>;
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
    /// Remembers how the person wants the pages (not client data: not audited).
    async fn set_display(
        &self,
        tenant: TenantId,
        account: AccountId,
        display: careportal_domain::people::Display,
    ) -> StoreResult<()>;
    /// Links an account to a client of the same tenant; `NotFound` when either is not there.
    /// An existing link is never changed (an invitation must not upgrade a contact person to
    /// representative): false when the account already had one.
    async fn link_account(
        &self,
        tenant: TenantId,
        origin: &Origin,
        account: AccountId,
        client: ClientId,
        relation: Relation,
    ) -> StoreResult<bool>;
    /// The clients an account may act for.
    async fn account_links(&self, tenant: TenantId, account: AccountId) -> StoreResult<Vec<ClientLink>>;
    /// [`Store::account_links`] with each client's photo and whether they receive invoices,
    /// and whether the account is staff: a care page's context, one statement when linked.
    async fn care_context(&self, tenant: TenantId, account: AccountId) -> StoreResult<CareContext>;
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

    /// The rights the client gave this account for their portal.
    async fn grants(
        &self,
        tenant: TenantId,
        client: ClientId,
        account: AccountId,
    ) -> StoreResult<Vec<careportal_domain::rights::Grant>>;
    /// Replaces the account's rights for the client (audited with what changed). `NotFound`
    /// when the account is not linked to the client.
    async fn set_grants(
        &self,
        tenant: TenantId,
        origin: &Origin,
        client: ClientId,
        account: AccountId,
        grants: &[careportal_domain::rights::Grant],
    ) -> StoreResult<()>;

    /// Gives an account a staff role (idempotent).
    async fn add_staff_role(
        &self,
        tenant: TenantId,
        origin: &Origin,
        account: AccountId,
        role: careportal_domain::staff::StaffRole,
    ) -> StoreResult<()>;
    async fn staff_roles(
        &self,
        tenant: TenantId,
        account: AccountId,
    ) -> StoreResult<Vec<careportal_domain::staff::StaffRole>>;

    // --- Sign-in.

    async fn credentials(&self, tenant: TenantId, account: AccountId) -> StoreResult<Option<Credentials>>;
    /// Sets a password (hash) and keeps the hash in the history for the reuse rule; clears
    /// failures and locks. `must_change` marks a one-time password valid until `expires_at`.
    async fn set_password(
        &self,
        tenant: TenantId,
        origin: &Origin,
        account: AccountId,
        password_hash: &str,
        must_change: bool,
        expires_at: Option<DateTime<Utc>>,
    ) -> StoreResult<()>;
    /// Hashes of the passwords set at or after `since`, newest first.
    async fn password_history(
        &self,
        tenant: TenantId,
        account: AccountId,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<String>>;
    /// Counts a failed login and returns the new count; `lock_until` locks the account.
    async fn record_login_failure(&self, tenant: TenantId, account: AccountId) -> StoreResult<u32>;
    /// Takes one password check of the account's lock round: false when the account is
    /// locked at `now` or `max` checks were taken since the last lock or success. One
    /// statement, so parallel guesses cannot all be checked before their failures count.
    async fn take_password_try(
        &self,
        tenant: TenantId,
        account: AccountId,
        max: u32,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Gives back a try taken by a check that found the right password: only guesses use up
    /// the round (a person who gets the password right and then abandons the code step,
    /// five times, must not be refused the sixth time).
    async fn give_back_password_try(&self, tenant: TenantId, account: AccountId) -> StoreResult<()>;
    async fn lock_account(&self, tenant: TenantId, account: AccountId, until: DateTime<Utc>) -> StoreResult<()>;
    async fn record_login_success(&self, tenant: TenantId, account: AccountId) -> StoreResult<()>;

    async fn second_factor(&self, tenant: TenantId, account: AccountId) -> StoreResult<Option<SecondFactor>>;
    /// Activates an authenticator app (sealed secret) with the step its first code used.
    async fn set_totp_factor(
        &self,
        tenant: TenantId,
        origin: &Origin,
        account: AccountId,
        sealed_secret: &str,
        step: i64,
    ) -> StoreResult<()>;
    /// Takes TOTP `step` for the account when it is newer than the last one taken: true once
    /// per step, on every instance.
    async fn claim_totp_step(&self, tenant: TenantId, account: AccountId, step: i64) -> StoreResult<bool>;
    /// Removes the account's second factor, so the next step is activating a new one.
    async fn delete_second_factor(&self, tenant: TenantId, origin: &Origin, account: AccountId) -> StoreResult<bool>;
    /// Activates SMS to an E.164 number (replacing an app, if there was one).
    async fn set_sms_factor(
        &self,
        tenant: TenantId,
        origin: &Origin,
        account: AccountId,
        phone: &str,
    ) -> StoreResult<()>;

    /// Sets (or with `None` removes) the mobile number an Authenticator App user receives
    /// Bevestigingscodes on; false when the account's factor is not the app.
    async fn set_confirmation_phone(
        &self,
        tenant: TenantId,
        origin: &Origin,
        account: AccountId,
        phone: Option<&str>,
    ) -> StoreResult<bool>;

    async fn create_code(&self, tenant: TenantId, code: &NewCode) -> StoreResult<()>;
    /// The newest code of a session for a purpose that can still be used.
    async fn current_code(
        &self,
        tenant: TenantId,
        session_hash: &str,
        purpose: CodePurpose,
    ) -> StoreResult<Option<StoredCode>>;
    /// Takes one of the code's tries before it is compared: true at most
    /// [`careportal_domain::signin::CODE_MAX_FAILURES`] times per code, however many requests
    /// ask at once on however many instances; false for a used code.
    async fn take_code_try(&self, tenant: TenantId, id: uuid::Uuid) -> StoreResult<bool>;
    /// Counts a wrong try; returns the count.
    async fn code_failed(&self, tenant: TenantId, id: uuid::Uuid) -> StoreResult<u32>;
    /// Uses a code: true once, only while it is valid.
    async fn use_code(&self, tenant: TenantId, id: uuid::Uuid) -> StoreResult<bool>;
    /// Codes sent since `since`, for an account, a number or the whole tenant.
    async fn codes_sent_since(&self, tenant: TenantId, whose: SmsCount<'_>, since: DateTime<Utc>) -> StoreResult<u32>;

    async fn create_session(&self, tenant: TenantId, new: &NewSession) -> StoreResult<()>;
    async fn session(&self, tenant: TenantId, token_hash: &str) -> StoreResult<Option<Session>>;
    /// The session with its account, in one read: every signed-in page needs both. None when
    /// either is gone.
    async fn session_with_account(&self, tenant: TenantId, token_hash: &str)
    -> StoreResult<Option<(Session, Account)>>;
    async fn touch_session(&self, tenant: TenantId, token_hash: &str) -> StoreResult<()>;
    /// Replaces a session by a new one (new token, new stage): the old token stops working.
    async fn rotate_session(&self, tenant: TenantId, old_hash: &str, new: &NewSession) -> StoreResult<()>;
    async fn set_pending_totp(&self, tenant: TenantId, token_hash: &str, sealed: Option<&str>) -> StoreResult<()>;
    async fn set_pending_phone(&self, tenant: TenantId, token_hash: &str, phone: Option<&str>) -> StoreResult<()>;
    /// Opens a client's portal in this session (the caller has checked the account's link).
    async fn set_session_client(&self, tenant: TenantId, token_hash: &str, client: ClientId) -> StoreResult<()>;
    async fn delete_session(&self, tenant: TenantId, token_hash: &str) -> StoreResult<()>;
    /// Ends every session of an account; returns how many.
    async fn delete_account_sessions(&self, tenant: TenantId, account: AccountId) -> StoreResult<u64>;

    // --- Rate limits.

    /// Adds one to the counter `key` in the window starting at `window_start` and returns the
    /// new count.
    async fn count_hit(&self, tenant: TenantId, key: &str, window_start: DateTime<Utc>) -> StoreResult<u32>;
    /// The counter's value without adding to it.
    async fn hits(&self, tenant: TenantId, key: &str, window_start: DateTime<Utc>) -> StoreResult<u32>;
    /// Counts one for `key` in the window only while it is below `limit`, in one statement:
    /// false (and nothing counted) at the limit, however many ask at once.
    async fn take_hit(&self, tenant: TenantId, key: &str, window_start: DateTime<Utc>, limit: u32)
    -> StoreResult<bool>;
    /// Gives back one taken with `take_hit` (the attempt turned out not to count).
    async fn give_back_hit(&self, tenant: TenantId, key: &str, window_start: DateTime<Utc>) -> StoreResult<()>;
    /// Forgets windows that started before `before`; returns how many.
    async fn purge_hits(&self, tenant: TenantId, before: DateTime<Utc>) -> StoreResult<u64>;
    /// Deletes sign-in data that can no longer be used: sessions past their end or idle for
    /// `idle_minutes`, and codes, reset links and devices that ended before `before`.
    async fn purge_sign_in(&self, tenant: TenantId, idle_minutes: u32, before: DateTime<Utc>) -> StoreResult<u64>;

    // --- Trusted devices.

    async fn trust_device(&self, tenant: TenantId, origin: &Origin, device: &NewDevice) -> StoreResult<()>;
    /// The live (not revoked, not expired) device with this token hash.
    async fn trusted_device(&self, tenant: TenantId, token_hash: &str) -> StoreResult<Option<TrustedDevice>>;
    /// Records a use and slides the expiry.
    async fn use_device(&self, tenant: TenantId, id: uuid::Uuid, expires_at: DateTime<Utc>) -> StoreResult<()>;
    async fn devices(&self, tenant: TenantId, account: AccountId) -> StoreResult<Vec<TrustedDevice>>;
    /// Revokes one device of the account (None: all of them); returns how many.
    async fn revoke_devices(
        &self,
        tenant: TenantId,
        origin: &Origin,
        account: AccountId,
        id: Option<uuid::Uuid>,
    ) -> StoreResult<u64>;

    // --- The outbox: e-mail and SMS on their way out.

    async fn enqueue_message(&self, tenant: TenantId, message: &NewMessage) -> StoreResult<()>;
    /// Claims up to `limit` messages that are due, for `lease_seconds`; each claim counts as
    /// an attempt. A message claimed by one sender is not handed to another until the lease
    /// ends, on every instance.
    async fn claim_messages(&self, tenant: TenantId, limit: u32, lease_seconds: i64)
    -> StoreResult<Vec<OutboxMessage>>;
    async fn message_sent(&self, tenant: TenantId, id: MessageId) -> StoreResult<()>;
    async fn message_retry(&self, tenant: TenantId, id: MessageId, at: DateTime<Utc>, error: &str) -> StoreResult<()>;
    async fn message_failed(&self, tenant: TenantId, id: MessageId, error: &str) -> StoreResult<()>;
    async fn message_status(&self, tenant: TenantId, id: MessageId) -> StoreResult<Option<MessageStatus>>;
    /// How many e-mails and how many SMS wait to be sent (for the metrics).
    async fn messages_waiting(&self, tenant: TenantId) -> StoreResult<MessagesWaiting>;

    // --- Forgotten passwords.

    async fn create_password_reset(
        &self,
        tenant: TenantId,
        account: AccountId,
        token_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// How many resets were asked for the account since `since` (to limit them).
    async fn password_resets_since(
        &self,
        tenant: TenantId,
        account: AccountId,
        since: DateTime<Utc>,
    ) -> StoreResult<u32>;
    /// The account of a reset token that is unused and not expired.
    async fn password_reset_account(&self, tenant: TenantId, token_hash: &str) -> StoreResult<Option<AccountId>>;
    /// Uses a reset token: true once, only while it is valid.
    async fn use_password_reset(&self, tenant: TenantId, token_hash: &str) -> StoreResult<bool>;
}
