//! Beheer › ECD-koppeling over HTTP: the tenant administrator sees how the sync goes and
//! starts it now; a coordinator and everyone else get the same 404 as for any other page.

use super::*;
use careportal_domain::staff::StaffRole;

pub(crate) async fn staff_member(
    app: &TestApp,
    username: &str,
    role: StaffRole,
) -> careportal_tests::client::TestClient {
    let tenant = app.tenant_id("siloah").await;
    let own = app.new_client("siloah", &format!("STAFF-{}", &username[..3]), "Eigen Dossier").await;
    let account = app.new_account("siloah", username, "Bea Heer", own, Relation::Client).await;
    if role == StaffRole::Coordinator {
        app.coordinator_of_every_client("siloah", account).await;
    } else {
        app.store.add_staff_role(tenant, &Origin::system("test"), account, role).await.unwrap();
    }
    app.signed_in("siloah.localhost", "siloah", account).await
}

pub async fn the_administrator_sees_the_koppeling_and_syncs_now(backend: Backend) {
    let (server, _) = server_with_patients().await;
    let app = TestApp::new(backend).await;
    let mut admin = staff_member(&app, "beheer@example.nl", StaffRole::Admin).await;
    let mut coordinator = staff_member(&app, "lisa@example.nl", StaffRole::Coordinator).await;

    // The demo connector: nothing to show but that.
    let page = admin.get("/beheer/koppeling").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("is niet aan een ECD gekoppeld"), "{}", page.body);
    assert!(!page.body.contains("Nu synchroniseren"));
    assert!(admin.get("/beheer").await.body.contains("href=\"/beheer/koppeling\""), "in the Beheer menu");
    assert_eq!(coordinator.get("/beheer/koppeling").await.status, StatusCode::NOT_FOUND);
    assert!(!coordinator.get("/beheer").await.body.contains("/beheer/koppeling"));

    let tenant = connect_siloah(&app, &server.base_url).await;
    let page = admin.get("/beheer/koppeling").await;
    assert!(page.body.contains(&server.base_url), "{}", page.body);
    assert!(page.body.contains("Alles wat in het portaal is geschreven, staat in het ECD."));
    assert_eq!(page.body.matches("nog nooit").count(), 22, "eleven kinds, never started nor succeeded");
    assert!(page.body.contains("iedere 15 minuten") && page.body.contains("iedere minuut"));

    // Without the form's token nothing starts.
    let forged = admin.post("/beheer/koppeling", &[]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(app.store.sync_streams(tenant.id).await.unwrap().is_empty());
    assert_eq!(coordinator.submit("/beheer", "/beheer/koppeling", &[]).await.status, StatusCode::NOT_FOUND);

    let started = admin.submit("/beheer/koppeling", "/beheer/koppeling", &[]).await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
    let page = admin.get(started.header("location").unwrap()).await;
    assert!(page.body.contains("De synchronisatie is gestart."), "{}", page.body);
    // The run goes on after the answer; wait for it.
    for _ in 0..100 {
        let streams = app.store.sync_streams(tenant.id).await.unwrap();
        if streams.len() == careportal_sync::SYNCED.len() && streams.iter().all(|s| s.last_finished_at.is_some()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let page = admin.get("/beheer/koppeling").await;
    assert_eq!(page.body.matches("nog nooit").count(), 0, "{}", page.body);
    assert!(page.body.contains("3 nieuw, 0 gewijzigd, 1 overgeslagen"), "the client list: {}", page.body);
    assert!(page.body.contains("Overgeslagen (1)") && page.body.contains("geen naam"), "{}", page.body);
    assert!(!page.body.contains("Laatste fout"), "{}", page.body);
    let clients = app.store.clients(tenant.id).await.unwrap();
    assert!(clients.iter().any(|c| c.reference.as_str() == "SIL-1001"), "the sync ran: {clients:?}");
}

/// "Verbinding testen" against the real FHIR server: working, refusing (401) and gone; the
/// answer on the page in Dutch, nothing synced.
pub async fn the_administrator_tests_the_connection(backend: Backend) {
    let (server, _) = server_with_patients().await;
    let app = TestApp::new(backend).await;
    let mut admin = staff_member(&app, "beheer@example.nl", StaffRole::Admin).await;
    let tenant = connect_siloah(&app, &server.base_url).await;
    let page = "/beheer/koppeling";
    let works = admin.submit(page, "/beheer/koppeling/testen", &[]).await;
    assert_eq!(works.status, StatusCode::OK);
    assert!(works.body.contains("De verbinding werkt:"), "{}", works.body);
    assert!(app.store.sync_streams(tenant.id).await.unwrap().is_empty(), "a test syncs nothing");

    server.fail_after(0, 1, 401, None).await;
    let refused = admin.submit(page, "/beheer/koppeling/testen", &[]).await;
    assert!(
        refused.body.contains("De verbinding werkt niet:") && refused.body.contains("weigert de toegang"),
        "{}",
        refused.body
    );

    // An address where nothing listens.
    let nothing = careportal_tests::smtp::free_port();
    connect_siloah(&app, &format!("http://127.0.0.1:{nothing}/fhir/R4")).await;
    let gone = admin.submit(page, "/beheer/koppeling/testen", &[]).await;
    assert!(gone.body.contains("De verbinding werkt niet:") && gone.body.contains("niet bereikbaar"), "{}", gone.body);
    let mut coordinator = staff_member(&app, "lisa@example.nl", StaffRole::Coordinator).await;
    let forged = coordinator.submit("/beheer", "/beheer/koppeling/testen", &[]).await;
    assert_eq!(forged.status, StatusCode::NOT_FOUND);
}
