//! The Meilisearch backend of [`SearchIndex`], for running search as its own service.
//!
//! One Meilisearch index holds listings and cooperatives; a document's primary key `key` is
//! `listing-12` / `cooperative-3` (Meilisearch ids allow `a-z A-Z 0-9 - _`).
//! [`MeiliIndex::connect`] creates the index if it is missing and (re)applies its settings
//! every time, so a deployment converges on the settings of the running code.
//!
//! **Text analysis is Meilisearch's own**, not ours ([`crate::text`]). Its tokenizer (charabia)
//! normalises Latin-script text by compatibility decomposition, lower-casing and removing the
//! non-spacing marks, and maps `đ`/`Đ` to `d`; the same happens to queries. So "gom su" finds
//! "gốm sứ", as with the tantivy backend, but **diacritics cannot rank**: "mật" and "mặt"
//! become the same word `mat` before anything is stored, and Meilisearch's `exactness` rule
//! compares those folded words. Another searchable field with the same text would be folded
//! the same way, so the tantivy backend's bonus for an exact, accented match ("mật" ranks
//! "mật ong" above "mặt nạ") has no equivalent here. English text is not stemmed either
//! (Meilisearch has no stemming; prefix search and typo tolerance cover part of it).
//!
//! **Relevance.** Searchable attributes in order of importance: `title_vi`, `title_en`,
//! `org_name`, `category_names`, `body_vi`, `body_en`. Typos: one from 2 characters on, two
//! from 6 (Vietnamese syllables are short), none in the bodies (as the tantivy backend, which
//! is fuzzy on titles and names only). The bilingual synonyms of `data/search/synonyms.json`
//! are Meilisearch synonyms (one-way: "silk" also searches "lụa"); they count like a direct
//! match, where the tantivy backend scores them a little lower. Like the tantivy backend, a
//! search first requires every word (`matchingStrategy: all`) and, when that finds nothing
//! and the query has several words, retries with `last` (Meilisearch drops words from the
//! end of the query, so the first word stays required: not quite tantivy's "any word").
//!
//! **Sorting** is strict (the `sort` ranking rule comes first): price or date order, then
//! relevance; documents without a price or location come last. With the relevance order,
//! ties go to the newest (custom rule `published_at:desc`), as in the tantivy backend.
//!
//! **Totals** are exact up to [`MAX_TOTAL_HITS`] (Meilisearch's `pagination.maxTotalHits`),
//! which also bounds how deep one can page. **Scores** are Meilisearch's ranking score in
//! 0..=1, not comparable with tantivy's.
//!
//! **No "did you mean"**: Meilisearch has no such API and does not expose its word list, so
//! [`SearchResults::suggestion`] is always `None` (typo tolerance widens searches instead).
//! The star facet counts 3, 4 and 5 stars only.
//!
//! **Writes** wait for their Meilisearch task to finish (up to the task timeout), so they are
//! visible to `search` once they return.

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use meilisearch_sdk::client::Client;
use meilisearch_sdk::documents::DocumentsQuery;
use meilisearch_sdk::errors::{Error as MeiliError, ErrorCode};
use meilisearch_sdk::indexes::Index;
use meilisearch_sdk::search::{MatchingStrategies, SearchResults as MeiliResults, Selectors};
use meilisearch_sdk::settings::{
    FacetingSettings, MinWordSizeForTypos, PaginationSetting, Settings, TypoToleranceSettings,
};
use meilisearch_sdk::task_info::TaskInfo;
use meilisearch_sdk::tasks::Task;
use serde::{Deserialize, Serialize};

use crate::{
    BoxFuture, DocKey, DocKind, Facets, Hit, Result, SearchDoc, SearchError, SearchIndex,
    SearchQuery, SearchResults, Sort, text,
};

/// The primary key of the index.
pub const PRIMARY_KEY: &str = "key";
/// Meilisearch's `pagination.maxTotalHits`: totals are exact up to this many matches, and no
/// page reaches past it.
pub const MAX_TOTAL_HITS: usize = 20_000;
/// How long a write waits for its task by default.
pub const DEFAULT_TASK_TIMEOUT: Duration = Duration::from_secs(120);
/// Documents per request when adding many.
const UPSERT_BATCH: usize = 1_000;
/// Documents per page when listing every key.
const KEYS_PAGE: usize = 1_000;
const TASK_POLL: Duration = Duration::from_millis(25);

