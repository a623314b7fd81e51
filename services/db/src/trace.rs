//! Traceability: the listings that carry trace codes, their lots and what each lot was made
//! from (one step back), the steps recorded on a lot in the EPCIS model, serialised stamps
//! and their scans, the lots each order line was shipped from (one step forward), and
//! recalls. `docs/traceability.md` maps each column to the data item the rules ask for.

use crate::{Conn, Db, DbError, Result, Tx, on};
use chrono::{DateTime, NaiveDate, Utc};

/// A listing that carries trace codes.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Product {
    pub listing_id: i64,
    pub org_id: i64,
    pub seq: i64,
    /// Our own trace code (`KN…`), always set.
    pub code: String,
    /// The GTIN-14, when the cooperative has one.
    pub gtin: Option<String>,
    pub title_vi: String,
    pub title_en: Option<String>,
    pub unit: String,
    pub lots: i64,
    pub created_at: DateTime<Utc>,
}

macro_rules! select_products {
    ($rest:literal) => {
        concat!(
            "SELECT p.listing_id, p.org_id, p.seq, p.code, p.gtin, l.title_vi, l.title_en, l.unit, \
               (SELECT COUNT(*) FROM lots x WHERE x.listing_id = p.listing_id) AS lots, p.created_at \
             FROM trace_products p JOIN listings l ON l.id = p.listing_id ",
            $rest
        )
    };
}

/// Why a product, a lot or a step was not saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Another product already carries this GTIN.
    GtinTaken,
    /// This product already has a lot with this code.
    LotCodeTaken,
    /// The cooperative has used all 99,999 product numbers.
    NoProductNumber,
    /// An input lot is the lot itself, or does not exist.
    BadInput,
}

/// Makes a listing traceable (or changes its GTIN): its product number is the next free one
/// of the cooperative, and `code_of(org_id, seq)` gives its trace code.
pub async fn enable(
    tx: &mut Tx,
    listing_id: i64,
    org_id: i64,
    gtin: Option<&str>,
    code_of: impl Fn(i64, i64) -> Option<String>,
) -> Result<std::result::Result<Product, Refused>> {
    if let Some(g) = gtin {
        let holder: Option<i64> = on!(tx.conn(), e => sqlx::query_scalar(
            "SELECT listing_id FROM trace_products WHERE gtin = $1")
            .bind(g)
            .fetch_optional(e)
            .await)?;
        if holder.is_some_and(|h| h != listing_id) {
            return Ok(Err(Refused::GtinTaken));
        }
    }
    if product(tx.conn(), listing_id).await?.is_some() {
        on!(tx.conn(), e => sqlx::query("UPDATE trace_products SET gtin = $1 WHERE listing_id = $2")
            .bind(gtin)
            .bind(listing_id)
            .execute(e)
            .await
            .map(|r| r.rows_affected()))?;
    } else {
        let seq: i64 = on!(tx.conn(), e => sqlx::query_scalar(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM trace_products WHERE org_id = $1")
            .bind(org_id)
            .fetch_one(e)
            .await)?;
        let Some(code) = code_of(org_id, seq) else {
            return Ok(Err(Refused::NoProductNumber));
        };
        on!(tx.conn(), e => sqlx::query(
            "INSERT INTO trace_products (listing_id, org_id, seq, code, gtin, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(listing_id)
            .bind(org_id)
            .bind(seq)
            .bind(&code)
            .bind(gtin)
            .bind(crate::now())
            .execute(e)
            .await
            .map(|r| r.rows_affected()))?;
    }
    match product(tx.conn(), listing_id).await? {
        Some(p) => Ok(Ok(p)),
        None => Err(DbError::NotFound),
    }
}

pub async fn product(conn: Conn<'_>, listing_id: i64) -> Result<Option<Product>> {
    Ok(
        on!(conn, e => sqlx::query_as(select_products!("WHERE p.listing_id = $1"))
        .bind(listing_id)
        .fetch_optional(e)
        .await)?,
    )
}

/// The cooperative's traceable products, by title.
pub async fn products_of(conn: Conn<'_>, org_id: i64) -> Result<Vec<Product>> {
    Ok(on!(conn, e => sqlx::query_as(select_products!(
        "WHERE p.org_id = $1 ORDER BY l.title_vi, p.listing_id"))
        .bind(org_id)
        .fetch_all(e)
        .await)?)
}

/// A lot with its product and cooperative.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Lot {
    pub id: i64,
    pub listing_id: i64,
    pub org_id: i64,
    pub code: String,
    pub produced_on: NaiveDate,
    pub expires_on: Option<NaiveDate>,
    pub quantity: i64,
    pub unit: String,
    pub commune_code: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub note: Option<String>,
    pub status: String,
    pub recalled_at: Option<DateTime<Utc>>,
    pub recall_reason: Option<String>,
    pub stamps: i64,
    pub created_at: DateTime<Utc>,
    pub product_code: String,
    pub gtin: Option<String>,
    pub title_vi: String,
    pub title_en: Option<String>,
    pub org_name: String,
    pub org_slug: String,
    /// The cooperative's point on the map, where the lot has none of its own.
    pub org_lat: Option<f64>,
    pub org_lon: Option<f64>,
}

impl Lot {
    pub fn is_recalled(&self) -> bool {
        self.status == "recalled"
    }
}

/// `SELECT <a lot, its product and cooperative> FROM lots x … <rest>`, as one literal for
/// sqlx; `$more`: further columns, each after a comma.
macro_rules! select_lots {
    ($rest:literal) => {
        select_lots!("", $rest)
    };
    ($more:expr, $rest:literal) => {
        concat!(
            "SELECT x.id, x.listing_id, x.org_id, x.code, x.produced_on, x.expires_on, x.quantity, x.unit, x.commune_code, \
               x.latitude, x.longitude, x.note, x.status, x.recalled_at, x.recall_reason, x.stamps, x.created_at, \
               p.code AS product_code, p.gtin, l.title_vi, l.title_en, o.name AS org_name, o.slug AS org_slug, \
               o.lat AS org_lat, o.lon AS org_lon",
            $more,
            " FROM lots x JOIN trace_products p ON p.listing_id = x.listing_id \
               JOIN listings l ON l.id = x.listing_id JOIN organisations o ON o.id = x.org_id ",
            $rest
        )
    };
}

/// A lot to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewLot {
    pub listing_id: i64,
    pub org_id: i64,
    pub code: String,
    pub produced_on: NaiveDate,
    pub expires_on: Option<NaiveDate>,
    pub quantity: i64,
    pub unit: String,
    pub commune_code: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub note: Option<String>,
    pub created_by: Option<i64>,
    /// Lots it was made from (any cooperative's).
    pub inputs: Vec<i64>,
}

