//! Query understanding: numbers and prices.

use super::*;

/// A number as typed: "100.000" (dots or commas grouping thousands) or "1,5" / "1.5" (one
/// decimal separator).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Num {
    pub(super) int: i64,
    pub(super) frac: i64,
    pub(super) frac_digits: u32,
    pub(super) grouped: bool,
}

pub(super) fn parse_num(s: &str) -> Option<Num> {
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
pub(super) fn scaled(num: Num, mult: i64) -> Option<i64> {
    let p = 10i64.checked_pow(num.frac_digits)?;
    num.int
        .checked_mul(mult)?
        .checked_add(num.frac.checked_mul(mult)? / p)
}

/// A number and the money units after it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Amount {
    pub(super) num: Num,
    pub(super) mult: Option<i64>,
    pub(super) currency: bool,
    /// The multiplier is "củ".
    pub(super) slang: bool,
    pub(super) end: usize,
}

impl Amount {
    pub(super) fn money(&self) -> bool {
        self.mult.is_some() || self.currency
    }

    /// The amount in đồng. `context` (a comparison word, "giá", a range) makes a number
    /// without unit a price: from 1 000 as is, from 10 in thousands ("dưới 100" = 100k).
    pub(super) fn value(&self, context: bool) -> Option<i64> {
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
pub(super) fn glued_units(suffix: &str, a: &mut Amount) -> Option<()> {
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
pub(super) fn in_date(toks: &[Tok], i: usize) -> bool {
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
pub(super) fn amount_at(toks: &[Tok], i: usize) -> Option<Amount> {
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
pub(super) fn range_values(a: &Amount, b: &Amount, context: bool) -> Option<(i64, i64)> {
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
