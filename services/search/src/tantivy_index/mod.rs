//! The embedded search backend on [tantivy](https://docs.rs/tantivy).
//!
//! **Two fields per text.** Every text is indexed twice with our own syllable tokenizers
//! (NFC, lower case, split on non-alphanumeric characters): an *exact* field keeps the
//! diacritics, a *folded* field drops them (`đ` → `d`). A query without accents ("gom su
//! bat trang") matches the folded field; a query with accents also matches the exact field,
//! which scores extra, so "mật" ranks "mật ong" above "mặt nạ". English texts are also
//! indexed with tantivy's English stemmer (plus irregular plurals: "scarves" finds "scarf").
//!
//! Texts are grouped in tiers weighted at query time: the Vietnamese title (highest), then
//! "meta" (English title, cooperative name, category and sector names) and the bodies.
//!
//! **Matching.** Per query syllable, a SHOULD group of: the folded term in titles and meta,
//! the English stem, typo terms (titles and meta: sound-alike spellings such as tr/ch, s/x,
//! n/ng that the index knows, and edit-distance-1 neighbours only when the syllable itself is
//! unknown, because Vietnamese syllables are dense) and, for the last syllable while typing, a
//! folded prefix. Searches try, until one finds something: every syllable in titles/meta
//! (MUST); every syllable, descriptions included; any syllable (SHOULD), so documents that
//! match more syllables rank higher. Keeping descriptions out of the first try keeps match
//! sets (and so facet counting and scoring) small on large catalogues.
//!
//! **Scoring** (optional clauses): exact terms of syllables with diacritics (all tiers), the
//! description terms, a title phrase (slop 1) or, while typing, a title phrase-prefix, and
//! adjacent title pairs. Positions are read on titles only: they are the costliest part.
//! Bilingual synonyms (`data/search/synonyms.json`) add alternatives for the query words
//! they cover ("silk scarf" → "khăn lụa"), scored a bit below a direct match. Filters are
//! zero-scoring MUST clauses on raw/numeric fields; facets are counted by one collector
//! reading fast fields in the same pass as `TopDocs` and `Count`.
//!
//! **Writes** go through one `IndexWriter` behind a mutex: each call is one commit followed
//! by a reader reload (`ReloadPolicy::Manual`), so they are visible when the call returns.
//! Blocking work runs in `tokio::task::spawn_blocking` when a runtime is present.

mod analysis;
mod coverage;
mod facets;
mod filters;
mod lazy_union;
mod query;
mod rescore;
mod schema;
mod search;
mod sort;
mod synonyms;
mod typos;
mod unit_cache;
mod writer;

use std::fs;
use std::path::Path;
use std::sync::{Arc, Mutex};

use tantivy::directory::MmapDirectory;
use tantivy::store::Compressor;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Index, IndexReader, IndexSettings, ReloadPolicy, TantivyError};

use crate::{
    BoxFuture, DocKey, Hit, Result, SearchDoc, SearchError, SearchIndex, SearchQuery, SearchResults,
};

use analysis::{TOKENIZER_EN, register_tokenizers};
use schema::{Fields, build_schema};
use typos::TypoCache;

/// Bump when the schema or the analysis changes: an index of another version is rebuilt
/// empty on [`TantivyIndex::open`] (the indexer worker then refills it from the database).
pub const SCHEMA_VERSION: u32 = 4;
const VERSION_FILE: &str = "schema_version";
const INDEX_SUBDIR: &str = "index";
const WRITER_MEMORY_BYTES: usize = 50_000_000;
/// Hits kept (see [`Inner::hits`]): about 300 bytes each.
const HITS_KEPT: u64 = 20_000;
/// The unit cache's size unless configured (see [`TantivyIndex::with_unit_cache`]).
pub const DEFAULT_UNIT_CACHE_BYTES: u64 = 256 << 20;

/// The embedded tantivy index. Cheap to share: clone the `Arc` around it, or share `&self`.
pub struct TantivyIndex {
    inner: Arc<Inner>,
}

/// Searches that may run at once (see [`Inner::searching`]).
fn search_permits() -> usize {
    2 * search_threads()
}

