//! The background worker: jobs that run on a schedule, for every tenant. Any number of
//! workers may run at once; each job is safe to run twice (the store calls are idempotent),
//! so no leader election is needed. The ECD sync runs in a loop of its own beside the other
//! jobs, so a slow ECD never holds up e-mail and SMS; its streams are claimed with leases
//! in the database, so two workers never run the same tenant's stream at once.
#![forbid(unsafe_code)]

use careportal_auth::SecretBox;
use careportal_delivery::{DeliveryError, Transports};
use careportal_domain::audit::Origin;
use careportal_domain::clock::Clock;
use careportal_domain::sync::SyncKind;
use careportal_store::{Store, StoreError};
use careportal_sync::{StreamResult, TenantRun, When};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// What the jobs work with.
#[derive(Clone, Debug)]
pub struct Jobs {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub transports: Arc<Transports>,
    pub secret_box: SecretBox,
    /// Signs the audit log's checkpoints.
    pub audit_key: careportal_app::audit::AuditKey,
    /// Where the ECD's documents are put.
    pub blobs: Arc<careportal_documents::Blobs>,
    /// This worker's name in the sync's leases (`careportal_sync::schedule::worker_name`).
    pub owner: String,
}

/// What one round did, for logs and tests.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Round {
    /// Client links removed because care ended (per tenant slug).
    pub access_ended: Vec<(String, u64)>,
    /// Messages sent, retried later and given up, over all tenants.
    pub delivery: careportal_delivery::Round,
    /// Tenants whose audit chain got a signed checkpoint.
    pub checkpoints: usize,
    /// "Download mijn dossier": ZIPs made, failed and deleted after their week.
    pub dossiers: careportal_app::dossier::ExportRound,
    /// People told that their access stops some weeks after a client's care ended.
    pub care_end_notices: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Delivery(#[from] DeliveryError),
    #[error("{0}")]
    Accounts(#[from] careportal_accounts::InviteError),
}

/// One round of every job, for every tenant.
pub async fn run_once(jobs: &Jobs) -> Result<Round, JobError> {
    let (store, clock) = (jobs.store.as_ref(), jobs.clock.as_ref());
    let mut round = Round::default();
    // Care ends on a calendar day in the Netherlands; a few hours of UTC offset do not
    // matter against a period of weeks.
    let today = clock.now().date_naive();
    let tenants = store.tenants().await?;
    round.checkpoints = careportal_app::audit::checkpoint_all(store, &jobs.audit_key, &tenants, clock.now()).await?;
    // A suspended tenant sends nothing and changes nothing until it is resumed; its audit
    // chain is still vouched for above.
    for tenant in tenants.into_iter().filter(|t| !t.is_suspended()) {
        // Told first: an end date that is already past the removal still gets its notice
        // (the mail says when access stops; it may be today).
        round.care_end_notices += careportal_accounts::tell_care_ends(store, &jobs.secret_box, &tenant).await?;
        // Siloah: "... dan wordt het account automatisch na zes weken verwijderd."
        if let Some(days) = tenant.config.access.remove_accounts_days_after_care {
            let cutoff = today - chrono::Duration::days(i64::from(days));
            let ended = store.end_access_after_care(tenant.id, &Origin::system("worker"), cutoff).await?;
            if ended > 0 {
                tracing::info!(tenant = %tenant.slug, ended, "toegang beëindigd na einde zorg");
                round.access_ended.push((tenant.slug.to_string(), ended));
            }
        }
        // Rate-limit counters only matter for the hour they count; dead sign-in data (ended
        // sessions, old codes and links, expired devices) serves nobody and is deleted. Codes
        // and links are kept a day past their end, so the SMS limits can still count them.
        let day_ago = clock.now() - chrono::Duration::days(1);
        store.purge_hits(tenant.id, day_ago).await?;
        store.purge_sign_in(tenant.id, tenant.config.auth.idle_timeout_minutes, day_ago).await?;
        // Requested dossiers: the web process starts making them at once; this catches what
        // it could not finish, and deletes what has waited its week.
        let dossiers = careportal_app::dossier::run(store, &jobs.blobs, &tenant, clock.now()).await?;
        round.dossiers.made += dossiers.made;
        round.dossiers.failed += dossiers.failed;
        round.dossiers.expired += dossiers.expired;
        // The retry path of the outbox; the web process sends right away when it can.
        let sent =
            careportal_delivery::deliver_due(store, &tenant, &jobs.transports, &jobs.secret_box, clock.now()).await?;
        round.delivery.sent += sent.sent;
        round.delivery.retried += sent.retried;
        round.delivery.failed += sent.failed;
    }
    Ok(round)
}

/// One round of the ECD sync: for every tenant with an ECD, each stream that its schedule
/// says is due and no other worker holds. What each stream did, per tenant slug.
pub async fn sync_once(jobs: &Jobs) -> Result<Vec<(String, SyncKind, StreamResult)>, JobError> {
    // A sender kept here never sends: the round runs to its end.
    let (_never, stop) = watch::channel(false);
    sync_until(jobs, &stop).await
}

/// [`sync_once`] that breaks off when `stop` turns true: the running stream gives its lease
/// back at once (`careportal_sync::sync_tenant_until`) and the tenants after it wait for the
/// next worker.
pub async fn sync_until(
    jobs: &Jobs,
    stop: &watch::Receiver<bool>,
) -> Result<Vec<(String, SyncKind, StreamResult)>, JobError> {
    let mut done = Vec::new();
    for tenant in jobs.store.tenants().await?.into_iter().filter(|t| !t.is_suspended()) {
        if *stop.borrow() {
            break;
        }
        let run = careportal_sync::sync_tenant_until(
            jobs.store.as_ref(),
            jobs.clock.as_ref(),
            &jobs.blobs,
            &jobs.owner,
            &tenant,
            &careportal_sync::SYNCED,
            When::Due,
            stop,
        )
        .await;
        match run {
            Ok(TenantRun::NoEcd) => {}
            Ok(TenantRun::Streams(streams)) => {
                for (kind, result) in streams {
                    if let StreamResult::Done(outcome) = &result
                        && (outcome.created, outcome.updated, outcome.removed) != (0, 0, 0)
                    {
                        tracing::info!(tenant = %tenant.slug, kind = kind.as_str(), counts = %outcome.summary(), "gesynchroniseerd");
                    }
                    done.push((tenant.slug.to_string(), kind, result));
                }
            }
            // One tenant's trouble does not stop the others'.
            Err(error) => tracing::error!(tenant = %tenant.slug, %error, "sync round failed"),
        }
    }
    Ok(done)
}

/// How often the sync loop looks for due streams. Schedules count in minutes, so once a
/// minute is enough, and only the streams that are due do any work.
pub const SYNC_LOOK_EVERY: Duration = Duration::from_secs(60);

/// Runs [`run_once`] every `interval` and [`sync_once`] every `sync_every`, side by side,
/// until `stop` turns true. The jobs finish the round they are in (mail and SMS are short);
/// a sync that runs is broken off and its lease given back at once ([`sync_until`]), so the
/// worker that replaces this one in a rolling deploy need not wait out a 15-minute lease.
pub async fn run(jobs: Jobs, interval: Duration, stop: watch::Receiver<bool>) {
    run_with(jobs, interval, SYNC_LOOK_EVERY, stop).await;
}

pub async fn run_with(jobs: Jobs, interval: Duration, sync_every: Duration, stop: watch::Receiver<bool>) {
    tracing::info!(interval_seconds = interval.as_secs(), "worker gestart");
    let mut stop_jobs = stop.clone();
    let mut stop_sync = stop;
    let job_loop = async {
        loop {
            if let Err(error) = run_once(&jobs).await {
                tracing::error!(%error, "worker round failed");
            }
            tokio::select! {
                _ = tokio::time::sleep(interval) => {},
                _ = stop_jobs.changed() => break,
            }
        }
    };
    let stop_now = stop_sync.clone();
    let sync_loop = async {
        loop {
            if let Err(error) = sync_until(&jobs, &stop_now).await {
                tracing::error!(%error, "sync round failed");
            }
            tokio::select! {
                _ = tokio::time::sleep(sync_every) => {},
                _ = stop_sync.changed() => break,
            }
        }
    };
    tokio::join!(job_loop, sync_loop);
    tracing::info!("worker gestopt");
}
