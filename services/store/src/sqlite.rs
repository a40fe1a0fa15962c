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
}

impl SqliteStore {
    const BACKEND: crate::Backend = crate::Backend::Sqlite;
    const MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");

    /// `create` allows a missing file to be made; [`crate::connect`] decides that.
    pub async fn connect(
        url: &str,
        create: bool,
        max_connections: u32,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, crate::StoreError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| crate::StoreError::Config(format!("database_url: {e}")))?
            .create_if_missing(create)
            .foreign_keys(true)
            // WAL lets readers go on while one writer writes; the busy timeout queues writers
            // instead of failing them.
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new().max_connections(max_connections.max(1)).connect_with(options).await?;
        Ok(Self { pool, clock })
    }
}

crate::sql::sql_store!(SqliteStore, sqlx::Sqlite);
crate::record_sql::sql_record!(SqliteStore);
crate::documents_sql::sql_documents!(SqliteStore);
crate::sync_sql::sql_sync!(SqliteStore);
