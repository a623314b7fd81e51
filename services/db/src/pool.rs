//! The pool for either engine, connections and transactions over it, and the `on!` macro
//! that runs one query text on whichever engine is behind them.

use crate::Result;
use chrono::{DateTime, SubsecRound, Utc};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A pool on one of the two engines. Cheap to clone.
#[derive(Debug, Clone)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Something a query can run on: a pool, or one connection (a transaction's or a
/// [`Lease`]'s), of either engine.
pub enum Conn<'c> {
    SqlitePool(&'c SqlitePool),
    PgPool(&'c PgPool),
    SqliteTx(&'c mut sqlx::SqliteConnection),
    PgTx(&'c mut sqlx::PgConnection),
}

impl Conn<'_> {
    /// The same connection or transaction, lent again for one more statement (a function
    /// that runs several statements on the `Conn` it was given).
    pub fn again(&mut self) -> Conn<'_> {
        match self {
            Conn::SqlitePool(p) => Conn::SqlitePool(p),
            Conn::PgPool(p) => Conn::PgPool(p),
            Conn::SqliteTx(c) => Conn::SqliteTx(c),
            Conn::PgTx(c) => Conn::PgTx(c),
        }
    }
}

/// One pooled connection held for a series of reads, back to the pool when dropped.
///
/// Each query run on the pool itself borrows a connection and gives it back, and sqlx pings
/// a connection given back (to find one a cancelled query left mid-way): on PostgreSQL one
/// more round trip per query. A page that reads several things in turn reads them on one
/// lease, and pays that ping once.
pub enum Lease {
    Sqlite(sqlx::pool::PoolConnection<sqlx::Sqlite>),
    Postgres(sqlx::pool::PoolConnection<sqlx::Postgres>),
}

impl Lease {
    pub fn conn(&mut self) -> Conn<'_> {
        match self {
            Lease::Sqlite(c) => Conn::SqliteTx(c),
            Lease::Postgres(c) => Conn::PgTx(c),
        }
    }
}

/// A transaction on either engine; dropped without [`Tx::commit`] it rolls back.
pub enum Tx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// Runs the same expression on whichever engine `conn` holds. Inside the body, the name
/// bound by the pattern is an executor for that engine:
/// `on!(conn, e => sqlx::query("…").bind(x).execute(e).await)`.
#[macro_export]
macro_rules! on {
    ($conn:expr, $e:ident => $body:expr) => {
        match $conn {
            $crate::Conn::SqlitePool($e) => $body,
            $crate::Conn::PgPool($e) => $body,
            $crate::Conn::SqliteTx($e) => $body,
            $crate::Conn::PgTx($e) => $body,
        }
    };
}

/// The current time at the precision both engines store (microseconds), so a value read back
/// equals the value written.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// SQLite connections by default: each is a thread that statements are handed to, and
/// more threads than the cores only take turns (a stamp's trace page at 50 connections on 2
/// cores: 5,100–5,600 pages a second with 8, 5,300–6,800 with 3–4; `docs/benchmarks.md`).
pub const SQLITE_POOL_SIZE: u32 = 4;

/// A pooled PostgreSQL connection idle at least this long is pinged before it is lent.
const PING_IF_IDLE_FOR: Duration = Duration::from_secs(1);

impl Db {
    /// Connects to `sqlite:…` (creating the file) or `postgres://…`, without migrating, with
    /// the default pool size (see [`Db::connect_with`]).
    pub async fn connect(url: &str) -> Result<Db> {
        Db::connect_with(url, None).await
    }

    /// PostgreSQL connections the pool opens by default: the PostgreSQL wiki's rule of
    /// thumb, twice the cores plus the disk. More connections than that only make the
    /// server's processes take turns on the cores: at 50 concurrent page views on 2 cores,
    /// 16 connections gave a profile page p99 of 21–27 ms, 6 gave 16–17 ms
    /// (`docs/benchmarks.md`, issue 14).
    pub fn default_pg_pool_size() -> u32 {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        u32::try_from(cores * 2 + 2).unwrap_or(u32::MAX)
    }

