//! The payments boundary. One [`PaymentProvider`] trait for Stripe (international cards),
//! VietQR bank transfer and cash on delivery.

pub mod stripe;
pub mod vietqr;

use ketnoi_domain::Vnd;

#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    #[error("provider refused: {0}")]
    Refused(String),
    /// The provider could not be reached, or answered with something unreadable.
    #[error("provider unavailable: {0}")]
    Unavailable(String),
    #[error("malformed: {0}")]
    Malformed(String),
}

/// Bank transfer to the cooperative's own account, by the order's VietQR code.
#[derive(Debug, Clone, Copy, Default)]
pub struct VietQrTransfer;

impl PaymentProvider for VietQrTransfer {
    fn name(&self) -> &'static str {
        "viet_qr"
    }
    fn accepts(&self, amount: Vnd) -> Result<(), PaymentError> {
        // Field 54 carries at most 13 characters.
        if amount.0 > 0 && amount.0 < 10_000_000_000_000 {
            Ok(())
        } else {
            Err(PaymentError::Refused(format!("amount {amount}")))
        }
    }
}

/// Cash on delivery (or at the visit): the money changes hands with the goods.
#[derive(Debug, Clone, Copy, Default)]
pub struct CashOnDelivery;

impl PaymentProvider for CashOnDelivery {
    fn name(&self) -> &'static str {
        "cod"
    }
    fn accepts(&self, _amount: Vnd) -> Result<(), PaymentError> {
        Ok(())
    }
}

/// What every way of paying offers.
pub trait PaymentProvider: Send + Sync {
    /// A short machine name, e.g. `vietqr`, `cod`, `stripe`.
    fn name(&self) -> &'static str;
    /// Whether this provider can take `amount` (e.g. Stripe's minimums).
    fn accepts(&self, amount: Vnd) -> Result<(), PaymentError>;
}
