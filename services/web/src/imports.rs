//! Spreadsheet imports and exports of cooperatives and listings, shared by the command line
//! (`ketnoi import`, `ketnoi export`) and the Union officers' upload page. An import reads
//! the file, validates every row with the domain's rules, and then saves either every valid
//! row in one transaction or nothing: a file with errors imports nothing unless the caller
//! asks to skip the invalid rows. Rows are keyed (cooperatives by `external_id` or
//! registration number, listings by `external_id`), so running the same file again changes
//! nothing.
//!
//! Exports write the same columns the importer reads ([`COOPERATIVE_COLUMNS`],
//! [`LISTING_COLUMNS`]), so an export can be edited in Excel and imported back:
//! - cooperatives: every HTX and THT (buyers and Union branches are not in the directory);
//! - listings: every listing of those cooperatives except archived ones (drafts and paused
//!   listings are the cooperative's work in progress and are kept), by cooperative name, then
//!   oldest first. A sheet row holds one offer, so a listing with several offers exports its
//!   first one. The `cooperative` column names the cooperative by `external_id`, else
//!   registration number, else slug — the keys the importer looks it up by.
//!
//! Imported listings are created as published; importing updates what a listing says, never
//! its status.
//!
//! [`COOPERATIVE_COLUMNS`]: ketnoi_domain::import::COOPERATIVE_COLUMNS
//! [`LISTING_COLUMNS`]: ketnoi_domain::import::LISTING_COLUMNS

use crate::error::Msg;
use ketnoi_db::import::{Outcome, save_cooperative, save_listing};
use ketnoi_db::listings::{Listing, Offer};
use ketnoi_db::orgs::Org;
use ketnoi_db::{Db, DbError, Tx};
use ketnoi_domain::Locale;
use ketnoi_domain::catalog::{CooperativeRecord, ListingRecord, ListingStatus};
use ketnoi_domain::import::{self as rules, RowError};
use ketnoi_sheets::{SheetError, Table};
use std::collections::{BTreeSet, HashMap};

pub use ketnoi_sheets::Format;

/// What a sheet holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Cooperatives,
    Listings,
}

impl Kind {
    pub const ALL: [Kind; 2] = [Kind::Cooperatives, Kind::Listings];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Cooperatives => "cooperatives",
            Kind::Listings => "listings",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The canonical columns, in the order exports write them.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Kind::Cooperatives => rules::COOPERATIVE_COLUMNS,
            Kind::Listings => rules::LISTING_COLUMNS,
        }
    }

    /// The worksheet name of an XLSX export; Vietnamese, like the people who open it.
    fn sheet_name(self) -> &'static str {
        match self {
            Kind::Cooperatives => "Hợp tác xã",
            Kind::Listings => "Sản phẩm",
        }
    }
}

impl std::str::FromStr for Kind {
    type Err = String;
    fn from_str(s: &str) -> Result<Kind, String> {
        Kind::parse(s).ok_or_else(|| format!("expected cooperatives or listings, got {s:?}"))
    }
}

/// `csv` or `xlsx`.
pub fn parse_format(s: &str) -> Option<Format> {
    match s {
        "csv" => Some(Format::Csv),
        "xlsx" => Some(Format::Xlsx),
        _ => None,
    }
}

/// The file name extension of a format, without the dot.
pub fn extension(format: Format) -> &'static str {
    match format {
        Format::Csv => "csv",
        Format::Xlsx => "xlsx",
    }
}

/// The media type of a format.
pub fn content_type(format: Format) -> &'static str {
    match format {
        Format::Csv => "text/csv; charset=utf-8",
        Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
}

/// What an import did. `created + updated + unchanged + skipped == total_rows` always:
/// when nothing was imported, every row counts as skipped.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Report {
    /// Data rows in the file (blank rows are not counted).
    pub total_rows: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Rows not saved: the rows with errors, or every row when nothing was imported.
    pub skipped: usize,
    /// Every problem found, by spreadsheet row (row 1 is the header).
    pub errors: Vec<RowError>,
    /// Whether the valid rows were saved.
    pub imported: bool,
}

