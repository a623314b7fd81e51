//! The extra forms of words this backend indexes and queries, because Meilisearch's own text
//! analysis folds diacritics and does not stem: Vietnamese syllables with their marks spelt
//! out in ASCII letters (the "marked" form), and English words by their Snowball stem.

use tantivy::tokenizer::{Language, LowerCaser, SimpleTokenizer, Stemmer, TextAnalyzer};
use unicode_normalization::char::decompose_canonical;

use crate::text;

/// The marked form of a syllable (NFC, lower case): each letter followed by letters for its
/// marks, as Telex does it but with letters no Vietnamese syllable has, so that a marked form
/// never equals an unmarked syllable: `z` for the circumflex (â ê ô) and the stroke of `đ`,
/// `w` for the breve and the horn (ă ơ ư), then the tone as `j` and a letter: `js` acute,
/// `jf` grave, `jr` hook, `jx` tilde, `jj` dot below. "mật" is `mazjjt`, "mặt" `mawjjt`, "mát"
/// `majst`, "gốm" `gozjsm`, "gỗ" `gozjx`. The marks follow the letter they sit on, so a
/// syllable being typed is a prefix of the marked forms it can become ("gố" → `gozjs`, a
/// prefix of `gozjsm`). Other marks are left out; a syllable without marks is unchanged.
pub fn marked(syllable: &str) -> String {
    let mut out = String::with_capacity(syllable.len() + 4);
    for c in syllable.chars() {
        if c.is_ascii() {
            out.push(c);
            continue;
        }
        if c == 'đ' {
            out.push_str("dz");
            continue;
        }
        let mut base = String::new();
        let mut shape = "";
        let mut tone = "";
        decompose_canonical(c, |d| match d {
            '\u{302}' => shape = "z",
            '\u{306}' | '\u{31b}' => shape = "w",
            '\u{301}' => tone = "js",
            '\u{300}' => tone = "jf",
            '\u{309}' => tone = "jr",
            '\u{303}' => tone = "jx",
            '\u{323}' => tone = "jj",
            d if unicode_normalization::char::is_combining_mark(d) => {}
            d => base.push(d),
        });
        out.push_str(&base);
        out.push_str(shape);
        out.push_str(tone);
    }
    out
}

/// The marked field of a text: its syllables, each with diacritics as its [`marked`] form
/// followed by its folded form (so that a query syllable typed without marks matches it
/// too), the others as they are.
pub fn marked_field<'a>(texts: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for t in texts {
        let t = text::nfc(t);
        text::for_each_syllable(&t, false, |_, _, syllable| {
            let m = marked(syllable);
            if !out.is_empty() {
                out.push(' ');
            }
            if m != syllable {
                out.push_str(&m);
                out.push(' ');
                out.push_str(&text::fold(syllable));
            } else {
                out.push_str(syllable);
            }
        });
    }
    out
}

/// English stems: the Snowball English stemmer (tantivy's, as the embedded backend uses it),
/// after irregular plurals.
pub struct EnglishStemmer(TextAnalyzer);

impl EnglishStemmer {
    pub fn new() -> EnglishStemmer {
        EnglishStemmer(
            TextAnalyzer::builder(SimpleTokenizer::default())
                .filter(LowerCaser)
                .filter(Stemmer::new(Language::English))
                .build(),
        )
    }

    /// The stem of one lower-case word: itself when it is not plain ASCII letters.
    pub fn stem(&mut self, word: &str) -> String {
        if word.is_empty() || !word.bytes().all(|b| b.is_ascii_alphabetic()) {
            return word.to_owned();
        }
        let word = crate::text::irregular_singular(word).unwrap_or(word);
        let mut stream = self.0.token_stream(word);
        match stream.next() {
            Some(token) => token.text.clone(),
            None => word.to_owned(),
        }
    }

    /// The stems of the words of `texts`, separated by spaces.
    pub fn field<'a>(&mut self, texts: impl IntoIterator<Item = &'a str>) -> String {
        let mut words = Vec::new();
        for t in texts {
            for w in text::syllables(t, true) {
                words.push(w);
            }
        }
        let stems: Vec<String> = words.iter().map(|w| self.stem(w)).collect();
        stems.join(" ")
    }
}

