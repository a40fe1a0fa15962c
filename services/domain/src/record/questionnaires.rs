//! Vragenlijsten: questionnaires that come from the ECD. A person fills them in, keeps a
//! draft (Concept opslaan) and sends them (Versturen); the answers then go to the ECD and
//! the questionnaire can be read but no longer changed.

use crate::ids::QuestionnaireId;
use crate::{ClientId, DomainError};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum QuestionKind {
    /// Free text.
    Text,
    /// One of the options.
    Choice { options: Vec<String> },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub key: String,
    pub text: String,
    #[serde(flatten)]
    pub kind: QuestionKind,
    #[serde(default)]
    pub required: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionnaireStatus {
    /// Not started.
    Open,
    /// Answers kept, not sent.
    Draft,
    Submitted,
}

impl QuestionnaireStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            QuestionnaireStatus::Open => "open",
            QuestionnaireStatus::Draft => "draft",
            QuestionnaireStatus::Submitted => "submitted",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Open, Self::Draft, Self::Submitted].into_iter().find(|s| s.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Questionnaire {
    pub id: QuestionnaireId,
    pub client: ClientId,
    pub title: String,
    pub intro: Option<String>,
    pub questions: Vec<Question>,
    pub received_at: DateTime<Utc>,
    pub status: QuestionnaireStatus,
    pub answers: BTreeMap<String, String>,
    pub updated_at: DateTime<Utc>,
    pub submitted_by: Option<String>,
}

/// Checks answers against the questions: unknown keys dropped, choices must be one of the
/// options, text at most 2000 characters. For sending, every required question needs an
/// answer; a draft may be incomplete.
pub fn check_answers(
    questions: &[Question],
    given: &BTreeMap<String, String>,
    sending: bool,
) -> Result<BTreeMap<String, String>, Vec<(String, String)>> {
    let mut answers = BTreeMap::new();
    let mut problems = Vec::new();
    for question in questions {
        let answer = given.get(&question.key).map(|a| a.trim().to_owned()).unwrap_or_default();
        if answer.is_empty() {
            if sending && question.required {
                problems.push((question.key.clone(), "Beantwoord deze vraag.".to_owned()));
            }
            continue;
        }
        match &question.kind {
            QuestionKind::Choice { options } if !options.contains(&answer) => {
                problems.push((question.key.clone(), "Kies een van de antwoorden.".to_owned()));
            }
            QuestionKind::Text if answer.chars().count() > 2000 => {
                problems.push((question.key.clone(), "Dit is te lang: hoogstens 2000 tekens.".to_owned()));
            }
            _ => {
                answers.insert(question.key.clone(), answer);
            }
        }
    }
    if problems.is_empty() { Ok(answers) } else { Err(problems) }
}

/// A questionnaire's questions as the ECD sends them (JSON).
pub fn parse_questions(json: &str) -> Result<Vec<Question>, DomainError> {
    serde_json::from_str(json).map_err(|e| DomainError::invalid("vragen", e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn questions() -> Vec<Question> {
        vec![
            Question {
                key: "tevreden".into(),
                text: "Hoe tevreden bent u?".into(),
                kind: QuestionKind::Choice { options: vec!["Tevreden".into(), "Ontevreden".into()] },
                required: true,
            },
            Question {
                key: "toelichting".into(),
                text: "Toelichting".into(),
                kind: QuestionKind::Text,
                required: false,
            },
        ]
    }

    #[test]
    fn a_draft_may_be_incomplete_but_sending_needs_the_required_answers() {
        let empty = BTreeMap::new();
        assert!(check_answers(&questions(), &empty, false).unwrap().is_empty());
        let problems = check_answers(&questions(), &empty, true).unwrap_err();
        assert_eq!(problems[0].0, "tevreden");
        let given: BTreeMap<String, String> = [("tevreden".to_owned(), "Misschien".to_owned())].into();
        assert!(check_answers(&questions(), &given, false).is_err(), "not one of the options");
        let given: BTreeMap<String, String> =
            [("tevreden".to_owned(), "Tevreden".to_owned()), ("onbekend".to_owned(), "x".to_owned())].into();
        assert_eq!(check_answers(&questions(), &given, true).unwrap().len(), 1, "unknown keys dropped");
    }

    #[test]
    fn questions_read_from_the_ecds_json() {
        let json = r#"[{"key":"a","text":"Vraag","kind":"choice","options":["Ja","Nee"],"required":true},
                      {"key":"b","text":"Open","kind":"text"}]"#;
        let parsed = parse_questions(json).unwrap();
        assert_eq!(parsed.len(), 2);
        assert!(!parsed[1].required);
    }
}
