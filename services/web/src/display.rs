//! "Grotere letters" and "Makkelijk lezen": two switches at the top of every signed-in
//! page, remembered for the person (on every device they use), not for the browser. The
//! switch answers with the page it was pressed on.

use crate::error::AppError;
use crate::form::Form;
use crate::session::SignedIn;
use crate::state::AppState;
use crate::tenant::CurrentTenant;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub struct DisplayForm {
    /// grotere-letters | makkelijk-lezen
    #[serde(default)]
    instelling: String,
    /// ja | nee
    #[serde(default)]
    aan: String,
    #[serde(default)]
    csrf: String,
}

/// POST /weergave.
pub async fn switch(
    State(state): State<AppState>,
    tenant: CurrentTenant,
    signed_in: SignedIn,
    headers: HeaderMap,
    jar: CookieJar,
    Form(form): Form<DisplayForm>,
) -> Result<Response, AppError> {
    let back = back_to(&headers);
    if !crate::session::csrf_ok(&state, &jar, &form.csrf) {
        return Ok(Redirect::to(&back).into_response());
    }
    let on = form.aan == "ja";
    let mut display = signed_in.account.display;
    match form.instelling.as_str() {
        "grotere-letters" => display.large_text = on,
        "makkelijk-lezen" => display.easy_read = on,
        _ => return Err(AppError::NotFound),
    }
    state.store.set_display(tenant.id, signed_in.account.id, display).await?;
    Ok(Redirect::to(&back).into_response())
}

/// The page the switch was pressed on: the path of a Referer of this same host (the
/// portal's Referrer-Policy is same-origin, so other sites send none), else Home.
fn back_to(headers: &HeaderMap) -> String {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or_default();
    headers
        .get(header::REFERER)
        .and_then(|r| r.to_str().ok())
        .and_then(|r| url::Url::parse(r).ok())
        .filter(|u| {
            let authority = match u.port() {
                Some(port) => format!("{}:{port}", u.host_str().unwrap_or_default()),
                None => u.host_str().unwrap_or_default().to_owned(),
            };
            !host.is_empty() && authority.eq_ignore_ascii_case(host)
        })
        .map(|u| match u.query() {
            Some(query) => format!("{}?{query}", u.path()),
            None => u.path().to_owned(),
        })
        .filter(|path| path.starts_with('/') && !path.starts_with("//") && path != "/weergave")
        .unwrap_or_else(|| "/home".to_owned())
}

#[cfg(test)]
mod tests {
    use super::back_to;
    use axum::http::HeaderMap;

    fn headers(host: &str, referer: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("host", host.parse().unwrap());
        headers.insert("referer", referer.parse().unwrap());
        headers
    }

    #[test]
    fn the_switch_goes_back_only_to_a_page_of_this_portal() {
        let host = "siloah.localhost:8080";
        assert_eq!(
            back_to(&headers(host, "http://siloah.localhost:8080/rapportages?periode=week")),
            "/rapportages?periode=week"
        );
        assert_eq!(back_to(&headers(host, "https://evil.example/rapportages")), "/home");
        assert_eq!(back_to(&headers(host, "http://siloah.localhost:8080//evil.example")), "/home");
        assert_eq!(back_to(&HeaderMap::new()), "/home");
    }
}
