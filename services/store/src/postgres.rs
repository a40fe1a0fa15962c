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
}

impl PostgresStore {
    const BACKEND: crate::Backend = crate::Backend::Postgres;
    const MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

    pub async fn connect(url: &str, max_connections: u32, clock: Arc<dyn Clock>) -> Result<Self, crate::StoreError> {
        let options =
            PgConnectOptions::from_str(url).map_err(|e| crate::StoreError::Config(format!("database_url: {e}")))?;
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        Ok(Self { pool, clock })
    }
}

crate::sql::sql_store!(PostgresStore, sqlx::Postgres);
crate::record_sql::sql_record!(PostgresStore);
crate::documents_sql::sql_documents!(PostgresStore);
crate::sync_sql::sql_sync!(PostgresStore);
