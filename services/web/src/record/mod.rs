//! The care record's pages. Every one of them starts from [`Care`]: the signed-in person,
//! the client whose portal is open, and what the tenant's rights model lets this person do
//! there. A module that is off, or a right that is missing, answers 404, the same as an
//! address that does not exist, so nobody learns what they may not see.

pub mod agenda;
pub mod consents;
pub mod documents;
pub mod dossier;
pub mod help;
pub mod measurements;
pub mod messages;
pub mod network;
pub mod person_profile;
pub mod plans;
pub mod prikbord;
pub mod questionnaires;
pub mod reports;
pub mod visits;

use crate::error::AppError;
use crate::pages::UserView;
use crate::pages::form_context;
use crate::request_id::RequestId;
use crate::session::{ClientInfo, SignedIn};
use crate::state::AppState;
use crate::tenant::CurrentTenant;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use careportal_domain::audit::{AuditAction, Origin};
use careportal_domain::people::{ClientLink, Relation};
use careportal_domain::rights::{Action, Rights, Subject};
use careportal_domain::tenant::{MessageRecipient, Module};
use serde::{Deserialize, Serialize};
use tera::Context;

/// The modules that have pages (all of them now), in the manual's order. A module a tenant
/// switches on that is not here stays out of the menu rather than leading to an empty page.
pub const MODULES_WITH_PAGES: [Module; 16] = Module::MENU;

/// A signed-in person in the portal of one client.
pub struct Care {
    pub state: AppState,
    pub tenant: CurrentTenant,
    pub request_id: RequestId,
    pub signed_in: SignedIn,
    pub client_info: ClientInfo,
    pub links: Vec<ClientLink>,
    /// The client whose portal is open; None for an account not linked to anyone.
    pub current: Option<ClientLink>,
    pub rights: Rights,
    /// Facturen shows only for clients who receive invoices.
    pub has_invoices: bool,
    /// A member of staff too: the header offers Beheer.
    pub is_staff: bool,
    /// The blob key of the open client's photo, shown in the header to whoever sees Home.
    pub client_photo: Option<String>,
    /// False when it is known that no invitation waits for this person's answer.
    pub maybe_invited: bool,
}

impl FromRequestParts<AppState> for Care {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let signed_in = SignedIn::from_request_parts(parts, state).await?;
        let tenant = CurrentTenant::from_request_parts(parts, state).await?;
        let request_id = RequestId::from_request_parts(parts, state).await.map_err(IntoResponse::into_response)?;
        let Ok(client_info) = ClientInfo::from_request_parts(parts, state).await;
        Care::load(state.clone(), tenant, request_id, signed_in, client_info).await.map_err(IntoResponse::into_response)
    }
}

impl Care {
    async fn load(
        state: AppState,
        tenant: CurrentTenant,
        request_id: RequestId,
        signed_in: SignedIn,
        client_info: ClientInfo,
    ) -> Result<Care, AppError> {
        // One statement: the links, the open client's photo and invoices, and staff or not.
        let context = state.store.care_context(tenant.id, signed_in.account.id).await?;
        let open = signed_in
            .session
            .client
            .and_then(|chosen| context.links.iter().find(|l| l.link.client.id == chosen))
            .or_else(|| context.links.first())
            .cloned();
        let current = open.as_ref().map(|o| o.link.clone());
        let links: Vec<ClientLink> = context.links.into_iter().map(|l| l.link).collect();
        let rights = match &current {
            Some(link) => {
                let subject =
                    Subject { account: signed_in.account.id, role: link.relation.as_str(), client: link.client.id };
                // A contact person holds what the client gave them, where the tenant lets
                // clients give rights; read fresh for every request, on every instance.
                let grants = if link.relation == Relation::Contact && tenant.config.rights.granted_by_client {
                    state.store.grants(tenant.id, link.client.id, signed_in.account.id).await?
                } else {
                    Vec::new()
                };
                state.rights.rights(state.store.as_ref(), &tenant, subject, &grants).await?
            }
            None => Rights::default(),
        };
        let has_invoices =
            tenant.config.modules.contains_key(Module::Invoices.key()) && open.as_ref().is_some_and(|o| o.has_invoices);
        let (is_staff, maybe_invited) = (context.is_staff, context.maybe_invited);
        let client_photo = open.and_then(|o| o.photo).filter(|_| rights.allows(Module::Home, Action::Read));
        Ok(Care {
            state,
            tenant,
            request_id,
            signed_in,
            client_info,
            links,
            current,
            rights,
            has_invoices,
            is_staff,
            client_photo,
            maybe_invited,
        })
    }

    pub fn module_on(&self, module: Module) -> bool {
        let pages = MODULES_WITH_PAGES.contains(&module) && self.tenant.config.modules.contains_key(module.key());
        match module {
            // The pages here are the thread with the care coordinator; a tenant whose
            // messages reach only contact persons (Salem) gets its own pages with #5.
            Module::Messages => pages && !self.tenant.config.access.messages_to.is_empty(),
            // "Voor cliënten die facturen ontvangen": only where there are invoices.
            Module::Invoices => pages && self.has_invoices,
            _ => pages,
        }
    }

