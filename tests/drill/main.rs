//! The abuse drill (`make drill`; a short form runs in `make test`): attacks a portal
//! listening on 127.0.0.1 over real HTTP, on SQLite and on PostgreSQL, and prints what it
//! tried and what got through as one table. It exits 1 when a figure is off.
//!
//! `CAREPORTAL_DRILL=full` runs the full counts (10,000 cross attempts and wrong passwords,
//! 1,000 of each kind of code); otherwise the short form. An argument `sqlite::` or
//! `postgres::` (as `make test-sqlite` passes to every suite) runs one database only.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod browser;
mod codes;
mod cross;
mod faults;
mod fuzz;
mod outage;
mod passwords;
mod pumping;
mod routes;
mod snapshot;
mod world;

use careportal_tests::Backend;
use std::time::Instant;

/// How much of each attack: the short form proves the same things with fewer requests.
#[derive(Debug, Clone, Copy)]
struct Size {
    cross_rounds: usize,
    passwords: usize,
    codes: usize,
    pumping_accounts: usize,
    sms_cap: u32,
    fuzz_rounds: usize,
    outage_messages: usize,
    concurrency: usize,
    /// SQLite: how often the server is killed under write load.
    kills: usize,
    /// PostgreSQL: how long the writes last that the database restart falls in.
    restart_seconds: u64,
}

const SHORT: Size = Size {
    cross_rounds: 1,
    passwords: 600,
    codes: 100,
    pumping_accounts: 12,
    sms_cap: 30,
    fuzz_rounds: 1,
    outage_messages: 40,
    concurrency: 16,
    kills: 10,
    restart_seconds: 12,
};
const FULL: Size = Size {
    cross_rounds: 28,
    passwords: 10_000,
    codes: 1_000,
    pumping_accounts: 80,
    sms_cap: 200,
    fuzz_rounds: 4,
    outage_messages: 200,
    concurrency: 32,
    kills: 100,
    restart_seconds: 60,
};

/// One line of the table: what was tried, how often, what got through, what may.
struct Row {
    backend: &'static str,
    attack: &'static str,
    tried: String,
    outcome: String,
    ok: bool,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // As libtest reads them: a name runs when it contains a filter (or there is none) and no
    // `--skip` pattern.
    let mut filters = Vec::new();
    let mut skips = Vec::new();
    let mut words = args.iter();
    while let Some(word) = words.next() {
        match word.as_str() {
            "--skip" => skips.extend(words.next()),
            flag if flag.starts_with('-') || flag.is_empty() => {}
            filter => filters.push(filter),
        }
    }
    let wanted = |name: &str| {
        (filters.is_empty() || filters.iter().any(|f| name.contains(*f)))
            && !skips.iter().any(|s| name.contains(s.as_str()))
    };
    let halves: Vec<(&str, Backend)> = [("sqlite::drill", Backend::Sqlite), ("postgres::drill", Backend::Postgres)]
        .into_iter()
        .filter(|(name, _)| wanted(name))
        .collect();
    if args.iter().any(|a| a == "--list") {
        // `cargo test -- --list` asks every suite for its tests: the drill is one per database.
        for (name, _) in &halves {
            println!("{name}: test");
        }
        return;
    }
    let backends: Vec<Backend> = halves.into_iter().map(|(_, b)| b).collect();
    if backends.is_empty() {
        return;
    }
    let full = std::env::var("CAREPORTAL_DRILL").is_ok_and(|v| v == "full");
    let size = if full { FULL } else { SHORT };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let mut rows = Vec::new();
    let started = Instant::now();
    for backend in backends {
        rows.extend(runtime.block_on(drill(backend, size)));
    }
    print_table(&rows, full, started.elapsed());
    if rows.iter().any(|r| !r.ok) {
        std::process::exit(1);
    }
}

fn name(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    }
}

fn detail(list: &[String]) -> String {
    list.iter().take(80).map(|l| format!("\n      {l}")).collect()
}

