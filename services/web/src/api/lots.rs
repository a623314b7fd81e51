//! Lots over JSON, for the national traceability portal, the city's systems and buyers'
//! own: what a lot's trace page shows (no names of people), and its EPCIS 2.0 document.
//! Trace records are public by design: a stamp on a pack is meant to be read by anyone.

use crate::AppState;
use crate::api::openapi::{BadRequest, NotFound};
use crate::error::AppError;
use crate::extract::PathId;
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use ketnoi_app::trace::lot_uri;
use ketnoi_db::trace::{self, Lot};
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LotRefJson {
    #[schema(minimum = 1, maximum = 9223372036854775807_i64)]
    pub id: i64,
    pub code: String,
    /// Its GS1 Digital Link (or our trace code's equivalent path) on this site.
    pub uri: String,
    pub product: String,
    pub cooperative_slug: String,
    pub cooperative_name: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StepJson {
    /// EPCIS-model step: `commissioning`, `transforming`, `packing`, `shipping`, `receiving`.
    pub step: String,
    pub occurred_at: DateTime<Utc>,
    /// The offset from UTC it was recorded in, in minutes (+420: Hanoi).
    #[schema(minimum = -840, maximum = 840)]
    pub offset_minutes: i64,
    pub place: Option<String>,
    pub commune_code: Option<String>,
    #[schema(minimum = 1, maximum = 9223372036854775807_i64)]
    pub quantity: Option<i64>,
}

/// Whether a lot is in circulation or recalled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LotStatus {
    Active,
    Recalled,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LotJson {
    #[schema(minimum = 1, maximum = 9223372036854775807_i64)]
    pub id: i64,
    pub code: String,
    pub uri: String,
    #[schema(minimum = 1, maximum = 9223372036854775807_i64)]
    pub listing_id: i64,
    pub product: String,
    pub product_en: Option<String>,
    /// Our own trace code: `KN` + 7-digit cooperative + 5-digit product + check digit.
    pub trace_code: String,
    /// GTIN-14, when the cooperative has one.
    pub gtin: Option<String>,
    pub cooperative_slug: String,
    pub cooperative_name: String,
    pub produced_on: NaiveDate,
    pub expires_on: Option<NaiveDate>,
    #[schema(minimum = 1, maximum = 9223372036854775807_i64)]
    pub quantity: i64,
    pub unit: String,
    pub commune_code: Option<String>,
    pub status: LotStatus,
    pub recalled_at: Option<DateTime<Utc>>,
    pub recall_reason: Option<String>,
    #[schema(minimum = 0, maximum = 9223372036854775807_i64)]
    pub stamps: i64,
    /// One step back: the lots it was made from.
    pub inputs: Vec<LotRefJson>,
    pub steps: Vec<StepJson>,
}

fn lot_ref(public: &str, l: &Lot) -> LotRefJson {
    LotRefJson {
        id: l.id,
        code: l.code.clone(),
        uri: lot_uri(public, l, None),
        product: l.title_vi.clone(),
        cooperative_slug: l.org_slug.clone(),
        cooperative_name: l.org_name.clone(),
    }
}

/// One lot: product, cooperative, dates, place, inputs and steps.
#[utoipa::path(get, path = "/api/v1/lots/{id}", tag = "traceability",
    params(("id" = i64, Path, minimum = 1, maximum = 9223372036854775807_i64)),
    responses((status = 200, body = LotJson), (status = 400, response = BadRequest),
              (status = 404, response = NotFound)))]
pub async fn show_lot(
    State(state): State<AppState>,
    PathId(id): PathId,
) -> Result<Json<LotJson>, AppError> {
    let mut db = state.db.lease().await?;
    let lot = trace::lot(db.conn(), id).await?.ok_or(AppError::NotFound)?;
    let inputs = trace::inputs(db.conn(), id).await?;
    let events = trace::events_of(db.conn(), id).await?;
    drop(db);
    let public = &state.config.public_url;
    Ok(Json(LotJson {
        id: lot.id,
        uri: lot_uri(public, &lot, None),
        code: lot.code.clone(),
        listing_id: lot.listing_id,
        product: lot.title_vi.clone(),
        product_en: lot.title_en.clone(),
        trace_code: lot.product_code.clone(),
        gtin: lot.gtin.clone(),
        cooperative_slug: lot.org_slug.clone(),
        cooperative_name: lot.org_name.clone(),
        produced_on: lot.produced_on,
        expires_on: lot.expires_on,
        quantity: lot.quantity,
        unit: lot.unit.clone(),
        commune_code: lot.commune_code.clone(),
        status: if lot.is_recalled() {
            LotStatus::Recalled
        } else {
            LotStatus::Active
        },
        recalled_at: lot.recalled_at,
        recall_reason: lot.recall_reason.clone(),
        stamps: lot.stamps,
        inputs: inputs.iter().map(|i| lot_ref(public, i)).collect(),
        steps: events
            .into_iter()
            .map(|e| StepJson {
                step: e.step,
                occurred_at: e.occurred_at,
                offset_minutes: e.offset_minutes,
                place: e.place,
                commune_code: e.commune_code,
                quantity: e.quantity,
            })
            .collect(),
    }))
}

/// One lot's steps as an EPCIS 2.0 JSON-LD document (`EPCISDocument`), for upload to a
/// traceability system.
#[utoipa::path(get, path = "/api/v1/lots/{id}/epcis", tag = "traceability",
    params(("id" = i64, Path, minimum = 1, maximum = 9223372036854775807_i64)),
    responses((status = 200, description = "EPCIS 2.0 document", content_type = "application/ld+json", body = Object),
              (status = 400, response = BadRequest), (status = 404, response = NotFound)))]
pub async fn show_lot_epcis(
    State(state): State<AppState>,
    PathId(id): PathId,
) -> Result<Response, AppError> {
    let lot = trace::lot(state.db.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let doc =
        ketnoi_app::trace::epcis_lot(&state.db, &state.config.public_url, &lot, false).await?;
    Ok((
        [(header::CONTENT_TYPE, "application/ld+json")],
        doc.to_string(),
    )
        .into_response())
}
