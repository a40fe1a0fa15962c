//! The landing page: the tenant's welcome, what a person needs to log in, and the way in.
//! Someone already signed in who opens the portal's address (or clicks the logo) is taken
//! to Home: the welcome with its "Inloggen" button would look as if they had been logged out.

use crate::error::AppError;
use crate::request_id::RequestId;
use crate::state::AppState;
use crate::templates::page_context;
use crate::tenant::CurrentTenant;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use careportal_domain::signin::SessionStage;

pub async fn page(
    State(state): State<AppState>,
    tenant: CurrentTenant,
    request_id: RequestId,
    jar: CookieJar,
) -> Result<Response, AppError> {
    let session = crate::session::current(&state, &tenant, &jar).await?;
    if session.is_some_and(|s| s.stage == SessionStage::Active) {
        return Ok(Redirect::to("/home").into_response());
    }
    let context = page_context(&tenant, &request_id.0);
    let html = state.templates.render(&tenant, state.store.as_ref(), "landing.html", &context).await?;
    Ok(Html(html).into_response())
}
