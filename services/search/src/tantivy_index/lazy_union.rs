//! [`LazyUnion`]: the union each query syllable matches through, which scores a document
//! only when asked.

use tantivy::query::{EmptyScorer, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED, TantivyError, Term};

/// A union of queries that moves its clauses one document at a time and scores a document
/// only when asked. Each syllable of a query matches through such a union (its folded,
/// English, typo and prefix terms), and the syllables' unions are intersected: there, the
/// intersection seeks each union to the few documents the rarest syllable allows. tantivy's
/// `BooleanQuery` union scores windows of 4,096 documents ahead, and clears its window on
/// every long seek, which cost about a quarter of a query's time here.
#[derive(Debug)]
pub(super) struct LazyUnion(pub(super) Vec<Box<dyn Query>>);

impl Clone for LazyUnion {
    fn clone(&self) -> Self {
        LazyUnion(self.0.iter().map(|q| q.box_clone()).collect())
    }
}

impl Query for LazyUnion {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let weights = self
            .0
            .iter()
            .map(|q| q.weight(scoring))
            .collect::<tantivy::Result<Vec<_>>>()?;
        Ok(Box::new(LazyUnionWeight(weights)))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for q in &self.0 {
            q.query_terms(visitor);
        }
    }
}

struct LazyUnionWeight(Vec<Box<dyn Weight>>);

impl Weight for LazyUnionWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut scorers = Vec::with_capacity(self.0.len());
        for weight in &self.0 {
            let scorer = weight.scorer(reader, boost)?;
            if scorer.doc() != TERMINATED {
                scorers.push(scorer);
            }
        }
        Ok(match scorers.len() {
            0 => Box::new(EmptyScorer),
            1 => scorers.swap_remove(0),
            _ => Box::new(LazyUnionScorer::new(scorers)),
        })
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) != doc {
            return Err(TantivyError::InvalidArgument(format!(
                "document {doc} does not match"
            )));
        }
        Ok(Explanation::new("union", scorer.score()))
    }
}

struct LazyUnionScorer {
    scorers: Vec<Box<dyn Scorer>>,
    doc: DocId,
}

impl LazyUnionScorer {
    fn new(scorers: Vec<Box<dyn Scorer>>) -> Self {
        let doc = scorers.iter().map(|s| s.doc()).min().unwrap_or(TERMINATED);
        LazyUnionScorer { scorers, doc }
    }
}

impl DocSet for LazyUnionScorer {
    fn advance(&mut self) -> DocId {
        let current = self.doc;
        let mut next = TERMINATED;
        for scorer in &mut self.scorers {
            let mut doc = scorer.doc();
            if doc == current {
                doc = scorer.advance();
            }
            next = next.min(doc);
        }
        self.doc = next;
        next
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        let mut next = TERMINATED;
        for scorer in &mut self.scorers {
            let mut doc = scorer.doc();
            if doc < target {
                doc = scorer.seek(target);
            }
            next = next.min(doc);
        }
        self.doc = next;
        next
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.scorers
            .iter()
            .fold(0u32, |sum, s| sum.saturating_add(s.size_hint()))
    }

    fn cost(&self) -> u64 {
        self.scorers.iter().map(|s| s.cost()).sum()
    }
}

impl Scorer for LazyUnionScorer {
    fn score(&mut self) -> Score {
        let doc = self.doc;
        self.scorers
            .iter_mut()
            .filter(|s| s.doc() == doc)
            .map(|s| s.score())
            .sum()
    }
}
/// A searcher over an index in memory of one text field, `body`, holding `texts` (tests of
/// the scorers here and in `coverage`).
#[cfg(test)]
pub(super) fn body_index(
    texts: impl IntoIterator<Item = String>,
) -> (tantivy::Searcher, tantivy::schema::Field) {
    let mut b = tantivy::schema::Schema::builder();
    let body = b.add_text_field("body", tantivy::schema::TEXT);
    let index = tantivy::Index::create_in_ram(b.build());
    let mut writer: tantivy::IndexWriter = index
        .writer_with_num_threads(1, 15_000_000)
        .expect("writer");
    for text in texts {
        writer
            .add_document(tantivy::doc!(body => text))
            .expect("add");
    }
    writer.commit().expect("commit");
    (index.reader().expect("reader").searcher(), body)
}

#[cfg(test)]
mod tests {
    use tantivy::query::Occur;

    use super::super::query::{bool_of, boxed, term_query};
    use super::*;

    /// The lazy union matches and scores exactly as tantivy's own union, alone and when an
    /// intersection seeks it.
    #[test]
    fn lazy_union_matches_and_scores_as_a_boolean_union() {
        let words = ["a", "b", "c", "d"];
        // Dense and sparse words, some documents with several: long seeks and overlaps.
        let (searcher, body) = body_index((0..10_000u32).map(|i| {
            words
                .iter()
                .enumerate()
                .filter(|&(w, _)| i % (3 + 97 * w as u32) == 0 || (w == 0 && i % 2 == 0))
                .map(|(_, word)| *word)
                .collect::<Vec<_>>()
                .join(" ")
        }));
        let term = |w: &str, weight| term_query(body, w, weight);
        let clauses = || vec![term("b", 2.0), term("c", 1.0), term("d", 0.5)];
        let everything = |q: &dyn Query| {
            let scoring = EnableScoring::enabled_from_searcher(&searcher);
            let weight = q.weight(scoring).expect("weight");
            let mut out = Vec::new();
            for reader in searcher.segment_readers() {
                let mut scorer = weight.scorer(reader, 1.0).expect("scorer");
                while scorer.doc() != TERMINATED {
                    out.push((scorer.doc(), (scorer.score() * 1000.0).round() as i64));
                    scorer.advance();
                }
            }
            out
        };
        let lazy = boxed(LazyUnion(clauses()));
        let eager = bool_of(Occur::Should, clauses());
        let alone = everything(lazy.as_ref());
        assert!(alone.len() > 100, "{}", alone.len());
        assert_eq!(alone, everything(eager.as_ref()));
        // Intersected with the sparse word "d" leading: the union is sought, not walked.
        let sparse = || term("d", 1.0);
        let lazy_and = bool_of(Occur::Must, vec![sparse(), boxed(LazyUnion(clauses()))]);
        let eager_and = bool_of(
            Occur::Must,
            vec![sparse(), bool_of(Occur::Should, clauses())],
        );
        let both = everything(lazy_and.as_ref());
        assert!(!both.is_empty() && both.len() < alone.len());
        assert_eq!(both, everything(eager_and.as_ref()));
    }
}
