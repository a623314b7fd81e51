//! Whether the storage can keep what visitors send: the database takes a real write, a SQLite
//! database's file is still the file the server opened (not deleted or replaced underneath
//! it), and the disks of the data directory and the SQLite file have room.
//!
//! `/readyz` runs the check on each call; [`watch`], started by [`crate::serve`], runs it
//! every few seconds and keeps [`StorageHealth::is_healthy`] current. While it is false,
//! state-changing requests are refused with 503 and `Retry-After` (see `context`), instead of
//! being accepted and lost; pages that only read keep working.

use crate::AppState;
use ketnoi_db::Db;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::OnceCell;

/// How often [`watch`] checks.
pub const CHECK_EVERY: Duration = Duration::from_secs(5);
/// What a refused write tells clients to wait, in seconds.
pub const RETRY_AFTER_SECONDS: u64 = 10;

/// Settings of the storage check.
#[derive(Debug, Clone)]
pub struct StorageConfig {
    /// The directory of local state (`DATA_DIR`); its disk must have room. `None`: only the
    /// SQLite file's disk is checked.
    pub data_dir: Option<PathBuf>,
    /// Free space below which the storage counts as full.
    pub min_free_bytes: u64,
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig {
            data_dir: None,
            min_free_bytes: 100 * 1024 * 1024,
        }
    }
}

/// Why the storage is not healthy.
#[derive(Debug, thiserror::Error)]
pub enum StorageProblem {
    #[error("the database refuses writes: {0}")]
    Write(#[from] ketnoi_db::DbError),
    #[error("the database file {0} is gone or was replaced since the server opened it")]
    FileReplaced(PathBuf),
    #[error("{path}: {free} bytes free, below the minimum of {min}")]
    LowDisk { path: PathBuf, free: u64, min: u64 },
    #[error("{path}: {source}")]
    Disk {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A file's identity: device and inode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileId {
    dev: u64,
    ino: u64,
}

#[cfg(unix)]
fn file_id(path: &Path) -> std::io::Result<FileId> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path)?;
    Ok(FileId {
        dev: m.dev(),
        ino: m.ino(),
    })
}

#[cfg(not(unix))]
fn file_id(path: &Path) -> std::io::Result<FileId> {
    std::fs::metadata(path).map(|_| FileId { dev: 0, ino: 0 })
}

/// Bytes free to unprivileged users on the file system holding `path`.
#[cfg(unix)]
fn free_bytes(path: &Path) -> std::io::Result<u64> {
    let s = rustix::fs::statvfs(path)?;
    Ok(s.f_bavail.saturating_mul(s.f_frsize))
}

#[cfg(not(unix))]
fn free_bytes(_: &Path) -> std::io::Result<u64> {
    Ok(u64::MAX)
}

/// The storage's last known health.
#[derive(Debug)]
pub struct StorageHealth {
    healthy: AtomicBool,
    /// The SQLite file and its identity, recorded by the first check.
    sqlite: OnceCell<Option<(PathBuf, FileId)>>,
}

impl Default for StorageHealth {
    fn default() -> Self {
        StorageHealth {
            healthy: AtomicBool::new(true),
            sqlite: OnceCell::new(),
        }
    }
}

impl StorageHealth {
    /// Whether the last check passed (true until a check has failed).
    pub fn is_healthy(&self) -> bool {
        self.healthy.load(Ordering::Relaxed)
    }

    /// Records which file the SQLite pool has open. [`crate::serve`] calls it before
    /// accepting connections; otherwise the first check does.
    pub async fn record(&self, db: &Db) -> Result<(), StorageProblem> {
        self.sqlite_file(db).await.map(|_| ())
    }

    async fn sqlite_file(&self, db: &Db) -> Result<Option<&(PathBuf, FileId)>, StorageProblem> {
        let recorded = self
            .sqlite
            .get_or_try_init(|| async {
                let Some(path) = ketnoi_db::health::sqlite_file(db).await? else {
                    return Ok(None);
                };
                let id = file_id(&path).map_err(|source| StorageProblem::Disk {
                    path: path.clone(),
                    source,
                })?;
                Ok::<_, StorageProblem>(Some((path, id)))
            })
            .await?;
        Ok(recorded.as_ref())
    }

    /// Checks the storage and remembers the answer.
    pub async fn check(&self, db: &Db, config: &StorageConfig) -> Result<(), StorageProblem> {
        let result = self.run_check(db, config).await;
        let was = self.healthy.swap(result.is_ok(), Ordering::Relaxed);
        match (&result, was) {
            (Err(e), true) => {
                tracing::error!(problem = %e, "storage unhealthy: refusing writes until it recovers")
            }
            (Ok(()), false) => tracing::info!("storage healthy again: accepting writes"),
            _ => {}
        }
        result
    }

    async fn run_check(&self, db: &Db, config: &StorageConfig) -> Result<(), StorageProblem> {
        let mut dirs: Vec<PathBuf> = config.data_dir.iter().cloned().collect();
        if let Some((path, id)) = self.sqlite_file(db).await? {
            match file_id(path) {
                Ok(now) if now == *id => {}
                _ => return Err(StorageProblem::FileReplaced(path.clone())),
            }
            if let Some(dir) = path.parent() {
                dirs.push(dir.to_owned());
            }
        }
        for dir in dirs.iter().filter(|d| d.exists()) {
            let free = free_bytes(dir).map_err(|source| StorageProblem::Disk {
                path: dir.clone(),
                source,
            })?;
            if free < config.min_free_bytes {
                return Err(StorageProblem::LowDisk {
                    path: dir.clone(),
                    free,
                    min: config.min_free_bytes,
                });
            }
        }
        ketnoi_db::health::write_probe(db).await?;
        Ok(())
    }
}

/// Checks the storage every [`CHECK_EVERY`] until `stop` turns true.
pub async fn watch(state: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    loop {
        let _ = state.storage.check(&state.db, &state.config.storage).await;
        tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            () = tokio::time::sleep(CHECK_EVERY) => {}
        }
    }
}
