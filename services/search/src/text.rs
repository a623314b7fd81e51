//! Vietnamese text for search: NFC, lower case, syllables, and the folded form without
//! diacritics (`đ` → `d`) that queries typed without accents match.
//!
//! Vietnamese words are written as space-separated syllables ("gốm sứ"), so a token is a
//! syllable: a maximal run of alphanumeric characters of the NFC text. Both the index and the
//! query side use [`syllables`] so that they always agree.

use std::borrow::Cow;

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// Tokens longer than this (in bytes) are dropped: they are noise (URLs, hashes).
pub const MAX_SYLLABLE_BYTES: usize = 40;

pub use ketnoi_domain::text::fold;

/// Whether `s` carries any Vietnamese diacritic (so it must not be matched only folded).
pub fn has_diacritics(s: &str) -> bool {
    fold(s) != s.to_lowercase().nfc().collect::<String>()
}

/// `s` in NFC, borrowed when it already is (the common case).
pub fn nfc(s: &str) -> Cow<'_, str> {
    if is_nfc_quick(s.chars()) == IsNormalized::Yes {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.nfc().collect())
    }
}

/// Pushes the lower-cased form of `c`, without diacritics when `folded`.
#[inline]
pub fn push_lower(c: char, folded: bool, out: &mut String) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    for l in c.to_lowercase() {
        if !folded {
            out.push(l);
        } else if l == 'đ' {
            out.push('d');
        } else {
            unicode_normalization::char::decompose_canonical(l, |d| {
                if !unicode_normalization::char::is_combining_mark(d) {
                    out.push(d);
                }
            });
        }
    }
}

