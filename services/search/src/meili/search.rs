//! Searching: the requests a search sends, and hits and facets from Meilisearch's answers.

use std::collections::HashMap;

use meilisearch_sdk::indexes::Index;
use meilisearch_sdk::search::{MatchingStrategies, SearchResults as MeiliResults, Selectors};
use serde::Deserialize;

use super::MeiliIndex;
use super::documents::doc_key;
use super::query::{clean_text, filter_expression, sort_expression};
use super::tasks::meili_err;
use crate::{Facets, Hit, Result, SearchQuery, SearchResults};

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

impl MeiliIndex {
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

    pub(super) async fn search_docs(&self, q: &SearchQuery) -> Result<SearchResults> {
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
        // As the tantivy backend: every word first; when that does not fill the page (or,
        // sorted by price or date, finds nothing), Meilisearch's `frequency` strategy, which
        // leaves out the most frequent words first and ranks by words matched.
        let need = (q.offset + limit) as u64;
        let relevance = matches!(q.sort, crate::Sort::Relevance);
        let short = if relevance { total < need } else { total == 0 };
        if short && text.split_whitespace().nth(1).is_some() {
            request.strategy = MatchingStrategies::FREQUENCY;
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

    pub(super) async fn suggest_titles(&self, prefix: &str, limit: usize) -> Result<Vec<Hit>> {
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

#[cfg(test)]
mod tests {
    use meilisearch_sdk::client::Client;

    use super::*;

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
}
