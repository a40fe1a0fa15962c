//! The care record over HTTP: what a client's people see and write, the filters' date
//! boundaries, and above all who gets nothing: no right, another client, another tenant,
//! a module that is off — each a plain 404 that gives nothing away.

use axum::http::StatusCode;
use careportal_domain::ClientId;
use careportal_domain::audit::Origin;
use careportal_domain::clock::Clock;
use careportal_domain::people::Relation;
use careportal_domain::record::Source;
use careportal_domain::record::consents::ConsentQuestion;
use careportal_domain::record::measurements::NewMeasurement;
use careportal_domain::record::messages::NewCareMessage;
use careportal_domain::record::reports::NewReport;
use careportal_domain::time::local_instant;
use careportal_tests::{Backend, TestApp, on_both_backends};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

on_both_backends!(
    home_shows_whose_record_it_is_the_latest_reports_and_the_menu,
    report_periods_include_their_first_and_last_day,
    a_chosen_period_that_makes_no_sense_is_refused_and_kept,
    a_new_report_is_stored_queued_for_the_ecd_and_audited,
    an_empty_report_is_refused_and_nothing_is_lost,
    a_form_that_is_not_utf8_is_refused_whole,
    measurements_show_as_the_manual_writes_them_and_new_ones_are_checked,
    consents_are_saved_with_who_and_when_and_fixed_ones_stay_fixed,
    a_message_reaches_the_coordinators_thread,
    a_person_of_another_client_sees_nothing_of_this_one,
    a_module_that_is_off_or_a_right_that_is_missing_answers_404,
    a_representative_of_two_clients_switches_between_them,
    every_view_of_the_record_is_in_the_audit_log,
    every_module_and_beheer_view_is_audited_at_both_tenants,
);

const HOST: &str = "siloah.localhost";

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    local_instant(NaiveDate::from_ymd_opt(y, m, d).unwrap(), NaiveTime::from_hms_opt(h, min, 0).unwrap()).unwrap()
}

struct Siloah {
    app: TestApp,
    client: ClientId,
}

/// Thomas de Vries at Siloah, with Ingrid as his representative.
async fn siloah(backend: Backend) -> Siloah {
    let app = TestApp::new(backend).await;
    let client = app.new_client("siloah", "SIL-1001", "Thomas de Vries").await;
    Siloah { app, client }
}

impl Siloah {
    async fn ingrid_account(&self) -> careportal_domain::AccountId {
        self.app
            .new_account("siloah", "ingrid@example.nl", "Ingrid de Vries", self.client, Relation::Representative)
            .await
    }

    async fn ingrid(&self) -> careportal_tests::client::TestClient {
        let account = self.ingrid_account().await;
        self.app.signed_in(HOST, "siloah", account).await
    }

    async fn report(&self, written_at: DateTime<Utc>, body: &str) {
        let tenant = self.app.tenant_id("siloah").await;
        let new = NewReport {
            written_at,
            author: "Medewerker Jan Koster".into(),
            author_account: None,
            source: Source::Ecd,
            body: body.into(),
        };
        self.app.store.add_report(tenant, &Origin::system("test"), self.client, &new).await.unwrap();
    }
}

