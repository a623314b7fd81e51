//! Spreadsheet imports started from the officers' upload page. The import itself runs in the
//! background; its row here says what was asked, how far it got and, at the end, what it
//! did (counts, and the row errors as JSON text that the web layer writes and reads).

use crate::{Conn, DbError, Result, on};
use chrono::{DateTime, Utc};

/// Where an import job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobStatus {
    Running,
    /// Finished: the report is filled in (which may say nothing was imported).
    Done,
    /// Stopped by an unexpected error; nothing was saved (the import is one transaction).
    Failed,
}

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Running => "running",
            JobStatus::Done => "done",
            JobStatus::Failed => "failed",
        }
    }
    pub fn parse(s: &str) -> Option<JobStatus> {
        [JobStatus::Running, JobStatus::Done, JobStatus::Failed]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct JobRow {
    id: i64,
    kind: String,
    status: String,
    file_name: Option<String>,
    skip_invalid: i64,
    total_rows: i64,
    done_rows: i64,
    created: i64,
    updated: i64,
    unchanged: i64,
    skipped: i64,
    imported: i64,
    errors_json: Option<String>,
    failure: Option<String>,
    created_by: Option<i64>,
    created_at: DateTime<Utc>,
    finished_at: Option<DateTime<Utc>>,
}

/// `SELECT <every column> FROM import_jobs <rest>`, as one literal for sqlx.
macro_rules! select_jobs {
    ($rest:literal) => {
        concat!(
            "SELECT id, kind, status, file_name, skip_invalid, total_rows, done_rows, created, updated, unchanged, skipped, imported, \
             errors_json, failure, created_by, created_at, finished_at FROM import_jobs ",
            $rest
        )
    };
}

#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: i64,
    /// `cooperatives` or `listings`.
    pub kind: String,
    pub status: JobStatus,
    /// The uploaded file's name, as the browser sent it (shown back, never used as a path).
    pub file_name: Option<String>,
    pub skip_invalid: bool,
    /// Data rows in the file (blank rows not counted).
    pub total_rows: i64,
    /// Rows saved so far, of `total_rows`; moves while the job runs.
    pub done_rows: i64,
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub skipped: i64,
    /// Whether anything was written: a file with errors imports nothing unless
    /// `skip_invalid` was asked for.
    pub imported: bool,
    /// The row errors, as the web layer serialised them.
    pub errors_json: Option<String>,
    /// Why a failed job failed (for operators; not shown to visitors).
    pub failure: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl TryFrom<JobRow> for Job {
    type Error = DbError;
    fn try_from(r: JobRow) -> Result<Job> {
        Ok(Job {
            status: JobStatus::parse(&r.status)
                .ok_or_else(|| DbError::Corrupt(format!("import job status {}", r.status)))?,
            skip_invalid: r.skip_invalid != 0,
            imported: r.imported != 0,
            id: r.id,
            kind: r.kind,
            file_name: r.file_name,
            total_rows: r.total_rows,
            done_rows: r.done_rows,
            created: r.created,
            updated: r.updated,
            unchanged: r.unchanged,
            skipped: r.skipped,
            errors_json: r.errors_json,
            failure: r.failure,
            created_by: r.created_by,
            created_at: r.created_at,
            finished_at: r.finished_at,
        })
    }
}

/// What a new job is asked to do.
#[derive(Debug, Clone)]
pub struct NewJob<'a> {
    pub kind: &'a str,
    pub file_name: Option<&'a str>,
    pub skip_invalid: bool,
    pub total_rows: i64,
    pub created_by: Option<i64>,
}

/// What a finished job did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    pub total_rows: i64,
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub skipped: i64,
    pub imported: bool,
    pub errors_json: String,
}

/// Records a job as running, nothing done yet.
pub async fn create(conn: Conn<'_>, j: &NewJob<'_>) -> Result<Job> {
    let row: JobRow = on!(conn, e => sqlx::query_as(
        "INSERT INTO import_jobs (kind, status, file_name, skip_invalid, total_rows, done_rows, created, updated, unchanged, skipped, imported, created_by, created_at) \
         VALUES ($1, 'running', $2, $3, $4, 0, 0, 0, 0, 0, 0, $5, $6) \
         RETURNING id, kind, status, file_name, skip_invalid, total_rows, done_rows, created, updated, unchanged, skipped, imported, \
           errors_json, failure, created_by, created_at, finished_at")
        .bind(j.kind)
        .bind(j.file_name)
        .bind(i64::from(j.skip_invalid))
        .bind(j.total_rows)
        .bind(j.created_by)
        .bind(crate::now())
        .fetch_one(e)
        .await)?;
    row.try_into()
}

/// Moves a running job's progress; a finished job is left alone (a late progress write
/// must not undo the final report).
pub async fn set_progress(conn: Conn<'_>, id: i64, done: i64, total: i64) -> Result<bool> {
    let n = on!(conn, e => sqlx::query(
        "UPDATE import_jobs SET done_rows = $2, total_rows = $3 WHERE id = $1 AND status = 'running'")
        .bind(id)
        .bind(done)
        .bind(total)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Writes the report of a running job and marks it done; returns whether it was running.
pub async fn finish(conn: Conn<'_>, id: i64, s: &Summary) -> Result<bool> {
    let n = on!(conn, e => sqlx::query(
        "UPDATE import_jobs SET status = 'done', total_rows = $2, done_rows = $3 + $4 + $5, created = $3, updated = $4, unchanged = $5, \
           skipped = $6, imported = $7, errors_json = $8, finished_at = $9 WHERE id = $1 AND status = 'running'")
        .bind(id)
        .bind(s.total_rows)
        .bind(s.created)
        .bind(s.updated)
        .bind(s.unchanged)
        .bind(s.skipped)
        .bind(i64::from(s.imported))
        .bind(&s.errors_json)
        .bind(crate::now())
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Marks a running job failed with the reason; returns whether it was running.
pub async fn fail(conn: Conn<'_>, id: i64, failure: &str) -> Result<bool> {
    let n = on!(conn, e => sqlx::query(
        "UPDATE import_jobs SET status = 'failed', failure = $2, finished_at = $3 WHERE id = $1 AND status = 'running'")
        .bind(id)
        .bind(failure)
        .bind(crate::now())
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn find(conn: Conn<'_>, id: i64) -> Result<Option<Job>> {
    let row: Option<JobRow> = on!(conn, e => sqlx::query_as(select_jobs!("WHERE id = $1"))
        .bind(id)
        .fetch_optional(e)
        .await)?;
    row.map(TryInto::try_into).transpose()
}

/// The latest jobs, newest first.
pub async fn recent(conn: Conn<'_>, limit: i64) -> Result<Vec<Job>> {
    let rows: Vec<JobRow> = on!(conn, e => sqlx::query_as(select_jobs!("ORDER BY id DESC LIMIT $1"))
        .bind(limit)
        .fetch_all(e)
        .await)?;
    rows.into_iter().map(TryInto::try_into).collect()
}
