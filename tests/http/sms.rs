//! SMS as the second factor, over HTTP on both databases: activation in the manual's three
//! steps and the daily login with "SMS code aanvragen" (1768-123456), read back from the
//! development SMS outbox.

use axum::http::StatusCode;
use careportal_tests::client::TestClient;
use careportal_tests::{Backend, TestApp, on_both_backends};

on_both_backends!(
    salem_activates_sms_then_logs_in_with_a_code,
    sms_codes_work_once_for_five_minutes_and_are_limited,
    only_mobile_numbers_of_allowed_countries,
);

const HOST: &str = "salem.localhost";
const PASSWORD: &str = "Zonnebloem!Tafel7";

/// The code in the newest SMS: (prefix, six digits) or (six digits, "") for a registration code.
fn code_in(line: &str) -> (String, String) {
    let body = line.split("\"body\":\"").nth(1).unwrap().split('"').next().unwrap();
    let word = body.split_whitespace().find(|w| w.chars().next().is_some_and(|c| c.is_ascii_digit())).unwrap();
    let word = word.trim_end_matches('.');
    match word.split_once('-') {
        Some((prefix, code)) => (prefix.to_owned(), code.to_owned()),
        None => (word.to_owned(), String::new()),
    }
}

async fn activate(app: &TestApp, client: &mut TestClient, username: &str) {
    let response =
        client.submit("/inloggen", "/inloggen", &[("gebruikersnaam", username), ("wachtwoord", PASSWORD)]).await;
    assert_eq!(response.header("location"), Some("/inloggen/activeren"));
    let sent = client
        .submit(
            "/inloggen/activeren/sms",
            "/inloggen/activeren/sms",
            &[("nummer", "06-12345678"), ("actie", "versturen")],
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    assert!(sent.body.contains("Er is een registratiecode verstuurd naar +31 6 •••• ••78"));
    let sms = app.sms(1).await;
    assert!(sms.last().unwrap().contains("\"to\":\"+31612345678\""), "{sms:?}");
    assert!(sms.last().unwrap().contains("\"tenant\":\"salem\""));
    let (code, _) = code_in(sms.last().unwrap());
    let checked = client
        .submit(
            "/inloggen/activeren/sms",
            "/inloggen/activeren/sms",
            &[("registratiecode", &code), ("actie", "controleren")],
        )
        .await;
    assert!(checked.body.contains("De registratiecode klopt."), "{}", checked.body);
    let confirmed =
        client.submit("/inloggen/activeren/sms", "/inloggen/activeren/sms", &[("actie", "bevestigen")]).await;
    assert_eq!(confirmed.header("location"), Some("/home"), "{}", confirmed.body);
}

async fn salem_activates_sms_then_logs_in_with_a_code(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.person("salem", "willem@example.nl", PASSWORD, false).await;
    let mut client = app.client(HOST);
    let response = client
        .submit("/inloggen", "/inloggen", &[("gebruikersnaam", "willem@example.nl"), ("wachtwoord", PASSWORD)])
        .await;
    assert_eq!(response.header("location"), Some("/inloggen/activeren"));
    let choice = client.get("/inloggen/activeren").await;
    assert!(choice.body.contains(">SMS<") && !choice.body.contains("Authenticator"), "Salem offers SMS only");
    let page = client.get("/inloggen/activeren/sms").await;
    for words in ["Stap 1: voer uw GSM nummer in", "Verstuur registratiecode", "Stap 3: Registratiecode", "Controleer"]
    {
        assert!(page.body.contains(words), "{words}");
    }

    let mut first = app.client(HOST);
    activate(&app, &mut first, "willem@example.nl").await;
    assert_eq!(first.get("/home").await.status, StatusCode::OK);

    // Daily login: the password, then "SMS code aanvragen"; the first four digits on screen.
    let mut client = app.client(HOST);
    let fields = [("gebruikersnaam", "willem@example.nl"), ("wachtwoord", PASSWORD), ("actie", "sms")];
    let page = client.submit("/inloggen", "/inloggen", &fields).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let sms = app.sms(2).await;
    let (prefix, code) = code_in(sms.last().unwrap());
    assert_eq!((prefix.len(), code.len()), (4, 6), "{sms:?}");
    assert!(page.body.contains(&format!("de code begint met \"{prefix}\"")), "{}", page.body);
    assert!(sms.last().unwrap().contains("is uw inlogcode voor het Salem Cliëntportaal"));

    let wrong = client.submit("/inloggen/code", "/inloggen/code", &[("code", "000000")]).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("Vul de 6 cijfers na het min-teken"));
    let right = client.submit("/inloggen/code", "/inloggen/code", &[("code", &code)]).await;
    assert_eq!(right.header("location"), Some("/home"));

    let tenant = app.store.tenant_by_slug("salem").await.unwrap().unwrap().id;
    let audit = app.store.audit(tenant, 50).await.unwrap();
    let enrolled = audit.iter().find(|e| e.action == "factor.enrolled").unwrap();
    assert!(
        enrolled.detail.contains("+31 6 •••• ••78") && !enrolled.detail.contains("12345678"),
        "{}",
        enrolled.detail
    );
}

