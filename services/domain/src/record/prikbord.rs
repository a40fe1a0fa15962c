//! Prikbord: posts readable by everyone with access to the client's portal, replies visible
//! to all, photos attached. The author removes their own; the client removes any.

use crate::ids::PostId;
use crate::{AccountId, ClientId, DomainError};
use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Post {
    pub id: PostId,
    pub client: ClientId,
    /// The post this replies to; None for a post of its own.
    pub parent: Option<PostId>,
    pub author: AccountId,
    pub author_name: String,
    pub body: String,
    /// The cleaned photo in the blob store.
    pub photo_key: Option<String>,
    pub created_at: DateTime<Utc>,
}

pub fn post_text(text: &str, has_photo: bool) -> Result<String, DomainError> {
    if has_photo && text.trim().is_empty() {
        return Ok(String::new());
    }
    super::person_text("tekst", text, 2000, "Schrijf een bericht of kies een foto.")
}
