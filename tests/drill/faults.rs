//! Fault drills on the real binary (#14 item 4). On SQLite: `kill -9` of the server while
//! people write, again and again; every start must be clean, every write that got its
//! success page must be there, and no write may be half there (the message without its
//! audit entry or its place in the ECD's queue). On PostgreSQL: the database crashes and
//! restarts in the middle of a stretch of writes; the same holds, and the portal must be
//! back to nearly every request succeeding within seconds, without a restart of its own.

use crate::browser::{Browser, Http, csrf_of};
use careportal_domain::clock::{Clock, SystemClock};
use careportal_domain::people::Username;
use careportal_domain::signin::{NewSession, SessionStage};
use careportal_store::Store;
use careportal_tests::pgcluster::Cluster;
use careportal_tests::process::{Portal, terminate};
use careportal_tests::smtp::free_port;
use rand::{Rng, SeedableRng};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const HOST: &str = "siloah.localhost";
/// Thomas de Vries of the demo writes to his coordinator (Berichten).
const WRITER: &str = "thomas.devries@example.nl";

/// What was written, as the writers saw it and as the database has it.
#[derive(Debug, Default)]
pub struct Written {
    /// Messages whose success page came back.
    pub acknowledged: BTreeSet<String>,
    /// Attempts whose answer was not the success page (refused, 503, connection gone).
    pub failed: usize,
    /// Acknowledged but not in the database.
    pub missing: usize,
    /// In the database without its audit entry or its place in the ECD's queue.
    pub partial: usize,
    /// In the database more than once.
    pub doubled: usize,
}

#[derive(Debug, Default)]
pub struct Kills {
    pub kills: usize,
    pub clean_starts: usize,
    pub start_errors: Vec<String>,
    pub written: Written,
    pub integrity: String,
    pub chain_verified: bool,
}

#[derive(Debug, Default)]
pub struct Restart {
    pub seconds: u64,
    pub requests: usize,
    pub written: Written,
    /// Seconds from the restart's start until every later second succeeded ≥ 99 %.
    pub recovered_after: Option<f64>,
    /// Success during the last seconds, when the database had long been back.
    pub success_at_end: f64,
    pub portal_restarted: bool,
}

/// Sessions of the writer made in the store (the drill is about faults, not the way in).
async fn sessions(store: &Arc<dyn Store>, count: usize) -> Vec<String> {
    let tenant = store.tenant_by_slug("siloah").await.unwrap().unwrap().id;
    let account = store.account_by_username(tenant, &Username::parse(WRITER).unwrap()).await.unwrap().unwrap();
    let mut tokens = Vec::new();
    for _ in 0..count {
        let token = careportal_auth::Token::generate();
        let new = NewSession {
            token_hash: token.hash.clone(),
            account: account.id,
            stage: SessionStage::Active,
            expires_at: SystemClock.now() + chrono::Duration::hours(8),
            ip: None,
            user_agent: None,
        };
        store.create_session(tenant, &new).await.unwrap();
        tokens.push(token.plain);
    }
    tokens
}

async fn open(url: &str, dir: &std::path::Path) -> Arc<dyn Store> {
    let options = careportal_store_sql::ConnectOptions {
        url: url.to_owned(),
        data_dir: dir.to_path_buf(),
        max_connections: 2,
        clock: Arc::new(SystemClock),
    };
    careportal_store_sql::connect(&options).await.unwrap()
}

/// The drill's messages in the database, checked against what was acknowledged.
async fn check(store: &Arc<dyn Store>, written: &mut Written, queued_before: u32) {
    let tenant = store.tenant_by_slug("siloah").await.unwrap().unwrap().id;
    let account = store.account_by_username(tenant, &Username::parse(WRITER).unwrap()).await.unwrap().unwrap();
    let client = store.account_links(tenant, account.id).await.unwrap()[0].client.id;
    let messages: Vec<_> = store
        .care_messages(tenant, client, 1_000_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.body.starts_with("drill "))
        .collect();
    let audited: BTreeSet<String> = store
        .audit_of_client(tenant, client, 1_000_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "message.sent")
        .map(|e| e.detail)
        .collect();
    let mut seen = BTreeSet::new();
    for message in &messages {
        if !seen.insert(message.body.clone()) {
            written.doubled += 1;
        }
        if !audited.contains(&message.id.to_string()) {
            written.partial += 1;
        }
    }
    written.missing = written.acknowledged.iter().filter(|body| !seen.contains(*body)).count();
    // Each message written in the portal waits for the ECD in the same transaction.
    let queued = store.ecd_outbox_depth(tenant).await.unwrap().pending - queued_before;
    written.partial += messages.len().abs_diff(queued as usize);
}

