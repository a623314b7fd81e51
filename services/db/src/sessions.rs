//! Server-side sessions. The cookie holds a random token; only its SHA-256 is stored, so a
//! leaked database does not hand out live sessions.

use crate::{Conn, Result, on};
use chrono::{DateTime, Utc};

/// Records a session for `user_id`, keyed by the hash of the cookie token.
pub async fn create(
    conn: Conn<'_>,
    id_hash: &str,
    user_id: i64,
    expires_at: DateTime<Utc>,
) -> Result<()> {
    on!(conn, e => sqlx::query(
        "INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(id_hash)
        .bind(user_id)
        .bind(crate::now())
        .bind(expires_at)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// The user of a live session, or `None` when it is unknown or expired.
pub async fn user_id(conn: Conn<'_>, id_hash: &str, now: DateTime<Utc>) -> Result<Option<i64>> {
    Ok(on!(conn, e => sqlx::query_scalar(
        "SELECT user_id FROM sessions WHERE id = $1 AND expires_at > $2")
        .bind(id_hash)
        .bind(now)
        .fetch_optional(e)
        .await)?)
}

pub async fn delete(conn: Conn<'_>, id_hash: &str) -> Result<()> {
    on!(conn, e => sqlx::query("DELETE FROM sessions WHERE id = $1")
        .bind(id_hash)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Ends every session of a user, e.g. after a password reset.
pub async fn delete_for_user(conn: Conn<'_>, user_id: i64) -> Result<u64> {
    Ok(
        on!(conn, e => sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?,
    )
}

pub async fn delete_expired(conn: Conn<'_>, now: DateTime<Utc>) -> Result<u64> {
    Ok(
        on!(conn, e => sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?,
    )
}
