//! Begeleidingsplanafdrukken and Ondertekenen. A coordinator (or the sync) offers a print;
//! the person reads it, chooses Ondertekenen or Afkeuren, gets a Bevestigingscode by SMS
//! (or types one from their authenticator app) and confirms with Ok; Annuleer leaves the
//! plan open. The code is bound to the plan, the SHA-256 of the exact print that was shown
//! and the choice, so a print that changed in the meantime cannot be signed with it. The
//! evidence of each decision is kept, and the Handtekeningenblad is drawn from it.

use super::documents::{DocumentView, PeriodLink, pdf_response, period_links};
use super::reports::{EXPIRED_FORM, author_name};
use super::{Care, field_errors};
use crate::error::AppError;
use crate::form::Form;
use crate::pages::render;
use crate::sms::{Checked, Sent, check_bound_code, send_bound_code};
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use careportal_documents::TextDocument;
use careportal_domain::DomainError;
use careportal_domain::ids::CarePlanId;
use careportal_domain::phone::mask_e164;
use careportal_domain::record::documents::{CarePlan, PlanDecision, PlanStatus, rejection_reason};
use careportal_domain::rights::Action;
use careportal_domain::signin::CodePurpose;
use careportal_domain::tenant::Module;
use careportal_domain::time::{Period, clock_time, local_date, long_date};
use careportal_store::StoreError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize)]
struct PlanView {
    id: String,
    heading: String,
    decided: Option<String>,
    rejected: bool,
    print: String,
    sheet: Option<String>,
    sign: Option<String>,
}

impl PlanView {
    fn of(plan: &CarePlan) -> Self {
        let decided = plan.decision.as_ref().map(|d| {
            let day = long_date(local_date(d.decided_at));
            if d.signed {
                format!("Deze begeleidingsplanafdruk is op {day} ondertekend.")
            } else {
                format!("Deze begeleidingsplanafdruk is op {day} afgekeurd.")
            }
        });
        Self {
            id: plan.id.to_string(),
            heading: format!("Begeleidingsplanafdruk van {}", long_date(plan.plan_date)),
            decided,
            rejected: plan.status == PlanStatus::Rejected,
            print: format!("/documenten/{}", plan.document),
            sheet: plan.decision.as_ref().map(|_| format!("/begeleidingsplannen/{}/handtekeningenblad", plan.id)),
            sign: (plan.status == PlanStatus::Offered)
                .then(|| format!("/begeleidingsplannen/{}/ondertekenen", plan.id)),
        }
    }
}

/// The plans waiting for this person's decision (for the home page).
pub(crate) async fn waiting(care: &Care) -> Result<Vec<String>, AppError> {
    let Some(link) = care.current.as_ref().filter(|_| care.may(Module::CarePlans, Action::Sign)) else {
        return Ok(Vec::new());
    };
    let plans = care.state.store.care_plans(care.tenant.id, link.client.id).await?;
    Ok(plans
        .iter()
        .filter(|p| p.status == PlanStatus::Offered)
        .map(|p| format!("/begeleidingsplannen/{}/ondertekenen", p.id))
        .collect())
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    periode: Option<String>,
}

/// Begeleidingsplanafdrukken: what waits for a decision, and the latest signed print.
pub async fn latest(care: Care, jar: CookieJar) -> Result<Response, AppError> {
    let link = care.require(Module::CarePlans, Action::Read).await?;
    let plans = care.state.store.care_plans(care.tenant.id, link.client.id).await?;
    care.audit_read(Module::CarePlans, format!("{} afdrukken", plans.len())).await?;
    let may_sign = care.may(Module::CarePlans, Action::Sign);
    let offered: Vec<PlanView> = plans.iter().filter(|p| p.status == PlanStatus::Offered).map(PlanView::of).collect();
    let signed: Vec<PlanView> =
        plans.iter().find(|p| p.status == PlanStatus::Signed).map(PlanView::of).into_iter().collect();
    let (jar, mut context) = care.context(jar, Module::CarePlans);
    context.insert("offered", &offered);
    context.insert("signed", &signed);
    context.insert("may_sign", &may_sign);
    render(&care.state, &care.tenant, "record/plans.html", &context, StatusCode::OK, jar).await
}

