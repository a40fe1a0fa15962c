//! Demo care records: reports, measurements (with the Siloah manual's own examples),
//! consents, a thread with the coordinator and a person profile. Dates are counted back
//! from today, so the home page always has "de afgelopen dagen" to show; a client that
//! already has reports is left alone, so running the demo again changes nothing.

use crate::documents::store_pdf;
use crate::failure::Failure;
use careportal_documents::{Blobs, TextDocument};
use careportal_domain::TenantId;
use careportal_domain::audit::Origin;
use careportal_domain::people::ClientReference;
use careportal_domain::record::consents::ConsentQuestion;
use careportal_domain::record::documents::{DocumentKind, PlanDecision};
use careportal_domain::record::measurements::NewMeasurement;
use careportal_domain::record::messages::NewCareMessage;
use careportal_domain::record::reports::NewReport;
use careportal_domain::record::{ProfileSection, Source};
use careportal_domain::time::long_date;
use careportal_domain::time::{TimeRange, local_instant};
use careportal_store::{Store, StoreError};
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};

const COORDINATOR: &str = "Lisa Smit (Coördinator zorg)";
const LOCATION: &str = "Tharah - Groep 2";

/// Reports as staff write them: days ago, hour, author, text.
const SILOAH_REPORTS: &[(i64, u32, &str, &str)] = &[
    (
        0,
        9,
        "Medewerker Jan Koster",
        "Thomas heeft goed geslapen en is vrolijk aan de dag begonnen. Ontbijt helemaal op.",
    ),
    (
        1,
        16,
        "Medewerker Lisa Smit",
        "Middag naar de dagbesteding geweest. Thomas vertelde enthousiast over het houtwerk.",
    ),
    (2, 20, "Medewerker Jan Koster", "Rustige avond. Samen met een groepsgenoot naar voetbal op tv gekeken."),
    (4, 11, "Medewerker Priya Ramdin", "Bezoek van moeder. Thomas was daarna wat stil, maar pakte de draad goed op."),
    (9, 14, "Medewerker Lisa Smit", "Wandeling naar de markt. Thomas heeft zelf afgerekend bij de groenteboer."),
    (
        20,
        10,
        "Medewerker Priya Ramdin",
        "Controle bij de tandarts: geen gaatjes. Volgende controle over een half jaar.",
    ),
    (45, 15, "Medewerker Jan Koster", "Thomas heeft meegeholpen met het koken. Hij wil dit vaker doen."),
    (120, 9, "Medewerker Lisa Smit", "Evaluatiegesprek voorbereid met Thomas; hij wil meer zelf boodschappen doen."),
    (300, 13, "Medewerker Priya Ramdin", "Verjaardag van een groepsgenoot gevierd. Thomas heeft een kaart gemaakt."),
    (500, 10, "Medewerker Jan Koster", "Eerste week op de nieuwe groep. Thomas went goed."),
];

const SILOAH_MESSAGES: &[(i64, u32, bool, &str)] = &[
    (6, 10, true, "Goedemorgen, kan Thomas volgende week woensdag een middag mee naar opa? Groet, Ingrid"),
    (6, 14, false, "Dag Ingrid, dat kan. Wij zorgen dat hij om 13.00 uur klaarstaat. Groet, Lisa"),
    (1, 9, false, "Ter herinnering: vrijdag is de jaarlijkse evaluatie om 10.00 uur op de groep."),
];

const SILOAH_CONSENTS: &[(&str, &str, bool, Option<bool>)] = &[
    ("foto-nieuwsbrief", "Foto's van mij mogen gebruikt worden in de nieuwsbrief van Siloah.", true, Some(false)),
    ("gegevens-huisarts", "Mijn gegevens mogen gedeeld worden met mijn huisarts.", true, Some(true)),
    ("onderzoek", "Ik wil meedoen aan wetenschappelijk onderzoek naar de zorg.", true, None),
    ("medicatie-beheer", "Siloah beheert mijn medicatie.", false, Some(true)),
];

const SILOAH_PROFILE: &[(&str, &str)] = &[
    ("Wie ben ik", "Thomas is een vrolijke jongeman die houdt van voetbal, houtwerk en muziek van de radio."),
    ("Wat vind ik belangrijk", "Een vaste dagindeling, op tijd eten en elke week contact met zijn familie."),
    ("Communicatie", "Thomas begrijpt korte zinnen het best. Geef hem de tijd om te antwoorden."),
    ("Gezondheid", "Epilepsie, goed ingesteld op medicatie. Let op vermoeidheid na drukke dagen."),
];

