//! Mijn profiel over HTTP, on both databases.

use crate::signin::{enroll, now_unix};
use crate::sms::activate;
use axum::http::StatusCode;
use careportal_tests::{Backend, TestApp, on_both_backends};

on_both_backends!(
    the_second_factor_is_reset_only_with_password_and_code,
    devices_are_listed_revoked_and_everything_ends_everywhere,
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
