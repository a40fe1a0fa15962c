//! Begeleidingsplanafdrukken, signing with a Bevestigingscode, evaluations, invoices and
//! the reports download, over HTTP on both databases. Codes come from the development SMS
//! outbox; PDFs are read back with pdftotext.

use axum::http::StatusCode;
use careportal_documents::{TextDocument, sha256_hex};
use careportal_domain::audit::Origin;
use careportal_domain::clock::Clock;
use careportal_domain::ids::{CarePlanId, DocumentId};
use careportal_domain::people::Relation;
use careportal_domain::record::Source;
use careportal_domain::record::documents::{DocumentKind, NewDocument, PlanStatus};
use careportal_domain::record::reports::NewReport;
use careportal_domain::{AccountId, ClientId, TenantId};
use careportal_tests::client::{TestClient, csrf_of};
use careportal_tests::{Backend, TestApp, on_both_backends};
use chrono::NaiveDate;

on_both_backends!(
    a_representative_signs_an_offered_plan_with_an_sms_code,
    a_rejection_needs_a_reason_and_keeps_the_code_until_it_has_one,
    a_plan_changed_after_the_code_was_asked_cannot_be_signed_with_it,
    an_expired_code_signs_nothing,
    an_authenticator_user_confirms_with_a_code_from_the_app,
    an_app_user_who_gives_a_mobile_number_gets_the_bevestigingscode_by_sms,
    guessing_the_app_code_while_signing_locks_the_account_and_ends_its_sessions,
    documents_of_another_client_or_a_module_without_right_answer_404,
    evaluations_and_invoices_list_and_download,
    chosen_reports_download_as_one_pdf,
    documents_in_s3_are_served_only_after_the_check,
);

const HOST: &str = "siloah.localhost";
const PHONE: &str = "+31612345678";

struct Setup {
    app: TestApp,
    tenant: TenantId,
    client: ClientId,
    account: AccountId,
}

async fn setup(backend: Backend) -> Setup {
    setup_with(TestApp::new(backend).await).await
}

async fn setup_with(app: TestApp) -> Setup {
    let tenant = app.tenant_id("siloah").await;
    let client = app.new_client("siloah", "SIL-1001", "Thomas de Vries").await;
    let account =
        app.new_account("siloah", "ingrid@example.nl", "Ingrid de Vries", client, Relation::Representative).await;
    app.store.set_sms_factor(tenant, &Origin::system("test"), account, PHONE).await.unwrap();
    Setup { app, tenant, client, account }
}

impl Setup {
    async fn browser(&self) -> TestClient {
        let mut browser = self.app.signed_in(HOST, "siloah", self.account).await;
        browser.ip = Some("198.51.100.7:443".parse().unwrap());
        browser
    }

    async fn pdf(&self, kind: DocumentKind, title: &str, date: NaiveDate, text: &str) -> DocumentId {
        let mut doc = TextDocument::new("Siloah", title);
        doc.paragraph(text);
        let bytes = doc.render();
        let key = format!("test/{}.pdf", DocumentId::new());
        let new = NewDocument {
            kind,
            title: title.to_owned(),
            date,
            blob_key: key.clone(),
            sha256: sha256_hex(&bytes),
            size: bytes.len() as i64,
            content_type: "application/pdf".into(),
        };
        self.app.blobs().put(self.tenant, &key, bytes, "application/pdf").await.unwrap();
        self.app.store.add_document(self.tenant, &Origin::system("test"), self.client, &new).await.unwrap().id
    }

    async fn offer(&self) -> CarePlanId {
        let date = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        let document =
            self.pdf(DocumentKind::CarePlan, "Begeleidingsplan", date, "Doelen: zelf boodschappen doen.").await;
        let plan = self
            .app
            .store
            .offer_plan(self.tenant, &Origin::system("test"), self.client, document, date, "Lisa Smit")
            .await
            .unwrap();
        plan.id
    }

