//! Beheer › ECD-koppeling: the tenant administrator sees how the sync with the ECD goes
//! (per kind the schedule, the last success, the last error and what it did; what waits to
//! go to the ECD and what was parked) and can start it now ("Nu synchroniseren").

use super::Staff;
use crate::error::AppError;
use crate::form::Form;
use crate::pages::render;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use careportal_domain::staff::StaffAction;
use careportal_sync::status::{StreamStatus, tenant_status};
use careportal_sync::{SYNCED, When};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One row of the status table, in words.
#[derive(Debug, Serialize)]
struct StreamRow {
    label: &'static str,
    schedule: String,
    running: bool,
    last_started: String,
    last_success: String,
    /// "12 minuten geleden".
    lag: String,
    error: Option<String>,
    counts: Option<String>,
    skipped: Vec<SkippedRow>,
}

#[derive(Debug, Serialize)]
struct SkippedRow {
    resource: String,
    reason: String,
}

#[derive(Debug, Serialize)]
struct ParkedRow {
    what: String,
    when: String,
    error: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    gestart: Option<String>,
}

/// "Wo 3 mei 2023 | 18:30", as the record writes moments; "nog nooit" for none.
fn moment(at: Option<DateTime<Utc>>) -> String {
    at.map_or_else(|| "nog nooit".to_owned(), crate::record::moment)
}

fn minutes(lag: Option<i64>) -> String {
    match lag {
        None => "—".to_owned(),
        Some(0) => "net".to_owned(),
        Some(1) => "1 minuut geleden".to_owned(),
        Some(m) if m < 120 => format!("{m} minuten geleden"),
        Some(m) if m < 48 * 60 => format!("{} uur geleden", m / 60),
        Some(m) => format!("{} dagen geleden", m / (24 * 60)),
    }
}

fn row(stream: StreamStatus) -> StreamRow {
    let counts = stream.counts.as_ref().map(|c| {
        let mut parts = vec![format!("{} nieuw", c.created), format!("{} gewijzigd", c.updated)];
        if c.removed > 0 {
            parts.push(format!("{} verwijderd", c.removed));
        }
        if c.waiting > 0 {
            parts.push(format!("{} wacht op een nieuwe poging", c.waiting));
        }
        if c.skipped_count > 0 {
            parts.push(format!("{} overgeslagen", c.skipped_count));
        }
        parts.join(", ")
    });
    StreamRow {
        label: stream.label,
        schedule: stream.schedule,
        running: stream.running,
        last_started: moment(stream.last_started_at),
        last_success: moment(stream.last_success_at),
        lag: minutes(stream.lag_minutes),
        error: stream.last_error,
        skipped: stream
            .counts
            .map(|c| c.skipped)
            .unwrap_or_default()
            .into_iter()
            .map(|(resource, reason)| SkippedRow { resource, reason })
            .collect(),
        counts,
    }
}

/// GET /beheer/koppeling
pub async fn page(staff: Staff, jar: CookieJar, Query(query): Query<PageQuery>) -> Result<Response, AppError> {
    staff.require(StaffAction::ManageSync).await?;
    let notice = query.gestart.map(|_| {
        "De synchronisatie is gestart. Vernieuw deze pagina over een minuut om te zien hoe het ging.".to_owned()
    });
    status_page(&staff, jar, notice, None, StatusCode::OK).await
}

async fn status_page(
    staff: &Staff,
    jar: CookieJar,
    notice: Option<String>,
    problem: Option<&str>,
    code: StatusCode,
) -> Result<Response, AppError> {
    let status = tenant_status(staff.state.store.as_ref(), &staff.tenant, staff.state.clock.now()).await?;
    let connected = status.connector == "fhir";
    let parked: Vec<ParkedRow> = status
        .parked
        .iter()
        .map(|p| ParkedRow {
            what: match p.kind.as_str() {
                "report" => "Rapportage".to_owned(),
                "measurement" => "Meting".to_owned(),
                other => other.to_owned(),
            },
            when: moment(Some(p.parked_at)),
            error: p.error.clone(),
        })
        .collect();
    let (jar, mut context) = staff.context(jar, "ECD-koppeling");
    context.insert("connected", &connected);
    context.insert("base_url", &staff.tenant.config.sync.fhir.as_ref().map(|f| f.base_url.clone()));
    context.insert("streams", &status.streams.into_iter().map(row).collect::<Vec<_>>());
    context.insert("pending", &status.outbox_pending);
    context.insert("oldest_pending", &status.oldest_pending.map(|t| moment(Some(t))));
    context.insert("parked", &parked);
    context.insert("notice", &notice);
    context.insert("problem", &problem);
    render(&staff.state, &staff.tenant, "staff/sync.html", &context, code, jar).await
}

