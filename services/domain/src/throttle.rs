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

/// The counter key of an address. An IPv6 client is counted by its /64: one connection
/// gets a whole /64 and can move through it freely, so counting single addresses would let
/// it dodge every limit. IPv4 (and IPv4-mapped IPv6) is counted per address.
pub fn address_key(kind: &str, ip: &str) -> String {
    let counted = match ip.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let prefix = u128::from(v6) & !((1u128 << 64) - 1);
                format!("{}/64", std::net::Ipv6Addr::from(prefix))
            }
        },
        Ok(std::net::IpAddr::V4(v4)) => v4.to_string(),
        Err(_) => ip.to_owned(),
    };
    format!("{kind}:ip:{counted}")
}

pub fn account_key(kind: &str, account: crate::AccountId) -> String {
    format!("{kind}:account:{account}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn ipv6_is_counted_per_64_and_ipv4_per_address() {
        let one = address_key("login-failed", "2001:db8:1:2:aaaa::1");
        let same_64 = address_key("login-failed", "2001:db8:1:2:ffff:ffff:ffff:ffff");
        let other_64 = address_key("login-failed", "2001:db8:1:3::1");
        assert_eq!(one, "login-failed:ip:2001:db8:1:2::/64");
        assert_eq!(one, same_64, "a whole /64 is one client");
        assert_ne!(one, other_64);
        assert_eq!(address_key("reset", "198.51.100.7"), "reset:ip:198.51.100.7");
        assert_ne!(address_key("reset", "198.51.100.7"), address_key("reset", "198.51.100.8"));
        assert_eq!(address_key("reset", "::ffff:198.51.100.7"), "reset:ip:198.51.100.7", "mapped IPv4 is IPv4");
    }

    #[test]
    fn windows_are_whole_hours() {
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 9, 41, 7).unwrap();
        assert_eq!(hour_window(now), Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap());
    }
}
