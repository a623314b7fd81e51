//! A sheet of 1,000 labels on A4_40 (25 pages), as a cooperative prints a lot's stamps.
//!
//! ```sh
//! cargo bench -p ketnoi-labels --bench sheet
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use ketnoi_labels::{Label, Layout, sheet};

fn labels(n: usize) -> Vec<Label> {
    (0..n)
        .map(|i| {
            let lot = format!("L2026-{:02}", i % 12 + 1);
            let serial = format!("{:06}", 123 + i);
            Label {
                uri: format!("https://ketnoi.example.vn/01/08930000000017/10/{lot}/21/{serial}"),
                product: "Gạo nếp cái hoa vàng".to_owned(),
                lot: format!("Lô {lot} · HSD 01/03/2027"),
                code: format!("(01)08930000000017(10){lot}(21){serial}"),
                check: format!("7K{:02}", i % 100),
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let labels = labels(1000);
    let mut group = c.benchmark_group("sheet");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    group.bench_function("1000 labels A4_40", |b| {
        b.iter(|| sheet(black_box(&labels), Layout::A4_40).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
