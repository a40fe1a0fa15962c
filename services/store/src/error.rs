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
