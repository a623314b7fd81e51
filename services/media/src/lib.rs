//! Media for Ketnoi: checks and re-encodes what cooperatives upload (logos, product photos,
//! badge evidence) and keeps it in an object store (local disk, S3-compatible, or memory).
//!
//! Uploads are judged by their bytes, never by their name. Pictures are re-encoded so that no
//! metadata (EXIF, GPS position) leaves the server, and stored under the SHA-256 of the result.

mod error;
mod pool;
mod process;
mod store;

pub use error::MediaError;
pub use pool::DecodePool;
pub use process::{
    Limits, ProcessedFile, ProcessedImage, THUMB_SIZES, Thumb, process_evidence, process_image,
};
pub use store::{MediaStore, content_type_for, file_path, image_path, thumb_path};
