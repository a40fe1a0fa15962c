//! One-time codes: a used authenticator code replayed, SMS login codes guessed and
//! Bevestigingscodes for signing a care plan guessed, each `tries` times and many at once;
//! then, for the SMS codes, the right code after the guesses. None may be accepted.

use crate::browser::{Answer, Browser};
use crate::world::World;
use careportal_domain::audit::Origin;
use careportal_domain::clock::Clock;
use careportal_domain::people::Relation;
use careportal_domain::record::documents::{DocumentKind, NewDocument};

const HOST: &str = "siloah.localhost";
const PASSWORD: &str = "Zonnebloem!Tafel7";

#[derive(Debug, Default)]
pub struct Figures {
    pub replayed: usize,
    pub replays_accepted: usize,
    pub sms_guessed: usize,
    pub sms_accepted: usize,
    pub signing_guessed: usize,
    pub signing_accepted: usize,
    /// The right code, sent after the guesses, was refused (login and signing).
    pub right_code_refused: bool,
    pub errors: usize,
}

/// Let in: a redirect anywhere but back to a sign-in step.
fn accepted(answer: &Answer) -> bool {
    (300..400).contains(&answer.status) && !answer.location.as_deref().unwrap_or("").starts_with("/inloggen")
}

fn broken(answer: &Answer) -> bool {
    answer.status == 0 || answer.status >= 500
}

/// Sends `count` posts of `fields(n)` to `path`, `concurrency` at a time, each from a copy
/// of `browser`; the answers.
async fn burst<F>(browser: &Browser, path: &str, count: usize, concurrency: usize, fields: F) -> Vec<Answer>
where
    F: Fn(usize) -> Vec<(String, String)>,
{
    let posts = (0..count)
        .map(|n| {
            let (mut copy, fields, path) = (browser.clone(), fields(n), path.to_owned());
            async move {
                let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                copy.post(&path, &fields).await
            }
        })
        .collect();
    crate::browser::at_most(concurrency, posts).await
}

