//! Form fuzzing: every form of the portal (every POST route, read from the router) as a
//! client, a representative, a coordinator and nobody, with what no browser sends: no or a
//! wrong CSRF token, malformed UTF-8, fields far too long, wrong types, doubled fields,
//! other content types, random fields and random bytes. No answer may be a 5xx, and
//! nothing may be stored.

use crate::browser::encode;
use crate::routes::{self, Route};
use crate::world::{Role, World};
use rand::Rng;

#[derive(Debug, Default)]
pub struct Figures {
    pub forms: usize,
    pub requests: usize,
    pub errors: Vec<String>,
    pub changed: Vec<String>,
    /// Cases answered as a success (a redirect onwards): where to look when a table moved.
    pub answered_onwards: Vec<String>,
}

/// Forms that ask for nothing but the CSRF token (a confirmed delete, logging out): with a
/// right token they do what they are for, so they get only the cases without one.
const TOKEN_ONLY: [&str; 6] = [
    "/uitloggen",
    "/sessie/verlengen",
    "/dossier/download",
    "/beheer/koppeling",
    "/agenda/{id}/verwijderen",
    "/prikbord/{id}/verwijderen",
];

/// Every field name the portal's forms read, so wrong values reach each of them.
const FIELDS: [&str; 30] = [
    "gebruikersnaam",
    "wachtwoord",
    "code",
    "actie",
    "nummer",
    "registratiecode",
    "stap",
    "keuze",
    "bevestigingscode",
    "reden",
    "afdruk",
    "tekst",
    "bericht",
    "aan",
    "terug",
    "titel",
    "datum",
    "begin",
    "einde",
    "waar",
    "toelichting",
    "openbaar",
    "reactie",
    "bevestig",
    "contactpersoon",
    "recht",
    "client",
    "email",
    "naam",
    "relatie",
];

struct Case {
    name: &'static str,
    content_type: String,
    body: Vec<u8>,
}

fn form(fields: &[(&str, String)]) -> Vec<u8> {
    fields.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&").into_bytes()
}

fn urlencoded(name: &'static str, body: Vec<u8>) -> Case {
    Case { name, content_type: "application/x-www-form-urlencoded".to_owned(), body }
}

fn cases(csrf: &str, token_only: bool, rng: &mut impl Rng) -> Vec<Case> {
    let every = |value: &str| -> Vec<(&str, String)> { FIELDS.iter().map(|f| (*f, value.to_owned())).collect() };
    fn with<'a>(csrf: &str, mut fields: Vec<(&'a str, String)>) -> Vec<(&'a str, String)> {
        fields.push(("csrf", csrf.to_owned()));
        fields
    }
    let with_csrf = |fields| with(csrf, fields);
    let mut all = vec![
        urlencoded("geen CSRF", form(&every("Drill"))),
        urlencoded(
            "verkeerde CSRF",
            form(&[every("Drill"), vec![("csrf", "AAAAAAAAAAAAAAAAAAAAAA".to_owned())]].concat()),
        ),
        urlencoded("te groot (boven de limiet)", form(&with_csrf(vec![("bericht", "x".repeat(3 * 1024 * 1024))]))),
        urlencoded("willekeurige bytes", (0..rng.random_range(1..4096)).map(|_| rng.random::<u8>()).collect()),
        Case { name: "JSON", content_type: "application/json".to_owned(), body: br#"{"bericht":"Drill"}"#.to_vec() },
    ];
    if token_only {
        return all;
    }
    let csrf_encoded = encode(csrf);
    let invalid_utf8 = format!("bericht=%FF%FE%FD&tekst=%C3%28&titel=%ED%A0%80&reactie=%80&csrf={csrf_encoded}");
    let mut raw = b"bericht=\xff\xfe&tekst=\xc3\x28&csrf=".to_vec();
    raw.extend_from_slice(csrf_encoded.as_bytes());
    let wrong_types: Vec<(&str, String)> = [
        ("datum", "31-02-2026"),
        ("begin", "25:61"),
        ("einde", "gisteren"),
        ("stap", "bevestig"),
        ("keuze", "💣"),
        ("bevestigingscode", "abcdef"),
        ("afdruk", "../../etc/passwd"),
        ("recht", "settings:write"),
        ("aan", "not-an-id"),
        ("contactpersoon", "'; DROP TABLE accounts; --"),
        ("client", "../../"),
        ("antwoord", ""),
        ("relatie", "baas"),
        ("email", "geen-adres"),
        ("nummer", "+999999999999999"),
        ("registratiecode", "-1"),
        ("wachtwoord", ""),
        ("gebruikersnaam", ""),
        ("nieuw", "x"),
        ("bericht", ""),
        ("tekst", " "),
        ("reactie", ""),
        ("titel", ""),
        ("code", "1e6"),
        ("actie", "\u{0}"),
        ("antwoord.q1", &"y".repeat(3000)),
    ]
    .iter()
    .map(|(k, v)| (*k, (*v).to_owned()))
    .collect();
    let random: Vec<(String, String)> = (0..rng.random_range(1..12))
        .map(|_| {
            (format!("zz{}", rng.random::<u32>()), (0..rng.random_range(0..64)).map(|_| rng.random::<char>()).collect())
        })
        .collect();
    let random: Vec<(&str, String)> = random.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    all.extend([
        urlencoded("ongeldige UTF-8 (gecodeerd)", invalid_utf8.into_bytes()),
        urlencoded("ongeldige UTF-8 (rauw)", raw),
        urlencoded("veel te lang", form(&with_csrf(every(&"x".repeat(40_000))))),
        urlencoded("verkeerde soorten", form(&with_csrf(wrong_types))),
        urlencoded("dubbele velden", form(&with_csrf(vec![("bericht", String::new()), ("bericht", String::new())]))),
        urlencoded("willekeurige velden", form(&with_csrf(random))),
        Case {
            name: "multipart zonder bestand",
            content_type: "multipart/form-data; boundary=drill".to_owned(),
            body: format!(
                "--drill\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--drill\r\n\
                 Content-Disposition: form-data; name=\"foto\"; filename=\"x.png\"\r\nContent-Type: image/png\r\n\r\nGEEN FOTO\r\n--drill--\r\n"
            )
            .into_bytes(),
        },
        Case {
            name: "kapotte multipart",
            content_type: "multipart/form-data; boundary=drill".to_owned(),
            body: b"--drill\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nzonder einde".to_vec(),
        },
    ]);
    all
}

