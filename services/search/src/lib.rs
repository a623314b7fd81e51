//! Search over the catalogue: one [`SearchIndex`] trait, the embedded tantivy backend (the
//! default, its index under `DATA_DIR/search`) and the Meilisearch backend for scale-out.
//! Both pass the same contract tests (`tests/contract.rs`).
//!
//! The index holds [`SearchDoc`]s: public listings and cooperatives, each keyed by
//! [`DocKey`]. Callers never build documents from user input: the indexer worker reads them
//! from the database. A [`SearchQuery`] is already validated by the web layer.

use std::future::Future;
use std::pin::Pin;

pub mod answers;
pub mod eval;
pub mod meili;
pub mod tantivy_index;
pub mod text;
pub mod understand;

pub use tantivy_index::TantivyIndex;

/// Hits per page when [`SearchQuery::limit`] is 0.
pub const DEFAULT_LIMIT: usize = 20;
/// The most hits one page may ask for; larger limits are capped.
pub const MAX_LIMIT: usize = 100;

/// What a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DocKind {
    Listing,
    Cooperative,
}

impl DocKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Listing => "listing",
            DocKind::Cooperative => "cooperative",
        }
    }
    pub fn parse(s: &str) -> Option<DocKind> {
        match s {
            "listing" => Some(DocKind::Listing),
            "cooperative" => Some(DocKind::Cooperative),
            _ => None,
        }
    }
}

/// A document's identity: its kind and its database id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocKey {
    pub kind: DocKind,
    pub id: i64,
}

/// A public listing or cooperative as the index sees it. Text is NFC-normalised already.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SearchDoc {
    pub key: Option<DocKey>,
    pub external_id: Option<String>,
    /// Listing title, or the cooperative's name.
    pub title_vi: String,
    pub title_en: Option<String>,
    /// Description, or the cooperative's story.
    pub body_vi: String,
    pub body_en: Option<String>,
    /// The cooperative (for a listing: the one selling it; for a cooperative: itself).
    pub org_name: String,
    pub org_slug: String,
    /// Leaf category id and its group (listings), e.g. `gom-su` in `thu-cong`.
    pub category_id: Option<String>,
    pub category_group: Option<String>,
    /// Sector id (cooperatives).
    pub sector: Option<String>,
    /// Leaf categories of what the cooperative makes, for an experience (a workshop, a
    /// tour, a homestay is filed under its own category but is about the cooperative's
    /// craft): "trải nghiệm gốm" finds the pottery class of a ceramics cooperative.
    /// Empty for products and cooperatives.
    pub crafts: Vec<String>,
    /// `retail`, `wholesale`, `experience` (listings).
    pub offer_kinds: Vec<String>,
    /// Ward/commune code (listing origin, or cooperative address).
    pub commune_code: Option<String>,
    /// Verified, unexpired OCOP stars (0 when none).
    pub ocop_stars: u8,
    /// Verified certificates: `vietgap`, `organic`, … (listings: declared certifications).
    pub certifications: Vec<String>,
    /// Lowest price in đồng (listings).
    pub min_price: Option<i64>,
    /// Smallest minimum order quantity of the wholesale offers (listings).
    pub min_order_qty: Option<i64>,
    /// Months in season, bit 0 = January; `0xFFF` all year.
    pub months: u16,
    /// The cooperative holds a verified women-managed badge.
    pub women_managed: bool,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// Unix seconds of publication (listings) or creation (cooperatives).
    pub published_at: i64,
    /// Unit of sale (listings), e.g. `kg`.
    pub unit: Option<String>,
    /// First photo's media key, or the cooperative's logo.
    pub image: Option<String>,
}

