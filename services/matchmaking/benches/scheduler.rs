//! Scheduler benchmark: the issue's generated session (300 cooperatives, 200 buyers, 3,000
//! requests, 16 slots, 60 tables) and the same session with 200 tables (so that tables do not
//! bind), each scheduled N times by `schedule` and `greedy` (and once by the variants of
//! `schedule_with`); prints a Markdown table for `docs/benchmarks.md`.
//!
//! ```sh
//! CARGO_TARGET_DIR=/tmp/target-matchmaking cargo bench -p ketnoi-matchmaking --bench scheduler
//! BENCH_ROUNDS=50 CARGO_TARGET_DIR=/tmp/target-matchmaking cargo bench -p ketnoi-matchmaking --bench scheduler
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use ketnoi_matchmaking::generate::{self, Params};
use ketnoi_matchmaking::{
    Error, Options, Problem, Schedule, SlotOrder, greedy, schedule, schedule_with, upper_bound,
};
use std::time::{Duration, Instant};

/// A scheduling method under test.
type Method<'a> = &'a dyn Fn(&Problem) -> Result<Schedule, Error>;

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

/// Runs `f` `rounds` times; returns the last schedule and the sorted times.
fn time(
    rounds: usize,
    p: &Problem,
    f: impl Fn(&Problem) -> Result<Schedule, Error>,
) -> (Schedule, Vec<Duration>) {
    let mut times = Vec::with_capacity(rounds);
    let mut last = Schedule::default();
    for _ in 0..rounds {
        let t = Instant::now();
        last = f(p).unwrap();
        times.push(t.elapsed());
    }
    times.sort();
    (last, times)
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not: then a tiny run.
    let benching = std::env::args().any(|a| a == "--bench");
    let rounds = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if benching { 20 } else { 1 });
    let seed = std::env::var("BENCH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(Params::default().seed);

    println!(
        "| tables | method | runs | min ms | median ms | max ms | meetings placed | upper bound | % of bound | total priority |"
    );
    println!("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for tables in [60, 200] {
        let p = generate::session(&Params {
            tables,
            seed,
            ..Params::default()
        });
        let t = Instant::now();
        let bound = upper_bound(&p).unwrap();
        let bound_time = t.elapsed();
        let variants: [(&str, usize, Method); 5] = [
            ("`schedule`", rounds, &schedule),
            ("`greedy`", rounds, &greedy),
            ("slot pass only (no repair)", 1, &|p: &Problem| {
                schedule_with(
                    p,
                    &Options {
                        repair: false,
                        ..Options::default()
                    },
                )
            }),
            ("scarcest slot first", 1, &|p: &Problem| {
                schedule_with(
                    p,
                    &Options {
                        slot_order: SlotOrder::ScarcestFirst,
                        ..Options::default()
                    },
                )
            }),
            ("scarcest slot first, no repair", 1, &|p: &Problem| {
                schedule_with(
                    p,
                    &Options {
                        slot_order: SlotOrder::ScarcestFirst,
                        repair: false,
                    },
                )
            }),
        ];
        for (name, runs, f) in variants {
            let (s, times) = time(runs, &p, f);
            println!(
                "| {tables} | {name} | {runs} | {} | {} | {} | {} | {bound} | {:.1} % | {} |",
                ms(times[0]),
                ms(times[times.len() / 2]),
                ms(times[times.len() - 1]),
                s.placed(),
                100.0 * s.placed() as f64 / bound as f64,
                s.total_priority(&p),
            );
        }
        println!(
            "| {tables} | `upper_bound` | 1 | {} | | | | {bound} | | |",
            ms(bound_time)
        );
    }
}
