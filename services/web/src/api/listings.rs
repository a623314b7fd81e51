//! Listings over JSON.

use crate::AppState;
use crate::api::openapi::{
    BadRequest, Forbidden, NotFound, PayloadTooLarge, Unauthorized, UnsupportedMediaType,
    Validation,
};
use crate::api::schema::{CategoryId, Month};
use crate::error::{AppError, FieldErrors, Msg};
use crate::extract::Query;
use crate::pages::listings::{ListingQuery, parse_listing_query};
use axum::Json;
use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use ketnoi_app::listings::Editor;
use ketnoi_db::listings::{self, Filter};
use ketnoi_domain::catalog::{self, ListingStatus, OfferKind, PriceTier};
use ketnoi_domain::listing::{Carried, Field, OfferField};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ListingSummary {
    #[schema(minimum = 1, maximum = 9223372036854775807_i64)]
    pub id: i64,
    pub external_id: Option<String>,
    pub title_vi: String,
    pub title_en: Option<String>,
    #[schema(value_type = CategoryId)]
    pub category: String,
    /// Lowest price in đồng per `unit` that anyone may see; `null` when the listing's only
    /// prices are wholesale prices its cooperative shows to verified trade buyers only.
    #[schema(minimum = 0, maximum = 10_000_000_000_i64)]
    pub min_price_vnd: Option<i64>,
    pub unit: String,
    /// How the listing is sold (its first offer).
    #[schema(value_type = Option<OfferKind>)]
    pub kind: Option<String>,
    pub cooperative_slug: String,
    pub cooperative_name: String,
    pub photo: Option<String>,
    /// From a verified, unexpired OCOP badge only.
    #[schema(minimum = 1, maximum = 5)]
    pub ocop_stars: Option<i64>,
    pub published_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ListingPage {
    pub items: Vec<ListingSummary>,
    #[schema(minimum = 1, maximum = 100_000)]
    pub page: i64,
    pub has_next: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ApiListingQuery {
    kind: String,
    page: String,
    category: String,
    cooperative: String,
}

/// One page (30) of published listings, newest first.
#[utoipa::path(get, path = "/api/v1/listings", tag = "listings",
    params(("kind" = Option<OfferKind>, Query, description = "how it is sold"),
           ("category" = Option<CategoryId>, Query, description = "category or group id"),
           ("cooperative" = Option<String>, Query, description = "cooperative id, external_id or slug"),
           ("page" = Option<i64>, Query, minimum = 1, maximum = 100_000, description = "1-based page number")),
    responses((status = 200, body = ListingPage), (status = 400, response = BadRequest),
              (status = 422, response = Validation)))]