    /// The code of the newest SMS: the six digits after the dash.
    /// Thomas himself, whose second factor is an authenticator app.
    async fn thomas_with_an_app(&self) -> (AccountId, careportal_auth::TotpSecret) {
        let thomas =
            self.app.new_account("siloah", "thomas@example.nl", "Thomas de Vries", self.client, Relation::Client).await;
        let secret = careportal_auth::TotpSecret::generate();
        let context = format!("totp/{}/{}", self.tenant, thomas);
        let sealed =
            careportal_tests::app::settings(true, false).keys.secret_box.seal(secret.as_bytes(), &context).unwrap();
        self.app.store.set_totp_factor(self.tenant, &Origin::system("test"), thomas, &sealed, 0).await.unwrap();
        (thomas, secret)
    }

    async fn last_code(&self, count: usize) -> String {
        let lines = self.app.sms(count).await;
        let message: serde_json::Value = serde_json::from_str(lines.last().unwrap()).unwrap();
        let body = message["body"].as_str().unwrap();
        assert!(body.contains("bevestigingscode"), "{body}");
        assert!(!body.contains("begeleidingsplan") && !body.contains("Thomas"), "no care data in an SMS: {body}");
        body.split_whitespace().next().unwrap().split('-').nth(1).unwrap().to_owned()
    }
}

async fn choose(browser: &mut TestClient, plan: CarePlanId, choice: &str) -> careportal_tests::TestResponse {
    let path = format!("/begeleidingsplannen/{plan}/ondertekenen");
    browser.submit(&path, &path, &[("stap", "kies"), ("keuze", choice)]).await
}

async fn confirm(
    browser: &mut TestClient,
    page: &careportal_tests::TestResponse,
    plan: CarePlanId,
    choice: &str,
    code: &str,
    reason: &str,
) -> careportal_tests::TestResponse {
    let shown = page.body.split("name=\"afdruk\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let csrf = csrf_of(&page.body).unwrap();
    let path = format!("/begeleidingsplannen/{plan}/ondertekenen");
    browser
        .post(
            &path,
            &[
                ("stap", "bevestig"),
                ("keuze", choice),
                ("bevestigingscode", code),
                ("reden", reason),
                ("afdruk", &shown),
                ("csrf", &csrf),
            ],
        )
        .await
}

async fn a_representative_signs_an_offered_plan_with_an_sms_code(backend: Backend) {
    let s = setup(backend).await;
    let plan = s.offer().await;
    let mut browser = s.browser().await;
    let home = browser.get("/home").await;
    assert!(home.body.contains("Begeleidingsplanafdruk klaar om te ondertekenen"), "{}", home.body);
    assert!(home.body.contains(&format!("/begeleidingsplannen/{plan}/ondertekenen")));

    let form = browser.get(&format!("/begeleidingsplannen/{plan}/ondertekenen")).await;
    assert!(form.body.contains("Begeleidingsplanafdruk van vrijdag 20 november 2026"));
    assert!(form.body.contains(">Ondertekenen</button>") && form.body.contains(">Afkeuren</button>"));
    let page = choose(&mut browser, plan, "ondertekenen").await;
    assert!(page.body.contains("Er is een bevestigingscode verstuurd per SMS. Vul deze in in onderstaand veld."));
    let code = s.last_code(1).await;

    let wrong = confirm(&mut browser, &page, plan, "ondertekenen", "000000", "").await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("Deze code klopt niet"));
    // A code for signing does not reject, nor the other way round.
    let other = confirm(&mut browser, &page, plan, "afkeuren", &code, "Niet eens").await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?} {}", other.header("location"), other.body);

    let signed = confirm(&mut browser, &page, plan, "ondertekenen", &code, "").await;
    assert_eq!(signed.header("location"), Some("/home?plan=ondertekend"), "{}", signed.body);
    let stored = s.app.store.care_plan(s.tenant, s.client, plan).await.unwrap().unwrap();
    assert_eq!(stored.status, PlanStatus::Signed);
    let decision = stored.decision.unwrap();
    assert_eq!(decision.method, "sms");
    assert_eq!(decision.decided_by, "Ingrid de Vries (vertegenwoordiger)");
    assert_eq!(decision.ip.as_deref(), Some("198.51.100.7"));
    let print = s.app.store.document(s.tenant, s.client, stored.document).await.unwrap().unwrap();
    assert_eq!(decision.document_sha256, print.sha256);
    // The code works once.
    let again = confirm(&mut browser, &page, plan, "ondertekenen", &code, "").await;
    assert_eq!(again.header("location"), Some("/begeleidingsplannen"));

    let list = browser.get("/begeleidingsplannen").await;
    assert!(
        list.body.contains("Deze begeleidingsplanafdruk is op woensdag 25 november 2026 ondertekend."),
        "{}",
        list.body
    );
    let sheet = browser.get(&format!("/begeleidingsplannen/{plan}/handtekeningenblad")).await;
    assert_eq!(sheet.header("content-type"), Some("application/pdf"));
    let text = careportal_tests::pdf::text(&sheet.bytes);
    for expected in [
        "Siloah",
        "Handtekeningenblad",
        "Thomas de Vries (SIL-1001)",
        "Ingrid de Vries (vertegenwoordiger)",
        "woensdag 25 november 2026 om 10:00",
        &print.sha256,
        "Bevestigingscode per SMS naar",
        "198.51.100.7",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from the sheet: {text}");
    }
    assert!(!text.contains("612345678"), "the number is masked: {text}");
    let print_download = browser.get(&format!("/documenten/{}", stored.document)).await;
    assert_eq!(sha256_hex(&print_download.bytes), print.sha256, "the print downloads byte for byte");
    let pending = s.app.store.ecd_pending(s.tenant, 10).await.unwrap();
    assert!(pending.iter().any(|p| p.kind == "plan_decision" && p.item == plan.to_string()));
    let audit = s.app.store.audit_of_client(s.tenant, s.client, 50).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "plan.signed" && e.detail.contains(&print.sha256)));
}

