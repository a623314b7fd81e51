//! Orders: placing one (stock taken in the same transaction, never more than there is), its
//! steps through [`ketnoi_domain::order::next`], and its timeline.

use crate::{Conn, Db, Result, on};
use chrono::{DateTime, Utc};
use ketnoi_domain::order::{self, Actor, OrderKind, PaymentMethod, Status, Step};

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Order {
    pub id: i64,
    pub code: Option<String>,
    pub buyer_id: i64,
    pub org_id: i64,
    pub kind: String,
    pub payment: String,
    pub status: String,
    /// Đồng.
    pub total: i64,
    pub created_at: DateTime<Utc>,
}

macro_rules! select_orders {
    ($rest:literal) => {
        concat!(
            "SELECT id, code, buyer_id, org_id, kind, payment, status, total, created_at \
             FROM orders ",
            $rest
        )
    };
}

/// What a buyer orders from one cooperative.
#[derive(Debug, Clone)]
pub struct NewOrder<'a> {
    pub buyer_id: i64,
    pub org_id: i64,
    pub kind: OrderKind,
    pub payment: PaymentMethod,
    /// `(listing id, quantity)`; quantities above zero.
    pub items: &'a [(i64, i64)],
    pub delivery_commune: Option<&'a str>,
    pub delivery_street: Option<&'a str>,
    pub contact_phone: Option<&'a str>,
}

/// Why an order could not be placed (nothing was taken or written).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailable {
    /// Not enough of this listing left.
    OutOfStock { listing_id: i64 },
    /// Not a published listing of this cooperative, or a quantity below one.
    NotOrderable { listing_id: i64 },
    /// No items.
    Empty,
}

