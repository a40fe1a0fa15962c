//! Signing in over HTTP, on both databases: the manual's first login with an authenticator
//! app and the forced password change, the daily login, and what must never work.

use axum::http::StatusCode;
use careportal_auth::TotpSecret;
use careportal_domain::clock::Clock;
use careportal_tests::client::{TestClient, text_of_id};
use careportal_tests::{Backend, TestApp, on_both_backends};

on_both_backends!(
    first_login_activates_the_app_then_replaces_the_one_time_password,
    daily_login_takes_the_code_with_the_password_and_never_twice,
    daily_login_can_ask_for_the_code_on_its_own_page,
    wrong_password_unknown_user_and_locked_account_look_the_same,
    a_form_without_its_csrf_token_is_refused,
    sessions_end_when_idle_and_at_logout,
    an_expired_password_must_be_replaced_and_old_ones_not_reused,
    signed_in_pages_need_a_session_and_cookies_are_locked_down,
    a_network_that_keeps_failing_is_made_to_wait,
    past_a_hundred_failures_an_hour_passwords_are_not_checked,
    the_page_warns_before_the_idle_timeout_and_can_extend_it,
    the_last_seen_moment_is_written_at_most_once_a_minute,
    the_page_logs_out_when_its_countdown_ends,
    a_right_password_does_not_use_up_the_lock_round,
    parallel_wrong_passwords_get_no_more_checks_than_the_lockout_allows,
    an_address_gets_its_hourly_checks_and_no_more_however_many_come_at_once,
    trusted_proxies_decide_the_address_in_the_audit_log_and_the_login_limit,
);

const PASSWORD: &str = "Zonnebloem!Tafel7";
const HOST: &str = "siloah.localhost";

pub(crate) fn now_unix(app: &TestApp) -> u64 {
    u64::try_from(app.clock.now().timestamp()).unwrap()
}

fn session_cookie(client: &TestClient) -> Option<String> {
    client.cookies.get("cp_session").cloned()
}

/// Walks the first login through enrolment; returns the app's secret.
pub(crate) async fn enroll(app: &TestApp, client: &mut TestClient, username: &str, password: &str) -> TotpSecret {
    let response =
        client.submit("/inloggen", "/inloggen", &[("gebruikersnaam", username), ("wachtwoord", password)]).await;
    assert_eq!(response.status, StatusCode::SEE_OTHER, "{}", response.body);
    assert_eq!(response.header("location"), Some("/inloggen/activeren"));
    let page = client.get("/inloggen/activeren/app").await;
    assert_eq!(page.status, StatusCode::OK);
    let secret = TotpSecret::from_base32(&text_of_id(&page.body, "sleutel").unwrap()).unwrap();
    let code = secret.code_at(now_unix(app)).unwrap();
    let response = client.submit("/inloggen/activeren/app", "/inloggen/activeren/app", &[("code", &code)]).await;
    assert_eq!(response.status, StatusCode::SEE_OTHER, "{}", response.body);
    secret
}

