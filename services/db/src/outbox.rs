//! Messages waiting to leave the platform. They are written in the same transaction as the
//! change that causes them and delivered by the worker, with retries and backoff.

use crate::{Conn, Result, on};
use chrono::{DateTime, Duration, Utc};

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Message {
    pub id: i64,
    pub kind: String,
    pub recipient: String,
    pub locale: String,
    pub subject: String,
    pub body: String,
    pub attempts: i64,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct NewMessage<'a> {
    pub kind: &'a str,
    pub recipient: &'a str,
    pub locale: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
}

pub async fn enqueue(conn: Conn<'_>, m: &NewMessage<'_>) -> Result<i64> {
    let now = crate::now();
    Ok(on!(conn, e => sqlx::query_scalar(
        "INSERT INTO outbox (kind, recipient, locale, subject, body, created_at, attempts, next_attempt_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 0, $6) RETURNING id")
        .bind(m.kind)
        .bind(m.recipient)
        .bind(m.locale)
        .bind(m.subject)
        .bind(m.body)
        .bind(now)
        .fetch_one(e)
        .await)?)
}

/// Messages due for (another) delivery attempt, oldest first.
pub async fn due(conn: Conn<'_>, now: DateTime<Utc>, limit: i64) -> Result<Vec<Message>> {
    Ok(on!(conn, e => sqlx::query_as(
        "SELECT id, kind, recipient, locale, subject, body, attempts, created_at, sent_at FROM outbox \
         WHERE sent_at IS NULL AND next_attempt_at <= $1 ORDER BY id LIMIT $2")
        .bind(now)
        .bind(limit)
        .fetch_all(e)
        .await)?)
}

/// Marks a message sent, unless another worker got there first; returns whether this call did.
pub async fn mark_sent(conn: Conn<'_>, id: i64, now: DateTime<Utc>) -> Result<bool> {
    let n = on!(conn, e => sqlx::query(
        "UPDATE outbox SET sent_at = $2, attempts = attempts + 1 WHERE id = $1 AND sent_at IS NULL")
        .bind(id)
        .bind(now)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Records a failed attempt and schedules the next one with exponential backoff (capped at 1 h).
pub async fn mark_failed(conn: Conn<'_>, id: i64, attempts_so_far: i64, error: &str) -> Result<()> {
    let backoff = Duration::seconds(30 * 2_i64.pow(attempts_so_far.clamp(0, 7) as u32))
        .min(Duration::hours(1));
    on!(conn, e => sqlx::query(
        "UPDATE outbox SET attempts = attempts + 1, last_error = $2, next_attempt_at = $3 WHERE id = $1")
        .bind(id)
        .bind(error)
        .bind(crate::now() + backoff)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Everything ever queued for one recipient, newest first (tests and the admin view read this).
pub async fn for_recipient(conn: Conn<'_>, recipient: &str) -> Result<Vec<Message>> {
    Ok(on!(conn, e => sqlx::query_as(
        "SELECT id, kind, recipient, locale, subject, body, attempts, created_at, sent_at FROM outbox \
         WHERE recipient = $1 ORDER BY id DESC")
        .bind(recipient)
        .fetch_all(e)
        .await)?)
}
