//! Signing in, as the manuals describe it: Gebruikersnaam, Wachtwoord and 2FA code; at the
//! first login, activating a second factor and replacing the one-time password.
//!
//! Every step issues a new session token (the old one stops working), and an unknown
//! username, a wrong password and a locked account get the same answer in the same time.

use crate::error::AppError;
use crate::form::Form;
use crate::pages::{Pages, form_context, render};
use crate::request_id::RequestId;
use crate::session::{self, ClientInfo, at_stage, csrf_ok, stage_path};
use crate::state::AppState;
use crate::templates::page_context;
use crate::tenant::CurrentTenant;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use careportal_auth::{Token, TotpSecret};
use careportal_domain::audit::{Actor, AuditAction, Origin};
use careportal_domain::password::{PasswordProblem, check_new_password, rules_text};
use careportal_domain::people::{Account, Username};
use careportal_domain::signin::{
    CodePurpose, Credentials, FactorMethod, NewSession, SecondFactor, Session, SessionStage, lock_after_failure,
    session_end,
};
use careportal_domain::tenant::{SecondFactorMethod, SecondFactorWhen};
use careportal_domain::throttle::{
    CHECKED_FAILURES_PER_ACCOUNT_HOUR, LOGIN_FAILURES_PER_ADDRESS_HOUR, account_key, address_key, hour_window,
};
use serde::{Deserialize, Serialize};

mod code;
mod enroll;
mod login;
mod password;

use code::*;
use login::*;

pub use code::{code, code_form};
pub use enroll::{enroll_app, enroll_app_form, enroll_choice, enroll_sms, enroll_sms_form};
pub use login::{login, login_form, logout};
pub use password::{change_password, password_form};
pub(crate) use password::{new_password_problems, problems_by_field};

const LOGIN_FAILED: &str = "De gebruikersnaam of het wachtwoord is onjuist, of het account is tijdelijk geblokkeerd. \
     Controleer wat u heeft ingevuld en probeer het opnieuw, of kies 'Wachtwoord vergeten?'.";
const CODE_FAILED: &str = "De 2FA code is onjuist of verlopen. Vul de code in die nu in de app staat.";
const SMS_CODE_FAILED: &str = "De 2FA code is onjuist. Vul de 6 cijfers na het min-teken uit de SMS in.";
const PAGE_EXPIRED: &str = "Deze pagina was verlopen. Vul het formulier opnieuw in.";
const NETWORK_LIMIT: &str = "Er is vanaf dit netwerk te vaak geprobeerd in te loggen. Probeer het over een uur opnieuw, \
     of neem contact op met de helpdesk.";

fn totp_context(tenant: &CurrentTenant, account: &Account) -> String {
    format!("totp/{}/{}", tenant.id, account.id)
}

/// Opens an account's sealed TOTP secret.
fn open_totp(
    state: &AppState,
    tenant: &CurrentTenant,
    account: &Account,
    sealed: &str,
) -> Result<TotpSecret, AppError> {
    state
        .settings
        .keys
        .secret_box
        .open(sealed, &totp_context(tenant, account))
        .and_then(|bytes| TotpSecret::from_bytes(&bytes))
        .map_err(|e| AppError::Internal(format!("totp secret: {e}")))
}

/// The clock as TOTP counts it: seconds since 1970.
fn now_unix(state: &AppState) -> u64 {
    u64::try_from(state.clock.now().timestamp()).unwrap_or_default()
}

