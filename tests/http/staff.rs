//! Beheer over HTTP on both databases: an administrator and a coordinator invite people in
//! the portal, a coordinator answers messages and offers a plan; nobody else sees any of it.

use axum::http::StatusCode;
use careportal_documents::TextDocument;
use careportal_domain::audit::Origin;
use careportal_domain::people::Relation;
use careportal_domain::staff::StaffRole;
use careportal_tests::client::{TestClient, csrf_of};
use careportal_tests::{Backend, TestApp, on_both_backends};

on_both_backends!(
    only_staff_reach_beheer,
    a_coordinator_invites_a_representative_and_the_rules_hold,
    an_administrator_invites_but_does_no_care_work,
    a_coordinator_answers_a_message_and_offers_a_plan,
);

pub(crate) const HOST: &str = "siloah.localhost";

pub(crate) async fn staff(app: &TestApp, username: &str, name: &str, role: StaffRole) -> TestClient {
    let tenant = app.tenant_id("siloah").await;
    let own = app.new_client("siloah", &format!("STAFF-{}", &username[..3]), "Eigen Dossier").await;
    let account = app.new_account("siloah", username, name, own, Relation::Client).await;
    if role == StaffRole::Coordinator {
        app.coordinator_of_every_client("siloah", account).await;
    } else {
        app.store.add_staff_role(tenant, &Origin::system("test"), account, role).await.unwrap();
    }
    app.signed_in(HOST, "siloah", account).await
}

