//! Excel workbooks: the first worksheet read as text with calamine, and tables written with
//! rust_xlsxwriter as text cells so that codes such as `00577` keep their leading zeros.

use crate::{SheetError, Table};
use calamine::{Data, Reader, Xlsx};
use rust_xlsxwriter::{Format, Workbook};
use std::io::Cursor;

pub(crate) fn read_xlsx(bytes: &[u8]) -> Result<Table, SheetError> {
    let mut workbook =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| SheetError::Corrupt(e.to_string()))?;
    let range = match workbook.worksheet_range_at(0) {
        Some(Ok(range)) => range,
        Some(Err(e)) => return Err(SheetError::Corrupt(e.to_string())),
        None => return Err(SheetError::Empty),
    };
    let mut lines = range
        .rows()
        .map(|r| r.iter().map(cell_text).collect::<Vec<String>>())
        .skip_while(|r| is_blank(r));
    let headers = lines.next().ok_or(SheetError::Empty)?;
    let mut rows: Vec<Vec<String>> = lines.collect();
    while rows.last().is_some_and(|r| is_blank(r)) {
        rows.pop();
    }
    Ok(Table::new(headers, rows))
}

fn is_blank(row: &[String]) -> bool {
    row.iter().all(|c| c.trim().is_empty())
}

/// Numbers typed into Excel come back as floats: a price of 315000 or a year of 2008 must
/// read as `315000` and `2008`, not `315000.0`.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => float_text(*f),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) if d.is_datetime() => {
            let (y, mo, day, h, mi, s, _) = d.to_ymd_hms_milli();
            if (h, mi, s) == (0, 0, 0) {
                format!("{y:04}-{mo:02}-{day:02}")
            } else {
                format!("{y:04}-{mo:02}-{day:02} {h:02}:{mi:02}:{s:02}")
            }
        }
        Data::DateTime(d) => float_text(d.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => e.to_string(),
    }
}

fn float_text(f: f64) -> String {
    // Below 2^53 every whole float is exactly an integer, so the cast loses nothing.
    if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 {
        (f as i64).to_string()
    } else {
        f.to_string()
    }
}

/// Writes the table to one worksheet: a bold, frozen header row, every cell as text, and the
/// columns formatted as text so that codes typed in later keep their leading zeros too.
/// Sheet names Excel refuses (over 31 characters, `[]:*?/\`) are tidied rather than refused.
pub fn write_xlsx(t: &Table, sheet_name: &str) -> Result<Vec<u8>, SheetError> {
    let write_err = |e: rust_xlsxwriter::XlsxError| SheetError::Write(e.to_string());
    let text = Format::new().set_num_format("@");
    let header = Format::new().set_bold().set_num_format("@");

    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet
        .set_name(valid_sheet_name(sheet_name))
        .map_err(write_err)?;
    for (c, name) in t.headers.iter().enumerate() {
        let col = column(c)?;
        sheet.set_column_format(col, &text).map_err(write_err)?;
        sheet
            .write_string_with_format(0, col, name, &header)
            .map_err(write_err)?;
    }
    for (r, row) in t.rows.iter().enumerate() {
        let r = u32::try_from(r + 1).map_err(|_| SheetError::Write("too many rows".into()))?;
        for (c, value) in row.iter().enumerate() {
            if !value.is_empty() {
                sheet
                    .write_string_with_format(r, column(c)?, value, &text)
                    .map_err(write_err)?;
            }
        }
    }
    if !t.headers.is_empty() {
        sheet.set_freeze_panes(1, 0).map_err(write_err)?;
    }
    sheet.set_autofit_max_width(400);
    sheet.autofit();
    workbook.save_to_buffer().map_err(write_err)
}

/// A cell of a report workbook: numbers stay numbers (Excel sums them), text stays text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    Number(i64),
    Empty,
}

/// One worksheet of a report workbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    pub name: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// Writes a report workbook: one worksheet per [`Sheet`], a bold frozen header row, whole
/// numbers with thousands separators, and a bold last row when `total_row` (the total).
pub fn write_workbook(sheets: &[Sheet], total_row: bool) -> Result<Vec<u8>, SheetError> {
    let write_err = |e: rust_xlsxwriter::XlsxError| SheetError::Write(e.to_string());
    let header = Format::new().set_bold().set_text_wrap();
    let number = Format::new().set_num_format("#,##0");
    let bold_number = Format::new().set_num_format("#,##0").set_bold();
    let bold = Format::new().set_bold();
    let mut workbook = Workbook::new();
    for sheet_data in sheets {
        let sheet = workbook.add_worksheet();
        sheet
            .set_name(valid_sheet_name(&sheet_data.name))
            .map_err(write_err)?;
        for (c, name) in sheet_data.headers.iter().enumerate() {
            sheet
                .write_string_with_format(0, column(c)?, name, &header)
                .map_err(write_err)?;
        }
        let last = sheet_data.rows.len().saturating_sub(1);
        for (i, row) in sheet_data.rows.iter().enumerate() {
            let r = u32::try_from(i + 1).map_err(|_| SheetError::Write("too many rows".into()))?;
            let is_total = total_row && i == last;
            for (c, cell) in row.iter().enumerate() {
                let col = column(c)?;
                match cell {
                    Cell::Text(t) if is_total => sheet.write_string_with_format(r, col, t, &bold),
                    Cell::Text(t) => sheet.write_string(r, col, t),
                    // Whole numbers of people and đồng: far below 2^53, exact as floats.
                    Cell::Number(n) if is_total => {
                        sheet.write_number_with_format(r, col, *n as f64, &bold_number)
                    }
                    Cell::Number(n) => sheet.write_number_with_format(r, col, *n as f64, &number),
                    Cell::Empty => continue,
                }
                .map_err(write_err)?;
            }
        }
        sheet.set_freeze_panes(1, 0).map_err(write_err)?;
        sheet.set_autofit_max_width(300);
        sheet.autofit();
    }
    workbook.save_to_buffer().map_err(write_err)
}

fn column(c: usize) -> Result<u16, SheetError> {
    u16::try_from(c).map_err(|_| SheetError::Write("too many columns".into()))
}

fn valid_sheet_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') || c.is_control() {
                ' '
            } else {
                c
            }
        })
        .collect();
    let cleaned: String = cleaned
        .trim()
        .trim_matches('\'')
        .trim()
        .chars()
        .take(31)
        .collect();
    let cleaned = cleaned.trim_end().trim_end_matches('\'').to_owned();
    if cleaned.is_empty() || cleaned.eq_ignore_ascii_case("history") {
        "Sheet1".to_owned()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_floats_lose_the_point_zero() {
        assert_eq!(float_text(315000.0), "315000");
        assert_eq!(float_text(2008.0), "2008");
        assert_eq!(float_text(-0.0), "0");
        assert_eq!(float_text(20.99715), "20.99715");
        assert_eq!(float_text(1e300), 1e300_f64.to_string());
        assert_eq!(cell_text(&Data::Float(577.0)), "577");
        assert_eq!(cell_text(&Data::Bool(true)), "true");
        assert_eq!(cell_text(&Data::Empty), "");
    }

    #[test]
    fn sheet_names_are_tidied() {
        assert_eq!(valid_sheet_name("Hợp tác xã"), "Hợp tác xã");
        assert_eq!(valid_sheet_name("a/b:c"), "a b c");
        assert_eq!(valid_sheet_name("  "), "Sheet1");
        assert_eq!(valid_sheet_name(&"x".repeat(40)).chars().count(), 31);
    }
}
