//! Orders: placing one (stock taken in the same transaction, never more than there is), its
//! steps through [`ketnoi_domain::order::next`], and its timeline.

use crate::{Conn, Db, DbError, Result, on};
use chrono::{DateTime, NaiveDate, Utc};
use ketnoi_domain::catalog::OfferKind;
use ketnoi_domain::listing::Offer;
use ketnoi_domain::order::{
    self, Actor, LineRefused, OrderKind, PaymentMethod, Status, Step, Terms,
};

/// An order as stored, its kind, payment and status read once (see [`OrderRow`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    pub id: i64,
    pub code: Option<String>,
    pub buyer_id: i64,
    pub org_id: i64,
    pub kind: OrderKind,
    pub payment: PaymentMethod,
    pub status: Status,
    /// Đồng.
    pub total: i64,
    pub delivery_commune: Option<String>,
    pub delivery_street: Option<String>,
    pub contact_phone: Option<String>,
    pub experience_date: Option<NaiveDate>,
    pub buyer_note: Option<String>,
    /// Who receives it, when she named someone (else the buyer).
    pub recipient_name: Option<String>,
    pub conversation_id: Option<i64>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl Order {
    /// The order's code, `KN000123`.
    pub fn code(&self) -> String {
        self.code
            .clone()
            .unwrap_or_else(|| order::order_code(self.id))
    }
    /// What the state machine needs of the order.
    pub fn facts(&self) -> order::Order {
        order::Order {
            kind: self.kind,
            payment: self.payment,
            status: self.status,
        }
    }
}

/// An order's row as the database returns it (see [`select_orders`]).
#[derive(Debug, Clone, sqlx::FromRow)]
struct OrderRow {
    id: i64,
    code: Option<String>,
    buyer_id: i64,
    org_id: i64,
    kind: String,
    payment: String,
    status: String,
    total: i64,
    delivery_commune: Option<String>,
    delivery_street: Option<String>,
    contact_phone: Option<String>,
    experience_date: Option<NaiveDate>,
    buyer_note: Option<String>,
    recipient_name: Option<String>,
    conversation_id: Option<i64>,
    confirmed_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

impl TryFrom<OrderRow> for Order {
    type Error = DbError;
    fn try_from(r: OrderRow) -> Result<Order> {
        let current = facts(r.id, &r.kind, &r.payment, &r.status)?;
        Ok(Order {
            id: r.id,
            code: r.code,
            buyer_id: r.buyer_id,
            org_id: r.org_id,
            kind: current.kind,
            payment: current.payment,
            status: current.status,
            total: r.total,
            delivery_commune: r.delivery_commune,
            delivery_street: r.delivery_street,
            contact_phone: r.contact_phone,
            experience_date: r.experience_date,
            buyer_note: r.buyer_note,
            recipient_name: r.recipient_name,
            conversation_id: r.conversation_id,
            confirmed_at: r.confirmed_at,
            created_at: r.created_at,
        })
    }
}

/// The state machine's view of an order's stored kind, payment and status; a value it cannot
/// read is [`DbError::Corrupt`].
fn facts(id: i64, kind: &str, payment: &str, status: &str) -> Result<order::Order> {
    let corrupt = |what: &str, value: &str| DbError::Corrupt(format!("order {id} {what} {value}"));
    Ok(order::Order {
        kind: OrderKind::parse(kind).ok_or_else(|| corrupt("kind", kind))?,
        payment: PaymentMethod::parse(payment).ok_or_else(|| corrupt("payment", payment))?,
        status: Status::parse(status).ok_or_else(|| corrupt("status", status))?,
    })
}

/// `SELECT <every order column, as o> <rest>`: `rest` names the tables (`FROM orders o …`)
/// and may add columns first.
macro_rules! select_orders {
    ($rest:expr) => {
        concat!(
            "SELECT o.id, o.code, o.buyer_id, o.org_id, o.kind, o.payment, o.status, o.total, \
             o.delivery_commune, o.delivery_street, o.contact_phone, o.experience_date, \
             o.buyer_note, o.recipient_name, o.conversation_id, o.confirmed_at, o.created_at ",
            $rest
        )
    };
}

/// One line: so many of an offer (units, or people for an experience).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line {
    pub offer_id: i64,
    pub quantity: i64,
    /// A price agreed beforehand (an accepted quote's): the line is priced at it and the
    /// offer's terms (cases, minimum) do not apply. `None`: the offer's own price.
    pub agreed_price: Option<i64>,
}

