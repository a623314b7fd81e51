//! `ketnoi backup <DIR>` and `ketnoi restore <DIR>`.
//!
//! A backup directory holds:
//!
//! - `manifest.json`: format version, engine, time (UTC), program version, row counts of the
//!   main tables and the SHA-256 of the database copy;
//! - the database: `ketnoi.db` (SQLite, written by `VACUUM INTO` on the live database: one
//!   consistent snapshot, writers carry on meanwhile) or `ketnoi.pgdump` (PostgreSQL,
//!   `pg_dump --format=custom` of the same snapshot the row counts were read in);
//! - `media/`: a copy of the local media directory, taken *after* the database snapshot.
//!   Media files are content-addressed and never rewritten, and an upload is stored before
//!   the row that names it is committed, so every file the snapshot names is in the copy.
//!   Media in S3 is not copied (the bucket's own versioning or replication keeps it).
//!
//! The search index is not in a backup: `restore` rebuilds it from the restored database, as
//! `ketnoi reindex` does.
//!
//! A backup is written into a hidden sibling directory and renamed to `<DIR>` once complete,
//! so a directory with a manifest is always a whole backup.

use crate::config::Config;
use anyhow::{Context, bail, ensure};
use chrono::{DateTime, Utc};
use ketnoi_db::Db;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Version of the backup layout; `restore` refuses a format it does not know.
pub const FORMAT: u32 = 1;
const MANIFEST: &str = "manifest.json";
const SQLITE_FILE: &str = "ketnoi.db";
const PG_FILE: &str = "ketnoi.pgdump";
const MEDIA_DIR: &str = "media";

/// Tables whose row counts a manifest records and `restore` checks.
const COUNTED: &[&str] = &[
    "users",
    "organisations",
    "memberships",
    "listings",
    "offers",
    "media",
    "listing_photos",
    "events",
    "badges",
    "conversations",
    "messages",
    "cart_items",
    "orders",
    "order_items",
    "payout_ledger",
    "audit_log",
];