async fn check_password(
    state: &AppState,
    tenant: &CurrentTenant,
    username: &str,
    password: &str,
    origin: &Origin,
) -> Result<PasswordCheck, AppError> {
    let account = match Username::parse(username) {
        Ok(username) => state.store.account_by_username(tenant.id, &username).await?,
        Err(_) => None,
    };
    let credentials = match &account {
        Some(account) => state.store.credentials(tenant.id, account.id).await?,
        None => None,
    };
    let window = hour_window(state.clock.now());
    // The hourly fence: each check takes its place first, in one statement, so a burst of
    // parallel guesses cannot all pass a count read before any of them was counted. A right
    // password gives its place back below; a wrong one keeps it.
    let fence = account.as_ref().map(|a| account_key("login-failed", a.id));
    if let (Some(account), Some(key)) = (&account, &fence)
        && !state.store.take_hit(tenant.id, key, window, CHECKED_FAILURES_PER_ACCOUNT_HOUR).await?
    {
        // Past this many failures in an hour, guesses are not even checked; the decoy
        // still is, so this answer takes as long as any other.
        state.settings.hasher.verify(None, password).await?;
        let origin = Origin { actor: Actor::Account(account.id), ..origin.clone() };
        let event = origin.event(AuditAction::LOGIN_FAILED, None, "te veel pogingen dit uur; niet gecontroleerd");
        state.store.append_audit(tenant.id, &event).await?;
        return Ok(PasswordCheck::Wrong);
    }
    // Each check takes a try of the lock round first, in one statement: a burst of parallel
    // guesses gets the tenant's max_failures checks, not one each. The rest are not
    // checked; the decoy still is, so the answer takes as long.
    let may_check = match (&account, &credentials) {
        (Some(account), Some(_)) => password_try(state, tenant, account).await?,
        _ => true,
    };
    // Always one Argon2 verification, so the time taken says nothing about the account.
    let stored = credentials.as_ref().filter(|_| may_check).map(|c| c.password_hash.clone());
    let verified = state.settings.hasher.verify(stored, password).await?;
    if !may_check && let (Some(account), Some(key)) = (&account, &fence) {
        // Not checked, so not one of the hour's checked failures: its place goes back.
        state.store.give_back_hit(tenant.id, key, window).await?;
        let origin = Origin { actor: Actor::Account(account.id), ..origin.clone() };
        let detail = if credentials.as_ref().is_some_and(|c| c.is_locked(state.clock.now())) {
            "account geblokkeerd"
        } else {
            "te veel pogingen tegelijk in deze ronde; niet gecontroleerd"
        };
        state.store.append_audit(tenant.id, &origin.event(AuditAction::LOGIN_FAILED, None, detail)).await?;
        return Ok(PasswordCheck::Wrong);
    }
    let now = state.clock.now();
    let (Some(account), Some(credentials)) = (account, credentials) else {
        let event = origin.event(AuditAction::LOGIN_FAILED, None, "onbekende gebruikersnaam");
        state.store.append_audit(tenant.id, &event).await?;
        return Ok(PasswordCheck::Wrong);
    };
    // A locked account got no try above, so it never reaches this far.
    let origin = Origin { actor: Actor::Account(account.id), ..origin.clone() };
    if !verified || credentials.one_time_expired(now) {
        let reason = if verified { "eenmalig wachtwoord verlopen" } else { "wachtwoord onjuist" };
        count_failure(state, tenant, &account, &origin, reason).await?;
        return Ok(PasswordCheck::Wrong);
    }
    if let Some(key) = &fence {
        state.store.give_back_hit(tenant.id, key, window).await?;
    }
    state.store.give_back_password_try(tenant.id, account.id).await?;
    Ok(PasswordCheck::Right(Box::new((account, credentials))))
}

/// Takes one password check of the account's lock round (see `Store::take_password_try`):
/// at the login, and where a signed-in person types the password again (a new second
/// factor, a new password), so the same lock holds everywhere the password is asked.
pub(crate) async fn password_try(
    state: &AppState,
    tenant: &CurrentTenant,
    account: &Account,
) -> Result<bool, AppError> {
    let max = match tenant.config.auth.lockout.max_failures {
        0 => u32::MAX,
        max => max,
    };
    Ok(state.store.take_password_try(tenant.id, account.id, max, state.clock.now()).await?)
}

