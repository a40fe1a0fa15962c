//! Inviting an existing account to another client. Staff may invite; only the person,
//! signed in as themselves, links their account by accepting, so no member of staff can
//! give an account (their own, or anyone's) access to a dossier alone.

use crate::StoreResult;
use async_trait::async_trait;
use careportal_domain::audit::Origin;
use careportal_domain::people::{LinkInvitation, Relation};
use careportal_domain::{AccountId, ClientId, TenantId};
use chrono::{DateTime, Utc};
use uuid::Uuid;

#[async_trait]
pub trait InvitationStore: Send + Sync {
    /// Offers `account` access to `client` as `relation` until `expires_at`, audited
    /// (`account.link_invited`). A new invitation for the same account and client replaces
    /// the one that waits.
    async fn invite_link(
        &self,
        tenant: TenantId,
        origin: &Origin,
        account: AccountId,
        client: ClientId,
        relation: Relation,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// The invitations waiting for `account` at `now`, oldest first.
    async fn link_invitations(
        &self,
        tenant: TenantId,
        account: AccountId,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<LinkInvitation>>;
    /// Takes `account`'s waiting invitation out and, when `accept`, links the account as the
    /// invitation says (a link the account already has is never changed), in one
    /// transaction with its audit entry (`account.linked` or `account.link_declined`). None
    /// when `account` has no such invitation waiting (another's, expired, answered).
    async fn answer_link_invitation(
        &self,
        tenant: TenantId,
        origin: &Origin,
        account: AccountId,
        invitation: Uuid,
        accept: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<LinkInvitation>>;
}
