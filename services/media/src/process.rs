//! Checks uploads by their content and re-encodes pictures: upright, without metadata, with thumbnails.

use std::borrow::Cow;
use std::fmt;
use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, RgbImage};
use sha2::{Digest, Sha256};

use crate::MediaError;

/// Longest side, in pixels, of the thumbnails made for every picture.
pub const THUMB_SIZES: [u32; 2] = [320, 800];

const ORIGINAL_JPEG_QUALITY: u8 = 85;
const THUMB_JPEG_QUALITY: u8 = 80;
/// Cap on what a decoder may allocate, whatever the header claims: the guard behind the
/// dimension check, for formats whose real allocation exceeds width × height × channels.
const MAX_DECODER_ALLOC: u64 = 512 * 1024 * 1024;

/// What an upload may weigh before anything is decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    pub max_bytes: usize,
    pub max_width: u32,
    pub max_height: u32,
    pub max_pixels: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 10 * 1024 * 1024,
            max_width: 8000,
            max_height: 8000,
            max_pixels: 40_000_000,
        }
    }
}

/// A picture ready to be stored: re-encoded original plus JPEG thumbnails.
#[derive(Clone, PartialEq, Eq)]
pub struct ProcessedImage {
    /// SHA-256 (hex) of `original`: the same picture always gets the same key.
    pub key: String,
    pub content_type: &'static str,
    pub extension: &'static str,
    pub width: u32,
    pub height: u32,
    pub original: Vec<u8>,
    /// One per entry of [`THUMB_SIZES`], in that order.
    pub thumbs: Vec<Thumb>,
}

/// A JPEG thumbnail; `size` is the requested longest side, `width`/`height` what it really is
/// (smaller pictures are never upscaled).
#[derive(Clone, PartialEq, Eq)]
pub struct Thumb {
    pub size: u32,
    pub width: u32,
    pub height: u32,
    pub bytes: Vec<u8>,
}

/// Badge evidence ready to be stored: a PDF as uploaded, or a re-encoded picture.
#[derive(Clone, PartialEq, Eq)]
pub struct ProcessedFile {
    /// SHA-256 (hex) of `bytes`.
    pub key: String,
    pub content_type: &'static str,
    pub extension: &'static str,
    pub bytes: Vec<u8>,
}

// Hand-written so that logging one of these prints sizes, not megabytes of bytes.
impl fmt::Debug for ProcessedImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessedImage")
            .field("key", &self.key)
            .field("content_type", &self.content_type)
            .field("extension", &self.extension)
            .field("width", &self.width)
            .field("height", &self.height)
            .field("original_len", &self.original.len())
            .field("thumbs", &self.thumbs)
            .finish()
    }
}

impl fmt::Debug for Thumb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Thumb")
            .field("size", &self.size)
            .field("width", &self.width)
            .field("height", &self.height)
            .field("len", &self.bytes.len())
            .finish()
    }
}

impl fmt::Debug for ProcessedFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessedFile")
            .field("key", &self.key)
            .field("content_type", &self.content_type)
            .field("extension", &self.extension)
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// Checks an uploaded picture and re-encodes it for storage.
///
/// The format comes from the content (JPEG, PNG or WebP), never from the file name. The size
/// in pixels is read from the header and checked against `limits` before any pixel buffer is
/// allocated. The picture is turned upright following its EXIF orientation and re-encoded,
/// which drops all metadata (EXIF, GPS position, comments): JPEG stays JPEG (quality 85), PNG
/// stays PNG, WebP becomes PNG when it has transparency and JPEG otherwise. Thumbnails of
/// [`THUMB_SIZES`] are JPEG, transparency flattened on white.
///
/// CPU-heavy and synchronous: call it from `tokio::task::spawn_blocking`.
pub fn process_image(bytes: &[u8], limits: &Limits) -> Result<ProcessedImage, MediaError> {
    check_size(bytes, limits)?;
    let format = sniff_image(bytes).ok_or(MediaError::NotAnImage)?;
    let img = decode_upright(bytes, format, limits)?;
    let (content_type, extension, original) = encode_original(&img, format)?;
    let thumbs = make_thumbs(&img)?;
    Ok(ProcessedImage {
        key: sha256_hex(&original),
        content_type,
        extension,
        width: img.width(),
        height: img.height(),
        original,
        thumbs,
    })
}

