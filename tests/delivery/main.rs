//! E-mail through the outbox and a real SMTP server (aiosmtpd), on both databases: sent
//! once, retried through an outage, given up on what can never be delivered.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use careportal_delivery::{Mailer, SmsSender, Transports, deliver_due, enqueue_email};
use careportal_domain::clock::Clock;
use careportal_tests::smtp::{SmtpSink, free_port};
use careportal_tests::{Backend, TestApp, on_both_backends};

on_both_backends!(
    an_email_reaches_the_smtp_server_once,
    an_outage_delays_mail_and_loses_nothing,
    a_bad_address_is_given_up,
    an_sms_goes_out_through_sns,
    two_senders_at_once_send_each_message_once,
    required_tls_never_falls_back_to_plain_text,
);

fn via(mail: Mailer) -> Transports {
    Transports { mail, sms: SmsSender::file(std::env::temp_dir().join("careportal-unused-sms.jsonl")) }
}

fn secret_box() -> careportal_auth::SecretBox {
    careportal_tests::app::settings(true, false).keys.secret_box.clone()
}

async fn an_email_reaches_the_smtp_server_once(backend: Backend) {
    let app = TestApp::builder(backend).tenants(&["siloah"]).build().await;
    let tenant = app.store.tenant_by_slug("siloah").await.unwrap().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let sink = SmtpSink::start(free_port(), dir.path()).await;
    let mailer = via(Mailer::smtp(&format!("smtp://127.0.0.1:{}", sink.port), "noreply@siloah.example").unwrap());

    let id = enqueue_email(
        app.store.as_ref(),
        &secret_box(),
        tenant.id,
        "ingrid@example.nl",
        "Onderwerp",
        "Beste Ingrid,\n\nHallo.\n",
    )
    .await
    .unwrap();
    let round = deliver_due(app.store.as_ref(), &tenant, &mailer, &secret_box(), app.clock.now()).await.unwrap();
    let status = app.store.message_status(tenant.id, id).await.unwrap().unwrap();
    assert_eq!((round.sent, round.retried, round.failed), (1, 0, 0), "{status:?}");
    let messages = sink.messages();
    assert_eq!(messages.len(), 1);
    assert!(messages[0].contains("To: ingrid@example.nl"), "{}", messages[0]);
    assert!(messages[0].contains("Subject: Onderwerp"));
    assert!(messages[0].contains("noreply@siloah.example"));
    // The sender's name is the portal's, as the person knows it (encoded, for the ë).
    let from = messages[0].lines().find(|l| l.starts_with("From:")).unwrap();
    assert_eq!(decoded_words(from), format!("From: {} <noreply@siloah.example>", tenant.config.portal_name()));
    assert!(messages[0].contains(&format!("Message-ID: <{id}@siloah.example>")));
    assert!(messages[0].contains("Beste Ingrid"));

    let again = deliver_due(app.store.as_ref(), &tenant, &mailer, &secret_box(), app.clock.now()).await.unwrap();
    assert_eq!(again.sent, 0, "a sent message is not sent again");
    assert_eq!(sink.messages().len(), 1);
    assert!(app.store.message_status(tenant.id, id).await.unwrap().unwrap().sent_at.is_some());
}

async fn an_outage_delays_mail_and_loses_nothing(backend: Backend) {
    let app = TestApp::builder(backend).tenants(&["siloah"]).build().await;
    let tenant = app.store.tenant_by_slug("siloah").await.unwrap().unwrap();
    let port = free_port();
    let mailer = via(Mailer::smtp(&format!("smtp://127.0.0.1:{port}"), "noreply@siloah.example").unwrap());
    let id = enqueue_email(app.store.as_ref(), &secret_box(), tenant.id, "ingrid@example.nl", "Onderwerp", "Tekst")
        .await
        .unwrap();

    // Nobody listens: the message waits for its next attempt.
    let round = deliver_due(app.store.as_ref(), &tenant, &mailer, &secret_box(), app.clock.now()).await.unwrap();
    assert_eq!((round.sent, round.retried), (0, 1));
    let status = app.store.message_status(tenant.id, id).await.unwrap().unwrap();
    assert_eq!(status.attempts, 1);
    assert!(status.last_error.is_some());
    assert_eq!(status.next_attempt_at, app.clock.now() + chrono::Duration::seconds(30));
    let early = deliver_due(app.store.as_ref(), &tenant, &mailer, &secret_box(), app.clock.now()).await.unwrap();
    assert_eq!(early, careportal_delivery::Round::default(), "not before its time");

    // The server is back; after the wait the message goes out, once.
    let dir = tempfile::tempdir().unwrap();
    let sink = SmtpSink::start(port, dir.path()).await;
    app.clock.advance(chrono::Duration::seconds(31));
    let round = deliver_due(app.store.as_ref(), &tenant, &mailer, &secret_box(), app.clock.now()).await.unwrap();
    assert_eq!(round.sent, 1);
    assert_eq!(sink.messages().len(), 1);
    let status = app.store.message_status(tenant.id, id).await.unwrap().unwrap();
    assert_eq!((status.attempts, status.last_error), (2, None));
}

