//! Evaluations, invoices and care plan prints from the ECD's DocumentReferences: the PDF
//! (inline, or a Binary on the server) into the blob store, a new plan print offered for
//! signing, a changed print replacing the old, a withdrawn document gone.

use super::*;
use crate::write_back::portal;
use base64::Engine;
use careportal_documents::TextDocument;
use careportal_sync::documents::KIND_SYSTEM;

fn pdf(title: &str, text: &str) -> Vec<u8> {
    let mut document = TextDocument::new("Siloah", title);
    document.paragraph(text);
    document.render()
}

fn reference(
    key: &str,
    patient: &str,
    coding: serde_json::Value,
    description: &str,
    attachment: serde_json::Value,
) -> serde_json::Value {
    serde_json::json!({
        "resourceType": "DocumentReference",
        "identifier": [{"system": "urn:oid:2.16.840.1.113883.2.4.3.11.999.77.8", "value": key}],
        "status": "current",
        "type": {"coding": [coding]},
        "subject": {"reference": format!("Patient/{patient}")},
        "date": "2026-11-20T10:00:00+01:00",
        "description": description,
        "content": [{"attachment": attachment}]
    })
}

fn inline(bytes: &[u8]) -> serde_json::Value {
    serde_json::json!({"contentType": "application/pdf", "data": base64::engine::general_purpose::STANDARD.encode(bytes)})
}

