//! Query understanding: the filter-like phrases a shopper types ("dưới 100k", "OCOP 4 sao",
//! "bán sỉ", "ở Gia Lâm") read out of the text into an [`Understood`], the rest left to match
//! as text. Pure and table-driven; [`apply`] merges the result into a [`SearchQuery`].
//!
//! Matching is case-insensitive and, syllable by syllable, diacritics-insensitive when the
//! shopper typed none: "si" is "sỉ" and "bat trang" is "Bát Tràng", but a syllable typed
//! with diacritics must carry the same ones (tone placement aside, "hoà" = "hòa"), so "sĩ"
//! (as in "nghệ sĩ") is not "sỉ" and "đường hóa" is not "Dương Hòa". Words that are only
//! ambiguous without diacritics ("ban" = bán/bàn/bản, "le", "tim") match only when accented,
//! and "mua" (also mùa/múa) only in a query typed with diacritics, or all of them inside a
//! longer phrase ("can mua", "ban si").
//!
//! Decisions, each a trade of recall against a wrong filter:
//! - Only words that state an intent and rarely name a listing are consumed. "tour",
//!   "workshop", "homestay" and "tham quan" are category words that listings carry: they set
//!   `offer_kind = "experience"` but stay in the text.
//! - "làng" (village) is never a place marker: it is part of craft-village names.
//! - "giá" alone and "hàng" alone stay text ("giá đỗ", "nhà hàng"); they are consumed only in
//!   phrases ("giá rẻ", "giá dưới 100k", "cửa hàng").
//! - "củ" (slang for a million) is a price only after a comparison word or "giá": it also
//!   counts tubers.
//! - Descriptive words ("ngon", "sạch", "đẹp") are never dropped: they matter to ranking.
//! - The first value of a filter wins; a later, different one stays text (two certifications,
//!   two star counts), except that a wholesale and a retail phrase together ("sỉ lẻ") mean
//!   both, so no offer filter, and that "OCOP" after another certification means 3+ stars.

use std::collections::HashMap;
use std::sync::LazyLock;

use unicode_normalization::UnicodeNormalization;

use crate::SearchQuery;
use crate::text::{fold, nfc};

/// What [`understand`] read out of a query.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Understood {
    /// What is left to match as text (words not consumed), single-spaced, original spelling
    /// kept.
    pub text: String,
    /// Lowest price in đồng.
    pub price_min: Option<i64>,
    /// Highest price in đồng.
    pub price_max: Option<i64>,
    /// "cheap"/"rẻ"/"giá rẻ"/"bình dân" with no number: a hint to prefer lower prices (no
    /// filter).
    pub cheap: bool,
    /// `retail`, `wholesale` or `experience`.
    pub offer_kind: Option<String>,
    /// OCOP stars, 3–5.
    pub min_stars: Option<u8>,
    /// A certification code of the catalogue: `vietgap`, `huu_co` (organic) or `ocop`.
    pub certification: Option<String>,
    /// Ward/commune codes the query names, in the official order: one for a commune's name
    /// ("Bát Tràng" → `00577`), every unit that took land from an old district for its name
    /// ("Gia Lâm", "huyện Gia Lâm").
    pub communes: Vec<String>,
    /// The phrases read as a filter or a hint, as typed and in order, e.g. `["dưới 100k",
    /// "OCOP 4 sao", "Gia Lâm"]`: what the page shows as "understood as".
    pub consumed: Vec<String>,
    /// The phrases removed without a filter: shopping words ("mua", "shop", "the"), "Hà
    /// Nội" (the whole city), and filter phrases that conflicted or that [`apply`] found
    /// set explicitly.
    pub dropped: Vec<String>,
    /// The filter each phrase of `consumed` set, in the same order.
    slots: Vec<Slot>,
}

impl Understood {
    /// Nothing understood: no filter, no hint, and the text is the query's (spacing aside).
    pub fn is_empty(&self) -> bool {
        self.price_min.is_none()
            && self.price_max.is_none()
            && !self.cheap
            && self.offer_kind.is_none()
            && self.min_stars.is_none()
            && self.certification.is_none()
            && self.communes.is_empty()
            && self.consumed.is_empty()
            && self.dropped.is_empty()
    }

    /// The phrases read as a place ("ở Gia Lâm", "Bát Tràng"), as typed.
    pub fn place_phrases(&self) -> Vec<&str> {
        self.consumed
            .iter()
            .zip(&self.slots)
            .filter(|(_, s)| **s == Slot::Place)
            .map(|(p, _)| p.as_str())
            .collect()
    }

    /// Moves the phrases of `slot` from `consumed` to `dropped`.
    fn drop_slot(&mut self, slot: Slot) {
        let mut i = 0;
        while i < self.slots.len() {
            if self.slots[i] == slot {
                self.slots.remove(i);
                self.dropped.push(self.consumed.remove(i));
            } else {
                i += 1;
            }
        }
    }
}

/// Reads `text` (what a shopper typed, any normalisation) into filters and the rest.
pub fn understand(text: &str) -> Understood {
    let text = nfc(text);
    let toks = tokenize(&text);
    let open_end = !text.ends_with(|c: char| c.is_whitespace());
    let english = toks.iter().any(Tok::is_english);
    let mut r = Reader {
        toks: &toks,
        used: vec![false; toks.len()],
        u: Understood::default(),
        offer_conflict: false,
        english,
        open_end,
    };
    let mut i = 0;
    while i < toks.len() {
        i = r.step(i).unwrap_or(i + 1);
    }
    r.finish()
}

/// `q` with its text replaced by what is left once understood, and every understood filter
/// filled in where `q` does not set it already: explicit filters win, and what they override
/// moves to [`Understood::dropped`]. A price range counts as one filter (either bound set
/// explicitly drops both understood bounds). `commune_code` is set when exactly one commune
/// is understood, `communes` when several are (an old district's).
pub fn apply(q: &SearchQuery) -> (SearchQuery, Understood) {
    let mut u = understand(&q.text);
    let mut out = q.clone();
    out.text = u.text.clone();
    if q.price_min.is_some() || q.price_max.is_some() {
        u.price_min = None;
        u.price_max = None;
        u.drop_slot(Slot::Price);
    } else {
        out.price_min = u.price_min;
        out.price_max = u.price_max;
    }
    if q.offer_kind.is_some() {
        if u.offer_kind.take().is_some() {
            u.drop_slot(Slot::Offer);
        }
    } else {
        out.offer_kind.clone_from(&u.offer_kind);
    }
    if q.min_stars.is_some() {
        u.min_stars = None;
        u.drop_slot(Slot::Stars);
    } else {
        out.min_stars = u.min_stars;
    }
    if q.certification.is_some() {
        u.certification = None;
        u.drop_slot(Slot::Certification);
    } else {
        out.certification.clone_from(&u.certification);
    }
    if q.commune_code.is_some() {
        u.communes.clear();
        u.drop_slot(Slot::Place);
    } else if let [one] = u.communes.as_slice() {
        out.commune_code = Some(one.clone());
    } else {
        out.communes.clone_from(&u.communes);
    }
    (out, u)
}

/// The filter a consumed phrase set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Price,
    Cheap,
    Offer,
    Stars,
    Certification,
    Place,
}

// ---------------------------------------------------------------------------------------
// Tokens

/// A token of the query: a word (letters and digits, "100.000đ" and "1,5tr" included) or one
/// other non-space character ("<=" and ">=" are one).
#[derive(Debug)]
struct Tok {
    /// As typed (NFC).
    s: String,
    folded: String,
    /// Letters and digits (else a symbol).
    word: bool,
    /// No space before it.
    glued: bool,
    /// Carries a diacritic or `đ`.
    accents: bool,
    /// The letters with their vowel marks, and the tone mark apart (wherever it was placed).
    key: (String, Option<char>),
}