    /// As [`Db::connect`], with at most `pool_size` connections: PostgreSQL's (default:
    /// [`Db::default_pg_pool_size`]), or SQLite's, each a thread of this process reading the
    /// one file (default: [`SQLITE_POOL_SIZE`]).
    pub async fn connect_with(url: &str, pool_size: Option<u32>) -> Result<Db> {
        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?;
            if !url.contains(":memory:") && !url.contains("mode=memory") {
                private_sqlite_files(options.get_filename())?;
            }
            let options = options
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(5));
            // A SQLite connection is a file this process holds: it cannot have been dropped
            // by a server, so it is not pinged before each use (a round trip to its thread).
            let pool = SqlitePoolOptions::new()
                .max_connections(pool_size.unwrap_or(SQLITE_POOL_SIZE).max(1))
                .test_before_acquire(false)
                .connect_with(options)
                .await?;
            Ok(Db::Sqlite(pool))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url)?;
            // sqlx pings a connection before lending it by default: one more round trip per
            // query, a third of a signed-in page's cost on PostgreSQL. Only a connection that
            // sat idle for a while (the server may have closed it since) is pinged.
            let pool = PgPoolOptions::new()
                .max_connections(pool_size.unwrap_or_else(Db::default_pg_pool_size).max(1))
                .acquire_timeout(Duration::from_secs(10))
                .test_before_acquire(false)
                .before_acquire(|conn, meta| {
                    Box::pin(async move {
                        if meta.idle_for >= PING_IF_IDLE_FOR {
                            sqlx::Connection::ping(conn).await?;
                        }
                        Ok(true)
                    })
                })
                .connect_with(options)
                .await?;
            Ok(Db::Postgres(pool))
        } else {
            Err(crate::DbError::UnsupportedUrl)
        }
    }

    /// Connects and applies the migrations of that engine.
    pub async fn connect_and_migrate(url: &str) -> Result<Db> {
        Db::connect_and_migrate_with(url, None).await
    }

    /// As [`Db::connect_and_migrate`], with at most `pool_size` PostgreSQL connections.
    pub async fn connect_and_migrate_with(url: &str, pool_size: Option<u32>) -> Result<Db> {
        let db = Db::connect_with(url, pool_size).await?;
        if let Err(e) = db.migrate().await {
            // A failed PostgreSQL migration leaves an advisory lock on its pooled
            // connection; closing the pool releases it before anyone retries.
            db.close().await;
            return Err(e);
        }
        Ok(db)
    }

    pub async fn migrate(&self) -> Result<()> {
        match self {
            Db::Sqlite(p) => sqlx::migrate!("./migrations/sqlite").run(p).await?,
            Db::Postgres(p) => sqlx::migrate!("./migrations/postgres").run(p).await?,
        }
        // Reference data the schema is made for: the plan's register (new rows only).
        crate::plan::ensure_shipped(self, ketnoi_domain::plan::shipped()).await?;
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    pub fn conn(&self) -> Conn<'_> {
        match self {
            Db::Sqlite(p) => Conn::SqlitePool(p),
            Db::Postgres(p) => Conn::PgPool(p),
        }
    }

    /// Borrows one connection for a series of queries (see [`Lease`]).
    pub async fn lease(&self) -> Result<Lease> {
        Ok(match self {
            Db::Sqlite(p) => Lease::Sqlite(p.acquire().await?),
            Db::Postgres(p) => Lease::Postgres(p.acquire().await?),
        })
    }

    /// Starts a transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`,
    /// waiting up to the busy timeout): every transaction here writes, and a deferred one
    /// that read first fails with `SQLITE_BUSY_SNAPSHOT` when another connection (the search
    /// indexer, a request) commits in between.
    pub async fn begin(&self) -> Result<Tx> {
        Ok(match self {
            Db::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// Answers whether the database takes a trivial query; `/readyz` uses it.
    pub async fn ping(&self) -> Result<()> {
        on!(self.conn(), e => sqlx::query("SELECT 1").execute(e).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite(p) => p.close().await,
            Db::Postgres(p) => p.close().await,
        }
    }
}

/// Creates the SQLite file with mode 0600 if it is missing, and narrows an existing one (and
/// its `-wal` and `-shm` files) to 0600: the database holds password hashes and sessions.
/// SQLite creates the `-wal` and `-shm` files with the database file's mode.
#[cfg(unix)]
fn private_sqlite_files(path: &std::path::Path) -> Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    if path.as_os_str().is_empty() {
        return Ok(());
    }
    if let Err(e) = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        && e.kind() != std::io::ErrorKind::AlreadyExists
    {
        // Let SQLite report a directory that is missing or not writable.
        tracing::debug!(error = %e, path = %path.display(), "could not create the database file");
        return Ok(());
    }
    for suffix in ["", "-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let file = std::path::Path::new(&name);
        if let Ok(meta) = std::fs::metadata(file)
            && meta.permissions().mode() & 0o077 != 0
        {
            std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600))?;
        }
    }
    Ok(())
}

#[cfg(not(unix))]
fn private_sqlite_files(_: &std::path::Path) -> Result<()> {
    Ok(())
}

impl Tx {
    pub fn conn(&mut self) -> Conn<'_> {
        match self {
            Tx::Sqlite(t) => Conn::SqliteTx(t),
            Tx::Postgres(t) => Conn::PgTx(t),
        }
    }

    pub async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}
