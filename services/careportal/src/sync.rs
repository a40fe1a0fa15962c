//! `careportal sync run` and `careportal sync status`: the tenant's ECD sync now, with what
//! it did per kind, and where every tenant's sync stands.

use crate::config::Config;
use crate::failure::Failure;
use careportal_domain::clock::SystemClock;
use careportal_domain::sync::SyncKind;
use careportal_store::Store;
use careportal_sync::status::tenant_status;
use careportal_sync::{SYNCED, StreamResult, TenantRun, When};

pub async fn run(config: &Config, store: &dyn Store, slug: &str, kind: Option<&str>) -> Result<(), Failure> {
    let tenant =
        store.tenant_by_slug(slug).await?.ok_or_else(|| Failure::Failed(format!("geen tenant met slug \"{slug}\"")))?;
    let kinds = match kind {
        None => SYNCED.to_vec(),
        Some(text) => match SyncKind::parse(text) {
            Some(kind) => vec![kind],
            None => {
                let known: Vec<&str> = SYNCED.iter().map(SyncKind::as_str).collect();
                return Err(Failure::Usage(format!("--kind {text}: kies uit {}", known.join(", "))));
            }
        },
    };
    if tenant.is_suspended() {
        return Err(Failure::Failed(format!(
            "{slug} is opgeschort; hervat eerst met `careportal tenant resume {slug}`"
        )));
    }
    let owner = format!("cli:{}", careportal_sync::schedule::worker_name());
    let blobs = config.blobs().await?;
    let run = careportal_sync::sync_tenant(store, &SystemClock, &blobs, &owner, &tenant, &kinds, When::Now).await?;
    let TenantRun::Streams(streams) = run else {
        println!("{slug}: koppeling demo, geen ECD gekoppeld; niets gesynchroniseerd");
        return Ok(());
    };
    let mut trouble = Vec::new();
    for (kind, result) in streams {
        match result {
            StreamResult::Done(done) => {
                println!("{}\t{}", kind.as_str(), done.summary());
                for (resource, reason) in &done.skipped {
                    eprintln!("{}: {resource} overgeslagen: {reason}", kind.as_str());
                }
                if !done.skipped.is_empty() {
                    trouble.push(format!("{}: niet alles kon worden verwerkt", kind.label()));
                }
            }
            StreamResult::Failed(error) => {
                println!("{}\tmislukt: {error}", kind.as_str());
                trouble.push(format!("{}: {error}", kind.label()));
            }
            StreamResult::Busy => {
                println!("{}\tloopt al (een worker is ermee bezig)", kind.as_str());
            }
            StreamResult::NotDue => {}
        }
    }
    if trouble.is_empty() { Ok(()) } else { Err(Failure::Failed(format!("{slug}: {}", trouble.join("; ")))) }
}

pub async fn status(store: &dyn Store, slug: Option<&str>) -> Result<(), Failure> {
    let tenants = match slug {
        Some(slug) => vec![
            store
                .tenant_by_slug(slug)
                .await?
                .ok_or_else(|| Failure::Failed(format!("geen tenant met slug \"{slug}\"")))?,
        ],
        None => store.tenants().await?,
    };
    let now = chrono::Utc::now();
    let at = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map_or("nooit".to_owned(), |t| {
            t.with_timezone(&careportal_domain::time::ZONE).format("%Y-%m-%d %H:%M").to_string()
        })
    };
    for tenant in tenants {
        let status = tenant_status(store, &tenant, now).await?;
        if status.connector != "fhir" {
            println!("{}\tkoppeling {}: geen ECD gekoppeld", tenant.slug, status.connector);
            continue;
        }
        println!(
            "{}\tnaar het ECD: {} wachtend, {} geparkeerd{}",
            tenant.slug,
            status.outbox_pending,
            status.outbox_parked,
            status.oldest_pending.map(|t| format!(", oudste van {}", at(Some(t)))).unwrap_or_default()
        );
        for stream in &status.streams {
            let counts = stream.counts.as_ref().map_or(String::new(), |c| {
                format!(
                    "\t{} nieuw, {} gewijzigd, {} ongewijzigd, {} verwijderd, {} wacht, {} overgeslagen",
                    c.created, c.updated, c.unchanged, c.removed, c.waiting, c.skipped_count
                )
            });
            println!(
                "{}\t{}\t{}\tlaatst gestart {}\tlaatst gelukt {}{}{}{}",
                tenant.slug,
                stream.kind,
                stream.schedule,
                at(stream.last_started_at),
                at(stream.last_success_at),
                if stream.running { "\tloopt nu" } else { "" },
                stream.last_error.as_ref().map(|e| format!("\tfout: {e}")).unwrap_or_default(),
                counts,
            );
        }
        for parked in &status.parked {
            println!(
                "{}\tgeparkeerd\t{} {}\t{}\t{}",
                tenant.slug,
                parked.kind,
                parked.item,
                at(Some(parked.parked_at)),
                parked.error
            );
        }
    }
    Ok(())
}
