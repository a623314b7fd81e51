//! Spreadsheet rows of cooperatives and listings: validated into records on import, and
//! written back as rows on export, so that an export can be edited in Excel and imported
//! again. Row numbers are spreadsheet row numbers: the header is row 1, `rows[i]` is row
//! `i + 2`.

use crate::Vnd;
use crate::admin_units::{self, Commune};
use crate::catalog::{self, CooperativeRecord, ListingRecord, Months, OfferKind, PriceTier};
use crate::contact::{Email, Phone};
use crate::org::OrgKind;
use crate::text::{self, TextError};
use chrono::Datelike;
use serde_json::Value;
use std::collections::HashMap;

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
const CODE_MAX: usize = 50;
const STREET_MAX: usize = 300;
const LONG_TEXT_MAX: usize = 5000;
const FIRST_FOUNDING_YEAR: i64 = 1950;
/// A box around Hanoi's 126 wards and communes, with a margin; a point outside is a typo
/// (swapped or truncated coordinates), not a cooperative.
const LAT_RANGE: (f64, f64) = (20.5, 21.5);
const LON_RANGE: (f64, f64) = (105.2, 106.1);

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
        cooperative,
    )
}

/// Validates listing rows; see [`LISTING_COLUMNS`] for the columns. Whether the cooperative
/// exists is for the caller to check.
pub fn listings(headers: &[String], rows: &[Vec<String>]) -> Parsed<ListingRecord> {
    let sheet = Sheet::new(headers, LISTING_COLUMNS, LISTING_ALIASES, LISTING_REQUIRED);
    let header_errors = sheet.missing_required();
    sheet.parse(rows, header_errors, &["external_id"], listing)
}

fn cooperative(c: &mut Cells) -> Option<CooperativeRecord> {
    let external_id = c.line("external_id", ID_MAX, false);
    let registration_no = c.line("registration_no", CODE_MAX, false);
    let tax_code = c.line("tax_code", CODE_MAX, false);
    let name = c.line("name", NAME_MAX, true);
    let kind = c.code_of(
        "kind",
        true,
        |k| OrgKind::parse(k).filter(|k| k.is_cooperative()),
        (
            "Loại phải là htx (hợp tác xã) hoặc tht (tổ hợp tác)",
            "Kind must be htx (cooperative) or tht (cooperative group)",
        ),
    );
    let commune = c.commune("commune_code", true);
    let street = c
        .line("street", STREET_MAX, false)
        .and_then(|s| without_city_tail(&s, commune));
    let this_year = i64::from(chrono::Utc::now().with_timezone(&crate::time::HANOI).year());
    let founded_year = c.whole(
        "founded_year",
        |y| (FIRST_FOUNDING_YEAR..=this_year).contains(&y),
        (
            &format!("Năm thành lập phải là số từ {FIRST_FOUNDING_YEAR} đến {this_year}"),
            &format!("Founding year must be a number from {FIRST_FOUNDING_YEAR} to {this_year}"),
        ),
    );
    let sector = c.code_of(
        "sector",
        false,
        |s| catalog::sector(s).map(|s| s.id.clone()),
        (
            "Không phải mã ngành nghề đã biết (ví dụ gom_su, tra, rau_an_toan)",
            "Not a known sector id (e.g. gom_su, tra, rau_an_toan)",
        ),
    );
    let story_vi = c.block("story_vi", LONG_TEXT_MAX, false);
    let story_en = c.block("story_en", LONG_TEXT_MAX, false);
    let phone = c.parsed(
        "phone",
        |s| Phone::parse(s).ok().map(|p| p.as_str().to_owned()),
        (
            "Không phải số di động Việt Nam hợp lệ (ví dụ 0904 555 560)",
            "Not a valid Vietnamese mobile number (e.g. 0904 555 560)",
        ),
    );
    let email = c.parsed(
        "email",
        |s| Email::parse(s).ok().map(|e| e.as_str().to_owned()),
        (
            "Địa chỉ email không hợp lệ (ví dụ lan@example.com)",
            "Not a valid e-mail address (e.g. lan@example.com)",
        ),
    );
    let lat = c.parsed(
        "lat",
        |s| decimal_in(s, LAT_RANGE),
        (
            "Vĩ độ phải là số thập phân từ 20.5 đến 21.5 (trong Hà Nội, ví dụ 21.0285)",
            "Latitude must be a decimal number from 20.5 to 21.5 (in Hanoi, e.g. 21.0285)",
        ),
    );
    let lon = c.parsed(
        "lon",
        |s| decimal_in(s, LON_RANGE),
        (
            "Kinh độ phải là số thập phân từ 105.2 đến 106.1 (trong Hà Nội, ví dụ 105.8542)",
            "Longitude must be a decimal number from 105.2 to 106.1 (in Hanoi, e.g. 105.8542)",
        ),
    );
    for (missing, given) in [("lon", "lat"), ("lat", "lon")] {
        if c.is_empty(missing) && !c.is_empty(given) {
            c.fail(
                missing,
                "Cần nhập cả vĩ độ (lat) và kinh độ (lon), hoặc để trống cả hai",
                "Give both latitude (lat) and longitude (lon), or neither",
            );
        }
    }
    let members_total = c.whole("members_total", |n| n >= 0, NON_NEGATIVE);
    let members_female = c.whole("members_female", |n| n >= 0, NON_NEGATIVE);
    let jobs_female = c.whole("jobs_female", |n| n >= 0, NON_NEGATIVE);
    if let (Some(total), Some(female)) = (members_total, members_female)
        && female > total
    {
        c.fail(
            "members_female",
            format!("Số thành viên nữ không được lớn hơn tổng số thành viên ({total})"),
            format!("Female members cannot exceed total members ({total})"),
        );
    }
    if c.is_empty("external_id")
        && c.is_empty("registration_no")
        && (c.has_column("external_id") || c.has_column("registration_no"))
    {
        c.fail(
            "external_id",
            "Cần có mã (external_id) hoặc số đăng ký (registration_no), để lần nhập sau cập nhật thay vì tạo bản trùng",
            "Give an external_id or a registration_no, so that importing again updates instead of duplicating",
        );
    }
    if !c.is_ok() {
        return None;
    }
    Some(CooperativeRecord {
        external_id,
        registration_no,
        tax_code,
        name: name?,
        kind: kind?,
        commune_code: commune?.code.clone(),
        street,
        founded_year,
        sector,
        story_vi,
        story_en,
        phone,
        email,
        lat,
        lon,
        members_total,
        members_female,
        jobs_female,
    })
}