async fn first_login_activates_the_app_then_replaces_the_one_time_password(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.person("siloah", "anna@example.nl", "Eenmalig-Wachtwoord-93", true).await;
    let mut client = app.client(HOST);

    let response = client
        .submit(
            "/inloggen",
            "/inloggen",
            &[("gebruikersnaam", "Anna@Example.nl"), ("wachtwoord", "Eenmalig-Wachtwoord-93")],
        )
        .await;
    assert_eq!(response.header("location"), Some("/inloggen/activeren"));
    let after_password = session_cookie(&client).unwrap();

    let choice = client.get("/inloggen/activeren").await;
    assert!(choice.body.contains("Authenticator App (heeft de voorkeur)"), "{}", choice.body);
    assert!(client.get("/home").await.header("location") == Some("/inloggen/activeren"), "not in yet");

    let page = client.get("/inloggen/activeren/app").await;
    assert!(page.body.contains("<svg"), "a QR code");
    let again = client.get("/inloggen/activeren/app").await;
    assert_eq!(text_of_id(&page.body, "sleutel"), text_of_id(&again.body, "sleutel"), "one secret per attempt");
    let secret = TotpSecret::from_base32(&text_of_id(&page.body, "sleutel").unwrap()).unwrap();

    let wrong = client.submit("/inloggen/activeren/app", "/inloggen/activeren/app", &[("code", "000000")]).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("Deze code klopt niet"));
    let code = secret.code_at(now_unix(&app)).unwrap();
    let response = client.submit("/inloggen/activeren/app", "/inloggen/activeren/app", &[("code", &code)]).await;
    assert_eq!(response.header("location"), Some("/wachtwoord-wijzigen"), "the one-time password goes next");
    let after_factor = session_cookie(&client).unwrap();
    assert_ne!(after_password, after_factor, "every step gets a new session token");

    let page = client.get("/wachtwoord-wijzigen").await;
    for words in [
        "Huidig wachtwoord",
        "Nieuw wachtwoord",
        "Bevestig wachtwoord",
        "Wijzig wachtwoord",
        "Minimum aantal tekens: 8",
    ] {
        assert!(page.body.contains(words), "{words}");
    }
    let weak = client
        .submit(
            "/wachtwoord-wijzigen",
            "/wachtwoord-wijzigen",
            &[("huidig", "Eenmalig-Wachtwoord-93"), ("nieuw", "zonnebloem"), ("bevestig", "zonnebloem")],
        )
        .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(weak.body.contains("Het wachtwoord moet een hoofdletter bevatten."), "{}", weak.body);
    assert!(weak.body.contains("Het wachtwoord moet minimaal 8 tekens lang zijn.") || weak.body.contains("een cijfer"));
    let response = client
        .submit(
            "/wachtwoord-wijzigen",
            "/wachtwoord-wijzigen",
            &[("huidig", "Eenmalig-Wachtwoord-93"), ("nieuw", PASSWORD), ("bevestig", PASSWORD)],
        )
        .await;
    assert_eq!(response.header("location"), Some("/home?wachtwoord=gewijzigd"), "{}", response.body);
    let home = client.get("/home?wachtwoord=gewijzigd").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("Welkom, Anna Jansen"));
    assert!(home.body.contains("Thomas de Vries"));
    assert!(home.body.contains("Uw wachtwoord is gewijzigd."));
    assert!(home.body.contains("Uitloggen"));

    let tenant = app.store.tenant_by_slug("siloah").await.unwrap().unwrap().id;
    let actions: Vec<String> = app.store.audit(tenant, 50).await.unwrap().into_iter().map(|e| e.action).collect();
    for expected in ["factor.enrolled", "password.changed", "login.succeeded", "record.viewed"] {
        assert!(actions.contains(&expected.to_owned()), "{expected} in {actions:?}");
    }
    let viewed = app.store.audit(tenant, 50).await.unwrap().into_iter().find(|e| e.action == "record.viewed").unwrap();
    assert_eq!(viewed.user_agent.as_deref(), Some("careportal-tests"), "a read of client data says from where");
}

async fn daily_login_takes_the_code_with_the_password_and_never_twice(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.person("siloah", "anna@example.nl", PASSWORD, false).await;
    let mut first = app.client(HOST);
    let secret = enroll(&app, &mut first, "anna@example.nl", PASSWORD).await;

    app.clock.advance(chrono::Duration::seconds(60));
    let code = secret.code_at(now_unix(&app)).unwrap();
    let mut client = app.client(HOST);
    let fields = [("gebruikersnaam", "anna@example.nl"), ("wachtwoord", PASSWORD), ("code", code.as_str())];
    let response = client.submit("/inloggen", "/inloggen", &fields).await;
    assert_eq!(response.header("location"), Some("/home"), "{}", response.body);
    assert_eq!(client.get("/home").await.status, StatusCode::OK);

    // The same code on another device a moment later: refused.
    let mut other = app.client(HOST);
    let replay = other.submit("/inloggen", "/inloggen", &fields).await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED);
    assert!(replay.body.contains("De 2FA code is onjuist of verlopen."));
    assert_ne!(other.get("/home").await.status, StatusCode::OK);
    // The replay is a security event, with where it came from; a merely wrong code is not.
    let tenant = app.tenant_id("siloah").await;
    let replays = |audit: Vec<careportal_domain::audit::AuditEntry>| {
        audit.into_iter().filter(|e| e.action == "signin.totp_replayed").collect::<Vec<_>>()
    };
    let seen = replays(app.store.audit(tenant, 50).await.unwrap());
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].user_agent.as_deref(), Some("careportal-tests"));
    let wrong = [("gebruikersnaam", "anna@example.nl"), ("wachtwoord", PASSWORD), ("code", "000000")];
    app.client(HOST).submit("/inloggen", "/inloggen", &wrong).await;
    assert_eq!(replays(app.store.audit(tenant, 50).await.unwrap()).len(), 1, "a wrong code is no replay");
}

