//! Records written back as spreadsheet rows, in the column order the import reads.

use crate::catalog::{CooperativeRecord, ListingRecord};

/// One cooperative as a row under [`COOPERATIVE_COLUMNS`](super::COOPERATIVE_COLUMNS);
/// [`cooperatives`](fn@super::cooperatives) reads it back to the same record.
pub fn cooperative_row(r: &CooperativeRecord) -> Vec<String> {
    vec![
        opt(&r.external_id),
        opt(&r.registration_no),
        opt(&r.tax_code),
        r.name.clone(),
        r.kind.as_str().to_owned(),
        r.commune_code.clone(),
        opt(&r.street),
        num(r.founded_year),
        opt(&r.sector),
        opt(&r.story_vi),
        opt(&r.story_en),
        opt(&r.phone),
        opt(&r.email),
        r.lat.map(|v| v.to_string()).unwrap_or_default(),
        r.lon.map(|v| v.to_string()).unwrap_or_default(),
        num(r.members_total),
        num(r.members_female),
        num(r.jobs_female),
    ]
}

/// One listing as a row under [`LISTING_COLUMNS`](super::LISTING_COLUMNS);
/// [`listings`](fn@super::listings) reads it back to the same record. Months are written as
/// `1|2|3`, tiers as `30:315000|150:290000`.
pub fn listing_row(r: &ListingRecord) -> Vec<String> {
    let join = |items: Vec<String>| items.join("|");
    vec![
        opt(&r.external_id),
        r.cooperative.clone(),
        r.kind.as_str().to_owned(),
        r.title_vi.clone(),
        opt(&r.title_en),
        r.description_vi.clone(),
        opt(&r.description_en),
        r.category.clone(),
        r.price.0.to_string(),
        r.unit.clone(),
        num(r.min_order_qty),
        join(
            r.tiers
                .iter()
                .map(|t| format!("{}:{}", t.min_qty, t.price.0))
                .collect(),
        ),
        join(r.months.list().iter().map(u32::to_string).collect()),
        num(r.stock),
        num(r.duration_hours),
        num(r.max_group_size),
        r.certifications.join("|"),
        num(r.ocop_stars),
        opt(&r.origin_commune_code),
    ]
}

fn opt(s: &Option<String>) -> String {
    s.clone().unwrap_or_default()
}

fn num(n: Option<i64>) -> String {
    n.map(|n| n.to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::super::{COOPERATIVE_COLUMNS, cooperatives, demo_cooperatives, demo_listings};
    use super::*;

    #[test]
    fn every_demo_cooperative_round_trips_through_a_sheet() {
        let coops = demo_cooperatives(COOPS).expect("demo");
        let rows: Vec<Vec<String>> = coops.iter().map(cooperative_row).collect();
        let parsed = cooperatives(&columns(COOPERATIVE_COLUMNS), &rows);
        assert_eq!(parsed.errors, vec![]);
        let back: Vec<CooperativeRecord> = parsed.records.into_iter().map(|(_, r)| r).collect();
        assert_eq!(back, coops);
    }

    #[test]
    fn every_demo_listing_round_trips_through_a_sheet() {
        let listings = demo_listings(LISTINGS).expect("demo");
        let parsed = listings_from(&demo_listing_rows());
        assert_eq!(parsed.errors, vec![]);
        let rows: Vec<usize> = parsed.records.iter().map(|(n, _)| *n).collect();
        assert_eq!(rows, (2..402).collect::<Vec<_>>());
        let back: Vec<ListingRecord> = parsed.records.into_iter().map(|(_, r)| r).collect();
        assert_eq!(back, listings);
    }
}
