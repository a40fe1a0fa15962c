//! Beheer › Toegang › Einde zorg: the last day of care where no ECD is connected.

use super::{AccessPage, access_page, access_path, client_for};
use crate::error::AppError;
use crate::form::Form;
use crate::staff::Staff;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use careportal_domain::people::Client;
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct CareEndForm {
    #[serde(default)]
    csrf: String,
    /// The last day of care, dd-mm-jjjj.
    #[serde(default)]
    einde: String,
    /// "ja": the care has no end date (after all).
    #[serde(default)]
    wissen: String,
}

impl CareEndForm {
    pub(super) fn of(client: &Client) -> Self {
        let einde = client.care_ended_on.map(|d| d.format("%d-%m-%Y").to_string()).unwrap_or_default();
        Self { einde, ..Self::default() }
    }
}

/// POST /beheer/clienten/{reference}/toegang/einde-zorg: the last day of care, or none.
/// The worker tells the client's people when their access stops, and ends it then.
pub async fn care_end(
    staff: Staff,
    jar: CookieJar,
    Path(reference): Path<String>,
    Form(form): Form<CareEndForm>,
) -> Result<Response, AppError> {
    let client = client_for(&staff, &reference).await?;
    if staff.tenant.config.sync.ecd().is_some() {
        return Err(AppError::NotFound);
    }
    let ended = if !crate::session::csrf_ok(&staff.state, &jar, &form.csrf) {
        Err(crate::record::reports::EXPIRED_FORM.to_owned())
    } else if form.wissen == "ja" {
        Ok(None)
    } else {
        careportal_domain::time::parse_date("einde", &form.einde).map(Some).map_err(|e| super::message_of(&e))
    };
    let ended = match ended {
        Ok(ended) => ended,
        Err(error) => {
            let people = staff.state.store.client_access(staff.tenant.id, client.id).await?;
            let care_end = CareEndForm { einde: form.einde.clone(), ..CareEndForm::default() };
            let view = AccessPage {
                client: &client,
                people: &people,
                notice: None,
                care_end,
                error: Some(error),
                refusal: None,
            };
            return access_page(&staff, jar, &view, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let changes = careportal_domain::people::ClientChanges {
        name: client.name.clone(),
        birth_date: client.birth_date,
        care_ended_on: ended,
    };
    staff.state.store.update_client(staff.tenant.id, &staff.origin(), client.id, &changes).await?;
    Ok(Redirect::to(&format!("{}?gedaan=einde-zorg", access_path(&client))).into_response())
}
