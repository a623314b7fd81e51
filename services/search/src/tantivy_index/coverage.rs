//! [`Coverage`]: graceful relaxation. A query's units (a syllable, or a span a synonym
//! covers) are not all required: a document matches when the units it contains carry
//! enough of the query's weight (the relevance floor), and ranks by how many units it
//! covers first (all, then all but one, …), by its text score second.

use tantivy::query::{EmptyScorer, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED, TantivyError, Term};

/// What each covered unit adds to a document's score: more than any text score, so that
/// covering one more unit of the query always ranks higher.
pub(super) const COVER: f32 = 1_000.0;

/// The share of a typo-tolerant clause's weight the units matched as typed must carry for
/// it to count (see `CoverageScorer::covered`). search-eval: 0.25 lost "nuoc mamm" (a
/// common word and a typo of a rare one), 0.1 let "sửa xe máy" find milk; 0.15 neither.
const ANCHOR: f32 = 0.15;

/// Documents matching units whose weights sum to at least `floor`, scored by [`COVER`] per
/// unit of the query covered (at most `most`) plus the units' own scores. A unit's weight
/// says how much it tells apart (its inverse document frequency: a word no document has
/// weighs the most), so a query whose rare words match nothing does not fall back on its
/// common ones.
#[derive(Debug)]
pub(super) struct Coverage {
    pub(super) units: Vec<Unit>,
    pub(super) floor: f32,
    pub(super) most: usize,
}

/// One clause of a [`Coverage`]: a unit of the query (`covers` 1), or a query standing for
/// several (the whole query with typos: `covers` all of them). A clause that is not
/// `alone` counts only in a document some other clause matches too (the whole query with
/// typos, where no word of it matched as typed, is too weak a sign).
#[derive(Debug)]
pub(super) struct Unit {
    pub(super) query: Box<dyn Query>,
    pub(super) weight: f32,
    pub(super) covers: usize,
    pub(super) alone: bool,
}

impl Clone for Coverage {
    fn clone(&self) -> Self {
        Coverage {
            units: self
                .units
                .iter()
                .map(|u| Unit {
                    query: u.query.box_clone(),
                    weight: u.weight,
                    covers: u.covers,
                    alone: u.alone,
                })
                .collect(),
            floor: self.floor,
            most: self.most,
        }
    }
}

impl Query for Coverage {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let units = self
            .units
            .iter()
            .map(|u| {
                Ok(Part {
                    of: u.query.weight(scoring)?,
                    weight: u.weight,
                    covers: u.covers,
                    alone: u.alone,
                })
            })
            .collect::<tantivy::Result<Vec<_>>>()?;
        Ok(Box::new(CoverageWeight {
            units,
            floor: self.floor,
            most: self.most,
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for u in &self.units {
            u.query.query_terms(visitor);
        }
    }
}

/// A clause's weight or scorer, with what it counts for (see [`Unit`]).
struct Part<T> {
    of: T,
    weight: f32,
    covers: usize,
    alone: bool,
}

struct CoverageWeight {
    units: Vec<Part<Box<dyn Weight>>>,
    floor: f32,
    most: usize,
}

impl Weight for CoverageWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut units = Vec::with_capacity(self.units.len());
        let mut reachable = 0.0;
        for part in &self.units {
            let scorer = part.of.scorer(reader, boost)?;
            if scorer.doc() != TERMINATED {
                reachable += part.weight;
                units.push(Part {
                    of: scorer,
                    weight: part.weight,
                    covers: part.covers,
                    alone: part.alone,
                });
            }
        }
        if units.is_empty() || reachable < self.floor {
            return Ok(Box::new(EmptyScorer));
        }
        let mut scorer = CoverageScorer {
            units,
            floor: self.floor,
            most: self.most,
            doc: 0,
            covers: 0,
        };
        scorer.settle(scorer.first());
        Ok(Box::new(scorer))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) != doc {
            return Err(TantivyError::InvalidArgument(format!(
                "document {doc} does not match"
            )));
        }
        Ok(Explanation::new("coverage", scorer.score()))
    }
}

struct CoverageScorer {
    units: Vec<Part<Box<dyn Scorer>>>,
    floor: f32,
    most: usize,
    doc: DocId,
    /// The units `doc` covers (found when settling on it, used when scoring it).
    covers: usize,
}

impl CoverageScorer {
    /// The smallest document any unit is on.
    fn first(&self) -> DocId {
        self.units
            .iter()
            .map(|p| p.of.doc())
            .min()
            .unwrap_or(TERMINATED)
    }

