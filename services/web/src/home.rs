//! Home, the first page after signing in: whose record this is, the latest reports of the
//! past days, what is new since the previous visit, and the thread with the coordinator.

use crate::error::AppError;
use crate::pages::render;
use crate::record::Care;
use crate::record::messages::{MessageView, coordinator};
use crate::record::reports::ReportView;
use crate::session::SignedIn;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use careportal_domain::audit::AuditAction;
use careportal_domain::rights::Action;
use careportal_domain::tenant::Module;
use careportal_domain::time::TimeRange;
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Deserialize)]
pub struct ExtendForm {
    #[serde(default)]
    csrf: String,
}

/// "Blijf ingelogd": the request itself touches the session (SignedIn), which is the whole
/// point. From the page's script it answers 204; from a plain form it goes back home.
pub async fn extend(
    State(state): State<AppState>,
    _signed_in: SignedIn,
    headers: axum::http::HeaderMap,
    jar: CookieJar,
    crate::form::Form(form): crate::form::Form<ExtendForm>,
) -> Response {
    if !crate::session::csrf_ok(&state, &jar, &form.csrf) {
        return axum::http::StatusCode::FORBIDDEN.into_response();
    }
    if headers.get("x-careportal").is_some() {
        axum::http::StatusCode::NO_CONTENT.into_response()
    } else {
        axum::response::Redirect::to("/home").into_response()
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct HomeQuery {
    wachtwoord: Option<String>,
    verstuurd: Option<String>,
    /// ondertekend | afgekeurd, after a decision on a care plan.
    plan: Option<String>,
    /// geaccepteerd | geweigerd | verlopen, after answering an invitation.
    uitnodiging: Option<String>,
}

/// What is new since the previous visit, per kind.
#[derive(Debug, Default, Serialize)]
struct NewSince {
    since: String,
    reports: usize,
    measurements: usize,
    messages: usize,
}

/// Reports of the past days on the home page, as the manual's start screen shows them.
const RECENT_DAYS: u64 = 7;
const RECENT_REPORTS: usize = 5;
const RECENT_MESSAGES: usize = 5;
/// Pages opened within this time of each other are one visit.
const VISIT_GAP_MINUTES: i64 = 30;
/// How far "new since your last visit" counts; past this the page says "meer dan".
const NEW_COUNT_LIMIT: u32 = 100;

pub async fn page(care: Care, Query(query): Query<HomeQuery>, jar: CookieJar) -> Result<Response, AppError> {
    let notice = match query.uitnodiging.as_deref() {
        Some("geaccepteerd") => {
            Some("U hebt de uitnodiging geaccepteerd. Kies bovenaan het dossier dat u wilt bekijken.")
        }
        Some("geweigerd") => Some("U hebt de uitnodiging geweigerd."),
        Some("verlopen") => Some("Het formulier was verlopen. Kies opnieuw Accepteren of Weigeren."),
        _ => None,
    };
    home(care, query, jar, notice.map(str::to_owned), StatusCode::OK).await
}

/// Home again with why an invitation could not be accepted (the tenant's rules).
pub async fn page_with_problem(care: Care, jar: CookieJar, problem: String) -> Result<Response, AppError> {
    home(care, HomeQuery::default(), jar, Some(problem), StatusCode::UNPROCESSABLE_ENTITY).await
}

async fn home(
    care: Care,
    query: HomeQuery,
    jar: CookieJar,
    invitation_notice: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let (jar, mut context) = care.context(jar, Module::Home);
    context.insert("title", "Home");
    context.insert("password_changed", &query.wachtwoord.is_some());
    context.insert("sent", &query.verstuurd.is_some());
    context.insert("invitations", &waiting_invitations(&care).await?);
    context.insert("invitation_notice", &invitation_notice);
    let Some(link) = care.current.clone().filter(|_| care.may(Module::Home, Action::Read)) else {
        // Not linked to anyone (yet): the page says whom to ask.
        return render(&care.state, &care.tenant, "home.html", &context, status, jar).await;
    };
    let (store, tenant, client) = (care.state.store.as_ref(), care.tenant.id, link.client.id);
    let now = care.state.clock.now();
    let previous = store
        .record_visit(tenant, care.signed_in.account.id, client, chrono::Duration::minutes(VISIT_GAP_MINUTES))
        .await?;

    let plan_notice = match query.plan.as_deref() {
        Some("ondertekend") => Some("Het begeleidingsplan is ondertekend. Dank u wel."),
        Some("afgekeurd") => {
            Some("U heeft het begeleidingsplan afgekeurd. De Coördinator zorg neemt contact met u op.")
        }
        _ => None,
    };
    context.insert("plan_notice", &plan_notice);
    // Siloah: access ends some weeks after the care; the people see when, in time to keep
    // what they want (the e-mail says the same, without the client).
    let care_end = link.client.care_ended_on.and_then(|ended| {
        let stops = care.tenant.config.access.access_stops(ended)?;
        let long = careportal_domain::time::long_date;
        Some(serde_json::json!({ "ended": long(ended), "stops": long(stops) }))
    });
    context.insert("care_end", &care_end);
    context.insert("plans_waiting", &crate::record::plans::waiting(&care).await?);
    // One read serves both the past days' reports and the count of those new since the
    // previous visit: the newest reports back to whichever of the two moments is earlier.
    let mut new_reports = 0;
    if care.may(Module::Reports, Action::Read) {
        let today = careportal_domain::time::local_date(now);
        let since = today.checked_sub_days(chrono::Days::new(RECENT_DAYS)).unwrap_or(today);
        let recent_from = careportal_domain::time::start_of_day(since);
        let from = previous.map_or(recent_from, |p| p.min(recent_from));
        let range = TimeRange { from: Some(from), until: None };
        let newest = store.reports(tenant, client, range, NEW_COUNT_LIMIT).await?;
        let recent = newest.iter().filter(|r| r.written_at >= recent_from).take(RECENT_REPORTS);
        context.insert("reports", &recent.map(ReportView::of).collect::<Vec<_>>());
        if let Some(previous) = previous {
            new_reports = newest.iter().filter(|r| r.written_at >= previous).count();
        }
        context.insert("may_write_reports", &care.may(Module::Reports, Action::Write));
        context.insert("reports_label", &care.label(Module::Reports));
    }
    // Read once: the newest few are shown, and the same list counts what is new.
    let coordinator_thread = care.may(Module::Messages, Action::Read) && care.reaches_coordinator();
    let messages =
        if coordinator_thread { store.care_messages(tenant, client, NEW_COUNT_LIMIT).await? } else { Vec::new() };
    if coordinator_thread {
        let me = care.signed_in.account.id;
        let shown = messages.iter().take(RECENT_MESSAGES).map(|m| MessageView::of(m, me)).collect::<Vec<_>>();
        context.insert("messages", &shown);
        context.insert("coordinator", &coordinator(&care));
        context.insert("may_write_messages", &care.may(Module::Messages, Action::Write));
        context.insert("messages_label", &care.label(Module::Messages));
        context.insert("max_chars", &careportal_domain::record::messages::MESSAGE_MAX_CHARS);
        context.insert("text", "");
        context.insert("back", "home");
        context.insert("errors", &std::collections::BTreeMap::<String, String>::new());
    }
    let network_new = crate::home_glance::add(&care, previous, &mut context).await?;
    if let Some(previous) = previous {
        let range = TimeRange { from: Some(previous), until: None };
        let mut new = NewSince { since: crate::record::moment(previous), ..Default::default() };
        new.reports = new_reports;
        if care.may(Module::Measurements, Action::Read) {
            let latest = store.measurements(tenant, client, None, NEW_COUNT_LIMIT).await?;
            new.measurements = latest.iter().filter(|m| range.contains(m.measured_at)).count();
        }
        if coordinator_thread {
            let me = Some(care.signed_in.account.id);
            new.messages = messages.iter().filter(|m| range.contains(m.sent_at) && m.sender_account != me).count();
        }
        new.messages += network_new;
        context.insert("new_since", &new);
    }
    care.audit_read(Module::Home, "startpagina").await?;
    render(&care.state, &care.tenant, "home.html", &context, status, jar).await
}

/// An invitation as Home shows it.
#[derive(Debug, Serialize)]
struct InvitationView {
    id: String,
    client: String,
    relation: &'static str,
    until: String,
}

/// What waits for the signed-in person's answer.
async fn waiting_invitations(care: &Care) -> Result<Vec<InvitationView>, AppError> {
    let now = care.state.clock.now();
    if !care.maybe_invited {
        return Ok(Vec::new());
    }
    let found = care.state.store.link_invitations(care.tenant.id, care.signed_in.account.id, now).await?;
    // The names of the clients the person is invited to are client data too: each shown
    // invitation is logged as a read, against its client.
    for invitation in &found {
        let event = care.client_info.origin(care.signed_in.account.id).event(
            AuditAction::new("invitation.viewed"),
            Some(invitation.client.id),
            invitation.id.to_string(),
        );
        care.state.store.append_audit(care.tenant.id, &event).await?;
    }
    Ok(found
        .into_iter()
        .map(|i| InvitationView {
            id: i.id.to_string(),
            client: i.client.name.full(),
            relation: i.relation.label(),
            until: careportal_domain::time::long_date(careportal_domain::time::local_date(i.expires_at)),
        })
        .collect())
}
