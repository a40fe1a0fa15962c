//! Documents as blobs: care-plan prints, signature sheets, evaluations, invoices. One
//! interface, two places: a folder under the data directory (the embedded default) or S3
//! (production), both with a prefix per tenant. S3 objects are written with server-side
//! encryption and never get a public link; the portal reads them and hands them to a person
//! only after its own permission check.

use careportal_domain::TenantId;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("ongeldige documentsleutel: {0}")]
    BadKey(String),
    #[error("documentmap: {0}")]
    Io(#[from] std::io::Error),
    #[error("S3: {0}")]
    S3(String),
}

/// A document on its way out, chunk by chunk.
pub type BlobStream =
    std::pin::Pin<Box<dyn futures_core::Stream<Item = Result<bytes::Bytes, std::io::Error>> + Send + 'static>>;

#[derive(Clone)]
enum Place {
    Folder(PathBuf),
    S3 { client: aws_sdk_s3::Client, bucket: String },
}

#[derive(Clone)]
pub struct Blobs {
    place: Place,
}

impl std::fmt::Debug for Blobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.place {
            Place::Folder(dir) => write!(f, "Blobs(folder {})", dir.display()),
            Place::S3 { bucket, .. } => write!(f, "Blobs(s3 {bucket})"),
        }
    }
}

/// Keys are ours (`care-plans/<id>.pdf`), never a person's input; still, refuse anything
/// that could climb out of the tenant's prefix.
fn check_key(key: &str) -> Result<(), BlobError> {
    let fine = !key.is_empty()
        && key.len() <= 200
        && key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '_' | '.'))
        && !key.starts_with('/')
        && key.split('/').all(|part| !part.is_empty() && part != "." && part != "..");
    if fine { Ok(()) } else { Err(BlobError::BadKey(key.to_owned())) }
}

fn object_key(tenant: TenantId, key: &str) -> String {
    format!("tenants/{tenant}/{key}")
}

impl Blobs {
    /// The embedded default: `<dir>/tenants/<tenant id>/<key>`.
    pub fn folder(dir: impl Into<PathBuf>) -> Self {
        Self { place: Place::Folder(dir.into()) }
    }

    /// S3, with region and credentials from the standard AWS chain; `endpoint` overrides the
    /// address (a test server, an S3-compatible store), which then uses path-style addresses.
    pub async fn s3(bucket: &str, endpoint: Option<&str>) -> Self {
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
        if let Some(endpoint) = endpoint {
            loader = loader.endpoint_url(endpoint);
        }
        let shared = loader.load().await;
        let config = aws_sdk_s3::config::Builder::from(&shared).force_path_style(endpoint.is_some()).build();
        Self::from_s3_client(aws_sdk_s3::Client::from_conf(config), bucket)
    }

    pub fn from_s3_client(client: aws_sdk_s3::Client, bucket: &str) -> Self {
        Self { place: Place::S3 { client, bucket: bucket.to_owned() } }
    }

    fn path_in(dir: &Path, tenant: TenantId, key: &str) -> PathBuf {
        dir.join(object_key(tenant, key))
    }

