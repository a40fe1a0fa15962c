//! SMS codes for signing in: sending within the limits, and checking what was typed.
//! A code is bound to the session that asked for it, works once, for five minutes, and
//! allows five wrong tries.

use crate::error::AppError;
use crate::state::AppState;
use crate::tenant::CurrentTenant;
use careportal_auth::OneTimeCode;
use careportal_domain::people::Account;
use careportal_domain::signin::{
    CODE_VALID_MINUTES, CodePurpose, NewCode, SMS_PER_ACCOUNT_HOUR, SMS_PER_NUMBER_HOUR, SmsCount,
};

pub(crate) enum Sent {
    /// Sent; the four digits before the dash, shown on screen to match the message.
    Yes { prefix: String },
    /// Not sent: too many in a short time (the message says what to do).
    Limited(&'static str),
}

pub(crate) enum Checked {
    /// Right; the number the code went to.
    Right {
        phone: String,
    },
    Wrong,
    /// No code to check: none asked, used, expired or too many wrong tries.
    Gone,
}

/// Sends a code for `purpose` to `phone` for this session, unless a limit is reached.
pub(crate) async fn send_code(
    state: &AppState,
    tenant: &CurrentTenant,
    session_hash: &str,
    account: &Account,
    phone: &str,
    purpose: CodePurpose,
) -> Result<Sent, AppError> {
    send_bound_code(state, tenant, session_hash, account, phone, purpose, "").await
}

/// Sends a code that also works only for `binding`: what it confirms (a plan, the exact
/// print that was shown, the decision). Anything else, or the same plan after its print
/// changed, makes the code wrong.
pub(crate) async fn send_bound_code(
    state: &AppState,
    tenant: &CurrentTenant,
    session_hash: &str,
    account: &Account,
    phone: &str,
    purpose: CodePurpose,
    binding: &str,
) -> Result<Sent, AppError> {
    let now = state.clock.now();
    let hour_ago = now - chrono::Duration::hours(1);
    let store = state.store.as_ref();
    // The rolling hour counts the codes made; the same limits as fixed windows that a
    // request takes its place in (one statement each) stop a burst that reads the rolling
    // counts before any of its codes was made. The number is counted by its hash: no phone
    // numbers in the counters.
    let hour = careportal_domain::throttle::hour_window(now);
    let account_key = careportal_domain::throttle::account_key("sms", account.id);
    let number_key = format!("sms:number:{}", careportal_documents::sha256_hex(phone.as_bytes()));
    if store.codes_sent_since(tenant.id, SmsCount::Account(account.id), hour_ago).await? >= SMS_PER_ACCOUNT_HOUR
        || store.codes_sent_since(tenant.id, SmsCount::Number(phone), hour_ago).await? >= SMS_PER_NUMBER_HOUR
        || !store.take_hit(tenant.id, &account_key, hour, SMS_PER_ACCOUNT_HOUR).await?
        || !store.take_hit(tenant.id, &number_key, hour, SMS_PER_NUMBER_HOUR).await?
    {
        return Ok(Sent::Limited(
            "Er zijn in korte tijd te veel SMS-codes gevraagd. Probeer het over een uur opnieuw.",
        ));
    }
    let day_ago = now - chrono::Duration::days(1);
    let today = chrono::DurationRound::duration_trunc(now, chrono::TimeDelta::days(1)).unwrap_or(now);
    if store.codes_sent_since(tenant.id, SmsCount::Tenant, day_ago).await? >= tenant.config.auth.sms_daily_cap
        || !store.take_hit(tenant.id, "sms:tenant", today, tenant.config.auth.sms_daily_cap).await?
    {
        tracing::error!(tenant = %tenant.slug, "dagelijks SMS-maximum bereikt");
        return Ok(Sent::Limited(
            "Er kunnen vandaag geen SMS-codes meer worden verstuurd. Neem contact op met de helpdesk.",
        ));
    }
    let code = OneTimeCode::generate();
    let portal = tenant.config.portal_name();
    // No health data in an SMS: the code and whose portal it is for.
    let body = match purpose {
        CodePurpose::Enroll => {
            format!("Uw registratiecode voor het {portal} is {}. Deel deze code met niemand.", code.code)
        }
        CodePurpose::Sign => format!(
            "{} is uw bevestigingscode voor het {portal}. Vul hem in om uw keuze te bevestigen. Deel deze code met niemand.",
            code.message_form()
        ),
        CodePurpose::Login => {
            format!("{} is uw inlogcode voor het {portal}. Deel deze code met niemand.", code.message_form())
        }
    };
    store
        .create_code(
            tenant.id,
            &NewCode {
                id: uuid::Uuid::new_v4(),
                account: account.id,
                purpose,
                code_hash: OneTimeCode::hash_bound(&state.settings.keys.codes, &code.code, binding),
                prefix: code.prefix.clone(),
                phone: phone.to_owned(),
                session_hash: session_hash.to_owned(),
                expires_at: now + chrono::Duration::minutes(CODE_VALID_MINUTES),
            },
        )
        .await?;
    careportal_delivery::enqueue_sms(store, &state.settings.keys.secret_box, tenant.id, phone, &body)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    crate::state::send_now(state, tenant);
    Ok(Sent::Yes { prefix: code.prefix })
}

/// The prefix of the code this session is waiting for, if any.
pub(crate) async fn pending_prefix(
    state: &AppState,
    tenant: &CurrentTenant,
    session_hash: &str,
    purpose: CodePurpose,
) -> Result<Option<String>, AppError> {
    Ok(state.store.current_code(tenant.id, session_hash, purpose).await?.map(|c| c.prefix))
}

pub(crate) async fn check_code(
    state: &AppState,
    tenant: &CurrentTenant,
    session_hash: &str,
    purpose: CodePurpose,
    typed: &str,
) -> Result<Checked, AppError> {
    check_bound_code(state, tenant, session_hash, purpose, typed, "").await
}

/// Checks a code sent with [`send_bound_code`] against the same binding.
pub(crate) async fn check_bound_code(
    state: &AppState,
    tenant: &CurrentTenant,
    session_hash: &str,
    purpose: CodePurpose,
    typed: &str,
    binding: &str,
) -> Result<Checked, AppError> {
    let Some(code) = state.store.current_code(tenant.id, session_hash, purpose).await? else {
        return Ok(Checked::Gone);
    };
    // The try is taken before the comparison, so a burst of parallel guesses gets no more
    // comparisons than the code has tries.
    if !state.store.take_code_try(tenant.id, code.id).await? {
        return Ok(Checked::Gone);
    }
    // People may type the whole "1768-123456"; only the part after the dash counts.
    let typed = typed.rsplit('-').next().unwrap_or(typed);
    if OneTimeCode::matches_bound(&state.settings.keys.codes, typed, binding, &code.code_hash) {
        if state.store.use_code(tenant.id, code.id).await? {
            return Ok(Checked::Right { phone: code.phone });
        }
        return Ok(Checked::Gone);
    }
    state.store.code_failed(tenant.id, code.id).await?;
    Ok(Checked::Wrong)
}
