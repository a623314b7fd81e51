//! What the search index holds, fed from the database.
//!
//! Triggers (migration `…06_search_feed`) append a row to `search_changes` in the same
//! transaction as every change to a listing, its offers, photos or badges, or an
//! organisation. [`sync`] applies the log in order to a [`SearchIndex`] and then records
//! its position in `search_state`, so a crash between the two only re-applies changes
//! (upserts are idempotent) and never skips one. [`rebuild`] re-creates the index from the
//! tables.

use crate::filter::{Arg, Sql, bind_all};
use crate::{Conn, Db, Result, on};
use chrono::{DateTime, NaiveDate, Utc};
use ketnoi_search::{DocKey, DocKind, SearchDoc, SearchIndex};
use std::collections::BTreeSet;

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
struct ListingDocRow {
    id: i64,
    external_id: Option<String>,
    title_vi: String,
    title_en: Option<String>,
    description_vi: String,
    description_en: Option<String>,
    category_id: String,
    category_group: String,
    origin_commune_code: Option<String>,
    certifications: String,
    min_price: i64,
    months: i64,
    published_at: Option<DateTime<Utc>>,
    unit: String,
    org_name: String,
    org_slug: String,
    org_commune_code: Option<String>,
    lat: Option<f64>,
    lon: Option<f64>,
    stars: Option<i64>,
    photo: Option<String>,
    women_managed: i64,
    min_order_qty: Option<i64>,
    offer_kinds: Option<String>,
}

/// `$1` is today (badge expiry). Public listings of cooperatives only.
const LISTING_DOCS: &str = "SELECT l.id, l.external_id, l.title_vi, l.title_en, l.description_vi, l.description_en, \
       l.category_id, l.category_group, l.origin_commune_code, l.certifications, l.min_price, l.months, l.published_at, l.unit, \
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
     WHERE l.status = 'published' AND l.hidden_reason IS NULL AND o.kind IN ('htx', 'tht')";

