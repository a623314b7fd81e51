//! The embedded search backend on [tantivy](https://docs.rs/tantivy).
//!
//! **Two fields per text.** Every text is indexed twice with our own syllable tokenizers
//! (NFC, lower case, split on non-alphanumeric characters): an *exact* field keeps the
//! diacritics, a *folded* field drops them (`đ` → `d`). A query without accents ("gom su
//! bat trang") matches the folded field; a query with accents also matches the exact field,
//! which scores extra, so "mật" ranks "mật ong" above "mặt nạ". English texts are also
//! indexed with tantivy's English stemmer (plus irregular plurals: "scarves" finds "scarf").
//!
//! Texts are grouped in tiers weighted at query time: the Vietnamese title (highest), then
//! "meta" (English title, cooperative name, category and sector names) and the bodies.
//!
//! **Matching.** Per query syllable, a SHOULD group of: the folded term in titles and meta,
//! the English stem, typo terms (titles and meta: sound-alike spellings such as tr/ch, s/x,
//! n/ng that the index knows, and edit-distance-1 neighbours only when the syllable itself is
//! unknown, because Vietnamese syllables are dense) and, for the last syllable while typing, a
//! folded prefix. Searches try, until one finds something: every syllable in titles/meta
//! (MUST); every syllable, descriptions included; any syllable (SHOULD), so documents that
//! match more syllables rank higher. Keeping descriptions out of the first try keeps match
//! sets (and so facet counting and scoring) small on large catalogues.
//!
//! **Scoring** (optional clauses): exact terms of syllables with diacritics (all tiers), the
//! description terms, a title phrase (slop 1) or, while typing, a title phrase-prefix, and
//! adjacent title pairs. Positions are read on titles only: they are the costliest part.
//! Bilingual synonyms (`data/search/synonyms.json`) add alternatives for the query words
//! they cover ("silk scarf" → "khăn lụa"), scored a bit below a direct match. Filters are
//! zero-scoring MUST clauses on raw/numeric fields; facets are counted by one collector
//! reading fast fields in the same pass as `TopDocs` and `Count`.
//!
//! **Writes** go through one `IndexWriter` behind a mutex: each call is one commit followed
//! by a reader reload (`ReloadPolicy::Manual`), so they are visible when the call returns.
//! Blocking work runs in `tokio::task::spawn_blocking` when a runtime is present.

use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::ops::Bound;
use std::path::Path;
use std::sync::{Arc, LazyLock, Mutex};

use serde::Deserialize;
use tantivy::collector::sort_key::NaturalComparator;
use tantivy::collector::{
    Collector, Count, SegmentCollector, SegmentSortKeyComputer, SortKeyComputer, TopDocs,
};
use tantivy::columnar::{Column, ColumnIndex, StrColumn};
use tantivy::directory::MmapDirectory;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, ConstScorer, EmptyScorer, EnableScoring,
    Explanation, FuzzyTermQuery, Occur, PhrasePrefixQuery, PhraseQuery, Query, RangeQuery, Scorer,
    TermQuery, Weight, intersect_scorers,
};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::store::Compressor;
use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, TextAnalyzer, Token,
    TokenFilter, TokenStream, Tokenizer,
};
use tantivy::{
    DocAddress, DocId, DocSet, Index, IndexReader, IndexSettings, IndexWriter, ReloadPolicy, Score,
    Searcher, SegmentReader, TERMINATED, TantivyDocument, TantivyError, Term,
};

use crate::text;
use crate::{
    BoxFuture, DocKey, DocKind, Facets, Hit, Result, SearchDoc, SearchError, SearchIndex,
    SearchQuery, SearchResults, Sort,
};

/// Bump when the schema or the analysis changes: an index of another version is rebuilt
/// empty on [`TantivyIndex::open`] (the indexer worker then refills it from the database).
pub const SCHEMA_VERSION: u32 = 4;
const VERSION_FILE: &str = "schema_version";
const INDEX_SUBDIR: &str = "index";
const WRITER_MEMORY_BYTES: usize = 50_000_000;
/// Longer queries are cut: they are not what people type, and each syllable costs clauses.
const MAX_QUERY_SYLLABLES: usize = 12;
/// At most this many index terms stand for one mistyped syllable.
const MAX_FUZZY_TERMS: usize = 64;

const TOKENIZER_EXACT: &str = "ketnoi_vi_exact";
const TOKENIZER_FOLDED: &str = "ketnoi_vi_folded";
const TOKENIZER_PAIRS: &str = "ketnoi_vi_pairs";
const TOKENIZER_PREFIXES: &str = "ketnoi_vi_prefixes";
const TOKENIZER_EN: &str = "ketnoi_en";

// Field names (fast fields are read by name).
const F_KEY: &str = "key";
const F_KIND: &str = "kind";
const F_ID: &str = "id";
const F_GROUP: &str = "category_group";
const F_OFFER: &str = "offer_kind";
const F_COMMUNE: &str = "commune";
const F_CERT: &str = "certification";
const F_STARS: &str = "stars";
const F_PRICE: &str = "min_price";
const F_WOMEN: &str = "women_managed";
const F_LAT: &str = "lat";
const F_LON: &str = "lon";
const F_PUBLISHED: &str = "published_at";

// Ranking weights. Tier weights multiply every clause on that tier.
const W_TITLE: f32 = 3.0;
const W_META: f32 = 1.5;
const W_BODY: f32 = 1.0;
const W_EN_TITLE: f32 = 2.0;
const W_EN_BODY: f32 = 0.8;
/// Extra for an exact (diacritics-matching) term, on top of the folded match.
const EXACT_BONUS: f32 = 1.0;
/// Constant scores (times the tier weight) of fuzzy and prefix matches.
const FUZZY: f32 = 0.4;
const PREFIX: f32 = 0.5;
const PHRASE: f32 = 1.0;
const PAIR: f32 = 0.5;
/// Constant score (times the title weight) of the query as a phrase whose last word is a prefix.
const PHRASE_PREFIX: f32 = 2.5;
/// How many index terms the last word of a phrase prefix may stand for.
const PREFIX_EXPANSIONS: u32 = 100;
/// A synonym match scores this fraction of a direct one.
const SYNONYM: f32 = 0.8;

/// The schema's fields.
#[derive(Debug, Clone, Copy)]
struct Fields {
    key: Field,
    kind: Field,
    id: Field,
    title_x: Field,
    title_f: Field,
    meta_x: Field,
    meta_f: Field,
    body_x: Field,
    body_f: Field,
    title_pairs: Field,
    meta_pairs: Field,
    body_pairs: Field,
    title_prefixes: Field,
    meta_prefixes: Field,
    en_title: Field,
    en_body: Field,
    s_title_vi: Field,
    s_title_en: Field,
    s_org_name: Field,
    s_org_slug: Field,
    s_external_id: Field,
    s_unit: Field,
    s_image: Field,
    category_id: Field,
    category_group: Field,
    offer: Field,
    commune: Field,
    cert: Field,
    stars: Field,
    price: Field,
    min_order: Field,
    months: Field,
    women: Field,
    lat: Field,
    lon: Field,
    published: Field,
}

