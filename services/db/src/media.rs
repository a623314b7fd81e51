//! Stored uploads: one row per content-addressed object (the bytes live in the object store).

use crate::{Conn, Result, on};

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Media {
    pub storage_key: String,
    pub content_type: String,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub byte_size: i64,
    pub org_id: Option<i64>,
}

/// Records an object; the same content uploaded twice is one row.
pub async fn record(conn: Conn<'_>, m: &Media) -> Result<()> {
    on!(conn, e => sqlx::query(
        "INSERT INTO media (storage_key, content_type, width, height, byte_size, org_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (storage_key) DO NOTHING")
        .bind(&m.storage_key)
        .bind(&m.content_type)
        .bind(m.width)
        .bind(m.height)
        .bind(m.byte_size)
        .bind(m.org_id)
        .bind(crate::now())
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn find(conn: Conn<'_>, key: &str) -> Result<Option<Media>> {
    Ok(on!(conn, e => sqlx::query_as(
        "SELECT storage_key, content_type, width, height, byte_size, org_id FROM media WHERE storage_key = $1")
        .bind(key)
        .fetch_optional(e)
        .await)?)
}

pub async fn count(conn: Conn<'_>) -> Result<i64> {
    Ok(on!(conn, e => sqlx::query_scalar("SELECT COUNT(*) FROM media").fetch_one(e).await)?)
}
