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
