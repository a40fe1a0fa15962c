//! What the two manuals promise on every page (#15), over HTTP on both databases: the
//! portal's address takes a signed-in person Home, each tenant's sign-in texts follow its own
//! policy, Beheer offers only what the tenant's clients have, the client at the top of the
//! page and the name's menu, one's own photo in Mijn profiel, the tenant's FAQ, and what
//! Salem's Home shows first, each only with its right.

use axum::http::StatusCode;
use careportal_domain::people::Relation;
use careportal_domain::staff::StaffRole;
use careportal_tests::client::{TestClient, csrf_of};
use careportal_tests::{Backend, TestApp, on_both_backends};

on_both_backends!(
    a_suspended_tenant_answers_only_a_notice_until_it_is_resumed,
    the_portal_address_takes_a_signed_in_person_home,
    each_tenant_says_when_it_asks_a_code,
    beheer_offers_only_what_the_tenants_clients_have,
    the_header_shows_the_client_and_the_name_opens_a_menu,
    mijn_profiel_sets_and_removes_ones_own_photo_and_the_client_the_one_at_the_top,
    help_carries_the_tenants_own_questions_and_answers,
    salem_home_shows_appointments_posts_and_messages_each_with_its_right,
    larger_letters_and_easy_reading_are_remembered_for_the_person,
);

const PASSWORD: &str = "Zonnebloem!Tafel7";

fn png() -> Vec<u8> {
    careportal_tests::fixtures::photo(64, 64, image::ImageFormat::Png)
}

async fn the_portal_address_takes_a_signed_in_person_home(backend: Backend) {
    let app = TestApp::new(backend).await;
    let client = app.new_client("siloah", "SIL-1001", "Thomas de Vries").await;
    let ingrid =
        app.new_account("siloah", "ingrid@example.nl", "Ingrid de Vries", client, Relation::Representative).await;
    let mut ingrid = app.signed_in("siloah.localhost", "siloah", ingrid).await;
    let root = ingrid.get("/").await;
    assert_eq!(root.status, StatusCode::SEE_OTHER);
    assert_eq!(root.header("location"), Some("/home"));
    // Signed out again, the same address is the welcome page with its way in.
    let home = ingrid.get("/home").await;
    let csrf = csrf_of(&home.body).unwrap();
    ingrid.post("/uitloggen", &[("csrf", &csrf)]).await;
    let welcome = ingrid.get("/").await;
    assert_eq!(welcome.status, StatusCode::OK);
    assert!(welcome.body.contains("href=\"/inloggen\""));
    // Half-way through signing in is not signed in: the welcome page too.
    app.person("siloah", "anna@example.nl", PASSWORD, false).await;
    let mut anna = app.client("siloah.localhost");
    anna.submit("/inloggen", "/inloggen", &[("gebruikersnaam", "anna@example.nl"), ("wachtwoord", PASSWORD)]).await;
    assert_eq!(anna.get("/").await.status, StatusCode::OK);
}

