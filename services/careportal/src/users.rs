//! `careportal user invite`, `careportal staff add` and `careportal client list`: accounts for
//! the people around a client and for staff, invited through careportal-accounts the way the
//! tenant chose (a one-time password, or an activation link).

use crate::config::{Config, Mode};
use crate::failure::Failure;
use careportal_accounts::{InviteError, InviteRequest, Invited, Inviter};
use careportal_auth::{PasswordHasher, SecretBox};
use careportal_domain::audit::{AuditAction, Origin};
use careportal_domain::staff::StaffRole;
use careportal_domain::tenant::Tenant;
use careportal_store::Store;

pub struct Invitation {
    pub tenant: String,
    pub email: String,
    pub name: String,
    pub client: String,
    pub relation: String,
    pub phone: Option<String>,
}

fn bad(message: impl Into<String>) -> Failure {
    Failure::Failed(message.into())
}

async fn tenant(store: &dyn Store, slug: &str) -> Result<Tenant, Failure> {
    store.tenant_by_slug(slug).await?.ok_or_else(|| bad(format!("geen tenant met slug \"{slug}\"")))
}

/// Where the person signs in: the first production hostname, or in development
/// `<slug>.localhost` on the configured port.
fn base_url(config: &Config, tenant: &Tenant) -> String {
    match (config.mode, tenant.config.hostnames.first()) {
        (Mode::Production, Some(host)) => format!("https://{host}"),
        _ => format!("http://{}.localhost:{}", tenant.slug, config.listen.port()),
    }
}

/// The inviter for a tenant, from the configuration.
struct Setup {
    tenant: Tenant,
    hasher: PasswordHasher,
    secret_box: SecretBox,
    base_url: String,
}

async fn setup(config: &Config, store: &dyn Store, slug: &str) -> Result<Setup, Failure> {
    let tenant = tenant(store, slug).await?;
    let secret = config.secret_key()?;
    Ok(Setup {
        base_url: base_url(config, &tenant),
        tenant,
        hasher: PasswordHasher::owasp().map_err(|e| bad(e.to_string()))?,
        secret_box: SecretBox::new(secret.bytes()),
    })
}

/// A refusal as the CLI says it: each problem with the flag it is about.
fn refusal(error: InviteError) -> Failure {
    match error {
        InviteError::Refused(problems) => bad(problems
            .iter()
            .map(|p| match p {
                careportal_domain::DomainError::Invalid { field, message } => format!("--{field}: {message}"),
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join("\n")),
        InviteError::Store(e) => Failure::from(e),
        InviteError::Other(m) => bad(m),
    }
}

async fn send_now(config: &Config, store: &dyn Store, setup: &Setup, email: &str) -> Result<(), Failure> {
    // Send now; what fails here the worker sends later.
    let transports = config.transports().await?;
    let now = chrono::Utc::now();
    match careportal_delivery::deliver_due(store, &setup.tenant, &transports, &setup.secret_box, now).await {
        Ok(round) if round.sent > 0 => println!("uitnodiging verstuurd naar {email}"),
        Ok(_) | Err(_) => println!("uitnodiging voor {email} staat klaar; de worker verstuurt hem"),
    }
    Ok(())
}

pub async fn invite(config: &Config, store: &dyn Store, request: &Invitation) -> Result<(), Failure> {
    let setup = setup(config, store, &request.tenant).await?;
    let origin = Origin::system("cli");
    let inviter = Inviter {
        store,
        tenant: &setup.tenant,
        origin: &origin,
        hasher: &setup.hasher,
        secret_box: &setup.secret_box,
        base_url: &setup.base_url,
        now: chrono::Utc::now(),
    };
    let asked = InviteRequest {
        email: request.email.clone(),
        name: request.name.clone(),
        client: request.client.clone(),
        relation: request.relation.clone(),
        phone: request.phone.clone(),
        // The platform operator invites for any client of the tenant.
        within: None,
    };
    match inviter.invite(&asked).await.map_err(refusal)? {
        Invited::Linked { username } => Err(Failure::Failed(format!("{username}: onverwacht een stafrol"))),
        Invited::Asked { username, phone_ignored } => {
            println!(
                "bestaand account {username} is uitgenodigd voor {} als {}; de toegang begint pas als de persoon \
                 die na het inloggen accepteert",
                request.client, request.relation
            );
            if phone_ignored {
                println!(
                    "het mobiele nummer van een bestaand account is niet gewijzigd; dat doet de persoon zelf in Mijn profiel"
                );
            }
            send_now(config, store, &setup, &username).await
        }
        Invited::New { email, .. } => send_now(config, store, &setup, &email).await,
    }
}

/// `careportal staff add`: a tenant administrator or coordinator, invited like anyone else.
pub async fn add_staff(
    config: &Config,
    store: &dyn Store,
    slug: &str,
    email: &str,
    name: &str,
    role: &str,
) -> Result<(), Failure> {
    let role = StaffRole::parse(role).map_err(|e| bad(format!("--role: {e}")))?;
    let setup = setup(config, store, slug).await?;
    let origin = Origin::system("cli");
    let inviter = Inviter {
        store,
        tenant: &setup.tenant,
        origin: &origin,
        hasher: &setup.hasher,
        secret_box: &setup.secret_box,
        base_url: &setup.base_url,
        now: chrono::Utc::now(),
    };
    match inviter.invite_staff(email, name, role).await.map_err(refusal)? {
        Invited::Linked { username } => {
            println!("bestaand account {username} is nu ook {}", role.label());
            Ok(())
        }
        Invited::Asked { .. } => Err(Failure::Usage("een stafrol vraagt geen bevestiging".to_owned())),
        Invited::New { email, .. } => send_now(config, store, &setup, &email).await,
    }
}

pub async fn list_clients(store: &dyn Store, slug: &str) -> Result<(), Failure> {
    let tenant = tenant(store, slug).await?;
    let clients = store.clients(tenant.id).await?;
    // A read of client data like any other: logged before anything is shown.
    let event =
        Origin::system("cli").event(AuditAction::new("client.listed"), None, format!("{} cliënten", clients.len()));
    store.append_audit(tenant.id, &event).await?;
    for client in clients {
        let born = client.birth_date.map(|d| d.to_string()).unwrap_or_default();
        println!("{}\t{}\t{born}", client.reference, client.name.full());
    }
    Ok(())
}