async fn drill(backend: Backend, size: Size) -> Vec<Row> {
    let db = name(backend);
    let mut rows = Vec::new();
    let world = world::World::new(backend).await;

    let cross = cross::run(&world, size.cross_rounds, size.concurrency).await;
    let bad = cross.differing.len() + cross.leaks.len() + cross.errors.len() + cross.changed.len();
    rows.push(Row {
        backend: db,
        attack: "other client / other tenant / guessed ids",
        tried: format!("{} requests", cross.attempts),
        outcome: format!(
            "{} answered unlike \"does not exist\", {} leaked, {} errors, {} tables changed{}{}{}{}",
            cross.differing.len(),
            cross.leaks.len(),
            cross.errors.len(),
            cross.changed.len(),
            detail(&cross.differing),
            detail(&cross.leaks),
            detail(&cross.errors),
            detail(&cross.changed)
        ),
        ok: bad == 0 && cross.attempts >= size.cross_rounds.min(2) * 500,
    });

    let passwords = passwords::run(&world, size.passwords, size.concurrency).await;
    rows.push(Row {
        backend: db,
        attack: "wrong passwords, one account, one hour",
        tried: format!("{} tries", passwords.tries),
        outcome: format!(
            "{} checked (at most {}), {} got in, {} errors; same answer unknown/wrong/locked: {}; lock held: {}",
            passwords.checked,
            passwords.limit,
            passwords.succeeded,
            passwords.errors,
            yes(passwords.alike),
            yes(passwords.lock_held)
        ),
        ok: passwords.checked <= passwords.limit
            && passwords.checked > 0
            && passwords.succeeded == 0
            && passwords.errors == 0
            && passwords.alike
            && passwords.lock_held,
    });

    let codes = codes::run(&world, size.codes, size.concurrency).await;
    rows.push(Row {
        backend: db,
        attack: "replayed app codes, guessed SMS and signing codes",
        tried: format!("{} + {} + {}", codes.replayed, codes.sms_guessed, codes.signing_guessed),
        outcome: format!(
            "{} + {} + {} accepted, {} errors; the right code after the guesses refused: {}",
            codes.replays_accepted,
            codes.sms_accepted,
            codes.signing_accepted,
            codes.errors,
            yes(codes.right_code_refused)
        ),
        ok: codes.replays_accepted + codes.sms_accepted + codes.signing_accepted + codes.errors == 0
            && codes.right_code_refused,
    });

    let pumping = pumping::run(&world, size.pumping_accounts, size.sms_cap, size.concurrency).await;
    rows.push(Row {
        backend: db,
        attack: "SMS pumping (Salem: NL, BE, DE)",
        tried: format!("{} code requests", pumping.requests),
        outcome: format!(
            "{} SMS sent (daily cap {}), {} outside the tenant's countries, {} errors",
            pumping.sent, pumping.cap, pumping.outside, pumping.errors
        ),
        ok: pumping.sent <= pumping.cap as usize && pumping.sent > 0 && pumping.outside == 0 && pumping.errors == 0,
    });

    let fuzz = fuzz::run(&world, size.fuzz_rounds, size.concurrency).await;
    rows.push(Row {
        backend: db,
        attack: "form fuzzing, every form",
        tried: format!("{} requests to {} forms", fuzz.requests, fuzz.forms),
        outcome: format!(
            "{} errors, {} tables changed{}{}{}",
            fuzz.errors.len(),
            fuzz.changed.len(),
            detail(&fuzz.errors),
            detail(&fuzz.changed),
            if fuzz.changed.is_empty() { String::new() } else { detail(&fuzz.answered_onwards) }
        ),
        ok: fuzz.errors.is_empty() && fuzz.changed.is_empty() && fuzz.forms > 20,
    });

    let outage = outage::run(backend, size.outage_messages).await;
    rows.push(Row {
        backend: db,
        attack: "SMTP and SNS down for ten minutes",
        tried: format!("{} mails + {} SMS", outage.mails, outage.sms),
        outcome: format!(
            "{} + {} delivered once after, {} doubled, {} lost, {} sent while down",
            outage.mails_delivered, outage.sms_delivered, outage.doubled, outage.lost, outage.during_outage
        ),
        ok: outage.mails_delivered == outage.mails
            && outage.sms_delivered == outage.sms
            && outage.doubled == 0
            && outage.lost == 0
            && outage.during_outage == 0,
    });

    match backend {
        Backend::Sqlite => {
            let kills = faults::kill_nine(size.kills, 4).await;
            let written = &kills.written;
            rows.push(Row {
                backend: db,
                attack: "kill -9 of the server under writes",
                tried: format!("{} kills, {} messages acknowledged", kills.kills, written.acknowledged.len()),
                outcome: format!(
                    "{} of {} starts clean, {} acknowledged but lost, {} half written, {} doubled; \
                     integrity_check {}, audit chain verified: {}{}",
                    kills.clean_starts,
                    kills.kills + 1,
                    written.missing,
                    written.partial,
                    written.doubled,
                    kills.integrity,
                    yes(kills.chain_verified),
                    detail(&kills.start_errors)
                ),
                ok: kills.clean_starts == kills.kills + 1
                    && kills.kills == size.kills
                    && !written.acknowledged.is_empty()
                    && written.missing + written.partial + written.doubled == 0
                    && kills.integrity == "ok"
                    && kills.chain_verified,
            });
        }
        Backend::Postgres => {
            let restart = faults::postgres_restart(size.restart_seconds, 8).await;
            let written = &restart.written;
            let recovered = restart.recovered_after.map_or("never".to_owned(), |s| format!("{s:.0} s"));
            rows.push(Row {
                backend: db,
                attack: "PostgreSQL crashed and restarted during writes",
                tried: format!("{} s, {} requests", restart.seconds, restart.requests),
                outcome: format!(
                    "{} acknowledged, {} of them lost, {} half written, {} doubled; \
                     ≥ 99 % success again {} after the restart ({:.1} % at the end); portal restarted: {}",
                    written.acknowledged.len(),
                    written.missing,
                    written.partial,
                    written.doubled,
                    recovered,
                    restart.success_at_end,
                    yes(restart.portal_restarted)
                ),
                ok: written.missing + written.partial + written.doubled == 0
                    && !written.acknowledged.is_empty()
                    && restart.recovered_after.is_some_and(|s| s <= 10.0)
                    && !restart.portal_restarted,
            });
        }
    }
    rows
}

fn yes(ok: bool) -> &'static str {
    if ok { "yes" } else { "NO" }
}

fn print_table(rows: &[Row], full: bool, took: std::time::Duration) {
    println!();
    println!("Careportal abuse drill ({}, {:.0} s)", if full { "full" } else { "short" }, took.as_secs_f64());
    println!("{:<11} {:<52} {:<22} result", "database", "attack", "tried");
    for row in rows {
        let mark = if row.ok { "ok " } else { "OFF" };
        println!("{:<11} {:<52} {:<22} {mark} {}", row.backend, row.attack, row.tried, row.outcome);
    }
    println!();
}
