//! Sign-in state and its rules: when a password has expired, when an account is locked,
//! when a session is still alive. The web layer asks; the store keeps.

use crate::TenantId;
use crate::tenant::{AuthPolicy, LockoutPolicy};
use crate::{AccountId, ClientId};
use chrono::{DateTime, Duration, Utc};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub account: AccountId,
    pub password_hash: String,
    pub password_set_at: DateTime<Utc>,
    /// A one-time password from an invitation.
    pub must_change: bool,
    /// Until when a one-time password may be used.
    pub expires_at: Option<DateTime<Utc>>,
    pub failed_count: u32,
    pub locked_until: Option<DateTime<Utc>>,
    pub last_login_at: Option<DateTime<Utc>>,
}

impl Credentials {
    pub fn is_locked(&self, now: DateTime<Utc>) -> bool {
        self.locked_until.is_some_and(|until| until > now)
    }

    /// A one-time password past its validity can no longer be used at all.
    pub fn one_time_expired(&self, now: DateTime<Utc>) -> bool {
        self.must_change && self.expires_at.is_some_and(|at| at <= now)
    }

    /// The person must choose a new password before going on: a one-time password, or one
    /// older than the tenant's maximum age.
    pub fn must_replace(&self, policy: &AuthPolicy, now: DateTime<Utc>) -> bool {
        self.must_change
            || policy
                .password
                .max_age_days
                .is_some_and(|days| self.password_set_at + Duration::days(i64::from(days)) <= now)
    }
}

/// After a failure that brings the count to `failed_count`: until when the account is
/// locked, if at all. Every `max_failures` failures in a row lock it, each time twice as long
/// as the time before, up to a day.
/// A failed login counts towards the lock for this long after the last one: after a quiet
/// day the count, and with it the doubling lock time, starts over.
pub const FAILURES_REMEMBERED_HOURS: i64 = 24;

