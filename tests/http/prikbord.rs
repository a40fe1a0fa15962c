//! Prikbord over HTTP on both databases: a post with a photo that comes back without its
//! metadata, replies everyone with access sees, removing as the manual says, and contact
//! persons within their rights.

use axum::http::StatusCode;
use careportal_domain::audit::Origin;
use careportal_domain::people::Relation;
use careportal_domain::rights::{Action, Grant};
use careportal_domain::tenant::Module;
use careportal_tests::client::csrf_of;
use careportal_tests::{Backend, TestApp, on_both_backends};

on_both_backends!(
    a_post_with_a_photo_replies_and_removal,
    a_file_that_is_not_a_photo_is_refused_and_the_text_kept,
    a_coordinator_removes_any_post_after_confirming,
    photos_in_s3_are_cleaned_encrypted_and_removed_with_their_post,
);

const HOST: &str = "salem.localhost";

/// A PNG photo with a made-up text chunk that must not survive.
fn photo() -> Vec<u8> {
    let image = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8 * 3, y as u8 * 4, 120]));
    let mut png = Vec::new();
    image::DynamicImage::ImageRgb8(image)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    // A tEXt chunk after the header: "Comment" = a home address.
    let text = b"Comment\0Dorpsstraat 1, thuis";
    let mut chunk = (text.len() as u32).to_be_bytes().to_vec();
    chunk.extend_from_slice(b"tEXt");
    chunk.extend_from_slice(text);
    chunk.extend_from_slice(&[0, 0, 0, 0]); // CRC is not checked by most readers; ours re-encodes anyway
    let at = 8 + 25; // signature + IHDR
    [&png[..at], &chunk[..], &png[at..]].concat()
}

/// Johanna van den Berg, Salem's client, signed in: her tenant, her client id, her browser.
async fn johanna(
    app: &TestApp,
) -> (careportal_domain::TenantId, careportal_domain::ClientId, careportal_tests::client::TestClient) {
    let tenant = app.tenant_id("salem").await;
    let client = app.new_client("salem", "SAL-2001", "Johanna van den Berg").await;
    let account =
        app.new_account("salem", "johanna@example.nl", "Johanna van den Berg", client, Relation::Client).await;
    (tenant, client, app.signed_in(HOST, "salem", account).await)
}

/// The address of the first photo on a prikbord page.
fn first_photo(board: &str) -> String {
    board.split("class=\"post__photo\" src=\"").nth(1).unwrap().split('"').next().unwrap().to_owned()
}

