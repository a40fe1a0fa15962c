//! The client's network (Salem): Mijn gegevens, the contact persons in alphabetical order,
//! and Beheer instellingen, where the client (or their representative) decides per contact
//! person what they may see and do. A change holds from that person's next page on, on
//! every instance: rights are read from the database for each request.

use super::Care;
use crate::error::AppError;
use crate::form::Form;
use crate::pages::render;
use crate::upload::read_upload;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use careportal_domain::AccountId;
use careportal_domain::people::Relation;
use careportal_domain::rights::{Action, GRANTABLE, Grant};
use careportal_domain::tenant::Module;
use careportal_domain::time::long_date;
use serde::{Deserialize, Serialize};

/// Mijn gegevens: the client's details, with the manual's note that changes go through the
/// care department.
pub async fn my_details(care: Care, jar: CookieJar) -> Result<Response, AppError> {
    let link = care.require(Module::MyDetails, Action::Read).await?.clone();
    care.audit_read(Module::MyDetails, "gegevens").await?;
    let (jar, mut context) = care.context(jar, Module::MyDetails);
    context.insert(
        "details",
        &serde_json::json!({
            "name": link.client.name.full(),
            "reference": link.client.reference.as_str(),
            "born": link.client.birth_date.map(long_date),
        }),
    );
    render(&care.state, &care.tenant, "record/my_details.html", &context, StatusCode::OK, jar).await
}

#[derive(Debug, Serialize)]
struct Person {
    id: String,
    name: String,
    relation: &'static str,
    sort: String,
    photo: Option<String>,
}

async fn people(care: &Care) -> Result<Vec<Person>, AppError> {
    let link = care.current.as_ref().ok_or(AppError::NotFound)?;
    let mut people = Vec::new();
    for (account, relation) in care.state.store.client_accounts(care.tenant.id, link.client.id).await? {
        let photo = care.state.store.account_photo(care.tenant.id, account.id).await?;
        people.push(Person {
            id: account.id.to_string(),
            sort: format!("{} {}", account.name.family, account.name.given).to_lowercase(),
            name: account.name.full(),
            relation: relation.label(),
            photo: photo.map(|_| format!("/contactpersonen/{}/foto", account.id)),
        });
    }
    // "De lijst met contactpersonen wordt alfabetisch weergegeven": by family name.
    people.sort_by(|a, b| a.sort.cmp(&b.sort));
    Ok(people)
}

/// Contactpersonen: everyone with access to this portal, alphabetically.
pub async fn contacts(care: Care, jar: CookieJar, Query(query): Query<ContactsQuery>) -> Result<Response, AppError> {
    care.require(Module::Contacts, Action::Read).await?;
    let saved = query.foto.is_some().then_some(("De foto is opgeslagen.", false));
    contacts_page(&care, jar, saved, StatusCode::OK).await
}

#[derive(Debug, Default, Deserialize)]
pub struct ContactsQuery {
    foto: Option<String>,
}

async fn contacts_page(
    care: &Care,
    jar: CookieJar,
    message: Option<(&str, bool)>,
    status: StatusCode,
) -> Result<Response, AppError> {
    // Every rendering of the list is a read of who is in the client's network.
    let people = people(care).await?;
    care.audit_read(Module::Contacts, format!("{} personen", people.len())).await?;
    let is_client = care.current.as_ref().is_some_and(|l| l.relation == Relation::Client);
    let (jar, mut context) = care.context(jar, Module::Contacts);
    context.insert("people", &people);
    context.insert("is_client", &is_client);
    context.insert("client_name", &care.current.as_ref().map(|l| l.client.name.full()));
    context.insert("message", &message.map(|(m, _)| m));
    context.insert("message_is_error", &message.is_some_and(|(_, e)| e));
    render(&care.state, &care.tenant, "record/contacts.html", &context, status, jar).await
}

