//! Answering an invitation on Home (which shows them): access to another client that staff
//! offered to this existing account. Only the person, signed in with both factors, accepts
//! or declines; accepting checks the tenant's rules again and tells the client's people
//! (services/accounts).

use crate::error::AppError;
use crate::form::Form;
use crate::record::Care;
use axum::extract::Path;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use careportal_accounts::{InviteError, answer_invitation};
use serde::Deserialize;
use uuid::Uuid;

#[derive(Debug, Default, Deserialize)]
pub struct AnswerForm {
    #[serde(default)]
    csrf: String,
    /// accepteren | weigeren: the button pressed.
    #[serde(default)]
    antwoord: String,
}

/// The answer; back on Home with what happened, or with why accepting is not possible.
pub async fn answer(
    care: Care,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
    jar: CookieJar,
    Form(form): Form<AnswerForm>,
) -> Result<Response, AppError> {
    if !crate::session::csrf_ok(&care.state, &jar, &form.csrf) {
        return Ok(Redirect::to("/home?uitnodiging=verlopen").into_response());
    }
    let accept = match form.antwoord.as_str() {
        "accepteren" => true,
        "weigeren" => false,
        _ => return Err(AppError::NotFound),
    };
    let origin = care.origin();
    let base_url = crate::tenant::link_base(&care.state, &care.tenant, &headers);
    let context = care.state.inviter(&care.tenant, &origin, &base_url);
    match answer_invitation(&context, &care.signed_in.account, id, accept).await {
        Ok(Some(answered)) if answered.accepted => {
            crate::state::send_now(&care.state, &care.tenant);
            Ok(Redirect::to("/home?uitnodiging=geaccepteerd").into_response())
        }
        Ok(Some(_)) => Ok(Redirect::to("/home?uitnodiging=geweigerd").into_response()),
        Ok(None) => Err(AppError::NotFound),
        Err(InviteError::Refused(problems)) => {
            let why = problems
                .iter()
                .map(|p| match p {
                    careportal_domain::DomainError::Invalid { message, .. } => message.clone(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join(" ");
            crate::home::page_with_problem(care, jar, why).await
        }
        Err(InviteError::Store(e)) => Err(e.into()),
        Err(InviteError::Other(m)) => Err(AppError::Internal(m)),
    }
}
