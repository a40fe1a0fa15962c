//! Signing in, as the manuals describe it: Gebruikersnaam, Wachtwoord and 2FA code; at the
//! first login, activating a second factor and replacing the one-time password.
//!
//! Every step issues a new session token (the old one stops working), and an unknown
//! username, a wrong password and a locked account get the same answer in the same time.

use crate::AppState;
use crate::error::AppError;
use crate::pages::{Pages, form_context, render};
use crate::request_id::RequestId;
use crate::session::{self, ClientInfo, at_stage, csrf_ok, stage_path};
use crate::templates::page_context;
use crate::tenant::CurrentTenant;
use axum::Form;
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

// ---------------------------------------------------------------------------------------
// Step 1: Gebruikersnaam, Wachtwoord (and, for the daily login, the 2FA code).

#[derive(Debug, Default, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    gebruikersnaam: String,
    #[serde(default)]
    wachtwoord: String,
    #[serde(default)]
    code: String,
    /// "sms" when the person pressed "SMS code aanvragen".
    #[serde(default)]
    actie: String,
    #[serde(default)]
    csrf: String,
}

#[derive(Debug, Default, Serialize)]
struct LoginErrors {
    general: Option<String>,
    gebruikersnaam: Option<String>,
    wachtwoord: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    uitgelogd: Option<String>,
    hersteld: Option<String>,
    verlopen: Option<String>,
}

async fn login_page(
    pages: Pages<'_>,
    jar: CookieJar,
    username: &str,
    errors: LoginErrors,
    notice: Option<&str>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let Pages { state, tenant, request_id } = pages;
    let (jar, mut context) = form_context(state, tenant, request_id, jar);
    context.insert("username", username);
    context.insert("errors", &errors);
    context.insert("notice", &notice);
    context.insert("sms_offered", &tenant.config.auth.methods.contains(&SecondFactorMethod::Sms));
    context.insert("title", "Inloggen");
    render(state, tenant, "signin/login.html", &context, status, jar).await
}

pub async fn login_form(
    State(state): State<AppState>,
    tenant: CurrentTenant,
    request_id: RequestId,
    Query(query): Query<LoginQuery>,
    jar: CookieJar,
) -> Result<Response, AppError> {
    // Signed in: nothing to do here. Half-way in: the form again, so "Opnieuw beginnen" works
    // (a new login replaces the unfinished one).
    if let Some(session) = session::current(&state, &tenant, &jar).await
        && session.stage == SessionStage::Active
    {
        return Ok(Redirect::to(stage_path(session.stage)).into_response());
    }
    let notice = if query.verlopen.is_some() {
        Some("U bent automatisch uitgelogd omdat u een tijd niets heeft gedaan. Log opnieuw in.")
    } else if query.hersteld.is_some() {
        Some("Uw nieuwe wachtwoord is opgeslagen. Log in met uw nieuwe wachtwoord en uw 2FA code.")
    } else {
        query.uitgelogd.map(|_| "U bent uitgelogd.")
    };
    login_page(
        Pages { state: &state, tenant: &tenant, request_id: &request_id },
        jar,
        "",
        LoginErrors::default(),
        notice,
        StatusCode::OK,
    )
    .await
}

/// The outcome of checking a username and password.
enum PasswordCheck {
    Right(Box<(Account, Credentials)>),
    Wrong,
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
    if let Some(account) = &account {
        let key = account_key("login-failed", account.id);
        if state.store.hits(tenant.id, &key, window).await? >= CHECKED_FAILURES_PER_ACCOUNT_HOUR {
            // Past this many failures in an hour, guesses are not even checked.
            let origin = Origin { actor: Actor::Account(account.id), ..origin.clone() };
            let event = origin.event(AuditAction::LOGIN_FAILED, None, "te veel pogingen dit uur; niet gecontroleerd");
            state.store.append_audit(tenant.id, &event).await?;
            return Ok(PasswordCheck::Wrong);
        }
    }
    // Always one Argon2 verification, so the time taken says nothing about the account.
    let stored = credentials.as_ref().map(|c| c.password_hash.clone());
    let verified =
        state.settings.hasher.verify(stored, password).await.map_err(|e| AppError::Internal(e.to_string()))?;
    let now = state.clock.now();
    let (Some(account), Some(credentials)) = (account, credentials) else {
        let event = origin.event(AuditAction::LOGIN_FAILED, None, "onbekende gebruikersnaam");
        state.store.append_audit(tenant.id, &event).await?;
        return Ok(PasswordCheck::Wrong);
    };
    let origin = Origin { actor: Actor::Account(account.id), ..origin.clone() };
    if credentials.is_locked(now) {
        let event = origin.event(AuditAction::LOGIN_FAILED, None, "account geblokkeerd");
        state.store.append_audit(tenant.id, &event).await?;
        return Ok(PasswordCheck::Wrong);
    }
    if !verified || credentials.one_time_expired(now) {
        state.store.count_hit(tenant.id, &account_key("login-failed", account.id), window).await?;
        let reason = if verified { "eenmalig wachtwoord verlopen" } else { "wachtwoord onjuist" };
        count_failure(state, tenant, &account, &origin, reason).await?;
        return Ok(PasswordCheck::Wrong);
    }
    Ok(PasswordCheck::Right(Box::new((account, credentials))))
}

