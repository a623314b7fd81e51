//! The OpenAPI document, generated from the handlers' annotations.
//!
//! Error answers are reusable responses (`#/components/responses/…`), each the one
//! [`ErrorEnvelope`](crate::error::ErrorEnvelope); every operation names the ones it can give:
//! 400 and 415 (and 413, 422) wherever a JSON body is read, 401 wherever a session is needed,
//! 429 and 503 with `Retry-After` where the server sheds load.

use axum::Json;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::openapi::{
    ContentBuilder, ObjectBuilder, Ref, RefOr, Response, ResponseBuilder, Type, header::Header,
};
use utoipa::{Modify, OpenApi};

/// An error response: the envelope, described.
fn error_response(description: &str) -> ResponseBuilder {
    ResponseBuilder::new().description(description).content(
        "application/json",
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("ErrorEnvelope")))
            .build(),
    )
}

/// `Retry-After`: whole seconds to wait before trying again.
fn retry_after() -> Header {
    let mut h = Header::new(
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(0))
            .maximum(Some(86_400)),
    );
    h.description = Some("Seconds to wait before trying again.".to_owned());
    h
}

macro_rules! error_responses {
    ($($name:ident $(+ $retry:ident)? => $description:literal;)*) => {
        $(
            #[doc = $description]
            pub struct $name;
            impl<'s> utoipa::ToResponse<'s> for $name {
                fn response() -> (&'s str, RefOr<Response>) {
                    #[allow(unused_mut)]
                    let mut r = error_response($description);
                    $(let _ = stringify!($retry); r = r.header("Retry-After", retry_after());)?
                    (stringify!($name), r.build().into())
                }
            }
        )*
    };
}

error_responses! {
    BadRequest => "Bad request: the body is not well-formed JSON, or the session cookie is malformed.";
    Unauthorized => "Not signed in: this operation needs a session (`POST /api/v1/session`).";
    Forbidden => "Signed in, but not allowed to do this.";
    NotFound => "No such resource (or not one this visitor may see).";
    PayloadTooLarge => "The body is over the size limit (64 KiB).";
    UnsupportedMediaType => "The body is not `application/json`.";
    Validation => "Validation failed: `error.fields` names every field in error, in the request's language.";
    Conflict => "The record's state refuses the change (an accepted report is frozen; a submitted one waits for the officer).";
    TooManyRequests + retry => "Too many requests: try again after `Retry-After` seconds.";
    Unavailable + retry => "Busy or unavailable for a moment: try again after `Retry-After` seconds.";
}

/// The session cookie, as the security scheme of the operations that need a session.
struct SessionCookie;

impl Modify for SessionCookie {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::session::SESSION_COOKIE,
                "The session cookie `POST /api/v1/session` and `POST /api/v1/accounts/confirm` set.",
            ))),
        );
    }
}

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
        super::lots::show_lot,
        super::lots::show_lot_epcis,
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
        super::plan::list_indicators,
        super::reports::show_progress,
        super::reports::list_reports,
        super::reports::show_report,
        super::reports::file_report,
        openapi_json,
    ),
    components(
        schemas(
            crate::error::ErrorEnvelope,
            crate::error::ErrorBody,
            crate::error::FieldMessage,
            super::schema::CooperativeKind,
            super::schema::DirectoryBadge,
            super::schema::SectorId,
            super::schema::CertificationId,
            super::schema::CommuneCode,
            super::schema::SearchType,
            super::schema::SearchSort,
            super::schema::SearchSeason,
            super::schema::FacetsFlag,
            super::schema::ExactFlag,
            super::schema::WomenFlag
        ),
        responses(
            BadRequest,
            Unauthorized,
            Forbidden,
            NotFound,
            PayloadTooLarge,
            UnsupportedMediaType,
            Validation,
            Conflict,
            TooManyRequests,
            Unavailable
        )
    ),
    modifiers(&SessionCookie)
)]
pub struct ApiDoc;

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta",
    responses((status = 200, description = "OpenAPI 3.1 document"),
              (status = 400, response = BadRequest)))]
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(document())
}

/// The document `GET /api/v1/openapi.json` serves.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
