//! "Download mijn dossier" over HTTP on both databases: the client asks, the ZIP is made in
//! the background and holds a readable PDF per part (read back with pdftotext), the original
//! documents and a valid FHIR R4 Bundle; only the person who asked gets it, for a week; a
//! contact person gets nothing; every step is in the audit log.

use crate::staff::HOST;
use axum::http::StatusCode;
use careportal_documents::TextDocument;
use careportal_domain::audit::Origin;
use careportal_domain::clock::Clock;
use careportal_domain::people::Relation;
use careportal_domain::record::Source;
use careportal_domain::record::documents::{DocumentKind, NewDocument};
use careportal_domain::record::exports::ExportStatus;
use careportal_domain::record::reports::NewReport;
use careportal_tests::{Backend, TestApp, on_both_backends};
use std::io::Read;

on_both_backends!(the_client_downloads_the_whole_dossier_once_made_and_only_for_a_week);

fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).unwrap();
            let mut content = Vec::new();
            file.read_to_end(&mut content).unwrap();
            (file.name().to_owned(), content)
        })
        .collect()
}

async fn the_client_downloads_the_whole_dossier_once_made_and_only_for_a_week(backend: Backend) {
    let app = TestApp::new(backend).await;
    let tenant = app.tenant_id("siloah").await;
    let thomas = app.new_client("siloah", "SIL-1001", "Thomas de Vries").await;
    let own = app.new_account("siloah", "thomas@example.nl", "Thomas de Vries", thomas, Relation::Client).await;
    let ingrid =
        app.new_account("siloah", "ingrid@example.nl", "Ingrid de Vries", thomas, Relation::Representative).await;
    let kees = app.new_account("siloah", "kees@example.nl", "Kees Bos", thomas, Relation::Contact).await;
    let report = NewReport {
        written_at: app.clock.now() - chrono::Duration::days(2),
        author: "Femke Jansen (begeleider)".into(),
        author_account: None,
        source: Source::Ecd,
        body: "Thomas heeft vandaag de tuin gewied.".into(),
    };
    app.store.add_report(tenant, &Origin::system("test"), thomas, &report).await.unwrap();
    let system = Origin::system("test");
    let measurement = careportal_domain::record::measurements::NewMeasurement {
        kind: "Temperatuur".into(),
        value: "37.2".into(),
        unit: "°C".into(),
        qualifier: Some("Oor".into()),
        measured_at: app.clock.now() - chrono::Duration::days(1),
        location: None,
        measured_by: "Medewerker Priya Ramdin".into(),
        author_account: None,
        source: Source::Ecd,
    };
    app.store.add_measurement(tenant, &system, thomas, &measurement).await.unwrap();
    let message = careportal_domain::record::messages::NewCareMessage {
        sent_at: app.clock.now() - chrono::Duration::hours(3),
        sender: "Lisa Smit (Coördinator zorg)".into(),
        sender_account: None,
        body: "Het uitje is donderdag om tien uur.".into(),
    };
    app.store.add_care_message(tenant, &system, thomas, &message).await.unwrap();
    let question = careportal_domain::record::consents::ConsentQuestion {
        key: "foto".into(),
        question: "Mogen er foto's van Thomas gemaakt worden?".into(),
        editable: true,
        position: 1,
    };
    app.store.put_consent(tenant, &system, thomas, &question, Some(true)).await.unwrap();
    let mut evaluation = TextDocument::new("Siloah", "Evaluatie najaar");
    evaluation.paragraph("De doelen van dit halfjaar zijn gehaald.");
    let bytes = evaluation.render();
    app.blobs().put(tenant, "test/evaluatie.pdf", bytes.clone(), "application/pdf").await.unwrap();
    let new = NewDocument {
        kind: DocumentKind::Evaluation,
        title: "Evaluatie najaar".into(),
        date: chrono::NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
        blob_key: "test/evaluatie.pdf".into(),
        sha256: careportal_documents::sha256_hex(&bytes),
        size: bytes.len() as i64,
        content_type: "application/pdf".into(),
    };
    app.store.add_document(tenant, &Origin::system("test"), thomas, &new).await.unwrap();

    let mut browser = app.signed_in(HOST, "siloah", own).await;
    let page = browser.get("/dossier/download").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("(AVG, artikel 15)") && !page.body.contains("Uw aanvragen"));
    let asked = browser.submit("/dossier/download", "/dossier/download", &[]).await;
    assert_eq!(asked.header("location"), Some("/dossier/download?aangevraagd=1"));

    // Made in the background, right after the request.
    let mut made = None;
    for _ in 0..100 {
        let exports = app.store.exports_for(tenant, thomas, own).await.unwrap();
        if exports.first().is_some_and(|e| e.status == ExportStatus::Ready) {
            made = exports.into_iter().next();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let made = made.expect("the ZIP made within five seconds");
    let page = browser.get("/dossier/download?aangevraagd=1").await;
    assert!(page.body.contains("Uw dossier wordt klaargemaakt."));
    let link = format!("/dossier/download/{}", made.id);
    assert!(page.body.contains(&format!("href=\"{link}\"")), "{}", page.body);
    assert!(page.body.contains("Downloaden (ZIP, "));

    let zip = browser.get(&link).await;
    assert_eq!(zip.status, StatusCode::OK);
    assert_eq!(zip.header("content-type"), Some("application/zip"));
    assert!(zip.header("content-disposition").unwrap().contains("dossier-SIL-1001-"));
    let files = unzip(&zip.bytes);
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    for expected in ["LEESMIJ.txt", "01-gegevens.pdf", "02-rapportages.pdf", "07-evaluaties.pdf", "fhir/dossier.json"] {
        assert!(names.contains(&expected), "{expected} in {names:?}");
    }
    let file = |name: &str| &files.iter().find(|(n, _)| n == name).unwrap().1;
    let reports = careportal_tests::pdf::text(file("02-rapportages.pdf"));
    assert!(reports.contains("Thomas heeft vandaag de tuin gewied."), "{reports}");
    let consents = careportal_tests::pdf::text(file("04-toestemmingen.pdf"));
    assert!(consents.contains("Mogen er foto's van Thomas gemaakt worden?: ja"), "{consents}");
    let people = careportal_tests::pdf::text(file("01-gegevens.pdf"));
    assert!(people.contains("Ingrid de Vries (vertegenwoordiger)") && people.contains("Kees Bos"), "{people}");
    let original =
        files.iter().find(|(n, _)| n.starts_with("documenten/2026-10-01-evaluation-")).expect("the document");
    assert_eq!(original.1, bytes, "the original document, as it was");
    let bundle: serde_json::Value = serde_json::from_slice(file("fhir/dossier.json")).unwrap();
    assert_eq!(bundle["resourceType"], "Bundle");
    let kinds: Vec<&str> =
        bundle["entry"].as_array().unwrap().iter().map(|e| e["resource"]["resourceType"].as_str().unwrap()).collect();
    for kind in
        ["Patient", "Composition", "Observation", "Communication", "Consent", "DocumentReference", "RelatedPerson"]
    {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dossier.json");
    std::fs::write(&path, file("fhir/dossier.json")).unwrap();
    let (valid, said) = careportal_tests::fhir::validate(&[path.as_path()]);
    assert!(valid, "{said}");

    // Only the person who asked: not Ingrid (her own download would be her own request), and
    // a contact person gets no page at all.
    let mut ingrid_browser = app.signed_in(HOST, "siloah", ingrid).await;
    assert_eq!(ingrid_browser.get(&link).await.status, StatusCode::NOT_FOUND);
    assert_eq!(ingrid_browser.get("/dossier/download").await.status, StatusCode::OK);
    let mut kees_browser = app.signed_in(HOST, "siloah", kees).await;
    assert_eq!(kees_browser.get("/dossier/download").await.status, StatusCode::NOT_FOUND);
    assert_eq!(kees_browser.post("/dossier/download", &[]).await.status, StatusCode::NOT_FOUND);

    // After a week it is gone, from the blob store too.
    app.clock.advance(chrono::Duration::days(8));
    let round = careportal_worker::run_once(&app.jobs("test-worker")).await.unwrap();
    assert_eq!(round.dossiers.expired, 1);
    assert!(app.blobs().get(tenant, made.blob_key.as_deref().unwrap()).await.unwrap().is_none());
    let mut browser = app.signed_in(HOST, "siloah", own).await;
    assert_eq!(browser.get(&link).await.status, StatusCode::NOT_FOUND);
    assert!(!browser.get("/dossier/download").await.body.contains(&link));

    let log = app.store.audit_of_client(tenant, thomas, 500).await.unwrap();
    let steps: Vec<(&str, &str, &str)> = log
        .iter()
        .filter(|e| e.action.starts_with("dossier."))
        .map(|e| (e.action.as_str(), e.actor.split(':').next().unwrap(), e.outcome.as_str()))
        .rev()
        .collect();
    assert_eq!(
        steps,
        vec![
            ("dossier.requested", "account", "allowed"),
            ("dossier.made", "system", "allowed"),
            ("dossier.downloaded", "account", "allowed"),
            ("dossier.requested", "account", "refused"),
            ("dossier.requested", "account", "refused"),
        ]
    );
}
