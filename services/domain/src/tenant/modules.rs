//! The portal's modules: what a tenant can switch on, and what it calls them.

use serde::{Deserialize, Serialize};

/// Every module the portal has. The key is what tenant.toml uses; the label is the manuals'
/// word, which a tenant may replace with its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Module {
    Home,
    Reports,
    Consents,
    Measurements,
    CarePlans,
    Evaluations,
    PersonProfile,
    Invoices,
    Messages,
    Agenda,
    Prikbord,
    Questionnaires,
    Contacts,
    MyDetails,
    Settings,
    Help,
}

impl Module {
    pub const ALL: [Module; 16] = [
        Module::Home,
        Module::Reports,
        Module::Consents,
        Module::Measurements,
        Module::CarePlans,
        Module::Evaluations,
        Module::PersonProfile,
        Module::Invoices,
        Module::Messages,
        Module::Agenda,
        Module::Prikbord,
        Module::Questionnaires,
        Module::Contacts,
        Module::MyDetails,
        Module::Settings,
        Module::Help,
    ];

    /// The menu's order where a tenant sets none: the manual's (Siloah, "Menu").
    pub const MENU: [Module; 16] = [
        Module::Home,
        Module::MyDetails,
        Module::Reports,
        Module::Consents,
        Module::Measurements,
        Module::CarePlans,
        Module::Evaluations,
        Module::PersonProfile,
        Module::Invoices,
        Module::Questionnaires,
        Module::Agenda,
        Module::Messages,
        Module::Prikbord,
        Module::Contacts,
        Module::Settings,
        Module::Help,
    ];

    pub fn key(&self) -> &'static str {
        match self {
            Module::Home => "home",
            Module::Reports => "reports",
            Module::Consents => "consents",
            Module::Measurements => "measurements",
            Module::CarePlans => "care_plans",
            Module::Evaluations => "evaluations",
            Module::PersonProfile => "person_profile",
            Module::Invoices => "invoices",
            Module::Messages => "messages",
            Module::Agenda => "agenda",
            Module::Prikbord => "prikbord",
            Module::Questionnaires => "questionnaires",
            Module::Contacts => "contacts",
            Module::MyDetails => "my_details",
            Module::Settings => "settings",
            Module::Help => "help",
        }
    }

    pub fn from_key(key: &str) -> Option<Module> {
        Self::ALL.into_iter().find(|m| m.key() == key)
    }

    /// The word the manuals use.
    pub fn default_label(&self) -> &'static str {
        match self {
            Module::Home => "Home",
            Module::Reports => "Rapportages",
            Module::Consents => "Toestemmingen",
            Module::Measurements => "Metingen",
            Module::CarePlans => "Begeleidingsplanafdrukken",
            Module::Evaluations => "Evaluaties",
            Module::PersonProfile => "Persoonsbeeld",
            Module::Invoices => "Facturen",
            Module::Messages => "Berichten",
            Module::Agenda => "Mijn agenda",
            Module::Prikbord => "Prikbord",
            Module::Questionnaires => "Vragenlijsten",
            Module::Contacts => "Contactpersonen",
            Module::MyDetails => "Mijn gegevens",
            Module::Settings => "Beheer instellingen",
            Module::Help => "Help",
        }
    }

    /// What the module is, in "Makkelijk lezen": one or two short sentences at B1 level or
    /// simpler. A tenant may say it in its own words (`[modules.x] easy`).
    pub fn default_easy_text(&self) -> &'static str {
        match self {
            Module::Home => "Dit is het begin. Hier ziet u wat er nieuw is.",
            Module::Reports => "Hier staat wat de begeleiding over u schrijft. U kunt ook zelf iets schrijven.",
            Module::Consents => "Hier zegt u ja of nee. Bijvoorbeeld: mag er een foto van u gemaakt worden?",
            Module::Measurements => "Hier staan metingen. Bijvoorbeeld uw gewicht of uw temperatuur.",
            Module::CarePlans => "Hier staat uw plan. In het plan staat welke hulp u krijgt. U kunt het plan tekenen.",
            Module::Evaluations => "Hier staat hoe het ging met uw plan.",
            Module::PersonProfile => "Hier staat wie u bent en wat u belangrijk vindt.",
            Module::Invoices => "Hier staan de rekeningen.",
            Module::Messages => "Hier stuurt u een bericht. U leest hier ook de antwoorden.",
            Module::Agenda => "Hier staan uw afspraken. U kunt ook zelf een afspraak maken.",
            Module::Prikbord => "Hier zet u nieuws of een foto. Iedereen van uw portaal kan het lezen.",
            Module::Questionnaires => "Hier vult u vragen in.",
            Module::Contacts => "Hier staan de mensen die in uw portaal mogen.",
            Module::MyDetails => "Hier staan uw gegevens. Klopt er iets niet? Zeg het tegen de begeleiding.",
            Module::Settings => "Hier kiest u wat uw contactpersonen mogen zien.",
            Module::Help => "Hier staat wie u kan helpen.",
        }
    }

    /// The pictogram beside the module in the menu in "Makkelijk lezen" (an emoji: every
    /// phone and computer draws them, in colour, without a file to fetch).
    pub fn pictogram(&self) -> &'static str {
        match self {
            Module::Home => "🏠",
            Module::Reports => "📝",
            Module::Consents => "✅",
            Module::Measurements => "⚖️",
            Module::CarePlans => "📋",
            Module::Evaluations => "⭐",
            Module::PersonProfile => "🙂",
            Module::Invoices => "💶",
            Module::Messages => "✉️",
            Module::Agenda => "📅",
            Module::Prikbord => "📌",
            Module::Questionnaires => "❓",
            Module::Contacts => "👥",
            Module::MyDetails => "🪪",
            Module::Settings => "⚙️",
            Module::Help => "🛟",
        }
    }

    /// The address of the module's pages.
    pub fn path(&self) -> &'static str {
        match self {
            Module::Home => "/home",
            Module::Reports => "/rapportages",
            Module::Consents => "/toestemmingen",
            Module::Measurements => "/metingen",
            Module::CarePlans => "/begeleidingsplannen",
            Module::Evaluations => "/evaluaties",
            Module::PersonProfile => "/persoonsbeeld",
            Module::Invoices => "/facturen",
            Module::Messages => "/berichten",
            Module::Agenda => "/agenda",
            Module::Prikbord => "/prikbord",
            Module::Questionnaires => "/vragenlijsten",
            Module::Contacts => "/contactpersonen",
            Module::MyDetails => "/mijn-gegevens",
            Module::Settings => "/instellingen",
            Module::Help => "/help",
        }
    }
}
