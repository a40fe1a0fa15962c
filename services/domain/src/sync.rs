//! The ECD sync's rules that need neither HTTP nor SQL: which kinds of data are synced, when a
//! kind is due by its tenant's schedule, and how long a failed write-back waits before its
//! next try.
//!
//! Schedules are wall-clock rules of a Dutch organisation ("ieder uur tussen 8:30 en 0:30"),
//! so the window is read in Europe/Amsterdam, while the interval is real elapsed time: on the
//! day the clocks move, an hourly stream still runs once per real hour, and only inside the
//! window as the organisation's clock shows it.

use crate::tenant::{SyncStream, parse_window};
use crate::time::ZONE;
use chrono::{DateTime, Duration, Timelike, Utc};
use uuid::Uuid;

/// What the sync pulls from the ECD, one cursor and one lease each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SyncKind {
    /// Patients: the client list (always pulled before any other kind).
    Clients,
    /// RelatedPersons: the client's network in the ECD, which invitations are checked against.
    Network,
    /// Compositions (progress notes): Rapportages.
    Reports,
    /// Observations (vital signs): Metingen.
    Measurements,
    /// Consents: Toestemmingen.
    Consents,
    /// Communications with the care coordinator: Berichten.
    Messages,
    /// Appointments: the care appointments in the agenda.
    Appointments,
    /// QuestionnaireResponses in progress: Vragenlijsten to fill in.
    Questionnaires,
    /// DocumentReferences: care plan prints to sign, evaluations, invoices.
    Documents,
    /// A sectioned Composition: the Persoonsbeeld.
    Profiles,
    /// The portal's own writes on their way to the ECD.
    Outbox,
}

impl SyncKind {
    pub const ALL: [SyncKind; 11] = [
        SyncKind::Clients,
        SyncKind::Network,
        SyncKind::Reports,
        SyncKind::Measurements,
        SyncKind::Consents,
        SyncKind::Messages,
        SyncKind::Appointments,
        SyncKind::Questionnaires,
        SyncKind::Documents,
        SyncKind::Profiles,
        SyncKind::Outbox,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            SyncKind::Clients => "clients",
            SyncKind::Network => "network",
            SyncKind::Reports => "reports",
            SyncKind::Measurements => "measurements",
            SyncKind::Consents => "consents",
            SyncKind::Messages => "messages",
            SyncKind::Appointments => "appointments",
            SyncKind::Questionnaires => "questionnaires",
            SyncKind::Documents => "documents",
            SyncKind::Profiles => "profiles",
            SyncKind::Outbox => "outbox",
        }
    }

    pub fn parse(text: &str) -> Option<SyncKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// Dutch, for the status page and the CLI.
    pub fn label(&self) -> &'static str {
        match self {
            SyncKind::Clients => "Cliënten",
            SyncKind::Network => "Netwerk",
            SyncKind::Reports => "Rapportages",
            SyncKind::Measurements => "Metingen",
            SyncKind::Consents => "Toestemmingen",
            SyncKind::Messages => "Berichten",
            SyncKind::Appointments => "Afspraken",
            SyncKind::Questionnaires => "Vragenlijsten",
            SyncKind::Documents => "Documenten",
            SyncKind::Profiles => "Persoonsbeeld",
            SyncKind::Outbox => "Naar het ECD",
        }
    }
}

/// When no schedule names a kind, it runs this often (minutes), all day.
pub const DEFAULT_EVERY_MINUTES: u32 = 15;

/// What people write waits at most this long (minutes) for the ECD when the tenant's
/// schedule does not say otherwise: a report to the care team should not sit for a quarter.
pub const DEFAULT_OUTBOX_EVERY_MINUTES: u32 = 1;

/// A tenant's schedule for `kind`: its `[sync.schedule.<kind>]`, or the default.
pub fn schedule_of(schedule: &std::collections::BTreeMap<String, SyncStream>, kind: SyncKind) -> SyncStream {
    schedule.get(kind.as_str()).cloned().unwrap_or_else(|| SyncStream {
        every_minutes: if kind == SyncKind::Outbox { DEFAULT_OUTBOX_EVERY_MINUTES } else { DEFAULT_EVERY_MINUTES },
        window: None,
    })
}

