//! The care record's half of the store: reports, measurements, consents, messages with the
//! coordinator, the person profile, visits, and the queue of what goes back to the ECD.
//! The same rules as [`crate::Store`]: the tenant first, then the client, in every call;
//! every write appends its audit entry (and, for what a portal user wrote, its ECD queue
//! entry) in the same transaction.

use crate::StoreResult;
use async_trait::async_trait;
use careportal_domain::audit::Origin;
use careportal_domain::ids::EcdItemId;
use careportal_domain::record::ProfileSection;
use careportal_domain::record::consents::{Consent, ConsentChange, ConsentQuestion};
use careportal_domain::record::measurements::{Measurement, NewMeasurement};
use careportal_domain::record::messages::{CareMessage, NewCareMessage};
use careportal_domain::record::reports::{NewReport, Report};
use careportal_domain::time::TimeRange;
use careportal_domain::{AccountId, ClientId, TenantId};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// One item a portal user wrote that the ECD has not taken yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcdItem {
    pub id: EcdItemId,
    pub client: ClientId,
    /// report, measurement, consent, message …
    pub kind: String,
    /// The id of the item in its own table (for a consent: its key).
    pub item: String,
    pub created_at: DateTime<Utc>,
    /// Attempts so far, including the one a claim is for.
    pub attempts: u32,
}

/// What a sync write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upserted {
    Created,
    Updated,
    Unchanged,
}

/// An answer to one consent question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentAnswer {
    pub key: String,
    pub granted: bool,
}

#[async_trait]
pub trait RecordStore: Send + Sync {
    /// Reports written in `range`, newest first, at most `limit`.
    async fn reports(
        &self,
        tenant: TenantId,
        client: ClientId,
        range: TimeRange,
        limit: u32,
    ) -> StoreResult<Vec<Report>>;
    /// Removes the report the ECD knows as `ecd_key` (entered in error, or deleted there);
    /// false when there was none.
    async fn remove_ecd_report(&self, tenant: TenantId, origin: &Origin, ecd_key: &str) -> StoreResult<bool>;
    /// Stores a report; one from the portal is queued for the ECD.
    async fn add_report(
        &self,
        tenant: TenantId,
        origin: &Origin,
        client: ClientId,
        new: &NewReport,
    ) -> StoreResult<Report>;

