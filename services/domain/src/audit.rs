//! The audit trail (NEN 7513): who did what, in which role, on whose behalf, to which
//! client's record, when, from where, and whether it was allowed. Append-only: the store
//! refuses to change or delete entries, and every entry carries a hash over the one before
//! it in its tenant (see [`chain_hash`]) so that a change made around the store is found.

use crate::{AccountId, ClientId, TenantId, ids::AuditId, people::Relation, staff::StaffRole};
use chrono::{DateTime, SubsecRound, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

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
    /// A read of the record (with the module in the detail).
    pub const RECORD_VIEWED: AuditAction = AuditAction("record.viewed");
    /// A page or action of a client's record the person had no right to: answered 404.
    pub const ACCESS_REFUSED: AuditAction = AuditAction("access.refused");
    /// Somebody read the audit log itself (Beheer's search, its CSV, the client's overview).
    pub const AUDIT_VIEWED: AuditAction = AuditAction("audit.viewed");
    pub const AUDIT_EXPORTED: AuditAction = AuditAction("audit.exported");

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

    /// How the actor is written in the log: `account:<id>` or `system:<name>`.
    pub fn to_log(&self) -> String {
        match self {
            Actor::Account(id) => format!("account:{id}"),
            Actor::System(name) => format!("system:{name}"),
        }
    }
}

/// In which capacity the actor acted: their relation to the client in the portal, their
/// staff role in Beheer, or the platform itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum AuditRole {
    Client,
    Representative,
    Contact,
    Coordinator,
    Administrator,
    PrivacyOfficer,
    System,
}

impl AuditRole {
    pub const ALL: [AuditRole; 7] = [
        AuditRole::Client,
        AuditRole::Representative,
        AuditRole::Contact,
        AuditRole::Coordinator,
        AuditRole::Administrator,
        AuditRole::PrivacyOfficer,
        AuditRole::System,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            AuditRole::Client => "client",
            AuditRole::Representative => "representative",
            AuditRole::Contact => "contact",
            AuditRole::Coordinator => "coordinator",
            AuditRole::Administrator => "admin",
            AuditRole::PrivacyOfficer => "privacy",
            AuditRole::System => "system",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }

    /// The role in plain Dutch, lower case, as it follows a name: "Ingrid de Vries
    /// (vertegenwoordiger)".
    pub fn label(&self) -> &'static str {
        match self {
            AuditRole::Client => "cliënt",
            AuditRole::Representative => "vertegenwoordiger",
            AuditRole::Contact => "contactpersoon",
            AuditRole::Coordinator => "coördinator zorg",
            AuditRole::Administrator => "beheerder",
            AuditRole::PrivacyOfficer => "functionaris gegevensbescherming",
            AuditRole::System => "systeem",
        }
    }
}

impl From<Relation> for AuditRole {
    fn from(relation: Relation) -> Self {
        match relation {
            Relation::Client => AuditRole::Client,
            Relation::Representative => AuditRole::Representative,
            Relation::Contact => AuditRole::Contact,
        }
    }
}

impl From<StaffRole> for AuditRole {
    fn from(role: StaffRole) -> Self {
        match role {
            StaffRole::Admin => AuditRole::Administrator,
            StaffRole::Coordinator => AuditRole::Coordinator,
            StaffRole::PrivacyOfficer => AuditRole::PrivacyOfficer,
        }
    }
}

/// On whose behalf the actor acted (NEN 7513 "namens"): the client, when a representative or
/// contact person acts in the client's dossier; an account, when staff acts for a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum OnBehalfOf {
    Client(ClientId),
    Account(AccountId),
}

impl OnBehalfOf {
    /// `client:<id>` or `account:<id>`.
    pub fn to_log(&self) -> String {
        match self {
            OnBehalfOf::Client(id) => format!("client:{id}"),
            OnBehalfOf::Account(id) => format!("account:{id}"),
        }
    }
}

/// Whether what was asked happened. A refused access is logged as well as an allowed one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Outcome {
    Allowed,
    Refused,
}

impl Outcome {
    pub fn as_str(&self) -> &'static str {
        match self {
            Outcome::Allowed => "allowed",
            Outcome::Refused => "refused",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Outcome::Allowed, Outcome::Refused].into_iter().find(|o| o.as_str() == text)
    }
}

