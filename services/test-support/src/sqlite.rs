//! Throwaway SQLite databases for tests: an empty database file in a temporary directory.

use std::path::{Path, PathBuf};

/// A fresh, empty SQLite database in a temporary directory; deleted on drop.
#[derive(Debug)]
pub struct TempSqlite {
    /// `sqlite:///tmp/.../ketnoi.db` — the file exists (empty, which SQLite
    /// treats as an empty database), so no `?mode=rwc` is needed.
    pub url: String,
    dir: tempfile::TempDir,
}

impl TempSqlite {
    /// Creates the directory and the empty database file. Panics on I/O errors.
    pub fn new() -> TempSqlite {
        let dir = tempfile::Builder::new()
            .prefix("ketnoi-sqlite-")
            .tempdir()
            .unwrap_or_else(|e| panic!("TempSqlite: cannot create a temporary directory: {e}"));
        let path = dir.path().join("ketnoi.db");
        if let Err(e) = std::fs::File::create(&path) {
            panic!("TempSqlite: cannot create {}: {e}", path.display());
        }
        TempSqlite {
            url: format!("sqlite://{}", path.display()),
            dir,
        }
    }

    /// The temporary directory holding the database (and its -wal/-shm files).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The database file itself.
    pub fn path(&self) -> PathBuf {
        self.dir.path().join("ketnoi.db")
    }
}

impl Default for TempSqlite {
    fn default() -> Self {
        TempSqlite::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_empty_file_and_cleanup() {
        let db = TempSqlite::new();
        let dir = db.dir().to_path_buf();
        assert_eq!(db.url, format!("sqlite://{}", db.path().display()));
        assert!(db.url.starts_with("sqlite:///"));
        assert_eq!(std::fs::metadata(db.path()).unwrap().len(), 0);
        let other = TempSqlite::new();
        assert_ne!(db.url, other.url);
        drop(db);
        assert!(!dir.exists());
    }
}
