//! The pulls: Patients, Compositions and Observations from the ECD into the portal, each
//! incremental from its stream's cursor, with a full read now and then that also removes
//! what the ECD no longer has.

use crate::appointments::{self, AppointmentChange};
use crate::consents::{self, ConsentChange};
use crate::documents::{self, DocumentChange};
use crate::fhir::FhirClient;
use crate::measurements::{self, MeasurementChange};
use crate::messages::{self, MessageChange};
use crate::profiles::{self, ProfileChange};
use crate::questionnaires::{self, ResponseChange};
use crate::reports::{self, ReportChange};
use crate::{KindOutcome, SyncError, network, patients, resource_name};
use careportal_domain::ClientId;
use careportal_domain::audit::Origin;
use careportal_domain::people::{ClientChanges, ClientReference, EcdContact, NewClient};
use careportal_domain::record::Source;
use careportal_domain::record::documents::{DocumentKind, NewDocument};
use careportal_domain::record::reports::NewReport;
use careportal_domain::sync::SyncKind;
use careportal_domain::tenant::Tenant;
use careportal_store::{EcdAppointment, EcdMeasurement, EcdMessage, EcdReport, Store, Upserted};
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};

/// How far back from the newest change seen the next incremental pull starts: a server may
/// commit a change stamped a moment before one it committed earlier, and reading a few
/// minutes twice costs only unchanged upserts.
const CURSOR_OVERLAP_MINUTES: i64 = 2;

/// Upserts per transaction: one transaction per item made a first pull of a large ECD
/// spend its time on commits (see `make bench`); a page-sized batch keeps each transaction
/// short enough not to hold SQLite's writer for long.
const WRITE_BATCH: usize = 500;

/// The connector for one tenant's run: the FHIR client, the tenant's client system, and
/// which Patient is which client, learnt as the run goes.
pub(crate) struct Connection<'a> {
    pub store: &'a dyn Store,
    pub blobs: &'a careportal_documents::Blobs,
    pub tenant: &'a Tenant,
    pub fhir: FhirClient,
    pub system: String,
    /// When the run started, by the deployment's clock: what retry times count from.
    pub now: DateTime<Utc>,
    /// Patient server id → the client (None: not a client of this portal).
    by_patient: HashMap<String, Option<ClientId>>,
    /// Client → its Patient's server id, for the write-back.
    by_client: HashMap<ClientId, Option<String>>,
}

/// Who a resource's `subject` is to the portal.
enum PatientIs {
    Client(ClientId),
    /// A Patient without an identifier in the tenant's client system.
    NotOurs,
    /// The ECD has no such Patient.
    Missing,
    /// One of ours by its identifier, but not (yet) a client in the portal: the client
    /// list has not been pulled since, or the Patient could not be read.
    Unknown(String),
}

/// What a pull read, for the stream's state.
pub(crate) struct Pulled {
    pub outcome: KindOutcome,
    pub cursor: Option<String>,
    pub full: bool,
}

impl<'a> Connection<'a> {
    pub fn new(
        store: &'a dyn Store,
        blobs: &'a careportal_documents::Blobs,
        tenant: &'a Tenant,
        fhir: FhirClient,
        system: String,
        now: DateTime<Utc>,
    ) -> Self {
        Self { store, blobs, tenant, fhir, system, now, by_patient: HashMap::new(), by_client: HashMap::new() }
    }

    /// The client a resource's Patient is, reading the Patient once per run when it was not
    /// among those pulled.
    async fn client_of_patient(&mut self, patient: &str) -> Result<PatientIs, SyncError> {
        if let Some(known) = self.by_patient.get(patient) {
            return Ok(known.map_or(PatientIs::NotOurs, PatientIs::Client));
        }
        let Some(resource) = self.fhir.read("Patient", patient).await? else {
            return Ok(PatientIs::Missing);
        };
        let Some(value) = patients::identifier_in(&resource, &self.system) else {
            self.by_patient.insert(patient.to_owned(), None);
            return Ok(PatientIs::NotOurs);
        };
        let client = match ClientReference::parse(value) {
            Ok(reference) => self.store.client_by_reference(self.tenant.id, &reference).await?.map(|c| c.id),
            Err(_) => None,
        };
        let Some(client) = client else { return Ok(PatientIs::Unknown(value.to_owned())) };
        self.by_patient.insert(patient.to_owned(), Some(client));
        self.by_client.insert(client, Some(patient.to_owned()));
        Ok(PatientIs::Client(client))
    }

