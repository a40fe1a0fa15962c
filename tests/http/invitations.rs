//! An existing account invited to another client (#13 High 2): staff only ask; the person
//! accepts or declines on Home, signed in as themselves; nobody links their own account; an
//! invitation never changes a relation; the tenant's rules are checked again on accepting;
//! and the client's people who use the portal are told who came in.

use super::staff::{HOST, staff};
use axum::http::StatusCode;
use careportal_domain::people::Relation;
use careportal_domain::staff::StaffRole;
use careportal_tests::{Backend, TestApp, on_both_backends};

on_both_backends!(an_existing_account_is_asked_and_only_the_person_links_it);

/// Beheer › Uitnodigen for `client`, as `relation`.
async fn invite(
    coordinator: &mut careportal_tests::client::TestClient,
    client: &str,
    email: &str,
    name: &str,
) -> careportal_tests::TestResponse {
    coordinator
        .submit(
            &format!("/beheer/uitnodigen?client={client}"),
            "/beheer/uitnodigen",
            &[("client", client), ("relatie", "representative"), ("naam", name), ("email", email), ("mobiel", "")],
        )
        .await
}

/// The e-mails once the outbox is empty: what the web process sent in the background, then
/// whatever was still waiting, so a count is exact.
async fn all_mails(app: &TestApp, at_least: usize) -> Vec<String> {
    let tenant = app.store.tenant_by_slug("siloah").await.unwrap().unwrap();
    let transports = app.transports();
    careportal_delivery::deliver_due(
        app.store.as_ref(),
        &tenant,
        &transports,
        &careportal_tests::app::settings(true, false).keys.secret_box,
        chrono::Utc::now() + chrono::Duration::hours(1),
    )
    .await
    .unwrap();
    app.mails(at_least).await.into_iter().map(|m| m.replace("=\r\n", "").replace("=C3=AB", "ë")).collect()
}

