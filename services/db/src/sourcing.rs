//! Wholesale sourcing (issue 21): requests for quotation, the cooperatives each reached,
//! quotes (alone or joint, one share per cooperative) and their acceptance. The rules are
//! `ketnoi_domain::trade`; acceptance is a compare-and-set on the quote (open, within its
//! validity) and on the request (open), in the transaction that places the orders.

use crate::filter::{Arg, Sql, bind_all};
use crate::{Conn, Result, Tx, on};
use chrono::{DateTime, NaiveDate, Utc};
use ketnoi_domain::catalog::Months;
use ketnoi_domain::trade::{Recurrence, RfqStatus, Visibility};
use std::collections::HashMap;

/// The ids of the cooperatives the user `$1` acts for: those she owns or manages, and those
/// that granted her proxy rights.
macro_rules! acts_for_ids {
    () => {
        "SELECT m.org_id FROM memberships m JOIN organisations mo ON mo.id = m.org_id \
         WHERE m.user_id = $1 AND m.role IN ('owner', 'manager') AND mo.kind IN ('htx', 'tht') \
         UNION SELECT g.org_id FROM proxy_grants g WHERE g.officer_id = $1"
    };
}

macro_rules! select_rfqs_reached {
    ($($rest:expr),*) => {
        concat!(
            "SELECT r.id, r.buyer_org_id, r.created_by, r.title, r.category_id, r.words, r.quantity, \
             r.unit, r.target_price, r.delivery_commune_code, r.delivery_province_code, \
             r.deliver_from, r.deliver_until, r.recurrence, r.certifications, r.min_ocop_stars, \
             r.max_distance_km, r.deadline, r.visibility, r.status, r.notified_count, r.created_at, \
             o.name AS buyer_name, o.slug AS buyer_slug, \
             (o.tax_verified_at IS NOT NULL) AS buyer_verified, \
             EXISTS (SELECT 1 FROM rfq_recipients y WHERE y.rfq_id = r.id AND y.org_id IN (",
            acts_for_ids!(),
            ")) AS reached \
             FROM rfqs r JOIN organisations o ON o.id = r.buyer_org_id ",
            $($rest),*
        )
    };
}

/// A request as the buyer posts it (already checked).
#[derive(Debug, Clone, PartialEq)]
pub struct NewRfq {
    pub buyer_org_id: i64,
    pub created_by: i64,
    pub title: String,
    pub category_id: Option<String>,
    pub words: String,
    pub quantity: i64,
    pub unit: String,
    pub target_price: Option<i64>,
    pub delivery_commune_code: Option<String>,
    pub delivery_province_code: String,
    pub deliver_from: NaiveDate,
    pub deliver_until: Option<NaiveDate>,
    pub recurrence: Recurrence,
    pub certifications: Vec<String>,
    pub min_ocop_stars: Option<i64>,
    pub max_distance_km: Option<i64>,
    pub deadline: NaiveDate,
    pub visibility: Visibility,
}

/// A stored request.
#[derive(Debug, Clone, PartialEq)]
pub struct Rfq {
    pub id: i64,
    pub status: RfqStatus,
    pub notified_count: i64,
    pub created_at: DateTime<Utc>,
    pub buyer_name: String,
    pub buyer_slug: String,
    pub buyer_verified: bool,
    pub new: NewRfq,
}

#[derive(sqlx::FromRow)]
struct RfqRow {
    id: i64,
    buyer_org_id: i64,
    created_by: Option<i64>,
    title: String,
    category_id: Option<String>,
    words: String,
    quantity: i64,
    unit: String,
    target_price: Option<i64>,
    delivery_commune_code: Option<String>,
    delivery_province_code: String,
    deliver_from: NaiveDate,
    deliver_until: Option<NaiveDate>,
    recurrence: String,
    certifications: String,
    min_ocop_stars: Option<i64>,
    max_distance_km: Option<i64>,
    deadline: NaiveDate,
    visibility: String,
    status: String,
    notified_count: i64,
    created_at: DateTime<Utc>,
    buyer_name: String,
    buyer_slug: String,
    buyer_verified: bool,
}

