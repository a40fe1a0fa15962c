//! Vragenlijsten over HTTP on both databases: a draft kept, sending refused until the
//! required questions are answered (answers kept), sent answers queued for the ECD and no
//! longer changeable, and nothing for someone without the right.

use axum::http::StatusCode;
use careportal_domain::audit::Origin;
use careportal_domain::people::Relation;
use careportal_domain::record::questionnaires::{Question, QuestionKind};
use careportal_tests::{Backend, TestApp, on_both_backends};

on_both_backends!(a_questionnaire_is_kept_as_a_draft_then_sent_once,);

const HOST: &str = "salem.localhost";

async fn a_questionnaire_is_kept_as_a_draft_then_sent_once(backend: Backend) {
    let app = TestApp::new(backend).await;
    let tenant = app.tenant_id("salem").await;
    let client = app.new_client("salem", "SAL-2001", "Johanna van den Berg").await;
    let johanna =
        app.new_account("salem", "johanna@example.nl", "Johanna van den Berg", client, Relation::Client).await;
    let willem = app.new_account("salem", "willem@example.nl", "Willem van den Berg", client, Relation::Contact).await;
    let questions = vec![
        Question {
            key: "zorg".into(),
            text: "Hoe tevreden bent u over de zorg?".into(),
            kind: QuestionKind::Choice { options: vec!["Tevreden".into(), "Ontevreden".into()] },
            required: true,
        },
        Question {
            key: "wens".into(),
            text: "Wat zou u anders willen?".into(),
            kind: QuestionKind::Text,
            required: false,
        },
    ];
    let id = app
        .store
        .add_questionnaire(tenant, &Origin::system("sync"), client, "Tevredenheid", None, &questions)
        .await
        .unwrap();
    let mut johanna = app.signed_in(HOST, "salem", johanna).await;
    let path = format!("/vragenlijsten/{id}");

    let list = johanna.get("/vragenlijsten").await;
    assert!(list.body.contains("Tevredenheid") && list.body.contains("Nog niet ingevuld"));
    let draft = johanna.submit(&path, &path, &[("antwoord.wens", "Vaker naar buiten"), ("actie", "concept")]).await;
    assert_eq!(draft.header("location"), Some(format!("{path}?opgeslagen=1").as_str()));
    let page = johanna.get(draft.header("location").unwrap()).await;
    assert!(page.body.contains("Vaker naar buiten") && page.body.contains("als concept opgeslagen"));
    assert!(johanna.get(&path).await.body.contains("Vaker naar buiten"), "the draft is kept for later");
    assert!(johanna.get("/vragenlijsten").await.body.contains("Concept opgeslagen op"));
    assert!(app.store.ecd_pending(tenant, 10).await.unwrap().is_empty(), "a draft stays here");
    // Neither button: not a form of this page; nothing of it is kept (found by the drill).
    let neither = johanna.submit(&path, &path, &[("antwoord.wens", "Iets anders")]).await;
    assert_eq!(neither.status, StatusCode::BAD_REQUEST);
    let stored = app.store.questionnaire(tenant, client, id).await.unwrap().unwrap();
    assert_eq!(stored.answers.get("wens").map(String::as_str), Some("Vaker naar buiten"), "the draft is unchanged");

    let incomplete =
        johanna.submit(&path, &path, &[("antwoord.wens", "Vaker naar buiten"), ("actie", "versturen")]).await;
    assert_eq!(incomplete.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(incomplete.body.contains("Beantwoord deze vraag.") && incomplete.body.contains("Vaker naar buiten"));

    let sent = johanna
        .submit(
            &path,
            &path,
            &[("antwoord.zorg", "Tevreden"), ("antwoord.wens", "Vaker naar buiten"), ("actie", "versturen")],
        )
        .await;
    assert_eq!(sent.header("location"), Some("/vragenlijsten?verstuurd=1"));
    let page = johanna.get(&path).await;
    assert!(page.body.contains("Verstuurd op") && page.body.contains("door Johanna van den Berg"));
    assert!(!page.body.contains(">Versturen</button>"), "read-only once sent");
    let again = johanna.submit(&path, &path, &[("antwoord.zorg", "Ontevreden"), ("actie", "versturen")]).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    let stored = app.store.questionnaire(tenant, client, id).await.unwrap().unwrap();
    assert_eq!(stored.answers.get("zorg").map(String::as_str), Some("Tevreden"), "not changed after sending");
    let pending = app.store.ecd_pending(tenant, 10).await.unwrap();
    assert_eq!((pending.len(), pending[0].kind.as_str()), (1, "questionnaire"));

    let mut willem = app.signed_in(HOST, "salem", willem).await;
    assert_eq!(willem.get("/vragenlijsten").await.status, StatusCode::NOT_FOUND);
    assert_eq!(willem.get(&path).await.status, StatusCode::NOT_FOUND);
}
