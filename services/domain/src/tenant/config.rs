//! The typed shape of `tenants/<slug>/tenant.toml`. Every struct refuses unknown keys, so a
//! typo is an error with its key named, never a silently ignored setting.

use crate::colour::Colour;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantConfig {
    /// Short lowercase name: the folder name, `<slug>.localhost` in development.
    pub slug: String,
    /// The organisation's name as people know it.
    pub name: String,
    /// The portal's title; defaults to "Cliëntportaal <name>".
    #[serde(default)]
    pub portal_name: Option<String>,
    /// Production hostnames that serve this tenant.
    #[serde(default)]
    pub hostnames: Vec<String>,
    pub branding: Branding,
    pub support: Support,
    #[serde(default)]
    pub texts: Texts,
    /// Enabled modules by key, each with an optional label of the tenant's own.
    pub modules: BTreeMap<String, ModuleSettings>,
    #[serde(default)]
    pub auth: AuthPolicy,
    #[serde(default)]
    pub access: AccessRules,
    #[serde(default)]
    pub sync: SyncSettings,
    pub rights: RightsSettings,
    #[serde(default)]
    pub audit: AuditSettings,
}

/// How long the audit log is kept (NEN 7513: at least five years; the default).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditSettings {
    #[serde(default = "default_retention_years")]
    pub retention_years: u32,
}

impl Default for AuditSettings {
    fn default() -> Self {
        Self { retention_years: default_retention_years() }
    }
}

fn default_retention_years() -> u32 {
    5
}

impl TenantConfig {
    /// The tenant's word for a module, or the module's own.
    pub fn module_label(&self, module: super::Module) -> String {
        self.modules
            .get(module.key())
            .and_then(|m| m.label.clone())
            .unwrap_or_else(|| module.default_label().to_owned())
    }

    /// The module in "Makkelijk lezen": the tenant's sentence, or the default.
    pub fn module_easy_text(&self, module: super::Module) -> String {
        self.modules
            .get(module.key())
            .and_then(|m| m.easy.clone())
            .unwrap_or_else(|| module.default_easy_text().to_owned())
    }

    pub fn portal_name(&self) -> String {
        self.portal_name.clone().unwrap_or_else(|| format!("Cliëntportaal {}", self.name))
    }

