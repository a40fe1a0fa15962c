//! Mijn agenda: a list of what is coming and a week view; care appointments from the ECD
//! marked "Zorgafspraak"; own appointments made, changed and deleted (after a confirmation)
//! by whoever holds the right; private unless set to Openbaar.

use super::reports::EXPIRED_FORM;
use super::{Care, field_errors};
use crate::error::AppError;
use crate::form::Form;
use crate::pages::render;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use careportal_domain::DomainError;
use careportal_domain::ids::AppointmentId;
use careportal_domain::record::Source;
use careportal_domain::record::agenda::{Appointment, check_appointment};
use careportal_domain::rights::Action;
use careportal_domain::tenant::Module;
use careportal_domain::time::{TimeRange, clock_time, local_date, long_date, parse_date, start_of_day};
use chrono::{Datelike, Days, NaiveDate};
use serde::{Deserialize, Serialize};

/// How far the list looks ahead.
const LIST_DAYS: u64 = 60;

#[derive(Debug, Serialize)]
struct AppointmentView {
    id: String,
    time: String,
    title: String,
    location: Option<String>,
    notes: Option<String>,
    /// Zorgafspraak, Openbaar or Privé.
    kind: &'static str,
    editable: bool,
}

#[derive(Debug, Serialize)]
struct DayView {
    heading: String,
    anchor: String,
    appointments: Vec<AppointmentView>,
}

fn capitalised(text: String) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => text,
    }
}

/// Who may change an appointment made in the portal: the one who made it, and the client,
/// whose agenda it is ("U kunt uw eigen afspraken plaatsen"). A contact person with the
/// right to write adds their own, and cannot change, delete or make Openbaar (which sends it
/// to the care department) anyone else's.
#[derive(Debug, Clone, Copy)]
struct Changer {
    account: careportal_domain::AccountId,
    is_client: bool,
}

impl Changer {
    fn of(care: &Care) -> Option<Self> {
        let link = care.current.as_ref()?;
        care.may(Module::Agenda, Action::Write).then_some(Changer {
            account: care.signed_in.account.id,
            is_client: link.relation == careportal_domain::people::Relation::Client,
        })
    }

    fn may_change(self, a: &Appointment) -> bool {
        a.source == Source::Portal && (self.is_client || a.created_by == Some(self.account))
    }
}

fn view(a: &Appointment, changer: Option<Changer>) -> AppointmentView {
    AppointmentView {
        id: a.id.to_string(),
        time: format!("{}–{}", clock_time(a.starts_at), clock_time(a.ends_at)),
        title: a.title.clone(),
        location: a.location.clone(),
        notes: a.notes.clone(),
        kind: match (a.source, a.public) {
            (Source::Ecd, _) => "Zorgafspraak",
            (Source::Portal, true) => "Openbaar",
            (Source::Portal, false) => "Privé",
        },
        editable: changer.is_some_and(|c| c.may_change(a)),
    }
}

fn days(
    appointments: &[Appointment],
    first: NaiveDate,
    count: u64,
    keep_empty: bool,
    changer: Option<Changer>,
) -> Vec<DayView> {
    (0..count)
        .filter_map(|offset| first.checked_add_days(Days::new(offset)))
        .map(|day| DayView {
            heading: capitalised(long_date(day)),
            anchor: day.to_string(),
            appointments: appointments
                .iter()
                .filter(|a| local_date(a.starts_at) == day)
                .map(|a| view(a, changer))
                .collect(),
        })
        .filter(|d| keep_empty || !d.appointments.is_empty())
        .collect()
}

#[derive(Debug, Default, Deserialize)]
pub struct AgendaQuery {
    weergave: Option<String>,
    week: Option<String>,
    opgeslagen: Option<String>,
}