    /// The client `resource` (about `patient`) belongs to. None when it is no concern of the
    /// portal (a Patient without the tenant's client identifier), and also when it is a
    /// fault, which is then added to the outcome's skipped with its reason.
    async fn client_or_skip(
        &mut self,
        resource: &Value,
        patient: &str,
        outcome: &mut KindOutcome,
    ) -> Result<Option<ClientId>, SyncError> {
        let reason = match self.client_of_patient(patient).await? {
            PatientIs::Client(id) => return Ok(Some(id)),
            PatientIs::NotOurs => return Ok(None),
            PatientIs::Missing => format!("Patient/{patient} bestaat niet in het ECD"),
            PatientIs::Unknown(reference) => format!("cliënt {reference} is (nog) niet bekend in het portaal"),
        };
        outcome.skipped.push((resource_name(resource), reason));
        Ok(None)
    }

    /// The server id of the client's Patient, found by the client's reference.
    pub async fn patient_of_client(&mut self, client: ClientId) -> Result<Option<String>, SyncError> {
        if let Some(known) = self.by_client.get(&client) {
            return Ok(known.clone());
        }
        let patient = match self.store.client(self.tenant.id, client).await? {
            None => None,
            Some(found) => {
                let identifier = format!("{}|{}", self.system, found.reference);
                let matches = self.fhir.search_all("Patient", &[("identifier", identifier)]).await?;
                matches.first().and_then(|p| p.get("id")).and_then(Value::as_str).map(str::to_owned)
            }
        };
        self.by_client.insert(client, patient.clone());
        Ok(patient)
    }

    /// Every `resource` about each of `patients` (server ids): where one changed item means
    /// the Patient's whole set is what counts (care periods, the network).
    async fn all_about(&self, resource: &str, patients: &[String]) -> Result<Vec<Value>, SyncError> {
        let mut all = Vec::new();
        for patient in patients {
            all.extend(self.fhir.search_all(resource, &[("patient", format!("Patient/{patient}"))]).await?);
        }
        Ok(all)
    }