/// Where a change or a read comes from: who, in which role, for whom, and from which address
/// and browser. Every store write takes one, so no change to a record is ever anonymous.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Origin {
    pub actor: Actor,
    pub role: Option<AuditRole>,
    pub on_behalf_of: Option<OnBehalfOf>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl Origin {
    /// The platform itself: the CLI, the demo loader, the sync.
    pub fn system(name: &str) -> Self {
        Self {
            actor: Actor::system(name),
            role: Some(AuditRole::System),
            on_behalf_of: None,
            ip: None,
            user_agent: None,
        }
    }

    /// This origin acting as `relation` of `client`: a representative or contact person acts
    /// on the client's behalf, the client for themself.
    pub fn in_relation(&self, client: ClientId, relation: Relation) -> Self {
        let on_behalf_of = (relation != Relation::Client).then_some(OnBehalfOf::Client(client));
        Self { role: Some(relation.into()), on_behalf_of, ..self.clone() }
    }

    pub fn with_role(&self, role: AuditRole) -> Self {
        Self { role: Some(role), ..self.clone() }
    }

    pub fn event(&self, action: AuditAction, client: Option<ClientId>, detail: impl Into<String>) -> AuditEvent {
        AuditEvent {
            origin: self.clone(),
            client,
            action,
            object: None,
            detail: detail.into(),
            outcome: Outcome::Allowed,
        }
    }

    /// An access this origin asked for and did not get.
    pub fn refused(&self, action: AuditAction, client: Option<ClientId>, detail: impl Into<String>) -> AuditEvent {
        AuditEvent { outcome: Outcome::Refused, ..self.event(action, client, detail) }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEvent {
    pub origin: Origin,
    pub client: Option<ClientId>,
    pub action: AuditAction,
    /// What was acted on, when it is one part of the dossier: a module key (`reports`), or a
    /// kind and id (`document:<id>`).
    pub object: Option<String>,
    /// A short, non-medical description (ids, field names): never the health data itself.
    pub detail: String,
    pub outcome: Outcome,
}

impl AuditEvent {
    pub fn on(self, object: impl Into<String>) -> Self {
        Self { object: Some(object.into()), ..self }
    }
}

/// One entry as the log holds it. `seq` counts the tenant's entries from 1; entries written
/// before the chain existed (migration 0027) have neither `seq` nor hashes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub tenant: TenantId,
    pub id: AuditId,
    pub seq: Option<i64>,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub role: Option<String>,
    pub on_behalf_of: Option<String>,
    pub client: Option<ClientId>,
    pub action: String,
    pub object: Option<String>,
    pub detail: String,
    pub outcome: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
}

impl AuditEntry {
    /// The entry an event becomes as entry `seq` of its tenant, chained to `prev_hash` (empty
    /// for the tenant's first). The time is cut to microseconds, as both databases keep it,
    /// so that the hash computed here is the hash of what is read back.
    pub fn chained(tenant: TenantId, event: &AuditEvent, at: DateTime<Utc>, seq: i64, prev_hash: &str) -> Self {
        let mut entry = AuditEntry {
            tenant,
            id: AuditId::new(),
            seq: Some(seq),
            at: at.trunc_subsecs(6),
            actor: event.origin.actor.to_log(),
            role: event.origin.role.map(|r| r.as_str().to_owned()),
            on_behalf_of: event.origin.on_behalf_of.map(|o| o.to_log()),
            client: event.client,
            action: event.action.as_str().to_owned(),
            object: event.object.clone(),
            detail: event.detail.clone(),
            outcome: event.outcome.as_str().to_owned(),
            ip: event.origin.ip.clone(),
            user_agent: event.origin.user_agent.clone(),
            prev_hash: Some(prev_hash.to_owned()),
            hash: None,
        };
        entry.hash = Some(chain_hash(&entry));
        entry
    }

    /// The account that acted, when an account did.
    pub fn actor_account(&self) -> Option<AccountId> {
        self.actor.strip_prefix("account:").and_then(|id| id.parse::<AccountId>().ok())
    }
}

/// SHA-256 (hex) over a canonical encoding of every field of the entry and the previous
/// entry's hash: each field as its length in bytes, a colon and the bytes, so that no two
/// different entries encode alike. Changing any field, or the order, breaks the chain.
pub fn chain_hash(entry: &AuditEntry) -> String {
    fn field(out: &mut Vec<u8>, value: Option<&str>) {
        match value {
            None => out.extend_from_slice(b"-;"),
            Some(v) => {
                out.extend_from_slice(v.len().to_string().as_bytes());
                out.push(b':');
                out.extend_from_slice(v.as_bytes());
                out.push(b';');
            }
        }
    }
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(b"careportal-audit/v1;");
    let seq = entry.seq.map(|s| s.to_string());
    let at = entry.at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string();
    let client = entry.client.map(|c| c.to_string());
    for value in [
        Some(entry.tenant.to_string().as_str()),
        seq.as_deref(),
        Some(entry.id.to_string().as_str()),
        Some(at.as_str()),
        Some(entry.actor.as_str()),
        entry.role.as_deref(),
        entry.on_behalf_of.as_deref(),
        client.as_deref(),
        Some(entry.action.as_str()),
        entry.object.as_deref(),
        Some(entry.detail.as_str()),
        Some(entry.outcome.as_str()),
        entry.ip.as_deref(),
        entry.user_agent.as_deref(),
        entry.prev_hash.as_deref(),
    ] {
        field(&mut out, value);
    }
    hex(&Sha256::digest(&out))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A tenant's chain up to entry `seq`, vouched for by the platform's key at `at`: whoever
/// rewrites the log and recomputes every hash after it still cannot make a checkpoint agree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditCheckpoint {
    pub tenant: TenantId,
    pub seq: i64,
    pub hash: String,
    pub at: DateTime<Utc>,
    /// HMAC-SHA256 (hex) of [`AuditCheckpoint::signed_text`] with the audit key.
    pub signature: String,
}

impl AuditCheckpoint {
    /// What the signature covers.
    pub fn signed_text(tenant: TenantId, seq: i64, hash: &str, at: DateTime<Utc>) -> String {
        format!("careportal-audit-checkpoint/v1;{tenant};{seq};{hash};{}", at.format("%Y-%m-%dT%H:%M:%S%.6fZ"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn entry() -> AuditEntry {
        let event = Origin::system("test").event(AuditAction::CLIENT_VIEWED, Some(ClientId::new()), "x");
        AuditEntry::chained(TenantId::new(), &event, Utc.with_ymd_and_hms(2026, 12, 3, 9, 0, 0).unwrap(), 1, "")
    }

    #[test]
    fn every_field_is_in_the_hash() {
        let original = entry();
        assert_eq!(original.hash.as_deref(), Some(chain_hash(&original).as_str()));
        type Change = Box<dyn Fn(&mut AuditEntry)>;
        let changes: Vec<Change> = vec![
            Box::new(|e| e.seq = Some(2)),
            Box::new(|e| e.at += chrono::Duration::microseconds(1)),
            Box::new(|e| e.actor = "system:other".into()),
            Box::new(|e| e.role = None),
            Box::new(|e| e.on_behalf_of = Some("client:x".into())),
            Box::new(|e| e.client = None),
            Box::new(|e| e.action = "client.updated".into()),
            Box::new(|e| e.object = Some("reports".into())),
            Box::new(|e| e.detail = "y".into()),
            Box::new(|e| e.outcome = "refused".into()),
            Box::new(|e| e.ip = Some("127.0.0.1".into())),
            Box::new(|e| e.user_agent = Some(String::new())),
            Box::new(|e| e.prev_hash = Some("00".into())),
        ];
        for change in changes {
            let mut changed = original.clone();
            change(&mut changed);
            assert_ne!(chain_hash(&changed), chain_hash(&original), "{changed:?}");
        }
    }

    #[test]
    fn fields_cannot_borrow_from_each_other() {
        let mut a = entry();
        let mut b = a.clone();
        a.detail = "ab".into();
        a.ip = Some("c".into());
        b.detail = "a".into();
        b.ip = Some("bc".into());
        assert_ne!(chain_hash(&a), chain_hash(&b));
    }

    #[test]
    fn a_representative_acts_on_behalf_of_the_client() {
        let client = ClientId::new();
        let origin = Origin::system("x").in_relation(client, Relation::Representative);
        assert_eq!(origin.role, Some(AuditRole::Representative));
        assert_eq!(origin.on_behalf_of, Some(OnBehalfOf::Client(client)));
        assert_eq!(Origin::system("x").in_relation(client, Relation::Client).on_behalf_of, None);
    }
}
