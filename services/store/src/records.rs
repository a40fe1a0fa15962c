//! Small result types of store calls.

use careportal_domain::TenantId;

/// What a signed-in page needs of the account before it reads the record, read in one
/// statement: the clients it acts for, with what each one's header and menu need.
#[derive(Debug, Clone, Default)]
pub struct CareContext {
    pub links: Vec<CareLink>,
    /// A member of staff too (the header offers Beheer).
    pub is_staff: bool,
    /// An invitation may wait for the account's answer: false only when it is known that
    /// none does, so Home need not ask for them.
    pub maybe_invited: bool,
}

#[derive(Debug, Clone)]
pub struct CareLink {
    pub link: careportal_domain::people::ClientLink,
    /// The blob key of the client's photo.
    pub photo: Option<String>,
    /// Facturen shows only for clients who receive invoices.
    pub has_invoices: bool,
}

/// Messages waiting in the outbox, per channel.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MessagesWaiting {
    pub email: u64,
    pub sms: u64,
}

/// The database pool: connections open, of those idle, and the most there may be.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolUse {
    pub open: u32,
    pub idle: u32,
    pub max: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedTenant {
    pub id: TenantId,
    pub version: i64,
    /// True when the tenant did not exist before.
    pub created: bool,
}

/// Where a message stands in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageStatus {
    pub attempts: u32,
    pub sent_at: Option<chrono::DateTime<chrono::Utc>>,
    pub failed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub next_attempt_at: chrono::DateTime<chrono::Utc>,
    pub last_error: Option<String>,
}
