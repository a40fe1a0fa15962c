//! `make bench`: signed-in pages under load, beside what our own stack does bare.
//!
//! In one run, on SQLite and on PostgreSQL, over real HTTP on 127.0.0.1 (release build):
//! - **Fortunes**: a TechEmpower-style handler on axum + sqlx + tera (read 12 rows, add one,
//!   sort, render an escaped table) over the same kind of database: the reference.
//! - the portal's `/home` and `/rapportages` for a signed-in Siloah representative with a
//!   year of reports, measurements and messages, through the binary's own accept loop, with
//!   the production pool size;
//! - a login (password step, production Argon2 cost) beside Argon2 alone;
//! - `/home` at rest and during a burst of logins.
//!
//! Prints req/s, p50, p99, errors and the ratio to Fortunes; asserts nothing (absolute times
//! here are noisy; the ratios are the figures to read).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::extract::State;
use axum::response::Html;
use careportal_domain::audit::Origin;
use careportal_domain::clock::Clock;
use careportal_domain::people::Relation;
use careportal_domain::record::Source;
use careportal_domain::record::reports::NewReport;
use careportal_domain::signin::SessionStage;
use careportal_tests::load::{self, Figures};
use careportal_tests::{Backend, TestApp, db::TestDb};
use chrono::Duration as Days;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

// As the binary: the portal's own allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const HOST: &str = "siloah.localhost";
const PASSWORD: &str = "Zonnebloem!Tafel7";
const RUN: Duration = Duration::from_secs(5);
const WARM_UP: Duration = Duration::from_secs(1);

fn main() {
    let seconds = std::env::var("BENCH_SECONDS").ok().and_then(|s| s.parse().ok()).map(Duration::from_secs);
    let run = seconds.unwrap_or(RUN);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        println!(
            "Careportal page bench: {cores} cores, {}s per row, HTTP/1.1 keep-alive on 127.0.0.1\n",
            run.as_secs()
        );
        for backend in [Backend::Sqlite, Backend::Postgres] {
            measure(backend, run).await;
        }
    });
}

async fn measure(backend: Backend, run: Duration) {
    let name = if backend == Backend::Sqlite { "SQLite" } else { "PostgreSQL" };
    println!("== {name}");
    println!(
        "{:<34} {:>5} {:>9} {:>8} {:>8} {:>7} {:>10}",
        "", "conns", "req/s", "p50 ms", "p99 ms", "errors", "of Fortunes"
    );

    let fortunes = fortunes_server(backend).await;
    let mut reference = Vec::new();
    for connections in [64, 256] {
        let figures = timed(fortunes.0, connections, run, load::get("bench.localhost", "/fortunes", "")).await;
        row("Fortunes (axum + sqlx + tera)", connections, &figures, None);
        reference.push(figures.per_second());
    }
    drop(fortunes);

    let portal = Portal::start(backend).await;
    for path in ["/home", "/rapportages"] {
        let (status, _, body) = load::once(portal.address, &load::get(HOST, path, &portal.cookie)).await;
        assert!(status == 200 && body.contains("Thomas de Vries"), "{path}: {status} {body}");
    }
    for (label, path) in [("/home", "/home"), ("/rapportages", "/rapportages")] {
        for (i, connections) in [64, 256].into_iter().enumerate() {
            let figures = timed(portal.address, connections, run, load::get(HOST, path, &portal.cookie)).await;
            row(&format!("Careportal {label}"), connections, &figures, Some(reference[i]));
        }
    }

    // A login is Argon2 first of all: its reference is the hash alone, on all cores (the
    // portal hashes on all but one, so its pages keep a core during a burst).
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let hasher = careportal_auth::PasswordHasher::owasp().unwrap().with_slots(cores, Duration::from_secs(60));
    let hash = hasher.hash_blocking(PASSWORD).unwrap();
    let started = std::time::Instant::now();
    let mut hashes = Vec::new();
    for _ in 0..32 {
        let (hasher, hash) = (hasher.clone(), hash.clone());
        hashes.push(tokio::spawn(async move { hasher.verify(Some(hash), PASSWORD).await.unwrap() }));
    }
    for hash in hashes {
        assert!(hash.await.unwrap());
    }
    let argon = 32.0 / started.elapsed().as_secs_f64();
    let idle = load::run(portal.address, 8, run, load::get(HOST, "/home", &portal.cookie)).await;
    let login = portal.login_requests(16).await;
    let (burst, during) = tokio::join!(
        load::run(portal.address, 16, run, login),
        load::run(portal.address, 8, run, load::get(HOST, "/home", &portal.cookie)),
    );
    println!(
        "{:<34} {:>5} {:>9.1} {:>8.1} {:>8.1} {:>7} {:>9.0}% of Argon2 alone ({argon:.1}/s){}",
        "Login (password, Argon2id 19 MiB)",
        16,
        burst.per_second(),
        burst.p50_ms(),
        burst.p99_ms(),
        burst.errors,
        100.0 * burst.per_second() / argon,
        error_statuses(&burst)
    );
    row("/home at rest", 8, &idle, None);
    row("/home during the login burst", 8, &during, None);
    println!("   /home p99 during logins: {:.1}× at rest (target ≤ 2×)\n", during.p99_ms() / idle.p99_ms().max(0.001));
}

