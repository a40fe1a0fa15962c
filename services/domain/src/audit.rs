//! The audit trail (NEN 7513): who did what, on whose behalf, to which client's record,
//! when and from where. Append-only: the store refuses to change or delete entries.

use crate::{AccountId, ClientId, TenantId, ids::AuditId};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// What happened, as a stable dotted name (`client.viewed`, `tenant.applied`, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditAction(&'static str);

impl AuditAction {
    pub const TENANT_APPLIED: AuditAction = AuditAction("tenant.applied");
    pub const CLIENT_CREATED: AuditAction = AuditAction("client.created");
    pub const CLIENT_UPDATED: AuditAction = AuditAction("client.updated");
    pub const CLIENT_VIEWED: AuditAction = AuditAction("client.viewed");
    pub const ACCOUNT_CREATED: AuditAction = AuditAction("account.created");
    pub const ACCOUNT_LINKED: AuditAction = AuditAction("account.linked");
    pub const ACCESS_ENDED: AuditAction = AuditAction("access.ended");
    pub const ACCOUNT_REMOVED: AuditAction = AuditAction("account.removed");
    pub const LOGIN_SUCCEEDED: AuditAction = AuditAction("login.succeeded");
    pub const LOGIN_FAILED: AuditAction = AuditAction("login.failed");
    pub const LOGIN_LOCKED: AuditAction = AuditAction("login.locked");
    pub const FACTOR_ENROLLED: AuditAction = AuditAction("factor.enrolled");
    pub const PASSWORD_SET: AuditAction = AuditAction("password.set");
    pub const PASSWORD_CHANGED: AuditAction = AuditAction("password.changed");
    pub const LOGOUT: AuditAction = AuditAction("logout");

    pub const fn new(name: &'static str) -> Self {
        Self(name)
    }

    pub fn as_str(&self) -> &'static str {
        self.0
    }
}

/// Who acted. The platform itself (CLI, sync, demo loader) is an actor too, so that no
/// change to the record is ever anonymous.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Actor {
    Account(AccountId),
    System(String),
}

impl Actor {
    pub fn system(name: &str) -> Self {
        Self::System(name.to_owned())
    }
}

/// Where a change or a read comes from: who, for whom, and from which address and browser.
/// Every store write takes one, so no change to a record is ever anonymous.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Origin {
    pub actor: Actor,
    /// The account whose client the actor acted for, when the actor is someone else.
    pub on_behalf_of: Option<AccountId>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl Origin {
    /// The platform itself: the CLI, the demo loader, the sync.
    pub fn system(name: &str) -> Self {
        Self { actor: Actor::system(name), on_behalf_of: None, ip: None, user_agent: None }
    }

    pub fn event(&self, action: AuditAction, client: Option<ClientId>, detail: impl Into<String>) -> AuditEvent {
        AuditEvent { origin: self.clone(), client, action, detail: detail.into() }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEvent {
    pub origin: Origin,
    pub client: Option<ClientId>,
    pub action: AuditAction,
    /// A short, non-medical description (ids, field names): never the health data itself.
    pub detail: String,
}

impl Actor {
    /// How the actor is written in the log: `account:<id>` or `system:<name>`.
    pub fn to_log(&self) -> String {
        match self {
            Actor::Account(id) => format!("account:{id}"),
            Actor::System(name) => format!("system:{name}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub tenant: TenantId,
    pub id: AuditId,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub on_behalf_of: Option<AccountId>,
    pub client: Option<ClientId>,
    pub action: String,
    pub detail: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}