async fn a_rejection_needs_a_reason_and_keeps_the_code_until_it_has_one(backend: Backend) {
    let s = setup(backend).await;
    let plan = s.offer().await;
    let mut browser = s.browser().await;
    let page = choose(&mut browser, plan, "afkeuren").await;
    assert!(page.body.contains("Reden voor afwijzing"));
    let code = s.last_code(1).await;
    let missing = confirm(&mut browser, &page, plan, "afkeuren", &code, "  ").await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(missing.body.contains("Geef beknopt de reden op"));
    let rejected = confirm(&mut browser, &page, plan, "afkeuren", &code, "De doelen kloppen niet meer.").await;
    assert_eq!(rejected.header("location"), Some("/home?plan=afgekeurd"), "{}", rejected.body);
    let stored = s.app.store.care_plan(s.tenant, s.client, plan).await.unwrap().unwrap();
    assert_eq!(stored.status, PlanStatus::Rejected);
    assert_eq!(stored.decision.unwrap().reason.as_deref(), Some("De doelen kloppen niet meer."));
}

async fn a_plan_changed_after_the_code_was_asked_cannot_be_signed_with_it(backend: Backend) {
    let s = setup(backend).await;
    let plan = s.offer().await;
    let mut browser = s.browser().await;
    let page = choose(&mut browser, plan, "ondertekenen").await;
    let code = s.last_code(1).await;
    // The coordinator replaces the print while the person has the code.
    let date = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    let changed = s.pdf(DocumentKind::CarePlan, "Begeleidingsplan", date, "Doelen: iets anders.").await;
    s.app.store.replace_plan_document(s.tenant, &Origin::system("test"), s.client, plan, changed).await.unwrap();
    let refused = confirm(&mut browser, &page, plan, "ondertekenen", &code, "").await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.body.contains("Het begeleidingsplan is gewijzigd nadat u de code aanvroeg"));
    // Even without the page's hint, the old code does not sign the new print.
    let csrf = csrf_of(&refused.body).unwrap();
    let path = format!("/begeleidingsplannen/{plan}/ondertekenen");
    let forced = browser
        .post(&path, &[("stap", "bevestig"), ("keuze", "ondertekenen"), ("bevestigingscode", &code), ("csrf", &csrf)])
        .await;
    assert_eq!(forced.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(s.app.store.care_plan(s.tenant, s.client, plan).await.unwrap().unwrap().status, PlanStatus::Offered);
}

