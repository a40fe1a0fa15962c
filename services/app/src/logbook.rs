//! The audit log read back by people, in plain Dutch: Beheer › Logboek (search, CSV) and the
//! client's "Wie heeft mijn dossier bekeken". Every read of the log is itself logged.

use careportal_domain::audit::{AuditAction, AuditEntry, AuditRole, Origin, Outcome};
use careportal_domain::tenant::{Module, Tenant};
use careportal_domain::time::{clock_time, short_date};
use careportal_domain::{AccountId, ClientId};
use careportal_store::{AuditQuery, Store, StoreResult};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// A page of the log as people read it.
pub const PAGE_SIZE: u32 = 50;

/// The tenant's word for a module key, or the key itself for something that is no module.
pub fn module_label(tenant: &Tenant, key: &str) -> String {
    Module::from_key(key).map_or_else(|| key.to_owned(), |module| tenant.config.module_label(module))
}

/// What an entry says happened, as a verb phrase after a name: "bekeek Rapportages".
pub fn what(tenant: &Tenant, entry: &AuditEntry) -> String {
    let part = || entry.object.as_deref().map(|key| module_label(tenant, key));
    let fixed = match entry.action.as_str() {
        "record.viewed" => return format!("bekeek {}", part().unwrap_or_else(|| "het dossier".to_owned())),
        "record.downloaded" => return format!("downloadde {}", part().unwrap_or_else(|| "het dossier".to_owned())),
        "document.downloaded" => {
            return match part() {
                Some(label) => format!("downloadde een document uit {label}"),
                None => "downloadde een document".to_owned(),
            };
        }
        "access.refused" => {
            return match entry.object.as_deref() {
                Some("beheer") => "kreeg geen toegang tot Beheer".to_owned(),
                _ => format!("kreeg geen toegang tot {}", part().unwrap_or_else(|| "het dossier".to_owned())),
            };
        }
        "client.opened" => "opende het dossier",
        "client.viewed" => "bekeek het dossier",
        "client.created" => "nam de cliënt op in het portaal",
        "client.updated" => "wijzigde de gegevens van de cliënt",
        "client.listed" => "bekeek de lijst van cliënten",
        "report.written" => "schreef een rapportage",
        "measurement.written" => "voerde een meting in",
        "message.sent" => "stuurde een bericht",
        "network_message.sent" => "stuurde een bericht aan het netwerk",
        "consent.changed" => "wijzigde een toestemming",
        "appointment.added" => "zette een afspraak in de agenda",
        "appointment.changed" => "wijzigde een afspraak",
        "appointment.deleted" => "verwijderde een afspraak",
        "prikbord.posted" => "plaatste een bericht op het prikbord",
        "prikbord.replied" => "reageerde op het prikbord",
        "prikbord.removed" => "haalde een bericht van het prikbord",
        "plan.signed" => "ondertekende een begeleidingsplan",
        "plan.rejected" => "ging niet akkoord met een begeleidingsplan",
        "plan.offered" => "bood een begeleidingsplan aan",
        "questionnaire.submitted" => "verstuurde een vragenlijst",
        "questionnaire.draft_saved" => "bewaarde een vragenlijst",
        "rights.changed" => "wijzigde de rechten van een contactpersoon",
        "photo.client_set" => "plaatste een foto van de cliënt",
        "photo.own_set" => "plaatste een eigen foto",
        "photo.client_removed" => "verwijderde de foto van de cliënt",
        "photo.own_removed" => "verwijderde de eigen foto",
        "factor.phone_set" => "stelde een mobiel nummer voor bevestigingscodes in",
        "factor.phone_removed" => "verwijderde het mobiele nummer voor bevestigingscodes",
        "account.invited" => "nodigde iemand uit voor het dossier",
        "account.link_invited" => "nodigde een bestaand account uit voor het dossier",
        "account.linked" => "koppelde een account aan het dossier",
        "account.created" => "maakte een account aan",
        "staff.role_added" => "gaf een medewerker een rol",
        "password.changed" => "wijzigde een wachtwoord",
        "password.set" => "stelde een wachtwoord in",
        "factor.enrolled" => "stelde een tweede inlogstap in",
        "factor.reset" => "zette de tweede inlogstap opnieuw in",
        "tenant.applied" => "werkte de instellingen van de organisatie bij",
        "account.link_declined" => "weigerde een uitnodiging",
        "invitation.viewed" => "zag een uitnodiging voor het dossier",
        "dossier.requested" => "vroeg een download van het hele dossier aan",
        "dossier.made" => "maakte een download van het hele dossier klaar",
        "dossier.downloaded" => "downloadde het hele dossier",
        "access.ended" => "beëindigde de toegang tot het dossier",
        "login.succeeded" => "logde in",
        "login.failed" => "probeerde in te loggen (mislukt)",
        "login.locked" => "werd tijdelijk geblokkeerd na mislukte pogingen",
        "logout" => "logde uit",
        "audit.viewed" => "bekeek het logboek",
        "audit.exported" => "downloadde het logboek",
        "ecd.sent" => "stuurde een onderdeel naar het ECD",
        other if other.ends_with(".synced") || other.ends_with(".corrected") => "werkte bij vanuit het ECD",
        other if other.ends_with(".removed") => "verwijderde op aanwijzing van het ECD",
        other => return other.to_owned(),
    };
    fixed.to_owned()
}

