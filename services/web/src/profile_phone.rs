//! Mijn profiel, "Mobiel nummer voor bevestigingscodes": someone who logs in with an
//! Authenticator App may give a mobile number, so that signing or rejecting a care plan
//! brings a Bevestigingscode by SMS, as the manual describes. The number is proved like an
//! SMS activation (a registration code sent to it), and only after a current code from the
//! app: a stolen session alone cannot route the signing codes to a thief's phone.

use crate::error::AppError;
use crate::record::Care;
use crate::sms::{Checked, Sent};
use axum::http::StatusCode;
use careportal_domain::phone::{MobileNumber, mask_e164};
use careportal_domain::signin::{CodePurpose, FactorMethod, SecondFactor};
use careportal_domain::tenant::SecondFactorMethod;
use serde::Serialize;

/// The section as the page shows it.
#[derive(Debug, Default, Serialize)]
pub(crate) struct PhoneView {
    /// The masked number codes go to now.
    pub current: Option<String>,
    /// What was typed, kept on an error.
    pub number: String,
    /// A registration code went to this (masked) number.
    pub sent_to: Option<String>,
    pub error: Option<String>,
}

/// Whether this person is offered the section: the app is their factor and the tenant
/// sends SMS at all.
pub(crate) fn offered(care: &Care, factor: Option<&SecondFactor>) -> bool {
    care.tenant.config.auth.offers(SecondFactorMethod::Sms) && factor.is_some_and(|f| f.method == FactorMethod::Totp)
}

/// What an action of the section leads to.
pub(crate) enum Outcome {
    /// Show Mijn profiel again with this view (and status).
    Page(PhoneView, StatusCode),
    /// Done: back to Mijn profiel with this notice key.
    Done(&'static str),
    /// Too many wrong codes: the account is locked, sign in again.
    Locked,
}

/// `actie` nummer-versturen | nummer-controleren | nummer-verwijderen.
pub(crate) async fn act(
    care: &Care,
    action: &str,
    number: &str,
    app_code: &str,
    registration_code: &str,
) -> Result<Outcome, AppError> {
    let (state, tenant, account) = (&care.state, &care.tenant, &care.signed_in.account);
    let factor = state.store.second_factor(tenant.id, account.id).await?;
    if !offered(care, factor.as_ref()) {
        return Err(AppError::NotFound);
    }
    let Some(factor) = factor else { return Err(AppError::NotFound) };
    let mut view = PhoneView {
        current: factor.phone.as_deref().map(mask_e164),
        number: number.trim().to_owned(),
        ..PhoneView::default()
    };
    let origin = care.client_info.origin(account.id);
    let session = &care.signed_in.session.token_hash;
    match action {
        "nummer-verwijderen" => {
            state.store.set_confirmation_phone(tenant.id, &origin, account.id, None).await?;
            Ok(Outcome::Done("verwijderd"))
        }
        "nummer-controleren" => {
            match crate::sms::check_code(state, tenant, session, CodePurpose::Enroll, registration_code).await? {
                Checked::Right { phone } => {
                    state.store.set_confirmation_phone(tenant.id, &origin, account.id, Some(&phone)).await?;
                    Ok(Outcome::Done("opgeslagen"))
                }
                Checked::Wrong => {
                    view.sent_to = Some(String::new());
                    view.error = Some("Deze registratiecode klopt niet. Controleer de cijfers in de SMS.".to_owned());
                    Ok(Outcome::Page(view, StatusCode::UNPROCESSABLE_ENTITY))
                }
                Checked::Gone => {
                    view.error =
                        Some("Deze registratiecode is verlopen of al gebruikt. Verstuur een nieuwe code.".to_owned());
                    Ok(Outcome::Page(view, StatusCode::UNPROCESSABLE_ENTITY))
                }
            }
        }
        "nummer-versturen" => {
            let number = match MobileNumber::parse(number, &tenant.config.auth.sms_countries) {
                Ok(number) => number,
                Err(problem) => {
                    view.error = Some(problem.message());
                    return Ok(Outcome::Page(view, StatusCode::UNPROCESSABLE_ENTITY));
                }
            };
            if !crate::signin::step_up_allowed(state, tenant, account).await? {
                return Ok(Outcome::Locked);
            }
            if !crate::signin::totp_ok(state, tenant, account, &factor, app_code.trim(), &origin).await? {
                if crate::signin::count_failure(state, tenant, account, &origin, "2FA code onjuist bij mobiel nummer")
                    .await?
                {
                    return Ok(Outcome::Locked);
                }
                view.error = Some("De code uit uw app klopt niet. Vul de code in die de app nu laat zien.".to_owned());
                return Ok(Outcome::Page(view, StatusCode::UNPROCESSABLE_ENTITY));
            }
            match crate::sms::send_code(state, tenant, session, account, number.as_str(), CodePurpose::Enroll).await? {
                Sent::Yes { .. } => {
                    view.sent_to = Some(number.masked());
                    Ok(Outcome::Page(view, StatusCode::OK))
                }
                Sent::Limited(message) => {
                    view.error = Some(message.to_owned());
                    Ok(Outcome::Page(view, StatusCode::TOO_MANY_REQUESTS))
                }
            }
        }
        _ => Err(AppError::NotFound),
    }
}
