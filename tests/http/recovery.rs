//! Wachtwoord vergeten? over HTTP, on both databases: an e-mail with a link that works once
//! for an hour, the same answer for every username, and the second factor still asked after.

use axum::http::StatusCode;
use careportal_tests::{Backend, TestApp, on_both_backends};

on_both_backends!(
    a_reset_link_by_email_sets_a_new_password_once,
    the_answer_is_the_same_for_unknown_users_and_resets_are_limited,
    a_reset_link_expires_after_an_hour,
    a_reset_ends_the_trust_in_every_device,
    the_link_uses_the_tenants_own_address_not_the_host_asked_for,
);

const HOST: &str = "siloah.localhost";
const PASSWORD: &str = "Zonnebloem!Tafel7";

fn link_in(mail: &str) -> String {
    // Quoted-printable may wrap long lines with "=\r\n"; undo that first.
    let text = mail.replace("=\r\n", "").replace("=3D", "=");
    let start = text.find("http://siloah.localhost/wachtwoord-herstellen/").expect("a reset link in the mail");
    text[start..].split_whitespace().next().unwrap().to_owned()
}

async fn a_reset_link_by_email_sets_a_new_password_once(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.person("siloah", "anna@example.nl", PASSWORD, false).await;
    // Signed in on one device, before the reset.
    let mut elsewhere = app.client(HOST);
    let signed = elsewhere
        .submit("/inloggen", "/inloggen", &[("gebruikersnaam", "anna@example.nl"), ("wachtwoord", PASSWORD)])
        .await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER);

    let mut client = app.client(HOST);
    let login = client.get("/inloggen").await;
    assert!(login.body.contains("href=\"/wachtwoord-vergeten\""));
    let response =
        client.submit("/wachtwoord-vergeten", "/wachtwoord-vergeten", &[("gebruikersnaam", "anna@example.nl")]).await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(response.body.contains("Als deze gebruikersnaam bij ons bekend is"));

    let mails = app.mails(1).await;
    let mail = &mails[0];
    assert!(mail.contains("To: anna@example.nl"), "{mail}");
    assert!(mail.contains("Subject: Nieuw wachtwoord kiezen"), "{mail}");
    assert!(mail.contains("From: =?utf-8?") || mail.contains("From: \"Cli"), "the portal's name as sender: {mail}");
    assert!(!mail.contains("Thomas"), "no client data in mail");
    let link = link_in(mail);
    let path = link.trim_start_matches("http://siloah.localhost");

    let form = client.get(path).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("Nieuw wachtwoord kiezen") && form.body.contains("Minimum aantal tekens: 8"));
    let weak = client.submit(path, path, &[("nieuw", "kort"), ("bevestig", "kort")]).await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(weak.body.contains("minimaal 8 tekens"));
    let old = client.submit(path, path, &[("nieuw", PASSWORD), ("bevestig", PASSWORD)]).await;
    assert!(old.body.contains("al gebruikt"), "Siloah: no reuse within a year");

    let next = "Paarse-Olifant-Dans-42";
    let done = client.submit(path, path, &[("nieuw", next), ("bevestig", next)]).await;
    assert_eq!(done.header("location"), Some("/inloggen?hersteld=1"));
    assert!(client.get("/inloggen?hersteld=1").await.body.contains("Uw nieuwe wachtwoord is opgeslagen."));

    assert_eq!(client.get(path).await.status, StatusCode::GONE, "the link works once");
    assert_eq!(
        elsewhere.get("/inloggen/activeren").await.header("location"),
        Some("/inloggen"),
        "other sessions ended"
    );

    // The old password no longer works; the new one does, and the second factor is still asked.
    let mut fresh = app.client(HOST);
    let refused = fresh
        .submit("/inloggen", "/inloggen", &[("gebruikersnaam", "anna@example.nl"), ("wachtwoord", PASSWORD)])
        .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    let accepted =
        fresh.submit("/inloggen", "/inloggen", &[("gebruikersnaam", "anna@example.nl"), ("wachtwoord", next)]).await;
    assert_eq!(accepted.header("location"), Some("/inloggen/activeren"), "not in without a second factor");

    let tenant = app.store.tenant_by_slug("siloah").await.unwrap().unwrap().id;
    let actions: Vec<String> = app.store.audit(tenant, 50).await.unwrap().into_iter().map(|e| e.action).collect();
    assert!(actions.contains(&"password.reset_requested".to_owned()) && actions.contains(&"password.reset".to_owned()));
}

