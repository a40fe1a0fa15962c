//! What every area of the SQL store shares, compiled once per backend: the write
//! transaction, the column lists and row readers several areas use, and the audit insert.

use super::{Conn, Db, DbRow, SqlStore};
use careportal_domain::audit::{AuditEntry, AuditEvent};
use careportal_domain::ids::AuditId;
use careportal_domain::people::{Account, Client, ClientReference, Email, PersonName, Relation, Username};
use careportal_domain::signin::{NewSession, Session, SessionStage, TrustedDevice};
use careportal_domain::tenant::{Tenant, TenantConfig, TenantSlug};
use careportal_domain::{AccountId, ClientId, TenantId};
use careportal_store::{Backend, StoreError, StoreResult};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Row;
use uuid::Uuid;

/// A transaction that writes. Every transaction here writes, and on SQLite a
/// deferred one that reads first and then writes fails with "database is locked"
/// (SQLITE_BUSY_SNAPSHOT, code 517) whenever another connection committed in
/// between; the busy timeout cannot help it. `BEGIN IMMEDIATE` takes the write lock
/// up front, where the busy timeout does queue writers. PostgreSQL needs nothing.
pub(super) async fn begin_write(pool: &sqlx::Pool<Db>) -> Result<sqlx::Transaction<'static, Db>, sqlx::Error> {
    match SqlStore::BACKEND {
        Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await,
        Backend::Postgres => pool.begin().await,
    }
}

pub(super) const TENANT_COLUMNS: &str = "t.id, t.slug, t.config, t.version, t.updated_at, t.suspended_at";
pub(super) const CLIENT_COLUMNS: &str = "c.tenant_id, c.id, c.reference, c.given_name, c.name_prefix, c.family_name, \
                              c.birth_date, c.care_ended_on, c.created_at, c.updated_at";
pub(super) const ACCOUNT_COLUMNS: &str = "a.tenant_id, a.id, a.username, a.email, a.given_name, a.name_prefix, a.family_name, a.created_at, \
     a.large_text, a.easy_read";
pub(super) const AUDIT_COLUMNS: &str = "tenant_id, id, seq, at, actor, role, on_behalf_of, client_id, action, object, \
     detail, outcome, ip, user_agent, prev_hash, hash";

pub(super) fn tenant_from_row(row: &DbRow) -> StoreResult<Tenant> {
    let slug: String = row.try_get("slug")?;
    let config: String = row.try_get("config")?;
    let config: TenantConfig = serde_json::from_str(&config).map_err(|e| StoreError::corrupt("tenants", e))?;
    Ok(Tenant {
        id: TenantId::from_uuid(row.try_get("id")?),
        slug: TenantSlug::parse(&slug).map_err(|e| StoreError::corrupt("tenants", e))?,
        config,
        version: row.try_get("version")?,
        updated_at: row.try_get("updated_at")?,
        suspended_at: row.try_get("suspended_at")?,
    })
}

