//! What cooperatives sell: the category taxonomy (shipped in `data/categories.json`),
//! sectors, listings and their offers, seasons, units and badges.

use crate::Vnd;
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

/// A category of the two-level taxonomy; `parent` is `None` for the four top-level groups.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct Category {
    pub id: String,
    pub parent: Option<String>,
    pub name_vi: String,
    pub name_en: String,
}

/// A named code with Vietnamese and English labels (sectors, seasons, certifications).
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct Code {
    pub id: String,
    pub name_vi: String,
    pub name_en: String,
}

#[derive(Debug, Deserialize)]
struct Taxonomy {
    categories: Vec<Category>,
    sectors: Vec<Code>,
    seasons: Vec<Code>,
    certifications: Vec<Code>,
}

static TAXONOMY: LazyLock<Taxonomy> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../../../data/categories.json")).unwrap_or(Taxonomy {
        categories: Vec::new(),
        sectors: Vec::new(),
        seasons: Vec::new(),
        certifications: Vec::new(),
    })
});

pub fn categories() -> &'static [Category] {
    &TAXONOMY.categories
}
pub fn category(id: &str) -> Option<&'static Category> {
    TAXONOMY.categories.iter().find(|c| c.id == id)
}
/// The group a category is filed under (its parent; a top-level id is its own group).
pub fn group_of(category_id: &str) -> String {
    category(category_id)
        .and_then(|c| c.parent.clone())
        .unwrap_or_else(|| category_id.to_owned())
}
/// Leaf categories (the ones listings are filed under).
pub fn leaf_categories() -> impl Iterator<Item = &'static Category> {
    TAXONOMY.categories.iter().filter(|c| c.parent.is_some())
}
pub fn sectors() -> &'static [Code] {
    &TAXONOMY.sectors
}
pub fn sector(id: &str) -> Option<&'static Code> {
    TAXONOMY.sectors.iter().find(|c| c.id == id)
}
pub fn seasons() -> &'static [Code] {
    &TAXONOMY.seasons
}
pub fn certifications() -> &'static [Code] {
    &TAXONOMY.certifications
}
pub fn certification(id: &str) -> Option<&'static Code> {
    TAXONOMY.certifications.iter().find(|c| c.id == id)
}

/// Months of the year a product is available, as a 12-bit mask (bit 0 = January).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Months(pub i64);

impl Months {
    pub const ALL: Months = Months(0xFFF);

    pub fn from_list(months: &[u32]) -> Months {
        Months(
            months
                .iter()
                .filter(|m| (1..=12).contains(*m))
                .fold(0, |acc, m| acc | (1 << (m - 1))),
        )
    }
    pub fn contains(self, month: u32) -> bool {
        (1..=12).contains(&month) && self.0 & (1 << (month - 1)) != 0
    }
    pub fn list(self) -> Vec<u32> {
        (1..=12).filter(|m| self.contains(*m)).collect()
    }
    /// The months of a season code of the dataset (`quanh_nam`, `xuan`, `he`, `thu`, `dong`, `tet`).
    pub fn of_season(code: &str) -> Option<Months> {
        Some(match code {
            "quanh_nam" => Months::ALL,
            "xuan" => Months::from_list(&[2, 3, 4]),
            "he" => Months::from_list(&[5, 6, 7]),
            "thu" => Months::from_list(&[8, 9, 10]),
            "dong" => Months::from_list(&[11, 12, 1]),
            "tet" => Months::from_list(&[12, 1, 2]),
            _ => return None,
        })
    }
}

/// Units a listing can be sold by; free text is refused so buyers compare like with like.
pub const UNITS: &[&str] = &[
    "kg",
    "yến",
    "tạ",
    "tấn",
    "gam",
    "lít",
    "hộp",
    "chai",
    "lọ",
    "hũ",
    "can",
    "gói",
    "túi",
    "bộ",
    "chiếc",
    "cái",
    "đôi",
    "bó",
    "bông",
    "cành",
    "cây",
    "chậu",
    "quả",
    "nải",
    "bắp",
    "chục",
    "chục bắp",
    "mâm",
    "mét",
    "bức",
    "cốc",
    "suất",
    "vé",
    "lượt",
    "buổi",
    "đêm",
];