struct Inner {
    typos: Mutex<TypoCache>,
    /// Answers by index generation and query (see [`TantivyIndex::with_result_cache`]).
    results: Option<crate::answers::AnswerCache>,
    /// The matches of query units (see [`unit_cache`] and [`TantivyIndex::with_unit_cache`]).
    units: Option<unit_cache::UnitCache>,
    /// Each segment's facet values, packed (see [`facets::FacetTable`]).
    facet_tables: facets::FacetTables,
    /// Hits shown lately, by segment and document (a segment's documents never change),
    /// so that a popular listing is not read from the store and decoded for every page
    /// that shows it.
    hits: moka::sync::Cache<(tantivy::index::SegmentId, tantivy::DocId), Arc<Hit>>,
    fields: Fields,
    writer: Mutex<writer::Writer>,
    reader: IndexReader,
    en: TextAnalyzer,
    /// Searches beyond [`search_permits`] wait their turn, first come first served (as
    /// Elasticsearch's search thread pool and its queue), instead of all sharing the cores at
    /// once, which would make every one of them slow. The permits in use are also the
    /// searches running now (see [`Inner::executor`]).
    searching: tokio::sync::Semaphore,
    /// Helpers that search a query's other segments while the calling thread searches its
    /// first (none on one core).
    helpers: Option<rayon::ThreadPool>,
}

fn index_err(e: impl std::fmt::Display) -> SearchError {
    SearchError::Index(e.to_string())
}

impl std::fmt::Debug for TantivyIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TantivyIndex")
            .field("schema_version", &SCHEMA_VERSION)
            .finish_non_exhaustive()
    }
}

/// Threads searching one query's segments in parallel: the cores, at most 2.
fn search_threads() -> usize {
    // Read once: `available_parallelism` reads the cgroup files on every call, which cost
    // about 2 % of a query when asked per search.
    static THREADS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *THREADS.get_or_init(|| {
        std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, 2)
    })
}

/// The stored fields (what a hit shows) are kept uncompressed in small blocks: showing 20
/// hits then reads 20 small blocks instead of decompressing 20 blocks of 16 KiB, which was
/// about a tenth of a query's time. The store grows by a few hundred bytes per document.
fn index_settings() -> IndexSettings {
    IndexSettings {
        docstore_compression: Compressor::None,
        docstore_blocksize: 2048,
        ..IndexSettings::default()
    }
}

impl TantivyIndex {
    /// Opens the index in `dir` (created if missing). An index written with another
    /// [`SCHEMA_VERSION`], or that cannot be opened with this schema, is replaced by an
    /// empty one.
    pub fn open(dir: &Path) -> Result<Self> {
        fs::create_dir_all(dir).map_err(index_err)?;
        let version_file = dir.join(VERSION_FILE);
        let index_dir = dir.join(INDEX_SUBDIR);
        let expected = SCHEMA_VERSION.to_string();
        let recorded = fs::read_to_string(&version_file).ok();
        if recorded.as_deref().map(str::trim) != Some(expected.as_str()) && index_dir.exists() {
            fs::remove_dir_all(&index_dir).map_err(index_err)?;
        }
        fs::create_dir_all(&index_dir).map_err(index_err)?;
        let (schema, fields) = build_schema();
        let open = || -> tantivy::Result<Index> {
            Index::builder()
                .schema(schema.clone())
                .settings(index_settings())
                .open_or_create(MmapDirectory::open(&index_dir)?)
        };
        let index = match open() {
            Ok(index) => index,
            Err(
                TantivyError::SchemaError(_)
                | TantivyError::IncompatibleIndex(_)
                | TantivyError::DataCorruption(_),
            ) => {
                fs::remove_dir_all(&index_dir).map_err(index_err)?;
                fs::create_dir_all(&index_dir).map_err(index_err)?;
                open().map_err(index_err)?
            }
            Err(e) => return Err(index_err(e)),
        };
        let tmp = dir.join(format!("{VERSION_FILE}.tmp"));
        fs::write(&tmp, format!("{expected}\n")).map_err(index_err)?;
        fs::rename(&tmp, &version_file).map_err(index_err)?;
        Self::with_index(index, fields)
    }

    /// A new empty index in memory (tests, tools).
    pub fn in_memory() -> Result<Self> {
        let (schema, fields) = build_schema();
        let index = Index::builder()
            .schema(schema)
            .settings(index_settings())
            .create_in_ram()
            .map_err(index_err)?;
        Self::with_index(index, fields)
    }

