//! The Union officers' spreadsheet page: upload cooperatives or listings (imported in the
//! background as a job, with progress and a report of row errors), and download the
//! directory as CSV or XLSX.

use crate::AppState;
use crate::context::{Ctx, CurrentUser};
use crate::error::{AppError, FieldErrors, Msg};
use crate::extract::{Form, PathId};
use crate::imports::{self, Format, Kind, Prepared, Report};
use crate::pages::{Layout, render, render_status, see_other};
use askama::Template;
use axum::extract::{FromRequest, FromRequestParts, Multipart, RawPathParams, Request, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use ketnoi_db::import_jobs::{self, Job, JobStatus, NewJob, Summary};
use ketnoi_db::{Backend, Db};
use ketnoi_domain::Locale;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex, PoisonError};
use std::time::Duration;

/// At most this many row errors are listed on the job page; the rest are counted.
const ERRORS_SHOWN: usize = 500;
/// A job still "running" this long after it started, and not running in this process, was
/// cut off by a restart: nothing of it was committed (it is one transaction).
const ABANDONED_AFTER: chrono::TimeDelta = chrono::TimeDelta::hours(1);
/// How often a running job's progress is written to PostgreSQL; the page reloads every 2 s.
const PROGRESS_WRITE_EVERY: Duration = Duration::from_millis(500);

/// Progress of the jobs running in this process, by (app, job id). SQLite has one writer at
/// a time and the import's transaction holds it until the end, so there progress cannot be
/// written to the job row; the page reads it from here. The app's address is part of the
/// key because tests run several apps (several databases, same job ids) in one process.
static RUNNING: LazyLock<Mutex<Progress>> = LazyLock::new(|| Mutex::new(HashMap::new()));

/// (app address, job id) → (rows done, rows to do).
type Progress = HashMap<(usize, i64), (usize, usize)>;

fn running_key(state: &AppState, id: i64) -> (usize, i64) {
    (std::ptr::from_ref(&**state).addr(), id)
}

fn running() -> std::sync::MutexGuard<'static, Progress> {
    // A panic while holding the lock leaves a map of plain numbers, still consistent.
    RUNNING.lock().unwrap_or_else(PoisonError::into_inner)
}

struct ExportLink {
    href: String,
    label: String,
}

struct JobLine {
    id: i64,
    kind: String,
    status: String,
    file_name: String,
    started: String,
}

#[derive(Template)]
#[template(path = "imports/new.html")]
struct NewImportPage {
    layout: Layout,
    errors: FieldErrors,
    kind: String,
    skip_invalid: bool,
    max_mb: String,
    cooperative_columns: String,
    listing_columns: String,
    report_columns: String,
    training_columns: String,
    exports: Vec<ExportLink>,
    jobs: Vec<JobLine>,
}

fn kind_label(ctx: &Ctx, kind: &str) -> String {
    ctx.tr().get(&format!("imports-kind-{kind}"))
}

fn status_label(ctx: &Ctx, status: JobStatus) -> String {
    ctx.tr().get(&format!("imports-status-{}", status.as_str()))
}

fn max_mb() -> usize {
    crate::middleware::UPLOAD_LIMIT / (1024 * 1024)
}

