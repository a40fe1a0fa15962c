//! Inviting people: the one way accounts come into a tenant, whether a tenant administrator
//! or a coordinator does it in the portal or an operator on the command line. The tenant's
//! rules decide (how many representatives, one account per client, which countries for a
//! mobile number) and the tenant's style is used (a one-time password, or a link).
#![forbid(unsafe_code)]

mod care_end;
mod details;
mod existing;
mod network;

pub use care_end::tell_care_ends;
pub use details::{DetailsChanged, DetailsRequest, HOW_MAX_CHARS, change_details, identity_check};
pub use existing::{Answered, answer_invitation};

use careportal_auth::{PasswordHasher, SecretBox, Token, codes::one_time_password};
use careportal_domain::audit::{AuditAction, Origin};
use careportal_domain::people::{Account, Client, ClientReference, Email, NewAccount, PersonName, Relation, Username};
use careportal_domain::phone::MobileNumber;
use careportal_domain::staff::StaffRole;
use careportal_domain::tenant::{InvitationStyle, SecondFactorMethod, Tenant};
use careportal_domain::{AccountId, ClientId, DomainError};
use careportal_store::{Store, StoreError};

/// What was asked, as typed (the form's fields, or the CLI's flags).
#[derive(Debug, Clone, Default)]
pub struct InviteRequest {
    pub email: String,
    pub name: String,
    /// The client's reference.
    pub client: String,
    /// client, representative or contact.
    pub relation: String,
    /// A mobile number from the registration form, if any.
    pub phone: Option<String>,
    /// The clients the inviting person works with (a coordinator's caseload); None for
    /// every client of the tenant. Any other client is answered as one that does not exist.
    pub within: Option<Vec<ClientId>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invited {
    /// A new account; the invitation is in the outbox.
    New { email: String, account: AccountId },
    /// An existing login was asked to accept access to this client; nothing is linked until
    /// the person does, signed in as themselves.
    Asked { username: String, phone_ignored: bool },
    /// An existing login now also has a staff role.
    Linked { username: String },
}

#[derive(Debug, thiserror::Error)]
pub enum InviteError {
    /// Input or a tenant rule: each problem names its field (email, name, client, relation,
    /// phone) and says in Dutch what to do.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Refused(Vec<DomainError>),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Other(String),
}

/// Whether the person has ever signed in: someone invited who never did has nothing in the
/// portal yet, so the notices about a client's dossier are not theirs.
pub(crate) async fn uses_the_portal(store: &dyn Store, tenant: &Tenant, account: &Account) -> Result<bool, StoreError> {
    Ok(store.credentials(tenant.id, account.id).await?.is_some_and(|c| c.last_login_at.is_some()))
}

/// Whom the tenant's people call about the portal: "Servicedesk (088 – 27 54 575)".
pub(crate) fn support_contact(tenant: &Tenant) -> String {
    let support = &tenant.config.support;
    match (&support.phone, &support.email) {
        (Some(phone), _) => format!("{} ({phone})", support.name),
        (None, Some(email)) => format!("{} ({email})", support.name),
        (None, None) => support.name.clone(),
    }
}

fn refused(field: &'static str, message: impl Into<String>) -> InviteError {
    InviteError::Refused(vec![DomainError::invalid(field, message)])
}

/// What inviting needs besides the store.
pub struct Inviter<'a> {
    pub store: &'a dyn Store,
    pub tenant: &'a Tenant,
    pub origin: &'a Origin,
    pub hasher: &'a PasswordHasher,
    pub secret_box: &'a SecretBox,
    /// Where the person signs in, e.g. https://clientportaal.siloah.nl.
    pub base_url: &'a str,
    pub now: chrono::DateTime<chrono::Utc>,
}

