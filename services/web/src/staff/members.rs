//! Beheer › Medewerkers (the tenant administrator): who works in Beheer and as what; a role
//! given or taken, and a new colleague invited. An administrator cannot take their own
//! Beheerder role, so a tenant is never left without one by accident.

use super::Staff;
use crate::error::AppError;
use crate::form::Form;
use crate::pages::render;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use careportal_accounts::{InviteError, Invited};
use careportal_domain::staff::{StaffAction, StaffRole};
use careportal_domain::{AccountId, DomainError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize)]
struct Member {
    id: String,
    name: String,
    username: String,
    held: Vec<&'static str>,
    /// A Coördinator zorg, whose clients are chosen on a page of their own.
    coordinator: bool,
    /// The roles held, to take, and the rest, to give.
    take: Vec<RoleView>,
    give: Vec<RoleView>,
}

#[derive(Debug, Serialize)]
struct RoleView {
    key: &'static str,
    label: &'static str,
}

impl RoleView {
    fn of(role: &StaffRole) -> Self {
        Self { key: role.as_str(), label: role.label() }
    }
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct AddForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    naam: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    rol: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    gedaan: Option<String>,
}

async fn page_with(
    staff: &Staff,
    jar: CookieJar,
    form: &AddForm,
    problems: &[DomainError],
    notice: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    page_saying(staff, jar, form, problems, (notice, None), status).await
}

/// As [`page_with`], with a refusal about the list rather than the form.
async fn page_saying(
    staff: &Staff,
    jar: CookieJar,
    form: &AddForm,
    problems: &[DomainError],
    (notice, refusal): (Option<String>, Option<&str>),
    status: StatusCode,
) -> Result<Response, AppError> {
    let members = staff.state.store.staff_members(staff.tenant.id).await?;
    let rows: Vec<Member> = members
        .iter()
        .map(|(account, roles)| Member {
            id: account.id.to_string(),
            name: account.name.full(),
            username: account.username.as_str().to_owned(),
            held: roles.iter().map(StaffRole::label).collect(),
            coordinator: roles.contains(&StaffRole::Coordinator),
            take: roles.iter().map(RoleView::of).collect(),
            give: StaffRole::ALL.iter().filter(|r| !roles.contains(r)).map(RoleView::of).collect(),
        })
        .collect();
    let (jar, mut context) = staff.context(jar, "Medewerkers");
    context.insert("members", &rows);
    context.insert("form", form);
    context.insert("roles", &StaffRole::ALL.iter().map(RoleView::of).collect::<Vec<_>>());
    let mut errors = crate::record::field_errors(problems);
    for (from, to) in [("name", "naam"), ("role", "rol")] {
        if let Some(message) = errors.remove(from) {
            errors.insert(to.to_owned(), message);
        }
    }
    context.insert("errors", &errors);
    context.insert("notice", &notice);
    context.insert("refusal", &refusal);
    render(&staff.state, &staff.tenant, "staff/members.html", &context, status, jar).await
}

/// GET /beheer/medewerkers
pub async fn page(staff: Staff, jar: CookieJar, Query(query): Query<PageQuery>) -> Result<Response, AppError> {
    staff.require(StaffAction::ManageTenant).await?;
    let notice = match query.gedaan.as_deref() {
        Some("gegeven") => Some("De rol is gegeven.".to_owned()),
        Some("afgenomen") => Some("De rol is afgenomen.".to_owned()),
        _ => None,
    };
    page_with(&staff, jar, &AddForm::default(), &[], notice, StatusCode::OK).await
}

/// POST /beheer/medewerkers: a new colleague (or an existing account) gets a role.
pub async fn add(staff: Staff, jar: CookieJar, Form(form): Form<AddForm>) -> Result<Response, AppError> {
    staff.require(StaffAction::ManageTenant).await?;
    if !crate::session::csrf_ok(&staff.state, &jar, &form.csrf) {
        let problem = DomainError::invalid("email", crate::record::reports::EXPIRED_FORM);
        return page_with(&staff, jar, &form, &[problem], None, StatusCode::FORBIDDEN).await;
    }
    let Ok(role) = StaffRole::parse(&form.rol) else {
        let problem = DomainError::invalid("rol", "Kies de rol van de medewerker.");
        return page_with(&staff, jar, &form, &[problem], None, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let origin = staff.origin();
    let inviter = staff.state.inviter(&staff.tenant, &origin, &staff.base_url);
    let notice = match inviter.invite_staff(&form.email, &form.naam, role).await {
        Ok(Invited::New { email, .. }) => {
            crate::state::send_now(&staff.state, &staff.tenant);
            format!("De uitnodiging is verstuurd naar {email}, als {}.", role.label())
        }
        Ok(Invited::Linked { username } | Invited::Asked { username, .. }) => {
            format!("{username} had al een account en is nu ook {}.", role.label())
        }
        Err(InviteError::Refused(problems)) => {
            return page_with(&staff, jar, &form, &problems, None, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Err(InviteError::Store(e)) => return Err(e.into()),
        Err(InviteError::Other(m)) => return Err(AppError::Internal(m)),
    };
    page_with(&staff, jar, &AddForm::default(), &[], Some(notice), StatusCode::OK).await
}

#[derive(Debug, Default, Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    rol: String,
}

/// A member of this tenant's staff by id, and the role named in the form; 404 otherwise.
async fn member_and_role(staff: &Staff, account: &str, form: &RoleForm) -> Result<(AccountId, StaffRole), AppError> {
    staff.require(StaffAction::ManageTenant).await?;
    let account: AccountId = account.parse().map_err(|_| AppError::NotFound)?;
    let role = StaffRole::parse(&form.rol).map_err(|_| AppError::NotFound)?;
    if staff.state.store.staff_roles(staff.tenant.id, account).await?.is_empty() {
        return Err(AppError::NotFound);
    }
    Ok((account, role))
}

/// POST /beheer/medewerkers/{account}/rol-geven
pub async fn give(
    staff: Staff,
    jar: CookieJar,
    Path(account): Path<String>,
    Form(form): Form<RoleForm>,
) -> Result<Response, AppError> {
    let (account, role) = member_and_role(&staff, &account, &form).await?;
    if !crate::session::csrf_ok(&staff.state, &jar, &form.csrf) {
        return Ok(Redirect::to("/beheer/medewerkers").into_response());
    }
    staff.state.store.add_staff_role(staff.tenant.id, &staff.origin(), account, role).await?;
    Ok(Redirect::to("/beheer/medewerkers?gedaan=gegeven").into_response())
}

/// POST /beheer/medewerkers/{account}/rol-afnemen
pub async fn take(
    staff: Staff,
    jar: CookieJar,
    Path(account): Path<String>,
    Form(form): Form<RoleForm>,
) -> Result<Response, AppError> {
    let (account, role) = member_and_role(&staff, &account, &form).await?;
    if !crate::session::csrf_ok(&staff.state, &jar, &form.csrf) {
        return Ok(Redirect::to("/beheer/medewerkers").into_response());
    }
    if account == staff.signed_in.account.id && role == StaffRole::Admin {
        let refusal =
            "U kunt uw eigen rol Beheerder niet afnemen. Vraag dat een andere beheerder, zodat er altijd één is.";
        let said = (None, Some(refusal));
        return page_saying(&staff, jar, &AddForm::default(), &[], said, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    staff.state.store.remove_staff_role(staff.tenant.id, &staff.origin(), account, role).await?;
    Ok(Redirect::to("/beheer/medewerkers?gedaan=afgenomen").into_response())
}