impl Report {
    fn count(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Created => self.created += 1,
            Outcome::Updated => self.updated += 1,
            Outcome::Unchanged => self.unchanged += 1,
        }
    }

    /// The distinct rows named by errors, in order.
    pub fn error_rows(&self) -> Vec<usize> {
        self.errors
            .iter()
            .map(|e| e.row)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    }
}

/// Why an import or export could not run at all (as opposed to rows with errors, which are
/// in the [`Report`]).
#[derive(Debug)]
pub enum ImportError {
    /// The file cannot be read as a sheet; the message says what to do about it.
    File(Msg),
    Db(DbError),
}

impl ImportError {
    /// The explanation for a person, in `locale`.
    pub fn message(&self, locale: Locale) -> String {
        match self {
            ImportError::File(m) => m.render(locale),
            ImportError::Db(_) => crate::i18n::t(locale, "imports-err-internal"),
        }
    }
    pub fn message_vi(&self) -> String {
        self.message(Locale::Vi)
    }
    pub fn message_en(&self) -> String {
        self.message(Locale::En)
    }
    /// The message for the upload form, when the problem is the file's.
    pub(crate) fn file_msg(&self) -> Option<&Msg> {
        match self {
            ImportError::File(m) => Some(m),
            ImportError::Db(_) => None,
        }
    }
}

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImportError::File(m) => f.write_str(&m.render(Locale::En)),
            ImportError::Db(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for ImportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ImportError::File(_) => None,
            ImportError::Db(e) => Some(e),
        }
    }
}

impl From<DbError> for ImportError {
    fn from(e: DbError) -> ImportError {
        ImportError::Db(e)
    }
}

fn file_error(key: &'static str) -> ImportError {
    ImportError::File(Msg::new(key))
}

/// The person's version of a sheet error: what happened and what to do in Excel.
fn sheet_error(e: SheetError) -> ImportError {
    let with_detail = |key, detail: String| {
        ImportError::File(Msg {
            key,
            args: vec![("detail", detail.chars().take(200).collect())],
        })
    };
    match e {
        SheetError::NotUtf8 => file_error("imports-err-not-utf8"),
        SheetError::UnknownFormat => file_error("imports-err-unknown-format"),
        SheetError::Corrupt(d) => with_detail("imports-err-corrupt", d),
        SheetError::Empty => file_error("imports-err-empty"),
        SheetError::Write(d) => with_detail("imports-err-write", d),
    }
}

/// Checks that a file's name does not contradict its content. Files are read by content,
/// but a text file renamed `.xlsx` is almost always a mistake the person wants to hear
/// about (and Excel 97–2003 `.xls` workbooks cannot be read at all).
pub fn check_name(file_name: &str, bytes: &[u8]) -> Result<(), ImportError> {
    let name = file_name.trim().to_lowercase();
    let is_workbook = Format::detect(bytes) == Some(Format::Xlsx);
    if name.ends_with(".xls") && !is_workbook {
        return Err(file_error("imports-err-xls"));
    }
    if (name.ends_with(".xlsx") || name.ends_with(".xlsm")) && !is_workbook && !bytes.is_empty() {
        return Err(file_error("imports-err-not-xlsx"));
    }
    Ok(())
}

enum Records {
    Cooperatives(Vec<(usize, CooperativeRecord)>),
    Listings(Vec<(usize, ListingRecord)>),
}

/// A file read and validated, not yet saved. Reading is CPU work (a large workbook takes a
/// moment), so the web layer does it off the async threads before it starts the job.
pub struct Prepared {
    kind: Kind,
    total_rows: usize,
    records: Records,
    errors: Vec<RowError>,
}

impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prepared")
            .field("kind", &self.kind)
            .field("total_rows", &self.total_rows)
            .field("errors", &self.errors.len())
            .finish()
    }
}

/// Reads the sheet (CSV or XLSX, decided by content) and validates every row.
pub fn prepare(kind: Kind, bytes: &[u8]) -> Result<Prepared, ImportError> {
    let table = ketnoi_sheets::read(bytes).map_err(sheet_error)?;
    let total_rows = table
        .rows
        .iter()
        .filter(|r| r.iter().any(|c| !c.trim().is_empty()))
        .count();
    let (records, errors) = match kind {
        Kind::Cooperatives => {
            let p = rules::cooperatives(&table.headers, &table.rows);
            (Records::Cooperatives(p.records), p.errors)
        }
        Kind::Listings => {
            let p = rules::listings(&table.headers, &table.rows);
            (Records::Listings(p.records), p.errors)
        }
    };
    Ok(Prepared {
        kind,
        total_rows,
        records,
        errors,
    })
}