/// The form as first shown, or again with the person's choices and what was wrong.
async fn form_page(
    state: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    errors: FieldErrors,
    kind: &str,
    skip_invalid: bool,
) -> Result<Response, AppError> {
    let jobs = import_jobs::recent(state.db.conn(), 20).await?;
    let mut exports = Vec::new();
    for k in Kind::ALL {
        for f in [Format::Csv, Format::Xlsx] {
            let ext = imports::extension(f);
            exports.push(ExportLink {
                href: format!("/union/exports/{}.{ext}", k.as_str()),
                label: format!(
                    "{} ({})",
                    ctx.tr().get(&format!("imports-export-{}", k.as_str())),
                    ext.to_uppercase()
                ),
            });
        }
    }
    render_status(
        status,
        &NewImportPage {
            layout: Layout::titled(ctx, "imports-title"),
            errors,
            kind: kind.to_owned(),
            skip_invalid,
            max_mb: max_mb().to_string(),
            cooperative_columns: Kind::Cooperatives.columns().join(", "),
            listing_columns: Kind::Listings.columns().join(", "),
            report_columns: Kind::Reports.columns().join(", "),
            training_columns: Kind::Training.columns().join(", "),
            exports,
            jobs: jobs
                .iter()
                .map(|j| JobLine {
                    id: j.id,
                    kind: kind_label(ctx, &j.kind),
                    status: status_label(ctx, j.status),
                    file_name: j.file_name.clone().unwrap_or_default(),
                    started: ketnoi_domain::time::format_hanoi(j.created_at),
                })
                .collect(),
        },
    )
}

pub async fn new_import(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    form_page(
        &state,
        &ctx,
        StatusCode::OK,
        FieldErrors::default(),
        "cooperatives",
        false,
    )
    .await
}

/// What the upload form sent.
#[derive(Debug, Default)]
struct Upload {
    kind: String,
    skip_invalid: bool,
    file_name: String,
    bytes: Vec<u8>,
}

/// Why an upload was not accepted: an error page, or the form again with messages.
enum Refusal {
    Page(AppError),
    Form(StatusCode, FieldErrors, Upload),
}

impl From<AppError> for Refusal {
    fn from(e: AppError) -> Refusal {
        Refusal::Page(e)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct TokenOnly {
    csrf: String,
}

fn is_multipart(req: &Request) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("multipart/form-data"))
}

fn too_large(e: &axum::extract::multipart::MultipartError) -> bool {
    e.status() == StatusCode::PAYLOAD_TOO_LARGE
}

/// Reads the multipart form. The CSRF token comes first in the form and is verified before
/// anything else is read, so a forged post never gets its file parsed.
async fn read_upload(state: &AppState, ctx: &Ctx, req: Request) -> Result<Upload, Refusal> {
    if !is_multipart(&req) {
        // Not a file upload (a stale form, a script): the token is still checked first, so
        // a forged post is told so; a genuine one is asked for the file.
        let Form(form) = Form::<TokenOnly>::from_request(req, state).await?;
        ctx.require_csrf(state, &form.csrf)?;
        return Err(Refusal::Form(
            StatusCode::UNPROCESSABLE_ENTITY,
            FieldErrors::single("file", Msg::new("imports-err-no-file")),
            Upload::default(),
        ));
    }
    let mut mp = Multipart::from_request(req, state)
        .await
        .map_err(|_| AppError::BadRequest(Msg::new("err-bad-request")))?;
    let mut up = Upload::default();
    let mut verified = false;
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if too_large(&e) && verified => return Err(file_too_large(up)),
            Err(e) if too_large(&e) => return Err(AppError::PayloadTooLarge.into()),
            Err(_) => return Err(AppError::BadRequest(Msg::new("err-bad-request")).into()),
        };
        let name = field.name().unwrap_or_default().to_owned();
        if name == "csrf" {
            let token = field.text().await.unwrap_or_default();
            verified = ctx.verify_csrf(state, token.trim());
            if !verified {
                return Err(AppError::Csrf.into());
            }
            continue;
        }
        if !verified {
            return Err(AppError::Csrf.into());
        }
        match name.as_str() {
            "kind" => up.kind = field.text().await.unwrap_or_default().trim().to_owned(),
            "skip_invalid" => up.skip_invalid = true,
            "file" => {
                up.file_name = field.file_name().unwrap_or_default().to_owned();
                match field.bytes().await {
                    Ok(b) => up.bytes = b.to_vec(),
                    Err(e) if too_large(&e) => return Err(file_too_large(up)),
                    Err(_) => {
                        return Err(AppError::BadRequest(Msg::new("err-bad-request")).into());
                    }
                }
            }
            // Other fields are ignored, like unknown fields of any form.
            _ => {}
        }
    }
    if !verified {
        return Err(AppError::Csrf.into());
    }
    Ok(up)
}