    fn with_index(index: Index, fields: Fields) -> Result<Self> {
        register_tokenizers(&index);
        // A query's segments are searched in parallel (as Lucene's and Elasticsearch's
        // concurrent segment search): on two cores, a query over two segments answers in
        // about half the time, when it runs alone (see `Inner::executor`).
        let helpers = if search_threads() > 1 {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(search_threads() - 1)
                .thread_name(|i| format!("search-{i}"))
                .build()
                .map_err(index_err)?;
            Some(pool)
        } else {
            None
        };
        let en = index
            .tokenizers()
            .get(TOKENIZER_EN)
            .ok_or_else(|| SearchError::Index("English tokenizer missing".into()))?;
        // Two indexing threads where there are two cores: a rebuild tokenises about twice as
        // fast; small incremental batches do not notice.
        let writer = index
            .writer_with_num_threads(search_threads(), WRITER_MEMORY_BYTES)
            .map_err(index_err)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(index_err)?;
        Ok(TantivyIndex {
            inner: Arc::new(Inner {
                typos: Mutex::new(TypoCache::default()),
                results: None,
                units: Some(unit_cache::UnitCache::new(DEFAULT_UNIT_CACHE_BYTES)),
                facet_tables: facets::FacetTables::default(),
                hits: moka::sync::Cache::builder()
                    .max_capacity(HITS_KEPT)
                    .time_to_idle(std::time::Duration::from_secs(600))
                    .build(),
                fields,
                writer: Mutex::new(writer::Writer {
                    index: writer,
                    bulk: None,
                }),
                reader,
                en,
                searching: tokio::sync::Semaphore::new(search_permits()),
                helpers,
            }),
        })
    }

    /// Keeps up to `entries` answers, keyed by the query and the index generation they were
    /// computed on (0: none). A commit makes a new generation, so an answer is never older
    /// than the index: a changed listing is searchable as soon as it is committed, cache or
    /// not. Popular searches and autocomplete prefixes repeat; this is the equivalent of
    /// Elasticsearch's request cache. Call before sharing the index.
    pub fn with_result_cache(mut self, entries: u64) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.results = (entries > 0).then(|| {
                crate::answers::AnswerCache::kept_while_asked(
                    entries,
                    std::time::Duration::from_secs(600),
                )
            });
        }
        self
    }

    /// Keeps the matches of query units up to `bytes` (0: none; see [`unit_cache`]). Call
    /// before sharing the index.
    pub fn with_unit_cache(mut self, bytes: u64) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.units = (bytes > 0).then(|| unit_cache::UnitCache::new(bytes));
        }
        self
    }

    /// Runs blocking index work off the async runtime's worker threads.
    /// [`Self::blocking`] for a search: waits for a free search thread first.
    async fn searching<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Inner) -> Result<T> + Send + 'static,
    {
        let _permit = self
            .inner
            .searching
            .acquire()
            .await
            .map_err(|e| SearchError::Index(format!("search queue closed: {e}")))?;
        self.blocking(f).await
    }

    async fn blocking<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Inner) -> Result<T> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => handle
                .spawn_blocking(move || f(&inner))
                .await
                .map_err(|e| SearchError::Index(format!("search task failed: {e}")))?,
            Err(_) => f(&inner),
        }
    }
}

impl SearchIndex for TantivyIndex {
    fn upsert<'a>(&'a self, docs: Vec<SearchDoc>) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            if docs.is_empty() {
                return Ok(());
            }
            self.blocking(move |inner| inner.upsert(&docs)).await
        })
    }

    fn upsert_queued<'a>(&'a self, docs: Vec<SearchDoc>) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move { self.blocking(move |inner| inner.queue(&docs)).await })
    }

    fn delete<'a>(&'a self, keys: Vec<DocKey>) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            if keys.is_empty() {
                return Ok(());
            }
            self.blocking(move |inner| inner.delete(&keys)).await
        })
    }

    fn clear(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(async move { self.blocking(|inner| inner.clear()).await })
    }

    fn search<'a>(&'a self, q: &'a SearchQuery) -> BoxFuture<'a, Result<SearchResults>> {
        Box::pin(async move {
            let query = q.clone();
            let search = self.searching(move |inner| inner.search(&query));
            match &self.inner.results {
                Some(cache) => {
                    let generation = self.inner.reader.searcher().generation().generation_id();
                    cache.answer(generation, q, search).await
                }
                None => search.await,
            }
        })
    }

    fn optimize(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.blocking(|inner| inner.optimize()))
    }

    fn keys(&self) -> BoxFuture<'_, Result<Vec<DocKey>>> {
        Box::pin(async move { self.blocking(|inner| inner.keys()).await })
    }

    fn count(&self) -> BoxFuture<'_, Result<Option<u64>>> {
        Box::pin(async move { Ok(Some(self.inner.reader.searcher().num_docs())) })
    }

    fn suggest<'a>(&'a self, prefix: &'a str, limit: usize) -> BoxFuture<'a, Result<Vec<Hit>>> {
        let prefix = prefix.to_owned();
        Box::pin(async move {
            self.searching(move |inner| inner.suggest(&prefix, limit))
                .await
        })
    }
}