async fn an_expired_code_signs_nothing(backend: Backend) {
    let s = setup(backend).await;
    let plan = s.offer().await;
    let mut browser = s.browser().await;
    let page = choose(&mut browser, plan, "ondertekenen").await;
    let code = s.last_code(1).await;
    // Six minutes later the session is still alive (idle timeout 15), the code is not.
    s.app.clock.advance(chrono::Duration::minutes(6));
    let late = confirm(&mut browser, &page, plan, "ondertekenen", &code, "").await;
    assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(late.body.contains("Deze code is verlopen of al gebruikt"), "{}", late.body);
    assert_eq!(s.app.store.care_plan(s.tenant, s.client, plan).await.unwrap().unwrap().status, PlanStatus::Offered);
}

async fn an_authenticator_user_confirms_with_a_code_from_the_app(backend: Backend) {
    let s = setup(backend).await;
    let (thomas, secret) = s.thomas_with_an_app().await;
    let plan = s.offer().await;
    let mut browser = s.app.signed_in(HOST, "siloah", thomas).await;
    let page = choose(&mut browser, plan, "ondertekenen").await;
    assert!(page.body.contains("Vul daarom de code in die uw Authenticator App nu laat zien"), "{}", page.body);
    let code = secret.code_at(s.app.clock.now().timestamp() as u64).unwrap();
    let signed = confirm(&mut browser, &page, plan, "ondertekenen", &code, "").await;
    assert_eq!(signed.header("location"), Some("/home?plan=ondertekend"), "{}", signed.body);
    let decision = s.app.store.care_plan(s.tenant, s.client, plan).await.unwrap().unwrap().decision.unwrap();
    assert_eq!((decision.method.as_str(), decision.masked_phone), ("totp", None));
    assert_eq!(decision.decided_by, "Thomas de Vries");
}

/// The manual: "Vervolgens krijgt u een sms-code". Someone who logs in with the app gives a
/// mobile number in Mijn profiel (proved with a registration code, and allowed only with a
/// current app code) and from then on confirms by SMS; without it, the page says to use the app.
async fn an_app_user_who_gives_a_mobile_number_gets_the_bevestigingscode_by_sms(backend: Backend) {
    let s = setup(backend).await;
    let (thomas, secret) = s.thomas_with_an_app().await;
    let mut browser = s.app.signed_in(HOST, "siloah", thomas).await;
    let profile = browser.get("/profiel").await;
    assert!(profile.body.contains("Mobiel nummer voor bevestigingscodes"), "{}", profile.body);

    // A wrong app code: nothing is sent, the number stays typed.
    fn fields(code: &str) -> [(&'static str, &str); 3] {
        [("actie", "nummer-versturen"), ("nummer", "06 11122233"), ("appcode", code)]
    }
    let right = secret.code_at(s.app.clock.now().timestamp() as u64).unwrap();
    let wrong = if right == "000000" { "111111" } else { "000000" };
    let refused = browser.submit("/profiel", "/profiel", &fields(wrong)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("De code uit uw app klopt niet") && refused.body.contains("06 11122233"));
    assert!(s.app.sms_sent().await.is_empty());

    let sent = browser.submit("/profiel", "/profiel", &fields(&right)).await;
    assert!(sent.body.contains("Er is een registratiecode verstuurd naar"), "{}", sent.body);
    let lines = s.app.sms(1).await;
    let message: serde_json::Value = serde_json::from_str(lines.last().unwrap()).unwrap();
    assert_eq!(message["to"].as_str(), Some("+31611122233"), "{message}");
    let body = message["body"].as_str().unwrap();
    let code = body.split(|c: char| !c.is_ascii_digit()).find(|part| part.len() == 6).unwrap().to_owned();
    let checked =
        browser.submit("/profiel", "/profiel", &[("actie", "nummer-controleren"), ("registratiecode", &code)]).await;
    assert_eq!(checked.header("location"), Some("/profiel?nummer=opgeslagen#bevestigingsnummer"));
    assert!(browser.get("/profiel?nummer=opgeslagen").await.body.contains("Die sturen wij per SMS naar"));

    let plan = s.offer().await;
    let page = choose(&mut browser, plan, "ondertekenen").await;
    assert!(page.body.contains("Er is een bevestigingscode verstuurd per SMS"), "{}", page.body);
    let code = s.last_code(2).await;
    let signed = confirm(&mut browser, &page, plan, "ondertekenen", &code, "").await;
    assert_eq!(signed.header("location"), Some("/home?plan=ondertekend"), "{}", signed.body);
    let decision = s.app.store.care_plan(s.tenant, s.client, plan).await.unwrap().unwrap().decision.unwrap();
    assert_eq!(decision.method, "sms");
    assert!(decision.masked_phone.is_some_and(|p| p.ends_with("33")));
    let audit = s.app.store.audit(s.tenant, 100).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "factor.phone_set"), "{audit:?}");

    // Without the number again, the app's code, and the page says where a number is given.
    let removed = browser.submit("/profiel", "/profiel", &[("actie", "nummer-verwijderen")]).await;
    assert_eq!(removed.header("location"), Some("/profiel?nummer=verwijderd#bevestigingsnummer"));
    let next = s.offer().await;
    let page = choose(&mut browser, next, "afkeuren").await;
    assert!(page.body.contains("U heeft geen mobiel nummer voor bevestigingscodes opgegeven."), "{}", page.body);
    assert!(page.body.contains("href=\"/profiel#bevestigingsnummer\""));
    // Someone whose factor is SMS is not offered a second number.
    let ingrid = s.browser().await.get("/profiel").await;
    assert!(!ingrid.body.contains("Mobiel nummer voor bevestigingscodes"));
}

