//! Wachtwoord wijzigen: forced after a one-time or expired password, or by choice.

use super::*;

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
pub(super) struct PasswordErrors {
    pub(super) general: Option<String>,
    pub(super) huidig: Option<String>,
    pub(super) nieuw: Vec<String>,
    pub(super) bevestig: Option<String>,
}

/// The session of someone who may change their password now.
pub(super) async fn password_session(
    state: &AppState,
    tenant: &CurrentTenant,
    jar: &CookieJar,
) -> Result<(Session, Account), Response> {
    let Some(session) = session::current(state, tenant, jar).await.map_err(IntoResponse::into_response)? else {
        return Err(Redirect::to("/inloggen").into_response());
    };
    if !matches!(session.stage, SessionStage::ChangePassword | SessionStage::Active) {
        return Err(Redirect::to(stage_path(session.stage)).into_response());
    }
    match state.store.account(tenant.id, session.account).await {
        Ok(Some(account)) => Ok((session, account)),
        Ok(None) => Err(Redirect::to("/inloggen").into_response()),
        Err(error) => Err(AppError::from(error).into_response()),
    }
}

pub(super) async fn password_page(
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
        context.insert("user", &crate::pages::UserView::of(account, session, tenant, state.clock.now()));
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

    let recheck = if form.huidig.is_empty() {
        Recheck::NotChecked
    } else {
        let (stored, typed) = (&credentials.password_hash, &form.huidig);
        recheck_password(&state, &tenant, &account, &origin, stored, typed, "wachtwoord wijzigen").await?
    };
    let current_ok = recheck == Recheck::Right;
    if !current_ok {
        errors.huidig = Some(if form.huidig.is_empty() {
            "Vul uw huidige wachtwoord in.".to_owned()
        } else {
            "Het huidige wachtwoord klopt niet.".to_owned()
        });
        if recheck == Recheck::Wrong
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

    let hash = hasher.hash(&form.nieuw).await?;
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
            if state.settings.hasher.verify(Some(old), new).await? {
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
