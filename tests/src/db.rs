//! A fresh database per test. SQLite: a file in a temporary folder. PostgreSQL: a database
//! cloned from a migrated template (one per version of the migrations), dropped when the
//! test ends, whatever way it ends.

use careportal_domain::clock::Clock;
use careportal_store::Store;
use careportal_store_sql::ConnectOptions;
use sqlx::Connection;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::OnceCell;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The server the PostgreSQL half runs against; never skipped when it is missing.
pub fn postgres_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

fn postgres_url_for(database: &str) -> String {
    let admin = postgres_admin_url();
    match admin.rsplit_once('/') {
        Some((base, _)) => format!("{base}/{database}"),
        None => admin,
    }
}

pub struct TestDb {
    pub url: String,
    pub backend: Backend,
    pub dir: tempfile::TempDir,
    pg_name: Option<String>,
}

impl std::fmt::Debug for TestDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestDb").field("url", &self.url).finish()
    }
}

static TEMPLATE: OnceCell<String> = OnceCell::const_new();

/// The PostgreSQL login role the suites that drive the portal connect as (see `portal_store`).
pub const PORTAL_ROLE: &str = "careportal_test_portal";

/// The migrations' content decides the template's name, so a changed migration gets a new
/// template and an old one is never reused by mistake.
fn migrations_fingerprint() -> u64 {
    use std::hash::{Hash, Hasher};
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../migrations/postgres");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.path()).collect();
    files.sort();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for file in files {
        std::fs::read(&file).unwrap().hash(&mut hasher);
    }
    hasher.finish()
}

