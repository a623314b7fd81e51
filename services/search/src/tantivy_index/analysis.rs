//! Text analysis: the Vietnamese syllable tokenizers (exact, folded, pairs, prefixes) and
//! the English stemmer that documents are indexed with, and the same syllables on the
//! query side.

use tantivy::Index;
use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, TextAnalyzer, Token,
    TokenFilter, TokenStream, Tokenizer,
};

use crate::text;

/// Longer queries are cut: they are not what people type, and each syllable costs clauses.
const MAX_QUERY_SYLLABLES: usize = 12;

pub(super) const TOKENIZER_EXACT: &str = "ketnoi_vi_exact";
pub(super) const TOKENIZER_FOLDED: &str = "ketnoi_vi_folded";
pub(super) const TOKENIZER_PAIRS: &str = "ketnoi_vi_pairs";
pub(super) const TOKENIZER_PREFIXES: &str = "ketnoi_vi_prefixes";
pub(super) const TOKENIZER_EN: &str = "ketnoi_en";

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
pub(super) const MAX_PREFIX_CHARS: usize = 8;

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
        if let Some(singular) = crate::text::irregular_singular(&token.text) {
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

pub(super) fn register_tokenizers(index: &Index) {
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

/// One query syllable: lower-cased with diacritics, and folded.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Syllable {
    pub(super) exact: String,
    pub(super) folded: String,
}

impl Syllable {
    pub(super) fn has_diacritics(&self) -> bool {
        self.exact != self.folded
    }
}

/// The query's syllables, and whether the last one may be unfinished (no trailing space).
pub(super) fn query_syllables(q: &str) -> (Vec<Syllable>, bool) {
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
#[cfg(test)]
mod tests {
    use super::*;
    use crate::tantivy_index::TantivyIndex;

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
}