async fn an_existing_account_is_asked_and_only_the_person_links_it(backend: Backend) {
    let app = TestApp::new(backend).await;
    let tenant = app.tenant_id("siloah").await;
    let thomas = app.new_client("siloah", "SIL-1001", "Thomas de Vries").await;
    let sanne = app.new_client("siloah", "SIL-1002", "Sanne Bakker").await;
    let pieter =
        app.new_account("siloah", "pieter@example.nl", "Pieter de Vries", thomas, Relation::Representative).await;
    // Pieter uses the portal: he has signed in before.
    let origin = careportal_domain::audit::Origin::system("test");
    app.store.set_password(tenant, &origin, pieter, "argon2-hash", false, None).await.unwrap();
    app.store.record_login_success(tenant, pieter).await.unwrap();
    let ingrid_id =
        app.new_account("siloah", "ingrid@example.nl", "Ingrid de Vries", sanne, Relation::Representative).await;
    let bram_id = app.new_account("siloah", "bram@example.nl", "Bram Bakker", sanne, Relation::Representative).await;
    let mut lisa = staff(&app, "lisa@example.nl", "Lisa Jansen", StaffRole::Coordinator).await;

    // Asked, not linked: Ingrid hears of it by e-mail and nothing opens Thomas's dossier yet.
    let asked = invite(&mut lisa, "SIL-1001", "ingrid@example.nl", "Ingrid de Vries").await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    assert!(
        asked.body.contains("ingrid@example.nl heeft al een account. Er is een uitnodiging verstuurd"),
        "{}",
        asked.body
    );
    let linked = |account| {
        let app = &app;
        async move {
            let links = app.store.account_links(tenant, account).await.unwrap();
            links.into_iter().map(|l| (l.client.reference.to_string(), l.relation)).collect::<Vec<_>>()
        }
    };
    assert_eq!(linked(ingrid_id).await, [("SIL-1002".to_owned(), Relation::Representative)]);
    let mails = all_mails(&app, 1).await;
    assert_eq!(mails.len(), 1, "only Ingrid's invitation: {mails:?}");
    assert!(
        mails[0].contains("To: ingrid@example.nl") && mails[0].contains("Zonder uw bevestiging krijgt u geen toegang")
    );
    assert!(!mails[0].contains("Thomas"), "the e-mail does not name the client: {}", mails[0]);

    // Bram is asked too, while Thomas has one representative.
    assert_eq!(invite(&mut lisa, "SIL-1001", "bram@example.nl", "Bram Bakker").await.status, StatusCode::OK);

    // Nobody links their own account, and an invitation never changes an existing relation.
    let own = invite(&mut lisa, "SIL-1001", "lisa@example.nl", "Lisa Jansen").await;
    assert_eq!(own.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(own.body.contains("U kunt uw eigen account niet aan een cliënt koppelen."), "{}", own.body);
    let again = invite(&mut lisa, "SIL-1001", "pieter@example.nl", "Pieter de Vries").await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        again.body.contains("pieter@example.nl heeft al toegang tot SIL-1001 als vertegenwoordiger."),
        "{}",
        again.body
    );

    // Ingrid, signed in, sees the invitation on Home.
    let mut ingrid = app.signed_in(HOST, "siloah", ingrid_id).await;
    let home = ingrid.get("/home").await;
    assert!(home.body.contains("Uitnodiging voor het dossier van Thomas de Vries"), "{}", home.body);
    let now = chrono::Utc::now();
    let waiting = app.store.link_invitations(tenant, ingrid_id, now).await.unwrap();
    let path = format!("/uitnodigingen/{}", waiting[0].id);
    // The client's name on Home is a read of client data, logged against that client.
    let shown = app.store.audit_of_client(tenant, waiting[0].client.id, 50).await.unwrap();
    let shown = shown.iter().find(|e| e.action == "invitation.viewed").expect("the invitation's read");
    assert_eq!(
        (shown.actor.clone(), shown.detail.clone()),
        (format!("account:{ingrid_id}"), waiting[0].id.to_string())
    );
    // Without the form's token nothing happens; nor can anyone else answer it.
    let forged = ingrid.post(&path, &[("antwoord", "accepteren")]).await;
    assert_eq!(forged.header("location"), Some("/home?uitnodiging=verlopen"));
    let mut pieter_browser = app.signed_in(HOST, "siloah", pieter).await;
    let foreign = pieter_browser.submit("/home", &path, &[("antwoord", "accepteren")]).await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    assert_eq!(linked(ingrid_id).await.len(), 1);

    // She accepts: now she is Thomas's representative, and Pieter (who uses the portal) is told.
    let accepted = ingrid.submit("/home", &path, &[("antwoord", "accepteren")]).await;
    assert_eq!(accepted.header("location"), Some("/home?uitnodiging=geaccepteerd"), "{}", accepted.body);
    assert!(ingrid.get("/home?uitnodiging=geaccepteerd").await.body.contains("U hebt de uitnodiging geaccepteerd."));
    assert_eq!(
        linked(ingrid_id).await,
        [("SIL-1002".to_owned(), Relation::Representative), ("SIL-1001".to_owned(), Relation::Representative)]
    );
    let mails = all_mails(&app, 3).await;
    assert_eq!(mails.len(), 3, "Ingrid's and Bram's invitations, and the notice to Pieter: {mails:?}");
    let notice = mails.iter().find(|m| m.contains("To: pieter@example.nl")).expect("Pieter is told");
    assert!(notice.contains("Ingrid de Vries als vertegenwoordiger"), "{notice}");
    assert!(!notice.contains("Thomas"), "{notice}");
    let audit = app.store.audit_of_client(tenant, thomas, 50).await.unwrap();
    let lisa_actor = format!("account:{}", lisa_id(&app).await);
    assert!(audit.iter().any(|e| e.action == "account.link_invited" && e.actor == lisa_actor));
    assert!(
        audit.iter().any(|e| e.action == "account.linked" && e.actor == format!("account:{ingrid_id}")),
        "{audit:?}"
    );

    // Bram accepts too late: Siloah allows two representatives, and Thomas has two now. The
    // invitation stays; nothing is linked.
    let mut bram = app.signed_in(HOST, "siloah", bram_id).await;
    let bram_invitation = app.store.link_invitations(tenant, bram_id, now).await.unwrap().remove(0);
    let late =
        bram.submit("/home", &format!("/uitnodigingen/{}", bram_invitation.id), &[("antwoord", "accepteren")]).await;
    assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(late.body.contains("hoogstens 2"), "{}", late.body);
    assert_eq!(linked(bram_id).await.len(), 1);
    // He declines instead: gone, and recorded.
    let declined =
        bram.submit("/home", &format!("/uitnodigingen/{}", bram_invitation.id), &[("antwoord", "weigeren")]).await;
    assert_eq!(declined.header("location"), Some("/home?uitnodiging=geweigerd"));
    assert!(app.store.link_invitations(tenant, bram_id, now).await.unwrap().is_empty());
    assert!(!bram.get("/home").await.body.contains("Uitnodiging voor het dossier"));
    let audit = app.store.audit_of_client(tenant, thomas, 50).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "account.link_declined"), "{audit:?}");
}

async fn lisa_id(app: &TestApp) -> careportal_domain::AccountId {
    let tenant = app.tenant_id("siloah").await;
    let username = careportal_domain::people::Username::parse("lisa@example.nl").unwrap();
    app.store.account_by_username(tenant, &username).await.unwrap().unwrap().id
}