pub fn is_unit(s: &str) -> bool {
    UNITS.contains(&s)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ListingStatus {
    Draft,
    Published,
    Paused,
    Archived,
}

impl ListingStatus {
    pub const ALL: [ListingStatus; 4] = [
        ListingStatus::Draft,
        ListingStatus::Published,
        ListingStatus::Paused,
        ListingStatus::Archived,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            ListingStatus::Draft => "draft",
            ListingStatus::Published => "published",
            ListingStatus::Paused => "paused",
            ListingStatus::Archived => "archived",
        }
    }
    pub fn parse(s: &str) -> Option<ListingStatus> {
        ListingStatus::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// How a listing is sold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OfferKind {
    /// One price per unit.
    Retail,
    /// Case size, minimum order and price tiers by quantity.
    Wholesale,
    /// A bookable visit or workshop: duration, group size, price per person.
    Experience,
}

impl OfferKind {
    pub const ALL: [OfferKind; 3] = [
        OfferKind::Retail,
        OfferKind::Wholesale,
        OfferKind::Experience,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            OfferKind::Retail => "retail",
            OfferKind::Wholesale => "wholesale",
            OfferKind::Experience => "experience",
        }
    }
    pub fn parse(s: &str) -> Option<OfferKind> {
        OfferKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
    /// What a line of this kind counts: people for an experience (a group visits), the
    /// listing's own unit otherwise.
    pub fn line_unit(self, listing_unit: &str) -> LineUnit<'_> {
        match self {
            OfferKind::Experience => LineUnit::People,
            OfferKind::Retail | OfferKind::Wholesale => LineUnit::Listing(listing_unit),
        }
    }
    /// The dataset's listing kinds: `product` is retail.
    pub fn from_dataset(s: &str) -> Option<OfferKind> {
        match s {
            "product" => Some(OfferKind::Retail),
            other => OfferKind::parse(other),
        }
    }
}

/// What the quantity of a cart or order line counts (see [`OfferKind::line_unit`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineUnit<'a> {
    /// Guests of an experience (shown as "people" in the reader's language).
    People,
    /// The listing's unit (`kg`, `hộp`, …), shown as it is.
    Listing(&'a str),
}

/// Highest price of an offer or a price tier, in đồng.
pub const PRICE_MAX: i64 = 10_000_000_000;
/// Largest quantity of a listing's stock, minimum order or price tier.
pub const QUANTITY_MAX: i64 = 100_000_000;

/// From `min_qty` units on, each unit costs `price`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PriceTier {
    #[schema(minimum = 1, maximum = 100_000_000)]
    pub min_qty: i64,
    /// Đồng per unit.
    #[schema(value_type = i64, minimum = 1, maximum = 10_000_000_000_i64)]
    pub price: Vnd,
}

/// Tiers must start at the minimum order, rise in quantity and fall (or stay) in price,
/// within the bounds of quantities ([`QUANTITY_MAX`]) and prices ([`PRICE_MAX`]).
pub fn tiers_are_valid(tiers: &[PriceTier]) -> bool {
    tiers
        .iter()
        .all(|t| (1..=QUANTITY_MAX).contains(&t.min_qty) && (1..=PRICE_MAX).contains(&t.price.0))
        && tiers
            .windows(2)
            .all(|w| w[1].min_qty > w[0].min_qty && w[1].price.0 <= w[0].price.0)
}

/// Claims a cooperative makes, each verified or rejected by a Union officer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BadgeKind {
    /// Registered as an HTX/THT (registration number).
    Registration,
    /// Managed by women.
    WomenManaged,
    /// OCOP rating: decision number, stars, product group, expiry.
    Ocop,
    Vietgap,
    Organic,
    /// Another certificate (number, issuer, expiry).
    Other,
}