pub async fn documents_come_from_the_ecd_with_their_prints(backend: Backend) {
    let mut p = portal(backend).await;
    let evaluation_pdf = pdf("Begeleidingsplanevaluatie", "Thomas gaat vooruit met zelfstandig koken.");
    let binary = p
        .server
        .create(&serde_json::json!({
            "resourceType": "Binary", "contentType": "application/pdf",
            "data": base64::engine::general_purpose::STANDARD.encode(&evaluation_pdf)
        }))
        .await;
    let binary_url = format!("Binary/{}", binary["id"].as_str().unwrap());
    let evaluation = p
        .server
        .create(&reference(
            "E-1",
            &p.patient,
            serde_json::json!({"system": KIND_SYSTEM, "code": "evaluation"}),
            "Evaluatie begeleidingsplan najaar",
            serde_json::json!({"contentType": "application/pdf", "url": binary_url}),
        ))
        .await;
    let invoice = p
        .server
        .create(&reference(
            "F-1",
            &p.patient,
            serde_json::json!({"system": KIND_SYSTEM, "code": "invoice"}),
            "Factuur november 2026",
            inline(&pdf("Factuur", "Zorg in november: 30 dagen.")),
        ))
        .await;
    p.server
        .create(&reference(
            "P-1",
            &p.patient,
            serde_json::json!({"system": "http://loinc.org", "code": "18776-5"}),
            "Begeleidingsplanafdruk van vrijdag 20 november 2026",
            inline(&pdf("Begeleidingsplan", "Doelen: zelfstandig koken.")),
        ))
        .await;
    let kinds = [SyncKind::Documents];
    let pulled = done(&run_now(&p.app, &p.tenant, &kinds).await, SyncKind::Documents);
    assert_eq!((pulled.created, pulled.skipped.len()), (3, 0), "{pulled:?}");

    let page = p.ingrid.get("/evaluaties").await;
    assert!(page.body.contains("Evaluatie begeleidingsplan najaar"), "{}", page.body);
    let link = page.body.find("/documenten/").expect("a download link");
    let id: String = page.body[link + "/documenten/".len()..].chars().take_while(|c| *c != '"' && *c != '?').collect();
    let download = p.ingrid.get(&format!("/documenten/{id}")).await;
    assert_eq!(download.status, StatusCode::OK);
    assert_eq!(download.bytes, evaluation_pdf, "the print from the Binary, byte for byte");
    assert!(p.ingrid.get("/facturen").await.body.contains("Factuur november 2026"));
    let home = p.ingrid.get("/home").await;
    assert!(
        home.body.contains("Begeleidingsplanafdruk klaar om te ondertekenen"),
        "offered for signing: {}",
        home.body
    );

    let again = done(&run_now(&p.app, &p.tenant, &kinds).await, SyncKind::Documents);
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 3), "{again:?}");

    // A corrected invoice replaces the print; a withdrawn evaluation goes.
    let mut corrected = invoice.clone();
    corrected["content"][0]["attachment"] = inline(&pdf("Factuur", "Zorg in november: 29 dagen."));
    p.server.update(&corrected).await;
    let mut withdrawn = evaluation.clone();
    withdrawn["status"] = serde_json::json!("entered-in-error");
    p.server.update(&withdrawn).await;
    let third = done(&run_now(&p.app, &p.tenant, &kinds).await, SyncKind::Documents);
    assert_eq!((third.updated, third.removed, third.unchanged), (1, 1, 1), "{third:?}");
    assert!(!p.ingrid.get("/evaluaties").await.body.contains("Evaluatie begeleidingsplan najaar"));
    let thomas = client_of(&p).await;
    let plans = p.app.store.care_plans(p.tenant.id, thomas).await.unwrap();
    assert_eq!(plans.len(), 1, "the print is offered once: {plans:?}");

    // Ingrid signs it (the signing itself is tested in tests/http/plans.rs): the decision
    // and its evidence reach the ECD once, about the ECD's own print.
    let print = p.app.store.document(p.tenant.id, thomas, plans[0].document).await.unwrap().unwrap();
    let decision = careportal_domain::record::documents::PlanDecision {
        signed: true,
        reason: None,
        decided_at: p.app.clock.now(),
        account: None,
        decided_by: "Ingrid de Vries (vertegenwoordiger)".to_owned(),
        document_sha256: print.sha256.clone(),
        method: "sms".to_owned(),
        masked_phone: Some("06 ****5678".to_owned()),
        ip: Some("192.0.2.10".to_owned()),
        user_agent: Some("Firefox".to_owned()),
    };
    p.app.store.decide_plan(p.tenant.id, &Origin::system("test"), thomas, plans[0].id, &decision).await.unwrap();
    for _ in 0..2 {
        run_now(&p.app, &p.tenant, &[SyncKind::Outbox]).await;
    }
    let decisions =
        p.server.search(&format!("Consent?identifier={}|", careportal_domain::sync::OWN_IDENTIFIER_SYSTEM)).await;
    assert_eq!(decisions.len(), 1, "{decisions:?}");
    let consent = &decisions[0];
    assert_eq!((consent["status"].as_str(), consent["provision"]["type"].as_str()), (Some("active"), Some("permit")));
    assert_eq!(consent["performer"][0]["display"], "Ingrid de Vries (vertegenwoordiger)");
    let plan_reference =
        p.server.search("DocumentReference?identifier=urn:oid:2.16.840.1.113883.2.4.3.11.999.77.8|P-1").await;
    assert_eq!(
        consent["sourceReference"]["reference"],
        format!("DocumentReference/{}", plan_reference[0]["id"].as_str().unwrap())
    );
    let evidence = consent["extension"][0]["extension"].as_array().unwrap();
    assert!(evidence.iter().any(|e| e["url"] == "sha256" && e["valueString"] == print.sha256.as_str()), "{evidence:?}");
    assert_eq!(p.app.store.ecd_outbox_depth(p.tenant.id).await.unwrap().pending, 0);
    // It is no question for Toestemmingen.
    let consents = done(&run_now(&p.app, &p.tenant, &[SyncKind::Consents]).await, SyncKind::Consents);
    assert_eq!((consents.created, consents.skipped.len()), (0, 0), "{consents:?}");
}

async fn client_of(p: &crate::write_back::Portal) -> careportal_domain::ClientId {
    let thomas = p.app.store.client_by_reference(p.tenant.id, &ClientReference::parse("SIL-1001").unwrap()).await;
    thomas.unwrap().unwrap().id
}

pub(crate) fn care_plan(patient: &str, status: &str, title: &str) -> serde_json::Value {
    serde_json::json!({
        "resourceType": "CarePlan",
        "identifier": [{"system": "urn:oid:2.16.840.1.113883.2.4.3.11.999.77.9", "value": title}],
        "status": status,
        "intent": "plan",
        "title": title,
        "subject": {"reference": format!("Patient/{patient}")},
        "period": {"start": "2027-01-01", "end": "2027-12-31"}
    })
}

/// A print that names its plan in `context.related`, without a description of its own.
pub(crate) fn print_of(key: &str, patient: &str, plan: &serde_json::Value, text: &str) -> serde_json::Value {
    let mut print = reference(
        key,
        patient,
        serde_json::json!({"system": "http://loinc.org", "code": "18776-5"}),
        "",
        inline(&pdf("Begeleidingsplan", text)),
    );
    print.as_object_mut().unwrap().remove("description");
    print["context"] =
        serde_json::json!({"related": [{"reference": format!("CarePlan/{}", plan["id"].as_str().unwrap())}]});
    print
}

