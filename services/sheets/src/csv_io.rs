//! CSV as Excel writes and reads it in Vietnam: UTF-8 with a byte-order mark, and `;` as the
//! delimiter whenever the Windows list separator is `;` (any locale with a decimal comma).

use crate::{SheetError, Table};

const BOM: &[u8] = b"\xEF\xBB\xBF";

pub(crate) fn read_csv(bytes: &[u8]) -> Result<Table, SheetError> {
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|_| SheetError::NotUtf8)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(detect_delimiter(text))
        .from_reader(text.as_bytes());

    // The csv crate silently drops empty lines; putting them back as blank rows keeps row
    // numbers equal to what Excel shows. A record's position is where the previous one
    // ended, so the empty lines it skipped are the line breaks right there.
    let mut lines: Vec<Vec<String>> = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(SheetError::Corrupt(e.to_string())),
        }
        let start = record.position().map_or(0, |p| p.byte());
        let skipped = usize::try_from(start).map_or(0, |start| empty_lines_at(text, start));
        lines.extend(std::iter::repeat_n(Vec::new(), skipped));
        lines.push(record.iter().map(unguard).collect());
    }

    let mut lines = lines.into_iter().skip_while(|r| is_blank(r));
    let headers = lines.next().ok_or(SheetError::Empty)?;
    let mut rows: Vec<Vec<String>> = lines.collect();
    while rows.last().is_some_and(|r| is_blank(r)) {
        rows.pop();
    }
    Ok(Table::new(headers, rows))
}

/// Counts the empty lines at `start`. The csv crate ends a CRLF record between the `\r` and
/// the `\n`, so a `\n` straight after a `\r` finishes a line break instead of being a line.
fn empty_lines_at(text: &str, start: usize) -> usize {
    let bytes = text.as_bytes();
    let mut after_cr = start > 0 && bytes.get(start - 1) == Some(&b'\r');
    let mut count = 0;
    for &b in bytes
        .iter()
        .skip(start)
        .take_while(|b| matches!(b, b'\r' | b'\n'))
    {
        if b == b'\r' || !after_cr {
            count += 1;
        }
        after_cr = b == b'\r';
    }
    count
}

fn is_blank(row: &[String]) -> bool {
    row.iter().all(|c| c.trim().is_empty())
}

/// Picks the delimiter that occurs most often, outside quotes, on the header line; a
/// single-column file has none, and then `,` is as good as any.
fn detect_delimiter(text: &str) -> u8 {
    let (mut commas, mut semicolons, mut tabs) = (0, 0, 0);
    let mut in_quotes = false;
    let mut content = false;
    for c in text.chars() {
        match c {
            '"' => in_quotes = !in_quotes,
            ',' if !in_quotes => commas += 1,
            ';' if !in_quotes => semicolons += 1,
            '\t' if !in_quotes => tabs += 1,
            '\n' if !in_quotes && content => break,
            c if !c.is_whitespace() => content = true,
            _ => {}
        }
        if commas + semicolons + tabs > 0 {
            content = true;
        }
    }
    if semicolons > commas && semicolons >= tabs {
        b';'
    } else if tabs > commas && tabs > semicolons {
        b'\t'
    } else {
        b','
    }
}

/// Writes RFC 4180 CSV (CRLF line ends, quotes only where needed) in UTF-8 with a BOM: without
/// the BOM, Excel decodes the file in the Windows code page and Vietnamese comes out garbled.
///
/// Cells that Excel would run as a formula (`=…`, `@…`, and `+…`/`-…` unless a plain
/// number) are prefixed with `'`, so that an exported name cannot execute in the officer's
/// spreadsheet; [`crate::read`] removes the prefix again.
pub fn write_csv(t: &Table) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 * (t.rows.len() + 1));
    out.extend_from_slice(BOM);
    for row in std::iter::once(&t.headers).chain(&t.rows) {
        for (i, cell) in row.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_cell(&mut out, cell);
        }
        out.extend_from_slice(b"\r\n");
    }
    out
}

fn write_cell(out: &mut Vec<u8>, cell: &str) {
    let guarded;
    let cell = if needs_guard(cell) {
        guarded = format!("'{cell}");
        guarded.as_str()
    } else {
        cell
    };
    if cell.contains([',', ';', '"', '\r', '\n']) {
        out.push(b'"');
        out.extend_from_slice(cell.replace('"', "\"\"").as_bytes());
        out.push(b'"');
    } else {
        out.extend_from_slice(cell.as_bytes());
    }
}

fn is_formula_start(s: &str) -> bool {
    match s.chars().next() {
        Some('=' | '@') => true,
        Some('+' | '-') => {
            let rest = &s[1..];
            !(rest.starts_with(|c: char| c.is_ascii_digit())
                && rest
                    .chars()
                    .all(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | ' ')))
        }
        _ => false,
    }
}

/// A cell is guarded if it looks like a formula, also behind apostrophes of its own (so
/// that reading strips exactly the one that writing added).
fn needs_guard(cell: &str) -> bool {
    is_formula_start(cell.trim_start_matches('\''))
}

fn unguard(cell: &str) -> String {
    match cell.strip_prefix('\'') {
        Some(rest) if needs_guard(rest) => rest.to_owned(),
        _ => cell.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiter_follows_the_header_line() {
        assert_eq!(detect_delimiter("a;b;c\n1,5;2,5;3\n"), b';');
        assert_eq!(detect_delimiter("a,b\n1;2;3;4\n"), b',');
        assert_eq!(detect_delimiter("\n\na;b\n"), b';');
        assert_eq!(detect_delimiter("a\tb\tc\n"), b'\t');
        assert_eq!(detect_delimiter("name\n"), b',');
    }

    #[test]
    fn guard_covers_formulas_but_not_numbers() {
        for s in [
            "=1+1",
            "@A1",
            "+cmd|' /C calc'!A0",
            "-2+3+cmd",
            "'=x",
            "+",
            "-",
        ] {
            assert!(needs_guard(s), "{s}");
        }
        for s in ["+84904555560", "-5", "-1.5", "00577", "a=b", "'x", ""] {
            assert!(!needs_guard(s), "{s}");
        }
        for s in ["=1+1", "'=x", "''=x", "'plain"] {
            let mut out = Vec::new();
            write_cell(&mut out, s);
            let written = String::from_utf8(out).expect("utf-8");
            assert_eq!(unguard(&written), s);
        }
    }

    #[test]
    fn multi_line_cells_do_not_shift_later_rows() {
        let t = read_csv(b"a,b\n\"x\ny\nz\",1\n2,3\n\n4,5\n").expect("csv");
        assert_eq!(t.rows.len(), 4);
        assert_eq!(t.rows[1], vec!["2", "3"]);
        assert_eq!(t.rows[2], vec!["", ""]);
        assert_eq!(t.rows[3], vec!["4", "5"]);
    }
}
