//! What can go wrong in storage, sorted by what a caller can do about it.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    /// A unique key is taken (a username, a client reference, a hostname).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The row, or a row it refers to, is not there for this tenant.
    #[error("not found")]
    NotFound,
    /// The database URL or options are wrong; the message names what and why.
    #[error("{0}")]
    Config(String),
    /// Stored data that no longer parses: a bug or a hand edit, never user input.
    #[error("corrupt row in {table}: {reason}")]
    Corrupt { table: &'static str, reason: String },
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    pub(crate) fn corrupt(table: &'static str, reason: impl std::fmt::Display) -> Self {
        Self::Corrupt { table, reason: reason.to_string() }
    }

    /// The database cannot be reached or cannot take the work right now (down, restarting,
    /// pool exhausted, locked past the busy timeout): a retry later may well succeed, so a
    /// person sees "not available", not "something broke".
    pub fn is_unavailable(&self) -> bool {
        let Self::Database(error) = self else { return false };
        match error {
            sqlx::Error::PoolClosed
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::Protocol(_)
            | sqlx::Error::WorkerCrashed => true,
            sqlx::Error::Database(db) => {
                let code = db.code().unwrap_or_default();
                if code.len() == 5 {
                    // PostgreSQL's SQLSTATE: connection exceptions (08…), shutdown and
                    // "cannot connect now" (57P01–57P03), too many connections (53300).
                    code.starts_with("08") || matches!(code.as_ref(), "57P01" | "57P02" | "57P03" | "53300")
                } else {
                    // SQLite's result codes: BUSY (5) and LOCKED (6), and their extended
                    // forms (517 is 5 + 2 × 256).
                    matches!(code.parse::<u32>().ok().map(|c| c & 0xff), Some(5 | 6))
                }
            }
            _ => false,
        }
    }

    /// Maps unique and foreign key violations to their meaning; leaves the rest as is.
    pub(crate) fn classify(error: sqlx::Error, what: &str) -> Self {
        if let sqlx::Error::Database(db) = &error {
            match db.kind() {
                sqlx::error::ErrorKind::UniqueViolation => return Self::Conflict(what.to_owned()),
                sqlx::error::ErrorKind::ForeignKeyViolation => return Self::NotFound,
                _ => {}
            }
        }
        Self::Database(error)
    }
}