async fn a_post_with_a_photo_replies_and_removal(backend: Backend) {
    let app = TestApp::new(backend).await;
    let tenant = app.tenant_id("salem").await;
    let client = app.new_client("salem", "SAL-2001", "Johanna van den Berg").await;
    let johanna =
        app.new_account("salem", "johanna@example.nl", "Johanna van den Berg", client, Relation::Client).await;
    let willem = app.new_account("salem", "willem@example.nl", "Willem van den Berg", client, Relation::Contact).await;
    let kees = app.new_account("salem", "kees@example.nl", "Kees Visser", client, Relation::Contact).await;
    let (read, write) = (
        Grant { module: Module::Prikbord, action: Action::Read },
        Grant { module: Module::Prikbord, action: Action::Write },
    );
    app.store.set_grants(tenant, &Origin::system("test"), client, willem, &[read, write]).await.unwrap();
    app.store.set_grants(tenant, &Origin::system("test"), client, kees, &[read]).await.unwrap();
    let mut johanna = app.signed_in(HOST, "salem", johanna).await;
    let mut willem = app.signed_in(HOST, "salem", willem).await;
    let mut kees = app.signed_in(HOST, "salem", kees).await;

    let page = johanna.get("/prikbord").await;
    let csrf = csrf_of(&page.body).unwrap();
    let posted = johanna
        .post_multipart(
            "/prikbord",
            &[("csrf", &csrf), ("tekst", "Kijk, de tuin in bloei!")],
            ("foto", "tuin.png", &photo()),
        )
        .await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.body);

    let board = kees.get("/prikbord").await;
    assert!(board.body.contains("Kijk, de tuin in bloei!") && board.body.contains("Johanna van den Berg"));
    let photo_path = first_photo(&board.body);
    let served = kees.get(&photo_path).await;
    assert_eq!(served.header("content-type"), Some("image/jpeg"));
    assert!(!served.bytes.windows(10).any(|w| w == b"Dorpsstraa"), "metadata dropped");
    assert_eq!(image::load_from_memory(&served.bytes).unwrap().width(), 64);
    assert!(!board.body.contains("Reageer op"), "Kees may read, not write");

    // Willem replies; everyone sees it.
    let post_id = photo_path.trim_start_matches("/prikbord/").trim_end_matches("/foto").to_owned();
    let replied =
        willem.submit("/prikbord", &format!("/prikbord/{post_id}/reactie"), &[("reactie", "Prachtig, mam!")]).await;
    assert_eq!(replied.status, StatusCode::SEE_OTHER);
    assert!(kees.get("/prikbord").await.body.contains("Prachtig, mam!"));
    let csrf = csrf_of(&kees.get("/prikbord").await.body).unwrap();
    let forged = kees.post(&format!("/prikbord/{post_id}/reactie"), &[("reactie", "x"), ("csrf", &csrf)]).await;
    assert_eq!(forged.status, StatusCode::NOT_FOUND);

    // Willem may not remove Johanna's post; Johanna removes it, with its reply and photo.
    assert_eq!(willem.get(&format!("/prikbord/{post_id}/verwijderen")).await.status, StatusCode::NOT_FOUND);
    let confirm = johanna.get(&format!("/prikbord/{post_id}/verwijderen")).await;
    assert!(confirm.body.contains("Weet u zeker dat u dit bericht wilt verwijderen?"));
    let csrf = csrf_of(&confirm.body).unwrap();
    let removed = johanna.post(&format!("/prikbord/{post_id}/verwijderen"), &[("csrf", &csrf)]).await;
    assert_eq!(removed.header("location"), Some("/prikbord"));
    let board = kees.get("/prikbord").await;
    assert!(!board.body.contains("tuin in bloei") && !board.body.contains("Prachtig, mam!"));
    assert_eq!(kees.get(&photo_path).await.status, StatusCode::NOT_FOUND);
    let key = format!("prikbord/{post_id}.jpg");
    assert_eq!(app.blobs().get(tenant, &key).await.unwrap(), None, "the photo is gone from the store too");
    let audit = app.store.audit_of_client(tenant, client, 50).await.unwrap();
    assert!(
        audit.iter().any(|e| e.action == "record.viewed" && e.detail.contains("foto bij")),
        "a photo view is a read"
    );
    for action in ["prikbord.posted", "prikbord.replied", "prikbord.removed"] {
        assert!(audit.iter().any(|e| e.action == action), "{action}");
    }
}

async fn a_file_that_is_not_a_photo_is_refused_and_the_text_kept(backend: Backend) {
    let app = TestApp::new(backend).await;
    let client = app.new_client("salem", "SAL-2001", "Johanna van den Berg").await;
    let johanna =
        app.new_account("salem", "johanna@example.nl", "Johanna van den Berg", client, Relation::Client).await;
    let mut johanna = app.signed_in(HOST, "salem", johanna).await;
    let csrf = csrf_of(&johanna.get("/prikbord").await.body).unwrap();
    let refused = johanna
        .post_multipart(
            "/prikbord",
            &[("csrf", &csrf), ("tekst", "Mijn verhaal")],
            ("foto", "virus.png", b"MZ\x90\x00 not a photo"),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("Dit is geen foto die wij kunnen lezen") && refused.body.contains("Mijn verhaal"));
    let empty = johanna.post_multipart("/prikbord", &[("csrf", &csrf), ("tekst", "  ")], ("foto", "", b"")).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.body.contains("Schrijf een bericht of kies een foto."));
}

