//! The background worker: jobs that run on a schedule, for every tenant. Any number of
//! workers may run at once; each job is safe to run twice (the store calls are idempotent),
//! so no leader election is needed.
#![forbid(unsafe_code)]

use careportal_auth::SecretBox;
use careportal_delivery::{DeliveryError, Transports};
use careportal_domain::audit::Origin;
use careportal_domain::clock::Clock;
use careportal_store::{Store, StoreError};
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
}

/// What one round did, for logs and tests.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Round {
    /// Client links removed because care ended (per tenant slug).
    pub access_ended: Vec<(String, u64)>,
    /// Messages sent, retried later and given up, over all tenants.
    pub delivery: careportal_delivery::Round,
}

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Delivery(#[from] DeliveryError),
}

/// One round of every job, for every tenant.
pub async fn run_once(jobs: &Jobs) -> Result<Round, JobError> {
    let (store, clock) = (jobs.store.as_ref(), jobs.clock.as_ref());
    let mut round = Round::default();
    // Care ends on a calendar day in the Netherlands; a few hours of UTC offset do not
    // matter against a period of weeks.
    let today = clock.now().date_naive();
    for tenant in store.tenants().await? {
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
        // The retry path of the outbox; the web process sends right away when it can.
        let sent =
            careportal_delivery::deliver_due(store, &tenant, &jobs.transports, &jobs.secret_box, clock.now()).await?;
        round.delivery.sent += sent.sent;
        round.delivery.retried += sent.retried;
        round.delivery.failed += sent.failed;
    }
    Ok(round)
}

/// Runs [`run_once`] every `interval` until `stop` turns true; finishes the round it is in.
pub async fn run(jobs: Jobs, interval: Duration, mut stop: watch::Receiver<bool>) {
    tracing::info!(interval_seconds = interval.as_secs(), "worker gestart");
    loop {
        if let Err(error) = run_once(&jobs).await {
            tracing::error!(%error, "worker round failed");
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {},
            _ = stop.changed() => break,
        }
    }
    tracing::info!("worker gestopt");
}
