//! Mijn profiel: who is signed in, the second factor, trusted devices, and the ways to
//! change or end things: a new password, a new second factor (after the password and a
//! current code), revoking a device, signing out everywhere.

use crate::error::AppError;
use crate::form::Form;
use crate::pages::render;
use crate::record::network::{PhotoOf, put_photo, set_photo};
use crate::record::{Care, PhotoQuery, photo_response_cached, photo_version};
use crate::session::{self, csrf_ok};
use crate::upload::read_upload;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use careportal_auth::Token;
use careportal_domain::audit::{AuditAction, Origin};
use careportal_domain::people::Relation;
use careportal_domain::signin::{CodePurpose, FactorMethod, NewSession, SessionStage, session_end};
use careportal_domain::tenant::SecondFactorWhen;
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize)]
struct DeviceView {
    id: String,
    label: String,
    last_used: String,
    expires: String,
}

#[derive(Debug, Default, Serialize)]
struct ProfileMessages {
    notice: Option<String>,
    reset_error: Option<String>,
    /// An SMS code was sent for the reset: its first four digits.
    sms_prefix: Option<String>,
    /// Why a photo was not taken.
    photo_error: Option<String>,
    /// The number for Bevestigingscodes, when something was typed or sent.
    phone: Option<crate::profile_phone::PhoneView>,
}

