//! The ECD sync's half of the store: where each stream stands and who runs it (a lease, so
//! any number of workers never run one tenant's stream twice at once), the ECD's
//! measurements, and the write-back queue (`ecd_outbox`) with its retries and parking.
//! The same rules as [`crate::Store`]: the tenant first in every call, every write of client
//! data with its audit entry in the same transaction.

use crate::StoreResult;
use crate::record::{EcdItem, Upserted};
use async_trait::async_trait;
use careportal_domain::audit::Origin;
use careportal_domain::ids::{CareMessageId, DocumentId, EcdItemId, MeasurementId, QuestionnaireId, ReportId};
use careportal_domain::people::EcdContact;
use careportal_domain::record::agenda::AppointmentInput;
use careportal_domain::record::consents::ConsentQuestion;
use careportal_domain::record::documents::{Document, NewDocument};
use careportal_domain::record::measurements::{Measurement, NewMeasurement};
use careportal_domain::record::messages::{CareMessage, NewCareMessage};
use careportal_domain::record::questionnaires::Question;
use careportal_domain::record::reports::{NewReport, Report};
use careportal_domain::sync::{StreamState, SyncKind};
use careportal_domain::{ClientId, TenantId};
use chrono::{DateTime, Utc};

/// A report of the ECD, for [`SyncStore::put_ecd_reports`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcdReport {
    pub client: ClientId,
    /// The Composition's identifier, `system|value`.
    pub key: String,
    pub report: NewReport,
}

/// A measurement of the ECD, for [`SyncStore::put_ecd_measurements`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcdMeasurement {
    pub client: ClientId,
    pub key: String,
    pub measurement: NewMeasurement,
}

/// A message of the ECD's (the coordinator's, or one of the portal's come back), for
/// [`SyncStore::put_ecd_messages`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcdMessage {
    pub client: ClientId,
    pub key: String,
    pub message: NewCareMessage,
}

/// An appointment of the ECD's, for [`SyncStore::put_ecd_appointments`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcdAppointment {
    pub client: ClientId,
    pub key: String,
    pub appointment: AppointmentInput,
}

/// A questionnaire as the ECD sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcdForm {
    pub title: String,
    pub intro: Option<String>,
    pub questions: Vec<Question>,
}

/// How a worker claims a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamClaim {
    /// Only if nobody started it since the worker read `last_started_at` (it decided the
    /// stream was due on what it read; another worker may have run it meanwhile).
    IfLastStarted(Option<DateTime<Utc>>),
    /// Now, whenever it last ran ("Nu synchroniseren", `careportal sync run`); still never
    /// while another run holds it.
    Now,
}

/// How a run ended, for [`SyncStore::finish_sync_stream`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamFinish {
    /// The new cursor; None keeps the old one (a failed run does not move it).
    pub cursor: Option<String>,
    /// The run read everything.
    pub full: bool,
    /// Ok(counts as JSON) or Err(the status line).
    pub result: Result<String, String>,
}

/// How much waits for the ECD.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxDepth {
    pub pending: u32,
    pub parked: u32,
    pub oldest_pending: Option<DateTime<Utc>>,
}

/// A write-back that will not be tried again until someone looks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParkedItem {
    pub item: EcdItem,
    pub parked_at: DateTime<Utc>,
    pub error: String,
}

#[async_trait]
pub trait SyncStore {
    /// Every stream of the tenant that has ever run.
    async fn sync_streams(&self, tenant: TenantId) -> StoreResult<Vec<StreamState>>;
    /// Takes the stream for `lease_seconds` for `owner`; None when another run holds it (or,
    /// for [`StreamClaim::IfLastStarted`], started it since). One conditional UPDATE, so of
    /// any number of workers claiming at once exactly one gets it; a crashed worker's lease
    /// runs out and the next claim takes the stream over.
    async fn claim_sync_stream(
        &self,
        tenant: TenantId,
        kind: SyncKind,
        owner: &str,
        claim: StreamClaim,
        lease_seconds: i64,
    ) -> StoreResult<Option<StreamState>>;
    /// Ends `owner`'s run: the lease is given back and the outcome kept. False when the
    /// lease had run out and another run took the stream (its outcome is the one kept).
    async fn finish_sync_stream(
        &self,
        tenant: TenantId,
        kind: SyncKind,
        owner: &str,
        finish: &StreamFinish,
    ) -> StoreResult<bool>;

