//! Beheer › Toegang over HTTP on both databases (#11): a coordinator ends a representative's
//! access ("Opzeggen toegang") and invites another in the freed place, unlocks a locked
//! account, resets a lost second factor after an identity check; only for this tenant's own
//! clients, and only staff who may.

use crate::staff::{HOST, staff};
use axum::http::StatusCode;
use careportal_domain::audit::Origin;
use careportal_domain::clock::Clock;
use careportal_domain::people::Relation;
use careportal_domain::staff::StaffRole;
use careportal_tests::{Backend, TestApp, on_both_backends};

on_both_backends!(
    a_coordinator_ends_access_and_invites_another_in_the_freed_place,
    a_locked_account_is_unlocked_and_a_lost_phone_gets_a_new_second_factor,
    access_is_managed_only_for_the_tenants_own_clients_and_by_staff_who_may,
    a_changed_email_and_mobile_number_need_an_identity_check_and_the_old_address_is_told,
    the_end_of_care_is_set_in_beheer_with_the_day_access_stops,
    an_invitation_is_sent_again_only_to_someone_who_never_signed_in,
    accounts_are_found_by_name_or_address_inside_the_tenant_only,
    home_says_when_access_stops_after_the_care_ended,
);

async fn a_coordinator_ends_access_and_invites_another_in_the_freed_place(backend: Backend) {
    let app = TestApp::new(backend).await;
    let thomas = app.new_client("siloah", "SIL-1001", "Thomas de Vries").await;
    app.new_account("siloah", "ingrid@example.nl", "Ingrid de Vries", thomas, Relation::Representative).await;
    let pieter =
        app.new_account("siloah", "pieter@example.nl", "Pieter de Vries", thomas, Relation::Representative).await;
    let mut pieter_browser = app.signed_in(HOST, "siloah", pieter).await;
    assert_eq!(pieter_browser.get("/home").await.status, StatusCode::OK);
    let mut lisa = staff(&app, "lisa@siloah.nl", "Lisa Smit", StaffRole::Coordinator).await;

    assert!(lisa.get("/beheer").await.body.contains("href=\"/beheer/clienten/SIL-1001/toegang\""));
    let page = lisa.get("/beheer/clienten/SIL-1001/toegang").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Ingrid de Vries") && page.body.contains("Pieter de Vries"), "{}", page.body);
    assert!(page.body.contains("vertegenwoordiger") && page.body.contains("nog niet geactiveerd"));

    // Siloah: two representatives at most, so a third cannot be invited yet.
    let invite = [
        ("client", "SIL-1001"),
        ("relatie", "representative"),
        ("naam", "Marloes de Vries"),
        ("email", "marloes@example.nl"),
    ];
    let refused = lisa.submit("/beheer/uitnodigen?client=SIL-1001", "/beheer/uitnodigen", &invite).await;
    assert!(refused.body.contains("hoogstens 2"), "{}", refused.body);

    let form = format!("/beheer/clienten/SIL-1001/toegang/{pieter}/opzeggen");
    let unconfirmed = lisa.submit(&form, &form, &[]).await;
    assert_eq!(unconfirmed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unconfirmed.body.contains("Vink aan dat u de toegang wilt opzeggen."), "{}", unconfirmed.body);
    let ended = lisa.submit(&form, &form, &[("bevestig", "ja")]).await;
    assert_eq!(ended.header("location"), Some("/beheer/clienten/SIL-1001/toegang?gedaan=opgezegd"));
    let page = lisa.get("/beheer/clienten/SIL-1001/toegang?gedaan=opgezegd").await;
    assert!(page.body.contains("De toegang is opgezegd.") && !page.body.contains("Pieter de Vries"), "{}", page.body);

    // Pieter reached only Thomas: he is signed out, and his old cookie opens nothing.
    assert_eq!(pieter_browser.get("/home").await.header("location"), Some("/inloggen"));
    // The freed place takes another.
    let invited = lisa.submit("/beheer/uitnodigen?client=SIL-1001", "/beheer/uitnodigen", &invite).await;
    assert!(invited.body.contains("De uitnodiging is verstuurd naar marloes@example.nl."), "{}", invited.body);

    let tenant = app.tenant_id("siloah").await;
    let audit = app.store.audit(tenant, 100).await.unwrap();
    let entry = audit.iter().find(|e| e.action == "access.ended").expect("audited");
    assert_eq!(entry.client, Some(thomas));
    assert!(entry.actor.starts_with("account:") && entry.detail.contains(&pieter.to_string()), "{entry:?}");
    assert!(audit.iter().any(|e| e.action == "client.viewed" && e.client == Some(thomas)), "the look is logged");
}