async fn a_bad_address_is_given_up(backend: Backend) {
    let app = TestApp::builder(backend).tenants(&["siloah"]).build().await;
    let tenant = app.store.tenant_by_slug("siloah").await.unwrap().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let sink = SmtpSink::start(free_port(), dir.path()).await;
    let mailer = via(Mailer::smtp(&format!("smtp://127.0.0.1:{}", sink.port), "noreply@siloah.example").unwrap());
    let id =
        enqueue_email(app.store.as_ref(), &secret_box(), tenant.id, "geen adres", "Onderwerp", "Tekst").await.unwrap();
    let round = deliver_due(app.store.as_ref(), &tenant, &mailer, &secret_box(), app.clock.now()).await.unwrap();
    assert_eq!(round.failed, 1);
    assert!(app.store.message_status(tenant.id, id).await.unwrap().unwrap().failed_at.is_some());
    assert!(sink.messages().is_empty());
}

async fn an_sms_goes_out_through_sns(backend: Backend) {
    let app = TestApp::builder(backend).tenants(&["siloah"]).build().await;
    let tenant = app.store.tenant_by_slug("siloah").await.unwrap().unwrap();
    let moto = careportal_tests::moto::Moto::start().await;
    let transports = Transports {
        mail: Mailer::folder(std::env::temp_dir().join("careportal-unused-mail"), "noreply@siloah.example"),
        sms: SmsSender::from_client(moto.sns()),
    };
    let body = "1768-123456 is uw inlogcode voor het Cliëntportaal Siloah. Deel deze code met niemand.";
    let id = careportal_delivery::enqueue_sms(app.store.as_ref(), &secret_box(), tenant.id, "+31612345678", body)
        .await
        .unwrap();
    let bad = careportal_delivery::enqueue_sms(app.store.as_ref(), &secret_box(), tenant.id, "0612345678", "x")
        .await
        .unwrap();
    let round = deliver_due(app.store.as_ref(), &tenant, &transports, &secret_box(), app.clock.now()).await.unwrap();
    assert_eq!((round.sent, round.failed), (1, 1), "a number SNS refuses is given up at once");
    assert_eq!(moto.sms().await, vec![("+31612345678".to_owned(), body.to_owned())]);
    // As SNS was asked: transactional (delivered before promotional traffic), with the
    // tenant's sender id (what the phone shows as the sender).
    let publish: Vec<String> = moto.requests().into_iter().filter(|r| r.contains("Action=Publish")).collect();
    assert_eq!(publish.len(), 2, "{publish:?}");
    let sent = publish.iter().find(|r| r.contains("%2B31612345678")).unwrap();
    let sender = tenant.config.sms_sender();
    for (name, value) in [("AWS.SNS.SMS.SMSType", "Transactional"), ("AWS.SNS.SMS.SenderID", sender.as_str())] {
        let attribute = sent
            .split('&')
            .find_map(|pair| {
                let (key, found) = pair.split_once('=')?;
                let entry = key.strip_suffix(".Name")?;
                (found == name).then(|| format!("{entry}.Value.StringValue="))
            })
            .unwrap_or_else(|| panic!("{name} not asked: {sent}"));
        assert!(sent.contains(&format!("{attribute}{value}")), "{name} = {value}: {sent}");
    }
    assert!(app.store.message_status(tenant.id, id).await.unwrap().unwrap().sent_at.is_some());
    let refused = app.store.message_status(tenant.id, bad).await.unwrap().unwrap();
    assert!(refused.failed_at.is_some() && refused.last_error.unwrap().contains("InvalidParameter"));
}

