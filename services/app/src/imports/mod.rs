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
//! Training records are only ever added: a training row names its person, her cooperative
//! (or none, for the Union's own officers) and the training, and a row already recorded is
//! left unchanged, so running the same file again adds nothing.
//!
//! [`COOPERATIVE_COLUMNS`]: ketnoi_domain::import::COOPERATIVE_COLUMNS
//! [`LISTING_COLUMNS`]: ketnoi_domain::import::LISTING_COLUMNS

mod refused;
mod save;

use crate::error::Msg;
use crate::i18n;
use ketnoi_db::import::{
    Outcome, cooperative_by_key, cooperative_record, listing_record, org_key,
    save_cooperative_keeping_before, save_listing,
};
use ketnoi_db::orgs::Org;
use ketnoi_db::{Db, DbError, Tx};
use ketnoi_domain::Locale;
use ketnoi_domain::catalog::{CooperativeRecord, ListingRecord, ListingStatus};
use ketnoi_domain::import::{self as rules, RowError};
use ketnoi_domain::role::Scope;
use ketnoi_sheets::{SheetError, Table};
use refused::*;
use save::*;
use std::collections::{BTreeSet, HashMap};

pub use ketnoi_sheets::Format;

/// What a sheet holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Cooperatives,
    Listings,
    /// Cooperatives' figures for past periods (the Union's own records), imported as
    /// accepted reports.
    Reports,
    /// Training records (who was trained, in what, by whom), kept as they are: records are
    /// only ever added, and a row already recorded is left unchanged.
    Training,
}

impl Kind {
    pub const ALL: [Kind; 4] = [
        Kind::Cooperatives,
        Kind::Listings,
        Kind::Reports,
        Kind::Training,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Cooperatives => "cooperatives",
            Kind::Listings => "listings",
            Kind::Reports => "reports",
            Kind::Training => "training",
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
            Kind::Reports => rules::REPORT_COLUMNS,
            Kind::Training => rules::TRAINING_COLUMNS,
        }
    }

    /// The worksheet name of an XLSX export; Vietnamese, like the people who open it.
    fn sheet_name(self) -> &'static str {
        match self {
            Kind::Cooperatives => "Hợp tác xã",
            Kind::Listings => "Sản phẩm",
            Kind::Reports => "Báo cáo HTX",
            Kind::Training => "Đào tạo, tập huấn",
        }
    }
}

