//! Berichten with the care coordinator (Coördinator zorg): one thread per client.

use crate::ids::CareMessageId;
use crate::{AccountId, ClientId, DomainError};
use chrono::{DateTime, Utc};
use serde::Serialize;

pub const MESSAGE_MAX_CHARS: usize = 2000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CareMessage {
    pub id: CareMessageId,
    pub client: ClientId,
    pub sent_at: DateTime<Utc>,
    pub sender: String,
    /// The portal account that sent it; None for the coordinator (from the ECD).
    pub sender_account: Option<AccountId>,
    pub body: String,
}

impl CareMessage {
    pub fn from_portal(&self) -> bool {
        self.sender_account.is_some()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCareMessage {
    pub sent_at: DateTime<Utc>,
    pub sender: String,
    pub sender_account: Option<AccountId>,
    pub body: String,
}

pub fn message_text(text: &str) -> Result<String, DomainError> {
    super::person_text("bericht", text, MESSAGE_MAX_CHARS, "Typ eerst uw bericht.")
}

/// A message between two people with access to a client's portal (Salem: the client and
/// their contact persons; not to care staff). Only its sender and its recipient see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NetworkMessage {
    pub id: crate::ids::NetworkMessageId,
    pub client: ClientId,
    pub sent_at: DateTime<Utc>,
    pub sender: AccountId,
    pub sender_name: String,
    pub recipient: AccountId,
    pub recipient_name: String,
    pub body: String,
}
