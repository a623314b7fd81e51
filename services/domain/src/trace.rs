//! Identifying products for traceability: GTINs (the numbers under barcodes), our own trace
//! codes for cooperatives without GS1 membership, lot and serial values, and the GS1 Digital
//! Link paths that a stamp's QR code carries.
//!
//! A cooperative with a GS1 Vietnam membership prints its GTIN; one without (most of them)
//! still needs a code the trace pages can be found by, and TCVN 13274/13275 allow non-GS1
//! codes for that. Both end up in one URL shape: `/01/{gtin}/10/{lot}/21/{serial}` is a GS1
//! Digital Link any GS1 resolver or scanner app reads; `/t/{code}/10/{lot}/21/{serial}` is
//! ours (a GS1 Digital Link has no primary key for a non-GS1 code, so it is kept off `/01/`).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Why a GTIN was refused. The web layer localises by variant; the messages are for logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum GtinError {
    #[error("a GTIN has only digits")]
    NotDigits,
    #[error("a GTIN has 8, 12, 13 or 14 digits")]
    Length,
    #[error("wrong check digit (expected {expected})")]
    CheckDigit { expected: u8 },
}

/// A Global Trade Item Number with a correct check digit, always held in its 14-digit form
/// (GTIN-8, -12 and -13 left-padded with zeros) so that the same product is one value
/// whichever barcode it was typed from, as in a GS1 Digital Link.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Gtin(String);

/// The GS1 mod-10 check digit of `digits` (the key WITHOUT its check digit): weights 3 and
/// 1 alternate from the rightmost digit, so left-padding with zeros does not change it.
/// `None` when `digits` is empty or holds anything but ASCII digits.
pub fn check_digit(digits: &str) -> Option<u8> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum = digits.bytes().rev().enumerate().fold(0u8, |sum, (i, b)| {
        let weight = if i % 2 == 0 { 3 } else { 1 };
        (sum + (b - b'0') * weight) % 10
    });
    Some((10 - sum) % 10)
}

impl Gtin {
    /// Reads a GTIN-8, -12, -13 or -14 as printed under a barcode (spaces and `-` between
    /// digit groups are ignored) and checks its check digit.
    pub fn parse(s: &str) -> Result<Gtin, GtinError> {
        let digits: String = s
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        if !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(GtinError::NotDigits);
        }
        if !matches!(digits.len(), 8 | 12 | 13 | 14) {
            return Err(GtinError::Length);
        }
        let (body, last) = digits.split_at(digits.len() - 1);
        let expected = check_digit(body).ok_or(GtinError::NotDigits)?;
        if last.as_bytes().first().map(|b| b - b'0') != Some(expected) {
            return Err(GtinError::CheckDigit { expected });
        }
        Ok(Gtin(format!("{digits:0>14}")))
    }

    /// The 14 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the GTIN was allocated by GS1 Vietnam (GS1 prefix 893): a GTIN-13 starting
    /// 893, that is a 14-digit form `0893…`. The first digit of a GTIN-14 only says which
    /// packaging level it is (a carton of the same product), so `1893…` counts too; a GTIN-8
    /// (14-digit form `000000…`) carries its own GS1-8 prefix after the zeros.
    pub fn is_vietnamese(&self) -> bool {
        let s = self.0.as_str();
        let prefix = if s[1..].starts_with("00000") {
            &s[6..9]
        } else {
            &s[1..4]
        };
        prefix == "893"
    }
}

impl fmt::Display for Gtin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Gtin {
    type Err = GtinError;
    fn from_str(s: &str) -> Result<Gtin, GtinError> {
        Gtin::parse(s)
    }
}

impl TryFrom<String> for Gtin {
    type Error = GtinError;
    fn try_from(s: String) -> Result<Gtin, GtinError> {
        Gtin::parse(&s)
    }
}

impl From<Gtin> for String {
    fn from(g: Gtin) -> String {
        g.0
    }
}

/// Our non-GS1 trace code (TCVN 13274/13275 allow non-GS1 codes): `KN` + the cooperative's
/// id in 7 digits + the product's number in 5 digits + a GS1 mod-10 check digit over those
/// 12 digits, e.g. `KN0000123000017`. The check digit catches the mistyped or misread digit
/// the same way a barcode's does; fixed widths keep codes sortable and one length.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TraceCode(String);