fn file_too_large(up: Upload) -> Refusal {
    Refusal::Form(
        StatusCode::PAYLOAD_TOO_LARGE,
        FieldErrors::single(
            "file",
            Msg {
                key: "imports-err-too-large",
                args: vec![("mb", max_mb().to_string())],
            },
        ),
        Upload {
            bytes: Vec::new(),
            ..up
        },
    )
}

/// Checks the upload and reads the sheet; what is wrong goes back to the form.
async fn check_upload(up: &mut Upload) -> Result<(Kind, Prepared), (StatusCode, FieldErrors)> {
    let mut e = FieldErrors::default();
    let kind = e.check(
        "kind",
        Kind::parse(&up.kind).ok_or(Msg::new("err-invalid-choice")),
    );
    if up.bytes.is_empty() {
        let key = if up.file_name.is_empty() {
            "imports-err-no-file"
        } else {
            "imports-err-empty"
        };
        e.add("file", Msg::new(key));
    } else if let Err(err) = imports::check_name(&up.file_name, &up.bytes) {
        e.add("file", file_msg(&err));
    }
    let Some(kind) = kind.filter(|_| e.is_empty()) else {
        return Err((StatusCode::UNPROCESSABLE_ENTITY, e));
    };
    let bytes = std::mem::take(&mut up.bytes);
    // Reading a large workbook is CPU work: keep it off the async threads.
    let prepared = tokio::task::spawn_blocking(move || imports::prepare(kind, &bytes))
        .await
        .map_err(|_| {
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                FieldErrors::single("file", Msg::new("imports-err-unknown-format")),
            )
        })?;
    match prepared {
        Ok(p) => Ok((kind, p)),
        Err(err) => Err((
            StatusCode::UNPROCESSABLE_ENTITY,
            FieldErrors::single("file", file_msg(&err)),
        )),
    }
}

fn file_msg(err: &imports::ImportError) -> Msg {
    err.file_msg()
        .cloned()
        .unwrap_or_else(|| Msg::new("imports-err-internal"))
}

pub async fn create_import(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    req: Request,
) -> Result<Response, AppError> {
    let mut up = match read_upload(&state, &ctx, req).await {
        Ok(up) => up,
        Err(Refusal::Page(e)) => return Err(e),
        Err(Refusal::Form(status, errors, up)) => {
            let kind = if up.kind.is_empty() {
                "cooperatives"
            } else {
                &up.kind
            };
            return form_page(&state, &ctx, status, errors, kind, up.skip_invalid).await;
        }
    };
    let (kind, prepared) = match check_upload(&mut up).await {
        Ok(ok) => ok,
        Err((status, errors)) => {
            return form_page(&state, &ctx, status, errors, &up.kind, up.skip_invalid).await;
        }
    };
    let file_name: String = ketnoi_domain::text::clean(&up.file_name)
        .chars()
        .take(200)
        .collect();
    let job = import_jobs::create(
        state.db.conn(),
        &NewJob {
            kind: kind.as_str(),
            file_name: (!file_name.is_empty()).then_some(file_name.as_str()),
            skip_invalid: up.skip_invalid,
            total_rows: prepared.total_rows() as i64,
            created_by: Some(user.id),
        },
    )
    .await?;
    running().insert(running_key(&state, job.id), (0, prepared.total_rows()));
    let by = imports::Operator {
        scope: crate::policy::officer_scope(&user)?,
        actor_id: Some(user.id),
    };
    tokio::spawn(run_job(
        state.clone(),
        job.id,
        prepared,
        by,
        up.skip_invalid,
    ));
    Ok(see_other(&format!("/union/imports/{}", job.id)))
}