async fn timed(address: SocketAddr, connections: usize, run: Duration, make: load::MakeRequest) -> Figures {
    load::run(address, connections, WARM_UP, make.clone()).await;
    load::run(address, connections, run, make).await
}

fn row(label: &str, connections: usize, figures: &Figures, reference: Option<f64>) {
    let ratio = reference.map_or(String::new(), |r| format!("{:.0}%", 100.0 * figures.per_second() / r));
    println!(
        "{label:<34} {connections:>5} {:>9.0} {:>8.1} {:>8.1} {:>7} {ratio:>10}{}",
        figures.per_second(),
        figures.p50_ms(),
        figures.p99_ms(),
        figures.errors,
        error_statuses(figures)
    );
}

/// "  (HTTP 503 ×12, no answer ×1)" when there were errors.
fn error_statuses(figures: &Figures) -> String {
    if figures.error_statuses.is_empty() {
        return String::new();
    }
    let each: Vec<String> = figures
        .error_statuses
        .iter()
        .map(|(status, n)| if *status == 0 { format!("no answer ×{n}") } else { format!("HTTP {status} ×{n}") })
        .collect();
    format!("  ({})", each.join(", "))
}

/// The portal on a fresh database, with one family's year of care in it.
struct Portal {
    app: TestApp,
    address: SocketAddr,
    cookie: String,
    client: careportal_domain::ClientId,
}

impl Portal {
    async fn start(backend: Backend) -> Self {
        let hasher = careportal_auth::PasswordHasher::owasp().unwrap();
        let settings = careportal_web::WebSettings::new(true, false, &[7u8; 32], hasher.clone());
        let app = TestApp::builder(backend).tenants(&["siloah"]).settings(settings).max_connections(10).build().await;
        let tenant = app.tenant_id("siloah").await;
        let origin = Origin::system("bench");
        let client = app.new_client("siloah", "SIL-9001", "Thomas de Vries").await;
        let account =
            app.new_account("siloah", "ingrid@example.nl", "Ingrid de Vries", client, Relation::Representative).await;
        let now = app.clock.now();
        for day in 0..365 {
            let new = NewReport {
                written_at: now - Days::days(day) - Days::hours(2),
                author: "Femke Jansen (begeleider)".into(),
                author_account: None,
                source: Source::Ecd,
                body: format!(
                    "Dag {day}: goed gegeten, 's middags gewandeld in het park en 's avonds gebeld met zijn zus."
                ),
            };
            app.store.add_report(tenant, &origin, client, &new).await.unwrap();
        }
        // The portal's clock runs with the wall clock, as the binary's does.
        let clock = app.clock.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(100));
            loop {
                tick.tick().await;
                clock.advance(Days::milliseconds(100));
            }
        });
        let token = app.session("siloah", account, SessionStage::Active).await;
        let address = app.listen().await;
        Portal { app, address, cookie: format!("cp_session={token}"), client }
    }

    /// The password step of a login as browsers send it, one account per connection (the
    /// lock round lets five tries of one account be checked at once, by design): the CSRF
    /// cookie and its token from the login page, the username and the password.
    async fn login_requests(&self, connections: usize) -> load::MakeRequest {
        let tenant = self.app.tenant_id("siloah").await;
        let hash = careportal_auth::PasswordHasher::owasp().unwrap().hash_blocking(PASSWORD).unwrap();
        let mut forms = Vec::new();
        for i in 0..connections {
            let username = format!("inlog{i}@example.nl");
            let account =
                self.app.new_account("siloah", &username, "Inge Logger", self.client, Relation::Representative).await;
            self.app.store.set_password(tenant, &Origin::system("bench"), account, &hash, false, None).await.unwrap();
            let mut browser = self.app.client(HOST);
            let page = browser.get("/inloggen").await;
            let csrf = careportal_tests::client::csrf_of(&page.body).unwrap();
            let cookie = browser.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
            forms.push((
                cookie,
                format!("gebruikersnaam=inlog{i}%40example.nl&wachtwoord=Zonnebloem%21Tafel7&csrf={csrf}"),
            ));
        }
        let login = load::post_forms(HOST, "/inloggen", forms);
        let (status, location, body) = load::once(self.address, &login).await;
        assert_eq!((status, location.as_deref()), (303, Some("/inloggen/activeren")), "{body}");
        login
    }
}

