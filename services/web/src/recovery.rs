//! Wachtwoord vergeten?: an e-mail with a link that works once, for an hour; never a
//! password. The page answers the same whether or not the username exists. A new password
//! ends every session, and the next login still asks for the second factor.

use crate::error::AppError;
use crate::form::Form;
use crate::pages::{Pages, form_context, render};
use crate::request_id::RequestId;
use crate::session::{ClientInfo, csrf_ok};
use crate::signin::{new_password_problems, problems_by_field};
use crate::state::AppState;
use crate::templates::page_context;
use crate::tenant::CurrentTenant;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use careportal_auth::Token;
use careportal_domain::audit::AuditAction;
use careportal_domain::password::rules_text;
use careportal_domain::people::{Account, Username};
use careportal_domain::throttle::{RESETS_PER_ADDRESS_HOUR, address_key, hour_window};
use serde::{Deserialize, Serialize};

/// Resets an account may ask for in an hour: enough for a lost e-mail, too few to flood.
const RESETS_PER_HOUR: u32 = 3;
const LINK_VALID_MINUTES: i64 = 60;

#[derive(Debug, Default, Deserialize)]
pub struct RequestForm {
    #[serde(default)]
    gebruikersnaam: String,
    #[serde(default)]
    csrf: String,
}

async fn request_page(
    pages: Pages<'_>,
    jar: CookieJar,
    username: &str,
    error: Option<&str>,
    sent: bool,
    status: StatusCode,
) -> Result<Response, AppError> {
    let Pages { state, tenant, request_id } = pages;
    let (jar, mut context) = form_context(state, tenant, request_id, jar);
    context.insert("username", username);
    context.insert("error", &error);
    context.insert("sent", &sent);
    context.insert("title", "Wachtwoord vergeten");
    render(state, tenant, "signin/forgot.html", &context, status, jar).await
}

pub async fn request_form(
    State(state): State<AppState>,
    tenant: CurrentTenant,
    request_id: RequestId,
    jar: CookieJar,
) -> Result<Response, AppError> {
    request_page(
        Pages { state: &state, tenant: &tenant, request_id: &request_id },
        jar,
        "",
        None,
        false,
        StatusCode::OK,
    )
    .await
}