fn build_schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = |tokenizer: &str, positions: bool| {
        let record = if positions {
            IndexRecordOption::WithFreqsAndPositions
        } else {
            IndexRecordOption::WithFreqs
        };
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(record),
        )
    };
    let stored = TextOptions::default().set_stored();
    let fields = Fields {
        key: b.add_text_field(F_KEY, STRING | STORED),
        kind: b.add_text_field(F_KIND, STRING | FAST),
        id: b.add_i64_field(F_ID, FAST),
        title_x: b.add_text_field("title_x", text(TOKENIZER_EXACT, false)),
        title_f: b.add_text_field("title_f", text(TOKENIZER_FOLDED, true)),
        meta_x: b.add_text_field("meta_x", text(TOKENIZER_EXACT, false)),
        meta_f: b.add_text_field("meta_f", text(TOKENIZER_FOLDED, false)),
        body_x: b.add_text_field("body_x", text(TOKENIZER_EXACT, false)),
        body_f: b.add_text_field("body_f", text(TOKENIZER_FOLDED, false)),
        title_pairs: b.add_text_field("title_pairs", text(TOKENIZER_PAIRS, false)),
        meta_pairs: b.add_text_field("meta_pairs", text(TOKENIZER_PAIRS, false)),
        body_pairs: b.add_text_field("body_pairs", text(TOKENIZER_PAIRS, false)),
        title_prefixes: b.add_text_field("title_prefixes", text(TOKENIZER_PREFIXES, false)),
        meta_prefixes: b.add_text_field("meta_prefixes", text(TOKENIZER_PREFIXES, false)),
        en_title: b.add_text_field("en_title", text(TOKENIZER_EN, false)),
        en_body: b.add_text_field("en_body", text(TOKENIZER_EN, false)),
        s_title_vi: b.add_text_field("s_title_vi", stored.clone()),
        s_title_en: b.add_text_field("s_title_en", stored.clone()),
        s_org_name: b.add_text_field("s_org_name", stored.clone()),
        s_org_slug: b.add_text_field("s_org_slug", stored.clone()),
        s_external_id: b.add_text_field("s_external_id", stored.clone()),
        s_unit: b.add_text_field("s_unit", stored.clone()),
        s_image: b.add_text_field("s_image", stored),
        category_id: b.add_text_field("category_id", STRING | STORED),
        category_group: b.add_text_field(F_GROUP, STRING | FAST),
        offer: b.add_text_field(F_OFFER, STRING | FAST),
        commune: b.add_text_field(F_COMMUNE, STRING | FAST),
        cert: b.add_text_field(F_CERT, STRING | FAST),
        stars: b.add_u64_field(F_STARS, INDEXED | FAST | STORED),
        price: b.add_i64_field(F_PRICE, INDEXED | FAST | STORED),
        min_order: b.add_i64_field("min_order", INDEXED | FAST),
        months: b.add_u64_field("months", INDEXED),
        women: b.add_u64_field(F_WOMEN, INDEXED | FAST),
        lat: b.add_f64_field(F_LAT, FAST),
        lon: b.add_f64_field(F_LON, FAST),
        published: b.add_i64_field(F_PUBLISHED, INDEXED | FAST),
    };
    (b.build(), fields)
}

// ---------------------------------------------------------------------------------------
// Tokenizer

/// Vietnamese syllable tokenizer: NFC, lower case, split on non-alphanumeric characters;
/// `fold` also removes diacritics. Same code as the query side ([`text::for_each_syllable`]).
#[derive(Clone)]
struct SyllableTokenizer {
    fold: bool,
    shape: Shape,
    tokens: Vec<Token>,
}

/// What a [`SyllableTokenizer`] emits.
#[derive(Clone, Copy, PartialEq)]
enum Shape {
    /// Each syllable.
    Syllables,
    /// Each pair of neighbouring syllables, as "a b": a two-syllable phrase becomes one term,
    /// matched without reading positions (shingles).
    Pairs,
    /// The first 1..=[`MAX_PREFIX_CHARS`] characters of each syllable: a prefix becomes one
    /// term (edge n-grams), instead of a walk over the term dictionary per query.
    Prefixes,
}

/// Longest syllable prefix indexed for search-as-you-type (longer prefixes are complete
/// syllables, matched directly).
const MAX_PREFIX_CHARS: usize = 8;

struct SyllableTokenStream<'a> {
    tokens: &'a mut Vec<Token>,
    next: usize,
}

impl Tokenizer for SyllableTokenizer {
    type TokenStream<'a> = SyllableTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, input: &'a str) -> SyllableTokenStream<'a> {
        self.tokens.clear();
        let normalized = text::nfc(input);
        let tokens = &mut self.tokens;
        let shape = self.shape;
        let mut position = 0;
        let mut previous: Option<(usize, String)> = None;
        text::for_each_syllable(&normalized, self.fold, |from, to, syllable| {
            let (from, to) = (from.min(input.len()), to.min(input.len()));
            let mut push = |from: usize, text: String| {
                tokens.push(Token {
                    offset_from: from,
                    offset_to: to,
                    position,
                    text,
                    position_length: 1,
                });
            };
            match shape {
                Shape::Syllables => push(from, syllable.to_owned()),
                Shape::Pairs => {
                    if let Some((start, before)) = previous.take() {
                        push(start, format!("{before} {syllable}"));
                    }
                    previous = Some((from, syllable.to_owned()));
                }
                Shape::Prefixes => {
                    for (n, (i, c)) in syllable.char_indices().enumerate() {
                        if n >= MAX_PREFIX_CHARS {
                            break;
                        }
                        push(from, syllable[..i + c.len_utf8()].to_owned());
                    }
                }
            }
            position += 1;
        });
        SyllableTokenStream {
            tokens: &mut self.tokens,
            next: 0,
        }
    }
}

impl TokenStream for SyllableTokenStream<'_> {
    fn advance(&mut self) -> bool {
        if self.next < self.tokens.len() {
            self.next += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next.saturating_sub(1)]
    }

    fn token_mut(&mut self) -> &mut Token {
        let i = self.next.saturating_sub(1);
        &mut self.tokens[i]
    }
}

/// English: tantivy's `en_stem` chain plus irregular plurals the stemmer leaves apart
/// ("scarves" → "scarf").
fn english_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(text::MAX_SYLLABLE_BYTES))
        .filter(LowerCaser)
        .filter(IrregularPlurals)
        .filter(Stemmer::new(Language::English))
        .build()
}

/// The singular of an irregular English plural, if it is one we know.
fn irregular_singular(word: &str) -> Option<&'static str> {
    Some(match word {
        "scarves" => "scarf",
        "leaves" => "leaf",
        "loaves" => "loaf",
        "shelves" => "shelf",
        "halves" => "half",
        "calves" => "calf",
        "knives" => "knife",
        "wives" => "wife",
        "women" => "woman",
        "men" => "man",
        "children" => "child",
        "geese" => "goose",
        "teeth" => "tooth",
        "mice" => "mouse",
        _ => return None,
    })
}

#[derive(Clone)]
struct IrregularPlurals;

#[derive(Clone)]
struct IrregularPluralsFilter<T>(T);

struct IrregularPluralsStream<S>(S);

impl TokenFilter for IrregularPlurals {
    type Tokenizer<T: Tokenizer> = IrregularPluralsFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> IrregularPluralsFilter<T> {
        IrregularPluralsFilter(tokenizer)
    }
}

impl<T: Tokenizer> Tokenizer for IrregularPluralsFilter<T> {
    type TokenStream<'a> = IrregularPluralsStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        IrregularPluralsStream(self.0.token_stream(text))
    }
}