/// Runs one import to the end and records its report (or its failure) on the job row.
async fn run_job(
    state: AppState,
    id: i64,
    prepared: Prepared,
    by: imports::Operator,
    skip_invalid: bool,
) {
    let key = running_key(&state, id);
    let (progress_tx, progress_rx) = tokio::sync::watch::channel((0usize, 0usize));
    let writer = (state.db.backend() == Backend::Postgres)
        .then(|| tokio::spawn(write_progress(state.db.clone(), id, progress_rx)));
    let result = prepared
        .save(&state.db, &by, skip_invalid, move |done, total| {
            running().insert(key, (done, total));
            let _ = progress_tx.send((done, total));
        })
        .await;
    // What the import saved shows on the public pages from now on.
    state.page_cache.invalidate();
    // The sender went with the closure, so the writer ends after its last write; waiting
    // for it keeps a late progress write from landing after the report.
    if let Some(w) = writer {
        let _ = w.await;
    }
    let recorded = match result {
        Ok(report) => import_jobs::finish(state.db.conn(), id, &summary(&report)).await,
        Err(e) => {
            tracing::error!(job = id, error = %e, "import failed");
            import_jobs::fail(state.db.conn(), id, &e.to_string()).await
        }
    };
    if let Err(e) = recorded {
        tracing::error!(job = id, error = %e, "import result could not be recorded");
    }
    running().remove(&key);
}

/// Copies progress to the job row (PostgreSQL only, see [`RUNNING`]), at most every
/// [`PROGRESS_WRITE_EVERY`]; ends when the import drops its sender.
async fn write_progress(db: Db, id: i64, mut rx: tokio::sync::watch::Receiver<(usize, usize)>) {
    while rx.changed().await.is_ok() {
        let (done, total) = *rx.borrow_and_update();
        if let Err(e) = import_jobs::set_progress(db.conn(), id, done as i64, total as i64).await {
            tracing::warn!(job = id, error = %e, "import progress not recorded");
        }
        tokio::time::sleep(PROGRESS_WRITE_EVERY).await;
    }
}

fn summary(r: &Report) -> Summary {
    Summary {
        total_rows: r.total_rows as i64,
        created: r.created as i64,
        updated: r.updated as i64,
        unchanged: r.unchanged as i64,
        skipped: r.skipped as i64,
        imported: r.imported,
        errors_json: serde_json::to_string(&r.errors).unwrap_or_else(|_| "[]".to_owned()),
    }
}

/// A row error as stored in `errors_json`.
#[derive(Debug, Deserialize)]
struct StoredError {
    row: usize,
    column: String,
    message_vi: String,
    message_en: String,
}

struct ErrorLine {
    row: usize,
    column: String,
    message: String,
}

#[derive(Template)]
#[template(path = "imports/show.html")]
struct ShowImportPage {
    layout: Layout,
    id: i64,
    status: &'static str,
    status_label: String,
    kind: String,
    file_name: String,
    skip_invalid: bool,
    started: String,
    finished: String,
    done: usize,
    total: usize,
    progress: String,
    imported: bool,
    total_rows: i64,
    created: i64,
    updated: i64,
    unchanged: i64,
    skipped: i64,
    error_count: usize,
    errors: Vec<ErrorLine>,
    more_errors: String,
}

