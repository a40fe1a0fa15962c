//! `careportal sync run`: the tenant's ECD sync, now, with what it did per kind.

use crate::cli::Failure;
use careportal_domain::sync::SyncKind;
use careportal_store::Store;
use careportal_sync::RunOutcome;

/// The kinds the FHIR connector syncs so far, in the order they run.
const SYNCED: [SyncKind; 2] = [SyncKind::Clients, SyncKind::Reports];

pub async fn run(store: &dyn Store, slug: &str, kind: Option<&str>) -> Result<(), Failure> {
    let tenant =
        store.tenant_by_slug(slug).await?.ok_or_else(|| Failure::Failed(format!("geen tenant met slug \"{slug}\"")))?;
    let kinds = match kind {
        None => SYNCED.to_vec(),
        Some(text) => match SyncKind::parse(text).filter(|k| SYNCED.contains(k)) {
            Some(kind) => vec![kind],
            None => {
                let known: Vec<&str> = SYNCED.iter().map(SyncKind::as_str).collect();
                return Err(Failure::Usage(format!("--kind {text}: kies uit {}", known.join(", "))));
            }
        },
    };
    let today = careportal_domain::time::local_date(chrono::Utc::now());
    let outcome = careportal_sync::run(store, &tenant, &kinds, today)
        .await
        .map_err(|e| Failure::Failed(format!("{slug}: synchroniseren mislukt: {e}")))?;
    let RunOutcome::Ran(kinds) = outcome else {
        println!("{slug}: koppeling demo, geen ECD gekoppeld; niets gesynchroniseerd");
        return Ok(());
    };
    let mut skipped_any = false;
    for (kind, done) in kinds {
        println!(
            "{}\t{} nieuw\t{} gewijzigd\t{} ongewijzigd\t{} verwijderd\t{} overgeslagen",
            kind.as_str(),
            done.created,
            done.updated,
            done.unchanged,
            done.removed,
            done.skipped.len()
        );
        for (resource, reason) in &done.skipped {
            eprintln!("{}: {resource} overgeslagen: {reason}", kind.as_str());
        }
        skipped_any |= !done.skipped.is_empty();
    }
    if skipped_any {
        return Err(Failure::Failed(format!("{slug}: niet alles kon worden gelezen (zie hierboven)")));
    }
    Ok(())
}
