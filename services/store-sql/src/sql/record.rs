//! The SQL behind [`careportal_store::RecordStore`]: the care record (reports,
//! measurements, consents, messages, agenda, prikbord, questionnaires, photos) and the
//! queue of what people write for the ECD.

use super::common::{begin_write, count_of, insert_audit};
use super::{Conn, Db, DbRow, SqlStore};
use async_trait::async_trait;
use careportal_domain::audit::{AuditAction, AuditEvent, Origin};
use careportal_domain::ids::{CareMessageId, EcdItemId, MeasurementId, ReportId};
use careportal_domain::people::PersonName;
use careportal_domain::record::consents::{Consent, ConsentChange, ConsentQuestion};
use careportal_domain::record::measurements::{Measurement, NewMeasurement};
use careportal_domain::record::messages::{CareMessage, NewCareMessage};
use careportal_domain::record::reports::{NewReport, Report};
use careportal_domain::record::{ProfileSection, Source};
use careportal_domain::time::TimeRange;
use careportal_domain::{AccountId, ClientId, TenantId};
use careportal_store::{ConsentAnswer, EcdItem, RecordStore};
use careportal_store::{StoreError, StoreResult};
use chrono::{DateTime, Utc};
use sqlx::Row;
use std::collections::BTreeMap;
use uuid::Uuid;

fn source_from_row(row: &DbRow, table: &'static str) -> StoreResult<Source> {
    let source: String = row.try_get("source")?;
    Source::parse(&source).ok_or_else(|| StoreError::corrupt(table, &source))
}

fn optional_account(row: &DbRow, column: &str) -> StoreResult<Option<AccountId>> {
    Ok(row.try_get::<Option<Uuid>, _>(column)?.map(AccountId::from_uuid))
}

pub(super) const REPORT_COLUMNS: &str = "id, client_id, written_at, author, author_account, source, body";

pub(super) fn report_from_row(row: &DbRow) -> StoreResult<Report> {
    Ok(Report {
        id: ReportId::from_uuid(row.try_get("id")?),
        client: ClientId::from_uuid(row.try_get("client_id")?),
        written_at: row.try_get("written_at")?,
        author: row.try_get("author")?,
        author_account: optional_account(row, "author_account")?,
        source: source_from_row(row, "reports")?,
        body: row.try_get("body")?,
    })
}

pub(super) const MEASUREMENT_COLUMNS: &str = "id, client_id, kind, value, unit, qualifier, measured_at, location, \
                                   measured_by, author_account, source";

pub(super) fn measurement_from_row(row: &DbRow) -> StoreResult<Measurement> {
    Ok(Measurement {
        id: MeasurementId::from_uuid(row.try_get("id")?),
        client: ClientId::from_uuid(row.try_get("client_id")?),
        kind: row.try_get("kind")?,
        value: row.try_get("value")?,
        unit: row.try_get("unit")?,
        qualifier: row.try_get("qualifier")?,
        measured_at: row.try_get("measured_at")?,
        location: row.try_get("location")?,
        measured_by: row.try_get("measured_by")?,
        author_account: optional_account(row, "author_account")?,
        source: source_from_row(row, "measurements")?,
    })
}

pub(super) const MESSAGE_COLUMNS: &str = "id, client_id, sent_at, sender, sender_account, body";

pub(super) fn care_message_from_row(row: &DbRow) -> StoreResult<CareMessage> {
    Ok(CareMessage {
        id: CareMessageId::from_uuid(row.try_get("id")?),
        client: ClientId::from_uuid(row.try_get("client_id")?),
        sent_at: row.try_get("sent_at")?,
        sender: row.try_get("sender")?,
        sender_account: optional_account(row, "sender_account")?,
        body: row.try_get("body")?,
    })
}

pub(super) const APPOINTMENT_COLUMNS: &str =
    "id, client_id, title, starts_at, ends_at, location, notes, source, public, created_by";

pub(super) fn appointment_from_row(row: &DbRow) -> StoreResult<careportal_domain::record::agenda::Appointment> {
    Ok(careportal_domain::record::agenda::Appointment {
        id: careportal_domain::ids::AppointmentId::from_uuid(row.try_get("id")?),
        client: ClientId::from_uuid(row.try_get("client_id")?),
        title: row.try_get("title")?,
        starts_at: row.try_get("starts_at")?,
        ends_at: row.try_get("ends_at")?,
        location: row.try_get("location")?,
        notes: row.try_get("notes")?,
        source: source_from_row(row, "appointments")?,
        public: row.try_get("public")?,
        created_by: optional_account(row, "created_by")?,
    })
}

const POST_COLUMNS: &str = "id, client_id, parent_id, author_account, author_name, body, photo_key, created_at";

fn post_from_row(row: &DbRow) -> StoreResult<careportal_domain::record::prikbord::Post> {
    Ok(careportal_domain::record::prikbord::Post {
        id: careportal_domain::ids::PostId::from_uuid(row.try_get("id")?),
        client: ClientId::from_uuid(row.try_get("client_id")?),
        parent: row.try_get::<Option<Uuid>, _>("parent_id")?.map(careportal_domain::ids::PostId::from_uuid),
        author: AccountId::from_uuid(row.try_get("author_account")?),
        author_name: row.try_get("author_name")?,
        body: row.try_get("body")?,
        photo_key: row.try_get("photo_key")?,
        created_at: row.try_get("created_at")?,
    })
}

const QUESTIONNAIRE_COLUMNS: &str =
    "id, client_id, title, intro, questions, received_at, status, answers, updated_at, submitted_by";