/// A stolen session cannot guess the six digits: wrong codes while signing count as failed
/// logins, and at the tenant's limit the account locks and every session ends.
async fn guessing_the_app_code_while_signing_locks_the_account_and_ends_its_sessions(backend: Backend) {
    let s = setup(backend).await;
    let (thomas, secret) = s.thomas_with_an_app().await;
    let hash = careportal_tests::app::settings(true, false).hasher.hash_blocking("Zonnebloem!Tafel7").unwrap();
    s.app.store.set_password(s.tenant, &Origin::system("test"), thomas, &hash, false, None).await.unwrap();
    let plan = s.offer().await;
    let mut browser = s.app.signed_in(HOST, "siloah", thomas).await;
    let mut other_device = s.app.signed_in(HOST, "siloah", thomas).await;
    let right = secret.code_at(s.app.clock.now().timestamp() as u64).unwrap();
    let wrong = if right == "000000" { "111111" } else { "000000" };
    let limit = s.app.store.tenant_by_slug("siloah").await.unwrap().unwrap().config.auth.lockout.max_failures;
    assert!(limit > 0);
    let page = choose(&mut browser, plan, "ondertekenen").await;
    for attempt in 1..limit {
        let refused = confirm(&mut browser, &page, plan, "ondertekenen", wrong, "").await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "attempt {attempt}");
        assert!(refused.body.contains("Deze code klopt niet"));
    }
    let locked = confirm(&mut browser, &page, plan, "ondertekenen", wrong, "").await;
    assert_eq!(locked.header("location"), Some("/inloggen"), "the attempt at the limit locks");
    // Every session of the account has ended, and the right code now signs nothing.
    assert_eq!(other_device.get("/home").await.header("location"), Some("/inloggen"));
    let too_late = confirm(&mut browser, &page, plan, "ondertekenen", &right, "").await;
    assert_eq!(too_late.header("location"), Some("/inloggen"));
    let plan_now = s.app.store.care_plan(s.tenant, s.client, plan).await.unwrap().unwrap();
    assert!(plan_now.decision.is_none(), "nothing was signed");
    let credentials = s.app.store.credentials(s.tenant, thomas).await.unwrap().unwrap();
    assert!(credentials.is_locked(s.app.clock.now()));
    let audit = s.app.store.audit(s.tenant, 100).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "login.locked" && e.detail.contains("bevestigingscode")), "{audit:?}");
}

