//! "Wie heeft mijn dossier bekeken": the client, or their legal representative, sees in plain
//! Dutch who opened which part of the dossier and when, staff by role and name. Contact
//! persons do not: what the client's people do in the dossier is the client's to know.

use super::Care;
use crate::error::AppError;
use crate::pages::render;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;
use careportal_app::logbook::{cursor_text, parse_cursor, visits};
use careportal_domain::audit::AuditAction;
use careportal_domain::tenant::Module;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    voor: Option<String>,
}

/// GET /dossier/inzage
pub async fn page(care: Care, jar: CookieJar, Query(query): Query<PageQuery>) -> Result<Response, AppError> {
    let link = care.require_own_dossier(AuditAction::AUDIT_VIEWED, "inzage").await?;
    let before = query.voor.as_deref().and_then(parse_cursor);
    let tenant = &care.tenant;
    let (lines, next) =
        visits(care.state.store.as_ref(), tenant, &care.origin(), care.signed_in.account.id, link.client.id, before)
            .await?;
    let (jar, mut context) = care.context(jar, Module::Home);
    context.insert("title", "Wie heeft mijn dossier bekeken");
    context.insert("lines", &lines);
    context.insert("earlier", &next.map(cursor_text));
    context.insert("paged", &before.is_some());
    render(&care.state, &care.tenant, "record/visits.html", &context, StatusCode::OK, jar).await
}
