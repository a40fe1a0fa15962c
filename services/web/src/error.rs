//! One error type for handlers, with a page face: the response carries only a marker, and
//! [`render_error_pages`] turns it into a branded Dutch page with the request id, and logs
//! the cause. People never see internals; logs always do.

use crate::AppState;
use crate::request_id::RequestId;
use crate::templates::{TemplateError, page_context};
use crate::tenant::CurrentTenant;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use careportal_domain::DomainError;
use careportal_store::StoreError;
use serde::Serialize;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("niet gevonden")]
    NotFound,
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("template: {0}")]
    Template(#[from] TemplateError),
    #[error("domain: {0}")]
    Domain(#[from] DomainError),
    #[error("internal: {0}")]
    Internal(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    NotFound,
    Internal,
}

/// Left on an error response for the page renderer.
#[derive(Debug, Clone)]
struct ErrorMarker {
    kind: Kind,
    cause: Option<Arc<String>>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, kind, cause) = match self {
            // A thing that is there but not for you looks the same as a thing that is not there.
            AppError::NotFound | AppError::Domain(DomainError::NotFound | DomainError::Forbidden) => {
                (StatusCode::NOT_FOUND, Kind::NotFound, None)
            }
            AppError::Store(StoreError::NotFound) => (StatusCode::NOT_FOUND, Kind::NotFound, None),
            other => (StatusCode::INTERNAL_SERVER_ERROR, Kind::Internal, Some(Arc::new(other.to_string()))),
        };
        let mut response = status.into_response();
        response.extensions_mut().insert(ErrorMarker { kind, cause });
        response
    }
}

pub async fn not_found() -> AppError {
    AppError::NotFound
}

/// A panic in a handler becomes an ordinary internal error page.
pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    AppError::Internal("handler panicked".to_owned()).into_response()
}

#[derive(Serialize)]
struct ErrorView {
    title: &'static str,
    message: &'static str,
}

pub async fn render_error_pages(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let tenant = request.extensions().get::<CurrentTenant>().cloned();
    let request_id = request.extensions().get::<RequestId>().map(|r| r.0.clone()).unwrap_or_default();
    let response = next.run(request).await;
    let Some(marker) = response.extensions().get::<ErrorMarker>().cloned() else {
        return response;
    };
    if let Some(cause) = &marker.cause {
        tracing::error!(cause = %cause, "request failed");
    }
    let status = response.status();
    let view = match marker.kind {
        Kind::NotFound => ErrorView {
            title: "Pagina niet gevonden",
            message: "Deze pagina bestaat niet (meer), of u heeft er geen toegang toe. Controleer het adres, of ga terug naar de startpagina.",
        },
        Kind::Internal => ErrorView {
            title: "Er ging iets mis",
            message: "Door een fout aan onze kant kon deze pagina niet worden getoond. Er is niets verloren gegaan. Probeer het over een paar minuten opnieuw.",
        },
    };
    if let Some(tenant) = tenant {
        let mut context = page_context(&tenant, &request_id);
        context.insert("error", &view);
        match state.templates.render(&tenant, state.store.as_ref(), "error.html", &context).await {
            Ok(html) => return (status, Html(html)).into_response(),
            Err(error) => tracing::error!(%error, "error page could not be rendered"),
        }
    }
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{}\n{}\nReferentie: {request_id}\n", view.title, view.message),
    )
        .into_response()
}
