//! The embedded default: one SQLite file in the data folder.

use careportal_domain::clock::Clock;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    clock: Arc<dyn Clock>,
    /// The audit log's group commit (see `sql/audit.rs`).
    audit_queue: audit::AuditQueue,
}

impl SqliteStore {
    const BACKEND: careportal_store::Backend = careportal_store::Backend::Sqlite;
    const MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");

    /// `create` allows a missing file to be made; [`crate::connect`] decides that.
    pub async fn connect(
        url: &str,
        create: bool,
        max_connections: u32,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, careportal_store::StoreError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| careportal_store::StoreError::Config(format!("database_url: {e}")))?
            .create_if_missing(create)
            .foreign_keys(true)
            // WAL lets readers go on while one writer writes; the busy timeout queues writers
            // instead of failing them.
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10));
        // No ping before each use: a ping is a round trip to the connection's thread, as dear as
        // the statement itself, and a file does not go away under an open connection.
        let pool = SqlitePoolOptions::new()
            .max_connections(max_connections.max(1))
            .test_before_acquire(false)
            .connect_with(options)
            .await?;
        Ok(Self { pool, clock, audit_queue: audit::AuditQueue::default() })
    }
}

// The SQL, one module per area in `sql/`, compiled here for this backend: each area
// module reads `Db`, `Conn`, `DbRow` and `SqlStore` from this module, so the same file is
// the same statements on both databases and the two stores cannot drift apart.
type SqlStore = SqliteStore;
type Db = sqlx::Sqlite;
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
