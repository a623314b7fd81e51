//! Quotes: a cooperative's answer to a request, or a joint one (a lead and each member's
//! share of quantity and price), and what accepting one writes.

use crate::{Conn, Result, Tx, on};
use chrono::{DateTime, NaiveDate, Utc};
use ketnoi_domain::trade::Share;

/// A quote as its author submits it (already checked by `ketnoi_domain::trade::check_quote`).
#[derive(Debug, Clone, PartialEq)]
pub struct NewQuote {
    pub rfq_id: i64,
    /// The first share's cooperative leads.
    pub shares: Vec<Share>,
    pub created_by: i64,
    /// Assembled by an officer acting for the cooperatives.
    pub by_proxy: bool,
    pub valid_until: DateTime<Utc>,
    pub deliver_from: Option<NaiveDate>,
    pub note: Option<String>,
    /// Lower prices for larger quantities: `(from quantity, unit price)`.
    pub tiers: Vec<(i64, i64)>,
}

pub async fn create_quote(tx: &mut Tx, q: &NewQuote) -> Result<i64> {
    let lead = q.shares.first().ok_or(crate::DbError::NotFound)?.org_id;
    let now = crate::now();
    let id: i64 = on!(tx.conn(), e => sqlx::query_scalar(
        "INSERT INTO quotes (rfq_id, lead_org_id, created_by, by_proxy, valid_until, deliver_from, \
         note, status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8, $8) \
         RETURNING id")
        .bind(q.rfq_id)
        .bind(lead)
        .bind(q.created_by)
        .bind(q.by_proxy)
        .bind(q.valid_until)
        .bind(q.deliver_from)
        .bind(q.note.as_deref())
        .bind(now)
        .fetch_one(e)
        .await)?;
    for (position, s) in q.shares.iter().enumerate() {
        on!(tx.conn(), e => sqlx::query(
            "INSERT INTO quote_shares (quote_id, org_id, listing_id, quantity, unit_price, position) \
             VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(id)
            .bind(s.org_id)
            .bind(s.listing_id)
            .bind(s.quantity)
            .bind(s.unit_price)
            .bind(position as i64)
            .execute(e)
            .await
            .map(|r| r.rows_affected()))?;
    }
    for (min_qty, price) in &q.tiers {
        on!(tx.conn(), e => sqlx::query(
            "INSERT INTO quote_tiers (quote_id, min_qty, unit_price) VALUES ($1, $2, $3) \
             ON CONFLICT (quote_id, min_qty) DO NOTHING")
            .bind(id)
            .bind(min_qty)
            .bind(price)
            .execute(e)
            .await
            .map(|r| r.rows_affected()))?;
    }
    Ok(id)
}

/// One cooperative's part of a quote, as pages show it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ShareLine {
    pub quote_id: i64,
    pub org_id: i64,
    pub org_slug: String,
    pub org_name: String,
    pub listing_id: i64,
    pub title: String,
    pub unit: String,
    pub quantity: i64,
    pub unit_price: i64,
}

impl ShareLine {
    pub fn amount(&self) -> i64 {
        self.quantity.saturating_mul(self.unit_price)
    }
}

/// A stored quote with its shares (the lead's first) and tiers.
#[derive(Debug, Clone, PartialEq)]
pub struct Quote {
    pub id: i64,
    pub rfq_id: i64,
    pub lead_org_id: i64,
    pub by_proxy: bool,
    pub valid_until: DateTime<Utc>,
    pub deliver_from: Option<NaiveDate>,
    pub note: Option<String>,
    /// `open`, `accepted` or `withdrawn`.
    pub status: String,
    pub conversation_id: Option<i64>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub shares: Vec<ShareLine>,
    pub tiers: Vec<(i64, i64)>,
}

impl Quote {
    pub fn quantity(&self) -> i64 {
        self.shares.iter().map(|s| s.quantity).sum()
    }
    pub fn amount(&self) -> i64 {
        self.shares.iter().map(ShareLine::amount).sum()
    }
    /// The average price per unit over the shares (rounded down).
    pub fn unit_price(&self) -> i64 {
        match self.quantity() {
            0 => 0,
            q => self.amount() / q,
        }
    }
    pub fn is_joint(&self) -> bool {
        self.shares.len() > 1
    }
    /// Whether a cooperative has a share in it.
    pub fn involves(&self, org_id: i64) -> bool {
        self.shares.iter().any(|s| s.org_id == org_id)
    }
}

