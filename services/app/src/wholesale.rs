//! Who sees a cooperative's wholesale prices (issue 21). The rule is the domain's
//! ([`ketnoi_domain::trade::wholesale_prices_visible`]); this looks up its facts once for the
//! listing page, the JSON API and the cart, so all three decide alike.

use ketnoi_db::{Conn, Result};
use ketnoi_domain::catalog::OfferKind;
use ketnoi_domain::trade::wholesale_prices_visible;

/// Whether `viewer` (a user id; `None` for an anonymous visitor) sees the wholesale prices of
/// the cooperative `org_id`, which shows them to verified trade buyers only when
/// `verified_only`. Besides verified trade buyers, the cooperative's own owners and managers
/// see them (it is their page). Asks the database only when the cooperative restricts them
/// and someone is signed in.
pub async fn prices_visible(
    conn: Conn<'_>,
    viewer: Option<i64>,
    org_id: i64,
    verified_only: bool,
) -> Result<bool> {
    if wholesale_prices_visible(verified_only, false) {
        return Ok(true);
    }
    let Some(user_id) = viewer else {
        return Ok(false);
    };
    let (verified, manages) = ketnoi_db::trade_buyers::standing(conn, user_id, org_id).await?;
    Ok(manages || wholesale_prices_visible(verified_only, verified))
}

/// Whether an offer of this kind shows its price when the cooperative's wholesale prices are
/// `visible` to the viewer: only wholesale offers are ever hidden.
pub fn offer_priced(kind: OfferKind, visible: bool) -> bool {
    visible || kind != OfferKind::Wholesale
}
