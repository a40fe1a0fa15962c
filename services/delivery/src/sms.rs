//! SMS transports: AWS SNS (transactional, the tenant's sender id) in production, and in
//! development one JSON line per message in `<data>/outbox/sms.jsonl`.

use crate::mail::MailError;
use aws_sdk_sns::types::MessageAttributeValue;
use std::io::Write;
use std::path::PathBuf;

#[derive(Clone)]
enum Transport {
    File(PathBuf),
    Sns(aws_sdk_sns::Client),
}

#[derive(Clone)]
pub struct SmsSender {
    transport: Transport,
}

impl std::fmt::Debug for SmsSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.transport {
            Transport::File(path) => write!(f, "SmsSender(file {})", path.display()),
            Transport::Sns(_) => f.write_str("SmsSender(sns)"),
        }
    }
}

impl SmsSender {
    /// Development: messages are appended to this file, one JSON object per line.
    pub fn file(path: PathBuf) -> Self {
        Self { transport: Transport::File(path) }
    }

    /// Production: SNS, with region and credentials from the standard AWS chain; `endpoint`
    /// overrides the address (a test server, a VPC endpoint).
    pub async fn sns(endpoint: Option<&str>) -> Self {
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
        if let Some(endpoint) = endpoint {
            loader = loader.endpoint_url(endpoint);
        }
        let config = loader.load().await;
        Self { transport: Transport::Sns(aws_sdk_sns::Client::new(&config)) }
    }

    /// SNS through a client configured elsewhere (tests, or a deployment's own settings).
    pub fn from_client(client: aws_sdk_sns::Client) -> Self {
        Self { transport: Transport::Sns(client) }
    }

    pub async fn send(&self, tenant: &str, sender_id: &str, to: &str, body: &str) -> Result<(), MailError> {
        match &self.transport {
            Transport::File(path) => {
                let line = serde_json_line(tenant, to, body);
                let path = path.clone();
                tokio::task::spawn_blocking(move || append(&path, &line))
                    .await
                    .map_err(|e| MailError::Temporary(e.to_string()))?
            }
            Transport::Sns(client) => {
                let attribute =
                    |value: &str| MessageAttributeValue::builder().data_type("String").string_value(value).build();
                let sms_type = attribute("Transactional").map_err(|e| MailError::Permanent(e.to_string()))?;
                let sender = attribute(sender_id).map_err(|e| MailError::Permanent(e.to_string()))?;
                let result = client
                    .publish()
                    .phone_number(to)
                    .message(body)
                    .message_attributes("AWS.SNS.SMS.SMSType", sms_type)
                    .message_attributes("AWS.SNS.SMS.SenderID", sender)
                    .send()
                    .await;
                match result {
                    Ok(_) => Ok(()),
                    Err(error) => {
                        let text = aws_sdk_sns::error::DisplayErrorContext(&error).to_string();
                        // A number SNS refuses will not be accepted later either.
                        if text.contains("InvalidParameter") {
                            Err(MailError::Permanent(text))
                        } else {
                            Err(MailError::Temporary(text))
                        }
                    }
                }
            }
        }
    }
}

fn serde_json_line(tenant: &str, to: &str, body: &str) -> String {
    let at = chrono::Utc::now().to_rfc3339();
    serde_json::json!({ "to": to, "body": body, "tenant": tenant, "at": at }).to_string()
}

fn append(path: &std::path::Path, line: &str) -> Result<(), MailError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| MailError::Temporary(e.to_string()))?;
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| MailError::Temporary(format!("{}: {e}", path.display())))?;
    writeln!(file, "{line}").map_err(|e| MailError::Temporary(e.to_string()))
}