async fn daily_login_can_ask_for_the_code_on_its_own_page(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.person("siloah", "anna@example.nl", PASSWORD, false).await;
    let secret = enroll(&app, &mut app.client(HOST), "anna@example.nl", PASSWORD).await;
    app.clock.advance(chrono::Duration::seconds(60));

    let mut client = app.client(HOST);
    let response = client
        .submit("/inloggen", "/inloggen", &[("gebruikersnaam", "anna@example.nl"), ("wachtwoord", PASSWORD)])
        .await;
    assert_eq!(response.header("location"), Some("/inloggen/code"));
    let empty = client.submit("/inloggen/code", "/inloggen/code", &[("code", "")]).await;
    assert!(empty.body.contains("Vul de 2FA code in."));
    let code = secret.code_at(now_unix(&app)).unwrap();
    let response = client.submit("/inloggen/code", "/inloggen/code", &[("code", &code)]).await;
    assert_eq!(response.header("location"), Some("/home"));
}

/// The login page's answer without its per-request parts (CSRF token, request id).
fn answer(body: &str) -> String {
    body.lines().filter(|l| !l.contains("csrf") && !l.contains("Referentie")).collect::<Vec<_>>().join("\n")
}

async fn wrong_password_unknown_user_and_locked_account_look_the_same(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.person("siloah", "anna@example.nl", PASSWORD, false).await;
    let mut client = app.client(HOST);
    let wrong =
        client.submit("/inloggen", "/inloggen", &[("gebruikersnaam", "anna@example.nl"), ("wachtwoord", "fout")]).await;
    let unknown = client
        .submit("/inloggen", "/inloggen", &[("gebruikersnaam", "niemand@example.nl"), ("wachtwoord", "fout")])
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("De gebruikersnaam of het wachtwoord is onjuist"));
    assert!(wrong.body.contains("value=\"anna@example.nl\""), "what was typed is kept");
    assert_eq!(
        answer(&wrong.body).replace("anna@example.nl", "X"),
        answer(&unknown.body).replace("niemand@example.nl", "X")
    );

    // Siloah locks after five failures in a row; then even the right password is refused.
    for _ in 0..4 {
        client.submit("/inloggen", "/inloggen", &[("gebruikersnaam", "anna@example.nl"), ("wachtwoord", "fout")]).await;
    }
    let locked = client
        .submit("/inloggen", "/inloggen", &[("gebruikersnaam", "anna@example.nl"), ("wachtwoord", PASSWORD)])
        .await;
    assert_eq!(locked.status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer(&locked.body), answer(&wrong.body), "a locked account says nothing more");
    app.clock.advance(chrono::Duration::minutes(16));
    let open = client
        .submit("/inloggen", "/inloggen", &[("gebruikersnaam", "anna@example.nl"), ("wachtwoord", PASSWORD)])
        .await;
    assert_eq!(open.status, StatusCode::SEE_OTHER, "the lock ends by itself");

    let tenant = app.store.tenant_by_slug("siloah").await.unwrap().unwrap().id;
    let actions: Vec<String> = app.store.audit(tenant, 50).await.unwrap().into_iter().map(|e| e.action).collect();
    assert!(actions.contains(&"login.locked".to_owned()), "{actions:?}");
    let audit = app.store.audit(tenant, 50).await.unwrap();
    assert!(audit.iter().all(|e| !e.detail.contains("fout")), "typed passwords never reach the log");
    assert!(audit.iter().any(|e| e.user_agent.as_deref() == Some("careportal-tests")));
}

async fn a_form_without_its_csrf_token_is_refused(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.person("siloah", "anna@example.nl", PASSWORD, false).await;
    let mut client = app.client(HOST);
    client.get("/inloggen").await;
    // No token at all, an empty one, and a wrong one.
    let fields = [("gebruikersnaam", "anna@example.nl"), ("wachtwoord", PASSWORD)];
    for token in [None, Some(""), Some("x")] {
        let mut sent = fields.to_vec();
        sent.extend(token.map(|t| ("csrf", t)));
        let forged = client.post("/inloggen", &sent).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "token {token:?}");
        assert!(forged.body.contains("Deze pagina was verlopen"));
        assert!(session_cookie(&client).is_none());
    }
    // And without a CSRF cookie, with a token from a page: nothing to check it against.
    let mut cookieless = app.client(HOST);
    let token = careportal_tests::client::csrf_of(&cookieless.get("/inloggen").await.body).unwrap();
    cookieless.cookies.clear();
    let mut sent = fields.to_vec();
    sent.push(("csrf", &token));
    assert_eq!(cookieless.post("/inloggen", &sent).await.status, StatusCode::FORBIDDEN);
    // A token from another browser does not fit this one's cookie.
    let mut other = app.client(HOST);
    let page = other.get("/inloggen").await;
    let token = careportal_tests::client::csrf_of(&page.body).unwrap();
    let stolen = client
        .post("/inloggen", &[("gebruikersnaam", "anna@example.nl"), ("wachtwoord", PASSWORD), ("csrf", &token)])
        .await;
    assert_eq!(stolen.status, StatusCode::FORBIDDEN);
}

