//! The SQL behind [`careportal_store::DocumentStore`]: documents, the care plans offered
//! for signing and the evidence of each decision.

use super::common::{begin_write, insert_audit};
use super::record::queue_for_ecd;
use super::{DbRow, SqlStore};
use async_trait::async_trait;
use careportal_domain::audit::{AuditAction, Origin};
use careportal_domain::ids::{CarePlanId, DocumentId};
use careportal_domain::record::documents::{CarePlan, Document, DocumentKind, NewDocument, PlanDecision, PlanStatus};
use careportal_domain::{AccountId, ClientId, TenantId};
use careportal_store::DocumentStore;
use careportal_store::{StoreError, StoreResult};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Row;
use uuid::Uuid;

pub(super) const DOCUMENT_COLUMNS: &str =
    "id, client_id, kind, title, document_date, blob_key, sha256, size, content_type, created_at";

pub(super) fn document_from_row(row: &DbRow) -> StoreResult<Document> {
    let kind: String = row.try_get("kind")?;
    Ok(Document {
        id: DocumentId::from_uuid(row.try_get("id")?),
        client: ClientId::from_uuid(row.try_get("client_id")?),
        kind: DocumentKind::parse(&kind).ok_or_else(|| StoreError::corrupt("documents", &kind))?,
        title: row.try_get("title")?,
        date: row.try_get("document_date")?,
        blob_key: row.try_get("blob_key")?,
        sha256: row.try_get("sha256")?,
        size: row.try_get("size")?,
        content_type: row.try_get("content_type")?,
        created_at: row.try_get("created_at")?,
    })
}

const PLAN_COLUMNS: &str = "p.id, p.client_id, p.document_id, p.plan_date, p.offered_at, p.offered_by, \
                            p.status, d.signed, d.reason, d.decided_at, d.account_id, d.decided_by, \
                            d.document_sha256, d.method, d.masked_phone, d.ip, d.user_agent";
const PLAN_FROM: &str = "care_plans p LEFT JOIN plan_decisions d \
                         ON d.tenant_id = p.tenant_id AND d.plan_id = p.id";

fn plan_from_row(row: &DbRow) -> StoreResult<CarePlan> {
    let status: String = row.try_get("status")?;
    let decided_at: Option<DateTime<Utc>> = row.try_get("decided_at")?;
    let decision = match decided_at {
        None => None,
        Some(decided_at) => Some(PlanDecision {
            signed: row.try_get("signed")?,
            reason: row.try_get("reason")?,
            decided_at,
            account: row.try_get::<Option<Uuid>, _>("account_id")?.map(AccountId::from_uuid),
            decided_by: row.try_get("decided_by")?,
            document_sha256: row.try_get("document_sha256")?,
            method: row.try_get("method")?,
            masked_phone: row.try_get("masked_phone")?,
            ip: row.try_get("ip")?,
            user_agent: row.try_get("user_agent")?,
        }),
    };
    Ok(CarePlan {
        id: CarePlanId::from_uuid(row.try_get("id")?),
        client: ClientId::from_uuid(row.try_get("client_id")?),
        document: DocumentId::from_uuid(row.try_get("document_id")?),
        plan_date: row.try_get("plan_date")?,
        offered_at: row.try_get("offered_at")?,
        offered_by: row.try_get("offered_by")?,
        status: PlanStatus::parse(&status).ok_or_else(|| StoreError::corrupt("care_plans", &status))?,
        decision,
    })
}

