//! A browser over real HTTP: one connection pool for the drill, cookies per browser, no
//! redirects followed (each answer is looked at as it came), and the peer address it claims
//! through the load balancer's X-Forwarded-For (the drill's portal trusts 127.0.0.1 as its
//! proxy, so one machine can stand for many addresses).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    /// Without kept-alive connections: what a request is sent again through, so the second
    /// try is sure to be on a connection of its own.
    fresh: reqwest::Client,
    port: u16,
}

impl Http {
    pub fn new(address: SocketAddr, hosts: &[&str]) -> Self {
        let build = |idle: usize| {
            let mut builder = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(60))
                .pool_max_idle_per_host(idle);
            for host in hosts {
                builder = builder.resolve(host, address);
            }
            builder.build().expect("an HTTP client")
        };
        Self { client: build(64), fresh: build(0), port: address.port() }
    }
}

/// What came back, as a person would compare two answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
}

impl Answer {
    /// A transport error (connection refused or reset): never expected.
    fn broken(error: &reqwest::Error) -> Self {
        Self { status: 0, location: None, body: format!("transport: {error}") }
    }

    /// The answer with what differs between any two requests taken out: CSRF tokens,
    /// request ids, and `typed` (what the request itself
    /// sent, which a form shows back).
    /// Request ids show on error pages only (`Referentie …: <code>id</code>`).
    pub fn shape(&self, typed: &[&str]) -> (u16, Option<String>, String) {
        let mut body = self.body.clone();
        for text in typed.iter().filter(|t| t.len() > 2) {
            body = body.replace(*text, "<typed>");
        }
        for marker in ["name=\"csrf\" value=\"", ": <code>", "Referentie: "] {
            body = blank_after(&body, marker);
        }
        (self.status, self.location.clone(), body)
    }
}

/// Replaces what follows each `marker` up to the next quote, '<' or line end.
fn blank_after(text: &str, marker: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(marker) {
        let (before, after) = rest.split_at(at + marker.len());
        out.push_str(before);
        let end = after.find(['"', '<', '\n']).unwrap_or(after.len());
        out.push('…');
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

#[derive(Clone)]
pub struct Browser {
    http: Http,
    pub host: String,
    pub cookies: BTreeMap<String, String>,
    /// The address this browser claims through the trusted proxy.
    pub address: Option<String>,
}

impl Browser {
    pub fn new(http: &Http, host: &str) -> Self {
        Self { http: http.clone(), host: host.to_owned(), cookies: BTreeMap::new(), address: None }
    }

    pub fn from(mut self, address: &str) -> Self {
        self.address = Some(address.to_owned());
        self
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}:{}{path}", self.host, self.http.port)
    }

    async fn send(&mut self, mut request: reqwest::RequestBuilder) -> Answer {
        if !self.cookies.is_empty() {
            let header = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
            request = request.header("cookie", header);
        }
        if let Some(address) = &self.address {
            request = request.header("x-forwarded-for", address);
        }
        let request = match request.header("user-agent", "careportal-drill").build() {
            Ok(request) => request,
            Err(error) => return Answer::broken(&error),
        };
        // A kept-alive connection the server closed just as it was reused (after an answer
        // that did not read a body) fails to send: the request never arrived, so it is sent
        // once more on a new connection. A server that is down fails both.
        let again = request.try_clone();
        let response = match self.http.client.execute(request).await {
            Ok(response) => response,
            Err(first) => match again {
                Some(again) if first.is_request() || first.is_connect() => match self.http.fresh.execute(again).await {
                    Ok(response) => response,
                    Err(error) => return Answer::broken(&error),
                },
                _ => return Answer::broken(&first),
            },
        };
        for value in response.headers().get_all("set-cookie") {
            let Ok(text) = value.to_str() else { continue };
            let Some((name, value)) = text.split(';').next().and_then(|pair| pair.split_once('=')) else { continue };
            if value.is_empty() || text.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let status = response.status().as_u16();
        let location = response.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_owned);
        match response.bytes().await {
            Ok(bytes) => Answer { status, location, body: String::from_utf8_lossy(&bytes).into_owned() },
            Err(error) => Answer::broken(&error),
        }
    }

    pub async fn get(&mut self, path: &str) -> Answer {
        let request = self.http.client.get(self.url(path));
        self.send(request).await
    }

    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let body = fields.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&");
        self.post_raw(path, "application/x-www-form-urlencoded", body.into_bytes()).await
    }

    pub async fn post_raw(&mut self, path: &str, content_type: &str, body: Vec<u8>) -> Answer {
        let request = self.http.client.post(self.url(path)).header("content-type", content_type).body(body);
        self.send(request).await
    }

    /// The CSRF token of `page` for this browser (its cookie is kept).
    pub async fn csrf(&mut self, page: &str) -> String {
        let answer = self.get(page).await;
        csrf_of(&answer.body).unwrap_or_else(|| panic!("no form on {page} ({}): {}", answer.status, answer.body))
    }
}

pub fn csrf_of(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    Some(html[at..].split('"').next()?.to_owned())
}

pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// Runs `requests`, at most `concurrency` at once (each its own task); their answers in the
/// order given.
pub async fn at_most<F>(concurrency: usize, requests: Vec<F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let gate = std::sync::Arc::new(tokio::sync::Semaphore::new(concurrency));
    let mut tasks = tokio::task::JoinSet::new();
    for (n, request) in requests.into_iter().enumerate() {
        let gate = gate.clone();
        tasks.spawn(async move {
            let _permit = gate.acquire_owned().await.unwrap();
            (n, request.await)
        });
    }
    let mut answers: Vec<Option<F::Output>> = (0..tasks.len()).map(|_| None).collect();
    while let Some(done) = tasks.join_next().await {
        let (n, answer) = done.unwrap();
        answers[n] = Some(answer);
    }
    answers.into_iter().map(Option::unwrap).collect()
}