impl Prepared {
    pub fn kind(&self) -> Kind {
        self.kind
    }

    pub fn total_rows(&self) -> usize {
        self.total_rows
    }

    /// The problems found so far (an unknown cooperative is only found when saving).
    pub fn errors(&self) -> &[RowError] {
        &self.errors
    }

    /// Saves the valid rows in one transaction, calling `progress(done, total)` before the
    /// first row and after each one. Nothing is saved when the header is wrong (no row can
    /// be trusted), or when any row has an error and `skip_invalid` is false.
    pub async fn save(
        self,
        db: &Db,
        skip_invalid: bool,
        mut progress: impl FnMut(usize, usize),
    ) -> Result<Report, ImportError> {
        let report = Report {
            total_rows: self.total_rows,
            ..Report::default()
        };
        let mut errors = self.errors;
        let header_broken = errors.iter().any(|e| e.row == 1);
        if header_broken || (!errors.is_empty() && !skip_invalid) {
            return Ok(nothing_imported(report, errors));
        }
        let mut tx = db.begin().await?;
        let report = match self.records {
            Records::Cooperatives(records) => {
                save_cooperatives(&mut tx, report, &records, &mut progress).await?
            }
            Records::Listings(records) => {
                // Every cooperative is looked up before anything is written, so that a
                // file naming an unknown one imports nothing (unless told to skip).
                let unknown = unknown_cooperatives(&mut tx, &records).await?;
                if !unknown.is_empty() {
                    errors.extend(unknown.iter().cloned());
                    if !skip_invalid {
                        return Ok(nothing_imported(report, errors));
                    }
                }
                let skip: BTreeSet<usize> = unknown.iter().map(|e| e.row).collect();
                let todo: Vec<&(usize, ListingRecord)> = records
                    .iter()
                    .filter(|(row, _)| !skip.contains(row))
                    .collect();
                match save_listings(&mut tx, report, &todo, &mut progress).await? {
                    Ok(report) => report,
                    Err((report, late)) => {
                        // A cooperative vanished between the check and the write (deleted
                        // meanwhile); the transaction is dropped, so nothing was saved.
                        errors.extend(late);
                        return Ok(nothing_imported(report, errors));
                    }
                }
            }
        };
        tx.commit().await?;
        Ok(finish(report, errors, true))
    }
}

async fn save_cooperatives(
    tx: &mut Tx,
    mut report: Report,
    records: &[(usize, CooperativeRecord)],
    progress: &mut impl FnMut(usize, usize),
) -> Result<Report, ImportError> {
    let total = records.len();
    progress(0, total);
    for (i, (_, r)) in records.iter().enumerate() {
        let (_, outcome) = save_cooperative(tx, r).await?;
        report.count(outcome);
        progress(i + 1, total);
    }
    Ok(report)
}

/// `Err` (inside `Ok`) when a listing's cooperative could not be found at write time.
async fn save_listings(
    tx: &mut Tx,
    mut report: Report,
    records: &[&(usize, ListingRecord)],
    progress: &mut impl FnMut(usize, usize),
) -> Result<Result<Report, (Report, Vec<RowError>)>, ImportError> {
    let total = records.len();
    progress(0, total);
    for (i, (row, r)) in records.iter().enumerate() {
        match save_listing(tx, r).await? {
            Some(outcome) => report.count(outcome),
            None => {
                return Ok(Err((
                    report,
                    vec![unknown_cooperative(*row, &r.cooperative)],
                )));
            }
        }
        progress(i + 1, total);
    }
    Ok(Ok(report))
}

/// The rows whose cooperative is not in the database (by `external_id`, registration number
/// or slug), each reported on the `cooperative` column. Each key is looked up once.
async fn unknown_cooperatives(
    tx: &mut Tx,
    records: &[(usize, ListingRecord)],
) -> Result<Vec<RowError>, ImportError> {
    let mut known: HashMap<&str, bool> = HashMap::new();
    let mut errors = Vec::new();
    for (row, r) in records {
        let key = r.cooperative.as_str();
        let found = match known.get(key) {
            Some(found) => *found,
            None => {
                let found = ketnoi_db::orgs::find_by_any_key(tx.conn(), key)
                    .await?
                    .is_some_and(|o| o.kind.is_cooperative());
                known.insert(key, found);
                found
            }
        };
        if !found {
            errors.push(unknown_cooperative(*row, key));
        }
    }
    Ok(errors)
}