impl SearchDoc {
    /// Vietnamese and English names of the document's leaf category, its parent, its group
    /// and (cooperatives) its sector, each once, so "gốm" or "ceramics" finds what is filed
    /// there. From the taxonomy `ketnoi_domain::catalog` compiles in.
    pub fn category_names(&self) -> Vec<(&'static str, &'static str)> {
        use ketnoi_domain::catalog;
        let mut ids: Vec<&str> = Vec::new();
        let mut names = Vec::new();
        let mut push = |id: &'static str, vi: &'static str, en: &'static str| {
            if !ids.contains(&id) {
                ids.push(id);
                names.push((vi, en));
            }
        };
        let leaf = self.category_id.as_deref().and_then(catalog::category);
        let parent = leaf
            .and_then(|c| c.parent.as_deref())
            .and_then(catalog::category);
        let group = self.category_group.as_deref().and_then(catalog::category);
        for c in [leaf, parent, group].into_iter().flatten() {
            push(&c.id, &c.name_vi, &c.name_en);
        }
        if let Some(s) = self.sector.as_deref().and_then(catalog::sector) {
            push(&s.id, &s.name_vi, &s.name_en);
        }
        names
    }

    /// Vietnamese and English names of the document's [crafts](Self::crafts) and their
    /// groups, each once and none already among [`category_names`](Self::category_names):
    /// text of the description's weight, so an experience found through its cooperative's
    /// craft ranks below the products filed there.
    pub fn craft_names(&self) -> Vec<(&'static str, &'static str)> {
        use ketnoi_domain::catalog;
        let own = self.category_names();
        let mut names: Vec<(&'static str, &'static str)> = Vec::new();
        for craft in self.crafts.iter().filter_map(|id| catalog::category(id)) {
            let group = craft.parent.as_deref().and_then(catalog::category);
            for c in std::iter::once(craft).chain(group) {
                let name = (c.name_vi.as_str(), c.name_en.as_str());
                if !own.contains(&name) && !names.contains(&name) {
                    names.push(name);
                }
            }
        }
        names
    }
}

/// How results are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Sort {
    #[default]
    Relevance,
    PriceAsc,
    PriceDesc,
    Newest,
    /// Nearest first from this point (latitude, longitude).
    Distance {
        lat: f64,
        lon: f64,
    },
}

/// A search: free text plus filters, all optional.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SearchQuery {
    /// What the visitor typed (NFC). Empty: everything matching the filters.
    pub text: String,
    /// Only this kind of document; `None`: both.
    pub kind: Option<DocKind>,
    pub offer_kind: Option<String>,
    /// A leaf category id or a group id.
    pub category: Option<String>,
    /// Leaf or group ids whose documents rank first among equally good matches (the
    /// categories the text names, see [`understand`]); not a filter.
    pub prefer_categories: Vec<String>,
    pub commune_code: Option<String>,
    /// Any of these wards/communes (an old district's name a query named: see
    /// [`understand`]); empty: no such filter.
    pub communes: Vec<String>,
    pub min_stars: Option<u8>,
    /// Words that add to a document's score where its title or names have them, and are
    /// not required (the place a query named, read as a filter: "gốm sứ Bát Tràng" ranks
    /// the listings saying "Bát Tràng" first among those made there).
    pub rank_words: String,
    /// Documents with exactly this many OCOP stars rank first among equally good matches
    /// (a rating the text names alone, see [`understand`]); not a filter.
    pub prefer_stars: Option<u8>,
    pub certification: Option<String>,
    pub price_min: Option<i64>,
    pub price_max: Option<i64>,
    /// Wholesale minimum order at most this many units.
    pub max_min_order: Option<i64>,
    /// In season in this month (1–12).
    pub in_season: Option<u8>,
    pub women_managed: bool,
    /// Leave [`SearchResults::facets`] empty: counting them visits every match, which a
    /// caller showing only hits (suggestions, a client that does not filter) need not pay.
    pub skip_facets: bool,
    /// Complete a short first page with near matches ([`Answer::near`], see [`search`]):
    /// what a page shows; an API answering only what matched need not pay for them.
    pub near: bool,
    pub sort: Sort,
    pub limit: usize,
    pub offset: usize,
}

/// One result.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub key: DocKey,
    pub external_id: Option<String>,
    pub title_vi: String,
    pub title_en: Option<String>,
    pub org_name: String,
    pub org_slug: String,
    pub category_id: Option<String>,
    pub min_price: Option<i64>,
    pub unit: Option<String>,
    pub ocop_stars: u8,
    pub image: Option<String>,
    pub score: f32,
}

/// Counts of the matching documents per filter value (ignoring paging).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Facets {
    pub kind: Vec<(String, u64)>,
    pub offer_kind: Vec<(String, u64)>,
    /// Per category group.
    pub category: Vec<(String, u64)>,
    pub commune: Vec<(String, u64)>,
    /// Per star count (3, 4, 5).
    pub stars: Vec<(u8, u64)>,
    pub certification: Vec<(String, u64)>,
    pub women_managed: u64,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct SearchResults {
    /// All matches, not only this page.
    pub total: u64,
    pub hits: Vec<Hit>,
    pub facets: Facets,
    /// "Did you mean": a corrected query, offered when nothing matched.
    pub suggestion: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search backend unavailable: {0}")]
    Unavailable(String),
    #[error("search index error: {0}")]
    Index(String),
}

pub type Result<T> = std::result::Result<T, SearchError>;

