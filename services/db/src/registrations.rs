//! Registrations for events: a place in a ticket type's quota, or on its waiting list, a
//! cancellation that hands the place to the first person waiting, and the check-in.
//!
//! The quota holds under any number of concurrent registrations because the one statement
//! that takes a place, `UPDATE ticket_types SET taken = taken + 1 WHERE id = $1 AND
//! taken < quota`, both checks and counts (PostgreSQL locks the row for the rest of the
//! transaction; SQLite has one writer at a time).

use crate::{Conn, DbError, Result, Tx, on};
use chrono::{DateTime, Utc};
use ketnoi_domain::event::Status;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Registration {
    pub id: i64,
    pub event_id: i64,
    pub ticket_type_id: i64,
    pub user_id: i64,
    pub org_id: Option<i64>,
    pub attendee_name: String,
    pub role: Option<String>,
    pub status: String,
    pub booth_request: Option<String>,
    pub booth: Option<String>,
    pub created_at: DateTime<Utc>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub checked_in_at: Option<DateTime<Utc>>,
    pub checked_in_by: Option<i64>,
    /// The officer who checked her in (display name).
    pub checked_in_by_name: Option<String>,
}

impl Registration {
    pub fn status(&self) -> Option<Status> {
        Status::parse(&self.status)
    }
}

macro_rules! select_registrations {
    ($rest:literal) => {
        concat!(
            "SELECT r.id, r.event_id, r.ticket_type_id, r.user_id, r.org_id, r.attendee_name, r.role, r.status, \
               r.booth_request, r.booth, r.created_at, r.confirmed_at, r.cancelled_at, r.checked_in_at, r.checked_in_by, \
               u.display_name AS checked_in_by_name \
             FROM registrations r LEFT JOIN users u ON u.id = r.checked_in_by ",
            $rest
        )
    };
}

/// A registration to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRegistration {
    pub event_id: i64,
    pub ticket_type_id: i64,
    pub user_id: i64,
    pub org_id: Option<i64>,
    pub attendee_name: String,
    pub role: Option<String>,
    pub booth_request: Option<String>,
}

/// Why a registration was not made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// She already holds a live registration for this event.
    AlreadyRegistered,
    /// The ticket type is not one of this event's.
    NoSuchTicket,
}

/// Takes a place if one is left, else a place on the waiting list.
pub async fn register(
    tx: &mut Tx,
    r: &NewRegistration,
) -> Result<std::result::Result<Registration, Refused>> {
    let now = crate::now();
    let belongs: Option<i64> = on!(tx.conn(), e => sqlx::query_scalar(
        "SELECT id FROM ticket_types WHERE id = $1 AND event_id = $2")
        .bind(r.ticket_type_id)
        .bind(r.event_id)
        .fetch_optional(e)
        .await)?;
    if belongs.is_none() {
        return Ok(Err(Refused::NoSuchTicket));
    }
    let took = on!(tx.conn(), e => sqlx::query(
        "UPDATE ticket_types SET taken = taken + 1 WHERE id = $1 AND taken < quota")
        .bind(r.ticket_type_id)
        .execute(e)
        .await
        .map(|x| x.rows_affected()))?;
    let status = if took == 1 {
        Status::Confirmed
    } else {
        Status::Waitlisted
    };
    let inserted = on!(tx.conn(), e => sqlx::query_scalar::<_, i64>(
        "INSERT INTO registrations (event_id, ticket_type_id, user_id, org_id, attendee_name, role, status, booth_request, \
           created_at, confirmed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id")
        .bind(r.event_id)
        .bind(r.ticket_type_id)
        .bind(r.user_id)
        .bind(r.org_id)
        .bind(&r.attendee_name)
        .bind(r.role.as_deref())
        .bind(status.as_str())
        .bind(r.booth_request.as_deref())
        .bind(now)
        .bind((status == Status::Confirmed).then_some(now))
        .fetch_one(e)
        .await);
    let id = match inserted.map_err(DbError::from) {
        Ok(id) => id,
        Err(DbError::Unique { .. }) => return Ok(Err(Refused::AlreadyRegistered)),
        Err(e) => return Err(e),
    };
    match find(tx.conn(), id).await? {
        Some(reg) => Ok(Ok(reg)),
        None => Err(DbError::NotFound),
    }
}

