//! Documents: generated PDFs (reports, signature sheets) and the blob store that holds the
//! documents of the record (a folder, or S3 in production).
#![forbid(unsafe_code)]

pub mod blobs;
pub mod pdf;
pub mod photos;

pub use blobs::{BlobError, BlobStream, Blobs};
pub use pdf::TextDocument;
pub use photos::{MAX_PHOTO_BYTES, PhotoError, clean_photo, clean_photo_off_thread};

/// SHA-256 of a document, as lowercase hex: what a signature refers to.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}
