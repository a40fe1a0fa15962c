//! Telling a client's people that someone new has access to the dossier: everyone already
//! linked who uses the portal (has signed in at least once) hears of it by e-mail, so an
//! access nobody asked for is noticed. The e-mail names the newcomer and the relation, never
//! the client or anything of the care.

use crate::InviteError;
use careportal_auth::SecretBox;
use careportal_domain::ClientId;
use careportal_domain::people::{Account, Relation};
use careportal_domain::tenant::Tenant;
use careportal_store::Store;

pub(crate) async fn tell(
    store: &dyn Store,
    secret_box: &SecretBox,
    tenant: &Tenant,
    client: ClientId,
    newcomer: &Account,
    relation: Relation,
) -> Result<(), InviteError> {
    let portal = tenant.config.portal_name();
    let contact = crate::support_contact(tenant);
    for (account, _) in store.client_accounts(tenant.id, client).await? {
        if account.id == newcomer.id {
            continue;
        }
        // Someone invited but never signed in does not use the portal yet.
        if !crate::uses_the_portal(store, tenant, &account).await? {
            continue;
        }
        let body = format!(
            "Beste {name},\n\n\
             In het {portal} heeft iemand nieuw toegang gekregen tot het dossier waar u ook toegang toe \
             hebt: {newcomer} als {label}.\n\n\
             Klopt dit niet? Neem dan contact op met {contact}.\n\n\
             Met vriendelijke groet,\n{org}\n",
            name = account.name.full(),
            newcomer = newcomer.name.full(),
            label = relation.label(),
            org = tenant.config.name,
        );
        let subject = format!("Nieuwe toegang in het {portal}");
        careportal_delivery::enqueue_email(store, secret_box, tenant.id, account.email.as_str(), &subject, &body)
            .await
            .map_err(|e| InviteError::Other(e.to_string()))?;
    }
    Ok(())
}
