//! The coordinator's caseload over HTTP on both databases (#11): a Coördinator zorg sees,
//! answers and manages only the clients the administrator assigned to them; another
//! coordinator's client answers as if it did not exist, and the refusal is logged; an
//! administrator of another tenant cannot assign anyone.

use crate::staff::{HOST, staff};
use axum::http::StatusCode;
use careportal_domain::audit::Origin;
use careportal_domain::people::Relation;
use careportal_domain::staff::StaffRole;
use careportal_tests::{Backend, TestApp, on_both_backends};

on_both_backends!(a_coordinator_sees_and_answers_only_the_clients_assigned_to_them);

async fn a_coordinator_sees_and_answers_only_the_clients_assigned_to_them(backend: Backend) {
    let app = TestApp::new(backend).await;
    let tenant = app.tenant_id("siloah").await;
    let thomas = app.new_client("siloah", "SIL-1001", "Thomas de Vries").await;
    let sanne = app.new_client("siloah", "SIL-1002", "Sanne Bakker").await;
    app.new_account("siloah", "ingrid@example.nl", "Ingrid de Vries", thomas, Relation::Representative).await;
    app.new_account("siloah", "piet@example.nl", "Piet Bakker", sanne, Relation::Representative).await;
    let mut beheer = staff(&app, "beheer@siloah.nl", "Bea Heer", StaffRole::Admin).await;
    // A new coordinator, with a dossier of her own as the suites give staff.
    let own = app.new_client("siloah", "STAFF-lis", "Eigen Dossier").await;
    let lisa_id = app.new_account("siloah", "lisa@siloah.nl", "Lisa Smit", own, Relation::Client).await;
    app.store.add_staff_role(tenant, &Origin::system("test"), lisa_id, StaffRole::Coordinator).await.unwrap();
    let mut lisa = app.signed_in(HOST, "siloah", lisa_id).await;

    // Nobody assigned yet: no client, and none opens.
    let overview = lisa.get("/beheer").await;
    assert!(overview.body.contains("Aan u zijn nog geen cliënten toegewezen."), "{}", overview.body);
    assert!(!overview.body.contains("Thomas de Vries"));
    assert_eq!(lisa.get("/beheer/clienten/SIL-1001/berichten").await.status, StatusCode::NOT_FOUND);

    // The administrator gives her Thomas; a client of another tenant in the form counts for nothing.
    let salem_client = app.new_client("salem", "SAL-2001", "Johanna van den Berg").await;
    let medewerkers = beheer.get("/beheer/medewerkers").await;
    assert!(medewerkers.body.contains("Cliënten van Lisa Smit"), "{}", medewerkers.body);
    let path = format!("/beheer/medewerkers/{lisa_id}/clienten");
    let page = beheer.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Sanne Bakker (SIL-1002)") && !page.body.contains("Johanna"), "{}", page.body);
    let (thomas_text, salem_text) = (thomas.to_string(), salem_client.to_string());
    let saved = beheer.submit(&path, &path, &[("client", &thomas_text), ("client", &salem_text)]).await;
    assert_eq!(saved.header("location"), Some(format!("{path}?gedaan=opgeslagen").as_str()), "{}", saved.body);
    assert_eq!(app.store.caseload(tenant, lisa_id).await.unwrap(), vec![thomas]);

    // Thomas is hers; Sanne is another coordinator's and answers as if she did not exist.
    let overview = lisa.get("/beheer").await;
    assert!(overview.body.contains("Uw cliënten") && overview.body.contains("Berichten van Thomas de Vries"));
    assert!(!overview.body.contains("Sanne Bakker"), "{}", overview.body);
    assert_eq!(lisa.get("/beheer/clienten/SIL-1001/berichten").await.status, StatusCode::OK);
    let nowhere = lisa.get("/beheer/clienten/SIL-9999/berichten").await;
    for path in [
        "/beheer/clienten/SIL-1002/berichten",
        "/beheer/clienten/SIL-1002/toegang",
        "/beheer/clienten/SIL-1002/begeleidingsplan",
        "/beheer/uitnodigen?client=SIL-1002",
    ] {
        let refused = lisa.get(path).await;
        if path.starts_with("/beheer/uitnodigen") {
            assert!(!refused.body.contains("Sanne Bakker"), "{path}: {}", refused.body);
        } else {
            assert_eq!(refused.status, StatusCode::NOT_FOUND, "{path}");
            assert_eq!(refused.body.len(), nowhere.body.len(), "{path}: the same page as for nobody");
        }
    }
    let csrf = careportal_tests::client::csrf_of(&overview.body).unwrap();
    let answer = lisa.post("/beheer/clienten/SIL-1002/berichten", &[("csrf", &csrf), ("antwoord", "Hallo")]).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert!(app.store.care_messages(tenant, sanne, 10).await.unwrap().is_empty());
    // Nor can she invite anyone for Sanne: the same answer as for a client nobody has.
    let invite = |client: &'static str| {
        [("client", client), ("relatie", "contact"), ("naam", "Kees Bakker"), ("email", "kees@example.nl")]
    };
    let refused = lisa.submit("/beheer/uitnodigen", "/beheer/uitnodigen", &invite("SIL-1002")).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("Er is geen cliënt SIL-1002."), "{}", refused.body);
    assert!(
        app.store
            .account_by_username(tenant, &careportal_domain::people::Username::parse("kees@example.nl").unwrap())
            .await
            .unwrap()
            .is_none()
    );
    // Accounts finds the people of her own clients only.
    let found = lisa.get("/beheer/accounts?zoek=example").await;
    assert!(found.body.contains("Ingrid de Vries") && !found.body.contains("Piet Bakker"), "{}", found.body);
    // Choosing clients is the administrator's.
    assert_eq!(lisa.get(&path).await.status, StatusCode::NOT_FOUND);
    let own_way = lisa.post(&path, &[("csrf", &csrf), ("client", &sanne.to_string())]).await;
    assert_eq!(own_way.status, StatusCode::NOT_FOUND);
    assert_eq!(app.store.caseload(tenant, lisa_id).await.unwrap(), vec![thomas]);

    // An administrator of another tenant reaches neither her page nor her caseload.
    let salem_own = app.new_client("salem", "STAFF-bea", "Eigen Dossier").await;
    let salem_admin = app.new_account("salem", "beheer@salem.nl", "Bea Heer", salem_own, Relation::Client).await;
    let salem = app.tenant_id("salem").await;
    app.store.add_staff_role(salem, &Origin::system("test"), salem_admin, StaffRole::Admin).await.unwrap();
    let mut other = app.signed_in("salem.localhost", "salem", salem_admin).await;
    assert_eq!(other.get(&path).await.status, StatusCode::NOT_FOUND);
    let forged = other.submit("/beheer", &path, &[("client", &sanne.to_string())]).await;
    assert_eq!(forged.status, StatusCode::NOT_FOUND);
    assert_eq!(app.store.caseload(tenant, lisa_id).await.unwrap(), vec![thomas]);

    // Taken off again, Thomas closes too.
    let emptied = beheer.submit(&path, &path, &[]).await;
    assert_eq!(emptied.status, StatusCode::SEE_OTHER);
    assert_eq!(lisa.get("/beheer/clienten/SIL-1001/berichten").await.status, StatusCode::NOT_FOUND);

    let log = app.store.audit(tenant, 200).await.unwrap();
    assert_eq!(
        log.iter().filter(|e| e.action == "caseload.assigned").map(|e| e.client).collect::<Vec<_>>(),
        vec![Some(thomas)]
    );
    assert!(log.iter().any(|e| e.action == "caseload.unassigned" && e.client == Some(thomas)));
    assert!(
        log.iter()
            .any(|e| e.action == "access.refused" && e.client == Some(sanne) && e.detail == "niet in de caseload"),
        "the refusal is in the log"
    );
    assert!(!app.store.audit(salem, 200).await.unwrap().iter().any(|e| e.action.starts_with("caseload.")));
}