const SALEM_REPORTS: &[(i64, u32, &str, &str)] = &[
    (0, 10, "Verzorgende Ans de Groot", "Mevrouw heeft met smaak ontbeten en daarna in de huiskamer de krant gelezen."),
    (2, 15, "Verzorgende Ria Pauw", "Bezoek van zoon Willem. Samen een rondje door de tuin gelopen."),
    (12, 11, "Verzorgende Ans de Groot", "Kapper geweest; mevrouw was erg tevreden."),
];

fn day_at(days_ago: i64, hour: u32, now: DateTime<Utc>) -> DateTime<Utc> {
    let date = careportal_domain::time::local_date(now - Duration::days(days_ago));
    let at = NaiveTime::from_hms_opt(hour, 0, 0).and_then(|t| local_instant(date, t)).unwrap_or(now);
    // Never in the future: what is "this morning" but has not happened yet moves to within
    // the last 48 minutes (the later its hour, the nearer to now), so today's entries keep
    // their order and stay the newest. Moving them to yesterday put them among yesterday's,
    // and before nine in the morning the demo's newest report was no longer the first.
    if at > now { now - Duration::minutes(2 * i64::from(24 - hour.min(24))) } else { at }
}

fn fixed(y: i32, m: u32, d: u32, h: u32, min: u32) -> Option<DateTime<Utc>> {
    local_instant(NaiveDate::from_ymd_opt(y, m, d)?, NaiveTime::from_hms_opt(h, min, 0)?)
}

pub async fn load(
    store: &dyn Store,
    blobs: &Blobs,
    tenant: TenantId,
    slug: &str,
    now: DateTime<Utc>,
) -> Result<(), Failure> {
    let origin = Origin::system("demo");
    match slug {
        "siloah" => {
            for reference in ["SIL-1001", "SIL-1002", "SIL-1003", "SIL-1004"] {
                if siloah_client(store, tenant, &origin, reference, now).await? {
                    siloah_documents(store, blobs, tenant, &origin, reference, now).await?;
                }
            }
        }
        "salem" => {
            let Some(client) = client(store, tenant, "SAL-2001").await? else { return Ok(()) };
            if has_reports(store, tenant, client).await? {
                return Ok(());
            }
            for (days, hour, author, body) in SALEM_REPORTS {
                add_report(store, tenant, &origin, client, day_at(*days, *hour, now), author, body).await?;
            }
            salem_network(store, tenant, &origin, client).await?;
            salem_agenda(store, tenant, &origin, client, now).await?;
            salem_prikbord(store, blobs, tenant, &origin, client, now).await?;
            salem_questionnaire(store, tenant, &origin, client).await?;
        }
        _ => {}
    }
    Ok(())
}

async fn client(
    store: &dyn Store,
    tenant: TenantId,
    reference: &str,
) -> Result<Option<careportal_domain::ClientId>, StoreError> {
    let reference = ClientReference::parse(reference).map_err(|e| StoreError::Config(e.to_string()))?;
    Ok(store.client_by_reference(tenant, &reference).await?.map(|c| c.id))
}

async fn has_reports(
    store: &dyn Store,
    tenant: TenantId,
    client: careportal_domain::ClientId,
) -> Result<bool, StoreError> {
    Ok(!store.reports(tenant, client, TimeRange::ALL, 1).await?.is_empty())
}

async fn add_report(
    store: &dyn Store,
    tenant: TenantId,
    origin: &Origin,
    client: careportal_domain::ClientId,
    at: DateTime<Utc>,
    author: &str,
    body: &str,
) -> Result<(), StoreError> {
    let new = NewReport {
        written_at: at,
        author: author.into(),
        author_account: None,
        source: Source::Ecd,
        body: body.into(),
    };
    store.add_report(tenant, origin, client, &new).await.map(|_| ())
}