/// Checks badge evidence: a PDF, kept byte for byte, or a picture, re-encoded as by
/// [`process_image`] (without thumbnails: evidence is only ever opened whole).
///
/// PDFs are only recognised by their `%PDF-` header, not sanitised; they are served as
/// downloads to the people who review badges.
///
/// CPU-heavy and synchronous: call it from `tokio::task::spawn_blocking`.
pub fn process_evidence(bytes: &[u8], limits: &Limits) -> Result<ProcessedFile, MediaError> {
    check_size(bytes, limits)?;
    if bytes.starts_with(b"%PDF-") {
        return Ok(ProcessedFile {
            key: sha256_hex(bytes),
            content_type: "application/pdf",
            extension: "pdf",
            bytes: bytes.to_vec(),
        });
    }
    let format = sniff_image(bytes).ok_or(MediaError::NotAcceptedFile)?;
    let img = decode_upright(bytes, format, limits)?;
    let (content_type, extension, original) = encode_original(&img, format)?;
    Ok(ProcessedFile {
        key: sha256_hex(&original),
        content_type,
        extension,
        bytes: original,
    })
}

/// What decoding `bytes` will hold in memory, in bytes, read from the header alone (0 for a
/// PDF or anything that is not an accepted picture: those are refused or kept without
/// decoding). Pictures over `limits` are refused here, before any pixel is allocated.
pub(crate) fn decoded_cost(bytes: &[u8], limits: &Limits) -> Result<u64, MediaError> {
    check_size(bytes, limits)?;
    let Some(format) = sniff_image(bytes) else {
        return Ok(0);
    };
    let reader = ImageReader::with_format(Cursor::new(bytes), format);
    let decoder = reader.into_decoder().map_err(corrupt)?;
    let (width, height) = decoder.dimensions();
    check_dimensions(width, height, limits)?;
    // The decoded pixels, plus a quarter for the re-encoded original and the thumbnails.
    let pixels = decoder.total_bytes();
    Ok(pixels.saturating_add(pixels / 4))
}

fn check_size(bytes: &[u8], limits: &Limits) -> Result<(), MediaError> {
    if bytes.len() > limits.max_bytes {
        return Err(MediaError::TooLarge {
            max_bytes: limits.max_bytes,
        });
    }
    Ok(())
}

/// Only the three formats we accept; `image::guess_format` would also name GIF, TIFF, BMP…
fn sniff_image(bytes: &[u8]) -> Option<ImageFormat> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(ImageFormat::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(ImageFormat::Png)
    } else if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP".as_slice()) {
        Some(ImageFormat::WebP)
    } else {
        None
    }
}

fn decode_upright(
    bytes: &[u8],
    format: ImageFormat,
    limits: &Limits,
) -> Result<DynamicImage, MediaError> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    // No dimension limits yet: constructing the decoder only parses the header, and our own
    // check below must see the real size to report it.
    let mut header_limits = image::Limits::default();
    header_limits.max_alloc = Some(MAX_DECODER_ALLOC);
    reader.limits(header_limits);
    let mut decoder = reader.into_decoder().map_err(corrupt)?;

    let (width, height) = decoder.dimensions();
    check_dimensions(width, height, limits)?;

    let too_big = |_| MediaError::TooManyPixels { width, height };
    let mut guard = image::Limits::default();
    guard.max_image_width = Some(limits.max_width);
    guard.max_image_height = Some(limits.max_height);
    guard.max_alloc = Some(MAX_DECODER_ALLOC);
    // Same bookkeeping as `ImageReader::decode`: the output buffer counts against max_alloc.
    guard.reserve(decoder.total_bytes()).map_err(too_big)?;
    decoder.set_limits(guard).map_err(too_big)?;

    // A broken EXIF block is no reason to refuse a picture that decodes; it just stays as is.
    let orientation = decoder.orientation().unwrap_or_else(|e| {
        tracing::debug!(error = %e, "unreadable EXIF orientation, ignored");
        Orientation::NoTransforms
    });
    let mut img = DynamicImage::from_decoder(decoder).map_err(|e| match e {
        ImageError::Limits(_) => MediaError::TooManyPixels { width, height },
        other => corrupt(other),
    })?;
    img.apply_orientation(orientation);
    Ok(img)
}

