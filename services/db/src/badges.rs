//! Badges: claims a cooperative makes (registration, women-managed, OCOP, VietGAP, organic,
//! other certificates) with evidence, verified or rejected by a Union officer. Only verified,
//! unexpired badges show.

use crate::{Conn, DbError, Result, on};
use chrono::{DateTime, NaiveDate, Utc};
use ketnoi_domain::catalog::{BadgeKind, BadgeStatus};
use ketnoi_domain::role::Scope;

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub(crate) struct BadgeRow {
    id: i64,
    org_id: i64,
    listing_id: Option<i64>,
    kind: String,
    number: Option<String>,
    issuer: Option<String>,
    stars: Option<i64>,
    product_group: Option<String>,
    expires_on: Option<NaiveDate>,
    evidence_key: Option<String>,
    status: String,
    reason: Option<String>,
    verifier_label: Option<String>,
    decided_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

/// A badge `b` as a JSON object's arguments (`'id', b.id, …`; the keys are [`BadgeRow`]'s),
/// for the statements that carry an organisation's badges as one JSON array column, read
/// with [`from_json`]. One list for both engines: only the function around it differs
/// (`json_object` on SQLite, `json_build_object` on PostgreSQL).
macro_rules! badge_json_fields {
    () => {
        "'id', b.id, 'org_id', b.org_id, 'listing_id', b.listing_id, 'kind', b.kind, \
         'number', b.number, 'issuer', b.issuer, 'stars', b.stars, 'product_group', b.product_group, \
         'expires_on', b.expires_on, 'evidence_key', b.evidence_key, 'status', b.status, 'reason', b.reason, \
         'verifier_label', b.verifier_label, 'decided_at', b.decided_at, 'created_at', b.created_at"
    };
}
pub(crate) use badge_json_fields;

macro_rules! select_badges {
    ($rest:literal) => {
        concat!(
            "SELECT id, org_id, listing_id, kind, number, issuer, stars, product_group, expires_on, evidence_key, status, reason, \
             verifier_label, decided_at, created_at FROM badges ",
            $rest
        )
    };
}

#[derive(Debug, Clone, PartialEq)]
pub struct Badge {
    pub id: i64,
    pub org_id: i64,
    /// For product-level claims (OCOP is rated per product).
    pub listing_id: Option<i64>,
    pub kind: BadgeKind,
    pub number: Option<String>,
    pub issuer: Option<String>,
    pub stars: Option<i64>,
    pub product_group: Option<String>,
    pub expires_on: Option<NaiveDate>,
    pub evidence_key: Option<String>,
    pub status: BadgeStatus,
    /// Why it was rejected.
    pub reason: Option<String>,
    /// Who verified, as shown publicly: "Hội LHPN Xã Bát Tràng".
    pub verifier_label: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl Badge {
    pub fn is_showing(&self, today: NaiveDate) -> bool {
        self.status == BadgeStatus::Verified && self.expires_on.is_none_or(|d| d >= today)
    }
}

/// Badges read as one JSON array (a column of a larger statement, see
/// `orgs::find_for_profile`): the objects have [`BadgeRow`]'s fields.
pub(crate) fn from_json(text: Option<&str>) -> Result<Vec<Badge>> {
    let rows: Vec<BadgeRow> = match text {
        Some(t) => {
            serde_json::from_str(t).map_err(|e| DbError::Corrupt(format!("badges as JSON: {e}")))?
        }
        None => Vec::new(),
    };
    rows.into_iter().map(TryInto::try_into).collect()
}

impl TryFrom<BadgeRow> for Badge {
    type Error = DbError;
    fn try_from(r: BadgeRow) -> Result<Badge> {
        Ok(Badge {
            kind: BadgeKind::parse(&r.kind)
                .ok_or_else(|| DbError::Corrupt(format!("badge kind {}", r.kind)))?,
            status: BadgeStatus::parse(&r.status)
                .ok_or_else(|| DbError::Corrupt(format!("badge status {}", r.status)))?,
            id: r.id,
            org_id: r.org_id,
            listing_id: r.listing_id,
            number: r.number,
            issuer: r.issuer,
            stars: r.stars,
            product_group: r.product_group,
            expires_on: r.expires_on,
            evidence_key: r.evidence_key,
            reason: r.reason,
            verifier_label: r.verifier_label,
            decided_at: r.decided_at,
            created_at: r.created_at,
        })
    }
}

#[derive(Debug, Clone, Default)]
pub struct Claim {
    pub org_id: i64,
    pub listing_id: Option<i64>,
    pub kind: Option<BadgeKind>,
    pub number: Option<String>,
    pub issuer: Option<String>,
    pub stars: Option<i64>,
    pub product_group: Option<String>,
    pub expires_on: Option<NaiveDate>,
    pub evidence_key: Option<String>,
}

/// Records a claim, pending verification.
pub async fn submit(conn: Conn<'_>, c: &Claim, submitted_by: Option<i64>) -> Result<Badge> {
    let row: BadgeRow = on!(conn, e => sqlx::query_as(
        "INSERT INTO badges (org_id, listing_id, kind, number, issuer, stars, product_group, expires_on, evidence_key, status, submitted_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', $10, $11) \
         RETURNING id, org_id, listing_id, kind, number, issuer, stars, product_group, expires_on, evidence_key, status, reason, verifier_label, decided_at, created_at")
        .bind(c.org_id)
        .bind(c.listing_id)
        .bind(c.kind.unwrap_or(BadgeKind::Other).as_str())
        .bind(c.number.as_deref())
        .bind(c.issuer.as_deref())
        .bind(c.stars)
        .bind(c.product_group.as_deref())
        .bind(c.expires_on)
        .bind(c.evidence_key.as_deref())
        .bind(submitted_by)
        .bind(crate::now())
        .fetch_one(e)
        .await)?;
    row.try_into()
}

/// Verifies or rejects a pending claim; `false` if it was not pending (decided already).
pub async fn decide(
    conn: Conn<'_>,
    id: i64,
    status: BadgeStatus,
    reason: Option<&str>,
    by: Option<i64>,
    verifier_label: &str,
    at: DateTime<Utc>,
) -> Result<bool> {
    let n = on!(conn, e => sqlx::query(
        "UPDATE badges SET status = $2, reason = $3, decided_by = $4, verifier_label = $5, decided_at = $6 WHERE id = $1 AND status = 'pending'")
        .bind(id)
        .bind(status.as_str())
        .bind(reason)
        .bind(by)
        .bind(verifier_label)
        .bind(at)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn find(conn: Conn<'_>, id: i64) -> Result<Option<Badge>> {
    let row: Option<BadgeRow> = on!(conn, e => sqlx::query_as(select_badges!("WHERE id = $1"))
        .bind(id)
        .fetch_optional(e)
        .await)?;
    row.map(TryInto::try_into).transpose()
}

/// Every claim of a cooperative, newest first (its managers see all of them).
pub async fn of_org(conn: Conn<'_>, org_id: i64) -> Result<Vec<Badge>> {
    let rows: Vec<BadgeRow> = on!(conn, e => sqlx::query_as(select_badges!("WHERE org_id = $1 ORDER BY id DESC"))
        .bind(org_id)
        .fetch_all(e)
        .await)?;
    rows.into_iter().map(TryInto::try_into).collect()
}

/// Whether a badge within `scope` carries the evidence file `key`: officers see the evidence
/// of the cooperatives they act for, and only theirs.
pub async fn evidence_in_scope(conn: Conn<'_>, key: &str, scope: &Scope) -> Result<bool> {
    let n: i64 = on!(conn, e => sqlx::query_scalar(
        "SELECT COUNT(*) FROM badges b JOIN organisations o ON o.id = b.org_id \
         WHERE b.evidence_key = $1 AND ($2 IS NULL OR o.commune_code = $2)")
        .bind(key)
        .bind(scope.commune())
        .fetch_one(e)
        .await)?;
    Ok(n > 0)
}

/// Claims waiting for an officer, oldest first, within her scope, with the cooperative's
/// slug and name.
pub async fn pending(
    conn: Conn<'_>,
    scope: &Scope,
    limit: i64,
) -> Result<Vec<(Badge, String, String)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        badge: BadgeRow,
        slug: String,
        name: String,
    }
    let rows: Vec<Row> = on!(conn, e => sqlx::query_as(
        "SELECT b.id, b.org_id, b.listing_id, b.kind, b.number, b.issuer, b.stars, b.product_group, b.expires_on, b.evidence_key, b.status, \
           b.reason, b.verifier_label, b.decided_at, b.created_at, o.slug, o.name \
         FROM badges b JOIN organisations o ON o.id = b.org_id \
         WHERE b.status = 'pending' AND ($1 IS NULL OR o.commune_code = $1) ORDER BY b.created_at, b.id LIMIT $2")
        .bind(scope.commune())
        .bind(limit)
        .fetch_all(e)
        .await)?;
    rows.into_iter()
        .map(|r| Ok((Badge::try_from(r.badge)?, r.slug, r.name)))
        .collect()
}

/// Best OCOP rating showing for a cooperative (any of its products), if any.
pub async fn org_ocop_stars(conn: Conn<'_>, org_id: i64, today: NaiveDate) -> Result<Option<i64>> {
    Ok(on!(conn, e => sqlx::query_scalar(
        "SELECT MAX(stars) FROM badges WHERE org_id = $1 AND kind = 'ocop' AND status = 'verified' AND (expires_on IS NULL OR expires_on >= $2)")
        .bind(org_id)
        .bind(today)
        .fetch_one(e)
        .await)?)
}
