//! The portal on the web: axum routes per module over the domain and the store.
//!
//! A request passes, outside in: request id → trace span → security headers → tenant
//! resolution (unknown host: a bare 404) → error pages (branded, with the request id) → the
//! route. Handlers stay thin: extract, authorise, call the domain, render.
#![forbid(unsafe_code)]

mod assets;
mod error;
mod health;
mod landing;
mod request_id;
mod security;
mod templates;
mod tenant;

pub use error::AppError;
pub use request_id::RequestId;
pub use templates::{TemplateError, Templates};
pub use tenant::CurrentTenant;

use axum::Router;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::get;
use careportal_domain::clock::Clock;
use careportal_store::Store;
use std::sync::Arc;

/// What the web layer needs to know of the configuration.
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// Serve `<slug>.localhost` without configuring it (development only).
    pub dev_hosts: bool,
    /// The portal is reached over HTTPS (directly or behind a TLS proxy): send HSTS and mark
    /// cookies Secure.
    pub https: bool,
}

#[derive(Clone, Debug)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub templates: Arc<Templates>,
    pub settings: Arc<WebSettings>,
    pub clock: Arc<dyn Clock>,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, settings: WebSettings, clock: Arc<dyn Clock>) -> Result<Self, TemplateError> {
        Ok(Self { store, templates: Arc::new(Templates::new()?), settings: Arc::new(settings), clock })
    }
}

/// The whole application as one router; tests drive it in-process, `serve` binds it.
pub fn app(state: AppState) -> Router {
    let tenant_routes = Router::new()
        .route("/", get(landing::page))
        .route("/theme.css", get(assets::theme_css))
        .route("/logo.svg", get(assets::logo))
        .route("/static/careportal.css", get(assets::base_css))
        .fallback(error::not_found)
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(error::panic_response))
        .layer(from_fn_with_state(state.clone(), error::render_error_pages))
        .layer(from_fn_with_state(state.clone(), tenant::resolve));

    Router::new()
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready))
        .merge(tenant_routes)
        .layer(from_fn_with_state(state.clone(), security::headers))
        .layer(request_id::trace_layer())
        .layer(from_fn(request_id::assign))
        .with_state(state)
}
