//! What every request can reach: the store, the templates, the deployment's settings and
//! keys, the clock, the transports and the blob store.

use crate::templates::{TemplateError, Templates};
use crate::tenant::{self, CurrentTenant};
use careportal_auth::secrets::derive_key;
use careportal_auth::{PasswordHasher, SecretBox};
use careportal_delivery::Transports;
use careportal_domain::clock::Clock;
use careportal_store::Store;
use std::sync::Arc;

/// What the web layer needs to know of the configuration.
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// Serve `<slug>.localhost` without configuring it (development only).
    pub dev_hosts: bool,
    /// The portal is reached over HTTPS (directly or behind a TLS proxy): send HSTS and mark
    /// cookies Secure.
    pub https: bool,
    pub keys: Keys,
    pub hasher: PasswordHasher,
    /// Load balancers whose X-Forwarded-For is believed; nobody else's is.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// A refused login and a "Wachtwoord vergeten?" request answer no sooner than this after
    /// they arrived, so the time taken cannot tell an existing account from an unknown one
    /// (the work differs by a few database writes; Argon2 runs for both).
    pub answer_floor: std::time::Duration,
    /// The longest one request may take, reading its body included; past it the request is
    /// dropped (its transaction rolls back) and the person gets the branded 503.
    pub request_deadline: std::time::Duration,
}

/// Longer than a refused login or a reset request takes on a healthy deployment, short
/// enough not to be noticed.
pub const ANSWER_FLOOR: std::time::Duration = std::time::Duration::from_millis(250);

impl WebSettings {
    pub fn new(dev_hosts: bool, https: bool, secret_key: &[u8; 32], hasher: PasswordHasher) -> Self {
        Self {
            dev_hosts,
            https,
            keys: Keys::derive(secret_key),
            hasher,
            trusted_proxies: Vec::new(),
            answer_floor: ANSWER_FLOOR,
            request_deadline: REQUEST_DEADLINE,
        }
    }
}

/// Long enough for a photo of the largest allowed size on a slow mobile line.
pub const REQUEST_DEADLINE: std::time::Duration = std::time::Duration::from_secs(120);

/// Waits until `floor` has passed since `started` (see [`WebSettings::answer_floor`]).
pub(crate) async fn answer_no_sooner(started: tokio::time::Instant, floor: std::time::Duration) {
    tokio::time::sleep_until(started + floor).await;
}

/// Keys derived from the deployment's secret key, one per purpose.
#[derive(Clone)]
pub struct Keys {
    pub csrf: [u8; 32],
    pub codes: [u8; 32],
    pub secret_box: SecretBox,
}

impl Keys {
    pub fn derive(secret_key: &[u8; 32]) -> Self {
        Self {
            csrf: derive_key(secret_key, "csrf/v1"),
            codes: derive_key(secret_key, "codes/v1"),
            secret_box: SecretBox::new(secret_key),
        }
    }
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(<hidden>)")
    }
}

#[derive(Clone, Debug)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub templates: Arc<Templates>,
    pub settings: Arc<WebSettings>,
    pub clock: Arc<dyn Clock>,
    pub transports: Arc<Transports>,
    /// Where the record's documents are kept.
    pub blobs: Arc<careportal_documents::Blobs>,
    /// The tenant each host served last, to brand the 503 page during an outage.
    pub known_tenants: Arc<tenant::KnownTenants>,
    /// The rights policy and its decisions per tenant version.
    pub rights: Arc<crate::rights::RightsCache>,
}

impl AppState {
    pub fn new(
        store: Arc<dyn Store>,
        settings: WebSettings,
        clock: Arc<dyn Clock>,
        transports: Transports,
        blobs: careportal_documents::Blobs,
    ) -> Result<Self, TemplateError> {
        Ok(Self {
            blobs: Arc::new(blobs),
            store,
            templates: Arc::new(Templates::new()?),
            settings: Arc::new(settings),
            clock,
            transports: Arc::new(transports),
            known_tenants: Arc::default(),
            rights: Arc::default(),
        })
    }
}

impl AppState {
    /// The context of the accounts use cases (inviting, answering an invitation) for one
    /// request: this deployment's hasher, keys and clock.
    pub(crate) fn inviter<'a>(
        &'a self,
        tenant: &'a careportal_domain::tenant::Tenant,
        origin: &'a careportal_domain::audit::Origin,
        base_url: &'a str,
    ) -> careportal_accounts::Inviter<'a> {
        careportal_accounts::Inviter {
            store: self.store.as_ref(),
            tenant,
            origin,
            hasher: &self.settings.hasher,
            secret_box: &self.settings.keys.secret_box,
            base_url,
            now: self.clock.now(),
        }
    }
}

/// Sends the tenant's due messages now, in the background, rather than at the worker's next
/// round; the worker retries whatever fails here.
pub(crate) fn send_now(state: &AppState, tenant: &CurrentTenant) {
    let (store, transports, tenant, secret_box, clock) = (
        state.store.clone(),
        state.transports.clone(),
        tenant.0.clone(),
        state.settings.keys.secret_box.clone(),
        state.clock.clone(),
    );
    tokio::spawn(async move {
        let sent =
            careportal_delivery::deliver_due(store.as_ref(), &tenant, &transports, &secret_box, clock.now()).await;
        if let Err(error) = sent {
            tracing::warn!(%error, "direct verzenden mislukt; de worker probeert het opnieuw");
        }
    });
}