/// "Alle begeleidingsplanafdrukken": het laatste jaar, de laatste twee jaar, alle plannen.
pub async fn all(care: Care, jar: CookieJar, Query(query): Query<ListQuery>) -> Result<Response, AppError> {
    let link = care.require(Module::CarePlans, Action::Read).await?;
    let period = match query.periode.as_deref() {
        Some("twee-jaar") => Period::TwoYears,
        Some("alles") => Period::All,
        _ => Period::Year,
    };
    let (since, _) = period.days(local_date(care.state.clock.now()));
    let plans: Vec<CarePlan> = care
        .state
        .store
        .care_plans(care.tenant.id, link.client.id)
        .await?
        .into_iter()
        .filter(|p| p.decision.is_some() && since.is_none_or(|s| p.plan_date >= s))
        .collect();
    care.audit_read(Module::CarePlans, format!("alle ({}): {}", period.key(), plans.len())).await?;
    let periods: Vec<PeriodLink> = period_links(
        &[("jaar", "Laatste jaar"), ("twee-jaar", "Laatste twee jaar"), ("alles", "Allemaal")],
        period.key(),
    );
    let (jar, mut context) = care.context(jar, Module::CarePlans);
    context.insert("title", "Alle begeleidingsplanafdrukken");
    context.insert("periods", &periods);
    context.insert("plans", &plans.iter().map(PlanView::of).collect::<Vec<_>>());
    render(&care.state, &care.tenant, "record/plans_all.html", &context, StatusCode::OK, jar).await
}

/// The Handtekeningenblad: a PDF drawn from the evidence of the decision.
pub async fn signature_sheet(care: Care, Path(id): Path<String>) -> Result<Response, AppError> {
    let link = care.require(Module::CarePlans, Action::Read).await?.clone();
    let id: CarePlanId = id.parse().map_err(|_| AppError::NotFound)?;
    let plan = care.state.store.care_plan(care.tenant.id, link.client.id, id).await?.ok_or(AppError::NotFound)?;
    let decision = plan.decision.as_ref().ok_or(AppError::NotFound)?;
    let mut sheet = TextDocument::new(&care.tenant.config.name, "Handtekeningenblad");
    sheet.meta(&format!("Begeleidingsplanafdruk van {}", long_date(plan.plan_date)));
    sheet.heading("Cliënt");
    sheet.paragraph(&format!("{} ({})", link.client.name.full(), link.client.reference.as_str()));
    sheet.heading(if decision.signed { "Ondertekend" } else { "Afgekeurd" });
    sheet.paragraph(&format!(
        "Door: {}\nOp: {} om {}",
        decision.decided_by,
        long_date(local_date(decision.decided_at)),
        clock_time(decision.decided_at)
    ));
    if let Some(reason) = &decision.reason {
        sheet.paragraph(&format!("Reden voor afwijzing: {reason}"));
    }
    sheet.heading("Bevestiging");
    let method = match (decision.method.as_str(), &decision.masked_phone) {
        ("sms", Some(phone)) => format!("Bevestigingscode per SMS naar {phone}"),
        ("totp", _) => "Code uit de Authenticator App".to_owned(),
        ("papier", _) => "Op papier ondertekend, vastgelegd in het ECD".to_owned(),
        (other, _) => other.to_owned(),
    };
    sheet.paragraph(&method);
    if let Some(ip) = &decision.ip {
        sheet.paragraph(&format!("IP-adres: {ip}"));
    }
    if let Some(agent) = &decision.user_agent {
        sheet.paragraph(&format!("Browser: {agent}"));
    }
    sheet.heading("Het getoonde document");
    sheet.paragraph(&format!("SHA-256 van de begeleidingsplanafdruk: {}", decision.document_sha256));
    let bytes = sheet.render();
    let event = care
        .origin()
        .event(
            careportal_domain::audit::AuditAction::new("document.downloaded"),
            Some(link.client.id),
            format!("handtekeningenblad {}", plan.id),
        )
        .on(careportal_domain::tenant::Module::CarePlans.key());
    care.state.store.append_audit(care.tenant.id, &event).await?;
    Ok(pdf_response(bytes, &format!("handtekeningenblad-{}.pdf", plan.plan_date)))
}

#[derive(Debug, Default, Serialize)]
struct SignView {
    plan: Option<PlanView>,
    document: Option<DocumentView>,
    /// ondertekenen | afkeuren, once chosen.
    choice: Option<String>,
    /// The code went by SMS; its first four digits.
    sms_prefix: Option<String>,
    /// SHA-256 of the print as shown when the code was asked.
    shown: String,
    reason: String,
    message: Option<String>,
}