pub(super) fn client_from_row(row: &DbRow) -> StoreResult<Client> {
    let corrupt = |e: careportal_domain::DomainError| StoreError::corrupt("clients", e);
    let reference: String = row.try_get("reference")?;
    let given: String = row.try_get("given_name")?;
    let prefix: Option<String> = row.try_get("name_prefix")?;
    let family: String = row.try_get("family_name")?;
    Ok(Client {
        tenant: TenantId::from_uuid(row.try_get("tenant_id")?),
        id: ClientId::from_uuid(row.try_get("id")?),
        reference: ClientReference::parse(&reference).map_err(corrupt)?,
        name: PersonName::new(&given, prefix.as_deref(), &family).map_err(corrupt)?,
        birth_date: row.try_get::<Option<NaiveDate>, _>("birth_date")?,
        care_ended_on: row.try_get::<Option<NaiveDate>, _>("care_ended_on")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

pub(super) fn account_from_row(row: &DbRow) -> StoreResult<Account> {
    account_from_columns(row, "created_at")
}

/// The account columns of a join, whose `a.created_at` goes by `created_at` (another
/// table's created_at has the plain name).
pub(super) fn account_from_columns(row: &DbRow, created_at: &str) -> StoreResult<Account> {
    let corrupt = |e: careportal_domain::DomainError| StoreError::corrupt("accounts", e);
    let username: String = row.try_get("username")?;
    let email: String = row.try_get("email")?;
    let given: String = row.try_get("given_name")?;
    let prefix: Option<String> = row.try_get("name_prefix")?;
    let family: String = row.try_get("family_name")?;
    Ok(Account {
        tenant: TenantId::from_uuid(row.try_get("tenant_id")?),
        id: AccountId::from_uuid(row.try_get("id")?),
        username: Username::parse(&username).map_err(corrupt)?,
        email: Email::parse(&email).map_err(corrupt)?,
        name: PersonName::new(&given, prefix.as_deref(), &family).map_err(corrupt)?,
        created_at: row.try_get(created_at)?,
        display: careportal_domain::people::Display {
            large_text: row.try_get("large_text")?,
            easy_read: row.try_get("easy_read")?,
        },
    })
}

pub(super) fn relation_from_row(row: &DbRow) -> StoreResult<Relation> {
    let relation: String = row.try_get("relation")?;
    Relation::parse(&relation).map_err(|e| StoreError::corrupt("account_clients", e))
}

pub(super) fn audit_from_row(row: &DbRow) -> StoreResult<AuditEntry> {
    Ok(AuditEntry {
        tenant: TenantId::from_uuid(row.try_get("tenant_id")?),
        id: AuditId::from_uuid(row.try_get("id")?),
        seq: row.try_get("seq")?,
        at: row.try_get("at")?,
        actor: row.try_get("actor")?,
        role: row.try_get("role")?,
        on_behalf_of: row.try_get("on_behalf_of")?,
        client: row.try_get::<Option<Uuid>, _>("client_id")?.map(ClientId::from_uuid),
        action: row.try_get("action")?,
        object: row.try_get("object")?,
        detail: row.try_get("detail")?,
        outcome: row.try_get("outcome")?,
        ip: row.try_get("ip")?,
        user_agent: row.try_get("user_agent")?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

pub(super) const SESSION_COLUMNS: &str = "tenant_id, token_hash, account_id, stage, created_at, last_seen_at, expires_at, pending_totp, pending_phone, \
     client_id";

/// [`SESSION_COLUMNS`] and the account's beside them (`account_created_at`), for a join.
pub(super) const SESSION_JOIN_COLUMNS: &str = "s.tenant_id, s.token_hash, s.account_id, s.stage, s.created_at, s.last_seen_at, \
     s.expires_at, s.pending_totp, s.pending_phone, s.client_id";
pub(super) const ACCOUNT_JOIN_COLUMNS: &str = "a.id, a.username, a.email, a.given_name, a.name_prefix, a.family_name, \
     a.created_at AS account_created_at, a.large_text, a.easy_read";

pub(super) fn session_from_row(row: &DbRow) -> StoreResult<Session> {
    let stage: String = row.try_get("stage")?;
    Ok(Session {
        tenant: TenantId::from_uuid(row.try_get("tenant_id")?),
        token_hash: row.try_get("token_hash")?,
        account: AccountId::from_uuid(row.try_get("account_id")?),
        stage: SessionStage::parse(&stage).ok_or_else(|| StoreError::corrupt("sessions", &stage))?,
        created_at: row.try_get("created_at")?,
        last_seen_at: row.try_get("last_seen_at")?,
        expires_at: row.try_get("expires_at")?,
        pending_totp: row.try_get("pending_totp")?,
        pending_phone: row.try_get("pending_phone")?,
        client: row.try_get::<Option<Uuid>, _>("client_id")?.map(ClientId::from_uuid),
    })
}

/// Deletes the account's second factor inside `conn`'s transaction; how many went (0 or 1).
pub(super) async fn delete_factor(conn: &mut Conn, tenant: TenantId, account: AccountId) -> StoreResult<u64> {
    Ok(sqlx::query("DELETE FROM second_factors WHERE tenant_id = $1 AND account_id = $2")
        .bind(tenant.as_uuid())
        .bind(account.as_uuid())
        .execute(conn)
        .await?
        .rows_affected())
}

pub(super) async fn insert_session(
    conn: &mut Conn,
    tenant: TenantId,
    new: &NewSession,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO sessions (tenant_id, token_hash, account_id, stage, created_at, last_seen_at, expires_at, \
         ip, user_agent) VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8)",
    )
    .bind(tenant.as_uuid())
    .bind(&new.token_hash)
    .bind(new.account.as_uuid())
    .bind(new.stage.as_str())
    .bind(now)
    .bind(new.expires_at)
    .bind(&new.ip)
    .bind(&new.user_agent)
    .execute(&mut *conn)
    .await
    .map_err(|e| StoreError::classify(e, "sessie"))?;
    Ok(())
}

pub(super) fn count_of(row: &DbRow, column: &str) -> StoreResult<u32> {
    // INTEGER is i64 on SQLite and i32 on PostgreSQL; COUNT(*) is i64 on both.
    let value = row.try_get::<i64, _>(column).or_else(|_| row.try_get::<i32, _>(column).map(i64::from))?;
    Ok(u32::try_from(value).unwrap_or(u32::MAX))
}

pub(super) const DEVICE_COLUMNS: &str = "id, account_id, label, created_at, last_used_at, expires_at";

pub(super) fn device_from_row(row: &DbRow) -> StoreResult<TrustedDevice> {
    Ok(TrustedDevice {
        id: row.try_get("id")?,
        account: AccountId::from_uuid(row.try_get("account_id")?),
        label: row.try_get("label")?,
        created_at: row.try_get("created_at")?,
        last_used_at: row.try_get("last_used_at")?,
        expires_at: row.try_get("expires_at")?,
    })
}

/// Takes the next `count` places of the tenant's chain: the last seq and hash before them.
/// The update locks the tenant's head row until the transaction ends, so appends of one
/// tenant queue behind each other and the chain never forks (SQLite's write lock does the
/// same there).
async fn take_chain_places(conn: &mut Conn, tenant: TenantId, count: usize) -> StoreResult<(i64, String)> {
    let count = i64::try_from(count).unwrap_or(i64::MAX);
    let take = || {
        sqlx::query("UPDATE audit_heads SET seq = seq + $2 WHERE tenant_id = $1 RETURNING seq, hash")
            .bind(tenant.as_uuid())
            .bind(count)
    };
    let mut row = take().fetch_optional(&mut *conn).await?;
    if row.is_none() {
        sqlx::query(
            "INSERT INTO audit_heads (tenant_id, seq, hash) VALUES ($1, 0, '') ON CONFLICT (tenant_id) DO NOTHING",
        )
        .bind(tenant.as_uuid())
        .execute(&mut *conn)
        .await?;
        row = take().fetch_optional(&mut *conn).await?;
    }
    let row = row.ok_or_else(|| StoreError::corrupt("audit_heads", "de kop van de keten ontbreekt"))?;
    let last: i64 = row.try_get("seq")?;
    Ok((last - count, row.try_get("hash")?))
}

/// Appends one entry to the tenant's chain, in the caller's transaction.
pub(super) async fn insert_audit(
    conn: &mut Conn,
    tenant: TenantId,
    event: &AuditEvent,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    insert_audits(conn, tenant, std::slice::from_ref(event), at).await
}

/// Appends entries to the tenant's chain in a few statements (500 a statement), for the
/// sync's batches, in the caller's transaction.
pub(super) async fn insert_audits(
    conn: &mut Conn,
    tenant: TenantId,
    events: &[AuditEvent],
    at: DateTime<Utc>,
) -> StoreResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    let (mut seq, mut hash) = take_chain_places(conn, tenant, events.len()).await?;
    let entries: Vec<AuditEntry> = events
        .iter()
        .map(|event| {
            seq += 1;
            let entry = AuditEntry::chained(tenant, event, at, seq, &hash);
            hash = entry.hash.clone().unwrap_or_default();
            entry
        })
        .collect();
    for chunk in entries.chunks(500) {
        let mut query = sqlx::QueryBuilder::<Db>::new(format!("INSERT INTO audit_log ({AUDIT_COLUMNS}) "));
        query.push_values(chunk, |mut row, entry| {
            row.push_bind(tenant.as_uuid())
                .push_bind(entry.id.as_uuid())
                .push_bind(entry.seq)
                .push_bind(entry.at)
                .push_bind(entry.actor.as_str())
                .push_bind(entry.role.as_deref())
                .push_bind(entry.on_behalf_of.as_deref())
                .push_bind(entry.client.map(|c| c.as_uuid()))
                .push_bind(entry.action.as_str())
                .push_bind(entry.object.as_deref())
                .push_bind(entry.detail.as_str())
                .push_bind(entry.outcome.as_str())
                .push_bind(entry.ip.as_deref())
                .push_bind(entry.user_agent.as_deref())
                .push_bind(entry.prev_hash.as_deref())
                .push_bind(entry.hash.as_deref());
        });
        query.build().execute(&mut *conn).await?;
    }
    sqlx::query("UPDATE audit_heads SET hash = $2 WHERE tenant_id = $1")
        .bind(tenant.as_uuid())
        .bind(&hash)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

impl SqlStore {
    pub(super) fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub(super) async fn fetch_client(&self, tenant: TenantId, id: ClientId) -> StoreResult<Option<Client>> {
        let row = sqlx::query(&format!("SELECT {CLIENT_COLUMNS} FROM clients c WHERE c.tenant_id = $1 AND c.id = $2"))
            .bind(tenant.as_uuid())
            .bind(id.as_uuid())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(client_from_row).transpose()
    }
}

/// Links an account to a client, never changing a link it already has; false when it had
/// one. `NotFound` when the account or the client is not the tenant's.
pub(super) async fn insert_link(
    conn: &mut Conn,
    tenant: TenantId,
    account: AccountId,
    client: ClientId,
    relation: Relation,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let inserted = sqlx::query(
        "INSERT INTO account_clients (tenant_id, account_id, client_id, relation, created_at) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (tenant_id, account_id, client_id) DO NOTHING",
    )
    .bind(tenant.as_uuid())
    .bind(account.as_uuid())
    .bind(client.as_uuid())
    .bind(relation.as_str())
    .bind(now)
    .execute(&mut *conn)
    .await
    .map_err(|e| StoreError::classify(e, "koppeling"))?
    .rows_affected();
    Ok(inserted == 1)
}
