//! Facet counts, collected from fast fields in the same pass as the hits.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rustc_hash::FxBuildHasher;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Cardinality, Column, ColumnIndex, StrColumn};
use tantivy::index::SegmentId;
use tantivy::{DocId, Score, SegmentReader};

use super::schema::{F_CERT, F_COMMUNE, F_GROUP, F_KIND, F_OFFER, F_STARS, F_WOMEN};
use crate::Facets;

/// String facets, in this order: kind, offer kind, category group, commune, certification.
const STR_FACETS: [&str; 5] = [F_KIND, F_OFFER, F_GROUP, F_COMMUNE, F_CERT];

/// Counts facet values over every matching document, from each segment's [`FacetTable`]
/// (built from the fast fields the first time a search counts facets in that segment).
pub(super) struct FacetCollector<'a>(pub(super) &'a FacetTables);

/// The facet tables of the segments searched lately, by segment (a segment never changes:
/// deleting a document only hides it).
#[derive(Default)]
pub(super) struct FacetTables(Mutex<HashMap<SegmentId, Arc<FacetTable>>>);

/// The most combinations of values a table counts by (a count each, zeroed per search: 256
/// KiB at most); a segment with more counts from its columns.
const MAX_COMBINATIONS: usize = 1 << 16;

/// Segments whose tables are kept at most (more than an index has at once, merges included).
const TABLES_KEPT: usize = 64;

impl FacetTables {
    fn get(&self, reader: &SegmentReader) -> tantivy::Result<Option<Arc<FacetTable>>> {
        let id = reader.segment_id();
        if let Ok(tables) = self.0.lock()
            && let Some(table) = tables.get(&id)
        {
            return Ok(Some(Arc::clone(table)));
        }
        let Some(table) = FacetTable::build(reader)? else {
            return Ok(None);
        };
        let table = Arc::new(table);
        if let Ok(mut tables) = self.0.lock() {
            if tables.len() >= TABLES_KEPT {
                tables.clear();
            }
            tables.insert(id, Arc::clone(&table));
        }
        Ok(Some(table))
    }
}

/// Where one string facet sits in a document's packed code.
#[derive(Clone, Copy)]
enum Slot {
    /// A single-valued facet: its term ordinal + 1 (0: none), `bits` wide.
    One { shift: u32, bits: u32 },
    /// A multi-valued facet of few terms: one bit per term ordinal.
    Mask { shift: u32, bits: u32 },
}

impl Slot {
    fn mask(bits: u32) -> u64 {
        if bits >= 64 {
            u64::MAX
        } else {
            (1u64 << bits) - 1
        }
    }
}

/// Every document's facet values of one segment packed in one `u64`: counting a match is
/// one array read and a few increments, instead of a column lookup per facet (about a
/// seventh of a search's time when they were read per match).
pub(super) struct FacetTable {
    /// Each document's combination of values, as an index into `combinations`.
    combination_of: Vec<u32>,
    /// The distinct packed codes of the segment's documents (few: documents share their
    /// kind, category, commune and rating with many others).
    combinations: Vec<u64>,
    /// Each string facet's values, by term ordinal.
    names: Vec<Vec<String>>,
    slots: [Slot; 5],
    /// Bits 0..4 of the code past `stars_shift`: the rating; the next bit: women-managed.
    stars_shift: u32,
}

impl FacetTable {
    /// The table of `reader`'s segment; `None` when its values do not fit in 64 bits or
    /// form more than [`MAX_COMBINATIONS`] combinations (then the columns are read per
    /// match).
    fn build(reader: &SegmentReader) -> tantivy::Result<Option<FacetTable>> {
        let ff = reader.fast_fields();
        let mut columns = Vec::with_capacity(STR_FACETS.len());
        let mut names = Vec::with_capacity(STR_FACETS.len());
        let mut slots = [Slot::One { shift: 0, bits: 0 }; 5];
        let mut shift = 0u32;
        for (slot, name) in slots.iter_mut().zip(STR_FACETS) {
            let column = ff.str(name)?;
            let terms = column.as_ref().map_or(0, |c| c.num_terms()) as u64;
            let multi = column
                .as_ref()
                .is_some_and(|c| c.ords().get_cardinality() == Cardinality::Multivalued);
            let bits = if multi {
                u32::try_from(terms).unwrap_or(u32::MAX)
            } else {
                64 - (terms + 1).leading_zeros()
            };
            *slot = if multi {
                Slot::Mask { shift, bits }
            } else {
                Slot::One { shift, bits }
            };
            shift = shift.saturating_add(bits);
            let mut values = Vec::with_capacity(terms as usize);
            if let Some(column) = &column {
                for ord in 0..terms {
                    let mut value = String::new();
                    column.ord_to_str(ord, &mut value)?;
                    values.push(value);
                }
            }
            names.push(values);
            columns.push(column);
        }
        let stars_shift = shift;
        if stars_shift + 5 > 64 {
            return Ok(None);
        }
        let stars: Option<Column<u64>> = ff.column_opt(F_STARS)?;
        let women: Option<Column<u64>> = ff.column_opt(F_WOMEN)?;
        let mut combination_of = Vec::with_capacity(reader.max_doc() as usize);
        let mut combinations = Vec::new();
        let mut seen: HashMap<u64, u32, FxBuildHasher> = HashMap::default();
        for doc in 0..reader.max_doc() {
            let mut code = 0u64;
            for (slot, column) in slots.iter().zip(&columns) {
                let Some(column) = column else { continue };
                for ord in column.ords().values_for_doc(doc) {
                    code |= match *slot {
                        Slot::One { shift, bits } => ((ord + 1) & Slot::mask(bits)) << shift,
                        Slot::Mask { shift, .. } => 1u64 << (shift + ord as u32),
                    };
                }
            }
            let rating = stars
                .as_ref()
                .and_then(|c| first_value(c, doc))
                .unwrap_or(0);
            code |= (rating.min(15)) << stars_shift;
            if women.as_ref().and_then(|c| first_value(c, doc)) == Some(1) {
                code |= 1u64 << (stars_shift + 4);
            }
            let next = u32::try_from(combinations.len()).unwrap_or(u32::MAX);
            let at = *seen.entry(code).or_insert(next);
            if at == next {
                if combinations.len() == MAX_COMBINATIONS {
                    return Ok(None);
                }
                combinations.push(code);
            }
            combination_of.push(at);
        }
        Ok(Some(FacetTable {
            combination_of,
            combinations,
            names,
            slots,
            stars_shift,
        }))
    }
}