    /// A report by id, for the write-back.
    async fn report(&self, tenant: TenantId, id: ReportId) -> StoreResult<Option<Report>>;
    /// A measurement by id, for the write-back.
    async fn measurement(&self, tenant: TenantId, id: MeasurementId) -> StoreResult<Option<Measurement>>;
    /// Creates or replaces the reports the ECD knows by their keys (an amended Composition
    /// replaces its text), in one transaction: a write and an audit entry for each that
    /// changed, none for one that is the same. A portal report the ECD sends back is matched
    /// by our own key and keeps its source. A key twice in the batch: the last one counts.
    async fn put_ecd_reports(
        &self,
        tenant: TenantId,
        origin: &Origin,
        items: &[EcdReport],
    ) -> StoreResult<Vec<Upserted>>;
    /// The same for measurements (Observations).
    async fn put_ecd_measurements(
        &self,
        tenant: TenantId,
        origin: &Origin,
        items: &[EcdMeasurement],
    ) -> StoreResult<Vec<Upserted>>;
    /// The same for messages with the coordinator (Communications). A portal message the
    /// ECD sends back keeps who sent it in the portal.
    async fn put_ecd_messages(
        &self,
        tenant: TenantId,
        origin: &Origin,
        items: &[EcdMessage],
    ) -> StoreResult<Vec<Upserted>>;
    /// The same for care appointments (Appointments). One made in the portal that the ECD
    /// sends back is the person's own: the portal keeps it as it is.
    async fn put_ecd_appointments(
        &self,
        tenant: TenantId,
        origin: &Origin,
        items: &[EcdAppointment],
    ) -> StoreResult<Vec<Upserted>>;
    /// Removes the ECD's appointment known as `ecd_key` (cancelled, entered in error); never
    /// one made in the portal. False when there is none.
    async fn remove_ecd_appointment(&self, tenant: TenantId, origin: &Origin, ecd_key: &str) -> StoreResult<bool>;
    /// Creates the questionnaire the ECD sends as `ecd_key` (an in-progress
    /// QuestionnaireResponse), or updates its questions while nobody has started on it; one
    /// with a draft or sent answers is left alone.
    async fn put_ecd_questionnaire(
        &self,
        tenant: TenantId,
        origin: &Origin,
        client: ClientId,
        ecd_key: &str,
        form: &EcdForm,
    ) -> StoreResult<Upserted>;
    /// Removes an unanswered questionnaire the ECD withdrew; false when there is none (or it
    /// has answers, which stay).
    async fn remove_ecd_questionnaire(&self, tenant: TenantId, origin: &Origin, ecd_key: &str) -> StoreResult<bool>;
    /// The ECD key of a questionnaire (None: made in the portal).
    async fn questionnaire_ecd_key(&self, tenant: TenantId, id: QuestionnaireId) -> StoreResult<Option<String>>;
    /// The key the ECD knows a document by (None: put in by hand or by the demo).
    async fn document_ecd_key(&self, tenant: TenantId, id: DocumentId) -> StoreResult<Option<String>>;
    /// The document the ECD knows as `ecd_key`.
    async fn ecd_document(&self, tenant: TenantId, ecd_key: &str) -> StoreResult<Option<Document>>;
    /// Creates the document the ECD knows as `ecd_key`, or points it at a new print (its
    /// blob already stored). Created or Updated, with the document as it is now.
    async fn put_ecd_document(
        &self,
        tenant: TenantId,
        origin: &Origin,
        client: ClientId,
        ecd_key: &str,
        new: &NewDocument,
    ) -> StoreResult<(Upserted, Document)>;
    /// Removes a document the ECD withdrew. A care plan print that is only offered goes with
    /// its offer (`plan.withdrawn`); one someone signed or rejected stays, since the decision
    /// is evidence. False when nothing was removed.
    async fn remove_ecd_document(&self, tenant: TenantId, origin: &Origin, ecd_key: &str) -> StoreResult<bool>;
    /// Removes the message the ECD knows as `ecd_key`; false when there is none.
    async fn remove_ecd_message(&self, tenant: TenantId, origin: &Origin, ecd_key: &str) -> StoreResult<bool>;
    /// A message by id, for the write-back.
    async fn care_message(&self, tenant: TenantId, id: CareMessageId) -> StoreResult<Option<CareMessage>>;
    /// Creates or updates a consent question from the ECD; only what changed is written.
    /// `granted` None keeps the answer the portal has.
    async fn put_ecd_consent(
        &self,
        tenant: TenantId,
        origin: &Origin,
        client: ClientId,
        question: &ConsentQuestion,
        granted: Option<bool>,
    ) -> StoreResult<Upserted>;
    /// Removes a consent question (entered in error in the ECD); false when there is none.
    async fn remove_ecd_consent(
        &self,
        tenant: TenantId,
        origin: &Origin,
        client: ClientId,
        key: &str,
    ) -> StoreResult<bool>;
    /// The items of `kind` (consent …) still waiting to go to the ECD, parked ones included:
    /// (client, item). A pull must not overwrite what the portal has and the ECD has not.
    async fn ecd_unsent(&self, tenant: TenantId, kind: &str) -> StoreResult<Vec<(ClientId, String)>>;
    /// Removes the measurement the ECD knows as `ecd_key`; false when there is none.
    async fn remove_ecd_measurement(&self, tenant: TenantId, origin: &Origin, ecd_key: &str) -> StoreResult<bool>;
    /// Makes `contacts` the client's network as the ECD records it, in one transaction with
    /// its audit entry (`network.synced`); Unchanged (nothing written) when it is the same.
    async fn put_ecd_contacts(
        &self,
        tenant: TenantId,
        origin: &Origin,
        client: ClientId,
        contacts: &[EcdContact],
    ) -> StoreResult<Upserted>;
    /// The client's network as the ECD last sent it, in the ECD's order.
    async fn ecd_contacts(&self, tenant: TenantId, client: ClientId) -> StoreResult<Vec<EcdContact>>;
    /// The clients that have a network from the ECD, so a full read can empty the network
    /// of one the ECD no longer lists anyone for.
    async fn clients_with_ecd_contacts(&self, tenant: TenantId) -> StoreResult<Vec<ClientId>>;
    /// The keys of everything of `kind` (reports, measurements) that came from the ECD, so a
    /// full pull can remove what the ECD no longer has. Portal-written items are not among
    /// them: until the ECD has taken them, it cannot be asked about them.
    async fn ecd_keys(&self, tenant: TenantId, kind: SyncKind) -> StoreResult<Vec<String>>;