impl Line {
    /// So many of an offer at its own price.
    pub fn of(offer_id: i64, quantity: i64) -> Line {
        Line {
            offer_id,
            quantity,
            agreed_price: None,
        }
    }
}

/// What a buyer orders from one cooperative.
#[derive(Debug, Clone)]
pub struct NewOrder<'a> {
    pub buyer_id: i64,
    pub org_id: i64,
    pub kind: OrderKind,
    pub payment: PaymentMethod,
    pub lines: &'a [Line],
    /// The day of the visit (experiences only).
    pub experience_date: Option<NaiveDate>,
    pub delivery_commune: Option<&'a str>,
    pub delivery_street: Option<&'a str>,
    pub contact_phone: Option<&'a str>,
    pub buyer_note: Option<&'a str>,
    /// Who receives it, when not the buyer.
    pub recipient_name: Option<&'a str>,
    /// The accepted quote it comes from.
    pub quote_id: Option<i64>,
}

/// Why an order could not be placed (nothing was taken or written).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailable {
    /// Not enough of this listing left.
    OutOfStock { listing_id: i64 },
    /// Not an offer of a published listing of this cooperative, or not of the order's kind
    /// (an experience without a date, goods with one).
    NotOrderable { offer_id: i64 },
    /// The line breaks the offer's terms (cases, minimum, group size, quantity).
    Terms { offer_id: i64, refused: LineRefused },
    /// The experience has only `left` places left on that day.
    Full { offer_id: i64, left: i64 },
    /// No lines.
    Empty,
    /// The cart no longer holds these lines as they were (changed meanwhile, or already
    /// checked out by an earlier submission of the same form).
    CartChanged,
}

/// Places the order: each listing's stock goes down by its quantity (a listing without a
/// stock figure is not limited), the order, its items and its first timeline entry are
/// written, all in one transaction. The stock is taken with `UPDATE … WHERE stock >=
/// quantity`, which the database evaluates under the row's write lock, so concurrent orders
/// never take more than there is, on either engine.
pub async fn place(db: &Db, o: &NewOrder<'_>) -> Result<std::result::Result<Order, Unavailable>> {
    let mut tx = db.begin().await?;
    lock_for(&mut tx, std::slice::from_ref(o)).await?;
    let placed = place_in(&mut tx, o).await?;
    if placed.is_ok() {
        tx.commit().await?;
    }
    Ok(placed)
}

