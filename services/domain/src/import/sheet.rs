//! Finding the canonical columns in a sheet, whatever headers and aliases it uses, and
//! running every row through a record's rules.

use super::cells::Cells;
use super::{Parsed, RowError, error};
use crate::text;
use std::collections::HashMap;

/// Where each canonical column is in the sheet.
pub(super) struct Sheet {
    columns: &'static [&'static str],
    required: &'static [&'static str],
    index: Vec<Option<usize>>,
}

impl Sheet {
    pub(super) fn new(
        headers: &[String],
        columns: &'static [&'static str],
        aliases: &[(&str, &str)],
        required: &'static [&'static str],
    ) -> Sheet {
        let keys: Vec<String> = headers.iter().map(|h| header_key(h)).collect();
        let find = |name: &str| keys.iter().position(|k| k == name);
        let index = columns
            .iter()
            .map(|&col| {
                find(col).or_else(|| {
                    aliases
                        .iter()
                        .filter(|(_, canonical)| *canonical == col)
                        .find_map(|(alias, _)| find(alias))
                })
            })
            .collect();
        Sheet {
            columns,
            required,
            index,
        }
    }

    pub(super) fn has_column(&self, name: &str) -> bool {
        self.columns
            .iter()
            .position(|c| *c == name)
            .and_then(|i| self.index.get(i))
            .is_some_and(Option::is_some)
    }

    /// The cell of canonical column `name` in a raw row, cleaned (NFC, trimmed).
    pub(super) fn cell(&self, row: &[String], name: &str) -> String {
        self.columns
            .iter()
            .position(|c| *c == name)
            .and_then(|i| self.index.get(i).copied().flatten())
            .and_then(|j| row.get(j))
            .map(|v| text::clean(v))
            .unwrap_or_default()
    }

    pub(super) fn missing_required(&self) -> Vec<RowError> {
        self.required
            .iter()
            .filter(|col| !self.has_column(col))
            .map(|col| {
                error(
                    1,
                    col,
                    format!("Thiếu cột bắt buộc \"{col}\" ở dòng tiêu đề"),
                    format!("The required column \"{col}\" is missing from the header row"),
                )
            })
            .collect()
    }

    pub(super) fn parse<T>(
        &self,
        rows: &[Vec<String>],
        header_errors: Vec<RowError>,
        keys: &[&'static str],
        record: fn(&mut Cells) -> Option<T>,
    ) -> Parsed<T> {
        let accept = header_errors.is_empty();
        let mut parsed = Parsed {
            records: Vec::new(),
            errors: header_errors,
        };
        let mut seen: HashMap<(&str, String), usize> = HashMap::new();
        for (i, row) in rows.iter().enumerate() {
            // Blank rows are kept by the sheet reader so that row numbers stay true.
            if row.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let number = i + 2;
            let mut cells = Cells {
                row: number,
                columns: self.columns,
                values: self
                    .index
                    .iter()
                    .map(|ix| ix.map(|j| text::clean(row.get(j).map_or("", String::as_str))))
                    .collect(),
                errors: Vec::new(),
            };
            let value = record(&mut cells);
            for &key in keys {
                let id = cells.get(key).to_owned();
                if id.is_empty() {
                    continue;
                }
                if let Some(&first) = seen.get(&(key, id.clone())) {
                    cells.fail(
                        key,
                        format!("Trùng với dòng {first}: mỗi mã chỉ được xuất hiện một lần"),
                        format!("Same as row {first}: each id may appear only once"),
                    );
                } else {
                    seen.insert((key, id), number);
                }
            }
            // Reported left to right, as the person reads the row.
            cells
                .errors
                .sort_by_key(|e| self.columns.iter().position(|c| *c == e.column));
            match value {
                Some(v) if accept && cells.errors.is_empty() => parsed.records.push((number, v)),
                _ => parsed.errors.append(&mut cells.errors),
            }
        }
        parsed
    }
}

/// Headers as people type them: `Price VND`, ` price-vnd ` and `price_vnd` are one column.
fn header_key(h: &str) -> String {
    text::clean(h).to_lowercase().replace([' ', '-'], "_")
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::super::{COOPERATIVE_COLUMNS, LISTING_COLUMNS, cooperatives, listings};
    use crate::org::OrgKind;

    #[test]
    fn a_missing_required_column_is_reported_on_row_one() {
        let headers: Vec<&str> = LISTING_COLUMNS
            .iter()
            .copied()
            .filter(|c| *c != "unit")
            .collect();
        let rows: Vec<Vec<String>> = demo_listing_rows()
            .into_iter()
            .map(|mut r| {
                r.remove(
                    LISTING_COLUMNS
                        .iter()
                        .position(|c| *c == "unit")
                        .unwrap_or(0),
                );
                r
            })
            .collect();
        let parsed = listings(&columns(&headers), &rows);
        assert_eq!(error_at(&parsed.errors), vec![(1, "unit")]);
        assert!(parsed.records.is_empty());

        let parsed = cooperatives(&columns(&["name", "kind"]), &[strings(&["A", "htx"])]);
        assert_eq!(
            error_at(&parsed.errors),
            vec![(1, "commune_code"), (1, "external_id")]
        );
    }

    #[test]
    fn headers_match_loosely_and_aliases_are_accepted() {
        let headers = strings(&[" ID ", "Name", "KIND", "Commune Code", "Address", "extra"]);
        let parsed = cooperatives(
            &headers,
            &[strings(&[
                "htx-9",
                "HTX Mây tre",
                "THT",
                "577",
                "Thôn 1, Xã Bát Tràng, Thành phố Hà Nội",
                "ignored",
            ])],
        );
        assert_eq!(parsed.errors, vec![]);
        let (row, r) = &parsed.records[0];
        assert_eq!(*row, 2);
        assert_eq!(r.external_id.as_deref(), Some("htx-9"));
        assert_eq!(r.kind, OrgKind::Tht);
        assert_eq!(r.commune_code, "00577");
        assert_eq!(r.street.as_deref(), Some("Thôn 1"));
    }

    #[test]
    fn repeated_ids_and_blank_rows() {
        let headers = columns(COOPERATIVE_COLUMNS);
        let a = row(
            COOPERATIVE_COLUMNS,
            &[
                ("external_id", "a"),
                ("name", "A"),
                ("kind", "htx"),
                ("commune_code", "00577"),
            ],
        );
        let blank = vec![String::new(); COOPERATIVE_COLUMNS.len()];
        let parsed = cooperatives(&headers, &[a.clone(), blank, a]);
        assert_eq!(parsed.records.len(), 1);
        assert_eq!(error_at(&parsed.errors), vec![(4, "external_id")]);
        assert!(parsed.errors[0].message_en.contains("row 2"));
    }
}