async fn each_tenant_says_when_it_asks_a_code(backend: Backend) {
    let app = TestApp::new(backend).await;
    // Salem: SMS only, the first time, on a new device and after 90 days. No app anywhere.
    let login = app.get("salem.localhost", "/inloggen").await;
    assert!(!login.body.contains("Authenticator"), "{}", login.body);
    assert!(!login.body.contains("Iedere keer"), "{}", login.body);
    assert!(!login.body.contains("id=\"code\""), "the code is asked on the next page, when needed");
    assert!(login.body.contains("meer dan 90 dagen niet heeft ingelogd"), "{}", login.body);
    // Siloah: a code at every login, typed here or asked by SMS.
    let login = app.get("siloah.localhost", "/inloggen").await;
    assert!(login.body.contains("id=\"code\"") && login.body.contains("De code uit uw Authenticator App"));

    let willem = app.person("salem", "willem@example.nl", PASSWORD, false).await;
    let mut salem = app.client("salem.localhost");
    let fields = [("gebruikersnaam", "willem@example.nl"), ("wachtwoord", PASSWORD)];
    let first = salem.submit("/inloggen", "/inloggen", &fields).await;
    assert_eq!(first.header("location"), Some("/inloggen/activeren"));
    let choice = salem.get("/inloggen/activeren").await;
    assert!(choice.body.contains("De eerste keer, op een ander apparaat en na meer dan 90 dagen"), "{}", choice.body);
    assert!(!choice.body.contains("Iedere keer") && !choice.body.contains("Authenticator"), "{}", choice.body);
    let siloah_policy = careportal_domain::tenant::AuthPolicy::default();
    assert!(siloah_policy.sms_explanation().starts_with("Iedere keer dat u inlogt"));

    // With an SMS factor, on a new device: the code page says why the SMS comes, and the
    // cookie advice of the FAQ.
    let tenant = app.tenant_id("salem").await;
    let origin = careportal_domain::audit::Origin::system("test");
    app.store.set_sms_factor(tenant, &origin, willem, "+31612345678").await.unwrap();
    let mut device = app.client("salem.localhost");
    let asked = device.submit("/inloggen", "/inloggen", &fields).await;
    assert_eq!(asked.header("location"), Some("/inloggen/code"));
    let code = device.get("/inloggen/code").await;
    assert!(code.body.contains("Waarom krijg ik een SMS?"), "{}", code.body);
    assert!(code.body.contains("Dan worden de cookies op uw computer"), "{}", code.body);
    // Siloah asks every time: no advice to keep cookies.
    let anna = app.person("siloah", "anna@example.nl", PASSWORD, false).await;
    app.store.set_sms_factor(app.tenant_id("siloah").await, &origin, anna, "+31612345678").await.unwrap();
    let mut siloah = app.client("siloah.localhost");
    siloah.submit("/inloggen", "/inloggen", &[("gebruikersnaam", "anna@example.nl"), ("wachtwoord", PASSWORD)]).await;
    assert!(!siloah.get("/inloggen/code").await.body.contains("Waarom krijg ik een SMS?"));
}

async fn coordinator(app: &TestApp, slug: &str, host: &str) -> TestClient {
    let own = app.new_client(slug, &format!("EIGEN-{slug}"), "Eigen Dossier").await;
    let lisa = app.new_account(slug, &format!("lisa@{slug}.example"), "Lisa Smit", own, Relation::Client).await;
    app.coordinator_of_every_client(slug, lisa).await;
    app.signed_in(host, slug, lisa).await
}

async fn beheer_offers_only_what_the_tenants_clients_have(backend: Backend) {
    let app = TestApp::new(backend).await;
    let johanna = app.new_client("salem", "SAL-2001", "Johanna van den Berg").await;
    let mut lisa = coordinator(&app, "salem", "salem.localhost").await;
    let overview = lisa.get("/beheer").await;
    // "U kunt de zorg geen berichten sturen": no thread for Salem's staff to answer, and no
    // care plans at Salem at all; the prikbord is Salem's.
    assert!(!overview.body.contains("Berichten van Johanna"), "{}", overview.body);
    assert!(!overview.body.contains("Begeleidingsplan aanbieden"), "{}", overview.body);
    assert!(overview.body.contains("Prikbord van Johanna van den Berg"), "{}", overview.body);
    assert_eq!(lisa.get("/beheer/clienten/SAL-2001/berichten").await.status, StatusCode::NOT_FOUND);
    let csrf = csrf_of(&overview.body).unwrap();
    let answer = lisa.post("/beheer/clienten/SAL-2001/berichten", &[("csrf", &csrf), ("antwoord", "Hallo")]).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_eq!(lisa.get("/beheer/clienten/SAL-2001/begeleidingsplan").await.status, StatusCode::NOT_FOUND);
    assert_eq!(lisa.get("/beheer/clienten/SAL-2001/prikbord").await.status, StatusCode::OK);
    let tenant = app.tenant_id("salem").await;
    let audit = app.store.audit(tenant, 50).await.unwrap();
    assert!(
        audit.iter().any(|e| e.outcome == "refused" && e.detail == "messages"),
        "the refusal is in the log: {audit:?}"
    );
    assert!(app.store.care_messages(tenant, johanna, 10).await.unwrap().is_empty());

    // Siloah, whose clients write to the Coördinator zorg, keeps both.
    app.new_client("siloah", "SIL-1001", "Thomas de Vries").await;
    let mut siloah = coordinator(&app, "siloah", "siloah.localhost").await;
    let overview = siloah.get("/beheer").await;
    assert!(overview.body.contains("Berichten van Thomas de Vries"));
    assert!(overview.body.contains("Begeleidingsplan aanbieden voor Thomas de Vries"));
    assert!(!overview.body.contains("Prikbord van"), "Siloah has no prikbord");
}