pub(super) struct FacetSegment {
    strs: Vec<(Option<StrColumn>, Vec<u64>)>,
    table: Option<Arc<FacetTable>>,
    /// With a table: matches by combination of values (see [`FacetTable::combinations`]).
    counts: Vec<u32>,
    stars: Option<Column<u64>>,
    star_counts: [u64; 16],
    women: Option<Column<u64>>,
    women_count: u64,
}

#[derive(Default)]
pub(super) struct FacetFruit {
    strs: [Vec<(String, u64)>; 5],
    stars: [u64; 16],
    women: u64,
}

impl Collector for FacetCollector<'_> {
    type Fruit = Facets;
    type Child = FacetSegment;

    fn for_segment(&self, _: u32, reader: &SegmentReader) -> tantivy::Result<FacetSegment> {
        if let Some(table) = self.0.get(reader)? {
            return Ok(FacetSegment {
                strs: table
                    .names
                    .iter()
                    .map(|names| (None, vec![0; names.len()]))
                    .collect(),
                counts: vec![0; table.combinations.len()],
                table: Some(table),
                stars: None,
                star_counts: [0; 16],
                women: None,
                women_count: 0,
            });
        }
        let ff = reader.fast_fields();
        let mut strs = Vec::with_capacity(STR_FACETS.len());
        for name in STR_FACETS {
            let column = ff.str(name)?;
            let counts = vec![0; column.as_ref().map_or(0, |c| c.num_terms())];
            strs.push((column, counts));
        }
        Ok(FacetSegment {
            strs,
            table: None,
            counts: Vec::new(),
            stars: ff.column_opt(F_STARS)?,
            star_counts: [0; 16],
            women: ff.column_opt(F_WOMEN)?,
            women_count: 0,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<FacetFruit>) -> tantivy::Result<Facets> {
        let mut strs: [HashMap<String, u64>; 5] = Default::default();
        let mut stars = [0u64; 16];
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

impl FacetSegment {
    /// Adds `n` matches of the packed values `code` to the counts.
    fn tally(&mut self, table: &FacetTable, code: u64, n: u64) {
        for ((_, counts), slot) in self.strs.iter_mut().zip(table.slots) {
            match slot {
                Slot::One { shift, bits } => {
                    let ord = (code >> shift) & Slot::mask(bits);
                    if ord > 0
                        && let Some(count) = counts.get_mut(ord as usize - 1)
                    {
                        *count += n;
                    }
                }
                Slot::Mask { shift, bits } => {
                    let mut ords = (code >> shift) & Slot::mask(bits);
                    while ords != 0 {
                        if let Some(count) = counts.get_mut(ords.trailing_zeros() as usize) {
                            *count += n;
                        }
                        ords &= ords - 1;
                    }
                }
            }
        }
        let rest = code >> table.stars_shift;
        if let Some(count) = self.star_counts.get_mut((rest & 15) as usize) {
            *count += n;
        }
        self.women_count += ((rest >> 4) & 1) * n;
    }
}

impl SegmentCollector for FacetSegment {
    type Fruit = FacetFruit;

    fn collect(&mut self, doc: DocId, _score: Score) {
        if let Some(table) = &self.table {
            // Matches share few combinations of values: counted by combination here, each
            // combination's values counted once at harvest.
            if let Some(&at) = table.combination_of.get(doc as usize)
                && let Some(n) = self.counts.get_mut(at as usize)
            {
                *n += 1;
            }
            return;
        }
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

    fn harvest(mut self) -> FacetFruit {
        if let Some(table) = self.table.take() {
            let counts = std::mem::take(&mut self.counts);
            for (&code, n) in table.combinations.iter().zip(counts) {
                if n > 0 {
                    self.tally(&table, code, u64::from(n));
                }
            }
            self.table = Some(table);
        }
        let mut fruit = FacetFruit {
            stars: self.star_counts,
            women: self.women_count,
            ..FacetFruit::default()
        };
        if let Some(table) = &self.table {
            for (((_, counts), names), out) in self
                .strs
                .into_iter()
                .zip(&table.names)
                .zip(fruit.strs.iter_mut())
            {
                for (n, name) in counts.into_iter().zip(names) {
                    if n > 0 && !name.is_empty() {
                        out.push((name.clone(), n));
                    }
                }
            }
            return fruit;
        }
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
