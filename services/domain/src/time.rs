//! Time as people in the Netherlands read it: the Amsterdam zone, Dutch day and month names,
//! and the periods the record's filters offer (afgelopen week, maand, jaar, een eigen periode).
//! Instants are stored in UTC; a day boundary is midnight in Amsterdam, so "vandaag" means
//! the same to the page, the filter and the person.

use crate::DomainError;
use chrono::{DateTime, Datelike, Days, Months, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

pub const ZONE: Tz = chrono_tz::Europe::Amsterdam;

const DAYS_SHORT: [&str; 7] = ["Ma", "Di", "Wo", "Do", "Vr", "Za", "Zo"];
const DAYS_LONG: [&str; 7] = ["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"];
const MONTHS_SHORT: [&str; 12] = ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"];
const MONTHS_LONG: [&str; 12] = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
];

/// The calendar day of an instant in Amsterdam.
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&ZONE).date_naive()
}

/// Midnight at the start of a day in Amsterdam, as an instant. Midnight never falls in a
/// daylight-saving gap here (the clocks move at 02:00 and 03:00), but take the earliest
/// reading to be safe.
pub fn start_of_day(date: NaiveDate) -> DateTime<Utc> {
    let midnight = date.and_time(NaiveTime::MIN);
    match ZONE.from_local_datetime(&midnight).earliest() {
        Some(local) => local.with_timezone(&Utc),
        None => Utc.from_utc_datetime(&midnight),
    }
}

/// A date and a clock time as typed in Amsterdam, as an instant; None for a time that does
/// not exist that day (the hour skipped when summer time starts).
pub fn local_instant(date: NaiveDate, time: NaiveTime) -> Option<DateTime<Utc>> {
    ZONE.from_local_datetime(&date.and_time(time)).earliest().map(|local| local.with_timezone(&Utc))
}

/// "Wo 3 mei 2023", as the manual's measurements show.
pub fn short_date(at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&ZONE);
    format!(
        "{} {} {} {}",
        DAYS_SHORT[local.weekday().num_days_from_monday() as usize],
        local.day(),
        MONTHS_SHORT[local.month0() as usize],
        local.year()
    )
}

/// "18:30".
pub fn clock_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&ZONE).format("%H:%M").to_string()
}

/// A list entry's moment as the manual writes it: "Wo 3 mei 2023 | 18:30".
pub fn moment(at: DateTime<Utc>) -> String {
    format!("{} | {}", short_date(at), clock_time(at))
}

/// "vrijdag 14 april 2023", as the manual's care-plan prints show.
pub fn long_date(date: NaiveDate) -> String {
    format!(
        "{} {} {} {}",
        DAYS_LONG[date.weekday().num_days_from_monday() as usize],
        date.day(),
        MONTHS_LONG[date.month0() as usize],
        date.year()
    )
}

/// "14 april 2023".
pub fn plain_date(date: NaiveDate) -> String {
    format!("{} {} {}", date.day(), MONTHS_LONG[date.month0() as usize], date.year())
}

/// A date as a person types it: `2023-05-03` (what a date field sends), `3-5-2023`,
/// `03-05-2023` or `3/5/2023`.
pub fn parse_date(field: &'static str, text: &str) -> Result<NaiveDate, DomainError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(DomainError::invalid(field, "Vul een datum in, bijvoorbeeld 24-04-2023."));
    }
    let parsed = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%d-%m-%Y"))
        .or_else(|_| NaiveDate::parse_from_str(text, "%d/%m/%Y"));
    match parsed {
        Ok(date) if (1900..=2200).contains(&date.year()) => Ok(date),
        _ => Err(DomainError::invalid(
            field,
            format!(
                "\"{text}\" is geen datum die wij kennen. Schrijf hem als dag-maand-jaar, bijvoorbeeld 24-04-2023."
            ),
        )),
    }
}

/// A clock time as typed: `18:30`, `18.30` or `6:05`.
pub fn parse_time(field: &'static str, text: &str) -> Result<NaiveTime, DomainError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(DomainError::invalid(field, "Vul een tijd in, bijvoorbeeld 18:30."));
    }
    NaiveTime::parse_from_str(&text.replace('.', ":"), "%H:%M").map_err(|_| {
        DomainError::invalid(
            field,
            format!("\"{text}\" is geen tijd die wij kennen. Schrijf hem als uren:minuten, bijvoorbeeld 18:30."),
        )
    })
}

/// A half-open stretch of time, [from, until); None is open on that side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TimeRange {
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

impl TimeRange {
    pub const ALL: TimeRange = TimeRange { from: None, until: None };

    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.from.is_none_or(|from| at >= from) && self.until.is_none_or(|until| at < until)
    }
}

/// The periods of the record's lists. "Afgelopen week" is today and the seven days before
/// it; a month and a year count back the same way from the same day; a chosen period runs
/// from the start of its first day to the end of its last, both included. The page always
/// writes the days out, so nobody has to guess what "afgelopen week" meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Week,
    Month,
    Year,
    /// The calendar year so far (Evaluaties: "Het huidige jaar").
    ThisYear,
    TwoYears,
    Chosen {
        first: NaiveDate,
        last: NaiveDate,
    },
    All,
}

