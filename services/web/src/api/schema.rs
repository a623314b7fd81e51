//! Schemas of values whose allowed set is data rather than a Rust enum (the category ids of
//! `data/categories.json`), used with `#[schema(value_type = …)]` and in `params(…)`.

use ketnoi_domain::catalog;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{PartialSchema, ToSchema};

/// A category id: one of the groups or categories of `data/categories.json` (listings are
/// filed under a category; a group id stands for all of its categories in filters).
pub struct CategoryId;

impl PartialSchema for CategoryId {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "A category or group id of the taxonomy (`data/categories.json`).",
            ))
            .enum_values(Some(catalog::categories().iter().map(|c| c.id.clone())))
            .into()
    }
}

impl ToSchema for CategoryId {}

/// A month of the year, 1 (January) to 12.
pub struct Month;

impl PartialSchema for Month {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(1))
            .maximum(Some(12))
            .into()
    }
}

impl ToSchema for Month {}
