//! Beheer: the screens of a tenant's staff. An administrator invites people; a coordinator
//! (Coördinator zorg) also answers the clients' messages and offers care plans for signing.
//! Anyone else gets the same 404 as for an address that does not exist.

pub mod access;
pub mod accounts;
pub mod branding;
pub mod caseload;
pub mod invite;
pub mod logbook;
pub mod members;
pub mod modules;
pub mod plans;
pub mod prikbord;
pub mod sync;
pub mod threads;

use crate::error::AppError;
use crate::pages::UserView;
use crate::pages::form_context;
use crate::request_id::RequestId;
use crate::session::{ClientInfo, SignedIn};
use crate::state::AppState;
use crate::tenant::CurrentTenant;
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use careportal_domain::ClientId;
use careportal_domain::audit::{AuditAction, Origin};
use careportal_domain::people::{Client, ClientReference};
use careportal_domain::staff::{StaffAction, StaffRole, staff_may};
use careportal_domain::tenant::{MessageRecipient, Module, TenantBundle, TenantConfig};
use serde::Serialize;
use tera::Context;

/// A signed-in member of the tenant's staff.
pub struct Staff {
    pub state: AppState,
    pub tenant: CurrentTenant,
    pub request_id: RequestId,
    pub signed_in: SignedIn,
    pub client_info: ClientInfo,
    pub roles: Vec<StaffRole>,
    /// The address people are invited to: this portal's own.
    pub base_url: String,
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let signed_in = SignedIn::from_request_parts(parts, state).await?;
        let tenant = CurrentTenant::from_request_parts(parts, state).await?;
        let request_id = RequestId::from_request_parts(parts, state).await.map_err(IntoResponse::into_response)?;
        let Ok(client_info) = ClientInfo::from_request_parts(parts, state).await;
        let roles = state
            .store
            .staff_roles(tenant.id, signed_in.account.id)
            .await
            .map_err(|e| AppError::from(e).into_response())?;
        if roles.is_empty() {
            let event = client_info
                .origin(signed_in.account.id)
                .refused(AuditAction::ACCESS_REFUSED, None, "geen medewerker")
                .on("beheer");
            state.store.append_audit(tenant.id, &event).await.map_err(|e| AppError::from(e).into_response())?;
            return Err(AppError::NotFound.into_response());
        }
        let base_url = crate::tenant::link_base(state, &tenant, &parts.headers);
        Ok(Staff { state: state.clone(), tenant, request_id, signed_in, client_info, roles, base_url })
    }
}

#[derive(Debug, Serialize)]
struct StaffView {
    roles: Vec<&'static str>,
    may_invite: bool,
    may_manage_access: bool,
    may_manage_tenant: bool,
    may_answer: bool,
    /// Prikbord posts of a client can be removed (the same role answers messages).
    may_moderate: bool,
    may_offer: bool,
    may_sync: bool,
    may_read_audit: bool,
    works_with_clients: bool,
}

impl Staff {
    pub fn may(&self, action: StaffAction) -> bool {
        staff_may(&self.roles, action)
    }

    /// 404 unless one of the roles allows `action`; a refusal is audited.
    pub async fn require(&self, action: StaffAction) -> Result<(), AppError> {
        if self.may(action) {
            return Ok(());
        }
        self.refuse(action.key()).await
    }

    /// As [`Staff::require`], for a part of Beheer that works on `module` of the clients'
    /// portal: where the tenant's clients do not have that part, neither does Beheer.
    pub async fn require_for(&self, action: StaffAction, module: Module) -> Result<(), AppError> {
        if !self.offers(module) {
            return self.refuse(module.key()).await;
        }
        self.require(action).await
    }

    /// Whether the tenant's clients have `module`, as Beheer works on it: the thread with the
    /// care coordinator only where messages reach the coordinator (Salem's clients "kunnen
    /// de zorg geen berichten sturen", so Salem's staff are not offered a thread nobody reads).
    pub fn offers(&self, module: Module) -> bool {
        let on = self.tenant.config.modules.contains_key(module.key());
        match module {
            Module::Messages => on && self.tenant.config.access.reaches(MessageRecipient::Coordinator),
            _ => on,
        }
    }

    /// The audited 404 of a refused part of Beheer.
    async fn refuse(&self, detail: &str) -> Result<(), AppError> {
        let event = self.origin().refused(AuditAction::ACCESS_REFUSED, None, detail).on("beheer");
        self.state.store.append_audit(self.tenant.id, &event).await?;
        Err(AppError::NotFound)
    }

    /// Whether the Cliënten overview is theirs: a privacy officer only reads the log.
    pub fn works_with_clients(&self) -> bool {
        [StaffAction::Invite, StaffAction::AnswerMessages, StaffAction::OfferPlans].iter().any(|a| self.may(*a))
    }

    /// The role this person acts in: the one that allows most of the care work first.
    pub fn role(&self) -> StaffRole {
        [StaffRole::Coordinator, StaffRole::Admin, StaffRole::PrivacyOfficer]
            .into_iter()
            .find(|r| self.roles.contains(r))
            .unwrap_or(StaffRole::Admin)
    }

    pub fn origin(&self) -> Origin {
        self.client_info.origin(self.signed_in.account.id).with_role(self.role().into())
    }

    /// How replies and offers name this person: "Lisa Smit (Coördinator zorg)".
    pub fn signature(&self) -> String {
        let role = self.role();
        format!("{} ({})", self.signed_in.account.name.full(), role.label())
    }