impl TraceCode {
    /// The code of product `product_no` of cooperative `org_id`; `None` when either does not
    /// fit its digits (`org_id` in 1..=9,999,999, `product_no` in 1..=99,999).
    pub fn new(org_id: i64, product_no: i64) -> Option<TraceCode> {
        if !(1..=9_999_999).contains(&org_id) || !(1..=99_999).contains(&product_no) {
            return None;
        }
        let digits = format!("{org_id:07}{product_no:05}");
        let check = check_digit(&digits)?;
        Some(TraceCode(format!("KN{digits}{check}")))
    }

    /// Reads a code as typed or scanned: `kn` in any case (normalised to `KN`), surrounding
    /// whitespace ignored, check digit verified.
    pub fn parse(s: &str) -> Option<TraceCode> {
        let s = s.trim();
        let digits = s
            .get(..2)
            .filter(|p| p.eq_ignore_ascii_case("KN"))
            .and_then(|_| s.get(2..))?;
        if digits.len() != 13 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let org_id = digits[..7].parse().ok()?;
        let product_no = digits[7..12].parse().ok()?;
        TraceCode::new(org_id, product_no).filter(|c| c.0[2..] == *digits)
    }

    /// The code, `KN` and 13 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The cooperative's id.
    pub fn org_id(&self) -> i64 {
        self.0[2..9].parse().unwrap_or(0)
    }

    /// The product's number within its cooperative.
    pub fn product_no(&self) -> i64 {
        self.0[9..14].parse().unwrap_or(0)
    }
}

impl fmt::Display for TraceCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for TraceCode {
    type Error = &'static str;
    fn try_from(s: String) -> Result<TraceCode, &'static str> {
        TraceCode::parse(&s).ok_or("not a Ketnoi trace code")
    }
}

impl From<TraceCode> for String {
    fn from(c: TraceCode) -> String {
        c.0
    }
}

/// What identifies a product: its GTIN when the cooperative has one, else our trace code.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ProductKey {
    Gtin(Gtin),
    Code(TraceCode),
}

impl ProductKey {
    /// The GTIN-14 or the trace code, whichever identifies the product, as the store looks
    /// products up: `(gtin, code)`.
    pub fn parts(&self) -> (Option<&str>, Option<&str>) {
        match self {
            ProductKey::Gtin(g) => (Some(g.as_str()), None),
            ProductKey::Code(c) => (None, Some(c.as_str())),
        }
    }
}

/// The longest lot or serial value (GS1 AIs 10 and 21 are at most 20 characters).
pub const MAX_VALUE_CHARS: usize = 20;

/// Why a lot or serial value was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    #[error("empty")]
    Empty,
    #[error("longer than 20 characters")]
    TooLong,
    #[error("character {0:?} is not allowed")]
    Character(char),
}

/// A lot code or serial: 1–20 characters of `[A-Za-z0-9._-]` (a URI-safe subset of GS1's
/// CSET 82, so a Digital Link needs no percent-encoding). Trims whitespace.
///
/// `.` and `..` alone are refused (as [`ValueError::Character`]`('.')`): as path segments
/// they are dot-segments, which browsers and HTTP clients remove from a URL before sending
/// it (RFC 3986 §5.2.4), so the stamp's link would not reach its lot.
pub fn value(s: &str) -> Result<String, ValueError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(ValueError::Empty);
    }
    if let Some(c) = s
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Err(ValueError::Character(c));
    }
    if s.chars().count() > MAX_VALUE_CHARS {
        return Err(ValueError::TooLong);
    }
    if s == "." || s == ".." {
        return Err(ValueError::Character('.'));
    }
    Ok(s.to_owned())
}

/// What a stamp's QR code points at: a product, optionally one lot of it, optionally one
/// item (serial) of it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DigitalLink {
    pub key: ProductKey,
    pub lot: Option<String>,
    pub serial: Option<String>,
}

impl DigitalLink {
    /// `/01/{gtin14}/10/{lot}/21/{serial}` for a GTIN, or `/t/{code}/10/{lot}/21/{serial}`
    /// for a trace code; segments omitted when `None` (lot without serial allowed; serial
    /// without lot allowed too). Lot before serial is the order GS1 Digital Link requires.
    pub fn path(&self) -> String {
        let mut p = match &self.key {
            ProductKey::Gtin(g) => format!("/01/{g}"),
            ProductKey::Code(c) => format!("/t/{c}"),
        };
        if let Some(lot) = &self.lot {
            p.push_str("/10/");
            p.push_str(lot);
        }
        if let Some(serial) = &self.serial {
            p.push_str("/21/");
            p.push_str(serial);
        }
        p
    }

    /// The full link under `public_url` (with or without trailing slash).
    pub fn uri(&self, public_url: &str) -> String {
        format!("{}{}", public_url.trim_end_matches('/'), self.path())
    }