#[async_trait]
impl DocumentStore for SqlStore {
    async fn add_document(
        &self,
        tenant: TenantId,
        origin: &Origin,
        client: ClientId,
        new: &NewDocument,
    ) -> StoreResult<Document> {
        let now = self.now();
        let document = Document {
            id: DocumentId::new(),
            client,
            kind: new.kind,
            title: new.title.clone(),
            date: new.date,
            blob_key: new.blob_key.clone(),
            sha256: new.sha256.clone(),
            size: new.size,
            content_type: new.content_type.clone(),
            created_at: now,
        };
        let mut tx = begin_write(&self.pool).await?;
        sqlx::query(&format!(
            "INSERT INTO documents (tenant_id, {DOCUMENT_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        ))
        .bind(tenant.as_uuid())
        .bind(document.id.as_uuid())
        .bind(client.as_uuid())
        .bind(document.kind.as_str())
        .bind(&document.title)
        .bind(document.date)
        .bind(&document.blob_key)
        .bind(&document.sha256)
        .bind(document.size)
        .bind(&document.content_type)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::classify(e, "document"))?;
        let detail = format!("{} {}", document.kind.as_str(), document.id);
        insert_audit(&mut tx, tenant, &origin.event(AuditAction::new("document.added"), Some(client), detail), now)
            .await?;
        tx.commit().await?;
        Ok(document)
    }

    async fn documents(
        &self,
        tenant: TenantId,
        client: ClientId,
        kind: DocumentKind,
        since: Option<NaiveDate>,
    ) -> StoreResult<Vec<Document>> {
        let rows = sqlx::query(&format!(
            "SELECT {DOCUMENT_COLUMNS} FROM documents WHERE tenant_id = $1 AND client_id = $2 AND kind = $3 \
             AND ($4 IS NULL OR document_date >= $4) ORDER BY document_date DESC, id DESC"
        ))
        .bind(tenant.as_uuid())
        .bind(client.as_uuid())
        .bind(kind.as_str())
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(document_from_row).collect()
    }

    async fn has_documents(&self, tenant: TenantId, client: ClientId, kind: DocumentKind) -> StoreResult<bool> {
        let row =
            sqlx::query("SELECT 1 AS one FROM documents WHERE tenant_id = $1 AND client_id = $2 AND kind = $3 LIMIT 1")
                .bind(tenant.as_uuid())
                .bind(client.as_uuid())
                .bind(kind.as_str())
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.is_some())
    }

    async fn document(&self, tenant: TenantId, client: ClientId, id: DocumentId) -> StoreResult<Option<Document>> {
        let row = sqlx::query(&format!(
            "SELECT {DOCUMENT_COLUMNS} FROM documents WHERE tenant_id = $1 AND client_id = $2 AND id = $3"
        ))
        .bind(tenant.as_uuid())
        .bind(client.as_uuid())
        .bind(id.as_uuid())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(document_from_row).transpose()
    }

    async fn offer_plan(
        &self,
        tenant: TenantId,
        origin: &Origin,
        client: ClientId,
        document: DocumentId,
        plan_date: NaiveDate,
        offered_by: &str,
    ) -> StoreResult<CarePlan> {
        let now = self.now();
        let id = CarePlanId::new();
        let mut tx = begin_write(&self.pool).await?;
        // The print must be one of this client's.
        let owned = sqlx::query("SELECT 1 AS one FROM documents WHERE tenant_id = $1 AND client_id = $2 AND id = $3")
            .bind(tenant.as_uuid())
            .bind(client.as_uuid())
            .bind(document.as_uuid())
            .fetch_optional(&mut *tx)
            .await?;
        if owned.is_none() {
            return Err(StoreError::NotFound);
        }
        sqlx::query(
            "INSERT INTO care_plans (tenant_id, id, client_id, document_id, plan_date, offered_at, offered_by, \
             status) VALUES ($1, $2, $3, $4, $5, $6, $7, 'offered')",
        )
        .bind(tenant.as_uuid())
        .bind(id.as_uuid())
        .bind(client.as_uuid())
        .bind(document.as_uuid())
        .bind(plan_date)
        .bind(now)
        .bind(offered_by)
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::classify(e, "begeleidingsplan"))?;
        insert_audit(
            &mut tx,
            tenant,
            &origin.event(AuditAction::new("plan.offered"), Some(client), id.to_string()),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(CarePlan {
            id,
            client,
            document,
            plan_date,
            offered_at: now,
            offered_by: offered_by.to_owned(),
            status: PlanStatus::Offered,
            decision: None,
        })
    }