pub async fn find(conn: Conn<'_>, id: i64) -> Result<Option<Registration>> {
    Ok(
        on!(conn, e => sqlx::query_as(select_registrations!("WHERE r.id = $1"))
        .bind(id)
        .fetch_optional(e)
        .await)?,
    )
}

/// Her live (not cancelled) registration for an event.
pub async fn live_for(conn: Conn<'_>, event_id: i64, user_id: i64) -> Result<Option<Registration>> {
    Ok(on!(conn, e => sqlx::query_as(select_registrations!(
        "WHERE r.event_id = $1 AND r.user_id = $2 AND r.status <> 'cancelled'"))
        .bind(event_id)
        .bind(user_id)
        .fetch_optional(e)
        .await)?)
}

/// Her registrations, newest first.
pub async fn of_user(conn: Conn<'_>, user_id: i64) -> Result<Vec<Registration>> {
    Ok(
        on!(conn, e => sqlx::query_as(select_registrations!("WHERE r.user_id = $1 ORDER BY r.id DESC LIMIT 200"))
        .bind(user_id)
        .fetch_all(e)
        .await)?,
    )
}

/// An event's registrations: confirmed, then the waiting list in order, then cancelled.
pub async fn of_event(conn: Conn<'_>, event_id: i64) -> Result<Vec<Registration>> {
    Ok(on!(conn, e => sqlx::query_as(select_registrations!(
        "WHERE r.event_id = $1 ORDER BY CASE r.status WHEN 'confirmed' THEN 0 WHEN 'waitlisted' THEN 1 ELSE 2 END, r.id"))
        .bind(event_id)
        .fetch_all(e)
        .await)?)
}

/// Her place on the waiting list (1 for the first), if she is on it.
pub async fn queue_position(conn: Conn<'_>, r: &Registration) -> Result<Option<i64>> {
    if r.status() != Some(Status::Waitlisted) {
        return Ok(None);
    }
    let ahead: i64 = on!(conn, e => sqlx::query_scalar(
        "SELECT COUNT(*) FROM registrations WHERE ticket_type_id = $1 AND status = 'waitlisted' AND id < $2")
        .bind(r.ticket_type_id)
        .bind(r.id)
        .fetch_one(e)
        .await)?;
    Ok(Some(ahead + 1))
}

/// What a cancellation did.
#[derive(Debug, Clone, PartialEq)]
pub enum Cancelled {
    /// It was cancelled; the first person waiting got the place, if anyone was.
    Done { promoted: Option<Box<Registration>> },
    /// It was already cancelled.
    Already,
}

/// Cancels a registration. A confirmed place goes to the first person on the waiting list
/// of the same ticket type, in the same transaction.
pub async fn cancel(tx: &mut Tx, id: i64) -> Result<Cancelled> {
    let Some(reg) = find(tx.conn(), id).await? else {
        return Err(DbError::NotFound);
    };
    if reg.status() == Some(Status::Cancelled) {
        return Ok(Cancelled::Already);
    }
    let now = crate::now();
    let n = on!(tx.conn(), e => sqlx::query(
        "UPDATE registrations SET status = 'cancelled', cancelled_at = $1 WHERE id = $2 AND status = $3")
        .bind(now)
        .bind(id)
        .bind(&reg.status)
        .execute(e)
        .await
        .map(|x| x.rows_affected()))?;
    if n == 0 {
        return Ok(Cancelled::Already);
    }
    if reg.status() != Some(Status::Confirmed) {
        return Ok(Cancelled::Done { promoted: None });
    }
    // Gives the place back first: on PostgreSQL this locks the ticket type's row, so the
    // next two statements see every other registration and cancellation settled.
    on!(tx.conn(), e => sqlx::query("UPDATE ticket_types SET taken = taken - 1 WHERE id = $1 AND taken > 0")
        .bind(reg.ticket_type_id)
        .execute(e)
        .await
        .map(|x| x.rows_affected()))?;
    promote_next(tx, reg.ticket_type_id)
        .await
        .map(|promoted| Cancelled::Done {
            promoted: promoted.map(Box::new),
        })
}