/// What a password typed again by a signed-in person (a new second factor, a new password)
/// came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Recheck {
    Right,
    Wrong,
    /// No try of the lock round was left (a burst of parallel guesses): not compared, and
    /// not to be counted again.
    NotChecked,
}

/// Checks a password typed again, with a try of the lock round like the login; a guess
/// without one is audited as not checked (`place` says where it was asked).
pub(crate) async fn recheck_password(
    state: &AppState,
    tenant: &CurrentTenant,
    account: &Account,
    origin: &Origin,
    stored: &str,
    typed: &str,
    place: &str,
) -> Result<Recheck, AppError> {
    if !password_try(state, tenant, account).await? {
        let detail = format!("{place}: te veel pogingen tegelijk in deze ronde; niet gecontroleerd");
        state.store.append_audit(tenant.id, &origin.event(AuditAction::LOGIN_FAILED, None, detail)).await?;
        return Ok(Recheck::NotChecked);
    }
    let right = state.settings.hasher.verify(Some(stored.to_owned()), typed).await?;
    if right {
        state.store.give_back_password_try(tenant.id, account.id).await?;
    }
    Ok(if right { Recheck::Right } else { Recheck::Wrong })
}

/// Counts a failed attempt and locks the account when the tenant's limit is reached.
/// Returns whether the account is now locked. A wrong code or password asked again while
/// signed in (signing a plan, resetting the second factor) counts here exactly as a failed
/// login does, so the lock that stops a guesser at the login also stops one who holds a
/// stolen session; once the account locks every session ends and the caller sends the
/// person to the login.
pub(crate) async fn count_failure(
    state: &AppState,
    tenant: &CurrentTenant,
    account: &Account,
    origin: &Origin,
    reason: &str,
) -> Result<bool, AppError> {
    crate::metrics::login(tenant.slug.as_str(), false);
    let count = state.store.record_login_failure(tenant.id, account.id).await?;
    let now = state.clock.now();
    if let Some(until) = lock_after_failure(&tenant.config.auth.lockout, count, now) {
        state.store.lock_account(tenant.id, account.id, until).await?;
        let detail = format!("{reason}; {count} keer mislukt, geblokkeerd tot {}", until.to_rfc3339());
        state.store.append_audit(tenant.id, &origin.event(AuditAction::LOGIN_LOCKED, None, detail)).await?;
        state.store.delete_account_sessions(tenant.id, account.id).await?;
        return Ok(true);
    }
    state.store.append_audit(tenant.id, &origin.event(AuditAction::LOGIN_FAILED, None, reason)).await?;
    Ok(false)
}

/// Whether a signed-in account may try a code now: not while it is locked, so a guesser
/// gains nothing from parallel requests once the lock is set.
pub(crate) async fn step_up_allowed(
    state: &AppState,
    tenant: &CurrentTenant,
    account: &Account,
) -> Result<bool, AppError> {
    let credentials = state.store.credentials(tenant.id, account.id).await?;
    Ok(credentials.is_none_or(|c| !c.is_locked(state.clock.now())))
}

/// Checks a code from the authenticator app and takes its time step, so it works once. A
/// right code used a second time (seen over a shoulder, or replayed by whoever took it) is a
/// security event: audited as `signin.totp_replayed` and logged, without the code.
pub(crate) async fn totp_ok(
    state: &AppState,
    tenant: &CurrentTenant,
    account: &Account,
    factor: &SecondFactor,
    code: &str,
    origin: &careportal_domain::audit::Origin,
) -> Result<bool, AppError> {
    let Some(sealed) = &factor.totp_secret else { return Ok(false) };
    let secret = open_totp(state, tenant, account, sealed)?;
    let now = now_unix(state);
    let last = factor.last_totp_step.and_then(|s| u64::try_from(s).ok());
    let replayed = match secret.check(code, now, last)? {
        careportal_auth::TotpCheck::Valid(step) => {
            let step = i64::try_from(step).unwrap_or(i64::MAX);
            if state.store.claim_totp_step(tenant.id, account.id, step).await? {
                return Ok(true);
            }
            // Another request took this step a moment ago: the same code twice at once.
            true
        }
        careportal_auth::TotpCheck::Replayed => true,
        careportal_auth::TotpCheck::Wrong => false,
    };
    if replayed {
        tracing::warn!(tenant = %tenant.slug, account = %account.id, "TOTP-code opnieuw gebruikt");
        let event = origin.event(
            careportal_domain::audit::AuditAction::new("signin.totp_replayed"),
            None,
            format!("account {}", account.id),
        );
        state.store.append_audit(tenant.id, &event).await?;
    }
    Ok(false)
}

