//! E-mail transports: SMTP (lettre; STARTTLS or TLS as the URL says) in production, and in
//! development one RFC 5322 file per message in `<data>/outbox/mail/`.

use careportal_domain::outbox::MessageId;
use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// Worth trying again later (connection refused, 4xx).
    #[error("tijdelijk: {0}")]
    Temporary(String),
    /// Will not get better by trying again (5xx, a bad address).
    #[error("blijvend: {0}")]
    Permanent(String),
}

impl MailError {
    pub fn is_permanent(&self) -> bool {
        matches!(self, MailError::Permanent(_))
    }
}

#[derive(Clone)]
enum Transport {
    Folder(PathBuf),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

#[derive(Clone)]
pub struct Mailer {
    transport: Transport,
    from_address: String,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match &self.transport {
            Transport::Folder(dir) => format!("folder {}", dir.display()),
            Transport::Smtp(_) => "smtp".to_owned(),
        };
        f.debug_struct("Mailer").field("transport", &kind).field("from", &self.from_address).finish()
    }
}

impl Mailer {
    /// Development: each message becomes a file in `dir`.
    pub fn folder(dir: PathBuf, from_address: &str) -> Self {
        Self { transport: Transport::Folder(dir), from_address: from_address.to_owned() }
    }

    /// Production: `smtp://user:pass@host:587?tls=required` (STARTTLS), `smtps://host:465`,
    /// or plain `smtp://host:25` for a relay on the same machine.
    pub fn smtp(url: &str, from_address: &str) -> Result<Self, MailError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| MailError::Permanent(format!("smtp_url: {e}")))?
            .build();
        Ok(Self { transport: Transport::Smtp(transport), from_address: from_address.to_owned() })
    }

    pub async fn send(
        &self,
        from_name: &str,
        to: &str,
        subject: &str,
        body: &str,
        id: MessageId,
    ) -> Result<(), MailError> {
        let from: Mailbox = format!("{from_name} <{}>", self.from_address)
            .parse()
            .or_else(|_| self.from_address.parse())
            .map_err(|e| MailError::Permanent(format!("afzender: {e}")))?;
        let to: Mailbox = to.parse().map_err(|e| MailError::Permanent(format!("ontvanger: {e}")))?;
        let domain = self.from_address.split('@').nth(1).unwrap_or("careportal.localhost");
        let message = Message::builder()
            .from(from)
            .to(to)
            .subject(subject)
            .message_id(Some(format!("<{id}@{domain}>")))
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_owned())
            .map_err(|e| MailError::Permanent(format!("bericht: {e}")))?;
        match &self.transport {
            Transport::Folder(dir) => {
                let dir = dir.clone();
                let bytes = message.formatted();
                tokio::task::spawn_blocking(move || write_eml(&dir, id, &bytes))
                    .await
                    .map_err(|e| MailError::Temporary(e.to_string()))?
            }
            Transport::Smtp(smtp) => match smtp.send(message).await {
                Ok(_) => Ok(()),
                Err(e) if e.is_permanent() => Err(MailError::Permanent(e.to_string())),
                Err(e) => Err(MailError::Temporary(e.to_string())),
            },
        }
    }
}

/// Writes under a temporary name and renames, so a reader never sees half a message.
fn write_eml(dir: &std::path::Path, id: MessageId, bytes: &[u8]) -> Result<(), MailError> {
    std::fs::create_dir_all(dir).map_err(|e| MailError::Temporary(format!("{}: {e}", dir.display())))?;
    let name = format!("{}-{id}.eml", chrono::Utc::now().format("%Y%m%dT%H%M%S"));
    let temporary = dir.join(format!(".{name}.tmp"));
    std::fs::write(&temporary, bytes).map_err(|e| MailError::Temporary(e.to_string()))?;
    std::fs::rename(&temporary, dir.join(name)).map_err(|e| MailError::Temporary(e.to_string()))
}
