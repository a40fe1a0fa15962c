//! A small FHIR R4 REST client: searches that follow the server's `next` links, and the
//! failures a sync can meet, each with a status line a person can act on.

use careportal_domain::tenant::{FhirAuth, FhirSettings};
use serde_json::Value;
use std::time::Duration;

/// At most this many pages per search: a server that keeps sending `next` cannot keep a
/// worker busy for ever.
const MAX_PAGES: usize = 10_000;

#[derive(Debug, thiserror::Error)]
pub enum FhirError {
    #[error("de FHIR-server op {0} is niet bereikbaar: {1}")]
    Unreachable(String, String),
    #[error("de FHIR-server weigert de toegang (HTTP {0}): controleer het token")]
    Unauthorized(u16),
    #[error("de FHIR-server vraagt om te wachten (HTTP 429){}", .0.map(|s| format!(", {s} seconden")).unwrap_or_default())]
    RateLimited(Option<u64>),
    #[error("de FHIR-server heeft een storing (HTTP {0})")]
    Server(u16),
    #[error("de FHIR-server antwoordt HTTP {0}: {1}")]
    Refused(u16, String),
    #[error("het antwoord van de FHIR-server is geen FHIR: {0}")]
    Malformed(String),
    #[error("de koppeling is niet goed ingesteld: {0}")]
    Settings(String),
    #[error("het ECD weigert de SMART-aanmelding (HTTP {0}): {1}")]
    SignIn(u16, String),
}

#[derive(Debug, Clone)]
pub struct FhirClient {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
    /// SMART: the settings to sign in with, and the token once signed in (per client, so
    /// per run: a token lives minutes, a run takes seconds).
    smart: Option<careportal_domain::tenant::SmartSettings>,
    smart_token: std::sync::Arc<tokio::sync::OnceCell<String>>,
    page_size: u32,
}