async fn profile_page(
    care: &Care,
    jar: CookieJar,
    messages: ProfileMessages,
    status: StatusCode,
) -> Result<Response, AppError> {
    let (state, tenant, signed_in) = (&care.state, &care.tenant, &care.signed_in);
    let factor = state.store.second_factor(tenant.id, signed_in.account.id).await?;
    let method = match &factor {
        Some(f) if f.method == FactorMethod::Totp => "een Authenticator App".to_owned(),
        Some(f) => {
            format!("SMS naar {}", f.phone.as_deref().map(careportal_domain::phone::mask_e164).unwrap_or_default())
        }
        None => "nog niet ingesteld".to_owned(),
    };
    let trusts_devices = tenant.config.auth.second_factor == SecondFactorWhen::NewDevice;
    let devices: Vec<DeviceView> = if trusts_devices {
        state
            .store
            .devices(tenant.id, signed_in.account.id)
            .await?
            .into_iter()
            .map(|d| DeviceView {
                id: d.id.to_string(),
                label: d.label,
                last_used: d.last_used_at.format("%d-%m-%Y").to_string(),
                expires: d.expires_at.format("%d-%m-%Y").to_string(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let own_photo = state.store.account_photo(tenant.id, signed_in.account.id).await?;
    // The number's section shows on its own; `messages` keeps what the other sections say.
    let mut messages = messages;
    let typed = messages.phone.take();
    let phone = if crate::profile_phone::offered(care, factor.as_ref()) {
        Some(typed.unwrap_or_else(|| crate::profile_phone::PhoneView {
            current: factor.as_ref().and_then(|f| f.phone.as_deref()).map(careportal_domain::phone::mask_e164),
            ..Default::default()
        }))
    } else {
        None
    };
    let (jar, mut context) = care.context(jar, careportal_domain::tenant::Module::Home);
    context.insert("method", &method);
    context.insert("sms", &factor.is_some_and(|f| f.method == FactorMethod::Sms));
    context.insert("trusts_devices", &trusts_devices);
    context.insert("device_trust_days", &tenant.config.auth.device_trust_days);
    context.insert("devices", &devices);
    context.insert("messages", &messages);
    context.insert("phone", &phone);
    context.insert("own_photo", &own_photo.as_deref().map(|k| format!("/profiel/foto?v={}", photo_version(k))));
    // The client themself also sets the photo at the top of their portal (Siloah's "foto van
    // de cliënt met een gele rand"; Salem's "foto in het midden").
    let is_client = care.current.as_ref().is_some_and(|l| l.relation == Relation::Client);
    context.insert("is_client", &is_client);
    context.insert("title", "Mijn profiel");
    render(state, tenant, "profile.html", &context, status, jar).await
}

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    /// opgeslagen | verwijderd, after a photo was changed.
    foto: Option<String>,
    /// opgeslagen | verwijderd, after the number for Bevestigingscodes was changed.
    nummer: Option<String>,
}

pub async fn page(care: Care, jar: CookieJar, Query(query): Query<PageQuery>) -> Result<Response, AppError> {
    let notice = match (query.foto.as_deref(), query.nummer.as_deref()) {
        (Some("opgeslagen"), _) => Some("De foto is opgeslagen.".to_owned()),
        (Some("verwijderd"), _) => Some("De foto is verwijderd.".to_owned()),
        (_, Some("opgeslagen")) => {
            Some("Het mobiele nummer is opgeslagen. Bevestigingscodes komen nu per SMS.".to_owned())
        }
        (_, Some("verwijderd")) => {
            Some("Het mobiele nummer is verwijderd. Bevestigen doet u weer met de code uit uw app.".to_owned())
        }
        _ => None,
    };
    profile_page(&care, jar, ProfileMessages { notice, ..Default::default() }, StatusCode::OK).await
}

/// POST /profiel/foto (multipart): `wie` is "eigen" or "client" (the client themself), and
/// `actie` "opslaan" (with the file in `foto`) or "verwijderen".
pub async fn photo(care: Care, jar: CookieJar, multipart: axum::extract::Multipart) -> Result<Response, AppError> {
    let upload = read_upload(multipart, "foto").await;
    let notice = |text: &str| ProfileMessages { photo_error: Some(text.to_owned()), ..Default::default() };
    if upload.too_large {
        let message = careportal_documents::PhotoError::TooLarge.to_string();
        return profile_page(&care, jar, notice(&message), StatusCode::PAYLOAD_TOO_LARGE).await;
    }
    if !csrf_ok(&care.state, &jar, upload.field("csrf")) {
        return profile_page(&care, jar, notice(EXPIRED), StatusCode::FORBIDDEN).await;
    }
    let whose = match (upload.field("wie"), &care.current) {
        ("eigen", _) => PhotoOf::Own,
        ("client", Some(link)) if link.relation == Relation::Client => PhotoOf::Client(link.client.id),
        _ => return Err(AppError::NotFound),
    };
    let done = match upload.field("actie") {
        "opslaan" => match put_photo(&care, whose, upload.file).await? {
            Ok(()) => "opgeslagen",
            Err(message) => return profile_page(&care, jar, notice(&message), StatusCode::UNPROCESSABLE_ENTITY).await,
        },
        "verwijderen" => {
            set_photo(&care, whose, None).await?;
            "verwijderd"
        }
        _ => return Err(AppError::NotFound),
    };
    // Back to the page, read anew: the photo at the top of it has changed too.
    Ok(Redirect::to(&format!("/profiel?foto={done}")).into_response())
}

/// GET /profiel/foto: the signed-in person's own photo.
pub async fn own_photo(care: Care, Query(query): Query<PhotoQuery>) -> Result<Response, AppError> {
    let key = care.state.store.account_photo(care.tenant.id, care.signed_in.account.id).await?;
    photo_response_cached(&care, key, query.v.as_deref()).await
}

const EXPIRED: &str = "Deze pagina was verlopen. Probeer het opnieuw.";

#[derive(Debug, Default, Deserialize)]
pub struct ProfileForm {
    /// intrekken | overal-uitloggen | sms | opnieuw-instellen
    #[serde(default)]
    actie: String,
    #[serde(default)]
    apparaat: String,
    #[serde(default)]
    wachtwoord: String,
    #[serde(default)]
    code: String,
    /// The number for Bevestigingscodes, the app's code that allows it, and the
    /// registration code sent to it.
    #[serde(default)]
    nummer: String,
    #[serde(default)]
    appcode: String,
    #[serde(default)]
    registratiecode: String,
    #[serde(default)]
    csrf: String,
}

pub async fn act(care: Care, jar: CookieJar, Form(form): Form<ProfileForm>) -> Result<Response, AppError> {
    if !csrf_ok(&care.state, &jar, &form.csrf) {
        let messages = ProfileMessages { notice: Some(EXPIRED.to_owned()), ..Default::default() };
        return profile_page(&care, jar, messages, StatusCode::FORBIDDEN).await;
    }
    let (state, tenant, signed_in) = (&care.state, &care.tenant, &care.signed_in);
    let origin = care.client_info.origin(signed_in.account.id);
    let account = &signed_in.account;
    match form.actie.as_str() {
        "intrekken" => {
            let id = uuid::Uuid::parse_str(&form.apparaat).map_err(|_| AppError::NotFound)?;
            let revoked = state.store.revoke_devices(tenant.id, &origin, account.id, Some(id)).await?;
            let notice = if revoked > 0 {
                "Het apparaat is ingetrokken."
            } else {
                "Dit apparaat stond al niet meer in de lijst."
            };
            let messages = ProfileMessages { notice: Some(notice.to_owned()), ..Default::default() };
            profile_page(&care, jar, messages, StatusCode::OK).await
        }
        "overal-uitloggen" => {
            state.store.delete_account_sessions(tenant.id, account.id).await?;
            state.store.revoke_devices(tenant.id, &origin, account.id, None).await?;
            let event = origin.event(AuditAction::new("logout.everywhere"), None, "");
            state.store.append_audit(tenant.id, &event).await?;
            let jar = session::without_session(state, jar);
            Ok((jar, Redirect::to("/inloggen?uitgelogd=1")).into_response())
        }
        "sms" => {
            let factor = state.store.second_factor(tenant.id, account.id).await?;
            let phone =
                factor.filter(|f| f.method == FactorMethod::Sms).and_then(|f| f.phone).ok_or(AppError::NotFound)?;
            let messages = match crate::sms::send_code(
                state,
                tenant,
                &signed_in.session.token_hash,
                account,
                &phone,
                CodePurpose::Login,
            )
            .await?
            {
                crate::sms::Sent::Yes { prefix } => ProfileMessages { sms_prefix: Some(prefix), ..Default::default() },
                crate::sms::Sent::Limited(message) => {
                    ProfileMessages { reset_error: Some(message.to_owned()), ..Default::default() }
                }
            };
            profile_page(&care, jar, messages, StatusCode::OK).await
        }
        "opnieuw-instellen" => reset_factor(&care, jar, &origin, &form).await,
        "nummer-versturen" | "nummer-controleren" | "nummer-verwijderen" => {
            use crate::profile_phone::{Outcome, act};
            match act(&care, &form.actie, &form.nummer, &form.appcode, &form.registratiecode).await? {
                Outcome::Page(view, status) => {
                    let messages = ProfileMessages { phone: Some(view), ..Default::default() };
                    profile_page(&care, jar, messages, status).await
                }
                Outcome::Done(key) => {
                    Ok(Redirect::to(&format!("/profiel?nummer={key}#bevestigingsnummer")).into_response())
                }
                Outcome::Locked => Ok(Redirect::to("/inloggen").into_response()),
            }
        }
        _ => Err(AppError::NotFound),
    }
}

/// A new second factor needs the password and a current code: a stolen session alone cannot
/// swap the factor for the thief's own.
async fn reset_factor(care: &Care, jar: CookieJar, origin: &Origin, form: &ProfileForm) -> Result<Response, AppError> {
    let (state, tenant, signed_in) = (&care.state, &care.tenant, &care.signed_in);
    let account = &signed_in.account;
    let refuse = |message: &str| ProfileMessages { reset_error: Some(message.to_owned()), ..Default::default() };
    let credentials = state.store.credentials(tenant.id, account.id).await?.ok_or(AppError::NotFound)?;
    if credentials.is_locked(state.clock.now()) {
        return Ok(Redirect::to("/inloggen").into_response());
    }
    let recheck = crate::signin::recheck_password(
        state,
        tenant,
        account,
        origin,
        &credentials.password_hash,
        &form.wachtwoord,
        "herstel",
    )
    .await?;
    let password_ok = recheck == crate::signin::Recheck::Right;
    let factor = state.store.second_factor(tenant.id, account.id).await?.ok_or(AppError::NotFound)?;
    let code_ok = match factor.method {
        FactorMethod::Totp => crate::signin::totp_ok(state, tenant, account, &factor, &form.code, origin).await?,
        FactorMethod::Sms => matches!(
            crate::sms::check_code(state, tenant, &signed_in.session.token_hash, CodePurpose::Login, &form.code)
                .await?,
            crate::sms::Checked::Right { .. }
        ),
    };
    let message = "Het wachtwoord of de 2FA code klopt niet. Er is niets gewijzigd.";
    if recheck == crate::signin::Recheck::NotChecked {
        return profile_page(care, jar, refuse(message), StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    if !password_ok || !code_ok {
        let reason = if password_ok { "2FA code onjuist bij herstel" } else { "wachtwoord onjuist bij herstel" };
        if crate::signin::count_failure(state, tenant, account, origin, reason).await? {
            return Ok(Redirect::to("/inloggen").into_response());
        }
        return profile_page(care, jar, refuse(message), StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    state.store.delete_second_factor(tenant.id, origin, account.id).await?;
    state.store.revoke_devices(tenant.id, origin, account.id, None).await?;
    // Every other session ends; this one steps back to activating a factor.
    state.store.delete_account_sessions(tenant.id, account.id).await?;
    let token = Token::generate();
    let new = NewSession {
        token_hash: token.hash.clone(),
        account: account.id,
        stage: SessionStage::Enroll,
        expires_at: session_end(&tenant.config.auth, SessionStage::Enroll, state.clock.now()),
        ip: origin.ip.clone(),
        user_agent: origin.user_agent.clone(),
    };
    state.store.create_session(tenant.id, &new).await?;
    let jar = session::with_session(state, jar, &token);
    Ok((jar, Redirect::to("/inloggen/activeren")).into_response())
}