/// The words of a header with RFC 2047 encoded words (=?utf-8?b?…?=) decoded.
fn decoded_words(header: &str) -> String {
    use base64::Engine;
    let mut out = String::new();
    let mut rest = header;
    while let Some(at) = rest.find("=?") {
        out.push_str(&rest[..at]);
        let word = &rest[at + 2..];
        let Some(end) = word.find("?=") else { break };
        let mut parts = word[..end].splitn(3, '?');
        let (_, encoding, text) = (parts.next(), parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let bytes = if encoding.eq_ignore_ascii_case("b") {
            base64::engine::general_purpose::STANDARD.decode(text).unwrap()
        } else {
            text.replace('_', " ").into_bytes()
        };
        out.push_str(&String::from_utf8(bytes).unwrap());
        rest = word[end + 2..].trim_start_matches(' ');
        if !rest.starts_with("=?") && !rest.is_empty() {
            out.push(' ');
        }
    }
    out.push_str(rest);
    out
}

/// Two senders (two workers, or a worker and the web process) at once: each message is
/// claimed by one of them and sent exactly once.
async fn two_senders_at_once_send_each_message_once(backend: Backend) {
    let app = TestApp::builder(backend).tenants(&["siloah"]).build().await;
    let tenant = app.store.tenant_by_slug("siloah").await.unwrap().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let sink = SmtpSink::start(free_port(), dir.path()).await;
    let url = format!("smtp://127.0.0.1:{}", sink.port);
    let mut ids = Vec::new();
    for n in 0..30 {
        let to = format!("persoon{n}@example.nl");
        ids.push(enqueue_email(app.store.as_ref(), &secret_box(), tenant.id, &to, "Onderwerp", "Tekst").await.unwrap());
    }
    let second = app.db.store(std::sync::Arc::new(app.clock.clone())).await;
    let one = via(Mailer::smtp(&url, "noreply@siloah.example").unwrap());
    let other = via(Mailer::smtp(&url, "noreply@siloah.example").unwrap());
    let (keys, now) = (secret_box(), app.clock.now());
    let mut sent = 0;
    for _ in 0..3 {
        let (a, b) = tokio::join!(
            deliver_due(app.store.as_ref(), &tenant, &one, &keys, now),
            deliver_due(second.as_ref(), &tenant, &other, &keys, now),
        );
        sent += a.unwrap().sent + b.unwrap().sent;
    }
    assert_eq!(sent, 30);
    let messages = sink.messages();
    assert_eq!(messages.len(), 30, "each once");
    for id in ids {
        let marker = format!("Message-ID: <{id}@siloah.example>");
        assert_eq!(messages.iter().filter(|m| m.contains(&marker)).count(), 1, "{id}");
    }
}

/// `tls=required` (STARTTLS) and `smtps://` never hand a message to a server in plain text:
/// against a server that offers no TLS the message waits; plain `smtp://` (a relay on the
/// same machine) sends it.
async fn required_tls_never_falls_back_to_plain_text(backend: Backend) {
    let app = TestApp::builder(backend).tenants(&["siloah"]).build().await;
    let tenant = app.store.tenant_by_slug("siloah").await.unwrap().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let sink = SmtpSink::start(free_port(), dir.path()).await;
    let id = enqueue_email(app.store.as_ref(), &secret_box(), tenant.id, "ingrid@example.nl", "Onderwerp", "Tekst")
        .await
        .unwrap();
    for url in [format!("smtp://127.0.0.1:{}?tls=required", sink.port), format!("smtps://127.0.0.1:{}", sink.port)] {
        let mailer = via(Mailer::smtp(&url, "noreply@siloah.example").unwrap());
        let round = deliver_due(app.store.as_ref(), &tenant, &mailer, &secret_box(), app.clock.now()).await.unwrap();
        assert_eq!(round.sent, 0, "{url}");
        assert!(sink.messages().is_empty(), "{url}: nothing went out in plain text");
        app.clock.advance(chrono::Duration::hours(1));
    }
    let plain = via(Mailer::smtp(&format!("smtp://127.0.0.1:{}", sink.port), "noreply@siloah.example").unwrap());
    let round = deliver_due(app.store.as_ref(), &tenant, &plain, &secret_box(), app.clock.now()).await.unwrap();
    assert_eq!(round.sent, 1);
    assert_eq!(sink.messages().len(), 1);
    assert!(app.store.message_status(tenant.id, id).await.unwrap().unwrap().sent_at.is_some());
}
