//! The search index, fed from the database's change log.
//!
//! Triggers (migration `…06_search_feed`) append a row to `search_changes` in the same
//! transaction as every change to a listing, its offers, photos or badges, or an
//! organisation. [`sync`] applies the log in order to a [`SearchIndex`] and then records
//! its position in `search_state`, so a crash between the two only re-applies changes
//! (upserts are idempotent) and never skips one. [`rebuild`] re-creates the index from the
//! tables.

use chrono::NaiveDate;
use ketnoi_db::search_feed::{
    CoopDocRow, ListingDocRow, any_public, changes_after, coop_docs, craft_counts, last_change,
    listing_docs, listings_of, log_expired_badges, position, prune, public_entities, set_position,
};
use ketnoi_db::{Conn, Db, Result};
use ketnoi_search::{DocKey, DocKind, SearchDoc, SearchIndex};
use std::collections::{BTreeSet, HashMap};

pub use ketnoi_db::search_feed::INDEXER;

/// The search index failed, or the database did.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error(transparent)]
    Db(#[from] ketnoi_db::DbError),
    #[error(transparent)]
    Search(#[from] ketnoi_search::SearchError),
}

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
        crafts: Vec::new(),
        offer_kinds,
        commune_code: r.origin_commune_code.or(r.org_commune_code),
        ocop_stars: stars(r.stars),
        certifications: r
            .certifications
            .split('|')
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect(),
        min_price: r.min_price,
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

/// An experience: offered as one, or filed under the experiences group.
fn is_experience(r: &ListingDocRow) -> bool {
    r.category_group == "trai-nghiem" || r.offer_kinds.as_deref().is_some_and(|k| k.contains('e'))
}

/// What cooperatives make, per cooperative: the leaf categories holding at least a third
/// of its public listings outside the experiences (its crafts; a cooperative with listings
/// in five categories has none that stands out and gets none). Read once per cooperative
/// and kept for the batches that follow (a rebuild reads each cooperative once, not once
/// per batch its experiences fall in).
#[derive(Debug, Default)]
struct Crafts(HashMap<i64, Vec<String>>);

impl Crafts {
    /// Reads the crafts of those of `orgs` not read yet.
    async fn read(&mut self, db: &Db, orgs: impl Iterator<Item = i64>) -> Result<(), FeedError> {
        let mut missing: Vec<i64> = orgs.filter(|o| !self.0.contains_key(o)).collect();
        missing.sort_unstable();
        missing.dedup();
        if missing.is_empty() {
            return Ok(());
        }
        let mut per_org: HashMap<i64, Vec<(String, i64)>> = HashMap::new();
        for (org, category, n) in craft_counts(db.conn(), &missing).await? {
            per_org.entry(org).or_default().push((category, n));
        }
        for org in missing {
            let mut counts = per_org.remove(&org).unwrap_or_default();
            let total: i64 = counts.iter().map(|(_, n)| n).sum();
            counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            let crafts = counts
                .into_iter()
                .filter(|(_, n)| n * 3 >= total)
                .map(|(c, _)| c)
                .collect();
            self.0.insert(org, crafts);
        }
        Ok(())
    }

    fn of(&self, org: i64) -> Vec<String> {
        self.0.get(&org).cloned().unwrap_or_default()
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
        crafts: Vec::new(),
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

/// The public documents among these listings and cooperatives, read 500 ids at a time.
async fn load_docs(
    db: &Db,
    listings: &[i64],
    coops: &[i64],
    today: NaiveDate,
    crafts: &mut Crafts,
) -> Result<Vec<SearchDoc>, FeedError> {
    let mut docs = Vec::with_capacity(listings.len() + coops.len());
    for chunk in listings.chunks(500) {
        let rows = listing_docs(db.conn(), chunk, today).await?;
        let experiences = rows.iter().filter(|r| is_experience(r));
        crafts.read(db, experiences.map(|r| r.org_id)).await?;
        docs.extend(rows.into_iter().map(|r| {
            let org = r.org_id;
            let experience = is_experience(&r);
            let mut d = listing_doc(r);
            if experience {
                d.crafts = crafts.of(org);
            }
            d
        }));
    }
    for chunk in coops.chunks(500) {
        docs.extend(
            coop_docs(db.conn(), chunk, today)
                .await?
                .into_iter()
                .map(coop_doc),
        );
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
) -> Result<(), FeedError> {
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
    let docs = load_docs(db, &listings, &coops, today, &mut Crafts::default()).await?;
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
) -> Result<usize, FeedError> {
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
    Ok(public_entities(conn)
        .await?
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
) -> Result<usize, FeedError> {
    let start = last_change(db.conn()).await?;
    let keys = all_keys(db.conn()).await?;
    index.clear().await?;
    let total = keys.len();
    let mut done = 0;
    progress(0, total);
    let mut crafts = Crafts::default();
    for chunk in keys.chunks(2000) {
        let docs = load_docs(
            db,
            &ids_of(chunk, DocKind::Listing),
            &ids_of(chunk, DocKind::Cooperative),
            today,
            &mut crafts,
        )
        .await?;
        index.upsert_queued(docs).await?;
        done += chunk.len();
        progress(done, total);
    }
    index.optimize().await?;
    set_position(db.conn(), consumer, start).await?;
    Ok(total)
}

/// Rebuilds `index` from the tables when it says it holds nothing although the indexer's
/// position says it was fed and the database has public documents (see
/// [`SearchIndex::count`]). At position 0 the log still holds every change, and applying
/// it fills the index.
pub async fn refill_if_empty(
    db: &Db,
    index: &dyn SearchIndex,
    today: NaiveDate,
) -> Result<(), FeedError> {
    if index.count().await? != Some(0)
        || position(db.conn(), INDEXER).await? == 0
        || !any_public(db.conn()).await?
    {
        return Ok(());
    }
    tracing::info!("the search index is empty: rebuilding it from the database");
    let n = rebuild(db, index, INDEXER, today, |_, _| {}).await?;
    tracing::info!(documents = n, "search index rebuilt");
    Ok(())
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
    // An index that is new or was replaced (another schema version) is refilled from the
    // tables once: the change log only holds what changed since the last position.
    let mut filled = false;
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
        if !filled {
            match refill_if_empty(&db, &*index, today).await {
                Ok(()) => filled = true,
                Err(e) => tracing::warn!(error = %e, "refilling the empty search index failed"),
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

/// Tells `answers` how far the indexer has applied the change log, every `every`, until
/// `stop`: a serving process whose index lives on a search server keeps its answers
/// until the indexer (in any process) moves on (see [`ketnoi_search::answers`]).
pub async fn publish_position(
    db: Db,
    answers: std::sync::Arc<ketnoi_search::answers::Answers>,
    every: std::time::Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    while !*stop.borrow() {
        match position(db.conn(), INDEXER).await {
            Ok(at) => answers.set_position(u64::try_from(at).unwrap_or(0)),
            Err(e) => tracing::warn!(error = %e, "reading the indexer's position failed"),
        }
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            _ = stop.changed() => {}
        }
    }
}