async fn a_locked_account_is_unlocked_and_a_lost_phone_gets_a_new_second_factor(backend: Backend) {
    let app = TestApp::new(backend).await;
    let tenant = app.tenant_id("siloah").await;
    let thomas = app.new_client("siloah", "SIL-1001", "Thomas de Vries").await;
    let ingrid =
        app.new_account("siloah", "ingrid@example.nl", "Ingrid de Vries", thomas, Relation::Representative).await;
    let hash = careportal_tests::app::settings(true, false).hasher.hash_blocking("Zonnebloem!Tafel7").unwrap();
    app.store.set_password(tenant, &Origin::system("test"), ingrid, &hash, false, None).await.unwrap();
    app.store.set_sms_factor(tenant, &Origin::system("test"), ingrid, "+31612345678").await.unwrap();
    let mut ingrid_browser = app.signed_in(HOST, "siloah", ingrid).await;
    assert_eq!(ingrid_browser.get("/home").await.status, StatusCode::OK);
    app.store.lock_account(tenant, ingrid, app.clock.now() + chrono::Duration::minutes(15)).await.unwrap();
    let mut lisa = staff(&app, "lisa@siloah.nl", "Lisa Smit", StaffRole::Coordinator).await;

    let page = lisa.get("/beheer/clienten/SIL-1001/toegang").await;
    assert!(page.body.contains("Geblokkeerd") && page.body.contains("SMS"), "{}", page.body);
    let unlocked = lisa
        .submit(
            "/beheer/clienten/SIL-1001/toegang",
            &format!("/beheer/clienten/SIL-1001/toegang/{ingrid}/ontgrendelen"),
            &[],
        )
        .await;
    assert_eq!(unlocked.header("location"), Some("/beheer/clienten/SIL-1001/toegang?gedaan=ontgrendeld"));
    let credentials = app.store.credentials(tenant, ingrid).await.unwrap().unwrap();
    assert!(!credentials.is_locked(app.clock.now()) && credentials.failed_count == 0);
    assert!(!lisa.get("/beheer/clienten/SIL-1001/toegang").await.body.contains("Geblokkeerd"));

    // A lost phone: the second factor goes only with a word on how the identity was checked.
    let form = format!("/beheer/clienten/SIL-1001/toegang/{ingrid}/tweede-factor");
    let blank = lisa.submit(&form, &form, &[("hoe", "   ")]).await;
    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(blank.body.contains("Schrijf op hoe u de identiteit"), "{}", blank.body);
    let long = "x".repeat(301);
    let too_long = lisa.submit(&form, &form, &[("hoe", &long)]).await;
    assert!(too_long.body.contains("hoogstens 300 tekens") && too_long.body.contains(&long), "what was typed is kept");
    assert!(app.store.second_factor(tenant, ingrid).await.unwrap().is_some(), "nothing changed yet");
    let how = "Teruggebeld op het nummer uit het ECD";
    let reset = lisa.submit(&form, &form, &[("hoe", how)]).await;
    assert_eq!(reset.header("location"), Some("/beheer/clienten/SIL-1001/toegang?gedaan=tweede-factor"));
    assert!(app.store.second_factor(tenant, ingrid).await.unwrap().is_none());
    assert_eq!(ingrid_browser.get("/home").await.header("location"), Some("/inloggen"), "signed out everywhere");
    assert_eq!(lisa.get(&form).await.header("location"), Some("/beheer/clienten/SIL-1001/toegang"), "nothing to reset");

    let audit = app.store.audit(tenant, 100).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "account.unlocked" && e.actor.starts_with("account:")));
    let reset = audit.iter().find(|e| e.action == "factor.reset").unwrap();
    assert!(reset.detail.contains(how) && reset.actor.starts_with("account:"), "{reset:?}");
}

