//! [`Answers`]: an answer cache for a search server (Meilisearch), keyed by the indexer's
//! position.
//!
//! The embedded index keys its own cache by its commit generation; a search server's index
//! changes in another process (the worker), so this process learns how far the index has
//! come from the indexer's position in the database ([`Answers::set_position`], which the
//! serving process refreshes every second), and from its own writes through this wrapper.
//! An answer is kept under both: once the indexer has applied a change, a search asked
//! after the next refresh is answered anew. A change that moves neither (a rebuild by
//! another process into the same index) is seen when the answer leaves the cache: after
//! [`ANSWER_TTL`] at most.

use std::fmt::Display;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::{BoxFuture, DocKey, Hit, Result, SearchDoc, SearchIndex, SearchQuery, SearchResults};

/// The longest an answer is kept, whatever the positions say.
pub const ANSWER_TTL: Duration = Duration::from_secs(60);

/// Search answers kept by the version of the index they were computed on (the embedded
/// index's commit generation, or a search server's indexer position) and the query.
pub(crate) struct AnswerCache(moka::sync::Cache<String, Arc<SearchResults>>);

impl AnswerCache {
    /// Up to `entries` answers, each kept while asked within `idle`.
    pub(crate) fn kept_while_asked(entries: u64, idle: Duration) -> Self {
        AnswerCache(
            moka::sync::Cache::builder()
                .max_capacity(entries)
                .time_to_idle(idle)
                .build(),
        )
    }

    /// Up to `entries` answers, each kept `live` at most.
    pub(crate) fn kept_for(entries: u64, live: Duration) -> Self {
        AnswerCache(
            moka::sync::Cache::builder()
                .max_capacity(entries)
                .time_to_live(live)
                .build(),
        )
    }

    /// The answer to `q` on the index at `version`: kept, or from `search` (then kept).
    pub(crate) async fn answer(
        &self,
        version: impl Display,
        q: &SearchQuery,
        search: impl Future<Output = Result<SearchResults>>,
    ) -> Result<SearchResults> {
        let key = format!("{version}\u{1f}{q:?}");
        if let Some(answer) = self.0.get(&key) {
            return Ok(SearchResults::clone(&answer));
        }
        let answer = search.await?;
        self.0.insert(key, Arc::new(answer.clone()));
        Ok(answer)
    }
}

/// A search index whose answers are kept (see the module's documentation).
pub struct Answers {
    inner: Arc<dyn SearchIndex>,
    /// The indexer's position, as last read from the database.
    position: AtomicU64,
    /// Writes through this wrapper.
    writes: AtomicU64,
    answers: AnswerCache,
}

impl std::fmt::Debug for Answers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Answers")
            .field("inner", &self.inner)
            .field("position", &self.position.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl Answers {
    /// Keeps up to `entries` answers of `inner`.
    pub fn new(inner: Arc<dyn SearchIndex>, entries: u64) -> Self {
        Answers {
            inner,
            position: AtomicU64::new(0),
            writes: AtomicU64::new(0),
            answers: AnswerCache::kept_for(entries, ANSWER_TTL),
        }
    }

    /// Records how far the indexer has applied the changes (its position in the database).
    pub fn set_position(&self, position: u64) {
        self.position.store(position, Ordering::Release);
    }

    /// The index's version as this process knows it.
    fn version(&self) -> String {
        format!(
            "{}\u{1f}{}",
            self.position.load(Ordering::Acquire),
            self.writes.load(Ordering::Acquire)
        )
    }

    /// Runs `write`, then makes every answer kept so far old.
    async fn written(&self, write: BoxFuture<'_, Result<()>>) -> Result<()> {
        let result = write.await;
        self.writes.fetch_add(1, Ordering::AcqRel);
        result
    }
}

impl SearchIndex for Answers {
    fn upsert<'a>(&'a self, docs: Vec<SearchDoc>) -> BoxFuture<'a, Result<()>> {
        Box::pin(self.written(self.inner.upsert(docs)))
    }

    fn upsert_queued<'a>(&'a self, docs: Vec<SearchDoc>) -> BoxFuture<'a, Result<()>> {
        Box::pin(self.written(self.inner.upsert_queued(docs)))
    }

    fn delete<'a>(&'a self, keys: Vec<DocKey>) -> BoxFuture<'a, Result<()>> {
        Box::pin(self.written(self.inner.delete(keys)))
    }

    fn clear(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.written(self.inner.clear()))
    }

    fn search<'a>(&'a self, q: &'a SearchQuery) -> BoxFuture<'a, Result<SearchResults>> {
        Box::pin(self.answers.answer(self.version(), q, self.inner.search(q)))
    }

    fn keys(&self) -> BoxFuture<'_, Result<Vec<DocKey>>> {
        self.inner.keys()
    }

    fn suggest<'a>(&'a self, prefix: &'a str, limit: usize) -> BoxFuture<'a, Result<Vec<Hit>>> {
        self.inner.suggest(prefix, limit)
    }

    fn count(&self) -> BoxFuture<'_, Result<Option<u64>>> {
        self.inner.count()
    }

    fn health(&self) -> BoxFuture<'_, Result<()>> {
        self.inner.health()
    }

    fn optimize(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.written(self.inner.optimize()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::tantivy_index::TantivyIndex;
    use crate::{DocKind, SearchDoc};

    fn doc(id: i64, title: &str) -> SearchDoc {
        SearchDoc {
            key: Some(DocKey {
                kind: DocKind::Listing,
                id,
            }),
            title_vi: title.into(),
            org_name: "HTX".into(),
            ..SearchDoc::default()
        }
    }

    fn query(text: &str) -> SearchQuery {
        SearchQuery {
            text: text.into(),
            ..SearchQuery::default()
        }
    }

    /// Answers are kept until the indexer's position moves or a write goes through the
    /// wrapper; a change that moves neither is not seen (until the answer expires).
    #[tokio::test]
    async fn answers_follow_the_position_and_the_writes() {
        // The index underneath, written behind the wrapper's back as another process would.
        let server: Arc<dyn SearchIndex> = Arc::new(TantivyIndex::in_memory().unwrap());
        let answers = Answers::new(Arc::clone(&server), 100);
        server.upsert(vec![doc(1, "Gốm men lam")]).await.unwrap();
        let total = |r: SearchResults| r.total;
        assert_eq!(total(answers.search(&query("gốm")).await.unwrap()), 1);
        server.upsert(vec![doc(2, "Gốm men rạn")]).await.unwrap();
        assert_eq!(
            total(answers.search(&query("gốm")).await.unwrap()),
            1,
            "kept: nothing says the index moved"
        );
        answers.set_position(7);
        assert_eq!(total(answers.search(&query("gốm")).await.unwrap()), 2);
        answers.upsert(vec![doc(3, "Gốm Bát Tràng")]).await.unwrap();
        assert_eq!(total(answers.search(&query("gốm")).await.unwrap()), 3);
        answers.delete(vec![doc(1, "").key.unwrap()]).await.unwrap();
        assert_eq!(total(answers.search(&query("gốm")).await.unwrap()), 2);
    }
}
