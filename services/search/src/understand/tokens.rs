//! Query understanding: tokens.

use super::*;

/// A token of the query: a word (letters and digits, "100.000đ" and "1,5tr" included) or one
/// other non-space character ("<=" and ">=" are one).
#[derive(Debug)]
pub(super) struct Tok {
    /// As typed (NFC).
    pub(super) s: String,
    pub(super) folded: String,
    /// Letters and digits (else a symbol).
    pub(super) word: bool,
    /// No space before it.
    pub(super) glued: bool,
    /// Carries a diacritic or `đ`.
    pub(super) accents: bool,
    /// The letters with their vowel marks, and the tone mark apart (wherever it was placed).
    pub(super) key: (String, Option<char>),
}

impl Tok {
    pub(super) fn new(s: &str, word: bool, glued: bool) -> Tok {
        let low = s.to_lowercase();
        let folded = fold(s);
        let accents = word && folded != low;
        let key = tone_key(&low);
        Tok {
            s: s.to_owned(),
            folded,
            word,
            glued,
            accents,
            key,
        }
    }

    pub(super) fn starts_with_digit(&self) -> bool {
        self.word && self.s.starts_with(|c: char| c.is_ascii_digit())
    }

    /// A word that cannot be a Vietnamese syllable ("honey", "for"), loan words of Vietnamese
    /// shopping aside: the query is at least partly English.
    pub(super) fn is_english(&self) -> bool {
        const LOAN: [&str; 14] = [
            "ocop", "vietgap", "shop", "online", "ship", "freeship", "tour", "workshop",
            "homestay", "vnd", "combo", "mini", "max", "min",
        ];
        self.word
            && !self.accents
            && self.folded.len() >= 3
            && self.folded.bytes().all(|b| b.is_ascii_lowercase())
            && !LOAN.contains(&self.folded.as_str())
            && !vietnamese_syllable(&self.folded)
    }
}

/// Whether `f` (folded, ASCII) spells a Vietnamese syllable: initial, vowel cluster, final.
pub(super) fn vietnamese_syllable(f: &str) -> bool {
    const INITIALS: [&str; 27] = [
        "ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr", "b", "c", "d", "g", "h",
        "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "",
    ];
    const FINALS: [&str; 9] = ["", "c", "ch", "m", "n", "ng", "nh", "p", "t"];
    const NUCLEI: [&str; 42] = [
        "a", "e", "i", "o", "u", "y", "ai", "ao", "au", "ay", "eo", "eu", "ia", "ie", "iu", "oa",
        "oe", "oi", "oo", "ua", "ue", "ui", "uo", "uu", "uy", "ya", "ye", "ieu", "oai", "oay",
        "oao", "oeo", "uay", "uai", "uoi", "uou", "uya", "uye", "uyu", "yeu", "uao", "uau",
    ];
    INITIALS.iter().any(|i| {
        f.strip_prefix(i).is_some_and(|rest| {
            FINALS
                .iter()
                .any(|fin| rest.strip_suffix(fin).is_some_and(|n| NUCLEI.contains(&n)))
        })
    })
}

/// `low` without its tone mark, and the tone mark: "hoà" and "hòa" give the same key.
pub(super) fn tone_key(low: &str) -> (String, Option<char>) {
    let mut rest = String::with_capacity(low.len());
    let mut tone = None;
    for c in low.nfd() {
        if matches!(c, '\u{300}' | '\u{301}' | '\u{303}' | '\u{309}' | '\u{323}') {
            tone = Some(c);
        } else {
            rest.push(c);
        }
    }
    (rest, tone)
}

/// The tokens of `s` (NFC). Dots and commas between digits stay inside a word ("100.000",
/// "1,5tr").
pub(super) fn tokenize(s: &str) -> Vec<Tok> {
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let at = |k: usize| chars.get(k).map(|&(_, c)| c);
    let mut out = Vec::new();
    let mut prev_end = None;
    let mut k = 0;
    while let Some(&(start, c)) = chars.get(k) {
        if c.is_whitespace() {
            k += 1;
            continue;
        }
        let mut j = k + 1;
        let word = c.is_alphanumeric();
        if word {
            while let Some(d) = at(j) {
                let in_number = matches!(d, '.' | ',')
                    && at(j - 1).is_some_and(|p| p.is_ascii_digit())
                    && at(j + 1).is_some_and(|n| n.is_ascii_digit());
                if d.is_alphanumeric()
                    || unicode_normalization::char::is_combining_mark(d)
                    || in_number
                {
                    j += 1;
                } else {
                    break;
                }
            }
        } else if matches!(c, '<' | '>') && at(j) == Some('=') {
            j += 1;
        }
        let end = chars.get(j).map_or(s.len(), |&(i, _)| i);
        out.push(Tok::new(&s[start..end], word, prev_end == Some(start)));
        prev_end = Some(end);
        k = j;
    }
    out
}

/// The tokens, glued ones without a space between.
pub(super) fn join<'a>(toks: impl IntoIterator<Item = (usize, &'a Tok)>) -> String {
    let mut out = String::new();
    let mut prev: Option<usize> = None;
    for (i, t) in toks {
        if prev.is_some() && !(t.glued && prev == Some(i.wrapping_sub(1))) {
            out.push(' ');
        }
        out.push_str(&t.s);
        prev = Some(i);
    }
    out
}

/// Whether token `t` reads as the pattern token `p`: a word equal once folded, with the same
/// diacritics when `t` has any (and, when `strict`, only then); a symbol equal as is.
pub(super) fn same(t: &Tok, p: &Tok, strict: bool) -> bool {
    if !t.word || !p.word {
        return t.s == p.s;
    }
    if t.folded != p.folded {
        return false;
    }
    if !t.accents {
        return !(strict && p.accents);
    }
    t.key == p.key
}

/// Whether a strict phrase without diacritics of its own ("mua") may match `toks`: only in a
/// query typed with diacritics, where "mua" cannot be "mùa" typed without them.
pub(super) fn accented_query(toks: &[Tok]) -> bool {
    toks.iter().any(|t| t.accents)
}
