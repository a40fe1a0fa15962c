//! Getting messages out. Whatever sends (a login, a reset, an invitation) puts the message
//! in the outbox first ([`enqueue_email`]); [`deliver_due`] sends what is due, from the web
//! process right away and from the worker as the retry path. An outage delays a message;
//! it is never lost, and a claim lease keeps two senders from sending it twice.
#![forbid(unsafe_code)]

mod mail;
mod sms;

pub use mail::{MailError, Mailer};
pub use sms::SmsSender;

/// Every way out a message can take.
#[derive(Clone, Debug)]
pub struct Transports {
    pub mail: Mailer,
    pub sms: SmsSender,
}

use careportal_auth::SecretBox;
use careportal_domain::TenantId;
use careportal_domain::outbox::{CLAIM_LEASE_SECONDS, Channel, MAX_ATTEMPTS, MessageId, NewMessage, retry_delay};
use careportal_domain::tenant::Tenant;
use careportal_store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("sealing: {0}")]
    Seal(String),
}

fn seal_context(tenant: TenantId, id: MessageId) -> String {
    format!("outbox/{tenant}/{id}")
}

/// Stores an e-mail for sending. The body is sealed at rest: it may hold a one-time link.
pub async fn enqueue_email(
    store: &dyn Store,
    secret_box: &SecretBox,
    tenant: TenantId,
    to: &str,
    subject: &str,
    body: &str,
) -> Result<MessageId, DeliveryError> {
    enqueue(store, secret_box, tenant, Channel::Email, to, subject, body).await
}

/// Stores an SMS for sending; the body is sealed at rest (it holds a code).
pub async fn enqueue_sms(
    store: &dyn Store,
    secret_box: &SecretBox,
    tenant: TenantId,
    to: &str,
    body: &str,
) -> Result<MessageId, DeliveryError> {
    enqueue(store, secret_box, tenant, Channel::Sms, to, "", body).await
}

async fn enqueue(
    store: &dyn Store,
    secret_box: &SecretBox,
    tenant: TenantId,
    channel: Channel,
    to: &str,
    subject: &str,
    body: &str,
) -> Result<MessageId, DeliveryError> {
    let id = MessageId::new();
    let sealed_body =
        secret_box.seal(body.as_bytes(), &seal_context(tenant, id)).map_err(|e| DeliveryError::Seal(e.to_string()))?;
    let message = NewMessage { id, channel, recipient: to.to_owned(), subject: subject.to_owned(), sealed_body };
    store.enqueue_message(tenant, &message).await?;
    Ok(id)
}

/// What one round of sending did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Round {
    pub sent: u32,
    pub retried: u32,
    pub failed: u32,
}

/// Sends the tenant's due messages. Failures are written back with their next attempt;
/// the last attempt marks the message failed.
pub async fn deliver_due(
    store: &dyn Store,
    tenant: &Tenant,
    transports: &Transports,
    secret_box: &SecretBox,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Round, DeliveryError> {
    let mut round = Round::default();
    for message in store.claim_messages(tenant.id, 20, CLAIM_LEASE_SECONDS).await? {
        let result = match secret_box.open(&message.sealed_body, &seal_context(tenant.id, message.id)) {
            Err(_) => Err(MailError::Permanent("het bericht kan niet worden geopend (andere sleutel?)".to_owned())),
            Ok(body) => {
                let body = String::from_utf8_lossy(&body);
                match message.channel {
                    Channel::Email => {
                        let from_name = tenant.config.portal_name();
                        transports.mail.send(&from_name, &message.recipient, &message.subject, &body, message.id).await
                    }
                    Channel::Sms => {
                        let sender = tenant.config.sms_sender();
                        transports.sms.send(tenant.slug.as_str(), &sender, &message.recipient, &body).await
                    }
                }
            }
        };
        let counted = |outcome: &'static str| {
            let (slug, channel) = (tenant.slug.as_str().to_owned(), message.channel.as_str());
            metrics::counter!("careportal_messages_total", "tenant" => slug, "channel" => channel, "outcome" => outcome)
                .increment(1);
        };
        match result {
            Ok(()) => {
                counted("sent");
                store.message_sent(tenant.id, message.id).await?;
                round.sent += 1;
            }
            Err(error) if error.is_permanent() || message.attempts >= MAX_ATTEMPTS => {
                // The recipient is personal data: logs get the message id, and the server's
                // text without any address or number it quoted ("550 <x@y>: unknown user").
                let error = without_recipients(&error.to_string(), &message.recipient);
                tracing::error!(tenant = %tenant.slug, message = %message.id, %error, "bericht opgegeven");
                counted("failed");
                store.message_failed(tenant.id, message.id, &error).await?;
                round.failed += 1;
            }
            Err(error) => {
                let error = without_recipients(&error.to_string(), &message.recipient);
                tracing::warn!(tenant = %tenant.slug, message = %message.id, attempts = message.attempts, %error, "bericht later opnieuw");
                let at = now + retry_delay(message.attempts);
                counted("retried");
                store.message_retry(tenant.id, message.id, at, &error).await?;
                round.retried += 1;
            }
        }
    }
    Ok(round)
}

/// A transport's error text with the recipient taken out, and with any other word that
/// looks like an e-mail address or a phone number (eight digits or more), since SMTP and
/// SNS answers quote them.
fn without_recipients(text: &str, recipient: &str) -> String {
    let text = if recipient.is_empty() { text.to_owned() } else { text.replace(recipient, "[ontvanger]") };
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let digits = word.chars().filter(char::is_ascii_digit).count();
        if word.contains('@') {
            out.push_str("[adres]");
        } else if digits >= 8 {
            out.push_str("[nummer]");
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_whitespace() || "<>,;()\"'[]".contains(c) {
            flush(&mut word, &mut out);
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

#[cfg(test)]
mod redaction_tests {
    use super::without_recipients;

    #[test]
    fn error_texts_lose_addresses_and_numbers() {
        let smtp = "permanent: 550 5.1.1 <ingrid@example.nl>: Recipient address rejected; cc: piet@x.nl";
        let clean = without_recipients(smtp, "ingrid@example.nl");
        assert_eq!(clean, "permanent: 550 5.1.1 <[ontvanger]>: Recipient address rejected; cc: [adres]");
        let sns = "InvalidParameter: Invalid parameter: PhoneNumber Reason: +31612345678 is not valid (31612345678)";
        let clean = without_recipients(sns, "+31612345678");
        assert!(!clean.contains("612345678"), "{clean}");
        assert!(clean.contains("InvalidParameter") && clean.contains("is not valid"), "{clean}");
        assert_eq!(without_recipients("timeout after 30 s (code 421)", "a@b.nl"), "timeout after 30 s (code 421)");
    }
}
