//! Trade buyers (issue 21): buyer organisations with a tax code, their verification by an
//! officer or administrator, who buys for a verified one, and a cooperative's choice to show
//! its wholesale prices to verified trade buyers only. Tax codes are checked before they get
//! here (`ketnoi_domain::trade::TaxCode`); a changed tax code clears the verification in
//! `orgs::update`/`orgs::upsert` themselves.

use crate::orgs::{Org, OrgRow, select_orgs};
use crate::{Conn, Result, on};
use ketnoi_domain::role::Scope;

/// Whether `user_id` buys for a verified trade buyer: she is an owner, manager or member of
/// an organisation of kind `buyer` whose tax code an officer or administrator verified.
/// What [`ketnoi_domain::trade::wholesale_prices_visible`] asks as
/// `viewer_is_verified_trade_buyer`; one indexed query (memberships by user), no error for an
/// unknown user (false).
pub async fn verified_trade_buyer(conn: Conn<'_>, user_id: i64) -> Result<bool> {
    Ok(on!(conn, e => sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM memberships m JOIN organisations o ON o.id = m.org_id \
         WHERE m.user_id = $1 AND o.kind = 'buyer' AND o.tax_verified_at IS NOT NULL)")
        .bind(user_id)
        .fetch_one(e)
        .await)?)
}

/// [`verified_trade_buyer`] and whether she is an owner or manager of `org_id`, in one query
/// (who sees a cooperative's restricted wholesale prices: `ketnoi_app::wholesale`).
pub async fn standing(conn: Conn<'_>, user_id: i64, org_id: i64) -> Result<(bool, bool)> {
    Ok(on!(conn, e => sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM memberships m JOIN organisations o ON o.id = m.org_id \
                WHERE m.user_id = $1 AND o.kind = 'buyer' AND o.tax_verified_at IS NOT NULL), \
                EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = $1 AND m.org_id = $2 \
                AND m.role IN ('owner', 'manager'))")
        .bind(user_id)
        .bind(org_id)
        .fetch_one(e)
        .await)?)
}

/// The verified buyer organisation `user_id` buys for, if any (the first by name): what a
/// cooperative is shown beside her name.
pub async fn verified_org_of(conn: Conn<'_>, user_id: i64) -> Result<Option<Org>> {
    let row: Option<OrgRow> = on!(conn, e => sqlx::query_as(select_orgs!(
        "WHERE kind = 'buyer' AND tax_verified_at IS NOT NULL \
           AND id IN (SELECT org_id FROM memberships WHERE user_id = $1) ORDER BY name, id LIMIT 1"))
        .bind(user_id)
        .fetch_optional(e)
        .await)?;
    row.map(TryInto::try_into).transpose()
}

/// Buyer organisations with a tax code within an officer's scope (a ward officer: those
/// whose address is in her ward or commune), those waiting for verification first, then by
/// name.
pub async fn in_scope(conn: Conn<'_>, scope: &Scope, limit: i64) -> Result<Vec<Org>> {
    let rows: Vec<OrgRow> = on!(conn, e => sqlx::query_as(select_orgs!(
        "WHERE kind = 'buyer' AND tax_code IS NOT NULL AND ($1 IS NULL OR commune_code = $1) \
         ORDER BY CASE WHEN tax_verified_at IS NULL THEN 0 ELSE 1 END, name, id LIMIT $2"))
        .bind(scope.commune())
        .bind(limit)
        .fetch_all(e)
        .await)?;
    rows.into_iter().map(TryInto::try_into).collect()
}

/// Marks the buyer's tax code verified by `officer_id`, unless it has none or is verified
/// already (a conditional update: two officers pressing at once verify it once). Whether it
/// changed.
pub async fn verify(conn: Conn<'_>, org_id: i64, officer_id: i64) -> Result<bool> {
    let n = on!(conn, e => sqlx::query(
        "UPDATE organisations SET tax_verified_at = $3, tax_verified_by = $2, updated_at = $3 \
         WHERE id = $1 AND kind = 'buyer' AND tax_code IS NOT NULL AND tax_verified_at IS NULL")
        .bind(org_id)
        .bind(officer_id)
        .bind(crate::now())
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Withdraws a verification. Whether there was one.
pub async fn unverify(conn: Conn<'_>, org_id: i64) -> Result<bool> {
    let n = on!(conn, e => sqlx::query(
        "UPDATE organisations SET tax_verified_at = NULL, tax_verified_by = NULL, updated_at = $2 \
         WHERE id = $1 AND kind = 'buyer' AND tax_verified_at IS NOT NULL")
        .bind(org_id)
        .bind(crate::now())
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// The display name of whoever verified the buyer's tax code, if it is verified.
pub async fn verified_by(conn: Conn<'_>, org_id: i64) -> Result<Option<String>> {
    Ok(on!(conn, e => sqlx::query_scalar(
        "SELECT u.display_name FROM organisations o JOIN users u ON u.id = o.tax_verified_by \
         WHERE o.id = $1 AND o.tax_verified_at IS NOT NULL")
        .bind(org_id)
        .fetch_optional(e)
        .await)?)
}

/// Sets whether the cooperative shows its wholesale prices to verified trade buyers only.
pub async fn set_wholesale_verified_only(conn: Conn<'_>, org_id: i64, on: bool) -> Result<()> {
    on!(conn, e => sqlx::query(
        "UPDATE organisations SET wholesale_verified_only = $2 WHERE id = $1 AND wholesale_verified_only <> $2")
        .bind(org_id)
        .bind(on)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}
