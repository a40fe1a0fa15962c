//! QuestionnaireResponse + Questionnaire ↔ Vragenlijsten.
//!
//! The ECD asks a client to fill in a questionnaire by keeping an in-progress
//! QuestionnaireResponse for the client's Patient that points (`questionnaire`) at the
//! Questionnaire. Its items become the questions: `string` and `text` items an open
//! question, `choice` items (and `coding` ones) their answer options, `required` as given,
//! groups read through. The answers go back into that same QuestionnaireResponse: status
//! completed, one answer per linkId, `authored` and `author` who sent them. A questionnaire
//! made in the portal (the demo) goes out as a new QuestionnaireResponse with our own
//! identifier.

use careportal_domain::record::questionnaires::{Question, QuestionKind, Questionnaire};
use careportal_domain::sync::{OWN_IDENTIFIER_SYSTEM, own_identifier_value};
use careportal_store::EcdForm;
use serde_json::{Value, json};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseChange {
    /// Waiting to be filled in: the Questionnaire to read (`Questionnaire/id` or a canonical
    /// URL).
    Ask { key: String, patient: String, questionnaire: String },
    /// Withdrawn (entered in error, stopped): out of the portal if nobody answered yet.
    Remove { key: String },
    /// Completed or amended: answered already, nothing to ask.
    Ignore,
}

pub fn map_response(resource: &Value) -> Result<ResponseChange, String> {
    let key = crate::reports::resource_key(resource).ok_or("geen identifier en geen id")?;
    match resource.get("status").and_then(Value::as_str) {
        Some("in-progress") => {}
        Some("entered-in-error" | "stopped") => return Ok(ResponseChange::Remove { key }),
        Some("completed" | "amended") => return Ok(ResponseChange::Ignore),
        other => return Err(format!("onbekende status {other:?}")),
    }
    let patient = crate::reports::patient_of(resource)?;
    let questionnaire = resource
        .get("questionnaire")
        .and_then(Value::as_str)
        .filter(|q| !q.trim().is_empty())
        .ok_or("geen questionnaire")?
        .to_owned();
    Ok(ResponseChange::Ask { key, patient, questionnaire })
}

/// The questions of a Questionnaire.
pub fn form_of(questionnaire: &Value) -> Result<EcdForm, String> {
    let title = questionnaire
        .get("title")
        .or_else(|| questionnaire.get("name"))
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or("geen titel")?
        .to_owned();
    let intro = questionnaire.get("description").and_then(Value::as_str).map(str::trim).filter(|d| !d.is_empty());
    let mut questions = Vec::new();
    collect(questionnaire.get("item"), &mut questions)?;
    if questions.is_empty() {
        return Err("geen vragen".to_owned());
    }
    Ok(EcdForm { title, intro: intro.map(str::to_owned), questions })
}

fn collect(items: Option<&Value>, into: &mut Vec<Question>) -> Result<(), String> {
    for item in items.and_then(Value::as_array).into_iter().flatten() {
        let kind = item.get("type").and_then(Value::as_str).unwrap_or("");
        let key = item.get("linkId").and_then(Value::as_str).ok_or("een vraag zonder linkId")?.to_owned();
        let text = item.get("text").and_then(Value::as_str).unwrap_or("").trim().to_owned();
        let required = item.get("required").and_then(Value::as_bool).unwrap_or(false);
        let question = match kind {
            "group" => {
                collect(item.get("item"), into)?;
                continue;
            }
            // Text shown between the questions, not a question.
            "display" => continue,
            "string" | "text" => QuestionKind::Text,
            "choice" | "coding" | "open-choice" => {
                let options: Vec<String> = item
                    .get("answerOption")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|o| {
                        o.get("valueString")
                            .or_else(|| o.pointer("/valueCoding/display"))
                            .or_else(|| o.pointer("/valueCoding/code"))
                            .and_then(Value::as_str)
                            .map(str::to_owned)
                    })
                    .collect();
                if options.is_empty() {
                    return Err(format!("vraag {key}: keuzevraag zonder antwoorden"));
                }
                QuestionKind::Choice { options }
            }
            other => return Err(format!("vraag {key}: soort \"{other}\" kan het portaal niet tonen")),
        };
        if text.is_empty() {
            return Err(format!("vraag {key} zonder tekst"));
        }
        into.push(Question { key, text, kind: question, required });
    }
    Ok(())
}

/// The answers written into the ECD's QuestionnaireResponse (`resource` as read), or into
/// a new one of ours when the questionnaire was made in the portal (`resource` None).
pub fn answered(resource: Option<&Value>, questionnaire: &Questionnaire, patient_id: &str) -> Value {
    let mut response = resource.cloned().unwrap_or_else(|| {
        json!({
            "resourceType": "QuestionnaireResponse",
            "identifier": {"system": OWN_IDENTIFIER_SYSTEM, "value": own_identifier_value(questionnaire.id.as_uuid())},
            "subject": {"reference": format!("Patient/{patient_id}")},
        })
    });
    let items: Vec<Value> = questionnaire
        .questions
        .iter()
        .filter_map(|q| {
            let answer = questionnaire.answers.get(&q.key).filter(|a| !a.trim().is_empty())?;
            Some(json!({"linkId": q.key, "text": q.text, "answer": [{"valueString": answer}]}))
        })
        .collect();
    response["status"] = json!("completed");
    response["authored"] = json!(questionnaire.updated_at.to_rfc3339());
    response["author"] = json!({"display": questionnaire.submitted_by.clone().unwrap_or_default()});
    response["item"] = json!(items);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_become_questions_and_groups_are_read_through() {
        let form = form_of(&json!({
            "resourceType": "Questionnaire", "status": "active", "title": "Tevredenheid",
            "description": "Hoe tevreden bent u?",
            "item": [
                {"linkId": "intro", "type": "display", "text": "Fijn dat u meedoet."},
                {"linkId": "g", "type": "group", "item": [
                    {"linkId": "1", "type": "choice", "text": "Hoe tevreden bent u over de zorg?", "required": true,
                     "answerOption": [{"valueString": "Tevreden"}, {"valueCoding": {"code": "o", "display": "Ontevreden"}}]},
                    {"linkId": "2", "type": "text", "text": "Wat kan beter?"}
                ]}
            ]
        }))
        .unwrap();
        assert_eq!((form.title.as_str(), form.intro.as_deref()), ("Tevredenheid", Some("Hoe tevreden bent u?")));
        assert_eq!(form.questions.len(), 2);
        assert_eq!(
            form.questions[0].kind,
            QuestionKind::Choice { options: vec!["Tevreden".into(), "Ontevreden".into()] }
        );
        assert!(form.questions[0].required && !form.questions[1].required);
        let date = form_of(&json!({"title": "X", "item": [{"linkId": "d", "type": "date", "text": "Wanneer?"}]}));
        assert_eq!(date.unwrap_err(), "vraag d: soort \"date\" kan het portaal niet tonen");
    }
}
