//! `make bench`: what a burst of logins costs, against what Argon2 alone costs, and how a
//! page request fares meanwhile. Runs the real router in-process on SQLite with the
//! production (OWASP) Argon2 parameters; prints a small report, asserts nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use careportal_auth::PasswordHasher;
use careportal_domain::audit::Origin;
use careportal_tests::Backend;
use careportal_tests::app::TestApp;
use std::sync::Arc;
use std::time::{Duration, Instant};

const PASSWORD: &str = "Zonnebloem!Tafel7";
const BURST: Duration = Duration::from_secs(5);
const CONCURRENCY: usize = 16;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(run());
}

async fn run() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("Careportal login bench: {cores} cores, Argon2id m=19456 KiB t=2 p=1, SQLite, in-process router\n");

    // 1. Argon2 alone: one verification, then as many as the cores do in parallel.
    let hasher = PasswordHasher::owasp().unwrap();
    let hash = hasher.hash_blocking(PASSWORD).unwrap();
    let start = Instant::now();
    for _ in 0..10 {
        assert!(hasher.verify_blocking(Some(&hash), PASSWORD));
    }
    let single = start.elapsed() / 10;
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..(cores * 40) {
        let (hasher, hash) = (hasher.clone(), hash.clone());
        tasks.push(tokio::spawn(async move { hasher.verify(Some(hash), PASSWORD).await.unwrap() }));
    }
    for task in tasks {
        assert!(task.await.unwrap());
    }
    let argon_per_second = (cores * 40) as f64 / start.elapsed().as_secs_f64();
    println!(
        "Argon2 alone:        {:>7.1} ms per verification, {:>6.1} verifications/s on all cores",
        single.as_secs_f64() * 1000.0,
        argon_per_second
    );

    // 2. The portal: accounts with a password, logins in a burst.
    let app = TestApp::builder(Backend::Sqlite)
        .tenants(&["siloah"])
        .settings(careportal_web::WebSettings::new(true, false, &[7u8; 32], hasher.clone()))
        .build()
        .await;
    let tenant = app.store.tenant_by_slug("siloah").await.unwrap().unwrap().id;
    let mut users = Vec::new();
    for i in 0..CONCURRENCY {
        let user = format!("bench{i}@example.nl");
        let account = app.person("siloah", &user, PASSWORD, false).await;
        // person() stores a test-cost hash; verification uses the stored hash's own cost, so
        // store one at the production cost.
        app.store.set_password(tenant, &Origin::system("bench"), account, &hash, false, None).await.unwrap();
        users.push(user);
    }
    let app = Arc::new(app);

    let deadline = Instant::now() + BURST;
    let mut workers = Vec::new();
    for user in users {
        let app = app.clone();
        workers.push(tokio::spawn(async move {
            let mut done = 0u32;
            while Instant::now() < deadline {
                let mut client = app.client("siloah.localhost");
                let response = client
                    .submit("/inloggen", "/inloggen", &[("gebruikersnaam", &user), ("wachtwoord", PASSWORD)])
                    .await;
                assert_eq!(response.status.as_u16(), 303, "{}", response.body);
                done += 1;
            }
            done
        }));
    }
    // 3. Meanwhile, a person opens a page every 50 ms.
    let prober = {
        let app = app.clone();
        tokio::spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let start = Instant::now();
                let response = app.get("siloah.localhost", "/").await;
                assert_eq!(response.status.as_u16(), 200);
                latencies.push(start.elapsed());
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            latencies
        })
    };
    let mut logins = 0u32;
    for worker in workers {
        logins += worker.await.unwrap();
    }
    let mut latencies = prober.await.unwrap();
    latencies.sort();
    let login_per_second = f64::from(logins) / BURST.as_secs_f64();
    println!(
        "Logins (password):   {:>7.1} logins/s with {CONCURRENCY} at once = {:.0}% of Argon2 alone",
        login_per_second,
        100.0 * login_per_second / argon_per_second
    );
    println!(
        "Page during burst:   p50 {:>6.1} ms, p99 {:>6.1} ms, max {:>6.1} ms over {} requests",
        percentile(&latencies, 0.5).as_secs_f64() * 1000.0,
        percentile(&latencies, 0.99).as_secs_f64() * 1000.0,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1000.0,
        latencies.len()
    );
    let start = Instant::now();
    for _ in 0..50 {
        app.get("siloah.localhost", "/").await;
    }
    println!("Page at rest:        {:>7.1} ms on average", start.elapsed().as_secs_f64() * 1000.0 / 50.0);
}