    /// Parses a request path back (with or without leading slash; trailing slash tolerated;
    /// query and fragment ignored). Accepts GTIN-8/12/13/14 in the path and normalises to
    /// 14. Returns `None` for anything else (wrong check digit, bad lot/serial characters,
    /// unknown primary key, serial before lot, repeated or extra segments).
    pub fn parse_path(path: &str) -> Option<DigitalLink> {
        let path = path.split(['?', '#']).next().unwrap_or_default();
        let path = path.strip_prefix('/').unwrap_or(path);
        let path = path.strip_suffix('/').unwrap_or(path);
        let mut segments = path.split('/');
        let key = match (segments.next()?, segments.next()?) {
            ("01", g) if g.bytes().all(|b| b.is_ascii_digit()) => {
                ProductKey::Gtin(Gtin::parse(g).ok()?)
            }
            ("t", c) => ProductKey::Code(TraceCode::parse(c).filter(|_| c.trim() == c)?),
            _ => return None,
        };
        let exact = |v: &str| value(v).ok().filter(|ok| ok == v);
        let mut link = DigitalLink {
            key,
            lot: None,
            serial: None,
        };
        while let Some(ai) = segments.next() {
            let v = exact(segments.next()?)?;
            match ai {
                "10" if link.lot.is_none() && link.serial.is_none() => link.lot = Some(v),
                "21" if link.serial.is_none() => link.serial = Some(v),
                _ => return None,
            }
        }
        Some(link)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits_of_real_gtins() {
        // The EAN-13, UPC-A and EAN-8 printed in Wikipedia's barcode articles, and the GTIN
        // of GS1's own Digital Link examples.
        for code in [
            "4006381333931",
            "036000291452",
            "96385074",
            "09506000134352",
        ] {
            let (body, last) = code.split_at(code.len() - 1);
            assert_eq!(check_digit(body).map(|d| d.to_string()), Some(last.into()));
            assert!(Gtin::parse(code).is_ok(), "{code}");
        }
        assert_eq!(check_digit("893458801222"), Some(8));
        assert_eq!(check_digit(""), None);
        assert_eq!(check_digit("89345x"), None);
    }

    #[test]
    fn gtins_are_held_in_14_digits_whatever_was_typed() {
        let g = Gtin::parse("893 4588-012228").unwrap();
        assert_eq!(g.as_str(), "08934588012228");
        assert_eq!(g.to_string(), "08934588012228");
        assert_eq!(Gtin::parse("96385074").unwrap().as_str(), "00000096385074");
        assert_eq!(
            Gtin::parse("036000291452").unwrap().as_str(),
            "00036000291452"
        );
        assert_eq!("08934588012228".parse::<Gtin>().unwrap(), g);
        assert_eq!(
            serde_json::to_string(&g).unwrap(),
            "\"08934588012228\"".to_owned()
        );
        assert_eq!(
            serde_json::from_str::<Gtin>("\"8934588012228\"").unwrap(),
            g
        );
        assert!(serde_json::from_str::<Gtin>("\"8934588012229\"").is_err());
    }

    #[test]
    fn a_wrong_check_digit_is_refused_with_the_expected_one() {
        assert_eq!(
            Gtin::parse("8934588012229"),
            Err(GtinError::CheckDigit { expected: 8 })
        );
        assert_eq!(
            Gtin::parse("96385075"),
            Err(GtinError::CheckDigit { expected: 4 })
        );
        assert_eq!(Gtin::parse("89345880122"), Err(GtinError::Length));
        assert_eq!(Gtin::parse(""), Err(GtinError::Length));
        assert_eq!(Gtin::parse("893458801222O"), Err(GtinError::NotDigits));
        assert_eq!(Gtin::parse("８９３"), Err(GtinError::NotDigits));
    }

    #[test]
    fn gs1_vietnam_gtins_are_recognised() {
        assert!(Gtin::parse("8934588012228").unwrap().is_vietnamese());
        assert!(Gtin::parse("18934588012225").unwrap().is_vietnamese());
        assert!(!Gtin::parse("4006381333931").unwrap().is_vietnamese());
        assert!(!Gtin::parse("036000291452").unwrap().is_vietnamese());
        let ean8 = format!("8931234{}", check_digit("8931234").unwrap());
        assert!(Gtin::parse(&ean8).unwrap().is_vietnamese());
        assert!(!Gtin::parse("96385074").unwrap().is_vietnamese());
    }

    #[test]
    fn trace_codes_round_trip_within_their_bounds() {
        let c = TraceCode::new(123, 1).unwrap();
        assert_eq!(c.as_str(), "KN0000123000017");
        assert_eq!((c.org_id(), c.product_no()), (123, 1));
        assert_eq!(TraceCode::parse(" kn0000123000017 "), Some(c.clone()));
        assert_eq!(TraceCode::parse("KN0000123000018"), None);
        assert_eq!(TraceCode::parse("KN000012300001"), None);
        assert_eq!(TraceCode::parse("XX0000123000013"), None);
        assert_eq!(TraceCode::parse("KN00001230000１7"), None);
        assert_eq!(TraceCode::parse("KN0000000000013"), None);
        let max = TraceCode::new(9_999_999, 99_999).unwrap();
        assert_eq!(TraceCode::parse(max.as_str()), Some(max.clone()));
        assert_eq!((max.org_id(), max.product_no()), (9_999_999, 99_999));
        for (org, no) in [(0, 1), (1, 0), (10_000_000, 1), (1, 100_000), (-1, 5)] {
            assert_eq!(TraceCode::new(org, no), None, "{org} {no}");
        }
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"KN0000123000017\"");
    }

