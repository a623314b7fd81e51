//! Organisations (cooperatives, cooperative groups, buyers, Union branches) and who belongs
//! to them.

use crate::{Conn, DbError, Result, on};
use chrono::{DateTime, Utc};
use ketnoi_domain::org::{BuyerType, OrgKind};
use ketnoi_domain::role::MemberRole;

#[derive(Debug, Clone, sqlx::FromRow)]
struct OrgRow {
    id: i64,
    external_id: Option<String>,
    slug: String,
    kind: String,
    buyer_type: Option<String>,
    name: String,
    commune_code: Option<String>,
    street: Option<String>,
    province_code: String,
    phone: Option<String>,
    email: Option<String>,
    description: Option<String>,
    founded_year: Option<i64>,
    members_total: Option<i64>,
    members_female: Option<i64>,
    created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Org {
    pub id: i64,
    /// The id this record had in the dataset it was imported from, if any.
    pub external_id: Option<String>,
    pub slug: String,
    pub kind: OrgKind,
    pub buyer_type: Option<BuyerType>,
    pub name: String,
    /// Hanoi ward/commune code; with `street`, the address.
    pub commune_code: Option<String>,
    pub street: Option<String>,
    pub province_code: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub description: Option<String>,
    pub founded_year: Option<i64>,
    pub members_total: Option<i64>,
    pub members_female: Option<i64>,
    pub created_at: DateTime<Utc>,
}

/// `SELECT <every organisation column> FROM organisations <rest>`, as one literal for sqlx.
macro_rules! select_orgs {
    ($rest:literal) => {
        concat!(
            "SELECT id, external_id, slug, kind, buyer_type, name, commune_code, street, province_code, phone, email, description, founded_year, members_total, members_female, created_at FROM organisations ",
            $rest
        )
    };
}

impl TryFrom<OrgRow> for Org {
    type Error = DbError;
    fn try_from(r: OrgRow) -> Result<Org> {
        Ok(Org {
            kind: OrgKind::parse(&r.kind)
                .ok_or_else(|| DbError::Corrupt(format!("org kind {}", r.kind)))?,
            buyer_type: r.buyer_type.as_deref().and_then(BuyerType::parse),
            id: r.id,
            external_id: r.external_id,
            slug: r.slug,
            name: r.name,
            commune_code: r.commune_code,
            street: r.street,
            province_code: r.province_code,
            phone: r.phone,
            email: r.email,
            description: r.description,
            founded_year: r.founded_year,
            members_total: r.members_total,
            members_female: r.members_female,
            created_at: r.created_at,
        })
    }
}

#[derive(Debug, Clone, Default)]
pub struct NewOrg {
    pub external_id: Option<String>,
    pub slug: String,
    pub kind: Option<OrgKind>,
    pub buyer_type: Option<BuyerType>,
    pub name: String,
    pub commune_code: Option<String>,
    pub street: Option<String>,
    pub province_code: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub description: Option<String>,
    pub founded_year: Option<i64>,
    pub members_total: Option<i64>,
    pub members_female: Option<i64>,
}

/// Inserts an organisation; with an `external_id` already present, updates that record
/// instead, so importing a dataset twice changes nothing.
pub async fn upsert(conn: Conn<'_>, o: &NewOrg) -> Result<Org> {
    let now = crate::now();
    let kind = o.kind.unwrap_or(OrgKind::Htx);
    let row: OrgRow = on!(conn, e => sqlx::query_as(
        "INSERT INTO organisations (external_id, slug, kind, buyer_type, name, commune_code, street, province_code, phone, email, description, founded_year, members_total, members_female, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) \
         ON CONFLICT (external_id) DO UPDATE SET name = excluded.name, kind = excluded.kind, buyer_type = excluded.buyer_type, \
           commune_code = excluded.commune_code, street = excluded.street, province_code = excluded.province_code, \
           phone = excluded.phone, email = excluded.email, description = excluded.description, founded_year = excluded.founded_year, \
           members_total = excluded.members_total, members_female = excluded.members_female, updated_at = excluded.updated_at \
         RETURNING id, external_id, slug, kind, buyer_type, name, commune_code, street, province_code, phone, email, description, founded_year, members_total, members_female, created_at")
        .bind(o.external_id.as_deref())
        .bind(&o.slug)
        .bind(kind.as_str())
        .bind(o.buyer_type.map(BuyerType::as_str))
        .bind(&o.name)
        .bind(o.commune_code.as_deref())
        .bind(o.street.as_deref())
        .bind(&o.province_code)
        .bind(o.phone.as_deref())
        .bind(o.email.as_deref())
        .bind(o.description.as_deref())
        .bind(o.founded_year)
        .bind(o.members_total)
        .bind(o.members_female)
        .bind(now)
        .fetch_one(e)
        .await)?;
    row.try_into()
}

pub async fn find_by_slug(conn: Conn<'_>, slug: &str) -> Result<Option<Org>> {
    let row: Option<OrgRow> = on!(conn, e => sqlx::query_as(
        select_orgs!("WHERE slug = $1"))
        .bind(slug)
        .fetch_optional(e)
        .await)?;
    row.map(TryInto::try_into).transpose()
}

/// One page of organisations, optionally of one kind, by name.
pub async fn list(
    conn: Conn<'_>,
    kind: Option<OrgKind>,
    limit: i64,
    offset: i64,
) -> Result<Vec<Org>> {
    let rows: Vec<OrgRow> = on!(conn, e => sqlx::query_as(
        select_orgs!("WHERE ($1 IS NULL OR kind = $1) ORDER BY name, id LIMIT $2 OFFSET $3"))
        .bind(kind.map(OrgKind::as_str))
        .bind(limit)
        .bind(offset)
        .fetch_all(e)
        .await)?;
    rows.into_iter().map(TryInto::try_into).collect()
}

pub async fn count(conn: Conn<'_>, kind: Option<OrgKind>) -> Result<i64> {
    Ok(on!(conn, e => sqlx::query_scalar(
        "SELECT COUNT(*) FROM organisations WHERE ($1 IS NULL OR kind = $1)")
        .bind(kind.map(OrgKind::as_str))
        .fetch_one(e)
        .await)?)
}

pub async fn add_member(conn: Conn<'_>, org_id: i64, user_id: i64, role: MemberRole) -> Result<()> {
    on!(conn, e => sqlx::query(
        "INSERT INTO memberships (user_id, org_id, role, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id, org_id) DO UPDATE SET role = excluded.role")
        .bind(user_id)
        .bind(org_id)
        .bind(role.as_str())
        .bind(crate::now())
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn remove_member(conn: Conn<'_>, org_id: i64, user_id: i64) -> Result<bool> {
    let n = on!(conn, e => sqlx::query("DELETE FROM memberships WHERE org_id = $1 AND user_id = $2")
        .bind(org_id)
        .bind(user_id)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// A user's role in one organisation, if any.
pub async fn member_role(conn: Conn<'_>, org_id: i64, user_id: i64) -> Result<Option<MemberRole>> {
    let role: Option<String> = on!(conn, e => sqlx::query_scalar(
        "SELECT role FROM memberships WHERE org_id = $1 AND user_id = $2")
        .bind(org_id)
        .bind(user_id)
        .fetch_optional(e)
        .await)?;
    Ok(role.as_deref().and_then(MemberRole::parse))
}

#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub user_id: i64,
    pub display_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub role: MemberRole,
}

pub async fn members(conn: Conn<'_>, org_id: i64) -> Result<Vec<Member>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        user_id: i64,
        display_name: String,
        email: Option<String>,
        phone: Option<String>,
        role: String,
    }
    let rows: Vec<Row> = on!(conn, e => sqlx::query_as(
        "SELECT u.id AS user_id, u.display_name, u.email, u.phone, m.role FROM memberships m JOIN users u ON u.id = m.user_id \
         WHERE m.org_id = $1 ORDER BY m.created_at, u.id")
        .bind(org_id)
        .fetch_all(e)
        .await)?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(Member {
                role: MemberRole::parse(&r.role)?,
                user_id: r.user_id,
                display_name: r.display_name,
                email: r.email,
                phone: r.phone,
            })
        })
        .collect())
}

