//! The rights matrix (Salem): for each right the client grants a contact person and then
//! withdraws, the page and its menu entry appear and disappear, its address answers 404
//! without the right, and a change made through one instance holds on another at once.

use axum::http::StatusCode;
use careportal_domain::AccountId;
use careportal_domain::people::Relation;
use careportal_tests::client::{TestClient, csrf_of};
use careportal_tests::{Backend, TestApp, on_both_backends};

on_both_backends!(
    each_right_granted_and_withdrawn_shows_and_hides_its_page,
    a_change_on_one_instance_holds_on_another_at_once,
    only_the_client_or_representative_sets_rights_and_only_for_contact_persons,
    a_tenant_with_fixed_roles_has_no_rights_settings,
    network_messages_reach_only_those_who_may_read_them,
    a_contact_person_adds_their_own_photo_and_only_the_client_sets_the_central_one,
    a_policy_changed_by_tenant_apply_holds_at_once_on_every_instance,
    the_clients_photo_follows_the_right_to_see_home,
);

const HOST: &str = "salem.localhost";

struct Family {
    app: TestApp,
    client: careportal_domain::ClientId,
    johanna_id: AccountId,
    johanna: TestClient,
    willem: TestClient,
    willem_id: AccountId,
}

async fn family(backend: Backend) -> Family {
    let app = TestApp::new(backend).await;
    let client = app.new_client("salem", "SAL-2001", "Johanna van den Berg").await;
    let johanna_id =
        app.new_account("salem", "johanna@example.nl", "Johanna van den Berg", client, Relation::Client).await;
    let willem_id =
        app.new_account("salem", "willem@example.nl", "Willem van den Berg", client, Relation::Contact).await;
    let johanna = app.signed_in(HOST, "salem", johanna_id).await;
    let willem = app.signed_in(HOST, "salem", willem_id).await;
    Family { app, client, johanna_id, johanna, willem, willem_id }
}

/// Sets exactly `rights` for Willem, as Johanna ticks them in Beheer instellingen.
async fn set_rights(johanna: &mut TestClient, willem: AccountId, rights: &[&str]) {
    let page = johanna.get("/instellingen").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let csrf = csrf_of(&page.body).unwrap();
    let willem = willem.to_string();
    let mut fields = vec![("csrf", csrf.as_str()), ("contactpersoon", willem.as_str())];
    fields.extend(rights.iter().map(|r| ("recht", *r)));
    let saved = johanna.post("/instellingen", &fields).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
}