/// Loads a Siloah client's record; false when there was nothing to do (already loaded).
async fn siloah_client(
    store: &dyn Store,
    tenant: TenantId,
    origin: &Origin,
    reference: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let Some(client) = client(store, tenant, reference).await? else { return Ok(false) };
    if has_reports(store, tenant, client).await? {
        return Ok(false);
    }
    // Everyone gets reports; Thomas (SIL-1001) gets the full record the manual describes.
    let reports = if reference == "SIL-1001" { SILOAH_REPORTS } else { &SILOAH_REPORTS[1..4] };
    for (days, hour, author, body) in reports {
        add_report(store, tenant, origin, client, day_at(*days, *hour, now), author, body).await?;
    }
    if reference != "SIL-1001" {
        return Ok(false);
    }

    let measure = |kind: &str, value: &str, unit: &str, qualifier: Option<&str>, at: DateTime<Utc>| NewMeasurement {
        kind: kind.into(),
        value: value.into(),
        unit: unit.into(),
        qualifier: qualifier.map(str::to_owned),
        measured_at: at,
        location: Some(LOCATION.into()),
        measured_by: "Medewerker Priya Ramdin".into(),
        author_account: None,
        source: Source::Ecd,
    };
    // The manual's three examples, at the moments it shows them.
    let manual = [
        ("Gewicht", "56.0", "kg", None, fixed(2023, 5, 3, 18, 30)),
        ("Temperatuur", "37.0", "°C", Some("-"), fixed(2023, 4, 24, 15, 54)),
        ("Temperatuur", "39.1", "°C", Some("Rectaal"), fixed(2023, 4, 24, 6, 0)),
    ];
    for (kind, value, unit, qualifier, at) in manual {
        if let Some(at) = at {
            store.add_measurement(tenant, origin, client, &measure(kind, value, unit, qualifier, at)).await?;
        }
    }
    // A weight a month for the past year, for the trend.
    for (month, value) in
        ["57.2", "57.0", "56.8", "56.9", "56.5", "56.3", "56.6", "56.4", "56.1", "56.2", "55.9", "56.0"]
            .iter()
            .enumerate()
    {
        let at = day_at(30 * (12 - month as i64) - 3, 8, now);
        store.add_measurement(tenant, origin, client, &measure("Gewicht", value, "kg", None, at)).await?;
    }
    store
        .add_measurement(tenant, origin, client, &measure("Temperatuur", "36.8", "°C", Some("Oor"), day_at(1, 8, now)))
        .await?;

    for (position, (key, question, editable, granted)) in SILOAH_CONSENTS.iter().enumerate() {
        let question = ConsentQuestion {
            key: (*key).into(),
            question: (*question).into(),
            editable: *editable,
            position: position as i32,
        };
        store.put_consent(tenant, origin, client, &question, *granted).await?;
    }
    for (days, hour, from_family, body) in SILOAH_MESSAGES {
        let (sender, account) = if *from_family {
            let ingrid = careportal_domain::people::Username::parse("ingrid.devries@example.nl")
                .map_err(|e| StoreError::Config(e.to_string()))?;
            let account = store.account_by_username(tenant, &ingrid).await?;
            ("Ingrid de Vries (vertegenwoordiger)".to_owned(), account.map(|a| a.id))
        } else {
            (COORDINATOR.to_owned(), None)
        };
        let new = NewCareMessage {
            sent_at: day_at(*days, *hour, now),
            sender,
            sender_account: account,
            body: (*body).into(),
        };
        store.add_care_message(tenant, origin, client, &new).await?;
    }
    let sections: Vec<ProfileSection> = SILOAH_PROFILE
        .iter()
        .enumerate()
        .map(|(i, (title, body))| ProfileSection {
            position: i as i32 + 1,
            title: (*title).into(),
            body: (*body).into(),
        })
        .collect();
    store.set_profile(tenant, origin, client, &sections).await?;
    Ok(true)
}