fn listing(c: &mut Cells) -> Option<ListingRecord> {
    let external_id = c.line("external_id", ID_MAX, false);
    let cooperative = c.line("cooperative", ID_MAX, true);
    let kind = c.code_of(
        "kind",
        true,
        OfferKind::from_dataset,
        (
            "Loại tin phải là product, retail, wholesale hoặc experience",
            "Kind must be product, retail, wholesale or experience",
        ),
    );
    let title_vi = c.line("title_vi", NAME_MAX, true);
    let title_en = c.line("title_en", NAME_MAX, false);
    let description_vi = c.block("description_vi", LONG_TEXT_MAX, true);
    let description_en = c.block("description_en", LONG_TEXT_MAX, false);
    let category = c.code_of(
        "category",
        true,
        |s| catalog::category(s).map(|c| c.id.clone()),
        (
            "Không phải mã danh mục đã biết (ví dụ gom-su, rau-cu-qua, workshop)",
            "Not a known category id (e.g. gom-su, rau-cu-qua, workshop)",
        ),
    );
    let price = c.parsed("price_vnd", parse_price, PRICE);
    if c.is_empty("price_vnd") && c.has_column("price_vnd") {
        c.fail("price_vnd", PRICE.0, PRICE.1);
    }
    let unit = c.code_of(
        "unit",
        true,
        |u| catalog::is_unit(u).then(|| u.to_owned()),
        (
            &format!(
                "Đơn vị không có trong danh sách: {}",
                catalog::UNITS.join(", ")
            ),
            &format!(
                "Not one of the accepted units: {}",
                catalog::UNITS.join(", ")
            ),
        ),
    );
    let min_order_qty = c.whole("min_order_qty", |n| n > 0, POSITIVE);
    let tiers = c.parsed("price_tiers", parse_tiers, TIERS);
    let months = c.parsed("season", parse_months, SEASON);
    let stock = c.whole("stock", |n| n >= 0, NON_NEGATIVE);
    let duration_hours = c.whole("duration_hours", |n| n > 0, POSITIVE);
    let max_group_size = c.whole("max_group_size", |n| n > 0, POSITIVE);
    let certifications = c.certifications("certifications");
    let ocop_stars = c.whole(
        "ocop_stars",
        |n| matches!(n, 0 | 3 | 4 | 5),
        (
            "Số sao OCOP phải là 0, 3, 4 hoặc 5",
            "OCOP stars must be 0, 3, 4 or 5",
        ),
    );
    let origin = c.commune("origin_commune_code", false);

    if kind == Some(OfferKind::Experience)
        && max_group_size.is_none()
        && c.is_empty("max_group_size")
    {
        c.fail(
            "max_group_size",
            "Trải nghiệm cần số khách tối đa mỗi nhóm (số nguyên lớn hơn 0)",
            "Experiences need a maximum group size (a whole number above 0)",
        );
    }
    // A wholesale offer always sells by tiers, starting at its minimum order; other offers
    // have one price per unit.
    let tiers = tiers.unwrap_or_default();
    let (min_order_qty, tiers) = match (kind, tiers.first().copied()) {
        (Some(OfferKind::Wholesale), Some(first)) => {
            if min_order_qty.is_some_and(|m| m != first.min_qty) {
                let q = first.min_qty;
                c.fail(
                    "min_order_qty",
                    format!("Hàng sỉ: số lượng tối thiểu phải bằng số lượng của bậc giá đầu ({q})"),
                    format!(
                        "Wholesale: the minimum order must equal the first tier's quantity ({q})"
                    ),
                );
            }
            (Some(first.min_qty), tiers)
        }
        (Some(OfferKind::Wholesale), None) => {
            let min_qty = min_order_qty.unwrap_or(1);
            let tier = price.map(|p| PriceTier {
                min_qty,
                price: Vnd(p),
            });
            (Some(min_qty), tier.into_iter().collect())
        }
        (Some(_), Some(_)) => {
            c.fail(
                "price_tiers",
                "Bậc giá chỉ dùng cho hàng sỉ (kind = wholesale)",
                "Price tiers are only for wholesale listings (kind = wholesale)",
            );
            (min_order_qty, tiers)
        }
        _ => (min_order_qty, tiers),
    };
    if !c.is_ok() {
        return None;
    }
    Some(ListingRecord {
        external_id,
        cooperative: cooperative?,
        kind: kind?,
        title_vi: title_vi?,
        title_en,
        description_vi: description_vi?,
        description_en,
        category: category?,
        price: Vnd(price?),
        unit: unit?,
        min_order_qty,
        tiers,
        months: months.unwrap_or(Months::ALL),
        stock,
        duration_hours,
        max_group_size,
        certifications,
        ocop_stars,
        origin_commune_code: origin.map(|o| o.code.clone()),
    })
}

