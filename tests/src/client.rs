//! A browser-like client for the in-process router: keeps cookies per host, posts forms,
//! follows nothing by itself (tests look at each redirect), reads CSRF tokens from pages.

use crate::app::TestResponse;
use axum::body::Body;
use axum::http::{Request, header};
use http_body_util::BodyExt;
use std::collections::BTreeMap;
use tower::ServiceExt;

pub struct TestClient {
    router: axum::Router,
    host: String,
    pub cookies: BTreeMap<String, String>,
    pub user_agent: String,
    /// The peer address the server sees (as from a real socket); none by default.
    pub ip: Option<std::net::SocketAddr>,
    /// Headers sent with every request (a load balancer's X-Forwarded-For).
    pub headers: Vec<(String, String)>,
}

impl TestClient {
    pub fn new(router: axum::Router, host: &str) -> Self {
        Self {
            router,
            host: host.to_owned(),
            cookies: BTreeMap::new(),
            user_agent: "careportal-tests".to_owned(),
            ip: None,
            headers: Vec::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    async fn send(&mut self, mut request: Request<Body>) -> TestResponse {
        if let Some(ip) = self.ip {
            request.extensions_mut().insert(axum::extract::ConnectInfo(ip));
        }
        for (name, value) in &self.headers {
            request.headers_mut().append(
                axum::http::HeaderName::try_from(name.as_str()).unwrap(),
                axum::http::HeaderValue::try_from(value.as_str()).unwrap(),
            );
        }
        let response = self.router.clone().oneshot(request).await.unwrap();
        for value in response.headers().get_all(header::SET_COOKIE) {
            let text = value.to_str().unwrap();
            let pair = text.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            let removed = text.contains("Max-Age=0") || text.to_lowercase().contains("expires=thu, 01 jan 1970");
            if removed || value.is_empty() {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        TestResponse { status, headers, body: String::from_utf8_lossy(&bytes).into_owned(), bytes: bytes.to_vec() }
    }

    pub async fn get(&mut self, path: &str) -> TestResponse {
        let request = Request::builder()
            .uri(path)
            .header("host", &self.host)
            .header("cookie", self.cookie_header())
            .header("user-agent", &self.user_agent)
            .body(Body::empty())
            .unwrap();
        self.send(request).await
    }

    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> TestResponse {
        let body = fields.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&");
        self.post_bytes(path, body.into_bytes()).await
    }

    /// Posts `body` as a form exactly as given (also bytes no browser would send).
    pub async fn post_bytes(&mut self, path: &str, body: Vec<u8>) -> TestResponse {
        self.post_as(path, "application/x-www-form-urlencoded", body).await
    }

    async fn post_as(&mut self, path: &str, content_type: &str, body: Vec<u8>) -> TestResponse {
        let request = Request::builder()
            .method("POST")
            .uri(path)
            .header("host", &self.host)
            .header("cookie", self.cookie_header())
            .header("user-agent", &self.user_agent)
            .header("content-type", content_type)
            .body(Body::from(body))
            .unwrap();
        self.send(request).await
    }

    /// Posts a multipart form (a file upload) as a browser does: text fields, then one file.
    pub async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file: (&str, &str, &[u8]),
    ) -> TestResponse {
        let content_type = if file.1.ends_with(".png") { "image/png" } else { "application/pdf" };
        let boundary = "----careportal-test-boundary";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        let (name, filename, bytes) = file;
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\n\
                 Content-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        self.post_as(path, &format!("multipart/form-data; boundary={boundary}"), body).await
    }

    /// GETs `page`, then posts `fields` to `action` with the page's CSRF token.
    pub async fn submit(&mut self, page: &str, action: &str, fields: &[(&str, &str)]) -> TestResponse {
        let form = self.get(page).await;
        let csrf = csrf_of(&form.body).unwrap_or_else(|| panic!("no csrf token on {page}: {}", form.body));
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf", &csrf));
        self.post(action, &all).await
    }
}

pub fn csrf_of(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    Some(html[at..].split('"').next()?.to_owned())
}

/// The text of the element with `id` (first text run), e.g. the written-out TOTP key.
pub fn text_of_id(html: &str, id: &str) -> Option<String> {
    let marker = format!("id=\"{id}\"");
    let at = html.find(&marker)?;
    let after = &html[at..];
    let start = after.find('>')? + 1;
    let end = after[start..].find('<')?;
    Some(after[start..start + end].trim().to_owned())
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            b' ' => "+".to_owned(),
            other => format!("%{other:02X}"),
        })
        .collect()
}
