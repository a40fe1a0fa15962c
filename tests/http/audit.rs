//! The audit log over HTTP on both databases: "Wie heeft mijn dossier bekeken" for the
//! client and a legal representative, Beheer › Logboek for the administrator and the privacy
//! officer (search, paging, CSV), each read of the log logged, and refusals logged with
//! their role and outcome.

use crate::staff::{HOST, staff};
use axum::http::StatusCode;
use careportal_domain::people::Relation;
use careportal_domain::staff::StaffRole;
use careportal_tests::{Backend, TestApp, on_both_backends};

on_both_backends!(
    the_client_sees_who_opened_the_dossier_and_a_contact_person_does_not,
    the_logbook_is_for_administrators_and_the_privacy_officer_only,
    the_logbook_searches_pages_and_exports_and_logs_each_read,
    a_wrong_search_is_explained_and_kept,
    each_page_leaves_exactly_its_own_entries,
);

async fn the_client_sees_who_opened_the_dossier_and_a_contact_person_does_not(backend: Backend) {
    let app = TestApp::new(backend).await;
    let thomas = app.new_client("siloah", "SIL-1001", "Thomas de Vries").await;
    let own = app.new_account("siloah", "thomas@example.nl", "Thomas de Vries", thomas, Relation::Client).await;
    let ingrid =
        app.new_account("siloah", "ingrid@example.nl", "Ingrid de Vries", thomas, Relation::Representative).await;
    let kees = app.new_account("siloah", "kees@example.nl", "Kees Bos", thomas, Relation::Contact).await;
    let mut ingrid = app.signed_in(HOST, "siloah", ingrid).await;
    assert_eq!(ingrid.get("/rapportages").await.status, StatusCode::OK);

    let mut thomas_browser = app.signed_in(HOST, "siloah", own).await;
    let home = thomas_browser.get("/home").await;
    assert!(home.body.contains("href=\"/dossier/inzage\""), "the care bar offers it");
    let page = thomas_browser.get("/dossier/inzage").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("<h1>Wie heeft mijn dossier bekeken</h1>"));
    assert!(page.body.contains("Ingrid de Vries (vertegenwoordiger) bekeek Rapportages, <time"), "{}", page.body);
    assert!(!page.body.contains("Thomas de Vries (cliënt)"), "what Thomas did himself is left out");

    // The representative sees Thomas's visit (and her own are left out for her).
    let seen = ingrid.get("/dossier/inzage").await;
    assert_eq!(seen.status, StatusCode::OK);
    assert!(seen.body.contains("Thomas de Vries (cliënt) bekeek"), "{}", seen.body);
    assert!(!seen.body.contains("Ingrid de Vries (vertegenwoordiger) bekeek"));

    // A contact person neither sees the link nor the page; the refusal is logged.
    let mut kees_browser = app.signed_in(HOST, "siloah", kees).await;
    assert!(!kees_browser.get("/home").await.body.contains("/dossier/inzage"));
    assert_eq!(kees_browser.get("/dossier/inzage").await.status, StatusCode::NOT_FOUND);
    let tenant = app.tenant_id("siloah").await;
    let log = app.store.audit_of_client(tenant, thomas, 200).await.unwrap();
    let kees_actor = format!("account:{kees}");
    let refused = log.iter().find(|e| e.actor == kees_actor && e.outcome == "refused").expect("the refusal");
    assert_eq!((refused.action.as_str(), refused.role.as_deref()), ("audit.viewed", Some("contact")));
    // Each look at the visits is itself a read of the log.
    let reads = log.iter().filter(|e| e.action == "audit.viewed" && e.outcome == "allowed").count();
    assert_eq!(reads, 2);
}

async fn the_logbook_is_for_administrators_and_the_privacy_officer_only(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.new_client("siloah", "SIL-1001", "Thomas de Vries").await;
    let mut lisa = staff(&app, "lisa@siloah.nl", "Lisa Smit", StaffRole::Coordinator).await;
    assert!(!lisa.get("/beheer").await.body.contains("/beheer/logboek"));
    assert_eq!(lisa.get("/beheer/logboek").await.status, StatusCode::NOT_FOUND);
    assert_eq!(lisa.get("/beheer/logboek.csv").await.status, StatusCode::NOT_FOUND);

    let mut fg = staff(&app, "fatima@siloah.nl", "Fatima Gül", StaffRole::PrivacyOfficer).await;
    let overview = fg.get("/beheer").await;
    assert!(overview.body.contains("href=\"/beheer/logboek\""));
    assert!(!overview.body.contains("SIL-1001"), "a privacy officer gets no client list");
    assert!(!overview.body.contains("/beheer/uitnodigen"));
    assert_eq!(fg.get("/beheer/uitnodigen").await.status, StatusCode::NOT_FOUND);
    let page = fg.get("/beheer/logboek").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Lisa Smit (coördinator zorg)</strong> kreeg geen toegang tot Beheer"), "{}", page.body);

    let tenant = app.tenant_id("siloah").await;
    let log = app.store.audit(tenant, 200).await.unwrap();
    let lisa_refused: Vec<_> =
        log.iter().filter(|e| e.action == "access.refused" && e.role.as_deref() == Some("coordinator")).collect();
    assert_eq!(lisa_refused.len(), 2, "{lisa_refused:?}");
    assert!(lisa_refused.iter().all(|e| e.detail == "read_audit" && e.outcome == "refused"));
    assert!(log.iter().any(|e| e.action == "client.listed" && e.role.as_deref() == Some("coordinator")));
    assert!(!log.iter().any(|e| e.action == "client.listed" && e.role.as_deref() == Some("privacy")));
}

