//! Rapportages: the list with its periods (afgelopen week, maand, jaar, or a chosen period),
//! and "Nieuwe rapportage".

use super::{Care, field_errors, moment};
use crate::error::AppError;
use crate::form::Form;
use crate::pages::render;
use axum::extract::{Query, RawQuery};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use careportal_domain::DomainError;
use careportal_domain::people::Relation;
use careportal_domain::record::Source;
use careportal_domain::record::reports::{NewReport, REPORT_MAX_CHARS, Report, report_text};
use careportal_domain::rights::Action;
use careportal_domain::tenant::Module;
use careportal_domain::time::{Period, local_date};
use serde::{Deserialize, Serialize};

/// At most this many reports on one page; a longer period says so and asks for a shorter one.
const PAGE_LIMIT: u32 = 500;

#[derive(Debug, Serialize)]
pub(crate) struct ReportView {
    id: String,
    moment: String,
    author: String,
    from_portal: bool,
    body: String,
}

impl ReportView {
    pub(crate) fn of(report: &Report) -> Self {
        Self {
            id: report.id.to_string(),
            moment: moment(report.written_at),
            author: report.author.clone(),
            from_portal: report.source == Source::Portal,
            body: report.body.clone(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    periode: Option<String>,
    van: Option<String>,
    tot: Option<String>,
    opgeslagen: Option<String>,
}

#[derive(Debug, Serialize)]
struct PeriodLink {
    key: &'static str,
    label: &'static str,
    current: bool,
}

pub async fn list(care: Care, jar: CookieJar, Query(query): Query<ListQuery>) -> Result<Response, AppError> {
    let link = care.require(Module::Reports, Action::Read).await?;
    let today = local_date(care.state.clock.now());
    let chosen = Period::from_query(query.periode.as_deref(), query.van.as_deref(), query.tot.as_deref());
    let (reports, period_text, errors, current_key) = match chosen {
        Ok(period) => {
            let reports =
                care.state.store.reports(care.tenant.id, link.client.id, period.range(today), PAGE_LIMIT).await?;
            (reports, period.describe(today), Default::default(), period.key())
        }
        Err(problem) => (Vec::new(), String::new(), field_errors(&[problem]), "kiezen"),
    };
    care.audit_read(Module::Reports, format!("{} regels, {}", reports.len(), period_text)).await?;

    let periods = [
        ("week", "Afgelopen week"),
        ("maand", "Afgelopen maand"),
        ("jaar", "Afgelopen jaar"),
        ("alles", "Alle rapportages"),
    ]
    .into_iter()
    .map(|(key, label)| PeriodLink { key, label, current: key == current_key })
    .collect::<Vec<_>>();
    let (jar, mut context) = care.context(jar, Module::Reports);
    context.insert("reports", &reports.iter().map(ReportView::of).collect::<Vec<_>>());
    context.insert("truncated", &(reports.len() as u32 >= PAGE_LIMIT));
    context.insert("periods", &periods);
    context.insert("period_text", &period_text);
    context.insert("choosing", &(current_key == "kiezen"));
    context.insert("period_key", current_key);
    context.insert("from", query.van.as_deref().unwrap_or(""));
    context.insert("until", query.tot.as_deref().unwrap_or(""));
    context.insert("errors", &errors);
    context.insert("saved", &query.opgeslagen.is_some());
    context.insert("may_write", &care.may(Module::Reports, Action::Write));
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render(&care.state, &care.tenant, "record/reports.html", &context, status, jar).await
}

#[derive(Debug, Default, Deserialize)]
pub struct NewReportForm {
    #[serde(default)]
    tekst: String,
    #[serde(default)]
    csrf: String,
}

async fn form_page(
    care: &Care,
    jar: CookieJar,
    text: &str,
    problems: &[DomainError],
    status: StatusCode,
) -> Result<Response, AppError> {
    let (jar, mut context) = care.context(jar, Module::Reports);
    context.insert("title", "Nieuwe rapportage");
    context.insert("text", text);
    context.insert("max_chars", &REPORT_MAX_CHARS);
    context.insert("errors", &field_errors(problems));
    render(&care.state, &care.tenant, "record/report_new.html", &context, status, jar).await
}

pub async fn new_form(care: Care, jar: CookieJar) -> Result<Response, AppError> {
    care.require(Module::Reports, Action::Write).await?;
    form_page(&care, jar, "", &[], StatusCode::OK).await
}

pub async fn create(care: Care, jar: CookieJar, Form(form): Form<NewReportForm>) -> Result<Response, AppError> {
    let link = care.require(Module::Reports, Action::Write).await?.clone();
    if !crate::session::csrf_ok(&care.state, &jar, &form.csrf) {
        let problem = DomainError::invalid("tekst", EXPIRED_FORM);
        return form_page(&care, jar, &form.tekst, &[problem], StatusCode::FORBIDDEN).await;
    }
    let body = match report_text(&form.tekst) {
        Ok(body) => body,
        Err(problem) => return form_page(&care, jar, &form.tekst, &[problem], StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let new = NewReport {
        written_at: care.state.clock.now(),
        author: author_name(&care, link.relation),
        author_account: Some(care.signed_in.account.id),
        source: Source::Portal,
        body,
    };
    care.state.store.add_report(care.tenant.id, &care.origin(), link.client.id, &new).await?;
    Ok(Redirect::to("/rapportages?opgeslagen=1").into_response())
}

/// "Download": the chosen reports of the period (all of them when none is chosen) as one
/// PDF with the organisation's name on every page.
pub async fn download(care: Care, RawQuery(query): RawQuery) -> Result<Response, AppError> {
    let link = care.require(Module::Reports, Action::Read).await?.clone();
    let pairs: Vec<(String, String)> =
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()).into_owned().collect();
    let value = |key: &str| crate::form::first(&pairs, key);
    let chosen: Vec<&str> = pairs.iter().filter(|(k, _)| k == "rapportage").map(|(_, v)| v.as_str()).collect();
    let today = local_date(care.state.clock.now());
    let period = Period::from_query(value("periode"), value("van"), value("tot")).map_err(|_| AppError::NotFound)?;
    let reports: Vec<Report> = care
        .state
        .store
        .reports(care.tenant.id, link.client.id, period.range(today), PAGE_LIMIT)
        .await?
        .into_iter()
        .filter(|r| chosen.is_empty() || chosen.contains(&r.id.to_string().as_str()))
        .collect();
    let client_name = link.client.name.full();
    let mut pdf =
        careportal_documents::TextDocument::new(&care.tenant.config.name, &format!("Rapportages van {client_name}"));
    pdf.meta(&format!("Periode: {}", period.describe(today)));
    pdf.meta(&format!(
        "Gedownload op {} door {}",
        careportal_domain::time::long_date(today),
        author_name(&care, link.relation)
    ));
    if reports.is_empty() {
        pdf.paragraph("Er zijn geen rapportages in deze periode.");
    }
    for report in &reports {
        pdf.heading(&moment(report.written_at));
        pdf.meta(&report.author);
        pdf.paragraph(&report.body);
    }
    let event = care
        .origin()
        .event(
            careportal_domain::audit::AuditAction::new("record.downloaded"),
            Some(link.client.id),
            format!("{} regels, {}", reports.len(), period.describe(today)),
        )
        .on(careportal_domain::tenant::Module::Reports.key());
    care.state.store.append_audit(care.tenant.id, &event).await?;
    let filename = format!("rapportages-{}-{today}.pdf", link.client.reference.as_str());
    Ok(super::documents::pdf_response(pdf.render(), &filename))
}

/// The text under an expired or forged form: the work is kept, the person sends it again.
pub(crate) const EXPIRED_FORM: &str =
    "Dit formulier was verlopen. Uw tekst staat er nog; klik nog een keer op de knop om hem te versturen.";

/// How the record names a person who writes in the portal: their name, and their relation
/// when they write for someone else.
pub(crate) fn author_name(care: &Care, relation: Relation) -> String {
    let name = care.signed_in.account.name.full();
    match relation {
        Relation::Client => name,
        other => format!("{name} ({})", other.label()),
    }
}
