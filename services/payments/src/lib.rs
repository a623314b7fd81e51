//! The payments boundary. One [`PaymentProvider`] trait for Stripe (international cards),
//! VietQR bank transfer and cash on delivery; implementations arrive with the orders issue.

pub mod vietqr;

use ketnoi_domain::Vnd;

#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    #[error("provider refused: {0}")]
    Refused(String),
}

/// What every way of paying offers.
pub trait PaymentProvider: Send + Sync {
    /// A short machine name, e.g. `vietqr`, `cod`, `stripe`.
    fn name(&self) -> &'static str;
    /// Whether this provider can take `amount` (e.g. Stripe's minimums).
    fn accepts(&self, amount: Vnd) -> Result<(), PaymentError>;
}
