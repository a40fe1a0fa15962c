//! The ECD sync: fills the portal's read model from the care organisation's ECD through the
//! tenant's connector. `fhir` talks FHIR R4 (nl-core profiles); `demo` is the embedded
//! default with no ECD behind it, whose data comes from `careportal demo`.
//!
//! This first part pulls the client list (Patients) and Rapportages (progress-note
//! Compositions). A run is idempotent: a second run with
//! nothing changed in the ECD writes nothing. Every change is written through the store with
//! the sync as its origin, so it is in the audit log like any other write.
#![forbid(unsafe_code)]

pub mod fhir;
pub mod patients;
pub mod reports;

use careportal_domain::ClientId;
use careportal_domain::audit::Origin;
use careportal_domain::people::{Client, ClientChanges, ClientReference, NewClient};
use careportal_domain::record::Source;
use careportal_domain::record::reports::NewReport;
use careportal_domain::sync::SyncKind;
use careportal_domain::tenant::Tenant;
use careportal_store::Upserted;
use careportal_store::{Store, StoreError};
use chrono::NaiveDate;
use fhir::{FhirClient, FhirError};
use serde_json::Value;
use std::collections::HashMap;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("{0}")]
    Fhir(#[from] FhirError),
    #[error("opslag: {0}")]
    Store(#[from] StoreError),
}

/// What one kind's run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct KindOutcome {
    pub created: u32,
    pub updated: u32,
    pub unchanged: u32,
    /// Removed from the portal because the ECD marked them entered in error.
    pub removed: u32,
    /// Resources that could not be read: which one (`Patient/123`) and why. The rest of the
    /// batch goes on without them.
    pub skipped: Vec<(String, String)>,
}

/// What a run did, per kind; `None` for the demo connector, which has no ECD to ask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunOutcome {
    NoEcd,
    Ran(Vec<(SyncKind, KindOutcome)>),
}

/// Runs the tenant's connector for `kinds` now. `today` is the Amsterdam date a Patient that
/// became inactive gets as its care end date.
pub async fn run(
    store: &dyn Store,
    tenant: &Tenant,
    kinds: &[SyncKind],
    today: NaiveDate,
) -> Result<RunOutcome, SyncError> {
    let Some(settings) = tenant.config.sync.fhir.as_ref().filter(|_| tenant.config.sync.connector == "fhir") else {
        return Ok(RunOutcome::NoEcd);
    };
    let client = FhirClient::new(settings)?;
    let system = settings.client_identifier_system.as_str();
    // Every kind needs to know which Patient is which client; one search serves them all,
    // and it is read whole before anything is written.
    let patients = client.search_all("Patient", &[("identifier", format!("{system}|"))]).await?;
    let references: HashMap<String, ClientReference> = patients
        .iter()
        .filter_map(|p| {
            let id = p.get("id")?.as_str()?.to_owned();
            let reference = ClientReference::parse(patients::identifier_in(p, system)?).ok()?;
            Some((id, reference))
        })
        .collect();
    let mut outcomes = Vec::new();
    for kind in kinds {
        let outcome = match kind {
            SyncKind::Clients => pull_clients(store, tenant, &patients, system, today).await?,
            SyncKind::Reports => pull_reports(store, tenant, &client, &references).await?,
            // Reports, measurements and the write-back come with the next part of the
            // connector (issue #10); asking for them now says so rather than pretending.
            other => {
                return Err(SyncError::Fhir(FhirError::Settings(format!(
                    "{} worden nog niet via FHIR gesynchroniseerd",
                    other.label()
                ))));
            }
        };
        outcomes.push((*kind, outcome));
    }
    Ok(RunOutcome::Ran(outcomes))
}

