//! Clients, the accounts that log in, and how an account relates to a client.

use crate::{AccountId, ClientId, DomainError, TenantId};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The tenant's own reference for a client, as the ECD knows it (a client number).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ClientReference(String);

impl ClientReference {
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(DomainError::invalid("referentie", "Vul een cliëntnummer in."));
        }
        if text.len() > 64 || !text.chars().all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c)) {
            return Err(DomainError::invalid(
                "referentie",
                "Een cliëntnummer bestaat uit hoogstens 64 letters, cijfers of - _ . /",
            ));
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ClientReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A person's name as it is shown: given name and family name with its prefix
/// ("van", "de", "van der") kept apart, as Dutch records do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonName {
    pub given: String,
    pub prefix: Option<String>,
    pub family: String,
}

impl PersonName {
    pub fn new(given: &str, prefix: Option<&str>, family: &str) -> Result<Self, DomainError> {
        let given = given.trim();
        let family = family.trim();
        if given.is_empty() {
            return Err(DomainError::invalid("voornaam", "Vul een voornaam in."));
        }
        if family.is_empty() {
            return Err(DomainError::invalid("achternaam", "Vul een achternaam in."));
        }
        if given.chars().count() > 100 || family.chars().count() > 100 {
            return Err(DomainError::invalid("naam", "Een naam is hoogstens 100 tekens lang."));
        }
        let prefix = prefix.map(str::trim).filter(|p| !p.is_empty()).map(str::to_owned);
        Ok(Self { given: given.to_owned(), prefix, family: family.to_owned() })
    }

    /// Splits a name as typed ("Ingrid de Vries", "Johan van der Berg"): the first word is the
    /// given name, the lowercase Dutch prefixes after it the prefix, the rest the family name.
    pub fn parse_full(text: &str) -> Result<Self, DomainError> {
        const PREFIXES: [&str; 12] = ["van", "de", "der", "den", "het", "ten", "ter", "te", "in", "'t", "op", "la"];
        let words: Vec<&str> = text.split_whitespace().collect();
        let Some((given, rest)) = words.split_first() else {
            return Err(DomainError::invalid("naam", "Vul een naam in, bijvoorbeeld Ingrid de Vries."));
        };
        let prefix_len = rest.iter().take_while(|w| PREFIXES.contains(w)).count().min(rest.len().saturating_sub(1));
        let prefix = rest[..prefix_len].join(" ");
        let family = rest[prefix_len..].join(" ");
        if family.is_empty() {
            return Err(DomainError::invalid("naam", "Vul voornaam en achternaam in, bijvoorbeeld Ingrid de Vries."));
        }
        Self::new(given, Some(&prefix), &family)
    }

    /// "Johan van der Berg".
    pub fn full(&self) -> String {
        match &self.prefix {
            Some(prefix) => format!("{} {} {}", self.given, prefix, self.family),
            None => format!("{} {}", self.given, self.family),
        }
    }

    /// The first letters of the given and family name ("Daan de Wit" → "DW"), shown where a
    /// photo would be when there is none.
    pub fn initials(&self) -> String {
        [&self.given, &self.family].iter().filter_map(|part| part.chars().next()).flat_map(char::to_uppercase).collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Client {
    pub tenant: TenantId,
    pub id: ClientId,
    pub reference: ClientReference,
    pub name: PersonName,
    pub birth_date: Option<NaiveDate>,
    /// The day care ended; the tenant's access rules remove accounts some time after it.
    pub care_ended_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewClient {
    pub reference: ClientReference,
    pub name: PersonName,
    pub birth_date: Option<NaiveDate>,
}

/// The changes that may be made to a client's master data (normally by the sync).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientChanges {
    pub name: PersonName,
    pub birth_date: Option<NaiveDate>,
    pub care_ended_on: Option<NaiveDate>,
}

/// A role of someone in the client's network, as the ECD records it (zib ContactPerson's
/// RolCodelijst, `urn:oid:2.16.840.1.113883.2.4.3.11.22.472`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContactRole {
    /// 01 "Eerste relatie/contactpersoon".
    FirstContact,
    /// 02 "Tweede relatie/contactpersoon".
    SecondContact,
    /// 24 "Wettelijk vertegenwoordiger".
    LegalRepresentative,
    /// Any other code (mentor, buur, hulpverlener …), kept as the ECD sent it.
    Other(String),
}

impl ContactRole {
    pub fn from_code(code: &str) -> ContactRole {
        match code {
            "01" => ContactRole::FirstContact,
            "02" => ContactRole::SecondContact,
            "24" => ContactRole::LegalRepresentative,
            other => ContactRole::Other(other.to_owned()),
        }
    }

    pub fn code(&self) -> &str {
        match self {
            ContactRole::FirstContact => "01",
            ContactRole::SecondContact => "02",
            ContactRole::LegalRepresentative => "24",
            ContactRole::Other(code) => code,
        }
    }

    /// Siloah: "de eerste en tweede (wettelijk) vertegenwoordiger": the first and second
    /// contact person and the legal representative may be the client's representative.
    pub fn may_represent(&self) -> bool {
        !matches!(self, ContactRole::Other(_))
    }
}

/// Someone in the client's network as the ECD records them (RelatedPerson).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcdContact {
    /// The RelatedPerson's identifier (`system|value`, else `RelatedPerson/id`).
    pub key: String,
    pub name: String,
    pub roles: Vec<ContactRole>,
    /// Lower case, as usernames are.
    pub email: Option<String>,
    pub phone: Option<String>,
}