    async fn replace_plan_document(
        &self,
        tenant: TenantId,
        origin: &Origin,
        client: ClientId,
        plan: CarePlanId,
        document: DocumentId,
    ) -> StoreResult<()> {
        let now = self.now();
        let mut tx = begin_write(&self.pool).await?;
        let changed = sqlx::query(
            "UPDATE care_plans SET document_id = $4 WHERE tenant_id = $1 AND client_id = $2 AND id = $3 \
             AND status = 'offered' AND EXISTS (SELECT 1 FROM documents d WHERE d.tenant_id = $1 \
             AND d.client_id = $2 AND d.id = $4)",
        )
        .bind(tenant.as_uuid())
        .bind(client.as_uuid())
        .bind(plan.as_uuid())
        .bind(document.as_uuid())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        let event = origin.event(AuditAction::new("plan.replaced"), Some(client), format!("{plan} {document}"));
        insert_audit(&mut tx, tenant, &event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn care_plans(&self, tenant: TenantId, client: ClientId) -> StoreResult<Vec<CarePlan>> {
        let rows = sqlx::query(&format!(
            "SELECT {PLAN_COLUMNS} FROM {PLAN_FROM} WHERE p.tenant_id = $1 AND p.client_id = $2 \
             ORDER BY p.plan_date DESC, p.offered_at DESC"
        ))
        .bind(tenant.as_uuid())
        .bind(client.as_uuid())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(plan_from_row).collect()
    }

    async fn care_plan(&self, tenant: TenantId, client: ClientId, id: CarePlanId) -> StoreResult<Option<CarePlan>> {
        let row = sqlx::query(&format!(
            "SELECT {PLAN_COLUMNS} FROM {PLAN_FROM} WHERE p.tenant_id = $1 AND p.client_id = $2 AND p.id = $3"
        ))
        .bind(tenant.as_uuid())
        .bind(client.as_uuid())
        .bind(id.as_uuid())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(plan_from_row).transpose()
    }

    async fn decide_plan(
        &self,
        tenant: TenantId,
        origin: &Origin,
        client: ClientId,
        plan: CarePlanId,
        decision: &PlanDecision,
    ) -> StoreResult<()> {
        let now = self.now();
        let status = if decision.signed { PlanStatus::Signed } else { PlanStatus::Rejected };
        let mut tx = begin_write(&self.pool).await?;
        // Only an offered plan whose print is still the one that was shown.
        let changed = sqlx::query(
            "UPDATE care_plans SET status = $4 WHERE tenant_id = $1 AND client_id = $2 AND id = $3 \
             AND status = 'offered' AND EXISTS (SELECT 1 FROM documents d WHERE d.tenant_id = $1 \
             AND d.id = care_plans.document_id AND d.sha256 = $5)",
        )
        .bind(tenant.as_uuid())
        .bind(client.as_uuid())
        .bind(plan.as_uuid())
        .bind(status.as_str())
        .bind(&decision.document_sha256)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(StoreError::Conflict("het begeleidingsplan wacht niet meer op deze beslissing".into()));
        }
        sqlx::query(
            "INSERT INTO plan_decisions (tenant_id, plan_id, signed, reason, decided_at, account_id, decided_by, \
             document_sha256, method, masked_phone, ip, user_agent) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(tenant.as_uuid())
        .bind(plan.as_uuid())
        .bind(decision.signed)
        .bind(&decision.reason)
        .bind(decision.decided_at)
        .bind(decision.account.map(|a| a.as_uuid()))
        .bind(&decision.decided_by)
        .bind(&decision.document_sha256)
        .bind(&decision.method)
        .bind(&decision.masked_phone)
        .bind(&decision.ip)
        .bind(&decision.user_agent)
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::classify(e, "beslissing"))?;
        let action = if decision.signed { "plan.signed" } else { "plan.rejected" };
        let detail = format!("{plan} sha256 {}", decision.document_sha256);
        insert_audit(&mut tx, tenant, &origin.event(AuditAction::new(action), Some(client), detail), now).await?;
        queue_for_ecd(&mut tx, tenant, client, "plan_decision", &plan.to_string(), now).await?;
        tx.commit().await?;
        Ok(())
    }
}
