//! Running a tenant's streams: when they are due by the tenant's schedule (the worker) or
//! now (`careportal sync run`, "Nu synchroniseren"), each under its lease.

use crate::fhir::FhirClient;
use crate::pull::Connection;
use crate::{KindOutcome, SYNCED};
use careportal_domain::clock::Clock;
use careportal_domain::sync::{SyncKind, is_due, needs_full_pull, schedule_of};
use careportal_domain::tenant::Tenant;
use careportal_store::{Store, StoreError, StreamClaim, StreamFinish};
use tokio::sync::watch;

/// How long a run holds its stream. A worker that dies mid-run holds it no longer than
/// this; a run that takes longer (a first pull of a large ECD) may find another worker
/// running the same stream after it, which the idempotent writes make harmless.
pub const STREAM_LEASE_SECONDS: i64 = 15 * 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// Each stream whose schedule says it is due (the worker's rounds).
    Due,
    /// Each stream now, whenever it last ran.
    Now,
}

/// How one stream's turn went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamResult {
    NotDue,
    /// Another run holds the stream.
    Busy,
    Done(KindOutcome),
    /// The status line: the server was unreachable, refused us, …
    Failed(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TenantRun {
    /// The demo connector: no ECD to ask.
    NoEcd,
    Streams(Vec<(SyncKind, StreamResult)>),
}

/// Runs the tenant's streams among `kinds` (in [`SYNCED`] order: the client list first) that
/// are due, or all of them now; `owner` names this worker in the leases. An error of the ECD
/// ends that stream's run with its status line and the next stream goes on; only the
/// portal's own database failing ends the call.
pub async fn sync_tenant(
    store: &dyn Store,
    clock: &dyn Clock,
    blobs: &careportal_documents::Blobs,
    owner: &str,
    tenant: &Tenant,
    kinds: &[SyncKind],
    when: When,
) -> Result<TenantRun, StoreError> {
    run(store, clock, blobs, owner, tenant, kinds, when, None).await
}

/// The status line of a run that was broken off because its worker was told to stop.
pub const STOPPED: &str = "afgebroken: de worker werd gestopt; de volgende run gaat verder";

/// [`sync_tenant`] for a worker that may be told to stop (SIGTERM in a rolling deploy):
/// when `stop` turns true, the stream that runs is broken off and its lease given back at
/// once, with [`STOPPED`] as its status line, so the next worker need not wait out the lease;
/// the streams after it are left for the next run. Breaking off is safe: each page of a pull
/// is written in its own transaction and the cursor only moves when a run finishes, and the
/// write-back finds what it already sent by its own identifier.
// sync_tenant's seven and the stop; a struct for them would be built at every call only to
// be taken apart here.
#[allow(clippy::too_many_arguments)]
pub async fn sync_tenant_until(
    store: &dyn Store,
    clock: &dyn Clock,
    blobs: &careportal_documents::Blobs,
    owner: &str,
    tenant: &Tenant,
    kinds: &[SyncKind],
    when: When,
    stop: &watch::Receiver<bool>,
) -> Result<TenantRun, StoreError> {
    run(store, clock, blobs, owner, tenant, kinds, when, Some(stop)).await
}

/// Resolves once `stop` turns true; never without one (or once its sender is gone).
async fn stopped(stop: Option<&watch::Receiver<bool>>) {
    if let Some(stop) = stop {
        let mut stop = stop.clone();
        if stop.wait_for(|stopping| *stopping).await.is_ok() {
            return;
        }
    }
    std::future::pending::<()>().await;
}

#[allow(clippy::too_many_arguments)]
async fn run(
    store: &dyn Store,
    clock: &dyn Clock,
    blobs: &careportal_documents::Blobs,
    owner: &str,
    tenant: &Tenant,
    kinds: &[SyncKind],
    when: When,
    stop: Option<&watch::Receiver<bool>>,
) -> Result<TenantRun, StoreError> {
    let config = &tenant.config.sync;
    let Some(settings) = config.ecd() else {
        return Ok(TenantRun::NoEcd);
    };
    let now = clock.now();
    let today = careportal_domain::time::local_date(now);
    let states = store.sync_streams(tenant.id).await?;
    let mut connection: Option<Result<Connection<'_>, String>> = None;
    let mut results = Vec::new();
    for kind in SYNCED.into_iter().filter(|k| kinds.contains(k)) {
        if stop.is_some_and(|stop| *stop.borrow()) {
            break;
        }
        let state = states.iter().find(|s| s.kind == kind);
        let claim = match when {
            When::Now => StreamClaim::Now,
            When::Due => {
                if state.is_some_and(|s| s.is_running(now)) {
                    results.push((kind, StreamResult::Busy));
                    continue;
                }
                let last = state.and_then(|s| s.last_started_at);
                if !is_due(Some(&schedule_of(&config.schedule, kind)), last, now) {
                    results.push((kind, StreamResult::NotDue));
                    continue;
                }
                StreamClaim::IfLastStarted(last)
            }
        };
        let Some(claimed) = store.claim_sync_stream(tenant.id, kind, owner, claim, STREAM_LEASE_SECONDS).await? else {
            results.push((kind, StreamResult::Busy));
            continue;
        };
        let conn = connection.get_or_insert_with(|| {
            FhirClient::new(settings)
                .map(|fhir| Connection::new(store, blobs, tenant, fhir, settings.client_identifier_system.clone(), now))
                .map_err(|e| e.to_string())
        });
        let (finish, result) = match conn {
            Err(error) => failed(error.clone()),
            Ok(conn) => {
                let full = needs_full_pull(Some(&claimed), now);
                let pulled = tokio::select! {
                    pulled = conn.pull(kind, claimed.cursor.as_deref(), full, today) => Some(pulled),
                    () = stopped(stop) => None,
                };
                match pulled {
                    Some(Ok(pulled)) => (
                        StreamFinish { cursor: pulled.cursor, full: pulled.full, result: Ok(pulled.outcome.to_json()) },
                        StreamResult::Done(pulled.outcome),
                    ),
                    Some(Err(error)) => failed(error.to_string()),
                    None => failed(STOPPED.to_owned()),
                }
            }
        };
        if let StreamResult::Failed(error) = &result {
            tracing::warn!(tenant = %tenant.slug, kind = kind.as_str(), %error, "synchroniseren mislukt");
        }
        store.finish_sync_stream(tenant.id, kind, owner, &finish).await?;
        results.push((kind, result));
    }
    Ok(TenantRun::Streams(results))
}

fn failed(error: String) -> (StreamFinish, StreamResult) {
    (StreamFinish { cursor: None, full: false, result: Err(error.clone()) }, StreamResult::Failed(error))
}

/// A name for this worker in the leases: the host, the process and a random part, so two
/// workers on one host (or a restarted one) are told apart.
pub fn worker_name() -> String {
    let host = std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty()).unwrap_or_else(|| "careportal".to_owned());
    format!("{host}:{}:{}", std::process::id(), &uuid::Uuid::new_v4().simple().to_string()[..8])
}
