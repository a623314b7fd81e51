//! A buyer's saved listings. The list itself is read as listing cards
//! ([`crate::listings::Filter::favourite_of`]), so it shows what every listing page shows;
//! whether she saved a listing comes with its page's first read
//! ([`crate::listings::find_for_page`]).

use crate::{Conn, Result, on};

/// Saves (`on`) or forgets a listing for `user_id`; saving twice or forgetting what was not
/// saved changes nothing.
pub async fn set(conn: Conn<'_>, user_id: i64, listing_id: i64, on: bool) -> Result<()> {
    if on {
        on!(conn, e => sqlx::query(
            "INSERT INTO favourites (user_id, listing_id, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id, listing_id) DO NOTHING")
            .bind(user_id)
            .bind(listing_id)
            .bind(crate::now())
            .execute(e)
            .await
            .map(|r| r.rows_affected()))?;
    } else {
        on!(conn, e => sqlx::query("DELETE FROM favourites WHERE user_id = $1 AND listing_id = $2")
            .bind(user_id)
            .bind(listing_id)
            .execute(e)
            .await
            .map(|r| r.rows_affected()))?;
    }
    Ok(())
}
