//! Small result types of store calls.

use careportal_domain::TenantId;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedTenant {
    pub id: TenantId,
    pub version: i64,
    /// True when the tenant did not exist before.
    pub created: bool,
}
