//! Mijn agenda over HTTP on both databases: own appointments private until Openbaar (then
//! queued for the ECD), care appointments from the ECD read-only, deleting after a
//! confirmation, the week view, and contact persons within their rights.

use axum::http::StatusCode;
use careportal_domain::audit::Origin;
use careportal_domain::people::Relation;
use careportal_domain::record::Source;
use careportal_domain::record::agenda::check_appointment;
use careportal_tests::client::csrf_of;
use careportal_tests::{Backend, TestApp, on_both_backends};

on_both_backends!(
    an_own_appointment_is_private_until_it_is_made_public,
    care_appointments_are_marked_and_cannot_be_changed_here,
    deleting_asks_first_and_a_bad_form_keeps_what_was_typed,
    the_week_view_shows_seven_days,
    contact_persons_see_and_change_the_agenda_only_as_their_rights_allow,
);

const HOST: &str = "salem.localhost";

async fn johanna(backend: Backend) -> (TestApp, careportal_domain::ClientId, careportal_tests::client::TestClient) {
    let app = TestApp::new(backend).await;
    let client = app.new_client("salem", "SAL-2001", "Johanna van den Berg").await;
    let account =
        app.new_account("salem", "johanna@example.nl", "Johanna van den Berg", client, Relation::Client).await;
    let browser = app.signed_in(HOST, "salem", account).await;
    (app, client, browser)
}

fn appointment<'a>(title: &'a str, date: &'a str, public: bool) -> Vec<(&'static str, &'a str)> {
    let mut fields =
        vec![("titel", title), ("datum", date), ("begin", "10:00"), ("einde", "10:45"), ("waar", "Salon Els")];
    if public {
        fields.push(("openbaar", "ja"));
    }
    fields
}

async fn an_own_appointment_is_private_until_it_is_made_public(backend: Backend) {
    let (app, client, mut johanna) = johanna(backend).await;
    let tenant = app.tenant_id("salem").await;
    let made = johanna.submit("/agenda/nieuw", "/agenda/nieuw", &appointment("Kapper", "2026-11-27", false)).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let agenda = johanna.get("/agenda").await;
    assert!(agenda.body.contains("Vrijdag 27 november 2026"), "{}", agenda.body);
    assert!(agenda.body.contains("10:00–10:45 Kapper</strong> <span class=\"tag\">Privé</span>"));
    assert!(app.store.ecd_pending(tenant, 10).await.unwrap().is_empty(), "private: nothing for the ECD");

    let id = first_appointment_id(&agenda.body);
    let path = format!("/agenda/{id}/wijzigen");
    let form = johanna.get(&path).await;
    assert!(form.body.contains("value=\"Kapper\"") && form.body.contains("value=\"2026-11-27\""));
    let changed = johanna.submit(&path, &path, &appointment("Kapper", "2026-11-27", true)).await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER);
    assert!(johanna.get("/agenda").await.body.contains("<span class=\"tag\">Openbaar</span>"));
    let pending = app.store.ecd_pending(tenant, 10).await.unwrap();
    assert_eq!((pending.len(), pending[0].kind.as_str(), pending[0].client), (1, "appointment", client));
    let audit = app.store.audit_of_client(tenant, client, 50).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "appointment.changed" && e.detail.ends_with("openbaar")));
}

/// The id in the first "Wijzigen" link of an agenda page.
fn first_appointment_id(body: &str) -> String {
    let at = body.find("/wijzigen\"").expect("a Wijzigen link");
    body[..at].rsplit("/agenda/").next().unwrap().to_owned()
}

