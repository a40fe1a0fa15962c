//! Every request gets an id that reaches each log line of its span and every error page,
//! so a person on the phone with the servicedesk can read out what went wrong.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use std::convert::Infallible;
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

pub static REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

/// Takes a well-formed id from one of our own load balancers (`trusted_proxies`), or makes
/// one; sets it on the request (for the trace span and handlers) and on the response. An id
/// sent by anyone else is replaced: a client must not be able to choose the id its requests
/// are logged under, nor make two people's requests look like one.
pub async fn assign(State(state): State<crate::state::AppState>, mut request: Request, next: Next) -> Response {
    let from_our_proxy = request
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .is_some_and(|peer| state.settings.trusted_proxies.contains(&peer.0.ip()));
    let incoming = request
        .headers()
        .get(&REQUEST_ID_HEADER)
        .filter(|_| from_our_proxy)
        .and_then(|v| v.to_str().ok())
        .filter(|v| (8..=64).contains(&v.len()) && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .map(str::to_owned);
    let id = incoming.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    if let Ok(value) = HeaderValue::from_str(&id) {
        request.headers_mut().insert(REQUEST_ID_HEADER.clone(), value.clone());
        request.extensions_mut().insert(RequestId(id));
        let mut response = next.run(request).await;
        response.headers_mut().insert(REQUEST_ID_HEADER.clone(), value);
        return response;
    }
    next.run(request).await
}

pub type Trace = TraceLayer<
    SharedClassifier<ServerErrorsAsFailures>,
    fn(&axum::http::Request<axum::body::Body>) -> tracing::Span,
    tower_http::trace::DefaultOnRequest,
    DefaultOnResponse,
>;

fn make_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let id = request.headers().get(&REQUEST_ID_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("-");
    let host = request.headers().get(axum::http::header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("-");
    let route = logged_route(request);
    tracing::info_span!("request", request_id = %id, method = %request.method(), host = %host, route = %route)
}

/// What a log line says of the address: the route template (`/wachtwoord-herstellen/{token}`),
/// never the path itself, whose segments may be reset or activation tokens, and never the
/// query string. The trace layer wraps each route, so the matched route is known here; a path
/// that matched no route is logged with its long segments blanked out.
fn logged_route(request: &axum::http::Request<axum::body::Body>) -> String {
    if let Some(matched) = request.extensions().get::<axum::extract::MatchedPath>() {
        return matched.as_str().to_owned();
    }
    request
        .uri()
        .path()
        .split('/')
        .map(|segment| if segment.len() > 16 { "…" } else { segment })
        .collect::<Vec<_>>()
        .join("/")
}

pub fn trace_layer() -> Trace {
    TraceLayer::new_for_http()
        .make_span_with(make_span as fn(&axum::http::Request<axum::body::Body>) -> tracing::Span)
        .on_response(DefaultOnResponse::new().level(Level::INFO))
}

impl<S: Send + Sync> FromRequestParts<S> for RequestId {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<RequestId>().cloned().unwrap_or_else(|| RequestId("-".to_owned())))
    }
}