async fn home_shows_whose_record_it_is_the_latest_reports_and_the_menu(backend: Backend) {
    let s = siloah(backend).await;
    s.report(at(2026, 11, 24, 9, 0), "Gisteren goed geslapen.").await;
    s.report(at(2026, 10, 1, 9, 0), "Lang geleden geschreven.").await;
    let account = s.ingrid_account().await;
    let mut ingrid = s.app.signed_in(HOST, "siloah", account).await;
    let home = ingrid.get("/home").await;
    assert_eq!(home.status, StatusCode::OK, "{}", home.body);
    assert!(home.body.contains("Dossier van <strong>Thomas de Vries</strong>"), "{}", home.body);
    assert!(home.body.contains("ingelogd als Ingrid de Vries (vertegenwoordiger)"));
    assert!(home.body.contains("Gisteren goed geslapen."));
    assert!(!home.body.contains("Lang geleden geschreven."), "only the past days on the home page");
    for item in
        ["href=\"/rapportages\"", "href=\"/toestemmingen\"", "href=\"/metingen\"", "href=\"/berichten\"", ">Vragen<"]
    {
        assert!(home.body.contains(item), "menu misses {item}");
    }
    assert!(home.body.contains("Alle rapportages") && home.body.contains("Nieuwe rapportage"));
    // Nothing new on a first visit; something new on the next one.
    assert!(!home.body.contains("Nieuw sinds uw vorige bezoek"));
    s.app.clock.advance(chrono::Duration::hours(2));
    s.report(s.app.clock.now() - chrono::Duration::minutes(5), "Net geschreven.").await;
    let mut ingrid = s.app.signed_in(HOST, "siloah", account).await;
    let home = ingrid.get("/home").await;
    assert!(home.body.contains("Nieuw sinds uw vorige bezoek"), "{}", home.body);
    assert!(home.body.contains("1 nieuwe rapportage"));
}

async fn report_periods_include_their_first_and_last_day(backend: Backend) {
    let s = siloah(backend).await;
    // Today is 25 November 2026; "afgelopen week" starts on 18 November at midnight.
    s.report(at(2026, 11, 18, 0, 0), "Eerste minuut van de week.").await;
    s.report(at(2026, 11, 17, 23, 59), "Net te vroeg voor de week.").await;
    s.report(at(2023, 4, 24, 0, 0), "Begin van 24 april.").await;
    s.report(at(2023, 4, 24, 23, 59), "Eind van 24 april.").await;
    s.report(at(2023, 4, 25, 0, 0), "Al 25 april.").await;
    let mut ingrid = s.ingrid().await;

    let week = ingrid.get("/rapportages?periode=week").await;
    assert_eq!(week.status, StatusCode::OK);
    assert!(week.body.contains("Eerste minuut van de week."));
    assert!(!week.body.contains("Net te vroeg voor de week."));
    assert!(week.body.contains("van 18 november 2026 tot en met 25 november 2026"));

    let month = ingrid.get("/rapportages?periode=maand").await;
    assert!(month.body.contains("Net te vroeg voor de week.") && !month.body.contains("24 april"));

    let chosen = ingrid.get("/rapportages?periode=kiezen&van=24-04-2023&tot=2023-04-24").await;
    assert_eq!(chosen.status, StatusCode::OK, "{}", chosen.body);
    assert!(chosen.body.contains("Begin van 24 april.") && chosen.body.contains("Eind van 24 april."));
    assert!(!chosen.body.contains("Al 25 april.") && !chosen.body.contains("Eerste minuut"));

    let all = ingrid.get("/rapportages?periode=alles").await;
    for text in ["Eerste minuut", "Net te vroeg", "Begin van 24", "Eind van 24", "Al 25 april"] {
        assert!(all.body.contains(text), "alles misses {text}");
    }
    // Newest first.
    assert!(all.body.find("Eerste minuut").unwrap() < all.body.find("Al 25 april").unwrap());
}

async fn a_chosen_period_that_makes_no_sense_is_refused_and_kept(backend: Backend) {
    let s = siloah(backend).await;
    let mut ingrid = s.ingrid().await;
    let page = ingrid.get("/rapportages?periode=kiezen&van=2023-05-01&tot=2023-04-01").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("De einddatum ligt vóór de begindatum"));
    assert!(
        page.body.contains("value=\"2023-05-01\"") && page.body.contains("value=\"2023-04-01\""),
        "typed dates kept"
    );
    assert!(page.body.contains("<details class=\"period-choice\" open>"));
    let page = ingrid.get("/rapportages?periode=kiezen&van=gisteren&tot=").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("&quot;gisteren&quot; is geen datum"));
}

