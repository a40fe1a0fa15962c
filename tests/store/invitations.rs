//! Invitations of existing accounts on both databases: they stay inside their tenant, only
//! the invited account answers them, an answer is taken once, an expired one is gone, and
//! neither an invitation nor a second link ever changes a relation the account has.

use super::{apply, new_account, new_client, origin, setup};
use careportal_domain::clock::Clock;
use careportal_domain::people::Relation;
use careportal_tests::{Backend, on_both_backends};

on_both_backends!(invitations_stay_with_their_tenant_and_account_and_never_change_a_relation);

async fn invitations_stay_with_their_tenant_and_account_and_never_change_a_relation(backend: Backend) {
    let s = setup(backend).await;
    let a = apply(s.store.as_ref(), "siloah").await;
    let b = apply(s.store.as_ref(), "salem").await;
    let thomas = s.store.create_client(a, &origin(), &new_client("SIL-1", "Thomas", "Vries")).await.unwrap().id;
    let sanne = s.store.create_client(a, &origin(), &new_client("SIL-2", "Sanne", "Bakker")).await.unwrap().id;
    let ingrid = s.store.create_account(a, &origin(), &new_account("ingrid@example.nl", "Ingrid", "Vries")).await;
    let ingrid = ingrid.unwrap().id;
    let marja = s.store.create_account(b, &origin(), &new_account("marja@example.nl", "Marja", "Jansen")).await;
    let marja = marja.unwrap().id;
    let now = s.clock.now();
    let week = now + chrono::Duration::days(7);

    // Not across tenants, in either direction.
    assert!(s.store.invite_link(b, &origin(), marja, thomas, Relation::Contact, week).await.is_err());
    assert!(s.store.invite_link(a, &origin(), marja, thomas, Relation::Contact, week).await.is_err());
    s.store.invite_link(a, &origin(), ingrid, thomas, Relation::Contact, week).await.unwrap();
    // A second invitation replaces the first.
    s.store.invite_link(a, &origin(), ingrid, thomas, Relation::Representative, week).await.unwrap();
    let waiting = s.store.link_invitations(a, ingrid, now).await.unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!((waiting[0].client.id, waiting[0].relation), (thomas, Relation::Representative));
    assert!(s.store.link_invitations(b, ingrid, now).await.unwrap().is_empty(), "read through salem: nothing");
    let id = waiting[0].id;
    assert!(s.store.answer_link_invitation(b, &origin(), ingrid, id, true, now).await.unwrap().is_none());
    assert!(s.store.answer_link_invitation(a, &origin(), marja, id, true, now).await.unwrap().is_none(), "not hers");
    assert!(s.store.account_links(a, ingrid).await.unwrap().is_empty(), "nothing linked by asking");

    // Expired: not shown, not answerable.
    let later = week + chrono::Duration::seconds(1);
    assert!(s.store.link_invitations(a, ingrid, later).await.unwrap().is_empty());
    assert!(s.store.answer_link_invitation(a, &origin(), ingrid, id, true, later).await.unwrap().is_none());

    // Accepted once: linked as invited; a second answer finds nothing.
    let answered = s.store.answer_link_invitation(a, &origin(), ingrid, id, true, now).await.unwrap().unwrap();
    assert_eq!(answered.client.id, thomas);
    assert!(s.store.answer_link_invitation(a, &origin(), ingrid, id, false, now).await.unwrap().is_none());
    let links = s.store.account_links(a, ingrid).await.unwrap();
    assert_eq!(
        links.iter().map(|l| (l.client.id, l.relation)).collect::<Vec<_>>(),
        [(thomas, Relation::Representative)]
    );

    // A link is never changed by linking again, nor by accepting another invitation.
    assert!(!s.store.link_account(a, &origin(), ingrid, thomas, Relation::Client).await.unwrap());
    s.store.invite_link(a, &origin(), ingrid, thomas, Relation::Client, week).await.unwrap();
    let again = s.store.link_invitations(a, ingrid, now).await.unwrap().remove(0);
    s.store.answer_link_invitation(a, &origin(), ingrid, again.id, true, now).await.unwrap();
    assert_eq!(s.store.account_links(a, ingrid).await.unwrap()[0].relation, Relation::Representative);

    // Declined: gone, and nothing linked.
    s.store.invite_link(a, &origin(), ingrid, sanne, Relation::Contact, week).await.unwrap();
    let to_sanne = s.store.link_invitations(a, ingrid, now).await.unwrap().remove(0);
    s.store.answer_link_invitation(a, &origin(), ingrid, to_sanne.id, false, now).await.unwrap().unwrap();
    assert_eq!(s.store.account_links(a, ingrid).await.unwrap().len(), 1);
    let audit = s.store.audit_of_client(a, sanne, 10).await.unwrap();
    let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
    assert!(actions.contains(&"account.link_invited") && actions.contains(&"account.link_declined"), "{actions:?}");
}