fn unknown_cooperative(row: usize, key: &str) -> RowError {
    RowError {
        row,
        column: "cooperative".to_owned(),
        message_vi: format!(
            "Không tìm thấy hợp tác xã «{key}»: hãy nhập hợp tác xã trước, hoặc ghi đúng mã external_id, số đăng ký hoặc slug của hợp tác xã"
        ),
        message_en: format!(
            "No cooperative «{key}»: import the cooperatives first, or give its external_id, registration number or slug"
        ),
    }
}

fn nothing_imported(report: Report, errors: Vec<RowError>) -> Report {
    let total_rows = report.total_rows;
    finish(
        Report {
            total_rows,
            ..Report::default()
        },
        errors,
        false,
    )
}

fn finish(mut report: Report, mut errors: Vec<RowError>, imported: bool) -> Report {
    // Stable: within a row, errors keep the column order the rules found them in.
    errors.sort_by_key(|e| e.row);
    report.errors = errors;
    report.imported = imported;
    report.skipped = report
        .total_rows
        .saturating_sub(report.created + report.updated + report.unchanged);
    report
}

/// Reads, validates and saves a file: [`prepare`] then [`Prepared::save`].
pub async fn import(
    db: &Db,
    kind: Kind,
    bytes: &[u8],
    skip_invalid: bool,
    progress: impl FnMut(usize, usize),
) -> Result<Report, ImportError> {
    prepare(kind, bytes)?.save(db, skip_invalid, progress).await
}

/// The directory as a sheet file; see the module documentation for what is included.
pub async fn export(db: &Db, kind: Kind, format: Format) -> Result<Vec<u8>, ImportError> {
    let table = export_table(db, kind).await?;
    match format {
        Format::Csv => Ok(ketnoi_sheets::write_csv(&table)),
        Format::Xlsx => ketnoi_sheets::write_xlsx(&table, kind.sheet_name()).map_err(sheet_error),
    }
}

/// The directory as a table under the canonical columns.
pub async fn export_table(db: &Db, kind: Kind) -> Result<Table, DbError> {
    let coops = ketnoi_db::orgs::cooperatives_in(db.conn(), None, i64::MAX).await?;
    let rows = match kind {
        Kind::Cooperatives => coops
            .iter()
            .map(|o| rules::cooperative_row(&cooperative_record(o)))
            .collect(),
        Kind::Listings => {
            let mut rows = Vec::new();
            for org in &coops {
                let key = org_key(org);
                let mut listings = ketnoi_db::listings::of_org(db.conn(), org.id).await?;
                // Oldest first: the order they were created (or imported) in.
                listings.reverse();
                for l in listings
                    .iter()
                    .filter(|l| l.status != ListingStatus::Archived)
                {
                    let offers = ketnoi_db::listings::offers(db.conn(), l.id).await?;
                    match listing_record(l, &offers, key) {
                        Some(r) => rows.push(rules::listing_row(&r)),
                        None => tracing::warn!(
                            listing = l.id,
                            "listing without offers left out of the export"
                        ),
                    }
                }
            }
            rows
        }
    };
    let headers = kind.columns().iter().map(|c| (*c).to_owned()).collect();
    Ok(Table::new(headers, rows))
}

/// How a listing row names its cooperative: the most stable key it has.
fn org_key(o: &Org) -> &str {
    o.external_id
        .as_deref()
        .or(o.profile.registration_no.as_deref())
        .unwrap_or(&o.slug)
}

fn cooperative_record(o: &Org) -> CooperativeRecord {
    CooperativeRecord {
        external_id: o.external_id.clone(),
        registration_no: o.profile.registration_no.clone(),
        tax_code: o.profile.tax_code.clone(),
        name: o.name.clone(),
        kind: o.kind,
        commune_code: o.commune_code.clone().unwrap_or_default(),
        street: o.street.clone(),
        founded_year: o.founded_year,
        sector: o.profile.sector.clone(),
        story_vi: o.description.clone(),
        story_en: o.profile.story_en.clone(),
        phone: o.phone.clone(),
        email: o.email.clone(),
        lat: o.profile.lat,
        lon: o.profile.lon,
        members_total: o.members_total,
        members_female: o.members_female,
        jobs_female: o.profile.jobs_female,
    }
}

