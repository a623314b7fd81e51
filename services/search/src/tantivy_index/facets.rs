//! Facet counts, collected from fast fields in the same pass as the hits.

use std::collections::HashMap;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, ColumnIndex, StrColumn};
use tantivy::{DocId, Score, SegmentReader};

use super::schema::{F_CERT, F_COMMUNE, F_GROUP, F_KIND, F_OFFER, F_STARS, F_WOMEN};
use crate::Facets;

/// String facets, in this order: kind, offer kind, category group, commune, certification.
const STR_FACETS: [&str; 5] = [F_KIND, F_OFFER, F_GROUP, F_COMMUNE, F_CERT];

/// Counts facet values over every matching document, from fast fields.
pub(super) struct FacetCollector;

pub(super) struct FacetSegment {
    strs: Vec<(Option<StrColumn>, Vec<u64>)>,
    stars: Option<Column<u64>>,
    star_counts: [u64; 8],
    women: Option<Column<u64>>,
    women_count: u64,
}

#[derive(Default)]
pub(super) struct FacetFruit {
    strs: [Vec<(String, u64)>; 5],
    stars: [u64; 8],
    women: u64,
}

impl Collector for FacetCollector {
    type Fruit = Facets;
    type Child = FacetSegment;

    fn for_segment(&self, _: u32, reader: &SegmentReader) -> tantivy::Result<FacetSegment> {
        let ff = reader.fast_fields();
        let mut strs = Vec::with_capacity(STR_FACETS.len());
        for name in STR_FACETS {
            let column = ff.str(name)?;
            let counts = vec![0; column.as_ref().map_or(0, |c| c.num_terms())];
            strs.push((column, counts));
        }
        Ok(FacetSegment {
            strs,
            stars: ff.column_opt(F_STARS)?,
            star_counts: [0; 8],
            women: ff.column_opt(F_WOMEN)?,
            women_count: 0,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<FacetFruit>) -> tantivy::Result<Facets> {
        let mut strs: [HashMap<String, u64>; 5] = Default::default();
        let mut stars = [0u64; 8];
        let mut women = 0;
        for fruit in fruits {
            for (merged, values) in strs.iter_mut().zip(fruit.strs) {
                for (value, n) in values {
                    *merged.entry(value).or_default() += n;
                }
            }
            for (total, n) in stars.iter_mut().zip(fruit.stars) {
                *total += n;
            }
            women += fruit.women;
        }
        let sorted = |m: HashMap<String, u64>| {
            let mut v: Vec<(String, u64)> = m.into_iter().collect();
            v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            v
        };
        let [kind, offer_kind, category, commune, certification] = strs.map(sorted);
        let mut star_facet: Vec<(u8, u64)> = stars
            .iter()
            .enumerate()
            .filter(|&(s, &n)| s > 0 && n > 0)
            .map(|(s, &n)| (s as u8, n))
            .collect();
        star_facet.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ok(Facets {
            kind,
            offer_kind,
            category,
            commune,
            stars: star_facet,
            certification,
            women_managed: women,
        })
    }
}

/// The first value of `doc`, without an index lookup when the column is dense.
#[inline]
fn first_value(column: &Column<u64>, doc: DocId) -> Option<u64> {
    match column.index {
        ColumnIndex::Full => Some(column.values.get_val(doc)),
        _ => column.first(doc),
    }
}

impl SegmentCollector for FacetSegment {
    type Fruit = FacetFruit;

    fn collect(&mut self, doc: DocId, _score: Score) {
        for (column, counts) in &mut self.strs {
            let Some(column) = column else { continue };
            let ords = column.ords();
            if let ColumnIndex::Full = ords.index {
                // Single-valued and dense (the common case): no index lookup.
                if let Some(n) = counts.get_mut(ords.values.get_val(doc) as usize) {
                    *n += 1;
                }
            } else {
                for ord in ords.values_for_doc(doc) {
                    if let Some(n) = counts.get_mut(ord as usize) {
                        *n += 1;
                    }
                }
            }
        }
        if let Some(stars) = self.stars.as_ref().and_then(|c| first_value(c, doc))
            && let Some(n) = self.star_counts.get_mut(stars as usize)
        {
            *n += 1;
        }
        if self.women.as_ref().and_then(|c| first_value(c, doc)) == Some(1) {
            self.women_count += 1;
        }
    }

    fn harvest(self) -> FacetFruit {
        let mut fruit = FacetFruit {
            stars: self.star_counts,
            women: self.women_count,
            ..FacetFruit::default()
        };
        for ((column, counts), out) in self.strs.into_iter().zip(fruit.strs.iter_mut()) {
            let Some(column) = column else { continue };
            let mut value = String::new();
            for (ord, n) in counts.into_iter().enumerate() {
                if n == 0 {
                    continue;
                }
                value.clear();
                if column.ord_to_str(ord as u64, &mut value).unwrap_or(false) && !value.is_empty() {
                    out.push((value.clone(), n));
                }
            }
        }
        fruit
    }
}
