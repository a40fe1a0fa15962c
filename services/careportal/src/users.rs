//! `careportal user invite` and `careportal client list`: accounts for the people around a
//! client, invited the way the tenant chose (a one-time password, or an activation link).

use crate::cli::Failure;
use crate::config::{Config, Mode};
use careportal_auth::{PasswordHasher, SecretBox, Token, codes::one_time_password};
use careportal_domain::audit::{AuditAction, Origin};
use careportal_domain::people::{ClientReference, Email, NewAccount, PersonName, Relation, Username};
use careportal_domain::phone::MobileNumber;
use careportal_domain::tenant::{InvitationStyle, SecondFactorMethod, Tenant};
use careportal_store::{Store, StoreError};

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

pub async fn invite(config: &Config, store: &dyn Store, request: &Invitation) -> Result<(), Failure> {
    let tenant = tenant(store, &request.tenant).await?;
    let email = Email::parse(&request.email).map_err(|e| bad(format!("--email: {e}")))?;
    let username = Username::parse(&request.email).map_err(|e| bad(format!("--email: {e}")))?;
    let name = PersonName::parse_full(&request.name).map_err(|e| bad(format!("--name: {e}")))?;
    let relation = Relation::parse(&request.relation).map_err(|e| bad(format!("--relation: {e}")))?;
    let reference = ClientReference::parse(&request.client).map_err(|e| bad(format!("--client: {e}")))?;
    // A number from the registration form becomes the SMS factor, so the first login asks
    // for a code to it instead of asking for the number; checked before anything is made.
    let phone = match &request.phone {
        None => None,
        Some(_) if !tenant.config.auth.methods.contains(&SecondFactorMethod::Sms) => {
            return Err(bad(format!("--phone: {} biedt geen inloggen met SMS", tenant.config.name)));
        }
        Some(text) => Some(
            MobileNumber::parse(text, &tenant.config.auth.sms_countries)
                .map_err(|problem| bad(format!("--phone: {}", problem.message())))?,
        ),
    };
    let client = store
        .client_by_reference(tenant.id, &reference)
        .await?
        .ok_or_else(|| bad(format!("--client: geen cliënt {reference} bij {}", tenant.slug)))?;

    // The tenant's access rules (Siloah: at most two representatives besides the client).
    let linked = store.client_accounts(tenant.id, client.id).await?;
    if let Some(max) = tenant.config.access.max_representatives {
        let representatives =
            linked.iter().filter(|(a, r)| *r == Relation::Representative && a.username != username).count();
        if relation == Relation::Representative && representatives >= max as usize {
            return Err(bad(format!(
                "{reference} heeft al {representatives} vertegenwoordiger(s); {} staat er hoogstens {max} toe",
                tenant.config.name
            )));
        }
    }
    if relation == Relation::Client && linked.iter().any(|(a, r)| *r == Relation::Client && a.username != username) {
        return Err(bad(format!("{reference} heeft al een eigen account als cliënt")));
    }

    let origin = Origin::system("cli");
    if let Some(existing) = store.account_by_username(tenant.id, &username).await? {
        // One login may serve several clients.
        store.link_account(tenant.id, &origin, existing.id, client.id, relation).await?;
        println!("bestaand account {} gekoppeld aan {reference} als {}", username.as_str(), relation.as_str());
        if phone.is_some() {
            println!(
                "het mobiele nummer van een bestaand account is niet gewijzigd; dat doet de persoon zelf in Mijn profiel"
            );
        }
        return Ok(());
    }
    let account = store
        .create_account(
            tenant.id,
            &origin,
            &NewAccount { username: username.clone(), email: email.clone(), name: name.clone() },
        )
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => bad(format!("gebruikersnaam {} bestaat al", username.as_str())),
            other => Failure::Failed(format!("database: {other}")),
        })?;
    store.link_account(tenant.id, &origin, account.id, client.id, relation).await?;
    if let Some(number) = &phone {
        store.set_sms_factor(tenant.id, &origin, account.id, number.as_str()).await?;
    }
    let second_step = match &phone {
        Some(number) => format!("U krijgt dan een SMS-code op uw mobiele nummer {}", number.masked()),
        None => "U activeert dan eerst een tweede inlogmethode (een Authenticator App of SMS)".to_owned(),
    };

    let secret = config.secret_key()?;
    let secret_box = SecretBox::new(secret.bytes());
    let now = chrono::Utc::now();
    let days = tenant.config.auth.invitation_valid_days;
    let expires = now + chrono::Duration::days(i64::from(days));
    let portal = tenant.config.portal_name();
    let base = base_url(config, &tenant);
    // Only the person's name and how to sign in; never anything about the client's care.
    let (subject, body) = match tenant.config.auth.invitation {
        InvitationStyle::OneTimePassword => {
            let password = one_time_password();
            let hasher = PasswordHasher::owasp().map_err(|e| bad(e.to_string()))?;
            let hash = hasher.hash(&password).await.map_err(|e| bad(e.to_string()))?;
            store.set_password(tenant.id, &origin, account.id, &hash, true, Some(expires)).await?;
            (
                format!("Uw account voor het {portal}"),
                format!(
                    "Beste {full},\n\n\
                     Er is een account voor u aangemaakt voor het {portal}.\n\n\
                     Gebruikersnaam: {user}\n\
                     Eenmalig wachtwoord: {password}\n\n\
                     Dit wachtwoord is {days} dagen geldig. Log in op {base}/inloggen. {second_step} en kiest \
                     daarna een eigen wachtwoord.\n\n\
                     Met vriendelijke groet,\n{org}\n",
                    full = name.full(),
                    user = username.as_str(),
                    org = tenant.config.name,
                ),
            )
        }
        InvitationStyle::ActivationLink => {
            let token = Token::generate();
            store.create_password_reset(tenant.id, account.id, &token.hash, expires).await?;
            (
                format!("Uw account voor het {portal}"),
                format!(
                    "Beste {full},\n\n\
                     Er is een account voor u aangemaakt voor het {portal}. Uw gebruikersnaam is {user}.\n\n\
                     Kies uw wachtwoord via deze link:\n\n{base}/wachtwoord-herstellen/{token}\n\n\
                     De link werkt één keer en is {days} dagen geldig. Daarna logt u in op {base}/inloggen.\n\n\
                     Met vriendelijke groet,\n{org}\n",
                    full = name.full(),
                    user = username.as_str(),
                    token = token.plain,
                    org = tenant.config.name,
                ),
            )
        }
    };
    careportal_delivery::enqueue_email(store, &secret_box, tenant.id, email.as_str(), &subject, &body)
        .await
        .map_err(|e| bad(e.to_string()))?;
    let event = origin.event(AuditAction::new("account.invited"), Some(client.id), format!("account {}", account.id));
    store.append_audit(tenant.id, &event).await?;

    // Send now; what fails here the worker sends later.
    let transports = config.transports().await?;
    match careportal_delivery::deliver_due(store, &tenant, &transports, &secret_box, now).await {
        Ok(round) if round.sent > 0 => println!("uitnodiging verstuurd naar {}", email.as_str()),
        Ok(_) | Err(_) => println!("uitnodiging voor {} staat klaar; de worker verstuurt hem", email.as_str()),
    }
    Ok(())
}

pub async fn list_clients(store: &dyn Store, slug: &str) -> Result<(), Failure> {
    let tenant = tenant(store, slug).await?;
    for client in store.clients(tenant.id).await? {
        let born = client.birth_date.map(|d| d.to_string()).unwrap_or_default();
        println!("{}\t{}\t{born}", client.reference, client.name.full());
    }
    Ok(())
}
