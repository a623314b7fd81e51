//! Stamp creation benchmark (issue 18: 100,000 serialised stamps for one lot in ≤ 5 s):
//! `trace::create_stamps(&mut tx, lot, 100_000)` and the commit, each sample on a fresh
//! migrated database holding one cooperative, one traceable listing and one empty lot
//! (made before the clock starts). SQLite in a temporary file, then PostgreSQL in the
//! throwaway test cluster when it is installed (`ketnoi_test_support::TempPostgres`: started
//! with `fsync=off`), then, with `BENCH_POSTGRES_URL`, a PostgreSQL server of your own (a
//! durable one) where each sample gets a new database (`CREATE DATABASE`, dropped after).
//! Prints a Markdown table (min, median, max per engine) besides criterion's report.
//!
//! ```sh
//! CARGO_TARGET_DIR=/work/target-bench cargo bench -p ketnoi-db --bench stamps
//! BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:55441/postgres \
//!     CARGO_TARGET_DIR=/work/target-bench cargo bench -p ketnoi-db --bench stamps
//! BENCH_STAMPS=1000000 …                  # another count per call
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use chrono::NaiveDate;
use criterion::{BenchmarkId, Criterion, SamplingMode};
use ketnoi_db::Db;
use ketnoi_db::listings::{self, Draft, Offer};
use ketnoi_db::orgs::{self, NewOrg};
use ketnoi_db::trace::{self, NewLot};
use ketnoi_domain::catalog::{ListingStatus, Months, OfferKind};
use ketnoi_domain::org::OrgKind;
use ketnoi_test_support::{TempPostgres, TempSqlite};
use sqlx::Connection;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Where a sample's fresh database comes from.
#[derive(Clone, Copy)]
enum Engine {
    Sqlite,
    /// The test cluster (`fsync=off`).
    TempPostgres,
    /// `BENCH_POSTGRES_URL`'s server.
    Postgres,
}

impl Engine {
    fn name(self) -> &'static str {
        match self {
            Engine::Sqlite => "SQLite",
            Engine::TempPostgres => "PostgreSQL (test cluster, fsync=off)",
            Engine::Postgres => "PostgreSQL (BENCH_POSTGRES_URL)",
        }
    }
}

/// A fresh database and what keeps it alive (or drops it afterwards).
struct Fresh {
    db: Db,
    _sqlite: Option<TempSqlite>,
    _pg: Option<TempPostgres>,
    /// On `BENCH_POSTGRES_URL`'s server: the database to drop.
    own: Option<String>,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// `postgres://user@host:port/db` → (`postgres://user@host:port`, `db`).
fn split_url(url: &str) -> (&str, &str) {
    let url = url.split('?').next().unwrap_or(url);
    match url.rsplit_once('/') {
        Some((server, db)) if server.contains("://") && !server.ends_with('/') => (server, db),
        _ => (url, "postgres"),
    }
}

async fn fresh(engine: Engine) -> Fresh {
    match engine {
        Engine::Sqlite => {
            let t = TempSqlite::new();
            let db = Db::connect_and_migrate(&t.url).await.unwrap();
            Fresh {
                db,
                _sqlite: Some(t),
                _pg: None,
                own: None,
            }
        }
        Engine::TempPostgres => {
            let t = TempPostgres::new().unwrap();
            let db = Db::connect_and_migrate(&t.url).await.unwrap();
            Fresh {
                db,
                _sqlite: None,
                _pg: Some(t),
                own: None,
            }
        }
        Engine::Postgres => {
            let url = std::env::var("BENCH_POSTGRES_URL").unwrap();
            let (server, _) = split_url(&url);
            let name = format!(
                "bench_stamps_{}_{}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::Relaxed)
            );
            let mut admin = sqlx::PgConnection::connect(&url).await.unwrap();
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut admin)
                .await
                .unwrap();
            admin.close().await.unwrap();
            let db = Db::connect_and_migrate(&format!("{server}/{name}"))
                .await
                .unwrap();
            Fresh {
                db,
                _sqlite: None,
                _pg: None,
                own: Some(name),
            }
        }
    }
}

async fn drop_fresh(f: Fresh) {
    f.db.close().await;
    if let Some(name) = f.own {
        let url = std::env::var("BENCH_POSTGRES_URL").unwrap();
        let mut admin = sqlx::PgConnection::connect(&url).await.unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE {name}")))
            .execute(&mut admin)
            .await
            .unwrap();
        admin.close().await.unwrap();
    }
}

