//! Searching: the requests a search sends, and hits and facets from Meilisearch's answers.

use std::collections::HashMap;

use meilisearch_sdk::client::Client;
use meilisearch_sdk::indexes::Index;
use meilisearch_sdk::search::{
    FederatedMultiSearchQuery, FederationOptions, MatchingStrategies, MergeFacets,
    MultiSearchQuery, SearchResult, SearchResults as MeiliResults, Selectors,
};
use serde::Deserialize;
use serde::de::IgnoredAny;

use super::documents::doc_key;
use super::query::{clean_text, filter_expression, preference_filters, sort_expression};
use super::settings::SEARCHABLE;
use super::tasks::meili_err;
use super::{MeiliIndex, forms, relax};
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

fn hit_of(h: SearchResult<HitDoc>) -> Result<Hit> {
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
}

fn hits_of(results: MeiliResults<HitDoc>) -> Result<Vec<Hit>> {
    results.hits.into_iter().map(hit_of).collect()
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

/// One query of a federated search: its text, where it looks, and how much its hits weigh.
#[derive(Debug, Clone, PartialEq)]
struct Part {
    text: String,
    on: &'static [&'static str],
    weight: f32,
}

/// What a query's hits weigh against those of a query with one word more: enough that
/// covering more of the words always ranks first (Meilisearch's scores are in 0..=1).
const PER_WORD: f32 = 100.0;
/// What the hits of a document a query prefers (of a category the text names, or with the
/// star count it names alone) weigh against the others matching the same words: far less
/// than a word more ([`PER_WORD`]) or than a match in a title rather than a description, as
/// the tantivy backend's constant score for a hint. (search-eval, demo, hand-judged and
/// generated sets: 1 (no hint) 0.903/0.882; 1.02 0.914/0.922; 1.05 0.910/0.927; 1.1
/// 0.903/0.933; 1.5 0.902/0.940: past a few percent, a category the text seems to name
/// ("gio lua": giò lụa, not silk) outranks the better matches.)
const PREFERRED: f32 = 1.05;
/// What a hit of the query for exact marks weighs against the same words without marks.
const EXACT_MARKS: f32 = 2.0;
/// At most this many queries in a relaxed (federated) search.
const RELAXED_QUERIES: usize = 16;
/// "Did you mean" corrects at most this many words, of at most this many letters.
const CORRECTED_WORDS: usize = 6;
const CORRECTED_LETTERS: usize = 12;
/// Words this short get no typo from Meilisearch (see the settings' `ONE_TYPO`).
const NEAR_LETTERS: usize = 3;

/// The documents a query prefers, as a filter (the query's own filters and a hint's), and
/// what their hits weigh more.
#[derive(Debug, Clone, PartialEq)]
struct Boost {
    filter: String,
    factor: f32,
}

/// The boosts of a query's hints ([`preference_filters`]) under its `filter`: the documents
/// of any hint weigh [`PREFERRED`] times more, those of every hint (a category and a star
/// count named together) more again, as the tantivy backend adds a score per hint. Each
/// boost's documents are among the query's own: they change no total or facet count.
fn boosts(hints: &[String], filter: Option<&str>) -> Vec<Boost> {
    let under = |hint: String| match filter {
        Some(f) => format!("({f}) AND ({hint})"),
        None => hint,
    };
    match hints {
        [] => Vec::new(),
        [only] => vec![Boost {
            filter: under(only.clone()),
            factor: PREFERRED,
        }],
        many => vec![
            Boost {
                filter: under(many.join(" OR ")),
                factor: PREFERRED,
            },
            Boost {
                filter: under(many.join(" AND ")),
                factor: PREFERRED.powi(many.len() as i32),
            },
        ],
    }
}

