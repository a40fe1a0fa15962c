//! Credentials and their secrets: how passwords are hashed, how second factors are checked,
//! and how tokens and one-time codes are made and kept. Only hashes or ciphertexts of
//! secrets are ever stored; comparisons run in constant time.
#![forbid(unsafe_code)]

pub mod codes;
pub mod password;
pub mod secrets;
pub mod totp;

pub use codes::{OneTimeCode, Token};
pub use password::PasswordHasher;
pub use secrets::SecretBox;
pub use totp::{TotpCheck, TotpEnrollment, TotpSecret};

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("password hash: {0}")]
    Hash(String),
    #[error("stored secret cannot be opened")]
    Secret,
    #[error("totp: {0}")]
    Totp(String),
    #[error("hashing task failed: {0}")]
    Task(String),
    /// Every hashing slot stayed taken for the whole wait: too many logins at once.
    #[error("too many password checks at once")]
    Busy,
}
