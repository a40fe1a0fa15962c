//! Mijn profiel over HTTP, on both databases.

use crate::signin::{enroll, now_unix};
use crate::sms::activate;
use axum::http::StatusCode;
use careportal_domain::clock::Clock;
use careportal_tests::{Backend, TestApp, on_both_backends};

on_both_backends!(
    the_second_factor_is_reset_only_with_password_and_code,
    devices_are_listed_revoked_and_everything_ends_everywhere,
    parallel_wrong_passwords_at_the_factor_reset_get_five_checks,
);

const PASSWORD: &str = "Zonnebloem!Tafel7";

async fn the_second_factor_is_reset_only_with_password_and_code(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.person("siloah", "anna@example.nl", PASSWORD, false).await;
    let mut client = app.client("siloah.localhost");
    let secret = enroll(&app, &mut client, "anna@example.nl", PASSWORD).await;
    let mut other_device = app.client("siloah.localhost");
    app.clock.advance(chrono::Duration::seconds(30));
    let code = secret.code_at(now_unix(&app)).unwrap();
    other_device
        .submit(
            "/inloggen",
            "/inloggen",
            &[("gebruikersnaam", "anna@example.nl"), ("wachtwoord", PASSWORD), ("code", &code)],
        )
        .await;
    assert_eq!(other_device.get("/home").await.status, StatusCode::OK);

    let page = client.get("/profiel").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("anna@example.nl") && page.body.contains("een Authenticator App"));
    assert!(!page.body.contains("Vertrouwde apparaten"), "Siloah asks at every login");

    app.clock.advance(chrono::Duration::seconds(30));
    let code = secret.code_at(now_unix(&app)).unwrap();
    let wrong = client
        .submit("/profiel", "/profiel", &[("actie", "opnieuw-instellen"), ("wachtwoord", "fout"), ("code", &code)])
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("Er is niets gewijzigd."));
    // The right password is not enough either: with a wrong code, or none, nothing changes.
    let wrong_code = if code == "000000" { "111111" } else { "000000" };
    for code in [wrong_code, ""] {
        let fields = [("actie", "opnieuw-instellen"), ("wachtwoord", PASSWORD), ("code", code)];
        let refused = client.submit("/profiel", "/profiel", &fields).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "code {code:?}: {}", refused.body);
        assert!(refused.body.contains("Er is niets gewijzigd."));
    }
    let tenant = app.tenant_id("siloah").await;
    let username = careportal_domain::people::Username::parse("anna@example.nl").unwrap();
    let anna = app.store.account_by_username(tenant, &username).await.unwrap().unwrap().id;
    assert!(app.store.second_factor(tenant, anna).await.unwrap().is_some(), "the app is still Anna's factor");
    assert_eq!(other_device.get("/home").await.status, StatusCode::OK, "and her other session lives");

    app.clock.advance(chrono::Duration::seconds(30));
    let code = secret.code_at(now_unix(&app)).unwrap();
    let reset = client
        .submit("/profiel", "/profiel", &[("actie", "opnieuw-instellen"), ("wachtwoord", PASSWORD), ("code", &code)])
        .await;
    assert_eq!(reset.header("location"), Some("/inloggen/activeren"));
    assert!(client.get("/inloggen/activeren").await.body.contains("Authenticator App"));
    assert_eq!(other_device.get("/home").await.header("location"), Some("/inloggen"), "other sessions ended");
    let tenant = app.store.tenant_by_slug("siloah").await.unwrap().unwrap().id;
    let actions: Vec<String> = app.store.audit(tenant, 80).await.unwrap().into_iter().map(|e| e.action).collect();
    assert!(actions.contains(&"factor.reset".to_owned()));
}

async fn devices_are_listed_revoked_and_everything_ends_everywhere(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.person("salem", "willem@example.nl", PASSWORD, false).await;
    let mut client = app.client("salem.localhost");
    activate(&app, &mut client, "willem@example.nl").await;

    let page = client.get("/profiel").await;
    assert!(page.body.contains("SMS naar +31 6 •••• ••78"), "{}", page.body);
    assert!(
        page.body.contains("Vertrouwde apparaten") && page.body.contains("Een browser, laatst gebruikt op 25-11-2026")
    );
    let id = page.body.split("name=\"apparaat\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let revoked = client.submit("/profiel", "/profiel", &[("actie", "intrekken"), ("apparaat", &id)]).await;
    assert!(
        revoked.body.contains("Het apparaat is ingetrokken.")
            && revoked.body.contains("Er zijn geen vertrouwde apparaten.")
    );

    let everywhere = client.submit("/profiel", "/profiel", &[("actie", "overal-uitloggen")]).await;
    assert_eq!(everywhere.header("location"), Some("/inloggen?uitgelogd=1"));
    assert_eq!(client.get("/profiel").await.header("location"), Some("/inloggen"));
}

/// #13 Medium 4 where the password is asked again: fifty wrong passwords at once at "Tweede
/// inlogmethode opnieuw instellen" get no more checks than Siloah's lockout allows.
async fn parallel_wrong_passwords_at_the_factor_reset_get_five_checks(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.person("siloah", "anna@example.nl", PASSWORD, false).await;
    let mut client = app.client("siloah.localhost");
    enroll(&app, &mut client, "anna@example.nl", PASSWORD).await;
    let csrf = careportal_tests::client::csrf_of(&client.get("/profiel").await.body).unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..50 {
        let mut attacker = app.client("siloah.localhost");
        attacker.cookies = client.cookies.clone();
        let csrf = csrf.clone();
        tasks.spawn(async move {
            let guess = format!("Raden!{i:03}xyz");
            let fields =
                [("actie", "opnieuw-instellen"), ("wachtwoord", guess.as_str()), ("code", "000000"), ("csrf", &csrf)];
            attacker.post("/profiel", &fields).await.status
        });
    }
    while let Some(status) = tasks.join_next().await {
        let status = status.unwrap();
        assert!(status == StatusCode::UNPROCESSABLE_ENTITY || status == StatusCode::SEE_OTHER, "{status}");
    }
    let tenant = app.tenant_id("siloah").await;
    let audit = app.store.audit(tenant, 300).await.unwrap();
    let checked = audit.iter().filter(|e| e.detail.starts_with("wachtwoord onjuist bij herstel")).count();
    assert!((1..=5).contains(&checked), "{checked} of 50 guesses were checked against the password");
    let username = careportal_domain::people::Username::parse("anna@example.nl").unwrap();
    let anna = app.store.account_by_username(tenant, &username).await.unwrap().unwrap().id;
    let credentials = app.store.credentials(tenant, anna).await.unwrap().unwrap();
    assert!(credentials.is_locked(app.clock.now()), "the lock that stops a guesser at the login stops this one");
}
