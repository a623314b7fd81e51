//! The second pass: the score-only clauses re-rank the best first-pass candidates.

use tantivy::columnar::Column;
use tantivy::query::{ConstScorer, EnableScoring, Query, Scorer, intersect_scorers};
use tantivy::{DocAddress, DocId, DocSet, Searcher, TERMINATED};

use super::schema::F_PUBLISHED;
use super::sort::{SortKey, published_at};
use super::{Inner, index_err};
use crate::{Result, Sort};

/// How many of the best first-pass candidates the score-only clauses re-rank.
pub(super) const RESCORE_WINDOW: usize = 200;

/// Sorted document ids as a tantivy doc set (the rescoring candidates of one segment).
struct Candidates {
    ids: Vec<DocId>,
    at: usize,
}

impl Candidates {
    fn new(ids: Vec<DocId>) -> Self {
        Candidates { ids, at: 0 }
    }
}

impl DocSet for Candidates {
    fn advance(&mut self) -> DocId {
        self.at = (self.at + 1).min(self.ids.len());
        self.doc()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        self.at += self.ids[self.at..].partition_point(|&d| d < target);
        self.doc()
    }

    fn doc(&self) -> DocId {
        self.ids.get(self.at).copied().unwrap_or(TERMINATED)
    }

    fn size_hint(&self) -> u32 {
        u32::try_from(self.ids.len()).unwrap_or(u32::MAX)
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
                // The candidates drive the intersection, which asks the clause about each of
                // them only (a phrase reads positions there and nowhere else).
                let candidates: Box<dyn Scorer> =
                    Box::new(ConstScorer::new(Candidates::new(ids.clone()), 0.0));
                let clause = weight.scorer(reader, 1.0).map_err(index_err)?;
                let mut both = intersect_scorers(vec![candidates, clause], reader.max_doc());
                let mut doc = both.doc();
                while doc != TERMINATED {
                    if let Ok(at) = ids.binary_search(&doc) {
                        extra[group[at]] += both.score();
                    }
                    doc = both.advance();
                }
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