    /// The weight and the units the clauses on `doc` cover. A clause that is not `alone`
    /// (the whole query with typos) counts only where the units matched as typed carry
    /// [`ANCHOR`] of its weight: corrections need something typed right to stand on ("sửa
    /// xe máy" is not a milk cooperative's "Sữa … Mây" because one word of three turns up,
    /// in a description).
    fn covered(&self, doc: DocId) -> (f32, usize) {
        let (mut weight, mut covers, mut alone) = (0.0, 0, false);
        let (mut others, mut others_cover) = (0.0f32, 0);
        for p in self.units.iter().filter(|p| p.of.doc() == doc) {
            if p.alone {
                alone = true;
                weight += p.weight;
                covers += p.covers;
            } else if p.weight > others {
                others = p.weight;
                others_cover = p.covers;
            }
        }
        if !alone {
            return (0.0, 0);
        }
        if weight >= ANCHOR * others {
            (weight.max(others), covers.max(others_cover).min(self.most))
        } else {
            (weight, covers.min(self.most))
        }
    }

    /// From `doc` (the smallest any unit is on), moves on to the first document whose
    /// units reach the floor.
    fn settle(&mut self, mut doc: DocId) -> DocId {
        while doc != TERMINATED {
            let (weight, covers) = self.covered(doc);
            if covers > 0 && weight >= self.floor {
                self.covers = covers;
                break;
            }
            let mut next = TERMINATED;
            for p in &mut self.units {
                let mut d = p.of.doc();
                if d == doc {
                    d = p.of.advance();
                }
                next = next.min(d);
            }
            doc = next;
        }
        self.doc = doc;
        doc
    }
}

impl DocSet for CoverageScorer {
    fn advance(&mut self) -> DocId {
        let current = self.doc;
        let mut next = TERMINATED;
        for p in &mut self.units {
            let mut d = p.of.doc();
            if d == current {
                d = p.of.advance();
            }
            next = next.min(d);
        }
        self.settle(next)
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        let mut next = TERMINATED;
        for p in &mut self.units {
            let mut d = p.of.doc();
            if d < target {
                d = p.of.seek(target);
            }
            next = next.min(d);
        }
        self.settle(next)
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.units
            .iter()
            .fold(0u32, |sum, p| sum.saturating_add(p.of.size_hint()))
    }

    fn cost(&self) -> u64 {
        self.units.iter().map(|p| p.of.cost()).sum()
    }
}

impl Scorer for CoverageScorer {
    fn score(&mut self) -> Score {
        let doc = self.doc;
        let covers = self.covers;
        let mut score = 0.0;
        for p in &mut self.units {
            if p.of.doc() == doc {
                score += p.of.score();
            }
        }
        COVER * covers as f32 + score
    }
}

#[cfg(test)]
mod tests {
    use tantivy::collector::TopDocs;

    use super::super::lazy_union::body_index;
    use super::super::query::term_query;
    use super::*;

    /// Documents covering more units rank first; a document whose units do not reach the
    /// floor is not matched, alone or when an intersection seeks it.
    #[test]
    fn coverage_ranks_by_units_covered_and_keeps_the_floor() {
        // 0: a b c, 1: a b, 2: a, 3: c, 4: b c, 5: nothing
        let (searcher, body) =
            body_index(["a b c", "a b a b a b", "a a a a a", "c", "b c", "z"].map(str::to_owned));
        let unit = |w: &str, weight| Unit {
            query: term_query(body, w, 1.0),
            weight,
            covers: 1,
            alone: true,
        };
        let query = |floor: f32| Coverage {
            units: vec![unit("a", 1.0), unit("b", 1.0), unit("c", 3.0)],
            floor,
            most: 3,
        };
        let ranked = |q: &dyn Query| -> Vec<u32> {
            searcher
                .search(q, &TopDocs::with_limit(10).order_by_score())
                .expect("search")
                .into_iter()
                .map(|(_, a)| a.doc_id)
                .collect()
        };
        // Any unit: three units first, then two (whatever their term frequencies), then one.
        let all = ranked(&query(0.5));
        assert_eq!(all.len(), 5, "{all:?}");
        assert_eq!(all[0], 0);
        let mut two = all[1..3].to_vec();
        two.sort();
        assert_eq!(two, vec![1, 4]);
        // Half the weight (2.5 of 5): "c" alone (3) reaches it, "a b" (2) does not.
        let mut half = ranked(&query(2.5));
        half.sort();
        assert_eq!(half, vec![0, 3, 4]);
        // Sought by an intersection: the same documents.
        let only = tantivy::query::BooleanQuery::new(vec![
            (
                tantivy::query::Occur::Must,
                Box::new(query(2.5)) as Box<dyn Query>,
            ),
            (tantivy::query::Occur::Must, term_query(body, "b", 1.0)),
        ]);
        let mut sought = ranked(&only);
        sought.sort();
        assert_eq!(sought, vec![0, 4]);
    }
}
