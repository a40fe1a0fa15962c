//! Beheer › Toegang: who reaches a client, and what staff change about it: ending a
//! person's access ("Opzeggen toegang"), lifting a lock, and resetting a second factor after
//! the person's identity was checked. Each change is audited in the same transaction.

use crate::StoreResult;
use async_trait::async_trait;
use careportal_domain::audit::Origin;
use careportal_domain::people::{Account, Client, ClientLink, Email, Relation, Username};
use careportal_domain::signin::FactorMethod;
use careportal_domain::staff::StaffRole;
use careportal_domain::{AccountId, ClientId, TenantId};
use chrono::{DateTime, NaiveDate, Utc};

/// One person who reaches a client, as Beheer shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRow {
    pub account: Account,
    pub relation: Relation,
    /// Locked against logging in until then (after too many wrong passwords).
    pub locked_until: Option<DateTime<Utc>>,
    /// The second factor, once activated.
    pub factor: Option<FactorMethod>,
    pub last_login_at: Option<DateTime<Utc>>,
}

/// What [`AccessStore::change_contact`] changes; None leaves it as it is.
#[derive(Debug, Clone, Copy)]
pub struct ContactChange<'a> {
    pub email: Option<&'a Email>,
    pub username: Option<&'a Username>,
    /// The new number of the SMS second factor (E.164).
    pub sms_number: Option<&'a str>,
    pub how_checked: &'a str,
}

#[async_trait]
pub trait AccessStore: Send + Sync {
    /// The people linked to `client`, by name.
    async fn client_access(&self, tenant: TenantId, client: ClientId) -> StoreResult<Vec<AccessRow>>;
    /// Ends `account`'s access to `client`, audited (`access.ended`). Sessions that had this
    /// client open lose it; an account left without any client (and not staff) is signed
    /// out everywhere. False when the account did not reach the client.
    async fn end_access(
        &self,
        tenant: TenantId,
        origin: &Origin,
        account: AccountId,
        client: ClientId,
    ) -> StoreResult<bool>;
    /// Lifts a lock and forgets the failed tries, audited (`account.unlocked`); false when
    /// the account was not locked at `now`.
    async fn unlock_account(
        &self,
        tenant: TenantId,
        origin: &Origin,
        account: AccountId,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Changes the account's contact details in one transaction, audited
    /// (`account.details_changed`) with how the identity was checked: the e-mail address
    /// (with the username, when the username is the address), and the mobile number of an
    /// SMS second factor (E.164). `Conflict` when the new username is another account's.
    async fn change_contact(
        &self,
        tenant: TenantId,
        origin: &Origin,
        account: AccountId,
        change: &ContactChange<'_>,
    ) -> StoreResult<()>;
    /// Accounts whose name, username or e-mail address contains `text` (case-insensitive),
    /// by name, at most `limit`, each with the clients it reaches and as what.
    async fn search_accounts(
        &self,
        tenant: TenantId,
        text: &str,
        limit: u32,
    ) -> StoreResult<Vec<(Account, Vec<ClientLink>)>>;
    /// The tenant's staff and their roles, by name.
    async fn staff_members(&self, tenant: TenantId) -> StoreResult<Vec<(Account, Vec<StaffRole>)>>;
    /// Takes a staff role away, audited (`staff.role_removed`); an account left with no role
    /// and no client is signed out everywhere. A coordinator's caseload goes with the role. False when it did not have the role.
    async fn remove_staff_role(
        &self,
        tenant: TenantId,
        origin: &Origin,
        account: AccountId,
        role: StaffRole,
    ) -> StoreResult<bool>;
    /// The clients assigned to `account` (a Coördinator zorg), whom they see and answer.
    async fn caseload(&self, tenant: TenantId, account: AccountId) -> StoreResult<Vec<ClientId>>;
    /// Makes `account`'s caseload exactly `clients` in one transaction, each change audited
    /// with its client (`caseload.assigned`, `caseload.unassigned`); returns how many were
    /// assigned and unassigned. `NotFound` when a client is not this tenant's.
    async fn set_caseload(
        &self,
        tenant: TenantId,
        origin: &Origin,
        account: AccountId,
        clients: &[ClientId],
    ) -> StoreResult<(usize, usize)>;
    /// Clients whose care has an end date for which their people have not been told yet.
    async fn care_ends_untold(&self, tenant: TenantId) -> StoreResult<Vec<Client>>;
    /// Claims telling the people of `client` that care ends on `ended_on`: true once per
    /// end date, however many workers ask at once (a changed date may be told again).
    async fn claim_care_end_notice(&self, tenant: TenantId, client: ClientId, ended_on: NaiveDate)
    -> StoreResult<bool>;
    /// Removes the second factor and signs the account out everywhere, so the next login
    /// activates one again; audited (`factor.reset`) with how the identity was checked.
    /// False when there was no second factor.
    async fn reset_second_factor(
        &self,
        tenant: TenantId,
        origin: &Origin,
        account: AccountId,
        how_checked: &str,
    ) -> StoreResult<bool>;
}