/// The federated search of `parts` under `filter`: each part as is and, per boost, again
/// under the boost's filter, weighing `factor` times more (Meilisearch keeps a document
/// once, with its best weighted score). `facets`: counted over the union, for the index.
#[allow(clippy::too_many_arguments)]
fn federated<'a>(
    client: &'a Client,
    index: &'a Index,
    index_name: &str,
    parts: &'a [Part],
    filter: Option<&'a str>,
    boosts: &'a [Boost],
    sort: &'a [&'a str],
    limit: usize,
    offset: usize,
    facets: bool,
) -> FederatedMultiSearchQuery<'a, 'a> {
    let mut multi = MultiSearchQuery::new(client);
    for part in parts {
        let filters = std::iter::once((filter, 1.0))
            .chain(boosts.iter().map(|b| (Some(b.filter.as_str()), b.factor)));
        for (filter, factor) in filters {
            let request = Request {
                text: &part.text,
                filter,
                sort,
                strategy: MatchingStrategies::ALL,
                search_on: Some(part.on),
            };
            multi.with_search_query_and_weight(request.query(index), part.weight * factor);
        }
    }
    let federation = FederationOptions {
        offset: Some(offset),
        limit: Some(limit),
        facets_by_index: facets
            .then(|| HashMap::from([(index_name.to_owned(), FACETS.map(str::to_owned).to_vec())])),
        merge_facets: facets.then(MergeFacets::default),
        show_performance_details: None,
    };
    multi.with_federation(federation)
}

/// A query's words (its syllables as [`clean_text`] gives them), and whether the last one
/// is still being typed (a prefix).
#[derive(Clone)]
struct Words {
    words: Vec<String>,
    typing: bool,
}

impl Words {
    fn new(text: &str) -> Words {
        Words {
            words: text.split_whitespace().map(str::to_owned).collect(),
            typing: !text.is_empty() && !text.ends_with(' '),
        }
    }

    fn len(&self) -> usize {
        self.words.len()
    }

    /// The text of the words of `mask` (bit `i` for word `i`), each as `form` makes it: a
    /// trailing space unless the last word is among them and being typed.
    fn text(&self, mask: u32, mut form: impl FnMut(&str, bool) -> String) -> String {
        let n = self.words.len();
        let mut out = String::new();
        let mut ends_typing = false;
        for (i, w) in self.words.iter().enumerate() {
            if mask & (1 << i) == 0 {
                continue;
            }
            let typing = self.typing && i + 1 == n;
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&form(w, typing));
            ends_typing = typing;
        }
        if !ends_typing && !out.is_empty() {
            out.push(' ');
        }
        out
    }

    /// The queries for the documents having every word of `mask`, weighing `weight`: the
    /// words as typed; their English stems when some differ (the stems of the documents'
    /// English text are indexed, see [`forms::EnglishStemmer`]); and when `marks` and some
    /// word has diacritics, the words with their marks, which ranks exact matches first.
    fn parts(
        &self,
        mask: u32,
        weight: f32,
        marks: bool,
        stemmer: &mut forms::EnglishStemmer,
    ) -> Vec<Part> {
        let plain = self.text(mask, |w, _| w.to_owned());
        let mut parts = vec![Part {
            text: plain.clone(),
            on: SEARCH_ON,
            weight,
        }];
        let stemmed = self.text(mask, |w, _| stemmer.stem(w));
        if stemmed != plain {
            parts.push(Part {
                text: stemmed,
                on: SEARCH_ON,
                weight,
            });
        }
        if marks {
            let marked = self.text(mask, |w, _| forms::marked(w));
            if marked != plain {
                parts.push(Part {
                    text: marked,
                    on: &MARKS_ON,
                    weight: weight * EXACT_MARKS,
                });
            }
        }
        parts
    }
}

/// The searchable attributes a query's words are looked for in: all but the marked forms,
/// which come last.
const SEARCH_ON: &[&str] = SEARCHABLE.split_at(SEARCHABLE.len() - MARKS_ON.len()).0;
/// Where the query for exact marks looks.
const MARKS_ON: [&str; 2] = ["title_marks", "meta_marks"];
/// Where "did you mean" looks for the words it offers: the text as written.
const CORRECT_ON: [&str; 7] = [
    "title_vi",
    "title_en",
    "org_name",
    "category_names",
    "body_vi",
    "body_en",
    "craft_names",
];

