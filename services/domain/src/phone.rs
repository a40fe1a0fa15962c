//! Mobile numbers for SMS: what people type (06-12345678, +31 6 1234 5678, 0031612345678)
//! normalised to E.164, and only in the countries the tenant allows.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MobileNumber {
    e164: String,
    country: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhoneProblem {
    Empty,
    NotANumber,
    NotMobile,
    CountryNotAllowed(&'static str),
    UnknownCountry,
}

impl PhoneProblem {
    pub fn message(&self) -> String {
        match self {
            PhoneProblem::Empty => "Vul uw mobiele nummer in.".to_owned(),
            PhoneProblem::NotANumber => {
                "Dit is geen telefoonnummer. Vul uw mobiele nummer in, bijvoorbeeld 06 12345678.".to_owned()
            }
            PhoneProblem::NotMobile => {
                "Dit is geen mobiel nummer. SMS-berichten kunnen alleen naar een mobiel nummer, bijvoorbeeld 06 12345678."
                    .to_owned()
            }
            PhoneProblem::CountryNotAllowed(country) => {
                format!("Mobiele nummers uit {} kunnen hier geen SMS ontvangen.", country_name(country))
            }
            PhoneProblem::UnknownCountry => "Mobiele nummers uit dit land kunnen hier geen SMS ontvangen.".to_owned(),
        }
    }
}

fn country_name(code: &str) -> &'static str {
    match code {
        "NL" => "Nederland",
        "BE" => "België",
        "DE" => "Duitsland",
        _ => "dit land",
    }
}

/// Calling code, country, and the length and leading digits of its mobile numbers.
const COUNTRIES: [(&str, &str, &[&str], std::ops::RangeInclusive<usize>); 3] = [
    ("31", "NL", &["6"], 9..=9),
    ("32", "BE", &["46", "47", "48", "49"], 9..=9),
    ("49", "DE", &["15", "16", "17"], 10..=11),
];

impl MobileNumber {
    pub fn parse(input: &str, allowed: &[String]) -> Result<Self, PhoneProblem> {
        let compact: String = input.replace("(0)", "").chars().filter(|c| !" -./()".contains(*c)).collect();
        if compact.is_empty() {
            return Err(PhoneProblem::Empty);
        }
        let international = if let Some(rest) = compact.strip_prefix('+') {
            rest.to_owned()
        } else if let Some(rest) = compact.strip_prefix("00") {
            rest.to_owned()
        } else if let Some(rest) = compact.strip_prefix('0') {
            // A national number: Dutch, as the portal's people are.
            format!("31{rest}")
        } else {
            return Err(PhoneProblem::NotANumber);
        };
        if !international.chars().all(|c| c.is_ascii_digit()) || !(8..=15).contains(&international.len()) {
            return Err(PhoneProblem::NotANumber);
        }
        let (calling, country, prefixes, length) = COUNTRIES
            .iter()
            .find(|(calling, ..)| international.starts_with(calling))
            .ok_or(PhoneProblem::UnknownCountry)?;
        let national = &international[calling.len()..];
        if !prefixes.iter().any(|p| national.starts_with(p)) || !length.contains(&national.len()) {
            return Err(PhoneProblem::NotMobile);
        }
        if !allowed.iter().any(|a| a == country) {
            return Err(PhoneProblem::CountryNotAllowed(country));
        }
        Ok(Self { e164: format!("+{international}"), country })
    }

    pub fn as_str(&self) -> &str {
        &self.e164
    }

    pub fn country(&self) -> &'static str {
        self.country
    }

    /// For screens and evidence: "+31 6 •••• ••78" shows enough to recognise the number.
    pub fn masked(&self) -> String {
        mask_e164(&self.e164)
    }
}

/// Masks a stored E.164 number, keeping the country, first digit and last two.
pub fn mask_e164(e164: &str) -> String {
    let digits: Vec<char> = e164.chars().filter(char::is_ascii_digit).collect();
    let (calling, rest) = COUNTRIES
        .iter()
        .find(|(calling, ..)| e164.trim_start_matches('+').starts_with(calling))
        .map(|(calling, ..)| (calling.len(), digits.len()))
        .unwrap_or((2, digits.len()));
    if rest < calling + 3 {
        return "••••".to_owned();
    }
    let first: String = digits[calling..=calling].iter().collect();
    let last: String = digits[rest - 2..].iter().collect();
    let code: String = digits[..calling].iter().collect();
    format!("+{code} {first} •••• ••{last}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nl() -> Vec<String> {
        vec!["NL".to_owned()]
    }

    #[test]
    fn dutch_numbers_in_every_common_form() {
        for typed in [
            "0612345678",
            "06-12345678",
            "06 1234 5678",
            "+31612345678",
            "+31 6 12345678",
            "0031612345678",
            "+31 (0)6 12345678",
        ] {
            assert_eq!(MobileNumber::parse(typed, &nl()).unwrap().as_str(), "+31612345678", "{typed}");
        }
    }

    #[test]
    fn landlines_and_nonsense_are_refused() {
        assert_eq!(MobileNumber::parse("020 1234567", &nl()), Err(PhoneProblem::NotMobile));
        assert_eq!(MobileNumber::parse("088 – 27 54 575", &nl()), Err(PhoneProblem::NotANumber));
        assert_eq!(MobileNumber::parse("0612", &nl()), Err(PhoneProblem::NotANumber));
        assert_eq!(MobileNumber::parse("mijn nummer", &nl()), Err(PhoneProblem::NotANumber));
        assert_eq!(MobileNumber::parse("", &nl()), Err(PhoneProblem::Empty));
    }

    #[test]
    fn other_countries_only_where_allowed() {
        let belgian = "+32 470 12 34 56";
        assert_eq!(MobileNumber::parse(belgian, &nl()), Err(PhoneProblem::CountryNotAllowed("BE")));
        let allowed = vec!["NL".to_owned(), "BE".to_owned()];
        assert_eq!(MobileNumber::parse(belgian, &allowed).unwrap().as_str(), "+32470123456");
        assert_eq!(MobileNumber::parse("+44 7700 900123", &allowed), Err(PhoneProblem::UnknownCountry));
        assert!(PhoneProblem::CountryNotAllowed("BE").message().contains("België"));
    }

    #[test]
    fn masked_numbers_show_only_the_ends() {
        let number = MobileNumber::parse("0612345678", &nl()).unwrap();
        assert_eq!(number.masked(), "+31 6 •••• ••78");
        assert!(!number.masked().contains("345"));
    }
}
