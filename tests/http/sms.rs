//! SMS as the second factor, over HTTP on both databases: activation in the manual's three
//! steps and the daily login with "SMS code aanvragen" (1768-123456), read back from the
//! development SMS outbox.

use axum::http::StatusCode;
use careportal_tests::client::TestClient;
use careportal_tests::{Backend, TestApp, on_both_backends};

on_both_backends!(
    salem_activates_sms_then_logs_in_with_a_code,
    sms_codes_work_once_for_five_minutes_and_are_limited,
    parallel_wrong_codes_get_no_more_than_five_checks,
    a_burst_of_code_requests_sends_no_more_than_the_hourly_limit,
    only_mobile_numbers_of_allowed_countries,
    salem_asks_for_sms_only_on_a_new_device_or_after_90_days,
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

pub(crate) async fn activate(app: &TestApp, client: &mut TestClient, username: &str) {
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
    assert!(before >= 2);
    assert_eq!(app.sms_sent().await.len(), 5, "the first login and enrolment made two, three more, then the limit");
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

async fn salem_asks_for_sms_only_on_a_new_device_or_after_90_days(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.person("salem", "willem@example.nl", PASSWORD, false).await;
    app.person("salem", "anneke@example.nl", PASSWORD, false).await;
    let password_only = |user: &'static str| [("gebruikersnaam", user), ("wachtwoord", PASSWORD)];

    let mut laptop = app.client(HOST);
    activate(&app, &mut laptop, "willem@example.nl").await;
    let device = laptop.cookies.get("cp_device").cloned().expect("the device is trusted after the first login");
    let response = laptop.submit("/home", "/uitloggen", &[]).await;
    assert_eq!(response.header("location"), Some("/inloggen?uitgelogd=1"));
    assert_eq!(laptop.cookies.get("cp_device"), Some(&device), "logging out keeps the device trusted");

    // The same device a month later: no SMS.
    app.clock.advance(chrono::Duration::days(30));
    let again = laptop.submit("/inloggen", "/inloggen", &password_only("willem@example.nl")).await;
    assert_eq!(again.header("location"), Some("/home"), "{}", again.body);

    // Another device: SMS.
    let mut phone = app.client(HOST);
    let new_device = phone.submit("/inloggen", "/inloggen", &password_only("willem@example.nl")).await;
    assert_eq!(new_device.header("location"), Some("/inloggen/code"));

    // Someone else on the trusted laptop: their own second factor, not Willem's trust.
    laptop.submit("/home", "/uitloggen", &[]).await;
    let other = laptop.submit("/inloggen", "/inloggen", &password_only("anneke@example.nl")).await;
    assert_eq!(other.header("location"), Some("/inloggen/activeren"));

    // More than 90 days without logging in: SMS again.
    app.clock.advance(chrono::Duration::days(91));
    let mut laptop2 = app.client(HOST);
    laptop2.cookies.insert("cp_device".to_owned(), device.clone());
    let expired = laptop2.submit("/inloggen", "/inloggen", &password_only("willem@example.nl")).await;
    assert_eq!(expired.header("location"), Some("/inloggen/code"));

    // A revoked device is not trusted any more.
    let tenant = app.store.tenant_by_slug("salem").await.unwrap().unwrap().id;
    let account = app
        .store
        .account_by_username(tenant, &careportal_domain::people::Username::parse("willem@example.nl").unwrap())
        .await
        .unwrap()
        .unwrap();
    let mut fresh = app.client(HOST);
    activate_again(&app, &mut fresh).await;
    let devices = app.store.devices(tenant, account.id).await.unwrap();
    assert!(!devices.is_empty());
    assert_eq!(devices[0].label, "Een browser", "the test client names no browser");
    let origin = careportal_domain::audit::Origin::system("test");
    app.store.revoke_devices(tenant, &origin, account.id, None).await.unwrap();
    fresh.submit("/home", "/uitloggen", &[]).await;
    let revoked = fresh.submit("/inloggen", "/inloggen", &password_only("willem@example.nl")).await;
    assert_eq!(revoked.header("location"), Some("/inloggen/code"));

    // Siloah asks at every login: no device is ever trusted there.
    app.person("siloah", "ingrid@example.nl", PASSWORD, false).await;
    let mut siloah = app.client("siloah.localhost");
    siloah.submit("/inloggen", "/inloggen", &password_only("ingrid@example.nl")).await;
    let page = siloah.get("/inloggen/activeren/app").await;
    let secret =
        careportal_auth::TotpSecret::from_base32(&careportal_tests::client::text_of_id(&page.body, "sleutel").unwrap())
            .unwrap();
    let now = u64::try_from(careportal_domain::clock::Clock::now(&app.clock).timestamp()).unwrap();
    let code = secret.code_at(now).unwrap();
    siloah.submit("/inloggen/activeren/app", "/inloggen/activeren/app", &[("code", &code)]).await;
    assert!(!siloah.cookies.contains_key("cp_device"));
}

/// Logs Willem in on a new client with an SMS code, which trusts that device.
async fn activate_again(app: &TestApp, client: &mut TestClient) {
    let fields = [("gebruikersnaam", "willem@example.nl"), ("wachtwoord", PASSWORD), ("actie", "sms")];
    let before = app.sms(1).await.len();
    client.submit("/inloggen", "/inloggen", &fields).await;
    let (_, code) = code_in(app.sms(before + 1).await.last().unwrap());
    let response = client.submit("/inloggen/code", "/inloggen/code", &[("code", &code)]).await;
    assert_eq!(response.header("location"), Some("/home"));
    assert!(client.cookies.contains_key("cp_device"));
}

/// Two hundred wrong codes at once for one SMS code: each check takes one of the code's five
/// tries first, in one statement, so at most five are compared and counted; the rest are told
/// the code is used up, and the right code no longer works.
async fn parallel_wrong_codes_get_no_more_than_five_checks(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.person("salem", "willem@example.nl", PASSWORD, false).await;
    activate(&app, &mut app.client(HOST), "willem@example.nl").await;
    let fields = [("gebruikersnaam", "willem@example.nl"), ("wachtwoord", PASSWORD), ("actie", "sms")];
    let mut client = app.client(HOST);
    client.submit("/inloggen", "/inloggen", &fields).await;
    let (_, code) = code_in(app.sms(2).await.last().unwrap());
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let form = client.get("/inloggen/code").await;
    let csrf = careportal_tests::client::csrf_of(&form.body).unwrap();

    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..200 {
        let mut attacker = app.client(HOST);
        attacker.cookies = client.cookies.clone();
        let csrf = csrf.clone();
        tasks.spawn(async move {
            let answer = attacker.post("/inloggen/code", &[("code", wrong), ("csrf", &csrf)]).await;
            answer.body.contains("Vul de 6 cijfers na het min-teken")
        });
    }
    let mut checked = 0;
    while let Some(result) = tasks.join_next().await {
        checked += usize::from(result.unwrap());
    }
    assert!(checked <= 5, "{checked} of 200 wrong codes were checked");
    let failures = code_failures(&app).await;
    assert!(failures <= 5, "the code counted {failures} failures");
    let right = client.post("/inloggen/code", &[("code", &code), ("csrf", &csrf)]).await;
    assert_ne!(right.header("location"), Some("/home"), "the code is used up");
}

/// The most failures any one-time code of this database has counted.
async fn code_failures(app: &TestApp) -> i64 {
    app.db.count("SELECT CAST(COALESCE(MAX(failures), 0) AS BIGINT) FROM one_time_codes", &[]).await
}

/// #13 Medium 4, the SMS caps: thirty logins asking for a code at once send no more than the
/// account's five an hour (two of which enrolment and its first login already took).
async fn a_burst_of_code_requests_sends_no_more_than_the_hourly_limit(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.person("salem", "willem@example.nl", PASSWORD, false).await;
    activate(&app, &mut app.client(HOST), "willem@example.nl").await;
    let before = app.sms(0).await.len();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..30 {
        let mut client = app.client(HOST);
        tasks.spawn(async move {
            let fields = [("gebruikersnaam", "willem@example.nl"), ("wachtwoord", PASSWORD), ("actie", "sms")];
            client.submit("/inloggen", "/inloggen", &fields).await.status
        });
    }
    while let Some(status) = tasks.join_next().await {
        status.unwrap();
    }
    let sent = app.sms_sent().await.len();
    assert!(sent <= 5, "{sent} SMS in the hour (from {before}), the limit is five");
    assert!(sent > before, "some were sent");
}