/// One cooperative as a row under [`COOPERATIVE_COLUMNS`]; [`cooperatives`] reads it back
/// to the same record.
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

/// One listing as a row under [`LISTING_COLUMNS`]; [`listings`] reads it back to the same
/// record. Months are written as `1|2|3`, tiers as `30:315000|150:290000`.
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

/// Reads the fictional demo dataset (`data/demo/cooperatives.json`) through the same rules
/// as a spreadsheet; fields the record has no place for (managers, badges) are ignored.
pub fn demo_cooperatives(json: &str) -> Result<Vec<CooperativeRecord>, String> {
    let (headers, rows) = json_table(json)?;
    all_or_nothing(cooperatives(&headers, &rows))
}

/// Reads the fictional demo dataset (`data/demo/listings.json`) through the same rules as a
/// spreadsheet.
pub fn demo_listings(json: &str) -> Result<Vec<ListingRecord>, String> {
    let (headers, rows) = json_table(json)?;
    all_or_nothing(listings(&headers, &rows))
}

/// Lays a JSON array of objects out as a sheet: one column per field name, lists joined
/// with `|`, and `{min_qty, price_vnd}` tiers written as `min_qty:price_vnd`.
fn json_table(json: &str) -> Result<(Vec<String>, Vec<Vec<String>>), String> {
    let items: Vec<serde_json::Map<String, Value>> =
        serde_json::from_str(json).map_err(|e| format!("not a JSON array of objects: {e}"))?;
    let mut headers: Vec<String> = Vec::new();
    for key in items.iter().flat_map(|item| item.keys()) {
        if !headers.contains(key) {
            headers.push(key.clone());
        }
    }
    let rows = items
        .iter()
        .map(|item| {
            headers
                .iter()
                .map(|h| item.get(h).map(json_cell).unwrap_or_default())
                .collect()
        })
        .collect();
    Ok((headers, rows))
}

fn json_cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Array(items) => items.iter().map(json_cell).collect::<Vec<_>>().join("|"),
        Value::Object(o) => match (o.get("min_qty"), o.get("price_vnd")) {
            (Some(q), Some(p)) => format!("{}:{}", json_cell(q), json_cell(p)),
            _ => String::new(),
        },
    }
}

fn all_or_nothing<T>(parsed: Parsed<T>) -> Result<Vec<T>, String> {
    if parsed.errors.is_empty() {
        return Ok(parsed.records.into_iter().map(|(_, r)| r).collect());
    }
    const SHOWN: usize = 20;
    let mut lines: Vec<String> = parsed
        .errors
        .iter()
        .take(SHOWN)
        .map(|e| {
            // The JSON has no header row: record n is sheet row n + 1.
            format!(
                "record {}, {}: {}",
                e.row.saturating_sub(1),
                e.column,
                e.message_en
            )
        })
        .collect();
    if parsed.errors.len() > SHOWN {
        lines.push(format!("… and {} more", parsed.errors.len() - SHOWN));
    }
    Err(lines.join("\n"))
}

