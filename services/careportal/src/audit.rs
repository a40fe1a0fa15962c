//! `careportal audit verify` and `careportal audit checkpoint`: the audit chain of every
//! tenant (or one) checked end to end, and a signed checkpoint now rather than at the
//! worker's next round.

use crate::config::Config;
use crate::failure::Failure;
use careportal_app::audit::{AuditKey, checkpoint, prune, verify};
use careportal_domain::tenant::Tenant;
use careportal_store::Store;

async fn tenants(store: &dyn Store, slug: Option<&str>) -> Result<Vec<Tenant>, Failure> {
    match slug {
        None => Ok(store.tenants().await?),
        Some(slug) => match store.tenant_by_slug(slug).await? {
            Some(tenant) => Ok(vec![tenant]),
            None => Err(Failure::Usage(format!("geen tenant met slug \"{slug}\""))),
        },
    }
}

fn key(config: &Config) -> Result<AuditKey, Failure> {
    Ok(AuditKey::derive(config.secret_key()?.bytes()))
}

/// One line per tenant; fails (exit 1) when any chain is broken, naming the first broken link.
pub async fn verify_chains(config: &Config, store: &dyn Store, slug: Option<&str>) -> Result<(), Failure> {
    let key = key(config)?;
    let mut broken = Vec::new();
    for tenant in tenants(store, slug).await? {
        let report = verify(store, &key, tenant.id).await?;
        let mut line = format!("{}: {} vermeldingen", tenant.slug, report.entries);
        match &report.broken {
            None => line.push_str(", keten heel"),
            Some(what) => {
                line.push_str(&format!(", KETEN GEBROKEN: {what}"));
                broken.push(tenant.slug.to_string());
            }
        }
        match report.last_checkpoint {
            Some((seq, at)) => line.push_str(&format!(
                "; {} controlepunt(en), laatste bij #{seq} ({})",
                report.checkpoints,
                at.format("%Y-%m-%d %H:%M UTC")
            )),
            None => line.push_str("; nog geen controlepunt"),
        }
        if report.pruned_to > 0 {
            line.push_str(&format!("; opgeschoond tot en met #{} (bewaartermijn)", report.pruned_to));
        }
        if report.unchained > 0 {
            line.push_str(&format!("; {} van vóór de keten, niet te controleren", report.unchained));
        }
        println!("{line}");
    }
    if broken.is_empty() {
        Ok(())
    } else {
        Err(Failure::Failed(format!("het logboek van {} is niet meer wat er geschreven werd", broken.join(", "))))
    }
}

/// Signs the end of each chain now (when it moved since the last checkpoint).
pub async fn checkpoint_now(config: &Config, store: &dyn Store, slug: Option<&str>) -> Result<(), Failure> {
    let key = key(config)?;
    let now = crate::clock::clock().now();
    for tenant in tenants(store, slug).await? {
        match checkpoint(store, &key, tenant.id, now, chrono::Duration::zero()).await? {
            Some(written) => println!("{}: controlepunt bij #{}", tenant.slug, written.seq),
            None => println!("{}: niets nieuws sinds het laatste controlepunt", tenant.slug),
        }
    }
    Ok(())
}

/// Removes what is past each tenant's retention (`audit.retention_years`), up to a signed
/// checkpoint. On PostgreSQL run it as the database's owner: the portal's role cannot delete.
pub async fn prune_old(config: &Config, store: &dyn Store, slug: Option<&str>) -> Result<(), Failure> {
    let key = key(config)?;
    let now = crate::clock::clock().now();
    for tenant in tenants(store, slug).await? {
        let removed = prune(store, &key, &tenant, now).await?;
        println!(
            "{}: {removed} vermelding(en) ouder dan {} jaar opgeschoond",
            tenant.slug, tenant.config.audit.retention_years
        );
    }
    Ok(())
}
