//! Typo tolerance: the index terms a mistyped syllable also matches, and the corrected
//! query offered when nothing matched.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use tantivy::collector::Count;
use tantivy::query::{FuzzyTermQuery, Occur, Query};
use tantivy::schema::Field;
use tantivy::{Searcher, Term};

use super::analysis::{Syllable, query_syllables};
use super::query::RELAXED;
use super::{Inner, index_err};
use crate::text;
use crate::{Result, SearchError};

/// At most this many index terms stand for one mistyped syllable.
const MAX_FUZZY_TERMS: usize = 64;

/// Typo matches of a folded syllable in `field`: its sound-alike spellings
/// ([`text::confusable_variants`]) that the index knows and, when the syllable itself is
/// (nearly) unknown in `field`, the index's terms within edit distance 1 (transpositions
/// count 1). Vietnamese syllables are dense: most have dozens of real syllables one edit
/// away ("hong": hon, dong, long, song, ong…), so a known syllable is taken as meant. Unlike
/// a plain fuzzy query this skips the syllable itself (matched directly) and terms shorter
/// than `min(len, 3)` characters, so "bat" does not match every "ba".
fn typo_terms(searcher: &Searcher, field: Field, folded: &str) -> Result<Vec<String>> {
    let chars = folded.chars().count();
    let min_len = chars.min(3);
    let known = searcher
        .doc_freq(&Term::from_field_text(field, folded))
        .map_err(index_err)?
        >= KNOWN_DOC_FREQ;
    let automaton = if chars >= 2 && !known {
        let q = FuzzyTermQuery::new(Term::from_field_text(field, folded), 1, true);
        Some(q.automaton().map_err(index_err)?)
    } else {
        None
    };
    let variants = text::confusable_variants(folded);
    let mut terms = BTreeSet::new();
    for segment in searcher.segment_readers() {
        let inverted = segment.inverted_index(field).map_err(index_err)?;
        let dictionary = inverted.terms();
        for variant in &variants {
            if !terms.contains(variant)
                && dictionary
                    .get(variant.as_bytes())
                    .map_err(index_err)?
                    .is_some()
            {
                terms.insert(variant.clone());
            }
        }
        let Some(automaton) = &automaton else {
            continue;
        };
        let mut stream = dictionary
            .search(automaton)
            .into_stream()
            .map_err(index_err)?;
        while stream.advance() && terms.len() < MAX_FUZZY_TERMS {
            let Ok(term) = std::str::from_utf8(stream.key()) else {
                continue;
            };
            if term != folded && term.chars().count() >= min_len {
                terms.insert(term.to_owned());
            }
        }
    }
    Ok(terms.into_iter().collect())
}

/// Typo expansions of the current searcher generation: the same syllables come back often
/// (and while typing), and expanding one walks every segment's term dictionary.
#[derive(Default)]
pub(super) struct TypoCache {
    generation: u64,
    terms: HashMap<(Field, String), Arc<Vec<String>>>,
}

const TYPO_CACHE_ENTRIES: usize = 20_000;
/// A syllable in at least this many documents' field is not expanded to its edit-distance
/// neighbours there (see [`typo_terms`]).
const KNOWN_DOC_FREQ: u64 = 3;

impl Inner {
    /// The typo terms of a syllable in `field` (cached per searcher generation).
    pub(super) fn typos(
        &self,
        searcher: &Searcher,
        field: Field,
        folded: &str,
    ) -> Result<Arc<Vec<String>>> {
        let generation = searcher.generation().generation_id();
        let key = (field, folded.to_owned());
        {
            let cache = self
                .typos
                .lock()
                .map_err(|_| SearchError::Index("typo cache lock poisoned".into()))?;
            if cache.generation == generation
                && let Some(terms) = cache.terms.get(&key)
            {
                return Ok(Arc::clone(terms));
            }
        }
        let terms = Arc::new(typo_terms(searcher, field, folded)?);
        let mut cache = self
            .typos
            .lock()
            .map_err(|_| SearchError::Index("typo cache lock poisoned".into()))?;
        if cache.generation != generation || cache.terms.len() >= TYPO_CACHE_ENTRIES {
            cache.generation = generation;
            cache.terms.clear();
        }
        cache.terms.insert(key, Arc::clone(&terms));
        Ok(terms)
    }

    /// A corrected query when nothing matched: each syllable that no folded field knows is
    /// replaced by the closest known one (edit distance ≤ 2, then most documents).
    pub(super) fn did_you_mean(
        &self,
        searcher: &Searcher,
        syllables: &[Syllable],
        filters: &[(Occur, Box<dyn Query>)],
    ) -> Result<Option<String>> {
        let f = &self.fields;
        let fields = [f.title_f, f.meta_f, f.body_f];
        let mut corrected = Vec::with_capacity(syllables.len());
        let mut changed = false;
        for s in syllables {
            let mut known = false;
            let mut candidates: HashMap<String, u64> = HashMap::new();
            let automaton =
                FuzzyTermQuery::new(Term::from_field_text(f.title_f, &s.folded), 2, true)
                    .automaton()
                    .map_err(index_err)?;
            'segments: for segment in searcher.segment_readers() {
                for field in fields {
                    let inverted = segment.inverted_index(field).map_err(index_err)?;
                    let terms = inverted.terms();
                    if terms.get(s.folded.as_bytes()).map_err(index_err)?.is_some() {
                        known = true;
                        break 'segments;
                    }
                    let mut stream = terms.search(&automaton).into_stream().map_err(index_err)?;
                    while stream.advance() {
                        if let Ok(term) = std::str::from_utf8(stream.key()) {
                            *candidates.entry(term.to_owned()).or_default() +=
                                u64::from(stream.value().doc_freq);
                        }
                    }
                }
            }
            if known {
                corrected.push(s.folded.clone());
                continue;
            }
            let best = candidates
                .into_iter()
                .map(|(term, df)| (text::edit_distance(&s.folded, &term), df, term))
                .filter(|(d, _, _)| *d <= 2)
                .min_by(|a, b| {
                    a.0.cmp(&b.0)
                        .then(b.1.cmp(&a.1))
                        .then_with(|| a.2.cmp(&b.2))
                });
            match best {
                Some((_, _, term)) => {
                    changed = true;
                    corrected.push(term);
                }
                None => corrected.push(s.folded.clone()),
            }
        }
        if !changed {
            return Ok(None);
        }
        let suggestion = corrected.join(" ");
        let (new_syllables, _) = query_syllables(&suggestion);
        let query = Self::with_filters(
            self.text_query(searcher, &new_syllables, false, RELAXED)?
                .matcher,
            filters,
        );
        let count = searcher.search(query.as_ref(), &Count).map_err(index_err)?;
        Ok((count > 0).then_some(suggestion))
    }
}