async fn the_header_shows_the_client_and_the_name_opens_a_menu(backend: Backend) {
    let app = TestApp::new(backend).await;
    let client = app.new_client("siloah", "SIL-1001", "Thomas de Vries").await;
    let ingrid =
        app.new_account("siloah", "ingrid@example.nl", "Ingrid de Vries", client, Relation::Representative).await;
    let tenant = app.tenant_id("siloah").await;
    let origin = careportal_domain::audit::Origin::system("test");
    app.store.add_staff_role(tenant, &origin, ingrid, StaffRole::Coordinator).await.unwrap();
    let mut ingrid = app.signed_in("siloah.localhost", "siloah", ingrid).await;
    for path in ["/home", "/rapportages", "/profiel"] {
        let page = ingrid.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        // No photo yet: Thomas's initials, as the way back to Home.
        let header = page.body.split("<header").nth(1).unwrap().split("</header>").next().unwrap();
        assert!(header.contains("<a class=\"header-client\" href=\"/home\">"), "{path}: {header}");
        assert!(header.contains(">TV</span>"), "{path}: {header}");
        assert!(header.contains("Home: dossier van Thomas de Vries"), "{path}: {header}");
        // The name opens Mijn profiel, Beheer (staff) and Uitloggen.
        let menu = header.split("<div class=\"user-menu\"").nth(1).unwrap();
        assert!(menu.contains("aria-expanded=\"false\" aria-controls=\"gebruikersmenu\""), "{path}: {menu}");
        assert!(menu.contains("Ingrid de Vries</button>"), "{path}: {menu}");
        for item in ["href=\"/profiel\">Mijn profiel</a>", "href=\"/beheer\">Beheer</a>", ">Uitloggen</button>"] {
            assert!(menu.contains(item), "{path}: {item} in {menu}");
        }
    }
    // Signing out asks the browser to forget what it kept of the portal (the photo).
    let home = ingrid.get("/home").await;
    let out = ingrid.post("/uitloggen", &[("csrf", &csrf_of(&home.body).unwrap())]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(out.header("clear-site-data"), Some("\"cache\""));
}

async fn upload(browser: &mut TestClient, whose: &str, action: &str, file: &[u8]) -> careportal_tests::TestResponse {
    let page = browser.get("/profiel").await;
    let csrf = csrf_of(&page.body).unwrap();
    let done = browser
        .post_multipart(
            "/profiel/foto",
            &[("csrf", &csrf), ("wie", whose), ("actie", action)],
            ("foto", "ik.png", file),
        )
        .await;
    match done.header("location") {
        Some(location) if done.status == StatusCode::SEE_OTHER => {
            let location = location.to_owned();
            browser.get(&location).await
        }
        _ => done,
    }
}

async fn mijn_profiel_sets_and_removes_ones_own_photo_and_the_client_the_one_at_the_top(backend: Backend) {
    let app = TestApp::new(backend).await;
    let client = app.new_client("siloah", "SIL-1001", "Thomas de Vries").await;
    let thomas_id = app.new_account("siloah", "thomas@example.nl", "Thomas de Vries", client, Relation::Client).await;
    let ingrid =
        app.new_account("siloah", "ingrid@example.nl", "Ingrid de Vries", client, Relation::Representative).await;
    let mut ingrid = app.signed_in("siloah.localhost", "siloah", ingrid).await;
    let profile = ingrid.get("/profiel").await;
    assert!(profile.body.contains("U heeft nog geen foto."), "{}", profile.body);
    assert!(!profile.body.contains("Foto bovenin uw portaal"), "only the client sets the photo at the top");

    // Not a photo: said in Dutch, nothing stored.
    let refused = upload(&mut ingrid, "eigen", "opslaan", b"geen foto").await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("role=\"alert\""), "{}", refused.body);
    assert_eq!(ingrid.get("/profiel/foto").await.status, StatusCode::NOT_FOUND);

    let saved = upload(&mut ingrid, "eigen", "opslaan", &png()).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert!(saved.body.contains("De foto is opgeslagen."), "{}", saved.body);
    assert!(saved.body.contains("src=\"/profiel/foto?v="), "{}", saved.body);
    let photo = ingrid.get("/profiel/foto").await;
    assert_eq!(photo.header("content-type"), Some("image/jpeg"));
    assert_eq!(image::load_from_memory(&photo.bytes).unwrap().width(), 64);
    // A representative cannot set the client's photo.
    assert_eq!(upload(&mut ingrid, "client", "opslaan", &png()).await.status, StatusCode::NOT_FOUND);

    let removed = upload(&mut ingrid, "eigen", "verwijderen", &[]).await;
    assert!(removed.body.contains("De foto is verwijderd."), "{}", removed.body);
    assert_eq!(ingrid.get("/profiel/foto").await.status, StatusCode::NOT_FOUND);

    // Thomas, the client, sets the photo at the top; everyone in his portal sees it there.
    let mut thomas = app.signed_in("siloah.localhost", "siloah", thomas_id).await;
    assert!(thomas.get("/profiel").await.body.contains("Foto bovenin uw portaal"));
    let set = upload(&mut thomas, "client", "opslaan", &png()).await;
    assert!(set.body.contains("De foto is opgeslagen."), "{}", set.body);
    let home = ingrid.get("/home").await;
    assert!(home.body.contains("class=\"header-client__photo\" src=\"/foto/client?v="), "{}", home.body);
    assert!(!home.body.contains(">TV</span>"));
    let gone = upload(&mut thomas, "client", "verwijderen", &[]).await;
    assert!(gone.body.contains("De foto is verwijderd."));
    assert!(ingrid.get("/home").await.body.contains(">TV</span>"));

    let tenant = app.tenant_id("siloah").await;
    let audit = app.store.audit(tenant, 100).await.unwrap();
    for action in ["photo.own_set", "photo.own_removed", "photo.client_set", "photo.client_removed"] {
        assert!(audit.iter().any(|e| e.action == action), "{action} in the log");
    }
}

