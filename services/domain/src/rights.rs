//! What a person may do in a client's portal, decided by the tenant's Casbin model.
//!
//! The model and its rules come from `policies/<slug>/` through the database. A request asks
//! once: the enforcer gets the tenant's rules, the one grouping rule that says how this
//! account stands to this client (`g, <account>, <relation>, <client>`), and any grants of
//! the account for that client; then every (module, action) pair the rules mention is
//! checked, and the page works from the resulting set. Nothing is cached between requests,
//! so a changed rule holds at once on every instance.

use crate::tenant::{Module, RightsPolicy};
use crate::{AccountId, ClientId, DomainError};
use casbin::{CoreApi, DefaultModel, Enforcer, MemoryAdapter, MgmtApi, Model};
use serde::Serialize;
use std::collections::BTreeSet;

/// What a person does with a module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Read,
    Write,
    Sign,
}

impl Action {
    pub const ALL: [Action; 3] = [Action::Read, Action::Write, Action::Sign];

    pub fn key(&self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::Write => "write",
            Action::Sign => "sign",
        }
    }

    pub fn from_key(key: &str) -> Option<Action> {
        Self::ALL.into_iter().find(|a| a.key() == key)
    }
}

/// The (module, action) pairs a person holds for one client.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rights(BTreeSet<(Module, Action)>);

impl Rights {
    pub fn allows(&self, module: Module, action: Action) -> bool {
        self.0.contains(&(module, action))
    }

    pub fn iter(&self) -> impl Iterator<Item = (Module, Action)> + '_ {
        self.0.iter().copied()
    }
}

impl FromIterator<(Module, Action)> for Rights {
    fn from_iter<T: IntoIterator<Item = (Module, Action)>>(iter: T) -> Self {
        Self(iter.into_iter().collect())
    }
}

/// A right the client gave one account for their portal (Salem's contact persons).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    pub module: Module,
    pub action: Action,
}

/// The rights a client can give a contact person, with the words "Beheer instellingen"
/// shows; only those of modules the tenant has switched on are offered.
pub const GRANTABLE: &[(Module, Action, &str)] = &[
    (Module::Reports, Action::Read, "Mijn dossier inzien (rapportages)"),
    (Module::MyDetails, Action::Read, "Mijn gegevens inzien"),
    (Module::Questionnaires, Action::Read, "Vragenlijsten inzien"),
    (Module::Agenda, Action::Read, "Mijn agenda inzien"),
    (Module::Agenda, Action::Write, "Afspraken maken en wijzigen"),
    (Module::Messages, Action::Read, "Berichten lezen"),
    (Module::Messages, Action::Write, "Berichten sturen"),
    (Module::Prikbord, Action::Read, "Prikbord lezen"),
    (Module::Prikbord, Action::Write, "Op het prikbord plaatsen en reageren"),
    (Module::CarePlans, Action::Sign, "Ondertekenen"),
];

/// Whether a right may be given to a contact person at all.
pub fn grantable(module: Module, action: Action) -> bool {
    GRANTABLE.iter().any(|(m, a, _)| *m == module && *a == action)
}

/// Who asks, and for which client.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub account: AccountId,
    /// The role the account holds for the client: `client`, `representative` or `contact`.
    pub role: &'a str,
    pub client: ClientId,
}

fn casbin_error(error: casbin::Error) -> DomainError {
    DomainError::invalid("rechten", format!("het rechtenmodel van deze organisatie werkt niet: {error}"))
}

/// Decides every right of `subject` under `policy`. `grants` are added as rules
/// `p, <account>, <client>, <module>, <action>`, which only a model with four-part rules
/// (Salem's) can hold; a model that cannot hold them refuses them.
pub async fn decide(policy: &RightsPolicy, subject: Subject<'_>, grants: &[Grant]) -> Result<Rights, DomainError> {
    let model = DefaultModel::from_str(&policy.model).await.map_err(casbin_error)?;
    // Casbin itself stores a rule of the wrong length without complaint and then never
    // matches it; a grant that cannot take effect must not look as if it did.
    let rule_length = model.get_model().get("p").and_then(|p| p.get("p")).map(|p| p.tokens.len());
    if !grants.is_empty() && rule_length != Some(4) {
        return Err(DomainError::invalid(
            "rechten",
            "het rechtenmodel van deze organisatie kent geen rechten per contactpersoon",
        ));
    }
    let mut enforcer = Enforcer::new(model, MemoryAdapter::default()).await.map_err(casbin_error)?;
    let (account, client) = (subject.account.to_string(), subject.client.to_string());

    let mut candidates = BTreeSet::new();
    for rule in &policy.rules {
        if rule.ptype.starts_with('g') {
            enforcer.add_named_grouping_policy(&rule.ptype, rule.values.clone()).await.map_err(casbin_error)?;
            continue;
        }
        enforcer.add_named_policy(&rule.ptype, rule.values.clone()).await.map_err(casbin_error)?;
        // A rule ends in its module and action, whatever comes before them.
        if let [.., module, action] = rule.values.as_slice()
            && let (Some(module), Some(action)) = (Module::from_key(module), Action::from_key(action))
        {
            candidates.insert((module, action));
        }
    }
    enforcer
        .add_named_grouping_policy("g", vec![account.clone(), subject.role.to_owned(), client.clone()])
        .await
        .map_err(casbin_error)?;
    for grant in grants {
        let rule = vec![account.clone(), client.clone(), grant.module.key().to_owned(), grant.action.key().to_owned()];
        enforcer.add_named_policy("p", rule).await.map_err(casbin_error)?;
        candidates.insert((grant.module, grant.action));
    }

    let mut rights = BTreeSet::new();
    for (module, action) in candidates {
        let allowed =
            enforcer.enforce((account.as_str(), client.as_str(), module.key(), action.key())).map_err(casbin_error)?;
        if allowed {
            rights.insert((module, action));
        }
    }
    Ok(Rights(rights))
}

