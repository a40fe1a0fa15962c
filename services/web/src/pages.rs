//! What the form pages share: the context they render with, and rendering with cookies.

use crate::error::AppError;
use crate::request_id::RequestId;
use crate::state::AppState;
use crate::tenant::CurrentTenant;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use serde::Serialize;
use tera::Context;

/// The request-wide things every page renders with.
#[derive(Clone, Copy)]
pub(crate) struct Pages<'a> {
    pub state: &'a AppState,
    pub tenant: &'a CurrentTenant,
    pub request_id: &'a RequestId,
}

/// The context of a page with a form: the tenant's page context and the CSRF token for its
/// forms (setting the token's cookie when this browser has none yet).
pub(crate) fn form_context(
    state: &AppState,
    tenant: &CurrentTenant,
    request_id: &RequestId,
    jar: CookieJar,
) -> (CookieJar, Context) {
    let (jar, csrf) = crate::session::csrf_token(state, jar);
    let mut context = crate::templates::page_context(tenant, &request_id.0);
    context.insert("csrf", &csrf);
    (jar, context)
}

/// Renders a template of the tenant with a status, setting any cookies in `jar`.
pub(crate) async fn render(
    state: &AppState,
    tenant: &CurrentTenant,
    name: &str,
    context: &Context,
    status: StatusCode,
    jar: CookieJar,
) -> Result<Response, AppError> {
    let html = state.templates.render(tenant, state.store.as_ref(), name, context).await?;
    Ok((status, jar, Html(html)).into_response())
}

/// The signed-in person as pages show them.
#[derive(Debug, Serialize)]
pub struct UserView {
    pub name: String,
    pub username: String,
    /// Seconds until the idle timeout, from the session's stored last-seen moment (written at
    /// most once a minute): the page warns before it ends and offers to stay signed in.
    pub idle_seconds: u32,
    /// Grotere letters and Makkelijk lezen, as this person chose them.
    pub display: careportal_domain::people::Display,
}

impl UserView {
    pub fn of(
        account: &careportal_domain::people::Account,
        session: &careportal_domain::signin::Session,
        tenant: &careportal_domain::tenant::Tenant,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Self {
        let left = session.idle_seconds_left(tenant.config.auth.idle_timeout_minutes, now);
        Self {
            name: account.name.full(),
            username: account.username.as_str().to_owned(),
            idle_seconds: u32::try_from(left).unwrap_or(0),
            display: account.display,
        }
    }
}