fn questionnaire_from_row(row: &DbRow) -> StoreResult<careportal_domain::record::questionnaires::Questionnaire> {
    use careportal_domain::record::questionnaires::{Questionnaire, QuestionnaireStatus, parse_questions};
    let questions: String = row.try_get("questions")?;
    let answers: String = row.try_get("answers")?;
    let status: String = row.try_get("status")?;
    Ok(Questionnaire {
        id: careportal_domain::ids::QuestionnaireId::from_uuid(row.try_get("id")?),
        client: ClientId::from_uuid(row.try_get("client_id")?),
        title: row.try_get("title")?,
        intro: row.try_get("intro")?,
        questions: parse_questions(&questions).map_err(|e| StoreError::corrupt("questionnaires", e))?,
        received_at: row.try_get("received_at")?,
        status: QuestionnaireStatus::parse(&status).ok_or_else(|| StoreError::corrupt("questionnaires", &status))?,
        answers: serde_json::from_str(&answers).map_err(|e| StoreError::corrupt("questionnaires", e))?,
        updated_at: row.try_get("updated_at")?,
        submitted_by: row.try_get("submitted_by")?,
    })
}

/// The photo key of a client or an account (`table` and `owner` are our own constants).
async fn photo_key(
    pool: &sqlx::Pool<<Conn as sqlx::Connection>::Database>,
    table: &str,
    owner: &str,
    tenant: TenantId,
    id: Uuid,
) -> StoreResult<Option<String>> {
    let row = sqlx::query(&format!("SELECT blob_key FROM {table} WHERE tenant_id = $1 AND {owner} = $2"))
        .bind(tenant.as_uuid())
        .bind(id)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(|r| r.try_get("blob_key")).transpose()?)
}

/// Sets a photo key (or removes the photo: `None`) and returns the one it replaced, audited,
/// in one transaction.
#[allow(clippy::too_many_arguments)]
async fn set_photo(
    pool: &sqlx::Pool<<Conn as sqlx::Connection>::Database>,
    table: &str,
    owner: &str,
    tenant: TenantId,
    id: Uuid,
    key: Option<&str>,
    event: &AuditEvent,
    now: DateTime<Utc>,
) -> StoreResult<Option<String>> {
    let mut tx = begin_write(pool).await?;
    let old = sqlx::query(&format!("SELECT blob_key FROM {table} WHERE tenant_id = $1 AND {owner} = $2"))
        .bind(tenant.as_uuid())
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| r.try_get::<String, _>("blob_key"))
        .transpose()?;
    let sql = match key {
        Some(_) => format!(
            "INSERT INTO {table} (tenant_id, {owner}, blob_key, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (tenant_id, {owner}) DO UPDATE SET blob_key = excluded.blob_key, updated_at = excluded.updated_at"
        ),
        None => format!("DELETE FROM {table} WHERE tenant_id = $1 AND {owner} = $2"),
    };
    let query = sqlx::query(&sql).bind(tenant.as_uuid()).bind(id);
    match key {
        Some(key) => query.bind(key).bind(now),
        None => query,
    }
    .execute(&mut *tx)
    .await
    .map_err(|e| StoreError::classify(e, "foto"))?;
    insert_audit(&mut tx, tenant, event, now).await?;
    tx.commit().await?;
    Ok(old)
}

/// What removing by ECD key means for one table: the table, a further condition a
/// row must meet to go (`""`: none), and the audit action.
pub(super) struct KeyedRemoval {
    pub(super) table: &'static str,
    pub(super) only: &'static str,
    pub(super) action: &'static str,
}

/// Deletes the row the ECD knows as `ecd_key`, if it meets the removal's condition,
/// with its audit entry; false when there is none.
pub(super) async fn remove_by_ecd_key(
    pool: &sqlx::Pool<Db>,
    now: DateTime<Utc>,
    removal: &KeyedRemoval,
    tenant: TenantId,
    origin: &Origin,
    ecd_key: &str,
) -> StoreResult<bool> {
    let KeyedRemoval { table, only, action } = removal;
    let mut tx = begin_write(pool).await?;
    let removed = sqlx::query(&format!(
        "DELETE FROM {table} WHERE tenant_id = $1 AND ecd_key = $2 {only} RETURNING id, client_id"
    ))
    .bind(tenant.as_uuid())
    .bind(ecd_key)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = removed else { return Ok(false) };
    let id: Uuid = row.try_get("id")?;
    let client = ClientId::from_uuid(row.try_get("client_id")?);
    let event = origin.event(AuditAction::new(action), Some(client), id.to_string());
    insert_audit(&mut tx, tenant, &event, now).await?;
    tx.commit().await?;
    Ok(true)
}

/// The ECD key of one row of `table` (None: none, or no such row).
pub(super) async fn ecd_key_of(
    pool: &sqlx::Pool<Db>,
    table: &'static str,
    tenant: TenantId,
    id: Uuid,
) -> StoreResult<Option<String>> {
    let row = sqlx::query(&format!("SELECT ecd_key FROM {table} WHERE tenant_id = $1 AND id = $2"))
        .bind(tenant.as_uuid())
        .bind(id)
        .fetch_optional(pool)
        .await?;
    Ok(match row {
        Some(row) => row.try_get("ecd_key")?,
        None => None,
    })
}

