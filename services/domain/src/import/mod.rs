//! Spreadsheet rows of cooperatives and listings: validated into records on import, and
//! written back as rows on export, so that an export can be edited in Excel and imported
//! again. Row numbers are spreadsheet row numbers: the header is row 1, `rows[i]` is row
//! `i + 2`.
//!
//! The work is split along its seams: `sheet` finds the columns under whatever headers the
//! sheet uses, `cells` reads and checks one row's cells, `cooperatives` and `listings` turn
//! a row into a record, `export` writes a record back as a row, and `demo` reads the demo
//! dataset through the same rules.

pub(crate) mod cells;
mod cooperatives;
mod demo;
mod export;
mod listings;
mod reports;
mod sheet;
#[cfg(test)]
mod testing;
mod training;

pub use demo::{demo_cooperatives, demo_listings};
pub use export::{cooperative_row, listing_row};
pub use reports::report_row;
pub use training::{TrainingRecord, training_row};

use crate::catalog::{CooperativeRecord, ListingRecord};
use sheet::Sheet;

/// What is wrong with one cell (or, on row 1, with the header).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct RowError {
    /// Spreadsheet row number: 1 is the header, 2 the first data row.
    pub row: usize,
    /// The canonical column name (see [`COOPERATIVE_COLUMNS`], [`LISTING_COLUMNS`]), even
    /// when the sheet used an alias.
    pub column: String,
    pub message_vi: String,
    pub message_en: String,
}

/// The rows that are valid, each with its spreadsheet row number, and what is wrong with the
/// others. When a required column is missing no row is accepted, but the cells that are
/// there are still checked, so that one upload reports every problem at once.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed<T> {
    pub records: Vec<(usize, T)>,
    pub errors: Vec<RowError>,
}

pub const COOPERATIVE_COLUMNS: &[&str] = &[
    "external_id",
    "registration_no",
    "tax_code",
    "name",
    "kind",
    "commune_code",
    "street",
    "founded_year",
    "sector",
    "story_vi",
    "story_en",
    "phone",
    "email",
    "lat",
    "lon",
    "members_total",
    "members_female",
    "jobs_female",
];

pub const LISTING_COLUMNS: &[&str] = &[
    "external_id",
    "cooperative",
    "kind",
    "title_vi",
    "title_en",
    "description_vi",
    "description_en",
    "category",
    "price_vnd",
    "unit",
    "min_order_qty",
    "price_tiers",
    "season",
    "stock",
    "duration_hours",
    "max_group_size",
    "certifications",
    "ocop_stars",
    "origin_commune_code",
];

/// The columns of a cooperative's figures for a period: the cooperative (its `external_id`,
/// registration number or slug), the period (`2025-y`, `2025-h1`), then the report's fields.
pub const REPORT_COLUMNS: &[&str] = &[
    "cooperative",
    "period",
    "members_total",
    "members_women",
    "workers_total",
    "workers_women",
    "chair_women",
    "board_women",
    "director_women",
    "supervisors_women",
    "accountant_women",
    "managers_certified",
    "members_vocational",
    "members_ecommerce",
    "jobs_created",
    "charter_capital",
    "revenue",
    "profit",
    "poor_women",
    "minority_women",
    "disabled_women",
    "land_women",
    "laid_off_women",
    "difficulties",
    "needs",
];

/// The Vietnamese headers the Union's own sheets use for the main columns (as the report
/// form and the dashboard's export name them), lower case with `_` for spaces.
const REPORT_ALIASES: &[(&str, &str)] = &[
    ("hợp_tác_xã", "cooperative"),
    ("mã_htx", "cooperative"),
    ("kỳ", "period"),
    ("kỳ_báo_cáo", "period"),
    ("tổng_số_thành_viên", "members_total"),
    ("thành_viên_nữ", "members_women"),
    ("tổng_số_lao_động", "workers_total"),
    ("lao_động_nữ", "workers_women"),
    ("việc_làm_mới_tạo_ra", "jobs_created"),
    ("vốn_điều_lệ", "charter_capital"),
    ("doanh_thu", "revenue"),
    ("lợi_nhuận", "profit"),
    ("khó_khăn_trong_kỳ", "difficulties"),
    ("đề_xuất_hỗ_trợ", "needs"),
];
const REPORT_REQUIRED: &[&str] = &["cooperative", "period"];

