//! One row's cells and the parsers behind them: whole numbers, prices, price tiers, months,
//! decimals and commune codes, as people type them in a spreadsheet.

use super::{RowError, error};
use crate::Vnd;
use crate::admin_units::{self, Commune};
use crate::catalog::{Months, PriceTier};
use crate::text::{self, TextError};

pub(super) const NON_NEGATIVE: (&str, &str) = (
    "Phải là số nguyên từ 0 trở lên (ví dụ 25)",
    "Must be a whole number, 0 or more (e.g. 25)",
);
pub(super) const POSITIVE: (&str, &str) = (
    "Phải là số nguyên lớn hơn 0 (ví dụ 20)",
    "Must be a whole number above 0 (e.g. 20)",
);

/// One row's cells, cleaned (trimmed, NFC), by canonical column; `None` where the sheet has
/// no such column.
pub(super) struct Cells {
    pub(super) row: usize,
    pub(super) columns: &'static [&'static str],
    pub(super) values: Vec<Option<String>>,
    pub(super) errors: Vec<RowError>,
}

impl Cells {
    fn slot(&self, col: &str) -> Option<&Option<String>> {
        self.columns
            .iter()
            .position(|c| *c == col)
            .and_then(|i| self.values.get(i))
    }
    pub(super) fn has_column(&self, col: &str) -> bool {
        self.slot(col).is_some_and(Option::is_some)
    }
    pub(super) fn get(&self, col: &str) -> &str {
        self.slot(col).and_then(Option::as_deref).unwrap_or("")
    }
    pub(super) fn is_empty(&self, col: &str) -> bool {
        self.get(col).is_empty()
    }
    pub(super) fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    /// Records an error; a cell gets at most one, the first found.
    pub(super) fn fail(&mut self, col: &str, vi: impl Into<String>, en: impl Into<String>) {
        if !self.errors.iter().any(|e| e.column == col) {
            self.errors.push(error(self.row, col, vi, en));
        }
    }

    /// Flags an empty required cell; `true` if the cell has a value to check.
    pub(super) fn present(&mut self, col: &str, required: bool) -> bool {
        if !self.is_empty(col) {
            return true;
        }
        if required && self.has_column(col) {
            self.fail(
                col,
                "Bắt buộc: ô này không được để trống",
                "Required: this cell must not be empty",
            );
        }
        false
    }

    pub(super) fn line(&mut self, col: &str, max: usize, required: bool) -> Option<String> {
        if !self.present(col, required) {
            return None;
        }
        let checked = text::optional_line(self.get(col), max);
        self.text_result(col, checked)
    }

    pub(super) fn block(&mut self, col: &str, max: usize, required: bool) -> Option<String> {
        if !self.present(col, required) {
            return None;
        }
        let checked = text::optional_block(self.get(col), max);
        self.text_result(col, checked)
    }

    fn text_result(
        &mut self,
        col: &str,
        checked: Result<Option<String>, TextError>,
    ) -> Option<String> {
        match checked {
            Ok(v) => v,
            Err(e) => {
                let (vi, en) = text_messages(e);
                self.fail(col, vi, en);
                None
            }
        }
    }

    /// A non-empty cell through `parse`; empty is `None` without error.
    pub(super) fn parsed<T>(
        &mut self,
        col: &str,
        parse: impl FnOnce(&str) -> Option<T>,
        message: (&str, &str),
    ) -> Option<T> {
        if self.is_empty(col) {
            return None;
        }
        let value = parse(self.get(col));
        if value.is_none() {
            self.fail(col, message.0, message.1);
        }
        value
    }

    /// A code compared in lower case, since `HTX` and `Kg` mean `htx` and `kg`.
    pub(super) fn code_of<T>(
        &mut self,
        col: &str,
        required: bool,
        parse: impl FnOnce(&str) -> Option<T>,
        message: (&str, &str),
    ) -> Option<T> {
        if !self.present(col, required) {
            return None;
        }
        let value = parse(&self.get(col).to_lowercase());
        if value.is_none() {
            self.fail(col, message.0, message.1);
        }
        value
    }

    pub(super) fn whole(
        &mut self,
        col: &str,
        valid: impl Fn(i64) -> bool,
        message: (&str, &str),
    ) -> Option<i64> {
        self.parsed(col, |s| parse_whole(s).filter(|n| valid(*n)), message)
    }