const NON_NEGATIVE: (&str, &str) = (
    "Phải là số nguyên từ 0 trở lên (ví dụ 25)",
    "Must be a whole number, 0 or more (e.g. 25)",
);
const POSITIVE: (&str, &str) = (
    "Phải là số nguyên lớn hơn 0 (ví dụ 20)",
    "Must be a whole number above 0 (e.g. 20)",
);
const TIERS: (&str, &str) = (
    "Bậc giá phải có dạng số_lượng:giá cách nhau bởi |, số lượng tăng dần và giá giảm dần \
     (hoặc giữ nguyên), ví dụ 30:315000|150:290000",
    "Price tiers must be quantity:price pairs separated by |, quantities rising and prices \
     falling (or equal), e.g. 30:315000|150:290000",
);
const SEASON: (&str, &str) = (
    "Mùa vụ phải là mã mùa (quanh_nam, xuan, he, thu, dong, tet) hoặc các tháng như 2|3|4; \
     để trống nếu bán quanh năm",
    "Season must be a season code (quanh_nam, xuan, he, thu, dong, tet) or months such as \
     2|3|4; leave empty for all year",
);
const PRICE: (&str, &str) = (
    "Giá phải là số nguyên đồng lớn hơn 0 (ví dụ 150000)",
    "Price must be a whole number of đồng above 0 (e.g. 150000)",
);

fn error(row: usize, column: &str, vi: impl Into<String>, en: impl Into<String>) -> RowError {
    RowError {
        row,
        column: column.to_owned(),
        message_vi: vi.into(),
        message_en: en.into(),
    }
}

/// Where each canonical column is in the sheet.
struct Sheet {
    columns: &'static [&'static str],
    required: &'static [&'static str],
    index: Vec<Option<usize>>,
}

impl Sheet {
    fn new(
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

    fn has_column(&self, name: &str) -> bool {
        self.columns
            .iter()
            .position(|c| *c == name)
            .and_then(|i| self.index.get(i))
            .is_some_and(Option::is_some)
    }

    fn missing_required(&self) -> Vec<RowError> {
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

    fn parse<T>(
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

/// One row's cells, cleaned (trimmed, NFC), by canonical column; `None` where the sheet has
/// no such column.
struct Cells {
    row: usize,
    columns: &'static [&'static str],
    values: Vec<Option<String>>,
    errors: Vec<RowError>,
}

impl Cells {
    fn slot(&self, col: &str) -> Option<&Option<String>> {
        self.columns
            .iter()
            .position(|c| *c == col)
            .and_then(|i| self.values.get(i))
    }
    fn has_column(&self, col: &str) -> bool {
        self.slot(col).is_some_and(Option::is_some)
    }
    fn get(&self, col: &str) -> &str {
        self.slot(col).and_then(Option::as_deref).unwrap_or("")
    }
    fn is_empty(&self, col: &str) -> bool {
        self.get(col).is_empty()
    }
    fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    /// Records an error; a cell gets at most one, the first found.
    fn fail(&mut self, col: &str, vi: impl Into<String>, en: impl Into<String>) {
        if !self.errors.iter().any(|e| e.column == col) {
            self.errors.push(error(self.row, col, vi, en));
        }
    }

    /// Flags an empty required cell; `true` if the cell has a value to check.
    fn present(&mut self, col: &str, required: bool) -> bool {
        if !self.is_empty(col) {
            return true;
        }
        if required && self.has_column(col) {
            self.fail(
                col,
                "Bắt buộc: ô này không được để trống",
                "Required: this cell must not be empty",
            );
        }
        false
    }

    fn line(&mut self, col: &str, max: usize, required: bool) -> Option<String> {
        if !self.present(col, required) {
            return None;
        }
        let checked = text::optional_line(self.get(col), max);
        self.text_result(col, checked)
    }

    fn block(&mut self, col: &str, max: usize, required: bool) -> Option<String> {
        if !self.present(col, required) {
            return None;
        }
        let checked = text::optional_block(self.get(col), max);
        self.text_result(col, checked)
    }

    fn text_result(
        &mut self,
        col: &str,
        checked: Result<Option<String>, TextError>,
    ) -> Option<String> {
        match checked {
            Ok(v) => v,
            Err(TextError::TooLong { max }) => {
                self.fail(
                    col,
                    format!("Dài quá {max} ký tự"),
                    format!("Longer than {max} characters"),
                );
                None
            }
            Err(TextError::ControlCharacters) => {
                self.fail(
                    col,
                    "Có ký tự điều khiển hoặc xuống dòng không được phép ở ô này",
                    "Contains control characters or line breaks, which this cell does not allow",
                );
                None
            }
            Err(TextError::Required) => {
                self.fail(
                    col,
                    "Bắt buộc: ô này không được để trống",
                    "Required: this cell must not be empty",
                );
                None
            }
        }
    }

    /// A non-empty cell through `parse`; empty is `None` without error.
    fn parsed<T>(
        &mut self,
        col: &str,
        parse: impl FnOnce(&str) -> Option<T>,
        message: (&str, &str),
    ) -> Option<T> {
        if self.is_empty(col) {
            return None;
        }
        let value = parse(self.get(col));
        if value.is_none() {
            self.fail(col, message.0, message.1);
        }
        value
    }

    /// A code compared in lower case, since `HTX` and `Kg` mean `htx` and `kg`.
    fn code_of<T>(
        &mut self,
        col: &str,
        required: bool,
        parse: impl FnOnce(&str) -> Option<T>,
        message: (&str, &str),
    ) -> Option<T> {
        if !self.present(col, required) {
            return None;
        }
        let value = parse(&self.get(col).to_lowercase());
        if value.is_none() {
            self.fail(col, message.0, message.1);
        }
        value
    }

    fn whole(
        &mut self,
        col: &str,
        valid: impl Fn(i64) -> bool,
        message: (&str, &str),
    ) -> Option<i64> {
        self.parsed(col, |s| parse_whole(s).filter(|n| valid(*n)), message)
    }

    fn commune(&mut self, col: &str, required: bool) -> Option<&'static Commune> {
        if !self.present(col, required) {
            return None;
        }
        self.parsed(col, commune_by_code, (
            "Mã phường/xã không có trong danh sách 126 phường, xã của Hà Nội (mã 5 chữ số, ví dụ 00577 là Xã Bát Tràng)",
            "Not one of Hanoi's 126 ward/commune codes (5 digits, e.g. 00577 for Xã Bát Tràng)",
        ))
    }

    fn certifications(&mut self, col: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let cell = self.get(col).to_lowercase();
        for id in cell
            .split(['|', ',', ';'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            match catalog::certification(id) {
                Some(_) if out.iter().any(|c| c == id) => {}
                Some(_) => out.push(id.to_owned()),
                None => {
                    let known: Vec<&str> = catalog::certifications()
                        .iter()
                        .map(|c| c.id.as_str())
                        .collect();
                    self.fail(
                        col,
                        format!(
                            "Chứng nhận không rõ \"{id}\": chỉ nhận {}, cách nhau bởi |",
                            known.join(", ")
                        ),
                        format!(
                            "Unknown certification \"{id}\": use {}, separated by |",
                            known.join(", ")
                        ),
                    );
                }
            }
        }
        out
    }
}

/// Commune codes lose their leading zeros whenever a CSV passes through Excel, so `577` is
/// read as `00577`.
fn commune_by_code(s: &str) -> Option<&'static Commune> {
    if s.is_empty() || s.len() > 5 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    admin_units::commune(&format!("{s:0>5}"))
}

/// The demo addresses end with the commune and the city, which the record keeps separately.
fn without_city_tail(street: &str, commune: Option<&Commune>) -> Option<String> {
    let street = match commune {
        Some(c) => strip_suffix_ignore_case(street, &format!(", {}, Thành phố Hà Nội", c.name))
            .unwrap_or(street),
        None => street,
    };
    let street = street.trim_end_matches([',', ' ']);
    (!street.is_empty()).then(|| street.to_owned())
}

fn strip_suffix_ignore_case<'a>(s: &'a str, suffix: &str) -> Option<&'a str> {
    let mut chars = s.char_indices().rev();
    let mut cut = s.len();
    for expected in suffix.chars().rev() {
        let (i, c) = chars.next()?;
        if !c.to_lowercase().eq(expected.to_lowercase()) {
            return None;
        }
        cut = i;
    }
    s.get(..cut)
}