/// What a search found, and what it understood of the text (see [`search`]).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Answer {
    pub results: SearchResults,
    pub understood: understand::Understood,
    /// A place was understood but nothing matched there: the place's words were searched
    /// as text instead, and the results are not filtered by it.
    pub place_relaxed: bool,
    /// Near matches shown after the results on a first page they do not fill (when
    /// [`SearchQuery::near`] asks for them): listings
    /// the text finds that miss one of the conditions read out of the text (a star rating
    /// widened to any OCOP first), then ones that miss several. Not counted in
    /// [`SearchResults::total`]; empty when nothing was understood or on later pages.
    pub near: Vec<Hit>,
}

/// Searches `index` for what `q` means: prices, offer kinds, stars, certifications and
/// places written in the text become filters (see [`understand::apply`]; explicit filters
/// win), the rest is searched as text. When a place was understood and nothing matches
/// there, the place's words are searched as text instead (a product named after a place
/// it is not made in). When the first page is not full, it is completed with
/// [near matches](Answer::near): a shopper who typed "gốm OCOP 5 sao dưới 200k" and finds
/// two sees the 4-star and the 250,000 đồng ones next, marked as such, instead of a page
/// with two. Every caller searches through here, so every page and API and the
/// evaluation understand a query alike.
pub async fn search(index: &dyn SearchIndex, q: &SearchQuery) -> Result<Answer> {
    let (mut understood_q, understood) = understand::apply(q);
    if understood.is_empty() {
        let prefer = std::mem::take(&mut understood_q.prefer_categories);
        understood_q = q.clone();
        understood_q.prefer_categories = prefer;
    } else if !understood_q.text.is_empty()
        && !q.text.trim_end().ends_with(understood_q.text.trim_end())
    {
        // Words after the last one left were consumed: that one was typed in full.
        understood_q.text.push(' ');
    }
    let results = index.search(&understood_q).await?;
    // `apply` keeps communes only when it filters by them.
    let (results, searched, place_relaxed) = if results.total > 0 || understood.communes.is_empty()
    {
        (results, understood_q, false)
    } else {
        let mut words = understood_q;
        words.commune_code.clone_from(&q.commune_code);
        words.communes.clone_from(&q.communes);
        words.text = format!(
            "{} {}",
            words.text.trim_end(),
            understood.place_phrases().join(" ")
        );
        if q.text.ends_with(char::is_whitespace) {
            words.text.push(' ');
        }
        let relaxed = index.search(&words).await?;
        if relaxed.total > 0 {
            (relaxed, words, true)
        } else {
            (results, words, false)
        }
    };
    let near = near_matches(index, q, &searched, &results).await?;
    Ok(Answer {
        results,
        understood,
        place_relaxed,
        near,
    })
}