impl Tok {
    fn new(s: &str, word: bool, glued: bool) -> Tok {
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

    fn starts_with_digit(&self) -> bool {
        self.word && self.s.starts_with(|c: char| c.is_ascii_digit())
    }

    /// A word that cannot be a Vietnamese syllable ("honey", "for"), loan words of Vietnamese
    /// shopping aside: the query is at least partly English.
    fn is_english(&self) -> bool {
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
fn vietnamese_syllable(f: &str) -> bool {
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
fn tone_key(low: &str) -> (String, Option<char>) {
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
fn tokenize(s: &str) -> Vec<Tok> {
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
fn join<'a>(toks: impl IntoIterator<Item = (usize, &'a Tok)>) -> String {
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
fn same(t: &Tok, p: &Tok, strict: bool) -> bool {
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
fn accented_query(toks: &[Tok]) -> bool {
    toks.iter().any(|t| t.accents)
}

// ---------------------------------------------------------------------------------------
// Phrase tables

/// A phrase of a table, tokenised like a query, and what it stands for.
struct Entry<T> {
    pat: Vec<Tok>,
    strict: bool,
    value: T,
}

/// A table of phrases, longest first. A phrase written with a leading `!` matches only
/// when typed with its diacritics, or (if it has none) in a query typed with diacritics.
struct Table<T>(Vec<Entry<T>>);

impl<T: Copy> Table<T> {
    fn new(rows: &[(&str, T)]) -> Table<T> {
        let mut entries: Vec<Entry<T>> = rows
            .iter()
            .map(|&(p, value)| {
                let strict = p.starts_with('!');
                Entry {
                    pat: tokenize(p.trim_start_matches('!')),
                    strict,
                    value,
                }
            })
            .collect();
        entries.sort_by_key(|e| std::cmp::Reverse(e.pat.len()));
        Table(entries)
    }

    /// The longest phrase at `toks[i..]`: its end and value.
    fn at(&self, toks: &[Tok], i: usize) -> Option<(usize, T)> {
        self.0.iter().find_map(|e| {
            let end = i + e.pat.len();
            let hit = toks
                .get(i..end)
                .is_some_and(|ts| ts.iter().zip(&e.pat).all(|(t, p)| same(t, p, e.strict)));
            let plain = e.strict && !e.pat.iter().any(|p| p.accents);
            (hit && (!plain || accented_query(toks))).then_some((end, e.value))
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dir {
    Max,
    Min,
    About,
    /// "từ", "from": a minimum, or a range's start.
    From,
    /// "between": a range's start.
    Between,
}

/// Words before a price: a maximum, a minimum, about (±20 %), a range's start.
static CMP_BEFORE: LazyLock<Table<Dir>> = LazyLock::new(|| {
    use Dir::*;
    Table::new(&[
        ("dưới", Max),
        ("không quá", Max),
        ("ko quá", Max),
        ("không tới", Max),
        ("không đến", Max),
        ("chưa tới", Max),
        ("chưa đến", Max),
        ("tối đa", Max),
        ("nhỏ hơn", Max),
        ("ít hơn", Max),
        ("thấp hơn", Max),
        ("rẻ hơn", Max),
        ("max", Max),
        ("maximum", Max),
        ("under", Max),
        ("below", Max),
        ("less than", Max),
        ("cheaper than", Max),
        ("lower than", Max),
        ("at most", Max),
        ("up to", Max),
        ("<", Max),
        ("<=", Max),
        ("≤", Max),
        ("trên", Min),
        ("hơn", Min),
        ("lớn hơn", Min),
        ("cao hơn", Min),
        ("đắt hơn", Min),
        ("tối thiểu", Min),
        ("ít nhất", Min),
        ("min", Min),
        ("minimum", Min),
        ("over", Min),
        ("above", Min),
        ("more than", Min),
        ("at least", Min),
        ("higher than", Min),
        (">", Min),
        (">=", Min),
        ("≥", Min),
        ("khoảng", About),
        // "tam" is also "tằm" ("lua to tam"), "co" also "có": accented only.
        ("!tầm", About),
        ("!cỡ", About),
        ("chừng", About),
        ("xấp xỉ", About),
        ("trong khoảng", About),
        ("around", About),
        ("about", About),
        ("approximately", About),
        ("approx", About),
        ("~", About),
        ("từ", From),
        ("from", From),
        ("between", Between),
        ("giữa", Between),
    ])
});

/// Words after a price: "100k trở xuống", "200k trở lên", "200k+".
static CMP_AFTER: LazyLock<Table<Dir>> = LazyLock::new(|| {
    use Dir::*;
    Table::new(&[
        ("trở xuống", Max),
        ("đổ lại", Max),
        ("đổ xuống", Max),
        ("trở lại", Max),
        ("or less", Max),
        ("or under", Max),
        ("or below", Max),
        ("and under", Max),
        ("and below", Max),
        ("max", Max),
        ("tối đa", Max),
        ("trở lên", Min),
        ("đổ lên", Min),
        ("or more", Min),
        ("or above", Min),
        ("and up", Min),
        ("and above", Min),
        ("+", Min),
    ])
});

/// "giá" and its kin before (or after) a comparison word.
static PRICE_WORD: LazyLock<Table<()>> = LazyLock::new(|| {
    Table::new(&[
        ("giá", ()),
        ("giá bán", ()),
        ("giá tiền", ()),
        ("mức giá", ()),
        ("price", ()),
        ("prices", ()),
        ("priced", ()),
    ])
});

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sep {
    To,
    /// "and", "và": only after "between".
    And,
}

static RANGE_SEP: LazyLock<Table<Sep>> = LazyLock::new(|| {
    Table::new(&[
        ("-", Sep::To),
        ("–", Sep::To),
        ("—", Sep::To),
        ("~", Sep::To),
        ("đến", Sep::To),
        ("tới", Sep::To),
        ("to", Sep::To),
        ("and", Sep::And),
        ("và", Sep::And),
    ])
});

/// A multiplier after a number, and whether it is the slang "củ" (a million).
static MULTIPLIER: LazyLock<Table<(i64, bool)>> = LazyLock::new(|| {
    Table::new(&[
        ("k", (1_000, false)),
        ("nghìn", (1_000, false)),
        ("ngàn", (1_000, false)),
        ("tr", (1_000_000, false)),
        ("triệu", (1_000_000, false)),
        ("củ", (1_000_000, true)),
        // English: "under 1 million", "200 thousand".
        ("thousand", (1_000, false)),
        ("million", (1_000_000, false)),
        ("mil", (1_000_000, false)),
    ])
});

static CURRENCY: LazyLock<Table<()>> =
    LazyLock::new(|| Table::new(&[("đ", ()), ("₫", ()), ("đồng", ()), ("vnđ", ()), ("vnd", ())]));

/// Units of quantity (folded): a number before one is not a price ("500 g", "2 ngày").
const QUANTITY_UNITS: &[&str] = &[
    "g", "gr", "gam", "gram", "grams", "kg", "kgs", "kilo", "ky", "lang", "mg", "ml", "l", "lit",
    "liter", "litre", "m", "met", "cm", "mm", "km", "m2", "ta", "tan", "yen", "ngay", "dem", "gio",
    "tieng", "phut", "tuan", "thang", "nam", "tuoi", "nguoi", "khach", "cai", "chiec", "hop", "bo",
    "chai", "lo", "binh", "goi", "tui", "bao", "thung", "can", "hu", "cay", "canh", "chau", "bong",
    "qua", "trai", "con", "doi", "cap", "chuc", "mam", "suat", "ve", "luot", "buoi", "coc", "ly",
    "sao", "star", "stars", "day", "days", "night", "nights", "hour", "hours", "h", "pcs",
    "people", "persons",
];

fn is_quantity(t: &Tok) -> bool {
    if t.word {
        QUANTITY_UNITS.contains(&t.folded.as_str())
    } else {
        matches!(t.s.as_str(), "%" | "*" | "★" | "⭐")
    }
}

/// "từ 3 sao", "trên 4 sao": the count itself is the minimum (OCOP stars are coarse, and
/// shoppers use "trên" loosely).
static STAR_BEFORE: LazyLock<Table<()>> = LazyLock::new(|| {
    Table::new(&[
        ("từ", ()),
        ("trên", ()),
        ("tối thiểu", ()),
        ("ít nhất", ()),
        ("over", ()),
        ("above", ()),
        ("at least", ()),
        ("min", ()),
        (">", ()),
        (">=", ()),
        ("≥", ()),
    ])
});

static STAR_UNIT: LazyLock<Table<()>> = LazyLock::new(|| {
    Table::new(&[
        ("sao", ()),
        ("*", ()),
        ("★", ()),
        ("⭐", ()),
        ("star", ()),
        ("stars", ()),
        ("- star", ()),
        ("- stars", ()),
        ("- sao", ()),
    ])
});

static STAR_AFTER: LazyLock<Table<()>> = LazyLock::new(|| {
    Table::new(&[
        ("trở lên", ()),
        ("+", ()),
        ("or more", ()),
        ("or above", ()),
        ("or higher", ()),
        ("and up", ()),
        ("and above", ()),
    ])
});

static STAR_WORDS: LazyLock<Table<u8>> = LazyLock::new(|| {
    Table::new(&[
        ("ba", 3),
        ("bốn", 4),
        ("tư", 4),
        ("năm", 5),
        ("three", 3),
        ("four", 4),
        ("five", 5),
    ])
});

static OCOP: LazyLock<Table<()>> = LazyLock::new(|| Table::new(&[("ocop", ())]));

static CHEAP: LazyLock<Table<()>> = LazyLock::new(|| {
    Table::new(&[
        ("rẻ", ()),
        ("giá rẻ", ()),
        ("rẻ nhất", ()),
        ("giá rẻ nhất", ()),
        ("siêu rẻ", ()),
        ("giá tốt", ()),
        ("giá tốt nhất", ()),
        ("giá hời", ()),
        ("giá mềm", ()),
        ("bình dân", ()),
        ("giá bình dân", ()),
        ("giá sinh viên", ()),
        ("cheap", ()),
        ("cheaper", ()),
        ("cheapest", ()),
        ("affordable", ()),
        ("inexpensive", ()),
        ("budget", ()),
        ("low price", ()),
        ("low cost", ()),
        ("best price", ()),
        ("good price", ()),
    ])
});

/// An offer kind, and whether the phrase stays text (a category word listings carry).
static OFFER: LazyLock<Table<(&'static str, bool)>> = LazyLock::new(|| {
    const W: (&str, bool) = ("wholesale", false);
    const R: (&str, bool) = ("retail", false);
    const E: (&str, bool) = ("experience", false);
    const E_KEEP: (&str, bool) = ("experience", true);
    Table::new(&[
        // "si" typed without diacritics is "sỉ"; "sĩ" (artist) is not.
        ("sỉ", W),
        ("bán sỉ", W),
        ("mua sỉ", W),
        ("giá sỉ", W),
        ("đơn sỉ", W),
        ("lấy sỉ", W),
        ("nhập sỉ", W),
        // "buon" alone is also "buồn".
        ("!buôn", W),
        ("bán buôn", W),
        ("mua buôn", W),
        ("giá buôn", W),
        ("số lượng lớn", W),
        ("wholesale", W),
        ("bulk", W),
        ("in bulk", W),
        ("bulk order", W),
        ("bulk orders", W),
        // "le" alone is also "lê" (pear) and "lễ" ("giò lụa Ước Lễ").
        ("!lẻ", R),
        ("bán lẻ", R),
        ("mua lẻ", R),
        ("giá lẻ", R),
        ("retail", R),
        ("trải nghiệm", E),
        ("experience", E),
        ("experiences", E),
        ("tour", E_KEEP),
        ("tours", E_KEEP),
        ("workshop", E_KEEP),
        ("workshops", E_KEEP),
        ("homestay", E_KEEP),
        ("tham quan", E_KEEP),
    ])
});

/// Words before a certification, consumed with it.
static CERT_BEFORE: LazyLock<Table<()>> = LazyLock::new(|| {
    Table::new(&[
        ("chứng nhận", ()),
        ("có chứng nhận", ()),
        ("đạt chuẩn", ()),
        ("tiêu chuẩn", ()),
        ("chuẩn", ()),
        ("certified", ()),
    ])
});

/// Certification codes of the catalogue (`data/categories.json`); GlobalGAP has none.
static CERT: LazyLock<Table<&'static str>> = LazyLock::new(|| {
    Table::new(&[
        ("vietgap", "vietgap"),
        ("việt gap", "vietgap"),
        ("hữu cơ", "huu_co"),
        ("organic", "huu_co"),
        ("bio", "huu_co"),
        ("ocop", "ocop"),
    ])
});

/// When a shopping word may be dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum When {
    Always,
    /// In a query with English words; never as the last, unfinished word ("a" → "agarwood").
    English,
    /// Never: a word that starts like a shopping word but is not one ("tìm hiểu", "bán đảo").
    Keep,
}

/// Shopping words that say nothing about the product.
static STOP: LazyLock<Table<When>> = LazyLock::new(|| {
    use When::*;
    Table::new(&[
        // Alone, "mua", "ban", "tim" without diacritics are also mùa/múa, bàn/bạn/bản, tím.
        ("!mua", Always),
        ("!bán", Always),
        ("!tìm", Always),
        ("tìm kiếm", Always),
        ("mua sắm", Always),
        ("mua bán", Always),
        ("mua hàng", Always),
        ("bán hàng", Always),
        ("tìm hiểu", Keep),
        ("bán đảo", Keep),
        ("bán nguyệt", Keep),
        ("bán kính", Keep),
        ("bán cầu", Keep),
        ("bán trú", Keep),
        ("bán thành phẩm", Keep),
        ("cần mua", Always),
        ("muốn mua", Always),
        ("tìm mua", Always),
        ("đặt mua", Always),
        ("cần tìm", Always),
        ("mua ở đâu", Always),
        ("bán ở đâu", Always),
        ("ở đâu", Always),
        ("mua online", Always),
        ("shop", Always),
        ("cửa hàng", Always),
        ("sản phẩm", Always),
        ("mặt hàng", Always),
        ("chất lượng", Always),
        ("chính hãng", Always),
        ("uy tín", Always),
        ("online", Always),
        ("ship", Always),
        ("freeship", Always),
        ("free ship", Always),
        ("giao hàng", Always),
        ("giao hàng tận nơi", Always),
        ("buy", Always),
        ("store", Always),
        ("for sale", Always),
        ("the", English),
        ("a", English),
        ("an", English),
        ("of", English),
        ("for", English),
        ("with", English),
        ("and", English),
    ])
});

// ---------------------------------------------------------------------------------------
// Places

/// What a place marker says the place is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PlaceKind {
    Commune,
    District,
    City,
}

/// "ở", "tại", "từ" (and, in English queries, "in", "at", "from") before a place.
static PLACE_BEFORE: LazyLock<Table<When>> = LazyLock::new(|| {
    Table::new(&[
        ("ở", When::Always),
        ("tại", When::Always),
        ("từ", When::Always),
        ("in", When::English),
        ("at", When::English),
        ("from", When::English),
    ])
});

static PLACE_KIND_BEFORE: LazyLock<Table<PlaceKind>> = LazyLock::new(|| {
    use PlaceKind::*;
    Table::new(&[
        ("xã", Commune),
        ("phường", Commune),
        ("ward", Commune),
        ("commune", Commune),
        ("huyện", District),
        ("quận", District),
        ("thị xã", District),
        ("tx", District),
        ("district", District),
        ("thành phố", City),
        ("tp", City),
        ("city", City),
    ])
});

static PLACE_KIND_AFTER: LazyLock<Table<PlaceKind>> = LazyLock::new(|| {
    use PlaceKind::*;
    Table::new(&[
        ("ward", Commune),
        ("commune", Commune),
        ("district", District),
        ("city", City),
    ])
});

/// Names (folded) that are also ordinary words, given names or brands ("Phúc Lộc Thọ",
/// "hoa hồng", "Bình Minh", "thanh xuân"): places only after a marker ("xã", "ở", …), like
/// every single-syllable name ("Láng" vs "làng").
const COMMON_NAMES: [&str; 25] = [
    "hong ha",
    "bo de",
    "phuc loi",
    "phuc loc",
    "phuc thinh",
    "binh minh",
    "lien minh",
    "quang minh",
    "tran phu",
    "hung dao",
    "thuan an",
    "tien thang",
    "kim anh",
    "hong van",
    "hong son",
    "bach mai",
    "hoang mai",
    "thanh xuan",
    "dan hoa",
    "thien loc",
    "tam hung",
    "ngoc ha",
    "kim lien",
    "tay phuong",
    "hoa phu",
];

/// A name of a place: a current ward/commune, an old district, or the city.
#[derive(Debug)]
struct Place {
    words: Vec<Tok>,
    /// The ward or commune of that name.
    commune: Option<String>,
    /// The units that took land from the old district of that name (the namesake unit
    /// included), in the official order.
    district: Vec<String>,
    needs_marker: bool,
    city: bool,
}

/// Places by the folded first syllable of their name, longest name first.
static PLACES: LazyLock<HashMap<String, Vec<Place>>> = LazyLock::new(build_places);

fn build_places() -> HashMap<String, Vec<Place>> {
    let communes = ketnoi_domain::admin_units::hanoi_communes();
    let mut places: Vec<Place> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut entry = |name: &str| -> usize {
        let words: Vec<Tok> = tokenize(name).into_iter().filter(|t| t.word).collect();
        let key = join(words.iter().enumerate()).to_lowercase();
        let common = COMMON_NAMES.contains(&fold(&key).as_str());
        *index.entry(key).or_insert_with(|| {
            let needs_marker = words.len() < 2 || common;
            places.push(Place {
                words,
                commune: None,
                district: Vec::new(),
                needs_marker,
                city: false,
            });
            places.len() - 1
        })
    };
    let mut marks: Vec<(usize, Option<String>, Option<String>)> = Vec::new();
    for c in communes {
        let mut names = vec![c.short_name.as_str()];
        if c.short_name.contains(" - ") {
            names.extend(c.short_name.split(" - "));
        }
        for name in names {
            marks.push((entry(name), Some(c.code.clone()), None));
        }
        for old in c.legacy_districts.split('|').filter(|d| !d.is_empty()) {
            let short = ["Quận ", "Huyện ", "Thị xã "]
                .iter()
                .find_map(|p| old.strip_prefix(p))
                .unwrap_or(old);
            marks.push((entry(short), None, Some(c.code.clone())));
        }
    }
    let city = [entry("Hà Nội"), entry("Hanoi")];
    for (i, commune, district) in marks {
        if let Some(p) = places.get_mut(i) {
            if commune.is_some() {
                p.commune = commune;
            }
            p.district.extend(district);
        }
    }
    for i in city {
        if let Some(p) = places.get_mut(i) {
            p.city = true;
            p.needs_marker = false;
        }
    }
    let order: HashMap<&str, usize> = communes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.code.as_str(), i))
        .collect();
    let mut by_first: HashMap<String, Vec<Place>> = HashMap::new();
    for mut p in places {
        if !p.district.is_empty()
            && let Some(c) = &p.commune
            && !p.district.contains(c)
        {
            p.district.push(c.clone());
        }
        p.district.sort_by_key(|c| order.get(c.as_str()).copied());
        p.district.dedup();
        if let Some(first) = p.words.first() {
            by_first.entry(first.folded.clone()).or_default().push(p);
        }
    }
    for list in by_first.values_mut() {
        list.sort_by_key(|p| std::cmp::Reverse(p.words.len()));
    }
    by_first
}

// ---------------------------------------------------------------------------------------
// Numbers and prices

/// A number as typed: "100.000" (dots or commas grouping thousands) or "1,5" / "1.5" (one
/// decimal separator).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Num {
    int: i64,
    frac: i64,
    frac_digits: u32,
    grouped: bool,
}

fn parse_num(s: &str) -> Option<Num> {
    if s.is_empty() || s.len() > 18 {
        return None;
    }
    let groups: Vec<&str> = s.split(['.', ',']).collect();
    let int = |g: &str| g.parse::<i64>().ok();
    if let [one] = groups.as_slice() {
        return Some(Num {
            int: int(one)?,
            frac: 0,
            frac_digits: 0,
            grouped: false,
        });
    }
    let seps: Vec<char> = s.chars().filter(|c| matches!(c, '.' | ',')).collect();
    let same_sep = seps.windows(2).all(|w| w[0] == w[1]);
    let thousands = same_sep
        && groups.first().is_some_and(|g| (1..=3).contains(&g.len()))
        && groups.iter().skip(1).all(|g| g.len() == 3);
    if thousands {
        return Some(Num {
            int: int(&groups.concat())?,
            frac: 0,
            frac_digits: 0,
            grouped: true,
        });
    }
    match groups.as_slice() {
        [i, f] if f.len() <= 6 => Some(Num {
            int: int(i)?,
            frac: int(f)?,
            frac_digits: u32::try_from(f.len()).ok()?,
            grouped: false,
        }),
        _ => None,
    }
}

/// `num` times `mult`, the fraction included ("1,5" × 1 000 000).
fn scaled(num: Num, mult: i64) -> Option<i64> {
    let p = 10i64.checked_pow(num.frac_digits)?;
    num.int
        .checked_mul(mult)?
        .checked_add(num.frac.checked_mul(mult)? / p)
}

/// A number and the money units after it.
#[derive(Debug, Clone, Copy)]
struct Amount {
    num: Num,
    mult: Option<i64>,
    currency: bool,
    /// The multiplier is "củ".
    slang: bool,
    end: usize,
}

impl Amount {
    fn money(&self) -> bool {
        self.mult.is_some() || self.currency
    }

    /// The amount in đồng. `context` (a comparison word, "giá", a range) makes a number
    /// without unit a price: from 1 000 as is, from 10 in thousands ("dưới 100" = 100k).
    fn value(&self, context: bool) -> Option<i64> {
        if self.slang && !context {
            return None;
        }
        let v = match self.mult {
            Some(m) => scaled(self.num, m)?,
            None if self.num.frac_digits > 0 => return None,
            None if self.currency || self.num.grouped => self.num.int,
            None if context && self.num.int >= 1_000 => self.num.int,
            None if context && self.num.int >= 10 => self.num.int.checked_mul(1_000)?,
            None => return None,
        };
        (v > 0).then_some(v)
    }
}

/// The money units glued to a number ("k", "tr5", "đ", "kđ"), into `a`; `None` when the
/// suffix is something else ("g", "kg").
fn glued_units(suffix: &str, a: &mut Amount) -> Option<()> {
    const MULTS: [(&str, i64, bool); 6] = [
        ("trieu", 1_000_000, false),
        ("nghin", 1_000, false),
        ("ngan", 1_000, false),
        ("tr", 1_000_000, false),
        ("cu", 1_000_000, true),
        ("k", 1_000, false),
    ];
    let mut rest = suffix;
    if let Some(&(w, m, slang)) = MULTS.iter().find(|(w, ..)| rest.starts_with(w)) {
        rest = &rest[w.len()..];
        a.mult = Some(m);
        a.slang = slang;
        // "1tr5" = 1.5 million, "2k5" = 2 500.
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 {
            if a.num.frac_digits > 0 || a.num.grouped || digits > 3 {
                return None;
            }
            a.num.frac = rest[..digits].parse().ok()?;
            a.num.frac_digits = u32::try_from(digits).ok()?;
            rest = &rest[digits..];
        }
    }
    match rest {
        "" => {}
        "d" | "vnd" | "dong" => a.currency = true,
        _ => return None,
    }
    Some(())
}

/// A number is part of a date, a time or a ratio ("8/3", "10:30").
fn in_date(toks: &[Tok], i: usize) -> bool {
    if !toks
        .get(i)
        .is_some_and(|t| t.s.bytes().all(|b| b.is_ascii_digit()))
    {
        return false;
    }
    let sep = |t: Option<&Tok>| t.is_some_and(|t| matches!(t.s.as_str(), "/" | ":"));
    (toks.get(i).is_some_and(|t| t.glued) && sep(i.checked_sub(1).and_then(|p| toks.get(p))))
        || (sep(toks.get(i + 1)) && toks.get(i + 1).is_some_and(|t| t.glued))
}

/// The number at `toks[i]` and its money units; `None` when it is not a number, is part
/// of a date, or counts something ("500g", "2 ngày").
fn amount_at(toks: &[Tok], i: usize) -> Option<Amount> {
    let t = toks.get(i)?;
    if !t.starts_with_digit() || in_date(toks, i) {
        return None;
    }
    let split = t
        .folded
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .unwrap_or(t.folded.len());
    let mut a = Amount {
        num: parse_num(&t.folded[..split])?,
        mult: None,
        currency: false,
        slang: false,
        end: i + 1,
    };
    let suffix = &t.folded[split..];
    if suffix.is_empty() {
        if let Some((end, (m, slang))) = MULTIPLIER.at(toks, a.end) {
            a.mult = Some(m);
            a.slang = slang;
            a.end = end;
        }
    } else {
        glued_units(suffix, &mut a)?;
    }
    if let Some((end, ())) = CURRENCY.at(toks, a.end) {
        a.currency = true;
        a.end = end;
    }
    if !a.money() && toks.get(a.end).is_some_and(is_quantity) {
        return None;
    }
    Some(a)
}

/// Both ends of a range "a – b", the unit of one side applying to the other ("100-200k").
fn range_values(a: &Amount, b: &Amount, context: bool) -> Option<(i64, i64)> {
    if !(context || a.money() || b.money()) || ((a.slang || b.slang) && !context) {
        return None;
    }
    let hi = b.value(true)?;
    let lo = match b.mult {
        Some(m) if !a.money() => match scaled(a.num, m) {
            // "500-1tr": 500 is in thousands, not millions.
            Some(v) if v <= hi => v,
            _ => a.value(true)?,
        },
        _ => a.value(true)?,
    };
    Some((lo.min(hi), lo.max(hi)))
}

// ---------------------------------------------------------------------------------------
// The reader

/// What a phrase means.
#[derive(Debug)]
enum Effect {
    Price(Option<i64>, Option<i64>),
    Stars(u8),
    Cheap,
    /// An offer kind, and whether the words stay text.
    Offer(&'static str, bool),
    Certification(&'static str),
    Place(Vec<String>),
    /// Consumed without a filter.
    Stop,
    /// Left as text, and not read again.
    Keep,
}

/// A reader of one kind of phrase: the end of the phrase at an index and what it means.
type Read<'a> = fn(&Reader<'a>, usize) -> Option<(usize, Effect)>;

struct Reader<'a> {
    toks: &'a [Tok],
    used: Vec<bool>,
    u: Understood,
    offer_conflict: bool,
    english: bool,
    open_end: bool,
}

impl Reader<'_> {
    /// Reads the phrase at `i`, if any: the index after it.
    fn step(&mut self, i: usize) -> Option<usize> {
        let readers: [Read<'_>; 7] = [
            Self::price,
            Self::stars,
            Self::cheap,
            Self::offer,
            Self::certification,
            Self::place,
            Self::stop,
        ];
        readers
            .iter()
            .find_map(|read| read(self, i).filter(|(_, e)| self.accepts(e)))
            .map(|(end, effect)| {
                self.take(i, end, effect);
                end
            })
    }

    fn when(&self, w: When, end: usize) -> bool {
        match w {
            When::Always => true,
            When::English => self.english && !(self.open_end && end == self.toks.len()),
            When::Keep => true,
        }
    }

    /// Whether the effect fits what was read before (the first value of a filter wins).
    fn accepts(&self, e: &Effect) -> bool {
        let u = &self.u;
        match e {
            Effect::Price(lo, hi) => {
                let (lo2, hi2) = (lo.or(u.price_min), hi.or(u.price_max));
                let twice = (lo.is_some() && u.price_min.is_some())
                    || (hi.is_some() && u.price_max.is_some());
                !twice && !matches!((lo2, hi2), (Some(l), Some(h)) if l > h)
            }
            Effect::Stars(_) => u.min_stars.is_none(),
            Effect::Certification(c) => {
                u.certification.as_deref().is_none_or(|have| have == *c)
                    || (*c == "ocop" && u.min_stars.is_none())
            }
            _ => true,
        }
    }

    fn take(&mut self, i: usize, end: usize, effect: Effect) {
        let phrase = join((i..end).filter_map(|k| self.toks.get(k).map(|t| (k, t))));
        let slot = match effect {
            Effect::Price(lo, hi) => {
                self.u.price_min = self.u.price_min.or(lo);
                self.u.price_max = self.u.price_max.or(hi);
                Some(Slot::Price)
            }
            Effect::Stars(n) => {
                self.u.min_stars = Some(n);
                Some(Slot::Stars)
            }
            Effect::Cheap => {
                self.u.cheap = true;
                Some(Slot::Cheap)
            }
            Effect::Offer(kind, keep) => {
                match &self.u.offer_kind {
                    Some(have) if have != kind => self.offer_conflict = true,
                    _ => self.u.offer_kind = Some(kind.to_owned()),
                }
                if keep {
                    return;
                }
                Some(Slot::Offer)
            }
            Effect::Certification(c) => match &self.u.certification {
                Some(have) if have != c => {
                    // OCOP after another certification: OCOP products have 3+ stars.
                    self.u.min_stars = Some(3);
                    Some(Slot::Stars)
                }
                _ => {
                    self.u.certification = Some(c.to_owned());
                    Some(Slot::Certification)
                }
            },
            Effect::Place(codes) => {
                for c in codes {
                    if !self.u.communes.contains(&c) {
                        self.u.communes.push(c);
                    }
                }
                Some(Slot::Place)
            }
            Effect::Stop => None,
            Effect::Keep => return,
        };
        for k in i..end {
            if let Some(u) = self.used.get_mut(k) {
                *u = true;
            }
        }
        match slot {
            Some(slot) => {
                self.u.consumed.push(phrase);
                self.u.slots.push(slot);
            }
            None => self.u.dropped.push(phrase),
        }
    }

    fn price(&self, i: usize) -> Option<(usize, Effect)> {
        let toks = self.toks;
        let mut j = i;
        let mut context = false;
        let mut dir = None;
        if let Some((end, ())) = PRICE_WORD.at(toks, j) {
            (j, context) = (end, true);
        }
        if let Some((end, d)) = CMP_BEFORE.at(toks, j) {
            (j, context, dir) = (end, true, Some(d));
            if let Some((end, ())) = PRICE_WORD.at(toks, j) {
                j = end;
            }
        }
        let a = amount_at(toks, j)?;
        let per_unit = |end: usize| {
            let unit = toks.get(end).is_some_and(|t| t.s == "/")
                && toks.get(end + 1).is_some_and(|t| t.word && is_quantity(t));
            if unit { end + 2 } else { end }
        };
        if let Some((sep_end, sep)) = RANGE_SEP.at(toks, a.end)
            && (sep == Sep::To || dir == Some(Dir::Between))
            && let Some(b) = amount_at(toks, sep_end)
            && let Some((lo, hi)) = range_values(&a, &b, context)
        {
            return Some((per_unit(b.end), Effect::Price(Some(lo), Some(hi))));
        }
        let mut end = a.end;
        if let Some((after, d)) = CMP_AFTER.at(toks, end) {
            end = after;
            context = true;
            dir = dir.or(Some(d));
        }
        if !context && !a.money() && !a.num.grouped {
            return None;
        }
        let v = a.value(context)?;
        let effect = match dir.unwrap_or(Dir::About) {
            Dir::Max => Effect::Price(None, Some(v)),
            Dir::Min | Dir::From => Effect::Price(Some(v), None),
            Dir::About | Dir::Between => Effect::Price(Some(v - v / 5), Some(v + v / 5)),
        };
        Some((per_unit(end), effect))
    }

    fn stars(&self, i: usize) -> Option<(usize, Effect)> {
        let toks = self.toks;
        let mut j = STAR_BEFORE.at(toks, i).map_or(i, |(end, ())| end);
        let mut ocop = false;
        if let Some((end, ())) = OCOP.at(toks, j) {
            (j, ocop) = (end, true);
        }
        let t = toks.get(j)?;
        let mut unit = false;
        let n: u8 = if let Some((end, n)) = STAR_WORDS.at(toks, j) {
            j = end;
            n
        } else if !t.word {
            // "★★★★": one star sign per star.
            let run = toks[j..]
                .iter()
                .enumerate()
                .take_while(|(k, s)| matches!(s.s.as_str(), "★" | "⭐") && (*k == 0 || s.glued))
                .count();
            if run == 0 {
                return None;
            }
            (j, unit) = (j + run, true);
            u8::try_from(run).ok()?
        } else {
            // "4", "4sao", "4star", "ocop4".
            let f = t.folded.as_str();
            let f = match f.strip_prefix("ocop") {
                Some(rest) => {
                    ocop = true;
                    rest
                }
                None => f,
            };
            let digits = f.bytes().take_while(u8::is_ascii_digit).count();
            let rest = &f[digits..];
            if digits != 1 || in_date(toks, j) {
                return None;
            }
            match rest {
                "" => {}
                "sao" | "star" | "stars" => unit = true,
                _ => return None,
            }
            j += 1;
            f[..1].parse().ok()?
        };
        if !unit && let Some((end, ())) = STAR_UNIT.at(toks, j) {
            (j, unit) = (end, true);
        }
        if !(3..=5).contains(&n) || !(unit || ocop) {
            return None;
        }
        if !ocop && let Some((end, ())) = OCOP.at(toks, j) {
            j = end;
        }
        if let Some((end, ())) = STAR_AFTER.at(toks, j) {
            j = end;
        }
        Some((j, Effect::Stars(n)))
    }

    fn cheap(&self, i: usize) -> Option<(usize, Effect)> {
        CHEAP.at(self.toks, i).map(|(end, ())| (end, Effect::Cheap))
    }

    fn offer(&self, i: usize) -> Option<(usize, Effect)> {
        OFFER
            .at(self.toks, i)
            .map(|(end, (kind, keep))| (end, Effect::Offer(kind, keep)))
    }

    fn certification(&self, i: usize) -> Option<(usize, Effect)> {
        let j = CERT_BEFORE.at(self.toks, i).map_or(i, |(end, ())| end);
        CERT.at(self.toks, j)
            .or_else(|| CERT.at(self.toks, i))
            .map(|(end, code)| (end, Effect::Certification(code)))
    }

    fn place(&self, i: usize) -> Option<(usize, Effect)> {
        let toks = self.toks;
        // The name right here ("Từ Liêm"), or after markers ("từ Bát Tràng").
        let mut starts = vec![(i, false, None)];
        let mut j = i;
        if let Some((end, w)) = PLACE_BEFORE.at(toks, j)
            && self.when(w, usize::MAX)
        {
            j = end;
            starts.push((j, true, None));
        }
        if let Some((end, kind)) = PLACE_KIND_BEFORE.at(toks, j) {
            starts.push((end, true, Some(kind)));
        }
        starts
            .into_iter()
            .rev()
            .filter_map(|(at, marked, kind)| self.place_name(at, marked, kind))
            .max_by_key(|(end, _)| *end)
    }

    /// A place name at `at`, after markers when `marked` (of `kind`, when they say).
    fn place_name(
        &self,
        at: usize,
        marked: bool,
        kind: Option<PlaceKind>,
    ) -> Option<(usize, Effect)> {
        let toks = self.toks;
        let first = toks.get(at)?;
        let candidates = PLACES.get(&first.folded)?;
        candidates.iter().find_map(|p| {
            let end = at + p.words.len();
            let words = toks.get(at..end)?;
            if !words.iter().zip(&p.words).all(|(t, w)| same(t, w, false)) {
                return None;
            }
            let (end, kind) = match (kind, PLACE_KIND_AFTER.at(toks, end)) {
                (None, Some((after, k))) => (after, Some(k)),
                _ => (end, kind),
            };
            if p.needs_marker && !marked && kind.is_none() {
                return None;
            }
            if p.city {
                return matches!(kind, None | Some(PlaceKind::City)).then_some((end, Effect::Stop));
            }
            let codes = match (kind, &p.commune) {
                (Some(PlaceKind::City), _) => return None,
                (Some(PlaceKind::Commune), Some(c)) => vec![c.clone()],
                _ if !p.district.is_empty() => p.district.clone(),
                (_, Some(c)) => vec![c.clone()],
                _ => return None,
            };
            Some((end, Effect::Place(codes)))
        })
    }

    fn stop(&self, i: usize) -> Option<(usize, Effect)> {
        STOP.at(self.toks, i)
            .filter(|&(end, w)| self.when(w, end))
            .map(|(end, w)| {
                (
                    end,
                    if w == When::Keep {
                        Effect::Keep
                    } else {
                        Effect::Stop
                    },
                )
            })
    }

    /// The rest as text; symbols next to a consumed phrase go with it ("gạo, dưới 100k").
    fn finish(mut self) -> Understood {
        let n = self.toks.len();
        let mut gone = self.used.clone();
        loop {
            let mut changed = false;
            for k in 0..n {
                let symbol = self.toks.get(k).is_some_and(|t| !t.word);
                let near =
                    (k > 0 && gone.get(k - 1) == Some(&true)) || gone.get(k + 1) == Some(&true);
                if symbol && near && gone.get(k) == Some(&false) {
                    gone[k] = true;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        self.u.text = join(
            self.toks
                .iter()
                .enumerate()
                .filter(|(k, _)| gone.get(*k) == Some(&false)),
        );
        if self.offer_conflict {
            self.u.offer_kind = None;
            self.u.drop_slot(Slot::Offer);
        }
        self.u
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(q: &str) -> Understood {
        understand(q)
    }

    fn price(q: &str) -> (Option<i64>, Option<i64>) {
        let r = u(q);
        (r.price_min, r.price_max)
    }

    fn code_of(short: &str) -> String {
        ketnoi_domain::admin_units::hanoi_communes()
            .iter()
            .find(|c| c.short_name == short)
            .map(|c| c.code.clone())
            .unwrap_or_default()
    }

    fn old_district(name: &str) -> Vec<String> {
        ketnoi_domain::admin_units::hanoi_communes()
            .iter()
            .filter(|c| c.legacy_districts.split('|').any(|d| d.ends_with(name)))
            .map(|c| c.code.clone())
            .collect()
    }

    #[test]
    fn max_price_in_thousands() {
        let r = u("gạo dưới 100k");
        assert_eq!(r.text, "gạo");
        assert_eq!((r.price_min, r.price_max), (None, Some(100_000)));
        assert_eq!(r.consumed, ["dưới 100k"]);
        for q in [
            "gạo duoi 100 k",
            "gạo dưới 100K",
            "gạo không quá 100 nghìn",
            "gạo tối đa 100 ngàn",
            "gạo max 100 nghin",
            "gạo < 100k",
            "gạo <100k",
            "gạo <=100k",
            "gạo ≤ 100 ngan",
            "rice under 100k",
            "rice below 100k",
            "rice less than 100k",
        ] {
            assert_eq!(price(q), (None, Some(100_000)), "{q}");
        }
    }

    #[test]
    fn millions_with_decimals_both_ways() {
        for q in [
            "lụa tối đa 1,5 triệu",
            "lụa dưới 1.5tr",
            "lụa dưới 1,5tr",
            "lụa dưới 1tr5",
            "lụa dưới 1500k",
        ] {
            assert_eq!(price(q), (None, Some(1_500_000)), "{q}");
        }
        assert_eq!(price("lụa trên 1tr"), (Some(1_000_000), None));
        assert_eq!(price("trên 2 triệu"), (Some(2_000_000), None));
        assert_eq!(price("lacquer under 1 million"), (None, Some(1_000_000)));
        assert_eq!(price("silk under 1.5 million"), (None, Some(1_500_000)));
        assert_eq!(price("tea over 200 thousand"), (Some(200_000), None));
        assert_eq!(price("dưới 2,25 triệu"), (None, Some(2_250_000)));
    }

    #[test]
    fn dong_amounts_with_separators_and_currency() {
        for q in [
            "dưới 100.000",
            "dưới 100.000đ",
            "dưới 100.000 đ",
            "dưới 100000d",
            "dưới 100,000 VND",
            "dưới 100.000 vnđ",
            "dưới 100.000 đồng",
            "dưới 100.000 dong",
            "dưới 100.000₫",
        ] {
            assert_eq!(price(q), (None, Some(100_000)), "{q}");
            assert_eq!(u(q).text, "", "{q}");
        }
    }

    #[test]
    fn minimum_words() {
        for q in [
            "trên 200k",
            "tren 200k",
            "hơn 200k",
            "từ 200k",
            "over 200k",
            "above 200k",
            "more than 200k",
            "at least 200k",
            "> 200k",
            ">=200k",
            "200k trở lên",
            "200k+",
            "200k or more",
        ] {
            assert_eq!(price(q), (Some(200_000), None), "{q}");
        }
        for q in ["100k trở xuống", "100k đổ lại", "100k or less"] {
            assert_eq!(price(q), (None, Some(100_000)), "{q}");
        }
    }

    #[test]
    fn ranges_share_their_unit() {
        for q in [
            "gốm 100k-200k",
            "gốm 100-200k",
            "gốm 100k - 200k",
            "gốm 100k–200k",
            "gốm từ 100k đến 200k",
            "gốm từ 100 đến 200 nghìn",
            "gốm từ 100k tới 200k",
            "gốm giá 100-200",
            "gom from 100k to 200k",
            "gom between 100k and 200k",
            "gốm 200k-100k",
        ] {
            let r = u(q);
            assert_eq!(
                (r.price_min, r.price_max),
                (Some(100_000), Some(200_000)),
                "{q}"
            );
            assert_eq!(
                r.text,
                if q.starts_with("gom") { "gom" } else { "gốm" },
                "{q}"
            );
        }
        assert_eq!(price("1-2tr"), (Some(1_000_000), Some(2_000_000)));
        assert_eq!(price("500-1tr"), (Some(500_000), Some(1_000_000)));
        assert_eq!(price("500k-1,2tr"), (Some(500_000), Some(1_200_000)));
    }

    #[test]
    fn about_is_twenty_percent_either_side() {
        for q in [
            "khoảng 100k",
            "tầm 100k",
            "around 100k",
            "about 100k",
            "~100k",
        ] {
            assert_eq!(price(q), (Some(80_000), Some(120_000)), "{q}");
        }
        // A bare amount with a money unit is "about".
        let r = u("gạo 50k");
        assert_eq!((r.price_min, r.price_max), (Some(40_000), Some(60_000)));
        assert_eq!(r.text, "gạo");
        assert_eq!(price("gạo 100.000"), (Some(80_000), Some(120_000)));
        assert_eq!(price("giá 50"), (Some(40_000), Some(60_000)));
    }

    #[test]
    fn two_bounds_in_one_query() {
        let r = u("lụa trên 100k dưới 300k");
        assert_eq!((r.price_min, r.price_max), (Some(100_000), Some(300_000)));
        assert_eq!(r.consumed, ["trên 100k", "dưới 300k"]);
        // A second maximum is not read.
        let r = u("dưới 100k dưới 50k");
        assert_eq!(r.price_max, Some(100_000));
        assert_eq!(r.text, "dưới 50k");
    }

    #[test]
    fn unitless_numbers_after_a_comparison() {
        assert_eq!(price("dưới 100"), (None, Some(100_000)));
        assert_eq!(price("dưới 1500"), (None, Some(1_500)));
        // Too small to guess thousands or millions.
        let r = u("trà dưới 5");
        assert_eq!((r.price_min, r.price_max), (None, None));
        assert_eq!(r.text, "trà dưới 5");
    }

    #[test]
    fn slang_cu_needs_a_comparison() {
        assert_eq!(price("dưới 1 củ"), (None, Some(1_000_000)));
        let r = u("3 củ tỏi");
        assert_eq!((r.price_min, r.price_max), (None, None));
        assert_eq!(r.text, "3 củ tỏi");
    }

    #[test]
    fn per_unit_is_read_with_the_price() {
        let r = u("mật ong dưới 300k/kg");
        assert_eq!(r.price_max, Some(300_000));
        assert_eq!(r.text, "mật ong");
        assert_eq!(r.consumed, ["dưới 300k/kg"]);
    }

    #[test]
    fn quantities_are_not_prices() {
        for q in [
            "miến dong 500g",
            "gạo tám 5kg",
            "gạo 5 kg",
            "tour 2 ngày 1 đêm",
            "sữa tươi 1 lít",
            "đồ chơi dưới 3 tuổi",
            "hộp quà trên 10 cái",
            "nhóm từ 5 người",
            "chai 500 ml",
            "0912345678",
            "gạo 100",
        ] {
            let r = u(q);
            assert_eq!((r.price_min, r.price_max), (None, None), "{q}");
            assert_eq!(r.text, q, "{q}");
        }
    }

    #[test]
    fn dates_are_not_prices_or_stars() {
        for q in ["hoa 8/3", "hoa 20/10", "hoa 4/5", "chợ hoa 8:30"] {
            let r = u(q);
            assert!(r.is_empty(), "{q}: {r:?}");
            assert_eq!(r.text, q);
        }
    }

    #[test]
    fn cheap_is_a_hint() {
        for (q, rest) in [
            ("gạo rẻ", "gạo"),
            ("gao gia re", "gao"),
            ("gạo giá rẻ nhất", "gạo"),
            ("nón lá bình dân", "nón lá"),
            ("cheap honey", "honey"),
            ("affordable silk scarf", "silk scarf"),
            ("trà giá tốt", "trà"),
        ] {
            let r = u(q);
            assert!(r.cheap, "{q}");
            assert_eq!((r.price_min, r.price_max), (None, None), "{q}");
            assert_eq!(r.text, rest, "{q}");
        }
        // "rễ" (root) is not "rẻ".
        assert!(!u("rễ cây thuốc").cheap);
    }

    #[test]
    fn wholesale_intent() {
        for (q, rest) in [
            ("gạo sỉ", "gạo"),
            ("gao si", "gao"),
            ("bán sỉ gạo nếp", "gạo nếp"),
            ("mua sỉ bánh chưng", "bánh chưng"),
            ("giá sỉ giò chả", "giò chả"),
            ("giò chả số lượng lớn", "giò chả"),
            ("bán buôn nước mắm", "nước mắm"),
            ("rice wholesale", "rice"),
            ("tea in bulk", "tea"),
            ("bulk tea", "tea"),
        ] {
            let r = u(q);
            assert_eq!(r.offer_kind.as_deref(), Some("wholesale"), "{q}");
            assert_eq!(r.text, rest, "{q}");
        }
    }

    #[test]
    fn si_only_as_a_whole_word_and_with_its_tone() {
        for q in ["tranh họa sĩ", "nghệ sĩ", "sinh tố", "gạo sì"] {
            let r = u(q);
            assert_eq!(r.offer_kind, None, "{q}");
            assert_eq!(r.text, q);
        }
        // "buồn" is not "buôn".
        assert_eq!(u("buon ngu").offer_kind, None);
    }

    #[test]
    fn retail_intent_and_le_in_names() {
        for q in [
            "bán lẻ trà sen",
            "mua lẻ trà sen",
            "trà sen lẻ",
            "trà sen retail",
        ] {
            let r = u(q);
            assert_eq!(r.offer_kind.as_deref(), Some("retail"), "{q}");
            assert_eq!(r.text, "trà sen", "{q}");
        }
        for q in ["giò lụa ước lễ", "gio lua uoc le", "quả lê"] {
            let r = u(q);
            assert!(r.is_empty(), "{q}: {r:?}");
        }
    }

    #[test]
    fn wholesale_and_retail_together_mean_no_offer_filter() {
        let r = u("gạo sỉ lẻ");
        assert_eq!(r.offer_kind, None);
        assert_eq!(r.text, "gạo");
        assert!(r.consumed.is_empty());
        assert_eq!(r.dropped, ["sỉ", "lẻ"]);
    }

    #[test]
    fn experiences_consumed_or_kept() {
        let r = u("trải nghiệm làm gốm");
        assert_eq!(r.offer_kind.as_deref(), Some("experience"));
        assert_eq!(r.text, "làm gốm");
        let r = u("trai nghiem lam gom");
        assert_eq!(r.offer_kind.as_deref(), Some("experience"));
        assert_eq!(r.text, "lam gom");
        // Category words: filter, but the word stays.
        for q in [
            "workshop gốm",
            "tour làng lụa",
            "homestay",
            "tham quan vườn đào",
        ] {
            let r = u(q);
            assert_eq!(r.offer_kind.as_deref(), Some("experience"), "{q}");
            assert_eq!(r.text, q);
            assert!(r.consumed.is_empty());
        }
    }

    #[test]
    fn ocop_stars() {
        let r = u("trà OCOP 4 sao");
        assert_eq!(r.min_stars, Some(4));
        assert_eq!(r.certification, None);
        assert_eq!(r.text, "trà");
        assert_eq!(r.consumed, ["OCOP 4 sao"]);
        for (q, n) in [
            ("trà 4 sao", 4),
            ("trà 4*", 4),
            ("trà 4 ★", 4),
            ("trà ★★★★★", 5),
            ("trà ocop 4", 4),
            ("trà ocop4", 4),
            ("trà 4sao", 4),
            ("tea 4-star", 4),
            ("tea 4 stars", 4),
            ("tea five-star", 5),
            ("trà 3 sao trở lên", 3),
            ("trà từ 3 sao", 3),
            ("trà trên 4 sao ocop", 4),
            ("TRÀ OCOP 5 SAO", 5),
            ("trà ba sao", 3),
        ] {
            let r = u(q);
            assert_eq!(r.min_stars, Some(n), "{q}");
            assert!(
                ["trà", "TRÀ", "tea"].contains(&r.text.as_str()),
                "{q}: {r:?}"
            );
        }
        // Not an OCOP rating.
        for q in ["khách sạn 2 sao", "4 mùa", "trà 4"] {
            let r = u(q);
            assert_eq!(r.min_stars, None, "{q}");
            assert_eq!(r.text, q);
        }
    }

    #[test]
    fn certifications() {
        for (q, code, rest) in [
            ("rau vietgap", "vietgap", "rau"),
            ("rau Viet GAP", "vietgap", "rau"),
            ("rau đạt chuẩn VietGAP", "vietgap", "rau"),
            ("gạo hữu cơ", "huu_co", "gạo"),
            ("gao huu co", "huu_co", "gao"),
            ("organic rice", "huu_co", "rice"),
            ("sản phẩm OCOP", "ocop", ""),
            ("miến ocop", "ocop", "miến"),
        ] {
            let r = u(q);
            assert_eq!(r.certification.as_deref(), Some(code), "{q}");
            assert_eq!(r.text, rest, "{q}");
        }
        // Every code exists in the catalogue.
        for code in ["vietgap", "huu_co", "ocop"] {
            assert!(
                ketnoi_domain::catalog::certification(code).is_some(),
                "{code}"
            );
        }
    }

    #[test]
    fn second_certification_stays_text_but_ocop_means_stars() {
        let r = u("rau hữu cơ vietgap");
        assert_eq!(r.certification.as_deref(), Some("huu_co"));
        assert_eq!(r.text, "rau vietgap");
        let r = u("gạo hữu cơ OCOP");
        assert_eq!(r.certification.as_deref(), Some("huu_co"));
        assert_eq!(r.min_stars, Some(3));
        assert_eq!(r.text, "gạo");
    }

    #[test]
    fn a_commune_by_name() {
        let bat_trang = vec!["00577".to_owned()];
        for (q, rest) in [
            ("gốm Bát Tràng", "gốm"),
            ("gom bat trang", "gom"),
            ("GỐM BÁT TRÀNG", "GỐM"),
            ("gốm xã Bát Tràng", "gốm"),
            ("gốm ở Bát Tràng", "gốm"),
            ("gốm tại bat trang", "gốm"),
            ("gốm từ Bát Tràng", "gốm"),
            ("ceramics from Bat Trang", "ceramics"),
            ("ceramics in Bat Trang commune", "ceramics"),
        ] {
            let r = u(q);
            assert_eq!(r.communes, bat_trang, "{q}");
            assert_eq!(r.text, rest, "{q}");
        }
        assert_eq!(u("gốm ở Bát Tràng").consumed, ["ở Bát Tràng"]);
    }

    #[test]
    fn an_old_district_spans_several_communes() {
        let gia_lam = old_district("Gia Lâm");
        assert!(gia_lam.len() > 1 && gia_lam.contains(&"00577".to_owned()));
        for q in [
            "rau Gia Lâm",
            "rau huyện Gia Lâm",
            "rau gia lam",
            "vegetables Gia Lam district",
        ] {
            let r = u(q);
            assert_eq!(r.communes, gia_lam, "{q}");
        }
        // "xã Gia Lâm": the commune of that name only.
        assert_eq!(u("rau xã Gia Lâm").communes, [code_of("Gia Lâm")]);
        for name in [
            "Đông Anh",
            "Chương Mỹ",
            "Sóc Sơn",
            "Thanh Trì",
            "Thường Tín",
            "Ba Vì",
            "Mê Linh",
        ] {
            let r = u(&format!("đặc sản {name}"));
            assert_eq!(r.communes, old_district(name), "{name}");
            assert_eq!(r.text, "đặc sản");
        }
        // Old districts that are no commune's name now.
        assert_eq!(u("Nam Từ Liêm").communes, old_district("Nam Từ Liêm"));
        assert_eq!(u("thị xã Sơn Tây").communes, old_district("Sơn Tây"));
        // "Từ Liêm" is a ward of its own.
        assert_eq!(u("rau Từ Liêm").communes, [code_of("Từ Liêm")]);
    }

    #[test]
    fn common_word_names_need_a_marker() {
        // "Láng" (one syllable) is not "làng".
        for q in [
            "rau láng",
            "cốm làng Vòng",
            "nón lá làng Chuông",
            "tượng Phúc Lộc Thọ",
            "hoa hồng Hà Nội",
        ] {
            let r = u(q);
            assert!(r.communes.is_empty(), "{q}: {r:?}");
        }
        assert_eq!(u("rau phường Láng").communes, [code_of("Láng")]);
        assert_eq!(u("trà ở Phúc Lộc").communes, [code_of("Phúc Lộc")]);
        assert_eq!(u("cốm làng Vòng").text, "cốm làng Vòng");
    }

    #[test]
    fn typed_diacritics_must_agree() {
        // "đường hóa" is not "Dương Hòa"; without diacritics it may be.
        assert!(u("gạo đường hóa").communes.is_empty());
        assert_eq!(
            u("gao duong hoa").communes,
            old_district_or_commune("Dương Hòa")
        );
        // Old and new tone placement are the same: "Hoà" = "Hòa".
        assert_eq!(u("rau Ứng Hoà").communes, old_district("Ứng Hòa"));
    }

    fn old_district_or_commune(name: &str) -> Vec<String> {
        let d = old_district(name);
        if d.is_empty() { vec![code_of(name)] } else { d }
    }

    #[test]
    fn hanoi_is_the_whole_city() {
        for q in [
            "cốm Hà Nội",
            "cốm ha noi",
            "com Hanoi",
            "cốm ở Hà Nội",
            "cốm thành phố Hà Nội",
        ] {
            let r = u(q);
            assert!(r.communes.is_empty(), "{q}");
            assert_eq!(r.text.split(' ').count(), 1, "{q}: {r:?}");
            assert_eq!(r.dropped.len(), 1, "{q}");
            assert!(r.consumed.is_empty());
        }
    }

    #[test]
    fn van_mieu_by_either_half() {
        let code = ketnoi_domain::admin_units::hanoi_communes()
            .iter()
            .find(|c| c.short_name.starts_with("Văn Miếu"))
            .map(|c| c.code.clone());
        assert_eq!(u("tranh Văn Miếu").communes.first().cloned(), code);
        assert_eq!(u("quoc tu giam").communes.first().cloned(), code);
    }

    #[test]
    fn shopping_words_are_dropped() {
        for (q, rest) in [
            ("mua gạo nếp", "gạo nếp"),
            ("cần mua mật ong", "mật ong"),
            ("shop bán gốm uy tín", "gốm"),
            ("tìm nón lá", "nón lá"),
            ("mua lụa ở đâu", "lụa"),
            ("sản phẩm mây tre đan chính hãng", "mây tre đan"),
            ("buy silk scarf online", "silk scarf"),
            ("the best honey for a gift", "best honey gift"),
        ] {
            let r = u(q);
            assert_eq!(r.text, rest, "{q}");
            assert!(r.consumed.is_empty(), "{q}");
            assert!(!r.is_empty(), "{q}");
        }
        assert_eq!(u("mua gạo nếp").dropped, ["mua"]);
        assert_eq!(u("mua sắm quà Tết").text, "quà Tết");
    }

    #[test]
    fn ambiguous_words_without_diacritics_stay() {
        // mùa/múa, bàn/bản, tím, thẻ: only their accented shopping sense is dropped.
        for q in [
            "mua thu",
            "mua roi nuoc",
            "ban go",
            "tour ban Dao",
            "hoa tim",
            "ao the",
            "do an vat",
        ] {
            let r = u(q);
            assert!(r.dropped.is_empty(), "{q}: {r:?}");
        }
        assert_eq!(u("hoa tím").text, "hoa tím");
        // "tằm" typed without diacritics is not "tầm" (about).
        let r = u("lua to tam 500k");
        assert_eq!(r.text, "lua to tam");
        assert_eq!((r.price_min, r.price_max), (Some(400_000), Some(600_000)));
    }

    #[test]
    fn an_unfinished_last_word_is_not_dropped() {
        assert_eq!(u("honey a").text, "honey a");
        assert_eq!(u("honey a ").text, "honey");
        assert_eq!(u("honey and").text, "honey and");
    }

    #[test]
    fn product_words_are_untouched() {
        for q in [
            "gốm",
            "gốm sứ bát",
            "lụa tơ tằm",
            "nước mắm",
            "hoa sen",
            "giá đỗ",
            "rau cho nhà hàng",
            "quà tặng doanh nghiệp",
        ] {
            let r = u(q);
            assert!(r.is_empty(), "{q}: {r:?}");
            assert_eq!(r.text, q);
        }
        assert!(u("").is_empty());
        assert_eq!(u("  gốm   sứ ").text, "gốm sứ");
    }

    #[test]
    fn everything_at_once_in_order() {
        let r = u("mua gạo nếp hữu cơ OCOP 4 sao ở Gia Lâm dưới 100k giá sỉ");
        assert_eq!(r.text, "gạo nếp");
        assert_eq!(r.certification.as_deref(), Some("huu_co"));
        assert_eq!(r.min_stars, Some(4));
        assert_eq!(r.communes, old_district("Gia Lâm"));
        assert_eq!(r.price_max, Some(100_000));
        assert_eq!(r.offer_kind.as_deref(), Some("wholesale"));
        assert_eq!(
            r.consumed,
            ["hữu cơ", "OCOP 4 sao", "ở Gia Lâm", "dưới 100k", "giá sỉ"]
        );
        assert_eq!(r.dropped, ["mua"]);
    }

    #[test]
    fn tour_with_duration_place_and_budget() {
        let r = u("tour 2 ngày 1 đêm Ba Vì dưới 2 triệu");
        assert_eq!(r.text, "tour 2 ngày 1 đêm");
        assert_eq!(r.offer_kind.as_deref(), Some("experience"));
        assert_eq!(r.communes, old_district("Ba Vì"));
        assert_eq!(r.price_max, Some(2_000_000));
    }

    #[test]
    fn symbols_next_to_a_phrase_go_with_it() {
        assert_eq!(u("gạo, dưới 100k").text, "gạo");
        assert_eq!(u("gốm (giá rẻ)").text, "gốm");
        assert_eq!(u("gốm - Bát Tràng").text, "gốm");
        assert_eq!(u("gốm-sứ").text, "gốm-sứ");
    }

    #[test]
    fn decomposed_input_is_read_like_composed() {
        let nfd: String = "gốm Bát Tràng dưới 100k".nfd().collect();
        let r = u(&nfd);
        assert_eq!(r.text, "gốm");
        assert_eq!(r.communes, ["00577"]);
        assert_eq!(r.price_max, Some(100_000));
        assert_eq!(r.consumed, ["Bát Tràng", "dưới 100k"]);
    }

    #[test]
    fn apply_fills_what_the_query_leaves_open() {
        let q = SearchQuery {
            text: "gốm Bát Tràng OCOP 4 sao dưới 500k".into(),
            limit: 7,
            ..SearchQuery::default()
        };
        let (out, r) = apply(&q);
        assert_eq!(out.text, "gốm");
        assert_eq!(out.commune_code.as_deref(), Some("00577"));
        assert_eq!(out.min_stars, Some(4));
        assert_eq!(out.price_max, Some(500_000));
        assert_eq!(out.limit, 7);
        assert_eq!(r.communes, ["00577"]);
        // Several communes: not one commune_code.
        let (out, r) = apply(&SearchQuery {
            text: "rau Gia Lâm".into(),
            ..SearchQuery::default()
        });
        assert_eq!(out.commune_code, None);
        assert!(r.communes.len() > 1);
    }

    #[test]
    fn apply_lets_explicit_filters_win() {
        let q = SearchQuery {
            text: "gạo sỉ Gia Lâm hữu cơ 4 sao trên 100k".into(),
            offer_kind: Some("retail".into()),
            commune_code: Some("00004".into()),
            certification: Some("vietgap".into()),
            min_stars: Some(5),
            price_max: Some(300_000),
            ..SearchQuery::default()
        };
        let (out, r) = apply(&q);
        assert_eq!(out.text, "gạo");
        assert_eq!(out.offer_kind.as_deref(), Some("retail"));
        assert_eq!(out.commune_code.as_deref(), Some("00004"));
        assert_eq!(out.certification.as_deref(), Some("vietgap"));
        assert_eq!(out.min_stars, Some(5));
        assert_eq!((out.price_min, out.price_max), (None, Some(300_000)));
        assert!(r.communes.is_empty() && r.offer_kind.is_none() && r.price_min.is_none());
        assert!(r.consumed.is_empty(), "{r:?}");
        assert_eq!(r.dropped.len(), 5);
        // Nothing to understand: the query as it was.
        let plain = SearchQuery {
            text: "nón lá".into(),
            ..SearchQuery::default()
        };
        let (out, r) = apply(&plain);
        assert_eq!(out, plain);
        assert!(r.is_empty());
    }

    #[test]
    fn words_that_only_start_like_shopping_words_stay() {
        for q in ["tìm hiểu nghề gốm", "bán thành phẩm gỗ", "bán đảo"] {
            let r = u(q);
            assert!(r.is_empty(), "{q}: {r:?}");
            assert_eq!(r.text, q);
        }
    }

    #[test]
    fn english_place_markers_only_in_english_queries() {
        // "in" is also Vietnamese (to print).
        assert!(u("in ấn").is_empty());
        let r = u("áo in Bát Tràng");
        assert_eq!(r.text, "áo in");
        assert_eq!(r.communes, ["00577"]);
        let r = u("honey in Ba Vi");
        assert_eq!(r.text, "honey");
        assert_eq!(r.consumed, ["in Ba Vi"]);
    }

    #[test]
    fn ocop_with_and_without_a_star_count() {
        let r = u("trà 4 sao ocop");
        assert_eq!((r.min_stars, r.certification.as_deref()), (Some(4), None));
        assert_eq!(r.consumed, ["4 sao ocop"]);
        let r = u("ocop trà 4 sao");
        assert_eq!(
            (r.min_stars, r.certification.as_deref()),
            (Some(4), Some("ocop"))
        );
        assert_eq!(r.text, "trà");
        let r = u("OCOP");
        assert_eq!(r.certification.as_deref(), Some("ocop"));
        assert_eq!(r.text, "");
    }

    #[test]
    fn is_empty_means_nothing_changes() {
        assert!(u("hoa lan hồ điệp").is_empty());
        // A kept word that sets a filter is something.
        assert!(!u("tour").is_empty());
        // A dropped word changes the text.
        assert!(!u("shop gốm").is_empty());
        assert!(!u("gạo 50k").is_empty());
    }

    #[test]
    fn numbers_parse_the_vietnamese_and_english_ways() {
        let n = |s: &str| parse_num(s).map(|n| (n.int, n.frac, n.frac_digits, n.grouped));
        assert_eq!(n("100.000"), Some((100_000, 0, 0, true)));
        assert_eq!(n("1.000.000"), Some((1_000_000, 0, 0, true)));
        assert_eq!(n("100,000"), Some((100_000, 0, 0, true)));
        assert_eq!(n("1,5"), Some((1, 5, 1, false)));
        assert_eq!(n("1.25"), Some((1, 25, 2, false)));
        assert_eq!(n("1.000,5"), None);
        assert!(vietnamese_syllable("nguyen") && vietnamese_syllable("the"));
        assert!(!vietnamese_syllable("honey") && !vietnamese_syllable("for"));
    }
}