pub async fn page(care: Care, jar: CookieJar, Query(query): Query<AgendaQuery>) -> Result<Response, AppError> {
    let link = care.require(Module::Agenda, Action::Read).await?.clone();
    let today = local_date(care.state.clock.now());
    let may_write = care.may(Module::Agenda, Action::Write);
    let week_view = query.weergave.as_deref() == Some("week");
    let (first, count) = if week_view {
        let asked = query.week.as_deref().and_then(|w| parse_date("week", w).ok()).unwrap_or(today);
        let monday = asked - chrono::Duration::days(i64::from(asked.weekday().num_days_from_monday()));
        (monday, 7)
    } else {
        (today, LIST_DAYS)
    };
    let until = first.checked_add_days(Days::new(count)).map(start_of_day);
    let range = TimeRange { from: Some(start_of_day(first)), until };
    let appointments = care.state.store.appointments(care.tenant.id, link.client.id, range, 500).await?;
    care.audit_read(Module::Agenda, format!("{} afspraken", appointments.len())).await?;
    let (jar, mut context) = care.context(jar, Module::Agenda);
    context.insert("week_view", &week_view);
    context.insert("days", &days(&appointments, first, count, week_view, Changer::of(&care)));
    context.insert("may_write", &may_write);
    context.insert("saved", &query.opgeslagen);
    if week_view {
        let last = first.checked_add_days(Days::new(6)).unwrap_or(first);
        context.insert("week_title", &format!("Week van {} tot en met {}", long_date(first), long_date(last)));
        context.insert("previous_week", &(first - chrono::Duration::days(7)).to_string());
        context.insert("next_week", &(first + chrono::Duration::days(7)).to_string());
    }
    render(&care.state, &care.tenant, "record/agenda.html", &context, StatusCode::OK, jar).await
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct AppointmentForm {
    #[serde(default)]
    titel: String,
    #[serde(default)]
    datum: String,
    #[serde(default)]
    begin: String,
    #[serde(default)]
    einde: String,
    #[serde(default)]
    waar: String,
    #[serde(default)]
    toelichting: String,
    #[serde(default)]
    openbaar: Option<String>,
    #[serde(default, skip_serializing)]
    csrf: String,
}

async fn form_page(
    care: &Care,
    jar: CookieJar,
    form: &AppointmentForm,
    editing: Option<&str>,
    problems: &[DomainError],
    status: StatusCode,
) -> Result<Response, AppError> {
    let (jar, mut context) = care.context(jar, Module::Agenda);
    context.insert("title", if editing.is_some() { "Afspraak wijzigen" } else { "Nieuwe afspraak" });
    context.insert("form", form);
    context.insert("action", &editing.map_or("/agenda/nieuw".to_owned(), |id| format!("/agenda/{id}/wijzigen")));
    context.insert("errors", &field_errors(problems));
    render(&care.state, &care.tenant, "record/appointment_form.html", &context, status, jar).await
}

fn checked(form: &AppointmentForm) -> Result<careportal_domain::record::agenda::AppointmentInput, Vec<DomainError>> {
    check_appointment(
        &form.titel,
        &form.datum,
        &form.begin,
        &form.einde,
        &form.waar,
        &form.toelichting,
        form.openbaar.is_some(),
    )
}

pub async fn new_form(care: Care, jar: CookieJar) -> Result<Response, AppError> {
    care.require(Module::Agenda, Action::Write).await?;
    let today = local_date(care.state.clock.now()).to_string();
    let form = AppointmentForm { datum: today, begin: "10:00".into(), einde: "11:00".into(), ..Default::default() };
    form_page(&care, jar, &form, None, &[], StatusCode::OK).await
}

pub async fn create(care: Care, jar: CookieJar, Form(form): Form<AppointmentForm>) -> Result<Response, AppError> {
    let link = care.require(Module::Agenda, Action::Write).await?.clone();
    if !crate::session::csrf_ok(&care.state, &jar, &form.csrf) {
        let problem = DomainError::invalid("titel", EXPIRED_FORM);
        return form_page(&care, jar, &form, None, &[problem], StatusCode::FORBIDDEN).await;
    }
    let input = match checked(&form) {
        Ok(input) => input,
        Err(problems) => return form_page(&care, jar, &form, None, &problems, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let account = Some(care.signed_in.account.id);
    let added = care
        .state
        .store
        .add_appointment(care.tenant.id, &care.origin(), link.client.id, Source::Portal, account, &input)
        .await?;
    Ok(Redirect::to(&format!("/agenda?opgeslagen=1#{}", local_date(added.starts_at))).into_response())
}

/// An appointment the signed-in person may change; a 404 for any other, as for one that is
/// not there (care appointments come from the ECD and are changed there).
async fn own(care: &Care, id: &str) -> Result<Appointment, AppError> {
    let link = care.require(Module::Agenda, Action::Write).await?;
    let id: AppointmentId = id.parse().map_err(|_| AppError::NotFound)?;
    let found = care.state.store.appointment(care.tenant.id, link.client.id, id).await?.ok_or(AppError::NotFound)?;
    match Changer::of(care) {
        Some(changer) if changer.may_change(&found) => Ok(found),
        _ => Err(AppError::NotFound),
    }
}

pub async fn edit_form(care: Care, jar: CookieJar, Path(id): Path<String>) -> Result<Response, AppError> {
    let found = own(&care, &id).await?;
    care.audit_read(Module::Agenda, format!("afspraak {} wijzigen", found.id)).await?;
    let form = AppointmentForm {
        titel: found.title.clone(),
        datum: local_date(found.starts_at).to_string(),
        begin: clock_time(found.starts_at),
        einde: clock_time(found.ends_at),
        waar: found.location.clone().unwrap_or_default(),
        toelichting: found.notes.clone().unwrap_or_default(),
        openbaar: found.public.then(|| "ja".to_owned()),
        csrf: String::new(),
    };
    form_page(&care, jar, &form, Some(&id), &[], StatusCode::OK).await
}

pub async fn update(
    care: Care,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(form): Form<AppointmentForm>,
) -> Result<Response, AppError> {
    let found = own(&care, &id).await?;
    if !crate::session::csrf_ok(&care.state, &jar, &form.csrf) {
        let problem = DomainError::invalid("titel", EXPIRED_FORM);
        return form_page(&care, jar, &form, Some(&id), &[problem], StatusCode::FORBIDDEN).await;
    }
    let input = match checked(&form) {
        Ok(input) => input,
        Err(problems) => {
            return form_page(&care, jar, &form, Some(&id), &problems, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    care.state.store.update_appointment(care.tenant.id, &care.origin(), found.client, found.id, &input).await?;
    Ok(Redirect::to(&format!("/agenda?opgeslagen=1#{}", local_date(input.starts_at))).into_response())
}

/// No irreversible step without confirmation: deleting asks first.
pub async fn delete_form(care: Care, jar: CookieJar, Path(id): Path<String>) -> Result<Response, AppError> {
    let found = own(&care, &id).await?;
    care.audit_read(Module::Agenda, format!("afspraak {} verwijderen", found.id)).await?;
    let (jar, mut context) = care.context(jar, Module::Agenda);
    context.insert("title", "Afspraak verwijderen");
    context.insert(
        "appointment",
        &serde_json::json!({
            "id": found.id.to_string(),
            "title": found.title,
            "when": format!("{} van {}", long_date(local_date(found.starts_at)), view(&found, None).time),
        }),
    );
    render(&care.state, &care.tenant, "record/appointment_delete.html", &context, StatusCode::OK, jar).await
}

#[derive(Debug, Default, Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    csrf: String,
}

pub async fn delete(
    care: Care,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(form): Form<DeleteForm>,
) -> Result<Response, AppError> {
    let found = own(&care, &id).await?;
    if !crate::session::csrf_ok(&care.state, &jar, &form.csrf) {
        return Ok(Redirect::to(&format!("/agenda/{id}/verwijderen")).into_response());
    }
    care.state.store.delete_appointment(care.tenant.id, &care.origin(), found.client, found.id).await?;
    Ok(Redirect::to("/agenda?opgeslagen=verwijderd").into_response())
}
