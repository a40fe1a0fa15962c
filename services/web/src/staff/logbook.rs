//! Beheer › Logboek: the tenant administrator and the privacy officer search the audit log
//! by period, client, account, action and outcome, page back through it (keyset paging, as
//! fast at the ten-millionth entry as at the first) and download what they found as CSV.
//! Every search and every download is itself in the log.

use super::Staff;
use crate::error::AppError;
use crate::pages::render;
use axum::body::{Body, Bytes};
use axum::extract::Query;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use careportal_app::logbook::{self, Names, PAGE_SIZE, cursor_text, page_and_cursor, parse_cursor};
use careportal_domain::DomainError;
use careportal_domain::audit::{AuditAction, Outcome};
use careportal_domain::people::{ClientReference, Username};
use careportal_domain::staff::StaffAction;
use careportal_domain::time::{parse_date, start_of_day};
use careportal_store::AuditQuery;
use serde::{Deserialize, Serialize};

/// What can be chosen under "Wat": a label and the action (or prefix, ending in a dot).
const ACTIONS: [(&str, &str); 9] = [
    ("", "Alles"),
    ("record.", "Dossier bekeken of gedownload"),
    ("document.downloaded", "Document gedownload"),
    ("access.refused", "Toegang geweigerd"),
    ("login.", "Inloggen"),
    ("account.", "Accounts en uitnodigingen"),
    ("rights.changed", "Rechten gewijzigd"),
    ("audit.", "Logboek ingezien"),
    ("plan.", "Begeleidingsplannen"),
];

/// The search as typed; kept as typed when something in it is wrong.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub struct Search {
    #[serde(default)]
    van: String,
    #[serde(default)]
    tot: String,
    #[serde(default)]
    client: String,
    #[serde(default)]
    account: String,
    #[serde(default)]
    actie: String,
    #[serde(default)]
    uitkomst: String,
    #[serde(default)]
    voor: String,
}

impl Search {
    /// The search as the store asks it, or what is wrong with it, per field.
    async fn query(&self, staff: &Staff) -> Result<Result<AuditQuery, Vec<DomainError>>, AppError> {
        let mut query = AuditQuery::default();
        let mut problems = Vec::new();
        let mut date = |field: &'static str, text: &str| {
            if text.trim().is_empty() {
                return None;
            }
            parse_date(field, text).map_err(|e| problems.push(e)).ok()
        };
        let from = date("van", &self.van);
        let to = date("tot", &self.tot);
        if let (Some(from), Some(to)) = (from, to)
            && to < from
        {
            problems.push(DomainError::invalid("tot", "Deze datum ligt vóór de datum bij Van."));
        }
        query.from = from.map(start_of_day);
        query.until = to.map(|d| start_of_day(d + chrono::Duration::days(1)));
        let store = staff.state.store.as_ref();
        if !self.client.trim().is_empty() {
            let found = match ClientReference::parse(self.client.trim()) {
                Ok(reference) => store.client_by_reference(staff.tenant.id, &reference).await?,
                Err(_) => None,
            };
            match found {
                Some(client) => query.client = Some(client.id),
                None => problems.push(DomainError::invalid(
                    "client",
                    format!("Er is geen cliënt met cliëntnummer \"{}\".", self.client.trim()),
                )),
            }
        }
        if !self.account.trim().is_empty() {
            let found = match Username::parse(self.account.trim()) {
                Ok(username) => store.account_by_username(staff.tenant.id, &username).await?,
                Err(_) => None,
            };
            match found {
                Some(account) => query.actor = Some(format!("account:{}", account.id)),
                None => problems.push(DomainError::invalid(
                    "account",
                    format!("Er is geen account met e-mailadres \"{}\".", self.account.trim()),
                )),
            }
        }
        match ACTIONS.iter().find(|(key, _)| *key == self.actie) {
            Some(("", _)) => {}
            Some((key, _)) => query.action = Some((*key).to_owned()),
            None => problems.push(DomainError::invalid("actie", "Kies wat u zoekt uit de lijst.")),
        }
        query.outcome = match self.uitkomst.as_str() {
            "" => None,
            "toegestaan" => Some(Outcome::Allowed),
            "geweigerd" => Some(Outcome::Refused),
            _ => {
                problems.push(DomainError::invalid("uitkomst", "Kies Alles, Toegestaan of Geweigerd."));
                None
            }
        };
        query.before = parse_cursor(&self.voor);
        Ok(if problems.is_empty() { Ok(query) } else { Err(problems) })
    }

    /// The search as it goes in a link (for the next page and the CSV), without the cursor.
    fn link(&self) -> String {
        let pairs = [
            ("van", &self.van),
            ("tot", &self.tot),
            ("client", &self.client),
            ("account", &self.account),
            ("actie", &self.actie),
            ("uitkomst", &self.uitkomst),
        ];
        let mut url = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in pairs {
            if !value.is_empty() {
                url.append_pair(key, value);
            }
        }
        url.finish()
    }

    /// What the search asked, for the log's own entry about it.
    fn describe(&self) -> String {
        let link = self.link();
        if link.is_empty() { "alles".to_owned() } else { link }
    }
}