    #[test]
    fn lot_and_serial_values() {
        assert_eq!(value("  L2026-03_a.1 "), Ok("L2026-03_a.1".to_owned()));
        assert_eq!(value("   "), Err(ValueError::Empty));
        assert_eq!(value(&"A".repeat(20)), Ok("A".repeat(20)));
        assert_eq!(value(&"A".repeat(21)), Err(ValueError::TooLong));
        assert_eq!(value("LÔ 1"), Err(ValueError::Character('Ô')));
        assert_eq!(value("a/b"), Err(ValueError::Character('/')));
        assert_eq!(value("a%20"), Err(ValueError::Character('%')));
        assert_eq!(value(".."), Err(ValueError::Character('.')));
        assert_eq!(value("."), Err(ValueError::Character('.')));
        assert_eq!(value("..."), Ok("...".to_owned()));
    }

    #[test]
    fn links_round_trip_through_their_paths() {
        let gtin = ProductKey::Gtin(Gtin::parse("8934588012228").unwrap());
        let code = ProductKey::Code(TraceCode::new(123, 1).unwrap());
        let s = |v: &str| Some(v.to_owned());
        for key in [gtin, code] {
            for (lot, serial) in [
                (None, None),
                (s("L1"), None),
                (None, s("S-9")),
                (s("L1"), s("S-9")),
            ] {
                let link = DigitalLink {
                    key: key.clone(),
                    lot,
                    serial,
                };
                assert_eq!(DigitalLink::parse_path(&link.path()), Some(link.clone()));
                let uri = link.uri("https://ketnoi.example.vn/");
                assert_eq!(uri, link.uri("https://ketnoi.example.vn"));
                let path = &uri["https://ketnoi.example.vn".len()..];
                assert_eq!(path, link.path());
                for variant in [&path[1..], &format!("{path}/"), &format!("{path}?x=1#y")] {
                    assert_eq!(
                        DigitalLink::parse_path(variant),
                        Some(link.clone()),
                        "{variant}"
                    );
                }
            }
        }
        let full = DigitalLink::parse_path("/01/8934588012228/10/L1/21/7").unwrap();
        assert_eq!(full.path(), "/01/08934588012228/10/L1/21/7");
        assert_eq!(
            DigitalLink::parse_path("/t/kn0000123000017")
                .unwrap()
                .path(),
            "/t/KN0000123000017"
        );
    }

    #[test]
    fn anything_else_is_not_a_link() {
        for p in [
            "",
            "/",
            "/01",
            "/01/8934588012229",
            "/01/893458801222",
            "/01/893-4588012228",
            "/01/08934588012228/10",
            "/01/08934588012228/10/L 1",
            "/01/08934588012228/10/L%201",
            "/01/08934588012228/10/../21/1",
            "/01/08934588012228/21/1/10/L1",
            "/01/08934588012228/10/L1/10/L2",
            "/01/08934588012228/21/1/21/2",
            "/01/08934588012228/22/V1",
            "/01/08934588012228/10/L1/21/1/x",
            "/01/08934588012228//10/L1",
            "//01/08934588012228",
            "/414/8934588012228",
            "/t/KN0000123000018",
            "/t/%20KN0000123000017",
            "/T/KN0000123000017",
            "/t/ KN0000123000017",
        ] {
            assert_eq!(DigitalLink::parse_path(p), None, "{p}");
        }
    }
}
