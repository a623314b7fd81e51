//! Searching: the modes a search tries in turn, its segments searched in parallel, and
//! autocomplete.

use tantivy::collector::{Collector, Count, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, EnableScoring, Occur, PhraseQuery, Query};
use tantivy::schema::{Field, Value};
use tantivy::{DocAddress, Score, Searcher, TantivyDocument, TantivyError, Term};

use super::analysis::query_syllables;
use super::facets::FacetCollector;
use super::query::{
    EXACT_BONUS, PHRASE, PHRASE_PREFIX, PREFIX, RELAXED, STRICT, W_TITLE, boost, boxed,
    phrase_prefix, prefix_query, term_query, union,
};
use super::rescore::RESCORE_WINDOW;
use super::schema::parse_key;
use super::sort::{SortBy, scores};
use super::{Inner, index_err, search_permits};
use crate::{Facets, Hit, Result, SearchError, SearchQuery, SearchResults, Sort};
use std::sync::Arc;

/// Results per page when the query asks for 0, and the most it may ask for.
fn effective_limit(limit: usize) -> usize {
    match limit {
        0 => crate::DEFAULT_LIMIT,
        n => n.min(crate::MAX_LIMIT),
    }
}

/// `Searcher::search_with_executor`, with the calling thread searching the first segment
/// while `helpers` search the others: one thread to wake instead of one per segment, and
/// the caller does not sit idle. Without helpers, the segments one after the other.
fn search_segments<C: Collector>(
    searcher: &Searcher,
    query: &dyn Query,
    collector: &C,
    helpers: Option<&rayon::ThreadPool>,
    scoring: EnableScoring,
) -> tantivy::Result<C::Fruit> {
    let weight = query.weight(scoring)?;
    let weight = weight.as_ref();
    let readers = searcher.segment_readers();
    let collect = |ord: usize| {
        let reader = &readers[ord];
        collector.collect_segment(weight, ord as u32, reader)
    };
    let fruits = match helpers {
        Some(pool) if readers.len() > 1 => {
            let mut slots: Vec<Option<tantivy::Result<_>>> = Vec::new();
            slots.resize_with(readers.len(), || None);
            let (first, rest) = slots.split_at_mut(1);
            pool.in_place_scope(|scope| {
                for (i, slot) in rest.iter_mut().enumerate() {
                    let collect = &collect;
                    scope.spawn(move |_| *slot = Some(collect(i + 1)));
                }
                first[0] = Some(collect(0));
            });
            slots
                .into_iter()
                .map(|slot| {
                    slot.unwrap_or_else(|| {
                        Err(TantivyError::InternalError("segment not searched".into()))
                    })
                })
                .collect::<tantivy::Result<Vec<_>>>()?
        }
        _ => (0..readers.len())
            .map(collect)
            .collect::<tantivy::Result<Vec<_>>>()?,
    };
    collector.merge_fruits(fruits)
}

impl Inner {
    /// Runs `query` and ranks what it matches. Counting, facets and the first ranking visit
    /// every match with the cheap `query` alone; the `bonus` clauses then add their scores to
    /// the best [`RESCORE_WINDOW`] candidates, which are ranked again (as Lucene's rescorer
    /// does). A price sort does not score at all.
    #[allow(clippy::too_many_arguments)]
    fn run(
        &self,
        searcher: &Searcher,
        executor: Option<&rayon::ThreadPool>,
        query: &dyn Query,
        bonus: &[Box<dyn Query>],
        sort: Sort,
        limit: usize,
        offset: usize,
        facets: bool,
    ) -> Result<(u64, Vec<Hit>, Facets)> {
        let rescore = !bonus.is_empty() && scores(sort);
        let window = if rescore {
            (offset + limit).max(RESCORE_WINDOW)
        } else {
            limit
        };
        let top = TopDocs::with_limit(window)
            .and_offset(if rescore { 0 } else { offset })
            .order_by(SortBy {
                sort,
                defer_ties: rescore,
            });
        let facet_collector = facets.then_some(FacetCollector(&self.facet_tables));
        let collector = (top, Count, facet_collector);
        let scoring = if collector.requires_scoring() {
            EnableScoring::enabled_from_searcher(searcher)
        } else {
            EnableScoring::disabled_from_searcher(searcher)
        };
        let (mut docs, count, facets) =
            search_segments(searcher, query, &collector, executor, scoring).map_err(index_err)?;
        if rescore {
            self.rescore(searcher, bonus, sort, &mut docs)?;
            docs = docs.into_iter().skip(offset).take(limit).collect();
        }
        let hits = docs
            .into_iter()
            .map(|(key, address)| self.hit(searcher, address, key.score))
            .collect::<Result<Vec<_>>>()?;
        Ok((count as u64, hits, facets.unwrap_or_default()))
    }

    /// The hit at `address`: from [`Inner::hits`] when shown lately, else from the store.
    fn hit(&self, searcher: &Searcher, address: DocAddress, score: Score) -> Result<Hit> {
        let id = (
            searcher.segment_reader(address.segment_ord).segment_id(),
            address.doc_id,
        );
        if let Some(hit) = self.hits.get(&id) {
            return Ok(Hit {
                score,
                ..Hit::clone(&hit)
            });
        }
        let hit = self.stored_hit(searcher, address, score)?;
        self.hits.insert(id, Arc::new(hit.clone()));
        Ok(hit)
    }