    pub(super) fn commune(&mut self, col: &str, required: bool) -> Option<&'static Commune> {
        if !self.present(col, required) {
            return None;
        }
        self.parsed(col, commune_by_code, (
            "Mã phường/xã không có trong danh sách 126 phường, xã của Hà Nội (mã 5 chữ số, ví dụ 00577 là Xã Bát Tràng)",
            "Not one of Hanoi's 126 ward/commune codes (5 digits, e.g. 00577 for Xã Bát Tràng)",
        ))
    }

    /// Puts the row's errors in the sheet's column order, however they were found.
    pub(super) fn sort_errors(&mut self) {
        let at = |col: &str| self.columns.iter().position(|c| *c == col);
        let mut errors = std::mem::take(&mut self.errors);
        errors.sort_by_key(|e| at(&e.column));
        self.errors = errors;
    }
}

/// Commune codes lose their leading zeros whenever a CSV passes through Excel, so `577` is
/// read as `00577`.
fn commune_by_code(s: &str) -> Option<&'static Commune> {
    if s.is_empty() || s.len() > 5 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    admin_units::commune(&format!("{s:0>5}"))
}

/// A whole number, with `.`, `,` or spaces allowed as thousands separators (Vietnamese
/// writes `315.000`, English `315,000`). Groups must be exactly three digits, so decimals
/// such as `12,5` are refused rather than misread as 125.
fn parse_whole(s: &str) -> Option<i64> {
    let (negative, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let all_digits = |g: &str| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit());
    let plain = if all_digits(digits) {
        digits.to_owned()
    } else {
        let sep = digits.chars().find(|c| !c.is_ascii_digit())?;
        if !matches!(sep, '.' | ',' | ' ' | '\u{a0}' | '\u{202f}') {
            return None;
        }
        let mut groups = digits.split(sep);
        let first = groups.next()?;
        if !all_digits(first) || first.len() > 3 {
            return None;
        }
        let mut plain = first.to_owned();
        for group in groups {
            if !all_digits(group) || group.len() != 3 {
                return None;
            }
            plain.push_str(group);
        }
        plain
    };
    let n: i64 = plain.parse().ok()?;
    Some(if negative { -n } else { n })
}

/// A price in đồng above 0; a trailing `₫`, `đ`, `đồng`, `VND` or `VNĐ` is allowed, so the
/// amounts Ketnoi itself displays (`150.000 ₫`) read back.
/// What a cell's text problem reads like, in Vietnamese and English.
pub(super) fn text_messages(e: TextError) -> (String, String) {
    match e {
        TextError::TooLong { max } => (
            format!("Dài quá {max} ký tự"),
            format!("Longer than {max} characters"),
        ),
        TextError::ControlCharacters => (
            "Có ký tự điều khiển hoặc xuống dòng không được phép ở ô này".into(),
            "Contains control characters or line breaks, which this cell does not allow".into(),
        ),
        TextError::Required => (
            "Bắt buộc: ô này không được để trống".into(),
            "Required: this cell must not be empty".into(),
        ),
    }
}

pub(crate) fn parse_price(s: &str) -> Option<i64> {
    let lower = s.to_lowercase();
    let number = ["₫", "đồng", "vnđ", "vnd", "đ"]
        .iter()
        .find_map(|unit| lower.strip_suffix(unit))
        .unwrap_or(&lower)
        .trim();
    parse_whole(number).filter(|p| *p > 0)
}

pub(super) fn parse_tiers(s: &str) -> Option<Vec<PriceTier>> {
    let mut tiers = Vec::new();
    for part in s.split('|').map(str::trim).filter(|p| !p.is_empty()) {
        let (qty, price) = part.split_once(':')?;
        let min_qty = parse_whole(qty.trim()).filter(|q| *q > 0)?;
        let price = parse_price(price.trim())?;
        tiers.push(PriceTier {
            min_qty,
            price: Vnd(price),
        });
    }
    // Their order is the listing rules' to check.
    Some(tiers)
}

