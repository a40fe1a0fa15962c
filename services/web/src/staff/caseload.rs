//! Beheer › Medewerkers › Cliënten (the tenant administrator): which clients a Coördinator
//! zorg works with. A coordinator sees, answers and manages only those (their caseload);
//! an administrator sees every client. Each client assigned or taken off is audited.

use super::Staff;
use crate::error::AppError;
use crate::form::Form;
use crate::pages::render;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use careportal_domain::people::{Account, Client};
use careportal_domain::staff::{StaffAction, StaffRole};
use careportal_domain::{AccountId, ClientId};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize)]
struct Row {
    id: String,
    name: String,
    reference: String,
    ticked: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    gedaan: Option<String>,
}

/// The coordinator by id; a 404 for anyone who is not one of this tenant's.
async fn coordinator(staff: &Staff, account: &str) -> Result<Account, AppError> {
    staff.require(StaffAction::ManageTenant).await?;
    let id: AccountId = account.parse().map_err(|_| AppError::NotFound)?;
    if !staff.state.store.staff_roles(staff.tenant.id, id).await?.contains(&StaffRole::Coordinator) {
        return Err(AppError::NotFound);
    }
    staff.state.store.account(staff.tenant.id, id).await?.ok_or(AppError::NotFound)
}

fn path(coordinator: &Account) -> String {
    format!("/beheer/medewerkers/{}/clienten", coordinator.id)
}

async fn page_with(
    staff: &Staff,
    jar: CookieJar,
    coordinator: &Account,
    clients: &[Client],
    ticked: &[ClientId],
    (notice, error): (Option<&str>, Option<&str>),
    status: StatusCode,
) -> Result<Response, AppError> {
    let rows: Vec<Row> = clients
        .iter()
        .map(|c| Row {
            id: c.id.to_string(),
            name: c.name.full(),
            reference: c.reference.as_str().to_owned(),
            ticked: ticked.contains(&c.id),
        })
        .collect();
    let name = coordinator.name.full();
    let (jar, mut context) = staff.context(jar, &format!("Cliënten van {name}"));
    context.insert("coordinator", &name);
    context.insert("action", &path(coordinator));
    context.insert("clients", &rows);
    context.insert("notice", &notice);
    context.insert("error", &error);
    render(&staff.state, &staff.tenant, "staff/caseload.html", &context, status, jar).await
}

/// GET /beheer/medewerkers/{account}/clienten
pub async fn page(
    staff: Staff,
    jar: CookieJar,
    Path(account): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Response, AppError> {
    let coordinator = coordinator(&staff, &account).await?;
    let clients = staff.listed_clients().await?;
    let caseload = staff.state.store.caseload(staff.tenant.id, coordinator.id).await?;
    let notice = (query.gedaan.as_deref() == Some("opgeslagen"))
        .then_some("Opgeslagen. De coördinator ziet vanaf nu precies deze cliënten.");
    page_with(&staff, jar, &coordinator, &clients, &caseload, (notice, None), StatusCode::OK).await
}

/// POST /beheer/medewerkers/{account}/clienten: a `client` field per ticked client.
pub async fn save(
    staff: Staff,
    jar: CookieJar,
    Path(account): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let coordinator = coordinator(&staff, &account).await?;
    let clients = staff.listed_clients().await?;
    // Only ids of this tenant's clients count; anything else in the form is not a client.
    let ticked: Vec<ClientId> = fields
        .iter()
        .filter(|(k, _)| k == "client")
        .filter_map(|(_, v)| clients.iter().find(|c| c.id.to_string() == *v).map(|c| c.id))
        .collect();
    let csrf = crate::form::first(&fields, "csrf").unwrap_or("");
    if !crate::session::csrf_ok(&staff.state, &jar, csrf) {
        let error = Some(crate::record::reports::EXPIRED_FORM);
        return page_with(&staff, jar, &coordinator, &clients, &ticked, (None, error), StatusCode::FORBIDDEN).await;
    }
    staff.state.store.set_caseload(staff.tenant.id, &staff.origin(), coordinator.id, &ticked).await?;
    Ok(Redirect::to(&format!("{}?gedaan=opgeslagen", path(&coordinator))).into_response())
}
