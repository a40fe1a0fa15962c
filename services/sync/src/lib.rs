//! The ECD sync: fills the portal's read model from the care organisation's ECD through the
//! tenant's connector, and sends back what people write in the portal. `fhir` talks FHIR R4
//! (nl-core profiles); `demo` is the embedded default with no ECD behind it, whose data
//! comes from `careportal demo`.
//!
//! The work is cut into streams, one per tenant and [`SyncKind`]: the client list
//! (Patients), Rapportages (progress-note Compositions), Metingen (vital-sign Observations)
//! and the write-back of `ecd_outbox`. Each stream runs on its tenant's schedule
//! ([`schedule::sync_tenant`]) under a lease in the database, so any number of workers
//! never run one stream twice at once, and a crashed worker's stream is taken over when its
//! lease runs out. Pulls are incremental (`_lastUpdated` from the stream's cursor) with a
//! full read once a day to find deletes; every write is idempotent, so a second run with
//! nothing changed in the ECD writes nothing, and goes through the store with the sync as
//! its origin, so it is in the audit log like any other write.
#![forbid(unsafe_code)]

pub mod appointments;
pub mod consents;
pub mod documents;
pub mod fhir;
pub mod measurements;
pub mod messages;
pub mod network;
pub mod patients;
pub mod plans;
pub mod profiles;
mod pull;
mod push;
pub mod questionnaires;
pub mod reports;
pub mod schedule;
mod smart;
pub mod status;

pub use schedule::{StreamResult, TenantRun, When, sync_tenant, sync_tenant_until};

use careportal_domain::sync::SyncKind;
use careportal_store::StoreError;
use fhir::FhirError;
use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("{0}")]
    Fhir(#[from] FhirError),
    #[error("opslag: {0}")]
    Store(#[from] StoreError),
}

/// What one stream's run did.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindOutcome {
    pub created: u32,
    pub updated: u32,
    pub unchanged: u32,
    /// Removed from the portal: entered in error in the ECD, or no longer there.
    pub removed: u32,
    /// Write-backs that failed this time and wait for their next try.
    #[serde(default)]
    pub waiting: u32,
    /// Resources that could not be read, or write-backs parked: which one (`Patient/123`,
    /// `report 0193…`) and why. The rest of the batch goes on without them.
    pub skipped: Vec<(String, String)>,
}

impl KindOutcome {
    /// At most this many skipped items are kept with a run's outcome; the count is whole.
    const KEPT_SKIPPED: usize = 50;

    /// The outcome as kept in the stream's last counts.
    pub fn to_json(&self) -> String {
        let mut skipped = self.skipped.clone();
        skipped.truncate(Self::KEPT_SKIPPED);
        let counts = Counts {
            created: self.created,
            updated: self.updated,
            unchanged: self.unchanged,
            removed: self.removed,
            waiting: self.waiting,
            skipped_count: u32::try_from(self.skipped.len()).unwrap_or(u32::MAX),
            skipped,
        };
        serde_json::to_string(&counts).unwrap_or_default()
    }

    /// One line for the CLI and the logs.
    pub fn summary(&self) -> String {
        format!(
            "{} nieuw\t{} gewijzigd\t{} ongewijzigd\t{} verwijderd\t{} wacht\t{} overgeslagen",
            self.created,
            self.updated,
            self.unchanged,
            self.removed,
            self.waiting,
            self.skipped.len()
        )
    }
}

/// What a stream's last successful run did, as kept with the stream: the counts of a
/// [`KindOutcome`], with at most 50 of the skipped items named.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub created: u32,
    pub updated: u32,
    pub unchanged: u32,
    pub removed: u32,
    #[serde(default)]
    pub waiting: u32,
    #[serde(default)]
    pub skipped_count: u32,
    #[serde(default)]
    pub skipped: Vec<(String, String)>,
}

/// The kinds the FHIR connector syncs, in the order a run takes them: the client list first,
/// since everything else hangs on a client.
pub const SYNCED: [SyncKind; 11] = SyncKind::ALL;

/// `Patient/123`, for reports of what was skipped.
fn resource_name(resource: &serde_json::Value) -> String {
    use serde_json::Value;
    let kind = resource.get("resourceType").and_then(Value::as_str).unwrap_or("?");
    let id = resource.get("id").and_then(Value::as_str).unwrap_or("?");
    format!("{kind}/{id}")
}
