//! Beheer › Onderdelen (the tenant administrator): which parts the portal has, the name each
//! has in the menu, and their order. Saved as a new version of the tenant, checked by the
//! same rules as `careportal tenant validate`, so every instance serves it at its next
//! request: a part switched off answers 404 at once everywhere.

use super::Staff;
use crate::error::AppError;
use crate::form::Form;
use crate::pages::render;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use careportal_domain::staff::StaffAction;
use careportal_domain::tenant::{Module, ModuleSettings, config_problems};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Parts the portal cannot do without: Home is where a login lands, Help has the contact.
const ALWAYS_ON: [Module; 2] = [Module::Home, Module::Help];
const LABEL_MAX_CHARS: usize = 40;

#[derive(Debug, Serialize)]
struct Row {
    key: &'static str,
    platform_name: &'static str,
    on: bool,
    always_on: bool,
    label: String,
    place: String,
    error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    opgeslagen: Option<String>,
}

/// The form as the tenant is now: every part, on or off, in the menu's order (the parts
/// that are off after those that are on).
fn rows_of(staff: &Staff) -> Vec<Row> {
    let on = staff.tenant.modules();
    let mut rows: Vec<Row> = on
        .iter()
        .enumerate()
        .map(|(at, (module, label))| Row {
            key: module.key(),
            platform_name: module.default_label(),
            on: true,
            always_on: ALWAYS_ON.contains(module),
            label: label.clone(),
            place: (at + 1).to_string(),
            error: None,
        })
        .collect();
    for module in Module::MENU.into_iter().filter(|m| !on.iter().any(|(o, _)| o == m)) {
        rows.push(Row {
            key: module.key(),
            platform_name: module.default_label(),
            on: false,
            always_on: false,
            label: module.default_label().to_owned(),
            place: String::new(),
            error: None,
        });
    }
    rows
}

async fn page_with(
    staff: &Staff,
    jar: CookieJar,
    rows: &[Row],
    notice: Option<&str>,
    general: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let (jar, mut context) = staff.context(jar, "Onderdelen");
    context.insert("rows", rows);
    context.insert("any_error", &rows.iter().any(|r| r.error.is_some()));
    context.insert("notice", &notice);
    context.insert("general", &general);
    context.insert("label_max", &LABEL_MAX_CHARS);
    render(&staff.state, &staff.tenant, "staff/modules.html", &context, status, jar).await
}

/// GET /beheer/onderdelen
pub async fn page(
    staff: Staff,
    jar: CookieJar,
    axum::extract::Query(query): axum::extract::Query<PageQuery>,
) -> Result<Response, AppError> {
    staff.require(StaffAction::ManageTenant).await?;
    let notice = query.opgeslagen.map(|_| "De onderdelen zijn opgeslagen. Het portaal toont ze meteen zo.");
    page_with(&staff, jar, &rows_of(&staff), notice, None, StatusCode::OK).await
}

/// POST /beheer/onderdelen: per part `aan-<key>`, `naam-<key>` and `plaats-<key>`.
pub async fn save(
    staff: Staff,
    jar: CookieJar,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    staff.require(StaffAction::ManageTenant).await?;
    let value = |key: &str| crate::form::first(&fields, key).unwrap_or("").trim().to_owned();
    let mut rows = Vec::new();
    let mut wrong = false;
    for module in Module::MENU {
        let key = module.key();
        let always_on = ALWAYS_ON.contains(&module);
        let on = always_on || value(&format!("aan-{key}")) == "ja";
        let label = value(&format!("naam-{key}"));
        let place = value(&format!("plaats-{key}"));
        let error = if on && (label.is_empty() || label.chars().count() > LABEL_MAX_CHARS) {
            Some(format!("Geef {} een naam van 1 tot {LABEL_MAX_CHARS} tekens.", module.default_label()))
        } else if on && !place.is_empty() && place.parse::<u16>().map_or(true, |p| !(1..=99).contains(&p)) {
            Some("Vul als plaats een getal van 1 tot 99 in, of laat het leeg.".to_owned())
        } else {
            None
        };
        wrong |= error.is_some();
        rows.push(Row { key, platform_name: module.default_label(), on, always_on, label, place, error });
    }
    if !crate::session::csrf_ok(&staff.state, &jar, &value("csrf")) {
        let general = Some(crate::record::reports::EXPIRED_FORM.to_owned());
        return page_with(&staff, jar, &rows, None, general, StatusCode::FORBIDDEN).await;
    }
    if wrong {
        return page_with(&staff, jar, &rows, None, None, StatusCode::UNPROCESSABLE_ENTITY).await;
    }

    // The tenant as it is, with these modules; everything else of the module kept (its
    // Makkelijk lezen text), a name equal to the platform's stored as none.
    let mut config = staff.tenant.config.clone();
    let mut modules = BTreeMap::new();
    for row in rows.iter().filter(|r| r.on) {
        let mut settings: ModuleSettings = config.modules.get(row.key).cloned().unwrap_or_default();
        settings.label = (row.label != row.platform_name).then(|| row.label.clone());
        settings.order = row.place.parse().ok();
        modules.insert(row.key.to_owned(), settings);
    }
    config.modules = modules;
    let problems = config_problems(&config);
    if !problems.is_empty() {
        let general = problems.iter().map(|(key, reason)| format!("{key}: {reason}")).collect::<Vec<_>>().join("; ");
        return page_with(&staff, jar, &rows, None, Some(general), StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    staff.apply_config(config).await?;
    Ok(Redirect::to("/beheer/onderdelen?opgeslagen=1").into_response())
}
