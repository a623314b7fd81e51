//! [`UnitCache`]: the documents and scores of one query unit (a syllable with its folded,
//! English, typo and prefix forms, or a synonym span), kept per segment and index generation,
//! so that a unit shared by many searches is read from its postings once.
//!
//! Vietnamese is written in syllables, and the syllables people search with are few: "gốm",
//! "lụa", "gạo", "sạch" come back in search after search, in ever new combinations. Each
//! search walks every unit's postings (five to eight terms each) and scores every document
//! on them; with this cache, a unit met before is a sorted array of documents and their
//! scores, intersected and summed without reading postings at all. It is Lucene's query
//! cache (`LRUQueryCache`), which keeps the documents of frequent filter clauses, applied to
//! scored clauses: a unit's score for a document depends on the unit, the segment and the
//! index's statistics alone, all part of the key. It is not an answer cache: the searches
//! themselves (their intersection, relaxation, ranking, facets and hits) run every time.

use std::sync::{Arc, OnceLock};

use tantivy::index::SegmentId;
use tantivy::query::{Bm25StatisticsProvider, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, Searcher, SegmentReader, TERMINATED, Term};

/// A unit's matches in one segment, in document order, with their scores (none for a unit
/// that only matches).
struct Matches {
    docs: Vec<DocId>,
    scores: Vec<Score>,
}

/// What a cached unit is known by: the index generation (its statistics), the segment, the
/// boost its scores were computed with (and whether they were) and the unit itself (its `Debug` form, which names
/// every term, field, boost and constant score in it).
#[derive(Clone, PartialEq, Eq, Hash)]
struct Key {
    generation: u64,
    segment: SegmentId,
    boost: u32,
    scored: bool,
    unit: Arc<str>,
}

/// The cache, bounded by the bytes its arrays take.
#[derive(Clone)]
pub(super) struct UnitCache {
    units: moka::sync::Cache<Key, Arc<Matches>>,
}

impl UnitCache {
    /// A cache of at most `bytes` of documents and scores (4 bytes per document matched and 4
    /// per score, plus each unit's key).
    pub(super) fn new(bytes: u64) -> Self {
        UnitCache {
            units: moka::sync::Cache::builder()
                .max_capacity(bytes)
                // The arrays, the key's text and about 64 bytes of bookkeeping.
                .weigher(|k: &Key, m: &Arc<Matches>| {
                    u32::try_from(4 * (m.docs.len() + m.scores.len()) + k.unit.len() + 64)
                        .unwrap_or(u32::MAX)
                })
                .time_to_idle(std::time::Duration::from_secs(600))
                .build(),
        }
    }

    /// `query`, its matches kept in this cache (under the searcher `generation`).
    pub(super) fn unit(&self, query: Box<dyn Query>, generation: u64) -> Box<dyn Query> {
        let unit: Arc<str> = format!("{query:?}").into();
        Box::new(Cached {
            query: Arc::from(query),
            unit,
            generation,
            cache: self.clone(),
        })
    }
}

/// A query whose matches are read from, or kept in, a [`UnitCache`].
pub(super) struct Cached {
    query: Arc<dyn Query>,
    unit: Arc<str>,
    generation: u64,
    cache: UnitCache,
}

impl std::fmt::Debug for Cached {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Cached({})", self.unit)
    }
}

impl Clone for Cached {
    fn clone(&self) -> Self {
        Cached {
            query: Arc::clone(&self.query),
            unit: Arc::clone(&self.unit),
            generation: self.generation,
            cache: self.cache.clone(),
        }
    }
}

impl Query for Cached {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        // The unit's own weight (its terms' statistics, looked up in every segment) is built
        // on the first segment whose matches are not kept: never, once they all are. It can
        // wait when it would be built from the searcher alone (its statistics are the
        // searcher's), which is kept for it.
        let later = match scoring {
            EnableScoring::Enabled {
                searcher,
                statistics_provider,
            } if std::ptr::addr_eq(
                statistics_provider as *const dyn Bm25StatisticsProvider,
                searcher as *const Searcher,
            ) =>
            {
                Some(searcher.clone())
            }
            EnableScoring::Disabled {
                searcher_opt: Some(searcher),
                schema,
            } if std::ptr::eq(schema, searcher.schema()) => Some(searcher.clone()),
            _ => None,
        };
        let inner = OnceLock::new();
        if later.is_none() {
            let _ = inner.set(self.query.weight(scoring)?);
        }
        // Without scores (counting, a price sort, a clause that only matches) the matches
        // are kept apart from the scored ones.
        Ok(Box::new(CachedWeight {
            scored: scoring.is_scoring_enabled(),
            query: Arc::clone(&self.query),
            searcher: later,
            inner,
            unit: Arc::clone(&self.unit),
            generation: self.generation,
            cache: self.cache.clone(),
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.query.query_terms(visitor);
    }
}

struct CachedWeight {
    scored: bool,
    query: Arc<dyn Query>,
    /// The searcher to build the unit's own weight from, when it waits (see `Cached::weight`).
    searcher: Option<Searcher>,
    inner: OnceLock<Box<dyn Weight>>,
    unit: Arc<str>,
    generation: u64,
    cache: UnitCache,
}

impl CachedWeight {
    /// The unit's own weight, built now if it waited.
    fn inner(&self) -> tantivy::Result<&dyn Weight> {
        if let Some(weight) = self.inner.get() {
            return Ok(weight.as_ref());
        }
        let searcher = self.searcher.as_ref().ok_or_else(|| {
            tantivy::TantivyError::InternalError("a cached unit without its weight".into())
        })?;
        let scoring = if self.scored {
            EnableScoring::enabled_from_searcher(searcher)
        } else {
            EnableScoring::disabled_from_searcher(searcher)
        };
        let weight = self.query.weight(scoring)?;
        Ok(self.inner.get_or_init(|| weight).as_ref())
    }
}

impl Weight for CachedWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let key = Key {
            generation: self.generation,
            segment: reader.segment_id(),
            boost: boost.to_bits(),
            scored: self.scored,
            unit: Arc::clone(&self.unit),
        };
        let matches = match self.cache.units.get(&key) {
            Some(m) => m,
            None => {
                let mut scorer = self.inner()?.scorer(reader, boost)?;
                let hint = scorer.size_hint() as usize;
                let mut docs = Vec::with_capacity(hint);
                // A matching-only unit keeps no scores (its scorer answers 0).
                let mut scores = Vec::with_capacity(if self.scored { hint } else { 0 });
                while scorer.doc() != TERMINATED {
                    docs.push(scorer.doc());
                    if self.scored {
                        scores.push(scorer.score());
                    }
                    scorer.advance();
                }
                let m = Arc::new(Matches { docs, scores });
                self.cache.units.insert(key, Arc::clone(&m));
                m
            }
        };
        Ok(Box::new(ArrayScorer { matches, at: 0 }))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        self.inner()?.explain(reader, doc)
    }
}

