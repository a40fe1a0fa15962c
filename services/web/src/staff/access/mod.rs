//! Beheer › Toegang of one client: who reaches the client and as what, and what a
//! coordinator or administrator changes for them. Siloah's manual has people ask the
//! Coördinator zorg to end their access ("Opzeggen toegang"), so that another
//! representative can be invited in the freed place; a locked account is unlocked, and a
//! lost phone is answered by resetting the second factor once the person's identity has
//! been checked (who checked and how goes into the audit log). Gegevens wijzigen and Einde
//! zorg are modules of their own.

mod care_end;
mod details;

pub use care_end::{CareEndForm, care_end};
pub use details::{details, details_form};

use super::Staff;
use crate::error::AppError;
use crate::form::Form;
use crate::pages::render;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use careportal_domain::AccountId;
use careportal_domain::audit::AuditAction;
use careportal_domain::people::Client;
use careportal_domain::signin::FactorMethod;
use careportal_domain::staff::StaffAction;
use careportal_store::AccessRow;
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize)]
pub(super) struct PersonView {
    id: String,
    name: String,
    username: String,
    relation: &'static str,
    locked_until: Option<String>,
    factor: &'static str,
    has_factor: bool,
    last_login: String,
    never_signed_in: bool,
}

impl PersonView {
    pub(super) fn of(row: &AccessRow, now: chrono::DateTime<chrono::Utc>) -> Self {
        Self {
            id: row.account.id.to_string(),
            name: row.account.name.full(),
            username: row.account.username.as_str().to_owned(),
            relation: row.relation.label(),
            locked_until: row.locked_until.filter(|until| *until > now).map(crate::record::moment),
            factor: match row.factor {
                Some(FactorMethod::Totp) => "Authenticator App",
                Some(FactorMethod::Sms) => "SMS",
                None => "nog niet geactiveerd",
            },
            has_factor: row.factor.is_some(),
            last_login: row.last_login_at.map_or_else(|| "nog nooit".to_owned(), crate::record::moment),
            never_signed_in: row.last_login_at.is_none(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    /// What was just done, for the notice: opgezegd | ontgrendeld | tweede-factor.
    gedaan: Option<String>,
}

/// The client, after the right to manage access; every look is logged as a read.
pub(super) async fn client_for(staff: &Staff, reference: &str) -> Result<Client, AppError> {
    staff.require(StaffAction::ManageAccess).await?;
    staff.client(reference).await
}

/// The client and one person who reaches them; a 404 for an account that does not
/// (another client's, another tenant's, made up).
pub(super) async fn target(staff: &Staff, reference: &str, account: &str) -> Result<(Client, AccessRow), AppError> {
    let client = client_for(staff, reference).await?;
    let account: AccountId = account.parse().map_err(|_| AppError::NotFound)?;
    let people = staff.state.store.client_access(staff.tenant.id, client.id).await?;
    let person = people.into_iter().find(|row| row.account.id == account).ok_or(AppError::NotFound)?;
    Ok((client, person))
}

/// The Dutch text of a problem, to show on its own.
pub(super) fn message_of(problem: &careportal_domain::DomainError) -> String {
    match problem {
        careportal_domain::DomainError::Invalid { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

pub(super) fn access_path(client: &Client) -> String {
    format!("/beheer/clienten/{}/toegang", client.reference)
}

/// GET /beheer/clienten/{reference}/toegang
pub async fn page(
    staff: Staff,
    jar: CookieJar,
    Path(reference): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Response, AppError> {
    let client = client_for(&staff, &reference).await?;
    let people = staff.state.store.client_access(staff.tenant.id, client.id).await?;
    staff.audit_look_access(&client, format!("toegang: {} personen", people.len())).await?;
    let notice = match query.gedaan.as_deref() {
        Some("opgezegd") => Some("De toegang is opgezegd. In de vrije plaats kunt u iemand anders uitnodigen."),
        Some("ontgrendeld") => Some("Het account is ontgrendeld. De persoon kan weer inloggen."),
        Some("einde-zorg") => Some("Het einde van de zorg is opgeslagen."),
        Some("uitnodiging") => Some("De uitnodiging is opnieuw verstuurd. Wat in de vorige stond, werkt niet meer."),
        Some("gegevens") => {
            Some("De gegevens zijn gewijzigd. De persoon krijgt daarover een e-mail op het oude adres.")
        }
        Some("tweede-factor") => Some(
            "De tweede factor is verwijderd en de persoon is overal uitgelogd. Bij de volgende keer inloggen stelt de persoon een nieuwe in.",
        ),
        _ => None,
    };
    let view = AccessPage {
        client: &client,
        people: &people,
        notice,
        care_end: CareEndForm::of(&client),
        error: None,
        refusal: None,
    };
    access_page(&staff, jar, &view, StatusCode::OK).await
}

/// What the Toegang page shows.
pub(super) struct AccessPage<'a> {
    pub(super) client: &'a Client,
    pub(super) people: &'a [AccessRow],
    pub(super) notice: Option<&'static str>,
    pub(super) care_end: CareEndForm,
    pub(super) error: Option<String>,
    /// An action on a person that could not be done, said above the list.
    pub(super) refusal: Option<String>,
}

pub(super) async fn access_page(
    staff: &Staff,
    jar: CookieJar,
    view: &AccessPage<'_>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let (client, now) = (view.client, staff.state.clock.now());
    let (jar, mut context) = staff.context(jar, &format!("Toegang tot het portaal van {}", client.name.full()));
    context
        .insert("client", &serde_json::json!({ "reference": client.reference.as_str(), "name": client.name.full() }));
    context.insert("people", &view.people.iter().map(|row| PersonView::of(row, now)).collect::<Vec<_>>());
    context.insert("notice", &view.notice);
    context.insert("may_invite", &staff.may(StaffAction::Invite));
    // The care's end: from the ECD where one is connected (a date set here would be
    // overwritten by the next pull), else set here.
    let access = &staff.tenant.config.access;
    let long = careportal_domain::time::long_date;
    let ended = client
        .care_ended_on
        .map(|ended| serde_json::json!({ "on": long(ended), "access_stops": access.access_stops(ended).map(long) }));
    context.insert("care_ended", &ended);
    context.insert("care_end_from_ecd", &staff.tenant.config.sync.ecd().is_some());
    context.insert("care_end", &view.care_end);
    context.insert("removal_days", &access.remove_accounts_days_after_care);
    context.insert("care_end_error", &view.error);
    context.insert("refusal", &view.refusal);
    render(&staff.state, &staff.tenant, "staff/access.html", &context, status, jar).await
}

#[derive(Debug, Default, Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    csrf: String,
    /// Opzeggen: the confirmation box.
    #[serde(default)]
    bevestig: String,
    /// Tweede factor: how the identity was checked.
    #[serde(default)]
    hoe: String,
}

/// The confirmation pages of Opzeggen and of resetting the second factor: the same shape,
/// one form each.
async fn confirm_page(
    staff: &Staff,
    jar: CookieJar,
    client: &Client,
    person: &AccessRow,
    which: &'static str,
    form: &ActionForm,
    error: Option<&str>,
) -> Result<Response, AppError> {
    let now = staff.state.clock.now();
    let title = match which {
        "opzeggen" => format!("Toegang opzeggen voor {}", person.account.name.full()),
        _ => format!("Tweede factor opnieuw instellen voor {}", person.account.name.full()),
    };
    let (jar, mut context) = staff.context(jar, &title);
    context
        .insert("client", &serde_json::json!({ "reference": client.reference.as_str(), "name": client.name.full() }));
    context.insert("person", &PersonView::of(person, now));
    context.insert("which", which);
    context.insert("how", &form.hoe);
    context.insert("error", &error);
    context.insert("how_max", &careportal_accounts::HOW_MAX_CHARS);
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    render(&staff.state, &staff.tenant, "staff/access_confirm.html", &context, status, jar).await
}

/// GET /beheer/clienten/{reference}/toegang/{account}/opzeggen
pub async fn end_form(
    staff: Staff,
    jar: CookieJar,
    Path((reference, account)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (client, person) = target(&staff, &reference, &account).await?;
    confirm_page(&staff, jar, &client, &person, "opzeggen", &ActionForm::default(), None).await
}

/// POST …/opzeggen: needs the box ticked; the link goes, the account stays (it may reach
/// other clients, and the person's history stays theirs).
pub async fn end(
    staff: Staff,
    jar: CookieJar,
    Path((reference, account)): Path<(String, String)>,
    Form(form): Form<ActionForm>,
) -> Result<Response, AppError> {
    let (client, person) = target(&staff, &reference, &account).await?;
    let error = if !crate::session::csrf_ok(&staff.state, &jar, &form.csrf) {
        Some("Deze pagina was verlopen. Vink het vakje opnieuw aan en kies Toegang opzeggen.")
    } else if form.bevestig != "ja" {
        Some("Vink aan dat u de toegang wilt opzeggen.")
    } else {
        None
    };
    if let Some(error) = error {
        return confirm_page(&staff, jar, &client, &person, "opzeggen", &form, Some(error)).await;
    }
    staff.state.store.end_access(staff.tenant.id, &staff.origin(), person.account.id, client.id).await?;
    Ok(Redirect::to(&format!("{}?gedaan=opgezegd", access_path(&client))).into_response())
}

/// POST …/ontgrendelen: one button on the Toegang page.
pub async fn unlock(
    staff: Staff,
    jar: CookieJar,
    Path((reference, account)): Path<(String, String)>,
    Form(form): Form<ActionForm>,
) -> Result<Response, AppError> {
    let (client, person) = target(&staff, &reference, &account).await?;
    if !crate::session::csrf_ok(&staff.state, &jar, &form.csrf) {
        return Ok(Redirect::to(&access_path(&client)).into_response());
    }
    let now = staff.state.clock.now();
    staff.state.store.unlock_account(staff.tenant.id, &staff.origin(), person.account.id, now).await?;
    Ok(Redirect::to(&format!("{}?gedaan=ontgrendeld", access_path(&client))).into_response())
}

/// POST …/uitnodiging: the invitation again, for someone who never signed in.
pub async fn resend(
    staff: Staff,
    jar: CookieJar,
    Path((reference, account)): Path<(String, String)>,
    Form(form): Form<ActionForm>,
) -> Result<Response, AppError> {
    let (client, person) = target(&staff, &reference, &account).await?;
    if !crate::session::csrf_ok(&staff.state, &jar, &form.csrf) {
        return Ok(Redirect::to(&access_path(&client)).into_response());
    }
    let origin = staff.origin();
    let inviter = staff.state.inviter(&staff.tenant, &origin, &staff.base_url);
    match inviter.resend(&person.account).await {
        Ok(()) => {
            crate::state::send_now(&staff.state, &staff.tenant);
            Ok(Redirect::to(&format!("{}?gedaan=uitnodiging", access_path(&client))).into_response())
        }
        Err(careportal_accounts::InviteError::Refused(problems)) => {
            let people = staff.state.store.client_access(staff.tenant.id, client.id).await?;
            let refusal = problems.first().map(message_of);
            let view = AccessPage {
                client: &client,
                people: &people,
                notice: None,
                care_end: CareEndForm::of(&client),
                error: None,
                refusal,
            };
            access_page(&staff, jar, &view, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(careportal_accounts::InviteError::Store(e)) => Err(e.into()),
        Err(careportal_accounts::InviteError::Other(m)) => Err(AppError::Internal(m)),
    }
}

/// GET …/tweede-factor
pub async fn reset_form(
    staff: Staff,
    jar: CookieJar,
    Path((reference, account)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (client, person) = target(&staff, &reference, &account).await?;
    if person.factor.is_none() {
        return Ok(Redirect::to(&access_path(&client)).into_response());
    }
    confirm_page(&staff, jar, &client, &person, "tweede-factor", &ActionForm::default(), None).await
}

/// POST …/tweede-factor: only with a word on how the identity was checked.
pub async fn reset(
    staff: Staff,
    jar: CookieJar,
    Path((reference, account)): Path<(String, String)>,
    Form(form): Form<ActionForm>,
) -> Result<Response, AppError> {
    let (client, person) = target(&staff, &reference, &account).await?;
    let checked = if crate::session::csrf_ok(&staff.state, &jar, &form.csrf) {
        careportal_accounts::identity_check(&form.hoe).map_err(|e| message_of(&e))
    } else {
        Err("Deze pagina was verlopen. Uw tekst staat er nog; kies nog een keer Tweede factor verwijderen.".to_owned())
    };
    let how = match checked {
        Ok(how) => how,
        Err(error) => {
            return confirm_page(&staff, jar, &client, &person, "tweede-factor", &form, Some(&error)).await;
        }
    };
    staff.state.store.reset_second_factor(staff.tenant.id, &staff.origin(), person.account.id, how).await?;
    Ok(Redirect::to(&format!("{}?gedaan=tweede-factor", access_path(&client))).into_response())
}

impl Staff {
    /// A look at who reaches a client: a read of client data, logged with the client.
    async fn audit_look_access(&self, client: &Client, detail: String) -> Result<(), AppError> {
        let event = self.origin().event(AuditAction::CLIENT_VIEWED, Some(client.id), detail).on("toegang");
        self.state.store.append_audit(self.tenant.id, &event).await?;
        Ok(())
    }
}