macro_rules! select_rfqs {
    ($rest:literal) => {
        concat!(
            "SELECT r.id, r.buyer_org_id, r.created_by, r.title, r.category_id, r.words, r.quantity, \
             r.unit, r.target_price, r.delivery_commune_code, r.delivery_province_code, \
             r.deliver_from, r.deliver_until, r.recurrence, r.certifications, r.min_ocop_stars, \
             r.max_distance_km, r.deadline, r.visibility, r.status, r.notified_count, r.created_at, \
             o.name AS buyer_name, o.slug AS buyer_slug, \
             (o.tax_verified_at IS NOT NULL) AS buyer_verified \
             FROM rfqs r JOIN organisations o ON o.id = r.buyer_org_id ",
            $rest
        )
    };
}

impl TryFrom<RfqRow> for Rfq {
    type Error = crate::DbError;
    fn try_from(r: RfqRow) -> Result<Rfq> {
        let bad = |what: &str, v: &str| crate::DbError::Corrupt(format!("rfqs.{what} = {v:?}"));
        Ok(Rfq {
            id: r.id,
            status: RfqStatus::parse(&r.status).ok_or_else(|| bad("status", &r.status))?,
            notified_count: r.notified_count,
            created_at: r.created_at,
            buyer_name: r.buyer_name,
            buyer_slug: r.buyer_slug,
            buyer_verified: r.buyer_verified,
            new: NewRfq {
                buyer_org_id: r.buyer_org_id,
                created_by: r.created_by.unwrap_or_default(),
                title: r.title,
                category_id: r.category_id,
                words: r.words,
                quantity: r.quantity,
                unit: r.unit,
                target_price: r.target_price,
                delivery_commune_code: r.delivery_commune_code,
                delivery_province_code: r.delivery_province_code,
                deliver_from: r.deliver_from,
                deliver_until: r.deliver_until,
                recurrence: Recurrence::parse(&r.recurrence)
                    .ok_or_else(|| bad("recurrence", &r.recurrence))?,
                certifications: r
                    .certifications
                    .split_whitespace()
                    .map(str::to_owned)
                    .collect(),
                min_ocop_stars: r.min_ocop_stars,
                max_distance_km: r.max_distance_km,
                deadline: r.deadline,
                visibility: Visibility::parse(&r.visibility)
                    .ok_or_else(|| bad("visibility", &r.visibility))?,
            },
        })
    }
}

pub async fn create_rfq(conn: Conn<'_>, r: &NewRfq) -> Result<i64> {
    let now = crate::now();
    Ok(on!(conn, e => sqlx::query_scalar(
        "INSERT INTO rfqs (buyer_org_id, created_by, title, category_id, words, quantity, unit, \
         target_price, delivery_commune_code, delivery_province_code, deliver_from, deliver_until, \
         recurrence, certifications, min_ocop_stars, max_distance_km, deadline, visibility, status, \
         notified_count, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, \
         'open', 0, $19, $19) RETURNING id")
        .bind(r.buyer_org_id)
        .bind(r.created_by)
        .bind(&r.title)
        .bind(r.category_id.as_deref())
        .bind(&r.words)
        .bind(r.quantity)
        .bind(&r.unit)
        .bind(r.target_price)
        .bind(r.delivery_commune_code.as_deref())
        .bind(&r.delivery_province_code)
        .bind(r.deliver_from)
        .bind(r.deliver_until)
        .bind(r.recurrence.as_str())
        .bind(r.certifications.join(" "))
        .bind(r.min_ocop_stars)
        .bind(r.max_distance_km)
        .bind(r.deadline)
        .bind(r.visibility.as_str())
        .bind(now)
        .fetch_one(e)
        .await)?)
}

pub async fn rfq(conn: Conn<'_>, id: i64) -> Result<Option<Rfq>> {
    let row: Option<RfqRow> = on!(conn, e => sqlx::query_as(select_rfqs!("WHERE r.id = $1"))
        .bind(id)
        .fetch_optional(e)
        .await)?;
    row.map(Rfq::try_from).transpose()
}