/// A season code (`tet`) or a list of months (`2|3|4`); empty means all year.
pub(super) fn parse_months(s: &str) -> Option<Months> {
    if s.is_empty() {
        return Some(Months::ALL);
    }
    if let Some(m) = Months::of_season(&s.to_lowercase()) {
        return Some(m);
    }
    let mut months = Vec::new();
    for part in s
        .split(['|', ',', ';'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let m: u32 = part.parse().ok()?;
        if !(1..=12).contains(&m) {
            return None;
        }
        months.push(m);
    }
    (!months.is_empty()).then(|| Months::from_list(&months))
}

/// A decimal number with `.` or, as Vietnamese locales write it, `,` before the fraction.
pub(super) fn decimal_in(s: &str, (min, max): (f64, f64)) -> Option<f64> {
    let s = if s.contains('.') {
        s.to_owned()
    } else {
        s.replacen(',', ".", 1)
    };
    let v: f64 = s.parse().ok()?;
    (v.is_finite() && (min..=max).contains(&v)).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn decomposed_text_is_stored_composed() {
        let nfd_title = "Go\u{302}\u{301}m su\u{31b}\u{301}";
        let parsed = retail(&[("title_vi", nfd_title), ("unit", "ho\u{323}\u{302}p")]);
        assert_eq!(parsed.errors, vec![]);
        assert_eq!(parsed.records[0].1.title_vi, "Gốm sứ");
        assert_eq!(parsed.records[0].1.unit, "hộp");
        let parsed = coop(&[("name", " HTX Go\u{302}\u{301}m ")]);
        assert_eq!(parsed.records[0].1.name, "HTX Gốm");
    }

    #[test]
    fn prices_accept_thousands_separators_but_not_decimals() {
        for (cell, expected) in [
            ("315000", 315_000),
            ("315.000", 315_000),
            ("315,000", 315_000),
            ("1.250.000", 1_250_000),
            ("150.000 ₫", 150_000),
            ("45000đ", 45_000),
        ] {
            let parsed = retail(&[("price_vnd", cell)]);
            assert_eq!(parsed.errors, vec![], "{cell}");
            assert_eq!(parsed.records[0].1.price, Vnd(expected), "{cell}");
        }
        for cell in [
            "12,5", "315.5", "0", "-5000", "1.000,50", "abc", "1.0000", "",
        ] {
            let parsed = retail(&[("price_vnd", cell)]);
            assert_eq!(error_at(&parsed.errors), vec![(2, "price_vnd")], "{cell}");
        }
    }

    #[test]
    fn commune_codes_get_their_leading_zeros_back() {
        let parsed = coop(&[("commune_code", "577")]);
        assert_eq!(parsed.records[0].1.commune_code, "00577");
        for bad in ["99999", "57a", "000577", "00001"] {
            let parsed = coop(&[("commune_code", bad)]);
            assert_eq!(error_at(&parsed.errors), vec![(2, "commune_code")], "{bad}");
            assert!(
                parsed.errors[0]
                    .message_vi
                    .contains("126 phường, xã của Hà Nội")
            );
        }
        let parsed = retail(&[("origin_commune_code", "577")]);
        assert_eq!(
            parsed.records[0].1.origin_commune_code.as_deref(),
            Some("00577")
        );
    }

    #[test]
    fn long_and_multi_line_text() {
        let long = "đ".repeat(201);
        assert_eq!(
            error_at(&retail(&[("title_vi", &long)]).errors),
            vec![(2, "title_vi")]
        );
        assert_eq!(
            error_at(&retail(&[("title_vi", "dòng 1\ndòng 2")]).errors),
            vec![(2, "title_vi")]
        );
        let parsed = retail(&[("description_vi", "dòng 1\r\ndòng 2")]);
        assert_eq!(parsed.records[0].1.description_vi, "dòng 1\ndòng 2");
        let parsed = retail(&[("title_vi", "  ")]);
        assert_eq!(error_at(&parsed.errors), vec![(2, "title_vi")]);
        assert_eq!(
            parsed.errors[0].message_en,
            "Required: this cell must not be empty"
        );
    }

    #[test]
    fn whole_numbers() {
        assert_eq!(parse_whole("1 200"), Some(1200));
        assert_eq!(parse_whole("1\u{a0}200"), Some(1200));
        assert_eq!(parse_whole("-3"), Some(-3));
        assert_eq!(parse_whole("1.2.3"), None);
        assert_eq!(parse_whole("1,000.000"), None);
        assert_eq!(parse_whole("99999999999999999999"), None);
        assert_eq!(parse_whole(""), None);
    }
}