pub async fn run(world: &World, rounds: usize, concurrency: usize) -> Figures {
    let routes: Vec<Route> = routes::all().into_iter().filter(|r| r.post).collect();
    let mut figures = Figures { forms: routes.len(), ..Figures::default() };
    let mut requests = Vec::new();
    let mut rng = rand::rng();
    let mut sessions = Vec::new();
    for (slug, role) in [
        ("salem", Role::Client),
        ("siloah", Role::Representative),
        ("salem", Role::Coordinator),
        ("salem", Role::Anonymous),
    ] {
        let mut browser = world.browser(slug, role).await;
        let page = match role {
            Role::Anonymous => "/inloggen",
            Role::Coordinator => "/beheer",
            _ => "/home",
        };
        let csrf = browser.csrf(page).await;
        sessions.push((slug, role, browser, csrf));
    }
    // Taken once the pages that gave the tokens were seen (a visit is recorded).
    let before = crate::snapshot::take(&world.app.db).await;
    for (slug, role, browser, csrf) in sessions {
        let own = &world.attackers(slug).objects;
        for route in &routes {
            let values: Vec<String> = route
                .params()
                .iter()
                .map(|p| match *p {
                    "reference" => own.reference.clone(),
                    "token" => own.reset_token.clone(),
                    _ if route.path.starts_with("/agenda") => own.appointment.to_string(),
                    _ if route.path.starts_with("/prikbord") => own.post.to_string(),
                    _ if route.path.starts_with("/begeleidingsplannen") => own.plan.to_string(),
                    _ if route.path.starts_with("/vragenlijsten") => own.questionnaire.to_string(),
                    _ if route.path.starts_with("/uitnodigingen") => own.invitation.to_string(),
                    _ => uuid::Uuid::new_v4().to_string(),
                })
                .collect();
            let path = route.fill(&values.iter().map(String::as_str).collect::<Vec<_>>());
            // A reset token, once used by a case that happened to be valid, is gone: not
            // a change the fuzzing may make, so the reset form gets only token-less cases.
            let token_only = TOKEN_ONLY.contains(&route.path.as_str()) || route.path.contains("{token}");
            for _ in 0..rounds {
                for case in cases(&csrf, token_only, &mut rng) {
                    let (mut copy, path) = (browser.clone(), path.clone());
                    let label = format!("{slug} {role:?} POST {} ({})", route.path, case.name);
                    requests.push(async move { (label, copy.post_raw(&path, &case.content_type, case.body).await) });
                }
            }
        }
    }
    figures.requests = requests.len();
    for (label, answer) in crate::browser::at_most(concurrency, requests).await {
        if answer.status == 0 || answer.status >= 500 {
            let line =
                answer.body.lines().find(|l| !l.trim().is_empty()).unwrap_or("").chars().take(120).collect::<String>();
            figures.errors.push(format!("{label}: {} {line}", answer.status));
        }
        // A signed-in person sent to a sign-in step is sent Home: that is no success either.
        let elsewhere = answer.location.as_deref().is_some_and(|l| l.starts_with("/inloggen") || l == "/home");
        if (300..400).contains(&answer.status) && !elsewhere {
            figures.answered_onwards.push(format!("{label} → {}", answer.location.unwrap_or_default()));
        }
    }
    figures.changed = crate::snapshot::changed(&before, &crate::snapshot::take(&world.app.db).await);
    figures
}
