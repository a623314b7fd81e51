//! Search over JSON: the same parameters as the results page (`/search`).

use crate::AppState;
use crate::api::openapi::{BadRequest, Validation};
use crate::api::schema::{
    CategoryId, CertificationId, CommuneCode, ExactFlag, FacetsFlag, SearchSeason, SearchSort,
    SearchType, WomenFlag,
};
use crate::error::AppError;
use crate::extract::Query;
use crate::pages::search::{SearchParams, parse_search, run};
use axum::Json;
use axum::extract::State;
use ketnoi_domain::catalog::OfferKind;
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SearchHit {
    /// `listing` or `cooperative`.
    #[serde(rename = "type")]
    pub doc_type: &'static str,
    #[schema(minimum = 1, maximum = 9223372036854775807_i64)]
    pub id: i64,
    pub external_id: Option<String>,
    pub title_vi: String,
    pub title_en: Option<String>,
    pub cooperative_slug: String,
    pub cooperative_name: String,
    #[schema(value_type = Option<CategoryId>)]
    pub category: Option<String>,
    /// Lowest price in đồng per `unit` (listings).
    #[schema(minimum = 0, maximum = 10_000_000_000_i64)]
    pub min_price_vnd: Option<i64>,
    pub unit: Option<String>,
    /// Verified, unexpired OCOP stars (0: none).
    #[schema(minimum = 0, maximum = 5)]
    pub ocop_stars: u8,
    pub image: Option<String>,
    /// Page URL of the hit.
    pub url: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FacetCount {
    pub value: String,
    #[schema(minimum = 0, maximum = 9223372036854775807_i64)]
    pub count: u64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SearchFacets {
    #[serde(rename = "type")]
    pub doc_type: Vec<FacetCount>,
    pub kind: Vec<FacetCount>,
    pub category: Vec<FacetCount>,
    pub commune: Vec<FacetCount>,
    pub stars: Vec<FacetCount>,
    pub cert: Vec<FacetCount>,
    #[schema(minimum = 0, maximum = 9223372036854775807_i64)]
    pub women_managed: u64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SearchResponse {
    /// Every match, not only this page.
    #[schema(minimum = 0, maximum = 9223372036854775807_i64)]
    pub total: u64,
    pub hits: Vec<SearchHit>,
    pub facets: SearchFacets,
    /// A corrected query when nothing matched ("did you mean").
    pub suggestion: Option<String>,
}

fn counts<T: ToString>(v: &[(T, u64)]) -> Vec<FacetCount> {
    v.iter()
        .map(|(value, count)| FacetCount {
            value: value.to_string(),
            count: *count,
        })
        .collect()
}

/// Listings and cooperatives matching a query, with or without diacritics, in Vietnamese or English.
#[utoipa::path(get, path = "/api/v1/search", tag = "search",
    params(("q" = Option<String>, Query, description = "what to look for (up to 200 characters)"),
           ("type" = Option<SearchType>, Query, description = "listing or cooperative"),
           ("kind" = Option<OfferKind>, Query, description = "offer kind"),
           ("category" = Option<CategoryId>, Query, description = "category or group id"),
           ("commune" = Option<CommuneCode>, Query, description = "ward/commune code"),
           ("stars" = Option<u8>, Query, minimum = 1, maximum = 5, description = "at least this many OCOP stars"),
           ("cert" = Option<CertificationId>, Query, description = "certification id, e.g. vietgap"),
           ("price_min" = Option<i64>, Query, minimum = 0, maximum = 9223372036854775807_i64, description = "lowest price in đồng"),
           ("price_max" = Option<i64>, Query, minimum = 0, maximum = 9223372036854775807_i64, description = "highest price in đồng (not below price_min)"),
           ("min_order" = Option<i64>, Query, minimum = 1, maximum = 9223372036854775807_i64, description = "wholesale minimum order at most this many units"),
           ("season" = Option<SearchSeason>, Query, description = "in season: month 1-12 or now"),
           ("women" = Option<WomenFlag>, Query, description = "1: verified women-managed cooperatives only"),
           ("sort" = Option<SearchSort>, Query, description = "relevance, price_asc, price_desc, newest or distance (needs lat and lon)"),
           ("lat" = Option<f64>, Query, minimum = -90, maximum = 90, description = "latitude for distance sort"),
           ("lon" = Option<f64>, Query, minimum = -180, maximum = 180, description = "longitude for distance sort"),
           ("page" = Option<usize>, Query, minimum = 1, maximum = 500, description = "1-based page"),
           ("limit" = Option<usize>, Query, minimum = 1, maximum = 100, description = "hits per page (default 20)"),
           ("facets" = Option<FacetsFlag>, Query, description = "0: leave the facet counts out (cheaper; e.g. suggestions as you type)"),
           ("exact" = Option<ExactFlag>, Query, description = "1: search the words as typed; by default prices (\"dưới 100k\"), wholesale, OCOP stars, certifications and places written in q become filters")),
    responses((status = 200, body = SearchResponse), (status = 400, response = BadRequest),
              (status = 422, response = Validation)))]
pub async fn search(
    State(state): State<AppState>,
    Query(p): Query<SearchParams>,
) -> Result<Json<SearchResponse>, AppError> {
    let q = parse_search(&p, crate::pages::search::PAGE_SIZE)?;
    let r = run(&state, &q, p.exact == "1").await?.results;
    let f = &r.facets;
    Ok(Json(SearchResponse {
        total: r.total,
        hits: r
            .hits
            .into_iter()
            .map(|h| SearchHit {
                doc_type: h.key.kind.as_str(),
                id: h.key.id,
                url: match h.key.kind {
                    ketnoi_search::DocKind::Listing => format!("/listings/{}", h.key.id),
                    ketnoi_search::DocKind::Cooperative => format!("/orgs/{}", h.org_slug),
                },
                external_id: h.external_id,
                title_vi: h.title_vi,
                title_en: h.title_en,
                cooperative_slug: h.org_slug,
                cooperative_name: h.org_name,
                category: h.category_id,
                min_price_vnd: h.min_price,
                unit: h.unit,
                ocop_stars: h.ocop_stars,
                image: h.image,
            })
            .collect(),
        facets: SearchFacets {
            doc_type: counts(&f.kind),
            kind: counts(&f.offer_kind),
            category: counts(&f.category),
            commune: counts(&f.commune),
            stars: counts(&f.stars),
            cert: counts(&f.certification),
            women_managed: f.women_managed,
        },
        suggestion: r.suggestion,
    }))
}
