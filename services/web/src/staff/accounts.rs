//! Beheer › Accounts (coordinator and administrator): find a person by name or e-mail
//! address, see which clients they reach and as what, and go to that client's Toegang.

use super::Staff;
use crate::error::AppError;
use crate::pages::render;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;
use careportal_domain::audit::AuditAction;
use careportal_domain::staff::StaffAction;
use serde::{Deserialize, Serialize};

/// At most this many people on one page; a longer list asks for more of the name.
const MOST: u32 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    zoek: String,
}

#[derive(Debug, Serialize)]
struct Found {
    name: String,
    username: String,
    clients: Vec<Reach>,
}

#[derive(Debug, Serialize)]
struct Reach {
    name: String,
    reference: String,
    relation: &'static str,
}

/// GET /beheer/accounts?zoek=…
pub async fn page(staff: Staff, jar: CookieJar, Query(query): Query<SearchQuery>) -> Result<Response, AppError> {
    staff.require(StaffAction::ManageAccess).await?;
    let text = query.zoek.trim();
    let (found, error) = if text.is_empty() {
        (None, None)
    } else if text.chars().count() < 2 {
        (None, Some("Typ minstens twee letters van de naam of het e-mailadres."))
    } else {
        let mut found = staff.state.store.search_accounts(staff.tenant.id, text, MOST).await?;
        // A coordinator finds the people of their own clients only, and sees only those links.
        if let Some(caseload) = staff.caseload().await? {
            for (_, links) in &mut found {
                links.retain(|link| caseload.contains(&link.client.id));
            }
            found.retain(|(_, links)| !links.is_empty());
        }
        let event =
            staff.origin().event(AuditAction::new("account.searched"), None, format!("{} gevonden", found.len()));
        staff.state.store.append_audit(staff.tenant.id, &event).await?;
        let rows: Vec<Found> = found
            .iter()
            .map(|(account, links)| Found {
                name: account.name.full(),
                username: account.username.as_str().to_owned(),
                clients: links
                    .iter()
                    .map(|link| Reach {
                        name: link.client.name.full(),
                        reference: link.client.reference.as_str().to_owned(),
                        relation: link.relation.label(),
                    })
                    .collect(),
            })
            .collect();
        (Some(rows), None)
    };
    let (jar, mut context) = staff.context(jar, "Accounts");
    context.insert("zoek", text);
    context.insert("truncated", &found.as_ref().is_some_and(|f| f.len() as u32 >= MOST));
    context.insert("found", &found);
    context.insert("error", &error);
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    render(&staff.state, &staff.tenant, "staff/accounts.html", &context, status, jar).await
}