/// POST /contactpersonen/foto (multipart): `wie` is "eigen" (one's own photo, anyone) or
/// "client" (the central photo, only the client themself, as the manual says).
pub async fn upload_photo(
    care: Care,
    jar: CookieJar,
    multipart: axum::extract::Multipart,
) -> Result<Response, AppError> {
    let link = care.require(Module::Contacts, Action::Read).await?.clone();
    let upload = read_upload(multipart, "foto").await;
    let (csrf, whose) = (upload.field("csrf"), upload.field("wie"));
    if upload.too_large {
        let message = careportal_documents::PhotoError::TooLarge.to_string();
        return contacts_page(&care, jar, Some((&message, true)), StatusCode::PAYLOAD_TOO_LARGE).await;
    }
    if !crate::session::csrf_ok(&care.state, &jar, csrf) {
        return contacts_page(&care, jar, Some((super::reports::EXPIRED_FORM, true)), StatusCode::FORBIDDEN).await;
    }
    let whose = match whose {
        "eigen" => PhotoOf::Own,
        "client" if link.relation == Relation::Client => PhotoOf::Client(link.client.id),
        _ => return Err(AppError::NotFound),
    };
    if let Err(message) = put_photo(&care, whose, upload.file).await? {
        return contacts_page(&care, jar, Some((&message, true)), StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    Ok(Redirect::to("/contactpersonen?foto=1").into_response())
}

/// Whose photo: the person's own (in the contact list and Mijn profiel), or a client's central
/// photo (Home, the header), which only the client themself sets.
#[derive(Debug, Clone, Copy)]
pub(crate) enum PhotoOf {
    Own,
    Client(careportal_domain::ClientId),
}

/// Cleans an uploaded photo, stores it and points `whose` at it; the photo it replaces is
/// deleted. `Ok(Err(message))` says in Dutch why the file was not taken.
pub(crate) async fn put_photo(care: &Care, whose: PhotoOf, file: Vec<u8>) -> Result<Result<(), String>, AppError> {
    if file.is_empty() {
        return Ok(Err("Kies eerst een foto.".to_owned()));
    }
    let cleaned = match careportal_documents::clean_photo_off_thread(file).await {
        Ok(cleaned) => cleaned,
        Err(problem) => return Ok(Err(problem.to_string())),
    };
    let key = format!("foto/{}.jpg", careportal_domain::ids::DocumentId::new());
    care.state
        .blobs
        .put(care.tenant.id, &key, cleaned, "image/jpeg")
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    set_photo(care, whose, Some(&key)).await?;
    Ok(Ok(()))
}

/// Points `whose` at a stored photo (or at none) and deletes the blob of the one before.
pub(crate) async fn set_photo(care: &Care, whose: PhotoOf, key: Option<&str>) -> Result<(), AppError> {
    let (store, tenant, origin) = (care.state.store.as_ref(), care.tenant.id, care.origin());
    let old = match whose {
        PhotoOf::Client(client) => store.set_client_photo(tenant, &origin, client, key).await?,
        PhotoOf::Own => store.set_account_photo(tenant, &origin, care.signed_in.account.id, key).await?,
    };
    if let Some(old) = old
        && let Err(error) = care.state.blobs.delete(tenant, &old).await
    {
        tracing::warn!(%error, "vervangen foto bleef in de documentopslag staan");
    }
    Ok(())
}

/// GET /contactpersonen/{id}/foto: a person's own photo, for those who see the contact list
/// of a client that person belongs to.
pub async fn person_photo(
    care: Care,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<Response, AppError> {
    let link = care.require(Module::Contacts, Action::Read).await?;
    let account: AccountId = id.parse().map_err(|_| AppError::NotFound)?;
    let linked = care.state.store.client_accounts(care.tenant.id, link.client.id).await?;
    if !linked.iter().any(|(a, _)| a.id == account) {
        return Err(AppError::NotFound);
    }
    let key = care.state.store.account_photo(care.tenant.id, account).await?;
    care.audit_read(Module::Contacts, format!("foto van {account}")).await?;
    super::photo_response(&care, key).await
}

/// GET /foto/client: the client's central photo, for whoever may see their Home (where it
/// is shown), decided by the tenant's rights like every page.
pub async fn client_photo(care: Care, Query(query): Query<super::PhotoQuery>) -> Result<Response, AppError> {
    care.require(Module::Home, Action::Read).await?;
    care.audit_read(Module::Home, "foto van de cliënt").await?;
    super::photo_response_cached(&care, care.client_photo.clone(), query.v.as_deref()).await
}

#[derive(Debug, Serialize)]
struct RightView {
    value: String,
    label: &'static str,
    granted: bool,
}

#[derive(Debug, Serialize)]
struct ContactRights {
    id: String,
    name: String,
    rights: Vec<RightView>,
}

#[derive(Debug, Default, Deserialize)]
pub struct SettingsQuery {
    opgeslagen: Option<String>,
}

/// Beheer instellingen: per contact person, what they may do.
pub async fn settings(care: Care, jar: CookieJar, Query(query): Query<SettingsQuery>) -> Result<Response, AppError> {
    let link = care.require(Module::Settings, Action::Read).await?.clone();
    let offered: Vec<&(Module, Action, &str)> =
        GRANTABLE.iter().filter(|(m, _, _)| care.tenant.config.modules.contains_key(m.key())).collect();
    let mut contacts = Vec::new();
    let mut saved_name = None;
    for (account, relation) in care.state.store.client_accounts(care.tenant.id, link.client.id).await? {
        if relation != Relation::Contact {
            continue;
        }
        let grants = care.state.store.grants(care.tenant.id, link.client.id, account.id).await?;
        if query.opgeslagen.as_deref() == Some(&account.id.to_string()) {
            saved_name = Some(account.name.full());
        }
        contacts.push(ContactRights {
            id: account.id.to_string(),
            name: account.name.full(),
            rights: offered
                .iter()
                .map(|(m, a, label)| RightView {
                    value: format!("{}:{}", m.key(), a.key()),
                    label,
                    granted: grants.iter().any(|g| g.module == *m && g.action == *a),
                })
                .collect(),
        });
    }
    contacts.sort_by(|a, b| a.name.cmp(&b.name));
    care.audit_read(Module::Settings, format!("{} contactpersonen", contacts.len())).await?;
    let (jar, mut context) = care.context(jar, Module::Settings);
    context.insert("contacts", &contacts);
    context.insert(
        "may_change",
        &(care.may(Module::Settings, Action::Write) && care.tenant.config.rights.granted_by_client),
    );
    context.insert("saved", &saved_name);
    render(&care.state, &care.tenant, "record/settings.html", &context, StatusCode::OK, jar).await
}

/// Saves one contact person's rights: exactly the boxes that were ticked.
pub async fn save_settings(
    care: Care,
    jar: CookieJar,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let link = care.require(Module::Settings, Action::Write).await?.clone();
    if !care.tenant.config.rights.granted_by_client {
        return Err(AppError::NotFound);
    }
    let value = |key: &str| crate::form::first(&fields, key).unwrap_or("");
    if !crate::session::csrf_ok(&care.state, &jar, value("csrf")) {
        return Ok(Redirect::to("/instellingen").into_response());
    }
    let account: AccountId = value("contactpersoon").parse().map_err(|_| AppError::NotFound)?;
    // Only a contact person of this client; anyone else is as unknown as a wrong id.
    let linked = care.state.store.client_accounts(care.tenant.id, link.client.id).await?;
    if !linked.iter().any(|(a, r)| a.id == account && *r == Relation::Contact) {
        return Err(AppError::NotFound);
    }
    let mut grants = Vec::new();
    // Each contact person's boxes have a name of their own on the page (`recht-<id>`), so
    // two people's rights are two groups of checkboxes; plain `recht` says the same.
    let own_name = format!("recht-{account}");
    for (_, right) in fields.iter().filter(|(k, _)| k == "recht" || *k == own_name) {
        let Some((module, action)) = right.split_once(':') else { return Err(AppError::NotFound) };
        let (Some(module), Some(action)) = (Module::from_key(module), Action::from_key(action)) else {
            return Err(AppError::NotFound);
        };
        // Only what may be given, for modules the tenant has.
        if !careportal_domain::rights::grantable(module, action)
            || !care.tenant.config.modules.contains_key(module.key())
        {
            return Err(AppError::NotFound);
        }
        grants.push(Grant { module, action });
    }
    care.state.store.set_grants(care.tenant.id, &care.origin(), link.client.id, account, &grants).await?;
    Ok(Redirect::to(&format!("/instellingen?opgeslagen={account}#contactpersoon-{account}")).into_response())
}
