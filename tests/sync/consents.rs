//! Toestemmingen from the ECD's Consents, and an answer given in the portal sent back as
//! an update of the same Consent, never overwritten by a pull before it went.

use super::*;
use crate::write_back::portal;

const CONSENT_SYSTEM: &str = "urn:oid:2.16.840.1.113883.2.4.3.11.999.77.4";

fn consent(key: &str, patient: &str, question: &str, status: &str, provision: Option<&str>) -> serde_json::Value {
    let mut consent = serde_json::json!({
        "resourceType": "Consent",
        "identifier": [{"system": CONSENT_SYSTEM, "value": key}],
        "status": status,
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]},
        "category": [{"text": question}],
        "patient": {"reference": format!("Patient/{patient}")},
    });
    if let Some(kind) = provision {
        consent["provision"] = serde_json::json!({"type": kind});
    }
    consent
}

pub async fn consents_come_from_the_ecd_and_answers_go_back(backend: Backend) {
    let mut p = portal(backend).await;
    let photos = "Mogen er foto's van u gemaakt worden voor intern gebruik?";
    p.server.create(&consent("T-FOTO", &p.patient, photos, "active", Some("permit"))).await;
    p.server
        .create(&consent(
            "T-ONDERZOEK",
            &p.patient,
            "Mogen uw gegevens gebruikt worden voor onderzoek?",
            "proposed",
            None,
        ))
        .await;
    let mut fixed =
        consent("T-MEDICATIE", &p.patient, "Toestemming voor het toedienen van medicatie", "active", Some("permit"));
    fixed["extension"] =
        serde_json::json!([{"url": careportal_sync::consents::EDITABLE_EXTENSION, "valueBoolean": false}]);
    p.server.create(&fixed).await;

    let pulled = done(&run_now(&p.app, &p.tenant, &[SyncKind::Consents]).await, SyncKind::Consents);
    assert_eq!((pulled.created, pulled.skipped.len()), (3, 0), "{pulled:?}");
    let page = p.ingrid.get("/toestemmingen").await;
    assert!(page.body.contains(&format!("<legend>{}</legend>", photos.replace('\'', "&#39;"))), "{}", page.body);
    assert!(
        page.body.contains("<strong>Toestemming voor het toedienen van medicatie</strong>"),
        "shown, not changeable"
    );
    let again = done(&run_now(&p.app, &p.tenant, &[SyncKind::Consents]).await, SyncKind::Consents);
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 3), "{again:?}");

    // Ingrid answers both questions she may answer.
    let field = |key: &str| format!("toestemming.{CONSENT_SYSTEM}|{key}");
    let (foto, onderzoek) = (field("T-FOTO"), field("T-ONDERZOEK"));
    let saved = p.ingrid.submit("/toestemmingen", "/toestemmingen", &[(&foto, "nee"), (&onderzoek, "ja")]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    // A pull before the write-back does not put the ECD's old answer back.
    let before = done(&run_now(&p.app, &p.tenant, &[SyncKind::Consents]).await, SyncKind::Consents);
    assert_eq!(before.updated, 0, "{before:?}");
    let answers = p.app.store.consents(p.tenant.id, client_of(&p).await).await.unwrap();
    let answer = |key: &str| answers.iter().find(|c| c.key.ends_with(key)).unwrap().granted;
    assert_eq!((answer("T-FOTO"), answer("T-ONDERZOEK")), (Some(false), Some(true)));

    let sent = done(&run_now(&p.app, &p.tenant, &[SyncKind::Outbox]).await, SyncKind::Outbox);
    assert_eq!((sent.updated, sent.skipped.len()), (2, 0), "{sent:?}");
    let in_ecd = |key: &'static str| {
        let server = &p.server;
        async move { server.search(&format!("Consent?identifier={CONSENT_SYSTEM}|{key}")).await.remove(0) }
    };
    let foto_in_ecd = in_ecd("T-FOTO").await;
    assert_eq!(
        (foto_in_ecd["status"].as_str(), foto_in_ecd["provision"]["type"].as_str()),
        (Some("active"), Some("deny"))
    );
    assert_eq!(foto_in_ecd["performer"][0]["display"], "Ingrid de Vries (vertegenwoordiger)");
    assert_eq!(foto_in_ecd["category"][0]["text"], photos, "the rest of the ECD's Consent stays");
    assert_eq!(in_ecd("T-ONDERZOEK").await["provision"]["type"], "permit");
    assert_eq!(p.server.search("Consent").await.len(), 3, "updated, not added");
    let after = done(&run_now(&p.app, &p.tenant, &[SyncKind::Consents]).await, SyncKind::Consents);
    assert_eq!((after.updated, after.unchanged), (0, 3), "{after:?}");

    // The care team changes an answer in the ECD, and withdraws the medication question.
    let mut changed = foto_in_ecd.clone();
    changed["provision"]["type"] = serde_json::json!("permit");
    p.server.update(&changed).await;
    let mut withdrawn = in_ecd("T-MEDICATIE").await;
    withdrawn["status"] = serde_json::json!("entered-in-error");
    p.server.update(&withdrawn).await;
    let corrected = done(&run_now(&p.app, &p.tenant, &[SyncKind::Consents]).await, SyncKind::Consents);
    assert_eq!((corrected.updated, corrected.removed), (1, 1), "{corrected:?}");
    let page = p.ingrid.get("/toestemmingen").await;
    assert!(!page.body.contains("toedienen van medicatie"), "{}", page.body);
    let answers = p.app.store.consents(p.tenant.id, client_of(&p).await).await.unwrap();
    assert_eq!(answers.iter().find(|c| c.key.ends_with("T-FOTO")).unwrap().granted, Some(true));
}

async fn client_of(p: &crate::write_back::Portal) -> careportal_domain::ClientId {
    let thomas = p.app.store.client_by_reference(p.tenant.id, &ClientReference::parse("SIL-1001").unwrap()).await;
    thomas.unwrap().unwrap().id
}
