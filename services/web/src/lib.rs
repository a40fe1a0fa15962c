//! The portal on the web: axum routes per module over the domain and the store.
//!
//! A request passes, outside in: request id → trace span → security headers → tenant
//! resolution (unknown host: a bare 404) → error pages (branded, with the request id) → the
//! route. Handlers stay thin: extract, authorise, call the domain, render.
#![forbid(unsafe_code)]

mod assets;
mod error;
mod health;
pub mod home;
mod invitations;
mod landing;
mod pages;
mod profile;
mod record;
mod recovery;
mod request_id;
mod security;
pub mod session;
mod signin;
mod sms;
mod staff;
mod templates;
mod tenant;
mod upload;

pub use error::AppError;
pub use request_id::RequestId;
pub use templates::{TemplateError, Templates};
pub use tenant::CurrentTenant;

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
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
        }
    }
}

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
        })
    }
}

/// The whole application as one router; tests drive it in-process, `serve` binds it.
pub fn app(state: AppState) -> Router {
    let tenant_routes = Router::new()
        .route("/", get(landing::page))
        .route("/theme.css", get(assets::theme_css))
        .route("/logo.svg", get(assets::logo))
        .route("/static/careportal.css", get(assets::base_css))
        .route("/static/careportal.js", get(assets::base_js))
        .route("/inloggen", get(signin::login_form).post(signin::login))
        .route("/inloggen/code", get(signin::code_form).post(signin::code))
        .route("/inloggen/activeren", get(signin::enroll_choice))
        .route("/inloggen/activeren/app", get(signin::enroll_app_form).post(signin::enroll_app))
        .route("/inloggen/activeren/sms", get(signin::enroll_sms_form).post(signin::enroll_sms))
        .route("/wachtwoord-wijzigen", get(signin::password_form).post(signin::change_password))
        .route("/uitloggen", post(signin::logout))
        .route("/wachtwoord-vergeten", get(recovery::request_form).post(recovery::request))
        .route("/wachtwoord-herstellen/{token}", get(recovery::reset_form).post(recovery::reset))
        .route("/home", get(home::page))
        .route("/uitnodigingen/{id}", post(invitations::answer))
        .route("/dossier", post(record::switch_client))
        .route("/rapportages", get(record::reports::list))
        .route("/rapportages/download", get(record::reports::download))
        .route("/rapportages/nieuw", get(record::reports::new_form).post(record::reports::create))
        .route("/metingen", get(record::measurements::latest))
        .route("/metingen/alle", get(record::measurements::all))
        .route("/metingen/nieuw", get(record::measurements::new_form).post(record::measurements::create))
        .route("/toestemmingen", get(record::consents::page).post(record::consents::save))
        .route("/berichten", get(record::messages::page).post(record::messages::send))
        .route("/berichten/netwerk", get(record::messages::network).post(record::messages::send_network))
        .route("/persoonsbeeld", get(record::person_profile::page))
        .route("/begeleidingsplannen", get(record::plans::latest))
        .route("/begeleidingsplannen/alle", get(record::plans::all))
        .route("/begeleidingsplannen/{id}/ondertekenen", get(record::plans::sign_form).post(record::plans::sign))
        .route("/begeleidingsplannen/{id}/handtekeningenblad", get(record::plans::signature_sheet))
        .route("/evaluaties", get(record::documents::evaluations))
        .route("/evaluaties/alle", get(record::documents::all_evaluations))
        .route("/facturen", get(record::documents::invoices))
        .route("/documenten/{id}", get(record::documents::download))
        .route("/agenda", get(record::agenda::page))
        .route("/agenda/nieuw", get(record::agenda::new_form).post(record::agenda::create))
        .route("/agenda/{id}/wijzigen", get(record::agenda::edit_form).post(record::agenda::update))
        .route("/agenda/{id}/verwijderen", get(record::agenda::delete_form).post(record::agenda::delete))
        .route(
            "/prikbord",
            get(record::prikbord::page)
                .post(record::prikbord::create)
                .layer(axum::extract::DefaultBodyLimit::max(record::prikbord::MAX_UPLOAD)),
        )
        .route("/prikbord/{id}/reactie", post(record::prikbord::reply))
        .route("/prikbord/{id}/foto", get(record::prikbord::photo))
        .route("/prikbord/{id}/verwijderen", get(record::prikbord::delete_form).post(record::prikbord::delete))
        .route("/vragenlijsten", get(record::questionnaires::list))
        .route("/vragenlijsten/{id}", get(record::questionnaires::show).post(record::questionnaires::save))
        .route("/mijn-gegevens", get(record::network::my_details))
        .route("/contactpersonen", get(record::network::contacts))
        .route(
            "/contactpersonen/foto",
            post(record::network::upload_photo)
                .layer(axum::extract::DefaultBodyLimit::max(record::prikbord::MAX_UPLOAD)),
        )
        .route("/contactpersonen/{id}/foto", get(record::network::person_photo))
        .route("/foto/client", get(record::network::client_photo))
        .route("/instellingen", get(record::network::settings).post(record::network::save_settings))
        .route("/beheer", get(staff::overview))
        .route("/beheer/uitnodigen", get(staff::invite::form).post(staff::invite::invite))
        .route("/beheer/koppeling", get(staff::sync::page).post(staff::sync::run_now))
        .route("/beheer/clienten/{reference}/berichten", get(staff::threads::page).post(staff::threads::answer))
        .route("/beheer/clienten/{reference}/prikbord", get(staff::prikbord::page).post(staff::prikbord::remove))
        .route(
            "/beheer/clienten/{reference}/begeleidingsplan",
            get(staff::plans::form)
                .post(staff::plans::offer)
                .layer(axum::extract::DefaultBodyLimit::max(staff::plans::MAX_PLAN_BYTES + 64 * 1024)),
        )
        .route("/help", get(record::help::page))
        .route("/profiel", get(profile::page).post(profile::act))
        .route("/sessie/verlengen", post(home::extend))
        .fallback(error::not_found)
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(error::panic_response))
        .layer(from_fn_with_state(state.clone(), error::render_error_pages))
        .layer(from_fn_with_state(state.clone(), tenant::resolve));

    Router::new()
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready))
        .merge(tenant_routes)
        .layer(from_fn_with_state(state.clone(), security::headers))
        .layer(request_id::trace_layer())
        .layer(from_fn_with_state(state.clone(), request_id::assign))
        .with_state(state)
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
