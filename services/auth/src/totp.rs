//! Authenticator apps (TOTP, RFC 6238): 30-second steps, six digits, SHA-1 (what Microsoft
//! and Google Authenticator expect). A code is accepted for the current step ±1, and each
//! step only once per account.

use crate::AuthError;
use qrcode::QrCode;
use qrcode::render::svg;
use totp_rs::{Algorithm, Builder, Secret, Totp};

#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret([u8; 20]);

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret(<hidden>)")
    }
}

/// What the enrolment page shows: a QR code to scan and the same secret written out.
#[derive(Debug, Clone)]
pub struct TotpEnrollment {
    pub uri: String,
    pub secret_base32: String,
    /// An SVG of the QR code, to embed in the page.
    pub qr_svg: String,
}

impl TotpSecret {
    pub fn generate() -> Self {
        let mut bytes = [0u8; 20];
        rand::fill(&mut bytes);
        Self(bytes)
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, AuthError> {
        bytes.try_into().map(Self).map_err(|_| AuthError::Totp("secret is not 20 bytes".to_owned()))
    }

    /// From the written-out form a person types into an app (spaces allowed).
    pub fn from_base32(text: &str) -> Result<Self, AuthError> {
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let secret = Secret::try_from_base32(compact.to_uppercase()).map_err(|e| AuthError::Totp(e.to_string()))?;
        Self::from_bytes(secret.as_bytes())
    }

    pub fn as_bytes(&self) -> &[u8; 20] {
        &self.0
    }

    fn totp(&self, issuer: Option<&str>, account: &str) -> Result<Totp, AuthError> {
        Builder::new()
            .with_algorithm(Algorithm::SHA1)
            .with_digits(6)
            .with_step_duration(30)
            .with_skew(1)
            .with_secret(Secret::from(self.0))
            .with_issuer(issuer.map(|i| i.replace(':', " ")))
            .with_account_name(account.replace(':', " "))
            .build()
            .map_err(|e| AuthError::Totp(e.to_string()))
    }

    /// The otpauth URI, QR code and written-out secret for enrolment. The issuer is the
    /// tenant's name, the account the username, as the person will see them in the app.
    pub fn enrollment(&self, issuer: &str, account: &str) -> Result<TotpEnrollment, AuthError> {
        let totp = self.totp(Some(issuer), account)?;
        let uri = totp.to_url().map_err(|e| AuthError::Totp(e.to_string()))?;
        let qr = QrCode::new(uri.as_bytes()).map_err(|e| AuthError::Totp(e.to_string()))?;
        let qr_svg = qr.render::<svg::Color<'_>>().min_dimensions(220, 220).quiet_zone(true).build();
        let secret_base32 = Secret::from(self.0).to_base32();
        Ok(TotpEnrollment { uri, secret_base32, qr_svg })
    }

    /// Checks `code` at `unix_time`. Returns the matched step when it is newer than
    /// `last_used_step`, so the caller can store it and refuse the same code again.
    pub fn verify(&self, code: &str, unix_time: u64, last_used_step: Option<u64>) -> Result<Option<u64>, AuthError> {
        Ok(match self.check(code, unix_time, last_used_step)? {
            TotpCheck::Valid(step) => Some(step),
            TotpCheck::Replayed | TotpCheck::Wrong => None,
        })
    }

    /// As [`Self::verify`], telling a replay (a right code whose step was used already:
    /// someone who saw the code, a security event) from a wrong code.
    pub fn check(&self, code: &str, unix_time: u64, last_used_step: Option<u64>) -> Result<TotpCheck, AuthError> {
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
            return Ok(TotpCheck::Wrong);
        }
        let totp = self.totp(None, "careportal")?;
        Ok(match totp.check(&code, unix_time) {
            None => TotpCheck::Wrong,
            Some(step) if last_used_step.is_some_and(|last| step <= last) => TotpCheck::Replayed,
            Some(step) => TotpCheck::Valid(step),
        })
    }

    /// The code for a moment; for tests.
    pub fn code_at(&self, unix_time: u64) -> Result<String, AuthError> {
        Ok(self.totp(None, "careportal")?.generate(unix_time).to_string())
    }
}

/// What a code from the app says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TotpCheck {
    /// Right, and its time step is new: store the step.
    Valid(u64),
    /// Right, but its step was used already.
    Replayed,
    Wrong,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_test_vector() {
        // RFC 6238 appendix B, SHA-1 secret "12345678901234567890", T = 59 → 94287082 (8 digits);
        // the last six digits are what a six-digit app shows.
        let secret = TotpSecret::from_bytes(b"12345678901234567890").unwrap();
        assert_eq!(secret.code_at(59).unwrap(), "287082");
    }

    #[test]
    fn codes_are_accepted_one_step_around_now_and_only_once() {
        let secret = TotpSecret::generate();
        let now = 1_800_000_000;
        let code = secret.code_at(now).unwrap();
        let step = secret.verify(&code, now, None).unwrap().unwrap();
        assert_eq!(step, now / 30);
        assert_eq!(secret.verify(&code, now + 30, None).unwrap(), Some(step), "the next step still accepts it");
        assert_eq!(secret.verify(&code, now + 61, None).unwrap(), None, "two steps later it is too old");
        assert_eq!(secret.verify(&code, now, Some(step)).unwrap(), None, "a used step is refused");
        assert_eq!(secret.check(&code, now, Some(step)).unwrap(), TotpCheck::Replayed, "and called a replay");
        assert_eq!(secret.check("000000", now, Some(step)).unwrap(), TotpCheck::Wrong);
        assert_eq!(secret.verify("12345", now, None).unwrap(), None);
        assert_eq!(secret.verify("abcdef", now, None).unwrap(), None);
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert_eq!(secret.verify(&spaced, now, None).unwrap(), Some(step));
    }

    #[test]
    fn enrollment_names_issuer_and_account() {
        let secret = TotpSecret::generate();
        let enrollment = secret.enrollment("Siloah", "b.roggeveen@sirjon.nl").unwrap();
        assert!(enrollment.uri.starts_with("otpauth://totp/Siloah:b.roggeveen%40sirjon.nl?"), "{}", enrollment.uri);
        assert!(enrollment.uri.contains("issuer=Siloah"));
        assert!(enrollment.uri.contains(&format!("secret={}", enrollment.secret_base32)));
        assert!(enrollment.qr_svg.starts_with("<?xml") || enrollment.qr_svg.starts_with("<svg"));
        let spaced: Vec<String> =
            enrollment.secret_base32.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect();
        assert_eq!(TotpSecret::from_base32(&spaced.join(" ")).unwrap(), secret);
    }
}
