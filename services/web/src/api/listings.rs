//! Listings over JSON.

use crate::AppState;
use crate::error::{AppError, ErrorEnvelope, FieldErrors, Msg};
use crate::extract::Query;
use crate::pages::listings::{ListingQuery, parse_listing_query};
use axum::Json;
use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use ketnoi_db::listings::{self, Filter};
use ketnoi_domain::catalog::{self, ListingStatus, PriceTier};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ListingSummary {
    pub id: i64,
    pub external_id: Option<String>,
    pub title_vi: String,
    pub title_en: Option<String>,
    pub category: String,
    /// Lowest price in đồng per `unit`.
    pub min_price_vnd: i64,
    pub unit: String,
    pub kind: Option<String>,
    pub cooperative_slug: String,
    pub cooperative_name: String,
    pub photo: Option<String>,
    /// From a verified, unexpired OCOP badge only.
    pub ocop_stars: Option<i64>,
    pub published_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ListingPage {
    pub items: Vec<ListingSummary>,
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
    params(("kind" = Option<String>, Query, description = "retail, wholesale or experience"),
           ("category" = Option<String>, Query, description = "category or group id"),
           ("cooperative" = Option<String>, Query, description = "cooperative id, external_id or slug"),
           ("page" = Option<i64>, Query, description = "1-based page number")),
    responses((status = 200, body = ListingPage), (status = 422, body = ErrorEnvelope)))]
pub async fn list_listings(
    State(state): State<AppState>,
    Query(q): Query<ApiListingQuery>,
) -> Result<Json<ListingPage>, AppError> {
    let (kind, page) = parse_listing_query(&ListingQuery {
        kind: q.kind.clone(),
        page: q.page.clone(),
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
    pub kind: String,
    pub price_vnd: i64,
    pub case_size: Option<i64>,
    pub min_order_qty: Option<i64>,
    pub duration_hours: Option<i64>,
    pub max_group_size: Option<i64>,
    pub price_tiers: Vec<PriceTier>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ListingJson {
    pub id: i64,
    pub external_id: Option<String>,
    pub cooperative_id: i64,
    pub cooperative_slug: String,
    pub title_vi: String,
    pub title_en: Option<String>,
    pub description_vi: String,
    pub description_en: Option<String>,
    pub category: String,
    pub unit: String,
    /// `null` = made to order.
    pub stock: Option<i64>,
    /// Months in season, 1-12.
    pub months: Vec<u32>,
    pub origin_commune_code: Option<String>,
    pub certifications: Vec<String>,
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
    responses((status = 200, body = ListingJson), (status = 404, body = ErrorEnvelope)))]
pub async fn show_listing(
    State(state): State<AppState>,
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
    Ok(Json(listing_json(&state, l, &org).await?))
}

#[derive(Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct TierInput {
    pub min_qty: i64,
    pub price_vnd: i64,
}

#[derive(Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct OfferInput {
    /// retail, wholesale or experience
    pub kind: String,
    pub price_vnd: i64,
    pub case_size: Option<i64>,
    pub min_order_qty: Option<i64>,
    pub duration_hours: Option<i64>,
    pub max_group_size: Option<i64>,
    pub price_tiers: Vec<TierInput>,
}

/// A listing as a cooperative writes it. Missing fields read as empty, so every problem is
/// reported at once.
#[derive(Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ListingInput {
    pub title_vi: String,
    pub title_en: Option<String>,
    pub description_vi: String,
    pub description_en: Option<String>,
    /// A leaf category id.
    pub category: String,
    pub unit: String,
    /// `null` = made to order.
    pub stock: Option<i64>,
    /// Months in season (1-12); empty = all year.
    pub months: Vec<u32>,
    pub origin_commune_code: Option<String>,
    /// `vietgap`, `huu_co`
    pub certifications: Vec<String>,
    /// One or more ways of selling it.
    pub offers: Vec<OfferInput>,
}

