//! Reference data: Hanoi's wards and communes, Vietnam's provinces.

use crate::api::openapi::BadRequest;
use axum::Json;
use ketnoi_domain::admin_units::{self, Commune, Province};

/// Hanoi's 126 wards (phường) and communes (xã) since 1 July 2025.
#[utoipa::path(get, path = "/api/v1/communes", tag = "reference",
    responses((status = 200, body = [Commune]), (status = 400, response = BadRequest)))]
pub async fn list_communes() -> Json<&'static [Commune]> {
    Json(admin_units::hanoi_communes())
}

/// Vietnam's 34 provinces and centrally-governed cities.
#[utoipa::path(get, path = "/api/v1/provinces", tag = "reference",
    responses((status = 200, body = [Province]), (status = 400, response = BadRequest)))]
pub async fn list_provinces() -> Json<&'static [Province]> {
    Json(admin_units::provinces())
}
