//! Prometheus metrics, on a listen address of their own (`metrics_listen`), never on the
//! portal's hosts: what the requests did (by route template, never by path, which may hold a
//! token), logins, mail and SMS, and, read at each scrape, the outbox, the ECD sync's lag per
//! tenant and kind, and the database pool. Labels carry tenant slugs and route templates only:
//! no person, address or number.

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use careportal_store::Store;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Request durations in seconds: a page is expected in milliseconds, a login in a quarter
/// second (Argon2), an upload in seconds.
const DURATION_BUCKETS: &[f64] = &[0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// Installs the process's recorder once (later calls give the same handle); None when
/// another recorder was installed first.
pub fn install() -> Option<PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_duration_seconds".into()), DURATION_BUCKETS)
                .ok()?;
            builder.install_recorder().ok()
        })
        .clone()
}

/// Counts every request and its duration by route template, method and status.
pub async fn track(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request.extensions().get::<MatchedPath>().map_or("(geen route)", MatchedPath::as_str).to_owned();
    let method = request.method().as_str().to_owned();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("careportal_http_requests_total", "route" => route.clone(), "method" => method, "status" => status)
        .increment(1);
    metrics::histogram!("careportal_http_request_duration_seconds", "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}

/// A login that got through the password (and code, where asked), or one that did not.
pub fn login(tenant: &str, succeeded: bool) {
    let outcome = if succeeded { "succeeded" } else { "failed" };
    metrics::counter!("careportal_logins_total", "tenant" => tenant.to_owned(), "outcome" => outcome).increment(1);
}

#[derive(Clone)]
struct Scrape {
    store: Arc<dyn Store>,
    handle: PrometheusHandle,
    clock: Arc<dyn careportal_domain::clock::Clock>,
}

/// The router of the metrics address: `GET /metrics` only.
pub fn router(store: Arc<dyn Store>, clock: Arc<dyn careportal_domain::clock::Clock>) -> Option<axum::Router> {
    let handle = install()?;
    let scrape = Scrape { store, handle, clock };
    Some(axum::Router::new().route("/metrics", axum::routing::get(render)).with_state(scrape))
}

async fn render(State(scrape): State<Scrape>) -> Response {
    let pool = scrape.store.pool_use();
    metrics::gauge!("careportal_db_pool_connections", "state" => "open").set(f64::from(pool.open));
    metrics::gauge!("careportal_db_pool_connections", "state" => "idle").set(f64::from(pool.idle));
    metrics::gauge!("careportal_db_pool_connections", "state" => "max").set(f64::from(pool.max));
    let up = match read_gauges(&scrape).await {
        Ok(()) => 1.0,
        Err(error) => {
            tracing::warn!(%error, "metrics: the database did not answer");
            0.0
        }
    };
    metrics::gauge!("careportal_db_up").set(up);
    scrape.handle.run_upkeep();
    ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], scrape.handle.render()).into_response()
}

/// What the database knows: per tenant, mail and SMS waiting, write-backs to the ECD waiting
/// and parked, and the seconds since each sync stream last succeeded.
async fn read_gauges(scrape: &Scrape) -> Result<(), careportal_store::StoreError> {
    let now = scrape.clock.now();
    for tenant in scrape.store.tenants().await? {
        let slug = tenant.slug.as_str().to_owned();
        let waiting = scrape.store.messages_waiting(tenant.id).await?;
        metrics::gauge!("careportal_outbox_waiting", "tenant" => slug.clone(), "channel" => "email")
            .set(waiting.email as f64);
        metrics::gauge!("careportal_outbox_waiting", "tenant" => slug.clone(), "channel" => "sms")
            .set(waiting.sms as f64);
        let ecd = scrape.store.ecd_outbox_depth(tenant.id).await?;
        metrics::gauge!("careportal_ecd_writeback_waiting", "tenant" => slug.clone(), "state" => "pending")
            .set(f64::from(ecd.pending));
        metrics::gauge!("careportal_ecd_writeback_waiting", "tenant" => slug.clone(), "state" => "parked")
            .set(f64::from(ecd.parked));
        for stream in scrape.store.sync_streams(tenant.id).await? {
            // Never succeeded: the lag counts from the stream's first run.
            let since = stream.last_success_at.or(stream.last_started_at);
            if let Some(since) = since {
                let lag = (now - since).num_milliseconds().max(0) as f64 / 1000.0;
                metrics::gauge!("careportal_sync_lag_seconds", "tenant" => slug.clone(), "kind" => stream.kind.as_str())
                    .set(lag);
            }
        }
    }
    Ok(())
}

/// Serves the metrics router on `listener` until `stop` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router).with_graceful_shutdown(stop).await
}
