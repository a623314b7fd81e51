//! Query building: what one syllable or synonym matches, the text query of each search
//! mode, and the score-only clauses that the rescorer adds.

use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, FuzzyTermQuery, Occur, PhrasePrefixQuery,
    PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Searcher, Term};

use super::Inner;
use super::analysis::{MAX_PREFIX_CHARS, Syllable};
use super::coverage::{Coverage, Unit};
use super::lazy_union::LazyUnion;
use super::synonyms::SYNONYMS;
use crate::Result;

// Ranking weights. Tier weights multiply every clause on that tier.
pub(super) const W_TITLE: f32 = 3.0;
const W_META: f32 = 1.5;
const W_BODY: f32 = 1.0;
const W_EN_TITLE: f32 = 2.0;
const W_EN_BODY: f32 = 0.8;
/// Extra for an exact (diacritics-matching) term, on top of the folded match.
pub(super) const EXACT_BONUS: f32 = 1.0;
/// Constant scores (times the tier weight) of fuzzy and prefix matches.
const FUZZY: f32 = 0.4;
pub(super) const PREFIX: f32 = 0.5;
/// Constant score (times the tier weight) of a word beginning with the typed syllable,
/// tone marks and all: above a whole folded match, which may carry other tone marks.
const EXACT_PREFIX: f32 = 2.0;
pub(super) const PHRASE: f32 = 1.0;
const PAIR: f32 = 0.5;
/// Constant score (times the title weight) of the query as a phrase whose last word is a prefix.
pub(super) const PHRASE_PREFIX: f32 = 2.5;
/// How many index terms the last word of a phrase prefix may stand for.
const PREFIX_EXPANSIONS: u32 = 100;
/// A synonym match scores this fraction of a direct one.
const SYNONYM: f32 = 0.8;
/// The share of a query's weight (see [`Coverage`]) a document must cover to be found at
/// all when not every word matches: more than a common word alone, so that a query whose
/// telling words match nothing finds nothing.
pub(super) const RELEVANCE_FLOOR: f32 = 0.5;

/// The share of a relaxed unit's weight a match in a description alone carries (see
/// [`Inner::text_query`]).
const BODY_ONLY: f32 = 0.5;

pub(super) fn boxed(q: impl Query) -> Box<dyn Query> {
    Box::new(q)
}

pub(super) fn boost(q: Box<dyn Query>, weight: f32) -> Box<dyn Query> {
    boxed(BoostQuery::new(q, weight))
}

pub(super) fn term_query(field: Field, value: &str, weight: f32) -> Box<dyn Query> {
    boost(
        boxed(TermQuery::new(
            Term::from_field_text(field, value),
            IndexRecordOption::WithFreqs,
        )),
        weight,
    )
}

fn phrase_query(field: Field, words: &[&str], slop: u32, weight: f32) -> Box<dyn Query> {
    let terms = words
        .iter()
        .map(|w| Term::from_field_text(field, w))
        .collect();
    let mut q = PhraseQuery::new(terms);
    q.set_slop(slop);
    boost(boxed(q), weight)
}

/// Documents where `words` follow each other, from the pairs field (shingles): one term for
/// two words, every neighbouring pair for more (close to a phrase, without positions).
pub(super) fn pairs_query(pairs: Field, words: &[&str], weight: f32) -> Box<dyn Query> {
    let terms = words
        .windows(2)
        .map(|w| term_query(pairs, &format!("{} {}", w[0], w[1]), weight))
        .collect();
    bool_of(Occur::Must, terms)
}

/// Words starting with `prefix`, at a constant score: one term of the prefixes field (edge
/// n-grams), or for a prefix longer than those, a walk over the field's term dictionary.
pub(super) fn prefix_query(
    field: Field,
    prefixes: Field,
    prefix: &str,
    score: f32,
) -> Box<dyn Query> {
    let q = if prefix.chars().count() <= MAX_PREFIX_CHARS {
        raw_term(prefixes, prefix)
    } else {
        boxed(FuzzyTermQuery::new_prefix(
            Term::from_field_text(field, prefix),
            0,
            false,
        ))
    };
    boxed(ConstScoreQuery::new(q, score))
}

/// The words followed by a word starting with the last one, as a constant score (tantivy's
/// phrase-prefix scorer ignores boosts).
pub(super) fn phrase_prefix(terms: Vec<Term>, score: f32) -> Box<dyn Query> {
    let mut q = PhrasePrefixQuery::new(terms);
    q.set_max_expansions(PREFIX_EXPANSIONS);
    boxed(ConstScoreQuery::new(boxed(q), score))
}

