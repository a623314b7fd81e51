//! The OpenAPI document, generated from the handlers' annotations.

use axum::Json;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Ketnoi API",
        version = "1",
        description = "Cooperatives managed by women in Hanoi: directory, accounts and reference data."
    ),
    paths(
        super::reference::list_communes,
        super::reference::list_provinces,
        super::orgs::list_cooperatives,
        super::orgs::show_cooperative,
        super::listings::list_listings,
        super::listings::show_listing,
        super::search::search,
        super::listings::create_listing,
        super::listings::update_listing,
        super::listings::update_listing_status,
        super::orgs::list_members,
        super::accounts::create_account,
        super::accounts::confirm_account,
        super::accounts::create_session,
        super::accounts::delete_session,
        super::accounts::show_me,
        super::orders::list_orders,
        super::orders::show_order,
        openapi_json,
    ),
    components(schemas(
        crate::error::ErrorEnvelope,
        crate::error::ErrorBody,
        crate::error::FieldMessage
    ))
)]
pub struct ApiDoc;

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta", responses((status = 200, description = "OpenAPI 3.1 document")))]
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