fn check_dimensions(width: u32, height: u32, limits: &Limits) -> Result<(), MediaError> {
    if width == 0 || height == 0 {
        return Err(MediaError::Corrupt(format!("empty image {width}x{height}")));
    }
    let pixels = u64::from(width) * u64::from(height);
    if width > limits.max_width || height > limits.max_height || pixels > limits.max_pixels {
        return Err(MediaError::TooManyPixels { width, height });
    }
    Ok(())
}

fn corrupt(e: ImageError) -> MediaError {
    MediaError::Corrupt(e.to_string())
}

fn encode_original(
    img: &DynamicImage,
    format: ImageFormat,
) -> Result<(&'static str, &'static str, Vec<u8>), MediaError> {
    let as_png = match format {
        ImageFormat::Png => true,
        ImageFormat::WebP => img.has_alpha(),
        _ => false,
    };
    if as_png {
        Ok(("image/png", "png", encode_png(img)?))
    } else {
        Ok((
            "image/jpeg",
            "jpg",
            encode_jpeg(&jpeg_pixels(img), ORIGINAL_JPEG_QUALITY)?,
        ))
    }
}

fn make_thumbs(img: &DynamicImage) -> Result<Vec<Thumb>, MediaError> {
    // Shrunk first and flattened after: flattening a full-size picture with transparency
    // would hold a second full-size copy in memory.
    THUMB_SIZES
        .iter()
        .map(|&size| {
            let (width, height) = fit(img.width(), img.height(), size);
            let bytes = if (width, height) == (img.width(), img.height()) {
                encode_jpeg(&jpeg_pixels(img), THUMB_JPEG_QUALITY)?
            } else {
                let small = img.thumbnail_exact(width, height);
                encode_jpeg(&jpeg_pixels(&small), THUMB_JPEG_QUALITY)?
            };
            Ok(Thumb {
                size,
                width,
                height,
                bytes,
            })
        })
        .collect()
}

/// Dimensions with the longest side at most `size`, keeping the aspect ratio, never upscaling.
fn fit(width: u32, height: u32, size: u32) -> (u32, u32) {
    let longest = width.max(height);
    if longest <= size {
        return (width, height);
    }
    let scale = |side: u32| {
        let scaled =
            (u64::from(side) * u64::from(size) + u64::from(longest) / 2) / u64::from(longest);
        u32::try_from(scaled).unwrap_or(size).clamp(1, size)
    };
    (scale(width), scale(height))
}

/// Pixels the JPEG encoder takes (8-bit grey or RGB), transparency flattened on white.
fn jpeg_pixels(img: &DynamicImage) -> Cow<'_, DynamicImage> {
    match img {
        DynamicImage::ImageRgb8(_) | DynamicImage::ImageLuma8(_) => Cow::Borrowed(img),
        _ if img.has_alpha() => Cow::Owned(DynamicImage::ImageRgb8(flatten_on_white(img))),
        _ if !img.color().has_color() => Cow::Owned(DynamicImage::ImageLuma8(img.to_luma8())),
        _ => Cow::Owned(DynamicImage::ImageRgb8(img.to_rgb8())),
    }
}