fn validate_input(i: &ListingInput) -> Result<listings::Draft, FieldErrors> {
    use ketnoi_domain::text;
    let mut e = FieldErrors::default();
    let title_vi = e.check("title_vi", text::required_line(&i.title_vi, 200));
    let title_en = e
        .check(
            "title_en",
            text::optional_line(i.title_en.as_deref().unwrap_or(""), 200),
        )
        .flatten();
    let description_vi = e.check(
        "description_vi",
        text::optional_block(&i.description_vi, 5000)
            .and_then(|d| d.ok_or(ketnoi_domain::text::TextError::Required)),
    );
    let description_en = e
        .check(
            "description_en",
            text::optional_block(i.description_en.as_deref().unwrap_or(""), 5000),
        )
        .flatten();
    let category = e.check(
        "category",
        catalog::category(&i.category)
            .filter(|c| c.parent.is_some())
            .map(|c| c.id.clone())
            .ok_or(Msg::new("err-invalid-choice")),
    );
    let unit = e.check(
        "unit",
        Some(i.unit.trim())
            .filter(|u| catalog::is_unit(u))
            .map(str::to_owned)
            .ok_or(Msg::new("err-invalid-choice")),
    );
    if i.stock.is_some_and(|s| s < 0) {
        e.add("stock", Msg::new("err-invalid-number"));
    }
    if i.months.iter().any(|m| !(1..=12).contains(m)) {
        e.add("months", Msg::new("err-invalid-number"));
    }
    let months = if i.months.is_empty() {
        catalog::Months::ALL
    } else {
        catalog::Months::from_list(&i.months)
    };
    let origin = match i.origin_commune_code.as_deref() {
        None | Some("") => None,
        Some(c) => e.check(
            "origin_commune_code",
            ketnoi_domain::admin_units::commune(c)
                .map(|c| c.code.clone())
                .ok_or(Msg::new("err-invalid-choice")),
        ),
    };
    if i.certifications
        .iter()
        .any(|c| !matches!(c.as_str(), "vietgap" | "huu_co"))
    {
        e.add("certifications", Msg::new("err-invalid-choice"));
    }
    if i.offers.is_empty() || i.offers.len() > 3 {
        e.add("offers", Msg::new("err-offers-count"));
    }
    let mut offers = Vec::new();
    for (n, o) in i.offers.iter().enumerate() {
        let field = |f: &str| format!("offers[{n}].{f}");
        let kind = e.check(
            &field("kind"),
            catalog::OfferKind::parse(&o.kind).ok_or(Msg::new("err-invalid-choice")),
        );
        if !(1..=10_000_000_000).contains(&o.price_vnd) {
            e.add(&field("price_vnd"), Msg::new("err-price-invalid"));
        }
        let tiers: Vec<PriceTier> = o
            .price_tiers
            .iter()
            .map(|t| PriceTier {
                min_qty: t.min_qty,
                price: ketnoi_domain::Vnd(t.price_vnd),
            })
            .collect();
        if !catalog::tiers_are_valid(&tiers) {
            e.add(&field("price_tiers"), Msg::new("err-tiers-order"));
        }
        if kind != Some(catalog::OfferKind::Wholesale) && !tiers.is_empty() {
            e.add(&field("price_tiers"), Msg::new("err-tiers-wholesale-only"));
        }
        if let (Some(min), Some(first)) = (o.min_order_qty, tiers.first())
            && first.min_qty != min
        {
            e.add(&field("price_tiers"), Msg::new("err-tiers-start"));
        }
        if kind == Some(catalog::OfferKind::Experience) && o.max_group_size.is_none_or(|g| g <= 0) {
            e.add(&field("max_group_size"), Msg::new("err-required"));
        }
        for (f, v) in [
            ("case_size", o.case_size),
            ("min_order_qty", o.min_order_qty),
            ("duration_hours", o.duration_hours),
        ] {
            if v.is_some_and(|v| v <= 0) {
                e.add(&field(f), Msg::new("err-invalid-number"));
            }
        }
        if let Some(kind) = kind {
            offers.push(listings::Offer {
                kind,
                price: ketnoi_domain::Vnd(o.price_vnd),
                case_size: o.case_size,
                min_order_qty: o.min_order_qty,
                duration_hours: o.duration_hours,
                max_group_size: o.max_group_size,
                tiers,
            });
        }
    }
    match (title_vi, description_vi, category, unit, e.is_empty()) {
        (Some(title_vi), Some(description_vi), Some(category_id), Some(unit), true) => {
            Ok(listings::Draft {
                title_vi,
                title_en,
                description_vi,
                description_en,
                category_id,
                unit,
                stock: i.stock,
                months,
                origin_commune_code: origin,
                certifications: i.certifications.clone(),
                ocop_claim: None,
                offers,
            })
        }
        _ => Err(e),
    }
}

