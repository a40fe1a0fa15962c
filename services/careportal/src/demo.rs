//! `careportal demo`: the two demo tenants and a handful of clients, contact persons and
//! accounts each, with Dutch names. Running it again changes nothing; each later module
//! adds its own demo data here.

use crate::config::Config;
use crate::failure::Failure;
use careportal_domain::audit::Origin;
use careportal_domain::people::{ClientReference, Email, NewAccount, NewClient, PersonName, Relation, Username};
use careportal_domain::staff::StaffRole;
use careportal_domain::{DomainError, TenantId};
use careportal_store::{Store, StoreError};
use chrono::NaiveDate;

struct DemoPerson {
    username: &'static str,
    given: &'static str,
    prefix: Option<&'static str>,
    family: &'static str,
}

struct DemoClient {
    reference: &'static str,
    given: &'static str,
    prefix: Option<&'static str>,
    family: &'static str,
    born: (i32, u32, u32),
    /// The accounts that act for this client, with their relation.
    accounts: &'static [(&'static str, Relation)],
}

const SILOAH_PEOPLE: &[DemoPerson] = &[
    DemoPerson { username: "thomas.devries@example.nl", given: "Thomas", prefix: Some("de"), family: "Vries" },
    DemoPerson { username: "ingrid.devries@example.nl", given: "Ingrid", prefix: Some("de"), family: "Vries" },
    DemoPerson { username: "pieter.devries@example.nl", given: "Pieter", prefix: Some("de"), family: "Vries" },
    DemoPerson { username: "marco.bakker@example.nl", given: "Marco", prefix: None, family: "Bakker" },
    DemoPerson { username: "fatima.elamrani@example.nl", given: "Fatima", prefix: None, family: "El Amrani" },
    DemoPerson { username: "lisa.smit@example.nl", given: "Lisa", prefix: None, family: "Smit" },
];

const SILOAH_CLIENTS: &[DemoClient] = &[
    DemoClient {
        reference: "SIL-1001",
        given: "Thomas",
        prefix: Some("de"),
        family: "Vries",
        born: (1994, 3, 12),
        accounts: &[
            ("thomas.devries@example.nl", Relation::Client),
            ("ingrid.devries@example.nl", Relation::Representative),
            ("pieter.devries@example.nl", Relation::Representative),
        ],
    },
    // One representative for two clients: one login, a switch between them.
    DemoClient {
        reference: "SIL-1002",
        given: "Sanne",
        prefix: None,
        family: "Bakker",
        born: (2001, 9, 4),
        accounts: &[("marco.bakker@example.nl", Relation::Representative)],
    },
    DemoClient {
        reference: "SIL-1003",
        given: "Daan",
        prefix: None,
        family: "Bakker",
        born: (2004, 1, 23),
        accounts: &[("marco.bakker@example.nl", Relation::Representative)],
    },
    DemoClient {
        reference: "SIL-1004",
        given: "Yusuf",
        prefix: None,
        family: "El Amrani",
        born: (1988, 11, 30),
        accounts: &[("fatima.elamrani@example.nl", Relation::Representative)],
    },
];

const SALEM_PEOPLE: &[DemoPerson] = &[
    DemoPerson { username: "johanna.vandenberg@example.nl", given: "Johanna", prefix: Some("van den"), family: "Berg" },
    DemoPerson { username: "willem.vandenberg@example.nl", given: "Willem", prefix: Some("van den"), family: "Berg" },
    DemoPerson { username: "anneke.visser@example.nl", given: "Anneke", prefix: None, family: "Visser" },
    DemoPerson { username: "kees.visser@example.nl", given: "Kees", prefix: None, family: "Visser" },
    DemoPerson { username: "marja.jansen@example.nl", given: "Marja", prefix: None, family: "Jansen" },
    DemoPerson { username: "erik.mulder@example.nl", given: "Erik", prefix: None, family: "Mulder" },
    DemoPerson { username: "beheer@example.nl", given: "Bea", prefix: None, family: "Heer" },
];

/// Staff: Siloah's Coördinator zorg (with every Siloah client in her caseload) and Salem's
/// tenant administrator.
const STAFF: &[(&str, &str, StaffRole)] =
    &[("siloah", "lisa.smit@example.nl", StaffRole::Coordinator), ("salem", "beheer@example.nl", StaffRole::Admin)];

const SALEM_CLIENTS: &[DemoClient] = &[
    DemoClient {
        reference: "SAL-2001",
        given: "Johanna",
        prefix: Some("van den"),
        family: "Berg",
        born: (1936, 6, 2),
        accounts: &[
            ("johanna.vandenberg@example.nl", Relation::Client),
            ("willem.vandenberg@example.nl", Relation::Contact),
            ("anneke.visser@example.nl", Relation::Contact),
            ("kees.visser@example.nl", Relation::Contact),
        ],
    },
    DemoClient {
        reference: "SAL-2002",
        given: "Hendrik",
        prefix: None,
        family: "Jansen",
        born: (1931, 12, 17),
        accounts: &[("marja.jansen@example.nl", Relation::Contact)],
    },
    DemoClient {
        reference: "SAL-2003",
        given: "Geertruida",
        prefix: None,
        family: "Mulder",
        born: (1940, 4, 8),
        accounts: &[("erik.mulder@example.nl", Relation::Representative)],
    },
];

