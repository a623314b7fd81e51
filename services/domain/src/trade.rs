//! Wholesale sourcing (issue 21): trade buyers and their tax codes, requests for quotation
//! (RFQ), which cooperatives a request reaches, quotes (alone or joint) and when a quote may
//! still be accepted. Pure rules: the store and the pages call these, nothing else decides.

use crate::catalog::Months;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// A Vietnamese tax code (mã số thuế) as the tax authority issues it: ten digits, the tenth
/// a check digit over the first nine, and for a branch or dependent unit a three-digit suffix
/// (`0101234567-001`). Written without spaces, with the suffix after a hyphen.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TaxCode(String);

/// Why a typed tax code is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TaxCodeError {
    /// Not 10 digits, nor 10 + a 3-digit branch suffix.
    #[error("a tax code has 10 digits, or 13 with a branch suffix")]
    Shape,
    /// The tenth digit is not the check digit of the first nine.
    #[error("the check digit does not match")]
    CheckDigit,
    /// A branch suffix of `000`.
    #[error("a branch suffix runs from 001 to 999")]
    Branch,
}

/// The weights of the first nine digits (General Department of Taxation's rule): the check
/// digit is `10 - (Σ dᵢ·wᵢ mod 11)`; a remainder of 0 gives no valid code, 10 gives 0.
const TAX_WEIGHTS: [u32; 9] = [31, 29, 23, 19, 17, 13, 7, 5, 3];

/// The check digit of nine digits, or `None` when no code can end them.
fn tax_check_digit(nine: &[u32]) -> Option<u32> {
    let sum: u32 = nine.iter().zip(TAX_WEIGHTS).map(|(d, w)| d * w).sum();
    match 10 - sum % 11 {
        10 => None,
        d => Some(d),
    }
}

impl TaxCode {
    /// Reads a tax code as people type it: spaces, dots and hyphens anywhere are ignored, so
    /// `0101 234 567`, `0101234567-001` and `0101234567001` are read.
    pub fn parse(s: &str) -> Result<TaxCode, TaxCodeError> {
        let mut digits = Vec::with_capacity(13);
        for c in s.trim().chars() {
            match c {
                '0'..='9' => digits.push(c as u32 - '0' as u32),
                ' ' | '.' | '-' | '\u{a0}' => {}
                _ => return Err(TaxCodeError::Shape),
            }
        }
        if digits.len() != 10 && digits.len() != 13 {
            return Err(TaxCodeError::Shape);
        }
        if tax_check_digit(&digits[..9]) != Some(digits[9]) {
            return Err(TaxCodeError::CheckDigit);
        }
        let text = |ds: &[u32]| {
            ds.iter()
                .map(|d| char::from(b'0' + *d as u8))
                .collect::<String>()
        };
        let mut code = text(&digits[..10]);
        if digits.len() == 13 {
            if digits[10..] == [0, 0, 0] {
                return Err(TaxCodeError::Branch);
            }
            code.push('-');
            code.push_str(&text(&digits[10..]));
        }
        Ok(TaxCode(code))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The enterprise's own ten digits (a branch's parent).
    pub fn enterprise(&self) -> &str {
        &self.0[..10]
    }
}

/// Whether a viewer sees the prices of a cooperative's wholesale offers: always, unless the
/// cooperative shows them to verified trade buyers only and the viewer is not one. The one
/// rule behind listing pages, the JSON API, the cart and the product feeds.
pub fn wholesale_prices_visible(verified_only: bool, viewer_is_verified_trade_buyer: bool) -> bool {
    !verified_only || viewer_is_verified_trade_buyer
}

/// The certification (as requests name them: `vietgap`, `huu_co`, `ocop`) a verified badge
/// of this kind attests; `None` for badges that certify no product quality.
pub fn certification_of_badge(kind: &str) -> Option<&'static str> {
    match kind {
        "vietgap" => Some("vietgap"),
        "organic" => Some("huu_co"),
        "ocop" => Some("ocop"),
        _ => None,
    }
}

/// How often a request's quantity is delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Recurrence {
    Once,
    Weekly,
    Monthly,
}