async fn help_carries_the_tenants_own_questions_and_answers(backend: Backend) {
    let app = TestApp::new(backend).await;
    let client = app.new_client("salem", "SAL-2001", "Johanna van den Berg").await;
    let johanna =
        app.new_account("salem", "johanna@example.nl", "Johanna van den Berg", client, Relation::Client).await;
    let mut johanna = app.signed_in("salem.localhost", "salem", johanna).await;
    let help = johanna.get("/help").await;
    assert_eq!(help.status, StatusCode::OK);
    for expected in [
        "Veelgestelde vragen",
        "Chrome, Firefox en Safari",
        "dan worden de cookies op uw computer steeds verwijderd",
        "bij het eerstvolgende contact met de behandelaar",
        "geen nieuwe rapportages te zien",
        "door uw eigen apparatuur of instellingen",
        "let op: zonder trema op de e",
    ] {
        assert!(help.body.contains(expected), "{expected:?} in {}", help.body);
    }
    let siloah = app.new_client("siloah", "SIL-1001", "Thomas de Vries").await;
    let thomas = app.new_account("siloah", "thomas@example.nl", "Thomas de Vries", siloah, Relation::Client).await;
    let mut thomas = app.signed_in("siloah.localhost", "siloah", thomas).await;
    let help = thomas.get("/help").await;
    assert!(!help.body.contains("Veelgestelde vragen") && !help.body.contains("trema"), "Salem's texts stay Salem's");
}

