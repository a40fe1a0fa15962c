//! Many people at once on one database, and a database that is gone. Two people of one family
//! opening the portal together must both get their page; an outage must look like an outage
//! (the branded 503), never like a logout or a bare 500.

use axum::http::StatusCode;
use careportal_domain::people::Relation;
use careportal_tests::{Backend, TestApp, on_both_backends};

on_both_backends!(concurrent_page_loads_and_writes_never_fail, a_database_outage_is_a_branded_503_not_a_logout);

const HOST: &str = "siloah.localhost";

/// Page loads and writes in parallel: every one answers as it would alone. On SQLite a read
/// transaction that then writes used to fail with "database is locked" (SQLITE_BUSY_SNAPSHOT)
/// as soon as another request committed in between.
async fn concurrent_page_loads_and_writes_never_fail(backend: Backend) {
    let app = TestApp::new(backend).await;
    let client = app.new_client("siloah", "SIL-1001", "Thomas de Vries").await;
    let ingrid =
        app.new_account("siloah", "ingrid@example.nl", "Ingrid de Vries", client, Relation::Representative).await;
    let pieter =
        app.new_account("siloah", "pieter@example.nl", "Pieter de Vries", client, Relation::Representative).await;

    let mut people = Vec::new();
    for i in 0..24 {
        let account = if i % 2 == 0 { ingrid } else { pieter };
        people.push(app.signed_in(HOST, "siloah", account).await);
    }
    // Each person has a form token of their own before the burst starts.
    let mut tokens = Vec::new();
    for person in &mut people {
        let form = person.get("/rapportages/nieuw").await;
        tokens.push(careportal_tests::client::csrf_of(&form.body).unwrap());
    }

    let mut tasks = tokio::task::JoinSet::new();
    for (i, (mut person, csrf)) in people.into_iter().zip(tokens).enumerate() {
        tasks.spawn(async move {
            let mut statuses = Vec::new();
            for round in 0..4 {
                statuses.push(("GET /home", person.get("/home").await.status));
                statuses.push(("GET /rapportages", person.get("/rapportages").await.status));
                let text = format!("Bezoek {i}.{round}: het ging goed.");
                let saved = person.post("/rapportages/nieuw", &[("tekst", &text), ("csrf", &csrf)]).await;
                statuses.push(("POST /rapportages/nieuw", saved.status));
            }
            statuses
        });
    }
    let mut failures = Vec::new();
    let mut answered = 0;
    while let Some(result) = tasks.join_next().await {
        for (what, status) in result.unwrap() {
            answered += 1;
            let expected = if what.starts_with("POST") { StatusCode::SEE_OTHER } else { StatusCode::OK };
            if status != expected {
                failures.push(format!("{what}: {status}"));
            }
        }
    }
    assert_eq!(answered, 24 * 4 * 3);
    assert!(failures.is_empty(), "{} of {answered} requests failed: {failures:?}", failures.len());

    // Every report that got its success page is stored, once.
    let tenant = app.tenant_id("siloah").await;
    let pending = app.store.ecd_pending(tenant, 1000).await.unwrap();
    assert_eq!(pending.iter().filter(|item| item.kind.as_str() == "report").count(), 24 * 4);
}

/// With the database gone, a signed-in page is the branded "not available" page with status
/// 503 and the request id: the session cookie stays, and nobody is sent to the login page.
/// `/readyz` says not ready.
async fn a_database_outage_is_a_branded_503_not_a_logout(backend: Backend) {
    let app = TestApp::new(backend).await;
    let client = app.new_client("siloah", "SIL-1001", "Thomas de Vries").await;
    let ingrid =
        app.new_account("siloah", "ingrid@example.nl", "Ingrid de Vries", client, Relation::Representative).await;
    let mut person = app.signed_in(HOST, "siloah", ingrid).await;
    assert_eq!(person.get("/home").await.status, StatusCode::OK);
    let form = person.get("/rapportages/nieuw").await;
    let csrf = careportal_tests::client::csrf_of(&form.body).unwrap();
    assert_eq!(app.get(HOST, "/readyz").await.status, StatusCode::OK);

    app.store.close().await;

    for path in ["/home", "/rapportages", "/", "/inloggen"] {
        let page = person.get(path).await;
        assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE, "{path}: {}", page.body);
        assert!(page.header("location").is_none(), "{path} redirects");
        assert!(page.body.contains("Het portaal is even niet bereikbaar"), "{path}: {}", page.body);
        assert!(page.body.contains("Referentie"), "{path} names the request id");
        assert!(person.cookies.contains_key("cp_session"), "{path} dropped the session cookie");
    }
    let saved = person.post("/rapportages/nieuw", &[("tekst", "Mag niet verloren gaan"), ("csrf", &csrf)]).await;
    assert_eq!(saved.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(saved.body.contains("nog niet opgeslagen"), "{}", saved.body);
    assert_eq!(saved.header("retry-after"), Some("30"));
    let ready = app.get(HOST, "/readyz").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
}
