//! moto server (PyPI) standing in for AWS SNS and S3: SMS published to it are read back from
//! its state API, documents from its S3. `.ci/run` installs it into the test virtualenv.

use std::process::{Child, Command, Stdio};

pub struct Moto {
    child: Child,
    pub endpoint: String,
    /// moto's recorder writes every request it gets here (MOTO_ENABLE_RECORDING).
    recording: tempfile::TempDir,
}

fn moto_server() -> String {
    let python = std::env::var("TEST_PYTHON").unwrap_or_else(|_| "/var/tmp/careportal-venv/bin/python".to_owned());
    std::path::Path::new(&python).with_file_name("moto_server").display().to_string()
}

/// An SNS client for a moto at `endpoint`, which may not be running (yet): the SDK's own
/// retries are off, since the outbox's schedule is what retries in the portal.
pub fn sns_client(endpoint: &str) -> aws_sdk_sns::Client {
    let credentials = aws_sdk_sns::config::Credentials::new("test", "test", None, None, "tests");
    let config = aws_sdk_sns::Config::builder()
        .behavior_version(aws_sdk_sns::config::BehaviorVersion::latest())
        .region(aws_sdk_sns::config::Region::new("eu-west-1"))
        .credentials_provider(credentials)
        .endpoint_url(endpoint)
        .retry_config(aws_sdk_sns::config::retry::RetryConfig::disabled())
        .build();
    aws_sdk_sns::Client::from_conf(config)
}

impl Moto {
    pub async fn start() -> Self {
        Self::start_on(crate::smtp::free_port()).await
    }

    /// On a given port: to bring SNS back where the portal expects it after an outage.
    pub async fn start_on(port: u16) -> Self {
        let recording = tempfile::tempdir().unwrap();
        let child = Command::new(moto_server())
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env("MOTO_ENABLE_RECORDING", "True")
            .env("MOTO_RECORDER_FILEPATH", recording.path().join("requests.jsonl"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server must be installed (pip install 'moto[server]' beside TEST_PYTHON)");
        let moto = Self { child, endpoint: format!("http://127.0.0.1:{port}"), recording };
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return moto;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("moto_server did not start on port {port}");
    }

    /// An SNS client for this server, with moto's test credentials.
    pub fn sns(&self) -> aws_sdk_sns::Client {
        sns_client(&self.endpoint)
    }

    /// An S3 client for this server (path-style addresses, as moto serves them).
    pub fn s3(&self) -> aws_sdk_s3::Client {
        let credentials = aws_sdk_s3::config::Credentials::new("test", "test", None, None, "tests");
        let config = aws_sdk_s3::Config::builder()
            .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
            .region(aws_sdk_s3::config::Region::new("eu-west-1"))
            .credentials_provider(credentials)
            .endpoint_url(&self.endpoint)
            .force_path_style(true)
            .build();
        aws_sdk_s3::Client::from_conf(config)
    }

    /// A new bucket in eu-west-1 and the document store on it, as production keeps
    /// documents and photos.
    pub async fn blobs(&self, bucket: &str) -> careportal_documents::Blobs {
        let client = self.s3();
        let location = aws_sdk_s3::types::CreateBucketConfiguration::builder()
            .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::EuWest1)
            .build();
        client.create_bucket().bucket(bucket).create_bucket_configuration(location).send().await.unwrap();
        careportal_documents::Blobs::from_s3_client(client, bucket)
    }

    /// The bodies of the requests moto got, in order, as text (AWS query requests are
    /// form-encoded: `Action=Publish&MessageAttributes.entry.1.Name=…`).
    pub fn requests(&self) -> Vec<String> {
        use base64::Engine;
        let text = std::fs::read_to_string(self.recording.path().join("requests.jsonl")).unwrap_or_default();
        text.lines()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .map(|entry| {
                let body = entry["body"].as_str().unwrap_or_default();
                if entry["body_encoded"].as_bool() == Some(true) {
                    let bytes = base64::engine::general_purpose::STANDARD.decode(body).unwrap_or_default();
                    String::from_utf8_lossy(&bytes).into_owned()
                } else {
                    body.to_owned()
                }
            })
            .collect()
    }

    /// The SMS moto received, in order: (phone number, message).
    pub async fn sms(&self) -> Vec<(String, String)> {
        let text = fetch(&format!("{}/moto-api/data.json", self.endpoint)).await;
        let data: serde_json::Value = serde_json::from_str(&text).unwrap();
        let mut out = Vec::new();
        // sns.SMS is keyed by account and region in moto's state dump.
        collect(&data["sns"]["SMS"], &mut out);
        out
    }
}

fn collect(value: &serde_json::Value, out: &mut Vec<(String, String)>) {
    match value {
        serde_json::Value::Array(items) => {
            for item in items {
                if let (Some(phone), Some(message)) = (item["phone_number"].as_str(), item["message"].as_str()) {
                    out.push((phone.to_owned(), message.to_owned()));
                } else {
                    collect(item, out);
                }
            }
        }
        serde_json::Value::Object(map) => {
            if let (Some(phone), Some(message)) =
                (map.get("phone_number").and_then(|v| v.as_str()), map.get("message").and_then(|v| v.as_str()))
            {
                out.push((phone.to_owned(), message.to_owned()));
            } else {
                for item in map.values() {
                    collect(item, out);
                }
            }
        }
        _ => {}
    }
}

/// A plain HTTP/1.1 GET over a TCP socket: moto's state API needs no more.
async fn fetch(url: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url.trim_start_matches("http://");
    let (host, path) = rest.split_once('/').unwrap();
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let request = format!("GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let response = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    if head.to_lowercase().contains("transfer-encoding: chunked") { dechunk(body) } else { body.to_owned() }
}

fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.push_str(&after[..size]);
        rest = &after[size + 2..];
    }
    out
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
