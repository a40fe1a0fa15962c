//! Across tenants and clients: every route and method, as every role, with ids of things
//! that exist for another client of the tenant, for a client of the other tenant, for
//! nobody, and ids that are merely guessed; and with a session cookie of the other tenant.
//! Nothing may succeed, nothing may leak a secret word of another family, and "exists
//! elsewhere" must answer exactly as "does not exist".
//!
//! Staff see every client of their own tenant today (the caseload of #11 is to come), so
//! for them the neighbouring family's things are theirs to see on Beheer's pages; there
//! they are attacked with the other tenant's things and with nobody's.

use crate::browser::{Answer, Browser};
use crate::routes::{self, Route};
use crate::world::{Family, Objects, Role, TENANTS, World};
use careportal_domain::clock::Clock;
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Debug, Default)]
pub struct Figures {
    pub attempts: usize,
    /// Answers that differ from the answer for a thing that does not exist.
    pub differing: Vec<String>,
    /// Answers that carry another family's secret word.
    pub leaks: Vec<String>,
    /// 5xx answers and broken connections.
    pub errors: Vec<String>,
    /// Stored care data that moved.
    pub changed: Vec<String>,
}

/// One request.
#[derive(Clone)]
struct Attack {
    host: &'static str,
    cookies: BTreeMap<String, String>,
    post: bool,
    path: String,
    fields: Vec<(String, String)>,
    /// Secret words this request must never see.
    forbidden: Arc<Vec<String>>,
    label: String,
}

/// A request whose answer decides, and requests that must answer the same (or, for guessed
/// ids, merely no better).
struct Group {
    reference: Attack,
    same: Vec<Attack>,
    guessed: Vec<Attack>,
}

/// What each kind of id in an address names, from a family's things.
fn id_for(route: &Route, param: &str, objects: &Objects) -> String {
    let path = route.path.as_str();
    match param {
        "token" => objects.reset_token.clone(),
        "reference" => objects.reference.clone(),
        // Beheer › Toegang: a person who reaches the family's client.
        "account" => objects.contact.to_string(),
        "id" if path.starts_with("/uitnodigingen/") => objects.invitation.to_string(),
        "id" if path.starts_with("/dossier/download/") => objects.export.to_string(),
        "id" if path.starts_with("/begeleidingsplannen/") => objects.plan.to_string(),
        "id" if path.starts_with("/documenten/") => objects.document.to_string(),
        "id" if path.starts_with("/agenda/") => objects.appointment.to_string(),
        "id" if path.starts_with("/prikbord/") => objects.post.to_string(),
        "id" if path.starts_with("/vragenlijsten/") => objects.questionnaire.to_string(),
        "id" if path.starts_with("/contactpersonen/") => objects.contact.to_string(),
        other => panic!("the drill does not know what {{{other}}} names in {path}: teach tests/drill/cross.rs"),
    }
}

/// An id of the same form that names nothing.
fn nobody(param: &str, n: usize) -> String {
    match param {
        "token" => careportal_auth::Token::generate().plain,
        "reference" => format!("DRILL-niemand-{n}"),
        _ => uuid::Uuid::new_v4().to_string(),
    }
}

/// Guesses an attacker might try: small numbers, other spellings of a real id, path and
/// query tricks, injection, the very long. `rounds` of them (the full drill more).
fn guesses(real: &str, rounds: usize) -> Vec<String> {
    let mut all = vec![
        real.to_uppercase(),
        real.replace('-', ""),
        format!("{real}%00"),
        "0".to_owned(),
        "1".to_owned(),
        "-1".to_owned(),
        "null".to_owned(),
        "..%2F..%2Fhome".to_owned(),
        // Not "%2e%2e": the URL layer resolves it as ".." before sending.
        "%2e%2e%2Fhome".to_owned(),
        "'%20OR%20'1'%3D'1".to_owned(),
        "x".repeat(400),
        "00000000-0000-0000-0000-000000000000".to_owned(),
    ];
    let mut n = 2;
    while all.len() < rounds {
        all.push(n.to_string());
        all.push(uuid::Uuid::from_u128(n as u128).to_string());
        n += 1;
    }
    // Another spelling of the real id must not be the real id itself (a token has no dashes).
    all.retain(|guess| guess != real);
    all.truncate(rounds.max(1));
    all
}