fn draft() -> Draft {
    Draft {
        title_vi: "Bộ ấm chén men lam".into(),
        title_en: None,
        description_vi: "Gốm Bát Tràng vẽ tay".into(),
        description_en: None,
        category_id: "gao-ngu-coc".into(),
        unit: "bộ".into(),
        stock: None,
        months: Months::ALL,
        origin_commune_code: Some("00577".into()),
        certifications: vec![],
        ocop_claim: None,
        offers: vec![Offer {
            kind: OfferKind::Retail,
            price: ketnoi_domain::Vnd(450_000),
            case_size: None,
            min_order_qty: None,
            duration_hours: None,
            max_group_size: None,
            tiers: vec![],
        }],
    }
}

/// A cooperative, a traceable listing and an empty lot: the lot's id.
async fn empty_lot(db: &Db) -> i64 {
    let org = orgs::upsert(
        db.conn(),
        &NewOrg {
            external_id: Some("bench-stamps".into()),
            slug: "htx-bench-stamps".into(),
            kind: Some(OrgKind::Htx),
            name: "HTX Bench Stamps".into(),
            commune_code: Some("00577".into()),
            province_code: "01".into(),
            ..NewOrg::default()
        },
    )
    .await
    .unwrap();
    let mut tx = db.begin().await.unwrap();
    let listing = listings::create(&mut tx, org.id, None, &draft(), ListingStatus::Published)
        .await
        .unwrap();
    trace::enable(&mut tx, listing.id, org.id, None, |o, s| {
        ketnoi_domain::trace::TraceCode::new(o, s).map(|c| c.as_str().to_owned())
    })
    .await
    .unwrap()
    .unwrap();
    let lot = trace::create_lot(
        &mut tx,
        &NewLot {
            listing_id: listing.id,
            org_id: org.id,
            code: "ML-2612".into(),
            produced_on: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            expires_on: None,
            quantity: 100_000,
            unit: "bộ".into(),
            commune_code: Some("00577".into()),
            latitude: None,
            longitude: None,
            note: None,
            created_by: None,
            inputs: vec![],
        },
    )
    .await
    .unwrap()
    .unwrap();
    tx.commit().await.unwrap();
    lot
}

/// One timed call: `count` stamps and the commit, on a fresh database.
async fn one(engine: Engine, count: i64) -> Duration {
    let f = fresh(engine).await;
    let lot = empty_lot(&f.db).await;
    let t = Instant::now();
    let mut tx = f.db.begin().await.unwrap();
    let made = trace::create_stamps(&mut tx, lot, count).await.unwrap();
    tx.commit().await.unwrap();
    let elapsed = t.elapsed();
    assert_eq!(made, Some((1, count)));
    // Checked after the clock stops: every stamp is there.
    let last = trace::stamp(f.db.conn(), lot, &trace::serial(count))
        .await
        .unwrap();
    assert!(last.is_some(), "stamp {count} missing");
    drop_fresh(f).await;
    elapsed
}

fn ms(d: Duration) -> String {
    format!("{:.0}", d.as_secs_f64() * 1000.0)
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not: then a tiny run.
    let benching = std::env::args().any(|a| a == "--bench");
    let count: i64 = std::env::var("BENCH_STAMPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if benching { 100_000 } else { 1_000 });
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut engines = vec![Engine::Sqlite];
    if TempPostgres::new().is_some() {
        engines.push(Engine::TempPostgres);
    }
    if std::env::var_os("BENCH_POSTGRES_URL").is_some() {
        engines.push(Engine::Postgres);
    }

    let mut c = Criterion::default().configure_from_args();
    if !benching {
        c = c.sample_size(10).warm_up_time(Duration::from_millis(1));
    }
    let mut rows = Vec::new();
    let mut group = c.benchmark_group("stamps");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10));
    for engine in engines {
        // Every timed call (warm-up included), for the table below.
        let mut times: Vec<Duration> = Vec::new();
        group.bench_function(BenchmarkId::new(engine.name(), count), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let d = rt.block_on(one(engine, count));
                    times.push(d);
                    total += d;
                }
                total
            })
        });
        times.sort();
        rows.push(format!(
            "| {} | {count} | {} | {} | {} | {} |",
            engine.name(),
            times.len(),
            ms(times[0]),
            ms(times[times.len() / 2]),
            ms(times[times.len() - 1]),
        ));
    }
    group.finish();
    println!();
    println!("| engine | stamps | calls | min ms | median ms | max ms |");
    println!("|---|---:|---:|---:|---:|---:|");
    for r in rows {
        println!("{r}");
    }
    c.final_summary();
}