async fn sms_codes_work_once_for_five_minutes_and_are_limited(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.person("salem", "willem@example.nl", PASSWORD, false).await;
    activate(&app, &mut app.client(HOST), "willem@example.nl").await;
    let fields = [("gebruikersnaam", "willem@example.nl"), ("wachtwoord", PASSWORD), ("actie", "sms")];

    // Five minutes at most.
    let mut client = app.client(HOST);
    client.submit("/inloggen", "/inloggen", &fields).await;
    let (_, code) = code_in(app.sms(2).await.last().unwrap());
    app.clock.advance(chrono::Duration::minutes(5));
    let late = client.submit("/inloggen/code", "/inloggen/code", &[("code", &code)]).await;
    assert!(late.body.contains("Deze code is verlopen of al gebruikt."), "{}", late.body);

    // A code works for the session that asked for it, once.
    let mut client = app.client(HOST);
    client.submit("/inloggen", "/inloggen", &fields).await;
    let (prefix, code) = code_in(app.sms(3).await.last().unwrap());
    let mut thief = app.client(HOST);
    let other = thief
        .submit("/inloggen", "/inloggen", &[("gebruikersnaam", "willem@example.nl"), ("wachtwoord", PASSWORD)])
        .await;
    assert_eq!(other.header("location"), Some("/inloggen/code"));
    let stolen = thief.submit("/inloggen/code", "/inloggen/code", &[("code", &code)]).await;
    assert_ne!(stolen.header("location"), Some("/home"), "another session's code does not work");
    let whole = format!("{prefix}-{code}");
    let right = client.submit("/inloggen/code", "/inloggen/code", &[("code", &whole)]).await;
    assert_eq!(right.header("location"), Some("/home"), "the whole 1768-123456 works too");

    // Five SMS an hour per account; the sixth is not sent.
    let before = app.sms(3).await.len();
    let mut client = app.client(HOST);
    for _ in 0..3 {
        client.submit("/inloggen", "/inloggen", &fields).await;
    }
    let limited = client.submit("/inloggen", "/inloggen", &fields).await;
    assert!(limited.body.contains("te veel SMS-codes"), "{}", limited.body);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(app.sms(before).await.len(), 5, "the first login and enrolment made two, three more, then the limit");
}

async fn only_mobile_numbers_of_allowed_countries(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.person("salem", "willem@example.nl", PASSWORD, false).await;
    let mut client = app.client(HOST);
    client.submit("/inloggen", "/inloggen", &[("gebruikersnaam", "willem@example.nl"), ("wachtwoord", PASSWORD)]).await;
    let landline = client
        .submit(
            "/inloggen/activeren/sms",
            "/inloggen/activeren/sms",
            &[("nummer", "020 1234567"), ("actie", "versturen")],
        )
        .await;
    assert_eq!(landline.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(landline.body.contains("Dit is geen mobiel nummer."));
    assert!(landline.body.contains("value=\"020 1234567\""), "what was typed is kept");
    let uk = client
        .submit(
            "/inloggen/activeren/sms",
            "/inloggen/activeren/sms",
            &[("nummer", "+44 7700 900123"), ("actie", "versturen")],
        )
        .await;
    assert!(uk.body.contains("Mobiele nummers uit dit land kunnen hier geen SMS ontvangen."));
    // Salem allows Belgian numbers; Siloah does not.
    let belgian = client
        .submit(
            "/inloggen/activeren/sms",
            "/inloggen/activeren/sms",
            &[("nummer", "+32 470 12 34 56"), ("actie", "versturen")],
        )
        .await;
    assert!(belgian.body.contains("Er is een registratiecode verstuurd naar +32 4 •••• ••56"), "{}", belgian.body);

    app.person("siloah", "ingrid@example.nl", PASSWORD, false).await;
    let mut siloah = app.client("siloah.localhost");
    siloah.submit("/inloggen", "/inloggen", &[("gebruikersnaam", "ingrid@example.nl"), ("wachtwoord", PASSWORD)]).await;
    let refused = siloah
        .submit(
            "/inloggen/activeren/sms",
            "/inloggen/activeren/sms",
            &[("nummer", "+32 470 12 34 56"), ("actie", "versturen")],
        )
        .await;
    assert!(refused.body.contains("Mobiele nummers uit België kunnen hier geen SMS ontvangen."), "{}", refused.body);
}
