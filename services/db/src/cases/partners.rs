//! Partner organisations (banks, microfinance institutions, funds, insurers, the Alliance,
//! departments, trainers) and their staff, who see the cases referred to them.

use super::*;

/// A partner organisation: a bank, a microfinance institution, a fund…
#[derive(Debug, Clone, PartialEq)]
pub struct Partner {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub kind: PartnerKind,
    pub phone: Option<String>,
    pub email: Option<String>,
}

#[derive(sqlx::FromRow)]
struct PartnerRow {
    id: i64,
    slug: String,
    name: String,
    kind: String,
    phone: Option<String>,
    email: Option<String>,
}

impl TryFrom<PartnerRow> for Partner {
    type Error = DbError;
    fn try_from(r: PartnerRow) -> Result<Partner> {
        Ok(Partner {
            kind: PartnerKind::parse(&r.kind)
                .ok_or_else(|| DbError::Corrupt(format!("partner kind {}", r.kind)))?,
            id: r.id,
            slug: r.slug,
            name: r.name,
            phone: r.phone,
            email: r.email,
        })
    }
}

/// A partner to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPartner {
    pub slug: String,
    pub name: String,
    pub kind: PartnerKind,
    pub phone: Option<String>,
    pub email: Option<String>,
}

pub async fn create_partner(conn: Conn<'_>, p: &NewPartner) -> Result<i64> {
    Ok(on!(conn, e => sqlx::query_scalar(
        "INSERT INTO partners (slug, name, kind, phone, email, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
        .bind(&p.slug)
        .bind(&p.name)
        .bind(p.kind.as_str())
        .bind(p.phone.as_deref())
        .bind(p.email.as_deref())
        .bind(crate::now())
        .fetch_one(e)
        .await)?)
}

/// Every partner, by name.
pub async fn partners(conn: Conn<'_>) -> Result<Vec<Partner>> {
    let rows: Vec<PartnerRow> = on!(conn, e => sqlx::query_as(
        "SELECT id, slug, name, kind, phone, email FROM partners ORDER BY name, id")
        .fetch_all(e)
        .await)?;
    rows.into_iter().map(TryInto::try_into).collect()
}

/// Makes `user_id` staff of `partner_id` (again: nothing changes).
pub async fn add_staff(conn: Conn<'_>, partner_id: i64, user_id: i64) -> Result<()> {
    on!(conn, e => sqlx::query(
        "INSERT INTO partner_staff (partner_id, user_id, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (partner_id, user_id) DO NOTHING")
        .bind(partner_id)
        .bind(user_id)
        .bind(crate::now())
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// The partners `user_id` works for (usually one).
pub async fn partners_of(conn: Conn<'_>, user_id: i64) -> Result<Vec<Partner>> {
    let rows: Vec<PartnerRow> = on!(conn, e => sqlx::query_as(
        "SELECT p.id, p.slug, p.name, p.kind, p.phone, p.email FROM partners p \
         JOIN partner_staff s ON s.partner_id = p.id WHERE s.user_id = $1 ORDER BY p.name, p.id")
        .bind(user_id)
        .fetch_all(e)
        .await)?;
    rows.into_iter().map(TryInto::try_into).collect()
}

/// Whether `user_id` is staff of any partner.
pub async fn is_staff(conn: Conn<'_>, user_id: i64) -> Result<bool> {
    Ok(on!(conn, e => sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM partner_staff WHERE user_id = $1)")
        .bind(user_id)
        .fetch_one(e)
        .await)?)
}

pub async fn partner(conn: Conn<'_>, id: i64) -> Result<Option<Partner>> {
    let row: Option<PartnerRow> = on!(conn, e => sqlx::query_as(
        "SELECT id, slug, name, kind, phone, email FROM partners WHERE id = $1")
        .bind(id)
        .fetch_optional(e)
        .await)?;
    row.map(TryInto::try_into).transpose()
}

/// Ends `user_id`'s work for `partner_id`; whether she was staff.
pub async fn remove_staff(conn: Conn<'_>, partner_id: i64, user_id: i64) -> Result<bool> {
    let n = on!(conn, e => sqlx::query(
        "DELETE FROM partner_staff WHERE partner_id = $1 AND user_id = $2")
        .bind(partner_id)
        .bind(user_id)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// A partner's staff: user id and name.
pub async fn staff(conn: Conn<'_>, partner_id: i64) -> Result<Vec<(i64, String)>> {
    Ok(on!(conn, e => sqlx::query_as(
        "SELECT u.id, u.display_name FROM partner_staff s JOIN users u ON u.id = s.user_id \
         WHERE s.partner_id = $1 ORDER BY u.display_name, u.id")
        .bind(partner_id)
        .fetch_all(e)
        .await)?)
}
