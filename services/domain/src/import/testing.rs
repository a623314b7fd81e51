//! Helpers shared by the import's unit tests: the demo dataset, rows built from
//! `(column, value)` pairs, and errors as `(row, column)`.

use super::{COOPERATIVE_COLUMNS, LISTING_COLUMNS};
use super::{Parsed, RowError, cooperatives, demo_listings, listing_row, listings};
use crate::catalog::{CooperativeRecord, ListingRecord};

pub(super) const COOPS: &str = include_str!("../../../../data/demo/cooperatives.json");
pub(super) const LISTINGS: &str = include_str!("../../../../data/demo/listings.json");

pub(super) fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

pub(super) fn demo_listing_rows() -> Vec<Vec<String>> {
    demo_listings(LISTINGS)
        .expect("demo listings")
        .iter()
        .map(listing_row)
        .collect()
}

pub(super) fn columns(items: &[&str]) -> Vec<String> {
    strings(items)
}

/// One listing row under `headers`, from `(column, value)` pairs.
pub(super) fn row(headers: &[&str], cells: &[(&str, &str)]) -> Vec<String> {
    headers
        .iter()
        .map(|h| {
            cells
                .iter()
                .find(|(c, _)| c == h)
                .map(|(_, v)| v.to_string())
                .unwrap_or_default()
        })
        .collect()
}

pub(super) fn retail(cells: &[(&str, &str)]) -> Parsed<ListingRecord> {
    let mut all = vec![
        ("cooperative", "htx-1"),
        ("kind", "product"),
        ("title_vi", "Chè Shan tuyết"),
        ("description_vi", "Chè búp khô"),
        ("category", "tra-do-uong"),
        ("price_vnd", "150000"),
        ("unit", "hộp"),
    ];
    for (c, v) in cells {
        all.retain(|(k, _)| k != c);
        all.push((c, v));
    }
    listings(&columns(LISTING_COLUMNS), &[row(LISTING_COLUMNS, &all)])
}

pub(super) fn coop(cells: &[(&str, &str)]) -> Parsed<CooperativeRecord> {
    let mut all = vec![
        ("external_id", "htx-1"),
        ("name", "HTX Gốm sứ"),
        ("kind", "htx"),
        ("commune_code", "00577"),
    ];
    for (c, v) in cells {
        all.retain(|(k, _)| k != c);
        all.push((c, v));
    }
    cooperatives(
        &columns(COOPERATIVE_COLUMNS),
        &[row(COOPERATIVE_COLUMNS, &all)],
    )
}

pub(super) fn error_at(errors: &[RowError]) -> Vec<(usize, &str)> {
    errors.iter().map(|e| (e.row, e.column.as_str())).collect()
}

pub(super) fn listings_from(rows: &[Vec<String>]) -> Parsed<ListingRecord> {
    listings(&columns(LISTING_COLUMNS), rows)
}