impl Recurrence {
    pub const ALL: [Recurrence; 3] = [Recurrence::Once, Recurrence::Weekly, Recurrence::Monthly];
    pub fn as_str(self) -> &'static str {
        match self {
            Recurrence::Once => "once",
            Recurrence::Weekly => "weekly",
            Recurrence::Monthly => "monthly",
        }
    }
    pub fn parse(s: &str) -> Option<Recurrence> {
        Recurrence::ALL.into_iter().find(|r| r.as_str() == s)
    }
    /// How many deliveries a month at most: what a supplier's monthly capacity must cover.
    pub fn per_month(self) -> i64 {
        match self {
            Recurrence::Once | Recurrence::Monthly => 1,
            Recurrence::Weekly => 5,
        }
    }
}

/// Who may quote: every cooperative the request reaches, or only those the buyer invited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    Public,
    Invited,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Invited => "invited",
        }
    }
    pub fn parse(s: &str) -> Option<Visibility> {
        [Visibility::Public, Visibility::Invited]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RfqStatus {
    /// Taking quotes until its deadline.
    Open,
    /// A quote was accepted: it became orders.
    Awarded,
    /// The buyer closed it without accepting.
    Closed,
}

impl RfqStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RfqStatus::Open => "open",
            RfqStatus::Awarded => "awarded",
            RfqStatus::Closed => "closed",
        }
    }
    pub fn parse(s: &str) -> Option<RfqStatus> {
        [RfqStatus::Open, RfqStatus::Awarded, RfqStatus::Closed]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// What a request asks of a supplier, as matching reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Need {
    /// A category id, or a top-level group (then any of its categories).
    pub category: Option<String>,
    /// Quantity per delivery, in the request's unit.
    pub quantity: i64,
    pub recurrence: Recurrence,
    /// The months deliveries fall in (from the first delivery to the last).
    pub months: Months,
    /// Certification ids every match must hold in force (`vietgap`, `huu_co`, `ocop`).
    pub certifications: Vec<String>,
    /// OCOP stars at least (implies `ocop`).
    pub min_ocop_stars: Option<i64>,
    /// Where to deliver, and how far a supplier may be (straight line).
    pub place: Option<(f64, f64)>,
    pub max_distance_km: Option<i64>,
}

/// One listing of a cooperative, as matching reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Supply {
    pub category_id: String,
    pub category_group: String,
    pub months: Months,
    /// The listing's stock, and its declared monthly capacity (`None`: not stated).
    pub stock: Option<i64>,
    pub monthly_capacity: Option<i64>,
}

/// A cooperative, as matching reads it: where she is and what she holds in force.
#[derive(Debug, Clone, PartialEq)]
pub struct Supplier {
    pub place: Option<(f64, f64)>,
    /// Certification ids with a verified badge not past its expiry.
    pub certifications: Vec<String>,
    /// The highest OCOP stars of a verified badge in force.
    pub ocop_stars: Option<i64>,
}

/// The months from `from` to `until` (inclusive; one month when there is no end).
pub fn months_between(from: NaiveDate, until: Option<NaiveDate>) -> Months {
    let until = until.filter(|u| *u >= from).unwrap_or(from);
    let span = (until.year() - from.year()) * 12 + until.month() as i32 - from.month() as i32;
    if span >= 11 {
        return Months::ALL;
    }
    let list: Vec<u32> = (0..=span as u32)
        .map(|k| (from.month0() + k) % 12 + 1)
        .collect();
    Months::from_list(&list)
}

/// Straight-line distance in kilometres (haversine, mean Earth radius).
pub fn distance_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lat1, lon1) = (a.0.to_radians(), a.1.to_radians());
    let (lat2, lon2) = (b.0.to_radians(), b.1.to_radians());
    let h = ((lat2 - lat1) / 2.0).sin().powi(2)
        + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().asin()
}

