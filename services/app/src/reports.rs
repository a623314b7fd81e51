//! Filing and deciding cooperatives' periodic reports, from their pages or the JSON API:
//! the rules are `ketnoi_domain::report`'s; the store writes each change with its audit
//! entry only if the report is still as it was read.

use crate::error::{Error, FieldErrors, Msg};
use ketnoi_db::Db;
use ketnoi_db::reports::{self, Report, Writer};
use ketnoi_domain::report::{Action, Figures, Period, Problems, Refused};

/// A report's problems as messages per field (the form's inputs are named as its columns).
pub fn field_errors(problems: &Problems) -> FieldErrors {
    let mut e = FieldErrors::default();
    for (field, invalid) in &problems.0 {
        e.add(field, Msg::new(invalid.key()));
    }
    e
}

fn refused(r: Refused) -> Error {
    Error::Conflict(FieldErrors::single("_form", Msg::new(r.key())))
}

/// The cooperative (or her proxy officer) saves or submits her figures for a period.
pub async fn file(
    db: &Db,
    w: &Writer,
    period: Period,
    figures: &Figures,
    action: Action,
) -> Result<Report, Error> {
    figures
        .validate(action == Action::Submit)
        .map_err(|p| Error::Validation(field_errors(&p)))?;
    reports::file(db, w, period, figures, action)
        .await?
        .map_err(refused)
}

/// The officer returns a submitted report with a comment (required: it says what to
/// correct), or accepts it.
pub async fn decide(
    db: &Db,
    w: &Writer,
    report_id: i64,
    action: Action,
    comment: &str,
) -> Result<Report, Error> {
    let comment = ketnoi_domain::text::optional_block(comment, 2000)
        .map_err(|e| Error::Validation(FieldErrors::single("comment", Msg::from(e))))?;
    if action == Action::Return && comment.is_none() {
        return Err(Error::Validation(FieldErrors::single(
            "comment",
            Msg::new("err-report-comment"),
        )));
    }
    reports::decide(db, w, report_id, action, comment.as_deref())
        .await?
        .map_err(refused)
}

/// Starts a correction of an accepted report (a new draft version).
pub async fn correct(db: &Db, w: &Writer, period: Period) -> Result<Report, Error> {
    reports::correct(db, w, period).await?.map_err(refused)
}
