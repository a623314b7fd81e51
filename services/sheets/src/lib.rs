//! Spreadsheets in and out: CSV and XLSX files read into, and written from, tables of text
//! cells. What the cells mean is the domain's business (`ketnoi_domain::import`); this crate
//! only knows about bytes, encodings, delimiters and workbooks.

mod csv_io;
mod xlsx;

pub use csv_io::write_csv;
pub use xlsx::{Cell, Sheet, write_workbook, write_xlsx};

/// The two file kinds cooperatives and Union officers actually send us.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    /// Decides by content, never by file name: people rename files, and browsers report
    /// whatever MIME type the operating system guesses.
    pub fn detect(bytes: &[u8]) -> Option<Format> {
        if bytes.starts_with(b"PK\x03\x04") {
            Some(Format::Xlsx)
        } else if std::str::from_utf8(bytes).is_ok() {
            Some(Format::Csv)
        } else {
            None
        }
    }
}

/// A sheet as text: the header row and the data rows, every row exactly `headers.len()`
/// cells long (short rows are padded with `""`, long ones truncated).
///
/// Row numbers shown to people are spreadsheet row numbers: the header is row 1, so
/// `rows[i]` is row `i + 2`. To keep that true, blank rows *between* data rows are kept (as
/// rows of empty cells, which importers skip); blank rows before the header and after the
/// last data row are dropped.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// Builds a table, padding or truncating each row to the width of the header.
    pub fn new(headers: Vec<String>, rows: Vec<Vec<String>>) -> Table {
        let width = headers.len();
        let rows = rows
            .into_iter()
            .map(|mut r| {
                r.resize(width, String::new());
                r
            })
            .collect();
        Table { headers, rows }
    }

    /// The spreadsheet row number of `rows[index]`.
    pub fn row_number(index: usize) -> usize {
        index + 2
    }
}

/// Why a file could not be read or written. The messages are shown to the person uploading,
/// so they say what to do.
#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    #[error(
        "the file is not UTF-8 text; in Excel choose Save As → \"CSV UTF-8 (Comma delimited)\", or upload the .xlsx"
    )]
    NotUtf8,
    #[error("the file is neither an Excel workbook (.xlsx) nor a CSV file")]
    UnknownFormat,
    #[error("the workbook could not be read: {0}")]
    Corrupt(String),
    #[error("the sheet has no header row")]
    Empty,
    #[error("the workbook could not be written: {0}")]
    Write(String),
}

/// Detects the format and reads the table: the first worksheet of a workbook, or the whole
/// CSV file.
pub fn read(bytes: &[u8]) -> Result<Table, SheetError> {
    match Format::detect(bytes) {
        Some(Format::Xlsx) => xlsx::read_xlsx(bytes),
        Some(Format::Csv) => csv_io::read_csv(bytes),
        None if looks_like_text(bytes) => Err(SheetError::NotUtf8),
        None => Err(SheetError::UnknownFormat),
    }
}