async fn each_right_granted_and_withdrawn_shows_and_hides_its_page(backend: Backend) {
    let mut f = family(backend).await;
    let settings = f.johanna.get("/instellingen").await;
    assert!(settings.body.contains("Geef niet iedereen automatisch alle rechten."));
    assert!(settings.body.contains("<legend>Rechten van Willem van den Berg</legend>"));
    // A new contact person starts with the least: every box empty.
    assert!(!settings.body.contains(" checked"), "no rights at the start");

    // Each right: the address that needs it, and what shows on a page only with it.
    // (right, address, what appears with the right)
    let matrix: [(&str, &str, &str); 9] = [
        ("reports:read", "/rapportages", ">Mijn dossier</a>"),
        ("my_details:read", "/mijn-gegevens", ">Mijn gegevens</a>"),
        ("questionnaires:read", "/vragenlijsten", ">Vragenlijsten</a>"),
        ("agenda:read", "/agenda", ">Mijn agenda</a>"),
        ("agenda:write", "/agenda/nieuw", "Nieuwe afspraak"),
        ("messages:read", "/berichten", ">Mijn berichten</a>"),
        ("messages:write", "/berichten", ">Stuur</button>"),
        ("prikbord:read", "/prikbord", ">Prikbord</a>"),
        ("prikbord:write", "/prikbord", ">Plaatsen</button>"),
    ];
    // A write right comes with its read right, as Beheer instellingen would be used.
    let with_read = |right: &'static str| -> Vec<&'static str> {
        match right.split_once(':') {
            Some((module, "write")) => vec![
                right,
                if module == "agenda" {
                    "agenda:read"
                } else if module == "messages" {
                    "messages:read"
                } else {
                    "prikbord:read"
                },
            ],
            _ => vec![right],
        }
    };
    for (right, path, sign) in matrix {
        let before = f.willem.get(path).await;
        assert!(before.status == StatusCode::NOT_FOUND || !before.body.contains(sign), "{path} before {right}");
        set_rights(&mut f.johanna, f.willem_id, &with_read(right)).await;
        let page = f.willem.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path} with {right}");
        let shown = if sign.ends_with("</a>") { f.willem.get("/home").await.body } else { page.body.clone() };
        assert!(shown.contains(sign), "{sign} shows with {right}");
        set_rights(&mut f.johanna, f.willem_id, &[]).await;
        let after = f.willem.get(path).await;
        assert_eq!(after.status, StatusCode::NOT_FOUND, "{path} after withdrawing {right}");
        assert!(!f.willem.get("/home").await.body.contains(sign), "{sign} gone after withdrawing {right}");
    }
    // Writing without the right is refused even when the read right is there: a new
    // appointment, a message to someone who may read it, a reply to a post Willem can see.
    set_rights(&mut f.johanna, f.willem_id, &["agenda:read", "messages:read", "prikbord:read"]).await;
    let tenant = f.app.tenant_id("salem").await;
    let kees = f.app.new_account("salem", "kees@example.nl", "Kees Visser", f.client, Relation::Contact).await;
    set_rights(&mut f.johanna, kees, &["messages:read"]).await;
    let post = careportal_domain::ids::PostId::new();
    let new_post = careportal_domain::record::prikbord::Post {
        id: post,
        client: f.client,
        parent: None,
        author: f.johanna_id,
        author_name: "Johanna van den Berg".into(),
        body: "Vandaag naar de markt".into(),
        photo_key: None,
        created_at: careportal_domain::clock::Clock::now(&f.app.clock),
    };
    f.app.store.add_post(tenant, &careportal_domain::audit::Origin::system("test"), &new_post).await.unwrap();
    assert!(f.willem.get("/prikbord").await.body.contains("Vandaag naar de markt"), "Willem reads the post");
    let csrf = csrf_of(&f.willem.get("/home").await.body).unwrap();
    let (kees_id, reply_path) = (kees.to_string(), format!("/prikbord/{post}/reactie"));
    for (path, fields) in [
        ("/agenda/nieuw", vec![("titel", "x"), ("datum", "2026-11-27"), ("begin", "10:00"), ("einde", "11:00")]),
        ("/berichten/netwerk", vec![("aan", kees_id.as_str()), ("bericht", "x")]),
        (reply_path.as_str(), vec![("reactie", "x")]),
    ] {
        let mut all = fields.clone();
        all.push(("csrf", &csrf));
        assert_eq!(f.willem.post(path, &all).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(f.app.db.count("SELECT count(*) FROM appointments", &[]).await, 0, "no appointment made");
    let posts = f.app.store.posts(tenant, f.client, 10).await.unwrap();
    assert_eq!(posts.len(), 1, "no reply stored: {posts:?}");
    set_rights(&mut f.johanna, kees, &[]).await;
    set_rights(&mut f.johanna, f.willem_id, &[]).await;
    // What was ticked is shown as ticked, and the change is in the audit log.
    set_rights(&mut f.johanna, f.willem_id, &["reports:read", "agenda:write"]).await;
    let settings = f.johanna.get("/instellingen").await;
    assert_eq!(settings.body.matches(" checked").count(), 2);
    let tenant = f.app.tenant_id("salem").await;
    let audit = f.app.store.audit(tenant, 100).await.unwrap();
    let changes: Vec<&str> = audit.iter().filter(|e| e.action == "rights.changed").map(|e| e.detail.as_str()).collect();
    assert!(
        changes.iter().any(|d| d.contains("reports:read, agenda:write") || d.contains("agenda:write, reports:read")),
        "{changes:?}"
    );
    assert!(audit.iter().filter(|e| e.action == "rights.changed").all(|e| e.actor.starts_with("account:")));
}

async fn a_change_on_one_instance_holds_on_another_at_once(backend: Backend) {
    let mut f = family(backend).await;
    let second = f.app.second_instance(careportal_tests::app::settings(true, false));
    let mut willem_elsewhere = TestClient::new(second, HOST);
    willem_elsewhere.cookies = f.willem.cookies.clone();
    assert_eq!(willem_elsewhere.get("/rapportages").await.status, StatusCode::NOT_FOUND);
    set_rights(&mut f.johanna, f.willem_id, &["reports:read"]).await;
    assert_eq!(willem_elsewhere.get("/rapportages").await.status, StatusCode::OK, "granted on one, held on the other");
    set_rights(&mut f.johanna, f.willem_id, &[]).await;
    assert_eq!(willem_elsewhere.get("/rapportages").await.status, StatusCode::NOT_FOUND, "withdrawn at once too");
}

async fn only_the_client_or_representative_sets_rights_and_only_for_contact_persons(backend: Backend) {
    let mut f = family(backend).await;
    // Willem cannot see or change rights, not even his own.
    assert_eq!(f.willem.get("/instellingen").await.status, StatusCode::NOT_FOUND);
    let home = f.willem.get("/home").await;
    let csrf = csrf_of(&home.body).unwrap();
    let willem = f.willem_id.to_string();
    let forged = f
        .willem
        .post("/instellingen", &[("csrf", &csrf), ("contactpersoon", &willem), ("recht", "reports:read")])
        .await;
    assert_eq!(forged.status, StatusCode::NOT_FOUND);
    // Both refusals are in the log, as Willem, contact person, on Johanna's behalf.
    let tenant = f.app.tenant_id("salem").await;
    let refused: Vec<_> = f
        .app
        .store
        .audit(tenant, 200)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "access.refused" && e.actor == format!("account:{}", f.willem_id))
        .collect();
    let asked: Vec<(Option<&str>, &str)> = refused.iter().map(|e| (e.object.as_deref(), e.detail.as_str())).collect();
    assert_eq!(asked, vec![(Some("settings"), "write"), (Some("settings"), "read")], "{refused:?}");
    for entry in &refused {
        assert_eq!(entry.outcome, "refused");
        assert_eq!(entry.role.as_deref(), Some("contact"));
        assert!(entry.client.is_some() && entry.on_behalf_of == entry.client.map(|c| format!("client:{c}")));
    }
    // Johanna cannot give rights to someone who is not her contact person, nor give what
    // cannot be given.
    let other = f.app.new_client("salem", "SAL-2002", "Hendrik Jansen").await;
    let marja_id = f.app.new_account("salem", "marja@example.nl", "Marja Jansen", other, Relation::Contact).await;
    let page = f.johanna.get("/instellingen").await;
    let csrf = csrf_of(&page.body).unwrap();
    let marja = marja_id.to_string();
    let stranger = f
        .johanna
        .post("/instellingen", &[("csrf", &csrf), ("contactpersoon", &marja), ("recht", "reports:read")])
        .await;
    assert_eq!(stranger.status, StatusCode::NOT_FOUND);
    let too_much = f
        .johanna
        .post("/instellingen", &[("csrf", &csrf), ("contactpersoon", &willem), ("recht", "settings:write")])
        .await;
    assert_eq!(too_much.status, StatusCode::NOT_FOUND);
    let tenant = f.app.tenant_id("salem").await;
    assert!(f.app.store.grants(tenant, f.client, marja_id).await.unwrap().is_empty(), "Marja got nothing from Johanna");
    assert!(f.app.store.grants(tenant, f.client, f.willem_id).await.unwrap().is_empty(), "nor Willem too much");

    // A representative manages the rights of the client's contact persons.
    let geertruida = f.app.new_client("salem", "SAL-2003", "Geertruida Mulder").await;
    let erik = f.app.new_account("salem", "erik@example.nl", "Erik Mulder", geertruida, Relation::Representative).await;
    let anna = f.app.new_account("salem", "anna@example.nl", "Anna Mulder", geertruida, Relation::Contact).await;
    let mut erik = f.app.signed_in(HOST, "salem", erik).await;
    set_rights(&mut erik, anna, &["my_details:read"]).await;
    let mut anna = f.app.signed_in(HOST, "salem", anna).await;
    assert_eq!(anna.get("/mijn-gegevens").await.status, StatusCode::OK);
    let contacts = anna.get("/contactpersonen").await;
    assert_eq!(contacts.status, StatusCode::OK);
    let (erik_at, anna_at) = (contacts.body.find("Erik Mulder").unwrap(), contacts.body.find("Anna Mulder").unwrap());
    assert!(anna_at < erik_at, "alphabetical by family name, then given name");
}