/// "di 1 dec 2026 16:02", Dutch time: the record's short date, lower case as it follows a
/// comma, and the clock time.
pub fn when(at: DateTime<Utc>) -> String {
    let date = short_date(at);
    let mut chars = date.chars();
    let lowered: String = chars.next().map(|c| c.to_lowercase().chain(chars).collect()).unwrap_or_default();
    format!("{lowered} {}", clock_time(at))
}

/// The names behind the ids of a page of entries, each read once.
#[derive(Debug, Default)]
pub struct Names {
    accounts: HashMap<AccountId, Option<String>>,
    clients: HashMap<ClientId, Option<(String, String)>>,
}

impl Names {
    pub async fn of(store: &dyn Store, tenant: &Tenant, entries: &[AuditEntry]) -> StoreResult<Self> {
        let mut names = Names::default();
        for entry in entries {
            if let Some(account) = entry.actor_account()
                && !names.accounts.contains_key(&account)
            {
                let name = store.account(tenant.id, account).await?.map(|a| a.name.full());
                names.accounts.insert(account, name);
            }
            if let Some(client) = entry.client
                && !names.clients.contains_key(&client)
            {
                let found =
                    store.client(tenant.id, client).await?.map(|c| (c.name.full(), c.reference.as_str().to_owned()));
                names.clients.insert(client, found);
            }
        }
        Ok(names)
    }

    /// "Ingrid de Vries (vertegenwoordiger)"; the platform as "Het portaal (ECD-koppeling)".
    pub fn who(&self, entry: &AuditEntry) -> String {
        let role = entry.role.as_deref().and_then(AuditRole::parse);
        if let Some(name) = entry.actor.strip_prefix("system:") {
            let what = match name {
                "sync" | "ecd" => "ECD-koppeling",
                "worker" => "achtergrondtaken",
                "cli" => "beheer op de server",
                "demo" => "demo",
                _ => name,
            };
            return format!("Het portaal ({what})");
        }
        let name = entry
            .actor_account()
            .and_then(|a| self.accounts.get(&a).cloned().flatten())
            .unwrap_or_else(|| "Een verwijderd account".to_owned());
        match role {
            Some(role) => format!("{name} ({})", role.label()),
            None => name,
        }
    }

    /// "Daan Bakker (SIL-1001)", when the entry is about a client.
    pub fn client(&self, entry: &AuditEntry) -> Option<String> {
        let id = entry.client?;
        Some(match self.clients.get(&id).cloned().flatten() {
            Some((name, reference)) => format!("{name} ({reference})"),
            None => "een verwijderde cliënt".to_owned(),
        })
    }
}

/// One line of "Wie heeft mijn dossier bekeken".
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VisitLine {
    pub who: String,
    pub what: String,
    pub when: String,
    /// The same moment for machines (`<time datetime>`).
    pub at: String,
}

/// A page of what other people did in the client's dossier, newest first, and the cursor of
/// the next page. Logged as a read of the log.
pub async fn visits(
    store: &dyn Store,
    tenant: &Tenant,
    origin: &Origin,
    viewer: AccountId,
    client: ClientId,
    before: Option<(DateTime<Utc>, i64)>,
) -> StoreResult<(Vec<VisitLine>, Option<(DateTime<Utc>, i64)>)> {
    let query = AuditQuery {
        client: Some(client),
        people_only: true,
        exclude_actor: Some(format!("account:{viewer}")),
        outcome: Some(Outcome::Allowed),
        before,
        ..AuditQuery::default()
    };
    let entries = store.search_audit(tenant.id, &query, PAGE_SIZE + 1).await?;
    let event =
        origin.event(AuditAction::AUDIT_VIEWED, Some(client), format!("{} vermeldingen", entries.len())).on("inzage");
    store.append_audit(tenant.id, &event).await?;
    let (page, next) = page_and_cursor(entries);
    let names = Names::of(store, tenant, &page).await?;
    let lines = page
        .iter()
        .map(|e| VisitLine { who: names.who(e), what: what(tenant, e), when: when(e.at), at: e.at.to_rfc3339() })
        .collect();
    Ok((lines, next))
}