impl BadgeKind {
    pub const ALL: [BadgeKind; 6] = [
        BadgeKind::Registration,
        BadgeKind::WomenManaged,
        BadgeKind::Ocop,
        BadgeKind::Vietgap,
        BadgeKind::Organic,
        BadgeKind::Other,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            BadgeKind::Registration => "registration",
            BadgeKind::WomenManaged => "women_managed",
            BadgeKind::Ocop => "ocop",
            BadgeKind::Vietgap => "vietgap",
            BadgeKind::Organic => "organic",
            BadgeKind::Other => "other",
        }
    }
    pub fn parse(s: &str) -> Option<BadgeKind> {
        BadgeKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BadgeStatus {
    Pending,
    Verified,
    Rejected,
}

impl BadgeStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            BadgeStatus::Pending => "pending",
            BadgeStatus::Verified => "verified",
            BadgeStatus::Rejected => "rejected",
        }
    }
    pub fn parse(s: &str) -> Option<BadgeStatus> {
        [
            BadgeStatus::Pending,
            BadgeStatus::Verified,
            BadgeStatus::Rejected,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// Roles of women in a cooperative's management.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ManagerRole {
    /// Chủ tịch HĐQT (HTX) / Tổ trưởng (THT).
    ChuTich,
    /// Giám đốc / Tổ phó điều hành.
    GiamDoc,
    /// Ban kiểm soát / Kiểm soát viên.
    BanKiemSoat,
    /// Thành viên HĐQT / ban điều hành.
    ThanhVienHdqt,
}

impl ManagerRole {
    pub const ALL: [ManagerRole; 4] = [
        ManagerRole::ChuTich,
        ManagerRole::GiamDoc,
        ManagerRole::BanKiemSoat,
        ManagerRole::ThanhVienHdqt,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            ManagerRole::ChuTich => "chu_tich",
            ManagerRole::GiamDoc => "giam_doc",
            ManagerRole::BanKiemSoat => "ban_kiem_soat",
            ManagerRole::ThanhVienHdqt => "thanh_vien_hdqt",
        }
    }
    pub fn parse(s: &str) -> Option<ManagerRole> {
        ManagerRole::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One row of a cooperatives spreadsheet (or of the demo dataset), validated.
#[derive(Debug, Clone, PartialEq)]
pub struct CooperativeRecord {
    /// The id in the source dataset; with `registration_no`, the key for idempotent imports.
    pub external_id: Option<String>,
    pub registration_no: Option<String>,
    pub tax_code: Option<String>,
    pub name: String,
    pub kind: crate::org::OrgKind,
    pub commune_code: String,
    pub street: Option<String>,
    pub founded_year: Option<i64>,
    pub sector: Option<String>,
    pub story_vi: Option<String>,
    pub story_en: Option<String>,
    /// E.164.
    pub phone: Option<String>,
    pub email: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub members_total: Option<i64>,
    pub members_female: Option<i64>,
    pub jobs_female: Option<i64>,
}

/// One row of a listings spreadsheet (or of the demo dataset), validated: a listing with
/// one offer.
#[derive(Debug, Clone, PartialEq)]
pub struct ListingRecord {
    pub external_id: Option<String>,
    /// The cooperative: its `external_id` or registration number.
    pub cooperative: String,
    pub kind: OfferKind,
    pub title_vi: String,
    pub title_en: Option<String>,
    pub description_vi: String,
    pub description_en: Option<String>,
    pub category: String,
    pub price: Vnd,
    pub unit: String,
    pub min_order_qty: Option<i64>,
    pub tiers: Vec<PriceTier>,
    pub months: Months,
    /// `None` = made to order.
    pub stock: Option<i64>,
    pub duration_hours: Option<i64>,
    pub max_group_size: Option<i64>,
    pub certifications: Vec<String>,
    pub ocop_stars: Option<i64>,
    pub origin_commune_code: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taxonomy_has_four_groups_and_twenty_one_leaves() {
        assert_eq!(
            categories().iter().filter(|c| c.parent.is_none()).count(),
            4
        );
        assert_eq!(leaf_categories().count(), 21);
        assert_eq!(
            category("gom-su").map(|c| c.name_en.as_str()),
            Some("Ceramics & pottery")
        );
        assert!(sector("gom_su").is_some());
    }

    #[test]
    fn seasons_become_months() {
        assert_eq!(
            Months::of_season("dong").map(Months::list),
            Some(vec![1, 11, 12])
        );
        assert_eq!(Months::of_season("quanh_nam"), Some(Months::ALL));
        assert!(Months::of_season("mua_mua").is_none());
        assert!(!Months(0).contains(1));
    }

    #[test]
    fn tiers_rise_in_quantity_and_fall_in_price() {
        let t = |q, p| PriceTier {
            min_qty: q,
            price: Vnd(p),
        };
        assert!(tiers_are_valid(&[t(30, 315_000), t(150, 290_000)]));
        assert!(!tiers_are_valid(&[t(30, 315_000), t(20, 290_000)]));
        assert!(!tiers_are_valid(&[t(30, 315_000), t(150, 320_000)]));
        assert!(!tiers_are_valid(&[t(0, 1)]));
    }

    /// The bounds the OpenAPI document gives a tier's quantity and price.
    #[test]
    fn tiers_stay_within_the_quantity_and_price_bounds() {
        let t = |q, p| PriceTier {
            min_qty: q,
            price: Vnd(p),
        };
        assert!(tiers_are_valid(&[t(QUANTITY_MAX, PRICE_MAX)]));
        assert!(!tiers_are_valid(&[t(QUANTITY_MAX + 1, 1)]));
        assert!(!tiers_are_valid(&[t(1, PRICE_MAX + 1)]));
        assert!(!tiers_are_valid(&[t(1, i64::MAX), t(2, i64::MAX)]));
    }
}