/// Audit entry for a change made through the API.
async fn log_change(
    state: &AppState,
    ctx: &crate::context::Ctx,
    scope: &crate::policy::OrgScope,
    id: i64,
    action: &str,
    after: String,
) -> Result<(), AppError> {
    ketnoi_db::audit::record(
        state.db.conn(),
        &ketnoi_db::audit::Entry {
            org_id: Some(scope.org.id),
            actor_id: ctx.user.as_ref().map(|u| u.id),
            on_behalf_of: scope.role.is_none().then_some(scope.org.id),
            entity: "listing",
            entity_id: id.to_string(),
            action,
            before: None,
            after: Some(after),
        },
    )
    .await?;
    Ok(())
}

/// Creates a draft listing for the cooperative (its managers, or an officer with proxy rights).
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/listings", tag = "listings", request_body = ListingInput,
    params(("slug" = String, Path)),
    responses((status = 201, body = ListingJson), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
              (status = 422, body = ErrorEnvelope)))]
pub async fn create_listing(
    State(state): State<AppState>,
    ctx: crate::context::Ctx,
    scope: crate::policy::OrgScope,
    crate::extract::Json(input): crate::extract::Json<ListingInput>,
) -> Result<axum::response::Response, AppError> {
    use axum::response::IntoResponse;
    let draft = validate_input(&input).map_err(AppError::Validation)?;
    let mut tx = state.db.begin().await?;
    let l = listings::create(&mut tx, scope.org.id, None, &draft, ListingStatus::Draft).await?;
    tx.commit().await?;
    log_change(
        &state,
        &ctx,
        &scope,
        l.id,
        "create",
        format!("{} (API)", l.title_vi),
    )
    .await?;
    let body = listing_json(&state, l, &scope.org).await?;
    Ok((axum::http::StatusCode::CREATED, Json(body)).into_response())
}

/// Replaces what a listing says (its status is left as it is).
#[utoipa::path(put, path = "/api/v1/orgs/{slug}/listings/{id}", tag = "listings", request_body = ListingInput,
    params(("slug" = String, Path), ("id" = i64, Path)),
    responses((status = 200, body = ListingJson), (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
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
    let mut draft = validate_input(&input).map_err(AppError::Validation)?;
    draft.ocop_claim = l.ocop_claim;
    let mut tx = state.db.begin().await?;
    listings::update(&mut tx, l.id, &draft).await?;
    tx.commit().await?;
    log_change(
        &state,
        &ctx,
        &scope,
        l.id,
        "update",
        format!("{} (API)", draft.title_vi),
    )
    .await?;
    let fresh = listings::find(state.db.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(listing_json(&state, fresh, &scope.org).await?))
}

#[derive(Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct StatusInput {
    /// draft, published, paused or archived
    pub status: String,
}

/// Publishes, pauses, archives or returns a listing to draft.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/listings/{id}/status", tag = "listings", request_body = StatusInput,
    params(("slug" = String, Path), ("id" = i64, Path)),
    responses((status = 200, body = ListingJson), (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
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
    listings::set_status(state.db.conn(), l.id, status).await?;
    log_change(
        &state,
        &ctx,
        &scope,
        l.id,
        "status",
        status.as_str().to_owned(),
    )
    .await?;
    let fresh = listings::find(state.db.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(listing_json(&state, fresh, &scope.org).await?))
}

/// A listing as the API shows it, with its offers, photos and verified OCOP stars.
async fn listing_json(
    state: &AppState,
    l: listings::Listing,
    org: &ketnoi_db::orgs::Org,
) -> Result<ListingJson, AppError> {
    let today = ketnoi_domain::time::today_hanoi();
    let offers = listings::offers(state.db.conn(), l.id).await?;
    Ok(ListingJson {
        ocop_stars: listings::ocop_stars(state.db.conn(), l.id, today).await?,
        photos: listings::photos(state.db.conn(), l.id).await?,
        offers: offers
            .into_iter()
            .map(|o| OfferJson {
                kind: o.kind.as_str().to_owned(),
                price_vnd: o.price.0,
                case_size: o.case_size,
                min_order_qty: o.min_order_qty,
                duration_hours: o.duration_hours,
                max_group_size: o.max_group_size,
                price_tiers: o.tiers,
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
