//! Hanoi's 126 wards and communes (since 1 July 2025) and Vietnam's 34 provinces, compiled in
//! from `data/`. The old districts are kept only as a display hint for legacy records.

use serde::Deserialize;
use std::collections::HashMap;
use std::sync::LazyLock;

#[derive(Debug, Clone, Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct Commune {
    /// Official 5-digit code, e.g. `00577`.
    pub code: String,
    /// Full name, e.g. `Xã Bát Tràng`.
    pub name: String,
    pub short_name: String,
    /// `phường` or `xã`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Best guess of the pre-2025 district; a hint, not authoritative.
    pub legacy_district_main: String,
    /// Every pre-2025 district the unit took land from, `|`-separated ("Quận Ba Đình|Quận
    /// Hoàn Kiếm"): what a search for an old district name covers. Not part of the API.
    #[serde(default, skip_serializing)]
    #[schema(ignore)]
    pub legacy_districts: String,
    #[schema(minimum = -90, maximum = 90)]
    pub lat: f64,
    #[schema(minimum = -180, maximum = 180)]
    pub lon: f64,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct Province {
    /// 2-digit code, `01` = Hà Nội.
    pub code: String,
    pub name: String,
    pub short_name: String,
    #[serde(rename = "type")]
    pub kind: String,
}

static COMMUNES_CSV: &str = include_str!("../../../data/admin_units_hanoi.csv");
static PROVINCES_CSV: &str = include_str!("../../../data/provinces.csv");

fn read_csv<T: serde::de::DeserializeOwned>(text: &str) -> Vec<T> {
    csv::Reader::from_reader(text.as_bytes())
        .deserialize()
        .filter_map(Result::ok)
        .collect()
}

static COMMUNES: LazyLock<Vec<Commune>> = LazyLock::new(|| read_csv(COMMUNES_CSV));
static PROVINCES: LazyLock<Vec<Province>> = LazyLock::new(|| read_csv(PROVINCES_CSV));
static COMMUNE_INDEX: LazyLock<HashMap<&'static str, &'static Commune>> =
    LazyLock::new(|| COMMUNES.iter().map(|c| (c.code.as_str(), c)).collect());

/// All Hanoi wards and communes, in the official code order.
pub fn hanoi_communes() -> &'static [Commune] {
    &COMMUNES
}

/// All Hanoi wards and communes by name ("Ba Đình", "Ba Vì", "Bát Tràng", …, in the
/// Vietnamese alphabet, "Phường"/"Xã" aside): the order people look for theirs in a list.
pub fn hanoi_communes_by_name() -> &'static [Commune] {
    static BY_NAME: LazyLock<Vec<Commune>> = LazyLock::new(|| {
        let mut all = COMMUNES.clone();
        all.sort_by_cached_key(|c| crate::text::vietnamese_sort_key(&c.short_name));
        all
    });
    &BY_NAME
}

pub fn commune(code: &str) -> Option<&'static Commune> {
    COMMUNE_INDEX.get(code).copied()
}

pub fn provinces() -> &'static [Province] {
    &PROVINCES
}

pub fn province(code: &str) -> Option<&'static Province> {
    PROVINCES.iter().find(|p| p.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn communes_by_name_are_all_there_in_alphabetical_order() {
        let names: Vec<&str> = hanoi_communes_by_name()
            .iter()
            .map(|c| c.short_name.as_str())
            .collect();
        assert_eq!(names.len(), 126);
        let ba_vi = names.iter().position(|n| *n == "Ba Vì");
        let bat_trang = names.iter().position(|n| *n == "Bát Tràng");
        let dong_anh = names.iter().position(|n| *n == "Đông Anh");
        assert!(ba_vi < bat_trang && bat_trang < dong_anh, "{names:?}");
    }

    #[test]
    fn hanoi_has_126_units_and_vietnam_34_provinces() {
        assert_eq!(hanoi_communes().len(), 126);
        assert_eq!(
            hanoi_communes()
                .iter()
                .filter(|c| c.kind == "phường")
                .count(),
            51
        );
        assert_eq!(provinces().len(), 34);
    }

    #[test]
    fn legacy_districts_are_read_but_not_serialized() {
        let c = commune("00004");
        let olds: Vec<&str> = c
            .map(|c| c.legacy_districts.split('|').collect())
            .unwrap_or_default();
        assert_eq!(olds, ["Quận Ba Đình", "Quận Hoàn Kiếm", "Quận Tây Hồ"]);
        assert!(
            hanoi_communes()
                .iter()
                .all(|c| !c.legacy_districts.is_empty())
        );
        let json = serde_json::to_string(&c).unwrap_or_default();
        assert!(
            json.contains("Ba Đình") && !json.contains("legacy_districts"),
            "{json}"
        );
        let schema = <Commune as utoipa::PartialSchema>::schema();
        let schema = serde_json::to_string(&schema).unwrap_or_default();
        assert!(schema.contains("legacy_district_main"), "{schema}");
        assert!(!schema.contains("legacy_districts"), "{schema}");
    }

    #[test]
    fn bat_trang_is_found_by_code_with_its_old_district() {
        let c = commune("00577");
        assert_eq!(c.map(|c| c.name.as_str()), Some("Xã Bát Tràng"));
        assert_eq!(
            c.map(|c| c.legacy_district_main.as_str()),
            Some("Huyện Gia Lâm")
        );
        assert!(commune("99999").is_none());
        assert_eq!(
            province("01").map(|p| p.short_name.as_str()),
            Some("Hà Nội")
        );
    }
}
