//! Beheer › Huisstijl over HTTP on both databases (#11): the tenant administrator changes a
//! colour and the support contact; a colour without enough contrast is refused with the
//! ratio and what was typed kept; the preview saves nothing; a save reaches every instance
//! at once and is audited. Nobody else reaches the page, nor another tenant's administrator.

use crate::staff::{HOST, staff};
use axum::http::StatusCode;
use careportal_domain::audit::Origin;
use careportal_domain::people::Relation;
use careportal_domain::staff::StaffRole;
use careportal_tests::client::TestClient;
use careportal_tests::{Backend, TestApp, on_both_backends};

on_both_backends!(
    an_administrator_changes_the_colours_and_a_low_contrast_one_is_refused,
    an_administrator_uploads_a_logo_and_one_with_script_is_refused,
);

const FIELDS: [&str; 14] = [
    "portaalnaam",
    "ondertitel",
    "logotekst",
    "hoofdkleur",
    "accentkleur",
    "achtergrondkleur",
    "tekstkleur",
    "servicedesk",
    "email",
    "telefoon",
    "bereikbaar",
    "website",
    "handleiding",
    "videos",
];

/// The form's values as the page shows them, unescaped as a browser reads them.
fn fields(body: &str) -> Vec<(String, String)> {
    FIELDS
        .iter()
        .map(|name| {
            let marker = format!("name=\"{name}\"");
            let at = body.find(&marker).unwrap_or_else(|| panic!("{marker}: {body}"));
            let value = body[at..].split("value=\"").nth(1).unwrap().split('"').next().unwrap();
            let value = value
                .replace("&#x2F;", "/")
                .replace("&quot;", "\"")
                .replace("&#x27;", "'")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&");
            ((*name).to_owned(), value)
        })
        .collect()
}

async fn send(client: &mut TestClient, form: &[(String, String)], stap: &str) -> careportal_tests::TestResponse {
    let mut typed: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    typed.push(("stap", stap));
    client.submit("/beheer/huisstijl", "/beheer/huisstijl", &typed).await
}

fn set(form: &mut [(String, String)], key: &str, value: &str) {
    form.iter_mut().find(|(k, _)| k == key).unwrap().1 = value.to_owned();
}

async fn an_administrator_changes_the_colours_and_a_low_contrast_one_is_refused(backend: Backend) {
    let app = TestApp::new(backend).await;
    let tenant = app.tenant_id("siloah").await;
    let thomas = app.new_client("siloah", "SIL-1001", "Thomas de Vries").await;
    let ingrid =
        app.new_account("siloah", "ingrid@example.nl", "Ingrid de Vries", thomas, Relation::Representative).await;
    let mut ingrid = app.signed_in(HOST, "siloah", ingrid).await;
    let second = app.second_instance(careportal_tests::app::settings(true, false));
    let mut ingrid_elsewhere = TestClient::new(second, HOST);
    ingrid_elsewhere.cookies = ingrid.cookies.clone();
    assert!(ingrid_elsewhere.get("/theme.css").await.body.contains("--cp-primary: #1d4f91;"));
    let mut beheer = staff(&app, "beheer@siloah.nl", "Bea Heer", StaffRole::Admin).await;
    let mut lisa = staff(&app, "lisa@siloah.nl", "Lisa Smit", StaffRole::Coordinator).await;
    assert_eq!(lisa.get("/beheer/huisstijl").await.status, StatusCode::NOT_FOUND, "not the coordinator's");
    assert_eq!(lisa.get("/beheer/huisstijl/voorbeeld.css").await.status, StatusCode::NOT_FOUND);

    let page = beheer.get("/beheer/huisstijl").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Witte tekst op de hoofdkleur (kop en knoppen)"), "the ratios are shown");
    let mut form = fields(&page.body);
    assert_eq!(form.iter().find(|(k, _)| k == "hoofdkleur").unwrap().1, "#1d4f91");
    let version = app.store.tenant_by_slug("siloah").await.unwrap().unwrap().version;

    // Light yellow under white text: refused, the ratio named, what was typed kept.
    set(&mut form, "hoofdkleur", "#f5e663");
    set(&mut form, "bereikbaar", "elke werkdag van 9 tot 17 uur");
    let bad = send(&mut beheer, &form, "opslaan").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Er is nog niets opgeslagen."), "{}", bad.body);
    assert!(bad.body.contains("Te weinig contrast voor witte tekst op de hoofdkleur"), "{}", bad.body);
    assert!(bad.body.contains("1,2") && bad.body.contains("Te weinig"), "the ratio in the table: {}", bad.body);
    assert!(bad.body.contains("value=\"#f5e663\"") && bad.body.contains("value=\"elke werkdag van 9 tot 17 uur\""));
    assert!(!bad.body.contains("voorbeeld.css"), "no preview of a scheme that fails");
    // Not a colour at all.
    set(&mut form, "hoofdkleur", "blauw");
    let not_a_colour = send(&mut beheer, &form, "voorbeeld").await;
    assert_eq!(not_a_colour.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(not_a_colour.body.contains("&quot;blauw&quot; is geen kleur"), "{}", not_a_colour.body);

    // A darker green: the preview first, which saves nothing.
    set(&mut form, "hoofdkleur", "#1b5e20");
    let preview = send(&mut beheer, &form, "voorbeeld").await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    assert!(preview.body.contains("Er is nog niets opgeslagen."));
    let css = preview.body.split("href=\"/beheer/huisstijl/voorbeeld.css?").nth(1).unwrap().split('"').next().unwrap();
    let css = beheer.get(&format!("/beheer/huisstijl/voorbeeld.css?{}", css.replace("&amp;", "&"))).await;
    assert!(css.body.contains("--cp-primary: #1b5e20;"), "{}", css.body);
    assert_eq!(app.store.tenant_by_slug("siloah").await.unwrap().unwrap().version, version);
    // Only colours reach the stylesheet.
    let injected = beheer.get("/beheer/huisstijl/voorbeeld.css?hoofdkleur=000%7D%20body%7Bdisplay:none").await;
    assert!(injected.body.contains("--cp-primary: #1d4f91;") && !injected.body.contains("display"));

    // Saved: every instance serves it at once.
    let saved = send(&mut beheer, &form, "opslaan").await;
    assert_eq!(saved.header("location"), Some("/beheer/huisstijl?opgeslagen=1"), "{}", saved.body);
    assert!(ingrid.get("/theme.css").await.body.contains("--cp-primary: #1b5e20;"));
    assert!(ingrid_elsewhere.get("/theme.css").await.body.contains("--cp-primary: #1b5e20;"), "the other instance");
    let help = ingrid_elsewhere.get("/help").await;
    assert!(help.body.contains("elke werkdag van 9 tot 17 uur"), "{}", help.body);
    let stored = app.store.tenant_by_slug("siloah").await.unwrap().unwrap();
    assert_eq!(stored.version, version + 1);
    assert_eq!(stored.config.branding.tagline.as_deref(), Some("Delen door liefde"), "the rest is kept");
    let audit = app.store.audit(tenant, 100).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "tenant.applied" && e.actor.starts_with("account:")), "audited");

    // Another tenant's administrator changes only their own.
    let salem = app.tenant_id("salem").await;
    let own = app.new_client("salem", "STAFF-bea", "Eigen Dossier").await;
    let admin = app.new_account("salem", "beheer@salem.nl", "Bea Heer", own, Relation::Client).await;
    app.store.add_staff_role(salem, &Origin::system("test"), admin, StaffRole::Admin).await.unwrap();
    let mut other = app.signed_in("salem.localhost", "salem", admin).await;
    let theirs = fields(&other.get("/beheer/huisstijl").await.body);
    assert_ne!(theirs.iter().find(|(k, _)| k == "hoofdkleur").unwrap().1, "#1b5e20");
    let mut theirs = theirs;
    set(&mut theirs, "hoofdkleur", "#000000");
    let mut typed: Vec<(&str, &str)> = theirs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    typed.push(("stap", "opslaan"));
    assert_eq!(other.submit("/beheer/huisstijl", "/beheer/huisstijl", &typed).await.status, StatusCode::SEE_OTHER);
    assert!(ingrid.get("/theme.css").await.body.contains("--cp-primary: #1b5e20;"), "Siloah's stays");
}