async fn the_logbook_searches_pages_and_exports_and_logs_each_read(backend: Backend) {
    let app = TestApp::new(backend).await;
    let thomas = app.new_client("siloah", "SIL-1001", "Thomas de Vries").await;
    let sanne = app.new_client("siloah", "SIL-1002", "Sanne Bakker").await;
    let ingrid =
        app.new_account("siloah", "ingrid@example.nl", "Ingrid de Vries", thomas, Relation::Representative).await;
    let mut ingrid_browser = app.signed_in(HOST, "siloah", ingrid).await;
    // 60 reads of Thomas's reports: more than one page.
    for _ in 0..60 {
        assert_eq!(ingrid_browser.get("/rapportages").await.status, StatusCode::OK);
    }
    let piet = app.new_account("siloah", "piet@example.nl", "Piet Bakker", sanne, Relation::Client).await;
    let mut piet = app.signed_in(HOST, "siloah", piet).await;
    assert_eq!(piet.get("/home").await.status, StatusCode::OK);

    let mut admin = staff(&app, "beheer@siloah.nl", "Bea Heer", StaffRole::Admin).await;
    let page = admin.get("/beheer/logboek?client=SIL-1001&account=ingrid%40example.nl&actie=record.").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(page.body.matches("<li class=\"entry\">").count(), 50, "one page of fifty");
    assert!(page.body.contains("Ingrid de Vries (vertegenwoordiger)</strong> bekeek Rapportages"));
    assert!(page.body.contains("Thomas de Vries (SIL-1001)") && !page.body.contains("Sanne Bakker"));
    assert!(page.body.contains("value=\"SIL-1001\""), "the search stays in the form");
    let next = page.body.split("href=\"/beheer/logboek?").nth(1).unwrap().split('"').next().unwrap();
    let next = next.replace("&amp;", "&");
    let older = admin.get(&format!("/beheer/logboek?{next}")).await;
    assert_eq!(older.status, StatusCode::OK);
    assert_eq!(older.body.matches("<li class=\"entry\">").count(), 10, "the sixty reads, after the first fifty");
    assert!(!older.body.contains("Oudere vermeldingen"));

    let refused = admin.get("/beheer/logboek?uitkomst=geweigerd").await;
    assert!(refused.body.contains("Niets gevonden"), "nobody was refused yet");

    let csv = admin.get("/beheer/logboek.csv?client=SIL-1001&actie=record.").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert!(csv.header("content-disposition").unwrap().starts_with("attachment; filename=\"logboek-siloah-"));
    let lines: Vec<&str> = csv.body.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert!(lines[0].starts_with("volgnummer,tijdstip_utc,tijdstip,actor,naam,rol,namens"));
    assert_eq!(lines.len(), 61, "every matching entry, not one page");
    assert!(lines[1..].iter().all(|l| l.contains(",record.") && l.contains("Thomas de Vries (SIL-1001)")));
    assert!(lines[1].contains(",Ingrid de Vries (vertegenwoordiger),representative,client:"), "{}", lines[1]);

    let tenant = app.tenant_id("siloah").await;
    let log = app.store.audit(tenant, 500).await.unwrap();
    let admin_reads: Vec<&str> = log
        .iter()
        .filter(|e| e.role.as_deref() == Some("admin") && e.action.starts_with("audit."))
        .map(|e| e.action.as_str())
        .collect();
    assert_eq!(admin_reads, vec!["audit.exported", "audit.viewed", "audit.viewed", "audit.viewed"]);
    let export = log.iter().find(|e| e.action == "audit.exported").unwrap();
    assert_eq!(export.client, Some(thomas));
    assert!(export.detail.contains("client=SIL-1001"), "{}", export.detail);
}

async fn a_wrong_search_is_explained_and_kept(backend: Backend) {
    let app = TestApp::new(backend).await;
    let mut admin = staff(&app, "beheer@siloah.nl", "Bea Heer", StaffRole::Admin).await;
    let page = admin.get("/beheer/logboek?van=31-02-2026&tot=&client=SIL-9999&account=niemand%40example.nl").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("Er is niet gezocht."), "{}", page.body);
    assert!(page.body.contains("&quot;31-02-2026&quot; is geen datum die wij kennen"));
    assert!(page.body.contains("Er is geen cliënt met cliëntnummer &quot;SIL-9999&quot;."));
    assert!(page.body.contains("Er is geen account met e-mailadres &quot;niemand@example.nl&quot;."));
    assert!(page.body.contains("value=\"31-02-2026\"") && page.body.contains("value=\"SIL-9999\""));
    let backwards = admin.get("/beheer/logboek?van=02-12-2026&tot=01-12-2026").await;
    assert!(backwards.body.contains("Deze datum ligt vóór de datum bij Van."));
    let csv = admin.get("/beheer/logboek.csv?van=gisteren").await;
    assert_eq!(csv.status, StatusCode::UNPROCESSABLE_ENTITY, "no export of a search that is not understood");
}