    /// The SMS sender id: configured, or the name's letters and digits, at most 11.
    pub fn sms_sender(&self) -> String {
        self.auth
            .sms_sender
            .clone()
            .unwrap_or_else(|| self.name.chars().filter(char::is_ascii_alphanumeric).take(11).collect())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Branding {
    /// The logo file (SVG) beside tenant.toml.
    pub logo: String,
    /// Text for the logo image, for people who cannot see it.
    #[serde(default)]
    pub logo_alt: Option<String>,
    #[serde(default)]
    pub tagline: Option<String>,
    /// Header, buttons and links. White text must be readable on it.
    pub primary: Colour,
    /// Highlights and focus rings.
    pub accent: Colour,
    /// Page background.
    #[serde(default = "default_background")]
    pub background: Colour,
    /// Body text.
    #[serde(default = "default_text")]
    pub text: Colour,
}

/// One pair of the scheme's colours that must stand apart (WCAG 2.1 AA), for
/// `tenant validate` and for Beheer › Huisstijl, which lists every pair.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ContrastPair {
    /// The setting a failing pair is blamed on.
    pub key: &'static str,
    pub what: &'static str,
    pub ratio: f64,
    pub needed: f64,
}

impl ContrastPair {
    pub fn enough(&self) -> bool {
        self.ratio >= self.needed
    }
}

impl Branding {
    /// Text on the background, white on the main colour, the main colour (links) on the
    /// background, and the focus ring on the background.
    pub fn contrast_pairs(&self) -> [ContrastPair; 4] {
        use crate::colour::{MIN_NON_TEXT_CONTRAST, MIN_TEXT_CONTRAST};
        let pair =
            |key, what, fg: Colour, bg: Colour, needed| ContrastPair { key, what, ratio: fg.contrast(&bg), needed };
        [
            pair("branding.text", "tekst op de achtergrond", self.text, self.background, MIN_TEXT_CONTRAST),
            pair(
                "branding.primary",
                "witte tekst op de hoofdkleur (kop en knoppen)",
                Colour::WHITE,
                self.primary,
                MIN_TEXT_CONTRAST,
            ),
            pair(
                "branding.primary",
                "de hoofdkleur (links) op de achtergrond",
                self.primary,
                self.background,
                MIN_TEXT_CONTRAST,
            ),
            pair(
                "branding.accent",
                "de accentkleur (focusrand) op de achtergrond",
                self.accent,
                self.background,
                MIN_NON_TEXT_CONTRAST,
            ),
        ]
    }
}

fn default_background() -> Colour {
    Colour::rgb(0xf7, 0xf7, 0xf5)
}

fn default_text() -> Colour {
    Colour::rgb(0x1a, 0x1a, 0x1a)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Support {
    /// Who answers ("Servicedesk").
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
    /// Said beside the address wherever it is shown (Salem: "Let op: zonder trema op de e!").
    #[serde(default)]
    pub email_note: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    /// When they answer, as a sentence ("maandag t/m vrijdag van 8.30 tot 16.30 uur").
    #[serde(default)]
    pub hours: Option<String>,
    /// Who to ask about the content of the record ("Coördinator zorg").
    #[serde(default)]
    pub content_questions: Option<String>,
    #[serde(default)]
    pub website: Option<String>,
    #[serde(default)]
    pub manual_url: Option<String>,
    #[serde(default)]
    pub videos_url: Option<String>,
    /// Where urgent matters go instead of a message (the location or the care team), shown
    /// under the message form.
    #[serde(default)]
    pub urgent_phone: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Texts {
    /// The opening sentence of the landing page.
    #[serde(default)]
    pub welcome: Option<String>,
    /// "Voor het inloggen heeft u nodig:" list.
    #[serde(default)]
    pub login_requirements: Vec<String>,
    /// Questions and answers for Help (Salem's "veelgestelde vragen"), in the tenant's words.
    #[serde(default)]
    pub faq: Vec<FaqEntry>,
}

/// One question of the tenant's FAQ and its answer, a paragraph a string.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaqEntry {
    pub question: String,
    pub answer: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModuleSettings {
    #[serde(default)]
    pub label: Option<String>,
    /// What the module is in "Makkelijk lezen" (B1 or simpler), in the tenant's words.
    #[serde(default)]
    pub easy: Option<String>,
    /// Its place in the menu (1 first); without one, the platform's order after the placed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<u16>,
}

/// When to ask for the second factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecondFactorWhen {
    /// At every login (Siloah).
    EveryLogin,
    /// At the first login, on a device not trusted yet, or after `device_trust_days`
    /// without login (Salem).
    NewDevice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecondFactorMethod {
    Totp,
    Sms,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvitationStyle {
    /// A one-time password, valid some days, to be changed at first use (Siloah).
    OneTimePassword,
    /// A single-use activation link.
    ActivationLink,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CharacterClass {
    Lowercase,
    Uppercase,
    Digit,
    Symbol,
}

/// Defaults follow NIST SP 800-63B: length over composition, no forced expiry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthPolicy {
    #[serde(default = "default_second_factor")]
    pub second_factor: SecondFactorWhen,
    /// Offered methods, the preferred one first.
    #[serde(default = "default_methods")]
    pub methods: Vec<SecondFactorMethod>,
    #[serde(default = "default_device_trust_days")]
    pub device_trust_days: u32,
    #[serde(default = "default_invitation")]
    pub invitation: InvitationStyle,
    #[serde(default = "default_invitation_valid_days")]
    pub invitation_valid_days: u32,
    #[serde(default = "default_idle_minutes")]
    pub idle_timeout_minutes: u32,
    #[serde(default = "default_session_hours")]
    pub session_max_hours: u32,
    /// ISO 3166 country codes whose mobile numbers may receive SMS.
    #[serde(default = "default_sms_countries")]
    pub sms_countries: Vec<String>,
    /// The sender shown on a phone (at most 11 letters and digits); the tenant's name when absent.
    #[serde(default)]
    pub sms_sender: Option<String>,
    /// SMS this tenant may send in a day, against SMS pumping.
    #[serde(default = "default_sms_daily_cap")]
    pub sms_daily_cap: u32,
    #[serde(default)]
    pub password: PasswordPolicy,
    #[serde(default)]
    pub lockout: LockoutPolicy,
}

impl Default for AuthPolicy {
    fn default() -> Self {
        Self {
            second_factor: default_second_factor(),
            methods: default_methods(),
            device_trust_days: default_device_trust_days(),
            invitation: default_invitation(),
            invitation_valid_days: default_invitation_valid_days(),
            idle_timeout_minutes: default_idle_minutes(),
            session_max_hours: default_session_hours(),
            sms_countries: default_sms_countries(),
            sms_sender: None,
            sms_daily_cap: default_sms_daily_cap(),
            password: PasswordPolicy::default(),
            lockout: LockoutPolicy::default(),
        }
    }
}

impl AuthPolicy {
    /// Whether the tenant offers `method` as a second factor (Salem: SMS only).
    pub fn offers(&self, method: SecondFactorMethod) -> bool {
        self.methods.contains(&method)
    }

    /// When a code is asked, in the words of the tenant's own policy: Siloah asks at every
    /// login, Salem "de eerste keer, op een ander apparaat, na meer dan 90 dagen".
    pub fn when_asked(&self) -> String {
        let code = if self.offers(SecondFactorMethod::Totp) { "een 2FA code" } else { "een SMS-code" };
        match self.second_factor {
            SecondFactorWhen::EveryLogin => format!("Iedere keer dat u inlogt, vragen wij {code}."),
            SecondFactorWhen::NewDevice => format!(
                "Wij vragen {code} als u de eerste keer inlogt, als u voor het eerst op een ander apparaat inlogt, \
                 en als u meer dan {} dagen niet heeft ingelogd.",
                self.device_trust_days
            ),
        }
    }

    /// What the SMS method means here, for the choice at the first login.
    pub fn sms_explanation(&self) -> String {
        let when = match self.second_factor {
            SecondFactorWhen::EveryLogin => "Iedere keer dat u inlogt, ontvangt u".to_owned(),
            SecondFactorWhen::NewDevice => format!(
                "De eerste keer, op een ander apparaat en na meer dan {} dagen zonder inloggen ontvangt u",
                self.device_trust_days
            ),
        };
        format!(
            "{when} per SMS een inlogcode op uw mobiele telefoon. Vanwege de veiligheid verandert deze code steeds \
             en is daarom maar één keer te gebruiken."
        )
    }

    /// Why an SMS can come at every login where devices are trusted: the trust lives in a
    /// cookie (Salem's FAQ). None where a code is asked every time anyway.
    pub fn cookie_advice(&self) -> Option<&'static str> {
        (self.second_factor == SecondFactorWhen::NewDevice).then_some(
            "Krijgt u elke dag (of elke week) bij het inloggen een SMS? Dan worden de cookies op uw computer \
             steeds verwijderd. Geef uw computer toestemming om de cookies voor het cliëntportaal op te slaan; \
             dan krijgt u die SMS niet meer.",
        )
    }
}

fn default_second_factor() -> SecondFactorWhen {
    SecondFactorWhen::EveryLogin
}
fn default_methods() -> Vec<SecondFactorMethod> {
    vec![SecondFactorMethod::Totp, SecondFactorMethod::Sms]
}
fn default_device_trust_days() -> u32 {
    90
}
fn default_invitation() -> InvitationStyle {
    InvitationStyle::ActivationLink
}
fn default_invitation_valid_days() -> u32 {
    14
}
fn default_idle_minutes() -> u32 {
    15
}
fn default_session_hours() -> u32 {
    12
}
fn default_sms_daily_cap() -> u32 {
    1000
}

fn default_sms_countries() -> Vec<String> {
    vec!["NL".to_owned()]
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordPolicy {
    #[serde(default = "default_min_length")]
    pub min_length: u32,
    #[serde(default)]
    pub require: Vec<CharacterClass>,
    /// Days before a password must be replaced; none means never.
    #[serde(default)]
    pub max_age_days: Option<u32>,
    /// Days before an old password may be used again; none means no reuse check.
    #[serde(default)]
    pub reuse_after_days: Option<u32>,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self { min_length: default_min_length(), require: Vec::new(), max_age_days: None, reuse_after_days: None }
    }
}

fn default_min_length() -> u32 {
    12
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockoutPolicy {
    /// Failed logins in a row before the account is locked for a while.
    #[serde(default = "default_max_failures")]
    pub max_failures: u32,
    #[serde(default = "default_lock_minutes")]
    pub lock_minutes: u32,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        Self { max_failures: default_max_failures(), lock_minutes: default_lock_minutes() }
    }
}

fn default_max_failures() -> u32 {
    10
}
fn default_lock_minutes() -> u32 {
    15
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessRules {
    /// Representatives besides the client; none means no limit.
    #[serde(default)]
    pub max_representatives: Option<u32>,
    /// Days after care ends before the accounts linked to the client are removed.
    #[serde(default)]
    pub remove_accounts_days_after_care: Option<u32>,
    /// Whom the message module reaches.
    #[serde(default = "default_message_recipients")]
    pub messages_to: Vec<MessageRecipient>,
}

impl AccessRules {
    /// The day access stops for a client whose care ended on `care_ended` (Siloah: "na zes
    /// weken"); None where the tenant keeps access after the care. The worker removes the
    /// access on that day; Beheer, Home and the notice e-mail say it.
    pub fn access_stops(&self, care_ended: chrono::NaiveDate) -> Option<chrono::NaiveDate> {
        self.remove_accounts_days_after_care.map(|days| care_ended + chrono::Duration::days(i64::from(days)))
    }

    /// Whether Berichten reach `recipient` here (Siloah: the coordinator; Salem: the
    /// client's contact persons, "U kunt de zorg geen berichten sturen").
    pub fn reaches(&self, recipient: MessageRecipient) -> bool {
        self.messages_to.contains(&recipient)
    }
}

impl Default for AccessRules {
    fn default() -> Self {
        Self {
            max_representatives: None,
            remove_accounts_days_after_care: None,
            messages_to: default_message_recipients(),
        }
    }
}

fn default_message_recipients() -> Vec<MessageRecipient> {
    vec![MessageRecipient::Coordinator]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageRecipient {
    /// The care coordinator (Siloah).
    Coordinator,
    /// The client's contact persons (Salem).
    ContactPersons,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncSettings {
    #[serde(default = "default_connector")]
    pub connector: String,
    /// Schedule per kind of data, by key (reports, questionnaires, appointments, messages…).
    #[serde(default)]
    pub schedule: BTreeMap<String, SyncStream>,
    /// The ECD's FHIR R4 endpoint, for `connector = "fhir"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fhir: Option<FhirSettings>,
}

impl SyncSettings {
    /// The ECD's endpoint when the tenant is connected to one (`connector = "fhir"`); None
    /// for the demo connector, whatever `[sync.fhir]` holds. With an ECD, the ECD is the
    /// source of truth (care periods, the network), and the portal asks and sends there.
    pub fn ecd(&self) -> Option<&FhirSettings> {
        self.fhir.as_ref().filter(|_| self.connector == "fhir")
    }
}

impl Default for SyncSettings {
    fn default() -> Self {
        Self { connector: default_connector(), schedule: BTreeMap::new(), fhir: None }
    }
}

/// Where the ECD's FHIR R4 server is and how to sign in to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FhirSettings {
    /// "https://ecd.example.nl/fhir/R4"
    pub base_url: String,
    /// The Patient.identifier system whose value is the client's reference, e.g. the
    /// organisation's own client number OID.
    pub client_identifier_system: String,
    #[serde(default)]
    pub auth: FhirAuth,
    /// bearer: a file that holds the token (read at every run, so it can be rotated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_file: Option<String>,
    /// bearer: or the environment variable that holds it. The token itself is never in
    /// tenant.toml, which is exported and shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_env: Option<String>,
    /// Resources per page (`_count`).
    #[serde(default = "default_page_size")]
    pub page_size: u32,
    /// smart: how the portal signs in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smart: Option<SmartSettings>,
}

fn default_page_size() -> u32 {
    100
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FhirAuth {
    /// No sign-in (a server inside the organisation's own network, or tests).
    #[default]
    None,
    /// `Authorization: Bearer <token>`.
    Bearer,
    /// SMART Backend Services: client credentials with a signed JWT, `[sync.fhir.smart]`.
    Smart,
}

/// SMART Backend Services (HL7 SMART App Launch 2, "backend services"): the portal signs a
/// short JWT with its private key and trades it at the token endpoint for an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmartSettings {
    /// The client id the ECD registered the portal's public key under.
    pub client_id: String,
    /// A PEM file with the private key (PKCS#8); never the key itself in tenant.toml.
    pub private_key_file: String,
    /// ES384 (an EC P-384 key) or RS384 (an RSA key).
    #[serde(default = "default_smart_algorithm")]
    pub algorithm: String,
    /// The `kid` of the key in the JWK set the ECD knows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// The token endpoint; found in `<base_url>/.well-known/smart-configuration` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_url: Option<String>,
    #[serde(default = "default_smart_scope")]
    pub scope: String,
}

fn default_smart_algorithm() -> String {
    "ES384".to_owned()
}

fn default_smart_scope() -> String {
    "system/*.read system/*.write".to_owned()
}

fn default_connector() -> String {
    "demo".to_owned()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncStream {
    pub every_minutes: u32,
    /// Local time window "08:30-00:30" (Europe/Amsterdam) in which it runs; all day if absent.
    #[serde(default)]
    pub window: Option<String>,
}

/// Which Casbin model governs what contact persons may do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RightsSettings {
    /// The folder under `policies/` that holds model.conf and policy.csv.
    pub policy: String,
    /// Whether the client grants rights per contact person (Salem) or roles are fixed (Siloah).
    #[serde(default)]
    pub granted_by_client: bool,
}