/// Every Patient with an identifier in the tenant's client system becomes a client, or
/// updates the one with that reference.
async fn pull_clients(
    store: &dyn Store,
    tenant: &Tenant,
    patients: &[Value],
    system: &str,
    today: NaiveDate,
) -> Result<KindOutcome, SyncError> {
    let origin = Origin::system("sync");
    let mut outcome = KindOutcome::default();
    for resource in patients {
        let record = match patients::map_patient(resource, system) {
            Ok(Some(record)) => record,
            Ok(None) => continue,
            Err(reason) => {
                outcome.skipped.push((resource_name(resource), reason));
                continue;
            }
        };
        let existing = store.client_by_reference(tenant.id, &record.reference).await?;
        let care_ended_on = match (&existing, record.active) {
            (_, true) => None,
            // The first day the ECD says so stays the end date on later runs.
            (Some(Client { care_ended_on: Some(day), .. }), false) => Some(*day),
            (_, false) => Some(today),
        };
        let changes = ClientChanges { name: record.name.clone(), birth_date: record.birth_date, care_ended_on };
        let current = match existing {
            Some(current) => current,
            None => {
                let new =
                    NewClient { reference: record.reference.clone(), name: record.name, birth_date: record.birth_date };
                let created = store.create_client(tenant.id, &origin, &new).await?;
                outcome.created += 1;
                if care_ended_on.is_some() {
                    store.update_client(tenant.id, &origin, created.id, &changes).await?;
                }
                continue;
            }
        };
        let same = current.name == changes.name
            && current.birth_date == changes.birth_date
            && current.care_ended_on == changes.care_ended_on;
        if same {
            outcome.unchanged += 1;
        } else {
            store.update_client(tenant.id, &origin, current.id, &changes).await?;
            outcome.updated += 1;
        }
    }
    if !outcome.skipped.is_empty() {
        tracing::warn!(tenant = %tenant.slug, skipped = outcome.skipped.len(), "Patients overgeslagen");
    }
    Ok(outcome)
}

/// Every progress note becomes a report of its Patient's client, keyed by its identifier;
/// an entered-in-error one is removed. Notes of Patients that are not clients are skipped.
async fn pull_reports(
    store: &dyn Store,
    tenant: &Tenant,
    client: &FhirClient,
    references: &HashMap<String, ClientReference>,
) -> Result<KindOutcome, SyncError> {
    let origin = Origin::system("sync");
    let notes = client.search_all("Composition", &[("type", reports::PROGRESS_NOTE.to_owned())]).await?;
    let mut clients: HashMap<ClientReference, Option<ClientId>> = HashMap::new();
    let mut outcome = KindOutcome::default();
    for resource in &notes {
        let change = match reports::map_composition(resource) {
            Ok(change) => change,
            Err(reason) => {
                outcome.skipped.push((resource_name(resource), reason));
                continue;
            }
        };
        match change {
            reports::ReportChange::Ignore => {}
            reports::ReportChange::Remove { key } => {
                if store.remove_ecd_report(tenant.id, &origin, &key).await? {
                    outcome.removed += 1;
                }
            }
            reports::ReportChange::Put { key, patient, written_at, author, body } => {
                let Some(reference) = references.get(&patient) else {
                    outcome.skipped.push((resource_name(resource), format!("Patient/{patient} is geen cliënt")));
                    continue;
                };
                let id = match clients.get(reference) {
                    Some(id) => *id,
                    None => {
                        let id = store.client_by_reference(tenant.id, reference).await?.map(|c| c.id);
                        clients.insert(reference.clone(), id);
                        id
                    }
                };
                let Some(id) = id else {
                    outcome.skipped.push((resource_name(resource), format!("cliënt {reference} is (nog) niet bekend")));
                    continue;
                };
                let report = NewReport { written_at, author, author_account: None, source: Source::Ecd, body };
                match store.put_ecd_report(tenant.id, &origin, id, &key, &report).await? {
                    Upserted::Created => outcome.created += 1,
                    Upserted::Updated => outcome.updated += 1,
                    Upserted::Unchanged => outcome.unchanged += 1,
                }
            }
        }
    }
    Ok(outcome)
}

/// `Patient/123`, for reports of what was skipped.
fn resource_name(resource: &Value) -> String {
    let kind = resource.get("resourceType").and_then(Value::as_str).unwrap_or("?");
    let id = resource.get("id").and_then(Value::as_str).unwrap_or("?");
    format!("{kind}/{id}")
}
