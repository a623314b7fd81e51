//! Search quality: the judged relevance sets and the metrics `ketnoi search-eval` reports,
//! nDCG@10 and recall@10 per query type. Two sets: the hand-judged
//! `data/search/relevance.json` ([`RELEVANCE_JSON`], types [`TYPES`]) and
//! `data/search/generated.json` ([`GENERATED_JSON`], types [`GENERATED_TYPES`]), generated
//! from the catalogue's attributes by `infra/search/generate_judged.py`.
//!
//! Everything here is pure: the caller runs each [`JudgedQuery`] against an index, turns the
//! hits into a ranked list of external ids (`lst-0001`, or a cooperative's dataset id), scores
//! it with [`ndcg_at`] and [`recall_at`] (or [`JudgedQuery::score`]) and renders the
//! [`summarize`]d results with [`Summary::table`].
//!
//! Grades: 3 = exactly what was asked for, 2 = relevant, 1 = marginally relevant; documents
//! not judged are irrelevant (grade 0). The judging rules are in each file's `description`.
//! Queries of type [`OUT_OF_CATALOGUE`] ask for what the catalogue does not have: they have
//! no judgments and score 1.0 when the search returns nothing, 0.0 otherwise.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Deserialize;

/// The hand-judged set, compiled in so `search-eval` needs no file at run time.
pub const RELEVANCE_JSON: &str = include_str!("../../../data/search/relevance.json");

/// The set generated from the catalogue's attributes (`infra/search/generate_judged.py`).
pub const GENERATED_JSON: &str = include_str!("../../../data/search/generated.json");

/// The cut-off `search-eval` reports (nDCG@10, recall@10).
pub const K: usize = 10;

/// The query types of the hand-judged set, in the order its table lists them.
pub const TYPES: [&str; 6] = [
    "exact",
    "no_diacritics",
    "typo",
    "english",
    "prefix",
    "filter",
];

/// A query for something the catalogue does not have: no judgments; a perfect search
/// returns nothing.
pub const OUT_OF_CATALOGUE: &str = "out_of_catalogue";

/// The query types of the generated set, in the order its table lists them.
pub const GENERATED_TYPES: [&str; 9] = [
    "category",
    "category_place",
    "category_cert",
    "category_price",
    "category_kind",
    "category_multi",
    "english",
    "no_diacritics",
    OUT_OF_CATALOGUE,
];

/// The highest grade: exactly what was asked for.
pub const MAX_GRADE: u8 = 3;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelevanceSet {
    pub version: u32,
    pub description: String,
    pub queries: Vec<JudgedQuery>,
}

/// One query with its judged documents.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JudgedQuery {
    /// `q01`, `q02`, … (`g001`, … in the generated set)
    pub id: String,
    /// One of [`TYPES`] (or [`GENERATED_TYPES`]).
    #[serde(rename = "type")]
    pub r#type: String,
    /// What the buyer typed (NFC, never empty).
    pub q: String,
    #[serde(default)]
    pub filters: Filters,
    /// External id → grade (1–3). Unjudged documents are irrelevant. Empty for
    /// [`OUT_OF_CATALOGUE`] queries.
    pub judgments: BTreeMap<String, u8>,
    /// Why the query is tricky, when it is.
    #[serde(default)]
    pub note: Option<String>,
}

/// The filters of a judged query; they mirror the fields of [`crate::SearchQuery`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filters {
    /// `listing` or `cooperative`.
    pub kind: Option<String>,
    /// `retail` (the dataset's `product`), `wholesale` or `experience`.
    pub offer_kind: Option<String>,
    /// A leaf category id or a group id.
    pub category: Option<String>,
    pub commune_code: Option<String>,
    pub min_stars: Option<u8>,
    /// A listing certification code, e.g. `vietgap`.
    pub certification: Option<String>,
    /// Lowest price in đồng, price tiers included.
    pub price_max: Option<i64>,
    /// Wholesale minimum order at most this many units.
    pub max_min_order: Option<i64>,
    /// In season in this month (1–12).
    pub in_season: Option<u8>,
    /// Only cooperatives (and their listings) with the women-managed badge.
    pub women_managed: Option<bool>,
}

