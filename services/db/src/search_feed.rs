//! What the search index holds, fed from the database.
//!
//! Triggers (migration `…06_search_feed`) append a row to `search_changes` in the same
//! transaction as every change to a listing, its offers, photos or badges, or an
//! organisation. This module records and reads that log, the consumers' positions and the
//! rows documents are made from; `ketnoi_app::search_feed` applies the log to an index.

use crate::filter::{Arg, Sql, bind_all};
use crate::{Conn, Result, on};
use chrono::{DateTime, NaiveDate, Utc};

/// The consumer name of the index this process keeps.
pub const INDEXER: &str = "search";

/// One entry of the change log.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Change {
    pub id: i64,
    pub kind: String,
    pub entity_id: i64,
}

/// Log entries after `after`, oldest first.
pub async fn changes_after(conn: Conn<'_>, after: i64, limit: i64) -> Result<Vec<Change>> {
    Ok(on!(conn, e => sqlx::query_as(
        "SELECT id, kind, entity_id FROM search_changes WHERE id > $1 ORDER BY id LIMIT $2")
        .bind(after)
        .bind(limit)
        .fetch_all(e)
        .await)?)
}

/// The newest log entry's id (0 when the log is empty, e.g. after [`prune`]).
pub async fn last_change(conn: Conn<'_>) -> Result<i64> {
    Ok(
        on!(conn, e => sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(id) FROM search_changes")
        .fetch_one(e)
        .await)?
        .unwrap_or(0),
    )
}

/// How many log entries `consumer` has not applied yet (0: the index is up to date).
pub async fn pending(conn: Conn<'_>, consumer: &str) -> Result<i64> {
    Ok(on!(conn, e => sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM search_changes \
         WHERE id > COALESCE((SELECT position FROM search_state WHERE consumer = $1), 0)")
        .bind(consumer)
        .fetch_one(e)
        .await)?)
}

/// How far `consumer` has applied the log (0: nothing yet).
pub async fn position(conn: Conn<'_>, consumer: &str) -> Result<i64> {
    Ok(on!(conn, e => sqlx::query_scalar::<_, i64>(
        "SELECT position FROM search_state WHERE consumer = $1")
        .bind(consumer)
        .fetch_optional(e)
        .await)?
    .unwrap_or(0))
}

