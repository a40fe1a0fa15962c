//! `make bench`: Beheer › Logboek's search at ten million entries (set
//! CAREPORTAL_BENCH_AUDIT_ROWS for another size), on SQLite and on PostgreSQL: p50 and p99 of
//! one filtered page of fifty (by client, by account, by kind of action, by period, refused
//! only (one in a thousand), and a page deep in the past by its cursor), printed beside the
//! database's own point lookup of one entry by its key in the same run. The log is filled by the database itself
//! (one INSERT … SELECT), five years of entries of 1,000 clients and 200 accounts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use careportal_domain::audit::Outcome;
use careportal_store::AuditQuery;
use careportal_tests::{Backend, TestApp};
use chrono::{DateTime, Duration, TimeZone, Utc};
use std::time::Instant;

const RUNS: usize = 100;
/// Seconds between two generated entries: ten million span about five years.
const STEP: i64 = 15;

fn rows() -> i64 {
    std::env::var("CAREPORTAL_BENCH_AUDIT_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000_000)
}

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2021, 12, 1, 0, 0, 0).unwrap()
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        println!("Careportal audit search bench: {cores} cores, {} entries in one tenant, pages of 50\n", rows());
        // CAREPORTAL_BENCH_BACKENDS=postgres (or sqlite) measures one of the two.
        let only = std::env::var("CAREPORTAL_BENCH_BACKENDS").unwrap_or_default();
        for (backend, name) in [(Backend::Sqlite, "sqlite"), (Backend::Postgres, "postgres")] {
            if only.is_empty() || only.contains(name) {
                measure(backend).await;
            }
        }
    });
}

/// The clients' ids, the same on both databases.
fn client_id(i: i64) -> uuid::Uuid {
    uuid::Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 | u128::try_from(i).unwrap())
}

async fn fill(app: &TestApp, tenant: uuid::Uuid, after: i64) -> f64 {
    let n = rows();
    let began = Instant::now();
    // Columns as the store writes them; the hashes are left empty (this measures searching,
    // `audit verify` is not run on this log).
    let actions = "CASE WHEN x % 1000 = 999 THEN 'access.refused' ELSE CASE x % 8 WHEN 0 THEN 'record.viewed' WHEN 1 THEN 'record.viewed' WHEN 2 THEN 'record.viewed' \
                   WHEN 3 THEN 'document.downloaded' WHEN 4 THEN 'login.succeeded' WHEN 5 THEN 'report.written' \
                   WHEN 6 THEN 'message.sent' ELSE 'consent.changed' END END";
    // One in a thousand refused, as a real log has them: rare.
    let outcome = "CASE WHEN x % 1000 = 999 THEN 'refused' ELSE 'allowed' END";
    match app.db.backend {
        Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&app.db.url).await.unwrap();
            sqlx::query("CREATE TABLE bench_clients (i INTEGER PRIMARY KEY, id BLOB NOT NULL)")
                .execute(&pool)
                .await
                .unwrap();
            for i in 0..1000 {
                sqlx::query("INSERT INTO bench_clients (i, id) VALUES ($1, $2)")
                    .bind(i)
                    .bind(client_id(i))
                    .execute(&pool)
                    .await
                    .unwrap();
            }
            let sql = format!(
                "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < {n}) \
                 INSERT INTO audit_log (tenant_id, id, seq, at, actor, role, on_behalf_of, client_id, action, object, \
                 detail, outcome, ip, user_agent, prev_hash, hash) \
                 SELECT $1, randomblob(16), x + {after}, strftime('%Y-%m-%dT%H:%M:%S+00:00', {} + x * {STEP}, 'unixepoch'), \
                 'account:' || (x % 200), 'representative', NULL, \
                 (SELECT id FROM bench_clients WHERE i = x % 1000), {actions}, 'reports', 'bench', {outcome}, \
                 '192.0.2.1', 'bench', '', '' FROM n",
                start().timestamp()
            );
            sqlx::query(&sql).bind(tenant).execute(&pool).await.unwrap();
            sqlx::query("ANALYZE").execute(&pool).await.unwrap();
            pool.close().await;
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&app.db.url).await.unwrap();
            let sql = format!(
                "INSERT INTO audit_log (tenant_id, id, seq, at, actor, role, on_behalf_of, client_id, action, object, \
                 detail, outcome, ip, user_agent, prev_hash, hash) \
                 SELECT $1, gen_random_uuid(), x + {after}, to_timestamp({} + x * {STEP}), 'account:' || (x % 200), \
                 'representative', NULL, ('01900000-0000-7000-8000-' || lpad(to_hex(x % 1000), 12, '0'))::uuid, \
                 {actions}, 'reports', 'bench', {outcome}, '192.0.2.1', 'bench', '', '' \
                 FROM generate_series(1, {n}) AS x",
                start().timestamp()
            );
            sqlx::query(&sql).bind(tenant).execute(&pool).await.unwrap();
            sqlx::query("ANALYZE audit_log").execute(&pool).await.unwrap();
            pool.close().await;
        }
    }
    began.elapsed().as_secs_f64()
}

