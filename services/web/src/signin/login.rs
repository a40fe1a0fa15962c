//! Step 1: Gebruikersnaam, Wachtwoord (and for the daily login the 2FA code), and Uitloggen.

use super::*;

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
pub(super) struct LoginErrors {
    pub(super) general: Option<String>,
    pub(super) gebruikersnaam: Option<String>,
    pub(super) wachtwoord: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    uitgelogd: Option<String>,
    hersteld: Option<String>,
    verlopen: Option<String>,
}

pub(super) async fn login_page(
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
    let auth = &tenant.config.auth;
    context.insert("sms_offered", &auth.offers(SecondFactorMethod::Sms));
    // Where a code is asked at every login (Siloah) it can be typed here at once; elsewhere
    // (Salem) the next page asks for it when this device needs one, and this page says when.
    context.insert("code_here", &(auth.second_factor == SecondFactorWhen::EveryLogin));
    let hint = match (auth.offers(SecondFactorMethod::Totp), auth.offers(SecondFactorMethod::Sms)) {
        (true, true) => "De code uit uw Authenticator App, of kies 'SMS code aanvragen'.",
        (true, false) => "De code uit uw Authenticator App.",
        (false, _) => "Kies 'SMS code aanvragen' en vul de code uit de SMS in.",
    };
    context.insert("code_hint", hint);
    context.insert("when_asked", &auth.when_asked());
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
    if let Some(session) = session::current(&state, &tenant, &jar).await?
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
pub(super) enum PasswordCheck {
    Right(Box<(Account, Credentials)>),
    Wrong,
}

pub async fn login(
    State(state): State<AppState>,
    tenant: CurrentTenant,
    request_id: RequestId,
    client: ClientInfo,
    jar: CookieJar,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let started = tokio::time::Instant::now();
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
    // The address's place is taken before the check (one statement, so parallel tries cannot
    // all slip under the limit) and given back when the login succeeds.
    if let Some(key) = &address
        && !state.store.take_hit(tenant.id, key, window, LOGIN_FAILURES_PER_ADDRESS_HOUR).await?
    {
        let errors = LoginErrors { general: Some(NETWORK_LIMIT.to_owned()), ..LoginErrors::default() };
        let pages = Pages { state: &state, tenant: &tenant, request_id: &request_id };
        return login_page(pages, jar, &username, errors, None, StatusCode::TOO_MANY_REQUESTS).await;
    }
    let (account, credentials) = match check_password(&state, &tenant, &username, &form.wachtwoord, &anonymous).await? {
        PasswordCheck::Right(right) => *right,
        PasswordCheck::Wrong => {
            // Unknown, wrong, locked or past the hourly limit: the same answer, at the same time.
            crate::state::answer_no_sooner(started, state.settings.answer_floor).await;
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
    if let Some(key) = &address {
        state.store.give_back_hit(tenant.id, key, window).await?;
    }
    let origin = client.origin(account.id);
    // Whatever session this browser had is replaced, never continued.
    if let Some(old) = session::current(&state, &tenant, &jar).await? {
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
        if totp_ok(&state, &tenant, &account, &factor, code, &origin).await? {
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

#[derive(Debug, Default, Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    csrf: String,
    /// Sent by the page's countdown when the idle time is over: the same logout, and the
    /// login page then says why.
    #[serde(default)]
    verlopen: Option<String>,
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
    if let Some(session) = session::current(&state, &tenant, &jar).await? {
        state.store.delete_session(tenant.id, &session.token_hash).await?;
        if let Ok(Some(account)) = state.store.account(tenant.id, session.account).await {
            let origin = client.origin(account.id);
            let detail = if form.verlopen.is_some() { "automatisch, na inactiviteit" } else { "" };
            state.store.append_audit(tenant.id, &origin.event(AuditAction::LOGOUT, None, detail)).await?;
        }
    }
    let jar = session::without_session(&state, jar);
    // A shared computer keeps nothing of the portal: the client's photo may sit in the cache.
    let clear = [(axum::http::HeaderName::from_static("clear-site-data"), "\"cache\"")];
    let to = if form.verlopen.is_some() { "/inloggen?verlopen=1" } else { "/inloggen?uitgelogd=1" };
    Ok((clear, jar, Redirect::to(to)).into_response())
}