/// Johanna's contact persons hold different rights, as the manual advises; and a few
/// messages between them.
async fn salem_network(
    store: &dyn Store,
    tenant: TenantId,
    origin: &Origin,
    client: careportal_domain::ClientId,
) -> Result<(), StoreError> {
    use careportal_domain::rights::{Action, Grant};
    use careportal_domain::tenant::Module;
    let grant = |module, action| Grant { module, action };
    let people: [(&str, Vec<Grant>); 3] = [
        (
            "willem.vandenberg@example.nl",
            vec![
                grant(Module::Reports, Action::Read),
                grant(Module::MyDetails, Action::Read),
                grant(Module::Agenda, Action::Read),
                grant(Module::Agenda, Action::Write),
                grant(Module::Messages, Action::Read),
                grant(Module::Messages, Action::Write),
                grant(Module::Prikbord, Action::Read),
                grant(Module::Prikbord, Action::Write),
            ],
        ),
        (
            "anneke.visser@example.nl",
            vec![
                grant(Module::Messages, Action::Read),
                grant(Module::Messages, Action::Write),
                grant(Module::Prikbord, Action::Read),
                grant(Module::Prikbord, Action::Write),
            ],
        ),
        ("kees.visser@example.nl", vec![grant(Module::Prikbord, Action::Read)]),
    ];
    let mut ids = Vec::new();
    for (username, grants) in &people {
        let username =
            careportal_domain::people::Username::parse(username).map_err(|e| StoreError::Config(e.to_string()))?;
        if let Some(account) = store.account_by_username(tenant, &username).await? {
            store.set_grants(tenant, origin, client, account.id, grants).await?;
            ids.push(account.id);
        }
    }
    let johanna = careportal_domain::people::Username::parse("johanna.vandenberg@example.nl")
        .map_err(|e| StoreError::Config(e.to_string()))?;
    if let (Some(johanna), Some(willem), Some(anneke)) =
        (store.account_by_username(tenant, &johanna).await?, ids.first(), ids.get(1))
    {
        store
            .add_network_message(
                tenant,
                origin,
                client,
                johanna.id,
                *willem,
                "Kom je zondag op de koffie? Neem de kleinkinderen mee!",
            )
            .await?;
        store
            .add_network_message(tenant, origin, client, *willem, johanna.id, "Ja mam, we zijn er om half drie.")
            .await?;
        store
            .add_network_message(
                tenant,
                origin,
                client,
                *anneke,
                johanna.id,
                "Ik breng donderdag de foto's van de verjaardag.",
            )
            .await?;
    }
    Ok(())
}

/// Johanna's week: care appointments from the ECD and her own, private and public.
async fn salem_agenda(
    store: &dyn Store,
    tenant: TenantId,
    origin: &Origin,
    client: careportal_domain::ClientId,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    use careportal_domain::record::agenda::check_appointment;
    let items: [(i64, &str, &str, &str, &str, Source, bool); 4] = [
        (1, "Fysiotherapie", "14:00", "14:30", "Oefenzaal", Source::Ecd, false),
        (3, "Huisarts", "09:30", "09:45", "Praktijk De Linde", Source::Ecd, false),
        (2, "Kapper", "10:00", "10:45", "Salon Els", Source::Portal, true),
        (5, "Verjaardag Willem", "15:00", "18:00", "Bij Willem thuis", Source::Portal, false),
    ];
    for (days_ahead, title, start, end, place, source, public) in items {
        let date = date_of(-days_ahead, now).to_string();
        let input = check_appointment(title, &date, start, end, place, "", public)
            .map_err(|e| StoreError::Config(format!("{e:?}")))?;
        store.add_appointment(tenant, origin, client, source, None, &input).await?;
    }
    Ok(())
}

/// A questionnaire from the ECD, waiting to be filled in.
async fn salem_questionnaire(
    store: &dyn Store,
    tenant: TenantId,
    origin: &Origin,
    client: careportal_domain::ClientId,
) -> Result<(), StoreError> {
    use careportal_domain::record::questionnaires::{Question, QuestionKind};
    let scale = vec!["Zeer tevreden".to_owned(), "Tevreden".to_owned(), "Neutraal".to_owned(), "Ontevreden".to_owned()];
    let questions = vec![
        Question {
            key: "zorg".into(),
            text: "Hoe tevreden bent u over de zorg die u krijgt?".into(),
            kind: QuestionKind::Choice { options: scale.clone() },
            required: true,
        },
        Question {
            key: "eten".into(),
            text: "Hoe tevreden bent u over het eten?".into(),
            kind: QuestionKind::Choice { options: scale },
            required: true,
        },
        Question {
            key: "wens".into(),
            text: "Wat zou u graag anders zien?".into(),
            kind: QuestionKind::Text,
            required: false,
        },
    ];
    let intro = "Wij horen graag hoe het met u gaat. Het invullen duurt ongeveer vijf minuten.";
    store.add_questionnaire(tenant, origin, client, "Tevredenheid over wonen en zorg", Some(intro), &questions).await?;
    Ok(())
}