/// p50 and p99 in milliseconds of `RUNS` calls.
async fn timed<F, Fut>(mut call: F) -> (f64, f64)
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = usize>,
{
    call(0).await;
    let mut times = Vec::with_capacity(RUNS);
    for i in 0..RUNS {
        let began = Instant::now();
        let found = call(i).await;
        times.push(began.elapsed().as_secs_f64() * 1000.0);
        assert!(found > 0, "a bench query found nothing");
    }
    times.sort_by(f64::total_cmp);
    (times[RUNS / 2], times[RUNS * 99 / 100])
}

async fn measure(backend: Backend) {
    let app = TestApp::new(backend).await;
    let tenant = app.tenant_id("siloah").await;
    let (after, _) = app.store.audit_head(tenant).await.unwrap();
    let filled = fill(&app, tenant.as_uuid(), after).await;
    let name = match backend {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    };
    println!("{name}: {} entries written by the database in {filled:.0} s", rows());
    let store = app.store.clone();
    let n = rows();
    let at = |x: i64| start() + Duration::seconds(x * STEP);
    type Shape = Box<dyn Fn(usize) -> AuditQuery>;
    let queries: Vec<(&str, Shape)> = vec![
        (
            "one client, newest page",
            Box::new(|i| AuditQuery {
                client: Some(careportal_domain::ClientId::from_uuid(client_id(i64::try_from(i % 1000).unwrap()))),
                ..AuditQuery::default()
            }),
        ),
        (
            "one account, newest page",
            Box::new(|i| AuditQuery { actor: Some(format!("account:{}", i % 200)), ..AuditQuery::default() }),
        ),
        (
            "one kind of action (prefix)",
            Box::new(|_| AuditQuery { action: Some("record.".to_owned()), ..AuditQuery::default() }),
        ),
        ("refused only", Box::new(|_| AuditQuery { outcome: Some(Outcome::Refused), ..AuditQuery::default() })),
        (
            "one day, a year before the newest",
            Box::new(move |i| {
                let day = at(n * 8 / 10) + Duration::days(i64::try_from(i % 3).unwrap());
                AuditQuery { from: Some(day), until: Some(day + Duration::days(1)), ..AuditQuery::default() }
            }),
        ),
        (
            "a client's page deep in the past (cursor)",
            Box::new(move |i| {
                let x = n / 2 + i64::try_from(i).unwrap() * 1000;
                AuditQuery {
                    client: Some(careportal_domain::ClientId::from_uuid(client_id(x % 1000))),
                    before: Some((at(x), x + after)),
                    ..AuditQuery::default()
                }
            }),
        ),
    ];
    // Reference: the database's own lookup of one entry by its key.
    macro_rules! point_lookups {
        ($pool:ty) => {{
            let pool = <$pool>::connect(&app.db.url).await.unwrap();
            let figures = timed(|i| {
                let pool = pool.clone();
                async move {
                    sqlx::query("SELECT * FROM audit_log WHERE tenant_id = $1 AND seq = $2")
                        .bind(tenant.as_uuid())
                        .bind(i64::try_from(i).unwrap() * 9973 % n + 1)
                        .fetch_all(&pool)
                        .await
                        .unwrap()
                        .len()
                }
            })
            .await;
            pool.close().await;
            figures
        }};
    }
    let reference = match backend {
        Backend::Sqlite => point_lookups!(sqlx::SqlitePool),
        Backend::Postgres => point_lookups!(sqlx::PgPool),
    };
    println!("  {:<44} p50 {:>7.2} ms  p99 {:>7.2} ms", "point lookup by key (reference)", reference.0, reference.1);
    for (label, query) in &queries {
        let (p50, p99) = timed(|i| {
            let store = store.clone();
            let query = query(i);
            async move { store.search_audit(tenant, &query, 51).await.unwrap().len() }
        })
        .await;
        println!("  {label:<44} p50 {p50:>7.2} ms  p99 {p99:>7.2} ms  ({:.1}× the lookup at p50)", p50 / reference.0);
    }
    println!();
}
