//! Beheer › Toegang › Gegevens wijzigen: the e-mail address and the SMS number, with an
//! identity check (the use case is careportal_accounts::change_details).

use super::{PersonView, access_path, target};
use crate::error::AppError;
use crate::form::Form;
use crate::pages::render;
use crate::staff::Staff;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use careportal_domain::people::Client;
use careportal_domain::signin::FactorMethod;
use careportal_store::AccessRow;
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct DetailsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    mobiel: String,
    #[serde(default)]
    hoe: String,
}

/// The number of an SMS second factor, if that is the person's factor.
async fn sms_number(staff: &Staff, person: &AccessRow) -> Result<Option<String>, AppError> {
    if person.factor != Some(FactorMethod::Sms) {
        return Ok(None);
    }
    let factor = staff.state.store.second_factor(staff.tenant.id, person.account.id).await?;
    Ok(factor.and_then(|f| f.phone))
}

async fn details_page(
    staff: &Staff,
    jar: CookieJar,
    (client, person): (&Client, &AccessRow),
    form: &DetailsForm,
    problems: &[careportal_domain::DomainError],
    sms: bool,
) -> Result<Response, AppError> {
    let title = format!("Gegevens wijzigen van {}", person.account.name.full());
    let (jar, mut context) = staff.context(jar, &title);
    context
        .insert("client", &serde_json::json!({ "reference": client.reference.as_str(), "name": client.name.full() }));
    context.insert("person", &PersonView::of(person, staff.state.clock.now()));
    context.insert("form", form);
    context.insert("sms", &sms);
    let mut errors = crate::record::field_errors(problems);
    for (from, to) in [("phone", "mobiel"), ("how", "hoe")] {
        if let Some(message) = errors.remove(from) {
            errors.insert(to.to_owned(), message);
        }
    }
    context.insert("errors", &errors);
    context.insert("how_max", &careportal_accounts::HOW_MAX_CHARS);
    let status = if problems.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render(&staff.state, &staff.tenant, "staff/access_details.html", &context, status, jar).await
}

/// GET …/gegevens: the e-mail address and, for SMS, the mobile number, as they are.
pub async fn details_form(
    staff: Staff,
    jar: CookieJar,
    Path((reference, account)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (client, person) = target(&staff, &reference, &account).await?;
    let number = sms_number(&staff, &person).await?;
    let form = DetailsForm {
        email: person.account.email.as_str().to_owned(),
        mobiel: number.clone().unwrap_or_default(),
        ..DetailsForm::default()
    };
    details_page(&staff, jar, (&client, &person), &form, &[], number.is_some()).await
}

/// POST …/gegevens
pub async fn details(
    staff: Staff,
    jar: CookieJar,
    Path((reference, account)): Path<(String, String)>,
    Form(form): Form<DetailsForm>,
) -> Result<Response, AppError> {
    let (client, person) = target(&staff, &reference, &account).await?;
    let number = sms_number(&staff, &person).await?;
    if !crate::session::csrf_ok(&staff.state, &jar, &form.csrf) {
        let problem = careportal_domain::DomainError::invalid("email", crate::record::reports::EXPIRED_FORM);
        return details_page(&staff, jar, (&client, &person), &form, &[problem], number.is_some()).await;
    }
    let request = careportal_accounts::DetailsRequest {
        email: form.email.clone(),
        phone: form.mobiel.clone(),
        how_checked: form.hoe.clone(),
    };
    let changed = careportal_accounts::change_details(
        staff.state.store.as_ref(),
        &staff.state.settings.keys.secret_box,
        &staff.tenant,
        &staff.origin(),
        &person,
        number.as_deref(),
        &request,
    )
    .await;
    match changed {
        Ok(_) => {
            crate::state::send_now(&staff.state, &staff.tenant);
            Ok(Redirect::to(&format!("{}?gedaan=gegevens", access_path(&client))).into_response())
        }
        Err(careportal_accounts::InviteError::Refused(problems)) => {
            details_page(&staff, jar, (&client, &person), &form, &problems, number.is_some()).await
        }
        Err(careportal_accounts::InviteError::Store(e)) => Err(e.into()),
        Err(careportal_accounts::InviteError::Other(m)) => Err(AppError::Internal(m)),
    }
}