/// The columns of a training record: the person, her cooperative (its `external_id`,
/// registration number, slug or exact name; empty for the Union's own officers), her role,
/// what was taught, for how many hours, when, the certificate and who organised it.
pub const TRAINING_COLUMNS: &[&str] = &[
    "person_name",
    "cooperative",
    "role",
    "topic",
    "hours",
    "held_on",
    "certificate_no",
    "provider",
];

/// The Vietnamese headers of the Union's training sheets, and English ones, lower case with
/// `_` for spaces.
const TRAINING_ALIASES: &[(&str, &str)] = &[
    ("họ_và_tên", "person_name"),
    ("họ_tên", "person_name"),
    ("học_viên", "person_name"),
    ("name", "person_name"),
    ("full_name", "person_name"),
    ("hợp_tác_xã", "cooperative"),
    ("htx", "cooperative"),
    ("mã_htx", "cooperative"),
    ("tên_htx", "cooperative"),
    ("chức_danh", "role"),
    ("chức_vụ", "role"),
    ("vai_trò", "role"),
    ("position", "role"),
    ("nội_dung", "topic"),
    ("nội_dung_đào_tạo", "topic"),
    ("nội_dung_tập_huấn", "topic"),
    ("chủ_đề", "topic"),
    ("lĩnh_vực", "topic"),
    ("số_giờ", "hours"),
    ("số_giờ_học", "hours"),
    ("thời_lượng", "hours"),
    ("thời_lượng_(giờ)", "hours"),
    ("ngày", "held_on"),
    ("ngày_tổ_chức", "held_on"),
    ("ngày_học", "held_on"),
    ("ngày_đào_tạo", "held_on"),
    ("ngày_tập_huấn", "held_on"),
    ("date", "held_on"),
    ("số_chứng_chỉ", "certificate_no"),
    ("số_chứng_nhận", "certificate_no"),
    ("certificate", "certificate_no"),
    ("đơn_vị_tổ_chức", "provider"),
    ("đơn_vị_đào_tạo", "provider"),
    ("cơ_sở_đào_tạo", "provider"),
    ("organiser", "provider"),
    ("organizer", "provider"),
];
const TRAINING_REQUIRED: &[&str] = &[
    "person_name",
    "role",
    "topic",
    "hours",
    "held_on",
    "provider",
];

/// `(alias, canonical)`: the demo dataset's field names, so its JSON exported to a sheet
/// imports as is.
const COOPERATIVE_ALIASES: &[(&str, &str)] = &[
    ("id", "external_id"),
    ("address", "street"),
    ("founded", "founded_year"),
    ("description", "story_vi"),
];
const LISTING_ALIASES: &[(&str, &str)] = &[
    ("id", "external_id"),
    ("cooperative_id", "cooperative"),
    ("title", "title_vi"),
    ("description", "description_vi"),
    ("commune_code", "origin_commune_code"),
];
const COOPERATIVE_REQUIRED: &[&str] = &["name", "kind", "commune_code"];
const LISTING_REQUIRED: &[&str] = &[
    "cooperative",
    "kind",
    "title_vi",
    "description_vi",
    "category",
    "price_vnd",
    "unit",
];

const NAME_MAX: usize = 200;
const ID_MAX: usize = 100;
const LONG_TEXT_MAX: usize = 5000;

/// Validates cooperative rows; see [`COOPERATIVE_COLUMNS`] for the columns.
pub fn cooperatives(headers: &[String], rows: &[Vec<String>]) -> Parsed<CooperativeRecord> {
    let sheet = Sheet::new(
        headers,
        COOPERATIVE_COLUMNS,
        COOPERATIVE_ALIASES,
        COOPERATIVE_REQUIRED,
    );
    let mut header_errors = sheet.missing_required();
    if !sheet.has_column("external_id") && !sheet.has_column("registration_no") {
        header_errors.push(error(
            1,
            "external_id",
            "Cần có cột external_id hoặc registration_no để nhận diện từng hợp tác xã",
            "Needs an external_id or registration_no column to identify each cooperative",
        ));
    }
    sheet.parse(
        rows,
        header_errors,
        &["external_id", "registration_no"],
        cooperatives::cooperative,
    )
}

