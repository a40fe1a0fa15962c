//! The one error type of the domain. Each variant says what went wrong in terms a person
//! can act on; the web layer gives it a page face and an API face.

use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum DomainError {
    /// Input that breaks a rule; `field` names the input, `message` is the Dutch text shown.
    #[error("{field}: {message}")]
    Invalid { field: &'static str, message: String },
    /// The thing does not exist, or the caller may not know that it does.
    #[error("niet gevonden")]
    NotFound,
    /// It exists, but this caller may not do this.
    #[error("geen toegang")]
    Forbidden,
    /// The action collides with what is already there (a taken username, a second reference).
    #[error("bestaat al: {0}")]
    Conflict(String),
}

impl DomainError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid { field, message: message.into() }
    }
}
