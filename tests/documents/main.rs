//! Documents from outside our code: generated PDFs read back with pdftotext (poppler), and
//! the S3 blob store against moto server.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use careportal_documents::{TextDocument, sha256_hex};
use careportal_domain::TenantId;
use careportal_tests::moto::Moto;

use careportal_tests::pdf::text as pdf_text;

#[test]
fn a_generated_pdf_reads_back_as_written_with_the_organisation_on_every_page() {
    let mut doc = TextDocument::new("Siloah", "Rapportages van Thomas de Vriës");
    doc.meta("Periode: van 18 november 2026 tot en met 25 november 2026");
    for n in 0..60 {
        doc.meta(&format!("Wo 3 mei 2023 | 18:{n:02} | Medewerker Jan Koster"));
        doc.paragraph(
            "Temperatuur 39,1 °C (Rectaal); café, coördinator – “goed” € 5.\nTweede regel van de rapportage.",
        );
    }
    let bytes = doc.render();
    let text = pdf_text(&bytes);
    assert!(text.contains("Rapportages van Thomas de Vriës"), "{text}");
    assert!(text.contains("Temperatuur 39,1 °C (Rectaal); café, coördinator – “goed” € 5."));
    assert!(text.contains("Wo 3 mei 2023 | 18:59 | Medewerker Jan Koster"));
    let pages = text.split('\u{c}').filter(|p| !p.trim().is_empty()).count();
    assert!(pages >= 3, "{pages} pages");
    assert!(text.matches("Siloah").count() >= pages, "the organisation on every page: {text}");
    assert!(text.contains(&format!("pagina {pages} van {pages}")));
    assert_eq!(sha256_hex(&bytes), sha256_hex(&doc.render()), "the same document gives the same bytes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documents_go_to_s3_encrypted_under_the_tenants_prefix() {
    let moto = Moto::start().await;
    let blobs = moto.blobs("careportal-documenten").await;
    let client = moto.s3();
    let (siloah, salem) = (TenantId::new(), TenantId::new());
    blobs.put(siloah, "care-plans/plan-1.pdf", b"%PDF-1.7 plan".to_vec(), "application/pdf").await.unwrap();

    assert_eq!(blobs.get(siloah, "care-plans/plan-1.pdf").await.unwrap().as_deref(), Some(&b"%PDF-1.7 plan"[..]));
    assert_eq!(blobs.get(salem, "care-plans/plan-1.pdf").await.unwrap(), None, "another tenant's prefix");
    assert_eq!(blobs.get(siloah, "care-plans/missing.pdf").await.unwrap(), None);
    assert!(blobs.get(siloah, "../x").await.is_err());

    let key = format!("tenants/{siloah}/care-plans/plan-1.pdf");
    let head = client.head_object().bucket("careportal-documenten").key(&key).send().await.unwrap();
    assert_eq!(head.server_side_encryption().map(|s| s.as_str()), Some("AES256"));
    assert_eq!(head.content_type(), Some("application/pdf"));
    let listed = client.list_objects_v2().bucket("careportal-documenten").send().await.unwrap();
    let keys: Vec<&str> = listed.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(keys, vec![key.as_str()]);
}