impl Default for EnglishStemmer {
    fn default() -> Self {
        Self::new()
    }
}

/// Spellings within two deletions of `word` (at least two letters, and not shorter than the
/// word less two), for "did you mean": with the confusable spellings of
/// [`text::confusable_variants`], what a mistyped syllable is checked against.
pub fn corrections(word: &str) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    let n = chars.len();
    let mut out: Vec<String> = Vec::new();
    let mut push = |s: String| {
        if s.chars().count() >= 2 && s != word && !out.contains(&s) {
            out.push(s);
        }
    };
    for v in text::confusable_variants(word) {
        push(v);
    }
    for i in 0..n {
        let one: String = chars
            .iter()
            .enumerate()
            .filter(|(k, _)| *k != i)
            .map(|(_, c)| *c)
            .collect();
        push(one);
    }
    for i in 0..n {
        for j in i + 1..n {
            let two: String = chars
                .iter()
                .enumerate()
                .filter(|(k, _)| *k != i && *k != j)
                .map(|(_, c)| *c)
                .collect();
            push(two);
        }
    }
    out
}

/// Spellings one edit from a short `word` that Meilisearch's typo tolerance does not reach
/// (it forgives no typo under four letters): its confusable spellings, one letter left out,
/// two neighbouring letters swapped.
pub fn near(word: &str) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    let mut out: Vec<String> = Vec::new();
    let mut push = |s: String| {
        if s.chars().count() >= 2 && s != word && !out.contains(&s) {
            out.push(s);
        }
    };
    for v in text::confusable_variants(word) {
        push(v);
    }
    for i in 0..chars.len() {
        let mut swapped = chars.clone();
        if i + 1 < chars.len() {
            swapped.swap(i, i + 1);
            push(swapped.iter().collect());
        }
        let mut one = chars.clone();
        one.remove(i);
        push(one.iter().collect());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_are_spelt_out() {
        assert_eq!(marked("mật"), "mazjjt");
        assert_eq!(marked("mặt"), "mawjjt");
        assert_eq!(marked("mát"), "majst");
        assert_eq!(marked("mat"), "mat");
        assert_eq!(marked("gốm"), "gozjsm");
        assert_eq!(marked("gỗ"), "gozjx");
        assert!(marked("gốm").starts_with(&marked("gố")));
        assert!(!marked("gỗ").starts_with(&marked("gố")));
        assert_eq!(marked("đường"), "dzuwowjfng");
        assert!(marked("người").starts_with(&marked("ngườ")));
        assert_eq!(marked("500g"), "500g");
    }

    #[test]
    fn marked_fields_keep_the_folded_syllable() {
        assert_eq!(
            marked_field(["Mật ong", "HTX Đồng"]),
            "mazjjt mat ong htx dzozjfng dong"
        );
        assert_eq!(marked_field([""]), "");
    }

    #[test]
    fn english_stems() {
        let mut s = EnglishStemmer::new();
        assert_eq!(s.stem("paintings"), s.stem("painting"));
        assert_eq!(s.stem("scarves"), s.stem("scarf"));
        assert_eq!(s.stem("gốm"), "gốm");
        assert_eq!(
            s.field(["Hand-painted silk scarf"]),
            "hand paint silk scarf"
        );
    }

    #[test]
    fn corrections_within_two_deletions() {
        let c = corrections("ghomm");
        assert!(c.contains(&"gom".to_owned()), "{c:?}");
        assert!(c.contains(&"ghom".to_owned()));
        assert!(!c.contains(&"ghomm".to_owned()));
        assert!(corrections("suuu").contains(&"su".to_owned()));
        assert!(corrections("a").is_empty());
        assert!(near("ogn").contains(&"ong".to_owned()));
        assert!(near("xu").contains(&"su".to_owned()));
        assert!(near("tu").iter().all(|w| w != "tu"));
    }
}