/// A device this browser holds that the account trusts, where the tenant asks for the second
/// factor only on new devices (Salem: the first login, a new device, or 90 days away).
async fn trusted_here(
    state: &AppState,
    tenant: &CurrentTenant,
    jar: &CookieJar,
    account: &Account,
) -> Result<Option<careportal_domain::signin::TrustedDevice>, AppError> {
    if tenant.config.auth.second_factor != SecondFactorWhen::NewDevice {
        return Ok(None);
    }
    let Some(token) = jar.get(session::device_cookie(state)).map(|c| c.value().to_owned()) else { return Ok(None) };
    let device = state.store.trusted_device(tenant.id, &Token::hash_of(&token)).await?;
    Ok(device.filter(|d| d.account == account.id))
}

/// After a second factor was shown at a tenant that trusts devices: trust this browser.
async fn trust_this_device(
    state: &AppState,
    tenant: &CurrentTenant,
    jar: CookieJar,
    account: &Account,
    origin: &Origin,
) -> Result<CookieJar, AppError> {
    if tenant.config.auth.second_factor != SecondFactorWhen::NewDevice {
        return Ok(jar);
    }
    let days = tenant.config.auth.device_trust_days;
    let token = Token::generate();
    let device = careportal_domain::signin::NewDevice {
        id: uuid::Uuid::new_v4(),
        account: account.id,
        token_hash: token.hash.clone(),
        label: careportal_domain::signin::device_label(origin.user_agent.as_deref()),
        expires_at: state.clock.now() + chrono::Duration::days(i64::from(days)),
    };
    state.store.trust_device(tenant.id, origin, &device).await?;
    Ok(session::with_device(state, jar, &token.plain, days))
}

/// After both factors: a one-time or expired password must be replaced first.
fn stage_after_factors(tenant: &CurrentTenant, credentials: &Credentials, state: &AppState) -> SessionStage {
    if credentials.must_replace(&tenant.config.auth, state.clock.now()) {
        SessionStage::ChangePassword
    } else {
        SessionStage::Active
    }
}

/// Starts a session at `stage` (replacing `old`, if any) and sets its cookie.
async fn start_stage(
    state: &AppState,
    tenant: &CurrentTenant,
    jar: CookieJar,
    old: Option<&Session>,
    account: &Account,
    stage: SessionStage,
    origin: &Origin,
) -> Result<(CookieJar, String), AppError> {
    let token = Token::generate();
    let new = NewSession {
        token_hash: token.hash.clone(),
        account: account.id,
        stage,
        expires_at: session_end(&tenant.config.auth, stage, state.clock.now()),
        ip: origin.ip.clone(),
        user_agent: origin.user_agent.clone(),
    };
    match old {
        Some(old) => state.store.rotate_session(tenant.id, &old.token_hash, &new).await?,
        None => state.store.create_session(tenant.id, &new).await?,
    }
    if stage == SessionStage::Active {
        crate::metrics::login(tenant.slug.as_str(), true);
        state.store.record_login_success(tenant.id, account.id).await?;
        state.store.append_audit(tenant.id, &origin.event(AuditAction::LOGIN_SUCCEEDED, None, "")).await?;
    }
    Ok((session::with_session(state, jar, &token), token.hash))
}
