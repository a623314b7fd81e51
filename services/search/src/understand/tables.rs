//! Query understanding: phrase tables.

use super::*;

/// A phrase of a table, tokenised like a query, and what it stands for.
pub(super) struct Entry<T> {
    pub(super) pat: Vec<Tok>,
    pub(super) strict: bool,
    pub(super) value: T,
}

/// A table of phrases, longest first. A phrase written with a leading `!` matches only
/// when typed with its diacritics, or (if it has none) in a query typed with diacritics.
pub(super) struct Table<T>(Vec<Entry<T>>);

impl<T: Copy> Table<T> {
    pub(super) fn new(rows: &[(&str, T)]) -> Table<T> {
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
    pub(super) fn at(&self, toks: &[Tok], i: usize) -> Option<(usize, T)> {
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
pub(super) enum Dir {
    Max,
    Min,
    About,
    /// "từ", "from": a minimum, or a range's start.
    From,
    /// "between": a range's start.
    Between,
}

/// Words before a price: a maximum, a minimum, about (±20 %), a range's start.
pub(super) static CMP_BEFORE: LazyLock<Table<Dir>> = LazyLock::new(|| {
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
pub(super) static CMP_AFTER: LazyLock<Table<Dir>> = LazyLock::new(|| {
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
pub(super) static PRICE_WORD: LazyLock<Table<()>> = LazyLock::new(|| {
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
pub(super) enum Sep {
    To,
    /// "and", "và": only after "between".
    And,
}

pub(super) static RANGE_SEP: LazyLock<Table<Sep>> = LazyLock::new(|| {
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
pub(super) static MULTIPLIER: LazyLock<Table<(i64, bool)>> = LazyLock::new(|| {
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

pub(super) static CURRENCY: LazyLock<Table<()>> =
    LazyLock::new(|| Table::new(&[("đ", ()), ("₫", ()), ("đồng", ()), ("vnđ", ()), ("vnd", ())]));

/// Units of quantity (folded): a number before one is not a price ("500 g", "2 ngày").
pub(super) const QUANTITY_UNITS: &[&str] = &[
    "g", "gr", "gam", "gram", "grams", "kg", "kgs", "kilo", "ky", "lang", "mg", "ml", "l", "lit",
    "liter", "litre", "m", "met", "cm", "mm", "km", "m2", "ta", "tan", "yen", "ngay", "dem", "gio",
    "tieng", "phut", "tuan", "thang", "nam", "tuoi", "nguoi", "khach", "cai", "chiec", "hop", "bo",
    "chai", "lo", "binh", "goi", "tui", "bao", "thung", "can", "hu", "cay", "canh", "chau", "bong",
    "qua", "trai", "con", "doi", "cap", "chuc", "mam", "suat", "ve", "luot", "buoi", "coc", "ly",
    "sao", "star", "stars", "day", "days", "night", "nights", "hour", "hours", "h", "pcs",
    "people", "persons",
];

pub(super) fn is_quantity(t: &Tok) -> bool {
    if t.word {
        QUANTITY_UNITS.contains(&t.folded.as_str())
    } else {
        matches!(t.s.as_str(), "%" | "*" | "★" | "⭐")
    }
}

/// "từ 3 sao", "trên 4 sao": the count itself is the minimum (OCOP stars are coarse, and
/// shoppers use "trên" loosely).
pub(super) static STAR_BEFORE: LazyLock<Table<()>> = LazyLock::new(|| {
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

pub(super) static STAR_UNIT: LazyLock<Table<()>> = LazyLock::new(|| {
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

pub(super) static STAR_AFTER: LazyLock<Table<()>> = LazyLock::new(|| {
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

pub(super) static STAR_WORDS: LazyLock<Table<u8>> = LazyLock::new(|| {
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

pub(super) static OCOP: LazyLock<Table<()>> = LazyLock::new(|| Table::new(&[("ocop", ())]));

pub(super) static CHEAP: LazyLock<Table<()>> = LazyLock::new(|| {
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
pub(super) static OFFER: LazyLock<Table<(&'static str, bool)>> = LazyLock::new(|| {
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
pub(super) static CERT_BEFORE: LazyLock<Table<()>> = LazyLock::new(|| {
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
pub(super) static CERT: LazyLock<Table<&'static str>> = LazyLock::new(|| {
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
pub(super) enum When {
    Always,
    /// In a query with English words; never as the last, unfinished word ("a" → "agarwood").
    English,
    /// Never: a word that starts like a shopping word but is not one ("tìm hiểu", "bán đảo").
    Keep,
}

/// Shopping words that say nothing about the product.
pub(super) static STOP: LazyLock<Table<When>> = LazyLock::new(|| {
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