const SEARCHABLE: [&str; 6] = [
    "title_vi",
    "title_en",
    "org_name",
    "category_names",
    "body_vi",
    "body_en",
];
const FILTERABLE: [&str; 11] = [
    "kind",
    "offer_kinds",
    "category_id",
    "category_group",
    "commune_code",
    "ocop_stars",
    "certifications",
    "min_price",
    "min_order_qty",
    "months_list",
    "women_managed",
];
const SORTABLE: [&str; 3] = ["min_price", "published_at", "_geo"];
/// `sort` first: an explicit order is strict; relevance ties go to the newest.
const RANKING_RULES: [&str; 7] = [
    "sort",
    "words",
    "typo",
    "proximity",
    "attribute",
    "exactness",
    "published_at:desc",
];
/// Typos are only forgiven in titles, names and category names.
const NO_TYPOS_IN: [&str; 2] = ["body_vi", "body_en"];
const FACETS: [&str; 7] = [
    "kind",
    "offer_kinds",
    "category_group",
    "commune_code",
    "ocop_stars",
    "certifications",
    "women_managed",
];
/// What a hit needs: the bodies stay on the server.
const HIT_FIELDS: [&str; 13] = [
    "key",
    "kind",
    "id",
    "external_id",
    "title_vi",
    "title_en",
    "org_name",
    "org_slug",
    "category_id",
    "min_price",
    "unit",
    "ocop_stars",
    "image",
];
/// Search-as-you-type looks at titles only.
const SUGGEST_ON: [&str; 2] = ["title_vi", "title_en"];

// ---------------------------------------------------------------------------------------
// Compiled-in data: category names and synonyms

#[derive(Deserialize)]
struct SynonymFile {
    synonyms: HashMap<String, Vec<String>>,
}

/// The shared bilingual synonyms, as Meilisearch synonyms (key → what it also means).
fn synonyms() -> HashMap<String, Vec<String>> {
    serde_json::from_str::<SynonymFile>(include_str!("../../../data/search/synonyms.json"))
        .map(|f| f.synonyms)
        .unwrap_or_default()
}

/// Vietnamese and English names of the document's categories and sector.
fn category_names(d: &SearchDoc) -> Vec<String> {
    d.category_names()
        .into_iter()
        .flat_map(|(vi, en)| [vi.to_owned(), en.to_owned()])
        .collect()
}

// ---------------------------------------------------------------------------------------
// Documents

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
struct Geo {
    lat: f64,
    lng: f64,
}

/// A document as stored in Meilisearch.
#[derive(Debug, Clone, Serialize)]
struct MeiliDoc {
    key: String,
    kind: &'static str,
    id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    external_id: Option<String>,
    title_vi: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    title_en: Option<String>,
    body_vi: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    body_en: Option<String>,
    org_name: String,
    org_slug: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    category_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    category_group: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sector: Option<String>,
    category_names: Vec<String>,
    offer_kinds: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    commune_code: Option<String>,
    ocop_stars: u8,
    certifications: Vec<String>,
    /// Absent rather than null, so that price order puts it last.
    #[serde(skip_serializing_if = "Option::is_none")]
    min_price: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    min_order_qty: Option<i64>,
    /// The bit set of [`SearchDoc::months`], kept as is.
    months: u16,
    /// The months in season, 1–12 (what filters use).
    months_list: Vec<u8>,
    women_managed: bool,
    #[serde(rename = "_geo", skip_serializing_if = "Option::is_none")]
    geo: Option<Geo>,
    published_at: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    unit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<String>,
}

/// The primary key of a document: `listing-12`.
pub fn doc_id(key: DocKey) -> String {
    format!("{}-{}", key.kind.as_str(), key.id)
}

fn non_empty(s: &Option<String>) -> Option<String> {
    s.as_deref().filter(|s| !s.is_empty()).map(str::to_owned)
}

impl MeiliDoc {
    fn from_doc(d: &SearchDoc) -> Result<MeiliDoc> {
        let key = d
            .key
            .ok_or_else(|| SearchError::Index("document without key".into()))?;
        let geo = match (d.lat, d.lon) {
            (Some(lat), Some(lng)) if lat.is_finite() && lng.is_finite() => Some(Geo { lat, lng }),
            _ => None,
        };
        Ok(MeiliDoc {
            key: doc_id(key),
            kind: key.kind.as_str(),
            id: key.id,
            external_id: d.external_id.clone(),
            title_vi: d.title_vi.clone(),
            title_en: non_empty(&d.title_en),
            body_vi: d.body_vi.clone(),
            body_en: non_empty(&d.body_en),
            org_name: d.org_name.clone(),
            org_slug: d.org_slug.clone(),
            category_id: non_empty(&d.category_id),
            category_group: non_empty(&d.category_group),
            sector: non_empty(&d.sector),
            category_names: category_names(d),
            offer_kinds: d.offer_kinds.clone(),
            commune_code: non_empty(&d.commune_code),
            ocop_stars: d.ocop_stars,
            certifications: d.certifications.clone(),
            min_price: d.min_price,
            min_order_qty: d.min_order_qty,
            months: d.months,
            months_list: (1..=12u8)
                .filter(|m| d.months & (1 << (m - 1)) != 0)
                .collect(),
            women_managed: d.women_managed,
            geo,
            published_at: d.published_at,
            unit: d.unit.clone(),
            image: d.image.clone(),
        })
    }
}

