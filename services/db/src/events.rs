//! Trade-promotion events of the Union and its partners: fairs, forums, training courses,
//! study tours and B2B sessions, with their ticket types (issue 17).

use crate::{Conn, Result, on};
use chrono::NaiveDate;

#[derive(Debug, Clone, Default, PartialEq, sqlx::FromRow)]
pub struct Event {
    pub id: i64,
    pub external_id: Option<String>,
    pub name: String,
    pub name_en: String,
    pub kind: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub registration_opens: Option<NaiveDate>,
    pub registration_deadline: Option<NaiveDate>,
    pub venue_name: String,
    pub venue_address: String,
    pub venue_commune_code: Option<String>,
    pub province_code: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub online_url: Option<String>,
    /// `|`-separated [`ketnoi_domain::event::Audience`] values.
    pub audience: String,
    pub capacity: Option<i64>,
    pub capacity_unit: Option<String>,
    pub fee_vnd: i64,
    /// Targeted category ids, `|`-separated.
    pub categories: String,
    pub organizer: String,
    pub partners: String,
    pub description: String,
    pub description_en: String,
    /// The ward/commune of the officer who runs it; `None`: the city (or a partner's event).
    pub scope_commune_code: Option<String>,
    pub created_by: Option<i64>,
    pub training_topic: Option<String>,
    pub training_hours: Option<i64>,
}

impl Event {
    /// The name in `locale`, falling back to Vietnamese.
    pub fn name_in(&self, locale: ketnoi_domain::Locale) -> &str {
        if locale == ketnoi_domain::Locale::En && !self.name_en.is_empty() {
            &self.name_en
        } else {
            &self.name
        }
    }

    /// The description in `locale`, falling back to Vietnamese.
    pub fn description_in(&self, locale: ketnoi_domain::Locale) -> &str {
        if locale == ketnoi_domain::Locale::En && !self.description_en.is_empty() {
            &self.description_en
        } else {
            &self.description
        }
    }
}

macro_rules! select_events {
    ($rest:literal) => {
        concat!(
            "SELECT id, external_id, name, name_en, kind, start_date, end_date, registration_opens, registration_deadline, \
               venue_name, venue_address, venue_commune_code, province_code, latitude, longitude, online_url, audience, \
               capacity, capacity_unit, fee_vnd, categories, organizer, partners, description, description_en, \
               scope_commune_code, created_by, training_topic, training_hours FROM events ",
            $rest
        )
    };
}

macro_rules! bind_event {
    ($q:expr, $e:expr) => {
        $q.bind(&$e.name)
            .bind(&$e.name_en)
            .bind(&$e.kind)
            .bind($e.start_date)
            .bind($e.end_date)
            .bind($e.registration_opens)
            .bind($e.registration_deadline)
            .bind(&$e.venue_name)
            .bind(&$e.venue_address)
            .bind($e.venue_commune_code.as_deref())
            .bind(&$e.province_code)
            .bind($e.latitude)
            .bind($e.longitude)
            .bind($e.online_url.as_deref())
            .bind(&$e.audience)
            .bind($e.capacity)
            .bind($e.capacity_unit.as_deref())
            .bind($e.fee_vnd)
            .bind(&$e.categories)
            .bind(&$e.organizer)
            .bind(&$e.partners)
            .bind(&$e.description)
            .bind(&$e.description_en)
            .bind($e.training_topic.as_deref())
            .bind($e.training_hours)
    };
}

/// Inserts or, for a known `external_id`, updates an event (the demo loader).
pub async fn upsert(conn: Conn<'_>, e_: &Event) -> Result<i64> {
    Ok(on!(conn, e => bind_event!(sqlx::query_scalar(
        "INSERT INTO events (name, name_en, kind, start_date, end_date, registration_opens, registration_deadline, venue_name, \
           venue_address, venue_commune_code, province_code, latitude, longitude, online_url, audience, capacity, capacity_unit, \
           fee_vnd, categories, organizer, partners, description, description_en, training_topic, training_hours, \
           external_id, scope_commune_code, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, \
           $26, $27, $28, $29) \
         ON CONFLICT (external_id) DO UPDATE SET name = excluded.name, name_en = excluded.name_en, kind = excluded.kind, \
           start_date = excluded.start_date, end_date = excluded.end_date, registration_opens = excluded.registration_opens, \
           registration_deadline = excluded.registration_deadline, venue_name = excluded.venue_name, \
           venue_address = excluded.venue_address, venue_commune_code = excluded.venue_commune_code, \
           province_code = excluded.province_code, latitude = excluded.latitude, longitude = excluded.longitude, \
           online_url = excluded.online_url, audience = excluded.audience, capacity = excluded.capacity, \
           capacity_unit = excluded.capacity_unit, fee_vnd = excluded.fee_vnd, categories = excluded.categories, \
           organizer = excluded.organizer, partners = excluded.partners, description = excluded.description, \
           description_en = excluded.description_en, training_topic = excluded.training_topic, \
           training_hours = excluded.training_hours \
         RETURNING id"), e_)
        .bind(e_.external_id.as_deref())
        .bind(e_.scope_commune_code.as_deref())
        .bind(e_.created_by)
        .bind(crate::now())
        .fetch_one(e)
        .await)?)
}

/// Creates an event; its id.
pub async fn create(conn: Conn<'_>, e_: &Event) -> Result<i64> {
    upsert(
        conn,
        &Event {
            external_id: None,
            ..e_.clone()
        },
    )
    .await
}

