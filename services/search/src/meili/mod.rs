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
//! "gốm sứ", as with the tantivy backend, but "mật" and "mặt" become the same word `mat`.
//! For diacritics to rank, each document also carries its title's and names' syllables in a
//! **marked form** that spells the marks out in ASCII letters no Vietnamese syllable has
//! (`title_marks`, `meta_marks`: "mật" is `mazjjt`, "mặt" `mawjjt`; see `forms::marked`),
//! each followed by its folded form. A query typed with diacritics and sorted by relevance
//! is also sent in that form (searching those fields only) in the same federated
//! multi-search request as the query itself, weighing twice as much: an exact, accented
//! match ranks first ("mật" ranks "mật ong" above "mặt nạ"), and a syllable being typed with
//! its tone mark ranks the words it begins first ("gố": "gốm" before "gỗ"). The marked
//! query's matches are among the query's own, so it changes no total or facet count.
//! **English** is stemmed by us: the Snowball stems (tantivy's stemmer, after irregular
//! plurals) of the English title and category names (`en_stems`) and of the English
//! description (`body_en_stems`) are searched with the text, and a query some of whose words
//! stem differently is also sent stemmed, in the same request ("paintings" finds "painting").
//!
//! **Relevance.** Searchable attributes in order of importance: `title_vi`, `title_en`,
//! `en_stems`, `org_name`, `category_names`, `body_vi`, `body_en`, `body_en_stems`,
//! `craft_names` (an experience's cooperative's crafts, [`SearchDoc::craft_names`], at the
//! description's rank: "trải nghiệm gốm" finds the pottery class of a ceramics
//! cooperative), then the marked forms (searched only by the marked query). Typos: one from 4 letters on, two from
//! 8 (short Vietnamese syllables are one edit from other real ones), in titles only. The
//! bilingual synonyms of `data/search/synonyms.json` are Meilisearch synonyms (one-way:
//! "silk" also searches "lụa"); they count like a direct match, where the tantivy backend
//! scores them a little lower. Like the tantivy backend, a search first requires every word
//! (`matchingStrategy: all`) and, when that does not fill the page (or, sorted by price or
//! date, finds nothing) and the query has several words, relaxes with the same **relevance
//! floor**: a document must have words carrying at least half of the query's weight, a word
//! weighing its inverse document frequency (how many documents each word matches is asked in
//! a multi-search sent at the same time as the first request). The relaxed search is one
//! federated request of a query per subset of the words over the floor (see `relax`), those
//! of more words weighing more, so documents with the most words rank first; a query of
//! more than ten words, or whose subsets would be too many, falls back on Meilisearch's
//! `frequency` strategy, without the floor. A word of at most three letters that no
//! document has (too short for Meilisearch's typo tolerance) is replaced, for the relaxed
//! search, by the spelling one edit from it that the most documents have.
//!
//! **Hints** ([`SearchQuery::prefer_categories`], [`SearchQuery::prefer_stars`]) rank the
//! documents they select first among equally good matches, when sorted by relevance and the
//! text has words: each query of the (then federated) request is sent again, in the same
//! request, under the query's filters and the hint's (`category_id IN [..] OR category_group
//! IN [..]`, `ocop_stars = n`), weighing a little more (5%; a category and a star count
//! named together: 5% for either, about 10% for both); Meilisearch keeps each document once
//! with its best weighted score. Those documents are among the query's own, so totals,
//! facets and paging are the query's.
//!
//! **Sorting** is strict (the `sort` ranking rule comes first): price or date order, then
//! relevance; documents without a price or location come last. With the relevance order,
//! ties go to the newest (custom rule `published_at:desc`), as in the tantivy backend.
//!
//! **Totals** are exact up to [`MAX_TOTAL_HITS`] (Meilisearch's `pagination.maxTotalHits`),
//! which also bounds how deep one can page. **Scores** are Meilisearch's ranking score in
//! 0..=1, not comparable with tantivy's.
//!
//! **Did you mean**: when nothing matched, each word the documents (under the same filters)
//! do not have as written is replaced by the closest spelling they have: a sound-alike
//! spelling or one or two letters left out, then the most documents (one multi-search
//! request of one-word queries; a hit without typos tells that a spelling exists).
//! Meilisearch does not expose its words, so corrections out of that reach (a wrong letter
//! in a short word) are not offered, where the tantivy backend would.
//! The star facet counts 3, 4 and 5 stars only.
//!
//! **Writes** wait for their Meilisearch task to finish (up to the task timeout), so they are
//! visible to `search` once they return.

mod documents;
mod forms;
mod query;
mod relax;
mod search;
mod settings;
mod tasks;

use std::fmt;
use std::time::Duration;

use meilisearch_sdk::client::Client;
use meilisearch_sdk::errors::ErrorCode;
use meilisearch_sdk::indexes::Index;
use meilisearch_sdk::task_info::TaskInfo;
use meilisearch_sdk::tasks::Task;

