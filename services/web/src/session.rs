//! Sessions and CSRF. A session is a row in the database (any instance can serve it), found
//! by the SHA-256 of a 128-bit token in an HttpOnly cookie. Forms carry a token that is the
//! HMAC of a second random cookie: a page on another site can make a browser send the
//! cookie, but cannot read it to compute the token.

use crate::error::AppError;
use crate::state::AppState;
use crate::tenant::CurrentTenant;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use careportal_auth::Token;
use careportal_auth::codes::constant_time_eq;
use careportal_domain::people::Account;
use careportal_domain::signin::{LAST_SEEN_LAG, Session, SessionStage};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::net::SocketAddr;

/// `__Host-` cookies are bound to this exact host and need Secure, so only over HTTPS.
pub fn session_cookie(state: &AppState) -> &'static str {
    if state.settings.https { "__Host-cp_session" } else { "cp_session" }
}

fn csrf_cookie(state: &AppState) -> &'static str {
    if state.settings.https { "__Host-cp_csrf" } else { "cp_csrf" }
}

fn cookie(state: &AppState, name: &'static str, value: String, same_site: SameSite) -> Cookie<'static> {
    Cookie::build((name, value)).path("/").http_only(true).secure(state.settings.https).same_site(same_site).build()
}

/// Sets the session cookie for a new token. No expiry: it ends with the browser, and the
/// server ends it sooner (idle timeout, absolute lifetime). The CSRF cookie is renewed with
/// it, so no form token from before a login (or any other new session) works after it.
pub fn with_session(state: &AppState, jar: CookieJar, token: &Token) -> CookieJar {
    jar.add(cookie(state, session_cookie(state), token.plain.clone(), SameSite::Lax)).add(cookie(
        state,
        csrf_cookie(state),
        Token::generate().plain,
        SameSite::Strict,
    ))
}

/// The device-trust cookie: long-lived (the tenant's days), so it carries a Max-Age.
pub fn device_cookie(state: &AppState) -> &'static str {
    if state.settings.https { "__Host-cp_device" } else { "cp_device" }
}

pub fn with_device(state: &AppState, jar: CookieJar, token: &str, days: u32) -> CookieJar {
    let mut cookie = cookie(state, device_cookie(state), token.to_owned(), SameSite::Lax);
    cookie.set_max_age(cookie::time::Duration::days(i64::from(days)));
    jar.add(cookie)
}

pub fn without_session(state: &AppState, jar: CookieJar) -> CookieJar {
    jar.remove(Cookie::build(session_cookie(state)).path("/").build())
}

/// The form token: a MAC over this browser's CSRF cookie and its session cookie (if any), so
/// a token belongs to one browser and one session: a token seen before a login, or in
/// another session, is refused.
fn csrf_mac(state: &AppState, jar: &CookieJar, cookie_value: &str) -> String {
    let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(&state.settings.keys.csrf) {
        Ok(mac) => mac,
        // HMAC takes any key length; unreachable, and a token that never matches is safe.
        Err(_) => return String::new(),
    };
    let session = jar.get(session_cookie(state)).map(|c| c.value().to_owned()).unwrap_or_default();
    mac.update(cookie_value.as_bytes());
    mac.update(b"\0");
    mac.update(session.as_bytes());
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

/// The CSRF token for a form, setting the cookie it is bound to when there is none yet.
pub fn csrf_token(state: &AppState, jar: CookieJar) -> (CookieJar, String) {
    let existing = jar.get(csrf_cookie(state)).map(|c| c.value().to_owned()).filter(|v| v.len() >= 16);
    let (jar, value) = match existing {
        Some(value) => (jar, value),
        None => {
            let value = Token::generate().plain;
            (jar.add(cookie(state, csrf_cookie(state), value.clone(), SameSite::Strict)), value)
        }
    };
    let token = csrf_mac(state, &jar, &value);
    (jar, token)
}

/// Whether a submitted form token belongs to this browser's CSRF cookie.
pub fn csrf_ok(state: &AppState, jar: &CookieJar, submitted: &str) -> bool {
    let Some(value) = jar.get(csrf_cookie(state)).map(|c| c.value().to_owned()) else { return false };
    let expected = csrf_mac(state, jar, &value);
    !submitted.is_empty() && constant_time_eq(expected.as_bytes(), submitted.as_bytes())
}

/// The session this browser holds, if it is still alive; a dead one is removed. Touching
/// it here is what makes the idle timeout an idle timeout. A database that does not answer
/// is an error (the branded 503), never "no session": an outage must not look like a logout.
pub async fn current(state: &AppState, tenant: &CurrentTenant, jar: &CookieJar) -> Result<Option<Session>, AppError> {
    let Some(cookie) = jar.get(session_cookie(state)) else { return Ok(None) };
    let hash = Token::hash_of(cookie.value());
    let Some(session) = state.store.session(tenant.id, &hash).await? else { return Ok(None) };
    keep_alive(state, tenant, session).await
}

/// [`current`] with the account, read together (every signed-in page needs both).
async fn current_with_account(
    state: &AppState,
    tenant: &CurrentTenant,
    jar: &CookieJar,
) -> Result<Option<(Session, Account)>, AppError> {
    let Some(cookie) = jar.get(session_cookie(state)) else { return Ok(None) };
    let hash = Token::hash_of(cookie.value());
    let Some((session, account)) = state.store.session_with_account(tenant.id, &hash).await? else {
        return Ok(None);
    };
    Ok(keep_alive(state, tenant, session).await?.map(|session| (session, account)))
}

/// The session if it is still alive (a dead one is removed), touched as a request uses it.
async fn keep_alive(
    state: &AppState,
    tenant: &CurrentTenant,
    mut session: Session,
) -> Result<Option<Session>, AppError> {
    let now = state.clock.now();
    if !session.is_alive(tenant.config.auth.idle_timeout_minutes, now) {
        state.store.delete_session(tenant.id, &session.token_hash).await?;
        return Ok(None);
    }
    // Written only when what is stored is LAST_SEEN_LAG old: a page is a dozen reads, and one
    // write per request would queue every page behind the database's writer. The idle
    // timeout counts that lag in, so it never ends sooner than the full idle time after this
    // request; the page's countdown therefore counts the full idle time from now.
    if now - session.last_seen_at >= LAST_SEEN_LAG {
        state.store.touch_session(tenant.id, &session.token_hash).await?;
    }
    session.last_seen_at = now;
    Ok(Some(session))
}

/// Where someone who is on the way in belongs.
pub fn stage_path(stage: SessionStage) -> &'static str {
    match stage {
        SessionStage::SecondFactor => "/inloggen/code",
        SessionStage::Enroll => "/inloggen/activeren",
        SessionStage::ChangePassword => "/wachtwoord-wijzigen",
        SessionStage::Active => "/home",
    }
}

