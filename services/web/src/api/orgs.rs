//! Cooperatives and organisations over JSON.

use crate::AppState;
use crate::api::openapi::{BadRequest, Forbidden, NotFound, Unauthorized, Validation};
use crate::api::schema::{CommuneCode, CooperativeKind, DirectoryBadge, SectorId};
use crate::error::AppError;
use crate::extract::Query;
use crate::pages::directory::{DirectoryQuery, parse_directory_query};
use crate::policy::OrgScope;
use axum::Json;
use axum::extract::{Path, State};
use chrono::{DateTime, NaiveDate, Utc};
use ketnoi_db::orgs::{self, Org};
use ketnoi_domain::catalog::BadgeKind;
use ketnoi_domain::org::OrgKind;
use ketnoi_domain::role::MemberRole;
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CooperativeSummary {
    #[schema(minimum = 1, maximum = 9223372036854775807_i64)]
    pub id: i64,
    pub slug: String,
    #[schema(value_type = OrgKind)]
    pub kind: String,
    pub name: String,
    pub commune_code: Option<String>,
    pub sector: Option<String>,
    #[schema(minimum = -90, maximum = 90)]
    pub lat: Option<f64>,
    #[schema(minimum = -180, maximum = 180)]
    pub lon: Option<f64>,
    /// Best OCOP rating among its products (verified, unexpired).
    #[schema(minimum = 1, maximum = 5)]
    pub ocop_stars: Option<i64>,
    #[schema(minimum = 0, maximum = 9223372036854775807_i64)]
    pub listing_count: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CooperativePage {
    pub items: Vec<CooperativeSummary>,
    #[schema(minimum = 1, maximum = 100_000)]
    pub page: i64,
    pub has_next: bool,
}

/// One page (30) of cooperatives (HTX and THT), by name unless sorted otherwise, with the
/// directory's filters.
#[utoipa::path(get, path = "/api/v1/cooperatives", tag = "cooperatives",
    params(("kind" = Option<CooperativeKind>, Query, description = "htx or tht"),
           ("sector" = Option<SectorId>, Query, description = "sector id (data/categories.json)"),
           ("commune" = Option<CommuneCode>, Query, description = "Hanoi ward/commune code"),
           ("stars" = Option<i64>, Query, minimum = 3, maximum = 5, description = "at least this many OCOP stars"),
           ("badge" = Option<DirectoryBadge>, Query, description = "verified badge"),
           ("sort" = Option<String>, Query, description = "name (the default), listings (most listings on sale first) or newest"),
           ("page" = Option<i64>, Query, minimum = 1, maximum = 100_000, description = "1-based page number")),
    responses((status = 200, body = CooperativePage), (status = 400, response = BadRequest),
              (status = 422, response = Validation)))]
