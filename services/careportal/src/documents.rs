//! Putting documents into a client's record: the bytes into the blob store, their metadata
//! and SHA-256 into the database. Used by `careportal plan offer` and the demo loader.

use crate::failure::Failure;
use careportal_documents::{Blobs, sha256_hex};
use careportal_domain::audit::Origin;
use careportal_domain::ids::DocumentId;
use careportal_domain::record::documents::{Document, DocumentKind, NewDocument};
use careportal_domain::{ClientId, TenantId};
use careportal_store::Store;
use chrono::NaiveDate;

#[allow(clippy::too_many_arguments)]
pub async fn store_pdf(
    store: &dyn Store,
    blobs: &Blobs,
    tenant: TenantId,
    origin: &Origin,
    client: ClientId,
    kind: DocumentKind,
    title: &str,
    date: NaiveDate,
    bytes: Vec<u8>,
) -> Result<Document, Failure> {
    if !bytes.starts_with(b"%PDF-") {
        return Err(Failure::Failed("dit is geen PDF-document (het begint niet met %PDF-)".to_owned()));
    }
    // The blob gets its own random name: nothing about the client or the content.
    let key = format!("{}/{}.pdf", kind.as_str().replace('_', "-"), DocumentId::new());
    let new = NewDocument {
        kind,
        title: title.to_owned(),
        date,
        blob_key: key.clone(),
        sha256: sha256_hex(&bytes),
        size: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
        content_type: "application/pdf".to_owned(),
    };
    blobs.put(tenant, &key, bytes, "application/pdf").await.map_err(|e| Failure::Failed(e.to_string()))?;
    Ok(store.add_document(tenant, origin, client, &new).await?)
}
