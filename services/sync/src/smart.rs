//! SMART Backend Services sign-in: a JWT signed with the portal's private key (ES384 or
//! RS384), traded at the ECD's token endpoint for an access token (client credentials,
//! `client_assertion_type` jwt-bearer). The token endpoint comes from the settings or from
//! `<base>/.well-known/smart-configuration`. The private key is read from its file at every
//! sign-in, so a rotated key is used from the next run on, and is never logged.

use crate::fhir::FhirError;
use careportal_domain::tenant::SmartSettings;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;
use serde_json::Value;

const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    exp: i64,
    jti: String,
}

/// An access token for the ECD.
pub async fn sign_in(http: &reqwest::Client, base: &str, smart: &SmartSettings) -> Result<String, FhirError> {
    let token_url = match &smart.token_url {
        Some(url) => url.clone(),
        None => discover(http, base).await?,
    };
    let assertion = assertion(smart, &token_url)?;
    let form = [
        ("grant_type", "client_credentials"),
        ("scope", smart.scope.as_str()),
        ("client_assertion_type", ASSERTION_TYPE),
        ("client_assertion", assertion.as_str()),
    ];
    let response = http
        .post(&token_url)
        .header("accept", "application/json")
        .form(&form)
        .send()
        .await
        .map_err(|e| FhirError::Unreachable(token_url.clone(), e.without_url().to_string()))?;
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    match status {
        200..=299 => body
            .get("access_token")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| FhirError::Malformed("het tokenantwoord heeft geen access_token".to_owned())),
        429 => Err(FhirError::RateLimited(None)),
        500..=599 => Err(FhirError::Server(status)),
        _ => {
            let reason = body
                .get("error_description")
                .or_else(|| body.get("error"))
                .and_then(Value::as_str)
                .unwrap_or("geen reden gegeven");
            Err(FhirError::SignIn(status, reason.chars().take(200).collect()))
        }
    }
}

async fn discover(http: &reqwest::Client, base: &str) -> Result<String, FhirError> {
    let address = format!("{base}/.well-known/smart-configuration");
    let response = http
        .get(&address)
        .header("accept", "application/json")
        .send()
        .await
        .map_err(|e| FhirError::Unreachable(base.to_owned(), e.without_url().to_string()))?;
    if !response.status().is_success() {
        return Err(FhirError::Settings(format!(
            "geen smart-configuration op {address} (HTTP {}): geef token_url",
            response.status().as_u16()
        )));
    }
    let body: Value = response.json().await.map_err(|e| FhirError::Malformed(e.to_string()))?;
    body.get("token_endpoint")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| FhirError::Settings(format!("{address} noemt geen token_endpoint: geef token_url")))
}

/// The signed client assertion: valid for five minutes, a fresh `jti` each time.
fn assertion(smart: &SmartSettings, token_url: &str) -> Result<String, FhirError> {
    let pem = std::fs::read(&smart.private_key_file).map_err(|e| {
        FhirError::Settings(format!("sync.fhir.smart.private_key_file {}: {e}", smart.private_key_file))
    })?;
    let (algorithm, key) = match smart.algorithm.as_str() {
        "RS384" => (Algorithm::RS384, EncodingKey::from_rsa_pem(&pem)),
        _ => (Algorithm::ES384, EncodingKey::from_ec_pem(&pem)),
    };
    let key = key.map_err(|e| FhirError::Settings(format!("de private sleutel is niet te lezen: {e}")))?;
    let mut header = Header::new(algorithm);
    header.kid = smart.key_id.clone();
    header.typ = Some("JWT".to_owned());
    let claims = Claims {
        iss: &smart.client_id,
        sub: &smart.client_id,
        aud: token_url,
        exp: chrono::Utc::now().timestamp() + 300,
        jti: uuid::Uuid::new_v4().to_string(),
    };
    jsonwebtoken::encode(&header, &claims, &key).map_err(|e| FhirError::Settings(format!("ondertekenen: {e}")))
}
