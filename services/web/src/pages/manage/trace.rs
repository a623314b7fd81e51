//! A cooperative's traceability page (phone-first, no JavaScript needed): her traceable
//! products with their codes and GTINs, her lots, the stamps flagged as copied, and the
//! exports for the national portal. Her lots' own pages are in [`super::lots`]. Proxy
//! officers reach them too (the route's `OrgManager` access), and every change is audited
//! as theirs.

use super::editor;
use crate::AppState;
use crate::context::Ctx;
use crate::error::{AppError, FieldErrors, Msg};
use crate::extract::{Form, Query};
use crate::pages::{
    Layout, attachment, localized, localized_lang, render, render_status, see_other,
};
use crate::policy::OrgScope;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ketnoi_app::trace as app;
use ketnoi_db::trace::{self, Lot, Refused};
use ketnoi_domain::trace::{Gtin, GtinError};
use serde::Deserialize;

pub(super) const LOTS_SHOWN: i64 = 200;

/// A lot in a list.
pub struct LotRow {
    pub id: i64,
    pub title: String,
    pub lang: &'static str,
    pub code: String,
    pub produced_on: String,
    pub stamps: i64,
    pub recalled: bool,
}

pub(super) fn lot_row(ctx: &Ctx, l: &Lot) -> LotRow {
    LotRow {
        id: l.id,
        title: localized(ctx.locale, &l.title_vi, l.title_en.as_deref()),
        lang: localized_lang(ctx.locale, l.title_en.as_deref()),
        code: l.code.clone(),
        produced_on: l.produced_on.format("%d/%m/%Y").to_string(),
        stamps: l.stamps,
        recalled: l.is_recalled(),
    }
}

/// A traceable product.
pub struct ProductView {
    pub listing_id: i64,
    pub title: String,
    pub lang: &'static str,
    pub code: String,
    pub gtin: String,
    pub lots: i64,
}

/// A stamp flagged as possibly copied.
pub struct FlagView {
    pub lot_id: i64,
    pub lot: String,
    pub title: String,
    pub serial: String,
    pub scans: i64,
    pub clients: i64,
    pub when: String,
}