impl Filters {
    pub fn is_empty(&self) -> bool {
        *self == Filters::default()
    }
}

/// Parses a relevance set (the shape of [`RELEVANCE_JSON`]).
pub fn parse(json: &str) -> Result<RelevanceSet, serde_json::Error> {
    serde_json::from_str(json)
}

impl RelevanceSet {
    /// What is wrong with the hand-judged set (types [`TYPES`]); see
    /// [`RelevanceSet::problems_with`].
    pub fn problems(&self) -> Vec<String> {
        self.problems_with(&TYPES)
    }

    /// What is wrong with the set, one line per problem; empty when it is usable: unique
    /// query ids, types among `types`, non-empty text, grades 1–3 and at least one grade-3
    /// document per query — except [`OUT_OF_CATALOGUE`] queries, which must have no
    /// judgments at all.
    pub fn problems_with(&self, types: &[&str]) -> Vec<String> {
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        for q in &self.queries {
            if !seen.insert(q.id.as_str()) {
                out.push(format!("{}: duplicate query id", q.id));
            }
            if !types.contains(&q.r#type.as_str()) {
                out.push(format!("{}: unknown type {:?}", q.id, q.r#type));
            }
            if q.q.trim().is_empty() {
                out.push(format!("{}: empty query text", q.id));
            }
            if let Some((doc, g)) = q
                .judgments
                .iter()
                .find(|(_, g)| !(1..=MAX_GRADE).contains(*g))
            {
                out.push(format!("{}: grade {g} for {doc} is not 1–3", q.id));
            }
            if q.is_out_of_catalogue() {
                if !q.judgments.is_empty() {
                    out.push(format!("{}: out-of-catalogue query with judgments", q.id));
                }
            } else if !q.judgments.values().any(|&g| g == MAX_GRADE) {
                out.push(format!("{}: no grade-3 document", q.id));
            }
        }
        out
    }
}

impl JudgedQuery {
    /// The search this judged query stands for: its text and filters, `limit` hits.
    pub fn query(&self, limit: usize) -> crate::SearchQuery {
        let f = &self.filters;
        crate::SearchQuery {
            text: self.q.clone(),
            kind: f.kind.as_deref().and_then(crate::DocKind::parse),
            offer_kind: f.offer_kind.clone(),
            category: f.category.clone(),
            commune_code: f.commune_code.clone(),
            min_stars: f.min_stars,
            certification: f.certification.clone(),
            price_max: f.price_max,
            max_min_order: f.max_min_order,
            in_season: f.in_season,
            women_managed: f.women_managed.unwrap_or(false),
            limit,
            ..crate::SearchQuery::default()
        }
    }

    /// Whether the query asks for what the catalogue does not have ([`OUT_OF_CATALOGUE`]).
    pub fn is_out_of_catalogue(&self) -> bool {
        self.r#type == OUT_OF_CATALOGUE
    }

    /// (nDCG@k, recall@k) of a ranked list of external ids for this query; for an
    /// [`OUT_OF_CATALOGUE`] query, [`empty_result_score`].
    pub fn score(&self, ranked: &[String], k: usize) -> (f64, f64) {
        if self.is_out_of_catalogue() {
            return empty_result_score(ranked);
        }
        (
            ndcg_at(ranked, &self.judgments, k),
            recall_at(ranked, &self.judgments, k),
        )
    }
}

/// (nDCG, recall) of a query nothing should answer: (1.0, 1.0) when the search returned
/// nothing, (0.0, 0.0) when it returned anything at all (any hit is a wrong answer, and the
/// first one is at rank 1).
pub fn empty_result_score(ranked: &[String]) -> (f64, f64) {
    if ranked.is_empty() {
        (1.0, 1.0)
    } else {
        (0.0, 0.0)
    }
}

/// Gain of a grade: 2^grade − 1 (3 → 7, 2 → 3, 1 → 1, 0 → 0).
fn gain(grade: u8) -> f64 {
    f64::from(grade.min(16)).exp2() - 1.0
}

/// Discount of a 0-based position: log2(rank + 1) with rank = position + 1.
fn discount(position: usize) -> f64 {
    (position as f64 + 2.0).log2()
}

/// The first `k` ids of `ranked`, later repeats of an id dropped (a document counts once).
fn top_k(ranked: &[String], k: usize) -> Vec<&str> {
    let mut seen = BTreeSet::new();
    ranked
        .iter()
        .map(String::as_str)
        .filter(|id| seen.insert(*id))
        .take(k)
        .collect()
}

/// Normalised discounted cumulative gain at `k`.
///
/// DCG@k = Σ over the first k results of (2^grade − 1) / log2(rank + 1), rank starting at 1,
/// unjudged results having grade 0 and repeated ids counting once. The ideal DCG sorts *all*
/// judged grades in descending order and takes the first k. Returns 0.0 when nothing is
/// judged (or `k` is 0), so a query without judgments can never look perfect.
pub fn ndcg_at(ranked: &[String], judgments: &BTreeMap<String, u8>, k: usize) -> f64 {
    let dcg: f64 = top_k(ranked, k)
        .iter()
        .enumerate()
        .map(|(i, id)| gain(judgments.get(*id).copied().unwrap_or(0)) / discount(i))
        .sum();
    let mut ideal: Vec<u8> = judgments.values().copied().collect();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let idcg: f64 = ideal
        .iter()
        .take(k)
        .enumerate()
        .map(|(i, &g)| gain(g) / discount(i))
        .sum();
    if idcg > 0.0 { dcg / idcg } else { 0.0 }
}

/// The grade from which a judged document counts as relevant for recall: 2 ("relevant" or
/// better), or 1 when the query has no document graded 2 or 3.
pub fn recall_threshold(judgments: &BTreeMap<String, u8>) -> u8 {
    if judgments.values().any(|&g| g >= 2) {
        2
    } else {
        1
    }
}

/// Recall at `k`: the share of the relevant documents (grade ≥ [`recall_threshold`]) found
/// among the first `k` results (repeated ids counting once).
///
/// The denominator is capped at `k` — found / min(k, relevant) — so a perfect ranking scores
/// 1.0 even for broad queries with more than `k` relevant documents ("capped recall", as in
/// BEIR). Returns 0.0 when nothing is relevant or `k` is 0.
pub fn recall_at(ranked: &[String], judgments: &BTreeMap<String, u8>, k: usize) -> f64 {
    let threshold = recall_threshold(judgments);
    let relevant = judgments.values().filter(|&&g| g >= threshold).count();
    let denominator = relevant.min(k);
    if denominator == 0 {
        return 0.0;
    }
    let found = top_k(ranked, k)
        .iter()
        .filter(|id| judgments.get(**id).is_some_and(|&g| g >= threshold))
        .count();
    found as f64 / denominator as f64
}

/// Mean scores of a group of queries.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Scores {
    pub queries: usize,
    pub ndcg: f64,
    pub recall: f64,
}

impl Scores {
    fn of<'a>(results: impl Iterator<Item = &'a (String, f64, f64)>) -> Scores {
        let (mut n, mut ndcg, mut recall) = (0usize, 0.0, 0.0);
        for (_, d, r) in results {
            n += 1;
            ndcg += d;
            recall += r;
        }
        if n == 0 {
            return Scores::default();
        }
        Scores {
            queries: n,
            ndcg: ndcg / n as f64,
            recall: recall / n as f64,
        }
    }
}