impl Period {
    /// Reads the filter of a list page: `periode` is week, maand, jaar, dit-jaar, twee-jaar,
    /// alles or kiezen (then `van` and `tot` are the first and last day).
    pub fn from_query(period: Option<&str>, first: Option<&str>, last: Option<&str>) -> Result<Period, DomainError> {
        match period.unwrap_or("") {
            "week" => Ok(Period::Week),
            "maand" => Ok(Period::Month),
            "jaar" => Ok(Period::Year),
            "dit-jaar" => Ok(Period::ThisYear),
            "twee-jaar" => Ok(Period::TwoYears),
            "alles" | "" => Ok(Period::All),
            "kiezen" => {
                let first = parse_date("van", first.unwrap_or(""))?;
                let last = parse_date("tot", last.unwrap_or(""))?;
                if first > last {
                    return Err(DomainError::invalid(
                        "tot",
                        "De einddatum ligt vóór de begindatum. Kies een einddatum op of na de begindatum.",
                    ));
                }
                Ok(Period::Chosen { first, last })
            }
            other => Err(DomainError::invalid("periode", format!("\"{other}\" is geen periode die wij kennen."))),
        }
    }

    pub fn key(&self) -> &'static str {
        match self {
            Period::Week => "week",
            Period::Month => "maand",
            Period::Year => "jaar",
            Period::ThisYear => "dit-jaar",
            Period::TwoYears => "twee-jaar",
            Period::Chosen { .. } => "kiezen",
            Period::All => "alles",
        }
    }

    /// The first and last day of the period as seen on `today` (None: no first day).
    pub fn days(&self, today: NaiveDate) -> (Option<NaiveDate>, NaiveDate) {
        let back = |months: u32| today.checked_sub_months(Months::new(months));
        match *self {
            Period::Week => (today.checked_sub_days(Days::new(7)), today),
            Period::Month => (back(1), today),
            Period::Year => (back(12), today),
            Period::TwoYears => (back(24), today),
            Period::ThisYear => (NaiveDate::from_ymd_opt(today.year(), 1, 1), today),
            Period::Chosen { first, last } => (Some(first), last),
            Period::All => (None, today),
        }
    }

    /// The instants the period covers, as seen on `today`. The end is open for the
    /// periods that run up to today, so an entry written later today still shows.
    pub fn range(&self, today: NaiveDate) -> TimeRange {
        let (first, last) = self.days(today);
        let until = match self {
            Period::Chosen { .. } => last.succ_opt().map(start_of_day),
            _ => None,
        };
        TimeRange { from: first.map(start_of_day), until }
    }

    /// "van 18 november 2026 tot en met 25 november 2026", or "alles".
    pub fn describe(&self, today: NaiveDate) -> String {
        match self.days(today) {
            (Some(first), last) => format!("van {} tot en met {}", plain_date(first), plain_date(last)),
            (None, _) => "alles".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn dates_read_the_dutch_way() {
        let at = Utc.with_ymd_and_hms(2023, 5, 3, 16, 30, 0).unwrap();
        assert_eq!(short_date(at), "Wo 3 mei 2023");
        assert_eq!(clock_time(at), "18:30", "summer time is two hours ahead");
        assert_eq!(long_date(date(2023, 4, 14)), "vrijdag 14 april 2023");
        let winter = Utc.with_ymd_and_hms(2023, 1, 11, 23, 30, 0).unwrap();
        assert_eq!(short_date(winter), "Do 12 jan 2023", "past midnight in Amsterdam is the next day");
    }

    #[test]
    fn typed_dates_and_times_are_understood() {
        for text in ["2023-04-24", "24-04-2023", "24-4-2023", "24/04/2023", " 24-04-2023 "] {
            assert_eq!(parse_date("van", text).unwrap(), date(2023, 4, 24), "{text}");
        }
        for text in ["", "gisteren", "31-02-2023", "24-04-23x", "01-01-0023"] {
            assert!(parse_date("van", text).is_err(), "{text}");
        }
        assert_eq!(parse_time("tijd", "18.30").unwrap(), NaiveTime::from_hms_opt(18, 30, 0).unwrap());
        assert!(parse_time("tijd", "25:00").is_err());
    }

    #[test]
    fn a_chosen_period_includes_its_first_and_last_day_in_amsterdam() {
        let period = Period::from_query(Some("kiezen"), Some("2023-04-24"), Some("24-04-2023")).unwrap();
        let range = period.range(date(2026, 11, 25));
        // 24 April 2023 runs from 22:00 UTC on the 23rd to 22:00 UTC on the 24th.
        assert!(!range.contains(Utc.with_ymd_and_hms(2023, 4, 23, 21, 59, 59).unwrap()));
        assert!(range.contains(Utc.with_ymd_and_hms(2023, 4, 23, 22, 0, 0).unwrap()));
        assert!(range.contains(Utc.with_ymd_and_hms(2023, 4, 24, 21, 59, 59).unwrap()));
        assert!(!range.contains(Utc.with_ymd_and_hms(2023, 4, 24, 22, 0, 0).unwrap()));
    }

    #[test]
    fn a_period_that_ends_before_it_starts_is_refused_with_a_reason() {
        let error = Period::from_query(Some("kiezen"), Some("2023-05-01"), Some("2023-04-01")).unwrap_err();
        assert!(matches!(error, DomainError::Invalid { field: "tot", .. }));
        assert!(Period::from_query(Some("kiezen"), Some(""), Some("2023-04-01")).is_err());
        assert!(Period::from_query(Some("eeuw"), None, None).is_err());
    }

    #[test]
    fn the_past_week_month_and_year_count_back_from_today() {
        let today = date(2026, 3, 31);
        assert_eq!(Period::Week.days(today), (Some(date(2026, 3, 24)), today));
        assert_eq!(Period::Month.days(today), (Some(date(2026, 2, 28)), today), "no 31 February");
        assert_eq!(Period::Year.days(today), (Some(date(2025, 3, 31)), today));
        assert_eq!(Period::ThisYear.days(today), (Some(date(2026, 1, 1)), today));
        assert_eq!(Period::Week.range(today).until, None, "open at the end: later today still counts");
        assert_eq!(Period::Week.describe(today), "van 24 maart 2026 tot en met 31 maart 2026");
    }
}