    /// A search for `kind`, from the cursor unless this is a full read.
    async fn search(
        &self,
        resource: &str,
        mut params: Vec<(&'static str, String)>,
        cursor: Option<&str>,
        full: bool,
    ) -> Result<(Vec<Value>, Option<String>), SyncError> {
        if let (false, Some(cursor)) = (full, cursor) {
            params.push(("_lastUpdated", format!("ge{cursor}")));
        }
        let found = self.fhir.search_all(resource, &params).await?;
        let next = next_cursor(&found, cursor);
        Ok((found, next))
    }

    pub async fn pull(
        &mut self,
        kind: SyncKind,
        cursor: Option<&str>,
        full: bool,
        today: NaiveDate,
    ) -> Result<Pulled, SyncError> {
        match kind {
            SyncKind::Clients => self.pull_clients(cursor, full, today).await,
            SyncKind::Network => self.pull_network(cursor, full).await,
            SyncKind::Reports => self.pull_reports(cursor, full).await,
            SyncKind::Measurements => self.pull_measurements(cursor, full).await,
            SyncKind::Consents => self.pull_consents(cursor, full).await,
            SyncKind::Messages => self.pull_messages(cursor, full).await,
            SyncKind::Appointments => self.pull_appointments(cursor, full).await,
            SyncKind::Questionnaires => self.pull_questionnaires(cursor, full).await,
            SyncKind::Documents => self.pull_documents(cursor, full).await,
            SyncKind::Profiles => self.pull_profiles(cursor, full).await,
            SyncKind::Outbox => Ok(Pulled { outcome: self.push().await?, cursor: None, full: false }),
        }
    }

    /// Every Patient with an identifier in the tenant's client system becomes a client, or
    /// updates the one with that reference; its care periods (EpisodeOfCare) say with
    /// `Patient.active` whether and when the client's care ended.
    async fn pull_clients(&mut self, cursor: Option<&str>, full: bool, today: NaiveDate) -> Result<Pulled, SyncError> {
        let (mut patients, next_patients) =
            self.search("Patient", vec![("identifier", format!("{}|", self.system))], cursor, full).await?;
        // One cursor for both searches: a period's change is read as a change of its client.
        let (changed_episodes, next_episodes) = self.search("EpisodeOfCare", Vec::new(), cursor, full).await?;
        let next = later(next_patients, next_episodes);
        let mut outcome = KindOutcome::default();
        let mut episodes: HashMap<String, Vec<patients::Episode>> = HashMap::new();
        if full {
            // A full read has every period already.
            group_episodes(&changed_episodes, &mut episodes, &mut outcome);
        } else {
            // A changed client or a changed period: the client's periods all count, so read
            // them all; and read the Patient of a period whose Patient itself did not change.
            let changed: HashSet<String> =
                patients.iter().filter_map(|p| p.get("id").and_then(Value::as_str)).map(str::to_owned).collect();
            let mut concerned: Vec<String> = changed.iter().cloned().collect();
            for resource in &changed_episodes {
                if let Ok(Some((patient, _))) = patients::map_episode(resource)
                    && !changed.contains(&patient)
                    && !concerned.contains(&patient)
                {
                    if let Some(found) = self.fhir.read("Patient", &patient).await? {
                        patients.push(found);
                    }
                    concerned.push(patient);
                }
            }
            group_episodes(&self.all_about("EpisodeOfCare", &concerned).await?, &mut episodes, &mut outcome);
        }
        let (store, tenant) = (self.store, self.tenant);
        let origin = Origin::system("sync");
        for resource in &patients {
            let record = match patients::map_patient(resource, &self.system) {
                Ok(Some(record)) => record,
                Ok(None) => continue,
                Err(reason) => {
                    outcome.skipped.push((resource_name(resource), reason));
                    continue;
                }
            };
            let server_id = resource.get("id").and_then(Value::as_str);
            let periods = server_id.and_then(|id| episodes.get(id)).map(Vec::as_slice).unwrap_or_default();
            let existing = store.client_by_reference(tenant.id, &record.reference).await?;
            let already = existing.as_ref().and_then(|c| c.care_ended_on);
            let care_ended_on = patients::care_end(record.active, periods, already, today);
            let changes = ClientChanges { name: record.name.clone(), birth_date: record.birth_date, care_ended_on };
            let id = match existing {
                None => {
                    let new = NewClient {
                        reference: record.reference.clone(),
                        name: record.name,
                        birth_date: record.birth_date,
                    };
                    let created = store.create_client(tenant.id, &origin, &new).await?;
                    outcome.created += 1;
                    if care_ended_on.is_some() {
                        store.update_client(tenant.id, &origin, created.id, &changes).await?;
                    }
                    created.id
                }
                Some(current) => {
                    let same = current.name == changes.name
                        && current.birth_date == changes.birth_date
                        && current.care_ended_on == changes.care_ended_on;
                    if same {
                        outcome.unchanged += 1;
                    } else {
                        store.update_client(tenant.id, &origin, current.id, &changes).await?;
                        outcome.updated += 1;
                    }
                    current.id
                }
            };
            if let Some(patient) = server_id {
                self.by_patient.insert(patient.to_owned(), Some(id));
                self.by_client.insert(id, Some(patient.to_owned()));
            }
        }
        Ok(Pulled { outcome, cursor: next, full })
    }

    /// The network of each client whose RelatedPersons changed, read whole and kept as the
    /// ECD has it now; on a full read, every client's, and a network the ECD no longer lists
    /// anyone in is emptied.
    async fn pull_network(&mut self, cursor: Option<&str>, full: bool) -> Result<Pulled, SyncError> {
        let (changed, next) = self.search("RelatedPerson", Vec::new(), cursor, full).await?;
        let mut outcome = KindOutcome::default();
        // Patient → (a resource to name in a skip, the contacts).
        let mut networks: BTreeMap<String, (Value, Vec<EcdContact>)> = BTreeMap::new();
        let mut group = |found: &[Value], outcome: &mut KindOutcome| {
            for resource in found {
                match network::map_related_person(resource) {
                    Ok((patient, contact)) => {
                        let entry = networks.entry(patient).or_insert_with(|| (resource.clone(), Vec::new()));
                        entry.1.extend(contact);
                    }
                    Err(reason) => outcome.skipped.push((resource_name(resource), reason)),
                }
            }
        };
        if full {
            group(&changed, &mut outcome);
        } else {
            let mut concerned: Vec<String> = Vec::new();
            for resource in &changed {
                if let Ok((patient, _)) = network::map_related_person(resource)
                    && !concerned.contains(&patient)
                {
                    concerned.push(patient);
                }
            }
            group(&self.all_about("RelatedPerson", &concerned).await?, &mut outcome);
        }
        let origin = Origin::system("sync");
        let mut seen = HashSet::new();
        for (patient, (resource, mut contacts)) in networks {
            let Some(client) = self.client_or_skip(&resource, &patient, &mut outcome).await? else { continue };
            // The same order whichever search found them, so an unchanged network is not
            // written again.
            contacts.sort_by(|a, b| a.key.cmp(&b.key));
            contacts.dedup_by(|a, b| a.key == b.key);
            count(&mut outcome, self.store.put_ecd_contacts(self.tenant.id, &origin, client, &contacts).await?);
            seen.insert(client);
        }
        if full {
            for client in self.store.clients_with_ecd_contacts(self.tenant.id).await? {
                if !seen.contains(&client) {
                    self.store.put_ecd_contacts(self.tenant.id, &origin, client, &[]).await?;
                    outcome.removed += 1;
                }
            }
        }
        Ok(Pulled { outcome, cursor: next, full })
    }

    /// Every progress note becomes a report of its Patient's client, keyed by its identifier;
    /// an entered-in-error one is removed, and on a full read so is every ECD report the ECD
    /// no longer has.
    async fn pull_reports(&mut self, cursor: Option<&str>, full: bool) -> Result<Pulled, SyncError> {
        let (notes, next) =
            self.search("Composition", vec![("type", reports::PROGRESS_NOTE.to_owned())], cursor, full).await?;
        let origin = Origin::system("sync");
        let mut outcome = KindOutcome::default();
        let mut batch = Vec::new();
        for resource in &notes {
            let change = match reports::map_composition(resource) {
                Ok(change) => change,
                Err(reason) => {
                    outcome.skipped.push((resource_name(resource), reason));
                    continue;
                }
            };
            match change {
                ReportChange::Ignore => {}
                ReportChange::Remove { key } => {
                    if self.store.remove_ecd_report(self.tenant.id, &origin, &key).await? {
                        outcome.removed += 1;
                    }
                }
                ReportChange::Put { key, patient, written_at, author, body } => {
                    let Some(client) = self.client_or_skip(resource, &patient, &mut outcome).await? else {
                        continue;
                    };
                    let report = NewReport { written_at, author, author_account: None, source: Source::Ecd, body };
                    batch.push(EcdReport { client, key, report });
                    if batch.len() >= WRITE_BATCH {
                        count_all(&mut outcome, self.store.put_ecd_reports(self.tenant.id, &origin, &batch).await?);
                        batch.clear();
                    }
                }
            }
        }
        if !batch.is_empty() {
            count_all(&mut outcome, self.store.put_ecd_reports(self.tenant.id, &origin, &batch).await?);
        }
        if full {
            outcome.removed += self.remove_missing(SyncKind::Reports, &notes).await?;
        }
        Ok(Pulled { outcome, cursor: next, full })
    }

    /// Every vital sign becomes a measurement of its Patient's client, the same way.
    async fn pull_measurements(&mut self, cursor: Option<&str>, full: bool) -> Result<Pulled, SyncError> {
        let (observations, next) =
            self.search("Observation", vec![("category", "vital-signs".to_owned())], cursor, full).await?;
        let origin = Origin::system("sync");
        let mut outcome = KindOutcome::default();
        let mut batch = Vec::new();
        for resource in &observations {
            let change = match measurements::map_observation(resource) {
                Ok(change) => change,
                Err(reason) => {
                    outcome.skipped.push((resource_name(resource), reason));
                    continue;
                }
            };
            match change {
                MeasurementChange::Ignore => {}
                MeasurementChange::Remove { key } => {
                    if self.store.remove_ecd_measurement(self.tenant.id, &origin, &key).await? {
                        outcome.removed += 1;
                    }
                }
                MeasurementChange::Put { key, patient, measurement } => {
                    let Some(client) = self.client_or_skip(resource, &patient, &mut outcome).await? else {
                        continue;
                    };
                    batch.push(EcdMeasurement { client, key, measurement });
                    if batch.len() >= WRITE_BATCH {
                        let done = self.store.put_ecd_measurements(self.tenant.id, &origin, &batch).await?;
                        count_all(&mut outcome, done);
                        batch.clear();
                    }
                }
            }
        }
        if !batch.is_empty() {
            count_all(&mut outcome, self.store.put_ecd_measurements(self.tenant.id, &origin, &batch).await?);
        }
        if full {
            outcome.removed += self.remove_missing(SyncKind::Measurements, &observations).await?;
        }
        Ok(Pulled { outcome, cursor: next, full })
    }

    /// Every Consent of a client becomes a question in Toestemmingen with the ECD's answer,
    /// except where the portal has an answer the ECD has not received yet: that one stays
    /// until the write-back has delivered it.
    async fn pull_consents(&mut self, cursor: Option<&str>, full: bool) -> Result<Pulled, SyncError> {
        let (found, next) = self.search("Consent", Vec::new(), cursor, full).await?;
        let waiting: HashSet<(ClientId, String)> =
            self.store.ecd_unsent(self.tenant.id, "consent").await?.into_iter().collect();
        let origin = Origin::system("sync");
        let mut outcome = KindOutcome::default();
        for resource in &found {
            let change = match consents::map_consent(resource) {
                Ok(change) => change,
                Err(reason) => {
                    outcome.skipped.push((resource_name(resource), reason));
                    continue;
                }
            };
            match change {
                ConsentChange::Ignore => {}
                ConsentChange::Remove { patient, key } => {
                    let Some(client) = self.client_or_skip(resource, &patient, &mut outcome).await? else { continue };
                    if self.store.remove_ecd_consent(self.tenant.id, &origin, client, &key).await? {
                        outcome.removed += 1;
                    }
                }
                ConsentChange::Put { patient, question, granted } => {
                    let Some(client) = self.client_or_skip(resource, &patient, &mut outcome).await? else { continue };
                    let granted = if waiting.contains(&(client, question.key.clone())) { None } else { granted };
                    let done = self.store.put_ecd_consent(self.tenant.id, &origin, client, &question, granted).await?;
                    count(&mut outcome, done);
                }
            }
        }
        Ok(Pulled { outcome, cursor: next, full })
    }

    /// Every completed Communication about a client becomes a message in the thread with the
    /// coordinator; one sent from the portal comes back as itself.
    async fn pull_messages(&mut self, cursor: Option<&str>, full: bool) -> Result<Pulled, SyncError> {
        let (found, next) = self
            .search("Communication", vec![("status", "completed,entered-in-error".to_owned())], cursor, full)
            .await?;
        let origin = Origin::system("sync");
        let mut outcome = KindOutcome::default();
        let mut batch = Vec::new();
        for resource in &found {
            let change = match messages::map_communication(resource) {
                Ok(change) => change,
                Err(reason) => {
                    outcome.skipped.push((resource_name(resource), reason));
                    continue;
                }
            };
            match change {
                MessageChange::Ignore => {}
                MessageChange::Remove { key } => {
                    if self.store.remove_ecd_message(self.tenant.id, &origin, &key).await? {
                        outcome.removed += 1;
                    }
                }
                MessageChange::Put { key, patient, message } => {
                    let Some(client) = self.client_or_skip(resource, &patient, &mut outcome).await? else { continue };
                    batch.push(EcdMessage { client, key, message });
                }
            }
        }
        for chunk in batch.chunks(WRITE_BATCH) {
            count_all(&mut outcome, self.store.put_ecd_messages(self.tenant.id, &origin, chunk).await?);
        }
        if full {
            outcome.removed += self.remove_missing(SyncKind::Messages, &found).await?;
        }
        Ok(Pulled { outcome, cursor: next, full })
    }

    /// Every booked Appointment of a client is a care appointment in the agenda; one made
    /// Openbaar in the portal that comes back stays the person's own.
    async fn pull_appointments(&mut self, cursor: Option<&str>, full: bool) -> Result<Pulled, SyncError> {
        let (found, next) = self.search("Appointment", Vec::new(), cursor, full).await?;
        let origin = Origin::system("sync");
        let mut outcome = KindOutcome::default();
        let mut batch = Vec::new();
        for resource in &found {
            let change = match appointments::map_appointment(resource) {
                Ok(change) => change,
                Err(reason) => {
                    outcome.skipped.push((resource_name(resource), reason));
                    continue;
                }
            };
            match change {
                AppointmentChange::Ignore => {}
                AppointmentChange::Remove { key } => {
                    if self.store.remove_ecd_appointment(self.tenant.id, &origin, &key).await? {
                        outcome.removed += 1;
                    }
                }
                AppointmentChange::Put { key, patient, appointment } => {
                    let Some(client) = self.client_or_skip(resource, &patient, &mut outcome).await? else { continue };
                    batch.push(EcdAppointment { client, key, appointment });
                }
            }
        }
        for chunk in batch.chunks(WRITE_BATCH) {
            count_all(&mut outcome, self.store.put_ecd_appointments(self.tenant.id, &origin, chunk).await?);
        }
        if full {
            outcome.removed += self.remove_missing(SyncKind::Appointments, &found).await?;
        }
        Ok(Pulled { outcome, cursor: next, full })
    }

    /// Every in-progress QuestionnaireResponse of a client is a questionnaire to fill in, with
    /// the questions of the Questionnaire it points at (each read once per run).
    async fn pull_questionnaires(&mut self, cursor: Option<&str>, full: bool) -> Result<Pulled, SyncError> {
        let (found, next) = self.search("QuestionnaireResponse", Vec::new(), cursor, full).await?;
        let origin = Origin::system("sync");
        let mut outcome = KindOutcome::default();
        let mut forms: HashMap<String, Result<careportal_store::EcdForm, String>> = HashMap::new();
        for resource in &found {
            let change = match questionnaires::map_response(resource) {
                Ok(change) => change,
                Err(reason) => {
                    outcome.skipped.push((resource_name(resource), reason));
                    continue;
                }
            };
            match change {
                ResponseChange::Ignore => {}
                ResponseChange::Remove { key } => {
                    if self.store.remove_ecd_questionnaire(self.tenant.id, &origin, &key).await? {
                        outcome.removed += 1;
                    }
                }
                ResponseChange::Ask { key, patient, questionnaire } => {
                    let Some(client) = self.client_or_skip(resource, &patient, &mut outcome).await? else { continue };
                    if !forms.contains_key(&questionnaire) {
                        let form = self.questionnaire_form(&questionnaire).await?;
                        forms.insert(questionnaire.clone(), form);
                    }
                    match forms.get(&questionnaire) {
                        Some(Ok(form)) => {
                            let done =
                                self.store.put_ecd_questionnaire(self.tenant.id, &origin, client, &key, form).await?;
                            count(&mut outcome, done);
                        }
                        Some(Err(reason)) => outcome.skipped.push((resource_name(resource), reason.clone())),
                        None => {}
                    }
                }
            }
        }
        Ok(Pulled { outcome, cursor: next, full })
    }

    /// The questions of the Questionnaire `reference` names (`Questionnaire/id`, or its
    /// canonical URL with or without `|version`), or why it cannot be used.
    async fn questionnaire_form(
        &self,
        reference: &str,
    ) -> Result<Result<careportal_store::EcdForm, String>, SyncError> {
        let found = match reference.split_once("Questionnaire/").filter(|(base, _)| base.is_empty()) {
            Some((_, id)) => self.fhir.read("Questionnaire", id).await?,
            None => {
                let (url, _version) = reference.split_once('|').unwrap_or((reference, ""));
                self.fhir.search_all("Questionnaire", &[("url", url.to_owned())]).await?.pop()
            }
        };
        Ok(match found {
            None => Err(format!("de vragenlijst {reference} bestaat niet in het ECD")),
            Some(questionnaire) => questionnaires::form_of(&questionnaire),
        })
    }

    /// Every current DocumentReference of a portal kind becomes a document of its client,
    /// the PDF into the blob store; a new care plan print is offered for signing. A print that
    /// did not change is not stored again.
    async fn pull_documents(&mut self, cursor: Option<&str>, full: bool) -> Result<Pulled, SyncError> {
        let statuses = ("status", "current,superseded,entered-in-error".to_owned());
        let (mut found, next_documents) =
            self.search("DocumentReference", vec![statuses.clone()], cursor, full).await?;
        // A plan that changed changes what its prints mean (draft, active, revoked): read
        // the prints of each, as a full read does anyway.
        let (changed_plans, next_plans) = self.search("CarePlan", Vec::new(), cursor, full).await?;
        let next = later(next_documents, next_plans);
        let mut plans: HashMap<String, Option<Value>> = HashMap::new();
        for plan in &changed_plans {
            let Some(id) = plan.get("id").and_then(Value::as_str) else { continue };
            plans.insert(id.to_owned(), Some(plan.clone()));
            if !full {
                let related = [statuses.clone(), ("related", format!("CarePlan/{id}"))];
                for print in self.fhir.search_all("DocumentReference", &related).await? {
                    if !found.iter().any(|f| f.get("id") == print.get("id")) {
                        found.push(print);
                    }
                }
            }
        }
        let origin = Origin::system("sync");
        let mut outcome = KindOutcome::default();
        for resource in &found {
            let plan = match documents::plan_of(resource) {
                None => None,
                Some(id) => {
                    if !plans.contains_key(&id) {
                        let read = self.fhir.read("CarePlan", &id).await?;
                        plans.insert(id.clone(), read);
                    }
                    plans.get(&id).cloned().flatten()
                }
            };
            let change = match documents::map_document_reference(resource, plan.as_ref()) {
                Ok(change) => change,
                Err(reason) => {
                    outcome.skipped.push((resource_name(resource), reason));
                    continue;
                }
            };
            let (key, patient, kind, title, date, content) = match change {
                DocumentChange::Ignore => continue,
                DocumentChange::Wait => {
                    outcome.waiting += 1;
                    continue;
                }
                DocumentChange::Remove { key } => {
                    if self.store.remove_ecd_document(self.tenant.id, &origin, &key).await? {
                        outcome.removed += 1;
                    }
                    continue;
                }
                DocumentChange::Put { key, patient, kind, title, date, content } => {
                    (key, patient, kind, title, date, content)
                }
            };
            let Some(client) = self.client_or_skip(resource, &patient, &mut outcome).await? else { continue };
            let bytes = match content {
                documents::Content::Inline(bytes) => bytes,
                documents::Content::Url(url) => match self.fhir.fetch_binary(&url, documents::MAX_PRINT_BYTES).await {
                    Ok(bytes) => bytes,
                    // The server is down or refuses us: the whole run says so.
                    Err(error) if error.may_pass_later() => return Err(error.into()),
                    Err(error) => {
                        outcome.skipped.push((resource_name(resource), error.to_string()));
                        continue;
                    }
                },
            };
            if let Err(reason) = documents::check_print(&bytes) {
                outcome.skipped.push((resource_name(resource), reason));
                continue;
            }
            let sha256 = careportal_documents::sha256_hex(&bytes);
            let existing = self.store.ecd_document(self.tenant.id, &key).await?;
            if existing
                .as_ref()
                .is_some_and(|d| d.sha256 == sha256 && d.title == title && d.date == date && d.client == client)
            {
                outcome.unchanged += 1;
                continue;
            }
            // A fresh blob name for every print: the old one stays readable until the row
            // points at the new one, and a signed print's evidence names its own hash.
            let blob_key =
                format!("{}/{}.pdf", kind.as_str().replace('_', "-"), careportal_domain::ids::DocumentId::new());
            let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
            self.blobs
                .put(self.tenant.id, &blob_key, bytes, "application/pdf")
                .await
                .map_err(|e| SyncError::Fhir(crate::fhir::FhirError::Settings(format!("documentopslag: {e}"))))?;
            let new =
                NewDocument { kind, title, date, blob_key, sha256, size, content_type: "application/pdf".to_owned() };
            let (done, document) = self.store.put_ecd_document(self.tenant.id, &origin, client, &key, &new).await?;
            if done == Upserted::Created && kind == DocumentKind::CarePlan {
                self.store.offer_plan(self.tenant.id, &origin, client, document.id, date, "Coördinator zorg").await?;
            }
            count(&mut outcome, done);
        }
        if full {
            outcome.removed += self.remove_missing(SyncKind::Documents, &found).await?;
        }
        Ok(Pulled { outcome, cursor: next, full })
    }

    /// The person profile Composition of a client replaces their Persoonsbeeld when it
    /// differs from what the portal shows.
    async fn pull_profiles(&mut self, cursor: Option<&str>, full: bool) -> Result<Pulled, SyncError> {
        let (found, next) = self.search("Composition", vec![("type", profiles::profile_type())], cursor, full).await?;
        let origin = Origin::system("sync");
        let mut outcome = KindOutcome::default();
        for resource in &found {
            let (patient, sections) = match profiles::map_profile(resource) {
                Ok(ProfileChange::Ignore) => continue,
                Ok(ProfileChange::Put { patient, sections }) => (patient, sections),
                Ok(ProfileChange::Clear { patient }) => (patient, Vec::new()),
                Err(reason) => {
                    outcome.skipped.push((resource_name(resource), reason));
                    continue;
                }
            };
            let Some(client) = self.client_or_skip(resource, &patient, &mut outcome).await? else { continue };
            let shown = self.store.profile(self.tenant.id, client).await?;
            if shown == sections {
                outcome.unchanged += 1;
                continue;
            }
            self.store.set_profile(self.tenant.id, &origin, client, &sections).await?;
            match (shown.is_empty(), sections.is_empty()) {
                (_, true) => outcome.removed += 1,
                (true, false) => outcome.created += 1,
                (false, false) => outcome.updated += 1,
            }
        }
        Ok(Pulled { outcome, cursor: next, full })
    }

    /// After a full read: removes what came from the ECD and is no longer there (a hard
    /// DELETE leaves nothing for an incremental pull to see).
    async fn remove_missing(&self, kind: SyncKind, seen: &[Value]) -> Result<u32, SyncError> {
        let seen: HashSet<String> = seen.iter().filter_map(reports::resource_key).collect();
        let origin = Origin::system("sync");
        let mut removed = 0;
        for key in self.store.ecd_keys(self.tenant.id, kind).await? {
            if seen.contains(&key) {
                continue;
            }
            let gone = match kind {
                SyncKind::Reports => self.store.remove_ecd_report(self.tenant.id, &origin, &key).await?,
                SyncKind::Messages => self.store.remove_ecd_message(self.tenant.id, &origin, &key).await?,
                SyncKind::Appointments => self.store.remove_ecd_appointment(self.tenant.id, &origin, &key).await?,
                SyncKind::Documents => self.store.remove_ecd_document(self.tenant.id, &origin, &key).await?,
                _ => self.store.remove_ecd_measurement(self.tenant.id, &origin, &key).await?,
            };
            removed += u32::from(gone);
        }
        Ok(removed)
    }
}

fn count(outcome: &mut KindOutcome, done: Upserted) {
    match done {
        Upserted::Created => outcome.created += 1,
        Upserted::Updated => outcome.updated += 1,
        Upserted::Unchanged => outcome.unchanged += 1,
    }
}

fn count_all(outcome: &mut KindOutcome, done: Vec<Upserted>) {
    for one in done {
        count(outcome, one);
    }
}

/// Care periods by the server id of their Patient; one that cannot be read is named.
fn group_episodes(found: &[Value], into: &mut HashMap<String, Vec<patients::Episode>>, outcome: &mut KindOutcome) {
    for resource in found {
        match patients::map_episode(resource) {
            Ok(Some((patient, episode))) => into.entry(patient).or_default().push(episode),
            Ok(None) => {}
            Err(reason) => outcome.skipped.push((resource_name(resource), reason)),
        }
    }
}

/// The later of two cursors (both written by `next_cursor`, or absent).
fn later(a: Option<String>, b: Option<String>) -> Option<String> {
    let at = |t: &String| DateTime::parse_from_rfc3339(t).ok();
    match (a, b) {
        (Some(a), Some(b)) => Some(if at(&b) > at(&a) { b } else { a }),
        (a, b) => a.or(b),
    }
}

/// The cursor after a pull: the newest `meta.lastUpdated` seen, less the overlap; the old
/// cursor when nothing newer came.
fn next_cursor(found: &[Value], old: Option<&str>) -> Option<String> {
    let newest = found
        .iter()
        .filter_map(|r| r.pointer("/meta/lastUpdated").and_then(Value::as_str))
        .filter_map(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
        .max();
    let old_at = old.and_then(|t| DateTime::parse_from_rfc3339(t).ok()).map(|t| t.with_timezone(&Utc));
    match (newest, old_at) {
        (Some(newest), _) => {
            let from = newest - chrono::Duration::minutes(CURSOR_OVERLAP_MINUTES);
            let from = old_at.map_or(from, |old| from.max(old));
            Some(from.to_rfc3339_opts(SecondsFormat::Millis, true))
        }
        (None, _) => old.map(str::to_owned),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_cursor_moves_to_the_newest_change_less_the_overlap_and_never_back() {
        let found = [
            json!({"meta": {"lastUpdated": "2026-12-03T08:00:00.000Z"}}),
            json!({"meta": {"lastUpdated": "2026-12-03T09:30:00.250+01:00"}}),
            json!({"meta": {}}),
        ];
        assert_eq!(next_cursor(&found, None).as_deref(), Some("2026-12-03T08:28:00.250Z"));
        assert_eq!(next_cursor(&[], Some("2026-12-01T00:00:00.000Z")).as_deref(), Some("2026-12-01T00:00:00.000Z"));
        assert_eq!(
            next_cursor(&found[..1], Some("2026-12-03T07:59:00.000Z")).as_deref(),
            Some("2026-12-03T07:59:00.000Z"),
            "the overlap never takes the cursor back before where it was"
        );
    }
}