/// A listing as one sheet row: its first offer (a row has room for one).
fn listing_record(l: &Listing, offers: &[Offer], cooperative: &str) -> Option<ListingRecord> {
    let o = offers.first()?;
    Some(ListingRecord {
        external_id: l.external_id.clone(),
        cooperative: cooperative.to_owned(),
        kind: o.kind,
        title_vi: l.title_vi.clone(),
        title_en: l.title_en.clone(),
        description_vi: l.description_vi.clone(),
        description_en: l.description_en.clone(),
        category: l.category_id.clone(),
        price: o.price,
        unit: l.unit.clone(),
        min_order_qty: o.min_order_qty,
        tiers: o.tiers.clone(),
        months: l.months,
        stock: l.stock,
        duration_hours: o.duration_hours,
        max_group_size: o.max_group_size,
        certifications: l.certifications.clone(),
        ocop_stars: l.ocop_claim,
        origin_commune_code: l.origin_commune_code.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn keys(src: &str) -> BTreeSet<String> {
        src.lines()
            .filter(|l| !l.starts_with([' ', '#', '\t', '.']) && l.contains(" ="))
            .filter_map(|l| l.split(" =").next().map(str::to_owned))
            .collect()
    }

    #[test]
    fn import_messages_exist_in_both_languages() {
        let vi = keys(include_str!("../../../web/locales/vi/imports.ftl"));
        let en = keys(include_str!("../../../web/locales/en/imports.ftl"));
        assert!(vi.len() > 20, "vi has only {} keys", vi.len());
        assert_eq!(vi, en);
        assert!(vi.iter().all(|k| k.starts_with("imports-")), "{vi:?}");
    }

    #[test]
    fn every_file_problem_reads_well_in_both_languages() {
        for e in [
            SheetError::NotUtf8,
            SheetError::UnknownFormat,
            SheetError::Corrupt("zip".into()),
            SheetError::Empty,
            SheetError::Write("x".into()),
        ] {
            let e = sheet_error(e);
            for locale in [Locale::Vi, Locale::En] {
                let m = e.message(locale);
                assert!(!m.starts_with("imports-"), "untranslated: {m}");
            }
        }
        assert!(
            sheet_error(SheetError::NotUtf8)
                .message_vi()
                .contains("CSV UTF-8")
        );
    }

    #[test]
    fn names_that_contradict_the_content_are_refused() {
        assert!(check_name("htx.xlsx", b"name,kind\n").is_err());
        assert!(check_name("HTX.XLS", b"name,kind\n").is_err());
        assert!(check_name("htx.csv", b"name,kind\n").is_ok());
        assert!(check_name("htx.xlsx", b"PK\x03\x04rest").is_ok());
        assert!(check_name("htx.csv", b"PK\x03\x04rest").is_ok());
        assert!(check_name("", b"name\n").is_ok());
    }

    #[test]
    fn kinds_and_formats_parse() {
        assert_eq!(Kind::parse("listings"), Some(Kind::Listings));
        assert_eq!("cooperatives".parse::<Kind>(), Ok(Kind::Cooperatives));
        assert!("orgs".parse::<Kind>().is_err());
        assert_eq!(parse_format("xlsx"), Some(Format::Xlsx));
        assert_eq!(parse_format("xls"), None);
    }

    #[test]
    fn a_file_with_a_bad_header_is_not_imported_even_when_skipping() {
        let p = prepare(Kind::Cooperatives, b"name,kind\nHTX A,htx\n").expect("readable");
        assert_eq!(p.total_rows(), 1);
        assert!(p.errors().iter().all(|e| e.row == 1));
        let report = finish(
            Report {
                total_rows: 1,
                ..Report::default()
            },
            p.errors().to_vec(),
            false,
        );
        assert_eq!(report.skipped, 1);
        assert_eq!(report.error_rows(), vec![1]);
    }
}