async fn postgres_template(clock: Arc<dyn Clock>) -> String {
    TEMPLATE
        .get_or_init(|| async move {
            let name = format!("careportal_tpl_{:016x}", migrations_fingerprint());
            let mut admin = sqlx::PgConnection::connect(&postgres_admin_url())
                .await
                .expect("PostgreSQL must be running for the postgres half of the suite (TEST_POSTGRES_URL)");
            // Several test binaries may start at once: one creates the template, the rest wait.
            sqlx::query("SELECT pg_advisory_lock(727272)").execute(&mut admin).await.unwrap();
            let exists = sqlx::query("SELECT 1 FROM pg_database WHERE datname = $1")
                .bind(&name)
                .fetch_optional(&mut admin)
                .await
                .unwrap()
                .is_some();
            if !exists {
                let building = format!("{name}_building");
                sqlx::query(&format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"))
                    .execute(&mut admin)
                    .await
                    .unwrap();
                sqlx::query(&format!("CREATE DATABASE {building}")).execute(&mut admin).await.unwrap();
                let store =
                    careportal_store_sql::PostgresStore::connect(&postgres_url_for(&building), 2, clock).await.unwrap();
                store.migrate().await.unwrap();
                store.close().await;
                // A closed pool's connections may still be ending on the server side.
                sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()")
                    .bind(&building)
                    .execute(&mut admin)
                    .await
                    .unwrap();
                let rename = format!("ALTER DATABASE {building} RENAME TO {name}");
                let mut renamed = sqlx::query(&rename).execute(&mut admin).await;
                for _ in 0..50 {
                    if renamed.is_ok() {
                        break;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    renamed = sqlx::query(&rename).execute(&mut admin).await;
                }
                renamed.unwrap();
            }
            // The login role the HTTP, sync and worker suites run the portal as: a member of
            // the role migration 0027 makes, as production's `serve` should be.
            sqlx::query(&format!(
                "DO $$ BEGIN CREATE ROLE {PORTAL_ROLE} LOGIN; \
                 EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
            ))
            .execute(&mut admin)
            .await
            .unwrap();
            sqlx::query(&format!("GRANT careportal_app TO {PORTAL_ROLE}")).execute(&mut admin).await.unwrap();
            sweep_leftovers(&mut admin).await;
            sqlx::query("SELECT pg_advisory_unlock(727272)").execute(&mut admin).await.unwrap();
            admin.close().await.unwrap();
            name
        })
        .await
        .clone()
}

/// Test databases are named `careportal_t_<unix seconds>_<uuid>`, so a later run can tell
/// what an earlier one left behind (a test killed, a drop that failed) from what a run going
/// on right now uses.
const TEST_DB_PREFIX: &str = "careportal_t_";
/// Older than this, a test database belongs to no run still going.
const LEFTOVER_AFTER_SECONDS: u64 = 6 * 3600;

fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Drops the test databases earlier runs left behind, and says so.
async fn sweep_leftovers(admin: &mut sqlx::PgConnection) {
    let names: Vec<String> =
        sqlx::query_scalar("SELECT datname::text FROM pg_database WHERE datname LIKE 'careportal\\_t\\_%'")
            .fetch_all(&mut *admin)
            .await
            .unwrap();
    let mut dropped = 0;
    for name in names {
        let made = name.strip_prefix(TEST_DB_PREFIX).and_then(|rest| rest.split('_').next()?.parse::<u64>().ok());
        // Names from before the timestamp was part of them are leftovers by definition.
        if made.is_some_and(|at| unix_now().saturating_sub(at) < LEFTOVER_AFTER_SECONDS) {
            continue;
        }
        let drop = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
        if sqlx::query(&drop).execute(&mut *admin).await.is_ok() {
            dropped += 1;
        }
    }
    if dropped > 0 {
        eprintln!("{dropped} PostgreSQL test database(s) left by earlier runs dropped");
    }
}

impl TestDb {
    pub async fn new(backend: Backend, clock: Arc<dyn Clock>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        match backend {
            Backend::Sqlite => {
                let url = format!("sqlite://{}", dir.path().join("data/careportal.db").display());
                Self { url, backend, dir, pg_name: None }
            }
            Backend::Postgres => {
                let template = postgres_template(clock).await;
                let name = format!("{TEST_DB_PREFIX}{}_{}", unix_now(), uuid::Uuid::new_v4().simple());
                let mut admin = sqlx::PgConnection::connect(&postgres_admin_url()).await.unwrap();
                sqlx::query(&format!("CREATE DATABASE {name} TEMPLATE {template}")).execute(&mut admin).await.unwrap();
                admin.close().await.unwrap();
                Self { url: postgres_url_for(&name), backend, dir, pg_name: Some(name) }
            }
        }
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Migrates as the owner, then opens the store as `serve` runs in production: on
    /// PostgreSQL under a member of `careportal_app`, which may append to the audit log but
    /// neither change nor delete it; on SQLite the same as [`TestDb::store`].
    pub async fn portal_store(&self, clock: Arc<dyn Clock>) -> Arc<dyn Store> {
        self.portal_store_sized(clock, 4).await
    }

    /// [`TestDb::portal_store`] with a pool of `max_connections`.
    pub async fn portal_store_sized(&self, clock: Arc<dyn Clock>, max_connections: u32) -> Arc<dyn Store> {
        if self.backend == Backend::Sqlite {
            return self.open(self.url.clone(), clock, max_connections).await;
        }
        self.store(clock.clone()).await.close().await;
        let url = self.url.replacen("postgres://postgres@", &format!("postgres://{PORTAL_ROLE}@"), 1);
        assert_ne!(url, self.url, "TEST_POSTGRES_URL must name the user postgres@ for the portal role");
        self.open(url, clock, max_connections).await
    }

    /// `sql` with text parameters (`?1`/`$1` as the backend writes them), as one count, on a
    /// connection of its own as the owner: for tests that look beneath the store.
    pub async fn count(&self, sql: &str, binds: &[&str]) -> i64 {
        macro_rules! run {
            ($conn:ty) => {{
                let mut conn = <$conn>::connect(&self.url).await.unwrap();
                let mut query = sqlx::query_scalar::<_, i64>(sql);
                for bind in binds {
                    query = query.bind(*bind);
                }
                let found = query.fetch_one(&mut conn).await.unwrap();
                conn.close().await.unwrap();
                found
            }};
        }
        match self.backend {
            Backend::Sqlite => run!(sqlx::SqliteConnection),
            Backend::Postgres => run!(sqlx::PgConnection),
        }
    }

    /// Opens (and migrates) a store on this database, as the owner.
    pub async fn store(&self, clock: Arc<dyn Clock>) -> Arc<dyn Store> {
        self.open(self.url.clone(), clock, 4).await
    }

    async fn open(&self, url: String, clock: Arc<dyn Clock>, max_connections: u32) -> Arc<dyn Store> {
        let options = ConnectOptions { url, data_dir: self.data_dir(), max_connections, clock };
        let store = careportal_store_sql::connect(&options).await.unwrap();
        store.migrate().await.unwrap();
        store
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(name) = self.pg_name.take() else { return };
        // Drop runs inside the test's runtime; a thread with its own runtime may block.
        let _ = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
            runtime.block_on(async move {
                if let Ok(mut admin) = sqlx::PgConnection::connect(&postgres_admin_url()).await {
                    let _ =
                        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin).await;
                    let _ = admin.close().await;
                }
            });
        })
        .join();
    }
}