impl<S: TokenStream> TokenStream for IrregularPluralsStream<S> {
    fn advance(&mut self) -> bool {
        if !self.0.advance() {
            return false;
        }
        let token = self.0.token_mut();
        if let Some(singular) = irregular_singular(&token.text) {
            token.text.clear();
            token.text.push_str(singular);
        }
        true
    }

    fn token(&self) -> &Token {
        self.0.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.0.token_mut()
    }
}

fn register_tokenizers(index: &Index) {
    let manager = index.tokenizers();
    manager.register(TOKENIZER_EN, english_analyzer());
    for (name, fold, shape) in [
        (TOKENIZER_EXACT, false, Shape::Syllables),
        (TOKENIZER_FOLDED, true, Shape::Syllables),
        (TOKENIZER_PAIRS, true, Shape::Pairs),
        (TOKENIZER_PREFIXES, true, Shape::Prefixes),
    ] {
        manager.register(
            name,
            TextAnalyzer::from(SyllableTokenizer {
                fold,
                shape,
                tokens: Vec::new(),
            }),
        );
    }
}

// ---------------------------------------------------------------------------------------
// Categories and synonyms (compiled in)

#[derive(Deserialize)]
struct SynonymFile {
    synonyms: HashMap<String, Vec<String>>,
}

/// Query synonyms: folded key syllables → Vietnamese alternatives (as query syllables).
struct Synonyms {
    entries: HashMap<Vec<String>, Vec<Vec<Syllable>>>,
    longest: usize,
}

static SYNONYMS: LazyLock<Synonyms> = LazyLock::new(|| {
    let file: SynonymFile = serde_json::from_str(include_str!(
        "../../../data/search/synonyms.json"
    ))
    .unwrap_or(SynonymFile {
        synonyms: HashMap::new(),
    });
    let mut entries = HashMap::new();
    let mut longest = 0;
    for (key, values) in file.synonyms {
        let key = text::syllables(&key, true);
        if key.is_empty() {
            continue;
        }
        longest = longest.max(key.len());
        let values: Vec<Vec<Syllable>> = values
            .iter()
            .map(|v| query_syllables(v).0)
            .filter(|v| !v.is_empty())
            .collect();
        entries.insert(key, values);
    }
    Synonyms { entries, longest }
});

impl Synonyms {
    /// The longest key (of at most `max_len` syllables) that the folded syllables start
    /// with: its length and values.
    fn longest_at(&self, folded: &[&str], max_len: usize) -> Option<(usize, &[Vec<Syllable>])> {
        let max = self.longest.min(folded.len()).min(max_len);
        (1..=max).rev().find_map(|n| {
            let key: Vec<String> = folded[..n].iter().map(|s| (*s).to_owned()).collect();
            self.entries.get(&key).map(|v| (n, v.as_slice()))
        })
    }
}

// ---------------------------------------------------------------------------------------
// Query analysis

/// One query syllable: lower-cased with diacritics, and folded.
#[derive(Debug, Clone, PartialEq)]
struct Syllable {
    exact: String,
    folded: String,
}

impl Syllable {
    fn has_diacritics(&self) -> bool {
        self.exact != self.folded
    }
}

/// The query's syllables, and whether the last one may be unfinished (no trailing space).
fn query_syllables(q: &str) -> (Vec<Syllable>, bool) {
    let normalized = text::nfc(q);
    let mut out = Vec::new();
    text::for_each_syllable(&normalized, false, |_, _, exact| {
        let mut folded = String::with_capacity(exact.len());
        for c in exact.chars() {
            text::push_lower(c, true, &mut folded);
        }
        out.push(Syllable {
            exact: exact.to_owned(),
            folded,
        });
    });
    out.truncate(MAX_QUERY_SYLLABLES);
    let typing = normalized
        .chars()
        .last()
        .is_some_and(|c| c.is_alphanumeric() || unicode_normalization::char::is_combining_mark(c));
    (out, typing)
}

fn boxed(q: impl Query) -> Box<dyn Query> {
    Box::new(q)
}

fn boost(q: Box<dyn Query>, weight: f32) -> Box<dyn Query> {
    boxed(BoostQuery::new(q, weight))
}

