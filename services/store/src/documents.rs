//! Documents and care plans in the store. The bytes live in the blob store; this keeps
//! what they are, whose they are and their SHA-256, and the evidence of every decision.

use crate::StoreResult;
use async_trait::async_trait;
use careportal_domain::audit::Origin;
use careportal_domain::ids::{CarePlanId, DocumentId};
use careportal_domain::record::documents::{CarePlan, Document, DocumentKind, NewDocument, PlanDecision};
use careportal_domain::{ClientId, TenantId};
use chrono::NaiveDate;

#[async_trait]
pub trait DocumentStore: Send + Sync {
    async fn add_document(
        &self,
        tenant: TenantId,
        origin: &Origin,
        client: ClientId,
        new: &NewDocument,
    ) -> StoreResult<Document>;
    /// A client's documents of one kind dated on or after `since`, newest first.
    async fn documents(
        &self,
        tenant: TenantId,
        client: ClientId,
        kind: DocumentKind,
        since: Option<NaiveDate>,
    ) -> StoreResult<Vec<Document>>;
    /// Whether the client has any document of this kind (e.g. whether they receive invoices).
    async fn has_documents(&self, tenant: TenantId, client: ClientId, kind: DocumentKind) -> StoreResult<bool>;
    /// One document of the client; None for another client's or tenant's.
    async fn document(&self, tenant: TenantId, client: ClientId, id: DocumentId) -> StoreResult<Option<Document>>;

    /// Offers a print for signing (a coordinator or the sync).
    async fn offer_plan(
        &self,
        tenant: TenantId,
        origin: &Origin,
        client: ClientId,
        document: DocumentId,
        plan_date: NaiveDate,
        offered_by: &str,
    ) -> StoreResult<CarePlan>;
    /// Points an offered plan at a new print (the plan changed after it was offered): a
    /// code asked for the old print no longer signs it.
    async fn replace_plan_document(
        &self,
        tenant: TenantId,
        origin: &Origin,
        client: ClientId,
        plan: CarePlanId,
        document: DocumentId,
    ) -> StoreResult<()>;
    /// The client's plans, newest print first, with their decisions.
    async fn care_plans(&self, tenant: TenantId, client: ClientId) -> StoreResult<Vec<CarePlan>>;
    async fn care_plan(&self, tenant: TenantId, client: ClientId, id: CarePlanId) -> StoreResult<Option<CarePlan>>;
    /// Records a decision on an offered plan, with its evidence, audit entry and ECD queue
    /// entry. `Conflict` when the plan is no longer offered or its print is not the one the
    /// evidence names (it changed in the meantime); then nothing is written.
    async fn decide_plan(
        &self,
        tenant: TenantId,
        origin: &Origin,
        client: ClientId,
        plan: CarePlanId,
        decision: &PlanDecision,
    ) -> StoreResult<()>;
}
