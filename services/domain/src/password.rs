//! Password rules: the tenant's policy (length, character classes) plus what always holds,
//! whatever a tenant configures (NIST SP 800-63B, OWASP ASVS 2.1): no password that contains
//! the username or e-mail address, none that is common or easily guessed, and an upper
//! length far above 64 so that pass phrases and password managers work.

use crate::tenant::{CharacterClass, PasswordPolicy};

/// The longest password accepted. Long enough for any pass phrase; short enough that
/// hashing it cannot be used to burn CPU.
pub const MAX_LENGTH: usize = 256;

/// One rule a new password breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordProblem {
    Empty,
    TooShort { min: u32 },
    TooLong,
    Missing(CharacterClass),
    ContainsUsername,
    ContainsEmail,
    TooCommon,
    ConfirmationDiffers,
    SameAsCurrent,
    UsedBefore { days: u32 },
}

impl PasswordProblem {
    /// The Dutch sentence shown under the field.
    pub fn message(&self) -> String {
        match self {
            PasswordProblem::Empty => "Vul een nieuw wachtwoord in.".to_owned(),
            PasswordProblem::TooShort { min } => format!("Het wachtwoord moet minimaal {min} tekens lang zijn."),
            PasswordProblem::TooLong => format!("Het wachtwoord mag hoogstens {MAX_LENGTH} tekens lang zijn."),
            PasswordProblem::Missing(class) => format!("Het wachtwoord moet {} bevatten.", class_words(*class)),
            PasswordProblem::ContainsUsername => "Het wachtwoord mag uw gebruikersnaam niet bevatten.".to_owned(),
            PasswordProblem::ContainsEmail => "Het wachtwoord mag uw e-mailadres niet bevatten.".to_owned(),
            PasswordProblem::TooCommon => {
                "Dit wachtwoord is te makkelijk te raden. Kies bijvoorbeeld een zin van een paar woorden.".to_owned()
            }
            PasswordProblem::ConfirmationDiffers => "De twee nieuwe wachtwoorden zijn niet gelijk.".to_owned(),
            PasswordProblem::SameAsCurrent => "Het nieuwe wachtwoord moet anders zijn dan het huidige.".to_owned(),
            PasswordProblem::UsedBefore { days } => {
                format!("U heeft dit wachtwoord de afgelopen {} al gebruikt. Kies een ander.", period_words(*days))
            }
        }
    }
}

fn class_words(class: CharacterClass) -> &'static str {
    match class {
        CharacterClass::Lowercase => "een kleine letter",
        CharacterClass::Uppercase => "een hoofdletter",
        CharacterClass::Digit => "een cijfer",
        CharacterClass::Symbol => "een leesteken of symbool (bijvoorbeeld @ / ! ? # ) %)",
    }
}

/// 365 → "1 jaar", 183 → "6 maanden", 30 → "30 dagen".
pub fn period_words(days: u32) -> String {
    match days {
        d if d % 365 == 0 => {
            let years = d / 365;
            if years == 1 { "1 jaar".to_owned() } else { format!("{years} jaar") }
        }
        d if (181..=184).contains(&d) => "6 maanden".to_owned(),
        d if d >= 28 && (d % 30 <= 1 || d % 30 >= 29) => {
            let months = (d + 1) / 30;
            if months == 1 { "1 maand".to_owned() } else { format!("{months} maanden") }
        }
        1 => "1 dag".to_owned(),
        d => format!("{d} dagen"),
    }
}

fn has(password: &str, class: CharacterClass) -> bool {
    password.chars().any(|c| match class {
        CharacterClass::Lowercase => c.is_lowercase(),
        CharacterClass::Uppercase => c.is_uppercase(),
        CharacterClass::Digit => c.is_numeric(),
        CharacterClass::Symbol => !c.is_alphanumeric() && !c.is_whitespace(),
    })
}

/// The rules as the person sees them before typing, in the manual's words.
pub fn rules_text(policy: &PasswordPolicy) -> Vec<String> {
    let mut lines = Vec::new();
    if !policy.require.is_empty() {
        let words: Vec<&str> = policy.require.iter().map(|c| class_words(*c)).collect();
        lines.push(format!("Het wachtwoord bevat {}.", join_dutch(&words)));
    }
    lines.push(format!("Minimum aantal tekens: {}", policy.min_length));
    lines.push("Niet uw gebruikersnaam of e-mailadres, en geen veelgebruikt wachtwoord.".to_owned());
    if let Some(days) = policy.reuse_after_days {
        lines.push(format!("Hergebruik wachtwoord is toegestaan na: {}", period_words(days)));
    }
    if let Some(days) = policy.max_age_days {
        lines.push(format!("De geldigheidsduur van het wachtwoord is: {}", period_words(days)));
    }
    lines
}

