//! Multipart forms with files: fields as text (NFC, UTF-8 checked), files as bytes, each
//! file checked by content in the media crate before anything is stored.

use crate::AppState;
use crate::error::{AppError, FieldErrors, Msg};
use crate::extract::Multipart;
use ketnoi_media::{Limits, MediaError, ProcessedImage};
use std::collections::HashMap;

/// At most this many files in one request.
pub const MAX_FILES: usize = 10;

#[derive(Debug, Default)]
pub struct Upload {
    pub fields: HashMap<String, String>,
    /// (field name, original file name, bytes); empty file inputs are left out.
    pub files: Vec<(String, String, Vec<u8>)>,
}

impl Upload {
    pub fn field(&self, name: &str) -> &str {
        self.fields.get(name).map(String::as_str).unwrap_or("")
    }
}

/// The message a person sees for a refused file.
pub fn media_error_msg(e: &MediaError) -> Msg {
    match e {
        MediaError::TooLarge { max_bytes } => Msg {
            key: e.message_key(),
            args: vec![("mb", (max_bytes / (1024 * 1024)).to_string())],
        },
        MediaError::TooManyPixels { width, height } => Msg {
            key: e.message_key(),
            args: vec![("width", width.to_string()), ("height", height.to_string())],
        },
        other => Msg::new(other.message_key()),
    }
}

/// The answer when the decoding pool is full: come back in a few seconds.
pub fn busy() -> AppError {
    AppError::Busy { retry_after: 5 }
}

/// Reads the whole multipart body; malformed bodies are a 400, never a 500. Counted against
/// the client address's upload limit before any of the body is read.
pub async fn read(
    state: &AppState,
    ctx: &crate::context::Ctx,
    Multipart(mut mp): Multipart,
) -> Result<Upload, AppError> {
    crate::state::governed(&state.uploads_by_ip, &ctx.client_ip)?;
    let mut up = Upload::default();
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(AppError::PayloadTooLarge);
            }
            Err(_) => return Err(AppError::BadRequest(Msg::new("err-bad-request"))),
        };
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let bytes = match field.bytes().await {
            Ok(b) => b,
            Err(e) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(AppError::PayloadTooLarge);
            }
            Err(_) => return Err(AppError::BadRequest(Msg::new("err-bad-request"))),
        };
        match file_name {
            Some(file) => {
                if bytes.is_empty() {
                    continue;
                }
                if up.files.len() >= MAX_FILES {
                    return Err(AppError::Validation(FieldErrors::single(
                        &name,
                        Msg::new("err-too-many-files"),
                    )));
                }
                up.files.push((name, file, bytes.to_vec()));
            }
            None => {
                let text = String::from_utf8(bytes.to_vec()).map_err(|_| {
                    AppError::Validation(FieldErrors::single(&name, Msg::new("err-encoding")))
                })?;
                up.fields.insert(name, text);
            }
        }
    }
    Ok(up)
}

/// Checks, cleans (EXIF removed) and stores one image with its thumbnails, and records it.
/// Nothing is stored when the file is refused.
pub async fn store_image(
    state: &AppState,
    bytes: Vec<u8>,
    org_id: i64,
) -> Result<ProcessedImage, Msg> {
    let processed = state
        .decoders
        .process_image(bytes, Limits::default())
        .await
        .map_err(|e| media_error_msg(&e))?;
    store_processed(state, &processed, org_id).await?;
    Ok(processed)
}

/// Stores an image already checked by [`ketnoi_media::process_image`] and records it.
pub async fn store_processed(
    state: &AppState,
    processed: &ProcessedImage,
    org_id: i64,
) -> Result<(), Msg> {
    state
        .media
        .store_image(processed)
        .await
        .map_err(|e| media_error_msg(&e))?;
    ketnoi_db::media::record(
        state.db.conn(),
        &ketnoi_db::media::Media {
            storage_key: processed.key.clone(),
            content_type: processed.content_type.to_owned(),
            width: Some(i64::from(processed.width)),
            height: Some(i64::from(processed.height)),
            byte_size: processed.original.len() as i64,
            org_id: Some(org_id),
        },
    )
    .await
    .map_err(|_| Msg::new("err-media-store"))?;
    Ok(())
}

/// Checks and stores a badge's evidence (a PDF or an image) and records it.
pub async fn store_evidence(state: &AppState, bytes: Vec<u8>, org_id: i64) -> Result<String, Msg> {
    let file = state
        .decoders
        .process_evidence(bytes, Limits::default())
        .await
        .map_err(|e| media_error_msg(&e))?;
    state
        .media
        .store_file(&file)
        .await
        .map_err(|e| media_error_msg(&e))?;
    ketnoi_db::media::record(
        state.db.conn(),
        &ketnoi_db::media::Media {
            storage_key: file.key.clone(),
            content_type: file.content_type.to_owned(),
            width: None,
            height: None,
            byte_size: file.bytes.len() as i64,
            org_id: Some(org_id),
        },
    )
    .await
    .map_err(|_| Msg::new("err-media-store"))?;
    Ok(file.key)
}