/// Places the order: each listing's stock goes down by its quantity (a listing without a
/// stock figure is not limited), the order, its items and its first timeline entry are
/// written, all in one transaction. The stock is taken with `UPDATE … WHERE stock >=
/// quantity`, which the database evaluates under the row's write lock, so concurrent orders
/// never take more than there is, on either engine.
pub async fn place(db: &Db, o: &NewOrder<'_>) -> Result<std::result::Result<Order, Unavailable>> {
    if o.items.is_empty() {
        return Ok(Err(Unavailable::Empty));
    }
    let mut tx = db.begin().await?;
    let now = crate::now();
    let mut total: i64 = 0;
    let mut lines = Vec::with_capacity(o.items.len());
    for &(listing_id, quantity) in o.items {
        let row: Option<(String, i64)> = on!(tx.conn(), e => sqlx::query_as(
            "SELECT title_vi, min_price FROM listings \
             WHERE id = $1 AND org_id = $2 AND status = 'published' AND hidden_reason IS NULL")
            .bind(listing_id)
            .bind(o.org_id)
            .fetch_optional(e)
            .await)?;
        let Some((title, price)) = row.filter(|_| quantity > 0) else {
            return Ok(Err(Unavailable::NotOrderable { listing_id }));
        };
        let taken = on!(tx.conn(), e => sqlx::query(
            "UPDATE listings SET stock = stock - $2 \
             WHERE id = $1 AND (stock IS NULL OR stock >= $2)")
            .bind(listing_id)
            .bind(quantity)
            .execute(e)
            .await
            .map(|r| r.rows_affected()))?;
        if taken == 0 {
            // Dropped without commit: the stock already taken for earlier lines comes back.
            return Ok(Err(Unavailable::OutOfStock { listing_id }));
        }
        total = total.saturating_add(price.saturating_mul(quantity));
        lines.push((listing_id, title, quantity, price));
    }
    let status = Status::initial(o.kind);
    let id: i64 = on!(tx.conn(), e => sqlx::query_scalar(
        "INSERT INTO orders (buyer_id, org_id, kind, payment, status, total, delivery_commune, \
         delivery_street, contact_phone, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id")
        .bind(o.buyer_id)
        .bind(o.org_id)
        .bind(o.kind.as_str())
        .bind(o.payment.as_str())
        .bind(status.as_str())
        .bind(total)
        .bind(o.delivery_commune)
        .bind(o.delivery_street)
        .bind(o.contact_phone)
        .bind(now)
        .fetch_one(e)
        .await)?;
    on!(tx.conn(), e => sqlx::query("UPDATE orders SET code = $2 WHERE id = $1")
        .bind(id)
        .bind(format!("KN{id:06}"))
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    for (listing_id, title, quantity, price) in lines {
        on!(tx.conn(), e => sqlx::query(
            "INSERT INTO order_items (order_id, listing_id, title, quantity, unit_price) \
             VALUES ($1, $2, $3, $4, $5)")
            .bind(id)
            .bind(listing_id)
            .bind(title)
            .bind(quantity)
            .bind(price)
            .execute(e)
            .await
            .map(|r| r.rows_affected()))?;
    }
    record(
        tx.conn(),
        id,
        status,
        None,
        Actor::Buyer,
        Some(o.buyer_id),
        now,
    )
    .await?;
    let placed = find(tx.conn(), id).await?.ok_or(crate::DbError::NotFound)?;
    tx.commit().await?;
    Ok(Ok(placed))
}

async fn record(
    conn: Conn<'_>,
    order_id: i64,
    status: Status,
    step: Option<Step>,
    actor: Actor,
    actor_id: Option<i64>,
    at: DateTime<Utc>,
) -> Result<()> {
    on!(conn, e => sqlx::query(
        "INSERT INTO order_events (order_id, status, step, actor, actor_id, at) \
         VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(order_id)
        .bind(status.as_str())
        .bind(step.map(Step::as_str))
        .bind(actor.as_str())
        .bind(actor_id)
        .bind(at)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn find(conn: Conn<'_>, id: i64) -> Result<Option<Order>> {
    Ok(
        on!(conn, e => sqlx::query_as(select_orders!("WHERE id = $1"))
        .bind(id)
        .fetch_optional(e)
        .await)?,
    )
}

/// Takes `step` on the order as `actor` (see [`order::next`]) and records it on the
/// timeline. Cancelling puts the stock back. Returns the new status, or why not.
pub async fn step(
    db: &Db,
    order_id: i64,
    step: Step,
    actor: Actor,
    actor_id: Option<i64>,
) -> Result<std::result::Result<Status, order::Refused>> {
    let mut tx = db.begin().await?;
    // Locks the row on PostgreSQL (SQLite's write transaction already holds the database).
    let row: Option<(String, String, String)> = on!(tx.conn(), e => sqlx::query_as(
        "UPDATE orders SET updated_at = updated_at WHERE id = $1 RETURNING kind, payment, status")
        .bind(order_id)
        .fetch_optional(e)
        .await)?;
    let (kind, payment, status) = row.ok_or(crate::DbError::NotFound)?;
    let facts = (
        OrderKind::parse(&kind),
        PaymentMethod::parse(&payment),
        Status::parse(&status),
    );
    let (Some(kind), Some(payment), Some(status)) = facts else {
        return Err(crate::DbError::Corrupt(format!("order {order_id}")));
    };
    let current = order::Order {
        kind,
        payment,
        status,
    };
    let to = match order::next(current, step, actor) {
        Ok(to) => to,
        Err(refused) => return Ok(Err(refused)),
    };
    let now = crate::now();
    on!(tx.conn(), e => sqlx::query("UPDATE orders SET status = $2, updated_at = $3 WHERE id = $1")
        .bind(order_id)
        .bind(to.as_str())
        .bind(now)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    if to == Status::Cancelled {
        on!(tx.conn(), e => sqlx::query(
            "UPDATE listings SET stock = stock + (SELECT i.quantity FROM order_items i \
               WHERE i.order_id = $1 AND i.listing_id = listings.id) \
             WHERE stock IS NOT NULL AND id IN (SELECT listing_id FROM order_items WHERE order_id = $1)")
            .bind(order_id)
            .execute(e)
            .await
            .map(|r| r.rows_affected()))?;
    }
    record(tx.conn(), order_id, to, Some(step), actor, actor_id, now).await?;
    tx.commit().await?;
    Ok(Ok(to))
}

/// One entry of an order's timeline.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Event {
    pub status: String,
    pub step: Option<String>,
    pub actor: String,
    pub actor_id: Option<i64>,
    pub at: DateTime<Utc>,
}

/// The order's timeline, oldest first.
pub async fn timeline(conn: Conn<'_>, order_id: i64) -> Result<Vec<Event>> {
    Ok(on!(conn, e => sqlx::query_as(
        "SELECT status, step, actor, actor_id, at FROM order_events WHERE order_id = $1 ORDER BY id")
        .bind(order_id)
        .fetch_all(e)
        .await)?)
}
