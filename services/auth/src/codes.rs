//! Random tokens (sessions, links, trusted devices) and one-time codes (SMS). A token is 128
//! random bits shown once and stored as its SHA-256; a short code is stored as an HMAC under
//! the deployment key, since six digits hashed without a key are found by trying them all.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// A random token and the hash under which it is stored.
#[derive(Clone, PartialEq, Eq)]
pub struct Token {
    pub plain: String,
    pub hash: String,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token").field("hash", &self.hash).finish_non_exhaustive()
    }
}

impl Token {
    pub fn generate() -> Self {
        let mut bytes = [0u8; 16];
        rand::fill(&mut bytes);
        let plain = URL_SAFE_NO_PAD.encode(bytes);
        let hash = Self::hash_of(&plain);
        Self { plain, hash }
    }

    /// The stored form of a token a client presents.
    pub fn hash_of(plain: &str) -> String {
        hex(&Sha256::digest(plain.as_bytes()))
    }
}

/// A code sent by SMS: "1768-123456". The four digits before the dash appear on the screen so
/// the person can match the message; the six after it are what they type.
#[derive(Clone, PartialEq, Eq)]
pub struct OneTimeCode {
    pub prefix: String,
    pub code: String,
}

impl std::fmt::Debug for OneTimeCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OneTimeCode").field("prefix", &self.prefix).finish_non_exhaustive()
    }
}

impl OneTimeCode {
    pub fn generate() -> Self {
        Self { prefix: digits(4), code: digits(6) }
    }

    /// What the SMS says.
    pub fn message_form(&self) -> String {
        format!("{}-{}", self.prefix, self.code)
    }

    /// The stored form: an HMAC of the code under a key derived from the deployment key.
    pub fn hash(key: &[u8; 32], code: &str) -> String {
        let normalised: String = code.chars().filter(char::is_ascii_digit).collect();
        match <Hmac<Sha256> as Mac>::new_from_slice(key) {
            Ok(mut mac) => {
                mac.update(normalised.as_bytes());
                hex(&mac.finalize().into_bytes())
            }
            Err(_) => hex(&Sha256::digest([key.as_slice(), normalised.as_bytes()].concat())),
        }
    }

    /// Compares a typed code with a stored hash in constant time.
    pub fn matches(key: &[u8; 32], typed: &str, stored_hash: &str) -> bool {
        Self::matches_bound(key, typed, "", stored_hash)
    }

    /// The stored form of a code that confirms one thing only (`binding`: a plan, the hash
    /// of the print that was shown, the choice). The binding is taken as it is, after the
    /// digits of the code and a separator; an empty binding gives [`OneTimeCode::hash`].
    pub fn hash_bound(key: &[u8; 32], code: &str, binding: &str) -> String {
        if binding.is_empty() {
            return Self::hash(key, code);
        }
        let normalised: String = code.chars().filter(char::is_ascii_digit).collect();
        let message = [normalised.as_bytes(), &[0u8], binding.as_bytes()].concat();
        match <Hmac<Sha256> as Mac>::new_from_slice(key) {
            Ok(mut mac) => {
                mac.update(&message);
                hex(&mac.finalize().into_bytes())
            }
            Err(_) => hex(&Sha256::digest([key.as_slice(), &message].concat())),
        }
    }

    pub fn matches_bound(key: &[u8; 32], typed: &str, binding: &str, stored_hash: &str) -> bool {
        let typed = Self::hash_bound(key, typed, binding);
        constant_time_eq(typed.as_bytes(), stored_hash.as_bytes())
    }
}

/// A one-time password for an invitation: four groups of four, without look-alike characters
/// (0/O, 1/l/I), always with upper and lower case letters, a digit and a dash, so that it
/// meets any tenant's character rules and can be typed over from an e-mail.
pub fn one_time_password() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    loop {
        let groups: Vec<String> = (0..4)
            .map(|_| (0..4).map(|_| char::from(ALPHABET[rand::random::<u32>() as usize % ALPHABET.len()])).collect())
            .collect();
        let password = groups.join("-");
        let has = |f: fn(&char) -> bool| password.chars().any(|c| f(&c));
        if has(char::is_ascii_uppercase) && has(char::is_ascii_lowercase) && has(char::is_ascii_digit) {
            return password;
        }
    }
}

fn digits(n: usize) -> String {
    // A u32 modulo 10 is biased by about one in a billion: negligible for a code that lives
    // five minutes and allows a handful of attempts.
    (0..n).map(|_| char::from(b'0' + (rand::random::<u32>() % 10) as u8)).collect()
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bound_code_confirms_only_its_binding() {
        let key = [3u8; 32];
        let stored = OneTimeCode::hash_bound(&key, "123456", "|plan|sha|ondertekenen");
        assert!(OneTimeCode::matches_bound(&key, " 123456", "|plan|sha|ondertekenen", &stored));
        assert!(!OneTimeCode::matches_bound(&key, "123456", "|plan|sha|afkeuren", &stored));
        assert!(!OneTimeCode::matches_bound(&key, "123456", "|plan|sha2|ondertekenen", &stored));
        assert!(!OneTimeCode::matches(&key, "123456", &stored));
        assert_eq!(OneTimeCode::hash_bound(&key, "123456", ""), OneTimeCode::hash(&key, "123456"));
    }

    #[test]
    fn tokens_are_128_bit_and_stored_hashed() {
        let token = Token::generate();
        assert_eq!(token.plain.len(), 22);
        assert_eq!(token.hash.len(), 64);
        assert_eq!(Token::hash_of(&token.plain), token.hash);
        assert_ne!(Token::generate().plain, token.plain);
        assert!(!format!("{token:?}").contains(&token.plain), "debug output hides the token");
    }

    #[test]
    fn sms_codes_look_like_the_manual() {
        let code = OneTimeCode::generate();
        let text = code.message_form();
        assert_eq!(text.len(), 11);
        assert_eq!(&text[4..5], "-");
        assert!(text.chars().filter(|c| *c != '-').all(|c| c.is_ascii_digit()));
        assert!(!format!("{code:?}").contains(&code.code));
    }

    #[test]
    fn one_time_passwords_are_readable_and_varied() {
        for _ in 0..50 {
            let password = one_time_password();
            assert_eq!(password.len(), 19);
            assert!(!password.contains(['0', 'O', '1', 'l', 'I']), "{password}");
            assert!(password.chars().any(|c| c.is_ascii_uppercase()) && password.chars().any(|c| c.is_ascii_digit()));
        }
        assert_ne!(one_time_password(), one_time_password());
    }

    #[test]
    fn codes_match_with_spaces_but_not_otherwise() {
        let key = [9u8; 32];
        let stored = OneTimeCode::hash(&key, "123456");
        assert!(OneTimeCode::matches(&key, "123 456", &stored));
        assert!(!OneTimeCode::matches(&key, "123457", &stored));
        assert!(!OneTimeCode::matches(&[8u8; 32], "123456", &stored));
    }
}
