//! What is stored, as one fingerprint per table, to show that a phase of attacks left the
//! care data exactly as it was. Tables that every request may touch by design (the audit
//! log, sessions, rate counters) are left out; everything else must not move.

use careportal_tests::{Backend, TestDb};
use sqlx::{Connection, Row};
use std::collections::BTreeMap;

/// Written by refused requests too: logged refusals, sessions seen, counters taken.
const MOVING: [&str; 5] = ["audit_log", "audit_heads", "audit_checkpoints", "sessions", "throttle"];

pub type Snapshot = BTreeMap<String, (i64, String)>;

pub async fn take(db: &TestDb) -> Snapshot {
    match db.backend {
        Backend::Sqlite => sqlite(&db.url).await,
        Backend::Postgres => postgres(&db.url).await,
    }
}

/// The tables whose rows differ between two snapshots.
pub fn changed(before: &Snapshot, after: &Snapshot) -> Vec<String> {
    after
        .iter()
        .filter(|(table, rows)| !MOVING.contains(&table.as_str()) && before.get(*table) != Some(*rows))
        .map(|(table, (count, _))| format!("{table} ({} → {count} rows)", before.get(table).map_or(0, |b| b.0)))
        .collect()
}

async fn sqlite(url: &str) -> Snapshot {
    let mut db = sqlx::SqliteConnection::connect(url).await.unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%'",
    )
    .fetch_all(&mut db)
    .await
    .unwrap();
    let mut snapshot = Snapshot::new();
    for table in tables {
        let columns: Vec<String> =
            sqlx::query_scalar("SELECT name FROM pragma_table_info(?)").bind(&table).fetch_all(&mut db).await.unwrap();
        let row = columns.iter().map(|c| format!("quote(\"{c}\")")).collect::<Vec<_>>().join(" || ',' || ");
        let sql = format!(
            "SELECT count(*), coalesce(group_concat(r, char(10)), '') FROM (SELECT {row} AS r FROM \"{table}\" ORDER BY 1)"
        );
        let found = sqlx::query(&sql).fetch_one(&mut db).await.unwrap();
        let text: String = found.get(1);
        snapshot.insert(table, (found.get(0), careportal_documents::sha256_hex(text.as_bytes())));
    }
    db.close().await.unwrap();
    snapshot
}

async fn postgres(url: &str) -> Snapshot {
    let mut db = sqlx::PgConnection::connect(url).await.unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name NOT LIKE '_sqlx%'",
    )
    .fetch_all(&mut db)
    .await
    .unwrap();
    let mut snapshot = Snapshot::new();
    for table in tables {
        let sql = format!(
            "SELECT count(*), coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '') FROM \"{table}\" t"
        );
        let found = sqlx::query(&sql).fetch_one(&mut db).await.unwrap();
        snapshot.insert(table, (found.get(0), found.get(1)));
    }
    db.close().await.unwrap();
    snapshot
}

/// How many audit entries of `action` whose detail is `detail`, for `actor`.
pub async fn audit_count(db: &TestDb, actor: &str, action: &str, detail: &str) -> i64 {
    let sql = match db.backend {
        Backend::Sqlite => "SELECT count(*) FROM audit_log WHERE actor = ?1 AND action = ?2 AND detail = ?3",
        Backend::Postgres => "SELECT count(*) FROM audit_log WHERE actor = $1 AND action = $2 AND detail = $3",
    };
    db.count(sql, &[actor, action, detail]).await
}
