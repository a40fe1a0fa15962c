//! Reading a form with a file (multipart): the text fields, the bytes of its one file, and
//! whether the body went past the route's size limit. A page that gets `too_large` says so
//! and shows again what was read up to then, so nothing typed before the file is lost.

use axum::extract::Multipart;
use std::collections::BTreeMap;

#[derive(Debug, Default)]
pub(crate) struct Upload {
    fields: BTreeMap<String, String>,
    pub file: Vec<u8>,
    /// The body was larger than the route allows; reading stopped there.
    pub too_large: bool,
}

impl Upload {
    /// A text field, or "" when it was not sent.
    pub fn field(&self, name: &str) -> &str {
        self.fields.get(name).map(String::as_str).unwrap_or("")
    }
}

/// Reads every field; the one named `file_field` as bytes, the rest as text.
pub(crate) async fn read_upload(mut multipart: Multipart, file_field: &str) -> Upload {
    let mut upload = Upload::default();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) => {
                upload.too_large = true;
                break;
            }
        };
        let name = field.name().unwrap_or_default().to_owned();
        if name == file_field {
            match field.bytes().await {
                Ok(bytes) => upload.file = bytes.to_vec(),
                Err(_) => {
                    upload.too_large = true;
                    break;
                }
            }
        } else {
            let text = field.text().await.unwrap_or_default();
            upload.fields.insert(name, text);
        }
    }
    upload
}
