//! Documents as Meilisearch stores them, and the writes that add, delete and list them.

use meilisearch_sdk::documents::DocumentsQuery;
use serde::{Deserialize, Serialize};

use super::forms::{EnglishStemmer, marked_field};
use super::tasks::meili_err;
use super::{MeiliIndex, PRIMARY_KEY};
use crate::{DocKey, DocKind, Result, SearchDoc, SearchError};

/// Documents per request when adding many.
const UPSERT_BATCH: usize = 1_000;
/// Documents per page when listing every key.
const KEYS_PAGE: usize = 1_000;

/// Vietnamese and English names of the document's categories and sector.
fn category_names(d: &SearchDoc) -> Vec<String> {
    d.category_names()
        .into_iter()
        .flat_map(|(vi, en)| [vi.to_owned(), en.to_owned()])
        .collect()
}

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
    /// The title's syllables in their marked form (see [`super::forms::marked`]).
    title_marks: String,
    /// The cooperative's and the categories' Vietnamese names, in marked form.
    meta_marks: String,
    /// The English stems of the English title and category names.
    en_stems: String,
    /// The English stems of the English description.
    #[serde(skip_serializing_if = "Option::is_none")]
    body_en_stems: Option<String>,
    org_name: String,
    org_slug: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    category_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    category_group: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sector: Option<String>,
    category_names: Vec<String>,
    /// Vietnamese and English names of an experience's crafts ([`SearchDoc::craft_names`]),
    /// searched at the description's rank.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    craft_names: Vec<String>,
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
    fn from_doc(d: &SearchDoc, stemmer: &mut EnglishStemmer) -> Result<MeiliDoc> {
        let key = d
            .key
            .ok_or_else(|| SearchError::Index("document without key".into()))?;
        let geo = match (d.lat, d.lon) {
            (Some(lat), Some(lng)) if lat.is_finite() && lng.is_finite() => Some(Geo { lat, lng }),
            _ => None,
        };
        let names = d.category_names();
        let title_en = non_empty(&d.title_en);
        let body_en = non_empty(&d.body_en);
        Ok(MeiliDoc {
            title_marks: marked_field([d.title_vi.as_str()]),
            meta_marks: marked_field(
                std::iter::once(d.org_name.as_str()).chain(names.iter().map(|(vi, _)| *vi)),
            ),
            en_stems: stemmer.field(
                title_en
                    .as_deref()
                    .into_iter()
                    .chain(names.iter().map(|(_, en)| *en)),
            ),
            body_en_stems: body_en.as_deref().map(|b| stemmer.field([b])),
            key: doc_id(key),
            kind: key.kind.as_str(),
            id: key.id,
            external_id: d.external_id.clone(),
            title_vi: d.title_vi.clone(),
            title_en,
            body_vi: d.body_vi.clone(),
            body_en,
            org_name: d.org_name.clone(),
            org_slug: d.org_slug.clone(),
            category_id: non_empty(&d.category_id),
            category_group: non_empty(&d.category_group),
            sector: non_empty(&d.sector),
            category_names: category_names(d),
            craft_names: d
                .craft_names()
                .into_iter()
                .flat_map(|(vi, en)| [vi.to_owned(), en.to_owned()])
                .collect(),
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

#[derive(Debug, Deserialize)]
struct KeyDoc {
    kind: String,
    id: i64,
}

pub(super) fn doc_key(kind: &str, id: i64) -> Result<DocKey> {
    let kind = DocKind::parse(kind)
        .ok_or_else(|| SearchError::Index(format!("stored document of unknown kind {kind:?}")))?;
    Ok(DocKey { kind, id })
}

impl MeiliIndex {
    /// Queues `docs` without waiting for Meilisearch to index them (see
    /// [`SearchIndex::upsert_queued`](crate::SearchIndex::upsert_queued)); the tasks are kept
    /// for [`Self::wait_queued`].
    pub(super) async fn upsert_docs_queued(&self, docs: Vec<SearchDoc>) -> Result<()> {
        let mut stemmer = EnglishStemmer::new();
        let docs = docs
            .iter()
            .map(|d| MeiliDoc::from_doc(d, &mut stemmer))
            .collect::<Result<Vec<_>>>()?;
        for batch in docs.chunks(UPSERT_BATCH) {
            let task = self
                .index
                .add_or_replace(batch, Some(PRIMARY_KEY))
                .await
                .map_err(meili_err)?;
            if let Ok(mut queued) = self.queued.lock() {
                queued.push(task);
            }
        }
        Ok(())
    }

    /// Waits until the writes queued so far are indexed, and fails if any of them failed
    /// (Meilisearch runs an index's tasks in order: once the first is waited for, the others
    /// are quick to check).
    pub(super) async fn wait_queued(&self) -> Result<()> {
        let queued = self
            .queued
            .lock()
            .map(|mut q| std::mem::take(&mut *q))
            .unwrap_or_default();
        for task in queued {
            self.wait(task).await?;
        }
        Ok(())
    }

    pub(super) async fn upsert_docs(&self, docs: Vec<SearchDoc>) -> Result<()> {
        if docs.is_empty() {
            return Ok(());
        }
        let mut stemmer = EnglishStemmer::new();
        let docs = docs
            .iter()
            .map(|d| MeiliDoc::from_doc(d, &mut stemmer))
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

    pub(super) async fn delete_docs(&self, keys: Vec<DocKey>) -> Result<()> {
        if keys.is_empty() {
            return Ok(());
        }
        let ids: Vec<String> = keys.into_iter().map(doc_id).collect();
        let task = self.index.delete_documents(&ids).await.map_err(meili_err)?;
        self.wait(task).await
    }

    pub(super) async fn clear_docs(&self) -> Result<()> {
        let task = self.index.delete_all_documents().await.map_err(meili_err)?;
        self.wait(task).await
    }

    pub(super) async fn all_keys(&self) -> Result<Vec<DocKey>> {
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
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let mut stemmer = EnglishStemmer::new();
        let m = MeiliDoc::from_doc(&d, &mut stemmer).expect("document");
        assert_eq!(m.key, "listing-12");
        assert_eq!(m.months_list, [1, 12]);
        assert_eq!(m.title_en, None);
        assert!(m.category_names.iter().any(|n| n == "Gốm sứ"));
        assert!(m.category_names.iter().any(|n| n == "Handicrafts"));
        let json = serde_json::to_value(&m).expect("json");
        assert_eq!(json["_geo"]["lng"], 105.8);
        assert!(json.get("min_price").is_none());
        assert_eq!(m.title_marks, "bijfnh binh gozjsm gom men lam");
        assert!(
            m.meta_marks.contains("gozjsm gom suwjs su"),
            "{}",
            m.meta_marks
        );
        assert!(m.en_stems.contains("ceram"), "{}", m.en_stems);
        assert!(MeiliDoc::from_doc(&SearchDoc::default(), &mut stemmer).is_err());
        assert!(m.craft_names.is_empty() && json.get("craft_names").is_none());
    }

    #[test]
    fn an_experience_carries_its_cooperatives_crafts() {
        let d = SearchDoc {
            key: Some(DocKey {
                kind: DocKind::Listing,
                id: 7,
            }),
            title_vi: "Lớp nặn bình".into(),
            category_id: Some("workshop".into()),
            category_group: Some("trai-nghiem".into()),
            crafts: vec!["gom-su".into()],
            ..SearchDoc::default()
        };
        let m = MeiliDoc::from_doc(&d, &mut EnglishStemmer::new()).expect("document");
        assert_eq!(
            m.craft_names,
            [
                "Gốm sứ",
                "Ceramics & pottery",
                "Thủ công mỹ nghệ",
                "Handicrafts"
            ]
        );
        // Not among the names of its own category, nor its marked forms: a description's rank.
        assert!(!m.category_names.iter().any(|n| n == "Gốm sứ"));
        assert!(!m.meta_marks.contains("gozjsm"), "{}", m.meta_marks);
    }
}