async fn access_is_managed_only_for_the_tenants_own_clients_and_by_staff_who_may(backend: Backend) {
    let app = TestApp::new(backend).await;
    let thomas = app.new_client("siloah", "SIL-1001", "Thomas de Vries").await;
    let sanne = app.new_client("siloah", "SIL-1002", "Sanne Bakker").await;
    let ingrid =
        app.new_account("siloah", "ingrid@example.nl", "Ingrid de Vries", thomas, Relation::Representative).await;
    let marco = app.new_account("siloah", "marco@example.nl", "Marco Bakker", sanne, Relation::Representative).await;
    let salem_client = app.new_client("salem", "SAL-2001", "Johanna van den Berg").await;
    let willem =
        app.new_account("salem", "willem@example.nl", "Willem van den Berg", salem_client, Relation::Contact).await;
    let mut lisa = staff(&app, "lisa@siloah.nl", "Lisa Smit", StaffRole::Coordinator).await;

    // Marco reaches Sanne, not Thomas; Willem is Salem's; a made-up id is nobody.
    for account in [marco.to_string(), willem.to_string(), "nobody".to_owned()] {
        let form = format!("/beheer/clienten/SIL-1001/toegang/{account}/opzeggen");
        assert_eq!(lisa.get(&form).await.status, StatusCode::NOT_FOUND, "{account}");
        let forged = lisa.submit("/beheer/clienten/SIL-1001/toegang", &form, &[("bevestig", "ja")]).await;
        assert_eq!(forged.status, StatusCode::NOT_FOUND);
    }
    assert_eq!(lisa.get("/beheer/clienten/SAL-2001/toegang").await.status, StatusCode::NOT_FOUND);
    let tenant = app.tenant_id("siloah").await;
    assert_eq!(app.store.client_access(tenant, sanne).await.unwrap().len(), 1, "Marco kept Sanne");

    // Neither a representative nor the privacy officer manages access.
    let mut ingrid_browser = app.signed_in(HOST, "siloah", ingrid).await;
    let mut privacy = staff(&app, "fien@siloah.nl", "Fien Gerrits", StaffRole::PrivacyOfficer).await;
    for browser in [&mut ingrid_browser, &mut privacy] {
        assert_eq!(browser.get("/beheer/clienten/SIL-1001/toegang").await.status, StatusCode::NOT_FOUND);
        let form = format!("/beheer/clienten/SIL-1001/toegang/{ingrid}/opzeggen");
        assert_eq!(browser.post(&form, &[("bevestig", "ja")]).await.status, StatusCode::NOT_FOUND);
    }
    assert_eq!(app.store.client_access(tenant, thomas).await.unwrap().len(), 1, "Ingrid kept Thomas");
}

async fn a_changed_email_and_mobile_number_need_an_identity_check_and_the_old_address_is_told(backend: Backend) {
    let app = TestApp::new(backend).await;
    let tenant = app.tenant_id("siloah").await;
    let thomas = app.new_client("siloah", "SIL-1001", "Thomas de Vries").await;
    let ingrid =
        app.new_account("siloah", "ingrid@example.nl", "Ingrid de Vries", thomas, Relation::Representative).await;
    app.new_account("siloah", "pieter@example.nl", "Pieter de Vries", thomas, Relation::Representative).await;
    app.store.set_sms_factor(tenant, &Origin::system("test"), ingrid, "+31612345678").await.unwrap();
    let mut lisa = staff(&app, "lisa@siloah.nl", "Lisa Smit", StaffRole::Coordinator).await;
    let form = format!("/beheer/clienten/SIL-1001/toegang/{ingrid}/gegevens");
    let page = lisa.get(&form).await;
    assert!(page.body.contains("value=\"ingrid@example.nl\"") && page.body.contains("value=\"+31612345678\""));

    // Mistakes are named under their fields, and what was typed stays.
    let fields = [("email", "ingrid.nieuw@"), ("mobiel", "+44 7700 900123"), ("hoe", "")];
    let bad = lisa.submit(&form, &form, &fields).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for id in ["email-fout", "mobiel-fout", "hoe-fout"] {
        assert!(bad.body.contains(&format!("id=\"{id}\"")), "{id}: {}", bad.body);
    }
    assert!(bad.body.contains("value=\"ingrid.nieuw@\"") && bad.body.contains("value=\"+44 7700 900123\""));
    let taken = [("email", "pieter@example.nl"), ("mobiel", "+31612345678"), ("hoe", "Teruggebeld")];
    let taken = lisa.submit(&form, &form, &taken).await;
    assert!(taken.body.contains("al de gebruikersnaam van een ander account"), "{}", taken.body);
    let same = [("email", "ingrid@example.nl"), ("mobiel", "+31612345678"), ("hoe", "Teruggebeld")];
    assert!(lisa.submit(&form, &form, &same).await.body.contains("Er is niets gewijzigd."));

    let good = [("email", "ingrid.devries@example.nl"), ("mobiel", "06 8765 4321"), ("hoe", "Teruggebeld via het ECD")];
    let done = lisa.submit(&form, &form, &good).await;
    assert_eq!(done.header("location"), Some("/beheer/clienten/SIL-1001/toegang?gedaan=gegevens"));
    let account = app.store.account(tenant, ingrid).await.unwrap().unwrap();
    assert_eq!(
        (account.email.as_str(), account.username.as_str()),
        ("ingrid.devries@example.nl", "ingrid.devries@example.nl")
    );
    let factor = app.store.second_factor(tenant, ingrid).await.unwrap().unwrap();
    assert_eq!(factor.phone.as_deref(), Some("+31687654321"));

    // The old address hears of it, without the new values.
    let mails = app.mails(1).await;
    let mail = mails.iter().find(|m| m.contains("To: ingrid@example.nl")).expect("a mail to the old address");
    assert!(mail.contains("gewijzigd") && !mail.contains("ingrid.devries@") && !mail.contains("8765"), "{mail}");
    let audit = app.store.audit(tenant, 100).await.unwrap();
    let entry = audit.iter().find(|e| e.action == "account.details_changed").unwrap();
    assert!(entry.detail.contains("Teruggebeld via het ECD") && !entry.detail.contains("87654321"), "{entry:?}");
}