#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    /// `sqlite` or `postgres`.
    pub engine: String,
    pub created_at: DateTime<Utc>,
    pub app_version: String,
    pub database: DatabaseCopy,
    /// Rows per table in the copy, as of the snapshot.
    pub row_counts: BTreeMap<String, i64>,
    pub media: MediaCopy,
    pub search_index: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct DatabaseCopy {
    /// File name inside the backup directory.
    pub file: String,
    pub bytes: u64,
    pub sha256: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct MediaCopy {
    /// Whether `media/` holds a copy of the media directory.
    pub copied: bool,
    pub files: u64,
    pub bytes: u64,
    /// Where media lives when it was not copied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_copied: Option<String>,
}

const ENGINE_SQLITE: &str = "sqlite";
const ENGINE_POSTGRES: &str = "postgres";

// ---- backup -----------------------------------------------------------------------------

/// Writes a backup of the configured database and local media into `dir`, which must not
/// exist or be empty.
pub async fn backup(config: &Config, dir: &Path, pg_bin_dir: Option<&Path>) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    if dir.exists() {
        let empty = std::fs::read_dir(dir)
            .with_context(|| format!("reading {}", dir.display()))?
            .next()
            .is_none();
        ensure!(
            empty,
            "{} exists and is not empty: a backup goes into a new directory",
            dir.display()
        );
    }
    let name = dir
        .file_name()
        .with_context(|| format!("{} does not name a directory", dir.display()))?
        .to_string_lossy()
        .into_owned();
    let parent = parent_of(dir);
    std::fs::create_dir_all(&parent).with_context(|| format!("creating {}", parent.display()))?;
    let staging = parent.join(format!(".{name}.partial-{}", std::process::id()));
    if staging.exists() {
        std::fs::remove_dir_all(&staging)?;
    }
    std::fs::create_dir(&staging).with_context(|| format!("creating {}", staging.display()))?;
    let manifest = match write_backup(config, &staging, pg_bin_dir).await {
        Ok(m) => m,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    if dir.exists() {
        // Empty (checked above): rename(2) replaces an empty directory, but not everywhere.
        std::fs::remove_dir(dir).with_context(|| format!("replacing {}", dir.display()))?;
    }
    std::fs::rename(&staging, dir)
        .with_context(|| format!("renaming {} to {}", staging.display(), dir.display()))?;
    sync_dir(&parent);
    let media = if manifest.media.copied {
        format!(
            "{} media files ({} KiB)",
            manifest.media.files,
            manifest.media.bytes / 1024
        )
    } else {
        "media not copied (not on local disk)".to_owned()
    };
    let line = format!(
        "backup written to {}: {}, database {} KiB, {media}, in {:.2} s\n",
        dir.display(),
        manifest.engine,
        manifest.database.bytes / 1024,
        started.elapsed().as_secs_f64()
    );
    std::io::stdout().write_all(line.as_bytes())?;
    Ok(())
}

async fn write_backup(
    config: &Config,
    staging: &Path,
    pg_bin_dir: Option<&Path>,
) -> anyhow::Result<Manifest> {
    let created_at = Utc::now();
    let (engine, file, row_counts) = match config.sqlite_path() {
        Some(path) => {
            let counts = backup_sqlite(config, &path, &staging.join(SQLITE_FILE)).await?;
            (ENGINE_SQLITE, SQLITE_FILE, counts)
        }
        None => {
            let counts = backup_postgres(config, &staging.join(PG_FILE), pg_bin_dir).await?;
            (ENGINE_POSTGRES, PG_FILE, counts)
        }
    };
    let (sha256, bytes) = sha256_file(&staging.join(file))?;
    // After the snapshot: every file it names was stored before its row was committed.
    let media = match config.local_media_dir() {
        Some(src) => {
            let dst = staging.join(MEDIA_DIR);
            let (files, bytes) = tokio::task::spawn_blocking(move || copy_tree(&src, &dst))
                .await
                .context("copying media")??;
            MediaCopy {
                copied: true,
                files,
                bytes,
                not_copied: None,
            }
        }
        None => MediaCopy {
            copied: false,
            files: 0,
            bytes: 0,
            not_copied: Some(redact(&config.media_location())),
        },
    };
    let manifest = Manifest {
        format: FORMAT,
        engine: engine.to_owned(),
        created_at,
        app_version: env!("CARGO_PKG_VERSION").to_owned(),
        database: DatabaseCopy {
            file: file.to_owned(),
            bytes,
            sha256,
        },
        row_counts,
        media,
        search_index: "not included: `ketnoi restore` rebuilds it from the database".to_owned(),
    };
    let path = staging.join(MANIFEST);
    let mut f = std::fs::File::create(&path)?;
    f.write_all(&serde_json::to_vec_pretty(&manifest)?)?;
    f.write_all(b"\n")?;
    f.sync_all()?;
    sync_dir(staging);
    Ok(manifest)
}

/// `VACUUM INTO` on the live database (through the same pool settings as the server: WAL,
/// busy timeout): one read transaction, so one consistent snapshot; writers are not blocked.
async fn backup_sqlite(
    config: &Config,
    path: &Path,
    out: &Path,
) -> anyhow::Result<BTreeMap<String, i64>> {
    let live = std::fs::metadata(path)
        .map(|m| m.len() > 0)
        .unwrap_or(false);
    ensure!(
        live,
        "no SQLite database at {} (check DATABASE_URL)",
        path.display()
    );
    let db = Db::connect(&config.database_url)
        .await
        .context("opening the database (check DATABASE_URL)")?;
    let Db::Sqlite(pool) = &db else {
        bail!("DATABASE_URL names a SQLite file but did not open as SQLite");
    };
    let result = sqlx::query("VACUUM INTO ?")
        .bind(out.to_string_lossy().into_owned())
        .execute(pool)
        .await;
    db.close().await;
    result.context("copying the database (VACUUM INTO)")?;
    let copy = open_sqlite_copy(out).await?;
    let counts = sqlite_counts(&copy).await;
    copy.close().await;
    counts
}

/// Opens a database file that nothing else writes, read-only and without side files.
async fn open_sqlite_copy(path: &Path) -> anyhow::Result<sqlx::SqlitePool> {
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .immutable(true);
    sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .with_context(|| format!("opening {}", path.display()))
}

/// `SELECT COUNT(*)` of one of the [`COUNTED`] tables (a constant name, not user input).
fn count_sql(table: &str, schema: &str) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {schema}\"{table}\""))
}

