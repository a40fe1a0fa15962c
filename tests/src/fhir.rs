//! A real FHIR R4 server for the ECD connector's tests: `tests/fhir/server.mjs` (npm
//! @medplum/fhir-router over its in-memory repository) on a free port of 127.0.0.1, stopped
//! when dropped. `make test` installs its npm packages (tests/setup.sh).

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

pub struct FhirServer {
    child: Child,
    pub base_url: String,
    origin: String,
    http: reqwest::Client,
}

impl FhirServer {
    pub async fn start() -> Self {
        let port = crate::smtp::free_port();
        let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fhir/server.mjs");
        let mut child = Command::new("node")
            .arg(&script)
            .arg(port.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node must be installed to run tests/fhir/server.mjs");
        let stdout = child.stdout.take().unwrap();
        let origin = format!("http://127.0.0.1:{port}");
        let server = Self { child, base_url: format!("{origin}/fhir/R4"), origin, http: reqwest::Client::new() };
        // The server prints "ready PORT" once it listens; its definitions take a second to index.
        let ready = tokio::task::spawn_blocking(move || {
            BufReader::new(stdout).lines().map_while(Result::ok).any(|line| line.starts_with("ready"))
        });
        let ready = tokio::time::timeout(std::time::Duration::from_secs(60), ready).await;
        assert!(matches!(ready, Ok(Ok(true))), "the FHIR server did not start (npm ci in tests/fhir?)");
        server
    }

    /// Posts a transaction (or batch) Bundle and returns the response Bundle.
    pub async fn transaction(&self, bundle: &Value) -> Value {
        self.send(reqwest::Method::POST, &self.base_url, bundle).await
    }

    /// The resources a search finds (first page of up to 1000).
    pub async fn search(&self, query: &str) -> Vec<Value> {
        let url = format!("{}/{query}{}_count=1000", self.base_url, if query.contains('?') { "&" } else { "?" });
        let bundle: Value = self.http.get(url).send().await.unwrap().json().await.unwrap();
        bundle["entry"].as_array().cloned().unwrap_or_default().into_iter().map(|e| e["resource"].clone()).collect()
    }

    /// Replaces a resource (PUT Type/id).
    pub async fn update(&self, resource: &Value) -> Value {
        let url = format!(
            "{}/{}/{}",
            self.base_url,
            resource["resourceType"].as_str().unwrap(),
            resource["id"].as_str().unwrap()
        );
        self.send(reqwest::Method::PUT, &url, resource).await
    }

    /// Creates a resource (POST Type) and returns it with its server id.
    pub async fn create(&self, resource: &Value) -> Value {
        let url = format!("{}/{}", self.base_url, resource["resourceType"].as_str().unwrap());
        self.send(reqwest::Method::POST, &url, resource).await
    }

    /// Deletes a resource for good (`DELETE Type/id`): medplum's delete is hard, so no
    /// search sees it afterwards, as an ECD that purges a record.
    pub async fn delete(&self, resource: &Value) {
        let url = format!(
            "{}/{}/{}",
            self.base_url,
            resource["resourceType"].as_str().unwrap(),
            resource["id"].as_str().unwrap()
        );
        let response = self.http.delete(url).send().await.unwrap();
        assert!(response.status().is_success(), "delete: {}", response.status());
    }

    /// Turns on SMART Backend Services for `client_id`: from now on the FHIR endpoints want a
    /// token from `/auth/token`. Returns the client's private key (PKCS#8 PEM, EC P-384).
    pub async fn require_smart(&self, client_id: &str) -> String {
        let answer = self
            .send(
                reqwest::Method::POST,
                &format!("{}/$test/smart", self.origin),
                &serde_json::json!({"clientId": client_id}),
            )
            .await;
        answer["privateKey"].as_str().unwrap().to_owned()
    }

    /// After `skip` requests that are answered as usual, `count` requests answer `status`
    /// (with `Retry-After` when given).
    pub async fn fail_after(&self, skip: u32, count: u32, status: u16, retry_after: Option<u64>) {
        let body = serde_json::json!({"skip": skip, "left": count, "status": status, "retryAfter": retry_after});
        self.send(reqwest::Method::POST, &format!("{}/$test/fail", self.origin), &body).await;
    }

    async fn send(&self, method: reqwest::Method, url: &str, body: &Value) -> Value {
        let response = self
            .http
            .request(method, url)
            .header("content-type", "application/fhir+json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = response.status();
        let value: Value = response.json().await.unwrap();
        assert!(status.is_success(), "{url}: {status} {value}");
        value
    }
}

impl Drop for FhirServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs tests/fhir/validate.py (PyPI fhir.resources) on `paths`: (exit success, output).
pub fn validate(paths: &[&std::path::Path]) -> (bool, String) {
    let python = std::env::var("TEST_PYTHON").unwrap_or_else(|_| "/var/tmp/careportal-venv/bin/python".to_owned());
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fhir/validate.py");
    let output = std::process::Command::new(python)
        .arg(script)
        .args(paths)
        .output()
        .expect("the test virtualenv (make test-deps) with fhir.resources");
    (output.status.success(), String::from_utf8_lossy(&output.stdout).into_owned())
}