impl Inviter<'_> {
    /// Checks everything first, then links or creates the account and queues the e-mail.
    pub async fn invite(&self, request: &InviteRequest) -> Result<Invited, InviteError> {
        let tenant = self.tenant;
        let mut problems = Vec::new();
        let email = Email::parse(&request.email).map_err(|e| problems.push(at("email", e))).ok();
        let username = Username::parse(&request.email).ok();
        let name = PersonName::parse_full(&request.name).map_err(|e| problems.push(at("name", e))).ok();
        let relation = Relation::parse(&request.relation).map_err(|e| problems.push(at("relation", e))).ok();
        let phone = self.phone(request.phone.as_deref()).map_err(|e| problems.push(e)).ok().flatten();
        let client = match ClientReference::parse(&request.client) {
            Ok(reference) => match self.store.client_by_reference(tenant.id, &reference).await? {
                Some(client) if request.within.as_ref().is_none_or(|within| within.contains(&client.id)) => {
                    Some(client)
                }
                _ => {
                    problems.push(DomainError::invalid("client", format!("Er is geen cliënt {reference}.")));
                    None
                }
            },
            Err(e) => {
                problems.push(at("client", e));
                None
            }
        };
        let (Some(email), Some(username), Some(name), Some(relation), Some(client)) =
            (email, username, name, relation, client)
        else {
            return Err(InviteError::Refused(problems));
        };
        if !problems.is_empty() {
            return Err(InviteError::Refused(problems));
        }
        self.check_access_rules(&client, &username, &email, relation).await?;

        if let Some(existing) = self.store.account_by_username(tenant.id, &username).await? {
            // One login may serve several clients, but only the person links it.
            self.ask_existing(&existing, &client, relation).await?;
            return Ok(Invited::Asked { username: username.as_str().to_owned(), phone_ignored: phone.is_some() });
        }
        let account = self.create(&email, &username, &name).await?;
        self.store.link_account(tenant.id, self.origin, account.id, client.id, relation).await?;
        if let Some(number) = &phone {
            self.store.set_sms_factor(tenant.id, self.origin, account.id, number.as_str()).await?;
        }
        self.send_invitation(&account, phone.as_ref()).await?;
        let event =
            self.origin.event(AuditAction::new("account.invited"), Some(client.id), format!("account {}", account.id));
        self.store.append_audit(tenant.id, &event).await?;
        network::tell(self.store, self.secret_box, tenant, client.id, &account, relation).await?;
        Ok(Invited::New { email: email.as_str().to_owned(), account: account.id })
    }

    /// A staff account (a tenant administrator or a coordinator), invited the same way.
    pub async fn invite_staff(&self, email: &str, name: &str, role: StaffRole) -> Result<Invited, InviteError> {
        let parsed_email = Email::parse(email).map_err(|e| InviteError::Refused(vec![at("email", e)]))?;
        let username = Username::parse(email).map_err(|e| InviteError::Refused(vec![at("email", e)]))?;
        let name = PersonName::parse_full(name).map_err(|e| InviteError::Refused(vec![at("name", e)]))?;
        if let Some(existing) = self.store.account_by_username(self.tenant.id, &username).await? {
            self.store.add_staff_role(self.tenant.id, self.origin, existing.id, role).await?;
            return Ok(Invited::Linked { username: username.as_str().to_owned() });
        }
        let account = self.create(&parsed_email, &username, &name).await?;
        self.store.add_staff_role(self.tenant.id, self.origin, account.id, role).await?;
        self.send_invitation(&account, None).await?;
        Ok(Invited::New { email: parsed_email.as_str().to_owned(), account: account.id })
    }

    fn phone(&self, typed: Option<&str>) -> Result<Option<MobileNumber>, DomainError> {
        let Some(text) = typed.map(str::trim).filter(|t| !t.is_empty()) else { return Ok(None) };
        if !self.tenant.config.auth.methods.contains(&SecondFactorMethod::Sms) {
            return Err(DomainError::invalid(
                "phone",
                format!("{} biedt geen inloggen met SMS.", self.tenant.config.name),
            ));
        }
        MobileNumber::parse(text, &self.tenant.config.auth.sms_countries)
            .map(Some)
            .map_err(|problem| DomainError::invalid("phone", problem.message()))
    }

    /// The tenant's access rules (Siloah: at most two representatives besides the client),
    /// and with an ECD connected, its record of who may represent the client.
    pub(crate) async fn check_access_rules(
        &self,
        client: &Client,
        username: &Username,
        email: &Email,
        relation: Relation,
    ) -> Result<(), InviteError> {
        let tenant = self.tenant;
        // The ECD is the source of truth for the client's network: a representative is
        // someone it records as first or second contact person or legal representative,
        // known by this e-mail address (an e-mail address is what the person signs in with;
        // a name alone could be anyone's).
        if relation == Relation::Representative && tenant.config.sync.ecd().is_some() {
            let contacts = self.store.ecd_contacts(tenant.id, client.id).await?;
            // A read of the client's network as the ECD records it: logged like any other.
            let event = self
                .origin
                .event(AuditAction::RECORD_VIEWED, Some(client.id), format!("{} ECD-contactpersonen", contacts.len()))
                .on("network");
            self.store.append_audit(tenant.id, &event).await?;
            let address = email.as_str().to_lowercase();
            let known = contacts.iter().any(|c| c.may_represent() && c.email.as_deref() == Some(address.as_str()));
            if !known {
                return Err(refused(
                    "email",
                    format!(
                        "Volgens het ECD is {} geen eerste of tweede contactpersoon of wettelijk \
                         vertegenwoordiger van {}. Leg deze persoon met dit e-mailadres eerst zo vast in het \
                         ECD en nodig daarna opnieuw uit (na de volgende synchronisatie van het netwerk).",
                        email.as_str(),
                        client.reference
                    ),
                ));
            }
        }
        let linked = self.store.client_accounts(tenant.id, client.id).await?;
        if let Some(max) = tenant.config.access.max_representatives {
            let representatives =
                linked.iter().filter(|(a, r)| *r == Relation::Representative && &a.username != username).count();
            if relation == Relation::Representative && representatives >= max as usize {
                return Err(refused(
                    "relation",
                    format!(
                        "{} heeft al {representatives} vertegenwoordiger(s); {} staat er hoogstens {max} toe.",
                        client.reference, tenant.config.name
                    ),
                ));
            }
        }
        if relation == Relation::Client && linked.iter().any(|(a, r)| *r == Relation::Client && &a.username != username)
        {
            return Err(refused("relation", format!("{} heeft al een eigen account als cliënt.", client.reference)));
        }
        Ok(())
    }

    async fn create(&self, email: &Email, username: &Username, name: &PersonName) -> Result<Account, InviteError> {
        let new = NewAccount { username: username.clone(), email: email.clone(), name: name.clone() };
        self.store.create_account(self.tenant.id, self.origin, &new).await.map_err(|e| match e {
            StoreError::Conflict(_) => refused("email", format!("De gebruikersnaam {} bestaat al.", username.as_str())),
            other => InviteError::Store(other),
        })
    }

    /// Sends the invitation again (Beheer › Toegang), for a person who never signed in: a
    /// new one-time password or link, the old one no longer works. Someone who has signed in
    /// uses "Wachtwoord vergeten?" instead.
    pub async fn resend(&self, account: &Account) -> Result<(), InviteError> {
        let tenant = self.tenant;
        if uses_the_portal(self.store, tenant, account).await? {
            return Err(refused(
                "account",
                format!(
                    "{} heeft al eens ingelogd. Een nieuw wachtwoord kiest de persoon zelf met 'Wachtwoord vergeten?'.",
                    account.name.full()
                ),
            ));
        }
        // The number the invitation preset, if any, so the mail says where the code comes.
        let factor = self.store.second_factor(tenant.id, account.id).await?;
        let phone =
            factor.and_then(|f| f.phone).and_then(|p| MobileNumber::parse(&p, &tenant.config.auth.sms_countries).ok());
        self.send_invitation(account, phone.as_ref()).await?;
        let event =
            self.origin.event(AuditAction::new("account.invitation_resent"), None, format!("account {}", account.id));
        self.store.append_audit(tenant.id, &event).await?;
        Ok(())
    }

    /// Queues the invitation e-mail in the tenant's style. Only the person's name and how to
    /// sign in; never anything about the client's care.
    async fn send_invitation(&self, account: &Account, phone: Option<&MobileNumber>) -> Result<(), InviteError> {
        let tenant = self.tenant;
        let days = tenant.config.auth.invitation_valid_days;
        let expires = self.now + chrono::Duration::days(i64::from(days));
        let portal = tenant.config.portal_name();
        let base = self.base_url;
        let (full, user, org) = (account.name.full(), account.username.as_str().to_owned(), tenant.config.name.clone());
        let second_step = match phone {
            Some(number) => format!("U krijgt dan een SMS-code op uw mobiele nummer {}", number.masked()),
            None => "U activeert dan eerst een tweede inlogmethode (een Authenticator App of SMS)".to_owned(),
        };
        let body = match tenant.config.auth.invitation {
            InvitationStyle::OneTimePassword => {
                let password = one_time_password();
                let hash = self.hasher.hash(&password).await.map_err(|e| InviteError::Other(e.to_string()))?;
                self.store.set_password(tenant.id, self.origin, account.id, &hash, true, Some(expires)).await?;
                format!(
                    "Beste {full},\n\n\
                     Er is een account voor u aangemaakt voor het {portal}.\n\n\
                     Gebruikersnaam: {user}\n\
                     Eenmalig wachtwoord: {password}\n\n\
                     Dit wachtwoord is {days} dagen geldig. Log in op {base}/inloggen. {second_step} en kiest \
                     daarna een eigen wachtwoord.\n\n\
                     Met vriendelijke groet,\n{org}\n"
                )
            }
            InvitationStyle::ActivationLink => {
                let token = Token::generate();
                self.store.create_password_reset(tenant.id, account.id, &token.hash, expires).await?;
                format!(
                    "Beste {full},\n\n\
                     Er is een account voor u aangemaakt voor het {portal}. Uw gebruikersnaam is {user}.\n\n\
                     Kies uw wachtwoord via deze link:\n\n{base}/wachtwoord-herstellen/{token}\n\n\
                     De link werkt één keer en is {days} dagen geldig. Daarna logt u in op {base}/inloggen.\n\n\
                     Met vriendelijke groet,\n{org}\n",
                    token = token.plain,
                )
            }
        };
        let subject = format!("Uw account voor het {portal}");
        careportal_delivery::enqueue_email(
            self.store,
            self.secret_box,
            tenant.id,
            account.email.as_str(),
            &subject,
            &body,
        )
        .await
        .map_err(|e| InviteError::Other(e.to_string()))?;
        Ok(())
    }
}

/// A problem of a domain parse, under the form's own field name.
pub(crate) fn at(field: &'static str, error: DomainError) -> DomainError {
    match error {
        DomainError::Invalid { message, .. } => DomainError::Invalid { field, message },
        other => DomainError::invalid(field, other.to_string()),
    }
}