#[derive(Debug, Default, Deserialize)]
pub struct RunForm {
    #[serde(default)]
    csrf: String,
}

/// POST /beheer/koppeling/testen: "Verbinding testen" with the tenant's settings, now,
/// within 20 seconds; the answer on the page in Dutch.
pub async fn test_connection(staff: Staff, jar: CookieJar, Form(form): Form<RunForm>) -> Result<Response, AppError> {
    staff.require(StaffAction::ManageSync).await?;
    if !crate::session::csrf_ok(&staff.state, &jar, &form.csrf) {
        let expired = crate::record::reports::EXPIRED_FORM;
        return status_page(&staff, jar, None, Some(expired), StatusCode::FORBIDDEN).await;
    }
    let Some(settings) = staff.tenant.config.sync.ecd() else {
        return Ok(Redirect::to("/beheer/koppeling").into_response());
    };
    let checked = match careportal_sync::fhir::FhirClient::new(settings) {
        Err(error) => Err(error.to_string()),
        Ok(client) => match tokio::time::timeout(std::time::Duration::from_secs(20), client.check()).await {
            Err(_) => Err("het ECD antwoordde niet binnen 20 seconden".to_owned()),
            Ok(Err(error)) => Err(error.to_string()),
            Ok(Ok(total)) => Ok(total),
        },
    };
    match checked {
        Ok(total) => {
            let count = total.map(|n| format!(" Het ECD heeft {n} cliënten.")).unwrap_or_default();
            let notice = format!("De verbinding werkt: het ECD antwoordt en laat het portaal binnen.{count}");
            status_page(&staff, jar, Some(notice), None, StatusCode::OK).await
        }
        Err(reason) => {
            tracing::warn!(tenant = %staff.tenant.slug, %reason, "verbinding testen mislukt");
            let problem = format!("De verbinding werkt niet: {reason}.");
            status_page(&staff, jar, None, Some(&problem), StatusCode::OK).await
        }
    }
}

/// POST /beheer/koppeling: "Nu synchroniseren". The run goes on after the answer (a first
/// pull of a large ECD takes minutes); the streams' leases keep it from running beside a
/// worker's run of the same stream, and the page shows how it went.
pub async fn run_now(staff: Staff, jar: CookieJar, Form(form): Form<RunForm>) -> Result<Response, AppError> {
    staff.require(StaffAction::ManageSync).await?;
    if !crate::session::csrf_ok(&staff.state, &jar, &form.csrf) {
        let expired = crate::record::reports::EXPIRED_FORM;
        return status_page(&staff, jar, None, Some(expired), StatusCode::FORBIDDEN).await;
    }
    if staff.tenant.config.sync.ecd().is_none() {
        return Ok(Redirect::to("/beheer/koppeling").into_response());
    }
    let (store, clock, tenant) = (staff.state.store.clone(), staff.state.clock.clone(), staff.tenant.0.clone());
    let blobs = staff.state.blobs.clone();
    let owner = format!("beheer:{}:{}", staff.signed_in.account.id, careportal_sync::schedule::worker_name());
    tracing::info!(tenant = %tenant.slug, "nu synchroniseren, gevraagd in Beheer");
    tokio::spawn(async move {
        if let Err(error) =
            careportal_sync::sync_tenant(store.as_ref(), clock.as_ref(), &blobs, &owner, &tenant, &SYNCED, When::Now)
                .await
        {
            tracing::error!(tenant = %tenant.slug, %error, "synchroniseren vanuit Beheer mislukt");
        }
    });
    Ok(Redirect::to("/beheer/koppeling?gestart=1").into_response())
}
