//! Staff of a tenant in the portal: the tenant administrator and the care coordinator
//! (Coördinator zorg / EVV-er). Their rights are the platform's, the same for every tenant:
//! an administrator invites people and looks after the ECD koppeling; a coordinator
//! invites, answers messages and offers care plans for signing.

use crate::DomainError;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    Admin,
    Coordinator,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffAction {
    Invite,
    AnswerMessages,
    OfferPlans,
    /// The ECD koppeling: its status, and "Nu synchroniseren".
    ManageSync,
}

impl StaffRole {
    pub const ALL: [StaffRole; 2] = [StaffRole::Admin, StaffRole::Coordinator];

    pub fn as_str(&self) -> &'static str {
        match self {
            StaffRole::Admin => "admin",
            StaffRole::Coordinator => "coordinator",
        }
    }

    pub fn parse(text: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == text)
            .ok_or_else(|| DomainError::invalid("rol", format!("\"{text}\" is geen rol; kies admin of coordinator")))
    }

    pub fn label(&self) -> &'static str {
        match self {
            StaffRole::Admin => "Beheerder",
            StaffRole::Coordinator => "Coördinator zorg",
        }
    }

    pub fn may(&self, action: StaffAction) -> bool {
        match self {
            StaffRole::Coordinator => action != StaffAction::ManageSync,
            StaffRole::Admin => matches!(action, StaffAction::Invite | StaffAction::ManageSync),
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
        assert!(!staff_may(&[], StaffAction::Invite));
        assert_eq!(StaffRole::parse("coordinator").unwrap(), StaffRole::Coordinator);
        assert!(StaffRole::parse("baas").is_err());
    }
}
