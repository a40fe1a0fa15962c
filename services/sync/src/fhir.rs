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
}

#[derive(Debug, Clone)]
pub struct FhirClient {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
    page_size: u32,
}

impl FhirClient {
    /// A client for the tenant's settings. A bearer token is read now, from its file or its
    /// environment variable, so a rotated token is used from the next run on.
    pub fn new(settings: &FhirSettings) -> Result<Self, FhirError> {
        let token = match settings.auth {
            FhirAuth::None => None,
            FhirAuth::Bearer => Some(read_token(settings)?),
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

    async fn get(&self, address: &str) -> Result<Value, FhirError> {
        let mut request = self.http.get(address).header("accept", "application/fhir+json");
        if let Some(token) = &self.token {
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
            200..=299 => response.json::<Value>().await.map_err(|e| FhirError::Malformed(e.to_string())),
            401 | 403 => Err(FhirError::Unauthorized(status)),
            429 => Err(FhirError::RateLimited(retry_after)),
            500..=599 => Err(FhirError::Server(status)),
            _ => {
                let text = response.text().await.unwrap_or_default();
                Err(FhirError::Refused(status, text.chars().take(200).collect()))
            }
        }
    }
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