/// Splits one more than a page into the page and the cursor after it.
pub fn page_and_cursor(mut entries: Vec<AuditEntry>) -> (Vec<AuditEntry>, Option<(DateTime<Utc>, i64)>) {
    let more = entries.len() > PAGE_SIZE as usize;
    entries.truncate(PAGE_SIZE as usize);
    let next = if more { entries.last().map(|e| (e.at, e.seq.unwrap_or(0))) } else { None };
    (entries, next)
}

/// A cursor as it travels in a link: microseconds since 1970, an underscore, the seq.
pub fn cursor_text(cursor: (DateTime<Utc>, i64)) -> String {
    format!("{}_{}", cursor.0.timestamp_micros(), cursor.1)
}

pub fn parse_cursor(text: &str) -> Option<(DateTime<Utc>, i64)> {
    let (micros, seq) = text.split_once('_')?;
    Some((DateTime::from_timestamp_micros(micros.parse().ok()?)?, seq.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn moments_read_as_in_the_issue() {
        let at = Utc.with_ymd_and_hms(2026, 12, 1, 15, 2, 0).unwrap();
        assert_eq!(when(at), "di 1 dec 2026 16:02");
    }

    #[test]
    fn a_cursor_survives_a_link() {
        let cursor = (Utc.with_ymd_and_hms(2026, 12, 1, 15, 2, 0).unwrap() + chrono::Duration::microseconds(7), 42);
        assert_eq!(parse_cursor(&cursor_text(cursor)), Some(cursor));
        assert_eq!(parse_cursor("x_1"), None);
    }
}

/// The columns of the CSV export, in order.
pub const CSV_HEADER: &str = "volgnummer,tijdstip_utc,tijdstip,actor,naam,rol,namens,client_id,client,actie,onderdeel,omschrijving,uitkomst,ip,apparaat,hash\r\n";

/// One CSV field: quoted when it must be, and never read as a formula by a spreadsheet
/// (a leading =, +, -, @, tab or CR gets a quote mark first, as OWASP advises).
fn csv_field(out: &mut String, value: &str) {
    let guarded = match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}"),
        _ => value.to_owned(),
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&guarded.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(&guarded);
    }
}

/// How many entries one chunk of the CSV export reads.
const CSV_PAGE: u32 = 1_000;

/// One chunk of a CSV export of `query` and whether more may follow; the query's cursor is
/// moved past it. Streamed chunk by chunk, an export of millions holds one chunk in memory.
pub async fn csv_page(store: &dyn Store, tenant: &Tenant, query: &mut AuditQuery) -> StoreResult<(String, bool)> {
    let page = store.search_audit(tenant.id, query, CSV_PAGE).await?;
    let Some(last) = page.last() else { return Ok((String::new(), false)) };
    query.before = Some((last.at, last.seq.unwrap_or(0)));
    let names = Names::of(store, tenant, &page).await?;
    Ok((page.iter().map(|e| csv_row(tenant, &names, e)).collect(), page.len() == CSV_PAGE as usize))
}

/// One entry as a CSV line (CRLF, as RFC 4180 has it).
pub fn csv_row(tenant: &Tenant, names: &Names, entry: &AuditEntry) -> String {
    let mut out = String::with_capacity(256);
    let seq = entry.seq.map(|s| s.to_string()).unwrap_or_default();
    let client_id = entry.client.map(|c| c.to_string()).unwrap_or_default();
    let fields = [
        seq.as_str(),
        &entry.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        &when(entry.at),
        &entry.actor,
        &names.who(entry),
        entry.role.as_deref().unwrap_or(""),
        entry.on_behalf_of.as_deref().unwrap_or(""),
        &client_id,
        &names.client(entry).unwrap_or_default(),
        &entry.action,
        &entry.object.as_deref().map(|o| module_label(tenant, o)).unwrap_or_default(),
        &entry.detail,
        &entry.outcome,
        entry.ip.as_deref().unwrap_or(""),
        entry.user_agent.as_deref().unwrap_or(""),
        entry.hash.as_deref().unwrap_or(""),
    ];
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        csv_field(&mut out, field);
    }
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod csv_tests {
    use super::csv_field;

    #[test]
    fn fields_are_quoted_and_never_formulas() {
        let mut out = String::new();
        for value in ["gewoon", "a,b", "zei \"ja\"", "=HYPERLINK(\"x\")", "-1", "regel\nerbij"] {
            csv_field(&mut out, value);
            out.push('|');
        }
        assert_eq!(out, "gewoon|\"a,b\"|\"zei \"\"ja\"\"\"|\"'=HYPERLINK(\"\"x\"\")\"|'-1|\"regel\nerbij\"|");
    }
}
