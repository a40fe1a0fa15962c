//! Small result types of store calls.

use careportal_domain::TenantId;

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
