//! No token or code reaches a log line. This binary captures everything the portal logs (at
//! debug level, more than production writes) while a person walks a forgotten password, a
//! login and the SMS activation, then looks for every token, cookie and code they were given.
//! A test binary of its own, because the capture is process-wide.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::http::StatusCode;
use careportal_tests::{Backend, TestApp, on_both_backends};
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

on_both_backends!(no_token_cookie_or_code_reaches_the_log);

const HOST: &str = "siloah.localhost";
const PASSWORD: &str = "Zonnebloem!Tafel7";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn captured() -> &'static Captured {
    static LOG: OnceLock<Captured> = OnceLock::new();
    LOG.get_or_init(|| {
        let log = Captured::default();
        let writer = log.clone();
        tracing_subscriber::fmt()
            .with_env_filter("debug")
            .with_ansi(false)
            // No timestamps: their microseconds could match a six-digit code by chance.
            .without_time()
            .with_writer(move || writer.clone())
            .init();
        log
    })
}

fn reset_link(mail: &str) -> String {
    let text = mail.replace("=\r\n", "").replace("=3D", "=");
    let start = text.find("/wachtwoord-herstellen/").expect("a reset link in the mail");
    text[start..].split_whitespace().next().unwrap().to_owned()
}

fn code_in(sms_line: &str) -> String {
    let body = sms_line.split("\"body\":\"").nth(1).unwrap().split('"').next().unwrap();
    let word = body.split_whitespace().find(|w| w.chars().next().is_some_and(|c| c.is_ascii_digit())).unwrap();
    word.trim_end_matches('.').to_owned()
}

async fn no_token_cookie_or_code_reaches_the_log(backend: Backend) {
    let log = captured();
    let app = TestApp::new(backend).await;
    app.person("siloah", "anna@example.nl", PASSWORD, false).await;
    let mut secrets: Vec<(String, String)> = Vec::new();

    // Wachtwoord vergeten?: the token is in the link's path.
    let mut client = app.client(HOST);
    client.submit("/wachtwoord-vergeten", "/wachtwoord-vergeten", &[("gebruikersnaam", "anna@example.nl")]).await;
    let path = reset_link(&app.mails(1).await[0]);
    let token = path.trim_start_matches("/wachtwoord-herstellen/").to_owned();
    assert!(token.len() >= 20, "{path}");
    secrets.push(("reset token".into(), token));
    let next = "Paarse-Olifant-Dans-42";
    let done = client.submit(&path, &path, &[("nieuw", next), ("bevestig", next)]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);

    // Login, then activating SMS: a registration code by SMS.
    let login =
        client.submit("/inloggen", "/inloggen", &[("gebruikersnaam", "anna@example.nl"), ("wachtwoord", next)]).await;
    assert_eq!(login.header("location"), Some("/inloggen/activeren"));
    let sent = client
        .submit(
            "/inloggen/activeren/sms",
            "/inloggen/activeren/sms",
            &[("nummer", "06-12345678"), ("actie", "versturen")],
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    let code = code_in(app.sms(1).await.last().unwrap());
    secrets.push(("registration code".into(), code.clone()));
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
    assert_eq!(confirmed.header("location"), Some("/home"));
    assert_eq!(client.get("/home").await.status, StatusCode::OK);
    for (name, value) in &client.cookies {
        secrets.push((format!("cookie {name}"), value.clone()));
    }

    let text = String::from_utf8_lossy(&log.0.lock().unwrap()).into_owned();
    for (what, secret) in &secrets {
        assert!(!text.contains(secret.as_str()), "the {what} {secret} is in the log");
    }
    assert!(text.contains("route=/wachtwoord-herstellen/{token}"), "the route template is logged");
}
