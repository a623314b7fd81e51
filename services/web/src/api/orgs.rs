//! Organisations over JSON.

use crate::AppState;
use crate::error::{AppError, ErrorEnvelope};
use crate::extract::{PathSlug, Query};
use crate::pages::orgs::{ListQuery, PAGE_SIZE, parse_list_query};
use crate::policy::OrgScope;
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use ketnoi_db::orgs::{self, Org};
use ketnoi_domain::org::{BuyerType, OrgKind};
use ketnoi_domain::role::MemberRole;
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrgJson {
    pub slug: String,
    /// The id of this record in the dataset it was imported from.
    pub external_id: Option<String>,
    pub kind: OrgKind,
    pub buyer_type: Option<BuyerType>,
    pub name: String,
    /// Hanoi ward/commune code (see `/api/v1/communes`).
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

impl From<&Org> for OrgJson {
    fn from(o: &Org) -> OrgJson {
        OrgJson {
            slug: o.slug.clone(),
            external_id: o.external_id.clone(),
            kind: o.kind,
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
            created_at: o.created_at,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrgPage {
    pub items: Vec<OrgJson>,
    pub page: i64,
    pub has_next: bool,
}

/// One page (30) of organisations by name, optionally of one kind.
#[utoipa::path(get, path = "/api/v1/orgs", tag = "organisations",
    params(("kind" = Option<String>, Query, description = "htx, tht, buyer or union_branch"),
           ("page" = Option<i64>, Query, description = "1-based page number")),
    responses((status = 200, body = OrgPage), (status = 422, body = ErrorEnvelope)))]
pub async fn list_orgs(
    State(state): State<AppState>,
    Query(q): Query<ListQuery>,
) -> Result<Json<OrgPage>, AppError> {
    let (kind, page) = parse_list_query(&q)?;
    let mut found =
        orgs::list(state.db.conn(), kind, PAGE_SIZE + 1, (page - 1) * PAGE_SIZE).await?;
    let has_next = found.len() as i64 > PAGE_SIZE;
    found.truncate(PAGE_SIZE as usize);
    Ok(Json(OrgPage {
        items: found.iter().map(OrgJson::from).collect(),
        page,
        has_next,
    }))
}

#[utoipa::path(get, path = "/api/v1/orgs/{slug}", tag = "organisations",
    params(("slug" = String, Path)),
    responses((status = 200, body = OrgJson), (status = 404, body = ErrorEnvelope)))]
pub async fn show_org(
    State(state): State<AppState>,
    PathSlug(slug): PathSlug,
) -> Result<Json<OrgJson>, AppError> {
    let org = orgs::find_by_slug(state.db.conn(), &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(OrgJson::from(&org)))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MemberJson {
    pub user_id: i64,
    pub display_name: String,
    pub role: MemberRole,
}

/// The members of an organisation; for its members only.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/members", tag = "organisations",
    params(("slug" = String, Path)),
    responses((status = 200, body = [MemberJson]), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
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