pub async fn list_listings(
    State(state): State<AppState>,
    Query(q): Query<ApiListingQuery>,
) -> Result<Json<ListingPage>, AppError> {
    let (kind, page) = parse_listing_query(&ListingQuery {
        kind: q.kind.clone(),
        page: q.page.clone(),
        ..ListingQuery::default()
    })?;
    let mut filter = Filter {
        kind,
        ..Filter::default()
    };
    if !q.category.is_empty() {
        let c = catalog::category(&q.category).ok_or_else(|| {
            AppError::Validation(FieldErrors::single(
                "category",
                Msg::new("err-invalid-choice"),
            ))
        })?;
        if c.parent.is_none() {
            filter.group = Some(c.id.clone());
        } else {
            filter.category = Some(c.id.clone());
        }
    }
    if !q.cooperative.is_empty() {
        let org = super::orgs::find_org(&state, &q.cooperative)
            .await
            .map_err(|_| {
                AppError::Validation(FieldErrors::single(
                    "cooperative",
                    Msg::new("err-invalid-choice"),
                ))
            })?;
        filter.org_id = Some(org.id);
    }
    let today = ketnoi_domain::time::today_hanoi();
    let (limit, offset) = crate::pages::page_window(page);
    let (cards, has_next) = crate::pages::split_page(
        listings::public_cards(state.db.conn(), &filter, today, limit, offset).await?,
    );
    let items = cards
        .into_iter()
        .map(|c| ListingSummary {
            id: c.id,
            external_id: c.external_id,
            title_vi: c.title_vi,
            title_en: c.title_en,
            category: c.category_id,
            min_price_vnd: c.min_price,
            unit: c.unit,
            kind: c.kind,
            cooperative_slug: c.org_slug,
            cooperative_name: c.org_name,
            photo: c.photo,
            ocop_stars: c.ocop_stars,
            published_at: c.published_at,
        })
        .collect();
    Ok(Json(ListingPage {
        items,
        page,
        has_next,
    }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OfferJson {
    pub kind: OfferKind,
    /// Đồng per unit (per person for an experience). Absent from a wholesale offer whose
    /// cooperative shows its prices to verified trade buyers only, when the caller is not one
    /// (`prices_for_verified_buyers`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1, maximum = 10_000_000_000_i64)]
    pub price_vnd: Option<i64>,
    #[schema(minimum = 1, maximum = 1_000_000)]
    pub case_size: Option<i64>,
    #[schema(minimum = 1, maximum = 100_000_000)]
    pub min_order_qty: Option<i64>,
    #[schema(minimum = 1, maximum = 240)]
    pub duration_hours: Option<i64>,
    #[schema(minimum = 1, maximum = 1000)]
    pub max_group_size: Option<i64>,
    /// Absent when `price_vnd` is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_tiers: Option<Vec<PriceTier>>,
    /// The price and tiers are left out: the cooperative shows this wholesale offer's prices
    /// to verified trade buyers only (a buyer organisation whose tax code the Union verified).
    pub prices_for_verified_buyers: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ListingJson {
    #[schema(minimum = 1, maximum = 9223372036854775807_i64)]
    pub id: i64,
    pub external_id: Option<String>,
    #[schema(minimum = 1, maximum = 9223372036854775807_i64)]
    pub cooperative_id: i64,
    pub cooperative_slug: String,
    pub title_vi: String,
    pub title_en: Option<String>,
    pub description_vi: String,
    pub description_en: Option<String>,
    #[schema(value_type = CategoryId)]
    pub category: String,
    pub unit: String,
    /// `null` = made to order.
    #[schema(minimum = 0, maximum = 100_000_000)]
    pub stock: Option<i64>,
    /// Months in season, 1-12.
    #[schema(value_type = Vec<Month>)]
    pub months: Vec<u32>,
    pub origin_commune_code: Option<String>,
    pub certifications: Vec<String>,
    /// From a verified, unexpired OCOP badge only.
    #[schema(minimum = 1, maximum = 5)]
    pub ocop_stars: Option<i64>,
    pub status: ListingStatus,
    pub offers: Vec<OfferJson>,
    /// Storage keys; images at `/media/img/{key}-320.jpg` and `-800.jpg`.
    pub photos: Vec<String>,
    pub published_at: Option<DateTime<Utc>>,
}

/// One published listing, by internal id or `external_id`.
#[utoipa::path(get, path = "/api/v1/listings/{id}", tag = "listings",
    params(("id" = String, Path, description = "internal id or external_id")),
    responses((status = 200, body = ListingJson), (status = 400, response = BadRequest),
              (status = 404, response = NotFound)))]
pub async fn show_listing(
    State(state): State<AppState>,
    ctx: crate::context::Ctx,
    Path(id): Path<String>,
) -> Result<Json<ListingJson>, AppError> {
    if id.is_empty() || id.len() > 200 {
        return Err(AppError::NotFound);
    }
    let found = match id.parse::<i64>() {
        Ok(n) => listings::find(state.db.conn(), n).await?,
        Err(_) => None,
    };
    let l = match found {
        Some(l) => l,
        None => listings::find_by_external_id(state.db.conn(), &id)
            .await?
            .ok_or(AppError::NotFound)?,
    };
    if !l.is_public() {
        return Err(AppError::NotFound);
    }
    let org = ketnoi_db::orgs::find(state.db.conn(), l.org_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let visible = ketnoi_app::wholesale::prices_visible(
        state.db.conn(),
        ctx.user.as_ref().map(|u| u.id),
        org.id,
        org.wholesale_verified_only,
    )
    .await?;
    Ok(Json(listing_json(&state, l, &org, visible).await?))
}

#[derive(Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct TierInput {
    /// From this many units on (the first tier starts at the offer's `min_order_qty`).
    #[schema(required = true, minimum = 1, maximum = 100_000_000)]
    pub min_qty: i64,
    /// Đồng per unit.
    #[schema(required = true, minimum = 1, maximum = 10_000_000_000_i64)]
    pub price_vnd: i64,
}

#[derive(Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct OfferInput {
    #[schema(required = true, value_type = OfferKind)]
    pub kind: String,
    /// Đồng per unit (per person for an experience).
    #[schema(required = true, minimum = 1, maximum = 10_000_000_000_i64)]
    pub price_vnd: Option<i64>,
    /// Wholesale: units per case.
    #[schema(default = json!(null), minimum = 1, maximum = 1_000_000)]
    pub case_size: Option<i64>,
    /// Wholesale: the fewest units an order may have.
    #[schema(default = json!(null), minimum = 1, maximum = 100_000_000)]
    pub min_order_qty: Option<i64>,
    /// Experience: how long it lasts.
    #[schema(default = json!(null), minimum = 1, maximum = 240)]
    pub duration_hours: Option<i64>,
    /// Experience (required there): the largest group.
    #[schema(default = json!(null), minimum = 1, maximum = 1000)]
    pub max_group_size: Option<i64>,
    /// Wholesale only: quantities rising, prices falling or equal.
    #[schema(default = json!([]))]
    pub price_tiers: Vec<TierInput>,
}

/// A listing as a cooperative writes it. Missing fields read as empty, so every problem is
/// reported at once.
#[derive(Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ListingInput {
    #[schema(required = true)]
    pub title_vi: String,
    #[schema(default = json!(null))]
    pub title_en: Option<String>,
    #[schema(required = true)]
    pub description_vi: String,
    #[schema(default = json!(null))]
    pub description_en: Option<String>,
    /// A category id (a leaf category, preferably).
    #[schema(required = true, value_type = CategoryId)]
    pub category: String,
    #[schema(required = true)]
    pub unit: String,
    /// `null` = made to order.
    #[schema(default = json!(null), minimum = 0, maximum = 100_000_000)]
    pub stock: Option<i64>,
    /// Months in season (1-12); empty = all year.
    #[schema(default = json!([]), value_type = Vec<Month>)]
    pub months: Vec<u32>,
    /// Ward/commune code (see `/api/v1/communes`).
    #[schema(default = json!(null))]
    pub origin_commune_code: Option<String>,
    /// `vietgap`, `huu_co` or `ocop` (OCOP stars show only from verified badges)
    #[schema(default = json!([]))]
    pub certifications: Vec<String>,
    /// One to three ways of selling it.
    #[schema(required = true, min_items = 1, max_items = 3)]
    pub offers: Vec<OfferInput>,
}

