//! Production: PostgreSQL.

use careportal_domain::clock::Clock;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
    clock: Arc<dyn Clock>,
    /// The audit log's group commit (see `sql/audit.rs`).
    audit_queue: audit::AuditQueue,
}

impl PostgresStore {
    const BACKEND: careportal_store::Backend = careportal_store::Backend::Postgres;
    const MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

    pub async fn connect(
        url: &str,
        max_connections: u32,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, careportal_store::StoreError> {
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| careportal_store::StoreError::Config(format!("database_url: {e}")))?;
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(Duration::from_secs(10))
            // No ping before each use (a round trip per statement): a connection broken by a
            // server restart fails its next statement, which the page answers with the
            // branded 503 and the pool then drops, so the pool heals within a few requests.
            .test_before_acquire(false)
            .connect_with(options)
            .await?;
        Ok(Self { pool, clock, audit_queue: audit::AuditQueue::default() })
    }
}

// The SQL, one module per area in `sql/`, compiled here for this backend: each area
// module reads `Db`, `Conn`, `DbRow` and `SqlStore` from this module, so the same file is
// the same statements on both databases and the two stores cannot drift apart.
type SqlStore = PostgresStore;
type Db = sqlx::Postgres;
type Conn = <Db as sqlx::Database>::Connection;
type DbRow = <Db as sqlx::Database>::Row;

#[path = "sql/access.rs"]
mod access;
#[path = "sql/audit.rs"]
mod audit;
#[path = "sql/common.rs"]
mod common;
#[path = "sql/documents.rs"]
mod documents;
#[path = "sql/exports.rs"]
mod exports;
#[path = "sql/invitations.rs"]
mod invitations;
#[path = "sql/record.rs"]
mod record;
#[path = "sql/store.rs"]
mod store;
#[path = "sql/sync.rs"]
mod sync;