/// Fields a form of the portal might want, plausible for any of them, so that a refusal is
/// decided by the id and not by an empty form.
fn plausible(world: &World) -> Vec<(String, String)> {
    let day = (world.app.clock.now() + chrono::Duration::days(3)).format("%Y-%m-%d").to_string();
    [
        ("antwoord", "accepteren"),
        ("stap", "kies"),
        ("keuze", "ondertekenen"),
        ("titel", "Drill"),
        ("datum", day.as_str()),
        ("begin", "10:00"),
        ("einde", "11:00"),
        ("reactie", "Drill reactie"),
        ("bericht", "Drill bericht"),
        ("bevestig", "ja"),
        ("tekst", "Drill tekst"),
        ("q1", "Drill antwoord"),
        ("nieuw", "Zonnebloem!Tafel7Drill"),
        ("relatie", "contactpersoon"),
        ("email", "nieuw.drill@example.nl"),
        ("naam", "Nieuw Drill"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect()
}

/// Ids carried in a form rather than the address: (route, field, what it names).
const FIELD_IDS: [(&str, &str, &str); 5] = [
    ("/dossier", "client", "client"),
    ("/instellingen", "contactpersoon", "contact"),
    ("/berichten/netwerk", "aan", "contact"),
    ("/beheer/uitnodigen", "client", "reference"),
    // A post named by a coordinator on the page of a client it does not belong to.
    ("/beheer/clienten/{reference}/prikbord", "bericht", "post"),
];

fn field_value(kind: &str, objects: &Objects) -> String {
    match kind {
        "client" => objects.client.to_string(),
        "contact" => objects.contact.to_string(),
        "reference" => objects.reference.clone(),
        "post" => objects.post.to_string(),
        other => panic!("unknown field kind {other}"),
    }
}

/// The page whose form gives a role its CSRF token.
fn form_page(role: Role) -> &'static str {
    match role {
        Role::Anonymous => "/inloggen",
        Role::Coordinator | Role::Admin => "/beheer",
        _ => "/home",
    }
}

pub async fn run(world: &World, rounds: usize, concurrency: usize) -> Figures {
    let routes = routes::all();
    let mut groups = Vec::new();
    for (slug, _) in TENANTS {
        let attackers = world.attackers(slug);
        let neighbours = world.neighbours(slug);
        let elsewhere = world.elsewhere(slug);
        for role in Role::ALL {
            let mut browser = world.browser(slug, role).await;
            let csrf = browser.csrf(form_page(role)).await;
            let forbidden: Vec<String> = if role.sees_every_client() {
                elsewhere.iter().map(|f| f.objects.secret.clone()).collect()
            } else {
                world.secrets_besides(&attackers.objects.secret)
            };
            let forbidden = Arc::new(forbidden);
            let attack = |post: bool, path: String, extra: &[(String, String)], label: String| {
                let mut fields = Vec::new();
                if post {
                    fields = plausible(world);
                    fields.retain(|(k, _)| !extra.iter().any(|(e, _)| e == k));
                    fields.extend(extra.iter().cloned());
                    fields.push(("csrf".to_owned(), csrf.clone()));
                }
                Attack {
                    host: attackers.host,
                    cookies: browser.cookies.clone(),
                    post,
                    path,
                    fields,
                    forbidden: forbidden.clone(),
                    label: format!("{slug} {role:?} {label}"),
                }
            };
            // Ids in the address.
            for route in routes.iter().filter(|r| !r.params().is_empty()) {
                for method in route.methods() {
                    let post = method == "POST";
                    let params = route.params();
                    let fill = |family: &Family| -> Vec<String> {
                        params.iter().map(|p| id_for(route, p, &family.objects)).collect()
                    };
                    let path_of =
                        |values: &[String]| route.fill(&values.iter().map(String::as_str).collect::<Vec<_>>());
                    let label = |what: &str| format!("{method} {} ({what})", route.path);
                    let none: Vec<String> = params.iter().enumerate().map(|(n, p)| nobody(p, n)).collect();
                    let reference = attack(post, path_of(&none), &[], label("niemand"));
                    let mut same = Vec::new();
                    let staff_page = route.path.starts_with("/beheer");
                    // Holding a reset token is the right to use it, whoever's it is.
                    let theirs_to_see = role.sees_every_client() && staff_page;
                    if !theirs_to_see && !params.contains(&"token") {
                        same.push(attack(post, path_of(&fill(neighbours)), &[], label("andere cliënt")));
                    }
                    for family in &elsewhere {
                        same.push(attack(post, path_of(&fill(family)), &[], label("andere tenant")));
                    }
                    for n in 1..rounds.min(4) {
                        let none: Vec<String> = params.iter().enumerate().map(|(i, p)| nobody(p, n * 10 + i)).collect();
                        same.push(attack(post, path_of(&none), &[], label("niemand")));
                    }
                    let real = fill(neighbours);
                    let guessed = guesses(&real[0], rounds)
                        .into_iter()
                        .map(|guess| {
                            let mut values = real.clone();
                            values[0] = guess;
                            attack(post, path_of(&values), &[], label("geraden"))
                        })
                        .collect();
                    groups.push(Group { reference, same, guessed });
                }
            }
            // Ids in a form.
            for (path, field, kind) in FIELD_IDS {
                let staff_page = path.starts_with("/beheer");
                let path = path.replace("{reference}", &attackers.objects.reference);
                let with = |value: String| vec![(field.to_owned(), value)];
                let label = |what: &str| format!("POST {path} {field}= ({what})");
                let reference = attack(true, path.clone(), &with(nobody(kind, 0)), label("niemand"));
                let mut same = Vec::new();
                if !(role.sees_every_client() && staff_page && kind != "post") {
                    same.push(attack(
                        true,
                        path.clone(),
                        &with(field_value(kind, &neighbours.objects)),
                        label("andere cliënt"),
                    ));
                }
                for family in &elsewhere {
                    same.push(attack(
                        true,
                        path.clone(),
                        &with(field_value(kind, &family.objects)),
                        label("andere tenant"),
                    ));
                }
                let guessed = guesses(&field_value(kind, &neighbours.objects), rounds)
                    .into_iter()
                    .map(|guess| attack(true, path.clone(), &with(guess), label("geraden")))
                    .collect();
                groups.push(Group { reference, same, guessed });
            }
        }
        // Another tenant's session on this tenant's host answers as nobody's.
        for (other, _) in TENANTS.iter().filter(|(s, _)| *s != slug) {
            for role in Role::ALL.into_iter().filter(|r| *r != Role::Anonymous) {
                let mut theirs = world.browser(other, role).await;
                let their_csrf = theirs.csrf(form_page(role)).await;
                let mut nobody_here = world.browser(slug, Role::Anonymous).await;
                let own_csrf = nobody_here.csrf("/inloggen").await;
                for route in &routes {
                    let values: Vec<String> =
                        route.params().iter().map(|p| id_for(route, p, &attackers.objects)).collect();
                    let path = route.fill(&values.iter().map(String::as_str).collect::<Vec<_>>());
                    for method in route.methods() {
                        let post = method == "POST";
                        let with_csrf = |csrf: &str| {
                            let mut fields = if post { plausible(world) } else { Vec::new() };
                            if post {
                                fields.push(("csrf".to_owned(), csrf.to_owned()));
                            }
                            fields
                        };
                        let label = format!("{slug} {role:?} van {other}: {method} {}", route.path);
                        let forbidden = Arc::new(world.families.iter().map(|f| f.objects.secret.clone()).collect());
                        let reference = Attack {
                            host: attackers.host,
                            cookies: nobody_here.cookies.clone(),
                            post,
                            path: path.clone(),
                            fields: with_csrf(&own_csrf),
                            forbidden: Arc::clone(&forbidden),
                            label: format!("{label} (niemand)"),
                        };
                        let foreign = Attack {
                            cookies: theirs.cookies.clone(),
                            fields: with_csrf(&their_csrf),
                            label: label.clone(),
                            ..reference.clone()
                        };
                        groups.push(Group { reference, same: vec![foreign], guessed: Vec::new() });
                    }
                }
            }
        }
    }

    // Taken once the pages that gave the tokens were seen (a visit is recorded).
    let before = crate::snapshot::take(&world.app.db).await;
    let mut figures = Figures::default();
    let flat: Vec<Attack> =
        groups.iter().flat_map(|g| std::iter::once(&g.reference).chain(&g.same).chain(&g.guessed)).cloned().collect();
    figures.attempts = flat.len();
    let answers = send_all(world, flat, concurrency).await;
    let mut at = 0;
    for group in &groups {
        let reference = &answers[at];
        at += 1;
        let shape_of = |attack: &Attack, answer: &Answer| {
            let typed: Vec<&str> = attack.fields.iter().map(|(_, v)| v.as_str()).collect();
            answer.shape(&typed)
        };
        let expected = shape_of(&group.reference, reference);
        for (attack, answer) in
            std::iter::once(&group.reference).chain(&group.same).chain(&group.guessed).zip(&answers[at - 1..])
        {
            if answer.status == 0 || answer.status >= 500 {
                figures.errors.push(format!("{}: {} {}", attack.label, answer.status, first_line(&answer.body)));
            }
            if let Some(secret) = attack.forbidden.iter().find(|s| answer.body.contains(s.as_str())) {
                figures.leaks.push(format!("{}: {} shows {secret}", attack.label, attack.path));
            }
        }
        for attack in &group.same {
            let answer = &answers[at];
            at += 1;
            if shape_of(attack, answer) != expected {
                figures.differing.push(format!(
                    "{}: {} answered {} {:?}, nobody's {} {:?}",
                    attack.label, attack.path, answer.status, answer.location, reference.status, reference.location
                ));
            }
        }
        for attack in &group.guessed {
            let answer = &answers[at];
            at += 1;
            let better = (200..300).contains(&answer.status) && !(200..300).contains(&reference.status);
            if better {
                figures.differing.push(format!("{}: {} answered {}", attack.label, attack.path, answer.status));
            }
        }
    }
    figures.changed = crate::snapshot::changed(&before, &crate::snapshot::take(&world.app.db).await);
    figures
}

fn first_line(text: &str) -> String {
    text.lines().find(|l| !l.trim().is_empty()).unwrap_or("").chars().take(160).collect()
}

/// Sends every attack, `concurrency` at a time, each from a browser of its own (so an
/// answer that clears a cookie cannot change the next request); answers in order.
async fn send_all(world: &World, attacks: Vec<Attack>, concurrency: usize) -> Vec<Answer> {
    let requests = attacks
        .into_iter()
        .map(|attack| {
            let mut browser = Browser::new(&world.http, attack.host);
            browser.cookies = attack.cookies;
            async move {
                if attack.post {
                    let fields: Vec<(&str, &str)> =
                        attack.fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                    browser.post(&attack.path, &fields).await
                } else {
                    browser.get(&attack.path).await
                }
            }
        })
        .collect();
    crate::browser::at_most(concurrency, requests).await
}
