//! The city plan's register: its indicators and targets (issue 16).

use crate::AppState;
use crate::api::openapi::BadRequest;
use crate::error::AppError;
use axum::Json;
use axum::extract::State;
use ketnoi_domain::plan::{Indicator, Measure, Target};
use serde::Serialize;

/// A target as a comparison and a number.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TargetJson {
    /// `≥`, `>` or `=`.
    #[schema(example = "≥")]
    pub comparison: &'static str,
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    pub value: i64,
    /// As people read it: `≥ 30`, `100%`.
    #[schema(example = "≥ 30")]
    pub label: String,
}

/// One of the plan's indicators.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IndicatorJson {
    #[schema(example = "htx-supported")]
    pub id: String,
    pub name_vi: String,
    pub name_en: String,
    /// `count` or `percent`.
    pub measure: Measure,
    pub target_2025: Option<TargetJson>,
    pub target_2030: Option<TargetJson>,
    /// How it is computed.
    pub method_vi: String,
    pub method_en: String,
}

fn target(t: Option<Target>, m: Measure) -> Option<TargetJson> {
    t.map(|t| TargetJson {
        comparison: t.sign(),
        value: t.value,
        label: t.label(m),
    })
}

impl From<Indicator> for IndicatorJson {
    fn from(i: Indicator) -> IndicatorJson {
        IndicatorJson {
            target_2025: target(i.target_2025, i.measure),
            target_2030: target(i.target_2030, i.measure),
            id: i.id,
            name_vi: i.name_vi,
            name_en: i.name_en,
            measure: i.measure,
            method_vi: i.method_vi,
            method_en: i.method_en,
        }
    }
}

/// The plan's indicators with their 2025 and 2030 targets, in the plan's order.
#[utoipa::path(get, path = "/api/v1/plan/indicators", tag = "plan",
    responses((status = 200, body = [IndicatorJson]), (status = 400, response = BadRequest)))]
pub async fn list_indicators(
    State(state): State<AppState>,
) -> Result<Json<Vec<IndicatorJson>>, AppError> {
    let register = ketnoi_db::plan::register(&state.db).await?;
    Ok(Json(
        register.indicators.into_iter().map(Into::into).collect(),
    ))
}
