//! A coordinator offers a care plan print for signing: the PDF and its date. It goes into
//! the blob store and the record, and the client and their representatives see it on their
//! home page.

use super::Staff;
use crate::error::AppError;
use crate::pages::render;
use crate::record::field_errors;
use crate::upload::read_upload;
use axum::extract::{Multipart, Path};
use axum::http::StatusCode;
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;
use careportal_documents::sha256_hex;
use careportal_domain::DomainError;
use careportal_domain::ids::DocumentId;
use careportal_domain::people::Client;
use careportal_domain::record::documents::{DocumentKind, NewDocument};
use careportal_domain::staff::StaffAction;
use careportal_domain::tenant::Module;
use careportal_domain::time::{long_date, parse_date};

/// Largest print accepted: plans are text, a few hundred kilobytes at most.
pub const MAX_PLAN_BYTES: usize = 10 * 1024 * 1024;

async fn form_page(
    staff: &Staff,
    jar: CookieJar,
    client: &Client,
    date: &str,
    problems: &[DomainError],
    notice: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let (jar, mut context) = staff.context(jar, &format!("Begeleidingsplan aanbieden voor {}", client.name.full()));
    context
        .insert("client", &serde_json::json!({ "reference": client.reference.as_str(), "name": client.name.full() }));
    context.insert("date", date);
    context.insert("errors", &field_errors(problems));
    context.insert("notice", &notice);
    render(&staff.state, &staff.tenant, "staff/offer_plan.html", &context, status, jar).await
}

pub async fn form(staff: Staff, jar: CookieJar, Path(reference): Path<String>) -> Result<Response, AppError> {
    staff.require_for(StaffAction::OfferPlans, Module::CarePlans).await?;
    let client = staff.client(&reference).await?;
    // The form names the client: a look at who they are, logged as any other.
    let viewed = careportal_domain::audit::AuditAction::new("client.viewed");
    staff.audit_look(viewed, &client, Module::CarePlans, "begeleidingsplan aanbieden").await?;
    let today = careportal_domain::time::local_date(staff.state.clock.now()).to_string();
    form_page(&staff, jar, &client, &today, &[], None, StatusCode::OK).await
}

pub async fn offer(
    staff: Staff,
    jar: CookieJar,
    Path(reference): Path<String>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    staff.require_for(StaffAction::OfferPlans, Module::CarePlans).await?;
    let client = staff.client(&reference).await?;
    let too_big = || DomainError::invalid("afdruk", "Dit bestand is te groot: hoogstens 10 MB.");
    let upload = read_upload(multipart, "afdruk").await;
    let (csrf, date, pdf) = (upload.field("csrf").to_owned(), upload.field("datum").to_owned(), upload.file);
    // A body past the limit ends the reading; the form says why.
    if upload.too_large {
        return form_page(&staff, jar, &client, &date, &[too_big()], None, StatusCode::PAYLOAD_TOO_LARGE).await;
    }
    if !crate::session::csrf_ok(&staff.state, &jar, &csrf) {
        let problem = DomainError::invalid("afdruk", crate::record::reports::EXPIRED_FORM);
        return form_page(&staff, jar, &client, &date, &[problem], None, StatusCode::FORBIDDEN).await;
    }
    let mut problems = Vec::new();
    let plan_date = parse_date("datum", &date).map_err(|p| problems.push(p)).ok();
    if pdf.is_empty() {
        problems.push(DomainError::invalid("afdruk", "Kies de begeleidingsplanafdruk (een PDF-bestand)."));
    } else if !pdf.starts_with(b"%PDF-") {
        problems.push(DomainError::invalid("afdruk", "Dit is geen PDF-bestand. Kies de afdruk als PDF."));
    } else if pdf.len() > MAX_PLAN_BYTES {
        problems.push(too_big());
    }
    let Some(plan_date) = plan_date.filter(|_| problems.is_empty()) else {
        return form_page(&staff, jar, &client, &date, &problems, None, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let key = format!("care-plan/{}.pdf", DocumentId::new());
    let title = format!("Begeleidingsplanafdruk van {}", long_date(plan_date));
    let new = NewDocument {
        kind: DocumentKind::CarePlan,
        title: title.clone(),
        date: plan_date,
        blob_key: key.clone(),
        sha256: sha256_hex(&pdf),
        size: i64::try_from(pdf.len()).unwrap_or(i64::MAX),
        content_type: "application/pdf".into(),
    };
    staff
        .state
        .blobs
        .put(staff.tenant.id, &key, pdf, "application/pdf")
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let origin = staff.origin();
    let document = staff.state.store.add_document(staff.tenant.id, &origin, client.id, &new).await?;
    staff
        .state
        .store
        .offer_plan(staff.tenant.id, &origin, client.id, document.id, plan_date, &staff.signature())
        .await?;
    let notice = format!("{title} staat klaar om te ondertekenen voor {}.", client.name.full());
    form_page(&staff, jar, &client, "", &[], Some(notice), StatusCode::OK).await
}
