//! The second pass: the score-only clauses re-rank the best first-pass candidates.

use tantivy::columnar::Column;
use tantivy::query::{EnableScoring, Query, Scorer};
use tantivy::{DocAddress, DocId, Searcher, SeekDangerResult, TERMINATED};

use super::schema::F_PUBLISHED;
use super::sort::{SortKey, published_at};
use super::{Inner, index_err};
use crate::{Result, Sort};

/// How many of the best first-pass candidates the score-only clauses re-rank: three pages
/// of 20. `search-eval` scores the same on both judged sets with 60 as with 200 (20 loses
/// 0.003), and the rescoring and the first pass's top-N selection cost in proportion to it
/// (at 100,000 listings over HTTP: 3,073 req/s with 200, 3,804 with 60; docs/benchmarks.md).
pub(super) const RESCORE_WINDOW: usize = 60;

/// Adds to `extra[at]` the score of `clause` on each `ids[at]` it matches (`ids` sorted,
/// distinct). The clause is asked about the candidates only, with `seek_danger` as
/// tantivy's intersections do: a phrase reads positions on a candidate and nowhere else.
fn score_candidates(clause: &mut dyn Scorer, ids: &[DocId], mut add: impl FnMut(usize, f32)) {
    // No document of the clause lies below `lower`.
    let mut lower = clause.doc();
    for (at, &doc) in ids.iter().enumerate() {
        if lower == TERMINATED {
            break;
        }
        if doc < lower {
            continue;
        }
        match clause.seek_danger(doc) {
            SeekDangerResult::Found => {
                add(at, clause.score());
                lower = doc + 1;
            }
            SeekDangerResult::SeekLowerBound(bound) => lower = bound,
        }
    }
}

impl Inner {
    /// Adds the scores of the `bonus` clauses to the candidates and sorts them again. Each
    /// clause's own scorer skips forward through the candidates in document order (a union
    /// of them would score whole blocks of documents around each one), so this costs a few
    /// skips per candidate and clause, whatever the number of matches.
    pub(super) fn rescore(
        &self,
        searcher: &Searcher,
        bonus: &[Box<dyn Query>],
        sort: Sort,
        docs: &mut [(SortKey, DocAddress)],
    ) -> Result<()> {
        let scoring = EnableScoring::enabled_from_searcher(searcher);
        let weights = bonus
            .iter()
            .map(|q| q.weight(scoring))
            .collect::<tantivy::Result<Vec<_>>>()
            .map_err(index_err)?;
        let mut order: Vec<usize> = (0..docs.len()).collect();
        order.sort_by_key(|&i| (docs[i].1.segment_ord, docs[i].1.doc_id));
        let mut extra = vec![0.0f32; docs.len()];
        let segment_of: Vec<u32> = docs.iter().map(|d| d.1.segment_ord).collect();
        for group in order.chunk_by(|&a, &b| segment_of[a] == segment_of[b]) {
            let Some(&first) = group.first() else {
                continue;
            };
            let reader = searcher.segment_reader(segment_of[first]);
            let ids: Vec<DocId> = group.iter().map(|&i| docs[i].1.doc_id).collect();
            if sort == Sort::Relevance {
                // The tie-break the first pass left out (see `SortBy::defer_ties`).
                let published: Option<Column<i64>> = reader
                    .fast_fields()
                    .column_opt(F_PUBLISHED)
                    .map_err(index_err)?;
                for &i in group {
                    docs[i].0.secondary = published_at(published.as_ref(), docs[i].1.doc_id);
                }
            }
            for weight in &weights {
                let mut clause = weight.scorer(reader, 1.0).map_err(index_err)?;
                score_candidates(clause.as_mut(), &ids, |at, score| extra[group[at]] += score);
            }
        }
        for ((key, _), extra) in docs.iter_mut().zip(extra) {
            key.score += extra;
            match sort {
                Sort::Relevance => key.primary += f64::from(extra),
                Sort::Newest | Sort::Distance { .. } => key.secondary += f64::from(extra),
                Sort::PriceAsc | Sort::PriceDesc => {}
            }
        }
        docs.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap_or(std::cmp::Ordering::Equal));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use tantivy::DocSet;
    use tantivy::query::{EnableScoring, PhraseQuery};
    use tantivy::{TERMINATED, Term};

    use super::super::lazy_union::body_index;
    use super::super::query::{boxed, phrase_prefix, term_query};
    use super::*;

    /// Each candidate gets the clause's score exactly where the clause matches it (a term, a
    /// phrase, a phrase prefix), whatever the candidates skip.
    #[test]
    fn candidates_get_the_clause_score_where_it_matches() {
        let texts = (0..400).map(|i| match i % 5 {
            0 => "gạo tám thơm".to_owned(),
            1 => "thơm gạo tám".to_owned(),
            2 => format!("gạo nếp {i}"),
            3 => "tám gạo".to_owned(),
            _ => "mật ong".to_owned(),
        });
        let (searcher, body) = body_index(texts);
        let term = |w: &str| Term::from_field_text(body, w);
        let clauses: Vec<Box<dyn Query>> = vec![
            term_query(body, "tám", 2.0),
            boxed(PhraseQuery::new(vec![term("gạo"), term("tám")])),
            phrase_prefix(vec![term("gạo"), term("n")], 3.0),
        ];
        let reader = searcher.segment_reader(0);
        let scoring = EnableScoring::enabled_from_searcher(&searcher);
        for clause in &clauses {
            let weight = clause.weight(scoring).expect("weight");
            for step in [1, 3, 7, 51] {
                let ids: Vec<DocId> = (0..400).step_by(step).collect();
                let mut got = vec![None; ids.len()];
                let mut scorer = weight.scorer(reader, 1.0).expect("scorer");
                score_candidates(scorer.as_mut(), &ids, |at, s| got[at] = Some(s));
                let mut reference = weight.scorer(reader, 1.0).expect("scorer");
                let want: Vec<Option<f32>> = ids
                    .iter()
                    .map(|&doc| {
                        let d = if reference.doc() < doc {
                            reference.seek(doc)
                        } else {
                            reference.doc()
                        };
                        (d == doc && d != TERMINATED).then(|| reference.score())
                    })
                    .collect();
                assert_eq!(got, want, "{clause:?}, every {step}th");
                assert!(want.iter().any(Option::is_some), "{clause:?} matches none");
                assert!(want.iter().any(Option::is_none), "{clause:?} matches all");
            }
        }
    }
}