/// A whole checkout: every order placed, and its lines taken out of the buyer's cart, in one
/// transaction; or, when one line cannot be had, nothing at all (the cart stays as it was).
/// Each line must still be in the cart with the same quantity: a second submission of the
/// same checkout finds them gone and places nothing twice, and a line added meanwhile stays.
/// Runs in the caller's transaction (`ketnoi_app::orders::checkout`, which also writes the
/// order e-mails in it); dropping it uncommitted gives everything back.
pub async fn checkout_in(
    tx: &mut crate::Tx,
    buyer_id: i64,
    orders: &[NewOrder<'_>],
) -> Result<std::result::Result<Vec<Order>, Unavailable>> {
    for o in orders {
        let day = o.experience_date.map(|d| d.to_string()).unwrap_or_default();
        for line in o.lines {
            let taken = on!(tx.conn(), e => sqlx::query(
                "DELETE FROM cart_items \
                 WHERE user_id = $1 AND offer_id = $2 AND experience_date = $3 AND quantity = $4")
                .bind(buyer_id)
                .bind(line.offer_id)
                .bind(&day)
                .bind(line.quantity)
                .execute(e)
                .await
                .map(|r| r.rows_affected()))?;
            if taken != 1 {
                return Ok(Err(Unavailable::CartChanged));
            }
        }
    }
    place_all_in(tx, orders).await
}

/// Places several orders in the caller's transaction, all or none: the rows they take are
/// locked first (see `lock_for`), then each is placed; the first that cannot be placed
/// stops the rest and says why (dropping the transaction gives back what was taken).
pub async fn place_all_in(
    tx: &mut crate::Tx,
    orders: &[NewOrder<'_>],
) -> Result<std::result::Result<Vec<Order>, Unavailable>> {
    lock_for(tx, orders).await?;
    let mut placed = Vec::with_capacity(orders.len());
    for o in orders {
        match place_in(tx, o).await? {
            Ok(order) => placed.push(order),
            // Dropped without commit: everything taken so far comes back.
            Err(why) => return Ok(Err(why)),
        }
    }
    Ok(Ok(placed))
}

/// Writes an order e-mail to the outbox, in the transaction of the change it tells about.
pub async fn enqueue_notice(conn: Conn<'_>, n: &Notice) -> Result<i64> {
    crate::outbox::enqueue(
        conn,
        &crate::outbox::NewMessage {
            kind: "order",
            recipient: &n.recipient,
            locale: &n.locale,
            subject: &n.subject,
            body: &n.body,
        },
    )
    .await
}

/// Which rows [`lock_rows`] locks.
#[derive(Debug, Clone, Copy)]
enum Locked {
    Listings,
    Offers,
}

/// Locks the rows, one by one in ascending id order. On PostgreSQL, transactions that take
/// the same rows then always take them in the same order, so none waits on another in a cycle
/// (which PostgreSQL would abort as a deadlock). SQLite's write transaction (`BEGIN
/// IMMEDIATE`) already holds the whole database: nothing to do there.
async fn lock_rows(tx: &mut crate::Tx, table: Locked, ids: &mut Vec<i64>) -> Result<()> {
    if !matches!(tx, crate::Tx::Postgres(_)) {
        return Ok(());
    }
    ids.sort_unstable();
    ids.dedup();
    let sql = match table {
        Locked::Listings => "SELECT id FROM listings WHERE id = $1 FOR UPDATE",
        Locked::Offers => "SELECT id FROM offers WHERE id = $1 FOR UPDATE",
    };
    for &id in ids.iter() {
        on!(tx.conn(), e => sqlx::query(sql)
            .bind(id)
            .execute(e)
            .await
            .map(|r| r.rows_affected()))?;
    }
    Ok(())
}

/// Locks, before anything is taken, every listing whose stock the orders take and every
/// experience offer they book (listings first, then offers, each by id).
async fn lock_for(tx: &mut crate::Tx, orders: &[NewOrder<'_>]) -> Result<()> {
    if !matches!(tx, crate::Tx::Postgres(_)) {
        return Ok(());
    }
    let (mut listings, mut offers) = (Vec::new(), Vec::new());
    for line in orders.iter().flat_map(|o| o.lines) {
        let row: Option<(i64, String)> = on!(tx.conn(), e => sqlx::query_as(
            "SELECT listing_id, kind FROM offers WHERE id = $1")
            .bind(line.offer_id)
            .fetch_optional(e)
            .await)?;
        let Some((listing, kind)) = row else {
            continue;
        };
        if crate::listings::offer_kind(&kind)? == OfferKind::Experience {
            offers.push(line.offer_id);
        } else {
            listings.push(listing);
        }
    }
    lock_rows(tx, Locked::Listings, &mut listings).await?;
    lock_rows(tx, Locked::Offers, &mut offers).await
}

/// An offer being ordered, with what its order line keeps of its listing.
#[derive(sqlx::FromRow)]
struct OrderedRow {
    listing_id: i64,
    title_vi: String,
    unit: String,
    #[sqlx(flatten)]
    offer: crate::listings::OfferRow,
}

async fn place_in(
    tx: &mut crate::Tx,
    o: &NewOrder<'_>,
) -> Result<std::result::Result<Order, Unavailable>> {
    if o.lines.is_empty() {
        return Ok(Err(Unavailable::Empty));
    }
    let now = crate::now();
    let mut total: i64 = 0;
    let mut items = Vec::with_capacity(o.lines.len());
    for &Line {
        offer_id,
        quantity,
        agreed_price,
    } in o.lines
    {
        let row: Option<OrderedRow> = on!(tx.conn(), e => sqlx::query_as(concat!(
            "SELECT f.listing_id, l.title_vi, l.unit, ", crate::listings::offer_columns!(),
            " FROM offers f JOIN listings l ON l.id = f.listing_id \
             WHERE f.id = $1 AND l.org_id = $2 AND l.status = 'published' AND l.hidden_reason IS NULL"))
            .bind(offer_id)
            .bind(o.org_id)
            .fetch_optional(e)
            .await)?;
        let Some(row) = row else {
            return Ok(Err(Unavailable::NotOrderable { offer_id }));
        };
        let offer = Offer::try_from(row.offer)?;
        let kind = offer.kind;
        let experience = kind == OfferKind::Experience;
        if experience != (o.kind == OrderKind::Experience)
            || experience != o.experience_date.is_some()
        {
            return Ok(Err(Unavailable::NotOrderable { offer_id }));
        }
        let unit_price = match (
            agreed_price,
            order::unit_price(&Terms::from(&offer), quantity),
        ) {
            (Some(agreed), _) => agreed,
            (_, Ok(p)) => p,
            (_, Err(refused)) => return Ok(Err(Unavailable::Terms { offer_id, refused })),
        };
        if let (true, Some(day), Some(capacity)) =
            (experience, o.experience_date, offer.max_group_size)
        {
            // The offer is locked (see `lock_for`): two bookings for the same day are counted
            // one after the other.
            let booked: i64 = on!(tx.conn(), e => sqlx::query_scalar(
                "SELECT CAST(COALESCE(SUM(i.quantity), 0) AS BIGINT) FROM order_items i \
                 JOIN orders o ON o.id = i.order_id \
                 WHERE i.offer_id = $1 AND o.experience_date = $2 AND o.status <> 'cancelled'")
                .bind(offer_id)
                .bind(day)
                .fetch_one(e)
                .await)?;
            if booked + quantity > capacity {
                let left = (capacity - booked).max(0);
                return Ok(Err(Unavailable::Full { offer_id, left }));
            }
        }
        if !experience {
            let taken = on!(tx.conn(), e => sqlx::query(
                "UPDATE listings SET stock = stock - $2 \
                 WHERE id = $1 AND (stock IS NULL OR stock >= $2)")
                .bind(row.listing_id)
                .bind(quantity)
                .execute(e)
                .await
                .map(|r| r.rows_affected()))?;
            if taken == 0 {
                return Ok(Err(Unavailable::OutOfStock {
                    listing_id: row.listing_id,
                }));
            }
        }
        total = total.saturating_add(unit_price.saturating_mul(quantity));
        let (listing_id, title, unit) = (row.listing_id, row.title_vi, row.unit);
        items.push((
            listing_id, kind, title, unit, offer_id, quantity, unit_price,
        ));
    }
    let status = Status::initial(o.kind);
    let id: i64 = on!(tx.conn(), e => sqlx::query_scalar(
        "INSERT INTO orders (buyer_id, org_id, kind, payment, status, total, delivery_commune, \
         delivery_street, contact_phone, experience_date, buyer_note, recipient_name, quote_id, created_at, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $14, $13, $13) RETURNING id")
        .bind(o.buyer_id)
        .bind(o.org_id)
        .bind(o.kind.as_str())
        .bind(o.payment.as_str())
        .bind(status.as_str())
        .bind(total)
        .bind(o.delivery_commune)
        .bind(o.delivery_street)
        .bind(o.contact_phone)
        .bind(o.experience_date)
        .bind(o.buyer_note)
        .bind(o.recipient_name)
        .bind(now)
        .bind(o.quote_id)
        .fetch_one(e)
        .await)?;
    on!(tx.conn(), e => sqlx::query("UPDATE orders SET code = $2 WHERE id = $1")
        .bind(id)
        .bind(order::order_code(id))
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    for (listing_id, kind, title, unit, offer_id, quantity, unit_price) in items {
        on!(tx.conn(), e => sqlx::query(
            "INSERT INTO order_items (order_id, listing_id, offer_id, offer_kind, title, unit, \
             quantity, unit_price) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(id)
            .bind(listing_id)
            .bind(offer_id)
            .bind(kind.as_str())
            .bind(title)
            .bind(unit)
            .bind(quantity)
            .bind(unit_price)
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
    let row: Option<OrderRow> = on!(conn, e => sqlx::query_as(select_orders!("FROM orders o WHERE o.id = $1"))
        .bind(id)
        .fetch_optional(e)
        .await)?;
    row.map(Order::try_from).transpose()
}

/// A message to send because of a step, written to the outbox in the step's transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub recipient: String,
    pub locale: String,
    pub subject: String,
    pub body: String,
}

/// Takes `step` on the order as `actor` (see [`order::next`]) and records it on the
/// timeline, in the caller's transaction (`ketnoi_app::orders::step`, which writes the
/// order e-mails in it). Cancelling puts the stock back; a card payment's sale (when paid)
/// and refund (when refunded) go on the cooperative's payout ledger. Returns the order as it
/// is now and its new status, or why not.
pub async fn step_in(
    tx: &mut crate::Tx,
    order_id: i64,
    step: Step,
    actor: Actor,
    actor_id: Option<i64>,
) -> Result<std::result::Result<(Order, Status), order::Refused>> {
    // Locks the row on PostgreSQL (SQLite's write transaction already holds the database).
    let row: Option<(String, String, String, i64)> = on!(tx.conn(), e => sqlx::query_as(
        "UPDATE orders SET updated_at = updated_at WHERE id = $1 RETURNING kind, payment, status, org_id")
        .bind(order_id)
        .fetch_optional(e)
        .await)?;
    let (kind, payment, status, org_id) = row.ok_or(crate::DbError::NotFound)?;
    let current = facts(order_id, &kind, &payment, &status)?;
    let payment = current.payment;
    let to = match order::next(current, step, actor) {
        Ok(to) => to,
        Err(refused) => return Ok(Err(refused)),
    };
    let now = crate::now();
    on!(tx.conn(), e => sqlx::query(
        "UPDATE orders SET status = $2, updated_at = $3, \
         confirmed_at = CASE WHEN $4 = 1 AND confirmed_at IS NULL THEN $3 ELSE confirmed_at END \
         WHERE id = $1")
        .bind(order_id)
        .bind(to.as_str())
        .bind(now)
        .bind(i64::from(step == Step::Confirm))
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    if step == Step::Confirm {
        refresh_confirmation_median(tx, org_id).await?;
    }
    if to == Status::Cancelled {
        let mut listings: Vec<i64> = on!(tx.conn(), e => sqlx::query_scalar(
            "SELECT listing_id FROM order_items WHERE order_id = $1 AND offer_kind <> 'experience'")
            .bind(order_id)
            .fetch_all(e)
            .await)?;
        lock_rows(tx, Locked::Listings, &mut listings).await?;
        on!(tx.conn(), e => sqlx::query(
            "UPDATE listings SET stock = stock + (SELECT SUM(i.quantity) FROM order_items i \
               WHERE i.order_id = $1 AND i.listing_id = listings.id AND i.offer_kind <> 'experience') \
             WHERE stock IS NOT NULL AND id IN (SELECT listing_id FROM order_items \
               WHERE order_id = $1 AND offer_kind <> 'experience')")
            .bind(order_id)
            .execute(e)
            .await
            .map(|r| r.rows_affected()))?;
    }
    if payment == PaymentMethod::Stripe && matches!(to, Status::Paid | Status::Refunded) {
        let (entry, sign) = if to == Status::Paid {
            ("sale", 1)
        } else {
            ("refund", -1)
        };
        on!(tx.conn(), e => sqlx::query(
            "INSERT INTO payout_ledger (org_id, order_id, kind, amount, created_at) \
             SELECT org_id, id, $2, total * $3, $4 FROM orders WHERE id = $1 \
             ON CONFLICT (order_id, kind) DO NOTHING")
            .bind(order_id)
            .bind(entry)
            .bind(sign)
            .bind(now)
            .execute(e)
            .await
            .map(|r| r.rows_affected()))?;
    }
    record(tx.conn(), order_id, to, Some(step), actor, actor_id, now).await?;
    let order = find(tx.conn(), order_id)
        .await?
        .ok_or(crate::DbError::NotFound)?;
    Ok(Ok((order, to)))
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

/// One line of a placed order.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub listing_id: i64,
    pub offer_id: Option<i64>,
    pub offer_kind: OfferKind,
    pub title: String,
    pub unit: String,
    pub quantity: i64,
    /// Đồng.
    pub unit_price: i64,
}

pub async fn items(conn: Conn<'_>, order_id: i64) -> Result<Vec<Item>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        listing_id: i64,
        offer_id: Option<i64>,
        offer_kind: String,
        title: String,
        unit: String,
        quantity: i64,
        unit_price: i64,
    }
    let rows: Vec<Row> = on!(conn, e => sqlx::query_as(
        "SELECT listing_id, offer_id, offer_kind, title, unit, quantity, unit_price \
         FROM order_items WHERE order_id = $1 ORDER BY id")
        .bind(order_id)
        .fetch_all(e)
        .await)?;
    rows.into_iter()
        .map(|r| {
            Ok(Item {
                listing_id: r.listing_id,
                offer_id: r.offer_id,
                offer_kind: crate::listings::offer_kind(&r.offer_kind)?,
                title: r.title,
                unit: r.unit,
                quantity: r.quantity,
                unit_price: r.unit_price,
            })
        })
        .collect()
}

/// An order in a list, with who sells and who buys.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed {
    pub order: Order,
    pub org_name: String,
    pub org_slug: String,
    pub buyer_name: String,
    /// Its first line's title (as ordered) and how many lines it has: what the list says
    /// the order is.
    pub first_item: String,
    pub item_count: i64,
}

/// Orders with their cooperative's and buyer's names where `$who = $1`, newest first.
macro_rules! select_listed {
    ($who:literal) => {
        select_orders!(concat!(
            ", g.name AS org_name, g.slug AS org_slug, u.display_name AS buyer_name, \
             COALESCE((SELECT i.title FROM order_items i WHERE i.order_id = o.id ORDER BY i.id LIMIT 1), '') AS first_item, \
             (SELECT COUNT(*) FROM order_items i WHERE i.order_id = o.id) AS item_count \
             FROM orders o JOIN organisations g ON g.id = o.org_id JOIN users u ON u.id = o.buyer_id \
             WHERE ",
            $who,
            " = $1 ORDER BY o.id DESC LIMIT $2"
        ))
    };
}

async fn listed(conn: Conn<'_>, sql: &'static str, id: i64, limit: i64) -> Result<Vec<Listed>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        order: OrderRow,
        org_name: String,
        org_slug: String,
        buyer_name: String,
        first_item: String,
        item_count: i64,
    }
    let rows: Vec<Row> = on!(conn, e => sqlx::query_as(sql)
        .bind(id)
        .bind(limit)
        .fetch_all(e)
        .await)?;
    rows.into_iter()
        .map(|r| {
            Ok(Listed {
                order: r.order.try_into()?,
                org_name: r.org_name,
                org_slug: r.org_slug,
                buyer_name: r.buyer_name,
                first_item: r.first_item,
                item_count: r.item_count,
            })
        })
        .collect()
}

/// The buyer's orders, newest first.
pub async fn of_buyer(conn: Conn<'_>, buyer_id: i64, limit: i64) -> Result<Vec<Listed>> {
    listed(conn, select_listed!("o.buyer_id"), buyer_id, limit).await
}

/// Where the buyer last had goods delivered: (ward/commune code, street, phone, recipient),
/// from her newest order with a delivery address. Checkout starts from it.
pub async fn last_delivery(
    conn: Conn<'_>,
    buyer_id: i64,
) -> Result<Option<(String, String, Option<String>, Option<String>)>> {
    Ok(on!(conn, e => sqlx::query_as(
        "SELECT delivery_commune, delivery_street, contact_phone, recipient_name FROM orders \
         WHERE buyer_id = $1 AND delivery_commune IS NOT NULL AND delivery_street IS NOT NULL \
         ORDER BY id DESC LIMIT 1")
        .bind(buyer_id)
        .fetch_optional(e)
        .await)?)
}

/// The cooperative's orders, newest first.
pub async fn of_org(conn: Conn<'_>, org_id: i64, limit: i64) -> Result<Vec<Listed>> {
    listed(conn, select_listed!("o.org_id"), org_id, limit).await
}

/// Links the order to its inquiry thread (order questions go there).
pub async fn set_conversation(conn: Conn<'_>, order_id: i64, conversation_id: i64) -> Result<()> {
    on!(conn, e => sqlx::query("UPDATE orders SET conversation_id = $2 WHERE id = $1")
        .bind(order_id)
        .bind(conversation_id)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// The median time from placing to confirming, over the cooperative's last 100 confirmed
/// orders; `None` before the first. Computed when an order is confirmed
/// ([`refresh_confirmation_median`]); this reads the stored figure.
pub async fn median_confirmation(conn: Conn<'_>, org_id: i64) -> Result<Option<chrono::Duration>> {
    let seconds: Option<i64> = on!(conn, e => sqlx::query_scalar(
        "SELECT median_seconds FROM org_confirmation_times WHERE org_id = $1")
        .bind(org_id)
        .fetch_optional(e)
        .await)?;
    Ok(seconds.map(chrono::Duration::seconds))
}

/// Computes the cooperative's median confirmation time afresh and stores it; run in the
/// transaction that confirms one of its orders. The same rule as the migration that filled
/// the table (`20261206000200_profile_reads`): the middle wait of the last 100, or the mean
/// of the two middle ones, in whole seconds.
pub async fn refresh_confirmation_median(tx: &mut crate::Tx, org_id: i64) -> Result<()> {
    let rows: Vec<(DateTime<Utc>, DateTime<Utc>)> = on!(tx.conn(), e => sqlx::query_as(
        "SELECT created_at, confirmed_at FROM orders \
         WHERE org_id = $1 AND confirmed_at IS NOT NULL ORDER BY id DESC LIMIT 100")
        .bind(org_id)
        .fetch_all(e)
        .await)?;
    let mut waits: Vec<i64> = rows
        .into_iter()
        .map(|(a, b)| (b - a).num_milliseconds())
        .collect();
    waits.sort_unstable();
    let millis = match waits.len() {
        0 => return Ok(()),
        n if n % 2 == 1 => waits[n / 2],
        n => (waits[n / 2 - 1] + waits[n / 2]) / 2,
    };
    let seconds = (millis + 500).div_euclid(1000);
    on!(tx.conn(), e => sqlx::query(
        "INSERT INTO org_confirmation_times (org_id, median_seconds) VALUES ($1, $2) \
         ON CONFLICT (org_id) DO UPDATE SET median_seconds = excluded.median_seconds")
        .bind(org_id)
        .bind(seconds)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Orders still waiting for their cooperative's confirmation
/// ([`Status::AWAITING_CONFIRMATION`]) that were placed at or before
/// `placed_before`, oldest first, with when they were reminded and escalated.
pub async fn unconfirmed(
    conn: Conn<'_>,
    placed_before: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<(Order, Option<DateTime<Utc>>, Option<DateTime<Utc>>)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        order: OrderRow,
        reminded_at: Option<DateTime<Utc>>,
        escalated_at: Option<DateTime<Utc>>,
    }
    let [placed, booked] = Status::AWAITING_CONFIRMATION;
    let rows: Vec<Row> = on!(conn, e => sqlx::query_as(select_orders!(
        ", o.reminded_at, o.escalated_at FROM orders o \
         WHERE o.status IN ($3, $4) AND o.created_at <= $1 ORDER BY o.created_at LIMIT $2"))
        .bind(placed_before)
        .bind(limit)
        .bind(placed.as_str())
        .bind(booked.as_str())
        .fetch_all(e)
        .await)?;
    rows.into_iter()
        .map(|r| Ok((r.order.try_into()?, r.reminded_at, r.escalated_at)))
        .collect()
}

/// Records a reminder (or, with `escalate`, the escalation to the proxy officers) and writes
/// its notices, once: a second worker finds it done and sends nothing. Returns whether this
/// call did it.
pub async fn remind(db: &Db, order_id: i64, escalate: bool, notices: &[Notice]) -> Result<bool> {
    let mut tx = db.begin().await?;
    let now = crate::now();
    let [placed, booked] = Status::AWAITING_CONFIRMATION;
    let n = if escalate {
        on!(tx.conn(), e => sqlx::query(
            "UPDATE orders SET escalated_at = $2, reminded_at = COALESCE(reminded_at, $2) \
             WHERE id = $1 AND escalated_at IS NULL AND status IN ($3, $4)")
            .bind(order_id)
            .bind(now)
            .bind(placed.as_str())
            .bind(booked.as_str())
            .execute(e)
            .await
            .map(|r| r.rows_affected()))?
    } else {
        on!(tx.conn(), e => sqlx::query(
            "UPDATE orders SET reminded_at = $2 \
             WHERE id = $1 AND reminded_at IS NULL AND status IN ($3, $4)")
            .bind(order_id)
            .bind(now)
            .bind(placed.as_str())
            .bind(booked.as_str())
            .execute(e)
            .await
            .map(|r| r.rows_affected()))?
    };
    if n == 0 {
        return Ok(false);
    }
    for notice in notices {
        enqueue_notice(tx.conn(), notice).await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// How many of the cooperative's orders wait for it to confirm them
/// ([`Status::AWAITING_CONFIRMATION`]).
pub async fn unconfirmed_count(conn: Conn<'_>, org_id: i64) -> Result<i64> {
    let [placed, booked] = Status::AWAITING_CONFIRMATION;
    Ok(on!(conn, e => sqlx::query_scalar(
        "SELECT COUNT(*) FROM orders WHERE org_id = $1 AND status IN ($2, $3)")
        .bind(org_id)
        .bind(placed.as_str())
        .bind(booked.as_str())
        .fetch_one(e)
        .await)?)
}