/// A photo for the demo prikbord: a soft gradient of the given colours, as a JPEG.
fn demo_photo(from: [u8; 3], to: [u8; 3]) -> Result<Vec<u8>, Failure> {
    let (w, h) = (800u32, 600u32);
    let picture = image::RgbImage::from_fn(w, h, |x, y| {
        let t = (x + y) as f32 / (w + h) as f32;
        let mix = |a: u8, b: u8| (f32::from(a) + (f32::from(b) - f32::from(a)) * t) as u8;
        image::Rgb([mix(from[0], to[0]), mix(from[1], to[1]), mix(from[2], to[2])])
    });
    let mut png = Vec::new();
    image::DynamicImage::ImageRgb8(picture)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .map_err(|e| Failure::Failed(e.to_string()))?;
    careportal_documents::clean_photo(&png).map_err(|e| Failure::Failed(e.to_string()))
}

/// A lively prikbord: posts with photos from the family, and replies.
async fn salem_prikbord(
    store: &dyn Store,
    blobs: &Blobs,
    tenant: TenantId,
    origin: &Origin,
    client: careportal_domain::ClientId,
    now: DateTime<Utc>,
) -> Result<(), Failure> {
    use careportal_domain::ids::PostId;
    use careportal_domain::record::prikbord::Post;
    let account = |username: &'static str| async move {
        let username =
            careportal_domain::people::Username::parse(username).map_err(|e| Failure::Failed(e.to_string()))?;
        store
            .account_by_username(tenant, &username)
            .await?
            .ok_or_else(|| Failure::Failed("demo-account ontbreekt".into()))
    };
    let (anneke, willem, johanna) = (
        account("anneke.visser@example.nl").await?,
        account("willem.vandenberg@example.nl").await?,
        account("johanna.vandenberg@example.nl").await?,
    );
    let posts = [
        (
            &anneke,
            "Anneke Visser (contactpersoon)",
            "De kleinkinderen hebben een tekening voor oma gemaakt!",
            Some(([250, 200, 80], [230, 90, 60])),
            2,
        ),
        (
            &willem,
            "Willem van den Berg (contactpersoon)",
            "Zondag koffie in de tuin, wie komt er ook?",
            Some(([120, 180, 90], [60, 120, 160])),
            1,
        ),
        (&johanna, "Johanna van den Berg", "Dank jullie wel voor de bloemen.", None, 0),
    ];
    let mut first = None;
    for (author, name, body, colours, days) in posts {
        let id = PostId::new();
        let photo_key = match colours {
            Some((from, to)) => {
                let key = format!("prikbord/{id}.jpg");
                blobs
                    .put(tenant, &key, demo_photo(from, to)?, "image/jpeg")
                    .await
                    .map_err(|e| Failure::Failed(e.to_string()))?;
                Some(key)
            }
            None => None,
        };
        let post = Post {
            id,
            client,
            parent: None,
            author: author.id,
            author_name: name.to_owned(),
            body: body.to_owned(),
            photo_key,
            created_at: day_at(days, 11, now),
        };
        store.add_post(tenant, origin, &post).await?;
        first.get_or_insert(id);
    }
    if let Some(parent) = first {
        let reply = Post {
            id: PostId::new(),
            client,
            parent: Some(parent),
            author: johanna.id,
            author_name: "Johanna van den Berg".to_owned(),
            body: "Wat mooi! Hij krijgt een plekje boven mijn bed.".to_owned(),
            photo_key: None,
            created_at: day_at(1, 16, now),
        };
        store.add_post(tenant, origin, &reply).await?;
    }
    Ok(())
}

fn date_of(days_ago: i64, now: DateTime<Utc>) -> NaiveDate {
    careportal_domain::time::local_date(now - Duration::days(days_ago))
}

fn plan_pdf(client_name: &str, date: NaiveDate) -> Vec<u8> {
    let mut doc = TextDocument::new("Siloah", &format!("Begeleidingsplan van {client_name}"));
    doc.meta(&format!("Begeleidingsplanafdruk van {}", long_date(date)));
    for (title, body) in [
        ("Wie ben ik", "Thomas woont op de groep in Tharah. Hij houdt van voetbal, houtwerk en muziek."),
        (
            "Doelen",
            "1. Thomas doet twee keer per week zelf boodschappen met begeleiding op afstand.\n2. Thomas kookt één keer per week mee.",
        ),
        ("Afspraken", "Elke week is er contact met de familie. Medicatie wordt door Siloah beheerd."),
        ("Evaluatie", "Het plan wordt over een half jaar geëvalueerd met Thomas en zijn vertegenwoordigers."),
    ] {
        doc.heading(title).paragraph(body);
    }
    doc.render()
}

