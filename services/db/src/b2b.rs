//! B2B sessions: the session's slots and tables, participants' profiles, meeting requests
//! between a buyer and a cooperative, the schedule and each side's outcome (issue 17).

use crate::{Conn, DbError, Result, Tx, on};
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Session {
    pub event_id: i64,
    /// Local time of the first slot, `HH:MM`.
    pub first_slot: String,
    pub slot_minutes: i64,
    pub slots: i64,
    pub tables: i64,
    pub scheduled_at: Option<DateTime<Utc>>,
    pub published_at: Option<DateTime<Utc>>,
}

impl Session {
    /// Slot `s`'s start and end, local `HH:MM`.
    pub fn slot_times(&self, s: i64) -> (String, String) {
        let (h, m) = self
            .first_slot
            .split_once(':')
            .and_then(|(h, m)| Some((h.parse::<i64>().ok()?, m.parse::<i64>().ok()?)))
            .unwrap_or((9, 0));
        let start = h * 60 + m + s * self.slot_minutes;
        let end = start + self.slot_minutes;
        let hm = |t: i64| format!("{:02}:{:02}", (t / 60) % 24, t % 60);
        (hm(start), hm(end))
    }

    /// Every slot's bit set.
    pub fn all_slots(&self) -> i64 {
        if self.slots >= 63 {
            i64::MAX
        } else {
            (1i64 << self.slots) - 1
        }
    }
}

pub async fn session(conn: Conn<'_>, event_id: i64) -> Result<Option<Session>> {
    Ok(on!(conn, e => sqlx::query_as(
        "SELECT event_id, first_slot, slot_minutes, slots, tables, scheduled_at, published_at FROM b2b_sessions WHERE event_id = $1")
        .bind(event_id)
        .fetch_optional(e)
        .await)?)
}

