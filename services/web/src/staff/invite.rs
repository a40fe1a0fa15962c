//! Uitnodigen: an administrator or coordinator invites a client, a representative or a
//! contact person, the same way `careportal user invite` does (careportal-accounts).

use super::Staff;
use crate::error::AppError;
use crate::form::Form;
use crate::pages::render;
use crate::record::field_errors;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;
use careportal_accounts::{InviteError, InviteRequest, Invited};
use careportal_domain::DomainError;
use careportal_domain::staff::StaffAction;
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    naam: String,
    #[serde(default)]
    client: String,
    #[serde(default)]
    relatie: String,
    #[serde(default)]
    mobiel: String,
    #[serde(default, skip_serializing)]
    csrf: String,
}

#[derive(Debug, Serialize)]
struct Choice {
    value: String,
    label: String,
}

async fn form_page(
    staff: &Staff,
    jar: CookieJar,
    form: &InviteForm,
    problems: &[DomainError],
    notice: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let clients: Vec<Choice> = staff
        .listed_clients()
        .await?
        .iter()
        .map(|c| Choice {
            value: c.reference.as_str().to_owned(),
            label: format!("{} ({})", c.name.full(), c.reference),
        })
        .collect();
    let (jar, mut context) = staff.context(jar, "Uitnodigen");
    context.insert("form", form);
    context.insert("clients", &clients);
    // The form's field names, for the errors the invitation gives by its own names.
    let mut errors = field_errors(problems);
    for (from, to) in [("name", "naam"), ("relation", "relatie"), ("phone", "mobiel")] {
        if let Some(message) = errors.remove(from) {
            errors.insert(to.to_owned(), message);
        }
    }
    context.insert("errors", &errors);
    context.insert("notice", &notice);
    context.insert("sms", &tenant_offers_sms(staff));
    // With an ECD connected, the ECD's network decides who may be a representative.
    context.insert("ecd_network", &staff.tenant.config.sync.ecd().is_some());
    render(&staff.state, &staff.tenant, "staff/invite.html", &context, status, jar).await
}

fn tenant_offers_sms(staff: &Staff) -> bool {
    staff.tenant.config.auth.methods.contains(&careportal_domain::tenant::SecondFactorMethod::Sms)
}

#[derive(Debug, Default, Deserialize)]
pub struct InviteQuery {
    client: Option<String>,
}

pub async fn form(staff: Staff, jar: CookieJar, Query(query): Query<InviteQuery>) -> Result<Response, AppError> {
    staff.require(StaffAction::Invite).await?;
    let form =
        InviteForm { client: query.client.unwrap_or_default(), relatie: "representative".into(), ..Default::default() };
    form_page(&staff, jar, &form, &[], None, StatusCode::OK).await
}

pub async fn invite(staff: Staff, jar: CookieJar, Form(form): Form<InviteForm>) -> Result<Response, AppError> {
    staff.require(StaffAction::Invite).await?;
    if !crate::session::csrf_ok(&staff.state, &jar, &form.csrf) {
        let problem = DomainError::invalid("email", crate::record::reports::EXPIRED_FORM);
        return form_page(&staff, jar, &form, &[problem], None, StatusCode::FORBIDDEN).await;
    }
    let origin = staff.origin();
    let inviter = staff.state.inviter(&staff.tenant, &origin, &staff.base_url);
    let request = InviteRequest {
        email: form.email.clone(),
        name: form.naam.clone(),
        client: form.client.clone(),
        relation: form.relatie.clone(),
        phone: Some(form.mobiel.clone()).filter(|p| !p.trim().is_empty()),
        within: staff.caseload().await?,
    };
    let notice = match inviter.invite(&request).await {
        Ok(Invited::New { email, .. }) => {
            crate::state::send_now(&staff.state, &staff.tenant);
            format!("De uitnodiging is verstuurd naar {email}.")
        }
        Ok(Invited::Asked { username, .. }) => {
            crate::state::send_now(&staff.state, &staff.tenant);
            format!(
                "{username} heeft al een account. Er is een uitnodiging verstuurd; de toegang begint pas als de \
                 persoon die na het inloggen accepteert."
            )
        }
        Ok(Invited::Linked { username }) => format!("{username} had al een account."),
        Err(InviteError::Refused(problems)) => {
            return form_page(&staff, jar, &form, &problems, None, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Err(InviteError::Store(e)) => return Err(e.into()),
        Err(InviteError::Other(m)) => return Err(AppError::Internal(m)),
    };
    // A fresh form for the next person, for the same client.
    let next = InviteForm { client: form.client.clone(), relatie: form.relatie.clone(), ..Default::default() };
    form_page(&staff, jar, &next, &[], Some(notice), StatusCode::OK).await
}
