//! The first page after signing in: who is signed in, and the clients they may act for.
//! The care-record modules hang off this page as they arrive.

use crate::AppState;
use crate::error::AppError;
use crate::request_id::RequestId;
use crate::session::{SignedIn, csrf_token};
use crate::templates::page_context;
use crate::tenant::CurrentTenant;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use careportal_domain::audit::AuditAction;
use careportal_domain::people::Account;
use serde::{Deserialize, Serialize};

/// The signed-in person as pages show them.
#[derive(Debug, Serialize)]
pub struct UserView {
    pub name: String,
    pub username: String,
    /// Seconds until the idle timeout, counted from this page (the request just touched the
    /// session): the page warns before it ends and offers to stay signed in.
    pub idle_seconds: u32,
}

impl UserView {
    pub fn of(account: &Account, tenant: &careportal_domain::tenant::Tenant) -> Self {
        Self {
            name: account.name.full(),
            username: account.username.as_str().to_owned(),
            idle_seconds: tenant.config.auth.idle_timeout_minutes.saturating_mul(60),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ExtendForm {
    #[serde(default)]
    csrf: String,
}

/// "Blijf ingelogd": the request itself touches the session (SignedIn), which is the whole
/// point. From the page's script it answers 204; from a plain form it goes back home.
pub async fn extend(
    State(state): State<AppState>,
    _signed_in: SignedIn,
    headers: axum::http::HeaderMap,
    jar: CookieJar,
    axum::Form(form): axum::Form<ExtendForm>,
) -> Response {
    if !crate::session::csrf_ok(&state, &jar, &form.csrf) {
        return axum::http::StatusCode::FORBIDDEN.into_response();
    }
    if headers.get("x-careportal").is_some() {
        axum::http::StatusCode::NO_CONTENT.into_response()
    } else {
        axum::response::Redirect::to("/home").into_response()
    }
}

#[derive(Debug, Serialize)]
struct ClientView {
    name: String,
    relation: &'static str,
}

#[derive(Debug, Deserialize)]
pub struct HomeQuery {
    wachtwoord: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    tenant: CurrentTenant,
    request_id: RequestId,
    signed_in: SignedIn,
    client: crate::session::ClientInfo,
    Query(query): Query<HomeQuery>,
    jar: CookieJar,
) -> Result<Response, AppError> {
    let links = state.store.account_links(tenant.id, signed_in.account.id).await?;
    // Showing whose records this person may open is a read of client data.
    let origin = client.origin(signed_in.account.id);
    for link in &links {
        let event = origin.event(AuditAction::CLIENT_VIEWED, Some(link.client.id), "startpagina");
        state.store.append_audit(tenant.id, &event).await?;
    }
    let clients: Vec<ClientView> =
        links.iter().map(|l| ClientView { name: l.client.name.full(), relation: l.relation.label() }).collect();
    let (jar, csrf) = csrf_token(&state, jar);
    let mut context = page_context(&tenant, &request_id.0);
    context.insert("user", &UserView::of(&signed_in.account, &tenant));
    context.insert("csrf", &csrf);
    context.insert("clients", &clients);
    context.insert("password_changed", &query.wachtwoord.is_some());
    context.insert("title", "Home");
    let html = state.templates.render(&tenant, state.store.as_ref(), "home.html", &context).await?;
    Ok((jar, Html(html)).into_response())
}
