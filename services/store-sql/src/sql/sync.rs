//! The SQL behind [`careportal_store::SyncStore`]: the sync's streams and leases, the ECD's
//! items by their keys, and the write-back queue with its retries and parking.

use super::common::{begin_write, count_of, insert_audit, insert_audits};
use super::documents::{DOCUMENT_COLUMNS, document_from_row};
use super::record::{
    APPOINTMENT_COLUMNS, KeyedRemoval, MEASUREMENT_COLUMNS, MESSAGE_COLUMNS, REPORT_COLUMNS, appointment_from_row,
    care_message_from_row, ecd_key_of, measurement_from_row, remove_by_ecd_key, report_from_row,
};
use super::{Conn, Db, DbRow, SqlStore};
use async_trait::async_trait;
use careportal_domain::audit::{AuditAction, Origin};
use careportal_domain::ids::DocumentId;
use careportal_domain::ids::{CareMessageId, EcdItemId, MeasurementId, ReportId};
use careportal_domain::people::{ContactRole, EcdContact};
use careportal_domain::record::Source;
use careportal_domain::record::consents::ConsentQuestion;
use careportal_domain::record::documents::{Document, NewDocument};
use careportal_domain::record::measurements::Measurement;
use careportal_domain::record::messages::CareMessage;
use careportal_domain::record::reports::Report;
use careportal_domain::sync::{StreamState, SyncKind};
use careportal_domain::{ClientId, TenantId};
use careportal_store::{Backend, StoreError, StoreResult};
use careportal_store::{
    EcdAppointment, EcdForm, EcdMeasurement, EcdMessage, EcdReport, OutboxDepth, ParkedItem, StreamClaim, StreamFinish,
    SyncStore,
};
use careportal_store::{EcdItem, RecordStore, Upserted};
use chrono::{DateTime, Utc};
use sqlx::Row;
use uuid::Uuid;

const STREAM_COLUMNS: &str = "kind, cursor, full_at, lease_owner, lease_until, last_started_at, \
                              last_finished_at, last_success_at, last_error, last_counts";

fn stream_from_row(row: &DbRow) -> StoreResult<StreamState> {
    let kind: String = row.try_get("kind")?;
    Ok(StreamState {
        kind: SyncKind::parse(&kind).ok_or_else(|| StoreError::corrupt("sync_streams", &kind))?,
        cursor: row.try_get("cursor")?,
        full_at: row.try_get("full_at")?,
        lease_owner: row.try_get("lease_owner")?,
        lease_until: row.try_get("lease_until")?,
        last_started_at: row.try_get("last_started_at")?,
        last_finished_at: row.try_get("last_finished_at")?,
        last_success_at: row.try_get("last_success_at")?,
        last_error: row.try_get("last_error")?,
        last_counts: row.try_get("last_counts")?,
    })
}

async fn contacts_of(
    conn: &mut <Db as sqlx::Database>::Connection,
    tenant: TenantId,
    client: ClientId,
) -> StoreResult<Vec<EcdContact>> {
    let rows = sqlx::query(
        "SELECT ecd_key, name, roles, email, phone FROM ecd_contacts \
         WHERE tenant_id = $1 AND client_id = $2 ORDER BY position",
    )
    .bind(tenant.as_uuid())
    .bind(client.as_uuid())
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            let roles: String = row.try_get("roles")?;
            Ok(EcdContact {
                key: row.try_get("ecd_key")?,
                name: row.try_get("name")?,
                roles: roles.split(',').filter(|c| !c.is_empty()).map(ContactRole::from_code).collect(),
                email: row.try_get("email")?,
                phone: row.try_get("phone")?,
            })
        })
        .collect()
}

const ECD_ITEM_COLUMNS: &str = "id, client_id, kind, item_id, created_at, attempts";

fn ecd_item_from_row(row: &DbRow) -> StoreResult<EcdItem> {
    Ok(EcdItem {
        id: EcdItemId::from_uuid(row.try_get("id")?),
        client: ClientId::from_uuid(row.try_get("client_id")?),
        kind: row.try_get("kind")?,
        item: row.try_get("item_id")?,
        created_at: row.try_get("created_at")?,
        attempts: count_of(row, "attempts")?,
    })
}

/// Each item, or None where a later item of the batch has the same key (the last one
/// counts, and one row per key is all the unique index allows).
fn last_of_each_key<T>(items: &[T], key: impl Fn(&T) -> &str) -> Vec<Option<&T>> {
    let mut last = std::collections::HashMap::new();
    for (i, item) in items.iter().enumerate() {
        last.insert(key(item), i);
    }
    items.iter().enumerate().map(|(i, item)| (last.get(key(item)) == Some(&i)).then_some(item)).collect()
}

/// The rows of `table` with these ECD keys (with their `ecd_key`), 500 keys a query.
async fn rows_by_ecd_key(
    conn: &mut Conn,
    table: &str,
    columns: &str,
    tenant: TenantId,
    keys: &[&str],
) -> StoreResult<Vec<DbRow>> {
    let mut rows = Vec::new();
    for chunk in keys.chunks(500) {
        let mut query =
            sqlx::QueryBuilder::<Db>::new(format!("SELECT {columns}, ecd_key FROM {table} WHERE tenant_id = "));
        query.push_bind(tenant.as_uuid()).push(" AND ecd_key IN (");
        let mut list = query.separated(", ");
        for key in chunk {
            list.push_bind(*key);
        }
        list.push_unseparated(")");
        rows.extend(query.build().fetch_all(&mut *conn).await?);
    }
    Ok(rows)
}