async fn the_answer_is_the_same_for_unknown_users_and_resets_are_limited(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.person("siloah", "anna@example.nl", PASSWORD, false).await;
    let mut client = app.client(HOST);
    let unknown = client
        .submit("/wachtwoord-vergeten", "/wachtwoord-vergeten", &[("gebruikersnaam", "niemand@example.nl")])
        .await;
    let known =
        client.submit("/wachtwoord-vergeten", "/wachtwoord-vergeten", &[("gebruikersnaam", "anna@example.nl")]).await;
    assert_eq!(unknown.status, known.status);
    let strip = |body: &str| body.lines().filter(|l| !l.contains("csrf")).collect::<Vec<_>>().join("\n");
    assert_eq!(strip(&unknown.body), strip(&known.body));
    assert_eq!(app.mails_sent().await.len(), 1, "only the known account gets mail");

    for _ in 0..4 {
        client.submit("/wachtwoord-vergeten", "/wachtwoord-vergeten", &[("gebruikersnaam", "anna@example.nl")]).await;
    }
    assert_eq!(app.mails_sent().await.len(), 3, "three an hour, the rest not sent");
    let empty = client.submit("/wachtwoord-vergeten", "/wachtwoord-vergeten", &[("gebruikersnaam", "")]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.body.contains("Vul uw gebruikersnaam in."));
}

async fn a_reset_link_expires_after_an_hour(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.person("siloah", "anna@example.nl", PASSWORD, false).await;
    let mut client = app.client(HOST);
    client.submit("/wachtwoord-vergeten", "/wachtwoord-vergeten", &[("gebruikersnaam", "anna@example.nl")]).await;
    let link = link_in(&app.mails(1).await[0]);
    let path = link.trim_start_matches("http://siloah.localhost").to_owned();
    app.clock.advance(chrono::Duration::minutes(61));
    let page = client.get(&path).await;
    assert_eq!(page.status, StatusCode::GONE);
    assert!(page.body.contains("Deze link werkt niet meer"));
    let next = "Paarse-Olifant-Dans-42";
    let csrf = careportal_tests::client::csrf_of(&client.get("/inloggen").await.body).unwrap();
    let late = client.post(&path, &[("nieuw", next), ("bevestig", next), ("csrf", &csrf)]).await;
    assert_eq!(late.status, StatusCode::GONE);
}

async fn a_reset_ends_the_trust_in_every_device(backend: Backend) {
    use careportal_domain::audit::Origin;
    use careportal_domain::clock::Clock;
    use careportal_domain::signin::NewDevice;
    let app = TestApp::new(backend).await;
    let account = app.person("salem", "willem@example.nl", PASSWORD, false).await;
    let tenant = app.tenant_id("salem").await;
    let device = NewDevice {
        id: uuid::Uuid::new_v4(),
        account,
        token_hash: "device-hash".to_owned(),
        label: "Firefox op Windows".to_owned(),
        expires_at: app.clock.now() + chrono::Duration::days(90),
    };
    app.store.trust_device(tenant, &Origin::system("test"), &device).await.unwrap();
    assert_eq!(app.store.devices(tenant, account).await.unwrap().len(), 1);

    let mut client = app.client("salem.localhost");
    client.submit("/wachtwoord-vergeten", "/wachtwoord-vergeten", &[("gebruikersnaam", "willem@example.nl")]).await;
    let mail = app.mails(1).await.remove(0).replace("=\r\n", "").replace("=3D", "=");
    let start = mail.find("/wachtwoord-herstellen/").expect("a reset link");
    let path = mail[start..].split_whitespace().next().unwrap().to_owned();
    let next = "Paarse-Olifant-Dans-42";
    let done = client.submit(&path, &path, &[("nieuw", next), ("bevestig", next)]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert!(app.store.devices(tenant, account).await.unwrap().is_empty(), "no device is trusted after a reset");
    assert!(app.store.trusted_device(tenant, "device-hash").await.unwrap().is_none());
}

/// A tenant served on an old and a new address: the link in the mail names the first
/// configured hostname, whichever one the request came on.
async fn the_link_uses_the_tenants_own_address_not_the_host_asked_for(backend: Backend) {
    use careportal_domain::audit::Origin;
    let app = TestApp::builder(backend).settings(careportal_tests::app::settings(false, true)).build().await;
    let mut bundle = careportal_tests::fixtures::bundle("siloah").await;
    bundle.config.hostnames.push("oud.siloah.example".to_owned());
    app.store.apply_tenant(&Origin::system("test"), &bundle).await.unwrap();
    app.person("siloah", "anna@example.nl", PASSWORD, false).await;
    let mut client = app.client("oud.siloah.example");
    let asked =
        client.submit("/wachtwoord-vergeten", "/wachtwoord-vergeten", &[("gebruikersnaam", "anna@example.nl")]).await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    let mail = app.mails(1).await.remove(0).replace("=\r\n", "").replace("=3D", "=");
    assert!(mail.contains("https://clientportaal.siloah.nl/wachtwoord-herstellen/"), "{mail}");
    assert!(!mail.contains("oud.siloah.example"), "{mail}");
}