/// The identifier system of resources the portal itself writes to the ECD: RFC 3986, with
/// our own id as a `urn:uuid:`. Stable over retries and workers, so a conditional create
/// (`If-None-Exist`) never makes a second copy, and a resource that comes back on a later
/// pull is recognised as the item it was made from.
pub const OWN_IDENTIFIER_SYSTEM: &str = "urn:ietf:rfc:3986";

/// The identifier value of a portal item: `urn:uuid:<id>`.
pub fn own_identifier_value(id: Uuid) -> String {
    format!("urn:uuid:{id}")
}

/// The key (`system|value`) under which a portal item is known once the ECD has it: the
/// same key a pull gives the resource that comes back.
pub fn own_ecd_key(id: Uuid) -> String {
    format!("{OWN_IDENTIFIER_SYSTEM}|{}", own_identifier_value(id))
}

/// Where one tenant's stream stands: what the status page and `careportal sync status`
/// show, and what the worker reads to decide whether it is due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamState {
    pub kind: SyncKind,
    /// The newest `meta.lastUpdated` the last pull saw (a FHIR instant, as the server wrote it).
    pub cursor: Option<String>,
    /// When a pull last read everything (and so could see deletes).
    pub full_at: Option<DateTime<Utc>>,
    pub lease_owner: Option<String>,
    pub lease_until: Option<DateTime<Utc>>,
    pub last_started_at: Option<DateTime<Utc>>,
    pub last_finished_at: Option<DateTime<Utc>>,
    pub last_success_at: Option<DateTime<Utc>>,
    /// The status line of the last run when it failed; None after a success.
    pub last_error: Option<String>,
    /// What the last successful run did, as JSON.
    pub last_counts: Option<String>,
}

impl StreamState {
    /// Whether another worker holds the stream at `now`.
    pub fn is_running(&self, now: DateTime<Utc>) -> bool {
        self.lease_until.is_some_and(|until| until > now)
    }
}

/// How often a pull reads everything instead of what changed since its cursor: deletes in
/// the ECD (a hard DELETE leaves nothing for `_lastUpdated` to find) are found within a day.
pub const FULL_PULL_EVERY_HOURS: i64 = 24;

/// Whether this run of a pull should read everything.
pub fn needs_full_pull(state: Option<&StreamState>, now: DateTime<Utc>) -> bool {
    match state {
        None => true,
        Some(state) => {
            state.cursor.is_none() || state.full_at.is_none_or(|at| now - at >= Duration::hours(FULL_PULL_EVERY_HOURS))
        }
    }
}

/// Whether a stream with this schedule should run at `now`, having last started at
/// `last_started` (None: never). Due when the interval has passed since the last start and
/// the Amsterdam wall clock is inside the window (start included, end excluded; a window whose
/// end lies before its start runs past midnight). A window that does not parse counts as all
/// day: `tenant validate` refuses such windows before they are stored.
pub fn is_due(stream: Option<&SyncStream>, last_started: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    let every = stream.map_or(DEFAULT_EVERY_MINUTES, |s| s.every_minutes.max(1));
    let interval_passed = last_started.is_none_or(|last| now - last >= Duration::minutes(i64::from(every)));
    interval_passed && in_window(stream.and_then(|s| s.window.as_deref()), now)
}

/// Whether the Amsterdam wall clock at `now` lies inside `window` ("08:30-00:30").
pub fn in_window(window: Option<&str>, now: DateTime<Utc>) -> bool {
    let Some((start, end)) = window.and_then(parse_window) else { return true };
    let local = now.with_timezone(&ZONE);
    let minute = local.hour() * 60 + local.minute();
    if start < end { (start..end).contains(&minute) } else { minute >= start || minute < end }
}

/// How long a write-back waits after its `attempts`-th failure: 1, 2, 4 … minutes, at most
/// six hours, so an ECD that is down for a day is neither hammered nor waited on for long.
pub fn retry_delay(attempts: u32) -> Duration {
    let minutes = 1i64 << attempts.saturating_sub(1).min(9);
    Duration::minutes(minutes.min(360))
}

