//! The landing page: the tenant's welcome, what a person needs to log in, and the way in.

use crate::error::AppError;
use crate::request_id::RequestId;
use crate::state::AppState;
use crate::templates::page_context;
use crate::tenant::CurrentTenant;
use axum::extract::State;
use axum::response::Html;

pub async fn page(
    State(state): State<AppState>,
    tenant: CurrentTenant,
    request_id: RequestId,
) -> Result<Html<String>, AppError> {
    let context = page_context(&tenant, &request_id.0);
    let html = state.templates.render(&tenant, state.store.as_ref(), "landing.html", &context).await?;
    Ok(Html(html))
}
