//! Password hashing with Argon2id at OWASP's parameters (19 MiB, 2 passes, 1 lane), on
//! tokio's blocking pool so that a burst of logins does not stall the threads that answer
//! other requests.

use crate::AuthError;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct PasswordHasher {
    params: Arc<Params>,
    /// A hash of nothing in particular, verified when the account does not exist, so that an
    /// unknown username costs the same time as a wrong password.
    decoy: Arc<String>,
}

impl PasswordHasher {
    /// OWASP's recommended Argon2id parameters.
    pub fn owasp() -> Result<Self, AuthError> {
        Self::with_params(Params::DEFAULT_M_COST, Params::DEFAULT_T_COST, 1)
    }

    /// Other costs: stronger for production, or the cheapest allowed for tests of flows.
    pub fn with_params(memory_kib: u32, passes: u32, lanes: u32) -> Result<Self, AuthError> {
        let params = Params::new(memory_kib, passes, lanes, None).map_err(|e| AuthError::Hash(e.to_string()))?;
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
        let decoy = argon2.hash_password(b"careportal-decoy").map_err(|e| AuthError::Hash(e.to_string()))?.to_string();
        Ok(Self { params: Arc::new(params), decoy: Arc::new(decoy) })
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, (*self.params).clone())
    }

    /// Hashes on the calling thread; use [`Self::hash`] from async code.
    pub fn hash_blocking(&self, password: &str) -> Result<String, AuthError> {
        self.argon2()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| AuthError::Hash(e.to_string()))
    }

    /// Verifies on the calling thread. The stored hash's own parameters are used, so hashes
    /// made at older costs keep working; [`Self::needs_rehash`] says when to upgrade them.
    pub fn verify_blocking(&self, stored: Option<&str>, password: &str) -> bool {
        let stored = stored.unwrap_or(self.decoy.as_str());
        let ok = self.argon2().verify_password(password.as_bytes(), stored).is_ok();
        ok && stored != self.decoy.as_str()
    }

    pub async fn hash(&self, password: &str) -> Result<String, AuthError> {
        let this = self.clone();
        let password = password.to_owned();
        tokio::task::spawn_blocking(move || this.hash_blocking(&password))
            .await
            .map_err(|e| AuthError::Task(e.to_string()))?
    }

    /// `stored` None means "no such account": the decoy is verified and false returned.
    pub async fn verify(&self, stored: Option<String>, password: &str) -> Result<bool, AuthError> {
        let this = self.clone();
        let password = password.to_owned();
        tokio::task::spawn_blocking(move || this.verify_blocking(stored.as_deref(), &password))
            .await
            .map_err(|e| AuthError::Task(e.to_string()))
    }

    /// Whether a stored hash was made with weaker parameters than the current ones.
    pub fn needs_rehash(&self, stored: &str) -> bool {
        let wanted = format!("m={},t={},p={}", self.params.m_cost(), self.params.t_cost(), self.params.p_cost());
        !(stored.starts_with("$argon2id$v=19$") && stored.contains(&wanted))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_at_owasp_cost_and_salted() {
        let hasher = PasswordHasher::owasp().unwrap();
        let a = hasher.hash_blocking("Zonnebloem!Tafel7").unwrap();
        let b = hasher.hash_blocking("Zonnebloem!Tafel7").unwrap();
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert_ne!(a, b, "every hash has its own salt");
        assert!(hasher.verify_blocking(Some(&a), "Zonnebloem!Tafel7"));
        assert!(!hasher.verify_blocking(Some(&a), "zonnebloem!Tafel7"));
        assert!(!hasher.needs_rehash(&a));
    }

    #[test]
    fn an_unknown_account_never_verifies() {
        let hasher = PasswordHasher::with_params(8, 1, 1).unwrap();
        assert!(!hasher.verify_blocking(None, "careportal-decoy"));
        assert!(!hasher.verify_blocking(None, "anything"));
        assert!(!hasher.verify_blocking(Some("not a hash"), "anything"));
    }

    #[test]
    fn weaker_hashes_ask_to_be_redone() {
        let cheap = PasswordHasher::with_params(8, 1, 1).unwrap();
        let strong = PasswordHasher::owasp().unwrap();
        let old = cheap.hash_blocking("pw").unwrap();
        assert!(strong.needs_rehash(&old));
        assert!(strong.verify_blocking(Some(&old), "pw"), "old hashes still verify");
    }

    #[tokio::test]
    async fn async_hashing_runs_off_the_runtime_threads() {
        let hasher = PasswordHasher::with_params(8, 1, 1).unwrap();
        let hash = hasher.hash("geheim en lang").await.unwrap();
        assert!(hasher.verify(Some(hash), "geheim en lang").await.unwrap());
        assert!(!hasher.verify(None, "geheim en lang").await.unwrap());
    }
}