/// Queues what a portal user wrote for the ECD, in the caller's transaction.
pub(super) async fn queue_for_ecd(
    conn: &mut Conn,
    tenant: TenantId,
    client: ClientId,
    kind: &str,
    item: &str,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO ecd_outbox (tenant_id, id, client_id, kind, item_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(tenant.as_uuid())
    .bind(EcdItemId::new().as_uuid())
    .bind(client.as_uuid())
    .bind(kind)
    .bind(item)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[async_trait]
impl RecordStore for SqlStore {
    async fn reports(
        &self,
        tenant: TenantId,
        client: ClientId,
        range: TimeRange,
        limit: u32,
    ) -> StoreResult<Vec<Report>> {
        let rows = sqlx::query(&format!(
            "SELECT {REPORT_COLUMNS} FROM reports WHERE tenant_id = $1 AND client_id = $2 \
             AND ($3 IS NULL OR written_at >= $3) AND ($4 IS NULL OR written_at < $4) \
             ORDER BY written_at DESC, id DESC LIMIT $5"
        ))
        .bind(tenant.as_uuid())
        .bind(client.as_uuid())
        .bind(range.from)
        .bind(range.until)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(report_from_row).collect()
    }

    async fn remove_ecd_report(&self, tenant: TenantId, origin: &Origin, ecd_key: &str) -> StoreResult<bool> {
        let removal = KeyedRemoval { table: "reports", only: "", action: "report.removed" };
        remove_by_ecd_key(&self.pool, self.now(), &removal, tenant, origin, ecd_key).await
    }

    async fn add_report(
        &self,
        tenant: TenantId,
        origin: &Origin,
        client: ClientId,
        new: &NewReport,
    ) -> StoreResult<Report> {
        let now = self.now();
        let report = Report {
            id: ReportId::new(),
            client,
            written_at: new.written_at,
            author: new.author.clone(),
            author_account: new.author_account,
            source: new.source,
            body: new.body.clone(),
        };
        let mut tx = begin_write(&self.pool).await?;
        // A portal report is known by our own identifier from the start, so the copy
        // the ECD sends back on a pull is this report, whichever comes first.
        let ecd_key =
            (report.source == Source::Portal).then(|| careportal_domain::sync::own_ecd_key(report.id.as_uuid()));
        sqlx::query(&format!(
            "INSERT INTO reports (tenant_id, {REPORT_COLUMNS}, ecd_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        ))
        .bind(tenant.as_uuid())
        .bind(report.id.as_uuid())
        .bind(client.as_uuid())
        .bind(report.written_at)
        .bind(&report.author)
        .bind(report.author_account.map(|a| a.as_uuid()))
        .bind(report.source.as_str())
        .bind(&report.body)
        .bind(ecd_key)
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::classify(e, "rapportage"))?;
        let event = origin.event(AuditAction::new("report.written"), Some(client), report.id.to_string());
        insert_audit(&mut tx, tenant, &event, now).await?;
        if report.source == Source::Portal {
            queue_for_ecd(&mut tx, tenant, client, "report", &report.id.to_string(), now).await?;
        }
        tx.commit().await?;
        Ok(report)
    }

    async fn measurements(
        &self,
        tenant: TenantId,
        client: ClientId,
        kind: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<Measurement>> {
        let rows = sqlx::query(&format!(
            "SELECT {MEASUREMENT_COLUMNS} FROM measurements WHERE tenant_id = $1 AND client_id = $2 \
             AND ($3 IS NULL OR kind = $3) ORDER BY measured_at DESC, id DESC LIMIT $4"
        ))
        .bind(tenant.as_uuid())
        .bind(client.as_uuid())
        .bind(kind)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(measurement_from_row).collect()
    }

    async fn measurement_kinds(&self, tenant: TenantId, client: ClientId) -> StoreResult<Vec<String>> {
        let rows =
            sqlx::query("SELECT DISTINCT kind FROM measurements WHERE tenant_id = $1 AND client_id = $2 ORDER BY kind")
                .bind(tenant.as_uuid())
                .bind(client.as_uuid())
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(|row| Ok(row.try_get("kind")?)).collect()
    }

    async fn add_measurement(
        &self,
        tenant: TenantId,
        origin: &Origin,
        client: ClientId,
        new: &NewMeasurement,
    ) -> StoreResult<Measurement> {
        let now = self.now();
        let measurement = Measurement {
            id: MeasurementId::new(),
            client,
            kind: new.kind.clone(),
            value: new.value.clone(),
            unit: new.unit.clone(),
            qualifier: new.qualifier.clone(),
            measured_at: new.measured_at,
            location: new.location.clone(),
            measured_by: new.measured_by.clone(),
            author_account: new.author_account,
            source: new.source,
        };
        let mut tx = begin_write(&self.pool).await?;
        let ecd_key = (measurement.source == Source::Portal)
            .then(|| careportal_domain::sync::own_ecd_key(measurement.id.as_uuid()));
        sqlx::query(&format!(
            "INSERT INTO measurements (tenant_id, {MEASUREMENT_COLUMNS}, ecd_key) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        ))
        .bind(tenant.as_uuid())
        .bind(measurement.id.as_uuid())
        .bind(client.as_uuid())
        .bind(&measurement.kind)
        .bind(&measurement.value)
        .bind(&measurement.unit)
        .bind(&measurement.qualifier)
        .bind(measurement.measured_at)
        .bind(&measurement.location)
        .bind(&measurement.measured_by)
        .bind(measurement.author_account.map(|a| a.as_uuid()))
        .bind(measurement.source.as_str())
        .bind(ecd_key)
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::classify(e, "meting"))?;
        let detail = format!("{} {}", measurement.id, measurement.kind);
        insert_audit(
            &mut tx,
            tenant,
            &origin.event(AuditAction::new("measurement.written"), Some(client), detail),
            now,
        )
        .await?;
        if measurement.source == Source::Portal {
            queue_for_ecd(&mut tx, tenant, client, "measurement", &measurement.id.to_string(), now).await?;
        }
        tx.commit().await?;
        Ok(measurement)
    }

    async fn put_consent(
        &self,
        tenant: TenantId,
        origin: &Origin,
        client: ClientId,
        question: &ConsentQuestion,
        granted: Option<bool>,
    ) -> StoreResult<()> {
        let now = self.now();
        let mut tx = begin_write(&self.pool).await?;
        sqlx::query(
            "INSERT INTO consents (tenant_id, client_id, key, question, editable, position, granted) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (tenant_id, client_id, key) DO UPDATE SET question = excluded.question, \
             editable = excluded.editable, position = excluded.position, \
             granted = COALESCE(excluded.granted, consents.granted)",
        )
        .bind(tenant.as_uuid())
        .bind(client.as_uuid())
        .bind(&question.key)
        .bind(&question.question)
        .bind(question.editable)
        .bind(question.position)
        .bind(granted)
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::classify(e, "toestemming"))?;
        let event = origin.event(AuditAction::new("consent.synced"), Some(client), question.key.clone());
        insert_audit(&mut tx, tenant, &event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn consents(&self, tenant: TenantId, client: ClientId) -> StoreResult<Vec<Consent>> {
        let rows = sqlx::query(
            "SELECT key, question, granted, editable, changed_at, changed_by FROM consents \
             WHERE tenant_id = $1 AND client_id = $2 ORDER BY position, key",
        )
        .bind(tenant.as_uuid())
        .bind(client.as_uuid())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Consent {
                    key: row.try_get("key")?,
                    question: row.try_get("question")?,
                    granted: row.try_get("granted")?,
                    editable: row.try_get("editable")?,
                    changed_at: row.try_get("changed_at")?,
                    changed_by: row.try_get("changed_by")?,
                })
            })
            .collect()
    }

    async fn consent_changes(&self, tenant: TenantId, client: ClientId, limit: u32) -> StoreResult<Vec<ConsentChange>> {
        let rows = sqlx::query(
            "SELECT h.key, c.question, h.granted, h.at, h.by_name FROM consent_changes h \
             JOIN consents c ON c.tenant_id = h.tenant_id AND c.client_id = h.client_id AND c.key = h.key \
             WHERE h.tenant_id = $1 AND h.client_id = $2 ORDER BY h.at DESC, h.id DESC LIMIT $3",
        )
        .bind(tenant.as_uuid())
        .bind(client.as_uuid())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ConsentChange {
                    key: row.try_get("key")?,
                    question: row.try_get("question")?,
                    granted: row.try_get("granted")?,
                    at: row.try_get("at")?,
                    by: row.try_get("by_name")?,
                })
            })
            .collect()
    }

    async fn answer_consents(
        &self,
        tenant: TenantId,
        origin: &Origin,
        client: ClientId,
        by: &str,
        answers: &[ConsentAnswer],
    ) -> StoreResult<u32> {
        let now = self.now();
        let by_account = match &origin.actor {
            careportal_domain::audit::Actor::Account(account) => Some(account.as_uuid()),
            careportal_domain::audit::Actor::System(_) => None,
        };
        let mut tx = begin_write(&self.pool).await?;
        let mut changed = 0;
        for answer in answers {
            let row = sqlx::query(
                "SELECT granted, editable FROM consents WHERE tenant_id = $1 AND client_id = $2 AND key = $3",
            )
            .bind(tenant.as_uuid())
            .bind(client.as_uuid())
            .bind(&answer.key)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(row) = row else { return Err(StoreError::NotFound) };
            if !row.try_get::<bool, _>("editable")? {
                return Err(StoreError::NotFound);
            }
            if row.try_get::<Option<bool>, _>("granted")? == Some(answer.granted) {
                continue;
            }
            sqlx::query(
                "UPDATE consents SET granted = $4, changed_at = $5, changed_by = $6 \
                 WHERE tenant_id = $1 AND client_id = $2 AND key = $3",
            )
            .bind(tenant.as_uuid())
            .bind(client.as_uuid())
            .bind(&answer.key)
            .bind(answer.granted)
            .bind(now)
            .bind(by)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO consent_changes (tenant_id, id, client_id, key, granted, at, by_name, by_account) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(tenant.as_uuid())
            .bind(Uuid::now_v7())
            .bind(client.as_uuid())
            .bind(&answer.key)
            .bind(answer.granted)
            .bind(now)
            .bind(by)
            .bind(by_account)
            .execute(&mut *tx)
            .await?;
            let detail = format!("{}: {}", answer.key, if answer.granted { "ja" } else { "nee" });
            insert_audit(
                &mut tx,
                tenant,
                &origin.event(AuditAction::new("consent.changed"), Some(client), detail),
                now,
            )
            .await?;
            queue_for_ecd(&mut tx, tenant, client, "consent", &answer.key, now).await?;
            changed += 1;
        }
        tx.commit().await?;
        Ok(changed)
    }

    async fn care_messages(&self, tenant: TenantId, client: ClientId, limit: u32) -> StoreResult<Vec<CareMessage>> {
        let rows = sqlx::query(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM care_messages WHERE tenant_id = $1 AND client_id = $2 \
             ORDER BY sent_at DESC, id DESC LIMIT $3"
        ))
        .bind(tenant.as_uuid())
        .bind(client.as_uuid())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(care_message_from_row).collect()
    }

    async fn add_care_message(
        &self,
        tenant: TenantId,
        origin: &Origin,
        client: ClientId,
        new: &NewCareMessage,
    ) -> StoreResult<CareMessage> {
        let now = self.now();
        let message = CareMessage {
            id: CareMessageId::new(),
            client,
            sent_at: new.sent_at,
            sender: new.sender.clone(),
            sender_account: new.sender_account,
            body: new.body.clone(),
        };
        let mut tx = begin_write(&self.pool).await?;
        // Written in the portal, by a client's network or by the coordinator in Beheer
        // (an account, but no portal sender): the ECD gets it. The demo and the sync
        // write as the system.
        let written_here = message.from_portal() || matches!(origin.actor, careportal_domain::audit::Actor::Account(_));
        let ecd_key = written_here.then(|| careportal_domain::sync::own_ecd_key(message.id.as_uuid()));
        sqlx::query(&format!(
            "INSERT INTO care_messages (tenant_id, {MESSAGE_COLUMNS}, ecd_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        ))
        .bind(tenant.as_uuid())
        .bind(message.id.as_uuid())
        .bind(client.as_uuid())
        .bind(message.sent_at)
        .bind(&message.sender)
        .bind(message.sender_account.map(|a| a.as_uuid()))
        .bind(&message.body)
        .bind(ecd_key)
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::classify(e, "bericht"))?;
        let event = origin.event(AuditAction::new("message.sent"), Some(client), message.id.to_string());
        insert_audit(&mut tx, tenant, &event, now).await?;
        if written_here {
            queue_for_ecd(&mut tx, tenant, client, "message", &message.id.to_string(), now).await?;
        }
        tx.commit().await?;
        Ok(message)
    }

    async fn set_profile(
        &self,
        tenant: TenantId,
        origin: &Origin,
        client: ClientId,
        sections: &[ProfileSection],
    ) -> StoreResult<()> {
        let now = self.now();
        let mut tx = begin_write(&self.pool).await?;
        sqlx::query("DELETE FROM profile_sections WHERE tenant_id = $1 AND client_id = $2")
            .bind(tenant.as_uuid())
            .bind(client.as_uuid())
            .execute(&mut *tx)
            .await?;
        for section in sections {
            sqlx::query(
                "INSERT INTO profile_sections (tenant_id, client_id, position, title, body) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(tenant.as_uuid())
            .bind(client.as_uuid())
            .bind(section.position)
            .bind(&section.title)
            .bind(&section.body)
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::classify(e, "persoonsbeeld"))?;
        }
        let detail = format!("{} onderdelen", sections.len());
        insert_audit(&mut tx, tenant, &origin.event(AuditAction::new("profile.synced"), Some(client), detail), now)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn profile(&self, tenant: TenantId, client: ClientId) -> StoreResult<Vec<ProfileSection>> {
        let rows = sqlx::query(
            "SELECT position, title, body FROM profile_sections WHERE tenant_id = $1 AND client_id = $2 \
             ORDER BY position",
        )
        .bind(tenant.as_uuid())
        .bind(client.as_uuid())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let position = row
                    .try_get::<i32, _>("position")
                    .or_else(|_| row.try_get::<i64, _>("position").map(|p| p as i32))?;
                Ok(ProfileSection { position, title: row.try_get("title")?, body: row.try_get("body")? })
            })
            .collect()
    }

    async fn record_visit(
        &self,
        tenant: TenantId,
        account: AccountId,
        client: ClientId,
        gap: chrono::Duration,
    ) -> StoreResult<Option<DateTime<Utc>>> {
        let now = self.now();
        let select = "SELECT visited_at, previous_visit FROM client_visits \
                      WHERE tenant_id = $1 AND account_id = $2 AND client_id = $3";
        // A page opened within a minute of the last written visit changes nothing worth a
        // write (the visit gap is far longer): read only, so busy pages do not queue on the
        // database's writer.
        let seen = sqlx::query(select)
            .bind(tenant.as_uuid())
            .bind(account.as_uuid())
            .bind(client.as_uuid())
            .fetch_optional(&self.pool)
            .await?;
        if let Some(row) = seen {
            let visited: DateTime<Utc> = row.try_get("visited_at")?;
            if now - visited < chrono::Duration::minutes(1) && now >= visited && gap >= chrono::Duration::minutes(1) {
                return Ok(row.try_get("previous_visit")?);
            }
        }
        let mut tx = begin_write(&self.pool).await?;
        let row = sqlx::query(select)
            .bind(tenant.as_uuid())
            .bind(account.as_uuid())
            .bind(client.as_uuid())
            .fetch_optional(&mut *tx)
            .await?;
        let previous = match row {
            None => None,
            Some(row) => {
                let visited: DateTime<Utc> = row.try_get("visited_at")?;
                let previous: Option<DateTime<Utc>> = row.try_get("previous_visit")?;
                if now - visited <= gap { previous } else { Some(visited) }
            }
        };
        sqlx::query(
            "INSERT INTO client_visits (tenant_id, account_id, client_id, visited_at, previous_visit) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, account_id, client_id) \
             DO UPDATE SET visited_at = excluded.visited_at, previous_visit = excluded.previous_visit",
        )
        .bind(tenant.as_uuid())
        .bind(account.as_uuid())
        .bind(client.as_uuid())
        .bind(now)
        .bind(previous)
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::classify(e, "bezoek"))?;
        tx.commit().await?;
        Ok(previous)
    }

    async fn network_messages(
        &self,
        tenant: TenantId,
        client: ClientId,
        account: AccountId,
        limit: u32,
    ) -> StoreResult<Vec<careportal_domain::record::messages::NetworkMessage>> {
        let rows = sqlx::query(
            "SELECT m.id, m.client_id, m.sent_at, m.sender_account, m.recipient_account, m.body, \
             s.given_name AS s_given, s.name_prefix AS s_prefix, s.family_name AS s_family, \
             r.given_name AS r_given, r.name_prefix AS r_prefix, r.family_name AS r_family \
             FROM network_messages m \
             JOIN accounts s ON s.tenant_id = m.tenant_id AND s.id = m.sender_account \
             JOIN accounts r ON r.tenant_id = m.tenant_id AND r.id = m.recipient_account \
             WHERE m.tenant_id = $1 AND m.client_id = $2 AND (m.sender_account = $3 OR m.recipient_account = $3) \
             ORDER BY m.sent_at DESC, m.id DESC LIMIT $4",
        )
        .bind(tenant.as_uuid())
        .bind(client.as_uuid())
        .bind(account.as_uuid())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        let name = |row: &DbRow, prefix: &str| -> StoreResult<String> {
            let given: String = row.try_get(format!("{prefix}_given").as_str())?;
            let middle: Option<String> = row.try_get(format!("{prefix}_prefix").as_str())?;
            let family: String = row.try_get(format!("{prefix}_family").as_str())?;
            Ok(PersonName::new(&given, middle.as_deref(), &family)
                .map_err(|e| StoreError::corrupt("accounts", e))?
                .full())
        };
        rows.iter()
            .map(|row| {
                Ok(careportal_domain::record::messages::NetworkMessage {
                    id: careportal_domain::ids::NetworkMessageId::from_uuid(row.try_get("id")?),
                    client: ClientId::from_uuid(row.try_get("client_id")?),
                    sent_at: row.try_get("sent_at")?,
                    sender: AccountId::from_uuid(row.try_get("sender_account")?),
                    sender_name: name(row, "s")?,
                    recipient: AccountId::from_uuid(row.try_get("recipient_account")?),
                    recipient_name: name(row, "r")?,
                    body: row.try_get("body")?,
                })
            })
            .collect()
    }

    async fn add_network_message(
        &self,
        tenant: TenantId,
        origin: &Origin,
        client: ClientId,
        sender: AccountId,
        recipient: AccountId,
        body: &str,
    ) -> StoreResult<()> {
        let now = self.now();
        let id = careportal_domain::ids::NetworkMessageId::new();
        let mut tx = begin_write(&self.pool).await?;
        sqlx::query(
            "INSERT INTO network_messages (tenant_id, id, client_id, sender_account, recipient_account, body, sent_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(tenant.as_uuid())
        .bind(id.as_uuid())
        .bind(client.as_uuid())
        .bind(sender.as_uuid())
        .bind(recipient.as_uuid())
        .bind(body)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::classify(e, "bericht"))?;
        let detail = format!("{id} aan {recipient}");
        insert_audit(
            &mut tx,
            tenant,
            &origin.event(AuditAction::new("network_message.sent"), Some(client), detail),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn appointments(
        &self,
        tenant: TenantId,
        client: ClientId,
        range: TimeRange,
        limit: u32,
    ) -> StoreResult<Vec<careportal_domain::record::agenda::Appointment>> {
        let rows = sqlx::query(&format!(
            "SELECT {APPOINTMENT_COLUMNS} FROM appointments WHERE tenant_id = $1 AND client_id = $2 \
             AND ($3 IS NULL OR ends_at > $3) AND ($4 IS NULL OR starts_at < $4) \
             ORDER BY starts_at, id LIMIT $5"
        ))
        .bind(tenant.as_uuid())
        .bind(client.as_uuid())
        .bind(range.from)
        .bind(range.until)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(appointment_from_row).collect()
    }

    async fn appointment(
        &self,
        tenant: TenantId,
        client: ClientId,
        id: careportal_domain::ids::AppointmentId,
    ) -> StoreResult<Option<careportal_domain::record::agenda::Appointment>> {
        let row = sqlx::query(&format!(
            "SELECT {APPOINTMENT_COLUMNS} FROM appointments WHERE tenant_id = $1 AND client_id = $2 AND id = $3"
        ))
        .bind(tenant.as_uuid())
        .bind(client.as_uuid())
        .bind(id.as_uuid())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(appointment_from_row).transpose()
    }

    async fn add_appointment(
        &self,
        tenant: TenantId,
        origin: &Origin,
        client: ClientId,
        source: Source,
        created_by: Option<AccountId>,
        input: &careportal_domain::record::agenda::AppointmentInput,
    ) -> StoreResult<careportal_domain::record::agenda::Appointment> {
        let now = self.now();
        let id = careportal_domain::ids::AppointmentId::new();
        let mut tx = begin_write(&self.pool).await?;
        // One made in the portal is known by our identifier, should it reach the ECD.
        let ecd_key = (source == Source::Portal).then(|| careportal_domain::sync::own_ecd_key(id.as_uuid()));
        sqlx::query(
            "INSERT INTO appointments (tenant_id, id, client_id, title, starts_at, ends_at, location, notes, source, \
             public, created_by, created_at, updated_at, ecd_key) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13)",
        )
        .bind(tenant.as_uuid())
        .bind(id.as_uuid())
        .bind(client.as_uuid())
        .bind(&input.title)
        .bind(input.starts_at)
        .bind(input.ends_at)
        .bind(&input.location)
        .bind(&input.notes)
        .bind(source.as_str())
        .bind(input.public)
        .bind(created_by.map(|a| a.as_uuid()))
        .bind(now)
        .bind(ecd_key)
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::classify(e, "afspraak"))?;
        let detail = format!("{id}{}", if input.public { " openbaar" } else { " privé" });
        insert_audit(&mut tx, tenant, &origin.event(AuditAction::new("appointment.added"), Some(client), detail), now)
            .await?;
        if source == Source::Portal && input.public {
            queue_for_ecd(&mut tx, tenant, client, "appointment", &id.to_string(), now).await?;
        }
        tx.commit().await?;
        Ok(careportal_domain::record::agenda::Appointment {
            id,
            client,
            title: input.title.clone(),
            starts_at: input.starts_at,
            ends_at: input.ends_at,
            location: input.location.clone(),
            notes: input.notes.clone(),
            source,
            public: input.public,
            created_by,
        })
    }

    async fn update_appointment(
        &self,
        tenant: TenantId,
        origin: &Origin,
        client: ClientId,
        id: careportal_domain::ids::AppointmentId,
        input: &careportal_domain::record::agenda::AppointmentInput,
    ) -> StoreResult<()> {
        let now = self.now();
        let mut tx = begin_write(&self.pool).await?;
        let row = sqlx::query(
            "SELECT public FROM appointments WHERE tenant_id = $1 AND client_id = $2 AND id = $3 AND source = 'portal'",
        )
        .bind(tenant.as_uuid())
        .bind(client.as_uuid())
        .bind(id.as_uuid())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else { return Err(StoreError::NotFound) };
        let was_public: bool = row.try_get("public")?;
        sqlx::query(
            "UPDATE appointments SET title = $4, starts_at = $5, ends_at = $6, location = $7, notes = $8, public = $9, \
             updated_at = $10 WHERE tenant_id = $1 AND client_id = $2 AND id = $3",
        )
        .bind(tenant.as_uuid())
        .bind(client.as_uuid())
        .bind(id.as_uuid())
        .bind(&input.title)
        .bind(input.starts_at)
        .bind(input.ends_at)
        .bind(&input.location)
        .bind(&input.notes)
        .bind(input.public)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let detail = format!("{id}{}", if input.public { " openbaar" } else { " privé" });
        insert_audit(
            &mut tx,
            tenant,
            &origin.event(AuditAction::new("appointment.changed"), Some(client), detail),
            now,
        )
        .await?;
        // The ECD hears of it when it may see it, and when it must forget it.
        if input.public || was_public {
            queue_for_ecd(&mut tx, tenant, client, "appointment", &id.to_string(), now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn delete_appointment(
        &self,
        tenant: TenantId,
        origin: &Origin,
        client: ClientId,
        id: careportal_domain::ids::AppointmentId,
    ) -> StoreResult<()> {
        let now = self.now();
        let mut tx = begin_write(&self.pool).await?;
        let row = sqlx::query(
            "DELETE FROM appointments WHERE tenant_id = $1 AND client_id = $2 AND id = $3 AND source = 'portal' \
             RETURNING public",
        )
        .bind(tenant.as_uuid())
        .bind(client.as_uuid())
        .bind(id.as_uuid())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else { return Err(StoreError::NotFound) };
        let was_public: bool = row.try_get("public")?;
        insert_audit(
            &mut tx,
            tenant,
            &origin.event(AuditAction::new("appointment.deleted"), Some(client), id.to_string()),
            now,
        )
        .await?;
        if was_public {
            queue_for_ecd(&mut tx, tenant, client, "appointment_deleted", &id.to_string(), now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn posts(
        &self,
        tenant: TenantId,
        client: ClientId,
        limit: u32,
    ) -> StoreResult<Vec<careportal_domain::record::prikbord::Post>> {
        let rows = sqlx::query(&format!(
            "SELECT {POST_COLUMNS} FROM posts WHERE tenant_id = $1 AND client_id = $2 \
             ORDER BY created_at DESC, id DESC LIMIT $3"
        ))
        .bind(tenant.as_uuid())
        .bind(client.as_uuid())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(post_from_row).collect()
    }

    async fn post(
        &self,
        tenant: TenantId,
        client: ClientId,
        id: careportal_domain::ids::PostId,
    ) -> StoreResult<Option<careportal_domain::record::prikbord::Post>> {
        let row = sqlx::query(&format!(
            "SELECT {POST_COLUMNS} FROM posts WHERE tenant_id = $1 AND client_id = $2 AND id = $3"
        ))
        .bind(tenant.as_uuid())
        .bind(client.as_uuid())
        .bind(id.as_uuid())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(post_from_row).transpose()
    }

    async fn add_post(
        &self,
        tenant: TenantId,
        origin: &Origin,
        post: &careportal_domain::record::prikbord::Post,
    ) -> StoreResult<()> {
        let now = self.now();
        let mut tx = begin_write(&self.pool).await?;
        if let Some(parent) = post.parent {
            let found = sqlx::query(
                "SELECT 1 AS one FROM posts WHERE tenant_id = $1 AND client_id = $2 AND id = $3 AND parent_id IS NULL",
            )
            .bind(tenant.as_uuid())
            .bind(post.client.as_uuid())
            .bind(parent.as_uuid())
            .fetch_optional(&mut *tx)
            .await?;
            if found.is_none() {
                return Err(StoreError::NotFound);
            }
        }
        sqlx::query(&format!(
            "INSERT INTO posts (tenant_id, {POST_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        ))
        .bind(tenant.as_uuid())
        .bind(post.id.as_uuid())
        .bind(post.client.as_uuid())
        .bind(post.parent.map(|p| p.as_uuid()))
        .bind(post.author.as_uuid())
        .bind(&post.author_name)
        .bind(&post.body)
        .bind(&post.photo_key)
        .bind(post.created_at)
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::classify(e, "prikbord"))?;
        let action = if post.parent.is_some() { "prikbord.replied" } else { "prikbord.posted" };
        let detail = format!("{}{}", post.id, if post.photo_key.is_some() { " met foto" } else { "" });
        insert_audit(&mut tx, tenant, &origin.event(AuditAction::new(action), Some(post.client), detail), now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn delete_post(
        &self,
        tenant: TenantId,
        origin: &Origin,
        client: ClientId,
        id: careportal_domain::ids::PostId,
    ) -> StoreResult<Vec<String>> {
        let now = self.now();
        let mut tx = begin_write(&self.pool).await?;
        let rows = sqlx::query(
            "SELECT photo_key FROM posts WHERE tenant_id = $1 AND client_id = $2 AND (id = $3 OR parent_id = $3) \
             AND photo_key IS NOT NULL",
        )
        .bind(tenant.as_uuid())
        .bind(client.as_uuid())
        .bind(id.as_uuid())
        .fetch_all(&mut *tx)
        .await?;
        let photos = rows.iter().map(|r| r.try_get::<String, _>("photo_key")).collect::<Result<Vec<_>, _>>()?;
        let removed = sqlx::query("DELETE FROM posts WHERE tenant_id = $1 AND client_id = $2 AND id = $3")
            .bind(tenant.as_uuid())
            .bind(client.as_uuid())
            .bind(id.as_uuid())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if removed == 0 {
            return Err(StoreError::NotFound);
        }
        insert_audit(
            &mut tx,
            tenant,
            &origin.event(AuditAction::new("prikbord.removed"), Some(client), id.to_string()),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(photos)
    }

    async fn add_questionnaire(
        &self,
        tenant: TenantId,
        origin: &Origin,
        client: ClientId,
        title: &str,
        intro: Option<&str>,
        questions: &[careportal_domain::record::questionnaires::Question],
    ) -> StoreResult<careportal_domain::ids::QuestionnaireId> {
        let now = self.now();
        let id = careportal_domain::ids::QuestionnaireId::new();
        let questions = serde_json::to_string(questions).map_err(|e| StoreError::corrupt("questionnaires", e))?;
        let mut tx = begin_write(&self.pool).await?;
        sqlx::query(
            "INSERT INTO questionnaires (tenant_id, id, client_id, title, intro, questions, received_at, status, answers, \
             updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', '{}', $7)",
        )
        .bind(tenant.as_uuid())
        .bind(id.as_uuid())
        .bind(client.as_uuid())
        .bind(title)
        .bind(intro)
        .bind(questions)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::classify(e, "vragenlijst"))?;
        insert_audit(
            &mut tx,
            tenant,
            &origin.event(AuditAction::new("questionnaire.received"), Some(client), id.to_string()),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn questionnaires(
        &self,
        tenant: TenantId,
        client: ClientId,
    ) -> StoreResult<Vec<careportal_domain::record::questionnaires::Questionnaire>> {
        let rows = sqlx::query(&format!(
            "SELECT {QUESTIONNAIRE_COLUMNS} FROM questionnaires WHERE tenant_id = $1 AND client_id = $2 \
             ORDER BY received_at DESC, id DESC"
        ))
        .bind(tenant.as_uuid())
        .bind(client.as_uuid())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(questionnaire_from_row).collect()
    }

    async fn questionnaire(
        &self,
        tenant: TenantId,
        client: ClientId,
        id: careportal_domain::ids::QuestionnaireId,
    ) -> StoreResult<Option<careportal_domain::record::questionnaires::Questionnaire>> {
        let row = sqlx::query(&format!(
            "SELECT {QUESTIONNAIRE_COLUMNS} FROM questionnaires WHERE tenant_id = $1 AND client_id = $2 AND id = $3"
        ))
        .bind(tenant.as_uuid())
        .bind(client.as_uuid())
        .bind(id.as_uuid())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(questionnaire_from_row).transpose()
    }

    async fn save_answers(
        &self,
        tenant: TenantId,
        origin: &Origin,
        client: ClientId,
        id: careportal_domain::ids::QuestionnaireId,
        answers: &BTreeMap<String, String>,
        submitted_by: Option<&str>,
    ) -> StoreResult<()> {
        let now = self.now();
        let status = if submitted_by.is_some() { "submitted" } else { "draft" };
        let json = serde_json::to_string(answers).map_err(|e| StoreError::corrupt("questionnaires", e))?;
        let mut tx = begin_write(&self.pool).await?;
        let changed = sqlx::query(
            "UPDATE questionnaires SET answers = $4, status = $5, updated_at = $6, submitted_by = $7 \
             WHERE tenant_id = $1 AND client_id = $2 AND id = $3 AND status <> 'submitted'",
        )
        .bind(tenant.as_uuid())
        .bind(client.as_uuid())
        .bind(id.as_uuid())
        .bind(json)
        .bind(status)
        .bind(now)
        .bind(submitted_by)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(StoreError::Conflict("deze vragenlijst is al verstuurd".into()));
        }
        let action = if submitted_by.is_some() { "questionnaire.submitted" } else { "questionnaire.draft_saved" };
        insert_audit(&mut tx, tenant, &origin.event(AuditAction::new(action), Some(client), id.to_string()), now)
            .await?;
        if submitted_by.is_some() {
            queue_for_ecd(&mut tx, tenant, client, "questionnaire", &id.to_string(), now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn client_photo(&self, tenant: TenantId, client: ClientId) -> StoreResult<Option<String>> {
        photo_key(&self.pool, "client_photos", "client_id", tenant, client.as_uuid()).await
    }

    async fn set_client_photo(
        &self,
        tenant: TenantId,
        origin: &Origin,
        client: ClientId,
        key: Option<&str>,
    ) -> StoreResult<Option<String>> {
        let action = if key.is_some() { "photo.client_set" } else { "photo.client_removed" };
        let event = origin.event(AuditAction::new(action), Some(client), "");
        set_photo(&self.pool, "client_photos", "client_id", tenant, client.as_uuid(), key, &event, self.now()).await
    }

    async fn account_photo(&self, tenant: TenantId, account: AccountId) -> StoreResult<Option<String>> {
        photo_key(&self.pool, "account_photos", "account_id", tenant, account.as_uuid()).await
    }

    async fn set_account_photo(
        &self,
        tenant: TenantId,
        origin: &Origin,
        account: AccountId,
        key: Option<&str>,
    ) -> StoreResult<Option<String>> {
        let action = if key.is_some() { "photo.own_set" } else { "photo.own_removed" };
        let event = origin.event(AuditAction::new(action), None, account.to_string());
        set_photo(&self.pool, "account_photos", "account_id", tenant, account.as_uuid(), key, &event, self.now()).await
    }

    async fn ecd_pending(&self, tenant: TenantId, limit: u32) -> StoreResult<Vec<EcdItem>> {
        let rows = sqlx::query(
            "SELECT id, client_id, kind, item_id, created_at, attempts FROM ecd_outbox \
             WHERE tenant_id = $1 AND sent_at IS NULL ORDER BY created_at, id LIMIT $2",
        )
        .bind(tenant.as_uuid())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(EcdItem {
                    id: EcdItemId::from_uuid(row.try_get("id")?),
                    client: ClientId::from_uuid(row.try_get("client_id")?),
                    kind: row.try_get("kind")?,
                    item: row.try_get("item_id")?,
                    created_at: row.try_get("created_at")?,
                    attempts: count_of(row, "attempts")?,
                })
            })
            .collect()
    }
}
