//! How an order may be paid: the rules the cart and the order page share.

use crate::error::Error;
use ketnoi_db::Conn;
use ketnoi_db::orgs::BankAccount;

/// The account the cooperative's VietQR transfers pay into. VietQR is offered (at checkout)
/// and shown (on the order page) only for a cooperative that has one.
pub async fn viet_qr_account(conn: Conn<'_>, org_id: i64) -> Result<Option<BankAccount>, Error> {
    Ok(ketnoi_db::orgs::bank_account(conn, org_id).await?)
}

/// Whether the cooperative can be paid by VietQR transfer (see [`viet_qr_account`]).
pub async fn offers_viet_qr(conn: Conn<'_>, org_id: i64) -> Result<bool, Error> {
    Ok(viet_qr_account(conn, org_id).await?.is_some())
}
