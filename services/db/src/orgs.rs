//! Organisations (cooperatives, cooperative groups, buyers, Union branches) and who belongs
//! to them.

use crate::filter::{Arg, Sql, bind_all};
use crate::{Conn, DbError, Result, on};
use chrono::{DateTime, Utc};
use ketnoi_domain::org::{BuyerType, OrgKind};
use ketnoi_domain::role::MemberRole;
use ketnoi_domain::role::Scope;

pub use crate::trade_buyers::verified_trade_buyer;

#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct OrgRow {
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
    registration_no: Option<String>,
    tax_code: Option<String>,
    lat: Option<f64>,
    lon: Option<f64>,
    sector: Option<String>,
    story_en: Option<String>,
    zalo: Option<String>,
    website: Option<String>,
    facebook: Option<String>,
    jobs_female: Option<i64>,
    logo_key: Option<String>,
    tax_verified_at: Option<DateTime<Utc>>,
    wholesale_verified_only: bool,
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
    pub profile: Profile,
    /// A buyer's tax code was checked by an officer or administrator (see
    /// [`crate::trade_buyers`]); cleared whenever the tax code changes. Read-only here.
    pub tax_verified_at: Option<DateTime<Utc>>,
    /// A cooperative shows its wholesale prices to verified trade buyers only
    /// (`ketnoi_domain::trade::wholesale_prices_visible`). Written only by
    /// [`crate::trade_buyers::set_wholesale_verified_only`], so imports and profile saves keep it.
    pub wholesale_verified_only: bool,
}

/// The parts of a cooperative's profile beyond the basics every organisation has.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Profile {
    pub registration_no: Option<String>,
    pub tax_code: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub sector: Option<String>,
    pub story_en: Option<String>,
    /// Zalo number, E.164.
    pub zalo: Option<String>,
    pub website: Option<String>,
    pub facebook: Option<String>,
    pub jobs_female: Option<i64>,
    /// Storage key of the logo image.
    pub logo_key: Option<String>,
}

/// `SELECT <every organisation column> FROM organisations <rest>`, as one literal for sqlx.
macro_rules! select_orgs {
    ($rest:literal) => {
        select_orgs!("", $rest)
    };
    // `$more`: further columns, each after a comma.
    ($more:expr, $rest:literal) => {
        concat!(
            "SELECT id, external_id, slug, kind, buyer_type, name, commune_code, street, province_code, phone, email, description, founded_year, members_total, members_female, created_at, registration_no, tax_code, lat, lon, sector, story_en, zalo, website, facebook, jobs_female, logo_key, tax_verified_at, wholesale_verified_only",
            $more,
            " FROM organisations ",
            $rest
        )
    };
}
pub(crate) use select_orgs;

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
            tax_verified_at: r.tax_verified_at,
            wholesale_verified_only: r.wholesale_verified_only,
            profile: Profile {
                registration_no: r.registration_no,
                tax_code: r.tax_code,
                lat: r.lat,
                lon: r.lon,
                sector: r.sector,
                story_en: r.story_en,
                zalo: r.zalo,
                website: r.website,
                facebook: r.facebook,
                jobs_female: r.jobs_female,
                logo_key: r.logo_key,
            },
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
    pub profile: Profile,
}

impl From<&Org> for NewOrg {
    /// What an organisation says now, as the starting point of a change.
    fn from(o: &Org) -> NewOrg {
        NewOrg {
            external_id: o.external_id.clone(),
            slug: o.slug.clone(),
            kind: Some(o.kind),
            buyer_type: o.buyer_type,
            name: o.name.clone(),
            commune_code: o.commune_code.clone(),
            street: o.street.clone(),
            province_code: o.province_code.clone(),
            phone: o.phone.clone(),
            email: o.email.clone(),
            description: o.description.clone(),
            founded_year: o.founded_year,
            members_total: o.members_total,
            members_female: o.members_female,
            profile: o.profile.clone(),
        }
    }
}