async fn sessions_end_when_idle_and_at_logout(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.person("siloah", "anna@example.nl", PASSWORD, false).await;
    let mut client = app.client(HOST);
    let secret = enroll(&app, &mut client, "anna@example.nl", PASSWORD).await;
    assert_eq!(client.get("/home").await.status, StatusCode::OK);

    // Siloah: 15 minutes idle. Activity keeps it alive; silence ends it.
    app.clock.advance(chrono::Duration::minutes(14));
    assert_eq!(client.get("/home").await.status, StatusCode::OK);
    app.clock.advance(chrono::Duration::minutes(14));
    assert_eq!(client.get("/home").await.status, StatusCode::OK);
    // The server allows the minute its stored last-seen moment may lag (the page itself
    // logs out at 15:00, see the_page_logs_out_when_its_countdown_ends).
    app.clock.advance(chrono::Duration::minutes(16));
    assert_eq!(client.get("/home").await.header("location"), Some("/inloggen"));

    // Uitloggen ends the session on the server: the old cookie is worth nothing after.
    let code = secret.code_at(now_unix(&app)).unwrap();
    let response = client
        .submit(
            "/inloggen",
            "/inloggen",
            &[("gebruikersnaam", "anna@example.nl"), ("wachtwoord", PASSWORD), ("code", &code)],
        )
        .await;
    assert_eq!(response.header("location"), Some("/home"));
    let old = session_cookie(&client).unwrap();
    let response = client.submit("/home", "/uitloggen", &[]).await;
    assert_eq!(response.header("location"), Some("/inloggen?uitgelogd=1"));
    assert!(session_cookie(&client).is_none(), "the cookie is cleared");
    assert!(client.get("/inloggen?uitgelogd=1").await.body.contains("U bent uitgelogd."));
    client.cookies.insert("cp_session".to_owned(), old);
    assert_eq!(client.get("/home").await.header("location"), Some("/inloggen"));

    let tenant = app.store.tenant_by_slug("siloah").await.unwrap().unwrap().id;
    let account = app
        .store
        .account_by_username(tenant, &careportal_domain::people::Username::parse("anna@example.nl").unwrap())
        .await
        .unwrap()
        .unwrap();
    let factor = app.store.second_factor(tenant, account.id).await.unwrap().unwrap();
    assert!(factor.totp_secret.unwrap().starts_with("v1."), "the app's key is stored sealed");
    let actions: Vec<String> = app.store.audit(tenant, 50).await.unwrap().into_iter().map(|e| e.action).collect();
    assert!(actions.contains(&"logout".to_owned()));
}