fn join_dutch(words: &[&str]) -> String {
    match words {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} én {last}", init.join(", ")),
    }
}

/// Checks a new password against the policy and the rules that always hold. Returns every
/// problem, so the person can fix them all at once. Reuse is checked by the caller, which
/// holds the old hashes.
pub fn check_new_password(
    policy: &PasswordPolicy,
    new: &str,
    confirmation: &str,
    username: &str,
    email: &str,
) -> Result<(), Vec<PasswordProblem>> {
    let mut problems = Vec::new();
    if new.is_empty() {
        return Err(vec![PasswordProblem::Empty]);
    }
    let length = new.chars().count();
    if length < policy.min_length as usize {
        problems.push(PasswordProblem::TooShort { min: policy.min_length });
    }
    if length > MAX_LENGTH {
        problems.push(PasswordProblem::TooLong);
    }
    for class in &policy.require {
        if !has(new, *class) {
            problems.push(PasswordProblem::Missing(*class));
        }
    }
    let lower = new.to_lowercase();
    let username = username.trim().to_lowercase();
    let email = email.trim().to_lowercase();
    if contains_identity(&lower, &username) {
        problems.push(PasswordProblem::ContainsUsername);
    }
    if email != username && contains_identity(&lower, &email) {
        problems.push(PasswordProblem::ContainsEmail);
    }
    if length <= MAX_LENGTH && too_guessable(new, &[username.as_str(), email.as_str()]) {
        problems.push(PasswordProblem::TooCommon);
    }
    if new != confirmation {
        problems.push(PasswordProblem::ConfirmationDiffers);
    }
    if problems.is_empty() { Ok(()) } else { Err(problems) }
}

/// Whether the password holds `identity` whole, or (for an e-mail address) the part before
/// the @ when that part is long enough to mean something.
fn contains_identity(password: &str, identity: &str) -> bool {
    let local = identity.split('@').next().unwrap_or_default();
    identity.chars().count() >= 3 && password.contains(identity)
        || local.chars().count() >= 4 && password.contains(local)
}

/// Dutch words that people build passwords from. zxcvbn's own lists are English; these join
/// them as extra dictionary words.
const DUTCH_COMMON: &[&str] = &[
    "wachtwoord",
    "welkom",
    "welkom01",
    "geheim",
    "inloggen",
    "cliëntportaal",
    "clientportaal",
    "portaal",
    "zomer",
    "winter",
    "lente",
    "voorjaar",
    "herfst",
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
    "maandag",
    "dinsdag",
    "woensdag",
    "donderdag",
    "vrijdag",
    "zaterdag",
    "zondag",
    "liefde",
    "schatje",
    "lieverd",
    "voetbal",
    "ajax",
    "feyenoord",
    "psv",
    "oranje",
    "nederland",
    "holland",
    "amsterdam",
    "rotterdam",
    "utrecht",
    "zwolle",
    "hallo",
    "doei",
    "sterk",
    "veilig",
    "wachtwoord123",
    "kerst",
    "pasen",
    "opa",
    "oma",
    "mama",
    "papa",
    "zorg",
    "siloah",
    "salem",
    "sirjon",
];

/// zxcvbn knows the common and breached passwords, names, dates and keyboard patterns; a
/// score under 2 means "too guessable" (under ten million guesses).
fn too_guessable(password: &str, personal: &[&str]) -> bool {
    let inputs: Vec<&str> =
        personal.iter().copied().filter(|s| !s.is_empty()).chain(DUTCH_COMMON.iter().copied()).collect();
    zxcvbn::zxcvbn(password, &inputs).score() < zxcvbn::Score::Two
}

#[cfg(test)]
mod tests {
    use super::*;

    fn siloah() -> PasswordPolicy {
        PasswordPolicy {
            min_length: 8,
            require: vec![
                CharacterClass::Lowercase,
                CharacterClass::Uppercase,
                CharacterClass::Digit,
                CharacterClass::Symbol,
            ],
            max_age_days: Some(183),
            reuse_after_days: Some(365),
        }
    }