/// Gives a free place of a ticket type to the first person waiting, if there is both.
pub async fn promote_next(tx: &mut Tx, ticket_type_id: i64) -> Result<Option<Registration>> {
    let next: Option<i64> = on!(tx.conn(), e => sqlx::query_scalar(
        "SELECT id FROM registrations WHERE ticket_type_id = $1 AND status = 'waitlisted' ORDER BY id LIMIT 1")
        .bind(ticket_type_id)
        .fetch_optional(e)
        .await)?;
    let Some(next) = next else {
        return Ok(None);
    };
    let took = on!(tx.conn(), e => sqlx::query(
        "UPDATE ticket_types SET taken = taken + 1 WHERE id = $1 AND taken < quota")
        .bind(ticket_type_id)
        .execute(e)
        .await
        .map(|x| x.rows_affected()))?;
    if took == 0 {
        return Ok(None);
    }
    on!(tx.conn(), e => sqlx::query(
        "UPDATE registrations SET status = 'confirmed', confirmed_at = $1 WHERE id = $2 AND status = 'waitlisted'")
        .bind(crate::now())
        .bind(next)
        .execute(e)
        .await
        .map(|x| x.rows_affected()))?;
    find(tx.conn(), next).await
}

/// Allocates (or clears) an exhibitor's booth.
pub async fn set_booth(
    conn: Conn<'_>,
    id: i64,
    event_id: i64,
    booth: Option<&str>,
) -> Result<bool> {
    let n = on!(conn, e => sqlx::query("UPDATE registrations SET booth = $1 WHERE id = $2 AND event_id = $3")
        .bind(booth)
        .bind(id)
        .bind(event_id)
        .execute(e)
        .await
        .map(|x| x.rows_affected()))?;
    Ok(n == 1)
}

/// What a check-in found.
#[derive(Debug, Clone, PartialEq)]
pub enum CheckIn {
    /// Checked in now.
    Done(Registration),
    /// Checked in before: when and by whom is in the registration.
    Already(Registration),
    /// Not a confirmed place (waiting list or cancelled).
    NotConfirmed(Registration),
}

/// Checks a confirmed registration in, once.
pub async fn check_in(tx: &mut Tx, id: i64, officer: i64) -> Result<Option<CheckIn>> {
    let n = on!(tx.conn(), e => sqlx::query(
        "UPDATE registrations SET checked_in_at = $1, checked_in_by = $2 \
         WHERE id = $3 AND status = 'confirmed' AND checked_in_at IS NULL")
        .bind(crate::now())
        .bind(officer)
        .bind(id)
        .execute(e)
        .await
        .map(|x| x.rows_affected()))?;
    let Some(reg) = find(tx.conn(), id).await? else {
        return Ok(None);
    };
    Ok(Some(if n == 1 {
        CheckIn::Done(reg)
    } else if reg.checked_in_at.is_some() {
        CheckIn::Already(reg)
    } else {
        CheckIn::NotConfirmed(reg)
    }))
}

/// Counts by status for one event: (confirmed, waitlisted, checked in).
pub async fn counts(conn: Conn<'_>, event_id: i64) -> Result<(i64, i64, i64)> {
    let row: (i64, i64, i64) = on!(conn, e => sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(CASE WHEN status = 'confirmed' THEN 1 ELSE 0 END), 0) AS BIGINT), \
           CAST(COALESCE(SUM(CASE WHEN status = 'waitlisted' THEN 1 ELSE 0 END), 0) AS BIGINT), \
           CAST(COALESCE(SUM(CASE WHEN checked_in_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT) \
         FROM registrations WHERE event_id = $1")
        .bind(event_id)
        .fetch_one(e)
        .await)?;
    Ok(row)
}
