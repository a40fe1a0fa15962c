//! Secrets at rest (TOTP keys): sealed with ChaCha20-Poly1305 under a key derived from the
//! deployment's secret key, so a copy of the database alone reveals nothing.

use crate::AuthError;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Derives named subkeys from the deployment's secret key (HMAC-SHA256 as a PRF).
pub fn derive_key(secret_key: &[u8; 32], purpose: &str) -> [u8; 32] {
    match <Hmac<Sha256> as Mac>::new_from_slice(secret_key) {
        Ok(mut mac) => {
            mac.update(b"careportal/");
            mac.update(purpose.as_bytes());
            mac.finalize().into_bytes().into()
        }
        // HMAC takes keys of any length, so this arm is never taken; it must not panic.
        Err(_) => {
            use sha2::Digest;
            let mut hash = Sha256::new();
            hash.update(secret_key);
            hash.update(purpose.as_bytes());
            hash.finalize().into()
        }
    }
}

#[derive(Clone)]
pub struct SecretBox {
    cipher: ChaCha20Poly1305,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(<key>)")
    }
}

impl SecretBox {
    pub fn new(secret_key: &[u8; 32]) -> Self {
        let key = derive_key(secret_key, "secret-box/v1");
        Self { cipher: ChaCha20Poly1305::new(Key::from_slice(&key)) }
    }

    /// Seals `plaintext`, bound to `context` (e.g. tenant and account id) so a ciphertext
    /// copied to another row does not open there.
    pub fn seal(&self, plaintext: &[u8], context: &str) -> Result<String, AuthError> {
        let mut nonce = [0u8; 12];
        rand::fill(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: plaintext, aad: context.as_bytes() })
            .map_err(|_| AuthError::Secret)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(format!("v1.{}", URL_SAFE_NO_PAD.encode(out)))
    }

    pub fn open(&self, sealed: &str, context: &str) -> Result<Vec<u8>, AuthError> {
        let bytes = sealed.strip_prefix("v1.").and_then(|b| URL_SAFE_NO_PAD.decode(b).ok()).ok_or(AuthError::Secret)?;
        if bytes.len() < 12 + 16 {
            return Err(AuthError::Secret);
        }
        let (nonce, ciphertext) = bytes.split_at(12);
        self.cipher
            .decrypt(Nonce::from_slice(nonce), Payload { msg: ciphertext, aad: context.as_bytes() })
            .map_err(|_| AuthError::Secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_with_the_same_key_and_context() {
        let sealer = SecretBox::new(&[1u8; 32]);
        let sealed = sealer.seal(b"JBSWY3DPEHPK3PXP", "tenant/account").unwrap();
        assert!(!sealed.contains("JBSWY3DP"));
        assert_eq!(sealer.open(&sealed, "tenant/account").unwrap(), b"JBSWY3DPEHPK3PXP");
        assert!(sealer.open(&sealed, "tenant/other").is_err());
        assert!(SecretBox::new(&[2u8; 32]).open(&sealed, "tenant/account").is_err());
        assert!(sealer.open("v1.garbage", "tenant/account").is_err());
        assert_ne!(sealed, sealer.seal(b"JBSWY3DPEHPK3PXP", "tenant/account").unwrap(), "fresh nonce each time");
    }

    #[test]
    fn derived_keys_differ_by_purpose() {
        assert_ne!(derive_key(&[1u8; 32], "a"), derive_key(&[1u8; 32], "b"));
        assert_eq!(derive_key(&[1u8; 32], "a"), derive_key(&[1u8; 32], "a"));
    }
}
