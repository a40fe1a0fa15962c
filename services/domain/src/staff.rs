//! Staff of a tenant in the portal: the tenant administrator and the care coordinator
//! (Coördinator zorg / EVV-er). Their rights are the platform's, the same for every tenant:
//! an administrator invites people, manages their access and looks after the ECD koppeling;
//! a coordinator invites, manages access, answers messages and offers care plans for signing.

use crate::DomainError;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    Admin,
    Coordinator,
    /// The privacy officer (functionaris gegevensbescherming): reads the audit log, nothing else.
    PrivacyOfficer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffAction {
    Invite,
    AnswerMessages,
    OfferPlans,
    /// The ECD koppeling: its status, and "Nu synchroniseren".
    ManageSync,
    /// Search and export the audit log ("Logboek").
    ReadAudit,
    /// Toegang: end a person's access to a client ("Opzeggen toegang", which Siloah's manual
    /// has people ask of the Coördinator zorg), lift a lock, reset a second factor.
    ManageAccess,
    /// The tenant's own settings: which parts the portal has, their names and their order.
    ManageTenant,
}

impl StaffAction {
    /// The action as the audit log names it.
    pub fn key(&self) -> &'static str {
        match self {
            StaffAction::Invite => "invite",
            StaffAction::AnswerMessages => "answer_messages",
            StaffAction::OfferPlans => "offer_plans",
            StaffAction::ManageSync => "manage_sync",
            StaffAction::ReadAudit => "read_audit",
            StaffAction::ManageAccess => "manage_access",
            StaffAction::ManageTenant => "manage_tenant",
        }
    }
}

impl StaffRole {
    pub const ALL: [StaffRole; 3] = [StaffRole::Admin, StaffRole::Coordinator, StaffRole::PrivacyOfficer];

    pub fn as_str(&self) -> &'static str {
        match self {
            StaffRole::Admin => "admin",
            StaffRole::Coordinator => "coordinator",
            StaffRole::PrivacyOfficer => "privacy",
        }
    }

    pub fn parse(text: &str) -> Result<Self, DomainError> {
        Self::ALL.into_iter().find(|r| r.as_str() == text).ok_or_else(|| {
            DomainError::invalid("rol", format!("\"{text}\" is geen rol; kies admin, coordinator of privacy"))
        })
    }

    pub fn label(&self) -> &'static str {
        match self {
            StaffRole::Admin => "Beheerder",
            StaffRole::Coordinator => "Coördinator zorg",
            StaffRole::PrivacyOfficer => "Functionaris gegevensbescherming",
        }
    }

    pub fn may(&self, action: StaffAction) -> bool {
        match self {
            StaffRole::Coordinator => {
                !matches!(action, StaffAction::ManageSync | StaffAction::ReadAudit | StaffAction::ManageTenant)
            }
            StaffRole::Admin => {
                matches!(
                    action,
                    StaffAction::Invite
                        | StaffAction::ManageSync
                        | StaffAction::ReadAudit
                        | StaffAction::ManageAccess
                        | StaffAction::ManageTenant
                )
            }
            StaffRole::PrivacyOfficer => action == StaffAction::ReadAudit,
        }
    }
}

/// Whether any of `roles` allows `action`.
pub fn staff_may(roles: &[StaffRole], action: StaffAction) -> bool {
    roles.iter().any(|r| r.may(action))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_administrator_invites_and_a_coordinator_does_the_care_work_too() {
        assert!(staff_may(&[StaffRole::Admin], StaffAction::Invite));
        assert!(!staff_may(&[StaffRole::Admin], StaffAction::OfferPlans));
        assert!(staff_may(&[StaffRole::Admin], StaffAction::ManageSync));
        assert!(!staff_may(&[StaffRole::Coordinator], StaffAction::ManageSync));
        assert!(staff_may(&[StaffRole::Coordinator], StaffAction::AnswerMessages));
        assert!(!staff_may(&[StaffRole::Coordinator], StaffAction::ReadAudit));
        assert!(staff_may(&[StaffRole::Admin], StaffAction::ReadAudit));
        assert!(staff_may(&[StaffRole::PrivacyOfficer], StaffAction::ReadAudit));
        assert!(!staff_may(&[StaffRole::PrivacyOfficer], StaffAction::Invite));
        assert!(!staff_may(&[], StaffAction::Invite));
        assert!(staff_may(&[StaffRole::Admin], StaffAction::ManageAccess));
        assert!(staff_may(&[StaffRole::Coordinator], StaffAction::ManageAccess));
        assert!(!staff_may(&[StaffRole::PrivacyOfficer], StaffAction::ManageAccess));
        assert!(staff_may(&[StaffRole::Admin], StaffAction::ManageTenant));
        assert!(!staff_may(&[StaffRole::Coordinator], StaffAction::ManageTenant));
        assert_eq!(StaffRole::parse("coordinator").unwrap(), StaffRole::Coordinator);
        assert!(StaffRole::parse("baas").is_err());
    }
}
