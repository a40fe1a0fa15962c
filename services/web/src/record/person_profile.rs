//! Persoonsbeeld: the filled-in sections of the client's person profile, as the ECD has them.

use super::Care;
use crate::error::AppError;
use crate::pages::render;
use axum::http::StatusCode;
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;
use careportal_domain::rights::Action;
use careportal_domain::tenant::Module;

pub async fn page(care: Care, jar: CookieJar) -> Result<Response, AppError> {
    let link = care.require(Module::PersonProfile, Action::Read).await?;
    let sections = care.state.store.profile(care.tenant.id, link.client.id).await?;
    care.audit_read(Module::PersonProfile, format!("{} onderdelen", sections.len())).await?;
    let (jar, mut context) = care.context(jar, Module::PersonProfile);
    context.insert("sections", &sections);
    render(&care.state, &care.tenant, "record/person_profile.html", &context, StatusCode::OK, jar).await
}