pub(super) fn raw_term(field: Field, value: &str) -> Box<dyn Query> {
    boxed(TermQuery::new(
        Term::from_field_text(field, value),
        IndexRecordOption::Basic,
    ))
}

/// Documents matching any of `clauses`, scored by the sum of those that match (see
/// [`LazyUnion`]).
pub(super) fn union(mut clauses: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    if clauses.len() == 1
        && let Some(only) = clauses.pop()
    {
        return only;
    }
    boxed(LazyUnion(clauses))
}

pub(super) fn bool_of(occur: Occur, mut clauses: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    if clauses.len() == 1
        && let Some(only) = clauses.pop()
    {
        return only;
    }
    boxed(BooleanQuery::new(
        clauses.into_iter().map(|c| (occur, c)).collect(),
    ))
}

/// How much a text query asks. Searches try these in turn (see [`Inner::search`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Mode {
    /// Every syllable (or synonym span) must match; otherwise enough of them (see
    /// [`Coverage`]).
    pub(super) strict: bool,
    /// Descriptions count for matching; otherwise they only add to the score.
    pub(super) body: bool,
}

/// Every word in a title or a cooperative's names: the cheap first try.
pub(super) const STRICT: Mode = Mode {
    strict: true,
    body: false,
};

/// Enough of the words anywhere, the documents covering most of them first.
pub(super) const RELAXED: Mode = Mode {
    strict: false,
    body: true,
};

/// A text query in two parts (see [`Inner::text_query`]).
pub(super) struct TextQuery {
    pub(super) matcher: Box<dyn Query>,
    pub(super) bonus: Vec<Box<dyn Query>>,
}

impl Inner {
    /// The English stem of a syllable (for the `en_*` fields), if it is plain ASCII.
    fn stem(&self, analyzer: &mut TextAnalyzer, syllable: &Syllable) -> Option<String> {
        if !syllable.exact.is_ascii() {
            return None;
        }
        let mut stream = analyzer.token_stream(&syllable.exact);
        stream.next().map(|t| t.text.clone())
    }

    /// Everything one query syllable can match, as SHOULD clauses. Without `body`, the
    /// descriptions are left out (see [`Inner::scoring`]). `loose` (a unit of the relaxed
    /// search, which needs not every unit to match): no typos, and a syllable typed with
    /// its marks matches them exactly. "cơm" is then not "cốm", nor "máy" "mây": folding
    /// forgives a wrong mark where every other word agrees, not where a word stands alone.
    fn syllable_clause(
        &self,
        searcher: &Searcher,
        analyzer: &mut TextAnalyzer,
        s: &Syllable,
        prefix: bool,
        body: bool,
        loose: bool,
    ) -> Result<Box<dyn Query>> {
        let f = &self.fields;
        let typos = !loose;
        let marked = loose && s.has_diacritics();
        let tiers = [
            (f.title_x, f.title_f, W_TITLE),
            (f.meta_x, f.meta_f, W_META),
            (f.body_x, f.body_f, W_BODY),
        ];
        let mut clauses: Vec<Box<dyn Query>> = Vec::with_capacity(8);
        // Exact (diacritics) terms only add to the score of folded matches: they are
        // optional clauses of the whole query (see `Inner::exact_scoring`).
        for (exact, folded, w) in tiers.into_iter().take(if body { 3 } else { 2 }) {
            if marked {
                clauses.push(term_query(exact, &s.exact, w));
            } else {
                clauses.push(term_query(folded, &s.folded, w));
            }
        }
        if let Some(stem) = self.stem(analyzer, s) {
            clauses.push(term_query(f.en_title, &stem, W_EN_TITLE));
            if body {
                clauses.push(term_query(f.en_body, &stem, W_EN_BODY));
            }
        }
        // A syllable typed with its marks is corrected among words with marks, one edit from
        // it as typed ("tằn" → "tằm"): whoever typed "giặt" did not mean "giấy", one edit
        // from it once both are folded.
        let (short_fields, typed) = if s.has_diacritics() {
            ([(f.title_x, W_TITLE), (f.meta_x, W_META)], &s.exact)
        } else {
            ([(f.title_f, W_TITLE), (f.meta_f, W_META)], &s.folded)
        };
        for (field, w) in short_fields.into_iter().filter(|_| typos) {
            let typos = self.typos(searcher, field, typed)?;
            if !typos.is_empty() {
                // A union of postings at a constant score: for a few terms, cheaper than a
                // `TermSetQuery` (which builds an FST per query).
                let terms = typos.iter().map(|t| raw_term(field, t)).collect::<Vec<_>>();
                clauses.push(boxed(ConstScoreQuery::new(union(terms), w * FUZZY)));
            }
        }
        if prefix {
            // One letter would match every cooperative ("HTX …") in meta: titles only.
            let fields = [
                (f.title_f, f.title_prefixes, W_TITLE),
                (f.meta_f, f.meta_prefixes, W_META),
            ];
            let n = if s.folded.chars().count() >= 2 { 2 } else { 1 };
            for (field, prefixes, w) in fields.into_iter().take(n).filter(|_| !marked) {
                clauses.push(prefix_query(field, prefixes, &s.folded, w * PREFIX));
            }
            // Tone marks typed so far ("gố") say which words they begin ("gốm", not "gỗ",
            // whose folded form "go" the syllable matches whole): those rank above.
            if s.has_diacritics() {
                for (field, w) in [(f.title_x, W_TITLE), (f.meta_x, W_META)]
                    .into_iter()
                    .take(n)
                {
                    clauses.push(boxed(ConstScoreQuery::new(
                        boxed(FuzzyTermQuery::new_prefix(
                            Term::from_field_text(field, &s.exact),
                            0,
                            false,
                        )),
                        w * EXACT_PREFIX,
                    )));
                }
            }
        }
        Ok(union(clauses))
    }