async fn care_appointments_are_marked_and_cannot_be_changed_here(backend: Backend) {
    let (app, client, mut johanna) = johanna(backend).await;
    let tenant = app.tenant_id("salem").await;
    let input = check_appointment("Fysiotherapie", "2026-11-26", "14:00", "14:30", "Oefenzaal", "", false).unwrap();
    let care =
        app.store.add_appointment(tenant, &Origin::system("sync"), client, Source::Ecd, None, &input).await.unwrap();
    let agenda = johanna.get("/agenda").await;
    assert!(agenda.body.contains("14:00–14:30 Fysiotherapie</strong> <span class=\"tag\">Zorgafspraak</span>"));
    assert!(!agenda.body.contains(&format!("/agenda/{}/wijzigen", care.id)));
    assert_eq!(johanna.get(&format!("/agenda/{}/wijzigen", care.id)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(johanna.get(&format!("/agenda/{}/verwijderen", care.id)).await.status, StatusCode::NOT_FOUND);
}

async fn deleting_asks_first_and_a_bad_form_keeps_what_was_typed(backend: Backend) {
    let (_app, _client, mut johanna) = johanna(backend).await;
    let bad = johanna
        .submit(
            "/agenda/nieuw",
            "/agenda/nieuw",
            &[("titel", "Bingo"), ("datum", "2026-11-28"), ("begin", "15:00"), ("einde", "14:00")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("De afspraak moet eindigen na het begin.") && bad.body.contains("value=\"Bingo\""));
    johanna.submit("/agenda/nieuw", "/agenda/nieuw", &appointment("Bingo", "2026-11-28", false)).await;
    let agenda = johanna.get("/agenda").await;
    let id = first_appointment_id(&agenda.body);
    let confirm = johanna.get(&format!("/agenda/{id}/verwijderen")).await;
    assert!(confirm.body.contains("Weet u zeker dat u deze afspraak wilt verwijderen?"));
    assert!(johanna.get("/agenda").await.body.contains("Bingo"), "still there until confirmed");
    let csrf = csrf_of(&confirm.body).unwrap();
    let deleted = johanna.post(&format!("/agenda/{id}/verwijderen"), &[("csrf", &csrf)]).await;
    assert_eq!(deleted.header("location"), Some("/agenda?opgeslagen=verwijderd"));
    let agenda = johanna.get("/agenda?opgeslagen=verwijderd").await;
    assert!(agenda.body.contains("De afspraak is verwijderd.") && !agenda.body.contains("Bingo"));
}

async fn the_week_view_shows_seven_days(backend: Backend) {
    let (_app, _client, mut johanna) = johanna(backend).await;
    johanna.submit("/agenda/nieuw", "/agenda/nieuw", &appointment("Koffie", "2026-12-03", false)).await;
    let week = johanna.get("/agenda?weergave=week&week=2026-12-02").await;
    assert!(week.body.contains("Week van maandag 30 november 2026 tot en met zondag 6 december 2026"), "{}", week.body);
    assert_eq!(week.body.matches("class=\"agenda-day\"").count(), 7);
    assert!(week.body.contains("Koffie"));
    assert!(week.body.contains("week=2026-11-23") && week.body.contains("week=2026-12-07"));
    assert!(!johanna.get("/agenda?weergave=week&week=2026-12-09").await.body.contains("Koffie"));
}

async fn contact_persons_see_and_change_the_agenda_only_as_their_rights_allow(backend: Backend) {
    let (app, client, mut johanna) = johanna(backend).await;
    let tenant = app.tenant_id("salem").await;
    johanna.submit("/agenda/nieuw", "/agenda/nieuw", &appointment("Kapper", "2026-11-27", false)).await;
    let willem = app.new_account("salem", "willem@example.nl", "Willem van den Berg", client, Relation::Contact).await;
    let mut browser = app.signed_in(HOST, "salem", willem).await;
    assert_eq!(browser.get("/agenda").await.status, StatusCode::NOT_FOUND);
    let read = careportal_domain::rights::Grant {
        module: careportal_domain::tenant::Module::Agenda,
        action: careportal_domain::rights::Action::Read,
    };
    app.store.set_grants(tenant, &Origin::system("test"), client, willem, &[read]).await.unwrap();
    let agenda = browser.get("/agenda").await;
    assert!(
        agenda.body.contains("Kapper") && !agenda.body.contains("Nieuwe afspraak") && !agenda.body.contains("Wijzigen")
    );
    assert_eq!(browser.get("/agenda/nieuw").await.status, StatusCode::NOT_FOUND);
    let write = careportal_domain::rights::Grant { action: careportal_domain::rights::Action::Write, ..read };
    app.store.set_grants(tenant, &Origin::system("test"), client, willem, &[read, write]).await.unwrap();
    let made = browser.submit("/agenda/nieuw", "/agenda/nieuw", &appointment("Wandelen", "2026-11-29", false)).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER);
    let audit = app.store.audit_of_client(tenant, client, 50).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "appointment.added" && e.actor == format!("account:{willem}")));

    // His own he may change; Johanna's he may not: not change, not delete, not make Openbaar
    // (which would send it to the care department), not even by posting the form himself.
    let agenda = browser.get("/agenda").await;
    assert!(agenda.body.contains("aria-label=\"Wijzigen: Wandelen"), "{}", agenda.body);
    assert!(!agenda.body.contains("aria-label=\"Wijzigen: Kapper"), "{}", agenda.body);
    let appointments =
        app.store.appointments(tenant, client, careportal_domain::time::TimeRange::ALL, 10).await.unwrap();
    let kapper = appointments.iter().find(|a| a.title == "Kapper").unwrap().id;
    let wandelen = appointments.iter().find(|a| a.title == "Wandelen").unwrap().id;
    let csrf = csrf_of(&browser.get("/agenda/nieuw").await.body).unwrap();
    for path in [format!("/agenda/{kapper}/wijzigen"), format!("/agenda/{kapper}/verwijderen")] {
        assert_eq!(browser.get(&path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    let mut publish = appointment("Kapper", "2026-11-27", true);
    publish.push(("csrf", &csrf));
    let forged = browser.post(&format!("/agenda/{kapper}/wijzigen"), &publish).await;
    assert_eq!(forged.status, StatusCode::NOT_FOUND);
    let deleted = browser.post(&format!("/agenda/{kapper}/verwijderen"), &[("csrf", &csrf)]).await;
    assert_eq!(deleted.status, StatusCode::NOT_FOUND);
    let kept = app.store.appointment(tenant, client, kapper).await.unwrap().unwrap();
    assert!(!kept.public, "still private, still there");
    assert!(app.store.ecd_pending(tenant, 10).await.unwrap().is_empty(), "nothing went to the department");
    let path = format!("/agenda/{wandelen}/wijzigen");
    let own = browser.submit(&path, &path, &appointment("Wandelen in het park", "2026-11-29", false)).await;
    assert_eq!(own.status, StatusCode::SEE_OTHER);

    // Johanna's agenda is hers: she may change what Willem put in it.
    assert!(johanna.get("/agenda").await.body.contains("aria-label=\"Wijzigen: Wandelen in het park"));
}
