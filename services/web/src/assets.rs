//! The tenant's theme (colours as CSS custom properties), its logo, and the base stylesheet.

use crate::error::AppError;
use crate::state::AppState;
use crate::tenant::CurrentTenant;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

const BASE_CSS: &str = include_str!("../static/careportal.css");
const BASE_JS: &str = include_str!("../static/careportal.js");
/// Versioned URLs (`?v=`) make long caching safe.
const CACHE: &str = "public, max-age=86400";

pub async fn base_css() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, CACHE)], BASE_CSS)
}

/// Small progressive enhancements; every page works without it.
pub async fn base_js() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, CACHE)], BASE_JS)
}

pub async fn theme_css(tenant: CurrentTenant) -> impl IntoResponse {
    let b = &tenant.config.branding;
    let css = format!(
        ":root {{\n  --cp-primary: {};\n  --cp-on-primary: #ffffff;\n  --cp-accent: {};\n  --cp-background: {};\n  \
         --cp-text: {};\n  --cp-surface: #ffffff;\n  --cp-border: #767676;\n}}\n",
        b.primary, b.accent, b.background, b.text
    );
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, CACHE)], css)
}

pub async fn logo(State(state): State<AppState>, tenant: CurrentTenant) -> Result<impl IntoResponse, AppError> {
    let svg = state.store.tenant_logo(tenant.id).await?.ok_or(AppError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, CACHE),
            // Opened on its own, an SVG is a document: let it run nothing.
            (header::CONTENT_SECURITY_POLICY, "default-src 'none'; style-src 'unsafe-inline'; sandbox"),
        ],
        svg,
    ))
}
