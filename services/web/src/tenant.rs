//! Which tenant a request is for, from its Host header. An unknown host gets a bare 404
//! that names no tenant, so the deployment's customer list cannot be probed.

use crate::request_id::RequestId;
use crate::state::AppState;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use careportal_domain::tenant::Tenant;
use std::sync::Arc;

/// The tenant of this request. Handlers that take it can only run for a known tenant.
#[derive(Debug, Clone)]
pub struct CurrentTenant(pub Arc<Tenant>);

impl std::ops::Deref for CurrentTenant {
    type Target = Tenant;
    fn deref(&self) -> &Tenant {
        &self.0
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentTenant {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<CurrentTenant>().cloned().ok_or_else(|| {
            tracing::error!("CurrentTenant used on a route outside tenant resolution");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        })
    }
}

pub async fn resolve(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| request.uri().host())
        .map(normalise_host)
        .unwrap_or_default();
    if host.is_empty() {
        return unknown_host();
    }
    match tenant_of(&state, &host).await {
        Ok(Some(tenant)) if tenant.is_suspended() => suspended_notice(&tenant),
        Ok(Some(tenant)) => {
            request.extensions_mut().insert(CurrentTenant(tenant));
            next.run(request).await
        }
        Ok(None) => unknown_host(),
        Err(error) if let Some(tenant) = state.known_tenants.get(&host) => {
            // The host served this tenant a moment ago: say in its own colours that the
            // portal is not available, rather than a bare text.
            tracing::error!(%error, "tenant lookup failed; answering 503 as the known tenant");
            request.extensions_mut().insert(CurrentTenant(tenant));
            request.extensions_mut().insert(crate::error::DatabaseDown);
            next.run(request).await
        }
        Err(error) => {
            let id = request.extensions().get::<RequestId>().map(|r| r.0.clone()).unwrap_or_default();
            tracing::error!(%error, "tenant lookup failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                format!("Het cliëntportaal is even niet bereikbaar. Probeer het over een paar minuten opnieuw.\nReferentie: {id}\n"),
            )
                .into_response()
        }
    }
}

/// The tenant serving `host`. Every request asks the database which tenant and which
/// version (one small read, so a change applied on any instance holds at the next request
/// everywhere); the tenant itself (its parsed configuration) is read only when this instance
/// does not hold that version yet.
async fn tenant_of(state: &AppState, host: &str) -> Result<Option<Arc<Tenant>>, careportal_store::StoreError> {
    let Some((id, version)) = state.store.tenant_version_by_host(host, state.settings.dev_hosts).await? else {
        return Ok(None);
    };
    if let Some(tenant) = state.known_tenants.get(host).filter(|t| t.id == id && t.version == version) {
        return Ok(Some(tenant));
    }
    let Some(tenant) = state.store.tenant_by_host(host, state.settings.dev_hosts).await? else { return Ok(None) };
    let tenant = Arc::new(tenant);
    state.known_tenants.remember(host, &tenant);
    Ok(Some(tenant))
}

/// The tenant each host served last, at the version it was read: reused while the database
/// says that version is still current, and used to brand the 503 page while the database is
/// gone. Holds only hosts that did resolve, so it cannot be grown by made-up Host headers.
#[derive(Debug, Default)]
pub struct KnownTenants(std::sync::RwLock<std::collections::HashMap<String, Arc<Tenant>>>);

impl KnownTenants {
    fn remember(&self, host: &str, tenant: &Arc<Tenant>) {
        let fresh = self.get(host).is_some_and(|known| known.id == tenant.id && known.version == tenant.version);
        if !fresh && let Ok(mut map) = self.0.write() {
            map.insert(host.to_owned(), tenant.clone());
        }
    }

    fn get(&self, host: &str) -> Option<Arc<Tenant>> {
        self.0.read().ok()?.get(host).cloned()
    }
}

/// The start of a link sent by e-mail (a reset or activation link). Outside development it is
/// the tenant's first configured hostname, its canonical address, whatever Host the request
/// came with; in development the `<slug>.localhost` host the request resolved through.
pub(crate) fn link_base(state: &AppState, tenant: &Tenant, headers: &axum::http::HeaderMap) -> String {
    let scheme = if state.settings.https { "https" } else { "http" };
    if !state.settings.dev_hosts
        && let Some(host) = tenant.config.hostnames.first()
    {
        return format!("{scheme}://{host}");
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).map(str::trim).unwrap_or_default();
    let host = if host.is_empty() { format!("{}.localhost", tenant.slug) } else { host.to_ascii_lowercase() };
    format!("{scheme}://{host}")
}

/// A suspended tenant's every address: who this is and whom to ask, nothing of the portal
/// (no sign-in, no page, no asset of the tenant's).
fn suspended_notice(tenant: &Tenant) -> Response {
    // The templates' own escaping (Tera's), for the two names from the tenant's file.
    let escape = |text: &str| {
        let mut out = Vec::with_capacity(text.len());
        match tera::escape_html(text, &mut out) {
            Ok(()) => String::from_utf8(out).unwrap_or_default(),
            Err(_) => String::new(),
        }
    };
    let (portal, org) = (escape(&tenant.config.portal_name()), escape(&tenant.config.name));
    let body = format!(
        "<!doctype html>\n<html lang=\"nl\">\n<head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{portal}</title></head>\n\
         <body><main><h1>{portal}</h1><p>Het portaal is op dit moment niet beschikbaar. Neem voor vragen contact op \
         met {org}.</p></main></body>\n</html>\n"
    );
    (StatusCode::SERVICE_UNAVAILABLE, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

fn unknown_host() -> Response {
    (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "Niet gevonden\n").into_response()
}

/// Lowercase, without port or trailing dot. `[::1]:8080` → `[::1]`.
pub fn normalise_host(raw: &str) -> String {
    let raw = raw.trim();
    let without_port = if raw.starts_with('[') {
        raw.split_inclusive(']').next().unwrap_or(raw)
    } else {
        raw.rsplit_once(':')
            .map_or(raw, |(host, port)| if port.chars().all(|c| c.is_ascii_digit()) { host } else { raw })
    };
    without_port.trim_end_matches('.').to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::normalise_host;

    #[test]
    fn hosts_lose_port_case_and_trailing_dot() {
        assert_eq!(normalise_host("Siloah.localhost:8080"), "siloah.localhost");
        assert_eq!(normalise_host("clientportaal.salem.nl."), "clientportaal.salem.nl");
        assert_eq!(normalise_host("[::1]:8080"), "[::1]");
        assert_eq!(normalise_host("salem.localhost"), "salem.localhost");
    }
}
