//! What a family looks for first on Home (Salem): the next appointments, the newest posts on
//! the prikbord and the messages that came in, each only for whoever holds the right to that
//! part of the portal, and each read logged against its own module.

use crate::error::AppError;
use crate::record::Care;
use careportal_domain::record::agenda::Appointment;
use careportal_domain::rights::Action;
use careportal_domain::tenant::Module;
use careportal_domain::time::{TimeRange, clock_time, moment, short_date};
use chrono::{DateTime, Utc};
use serde::Serialize;
use tera::Context;

/// How many of each Home shows; the module's own page has the rest.
const SHOWN: u32 = 3;
/// How far ahead "Komende afspraken" looks.
const AHEAD_DAYS: i64 = 30;

#[derive(Debug, Serialize)]
struct Upcoming {
    day: String,
    time: String,
    title: String,
    location: Option<String>,
}

#[derive(Debug, Serialize)]
struct Newest {
    moment: String,
    author: String,
    body: String,
    replies: usize,
}

#[derive(Debug, Serialize)]
struct Received {
    moment: String,
    sender: String,
    body: String,
    /// Came in after the previous visit.
    new: bool,
}

#[derive(Debug, Serialize)]
struct Glance {
    label: String,
    path: &'static str,
}

/// Adds the glance sections to Home's context; `previous` is the previous visit. Returns
/// how many messages came in since then, for "Nieuw sinds uw vorige bezoek".
pub(crate) async fn add(
    care: &Care,
    previous: Option<DateTime<Utc>>,
    context: &mut Context,
) -> Result<usize, AppError> {
    let Some(link) = &care.current else { return Ok(0) };
    let (store, tenant, client) = (care.state.store.as_ref(), care.tenant.id, link.client.id);
    let now = care.state.clock.now();
    if care.may(Module::Agenda, Action::Read) {
        let range = TimeRange { from: Some(now), until: Some(now + chrono::Duration::days(AHEAD_DAYS)) };
        let appointments = store.appointments(tenant, client, range, SHOWN).await?;
        care.audit_read(Module::Agenda, format!("startpagina: {} komende afspraken", appointments.len())).await?;
        context.insert("upcoming", &appointments.iter().map(upcoming).collect::<Vec<_>>());
        context.insert("agenda", &Glance { label: care.label(Module::Agenda), path: Module::Agenda.path() });
    }
    if care.may(Module::Prikbord, Action::Read) {
        // Replies come in the same list; a post shows with how many replies it has.
        let all = store.posts(tenant, client, 200).await?;
        let newest: Vec<Newest> = all
            .iter()
            .filter(|p| p.parent.is_none())
            .take(SHOWN as usize)
            .map(|p| Newest {
                moment: moment(p.created_at),
                author: p.author_name.clone(),
                body: p.body.clone(),
                replies: all.iter().filter(|r| r.parent == Some(p.id)).count(),
            })
            .collect();
        care.audit_read(Module::Prikbord, format!("startpagina: {} berichten", newest.len())).await?;
        context.insert("newest_posts", &newest);
        context.insert("prikbord", &Glance { label: care.label(Module::Prikbord), path: Module::Prikbord.path() });
    }
    let mut new_messages = 0;
    if care.may(Module::Messages, Action::Read) && care.reaches_network() {
        let me = care.signed_in.account.id;
        let messages = store.network_messages(tenant, client, me, 50).await?;
        let came_in: Vec<_> = messages.iter().filter(|m| m.recipient == me).collect();
        let is_new = |at: DateTime<Utc>| previous.is_some_and(|p| at > p);
        new_messages = came_in.iter().filter(|m| is_new(m.sent_at)).count();
        let received: Vec<Received> = came_in
            .iter()
            .take(SHOWN as usize)
            .map(|m| Received {
                moment: moment(m.sent_at),
                sender: m.sender_name.clone(),
                body: m.body.clone(),
                new: is_new(m.sent_at),
            })
            .collect();
        care.audit_read(Module::Messages, format!("startpagina: {} ontvangen berichten", received.len())).await?;
        context.insert("received", &received);
        context.insert("network_messages", &Glance { label: care.label(Module::Messages), path: "/berichten" });
    }
    Ok(new_messages)
}

fn upcoming(a: &Appointment) -> Upcoming {
    Upcoming {
        day: short_date(a.starts_at),
        time: format!("{}–{}", clock_time(a.starts_at), clock_time(a.ends_at)),
        title: a.title.clone(),
        location: a.location.clone(),
    }
}
