//! Our TOTP codes checked from outside, against oathtool (Debian's oathtool package).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use careportal_auth::TotpSecret;
use std::process::Command;

#[test]
fn codes_match_oathtool() {
    let secret = TotpSecret::generate();
    let enrollment = secret.enrollment("Salem", "johanna@example.nl").unwrap();
    for (unix, at) in [(1_800_000_000u64, "2027-01-15 08:00:00 UTC"), (1_767_225_600, "2026-01-01 00:00:00 UTC")] {
        let output = Command::new("oathtool")
            .args(["--totp", "-b", &enrollment.secret_base32, "--now", at])
            .output()
            .expect("oathtool must be installed (apt-get install oathtool)");
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let theirs = String::from_utf8(output.stdout).unwrap().trim().to_owned();
        assert_eq!(secret.code_at(unix).unwrap(), theirs, "at {at}");
        assert!(secret.verify(&theirs, unix, None).unwrap().is_some());
    }
}
