//! One error type for handlers, with a page face: the response carries only a marker, and
//! [`render_error_pages`] turns it into a branded Dutch page with the request id, and logs
//! the cause. People never see internals; logs always do.

use crate::request_id::RequestId;
use crate::state::AppState;
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
    /// Every password-hashing slot stayed busy (a burst of logins): try again in a moment.
    #[error("busy: too many password checks at once")]
    Busy,
    /// A form body no browser sends (not UTF-8, or not the form's shape).
    #[error("unreadable form: {0}")]
    BadForm(String),
    /// The request ran past [`crate::WebSettings::request_deadline`].
    #[error("request took longer than {0:?}")]
    Deadline(std::time::Duration),
}

impl AppError {
    /// The database cannot take the request now, or the password checks are all taken: the
    /// branded 503, never a logout.
    fn is_unavailable(&self) -> bool {
        matches!(self, AppError::Busy | AppError::Deadline(_))
            || matches!(self, AppError::Store(error) if error.is_unavailable())
    }
}

impl From<crate::templates::RenderError> for AppError {
    fn from(error: crate::templates::RenderError) -> Self {
        match error {
            crate::templates::RenderError::Template(e) => AppError::Template(e),
            crate::templates::RenderError::Store(e) => AppError::Store(e),
        }
    }
}

impl From<crate::rights::RightsError> for AppError {
    fn from(error: crate::rights::RightsError) -> Self {
        match error {
            crate::rights::RightsError::Store(e) => AppError::Store(e),
            crate::rights::RightsError::Domain(e) => AppError::Domain(e),
        }
    }
}

impl From<careportal_auth::AuthError> for AppError {
    fn from(error: careportal_auth::AuthError) -> Self {
        match error {
            careportal_auth::AuthError::Busy => AppError::Busy,
            other => AppError::Internal(other.to_string()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    NotFound,
    /// The database is gone or overloaded for a moment.
    Unavailable,
    /// A form that could not be read.
    BadForm,
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
            // Said in the log at info, not error: it is the sender's fault, not ours.
            AppError::BadForm(cause) => {
                tracing::info!(%cause, "form refused");
                (StatusCode::BAD_REQUEST, Kind::BadForm, None)
            }
            other if other.is_unavailable() => {
                (StatusCode::SERVICE_UNAVAILABLE, Kind::Unavailable, Some(Arc::new(other.to_string())))
            }
            other => (StatusCode::INTERNAL_SERVER_ERROR, Kind::Internal, Some(Arc::new(other.to_string()))),
        };
        let mut response = status.into_response();
        response.extensions_mut().insert(ErrorMarker { kind, cause });
        response
    }
}

/// The branded 503 for a database that does not answer.
pub fn unavailable() -> Response {
    let mut response = StatusCode::SERVICE_UNAVAILABLE.into_response();
    response.extensions_mut().insert(ErrorMarker { kind: Kind::Unavailable, cause: None });
    response
}

pub async fn not_found() -> AppError {
    AppError::NotFound
}

/// Bounds the whole request, a slowly sent body and a stuck database call alike: dropping
/// the handler's future rolls back what it had begun, so nothing half-written stays.
pub async fn deadline(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let limit = state.settings.request_deadline;
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => AppError::Deadline(limit).into_response(),
    }
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

/// Left on a request by tenant resolution when the database did not answer but the host's
/// tenant is known from before: the request is answered with the branded 503 at once.
#[derive(Debug, Clone, Copy)]
pub struct DatabaseDown;

pub async fn render_error_pages(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let tenant = request.extensions().get::<CurrentTenant>().cloned();
    let request_id = request.extensions().get::<RequestId>().map(|r| r.0.clone()).unwrap_or_default();
    let posted = request.method() == axum::http::Method::POST;
    let response =
        if request.extensions().get::<DatabaseDown>().is_some() { unavailable() } else { next.run(request).await };
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
        Kind::BadForm => ErrorView {
            title: "Dit formulier kon niet worden gelezen",
            message: "Wat uw browser stuurde, kon het portaal niet lezen; er is niets opgeslagen. Ga terug met de knop Vorige van uw browser en probeer het opnieuw.",
        },
        Kind::Unavailable => ErrorView {
            title: "Het portaal is even niet bereikbaar",
            message: if posted {
                "Wat u net verstuurde is nog niet opgeslagen. Ga terug met de knop Vorige van uw browser: wat u typte staat er dan nog. Probeer het over een paar minuten opnieuw."
            } else {
                "Het portaal kan uw gegevens op dit moment niet ophalen. U bent niet uitgelogd. Probeer het over een paar minuten opnieuw."
            },
        },
        Kind::Internal => ErrorView {
            title: "Er ging iets mis",
            message: "Door een fout aan onze kant kon deze pagina niet worden getoond. Er is niets verloren gegaan. Probeer het over een paar minuten opnieuw.",
        },
    };
    let mut page = None;
    if let Some(tenant) = tenant {
        let mut context = page_context(&tenant, &request_id);
        context.insert("error", &view);
        match state.templates.render(&tenant, state.store.as_ref(), "error.html", &context).await {
            Ok(html) => page = Some((status, Html(html)).into_response()),
            Err(error) => tracing::error!(%error, "error page could not be rendered"),
        }
    }
    let mut page = page.unwrap_or_else(|| {
        (
            status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("{}\n{}\nReferentie: {request_id}\n", view.title, view.message),
        )
            .into_response()
    });
    if marker.kind == Kind::Unavailable {
        page.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from_static("30"));
    }
    page
}