/// After this many failed tries a write-back is parked: shown on the status page and left
/// alone until someone looks, instead of being retried for ever.
pub const MAX_PUSH_ATTEMPTS: u32 = 12;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::local_instant;
    use chrono::{NaiveDate, NaiveTime};

    fn salem_reports() -> SyncStream {
        SyncStream { every_minutes: 60, window: Some("08:30-00:30".to_owned()) }
    }

    /// A worker that looks every minute, from the day before `date` on, and runs when due:
    /// the local times at which it ran during `date`.
    fn runs_on(date: NaiveDate, stream: &SyncStream) -> Vec<String> {
        let start = crate::time::start_of_day(date);
        let end = crate::time::start_of_day(date.succ_opt().unwrap());
        let mut last = None;
        let mut runs = Vec::new();
        let mut now = crate::time::start_of_day(date.pred_opt().unwrap());
        while now < end {
            if is_due(Some(stream), last, now) {
                last = Some(now);
                if now >= start {
                    runs.push(now.with_timezone(&ZONE).format("%H:%M").to_string());
                }
            }
            now += Duration::minutes(1);
        }
        runs
    }

    fn half_past_eight_until_half_past_eleven() -> Vec<String> {
        (8..24).map(|h| format!("{h:02}:30")).collect()
    }

    #[test]
    fn salem_s_window_runs_hourly_from_half_past_eight_until_past_midnight() {
        let runs = runs_on(NaiveDate::from_ymd_opt(2026, 11, 10).unwrap(), &salem_reports());
        // The run at 23:30 is the last: the next would be at 00:30, where the window ends.
        assert_eq!(runs, half_past_eight_until_half_past_eleven());
    }

    #[test]
    fn the_window_holds_on_the_day_the_clocks_go_forward_and_back() {
        // 29 March 2026: 02:00 becomes 03:00; 25 October 2026: 03:00 becomes 02:00. Both hours
        // lie outside Salem's window, so the same local times run as on any other day.
        let expected = half_past_eight_until_half_past_eleven();
        for date in [NaiveDate::from_ymd_opt(2026, 3, 29).unwrap(), NaiveDate::from_ymd_opt(2026, 10, 25).unwrap()] {
            assert_eq!(runs_on(date, &salem_reports()), expected, "{date}");
        }
    }

    #[test]
    fn an_all_day_stream_runs_by_real_elapsed_time_across_a_clock_change() {
        let every_ten = SyncStream { every_minutes: 10, window: None };
        let normal = runs_on(NaiveDate::from_ymd_opt(2026, 11, 10).unwrap(), &every_ten).len();
        let short = runs_on(NaiveDate::from_ymd_opt(2026, 3, 29).unwrap(), &every_ten).len();
        let long = runs_on(NaiveDate::from_ymd_opt(2026, 10, 25).unwrap(), &every_ten).len();
        assert_eq!((normal, short, long), (144, 138, 150), "23 and 25 real hours on the change days");
    }

    #[test]
    fn window_edges_start_included_end_excluded_in_local_time() {
        let day = NaiveDate::from_ymd_opt(2026, 7, 1).unwrap();
        let at = |h, m| local_instant(day, NaiveTime::from_hms_opt(h, m, 0).unwrap()).unwrap();
        let window = Some("08:30-00:30");
        assert!(!in_window(window, at(8, 29)));
        assert!(in_window(window, at(8, 30)));
        assert!(in_window(window, at(0, 29)));
        assert!(!in_window(window, at(0, 30)));
        assert!(in_window(Some("09:00-17:00"), at(16, 59)));
        assert!(!in_window(Some("09:00-17:00"), at(17, 0)));
        assert!(in_window(None, at(3, 0)));
    }

    #[test]
    fn the_interval_counts_from_the_last_start() {
        let stream = SyncStream { every_minutes: 10, window: None };
        let now = Utc::now();
        assert!(is_due(Some(&stream), None, now));
        assert!(!is_due(Some(&stream), Some(now - Duration::minutes(9)), now));
        assert!(is_due(Some(&stream), Some(now - Duration::minutes(10)), now));
        assert!(is_due(None, Some(now - Duration::minutes(15)), now), "unscheduled kinds run every 15 minutes");
    }

    #[test]
    fn retries_back_off_to_at_most_six_hours() {
        assert_eq!(retry_delay(1), Duration::minutes(1));
        assert_eq!(retry_delay(2), Duration::minutes(2));
        assert_eq!(retry_delay(5), Duration::minutes(16));
        assert_eq!(retry_delay(30), Duration::minutes(360));
    }

    #[test]
    fn kinds_read_back_from_their_names() {
        for kind in SyncKind::ALL {
            assert_eq!(SyncKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(SyncKind::parse("rapportages"), None);
    }
}