async fn sqlite_counts(pool: &sqlx::SqlitePool) -> anyhow::Result<BTreeMap<String, i64>> {
    let mut counts = BTreeMap::new();
    for table in COUNTED {
        let exists: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
        )
        .bind(table)
        .fetch_one(pool)
        .await?;
        if exists > 0 {
            let n: i64 = sqlx::query_scalar(count_sql(table, ""))
                .fetch_one(pool)
                .await?;
            counts.insert((*table).to_owned(), n);
        }
    }
    Ok(counts)
}

async fn pg_counts(conn: &mut sqlx::PgConnection) -> anyhow::Result<BTreeMap<String, i64>> {
    let mut counts = BTreeMap::new();
    for table in COUNTED {
        let exists: bool = sqlx::query_scalar("SELECT to_regclass($1) IS NOT NULL")
            .bind(format!("public.{table}"))
            .fetch_one(&mut *conn)
            .await?;
        if exists {
            let n: i64 = sqlx::query_scalar(count_sql(table, "public."))
                .fetch_one(&mut *conn)
                .await?;
            counts.insert((*table).to_owned(), n);
        }
    }
    Ok(counts)
}

/// `pg_dump --format=custom` of a snapshot exported by a repeatable-read transaction that
/// also reads the row counts, so the counts describe exactly what the dump holds.
async fn backup_postgres(
    config: &Config,
    out: &Path,
    pg_bin_dir: Option<&Path>,
) -> anyhow::Result<BTreeMap<String, i64>> {
    let pg_dump = pg_program("pg_dump", pg_bin_dir)?;
    let options =
        sqlx::postgres::PgConnectOptions::from_str(&config.database_url).context("DATABASE_URL")?;
    let mut conn = sqlx::ConnectOptions::connect(&options)
        .await
        .context("opening the database (check DATABASE_URL)")?;
    sqlx::query("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut conn)
        .await?;
    let snapshot: String = sqlx::query_scalar("SELECT pg_export_snapshot()")
        .fetch_one(&mut conn)
        .await?;
    let counts = pg_counts(&mut conn).await?;
    let (url, password) = split_password(&config.database_url);
    let mut cmd = tokio::process::Command::new(&pg_dump);
    cmd.arg("--format=custom")
        .arg(format!("--snapshot={snapshot}"))
        .arg("--file")
        .arg(out)
        .arg("--dbname")
        .arg(&url)
        .stdin(std::process::Stdio::null());
    let output = run_pg_tool(cmd, &pg_dump, password).await?;
    let _ = sqlx::query("COMMIT").execute(&mut conn).await;
    let _ = sqlx::Connection::close(conn).await;
    ensure!(
        output.status.success(),
        "{} failed ({}): {}",
        pg_dump.display(),
        output.status,
        String::from_utf8_lossy(&output.stderr).trim()
    );
    Ok(counts)
}

// ---- restore ----------------------------------------------------------------------------

/// Restores the backup in `dir` into the configured database and media directory, then
/// rebuilds the search index.
pub async fn restore(
    config: &Config,
    dir: &Path,
    force: bool,
    pg_bin_dir: Option<&Path>,
) -> anyhow::Result<()> {
    let manifest_path = dir.join(MANIFEST);
    let manifest: Manifest = serde_json::from_slice(
        &std::fs::read(&manifest_path)
            .with_context(|| format!("reading {}", manifest_path.display()))?,
    )
    .with_context(|| {
        format!(
            "{} is not a Ketnoi backup manifest",
            manifest_path.display()
        )
    })?;
    ensure!(
        manifest.format == FORMAT,
        "backup format {} is not known to this version (it reads format {FORMAT})",
        manifest.format
    );
    ensure!(
        [SQLITE_FILE, PG_FILE].contains(&manifest.database.file.as_str()),
        "the manifest names an unknown database file {:?}",
        manifest.database.file
    );
    let file = dir.join(&manifest.database.file);
    let (sha256, _) = sha256_file(&file)?;
    ensure!(
        sha256 == manifest.database.sha256,
        "{}: checksum mismatch (sha256 {sha256}, manifest says {}): the backup is damaged, nothing was restored",
        file.display(),
        manifest.database.sha256
    );
    let target_engine = if config.sqlite_path().is_some() {
        ENGINE_SQLITE
    } else {
        ENGINE_POSTGRES
    };
    ensure!(
        manifest.engine == target_engine,
        "this is a {} backup and DATABASE_URL names a {target_engine} database",
        manifest.engine
    );
    match config.sqlite_path() {
        Some(target) => {
            check_sqlite_target(&target, force)?;
            // Media first: once the database is in place, the files it names are too.
            restore_media(config, dir, &manifest).await?;
            restore_sqlite(&file, &target, &manifest).await?;
        }
        None => {
            let emptied = check_postgres_target(config, force).await?;
            restore_media(config, dir, &manifest).await?;
            restore_postgres(config, &file, emptied, pg_bin_dir).await?;
        }
    }
    // The rows restored are the rows backed up (read before migrations can change anything).
    let db = Db::connect(&config.database_url).await?;
    let counts = match &db {
        Db::Sqlite(pool) => sqlite_counts(pool).await,
        Db::Postgres(pool) => match pool.acquire().await {
            Ok(mut conn) => pg_counts(&mut conn).await,
            Err(e) => Err(e.into()),
        },
    };
    db.close().await;
    let counts = counts?;
    for (table, want) in &manifest.row_counts {
        let got = counts.get(table).copied().unwrap_or(0);
        ensure!(
            got == *want,
            "restored table {table} has {got} rows, the manifest says {want}"
        );
    }
    let db = config.database().await?;
    let index = config.search_index().await?;
    let rebuilt = crate::search::reindex(&db, &*index).await;
    db.close().await;
    rebuilt
        .context("the database is restored but the search index is not: run `ketnoi reindex`")?;
    let line = format!(
        "restored the {} backup of {} ({} tables checked), search index rebuilt\n",
        manifest.engine,
        manifest.created_at.format("%Y-%m-%d %H:%M:%S UTC"),
        manifest.row_counts.len()
    );
    std::io::stdout().write_all(line.as_bytes())?;
    Ok(())
}

fn check_sqlite_target(target: &Path, force: bool) -> anyhow::Result<()> {
    let exists = std::fs::metadata(target)
        .map(|m| m.len() > 0)
        .unwrap_or(false);
    ensure!(
        !exists || force,
        "{} already holds a database: restore does not overwrite it without --force (stop the server first)",
        target.display()
    );
    Ok(())
}

/// Copies the database next to `target`, checks the copy (checksum, `integrity_check`), then
/// renames it over `target`: the target is either the old database or the whole new one.
async fn restore_sqlite(file: &Path, target: &Path, manifest: &Manifest) -> anyhow::Result<()> {
    let parent = parent_of(target);
    std::fs::create_dir_all(&parent).with_context(|| format!("creating {}", parent.display()))?;
    let name = target
        .file_name()
        .with_context(|| format!("{} does not name a file", target.display()))?
        .to_string_lossy()
        .into_owned();
    let temp = parent.join(format!(".{name}.restore-{}", std::process::id()));
    let result = async {
        let sha256 = copy_hashing(file, &temp)?;
        ensure!(
            sha256 == manifest.database.sha256,
            "{} changed while it was copied",
            file.display()
        );
        let pool = open_sqlite_copy(&temp).await?;
        let check: Result<String, sqlx::Error> = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&pool)
            .await;
        pool.close().await;
        let check = check?;
        ensure!(
            check == "ok",
            "the backup's database fails integrity_check: {check}"
        );
        // The old database's journal must not be applied to the new file.
        for suffix in ["-wal", "-shm", "-journal"] {
            let side = parent.join(format!("{name}{suffix}"));
            match std::fs::remove_file(&side) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e).with_context(|| format!("removing {}", side.display())),
            }
        }
        std::fs::rename(&temp, target)
            .with_context(|| format!("renaming {} to {}", temp.display(), target.display()))?;
        sync_dir(&parent);
        Ok(())
    }
    .await;
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

