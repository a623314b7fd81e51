//! Search over the catalogue: one [`SearchIndex`] trait, the embedded tantivy backend (the
//! default, its index under `DATA_DIR/search`) and the Meilisearch backend for scale-out.
//! Both pass the same contract tests (`tests/contract.rs`).
//!
//! The index holds [`SearchDoc`]s: public listings and cooperatives, each keyed by
//! [`DocKey`]. Callers never build documents from user input: the indexer worker reads them
//! from the database. A [`SearchQuery`] is already validated by the web layer.

use std::future::Future;
use std::pin::Pin;

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
    pub commune_code: Option<String>,
    /// Any of these wards/communes (an old district's name a query named: see
    /// [`understand`]); empty: no such filter.
    pub communes: Vec<String>,
    pub min_stars: Option<u8>,
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
}

/// Searches `index` for what `q` means: prices, offer kinds, stars, certifications and
/// places written in the text become filters (see [`understand::apply`]; explicit filters
/// win), the rest is searched as text. When a place was understood and nothing matches
/// there, the place's words are searched as text instead (a product named after a place
/// it is not made in). Every caller searches through here, so every page and API and the
/// evaluation understand a query alike.
pub async fn search(index: &dyn SearchIndex, q: &SearchQuery) -> Result<Answer> {
    let (mut understood_q, understood) = understand::apply(q);
    if understood.is_empty() {
        understood_q = q.clone();
    } else if !understood_q.text.is_empty()
        && !q.text.trim_end().ends_with(understood_q.text.trim_end())
    {
        // Words after the last one left were consumed: that one was typed in full.
        understood_q.text.push(' ');
    }
    let results = index.search(&understood_q).await?;
    // `apply` keeps communes only when it filters by them.
    if results.total > 0 || understood.communes.is_empty() {
        return Ok(Answer {
            results,
            understood,
            place_relaxed: false,
        });
    }
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
    let place_relaxed = relaxed.total > 0;
    Ok(Answer {
        results: if place_relaxed { relaxed } else { results },
        understood,
        place_relaxed,
    })
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