/// Where a request comes from, for the audit log: the peer address and the browser.
#[cfg(test)]
mod tests {
    use super::client_ip;
    use axum::http::HeaderMap;

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let proxy: std::net::IpAddr = "10.0.0.5".parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "1.2.3.4, 198.51.100.7".parse().unwrap());
        assert_eq!(client_ip(Some(proxy), &headers, &[proxy]), Some("198.51.100.7".parse().unwrap()));
        let stranger: std::net::IpAddr = "203.0.113.1".parse().unwrap();
        assert_eq!(client_ip(Some(stranger), &headers, &[proxy]), Some(stranger), "a spoofed header is ignored");
        headers.insert("x-forwarded-for", "198.51.100.7, 10.0.0.6".parse().unwrap());
        let inner: std::net::IpAddr = "10.0.0.6".parse().unwrap();
        assert_eq!(client_ip(Some(proxy), &headers, &[proxy, inner]), Some("198.51.100.7".parse().unwrap()));
        assert_eq!(client_ip(Some(proxy), &HeaderMap::new(), &[proxy]), Some(proxy));
        assert_eq!(client_ip(None, &headers, &[proxy]), None);
    }
}

#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl ClientInfo {
    /// The audit origin of a request by `account` from this client.
    pub fn origin(&self, account: careportal_domain::AccountId) -> careportal_domain::audit::Origin {
        self.origin_as(careportal_domain::audit::Actor::Account(account))
    }

    pub fn origin_as(&self, actor: careportal_domain::audit::Actor) -> careportal_domain::audit::Origin {
        careportal_domain::audit::Origin {
            actor,
            role: None,
            on_behalf_of: None,
            ip: self.ip.clone(),
            user_agent: self.user_agent.clone(),
        }
    }
}

impl FromRequestParts<AppState> for ClientInfo {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        let ip = client_ip(peer, &parts.headers, &state.settings.trusted_proxies);
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.chars().take(300).collect::<String>());
        Ok(ClientInfo { ip: ip.map(|ip| ip.to_string()), user_agent })
    }
}

/// The client's address: the peer, unless the peer is a trusted proxy; then the rightmost
/// address in X-Forwarded-For that is not one of ours (what a client writes further left
/// proves nothing).
pub fn client_ip(
    peer: Option<std::net::IpAddr>,
    headers: &HeaderMap,
    trusted: &[std::net::IpAddr],
) -> Option<std::net::IpAddr> {
    let peer = peer?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let forwarded =
        headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).collect::<Vec<_>>().join(",");
    forwarded
        .split(',')
        .rev()
        .filter_map(|part| part.trim().parse::<std::net::IpAddr>().ok())
        .find(|ip| !trusted.contains(ip))
        .or(Some(peer))
}

/// A signed-in person: a handler that takes this runs only for an active session; anyone
/// else is sent to the sign-in page (or to the step they are at).
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub session: Session,
    pub account: Account,
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let tenant = CurrentTenant::from_request_parts(parts, state).await?;
        let jar = CookieJar::from_headers(&parts.headers);
        let (session, account) = at_stage(state, &tenant, &jar, SessionStage::Active).await?;
        Ok(SignedIn { session, account })
    }
}

/// A person part-way through signing in, at a given stage.
pub async fn at_stage(
    state: &AppState,
    tenant: &CurrentTenant,
    jar: &CookieJar,
    stage: SessionStage,
) -> Result<(Session, Account), Response> {
    let Some((session, account)) =
        current_with_account(state, tenant, jar).await.map_err(IntoResponse::into_response)?
    else {
        return Err(Redirect::to("/inloggen").into_response());
    };
    if session.stage != stage {
        return Err(Redirect::to(stage_path(session.stage)).into_response());
    }
    Ok((session, account))
}
