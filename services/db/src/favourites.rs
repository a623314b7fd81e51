//! A buyer's saved listings. The list itself is read as listing cards
//! ([`crate::listings::Filter::favourite_of`]), so it shows what every listing page shows.

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

/// Whether `user_id` saved the listing.
pub async fn is_saved(conn: Conn<'_>, user_id: i64, listing_id: i64) -> Result<bool> {
    Ok(on!(conn, e => sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM favourites WHERE user_id = $1 AND listing_id = $2)")
        .bind(user_id)
        .bind(listing_id)
        .fetch_one(e)
        .await)?)
}
