//! Where a tenant's sync stands, for `careportal sync status` and the status page in Beheer:
//! per kind the last run, the last success, the last error and what it did, how far the
//! portal lags behind the ECD, and what waits to go to the ECD.

use crate::{Counts, SYNCED};
use careportal_domain::sync::{StreamState, SyncKind, schedule_of};
use careportal_domain::tenant::Tenant;
use careportal_store::{OutboxDepth, ParkedItem, Store, StoreError};
use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct StreamStatus {
    pub kind: &'static str,
    pub label: &'static str,
    /// "ieder uur tussen 08:30 en 00:30", "iedere 10 minuten".
    pub schedule: String,
    pub running: bool,
    pub last_started_at: Option<DateTime<Utc>>,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// Created, updated, unchanged, removed, waiting and skipped of the last success.
    pub counts: Option<Counts>,
    /// Minutes since the last success; None when it never succeeded.
    pub lag_minutes: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TenantStatus {
    /// "fhir" or "demo".
    pub connector: String,
    pub streams: Vec<StreamStatus>,
    pub outbox_pending: u32,
    pub outbox_parked: u32,
    pub oldest_pending: Option<DateTime<Utc>>,
    pub parked: Vec<ParkedView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ParkedView {
    pub kind: String,
    pub item: String,
    pub parked_at: DateTime<Utc>,
    pub error: String,
}

pub async fn tenant_status(store: &dyn Store, tenant: &Tenant, now: DateTime<Utc>) -> Result<TenantStatus, StoreError> {
    let states = store.sync_streams(tenant.id).await?;
    let OutboxDepth { pending, parked, oldest_pending } = store.ecd_outbox_depth(tenant.id).await?;
    let parked_items: Vec<ParkedItem> = store.ecd_parked(tenant.id, 20).await?;
    let streams =
        SYNCED.iter().map(|kind| stream_status(*kind, states.iter().find(|s| s.kind == *kind), tenant, now)).collect();
    Ok(TenantStatus {
        connector: tenant.config.sync.connector.clone(),
        streams,
        outbox_pending: pending,
        outbox_parked: parked,
        oldest_pending,
        parked: parked_items
            .into_iter()
            .map(|p| ParkedView { kind: p.item.kind, item: p.item.item, parked_at: p.parked_at, error: p.error })
            .collect(),
    })
}

fn stream_status(kind: SyncKind, state: Option<&StreamState>, tenant: &Tenant, now: DateTime<Utc>) -> StreamStatus {
    let schedule = schedule_of(&tenant.config.sync.schedule, kind);
    let every = match schedule.every_minutes {
        1 => "iedere minuut".to_owned(),
        60 => "ieder uur".to_owned(),
        m if m % 60 == 0 => format!("iedere {} uur", m / 60),
        m => format!("iedere {m} minuten"),
    };
    let schedule = match schedule.window.as_deref().and_then(|w| w.split_once('-')) {
        Some((from, to)) => format!("{every} tussen {} en {}", from.trim(), to.trim()),
        None => every,
    };
    let last_success_at = state.and_then(|s| s.last_success_at);
    StreamStatus {
        kind: kind.as_str(),
        label: kind.label(),
        schedule,
        running: state.is_some_and(|s| s.is_running(now)),
        last_started_at: state.and_then(|s| s.last_started_at),
        last_success_at,
        last_error: state.and_then(|s| s.last_error.clone()),
        counts: state.and_then(|s| s.last_counts.as_deref()).and_then(|c| serde_json::from_str(c).ok()),
        lag_minutes: last_success_at.map(|at| (now - at).num_minutes().max(0)),
    }
}