/// The JSON path of a field of the listing rules.
fn api_field(f: Field) -> String {
    match f {
        Field::Offer(n, f) => {
            let name = match f {
                OfferField::Price => "price_vnd",
                OfferField::Tiers => "price_tiers",
                f => f.name(),
            };
            format!("offers[{n}].{name}")
        }
        f => f.name().to_owned(),
    }
}

/// The JSON body checked by the listing rules.
fn validate_input(i: &ListingInput) -> Result<listings::Draft, FieldErrors> {
    let input = ketnoi_domain::listing::ListingInput {
        title_vi: i.title_vi.clone(),
        title_en: i.title_en.clone().unwrap_or_default(),
        description_vi: i.description_vi.clone(),
        description_en: i.description_en.clone().unwrap_or_default(),
        category: i.category.clone(),
        unit: i.unit.clone(),
        stock: i.stock,
        months: i.months.clone(),
        origin_commune_code: i.origin_commune_code.clone().unwrap_or_default(),
        certifications: i.certifications.clone(),
        offers: i
            .offers
            .iter()
            .map(|o| ketnoi_domain::listing::OfferInput {
                kind: o.kind.clone(),
                price: o.price_vnd,
                case_size: o.case_size,
                min_order_qty: o.min_order_qty,
                duration_hours: o.duration_hours,
                max_group_size: o.max_group_size,
                tiers: o
                    .price_tiers
                    .iter()
                    .map(|t| PriceTier {
                        min_qty: t.min_qty,
                        price: ketnoi_domain::Vnd(t.price_vnd),
                    })
                    .collect(),
            })
            .collect(),
    };
    ketnoi_domain::listing::validate(&input)
        .map_err(|p| ketnoi_app::listings::field_errors(&p, api_field))
}