    fn stored_hit(&self, searcher: &Searcher, address: DocAddress, score: Score) -> Result<Hit> {
        let f = &self.fields;
        let doc: TantivyDocument = searcher.doc(address).map_err(index_err)?;
        let text = |field: Field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        };
        let key = text(f.key)
            .as_deref()
            .and_then(parse_key)
            .ok_or_else(|| SearchError::Index("stored document without a valid key".into()))?;
        Ok(Hit {
            key,
            external_id: text(f.s_external_id),
            title_vi: text(f.s_title_vi).unwrap_or_default(),
            title_en: text(f.s_title_en),
            org_name: text(f.s_org_name).unwrap_or_default(),
            org_slug: text(f.s_org_slug).unwrap_or_default(),
            category_id: text(f.category_id),
            min_price: doc.get_first(f.price).and_then(|v| v.as_i64()),
            unit: text(f.s_unit),
            ocop_stars: doc
                .get_first(f.stars)
                .and_then(|v| v.as_u64())
                .and_then(|s| u8::try_from(s).ok())
                .unwrap_or(0),
            image: text(f.s_image),
            score,
        })
    }

    /// The executor for a search starting now: its segments in parallel when it runs alone
    /// (half the wait on two cores), one after the other when other searches are running
    /// (the cores are busy anyway, and handing segments between threads costs about a
    /// tenth of a query's CPU time). This search holds one of the permits in use (none when
    /// called without a runtime, where nothing else runs).
    fn executor(&self) -> Option<&rayon::ThreadPool> {
        let in_use = search_permits().saturating_sub(self.searching.available_permits());
        if in_use <= 1 {
            self.helpers.as_ref()
        } else {
            None
        }
    }

    pub(super) fn search(&self, q: &SearchQuery) -> Result<SearchResults> {
        let searcher = self.reader.searcher();
        let executor = self.executor();
        let limit = effective_limit(q.limit);
        let filters = self.filters(q);
        let (syllables, typing) = query_syllables(&q.text);
        if syllables.is_empty() {
            let query = Self::with_filters(boxed(AllQuery), &filters);
            let (total, hits, facets) = self.run(
                &searcher,
                executor,
                query.as_ref(),
                &[],
                q.sort,
                limit,
                q.offset,
                !q.skip_facets,
            )?;
            return Ok(SearchResults {
                total,
                hits,
                facets,
                suggestion: None,
            });
        }
        // Every word in a title first. When that fills the page (or, sorted by anything but
        // relevance, finds anything), the relaxed search would only add documents ranked
        // after these. Otherwise the relaxed one: every document covering enough of the
        // words, anywhere, those covering the most first.
        let need = q.offset.saturating_add(limit) as u64;
        let mut found = None;
        let preferred = self.preferred(q);
        let rank_words = self.rank_words(&q.rank_words);
        for mode in [STRICT, RELAXED] {
            let mut text = self.text_query(&searcher, &syllables, typing, mode)?;
            text.bonus.extend(preferred.as_ref().map(|p| p.box_clone()));
            text.bonus
                .extend(rank_words.as_ref().map(|p| p.box_clone()));
            let query = Self::with_filters(text.matcher, &filters);
            let (total, hits, facets) = self.run(
                &searcher,
                executor,
                query.as_ref(),
                &text.bonus,
                q.sort,
                limit,
                q.offset,
                !q.skip_facets,
            )?;
            let enough = total >= need || (total > 0 && !scores(q.sort));
            found = Some((total, hits, facets));
            if enough {
                break;
            }
        }
        let (total, hits, facets) = found.unwrap_or_default();
        let suggestion = if total == 0 {
            self.did_you_mean(&searcher, &syllables, &filters)?
        } else {
            None
        };
        Ok(SearchResults {
            total,
            hits,
            facets,
            suggestion,
        })
    }

    pub(super) fn suggest(&self, prefix: &str, limit: usize) -> Result<Vec<Hit>> {
        let f = &self.fields;
        let (syllables, typing) = query_syllables(prefix);
        if syllables.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let n = syllables.len();
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (i, s) in syllables.iter().enumerate() {
            let mut alternatives = vec![term_query(f.title_f, &s.folded, W_TITLE)];
            if s.has_diacritics() {
                alternatives.push(term_query(f.title_x, &s.exact, W_TITLE * EXACT_BONUS));
            }
            if typing && i + 1 == n {
                alternatives.push(prefix_query(
                    f.title_f,
                    f.title_prefixes,
                    &s.folded,
                    W_TITLE * PREFIX,
                ));
            }
            clauses.push((Occur::Must, union(alternatives)));
        }
        if n >= 2 {
            let terms = syllables
                .iter()
                .map(|s| Term::from_field_text(f.title_f, &s.folded))
                .collect();
            let phrase = if typing {
                phrase_prefix(terms, W_TITLE * PHRASE_PREFIX)
            } else {
                boost(boxed(PhraseQuery::new(terms)), W_TITLE * PHRASE)
            };
            clauses.push((Occur::Should, phrase));
        }
        let query = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
        let executor = self.executor();
        let (_, hits, _) = self.run(
            &searcher,
            executor,
            &query,
            &[],
            Sort::Relevance,
            limit.min(crate::MAX_LIMIT),
            0,
            false,
        )?;
        Ok(hits)
    }
}
