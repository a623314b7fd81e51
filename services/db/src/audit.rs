//! The audit log: every change to a cooperative's profile, listings and badges, by whom, on
//! whose behalf, before and after. Visible to the cooperative and to officers.

use crate::{Conn, Result, on};
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Default)]
pub struct Entry<'a> {
    pub org_id: Option<i64>,
    pub actor_id: Option<i64>,
    /// Set when the actor is not a member but acts for the organisation (proxy mode).
    pub on_behalf_of: Option<i64>,
    pub entity: &'a str,
    pub entity_id: String,
    pub action: &'a str,
    pub before: Option<String>,
    pub after: Option<String>,
}

pub async fn record(conn: Conn<'_>, e_: &Entry<'_>) -> Result<()> {
    on!(conn, e => sqlx::query(
        "INSERT INTO audit_log (org_id, actor_id, on_behalf_of, entity, entity_id, action, before_json, after_json, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
        .bind(e_.org_id)
        .bind(e_.actor_id)
        .bind(e_.on_behalf_of)
        .bind(e_.entity)
        .bind(&e_.entity_id)
        .bind(e_.action)
        .bind(e_.before.as_deref())
        .bind(e_.after.as_deref())
        .bind(crate::now())
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Logged {
    pub id: i64,
    pub actor_name: Option<String>,
    pub on_behalf_of: Option<i64>,
    pub entity: String,
    pub entity_id: String,
    pub action: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub created_at: DateTime<Utc>,
}

macro_rules! select_logged {
    ($where:literal) => {
        concat!(
            "SELECT a.id, u.display_name AS actor_name, a.on_behalf_of, a.entity, a.entity_id, a.action, a.before_json, a.after_json, a.created_at \
             FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id ",
            $where
        )
    };
}

/// The newest entries about one organisation.
pub async fn for_org(conn: Conn<'_>, org_id: i64, limit: i64) -> Result<Vec<Logged>> {
    Ok(
        on!(conn, e => sqlx::query_as(select_logged!("WHERE a.org_id = $1 ORDER BY a.id DESC LIMIT $2"))
        .bind(org_id)
        .bind(limit)
        .fetch_all(e)
        .await)?,
    )
}

/// The newest entries about one thing of no organisation (`plan_indicator`, its id).
pub async fn for_entity(
    conn: Conn<'_>,
    entity: &str,
    entity_id: &str,
    limit: i64,
) -> Result<Vec<Logged>> {
    Ok(on!(conn, e => sqlx::query_as(select_logged!(
        "WHERE a.entity = $1 AND a.entity_id = $2 ORDER BY a.id DESC LIMIT $3"))
        .bind(entity)
        .bind(entity_id)
        .bind(limit)
        .fetch_all(e)
        .await)?)
}