/// The fields of a hit ([`HIT_FIELDS`]).
#[derive(Debug, Deserialize)]
struct HitDoc {
    kind: String,
    id: i64,
    #[serde(default)]
    external_id: Option<String>,
    #[serde(default)]
    title_vi: String,
    #[serde(default)]
    title_en: Option<String>,
    #[serde(default)]
    org_name: String,
    #[serde(default)]
    org_slug: String,
    #[serde(default)]
    category_id: Option<String>,
    #[serde(default)]
    min_price: Option<i64>,
    #[serde(default)]
    unit: Option<String>,
    #[serde(default)]
    ocop_stars: u8,
    #[serde(default)]
    image: Option<String>,
}

#[derive(Debug, Deserialize)]
struct KeyDoc {
    kind: String,
    id: i64,
}

fn doc_key(kind: &str, id: i64) -> Result<DocKey> {
    let kind = DocKind::parse(kind)
        .ok_or_else(|| SearchError::Index(format!("stored document of unknown kind {kind:?}")))?;
    Ok(DocKey { kind, id })
}

// ---------------------------------------------------------------------------------------
// Queries

/// `"value"` for a filter expression: backslashes and double quotes escaped.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// The Meilisearch filter expression of a query's filters; `None` when it has none.
pub fn filter_expression(q: &SearchQuery) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    if let Some(kind) = q.kind {
        parts.push(format!("kind = {}", quote(kind.as_str())));
    }
    if let Some(v) = &q.offer_kind {
        parts.push(format!("offer_kinds = {}", quote(v)));
    }
    if let Some(v) = &q.category {
        let v = quote(v);
        parts.push(format!("(category_id = {v} OR category_group = {v})"));
    }
    if let Some(v) = &q.commune_code {
        parts.push(format!("commune_code = {}", quote(v)));
    }
    if let Some(n) = q.min_stars.filter(|&n| n > 0) {
        parts.push(format!("ocop_stars >= {n}"));
    }
    if let Some(v) = &q.certification {
        parts.push(format!("certifications = {}", quote(v)));
    }
    if let Some(n) = q.price_min {
        parts.push(format!("min_price >= {n}"));
    }
    if let Some(n) = q.price_max {
        parts.push(format!("min_price <= {n}"));
    }
    if let Some(n) = q.max_min_order {
        parts.push(format!("min_order_qty <= {n}"));
    }
    if let Some(m) = q.in_season.filter(|m| (1..=12).contains(m)) {
        parts.push(format!("months_list = {m}"));
    }
    if q.women_managed {
        parts.push("women_managed = true".to_owned());
    }
    (!parts.is_empty()).then(|| parts.join(" AND "))
}

/// The Meilisearch sort of a query (empty: relevance).
pub fn sort_expression(sort: Sort) -> Vec<String> {
    match sort {
        Sort::Relevance => Vec::new(),
        Sort::PriceAsc => vec!["min_price:asc".into(), "published_at:desc".into()],
        Sort::PriceDesc => vec!["min_price:desc".into(), "published_at:desc".into()],
        Sort::Newest => vec!["published_at:desc".into()],
        Sort::Distance { lat, lon } if lat.is_finite() && lon.is_finite() => {
            vec![format!("_geoPoint({lat}, {lon}):asc")]
        }
        Sort::Distance { .. } => Vec::new(),
    }
}

/// The query text as the tantivy backend sees it: its syllables ([`text::for_each_syllable`]
/// on the NFC text: runs of letters and digits, lower case), separated by one space, and a
/// trailing space when the text does not end inside a word (the last word is then complete,
/// not a prefix). This also keeps Meilisearch's operators (`"phrase"`, `-word`) out of
/// visitors' queries.
pub fn clean_text(query: &str) -> String {
    let normalized = text::nfc(query);
    let mut out = String::with_capacity(normalized.len() + 1);
    text::for_each_syllable(&normalized, false, |_, _, syllable| {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(syllable);
    });
    let typing = normalized
        .chars()
        .last()
        .is_some_and(|c| c.is_alphanumeric() || unicode_normalization::char::is_combining_mark(c));
    if !typing && !out.is_empty() {
        out.push(' ');
    }
    out
}

/// Results per page when the query asks for 0, and the most it may ask for.
fn effective_limit(limit: usize) -> usize {
    match limit {
        0 => crate::DEFAULT_LIMIT,
        n => n.min(crate::MAX_LIMIT),
    }
}

