//! The accept loop of `serve`: axum's own, with hyper's timer installed. `axum::serve` sets
//! no timer, and without one hyper's header read timeout silently does nothing, so a client
//! that sends its headers a byte at a time (slowloris) could hold a connection for ever.
//! Here a client has `header_timeout` to send its headers, the request body must keep
//! arriving (`BODY_TIMEOUT` between chunks), and stopping waits for the requests in flight.

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use std::time::Duration;
use tower::{Service, ServiceBuilder};
use tower_http::timeout::RequestBodyTimeoutLayer;

/// The longest a request body may go without a byte (a photo upload on a slow line is fine).
const BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// How long stopping waits for requests in flight.
const DRAIN: Duration = Duration::from_secs(30);

pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    header_timeout: Duration,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    let mut builder = Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(header_timeout);
    builder.http2().timer(TokioTimer::new());
    let graceful = GracefulShutdown::new();
    let app = ServiceBuilder::new().layer(RequestBodyTimeoutLayer::new(BODY_TIMEOUT)).service(router);
    tokio::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: wait a moment rather than spin.
                    tracing::warn!(%error, "verbinding niet aangenomen");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            // What into_make_service_with_connect_info gave the handlers: the peer address.
            request.extensions_mut().insert(ConnectInfo(remote));
            app.clone().call(request)
        });
        let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), service).into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // A client that went away or timed out: nothing to tell anyone.
            let _ = connection.await;
        });
    }
    if tokio::time::timeout(DRAIN, graceful.shutdown()).await.is_err() {
        tracing::warn!("niet alle verzoeken waren binnen {} s klaar", DRAIN.as_secs());
    }
    Ok(())
}