/// A whole number, with `.`, `,` or spaces allowed as thousands separators (Vietnamese
/// writes `315.000`, English `315,000`). Groups must be exactly three digits, so decimals
/// such as `12,5` are refused rather than misread as 125.
fn parse_whole(s: &str) -> Option<i64> {
    let (negative, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let all_digits = |g: &str| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit());
    let plain = if all_digits(digits) {
        digits.to_owned()
    } else {
        let sep = digits.chars().find(|c| !c.is_ascii_digit())?;
        if !matches!(sep, '.' | ',' | ' ' | '\u{a0}' | '\u{202f}') {
            return None;
        }
        let mut groups = digits.split(sep);
        let first = groups.next()?;
        if !all_digits(first) || first.len() > 3 {
            return None;
        }
        let mut plain = first.to_owned();
        for group in groups {
            if !all_digits(group) || group.len() != 3 {
                return None;
            }
            plain.push_str(group);
        }
        plain
    };
    let n: i64 = plain.parse().ok()?;
    Some(if negative { -n } else { n })
}

/// A price in đồng above 0; a trailing `₫`, `đ`, `đồng`, `VND` or `VNĐ` is allowed, so the
/// amounts Ketnoi itself displays (`150.000 ₫`) read back.
fn parse_price(s: &str) -> Option<i64> {
    let lower = s.to_lowercase();
    let number = ["₫", "đồng", "vnđ", "vnd", "đ"]
        .iter()
        .find_map(|unit| lower.strip_suffix(unit))
        .unwrap_or(&lower)
        .trim();
    parse_whole(number).filter(|p| *p > 0)
}