async fn a_new_report_is_stored_queued_for_the_ecd_and_audited(backend: Backend) {
    let s = siloah(backend).await;
    let mut ingrid = s.ingrid().await;
    let form = ingrid.get("/rapportages/nieuw").await;
    assert!(form.body.contains("niet bedoeld om vragen te stellen aan de begeleiding"));
    let saved = ingrid
        .submit("/rapportages/nieuw", "/rapportages/nieuw", &[("tekst", "Bezoek ging goed; Thomas was vrolijk.")])
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let list = ingrid.get(saved.header("location").unwrap()).await;
    assert!(list.body.contains("Uw rapportage is opgeslagen"));
    assert!(list.body.contains("Bezoek ging goed; Thomas was vrolijk."));
    assert!(list.body.contains("Ingrid de Vries (vertegenwoordiger)"));
    assert!(list.body.contains("via het cliëntportaal"));

    let tenant = s.app.tenant_id("siloah").await;
    let pending = s.app.store.ecd_pending(tenant, 10).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!((pending[0].kind.as_str(), pending[0].client), ("report", s.client));
    let audit = s.app.store.audit_of_client(tenant, s.client, 50).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "report.written" && e.actor.starts_with("account:")), "{audit:?}");

    // Without the form's token nothing is stored, and the text is still there.
    let forged = ingrid.post("/rapportages/nieuw", &[("tekst", "Zonder token")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(forged.body.contains("Zonder token"));
    assert_eq!(s.app.store.ecd_pending(tenant, 10).await.unwrap().len(), 1);
}

async fn an_empty_report_is_refused_and_nothing_is_lost(backend: Backend) {
    let s = siloah(backend).await;
    let mut ingrid = s.ingrid().await;
    let empty = ingrid.submit("/rapportages/nieuw", "/rapportages/nieuw", &[("tekst", "   ")]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.body.contains("Schrijf eerst uw rapportage"));
    let long = "x".repeat(4001);
    let too_long = ingrid.submit("/rapportages/nieuw", "/rapportages/nieuw", &[("tekst", &long)]).await;
    assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(too_long.body.contains("u schreef er 4001") && too_long.body.contains(&long), "the text is kept");
}

/// #13 (found by the drill): bytes that are not UTF-8 were decoded to U+FFFD and stored as
/// if typed. The whole form is refused, nothing of it kept; the same text as UTF-8 is stored.
async fn a_form_that_is_not_utf8_is_refused_whole(backend: Backend) {
    let s = siloah(backend).await;
    let mut ingrid = s.ingrid().await;
    let form = ingrid.get("/rapportages/nieuw").await;
    let csrf = careportal_tests::client::csrf_of(&form.body).unwrap();
    for body in [format!("tekst=Goed%FF%FEbezoek&csrf={csrf}"), format!("tekst=Goed%C3%28bezoek&csrf={csrf}")] {
        let refused = ingrid.post_bytes("/rapportages/nieuw", body.into_bytes()).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
        assert!(refused.body.contains("Dit formulier kon niet worden gelezen"), "{}", refused.body);
        assert!(refused.body.contains("er is niets opgeslagen"));
    }
    let mut raw = b"tekst=Goed\xffbezoek&csrf=".to_vec();
    raw.extend_from_slice(csrf.as_bytes());
    assert_eq!(ingrid.post_bytes("/rapportages/nieuw", raw).await.status, StatusCode::BAD_REQUEST);
    let tenant = s.app.tenant_id("siloah").await;
    assert!(s.app.store.ecd_pending(tenant, 10).await.unwrap().is_empty(), "nothing stored");
    let kept =
        ingrid.post_bytes("/rapportages/nieuw", format!("tekst=Goed+bezoek+%E2%82%AC&csrf={csrf}").into_bytes()).await;
    assert_eq!(kept.status, StatusCode::SEE_OTHER, "{}", kept.body);
    assert!(ingrid.get("/rapportages").await.body.contains("Goed bezoek €"));
}

async fn measurements_show_as_the_manual_writes_them_and_new_ones_are_checked(backend: Backend) {
    let s = siloah(backend).await;
    let tenant = s.app.tenant_id("siloah").await;
    let new = NewMeasurement {
        kind: "Temperatuur".into(),
        value: "39.1".into(),
        unit: "°C".into(),
        qualifier: Some("Rectaal".into()),
        measured_at: at(2023, 4, 24, 6, 0),
        location: Some("Tharah - Groep 2".into()),
        measured_by: "Medewerker Priya Ramdin".into(),
        author_account: None,
        source: Source::Ecd,
    };
    s.app.store.add_measurement(tenant, &Origin::system("test"), s.client, &new).await.unwrap();
    let mut ingrid = s.ingrid().await;
    let page = ingrid.get("/metingen").await;
    assert!(page.body.contains("Meetsoort: Temperatuur <strong>39,1 °C (Rectaal)</strong>"), "{}", page.body);
    assert!(page.body.contains("Ma 24 apr 2023 | 06:00 | Tharah - Groep 2 | Medewerker Priya Ramdin"));

    let wrong = ingrid
        .submit(
            "/metingen/nieuw",
            "/metingen/nieuw",
            &[("meetsoort", "Gewicht"), ("waarde", "5600"), ("manier", ""), ("datum", "2026-11-25"), ("tijd", "09:30")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("Een gewicht ligt tussen 0,5 en 400 kg"), "{}", wrong.body);
    assert!(wrong.body.contains("value=\"5600\""), "typed value kept");
    let future = ingrid
        .submit(
            "/metingen/nieuw",
            "/metingen/nieuw",
            &[("meetsoort", "Gewicht"), ("waarde", "56"), ("datum", "2026-11-26"), ("tijd", "09:30")],
        )
        .await;
    assert!(future.body.contains("niet in de toekomst"));

    let saved = ingrid
        .submit(
            "/metingen/nieuw",
            "/metingen/nieuw",
            &[("meetsoort", "Gewicht"), ("waarde", "56,0"), ("manier", ""), ("datum", "25-11-2026"), ("tijd", "9:30")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let page = ingrid.get("/metingen").await;
    assert!(page.body.contains("Meetsoort: Gewicht <strong>56,0 kg</strong>"));
    assert!(page.body.contains("Wo 25 nov 2026 | 09:30 | Cliëntportaal | Ingrid de Vries (vertegenwoordiger)"));
    let all = ingrid.get("/metingen/alle?meetsoort=Gewicht").await;
    assert!(all.body.contains("56,0 kg") && !all.body.contains("39,1"), "filtered by meetsoort");
    assert_eq!(s.app.store.ecd_pending(tenant, 10).await.unwrap()[0].kind, "measurement");
}

async fn consents_are_saved_with_who_and_when_and_fixed_ones_stay_fixed(backend: Backend) {
    let s = siloah(backend).await;
    let tenant = s.app.tenant_id("siloah").await;
    let origin = Origin::system("test");
    for (position, (key, editable, granted)) in
        [("foto", true, Some(false)), ("onderzoek", true, None), ("medicatie", false, Some(true))]
            .into_iter()
            .enumerate()
    {
        let question = ConsentQuestion {
            key: key.into(),
            question: format!("Vraag over {key}"),
            editable,
            position: position as i32,
        };
        s.app.store.put_consent(tenant, &origin, s.client, &question, granted).await.unwrap();
    }
    let mut ingrid = s.ingrid().await;
    let page = ingrid.get("/toestemmingen").await;
    assert!(page.body.contains("<legend>Vraag over foto</legend>"));
    assert!(!page.body.contains("<legend>Vraag over medicatie</legend>"), "not changeable here");
    assert!(page.body.contains("Dit kunt u niet zelf wijzigen"));

    let saved = ingrid
        .submit(
            "/toestemmingen",
            "/toestemmingen",
            &[("toestemming.foto", "ja"), ("toestemming.onderzoek", "nee"), ("toestemming.medicatie", "nee")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let page = ingrid.get(saved.header("location").unwrap()).await;
    assert!(page.body.contains("Uw 2 keuzes zijn opgeslagen"), "{}", page.body);
    assert!(page.body.contains("Wie wijzigde wat"));
    assert!(page.body.contains("Vraag over foto <strong>Ja</strong>, door Ingrid de Vries (vertegenwoordiger)"));
    let consents = s.app.store.consents(tenant, s.client).await.unwrap();
    let medicatie = consents.iter().find(|c| c.key == "medicatie").unwrap();
    assert_eq!(medicatie.granted, Some(true), "a fixed consent is not changed by a form");
    // Saving the same answers again changes nothing and writes no history.
    let again = ingrid.submit("/toestemmingen", "/toestemmingen", &[("toestemming.foto", "ja")]).await;
    assert_eq!(again.header("location"), Some("/toestemmingen?opgeslagen=0"));
    assert_eq!(s.app.store.consent_changes(tenant, s.client, 10).await.unwrap().len(), 2);
}

async fn a_message_reaches_the_coordinators_thread(backend: Backend) {
    let s = siloah(backend).await;
    let tenant = s.app.tenant_id("siloah").await;
    // A tenant that gives a number for urgent matters gets it under the form.
    let mut bundle = careportal_tests::fixtures::bundle("siloah").await;
    bundle.config.support.urgent_phone = Some("0318 – 55 55 55".into());
    s.app.store.apply_tenant(&Origin::system("test"), &bundle).await.unwrap();
    let reply = NewCareMessage {
        sent_at: at(2026, 11, 20, 14, 0),
        sender: "Lisa Smit (Coördinator zorg)".into(),
        sender_account: None,
        body: "Dat kan, hij staat om 13.00 uur klaar.".into(),
    };
    s.app.store.add_care_message(tenant, &Origin::system("test"), s.client, &reply).await.unwrap();
    let mut ingrid = s.ingrid().await;
    let page = ingrid.get("/berichten").await;
    assert!(page.body.contains("het bericht is alleen zichtbaar voor de Coördinator zorg"));
    assert!(
        page.body.contains("Neem dan telefonisch (<a href=\"tel:0318555555\">0318 – 55 55 55</a>)"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Lisa Smit (Coördinator zorg) | Vr 20 nov 2026 | 14:00"));
    let empty = ingrid.submit("/berichten", "/berichten", &[("bericht", "")]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.body.contains("Typ eerst uw bericht"));
    let sent = ingrid.submit("/home", "/berichten", &[("bericht", "Dank je wel!"), ("terug", "home")]).await;
    assert_eq!(sent.header("location"), Some("/home?verstuurd=1#berichten"));
    let home = ingrid.get("/home?verstuurd=1").await;
    assert!(home.body.contains("Uw bericht is verstuurd aan de Coördinator zorg"));
    assert!(home.body.contains("Dank je wel!"));
    assert!(home.body.contains("Ingrid de Vries (vertegenwoordiger) (u) | Wo 25 nov 2026 | 10:00"));
}

async fn a_person_of_another_client_sees_nothing_of_this_one(backend: Backend) {
    let s = siloah(backend).await;
    s.report(at(2026, 11, 24, 9, 0), "Alleen voor de familie De Vries.").await;
    let other = s.app.new_client("siloah", "SIL-1004", "Yusuf El Amrani").await;
    let fatima =
        s.app.new_account("siloah", "fatima@example.nl", "Fatima El Amrani", other, Relation::Representative).await;
    let mut fatima = s.app.signed_in(HOST, "siloah", fatima).await;
    for path in ["/home", "/rapportages?periode=alles", "/metingen/alle", "/berichten", "/toestemmingen"] {
        let page = fatima.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(!page.body.contains("De Vries") && !page.body.contains("Thomas"), "{path} leaks: {}", page.body);
    }
    // Opening Thomas's record by his id is a 404, not a "no access".
    let home = fatima.get("/home").await;
    let csrf = careportal_tests::client::csrf_of(&home.body).unwrap();
    let switch = fatima.post("/dossier", &[("client", &s.client.to_string()), ("csrf", &csrf)]).await;
    assert_eq!(switch.status, StatusCode::NOT_FOUND);
    assert!(!switch.body.contains("Thomas"));

    // The same account name at another tenant is another account; a Siloah session means
    // nothing on Salem's host.
    let cross = s.ingrid().await;
    let salem = {
        let mut client = s.app.client("salem.localhost");
        client.cookies = cross.cookies.clone();
        client.get("/rapportages").await
    };
    assert_eq!(salem.status, StatusCode::SEE_OTHER, "no session at Salem: off to its login");
    assert_eq!(salem.header("location"), Some("/inloggen"));
}

async fn a_module_that_is_off_or_a_right_that_is_missing_answers_404(backend: Backend) {
    let app = TestApp::new(backend).await;
    // Salem: a contact person holds no right to the dossier until the client grants it.
    let johanna = app.new_client("salem", "SAL-2001", "Johanna van den Berg").await;
    let willem = app.new_account("salem", "willem@example.nl", "Willem van den Berg", johanna, Relation::Contact).await;
    let mut willem = app.signed_in("salem.localhost", "salem", willem).await;
    assert_eq!(willem.get("/home").await.status, StatusCode::OK);
    for path in ["/rapportages", "/rapportages/nieuw", "/metingen", "/toestemmingen", "/berichten", "/persoonsbeeld"] {
        let page = willem.get(path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert!(page.body.contains("Niet gevonden") || page.body.contains("niet gevonden"), "{path}");
    }
    let home = willem.get("/home").await;
    assert!(!home.body.contains("href=\"/rapportages\""), "no menu entry without the right");
    // The client herself reads her dossier ("Mijn dossier") but Salem has no writing of reports.
    let client_account =
        app.new_account("salem", "johanna@example.nl", "Johanna van den Berg", johanna, Relation::Client).await;
    let mut johanna_browser = app.signed_in("salem.localhost", "salem", client_account).await;
    let dossier = johanna_browser.get("/rapportages").await;
    assert_eq!(dossier.status, StatusCode::OK);
    assert!(dossier.body.contains("<h1>Mijn dossier</h1>"));
    assert!(!dossier.body.contains("Nieuwe rapportage"));
    assert_eq!(johanna_browser.get("/rapportages/nieuw").await.status, StatusCode::NOT_FOUND);
    // Salem's messages reach contact persons, not a coordinator: no coordinator thread.
    let berichten = johanna_browser.get("/berichten").await;
    assert_eq!(berichten.status, StatusCode::OK);
    assert!(berichten.body.contains("U kunt de zorg hier geen") && !berichten.body.contains("Coördinator zorg"));
    let csrf = careportal_tests::client::csrf_of(&berichten.body).unwrap();
    let to_coordinator = johanna_browser.post("/berichten", &[("bericht", "x"), ("csrf", &csrf)]).await;
    assert_eq!(to_coordinator.status, StatusCode::NOT_FOUND);
    let forged = johanna_browser.post("/rapportages/nieuw", &[("tekst", "x")]).await;
    assert_eq!(forged.status, StatusCode::NOT_FOUND);

    // De Linde switched reports off altogether.
    let linde = app.new_client("de-linde", "DL-1", "Bram de Wit").await;
    let account = app.new_account("de-linde", "bram@example.nl", "Bram de Wit", linde, Relation::Client).await;
    let mut bram = app.signed_in("de-linde.localhost", "de-linde", account).await;
    assert_eq!(bram.get("/rapportages").await.status, StatusCode::NOT_FOUND);
    assert_eq!(bram.get("/metingen").await.status, StatusCode::NOT_FOUND);
    assert_eq!(bram.get("/home").await.status, StatusCode::OK);
}

async fn a_representative_of_two_clients_switches_between_them(backend: Backend) {
    let app = TestApp::new(backend).await;
    let sanne = app.new_client("siloah", "SIL-1002", "Sanne Bakker").await;
    let daan = app.new_client("siloah", "SIL-1003", "Daan Bakker").await;
    let marco = app.new_account("siloah", "marco@example.nl", "Marco Bakker", sanne, Relation::Representative).await;
    let tenant = app.tenant_id("siloah").await;
    app.store.link_account(tenant, &Origin::system("test"), marco, daan, Relation::Representative).await.unwrap();
    let mut browser = app.signed_in(HOST, "siloah", marco).await;
    let home = browser.get("/home").await;
    assert!(home.body.contains("<label for=\"dossier-kiezen\">Ander dossier</label>"));
    let first = if home.body.contains("Dossier van <strong>Sanne Bakker</strong>") { sanne } else { daan };
    let other = if first == sanne { daan } else { sanne };
    let csrf = careportal_tests::client::csrf_of(&home.body).unwrap();
    let switched = browser.post("/dossier", &[("client", &other.to_string()), ("csrf", &csrf)]).await;
    assert_eq!(switched.header("location"), Some("/home"));
    let home = browser.get("/home").await;
    let expected = if other == sanne { "Sanne Bakker" } else { "Daan Bakker" };
    assert!(home.body.contains(&format!("Dossier van <strong>{expected}</strong>")), "{}", home.body);
    let audit = app.store.audit_of_client(tenant, other, 20).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "client.opened"));
}

async fn every_view_of_the_record_is_in_the_audit_log(backend: Backend) {
    let s = siloah(backend).await;
    let mut ingrid = s.ingrid().await;
    for path in
        ["/home", "/rapportages", "/metingen", "/metingen/alle", "/toestemmingen", "/berichten", "/persoonsbeeld"]
    {
        assert_eq!(ingrid.get(path).await.status, StatusCode::OK, "{path}");
    }
    let tenant = s.app.tenant_id("siloah").await;
    let audit = s.app.store.audit_of_client(tenant, s.client, 100).await.unwrap();
    let views: Vec<_> = audit.iter().filter(|e| e.action == "record.viewed").collect();
    for module in ["home", "reports", "measurements", "consents", "messages", "person_profile"] {
        assert!(views.iter().any(|e| e.object.as_deref() == Some(module)), "no view of {module}: {views:?}");
    }
    // NEN 7513: who, in which role, on whose behalf, allowed.
    let behalf = format!("client:{}", s.client);
    for view in &views {
        assert!(view.actor.starts_with("account:"), "{view:?}");
        assert_eq!(view.role.as_deref(), Some("representative"), "{view:?}");
        assert_eq!(view.on_behalf_of.as_deref(), Some(behalf.as_str()), "{view:?}");
        assert_eq!(view.outcome, "allowed");
        assert!(view.user_agent.is_some() && view.seq.is_some() && view.hash.is_some(), "{view:?}");
    }
}

/// Each module's page, as the manuals name them (Help is no client data).
const PAGES: [(careportal_domain::tenant::Module, &str); 16] = {
    use careportal_domain::tenant::Module::*;
    [
        (Home, "/home"),
        (Reports, "/rapportages"),
        (Consents, "/toestemmingen"),
        (Measurements, "/metingen"),
        (CarePlans, "/begeleidingsplannen"),
        (Evaluations, "/evaluaties"),
        (PersonProfile, "/persoonsbeeld"),
        (Invoices, "/facturen"),
        (Messages, "/berichten"),
        (Agenda, "/agenda"),
        (Prikbord, "/prikbord"),
        (Questionnaires, "/vragenlijsten"),
        (Contacts, "/contactpersonen"),
        (MyDetails, "/mijn-gegevens"),
        (Settings, "/instellingen"),
        (Help, "/help"),
    ]
};

/// #16: every module a tenant has switched on, at Siloah and at Salem, leaves a
/// `record.viewed` of that module when its page is opened (and a module that is off answers
/// 404); every Beheer view of a client leaves an entry naming the client and the module.
async fn every_module_and_beheer_view_is_audited_at_both_tenants(backend: Backend) {
    let app = TestApp::new(backend).await;
    for (slug, host) in [("siloah", "siloah.localhost"), ("salem", "salem.localhost")] {
        let tenant = app.tenant_id(slug).await;
        let reference = format!("{}-1001", slug.to_uppercase());
        let client = app.new_client(slug, &reference, "Thomas de Vries").await;
        // Facturen shows only once there is an invoice.
        let invoice = careportal_domain::record::documents::NewDocument {
            kind: careportal_domain::record::documents::DocumentKind::Invoice,
            title: "Factuur".into(),
            date: chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
            blob_key: "test/factuur.pdf".into(),
            sha256: "0".repeat(64),
            size: 1,
            content_type: "application/pdf".into(),
        };
        app.store.add_document(tenant, &Origin::system("test"), client, &invoice).await.unwrap();
        let config = app.store.tenant_by_slug(slug).await.unwrap().unwrap().config;
        let on: Vec<_> = PAGES.iter().filter(|(m, _)| config.modules.contains_key(m.key())).collect();
        assert!(on.len() >= 8, "{slug} has its modules: {on:?}");
        // The client and a representative: between them every module that is on opens.
        let mut opened = std::collections::BTreeSet::new();
        for (relation, who) in [(Relation::Client, "thomas"), (Relation::Representative, "ingrid")] {
            let name = if who == "thomas" { "Thomas de Vries" } else { "Ingrid de Vries" };
            let account = app.new_account(slug, &format!("{who}@{slug}.example"), name, client, relation).await;
            let mut browser = app.signed_in(host, slug, account).await;
            let mut seen = Vec::new();
            for (module, path) in PAGES {
                let page = browser.get(path).await;
                if !config.modules.contains_key(module.key()) {
                    assert_eq!(page.status, StatusCode::NOT_FOUND, "{slug} {path} is off");
                } else if page.status == StatusCode::OK {
                    seen.push((module, path));
                } else {
                    assert_eq!(page.status, StatusCode::NOT_FOUND, "{slug} {path} as {who}");
                }
            }
            let audit = app.store.audit_of_client(tenant, client, 1000).await.unwrap();
            for (module, path) in seen.iter().filter(|(m, _)| m.key() != "help") {
                let view = audit
                    .iter()
                    .find(|e| {
                        e.action == "record.viewed"
                            && e.object.as_deref() == Some(module.key())
                            && e.actor == format!("account:{account}")
                    })
                    .unwrap_or_else(|| panic!("{slug}: {who} opening {path} left no view of {}", module.key()));
                assert_eq!(view.role.as_deref(), Some(if who == "thomas" { "client" } else { "representative" }));
                assert_eq!(view.outcome, "allowed");
                assert!(view.seq.is_some() && view.hash.is_some());
            }
            opened.extend(seen.iter().map(|(m, _)| m.key()));
        }
        for (module, path) in &on {
            assert!(opened.contains(module.key()), "{slug}: {path} opened for nobody");
        }

        // Beheer: a coordinator's looks at this client, each with the client and the module.
        let own = app.new_client(slug, &format!("STAFF-{slug}"), "Eigen Dossier").await;
        let lisa = app.new_account(slug, &format!("lisa@{slug}.example"), "Lisa Smit", own, Relation::Client).await;
        app.coordinator_of_every_client(slug, lisa).await;
        let mut lisa_browser = app.signed_in(host, slug, lisa).await;
        let mut looked = vec![("/beheer".to_owned(), None)];
        // The coordinator's thread exists where the clients' messages reach the coordinator.
        if slug == "siloah" {
            looked.push((format!("/beheer/clienten/{reference}/berichten"), Some("messages")));
        }
        if config.modules.contains_key("prikbord") {
            looked.push((format!("/beheer/clienten/{reference}/prikbord"), Some("prikbord")));
        }
        if config.modules.contains_key("care_plans") {
            looked.push((format!("/beheer/clienten/{reference}/begeleidingsplan"), Some("care_plans")));
        }
        for (path, _) in &looked {
            assert_eq!(lisa_browser.get(path).await.status, StatusCode::OK, "{slug} {path}");
        }
        let entries = app.store.audit(tenant, 500).await.unwrap();
        let lisa_actor = format!("account:{lisa}");
        let by_lisa: Vec<_> = entries.iter().filter(|e| e.actor == lisa_actor).collect();
        assert!(
            by_lisa.iter().any(|e| e.action == "client.listed" && e.role.as_deref() == Some("coordinator")),
            "{by_lisa:?}"
        );
        for (path, object) in looked.iter().filter_map(|(p, o)| o.map(|o| (p, o))) {
            assert!(
                by_lisa
                    .iter()
                    .any(|e| e.client == Some(client) && e.object.as_deref() == Some(object) && e.outcome == "allowed"),
                "{slug}: {path} left no entry for the client with {object}: {by_lisa:?}"
            );
        }
    }
}
