//! Guessing one person's password: `tries` wrong passwords within one hour of the portal's
//! clock, from many addresses at once (a botnet, so no address limit helps), then the
//! person's right password while the account is locked. At most the hourly limit may be
//! checked, nothing may get in, and an unknown name, a wrong password and a locked
//! account must get the same answer.

use crate::browser::{Answer, Browser};
use crate::world::World;
use careportal_domain::throttle::CHECKED_FAILURES_PER_ACCOUNT_HOUR;

const USERNAME: &str = "doelwit@siloah.drill.example";
const PASSWORD: &str = "Zonnebloem!Tafel7";

#[derive(Debug, Default)]
pub struct Figures {
    pub tries: usize,
    pub checked: i64,
    pub limit: i64,
    pub succeeded: usize,
    pub errors: usize,
    /// Unknown, wrong, locked (and the right password while locked) answered alike.
    pub alike: bool,
    /// The right password was refused while locked, and let in once the lock was over.
    pub lock_held: bool,
}

async fn login(browser: &mut Browser, username: &str, password: &str) -> Answer {
    let csrf = browser.csrf("/inloggen").await;
    browser.post("/inloggen", &[("gebruikersnaam", username), ("wachtwoord", password), ("csrf", &csrf)]).await
}

pub async fn run(world: &World, tries: usize, concurrency: usize) -> Figures {
    let app = &world.app;
    let account = app.person("siloah", USERNAME, PASSWORD, false).await;
    let host = "siloah.localhost";
    let shape = |answer: &Answer, typed: &[&str]| answer.shape(typed);
    let mut first = Browser::new(&world.http, host).from("198.51.100.1");
    let first_wrong = login(&mut first, USERNAME, "Verkeerd!0").await;

    // The bots: one browser (and CSRF token) per address, each used for its share of tries.
    let bots = 250.min(tries.max(1));
    let mut browsers = Vec::new();
    for n in 0..bots {
        let mut bot = Browser::new(&world.http, host).from(&format!("203.0.{}.{}", n / 250, n % 250 + 1));
        let csrf = bot.csrf("/inloggen").await;
        browsers.push((bot, csrf));
    }
    let minutes = 59;
    let per_minute = tries.div_ceil(minutes);
    let mut figures = Figures { tries, limit: i64::from(CHECKED_FAILURES_PER_ACCOUNT_HOUR), ..Figures::default() };
    let mut sent = 0;
    for _minute in 0..minutes {
        let mut guesses = Vec::new();
        for _ in 0..per_minute.min(tries - sent) {
            sent += 1;
            let (own, csrf) = &browsers[sent % browsers.len()];
            let (mut bot, csrf, guess) = (own.clone(), csrf.clone(), format!("Verkeerd!{sent}"));
            guesses.push(async move {
                bot.post("/inloggen", &[("gebruikersnaam", USERNAME), ("wachtwoord", &guess), ("csrf", &csrf)]).await
            });
        }
        for answer in crate::browser::at_most(concurrency, guesses).await {
            if answer.status == 0 || answer.status >= 500 {
                figures.errors += 1;
            } else if answer.status != 401 && answer.status != 429 {
                figures.succeeded += 1;
            }
        }
        app.clock.advance(chrono::Duration::minutes(1));
    }
    figures.checked =
        crate::snapshot::audit_count(&app.db, &format!("account:{account}"), "login.failed", "wachtwoord onjuist")
            .await;

    // Locked now: the right password is refused, with the answer anyone gets.
    let fresh = |address: &str| Browser::new(&world.http, host).from(address);
    let unknown = login(&mut fresh("198.51.100.2"), "niemand@siloah.drill.example", "Verkeerd!1").await;
    let wrong = login(&mut fresh("198.51.100.3"), USERNAME, "Verkeerd!2").await;
    let right = login(&mut fresh("198.51.100.4"), USERNAME, PASSWORD).await;
    let typed = ["niemand@siloah.drill.example", USERNAME, PASSWORD, "Verkeerd!0", "Verkeerd!1", "Verkeerd!2"];
    let expected = shape(&first_wrong, &typed);
    figures.alike = [&unknown, &wrong, &right].iter().all(|a| shape(a, &typed) == expected);
    let refused_while_locked = right.status == 401;
    // A quiet day later the lock is over and the person gets in with the right password.
    app.clock.advance(chrono::Duration::days(2));
    let later = login(&mut fresh("198.51.100.5"), USERNAME, PASSWORD).await;
    figures.lock_held = refused_while_locked && later.status == 303;
    figures
}
