//! Every route of the portal and the layers around them.

use crate::state::AppState;
use crate::{
    assets, display, error, health, home, invitations, landing, profile, record, recovery, request_id, security,
    signin, small_bodies, staff, tenant,
};
use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};

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
        .route("/dossier/inzage", get(record::visits::page))
        .route("/dossier/download", get(record::dossier::page).post(record::dossier::request))
        .route("/dossier/download/{id}", get(record::dossier::download))
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
        .route("/beheer/koppeling/testen", post(staff::sync::test_connection))
        .route("/beheer/onderdelen", get(staff::modules::page).post(staff::modules::save))
        .route("/beheer/huisstijl", get(staff::branding::page).post(staff::branding::save))
        .route("/beheer/huisstijl/voorbeeld.css", get(staff::branding::preview_css))
        .route(
            "/beheer/huisstijl/logo",
            post(staff::branding::logo).layer(axum::extract::DefaultBodyLimit::max(staff::branding::MAX_LOGO_UPLOAD)),
        )
        .route("/beheer/medewerkers", get(staff::members::page).post(staff::members::add))
        .route("/beheer/accounts", get(staff::accounts::page))
        .route("/beheer/medewerkers/{account}/rol-geven", post(staff::members::give))
        .route("/beheer/medewerkers/{account}/rol-afnemen", post(staff::members::take))
        .route("/beheer/medewerkers/{account}/clienten", get(staff::caseload::page).post(staff::caseload::save))
        .route("/beheer/logboek", get(staff::logbook::page))
        .route("/beheer/logboek.csv", get(staff::logbook::csv))
        .route("/beheer/clienten/{reference}/toegang", get(staff::access::page))
        .route("/beheer/clienten/{reference}/toegang/einde-zorg", post(staff::access::care_end))
        .route(
            "/beheer/clienten/{reference}/toegang/{account}/opzeggen",
            get(staff::access::end_form).post(staff::access::end),
        )
        .route("/beheer/clienten/{reference}/toegang/{account}/ontgrendelen", post(staff::access::unlock))
        .route("/beheer/clienten/{reference}/toegang/{account}/uitnodiging", post(staff::access::resend))
        .route(
            "/beheer/clienten/{reference}/toegang/{account}/gegevens",
            get(staff::access::details_form).post(staff::access::details),
        )
        .route(
            "/beheer/clienten/{reference}/toegang/{account}/tweede-factor",
            get(staff::access::reset_form).post(staff::access::reset),
        )
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
        .route(
            "/profiel/foto",
            get(profile::own_photo)
                .post(profile::photo)
                .layer(axum::extract::DefaultBodyLimit::max(record::prikbord::MAX_UPLOAD)),
        )
        .route("/sessie/verlengen", post(home::extend))
        .route("/weergave", post(display::switch))
        .fallback(error::not_found)
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(error::panic_response))
        .layer(from_fn_with_state(state.clone(), error::deadline))
        .layer(from_fn_with_state(state.clone(), error::render_error_pages))
        .layer(from_fn_with_state(state.clone(), tenant::resolve));

    Router::new()
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready))
        .merge(tenant_routes)
        .layer(from_fn_with_state(state.clone(), security::headers))
        .layer(axum::middleware::from_fn(small_bodies::read_first))
        .layer(request_id::trace_layer())
        .layer(axum::middleware::from_fn(crate::metrics::track))
        .layer(from_fn_with_state(state.clone(), request_id::assign))
        .with_state(state)
}