fn sorted_counts(m: Option<&HashMap<String, usize>>) -> Vec<(String, u64)> {
    let mut v: Vec<(String, u64)> = m
        .into_iter()
        .flatten()
        .filter(|(k, n)| !k.is_empty() && **n > 0)
        .map(|(k, &n)| (k.clone(), n as u64))
        .collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

/// [`Facets`] from Meilisearch's facet distribution (same order as the tantivy backend:
/// most documents first).
fn facets_of(dist: Option<&HashMap<String, HashMap<String, usize>>>) -> Facets {
    let get = |name: &str| dist.and_then(|d| d.get(name));
    let mut stars: Vec<(u8, u64)> = get("ocop_stars")
        .into_iter()
        .flatten()
        .filter_map(|(k, &n)| {
            // Numbers come back as strings ("4", or "4.0" from some versions).
            let s = k.parse::<u8>().ok().or_else(|| {
                k.parse::<f64>()
                    .ok()
                    .filter(|f| f.fract() == 0.0 && (0.0..=255.0).contains(f))
                    .map(|f| f as u8)
            })?;
            ((3..=5).contains(&s) && n > 0).then_some((s, n as u64))
        })
        .collect();
    stars.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Facets {
        kind: sorted_counts(get("kind")),
        offer_kind: sorted_counts(get("offer_kinds")),
        category: sorted_counts(get("category_group")),
        commune: sorted_counts(get("commune_code")),
        stars,
        certification: sorted_counts(get("certifications")),
        women_managed: get("women_managed")
            .and_then(|m| m.get("true"))
            .map_or(0, |&n| n as u64),
    }
}

fn hits_of(results: MeiliResults<HitDoc>) -> Result<Vec<Hit>> {
    results
        .hits
        .into_iter()
        .map(|h| {
            let d = h.result;
            Ok(Hit {
                key: doc_key(&d.kind, d.id)?,
                external_id: d.external_id,
                title_vi: d.title_vi,
                title_en: d.title_en,
                org_name: d.org_name,
                org_slug: d.org_slug,
                category_id: d.category_id,
                min_price: d.min_price,
                unit: d.unit,
                ocop_stars: d.ocop_stars,
                image: d.image,
                score: h.ranking_score.unwrap_or(0.0) as f32,
            })
        })
        .collect()
}

/// One search request: hits for the page and, when asked, the facets and total.
struct Request<'q> {
    text: &'q str,
    filter: Option<&'q str>,
    sort: &'q [&'q str],
    strategy: MatchingStrategies,
    search_on: Option<&'q [&'q str]>,
}

type MeiliQuery<'a> = meilisearch_sdk::search::SearchQuery<'a, meilisearch_sdk::DefaultHttpClient>;

impl<'a> Request<'a> {
    fn query(&self, index: &'a Index) -> MeiliQuery<'a> {
        let mut query = index.search();
        query
            .with_query(self.text)
            .with_matching_strategy(self.strategy.clone())
            .with_attributes_to_retrieve(Selectors::Some(&HIT_FIELDS))
            .with_show_ranking_score(true);
        if let Some(filter) = self.filter {
            query.with_filter(filter);
        }
        if !self.sort.is_empty() {
            query.with_sort(self.sort);
        }
        if let Some(on) = self.search_on {
            query.with_attributes_to_search_on(on);
        }
        query
    }

    /// The request for one page of hits: page mode (exact total, and the facets when asked)
    /// when `offset` is a multiple of `limit`, else offset/limit mode without facets.
    fn page_query(
        &self,
        index: &'a Index,
        limit: usize,
        offset: usize,
        facets: bool,
    ) -> MeiliQuery<'a> {
        let mut query = self.query(index);
        if offset.is_multiple_of(limit) {
            query
                .with_hits_per_page(limit)
                .with_page(offset / limit + 1);
            if facets {
                query.with_facets(Selectors::Some(&FACETS));
            }
        } else {
            query.with_offset(offset).with_limit(limit);
        }
        query
    }

    /// The request for the exact total (and the facets when asked), without hits.
    fn count_query(&self, index: &'a Index, facets: bool) -> MeiliQuery<'a> {
        let mut query = self.query(index);
        query.with_hits_per_page(0).with_page(1);
        if facets {
            query.with_facets(Selectors::Some(&FACETS));
        }
        query
    }
}

fn total_of<T>(results: &MeiliResults<T>) -> u64 {
    results
        .total_hits
        .or(results.estimated_total_hits)
        .unwrap_or(0) as u64
}

// ---------------------------------------------------------------------------------------
// Errors

fn is_unavailable(e: &MeiliError) -> bool {
    match e {
        // The SDK's HTTP client failed: no connection, timeout, broken body.
        MeiliError::HttpError(_) => true,
        // A proxy in front of Meilisearch (502/503/504), or Meilisearch without an answer.
        MeiliError::MeilisearchCommunication(c) => c.status_code >= 500,
        // Its task queue did not get to our write in time.
        MeiliError::Timeout => true,
        _ => false,
    }
}

fn meili_err(e: MeiliError) -> SearchError {
    if is_unavailable(&e) {
        SearchError::Unavailable(format!("meilisearch: {e}"))
    } else {
        SearchError::Index(format!("meilisearch: {e}"))
    }
}

fn is_code(e: &MeiliError, code: ErrorCode) -> bool {
    matches!(e, MeiliError::Meilisearch(m) if m.error_code == code)
}

// ---------------------------------------------------------------------------------------
// The index

/// A Meilisearch index behind the [`SearchIndex`] trait. Cheap to clone.
#[derive(Clone)]
pub struct MeiliIndex {
    client: Client,
    index: Index,
    url: String,
    index_name: String,
    task_timeout: Duration,
}

/// Never shows the API key.
impl fmt::Debug for MeiliIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MeiliIndex")
            .field("url", &self.url)
            .field("index_name", &self.index_name)
            .field("task_timeout", &self.task_timeout)
            .finish_non_exhaustive()
    }
}