/// Counts a failed attempt and locks the account when the tenant's limit is reached.
/// Returns whether the account is now locked.
async fn count_failure(
    state: &AppState,
    tenant: &CurrentTenant,
    account: &Account,
    origin: &Origin,
    reason: &str,
) -> Result<bool, AppError> {
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

/// Checks a code from the authenticator app and takes its time step, so it works once.
pub(crate) async fn totp_ok(
    state: &AppState,
    tenant: &CurrentTenant,
    account: &Account,
    factor: &SecondFactor,
    code: &str,
) -> Result<bool, AppError> {
    let Some(sealed) = &factor.totp_secret else { return Ok(false) };
    let secret = open_totp(state, tenant, account, sealed)?;
    let now = now_unix(state);
    let last = factor.last_totp_step.and_then(|s| u64::try_from(s).ok());
    match secret.verify(code, now, last).map_err(|e| AppError::Internal(e.to_string()))? {
        Some(step) => {
            Ok(state.store.claim_totp_step(tenant.id, account.id, i64::try_from(step).unwrap_or(i64::MAX)).await?)
        }
        None => Ok(false),
    }
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
        state.store.record_login_success(tenant.id, account.id).await?;
        state.store.append_audit(tenant.id, &origin.event(AuditAction::LOGIN_SUCCEEDED, None, "")).await?;
    }
    Ok((session::with_session(state, jar, &token), token.hash))
}