/// One writer: messages until `stop`, each with its own text. With `until_broken`, the first
/// answer without a connection ends it (the server is gone).
async fn write(
    mut browser: Browser,
    name: String,
    stop: Arc<AtomicBool>,
    until_broken: bool,
) -> (Vec<String>, Vec<(Instant, bool)>) {
    let (mut acknowledged, mut attempts) = (Vec::new(), Vec::new());
    let mut csrf = None;
    let mut n = 0;
    while !stop.load(Ordering::Relaxed) {
        let token = match &csrf {
            Some(token) => token,
            None => {
                let page = browser.get("/berichten").await;
                if page.status == 0 && until_broken {
                    break;
                }
                csrf = csrf_of(&page.body);
                if csrf.is_none() {
                    attempts.push((Instant::now(), false));
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                continue;
            }
        };
        let body = format!("drill {name}-{n}");
        n += 1;
        let answer = browser.post("/berichten", &[("bericht", &body), ("csrf", token)]).await;
        let ok = answer.status == 303 && answer.location.as_deref() == Some("/berichten?verstuurd=1");
        attempts.push((Instant::now(), ok));
        if ok {
            acknowledged.push(body);
        } else if answer.status == 0 && until_broken {
            break;
        } else if answer.status == 0 {
            // The connection is gone: a moment, not a busy loop.
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    (acknowledged, attempts)
}

fn browsers(http: &Http, tokens: &[String]) -> Vec<Browser> {
    tokens
        .iter()
        .map(|token| {
            let mut browser = Browser::new(http, HOST);
            browser.cookies.insert("cp_session".to_owned(), token.clone());
            browser
        })
        .collect()
}

/// The demo in the portal's database, `writers` sessions, and what waited for the ECD before.
async fn prepare(portal: &Portal, url: &str, writers: usize) -> (Vec<String>, careportal_store::OutboxDepth) {
    for command in [&["migrate"][..], &["demo"][..]] {
        let output = portal.run(command);
        assert!(output.status.success(), "{command:?}: {}", String::from_utf8_lossy(&output.stderr));
    }
    let store = open(url, portal.dir.path()).await;
    let tokens = sessions(&store, writers).await;
    let tenant = store.tenant_by_slug("siloah").await.unwrap().unwrap().id;
    let queued_before = store.ecd_outbox_depth(tenant).await.unwrap();
    store.close().await;
    (tokens, queued_before)
}

/// `kill -9` of `serve` under write load, `kills` times (SQLite).
pub async fn kill_nine(kills: usize, writers: usize) -> Kills {
    let portal = Portal::new(free_port(), None);
    let url = portal.sqlite_url();
    let (tokens, queued_before) = prepare(&portal, &url, writers).await;

    let http = Http::new(portal.address(), &[HOST]);
    let mut figures = Kills::default();
    let mut rng = rand::rngs::StdRng::seed_from_u64(14);
    for round in 0..=kills {
        let mut child = match portal.start(Duration::from_secs(30)).await {
            Ok(child) => child,
            Err(error) => {
                figures.start_errors.push(format!("start {round}: {error}"));
                continue;
            }
        };
        figures.clean_starts += 1;
        if round == kills {
            // The last start only proves the portal comes up after the last kill.
            terminate(&mut child).unwrap();
            break;
        }
        let stop = Arc::new(AtomicBool::new(false));
        let tasks: Vec<_> = browsers(&http, &tokens)
            .into_iter()
            .enumerate()
            .map(|(w, browser)| tokio::spawn(write(browser, format!("{round}.{w}"), stop.clone(), true)))
            .collect();
        tokio::time::sleep(Duration::from_millis(rng.random_range(80..400))).await;
        // SIGKILL: no drain, no flush, no goodbye.
        child.kill().unwrap();
        child.wait().unwrap();
        figures.kills += 1;
        stop.store(true, Ordering::Relaxed);
        for task in tasks {
            let (acknowledged, attempts) = task.await.unwrap();
            figures.written.failed += attempts.iter().filter(|(_, ok)| !ok).count();
            figures.written.acknowledged.extend(acknowledged);
        }
    }

    let store = open(&url, portal.dir.path()).await;
    check(&store, &mut figures.written, queued_before.pending).await;
    store.close().await;
    let mut connection = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url).await.unwrap();
    figures.integrity = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&mut connection).await.unwrap();
    let verify = portal.run(&["audit", "verify"]);
    figures.chain_verified = verify.status.success();
    figures
}

/// PostgreSQL crashed and restarted in the middle of `seconds` of writes.
pub async fn postgres_restart(seconds: u64, writers: usize) -> Restart {
    let cluster = Cluster::start(free_port());
    let created = std::process::Command::new("psql")
        .args([&cluster.url("postgres"), "-qc", "CREATE DATABASE careportal"])
        .output()
        .unwrap();
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    let url = cluster.url("careportal");
    let portal = Portal::new(free_port(), Some(&url));
    let (tokens, queued_before) = prepare(&portal, &url, writers).await;

    let mut child = portal.start(Duration::from_secs(30)).await.unwrap();
    let http = Http::new(portal.address(), &[HOST]);
    let stop = Arc::new(AtomicBool::new(false));
    let began = Instant::now();
    let tasks: Vec<_> = browsers(&http, &tokens)
        .into_iter()
        .enumerate()
        .map(|(w, browser)| tokio::spawn(write(browser, format!("pg.{w}"), stop.clone(), false)))
        .collect();
    let restart_at = Duration::from_secs(seconds / 3);
    tokio::time::sleep(restart_at).await;
    let restarted = Instant::now();
    let cluster = tokio::task::spawn_blocking(move || {
        cluster.crash_and_restart();
        cluster
    })
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_secs(seconds).saturating_sub(began.elapsed())).await;
    stop.store(true, Ordering::Relaxed);

    let mut figures = Restart { seconds, ..Restart::default() };
    let mut attempts = Vec::new();
    for task in tasks {
        let (acknowledged, mine) = task.await.unwrap();
        figures.written.acknowledged.extend(acknowledged);
        attempts.extend(mine);
    }
    figures.portal_restarted = child.try_wait().unwrap().is_some();
    terminate(&mut child).unwrap();
    figures.requests = attempts.len();
    figures.written.failed = attempts.iter().filter(|(_, ok)| !ok).count();

    // Per second from the restart on: the first second after which every second is ≥ 99 %.
    let end = attempts.iter().map(|(at, _)| *at).max().unwrap_or(restarted);
    let buckets = (end.saturating_duration_since(restarted).as_secs() + 1) as usize;
    let mut per_second = vec![(0usize, 0usize); buckets];
    for (at, ok) in attempts.iter().filter(|(at, _)| *at >= restarted) {
        let bucket = &mut per_second[at.duration_since(restarted).as_secs() as usize];
        bucket.0 += usize::from(*ok);
        bucket.1 += 1;
    }
    let good = |(ok, all): (usize, usize)| all > 0 && ok * 100 >= all * 99;
    let last_bad = per_second.iter().rposition(|b| !good(*b));
    // The final, possibly partial second is left out of the "every second after" rule.
    figures.recovered_after = match last_bad {
        None => Some(0.0),
        Some(bad) if bad + 1 < per_second.len().saturating_sub(1) => Some((bad + 1) as f64),
        Some(_) => None,
    };
    let tail: Vec<_> = per_second.iter().rev().skip(1).take(3).collect();
    let (ok, all) = tail.iter().fold((0, 0), |(o, a), (ok, all)| (o + ok, a + all));
    figures.success_at_end = if all == 0 { 0.0 } else { ok as f64 * 100.0 / all as f64 };

    let store = open(&url, portal.dir.path()).await;
    check(&store, &mut figures.written, queued_before.pending).await;
    store.close().await;
    drop(cluster);
    figures
}
