//! First login: choosing and activating a second factor (an authenticator app, or SMS).

use super::*;

// ---------------------------------------------------------------------------------------
// First login: choose and activate a second factor.

#[derive(Debug, Serialize)]
pub(super) struct MethodChoice {
    pub(super) key: &'static str,
    pub(super) label: &'static str,
    pub(super) path: &'static str,
    pub(super) preferred: bool,
    pub(super) explanation: String,
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
                explanation: "U gebruikt een app op uw smartphone, zoals Microsoft Authenticator of Google Authenticator. De app geeft steeds een nieuwe code.".to_owned(),
            },
            SecondFactorMethod::Sms => MethodChoice {
                key: "sms",
                label: "SMS",
                path: "/inloggen/activeren/sms",
                preferred: i == 0 && tenant.config.auth.methods.len() > 1,
                // The tenant's own policy: "iedere keer" only where a code is asked every time.
                explanation: tenant.config.auth.sms_explanation(),
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

pub(super) async fn enroll_app_page(
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
pub(super) struct EnrollSmsView {
    pub(super) number: String,
    /// A registration code was sent to this (masked) number.
    pub(super) sent_to: Option<String>,
    /// The code was right; waiting for Bevestig.
    pub(super) checked: Option<String>,
    pub(super) number_error: Option<String>,
    pub(super) code_error: Option<String>,
}

pub(super) async fn enroll_sms_page(
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
