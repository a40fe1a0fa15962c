//! Help (Siloah: "Vragen"): whom to ask about the content, the tenant's support desk and its
//! hours, the tenant's own questions and answers (Salem's FAQ), and the manual and
//! instruction videos.

use super::Care;
use crate::error::AppError;
use crate::pages::render;
use axum::http::StatusCode;
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;
use careportal_domain::rights::Action;
use careportal_domain::tenant::Module;

pub async fn page(care: Care, jar: CookieJar) -> Result<Response, AppError> {
    care.require(Module::Help, Action::Read).await?;
    let (jar, mut context) = care.context(jar, Module::Help);
    context.insert("faq", &care.tenant.config.texts.faq);
    render(&care.state, &care.tenant, "record/help.html", &context, StatusCode::OK, jar).await
}
