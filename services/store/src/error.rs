//! What can go wrong in storage, sorted by what a caller can do about it. The database's own
//! errors arrive already sorted (see the `sqlx` feature below), so no caller needs to know
//! which database it was.

use thiserror::Error;

#[derive(Debug, Clone, Error)]
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
    /// The database cannot be reached or cannot take the work right now (down, restarting,
    /// pool exhausted, locked past the busy timeout): a retry later may well succeed.
    #[error("database: {0}")]
    Unavailable(String),
    /// Any other error the database gave.
    #[error("database: {0}")]
    Database(String),
    #[error("migration: {0}")]
    Migrate(String),
}

impl StoreError {
    pub fn corrupt(table: &'static str, reason: impl std::fmt::Display) -> Self {
        Self::Corrupt { table, reason: reason.to_string() }
    }

    /// A person sees "not available, try again later", not "something broke".
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}

/// The SQL crate's conversions, behind a feature so that only it compiles against sqlx.
#[cfg(feature = "sqlx")]
mod from_sqlx {
    use super::StoreError;

    impl From<sqlx::Error> for StoreError {
        fn from(error: sqlx::Error) -> Self {
            if unavailable(&error) { Self::Unavailable(error.to_string()) } else { Self::Database(error.to_string()) }
        }
    }

    impl From<sqlx::migrate::MigrateError> for StoreError {
        fn from(error: sqlx::migrate::MigrateError) -> Self {
            Self::Migrate(error.to_string())
        }
    }

    impl StoreError {
        /// Maps unique and foreign key violations to their meaning; leaves the rest as is.
        pub fn classify(error: sqlx::Error, what: &str) -> Self {
            if let sqlx::Error::Database(db) = &error {
                match db.kind() {
                    sqlx::error::ErrorKind::UniqueViolation => return Self::Conflict(what.to_owned()),
                    sqlx::error::ErrorKind::ForeignKeyViolation => return Self::NotFound,
                    _ => {}
                }
            }
            Self::from(error)
        }
    }

    /// Whether a retry later may succeed.
    fn unavailable(error: &sqlx::Error) -> bool {
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
}