    /// Measurements, newest first; of one kind when `kind` is given.
    async fn measurements(
        &self,
        tenant: TenantId,
        client: ClientId,
        kind: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<Measurement>>;
    /// The kinds of measurement the client has, in alphabetical order.
    async fn measurement_kinds(&self, tenant: TenantId, client: ClientId) -> StoreResult<Vec<String>>;
    async fn add_measurement(
        &self,
        tenant: TenantId,
        origin: &Origin,
        client: ClientId,
        new: &NewMeasurement,
    ) -> StoreResult<Measurement>;

    /// Creates or updates a consent question (the sync); `granted` is the ECD's answer.
    async fn put_consent(
        &self,
        tenant: TenantId,
        origin: &Origin,
        client: ClientId,
        question: &ConsentQuestion,
        granted: Option<bool>,
    ) -> StoreResult<()>;
    async fn consents(&self, tenant: TenantId, client: ClientId) -> StoreResult<Vec<Consent>>;
    /// The changes made, newest first.
    async fn consent_changes(&self, tenant: TenantId, client: ClientId, limit: u32) -> StoreResult<Vec<ConsentChange>>;
    /// Saves a person's answers: only the ones that change something are written (each with
    /// its history line, audit entry and ECD queue entry); returns how many changed. An answer
    /// to a question that does not exist or may not be changed here is `NotFound`, and then
    /// nothing is saved.
    async fn answer_consents(
        &self,
        tenant: TenantId,
        origin: &Origin,
        client: ClientId,
        by: &str,
        answers: &[ConsentAnswer],
    ) -> StoreResult<u32>;

    /// Messages with the coordinator, newest first.
    async fn care_messages(&self, tenant: TenantId, client: ClientId, limit: u32) -> StoreResult<Vec<CareMessage>>;
    async fn add_care_message(
        &self,
        tenant: TenantId,
        origin: &Origin,
        client: ClientId,
        new: &NewCareMessage,
    ) -> StoreResult<CareMessage>;

    /// Replaces the person profile (the sync).
    async fn set_profile(
        &self,
        tenant: TenantId,
        origin: &Origin,
        client: ClientId,
        sections: &[ProfileSection],
    ) -> StoreResult<()>;
    async fn profile(&self, tenant: TenantId, client: ClientId) -> StoreResult<Vec<ProfileSection>>;

    /// Notes that the account opened the client's portal at `at`, and returns when the visit
    /// before this one began (None the first time). Opening pages within `gap` of each other
    /// counts as one visit, so "nieuw sinds uw vorige bezoek" survives a reload.
    async fn record_visit(
        &self,
        tenant: TenantId,
        account: AccountId,
        client: ClientId,
        gap: chrono::Duration,
    ) -> StoreResult<Option<DateTime<Utc>>>;

    /// The network messages `account` sent or received in the client's portal, newest first.
    async fn network_messages(
        &self,
        tenant: TenantId,
        client: ClientId,
        account: AccountId,
        limit: u32,
    ) -> StoreResult<Vec<careportal_domain::record::messages::NetworkMessage>>;
    /// Stores a message from one person of the client's network to another; `NotFound` when
    /// either is not linked to the client.
    async fn add_network_message(
        &self,
        tenant: TenantId,
        origin: &Origin,
        client: ClientId,
        sender: AccountId,
        recipient: AccountId,
        body: &str,
    ) -> StoreResult<()>;

    /// Appointments that end after `from` and start before `until`, earliest first.
    async fn appointments(
        &self,
        tenant: TenantId,
        client: ClientId,
        range: TimeRange,
        limit: u32,
    ) -> StoreResult<Vec<careportal_domain::record::agenda::Appointment>>;
    async fn appointment(
        &self,
        tenant: TenantId,
        client: ClientId,
        id: careportal_domain::ids::AppointmentId,
    ) -> StoreResult<Option<careportal_domain::record::agenda::Appointment>>;
    /// Adds an appointment (`source` ecd from the sync, portal from a person). A public one
    /// from the portal is queued for the ECD.
    async fn add_appointment(
        &self,
        tenant: TenantId,
        origin: &Origin,
        client: ClientId,
        source: careportal_domain::record::Source,
        created_by: Option<AccountId>,
        input: &careportal_domain::record::agenda::AppointmentInput,
    ) -> StoreResult<careportal_domain::record::agenda::Appointment>;
    /// Changes one of the portal's own appointments; `NotFound` for an ECD appointment or
    /// another client's. Queued for the ECD when it is (or was) public.
    async fn update_appointment(
        &self,
        tenant: TenantId,
        origin: &Origin,
        client: ClientId,
        id: careportal_domain::ids::AppointmentId,
        input: &careportal_domain::record::agenda::AppointmentInput,
    ) -> StoreResult<()>;
    /// Deletes one of the portal's own appointments; `NotFound` otherwise.
    async fn delete_appointment(
        &self,
        tenant: TenantId,
        origin: &Origin,
        client: ClientId,
        id: careportal_domain::ids::AppointmentId,
    ) -> StoreResult<()>;

    /// The prikbord: posts and replies, newest first.
    async fn posts(
        &self,
        tenant: TenantId,
        client: ClientId,
        limit: u32,
    ) -> StoreResult<Vec<careportal_domain::record::prikbord::Post>>;
    async fn post(
        &self,
        tenant: TenantId,
        client: ClientId,
        id: careportal_domain::ids::PostId,
    ) -> StoreResult<Option<careportal_domain::record::prikbord::Post>>;
    /// Adds a post, or a reply when `parent` names a post of the same client.
    async fn add_post(
        &self,
        tenant: TenantId,
        origin: &Origin,
        post: &careportal_domain::record::prikbord::Post,
    ) -> StoreResult<()>;
    /// Removes a post and its replies; returns the photo keys that went with them.
    async fn delete_post(
        &self,
        tenant: TenantId,
        origin: &Origin,
        client: ClientId,
        id: careportal_domain::ids::PostId,
    ) -> StoreResult<Vec<String>>;

    /// A questionnaire from the ECD (the sync, the demo).
    async fn add_questionnaire(
        &self,
        tenant: TenantId,
        origin: &Origin,
        client: ClientId,
        title: &str,
        intro: Option<&str>,
        questions: &[careportal_domain::record::questionnaires::Question],
    ) -> StoreResult<careportal_domain::ids::QuestionnaireId>;
    /// The client's questionnaires, newest first.
    async fn questionnaires(
        &self,
        tenant: TenantId,
        client: ClientId,
    ) -> StoreResult<Vec<careportal_domain::record::questionnaires::Questionnaire>>;
    async fn questionnaire(
        &self,
        tenant: TenantId,
        client: ClientId,
        id: careportal_domain::ids::QuestionnaireId,
    ) -> StoreResult<Option<careportal_domain::record::questionnaires::Questionnaire>>;
    /// Keeps the answers as a draft, or sends them (`by` names the person; then queued for
    /// the ECD). `Conflict` once the questionnaire was sent.
    async fn save_answers(
        &self,
        tenant: TenantId,
        origin: &Origin,
        client: ClientId,
        id: careportal_domain::ids::QuestionnaireId,
        answers: &BTreeMap<String, String>,
        submitted_by: Option<&str>,
    ) -> StoreResult<()>;

    /// The blob key of the client's central photo.
    async fn client_photo(&self, tenant: TenantId, client: ClientId) -> StoreResult<Option<String>>;
    /// Sets the client's central photo, or removes it (`None`); returns the key it replaced.
    async fn set_client_photo(
        &self,
        tenant: TenantId,
        origin: &Origin,
        client: ClientId,
        key: Option<&str>,
    ) -> StoreResult<Option<String>>;
    /// The blob key of a person's own photo.
    async fn account_photo(&self, tenant: TenantId, account: AccountId) -> StoreResult<Option<String>>;
    /// Sets a person's own photo, or removes it (`None`); returns the key it replaced.
    async fn set_account_photo(
        &self,
        tenant: TenantId,
        origin: &Origin,
        account: AccountId,
        key: Option<&str>,
    ) -> StoreResult<Option<String>>;

    /// Items waiting for the ECD, oldest first.
    async fn ecd_pending(&self, tenant: TenantId, limit: u32) -> StoreResult<Vec<EcdItem>>;
}
