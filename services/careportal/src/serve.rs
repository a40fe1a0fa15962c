//! `serve` and `worker`: the long-running processes. Both stop cleanly on SIGTERM or Ctrl-C:
//! the web server finishes the requests it has, the worker finishes its current job and
//! breaks off a running sync, giving its lease back.

use crate::clock::clock;
use crate::config::{Config, Mode};
use crate::failure::Failure;
use careportal_store::Store;
use careportal_web::{AppState, WebSettings, app};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

pub async fn serve(config: &Config, store: Arc<dyn Store>, with_worker: bool) -> Result<(), Failure> {
    // Made (in development) or checked (in production) before the first request.
    let secret = config.secret_key()?;
    let hasher = careportal_auth::PasswordHasher::owasp().map_err(|e| Failure::Failed(e.to_string()))?;
    let mut settings = WebSettings::new(config.mode == Mode::Development, config.https, secret.bytes(), hasher);
    settings.trusted_proxies = config.trusted_proxies.clone();
    settings.request_deadline = Duration::from_secs(config.request_timeout_seconds);
    let transports = config.transports().await?;
    let blobs = config.blobs().await?;
    let jobs = jobs(config, store.clone()).await?;
    let state = AppState::new(store.clone(), settings, clock(), transports, blobs)
        .map_err(|e| Failure::Failed(e.to_string()))?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| Failure::Failed(format!("kan niet luisteren op {}: {e}", config.listen)))?;
    let address = listener.local_addr().map_err(|e| Failure::Failed(e.to_string()))?;
    announce(config, store.as_ref(), address).await?;

    let (stop_tx, stop_rx) = watch::channel(false);
    let metrics = metrics(config, store.clone(), stop_rx.clone()).await?;
    let worker = with_worker.then(|| tokio::spawn(careportal_worker::run(jobs, worker_interval(config), stop_rx)));

    let header_timeout = Duration::from_secs(config.header_timeout_seconds);
    let served = careportal_web::serve(listener, app(state), header_timeout, shutdown_signal()).await;
    let _ = stop_tx.send(true);
    if let Some(worker) = worker {
        let _ = worker.await;
    }
    if let Some(metrics) = metrics {
        let _ = metrics.await;
    }
    store.close().await;
    tracing::info!("gestopt");
    served.map_err(|e| Failure::Failed(format!("webserver: {e}")))
}

fn worker_interval(config: &Config) -> Duration {
    Duration::from_secs(config.worker_interval_seconds)
}

/// What the worker needs, from the configuration.
pub async fn jobs(config: &Config, store: Arc<dyn Store>) -> Result<careportal_worker::Jobs, Failure> {
    let secret = config.secret_key()?;
    Ok(careportal_worker::Jobs {
        store,
        clock: clock(),
        transports: Arc::new(config.transports().await?),
        secret_box: careportal_auth::SecretBox::new(secret.bytes()),
        audit_key: careportal_app::audit::AuditKey::derive(secret.bytes()),
        blobs: Arc::new(config.blobs().await?),
        owner: careportal_sync::schedule::worker_name(),
    })
}

pub async fn worker_only(config: &Config, store: Arc<dyn Store>) -> Result<(), Failure> {
    let (stop_tx, stop_rx) = watch::channel(false);
    let metrics = metrics(config, store.clone(), stop_rx.clone()).await?;
    let worker =
        tokio::spawn(careportal_worker::run(jobs(config, store.clone()).await?, worker_interval(config), stop_rx));
    shutdown_signal().await;
    let _ = stop_tx.send(true);
    let _ = worker.await;
    if let Some(metrics) = metrics {
        let _ = metrics.await;
    }
    store.close().await;
    Ok(())
}

/// `/metrics` on `metrics_listen`, when it is set, until `stop` turns true.
async fn metrics(
    config: &Config,
    store: Arc<dyn Store>,
    mut stop: watch::Receiver<bool>,
) -> Result<Option<tokio::task::JoinHandle<std::io::Result<()>>>, Failure> {
    let Some(address) = config.metrics_listen else { return Ok(None) };
    let Some(router) = careportal_web::metrics::router(store, clock()) else {
        return Err(Failure::Failed("de metrics kunnen niet worden opgezet (er is al een recorder)".to_owned()));
    };
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|e| Failure::Failed(format!("kan niet luisteren op {address} (metrics_listen): {e}")))?;
    let bound = listener.local_addr().map_err(|e| Failure::Failed(e.to_string()))?;
    println!("Metrics op http://{bound}/metrics");
    let stopped = async move {
        let _ = stop.wait_for(|stop| *stop).await;
    };
    Ok(Some(tokio::spawn(careportal_web::metrics::serve(listener, router, stopped))))
}

async fn announce(config: &Config, store: &dyn Store, address: SocketAddr) -> Result<(), Failure> {
    let tenants = store.tenants().await?;
    let port = address.port();
    println!("Careportal luistert op {address} ({}).", store.backend().name());
    if tenants.is_empty() {
        println!(
            "Er zijn nog geen tenants: laad ze met `careportal demo` of `careportal tenant apply tenants/<slug>`."
        );
    }
    for tenant in &tenants {
        // Development shows only the addresses that work on this machine.
        if config.mode == Mode::Development {
            println!("  {}: http://{}.localhost:{port}/", tenant.config.portal_name(), tenant.slug);
            continue;
        }
        for host in store.tenant_hostnames(tenant.id).await? {
            println!("  {}: https://{host}/", tenant.config.portal_name());
        }
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("stopsignaal ontvangen; lopende verzoeken worden afgemaakt");
}
