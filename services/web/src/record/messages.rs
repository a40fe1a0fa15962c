//! Berichten with the Coördinator zorg: the thread (also on the home page), who sent each
//! message and when, and Stuur. The notice says messages reach only the coordinator and
//! that urgent matters go by phone.

use super::reports::{EXPIRED_FORM, author_name};
use super::{Care, field_errors, moment};
use crate::error::AppError;
use crate::form::Form;
use crate::pages::render;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use careportal_domain::DomainError;
use careportal_domain::record::messages::{CareMessage, MESSAGE_MAX_CHARS, NewCareMessage, message_text};
use careportal_domain::rights::Action;
use careportal_domain::tenant::Module;
use serde::{Deserialize, Serialize};

const ALL_LIMIT: u32 = 500;

#[derive(Debug, Serialize)]
pub(crate) struct MessageView {
    sender: String,
    moment: String,
    mine: bool,
    from_portal: bool,
    body: String,
}

impl MessageView {
    pub(crate) fn of(message: &CareMessage, me: careportal_domain::AccountId) -> Self {
        Self {
            sender: message.sender.clone(),
            moment: moment(message.sent_at),
            mine: message.sender_account == Some(me),
            from_portal: message.from_portal(),
            body: message.body.clone(),
        }
    }
}

/// Who the messages reach, in the tenant's words.
pub(crate) fn coordinator(care: &Care) -> String {
    care.tenant.config.support.content_questions.clone().unwrap_or_else(|| "Coördinator zorg".to_owned())
}

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    verstuurd: Option<String>,
}

async fn thread_page(
    care: &Care,
    jar: CookieJar,
    text: &str,
    problems: &[DomainError],
    sent: bool,
    status: StatusCode,
) -> Result<Response, AppError> {
    let link = care.require(Module::Messages, Action::Read).await?;
    let messages = care.state.store.care_messages(care.tenant.id, link.client.id, ALL_LIMIT).await?;
    care.audit_read(Module::Messages, format!("{} berichten", messages.len())).await?;
    let me = care.signed_in.account.id;
    let (jar, mut context) = care.context(jar, Module::Messages);
    context.insert("title", "Alle berichten");
    context.insert("messages", &messages.iter().map(|m| MessageView::of(m, me)).collect::<Vec<_>>());
    context.insert("coordinator", &coordinator(care));
    context.insert("may_write", &care.may(Module::Messages, Action::Write));
    context.insert("text", text);
    context.insert("max_chars", &MESSAGE_MAX_CHARS);
    context.insert("errors", &field_errors(problems));
    context.insert("sent", &sent);
    context.insert("back", "berichten");
    render(&care.state, &care.tenant, "record/messages.html", &context, status, jar).await
}

pub async fn page(care: Care, jar: CookieJar, Query(query): Query<PageQuery>) -> Result<Response, AppError> {
    if !care.reaches_coordinator() {
        return network_page(&care, jar, &NetworkForm::default(), &[], query.verstuurd.is_some(), StatusCode::OK).await;
    }
    thread_page(&care, jar, "", &[], query.verstuurd.is_some(), StatusCode::OK).await
}

#[derive(Debug, Serialize)]
struct NetworkLine {
    moment: String,
    sender: String,
    recipient: String,
    mine: bool,
    body: String,
}

#[derive(Debug, Serialize)]
struct Recipient {
    id: String,
    name: String,
}