/// Validates listing rows; see [`LISTING_COLUMNS`] for the columns. Whether the cooperative
/// exists is for the caller to check.
pub fn listings(headers: &[String], rows: &[Vec<String>]) -> Parsed<ListingRecord> {
    let sheet = Sheet::new(headers, LISTING_COLUMNS, LISTING_ALIASES, LISTING_REQUIRED);
    let header_errors = sheet.missing_required();
    sheet.parse(rows, header_errors, &["external_id"], listings::listing)
}

/// Validates rows of cooperatives' figures; see [`REPORT_COLUMNS`]. A cooperative appears
/// once per period; whether it exists (and is in the operator's scope) is for the caller.
pub fn reports(headers: &[String], rows: &[Vec<String>]) -> Parsed<crate::report::ReportRecord> {
    let sheet = Sheet::new(headers, REPORT_COLUMNS, REPORT_ALIASES, REPORT_REQUIRED);
    let header_errors = sheet.missing_required();
    let mut parsed = sheet.parse(rows, header_errors, &[], reports::report);
    // One row per cooperative and period, whether or not the rows are otherwise valid.
    let mut seen: std::collections::HashMap<(String, String), usize> = Default::default();
    let mut duplicates = std::collections::BTreeSet::new();
    for (i, row) in rows.iter().enumerate() {
        let (coop, period) = (sheet.cell(row, "cooperative"), sheet.cell(row, "period"));
        if coop.is_empty() || period.is_empty() {
            continue;
        }
        let key = (coop.to_lowercase(), reports::period_key(&period));
        match seen.get(&key) {
            Some(first) => {
                parsed.errors.push(error(
                    i + 2,
                    "period",
                    format!("Trùng với dòng {first}: mỗi hợp tác xã chỉ có một dòng cho mỗi kỳ"),
                    format!("Same as row {first}: one row per cooperative and period"),
                ));
                duplicates.insert(i + 2);
            }
            None => {
                seen.insert(key, i + 2);
            }
        }
    }
    parsed.records.retain(|(row, _)| !duplicates.contains(row));
    parsed.errors.sort_by_key(|e| e.row);
    parsed
}

/// Validates rows of training records; see [`TRAINING_COLUMNS`]. A row repeating an earlier
/// one (the same person, training, day and provider) is an error; whether the cooperative
/// exists (and is in the operator's scope) is for the caller.
pub fn training(headers: &[String], rows: &[Vec<String>]) -> Parsed<TrainingRecord> {
    let sheet = Sheet::new(
        headers,
        TRAINING_COLUMNS,
        TRAINING_ALIASES,
        TRAINING_REQUIRED,
    );
    let header_errors = sheet.missing_required();
    let mut parsed = sheet.parse(rows, header_errors, &[], training::training);
    let mut seen: std::collections::HashMap<String, usize> = Default::default();
    let mut duplicates = std::collections::BTreeSet::new();
    for (row, r) in &parsed.records {
        match seen.get(&training::same_key(r)) {
            Some(first) => {
                parsed.errors.push(error(
                    *row,
                    "person_name",
                    format!("Trùng với dòng {first}: cùng người, cùng khoá đào tạo, cùng ngày"),
                    format!("Same as row {first}: the same person, training and day"),
                ));
                duplicates.insert(*row);
            }
            None => {
                seen.insert(training::same_key(r), *row);
            }
        }
    }
    parsed.records.retain(|(row, _)| !duplicates.contains(row));
    parsed.errors.sort_by_key(|e| e.row);
    parsed
}

fn error(row: usize, column: &str, vi: impl Into<String>, en: impl Into<String>) -> RowError {
    RowError {
        row,
        column: column.to_owned(),
        message_vi: vi.into(),
        message_en: en.into(),
    }
}