/// The near matches of a first page `results` does not fill (see [`Answer::near`]):
/// `searched` with each condition it has and `q` has not (one read out of the text) widened
/// or lifted in turn, best score first, then with all of them lifted. Only the text's
/// conditions are relaxed: a filter the shopper set herself holds.
async fn near_matches(
    index: &dyn SearchIndex,
    q: &SearchQuery,
    searched: &SearchQuery,
    results: &SearchResults,
) -> Result<Vec<Hit>> {
    let limit = if q.limit == 0 {
        DEFAULT_LIMIT
    } else {
        q.limit.min(MAX_LIMIT)
    };
    if !q.near
        || q.offset > 0
        || results.hits.len() >= limit
        || results.hits.len() as u64 != results.total
    {
        return Ok(Vec::new());
    }
    let mut searched = searched.clone();
    if searched.kind.is_none()
        && (searched.price_min.is_some()
            || searched.price_max.is_some()
            || searched.offer_kind.is_some())
    {
        // A price or an offer asks for products: lifting it does not bring in
        // cooperatives.
        searched.kind = Some(DocKind::Listing);
    }
    let searched = &searched;
    let mut lifted = searched.clone();
    let mut tiers: Vec<SearchQuery> = Vec::new();
    let mut relax = |tiers: &mut Vec<SearchQuery>, f: &dyn Fn(&mut SearchQuery)| {
        let mut one = searched.clone();
        f(&mut one);
        f(&mut lifted);
        tiers.push(one);
    };
    if (searched.price_min, searched.price_max) != (q.price_min, q.price_max) {
        relax(&mut tiers, &|s| {
            s.price_min = q.price_min;
            s.price_max = q.price_max;
        });
    }
    if searched.offer_kind != q.offer_kind {
        relax(&mut tiers, &|s| s.offer_kind.clone_from(&q.offer_kind));
    }
    if searched.certification != q.certification {
        relax(&mut tiers, &|s| {
            s.certification.clone_from(&q.certification)
        });
    }
    if (&searched.commune_code, &searched.communes) != (&q.commune_code, &q.communes) {
        relax(&mut tiers, &|s| {
            s.commune_code.clone_from(&q.commune_code);
            s.communes.clone_from(&q.communes);
        });
    }
    let mut widened = None;
    if searched.min_stars != q.min_stars {
        // A rating widens to any OCOP rating before it is lifted.
        if searched.min_stars.is_some_and(|n| n > 3) && q.min_stars.is_none() {
            let mut any = searched.clone();
            any.min_stars = Some(3);
            widened = Some(any);
        }
        relax(&mut tiers, &|s| s.min_stars = q.min_stars);
    }
    if tiers.is_empty() {
        return Ok(Vec::new());
    }
    // Groups searched in turn, each group's hits merged by score: the widened rating, the
    // conditions lifted one at a time, then all of them lifted.
    let mut groups: Vec<Vec<SearchQuery>> = Vec::new();
    groups.extend(widened.map(|w| vec![w]));
    let all_lifted = tiers.len() > 1 || tiers[0] != lifted;
    groups.push(tiers);
    if all_lifted {
        groups.push(vec![lifted]);
    }
    let mut seen: std::collections::HashSet<DocKey> = results.hits.iter().map(|h| h.key).collect();
    let mut near: Vec<Hit> = Vec::new();
    'groups: for group in groups {
        let mut found: Vec<Hit> = Vec::new();
        for mut tier in group {
            let want = limit.saturating_sub(results.hits.len() + near.len());
            if want == 0 {
                break 'groups;
            }
            // Enough to find `want` new ones past those already shown.
            tier.limit = (results.hits.len() + near.len() + want).min(MAX_LIMIT);
            tier.offset = 0;
            tier.skip_facets = true;
            for h in index.search(&tier).await?.hits {
                if seen.insert(h.key) {
                    found.push(h);
                }
            }
        }
        found.sort_by(|a, b| b.score.total_cmp(&a.score));
        near.extend(found);
    }
    near.truncate(limit - results.hits.len());
    Ok(near)
}

/// A boxed future, so the trait can be used as `dyn SearchIndex`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What every search backend offers. Writes are visible to `search` once they return.
pub trait SearchIndex: Send + Sync + std::fmt::Debug {
    /// Adds or replaces documents (by key).
    fn upsert<'a>(&'a self, docs: Vec<SearchDoc>) -> BoxFuture<'a, Result<()>>;
    /// Adds or replaces documents during a bulk rebuild: it may return before they are
    /// searchable (Meilisearch: the write is queued, and consecutive queued writes are
    /// indexed together); [`optimize`](Self::optimize), which a rebuild calls last, waits
    /// for them. By default, [`upsert`](Self::upsert).
    fn upsert_queued<'a>(&'a self, docs: Vec<SearchDoc>) -> BoxFuture<'a, Result<()>> {
        self.upsert(docs)
    }
    /// Removes documents; unknown keys are ignored.
    fn delete<'a>(&'a self, keys: Vec<DocKey>) -> BoxFuture<'a, Result<()>>;
    /// Removes every document.
    fn clear(&self) -> BoxFuture<'_, Result<()>>;
    fn search<'a>(&'a self, q: &'a SearchQuery) -> BoxFuture<'a, Result<SearchResults>>;
    /// Every key in the index (for consistency checks and tests).
    fn keys(&self) -> BoxFuture<'_, Result<Vec<DocKey>>>;
    /// Search-as-you-type: up to `limit` titles for a prefix.
    fn suggest<'a>(&'a self, prefix: &'a str, limit: usize) -> BoxFuture<'a, Result<Vec<Hit>>>;
    /// How many documents the index holds, when it can say so cheaply (the embedded index);
    /// `None` otherwise. The indexer refills an index that answers `Some(0)` while the
    /// database has public documents (a new or replaced index).
    fn count(&self) -> BoxFuture<'_, Result<Option<u64>>> {
        Box::pin(async { Ok(None) })
    }
    /// Whether the index can answer now (Meilisearch: its server's health); by default, yes.
    fn health(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(async { Ok(()) })
    }
    /// Compacts the index after a bulk rebuild (tantivy: merges its segments into one, so a
    /// query opens one set of term dictionaries instead of one per segment; Meilisearch:
    /// waits for the writes [`upsert_queued`](Self::upsert_queued) left queued). By
    /// default, nothing to do.
    fn optimize(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(async { Ok(()) })
    }
}