/// The people a message can go to: everyone else with access to the portal who may read
/// messages (a contact person only with that right).
async fn recipients(care: &Care) -> Result<Vec<Recipient>, AppError> {
    let link = care.current.as_ref().ok_or(AppError::NotFound)?;
    let me = care.signed_in.account.id;
    let mut out = Vec::new();
    for (account, relation) in care.state.store.client_accounts(care.tenant.id, link.client.id).await? {
        if account.id == me {
            continue;
        }
        let reads = match relation {
            careportal_domain::people::Relation::Contact => care
                .state
                .store
                .grants(care.tenant.id, link.client.id, account.id)
                .await?
                .iter()
                .any(|g| g.module == Module::Messages && g.action == Action::Read),
            _ => true,
        };
        if reads {
            out.push(Recipient { id: account.id.to_string(), name: account.name.full() });
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct NetworkForm {
    #[serde(default)]
    aan: String,
    #[serde(default)]
    bericht: String,
    #[serde(default, skip_serializing)]
    csrf: String,
}

async fn network_page(
    care: &Care,
    jar: CookieJar,
    form: &NetworkForm,
    problems: &[DomainError],
    sent: bool,
    status: StatusCode,
) -> Result<Response, AppError> {
    let link = care.require(Module::Messages, Action::Read).await?;
    if !care.reaches_network() {
        return Err(AppError::NotFound);
    }
    let me = care.signed_in.account.id;
    let messages = care.state.store.network_messages(care.tenant.id, link.client.id, me, ALL_LIMIT).await?;
    care.audit_read(Module::Messages, format!("{} berichten in het netwerk", messages.len())).await?;
    let lines: Vec<NetworkLine> = messages
        .iter()
        .map(|m| NetworkLine {
            moment: moment(m.sent_at),
            sender: m.sender_name.clone(),
            recipient: m.recipient_name.clone(),
            mine: m.sender == me,
            body: m.body.clone(),
        })
        .collect();
    let may_write = care.may(Module::Messages, Action::Write);
    let (jar, mut context) = care.context(jar, Module::Messages);
    context.insert("lines", &lines);
    context.insert("recipients", &if may_write { recipients(care).await? } else { Vec::new() });
    context.insert("may_write", &may_write);
    context.insert("form", form);
    context.insert("max_chars", &MESSAGE_MAX_CHARS);
    context.insert("errors", &field_errors(problems));
    context.insert("sent", &sent);
    render(&care.state, &care.tenant, "record/network_messages.html", &context, status, jar).await
}

/// GET /berichten/netwerk: where a tenant reaches both the coordinator and the network.
pub async fn network(care: Care, jar: CookieJar, Query(query): Query<PageQuery>) -> Result<Response, AppError> {
    network_page(&care, jar, &NetworkForm::default(), &[], query.verstuurd.is_some(), StatusCode::OK).await
}

/// POST /berichten/netwerk: a message to one person of the network.
pub async fn send_network(care: Care, jar: CookieJar, Form(form): Form<NetworkForm>) -> Result<Response, AppError> {
    let link = care.require(Module::Messages, Action::Write).await?.clone();
    if !care.reaches_network() {
        return Err(AppError::NotFound);
    }
    if !crate::session::csrf_ok(&care.state, &jar, &form.csrf) {
        let problem = DomainError::invalid("bericht", EXPIRED_FORM);
        return network_page(&care, jar, &form, &[problem], false, StatusCode::FORBIDDEN).await;
    }
    let mut problems = Vec::new();
    let people = recipients(&care).await?;
    let recipient =
        people.iter().find(|r| r.id == form.aan).and_then(|r| r.id.parse::<careportal_domain::AccountId>().ok());
    if recipient.is_none() {
        problems.push(DomainError::invalid("aan", "Kies aan wie het bericht is."));
    }
    let body = message_text(&form.bericht).map_err(|p| problems.push(p)).ok();
    let (Some(recipient), Some(body)) = (recipient, body) else {
        return network_page(&care, jar, &form, &problems, false, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    care.state
        .store
        .add_network_message(
            care.tenant.id,
            &care.origin(),
            link.client.id,
            care.signed_in.account.id,
            recipient,
            &body,
        )
        .await?;
    let back = if care.reaches_coordinator() { "/berichten/netwerk?verstuurd=1" } else { "/berichten?verstuurd=1" };
    Ok(Redirect::to(back).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct SendForm {
    #[serde(default)]
    bericht: String,
    /// "home" to go back to the home page after sending.
    #[serde(default)]
    terug: String,
    #[serde(default)]
    csrf: String,
}

pub async fn send(care: Care, jar: CookieJar, Form(form): Form<SendForm>) -> Result<Response, AppError> {
    let link = care.require(Module::Messages, Action::Write).await?.clone();
    if !care.reaches_coordinator() {
        return Err(AppError::NotFound);
    }
    if !crate::session::csrf_ok(&care.state, &jar, &form.csrf) {
        let problem = DomainError::invalid("bericht", EXPIRED_FORM);
        return thread_page(&care, jar, &form.bericht, &[problem], false, StatusCode::FORBIDDEN).await;
    }
    let body = match message_text(&form.bericht) {
        Ok(body) => body,
        Err(problem) => {
            return thread_page(&care, jar, &form.bericht, &[problem], false, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let new = NewCareMessage {
        sent_at: care.state.clock.now(),
        sender: author_name(&care, link.relation),
        sender_account: Some(care.signed_in.account.id),
        body,
    };
    care.state.store.add_care_message(care.tenant.id, &care.origin(), link.client.id, &new).await?;
    let back = if form.terug == "home" { "/home?verstuurd=1#berichten" } else { "/berichten?verstuurd=1" };
    Ok(Redirect::to(back).into_response())
}