#[derive(sqlx::FromRow)]
struct QuoteRow {
    id: i64,
    rfq_id: i64,
    lead_org_id: i64,
    by_proxy: bool,
    valid_until: DateTime<Utc>,
    deliver_from: Option<NaiveDate>,
    note: Option<String>,
    status: String,
    conversation_id: Option<i64>,
    accepted_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

const QUOTE_COLUMNS: &str = "SELECT id, rfq_id, lead_org_id, by_proxy, valid_until, deliver_from, \
     note, status, conversation_id, accepted_at, created_at FROM quotes ";

/// The quotes of a request, oldest first, with their shares and tiers.
pub async fn quotes_of(mut conn: Conn<'_>, rfq_id: i64) -> Result<Vec<Quote>> {
    let rows: Vec<QuoteRow> = on!(conn.again(), e => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{QUOTE_COLUMNS}WHERE rfq_id = $1 ORDER BY created_at, id")))
        .bind(rfq_id)
        .fetch_all(e)
        .await)?;
    let shares: Vec<ShareLine> = on!(conn.again(), e => sqlx::query_as(
        "SELECT s.quote_id, s.org_id, o.slug AS org_slug, o.name AS org_name, s.listing_id, \
         l.title_vi AS title, l.unit, s.quantity, s.unit_price FROM quote_shares s \
         JOIN quotes q ON q.id = s.quote_id JOIN organisations o ON o.id = s.org_id \
         JOIN listings l ON l.id = s.listing_id WHERE q.rfq_id = $1 ORDER BY s.quote_id, s.position")
        .bind(rfq_id)
        .fetch_all(e)
        .await)?;
    let tiers: Vec<(i64, i64, i64)> = on!(conn, e => sqlx::query_as(
        "SELECT t.quote_id, t.min_qty, t.unit_price FROM quote_tiers t JOIN quotes q ON q.id = t.quote_id \
         WHERE q.rfq_id = $1 ORDER BY t.quote_id, t.min_qty")
        .bind(rfq_id)
        .fetch_all(e)
        .await)?;
    Ok(rows
        .into_iter()
        .map(|r| Quote {
            shares: shares
                .iter()
                .filter(|s| s.quote_id == r.id)
                .cloned()
                .collect(),
            tiers: tiers
                .iter()
                .filter(|t| t.0 == r.id)
                .map(|t| (t.1, t.2))
                .collect(),
            id: r.id,
            rfq_id: r.rfq_id,
            lead_org_id: r.lead_org_id,
            by_proxy: r.by_proxy,
            valid_until: r.valid_until,
            deliver_from: r.deliver_from,
            note: r.note,
            status: r.status,
            conversation_id: r.conversation_id,
            accepted_at: r.accepted_at,
            created_at: r.created_at,
        })
        .collect())
}

/// One quote by id, with its shares.
pub async fn quote(mut conn: Conn<'_>, id: i64) -> Result<Option<Quote>> {
    let rfq_id: Option<i64> = on!(conn.again(), e => sqlx::query_scalar(
        "SELECT rfq_id FROM quotes WHERE id = $1")
        .bind(id)
        .fetch_optional(e)
        .await)?;
    let Some(rfq_id) = rfq_id else {
        return Ok(None);
    };
    Ok(quotes_of(conn, rfq_id)
        .await?
        .into_iter()
        .find(|q| q.id == id))
}

/// The offer an order line of a quoted listing refers to: its wholesale offer, else its
/// retail one (an experience is never quoted).
pub async fn goods_offer_of(conn: Conn<'_>, listing_id: i64) -> Result<Option<i64>> {
    Ok(on!(conn, e => sqlx::query_scalar(
        "SELECT id FROM offers WHERE listing_id = $1 AND kind IN ('wholesale', 'retail') \
         ORDER BY CASE kind WHEN 'wholesale' THEN 0 ELSE 1 END, position, id LIMIT 1")
        .bind(listing_id)
        .fetch_optional(e)
        .await)?)
}

/// The published goods listings of a cooperative a share may name: `(id, title, unit)`.
pub async fn quotable_listings(conn: Conn<'_>, org_id: i64) -> Result<Vec<(i64, String, String)>> {
    Ok(on!(conn, e => sqlx::query_as(
        "SELECT l.id, l.title_vi, l.unit FROM listings l WHERE l.org_id = $1 AND l.status = 'published' \
         AND l.hidden_reason IS NULL AND EXISTS (SELECT 1 FROM offers f WHERE f.listing_id = l.id \
         AND f.kind IN ('wholesale', 'retail')) ORDER BY l.title_vi, l.id")
        .bind(org_id)
        .fetch_all(e)
        .await)?)
}

/// Marks the quote accepted and its request awarded, if the quote is still open and within
/// its validity at `now` and the request still open: both compare-and-set, in the caller's
/// transaction (which then places the orders). `false`: nothing was changed.
pub async fn mark_accepted(
    tx: &mut Tx,
    quote_id: i64,
    rfq_id: i64,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<bool> {
    let quote = on!(tx.conn(), e => sqlx::query(
        "UPDATE quotes SET status = 'accepted', accepted_at = $2, accepted_by = $3, updated_at = $2 \
         WHERE id = $1 AND status = 'open' AND valid_until > $2")
        .bind(quote_id)
        .bind(now)
        .bind(user_id)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    if quote != 1 {
        return Ok(false);
    }
    let rfq = on!(tx.conn(), e => sqlx::query(
        "UPDATE rfqs SET status = 'awarded', updated_at = $2 WHERE id = $1 AND status = 'open'")
        .bind(rfq_id)
        .bind(now)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(rfq == 1)
}

/// The quote's own conversation: the one it has, or a new inquiry thread with its lead
/// cooperative (whose people take part through `org_id`) and `members`, bound to the quote
/// with a compare-and-set so that two people asking at once share one.
pub async fn conversation(
    db: &crate::Db,
    quote_id: i64,
    lead_org_id: i64,
    title: &str,
    created_by: i64,
    members: &[i64],
) -> Result<i64> {
    let mut tx = db.begin().await?;
    let bound: Option<i64> = on!(tx.conn(), e => sqlx::query_scalar(
        "SELECT conversation_id FROM quotes WHERE id = $1")
        .bind(quote_id)
        .fetch_optional(e)
        .await)?
    .flatten();
    let now = crate::now();
    let id = match bound {
        Some(id) => id,
        None => {
            let id: i64 = on!(tx.conn(), e => sqlx::query_scalar(
                "INSERT INTO conversations (kind, title, org_id, listing_id, created_by, last_seq, created_at) \
                 VALUES ('inquiry', $1, $2, NULL, $3, 0, $4) RETURNING id")
                .bind(title)
                .bind(lead_org_id)
                .bind(created_by)
                .bind(now)
                .fetch_one(e)
                .await)?;
            let set = on!(tx.conn(), e => sqlx::query(
                "UPDATE quotes SET conversation_id = $2 WHERE id = $1 AND conversation_id IS NULL")
                .bind(quote_id)
                .bind(id)
                .execute(e)
                .await
                .map(|r| r.rows_affected()))?;
            if set == 0 {
                // Someone bound one between our read and write: use hers.
                drop(tx);
                return Box::pin(conversation(
                    db,
                    quote_id,
                    lead_org_id,
                    title,
                    created_by,
                    members,
                ))
                .await;
            }
            id
        }
    };
    for user in members {
        crate::messaging::add_member(tx.conn(), id, *user, "member", now).await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// The orders an accepted quote became, by id.
pub async fn orders_of_quote(conn: Conn<'_>, quote_id: i64) -> Result<Vec<(i64, i64, String)>> {
    Ok(on!(conn, e => sqlx::query_as(
        "SELECT id, org_id, COALESCE(code, '') FROM orders WHERE quote_id = $1 ORDER BY id")
        .bind(quote_id)
        .fetch_all(e)
        .await)?)
}