impl std::str::FromStr for Kind {
    type Err = String;
    fn from_str(s: &str) -> Result<Kind, String> {
        Kind::parse(s).ok_or_else(|| {
            format!("expected cooperatives, listings, reports or training, got {s:?}")
        })
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
            ImportError::Db(_) => i18n::t(locale, "imports-err-internal"),
        }
    }
    pub fn message_vi(&self) -> String {
        self.message(Locale::Vi)
    }
    pub fn message_en(&self) -> String {
        self.message(Locale::En)
    }
    /// The message for the upload form, when the problem is the file's.
    pub fn file_msg(&self) -> Option<&Msg> {
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
    Reports(Vec<(usize, ketnoi_domain::report::ReportRecord)>),
    Training(Vec<(usize, rules::TrainingRecord)>),
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
        Kind::Reports => {
            let p = rules::reports(&table.headers, &table.rows);
            (Records::Reports(p.records), p.errors)
        }
        Kind::Training => {
            let p = rules::training(&table.headers, &table.rows);
            (Records::Training(p.records), p.errors)
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
    /// first row and after each one, with an audit entry (who, which row, before and after)
    /// for every row that changed something, in the same transaction. Nothing is saved when
    /// the header is wrong (no row can be trusted), or when any row has an error and
    /// `skip_invalid` is false. A row about a cooperative outside the operator's scope is
    /// such an error.
    pub async fn save(
        self,
        db: &Db,
        by: &Operator,
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
        // Every row is checked before anything is written, so that a file naming an unknown
        // cooperative, or one outside the operator's scope, imports nothing (unless told to
        // skip such rows).
        let mut found = FoundCooperatives::default();
        let refused = match &self.records {
            Records::Cooperatives(records) => {
                cooperatives_outside(&mut tx, &by.scope, records).await?
            }
            Records::Listings(records) => listings_refused(&mut tx, &by.scope, records).await?,
            Records::Reports(records) => reports_refused(&mut tx, &by.scope, records).await?,
            Records::Training(records) => {
                training_refused(&mut tx, &by.scope, records, &mut found).await?
            }
        };
        if !refused.is_empty() {
            errors.extend(refused.iter().cloned());
            if !skip_invalid {
                return Ok(nothing_imported(report, errors));
            }
        }
        let skip: BTreeSet<usize> = refused.iter().map(|e| e.row).collect();
        let report = match &self.records {
            Records::Cooperatives(records) => {
                let todo: Vec<&(usize, CooperativeRecord)> = records
                    .iter()
                    .filter(|(row, _)| !skip.contains(row))
                    .collect();
                save_cooperatives(&mut tx, by, report, &todo, &mut progress).await?
            }
            Records::Listings(records) => {
                let todo: Vec<&(usize, ListingRecord)> = records
                    .iter()
                    .filter(|(row, _)| !skip.contains(row))
                    .collect();
                match save_listings(&mut tx, by, report, &todo, &mut progress).await? {
                    Ok(report) => report,
                    Err((report, late)) => {
                        // A cooperative vanished between the check and the write (deleted
                        // meanwhile); the transaction is dropped, so nothing was saved.
                        errors.extend(late);
                        return Ok(nothing_imported(report, errors));
                    }
                }
            }
            Records::Reports(records) => {
                let todo: Vec<&(usize, ketnoi_domain::report::ReportRecord)> = records
                    .iter()
                    .filter(|(row, _)| !skip.contains(row))
                    .collect();
                match save_reports(&mut tx, by, report, &todo, &mut progress).await? {
                    Ok(report) => report,
                    Err((report, late)) => {
                        errors.extend(late);
                        return Ok(nothing_imported(report, errors));
                    }
                }
            }
            Records::Training(records) => {
                let todo: Vec<&(usize, rules::TrainingRecord)> = records
                    .iter()
                    .filter(|(row, _)| !skip.contains(row))
                    .collect();
                match save_training(&mut tx, by, report, &todo, &mut found, &mut progress).await? {
                    Ok(report) => report,
                    Err((report, late)) => {
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

/// Who runs an import or an export: the part of the city whose rows she may read and write,
/// and the account her audit entries name (`None`: the command line, run by the operator of
/// the server, city-wide).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    pub scope: Scope,
    pub actor_id: Option<i64>,
}

impl Operator {
    /// The command line: the whole city, no account.
    pub fn command_line() -> Operator {
        Operator {
            scope: Scope::City,
            actor_id: None,
        }
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
    by: &Operator,
    kind: Kind,
    bytes: &[u8],
    skip_invalid: bool,
    progress: impl FnMut(usize, usize),
) -> Result<Report, ImportError> {
    prepare(kind, bytes)?
        .save(db, by, skip_invalid, progress)
        .await
}

/// The directory within `scope` as a sheet file; see the module documentation for what is
/// included.
pub async fn export(
    db: &Db,
    scope: &Scope,
    kind: Kind,
    format: Format,
) -> Result<Vec<u8>, ImportError> {
    let table = export_table(db, scope, kind).await?;
    match format {
        Format::Csv => Ok(ketnoi_sheets::write_csv(&table)),
        Format::Xlsx => ketnoi_sheets::write_xlsx(&table, kind.sheet_name()).map_err(sheet_error),
    }
}

/// The directory within `scope` as a table under the canonical columns.
pub async fn export_table(db: &Db, scope: &Scope, kind: Kind) -> Result<Table, DbError> {
    let coops = ketnoi_db::orgs::cooperatives_in(db.conn(), scope, i64::MAX).await?;
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
        Kind::Reports => ketnoi_db::reports::accepted_in(db.conn(), scope.commune())
            .await?
            .into_iter()
            .map(|(key, r)| {
                rules::report_row(&ketnoi_domain::report::ReportRecord {
                    cooperative: key,
                    period: r.period,
                    figures: r.figures,
                })
            })
            .collect(),
        Kind::Training => {
            let keys: HashMap<i64, &str> = coops.iter().map(|o| (o.id, org_key(o))).collect();
            ketnoi_db::training::list(db.conn(), scope.commune(), i64::MAX)
                .await?
                .into_iter()
                .filter_map(|t| {
                    // Named by its key, as listing rows are, else by its name.
                    let cooperative = t.org_id.and_then(|id| {
                        keys.get(&id)
                            .map(|k| (*k).to_owned())
                            .or_else(|| t.org_name.clone())
                    });
                    Some(rules::training_row(&rules::TrainingRecord {
                        person_name: t.person_name,
                        cooperative,
                        role: ketnoi_domain::event::Role::parse(&t.role)?,
                        topic: ketnoi_domain::event::Topic::parse(&t.topic)?,
                        hours: t.hours,
                        held_on: t.held_on,
                        certificate_no: t.certificate_no,
                        provider: t.provider,
                    }))
                })
                .collect()
        }
    };
    let headers = kind.columns().iter().map(|c| (*c).to_owned()).collect();
    Ok(Table::new(headers, rows))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::tests::keys;

    #[test]
    fn import_messages_exist_in_both_languages() {
        let vi = keys(include_str!("../../../../web/locales/vi/imports.ftl"));
        let en = keys(include_str!("../../../../web/locales/en/imports.ftl"));
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