async fn a_coordinator_removes_any_post_after_confirming(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (tenant, client, mut johanna) = johanna(&app).await;
    let csrf = csrf_of(&johanna.get("/prikbord").await.body).unwrap();
    johanna.post_multipart("/prikbord", &[("csrf", &csrf), ("tekst", "Iets wat weg moet")], ("foto", "", b"")).await;
    let own = app.new_client("salem", "STAFF-1", "Eigen Dossier").await;
    let ria = app.new_account("salem", "ria@salem.nl", "Ria Pauw", own, Relation::Client).await;
    app.coordinator_of_every_client("salem", ria).await;
    let mut ria = app.signed_in(HOST, "salem", ria).await;
    let page = ria.get("/beheer/clienten/SAL-2001/prikbord").await;
    assert!(page.body.contains("Iets wat weg moet"), "{}", page.body);
    let id = page.body.split("name=\"bericht\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let csrf = csrf_of(&page.body).unwrap();
    // Without ticking the confirmation, nothing happens.
    ria.post("/beheer/clienten/SAL-2001/prikbord", &[("csrf", &csrf), ("bericht", &id)]).await;
    assert!(johanna.get("/prikbord").await.body.contains("Iets wat weg moet"));
    ria.post("/beheer/clienten/SAL-2001/prikbord", &[("csrf", &csrf), ("bericht", &id), ("bevestig", "ja")]).await;
    assert!(!johanna.get("/prikbord").await.body.contains("Iets wat weg moet"));
    let audit = app.store.audit_of_client(tenant, client, 50).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "prikbord.removed" && e.actor.starts_with("account:")));
}

/// #16: with documents in S3 (production), a prikbord photo and a contact person's photo
/// are stored there cleaned, under the tenant's prefix and encrypted, served only through
/// the portal, and a removed post takes its photo out of the bucket.
async fn photos_in_s3_are_cleaned_encrypted_and_removed_with_their_post(backend: Backend) {
    let moto = careportal_tests::moto::Moto::start().await;
    let blobs = moto.blobs("fotos").await;
    let s3 = moto.s3();
    let app = TestApp::builder(backend).blobs(blobs).build().await;
    let (tenant, _, mut johanna) = johanna(&app).await;

    let csrf = csrf_of(&johanna.get("/prikbord").await.body).unwrap();
    let fields = [("csrf", csrf.as_str()), ("tekst", "De tuin")];
    let posted = johanna.post_multipart("/prikbord", &fields, ("foto", "tuin.png", &photo())).await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.body);
    let board = johanna.get("/prikbord").await;
    let photo_path = first_photo(&board.body);
    let post_id = photo_path.trim_start_matches("/prikbord/").trim_end_matches("/foto").to_owned();
    let key = format!("tenants/{tenant}/prikbord/{post_id}.jpg");
    let head = s3.head_object().bucket("fotos").key(&key).send().await.unwrap();
    assert_eq!(head.server_side_encryption().map(|e| e.as_str()), Some("AES256"));
    let object = s3.get_object().bucket("fotos").key(&key).send().await.unwrap();
    let stored = object.body.collect().await.unwrap().into_bytes();
    assert!(!stored.windows(10).any(|w| w == b"Dorpsstraa"), "stored without its metadata");
    assert_eq!(johanna.get(&photo_path).await.bytes, stored.to_vec(), "served from S3 as stored");

    // Her own photo on Contactpersonen lands in the bucket as well.
    let csrf = csrf_of(&johanna.get("/contactpersonen").await.body).unwrap();
    let fields = [("csrf", csrf.as_str()), ("wie", "eigen")];
    let own = johanna.post_multipart("/contactpersonen/foto", &fields, ("foto", "ik.png", &photo())).await;
    assert_eq!(own.status, StatusCode::SEE_OTHER, "{}", own.body);
    let listed = s3.list_objects_v2().bucket("fotos").prefix(format!("tenants/{tenant}/")).send().await.unwrap();
    assert_eq!(listed.contents().len(), 2, "{:?}", listed.contents());

    let path = format!("/prikbord/{post_id}/verwijderen");
    let removed = johanna.submit(&path, &path, &[]).await;
    assert_eq!(removed.header("location"), Some("/prikbord"));
    assert!(s3.head_object().bucket("fotos").key(&key).send().await.is_err(), "the photo left the bucket");
    let listed = s3.list_objects_v2().bucket("fotos").prefix(format!("tenants/{tenant}/")).send().await.unwrap();
    assert_eq!(listed.contents().len(), 1, "her own photo stays");
}
