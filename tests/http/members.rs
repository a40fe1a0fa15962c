//! Beheer › Medewerkers over HTTP on both databases (#11): the tenant administrator gives
//! and takes roles and adds a colleague; never their own Beheerder role; a coordinator
//! cannot; every change audited.

use crate::staff::staff;
use axum::http::StatusCode;
use careportal_domain::staff::StaffRole;
use careportal_tests::{Backend, TestApp, on_both_backends};

on_both_backends!(an_administrator_gives_and_takes_roles_and_adds_a_colleague);

async fn an_administrator_gives_and_takes_roles_and_adds_a_colleague(backend: Backend) {
    let app = TestApp::new(backend).await;
    let mut beheer = staff(&app, "beheer@siloah.nl", "Bea Heer", StaffRole::Admin).await;
    let mut lisa = staff(&app, "lisa@siloah.nl", "Lisa Smit", StaffRole::Coordinator).await;
    let tenant = app.tenant_id("siloah").await;
    let lisa_id = app
        .store
        .account_by_username(tenant, &careportal_domain::people::Username::parse("lisa@siloah.nl").unwrap())
        .await
        .unwrap()
        .unwrap()
        .id;
    let bea_id = app
        .store
        .account_by_username(tenant, &careportal_domain::people::Username::parse("beheer@siloah.nl").unwrap())
        .await
        .unwrap()
        .unwrap()
        .id;
    assert_eq!(lisa.get("/beheer/medewerkers").await.status, StatusCode::NOT_FOUND, "not the coordinator's");
    let forged = lisa.submit("/beheer", &format!("/beheer/medewerkers/{lisa_id}/rol-geven"), &[("rol", "admin")]).await;
    assert_eq!(forged.status, StatusCode::NOT_FOUND);

    let page = beheer.get("/beheer/medewerkers").await;
    assert!(page.body.contains("Lisa Smit") && page.body.contains("Coördinator zorg afnemen"), "{}", page.body);
    let given = beheer
        .submit("/beheer/medewerkers", &format!("/beheer/medewerkers/{lisa_id}/rol-geven"), &[("rol", "admin")])
        .await;
    assert_eq!(given.header("location"), Some("/beheer/medewerkers?gedaan=gegeven"));
    let taken = beheer
        .submit("/beheer/medewerkers", &format!("/beheer/medewerkers/{lisa_id}/rol-afnemen"), &[("rol", "coordinator")])
        .await;
    assert_eq!(taken.header("location"), Some("/beheer/medewerkers?gedaan=afgenomen"));
    assert_eq!(app.store.staff_roles(tenant, lisa_id).await.unwrap(), vec![StaffRole::Admin]);

    // Never one's own Beheerder role.
    let own = beheer
        .submit("/beheer/medewerkers", &format!("/beheer/medewerkers/{bea_id}/rol-afnemen"), &[("rol", "admin")])
        .await;
    assert_eq!(own.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(own.body.contains("U kunt uw eigen rol Beheerder niet afnemen."), "{}", own.body);
    assert_eq!(app.store.staff_roles(tenant, bea_id).await.unwrap(), vec![StaffRole::Admin]);

    // A colleague: the role must be chosen, a wrong address is named, what was typed stays.
    let add =
        |naam: &'static str, email: &'static str, rol: &'static str| [("naam", naam), ("email", email), ("rol", rol)];
    let no_role = beheer.submit("/beheer/medewerkers", "/beheer/medewerkers", &add("Sam Jansen", "sam@", "")).await;
    assert!(no_role.body.contains("Kies de rol van de medewerker.") && no_role.body.contains("value=\"sam@\""));
    let bad = beheer.submit("/beheer/medewerkers", "/beheer/medewerkers", &add("Sam Jansen", "sam@", "privacy")).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("id=\"email-fout\""), "{}", bad.body);
    let done = beheer
        .submit("/beheer/medewerkers", "/beheer/medewerkers", &add("Sam Jansen", "sam@siloah.nl", "privacy"))
        .await;
    assert!(
        done.body.contains("De uitnodiging is verstuurd naar sam@siloah.nl, als Functionaris gegevensbescherming."),
        "{}",
        done.body
    );
    assert!(done.body.contains("Sam Jansen"), "in the list at once");

    let actions: Vec<String> = app.store.audit(tenant, 100).await.unwrap().into_iter().map(|e| e.action).collect();
    assert!(actions.contains(&"staff.role_removed".to_owned()) && actions.contains(&"staff.role_added".to_owned()));
}
