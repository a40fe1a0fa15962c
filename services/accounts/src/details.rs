//! Changing a person's e-mail address or mobile number for them. Siloah's manual sends
//! "Wijziging van telefoonnummer of e-mailadres" to the Coördinator zorg. Both are the
//! way back into an account (a password reset goes to the address, login codes to the
//! number), so a change needs a written line on how the person's identity was checked, and
//! the old address is told, so a change nobody asked for is noticed.

use crate::{InviteError, support_contact};
use careportal_auth::SecretBox;
use careportal_domain::DomainError;
use careportal_domain::audit::Origin;
use careportal_domain::people::{Account, Email, Username};
use careportal_domain::phone::MobileNumber;
use careportal_domain::tenant::Tenant;
use careportal_store::{AccessRow, ContactChange, Store, StoreError};

/// How long the line on the identity check may be.
pub const HOW_MAX_CHARS: usize = 300;

/// What was typed in the form.
#[derive(Debug, Clone, Default)]
pub struct DetailsRequest {
    pub email: String,
    /// The number for SMS codes; only for a person whose second factor is SMS.
    pub phone: String,
    pub how_checked: String,
}

/// What changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DetailsChanged {
    pub email: bool,
    pub phone: bool,
}

/// The written line on how a person's identity was checked, which every change that opens
/// an account to someone else needs (new contact details, a reset second factor): trimmed,
/// 1 to [`HOW_MAX_CHARS`] characters; the problem under the field `how`.
pub fn identity_check(typed: &str) -> Result<&str, DomainError> {
    let how = typed.trim();
    if how.is_empty() {
        return Err(DomainError::invalid(
            "how",
            "Schrijf op hoe u de identiteit van de persoon heeft gecontroleerd, bijvoorbeeld: teruggebeld op het nummer uit het ECD.",
        ));
    }
    if how.chars().count() > HOW_MAX_CHARS {
        return Err(DomainError::invalid("how", "Dit is te lang. Houd het kort: hoogstens 300 tekens."));
    }
    Ok(how)
}

/// Checks and applies `request` for `person`; each problem names its field (email, phone,
/// how) in Dutch. The person's current SMS number, if any, is `sms_number`.
pub async fn change_details(
    store: &dyn Store,
    secret_box: &SecretBox,
    tenant: &Tenant,
    origin: &Origin,
    person: &AccessRow,
    sms_number: Option<&str>,
    request: &DetailsRequest,
) -> Result<DetailsChanged, InviteError> {
    let account = &person.account;
    let mut problems = Vec::new();
    let email = Email::parse(&request.email).map_err(|e| problems.push(crate::at("email", e))).ok();
    let phone = match sms_number {
        None => None,
        Some(_) => MobileNumber::parse(&request.phone, &tenant.config.auth.sms_countries)
            .map_err(|p| problems.push(DomainError::invalid("phone", p.message())))
            .ok(),
    };
    let new_email = email.filter(|e| !e.as_str().eq_ignore_ascii_case(account.email.as_str()));
    let new_phone = phone.filter(|p| Some(p.as_str()) != sms_number);
    if problems.is_empty() && new_email.is_none() && new_phone.is_none() {
        problems.push(DomainError::invalid(
            "email",
            "Er is niets gewijzigd. Pas het e-mailadres of het mobiele nummer aan.",
        ));
    }
    let how = identity_check(&request.how_checked).map_err(|e| problems.push(e)).unwrap_or_default();
    if !problems.is_empty() {
        return Err(InviteError::Refused(problems));
    }
    // The username follows the address where it is the address (as an invitation makes it).
    let username = match &new_email {
        Some(email) if account.username.as_str().eq_ignore_ascii_case(account.email.as_str()) => {
            Some(Username::parse(email.as_str()).map_err(|e| InviteError::Refused(vec![e]))?)
        }
        _ => None,
    };
    let change = ContactChange {
        email: new_email.as_ref(),
        username: username.as_ref(),
        sms_number: new_phone.as_ref().map(MobileNumber::as_str),
        how_checked: how,
    };
    match store.change_contact(tenant.id, origin, account.id, &change).await {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) => {
            return Err(crate::refused("email", "Dit e-mailadres is al de gebruikersnaam van een ander account."));
        }
        Err(error) => return Err(error.into()),
    }
    let changed = DetailsChanged { email: new_email.is_some(), phone: new_phone.is_some() };
    tell_old_address(store, secret_box, tenant, account, changed).await?;
    Ok(changed)
}

/// The mail to the address the person had: what changed (never the new values), and whom
/// to call when they did not ask for it.
async fn tell_old_address(
    store: &dyn Store,
    secret_box: &SecretBox,
    tenant: &Tenant,
    account: &Account,
    changed: DetailsChanged,
) -> Result<(), InviteError> {
    let portal = tenant.config.portal_name();
    let what = match (changed.email, changed.phone) {
        (true, true) => "uw e-mailadres en het mobiele nummer voor uw SMS-codes zijn",
        (true, false) => "uw e-mailadres is",
        _ => "het mobiele nummer voor uw SMS-codes is",
    };
    let body = format!(
        "Beste {name},\n\n\
         Voor het {portal} {what} gewijzigd.\n\n\
         Heeft u hier niet om gevraagd? Neem dan meteen contact op met {contact}.\n\n\
         Met vriendelijke groet,\n{org}\n",
        name = account.name.full(),
        contact = support_contact(tenant),
        org = tenant.config.name,
    );
    let subject = format!("Uw gegevens in het {portal} zijn gewijzigd");
    careportal_delivery::enqueue_email(store, secret_box, tenant.id, account.email.as_str(), &subject, &body)
        .await
        .map_err(|e| InviteError::Other(e.to_string()))?;
    Ok(())
}