fn owned(fields: &[(&str, &str)]) -> Vec<(String, String)> {
    fields.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

/// The six digits of the newest SMS in the development outbox, once `count` were sent.
async fn newest_code(world: &World, count: usize) -> String {
    let lines = world.app.sms(count).await;
    let message: serde_json::Value = serde_json::from_str(lines.last().unwrap()).unwrap();
    let body = message["body"].as_str().unwrap().to_owned();
    body.split_whitespace().next().unwrap().split('-').nth(1).unwrap().to_owned()
}

async fn sms_count(world: &World) -> usize {
    let path = world.app.db.dir.path().join("sms.jsonl");
    std::fs::read_to_string(path).unwrap_or_default().lines().count()
}

pub async fn run(world: &World, tries: usize, concurrency: usize) -> Figures {
    let app = &world.app;
    let tenant = app.tenant_id("siloah").await;
    let origin = Origin::system("drill");
    let mut figures = Figures::default();

    // A used authenticator code, replayed from fresh browsers with the right password.
    let totp = app.person("siloah", "app@siloah.drill.example", PASSWORD, false).await;
    let secret = careportal_auth::TotpSecret::generate();
    let sealed = careportal_tests::app::settings(true, false)
        .keys
        .secret_box
        .seal(secret.as_bytes(), &format!("totp/{tenant}/{totp}"))
        .unwrap();
    app.store.set_totp_factor(tenant, &origin, totp, &sealed, 0).await.unwrap();
    let code = secret.code_at(app.clock.now().timestamp() as u64).unwrap();
    let mut person = Browser::new(&world.http, HOST).from("198.51.100.20");
    let csrf = person.csrf("/inloggen").await;
    let login = [("gebruikersnaam", "app@siloah.drill.example"), ("wachtwoord", PASSWORD), ("code", code.as_str())];
    let used = person.post("/inloggen", &[login[0], login[1], login[2], ("csrf", &csrf)]).await;
    assert!(accepted(&used), "the person's own first use of the code gets in: {used:?}");
    let mut attacker = Browser::new(&world.http, HOST).from("198.51.100.21");
    let csrf = attacker.csrf("/inloggen").await;
    let replay = owned(&[login[0], login[1], login[2], ("csrf", &csrf)]);
    let answers = burst(&attacker, "/inloggen", tries, concurrency, move |_| replay.clone()).await;
    figures.replayed = answers.len();
    figures.replays_accepted = answers.iter().filter(|a| accepted(a)).count();
    figures.errors += answers.iter().filter(|a| broken(a)).count();

    // SMS login codes: the password is right, the code guessed; then the right code.
    let sms = app.person("siloah", "sms@siloah.drill.example", PASSWORD, false).await;
    app.store.set_sms_factor(tenant, &origin, sms, "+31612345601").await.unwrap();
    let mut thief = Browser::new(&world.http, HOST).from("198.51.100.22");
    let csrf = thief.csrf("/inloggen").await;
    let step = thief
        .post("/inloggen", &[("gebruikersnaam", "sms@siloah.drill.example"), ("wachtwoord", PASSWORD), ("csrf", &csrf)])
        .await;
    assert_eq!(step.location.as_deref(), Some("/inloggen/code"), "{step:?}");
    let before = sms_count(world).await;
    let csrf = thief.csrf("/inloggen/code").await;
    thief.post("/inloggen/code", &[("actie", "sms"), ("csrf", &csrf)]).await;
    let right = newest_code(world, before + 1).await;
    let wrong_of = move |n: usize, right: &str| {
        let guess = format!("{:06}", (n * 7919 + 13) % 1_000_000);
        if guess == right { format!("{:06}", (n * 7919 + 14) % 1_000_000) } else { guess }
    };
    let (right_for_guesses, csrf_for_guesses) = (right.clone(), csrf.clone());
    let answers = burst(&thief, "/inloggen/code", tries, concurrency, move |n| {
        owned(&[("code", &wrong_of(n, &right_for_guesses)), ("csrf", &csrf_for_guesses)])
    })
    .await;
    figures.sms_guessed = answers.len();
    figures.sms_accepted = answers.iter().filter(|a| accepted(a)).count();
    figures.errors += answers.iter().filter(|a| broken(a)).count();
    let late = thief.post("/inloggen/code", &[("code", &right), ("csrf", &csrf)]).await;
    let login_refused = !accepted(&late);

    // Bevestigingscodes while signing a care plan, by a session that is signed in.
    let client = app.new_client("siloah", "DRILL-ondertekenen", "Gerrit de Boer").await;
    let signer = app
        .new_account("siloah", "teken@siloah.drill.example", "Ingrid de Boer", client, Relation::Representative)
        .await;
    app.store.set_sms_factor(tenant, &origin, signer, "+31612345602").await.unwrap();
    let plan = offer(world, tenant, client).await;
    let mut session = world.browser_of("siloah", signer).await;
    session.address = Some("198.51.100.23".to_owned());
    let path = format!("/begeleidingsplannen/{plan}/ondertekenen");
    let csrf = session.csrf(&path).await;
    let before = sms_count(world).await;
    let page = session.post(&path, &[("stap", "kies"), ("keuze", "ondertekenen"), ("csrf", &csrf)]).await;
    let shown = page.body.split("name=\"afdruk\" value=\"").nth(1).and_then(|s| s.split('"').next()).unwrap_or("");
    let shown = shown.to_owned();
    let right = newest_code(world, before + 1).await;
    let csrf = crate::browser::csrf_of(&page.body).unwrap_or(csrf);
    let (right_for_guesses, shown_for_guesses, csrf_for_guesses) = (right.clone(), shown.clone(), csrf.clone());
    let answers = burst(&session, &path, tries, concurrency, move |n| {
        owned(&[
            ("stap", "bevestig"),
            ("keuze", "ondertekenen"),
            ("bevestigingscode", &wrong_of(n, &right_for_guesses)),
            ("reden", ""),
            ("afdruk", &shown_for_guesses),
            ("csrf", &csrf_for_guesses),
        ])
    })
    .await;
    figures.signing_guessed = answers.len();
    figures.errors += answers.iter().filter(|a| broken(a)).count();
    let late = session
        .post(
            &path,
            &[
                ("stap", "bevestig"),
                ("keuze", "ondertekenen"),
                ("bevestigingscode", &right),
                ("reden", ""),
                ("afdruk", &shown),
                ("csrf", &csrf),
            ],
        )
        .await;
    let decided = app.store.care_plan(tenant, client, plan).await.unwrap().unwrap().decision.is_some();
    figures.signing_accepted = usize::from(decided)
        + answers.iter().filter(|a| accepted(a) && a.location.as_deref().is_some_and(|l| l.contains("plan="))).count();
    figures.right_code_refused = login_refused && !decided && !accepted(&late);
    figures
}

async fn offer(
    world: &World,
    tenant: careportal_domain::TenantId,
    client: careportal_domain::ClientId,
) -> careportal_domain::ids::CarePlanId {
    let app = &world.app;
    let now = app.clock.now();
    let mut doc = careportal_documents::TextDocument::new("Drill", "Begeleidingsplan");
    doc.paragraph("Doelen: zelf boodschappen doen.");
    let bytes = doc.render();
    let key = format!("drill/{}.pdf", careportal_domain::ids::DocumentId::new());
    let new = NewDocument {
        kind: DocumentKind::CarePlan,
        title: "Begeleidingsplan".into(),
        date: now.date_naive(),
        blob_key: key.clone(),
        sha256: careportal_documents::sha256_hex(&bytes),
        size: bytes.len() as i64,
        content_type: "application/pdf".into(),
    };
    app.blobs().put(tenant, &key, bytes, "application/pdf").await.unwrap();
    let origin = Origin::system("drill");
    let document = app.store.add_document(tenant, &origin, client, &new).await.unwrap().id;
    app.store.offer_plan(tenant, &origin, client, document, now.date_naive(), "Lisa Smit").await.unwrap().id
}