/// Per-type and overall means.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Summary {
    pub per_type: BTreeMap<String, Scores>,
    /// The mean over all queries (not the mean of the type means).
    pub overall: Scores,
}

/// Averages per-query results `(type, nDCG, recall)` per type and overall.
pub fn summarize(results: &[(String, f64, f64)]) -> Summary {
    let types: BTreeSet<&str> = results.iter().map(|(t, _, _)| t.as_str()).collect();
    let per_type = types
        .into_iter()
        .map(|t| {
            let scores = Scores::of(results.iter().filter(|(rt, _, _)| rt == t));
            (t.to_owned(), scores)
        })
        .collect();
    Summary {
        per_type,
        overall: Scores::of(results.iter()),
    }
}

impl Summary {
    /// A Markdown table: one row per type (the [`TYPES`] order, then any others
    /// alphabetically) and an `all` row.
    pub fn table(&self) -> String {
        self.table_ordered(&TYPES)
    }

    /// A Markdown table: one row per type (the `order` given, e.g. [`GENERATED_TYPES`], then
    /// any others alphabetically) and an `all` row.
    pub fn table_ordered(&self, order: &[&str]) -> String {
        let mut out =
            format!("| type | queries | nDCG@{K} | recall@{K} |\n| --- | ---: | ---: | ---: |\n");
        let known = order.iter().filter_map(|t| self.per_type.get_key_value(*t));
        let others = self
            .per_type
            .iter()
            .filter(|(t, _)| !order.contains(&t.as_str()));
        for (t, s) in known.chain(others) {
            out.push_str(&row(t, s));
        }
        out.push_str(&row("all", &self.overall));
        out
    }
}