/// Whether the target database holds tables; refuses unless `force`. Returns whether it
/// must be emptied first.
async fn check_postgres_target(config: &Config, force: bool) -> anyhow::Result<bool> {
    let options =
        sqlx::postgres::PgConnectOptions::from_str(&config.database_url).context("DATABASE_URL")?;
    let mut conn = sqlx::ConnectOptions::connect(&options)
        .await
        .context("opening the database (check DATABASE_URL)")?;
    let tables: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM pg_catalog.pg_tables \
         WHERE schemaname NOT IN ('pg_catalog', 'information_schema')",
    )
    .fetch_one(&mut conn)
    .await?;
    let _ = sqlx::Connection::close(conn).await;
    ensure!(
        tables == 0 || force,
        "the database in DATABASE_URL is not empty ({tables} tables): restore does not overwrite it without --force (stop the servers first)"
    );
    Ok(tables > 0)
}

/// `pg_restore` in one transaction: on any error nothing is restored. With `clean`, the
/// objects of the dump are dropped first, in the same transaction.
async fn restore_postgres(
    config: &Config,
    file: &Path,
    clean: bool,
    pg_bin_dir: Option<&Path>,
) -> anyhow::Result<()> {
    let pg_restore = pg_program("pg_restore", pg_bin_dir)?;
    let (url, password) = split_password(&config.database_url);
    let mut cmd = tokio::process::Command::new(&pg_restore);
    cmd.args([
        "--single-transaction",
        "--exit-on-error",
        "--no-owner",
        "--no-privileges",
    ]);
    if clean {
        cmd.args(["--clean", "--if-exists"]);
    }
    cmd.arg("--dbname")
        .arg(&url)
        .arg(file)
        .stdin(std::process::Stdio::null());
    let output = run_pg_tool(cmd, &pg_restore, password).await?;
    ensure!(
        output.status.success(),
        "{} failed ({}), nothing was restored: {}",
        pg_restore.display(),
        output.status,
        String::from_utf8_lossy(&output.stderr).trim()
    );
    Ok(())
}