    /// Berichten reach the care coordinator (Siloah).
    pub fn reaches_coordinator(&self) -> bool {
        self.tenant.config.access.reaches(MessageRecipient::Coordinator)
    }

    /// Berichten go between the people of the client's network (Salem's Mijn berichten).
    pub fn reaches_network(&self) -> bool {
        self.tenant.config.access.reaches(MessageRecipient::ContactPersons)
    }

    pub fn may(&self, module: Module, action: Action) -> bool {
        self.current.is_some() && self.module_on(module) && self.rights.allows(module, action)
    }

    /// The open client, when the person may do `action` in `module`; otherwise a 404, and the
    /// refusal in the audit log (NEN 7513 logs what was asked and not given, too).
    pub async fn require(&self, module: Module, action: Action) -> Result<&ClientLink, AppError> {
        match &self.current {
            Some(link) if self.may(module, action) => Ok(link),
            _ => Err(self.refused(AuditAction::ACCESS_REFUSED, module.key(), action.key()).await),
        }
    }

    /// The client themself and a legal representative see who viewed the dossier.
    pub fn may_see_visits(&self, link: &ClientLink) -> bool {
        matches!(link.relation, Relation::Client | Relation::Representative)
    }

    /// The open client, when this person is the client or their legal representative (who
    /// viewed the dossier, the whole dossier as a download); otherwise a 404, and `action`
    /// on `object` in the audit log as refused.
    pub async fn require_own_dossier(&self, action: AuditAction, object: &str) -> Result<ClientLink, AppError> {
        match self.current.clone().filter(|l| self.may_see_visits(l)) {
            Some(link) => Ok(link),
            None => Err(self.refused(action, object, "").await),
        }
    }

    /// Logs what this person asked and did not get; the 404 to answer with (or the error of
    /// a log that could not be written: an access that cannot be logged does not happen).
    async fn refused(&self, action: AuditAction, object: &str, detail: &str) -> AppError {
        let event = self.origin().refused(action, self.current.as_ref().map(|l| l.client.id), detail).on(object);
        match self.state.store.append_audit(self.tenant.id, &event).await {
            Ok(()) => AppError::NotFound,
            Err(error) => error.into(),
        }
    }

    /// The tenant's word for a module.
    pub fn label(&self, module: Module) -> String {
        self.tenant.config.module_label(module)
    }

    /// Who acts, in which role and on whose behalf, from where; the client is named in each
    /// audit entry.
    pub fn origin(&self) -> Origin {
        let origin = self.client_info.origin(self.signed_in.account.id);
        match &self.current {
            Some(link) => origin.in_relation(link.client.id, link.relation),
            None => origin,
        }
    }

    /// Writes a read of the open client's record to the audit log, the module as its object.
    pub async fn audit_read(&self, module: Module, detail: impl Into<String>) -> Result<(), AppError> {
        let Some(link) = &self.current else { return Ok(()) };
        let event = self.origin().event(AuditAction::RECORD_VIEWED, Some(link.client.id), detail).on(module.key());
        self.state.store.append_audit(self.tenant.id, &event).await?;
        Ok(())
    }

    /// The context every care page renders with: the tenant, CSRF, the signed-in person,
    /// the banner with whose record this is, the switch between clients and the menu.
    pub fn context(&self, jar: CookieJar, active: Module) -> (CookieJar, Context) {
        let (jar, mut context) = form_context(&self.state, &self.tenant, &self.request_id, jar);
        context.insert(
            "user",
            &UserView::of(&self.signed_in.account, &self.signed_in.session, &self.tenant, self.state.clock.now()),
        );
        context.insert("is_staff", &self.is_staff);
        // In the tenant's order (Beheer › Onderdelen), else the manual's.
        let menu: Vec<MenuItem> = self
            .tenant
            .modules()
            .into_iter()
            .map(|(m, _)| m)
            .filter(|m| MODULES_WITH_PAGES.contains(m) && self.may(*m, Action::Read))
            .map(|m| MenuItem { label: self.label(m), path: m.path(), active: m == active, pictogram: m.pictogram() })
            .collect();
        let view = self.current.as_ref().map(|link| CareView {
            client_name: link.client.name.full(),
            relation: link.relation.label(),
            acting_for_other: link.relation != Relation::Client,
            may_see_visits: self.may_see_visits(link),
            clients: self
                .links
                .iter()
                .map(|l| ClientChoice {
                    id: l.client.id.to_string(),
                    name: l.client.name.full(),
                    current: l.client.id == link.client.id,
                })
                .collect(),
            menu,
        });
        context.insert("care", &view);
        context.insert("header_client", &self.header_client());
        // "Makkelijk lezen": what this part of the portal is, in a sentence or two.
        context.insert("easy_text", &self.tenant.config.module_easy_text(active));
        context.insert("title", &self.label(active));
        (jar, context)
    }

