//! One-time, expiring password-reset tokens, stored as hashes.

use crate::{Conn, Result, on};
use chrono::{DateTime, Utc};

pub async fn create(
    conn: Conn<'_>,
    token_hash: &str,
    user_id: i64,
    expires_at: DateTime<Utc>,
) -> Result<()> {
    on!(conn, e => sqlx::query(
        "INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(token_hash)
        .bind(user_id)
        .bind(crate::now())
        .bind(expires_at)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Whether a token is live (unused, unexpired), without using it up; the reset form checks
/// this before showing itself.
pub async fn is_live(conn: Conn<'_>, token_hash: &str, now: DateTime<Utc>) -> Result<bool> {
    let found: Option<i64> = on!(conn, e => sqlx::query_scalar(
        "SELECT user_id FROM password_resets WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2")
        .bind(token_hash)
        .bind(now)
        .fetch_optional(e)
        .await)?;
    Ok(found.is_some())
}

/// Uses up a live token and returns its user. The conditional update makes two concurrent
/// uses of one token succeed at most once.
pub async fn consume(conn: Conn<'_>, token_hash: &str, now: DateTime<Utc>) -> Result<Option<i64>> {
    Ok(on!(conn, e => sqlx::query_scalar(
        "UPDATE password_resets SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING user_id")
        .bind(token_hash)
        .bind(now)
        .fetch_optional(e)
        .await)?)
}