fn term_query(field: Field, value: &str, weight: f32) -> Box<dyn Query> {
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
fn pairs_query(pairs: Field, words: &[&str], weight: f32) -> Box<dyn Query> {
    let terms = words
        .windows(2)
        .map(|w| term_query(pairs, &format!("{} {}", w[0], w[1]), weight))
        .collect();
    bool_of(Occur::Must, terms)
}

/// Words starting with `prefix`, at a constant score: one term of the prefixes field (edge
/// n-grams), or for a prefix longer than those, a walk over the field's term dictionary.
fn prefix_query(field: Field, prefixes: Field, prefix: &str, score: f32) -> Box<dyn Query> {
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
fn phrase_prefix(terms: Vec<Term>, score: f32) -> Box<dyn Query> {
    let mut q = PhrasePrefixQuery::new(terms);
    q.set_max_expansions(PREFIX_EXPANSIONS);
    boxed(ConstScoreQuery::new(boxed(q), score))
}

/// Filter clause: must match, adds nothing to the score.
fn filter(q: Box<dyn Query>) -> (Occur, Box<dyn Query>) {
    (Occur::Must, boxed(ConstScoreQuery::new(q, 0.0)))
}

fn raw_term(field: Field, value: &str) -> Box<dyn Query> {
    boxed(TermQuery::new(
        Term::from_field_text(field, value),
        IndexRecordOption::Basic,
    ))
}

/// Documents matching any of `clauses`, scored by the sum of those that match (see
/// [`LazyUnion`]).
fn union(mut clauses: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    if clauses.len() == 1
        && let Some(only) = clauses.pop()
    {
        return only;
    }
    boxed(LazyUnion(clauses))
}

fn bool_of(occur: Occur, mut clauses: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    if clauses.len() == 1
        && let Some(only) = clauses.pop()
    {
        return only;
    }
    boxed(BooleanQuery::new(
        clauses.into_iter().map(|c| (occur, c)).collect(),
    ))
}

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
struct TypoCache {
    generation: u64,
    terms: HashMap<(Field, String), Arc<Vec<String>>>,
}

const TYPO_CACHE_ENTRIES: usize = 20_000;
/// A syllable in at least this many documents' field is not expanded to its edit-distance
/// neighbours there (see [`typo_terms`]).
const KNOWN_DOC_FREQ: u64 = 3;

fn key_string(key: DocKey) -> String {
    format!("{}:{}", key.kind.as_str(), key.id)
}

fn parse_key(s: &str) -> Option<DocKey> {
    let (kind, id) = s.split_once(':')?;
    Some(DocKey {
        kind: DocKind::parse(kind)?,
        id: id.parse().ok()?,
    })
}

fn index_err(e: impl std::fmt::Display) -> SearchError {
    SearchError::Index(e.to_string())
}

/// Results per page when the query asks for 0, and the most it may ask for.
fn effective_limit(limit: usize) -> usize {
    match limit {
        0 => crate::DEFAULT_LIMIT,
        n => n.min(crate::MAX_LIMIT),
    }
}

// ---------------------------------------------------------------------------------------
// Sorting

/// How much a text query asks. Searches try these in turn until one matches something.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Mode {
    /// Every syllable (or synonym span) must match; otherwise any one.
    strict: bool,
    /// Descriptions count for matching; otherwise they only add to the score.
    body: bool,
}

const MODES: [Mode; 3] = [
    Mode {
        strict: true,
        body: false,
    },
    Mode {
        strict: true,
        body: true,
    },
    Mode {
        strict: false,
        body: true,
    },
];

/// A text query in two parts (see [`Inner::text_query`]).
struct TextQuery {
    matcher: Box<dyn Query>,
    bonus: Vec<Box<dyn Query>>,
}

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

/// A union of queries that moves its clauses one document at a time and scores a document
/// only when asked. Each syllable of a query matches through such a union (its folded,
/// English, typo and prefix terms), and the syllables' unions are intersected: there, the
/// intersection seeks each union to the few documents the rarest syllable allows. tantivy's
/// `BooleanQuery` union scores windows of 4,096 documents ahead, and clears its window on
/// every long seek, which cost about a quarter of a query's time here.
#[derive(Debug)]
struct LazyUnion(Vec<Box<dyn Query>>);

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

/// How many of the best first-pass candidates the score-only clauses re-rank.
const RESCORE_WINDOW: usize = 200;

/// The sort key of a hit: compared field by field, greatest first.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
struct SortKey {
    primary: f64,
    secondary: f64,
    score: Score,
}

/// The first pass's order. With `defer_ties`, a relevance sort leaves the newest-first
/// tie-break to [`Inner::rescore`], which reads publication dates for its candidates only
/// instead of for every match.
struct SortBy {
    sort: Sort,
    defer_ties: bool,
}

/// Whether ordering by `sort` needs scores (a price sort does not).
fn scores(sort: Sort) -> bool {
    !matches!(sort, Sort::PriceAsc | Sort::PriceDesc)
}

/// A document's publication time as a sort key (oldest for none, or without the column).
fn published_at(column: Option<&Column<i64>>, doc: DocId) -> f64 {
    let value = match column {
        Some(c) if matches!(c.index, ColumnIndex::Full) => Some(c.values.get_val(doc)),
        Some(c) => c.first(doc),
        None => None,
    };
    value.map_or(f64::NEG_INFINITY, |v| v as f64)
}

struct SegmentSortBy {
    sort: Sort,
    price: Option<Column<i64>>,
    /// `None` when the tie-break is deferred: every key then ties on it.
    published: Option<Column<i64>>,
    lat: Option<Column<f64>>,
    lon: Option<Column<f64>>,
}

impl SortKeyComputer for SortBy {
    type SortKey = SortKey;
    type Child = SegmentSortBy;
    type Comparator = NaturalComparator;

    fn requires_scoring(&self) -> bool {
        scores(self.sort)
    }

    fn segment_sort_key_computer(&self, reader: &SegmentReader) -> tantivy::Result<SegmentSortBy> {
        let ff = reader.fast_fields();
        let (price, lat, lon) = match self.sort {
            Sort::PriceAsc | Sort::PriceDesc => (ff.column_opt(F_PRICE)?, None, None),
            Sort::Distance { .. } => (None, ff.column_opt(F_LAT)?, ff.column_opt(F_LON)?),
            Sort::Relevance | Sort::Newest => (None, None, None),
        };
        let deferred = self.defer_ties && self.sort == Sort::Relevance;
        Ok(SegmentSortBy {
            sort: self.sort,
            price,
            published: if deferred {
                None
            } else {
                ff.column_opt(F_PUBLISHED)?
            },
            lat,
            lon,
        })
    }
}

impl SegmentSortBy {
    fn published(&self, doc: DocId) -> f64 {
        published_at(self.published.as_ref(), doc)
    }
}

impl SegmentSortKeyComputer for SegmentSortBy {
    type SortKey = SortKey;
    type SegmentSortKey = SortKey;
    type SegmentComparator = NaturalComparator;

    fn segment_sort_key(&mut self, doc: DocId, score: Score) -> SortKey {
        let (primary, secondary) = match self.sort {
            Sort::Relevance => (f64::from(score), self.published(doc)),
            Sort::Newest => (self.published(doc), f64::from(score)),
            Sort::PriceAsc | Sort::PriceDesc => {
                let price = self.price.as_ref().and_then(|c| c.first(doc));
                let primary = match (price, self.sort) {
                    (None, _) => f64::NEG_INFINITY,
                    (Some(p), Sort::PriceAsc) => -(p as f64),
                    (Some(p), _) => p as f64,
                };
                (primary, self.published(doc))
            }
            Sort::Distance { lat, lon } => {
                let here = self
                    .lat
                    .as_ref()
                    .and_then(|c| c.first(doc))
                    .zip(self.lon.as_ref().and_then(|c| c.first(doc)));
                let primary = match here {
                    Some((dlat, dlon)) if dlat.is_finite() && dlon.is_finite() => {
                        -haversine_km(lat, lon, dlat, dlon)
                    }
                    _ => f64::NEG_INFINITY,
                };
                (primary, f64::from(score))
            }
        };
        SortKey {
            primary: if primary.is_nan() {
                f64::NEG_INFINITY
            } else {
                primary
            },
            secondary,
            score,
        }
    }

    fn convert_segment_sort_key(&self, key: SortKey) -> SortKey {
        key
    }
}

fn haversine_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = (lat2 - lat1).to_radians();
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * 6371.0 * a.sqrt().asin()
}

// ---------------------------------------------------------------------------------------
// Facets

/// String facets, in this order: kind, offer kind, category group, commune, certification.
const STR_FACETS: [&str; 5] = [F_KIND, F_OFFER, F_GROUP, F_COMMUNE, F_CERT];

/// Counts facet values over every matching document, from fast fields.
struct FacetCollector;

struct FacetSegment {
    strs: Vec<(Option<StrColumn>, Vec<u64>)>,
    stars: Option<Column<u64>>,
    star_counts: [u64; 8],
    women: Option<Column<u64>>,
    women_count: u64,
}

#[derive(Default)]
struct FacetFruit {
    strs: [Vec<(String, u64)>; 5],
    stars: [u64; 8],
    women: u64,
}

impl Collector for FacetCollector {
    type Fruit = Facets;
    type Child = FacetSegment;

