//! A coordinator keeps a client's prikbord decent: they read it and remove any post (the
//! manual's rule: the author removes their own, the client and the coordinator any).

use super::Staff;
use crate::error::AppError;
use crate::form::Form;
use crate::pages::render;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use careportal_domain::audit::AuditAction;
use careportal_domain::ids::PostId;
use careportal_domain::staff::StaffAction;
use careportal_domain::tenant::Module;
use serde::Serialize;

#[derive(Debug, Serialize)]
struct Line {
    id: String,
    author: String,
    moment: String,
    body: String,
    reply: bool,
}

pub async fn page(staff: Staff, jar: CookieJar, Path(reference): Path<String>) -> Result<Response, AppError> {
    staff.require_for(StaffAction::AnswerMessages, Module::Prikbord).await?;
    let client = staff.client(&reference).await?;
    let posts = staff.state.store.posts(staff.tenant.id, client.id, 300).await?;
    let detail = format!("prikbord als medewerker: {} berichten", posts.len());
    staff.audit_look(AuditAction::RECORD_VIEWED, &client, Module::Prikbord, detail).await?;
    let lines: Vec<Line> = posts
        .iter()
        .map(|p| Line {
            id: p.id.to_string(),
            author: p.author_name.clone(),
            moment: crate::record::moment(p.created_at),
            body: p.body.clone(),
            reply: p.parent.is_some(),
        })
        .collect();
    let (jar, mut context) = staff.context(jar, &format!("Prikbord van {}", client.name.full()));
    context.insert("client", &serde_json::json!({ "reference": client.reference.as_str() }));
    context.insert("lines", &lines);
    render(&staff.state, &staff.tenant, "staff/prikbord.html", &context, StatusCode::OK, jar).await
}

/// Removing needs the confirmation box ticked: no irreversible step without confirmation.
/// Each post's box has a name of its own (`bevestig-<id>`), so the boxes of a page are not
/// one group of checkboxes; `bevestig=ja` is the same confirmation without a page.
pub async fn remove(
    staff: Staff,
    jar: CookieJar,
    Path(reference): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    staff.require_for(StaffAction::AnswerMessages, Module::Prikbord).await?;
    let client = staff.client(&reference).await?;
    let back = format!("/beheer/clienten/{}/prikbord", client.reference);
    let value = |key: &str| crate::form::first(&fields, key).unwrap_or("");
    let bericht = value("bericht");
    let confirmed = value("bevestig") == "ja" || value(&format!("bevestig-{bericht}")) == "ja";
    if !crate::session::csrf_ok(&staff.state, &jar, value("csrf")) || !confirmed {
        return Ok(Redirect::to(&back).into_response());
    }
    let id: PostId = bericht.parse().map_err(|_| AppError::NotFound)?;
    let photos = staff.state.store.delete_post(staff.tenant.id, &staff.origin(), client.id, id).await?;
    for key in photos {
        if let Err(error) = staff.state.blobs.delete(staff.tenant.id, &key).await {
            tracing::warn!(%error, "foto van een verwijderd prikbordbericht bleef staan");
        }
    }
    Ok(Redirect::to(&back).into_response())
}
