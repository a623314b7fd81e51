//! The buyer's cart, kept on the server: one line per offer (and day, for experiences).
//! Checkout turns it into one order per cooperative (see [`crate::orders::checkout`]).

use crate::{Conn, Result, on};
use ketnoi_domain::listing::Offer;

/// A cart line with what the cart page and checkout need of its offer.
#[derive(Debug, Clone, PartialEq)]
pub struct CartLine {
    pub offer_id: i64,
    /// `YYYY-MM-DD` for an experience, empty otherwise.
    pub experience_date: String,
    pub quantity: i64,
    pub listing_id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub org_slug: String,
    pub title_vi: String,
    pub title_en: Option<String>,
    pub unit: String,
    /// The offer as it is now (its kind, price and terms).
    pub offer: Offer,
    pub stock: Option<i64>,
    /// The listing is still published and not hidden.
    pub available: bool,
    /// The cooperative shows its wholesale prices to verified trade buyers only.
    pub wholesale_verified_only: bool,
}

#[derive(sqlx::FromRow)]
struct Row {
    offer_id: i64,
    experience_date: String,
    quantity: i64,
    listing_id: i64,
    org_id: i64,
    org_name: String,
    org_slug: String,
    title_vi: String,
    title_en: Option<String>,
    unit: String,
    #[sqlx(flatten)]
    offer: crate::listings::OfferRow,
    stock: Option<i64>,
    available: i64,
    wholesale_verified_only: bool,
}

/// The buyer's cart, grouped by cooperative, oldest line first within each.
pub async fn lines(conn: Conn<'_>, user_id: i64) -> Result<Vec<CartLine>> {
    let rows: Vec<Row> = on!(conn, e => sqlx::query_as(concat!(
        "SELECT c.offer_id, c.experience_date, c.quantity, l.id AS listing_id, l.org_id, \
           g.name AS org_name, g.slug AS org_slug, g.wholesale_verified_only, l.title_vi, l.title_en, l.unit, ",
        crate::listings::offer_columns!(),
        ", l.stock, \
           CAST(CASE WHEN l.status = 'published' AND l.hidden_reason IS NULL THEN 1 ELSE 0 END AS BIGINT) AS available \
         FROM cart_items c JOIN offers f ON f.id = c.offer_id JOIN listings l ON l.id = f.listing_id \
           JOIN organisations g ON g.id = l.org_id \
         WHERE c.user_id = $1 ORDER BY g.name, l.org_id, c.added_at, c.offer_id, c.experience_date"))
        .bind(user_id)
        .fetch_all(e)
        .await)?;
    rows.into_iter()
        .map(|r| {
            Ok(CartLine {
                offer_id: r.offer_id,
                experience_date: r.experience_date,
                quantity: r.quantity,
                listing_id: r.listing_id,
                org_id: r.org_id,
                org_name: r.org_name,
                org_slug: r.org_slug,
                title_vi: r.title_vi,
                title_en: r.title_en,
                unit: r.unit,
                offer: r.offer.try_into()?,
                stock: r.stock,
                available: r.available == 1,
                wholesale_verified_only: r.wholesale_verified_only,
            })
        })
        .collect()
}

/// Adds `quantity` of the offer (on `experience_date`, or `""`) to the cart; a line already
/// there grows by it.
pub async fn add(
    conn: Conn<'_>,
    user_id: i64,
    offer_id: i64,
    experience_date: &str,
    quantity: i64,
) -> Result<()> {
    on!(conn, e => sqlx::query(
        "INSERT INTO cart_items (user_id, offer_id, experience_date, quantity, added_at) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (user_id, offer_id, experience_date) \
         DO UPDATE SET quantity = cart_items.quantity + excluded.quantity")
        .bind(user_id)
        .bind(offer_id)
        .bind(experience_date)
        .bind(quantity)
        .bind(crate::now())
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Sets a line's quantity; zero removes it. Returns whether the line was there.
pub async fn set_quantity(
    conn: Conn<'_>,
    user_id: i64,
    offer_id: i64,
    experience_date: &str,
    quantity: i64,
) -> Result<bool> {
    let n = if quantity <= 0 {
        on!(conn, e => sqlx::query(
            "DELETE FROM cart_items WHERE user_id = $1 AND offer_id = $2 AND experience_date = $3")
            .bind(user_id)
            .bind(offer_id)
            .bind(experience_date)
            .execute(e)
            .await
            .map(|r| r.rows_affected()))?
    } else {
        on!(conn, e => sqlx::query(
            "UPDATE cart_items SET quantity = $4 \
             WHERE user_id = $1 AND offer_id = $2 AND experience_date = $3")
            .bind(user_id)
            .bind(offer_id)
            .bind(experience_date)
            .bind(quantity)
            .execute(e)
            .await
            .map(|r| r.rows_affected()))?
    };
    Ok(n > 0)
}

/// How many lines the cart has (shown in the header).
pub async fn count(conn: Conn<'_>, user_id: i64) -> Result<i64> {
    Ok(on!(conn, e => sqlx::query_scalar(
        "SELECT COUNT(*) FROM cart_items WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(e)
        .await)?)
}

/// The listing and kind of an offer a buyer may put in a cart (its listing published and not
/// hidden), or `None`.
pub async fn orderable_offer(
    conn: Conn<'_>,
    offer_id: i64,
) -> Result<Option<(i64, ketnoi_domain::catalog::OfferKind)>> {
    let row: Option<(i64, String)> = on!(conn, e => sqlx::query_as(
        "SELECT l.id, f.kind FROM offers f JOIN listings l ON l.id = f.listing_id \
         WHERE f.id = $1 AND l.status = 'published' AND l.hidden_reason IS NULL")
        .bind(offer_id)
        .fetch_optional(e)
        .await)?;
    row.map(|(listing_id, kind)| Ok((listing_id, crate::listings::offer_kind(&kind)?)))
        .transpose()
}
