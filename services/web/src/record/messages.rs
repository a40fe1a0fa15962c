//! Berichten with the Coördinator zorg: the thread (also on the home page), who sent each
//! message and when, and Stuur. The notice says messages reach only the coordinator and
//! that urgent matters go by phone.

use super::reports::{EXPIRED_FORM, author_name};
use super::{Care, field_errors, moment};
use crate::error::AppError;
use crate::pages::render;
use axum::Form;
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
    let link = care.require(Module::Messages, Action::Read)?;
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
    thread_page(&care, jar, "", &[], query.verstuurd.is_some(), StatusCode::OK).await
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
    let link = care.require(Module::Messages, Action::Write)?.clone();
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
