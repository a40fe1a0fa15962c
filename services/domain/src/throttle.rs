//! Rate limits that hold across every instance: counters per tenant, key and hour.

use chrono::{DateTime, DurationRound, TimeDelta, Utc};

/// Failed logins from one address in an hour before the address is told to wait. Generous,
/// since a care home's residents and visitors may share one address.
pub const LOGIN_FAILURES_PER_ADDRESS_HOUR: u32 = 100;
/// Failed logins of one account in an hour after which passwords are not even checked.
pub const CHECKED_FAILURES_PER_ACCOUNT_HOUR: u32 = 100;
/// Forgotten-password requests from one address in an hour.
pub const RESETS_PER_ADDRESS_HOUR: u32 = 20;

/// The start of the hour `now` falls in.
pub fn hour_window(now: DateTime<Utc>) -> DateTime<Utc> {
    now.duration_trunc(TimeDelta::hours(1)).unwrap_or(now)
}

pub fn address_key(kind: &str, ip: &str) -> String {
    format!("{kind}:ip:{ip}")
}

pub fn account_key(kind: &str, account: crate::AccountId) -> String {
    format!("{kind}:account:{account}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn windows_are_whole_hours() {
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 9, 41, 7).unwrap();
        assert_eq!(hour_window(now), Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap());
    }
}
