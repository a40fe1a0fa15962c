//! A small load generator for the bench and the drills: N kept-alive HTTP/1.1 connections,
//! each sending its next request as soon as the last answer is read, for a fixed time.
//! Raw hyper connections rather than a pooled client, so the generator costs as little of
//! the machine as it can (the server under test shares the same cores).

use axum::body::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Makes the request a connection (numbered from 0) sends next.
pub type MakeRequest = Arc<dyn Fn(usize) -> Request<Full<Bytes>> + Send + Sync>;

/// What one run measured.
#[derive(Debug, Clone, Default)]
pub struct Figures {
    pub requests: usize,
    /// Answers other than 2xx/3xx, and requests that got no answer at all.
    pub errors: usize,
    /// The statuses of the errors that had an answer, by count (0: no answer at all).
    pub error_statuses: std::collections::BTreeMap<u16, usize>,
    pub elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Figures {
    pub fn per_second(&self) -> f64 {
        if self.elapsed.is_zero() { 0.0 } else { self.requests as f64 / self.elapsed.as_secs_f64() }
    }

    /// The latency at fraction `p` (0.5, 0.99) of the answered requests.
    pub fn percentile(&self, p: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let index = ((self.latencies.len() as f64 - 1.0) * p).round() as usize;
        self.latencies[index.min(self.latencies.len() - 1)]
    }

    pub fn p50_ms(&self) -> f64 {
        self.percentile(0.5).as_secs_f64() * 1000.0
    }

    pub fn p99_ms(&self) -> f64 {
        self.percentile(0.99).as_secs_f64() * 1000.0
    }
}

/// A GET of `path` on `host` with the given cookie header (empty: none).
pub fn get(host: &str, path: &str, cookie: &str) -> MakeRequest {
    let (host, path, cookie) = (host.to_owned(), path.to_owned(), cookie.to_owned());
    Arc::new(move |_| {
        let mut builder = Request::get(path.as_str()).header("host", host.as_str());
        if !cookie.is_empty() {
            builder = builder.header("cookie", cookie.as_str());
        }
        builder.body(Full::new(Bytes::new())).unwrap_or_default()
    })
}

/// Form POSTs to `path` on `host`: connection `i` sends `forms[i % len]`, a (cookie header,
/// encoded body) pair, so each connection can be a browser of its own.
pub fn post_forms(host: &str, path: &str, forms: Vec<(String, String)>) -> MakeRequest {
    let (host, path) = (host.to_owned(), path.to_owned());
    let forms: Vec<(String, Bytes)> = forms.into_iter().map(|(cookie, body)| (cookie, Bytes::from(body))).collect();
    Arc::new(move |connection| {
        let (cookie, body) = &forms[connection % forms.len().max(1)];
        Request::post(path.as_str())
            .header("host", host.as_str())
            .header("cookie", cookie.as_str())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Full::new(body.clone()))
            .unwrap_or_default()
    })
}

/// `connections` connections to `address`, each sending `make()`'s request after request
/// for `duration`. A connection that breaks counts an error and connects again.
pub async fn run(address: SocketAddr, connections: usize, duration: Duration, make: MakeRequest) -> Figures {
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = Vec::with_capacity(connections);
    for connection in 0..connections {
        let make = make.clone();
        tasks.push(tokio::spawn(async move { one_connection(address, connection, deadline, make).await }));
    }
    let mut figures = Figures::default();
    for task in tasks {
        if let Ok((latencies, errors)) = task.await {
            figures.requests += latencies.len() + errors.len();
            figures.errors += errors.len();
            for status in errors {
                *figures.error_statuses.entry(status).or_default() += 1;
            }
            figures.latencies.extend(latencies);
        }
    }
    figures.elapsed = start.elapsed();
    figures.latencies.sort_unstable();
    figures
}

async fn one_connection(
    address: SocketAddr,
    number: usize,
    deadline: Instant,
    make: MakeRequest,
) -> (Vec<Duration>, Vec<u16>) {
    let mut latencies = Vec::new();
    let mut errors = Vec::new();
    'connect: while Instant::now() < deadline {
        let Ok(stream) = tokio::net::TcpStream::connect(address).await else {
            errors.push(0);
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        let Ok((mut sender, connection)) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await else {
            errors.push(0);
            continue;
        };
        tokio::spawn(connection);
        while Instant::now() < deadline {
            if sender.ready().await.is_err() {
                errors.push(0);
                continue 'connect;
            }
            let sent = Instant::now();
            let Ok(response) = sender.send_request(make(number)).await else {
                errors.push(0);
                continue 'connect;
            };
            let status = response.status().as_u16();
            let ok = response.status().is_success() || response.status().is_redirection();
            if response.into_body().collect().await.is_err() {
                errors.push(0);
                continue 'connect;
            }
            if ok {
                latencies.push(sent.elapsed());
            } else {
                errors.push(status);
            }
        }
    }
    (latencies, errors)
}

/// One request over a connection of its own: its status, Location and body, so a bench can
/// check that what it is about to time is the answer it means to time.
pub async fn once(address: SocketAddr, make: &MakeRequest) -> (u16, Option<String>, String) {
    let stream = tokio::net::TcpStream::connect(address).await.expect("the server listens");
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.expect("an HTTP/1.1 connection");
    tokio::spawn(connection);
    let response = sender.send_request(make(0)).await.expect("an answer");
    let status = response.status().as_u16();
    let location = response.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let body = response.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    (status, location, String::from_utf8_lossy(&body).into_owned())
}