/// Every page of the record a representative opens (and a message she sends), and what the
/// log holds after it: the entries of that request and nothing else, each with role, on
/// whose behalf and outcome.
async fn each_page_leaves_exactly_its_own_entries(backend: Backend) {
    let app = TestApp::new(backend).await;
    let thomas = app.new_client("siloah", "SIL-1001", "Thomas de Vries").await;
    let ingrid =
        app.new_account("siloah", "ingrid@example.nl", "Ingrid de Vries", thomas, Relation::Representative).await;
    let mut browser = app.signed_in(HOST, "siloah", ingrid).await;
    let tenant = app.tenant_id("siloah").await;
    assert_eq!(browser.get("/home").await.status, StatusCode::OK);
    /// (action, object, outcome) of one entry.
    type Entry = (&'static str, &'static str, &'static str);
    let cases: &[(&str, StatusCode, &[Entry])] = &[
        ("/home", StatusCode::OK, &[("record.viewed", "home", "allowed")]),
        ("/rapportages", StatusCode::OK, &[("record.viewed", "reports", "allowed")]),
        ("/rapportages/download", StatusCode::OK, &[("record.downloaded", "reports", "allowed")]),
        ("/metingen", StatusCode::OK, &[("record.viewed", "measurements", "allowed")]),
        ("/metingen/alle", StatusCode::OK, &[("record.viewed", "measurements", "allowed")]),
        ("/toestemmingen", StatusCode::OK, &[("record.viewed", "consents", "allowed")]),
        ("/berichten", StatusCode::OK, &[("record.viewed", "messages", "allowed")]),
        ("/persoonsbeeld", StatusCode::OK, &[("record.viewed", "person_profile", "allowed")]),
        ("/begeleidingsplannen", StatusCode::OK, &[("record.viewed", "care_plans", "allowed")]),
        ("/evaluaties", StatusCode::OK, &[("record.viewed", "evaluations", "allowed")]),
        ("/help", StatusCode::OK, &[]),
        ("/dossier/inzage", StatusCode::OK, &[("audit.viewed", "inzage", "allowed")]),
        // Not Siloah's, or not a representative's: refused, and logged as such.
        ("/agenda", StatusCode::NOT_FOUND, &[("access.refused", "agenda", "refused")]),
        ("/instellingen", StatusCode::NOT_FOUND, &[("access.refused", "settings", "refused")]),
        ("/prikbord", StatusCode::NOT_FOUND, &[("access.refused", "prikbord", "refused")]),
    ];
    for (path, status, expected) in cases {
        let (before, _) = app.store.audit_head(tenant).await.unwrap();
        let page = browser.get(path).await;
        assert_eq!(page.status, *status, "{path}");
        let written = app.store.audit_chain(tenant, before, 100).await.unwrap();
        let seen: Vec<(&str, &str, &str)> = written
            .iter()
            .map(|e| (e.action.as_str(), e.object.as_deref().unwrap_or(""), e.outcome.as_str()))
            .collect();
        assert_eq!(&seen, expected, "{path}");
        check_entries(&written, ingrid, thomas, path);
    }
    // A write: the form's page read, then the message itself.
    let (before, _) = app.store.audit_head(tenant).await.unwrap();
    let sent = browser.submit("/berichten", "/berichten", &[("bericht", "Hoe gaat het met Thomas?")]).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let written = app.store.audit_chain(tenant, before, 100).await.unwrap();
    let seen: Vec<(&str, &str)> =
        written.iter().map(|e| (e.action.as_str(), e.object.as_deref().unwrap_or(""))).collect();
    assert_eq!(seen, vec![("record.viewed", "messages"), ("message.sent", "")]);
    check_entries(&written, ingrid, thomas, "POST /berichten");
}

fn check_entries(
    written: &[careportal_domain::audit::AuditEntry],
    ingrid: careportal_domain::AccountId,
    thomas: careportal_domain::ClientId,
    path: &str,
) {
    let behalf = format!("client:{thomas}");
    for entry in written {
        assert_eq!(entry.actor, format!("account:{ingrid}"), "{path}");
        assert_eq!(entry.role.as_deref(), Some("representative"), "{path}");
        assert_eq!(entry.on_behalf_of.as_deref(), Some(behalf.as_str()), "{path}");
        assert_eq!(entry.client, Some(thomas), "{path}");
        assert!(entry.user_agent.is_some(), "{path}");
    }
}