async fn salem_home_shows_appointments_posts_and_messages_each_with_its_right(backend: Backend) {
    let app = TestApp::new(backend).await;
    let client = app.new_client("salem", "SAL-2001", "Johanna van den Berg").await;
    let johanna_id =
        app.new_account("salem", "johanna@example.nl", "Johanna van den Berg", client, Relation::Client).await;
    let willem_id =
        app.new_account("salem", "willem@example.nl", "Willem van den Berg", client, Relation::Contact).await;
    let mut johanna = app.signed_in("salem.localhost", "salem", johanna_id).await;
    let mut willem = app.signed_in("salem.localhost", "salem", willem_id).await;
    let empty = johanna.get("/home").await;
    assert!(empty.body.contains("Komende afspraken") && empty.body.contains("Er staan de komende weken geen"));

    // The clock stands on 25 November 2026.
    let fields =
        [("titel", "Kapper"), ("datum", "2026-11-27"), ("begin", "10:00"), ("einde", "10:45"), ("waar", "Salon Els")];
    johanna.submit("/agenda/nieuw", "/agenda/nieuw", &fields).await;
    let page = johanna.get("/prikbord").await;
    let csrf = csrf_of(&page.body).unwrap();
    johanna
        .post_multipart(
            "/prikbord",
            &[("csrf", &csrf), ("tekst", "De tuin staat in bloei!")],
            ("foto", "t.png", &png()),
        )
        .await;
    // Willem may write messages, and sends Johanna one.
    let settings = johanna.get("/instellingen").await;
    let willem_key = willem_id.to_string();
    let csrf = csrf_of(&settings.body).unwrap();
    johanna
        .post(
            "/instellingen",
            &[
                ("csrf", &csrf),
                ("contactpersoon", &willem_key),
                ("recht", "messages:read"),
                ("recht", "messages:write"),
            ],
        )
        .await;
    let johanna_key = johanna_id.to_string();
    let sent =
        willem.submit("/berichten", "/berichten/netwerk", &[("aan", &johanna_key), ("bericht", "Ik kom zondag")]).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);

    let home = johanna.get("/home").await;
    for expected in ["Kapper", "Salon Els", "De tuin staat in bloei!", "Ik kom zondag", "van Willem van den Berg"] {
        assert!(home.body.contains(expected), "{expected:?} on Johanna's Home: {}", home.body);
    }
    // Willem holds only the messages right: no agenda and no prikbord on his Home.
    let his = willem.get("/home").await;
    assert!(!his.body.contains("Komende afspraken") && !his.body.contains("Kapper"), "{}", his.body);
    assert!(!his.body.contains("De tuin staat in bloei!"), "{}", his.body);
    assert!(his.body.contains("Berichten voor u"));
    assert!(!his.body.contains("Ik kom zondag"), "his own message is not one he received");

    // Each glance is a read of its module, in the log.
    let tenant = app.tenant_id("salem").await;
    let audit = app.store.audit_of_client(tenant, client, 200).await.unwrap();
    let johanna_actor = format!("account:{johanna_id}");
    for module in ["agenda", "prikbord", "messages"] {
        assert!(
            audit.iter().any(|e| e.actor == johanna_actor
                && e.action == "record.viewed"
                && e.object.as_deref() == Some(module)
                && e.detail.starts_with("startpagina")),
            "{module}"
        );
    }
}