async fn sign_page(
    care: &Care,
    jar: CookieJar,
    plan: &CarePlan,
    mut view: SignView,
    problems: &[DomainError],
    status: StatusCode,
) -> Result<Response, AppError> {
    let client = plan.client;
    let document = care.state.store.document(care.tenant.id, client, plan.document).await?.ok_or(AppError::NotFound)?;
    view.plan = Some(PlanView::of(plan));
    view.document = Some(DocumentView::of(&document));
    if view.shown.is_empty() {
        view.shown = document.sha256.clone();
    }
    let (jar, mut context) = care.context(jar, Module::CarePlans);
    context.insert("title", "Ondertekenen van begeleidingsplanafdruk");
    context.insert("sign", &view);
    context.insert("phone_offer", &care.tenant.config.auth.offers(careportal_domain::tenant::SecondFactorMethod::Sms));
    context.insert("errors", &field_errors(problems));
    render(&care.state, &care.tenant, "record/plan_sign.html", &context, status, jar).await
}

async fn offered_plan(care: &Care, id: &str) -> Result<Result<CarePlan, Response>, AppError> {
    let link = care.require(Module::CarePlans, Action::Sign).await?;
    let id: CarePlanId = id.parse().map_err(|_| AppError::NotFound)?;
    let plan = care.state.store.care_plan(care.tenant.id, link.client.id, id).await?.ok_or(AppError::NotFound)?;
    if plan.status != PlanStatus::Offered {
        return Ok(Err(Redirect::to("/begeleidingsplannen").into_response()));
    }
    Ok(Ok(plan))
}

/// GET: the plan, a link to read it, and the two choices.
pub async fn sign_form(care: Care, jar: CookieJar, Path(id): Path<String>) -> Result<Response, AppError> {
    let plan = match offered_plan(&care, &id).await? {
        Ok(plan) => plan,
        Err(redirect) => return Ok(redirect),
    };
    care.audit_read(Module::CarePlans, format!("ondertekenen {}", plan.id)).await?;
    sign_page(&care, jar, &plan, SignView::default(), &[], StatusCode::OK).await
}

#[derive(Debug, Default, Deserialize)]
pub struct SignForm {
    /// kies (ask for a code) | bevestig (confirm with it)
    #[serde(default)]
    stap: String,
    #[serde(default)]
    keuze: String,
    #[serde(default)]
    bevestigingscode: String,
    #[serde(default)]
    reden: String,
    #[serde(default)]
    afdruk: String,
    #[serde(default)]
    csrf: String,
}

/// What a code confirms: this plan, this exact print, this choice.
fn binding(plan: &CarePlan, sha256: &str, choice: &str) -> String {
    format!("|{}|{sha256}|{choice}", plan.id)
}