/// A new logo is checked as `tenant validate` checks one: script and what is no SVG are
/// refused with the reason; a clean one is served at once as the tenant's next version.
async fn an_administrator_uploads_a_logo_and_one_with_script_is_refused(backend: Backend) {
    let app = TestApp::new(backend).await;
    let mut beheer = staff(&app, "beheer@siloah.nl", "Bea Heer", StaffRole::Admin).await;
    let mut lisa = staff(&app, "lisa@siloah.nl", "Lisa Smit", StaffRole::Coordinator).await;
    let version = app.store.tenant_by_slug("siloah").await.unwrap().unwrap().version;
    let csrf = careportal_tests::client::csrf_of(&beheer.get("/beheer/huisstijl").await.body).unwrap();
    let upload = |svg: &'static [u8]| ("logo", "logo.svg", svg);

    let script = beheer
        .post_multipart(
            "/beheer/huisstijl/logo",
            &[("csrf", &csrf)],
            upload(b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>"),
        )
        .await;
    assert_eq!(script.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(script.body.contains("Het logo bevat &lt;script en dat mag niet in een SVG."), "{}", script.body);
    let png = beheer.post_multipart("/beheer/huisstijl/logo", &[("csrf", &csrf)], upload(b"\x89PNG\r\n")).await;
    assert!(png.body.contains("Het logo is geen SVG-bestand."), "{}", png.body);
    let none = beheer.post_multipart("/beheer/huisstijl/logo", &[("csrf", &csrf)], ("logo", "", b"")).await;
    assert!(none.body.contains("Kies een SVG-bestand met het logo."), "{}", none.body);
    let lisa_csrf = careportal_tests::client::csrf_of(&lisa.get("/beheer").await.body).unwrap();
    let not_hers = lisa.post_multipart("/beheer/huisstijl/logo", &[("csrf", &lisa_csrf)], upload(b"<svg></svg>")).await;
    assert_eq!(not_hers.status, StatusCode::NOT_FOUND);
    assert_eq!(app.store.tenant_by_slug("siloah").await.unwrap().unwrap().version, version, "nothing saved");

    let clean: &'static [u8] =
        b"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 10 10\"><title>Nieuw</title><rect width=\"10\" height=\"10\"/></svg>";
    let saved = beheer.post_multipart("/beheer/huisstijl/logo", &[("csrf", &csrf)], upload(clean)).await;
    assert_eq!(saved.header("location"), Some("/beheer/huisstijl?logo=1"), "{}", saved.body);
    assert_eq!(app.client(HOST).get("/logo.svg").await.bytes, clean);
    let stored = app.store.tenant_by_slug("siloah").await.unwrap().unwrap();
    assert_eq!(stored.version, version + 1);
    assert_eq!(stored.config.branding.primary.to_string(), "#1d4f91", "the rest is kept");
    let tenant = app.tenant_id("siloah").await;
    assert!(app.store.audit(tenant, 50).await.unwrap().iter().any(|e| e.action == "tenant.applied"));
}