pub async fn set_position(conn: Conn<'_>, consumer: &str, position: i64) -> Result<()> {
    on!(conn, e => sqlx::query(
        "INSERT INTO search_state (consumer, position, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (consumer) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at")
        .bind(consumer)
        .bind(position)
        .bind(crate::now())
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Logs a change for every listing and cooperative whose verified badge expired on a day in
/// `[from, to)`: nothing is written when a badge expires, so the indexer asks once a day.
pub async fn log_expired_badges(conn: Conn<'_>, from: NaiveDate, to: NaiveDate) -> Result<u64> {
    Ok(on!(conn, e => sqlx::query(
        "INSERT INTO search_changes (kind, entity_id, created_at) \
         SELECT CASE WHEN listing_id IS NULL THEN 'cooperative' ELSE 'listing' END, COALESCE(listing_id, org_id), $3 \
         FROM badges WHERE status = 'verified' AND expires_on >= $1 AND expires_on < $2")
        .bind(from)
        .bind(to)
        .bind(crate::now())
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?)
}

/// Drops log entries every consumer has applied.
pub async fn prune(conn: Conn<'_>) -> Result<u64> {
    Ok(on!(conn, e => sqlx::query(
        "DELETE FROM search_changes WHERE id <= (SELECT COALESCE(MIN(position), 0) FROM search_state)")
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?)
}

#[derive(Debug, sqlx::FromRow)]
pub struct ListingDocRow {
    pub id: i64,
    pub org_id: i64,
    pub external_id: Option<String>,
    pub title_vi: String,
    pub title_en: Option<String>,
    pub description_vi: String,
    pub description_en: Option<String>,
    pub category_id: String,
    pub category_group: String,
    pub origin_commune_code: Option<String>,
    pub certifications: String,
    pub min_price: Option<i64>,
    pub months: i64,
    pub published_at: Option<DateTime<Utc>>,
    pub unit: String,
    pub org_name: String,
    pub org_slug: String,
    pub org_commune_code: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub stars: Option<i64>,
    pub photo: Option<String>,
    pub women_managed: i64,
    pub min_order_qty: Option<i64>,
    pub offer_kinds: Option<String>,
}

/// `$1` is today (badge expiry). Public listings of cooperatives only: the rows of listings by id (`listing_docs` appends the ids). The listing's status and the
/// cooperative's kind are compared through `COALESCE` so that no index can serve them and
/// the ids drive the query: SQLite otherwise walked every published listing (the partial
/// index `listings_public_idx`), or the cooperatives by kind and all their listings, for
/// each batch of 500 ids, with or without `ANALYZE` statistics. That made a rebuild of
/// 1,000,000 listings quadratic: 0.14 s a batch against 0.006 s driven by the ids.
/// The price is the one anyone may see (`listings::shown_min_price!`): a cooperative's
/// choice to show wholesale prices to verified trade buyers only re-indexes its listings
/// (an organisation's change logs its listings).
const LISTING_DOCS: &str = concat!(
    "SELECT l.id, l.org_id, l.external_id, l.title_vi, l.title_en, l.description_vi, l.description_en, \
       l.category_id, l.category_group, l.origin_commune_code, l.certifications, ",
    crate::listings::shown_min_price!(),
    " AS min_price, l.months, l.published_at, l.unit, \
       o.name AS org_name, o.slug AS org_slug, o.commune_code AS org_commune_code, o.lat, o.lon, \
       (SELECT MAX(b.stars) FROM badges b WHERE b.listing_id = l.id AND b.kind = 'ocop' AND b.status = 'verified' \
          AND (b.expires_on IS NULL OR b.expires_on >= $1)) AS stars, \
       (SELECT p.media_key FROM listing_photos p WHERE p.listing_id = l.id ORDER BY p.position LIMIT 1) AS photo, \
       (SELECT COUNT(*) FROM badges w WHERE w.org_id = o.id AND w.listing_id IS NULL AND w.kind = 'women_managed' \
          AND w.status = 'verified' AND (w.expires_on IS NULL OR w.expires_on >= $1)) AS women_managed, \
       (SELECT MIN(f.min_order_qty) FROM offers f WHERE f.listing_id = l.id AND f.kind = 'wholesale') AS min_order_qty, \
       (SELECT MIN(CASE g.kind WHEN 'retail' THEN 'r' ELSE '' END) || MIN(CASE g.kind WHEN 'wholesale' THEN 'w' ELSE '' END) \
          || MIN(CASE g.kind WHEN 'experience' THEN 'e' ELSE '' END) FROM offers g WHERE g.listing_id = l.id) AS offer_kinds \
     FROM listings l JOIN organisations o ON o.id = l.org_id \
     WHERE COALESCE(l.status, '') = 'published' AND l.hidden_reason IS NULL \
       AND COALESCE(o.kind, '') IN ('htx', 'tht')"
);

#[derive(Debug, sqlx::FromRow)]
pub struct CoopDocRow {
    pub id: i64,
    pub external_id: Option<String>,
    pub name: String,
    pub slug: String,
    pub description: Option<String>,
    pub story_en: Option<String>,
    pub sector: Option<String>,
    pub commune_code: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub created_at: DateTime<Utc>,
    pub logo_key: Option<String>,
    pub stars: Option<i64>,
    pub women_managed: i64,
    pub certs: Option<String>,
}

const COOP_DOCS: &str = "SELECT o.id, o.external_id, o.name, o.slug, o.description, o.story_en, o.sector, o.commune_code, \
       o.lat, o.lon, o.created_at, o.logo_key, \
       (SELECT MAX(b.stars) FROM badges b WHERE b.org_id = o.id AND b.kind = 'ocop' AND b.status = 'verified' \
          AND (b.expires_on IS NULL OR b.expires_on >= $1)) AS stars, \
       (SELECT COUNT(*) FROM badges w WHERE w.org_id = o.id AND w.listing_id IS NULL AND w.kind = 'women_managed' \
          AND w.status = 'verified' AND (w.expires_on IS NULL OR w.expires_on >= $1)) AS women_managed, \
       (SELECT MIN(CASE c.kind WHEN 'vietgap' THEN 'v' ELSE '' END) || MIN(CASE c.kind WHEN 'organic' THEN 'o' ELSE '' END) \
          FROM badges c WHERE c.org_id = o.id AND c.status = 'verified' AND (c.expires_on IS NULL OR c.expires_on >= $1)) AS certs \
     FROM organisations o WHERE o.kind IN ('htx', 'tht')";

fn id_list(q: &mut Sql, column: &'static str, ids: &[i64]) {
    q.push(column).push(" IN (");
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.arg(Arg::Int(*id));
    }
    q.push(")");
}

/// The rows of these listings that are public; the others are absent.
pub async fn listing_docs(
    conn: Conn<'_>,
    ids: &[i64],
    today: NaiveDate,
) -> Result<Vec<ListingDocRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new(LISTING_DOCS);
    q.args.push(Arg::Date(today));
    id_list(q.push(" AND "), "l.id", ids);
    Ok(on!(conn, e => bind_all!(sqlx::query_as(q.sql()), q).fetch_all(e).await)?)
}

/// The rows of these cooperatives (HTX and THT only).
pub async fn coop_docs(conn: Conn<'_>, ids: &[i64], today: NaiveDate) -> Result<Vec<CoopDocRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new(COOP_DOCS);
    q.args.push(Arg::Date(today));
    id_list(q.push(" AND "), "o.id", ids);
    Ok(on!(conn, e => bind_all!(sqlx::query_as(q.sql()), q).fetch_all(e).await)?)
}

/// Ids of every listing of these organisations (a cooperative's name or badges show on them).
pub async fn listings_of(conn: Conn<'_>, org_ids: &[i64]) -> Result<Vec<i64>> {
    if org_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new("SELECT id FROM listings WHERE ");
    id_list(&mut q, "org_id", org_ids);
    Ok(on!(conn, e => bind_all!(sqlx::query_scalar(q.sql()), q).fetch_all(e).await)?)
}

/// What these organisations make: `(org_id, category_id, listings)` for each leaf category
/// of their public listings outside the experiences group (`trai-nghiem`).
pub async fn craft_counts(conn: Conn<'_>, org_ids: &[i64]) -> Result<Vec<(i64, String, i64)>> {
    if org_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new(
        "SELECT org_id, category_id, COUNT(*) FROM listings \
         WHERE status = 'published' AND hidden_reason IS NULL AND category_group <> 'trai-nghiem' AND ",
    );
    id_list(&mut q, "org_id", org_ids);
    q.push(" GROUP BY org_id, category_id");
    Ok(on!(conn, e => bind_all!(sqlx::query_as(q.sql()), q).fetch_all(e).await)?)
}

/// Whether the database has any public document (a cooperative, which every public
/// listing belongs to).
pub async fn any_public(conn: Conn<'_>) -> Result<bool> {
    let n: i64 = on!(conn, e => sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT 1 FROM organisations WHERE kind IN ('htx', 'tht') LIMIT 1) AS one")
        .fetch_one(e)
        .await)?;
    Ok(n > 0)
}

/// Every public document as `(kind, id)`, `kind` being `cooperative` or `listing`, in id
/// order per kind.
pub async fn public_entities(conn: Conn<'_>) -> Result<Vec<(String, i64)>> {
    Ok(on!(conn, e => sqlx::query_as(
        "SELECT 'cooperative', o.id FROM organisations o WHERE o.kind IN ('htx', 'tht') \
         UNION ALL SELECT 'listing', l.id FROM listings l JOIN organisations o ON o.id = l.org_id \
           WHERE l.status = 'published' AND l.hidden_reason IS NULL AND o.kind IN ('htx', 'tht')")
        .fetch_all(e)
        .await)?)
}
