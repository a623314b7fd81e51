//! Query understanding: the catalogue's categories a query names ("gốm sứ", "hoa", "nông
//! sản", "honey", "dairy"), from the taxonomy's own names. A category named is a ranking
//! hint, never a filter, and its words stay text: "hoa" prefers the flowers to a vase
//! painted with them, and still finds the vase.
//!
//! Each Vietnamese and English category name is cut at "," and "&" into phrases ("Hoa tươi &
//! lan" → "hoa tươi", "lan"; "Honey & bee products" → "honey", "bee products"). A phrase is
//! named when its words come one after the other in the query, each word typed with
//! diacritics carrying the same ones (tone placement aside) and one typed without matching
//! any marks; an English word also matches with or without a final "s". Where phrases
//! overlap, the longest wins. Vietnamese puts the head noun first, so a one-word Vietnamese
//! phrase names its category only as the query's first word: "lụa tơ tằm" is silk, "giò
//! lụa" a sausage and "bình gốm" (a vase) names nothing; English phrases count anywhere
//! ("organic rice").

use super::*;

/// A phrase of a category's name, and the category.
struct Phrase {
    /// The words, as [`Tok::key`] gives them (marks kept, tone apart).
    keys: Vec<(String, Option<char>)>,
    /// The words folded (no marks), English plural "s" removed.
    folded: Vec<String>,
    category: &'static str,
    /// From the English name.
    english: bool,
}

fn singular(w: &str) -> &str {
    match w.strip_suffix('s') {
        Some(stem) if stem.len() >= 3 && !stem.ends_with('s') => stem,
        _ => w,
    }
}

static PHRASES: LazyLock<Vec<Phrase>> = LazyLock::new(|| {
    let mut out = Vec::new();
    for c in ketnoi_domain::catalog::categories() {
        for (name, english) in [(c.name_vi.as_str(), false), (c.name_en.as_str(), true)] {
            for part in name.split([',', '&']) {
                let low = nfc(part).to_lowercase();
                let words: Vec<&str> = low.split_whitespace().collect();
                if words.is_empty() {
                    continue;
                }
                out.push(Phrase {
                    keys: words.iter().map(|w| tone_key(w)).collect(),
                    folded: words
                        .iter()
                        .map(|w| singular(&fold(w)).to_owned())
                        .collect(),
                    category: &c.id,
                    english,
                });
            }
        }
    }
    // Longest first, so that at a position the longest phrase is tried first.
    out.sort_by_key(|p| std::cmp::Reverse(p.keys.len()));
    out
});

/// The categories `text` names, in the order they appear, each once.
pub(super) fn categories_in(text: &str) -> Vec<String> {
    let toks: Vec<Tok> = tokenize(&nfc(text))
        .into_iter()
        .filter(|t| t.word)
        .collect();
    let mut found: Vec<String> = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let hit = PHRASES.iter().find(|p| {
            // A Vietnamese noun phrase names its head first: one Vietnamese word names a
            // category only there ("lụa tơ tằm" is silk; "giò lụa" is a sausage).
            let modifier = p.keys.len() == 1 && !p.english && i > 0;
            !modifier
                && p.keys.len() <= toks.len() - i
                && p.keys
                    .iter()
                    .zip(&p.folded)
                    .zip(&toks[i..])
                    .all(|((key, folded), t)| {
                        if t.accents {
                            t.key == *key
                        } else {
                            singular(&t.folded) == folded
                        }
                    })
        });
        match hit {
            Some(p) => {
                if !found.iter().any(|c| c == p.category) {
                    found.push(p.category.to_owned());
                }
                i += p.keys.len();
            }
            None => i += 1,
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::categories_in;

    #[test]
    fn names_and_their_parts_name_categories() {
        assert_eq!(categories_in("gốm sứ Bát Tràng"), ["gom-su"]);
        assert_eq!(categories_in("gom su"), ["gom-su"]);
        assert_eq!(categories_in("hoa tươi giá rẻ"), ["hoa-tuoi"]);
        assert_eq!(categories_in("hoa"), ["hoa-cay-canh"]);
        assert_eq!(categories_in("thủ công mỹ nghệ"), ["thu-cong"]);
        assert_eq!(categories_in("honey"), ["mat-ong"]);
        assert_eq!(categories_in("bee product"), ["mat-ong"]);
        assert_eq!(categories_in("mật ong và trà"), ["mat-ong"]);
    }

    #[test]
    fn marks_typed_must_match_and_other_words_name_nothing() {
        // "hòa" is not "hoa" (flower); "mặt" is not "mật".
        assert!(categories_in("hòa bình").is_empty());
        assert!(categories_in("mặt ong").is_empty());
        assert!(categories_in("điện thoại").is_empty());
        assert!(categories_in("").is_empty());
        // One Vietnamese word names a category as the head (first) only.
        assert!(categories_in("gio lua").is_empty());
        assert!(categories_in("giò lụa").is_empty());
        assert_eq!(categories_in("lua"), ["lua-det-theu"]);
        assert_eq!(categories_in("lụa tơ tằm"), ["lua-det-theu"]);
        assert_eq!(categories_in("organic rice"), ["gao-ngu-coc"]);
    }
}
