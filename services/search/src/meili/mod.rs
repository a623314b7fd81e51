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
//! `org_name`, `category_names`, `body_vi`, `body_en`. Typos: one from 4 letters on, two
//! from 8 (short Vietnamese syllables are one edit from other real ones), in titles only. The bilingual synonyms of `data/search/synonyms.json`
//! are Meilisearch synonyms (one-way: "silk" also searches "lụa"); they count like a direct
//! match, where the tantivy backend scores them a little lower. Like the tantivy backend, a
//! search first requires every word (`matchingStrategy: all`) and, when that does not fill
//! the page and the query has several words, retries with `frequency` (Meilisearch leaves
//! out the most frequent words first, and ranks by words matched: close to tantivy's
//! coverage, without its relevance floor).
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

mod documents;
mod query;
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

    /// Never offers a [`SearchResults::suggestion`]: Meilisearch has no "did you mean" API.
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
