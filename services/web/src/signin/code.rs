//! Step 2 of the daily login, when the code was not given with the password.

use super::*;

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
pub(super) struct CodeView {
    pub(super) error: Option<String>,
    /// The SMS that was just sent: the first four digits of its code.
    pub(super) sent_prefix: Option<String>,
}

impl CodeView {
    pub(super) fn error(message: &str) -> Self {
        Self { error: Some(message.to_owned()), sent_prefix: None }
    }

    pub(super) fn sent(prefix: String) -> Self {
        Self { error: None, sent_prefix: Some(prefix) }
    }
}

pub(super) async fn code_page(
    pages: Pages<'_>,
    jar: CookieJar,
    view: CodeView,
    status: StatusCode,
) -> Result<Response, AppError> {
    let Pages { state, tenant, request_id } = pages;
    // Which factor, and whether an SMS code is on its way, come from the session.
    let (sms, prefix) = match session::current(state, tenant, &jar).await? {
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
    context.insert("when_asked", &tenant.config.auth.when_asked());
    context.insert("cookie_advice", &tenant.config.auth.cookie_advice());
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
        FactorMethod::Totp => totp_ok(&state, &tenant, &account, &factor, &form.code, &origin).await?,
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
