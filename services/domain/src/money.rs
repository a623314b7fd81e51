//! Money in Vietnamese đồng: whole numbers only, since VND has no minor unit.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An amount of đồng. Stripe treats VND as zero-decimal, so this is also the Stripe amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Vnd(pub i64);

impl fmt::Display for Vnd {
    /// Vietnamese grouping: `150.000 ₫`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.0.unsigned_abs().to_string();
        let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push('.');
            }
            grouped.push(c);
        }
        let sign = if self.0 < 0 { "-" } else { "" };
        write!(f, "{sign}{grouped} ₫")
    }
}

impl Vnd {
    /// An amount as people type it: `50000000`, `50.000.000`, `50,000,000 đ`, `50 000 000
    /// VNĐ` (the same reading as the spreadsheet import's prices); `None` for anything else
    /// and for zero or less.
    pub fn parse(s: &str) -> Option<Vnd> {
        crate::import::cells::parse_price(s.trim()).map(Vnd)
    }
}

#[cfg(test)]
mod tests {
    use super::Vnd;

    #[test]
    fn dong_are_grouped_with_dots() {
        assert_eq!(Vnd(150_000).to_string(), "150.000 ₫");
        assert_eq!(Vnd(0).to_string(), "0 ₫");
        assert_eq!(Vnd(-1_234_567).to_string(), "-1.234.567 ₫");
        assert_eq!(Vnd(999).to_string(), "999 ₫");
    }
}
