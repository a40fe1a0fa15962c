//! How a command fails: a usage error (exit 2: fix the command line or the configuration) or
//! a failure (exit 1: it could not be done). Every command returns one; `cli::run` prints
//! its message and exits with its code.

use crate::config::ConfigError;

/// A failure with the exit code it deserves.
pub enum Failure {
    Usage(String),
    Failed(String),
}

impl From<ConfigError> for Failure {
    fn from(error: ConfigError) -> Self {
        Failure::Usage(error.to_string())
    }
}

impl From<careportal_store::StoreError> for Failure {
    fn from(error: careportal_store::StoreError) -> Self {
        match error {
            careportal_store::StoreError::Config(message) => Failure::Usage(format!("configuratiefout: {message}")),
            other => Failure::Failed(format!("database: {other}")),
        }
    }
}
