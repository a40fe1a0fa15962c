//! Page templates: a base set compiled into the binary, and per tenant the overrides from
//! `tenants/<slug>/templates/`, which win. A tenant's set is built once per tenant version.

use careportal_domain::TenantId;
use careportal_domain::tenant::Tenant;
use careportal_store::Store;
use include_dir::{Dir, include_dir};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};
use tera::{Context, Tera};

static TEMPLATE_DIR: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/templates");

/// Changes whenever the base stylesheet changes, so browsers fetch the new one.
pub const ASSET_VERSION: &str = env!("CARGO_PKG_VERSION");

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("sjabloon {name}: {reason}")]
    Invalid { name: String, reason: String },
}

/// Why a page could not be rendered: its template, or the tenant's overrides in the store.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error(transparent)]
    Store(#[from] careportal_store::StoreError),
}

pub struct Templates {
    base: Arc<Tera>,
    by_tenant: RwLock<HashMap<TenantId, (i64, Arc<Tera>)>>,
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Templates").field("base", &self.base.get_template_names().collect::<Vec<_>>()).finish()
    }
}

fn base_sources() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![&TEMPLATE_DIR];
    while let Some(dir) = stack.pop() {
        for file in dir.files() {
            if let (Some(name), Some(text)) = (file.path().to_str(), file.contents_utf8()) {
                out.push((name.replace('\\', "/"), text.to_owned()));
            }
        }
        stack.extend(dir.dirs());
    }
    out
}

fn tera_error(name: &str, error: tera::Error) -> TemplateError {
    // Tera's Display is terse; its source chain says where.
    let mut reason = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(inner) = source {
        reason.push_str(": ");
        reason.push_str(&inner.to_string());
        source = inner.source();
    }
    TemplateError::Invalid { name: name.to_owned(), reason }
}

impl Templates {
    pub fn new() -> Result<Self, TemplateError> {
        let mut tera = Tera::new();
        tera.add_raw_templates(base_sources()).map_err(|e| tera_error("(basis)", e))?;
        Ok(Self { base: Arc::new(tera), by_tenant: RwLock::new(HashMap::new()) })
    }

    /// The names a tenant may override.
    pub fn base_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.base.get_template_names().map(str::to_owned).collect();
        names.sort();
        names
    }

    /// Builds the base set with `overrides` on top; refuses names the base set does not have
    /// (a typo would otherwise be silently ignored) and templates that do not compile.
    pub fn with_overrides(&self, overrides: &BTreeMap<String, String>) -> Result<Tera, TemplateError> {
        let known = self.base_names();
        for name in overrides.keys() {
            if !known.contains(name) {
                return Err(TemplateError::Invalid {
                    name: name.clone(),
                    reason: format!("geen basissjabloon met deze naam; te vervangen zijn: {}", known.join(", ")),
                });
            }
        }
        let mut tera = (*self.base).clone();
        tera.add_raw_templates(overrides.iter()).map_err(|e| tera_error("overrides", e))?;
        Ok(tera)
    }

    pub async fn for_tenant(&self, tenant: &Tenant, store: &dyn Store) -> Result<Arc<Tera>, RenderError> {
        if let Some((version, tera)) = self.read_cache(tenant.id)
            && version == tenant.version
        {
            return Ok(tera);
        }
        let overrides = store.tenant_templates(tenant.id).await?;
        let tera = if overrides.is_empty() { self.base.clone() } else { Arc::new(self.with_overrides(&overrides)?) };
        if let Ok(mut cache) = self.by_tenant.write() {
            cache.insert(tenant.id, (tenant.version, tera.clone()));
        }
        Ok(tera)
    }

    fn read_cache(&self, tenant: TenantId) -> Option<(i64, Arc<Tera>)> {
        self.by_tenant.read().ok()?.get(&tenant).cloned()
    }

    pub async fn render(
        &self,
        tenant: &Tenant,
        store: &dyn Store,
        name: &str,
        context: &Context,
    ) -> Result<String, RenderError> {
        let tera = self.for_tenant(tenant, store).await?;
        tera.render(name, context).map_err(|e| RenderError::Template(tera_error(name, e)))
    }
}

/// What every page knows of its tenant.
#[derive(Debug, Serialize)]
pub struct TenantView {
    pub name: String,
    pub portal_name: String,
    pub tagline: Option<String>,
    pub logo_alt: String,
    pub version: i64,
    pub welcome: Option<String>,
    pub login_requirements: Vec<String>,
    pub support: SupportView,
    pub modules: Vec<ModuleLink>,
}

#[derive(Debug, Serialize)]
pub struct SupportView {
    pub name: String,
    pub email: Option<String>,
    pub email_note: Option<String>,
    pub phone: Option<String>,
    /// For `tel:` links: digits and a leading plus only.
    pub phone_digits: Option<String>,
    pub hours: Option<String>,
    pub content_questions: Option<String>,
    pub website: Option<String>,
    pub website_label: Option<String>,
    pub manual_url: Option<String>,
    pub videos_url: Option<String>,
    pub urgent_phone: Option<String>,
    pub urgent_phone_digits: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ModuleLink {
    pub key: &'static str,
    pub label: String,
    pub path: &'static str,
}

impl TenantView {
    pub fn of(tenant: &Tenant) -> Self {
        let c = &tenant.config;
        let s = &c.support;
        Self {
            name: c.name.clone(),
            portal_name: c.portal_name(),
            tagline: c.branding.tagline.clone(),
            logo_alt: c.branding.logo_alt.clone().unwrap_or_else(|| format!("Logo van {}", c.name)),
            version: tenant.version,
            welcome: c.texts.welcome.clone(),
            login_requirements: c.texts.login_requirements.clone(),
            support: SupportView {
                name: s.name.clone(),
                email: s.email.clone(),
                email_note: s.email_note.clone(),
                phone: s.phone.clone(),
                phone_digits: s.phone.as_ref().map(|p| p.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect()),
                hours: s.hours.clone(),
                content_questions: s.content_questions.clone(),
                website: s.website.clone(),
                website_label: s.website.as_ref().map(|w| {
                    w.trim_start_matches("https://").trim_start_matches("http://").trim_end_matches('/').to_owned()
                }),
                manual_url: s.manual_url.clone(),
                videos_url: s.videos_url.clone(),
                urgent_phone: s.urgent_phone.clone(),
                urgent_phone_digits: s
                    .urgent_phone
                    .as_ref()
                    .map(|p| p.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect()),
            },
            modules: tenant
                .modules()
                .into_iter()
                .map(|(module, label)| ModuleLink { key: module.key(), label, path: module.path() })
                .collect(),
        }
    }
}

/// The context every page starts from.
pub fn page_context(tenant: &Tenant, request_id: &str) -> Context {
    let mut context = Context::new();
    context.insert("tenant", &TenantView::of(tenant));
    context.insert("request_id", request_id);
    context.insert("asset_version", ASSET_VERSION);
    context
}
