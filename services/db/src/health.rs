//! What `/readyz` asks of the storage: that the database takes a write, and where a SQLite
//! database's file is (so the caller can tell when it has been deleted or replaced).

use crate::{Db, Result, on};
use std::path::PathBuf;

/// Updates the one row of `storage_health`: fails when the database refuses writes (a full
/// disk, a read-only file system, a lost primary).
pub async fn write_probe(db: &Db) -> Result<()> {
    on!(db.conn(), e => sqlx::query(
        "INSERT INTO storage_health (id, checks) VALUES (1, 1) \
         ON CONFLICT (id) DO UPDATE SET checks = storage_health.checks + 1")
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// The file of a SQLite database, as SQLite opened it; `None` on PostgreSQL and for an
/// in-memory database.
pub async fn sqlite_file(db: &Db) -> Result<Option<PathBuf>> {
    let Db::Sqlite(pool) = db else {
        return Ok(None);
    };
    let rows: Vec<(i64, String, String)> = sqlx::query_as("PRAGMA database_list")
        .fetch_all(pool)
        .await?;
    Ok(rows
        .into_iter()
        .find(|(_, name, _)| name == "main")
        .map(|(_, _, file)| file)
        .filter(|f| !f.is_empty())
        .map(PathBuf::from))
}
