//! Training records: who was trained, in what, for how long, and by whom. Attendance at a
//! training course becomes one when she is checked in; trainings held elsewhere are entered
//! or imported. The plan's training indicators count them.

use crate::{Conn, Result, on};
use chrono::{DateTime, NaiveDate, Utc};
use ketnoi_domain::event::{Role, Topic};

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct TrainingRecord {
    pub id: i64,
    pub person_name: String,
    pub user_id: Option<i64>,
    pub org_id: Option<i64>,
    pub org_name: Option<String>,
    pub role: String,
    pub topic: String,
    pub hours: i64,
    pub held_on: NaiveDate,
    pub certificate_no: Option<String>,
    pub provider: String,
    pub event_id: Option<i64>,
    pub source: String,
    pub commune_code: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A record to keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTraining {
    pub person_name: String,
    pub user_id: Option<i64>,
    pub org_id: Option<i64>,
    pub role: Role,
    pub topic: Topic,
    pub hours: i64,
    pub held_on: NaiveDate,
    pub certificate_no: Option<String>,
    pub provider: String,
    pub event_id: Option<i64>,
    pub registration_id: Option<i64>,
    /// The ward/commune it counts for: her cooperative's, or the officer's.
    pub commune_code: Option<String>,
}

/// How a record came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Event,
    Entered,
    Import,
}

impl Source {
    fn as_str(self) -> &'static str {
        match self {
            Source::Event => "event",
            Source::Entered => "entered",
            Source::Import => "import",
        }
    }
}

/// Keeps a record; a second record of the same registration is ignored (`None`).
pub async fn record(
    conn: Conn<'_>,
    t: &NewTraining,
    source: Source,
    by: Option<i64>,
) -> Result<Option<i64>> {
    let key = ketnoi_domain::event::person_key(t.user_id, t.org_id, &t.person_name);
    Ok(on!(conn, e => sqlx::query_scalar(
        "INSERT INTO training_records (person_name, person_key, user_id, org_id, role, topic, hours, held_on, certificate_no, \
           provider, event_id, registration_id, source, commune_code, recorded_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
         ON CONFLICT (registration_id) DO NOTHING RETURNING id")
        .bind(&t.person_name)
        .bind(key)
        .bind(t.user_id)
        .bind(t.org_id)
        .bind(t.role.as_str())
        .bind(t.topic.as_str())
        .bind(t.hours)
        .bind(t.held_on)
        .bind(t.certificate_no.as_deref())
        .bind(&t.provider)
        .bind(t.event_id)
        .bind(t.registration_id)
        .bind(source.as_str())
        .bind(t.commune_code.as_deref())
        .bind(by)
        .bind(crate::now())
        .fetch_optional(e)
        .await)?)
}

/// Records in a ward/commune (`None`: the whole city), newest first.
pub async fn list(
    conn: Conn<'_>,
    commune: Option<&str>,
    limit: i64,
) -> Result<Vec<TrainingRecord>> {
    Ok(on!(conn, e => sqlx::query_as(
        "SELECT t.id, t.person_name, t.user_id, t.org_id, o.name AS org_name, t.role, t.topic, t.hours, t.held_on, \
           t.certificate_no, t.provider, t.event_id, t.source, t.commune_code, t.created_at \
         FROM training_records t LEFT JOIN organisations o ON o.id = t.org_id \
         WHERE ($1 IS NULL OR t.commune_code = $1) ORDER BY t.held_on DESC, t.id DESC LIMIT $2")
        .bind(commune)
        .bind(limit)
        .fetch_all(e)
        .await)?)
}

/// Union officers (in a ward/commune, or all) and how many of them hold a training record
/// held by `until`: the "officers trained" indicator's whole and part.
pub async fn officers_trained(
    conn: Conn<'_>,
    commune: Option<&str>,
    until: NaiveDate,
) -> Result<(i64, i64)> {
    let row: (i64, i64) = on!(conn, e => sqlx::query_as(
        "SELECT CAST(COUNT(*) AS BIGINT), \
           CAST(COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM training_records t WHERE t.user_id = u.id AND t.held_on <= $2) \
             THEN 1 ELSE 0 END), 0) AS BIGINT) \
         FROM users u WHERE u.platform_role = 'union_officer' AND ($1 IS NULL OR u.officer_commune_code = $1)")
        .bind(commune)
        .bind(until)
        .fetch_one(e)
        .await)?;
    Ok(row)
}
