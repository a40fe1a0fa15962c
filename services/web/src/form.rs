//! The portal's form extractor. axum's `Form` decodes percent-escapes leniently: bytes that
//! are not UTF-8 become U+FFFD and the mangled text would be stored as if someone had typed
//! it. No browser sends that, so such a form is refused whole (a branded 400) and nothing
//! of it is kept.

use crate::error::AppError;
use axum::extract::{FromRequest, RawForm, Request};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

#[derive(Debug, Clone, Copy, Default)]
pub struct Form<T>(pub T);

impl<T, S> FromRequest<S> for Form<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let RawForm(bytes) = RawForm::from_request(request, state).await.map_err(IntoResponse::into_response)?;
        if !decodes_to_text(&bytes) {
            return Err(AppError::BadForm("not UTF-8".to_owned()).into_response());
        }
        serde_urlencoded::from_bytes(&bytes).map(Form).map_err(|e| AppError::BadForm(e.to_string()).into_response())
    }
}

/// The first value of `name` in a form read as name–value pairs (for forms whose names are
/// not fixed: answers per question, a checkbox per contact person or per post).
pub(crate) fn first<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// Whether every name and value of an `application/x-www-form-urlencoded` body is UTF-8
/// once its percent-escapes are undone (a `+` stands for a space and cannot break it).
fn decodes_to_text(body: &[u8]) -> bool {
    body.split(|b| *b == b'&')
        .flat_map(|pair| pair.splitn(2, |b| *b == b'='))
        .all(|part| percent_encoding::percent_decode(part).decode_utf8().is_ok())
}

#[cfg(test)]
mod tests {
    use super::decodes_to_text;

    #[test]
    fn text_passes_and_bytes_that_are_not_utf8_do_not() {
        assert!(decodes_to_text(b"bericht=Hallo+daar&csrf=abc"));
        assert!(decodes_to_text("naam=Jos%C3%A9&plaats=%E2%82%AC".as_bytes()), "é and € percent-encoded");
        assert!(decodes_to_text(b"x=100%25&y=%"), "a lone % is text");
        assert!(decodes_to_text(b""));
        assert!(!decodes_to_text(b"bericht=%FF%FE"));
        assert!(!decodes_to_text(b"tekst=%C3%28"), "a broken two-byte sequence");
        assert!(!decodes_to_text(b"titel=%ED%A0%80"), "a UTF-16 surrogate");
        assert!(!decodes_to_text(b"bericht=\xff"), "a raw byte");
        assert!(!decodes_to_text(b"%FF=naam"), "names too");
    }
}
