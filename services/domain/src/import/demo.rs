//! The fictional demo dataset (JSON) read through the same rules as a spreadsheet.

use super::{Parsed, cooperatives, listings};
use crate::catalog::{CooperativeRecord, ListingRecord};
use serde_json::Value;

/// Reads the fictional demo dataset (`data/demo/cooperatives.json`) through the same rules
/// as a spreadsheet; fields the record has no place for (managers, badges) are ignored.
pub fn demo_cooperatives(json: &str) -> Result<Vec<CooperativeRecord>, String> {
    let (headers, rows) = json_table(json)?;
    all_or_nothing(cooperatives(&headers, &rows))
}

/// Reads the fictional demo dataset (`data/demo/listings.json`) through the same rules as a
/// spreadsheet.
pub fn demo_listings(json: &str) -> Result<Vec<ListingRecord>, String> {
    let (headers, rows) = json_table(json)?;
    all_or_nothing(listings(&headers, &rows))
}

/// Lays a JSON array of objects out as a sheet: one column per field name, lists joined
/// with `|`, and `{min_qty, price_vnd}` tiers written as `min_qty:price_vnd`.
fn json_table(json: &str) -> Result<(Vec<String>, Vec<Vec<String>>), String> {
    let items: Vec<serde_json::Map<String, Value>> =
        serde_json::from_str(json).map_err(|e| format!("not a JSON array of objects: {e}"))?;
    let mut headers: Vec<String> = Vec::new();
    for key in items.iter().flat_map(|item| item.keys()) {
        if !headers.contains(key) {
            headers.push(key.clone());
        }
    }
    let rows = items
        .iter()
        .map(|item| {
            headers
                .iter()
                .map(|h| item.get(h).map(json_cell).unwrap_or_default())
                .collect()
        })
        .collect();
    Ok((headers, rows))
}

fn json_cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Array(items) => items.iter().map(json_cell).collect::<Vec<_>>().join("|"),
        Value::Object(o) => match (o.get("min_qty"), o.get("price_vnd")) {
            (Some(q), Some(p)) => format!("{}:{}", json_cell(q), json_cell(p)),
            _ => String::new(),
        },
    }
}

fn all_or_nothing<T>(parsed: Parsed<T>) -> Result<Vec<T>, String> {
    if parsed.errors.is_empty() {
        return Ok(parsed.records.into_iter().map(|(_, r)| r).collect());
    }
    const SHOWN: usize = 20;
    let mut lines: Vec<String> = parsed
        .errors
        .iter()
        .take(SHOWN)
        .map(|e| {
            // The JSON has no header row: record n is sheet row n + 1.
            format!(
                "record {}, {}: {}",
                e.row.saturating_sub(1),
                e.column,
                e.message_en
            )
        })
        .collect();
    if parsed.errors.len() > SHOWN {
        lines.push(format!("… and {} more", parsed.errors.len() - SHOWN));
    }
    Err(lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::catalog::{Months, OfferKind};

    #[test]
    fn demo_dataset_is_valid() {
        let coops = demo_cooperatives(COOPS).expect("demo cooperatives");
        assert_eq!(coops.len(), 60);
        let listings = demo_listings(LISTINGS).expect("demo listings");
        assert_eq!(listings.len(), 400);

        let first = &coops[0];
        assert_eq!(
            first.external_id.as_deref(),
            Some("htx-gom-su-men-lam-bat-trang")
        );
        assert_eq!(
            first.street.as_deref(),
            Some("Số 18, xóm 5, thôn Bát Tràng")
        );
        assert_eq!(first.phone.as_deref(), Some("+84904555560"));
        assert_eq!(first.founded_year, Some(2008));
        assert_eq!(
            first
                .story_vi
                .as_deref()
                .map(|s| s.starts_with("HTX Gốm sứ")),
            Some(true)
        );

        let wholesale = &listings[1];
        assert_eq!(wholesale.kind, OfferKind::Wholesale);
        assert_eq!(wholesale.min_order_qty, Some(30));
        assert_eq!(wholesale.tiers.len(), 3);
        assert_eq!(wholesale.origin_commune_code.as_deref(), Some("00577"));
        assert!(
            listings
                .iter()
                .any(|l| l.months == Months::of_season("tet").unwrap_or_default())
        );
        assert_eq!(
            listings
                .iter()
                .filter(|l| l.kind == OfferKind::Retail)
                .count(),
            248
        );
    }

    #[test]
    fn demo_errors_name_the_record() {
        let err = demo_listings(r#"[{"id":"x","cooperative_id":"c","kind":"product","title":"T","description":"D","category":"gom-su","price_vnd":0,"unit":"bộ"}]"#)
            .err()
            .unwrap_or_default();
        assert!(
            err.starts_with("record 1, price_vnd: Price must be"),
            "{err}"
        );
        assert!(demo_cooperatives("{}").is_err());
    }
}
