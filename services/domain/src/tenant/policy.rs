//! A tenant's rights model: a Casbin model (`model.conf`) and its starting rules
//! (`policy.csv`) from `policies/<name>/`. Checked with Casbin itself at load time, so a
//! broken model never reaches a running portal.

use casbin::{CoreApi, DefaultModel, MemoryAdapter, Model};
use serde::Serialize;

/// One rule line: `p, representative, reports, read` → ptype "p" and its values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyRule {
    pub ptype: String,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RightsPolicy {
    pub model: String,
    pub rules: Vec<PolicyRule>,
}

impl RightsPolicy {
    /// Parses and checks a model and its rules. An error is (file, where in it, Dutch reason).
    pub async fn parse(model_text: &str, policy_text: &str) -> Result<Self, (String, String, String)> {
        let model = DefaultModel::from_str(model_text)
            .await
            .map_err(|e| ("model.conf".to_owned(), "-".to_owned(), format!("Casbin kan dit model niet lezen: {e}")))?;
        // The portal asks every model the same question: may this account (sub), for this
        // client, do this action (act) on this module (obj)? And it tells the model how the
        // account stands to the client with one grouping rule: g, account, role, client.
        let tokens = |section: &str| -> Vec<String> {
            model
                .get_model()
                .get(section)
                .and_then(|a| a.get(section))
                .map(|a| a.tokens.iter().map(|t| t.trim_start_matches(&format!("{section}_")).to_owned()).collect())
                .unwrap_or_default()
        };
        if tokens("r") != ["sub", "client", "obj", "act"] {
            return Err((
                "model.conf".to_owned(),
                "request_definition".to_owned(),
                "het portaal vraagt altijd \"r = sub, client, obj, act\" (wie, voor welke cliënt, welk onderdeel, welke handeling)"
                    .to_owned(),
            ));
        }
        let grouping = model.get_model().get("g").and_then(|a| a.get("g")).map(|a| a.value.matches('_').count());
        if grouping != Some(3) {
            return Err((
                "model.conf".to_owned(),
                "role_definition".to_owned(),
                "het portaal geeft de rol per cliënt door als \"g = _, _, _\" (account, rol, cliënt)".to_owned(),
            ));
        }
        let mut rules = Vec::new();
        for (number, line) in policy_text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut fields = line.split(',').map(str::trim);
            let ptype = fields.next().unwrap_or_default().to_owned();
            let values: Vec<String> = fields.map(str::to_owned).collect();
            let line_key = format!("regel {}", number + 1);
            let at = |reason: String| ("policy.csv".to_owned(), line_key.clone(), reason);
            let section = if ptype.starts_with('p') {
                "p"
            } else if ptype.starts_with('g') {
                "g"
            } else {
                ""
            };
            let expected = model
                .get_model()
                .get(section)
                .and_then(|assertions| assertions.get(&ptype))
                .map(|assertion| assertion.tokens.len())
                .ok_or_else(|| at(format!("\"{ptype}\" komt niet voor in model.conf")))?;
            // Grouping rules name their arity by underscores ("_, _, _"), not by tokens.
            let expected = if section == "g" {
                model
                    .get_model()
                    .get("g")
                    .and_then(|a| a.get(&ptype))
                    .map(|a| a.value.matches('_').count())
                    .unwrap_or(expected)
            } else {
                expected
            };
            if values.len() != expected || values.iter().any(String::is_empty) {
                return Err(at(format!(
                    "verwacht {expected} niet-lege waarden na \"{ptype}\", gevonden {}",
                    values.len()
                )));
            }
            rules.push(PolicyRule { ptype, values });
        }
        // Build an enforcer once, so that a matcher that does not compile is refused here.
        let mut enforcer = casbin::Enforcer::new(model, MemoryAdapter::default()).await.map_err(|e| {
            ("model.conf".to_owned(), "-".to_owned(), format!("Casbin kan met dit model niet beslissen: {e}"))
        })?;
        for rule in &rules {
            let result = if rule.ptype.starts_with('g') {
                casbin::MgmtApi::add_named_grouping_policy(&mut enforcer, &rule.ptype, rule.values.clone()).await
            } else {
                casbin::MgmtApi::add_named_policy(&mut enforcer, &rule.ptype, rule.values.clone()).await
            };
            result.map_err(|e| {
                ("policy.csv".to_owned(), "-".to_owned(), format!("Casbin weigert de regel {rule:?}: {e}"))
            })?;
        }
        // A matcher that does not compile only shows when it is used: use it once.
        let arity = enforcer.get_model().get_model().get("r").and_then(|r| r.get("r")).map_or(0, |r| r.tokens.len());
        let probe: Vec<String> = vec![String::new(); arity];
        enforcer.enforce(probe).map_err(|e| {
            ("model.conf".to_owned(), "matchers".to_owned(), format!("Casbin kan de matcher niet uitvoeren: {e}"))
        })?;
        Ok(Self { model: model_text.to_owned(), rules })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MODEL: &str = "[request_definition]\nr = sub, client, obj, act\n[policy_definition]\np = role, obj, act\n\
                         [role_definition]\ng = _, _, _\n[policy_effect]\ne = some(where (p.eft == allow))\n\
                         [matchers]\nm = g(r.sub, p.role, r.client) && r.obj == p.obj && r.act == p.act\n";

    #[tokio::test]
    async fn a_model_must_take_the_portals_question() {
        assert!(RightsPolicy::parse(MODEL, "p, client, home, read").await.is_ok());
        let three_part = MODEL
            .replace("r = sub, client, obj, act", "r = sub, obj, act")
            .replace("g(r.sub, p.role, r.client)", "r.sub == p.role");
        let (file, key, reason) = RightsPolicy::parse(&three_part, "p, client, home, read").await.unwrap_err();
        assert_eq!((file.as_str(), key.as_str()), ("model.conf", "request_definition"));
        assert!(reason.contains("sub, client, obj, act"));
        let no_roles = MODEL
            .replace("[role_definition]\ng = _, _, _\n", "")
            .replace("g(r.sub, p.role, r.client)", "r.sub == p.role");
        let (_, key, _) = RightsPolicy::parse(&no_roles, "p, client, home, read").await.unwrap_err();
        assert_eq!(key, "role_definition");
    }
}