impl EcdContact {
    pub fn may_represent(&self) -> bool {
        self.roles.iter().any(ContactRole::may_represent)
    }
}

/// How an account stands to a client. The manuals' words: the client themself, a (legal)
/// representative (Siloah: at most two) or a contact person (Salem: rights set by the client).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    Client,
    Representative,
    Contact,
}

impl Relation {
    pub const ALL: [Relation; 3] = [Relation::Client, Relation::Representative, Relation::Contact];

    pub fn as_str(&self) -> &'static str {
        match self {
            Relation::Client => "client",
            Relation::Representative => "representative",
            Relation::Contact => "contact",
        }
    }

    pub fn parse(text: &str) -> Result<Self, DomainError> {
        Self::ALL.into_iter().find(|r| r.as_str() == text).ok_or_else(|| {
            DomainError::invalid(
                "relatie",
                format!("\"{text}\" is geen relatie; kies client, representative of contact"),
            )
        })
    }

    /// The Dutch word shown to people.
    pub fn label(&self) -> &'static str {
        match self {
            Relation::Client => "cliënt",
            Relation::Representative => "vertegenwoordiger",
            Relation::Contact => "contactpersoon",
        }
    }
}

/// A username: what a person types to log in. The manuals use e-mail addresses; we accept
/// any short name but compare it case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Username(String);

impl Username {
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let text = text.trim().to_lowercase();
        if text.is_empty() {
            return Err(DomainError::invalid("gebruikersnaam", "Vul een gebruikersnaam in."));
        }
        if text.chars().count() > 254 || text.chars().any(char::is_whitespace) {
            return Err(DomainError::invalid(
                "gebruikersnaam",
                "Een gebruikersnaam heeft geen spaties en is hoogstens 254 tekens lang.",
            ));
        }
        Ok(Self(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An e-mail address, checked only for shape: delivery is the real test.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let text = text.trim();
        let ok = text.len() <= 254
            && !text.chars().any(char::is_whitespace)
            && text.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
            });
        if ok {
            Ok(Self(text.to_owned()))
        } else {
            Err(DomainError::invalid("e-mailadres", format!("\"{text}\" is geen geldig e-mailadres.")))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    pub tenant: TenantId,
    pub id: AccountId,
    pub username: Username,
    pub email: Email,
    pub name: PersonName,
    pub created_at: DateTime<Utc>,
    /// How this person wants the pages, on every device.
    pub display: Display,
}

/// "Grotere letters" and "Makkelijk lezen" (short sentences, pictograms beside the menu,
/// reports and messages read aloud), chosen by the person and remembered for them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Display {
    pub large_text: bool,
    pub easy_read: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    pub username: Username,
    pub email: Email,
    pub name: PersonName,
}

/// One client an account may act for, and in which role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClientLink {
    pub client: Client,
    pub relation: Relation,
}

/// Access to another client offered to an existing account, waiting for the person's own
/// answer: staff may invite, but only the person, signed in, links their account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkInvitation {
    pub id: uuid::Uuid,
    pub client: Client,
    pub relation: Relation,
    pub invited_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_name_keeps_the_prefix_in_place() {
        let name = PersonName::new("Johan", Some("van der"), "Berg").unwrap();
        assert_eq!(name.full(), "Johan van der Berg");
        let name = PersonName::new(" Anna ", Some("  "), "Jansen").unwrap();
        assert_eq!(name.full(), "Anna Jansen");
        assert_eq!(PersonName::new("johan", Some("van der"), "Berg").unwrap().initials(), "JB");
        assert_eq!(PersonName::new("Özlem", None, "ıldız").unwrap().initials(), "ÖI");
    }

    #[test]
    fn names_as_typed_are_split_the_dutch_way() {
        let name = PersonName::parse_full("Johan van der Berg").unwrap();
        assert_eq!(
            (name.given.as_str(), name.prefix.as_deref(), name.family.as_str()),
            ("Johan", Some("van der"), "Berg")
        );
        assert_eq!(PersonName::parse_full("Fatima El Amrani").unwrap().family, "El Amrani");
        assert_eq!(PersonName::parse_full("Anna de").unwrap().family, "de", "a lone prefix is a family name");
        assert!(PersonName::parse_full("Anna").is_err());
        assert!(PersonName::parse_full("  ").is_err());
    }

    #[test]
    fn usernames_compare_without_case() {
        assert_eq!(
            Username::parse("B.Roggeveen@Sirjon.nl").unwrap(),
            Username::parse("b.roggeveen@sirjon.nl").unwrap()
        );
        assert!(Username::parse("  ").is_err());
        assert!(Username::parse("a b").is_err());
    }

    #[test]
    fn emails_need_a_domain() {
        assert!(Email::parse("servicedesk@sirjon.nl").is_ok());
        for bad in ["servicedesk", "@sirjon.nl", "a@b", "a@.nl", "a b@c.nl"] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn references_are_short_and_plain() {
        assert!(ClientReference::parse("SIL-0001").is_ok());
        assert!(ClientReference::parse("").is_err());
        assert!(ClientReference::parse("a;drop").is_err());
    }

    #[test]
    fn relations_round_trip() {
        for relation in Relation::ALL {
            assert_eq!(Relation::parse(relation.as_str()).unwrap(), relation);
        }
        assert!(Relation::parse("boss").is_err());
    }
}