fn flatten_on_white(img: &DynamicImage) -> RgbImage {
    let rgba = img.to_rgba8();
    let mut out = RgbImage::new(rgba.width(), rgba.height());
    for (src, dst) in rgba.pixels().zip(out.pixels_mut()) {
        let [r, g, b, a] = src.0;
        let a = u16::from(a);
        let blend = |c: u8| {
            let v = (u16::from(c) * a + 255 * (255 - a) + 127) / 255;
            u8::try_from(v).unwrap_or(u8::MAX)
        };
        dst.0 = [blend(r), blend(g), blend(b)];
    }
    out
}

fn encode_jpeg(img: &DynamicImage, quality: u8) -> Result<Vec<u8>, MediaError> {
    let mut buf = Vec::new();
    img.write_with_encoder(JpegEncoder::new_with_quality(&mut buf, quality))
        .map_err(corrupt)?;
    Ok(buf)
}

fn encode_png(img: &DynamicImage) -> Result<Vec<u8>, MediaError> {
    let mut buf = Vec::new();
    img.write_with_encoder(PngEncoder::new(&mut buf))
        .map_err(corrupt)?;
    Ok(buf)
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use image::codecs::webp::WebPEncoder;
    use image::{ImageEncoder, Rgb, RgbaImage};

    /// A picture whose pixels depend on `seed`, so different seeds give different pictures.
    pub(crate) fn rgb(width: u32, height: u32, seed: u8) -> RgbImage {
        RgbImage::from_fn(width, height, |x, y| {
            Rgb([
                (x % 256) as u8 ^ seed,
                (y % 256) as u8,
                ((x + y) % 256) as u8 ^ seed.rotate_left(3),
            ])
        })
    }

    pub(crate) fn jpeg(width: u32, height: u32, seed: u8) -> Vec<u8> {
        let mut buf = Vec::new();
        DynamicImage::ImageRgb8(rgb(width, height, seed))
            .write_with_encoder(JpegEncoder::new_with_quality(&mut buf, 90))
            .unwrap();
        buf
    }

    fn png(img: &DynamicImage) -> Vec<u8> {
        let mut buf = Vec::new();
        img.write_with_encoder(PngEncoder::new(&mut buf)).unwrap();
        buf
    }

    fn webp(img: &DynamicImage) -> Vec<u8> {
        let mut buf = Vec::new();
        img.write_with_encoder(WebPEncoder::new_lossless(&mut buf))
            .unwrap();
        buf
    }

    fn decode(bytes: &[u8]) -> DynamicImage {
        image::load_from_memory(bytes).unwrap()
    }

    /// Inserts an APP1 segment right after the SOI marker, as cameras do.
    fn with_app1(jpeg: &[u8], payload: &[u8]) -> Vec<u8> {
        let len = u16::try_from(payload.len() + 2).unwrap();
        let mut out = jpeg[..2].to_vec();
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(payload);
        out.extend_from_slice(&jpeg[2..]);
        out
    }

    /// A little-endian EXIF block: IFD0 with a description, the orientation and a pointer to a
    /// GPS IFD holding a latitude reference — the personal data that must not survive.
    fn exif(orientation: u16) -> Vec<u8> {
        const DESCRIPTION: &[u8] = b"GPS 21.0285N 105.8542E\0";
        let entry = |out: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: [u8; 4]| {
            out.extend_from_slice(&tag.to_le_bytes());
            out.extend_from_slice(&kind.to_le_bytes());
            out.extend_from_slice(&count.to_le_bytes());
            out.extend_from_slice(&value);
        };
        // Offsets are from the TIFF header: IFD0 at 8 (3 entries: 2 + 36 + 4 = 42 bytes),
        // GPS IFD at 50 (1 entry: 18 bytes), the description string at 68.
        let mut tiff = b"II*\0".to_vec();
        tiff.extend_from_slice(&8u32.to_le_bytes());
        tiff.extend_from_slice(&3u16.to_le_bytes());
        let description_len = u32::try_from(DESCRIPTION.len()).unwrap();
        entry(&mut tiff, 0x010E, 2, description_len, 68u32.to_le_bytes());
        let [o0, o1] = orientation.to_le_bytes();
        entry(&mut tiff, 0x0112, 3, 1, [o0, o1, 0, 0]);
        entry(&mut tiff, 0x8825, 4, 1, 50u32.to_le_bytes());
        tiff.extend_from_slice(&0u32.to_le_bytes());
        assert_eq!(tiff.len(), 50);
        tiff.extend_from_slice(&1u16.to_le_bytes());
        entry(&mut tiff, 0x0001, 2, 2, *b"N\0\0\0");
        tiff.extend_from_slice(&0u32.to_le_bytes());
        assert_eq!(tiff.len(), 68);
        tiff.extend_from_slice(DESCRIPTION);

        let mut app1 = b"Exif\0\0".to_vec();
        app1.extend_from_slice(&tiff);
        app1
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    /// A valid small PNG whose IHDR then claims another size, CRC fixed so only the size lies.
    fn png_claiming(width: u32, height: u32) -> Vec<u8> {
        let mut bytes = png(&DynamicImage::ImageRgb8(rgb(8, 8, 0)));
        // Signature (8), chunk length (4), "IHDR" (4), then width and height.
        assert_eq!(&bytes[12..16], b"IHDR");
        bytes[16..20].copy_from_slice(&width.to_be_bytes());
        bytes[20..24].copy_from_slice(&height.to_be_bytes());
        let crc = crc32fast::hash(&bytes[12..29]);
        bytes[29..33].copy_from_slice(&crc.to_be_bytes());
        bytes
    }

    #[test]
    fn text_zip_gif_pdf_and_svg_are_not_images() {
        let refused: [&[u8]; 6] = [
            b"hello, this is not a picture",
            b"PK\x03\x04\x14\x00\x00\x00\x08\x00photo.jpg",
            b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!",
            b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
            b"",
        ];
        for bytes in refused {
            assert!(
                matches!(
                    process_image(bytes, &Limits::default()),
                    Err(MediaError::NotAnImage)
                ),
                "{bytes:?}"
            );
        }
    }

    #[test]
    fn too_many_bytes_is_refused_before_anything_else() {
        let limits = Limits {
            max_bytes: 16,
            ..Limits::default()
        };
        assert!(matches!(
            process_image(&jpeg(10, 10, 0), &limits),
            Err(MediaError::TooLarge { max_bytes: 16 })
        ));
        assert!(matches!(
            process_evidence(b"%PDF-1.4 and a lot more than sixteen bytes", &limits),
            Err(MediaError::TooLarge { max_bytes: 16 })
        ));
    }

    #[test]
    fn huge_png_is_refused_from_its_header() {
        // The IDAT holds 8×8 pixels: had the code decoded, it would fail as Corrupt, so
        // TooManyPixels proves the refusal came from the header alone.
        let bomb = png_claiming(20_000, 20_000);
        assert!(matches!(
            process_image(&bomb, &Limits::default()),
            Err(MediaError::TooManyPixels {
                width: 20_000,
                height: 20_000
            })
        ));
        let wide = png_claiming(9_000, 10);
        assert!(matches!(
            process_image(&wide, &Limits::default()),
            Err(MediaError::TooManyPixels {
                width: 9_000,
                height: 10
            })
        ));
    }

    #[test]
    fn decoder_allocation_cap_holds_even_with_lax_limits() {
        let lax = Limits {
            max_bytes: usize::MAX,
            max_width: u32::MAX,
            max_height: u32::MAX,
            max_pixels: u64::MAX,
        };
        assert!(matches!(
            process_image(&png_claiming(20_000, 20_000), &lax),
            Err(MediaError::TooManyPixels { .. })
        ));
    }

    #[test]
    fn truncated_data_is_corrupt() {
        let whole = jpeg(64, 64, 1);
        let cut = &whole[..whole.len() / 3];
        assert!(matches!(
            process_image(cut, &Limits::default()),
            Err(MediaError::Corrupt(_))
        ));
        assert!(matches!(
            process_image(b"\x89PNG\r\n\x1a\nnot really", &Limits::default()),
            Err(MediaError::Corrupt(_))
        ));
    }

    #[test]
    fn exif_and_gps_are_dropped() {
        let upload = with_app1(&jpeg(40, 20, 2), &exif(1));
        assert!(contains(&upload, b"Exif") && contains(&upload, b"GPS"));
        let out = process_image(&upload, &Limits::default()).unwrap();
        assert!(!contains(&out.original, b"Exif"));
        assert!(!contains(&out.original, b"GPS"));
        for thumb in &out.thumbs {
            assert!(!contains(&thumb.bytes, b"Exif"));
        }
        assert_eq!((out.content_type, out.extension), ("image/jpeg", "jpg"));
        let back = decode(&out.original);
        assert_eq!((back.width(), back.height()), (40, 20));
        assert_eq!((out.width, out.height), (40, 20));
    }

    #[test]
    fn exif_orientation_is_applied() {
        let upload = with_app1(&jpeg(40, 20, 3), &exif(6));
        let out = process_image(&upload, &Limits::default()).unwrap();
        assert_eq!((out.width, out.height), (20, 40));
        let back = decode(&out.original);
        assert_eq!((back.width(), back.height()), (20, 40));
        let thumb = decode(&out.thumbs[0].bytes);
        assert_eq!((thumb.width(), thumb.height()), (20, 40));
    }

    #[test]
    fn thumbnails_fit_the_longest_side() {
        let out = process_image(&jpeg(1600, 800, 4), &Limits::default()).unwrap();
        let sizes: Vec<_> = out
            .thumbs
            .iter()
            .map(|t| (t.size, t.width, t.height))
            .collect();
        assert_eq!(sizes, [(320, 320, 160), (800, 800, 400)]);
        for thumb in &out.thumbs {
            let back = decode(&thumb.bytes);
            assert_eq!((back.width(), back.height()), (thumb.width, thumb.height));
            assert!(thumb.bytes.starts_with(&[0xFF, 0xD8, 0xFF]));
        }

        let tall = process_image(&jpeg(300, 1000, 4), &Limits::default()).unwrap();
        assert_eq!((tall.thumbs[0].width, tall.thumbs[0].height), (96, 320));
    }

    #[test]
    fn small_pictures_are_not_upscaled() {
        let out = process_image(&jpeg(100, 50, 5), &Limits::default()).unwrap();
        assert_eq!(out.thumbs.len(), THUMB_SIZES.len());
        for thumb in &out.thumbs {
            let back = decode(&thumb.bytes);
            assert!(back.width() <= 100 && back.height() <= 50);
            assert_eq!((thumb.width, thumb.height), (back.width(), back.height()));
        }
    }

    #[test]
    fn keys_follow_the_picture() {
        let a = jpeg(64, 48, 6);
        let b = jpeg(64, 48, 7);
        let first = process_image(&a, &Limits::default()).unwrap();
        let again = process_image(&a, &Limits::default()).unwrap();
        let other = process_image(&b, &Limits::default()).unwrap();
        assert_eq!(first.key, again.key);
        assert_eq!(first.original, again.original);
        assert_ne!(first.key, other.key);
        assert_eq!(first.key, sha256_hex(&first.original));
        assert_eq!(first.key.len(), 64);
    }

    #[test]
    fn png_stays_png_and_thumbs_are_flattened_on_white() {
        let transparent = RgbaImage::from_fn(30, 20, |x, _| {
            image::Rgba([0, 0, 0, if x < 15 { 0 } else { 255 }])
        });
        let out = process_image(
            &png(&DynamicImage::ImageRgba8(transparent)),
            &Limits::default(),
        )
        .unwrap();
        assert_eq!((out.content_type, out.extension), ("image/png", "png"));
        assert!(decode(&out.original).has_alpha());
        let thumb = decode(&out.thumbs[0].bytes).to_rgb8();
        assert!(thumb.get_pixel(2, 10).0.iter().all(|&c| c > 240));
        assert!(thumb.get_pixel(27, 10).0.iter().all(|&c| c < 15));
    }

    #[test]
    fn webp_becomes_png_with_alpha_and_jpeg_without() {
        let opaque = DynamicImage::ImageRgb8(rgb(20, 10, 8));
        let out = process_image(&webp(&opaque), &Limits::default()).unwrap();
        assert_eq!((out.content_type, out.extension), ("image/jpeg", "jpg"));
        assert!(out.original.starts_with(&[0xFF, 0xD8, 0xFF]));

        let clear = DynamicImage::ImageRgba8(RgbaImage::from_pixel(
            20,
            10,
            image::Rgba([10, 20, 30, 128]),
        ));
        let out = process_image(&webp(&clear), &Limits::default()).unwrap();
        assert_eq!((out.content_type, out.extension), ("image/png", "png"));
        assert!(out.original.starts_with(b"\x89PNG"));
    }

    #[test]
    fn grey_png_gives_jpeg_thumbs() {
        let grey = DynamicImage::ImageLuma16(image::ImageBuffer::from_pixel(
            12,
            12,
            image::Luma([30_000u16]),
        ));
        let mut buf = Vec::new();
        PngEncoder::new(&mut buf)
            .write_image(grey.as_bytes(), 12, 12, image::ExtendedColorType::L16)
            .unwrap();
        let out = process_image(&buf, &Limits::default()).unwrap();
        assert_eq!(out.extension, "png");
        assert_eq!(decode(&out.thumbs[0].bytes).width(), 12);
    }

    #[test]
    fn evidence_pdf_is_kept_as_is() {
        let pdf = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n";
        let out = process_evidence(pdf, &Limits::default()).unwrap();
        assert_eq!(out.bytes, pdf);
        assert_eq!(
            (out.content_type, out.extension),
            ("application/pdf", "pdf")
        );
        assert_eq!(out.key, sha256_hex(pdf));
    }

    #[test]
    fn evidence_picture_is_reencoded() {
        let upload = with_app1(&jpeg(40, 20, 9), &exif(6));
        let out = process_evidence(&upload, &Limits::default()).unwrap();
        let image = process_image(&upload, &Limits::default()).unwrap();
        assert_eq!(out.bytes, image.original);
        assert_eq!(out.key, image.key);
        assert_eq!((out.content_type, out.extension), ("image/jpeg", "jpg"));
        assert!(!contains(&out.bytes, b"GPS"));
    }

    #[test]
    fn evidence_zip_text_and_gif_are_refused() {
        let refused: [&[u8]; 3] = [
            b"PK\x03\x04\x14\x00\x00\x00\x08\x00evidence.pdf",
            b"hello, this is not a picture",
            b"GIF89a\x01\x00\x01\x00",
        ];
        for bytes in refused {
            assert!(
                matches!(
                    process_evidence(bytes, &Limits::default()),
                    Err(MediaError::NotAcceptedFile)
                ),
                "{bytes:?}"
            );
        }
        assert!(matches!(
            process_evidence(&png_claiming(20_000, 20_000), &Limits::default()),
            Err(MediaError::TooManyPixels { .. })
        ));
    }

    #[test]
    fn fit_keeps_aspect_and_never_upscales() {
        assert_eq!(fit(1600, 800, 320), (320, 160));
        assert_eq!(fit(800, 1600, 800), (400, 800));
        assert_eq!(fit(100, 50, 800), (100, 50));
        assert_eq!(fit(10_000, 1, 320), (320, 1));
    }
}