impl MeiliIndex {
    /// Connects to the Meilisearch server at `url` (`http://127.0.0.1:7700`), creates the index
    /// `index_name` if it is missing and applies the settings (waiting for both).
    ///
    /// `Unavailable` when the server cannot be reached; `Index` when it refuses (bad key, an
    /// existing index with another primary key, invalid name, …).
    pub async fn connect(url: &str, key: Option<&str>, index_name: &str) -> Result<MeiliIndex> {
        Self::connect_with_timeout(url, key, index_name, DEFAULT_TASK_TIMEOUT).await
    }

    /// [`connect`](Self::connect), waiting at most `task_timeout` for each write task.
    pub async fn connect_with_timeout(
        url: &str,
        key: Option<&str>,
        index_name: &str,
        task_timeout: Duration,
    ) -> Result<MeiliIndex> {
        let url = url.trim_end_matches('/').to_owned();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(SearchError::Index(format!(
                "meilisearch URL must start with http:// or https://, got {url:?}"
            )));
        }
        // The SDK panics on a key that is not a valid header value: refuse it here instead.
        let key = key.filter(|k| !k.is_empty());
        if key.is_some_and(|k| !k.chars().all(|c| c == '\t' || (' '..='~').contains(&c))) {
            return Err(SearchError::Index(
                "meilisearch API key has characters that cannot be sent".into(),
            ));
        }
        let client = Client::new(url.clone(), key).map_err(meili_err)?;
        let index = match client.get_index(index_name).await {
            Ok(index) => index,
            Err(e) if is_code(&e, ErrorCode::IndexNotFound) => {
                let task = client
                    .create_index(index_name, Some(PRIMARY_KEY))
                    .await
                    .map_err(meili_err)?;
                match wait_task(&client, task, task_timeout).await? {
                    // Someone else created it meanwhile: fine.
                    Task::Failed { content }
                        if content.error.error_code == ErrorCode::IndexAlreadyExists => {}
                    task => check(task)?,
                }
                client.get_index(index_name).await.map_err(meili_err)?
            }
            Err(e) => return Err(meili_err(e)),
        };
        match index.primary_key.as_deref() {
            None | Some(PRIMARY_KEY) => {}
            Some(other) => {
                return Err(SearchError::Index(format!(
                    "meilisearch index {index_name:?} has primary key {other:?}, not {PRIMARY_KEY:?}"
                )));
            }
        }
        let this = MeiliIndex {
            client,
            index,
            url,
            index_name: index_name.to_owned(),
            task_timeout,
        };
        this.apply_settings().await?;
        Ok(this)
    }

    pub fn index_name(&self) -> &str {
        &self.index_name
    }

    /// The settings this backend relies on.
    pub fn settings() -> Settings {
        Settings::new()
            .with_searchable_attributes(SEARCHABLE)
            .with_filterable_attributes(FILTERABLE)
            .with_sortable_attributes(SORTABLE)
            .with_ranking_rules(RANKING_RULES)
            .with_synonyms(synonyms())
            .with_typo_tolerance(TypoToleranceSettings {
                enabled: Some(true),
                disable_on_attributes: Some(NO_TYPOS_IN.map(str::to_owned).to_vec()),
                disable_on_words: Some(Vec::new()),
                min_word_size_for_typos: Some(MinWordSizeForTypos {
                    one_typo: Some(2),
                    two_typos: Some(6),
                }),
                disable_on_numbers: None,
            })
            .with_pagination(PaginationSetting {
                max_total_hits: MAX_TOTAL_HITS,
            })
            .with_faceting(FacetingSettings {
                max_values_per_facet: 1_000,
                sort_facet_values_by: None,
            })
    }

    /// Applies [`settings`](Self::settings) and waits until Meilisearch has re-indexed.
    pub async fn apply_settings(&self) -> Result<()> {
        let task = self
            .index
            .set_settings(&Self::settings())
            .await
            .map_err(meili_err)?;
        self.wait(task).await
    }

    /// Deletes the whole Meilisearch index (tests, or a rebuild under a new name).
    pub async fn delete_index(&self) -> Result<()> {
        let task = self
            .client
            .delete_index(&self.index_name)
            .await
            .map_err(meili_err)?;
        self.wait(task).await
    }

    async fn wait(&self, task: TaskInfo) -> Result<()> {
        wait(&self.client, task, self.task_timeout).await
    }

    async fn upsert_docs(&self, docs: Vec<SearchDoc>) -> Result<()> {
        if docs.is_empty() {
            return Ok(());
        }
        let docs = docs
            .iter()
            .map(MeiliDoc::from_doc)
            .collect::<Result<Vec<_>>>()?;
        // Enqueue every batch, then wait for each: Meilisearch runs them in order.
        let mut tasks = Vec::new();
        for batch in docs.chunks(UPSERT_BATCH) {
            tasks.push(
                self.index
                    .add_or_replace(batch, Some(PRIMARY_KEY))
                    .await
                    .map_err(meili_err)?,
            );
        }
        for task in tasks {
            self.wait(task).await?;
        }
        Ok(())
    }

    async fn delete_docs(&self, keys: Vec<DocKey>) -> Result<()> {
        if keys.is_empty() {
            return Ok(());
        }
        let ids: Vec<String> = keys.into_iter().map(doc_id).collect();
        let task = self.index.delete_documents(&ids).await.map_err(meili_err)?;
        self.wait(task).await
    }

    async fn clear_docs(&self) -> Result<()> {
        let task = self.index.delete_all_documents().await.map_err(meili_err)?;
        self.wait(task).await
    }

    async fn all_keys(&self) -> Result<Vec<DocKey>> {
        let mut keys = Vec::new();
        let mut offset = 0;
        loop {
            let mut query = DocumentsQuery::new(&self.index);
            query
                .with_fields(["kind", "id"])
                .with_limit(KEYS_PAGE)
                .with_offset(offset);
            let page = query.execute::<KeyDoc>().await.map_err(meili_err)?;
            let n = page.results.len();
            for d in page.results {
                keys.push(doc_key(&d.kind, d.id)?);
            }
            offset += n;
            if n < KEYS_PAGE || offset >= page.total as usize {
                break;
            }
        }
        keys.sort();
        keys.dedup();
        Ok(keys)
    }

    /// Runs one search: `(total, hits, facets)`, with facets only when `facets`.
    ///
    /// When `offset` is a multiple of `limit` (the usual paging), one request in page mode
    /// returns the exact total. Otherwise hits come from an offset/limit request and the
    /// total and facets from a second one without hits (offset/limit mode only estimates).
    async fn run(
        &self,
        r: &Request<'_>,
        limit: usize,
        offset: usize,
        facets: bool,
    ) -> Result<(u64, Vec<Hit>, Facets)> {
        let query = r.page_query(&self.index, limit, offset, facets);
        let results = query.execute::<HitDoc>().await.map_err(meili_err)?;
        if offset.is_multiple_of(limit) {
            let total = total_of(&results);
            let facets = facets_of(results.facet_distribution.as_ref());
            return Ok((total, hits_of(results)?, facets));
        }
        let hits = hits_of(results)?;
        let count = r.count_query(&self.index, facets);
        let counted = count.execute::<HitDoc>().await.map_err(meili_err)?;
        Ok((
            total_of(&counted),
            hits,
            facets_of(counted.facet_distribution.as_ref()),
        ))
    }

    async fn search_docs(&self, q: &SearchQuery) -> Result<SearchResults> {
        let limit = effective_limit(q.limit);
        let text = clean_text(&q.text);
        let filter = filter_expression(q);
        let sort_owned = sort_expression(q.sort);
        let sort: Vec<&str> = sort_owned.iter().map(String::as_str).collect();
        let mut request = Request {
            text: &text,
            filter: filter.as_deref(),
            sort: &sort,
            strategy: MatchingStrategies::ALL,
            search_on: None,
        };
        let (mut total, mut hits, mut facets) =
            self.run(&request, limit, q.offset, !q.skip_facets).await?;
        if total == 0 && text.split_whitespace().nth(1).is_some() {
            request.strategy = MatchingStrategies::LAST;
            (total, hits, facets) = self.run(&request, limit, q.offset, !q.skip_facets).await?;
        }
        Ok(SearchResults {
            total,
            hits,
            facets,
            // Meilisearch has no "did you mean": typo tolerance already widens the search,
            // and nothing tells which corrected query would find something.
            suggestion: None,
        })
    }

    async fn suggest_titles(&self, prefix: &str, limit: usize) -> Result<Vec<Hit>> {
        let text = clean_text(prefix);
        if text.trim().is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let request = Request {
            text: &text,
            filter: None,
            sort: &[],
            strategy: MatchingStrategies::ALL,
            search_on: Some(&SUGGEST_ON),
        };
        let (_, hits, _) = self
            .run(&request, limit.min(crate::MAX_LIMIT), 0, false)
            .await?;
        Ok(hits)
    }
}