/// Calls `f(start, end, syllable)` for each syllable of `s` (which should be NFC): byte
/// offsets into `s` and the syllable lower-cased, folded when `folded`. Over-long runs are
/// skipped.
pub fn for_each_syllable(s: &str, folded: bool, mut f: impl FnMut(usize, usize, &str)) {
    let mut buf = String::new();
    let mut start: Option<usize> = None;
    let mut emit = |from: usize, to: usize, buf: &mut String| {
        buf.clear();
        for c in s[from..to].chars() {
            push_lower(c, folded, buf);
        }
        if !buf.is_empty() && buf.len() <= MAX_SYLLABLE_BYTES {
            f(from, to, buf);
        }
    };
    for (i, c) in s.char_indices() {
        // Combining marks continue a syllable (text that is not fully precomposed).
        let inside = c.is_alphanumeric()
            || (start.is_some() && unicode_normalization::char::is_combining_mark(c));
        match (inside, start) {
            (true, None) => start = Some(i),
            (false, Some(from)) => {
                emit(from, i, &mut buf);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(from) = start {
        emit(from, s.len(), &mut buf);
    }
}

/// The syllables of `s`: NFC, lower case, folded when `folded`.
pub fn syllables(s: &str, folded: bool) -> Vec<String> {
    let s = nfc(s);
    let mut out = Vec::new();
    for_each_syllable(&s, folded, |_, _, syl| out.push(syl.to_owned()));
    out
}

/// Spellings that sound alike (in Hanoi and to a phone keyboard) and that people swap:
/// initial consonants, then final consonants, of a folded syllable.
const CONFUSABLE_INITIALS: [&[&str]; 6] = [
    &["ch", "tr"],
    &["s", "x"],
    &["d", "gi", "r"],
    &["l", "n"],
    &["c", "k"],
    &["ng", "ngh"],
];
const CONFUSABLE_FINALS: [&[&str]; 3] = [&["n", "ng", "m"], &["c", "t"], &["i", "y"]];

/// Folded syllables that are easily typed for `folded` ("trung" for "chung", "xen" for
/// "sen", "ran" for "rang"): one initial or one final swapped within its group.
pub fn confusable_variants(folded: &str) -> Vec<String> {
    let mut out = Vec::new();
    // Initial: the longest spelling of a group that the syllable starts with.
    let initial = CONFUSABLE_INITIALS
        .iter()
        .flat_map(|g| g.iter().map(move |i| (*g, *i)))
        .filter(|(_, i)| folded.starts_with(i) && folded.len() > i.len())
        .max_by_key(|(_, i)| i.len());
    if let Some((group, initial)) = initial {
        let rest = &folded[initial.len()..];
        for other in group.iter().filter(|o| **o != initial) {
            // "ngh"/"gh" only before e, i: skip spellings that change the syllable's start.
            let candidate = format!("{other}{rest}");
            if !out.contains(&candidate) {
                out.push(candidate);
            }
        }
    }
    let fin = CONFUSABLE_FINALS
        .iter()
        .flat_map(|g| g.iter().map(move |f| (*g, *f)))
        .filter(|(_, f)| folded.ends_with(f) && folded.len() > f.len())
        .max_by_key(|(_, f)| f.len());
    if let Some((group, fin)) = fin {
        let stem = &folded[..folded.len() - fin.len()];
        for other in group.iter().filter(|o| **o != fin) {
            let candidate = format!("{stem}{other}");
            if candidate != folded && !out.contains(&candidate) {
                out.push(candidate);
            }
        }
    }
    out
}

/// The singular of an irregular English plural the stemmer leaves apart from it (both back
/// ends' English analysis).
pub fn irregular_singular(word: &str) -> Option<&'static str> {
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

/// Optimal-string-alignment distance (Levenshtein with adjacent transpositions), by chars.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let (n, m) = (a.len(), b.len());
    let mut prev2 = vec![0usize; m + 1];
    let mut prev: Vec<usize> = (0..=m).collect();
    let mut cur = vec![0usize; m + 1];
    for i in 1..=n {
        cur[0] = i;
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(prev2[j - 2] + 1);
            }
            cur[j] = d;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[m]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_vietnamese() {
        assert_eq!(fold("Gốm sứ Bát Tràng"), "gom su bat trang");
        assert_eq!(fold("Đường phèn"), "duong phen");
        assert!(has_diacritics("mật"));
        assert!(!has_diacritics("mat ong"));
    }

    #[test]
    fn splits_syllables() {
        assert_eq!(
            syllables("Gốm sứ, Bát-Tràng!", false),
            ["gốm", "sứ", "bát", "tràng"]
        );
        assert_eq!(
            syllables("Gốm sứ, Bát-Tràng!", true),
            ["gom", "su", "bat", "trang"]
        );
        assert_eq!(
            syllables("ĐẶC SẢN Ước Lễ 500g", true),
            ["dac", "san", "uoc", "le", "500g"]
        );
        // Decomposed input is normalised first.
        let nfd: String = "Lụa tơ tằm".nfd().collect();
        assert_eq!(syllables(&nfd, false), ["lụa", "tơ", "tằm"]);
        assert_eq!(syllables(&nfd, true), ["lua", "to", "tam"]);
        assert!(syllables(" -- ", true).is_empty());
    }

    #[test]
    fn folding_per_char_matches_fold() {
        let s = "Ấm chén men rạn Bát Tràng – đặc sản Hà Nội, Ước Lễ, thủy, hoà, Mỹ Đức";
        assert_eq!(
            syllables(s, true).join(" "),
            fold(&syllables(s, false).join(" "))
        );
    }

    #[test]
    fn confusables() {
        assert_eq!(confusable_variants("trung"), ["chung", "trun", "trum"]);
        assert_eq!(confusable_variants("xen"), ["sen", "xeng", "xem"]);
        assert_eq!(confusable_variants("tan"), ["tang", "tam"]);
        assert_eq!(confusable_variants("giay"), ["day", "ray", "giai"]);
        assert_eq!(confusable_variants("nghe"), ["nge"]);
        assert!(confusable_variants("a").is_empty());
    }

    #[test]
    fn distance() {
        assert_eq!(edit_distance("trag", "trang"), 1);
        assert_eq!(edit_distance("ogn", "ong"), 1);
        assert_eq!(edit_distance("ghomm", "gom"), 2);
        assert_eq!(edit_distance("", "ab"), 2);
    }
}