pub async fn show_import(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
) -> Result<Response, AppError> {
    let mut job = import_jobs::find(state.db.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    // An import's report quotes its rows: it is for the officer who ran it, and the city.
    let scope = crate::policy::officer_scope(&user)?;
    if job.created_by != Some(user.id) && scope != ketnoi_domain::role::Scope::City {
        return Err(AppError::NotFound);
    }
    let live = running().get(&running_key(&state, id)).copied();
    if job.status == JobStatus::Running
        && live.is_none()
        && job.created_at < ketnoi_db::now() - ABANDONED_AFTER
    {
        import_jobs::fail(state.db.conn(), id, "interrupted: the process stopped").await?;
        job = import_jobs::find(state.db.conn(), id)
            .await?
            .ok_or(AppError::NotFound)?;
    }
    render(&show_page(&ctx, &job, live))
}

fn show_page(ctx: &Ctx, job: &Job, live: Option<(usize, usize)>) -> ShowImportPage {
    let (done, total) = match live {
        Some((done, total)) => (done.max(job.done_rows as usize), total),
        None => (job.done_rows as usize, job.total_rows as usize),
    };
    let stored: Vec<StoredError> = job
        .errors_json
        .as_deref()
        .and_then(|j| serde_json::from_str(j).ok())
        .unwrap_or_default();
    let error_count = stored.len();
    let errors = stored
        .into_iter()
        .take(ERRORS_SHOWN)
        .map(|e| ErrorLine {
            row: e.row,
            column: e.column,
            message: match ctx.locale {
                Locale::Vi => e.message_vi,
                Locale::En => e.message_en,
            },
        })
        .collect();
    let tr = ctx.tr();
    let id = job.id.to_string();
    ShowImportPage {
        layout: Layout::new(ctx, tr.with("imports-job-title", "id", &id)),
        id: job.id,
        status: job.status.as_str(),
        status_label: status_label(ctx, job.status),
        kind: kind_label(ctx, &job.kind),
        file_name: job.file_name.clone().unwrap_or_default(),
        skip_invalid: job.skip_invalid,
        started: ketnoi_domain::time::format_hanoi(job.created_at),
        finished: job
            .finished_at
            .map(ketnoi_domain::time::format_hanoi)
            .unwrap_or_default(),
        done,
        total,
        progress: crate::i18n::t_args(
            ctx.locale,
            "imports-progress",
            &[("done", done.to_string()), ("total", total.to_string())],
        ),
        imported: job.imported,
        total_rows: job.total_rows,
        created: job.created,
        updated: job.updated,
        unchanged: job.unchanged,
        skipped: job.skipped,
        error_count,
        errors,
        more_errors: tr.with(
            "imports-errors-more",
            "count",
            &error_count.saturating_sub(ERRORS_SHOWN).to_string(),
        ),
    }
}

/// `cooperatives.csv` and the like: what to export, in which format.
fn export_file(name: &str) -> Option<(Kind, Format)> {
    let (kind, ext) = name.split_once('.')?;
    Some((Kind::parse(kind)?, imports::parse_format(ext)?))
}

/// The `{file}` path segment; anything but a known export is a 404.
pub struct ExportFile(Kind, Format);

impl<S: Send + Sync> FromRequestParts<S> for ExportFile {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::NotFound)?;
        params
            .iter()
            .find(|(k, _)| *k == "file")
            .and_then(|(_, v)| export_file(v))
            .map(|(k, f)| ExportFile(k, f))
            .ok_or(AppError::NotFound)
    }
}

pub async fn download_export(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ExportFile(kind, format): ExportFile,
) -> Result<Response, AppError> {
    let scope = crate::policy::officer_scope(&user)?;
    let bytes = imports::export(&state.db, &scope, kind, format)
        .await
        .map_err(AppError::internal)?;
    // Dated, so that successive exports do not overwrite each other in Downloads.
    let name = format!(
        "ketnoi-{}-{}.{}",
        kind.as_str(),
        ketnoi_domain::time::today_hanoi().format("%Y-%m-%d"),
        imports::extension(format)
    );
    Ok((
        [
            (
                header::CONTENT_TYPE,
                imports::content_type(format).to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_four_exports_are_files() {
        assert_eq!(
            export_file("cooperatives.csv"),
            Some((Kind::Cooperatives, Format::Csv))
        );
        assert_eq!(
            export_file("listings.xlsx"),
            Some((Kind::Listings, Format::Xlsx))
        );
        assert_eq!(
            export_file("training.csv"),
            Some((Kind::Training, Format::Csv))
        );
        for bad in [
            "listings",
            "users.csv",
            "listings.xls",
            "../listings.csv",
            "{file}",
        ] {
            assert_eq!(export_file(bad), None, "{bad}");
        }
    }
}
