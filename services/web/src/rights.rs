//! The tenant's rights policy and its decisions, kept per tenant version.
//!
//! Deciding builds a Casbin enforcer and evaluates its matcher for every (module, action)
//! the rules mention: most of a page's own work. The outcome depends only on the policy (whose
//! every change raises the tenant version), the relation and the client's grants, so it is
//! kept under exactly those. Grants are read fresh for every request, and a policy that names
//! a particular person is decided fresh every time.

use careportal_domain::rights::{Grant, Rights, Subject, decide, decides_by_relation};
use careportal_domain::tenant::{Module, RightsPolicy, Tenant};
use careportal_domain::{DomainError, TenantId};
use careportal_store::{Store, StoreError};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// Decisions kept at most; past this the cache starts over (a tenant has a handful of
/// relations, and a grant set per contact person at most).
const MOST_DECISIONS: usize = 10_000;

#[derive(Debug, Default)]
pub struct RightsCache {
    policies: RwLock<HashMap<TenantId, Held>>,
    decisions: RwLock<HashMap<DecisionKey, Rights>>,
}

#[derive(Debug, Clone)]
struct Held {
    version: i64,
    policy: Option<Arc<RightsPolicy>>,
    by_relation: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct DecisionKey {
    tenant: TenantId,
    version: i64,
    role: String,
    grants: Vec<(Module, careportal_domain::rights::Action)>,
}

#[derive(Debug, thiserror::Error)]
pub enum RightsError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Domain(#[from] DomainError),
}

impl RightsCache {
    /// The rights of `subject` in `tenant`; none when the tenant has no policy.
    pub async fn rights(
        &self,
        store: &dyn Store,
        tenant: &Tenant,
        subject: Subject<'_>,
        grants: &[Grant],
    ) -> Result<Rights, RightsError> {
        let held = self.policy(store, tenant).await?;
        let Some(policy) = held.policy else { return Ok(Rights::default()) };
        if !held.by_relation {
            return Ok(decide(&policy, subject, grants).await?);
        }
        let mut grant_keys: Vec<_> = grants.iter().map(|g| (g.module, g.action)).collect();
        grant_keys.sort();
        grant_keys.dedup();
        let key = DecisionKey {
            tenant: tenant.id,
            version: tenant.version,
            role: subject.role.to_owned(),
            grants: grant_keys,
        };
        if let Some(rights) = self.decisions.read().ok().and_then(|d| d.get(&key).cloned()) {
            return Ok(rights);
        }
        let rights = decide(&policy, subject, grants).await?;
        if let Ok(mut decisions) = self.decisions.write() {
            if decisions.len() >= MOST_DECISIONS {
                decisions.clear();
            }
            // An older version's decisions can never be asked for again.
            decisions.retain(|k, _| k.tenant != tenant.id || k.version == tenant.version);
            decisions.insert(key, rights.clone());
        }
        Ok(rights)
    }

    async fn policy(&self, store: &dyn Store, tenant: &Tenant) -> Result<Held, StoreError> {
        let known = self.policies.read().ok().and_then(|p| p.get(&tenant.id).cloned());
        if let Some(held) = known.filter(|h| h.version == tenant.version) {
            return Ok(held);
        }
        let policy = store.tenant_rights(tenant.id).await?;
        let by_relation = policy.as_ref().is_some_and(decides_by_relation);
        let held = Held { version: tenant.version, policy: policy.map(Arc::new), by_relation };
        if let Ok(mut policies) = self.policies.write() {
            policies.insert(tenant.id, held.clone());
        }
        Ok(held)
    }
}