use crate::{
    BoxFuture, DocKey, Hit, Result, SearchDoc, SearchError, SearchIndex, SearchQuery, SearchResults,
};

pub use documents::doc_id;
pub use query::{clean_text, filter_expression, quote, sort_expression};
use tasks::{check, is_code, meili_err, wait, wait_task};

/// The primary key of the index.
pub const PRIMARY_KEY: &str = "key";
/// Meilisearch's `pagination.maxTotalHits`: totals are exact up to this many matches, and no
/// page reaches past it.
pub const MAX_TOTAL_HITS: usize = 20_000;
/// How long a write waits for its task by default.
pub const DEFAULT_TASK_TIMEOUT: Duration = Duration::from_secs(120);

/// A Meilisearch index behind the [`SearchIndex`] trait. Cheap to clone.
#[derive(Clone)]
pub struct MeiliIndex {
    client: Client,
    index: Index,
    url: String,
    index_name: String,
    task_timeout: Duration,
    /// The writes a bulk rebuild queued and has not yet waited for.
    queued: std::sync::Arc<std::sync::Mutex<Vec<TaskInfo>>>,
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
        let (client, url) = client(url, key)?;
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
            queued: Default::default(),
        };
        this.apply_settings().await?;
        Ok(this)
    }

    /// The index `index_name` on the server at `url`, for searching only: no index is
    /// created and no setting read or written, so a search-only API key does (the process
    /// that writes, `ketnoi worker` or `serve` with its worker, keeps the settings). Fails
    /// `Unavailable` when the server does not answer its health check.
    pub async fn open_for_search(
        url: &str,
        key: Option<&str>,
        index_name: &str,
    ) -> Result<MeiliIndex> {
        let (client, url) = client(url, key)?;
        client.health().await.map_err(meili_err)?;
        Ok(MeiliIndex {
            index: client.index(index_name),
            client,
            url,
            index_name: index_name.to_owned(),
            task_timeout: DEFAULT_TASK_TIMEOUT,
            queued: Default::default(),
        })
    }

    pub fn index_name(&self) -> &str {
        &self.index_name
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
}

/// A client for the server at `url` with `key`, and the URL without its trailing slash.
fn client(url: &str, key: Option<&str>) -> Result<(Client, String)> {
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
    Ok((client, url))
}

impl SearchIndex for MeiliIndex {
    fn upsert<'a>(&'a self, docs: Vec<SearchDoc>) -> BoxFuture<'a, Result<()>> {
        Box::pin(self.upsert_docs(docs))
    }

    fn upsert_queued<'a>(&'a self, docs: Vec<SearchDoc>) -> BoxFuture<'a, Result<()>> {
        Box::pin(self.upsert_docs_queued(docs))
    }

    fn optimize(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.wait_queued())
    }

    fn delete<'a>(&'a self, keys: Vec<DocKey>) -> BoxFuture<'a, Result<()>> {
        Box::pin(self.delete_docs(keys))
    }

    fn clear(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.clear_docs())
    }

    /// Offers a [`SearchResults::suggestion`] when nothing matched (see the module's "Did
    /// you mean").
    fn search<'a>(&'a self, q: &'a SearchQuery) -> BoxFuture<'a, Result<SearchResults>> {
        Box::pin(self.search_docs(q))
    }

    fn keys(&self) -> BoxFuture<'_, Result<Vec<DocKey>>> {
        Box::pin(self.all_keys())
    }

    fn health(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(async {
            self.client.health().await.map_err(meili_err)?;
            Ok(())
        })
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
    fn debug_hides_the_key() {
        let client = Client::new("http://127.0.0.1:9", Some("s3cret-key")).expect("client");
        let m = MeiliIndex {
            index: client.index("t"),
            client,
            url: "http://127.0.0.1:9".into(),
            index_name: "t".into(),
            task_timeout: DEFAULT_TASK_TIMEOUT,
            queued: Default::default(),
        };
        assert!(!format!("{m:?}").contains("s3cret"));
    }

    /// A server that does not answer is "unavailable" (503 and not ready), not an error of
    /// the index (500).
    #[tokio::test]
    async fn a_server_down_is_unavailable() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        drop(listener);
        let client = Client::new(url.clone(), None::<String>).expect("client");
        let m = MeiliIndex {
            index: client.index("t"),
            client,
            url,
            index_name: "t".into(),
            task_timeout: DEFAULT_TASK_TIMEOUT,
            queued: Default::default(),
        };
        assert!(matches!(m.health().await, Err(SearchError::Unavailable(_))));
        assert!(matches!(
            m.search(&SearchQuery {
                text: "gốm".into(),
                ..SearchQuery::default()
            })
            .await,
            Err(SearchError::Unavailable(_))
        ));
    }
}