    fn for_segment(&self, _: u32, reader: &SegmentReader) -> tantivy::Result<FacetSegment> {
        let ff = reader.fast_fields();
        let mut strs = Vec::with_capacity(STR_FACETS.len());
        for name in STR_FACETS {
            let column = ff.str(name)?;
            let counts = vec![0; column.as_ref().map_or(0, |c| c.num_terms())];
            strs.push((column, counts));
        }
        Ok(FacetSegment {
            strs,
            stars: ff.column_opt(F_STARS)?,
            star_counts: [0; 8],
            women: ff.column_opt(F_WOMEN)?,
            women_count: 0,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<FacetFruit>) -> tantivy::Result<Facets> {
        let mut strs: [HashMap<String, u64>; 5] = Default::default();
        let mut stars = [0u64; 8];
        let mut women = 0;
        for fruit in fruits {
            for (merged, values) in strs.iter_mut().zip(fruit.strs) {
                for (value, n) in values {
                    *merged.entry(value).or_default() += n;
                }
            }
            for (total, n) in stars.iter_mut().zip(fruit.stars) {
                *total += n;
            }
            women += fruit.women;
        }
        let sorted = |m: HashMap<String, u64>| {
            let mut v: Vec<(String, u64)> = m.into_iter().collect();
            v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            v
        };
        let [kind, offer_kind, category, commune, certification] = strs.map(sorted);
        let mut star_facet: Vec<(u8, u64)> = stars
            .iter()
            .enumerate()
            .filter(|&(s, &n)| s > 0 && n > 0)
            .map(|(s, &n)| (s as u8, n))
            .collect();
        star_facet.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ok(Facets {
            kind,
            offer_kind,
            category,
            commune,
            stars: star_facet,
            certification,
            women_managed: women,
        })
    }
}

/// The first value of `doc`, without an index lookup when the column is dense.
#[inline]
fn first_value(column: &Column<u64>, doc: DocId) -> Option<u64> {
    match column.index {
        ColumnIndex::Full => Some(column.values.get_val(doc)),
        _ => column.first(doc),
    }
}

impl SegmentCollector for FacetSegment {
    type Fruit = FacetFruit;

    fn collect(&mut self, doc: DocId, _score: Score) {
        for (column, counts) in &mut self.strs {
            let Some(column) = column else { continue };
            let ords = column.ords();
            if let ColumnIndex::Full = ords.index {
                // Single-valued and dense (the common case): no index lookup.
                if let Some(n) = counts.get_mut(ords.values.get_val(doc) as usize) {
                    *n += 1;
                }
            } else {
                for ord in ords.values_for_doc(doc) {
                    if let Some(n) = counts.get_mut(ord as usize) {
                        *n += 1;
                    }
                }
            }
        }
        if let Some(stars) = self.stars.as_ref().and_then(|c| first_value(c, doc))
            && let Some(n) = self.star_counts.get_mut(stars as usize)
        {
            *n += 1;
        }
        if self.women.as_ref().and_then(|c| first_value(c, doc)) == Some(1) {
            self.women_count += 1;
        }
    }

    fn harvest(self) -> FacetFruit {
        let mut fruit = FacetFruit {
            stars: self.star_counts,
            women: self.women_count,
            ..FacetFruit::default()
        };
        for ((column, counts), out) in self.strs.into_iter().zip(fruit.strs.iter_mut()) {
            let Some(column) = column else { continue };
            let mut value = String::new();
            for (ord, n) in counts.into_iter().enumerate() {
                if n == 0 {
                    continue;
                }
                value.clear();
                if column.ord_to_str(ord as u64, &mut value).unwrap_or(false) && !value.is_empty() {
                    out.push((value.clone(), n));
                }
            }
        }
        fruit
    }
}

// ---------------------------------------------------------------------------------------
// The index

/// The embedded tantivy index. Cheap to share: clone the `Arc` around it, or share `&self`.
pub struct TantivyIndex {
    inner: Arc<Inner>,
}

/// Searches that may run at once (see [`Inner::searching`]).
fn search_permits() -> usize {
    2 * search_threads()
}

struct Inner {
    typos: Mutex<TypoCache>,
    /// Answers by index generation and query (see [`TantivyIndex::with_result_cache`]).
    results: Option<moka::sync::Cache<String, Arc<SearchResults>>>,
    fields: Fields,
    writer: Mutex<IndexWriter>,
    reader: IndexReader,
    en: TextAnalyzer,
    /// Searches beyond [`search_permits`] wait their turn, first come first served (as
    /// Elasticsearch's search thread pool and its queue), instead of all sharing the cores at
    /// once, which would make every one of them slow. The permits in use are also the
    /// searches running now (see [`Inner::executor`]).
    searching: tokio::sync::Semaphore,
    /// Helpers that search a query's other segments while the calling thread searches its
    /// first (none on one core).
    helpers: Option<rayon::ThreadPool>,
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

impl std::fmt::Debug for TantivyIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TantivyIndex")
            .field("schema_version", &SCHEMA_VERSION)
            .finish_non_exhaustive()
    }
}

/// Threads searching one query's segments in parallel: the cores, at most 2.
fn search_threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 2)
}

/// The stored fields (what a hit shows) are kept uncompressed in small blocks: showing 20
/// hits then reads 20 small blocks instead of decompressing 20 blocks of 16 KiB, which was
/// about a tenth of a query's time. The store grows by a few hundred bytes per document.
fn index_settings() -> IndexSettings {
    IndexSettings {
        docstore_compression: Compressor::None,
        docstore_blocksize: 2048,
        ..IndexSettings::default()
    }
}

impl TantivyIndex {
    /// Opens the index in `dir` (created if missing). An index written with another
    /// [`SCHEMA_VERSION`], or that cannot be opened with this schema, is replaced by an
    /// empty one.
    pub fn open(dir: &Path) -> Result<Self> {
        fs::create_dir_all(dir).map_err(index_err)?;
        let version_file = dir.join(VERSION_FILE);
        let index_dir = dir.join(INDEX_SUBDIR);
        let expected = SCHEMA_VERSION.to_string();
        let recorded = fs::read_to_string(&version_file).ok();
        if recorded.as_deref().map(str::trim) != Some(expected.as_str()) && index_dir.exists() {
            fs::remove_dir_all(&index_dir).map_err(index_err)?;
        }
        fs::create_dir_all(&index_dir).map_err(index_err)?;
        let (schema, fields) = build_schema();
        let open = || -> tantivy::Result<Index> {
            Index::builder()
                .schema(schema.clone())
                .settings(index_settings())
                .open_or_create(MmapDirectory::open(&index_dir)?)
        };
        let index = match open() {
            Ok(index) => index,
            Err(
                TantivyError::SchemaError(_)
                | TantivyError::IncompatibleIndex(_)
                | TantivyError::DataCorruption(_),
            ) => {
                fs::remove_dir_all(&index_dir).map_err(index_err)?;
                fs::create_dir_all(&index_dir).map_err(index_err)?;
                open().map_err(index_err)?
            }
            Err(e) => return Err(index_err(e)),
        };
        let tmp = dir.join(format!("{VERSION_FILE}.tmp"));
        fs::write(&tmp, format!("{expected}\n")).map_err(index_err)?;
        fs::rename(&tmp, &version_file).map_err(index_err)?;
        Self::with_index(index, fields)
    }

    /// A new empty index in memory (tests, tools).
    pub fn in_memory() -> Result<Self> {
        let (schema, fields) = build_schema();
        let index = Index::builder()
            .schema(schema)
            .settings(index_settings())
            .create_in_ram()
            .map_err(index_err)?;
        Self::with_index(index, fields)
    }

    fn with_index(index: Index, fields: Fields) -> Result<Self> {
        register_tokenizers(&index);
        // A query's segments are searched in parallel (as Lucene's and Elasticsearch's
        // concurrent segment search): on two cores, a query over two segments answers in
        // about half the time, when it runs alone (see `Inner::executor`).
        let helpers = if search_threads() > 1 {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(search_threads() - 1)
                .thread_name(|i| format!("search-{i}"))
                .build()
                .map_err(index_err)?;
            Some(pool)
        } else {
            None
        };
        let en = index
            .tokenizers()
            .get(TOKENIZER_EN)
            .ok_or_else(|| SearchError::Index("English tokenizer missing".into()))?;
        // Two indexing threads where there are two cores: a rebuild tokenises about twice as
        // fast; small incremental batches do not notice.
        let writer = index
            .writer_with_num_threads(search_threads(), WRITER_MEMORY_BYTES)
            .map_err(index_err)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(index_err)?;
        Ok(TantivyIndex {
            inner: Arc::new(Inner {
                typos: Mutex::new(TypoCache::default()),
                results: None,
                fields,
                writer: Mutex::new(writer),
                reader,
                en,
                searching: tokio::sync::Semaphore::new(search_permits()),
                helpers,
            }),
        })
    }

