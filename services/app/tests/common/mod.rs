//! What every store test file shares: a fresh, migrated database per test on each engine,
//! and `on_both_backends!`, which runs one test body on SQLite and on PostgreSQL.

use ketnoi_db::Db;
use ketnoi_test_support::{TempPostgres, TempSqlite};

/// A fresh, migrated database and the guard that keeps it alive.
pub struct Fresh {
    pub db: Db,
    _sqlite: Option<TempSqlite>,
    _pg: Option<TempPostgres>,
}

pub async fn sqlite() -> Fresh {
    let t = TempSqlite::new();
    let db = Db::connect_and_migrate(&t.url).await.expect("sqlite");
    Fresh {
        db,
        _sqlite: Some(t),
        _pg: None,
    }
}

/// `None` when PostgreSQL is not installed (and `KETNOI_REQUIRE_POSTGRES` is not set).
pub async fn postgres() -> Option<Fresh> {
    let t = TempPostgres::new()?;
    let db = Db::connect_and_migrate(&t.url).await.expect("postgres");
    Some(Fresh {
        db,
        _sqlite: None,
        _pg: Some(t),
    })
}

/// `on_both_backends!(a, b)` where `async fn a(db: &Db)`: one test per engine.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                let f = $crate::common::sqlite().await;
                super::$name(&f.db).await;
            }
            #[tokio::test]
            async fn postgres() {
                if let Some(f) = $crate::common::postgres().await {
                    super::$name(&f.db).await;
                }
            }
        }
    )*};
}