/// Copies the backup's media into the local media directory: files already there (same
/// content-addressed name) are kept, the others written through a temporary name.
async fn restore_media(config: &Config, dir: &Path, manifest: &Manifest) -> anyhow::Result<()> {
    if !manifest.media.copied {
        tracing::warn!(
            media = manifest.media.not_copied.as_deref().unwrap_or("?"),
            "this backup holds no media: it stays where it was (e.g. the S3 bucket)"
        );
        return Ok(());
    }
    let Some(dst) = config.local_media_dir() else {
        tracing::warn!(
            "MEDIA_URL is not a local directory: the backup's media/ is not copied; copy it into the bucket yourself"
        );
        return Ok(());
    };
    let src = dir.join(MEDIA_DIR);
    tokio::task::spawn_blocking(move || copy_tree(&src, &dst))
        .await
        .context("copying media")??;
    Ok(())
}

// ---- files ------------------------------------------------------------------------------

fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Makes a rename or a new file in `dir` durable; best effort.
fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

fn sha256_file(path: &Path) -> anyhow::Result<(String, u64)> {
    let mut f = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut total = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        total += n as u64;
    }
    Ok((hex::encode(hasher.finalize()), total))
}

/// Copies `from` to `to` (created, synced) and returns the SHA-256 of what was written.
fn copy_hashing(from: &Path, to: &Path) -> anyhow::Result<String> {
    let mut src =
        std::fs::File::open(from).with_context(|| format!("opening {}", from.display()))?;
    let mut dst =
        std::fs::File::create(to).with_context(|| format!("creating {}", to.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = src.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        dst.write_all(&buf[..n])?;
    }
    dst.sync_all()?;
    Ok(hex::encode(hasher.finalize()))
}

/// Copies the files under `src` into `dst` (a missing `src` is an empty tree), keeping files
/// that already exist in `dst` and skipping the object store's unfinished uploads (`#` in the
/// name). Returns the files and bytes copied.
fn copy_tree(src: &Path, dst: &Path) -> anyhow::Result<(u64, u64)> {
    let mut files = 0;
    let mut bytes = 0;
    std::fs::create_dir_all(dst).with_context(|| format!("creating {}", dst.display()))?;
    let entries = match std::fs::read_dir(src) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((0, 0)),
        Err(e) => return Err(e).with_context(|| format!("reading {}", src.display())),
    };
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        let kind = entry.file_type()?;
        let (from, to) = (entry.path(), dst.join(&name));
        if kind.is_dir() {
            let (f, b) = copy_tree(&from, &to)?;
            files += f;
            bytes += b;
        } else if kind.is_file() && !name.to_string_lossy().contains('#') {
            if to.exists() {
                continue;
            }
            let temp = dst.join(format!(".{}.copy", name.to_string_lossy()));
            match std::fs::copy(&from, &temp) {
                Ok(n) => {
                    std::fs::rename(&temp, &to)?;
                    files += 1;
                    bytes += n;
                }
                // Removed while we walked (by hand: the server never deletes media).
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    let _ = std::fs::remove_file(&temp);
                }
                Err(e) => {
                    let _ = std::fs::remove_file(&temp);
                    return Err(e).with_context(|| format!("copying {}", from.display()));
                }
            }
        }
    }
    Ok((files, bytes))
}