pub async fn login(
    State(state): State<AppState>,
    tenant: CurrentTenant,
    request_id: RequestId,
    client: ClientInfo,
    jar: CookieJar,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let username = form.gebruikersnaam.trim().to_owned();
    if !csrf_ok(&state, &jar, &form.csrf) {
        let errors = LoginErrors { general: Some(PAGE_EXPIRED.to_owned()), ..LoginErrors::default() };
        return login_page(
            Pages { state: &state, tenant: &tenant, request_id: &request_id },
            jar,
            &username,
            errors,
            None,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    let mut errors = LoginErrors::default();
    if username.is_empty() {
        errors.gebruikersnaam = Some("Vul uw gebruikersnaam in.".to_owned());
    }
    if form.wachtwoord.is_empty() {
        errors.wachtwoord = Some("Vul uw wachtwoord in.".to_owned());
    }
    if errors.gebruikersnaam.is_some() || errors.wachtwoord.is_some() {
        return login_page(
            Pages { state: &state, tenant: &tenant, request_id: &request_id },
            jar,
            &username,
            errors,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }

    let anonymous = client.origin_as(Actor::system("aanmelding"));
    let window = hour_window(state.clock.now());
    let address = client.ip.as_deref().map(|ip| address_key("login-failed", ip));
    if let Some(key) = &address
        && state.store.hits(tenant.id, key, window).await? >= LOGIN_FAILURES_PER_ADDRESS_HOUR
    {
        let errors = LoginErrors { general: Some(NETWORK_LIMIT.to_owned()), ..LoginErrors::default() };
        let pages = Pages { state: &state, tenant: &tenant, request_id: &request_id };
        return login_page(pages, jar, &username, errors, None, StatusCode::TOO_MANY_REQUESTS).await;
    }
    let (account, credentials) = match check_password(&state, &tenant, &username, &form.wachtwoord, &anonymous).await? {
        PasswordCheck::Right(right) => *right,
        PasswordCheck::Wrong => {
            if let Some(key) = &address {
                state.store.count_hit(tenant.id, key, window).await?;
            }
            let errors = LoginErrors { general: Some(LOGIN_FAILED.to_owned()), ..LoginErrors::default() };
            return login_page(
                Pages { state: &state, tenant: &tenant, request_id: &request_id },
                jar,
                &username,
                errors,
                None,
                StatusCode::UNAUTHORIZED,
            )
            .await;
        }
    };
    let origin = client.origin(account.id);
    // Whatever session this browser had is replaced, never continued.
    if let Some(old) = session::current(&state, &tenant, &jar).await {
        state.store.delete_session(tenant.id, &old.token_hash).await?;
    }

    let factor = state.store.second_factor(tenant.id, account.id).await?;
    if factor.is_some()
        && let Some(device) = trusted_here(&state, &tenant, &jar, &account).await?
    {
        // Known device, used within the trust period: no code this time; the period slides.
        let days = tenant.config.auth.device_trust_days;
        state
            .store
            .use_device(tenant.id, device.id, state.clock.now() + chrono::Duration::days(i64::from(days)))
            .await?;
        let stage = stage_after_factors(&tenant, &credentials, &state);
        let (jar, _) = start_stage(&state, &tenant, jar, None, &account, stage, &origin).await?;
        let token = jar.get(session::device_cookie(&state)).map(|c| c.value().to_owned()).unwrap_or_default();
        let jar = session::with_device(&state, jar, &token, days);
        return Ok((jar, Redirect::to(stage_path(stage))).into_response());
    }
    let Some(factor) = factor else {
        let (jar, _) = start_stage(&state, &tenant, jar, None, &account, SessionStage::Enroll, &origin).await?;
        return Ok((jar, Redirect::to(stage_path(SessionStage::Enroll))).into_response());
    };
    if factor.method == FactorMethod::Sms {
        let (jar, session_hash) =
            start_stage(&state, &tenant, jar, None, &account, SessionStage::SecondFactor, &origin).await?;
        if form.actie != "sms" {
            return Ok((jar, Redirect::to(stage_path(SessionStage::SecondFactor))).into_response());
        }
        let phone = factor.phone.clone().unwrap_or_default();
        let view =
            match crate::sms::send_code(&state, &tenant, &session_hash, &account, &phone, CodePurpose::Login).await? {
                crate::sms::Sent::Yes { prefix } => CodeView::sent(prefix),
                crate::sms::Sent::Limited(message) => CodeView::error(message),
            };
        let pages = Pages { state: &state, tenant: &tenant, request_id: &request_id };
        return code_page(pages, jar, view, StatusCode::OK).await;
    }
    let code = form.code.trim();
    if factor.method == FactorMethod::Totp && !code.is_empty() {
        if totp_ok(&state, &tenant, &account, &factor, code).await? {
            let stage = stage_after_factors(&tenant, &credentials, &state);
            let jar = trust_this_device(&state, &tenant, jar, &account, &origin).await?;
            let (jar, _) = start_stage(&state, &tenant, jar, None, &account, stage, &origin).await?;
            return Ok((jar, Redirect::to(stage_path(stage))).into_response());
        }
        if count_failure(&state, &tenant, &account, &origin, "2FA code onjuist").await? {
            let errors = LoginErrors { general: Some(LOGIN_FAILED.to_owned()), ..LoginErrors::default() };
            return login_page(
                Pages { state: &state, tenant: &tenant, request_id: &request_id },
                jar,
                &username,
                errors,
                None,
                StatusCode::UNAUTHORIZED,
            )
            .await;
        }
        let (jar, _) = start_stage(&state, &tenant, jar, None, &account, SessionStage::SecondFactor, &origin).await?;
        let pages = Pages { state: &state, tenant: &tenant, request_id: &request_id };
        return code_page(pages, jar, CodeView::error(CODE_FAILED), StatusCode::UNAUTHORIZED).await;
    }
    let (jar, _) = start_stage(&state, &tenant, jar, None, &account, SessionStage::SecondFactor, &origin).await?;
    Ok((jar, Redirect::to(stage_path(SessionStage::SecondFactor))).into_response())
}

// ---------------------------------------------------------------------------------------
// Step 2 of the daily login, when the code was not given with the password.

#[derive(Debug, Default, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
    /// "sms" when the person pressed "SMS code aanvragen".
    #[serde(default)]
    actie: String,
    #[serde(default)]
    csrf: String,
}

/// What the 2FA code page shows besides the form.
#[derive(Debug, Default, Serialize)]
struct CodeView {
    error: Option<String>,
    /// The SMS that was just sent: the first four digits of its code.
    sent_prefix: Option<String>,
}

impl CodeView {
    fn error(message: &str) -> Self {
        Self { error: Some(message.to_owned()), sent_prefix: None }
    }

    fn sent(prefix: String) -> Self {
        Self { error: None, sent_prefix: Some(prefix) }
    }
}

async fn code_page(pages: Pages<'_>, jar: CookieJar, view: CodeView, status: StatusCode) -> Result<Response, AppError> {
    let Pages { state, tenant, request_id } = pages;
    // Which factor, and whether an SMS code is on its way, come from the session.
    let (sms, prefix) = match session::current(state, tenant, &jar).await {
        Some(session) => {
            let factor = state.store.second_factor(tenant.id, session.account).await?;
            let sms = factor.is_some_and(|f| f.method == FactorMethod::Sms);
            let prefix = match (&view.sent_prefix, sms) {
                (Some(prefix), _) => Some(prefix.clone()),
                (None, true) => {
                    crate::sms::pending_prefix(state, tenant, &session.token_hash, CodePurpose::Login).await?
                }
                (None, false) => None,
            };
            (sms, prefix)
        }
        None => (false, view.sent_prefix.clone()),
    };
    let (jar, mut context) = form_context(state, tenant, request_id, jar);
    context.insert("error", &view.error);
    context.insert("sms", &sms);
    context.insert("prefix", &prefix);
    context.insert("just_sent", &view.sent_prefix.is_some());
    context.insert("title", "2FA code");
    render(state, tenant, "signin/code.html", &context, status, jar).await
}

pub async fn code_form(
    State(state): State<AppState>,
    tenant: CurrentTenant,
    request_id: RequestId,
    jar: CookieJar,
) -> Result<Response, AppError> {
    if let Err(redirect) = at_stage(&state, &tenant, &jar, SessionStage::SecondFactor).await {
        return Ok(redirect);
    }
    let pages = Pages { state: &state, tenant: &tenant, request_id: &request_id };
    code_page(pages, jar, CodeView::default(), StatusCode::OK).await
}

pub async fn code(
    State(state): State<AppState>,
    tenant: CurrentTenant,
    request_id: RequestId,
    client: ClientInfo,
    jar: CookieJar,
    Form(form): Form<CodeForm>,
) -> Result<Response, AppError> {
    let pages = Pages { state: &state, tenant: &tenant, request_id: &request_id };
    let (session, account) = match at_stage(&state, &tenant, &jar, SessionStage::SecondFactor).await {
        Ok(found) => found,
        Err(redirect) => return Ok(redirect),
    };
    if !csrf_ok(&state, &jar, &form.csrf) {
        return code_page(pages, jar, CodeView::error(PAGE_EXPIRED), StatusCode::FORBIDDEN).await;
    }
    let origin = client.origin(account.id);
    let factor = state.store.second_factor(tenant.id, account.id).await?.ok_or(AppError::NotFound)?;
    let credentials = state.store.credentials(tenant.id, account.id).await?.ok_or(AppError::NotFound)?;
    if credentials.is_locked(state.clock.now()) {
        state.store.delete_session(tenant.id, &session.token_hash).await?;
        let errors = LoginErrors { general: Some(LOGIN_FAILED.to_owned()), ..LoginErrors::default() };
        let jar = session::without_session(&state, jar);
        return login_page(pages, jar, "", errors, None, StatusCode::UNAUTHORIZED).await;
    }
    if factor.method == FactorMethod::Sms && form.actie == "sms" {
        let phone = factor.phone.clone().unwrap_or_default();
        let view =
            match crate::sms::send_code(&state, &tenant, &session.token_hash, &account, &phone, CodePurpose::Login)
                .await?
            {
                crate::sms::Sent::Yes { prefix } => CodeView::sent(prefix),
                crate::sms::Sent::Limited(message) => CodeView::error(message),
            };
        return code_page(pages, jar, view, StatusCode::OK).await;
    }
    if form.code.trim().is_empty() {
        return code_page(pages, jar, CodeView::error("Vul de 2FA code in."), StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let right = match factor.method {
        FactorMethod::Totp => totp_ok(&state, &tenant, &account, &factor, &form.code).await?,
        FactorMethod::Sms => {
            match crate::sms::check_code(&state, &tenant, &session.token_hash, CodePurpose::Login, &form.code).await? {
                crate::sms::Checked::Right { .. } => true,
                crate::sms::Checked::Wrong => false,
                crate::sms::Checked::Gone => {
                    let message = "Deze code is verlopen of al gebruikt. Vraag een nieuwe SMS code aan.";
                    return code_page(pages, jar, CodeView::error(message), StatusCode::UNAUTHORIZED).await;
                }
            }
        }
    };
    if right {
        let stage = stage_after_factors(&tenant, &credentials, &state);
        let jar = trust_this_device(&state, &tenant, jar, &account, &origin).await?;
        let (jar, _) = start_stage(&state, &tenant, jar, Some(&session), &account, stage, &origin).await?;
        return Ok((jar, Redirect::to(stage_path(stage))).into_response());
    }
    if count_failure(&state, &tenant, &account, &origin, "2FA code onjuist").await? {
        let jar = session::without_session(&state, jar);
        let errors = LoginErrors { general: Some(LOGIN_FAILED.to_owned()), ..LoginErrors::default() };
        return login_page(pages, jar, "", errors, None, StatusCode::UNAUTHORIZED).await;
    }
    let message = if factor.method == FactorMethod::Sms { SMS_CODE_FAILED } else { CODE_FAILED };
    code_page(pages, jar, CodeView::error(message), StatusCode::UNAUTHORIZED).await
}

// ---------------------------------------------------------------------------------------
// First login: choose and activate a second factor.

#[derive(Debug, Serialize)]
struct MethodChoice {
    key: &'static str,
    label: &'static str,
    path: &'static str,
    preferred: bool,
    explanation: &'static str,
}

pub async fn enroll_choice(
    State(state): State<AppState>,
    tenant: CurrentTenant,
    request_id: RequestId,
    jar: CookieJar,
) -> Result<Response, AppError> {
    if let Err(redirect) = at_stage(&state, &tenant, &jar, SessionStage::Enroll).await {
        return Ok(redirect);
    }
    // The tenant's methods, in its order of preference.
    let methods: Vec<MethodChoice> = tenant
        .config
        .auth
        .methods
        .iter()
        .enumerate()
        .map(|(i, method)| match method {
            SecondFactorMethod::Totp => MethodChoice {
                key: "totp",
                label: "Authenticator App",
                path: "/inloggen/activeren/app",
                preferred: i == 0 && tenant.config.auth.methods.len() > 1,
                explanation: "U gebruikt een app op uw smartphone, zoals Microsoft Authenticator of Google Authenticator. De app geeft steeds een nieuwe code.",
            },
            SecondFactorMethod::Sms => MethodChoice {
                key: "sms",
                label: "SMS",
                path: "/inloggen/activeren/sms",
                preferred: i == 0 && tenant.config.auth.methods.len() > 1,
                explanation: "Iedere keer dat u inlogt, ontvangt u per SMS een inlogcode op uw mobiele telefoon. Vanwege de veiligheid verandert deze code steeds en is daarom maar één keer te gebruiken.",
            },
        })
        .collect();
    let mut context = page_context(&tenant, &request_id.0);
    context.insert("methods", &methods);
    context.insert("title", "Tweestapsverificatie activeren");
    render(&state, &tenant, "signin/enroll.html", &context, StatusCode::OK, jar).await
}

#[derive(Debug, Default, Deserialize)]
pub struct EnrollAppForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    csrf: String,
}

async fn enroll_app_page(
    pages: Pages<'_>,
    jar: CookieJar,
    session: &Session,
    account: &Account,
    error: Option<&str>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let Pages { state, tenant, request_id } = pages;
    let context_key = totp_context(tenant, account);
    let secret_box = &state.settings.keys.secret_box;
    // One secret per enrolment attempt, kept sealed on the session until confirmed.
    let secret = match session.pending_totp.as_deref().map(|sealed| secret_box.open(sealed, &context_key)) {
        Some(Ok(bytes)) => TotpSecret::from_bytes(&bytes).map_err(|e| AppError::Internal(e.to_string()))?,
        _ => {
            let secret = TotpSecret::generate();
            let sealed =
                secret_box.seal(secret.as_bytes(), &context_key).map_err(|e| AppError::Internal(e.to_string()))?;
            state.store.set_pending_totp(tenant.id, &session.token_hash, Some(&sealed)).await?;
            secret
        }
    };
    let enrollment = secret
        .enrollment(&tenant.config.name, account.username.as_str())
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let grouped: Vec<String> =
        enrollment.secret_base32.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect();
    let (jar, mut context) = form_context(state, tenant, request_id, jar);
    context.insert("qr_svg", &enrollment.qr_svg);
    context.insert("secret_grouped", &grouped.join(" "));
    context.insert("account_name", account.username.as_str());
    context.insert("error", &error);
    context.insert("title", "Authenticator App koppelen");
    render(state, tenant, "signin/enroll_app.html", &context, status, jar).await
}

pub async fn enroll_app_form(
    State(state): State<AppState>,
    tenant: CurrentTenant,
    request_id: RequestId,
    jar: CookieJar,
) -> Result<Response, AppError> {
    if !tenant.config.auth.methods.contains(&SecondFactorMethod::Totp) {
        return Err(AppError::NotFound);
    }
    let (session, account) = match at_stage(&state, &tenant, &jar, SessionStage::Enroll).await {
        Ok(found) => found,
        Err(redirect) => return Ok(redirect),
    };
    enroll_app_page(
        Pages { state: &state, tenant: &tenant, request_id: &request_id },
        jar,
        &session,
        &account,
        None,
        StatusCode::OK,
    )
    .await
}

pub async fn enroll_app(
    State(state): State<AppState>,
    tenant: CurrentTenant,
    request_id: RequestId,
    client: ClientInfo,
    jar: CookieJar,
    Form(form): Form<EnrollAppForm>,
) -> Result<Response, AppError> {
    if !tenant.config.auth.methods.contains(&SecondFactorMethod::Totp) {
        return Err(AppError::NotFound);
    }
    let (session, account) = match at_stage(&state, &tenant, &jar, SessionStage::Enroll).await {
        Ok(found) => found,
        Err(redirect) => return Ok(redirect),
    };
    if !csrf_ok(&state, &jar, &form.csrf) {
        return enroll_app_page(
            Pages { state: &state, tenant: &tenant, request_id: &request_id },
            jar,
            &session,
            &account,
            Some(PAGE_EXPIRED),
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    let sealed = session.pending_totp.clone().ok_or_else(|| AppError::Internal("no pending secret".to_owned()))?;
    let secret = open_totp(&state, &tenant, &account, &sealed)?;
    let now = now_unix(&state);
    let step = secret.verify(&form.code, now, None).map_err(|e| AppError::Internal(e.to_string()))?;
    let Some(step) = step else {
        let message = if form.code.trim().is_empty() {
            "Vul de code uit de app in."
        } else {
            "Deze code klopt niet. Controleer of de tijd op uw telefoon goed staat en vul de nieuwe code uit de app in."
        };
        return enroll_app_page(
            Pages { state: &state, tenant: &tenant, request_id: &request_id },
            jar,
            &session,
            &account,
            Some(message),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let origin = client.origin(account.id);
    state
        .store
        .set_totp_factor(tenant.id, &origin, account.id, &sealed, i64::try_from(step).unwrap_or(i64::MAX))
        .await?;
    let credentials = state.store.credentials(tenant.id, account.id).await?.ok_or(AppError::NotFound)?;
    let stage = stage_after_factors(&tenant, &credentials, &state);
    let jar = trust_this_device(&state, &tenant, jar, &account, &origin).await?;
    let (jar, _) = start_stage(&state, &tenant, jar, Some(&session), &account, stage, &origin).await?;
    Ok((jar, Redirect::to(stage_path(stage))).into_response())
}

// ---------------------------------------------------------------------------------------
// Activating SMS, in the manual's three steps: the number, the registration code, confirm.

#[derive(Debug, Default, Deserialize)]
pub struct EnrollSmsForm {
    #[serde(default)]
    nummer: String,
    #[serde(default)]
    registratiecode: String,
    /// versturen | controleren | bevestigen
    #[serde(default)]
    actie: String,
    #[serde(default)]
    csrf: String,
}

#[derive(Debug, Default, Serialize)]
struct EnrollSmsView {
    number: String,
    /// A registration code was sent to this (masked) number.
    sent_to: Option<String>,
    /// The code was right; waiting for Bevestig.
    checked: Option<String>,
    number_error: Option<String>,
    code_error: Option<String>,
}

async fn enroll_sms_page(
    pages: Pages<'_>,
    jar: CookieJar,
    account: &Account,
    view: EnrollSmsView,
    status: StatusCode,
) -> Result<Response, AppError> {
    let Pages { state, tenant, request_id } = pages;
    let (jar, mut context) = form_context(state, tenant, request_id, jar);
    context.insert("account_name", account.username.as_str());
    context.insert("view", &view);
    context.insert("title", "SMS activeren");
    render(state, tenant, "signin/enroll_sms.html", &context, status, jar).await
}

pub async fn enroll_sms_form(
    State(state): State<AppState>,
    tenant: CurrentTenant,
    request_id: RequestId,
    jar: CookieJar,
) -> Result<Response, AppError> {
    if !tenant.config.auth.methods.contains(&SecondFactorMethod::Sms) {
        return Err(AppError::NotFound);
    }
    let (session, account) = match at_stage(&state, &tenant, &jar, SessionStage::Enroll).await {
        Ok(found) => found,
        Err(redirect) => return Ok(redirect),
    };
    let view = EnrollSmsView {
        checked: session.pending_phone.as_deref().map(careportal_domain::phone::mask_e164),
        ..EnrollSmsView::default()
    };
    let pages = Pages { state: &state, tenant: &tenant, request_id: &request_id };
    enroll_sms_page(pages, jar, &account, view, StatusCode::OK).await
}

pub async fn enroll_sms(
    State(state): State<AppState>,
    tenant: CurrentTenant,
    request_id: RequestId,
    client: ClientInfo,
    jar: CookieJar,
    Form(form): Form<EnrollSmsForm>,
) -> Result<Response, AppError> {
    if !tenant.config.auth.methods.contains(&SecondFactorMethod::Sms) {
        return Err(AppError::NotFound);
    }
    let pages = Pages { state: &state, tenant: &tenant, request_id: &request_id };
    let (session, account) = match at_stage(&state, &tenant, &jar, SessionStage::Enroll).await {
        Ok(found) => found,
        Err(redirect) => return Ok(redirect),
    };
    let mut view = EnrollSmsView { number: form.nummer.trim().to_owned(), ..EnrollSmsView::default() };
    if !csrf_ok(&state, &jar, &form.csrf) {
        view.number_error = Some(PAGE_EXPIRED.to_owned());
        return enroll_sms_page(pages, jar, &account, view, StatusCode::FORBIDDEN).await;
    }
    match form.actie.as_str() {
        "controleren" => {
            match crate::sms::check_code(
                &state,
                &tenant,
                &session.token_hash,
                CodePurpose::Enroll,
                &form.registratiecode,
            )
            .await?
            {
                crate::sms::Checked::Right { phone } => {
                    state.store.set_pending_phone(tenant.id, &session.token_hash, Some(&phone)).await?;
                    view.checked = Some(careportal_domain::phone::mask_e164(&phone));
                    enroll_sms_page(pages, jar, &account, view, StatusCode::OK).await
                }
                crate::sms::Checked::Wrong => {
                    view.sent_to = Some(String::new());
                    view.code_error =
                        Some("Deze registratiecode klopt niet. Controleer de cijfers in de SMS.".to_owned());
                    enroll_sms_page(pages, jar, &account, view, StatusCode::UNPROCESSABLE_ENTITY).await
                }
                crate::sms::Checked::Gone => {
                    view.code_error =
                        Some("Deze registratiecode is verlopen of al gebruikt. Verstuur een nieuwe code.".to_owned());
                    enroll_sms_page(pages, jar, &account, view, StatusCode::UNPROCESSABLE_ENTITY).await
                }
            }
        }
        "bevestigen" => {
            let Some(phone) = session.pending_phone.clone() else {
                view.code_error = Some("Controleer eerst de registratiecode.".to_owned());
                return enroll_sms_page(pages, jar, &account, view, StatusCode::UNPROCESSABLE_ENTITY).await;
            };
            let origin = client.origin(account.id);
            state.store.set_sms_factor(tenant.id, &origin, account.id, &phone).await?;
            let credentials = state.store.credentials(tenant.id, account.id).await?.ok_or(AppError::NotFound)?;
            let stage = stage_after_factors(&tenant, &credentials, &state);
            let jar = trust_this_device(&state, &tenant, jar, &account, &origin).await?;
            let (jar, _) = start_stage(&state, &tenant, jar, Some(&session), &account, stage, &origin).await?;
            Ok((jar, Redirect::to(stage_path(stage))).into_response())
        }
        _ => {
            let number =
                match careportal_domain::phone::MobileNumber::parse(&form.nummer, &tenant.config.auth.sms_countries) {
                    Ok(number) => number,
                    Err(problem) => {
                        view.number_error = Some(problem.message());
                        return enroll_sms_page(pages, jar, &account, view, StatusCode::UNPROCESSABLE_ENTITY).await;
                    }
                };
            state.store.set_pending_phone(tenant.id, &session.token_hash, None).await?;
            match crate::sms::send_code(
                &state,
                &tenant,
                &session.token_hash,
                &account,
                number.as_str(),
                CodePurpose::Enroll,
            )
            .await?
            {
                crate::sms::Sent::Yes { .. } => {
                    view.sent_to = Some(number.masked());
                    enroll_sms_page(pages, jar, &account, view, StatusCode::OK).await
                }
                crate::sms::Sent::Limited(message) => {
                    view.number_error = Some(message.to_owned());
                    enroll_sms_page(pages, jar, &account, view, StatusCode::TOO_MANY_REQUESTS).await
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Wachtwoord wijzigen: forced after a one-time or expired password, or by choice.

#[derive(Debug, Default, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    huidig: String,
    #[serde(default)]
    nieuw: String,
    #[serde(default)]
    bevestig: String,
    #[serde(default)]
    csrf: String,
}

#[derive(Debug, Default, Serialize)]
struct PasswordErrors {
    general: Option<String>,
    huidig: Option<String>,
    nieuw: Vec<String>,
    bevestig: Option<String>,
}

/// The session of someone who may change their password now.
async fn password_session(
    state: &AppState,
    tenant: &CurrentTenant,
    jar: &CookieJar,
) -> Result<(Session, Account), Response> {
    let Some(session) = session::current(state, tenant, jar).await else {
        return Err(Redirect::to("/inloggen").into_response());
    };
    if !matches!(session.stage, SessionStage::ChangePassword | SessionStage::Active) {
        return Err(Redirect::to(stage_path(session.stage)).into_response());
    }
    match state.store.account(tenant.id, session.account).await {
        Ok(Some(account)) => Ok((session, account)),
        _ => Err(Redirect::to("/inloggen").into_response()),
    }
}

async fn password_page(
    pages: Pages<'_>,
    jar: CookieJar,
    session: &Session,
    account: &Account,
    errors: PasswordErrors,
    status: StatusCode,
) -> Result<Response, AppError> {
    let Pages { state, tenant, request_id } = pages;
    let (jar, mut context) = form_context(state, tenant, request_id, jar);
    if session.stage == SessionStage::Active {
        context.insert("user", &crate::home::UserView::of(account, tenant));
    }
    context.insert("forced", &(session.stage == SessionStage::ChangePassword));
    context.insert("rules", &rules_text(&tenant.config.auth.password));
    context.insert("errors", &errors);
    context.insert("title", "Wachtwoord wijzigen");
    render(state, tenant, "signin/change_password.html", &context, status, jar).await
}

pub async fn password_form(
    State(state): State<AppState>,
    tenant: CurrentTenant,
    request_id: RequestId,
    jar: CookieJar,
) -> Result<Response, AppError> {
    let (session, account) = match password_session(&state, &tenant, &jar).await {
        Ok(found) => found,
        Err(redirect) => return Ok(redirect),
    };
    password_page(
        Pages { state: &state, tenant: &tenant, request_id: &request_id },
        jar,
        &session,
        &account,
        PasswordErrors::default(),
        StatusCode::OK,
    )
    .await
}

pub async fn change_password(
    State(state): State<AppState>,
    tenant: CurrentTenant,
    request_id: RequestId,
    client: ClientInfo,
    jar: CookieJar,
    Form(form): Form<PasswordForm>,
) -> Result<Response, AppError> {
    let (session, account) = match password_session(&state, &tenant, &jar).await {
        Ok(found) => found,
        Err(redirect) => return Ok(redirect),
    };
    let pages = Pages { state: &state, tenant: &tenant, request_id: &request_id };
    let page = |errors: PasswordErrors, status: StatusCode, jar: CookieJar| {
        let (session, account) = (&session, &account);
        async move { password_page(pages, jar, session, account, errors, status).await }
    };
    if !csrf_ok(&state, &jar, &form.csrf) {
        let errors = PasswordErrors { general: Some(PAGE_EXPIRED.to_owned()), ..PasswordErrors::default() };
        return page(errors, StatusCode::FORBIDDEN, jar).await;
    }
    let origin = client.origin(account.id);
    let credentials = state.store.credentials(tenant.id, account.id).await?.ok_or(AppError::NotFound)?;
    let hasher = &state.settings.hasher;
    let mut errors = PasswordErrors::default();

    let current_ok = hasher
        .verify(Some(credentials.password_hash.clone()), &form.huidig)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    if !current_ok {
        errors.huidig = Some(if form.huidig.is_empty() {
            "Vul uw huidige wachtwoord in.".to_owned()
        } else {
            "Het huidige wachtwoord klopt niet.".to_owned()
        });
        if !form.huidig.is_empty()
            && count_failure(&state, &tenant, &account, &origin, "huidig wachtwoord onjuist").await?
        {
            let jar = session::without_session(&state, jar);
            return Ok((jar, Redirect::to("/inloggen")).into_response());
        }
    }
    let problems = if current_ok {
        new_password_problems(&state, &tenant, &account, &form.nieuw, &form.bevestig, Some(&form.huidig)).await?
    } else {
        new_password_problems(&state, &tenant, &account, &form.nieuw, &form.bevestig, None).await?
    };
    (errors.nieuw, errors.bevestig) = problems_by_field(&problems);
    if errors.huidig.is_some() || !problems.is_empty() {
        return page(errors, StatusCode::UNPROCESSABLE_ENTITY, jar).await;
    }

    let hash = hasher.hash(&form.nieuw).await.map_err(|e| AppError::Internal(e.to_string()))?;
    state.store.set_password(tenant.id, &origin, account.id, &hash, false, None).await?;
    // A new password ends every other session of the account.
    state.store.delete_account_sessions(tenant.id, account.id).await?;
    let token = Token::generate();
    let new = NewSession {
        token_hash: token.hash.clone(),
        account: account.id,
        stage: SessionStage::Active,
        expires_at: session_end(&tenant.config.auth, SessionStage::Active, state.clock.now()),
        ip: origin.ip.clone(),
        user_agent: origin.user_agent.clone(),
    };
    state.store.create_session(tenant.id, &new).await?;
    if session.stage == SessionStage::ChangePassword {
        state.store.record_login_success(tenant.id, account.id).await?;
        state.store.append_audit(tenant.id, &origin.event(AuditAction::LOGIN_SUCCEEDED, None, "")).await?;
    }
    let jar = session::with_session(&state, jar, &token);
    Ok((jar, Redirect::to("/home?wachtwoord=gewijzigd")).into_response())
}

/// What is wrong with a new password: the tenant's policy, the rules that always hold, not
/// the current one (`current`, when known) and not one used within the reuse period.
pub(crate) async fn new_password_problems(
    state: &AppState,
    tenant: &CurrentTenant,
    account: &Account,
    new: &str,
    confirmation: &str,
    current: Option<&str>,
) -> Result<Vec<PasswordProblem>, AppError> {
    let policy = &tenant.config.auth.password;
    let mut problems =
        match check_new_password(policy, new, confirmation, account.username.as_str(), account.email.as_str()) {
            Ok(()) => Vec::new(),
            Err(problems) => problems,
        };
    if !problems.is_empty() {
        return Ok(problems);
    }
    if current == Some(new) {
        problems.push(PasswordProblem::SameAsCurrent);
    } else if let Some(days) = policy.reuse_after_days {
        let since = state.clock.now() - chrono::Duration::days(i64::from(days));
        for old in state.store.password_history(tenant.id, account.id, since).await? {
            if state.settings.hasher.verify(Some(old), new).await.map_err(|e| AppError::Internal(e.to_string()))? {
                problems.push(PasswordProblem::UsedBefore { days });
                break;
            }
        }
    }
    Ok(problems)
}

/// Sorts password problems onto the two fields of the form.
pub(crate) fn problems_by_field(problems: &[PasswordProblem]) -> (Vec<String>, Option<String>) {
    let mut new = Vec::new();
    let mut confirmation = None;
    for problem in problems {
        match problem {
            PasswordProblem::ConfirmationDiffers => confirmation = Some(problem.message()),
            other => new.push(other.message()),
        }
    }
    (new, confirmation)
}

// ---------------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

/// Uitloggen ends the session on the server, not just the cookie.
pub async fn logout(
    State(state): State<AppState>,
    tenant: CurrentTenant,
    client: ClientInfo,
    jar: CookieJar,
    Form(form): Form<LogoutForm>,
) -> Result<Response, AppError> {
    if !csrf_ok(&state, &jar, &form.csrf) {
        return Ok(Redirect::to("/home").into_response());
    }
    if let Some(session) = session::current(&state, &tenant, &jar).await {
        state.store.delete_session(tenant.id, &session.token_hash).await?;
        if let Ok(Some(account)) = state.store.account(tenant.id, session.account).await {
            let origin = client.origin(account.id);
            state.store.append_audit(tenant.id, &origin.event(AuditAction::LOGOUT, None, "")).await?;
        }
    }
    let jar = session::without_session(&state, jar);
    Ok((jar, Redirect::to("/inloggen?uitgelogd=1")).into_response())
}