/// Who writes through the API for the cooperative of the path.
fn editor(ctx: &crate::context::Ctx, scope: &crate::policy::OrgScope) -> Editor {
    crate::pages::manage::editor(ctx, scope)
}

/// Creates a draft listing for the cooperative (its managers, or an officer with proxy rights).
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/listings", tag = "listings", request_body = ListingInput,
    params(("slug" = String, Path, description = "the cooperative's slug")),
    security(("session" = [])),
    responses((status = 201, body = ListingJson), (status = 400, response = BadRequest),
              (status = 401, response = Unauthorized), (status = 403, response = Forbidden),
              (status = 404, response = NotFound), (status = 413, response = PayloadTooLarge),
              (status = 415, response = UnsupportedMediaType), (status = 422, response = Validation)))]
pub async fn create_listing(
    State(state): State<AppState>,
    ctx: crate::context::Ctx,
    scope: crate::policy::OrgScope,
    crate::extract::Json(input): crate::extract::Json<ListingInput>,
) -> Result<axum::response::Response, AppError> {
    use axum::response::IntoResponse;
    let draft = validate_input(&input).map_err(AppError::Validation)?;
    let l = ketnoi_app::listings::create(&state.db, &editor(&ctx, &scope), &draft).await?;
    let body = listing_json(&state, l, &scope.org, true).await?;
    Ok((axum::http::StatusCode::CREATED, Json(body)).into_response())
}

/// Replaces what a listing says (its status is left as it is).
#[utoipa::path(put, path = "/api/v1/orgs/{slug}/listings/{id}", tag = "listings", request_body = ListingInput,
    params(("slug" = String, Path, description = "the cooperative's slug"),
           ("id" = i64, Path, minimum = 1, maximum = 9223372036854775807_i64)),
    security(("session" = [])),
    responses((status = 200, body = ListingJson), (status = 400, response = BadRequest),
              (status = 401, response = Unauthorized), (status = 403, response = Forbidden),
              (status = 404, response = NotFound), (status = 413, response = PayloadTooLarge),
              (status = 415, response = UnsupportedMediaType), (status = 422, response = Validation)))]
pub async fn update_listing(
    State(state): State<AppState>,
    ctx: crate::context::Ctx,
    scope: crate::policy::OrgScope,
    crate::extract::PathId(id): crate::extract::PathId,
    crate::extract::Json(input): crate::extract::Json<ListingInput>,
) -> Result<Json<ListingJson>, AppError> {
    let l = listings::find(state.db.conn(), id)
        .await?
        .filter(|l| l.org_id == scope.org.id)
        .ok_or(AppError::NotFound)?;
    let draft = validate_input(&input).map_err(AppError::Validation)?;
    ketnoi_app::listings::update(&state.db, &editor(&ctx, &scope), &l, draft, &Carried::API)
        .await?;
    let fresh = listings::find(state.db.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(listing_json(&state, fresh, &scope.org, true).await?))
}