async fn an_expired_password_must_be_replaced_and_old_ones_not_reused(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.person("siloah", "anna@example.nl", PASSWORD, false).await;
    let mut client = app.client(HOST);
    let secret = enroll(&app, &mut client, "anna@example.nl", PASSWORD).await;

    // Siloah: a password lasts six months.
    app.clock.advance(chrono::Duration::days(184));
    let mut client = app.client(HOST);
    let code = secret.code_at(now_unix(&app)).unwrap();
    let response = client
        .submit(
            "/inloggen",
            "/inloggen",
            &[("gebruikersnaam", "anna@example.nl"), ("wachtwoord", PASSWORD), ("code", &code)],
        )
        .await;
    assert_eq!(response.header("location"), Some("/wachtwoord-wijzigen"));
    assert_eq!(client.get("/home").await.header("location"), Some("/wachtwoord-wijzigen"));

    let same = client
        .submit(
            "/wachtwoord-wijzigen",
            "/wachtwoord-wijzigen",
            &[("huidig", PASSWORD), ("nieuw", PASSWORD), ("bevestig", PASSWORD)],
        )
        .await;
    assert!(same.body.contains("Het nieuwe wachtwoord moet anders zijn dan het huidige."));
    let next = "Paarse-Olifant-Dans-42";
    let response = client
        .submit(
            "/wachtwoord-wijzigen",
            "/wachtwoord-wijzigen",
            &[("huidig", PASSWORD), ("nieuw", next), ("bevestig", next)],
        )
        .await;
    assert_eq!(response.status, StatusCode::SEE_OTHER, "{}", response.body);

    // Back to the first password within a year: refused (Siloah allows reuse after 1 year).
    let back = client
        .submit(
            "/wachtwoord-wijzigen",
            "/wachtwoord-wijzigen",
            &[("huidig", next), ("nieuw", PASSWORD), ("bevestig", PASSWORD)],
        )
        .await;
    assert_eq!(back.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(back.body.contains("U heeft dit wachtwoord de afgelopen 1 jaar al gebruikt."), "{}", back.body);
}

async fn signed_in_pages_need_a_session_and_cookies_are_locked_down(backend: Backend) {
    let app = TestApp::new(backend).await;
    for path in ["/home", "/wachtwoord-wijzigen", "/inloggen/code", "/inloggen/activeren", "/inloggen/activeren/app"] {
        let response = app.get(HOST, path).await;
        assert_eq!(response.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(response.header("location"), Some("/inloggen"), "{path}");
    }
    app.person("siloah", "anna@example.nl", PASSWORD, false).await;
    let mut client = app.client(HOST);
    let page = client.get("/inloggen").await;
    let csrf_cookie = page.header("set-cookie").unwrap();
    assert!(csrf_cookie.contains("HttpOnly") && csrf_cookie.contains("SameSite=Strict"), "{csrf_cookie}");
    let token = careportal_tests::client::csrf_of(&page.body).unwrap();
    let response = client
        .post("/inloggen", &[("gebruikersnaam", "anna@example.nl"), ("wachtwoord", PASSWORD), ("csrf", &token)])
        .await;
    let cookies: Vec<&str> = response.headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap()).collect();
    let cookie = cookies.iter().find(|c| c.starts_with("cp_session=")).unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"), "{cookie}");
    // The CSRF cookie is renewed with the session, and the token is bound to both: the one
    // from before the login no longer passes, the page's new one does.
    assert!(cookies.iter().any(|c| c.starts_with("cp_csrf=")), "{cookies:?}");
    let stale = client.post("/inloggen/activeren/app", &[("code", "123456"), ("csrf", &token)]).await;
    assert_eq!(stale.status, StatusCode::FORBIDDEN, "{}", stale.body);
    let fresh = client.submit("/inloggen/activeren/app", "/inloggen/activeren/app", &[("code", "123456")]).await;
    assert_ne!(fresh.status, StatusCode::FORBIDDEN, "{}", fresh.body);

    // A session of Siloah is no session at Salem, even with the same cookie.
    let stolen = session_cookie(&client).unwrap();
    let mut salem = app.client("salem.localhost");
    salem.cookies.insert("cp_session".to_owned(), stolen);
    assert_eq!(salem.get("/inloggen/activeren").await.header("location"), Some("/inloggen"));

    // Behind TLS the cookies are __Host- and Secure.
    let tls = TestApp::builder(backend).settings(careportal_tests::app::settings(true, true)).build().await;
    let page = tls.client(HOST).get("/inloggen").await;
    let cookie = page.header("set-cookie").unwrap();
    assert!(cookie.starts_with("__Host-cp_csrf=") && cookie.contains("Secure"), "{cookie}");
}

async fn a_network_that_keeps_failing_is_made_to_wait(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.person("salem", "willem@example.nl", PASSWORD, false).await;
    let mut attacker = app.client("salem.localhost");
    attacker.ip = Some("198.51.100.7:40000".parse().unwrap());
    for i in 0..100 {
        let user = format!("gok{i}@example.nl");
        let response =
            attacker.submit("/inloggen", "/inloggen", &[("gebruikersnaam", &user), ("wachtwoord", "fout")]).await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let blocked = attacker
        .submit("/inloggen", "/inloggen", &[("gebruikersnaam", "willem@example.nl"), ("wachtwoord", PASSWORD)])
        .await;
    assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(blocked.body.contains("vanaf dit netwerk te vaak geprobeerd"));
    assert!(blocked.body.contains("value=\"willem@example.nl\""), "what was typed is kept");

    let mut elsewhere = app.client("salem.localhost");
    elsewhere.ip = Some("203.0.113.9:40000".parse().unwrap());
    let fine = elsewhere
        .submit("/inloggen", "/inloggen", &[("gebruikersnaam", "willem@example.nl"), ("wachtwoord", PASSWORD)])
        .await;
    assert_eq!(fine.status, StatusCode::SEE_OTHER, "another network is not affected");

    app.clock.advance(chrono::Duration::hours(1));
    let later = attacker
        .submit("/inloggen", "/inloggen", &[("gebruikersnaam", "willem@example.nl"), ("wachtwoord", PASSWORD)])
        .await;
    assert_eq!(later.status, StatusCode::SEE_OTHER, "the next hour starts afresh");
}

async fn past_a_hundred_failures_an_hour_passwords_are_not_checked(backend: Backend) {
    let app = TestApp::new(backend).await;
    let account = app.person("salem", "willem@example.nl", PASSWORD, false).await;
    let tenant = app.store.tenant_by_slug("salem").await.unwrap().unwrap().id;
    let window = careportal_domain::throttle::hour_window(app.clock.now());
    let key = careportal_domain::throttle::account_key("login-failed", account);
    for _ in 0..100 {
        app.store.count_hit(tenant, &key, window).await.unwrap();
    }
    let mut client = app.client("salem.localhost");
    let refused = client
        .submit("/inloggen", "/inloggen", &[("gebruikersnaam", "willem@example.nl"), ("wachtwoord", PASSWORD)])
        .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "even the right password");
    let audit = app.store.audit(tenant, 10).await.unwrap();
    assert!(audit.iter().any(|e| e.detail.contains("niet gecontroleerd")));
}

async fn the_page_warns_before_the_idle_timeout_and_can_extend_it(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.person("siloah", "anna@example.nl", PASSWORD, false).await;
    let mut client = app.client(HOST);
    enroll(&app, &mut client, "anna@example.nl", PASSWORD).await;
    let home = client.get("/home").await;
    assert!(home.body.contains("data-idle-seconds=\"900\""), "Siloah: 15 minutes");
    assert!(home.body.contains("Blijf ingelogd") && home.body.contains("role=\"alertdialog\""));
    let csrf = careportal_tests::client::csrf_of(&home.body).unwrap();

    app.clock.advance(chrono::Duration::minutes(14));
    let refused = client.post("/sessie/verlengen", &[("csrf", "x")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    app.clock.advance(chrono::Duration::seconds(50));
    // The refused request still counted as activity; extending properly answers 204.
    let extended = client.post("/sessie/verlengen", &[("csrf", &csrf)]).await;
    assert_eq!(extended.status, StatusCode::SEE_OTHER, "a plain form goes back home");
    app.clock.advance(chrono::Duration::minutes(14));
    assert_eq!(client.get("/home").await.status, StatusCode::OK, "extended");
    app.clock.advance(chrono::Duration::minutes(16));
    let ended = client.post("/sessie/verlengen", &[("csrf", &csrf)]).await;
    assert_eq!(ended.header("location"), Some("/inloggen"), "an ended session cannot be extended");
    assert!(client.get("/inloggen?verlopen=1").await.body.contains("automatisch uitgelogd"));
}

/// #14: a page does not write the session each time (a write per page queued every page
/// behind the database's writer); the last-seen moment is written when it is a minute old.
/// The idle timeout counts that minute in: the session never ends sooner than the full idle
/// time after the last request, and the page's countdown is always the full idle time.
async fn the_last_seen_moment_is_written_at_most_once_a_minute(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.person("siloah", "anna@example.nl", PASSWORD, false).await;
    let mut client = app.client(HOST);
    enroll(&app, &mut client, "anna@example.nl", PASSWORD).await;
    let tenant = app.store.tenant_by_slug("siloah").await.unwrap().unwrap().id;
    let hash = careportal_auth::Token::hash_of(&session_cookie(&client).unwrap());
    let stored = || async { app.store.session(tenant, &hash).await.unwrap().unwrap().last_seen_at };

    assert!(client.get("/home").await.body.contains("data-idle-seconds=\"900\""));
    let written = stored().await;
    app.clock.advance(chrono::Duration::seconds(30));
    let home = client.get("/home").await;
    assert!(home.body.contains("data-idle-seconds=\"900\""), "the countdown counts from this page");
    assert_eq!(stored().await, written, "not written again within the minute");
    app.clock.advance(chrono::Duration::seconds(31));
    client.get("/home").await;
    assert_eq!(stored().await, app.clock.now(), "written after a minute");

    // Thirty seconds on, unwritten; fifteen minutes after that page, still alive.
    app.clock.advance(chrono::Duration::seconds(30));
    client.get("/home").await;
    app.clock.advance(chrono::Duration::seconds(899));
    assert_eq!(client.get("/home").await.status, StatusCode::OK, "never sooner than the full idle time");
    // Silence: it ends at most a minute after the idle time.
    app.clock.advance(chrono::Duration::seconds(900 + 60));
    assert_eq!(client.get("/home").await.header("location"), Some("/inloggen"));
}

/// The page's countdown ends the session on the server (the server alone would allow the
/// minute its stored moment may lag), and the login page says why.
async fn the_page_logs_out_when_its_countdown_ends(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.person("siloah", "anna@example.nl", PASSWORD, false).await;
    let mut client = app.client(HOST);
    enroll(&app, &mut client, "anna@example.nl", PASSWORD).await;
    client.get("/home").await;
    app.clock.advance(chrono::Duration::minutes(15));
    let response = client.submit("/home", "/uitloggen", &[("verlopen", "1")]).await;
    assert_eq!(response.header("location"), Some("/inloggen?verlopen=1"));
    assert!(session_cookie(&client).is_none(), "the cookie is cleared");
    let login = client.get("/inloggen?verlopen=1").await;
    assert!(login.body.contains("U bent automatisch uitgelogd omdat u een tijd niets heeft gedaan."));
    let tenant = app.store.tenant_by_slug("siloah").await.unwrap().unwrap().id;
    let audit = app.store.audit(tenant, 50).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "logout" && e.detail == "automatisch, na inactiviteit"));
}

/// Found by the page bench (#14): a right password kept its try of the lock round until the
/// session was fully signed in, so five right passwords whose code step was left unfinished
/// (the phone not at hand) refused the sixth, without a lock and without end. Only guesses
/// use up the round; wrong ones still lock the account as before.
async fn a_right_password_does_not_use_up_the_lock_round(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.person("siloah", "anna@example.nl", PASSWORD, false).await;
    enroll(&app, &mut app.client(HOST), "anna@example.nl", PASSWORD).await;
    for attempt in 1..=8 {
        let mut browser = app.client(HOST);
        let answer = browser
            .submit("/inloggen", "/inloggen", &[("gebruikersnaam", "anna@example.nl"), ("wachtwoord", PASSWORD)])
            .await;
        assert_eq!(answer.header("location"), Some("/inloggen/code"), "attempt {attempt}: {}", answer.body);
    }
    // Guesses still count: Siloah locks after five wrong passwords.
    for _ in 0..5 {
        let mut browser = app.client(HOST);
        let answer = browser
            .submit("/inloggen", "/inloggen", &[("gebruikersnaam", "anna@example.nl"), ("wachtwoord", "Fout!1234567")])
            .await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    }
    let mut browser = app.client(HOST);
    let locked = browser
        .submit("/inloggen", "/inloggen", &[("gebruikersnaam", "anna@example.nl"), ("wachtwoord", PASSWORD)])
        .await;
    assert_eq!(locked.status, StatusCode::UNAUTHORIZED, "locked: even the right password");
}

/// #13 Medium 4: 200 wrong passwords at once get no more checks than Siloah's lockout
/// allows (five), the account locks, and after the lock a right password works again.
async fn parallel_wrong_passwords_get_no_more_checks_than_the_lockout_allows(backend: Backend) {
    let app = TestApp::new(backend).await;
    let anna = app.person("siloah", "anna@example.nl", PASSWORD, false).await;
    let tenant = app.tenant_id("siloah").await;
    let mut client = app.client(HOST);
    let csrf = careportal_tests::client::csrf_of(&client.get("/inloggen").await.body).unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..200 {
        let mut attacker = app.client(HOST);
        attacker.cookies = client.cookies.clone();
        let csrf = csrf.clone();
        tasks.spawn(async move {
            let guess = format!("Raden!{i:03}xyz");
            let fields = [("gebruikersnaam", "anna@example.nl"), ("wachtwoord", guess.as_str()), ("csrf", &csrf)];
            attacker.post("/inloggen", &fields).await.status
        });
    }
    while let Some(status) = tasks.join_next().await {
        assert_eq!(status.unwrap(), StatusCode::UNAUTHORIZED);
    }
    let audit = app.store.audit(tenant, 500).await.unwrap();
    let checked = audit.iter().filter(|e| e.detail.starts_with("wachtwoord onjuist")).count();
    assert!((1..=5).contains(&checked), "{checked} of 200 guesses were checked against the password");
    let credentials = app.store.credentials(tenant, anna).await.unwrap().unwrap();
    assert!(credentials.is_locked(app.clock.now()), "five failures lock the account");

    // Locked, even the right password is not checked; after the lock it works again.
    let fields = [("gebruikersnaam", "anna@example.nl"), ("wachtwoord", PASSWORD)];
    assert_eq!(client.submit("/inloggen", "/inloggen", &fields).await.status, StatusCode::UNAUTHORIZED);
    app.clock.advance(chrono::Duration::minutes(16));
    let again = client.submit("/inloggen", "/inloggen", &fields).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
}

/// #13 Medium 4, the hourly fence: 150 failed logins at once from one address, each for
/// another name, get exactly the hundred checks an address has an hour; the rest are told
/// to wait (429), and so is a right password from there until the hour is over.
async fn an_address_gets_its_hourly_checks_and_no_more_however_many_come_at_once(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.person("siloah", "anna@example.nl", PASSWORD, false).await;
    let mut client = app.client(HOST);
    client.ip = Some("203.0.113.9:5000".parse().unwrap());
    let csrf = careportal_tests::client::csrf_of(&client.get("/inloggen").await.body).unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..150 {
        let mut attacker = app.client(HOST);
        attacker.cookies = client.cookies.clone();
        attacker.ip = client.ip;
        let csrf = csrf.clone();
        tasks.spawn(async move {
            let name = format!("niemand{i}@example.nl");
            let fields = [("gebruikersnaam", name.as_str()), ("wachtwoord", "Raden!xyz123"), ("csrf", &csrf)];
            attacker.post("/inloggen", &fields).await.status
        });
    }
    let (mut checked, mut waited) = (0, 0);
    while let Some(status) = tasks.join_next().await {
        match status.unwrap() {
            StatusCode::UNAUTHORIZED => checked += 1,
            StatusCode::TOO_MANY_REQUESTS => waited += 1,
            other => panic!("{other}"),
        }
    }
    assert_eq!((checked, waited), (100, 50));
    let fields = [("gebruikersnaam", "anna@example.nl"), ("wachtwoord", PASSWORD)];
    let refused = client.submit("/inloggen", "/inloggen", &fields).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    app.clock.advance(chrono::Duration::minutes(61));
    let again = client.submit("/inloggen", "/inloggen", &fields).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
}

/// #16: behind the load balancer named in `trusted_proxies`, the address it forwards is the
/// person's: in the audit log and for the address's hourly login limit. Anyone else's
/// X-Forwarded-For is ignored, so nobody escapes the limit or writes another address into
/// the log by sending the header themselves.
async fn trusted_proxies_decide_the_address_in_the_audit_log_and_the_login_limit(backend: Backend) {
    use careportal_domain::throttle::LOGIN_FAILURES_PER_ADDRESS_HOUR;
    let mut web = careportal_tests::app::settings(true, false);
    web.trusted_proxies = vec!["10.0.0.5".parse().unwrap()];
    let app = TestApp::builder(backend).settings(web).build().await;
    app.person("siloah", "anna@example.nl", PASSWORD, false).await;
    let tenant = app.tenant_id("siloah").await;
    let through = |forwarded: &str| {
        let mut client = app.client(HOST);
        client.ip = Some("10.0.0.5:40000".parse().unwrap());
        client.headers.push(("x-forwarded-for".to_owned(), forwarded.to_owned()));
        client
    };
    let wrong = [("gebruikersnaam", "anna@example.nl"), ("wachtwoord", "Verkeerd!1")];
    through("203.0.113.7").submit("/inloggen", "/inloggen", &wrong).await;
    let mut stranger = app.client(HOST);
    stranger.ip = Some("198.51.100.9:40000".parse().unwrap());
    stranger.headers.push(("x-forwarded-for".to_owned(), "203.0.113.66".to_owned()));
    stranger.submit("/inloggen", "/inloggen", &wrong).await;
    let failed: Vec<Option<String>> = app
        .store
        .audit(tenant, 50)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "login.failed")
        .map(|e| e.ip)
        .collect();
    assert!(failed.contains(&Some("203.0.113.7".to_owned())), "the forwarded address: {failed:?}");
    assert!(failed.contains(&Some("198.51.100.9".to_owned())), "the stranger's own address: {failed:?}");
    assert!(!failed.contains(&Some("203.0.113.66".to_owned())), "never what a stranger claims: {failed:?}");

    // The limit holds for the forwarded address, not for the proxy as a whole.
    let unknown = [("gebruikersnaam", "niemand@example.nl"), ("wachtwoord", "Verkeerd!1")];
    let mut limited = through("203.0.113.8");
    for _ in 0..LOGIN_FAILURES_PER_ADDRESS_HOUR {
        assert_eq!(limited.submit("/inloggen", "/inloggen", &unknown).await.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(limited.submit("/inloggen", "/inloggen", &unknown).await.status, StatusCode::TOO_MANY_REQUESTS);
    let other = through("203.0.113.9").submit("/inloggen", "/inloggen", &unknown).await;
    assert_eq!(other.status, StatusCode::UNAUTHORIZED, "another address behind the same proxy may still try");
    // A stranger claiming to be someone else is counted as themselves: still limited.
    let mut claims = app.client(HOST);
    claims.ip = Some("203.0.113.8:40000".parse().unwrap());
    claims.headers.push(("x-forwarded-for".to_owned(), "192.0.2.1".to_owned()));
    assert_eq!(claims.submit("/inloggen", "/inloggen", &unknown).await.status, StatusCode::TOO_MANY_REQUESTS);
}