/// The table that holds ECD-keyed items of `kind`.
fn keyed_table(kind: SyncKind) -> StoreResult<&'static str> {
    match kind {
        SyncKind::Reports => Ok("reports"),
        SyncKind::Measurements => Ok("measurements"),
        SyncKind::Messages => Ok("care_messages"),
        SyncKind::Appointments => Ok("appointments"),
        SyncKind::Documents => Ok("documents"),
        other => Err(StoreError::Config(format!("{} hebben geen ECD-sleutels", other.label()))),
    }
}

#[async_trait]
impl SyncStore for SqlStore {
    async fn sync_streams(&self, tenant: TenantId) -> StoreResult<Vec<StreamState>> {
        let rows =
            sqlx::query(&format!("SELECT {STREAM_COLUMNS} FROM sync_streams WHERE tenant_id = $1 ORDER BY kind"))
                .bind(tenant.as_uuid())
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(stream_from_row).collect()
    }

    async fn claim_sync_stream(
        &self,
        tenant: TenantId,
        kind: SyncKind,
        owner: &str,
        claim: StreamClaim,
        lease_seconds: i64,
    ) -> StoreResult<Option<StreamState>> {
        let now = self.now();
        sqlx::query("INSERT INTO sync_streams (tenant_id, kind) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(tenant.as_uuid())
            .bind(kind.as_str())
            .execute(&self.pool)
            .await?;
        // The conditions are checked on the row as it is updated (PostgreSQL re-reads
        // a row another transaction changed first; SQLite has one writer at a time), so
        // two workers that both saw the stream free cannot both get it.
        let (started_test, seen) = match claim {
            StreamClaim::Now => ("", None),
            StreamClaim::IfLastStarted(seen) => (" AND last_started_at IS NOT DISTINCT FROM $6", seen),
        };
        let row = sqlx::query(&format!(
            "UPDATE sync_streams SET lease_owner = $3, lease_until = $4, last_started_at = $5 \
             WHERE tenant_id = $1 AND kind = $2 AND (lease_until IS NULL OR lease_until <= $5){started_test} \
             RETURNING {STREAM_COLUMNS}"
        ))
        .bind(tenant.as_uuid())
        .bind(kind.as_str())
        .bind(owner)
        .bind(now + chrono::Duration::seconds(lease_seconds))
        .bind(now)
        .bind(seen)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(stream_from_row).transpose()
    }

    async fn finish_sync_stream(
        &self,
        tenant: TenantId,
        kind: SyncKind,
        owner: &str,
        finish: &StreamFinish,
    ) -> StoreResult<bool> {
        let now = self.now();
        let (success_at, error, counts) = match &finish.result {
            Ok(counts) => (Some(now), None, Some(counts.as_str())),
            Err(error) => (None, Some(error.as_str()), None),
        };
        let done = sqlx::query(
            "UPDATE sync_streams SET lease_owner = NULL, lease_until = NULL, last_finished_at = $4, \
             cursor = COALESCE($5, cursor), full_at = COALESCE($6, full_at), \
             last_success_at = COALESCE($7, last_success_at), last_error = $8, \
             last_counts = COALESCE($9, last_counts) \
             WHERE tenant_id = $1 AND kind = $2 AND lease_owner = $3",
        )
        .bind(tenant.as_uuid())
        .bind(kind.as_str())
        .bind(owner)
        .bind(now)
        .bind(finish.cursor.as_deref())
        .bind(finish.full.then_some(now))
        .bind(success_at)
        .bind(error)
        .bind(counts)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(done == 1)
    }

    async fn report(&self, tenant: TenantId, id: ReportId) -> StoreResult<Option<Report>> {
        let row = sqlx::query(&format!("SELECT {REPORT_COLUMNS} FROM reports WHERE tenant_id = $1 AND id = $2"))
            .bind(tenant.as_uuid())
            .bind(id.as_uuid())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(report_from_row).transpose()
    }

    async fn measurement(&self, tenant: TenantId, id: MeasurementId) -> StoreResult<Option<Measurement>> {
        let row =
            sqlx::query(&format!("SELECT {MEASUREMENT_COLUMNS} FROM measurements WHERE tenant_id = $1 AND id = $2"))
                .bind(tenant.as_uuid())
                .bind(id.as_uuid())
                .fetch_optional(&self.pool)
                .await?;
        row.as_ref().map(measurement_from_row).transpose()
    }

    async fn put_ecd_reports(
        &self,
        tenant: TenantId,
        origin: &Origin,
        items: &[EcdReport],
    ) -> StoreResult<Vec<Upserted>> {
        let now = self.now();
        let items = last_of_each_key(items, |i| i.key.as_str());
        let mut tx = begin_write(&self.pool).await?;
        let keys: Vec<&str> = items.iter().filter_map(|i| i.map(|i| i.key.as_str())).collect();
        let rows = rows_by_ecd_key(&mut tx, "reports", REPORT_COLUMNS, tenant, &keys).await?;
        let mut existing = std::collections::HashMap::new();
        for row in &rows {
            existing.insert(row.try_get::<String, _>("ecd_key")?, report_from_row(row)?);
        }
        let mut outcomes = Vec::with_capacity(items.len());
        let mut created: Vec<(ReportId, &EcdReport)> = Vec::new();
        let mut events = Vec::new();
        for item in &items {
            let Some(item) = item else {
                outcomes.push(Upserted::Unchanged);
                continue;
            };
            let new = &item.report;
            match existing.get(&item.key) {
                Some(old)
                    if old.client == item.client
                        && old.written_at == new.written_at
                        && old.author == new.author
                        && old.body == new.body =>
                {
                    outcomes.push(Upserted::Unchanged);
                }
                Some(old) => {
                    sqlx::query(
                        "UPDATE reports SET client_id = $3, written_at = $4, author = $5, body = $6 \
                         WHERE tenant_id = $1 AND id = $2",
                    )
                    .bind(tenant.as_uuid())
                    .bind(old.id.as_uuid())
                    .bind(item.client.as_uuid())
                    .bind(new.written_at)
                    .bind(&new.author)
                    .bind(&new.body)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| StoreError::classify(e, "rapportage"))?;
                    events.push(origin.event(
                        AuditAction::new("report.corrected"),
                        Some(item.client),
                        old.id.to_string(),
                    ));
                    outcomes.push(Upserted::Updated);
                }
                None => {
                    let id = ReportId::new();
                    events.push(origin.event(AuditAction::new("report.synced"), Some(item.client), id.to_string()));
                    created.push((id, item));
                    outcomes.push(Upserted::Created);
                }
            }
        }
        for chunk in created.chunks(500) {
            let mut query =
                sqlx::QueryBuilder::<Db>::new(format!("INSERT INTO reports (tenant_id, {REPORT_COLUMNS}, ecd_key) "));
            query.push_values(chunk, |mut row, (id, item)| {
                row.push_bind(tenant.as_uuid())
                    .push_bind(id.as_uuid())
                    .push_bind(item.client.as_uuid())
                    .push_bind(item.report.written_at)
                    .push_bind(item.report.author.as_str())
                    .push_bind(None::<Uuid>)
                    .push_bind(Source::Ecd.as_str())
                    .push_bind(item.report.body.as_str())
                    .push_bind(item.key.as_str());
            });
            query.build().execute(&mut *tx).await.map_err(|e| StoreError::classify(e, "rapportage"))?;
        }
        insert_audits(&mut tx, tenant, &events, now).await?;
        tx.commit().await?;
        Ok(outcomes)
    }