/// The typos of a hit's best match, from its ranking score details (0 when not given).
fn typo_count(hit: &SearchResult<IgnoredAny>) -> u64 {
    hit.ranking_score_details
        .as_ref()
        .and_then(|d| d.get("typo"))
        .and_then(|t| t.get("typoCount"))
        .and_then(serde_json::Value::as_u64)
        .unwrap_or(0)
}

impl MeiliIndex {
    /// How many documents each of `texts` matches on the searched attributes (a word's
    /// document frequency, whether a spelling exists), in one multi-search; the empty text
    /// counts every document.
    async fn counts(&self, texts: impl Iterator<Item = &str>) -> Result<Vec<u64>> {
        let queries = texts
            .map(|text| {
                let mut q = self.index.search();
                q.with_query(text).with_hits_per_page(0).with_page(1);
                if !text.is_empty() {
                    q.with_attributes_to_search_on(SEARCH_ON);
                }
                q
            })
            .collect();
        let results = self.multi_search(queries).await?;
        Ok(results.iter().map(total_of).collect())
    }

    /// Sends `queries` as one multi-search; their results, in order.
    async fn multi_search(
        &self,
        queries: Vec<MeiliQuery<'_>>,
    ) -> Result<Vec<MeiliResults<IgnoredAny>>> {
        let mut multi = MultiSearchQuery::new(&self.client);
        for q in queries {
            multi.with_search_query(q);
        }
        Ok(multi
            .execute::<IgnoredAny>()
            .await
            .map_err(meili_err)?
            .results)
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

    /// Runs `parts` as one search: a plain search for a single part of weight 1 without
    /// boosts, else a federated search (one request, see [`federated`]; Meilisearch merges
    /// the hits by weighted score, keeps each document once, and counts and facets the union
    /// of what the parts match).
    #[allow(clippy::too_many_arguments)]
    async fn run_parts(
        &self,
        parts: &[Part],
        filter: Option<&str>,
        boosts: &[Boost],
        sort: &[&str],
        limit: usize,
        offset: usize,
        facets: bool,
    ) -> Result<(u64, Vec<Hit>, Facets)> {
        if let [only] = parts
            && only.weight == 1.0
            && boosts.is_empty()
        {
            let request = Request {
                text: &only.text,
                filter,
                sort,
                strategy: MatchingStrategies::ALL,
                search_on: Some(only.on),
            };
            return self.run(&request, limit, offset, facets).await;
        }
        let federated = federated(
            &self.client,
            &self.index,
            &self.index_name,
            parts,
            filter,
            boosts,
            sort,
            limit,
            offset,
            facets,
        );
        let results = federated.execute::<HitDoc>().await.map_err(meili_err)?;
        // The union is counted whole, past the cap a plain search has.
        let total = results.estimated_total_hits.min(super::MAX_TOTAL_HITS) as u64;
        let facets = facets_of(results.facet_distribution.as_ref());
        let hits = results
            .hits
            .into_iter()
            .map(hit_of)
            .collect::<Result<Vec<_>>>()?;
        Ok((total, hits, facets))
    }

    /// The number of documents, and of those each word matches (as its own query: typos,
    /// synonyms and, for a word being typed, as a prefix; as written or by its English stem,
    /// whichever more documents have), in one request.
    async fn doc_freqs(&self, words: &Words) -> Result<(u64, Vec<u64>)> {
        let mut stemmer = forms::EnglishStemmer::new();
        let mut texts: Vec<(usize, String)> = Vec::new();
        for i in 0..words.len() {
            let plain = words.text(1 << i, |w, _| w.to_owned());
            let stem = words.text(1 << i, |w, _| stemmer.stem(w));
            if stem != plain {
                texts.push((i, stem));
            }
            texts.push((i, plain));
        }
        // The empty query first: every document.
        let totals = self
            .counts(std::iter::once("").chain(texts.iter().map(|(_, t)| t.as_str())))
            .await?;
        let mut totals = totals.into_iter();
        let docs = totals.next().unwrap_or(0);
        let mut dfs = vec![0; words.len()];
        for ((i, _), df) in texts.iter().zip(totals) {
            dfs[*i] = dfs[*i].max(df);
        }
        Ok((docs, dfs))
    }

    pub(super) async fn search_docs(&self, q: &SearchQuery) -> Result<SearchResults> {
        let limit = effective_limit(q.limit);
        let text = clean_text(&q.text);
        let filter = filter_expression(q);
        let sort_owned = sort_expression(q.sort);
        let sort: Vec<&str> = sort_owned.iter().map(String::as_str).collect();
        let facets = !q.skip_facets;
        let words = Words::new(&text);
        let n = words.len();
        let weights = |docs: u64, dfs: &[u64]| -> Vec<f64> {
            dfs.iter().map(|&df| relax::idf(docs, df)).collect()
        };
        if n == 0 || n > 31 {
            let request = Request {
                text: &text,
                filter: filter.as_deref(),
                sort: &sort,
                strategy: MatchingStrategies::ALL,
                search_on: Some(SEARCH_ON),
            };
            let (total, hits, facets) = self.run(&request, limit, q.offset, facets).await?;
            return Ok(SearchResults {
                total,
                hits,
                facets,
                suggestion: None,
            });
        }
        let relevance = matches!(q.sort, crate::Sort::Relevance);
        // The hints rank among equally good matches, so only when sorted by relevance.
        let boosts = if relevance {
            boosts(&preference_filters(q), filter.as_deref())
        } else {
            Vec::new()
        };
        let mut stemmer = forms::EnglishStemmer::new();
        let full: u32 = (1 << n) - 1;
        // Every word first (exact marks ranking first, when sorted by relevance).
        let strict = words.parts(full, 1.0, relevance, &mut stemmer);
        let (mut total, mut hits, mut found_facets) = self
            .run_parts(
                &strict,
                filter.as_deref(),
                &boosts,
                &sort,
                limit,
                q.offset,
                facets,
            )
            .await?;
        // As the tantivy backend: when every word does not fill the page (or, sorted by
        // price or date, finds nothing), the documents having enough of the words, those
        // having the most first (see `relax`). The number of documents each word is in is
        // asked only then: a page that every word fills costs one request.
        let need = (q.offset + limit) as u64;
        let short = if relevance { total < need } else { total == 0 };
        let freqs = if short && n >= 2 {
            Some(self.doc_freqs(&words).await?)
        } else {
            None
        };
        if short && let Some((docs, mut dfs)) = freqs {
            // A short word that nothing has is most likely mistyped, and too short for
            // Meilisearch to forgive: the relaxed search takes the spelling one edit from
            // it that the most documents have, as the tantivy backend's typos would.
            let words = self.near_words(&words, &mut dfs).await?;
            let per_subset = strict.len().min(2);
            let subsets = relax::subsets(&weights(docs, &dfs), RELAXED_QUERIES / per_subset);
            let parts: Vec<Part> = match subsets {
                Some(subsets) => subsets
                    .iter()
                    .flat_map(|&mask| {
                        let k = mask.count_ones() as i32 - n as i32;
                        let marks = relevance && mask == full;
                        words.parts(mask, PER_WORD.powi(k), marks, &mut stemmer)
                    })
                    .collect(),
                None => Vec::new(),
            };
            (total, hits, found_facets) = if parts.is_empty() {
                // Too many words to relax by subsets: Meilisearch's own relaxation, which
                // leaves out the most frequent words first.
                let request = Request {
                    text: &text,
                    filter: filter.as_deref(),
                    sort: &sort,
                    strategy: MatchingStrategies::FREQUENCY,
                    search_on: Some(SEARCH_ON),
                };
                self.run(&request, limit, q.offset, facets).await?
            } else {
                self.run_parts(
                    &parts,
                    filter.as_deref(),
                    &boosts,
                    &sort,
                    limit,
                    q.offset,
                    facets,
                )
                .await?
            };
        }
        let suggestion = if total == 0 {
            self.did_you_mean(&words, filter.as_deref()).await?
        } else {
            None
        };
        Ok(SearchResults {
            total,
            hits,
            facets: found_facets,
            suggestion,
        })
    }

    /// `words` with each word of at most [`NEAR_LETTERS`] letters that no document has
    /// (`dfs`, updated) replaced by the spelling one edit from it ([`forms::near`]) that the
    /// most documents have, if any does (one request, only when some word needs it).
    async fn near_words(&self, words: &Words, dfs: &mut [u64]) -> Result<Words> {
        let mut candidates: Vec<(usize, String)> = Vec::new();
        for (i, w) in words.words.iter().enumerate() {
            if dfs.get(i) == Some(&0) && w.chars().count() <= NEAR_LETTERS {
                let folded = crate::text::fold(w);
                candidates.extend(forms::near(&folded).into_iter().map(|c| (i, c)));
            }
        }
        let mut words = words.clone();
        if candidates.is_empty() {
            return Ok(words);
        }
        let texts: Vec<String> = candidates.iter().map(|(_, c)| format!("{c} ")).collect();
        let found = self.counts(texts.iter().map(String::as_str)).await?;
        for ((i, candidate), df) in candidates.into_iter().zip(found) {
            if df > dfs[i] {
                dfs[i] = df;
                words.words[i] = candidate;
            }
        }
        Ok(words)
    }

    /// A corrected query when nothing matched, as the tantivy backend offers it: each word
    /// that the documents (under the same filters) do not have as written is replaced by the
    /// closest one they have, within two edits: two letters left out, or a spelling that
    /// sounds alike ([`crate::text::confusable_variants`]), then the most documents. Every
    /// candidate spelling is a query of one word in one multi-search request; a hit without
    /// typos says the documents have it.
    async fn did_you_mean(&self, words: &Words, filter: Option<&str>) -> Result<Option<String>> {
        let folded: Vec<String> = words.words.iter().map(|w| crate::text::fold(w)).collect();
        let mut candidates: Vec<(usize, String)> = Vec::new();
        for (i, w) in folded.iter().enumerate().take(CORRECTED_WORDS) {
            if w.chars().count() > CORRECTED_LETTERS {
                continue;
            }
            candidates.push((i, w.clone()));
            for c in forms::corrections(w) {
                candidates.push((i, c));
            }
        }
        if candidates.is_empty() {
            return Ok(None);
        }
        let texts: Vec<String> = candidates.iter().map(|(_, c)| format!("{c} ")).collect();
        let queries = texts
            .iter()
            .map(|text| {
                let mut q = self.index.search();
                q.with_query(text)
                    .with_attributes_to_search_on(&CORRECT_ON)
                    .with_attributes_to_retrieve(Selectors::Some(&["key"]))
                    .with_show_ranking_score_details(true)
                    .with_limit(1);
                if let Some(filter) = filter {
                    q.with_filter(filter);
                }
                q
            })
            .collect();
        let results = self.multi_search(queries).await?;
        // Per word: the best spelling the documents have, as (edits, documents, spelling).
        let mut best: Vec<Option<(usize, u64, String)>> = vec![None; folded.len()];
        for ((i, candidate), found) in candidates.iter().zip(&results) {
            let exact = found.hits.first().is_some_and(|h| typo_count(h) == 0);
            if !exact {
                continue;
            }
            let edits = crate::text::edit_distance(&folded[*i], candidate);
            let docs = found.estimated_total_hits.unwrap_or(0) as u64;
            let better = match &best[*i] {
                None => true,
                Some((e, d, c)) => {
                    (edits, std::cmp::Reverse(docs), candidate) < (*e, std::cmp::Reverse(*d), c)
                }
            };
            if better {
                best[*i] = Some((edits, docs, candidate.clone()));
            }
        }
        let mut changed = false;
        let corrected: Vec<String> = folded
            .iter()
            .zip(best)
            .map(|(w, best)| match best {
                Some((edits, _, c)) if edits > 0 => {
                    changed = true;
                    c
                }
                _ => w.clone(),
            })
            .collect();
        Ok(changed.then(|| corrected.join(" ")))
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
mod tests;