fn parse_tiers(s: &str) -> Option<Vec<PriceTier>> {
    let mut tiers = Vec::new();
    for part in s.split('|').map(str::trim).filter(|p| !p.is_empty()) {
        let (qty, price) = part.split_once(':')?;
        let min_qty = parse_whole(qty.trim()).filter(|q| *q > 0)?;
        let price = parse_price(price.trim())?;
        tiers.push(PriceTier {
            min_qty,
            price: Vnd(price),
        });
    }
    catalog::tiers_are_valid(&tiers).then_some(tiers)
}

/// A season code (`tet`) or a list of months (`2|3|4`); empty means all year.
fn parse_months(s: &str) -> Option<Months> {
    if s.is_empty() {
        return Some(Months::ALL);
    }
    if let Some(m) = Months::of_season(&s.to_lowercase()) {
        return Some(m);
    }
    let mut months = Vec::new();
    for part in s
        .split(['|', ',', ';'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let m: u32 = part.parse().ok()?;
        if !(1..=12).contains(&m) {
            return None;
        }
        months.push(m);
    }
    (!months.is_empty()).then(|| Months::from_list(&months))
}

/// A decimal number with `.` or, as Vietnamese locales write it, `,` before the fraction.
fn decimal_in(s: &str, (min, max): (f64, f64)) -> Option<f64> {
    let s = if s.contains('.') {
        s.to_owned()
    } else {
        s.replacen(',', ".", 1)
    };
    let v: f64 = s.parse().ok()?;
    (v.is_finite() && (min..=max).contains(&v)).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    const COOPS: &str = include_str!("../../../data/demo/cooperatives.json");
    const LISTINGS: &str = include_str!("../../../data/demo/listings.json");

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    fn demo_listing_rows() -> Vec<Vec<String>> {
        demo_listings(LISTINGS)
            .expect("demo listings")
            .iter()
            .map(listing_row)
            .collect()
    }

    fn columns(items: &[&str]) -> Vec<String> {
        strings(items)
    }

    /// One listing row under `headers`, from `(column, value)` pairs.
    fn row(headers: &[&str], cells: &[(&str, &str)]) -> Vec<String> {
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

    fn retail(cells: &[(&str, &str)]) -> Parsed<ListingRecord> {
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

    fn coop(cells: &[(&str, &str)]) -> Parsed<CooperativeRecord> {
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

    fn error_at(errors: &[RowError]) -> Vec<(usize, &str)> {
        errors.iter().map(|e| (e.row, e.column.as_str())).collect()
    }

    #[test]
    fn demo_dataset_is_valid() {
        let coops = demo_cooperatives(COOPS).expect("demo cooperatives");
        assert_eq!(coops.len(), 60);
        let listings = demo_listings(LISTINGS).expect("demo listings");
        assert_eq!(listings.len(), 400);

        let first = &coops[0];
        assert_eq!(
            first.external_id.as_deref(),
            Some("htx-gom-su-men-lam-bat-trang")
        );
        assert_eq!(
            first.street.as_deref(),
            Some("Số 18, xóm 5, thôn Bát Tràng")
        );
        assert_eq!(first.phone.as_deref(), Some("+84904555560"));
        assert_eq!(first.founded_year, Some(2008));
        assert_eq!(
            first
                .story_vi
                .as_deref()
                .map(|s| s.starts_with("HTX Gốm sứ")),
            Some(true)
        );

        let wholesale = &listings[1];
        assert_eq!(wholesale.kind, OfferKind::Wholesale);
        assert_eq!(wholesale.min_order_qty, Some(30));
        assert_eq!(wholesale.tiers.len(), 3);
        assert_eq!(wholesale.origin_commune_code.as_deref(), Some("00577"));
        assert!(
            listings
                .iter()
                .any(|l| l.months == Months::of_season("tet").unwrap_or_default())
        );
        assert_eq!(
            listings
                .iter()
                .filter(|l| l.kind == OfferKind::Retail)
                .count(),
            248
        );
    }

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

    fn listings_from(rows: &[Vec<String>]) -> Parsed<ListingRecord> {
        listings(&columns(LISTING_COLUMNS), rows)
    }

    #[test]
    fn exactly_the_broken_cells_are_reported() {
        let mut rows = demo_listing_rows();
        let col = |name: &str| LISTING_COLUMNS.iter().position(|c| *c == name).unwrap_or(0);
        rows[5 - 2][col("price_vnd")] = "12,5".into();
        rows[17 - 2][col("unit")] = "thùng".into();
        rows[230 - 2][col("category")] = "do-dien-tu".into();
        let parsed = listings_from(&rows);
        assert_eq!(
            error_at(&parsed.errors),
            vec![(5, "price_vnd"), (17, "unit"), (230, "category")]
        );
        assert_eq!(parsed.records.len(), 397);
        assert_eq!(
            parsed.errors[0].message_en,
            "Price must be a whole number of đồng above 0 (e.g. 150000)"
        );
        assert!(parsed.errors[1].message_vi.contains("kg, yến"));
    }

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
    fn decomposed_text_is_stored_composed() {
        let nfd_title = "Go\u{302}\u{301}m su\u{31b}\u{301}";
        let parsed = retail(&[("title_vi", nfd_title), ("unit", "ho\u{323}\u{302}p")]);
        assert_eq!(parsed.errors, vec![]);
        assert_eq!(parsed.records[0].1.title_vi, "Gốm sứ");
        assert_eq!(parsed.records[0].1.unit, "hộp");
        let parsed = coop(&[("name", " HTX Go\u{302}\u{301}m ")]);
        assert_eq!(parsed.records[0].1.name, "HTX Gốm");
    }

    #[test]
    fn prices_accept_thousands_separators_but_not_decimals() {
        for (cell, expected) in [
            ("315000", 315_000),
            ("315.000", 315_000),
            ("315,000", 315_000),
            ("1.250.000", 1_250_000),
            ("150.000 ₫", 150_000),
            ("45000đ", 45_000),
        ] {
            let parsed = retail(&[("price_vnd", cell)]);
            assert_eq!(parsed.errors, vec![], "{cell}");
            assert_eq!(parsed.records[0].1.price, Vnd(expected), "{cell}");
        }
        for cell in [
            "12,5", "315.5", "0", "-5000", "1.000,50", "abc", "1.0000", "",
        ] {
            let parsed = retail(&[("price_vnd", cell)]);
            assert_eq!(error_at(&parsed.errors), vec![(2, "price_vnd")], "{cell}");
        }
    }

    #[test]
    fn commune_codes_get_their_leading_zeros_back() {
        let parsed = coop(&[("commune_code", "577")]);
        assert_eq!(parsed.records[0].1.commune_code, "00577");
        for bad in ["99999", "57a", "000577", "00001"] {
            let parsed = coop(&[("commune_code", bad)]);
            assert_eq!(error_at(&parsed.errors), vec![(2, "commune_code")], "{bad}");
            assert!(
                parsed.errors[0]
                    .message_vi
                    .contains("126 phường, xã của Hà Nội")
            );
        }
        let parsed = retail(&[("origin_commune_code", "577")]);
        assert_eq!(
            parsed.records[0].1.origin_commune_code.as_deref(),
            Some("00577")
        );
    }

    #[test]
    fn one_error_per_bad_cell_and_several_per_row() {
        let parsed = coop(&[
            ("kind", "buyer"),
            ("founded_year", "1890"),
            ("sector", "dien_tu"),
            ("phone", "024 3825 1234"),
            ("email", "lan@"),
            ("lat", "35.1"),
            ("members_total", "10"),
            ("members_female", "12"),
            ("jobs_female", "-1"),
        ]);
        assert_eq!(
            error_at(&parsed.errors),
            vec![
                (2, "kind"),
                (2, "founded_year"),
                (2, "sector"),
                (2, "phone"),
                (2, "email"),
                (2, "lat"),
                (2, "lon"),
                (2, "members_female"),
                (2, "jobs_female"),
            ]
        );
        assert!(parsed.records.is_empty());
    }

    #[test]
    fn coordinates_come_in_pairs_inside_hanoi() {
        let parsed = coop(&[("lat", "21,0285"), ("lon", "105.8542")]);
        assert_eq!(parsed.errors, vec![]);
        assert_eq!(parsed.records[0].1.lat, Some(21.0285));
        let parsed = coop(&[("lon", "105.8542")]);
        assert_eq!(error_at(&parsed.errors), vec![(2, "lat")]);
        let parsed = coop(&[("lat", "21.0"), ("lon", "108.2")]);
        assert_eq!(error_at(&parsed.errors), vec![(2, "lon")]);
    }

    #[test]
    fn every_cooperative_needs_a_key() {
        let parsed = coop(&[("external_id", "")]);
        assert_eq!(error_at(&parsed.errors), vec![(2, "external_id")]);
        let parsed = coop(&[("external_id", ""), ("registration_no", "0101234567")]);
        assert_eq!(parsed.errors, vec![]);
        assert_eq!(
            parsed.records[0].1.registration_no.as_deref(),
            Some("0101234567")
        );
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

    #[test]
    fn wholesale_tiers_start_at_the_minimum_order() {
        let base = [("kind", "wholesale"), ("price_vnd", "315000")];
        let with = |extra: &[(&'static str, &'static str)]| {
            let cells: Vec<(&str, &str)> = base.iter().chain(extra).copied().collect();
            retail(&cells)
        };
        let parsed = with(&[("price_tiers", "30:315000|150:290.000")]);
        assert_eq!(parsed.errors, vec![]);
        let r = &parsed.records[0].1;
        assert_eq!(r.min_order_qty, Some(30));
        assert_eq!(
            r.tiers[1],
            PriceTier {
                min_qty: 150,
                price: Vnd(290_000)
            }
        );

        let parsed = with(&[
            ("price_tiers", "30:315000|150:290000"),
            ("min_order_qty", "20"),
        ]);
        assert_eq!(error_at(&parsed.errors), vec![(2, "min_order_qty")]);

        let parsed = with(&[("min_order_qty", "50")]);
        assert_eq!(
            parsed.records[0].1.tiers,
            vec![PriceTier {
                min_qty: 50,
                price: Vnd(315_000)
            }]
        );
        let parsed = with(&[]);
        assert_eq!(
            parsed.records[0].1.tiers,
            vec![PriceTier {
                min_qty: 1,
                price: Vnd(315_000)
            }]
        );
        assert_eq!(parsed.records[0].1.min_order_qty, Some(1));

        for bad in [
            "30:315000|20:290000",
            "30:315000|150:320000",
            "30-315000",
            "30:12,5",
        ] {
            let parsed = with(&[("price_tiers", bad)]);
            assert_eq!(error_at(&parsed.errors), vec![(2, "price_tiers")], "{bad}");
        }
        let parsed = retail(&[("price_tiers", "30:315000")]);
        assert_eq!(error_at(&parsed.errors), vec![(2, "price_tiers")]);
    }

    #[test]
    fn experiences_need_a_group_size() {
        let parsed = retail(&[("kind", "experience"), ("unit", "vé")]);
        assert_eq!(error_at(&parsed.errors), vec![(2, "max_group_size")]);
        let parsed = retail(&[
            ("kind", "experience"),
            ("unit", "vé"),
            ("max_group_size", "0"),
        ]);
        assert_eq!(error_at(&parsed.errors), vec![(2, "max_group_size")]);
        let parsed = retail(&[
            ("kind", "Experience"),
            ("unit", "vé"),
            ("max_group_size", "12"),
            ("duration_hours", "3"),
        ]);
        assert_eq!(parsed.errors, vec![]);
        assert_eq!(parsed.records[0].1.kind, OfferKind::Experience);
    }

    #[test]
    fn seasons_certifications_stars_and_stock() {
        let parsed = retail(&[
            ("season", "2|3|4"),
            ("certifications", "VietGAP|ocop|ocop"),
            ("ocop_stars", "4"),
            ("stock", "1.200"),
        ]);
        assert_eq!(parsed.errors, vec![]);
        let r = &parsed.records[0].1;
        assert_eq!(r.months, Months::of_season("xuan").unwrap_or_default());
        assert_eq!(r.certifications, vec!["vietgap", "ocop"]);
        assert_eq!(r.ocop_stars, Some(4));
        assert_eq!(r.stock, Some(1200));
        assert_eq!(
            retail(&[("season", "tet")]).records[0].1.months.list(),
            vec![1, 2, 12]
        );
        let r = &retail(&[]).records[0].1;
        assert_eq!((r.months, r.stock), (Months::ALL, None));

        let parsed = retail(&[
            ("season", "13"),
            ("certifications", "iso9001"),
            ("ocop_stars", "2"),
            ("stock", "-1"),
            ("category", "thu-cong"),
        ]);
        assert_eq!(
            error_at(&parsed.errors),
            vec![
                (2, "season"),
                (2, "stock"),
                (2, "certifications"),
                (2, "ocop_stars")
            ]
        );
    }

    #[test]
    fn long_and_multi_line_text() {
        let long = "đ".repeat(201);
        assert_eq!(
            error_at(&retail(&[("title_vi", &long)]).errors),
            vec![(2, "title_vi")]
        );
        assert_eq!(
            error_at(&retail(&[("title_vi", "dòng 1\ndòng 2")]).errors),
            vec![(2, "title_vi")]
        );
        let parsed = retail(&[("description_vi", "dòng 1\r\ndòng 2")]);
        assert_eq!(parsed.records[0].1.description_vi, "dòng 1\ndòng 2");
        let parsed = retail(&[("title_vi", "  ")]);
        assert_eq!(error_at(&parsed.errors), vec![(2, "title_vi")]);
        assert_eq!(
            parsed.errors[0].message_en,
            "Required: this cell must not be empty"
        );
    }

    #[test]
    fn demo_errors_name_the_record() {
        let err = demo_listings(r#"[{"id":"x","cooperative_id":"c","kind":"product","title":"T","description":"D","category":"gom-su","price_vnd":0,"unit":"bộ"}]"#)
            .err()
            .unwrap_or_default();
        assert!(
            err.starts_with("record 1, price_vnd: Price must be"),
            "{err}"
        );
        assert!(demo_cooperatives("{}").is_err());
    }

    #[test]
    fn whole_numbers() {
        assert_eq!(parse_whole("1 200"), Some(1200));
        assert_eq!(parse_whole("1\u{a0}200"), Some(1200));
        assert_eq!(parse_whole("-3"), Some(-3));
        assert_eq!(parse_whole("1.2.3"), None);
        assert_eq!(parse_whole("1,000.000"), None);
        assert_eq!(parse_whole("99999999999999999999"), None);
        assert_eq!(parse_whole(""), None);
    }
}
