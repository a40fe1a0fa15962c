//! Every request body is read before the answer goes out. A page that answers without
//! reading its form (a POST after the session ended is sent to Inloggen; a photo over the
//! limit is refused from its length alone) would otherwise leave the form's bytes unread;
//! the server then closes the connection, and closing a socket with unread bytes makes the
//! kernel answer with a reset that can destroy the answer on its way: the person sees
//! "verbinding verbroken" instead of the Dutch message. Small bodies are read before the
//! route runs; larger ones stream to the route as before, and what it left unread is read
//! afterwards (a lingering close, as nginx and Apache do), bounded in bytes and time.

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body::{Frame, SizeHint};
use http_body_util::BodyExt;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

/// Every form of the portal but the uploads fits.
const READ_FIRST: usize = 64 * 1024;

/// What is still read of a body the route left unread: more than the largest upload the
/// portal takes (a care plan of 10 MB), so whoever sent a little too much sees why; past it
/// the connection is closed unread, so a flood costs us no more than this.
const DRAIN_AT_MOST: usize = 32 * 1024 * 1024;

/// How long the rest of a body may take to arrive before the connection is closed unread.
const DRAIN_FOR: Duration = Duration::from_secs(30);

pub async fn read_first(request: Request, next: Next) -> Response {
    let headers = request.headers();
    let length =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    let chunked = headers.contains_key(header::TRANSFER_ENCODING);
    if length.is_some_and(|n| n > 0 && n <= READ_FIRST) {
        let (parts, body) = request.into_parts();
        return match axum::body::to_bytes(body, READ_FIRST).await {
            Ok(bytes) => next.run(Request::from_parts(parts, Body::from(bytes))).await,
            // The body broke off or stopped arriving (the body timeout): nothing to answer.
            Err(_) => StatusCode::BAD_REQUEST.into_response(),
        };
    }
    if !(chunked || length.is_some_and(|n| n > READ_FIRST)) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let shared = Shared(Arc::new(Mutex::new(body)));
    let response = next.run(Request::from_parts(parts, Body::new(shared.clone()))).await;
    // Err: the rest took too long to arrive; the connection closes unread, as without this.
    let _ = tokio::time::timeout(DRAIN_FOR, drain(shared)).await;
    response
}

/// Reads and drops what is left of the body, up to `DRAIN_AT_MOST`.
async fn drain(shared: Shared) {
    let mut body = Body::new(shared);
    let mut read = 0;
    while let Some(Ok(frame)) = body.frame().await {
        read += frame.data_ref().map_or(0, Bytes::len);
        if read > DRAIN_AT_MOST {
            return;
        }
    }
}

/// The request body, held both by the route (which reads what it wants) and by
/// `read_first` (which reads the rest once the route has answered).
#[derive(Clone)]
struct Shared(Arc<Mutex<Body>>);

impl HttpBody for Shared {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        match self.0.lock() {
            Ok(mut body) => Pin::new(&mut *body).poll_frame(cx),
            // A reader panicked mid-frame: the body cannot be trusted to continue.
            Err(_) => Poll::Ready(None),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.0.lock().map_or(true, |body| body.is_end_stream())
    }

    fn size_hint(&self) -> SizeHint {
        self.0.lock().map_or_else(|_| SizeHint::default(), |body| body.size_hint())
    }
}
