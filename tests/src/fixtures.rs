//! The tenants tests load: the two real ones from the repository, and De Linde, a fictional
//! third (tests/fixtures) that proves nothing is wired to two.

use careportal_domain::tenant::{TenantBundle, load_dir};
use std::path::PathBuf;

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn tenant_dir(slug: &str) -> PathBuf {
    let fixture = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/tenants").join(slug);
    if fixture.is_dir() { fixture } else { repo_root().join("tenants").join(slug) }
}

pub fn policies_root(slug: &str) -> PathBuf {
    let fixture = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/policies").join(slug);
    if fixture.is_dir() { fixture.join("..") } else { repo_root().join("policies") }
}

pub async fn bundle(slug: &str) -> TenantBundle {
    match load_dir(&tenant_dir(slug), &policies_root(slug)).await {
        Ok(bundle) => bundle,
        Err(issues) => panic!("fixture {slug} does not load: {issues:?}"),
    }
}

pub const ALL: [&str; 3] = ["siloah", "salem", "de-linde"];

/// A photo of one colour as `format` (PNG, JPEG) encodes it, for upload tests.
pub fn photo(width: u32, height: u32, format: image::ImageFormat) -> Vec<u8> {
    let image = image::RgbImage::from_pixel(width, height, image::Rgb([200, 120, 30]));
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(image).write_to(&mut std::io::Cursor::new(&mut out), format).unwrap();
    out
}