/// The reference: Fortunes on our stack, over a database of the same kind.
struct FortunesServer(SocketAddr, #[allow(dead_code)] TestDb);

#[derive(Clone)]
enum Pool {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

#[derive(serde::Serialize, sqlx::FromRow)]
struct Fortune {
    id: i32,
    message: String,
}

const FORTUNES: &[&str] = &[
    "fortune: No such file or directory",
    "A computer scientist is someone who fixes things that aren't broken.",
    "After enough decimal places, nobody gives a damn.",
    "A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1",
    "A computer program does what you tell it to do, not what you want it to do.",
    "Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen",
    "Any program that runs right is obsolete.",
    "A list is only as strong as its weakest link. — Donald Knuth",
    "Feature: A bug with seniority.",
    "Computers make very fast, very accurate mistakes.",
    "<script>alert(\"This should not be displayed in a browser alert box.\");</script>",
    "フレームワークのベンチマーク",
];

const TEMPLATE: &str = "<!DOCTYPE html><html><head><title>Fortunes</title></head><body><table>\
<tr><th>id</th><th>message</th></tr>{% for f in fortunes %}<tr><td>{{ f.id }}</td><td>{{ f.message }}</td></tr>\
{% endfor %}</table></body></html>";

async fn fortunes_server(backend: Backend) -> FortunesServer {
    let clock: Arc<dyn Clock> = Arc::new(careportal_domain::clock::SystemClock);
    let db = TestDb::new(backend, clock).await;
    let pool = match backend {
        Backend::Sqlite => {
            std::fs::create_dir_all(db.data_dir()).unwrap();
            let options = sqlx::sqlite::SqliteConnectOptions::new()
                .filename(db.data_dir().join("fortunes.db"))
                .create_if_missing(true)
                .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal);
            Pool::Sqlite(
                sqlx::sqlite::SqlitePoolOptions::new().max_connections(10).connect_with(options).await.unwrap(),
            )
        }
        Backend::Postgres => {
            Pool::Postgres(sqlx::postgres::PgPoolOptions::new().max_connections(10).connect(&db.url).await.unwrap())
        }
    };
    let create = "CREATE TABLE fortune (id INTEGER PRIMARY KEY, message TEXT NOT NULL)";
    match &pool {
        Pool::Sqlite(p) => {
            sqlx::query(create).execute(p).await.unwrap();
            for (i, m) in FORTUNES.iter().enumerate() {
                sqlx::query("INSERT INTO fortune (id, message) VALUES ($1, $2)")
                    .bind(i as i32 + 1)
                    .bind(m)
                    .execute(p)
                    .await
                    .unwrap();
            }
        }
        Pool::Postgres(p) => {
            sqlx::query(create).execute(p).await.unwrap();
            for (i, m) in FORTUNES.iter().enumerate() {
                sqlx::query("INSERT INTO fortune (id, message) VALUES ($1, $2)")
                    .bind(i as i32 + 1)
                    .bind(m)
                    .execute(p)
                    .await
                    .unwrap();
            }
        }
    }
    let mut tera = tera::Tera::new();
    tera.add_raw_template("fortunes.html", TEMPLATE).unwrap();
    let state = (pool, Arc::new(tera));
    let router = axum::Router::new().route("/fortunes", axum::routing::get(fortunes)).with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    FortunesServer(address, db)
}

async fn fortunes(State((pool, tera)): State<(Pool, Arc<tera::Tera>)>) -> Html<String> {
    let query = "SELECT id, message FROM fortune";
    let mut rows: Vec<Fortune> = match &pool {
        Pool::Sqlite(p) => sqlx::query_as(query).fetch_all(p).await.unwrap(),
        Pool::Postgres(p) => sqlx::query_as(query).fetch_all(p).await.unwrap(),
    };
    rows.push(Fortune { id: 0, message: "Additional fortune added at request time.".into() });
    rows.sort_by(|a, b| a.message.cmp(&b.message));
    let mut context = tera::Context::new();
    context.insert("fortunes", &rows);
    Html(tera.render("fortunes.html", &context).unwrap())
}
