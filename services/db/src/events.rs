//! Trade-promotion events of the Union and its partners.

use crate::{Conn, Result, on};
use chrono::NaiveDate;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Event {
    pub id: i64,
    pub external_id: Option<String>,
    pub name: String,
    pub kind: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub registration_deadline: Option<NaiveDate>,
    pub venue_name: String,
    pub venue_address: String,
    pub venue_commune_code: Option<String>,
    pub province_code: String,
    pub capacity: Option<i64>,
    pub capacity_unit: Option<String>,
    pub fee_vnd: i64,
    /// Targeted category ids, `|`-separated.
    pub categories: String,
    pub organizer: String,
    pub description: String,
}

/// Inserts or, for a known `external_id`, updates an event.
pub async fn upsert(conn: Conn<'_>, e_: &Event) -> Result<()> {
    on!(conn, e => sqlx::query(
        "INSERT INTO events (external_id, name, kind, start_date, end_date, registration_deadline, venue_name, venue_address, \
           venue_commune_code, province_code, capacity, capacity_unit, fee_vnd, categories, organizer, description, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) \
         ON CONFLICT (external_id) DO UPDATE SET name = excluded.name, kind = excluded.kind, start_date = excluded.start_date, \
           end_date = excluded.end_date, registration_deadline = excluded.registration_deadline, venue_name = excluded.venue_name, \
           venue_address = excluded.venue_address, venue_commune_code = excluded.venue_commune_code, province_code = excluded.province_code, \
           capacity = excluded.capacity, capacity_unit = excluded.capacity_unit, fee_vnd = excluded.fee_vnd, categories = excluded.categories, \
           organizer = excluded.organizer, description = excluded.description")
        .bind(e_.external_id.as_deref())
        .bind(&e_.name)
        .bind(&e_.kind)
        .bind(e_.start_date)
        .bind(e_.end_date)
        .bind(e_.registration_deadline)
        .bind(&e_.venue_name)
        .bind(&e_.venue_address)
        .bind(e_.venue_commune_code.as_deref())
        .bind(&e_.province_code)
        .bind(e_.capacity)
        .bind(e_.capacity_unit.as_deref())
        .bind(e_.fee_vnd)
        .bind(&e_.categories)
        .bind(&e_.organizer)
        .bind(&e_.description)
        .bind(crate::now())
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Events that have not ended by `today`, soonest first.
pub async fn upcoming(conn: Conn<'_>, today: NaiveDate, limit: i64) -> Result<Vec<Event>> {
    Ok(on!(conn, e => sqlx::query_as(
        "SELECT id, external_id, name, kind, start_date, end_date, registration_deadline, venue_name, venue_address, venue_commune_code, \
           province_code, capacity, capacity_unit, fee_vnd, categories, organizer, description FROM events \
         WHERE end_date >= $1 ORDER BY start_date, id LIMIT $2")
        .bind(today)
        .bind(limit)
        .fetch_all(e)
        .await)?)
}

pub async fn count(conn: Conn<'_>) -> Result<i64> {
    Ok(on!(conn, e => sqlx::query_scalar("SELECT COUNT(*) FROM events").fetch_one(e).await)?)
}
