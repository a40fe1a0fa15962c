//! "Download mijn dossier" (AVG article 15): everything the portal holds about a client, as
//! one ZIP that the worker makes and that waits for a limited time for the person who asked.

use crate::ids::ExportId;
use crate::{AccountId, ClientId};
use chrono::{DateTime, Utc};

/// How long a made ZIP waits to be downloaded before it is deleted.
pub const EXPORT_KEPT_DAYS: i64 = 7;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportStatus {
    Waiting,
    Ready,
    Failed,
    Expired,
}

impl ExportStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            ExportStatus::Waiting => "waiting",
            ExportStatus::Ready => "ready",
            ExportStatus::Failed => "failed",
            ExportStatus::Expired => "expired",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [ExportStatus::Waiting, ExportStatus::Ready, ExportStatus::Failed, ExportStatus::Expired]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DossierExport {
    pub id: ExportId,
    pub client: ClientId,
    pub requested_by: AccountId,
    pub requested_at: DateTime<Utc>,
    pub status: ExportStatus,
    /// Where the ZIP is in the blob store, once made.
    pub blob_key: Option<String>,
    pub bytes: Option<i64>,
    pub ready_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub error: Option<String>,
}

impl DossierExport {
    /// The blob key a made ZIP gets: one per export, so two workers making it write the same.
    pub fn key_for(id: ExportId) -> String {
        format!("exports/{id}.zip")
    }
}
