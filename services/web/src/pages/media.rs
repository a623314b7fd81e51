//! Serves stored images and documents. Keys are content hashes, so a URL's bytes never
//! change and browsers may keep them for a year.

use crate::AppState;
use crate::error::AppError;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

fn valid_path(p: &str) -> bool {
    let (dir, file) = match p.split_once('/') {
        Some(x) => x,
        None => return false,
    };
    // Evidence (doc/) is served to officers only, through /union/evidence.
    dir == "img"
        && !file.is_empty()
        && file.len() <= 100
        && file
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        && !file.contains("..")
}

pub async fn show_media(
    State(state): State<AppState>,
    Path(path): Path<String>,
) -> Result<Response, AppError> {
    if !valid_path(&path) {
        return Err(AppError::NotFound);
    }
    stored(&state, &path, "public, max-age=31536000, immutable").await
}

/// The stored object at `path` with its content type and `cache_control`; 404 if missing.
pub async fn stored(
    state: &AppState,
    path: &str,
    cache_control: &'static str,
) -> Result<Response, AppError> {
    let bytes = state
        .media
        .get(path)
        .await
        .map_err(|e| AppError::internal(anyhow::anyhow!("media store: {e}")))?
        .ok_or(AppError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, ketnoi_media::content_type_for(path)),
            (header::CACHE_CONTROL, cache_control),
        ],
        bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_store_paths_are_served() {
        assert!(super::valid_path("img/abc123-320.jpg"));
        for bad in [
            "doc/abc.pdf",
            "img/../secret",
            "etc/passwd",
            "img/",
            "img/A.jpg",
            "img/a/b.jpg",
            "imgabc",
        ] {
            assert!(!super::valid_path(bad), "{bad}");
        }
    }
}