    async fn put_ecd_measurements(
        &self,
        tenant: TenantId,
        origin: &Origin,
        items: &[EcdMeasurement],
    ) -> StoreResult<Vec<Upserted>> {
        let now = self.now();
        let items = last_of_each_key(items, |i| i.key.as_str());
        let mut tx = begin_write(&self.pool).await?;
        let keys: Vec<&str> = items.iter().filter_map(|i| i.map(|i| i.key.as_str())).collect();
        let rows = rows_by_ecd_key(&mut tx, "measurements", MEASUREMENT_COLUMNS, tenant, &keys).await?;
        let mut existing = std::collections::HashMap::new();
        for row in &rows {
            existing.insert(row.try_get::<String, _>("ecd_key")?, measurement_from_row(row)?);
        }
        let mut outcomes = Vec::with_capacity(items.len());
        let mut created: Vec<(MeasurementId, &EcdMeasurement)> = Vec::new();
        let mut events = Vec::new();
        for item in &items {
            let Some(item) = item else {
                outcomes.push(Upserted::Unchanged);
                continue;
            };
            let new = &item.measurement;
            match existing.get(&item.key) {
                Some(old)
                    if old.client == item.client
                        && old.kind == new.kind
                        && old.value == new.value
                        && old.unit == new.unit
                        && old.qualifier == new.qualifier
                        && old.measured_at == new.measured_at
                        && old.measured_by == new.measured_by =>
                {
                    outcomes.push(Upserted::Unchanged);
                }
                // Where it was taken and who wrote it in the portal stay as they were:
                // the ECD may not send them.
                Some(old) => {
                    sqlx::query(
                        "UPDATE measurements SET client_id = $3, kind = $4, value = $5, unit = $6, \
                         qualifier = $7, measured_at = $8, measured_by = $9 WHERE tenant_id = $1 AND id = $2",
                    )
                    .bind(tenant.as_uuid())
                    .bind(old.id.as_uuid())
                    .bind(item.client.as_uuid())
                    .bind(&new.kind)
                    .bind(&new.value)
                    .bind(&new.unit)
                    .bind(&new.qualifier)
                    .bind(new.measured_at)
                    .bind(&new.measured_by)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| StoreError::classify(e, "meting"))?;
                    let detail = format!("{} {}", old.id, new.kind);
                    events.push(origin.event(AuditAction::new("measurement.corrected"), Some(item.client), detail));
                    outcomes.push(Upserted::Updated);
                }
                None => {
                    let id = MeasurementId::new();
                    let detail = format!("{id} {}", new.kind);
                    events.push(origin.event(AuditAction::new("measurement.synced"), Some(item.client), detail));
                    created.push((id, item));
                    outcomes.push(Upserted::Created);
                }
            }
        }
        for chunk in created.chunks(500) {
            let mut query = sqlx::QueryBuilder::<Db>::new(format!(
                "INSERT INTO measurements (tenant_id, {MEASUREMENT_COLUMNS}, ecd_key) "
            ));
            query.push_values(chunk, |mut row, (id, item)| {
                let m = &item.measurement;
                row.push_bind(tenant.as_uuid())
                    .push_bind(id.as_uuid())
                    .push_bind(item.client.as_uuid())
                    .push_bind(m.kind.as_str())
                    .push_bind(m.value.as_str())
                    .push_bind(m.unit.as_str())
                    .push_bind(m.qualifier.as_deref())
                    .push_bind(m.measured_at)
                    .push_bind(m.location.as_deref())
                    .push_bind(m.measured_by.as_str())
                    .push_bind(None::<Uuid>)
                    .push_bind(Source::Ecd.as_str())
                    .push_bind(item.key.as_str());
            });
            query.build().execute(&mut *tx).await.map_err(|e| StoreError::classify(e, "meting"))?;
        }
        insert_audits(&mut tx, tenant, &events, now).await?;
        tx.commit().await?;
        Ok(outcomes)
    }

    async fn remove_ecd_measurement(&self, tenant: TenantId, origin: &Origin, ecd_key: &str) -> StoreResult<bool> {
        let removal = KeyedRemoval { table: "measurements", only: "", action: "measurement.removed" };
        remove_by_ecd_key(&self.pool, self.now(), &removal, tenant, origin, ecd_key).await
    }

    async fn put_ecd_messages(
        &self,
        tenant: TenantId,
        origin: &Origin,
        items: &[EcdMessage],
    ) -> StoreResult<Vec<Upserted>> {
        let now = self.now();
        let items = last_of_each_key(items, |i| i.key.as_str());
        let mut tx = begin_write(&self.pool).await?;
        let keys: Vec<&str> = items.iter().filter_map(|i| i.map(|i| i.key.as_str())).collect();
        let rows = rows_by_ecd_key(&mut tx, "care_messages", MESSAGE_COLUMNS, tenant, &keys).await?;
        let mut existing = std::collections::HashMap::new();
        for row in &rows {
            existing.insert(row.try_get::<String, _>("ecd_key")?, care_message_from_row(row)?);
        }
        let mut outcomes = Vec::with_capacity(items.len());
        let mut events = Vec::new();
        for item in items.iter() {
            let Some(item) = item else {
                outcomes.push(Upserted::Unchanged);
                continue;
            };
            let new = &item.message;
            match existing.get(&item.key) {
                Some(old)
                    if old.client == item.client
                        && old.sent_at == new.sent_at
                        && old.sender == new.sender
                        && old.body == new.body =>
                {
                    outcomes.push(Upserted::Unchanged);
                }
                Some(old) => {
                    sqlx::query(
                        "UPDATE care_messages SET client_id = $3, sent_at = $4, sender = $5, body = $6 \
                         WHERE tenant_id = $1 AND id = $2",
                    )
                    .bind(tenant.as_uuid())
                    .bind(old.id.as_uuid())
                    .bind(item.client.as_uuid())
                    .bind(new.sent_at)
                    .bind(&new.sender)
                    .bind(&new.body)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| StoreError::classify(e, "bericht"))?;
                    events.push(origin.event(
                        AuditAction::new("message.corrected"),
                        Some(item.client),
                        old.id.to_string(),
                    ));
                    outcomes.push(Upserted::Updated);
                }
                None => {
                    // Messages are few; one insert each keeps this simple.
                    let id = CareMessageId::new();
                    sqlx::query(&format!(
                        "INSERT INTO care_messages (tenant_id, {MESSAGE_COLUMNS}, ecd_key) \
                         VALUES ($1, $2, $3, $4, $5, NULL, $6, $7)"
                    ))
                    .bind(tenant.as_uuid())
                    .bind(id.as_uuid())
                    .bind(item.client.as_uuid())
                    .bind(new.sent_at)
                    .bind(&new.sender)
                    .bind(&new.body)
                    .bind(&item.key)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| StoreError::classify(e, "bericht"))?;
                    events.push(origin.event(AuditAction::new("message.synced"), Some(item.client), id.to_string()));
                    outcomes.push(Upserted::Created);
                }
            }
        }
        insert_audits(&mut tx, tenant, &events, now).await?;
        tx.commit().await?;
        Ok(outcomes)
    }

    async fn put_ecd_appointments(
        &self,
        tenant: TenantId,
        origin: &Origin,
        items: &[EcdAppointment],
    ) -> StoreResult<Vec<Upserted>> {
        let now = self.now();
        let items = last_of_each_key(items, |i| i.key.as_str());
        let mut tx = begin_write(&self.pool).await?;
        let keys: Vec<&str> = items.iter().filter_map(|i| i.map(|i| i.key.as_str())).collect();
        let rows = rows_by_ecd_key(&mut tx, "appointments", APPOINTMENT_COLUMNS, tenant, &keys).await?;
        let mut existing = std::collections::HashMap::new();
        for row in &rows {
            existing.insert(row.try_get::<String, _>("ecd_key")?, appointment_from_row(row)?);
        }
        let mut outcomes = Vec::with_capacity(items.len());
        let mut events = Vec::new();
        for item in items.iter() {
            let Some(item) = item else {
                outcomes.push(Upserted::Unchanged);
                continue;
            };
            let new = &item.appointment;
            match existing.get(&item.key) {
                // The person's own appointment, come back from the ECD: theirs to change.
                Some(old) if old.source == Source::Portal => outcomes.push(Upserted::Unchanged),
                Some(old)
                    if old.client == item.client
                        && old.title == new.title
                        && old.starts_at == new.starts_at
                        && old.ends_at == new.ends_at
                        && old.location == new.location
                        && old.notes == new.notes =>
                {
                    outcomes.push(Upserted::Unchanged);
                }
                Some(old) => {
                    sqlx::query(
                        "UPDATE appointments SET client_id = $3, title = $4, starts_at = $5, ends_at = $6, \
                         location = $7, notes = $8, updated_at = $9 WHERE tenant_id = $1 AND id = $2",
                    )
                    .bind(tenant.as_uuid())
                    .bind(old.id.as_uuid())
                    .bind(item.client.as_uuid())
                    .bind(&new.title)
                    .bind(new.starts_at)
                    .bind(new.ends_at)
                    .bind(&new.location)
                    .bind(&new.notes)
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| StoreError::classify(e, "afspraak"))?;
                    events.push(origin.event(
                        AuditAction::new("appointment.synced"),
                        Some(item.client),
                        old.id.to_string(),
                    ));
                    outcomes.push(Upserted::Updated);
                }
                None => {
                    let id = careportal_domain::ids::AppointmentId::new();
                    sqlx::query(
                        "INSERT INTO appointments (tenant_id, id, client_id, title, starts_at, ends_at, location, \
                         notes, source, public, created_by, created_at, updated_at, ecd_key) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'ecd', FALSE, NULL, $9, $9, $10)",
                    )
                    .bind(tenant.as_uuid())
                    .bind(id.as_uuid())
                    .bind(item.client.as_uuid())
                    .bind(&new.title)
                    .bind(new.starts_at)
                    .bind(new.ends_at)
                    .bind(&new.location)
                    .bind(&new.notes)
                    .bind(now)
                    .bind(&item.key)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| StoreError::classify(e, "afspraak"))?;
                    events.push(origin.event(
                        AuditAction::new("appointment.synced"),
                        Some(item.client),
                        id.to_string(),
                    ));
                    outcomes.push(Upserted::Created);
                }
            }
        }
        insert_audits(&mut tx, tenant, &events, now).await?;
        tx.commit().await?;
        Ok(outcomes)
    }

    async fn remove_ecd_appointment(&self, tenant: TenantId, origin: &Origin, ecd_key: &str) -> StoreResult<bool> {
        // Never one made in the portal: it is the person's own.
        let removal = KeyedRemoval { table: "appointments", only: "AND source = 'ecd'", action: "appointment.removed" };
        remove_by_ecd_key(&self.pool, self.now(), &removal, tenant, origin, ecd_key).await
    }

    async fn put_ecd_questionnaire(
        &self,
        tenant: TenantId,
        origin: &Origin,
        client: ClientId,
        ecd_key: &str,
        form: &EcdForm,
    ) -> StoreResult<Upserted> {
        let now = self.now();
        let questions = serde_json::to_string(&form.questions).map_err(|e| StoreError::corrupt("questionnaires", e))?;
        let mut tx = begin_write(&self.pool).await?;
        let row = sqlx::query(
            "SELECT id, client_id, title, intro, questions, status FROM questionnaires WHERE tenant_id = $1 AND ecd_key = $2",
        )
        .bind(tenant.as_uuid())
        .bind(ecd_key)
        .fetch_optional(&mut *tx)
        .await?;
        let (id, action, outcome) = match row {
            Some(row) => {
                let same = row.try_get::<Uuid, _>("client_id")? == client.as_uuid()
                    && row.try_get::<String, _>("title")? == form.title
                    && row.try_get::<Option<String>, _>("intro")? == form.intro
                    && row.try_get::<String, _>("questions")? == questions;
                // Once someone has started answering, the questions they answer stay.
                if same || row.try_get::<String, _>("status")? != "open" {
                    return Ok(Upserted::Unchanged);
                }
                let id: Uuid = row.try_get("id")?;
                sqlx::query(
                    "UPDATE questionnaires SET client_id = $3, title = $4, intro = $5, questions = $6, updated_at = $7 \
                     WHERE tenant_id = $1 AND id = $2",
                )
                .bind(tenant.as_uuid())
                .bind(id)
                .bind(client.as_uuid())
                .bind(&form.title)
                .bind(&form.intro)
                .bind(&questions)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(|e| StoreError::classify(e, "vragenlijst"))?;
                (id, "questionnaire.corrected", Upserted::Updated)
            }
            None => {
                let id = Uuid::now_v7();
                sqlx::query(
                    "INSERT INTO questionnaires (tenant_id, id, client_id, title, intro, questions, received_at, \
                     status, answers, updated_at, ecd_key) VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', '{}', $7, $8)",
                )
                .bind(tenant.as_uuid())
                .bind(id)
                .bind(client.as_uuid())
                .bind(&form.title)
                .bind(&form.intro)
                .bind(&questions)
                .bind(now)
                .bind(ecd_key)
                .execute(&mut *tx)
                .await
                .map_err(|e| StoreError::classify(e, "vragenlijst"))?;
                (id, "questionnaire.received", Upserted::Created)
            }
        };
        insert_audit(&mut tx, tenant, &origin.event(AuditAction::new(action), Some(client), id.to_string()), now)
            .await?;
        tx.commit().await?;
        Ok(outcome)
    }

    async fn remove_ecd_questionnaire(&self, tenant: TenantId, origin: &Origin, ecd_key: &str) -> StoreResult<bool> {
        // Answers, a draft or sent, stay.
        let removal =
            KeyedRemoval { table: "questionnaires", only: "AND status = 'open'", action: "questionnaire.removed" };
        remove_by_ecd_key(&self.pool, self.now(), &removal, tenant, origin, ecd_key).await
    }

    async fn questionnaire_ecd_key(
        &self,
        tenant: TenantId,
        id: careportal_domain::ids::QuestionnaireId,
    ) -> StoreResult<Option<String>> {
        ecd_key_of(&self.pool, "questionnaires", tenant, id.as_uuid()).await
    }

    async fn document_ecd_key(&self, tenant: TenantId, id: DocumentId) -> StoreResult<Option<String>> {
        ecd_key_of(&self.pool, "documents", tenant, id.as_uuid()).await
    }

    async fn ecd_document(&self, tenant: TenantId, ecd_key: &str) -> StoreResult<Option<Document>> {
        let row =
            sqlx::query(&format!("SELECT {DOCUMENT_COLUMNS} FROM documents WHERE tenant_id = $1 AND ecd_key = $2"))
                .bind(tenant.as_uuid())
                .bind(ecd_key)
                .fetch_optional(&self.pool)
                .await?;
        row.as_ref().map(document_from_row).transpose()
    }

    async fn put_ecd_document(
        &self,
        tenant: TenantId,
        origin: &Origin,
        client: ClientId,
        ecd_key: &str,
        new: &NewDocument,
    ) -> StoreResult<(Upserted, Document)> {
        let now = self.now();
        let mut tx = begin_write(&self.pool).await?;
        let existing =
            sqlx::query(&format!("SELECT {DOCUMENT_COLUMNS} FROM documents WHERE tenant_id = $1 AND ecd_key = $2"))
                .bind(tenant.as_uuid())
                .bind(ecd_key)
                .fetch_optional(&mut *tx)
                .await?
                .map(|row| document_from_row(&row))
                .transpose()?;
        let (outcome, id, created_at, action) = match existing {
            Some(old) => {
                sqlx::query(
                    "UPDATE documents SET client_id = $3, kind = $4, title = $5, document_date = $6, blob_key = $7, \
                     sha256 = $8, size = $9, content_type = $10 WHERE tenant_id = $1 AND id = $2",
                )
                .bind(tenant.as_uuid())
                .bind(old.id.as_uuid())
                .bind(client.as_uuid())
                .bind(new.kind.as_str())
                .bind(&new.title)
                .bind(new.date)
                .bind(&new.blob_key)
                .bind(&new.sha256)
                .bind(new.size)
                .bind(&new.content_type)
                .execute(&mut *tx)
                .await
                .map_err(|e| StoreError::classify(e, "document"))?;
                (Upserted::Updated, old.id, old.created_at, "document.corrected")
            }
            None => {
                let id = DocumentId::new();
                sqlx::query(&format!(
                    "INSERT INTO documents (tenant_id, {DOCUMENT_COLUMNS}, ecd_key) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
                ))
                .bind(tenant.as_uuid())
                .bind(id.as_uuid())
                .bind(client.as_uuid())
                .bind(new.kind.as_str())
                .bind(&new.title)
                .bind(new.date)
                .bind(&new.blob_key)
                .bind(&new.sha256)
                .bind(new.size)
                .bind(&new.content_type)
                .bind(now)
                .bind(ecd_key)
                .execute(&mut *tx)
                .await
                .map_err(|e| StoreError::classify(e, "document"))?;
                (Upserted::Created, id, now, "document.synced")
            }
        };
        let detail = format!("{} {id}", new.kind.as_str());
        insert_audit(&mut tx, tenant, &origin.event(AuditAction::new(action), Some(client), detail), now).await?;
        tx.commit().await?;
        let document = Document {
            id,
            client,
            kind: new.kind,
            title: new.title.clone(),
            date: new.date,
            blob_key: new.blob_key.clone(),
            sha256: new.sha256.clone(),
            size: new.size,
            content_type: new.content_type.clone(),
            created_at,
        };
        Ok((outcome, document))
    }

    async fn remove_ecd_document(&self, tenant: TenantId, origin: &Origin, ecd_key: &str) -> StoreResult<bool> {
        let now = self.now();
        let mut tx = begin_write(&self.pool).await?;
        let row = sqlx::query("SELECT id, client_id, kind FROM documents WHERE tenant_id = $1 AND ecd_key = $2")
            .bind(tenant.as_uuid())
            .bind(ecd_key)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else { return Ok(false) };
        let id: Uuid = row.try_get("id")?;
        let client = ClientId::from_uuid(row.try_get("client_id")?);
        let kind: String = row.try_get("kind")?;
        // A decision is evidence: a print someone signed or rejected stays.
        let decided: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM care_plans WHERE tenant_id = $1 AND document_id = $2 AND status <> 'offered'",
        )
        .bind(tenant.as_uuid())
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        if decided > 0 {
            return Ok(false);
        }
        // An offer nobody decided on goes with its print: there is nothing left to sign.
        sqlx::query("DELETE FROM care_plans WHERE tenant_id = $1 AND document_id = $2")
            .bind(tenant.as_uuid())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM documents WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.as_uuid())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let action = if kind == "care_plan" { "plan.withdrawn" } else { "document.removed" };
        let event = origin.event(AuditAction::new(action), Some(client), id.to_string());
        insert_audit(&mut tx, tenant, &event, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn remove_ecd_message(&self, tenant: TenantId, origin: &Origin, ecd_key: &str) -> StoreResult<bool> {
        let removal = KeyedRemoval { table: "care_messages", only: "", action: "message.removed" };
        remove_by_ecd_key(&self.pool, self.now(), &removal, tenant, origin, ecd_key).await
    }

    async fn care_message(&self, tenant: TenantId, id: CareMessageId) -> StoreResult<Option<CareMessage>> {
        let row = sqlx::query(&format!("SELECT {MESSAGE_COLUMNS} FROM care_messages WHERE tenant_id = $1 AND id = $2"))
            .bind(tenant.as_uuid())
            .bind(id.as_uuid())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(care_message_from_row).transpose()
    }

    async fn put_ecd_consent(
        &self,
        tenant: TenantId,
        origin: &Origin,
        client: ClientId,
        question: &ConsentQuestion,
        granted: Option<bool>,
    ) -> StoreResult<Upserted> {
        let row = sqlx::query(
            "SELECT question, editable, position, granted FROM consents \
             WHERE tenant_id = $1 AND client_id = $2 AND key = $3",
        )
        .bind(tenant.as_uuid())
        .bind(client.as_uuid())
        .bind(&question.key)
        .fetch_optional(&self.pool)
        .await?;
        let outcome = match row {
            None => Upserted::Created,
            Some(row) => {
                let same = row.try_get::<String, _>("question")? == question.question
                    && row.try_get::<bool, _>("editable")? == question.editable
                    && row.try_get::<i32, _>("position")? == question.position
                    && granted.is_none_or(|g| row.try_get::<Option<bool>, _>("granted").ok() == Some(Some(g)));
                if same {
                    return Ok(Upserted::Unchanged);
                }
                Upserted::Updated
            }
        };
        self.put_consent(tenant, origin, client, question, granted).await?;
        Ok(outcome)
    }

    async fn remove_ecd_consent(
        &self,
        tenant: TenantId,
        origin: &Origin,
        client: ClientId,
        key: &str,
    ) -> StoreResult<bool> {
        let now = self.now();
        let mut tx = begin_write(&self.pool).await?;
        let removed = sqlx::query("DELETE FROM consents WHERE tenant_id = $1 AND client_id = $2 AND key = $3")
            .bind(tenant.as_uuid())
            .bind(client.as_uuid())
            .bind(key)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if removed == 0 {
            return Ok(false);
        }
        let event = origin.event(AuditAction::new("consent.removed"), Some(client), key.to_owned());
        insert_audit(&mut tx, tenant, &event, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn put_ecd_contacts(
        &self,
        tenant: TenantId,
        origin: &Origin,
        client: ClientId,
        contacts: &[EcdContact],
    ) -> StoreResult<Upserted> {
        let now = self.now();
        let mut tx = begin_write(&self.pool).await?;
        let current = contacts_of(&mut tx, tenant, client).await?;
        if current == contacts {
            return Ok(Upserted::Unchanged);
        }
        sqlx::query("DELETE FROM ecd_contacts WHERE tenant_id = $1 AND client_id = $2")
            .bind(tenant.as_uuid())
            .bind(client.as_uuid())
            .execute(&mut *tx)
            .await?;
        for (position, contact) in contacts.iter().enumerate() {
            let roles: Vec<&str> = contact.roles.iter().map(ContactRole::code).collect();
            sqlx::query(
                "INSERT INTO ecd_contacts (tenant_id, client_id, ecd_key, name, roles, email, phone, position) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (tenant_id, client_id, ecd_key) DO NOTHING",
            )
            .bind(tenant.as_uuid())
            .bind(client.as_uuid())
            .bind(&contact.key)
            .bind(&contact.name)
            .bind(roles.join(","))
            .bind(&contact.email)
            .bind(&contact.phone)
            .bind(i32::try_from(position).unwrap_or(i32::MAX))
            .execute(&mut *tx)
            .await?;
        }
        let detail = format!("{} contactperso(o)n(en)", contacts.len());
        let event = origin.event(AuditAction::new("network.synced"), Some(client), detail);
        insert_audit(&mut tx, tenant, &event, now).await?;
        tx.commit().await?;
        Ok(if current.is_empty() { Upserted::Created } else { Upserted::Updated })
    }

    async fn ecd_contacts(&self, tenant: TenantId, client: ClientId) -> StoreResult<Vec<EcdContact>> {
        let mut conn = self.pool.acquire().await?;
        contacts_of(&mut conn, tenant, client).await
    }

    async fn clients_with_ecd_contacts(&self, tenant: TenantId) -> StoreResult<Vec<ClientId>> {
        let rows = sqlx::query("SELECT DISTINCT client_id FROM ecd_contacts WHERE tenant_id = $1")
            .bind(tenant.as_uuid())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|row| Ok(ClientId::from_uuid(row.try_get("client_id")?))).collect()
    }

    async fn ecd_unsent(&self, tenant: TenantId, kind: &str) -> StoreResult<Vec<(ClientId, String)>> {
        let rows = sqlx::query(
            "SELECT client_id, item_id FROM ecd_outbox WHERE tenant_id = $1 AND kind = $2 AND sent_at IS NULL",
        )
        .bind(tenant.as_uuid())
        .bind(kind)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|row| Ok((ClientId::from_uuid(row.try_get("client_id")?), row.try_get("item_id")?))).collect()
    }

    async fn ecd_keys(&self, tenant: TenantId, kind: SyncKind) -> StoreResult<Vec<String>> {
        let table = keyed_table(kind)?;
        // Messages have no source column: the coordinator's have no portal sender; documents
        // have none either.
        let from_ecd = match table {
            "care_messages" => "sender_account IS NULL",
            // A document has a key only when it came from the ECD.
            "documents" => "TRUE",
            _ => "source = 'ecd'",
        };
        let rows = sqlx::query(&format!(
            "SELECT ecd_key FROM {table} WHERE tenant_id = $1 AND {from_ecd} AND ecd_key IS NOT NULL"
        ))
        .bind(tenant.as_uuid())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|row| Ok(row.try_get("ecd_key")?)).collect()
    }

    async fn claim_ecd_items(
        &self,
        tenant: TenantId,
        kinds: &[&str],
        limit: u32,
        lease_seconds: i64,
    ) -> StoreResult<Vec<EcdItem>> {
        if kinds.is_empty() {
            return Ok(Vec::new());
        }
        let now = self.now();
        let lock = match Self::BACKEND {
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let kind_list = (0..kinds.len()).map(|i| format!("${}", i + 5)).collect::<Vec<_>>().join(", ");
        let due = format!(
            "sent_at IS NULL AND parked_at IS NULL AND (next_attempt_at IS NULL OR next_attempt_at <= $2) \
             AND (claimed_until IS NULL OR claimed_until < $2) AND kind IN ({kind_list})"
        );
        let sql = format!(
            "UPDATE ecd_outbox SET claimed_until = $3, attempts = attempts + 1 \
             WHERE tenant_id = $1 AND {due} AND id IN \
             (SELECT id FROM ecd_outbox WHERE tenant_id = $1 AND {due} ORDER BY created_at, id LIMIT $4 {lock}) \
             RETURNING {ECD_ITEM_COLUMNS}"
        );
        let mut query = sqlx::query(&sql)
            .bind(tenant.as_uuid())
            .bind(now)
            .bind(now + chrono::Duration::seconds(lease_seconds))
            .bind(i64::from(limit));
        for kind in kinds {
            query = query.bind(*kind);
        }
        let rows = query.fetch_all(&self.pool).await?;
        let mut items = rows.iter().map(ecd_item_from_row).collect::<StoreResult<Vec<_>>>()?;
        // RETURNING gives no order; write-backs go out in the order they were written.
        items.sort_by_key(|a| (a.created_at, a.id));
        Ok(items)
    }

    async fn ecd_item_sent(
        &self,
        tenant: TenantId,
        origin: &Origin,
        item: &EcdItem,
        ecd_key: Option<&str>,
    ) -> StoreResult<()> {
        let now = self.now();
        let mut tx = begin_write(&self.pool).await?;
        let marked = sqlx::query(
            "UPDATE ecd_outbox SET sent_at = $3, claimed_until = NULL, last_error = NULL \
             WHERE tenant_id = $1 AND id = $2 AND client_id = $4",
        )
        .bind(tenant.as_uuid())
        .bind(item.id.as_uuid())
        .bind(now)
        .bind(item.client.as_uuid())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if marked == 0 {
            return Ok(());
        }
        // What the client's record handed to the ECD is a disclosure like any read.
        let event =
            origin.event(AuditAction::new("ecd.sent"), Some(item.client), format!("{} {}", item.kind, item.item));
        insert_audit(&mut tx, tenant, &event, now).await?;
        let table = match item.kind.as_str() {
            "report" => Some("reports"),
            "measurement" => Some("measurements"),
            "message" => Some("care_messages"),
            _ => None,
        };
        if let (Some(table), Some(key), Ok(id)) = (table, ecd_key, item.item.parse::<Uuid>()) {
            sqlx::query(&format!(
                "UPDATE {table} SET ecd_key = $3 WHERE tenant_id = $1 AND id = $2 AND ecd_key IS NULL \
                 AND NOT EXISTS (SELECT 1 FROM {table} WHERE tenant_id = $1 AND ecd_key = $3)"
            ))
            .bind(tenant.as_uuid())
            .bind(id)
            .bind(key)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn ecd_item_failed(
        &self,
        tenant: TenantId,
        id: EcdItemId,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> StoreResult<()> {
        let now = self.now();
        let parked_at = retry_at.is_none().then_some(now);
        sqlx::query(
            "UPDATE ecd_outbox SET claimed_until = NULL, last_error = $3, next_attempt_at = $4, parked_at = $5 \
             WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant.as_uuid())
        .bind(id.as_uuid())
        .bind(error)
        .bind(retry_at)
        .bind(parked_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn ecd_outbox_depth(&self, tenant: TenantId) -> StoreResult<OutboxDepth> {
        let row = sqlx::query(
            "SELECT COUNT(*) FILTER (WHERE parked_at IS NULL) AS pending, \
             COUNT(*) FILTER (WHERE parked_at IS NOT NULL) AS parked, \
             MIN(created_at) FILTER (WHERE parked_at IS NULL) AS oldest \
             FROM ecd_outbox WHERE tenant_id = $1 AND sent_at IS NULL",
        )
        .bind(tenant.as_uuid())
        .fetch_one(&self.pool)
        .await?;
        Ok(OutboxDepth {
            pending: count_of(&row, "pending")?,
            parked: count_of(&row, "parked")?,
            oldest_pending: row.try_get("oldest")?,
        })
    }

    async fn ecd_parked(&self, tenant: TenantId, limit: u32) -> StoreResult<Vec<ParkedItem>> {
        let rows = sqlx::query(&format!(
            "SELECT {ECD_ITEM_COLUMNS}, parked_at, last_error FROM ecd_outbox \
             WHERE tenant_id = $1 AND sent_at IS NULL AND parked_at IS NOT NULL \
             ORDER BY parked_at DESC, id LIMIT $2"
        ))
        .bind(tenant.as_uuid())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ParkedItem {
                    item: ecd_item_from_row(row)?,
                    parked_at: row.try_get("parked_at")?,
                    error: row.try_get::<Option<String>, _>("last_error")?.unwrap_or_default(),
                })
            })
            .collect()
    }
}