/// Creates a lot with its inputs. Returns its id.
pub async fn create_lot(tx: &mut Tx, l: &NewLot) -> Result<std::result::Result<i64, Refused>> {
    let id: Option<i64> = on!(tx.conn(), e => sqlx::query_scalar(
        "INSERT INTO lots (listing_id, org_id, code, produced_on, expires_on, quantity, unit, commune_code, latitude, \
           longitude, note, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
         ON CONFLICT (listing_id, code) DO NOTHING RETURNING id")
        .bind(l.listing_id)
        .bind(l.org_id)
        .bind(&l.code)
        .bind(l.produced_on)
        .bind(l.expires_on)
        .bind(l.quantity)
        .bind(&l.unit)
        .bind(l.commune_code.as_deref())
        .bind(l.latitude)
        .bind(l.longitude)
        .bind(l.note.as_deref())
        .bind(l.created_by)
        .bind(crate::now())
        .fetch_optional(e)
        .await)?;
    let Some(id) = id else {
        return Ok(Err(Refused::LotCodeTaken));
    };
    for input in &l.inputs {
        if *input == id || lot(tx.conn(), *input).await?.is_none() {
            return Ok(Err(Refused::BadInput));
        }
        on!(tx.conn(), e => sqlx::query(
            "INSERT INTO lot_inputs (lot_id, input_lot_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(id)
            .bind(input)
            .execute(e)
            .await
            .map(|r| r.rows_affected()))?;
    }
    Ok(Ok(id))
}

pub async fn lot(conn: Conn<'_>, id: i64) -> Result<Option<Lot>> {
    Ok(
        on!(conn, e => sqlx::query_as(select_lots!("WHERE x.id = $1"))
        .bind(id)
        .fetch_optional(e)
        .await)?,
    )
}

/// The lot a Digital Link names: by GTIN-14 or by trace code, and lot code.
pub async fn lot_by_key(
    conn: Conn<'_>,
    gtin: Option<&str>,
    code: Option<&str>,
    lot_code: &str,
) -> Result<Option<Lot>> {
    Ok(on!(conn, e => sqlx::query_as(select_lots!(
        "WHERE (p.gtin = $1 OR p.code = $2) AND x.code = $3"))
        .bind(gtin)
        .bind(code)
        .bind(lot_code)
        .fetch_optional(e)
        .await)?)
}

/// The product a Digital Link without a lot names.
pub async fn product_by_key(
    conn: Conn<'_>,
    gtin: Option<&str>,
    code: Option<&str>,
) -> Result<Option<Product>> {
    Ok(on!(conn, e => sqlx::query_as(select_products!(
        "WHERE p.gtin = $1 OR p.code = $2"))
        .bind(gtin)
        .bind(code)
        .fetch_optional(e)
        .await)?)
}

/// The cooperative's lots, newest first.
pub async fn lots_of(conn: Conn<'_>, org_id: i64, limit: i64) -> Result<Vec<Lot>> {
    Ok(on!(conn, e => sqlx::query_as(select_lots!(
        "WHERE x.org_id = $1 ORDER BY x.produced_on DESC, x.id DESC LIMIT $2"))
        .bind(org_id)
        .bind(limit)
        .fetch_all(e)
        .await)?)
}

/// A product's lots, newest first.
pub async fn lots_of_listing(conn: Conn<'_>, listing_id: i64, limit: i64) -> Result<Vec<Lot>> {
    Ok(on!(conn, e => sqlx::query_as(select_lots!(
        "WHERE x.listing_id = $1 ORDER BY x.produced_on DESC, x.id DESC LIMIT $2"))
        .bind(listing_id)
        .bind(limit)
        .fetch_all(e)
        .await)?)
}

/// One step back: the lots this lot was made from.
pub async fn inputs(conn: Conn<'_>, lot_id: i64) -> Result<Vec<Lot>> {
    Ok(on!(conn, e => sqlx::query_as(select_lots!(
        "JOIN lot_inputs i ON i.input_lot_id = x.id WHERE i.lot_id = $1 ORDER BY x.id"))
        .bind(lot_id)
        .fetch_all(e)
        .await)?)
}

/// One step forward within Ketnoi: the lots made from this one.
pub async fn outputs(conn: Conn<'_>, lot_id: i64) -> Result<Vec<Lot>> {
    Ok(on!(conn, e => sqlx::query_as(select_lots!(
        "JOIN lot_inputs i ON i.lot_id = x.id WHERE i.input_lot_id = $1 ORDER BY x.id"))
        .bind(lot_id)
        .fetch_all(e)
        .await)?)
}

/// A step recorded on a lot.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Deserialize)]
pub struct Event {
    pub id: i64,
    pub lot_id: i64,
    pub step: String,
    pub occurred_at: DateTime<Utc>,
    pub offset_minutes: i64,
    pub commune_code: Option<String>,
    pub place: Option<String>,
    pub quantity: Option<i64>,
    pub note: Option<String>,
    pub order_id: Option<i64>,
    pub recorded_by: Option<i64>,
    pub recorded_by_name: Option<String>,
    pub created_at: DateTime<Utc>,
}

macro_rules! select_events {
    ($rest:literal) => {
        concat!(
            "SELECT t.id, t.lot_id, t.step, t.occurred_at, t.offset_minutes, t.commune_code, t.place, t.quantity, t.note, \
               t.order_id, t.recorded_by, u.display_name AS recorded_by_name, t.created_at \
             FROM trace_events t LEFT JOIN users u ON u.id = t.recorded_by ",
            $rest
        )
    };
}

/// A step to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub lot_id: i64,
    pub step: String,
    pub occurred_at: DateTime<Utc>,
    pub offset_minutes: i64,
    pub commune_code: Option<String>,
    pub place: Option<String>,
    pub quantity: Option<i64>,
    pub note: Option<String>,
    pub order_id: Option<i64>,
    pub recorded_by: Option<i64>,
}

pub async fn record_event(conn: Conn<'_>, t: &NewEvent) -> Result<i64> {
    Ok(on!(conn, e => sqlx::query_scalar(
        "INSERT INTO trace_events (lot_id, step, occurred_at, offset_minutes, commune_code, place, quantity, note, \
           order_id, recorded_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id")
        .bind(t.lot_id)
        .bind(&t.step)
        .bind(t.occurred_at)
        .bind(t.offset_minutes)
        .bind(t.commune_code.as_deref())
        .bind(t.place.as_deref())
        .bind(t.quantity)
        .bind(t.note.as_deref())
        .bind(t.order_id)
        .bind(t.recorded_by)
        .bind(crate::now())
        .fetch_one(e)
        .await)?)
}

/// A lot's steps in the order they happened.
pub async fn events_of(conn: Conn<'_>, lot_id: i64) -> Result<Vec<Event>> {
    Ok(on!(conn, e => sqlx::query_as(select_events!(
        "WHERE t.lot_id = $1 ORDER BY t.occurred_at, t.id"))
        .bind(lot_id)
        .fetch_all(e)
        .await)?)
}

/// A lot this one was made from, as the public trace page names it (one step back).
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct InputLot {
    pub code: String,
    pub gtin: Option<String>,
    pub product_code: String,
    pub title_vi: String,
    pub title_en: Option<String>,
    pub org_name: String,
    pub org_slug: String,
}

/// Everything a lot's public trace page shows: the lot, the stamp its link names (when it
/// names one and the lot has it), the lot's steps in order, the lots it was made from, and
/// its cooperative's badges (all of them: which show is the page's rule).
#[derive(Debug, Clone, PartialEq)]
pub struct PublicLot {
    pub lot: Lot,
    pub stamp: Option<Stamp>,
    pub events: Vec<Event>,
    pub inputs: Vec<InputLot>,
    pub badges: Vec<crate::badges::Badge>,
}

/// The trace page's one statement, for an engine's JSON object and array functions: the
/// steps, the inputs and the badges come as JSON arrays in the lot's row, and the stamp by
/// a left join on `$4` (NULL: none). A page every scanned stamp opens: one round trip
/// instead of five (`docs/benchmarks.md`, issue 18).
macro_rules! public_lot_sql {
    ($object:literal, $array:literal, $text:literal) => {
        select_lots!(concat!(
            ", s.serial AS stamp_serial, s.scans AS stamp_scans, s.last_scan_at AS stamp_last_scan_at, \
               s.flagged_at AS stamp_flagged_at, \
             (SELECT ", $array, "(", $object, "('id', t.id, 'lot_id', t.lot_id, 'step', t.step, 'occurred_at', t.occurred_at, \
                 'offset_minutes', t.offset_minutes, 'commune_code', t.commune_code, 'place', t.place, \
                 'quantity', t.quantity, 'note', t.note, 'order_id', t.order_id, 'recorded_by', t.recorded_by, \
                 'recorded_by_name', NULL, 'created_at', t.created_at) ORDER BY t.occurred_at, t.id)", $text, " \
              FROM trace_events t WHERE t.lot_id = x.id) AS events_json, \
             (SELECT ", $array, "(", $object, "('code', y.code, 'gtin', yp.gtin, 'product_code', yp.code, \
                 'title_vi', yl.title_vi, 'title_en', yl.title_en, 'org_name', yo.name, 'org_slug', yo.slug) \
                 ORDER BY y.id)", $text, " \
              FROM lot_inputs i JOIN lots y ON y.id = i.input_lot_id \
                JOIN trace_products yp ON yp.listing_id = y.listing_id JOIN listings yl ON yl.id = y.listing_id \
                JOIN organisations yo ON yo.id = y.org_id \
              WHERE i.lot_id = x.id) AS inputs_json, \
             (SELECT ", $array, "(", $object, "(", crate::badges::badge_json_fields!(), ") ORDER BY b.id DESC)", $text, " \
              FROM badges b WHERE b.org_id = x.org_id) AS badges_json"),
            "LEFT JOIN stamps s ON s.lot_id = x.id AND s.serial = $4 \
             WHERE (p.gtin = $1 OR p.code = $2) AND x.code = $3")
    };
}
const PUBLIC_LOT_SQLITE: &str = public_lot_sql!("json_object", "json_group_array", "");
const PUBLIC_LOT_PG: &str = public_lot_sql!("json_build_object", "json_agg", "::text");

/// What a lot's public page shows (see [`PublicLot`]), in one statement: the lot a Digital
/// Link names (by GTIN-14 or trace code, and lot code) and, with `serial`, that stamp.
pub async fn public_lot(
    conn: Conn<'_>,
    gtin: Option<&str>,
    code: Option<&str>,
    lot_code: &str,
    serial: Option<&str>,
) -> Result<Option<PublicLot>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        lot: Lot,
        stamp_serial: Option<String>,
        stamp_scans: Option<i64>,
        stamp_last_scan_at: Option<DateTime<Utc>>,
        stamp_flagged_at: Option<DateTime<Utc>>,
        events_json: Option<String>,
        inputs_json: Option<String>,
        badges_json: Option<String>,
    }
    let sql = if matches!(conn, Conn::SqlitePool(_) | Conn::SqliteTx(_)) {
        PUBLIC_LOT_SQLITE
    } else {
        PUBLIC_LOT_PG
    };
    let row: Option<Row> = on!(conn, e => sqlx::query_as(sql)
        .bind(gtin)
        .bind(code)
        .bind(lot_code)
        .bind(serial)
        .fetch_optional(e)
        .await)?;
    let Some(r) = row else { return Ok(None) };
    let stamp = r.stamp_serial.map(|serial| Stamp {
        lot_id: r.lot.id,
        serial,
        scans: r.stamp_scans.unwrap_or(0),
        last_scan_at: r.stamp_last_scan_at,
        flagged_at: r.stamp_flagged_at,
    });
    Ok(Some(PublicLot {
        events: json_list(r.events_json.as_deref(), "steps")?,
        inputs: json_list(r.inputs_json.as_deref(), "inputs")?,
        badges: crate::badges::from_json(r.badges_json.as_deref())?,
        stamp,
        lot: r.lot,
    }))
}