pub async fn care_plans_decide_whether_their_prints_are_offered(backend: Backend) {
    let mut p = portal(backend).await;
    let thomas = client_of(&p).await;
    let plan = p.server.create(&care_plan(&p.patient, "draft", "Begeleidingsplan 2027")).await;
    p.server.create(&print_of("P-27", &p.patient, &plan, "Doelen 2027: zelfstandig wonen.")).await;
    let kinds = [SyncKind::Documents];

    // A plan in draft: its print is not for the portal yet.
    let first = done(&run_now(&p.app, &p.tenant, &kinds).await, SyncKind::Documents);
    assert_eq!((first.created, first.waiting), (0, 1), "{first:?}");
    assert!(p.app.store.care_plans(p.tenant.id, thomas).await.unwrap().is_empty());

    // The plan becomes active; only the CarePlan changed, and that is enough.
    let mut active = plan.clone();
    active["status"] = serde_json::json!("active");
    p.server.update(&active).await;
    let offered = done(&run_now(&p.app, &p.tenant, &kinds).await, SyncKind::Documents);
    assert_eq!(offered.created, 1, "{offered:?}");
    let plans = p.app.store.care_plans(p.tenant.id, thomas).await.unwrap();
    assert_eq!(plans.len(), 1);
    let print = p.app.store.document(p.tenant.id, thomas, plans[0].document).await.unwrap().unwrap();
    assert_eq!(print.title, "Begeleidingsplan 2027", "named by its plan");
    assert!(p.ingrid.get("/home").await.body.contains("klaar om te ondertekenen"));
    let again = done(&run_now(&p.app, &p.tenant, &kinds).await, SyncKind::Documents);
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 1), "{again:?}");

    // The organisation revokes the plan before anyone decided: the offer and its print go.
    let mut revoked = active.clone();
    revoked["status"] = serde_json::json!("revoked");
    p.server.update(&revoked).await;
    let withdrawn = done(&run_now(&p.app, &p.tenant, &kinds).await, SyncKind::Documents);
    assert_eq!(withdrawn.removed, 1, "{withdrawn:?}");
    assert!(p.app.store.care_plans(p.tenant.id, thomas).await.unwrap().is_empty());
    assert!(p.app.store.document(p.tenant.id, thomas, print.id).await.unwrap().is_none());
    assert!(!p.ingrid.get("/home").await.body.contains("klaar om te ondertekenen"));
    let audit = p.app.store.audit_of_client(p.tenant.id, thomas, 30).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "plan.withdrawn" && e.actor == "system:sync"), "{audit:?}");

    // A plan someone decided on stays, whatever the ECD does to it: the decision is evidence.
    let signed_plan = p.server.create(&care_plan(&p.patient, "active", "Begeleidingsplan 2027 (herzien)")).await;
    let signed_print = p.server.create(&print_of("P-27b", &p.patient, &signed_plan, "Herzien.")).await;
    done(&run_now(&p.app, &p.tenant, &kinds).await, SyncKind::Documents);
    let plans = p.app.store.care_plans(p.tenant.id, thomas).await.unwrap();
    let document = p.app.store.document(p.tenant.id, thomas, plans[0].document).await.unwrap().unwrap();
    let decision = careportal_domain::record::documents::PlanDecision {
        signed: true,
        reason: None,
        decided_at: p.app.clock.now(),
        account: None,
        decided_by: "Ingrid de Vries (vertegenwoordiger)".to_owned(),
        document_sha256: document.sha256.clone(),
        method: "sms".to_owned(),
        masked_phone: None,
        ip: None,
        user_agent: None,
    };
    p.app.store.decide_plan(p.tenant.id, &Origin::system("test"), thomas, plans[0].id, &decision).await.unwrap();
    let mut superseded = signed_print.clone();
    superseded["status"] = serde_json::json!("superseded");
    p.server.update(&superseded).await;
    let kept = done(&run_now(&p.app, &p.tenant, &kinds).await, SyncKind::Documents);
    assert_eq!(kept.removed, 0, "{kept:?}");
    let plans = p.app.store.care_plans(p.tenant.id, thomas).await.unwrap();
    assert_eq!(plans.len(), 1);
    assert!(p.app.store.document(p.tenant.id, thomas, plans[0].document).await.unwrap().is_some());
}