    pub fn context(&self, jar: CookieJar, title: &str) -> (CookieJar, Context) {
        let (jar, mut context) = form_context(&self.state, &self.tenant, &self.request_id, jar);
        context.insert(
            "user",
            &UserView::of(&self.signed_in.account, &self.signed_in.session, &self.tenant, self.state.clock.now()),
        );
        context.insert("is_staff", &true);
        context.insert(
            "staff",
            &StaffView {
                roles: self.roles.iter().map(StaffRole::label).collect(),
                may_invite: self.may(StaffAction::Invite),
                may_manage_access: self.may(StaffAction::ManageAccess),
                may_manage_tenant: self.may(StaffAction::ManageTenant),
                may_answer: self.may(StaffAction::AnswerMessages) && self.offers(Module::Messages),
                may_moderate: self.may(StaffAction::AnswerMessages) && self.offers(Module::Prikbord),
                may_offer: self.may(StaffAction::OfferPlans) && self.offers(Module::CarePlans),
                may_sync: self.may(StaffAction::ManageSync),
                may_read_audit: self.may(StaffAction::ReadAudit),
                works_with_clients: self.works_with_clients(),
            },
        );
        context.insert("title", title);
        (jar, context)
    }

    /// Saves a changed tenant configuration (checked by the caller with `config_problems`)
    /// with the tenant's logo, templates and rights as they are: audited and versioned as
    /// `tenant apply` is, so every instance serves the new version at once.
    pub async fn apply_config(&self, config: TenantConfig) -> Result<(), AppError> {
        self.apply_tenant(config, None).await
    }

    /// As [`Staff::apply_config`], with a new logo (checked by the caller with `check_svg`).
    pub async fn apply_logo(&self, svg: String) -> Result<(), AppError> {
        self.apply_tenant(self.tenant.config.clone(), Some(svg)).await
    }

    async fn apply_tenant(&self, config: TenantConfig, logo: Option<String>) -> Result<(), AppError> {
        let store = &self.state.store;
        let tenant = self.tenant.id;
        let rights =
            store.tenant_rights(tenant).await?.ok_or_else(|| AppError::Internal("geen rechtenmodel".into()))?;
        let logo_svg = match logo {
            Some(svg) => svg,
            None => store.tenant_logo(tenant).await?.unwrap_or_default(),
        };
        let bundle = TenantBundle {
            slug: self.tenant.slug.clone(),
            config,
            logo_svg,
            templates: store.tenant_templates(tenant).await?,
            rights,
        };
        store.apply_tenant(&self.origin(), &bundle).await?;
        Ok(())
    }

    /// Whether every client of the tenant is this person's: an administrator's are; a
    /// Coördinator zorg's are those an administrator assigned to them (their caseload).
    pub fn sees_every_client(&self) -> bool {
        self.roles.contains(&StaffRole::Admin)
    }

    /// The clients this person works with, None for all of the tenant's.
    pub async fn caseload(&self) -> Result<Option<Vec<ClientId>>, AppError> {
        if self.sees_every_client() {
            return Ok(None);
        }
        Ok(Some(self.state.store.caseload(self.tenant.id, self.signed_in.account.id).await?))
    }

    /// The clients this person works with, for a list on a page: a read of client data,
    /// logged.
    pub async fn listed_clients(&self) -> Result<Vec<Client>, AppError> {
        let mut clients = self.state.store.clients(self.tenant.id).await?;
        if let Some(caseload) = self.caseload().await? {
            clients.retain(|client| caseload.contains(&client.id));
        }
        let event = self.origin().event(AuditAction::new("client.listed"), None, format!("{} cliënten", clients.len()));
        self.state.store.append_audit(self.tenant.id, &event).await?;
        Ok(clients)
    }

    /// A look at one client's `module` from Beheer, logged as the record's own pages log a
    /// read: who, the client, the module as object.
    pub async fn audit_look(
        &self,
        action: AuditAction,
        client: &Client,
        module: Module,
        detail: impl Into<String>,
    ) -> Result<(), AppError> {
        let event = self.origin().event(action, Some(client.id), detail).on(module.key());
        self.state.store.append_audit(self.tenant.id, &event).await?;
        Ok(())
    }

    /// A client of this tenant by reference whom this person works with; a 404 for
    /// anything else, and an audited one for another coordinator's client.
    pub async fn client(&self, reference: &str) -> Result<Client, AppError> {
        let reference = ClientReference::parse(reference).map_err(|_| AppError::NotFound)?;
        let client =
            self.state.store.client_by_reference(self.tenant.id, &reference).await?.ok_or(AppError::NotFound)?;
        match self.caseload().await? {
            Some(caseload) if !caseload.contains(&client.id) => {
                let event = self
                    .origin()
                    .refused(AuditAction::ACCESS_REFUSED, Some(client.id), "niet in de caseload")
                    .on("beheer");
                self.state.store.append_audit(self.tenant.id, &event).await?;
                Err(AppError::NotFound)
            }
            _ => Ok(client),
        }
    }
}

#[derive(Debug, Serialize)]
struct ClientRow {
    reference: String,
    name: String,
}

/// GET /beheer: the tenant's clients, with what this person may do for each.
pub async fn overview(staff: Staff, jar: CookieJar) -> Result<Response, AppError> {
    let clients = if staff.works_with_clients() { staff.listed_clients().await? } else { Vec::new() };
    let rows: Vec<ClientRow> =
        clients.iter().map(|c| ClientRow { reference: c.reference.as_str().to_owned(), name: c.name.full() }).collect();
    let (jar, mut context) = staff.context(jar, "Beheer");
    context.insert("clients", &rows);
    context.insert("caseload", &(staff.works_with_clients() && !staff.sees_every_client()));
    crate::pages::render(&staff.state, &staff.tenant, "staff/overview.html", &context, StatusCode::OK, jar).await
}