/// A JSON array column (`NULL`: empty, as PostgreSQL's `json_agg` of no rows is).
fn json_list<T: serde::de::DeserializeOwned>(text: Option<&str>, what: &str) -> Result<Vec<T>> {
    match text {
        Some(t) => {
            serde_json::from_str(t).map_err(|e| DbError::Corrupt(format!("{what} as JSON: {e}")))
        }
        None => Ok(Vec::new()),
    }
}

/// Every step on the cooperative's lots, for its export.
pub async fn events_of_org(conn: Conn<'_>, org_id: i64) -> Result<Vec<Event>> {
    Ok(on!(conn, e => sqlx::query_as(select_events!(
        "JOIN lots x ON x.id = t.lot_id WHERE x.org_id = $1 ORDER BY t.occurred_at, t.id"))
        .bind(org_id)
        .fetch_all(e)
        .await)?)
}

/// The placeholders of a multi-row `VALUES`: `rows` tuples of `per_row` numbered
/// placeholders, `($1, $2), ($3, $4), …`.
fn value_rows(rows: usize, per_row: usize) -> String {
    (0..rows)
        .map(|r| {
            let row: Vec<String> = (1..=per_row)
                .map(|c| format!("${}", r * per_row + c))
                .collect();
            format!("({})", row.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Records that an order line was shipped from a lot (once).
pub async fn ship_from(conn: Conn<'_>, order_item_id: i64, lot_id: i64) -> Result<bool> {
    let n = on!(conn, e => sqlx::query(
        "INSERT INTO order_item_lots (order_item_id, lot_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(order_item_id)
        .bind(lot_id)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// A lot an order line was shipped from.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Shipped {
    pub order_item_id: i64,
    pub lot_id: i64,
    pub lot_code: String,
    pub listing_id: i64,
}

/// The lots each line of an order was shipped from.
pub async fn shipped_on(conn: Conn<'_>, order_id: i64) -> Result<Vec<Shipped>> {
    Ok(on!(conn, e => sqlx::query_as(
        "SELECT s.order_item_id, s.lot_id, x.code AS lot_code, x.listing_id FROM order_item_lots s \
         JOIN order_items i ON i.id = s.order_item_id JOIN lots x ON x.id = s.lot_id \
         WHERE i.order_id = $1 ORDER BY s.order_item_id, x.code")
        .bind(order_id)
        .fetch_all(e)
        .await)?)
}

/// An order that received a lot, and its buyer.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Recipient {
    pub order_id: i64,
    pub order_code: Option<String>,
    pub buyer_id: i64,
    pub buyer_name: String,
    pub conversation_id: Option<i64>,
    pub status: String,
    pub created_at: DateTime<Utc>,
}

/// Every order a lot was shipped on, oldest first, with its buyer.
pub async fn recipients(conn: Conn<'_>, lot_id: i64) -> Result<Vec<Recipient>> {
    Ok(on!(conn, e => sqlx::query_as(
        "SELECT DISTINCT o.id AS order_id, o.code AS order_code, o.buyer_id, u.display_name AS buyer_name, \
           o.conversation_id, o.status, o.created_at \
         FROM order_item_lots s JOIN order_items i ON i.id = s.order_item_id JOIN orders o ON o.id = i.order_id \
           JOIN users u ON u.id = o.buyer_id \
         WHERE s.lot_id = $1 ORDER BY o.created_at, o.id")
        .bind(lot_id)
        .fetch_all(e)
        .await)?)
}

/// Marks a lot recalled; `false` when it already was.
pub async fn recall(conn: Conn<'_>, lot_id: i64, reason: &str) -> Result<bool> {
    let n = on!(conn, e => sqlx::query(
        "UPDATE lots SET status = 'recalled', recalled_at = $1, recall_reason = $2 WHERE id = $3 AND status = 'active'")
        .bind(crate::now())
        .bind(reason)
        .bind(lot_id)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Notes that a buyer was told of a recall; `false` when she already was.
pub async fn note_recall_notice(
    conn: Conn<'_>,
    lot_id: i64,
    buyer_id: i64,
    conversation_id: Option<i64>,
) -> Result<bool> {
    let n = on!(conn, e => sqlx::query(
        "INSERT INTO recall_notices (lot_id, buyer_id, conversation_id, sent_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (lot_id, buyer_id) DO NOTHING")
        .bind(lot_id)
        .bind(buyer_id)
        .bind(conversation_id)
        .bind(crate::now())
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// How many buyers were told of a lot's recall.
pub async fn recall_notices(conn: Conn<'_>, lot_id: i64) -> Result<i64> {
    Ok(on!(conn, e => sqlx::query_scalar(
        "SELECT COUNT(*) FROM recall_notices WHERE lot_id = $1")
        .bind(lot_id)
        .fetch_one(e)
        .await)?)
}

/// Lots other cooperatives shipped on orders placed by this cooperative's people: what she
/// may name as the inputs of a lot of her own (one step back), newest first.
pub async fn received_lots(conn: Conn<'_>, org_id: i64, limit: i64) -> Result<Vec<Lot>> {
    Ok(on!(conn, e => sqlx::query_as(select_lots!(
        "WHERE x.org_id <> $1 AND x.id IN (SELECT s.lot_id FROM order_item_lots s \
           JOIN order_items i ON i.id = s.order_item_id JOIN orders o ON o.id = i.order_id \
           JOIN memberships m ON m.user_id = o.buyer_id WHERE m.org_id = $1) \
         ORDER BY x.produced_on DESC, x.id DESC LIMIT $2"))
        .bind(org_id)
        .bind(limit)
        .fetch_all(e)
        .await)?)
}

/// An order's lines whose product is traceable: `(order item id, listing id)`.
pub async fn traceable_lines(conn: Conn<'_>, order_id: i64) -> Result<Vec<(i64, i64)>> {
    Ok(on!(conn, e => sqlx::query_as(
        "SELECT i.id, i.listing_id FROM order_items i JOIN trace_products p ON p.listing_id = i.listing_id \
         WHERE i.order_id = $1 ORDER BY i.id")
        .bind(order_id)
        .fetch_all(e)
        .await)?)
}

/// Takes back the note that a buyer was told of a recall (her message could not be sent), so
/// that recalling again tells her.
pub async fn forget_recall_notice(conn: Conn<'_>, lot_id: i64, buyer_id: i64) -> Result<()> {
    on!(conn, e => sqlx::query("DELETE FROM recall_notices WHERE lot_id = $1 AND buyer_id = $2")
        .bind(lot_id)
        .bind(buyer_id)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

mod stamps;

pub use stamps::*;
