//! Search benchmark: the demo data grown to N listings in a throwaway SQLite database, a bulk
//! rebuild of the tantivy index from it (documents per second), then every query of the
//! relevance set run in-process many times (p50, p90, p99, max), and the process's peak RSS.
//!
//! ```sh
//! cargo bench -p ketnoi --bench search               # 100,000 listings
//! BENCH_LISTINGS=1000000 cargo bench -p ketnoi --bench search
//! ```
//!
//! Not a test: it prints a Markdown report for `docs/benchmarks.md`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use ketnoi_app::search_feed;
use ketnoi_db::Db;
use ketnoi_search::tantivy_index::TantivyIndex;
use ketnoi_search::{SearchIndex, SearchQuery, eval};
use std::time::{Duration, Instant};

#[path = "common/mod.rs"]
mod common;
use common::{env_usize, percentile};

fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1000.0)
}

/// Peak resident memory of this process so far (`VmHWM`), in MiB.
fn peak_rss_mib() -> String {
    let mib = common::status_mib("self", "VmHWM:");
    if mib.is_nan() {
        "?".into()
    } else {
        format!("{mib:.0}")
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not: then a tiny run.
    let benching = std::env::args().any(|a| a == "--bench");
    let listings = env_usize("BENCH_LISTINGS", if benching { 100_000 } else { 500 });
    let rounds = env_usize("BENCH_ROUNDS", if benching { 50 } else { 1 });
    // `BENCH_DIR=/some/dir`: keep the seeded database and index there and reuse them on the
    // next run (for profiling the queries alone); by default, a throwaway directory.
    let temp = tempfile::tempdir().unwrap();
    let kept = std::env::var_os("BENCH_DIR").map(std::path::PathBuf::from);
    let dir = kept.clone().unwrap_or_else(|| temp.path().to_owned());
    std::fs::create_dir_all(&dir).unwrap();
    let reuse = kept.is_some() && dir.join("bench.db").exists();
    let db = Db::connect_and_migrate(&format!("sqlite:{}", dir.join("bench.db").display()))
        .await
        .unwrap();

    let t = Instant::now();
    if !reuse {
        ketnoi_db::demo::import(&db).await.unwrap();
        ketnoi_db::demo::scale_listings(&db, listings)
            .await
            .unwrap();
    }
    let seeded = t.elapsed();
    let rss_before_index = peak_rss_mib();

    let index = TantivyIndex::open(&dir.join("search")).unwrap();
    let t = Instant::now();
    let kept_docs = if reuse {
        index.keys().await.unwrap().len()
    } else {
        0
    };
    let docs = if kept_docs > 0 {
        index.optimize().await.unwrap();
        kept_docs
    } else {
        search_feed::rebuild(
            &db,
            &index,
            search_feed::INDEXER,
            ketnoi_domain::time::today_hanoi(),
            |_, _| {},
        )
        .await
        .unwrap()
    };
    let indexed = t.elapsed();
    db.close().await;

    let set = eval::parse(eval::RELEVANCE_JSON).unwrap();
    let queries: Vec<(String, SearchQuery)> = set
        .queries
        .iter()
        .map(|q| (q.r#type.clone(), q.query(20)))
        .collect();
    println!(
        "{listings} listings ({docs} documents); seeded in {:.1} s; index rebuilt from the database in {:.1} s = {:.0} documents/s (reading SQLite included); peak RSS {} MiB after seeding, {} MiB after indexing",
        seeded.as_secs_f64(),
        indexed.as_secs_f64(),
        docs as f64 / indexed.as_secs_f64(),
        rss_before_index,
        peak_rss_mib()
    );
    for skip_facets in [false, true] {
        let queries: Vec<(String, SearchQuery)> = queries
            .iter()
            .map(|(t, q)| {
                (
                    t.clone(),
                    SearchQuery {
                        skip_facets,
                        ..q.clone()
                    },
                )
            })
            .collect();
        for (_, q) in &queries {
            ketnoi_search::search(&index, q).await.unwrap(); // warm-up pass
        }
        let mut all = Vec::with_capacity(queries.len() * rounds);
        let mut all_unsorted = Vec::with_capacity(queries.len() * rounds);
        let mut by_type: std::collections::BTreeMap<String, Vec<Duration>> = Default::default();
        for _ in 0..rounds {
            for (ty, q) in &queries {
                let t = Instant::now();
                let r = ketnoi_search::search(&index, q).await.unwrap();
                let d = t.elapsed();
                std::hint::black_box(r);
                all.push(d);
                all_unsorted.push(d);
                by_type.entry(ty.clone()).or_default().push(d);
            }
        }
        all.sort();
        if std::env::var_os("BENCH_VERBOSE").is_some() {
            // The slowest queries, with how much they match (for profiling).
            let mut per_query: Vec<(Duration, u64, &str)> = Vec::new();
            for (i, (_, q)) in queries.iter().enumerate() {
                let mut runs: Vec<Duration> = (0..rounds)
                    .map(|r| all_unsorted[r * queries.len() + i])
                    .collect();
                runs.sort();
                let total = ketnoi_search::search(&index, q)
                    .await
                    .unwrap()
                    .results
                    .total;
                per_query.push((percentile(&runs, 0.5), total, &q.text));
            }
            per_query.sort_by_key(|q| std::cmp::Reverse(q.0));
            for (d, total, text) in per_query.iter().take(25) {
                println!("{} ms  {total:>6} matches  {text}", ms(*d));
            }
        }
        println!();
        println!(
            "{} queries × {rounds} rounds, limit 20, facets {}, one query at a time (its segments searched on up to 2 threads)",
            queries.len(),
            if skip_facets { "skipped" } else { "counted" }
        );
        println!();
        println!("| queries | runs | p50 ms | p90 ms | p99 ms | max ms |");
        println!("|---|---:|---:|---:|---:|---:|");
        let row = |name: &str, v: &[Duration]| {
            println!(
                "| {name} | {} | {} | {} | {} | {} |",
                v.len(),
                ms(percentile(v, 0.5)),
                ms(percentile(v, 0.9)),
                ms(percentile(v, 0.99)),
                ms(*v.last().unwrap())
            );
        };
        for (ty, mut v) in by_type {
            v.sort();
            row(&ty, &v);
        }
        row("all", &all);
    }
}
