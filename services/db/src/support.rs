//! The Union's support records: that it supports a cooperative, how, since and until when.
//! "Supported" (a record in force on the day) is what the plan's indicators and the home
//! page count.

use crate::{Conn, Db, DbError, Result, on};
use chrono::{DateTime, NaiveDate, Utc};
use ketnoi_domain::plan::SupportKind;

#[derive(Debug, Clone, PartialEq)]
pub struct SupportRecord {
    pub id: i64,
    pub org_id: i64,
    pub kind: SupportKind,
    pub since: NaiveDate,
    pub until: Option<NaiveDate>,
    pub note: Option<String>,
    /// Who recorded it (her display name), if still on Ketnoi.
    pub recorded_by: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl SupportRecord {
    /// In force on `day`.
    pub fn is_in_force(&self, day: NaiveDate) -> bool {
        self.since <= day && self.until.is_none_or(|u| u >= day)
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    org_id: i64,
    kind: String,
    since: NaiveDate,
    until: Option<NaiveDate>,
    note: Option<String>,
    recorded_by: Option<String>,
    created_at: DateTime<Utc>,
}

/// A new support record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSupport {
    pub org_id: i64,
    pub kind: SupportKind,
    pub since: NaiveDate,
    pub until: Option<NaiveDate>,
    pub note: Option<String>,
}

/// Records support and its audit entry (the cooperative's log), in one transaction.
pub async fn record(db: &Db, s: &NewSupport, by: i64) -> Result<i64> {
    let mut tx = db.begin().await?;
    let id = insert(&mut tx, s, Some(by)).await?;
    crate::audit::record(
        tx.conn(),
        &crate::audit::Entry {
            org_id: Some(s.org_id),
            actor_id: Some(by),
            entity: "support",
            entity_id: id.to_string(),
            action: "create",
            after: Some(
                serde_json::json!({
                    "kind": s.kind.as_str(), "since": s.since, "until": s.until, "note": s.note,
                })
                .to_string(),
            ),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Stores a record in the caller's transaction (the demo's import; [`record`] audits too).
pub(crate) async fn insert(tx: &mut crate::Tx, s: &NewSupport, by: Option<i64>) -> Result<i64> {
    Ok(on!(tx.conn(), e => sqlx::query_scalar(
        "INSERT INTO support_records (org_id, kind, since, until, note, recorded_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
        .bind(s.org_id)
        .bind(s.kind.as_str())
        .bind(s.since)
        .bind(s.until)
        .bind(s.note.as_deref())
        .bind(by)
        .bind(crate::now())
        .fetch_one(e)
        .await)?)
}

/// A cooperative's support records, the latest start first.
pub async fn of_org(conn: Conn<'_>, org_id: i64) -> Result<Vec<SupportRecord>> {
    let rows: Vec<Row> = on!(conn, e => sqlx::query_as(
        "SELECT s.id, s.org_id, s.kind, s.since, s.until, s.note, u.display_name AS recorded_by, s.created_at \
         FROM support_records s LEFT JOIN users u ON u.id = s.recorded_by \
         WHERE s.org_id = $1 ORDER BY s.since DESC, s.id DESC")
        .bind(org_id)
        .fetch_all(e)
        .await)?;
    rows.into_iter()
        .map(|r| {
            Ok(SupportRecord {
                kind: SupportKind::parse(&r.kind)
                    .ok_or_else(|| DbError::Corrupt(format!("support kind {}", r.kind)))?,
                id: r.id,
                org_id: r.org_id,
                since: r.since,
                until: r.until,
                note: r.note,
                recorded_by: r.recorded_by,
                created_at: r.created_at,
            })
        })
        .collect()
}

/// How many HTX and how many THT the Union supports on `day` (a record in force).
pub async fn supported_counts(conn: Conn<'_>, day: NaiveDate) -> Result<(i64, i64)> {
    let (htx, tht): (i64, i64) = on!(conn, e => sqlx::query_as(
        "SELECT COALESCE(SUM(CASE WHEN o.kind = 'htx' THEN 1 ELSE 0 END), 0), \
                COALESCE(SUM(CASE WHEN o.kind = 'tht' THEN 1 ELSE 0 END), 0) \
         FROM organisations o WHERE o.kind IN ('htx', 'tht') AND EXISTS ( \
           SELECT 1 FROM support_records s WHERE s.org_id = o.id AND s.since <= $1 \
             AND (s.until IS NULL OR s.until >= $1))")
        .bind(day)
        .fetch_one(e)
        .await)?;
    Ok((htx, tht))
}