/// Whether a supplier meets what the request requires of the cooperative herself:
/// certifications in force, OCOP stars and distance. A supplier without a known place is
/// not within any distance limit.
pub fn supplier_qualifies(need: &Need, s: &Supplier) -> bool {
    let certified = need
        .certifications
        .iter()
        .all(|c| s.certifications.iter().any(|h| h == c));
    let stars = need
        .min_ocop_stars
        .is_none_or(|min| s.ocop_stars.is_some_and(|have| have >= min));
    let near = match (need.max_distance_km, need.place) {
        (Some(max), Some(at)) => s.place.is_some_and(|p| distance_km(p, at) <= max as f64),
        _ => true,
    };
    certified && stars && near
}

/// Whether a listing can serve the request: its category (or the request names none), every
/// month of delivery in its season, and enough of it: its stock or declared monthly capacity
/// covers a month's deliveries (a listing that states neither is not ruled out).
pub fn supply_fits(need: &Need, l: &Supply) -> bool {
    let category = need
        .category
        .as_deref()
        .is_none_or(|c| l.category_id == c || l.category_group == c);
    let season = need.months.0 & !l.months.0 == 0;
    let monthly = need.quantity.saturating_mul(need.recurrence.per_month());
    let enough = match (l.monthly_capacity, l.stock) {
        (Some(cap), _) => cap >= monthly,
        (None, Some(stock)) => stock >= need.quantity,
        (None, None) => true,
    };
    category && season && enough
}

/// What a cooperative offers in one quote: her listing, how much of it and at what price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Share {
    pub org_id: i64,
    pub listing_id: i64,
    pub quantity: i64,
    pub unit_price: i64,
}

/// Why a quote is refused as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuoteRefused {
    /// No share, or a share without quantity or price.
    Empty,
    /// A cooperative appears twice.
    SameCooperativeTwice,
    /// Valid until a moment already past.
    ValidityPast,
}

/// Checks a quote's shares and validity before it is stored.
pub fn check_quote(
    shares: &[Share],
    valid_until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), QuoteRefused> {
    if shares.is_empty() || shares.iter().any(|s| s.quantity <= 0 || s.unit_price <= 0) {
        return Err(QuoteRefused::Empty);
    }
    for (i, s) in shares.iter().enumerate() {
        if shares[..i].iter().any(|o| o.org_id == s.org_id) {
            return Err(QuoteRefused::SameCooperativeTwice);
        }
    }
    if valid_until <= now {
        return Err(QuoteRefused::ValidityPast);
    }
    Ok(())
}

/// Why a quote cannot be accepted now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AcceptRefused {
    /// Its validity has passed.
    Expired,
    /// The request is no longer open (another quote was accepted, or it was closed).
    RequestNotOpen,
    /// The quote was withdrawn or already accepted.
    NotOpen,
}