/// Changes an event's details (not its scope or creator).
pub async fn update(conn: Conn<'_>, id: i64, e_: &Event) -> Result<bool> {
    let n = on!(conn, e => bind_event!(sqlx::query(
        "UPDATE events SET name = $1, name_en = $2, kind = $3, start_date = $4, end_date = $5, registration_opens = $6, \
           registration_deadline = $7, venue_name = $8, venue_address = $9, venue_commune_code = $10, province_code = $11, \
           latitude = $12, longitude = $13, online_url = $14, audience = $15, capacity = $16, capacity_unit = $17, \
           fee_vnd = $18, categories = $19, organizer = $20, partners = $21, description = $22, description_en = $23, \
           training_topic = $24, training_hours = $25, updated_at = $26 WHERE id = $27"), e_)
        .bind(crate::now())
        .bind(id)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn find(conn: Conn<'_>, id: i64) -> Result<Option<Event>> {
    Ok(
        on!(conn, e => sqlx::query_as(select_events!("WHERE id = $1"))
        .bind(id)
        .fetch_optional(e)
        .await)?,
    )
}

/// Events that have not ended by `today`, soonest first.
pub async fn upcoming(conn: Conn<'_>, today: NaiveDate, limit: i64) -> Result<Vec<Event>> {
    Ok(
        on!(conn, e => sqlx::query_as(select_events!("WHERE end_date >= $1 ORDER BY start_date, id LIMIT $2"))
        .bind(today)
        .bind(limit)
        .fetch_all(e)
        .await)?,
    )
}

/// Events that ended before `today`, latest first.
pub async fn past(conn: Conn<'_>, today: NaiveDate, limit: i64) -> Result<Vec<Event>> {
    Ok(
        on!(conn, e => sqlx::query_as(select_events!("WHERE end_date < $1 ORDER BY start_date DESC, id DESC LIMIT $2"))
        .bind(today)
        .bind(limit)
        .fetch_all(e)
        .await)?,
    )
}

/// Events not yet over where a cooperative has a confirmed booth, soonest first.
pub async fn exhibiting(conn: Conn<'_>, org_id: i64, today: NaiveDate) -> Result<Vec<Event>> {
    Ok(on!(conn, e => sqlx::query_as(select_events!(
        "WHERE end_date >= $2 AND id IN (SELECT r.event_id FROM registrations r JOIN ticket_types t ON t.id = r.ticket_type_id \
           WHERE r.org_id = $1 AND r.status = 'confirmed' AND t.kind = 'exhibitor') \
         ORDER BY start_date, id LIMIT 10"))
        .bind(org_id)
        .bind(today)
        .fetch_all(e)
        .await)?)
}

pub async fn count(conn: Conn<'_>) -> Result<i64> {
    Ok(on!(conn, e => sqlx::query_scalar("SELECT COUNT(*) FROM events").fetch_one(e).await)?)
}

/// A kind of ticket and how many of it are left.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TicketType {
    pub id: i64,
    pub event_id: i64,
    pub kind: String,
    pub name_vi: String,
    pub name_en: String,
    pub quota: i64,
    pub taken: i64,
    pub price_vnd: i64,
    pub position: i64,
}

impl TicketType {
    pub fn name_in(&self, locale: ketnoi_domain::Locale) -> &str {
        if locale == ketnoi_domain::Locale::En && !self.name_en.is_empty() {
            &self.name_en
        } else {
            &self.name_vi
        }
    }

    pub fn left(&self) -> i64 {
        (self.quota - self.taken).max(0)
    }
}

/// A ticket type to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTicketType {
    pub kind: ketnoi_domain::event::TicketKind,
    pub name_vi: String,
    pub name_en: String,
    pub quota: i64,
    pub price_vnd: i64,
}

pub async fn add_ticket_type(
    conn: Conn<'_>,
    event_id: i64,
    t: &NewTicketType,
    position: i64,
) -> Result<i64> {
    Ok(on!(conn, e => sqlx::query_scalar(
        "INSERT INTO ticket_types (event_id, kind, name_vi, name_en, quota, taken, price_vnd, position) \
         VALUES ($1, $2, $3, $4, $5, 0, $6, $7) RETURNING id")
        .bind(event_id)
        .bind(t.kind.as_str())
        .bind(&t.name_vi)
        .bind(&t.name_en)
        .bind(t.quota)
        .bind(t.price_vnd)
        .bind(position)
        .fetch_one(e)
        .await)?)
}

/// Changes a ticket type's names, quota and price. A quota below the places already
/// confirmed is refused (`false`).
pub async fn update_ticket_type(
    conn: Conn<'_>,
    id: i64,
    event_id: i64,
    t: &NewTicketType,
) -> Result<bool> {
    let n = on!(conn, e => sqlx::query(
        "UPDATE ticket_types SET name_vi = $1, name_en = $2, quota = $3, price_vnd = $4 \
         WHERE id = $5 AND event_id = $6 AND taken <= $3")
        .bind(&t.name_vi)
        .bind(&t.name_en)
        .bind(t.quota)
        .bind(t.price_vnd)
        .bind(id)
        .bind(event_id)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn ticket_types(conn: Conn<'_>, event_id: i64) -> Result<Vec<TicketType>> {
    Ok(on!(conn, e => sqlx::query_as(
        "SELECT id, event_id, kind, name_vi, name_en, quota, taken, price_vnd, position FROM ticket_types \
         WHERE event_id = $1 ORDER BY position, id")
        .bind(event_id)
        .fetch_all(e)
        .await)?)
}