async fn a_tenant_with_fixed_roles_has_no_rights_settings(backend: Backend) {
    let app = TestApp::new(backend).await;
    let thomas = app.new_client("siloah", "SIL-1001", "Thomas de Vries").await;
    let account = app.new_account("siloah", "thomas@example.nl", "Thomas de Vries", thomas, Relation::Client).await;
    let mut thomas = app.signed_in("siloah.localhost", "siloah", account).await;
    for path in ["/instellingen", "/contactpersonen", "/mijn-gegevens"] {
        assert_eq!(thomas.get(path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
}

async fn network_messages_reach_only_those_who_may_read_them(backend: Backend) {
    let mut f = family(backend).await;
    let reference = careportal_domain::people::ClientReference::parse("SAL-2001").unwrap();
    let tenant = f.app.tenant_id("salem").await;
    let client = f.app.store.client_by_reference(tenant, &reference).await.unwrap().unwrap().id;
    let kees = f.app.new_account("salem", "kees@example.nl", "Kees Visser", client, Relation::Contact).await;
    let mut kees_browser = f.app.signed_in(HOST, "salem", kees).await;
    set_rights(&mut f.johanna, kees, &["messages:read"]).await;

    // Willem may not read messages yet: he is not among the recipients.
    let page = f.johanna.get("/berichten").await;
    assert!(!page.body.contains("Willem van den Berg</option>") && page.body.contains("Kees Visser</option>"));
    let willem = f.willem_id.to_string();
    let refused =
        f.johanna.submit("/berichten", "/berichten/netwerk", &[("aan", &willem), ("bericht", "Hoi Willem")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("Kies aan wie het bericht is.") && refused.body.contains("Hoi Willem"));

    set_rights(&mut f.johanna, f.willem_id, &["messages:read", "messages:write"]).await;
    let sent =
        f.johanna.submit("/berichten", "/berichten/netwerk", &[("aan", &willem), ("bericht", "Hoi Willem")]).await;
    assert_eq!(sent.header("location"), Some("/berichten?verstuurd=1"), "{}", sent.body);
    let inbox = f.willem.get("/berichten").await;
    assert!(inbox.body.contains("Hoi Willem") && inbox.body.contains("Johanna van den Berg aan Willem van den Berg"));
    let reply =
        f.willem.submit("/berichten", "/berichten/netwerk", &[("aan", &"x".repeat(3)), ("bericht", "Hallo")]).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Only sender and recipient see a message; Kees reads messages but not this one.
    assert!(!kees_browser.get("/berichten").await.body.contains("Hoi Willem"));
    // Kees may read but not send.
    let kees_page = kees_browser.get("/berichten").await;
    assert!(!kees_page.body.contains(">Stuur</button>"));
    let csrf = csrf_of(&kees_page.body).unwrap();
    let forged = kees_browser.post("/berichten/netwerk", &[("aan", &willem), ("bericht", "x"), ("csrf", &csrf)]).await;
    assert_eq!(forged.status, StatusCode::NOT_FOUND);
}

fn png() -> Vec<u8> {
    careportal_tests::fixtures::photo(80, 80, image::ImageFormat::Png)
}

async fn a_contact_person_adds_their_own_photo_and_only_the_client_sets_the_central_one(backend: Backend) {
    let mut f = family(backend).await;
    let page = f.willem.get("/contactpersonen").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("Profiel instellingen"), "only the client changes the central photo");
    let csrf = csrf_of(&page.body).unwrap();
    let own = f
        .willem
        .post_multipart("/contactpersonen/foto", &[("csrf", &csrf), ("wie", "eigen")], ("foto", "ik.png", &png()))
        .await;
    assert_eq!(own.header("location"), Some("/contactpersonen?foto=1"), "{}", own.body);
    let central = f
        .willem
        .post_multipart("/contactpersonen/foto", &[("csrf", &csrf), ("wie", "client")], ("foto", "x.png", &png()))
        .await;
    assert_eq!(central.status, StatusCode::NOT_FOUND);

    let list = f.johanna.get("/contactpersonen").await;
    let src = format!("/contactpersonen/{}/foto", f.willem_id);
    assert!(list.body.contains(&format!("src=\"{src}\" alt=\"Foto van Willem van den Berg\"")), "{}", list.body);
    let photo = f.johanna.get(&src).await;
    assert_eq!(photo.header("content-type"), Some("image/jpeg"));
    assert_eq!(image::load_from_memory(&photo.bytes).unwrap().width(), 80);

    // Johanna, the client, sets the photo in the middle; everyone in her portal sees it.
    assert!(!f.willem.get("/home").await.body.contains("/foto/client"));
    let page = f.johanna.get("/contactpersonen").await;
    assert!(page.body.contains("Profiel instellingen"));
    let csrf = csrf_of(&page.body).unwrap();
    let set = f
        .johanna
        .post_multipart("/contactpersonen/foto", &[("csrf", &csrf), ("wie", "client")], ("foto", "ik.png", &png()))
        .await;
    assert_eq!(set.status, StatusCode::SEE_OTHER);
    let home = f.willem.get("/home").await;
    let version = home.body.split("src=\"/foto/client?v=").nth(1).and_then(|rest| rest.split('"').next()).unwrap();
    assert!(home.body.contains(&format!("src=\"/foto/client?v={version}\" alt=\"Foto van Johanna van den Berg\"")));
    assert_eq!(f.willem.get("/foto/client").await.header("content-type"), Some("image/jpeg"));
    // The header has it too, as the way back to Home; the browser may keep that version.
    assert!(
        home.body.contains(&format!("class=\"header-client__photo\" src=\"/foto/client?v={version}\"")),
        "{}",
        home.body
    );
    let versioned = f.willem.get(&format!("/foto/client?v={version}")).await;
    assert_eq!(versioned.header("cache-control"), Some("private, max-age=86400, immutable"));
    assert_eq!(f.willem.get("/foto/client?v=oud").await.header("cache-control"), Some("private, no-store"));

    // Someone outside the portal: no photo, whatever the address.
    let other = f.app.new_client("salem", "SAL-2002", "Hendrik Jansen").await;
    let marja = f.app.new_account("salem", "marja@example.nl", "Marja Jansen", other, Relation::Contact).await;
    let mut marja = f.app.signed_in(HOST, "salem", marja).await;
    assert_eq!(marja.get(&src).await.status, StatusCode::NOT_FOUND);
    assert_eq!(marja.get("/foto/client").await.status, StatusCode::NOT_FOUND);
}

/// #16: a rights policy changed by `tenant apply` (here: Siloah's clients may no longer read
/// Rapportages) holds on the next request of every instance, and so does putting it back.
async fn a_policy_changed_by_tenant_apply_holds_at_once_on_every_instance(backend: Backend) {
    let app = TestApp::new(backend).await;
    let thomas = app.new_client("siloah", "SIL-1001", "Thomas de Vries").await;
    let account = app.new_account("siloah", "thomas@example.nl", "Thomas de Vries", thomas, Relation::Client).await;
    let mut here = app.signed_in("siloah.localhost", "siloah", account).await;
    let mut there =
        TestClient::new(app.second_instance(careportal_tests::app::settings(true, false)), "siloah.localhost");
    there.cookies = here.cookies.clone();
    for browser in [&mut here, &mut there] {
        assert_eq!(browser.get("/rapportages").await.status, StatusCode::OK);
    }
    let original = careportal_tests::fixtures::bundle("siloah").await;
    let mut narrower = original.clone();
    let reports = |r: &careportal_domain::tenant::PolicyRule| r.values == ["client", "reports", "read"];
    assert!(narrower.rights.rules.iter().any(reports));
    narrower.rights.rules.retain(|r| !reports(r));
    let origin = careportal_domain::audit::Origin::system("tenant apply");
    app.store.apply_tenant(&origin, &narrower).await.unwrap();
    for browser in [&mut here, &mut there] {
        assert_eq!(browser.get("/rapportages").await.status, StatusCode::NOT_FOUND, "withdrawn at once");
        assert!(!browser.get("/home").await.body.contains("href=\"/rapportages\""), "and gone from the menu");
    }
    app.store.apply_tenant(&origin, &original).await.unwrap();
    for browser in [&mut here, &mut there] {
        assert_eq!(browser.get("/rapportages").await.status, StatusCode::OK, "given back at once");
    }
}

/// #13 Low: `/foto/client` is decided by the rights like the page that shows it (Home): a
/// policy without Home for contact persons takes the photo away from them too.
async fn the_clients_photo_follows_the_right_to_see_home(backend: Backend) {
    let mut f = family(backend).await;
    let page = f.johanna.get("/contactpersonen").await;
    let csrf = csrf_of(&page.body).unwrap();
    let fields = [("csrf", csrf.as_str()), ("wie", "client")];
    let set = f.johanna.post_multipart("/contactpersonen/foto", &fields, ("foto", "ik.png", &png())).await;
    assert_eq!(set.status, StatusCode::SEE_OTHER);
    assert_eq!(f.willem.get("/foto/client").await.header("content-type"), Some("image/jpeg"));
    let mut bundle = careportal_tests::fixtures::bundle("salem").await;
    bundle.rights.rules.retain(|r| r.values != ["contact", "*", "home", "read"]);
    f.app.store.apply_tenant(&careportal_domain::audit::Origin::system("test"), &bundle).await.unwrap();
    assert_eq!(f.willem.get("/foto/client").await.status, StatusCode::NOT_FOUND, "no Home, no photo");
    assert_eq!(f.johanna.get("/foto/client").await.header("content-type"), Some("image/jpeg"), "the client keeps it");
}
