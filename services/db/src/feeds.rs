//! What the product feeds read (issue 21): the public goods of cooperatives, one batch at a
//! time in listing id order (keyset pagination), so a feed of any size is read in pieces
//! and never held whole; and the catalogue's version, which a feed's `ETag` is made from.

use crate::filter::{Arg, Sql, bind_all};
use crate::{Conn, Result, on};
use ketnoi_domain::feed::FeedListing;

/// Listings per batch: a thousand rows are well under a megabyte, and a feed of 100,000
/// listings is a hundred statements.
pub const BATCH: i64 = 1000;

#[derive(Debug, sqlx::FromRow)]
struct Row {
    id: i64,
    title: String,
    description: String,
    stock: Option<i64>,
    org_name: String,
    wholesale_verified_only: bool,
    retail_price: Option<i64>,
    wholesale_price: Option<i64>,
    photo: Option<String>,
    gtin: Option<String>,
}

/// Published, not hidden listings of cooperatives (HTX and THT) that sell goods: not filed
/// under the experiences group and with no experience offer (the search index's rule for
/// an experience). The status and the cooperative's kind are compared through `COALESCE` so
/// that SQLite does not answer from the partial index of public listings (newest first: it
/// would sort every public listing for each batch) but walks the ids from the last one.
const FEED_LISTINGS: &str = "SELECT l.id, l.title_vi AS title, l.description_vi AS description, l.stock, \
       o.name AS org_name, o.wholesale_verified_only, \
       (SELECT MIN(f.price) FROM offers f WHERE f.listing_id = l.id AND f.kind = 'retail') AS retail_price, \
       (SELECT MIN(f.price) FROM offers f WHERE f.listing_id = l.id AND f.kind = 'wholesale') AS wholesale_price, \
       (SELECT p.media_key FROM listing_photos p WHERE p.listing_id = l.id ORDER BY p.position LIMIT 1) AS photo, \
       (SELECT t.gtin FROM trace_products t WHERE t.listing_id = l.id) AS gtin \
     FROM listings l JOIN organisations o ON o.id = l.org_id \
     WHERE COALESCE(l.status, '') = 'published' AND l.hidden_reason IS NULL \
       AND COALESCE(o.kind, '') IN ('htx', 'tht') AND l.category_group <> 'trai-nghiem' \
       AND NOT EXISTS (SELECT 1 FROM offers x WHERE x.listing_id = l.id AND x.kind = 'experience') \
       AND l.id > ";

/// The next at most `limit` feed listings after listing id `after` (0: from the start), of
/// one cooperative or of all, in id order. An empty answer is the end.
pub async fn batch(
    conn: Conn<'_>,
    org_id: Option<i64>,
    after: i64,
    limit: i64,
) -> Result<Vec<FeedListing>> {
    let mut q = Sql::new(FEED_LISTINGS);
    q.arg(Arg::Int(after));
    if let Some(o) = org_id {
        q.push(" AND l.org_id = ").arg(Arg::Int(o));
    }
    q.push(" ORDER BY l.id").page(limit, 0);
    let rows: Vec<Row> = on!(conn, e => bind_all!(sqlx::query_as(q.sql()), q).fetch_all(e).await)?;
    Ok(rows
        .into_iter()
        .map(|r| FeedListing {
            id: r.id,
            title: r.title,
            description: r.description,
            stock: r.stock,
            org_name: r.org_name,
            wholesale_verified_only: r.wholesale_verified_only,
            retail_price: r.retail_price,
            wholesale_price: r.wholesale_price,
            photo: r.photo,
            gtin: r.gtin,
        })
        .collect())
}

/// The catalogue's version: the newest entry of the search change log, which triggers write
/// in the same transaction as every change to a listing, its offers, photos or GTIN, or an
/// organisation. It only grows (a pruned log keeps the consumers' positions), on every
/// instance and across restarts, so anything made from public listings can be keyed by it.
pub async fn catalogue_version(conn: Conn<'_>) -> Result<i64> {
    Ok(on!(conn, e => sqlx::query_scalar::<_, Option<i64>>(
        "SELECT MAX(v) FROM (SELECT MAX(id) AS v FROM search_changes \
         UNION ALL SELECT MAX(position) AS v FROM search_state) AS t")
        .fetch_one(e)
        .await)?
    .unwrap_or(0))
}
