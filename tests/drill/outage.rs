//! Mail and SMS through an outage (#14 item 4): the SMTP server and SNS (moto) are down for
//! ten minutes of the portal's clock while messages keep coming; the worker tries on its
//! schedule the whole time. Once both are back, everything is delivered exactly once:
//! nothing lost, nothing doubled.

use careportal_delivery::{Mailer, SmsSender, Transports, deliver_due, enqueue_email, enqueue_sms};
use careportal_domain::clock::Clock;
use careportal_tests::moto::Moto;
use careportal_tests::smtp::{SmtpSink, free_port};
use careportal_tests::{Backend, TestApp};
use std::collections::BTreeSet;

#[derive(Debug, Default)]
pub struct Figures {
    pub mails: usize,
    pub sms: usize,
    /// Delivered once each after the outage.
    pub mails_delivered: usize,
    pub sms_delivered: usize,
    /// Delivered more than once.
    pub doubled: usize,
    /// Given up (marked failed) or still waiting at the end.
    pub lost: usize,
    /// What went out while the services were down (must be nothing: they were down).
    pub during_outage: usize,
}

pub async fn run(backend: Backend, count: usize) -> Figures {
    // A portal of its own, so only this drill's messages are in its outbox.
    let app = TestApp::builder(backend).tenants(&["siloah"]).build().await;
    let tenant = app.store.tenant_by_slug("siloah").await.unwrap().unwrap();
    let keys = careportal_tests::app::settings(true, false).keys.secret_box.clone();
    let (smtp_port, sns_port) = (free_port(), free_port());
    let transports = Transports {
        mail: Mailer::smtp(&format!("smtp://127.0.0.1:{smtp_port}"), "noreply@siloah.example").unwrap(),
        sms: SmsSender::from_client(careportal_tests::moto::sns_client(&format!("http://127.0.0.1:{sns_port}"))),
    };
    let mut figures = Figures { mails: count, sms: count, ..Figures::default() };

    // Down: nobody listens on either port. Messages arrive over ten minutes while the worker
    // runs every thirty seconds.
    let rounds = 20;
    let mut made = 0;
    for round in 0..rounds {
        while made < count * (round + 1) / rounds {
            let to = format!("persoon{made}@example.nl");
            let body = format!("Bericht {made}");
            enqueue_email(app.store.as_ref(), &keys, tenant.id, &to, "Onderwerp", &body).await.unwrap();
            let number = format!("+3161{:07}", made);
            enqueue_sms(app.store.as_ref(), &keys, tenant.id, &number, &format!("Code {made}")).await.unwrap();
            made += 1;
        }
        loop {
            let sent = deliver_due(app.store.as_ref(), &tenant, &transports, &keys, app.clock.now()).await.unwrap();
            figures.during_outage += sent.sent as usize;
            if sent.retried + sent.failed + sent.sent == 0 {
                break;
            }
        }
        app.clock.advance(chrono::Duration::seconds(30));
    }

    // Back, on the same ports.
    let maildir = tempfile::tempdir().unwrap();
    let sink = SmtpSink::start(smtp_port, maildir.path()).await;
    let moto = Moto::start_on(sns_port).await;
    for _ in 0..400 {
        let due = deliver_due(app.store.as_ref(), &tenant, &transports, &keys, app.clock.now()).await.unwrap();
        let waiting =
            app.db.count("SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL", &[]).await;
        if waiting == 0 {
            break;
        }
        if due.sent + due.retried + due.failed == 0 {
            // Everything left waits for its next attempt: let the clock get there.
            app.clock.advance(chrono::Duration::minutes(1));
        }
    }
    let mails = sink.messages();
    let ids: Vec<String> =
        mails.iter().filter_map(|m| m.lines().find(|l| l.starts_with("Message-ID:")).map(str::to_owned)).collect();
    let unique: BTreeSet<&String> = ids.iter().collect();
    figures.mails_delivered = unique.len();
    let sms = moto.sms().await;
    let unique_sms: BTreeSet<&(String, String)> = sms.iter().collect();
    figures.sms_delivered = unique_sms.len();
    figures.doubled = (ids.len() - unique.len()) + (sms.len() - unique_sms.len());
    figures.lost = app.db.count("SELECT count(*) FROM outbox WHERE sent_at IS NULL", &[]).await as usize;
    figures
}