async fn the_end_of_care_is_set_in_beheer_with_the_day_access_stops(backend: Backend) {
    let app = TestApp::new(backend).await;
    let thomas = app.new_client("siloah", "SIL-1001", "Thomas de Vries").await;
    let mut lisa = staff(&app, "lisa@siloah.nl", "Lisa Smit", StaffRole::Coordinator).await;
    let page = "/beheer/clienten/SIL-1001/toegang";
    let action = "/beheer/clienten/SIL-1001/toegang/einde-zorg";
    assert!(lisa.get(page).await.body.contains("stopt de toegang tot het portaal 42 dagen later"));

    let bad = lisa.submit(page, action, &[("einde", "31-02-2026")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("id=\"einde-fout\"") && bad.body.contains("value=\"31-02-2026\""), "{}", bad.body);
    let saved = lisa.submit(page, action, &[("einde", "20-11-2026")]).await;
    assert_eq!(saved.header("location"), Some("/beheer/clienten/SIL-1001/toegang?gedaan=einde-zorg"));
    let shown = lisa.get("/beheer/clienten/SIL-1001/toegang?gedaan=einde-zorg").await.body;
    assert!(shown.contains("De zorg is beëindigd op") && shown.contains("1 januari 2027"), "{shown}");
    let tenant = app.tenant_id("siloah").await;
    let client = app.store.client(tenant, thomas).await.unwrap().unwrap();
    assert_eq!(client.care_ended_on, chrono::NaiveDate::from_ymd_opt(2026, 11, 20));

    let cleared = lisa.submit(page, action, &[("wissen", "ja")]).await;
    assert_eq!(cleared.status, StatusCode::SEE_OTHER);
    assert!(app.store.client(tenant, thomas).await.unwrap().unwrap().care_ended_on.is_none());
    let audit = app.store.audit(tenant, 100).await.unwrap();
    assert_eq!(audit.iter().filter(|e| e.action == "client.updated" && e.actor.starts_with("account:")).count(), 2);
}

async fn an_invitation_is_sent_again_only_to_someone_who_never_signed_in(backend: Backend) {
    let app = TestApp::new(backend).await;
    let tenant = app.tenant_id("siloah").await;
    app.new_client("siloah", "SIL-1001", "Thomas de Vries").await;
    let mut lisa = staff(&app, "lisa@siloah.nl", "Lisa Smit", StaffRole::Coordinator).await;
    let invite = [
        ("client", "SIL-1001"),
        ("relatie", "representative"),
        ("naam", "Ingrid de Vries"),
        ("email", "ingrid@example.nl"),
    ];
    let sent = lisa.submit("/beheer/uitnodigen?client=SIL-1001", "/beheer/uitnodigen", &invite).await;
    assert!(sent.body.contains("De uitnodiging is verstuurd naar ingrid@example.nl."), "{}", sent.body);
    let first = app.mails(1).await;
    let ingrid = app
        .store
        .account_by_username(tenant, &careportal_domain::people::Username::parse("ingrid@example.nl").unwrap())
        .await
        .unwrap()
        .unwrap()
        .id;
    let page = lisa.get("/beheer/clienten/SIL-1001/toegang").await;
    assert!(page.body.contains("Uitnodiging opnieuw versturen"), "{}", page.body);
    let action = format!("/beheer/clienten/SIL-1001/toegang/{ingrid}/uitnodiging");
    let again = lisa.submit("/beheer/clienten/SIL-1001/toegang", &action, &[]).await;
    assert_eq!(again.header("location"), Some("/beheer/clienten/SIL-1001/toegang?gedaan=uitnodiging"));
    let mails = app.mails(first.len() + 1).await;
    let password = |mail: &str| {
        let mail = mail.replace("=\r\n", "");
        mail.split("Eenmalig wachtwoord: ").nth(1).unwrap().split_whitespace().next().unwrap().to_owned()
    };
    let to_ingrid: Vec<&String> = mails.iter().filter(|m| m.contains("To: ingrid@example.nl")).collect();
    assert_eq!(to_ingrid.len(), 2);
    assert_ne!(password(to_ingrid[0]), password(to_ingrid[1]), "a new one-time password");

    // Once she has signed in, the button is gone and a forged request is refused in Dutch.
    app.store.record_login_success(tenant, ingrid).await.unwrap();
    assert!(!lisa.get("/beheer/clienten/SIL-1001/toegang").await.body.contains("Uitnodiging opnieuw versturen"));
    let refused = lisa.submit("/beheer/clienten/SIL-1001/toegang", &action, &[]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("heeft al eens ingelogd"), "{}", refused.body);
    let audit = app.store.audit(tenant, 100).await.unwrap();
    assert_eq!(audit.iter().filter(|e| e.action == "account.invitation_resent").count(), 1);
}

async fn accounts_are_found_by_name_or_address_inside_the_tenant_only(backend: Backend) {
    let app = TestApp::new(backend).await;
    let thomas = app.new_client("siloah", "SIL-1001", "Thomas de Vries").await;
    let ingrid =
        app.new_account("siloah", "ingrid@example.nl", "Ingrid de Vries", thomas, Relation::Representative).await;
    let salem = app.new_client("salem", "SAL-2001", "Johanna van den Berg").await;
    app.new_account("salem", "willem.devries@example.nl", "Willem de Vries", salem, Relation::Contact).await;
    let mut lisa = staff(&app, "lisa@siloah.nl", "Lisa Smit", StaffRole::Coordinator).await;

    let found = lisa.get("/beheer/accounts?zoek=VRIES").await;
    assert_eq!(found.status, StatusCode::OK);
    assert!(found.body.contains("Ingrid de Vries") && found.body.contains("vertegenwoordiger van"), "{}", found.body);
    assert!(found.body.contains("href=\"/beheer/clienten/SIL-1001/toegang\""));
    assert!(!found.body.contains("Willem"), "not another tenant's");
    assert!(lisa.get("/beheer/accounts?zoek=ingrid%40example").await.body.contains("Ingrid de Vries"), "by address");
    // LIKE's own characters are only themselves.
    assert!(lisa.get("/beheer/accounts?zoek=%25%25").await.body.contains("Niemand gevonden"));
    let short = lisa.get("/beheer/accounts?zoek=v").await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short.body.contains("Typ minstens twee letters"), "{}", short.body);

    let mut ingrid = app.signed_in(HOST, "siloah", ingrid).await;
    assert_eq!(ingrid.get("/beheer/accounts?zoek=vries").await.status, StatusCode::NOT_FOUND);
    let tenant = app.tenant_id("siloah").await;
    let audit = app.store.audit(tenant, 100).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "account.searched" && e.actor.starts_with("account:")));
}

async fn home_says_when_access_stops_after_the_care_ended(backend: Backend) {
    let app = TestApp::new(backend).await;
    let thomas = app.new_client("siloah", "SIL-1001", "Thomas de Vries").await;
    let ingrid =
        app.new_account("siloah", "ingrid@example.nl", "Ingrid de Vries", thomas, Relation::Representative).await;
    let mut ingrid = app.signed_in(HOST, "siloah", ingrid).await;
    assert!(!ingrid.get("/home").await.body.contains("De zorg is beëindigd"));
    let mut lisa = staff(&app, "lisa@siloah.nl", "Lisa Smit", StaffRole::Coordinator).await;
    let page = "/beheer/clienten/SIL-1001/toegang";
    lisa.submit(page, "/beheer/clienten/SIL-1001/toegang/einde-zorg", &[("einde", "20-11-2026")]).await;
    let home = ingrid.get("/home").await.body;
    assert!(home.contains("De zorg is beëindigd op") && home.contains("stopt op"), "{home}");
    assert!(home.contains("1 januari 2027") && home.contains("Download mijn dossier"), "{home}");
}
