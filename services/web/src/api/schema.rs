//! Schemas of values whose allowed set is data rather than a Rust enum (the category ids of
//! `data/categories.json`), used with `#[schema(value_type = …)]` and in `params(…)`.

use ketnoi_domain::catalog::{self, BadgeKind};
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

/// A string query parameter that takes one of a fixed list of values.
macro_rules! string_enum {
    ($($(#[$doc:meta])* $name:ident => $values:expr;)*) => {
        $(
            $(#[$doc])*
            pub struct $name;
            impl PartialSchema for $name {
                fn schema() -> RefOr<Schema> {
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .enum_values(Some($values))
                        .into()
                }
            }
            impl ToSchema for $name {}
        )*
    };
}

string_enum! {
    /// A kind of cooperative: `htx` (hợp tác xã) or `tht` (tổ hợp tác).
    CooperativeKind => ketnoi_domain::org::OrgKind::ALL
        .into_iter()
        .filter(|k| k.is_cooperative())
        .map(|k| k.as_str());
    /// The badges the directory filters by.
    DirectoryBadge => [BadgeKind::Vietgap, BadgeKind::Organic, BadgeKind::WomenManaged]
        .into_iter()
        .map(BadgeKind::as_str);
    /// A sector id of `data/categories.json`.
    SectorId => catalog::sectors().iter().map(|s| s.id.clone());
    /// A certification id of `data/categories.json`.
    CertificationId => catalog::certifications().iter().map(|c| c.id.clone());
    /// A Hanoi ward or commune code (see `/api/v1/communes`).
    CommuneCode => ketnoi_domain::admin_units::hanoi_communes().iter().map(|c| c.code.clone());
    /// What a search hit is.
    SearchType => ["listing", "cooperative"];
    /// The order of search hits (`distance` needs `lat` and `lon`).
    SearchSort => ["relevance", "price_asc", "price_desc", "newest", "distance"];
    /// In season: a month, 1 to 12, or `now`.
    SearchSeason => std::iter::once("now".to_owned()).chain((1..=12).map(|m| m.to_string()));
    /// `0` or `false` leaves the facet counts out.
    FacetsFlag => ["1", "true", "0", "false"];
    /// `1` searches the words as typed, without reading filters out of them.
    ExactFlag => ["0", "1"];
    /// `1`, `true` or `on`: verified women-managed cooperatives only.
    WomenFlag => ["0", "1", "true", "on"];
}