pub async fn request(
    State(state): State<AppState>,
    tenant: CurrentTenant,
    request_id: RequestId,
    headers: HeaderMap,
    client: ClientInfo,
    jar: CookieJar,
    Form(form): Form<RequestForm>,
) -> Result<Response, AppError> {
    let started = tokio::time::Instant::now();
    let username = form.gebruikersnaam.trim().to_owned();
    if !csrf_ok(&state, &jar, &form.csrf) {
        let error = Some("Deze pagina was verlopen. Vul het formulier opnieuw in.");
        return request_page(
            Pages { state: &state, tenant: &tenant, request_id: &request_id },
            jar,
            &username,
            error,
            false,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    let Ok(parsed) = Username::parse(&username) else {
        let error = Some("Vul uw gebruikersnaam in.");
        return request_page(
            Pages { state: &state, tenant: &tenant, request_id: &request_id },
            jar,
            &username,
            error,
            false,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    // Per address as well as per account, so one network cannot mail everybody; the answer
    // stays the same either way.
    let window = hour_window(state.clock.now());
    let within_limit = match client.ip.as_deref() {
        Some(ip) => {
            state.store.count_hit(tenant.id, &address_key("reset", ip), window).await? <= RESETS_PER_ADDRESS_HOUR
        }
        None => true,
    };
    if within_limit && let Some(account) = state.store.account_by_username(tenant.id, &parsed).await? {
        send_reset(&state, &tenant, &account, &crate::tenant::link_base(&state, &tenant, &headers), &client).await?;
    }
    // The same answer either way, and at the same time, so this page cannot tell who has an
    // account.
    crate::state::answer_no_sooner(started, state.settings.answer_floor).await;
    request_page(Pages { state: &state, tenant: &tenant, request_id: &request_id }, jar, "", None, true, StatusCode::OK)
        .await
}

async fn send_reset(
    state: &AppState,
    tenant: &CurrentTenant,
    account: &Account,
    base: &str,
    client: &ClientInfo,
) -> Result<(), AppError> {
    let now = state.clock.now();
    let origin = client.origin(account.id);
    if state.store.password_resets_since(tenant.id, account.id, now - chrono::Duration::hours(1)).await?
        >= RESETS_PER_HOUR
    {
        let event = origin.event(AuditAction::new("password.reset_limited"), None, "te veel aanvragen in een uur");
        state.store.append_audit(tenant.id, &event).await?;
        return Ok(());
    }
    let token = Token::generate();
    state
        .store
        .create_password_reset(tenant.id, account.id, &token.hash, now + chrono::Duration::minutes(LINK_VALID_MINUTES))
        .await?;
    let portal = tenant.config.portal_name();
    let subject = format!("Nieuw wachtwoord kiezen – {portal}");
    // No health data in mail: only the person's name and the link.
    let body = format!(
        "Beste {name},\n\n\
         U heeft gevraagd om een nieuw wachtwoord voor het {portal}. Via deze link kiest u een nieuw wachtwoord:\n\n\
         {base}/wachtwoord-herstellen/{token}\n\n\
         De link werkt één keer en is één uur geldig. Daarna logt u in met uw nieuwe wachtwoord en uw 2FA code.\n\n\
         Heeft u dit niet zelf gevraagd? Dan hoeft u niets te doen: uw wachtwoord blijft hetzelfde.\n\n\
         Met vriendelijke groet,\n{org}\n",
        name = account.name.full(),
        token = token.plain,
        org = tenant.config.name,
    );
    let secret_box = &state.settings.keys.secret_box;
    careportal_delivery::enqueue_email(
        state.store.as_ref(),
        secret_box,
        tenant.id,
        account.email.as_str(),
        &subject,
        &body,
    )
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?;
    let event = origin.event(AuditAction::new("password.reset_requested"), None, "herstellink per e-mail");
    state.store.append_audit(tenant.id, &event).await?;

    // Send now rather than at the worker's next round; the worker retries what fails.
    crate::state::send_now(state, tenant);
    Ok(())
}

#[derive(Debug, Default, Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    nieuw: String,
    #[serde(default)]
    bevestig: String,
    #[serde(default)]
    csrf: String,
}

#[derive(Debug, Default, Serialize)]
struct ResetErrors {
    general: Option<String>,
    nieuw: Vec<String>,
    bevestig: Option<String>,
}

async fn reset_page(
    state: &AppState,
    tenant: &CurrentTenant,
    request_id: &RequestId,
    jar: CookieJar,
    token: &str,
    errors: ResetErrors,
    status: StatusCode,
) -> Result<Response, AppError> {
    let (jar, mut context) = form_context(state, tenant, request_id, jar);
    context.insert("token", token);
    context.insert("rules", &rules_text(&tenant.config.auth.password));
    context.insert("errors", &errors);
    context.insert("title", "Nieuw wachtwoord kiezen");
    render(state, tenant, "signin/reset.html", &context, status, jar).await
}

async fn expired_page(
    state: &AppState,
    tenant: &CurrentTenant,
    request_id: &RequestId,
    jar: CookieJar,
) -> Result<Response, AppError> {
    let mut context = page_context(tenant, &request_id.0);
    context.insert("title", "Link verlopen");
    render(state, tenant, "signin/reset_expired.html", &context, StatusCode::GONE, jar).await
}

pub async fn reset_form(
    State(state): State<AppState>,
    tenant: CurrentTenant,
    request_id: RequestId,
    Path(token): Path<String>,
    jar: CookieJar,
) -> Result<Response, AppError> {
    if state.store.password_reset_account(tenant.id, &Token::hash_of(&token)).await?.is_none() {
        return expired_page(&state, &tenant, &request_id, jar).await;
    }
    reset_page(&state, &tenant, &request_id, jar, &token, ResetErrors::default(), StatusCode::OK).await
}

pub async fn reset(
    State(state): State<AppState>,
    tenant: CurrentTenant,
    request_id: RequestId,
    Path(token): Path<String>,
    client: ClientInfo,
    jar: CookieJar,
    Form(form): Form<ResetForm>,
) -> Result<Response, AppError> {
    let hash = Token::hash_of(&token);
    let Some(account_id) = state.store.password_reset_account(tenant.id, &hash).await? else {
        return expired_page(&state, &tenant, &request_id, jar).await;
    };
    let account = state.store.account(tenant.id, account_id).await?.ok_or(AppError::NotFound)?;
    if !csrf_ok(&state, &jar, &form.csrf) {
        let errors = ResetErrors {
            general: Some("Deze pagina was verlopen. Vul het formulier opnieuw in.".to_owned()),
            ..ResetErrors::default()
        };
        return reset_page(&state, &tenant, &request_id, jar, &token, errors, StatusCode::FORBIDDEN).await;
    }
    let problems = new_password_problems(&state, &tenant, &account, &form.nieuw, &form.bevestig, None).await?;
    if !problems.is_empty() {
        let (nieuw, bevestig) = problems_by_field(&problems);
        let errors = ResetErrors { general: None, nieuw, bevestig };
        return reset_page(&state, &tenant, &request_id, jar, &token, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    // Taking the token is the atomic step: of two tabs, one wins.
    if !state.store.use_password_reset(tenant.id, &hash).await? {
        return expired_page(&state, &tenant, &request_id, jar).await;
    }
    let password_hash = state.settings.hasher.hash(&form.nieuw).await?;
    let origin = client.origin(account.id);
    state.store.set_password(tenant.id, &origin, account.id, &password_hash, false, None).await?;
    state.store.delete_account_sessions(tenant.id, account.id).await?;
    // Whoever may have known the old password may also hold a trusted device: after a
    // reset every device asks for the second factor again.
    state.store.revoke_devices(tenant.id, &origin, account.id, None).await?;
    let event = origin.event(AuditAction::new("password.reset"), None, "nieuw wachtwoord via herstellink");
    state.store.append_audit(tenant.id, &event).await?;
    Ok((jar, Redirect::to("/inloggen?hersteld=1")).into_response())
}