#[derive(Template)]
#[template(path = "manage/trace.html")]
struct TraceHomePage {
    layout: Layout,
    slug: String,
    name: String,
    products: Vec<ProductView>,
    untraced: Vec<(i64, String, &'static str)>,
    form: ProductForm,
    errors: FieldErrors,
    lots: Vec<LotRow>,
    flagged: Vec<FlagView>,
    saved: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ProductForm {
    pub csrf: String,
    pub listing_id: String,
    pub gtin: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SavedQuery {
    pub saved: String,
    pub told: String,
}

async fn home_page(
    state: &AppState,
    ctx: &Ctx,
    scope: &OrgScope,
    form: ProductForm,
    errors: FieldErrors,
    saved: bool,
) -> Result<TraceHomePage, AppError> {
    let org = scope.org.id;
    let mut db = state.db.lease().await?;
    let products = trace::products_of(db.conn(), org).await?;
    let listings = ketnoi_db::listings::of_org(db.conn(), org).await?;
    let lots = trace::lots_of(db.conn(), org, LOTS_SHOWN).await?;
    let flagged = trace::flagged(db.conn(), org, 50).await?;
    drop(db);
    let untraced = listings
        .iter()
        .filter(|l| !products.iter().any(|p| p.listing_id == l.id))
        .filter(|l| l.status != ketnoi_domain::catalog::ListingStatus::Archived)
        .map(|l| {
            (
                l.id,
                localized(ctx.locale, &l.title_vi, l.title_en.as_deref()),
                localized_lang(ctx.locale, l.title_en.as_deref()),
            )
        })
        .collect();
    Ok(TraceHomePage {
        layout: Layout::titled(ctx, "trace-title"),
        slug: scope.org.slug.clone(),
        name: scope.org.name.clone(),
        products: products
            .iter()
            .map(|p| ProductView {
                listing_id: p.listing_id,
                title: localized(ctx.locale, &p.title_vi, p.title_en.as_deref()),
                lang: localized_lang(ctx.locale, p.title_en.as_deref()),
                code: p.code.clone(),
                gtin: p.gtin.clone().unwrap_or_default(),
                lots: p.lots,
            })
            .collect(),
        untraced,
        form,
        errors,
        lots: lots.iter().map(|l| lot_row(ctx, l)).collect(),
        flagged: flagged
            .iter()
            .map(|f| FlagView {
                lot_id: f.lot_id,
                lot: f.lot_code.clone(),
                title: f.title_vi.clone(),
                serial: f.serial.clone(),
                scans: f.scans,
                clients: f.clients,
                when: ketnoi_domain::time::format_hanoi(f.flagged_at),
            })
            .collect(),
        saved,
    })
}

/// `GET /orgs/{slug}/trace`: her products, lots and flagged stamps.
pub async fn show_trace(
    State(state): State<AppState>,
    ctx: Ctx,
    scope: OrgScope,
    Query(q): Query<SavedQuery>,
) -> Result<Response, AppError> {
    let page = home_page(
        &state,
        &ctx,
        &scope,
        ProductForm::default(),
        FieldErrors::default(),
        !q.saved.is_empty(),
    )
    .await?;
    render(&page)
}

/// The message for a GTIN that is not one.
pub fn gtin_error(e: &GtinError) -> Msg {
    match e {
        GtinError::CheckDigit { expected } => Msg {
            key: "err-gtin-check",
            args: vec![("digit", expected.to_string())],
        },
        GtinError::Length => Msg::new("err-gtin-length"),
        GtinError::NotDigits => Msg::new("err-gtin-digits"),
    }
}

/// `POST /orgs/{slug}/trace/products`: makes a listing traceable, with its GTIN if any.
pub async fn enable_product(
    State(state): State<AppState>,
    ctx: Ctx,
    scope: OrgScope,
    Form(form): Form<ProductForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    let mut e = FieldErrors::default();
    let listing = match form.listing_id.trim().parse::<i64>() {
        Ok(id) => ketnoi_db::listings::find(state.db.conn(), id)
            .await?
            .filter(|l| l.org_id == scope.org.id),
        Err(_) => None,
    };
    if listing.is_none() {
        e.add("listing_id", Msg::new("err-invalid-choice"));
    }
    let gtin = match form.gtin.trim() {
        "" => None,
        g => e.check("gtin", Gtin::parse(g).map_err(|x| gtin_error(&x))),
    };
    if let (Some(l), true) = (&listing, e.is_empty()) {
        match app::enable_product(&state.db, &editor(&ctx, &scope), l.id, gtin.as_ref()).await? {
            Ok(_) => {
                return Ok(see_other(&format!(
                    "/orgs/{}/trace?saved=1",
                    scope.org.slug
                )));
            }
            Err(Refused::GtinTaken) => e.add("gtin", Msg::new("err-gtin-taken")),
            Err(_) => e.add("listing_id", Msg::new("err-trace-products-full")),
        }
    }
    let page = home_page(&state, &ctx, &scope, form, e, false).await?;
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

/// `GET /orgs/{slug}/trace/{file}`: `lots.csv`, `lots.xlsx` or `epcis.jsonld` of every lot.
pub async fn export_trace(
    State(state): State<AppState>,
    scope: OrgScope,
    Path((_slug, file)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let public = &state.config.public_url;
    let stem = format!("truy-xuat-{}", scope.org.slug);
    match file.as_str() {
        "epcis.jsonld" => {
            let doc = app::epcis_org(&state.db, public, scope.org.id).await?;
            Ok(attachment(
                "application/ld+json",
                &format!("{stem}.jsonld"),
                doc.to_string(),
            ))
        }
        "lots.csv" | "lots.xlsx" => {
            let table = app::lots_table(&state.db, public, scope.org.id).await?;
            if file.ends_with(".csv") {
                Ok(attachment(
                    "text/csv; charset=utf-8",
                    &format!("{stem}.csv"),
                    ketnoi_sheets::write_csv(&table),
                ))
            } else {
                let bytes = ketnoi_sheets::write_xlsx(&table, "Lo hang")
                    .map_err(|e| AppError::internal(anyhow::anyhow!(e)))?;
                Ok(attachment(
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    &format!("{stem}.xlsx"),
                    bytes,
                ))
            }
        }
        _ => Ok(AppError::NotFound.into_response()),
    }
}
