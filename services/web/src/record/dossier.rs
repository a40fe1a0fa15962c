//! "Download mijn dossier" (AVG article 15): the client, or their legal representative, asks
//! for everything the portal holds about the client as one ZIP. It is made in the
//! background (at once here, and by the worker for whatever that misses) and waits a week
//! for the person who asked, then it is deleted.

use super::Care;
use crate::error::AppError;
use crate::form::Form;
use crate::pages::render;
use axum::body::Body;
use axum::extract::{Path, Query};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use careportal_domain::audit::AuditAction;
use careportal_domain::ids::ExportId;
use careportal_domain::people::ClientLink;
use careportal_domain::record::exports::ExportStatus;
use careportal_domain::tenant::Module;
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize)]
struct ExportRow {
    id: String,
    requested: String,
    status: &'static str,
    until: Option<String>,
    size: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    aangevraagd: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RequestForm {
    #[serde(default)]
    csrf: String,
}

/// The open client, when this person may have the dossier (the client and a legal
/// representative); otherwise a logged 404.
async fn allowed(care: &Care) -> Result<ClientLink, AppError> {
    care.require_own_dossier(AuditAction::new("dossier.requested"), "dossier").await
}

fn megabytes(bytes: i64) -> String {
    let tenths = (bytes.max(0) * 10 + 524_288) / 1_048_576;
    format!("{},{} MB", tenths / 10, tenths % 10)
}

/// GET /dossier/download
pub async fn page(care: Care, jar: CookieJar, Query(query): Query<PageQuery>) -> Result<Response, AppError> {
    let link = allowed(&care).await?;
    let now = care.state.clock.now();
    let exports = care.state.store.exports_for(care.tenant.id, link.client.id, care.signed_in.account.id).await?;
    let rows: Vec<ExportRow> = exports
        .iter()
        .filter(|e| e.expires_at.is_none_or(|until| until > now))
        .map(|e| ExportRow {
            id: e.id.to_string(),
            requested: super::moment(e.requested_at),
            status: e.status.as_str(),
            until: e.expires_at.map(super::moment),
            size: e.bytes.map(megabytes),
        })
        .collect();
    let (jar, mut context) = care.context(jar, Module::Home);
    context.insert("title", "Download mijn dossier");
    context.insert("exports", &rows);
    context.insert("waiting", &exports.iter().any(|e| e.status == ExportStatus::Waiting));
    context.insert("requested", &query.aangevraagd.is_some());
    render(&care.state, &care.tenant, "record/dossier.html", &context, StatusCode::OK, jar).await
}

/// POST /dossier/download: asks for the ZIP and starts making it.
pub async fn request(care: Care, jar: CookieJar, Form(form): Form<RequestForm>) -> Result<Response, AppError> {
    let link = allowed(&care).await?;
    if !crate::session::csrf_ok(&care.state, &jar, &form.csrf) {
        return Ok(Redirect::to("/dossier/download").into_response());
    }
    let store = care.state.store.clone();
    store.request_export(care.tenant.id, &care.origin(), link.client.id, care.signed_in.account.id).await?;
    let (blobs, tenant, clock) = (care.state.blobs.clone(), care.tenant.0.clone(), care.state.clock.clone());
    tokio::spawn(async move {
        if let Err(error) = careportal_app::dossier::run(store.as_ref(), &blobs, &tenant, clock.now()).await {
            tracing::warn!(%error, "dossier direct maken mislukt; de worker probeert het opnieuw");
        }
    });
    Ok(Redirect::to("/dossier/download?aangevraagd=1").into_response())
}

/// GET /dossier/download/{id}: the ZIP, for the person who asked, within its week.
pub async fn download(care: Care, Path(id): Path<String>) -> Result<Response, AppError> {
    let link = allowed(&care).await?;
    let id: ExportId = id.parse().map_err(|_| AppError::NotFound)?;
    let now = care.state.clock.now();
    let export = care
        .state
        .store
        .exports_for(care.tenant.id, link.client.id, care.signed_in.account.id)
        .await?
        .into_iter()
        .find(|e| e.id == id && e.status == ExportStatus::Ready && e.expires_at.is_some_and(|until| until > now))
        .ok_or(AppError::NotFound)?;
    let key = export.blob_key.as_deref().ok_or(AppError::NotFound)?;
    let stream = care.state.blobs.open(care.tenant.id, key).await.map_err(|e| AppError::Internal(e.to_string()))?;
    let Some(stream) = stream else { return Err(AppError::NotFound) };
    let event =
        care.origin().event(AuditAction::new("dossier.downloaded"), Some(link.client.id), id.to_string()).on("dossier");
    care.state.store.append_audit(care.tenant.id, &event).await?;
    let filename = format!("dossier-{}-{}.zip", link.client.reference.as_str(), export.requested_at.format("%Y-%m-%d"));
    let safe: String = filename.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')).collect();
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{safe}\"")),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}