    fn check(policy: &PasswordPolicy, password: &str) -> Vec<PasswordProblem> {
        check_new_password(policy, password, password, "b.roggeveen@sirjon.nl", "b.roggeveen@sirjon.nl")
            .err()
            .unwrap_or_default()
    }

    #[test]
    fn siloahs_rules_from_the_manual() {
        assert_eq!(check(&siloah(), "Zonnebloem!Tafel7"), vec![]);
        assert_eq!(check(&siloah(), "zonnebloem!tafel7"), vec![PasswordProblem::Missing(CharacterClass::Uppercase)]);
        assert_eq!(check(&siloah(), "Zonnebloem!Tafel"), vec![PasswordProblem::Missing(CharacterClass::Digit)]);
        assert_eq!(check(&siloah(), "ZonnebloemTafel7"), vec![PasswordProblem::Missing(CharacterClass::Symbol)]);
        assert!(check(&siloah(), "Ab1!").contains(&PasswordProblem::TooShort { min: 8 }));
    }

    #[test]
    fn common_passwords_are_refused_even_when_they_meet_the_classes() {
        for common in ["Welkom01!", "Password1!", "Qwerty123!", "Wachtwoord1!"] {
            assert!(check(&siloah(), common).contains(&PasswordProblem::TooCommon), "{common}");
        }
    }

    #[test]
    fn the_username_or_email_may_not_be_in_it() {
        let problems = check(&PasswordPolicy::default(), "b.roggeveen@sirjon.nl-is-mijn-wachtwoord");
        assert!(problems.contains(&PasswordProblem::ContainsUsername), "{problems:?}");
        let phrase = "ik ben anna.jansen van de zee";
        let problems =
            check_new_password(&PasswordPolicy::default(), phrase, phrase, "jansen01", "anna.jansen@example.nl")
                .unwrap_err();
        assert_eq!(problems, vec![PasswordProblem::ContainsEmail]);
    }

    #[test]
    fn pass_phrases_work_and_long_ones_too() {
        let phrase = "paarse olifanten dansen op het dak van de kerk";
        assert_eq!(check(&PasswordPolicy::default(), phrase), vec![]);
        let long: String = "Lang wachtwoord 1! ".repeat(5);
        assert!(long.chars().count() > 64);
        assert_eq!(check(&siloah(), &long), vec![]);
        let too_long = "x".repeat(MAX_LENGTH + 1);
        assert!(check(&PasswordPolicy::default(), &too_long).contains(&PasswordProblem::TooLong));
    }

    #[test]
    fn the_confirmation_must_match() {
        let problems =
            check_new_password(&siloah(), "Zonnebloem!Tafel7", "Zonnebloem!Tafel8", "u", "u@x.nl").unwrap_err();
        assert_eq!(problems, vec![PasswordProblem::ConfirmationDiffers]);
    }

    #[test]
    fn the_rules_read_like_the_manual() {
        let lines = rules_text(&siloah());
        assert!(lines.contains(&"Minimum aantal tekens: 8".to_owned()), "{lines:?}");
        assert!(lines.contains(&"Hergebruik wachtwoord is toegestaan na: 1 jaar".to_owned()), "{lines:?}");
        assert!(lines.contains(&"De geldigheidsduur van het wachtwoord is: 6 maanden".to_owned()), "{lines:?}");
        assert_eq!(period_words(30), "1 maand");
        assert_eq!(period_words(730), "2 jaar");
        assert_eq!(period_words(10), "10 dagen");
    }

    #[test]
    fn every_problem_has_a_dutch_sentence() {
        let all = [
            PasswordProblem::Empty,
            PasswordProblem::TooShort { min: 8 },
            PasswordProblem::TooLong,
            PasswordProblem::Missing(CharacterClass::Symbol),
            PasswordProblem::ContainsUsername,
            PasswordProblem::ContainsEmail,
            PasswordProblem::TooCommon,
            PasswordProblem::ConfirmationDiffers,
            PasswordProblem::SameAsCurrent,
            PasswordProblem::UsedBefore { days: 365 },
        ];
        for problem in all {
            let message = problem.message();
            assert!(message.ends_with('.'), "{message}");
        }
    }
}
