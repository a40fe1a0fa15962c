//! Toestemmingen: the consents a person may change, yes or no each, Opslaan; the changes
//! made (who, what, when) stay visible under the form.

use super::reports::EXPIRED_FORM;
use super::{Care, moment};
use crate::error::AppError;
use crate::form::Form;
use crate::pages::render;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use careportal_domain::record::consents::Consent;
use careportal_domain::rights::Action;
use careportal_domain::tenant::Module;
use careportal_store::ConsentAnswer;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

const HISTORY: u32 = 50;

#[derive(Debug, Serialize)]
struct ConsentView {
    key: String,
    field: String,
    question: String,
    /// "ja", "nee" or "" (not answered): what the form shows as chosen.
    answer: String,
    editable: bool,
    changed: Option<String>,
}

#[derive(Debug, Serialize)]
struct ChangeView {
    moment: String,
    question: String,
    answer: &'static str,
    by: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    opgeslagen: Option<u32>,
}

fn answer_word(granted: Option<bool>) -> &'static str {
    match granted {
        Some(true) => "ja",
        Some(false) => "nee",
        None => "",
    }
}

async fn consent_page(
    care: &Care,
    jar: CookieJar,
    typed: Option<&BTreeMap<String, String>>,
    message: Option<(&str, bool)>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let link = care.require(Module::Consents, Action::Read).await?;
    let consents = care.state.store.consents(care.tenant.id, link.client.id).await?;
    let changes = care.state.store.consent_changes(care.tenant.id, link.client.id, HISTORY).await?;
    care.audit_read(Module::Consents, format!("{} toestemmingen", consents.len())).await?;
    let may_write = care.may(Module::Consents, Action::Write);
    let views: Vec<ConsentView> = consents
        .iter()
        .map(|c: &Consent| {
            let field = format!("toestemming.{}", c.key);
            let answer =
                typed.and_then(|t| t.get(&field).cloned()).unwrap_or_else(|| answer_word(c.granted).to_owned());
            ConsentView {
                key: c.key.clone(),
                field,
                question: c.question.clone(),
                answer,
                editable: c.editable && may_write,
                changed: c
                    .changed_at
                    .map(|at| format!("{} door {}", moment(at), c.changed_by.clone().unwrap_or_default())),
            }
        })
        .collect();
    let history: Vec<ChangeView> = changes
        .iter()
        .map(|c| ChangeView {
            moment: moment(c.at),
            question: c.question.clone(),
            answer: if c.granted { "Ja" } else { "Nee" },
            by: c.by.clone(),
        })
        .collect();
    let (jar, mut context) = care.context(jar, Module::Consents);
    context.insert("consents", &views);
    context.insert("any_editable", &views.iter().any(|v| v.editable));
    context.insert("history", &history);
    context.insert("message", &message.map(|(text, _)| text));
    context.insert("message_is_error", &message.is_some_and(|(_, error)| error));
    render(&care.state, &care.tenant, "record/consents.html", &context, status, jar).await
}

pub async fn page(care: Care, jar: CookieJar, Query(query): Query<PageQuery>) -> Result<Response, AppError> {
    let saved = query.opgeslagen.map(|n| match n {
        0 => "Er is niets veranderd.".to_owned(),
        1 => "Uw keuze is opgeslagen in het dossier.".to_owned(),
        n => format!("Uw {n} keuzes zijn opgeslagen in het dossier."),
    });
    consent_page(&care, jar, None, saved.as_deref().map(|s| (s, false)), StatusCode::OK).await
}

pub async fn save(
    care: Care,
    jar: CookieJar,
    Form(form): Form<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    let link = care.require(Module::Consents, Action::Write).await?.clone();
    let csrf = form.get("csrf").cloned().unwrap_or_default();
    if !crate::session::csrf_ok(&care.state, &jar, &csrf) {
        return consent_page(&care, jar, Some(&form), Some((EXPIRED_FORM, true)), StatusCode::FORBIDDEN).await;
    }
    let consents = care.state.store.consents(care.tenant.id, link.client.id).await?;
    let mut answers = Vec::new();
    for consent in consents.iter().filter(|c| c.editable) {
        match form.get(&format!("toestemming.{}", consent.key)).map(String::as_str) {
            Some("ja") => answers.push(ConsentAnswer { key: consent.key.clone(), granted: true }),
            Some("nee") => answers.push(ConsentAnswer { key: consent.key.clone(), granted: false }),
            // Not chosen: an unanswered question stays unanswered.
            None | Some("") => {}
            Some(_) => {
                let message = "Kies bij elke vraag Ja of Nee.";
                return consent_page(&care, jar, Some(&form), Some((message, true)), StatusCode::UNPROCESSABLE_ENTITY)
                    .await;
            }
        }
    }
    let by = super::reports::author_name(&care, link.relation);
    let changed =
        care.state.store.answer_consents(care.tenant.id, &care.origin(), link.client.id, &by, &answers).await?;
    Ok(Redirect::to(&format!("/toestemmingen?opgeslagen={changed}")).into_response())
}