/// Whether `policy` decides alike for every account and client that stand in the same
/// relation with the same grants: true unless the model or a rule names an id (an account or
/// a client written into the policy). Only then may a decision be reused for another person.
pub fn decides_by_relation(policy: &RightsPolicy) -> bool {
    let names_an_id = |text: &str| {
        text.split(|c: char| !(c.is_ascii_hexdigit() || c == '-'))
            .any(|token| token.len() >= 32 && uuid::Uuid::parse_str(token).is_ok())
    };
    !names_an_id(&policy.model) && !policy.rules.iter().flat_map(|r| &r.values).any(|v| names_an_id(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn decisions_are_per_relation_unless_the_policy_names_someone() {
        assert!(decides_by_relation(&policy("siloah").await));
        assert!(decides_by_relation(&policy("salem").await));
        let mut named = policy("salem").await;
        let someone = AccountId::new().to_string();
        named.rules.push(crate::tenant::PolicyRule {
            ptype: "p".into(),
            values: vec![someone, "*".into(), "reports".into(), "read".into()],
        });
        assert!(!decides_by_relation(&named));
    }

    async fn policy(slug: &str) -> RightsPolicy {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies").join(slug);
        let model = std::fs::read_to_string(dir.join("model.conf")).unwrap();
        let rules = std::fs::read_to_string(dir.join("policy.csv")).unwrap();
        RightsPolicy::parse(&model, &rules).await.unwrap()
    }

    #[tokio::test]
    async fn siloah_gives_client_and_representatives_the_same_fixed_rights() {
        let policy = policy("siloah").await;
        let client = ClientId::new();
        for role in ["client", "representative"] {
            let rights = decide(&policy, Subject { account: AccountId::new(), role, client }, &[]).await.unwrap();
            assert!(rights.allows(Module::Reports, Action::Write), "{role}");
            assert!(rights.allows(Module::CarePlans, Action::Sign), "{role}");
            assert!(!rights.allows(Module::Invoices, Action::Write), "{role}");
        }
        let stranger = decide(&policy, Subject { account: AccountId::new(), role: "contact", client }, &[]).await;
        assert_eq!(stranger.unwrap(), Rights::default(), "Siloah has no contact persons");
    }

    #[tokio::test]
    async fn a_salem_contact_person_starts_with_the_least_and_holds_what_was_granted() {
        let policy = policy("salem").await;
        let (account, client) = (AccountId::new(), ClientId::new());
        let subject = Subject { account, role: "contact", client };
        let bare = decide(&policy, subject, &[]).await.unwrap();
        assert!(bare.allows(Module::Home, Action::Read));
        assert!(!bare.allows(Module::Reports, Action::Read));
        let granted = [Grant { module: Module::Reports, action: Action::Read }];
        let rights = decide(&policy, subject, &granted).await.unwrap();
        assert!(rights.allows(Module::Reports, Action::Read));
        assert!(!rights.allows(Module::Agenda, Action::Write));
        // A grant for one client says nothing about another.
        let other = decide(&policy, Subject { client: ClientId::new(), ..subject }, &[]).await.unwrap();
        assert!(!other.allows(Module::Reports, Action::Read));
    }

    #[tokio::test]
    async fn grants_are_refused_by_a_model_that_cannot_hold_them() {
        let policy = policy("siloah").await;
        let subject = Subject { account: AccountId::new(), role: "client", client: ClientId::new() };
        let granted = [Grant { module: Module::Reports, action: Action::Read }];
        assert!(decide(&policy, subject, &granted).await.is_err());
    }
}
