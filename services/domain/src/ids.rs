//! Newtype identifiers, so a client id can never be passed where a tenant id is expected.

use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh id. Version 7 ids sort by creation time, which keeps index pages warm.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
            pub const fn from_uuid(id: Uuid) -> Self {
                Self(id)
            }
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

id_type!(
    /// One care organisation.
    TenantId
);
id_type!(
    /// One client (cliënt) of a tenant.
    ClientId
);
id_type!(
    /// One login: a client, a representative or a contact person.
    AccountId
);
id_type!(
    /// One entry of the audit log.
    AuditId
);
id_type!(
    /// One e-mail or SMS in the outbox.
    MessageId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_text() {
        let id = ClientId::new();
        let parsed: ClientId = id.to_string().parse().unwrap();
        assert_eq!(id, parsed);
    }

    #[test]
    fn new_ids_are_time_ordered() {
        let a = TenantId::new();
        let b = TenantId::new();
        assert!(a < b);
    }
}
id_type!(
    /// One report line (rapportage) of a client.
    ReportId
);
id_type!(
    /// One measurement (meting) of a client.
    MeasurementId
);
id_type!(
    /// One message between the portal and the care coordinator.
    CareMessageId
);
id_type!(
    /// One item a portal user wrote, waiting to go back to the ECD.
    EcdItemId
);
id_type!(
    /// One document of a client's record (a plan print, an evaluation, an invoice).
    DocumentId
);
id_type!(
    /// One care plan print offered for signing.
    CarePlanId
);
id_type!(
    /// One message between people in a client's network (Salem's Mijn berichten).
    NetworkMessageId
);
id_type!(
    /// One appointment in a client's agenda.
    AppointmentId
);
id_type!(
    /// One post (or reply) on a client's prikbord.
    PostId
);
id_type!(
    /// One questionnaire sent to a client from the ECD.
    QuestionnaireId
);
id_type!(
    /// One "Download mijn dossier": a ZIP made in the background for one person.
    ExportId
);