/// The organisations a user belongs to, with their role in each.
pub async fn of_user(conn: Conn<'_>, user_id: i64) -> Result<Vec<(Org, MemberRole)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        org: OrgRow,
        role: String,
    }
    let rows: Vec<Row> = on!(conn, e => sqlx::query_as(
        "SELECT o.id, o.external_id, o.slug, o.kind, o.buyer_type, o.name, o.commune_code, o.street, o.province_code, o.phone, o.email, o.description, o.founded_year, o.members_total, o.members_female, o.created_at, m.role \
         FROM memberships m JOIN organisations o ON o.id = m.org_id WHERE m.user_id = $1 ORDER BY o.name")
        .bind(user_id)
        .fetch_all(e)
        .await)?;
    rows.into_iter()
        .map(|r| {
            let role = MemberRole::parse(&r.role)
                .ok_or_else(|| DbError::Corrupt(format!("member role {}", r.role)))?;
            Ok((Org::try_from(r.org)?, role))
        })
        .collect()
}

/// Cooperatives (HTX and THT) of one ward/commune, or of the whole city when `None`.
pub async fn cooperatives_in(
    conn: Conn<'_>,
    commune_code: Option<&str>,
    limit: i64,
) -> Result<Vec<Org>> {
    let rows: Vec<OrgRow> = on!(conn, e => sqlx::query_as(
        select_orgs!("WHERE kind IN ('htx', 'tht') AND ($1 IS NULL OR commune_code = $1) ORDER BY name, id LIMIT $2"))
        .bind(commune_code)
        .bind(limit)
        .fetch_all(e)
        .await)?;
    rows.into_iter().map(TryInto::try_into).collect()
}