/// The demo accounts' password (README lists it). It meets both demo tenants' rules.
pub const DEMO_PASSWORD: &str = "Zonnebloem!Tafel7";

pub async fn load(config: &Config, store: &dyn Store, if_empty: bool) -> Result<(), Failure> {
    if if_empty && !store.tenants().await?.is_empty() {
        println!("de database heeft al tenants; demo overgeslagen");
        return Ok(());
    }
    for slug in ["siloah", "salem"] {
        crate::tenants::apply(config, store, &config.tenants_dir.join(slug)).await?;
    }
    let origin = Origin::system("demo");
    let blobs = config.blobs().await?;
    let hasher = careportal_auth::PasswordHasher::owasp().map_err(|e| Failure::Failed(e.to_string()))?;
    let demo_hash = hasher.hash(DEMO_PASSWORD).await.map_err(|e| Failure::Failed(e.to_string()))?;
    for (slug, people, clients) in [("siloah", SILOAH_PEOPLE, SILOAH_CLIENTS), ("salem", SALEM_PEOPLE, SALEM_CLIENTS)] {
        let tenant = store
            .tenant_by_slug(slug)
            .await?
            .ok_or_else(|| Failure::Failed(format!("tenant {slug} ontbreekt na apply")))?;
        load_people(store, tenant.id, &origin, people, clients, &demo_hash)
            .await
            .map_err(|e| Failure::Failed(format!("demo {slug}: {e}")))?;
        for (_, username, role) in STAFF.iter().filter(|(s, _, _)| *s == slug) {
            let username = Username::parse(username).map_err(|e| Failure::Failed(e.to_string()))?;
            if let Some(account) = store.account_by_username(tenant.id, &username).await? {
                store.add_staff_role(tenant.id, &origin, account.id, *role).await?;
                if *role == StaffRole::Coordinator {
                    // The demo's coordinator works with every demo client of the tenant.
                    let all: Vec<_> = store.clients(tenant.id).await?.iter().map(|c| c.id).collect();
                    store.set_caseload(tenant.id, &origin, account.id, &all).await?;
                }
            }
        }
        crate::demo_record::load(store, &blobs, tenant.id, slug, chrono::Utc::now()).await.map_err(|e| match e {
            Failure::Failed(m) | Failure::Usage(m) => Failure::Failed(format!("demo {slug}: dossiers: {m}")),
        })?;
        println!("demo {slug}: {} cliënten, {} accounts", clients.len(), people.len());
    }
    Ok(())
}

#[derive(Debug, thiserror::Error)]
enum DemoError {
    #[error("{0}")]
    Domain(#[from] DomainError),
    #[error("{0}")]
    Store(#[from] StoreError),
}

async fn load_people(
    store: &dyn Store,
    tenant: TenantId,
    origin: &Origin,
    people: &[DemoPerson],
    clients: &[DemoClient],
    password_hash: &str,
) -> Result<(), DemoError> {
    for person in people {
        let username = Username::parse(person.username)?;
        let account = match store.account_by_username(tenant, &username).await? {
            Some(account) => account,
            None => {
                let new = NewAccount {
                    email: Email::parse(person.username)?,
                    username,
                    name: PersonName::new(person.given, person.prefix, person.family)?,
                };
                store.create_account(tenant, origin, &new).await?
            }
        };
        // A password someone already changed is left alone.
        if store.credentials(tenant, account.id).await?.is_none() {
            store.set_password(tenant, origin, account.id, password_hash, false, None).await?;
        }
    }
    for demo in clients {
        let reference = ClientReference::parse(demo.reference)?;
        let client = match store.client_by_reference(tenant, &reference).await? {
            Some(client) => client,
            None => {
                let (y, m, d) = demo.born;
                let new = NewClient {
                    reference,
                    name: PersonName::new(demo.given, demo.prefix, demo.family)?,
                    birth_date: NaiveDate::from_ymd_opt(y, m, d),
                };
                store.create_client(tenant, origin, &new).await?
            }
        };
        for (username, relation) in demo.accounts {
            let account =
                store.account_by_username(tenant, &Username::parse(username)?).await?.ok_or(StoreError::NotFound)?;
            let linked = store.account_links(tenant, account.id).await?;
            if !linked.iter().any(|l| l.client.id == client.id && l.relation == *relation) {
                store.link_account(tenant, origin, account.id, client.id, *relation).await?;
            }
        }
    }
    Ok(())
}
