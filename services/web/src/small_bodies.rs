//! Small request bodies are read before the route runs. A page that answers without
//! reading its form (a POST after the session ended is sent to Inloggen) would otherwise
//! leave the form's bytes unread; the server then closes the connection, and closing a
//! socket with unread bytes makes the kernel answer with a reset that can destroy the
//! answer on its way. Read first, every answer arrives and the browser keeps its
//! connection. Uploads (larger, or without a length) stream as before.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Every form of the portal but the uploads fits.
const READ_FIRST: usize = 64 * 1024;

pub async fn read_first(request: Request, next: Next) -> Response {
    let length = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if !length.is_some_and(|n| n > 0 && n <= READ_FIRST) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    match axum::body::to_bytes(body, READ_FIRST).await {
        Ok(bytes) => next.run(Request::from_parts(parts, Body::from(bytes))).await,
        // The body broke off or stopped arriving (the body timeout): nothing to answer.
        Err(_) => StatusCode::BAD_REQUEST.into_response(),
    }
}