/// The documents and scores of a cached unit, as a scorer.
struct ArrayScorer {
    matches: Arc<Matches>,
    at: usize,
}

impl DocSet for ArrayScorer {
    fn advance(&mut self) -> DocId {
        self.at = (self.at + 1).min(self.matches.docs.len());
        self.doc()
    }

    /// Galloping from the current position, then a binary search: an intersection seeks to
    /// documents close ahead as often as far ahead.
    fn seek(&mut self, target: DocId) -> DocId {
        let docs = &self.matches.docs;
        if self.doc() >= target {
            return self.doc();
        }
        let mut step = 1;
        let mut low = self.at;
        let mut high = self.at + step;
        while high < docs.len() && docs[high] < target {
            low = high;
            step *= 2;
            high = self.at + step;
        }
        let high = high.min(docs.len());
        self.at = low + docs[low..high].partition_point(|&d| d < target);
        self.doc()
    }

    fn doc(&self) -> DocId {
        self.matches
            .docs
            .get(self.at)
            .copied()
            .unwrap_or(TERMINATED)
    }

    fn size_hint(&self) -> u32 {
        u32::try_from(self.matches.docs.len() - self.at).unwrap_or(u32::MAX)
    }
}

impl Scorer for ArrayScorer {
    fn score(&mut self) -> Score {
        self.matches.scores.get(self.at).copied().unwrap_or(0.0)
    }
}

#[cfg(test)]
mod tests {
    use tantivy::collector::TopDocs;
    use tantivy::query::{ConstScoreQuery, Occur};

    use super::super::lazy_union::body_index;
    use super::super::query::{bool_of, term_query};
    use super::*;

    /// A cached unit matches and scores as the unit itself, the first time (when it is
    /// read and kept) and the next (from the cache), alone and sought by an intersection.
    #[test]
    fn a_cached_unit_matches_and_scores_as_the_unit() {
        let (searcher, body) = body_index((0..5_000u32).map(|i| {
            let mut words = Vec::new();
            if i % 2 == 0 {
                words.push("a");
            }
            if i % 7 == 0 {
                words.push("b b");
            }
            if i % 131 == 0 {
                words.push("c");
            }
            words.join(" ")
        }));
        let generation = searcher.generation().generation_id();
        let cache = UnitCache::new(1 << 20);
        let unit = || {
            bool_of(
                Occur::Should,
                vec![term_query(body, "a", 1.0), term_query(body, "b", 2.0)],
            )
        };
        let ranked = |q: &dyn Query| -> Vec<(u32, i64)> {
            searcher
                .search(q, &TopDocs::with_limit(10_000).order_by_score())
                .expect("search")
                .into_iter()
                .map(|(s, a)| (a.doc_id, (s * 1000.0).round() as i64))
                .collect()
        };
        let plain = ranked(unit().as_ref());
        assert!(plain.len() > 2_000, "{}", plain.len());
        let cached = cache.unit(unit(), generation);
        assert_eq!(ranked(cached.as_ref()), plain, "first time");
        assert_eq!(cache.units.iter().count(), 1);
        assert_eq!(ranked(cached.as_ref()), plain, "from the cache");
        // Sought by the rare "c": the same documents and scores.
        let and = |u: Box<dyn Query>| bool_of(Occur::Must, vec![term_query(body, "c", 1.0), u]);
        let sought = ranked(and(unit()).as_ref());
        assert!(!sought.is_empty() && sought.len() < 50);
        assert_eq!(ranked(and(cache.unit(unit(), generation)).as_ref()), sought);
        // Matching only (under a constant score): the same documents, kept apart.
        let constant = |u: Box<dyn Query>| ranked(&ConstScoreQuery::new(u, 0.5));
        assert_eq!(constant(cache.unit(unit(), generation)), constant(unit()));
        assert_eq!(constant(cache.unit(unit(), generation)), constant(unit()));
        cache.units.run_pending_tasks();
        assert_eq!(cache.units.iter().count(), 2);
        // Another generation is another entry.
        let _ = ranked(cache.unit(unit(), generation + 1).as_ref());
        cache.units.run_pending_tasks();
        assert_eq!(cache.units.iter().count(), 3);
    }
}