/// Inserts an organisation; with an `external_id` already present, updates that record
/// instead, so importing a dataset twice changes nothing.
pub async fn upsert(conn: Conn<'_>, o: &NewOrg) -> Result<Org> {
    let now = crate::now();
    let kind = o.kind.unwrap_or(OrgKind::Htx);
    let row: OrgRow = on!(conn, e => sqlx::query_as(
        "INSERT INTO organisations (external_id, slug, kind, buyer_type, name, commune_code, street, province_code, phone, email, description, founded_year, members_total, members_female, created_at, updated_at, \
           registration_no, tax_code, lat, lon, sector, story_en, zalo, website, facebook, jobs_female, logo_key) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26) \
         ON CONFLICT (external_id) DO UPDATE SET name = excluded.name, kind = excluded.kind, buyer_type = excluded.buyer_type, \
           commune_code = excluded.commune_code, street = excluded.street, province_code = excluded.province_code, \
           phone = excluded.phone, email = excluded.email, description = excluded.description, founded_year = excluded.founded_year, \
           members_total = excluded.members_total, members_female = excluded.members_female, updated_at = excluded.updated_at, \
           registration_no = excluded.registration_no, tax_code = excluded.tax_code, \
           tax_verified_at = CASE WHEN COALESCE(organisations.tax_code, '') = COALESCE(excluded.tax_code, '') THEN organisations.tax_verified_at END, \
           tax_verified_by = CASE WHEN COALESCE(organisations.tax_code, '') = COALESCE(excluded.tax_code, '') THEN organisations.tax_verified_by END, \
           lat = excluded.lat, lon = excluded.lon, \
           sector = excluded.sector, story_en = excluded.story_en, zalo = excluded.zalo, website = excluded.website, \
           facebook = excluded.facebook, jobs_female = excluded.jobs_female, logo_key = COALESCE(excluded.logo_key, organisations.logo_key) \
         RETURNING id, external_id, slug, kind, buyer_type, name, commune_code, street, province_code, phone, email, description, founded_year, members_total, members_female, created_at, registration_no, tax_code, lat, lon, sector, story_en, zalo, website, facebook, jobs_female, logo_key, tax_verified_at, wholesale_verified_only")
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
        .bind(o.profile.registration_no.as_deref())
        .bind(o.profile.tax_code.as_deref())
        .bind(o.profile.lat)
        .bind(o.profile.lon)
        .bind(o.profile.sector.as_deref())
        .bind(o.profile.story_en.as_deref())
        .bind(o.profile.zalo.as_deref())
        .bind(o.profile.website.as_deref())
        .bind(o.profile.facebook.as_deref())
        .bind(o.profile.jobs_female)
        .bind(o.profile.logo_key.as_deref())
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

/// What a cooperative's profile shows besides its listings, read in one statement.
#[derive(Debug, Clone)]
pub struct ProfileHead {
    pub org: Org,
    /// The median time the cooperative takes to confirm an order, in seconds.
    pub confirm_median_seconds: Option<i64>,
    /// The women in its management, in their order.
    pub managers: Vec<Manager>,
    /// All its badges (claims), newest first: the caller shows those that are showing.
    pub badges: Vec<crate::badges::Badge>,
}

// The women managers and the badges come as JSON arrays in the organisation's row: one
// statement instead of three for a page that is read far more than written (on PostgreSQL
// each statement is a round trip and an executor start; issue 14's p99). Each engine has
// its own JSON functions; the objects' fields are `Manager`'s and `badges::BadgeRow`'s.
const PROFILE_SQLITE: &str = select_orgs!(
    concat!(
        ", (SELECT t.median_seconds FROM org_confirmation_times t WHERE t.org_id = organisations.id) AS confirm_median_seconds, \
     (SELECT json_group_array(json_object('name', m.name, 'role', m.role, 'since_year', m.since_year) ORDER BY m.position) \
      FROM women_managers m WHERE m.org_id = organisations.id) AS managers_json, \
     (SELECT json_group_array(json_object(",
        crate::badges::badge_json_fields!(),
        ") ORDER BY b.id DESC) \
      FROM badges b WHERE b.org_id = organisations.id) AS badges_json"
    ),
    "WHERE slug = $1"
);
const PROFILE_PG: &str = select_orgs!(
    concat!(
        ", (SELECT t.median_seconds FROM org_confirmation_times t WHERE t.org_id = organisations.id) AS confirm_median_seconds, \
     (SELECT json_agg(json_build_object('name', m.name, 'role', m.role, 'since_year', m.since_year) ORDER BY m.position)::text \
      FROM women_managers m WHERE m.org_id = organisations.id) AS managers_json, \
     (SELECT json_agg(json_build_object(",
        crate::badges::badge_json_fields!(),
        ") ORDER BY b.id DESC)::text \
      FROM badges b WHERE b.org_id = organisations.id) AS badges_json"
    ),
    "WHERE slug = $1"
);

/// A cooperative's profile by its slug: the organisation, its confirmation time, women
/// managers and badges (see [`ProfileHead`]).
pub async fn find_for_profile(conn: Conn<'_>, slug: &str) -> Result<Option<ProfileHead>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        org: OrgRow,
        confirm_median_seconds: Option<i64>,
        managers_json: Option<String>,
        badges_json: Option<String>,
    }
    let sql = if matches!(conn, Conn::SqlitePool(_) | Conn::SqliteTx(_)) {
        PROFILE_SQLITE
    } else {
        PROFILE_PG
    };
    let row: Option<Row> = on!(conn, e => sqlx::query_as(sql)
        .bind(slug)
        .fetch_optional(e)
        .await)?;
    let Some(r) = row else { return Ok(None) };
    let managers = match r.managers_json.as_deref() {
        Some(t) => serde_json::from_str(t)
            .map_err(|e| DbError::Corrupt(format!("women managers as JSON: {e}")))?,
        None => Vec::new(),
    };
    Ok(Some(ProfileHead {
        org: r.org.try_into()?,
        confirm_median_seconds: r.confirm_median_seconds,
        managers,
        badges: crate::badges::from_json(r.badges_json.as_deref())?,
    }))
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
        "SELECT o.id, o.external_id, o.slug, o.kind, o.buyer_type, o.name, o.commune_code, o.street, o.province_code, o.phone, o.email, o.description, o.founded_year, o.members_total, o.members_female, o.created_at, \
         o.registration_no, o.tax_code, o.lat, o.lon, o.sector, o.story_en, o.zalo, o.website, o.facebook, o.jobs_female, o.logo_key, o.tax_verified_at, o.wholesale_verified_only, m.role \
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

/// Cooperatives (HTX and THT) within an officer's scope.
pub async fn cooperatives_in(conn: Conn<'_>, scope: &Scope, limit: i64) -> Result<Vec<Org>> {
    let rows: Vec<OrgRow> = on!(conn, e => sqlx::query_as(
        select_orgs!("WHERE kind IN ('htx', 'tht') AND ($1 IS NULL OR commune_code = $1) ORDER BY name, id LIMIT $2"))
        .bind(scope.commune())
        .bind(limit)
        .fetch_all(e)
        .await)?;
    rows.into_iter().map(TryInto::try_into).collect()
}

/// Changes what a cooperative says about itself (everything but its kind, slug and ids). A
/// changed tax code clears its verification.
pub async fn update(conn: Conn<'_>, id: i64, o: &NewOrg) -> Result<Org> {
    let row: OrgRow = on!(conn, e => sqlx::query_as(
        "UPDATE organisations SET name = $2, commune_code = $3, street = $4, phone = $5, email = $6, description = $7, \
           founded_year = $8, members_total = $9, members_female = $10, registration_no = $11, tax_code = $12, \
           tax_verified_at = CASE WHEN COALESCE(tax_code, '') = COALESCE($12, '') THEN tax_verified_at END, \
           tax_verified_by = CASE WHEN COALESCE(tax_code, '') = COALESCE($12, '') THEN tax_verified_by END, lat = $13, \
           lon = $14, sector = $15, story_en = $16, zalo = $17, website = $18, facebook = $19, jobs_female = $20, \
           logo_key = COALESCE($21, logo_key), updated_at = $22 WHERE id = $1 \
         RETURNING id, external_id, slug, kind, buyer_type, name, commune_code, street, province_code, phone, email, description, founded_year, members_total, members_female, created_at, registration_no, tax_code, lat, lon, sector, story_en, zalo, website, facebook, jobs_female, logo_key, tax_verified_at, wholesale_verified_only")
        .bind(id)
        .bind(&o.name)
        .bind(o.commune_code.as_deref())
        .bind(o.street.as_deref())
        .bind(o.phone.as_deref())
        .bind(o.email.as_deref())
        .bind(o.description.as_deref())
        .bind(o.founded_year)
        .bind(o.members_total)
        .bind(o.members_female)
        .bind(o.profile.registration_no.as_deref())
        .bind(o.profile.tax_code.as_deref())
        .bind(o.profile.lat)
        .bind(o.profile.lon)
        .bind(o.profile.sector.as_deref())
        .bind(o.profile.story_en.as_deref())
        .bind(o.profile.zalo.as_deref())
        .bind(o.profile.website.as_deref())
        .bind(o.profile.facebook.as_deref())
        .bind(o.profile.jobs_female)
        .bind(o.profile.logo_key.as_deref())
        .bind(crate::now())
        .fetch_one(e)
        .await)?;
    row.try_into()
}

/// The organisation an import row refers to: by `external_id`, else by registration number.
pub async fn find_by_key(
    conn: Conn<'_>,
    external_id: Option<&str>,
    registration_no: Option<&str>,
) -> Result<Option<Org>> {
    let row: Option<OrgRow> = on!(conn, e => sqlx::query_as(
        select_orgs!("WHERE (external_id IS NOT NULL AND external_id = $1) OR (registration_no IS NOT NULL AND registration_no = $2) ORDER BY id LIMIT 1"))
        .bind(external_id)
        .bind(registration_no)
        .fetch_optional(e)
        .await)?;
    row.map(TryInto::try_into).transpose()
}

pub async fn find(conn: Conn<'_>, id: i64) -> Result<Option<Org>> {
    let row: Option<OrgRow> = on!(conn, e => sqlx::query_as(select_orgs!("WHERE id = $1"))
        .bind(id)
        .fetch_optional(e)
        .await)?;
    row.map(TryInto::try_into).transpose()
}

/// A woman in the management of a cooperative.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Deserialize)]
pub struct Manager {
    pub name: String,
    pub role: String,
    pub since_year: Option<i64>,
}

pub async fn managers(conn: Conn<'_>, org_id: i64) -> Result<Vec<Manager>> {
    Ok(on!(conn, e => sqlx::query_as(
        "SELECT name, role, since_year FROM women_managers WHERE org_id = $1 ORDER BY position")
        .bind(org_id)
        .fetch_all(e)
        .await)?)
}

/// Replaces the list of women in management; run it in the caller's transaction.
pub async fn replace_managers(tx: &mut crate::Tx, org_id: i64, list: &[Manager]) -> Result<()> {
    on!(tx.conn(), e => sqlx::query("DELETE FROM women_managers WHERE org_id = $1")
        .bind(org_id)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    for (i, m) in list.iter().enumerate() {
        on!(tx.conn(), e => sqlx::query(
            "INSERT INTO women_managers (org_id, name, role, since_year, position) VALUES ($1, $2, $3, $4, $5)")
            .bind(org_id)
            .bind(&m.name)
            .bind(&m.role)
            .bind(m.since_year)
            .bind(i as i64)
            .execute(e)
            .await
            .map(|r| r.rows_affected()))?;
    }
    Ok(())
}

/// Lets a Union officer manage the cooperative's profile and listings (proxy mode).
pub async fn grant_proxy(
    conn: Conn<'_>,
    org_id: i64,
    officer_id: i64,
    granted_by: i64,
) -> Result<()> {
    on!(conn, e => sqlx::query(
        "INSERT INTO proxy_grants (org_id, officer_id, granted_by, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (org_id, officer_id) DO NOTHING")
        .bind(org_id)
        .bind(officer_id)
        .bind(granted_by)
        .bind(crate::now())
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn revoke_proxy(conn: Conn<'_>, org_id: i64, officer_id: i64) -> Result<bool> {
    let n = on!(conn, e => sqlx::query("DELETE FROM proxy_grants WHERE org_id = $1 AND officer_id = $2")
        .bind(org_id)
        .bind(officer_id)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn has_proxy(conn: Conn<'_>, org_id: i64, officer_id: i64) -> Result<bool> {
    let found: Option<i64> = on!(conn, e => sqlx::query_scalar(
        "SELECT officer_id FROM proxy_grants WHERE org_id = $1 AND officer_id = $2")
        .bind(org_id)
        .bind(officer_id)
        .fetch_optional(e)
        .await)?;
    Ok(found.is_some())
}

/// A user's role in one organisation (if any) and whether they hold its proxy rights:
/// [`member_role`] and [`has_proxy`] in one query, for pages every signed-in visitor sees.
pub async fn viewer_rights(
    conn: Conn<'_>,
    org_id: i64,
    user_id: i64,
) -> Result<(Option<MemberRole>, bool)> {
    let (role, proxy): (Option<String>, i64) = on!(conn, e => sqlx::query_as(
        "SELECT (SELECT role FROM memberships WHERE org_id = $1 AND user_id = $2), \
           (SELECT COUNT(*) FROM proxy_grants WHERE org_id = $1 AND officer_id = $2)")
        .bind(org_id)
        .bind(user_id)
        .fetch_one(e)
        .await)?;
    Ok((role.as_deref().and_then(MemberRole::parse), proxy > 0))
}

/// The officers a cooperative has granted proxy rights to: (user id, display name).
pub async fn proxies(conn: Conn<'_>, org_id: i64) -> Result<Vec<(i64, String)>> {
    Ok(on!(conn, e => sqlx::query_as(
        "SELECT u.id, u.display_name FROM proxy_grants g JOIN users u ON u.id = g.officer_id WHERE g.org_id = $1 ORDER BY u.display_name")
        .bind(org_id)
        .fetch_all(e)
        .await)?)
}

/// The organisations that granted `officer_id` proxy rights: their ids.
pub async fn proxied_by(conn: Conn<'_>, officer_id: i64) -> Result<Vec<i64>> {
    Ok(on!(conn, e => sqlx::query_scalar(
        "SELECT org_id FROM proxy_grants WHERE officer_id = $1 ORDER BY org_id")
        .bind(officer_id)
        .fetch_all(e)
        .await)?)
}

/// Filters of the cooperative directory; `None` means any.
#[derive(Debug, Clone, Default)]
pub struct DirectoryFilter {
    pub kind: Option<OrgKind>,
    pub sector: Option<String>,
    pub commune_code: Option<String>,
    /// At least this many OCOP stars on some product (verified, unexpired).
    pub min_stars: Option<i64>,
    /// Holds this verified, unexpired badge (e.g. `vietgap`, `organic`).
    pub badge: Option<ketnoi_domain::catalog::BadgeKind>,
    pub sort: DirectorySort,
}

/// The directory's order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DirectorySort {
    /// By name.
    #[default]
    Name,
    /// Most listings on sale first.
    MostListings,
    /// Newest on Ketnoi first.
    Newest,
}

/// A cooperative as a directory card or map pin.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct DirectoryCard {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub kind: String,
    pub commune_code: Option<String>,
    pub sector: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub logo_key: Option<String>,
    pub ocop_stars: Option<i64>,
    pub listing_count: i64,
}

/// Cooperatives (HTX and THT) matching the filter, by name.
pub async fn directory(
    conn: Conn<'_>,
    f: &DirectoryFilter,
    today: chrono::NaiveDate,
    limit: i64,
    offset: i64,
) -> Result<Vec<DirectoryCard>> {
    // `$1` is today, for badge expiry. The listing count is kept by the writes (migration
    // `listing_counts`): one row per cooperative, not a count over its listings.
    let mut q = Sql::new(
        "SELECT o.id, o.slug, o.name, o.kind, o.commune_code, o.sector, o.lat, o.lon, o.logo_key, \
           s.stars AS ocop_stars, COALESCE(n.public_listings, 0) AS listing_count \
         FROM organisations o LEFT JOIN org_listing_counts n ON n.org_id = o.id \
         LEFT JOIN (SELECT b.org_id, MAX(b.stars) AS stars FROM badges b \
                    WHERE b.kind = 'ocop' AND b.status = 'verified' AND (b.expires_on IS NULL OR b.expires_on >= ",
    );
    // One pass over the verified OCOP badges, joined, rather than a lookup per cooperative.
    q.arg(Arg::Date(today)).push(
        ") GROUP BY b.org_id) s ON s.org_id = o.id \
         WHERE o.kind IN ('htx', 'tht')",
    );
    // Only the set filters, so each can use its index (see `filter`).
    if let Some(k) = f.kind {
        q.push(" AND o.kind = ")
            .arg(Arg::Text(k.as_str().to_owned()));
    }
    if let Some(s) = &f.sector {
        q.push(" AND o.sector = ").arg(Arg::Text(s.clone()));
    }
    if let Some(c) = &f.commune_code {
        q.push(" AND o.commune_code = ").arg(Arg::Text(c.clone()));
    }
    if let Some(stars) = f.min_stars {
        q.push(
            " AND EXISTS (SELECT 1 FROM badges s WHERE s.org_id = o.id AND s.kind = 'ocop' AND s.status = 'verified' \
              AND (s.expires_on IS NULL OR s.expires_on >= $1) AND s.stars >= ",
        )
        .arg(Arg::Int(stars))
        .push(")");
    }
    if let Some(b) = f.badge {
        q.push(" AND EXISTS (SELECT 1 FROM badges c WHERE c.org_id = o.id AND c.kind = ")
            .arg(Arg::Text(b.as_str().to_owned()))
            .push(" AND c.status = 'verified' AND (c.expires_on IS NULL OR c.expires_on >= $1))");
    }
    q.push(match f.sort {
        DirectorySort::Name => " ORDER BY o.name, o.id",
        DirectorySort::MostListings => " ORDER BY listing_count DESC, o.name, o.id",
        DirectorySort::Newest => " ORDER BY o.created_at DESC, o.id DESC",
    })
    .page(limit, offset);
    Ok(on!(conn, e => bind_all!(sqlx::query_as(q.sql()), q).fetch_all(e).await)?)
}

/// The organisation a listing row names: by `external_id`, registration number or slug.
pub async fn find_by_any_key(conn: Conn<'_>, key: &str) -> Result<Option<Org>> {
    let row: Option<OrgRow> = on!(conn, e => sqlx::query_as(
        select_orgs!("WHERE external_id = $1 OR registration_no = $1 OR slug = $1 ORDER BY CASE WHEN external_id = $1 THEN 0 WHEN registration_no = $1 THEN 1 ELSE 2 END, id LIMIT 1"))
        .bind(key)
        .fetch_optional(e)
        .await)?;
    row.map(TryInto::try_into).transpose()
}

/// Where a cooperative's VietQR codes send the money.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct BankAccount {
    /// NAPAS BIN of the bank (six digits).
    pub bin: String,
    pub account: String,
    pub account_name: String,
}

pub async fn bank_account(conn: Conn<'_>, org_id: i64) -> Result<Option<BankAccount>> {
    let row: Option<(Option<String>, Option<String>, Option<String>)> = on!(conn, e => sqlx::query_as(
        "SELECT bank_bin, bank_account, bank_account_name FROM organisations WHERE id = $1")
        .bind(org_id)
        .fetch_optional(e)
        .await)?;
    Ok(match row {
        Some((Some(bin), Some(account), name)) => Some(BankAccount {
            bin,
            account,
            account_name: name.unwrap_or_default(),
        }),
        _ => None,
    })
}

/// Sets (or, with `None`, clears) the cooperative's bank account.
pub async fn set_bank_account(
    conn: Conn<'_>,
    org_id: i64,
    bank: Option<&BankAccount>,
) -> Result<()> {
    on!(conn, e => sqlx::query(
        "UPDATE organisations SET bank_bin = $2, bank_account = $3, bank_account_name = $4 WHERE id = $1")
        .bind(org_id)
        .bind(bank.map(|b| b.bin.as_str()))
        .bind(bank.map(|b| b.account.as_str()))
        .bind(bank.map(|b| b.account_name.as_str()))
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Addresses (e-mail, else phone: `contact!`) and languages of the organisation's owners and
/// managers (order notices go to them).
pub async fn manager_contacts(conn: Conn<'_>, org_id: i64) -> Result<Vec<(String, String)>> {
    Ok(on!(conn, e => sqlx::query_as(concat!(
        "SELECT ", contact!("u"), ", u.locale FROM memberships m JOIN users u ON u.id = m.user_id \
         WHERE m.org_id = $1 AND m.role IN ('owner', 'manager') AND ", contact!("u"), " IS NOT NULL \
         ORDER BY u.id"))
        .bind(org_id)
        .fetch_all(e)
        .await)?)
}

/// The kind (`htx`, `tht`, …) and ward/commune code of the organisations with these slugs, by
/// slug, in one query (what a page of search hits says of the cooperatives among them).
pub async fn kinds_and_communes(
    conn: Conn<'_>,
    slugs: &[String],
) -> Result<std::collections::HashMap<String, (String, Option<String>)>> {
    if slugs.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    let mut q = Sql::new("SELECT slug, kind, commune_code FROM organisations WHERE slug IN (");
    for (i, slug) in slugs.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.arg(Arg::Text(slug.clone()));
    }
    q.push(")");
    let rows: Vec<(String, String, Option<String>)> =
        on!(conn, e => bind_all!(sqlx::query_as(q.sql()), q).fetch_all(e).await)?;
    Ok(rows
        .into_iter()
        .map(|(slug, kind, commune)| (slug, (kind, commune)))
        .collect())
}

/// Whether someone of the organisation (an owner or a manager) is on Ketnoi to answer it.
pub async fn has_managers(conn: Conn<'_>, org_id: i64) -> Result<bool> {
    Ok(on!(conn, e => sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM memberships WHERE org_id = $1 AND role IN ('owner', 'manager'))")
        .bind(org_id)
        .fetch_one(e)
        .await)?)
}

/// The people who may stand in for an organisation, nearest first: `(user id, address
/// (`contact!`), language, rank)`, rank 0 its proxies, 1 its ward's or commune's officers, 2
/// the city's.
async fn stand_in_candidates(
    conn: Conn<'_>,
    org_id: i64,
) -> Result<Vec<(i64, Option<String>, String, i64)>> {
    Ok(on!(conn, e => sqlx::query_as(concat!(
        "SELECT id, contact, locale, rank FROM ( \
           SELECT u.id, ", contact!("u"), " AS contact, u.locale, CAST(0 AS BIGINT) AS rank FROM proxy_grants p \
             JOIN users u ON u.id = p.officer_id WHERE p.org_id = $1 \
           UNION ALL \
           SELECT u.id, ", contact!("u"), " AS contact, u.locale, CAST(CASE WHEN u.officer_commune_code IS NULL THEN 2 ELSE 1 END AS BIGINT) \
             FROM users u JOIN organisations o ON o.id = $1 \
             WHERE u.platform_role = 'union_officer' \
               AND (u.officer_commune_code = o.commune_code OR u.officer_commune_code IS NULL) \
         ) s ORDER BY rank, id"))
        .bind(org_id)
        .fetch_all(e)
        .await)?)
}

/// Only the nearest rank's rows of [`stand_in_candidates`].
fn nearest<T>(rows: Vec<T>, rank: impl Fn(&T) -> i64) -> Vec<T> {
    let first = rows.first().map(&rank);
    rows.into_iter()
        .filter(|r| Some(rank(r)) == first)
        .collect()
}

/// Who stands in for an organisation with no one on Ketnoi, by address (e-mail, else phone)
/// and language: the officers it granted proxy rights; without any, the Union's officers of
/// its ward or commune; without any, the city's officers. They call the cooperative about its
/// orders.
pub async fn stand_in_contacts(conn: Conn<'_>, org_id: i64) -> Result<Vec<(String, String)>> {
    let rows = stand_in_candidates(conn, org_id)
        .await?
        .into_iter()
        .filter_map(|(_, contact, locale, rank)| Some((contact?, locale, rank)))
        .collect();
    Ok(nearest(rows, |r| r.2)
        .into_iter()
        .map(|(contact, locale, _)| (contact, locale))
        .collect())
}

/// The same people as [`stand_in_contacts`] by account: they join the conversations buyers
/// open with an organisation nobody manages.
pub async fn stand_in_users(conn: Conn<'_>, org_id: i64) -> Result<Vec<i64>> {
    let rows = stand_in_candidates(conn, org_id).await?;
    Ok(nearest(rows, |r| r.3).into_iter().map(|r| r.0).collect())
}

/// Addresses (e-mail, else phone) and languages of the officers the organisation granted
/// proxy rights.
pub async fn proxy_contacts(conn: Conn<'_>, org_id: i64) -> Result<Vec<(String, String)>> {
    Ok(on!(conn, e => sqlx::query_as(concat!(
        "SELECT ", contact!("u"), ", u.locale FROM proxy_grants p JOIN users u ON u.id = p.officer_id \
         WHERE p.org_id = $1 AND ", contact!("u"), " IS NOT NULL ORDER BY u.id"))
        .bind(org_id)
        .fetch_all(e)
        .await)?)
}
