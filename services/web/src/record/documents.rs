//! Documents: Evaluaties and Facturen as lists, and the one address every document of the
//! record is downloaded from. A download is checked against the module its kind belongs to
//! before a single byte is read from the blob store, and written to the audit log.

use super::Care;
use crate::error::AppError;
use crate::pages::render;
use axum::body::Body;
use axum::extract::{Path, Query};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use careportal_domain::ids::DocumentId;
use careportal_domain::record::documents::{Document, DocumentKind, latest_evaluation_round};
use careportal_domain::rights::Action;
use careportal_domain::tenant::Module;
use careportal_domain::time::{Period, local_date, long_date};
use serde::{Deserialize, Serialize};

pub(crate) fn module_of(kind: DocumentKind) -> Module {
    match kind {
        DocumentKind::CarePlan => Module::CarePlans,
        DocumentKind::Evaluation => Module::Evaluations,
        DocumentKind::Invoice => Module::Invoices,
    }
}

#[derive(Debug, Serialize)]
pub(crate) struct DocumentView {
    id: String,
    title: String,
    date: String,
    href: String,
}

impl DocumentView {
    pub(crate) fn of(document: &Document) -> Self {
        Self {
            id: document.id.to_string(),
            title: document.title.clone(),
            date: long_date(document.date),
            href: format!("/documenten/{}", document.id),
        }
    }
}

/// A PDF for the browser to show in its own viewer ("opent in een nieuw scherm"), never
/// kept in a shared cache.
pub(crate) fn pdf_response(body: impl Into<Body>, filename: &str) -> Response {
    let safe: String = filename.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')).collect();
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (header::CONTENT_DISPOSITION, format!("inline; filename=\"{safe}\"")),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body.into(),
    )
        .into_response()
}

/// GET /documenten/{id}: the document, if it is the open client's and the person may read
/// its module; otherwise the same 404 as for a document that does not exist.
pub async fn download(care: Care, Path(id): Path<String>) -> Result<Response, AppError> {
    let id: DocumentId = id.parse().map_err(|_| AppError::NotFound)?;
    let link = care.current.as_ref().ok_or(AppError::NotFound)?;
    let document = care.state.store.document(care.tenant.id, link.client.id, id).await?.ok_or(AppError::NotFound)?;
    care.require(module_of(document.kind), Action::Read).await?;
    // Only now, after the check, is the blob store asked for anything.
    let stream = care
        .state
        .blobs
        .open(care.tenant.id, &document.blob_key)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let Some(stream) = stream else {
        tracing::error!(document = %document.id, "document ontbreekt in de documentopslag");
        return Err(AppError::NotFound);
    };
    let event = care
        .origin()
        .event(
            careportal_domain::audit::AuditAction::new("document.downloaded"),
            Some(link.client.id),
            format!("{} {}", document.kind.as_str(), document.id),
        )
        .on(module_of(document.kind).key());
    care.state.store.append_audit(care.tenant.id, &event).await?;
    let filename = format!("{}-{}.pdf", document.kind.as_str().replace('_', "-"), document.date);
    Ok(pdf_response(Body::from_stream(stream), &filename))
}

#[derive(Debug, Default, Deserialize)]
pub struct PeriodQuery {
    periode: Option<String>,
}

#[derive(Debug, Serialize)]
pub(crate) struct PeriodLink {
    pub key: &'static str,
    pub label: &'static str,
    pub current: bool,
}

pub(crate) fn period_links(choices: &[(&'static str, &'static str)], current: &str) -> Vec<PeriodLink> {
    choices.iter().map(|(key, label)| PeriodLink { key, label, current: *key == current }).collect()
}

/// Evaluaties: "de laatste afgeronde begeleidingsplanevaluaties", the whole latest round.
pub async fn evaluations(care: Care, jar: CookieJar) -> Result<Response, AppError> {
    let link = care.require(Module::Evaluations, Action::Read).await?;
    let all = care.state.store.documents(care.tenant.id, link.client.id, DocumentKind::Evaluation, None).await?;
    let round = latest_evaluation_round(&all);
    care.audit_read(Module::Evaluations, format!("laatste {} van {}", round.len(), all.len())).await?;
    let (jar, mut context) = care.context(jar, Module::Evaluations);
    context.insert("documents", &round.iter().map(DocumentView::of).collect::<Vec<_>>());
    render(&care.state, &care.tenant, "record/evaluations.html", &context, StatusCode::OK, jar).await
}

/// "Alle evaluaties": het afgelopen jaar, het huidige jaar, alle.
pub async fn all_evaluations(
    care: Care,
    jar: CookieJar,
    Query(query): Query<PeriodQuery>,
) -> Result<Response, AppError> {
    let link = care.require(Module::Evaluations, Action::Read).await?;
    let period = match query.periode.as_deref() {
        Some("dit-jaar") => Period::ThisYear,
        Some("alles") => Period::All,
        _ => Period::Year,
    };
    let today = local_date(care.state.clock.now());
    let (since, _) = period.days(today);
    let documents = care.state.store.documents(care.tenant.id, link.client.id, DocumentKind::Evaluation, since).await?;
    care.audit_read(Module::Evaluations, format!("alle ({}): {}", period.key(), documents.len())).await?;
    let (jar, mut context) = care.context(jar, Module::Evaluations);
    context.insert("title", "Alle evaluaties");
    context.insert(
        "periods",
        &period_links(
            &[("jaar", "Het afgelopen jaar"), ("dit-jaar", "Het huidige jaar"), ("alles", "Alle evaluaties")],
            period.key(),
        ),
    );
    context.insert("documents", &documents.iter().map(DocumentView::of).collect::<Vec<_>>());
    render(&care.state, &care.tenant, "record/evaluations_all.html", &context, StatusCode::OK, jar).await
}

/// Facturen, for clients who receive them.
pub async fn invoices(care: Care, jar: CookieJar) -> Result<Response, AppError> {
    let link = care.require(Module::Invoices, Action::Read).await?;
    let documents = care.state.store.documents(care.tenant.id, link.client.id, DocumentKind::Invoice, None).await?;
    care.audit_read(Module::Invoices, format!("{} facturen", documents.len())).await?;
    let (jar, mut context) = care.context(jar, Module::Invoices);
    context.insert("documents", &documents.iter().map(DocumentView::of).collect::<Vec<_>>());
    render(&care.state, &care.tenant, "record/invoices.html", &context, StatusCode::OK, jar).await
}