    /// Claims up to `limit` due write-backs of the given kinds (report, measurement …) for
    /// `lease_seconds`, counting the attempt. PostgreSQL skips rows another worker is
    /// claiming (`FOR UPDATE SKIP LOCKED`); on both the due test is repeated on the row being
    /// updated, so no item is claimed twice.
    async fn claim_ecd_items(
        &self,
        tenant: TenantId,
        kinds: &[&str],
        limit: u32,
        lease_seconds: i64,
    ) -> StoreResult<Vec<EcdItem>>;
    /// The ECD has the item. A report or measurement that has no ECD key yet (written before
    /// keys were given at creation) gets `ecd_key`, unless a pull already holds that key.
    /// Audited (`ecd.sent`): what left the record for the ECD.
    async fn ecd_item_sent(
        &self,
        tenant: TenantId,
        origin: &Origin,
        item: &EcdItem,
        ecd_key: Option<&str>,
    ) -> StoreResult<()>;
    /// The attempt failed: try again at `retry_at`, or park the item (None).
    async fn ecd_item_failed(
        &self,
        tenant: TenantId,
        id: EcdItemId,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> StoreResult<()>;
    async fn ecd_outbox_depth(&self, tenant: TenantId) -> StoreResult<OutboxDepth>;
    async fn ecd_parked(&self, tenant: TenantId, limit: u32) -> StoreResult<Vec<ParkedItem>>;
}