/// Whether a quote (its status and validity) of a request (its status) may be accepted at `now`.
pub fn may_accept(
    quote_open: bool,
    valid_until: DateTime<Utc>,
    rfq: RfqStatus,
    now: DateTime<Utc>,
) -> Result<(), AcceptRefused> {
    if !quote_open {
        return Err(AcceptRefused::NotOpen);
    }
    if rfq != RfqStatus::Open {
        return Err(AcceptRefused::RequestNotOpen);
    }
    if now >= valid_until {
        return Err(AcceptRefused::Expired);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tax_codes_of_real_enterprises_pass_their_check_digit() {
        // Published codes: Vinamilk, Viettel.
        assert_eq!(
            TaxCode::parse("0300588569").map(|c| c.0),
            Ok("0300588569".into())
        );
        assert!(TaxCode::parse("0100109106").is_ok());
        assert_eq!(
            TaxCode::parse(" 0100 109 106 - 001 ").map(|c| c.0),
            Ok("0100109106-001".into())
        );
        assert_eq!(
            TaxCode::parse("0100109106001").map(|c| c.enterprise().to_owned()),
            Ok("0100109106".into())
        );
    }

    #[test]
    fn a_wrong_digit_or_shape_is_refused() {
        for last in 0..=9u32 {
            let code = format!("030058856{last}");
            let ok = TaxCode::parse(&code).is_ok();
            assert_eq!(ok, last == 9, "{code}");
        }
        assert_eq!(TaxCode::parse("0300588569-000"), Err(TaxCodeError::Branch));
        assert_eq!(TaxCode::parse("030058856"), Err(TaxCodeError::Shape));
        assert_eq!(TaxCode::parse("03005885690"), Err(TaxCodeError::Shape));
        assert_eq!(TaxCode::parse("03005885a9"), Err(TaxCodeError::Shape));
        assert_eq!(TaxCode::parse(""), Err(TaxCodeError::Shape));
        // One digit changed anywhere in the first nine changes the check digit.
        assert_eq!(TaxCode::parse("0300588579"), Err(TaxCodeError::CheckDigit));
    }

    #[test]
    fn months_between_wrap_the_year() {
        let d = |y, m| NaiveDate::from_ymd_opt(y, m, 1).unwrap_or_default();
        assert_eq!(
            months_between(d(2026, 11), Some(d(2027, 2))).list(),
            vec![1, 2, 11, 12]
        );
        assert_eq!(months_between(d(2026, 3), None).list(), vec![3]);
        assert_eq!(months_between(d(2026, 3), Some(d(2027, 3))), Months::ALL);
    }

    fn need() -> Need {
        Need {
            category: Some("gao-ngu-coc".into()),
            quantity: 500,
            recurrence: Recurrence::Weekly,
            months: Months::from_list(&[1]),
            certifications: vec!["vietgap".into()],
            min_ocop_stars: None,
            place: Some((21.03, 105.85)),
            max_distance_km: Some(30),
        }
    }

    #[test]
    fn a_supplier_needs_every_certification_and_to_be_near() {
        let near = Supplier {
            place: Some((21.1, 105.8)),
            certifications: vec!["vietgap".into()],
            ocop_stars: None,
        };
        assert!(supplier_qualifies(&need(), &near));
        let uncertified = Supplier {
            certifications: vec![],
            ..near.clone()
        };
        assert!(!supplier_qualifies(&need(), &uncertified));
        let far = Supplier {
            place: Some((20.5, 105.9)),
            ..near.clone()
        };
        assert!(!supplier_qualifies(&need(), &far));
        let nowhere = Supplier {
            place: None,
            ..near
        };
        assert!(!supplier_qualifies(&need(), &nowhere));
    }

    #[test]
    fn a_listing_fits_by_category_season_and_capacity() {
        let rice = Supply {
            category_id: "gao-ngu-coc".into(),
            category_group: "thuc-pham".into(),
            months: Months::ALL,
            stock: None,
            monthly_capacity: Some(2_500),
        };
        assert!(supply_fits(&need(), &rice));
        let small = Supply {
            monthly_capacity: Some(2_000),
            ..rice.clone()
        };
        assert!(
            !supply_fits(&need(), &small),
            "weekly 500 needs 2,500 a month"
        );
        let summer = Supply {
            months: Months::from_list(&[5, 6, 7]),
            ..rice.clone()
        };
        assert!(!supply_fits(&need(), &summer));
        let group = Need {
            category: Some("thuc-pham".into()),
            ..need()
        };
        assert!(supply_fits(&group, &rice));
        let pottery = Supply {
            category_id: "gom-su".into(),
            category_group: "thu-cong".into(),
            ..rice
        };
        assert!(!supply_fits(&need(), &pottery));
    }

    #[test]
    fn only_an_open_quote_of_an_open_request_within_its_validity_is_accepted() {
        let now = Utc::now();
        let later = now + chrono::Duration::hours(1);
        assert_eq!(may_accept(true, later, RfqStatus::Open, now), Ok(()));
        assert_eq!(
            may_accept(true, now, RfqStatus::Open, now),
            Err(AcceptRefused::Expired)
        );
        assert_eq!(
            may_accept(true, later, RfqStatus::Awarded, now),
            Err(AcceptRefused::RequestNotOpen)
        );
        assert_eq!(
            may_accept(false, later, RfqStatus::Open, now),
            Err(AcceptRefused::NotOpen)
        );
    }

    #[test]
    fn wholesale_prices_hide_only_behind_the_cooperatives_choice() {
        assert!(wholesale_prices_visible(false, false));
        assert!(wholesale_prices_visible(true, true));
        assert!(!wholesale_prices_visible(true, false));
    }
}
