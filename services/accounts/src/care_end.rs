//! When a client's care ends and the tenant removes access some time after (Siloah: "Mocht
//! er sprake zijn van een beëindiging van de zorg- en dienstverlening van Siloah, dan wordt
//! het account automatisch na zes weken verwijderd"), the client's people hear of it once,
//! with the day their access stops, so they can keep what they want first. Whether the end
//! date came from Beheer or from the ECD, the worker tells; a changed date is told again.
//! Like every e-mail of the portal, it names no client and nothing of the care beyond this.

use crate::{InviteError, support_contact};
use careportal_auth::SecretBox;
use careportal_domain::tenant::Tenant;
use careportal_domain::time::long_date;
use careportal_store::Store;

/// Tells the people of every client whose care end was not told yet; how many were told.
pub async fn tell_care_ends(store: &dyn Store, secret_box: &SecretBox, tenant: &Tenant) -> Result<u32, InviteError> {
    if tenant.config.access.remove_accounts_days_after_care.is_none() {
        return Ok(0);
    }
    let portal = tenant.config.portal_name();
    let mut told = 0;
    for client in store.care_ends_untold(tenant.id).await? {
        let Some((ended, stops)) = client.care_ended_on.and_then(|e| Some((e, tenant.config.access.access_stops(e)?)))
        else {
            continue;
        };
        if !store.claim_care_end_notice(tenant.id, client.id, ended).await? {
            continue;
        }
        for (account, _) in store.client_accounts(tenant.id, client.id).await? {
            // Someone invited who never signed in has nothing in the portal to keep.
            if !crate::uses_the_portal(store, tenant, &account).await? {
                continue;
            }
            let body = format!(
                "Beste {name},\n\n\
                 Voor een dossier waar u toegang toe hebt in het {portal}, is de zorg beëindigd op {ended}. \
                 Uw toegang tot dat dossier stopt daarom op {stops}.\n\n\
                 Wilt u iets bewaren? Log dan voor die dag in en kies Download mijn dossier.\n\n\
                 Vragen? Neem contact op met {contact}.\n\n\
                 Met vriendelijke groet,\n{org}\n",
                name = account.name.full(),
                ended = long_date(ended),
                stops = long_date(stops),
                contact = support_contact(tenant),
                org = tenant.config.name,
            );
            let subject = format!("Uw toegang tot een dossier in het {portal} stopt op {}", long_date(stops));
            careportal_delivery::enqueue_email(store, secret_box, tenant.id, account.email.as_str(), &subject, &body)
                .await
                .map_err(|e| InviteError::Other(e.to_string()))?;
            told += 1;
        }
    }
    Ok(told)
}
