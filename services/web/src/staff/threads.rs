//! A coordinator reads a client's thread and answers it ("Uw antwoord", Stuur). The answer
//! appears in the client's Berichten under the coordinator's name.

use super::Staff;
use crate::error::AppError;
use crate::form::Form;
use crate::pages::render;
use crate::record::field_errors;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use careportal_domain::DomainError;
use careportal_domain::audit::AuditAction;
use careportal_domain::people::Client;
use careportal_domain::record::messages::{MESSAGE_MAX_CHARS, NewCareMessage, message_text};
use careportal_domain::staff::StaffAction;
use careportal_domain::tenant::Module;
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize)]
struct Line {
    sender: String,
    moment: String,
    from_portal: bool,
    body: String,
}

async fn thread_page(
    staff: &Staff,
    jar: CookieJar,
    client: &Client,
    text: &str,
    problems: &[DomainError],
    status: StatusCode,
) -> Result<Response, AppError> {
    let messages = staff.state.store.care_messages(staff.tenant.id, client.id, 500).await?;
    let detail = format!("messages als medewerker: {} berichten", messages.len());
    staff.audit_look(AuditAction::RECORD_VIEWED, client, Module::Messages, detail).await?;
    let lines: Vec<Line> = messages
        .iter()
        .map(|m| Line {
            sender: m.sender.clone(),
            moment: crate::record::moment(m.sent_at),
            from_portal: m.from_portal(),
            body: m.body.clone(),
        })
        .collect();
    let (jar, mut context) = staff.context(jar, &format!("Berichten van {}", client.name.full()));
    context
        .insert("client", &serde_json::json!({ "reference": client.reference.as_str(), "name": client.name.full() }));
    context.insert("lines", &lines);
    context.insert("text", text);
    context.insert("max_chars", &MESSAGE_MAX_CHARS);
    context.insert("errors", &field_errors(problems));
    render(&staff.state, &staff.tenant, "staff/thread.html", &context, status, jar).await
}

pub async fn page(staff: Staff, jar: CookieJar, Path(reference): Path<String>) -> Result<Response, AppError> {
    staff.require_for(StaffAction::AnswerMessages, Module::Messages).await?;
    let client = staff.client(&reference).await?;
    thread_page(&staff, jar, &client, "", &[], StatusCode::OK).await
}

#[derive(Debug, Default, Deserialize)]
pub struct AnswerForm {
    #[serde(default)]
    antwoord: String,
    #[serde(default)]
    csrf: String,
}

pub async fn answer(
    staff: Staff,
    jar: CookieJar,
    Path(reference): Path<String>,
    Form(form): Form<AnswerForm>,
) -> Result<Response, AppError> {
    staff.require_for(StaffAction::AnswerMessages, Module::Messages).await?;
    let client = staff.client(&reference).await?;
    if !crate::session::csrf_ok(&staff.state, &jar, &form.csrf) {
        let problem = DomainError::invalid("antwoord", crate::record::reports::EXPIRED_FORM);
        return thread_page(&staff, jar, &client, &form.antwoord, &[problem], StatusCode::FORBIDDEN).await;
    }
    let body = match message_text(&form.antwoord) {
        Ok(body) => body,
        Err(DomainError::Invalid { message, .. }) => {
            let problem = DomainError::invalid("antwoord", message);
            return thread_page(&staff, jar, &client, &form.antwoord, &[problem], StatusCode::UNPROCESSABLE_ENTITY)
                .await;
        }
        Err(other) => return Err(other.into()),
    };
    // The coordinator's answer, like one from the ECD: not a portal user's message.
    let new =
        NewCareMessage { sent_at: staff.state.clock.now(), sender: staff.signature(), sender_account: None, body };
    staff.state.store.add_care_message(staff.tenant.id, &staff.origin(), client.id, &new).await?;
    Ok(Redirect::to(&format!("/beheer/clienten/{}/berichten", client.reference)).into_response())
}