/// Waits until a task has finished (`Unavailable` when it takes longer than `timeout`).
async fn wait_task(client: &Client, task: TaskInfo, timeout: Duration) -> Result<Task> {
    task.wait_for_completion(client, Some(TASK_POLL), Some(timeout))
        .await
        .map_err(meili_err)
}

/// Waits for a task; a failed task is an `Index` error with Meilisearch's message and code.
async fn wait(client: &Client, task: TaskInfo, timeout: Duration) -> Result<()> {
    check(wait_task(client, task, timeout).await?)
}

/// `Ok` for a task that succeeded.
fn check(task: Task) -> Result<()> {
    match task {
        Task::Succeeded { .. } => Ok(()),
        Task::Failed { content } => Err(SearchError::Index(format!(
            "meilisearch task {} failed: {} ({})",
            content.task.uid,
            content.error.error_message,
            serde_json::to_value(&content.error.error_code)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_else(|| format!("{:?}", content.error.error_code)),
        ))),
        Task::Enqueued { .. } | Task::Processing { .. } => Err(SearchError::Unavailable(
            "meilisearch task did not finish in time".into(),
        )),
    }
}

impl SearchIndex for MeiliIndex {
    fn upsert<'a>(&'a self, docs: Vec<SearchDoc>) -> BoxFuture<'a, Result<()>> {
        Box::pin(self.upsert_docs(docs))
    }

    fn delete<'a>(&'a self, keys: Vec<DocKey>) -> BoxFuture<'a, Result<()>> {
        Box::pin(self.delete_docs(keys))
    }

    fn clear(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.clear_docs())
    }

    /// Never offers a [`SearchResults::suggestion`]: Meilisearch has no "did you mean" API.
    fn search<'a>(&'a self, q: &'a SearchQuery) -> BoxFuture<'a, Result<SearchResults>> {
        Box::pin(self.search_docs(q))
    }

    fn keys(&self) -> BoxFuture<'_, Result<Vec<DocKey>>> {
        Box::pin(self.all_keys())
    }

    /// Titles (Vietnamese or English) containing every word, the last one as a prefix.
    fn suggest<'a>(&'a self, prefix: &'a str, limit: usize) -> BoxFuture<'a, Result<Vec<Hit>>> {
        Box::pin(self.suggest_titles(prefix, limit))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_escapes_quotes_and_backslashes() {
        assert_eq!(quote("gom-su"), r#""gom-su""#);
        assert_eq!(quote(r#"a"b\c"#), r#""a\"b\\c""#);
    }

    #[test]
    fn filters_follow_the_query() {
        assert_eq!(filter_expression(&SearchQuery::default()), None);
        let q = SearchQuery {
            kind: Some(DocKind::Listing),
            offer_kind: Some("wholesale".into()),
            category: Some("gom-su".into()),
            commune_code: Some("00004".into()),
            min_stars: Some(4),
            certification: Some("vietgap".into()),
            price_min: Some(10_000),
            price_max: Some(500_000),
            max_min_order: Some(50),
            in_season: Some(6),
            women_managed: true,
            ..SearchQuery::default()
        };
        assert_eq!(
            filter_expression(&q).as_deref(),
            Some(
                "kind = \"listing\" AND offer_kinds = \"wholesale\" AND \
                 (category_id = \"gom-su\" OR category_group = \"gom-su\") AND \
                 commune_code = \"00004\" AND ocop_stars >= 4 AND \
                 certifications = \"vietgap\" AND min_price >= 10000 AND \
                 min_price <= 500000 AND min_order_qty <= 50 AND months_list = 6 AND \
                 women_managed = true"
            )
        );
        let q = SearchQuery {
            in_season: Some(13),
            min_stars: Some(0),
            ..SearchQuery::default()
        };
        assert_eq!(filter_expression(&q), None);
    }

    #[test]
    fn sorts() {
        assert!(sort_expression(Sort::Relevance).is_empty());
        assert_eq!(
            sort_expression(Sort::PriceAsc),
            ["min_price:asc", "published_at:desc"]
        );
        assert_eq!(sort_expression(Sort::Newest), ["published_at:desc"]);
        assert_eq!(
            sort_expression(Sort::Distance {
                lat: 21.0285,
                lon: 105.8542
            }),
            ["_geoPoint(21.0285, 105.8542):asc"]
        );
        assert!(
            sort_expression(Sort::Distance {
                lat: f64::NAN,
                lon: 1.0
            })
            .is_empty()
        );
    }

    #[test]
    fn query_text_keeps_words_only() {
        assert_eq!(clean_text("Gốm sứ"), "gốm sứ");
        assert_eq!(clean_text("go\u{302}\u{301}m su\u{31b}\u{301}"), "gốm sứ");
        assert_eq!(clean_text("  \"khăn -lụa\"  "), "khăn lụa ");
        assert_eq!(clean_text("bát "), "bát ");
        assert_eq!(clean_text("?!"), "");
    }

    #[test]
    fn documents_carry_names_months_and_location() {
        let d = SearchDoc {
            key: Some(DocKey {
                kind: DocKind::Listing,
                id: 12,
            }),
            title_vi: "Bình gốm men lam".into(),
            title_en: Some(String::new()),
            category_id: Some("gom-su".into()),
            category_group: Some("thu-cong".into()),
            months: 0b1000_0000_0001,
            lat: Some(21.0),
            lon: Some(105.8),
            ..SearchDoc::default()
        };
        let m = MeiliDoc::from_doc(&d).expect("document");
        assert_eq!(m.key, "listing-12");
        assert_eq!(m.months_list, [1, 12]);
        assert_eq!(m.title_en, None);
        assert!(m.category_names.iter().any(|n| n == "Gốm sứ"));
        assert!(m.category_names.iter().any(|n| n == "Handicrafts"));
        let json = serde_json::to_value(&m).expect("json");
        assert_eq!(json["_geo"]["lng"], 105.8);
        assert!(json.get("min_price").is_none());
        assert!(MeiliDoc::from_doc(&SearchDoc::default()).is_err());
    }

    #[test]
    fn facets_from_distribution() {
        let mut dist: HashMap<String, HashMap<String, usize>> = HashMap::new();
        dist.insert(
            "ocop_stars".into(),
            [("0", 7), ("3", 2), ("4", 5), ("5.0", 1)]
                .into_iter()
                .map(|(k, n)| (k.to_owned(), n))
                .collect(),
        );
        dist.insert(
            "women_managed".into(),
            [("true".to_owned(), 4), ("false".to_owned(), 9)].into(),
        );
        dist.insert(
            "commune_code".into(),
            [
                ("b".to_owned(), 2),
                ("a".to_owned(), 2),
                ("c".to_owned(), 3),
            ]
            .into(),
        );
        let f = facets_of(Some(&dist));
        assert_eq!(f.stars, [(4, 5), (3, 2), (5, 1)]);
        assert_eq!(f.women_managed, 4);
        assert_eq!(
            f.commune,
            [
                ("c".to_owned(), 3),
                ("a".to_owned(), 2),
                ("b".to_owned(), 2)
            ]
        );
        assert!(f.kind.is_empty());
    }

    #[test]
    fn search_requests() {
        let client = Client::new("http://127.0.0.1:9", None::<&str>).expect("client");
        let index = client.index("t");
        let sort = ["min_price:asc"];
        let r = Request {
            text: "khăn lụa",
            filter: Some("kind = \"listing\""),
            sort: &sort,
            strategy: MatchingStrategies::ALL,
            search_on: None,
        };
        let body = serde_json::to_value(r.page_query(&index, 20, 40, true)).expect("json");
        assert_eq!(body["q"], "khăn lụa");
        assert_eq!(body["filter"], "kind = \"listing\"");
        assert_eq!(body["sort"][0], "min_price:asc");
        assert_eq!(body["matchingStrategy"], "all");
        assert_eq!(body["page"], 3);
        assert_eq!(body["hitsPerPage"], 20);
        assert_eq!(body["facets"].as_array().map(Vec::len), Some(FACETS.len()));
        assert_eq!(body["showRankingScore"], true);
        assert_eq!(
            body["attributesToRetrieve"].as_array().map(Vec::len),
            Some(HIT_FIELDS.len())
        );
        assert!(body.get("offset").is_none());

        let body = serde_json::to_value(r.page_query(&index, 20, 5, true)).expect("json");
        assert_eq!(
            (body["offset"].as_u64(), body["limit"].as_u64()),
            (Some(5), Some(20))
        );
        assert!(body.get("facets").is_none() && body.get("page").is_none());
        let body = serde_json::to_value(r.count_query(&index, true)).expect("json");
        assert_eq!(
            (body["page"].as_u64(), body["hitsPerPage"].as_u64()),
            (Some(1), Some(0))
        );
        assert!(body.get("facets").is_some());
    }

    #[test]
    fn debug_hides_the_key() {
        let client = Client::new("http://127.0.0.1:9", Some("s3cret-key")).expect("client");
        let m = MeiliIndex {
            index: client.index("t"),
            client,
            url: "http://127.0.0.1:9".into(),
            index_name: "t".into(),
            task_timeout: DEFAULT_TASK_TIMEOUT,
        };
        assert!(!format!("{m:?}").contains("s3cret"));
    }

    #[test]
    fn settings_carry_the_synonyms() {
        let s = MeiliIndex::settings();
        let synonyms = s.synonyms.expect("synonyms");
        assert!(
            synonyms
                .get("silk")
                .is_some_and(|v| v.iter().any(|s| s == "lụa"))
        );
        assert_eq!(s.searchable_attributes.as_deref().map(<[_]>::len), Some(6));
    }
}