async fn larger_letters_and_easy_reading_are_remembered_for_the_person(backend: Backend) {
    let app = TestApp::new(backend).await;
    let client = app.new_client("siloah", "SIL-1001", "Thomas de Vries").await;
    let thomas = app.new_account("siloah", "thomas@example.nl", "Thomas de Vries", client, Relation::Client).await;
    let mut browser = app.signed_in("siloah.localhost", "siloah", thomas).await;
    let page = browser.get("/rapportages").await;
    assert!(page.body.contains("<html lang=\"nl\" class=\"\">"), "nothing chosen yet");
    assert!(page.body.contains("aria-pressed=\"false\"><span aria-hidden=\"true\">A+</span> Grotere letters"));
    assert!(!page.body.contains("class=\"pictogram\""));

    // Pressed on Rapportages, the switch answers with Rapportages.
    let csrf = csrf_of(&page.body).unwrap();
    browser.headers.push(("referer".to_owned(), "http://siloah.localhost/rapportages?periode=week".to_owned()));
    let on = browser.post("/weergave", &[("csrf", &csrf), ("instelling", "grotere-letters"), ("aan", "ja")]).await;
    assert_eq!(on.header("location"), Some("/rapportages?periode=week"));
    let on = browser.post("/weergave", &[("csrf", &csrf), ("instelling", "makkelijk-lezen"), ("aan", "ja")]).await;
    assert_eq!(on.status, StatusCode::SEE_OTHER);
    browser.headers.clear();

    // Another device, another session: the same choice, for the person.
    let mut elsewhere = app.signed_in("siloah.localhost", "siloah", thomas).await;
    let page = elsewhere.get("/rapportages").await;
    assert!(page.body.contains("<html lang=\"nl\" class=\"text-large easy-read\">"), "{}", &page.body[..300]);
    assert!(page.body.contains("aria-pressed=\"true\"><span aria-hidden=\"true\">A+</span> Grotere letters"));
    // Makkelijk lezen: a pictogram per part of the menu, and the part said simply.
    assert!(
        page.body.contains("<span class=\"pictogram\" aria-hidden=\"true\">📝</span> Rapportages"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Hier staat wat de begeleiding over u schrijft."));
    // A refused form changes nothing; an unknown switch is unknown.
    let refused =
        elsewhere.post("/weergave", &[("csrf", "x"), ("instelling", "grotere-letters"), ("aan", "nee")]).await;
    assert_eq!(refused.header("location"), Some("/home"));
    let csrf = csrf_of(&page.body).unwrap();
    let unknown = elsewhere.post("/weergave", &[("csrf", &csrf), ("instelling", "kleur"), ("aan", "ja")]).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(elsewhere.get("/home").await.body.contains("class=\"text-large easy-read\""));
    let off = elsewhere.post("/weergave", &[("csrf", &csrf), ("instelling", "grotere-letters"), ("aan", "nee")]).await;
    assert_eq!(off.header("location"), Some("/home"), "without a Referer of this portal: Home");
    assert!(browser.get("/home").await.body.contains("<html lang=\"nl\" class=\" easy-read\">"));
    // Signed out, the switches are not there at all.
    assert_eq!(
        app.client("siloah.localhost").post("/weergave", &[("instelling", "grotere-letters")]).await.header("location"),
        Some("/inloggen")
    );
}

/// #11: a suspended tenant's portal answers only a notice at every address, signed in or
/// not, naming nothing but the portal and the organisation; other tenants go on; resumed,
/// all is as it was.
async fn a_suspended_tenant_answers_only_a_notice_until_it_is_resumed(backend: Backend) {
    let app = TestApp::new(backend).await;
    let thomas = app.new_client("siloah", "SIL-1001", "Thomas de Vries").await;
    let ingrid =
        app.new_account("siloah", "ingrid@example.nl", "Ingrid de Vries", thomas, Relation::Representative).await;
    let mut ingrid = app.signed_in("siloah.localhost", "siloah", ingrid).await;
    assert_eq!(ingrid.get("/home").await.status, StatusCode::OK);
    let tenant = app.tenant_id("siloah").await;
    let operator = careportal_domain::audit::Origin::system("cli");
    assert!(app.store.set_tenant_suspended(&operator, tenant, true).await.unwrap());
    assert!(!app.store.set_tenant_suspended(&operator, tenant, true).await.unwrap(), "already");

    for path in ["/", "/inloggen", "/home", "/theme.css", "/beheer"] {
        let answer = app.get("siloah.localhost", path).await;
        assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert!(answer.body.contains("Het portaal is op dit moment niet beschikbaar."), "{path}: {}", answer.body);
    }
    let home = ingrid.get("/home").await;
    assert_eq!(home.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(!home.body.contains("Thomas"), "nothing of the record");
    let posted = ingrid.post("/berichten", &[("bericht", "Hallo")]).await;
    assert_eq!(posted.status, StatusCode::SERVICE_UNAVAILABLE, "nothing is written either");
    assert_eq!(app.get("salem.localhost", "/inloggen").await.status, StatusCode::OK, "Salem goes on");

    assert!(app.store.set_tenant_suspended(&operator, tenant, false).await.unwrap());
    assert_eq!(ingrid.get("/home").await.status, StatusCode::OK, "the session is still there");
    let actions: Vec<String> = app.store.audit(tenant, 50).await.unwrap().into_iter().map(|e| e.action).collect();
    assert!(actions.contains(&"tenant.suspended".to_owned()) && actions.contains(&"tenant.resumed".to_owned()));
}