    /// The client at the top of every page ("de foto van de cliënt met een gele rand"), the
    /// way back to Home: their photo where there is one and this person sees Home, else
    /// their initials.
    fn header_client(&self) -> Option<HeaderClient> {
        let link = self.current.as_ref()?;
        let photo = self.client_photo.as_deref().filter(|_| self.may(Module::Home, Action::Read));
        Some(HeaderClient {
            name: link.client.name.full(),
            initials: link.client.name.initials(),
            photo: photo.map(|key| format!("/foto/client?v={}", photo_version(key))),
        })
    }
}

/// A short fingerprint of a photo's blob key: the photo's address changes with the photo, so
/// the browser may keep one for a while without ever showing an old one.
pub(crate) fn photo_version(key: &str) -> String {
    careportal_documents::sha256_hex(key.as_bytes()).chars().take(16).collect()
}

#[derive(Debug, Serialize)]
struct HeaderClient {
    name: String,
    initials: String,
    photo: Option<String>,
}

#[derive(Debug, Serialize)]
struct MenuItem {
    label: String,
    path: &'static str,
    active: bool,
    /// Shown beside the label in "Makkelijk lezen".
    pictogram: &'static str,
}

#[derive(Debug, Serialize)]
struct ClientChoice {
    id: String,
    name: String,
    current: bool,
}

#[derive(Debug, Serialize)]
struct CareView {
    client_name: String,
    relation: &'static str,
    acting_for_other: bool,
    may_see_visits: bool,
    clients: Vec<ClientChoice>,
    menu: Vec<MenuItem>,
}

#[derive(Debug, Default, Deserialize)]
pub struct SwitchForm {
    #[serde(default)]
    client: String,
    #[serde(default)]
    csrf: String,
}

/// "Wissel van dossier": opens another client's portal in this session, if the account is
/// linked to that client; anything else is a 404.
pub async fn switch_client(
    State(state): State<AppState>,
    care: Care,
    jar: CookieJar,
    crate::form::Form(form): crate::form::Form<SwitchForm>,
) -> Result<Response, AppError> {
    if !crate::session::csrf_ok(&state, &jar, &form.csrf) {
        return Ok(Redirect::to("/home").into_response());
    }
    let chosen = form.client.parse::<careportal_domain::ClientId>().map_err(|_| AppError::NotFound)?;
    let link = care.links.iter().find(|l| l.client.id == chosen).ok_or(AppError::NotFound)?;
    state.store.set_session_client(care.tenant.id, &care.signed_in.session.token_hash, link.client.id).await?;
    let event = care.origin().event(AuditAction::new("client.opened"), Some(link.client.id), link.relation.label());
    state.store.append_audit(care.tenant.id, &event).await?;
    Ok(Redirect::to("/home").into_response())
}

/// A cleaned photo (always a JPEG) from the blob store, streamed; the caller has checked
/// the right to see it. A photo that is not there is a 404.
pub(crate) async fn photo_response(care: &Care, key: Option<String>) -> Result<Response, AppError> {
    photo_response_cached(care, key, None).await
}

/// The version a page put in a photo's address (`?v=`, see [`photo_version`]).
#[derive(Debug, Default, Deserialize)]
pub struct PhotoQuery {
    pub v: Option<String>,
}

/// As [`photo_response`]; when `asked` names this very photo's version, the person's own
/// browser may keep it for a day instead of asking (and logging a read) on every page.
/// Signing out clears the browser's cache of the portal.
pub(crate) async fn photo_response_cached(
    care: &Care,
    key: Option<String>,
    asked: Option<&str>,
) -> Result<Response, AppError> {
    let key = key.ok_or(AppError::NotFound)?;
    let versioned = asked == Some(photo_version(&key).as_str());
    let stream = care.state.blobs.open(care.tenant.id, &key).await.map_err(|e| AppError::Internal(e.to_string()))?;
    let stream = stream.ok_or(AppError::NotFound)?;
    let cache = if versioned { "private, max-age=86400, immutable" } else { "private, no-store" };
    Ok((
        [(axum::http::header::CONTENT_TYPE, "image/jpeg"), (axum::http::header::CACHE_CONTROL, cache)],
        axum::body::Body::from_stream(stream),
    )
        .into_response())
}

pub(crate) use careportal_domain::time::moment;

/// A form's field errors by field name, for the templates.
pub(crate) fn field_errors(problems: &[careportal_domain::DomainError]) -> std::collections::BTreeMap<String, String> {
    let mut errors = std::collections::BTreeMap::new();
    for problem in problems {
        if let careportal_domain::DomainError::Invalid { field, message } = problem {
            errors.entry((*field).to_owned()).or_insert_with(|| message.clone());
        }
    }
    errors
}