pub async fn list_cooperatives(
    State(state): State<AppState>,
    Query(q): Query<DirectoryQuery>,
) -> Result<Json<CooperativePage>, AppError> {
    let (filter, page) = parse_directory_query(&q)?;
    let today = ketnoi_domain::time::today_hanoi();
    let (limit, offset) = crate::pages::page_window(page);
    let (found, has_next) = crate::pages::split_page(
        orgs::directory(state.db.conn(), &filter, today, limit, offset).await?,
    );
    let items = found
        .into_iter()
        .map(|c| CooperativeSummary {
            id: c.id,
            slug: c.slug,
            kind: c.kind,
            name: c.name,
            commune_code: c.commune_code,
            sector: c.sector,
            lat: c.lat,
            lon: c.lon,
            ocop_stars: c.ocop_stars,
            listing_count: c.listing_count,
        })
        .collect();
    Ok(Json(CooperativePage {
        items,
        page,
        has_next,
    }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ManagerJson {
    pub name: String,
    pub role: String,
    #[schema(minimum = 0, maximum = 9999)]
    pub since_year: Option<i64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BadgeJson {
    #[schema(value_type = BadgeKind)]
    pub kind: String,
    pub number: Option<String>,
    pub issuer: Option<String>,
    /// OCOP stars, for an OCOP badge.
    #[schema(minimum = 1, maximum = 5)]
    pub stars: Option<i64>,
    pub product_group: Option<String>,
    pub expires_on: Option<NaiveDate>,
    #[schema(minimum = 1, maximum = 9223372036854775807_i64)]
    pub listing_id: Option<i64>,
    /// Who verified it, e.g. "Hội LHPN Xã Bát Tràng".
    pub verified_by: Option<String>,
    pub verified_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CooperativeJson {
    #[schema(minimum = 1, maximum = 9223372036854775807_i64)]
    pub id: i64,
    pub slug: String,
    /// The id of this record in the dataset it was imported from.
    pub external_id: Option<String>,
    pub kind: OrgKind,
    pub name: String,
    pub registration_no: Option<String>,
    pub tax_code: Option<String>,
    /// Hanoi ward/commune code (see `/api/v1/communes`).
    pub commune_code: Option<String>,
    pub street: Option<String>,
    pub province_code: String,
    #[schema(minimum = -90, maximum = 90)]
    pub lat: Option<f64>,
    #[schema(minimum = -180, maximum = 180)]
    pub lon: Option<f64>,
    #[schema(minimum = 0, maximum = 9999)]
    pub founded_year: Option<i64>,
    pub sector: Option<String>,
    pub story_vi: Option<String>,
    pub story_en: Option<String>,
    pub phone: Option<String>,
    pub zalo: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
    pub facebook: Option<String>,
    #[schema(minimum = 0, maximum = 9223372036854775807_i64)]
    pub members_total: Option<i64>,
    #[schema(minimum = 0, maximum = 9223372036854775807_i64)]
    pub members_female: Option<i64>,
    #[schema(minimum = 0, maximum = 9223372036854775807_i64)]
    pub jobs_female: Option<i64>,
    pub women_managers: Vec<ManagerJson>,
    /// Verified, unexpired badges only.
    pub badges: Vec<BadgeJson>,
    pub created_at: DateTime<Utc>,
}

/// Finds an organisation by internal id, `external_id` or slug.
pub async fn find_org(state: &AppState, id: &str) -> Result<Org, AppError> {
    if id.is_empty() || id.len() > 200 {
        return Err(AppError::NotFound);
    }
    if let Ok(n) = id.parse::<i64>()
        && let Some(o) = orgs::find(state.db.conn(), n).await?
    {
        return Ok(o);
    }
    if let Some(o) = orgs::find_by_key(state.db.conn(), Some(id), None).await? {
        return Ok(o);
    }
    orgs::find_by_slug(state.db.conn(), id)
        .await?
        .ok_or(AppError::NotFound)
}

/// One cooperative, by internal id, `external_id` or slug.
#[utoipa::path(get, path = "/api/v1/cooperatives/{id}", tag = "cooperatives",
    params(("id" = String, Path, description = "internal id, external_id or slug")),
    responses((status = 200, body = CooperativeJson), (status = 400, response = BadRequest),
              (status = 404, response = NotFound)))]
pub async fn show_cooperative(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<CooperativeJson>, AppError> {
    let o = find_org(&state, &id).await?;
    if !o.kind.is_cooperative() {
        return Err(AppError::NotFound);
    }
    let today = ketnoi_domain::time::today_hanoi();
    let managers = orgs::managers(state.db.conn(), o.id).await?;
    let badges = ketnoi_db::badges::of_org(state.db.conn(), o.id).await?;
    Ok(Json(CooperativeJson {
        women_managers: managers
            .into_iter()
            .map(|m| ManagerJson {
                name: m.name,
                role: m.role,
                since_year: m.since_year,
            })
            .collect(),
        badges: badges
            .into_iter()
            .filter(|b| b.is_showing(today))
            .map(|b| BadgeJson {
                kind: b.kind.as_str().to_owned(),
                number: b.number,
                issuer: b.issuer,
                stars: b.stars,
                product_group: b.product_group,
                expires_on: b.expires_on,
                listing_id: b.listing_id,
                verified_by: b.verifier_label,
                verified_at: b.decided_at,
            })
            .collect(),
        id: o.id,
        slug: o.slug,
        external_id: o.external_id,
        kind: o.kind,
        name: o.name,
        registration_no: o.profile.registration_no,
        tax_code: o.profile.tax_code,
        commune_code: o.commune_code,
        street: o.street,
        province_code: o.province_code,
        lat: o.profile.lat,
        lon: o.profile.lon,
        founded_year: o.founded_year,
        sector: o.profile.sector,
        story_vi: o.description,
        story_en: o.profile.story_en,
        phone: o.phone,
        zalo: o.profile.zalo,
        email: o.email,
        website: o.profile.website,
        facebook: o.profile.facebook,
        members_total: o.members_total,
        members_female: o.members_female,
        jobs_female: o.profile.jobs_female,
        created_at: o.created_at,
    }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MemberJson {
    #[schema(minimum = 1, maximum = 9223372036854775807_i64)]
    pub user_id: i64,
    pub display_name: String,
    pub role: MemberRole,
}

/// The members of an organisation; for its members only.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/members", tag = "organisations",
    params(("slug" = String, Path, description = "the organisation's slug")),
    security(("session" = [])),
    responses((status = 200, body = [MemberJson]), (status = 400, response = BadRequest),
              (status = 401, response = Unauthorized), (status = 403, response = Forbidden),
              (status = 404, response = NotFound)))]
pub async fn list_members(
    State(state): State<AppState>,
    scope: OrgScope,
) -> Result<Json<Vec<MemberJson>>, AppError> {
    let members = orgs::members(state.db.conn(), scope.org.id).await?;
    Ok(Json(
        members
            .into_iter()
            .map(|m| MemberJson {
                user_id: m.user_id,
                display_name: m.display_name,
                role: m.role,
            })
            .collect(),
    ))
}
