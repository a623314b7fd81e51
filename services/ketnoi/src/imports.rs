//! `ketnoi import` and `ketnoi export`: the Union's spreadsheets from the command line, with
//! a progress bar on stderr and row errors as `dòng 17, cột unit: …`.

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use ketnoi_app::imports::{self, Format, Kind, Report};
use ketnoi_db::Db;
use std::io::Write;
use std::path::Path;

/// What a sheet holds (`cooperatives` or `listings`).
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum KindArg {
    Cooperatives,
    Listings,
    Reports,
    Training,
}

impl From<KindArg> for Kind {
    fn from(k: KindArg) -> Kind {
        match k {
            KindArg::Cooperatives => Kind::Cooperatives,
            KindArg::Listings => Kind::Listings,
            KindArg::Reports => Kind::Reports,
            KindArg::Training => Kind::Training,
        }
    }
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum FormatArg {
    Csv,
    Xlsx,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Csv => Format::Csv,
            FormatArg::Xlsx => Format::Xlsx,
        }
    }
}

/// Imports `file`; errs (so the exit code is non-zero) when errors kept rows out, after
/// listing them on stderr.
pub async fn import(db: &Db, kind: Kind, file: &Path, skip_invalid: bool) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    imports::check_name(&name, &bytes).map_err(file_problem)?;
    let prepared = imports::prepare(kind, &bytes).map_err(file_problem)?;
    // Hidden when stderr is not a terminal (pipes, logs, tests).
    let bar = ProgressBar::with_draw_target(
        Some(prepared.total_rows() as u64),
        ProgressDrawTarget::stderr(),
    );
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} dòng / rows ({eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let report = prepared
        .save(
            db,
            &imports::Operator::command_line(),
            skip_invalid,
            |done, total| {
                bar.set_length(total as u64);
                bar.set_position(done as u64);
            },
        )
        .await
        .map_err(|e| match e {
            imports::ImportError::Db(e) => anyhow::Error::new(e).context("importing"),
            other => file_problem(other),
        })?;
    bar.finish_and_clear();
    print_summary(kind, &report)?;
    for e in &report.errors {
        eprintln!("dòng {}, cột {}: {}", e.row, e.column, e.message_vi);
    }
    if !report.imported {
        anyhow::bail!(
            "không nhập dòng nào: {} dòng có lỗi (thêm --skip-invalid để bỏ qua các dòng lỗi) / nothing imported: {} rows have errors (add --skip-invalid to skip them)",
            report.error_rows().len(),
            report.error_rows().len()
        );
    }
    Ok(())
}

fn file_problem(e: imports::ImportError) -> anyhow::Error {
    anyhow::anyhow!("{} / {}", e.message_vi(), e.message_en())
}

/// The counts, in Vietnamese then English, on stdout (what the run did, for scripts).
fn print_summary(kind: Kind, r: &Report) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{}: {} dòng — {} tạo mới, {} cập nhật, {} không đổi, {} bỏ qua.",
        kind.as_str(),
        r.total_rows,
        r.created,
        r.updated,
        r.unchanged,
        r.skipped
    )?;
    writeln!(
        out,
        "{}: {} rows — {} created, {} updated, {} unchanged, {} skipped.",
        kind.as_str(),
        r.total_rows,
        r.created,
        r.updated,
        r.unchanged,
        r.skipped
    )?;
    Ok(())
}

/// Writes the export to `output`, or to stdout when `None`.
pub async fn export(
    db: &Db,
    kind: Kind,
    format: Format,
    output: Option<&Path>,
) -> anyhow::Result<()> {
    let bytes = imports::export(db, &ketnoi_domain::role::Scope::City, kind, format)
        .await
        .context("exporting")?;
    match output {
        Some(path) => {
            std::fs::write(path, &bytes).with_context(|| format!("writing {}", path.display()))?
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(&bytes)?;
            out.flush()?;
        }
    }
    Ok(())
}
