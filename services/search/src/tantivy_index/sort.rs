//! The first pass's order: a hit's sort key by relevance, date, price or distance, read
//! from fast fields.

use tantivy::collector::sort_key::NaturalComparator;
use tantivy::collector::{SegmentSortKeyComputer, SortKeyComputer};
use tantivy::columnar::{Column, ColumnIndex};
use tantivy::{DocId, Score, SegmentReader};

use super::schema::{F_LAT, F_LON, F_PRICE, F_PUBLISHED};
use crate::Sort;

/// The sort key of a hit: compared field by field, greatest first.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub(super) struct SortKey {
    pub(super) primary: f64,
    pub(super) secondary: f64,
    pub(super) score: Score,
}

/// The first pass's order. With `defer_ties`, a relevance sort leaves the newest-first
/// tie-break to [`Inner::rescore`](super::Inner::rescore), which reads publication dates for
/// its candidates only instead of for every match.
pub(super) struct SortBy {
    pub(super) sort: Sort,
    pub(super) defer_ties: bool,
}

/// Whether ordering by `sort` needs scores (a price sort does not).
pub(super) fn scores(sort: Sort) -> bool {
    !matches!(sort, Sort::PriceAsc | Sort::PriceDesc)
}

/// A document's publication time as a sort key (oldest for none, or without the column).
pub(super) fn published_at(column: Option<&Column<i64>>, doc: DocId) -> f64 {
    let value = match column {
        Some(c) if matches!(c.index, ColumnIndex::Full) => Some(c.values.get_val(doc)),
        Some(c) => c.first(doc),
        None => None,
    };
    value.map_or(f64::NEG_INFINITY, |v| v as f64)
}

pub(super) struct SegmentSortBy {
    sort: Sort,
    price: Option<Column<i64>>,
    /// `None` when the tie-break is deferred: every key then ties on it.
    published: Option<Column<i64>>,
    lat: Option<Column<f64>>,
    lon: Option<Column<f64>>,
}

impl SortKeyComputer for SortBy {
    type SortKey = SortKey;
    type Child = SegmentSortBy;
    type Comparator = NaturalComparator;

    fn requires_scoring(&self) -> bool {
        scores(self.sort)
    }

    fn segment_sort_key_computer(&self, reader: &SegmentReader) -> tantivy::Result<SegmentSortBy> {
        let ff = reader.fast_fields();
        let (price, lat, lon) = match self.sort {
            Sort::PriceAsc | Sort::PriceDesc => (ff.column_opt(F_PRICE)?, None, None),
            Sort::Distance { .. } => (None, ff.column_opt(F_LAT)?, ff.column_opt(F_LON)?),
            Sort::Relevance | Sort::Newest => (None, None, None),
        };
        let deferred = self.defer_ties && self.sort == Sort::Relevance;
        Ok(SegmentSortBy {
            sort: self.sort,
            price,
            published: if deferred {
                None
            } else {
                ff.column_opt(F_PUBLISHED)?
            },
            lat,
            lon,
        })
    }
}

impl SegmentSortBy {
    fn published(&self, doc: DocId) -> f64 {
        published_at(self.published.as_ref(), doc)
    }
}

impl SegmentSortKeyComputer for SegmentSortBy {
    type SortKey = SortKey;
    type SegmentSortKey = SortKey;
    type SegmentComparator = NaturalComparator;

    fn segment_sort_key(&mut self, doc: DocId, score: Score) -> SortKey {
        let (primary, secondary) = match self.sort {
            Sort::Relevance => (f64::from(score), self.published(doc)),
            Sort::Newest => (self.published(doc), f64::from(score)),
            Sort::PriceAsc | Sort::PriceDesc => {
                let price = self.price.as_ref().and_then(|c| c.first(doc));
                let primary = match (price, self.sort) {
                    (None, _) => f64::NEG_INFINITY,
                    (Some(p), Sort::PriceAsc) => -(p as f64),
                    (Some(p), _) => p as f64,
                };
                (primary, self.published(doc))
            }
            Sort::Distance { lat, lon } => {
                let here = self
                    .lat
                    .as_ref()
                    .and_then(|c| c.first(doc))
                    .zip(self.lon.as_ref().and_then(|c| c.first(doc)));
                let primary = match here {
                    Some((dlat, dlon)) if dlat.is_finite() && dlon.is_finite() => {
                        -haversine_km(lat, lon, dlat, dlon)
                    }
                    _ => f64::NEG_INFINITY,
                };
                (primary, f64::from(score))
            }
        };
        SortKey {
            primary: if primary.is_nan() {
                f64::NEG_INFINITY
            } else {
                primary
            },
            secondary,
            score,
        }
    }

    fn convert_segment_sort_key(&self, key: SortKey) -> SortKey {
        key
    }
}

fn haversine_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = (lat2 - lat1).to_radians();
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * 6371.0 * a.sqrt().asin()
}