    /// Score-only clauses: the exact (diacritics) forms of the syllables that have some, and
    /// the descriptions when they do not take part in matching (`body` false).
    fn scoring(
        &self,
        analyzer: &mut TextAnalyzer,
        syllables: &[Syllable],
        body: bool,
    ) -> Vec<Box<dyn Query>> {
        let f = &self.fields;
        let mut clauses = Vec::with_capacity(syllables.len() * 3);
        for s in syllables {
            if s.has_diacritics() {
                for (field, w) in [(f.title_x, W_TITLE), (f.meta_x, W_META), (f.body_x, W_BODY)] {
                    clauses.push(term_query(field, &s.exact, w * EXACT_BONUS));
                }
            }
            if !body {
                clauses.push(term_query(f.body_f, &s.folded, W_BODY));
                if let Some(stem) = self.stem(analyzer, s) {
                    clauses.push(term_query(f.en_body, &stem, W_EN_BODY));
                }
            }
        }
        clauses
    }

    /// The score `words` add where a title or a name has them all, one after the other
    /// (see [`SearchQuery::rank_words`](crate::SearchQuery::rank_words)); none without
    /// words.
    pub(super) fn rank_words(&self, words: &str) -> Option<Box<dyn Query>> {
        let f = &self.fields;
        let (syllables, _) = super::analysis::query_syllables(words);
        let folded: Vec<&str> = syllables.iter().map(|s| s.folded.as_str()).collect();
        let clauses = match folded.as_slice() {
            [] => return None,
            [one] => vec![
                term_query(f.title_f, one, W_TITLE * PHRASE),
                term_query(f.meta_f, one, W_META * PHRASE),
            ],
            many => vec![
                pairs_query(f.title_pairs, many, W_TITLE * PHRASE),
                pairs_query(f.meta_pairs, many, W_META * PHRASE),
            ],
        };
        Some(union(clauses))
    }

    /// Clauses matching one synonym value (Vietnamese) on the folded/exact fields.
    fn synonym_clause(&self, value: &[Syllable], body: bool) -> Box<dyn Query> {
        let f = &self.fields;
        let tiers = if body { 3 } else { 2 };
        let mut clauses = Vec::with_capacity(3);
        if let [single] = value {
            let fields = [(f.title_x, W_TITLE), (f.meta_x, W_META), (f.body_x, W_BODY)];
            for (field, w) in fields.into_iter().take(tiers) {
                clauses.push(term_query(field, &single.exact, w * SYNONYM));
            }
        } else {
            let words: Vec<&str> = value.iter().map(|s| s.folded.as_str()).collect();
            let fields = [
                (f.title_pairs, W_TITLE),
                (f.meta_pairs, W_META),
                (f.body_pairs, W_BODY),
            ];
            for (field, w) in fields.into_iter().take(tiers) {
                clauses.push(pairs_query(field, &words, w * SYNONYM));
            }
        }
        union(clauses)
    }