async fn only_staff_reach_beheer(backend: Backend) {
    let app = TestApp::new(backend).await;
    let thomas = app.new_client("siloah", "SIL-1001", "Thomas de Vries").await;
    let ingrid =
        app.new_account("siloah", "ingrid@example.nl", "Ingrid de Vries", thomas, Relation::Representative).await;
    let mut ingrid = app.signed_in(HOST, "siloah", ingrid).await;
    assert!(!ingrid.get("/home").await.body.contains("href=\"/beheer\""));
    for path in [
        "/beheer",
        "/beheer/uitnodigen",
        "/beheer/clienten/SIL-1001/berichten",
        "/beheer/clienten/SIL-1001/begeleidingsplan",
    ] {
        assert_eq!(ingrid.get(path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    let forged = ingrid.post("/beheer/uitnodigen", &[("email", "x@example.nl")]).await;
    assert_eq!(forged.status, StatusCode::NOT_FOUND);
    // Not signed in: the login page, as for every page behind it.
    let anonymous = app.get(HOST, "/beheer").await;
    assert_eq!(anonymous.header("location"), Some("/inloggen"));
}

async fn a_coordinator_invites_a_representative_and_the_rules_hold(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.new_client("siloah", "SIL-1001", "Thomas de Vries").await;
    let mut lisa = staff(&app, "lisa@siloah.nl", "Lisa Smit", StaffRole::Coordinator).await;
    let overview = lisa.get("/beheer").await;
    assert!(overview.body.contains("Thomas de Vries") && overview.body.contains("SIL-1001"));
    assert!(overview.body.contains("href=\"/beheer\"") && overview.body.contains("Coördinator zorg"));

    let form = "/beheer/uitnodigen?client=SIL-1001";
    let bad = lisa
        .submit(
            form,
            "/beheer/uitnodigen",
            &[("client", "SIL-1001"), ("relatie", "representative"), ("naam", "Ingrid"), ("email", "ingrid@")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("id=\"naam-fout\"") && bad.body.contains("id=\"email-fout\""), "{}", bad.body);
    assert!(bad.body.contains("value=\"ingrid@\""), "what was typed is kept");

    for (email, name) in [("ingrid@example.nl", "Ingrid de Vries"), ("pieter@example.nl", "Pieter de Vries")] {
        let done = lisa
            .submit(
                form,
                "/beheer/uitnodigen",
                &[
                    ("client", "SIL-1001"),
                    ("relatie", "representative"),
                    ("naam", name),
                    ("email", email),
                    ("mobiel", ""),
                ],
            )
            .await;
        assert_eq!(done.status, StatusCode::OK);
        assert!(done.body.contains(&format!("De uitnodiging is verstuurd naar {email}.")), "{}", done.body);
    }
    let mails = app.mails(2).await;
    let mail = mails.last().unwrap().replace("=\r\n", "");
    assert!(mail.contains("Eenmalig wachtwoord:") && mail.contains("http://siloah.localhost/inloggen"), "{mail}");
    // Siloah: at most two representatives besides the client.
    let third = lisa
        .submit(
            form,
            "/beheer/uitnodigen",
            &[
                ("client", "SIL-1001"),
                ("relatie", "representative"),
                ("naam", "Derde Persoon"),
                ("email", "derde@example.nl"),
            ],
        )
        .await;
    assert_eq!(third.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(third.body.contains("hoogstens 2"), "{}", third.body);
    let tenant = app.tenant_id("siloah").await;
    let audit = app.store.audit(tenant, 100).await.unwrap();
    assert_eq!(audit.iter().filter(|e| e.action == "account.invited" && e.actor.starts_with("account:")).count(), 2);
}

async fn an_administrator_invites_but_does_no_care_work(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.new_client("siloah", "SIL-1001", "Thomas de Vries").await;
    let mut admin = staff(&app, "beheer@siloah.nl", "Bea Heer", StaffRole::Admin).await;
    let overview = admin.get("/beheer").await;
    assert!(overview.body.contains("Uitnodigen voor Thomas de Vries"));
    assert!(!overview.body.contains("Berichten van Thomas de Vries"));
    assert_eq!(admin.get("/beheer/uitnodigen").await.status, StatusCode::OK);
    assert_eq!(admin.get("/beheer/clienten/SIL-1001/berichten").await.status, StatusCode::NOT_FOUND);
    assert_eq!(admin.get("/beheer/clienten/SIL-1001/begeleidingsplan").await.status, StatusCode::NOT_FOUND);
}

async fn a_coordinator_answers_a_message_and_offers_a_plan(backend: Backend) {
    let app = TestApp::new(backend).await;
    let thomas = app.new_client("siloah", "SIL-1001", "Thomas de Vries").await;
    let ingrid =
        app.new_account("siloah", "ingrid@example.nl", "Ingrid de Vries", thomas, Relation::Representative).await;
    let mut ingrid = app.signed_in(HOST, "siloah", ingrid).await;
    ingrid.submit("/berichten", "/berichten", &[("bericht", "Mag Thomas zaterdag mee naar opa?")]).await;

    let mut lisa = staff(&app, "lisa@siloah.nl", "Lisa Smit", StaffRole::Coordinator).await;
    let thread = lisa.get("/beheer/clienten/SIL-1001/berichten").await;
    assert!(thread.body.contains("Mag Thomas zaterdag mee naar opa?"));
    let empty = lisa
        .submit("/beheer/clienten/SIL-1001/berichten", "/beheer/clienten/SIL-1001/berichten", &[("antwoord", " ")])
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    let sent = lisa
        .submit(
            "/beheer/clienten/SIL-1001/berichten",
            "/beheer/clienten/SIL-1001/berichten",
            &[("antwoord", "Ja, dat is goed.")],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    let berichten = ingrid.get("/berichten").await;
    assert!(berichten.body.contains("Ja, dat is goed.") && berichten.body.contains("Lisa Smit (Coördinator zorg)"));
    assert_eq!(lisa.get("/beheer/clienten/SIL-9999/berichten").await.status, StatusCode::NOT_FOUND);

    // Offering a plan: a PDF and its date.
    let page = lisa.get("/beheer/clienten/SIL-1001/begeleidingsplan").await;
    let csrf = csrf_of(&page.body).unwrap();
    let path = "/beheer/clienten/SIL-1001/begeleidingsplan";
    let not_pdf =
        lisa.post_multipart(path, &[("csrf", &csrf), ("datum", "2026-11-20")], ("afdruk", "plan.txt", b"hallo")).await;
    assert_eq!(not_pdf.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(not_pdf.body.contains("Dit is geen PDF-bestand"));
    let mut doc = TextDocument::new("Siloah", "Begeleidingsplan van Thomas de Vries");
    doc.paragraph("Doelen: zelf boodschappen doen.");
    let offered = lisa
        .post_multipart(path, &[("csrf", &csrf), ("datum", "20-11-2026")], ("afdruk", "plan.pdf", &doc.render()))
        .await;
    assert_eq!(offered.status, StatusCode::OK, "{}", offered.body);
    assert!(
        offered.body.contains("Begeleidingsplanafdruk van vrijdag 20 november 2026 staat klaar om te ondertekenen")
    );
    let home = ingrid.get("/home").await;
    assert!(home.body.contains("Begeleidingsplanafdruk klaar om te ondertekenen"));
    let tenant = app.tenant_id("siloah").await;
    let plans = app.store.care_plans(tenant, thomas).await.unwrap();
    assert_eq!(plans[0].offered_by, "Lisa Smit (Coördinator zorg)");
}
