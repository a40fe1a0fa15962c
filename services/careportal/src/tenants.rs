//! `careportal tenant …`: check, load, list and export tenant folders.

use crate::config::Config;
use crate::failure::Failure;
use careportal_domain::audit::Origin;
use careportal_domain::tenant::{ConfigIssue, TenantBundle, load_dir};
use careportal_store::Store;
use careportal_web::Templates;
use std::path::{Path, PathBuf};

/// Where `rights.policy` folders are looked up: `policies/` beside the `tenants/` folder
/// that holds `dir`, else the configured `policies_dir`.
fn policies_root(config: &Config, dir: &Path) -> PathBuf {
    let sibling = dir.canonicalize().ok().and_then(|d| d.parent()?.parent().map(|p| p.join("policies")));
    match sibling {
        Some(path) if path.is_dir() => path,
        _ => config.policies_dir.clone(),
    }
}

/// Reads and checks a tenant folder, including that its template overrides compile.
pub async fn check(config: &Config, dir: &Path) -> Result<TenantBundle, Vec<ConfigIssue>> {
    let bundle = load_dir(dir, &policies_root(config, dir)).await?;
    let templates = Templates::new().map_err(|e| {
        vec![ConfigIssue { file: dir.join("templates"), key: "templates".to_owned(), reason: e.to_string() }]
    })?;
    templates.with_overrides(&bundle.templates).map_err(|e| {
        vec![ConfigIssue { file: dir.join("templates"), key: "templates".to_owned(), reason: e.to_string() }]
    })?;
    Ok(bundle)
}

fn report(issues: Vec<ConfigIssue>) -> Failure {
    let lines: Vec<String> = issues.iter().map(ToString::to_string).collect();
    Failure::Failed(lines.join("\n"))
}

pub async fn validate(config: &Config, dir: &Path) -> Result<(), Failure> {
    let bundle = check(config, dir).await.map_err(report)?;
    println!("{}: in orde (tenant {})", dir.display(), bundle.slug);
    Ok(())
}

pub async fn apply(config: &Config, store: &dyn Store, dir: &Path) -> Result<(), Failure> {
    let bundle = check(config, dir).await.map_err(report)?;
    let applied = store.apply_tenant(&Origin::system("cli"), &bundle).await.map_err(|e| match e {
        careportal_store::StoreError::Conflict(what) => Failure::Failed(format!("{}: {what}", dir.display())),
        other => Failure::Failed(format!("database: {other}")),
    })?;
    let verb = if applied.created { "aangemaakt" } else { "bijgewerkt" };
    println!("tenant {} {verb} (versie {})", bundle.slug, applied.version);
    Ok(())
}

pub async fn list(store: &dyn Store) -> Result<(), Failure> {
    for tenant in store.tenants().await? {
        let hosts = store.tenant_hostnames(tenant.id).await?;
        let state = if tenant.is_suspended() { "\topgeschort" } else { "" };
        println!("{}\t{}\tversie {}\t{}{state}", tenant.slug, tenant.config.name, tenant.version, hosts.join(","));
    }
    Ok(())
}

/// `tenant suspend` / `tenant resume`: the portal answers only a notice and nothing is sent
/// for it, or it is back as it was.
pub async fn suspend(store: &dyn Store, slug: &str, suspended: bool) -> Result<(), Failure> {
    let tenant =
        store.tenant_by_slug(slug).await?.ok_or_else(|| Failure::Failed(format!("geen tenant met slug \"{slug}\"")))?;
    let origin = careportal_domain::audit::Origin::system("cli");
    let changed = store.set_tenant_suspended(&origin, tenant.id, suspended).await?;
    let name = &tenant.config.name;
    match (suspended, changed) {
        (true, true) => println!("{name} is opgeschort: het portaal toont alleen een melding en verstuurt niets."),
        (true, false) => println!("{name} was al opgeschort."),
        (false, true) => println!("{name} is hervat: het portaal werkt weer."),
        (false, false) => println!("{name} was niet opgeschort."),
    }
    Ok(())
}

pub async fn export(store: &dyn Store, slug: &str, root: Option<&Path>) -> Result<(), Failure> {
    let tenant =
        store.tenant_by_slug(slug).await?.ok_or_else(|| Failure::Failed(format!("geen tenant met slug \"{slug}\"")))?;
    let text =
        toml::to_string(&tenant.config).map_err(|e| Failure::Failed(format!("kan niet als TOML schrijven: {e}")))?;
    let Some(root) = root else {
        print!("{text}");
        return Ok(());
    };
    // The layout `tenant apply` reads: ROOT/tenants/<slug>/ beside ROOT/policies/<name>/.
    let folder = root.join("tenants").join(slug);
    let policy_folder = root.join("policies").join(&tenant.config.rights.policy);
    let write = |path: &Path, bytes: &[u8]| -> Result<(), Failure> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| Failure::Failed(format!("kan {} niet maken: {e}", parent.display())))?;
        }
        std::fs::write(path, bytes).map_err(|e| Failure::Failed(format!("kan {} niet schrijven: {e}", path.display())))
    };
    for path in [folder.join("tenant.toml"), policy_folder.join("model.conf")] {
        if path.exists() {
            return Err(Failure::Failed(format!("{} bestaat al; kies een lege map", path.display())));
        }
    }
    write(&folder.join("tenant.toml"), text.as_bytes())?;
    let logo = store.tenant_logo(tenant.id).await?.unwrap_or_default();
    write(&folder.join(&tenant.config.branding.logo), logo.as_bytes())?;
    let templates = store.tenant_templates(tenant.id).await?;
    for (name, body) in &templates {
        write(&folder.join("templates").join(name), body.as_bytes())?;
    }
    let rights = store
        .tenant_rights(tenant.id)
        .await?
        .ok_or_else(|| Failure::Failed(format!("{slug} heeft geen rechtenmodel in de database")))?;
    write(&policy_folder.join("model.conf"), rights.model.as_bytes())?;
    let rules: String = rights.rules.iter().map(|r| format!("{}, {}\n", r.ptype, r.values.join(", "))).collect();
    write(&policy_folder.join("policy.csv"), rules.as_bytes())?;
    println!(
        "{slug} geschreven naar {} ({} sjablonen) en {}; laad het met `careportal tenant apply {}`",
        folder.display(),
        templates.len(),
        policy_folder.display(),
        folder.display()
    );
    Ok(())
}
