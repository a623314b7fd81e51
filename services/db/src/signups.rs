//! Sign-ups waiting for the link sent to their e-mail address or phone, stored by the hash
//! of that link's token. Using the link takes the request; an unused one expires.

use crate::{Conn, Result, on};
use chrono::{DateTime, Utc};

/// A sign-up as the form left it, password already hashed.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Pending {
    pub email: Option<String>,
    pub phone: Option<String>,
    pub display_name: String,
    pub password_hash: String,
    /// `vi` or `en`.
    pub locale: String,
}

pub async fn create(
    conn: Conn<'_>,
    token_hash: &str,
    p: &Pending,
    expires_at: DateTime<Utc>,
) -> Result<()> {
    let now = crate::now();
    on!(conn, e => sqlx::query(
        "INSERT INTO signup_requests (token_hash, email, phone, display_name, password_hash, locale, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(token_hash)
        .bind(p.email.as_deref())
        .bind(p.phone.as_deref())
        .bind(&p.display_name)
        .bind(&p.password_hash)
        .bind(&p.locale)
        .bind(now)
        .bind(expires_at)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// The live request behind a token, without using it.
pub async fn find_live(
    conn: Conn<'_>,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<Pending>> {
    Ok(on!(conn, e => sqlx::query_as(
        "SELECT email, phone, display_name, password_hash, locale FROM signup_requests \
         WHERE token_hash = $1 AND expires_at > $2")
        .bind(token_hash)
        .bind(now)
        .fetch_optional(e)
        .await)?)
}

/// Takes a live request (deleting it): two uses of one link succeed at most once.
pub async fn take(conn: Conn<'_>, token_hash: &str, now: DateTime<Utc>) -> Result<Option<Pending>> {
    Ok(on!(conn, e => sqlx::query_as(
        "DELETE FROM signup_requests WHERE token_hash = $1 AND expires_at > $2 \
         RETURNING email, phone, display_name, password_hash, locale")
        .bind(token_hash)
        .bind(now)
        .fetch_optional(e)
        .await)?)
}

/// Forgets requests whose link has expired; returns how many.
pub async fn purge_expired(conn: Conn<'_>, now: DateTime<Utc>) -> Result<u64> {
    Ok(
        on!(conn, e => sqlx::query("DELETE FROM signup_requests WHERE expires_at <= $1")
        .bind(now)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?,
    )
}