pub async fn sign(
    care: Care,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(form): Form<SignForm>,
) -> Result<Response, AppError> {
    let plan = match offered_plan(&care, &id).await? {
        Ok(plan) => plan,
        Err(redirect) => return Ok(redirect),
    };
    let link = care.current.clone().ok_or(AppError::NotFound)?;
    let choice = match form.keuze.as_str() {
        "ondertekenen" | "afkeuren" => form.keuze.clone(),
        _ => return sign_page(&care, jar, &plan, SignView::default(), &[], StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let mut view = SignView {
        choice: Some(choice.clone()),
        reason: form.reden.clone(),
        shown: form.afdruk.clone(),
        ..Default::default()
    };
    if !crate::session::csrf_ok(&care.state, &jar, &form.csrf) {
        view.message = Some(EXPIRED_FORM.to_owned());
        return sign_page(&care, jar, &plan, view, &[], StatusCode::FORBIDDEN).await;
    }
    let document =
        care.state.store.document(care.tenant.id, link.client.id, plan.document).await?.ok_or(AppError::NotFound)?;
    let bound = binding(&plan, &document.sha256, &choice);
    let session = &care.signed_in.session.token_hash;
    let factor = care.state.store.second_factor(care.tenant.id, care.signed_in.account.id).await?;
    // "Vervolgens krijgt u een sms-code": to the registered mobile number, also for people
    // whose login factor is the app and who gave one in Mijn profiel; otherwise the app's code.
    let sms_phone = factor.as_ref().and_then(|f| f.phone.clone());

    if form.stap != "bevestig" {
        // Ondertekenen or Afkeuren chosen: send the Bevestigingscode.
        view.shown = document.sha256.clone();
        if let Some(phone) = &sms_phone {
            match send_bound_code(
                &care.state,
                &care.tenant,
                session,
                &care.signed_in.account,
                phone,
                CodePurpose::Sign,
                &bound,
            )
            .await?
            {
                Sent::Yes { prefix } => view.sms_prefix = Some(prefix),
                Sent::Limited(message) => view.message = Some(message.to_owned()),
            }
        }
        return sign_page(&care, jar, &plan, view, &[], StatusCode::OK).await;
    }

    // Confirming. The print must still be the one that was shown.
    if !form.afdruk.is_empty() && form.afdruk != document.sha256 {
        view.shown = document.sha256.clone();
        view.message = Some(
            "Het begeleidingsplan is gewijzigd nadat u de code aanvroeg. Lees de nieuwe versie en vraag een nieuwe code aan."
                .to_owned(),
        );
        view.choice = None;
        return sign_page(&care, jar, &plan, view, &[], StatusCode::CONFLICT).await;
    }
    view.sms_prefix = match &sms_phone {
        Some(_) => crate::sms::pending_prefix(&care.state, &care.tenant, session, CodePurpose::Sign).await?,
        None => None,
    };
    let mut problems = Vec::new();
    let reason =
        if choice == "afkeuren" { rejection_reason(&form.reden).map_err(|p| problems.push(p)).ok() } else { None };
    if form.bevestigingscode.trim().is_empty() {
        problems.push(DomainError::invalid("bevestigingscode", "Vul de bevestigingscode in."));
    }
    if !problems.is_empty() {
        // The code is not checked (nor used up) until the rest of the form is right.
        return sign_page(&care, jar, &plan, view, &problems, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let account = &care.signed_in.account;
    if !crate::signin::step_up_allowed(&care.state, &care.tenant, account).await? {
        return Ok(Redirect::to("/inloggen").into_response());
    }
    let origin = care.origin();
    let wrong_code =
        |reason: &'static str| crate::signin::count_failure(&care.state, &care.tenant, account, &origin, reason);
    let (method, masked_phone) = match &sms_phone {
        Some(_) => {
            match check_bound_code(
                &care.state,
                &care.tenant,
                session,
                CodePurpose::Sign,
                &form.bevestigingscode,
                &bound,
            )
            .await?
            {
                Checked::Right { phone } => ("sms", Some(mask_e164(&phone))),
                Checked::Wrong => {
                    if wrong_code("bevestigingscode onjuist").await? {
                        return Ok(Redirect::to("/inloggen").into_response());
                    }
                    let problem =
                        DomainError::invalid("bevestigingscode", "Deze code klopt niet. Kijk de SMS nog eens na.");
                    return sign_page(&care, jar, &plan, view, &[problem], StatusCode::UNPROCESSABLE_ENTITY).await;
                }
                Checked::Gone => {
                    view.sms_prefix = None;
                    let problem = DomainError::invalid(
                        "bevestigingscode",
                        "Deze code is verlopen of al gebruikt. Vraag met de knop hieronder een nieuwe code aan.",
                    );
                    return sign_page(&care, jar, &plan, view, &[problem], StatusCode::UNPROCESSABLE_ENTITY).await;
                }
            }
        }
        None => {
            let right = match &factor {
                Some(f) => {
                    crate::signin::totp_ok(
                        &care.state,
                        &care.tenant,
                        &care.signed_in.account,
                        f,
                        form.bevestigingscode.trim(),
                        &care.origin(),
                    )
                    .await?
                }
                None => false,
            };
            if !right {
                if wrong_code("bevestigingscode onjuist").await? {
                    return Ok(Redirect::to("/inloggen").into_response());
                }
                let problem = DomainError::invalid(
                    "bevestigingscode",
                    "Deze code klopt niet. Vul de code in die uw app nu laat zien.",
                );
                return sign_page(&care, jar, &plan, view, &[problem], StatusCode::UNPROCESSABLE_ENTITY).await;
            }
            ("totp", None)
        }
    };
    let decision = PlanDecision {
        signed: choice == "ondertekenen",
        reason,
        decided_at: care.state.clock.now(),
        account: Some(care.signed_in.account.id),
        decided_by: author_name(&care, link.relation),
        document_sha256: document.sha256.clone(),
        method: method.to_owned(),
        masked_phone,
        ip: care.client_info.ip.clone(),
        user_agent: care.client_info.user_agent.clone(),
    };
    match care.state.store.decide_plan(care.tenant.id, &care.origin(), link.client.id, plan.id, &decision).await {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) => return Ok(Redirect::to("/begeleidingsplannen").into_response()),
        Err(other) => return Err(other.into()),
    }
    let back = if decision.signed { "/home?plan=ondertekend" } else { "/home?plan=afgekeurd" };
    Ok(Redirect::to(back).into_response())
}