    /// Keeps up to `entries` answers, keyed by the query and the index generation they were
    /// computed on (0: none). A commit makes a new generation, so an answer is never older
    /// than the index: a changed listing is searchable as soon as it is committed, cache or
    /// not. Popular searches and autocomplete prefixes repeat; this is the equivalent of
    /// Elasticsearch's request cache. Call before sharing the index.
    pub fn with_result_cache(mut self, entries: u64) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.results = (entries > 0).then(|| {
                moka::sync::Cache::builder()
                    .max_capacity(entries)
                    .time_to_idle(std::time::Duration::from_secs(600))
                    .build()
            });
        }
        self
    }

    /// Runs blocking index work off the async runtime's worker threads.
    /// [`Self::blocking`] for a search: waits for a free search thread first.
    async fn searching<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Inner) -> Result<T> + Send + 'static,
    {
        let _permit = self
            .inner
            .searching
            .acquire()
            .await
            .map_err(|e| SearchError::Index(format!("search queue closed: {e}")))?;
        self.blocking(f).await
    }

    async fn blocking<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Inner) -> Result<T> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => handle
                .spawn_blocking(move || f(&inner))
                .await
                .map_err(|e| SearchError::Index(format!("search task failed: {e}")))?,
            Err(_) => f(&inner),
        }
    }
}

impl Inner {
    /// Applies `ops` to the writer, commits and reloads the reader; rolls back on error.
    fn write(&self, ops: impl FnOnce(&mut IndexWriter) -> Result<()>) -> Result<()> {
        let mut writer = self
            .writer
            .lock()
            .map_err(|_| SearchError::Index("index writer lock poisoned".into()))?;
        let result = ops(&mut writer).and_then(|()| writer.commit().map(|_| ()).map_err(index_err));
        if let Err(e) = result {
            let _ = writer.rollback();
            return Err(e);
        }
        drop(writer);
        self.reader.reload().map_err(index_err)
    }

    /// Merges the segments into [`search_threads`] segments of about equal size (one per
    /// search thread) and waits for the merges.
    fn optimize(&self) -> Result<()> {
        let mut writer = self
            .writer
            .lock()
            .map_err(|_| SearchError::Index("index writer lock poisoned".into()))?;
        let mut segments = self
            .reader
            .searcher()
            .segment_readers()
            .iter()
            .map(|r| (r.num_docs(), r.segment_id()))
            .collect::<Vec<_>>();
        // Largest first, each into the group with the fewest documents so far.
        segments.sort_by_key(|(docs, _)| std::cmp::Reverse(*docs));
        let mut groups: Vec<(u32, Vec<tantivy::index::SegmentId>)> =
            vec![(0, Vec::new()); search_threads()];
        for (docs, id) in segments {
            if let Some(group) = groups.iter_mut().min_by_key(|(n, _)| *n) {
                group.0 += docs;
                group.1.push(id);
            }
        }
        let merges = groups
            .into_iter()
            .filter(|(_, ids)| ids.len() > 1)
            .map(|(_, ids)| writer.merge(&ids))
            .collect::<Vec<_>>();
        for merge in merges {
            merge.wait().map_err(index_err)?;
        }
        drop(writer);
        self.reader.reload().map_err(index_err)
    }

    /// A value of the meta tier (English title, cooperative and category names).
    fn add_meta(f: &Fields, doc: &mut TantivyDocument, value: &str) {
        doc.add_text(f.meta_x, value);
        doc.add_text(f.meta_f, value);
        doc.add_text(f.meta_pairs, value);
        doc.add_text(f.meta_prefixes, value);
    }

    fn document(&self, d: &SearchDoc) -> Result<TantivyDocument> {
        let f = &self.fields;
        let key = d
            .key
            .ok_or_else(|| SearchError::Index("document without key".into()))?;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.key, key_string(key));
        doc.add_text(f.kind, key.kind.as_str());
        doc.add_i64(f.id, key.id);

        doc.add_text(f.title_x, &d.title_vi);
        doc.add_text(f.title_f, &d.title_vi);
        doc.add_text(f.title_pairs, &d.title_vi);
        doc.add_text(f.title_prefixes, &d.title_vi);
        doc.add_text(f.s_title_vi, &d.title_vi);
        if let Some(en) = d.title_en.as_deref().filter(|s| !s.is_empty()) {
            Self::add_meta(f, &mut doc, en);
            doc.add_text(f.en_title, en);
            doc.add_text(f.s_title_en, en);
        }
        Self::add_meta(f, &mut doc, &d.org_name);
        doc.add_text(f.s_org_name, &d.org_name);
        doc.add_text(f.s_org_slug, &d.org_slug);

        for (vi, en) in d.category_names() {
            for name in [vi, en] {
                Self::add_meta(f, &mut doc, name);
            }
            doc.add_text(f.en_title, en);
        }

        for body in std::iter::once(d.body_vi.as_str())
            .chain(d.body_en.as_deref().filter(|s| !s.is_empty()))
        {
            doc.add_text(f.body_x, body);
            doc.add_text(f.body_f, body);
            doc.add_text(f.body_pairs, body);
        }
        if let Some(en) = d.body_en.as_deref().filter(|s| !s.is_empty()) {
            doc.add_text(f.en_body, en);
        }

