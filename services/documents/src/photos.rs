//! Photos people add (prikbord, contact persons): accepted only as JPEG or PNG, at most
//! 10 MB, decoded and drawn anew as a JPEG of at most 1600 pixels a side. Re-encoding drops
//! everything but the pixels: no EXIF, no GPS position, no camera serial, nothing hidden.

use image::{ImageFormat, ImageReader};
use std::io::Cursor;

pub const MAX_PHOTO_BYTES: usize = 10 * 1024 * 1024;
const MAX_SIDE: u32 = 1600;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PhotoError {
    #[error("Deze foto is te groot: hoogstens 10 MB.")]
    TooLarge,
    #[error("Dit is geen foto die wij kunnen lezen. Kies een JPEG- of PNG-bestand.")]
    Unreadable,
}

/// [`clean_photo`] on the blocking pool: decoding and re-encoding a large photo takes tens
/// of milliseconds of CPU that must not hold up the threads answering other requests.
pub async fn clean_photo_off_thread(bytes: Vec<u8>) -> Result<Vec<u8>, PhotoError> {
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(PhotoError::TooLarge);
    }
    // A task that panicked or was cancelled read nothing we can show.
    tokio::task::spawn_blocking(move || clean_photo(&bytes)).await.unwrap_or(Err(PhotoError::Unreadable))
}

/// A photo made safe to show: JPEG bytes without metadata.
pub fn clean_photo(bytes: &[u8]) -> Result<Vec<u8>, PhotoError> {
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(PhotoError::TooLarge);
    }
    let reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|_| PhotoError::Unreadable)?;
    if !matches!(reader.format(), Some(ImageFormat::Jpeg | ImageFormat::Png)) {
        return Err(PhotoError::Unreadable);
    }
    let mut limits = image::Limits::default();
    // A small file can claim an enormous canvas; refuse before allocating it.
    limits.max_image_width = Some(12_000);
    limits.max_image_height = Some(12_000);
    limits.max_alloc = Some(256 * 1024 * 1024);
    let mut reader = reader;
    reader.limits(limits);
    let decoded = reader.decode().map_err(|_| PhotoError::Unreadable)?;
    let sized = if decoded.width() > MAX_SIDE || decoded.height() > MAX_SIDE {
        decoded.thumbnail(MAX_SIDE, MAX_SIDE)
    } else {
        decoded
    };
    let mut out = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85);
    sized.to_rgb8().write_with_encoder(encoder).map_err(|_| PhotoError::Unreadable)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
        let mut out = Vec::new();
        image::DynamicImage::ImageRgb8(image).write_to(&mut Cursor::new(&mut out), ImageFormat::Png).unwrap();
        out
    }

    #[test]
    fn a_photo_comes_out_as_a_plain_jpeg_no_larger_than_1600() {
        let cleaned = clean_photo(&png(2400, 1200)).unwrap();
        let back = image::load_from_memory(&cleaned).unwrap();
        assert_eq!((back.width(), back.height()), (1600, 800));
        assert_eq!(image::guess_format(&cleaned).unwrap(), ImageFormat::Jpeg);
    }

    #[test]
    fn metadata_does_not_survive() {
        // A JPEG with an EXIF block (APP1) carrying a made-up GPS note.
        let mut jpeg = Vec::new();
        let image = image::RgbImage::from_pixel(40, 30, image::Rgb([200, 10, 10]));
        image::DynamicImage::ImageRgb8(image)
            .write_with_encoder(image::codecs::jpeg::JpegEncoder::new(&mut jpeg))
            .unwrap();
        let secret = b"Exif\0\0GPS 52.0907 5.1214 thuisadres";
        let mut app1 = vec![0xFF, 0xE1];
        app1.extend_from_slice(&((secret.len() + 2) as u16).to_be_bytes());
        app1.extend_from_slice(secret);
        let with_exif = [&jpeg[..2], &app1[..], &jpeg[2..]].concat();
        assert!(with_exif.windows(10).any(|w| w == b"thuisadres"));
        let cleaned = clean_photo(&with_exif).unwrap();
        assert!(!cleaned.windows(10).any(|w| w == b"thuisadres"));
        assert!(!cleaned.windows(4).any(|w| w == b"Exif"));
    }

    #[test]
    fn other_files_are_refused() {
        assert_eq!(clean_photo(b"%PDF-1.7"), Err(PhotoError::Unreadable));
        assert_eq!(clean_photo(b"GIF89a...."), Err(PhotoError::Unreadable));
        assert_eq!(clean_photo(&vec![0u8; MAX_PHOTO_BYTES + 1]), Err(PhotoError::TooLarge));
    }
}