#[derive(Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct StatusInput {
    #[schema(required = true, value_type = ListingStatus)]
    pub status: String,
}

/// Publishes, pauses, archives or returns a listing to draft.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/listings/{id}/status", tag = "listings", request_body = StatusInput,
    params(("slug" = String, Path, description = "the cooperative's slug"),
           ("id" = i64, Path, minimum = 1, maximum = 9223372036854775807_i64)),
    security(("session" = [])),
    responses((status = 200, body = ListingJson), (status = 400, response = BadRequest),
              (status = 401, response = Unauthorized), (status = 403, response = Forbidden),
              (status = 404, response = NotFound), (status = 413, response = PayloadTooLarge),
              (status = 415, response = UnsupportedMediaType), (status = 422, response = Validation)))]
pub async fn update_listing_status(
    State(state): State<AppState>,
    ctx: crate::context::Ctx,
    scope: crate::policy::OrgScope,
    crate::extract::PathId(id): crate::extract::PathId,
    crate::extract::Json(input): crate::extract::Json<StatusInput>,
) -> Result<Json<ListingJson>, AppError> {
    let l = listings::find(state.db.conn(), id)
        .await?
        .filter(|l| l.org_id == scope.org.id)
        .ok_or(AppError::NotFound)?;
    let status = ListingStatus::parse(&input.status).ok_or_else(|| {
        AppError::Validation(FieldErrors::single(
            "status",
            Msg::new("err-invalid-choice"),
        ))
    })?;
    ketnoi_app::listings::set_status(&state.db, &editor(&ctx, &scope), &l, status).await?;
    let fresh = listings::find(state.db.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(listing_json(&state, fresh, &scope.org, true).await?))
}

/// A listing as the API shows it, with its offers, photos and verified OCOP stars.
/// The listing as JSON; a wholesale offer's price and tiers are left out unless
/// `wholesale_visible` (see `ketnoi_app::wholesale::prices_visible`).
async fn listing_json(
    state: &AppState,
    l: listings::Listing,
    org: &ketnoi_db::orgs::Org,
    wholesale_visible: bool,
) -> Result<ListingJson, AppError> {
    let today = ketnoi_domain::time::today_hanoi();
    let offers = listings::offers(state.db.conn(), l.id).await?;
    Ok(ListingJson {
        ocop_stars: listings::ocop_stars(state.db.conn(), l.id, today).await?,
        photos: listings::photos(state.db.conn(), l.id).await?,
        offers: offers
            .into_iter()
            .map(|o| {
                let priced = ketnoi_app::wholesale::offer_priced(o.kind, wholesale_visible);
                OfferJson {
                    kind: o.kind,
                    price_vnd: Some(o.price.0).filter(|_| priced),
                    case_size: o.case_size,
                    min_order_qty: o.min_order_qty,
                    duration_hours: o.duration_hours,
                    max_group_size: o.max_group_size,
                    price_tiers: Some(o.tiers).filter(|_| priced),
                    prices_for_verified_buyers: !priced,
                }
            })
            .collect(),
        id: l.id,
        external_id: l.external_id,
        cooperative_id: org.id,
        cooperative_slug: org.slug.clone(),
        title_vi: l.title_vi,
        title_en: l.title_en,
        description_vi: l.description_vi,
        description_en: l.description_en,
        category: l.category_id,
        unit: l.unit,
        stock: l.stock,
        months: l.months.list(),
        origin_commune_code: l.origin_commune_code,
        certifications: l.certifications,
        status: l.status,
        published_at: l.published_at,
    })
}