    /// The match units of `syllables[from..to]`: one per syllable, except that a span that a
    /// synonym key covers (longest first, at most `max_key` syllables) becomes one unit
    /// "all its syllables (again split into units) OR any of the synonym's values".
    #[allow(clippy::too_many_arguments)]
    fn units(
        &self,
        searcher: &Searcher,
        analyzer: &mut TextAnalyzer,
        syllables: &[Syllable],
        from: usize,
        to: usize,
        typing: bool,
        max_key: usize,
        body: bool,
        loose: bool,
    ) -> Result<Vec<(Box<dyn Query>, usize)>> {
        let n = syllables.len();
        let folded: Vec<&str> = syllables[from..to]
            .iter()
            .map(|s| s.folded.as_str())
            .collect();
        let mut units = Vec::new();
        let mut i = from;
        while i < to {
            match SYNONYMS.longest_at(&folded[i - from..], max_key) {
                Some((len, values)) => {
                    let inner = if len == 1 {
                        vec![self.syllable_clause(
                            searcher,
                            analyzer,
                            &syllables[i],
                            typing && i + 1 == n,
                            body,
                            loose,
                        )?]
                    } else {
                        self.units(
                            searcher,
                            analyzer,
                            syllables,
                            i,
                            i + len,
                            typing,
                            len - 1,
                            body,
                            loose,
                        )?
                        .into_iter()
                        .map(|(q, _)| q)
                        .collect()
                    };
                    let mut alternatives = vec![bool_of(Occur::Must, inner)];
                    alternatives.extend(values.iter().map(|v| self.synonym_clause(v, body)));
                    units.push((union(alternatives), len));
                    i += len;
                }
                None => {
                    units.push((
                        self.syllable_clause(
                            searcher,
                            analyzer,
                            &syllables[i],
                            typing && i + 1 == n,
                            body,
                            loose,
                        )?,
                        1,
                    ));
                    i += 1;
                }
            }
        }
        Ok(units)
    }

    /// `unit`, its matches kept in the unit cache (when there is one). A unit is kept whole,
    /// so it is read whole the first time, through tantivy's windowed union (the faster one
    /// for that, see `LazyUnion`).
    fn cached(&self, searcher: &Searcher, unit: Box<dyn Query>) -> Box<dyn Query> {
        let Some(cache) = &self.units else {
            return unit;
        };
        let unit = match unit.downcast::<LazyUnion>() {
            Ok(lazy) => bool_of(Occur::Should, lazy.0),
            Err(unit) => unit,
        };
        cache.unit(unit, searcher.generation().generation_id())
    }

    /// Documents matching every unit. One unit is visited whole, document after document,
    /// and never sought: tantivy's windowed union is the faster one there (see `LazyUnion`).
    fn all_of(units: Vec<Box<dyn Query>>) -> Box<dyn Query> {
        match <[_; 1]>::try_from(units) {
            Ok([unit]) => match unit.downcast::<LazyUnion>() {
                Ok(lazy) => bool_of(Occur::Should, lazy.0),
                Err(unit) => unit,
            },
            Err(units) => bool_of(Occur::Must, units),
        }
    }

    /// How much a syllable tells documents apart: the inverse document frequency of its most
    /// frequent form (folded in the Vietnamese fields, or as typed when typed with marks that
    /// some document has; stemmed in the English ones; and for a syllable being typed, as the
    /// beginning of a word). A syllable no document has weighs the most.
    fn idf(
        &self,
        searcher: &Searcher,
        analyzer: &mut TextAnalyzer,
        s: &Syllable,
        prefix: bool,
    ) -> Result<f32> {
        let f = &self.fields;
        let folded = || {
            vec![
                Term::from_field_text(f.title_f, &s.folded),
                Term::from_field_text(f.meta_f, &s.folded),
                Term::from_field_text(f.body_f, &s.folded),
            ]
        };
        let most = |terms: &[Term]| -> Result<u64> {
            let mut df = 0u64;
            for t in terms {
                df = df.max(searcher.doc_freq(t).map_err(super::index_err)?);
            }
            Ok(df)
        };
        // As the relaxed search matches it: a syllable typed with marks, with them, unless
        // no document has it so (a mark mistyped: "lể" for "lễ"), then as the folded word
        // it most likely means.
        let mut df = 0;
        if s.has_diacritics() {
            df = most(&[
                Term::from_field_text(f.title_x, &s.exact),
                Term::from_field_text(f.meta_x, &s.exact),
                Term::from_field_text(f.body_x, &s.exact),
            ])?;
        }
        let mut terms = if df == 0 { folded() } else { Vec::new() };
        if prefix && !s.has_diacritics() && s.folded.chars().count() <= MAX_PREFIX_CHARS {
            terms.push(Term::from_field_text(f.title_prefixes, &s.folded));
            terms.push(Term::from_field_text(f.meta_prefixes, &s.folded));
        }
        if let Some(stem) = self.stem(analyzer, s) {
            terms.push(Term::from_field_text(f.en_title, &stem));
            terms.push(Term::from_field_text(f.en_body, &stem));
        }
        df = df.max(most(&terms)?);
        let n = searcher.num_docs() as f32;
        let df = df as f32;
        Ok((1.0 + (n - df + 0.5) / (df + 0.5)).ln())
    }

