//! Server-side sessions: a random token in an HttpOnly cookie, its SHA-256 in the database.

use crate::AppState;
use crate::error::AppError;
use axum_extra::extract::cookie::{Cookie, SameSite};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use sha2::{Digest, Sha256};

pub const SESSION_COOKIE: &str = "kn_session";
pub const LANG_COOKIE: &str = "kn_lang";
pub const CSRF_COOKIE: &str = "kn_csrf";
pub const SESSION_DAYS: i64 = 30;

/// 32 random bytes, base64url: 43 characters.
pub fn random_token() -> Result<String, AppError> {
    let mut buf = [0u8; 32];
    getrandom::fill(&mut buf).map_err(|e| AppError::internal(anyhow::anyhow!("getrandom: {e}")))?;
    Ok(URL_SAFE_NO_PAD.encode(buf))
}

/// Whether a cookie value could be one of our tokens at all.
pub fn is_well_formed(token: &str) -> bool {
    token.len() == 43
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn cookie(
    state: &AppState,
    name: &'static str,
    value: String,
    max_age_days: i64,
) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.config.secure_cookies())
        .max_age(time_days(max_age_days))
        .build()
}

pub fn removal(name: &'static str) -> Cookie<'static> {
    Cookie::build((name, ""))
        .path("/")
        .max_age(time_days(0))
        .build()
}

fn time_days(days: i64) -> cookie::time::Duration {
    cookie::time::Duration::days(days)
}

/// Starts a session for `user_id` and returns the cookie that carries it.
pub async fn start(state: &AppState, user_id: i64) -> Result<Cookie<'static>, AppError> {
    let token = create(&state.db, user_id).await?;
    Ok(cookie(state, SESSION_COOKIE, token, SESSION_DAYS))
}

/// Stores a new session for `user_id` (only its token's hash) and returns the token, the
/// value of the [`SESSION_COOKIE`]. Tools and tests sign someone in with it directly.
pub async fn create(db: &ketnoi_db::Db, user_id: i64) -> Result<String, AppError> {
    let token = random_token()?;
    let expires = ketnoi_db::now() + Duration::days(SESSION_DAYS);
    ketnoi_db::sessions::create(db.conn(), &hash_token(&token), user_id, expires).await?;
    Ok(token)
}