/// Care plan prints (the manual's three, one of the past year and one waiting for
/// signature), evaluations and invoices for Thomas.
async fn siloah_documents(
    store: &dyn Store,
    blobs: &Blobs,
    tenant: TenantId,
    origin: &Origin,
    reference: &str,
    now: DateTime<Utc>,
) -> Result<(), Failure> {
    let Some(client) = client(store, tenant, reference).await? else { return Ok(()) };
    let name = "Thomas de Vries";
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
    let decided: Vec<(Option<NaiveDate>, Option<NaiveDate>)> = vec![
        (day(2021, 10, 27), day(2021, 11, 29)),
        (day(2022, 11, 7), day(2023, 1, 11)),
        (day(2023, 4, 14), day(2023, 5, 1)),
        (Some(date_of(200, now)), Some(date_of(180, now))),
    ];
    for (plan_date, signed_on) in decided {
        let (Some(plan_date), Some(signed_on)) = (plan_date, signed_on) else { continue };
        let title = format!("Begeleidingsplanafdruk van {}", long_date(plan_date));
        let document = store_pdf(
            store,
            blobs,
            tenant,
            origin,
            client,
            DocumentKind::CarePlan,
            &title,
            plan_date,
            plan_pdf(name, plan_date),
        )
        .await?;
        let plan = store.offer_plan(tenant, origin, client, document.id, plan_date, COORDINATOR).await?;
        let decided_at =
            local_instant(signed_on, NaiveTime::from_hms_opt(10, 15, 0).unwrap_or_default()).unwrap_or(now);
        let decision = PlanDecision {
            signed: true,
            reason: None,
            decided_at,
            account: None,
            decided_by: "Ingrid de Vries (vertegenwoordiger)".to_owned(),
            document_sha256: document.sha256.clone(),
            method: "sms".to_owned(),
            masked_phone: Some(careportal_domain::phone::mask_e164("+31612345678")),
            ip: None,
            user_agent: None,
        };
        store.decide_plan(tenant, origin, client, plan.id, &decision).await?;
    }
    let waiting = date_of(3, now);
    let title = format!("Begeleidingsplanafdruk van {}", long_date(waiting));
    let document = store_pdf(
        store,
        blobs,
        tenant,
        origin,
        client,
        DocumentKind::CarePlan,
        &title,
        waiting,
        plan_pdf(name, waiting),
    )
    .await?;
    store.offer_plan(tenant, origin, client, document.id, waiting, COORDINATOR).await?;

    for days in [40, 400, 800] {
        let date = date_of(days, now);
        let mut doc = TextDocument::new("Siloah", &format!("Evaluatie begeleidingsplan van {name}"));
        doc.meta(&format!("Evaluatie van {}", long_date(date)));
        doc.heading("Hoe ging het").paragraph("De doelen zijn grotendeels gehaald. Thomas doet nu zelf boodschappen.");
        doc.heading("Vervolg").paragraph("Thomas wil leren fietsen naar de dagbesteding.");
        let title = format!("Evaluatie van {}", long_date(date));
        store_pdf(store, blobs, tenant, origin, client, DocumentKind::Evaluation, &title, date, doc.render()).await?;
    }
    for months_ago in [1, 2, 3] {
        let today = careportal_domain::time::local_date(now);
        let Some(first) = today.with_day(1).and_then(|d| d.checked_sub_months(chrono::Months::new(months_ago))) else {
            continue;
        };
        let mut doc = TextDocument::new("Siloah", &format!("Factuur {}-{:02}", first.year(), first.month()));
        doc.meta(&format!("Factuurdatum {}", long_date(first)));
        doc.paragraph(&format!("Eigen bijdrage {} {}: € 112,40", first.month(), first.year()));
        let title = format!("Factuur {}-{:02}", first.year(), first.month());
        store_pdf(store, blobs, tenant, origin, client, DocumentKind::Invoice, &title, first, doc.render()).await?;
    }
    Ok(())
}