impl FhirClient {
    /// A client for the tenant's settings. A bearer token is read now, from its file or its
    /// environment variable, so a rotated token is used from the next run on.
    pub fn new(settings: &FhirSettings) -> Result<Self, FhirError> {
        let token = match settings.auth {
            FhirAuth::None | FhirAuth::Smart => None,
            FhirAuth::Bearer => Some(read_token(settings)?),
        };
        let smart = match settings.auth {
            FhirAuth::Smart => Some(
                settings
                    .smart
                    .clone()
                    .ok_or_else(|| FhirError::Settings("smart: geef [sync.fhir.smart]".to_owned()))?,
            ),
            _ => None,
        };
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .user_agent(concat!("careportal/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| FhirError::Settings(e.to_string()))?;
        Ok(Self {
            http,
            base: settings.base_url.trim_end_matches('/').to_owned(),
            token,
            smart,
            smart_token: std::sync::Arc::new(tokio::sync::OnceCell::new()),
            page_size: settings.page_size,
        })
    }

    /// Every resource a search finds, page after page. `params` are the search parameters
    /// without `_count`, which comes from the tenant's page size.
    pub async fn search_all(&self, resource: &str, params: &[(&str, String)]) -> Result<Vec<Value>, FhirError> {
        let mut url = url::Url::parse(&format!("{}/{resource}", self.base))
            .map_err(|e| FhirError::Settings(format!("base_url: {e}")))?;
        url.query_pairs_mut()
            .extend_pairs(params.iter().map(|(k, v)| (*k, v.as_str())))
            .append_pair("_count", &self.page_size.to_string());
        let mut found = Vec::new();
        let mut next = Some(url.to_string());
        let mut pages = 0;
        while let Some(address) = next.take() {
            pages += 1;
            if pages > MAX_PAGES {
                return Err(FhirError::Malformed(format!("meer dan {MAX_PAGES} pagina's voor {resource}")));
            }
            let bundle = self.get(&address).await?;
            if bundle.get("resourceType").and_then(Value::as_str) != Some("Bundle") {
                return Err(FhirError::Malformed(format!("een zoekopdracht naar {resource} gaf geen Bundle")));
            }
            for entry in bundle.get("entry").and_then(Value::as_array).into_iter().flatten() {
                let is_match = entry.pointer("/search/mode").and_then(Value::as_str).is_none_or(|m| m == "match");
                if let Some(resource) = entry.get("resource")
                    && is_match
                {
                    found.push(resource.clone());
                }
            }
            next = bundle
                .get("link")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .find(|l| l.get("relation").and_then(Value::as_str) == Some("next"))
                .and_then(|l| l.get("url").and_then(Value::as_str))
                .map(str::to_owned);
        }
        Ok(found)
    }

    /// "Verbinding testen": one search for a single client, as a pull starts, so the address,
    /// the sign-in and the answer being FHIR are all tried; how many clients the server has,
    /// when it says.
    pub async fn check(&self) -> Result<Option<u64>, FhirError> {
        let address = format!("{}/Patient?_count=1", self.base);
        let bundle = self.get(&address).await?;
        if bundle.get("resourceType").and_then(Value::as_str) != Some("Bundle") {
            return Err(FhirError::Malformed("een zoekopdracht naar Patient gaf geen Bundle".to_owned()));
        }
        Ok(bundle.get("total").and_then(Value::as_u64))
    }

    /// One resource by its server id; None when the server no longer has it (404, 410).
    pub async fn read(&self, resource: &str, id: &str) -> Result<Option<Value>, FhirError> {
        let address = format!("{}/{resource}/{id}", self.base);
        match self.get(&address).await {
            Ok(found) => Ok(Some(found)),
            Err(FhirError::Refused(404 | 410, _)) => Ok(None),
            Err(other) => Err(other),
        }
    }

    /// Creates `body` unless the server already has a resource matching `if_none_exist`
    /// (`identifier=system|value`): a conditional create, so a retry, or a second worker
    /// sending the same item, never makes a double. The server's id of the resource either
    /// way.
    pub async fn create_if_none_exist(
        &self,
        resource: &str,
        body: &Value,
        if_none_exist: &str,
    ) -> Result<Created, FhirError> {
        let address = format!("{}/{resource}", self.base);
        let request = self
            .http
            .post(&address)
            .header("content-type", "application/fhir+json")
            .header("if-none-exist", if_none_exist)
            .json(body);
        let (status, answer) = self.send(request).await?;
        let id = answer.get("id").and_then(Value::as_str).map(str::to_owned);
        Ok(Created { id, new: status == 201 })
    }

    /// Replaces a resource (`PUT Type/id`). With `if_match` (the version read, `W/"3"`) the
    /// server refuses with 412 when someone changed it since, so their change is not lost.
    pub async fn update(
        &self,
        resource: &str,
        id: &str,
        body: &Value,
        if_match: Option<&str>,
    ) -> Result<(), FhirError> {
        let address = format!("{}/{resource}/{id}", self.base);
        let mut request = self.http.put(&address).header("content-type", "application/fhir+json").json(body);
        if let Some(version) = if_match {
            request = request.header("if-match", version);
        }
        self.send(request).await.map(|_| ())
    }

    /// The bytes of an attachment `url`: relative to the base (`Binary/123`) or absolute,
    /// but only on the ECD's own server, which is the only one the token is for. A Binary
    /// answered as FHIR JSON is decoded from its `data`.
    pub async fn fetch_binary(&self, url: &str, max_bytes: usize) -> Result<Vec<u8>, FhirError> {
        let address = if url.starts_with("http://") || url.starts_with("https://") {
            url.to_owned()
        } else {
            format!("{}/{}", self.base, url.trim_start_matches('/'))
        };
        let origin = |u: &str| url::Url::parse(u).ok().map(|u| u.origin());
        if origin(&address) != origin(&self.base) {
            return Err(FhirError::Refused(0, format!("de bijlage staat buiten de FHIR-server: {address}")));
        }
        let mut request = self.http.get(&address).header("accept", "application/pdf, application/fhir+json");
        if let Some(token) = self.bearer().await? {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.map_err(|e| FhirError::Unreachable(self.base.clone(), cause(&e)))?;
        let status = response.status().as_u16();
        match status {
            200..=299 => {}
            401 | 403 => return Err(FhirError::Unauthorized(status)),
            500..=599 => return Err(FhirError::Server(status)),
            _ => return Err(FhirError::Refused(status, format!("bijlage {address}"))),
        }
        let is_json =
            response.headers().get("content-type").and_then(|v| v.to_str().ok()).is_some_and(|t| t.contains("json"));
        if response.content_length().is_some_and(|n| n > max_bytes as u64 * 2) {
            return Err(FhirError::Malformed(format!("bijlage {address} is te groot")));
        }
        let bytes = response.bytes().await.map_err(|e| FhirError::Malformed(e.to_string()))?;
        if !is_json {
            return Ok(bytes.to_vec());
        }
        let binary: Value = serde_json::from_slice(&bytes).map_err(|e| FhirError::Malformed(e.to_string()))?;
        let data = binary
            .get("data")
            .and_then(Value::as_str)
            .ok_or_else(|| FhirError::Malformed(format!("bijlage {address}: een Binary zonder data")))?;
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.decode(data).map_err(|e| FhirError::Malformed(e.to_string()))
    }

    /// The token to send: the configured one, or SMART's, signing in on first use.
    async fn bearer(&self) -> Result<Option<String>, FhirError> {
        if let Some(token) = &self.token {
            return Ok(Some(token.clone()));
        }
        let Some(smart) = &self.smart else { return Ok(None) };
        let token = self.smart_token.get_or_try_init(|| crate::smart::sign_in(&self.http, &self.base, smart)).await?;
        Ok(Some(token.clone()))
    }

    async fn get(&self, address: &str) -> Result<Value, FhirError> {
        let (_, body) = self.send(self.http.get(address)).await?;
        Ok(body)
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Result<(u16, Value), FhirError> {
        let mut request = request.header("accept", "application/fhir+json");
        if let Some(token) = self.bearer().await? {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.map_err(|e| FhirError::Unreachable(self.base.clone(), cause(&e)))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        match status {
            200..=299 => {
                let text = response.text().await.map_err(|e| FhirError::Malformed(e.to_string()))?;
                if text.trim().is_empty() {
                    return Ok((status, Value::Null));
                }
                let body = serde_json::from_str(&text).map_err(|e| FhirError::Malformed(e.to_string()))?;
                Ok((status, body))
            }
            401 | 403 => Err(FhirError::Unauthorized(status)),
            429 => Err(FhirError::RateLimited(retry_after)),
            500..=599 => Err(FhirError::Server(status)),
            _ => {
                let text = response.text().await.unwrap_or_default();
                Err(FhirError::Refused(status, outcome_text(&text)))
            }
        }
    }
}

/// What a conditional create did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    /// The server's id, when it says.
    pub id: Option<String>,
    /// False when the server already had it.
    pub new: bool,
}

impl FhirError {
    /// Whether trying the same request again later may succeed: an outage, a limit, a server
    /// fault. A refusal (400, 404, 409, 412, 422 …) or wrong settings will not cure itself.
    pub fn may_pass_later(&self) -> bool {
        match self {
            FhirError::Unreachable(..) | FhirError::RateLimited(_) | FhirError::Server(_) => true,
            // A token that expired is renewed by whoever manages it; keep trying.
            FhirError::Unauthorized(_) => true,
            FhirError::Refused(status, _) => matches!(status, 408 | 409 | 423),
            FhirError::Malformed(_) | FhirError::Settings(_) => false,
            // A refused sign-in is a key or registration to fix, but not an item's fault.
            FhirError::SignIn(..) => true,
        }
    }
}

/// The diagnostics of an OperationOutcome, or the start of whatever the server said.
fn outcome_text(text: &str) -> String {
    let from_outcome = serde_json::from_str::<Value>(text).ok().and_then(|outcome| {
        let issues: Vec<String> = outcome
            .get("issue")?
            .as_array()?
            .iter()
            .filter_map(|i| {
                i.get("diagnostics").or_else(|| i.pointer("/details/text")).and_then(Value::as_str).map(str::to_owned)
            })
            .collect();
        (!issues.is_empty()).then(|| issues.join("; "))
    });
    from_outcome.unwrap_or_else(|| text.to_owned()).chars().take(300).collect()
}

/// The innermost cause of a transport error ("connection refused"), without the URL, which
/// reqwest's own text repeats.
fn cause(error: &reqwest::Error) -> String {
    let mut source: &dyn std::error::Error = error;
    while let Some(inner) = source.source() {
        source = inner;
    }
    source.to_string()
}

fn read_token(settings: &FhirSettings) -> Result<String, FhirError> {
    let token = match (&settings.token_file, &settings.token_env) {
        (Some(file), _) => std::fs::read_to_string(file)
            .map_err(|e| FhirError::Settings(format!("sync.fhir.token_file {file}: {e}")))?,
        (None, Some(name)) => std::env::var(name)
            .map_err(|_| FhirError::Settings(format!("sync.fhir.token_env: de variabele {name} is niet gezet")))?,
        (None, None) => return Err(FhirError::Settings("bearer: geef token_file of token_env".to_owned())),
    };
    let token = token.trim().to_owned();
    if token.is_empty() {
        return Err(FhirError::Settings("het token is leeg".to_owned()));
    }
    Ok(token)
}