    pub async fn put(&self, tenant: TenantId, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<(), BlobError> {
        check_key(key)?;
        match &self.place {
            Place::Folder(dir) => {
                let path = Self::path_in(dir, tenant, key);
                if let Some(parent) = path.parent() {
                    tokio::fs::create_dir_all(parent).await?;
                }
                // Write beside it, then rename: a reader never sees half a document.
                let partial = path.with_extension("part");
                tokio::fs::write(&partial, &bytes).await?;
                tokio::fs::rename(&partial, &path).await?;
                Ok(())
            }
            Place::S3 { client, bucket } => {
                client
                    .put_object()
                    .bucket(bucket)
                    .key(object_key(tenant, key))
                    .content_type(content_type)
                    .server_side_encryption(aws_sdk_s3::types::ServerSideEncryption::Aes256)
                    .body(bytes.into())
                    .send()
                    .await
                    .map_err(|e| BlobError::S3(aws_sdk_s3::error::DisplayErrorContext(&e).to_string()))?;
                Ok(())
            }
        }
    }

    /// The blob as a stream of chunks, or None when it is not there: for handing a document
    /// to a person without holding all of it in memory.
    pub async fn open(&self, tenant: TenantId, key: &str) -> Result<Option<BlobStream>, BlobError> {
        check_key(key)?;
        match &self.place {
            Place::Folder(dir) => match tokio::fs::File::open(Self::path_in(dir, tenant, key)).await {
                Ok(file) => Ok(Some(Box::pin(tokio_util::io::ReaderStream::new(file)))),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e.into()),
            },
            Place::S3 { client, bucket } => {
                let answer = client.get_object().bucket(bucket).key(object_key(tenant, key)).send().await;
                match answer {
                    Ok(object) => {
                        let reader = object.body.into_async_read();
                        Ok(Some(Box::pin(tokio_util::io::ReaderStream::new(reader))))
                    }
                    Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => Ok(None),
                    Err(e) => Err(BlobError::S3(aws_sdk_s3::error::DisplayErrorContext(&e).to_string())),
                }
            }
        }
    }

    /// Removes a blob; a blob that is not there is no error.
    pub async fn delete(&self, tenant: TenantId, key: &str) -> Result<(), BlobError> {
        check_key(key)?;
        match &self.place {
            Place::Folder(dir) => match tokio::fs::remove_file(Self::path_in(dir, tenant, key)).await {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
                _ => Ok(()),
            },
            Place::S3 { client, bucket } => {
                client
                    .delete_object()
                    .bucket(bucket)
                    .key(object_key(tenant, key))
                    .send()
                    .await
                    .map_err(|e| BlobError::S3(aws_sdk_s3::error::DisplayErrorContext(&e).to_string()))?;
                Ok(())
            }
        }
    }

    /// The blob, or None when it is not there.
    pub async fn get(&self, tenant: TenantId, key: &str) -> Result<Option<Vec<u8>>, BlobError> {
        check_key(key)?;
        match &self.place {
            Place::Folder(dir) => match tokio::fs::read(Self::path_in(dir, tenant, key)).await {
                Ok(bytes) => Ok(Some(bytes)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e.into()),
            },
            Place::S3 { client, bucket } => {
                let answer = client.get_object().bucket(bucket).key(object_key(tenant, key)).send().await;
                let object = match answer {
                    Ok(object) => object,
                    Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => return Ok(None),
                    Err(e) => return Err(BlobError::S3(aws_sdk_s3::error::DisplayErrorContext(&e).to_string())),
                };
                let bytes = object.body.collect().await.map_err(|e| BlobError::S3(e.to_string()))?;
                Ok(Some(bytes.into_bytes().to_vec()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_cannot_leave_the_tenants_prefix() {
        for bad in ["", "../x.pdf", "a/../../b", "/etc/passwd", "a//b", "a b.pdf", "x\\y"] {
            assert!(check_key(bad).is_err(), "{bad}");
        }
        assert!(check_key("care-plans/0193-abc.pdf").is_ok());
    }

    #[tokio::test]
    async fn the_folder_keeps_tenants_apart() {
        let dir = std::env::temp_dir().join(format!("blobs-{}", TenantId::new()));
        let blobs = Blobs::folder(&dir);
        let (a, b) = (TenantId::new(), TenantId::new());
        blobs.put(a, "plans/1.pdf", b"%PDF-a".to_vec(), "application/pdf").await.unwrap();
        assert_eq!(blobs.get(a, "plans/1.pdf").await.unwrap().as_deref(), Some(&b"%PDF-a"[..]));
        assert_eq!(blobs.get(b, "plans/1.pdf").await.unwrap(), None);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