#[derive(Debug, Serialize)]
struct Row {
    when: String,
    at: String,
    who: String,
    what: String,
    client: Option<String>,
    on_behalf: Option<String>,
    refused: bool,
    action: String,
    detail: String,
    from: Option<String>,
    seq: Option<i64>,
}

#[derive(Debug, Serialize)]
struct Choice {
    value: &'static str,
    label: &'static str,
}

/// One entry as the page shows it.
fn row(staff: &Staff, names: &Names, e: &careportal_domain::audit::AuditEntry) -> Row {
    let from = match (&e.ip, &e.user_agent) {
        (None, None) => None,
        (ip, agent) => Some([ip.as_deref(), agent.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(", ")),
    };
    Row {
        when: logbook::when(e.at),
        at: e.at.to_rfc3339(),
        who: names.who(e),
        what: logbook::what(&staff.tenant, e),
        client: names.client(e),
        on_behalf: e
            .on_behalf_of
            .as_ref()
            .map(|b| if b.starts_with("client:") { "de cliënt".to_owned() } else { b.clone() }),
        refused: e.outcome == Outcome::Refused.as_str(),
        action: e.action.clone(),
        detail: e.detail.clone(),
        from,
        seq: e.seq,
    }
}

/// GET /beheer/logboek
pub async fn page(staff: Staff, jar: CookieJar, Query(search): Query<Search>) -> Result<Response, AppError> {
    staff.require(StaffAction::ReadAudit).await?;
    let query = match search.query(&staff).await? {
        Ok(query) => query,
        Err(problems) => return show(&staff, jar, &search, &problems, None, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let store = staff.state.store.as_ref();
    let event = staff.origin().event(AuditAction::AUDIT_VIEWED, query.client, search.describe()).on("logboek");
    store.append_audit(staff.tenant.id, &event).await?;
    let entries = store.search_audit(staff.tenant.id, &query, PAGE_SIZE + 1).await?;
    let (entries, next) = page_and_cursor(entries);
    let names = Names::of(store, &staff.tenant, &entries).await?;
    let rows: Vec<Row> = entries.iter().map(|e| row(&staff, &names, e)).collect();
    let later = next.map(|cursor| {
        let link = search.link();
        let cursor = cursor_text(cursor);
        if link.is_empty() { format!("voor={cursor}") } else { format!("{link}&voor={cursor}") }
    });
    show(&staff, jar, &search, &[], Some((rows, later)), StatusCode::OK).await
}

async fn show(
    staff: &Staff,
    jar: CookieJar,
    search: &Search,
    problems: &[DomainError],
    found: Option<(Vec<Row>, Option<String>)>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let (jar, mut context) = staff.context(jar, "Logboek");
    context.insert("search", search);
    context.insert("errors", &crate::record::field_errors(problems));
    context.insert("actions", &ACTIONS.iter().map(|(value, label)| Choice { value, label }).collect::<Vec<_>>());
    let (rows, next) = found.unwrap_or_default();
    context.insert("searched", &problems.is_empty());
    context.insert("rows", &rows);
    context.insert("next", &next);
    context.insert("paged", &!search.voor.is_empty());
    context.insert("csv", &format!("/beheer/logboek.csv?{}", search.link()));
    render(&staff.state, &staff.tenant, "staff/logbook.html", &context, status, jar).await
}

/// GET /beheer/logboek.csv: everything the search finds, streamed in pages of a thousand.
pub async fn csv(staff: Staff, jar: CookieJar, Query(search): Query<Search>) -> Result<Response, AppError> {
    staff.require(StaffAction::ReadAudit).await?;
    let mut query = match search.query(&staff).await? {
        Ok(query) => query,
        Err(problems) => return show(&staff, jar, &search, &problems, None, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    query.before = None;
    // Logged before the first byte goes: an export that cannot be logged does not happen.
    let event = staff.origin().event(AuditAction::AUDIT_EXPORTED, query.client, search.describe()).on("logboek");
    staff.state.store.append_audit(staff.tenant.id, &event).await?;
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let store = staff.state.store.clone();
    let tenant = staff.tenant.clone();
    tokio::spawn(async move {
        if sender.send(Ok(Bytes::from_static(logbook::CSV_HEADER.as_bytes()))).await.is_err() {
            return;
        }
        loop {
            match logbook::csv_page(store.as_ref(), &tenant, &mut query).await {
                Ok((chunk, more)) => {
                    if sender.send(Ok(Bytes::from(chunk))).await.is_err() || !more {
                        return;
                    }
                }
                Err(error) => {
                    tracing::error!(%error, "logboek-export afgebroken");
                    let _ = sender.send(Err(std::io::Error::other("logboek-export afgebroken"))).await;
                    return;
                }
            }
        }
    });
    let filename = format!("logboek-{}-{}.csv", staff.tenant.slug, staff.state.clock.now().format("%Y-%m-%d"));
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        Body::from_stream(Receiver(receiver)),
    )
        .into_response())
}

/// The channel's receiving end as the stream a body reads.
struct Receiver(tokio::sync::mpsc::Receiver<Result<Bytes, std::io::Error>>);

impl futures_core::Stream for Receiver {
    type Item = Result<Bytes, std::io::Error>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        self.0.poll_recv(cx)
    }
}