/// Tells legacy-encoded text (Windows-1258, TCVN3, UTF-16 from Excel's "Unicode Text") from
/// arbitrary binary, so that the person gets the "save as CSV UTF-8" advice only when it
/// would help.
fn looks_like_text(bytes: &[u8]) -> bool {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return true;
    }
    if bytes.contains(&0) {
        return false;
    }
    // Some old Vietnamese encodings (VISCII) put a few letters among the C0 controls, so a
    // handful is tolerated; binary formats have them everywhere.
    let controls = bytes
        .iter()
        .filter(|&&b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0x7F)
        .count();
    controls * 50 <= bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(headers: &[&str], rows: &[&[&str]]) -> Table {
        Table::new(
            headers.iter().map(|s| s.to_string()).collect(),
            rows.iter()
                .map(|r| r.iter().map(|s| s.to_string()).collect())
                .collect(),
        )
    }

    #[test]
    fn detects_by_content() {
        assert_eq!(Format::detect(b"PK\x03\x04rest"), Some(Format::Xlsx));
        assert_eq!(Format::detect(b"\xEF\xBB\xBFname\n"), Some(Format::Csv));
        assert_eq!(Format::detect("tên\n".as_bytes()), Some(Format::Csv));
        assert_eq!(Format::detect(b"t\xeat"), None);
    }

    #[test]
    fn csv_with_bom_and_semicolons_is_read() {
        let bytes =
            "\u{feff}name;commune_code;price_vnd\r\nHTX Gốm sứ;00577;315.000\r\n;;\r\n".as_bytes();
        let t = read(bytes).expect("csv");
        assert_eq!(
            t,
            table(
                &["name", "commune_code", "price_vnd"],
                &[&["HTX Gốm sứ", "00577", "315.000"]]
            )
        );
    }

    #[test]
    fn quoted_cells_keep_commas_quotes_and_newlines() {
        let bytes = b"title,description\n\"Tea, green\",\"Line one\nline \"\"two\"\"\"\n";
        let t = read(bytes).expect("csv");
        assert_eq!(
            t.rows,
            vec![vec![
                "Tea, green".to_owned(),
                "Line one\nline \"two\"".to_owned()
            ]]
        );
    }

    #[test]
    fn semicolon_inside_quotes_does_not_decide_the_delimiter() {
        let t = read(b"\"a;b;c\",d\n1,2\n").expect("csv");
        assert_eq!(t.headers, vec!["a;b;c", "d"]);
        assert_eq!(t.rows, vec![vec!["1", "2"]]);
    }

    #[test]
    fn ragged_rows_are_padded_and_truncated() {
        let t = read(b"a,b,c\n1\n1,2,3,4\n").expect("csv");
        assert_eq!(t.rows, vec![vec!["1", "", ""], vec!["1", "2", "3"]]);
    }

    #[test]
    fn blank_lines_between_rows_keep_row_numbers_true() {
        let t = read(b"\n\na,b\n1,2\n\n3,4\n,\n\n").expect("csv");
        assert_eq!(t.headers, vec!["a", "b"]);
        // "3,4" is on spreadsheet row 4 once the leading blank lines are dropped.
        assert_eq!(t.rows, vec![vec!["1", "2"], vec!["", ""], vec!["3", "4"]]);
        assert_eq!(Table::row_number(2), 4);
        let crlf = read(b"a,b\r\n1,2\r\n\r\n3,4\r\n\r\n").expect("csv");
        assert_eq!(crlf.rows, t.rows);
    }

    #[test]
    fn csv_round_trips_through_write_csv() {
        let t = table(
            &["id", "tên", "ghi chú"],
            &[
                &["00577", "Gốm sứ, men lam", "dòng 1\r\ndòng 2"],
                &["2", "nói \"hay\"", ""],
            ],
        );
        let bytes = write_csv(&t);
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
        assert_eq!(read(&bytes).expect("csv"), t);
    }

    #[test]
    fn formulas_are_neutralised_in_csv_and_restored_on_read() {
        let t = table(
            &["name", "phone"],
            &[
                &["=HYPERLINK(\"http://x\")", "+84904555560"],
                &["@SUM(A1)", "-5"],
            ],
        );
        let bytes = write_csv(&t);
        let text = String::from_utf8(bytes.clone()).expect("utf-8");
        assert!(text.contains("'=HYPERLINK"));
        assert!(text.contains("'@SUM"));
        assert!(text.contains(",+84904555560"));
        assert_eq!(read(&bytes).expect("csv"), t);
    }

    #[test]
    fn xlsx_round_trip_keeps_text_and_leading_zeros() {
        let t = table(
            &["external_id", "name", "commune_code", "price_vnd"],
            &[
                &["htx-1", "HTX Gốm sứ Men Lam Bát Tràng", "00577", "315000"],
                &["htx-2", "Tổ hợp tác Mây tre đan Phú Vinh", "10030", ""],
            ],
        );
        let bytes = write_xlsx(&t, "Hợp tác xã").expect("xlsx");
        assert_eq!(Format::detect(&bytes), Some(Format::Xlsx));
        assert_eq!(read(&bytes).expect("read"), t);
    }

    #[test]
    fn odd_sheet_names_are_made_acceptable() {
        let t = table(&["a"], &[&["1"]]);
        let long = "Danh sách: hợp tác xã [Hà Nội] / 2026 và các tổ hợp tác";
        assert!(write_xlsx(&t, long).is_ok());
        assert!(write_xlsx(&t, "").is_ok());
        assert!(write_xlsx(&t, "'").is_ok());
    }

    #[test]
    fn non_utf8_text_asks_for_csv_utf8() {
        let err = read(b"t\xeat").err();
        assert!(matches!(err, Some(SheetError::NotUtf8)), "{err:?}");
        assert!(
            SheetError::NotUtf8.to_string().contains("CSV UTF-8"),
            "the message names the Excel option"
        );
        let utf16 = [0xFF, 0xFE, b'a', 0, b'\n', 0];
        assert!(matches!(read(&utf16), Err(SheetError::NotUtf8)));
    }

    #[test]
    fn random_binary_is_unknown() {
        let mut state = 0x2545_f491_u32;
        let bytes: Vec<u8> = (0..4096)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                (state >> 24) as u8
            })
            .collect();
        assert!(matches!(read(&bytes), Err(SheetError::UnknownFormat)));
        assert!(matches!(
            read(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Err(SheetError::UnknownFormat)
        ));
    }

    #[test]
    fn corrupt_xlsx_is_reported() {
        assert!(matches!(
            read(b"PK\x03\x04not really a zip"),
            Err(SheetError::Corrupt(_))
        ));
    }

    #[test]
    fn no_header_row_is_empty() {
        for bytes in [&b""[..], b"\xEF\xBB\xBF", b"\n\r\n\n", b";;;\n"] {
            assert!(matches!(read(bytes), Err(SheetError::Empty)), "{bytes:?}");
        }
        let empty = write_xlsx(&Table::default(), "x").expect("xlsx");
        assert!(matches!(read(&empty), Err(SheetError::Empty)));
    }

    /// The whole path an officer takes: export the demo listings and cooperatives, open the
    /// file, import it again.
    #[test]
    fn demo_data_survives_export_and_import_in_both_formats() {
        use ketnoi_domain::import;
        let listings = import::demo_listings(include_str!("../../../data/demo/listings.json"))
            .expect("demo listings");
        let coops = import::demo_cooperatives(include_str!("../../../data/demo/cooperatives.json"))
            .expect("demo cooperatives");
        let listing_table = Table::new(
            table(import::LISTING_COLUMNS, &[]).headers,
            listings.iter().map(import::listing_row).collect(),
        );
        let coop_table = Table::new(
            table(import::COOPERATIVE_COLUMNS, &[]).headers,
            coops.iter().map(import::cooperative_row).collect(),
        );
        for bytes in [
            write_csv(&listing_table),
            write_xlsx(&listing_table, "Sản phẩm").expect("xlsx"),
        ] {
            let t = read(&bytes).expect("read");
            let parsed = import::listings(&t.headers, &t.rows);
            assert!(parsed.errors.is_empty(), "{:?}", parsed.errors.first());
            let back: Vec<_> = parsed.records.into_iter().map(|(_, r)| r).collect();
            assert_eq!(back, listings);
        }
        for bytes in [
            write_csv(&coop_table),
            write_xlsx(&coop_table, "Hợp tác xã").expect("xlsx"),
        ] {
            let t = read(&bytes).expect("read");
            let parsed = import::cooperatives(&t.headers, &t.rows);
            assert!(parsed.errors.is_empty(), "{:?}", parsed.errors.first());
            let back: Vec<_> = parsed.records.into_iter().map(|(_, r)| r).collect();
            assert_eq!(back, coops);
        }
    }

    #[test]
    fn header_only_gives_no_rows() {
        let t = read(b"a,b\r\n").expect("csv");
        assert_eq!(t.headers, vec!["a", "b"]);
        assert!(t.rows.is_empty());
    }
}