/// The requests of the buyer organisations `user_id` belongs to, newest first.
pub async fn of_buyer(conn: Conn<'_>, user_id: i64) -> Result<Vec<Rfq>> {
    let rows: Vec<RfqRow> = on!(conn, e => sqlx::query_as(select_rfqs!(
        "WHERE r.buyer_org_id IN (SELECT org_id FROM memberships WHERE user_id = $1) \
         ORDER BY r.created_at DESC, r.id DESC LIMIT 100"))
        .bind(user_id)
        .fetch_all(e)
        .await)?;
    rows.into_iter().map(Rfq::try_from).collect()
}

/// Open requests a cooperative `user_id` acts for (as owner, manager or proxy officer) may
/// quote on: those that reached it, and public ones; reached first, newest first.
pub async fn for_supplier(conn: Conn<'_>, user_id: i64) -> Result<Vec<(Rfq, bool)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        rfq: RfqRow,
        reached: bool,
    }
    let rows: Vec<Row> = on!(conn, e => sqlx::query_as(select_rfqs_reached!(
        "WHERE r.status = 'open' AND (r.visibility = 'public' OR EXISTS (SELECT 1 FROM rfq_recipients x \
         WHERE x.rfq_id = r.id AND x.org_id IN (", acts_for_ids!(), "))) \
         ORDER BY reached DESC, r.created_at DESC, r.id DESC LIMIT 100"))
        .bind(user_id)
        .fetch_all(e)
        .await)?;
    rows.into_iter()
        .map(|r| Ok((Rfq::try_from(r.rfq)?, r.reached)))
        .collect()
}

/// A cooperative someone acts for.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Acting {
    pub org_id: i64,
    pub slug: String,
    pub name: String,
}

/// The cooperatives `user_id` acts for (owner, manager, or proxy officer), by name.
pub async fn acts_for(conn: Conn<'_>, user_id: i64) -> Result<Vec<Acting>> {
    Ok(on!(conn, e => sqlx::query_as(concat!(
        "SELECT o.id AS org_id, o.slug, o.name FROM organisations o WHERE o.id IN (",
        acts_for_ids!(), ") ORDER BY o.name, o.id"))
        .bind(user_id)
        .fetch_all(e)
        .await)?)
}

/// One published goods listing of a cooperative, with what matching reads of it and of its
/// cooperative.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct SupplyRow {
    pub org_id: i64,
    pub listing_id: i64,
    pub category_id: String,
    pub category_group: String,
    pub months: i64,
    pub stock: Option<i64>,
    pub monthly_capacity: Option<i64>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub commune_code: Option<String>,
}

impl SupplyRow {
    pub fn months(&self) -> Months {
        Months(self.months)
    }
}

/// The published, visible goods listings of cooperatives in `category` (a category or its
/// group) or among `listing_ids` (what a search for the request's words found).
pub async fn supply(
    conn: Conn<'_>,
    category: Option<&str>,
    listing_ids: &[i64],
) -> Result<Vec<SupplyRow>> {
    if category.is_none() && listing_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new(
        "SELECT l.org_id, l.id AS listing_id, l.category_id, l.category_group, l.months, l.stock, \
         l.monthly_capacity, o.lat, o.lon, o.commune_code \
         FROM listings l JOIN organisations o ON o.id = l.org_id \
         WHERE l.status = 'published' AND l.hidden_reason IS NULL AND o.kind IN ('htx', 'tht') \
         AND EXISTS (SELECT 1 FROM offers f WHERE f.listing_id = l.id AND f.kind <> 'experience') AND (",
    );
    if let Some(c) = category {
        q.push("l.category_id = ")
            .arg(Arg::Text(c.to_owned()))
            .push(" OR l.category_group = ")
            .arg(Arg::Text(c.to_owned()));
    } else {
        q.push("l.id IN (");
        for (i, id) in listing_ids.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.arg(Arg::Int(*id));
        }
        q.push(")");
    }
    q.push(") ORDER BY l.org_id, l.id");
    Ok(on!(conn, e => bind_all!(sqlx::query_as(q.sql()), q)
        .fetch_all(e)
        .await)?)
}

