//! An existing account invited to another client. Staff (or an operator) may only ask: the
//! person accepts or declines on their own Home page, signed in with both factors, so no one
//! gives an account access to a dossier alone; nobody can link their own account; and an
//! invitation never changes a relation the account already has.

use crate::{InviteError, Inviter, network, refused};
use careportal_domain::audit::Actor;
use careportal_domain::people::{Account, Client, Relation};
use uuid::Uuid;

/// What the person decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answered {
    pub client: Client,
    pub relation: Relation,
    pub accepted: bool,
}

impl Inviter<'_> {
    /// Asks `existing` to accept access to `client` as `relation`, by e-mail; the
    /// invitation waits on their Home page.
    pub(crate) async fn ask_existing(
        &self,
        existing: &Account,
        client: &Client,
        relation: Relation,
    ) -> Result<(), InviteError> {
        let tenant = self.tenant;
        if self.origin.actor == Actor::Account(existing.id) {
            return Err(refused(
                "email",
                "U kunt uw eigen account niet aan een cliënt koppelen. Vraag dat zo nodig aan een collega.",
            ));
        }
        let linked = self.store.client_accounts(tenant.id, client.id).await?;
        if let Some((_, current)) = linked.iter().find(|(a, _)| a.id == existing.id) {
            return Err(refused(
                "relation",
                format!(
                    "{} heeft al toegang tot {} als {}. Een uitnodiging verandert een bestaande toegang niet.",
                    existing.username.as_str(),
                    client.reference,
                    current.label()
                ),
            ));
        }
        let days = tenant.config.auth.invitation_valid_days;
        let expires = self.now + chrono::Duration::days(i64::from(days));
        self.store.invite_link(tenant.id, self.origin, existing.id, client.id, relation, expires).await?;
        let portal = tenant.config.portal_name();
        let (org, base) = (&tenant.config.name, self.base_url);
        let body = format!(
            "Beste {name},\n\n\
             {org} nodigt u uit om in het {portal} ook toegang te krijgen als {label} van een cliënt.\n\n\
             Log in zoals altijd op {base}/inloggen met uw gebruikersnaam {user}. Op de startpagina \
             accepteert of weigert u de uitnodiging. Zonder uw bevestiging krijgt u geen toegang.\n\n\
             De uitnodiging is {days} dagen geldig. Verwacht u haar niet? Weiger haar dan, of neem contact \
             op met {support}.\n\n\
             Met vriendelijke groet,\n{org}\n",
            name = existing.name.full(),
            label = relation.label(),
            user = existing.username.as_str(),
            support = tenant.config.support.name,
        );
        let subject = format!("Uitnodiging voor het {portal}");
        careportal_delivery::enqueue_email(
            self.store,
            self.secret_box,
            tenant.id,
            existing.email.as_str(),
            &subject,
            &body,
        )
        .await
        .map_err(|e| InviteError::Other(e.to_string()))?;
        Ok(())
    }
}

/// The signed-in `account` answers its invitation. Accepting checks the tenant's access
/// rules again (they may have changed since the invitation) and tells the client's other
/// people who came in. `Ok(None)` when the account has no such invitation waiting.
pub async fn answer_invitation(
    context: &Inviter<'_>,
    account: &Account,
    invitation: Uuid,
    accept: bool,
) -> Result<Option<Answered>, InviteError> {
    let (store, tenant) = (context.store, context.tenant);
    let waiting = store.link_invitations(tenant.id, account.id, context.now).await?;
    let Some(found) = waiting.into_iter().find(|i| i.id == invitation) else { return Ok(None) };
    if accept {
        context.check_access_rules(&found.client, &account.username, &account.email, found.relation).await?;
    }
    let Some(answered) =
        store.answer_link_invitation(tenant.id, context.origin, account.id, invitation, accept, context.now).await?
    else {
        return Ok(None);
    };
    if accept {
        network::tell(store, context.secret_box, tenant, answered.client.id, account, answered.relation).await?;
    }
    Ok(Some(Answered { client: answered.client, relation: answered.relation, accepted: accept }))
}