// ---- PostgreSQL programs ----------------------------------------------------------------

/// `pg_dump`/`pg_restore`: from `PG_BIN_DIR` if set, else on `PATH`, else the newest
/// `/usr/lib/postgresql/<version>/bin`.
fn pg_program(name: &str, bin_dir: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(dir) = bin_dir.filter(|d| !d.as_os_str().is_empty()) {
        let p = dir.join(name);
        ensure!(p.is_file(), "PG_BIN_DIR={}: no {name} there", dir.display());
        return Ok(p);
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let p = dir.join(name);
            if p.is_file() {
                return Ok(p);
            }
        }
    }
    let mut best: Option<(Vec<u32>, PathBuf)> = None;
    if let Ok(entries) = std::fs::read_dir("/usr/lib/postgresql") {
        for entry in entries.flatten() {
            let version: Option<Vec<u32>> = entry
                .file_name()
                .to_string_lossy()
                .split('.')
                .map(|part| part.parse().ok())
                .collect();
            let p = entry.path().join("bin").join(name);
            if let Some(version) = version
                && p.is_file()
                && best.as_ref().is_none_or(|(v, _)| version > *v)
            {
                best = Some((version, p));
            }
        }
    }
    best.map(|(_, p)| p).with_context(|| {
        format!(
            "{name} not found on PATH or in /usr/lib/postgresql/*/bin: install the PostgreSQL client programs (the server's major version or newer) or set PG_BIN_DIR"
        )
    })
}

/// The URL without its password (so that it does not show in the process list) and the
/// password, for `PGPASSWORD`.
fn split_password(url: &str) -> (String, Option<String>) {
    let Some((scheme, rest)) = url.split_once("://") else {
        return (url.to_owned(), None);
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return (url.to_owned(), None);
    };
    let Some((user, password)) = userinfo.split_once(':') else {
        return (url.to_owned(), None);
    };
    (
        format!("{scheme}://{user}@{host}{tail}"),
        Some(percent_decode(password)),
    )
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(h) = s.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(h, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A media URL without its query string (which may carry credentials).
fn redact(url: &str) -> String {
    url.split('?').next().unwrap_or_default().to_owned()
}

/// Runs `pg_dump` or `pg_restore`, the password (if the URL had one) in `PGPASSWORD` rather
/// than on the command line.
async fn run_pg_tool(
    mut cmd: tokio::process::Command,
    program: &std::path::Path,
    password: Option<String>,
) -> anyhow::Result<std::process::Output> {
    if let Some(p) = password {
        cmd.env("PGPASSWORD", p);
    }
    cmd.output()
        .await
        .with_context(|| format!("running {}", program.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_leaves_the_url() {
        assert_eq!(
            split_password("postgres://ketnoi:s%40cret@db:5432/ketnoi?sslmode=require"),
            (
                "postgres://ketnoi@db:5432/ketnoi?sslmode=require".to_owned(),
                Some("s@cret".to_owned())
            )
        );
        assert_eq!(
            split_password("postgres://postgres@127.0.0.1:5432/t"),
            ("postgres://postgres@127.0.0.1:5432/t".to_owned(), None)
        );
    }

    #[test]
    fn copy_tree_skips_unfinished_uploads_and_keeps_existing_files() {
        let src = tempfile::tempdir().unwrap();
        let dst = tempfile::tempdir().unwrap();
        let img = src.path().join("img");
        std::fs::create_dir_all(&img).unwrap();
        std::fs::write(img.join("a.jpg"), b"aaaa").unwrap();
        std::fs::write(img.join("b.jpg#1"), b"partial").unwrap();
        std::fs::create_dir_all(dst.path().join("img")).unwrap();
        let (files, bytes) = copy_tree(src.path(), dst.path()).unwrap();
        assert_eq!((files, bytes), (1, 4));
        assert!(dst.path().join("img/a.jpg").is_file());
        assert!(!dst.path().join("img/b.jpg#1").exists());
        assert_eq!(
            copy_tree(src.path(), dst.path()).unwrap(),
            (0, 0),
            "a second copy keeps what is there"
        );
    }
}