        if let Some(v) = &d.external_id {
            doc.add_text(f.s_external_id, v);
        }
        if let Some(v) = &d.unit {
            doc.add_text(f.s_unit, v);
        }
        if let Some(v) = &d.image {
            doc.add_text(f.s_image, v);
        }
        if let Some(v) = &d.category_id {
            doc.add_text(f.category_id, v);
        }
        // Single-valued string facets always get a value, so their columns stay dense.
        doc.add_text(f.category_group, d.category_group.as_deref().unwrap_or(""));
        doc.add_text(f.commune, d.commune_code.as_deref().unwrap_or(""));
        for v in &d.offer_kinds {
            doc.add_text(f.offer, v);
        }
        for v in &d.certifications {
            doc.add_text(f.cert, v);
        }
        doc.add_u64(f.stars, u64::from(d.ocop_stars));
        if let Some(p) = d.min_price {
            doc.add_i64(f.price, p);
        }
        if let Some(n) = d.min_order_qty {
            doc.add_i64(f.min_order, n);
        }
        for m in 1..=12u64 {
            if d.months & (1 << (m - 1)) != 0 {
                doc.add_u64(f.months, m);
            }
        }
        doc.add_u64(f.women, u64::from(d.women_managed));
        if let (Some(lat), Some(lon)) = (d.lat, d.lon) {
            doc.add_f64(f.lat, lat);
            doc.add_f64(f.lon, lon);
        }
        doc.add_i64(f.published, d.published_at);
        Ok(doc)
    }

    fn upsert(&self, docs: &[SearchDoc]) -> Result<()> {
        if docs.iter().any(|d| d.key.is_none()) {
            return Err(SearchError::Index("document without key".into()));
        }
        // Documents are converted one at a time: a bulk load never holds two copies.
        self.write(|w| {
            for d in docs {
                let doc = self.document(d)?;
                if let Some(key) = d.key {
                    w.delete_term(Term::from_field_text(self.fields.key, &key_string(key)));
                }
                w.add_document(doc).map_err(index_err)?;
            }
            Ok(())
        })
    }

    fn delete(&self, keys: &[DocKey]) -> Result<()> {
        self.write(|w| {
            for key in keys {
                w.delete_term(Term::from_field_text(self.fields.key, &key_string(*key)));
            }
            Ok(())
        })
    }

    fn clear(&self) -> Result<()> {
        self.write(|w| w.delete_all_documents().map(|_| ()).map_err(index_err))
    }

    fn keys(&self) -> Result<Vec<DocKey>> {
        let searcher = self.reader.searcher();
        let mut keys = Vec::new();
        for segment in searcher.segment_readers() {
            let ff = segment.fast_fields();
            let (Some(kinds), Some(ids)) = (
                ff.str(F_KIND).map_err(index_err)?,
                ff.column_opt::<i64>(F_ID).map_err(index_err)?,
            ) else {
                continue;
            };
            let mut kind_of_ord: HashMap<u64, Option<DocKind>> = HashMap::new();
            let mut buf = String::new();
            for doc in segment.doc_ids_alive() {
                let (Some(ord), Some(id)) = (kinds.ords().first(doc), ids.first(doc)) else {
                    continue;
                };
                let kind = *kind_of_ord.entry(ord).or_insert_with(|| {
                    buf.clear();
                    match kinds.ord_to_str(ord, &mut buf) {
                        Ok(true) => DocKind::parse(&buf),
                        _ => None,
                    }
                });
                if let Some(kind) = kind {
                    keys.push(DocKey { kind, id });
                }
            }
        }
        keys.sort();
        Ok(keys)
    }

    // -- queries ------------------------------------------------------------------------

    /// The English stem of a syllable (for the `en_*` fields), if it is plain ASCII.
    fn stem(&self, analyzer: &mut TextAnalyzer, syllable: &Syllable) -> Option<String> {
        if !syllable.exact.is_ascii() {
            return None;
        }
        let mut stream = analyzer.token_stream(&syllable.exact);
        stream.next().map(|t| t.text.clone())
    }

    /// The typo terms of a syllable in `field` (cached per searcher generation).
    fn typos(&self, searcher: &Searcher, field: Field, folded: &str) -> Result<Arc<Vec<String>>> {
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

    /// Everything one query syllable can match, as SHOULD clauses. Without `body`, the
    /// descriptions are left out (see [`Inner::body_scoring`]).
    fn syllable_clause(
        &self,
        searcher: &Searcher,
        analyzer: &mut TextAnalyzer,
        s: &Syllable,
        prefix: bool,
        body: bool,
    ) -> Result<Box<dyn Query>> {
        let f = &self.fields;
        let tiers = [
            (f.title_x, f.title_f, W_TITLE),
            (f.meta_x, f.meta_f, W_META),
            (f.body_x, f.body_f, W_BODY),
        ];
        let mut clauses: Vec<Box<dyn Query>> = Vec::with_capacity(8);
        // Exact (diacritics) terms only add to the score of folded matches: they are
        // optional clauses of the whole query (see `Inner::exact_scoring`).
        for (_, folded, w) in tiers.into_iter().take(if body { 3 } else { 2 }) {
            clauses.push(term_query(folded, &s.folded, w));
        }
        if let Some(stem) = self.stem(analyzer, s) {
            clauses.push(term_query(f.en_title, &stem, W_EN_TITLE));
            if body {
                clauses.push(term_query(f.en_body, &stem, W_EN_BODY));
            }
        }
        let short_fields = [(f.title_f, W_TITLE), (f.meta_f, W_META)];
        for (field, w) in short_fields {
            let typos = self.typos(searcher, field, &s.folded)?;
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
            for (field, prefixes, w) in fields.into_iter().take(n) {
                clauses.push(prefix_query(field, prefixes, &s.folded, w * PREFIX));
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
    ) -> Result<Vec<Box<dyn Query>>> {
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
                        )?
                    };
                    let mut alternatives = vec![bool_of(Occur::Must, inner)];
                    alternatives.extend(values.iter().map(|v| self.synonym_clause(v, body)));
                    units.push(union(alternatives));
                    i += len;
                }
                None => {
                    units.push(self.syllable_clause(
                        searcher,
                        analyzer,
                        &syllables[i],
                        typing && i + 1 == n,
                        body,
                    )?);
                    i += 1;
                }
            }
        }
        Ok(units)
    }

    /// The text part of a search, asking as much as `mode` says: the query that decides what
    /// matches (and gives the first score), and the clauses that only add to the score of
    /// what matched (exact diacritics, proximity, descriptions), applied by [`Inner::rescore`]
    /// to the best candidates only.
    fn text_query(
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
        let units = self.units(
            searcher,
            &mut analyzer,
            syllables,
            0,
            n,
            typing,
            n,
            mode.body,
        )?;
        let matcher = match <[_; 1]>::try_from(units) {
            // One unit is visited whole, document after document, and never sought: tantivy's
            // windowed union is the faster one there (see `LazyUnion`).
            Ok([unit]) => match unit.downcast::<LazyUnion>() {
                Ok(lazy) => bool_of(Occur::Should, lazy.0),
                Err(unit) => unit,
            },
            Err(units) => bool_of(
                if mode.strict {
                    Occur::Must
                } else {
                    Occur::Should
                },
                units,
            ),
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

    fn filters(&self, q: &SearchQuery) -> Vec<(Occur, Box<dyn Query>)> {
        let f = &self.fields;
        let mut out = Vec::new();
        if let Some(kind) = q.kind {
            out.push(filter(raw_term(f.kind, kind.as_str())));
        }
        if let Some(v) = &q.offer_kind {
            out.push(filter(raw_term(f.offer, v)));
        }
        if let Some(v) = &q.category {
            out.push(filter(bool_of(
                Occur::Should,
                vec![raw_term(f.category_id, v), raw_term(f.category_group, v)],
            )));
        }
        if let Some(v) = &q.commune_code {
            out.push(filter(raw_term(f.commune, v)));
        }
        if let Some(min) = q.min_stars.filter(|&s| s > 0) {
            out.push(filter(boxed(RangeQuery::new(
                Bound::Included(Term::from_field_u64(f.stars, u64::from(min))),
                Bound::Unbounded,
            ))));
        }
        if let Some(v) = &q.certification {
            out.push(filter(raw_term(f.cert, v)));
        }
        if q.price_min.is_some() || q.price_max.is_some() {
            let bound = |v: Option<i64>| {
                v.map_or(Bound::Unbounded, |v| {
                    Bound::Included(Term::from_field_i64(f.price, v))
                })
            };
            out.push(filter(boxed(RangeQuery::new(
                bound(q.price_min),
                bound(q.price_max),
            ))));
        }
        if let Some(max) = q.max_min_order {
            out.push(filter(boxed(RangeQuery::new(
                Bound::Unbounded,
                Bound::Included(Term::from_field_i64(f.min_order, max)),
            ))));
        }
        if let Some(m) = q.in_season.filter(|m| (1..=12).contains(m)) {
            out.push(filter(boxed(TermQuery::new(
                Term::from_field_u64(f.months, u64::from(m)),
                IndexRecordOption::Basic,
            ))));
        }
        if q.women_managed {
            out.push(filter(boxed(TermQuery::new(
                Term::from_field_u64(f.women, 1),
                IndexRecordOption::Basic,
            ))));
        }
        out
    }

    fn with_filters(text: Box<dyn Query>, filters: &[(Occur, Box<dyn Query>)]) -> Box<dyn Query> {
        if filters.is_empty() {
            return text;
        }
        let mut clauses = vec![(Occur::Must, text)];
        clauses.extend(filters.iter().map(|(o, q)| (*o, q.box_clone())));
        boxed(BooleanQuery::new(clauses))
    }

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
        let facet_collector = facets.then_some(FacetCollector);
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

    /// Adds the scores of the `bonus` clauses to the candidates and sorts them again. Each
    /// clause's own scorer skips forward through the candidates in document order (a union
    /// of them would score whole blocks of documents around each one), so this costs a few
    /// skips per candidate and clause, whatever the number of matches.
    fn rescore(
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

    fn hit(&self, searcher: &Searcher, address: DocAddress, score: Score) -> Result<Hit> {
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

    fn search(&self, q: &SearchQuery) -> Result<SearchResults> {
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
        let (mut total, mut hits, mut facets) = (0, Vec::new(), Facets::default());
        for mode in MODES {
            if !mode.strict && syllables.len() == 1 {
                break; // the same as strict
            }
            let text = self.text_query(&searcher, &syllables, typing, mode)?;
            let query = Self::with_filters(text.matcher, &filters);
            (total, hits, facets) = self.run(
                &searcher,
                executor,
                query.as_ref(),
                &text.bonus,
                q.sort,
                limit,
                q.offset,
                !q.skip_facets,
            )?;
            if total > 0 {
                break;
            }
        }
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

    /// A corrected query when nothing matched: each syllable that no folded field knows is
    /// replaced by the closest known one (edit distance ≤ 2, then most documents).
    fn did_you_mean(
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
            self.text_query(searcher, &new_syllables, false, MODES[1])?
                .matcher,
            filters,
        );
        let count = searcher.search(query.as_ref(), &Count).map_err(index_err)?;
        Ok((count > 0).then_some(suggestion))
    }

    fn suggest(&self, prefix: &str, limit: usize) -> Result<Vec<Hit>> {
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

impl SearchIndex for TantivyIndex {
    fn upsert<'a>(&'a self, docs: Vec<SearchDoc>) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            if docs.is_empty() {
                return Ok(());
            }
            self.blocking(move |inner| inner.upsert(&docs)).await
        })
    }

    fn delete<'a>(&'a self, keys: Vec<DocKey>) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            if keys.is_empty() {
                return Ok(());
            }
            self.blocking(move |inner| inner.delete(&keys)).await
        })
    }

    fn clear(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(async move { self.blocking(|inner| inner.clear()).await })
    }

    fn search<'a>(&'a self, q: &'a SearchQuery) -> BoxFuture<'a, Result<SearchResults>> {
        Box::pin(async move {
            let cache = self.inner.results.as_ref().map(|cache| {
                let generation = self.inner.reader.searcher().generation().generation_id();
                (cache, format!("{generation}\u{1f}{q:?}"))
            });
            if let Some((cache, key)) = &cache
                && let Some(hit) = cache.get(key)
            {
                return Ok(SearchResults::clone(&hit));
            }
            let query = q.clone();
            let results = self.searching(move |inner| inner.search(&query)).await?;
            if let Some((cache, key)) = cache {
                cache.insert(key, Arc::new(results.clone()));
            }
            Ok(results)
        })
    }

    fn optimize(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.blocking(|inner| inner.optimize()))
    }

    fn keys(&self) -> BoxFuture<'_, Result<Vec<DocKey>>> {
        Box::pin(async move { self.blocking(|inner| inner.keys()).await })
    }

    fn suggest<'a>(&'a self, prefix: &'a str, limit: usize) -> BoxFuture<'a, Result<Vec<Hit>>> {
        let prefix = prefix.to_owned();
        Box::pin(async move {
            self.searching(move |inner| inner.suggest(&prefix, limit))
                .await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiled_in_data_parses() {
        assert!(ketnoi_domain::catalog::category("gom-su").is_some());
        assert!(ketnoi_domain::catalog::sector("gom_su").is_some());
        assert!(SYNONYMS.entries.len() >= 40);
        let (n, values) = SYNONYMS
            .longest_at(&["silk", "scarf", "red"], 3)
            .expect("silk scarf");
        assert_eq!(n, 2);
        assert_eq!(values[0][0].exact, "khăn");
        assert_eq!(values[0][1].folded, "lua");
        assert_eq!(
            SYNONYMS.longest_at(&["silk", "scarf"], 1).map(|s| s.0),
            Some(1)
        );
        assert!(SYNONYMS.longest_at(&["gom"], 3).is_none());
    }

    /// The lazy union matches and scores exactly as tantivy's own union, alone and when an
    /// intersection seeks it.
    #[test]
    fn lazy_union_matches_and_scores_as_a_boolean_union() {
        let mut b = Schema::builder();
        let body = b.add_text_field("body", tantivy::schema::TEXT);
        let index = Index::create_in_ram(b.build());
        let mut writer: IndexWriter = index
            .writer_with_num_threads(1, 15_000_000)
            .expect("writer");
        let words = ["a", "b", "c", "d"];
        for i in 0..10_000u32 {
            // Dense and sparse words, some documents with several: long seeks and overlaps.
            let text: Vec<&str> = words
                .iter()
                .enumerate()
                .filter(|&(w, _)| i % (3 + 97 * w as u32) == 0 || (w == 0 && i % 2 == 0))
                .map(|(_, word)| *word)
                .collect();
            writer
                .add_document(tantivy::doc!(body => text.join(" ")))
                .expect("add");
        }
        writer.commit().expect("commit");
        let searcher = index.reader().expect("reader").searcher();
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

    #[test]
    fn query_syllables_and_typing() {
        let (s, typing) = query_syllables("Gốm S");
        assert!(typing);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].exact, "gốm");
        assert_eq!(s[0].folded, "gom");
        assert!(s[0].has_diacritics());
        assert!(!s[1].has_diacritics());
        assert!(!query_syllables("gom su ").1);
    }

    #[test]
    fn tokenizers_are_registered() {
        let idx = TantivyIndex::in_memory().expect("index");
        let searcher = idx.inner.reader.searcher();
        assert!(searcher.index().schema().get_field("title_f").is_ok());
        let mut analyzer = searcher
            .index()
            .tokenizers()
            .get(TOKENIZER_FOLDED)
            .expect("tok");
        let mut stream = analyzer.token_stream("Đặc sản Bát-Tràng");
        let mut out = Vec::new();
        while let Some(t) = stream.next() {
            out.push((t.text.clone(), t.position));
        }
        assert_eq!(
            out,
            [
                ("dac".into(), 0),
                ("san".into(), 1),
                ("bat".into(), 2),
                ("trang".into(), 3)
            ]
        );
    }

    #[test]
    fn english_stems_irregular_plurals() {
        let mut analyzer = english_analyzer();
        let stem = |a: &mut TextAnalyzer, w: &str| {
            let mut stream = a.token_stream(w);
            stream.next().map(|t| t.text.clone())
        };
        for (a, b) in [
            ("scarves", "scarf"),
            ("vases", "vase"),
            ("ceramics", "ceramic"),
        ] {
            assert_eq!(stem(&mut analyzer, a), stem(&mut analyzer, b), "{a} {b}");
        }
    }

    #[test]
    fn keys_round_trip() {
        let key = DocKey {
            kind: DocKind::Cooperative,
            id: 42,
        };
        assert_eq!(parse_key(&key_string(key)), Some(key));
        assert_eq!(parse_key("nope:1"), None);
    }
}
