//! Liveness and readiness for the load balancer; answered for any host.

use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;

/// The process answers.
pub async fn live() -> &'static str {
    "ok"
}

/// The process can do its work: the database answers.
pub async fn ready(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(error) => {
            tracing::warn!(%error, "readiness: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}
