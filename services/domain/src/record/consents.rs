//! Toestemmingen: questions the client (or their representative) answers yes or no, such as
//! whether photos may be used. The answers go to the ECD; who changed what stays visible.

use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Consent {
    /// Stable key from the ECD.
    pub key: String,
    pub question: String,
    /// None: not answered yet.
    pub granted: Option<bool>,
    /// Whether the person may change it here ("de toestemmingen die u zelf kunt aanpassen").
    pub editable: bool,
    pub changed_at: Option<DateTime<Utc>>,
    pub changed_by: Option<String>,
}

/// One change, kept for the history under the form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConsentChange {
    pub key: String,
    pub question: String,
    pub granted: bool,
    pub at: DateTime<Utc>,
    pub by: String,
}

/// What the ECD says a consent question is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentQuestion {
    pub key: String,
    pub question: String,
    pub editable: bool,
    pub position: i32,
}