/// Per cooperative among `org_ids`: the certification kinds it holds with a verified badge
/// not past its expiry on `today`, and its highest OCOP stars in force.
pub async fn certifications_in_force(
    conn: Conn<'_>,
    org_ids: &[i64],
    today: NaiveDate,
) -> Result<HashMap<i64, (Vec<String>, Option<i64>)>> {
    let mut out: HashMap<i64, (Vec<String>, Option<i64>)> = HashMap::new();
    if org_ids.is_empty() {
        return Ok(out);
    }
    let mut q = Sql::new(
        "SELECT org_id, kind, stars FROM badges WHERE status = 'verified' \
         AND (expires_on IS NULL OR expires_on >= ",
    );
    q.arg(Arg::Date(today)).push(") AND org_id IN (");
    for (i, id) in org_ids.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.arg(Arg::Int(*id));
    }
    q.push(") ORDER BY org_id, kind");
    let rows: Vec<(i64, String, Option<i64>)> =
        on!(conn, e => bind_all!(sqlx::query_as(q.sql()), q).fetch_all(e).await)?;
    for (org, kind, stars) in rows {
        let Some(cert) = ketnoi_domain::trade::certification_of_badge(&kind) else {
            continue;
        };
        let entry = out.entry(org).or_default();
        if !entry.0.iter().any(|c| c == cert) {
            entry.0.push(cert.to_owned());
        }
        if let Some(s) = stars {
            entry.1 = Some(entry.1.map_or(s, |have| have.max(s)));
        }
    }
    Ok(out)
}

/// Sets a listing's declared monthly capacity (in its unit; `None`: not stated).
pub async fn set_monthly_capacity(
    conn: Conn<'_>,
    listing_id: i64,
    capacity: Option<i64>,
) -> Result<()> {
    on!(conn, e => sqlx::query("UPDATE listings SET monthly_capacity = $2 WHERE id = $1")
        .bind(listing_id)
        .bind(capacity)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Records the cooperatives a request reached (`reason` `matched` or `invited`) and how
/// many were notified, in the posting transaction.
pub async fn add_recipients(
    tx: &mut Tx,
    rfq_id: i64,
    recipients: &[(i64, &'static str, Option<i64>)],
) -> Result<()> {
    let now = crate::now();
    for (org_id, reason, km) in recipients {
        on!(tx.conn(), e => sqlx::query(
            "INSERT INTO rfq_recipients (rfq_id, org_id, reason, distance_km, notified_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (rfq_id, org_id) DO NOTHING")
            .bind(rfq_id)
            .bind(org_id)
            .bind(*reason)
            .bind(*km)
            .bind(now)
            .execute(e)
            .await
            .map(|r| r.rows_affected()))?;
    }
    on!(tx.conn(), e => sqlx::query(
        "UPDATE rfqs SET notified_count = (SELECT COUNT(*) FROM rfq_recipients WHERE rfq_id = $1), \
         updated_at = $2 WHERE id = $1")
        .bind(rfq_id)
        .bind(now)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// A cooperative a request reached.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Recipient {
    pub org_id: i64,
    pub slug: String,
    pub name: String,
    pub reason: String,
    pub distance_km: Option<i64>,
}

pub async fn recipients(conn: Conn<'_>, rfq_id: i64) -> Result<Vec<Recipient>> {
    Ok(on!(conn, e => sqlx::query_as(
        "SELECT x.org_id, o.slug, o.name, x.reason, x.distance_km FROM rfq_recipients x \
         JOIN organisations o ON o.id = x.org_id WHERE x.rfq_id = $1 ORDER BY o.name, o.id")
        .bind(rfq_id)
        .fetch_all(e)
        .await)?)
}

/// Whether the request reached this cooperative.
pub async fn reached(conn: Conn<'_>, rfq_id: i64, org_id: i64) -> Result<bool> {
    let n: i64 = on!(conn, e => sqlx::query_scalar(
        "SELECT COUNT(*) FROM rfq_recipients WHERE rfq_id = $1 AND org_id = $2")
        .bind(rfq_id)
        .bind(org_id)
        .fetch_one(e)
        .await)?;
    Ok(n > 0)
}

/// Closes an open request without accepting a quote (the buyer's choice).
pub async fn close(conn: Conn<'_>, rfq_id: i64) -> Result<bool> {
    let n = on!(conn, e => sqlx::query(
        "UPDATE rfqs SET status = 'closed', updated_at = $2 WHERE id = $1 AND status = 'open'")
        .bind(rfq_id)
        .bind(crate::now())
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

mod quotes;
pub use quotes::*;
