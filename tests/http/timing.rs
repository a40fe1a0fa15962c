//! #13 Medium 6: the time a refused login or a reset request takes says nothing about
//! whether the account exists: unknown, wrong and past-the-limit answers, and reset requests
//! for known and unknown names, measured over many tries against the deployment's floor.

use axum::http::StatusCode;
use careportal_domain::clock::Clock;
use careportal_domain::throttle::{CHECKED_FAILURES_PER_ACCOUNT_HOUR, account_key, hour_window};
use careportal_tests::app::settings;
use careportal_tests::{Backend, TestApp, on_both_backends};
use std::time::{Duration, Instant};

on_both_backends!(
    refused_logins_and_reset_requests_take_the_same_time_for_every_name,
    a_request_past_the_deadline_gets_the_branded_503,
);

const FLOOR: Duration = Duration::from_millis(60);
const TRIES: usize = 9;

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// The median time of `TRIES` posts of `fields` to `action`, each from a fresh page.
async fn timed(app: &TestApp, page: &str, action: &str, fields: &[(&str, &str)], expect: StatusCode) -> Duration {
    let mut times = Vec::new();
    for _ in 0..TRIES {
        let mut client = app.client("siloah.localhost");
        let form = client.get(page).await;
        let csrf = careportal_tests::client::csrf_of(&form.body).unwrap();
        let mut all = fields.to_vec();
        all.push(("csrf", &csrf));
        let start = Instant::now();
        let answer = client.post(action, &all).await;
        times.push(start.elapsed());
        assert_eq!(answer.status, expect, "{}", answer.body);
    }
    median(times)
}

fn alike(a: Duration, b: Duration) {
    assert!(a >= FLOOR && b >= FLOOR, "{a:?} and {b:?} answer no sooner than {FLOOR:?}");
    let gap = a.abs_diff(b);
    assert!(gap < FLOOR / 3, "{a:?} against {b:?}: a gap of {gap:?} tells the names apart");
}

async fn refused_logins_and_reset_requests_take_the_same_time_for_every_name(backend: Backend) {
    let mut web = settings(true, false);
    web.answer_floor = FLOOR;
    let app = TestApp::builder(backend).settings(web).build().await;
    let anna = app.person("siloah", "anna@example.nl", "Zonnebloem!Tafel7", false).await;
    let login = |name: &'static str| [("gebruikersnaam", name), ("wachtwoord", "Verkeerd!Wachtwoord1")];
    let unknown = timed(&app, "/inloggen", "/inloggen", &login("niemand@example.nl"), StatusCode::UNAUTHORIZED).await;
    let wrong = timed(&app, "/inloggen", "/inloggen", &login("anna@example.nl"), StatusCode::UNAUTHORIZED).await;
    alike(unknown, wrong);

    // Past the hourly limit Anna's guesses are not checked, yet take as long.
    let tenant = app.tenant_id("siloah").await;
    let window = hour_window(app.clock.now());
    for _ in 0..CHECKED_FAILURES_PER_ACCOUNT_HOUR {
        app.store.count_hit(tenant, &account_key("login-failed", anna), window).await.unwrap();
    }
    let limited = timed(&app, "/inloggen", "/inloggen", &login("anna@example.nl"), StatusCode::UNAUTHORIZED).await;
    alike(unknown, limited);

    let reset = |name: &'static str| [("gebruikersnaam", name)];
    let page = "/wachtwoord-vergeten";
    let unknown = timed(&app, page, page, &reset("niemand@example.nl"), StatusCode::OK).await;
    let known = timed(&app, page, page, &reset("anna@example.nl"), StatusCode::OK).await;
    alike(unknown, known);
}

/// #13 Low: a request that runs past `request_deadline` is dropped: the person gets the
/// branded 503 (what they sent is not saved, and they are not logged out) and the server
/// keeps answering. A refused login held at a floor longer than the deadline stands in for a
/// stuck handler.
async fn a_request_past_the_deadline_gets_the_branded_503(backend: Backend) {
    let mut web = settings(true, false);
    web.answer_floor = Duration::from_secs(5);
    web.request_deadline = Duration::from_millis(300);
    let app = TestApp::builder(backend).settings(web).build().await;
    app.person("siloah", "anna@example.nl", "Zonnebloem!Tafel7", false).await;
    let mut client = app.client("siloah.localhost");
    let started = Instant::now();
    let answer = client
        .submit("/inloggen", "/inloggen", &[("gebruikersnaam", "anna@example.nl"), ("wachtwoord", "Verkeerd!1")])
        .await;
    let took = started.elapsed();
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE, "{}", answer.body);
    assert!(took < Duration::from_secs(3), "cut off at the deadline, not at the floor: {took:?}");
    assert!(answer.body.contains("Het portaal is even niet bereikbaar"), "{}", answer.body);
    assert!(answer.body.contains("Wat u net verstuurde is nog niet opgeslagen"), "{}", answer.body);
    assert_eq!(answer.header("retry-after"), Some("30"));
    // The next request is answered as ever.
    assert_eq!(client.get("/inloggen").await.status, StatusCode::OK);
}
