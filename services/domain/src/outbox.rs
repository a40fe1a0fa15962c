//! Messages on their way out (e-mail, SMS) and when to try again.

use crate::TenantId;
use chrono::{DateTime, Duration, Utc};

pub use crate::ids::MessageId;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Email,
    Sms,
}

impl Channel {
    pub fn as_str(&self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "email" => Some(Channel::Email),
            "sms" => Some(Channel::Sms),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    pub id: MessageId,
    pub channel: Channel,
    pub recipient: String,
    pub subject: String,
    /// Sealed: only the sender opens it.
    pub sealed_body: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    pub tenant: TenantId,
    pub id: MessageId,
    pub channel: Channel,
    pub recipient: String,
    pub subject: String,
    pub sealed_body: String,
    /// Including the attempt this claim is for.
    pub attempts: u32,
    pub created_at: DateTime<Utc>,
}

/// Attempts before a message is given up (and the failure logged and audited).
pub const MAX_ATTEMPTS: u32 = 12;

/// How long to wait after failed attempt `attempts`: 30 s, 1, 2, 4 … minutes, at most an hour.
/// Twelve attempts span about six hours: a long outage delays mail, it does not lose it.
pub fn retry_delay(attempts: u32) -> Duration {
    let seconds = 30_i64.saturating_mul(1_i64 << attempts.saturating_sub(1).min(20));
    Duration::seconds(seconds.min(3600))
}

/// How long a claimed message is held by one sender before another may try it.
pub const CLAIM_LEASE_SECONDS: i64 = 120;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_to_an_hour() {
        assert_eq!(retry_delay(1), Duration::seconds(30));
        assert_eq!(retry_delay(2), Duration::seconds(60));
        assert_eq!(retry_delay(5), Duration::seconds(480));
        assert_eq!(retry_delay(30), Duration::seconds(3600));
        let total: i64 = (1..MAX_ATTEMPTS).map(|a| retry_delay(a).num_seconds()).sum();
        assert!(total > 4 * 3600, "a few hours of outage are ridden out: {total}s");
    }
}
