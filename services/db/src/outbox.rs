//! Messages waiting to leave the platform. They are written in the same transaction as the
//! change that causes them and delivered by the worker, with retries and backoff.

use crate::{Conn, Result, on};
use chrono::{DateTime, Duration, Utc};
use ketnoi_domain::contact::PhoneChannel;

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
         WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $1 ORDER BY id LIMIT $2")
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
    mark_failed_at(conn, id, attempts_so_far, error, crate::now(), None).await
}

/// The wait before attempt `attempts_so_far + 1`: 30 s, doubling, at most 1 h.
pub fn backoff(attempts_so_far: i64) -> Duration {
    Duration::seconds(30 * 2_i64.pow(attempts_so_far.clamp(0, 7) as u32)).min(Duration::hours(1))
}

/// [`mark_failed`] as of `now`, waiting at least `retry_after` when the provider asked for it
/// (an HTTP `Retry-After`), never less than the backoff.
pub async fn mark_failed_at(
    conn: Conn<'_>,
    id: i64,
    attempts_so_far: i64,
    error: &str,
    now: DateTime<Utc>,
    retry_after: Option<Duration>,
) -> Result<()> {
    let wait = backoff(attempts_so_far).max(retry_after.unwrap_or_else(Duration::zero));
    on!(conn, e => sqlx::query(
        "UPDATE outbox SET attempts = attempts + 1, last_error = $2, next_attempt_at = $3 WHERE id = $1")
        .bind(id)
        .bind(error)
        .bind(now + wait)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Gives a message up for good (a provider refused it in a way a retry cannot change, or its
/// recipient opted out): it is never due again. Returns whether this call did it.
pub async fn mark_failed_permanently(
    conn: Conn<'_>,
    id: i64,
    error: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let n = on!(conn, e => sqlx::query(
        "UPDATE outbox SET attempts = attempts + 1, last_error = $2, failed_at = $3 \
         WHERE id = $1 AND sent_at IS NULL AND failed_at IS NULL")
        .bind(id)
        .bind(error)
        .bind(now)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// What a provider's delivery report said about a message it accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    Delivered,
    Failed,
}

impl Delivery {
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Delivered => "delivered",
            Delivery::Failed => "failed",
        }
    }
}

/// Records a provider's delivery report; a report for a message the outbox does not know
/// changes nothing (returns false). A later `delivered` is not overwritten by a `failed`.
pub async fn record_delivery(
    conn: Conn<'_>,
    id: i64,
    delivery: Delivery,
    at: DateTime<Utc>,
) -> Result<bool> {
    let n = on!(conn, e => sqlx::query(
        "UPDATE outbox SET delivery = $2, delivery_at = $3 \
         WHERE id = $1 AND (delivery IS NULL OR delivery <> 'delivered')")
        .bind(id)
        .bind(delivery.as_str())
        .bind(at)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Where one message stands (tests and the administrators' view read this).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Standing {
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub failed_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub delivery: Option<String>,
}

pub async fn standing(conn: Conn<'_>, id: i64) -> Result<Option<Standing>> {
    Ok(on!(conn, e => sqlx::query_as(
        "SELECT attempts, next_attempt_at, sent_at, failed_at, last_error, delivery FROM outbox WHERE id = $1")
        .bind(id)
        .fetch_optional(e)
        .await)?)
}

/// Stops messages to a phone number (E.164, `+84…`, as `users.phone` stores it); idempotent.
pub async fn opt_out(conn: Conn<'_>, phone: &str) -> Result<()> {
    on!(conn, e => sqlx::query(
        "INSERT INTO phone_opt_outs (phone, created_at) VALUES ($1, $2) ON CONFLICT (phone) DO NOTHING")
        .bind(phone)
        .bind(crate::now())
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// How messages to `phone` (E.164) reach it: [`PhoneChannel::Off`] when the number is in
/// `phone_opt_outs`, else the way the account with that phone chose, else (no account, no
/// choice) Zalo first.
pub async fn phone_channel(conn: Conn<'_>, phone: &str) -> Result<PhoneChannel> {
    let (opted_out, chosen): (bool, Option<String>) = on!(conn, e => sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM phone_opt_outs WHERE phone = $1), \
           (SELECT np.phone_channel FROM users u JOIN notification_prefs np ON np.user_id = u.id \
            WHERE u.phone = $1)")
        .bind(phone)
        .fetch_one(e)
        .await)?;
    if opted_out {
        return Ok(PhoneChannel::Off);
    }
    Ok(chosen
        .as_deref()
        .and_then(PhoneChannel::parse)
        .unwrap_or_default())
}

/// Records how `user_id`'s messages to her phone (E.164) reach her: off puts the number in
/// `phone_opt_outs` (keeping the way chosen before, for when she turns them on again); a way
/// takes it out and is kept in `notification_prefs`.
pub async fn set_phone_channel(
    db: &crate::Db,
    user_id: i64,
    phone: &str,
    channel: PhoneChannel,
) -> Result<()> {
    let mut tx = db.begin().await?;
    if channel == PhoneChannel::Off {
        opt_out(tx.conn(), phone).await?;
    } else {
        on!(tx.conn(), e => sqlx::query("DELETE FROM phone_opt_outs WHERE phone = $1")
            .bind(phone)
            .execute(e)
            .await
            .map(|r| r.rows_affected()))?;
        on!(tx.conn(), e => sqlx::query(
            "INSERT INTO notification_prefs (user_id, email_digest, phone_channel, updated_at) \
             VALUES ($1, $2, $3, $4) \
             ON CONFLICT (user_id) DO UPDATE SET phone_channel = excluded.phone_channel, \
             updated_at = excluded.updated_at")
            .bind(user_id)
            .bind(true)
            .bind(channel.as_str())
            .bind(crate::now())
            .execute(e)
            .await
            .map(|r| r.rows_affected()))?;
    }
    tx.commit().await?;
    Ok(())
}

/// The platform administrators' addresses (e-mail, else phone) and languages: who is told
/// when a message could not be delivered.
pub async fn administrators(conn: Conn<'_>) -> Result<Vec<(String, String)>> {
    Ok(on!(conn, e => sqlx::query_as(concat!(
        "SELECT ", contact!(), ", locale FROM users \
         WHERE platform_role = 'admin' AND ", contact!(), " IS NOT NULL ORDER BY id"))
        .fetch_all(e)
        .await)?)
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
