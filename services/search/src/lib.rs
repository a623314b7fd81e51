//! The search boundary. One [`SearchIndex`] trait; the embedded tantivy backend and the
//! Meilisearch backend arrive with the search issue and must pass the same contract tests.

/// A listing or organisation as the index sees it: id, and text in both languages.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub id: String,
    pub title_vi: String,
    pub title_en: Option<String>,
    pub body: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search backend unavailable: {0}")]
    Unavailable(String),
}

/// What every search backend offers.
pub trait SearchIndex: Send + Sync {
    fn upsert(&self, docs: &[Document]) -> Result<(), SearchError>;
    fn search(&self, query: &str, limit: usize) -> Result<Vec<String>, SearchError>;
}