/// Sets a session's slots and tables. A schedule made for other slots or tables no longer
/// fits: a change clears it (and its publication), in the same transaction.
pub async fn set_session(tx: &mut Tx, s: &Session) -> Result<()> {
    let old = session(tx.conn(), s.event_id).await?;
    let changed = old.is_some_and(|o| {
        (o.first_slot.as_str(), o.slot_minutes, o.slots, o.tables)
            != (s.first_slot.as_str(), s.slot_minutes, s.slots, s.tables)
    });
    if changed {
        on!(tx.conn(), e => sqlx::query("UPDATE b2b_meetings SET slot = NULL, table_no = NULL WHERE event_id = $1")
            .bind(s.event_id)
            .execute(e)
            .await
            .map(|r| r.rows_affected()))?;
        on!(tx.conn(), e => sqlx::query("UPDATE b2b_sessions SET scheduled_at = NULL, published_at = NULL WHERE event_id = $1")
            .bind(s.event_id)
            .execute(e)
            .await
            .map(|r| r.rows_affected()))?;
    }
    on!(tx.conn(), e => sqlx::query(
        "INSERT INTO b2b_sessions (event_id, first_slot, slot_minutes, slots, tables) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (event_id) DO UPDATE SET first_slot = excluded.first_slot, slot_minutes = excluded.slot_minutes, \
           slots = excluded.slots, tables = excluded.tables")
        .bind(s.event_id)
        .bind(&s.first_slot)
        .bind(s.slot_minutes)
        .bind(s.slots)
        .bind(s.tables)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Profile {
    pub registration_id: i64,
    pub event_id: i64,
    pub side: String,
    pub offers: String,
    pub seeks: String,
    pub availability: i64,
    pub name: String,
    pub org_name: Option<String>,
    pub org_slug: Option<String>,
    pub user_id: i64,
}

macro_rules! select_profiles {
    ($rest:literal) => {
        concat!(
            "SELECT p.registration_id, p.event_id, p.side, p.offers, p.seeks, p.availability, r.attendee_name AS name, \
               o.name AS org_name, o.slug AS org_slug, r.user_id \
             FROM b2b_profiles p JOIN registrations r ON r.id = p.registration_id \
             LEFT JOIN organisations o ON o.id = r.org_id ",
            $rest
        )
    };
}

/// Saves a participant's profile (a confirmed registration's).
pub async fn save_profile(
    conn: Conn<'_>,
    registration_id: i64,
    event_id: i64,
    side: &str,
    offers: &str,
    seeks: &str,
    availability: i64,
) -> Result<()> {
    on!(conn, e => sqlx::query(
        "INSERT INTO b2b_profiles (registration_id, event_id, side, offers, seeks, availability, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (registration_id) DO UPDATE SET side = excluded.side, offers = excluded.offers, \
           seeks = excluded.seeks, availability = excluded.availability, updated_at = excluded.updated_at")
        .bind(registration_id)
        .bind(event_id)
        .bind(side)
        .bind(offers)
        .bind(seeks)
        .bind(availability)
        .bind(crate::now())
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn profile(conn: Conn<'_>, registration_id: i64) -> Result<Option<Profile>> {
    Ok(
        on!(conn, e => sqlx::query_as(select_profiles!("WHERE p.registration_id = $1"))
        .bind(registration_id)
        .fetch_optional(e)
        .await)?,
    )
}

/// Profiles of an event's confirmed participants, by name.
pub async fn profiles(conn: Conn<'_>, event_id: i64) -> Result<Vec<Profile>> {
    Ok(on!(conn, e => sqlx::query_as(select_profiles!(
        "WHERE p.event_id = $1 AND r.status = 'confirmed' ORDER BY p.side, r.attendee_name, p.registration_id"))
        .bind(event_id)
        .fetch_all(e)
        .await)?)
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Meeting {
    pub id: i64,
    pub event_id: i64,
    pub buyer_id: i64,
    pub cooperative_id: i64,
    pub requested_by: i64,
    pub message: Option<String>,
    pub status: String,
    pub slot: Option<i64>,
    pub table_no: Option<i64>,
    pub buyer_outcome: Option<String>,
    pub buyer_value: Option<i64>,
    pub cooperative_outcome: Option<String>,
    pub cooperative_value: Option<i64>,
    pub buyer_name: String,
    pub cooperative_name: String,
    pub cooperative_org: Option<String>,
    pub buyer_org: Option<String>,
}

macro_rules! select_meetings {
    ($rest:literal) => {
        concat!(
            "SELECT m.id, m.event_id, m.buyer_id, m.cooperative_id, m.requested_by, m.message, m.status, m.slot, m.table_no, \
               m.buyer_outcome, m.buyer_value, m.cooperative_outcome, m.cooperative_value, \
               rb.attendee_name AS buyer_name, rc.attendee_name AS cooperative_name, oc.name AS cooperative_org, ob.name AS buyer_org \
             FROM b2b_meetings m JOIN registrations rb ON rb.id = m.buyer_id JOIN registrations rc ON rc.id = m.cooperative_id \
             LEFT JOIN organisations oc ON oc.id = rc.org_id LEFT JOIN organisations ob ON ob.id = rb.org_id ",
            $rest
        )
    };
}

/// Asks for a meeting; `None` when the pair already has one.
pub async fn request(
    conn: Conn<'_>,
    event_id: i64,
    buyer: i64,
    cooperative: i64,
    by: i64,
    message: Option<&str>,
) -> Result<Option<i64>> {
    let inserted = on!(conn, e => sqlx::query_scalar::<_, i64>(
        "INSERT INTO b2b_meetings (event_id, buyer_id, cooperative_id, requested_by, message, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, 'requested', $6) RETURNING id")
        .bind(event_id)
        .bind(buyer)
        .bind(cooperative)
        .bind(by)
        .bind(message)
        .bind(crate::now())
        .fetch_one(e)
        .await);
    match inserted.map_err(DbError::from) {
        Ok(id) => Ok(Some(id)),
        Err(DbError::Unique { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

pub async fn meeting(conn: Conn<'_>, id: i64) -> Result<Option<Meeting>> {
    Ok(
        on!(conn, e => sqlx::query_as(select_meetings!("WHERE m.id = $1"))
        .bind(id)
        .fetch_optional(e)
        .await)?,
    )
}

/// A participant's meetings (asked, accepted, declined), in slot order.
pub async fn meetings_of(conn: Conn<'_>, registration_id: i64) -> Result<Vec<Meeting>> {
    Ok(on!(conn, e => sqlx::query_as(select_meetings!(
        "WHERE m.buyer_id = $1 OR m.cooperative_id = $1 ORDER BY CASE WHEN m.slot IS NULL THEN 1 ELSE 0 END, m.slot, m.id"))
        .bind(registration_id)
        .fetch_all(e)
        .await)?)
}

/// Every meeting of an event.
pub async fn meetings(conn: Conn<'_>, event_id: i64) -> Result<Vec<Meeting>> {
    Ok(
        on!(conn, e => sqlx::query_as(select_meetings!("WHERE m.event_id = $1 ORDER BY m.id"))
        .bind(event_id)
        .fetch_all(e)
        .await)?,
    )
}

/// The other side answers a request (only while it is asked, and not by its asker).
pub async fn answer(conn: Conn<'_>, id: i64, by: i64, accept: bool) -> Result<bool> {
    let n = on!(conn, e => sqlx::query(
        "UPDATE b2b_meetings SET status = $1, decided_at = $2 \
         WHERE id = $3 AND status = 'requested' AND requested_by <> $4 AND (buyer_id = $4 OR cooperative_id = $4)")
        .bind(if accept { "accepted" } else { "declined" })
        .bind(crate::now())
        .bind(id)
        .bind(by)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Stores a schedule: every meeting of the event loses its place, then each placed one
/// (meeting id, slot, table) gets its own.
pub async fn store_schedule(tx: &mut Tx, event_id: i64, placed: &[(i64, i64, i64)]) -> Result<()> {
    on!(tx.conn(), e => sqlx::query("UPDATE b2b_meetings SET slot = NULL, table_no = NULL WHERE event_id = $1")
        .bind(event_id)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    for (id, slot, table) in placed {
        on!(tx.conn(), e => sqlx::query(
            "UPDATE b2b_meetings SET slot = $1, table_no = $2 WHERE id = $3 AND event_id = $4 AND status = 'accepted'")
            .bind(slot)
            .bind(table)
            .bind(id)
            .bind(event_id)
            .execute(e)
            .await
            .map(|r| r.rows_affected()))?;
    }
    on!(tx.conn(), e => sqlx::query("UPDATE b2b_sessions SET scheduled_at = $1, published_at = NULL WHERE event_id = $2")
        .bind(crate::now())
        .bind(event_id)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Publishes the stored schedule: participants see their agendas.
pub async fn publish(conn: Conn<'_>, event_id: i64) -> Result<bool> {
    let n = on!(conn, e => sqlx::query(
        "UPDATE b2b_sessions SET published_at = $1 WHERE event_id = $2 AND scheduled_at IS NOT NULL")
        .bind(crate::now())
        .bind(event_id)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// One side's outcome of a meeting that was held in the published schedule.
pub async fn record_outcome(
    conn: Conn<'_>,
    id: i64,
    by: i64,
    outcome: &str,
    value: Option<i64>,
) -> Result<bool> {
    let n = on!(conn, e => sqlx::query(
        "UPDATE b2b_meetings SET \
           buyer_outcome = CASE WHEN buyer_id = $1 THEN $2 ELSE buyer_outcome END, \
           buyer_value = CASE WHEN buyer_id = $1 THEN $3 ELSE buyer_value END, \
           cooperative_outcome = CASE WHEN cooperative_id = $1 THEN $2 ELSE cooperative_outcome END, \
           cooperative_value = CASE WHEN cooperative_id = $1 THEN $3 ELSE cooperative_value END \
         WHERE id = $4 AND status = 'accepted' AND slot IS NOT NULL AND (buyer_id = $1 OR cooperative_id = $1)")
        .bind(by)
        .bind(outcome)
        .bind(value)
        .bind(id)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}