pub fn lock_after_failure(policy: &LockoutPolicy, failed_count: u32, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if policy.max_failures == 0 || failed_count == 0 || !failed_count.is_multiple_of(policy.max_failures) {
        return None;
    }
    let round = failed_count / policy.max_failures;
    let minutes = i64::from(policy.lock_minutes).saturating_mul(1_i64 << (round - 1).min(10));
    Some(now + Duration::minutes(minutes.min(24 * 60)))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FactorMethod {
    Totp,
    Sms,
}

impl FactorMethod {
    pub fn as_str(&self) -> &'static str {
        match self {
            FactorMethod::Totp => "totp",
            FactorMethod::Sms => "sms",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "totp" => Some(FactorMethod::Totp),
            "sms" => Some(FactorMethod::Sms),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecondFactor {
    pub account: AccountId,
    pub method: FactorMethod,
    /// Sealed TOTP secret.
    pub totp_secret: Option<String>,
    /// E.164 mobile number.
    pub phone: Option<String>,
    pub last_totp_step: Option<i64>,
    pub confirmed_at: DateTime<Utc>,
}

/// Where a signed-in person is on the way in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStage {
    /// The password was right; the second factor is still to come.
    SecondFactor,
    /// The password was right and there is no second factor yet: choose and activate one.
    Enroll,
    /// Both factors were right; the password must be replaced first.
    ChangePassword,
    /// In.
    Active,
}

impl SessionStage {
    pub fn as_str(&self) -> &'static str {
        match self {
            SessionStage::SecondFactor => "second_factor",
            SessionStage::Enroll => "enroll",
            SessionStage::ChangePassword => "change_password",
            SessionStage::Active => "active",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [SessionStage::SecondFactor, SessionStage::Enroll, SessionStage::ChangePassword, SessionStage::Active]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub tenant: TenantId,
    pub token_hash: String,
    pub account: AccountId,
    pub stage: SessionStage,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    /// The absolute end, whatever the activity.
    pub expires_at: DateTime<Utc>,
    pub pending_totp: Option<String>,
    /// A mobile number whose registration code was checked, waiting for "Bevestig".
    pub pending_phone: Option<String>,
    /// The client whose portal this session has open (for a person who acts for several).
    pub client: Option<ClientId>,
}

/// How far a stored last-seen moment may lag behind the session's last request. A page does
/// not write the session each time (one write per page queued every page behind the
/// database's writer); it writes when what is stored is this old. The idle timeout counts
/// from the stored moment plus this lag, so a session never ends sooner than the full idle
/// time after the last request, and at most this much later.
pub const LAST_SEEN_LAG: Duration = Duration::minutes(1);

impl Session {
    /// Alive: within its absolute lifetime and used within the idle timeout (counted with the
    /// lag of the stored last-seen moment, see [`LAST_SEEN_LAG`]).
    pub fn is_alive(&self, idle_minutes: u32, now: DateTime<Utc>) -> bool {
        now < self.expires_at && now < self.last_seen_at + Duration::minutes(i64::from(idle_minutes)) + LAST_SEEN_LAG
    }

    /// Seconds until the idle timeout, for the warning that offers to extend.
    pub fn idle_seconds_left(&self, idle_minutes: u32, now: DateTime<Utc>) -> i64 {
        let idle_end = self.last_seen_at + Duration::minutes(i64::from(idle_minutes));
        // Rounded up: the page reads this a few milliseconds after the request was seen,
        // and 899.99 seconds must not become a warning one second early.
        let millis = (idle_end.min(self.expires_at) - now).num_milliseconds().max(0);
        (millis + 999) / 1000
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    pub token_hash: String,
    pub account: AccountId,
    pub stage: SessionStage,
    pub expires_at: DateTime<Utc>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// How long a session may live at most: the tenant's absolute lifetime, and while a person is
/// still on the way in, no more than fifteen minutes.
pub fn session_end(policy: &AuthPolicy, stage: SessionStage, now: DateTime<Utc>) -> DateTime<Utc> {
    match stage {
        SessionStage::Active => now + Duration::hours(i64::from(policy.session_max_hours)),
        _ => now + Duration::minutes(15),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap()
    }

    #[test]
    fn locks_grow_with_each_round_of_failures_up_to_a_day() {
        let policy = LockoutPolicy { max_failures: 5, lock_minutes: 15 };
        assert_eq!(lock_after_failure(&policy, 4, now()), None);
        assert_eq!(lock_after_failure(&policy, 5, now()), Some(now() + Duration::minutes(15)));
        assert_eq!(lock_after_failure(&policy, 6, now()), None);
        assert_eq!(lock_after_failure(&policy, 10, now()), Some(now() + Duration::minutes(30)));
        assert_eq!(lock_after_failure(&policy, 15, now()), Some(now() + Duration::minutes(60)));
        assert_eq!(lock_after_failure(&policy, 500, now()), Some(now() + Duration::minutes(24 * 60)));
    }

    #[test]
    fn passwords_expire_by_policy_and_one_time_ones_always_need_replacing() {
        let mut policy = AuthPolicy::default();
        policy.password.max_age_days = Some(183);
        let mut credentials = Credentials {
            account: AccountId::new(),
            password_hash: String::new(),
            password_set_at: now() - Duration::days(182),
            must_change: false,
            expires_at: None,
            failed_count: 0,
            locked_until: None,
            last_login_at: None,
        };
        assert!(!credentials.must_replace(&policy, now()));
        assert!(credentials.must_replace(&policy, now() + Duration::days(1)));
        credentials.must_change = true;
        credentials.expires_at = Some(now() + Duration::days(1));
        assert!(credentials.must_replace(&policy, now()));
        assert!(!credentials.one_time_expired(now()));
        assert!(credentials.one_time_expired(now() + Duration::days(1)));
    }

    #[test]
    fn sessions_end_when_idle_or_at_their_absolute_end() {
        let session = Session {
            client: None,
            tenant: TenantId::new(),
            token_hash: String::new(),
            account: AccountId::new(),
            stage: SessionStage::Active,
            created_at: now(),
            last_seen_at: now(),
            expires_at: now() + Duration::hours(8),
            pending_totp: None,
            pending_phone: None,
        };
        assert!(session.is_alive(15, now() + Duration::minutes(14)));
        // The stored moment may be up to a minute older than the last request: never sooner.
        assert!(session.is_alive(15, now() + Duration::minutes(15) + Duration::seconds(59)));
        assert!(!session.is_alive(15, now() + Duration::minutes(16)));
        assert_eq!(session.idle_seconds_left(15, now() + Duration::minutes(10)), 300);
        assert_eq!(session.idle_seconds_left(15, now() + Duration::milliseconds(3)), 900, "rounded up");
        let mut busy = session.clone();
        busy.last_seen_at = now() + Duration::hours(8) - Duration::minutes(1);
        assert!(!busy.is_alive(15, now() + Duration::hours(8)), "activity does not extend past the absolute end");
    }
}

/// What a one-time code is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodePurpose {
    /// The second factor at login ("SMS code aanvragen").
    Login,
    /// The registration code that activates SMS.
    Enroll,
    /// The Bevestigingscode for signing or rejecting a care plan.
    Sign,
}

impl CodePurpose {
    pub fn as_str(&self) -> &'static str {
        match self {
            CodePurpose::Login => "login",
            CodePurpose::Enroll => "enroll",
            CodePurpose::Sign => "sign",
        }
    }
}

/// Codes live five minutes and allow five wrong tries.
pub const CODE_VALID_MINUTES: i64 = 5;
pub const CODE_MAX_FAILURES: u32 = 5;
/// SMS per account and per number in an hour, against SMS pumping and harassment.
pub const SMS_PER_ACCOUNT_HOUR: u32 = 5;
pub const SMS_PER_NUMBER_HOUR: u32 = 5;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCode {
    pub id: uuid::Uuid,
    pub account: AccountId,
    pub purpose: CodePurpose,
    pub code_hash: String,
    pub prefix: String,
    pub phone: String,
    pub session_hash: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCode {
    pub id: uuid::Uuid,
    pub account: AccountId,
    pub code_hash: String,
    pub prefix: String,
    pub phone: String,
    pub expires_at: DateTime<Utc>,
    pub failures: u32,
}

/// Whose sent codes to count.
#[derive(Debug, Clone, Copy)]
pub enum SmsCount<'a> {
    Account(AccountId),
    Number(&'a str),
    Tenant,
}

/// A device a person trusts: no second factor there until it expires (sliding) or is revoked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedDevice {
    pub id: uuid::Uuid,
    pub account: AccountId,
    /// What the person sees in the list: the browser and system, roughly.
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDevice {
    pub id: uuid::Uuid,
    pub account: AccountId,
    pub token_hash: String,
    pub label: String,
    pub expires_at: DateTime<Utc>,
}

/// A short, recognisable name for a browser from its user agent ("Firefox op Windows").
pub fn device_label(user_agent: Option<&str>) -> String {
    let agent = user_agent.unwrap_or_default();
    let browser = [("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari")]
        .into_iter()
        .find(|(needle, _)| agent.contains(needle))
        .map_or("Een browser", |(_, name)| name);
    let system = [
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Android", "Android"),
        ("Windows", "Windows"),
        ("Mac OS", "Mac"),
        ("Linux", "Linux"),
    ]
    .into_iter()
    .find(|(needle, _)| agent.contains(needle))
    .map(|(_, name)| name);
    match system {
        Some(system) => format!("{browser} op {system}"),
        None => browser.to_owned(),
    }
}
