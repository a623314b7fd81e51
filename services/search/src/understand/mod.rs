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
    /// The rating was named alone ("OCOP 4 sao", as a hotel's "3 sao" is a class, not a
    /// floor; not "từ 4 sao" nor "4 sao trở lên"): that many stars rank first (see
    /// [`SearchQuery::prefer_stars`]), more stars still match.
    pub stars_exact: bool,
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
    /// The categories the text names ("gốm sứ", "hoa", "honey"): a ranking hint (see
    /// [`SearchQuery::prefer_categories`]), their words left in `text`.
    pub categories: Vec<String>,
    /// The filter each phrase of `consumed` set, in the same order.
    slots: Vec<Slot>,
}

impl Understood {
    /// Nothing understood: no filter, no hint, and the text is the query's (spacing aside);
    /// categories named aside (they change no word of the text).
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
    let mut u = r.finish();
    u.categories = categories_in(&u.text);
    u
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
        u.stars_exact = false;
        u.drop_slot(Slot::Stars);
    } else {
        out.min_stars = u.min_stars;
        if u.stars_exact && q.prefer_stars.is_none() {
            out.prefer_stars = u.min_stars;
        }
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
    if !u.communes.is_empty() && q.rank_words.is_empty() {
        out.rank_words = u.place_phrases().join(" ");
    }
    if q.category.is_none() && q.prefer_categories.is_empty() {
        out.prefer_categories.clone_from(&u.categories);
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

mod categories;
mod places;
mod prices;
mod reader;
mod tables;
mod tokens;

use categories::*;
use places::*;
use prices::*;
use reader::*;
use tables::*;
use tokens::*;

#[cfg(test)]
mod tests;
