//! Beheer › Onderdelen over HTTP on both databases (#11): the tenant administrator switches a
//! part off (its pages answer 404 at once, on this instance and on another over the same
//! database), renames one and moves it up the menu; a coordinator cannot; bad input is named
//! in Dutch and kept.

use crate::staff::{HOST, staff};
use axum::http::StatusCode;
use careportal_domain::people::Relation;
use careportal_domain::staff::StaffRole;
use careportal_domain::tenant::Module;
use careportal_tests::client::TestClient;
use careportal_tests::{Backend, TestApp, on_both_backends};

on_both_backends!(an_administrator_switches_renames_and_orders_the_parts_of_the_portal);

/// The form's fields as the page fills them: what a person sees and then edits.
fn fields(body: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for module in Module::ALL {
        let key = module.key();
        if body.contains(&format!("id=\"aan-{key}\" name=\"aan-{key}\" value=\"ja\" checked")) {
            out.push((format!("aan-{key}"), "ja".to_owned()));
        }
        for field in ["naam", "plaats"] {
            let marker = format!("name=\"{field}-{key}\"");
            let at = body.find(&marker).unwrap_or_else(|| panic!("{marker}"));
            let value = body[at..].split("value=\"").nth(1).unwrap().split('"').next().unwrap();
            out.push((format!("{field}-{key}"), value.to_owned()));
        }
    }
    out
}

fn set(fields: &mut [(String, String)], key: &str, value: &str) {
    fields.iter_mut().find(|(k, _)| k == key).unwrap().1 = value.to_owned();
}

async fn an_administrator_switches_renames_and_orders_the_parts_of_the_portal(backend: Backend) {
    let app = TestApp::new(backend).await;
    let thomas = app.new_client("siloah", "SIL-1001", "Thomas de Vries").await;
    let ingrid =
        app.new_account("siloah", "ingrid@example.nl", "Ingrid de Vries", thomas, Relation::Representative).await;
    let mut ingrid = app.signed_in(HOST, "siloah", ingrid).await;
    assert_eq!(ingrid.get("/metingen").await.status, StatusCode::OK);
    // Another instance over the same database, which has served the tenant already.
    let second = app.second_instance(careportal_tests::app::settings(true, false));
    let mut ingrid_elsewhere = TestClient::new(second, HOST);
    ingrid_elsewhere.cookies = ingrid.cookies.clone();
    assert_eq!(ingrid_elsewhere.get("/metingen").await.status, StatusCode::OK);
    let mut beheer = staff(&app, "beheer@siloah.nl", "Bea Heer", StaffRole::Admin).await;
    let mut lisa = staff(&app, "lisa@siloah.nl", "Lisa Smit", StaffRole::Coordinator).await;
    assert_eq!(lisa.get("/beheer/onderdelen").await.status, StatusCode::NOT_FOUND, "not the coordinator's");

    let page = beheer.get("/beheer/onderdelen").await;
    assert_eq!(page.status, StatusCode::OK);
    let mut form = fields(&page.body);
    // An empty name and a place that is no number: named, and what was typed is kept.
    set(&mut form, "naam-reports", "");
    set(&mut form, "plaats-measurements", "twee");
    let typed: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let bad = beheer.submit("/beheer/onderdelen", "/beheer/onderdelen", &typed).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Geef Rapportages een naam van 1 tot 40 tekens."), "{}", bad.body);
    assert!(bad.body.contains("value=\"twee\""), "what was typed is kept");
    assert_eq!(ingrid.get("/metingen").await.status, StatusCode::OK, "nothing saved");

    // Metingen off, Rapportages renamed Dagboek and moved after Toestemmingen.
    form.retain(|(k, _)| k != "aan-measurements");
    set(&mut form, "naam-reports", "Dagboek");
    set(&mut form, "plaats-measurements", "");
    for (key, place) in [("plaats-home", "1"), ("plaats-consents", "2"), ("plaats-reports", "3")] {
        set(&mut form, key, place);
    }
    let typed: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let saved = beheer.submit("/beheer/onderdelen", "/beheer/onderdelen", &typed).await;
    assert_eq!(saved.header("location"), Some("/beheer/onderdelen?opgeslagen=1"), "{}", saved.body);

    assert_eq!(ingrid.get("/metingen").await.status, StatusCode::NOT_FOUND, "off at once");
    assert_eq!(ingrid_elsewhere.get("/metingen").await.status, StatusCode::NOT_FOUND, "on the other instance too");
    let home = ingrid.get("/home").await.body;
    let menu = &home[home.find("aria-label=\"Onderdelen van het dossier\"").unwrap_or(0)..];
    let (toestemmingen, dagboek) = (menu.find(">Toestemmingen<").unwrap(), menu.find(">Dagboek<").unwrap());
    assert!(toestemmingen < dagboek, "moved in the menu");
    assert!(!menu.contains(">Metingen<") && !menu.contains(">Rapportages<"));

    let tenant = app.tenant_id("siloah").await;
    let audit = app.store.audit(tenant, 100).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "tenant.applied" && e.actor.starts_with("account:")), "audited");
}
