//! Vragenlijsten: the questionnaires from the ECD; fill in, keep a draft (Concept opslaan),
//! send (Versturen). Sent answers go to the ECD and can no longer be changed.

use super::reports::{EXPIRED_FORM, author_name};
use super::{Care, moment};
use crate::error::AppError;
use crate::form::Form;
use crate::pages::render;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use careportal_domain::ids::QuestionnaireId;
use careportal_domain::record::questionnaires::{QuestionKind, Questionnaire, QuestionnaireStatus, check_answers};
use careportal_domain::rights::Action;
use careportal_domain::tenant::Module;
use careportal_store::StoreError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Serialize)]
struct ListItem {
    href: String,
    title: String,
    state: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    verstuurd: Option<String>,
}

pub async fn list(care: Care, jar: CookieJar, Query(query): Query<ListQuery>) -> Result<Response, AppError> {
    let link = care.require(Module::Questionnaires, Action::Read).await?;
    let all = care.state.store.questionnaires(care.tenant.id, link.client.id).await?;
    care.audit_read(Module::Questionnaires, format!("{} vragenlijsten", all.len())).await?;
    let items: Vec<ListItem> = all
        .iter()
        .map(|q| ListItem {
            href: format!("/vragenlijsten/{}", q.id),
            title: q.title.clone(),
            state: match q.status {
                QuestionnaireStatus::Open => "Nog niet ingevuld".to_owned(),
                QuestionnaireStatus::Draft => format!("Concept opgeslagen op {}", moment(q.updated_at)),
                QuestionnaireStatus::Submitted => format!("Verstuurd op {}", moment(q.updated_at)),
            },
        })
        .collect();
    let (jar, mut context) = care.context(jar, Module::Questionnaires);
    context.insert("items", &items);
    context.insert("sent", &query.verstuurd.is_some());
    render(&care.state, &care.tenant, "record/questionnaires.html", &context, StatusCode::OK, jar).await
}

#[derive(Debug, Serialize)]
struct QuestionView {
    key: String,
    field: String,
    text: String,
    required: bool,
    choice: bool,
    options: Vec<String>,
    answer: String,
    error: Option<String>,
}

async fn fill_page(
    care: &Care,
    jar: CookieJar,
    questionnaire: &Questionnaire,
    answers: &BTreeMap<String, String>,
    errors: &[(String, String)],
    notice: Option<&str>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let questions: Vec<QuestionView> = questionnaire
        .questions
        .iter()
        .map(|q| QuestionView {
            key: q.key.clone(),
            field: format!("antwoord.{}", q.key),
            text: q.text.clone(),
            required: q.required,
            choice: matches!(q.kind, QuestionKind::Choice { .. }),
            options: match &q.kind {
                QuestionKind::Choice { options } => options.clone(),
                QuestionKind::Text => Vec::new(),
            },
            answer: answers.get(&q.key).cloned().unwrap_or_default(),
            error: errors.iter().find(|(k, _)| *k == q.key).map(|(_, m)| m.clone()),
        })
        .collect();
    let submitted = questionnaire.status == QuestionnaireStatus::Submitted;
    let (jar, mut context) = care.context(jar, Module::Questionnaires);
    context.insert("title", &questionnaire.title);
    context.insert("questionnaire_id", &questionnaire.id.to_string());
    context.insert("intro", &questionnaire.intro);
    context.insert("questions", &questions);
    context.insert("editable", &(!submitted && care.may(Module::Questionnaires, Action::Write)));
    context.insert(
        "submitted",
        &submitted.then(|| {
            format!(
                "Verstuurd op {} door {}.",
                moment(questionnaire.updated_at),
                questionnaire.submitted_by.clone().unwrap_or_default()
            )
        }),
    );
    context.insert("has_errors", &!errors.is_empty());
    context.insert("notice", &notice);
    render(&care.state, &care.tenant, "record/questionnaire.html", &context, status, jar).await
}

async fn find(care: &Care, id: &str) -> Result<Questionnaire, AppError> {
    let link = care.require(Module::Questionnaires, Action::Read).await?;
    let id: QuestionnaireId = id.parse().map_err(|_| AppError::NotFound)?;
    care.state.store.questionnaire(care.tenant.id, link.client.id, id).await?.ok_or(AppError::NotFound)
}

#[derive(Debug, Default, Deserialize)]
pub struct FillQuery {
    opgeslagen: Option<String>,
}

pub async fn show(
    care: Care,
    jar: CookieJar,
    Path(id): Path<String>,
    Query(query): Query<FillQuery>,
) -> Result<Response, AppError> {
    let questionnaire = find(&care, &id).await?;
    care.audit_read(Module::Questionnaires, format!("vragenlijst {}", questionnaire.id)).await?;
    let notice =
        query.opgeslagen.is_some().then_some("Uw antwoorden zijn als concept opgeslagen. U kunt later verder gaan.");
    fill_page(&care, jar, &questionnaire, &questionnaire.answers.clone(), &[], notice, StatusCode::OK).await
}

/// POST: `actie` is "concept" (keep a draft) or "versturen" (send).
pub async fn save(
    care: Care,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let link = care.require(Module::Questionnaires, Action::Write).await?.clone();
    let questionnaire = find(&care, &id).await?;
    let value = |key: &str| crate::form::first(&fields, key).unwrap_or_default().to_owned();
    let given: BTreeMap<String, String> =
        fields.iter().filter_map(|(k, v)| k.strip_prefix("antwoord.").map(|key| (key.to_owned(), v.clone()))).collect();
    if !crate::session::csrf_ok(&care.state, &jar, &value("csrf")) {
        let errors = [(String::new(), EXPIRED_FORM.to_owned())];
        return fill_page(&care, jar, &questionnaire, &given, &errors, Some(EXPIRED_FORM), StatusCode::FORBIDDEN).await;
    }
    if questionnaire.status == QuestionnaireStatus::Submitted {
        return Ok(Redirect::to(&format!("/vragenlijsten/{}", questionnaire.id)).into_response());
    }
    // The two buttons name what to do (Enter in a field presses the first, "Concept
    // opslaan"); a form without either is not from this page, and nothing of it is kept.
    let sending = match value("actie").as_str() {
        "versturen" => true,
        "concept" => false,
        _ => return Err(AppError::BadForm("vragenlijst zonder actie".to_owned())),
    };
    let answers = match check_answers(&questionnaire.questions, &given, sending) {
        Ok(answers) => answers,
        Err(errors) => {
            let notice = Some("Nog niet verstuurd: kijk de vragen met een melding na. Uw antwoorden staan er nog.");
            return fill_page(&care, jar, &questionnaire, &given, &errors, notice, StatusCode::UNPROCESSABLE_ENTITY)
                .await;
        }
    };
    let by = sending.then(|| author_name(&care, link.relation));
    match care
        .state
        .store
        .save_answers(care.tenant.id, &care.origin(), link.client.id, questionnaire.id, &answers, by.as_deref())
        .await
    {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) => {
            return Ok(Redirect::to(&format!("/vragenlijsten/{}", questionnaire.id)).into_response());
        }
        Err(other) => return Err(other.into()),
    }
    let back = if sending {
        "/vragenlijsten?verstuurd=1".to_owned()
    } else {
        format!("/vragenlijsten/{}?opgeslagen=1", questionnaire.id)
    };
    Ok(Redirect::to(&back).into_response())
}
