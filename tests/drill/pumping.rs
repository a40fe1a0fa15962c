//! SMS pumping: many accounts half-way through activation ask for registration codes to
//! numbers in every country (premium ranges and landlines among them), many at once.
//! No SMS may leave for a country the tenant does not allow, and the tenant's daily cap
//! holds however the requests are spread.

use crate::browser::Browser;
use crate::world::World;
use careportal_domain::audit::Origin;
use careportal_domain::signin::SessionStage;

const HOST: &str = "salem.localhost";
/// Salem's countries.
const ALLOWED: [&str; 3] = ["+31", "+32", "+49"];

#[derive(Debug, Default)]
pub struct Figures {
    pub requests: usize,
    pub sent: usize,
    pub cap: u32,
    pub outside: usize,
    pub errors: usize,
}

/// The numbers account `i` tries: four of Salem's countries' mobile ranges, the rest what a
/// pumping ring wants (UK, US, international premium, Latvia, Cuba, an NL landline, junk).
fn numbers(i: usize) -> Vec<String> {
    vec![
        format!("+316{:08}", i * 100 + 1),
        format!("+3247{:07}", i * 100 + 2),
        format!("+49151{:08}", i * 100 + 3),
        format!("06{:08}", i * 100 + 4),
        format!("+447700900{:03}", i % 1000),
        format!("+1202555{:04}", i % 10_000),
        format!("+88234{:06}", i),
        format!("+37120{:06}", i),
        format!("+5355{:06}", i),
        format!("+3120{:07}", i),
        format!("+316{:012}", i),
    ]
}

pub async fn run(world: &World, accounts: usize, cap: u32, concurrency: usize) -> Figures {
    let app = &world.app;
    let mut bundle = careportal_tests::fixtures::bundle("salem").await;
    bundle.config.auth.sms_daily_cap = cap;
    app.store.apply_tenant(&Origin::system("drill"), &bundle).await.unwrap();

    let mut requests = Vec::new();
    for i in 0..accounts {
        let account = app.person("salem", &format!("pomp{i}@salem.drill.example"), "Zonnebloem!Tafel7", false).await;
        let token = app.session("salem", account, SessionStage::Enroll).await;
        let mut browser = Browser::new(&world.http, HOST).from(&format!("192.0.2.{}", i % 250 + 1));
        browser.cookies.insert("cp_session".to_owned(), token);
        let csrf = browser.csrf("/inloggen/activeren/sms").await;
        for number in numbers(i) {
            let (mut copy, csrf) = (browser.clone(), csrf.clone());
            requests.push(async move {
                copy.post("/inloggen/activeren/sms", &[("actie", "versturen"), ("nummer", &number), ("csrf", &csrf)])
                    .await
            });
        }
    }
    let mut figures = Figures { requests: requests.len(), cap, ..Figures::default() };
    for answer in crate::browser::at_most(concurrency, requests).await {
        if answer.status == 0 || answer.status >= 500 {
            figures.errors += 1;
        }
    }
    let sent = delivered(world).await;
    figures.sent = sent.len();
    figures.outside = sent.iter().filter(|to| !ALLOWED.iter().any(|prefix| to.starts_with(prefix))).count();
    figures
}

/// The numbers Salem's SMS went to, once the outbox has nothing left to send.
async fn delivered(world: &World) -> Vec<String> {
    let waiting = "SELECT count(*) FROM outbox WHERE channel = 'sms' AND sent_at IS NULL AND failed_at IS NULL";
    for _ in 0..200 {
        if world.app.db.count(waiting, &[]).await == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let path = world.app.db.dir.path().join("sms.jsonl");
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| message["tenant"] == "salem")
        .filter_map(|message| message["to"].as_str().map(str::to_owned))
        .collect()
}