async fn documents_of_another_client_or_a_module_without_right_answer_404(backend: Backend) {
    let s = setup(backend).await;
    let plan = s.offer().await;
    let evaluation =
        s.pdf(DocumentKind::Evaluation, "Evaluatie", NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(), "Goed.").await;
    let other = s.app.new_client("siloah", "SIL-1004", "Yusuf El Amrani").await;
    let fatima =
        s.app.new_account("siloah", "fatima@example.nl", "Fatima El Amrani", other, Relation::Representative).await;
    let mut fatima = s.app.signed_in(HOST, "siloah", fatima).await;
    for path in [
        format!("/documenten/{evaluation}"),
        format!("/begeleidingsplannen/{plan}/ondertekenen"),
        format!("/begeleidingsplannen/{plan}/handtekeningenblad"),
        format!("/documenten/{}", DocumentId::new()),
        "/documenten/geen-id".to_owned(),
    ] {
        let page = fatima.get(&path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!page.body.contains("Thomas") && !page.body.contains("Evaluatie"), "{path}");
    }
    // Salem has no care plans or evaluations at all.
    let johanna = s.app.new_client("salem", "SAL-2001", "Johanna van den Berg").await;
    let account =
        s.app.new_account("salem", "johanna@example.nl", "Johanna van den Berg", johanna, Relation::Client).await;
    let mut johanna = s.app.signed_in("salem.localhost", "salem", account).await;
    for path in ["/begeleidingsplannen", "/evaluaties", "/facturen", &format!("/documenten/{evaluation}")] {
        assert_eq!(johanna.get(path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
}

async fn evaluations_and_invoices_list_and_download(backend: Backend) {
    let s = setup(backend).await;
    let mut browser = s.browser().await;
    // No invoices: no Facturen in the menu, and its address is unknown.
    let home = browser.get("/home").await;
    assert!(!home.body.contains("href=\"/facturen\""), "{}", home.body);
    assert_eq!(browser.get("/facturen").await.status, StatusCode::NOT_FOUND);

    let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    s.pdf(DocumentKind::Evaluation, "Evaluatie van 1 oktober 2026", date(2026, 10, 1), "Doelen gehaald.").await;
    s.pdf(DocumentKind::Evaluation, "Evaluatie dagbesteding 15 september 2026", date(2026, 9, 15), "Fietst.").await;
    s.pdf(DocumentKind::Evaluation, "Evaluatie van 1 maart 2026", date(2026, 3, 1), "Op weg.").await;
    s.pdf(DocumentKind::Evaluation, "Evaluatie van 1 december 2025", date(2025, 12, 1), "Begin.").await;
    let old = s.pdf(DocumentKind::Evaluation, "Evaluatie van 1 mei 2024", date(2024, 5, 1), "Heel oud.").await;
    let invoice = s.pdf(DocumentKind::Invoice, "Factuur 2026-10", date(2026, 10, 1), "Eigen bijdrage: € 112,40").await;

    // "De laatste afgeronde begeleidingsplanevaluaties": the whole latest round, not the one
    // newest; the round of March is an earlier one. Each opens in a new window.
    let latest = browser.get("/evaluaties").await;
    assert!(latest.body.contains("Evaluatie van 1 oktober 2026"), "{}", latest.body);
    assert!(latest.body.contains("Evaluatie dagbesteding 15 september 2026"), "{}", latest.body);
    assert!(!latest.body.contains("1 maart 2026"), "{}", latest.body);
    assert_eq!(latest.body.matches("target=\"_blank\"").count(), 2, "{}", latest.body);
    let year = browser.get("/evaluaties/alle?periode=jaar").await;
    assert!(
        year.body.contains("1 maart 2026")
            && year.body.contains("1 december 2025")
            && !year.body.contains("1 mei 2024")
    );
    let this_year = browser.get("/evaluaties/alle?periode=dit-jaar").await;
    assert!(this_year.body.contains("1 maart 2026") && !this_year.body.contains("1 december 2025"));
    let all = browser.get("/evaluaties/alle?periode=alles").await;
    assert!(all.body.contains("1 mei 2024"));
    let pdf = browser.get(&format!("/documenten/{old}")).await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert_eq!(pdf.header("cache-control"), Some("no-store"));
    assert!(careportal_tests::pdf::text(&pdf.bytes).contains("Heel oud."));

    let home = browser.get("/home").await;
    assert!(home.body.contains("href=\"/facturen\""), "Facturen appears once there are invoices");
    let invoices = browser.get("/facturen").await;
    assert!(invoices.body.contains("Factuur 2026-10"));
    let text = careportal_tests::pdf::text(&browser.get(&format!("/documenten/{invoice}")).await.bytes);
    assert!(text.contains("Eigen bijdrage: € 112,40"), "{text}");
    let audit = s.app.store.audit_of_client(s.tenant, s.client, 100).await.unwrap();
    assert_eq!(audit.iter().filter(|e| e.action == "document.downloaded").count(), 2);
}

async fn chosen_reports_download_as_one_pdf(backend: Backend) {
    let s = setup(backend).await;
    let origin = Origin::system("test");
    let mut ids = Vec::new();
    for (day, body) in
        [(24, "Eerste rapportage met café en coördinator."), (23, "Tweede rapportage."), (22, "Derde rapportage.")]
    {
        let at =
            careportal_domain::time::local_instant(date_of(day), chrono::NaiveTime::from_hms_opt(9, 0, 0).unwrap())
                .unwrap();
        let new = NewReport {
            written_at: at,
            author: "Medewerker Jan Koster".into(),
            author_account: None,
            source: Source::Ecd,
            body: body.into(),
        };
        ids.push(s.app.store.add_report(s.tenant, &origin, s.client, &new).await.unwrap().id);
    }
    let mut browser = s.browser().await;
    let list = browser.get("/rapportages?periode=week").await;
    assert!(list.body.contains(&format!("name=\"rapportage\" value=\"{}\"", ids[0])));
    let chosen =
        browser.get(&format!("/rapportages/download?periode=week&rapportage={}&rapportage={}", ids[0], ids[2])).await;
    assert_eq!(chosen.header("content-type"), Some("application/pdf"));
    let text = careportal_tests::pdf::text(&chosen.bytes);
    assert!(text.contains("Rapportages van Thomas de Vries") && text.contains("Siloah"), "{text}");
    assert!(text.contains("Eerste rapportage met café en coördinator.") && text.contains("Derde rapportage."));
    assert!(!text.contains("Tweede rapportage."), "only the chosen ones");
    assert!(text.contains("Gedownload op woensdag 25 november 2026 door Ingrid de Vries (vertegenwoordiger)"));
    let everything = browser.get("/rapportages/download?periode=week").await;
    assert!(
        careportal_tests::pdf::text(&everything.bytes).contains("Tweede rapportage."),
        "nothing chosen: all of them"
    );
    let audit = s.app.store.audit_of_client(s.tenant, s.client, 100).await.unwrap();
    assert_eq!(audit.iter().filter(|e| e.action == "record.downloaded").count(), 2);
}

fn date_of(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, day).unwrap()
}

async fn documents_in_s3_are_served_only_after_the_check(backend: Backend) {
    let moto = careportal_tests::moto::Moto::start().await;
    let blobs = moto.blobs("documenten").await;
    let client = moto.s3();
    let s = setup_with(TestApp::builder(backend).blobs(blobs).build().await).await;
    let plan = s.offer().await;
    let stored = s.app.store.care_plan(s.tenant, s.client, plan).await.unwrap().unwrap();
    let print = s.app.store.document(s.tenant, s.client, stored.document).await.unwrap().unwrap();

    let mut browser = s.browser().await;
    let download = browser.get(&format!("/documenten/{}", print.id)).await;
    assert_eq!(download.status, StatusCode::OK);
    assert_eq!(sha256_hex(&download.bytes), print.sha256, "streamed from S3 byte for byte");
    assert!(careportal_tests::pdf::text(&download.bytes).contains("Doelen: zelf boodschappen doen."));
    // The object sits under the tenant's prefix, encrypted, and has no public address.
    let key = format!("tenants/{}/{}", s.tenant, print.blob_key);
    let head = client.head_object().bucket("documenten").key(&key).send().await.unwrap();
    assert_eq!(head.server_side_encryption().map(|e| e.as_str()), Some("AES256"));
    // Someone without the right gets a 404 and S3 is not even asked.
    let other = s.app.new_client("siloah", "SIL-1004", "Yusuf El Amrani").await;
    let fatima =
        s.app.new_account("siloah", "fatima@example.nl", "Fatima El Amrani", other, Relation::Representative).await;
    let mut fatima = s.app.signed_in(HOST, "siloah", fatima).await;
    assert_eq!(fatima.get(&format!("/documenten/{}", print.id)).await.status, StatusCode::NOT_FOUND);
}