#[derive(Debug, sqlx::FromRow)]
struct CoopDocRow {
    id: i64,
    external_id: Option<String>,
    name: String,
    slug: String,
    description: Option<String>,
    story_en: Option<String>,
    sector: Option<String>,
    commune_code: Option<String>,
    lat: Option<f64>,
    lon: Option<f64>,
    created_at: DateTime<Utc>,
    logo_key: Option<String>,
    stars: Option<i64>,
    women_managed: i64,
    certs: Option<String>,
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

fn listing_doc(r: ListingDocRow) -> SearchDoc {
    let kinds = r.offer_kinds.unwrap_or_default();
    let offer_kinds = [('r', "retail"), ('w', "wholesale"), ('e', "experience")]
        .iter()
        .filter(|(c, _)| kinds.contains(*c))
        .map(|(_, k)| (*k).to_owned())
        .collect();
    SearchDoc {
        key: Some(DocKey {
            kind: DocKind::Listing,
            id: r.id,
        }),
        external_id: r.external_id,
        title_vi: r.title_vi,
        title_en: r.title_en,
        body_vi: r.description_vi,
        body_en: r.description_en,
        org_name: r.org_name,
        org_slug: r.org_slug,
        category_id: Some(r.category_id),
        category_group: Some(r.category_group),
        sector: None,
        offer_kinds,
        commune_code: r.origin_commune_code.or(r.org_commune_code),
        ocop_stars: stars(r.stars),
        certifications: r
            .certifications
            .split('|')
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect(),
        min_price: Some(r.min_price),
        min_order_qty: r.min_order_qty,
        months: u16::try_from(r.months & 0xFFF).unwrap_or(0xFFF),
        women_managed: r.women_managed > 0,
        lat: r.lat,
        lon: r.lon,
        published_at: r.published_at.map(|t| t.timestamp()).unwrap_or(0),
        unit: Some(r.unit),
        image: r.photo,
    }
}

fn stars(s: Option<i64>) -> u8 {
    s.and_then(|s| u8::try_from(s).ok()).unwrap_or(0)
}

fn coop_doc(r: CoopDocRow) -> SearchDoc {
    let certs = r.certs.unwrap_or_default();
    SearchDoc {
        key: Some(DocKey {
            kind: DocKind::Cooperative,
            id: r.id,
        }),
        external_id: r.external_id,
        title_vi: r.name.clone(),
        title_en: None,
        body_vi: r.description.unwrap_or_default(),
        body_en: r.story_en,
        org_name: r.name,
        org_slug: r.slug,
        category_id: None,
        category_group: None,
        sector: r.sector,
        offer_kinds: Vec::new(),
        commune_code: r.commune_code,
        ocop_stars: stars(r.stars),
        certifications: [('v', "vietgap"), ('o', "organic")]
            .iter()
            .filter(|(c, _)| certs.contains(*c))
            .map(|(_, k)| (*k).to_owned())
            .collect(),
        min_price: None,
        min_order_qty: None,
        months: 0xFFF,
        women_managed: r.women_managed > 0,
        lat: r.lat,
        lon: r.lon,
        published_at: r.created_at.timestamp(),
        unit: None,
        image: r.logo_key,
    }
}

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

/// The documents of these listings that are public; the others are absent.
pub async fn listing_docs(conn: Conn<'_>, ids: &[i64], today: NaiveDate) -> Result<Vec<SearchDoc>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new(LISTING_DOCS);
    q.args.push(Arg::Date(today));
    id_list(q.push(" AND "), "l.id", ids);
    let rows: Vec<ListingDocRow> =
        on!(conn, e => bind_all!(sqlx::query_as(q.sql()), q).fetch_all(e).await)?;
    Ok(rows.into_iter().map(listing_doc).collect())
}

/// The documents of these cooperatives (HTX and THT only).
pub async fn coop_docs(conn: Conn<'_>, ids: &[i64], today: NaiveDate) -> Result<Vec<SearchDoc>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new(COOP_DOCS);
    q.args.push(Arg::Date(today));
    id_list(q.push(" AND "), "o.id", ids);
    let rows: Vec<CoopDocRow> =
        on!(conn, e => bind_all!(sqlx::query_as(q.sql()), q).fetch_all(e).await)?;
    Ok(rows.into_iter().map(coop_doc).collect())
}

/// Ids of every listing of these organisations (a cooperative's name or badges show on them).
async fn listings_of(conn: Conn<'_>, org_ids: &[i64]) -> Result<Vec<i64>> {
    if org_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new("SELECT id FROM listings WHERE ");
    id_list(&mut q, "org_id", org_ids);
    Ok(on!(conn, e => bind_all!(sqlx::query_scalar(q.sql()), q).fetch_all(e).await)?)
}

/// The public documents among these listings and cooperatives, read 500 ids at a time.
async fn load_docs(
    db: &Db,
    listings: &[i64],
    coops: &[i64],
    today: NaiveDate,
) -> Result<Vec<SearchDoc>> {
    let mut docs = Vec::with_capacity(listings.len() + coops.len());
    for chunk in listings.chunks(500) {
        docs.extend(listing_docs(db.conn(), chunk, today).await?);
    }
    for chunk in coops.chunks(500) {
        docs.extend(coop_docs(db.conn(), chunk, today).await?);
    }
    Ok(docs)
}

fn ids_of(keys: &[DocKey], kind: DocKind) -> Vec<i64> {
    keys.iter()
        .filter(|k| k.kind == kind)
        .map(|k| k.id)
        .collect()
}

/// Brings the documents for `keys` up to date: public ones upserted, the rest deleted.
pub async fn refresh(
    db: &Db,
    index: &dyn SearchIndex,
    keys: &BTreeSet<DocKey>,
    today: NaiveDate,
) -> Result<()> {
    let coops: Vec<i64> = keys
        .iter()
        .filter(|k| k.kind == DocKind::Cooperative)
        .map(|k| k.id)
        .collect();
    let mut listings: BTreeSet<i64> = keys
        .iter()
        .filter(|k| k.kind == DocKind::Listing)
        .map(|k| k.id)
        .collect();
    listings.extend(listings_of(db.conn(), &coops).await?);
    let listings: Vec<i64> = listings.into_iter().collect();
    let docs = load_docs(db, &listings, &coops, today).await?;
    let present: BTreeSet<DocKey> = docs.iter().filter_map(|d| d.key).collect();
    let gone: Vec<DocKey> = listings
        .iter()
        .map(|&id| DocKey {
            kind: DocKind::Listing,
            id,
        })
        .chain(coops.iter().map(|&id| DocKey {
            kind: DocKind::Cooperative,
            id,
        }))
        .filter(|k| !present.contains(k))
        .collect();
    if !docs.is_empty() {
        index.upsert(docs).await?;
    }
    if !gone.is_empty() {
        index.delete(gone).await?;
    }
    Ok(())
}

/// Applies up to `batch` log entries after `consumer`'s position, then records the new
/// position. Returns how many entries it applied (0: the index is up to date).
pub async fn sync(
    db: &Db,
    index: &dyn SearchIndex,
    consumer: &str,
    batch: i64,
    today: NaiveDate,
) -> Result<usize> {
    let from = position(db.conn(), consumer).await?;
    let changes = changes_after(db.conn(), from, batch).await?;
    let Some(last) = changes.last().map(|c| c.id) else {
        return Ok(0);
    };
    let keys: BTreeSet<DocKey> = changes
        .iter()
        .filter_map(|c| {
            DocKind::parse(&c.kind).map(|kind| DocKey {
                kind,
                id: c.entity_id,
            })
        })
        .collect();
    refresh(db, index, &keys, today).await?;
    // Only after the index has the changes: a crash before this line re-applies them.
    set_position(db.conn(), consumer, last).await?;
    Ok(changes.len())
}

/// Every public document's key, in id order per kind.
pub async fn all_keys(conn: Conn<'_>) -> Result<Vec<DocKey>> {
    let rows: Vec<(String, i64)> = on!(conn, e => sqlx::query_as(
        "SELECT 'cooperative', o.id FROM organisations o WHERE o.kind IN ('htx', 'tht') \
         UNION ALL SELECT 'listing', l.id FROM listings l JOIN organisations o ON o.id = l.org_id \
           WHERE l.status = 'published' AND l.hidden_reason IS NULL AND o.kind IN ('htx', 'tht')")
        .fetch_all(e)
        .await)?;
    Ok(rows
        .into_iter()
        .filter_map(|(k, id)| DocKind::parse(&k).map(|kind| DocKey { kind, id }))
        .collect())
}

/// Re-creates the index from the tables; `progress(done, total)` after each batch.
/// The log position is taken before reading, so changes made meanwhile are applied after.
pub async fn rebuild(
    db: &Db,
    index: &dyn SearchIndex,
    consumer: &str,
    today: NaiveDate,
    mut progress: impl FnMut(usize, usize),
) -> Result<usize> {
    let start = last_change(db.conn()).await?;
    let keys = all_keys(db.conn()).await?;
    index.clear().await?;
    let total = keys.len();
    let mut done = 0;
    progress(0, total);
    for chunk in keys.chunks(2000) {
        let docs = load_docs(
            db,
            &ids_of(chunk, DocKind::Listing),
            &ids_of(chunk, DocKind::Cooperative),
            today,
        )
        .await?;
        index.upsert(docs).await?;
        done += chunk.len();
        progress(done, total);
    }
    index.optimize().await?;
    set_position(db.conn(), consumer, start).await?;
    Ok(total)
}

/// Keeps `index` up to date until `stop` turns true: applies the log in batches, and when
/// it is caught up looks again every `every`. Errors are logged and retried, never fatal:
/// the position only moves after a batch is in the index.
pub async fn follow(
    db: Db,
    index: std::sync::Arc<dyn SearchIndex>,
    every: std::time::Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut applied_since_prune = 0usize;
    let mut delay = every;
    // Badges that expired while no indexer ran (up to a year back), then each new day's.
    let mut swept: Option<NaiveDate> = None;
    while !*stop.borrow() {
        let today = ketnoi_domain::time::today_hanoi();
        if swept != Some(today) {
            let from = match swept {
                Some(day) => day - chrono::Days::new(1),
                None => today - chrono::Days::new(366),
            };
            match log_expired_badges(db.conn(), from, today).await {
                Ok(n) => {
                    tracing::debug!(changes = n, "expired badges queued for the search index");
                    swept = Some(today);
                }
                Err(e) => tracing::warn!(error = %e, "queueing expired badges failed"),
            }
        }
        match sync(&db, &*index, INDEXER, 1000, today).await {
            Ok(0) => {
                delay = every;
                if applied_since_prune > 0 {
                    match prune(db.conn()).await {
                        Ok(n) => tracing::debug!(pruned = n, "search change log pruned"),
                        Err(e) => {
                            tracing::warn!(error = %e, "pruning the search change log failed")
                        }
                    }
                    applied_since_prune = 0;
                }
            }
            Ok(n) => {
                applied_since_prune += n;
                tracing::debug!(changes = n, "search index updated");
                continue;
            }
            Err(e) => {
                tracing::warn!(error = %e, "search indexing failed; retrying");
                delay = (delay * 2).min(std::time::Duration::from_secs(30));
            }
        }
        tokio::select! {
            _ = stop.wait_for(|s| *s) => break,
            _ = tokio::time::sleep(delay) => {}
        }
    }
}
