//! Password hashing with Argon2id at OWASP's parameters (19 MiB, 2 passes, 1 lane), on
//! tokio's blocking pool so that a burst of logins does not stall the threads that answer
//! other requests, and at most one hash per core at once (within a memory budget): the
//! rest wait their turn, and past the wait the person is asked to try again (503).

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
    /// At most this many hashes at once: each takes a core and `m_cost` KiB of memory, and a
    /// burst of logins must queue here rather than fill the blocking pool (hundreds of
    /// threads, gigabytes of memory) and slow every other request down.
    slots: Arc<Slots>,
}

#[derive(Debug)]
struct Slots {
    permits: tokio::sync::Semaphore,
    /// How long a hash waits for a slot before the person is told to try again.
    wait: std::time::Duration,
    running: std::sync::atomic::AtomicUsize,
    peak: std::sync::atomic::AtomicUsize,
}

impl Slots {
    fn new(slots: usize, wait: std::time::Duration) -> Self {
        Self {
            permits: tokio::sync::Semaphore::new(slots),
            wait,
            running: std::sync::atomic::AtomicUsize::new(0),
            peak: std::sync::atomic::AtomicUsize::new(0),
        }
    }
}

/// Memory the hashes may take together, at most: a quarter of a small (2 GiB) machine.
const HASH_MEMORY_BUDGET_KIB: usize = 512 * 1024;
/// How long a login waits for a free slot before it gets "probeer het zo opnieuw".
const DEFAULT_SLOT_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Hashes at once by default: one core is left to everything else (a burst of logins on
/// every core made each page wait its turn behind Argon2: /home's p99 went to 2.3-2.8× its
/// idle figure in the page bench, #14), and the memory budget holds.
fn default_slots(memory_kib: u32) -> usize {
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
    let by_memory = HASH_MEMORY_BUDGET_KIB / usize::try_from(memory_kib.max(1)).unwrap_or(usize::MAX);
    cores.saturating_sub(1).min(by_memory).max(1)
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
        let slots = default_slots(memory_kib);
        Ok(Self {
            params: Arc::new(params),
            decoy: Arc::new(decoy),
            slots: Arc::new(Slots::new(slots, DEFAULT_SLOT_WAIT)),
        })
    }

    /// The same hasher with `slots` hashes at once, each waiting at most `wait` for one.
    pub fn with_slots(mut self, slots: usize, wait: std::time::Duration) -> Self {
        self.slots = Arc::new(Slots::new(slots.max(1), wait));
        self
    }

    /// The most hashes that ever ran at once (for tests and the metrics).
    pub fn peak_concurrency(&self) -> usize {
        self.slots.peak.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Runs `work` on the blocking pool once a slot is free; `Busy` when none frees in time.
    async fn in_slot<T: Send + 'static>(&self, work: impl FnOnce(&Self) -> T + Send + 'static) -> Result<T, AuthError> {
        use std::sync::atomic::Ordering;
        let permit = tokio::time::timeout(self.slots.wait, self.slots.permits.acquire())
            .await
            .map_err(|_| AuthError::Busy)?
            .map_err(|e| AuthError::Task(e.to_string()))?;
        let this = self.clone();
        let result = tokio::task::spawn_blocking(move || {
            let running = this.slots.running.fetch_add(1, Ordering::SeqCst) + 1;
            this.slots.peak.fetch_max(running, Ordering::SeqCst);
            let out = work(&this);
            this.slots.running.fetch_sub(1, Ordering::SeqCst);
            out
        })
        .await
        .map_err(|e| AuthError::Task(e.to_string()));
        drop(permit);
        result
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
        let password = password.to_owned();
        self.in_slot(move |this| this.hash_blocking(&password)).await?
    }

    /// `stored` None means "no such account": the decoy is verified and false returned.
    pub async fn verify(&self, stored: Option<String>, password: &str) -> Result<bool, AuthError> {
        let password = password.to_owned();
        self.in_slot(move |this| this.verify_blocking(stored.as_deref(), &password)).await
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

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn hashes_run_a_bounded_number_at_once_and_the_rest_wait() {
        let hasher = PasswordHasher::with_params(4096, 2, 1).unwrap().with_slots(2, std::time::Duration::from_secs(30));
        let runs: Vec<_> = (0..8)
            .map(|i| {
                let hasher = hasher.clone();
                tokio::spawn(async move { hasher.hash(&format!("wachtwoord {i}")).await })
            })
            .collect();
        for run in runs {
            assert!(run.await.unwrap().is_ok(), "every hash gets its turn");
        }
        assert!((1..=2).contains(&hasher.peak_concurrency()), "peak {}", hasher.peak_concurrency());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_hash_that_cannot_get_a_slot_in_time_says_busy() {
        let hasher =
            PasswordHasher::with_params(19456, 4, 1).unwrap().with_slots(1, std::time::Duration::from_millis(1));
        let runs: Vec<_> = (0..4)
            .map(|i| {
                let hasher = hasher.clone();
                tokio::spawn(async move { hasher.verify(None, &format!("poging {i}")).await })
            })
            .collect();
        let mut busy = 0;
        for run in runs {
            match run.await.unwrap() {
                Err(AuthError::Busy) => busy += 1,
                other => assert!(matches!(other, Ok(false)), "{other:?}"),
            }
        }
        assert!(busy >= 1, "with one slot and no patience, a burst is turned away");
        assert_eq!(hasher.peak_concurrency(), 1);
    }

    #[tokio::test]
    async fn async_hashing_runs_off_the_runtime_threads() {
        let hasher = PasswordHasher::with_params(8, 1, 1).unwrap();
        let hash = hasher.hash("geheim en lang").await.unwrap();
        assert!(hasher.verify(Some(hash), "geheim en lang").await.unwrap());
        assert!(!hasher.verify(None, "geheim en lang").await.unwrap());
    }
}