    /// The text part of a search, asking as much as `mode` says: the query that decides what
    /// matches (and gives the first score), and the clauses that only add to the score of
    /// what matched (exact diacritics, proximity, descriptions), applied by [`Inner::rescore`]
    /// to the best candidates only.
    pub(super) fn text_query(
        &self,
        searcher: &Searcher,
        syllables: &[Syllable],
        typing: bool,
        mode: Mode,
    ) -> Result<TextQuery> {
        let f = &self.fields;
        let mut analyzer = self.en.clone();
        let n = syllables.len();
        let folded: Vec<&str> = syllables.iter().map(|s| s.folded.as_str()).collect();
        let units_in = |body: bool, loose: bool| {
            self.units(
                searcher,
                &mut analyzer.clone(),
                syllables,
                0,
                n,
                typing,
                n,
                body,
                loose,
            )
        };
        let units = |loose: bool| units_in(mode.body, loose);
        let all = Self::all_of(
            units(false)?
                .into_iter()
                .map(|(q, _)| self.cached(searcher, q))
                .collect(),
        );
        let matcher = if mode.strict || n == 1 {
            all
        } else {
            // Graceful relaxation: each unit weighs what it tells apart (its syllables'
            // inverse document frequencies), and a document must cover RELEVANCE_FLOOR of the
            // query's weight. Typos and folding only count where every unit matches (the
            // strict query, as one clause covering them all, with at least one unit matched
            // as typed): a unit matched by a typo or a different mark alone is too weak a
            // sign to count as part of a document's coverage.
            //
            // A word found in a description only is half the evidence of one in a title or
            // a name: each unit is a clause anywhere carrying BODY_ONLY of its weight, and a
            // clause on titles and names only (no score, covering nothing more) the rest. A
            // description mentioning one word of "máy giặt" ("giặt tay") is not a match.
            let mut at = 0;
            let loose = units(true)?;
            let titles = if mode.body {
                units_in(false, true)?
            } else {
                Vec::new()
            };
            let loose = loose
                .into_iter()
                .map(|(q, len)| (self.cached(searcher, q), len));
            let mut titles = titles.into_iter();
            let mut weighted = Vec::with_capacity(2 * loose.len() + 1);
            for (unit, len) in loose {
                let mut weight = 0.0;
                for (i, s) in syllables[at..at + len].iter().enumerate() {
                    let last = at + i + 1 == n;
                    weight += self.idf(searcher, &mut analyzer, s, typing && last)?;
                }
                let share = match titles.next() {
                    Some((title, _)) => {
                        weighted.push(Unit {
                            query: boxed(ConstScoreQuery::new(self.cached(searcher, title), 0.0)),
                            weight: weight * (1.0 - BODY_ONLY),
                            covers: 0,
                            alone: true,
                        });
                        BODY_ONLY
                    }
                    None => 1.0,
                };
                weighted.push(Unit {
                    query: unit,
                    weight: weight * share,
                    covers: 1,
                    alone: true,
                });
                at += len;
            }
            let total: f32 = weighted.iter().map(|u| u.weight).sum();
            let count: usize = weighted.iter().map(|u| u.covers).sum();
            weighted.push(Unit {
                query: all,
                weight: total,
                covers: count,
                alone: false,
            });
            boxed(Coverage {
                units: weighted,
                floor: total * RELEVANCE_FLOOR,
                most: count,
            })
        };

        let mut clauses = self.scoring(&mut analyzer, syllables, mode.body);
        // Proximity on titles only: reading positions is the costliest part of a query. While
        // typing, the phrase-prefix also covers the finished phrase.
        if n >= 2 {
            let phrase = if typing {
                let terms = folded
                    .iter()
                    .map(|w| Term::from_field_text(f.title_f, w))
                    .collect();
                phrase_prefix(terms, W_TITLE * PHRASE_PREFIX)
            } else {
                phrase_query(f.title_f, &folded, 1, W_TITLE * PHRASE)
            };
            clauses.push(phrase);
        }
        if n >= 3 {
            for pair in folded.windows(2) {
                clauses.push(pairs_query(f.title_pairs, pair, W_TITLE * PAIR));
            }
        }
        Ok(TextQuery {
            matcher,
            bonus: clauses,
        })
    }
}