fn row(name: &str, s: &Scores) -> String {
    format!(
        "| {name} | {} | {:.3} | {:.3} |\n",
        s.queries, s.ndcg, s.recall
    )
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.table())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judged(pairs: &[(&str, u8)]) -> BTreeMap<String, u8> {
        pairs.iter().map(|(id, g)| ((*id).to_owned(), *g)).collect()
    }

    fn ids(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|x| (*x).to_owned()).collect()
    }

    /// A perfect ranking of `q`'s judged documents scores 1.0 on both metrics.
    fn assert_ideal_scores_one(q: &JudgedQuery) {
        let mut ideal: Vec<(&String, &u8)> = q.judgments.iter().collect();
        ideal.sort_by(|a, b| b.1.cmp(a.1));
        let ranked: Vec<String> = ideal.into_iter().map(|(id, _)| id.clone()).collect();
        let (ndcg, recall) = q.score(&ranked, K);
        assert!(close(ndcg, 1.0) && close(recall, 1.0), "{}", q.id);
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn perfect_ranking_scores_one() {
        let j = judged(&[("a", 3), ("b", 2), ("c", 1)]);
        let ranked = ids(&["a", "b", "c", "x", "y"]);
        assert!(close(ndcg_at(&ranked, &j, 10), 1.0));
        assert!(close(recall_at(&ranked, &j, 10), 1.0));
        // Ties in grade may come in any order.
        let j = judged(&[("a", 3), ("b", 3)]);
        assert!(close(ndcg_at(&ids(&["b", "a"]), &j, 10), 1.0));
    }

    #[test]
    fn reversed_ranking_by_hand() {
        // Gains 7, 3, 1; discounts log2(2) = 1, log2(3), log2(4) = 2.
        // DCG  = 1/1 + 3/log2(3) + 7/2 = 4.5 + 1.892789260714372 = 6.392789260714372
        // IDCG = 7/1 + 3/log2(3) + 1/2 = 7.5 + 1.892789260714372 = 9.392789260714372
        // nDCG = 6.392789260714372 / 9.392789260714372 = 0.6806060567602…
        let j = judged(&[("a", 3), ("b", 2), ("c", 1)]);
        let v = ndcg_at(&ids(&["c", "b", "a"]), &j, 10);
        assert!((v - 0.680_606_056_760_2).abs() < 1e-12, "{v}");
        let three_over_log2_3 = 3.0 / 3f64.log2();
        assert!(close(
            v,
            (4.5 + three_over_log2_3) / (7.5 + three_over_log2_3)
        ));
    }

    #[test]
    fn ndcg_cutoff_unjudged_and_repeats() {
        let j = judged(&[("a", 3), ("b", 1)]);
        // Only the best document, at rank 2 behind an unjudged one: 7/log2(3) over the
        // ideal 7/1 + 1/log2(3).
        let v = ndcg_at(&ids(&["x", "a"]), &j, 10);
        assert!(close(v, (7.0 / 3f64.log2()) / (7.0 + 1.0 / 3f64.log2())));
        // Cut-off: `a` at rank 2 is outside k = 1; the ideal at k = 1 is 7.
        assert!(close(ndcg_at(&ids(&["x", "a"]), &j, 1), 0.0));
        assert!(close(ndcg_at(&ids(&["a", "x"]), &j, 1), 1.0));
        // A repeated id counts once and does not push others out of the top k.
        assert!(close(ndcg_at(&ids(&["a", "a", "b"]), &j, 2), 1.0));
        // Nothing judged, nothing returned, or k = 0.
        assert!(close(ndcg_at(&ids(&["a"]), &BTreeMap::new(), 10), 0.0));
        assert!(close(ndcg_at(&[], &j, 10), 0.0));
        assert!(close(ndcg_at(&ids(&["a"]), &j, 0), 0.0));
    }

    #[test]
    fn recall_counts_grade_two_and_up() {
        let j = judged(&[("a", 3), ("b", 2), ("c", 1), ("d", 1)]);
        assert_eq!(recall_threshold(&j), 2);
        // Grade-1 documents do not count; a and b do.
        assert!(close(recall_at(&ids(&["c", "d", "a"]), &j, 10), 0.5));
        assert!(close(recall_at(&ids(&["c", "a", "b"]), &j, 10), 1.0));
        assert!(close(recall_at(&ids(&["c", "a", "b"]), &j, 2), 0.5));
        assert!(close(recall_at(&ids(&["a", "a"]), &j, 10), 0.5));
        assert!(close(recall_at(&[], &j, 10), 0.0));
    }

    #[test]
    fn recall_falls_back_to_grade_one_and_is_capped_at_k() {
        let j = judged(&[("a", 1), ("b", 1)]);
        assert_eq!(recall_threshold(&j), 1);
        assert!(close(recall_at(&ids(&["b"]), &j, 10), 0.5));
        // 12 relevant documents: finding 10 of them in the top 10 is perfect.
        let many: Vec<(String, u8)> = (0..12).map(|i| (format!("d{i}"), 2)).collect();
        let j: BTreeMap<String, u8> = many.into_iter().collect();
        let ranked: Vec<String> = (0..10).map(|i| format!("d{i}")).collect();
        assert!(close(recall_at(&ranked, &j, 10), 1.0));
        assert!(close(recall_at(&ranked[..5], &j, 10), 0.5));
        assert!(close(recall_at(&ranked, &BTreeMap::new(), 10), 0.0));
    }

    #[test]
    fn summary_means_and_table() {
        let results = vec![
            ("typo".to_owned(), 1.0, 1.0),
            ("exact".to_owned(), 1.0, 0.5),
            ("exact".to_owned(), 0.5, 0.5),
            ("custom".to_owned(), 0.0, 0.0),
        ];
        let s = summarize(&results);
        assert_eq!(
            s.per_type.get("exact"),
            Some(&Scores {
                queries: 2,
                ndcg: 0.75,
                recall: 0.5
            })
        );
        assert_eq!(s.overall.queries, 4);
        assert!(close(s.overall.ndcg, 2.5 / 4.0));
        assert!(close(s.overall.recall, 0.5));
        let table = s.table();
        assert_eq!(
            table,
            "| type | queries | nDCG@10 | recall@10 |\n\
             | --- | ---: | ---: | ---: |\n\
             | exact | 2 | 0.750 | 0.500 |\n\
             | typo | 1 | 1.000 | 1.000 |\n\
             | custom | 1 | 0.000 | 0.000 |\n\
             | all | 4 | 0.625 | 0.500 |\n"
        );
        assert_eq!(s.to_string(), table);
        assert_eq!(summarize(&[]).overall, Scores::default());
    }

    #[test]
    fn parse_refuses_unknown_fields_and_reports_problems() {
        let bad = r#"{"version":1,"description":"","queries":[{"id":"q1","type":"exact","q":"x","judgments":{},"filter":{}}]}"#;
        assert!(parse(bad).is_err());
        let set = parse(
            r#"{"version":1,"description":"","queries":[
                {"id":"q1","type":"exact","q":"mật ong","judgments":{"a":3}},
                {"id":"q1","type":"fuzzy","q":" ","judgments":{"a":2,"b":4}}]}"#,
        )
        .unwrap();
        assert!(set.queries[0].filters.is_empty());
        assert_eq!(
            set.problems(),
            vec![
                "q1: duplicate query id",
                "q1: unknown type \"fuzzy\"",
                "q1: empty query text",
                "q1: grade 4 for b is not 1–3",
                "q1: no grade-3 document",
            ]
        );
    }

    /// External ids of the demo data: listings and cooperatives.
    fn demo_ids() -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for json in [
            include_str!("../../../data/demo/listings.json"),
            include_str!("../../../data/demo/cooperatives.json"),
        ] {
            let docs: Vec<serde_json::Value> = serde_json::from_str(json).unwrap();
            for d in docs {
                out.insert(d["id"].as_str().unwrap().to_owned());
            }
        }
        out
    }

    #[test]
    fn the_relevance_set_is_complete_and_valid() {
        let set = parse(RELEVANCE_JSON).unwrap();
        assert_eq!(set.version, 1);
        assert!(!set.description.is_empty());
        assert!(set.queries.len() >= 60, "{} queries", set.queries.len());
        assert_eq!(set.problems(), Vec::<String>::new());

        for t in TYPES {
            let n = set.queries.iter().filter(|q| q.r#type == t).count();
            let min = if t == "filter" { 8 } else { 10 };
            assert!(n >= min, "{n} {t} queries, want at least {min}");
        }
        assert!(
            set.queries
                .iter()
                .filter(|q| q.r#type == "filter")
                .all(|q| !q.filters.is_empty())
        );

        let known = demo_ids();
        assert_eq!(known.len(), 460);
        for q in &set.queries {
            assert!(
                unicode_normalization::is_nfc(&q.q),
                "{}: query text not NFC",
                q.id
            );
            if let Some(note) = &q.note {
                assert!(
                    unicode_normalization::is_nfc(note),
                    "{}: note not NFC",
                    q.id
                );
            }
            for id in q.judgments.keys() {
                assert!(known.contains(id), "{}: unknown document {id}", q.id);
            }
            if let Some(kind) = &q.filters.kind {
                assert!(kind == "listing" || kind == "cooperative", "{}", q.id);
                let listings = kind == "listing";
                assert!(
                    q.judgments
                        .keys()
                        .all(|id| id.starts_with("lst-") == listings),
                    "{}: judged documents of the wrong kind",
                    q.id
                );
            }
            if let Some(offer) = &q.filters.offer_kind {
                assert!(["retail", "wholesale", "experience"].contains(&offer.as_str()));
            }
            // A perfect ranking scores 1.0 on both metrics.
            assert_ideal_scores_one(q);
        }
        assert!(unicode_normalization::is_nfc(&set.description));
    }

    #[test]
    fn out_of_catalogue_scores_one_only_when_nothing_is_returned() {
        assert_eq!(empty_result_score(&[]), (1.0, 1.0));
        assert_eq!(empty_result_score(&ids(&["lst-0001"])), (0.0, 0.0));
        let set = parse(
            r#"{"version":1,"description":"","queries":[
                {"id":"g1","type":"out_of_catalogue","q":"máy giặt","judgments":{}},
                {"id":"g2","type":"category","q":"gốm sứ","judgments":{"a":3}}]}"#,
        )
        .unwrap();
        let (ooc, cat) = (&set.queries[0], &set.queries[1]);
        assert!(ooc.is_out_of_catalogue() && !cat.is_out_of_catalogue());
        assert_eq!(ooc.score(&[], K), (1.0, 1.0));
        // Any hit is wrong, even far down the list or beyond the cut-off.
        assert_eq!(ooc.score(&ids(&["x"]), K), (0.0, 0.0));
        assert_eq!(ooc.score(&ids(&["x", "y"]), 1), (0.0, 0.0));
        // The rule belongs to the type: an ordinary query without hits still scores 0.
        assert_eq!(cat.score(&[], K), (0.0, 0.0));
        assert_eq!(cat.score(&ids(&["a"]), K), (1.0, 1.0));
    }

    #[test]
    fn out_of_catalogue_queries_must_have_no_judgments() {
        let set = parse(
            r#"{"version":1,"description":"","queries":[
                {"id":"g1","type":"out_of_catalogue","q":"laptop","judgments":{}},
                {"id":"g2","type":"out_of_catalogue","q":"iphone","judgments":{"a":3}},
                {"id":"g3","type":"category","q":"rau","judgments":{}}]}"#,
        )
        .unwrap();
        assert_eq!(
            set.problems_with(&GENERATED_TYPES),
            vec![
                "g2: out-of-catalogue query with judgments",
                "g3: no grade-3 document",
            ]
        );
        // The hand-judged set's types do not include the generated set's.
        assert!(
            set.problems()
                .contains(&"g1: unknown type \"out_of_catalogue\"".to_owned())
        );
    }

    #[test]
    fn table_follows_the_order_given() {
        let results = vec![
            (OUT_OF_CATALOGUE.to_owned(), 1.0, 1.0),
            ("english".to_owned(), 0.5, 0.5),
            ("category".to_owned(), 0.0, 0.0),
        ];
        let table = summarize(&results).table_ordered(&GENERATED_TYPES);
        let rows: Vec<&str> = table
            .lines()
            .skip(2)
            .map(|l| l.split(" | ").next().unwrap())
            .collect();
        assert_eq!(
            rows,
            vec!["| category", "| english", "| out_of_catalogue", "| all"]
        );
    }

    #[test]
    fn the_generated_set_is_complete_and_valid() {
        let set = parse(GENERATED_JSON).unwrap();
        assert_eq!(set.version, 1);
        assert!(set.description.contains("generate_judged.py"));
        assert!(set.queries.len() >= 300, "{} queries", set.queries.len());
        assert_eq!(set.problems_with(&GENERATED_TYPES), Vec::<String>::new());
        for t in GENERATED_TYPES {
            let n = set.queries.iter().filter(|q| q.r#type == t).count();
            let min = if t == OUT_OF_CATALOGUE { 5 } else { 20 };
            assert!(n >= min, "{n} {t} queries, want at least {min}");
        }
        let known = demo_ids();
        let mut texts = BTreeSet::new();
        for (i, q) in set.queries.iter().enumerate() {
            assert_eq!(q.id, format!("g{:03}", i + 1));
            assert!(texts.insert(q.q.to_lowercase()), "{}: repeated text", q.id);
            assert!(unicode_normalization::is_nfc(&q.q), "{}", q.id);
            // The text carries the meaning: no filters.
            assert!(q.filters.is_empty(), "{}: filters", q.id);
            for id in q.judgments.keys() {
                assert!(known.contains(id), "{}: unknown document {id}", q.id);
            }
            assert_ideal_scores_one(q);
        }
        assert!(unicode_normalization::is_nfc(&set.description));
    }
}
