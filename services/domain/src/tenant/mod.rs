//! A tenant: one care organisation, described by a folder `tenants/<slug>/` and loaded into
//! the database by `careportal tenant apply`. This module reads and checks such a folder;
//! every problem names the file, the key and the reason, so an operator can fix it at once.

mod config;
mod load;
mod modules;
mod policy;

pub use config::*;
pub use load::{
    ConfigIssue, MAX_LOGO_BYTES, TenantBundle, check_svg, config_problems, load_dir, parse_config, parse_window,
};
pub use modules::Module;
pub use policy::{PolicyRule, RightsPolicy};

use crate::TenantId;
use chrono::{DateTime, Utc};

/// A slug: short, lowercase, safe in a hostname and a path.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct TenantSlug(String);

impl TenantSlug {
    pub fn parse(text: &str) -> Result<Self, String> {
        let ok = (2..=40).contains(&text.len())
            && text.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !text.starts_with('-')
            && !text.ends_with('-');
        if ok {
            Ok(Self(text.to_owned()))
        } else {
            Err(format!(
                "\"{text}\" is geen geldige slug: 2 tot 40 kleine letters, cijfers of streepjes, niet beginnend of eindigend met een streepje"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for TenantSlug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A tenant as the running portal sees it.
#[derive(Debug, Clone)]
pub struct Tenant {
    pub id: TenantId,
    pub slug: TenantSlug,
    pub config: TenantConfig,
    /// Grows by one at every apply or edit; caches key on it.
    pub version: i64,
    pub updated_at: DateTime<Utc>,
    /// Suspended by the platform operator: the portal answers only a notice, nothing is sent.
    pub suspended_at: Option<DateTime<Utc>>,
}

impl Tenant {
    pub fn is_suspended(&self) -> bool {
        self.suspended_at.is_some()
    }

    /// Enabled modules in menu order, with the tenant's label for each.
    pub fn modules(&self) -> Vec<(Module, String)> {
        let mut placed: Vec<(Option<u16>, usize, Module, String)> = Module::MENU
            .into_iter()
            .enumerate()
            .filter_map(|(at, module)| {
                self.config.modules.get(module.key()).map(|settings| {
                    let label = settings.label.clone().unwrap_or_else(|| module.default_label().to_owned());
                    (settings.order, at, module, label)
                })
            })
            .collect();
        // Placed ones first by their place, then the rest in the manual's order.
        placed.sort_by_key(|(order, at, _, _)| (order.unwrap_or(u16::MAX), *at));
        placed.into_iter().map(|(_, _, module, label)| (module, label)).collect()
    }

    pub fn has_module(&self, module: Module) -> bool {
        self.config.modules.contains_key(module.key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_plain() {
        assert!(TenantSlug::parse("siloah").is_ok());
        assert!(TenantSlug::parse("zorg-en-welzijn-2").is_ok());
        for bad in ["S", "Siloah", "-a", "a-", "a_b", "a.b", ""] {
            assert!(TenantSlug::parse(bad).is_err(), "{bad}");
        }
    }
}
