//! 1,000 generated stamp links read back by GS1's own Digital Link toolkit (the npm package
//! `digital-link.js`, installed in `tests/gs1` by `.ci/run`): each is valid (grammar and
//! check digit), is already in the form the toolkit writes, and carries the same GTIN
//! (14 digits), lot and serial; and `DigitalLink::parse_path` reads each back to itself.
//! Only GTIN links go to the toolkit: `/t/…` trace-code links are ours, not GS1's.
//!
//! Needs Node.js and `npm ci --prefix tests/gs1`; skipped without them unless
//! `KETNOI_REQUIRE_NODE=1`, as in CI.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use ketnoi_domain::trace::{self, DigitalLink, Gtin, ProductKey};
use ketnoi_test_support::NodeChecker;
use std::collections::BTreeSet;

const PUBLIC_URL: &str = "https://ketnoi.example.vn";
const ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-";

/// A small deterministic generator (SplitMix64), so a failure is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }
}

/// A GTIN as a cooperative would type it (8, 12, 13 or 14 digits, with a computed check
/// digit), half of them GS1 Vietnam's 893.
fn typed_gtin(rng: &mut Rng, i: usize) -> String {
    let body = match i % 6 {
        0..=2 => format!("893{}", rng.digits(9)),
        3 => format!("{}{}", 400 + rng.below(90), rng.digits(9)),
        4 => match rng.below(3) {
            0 => format!("893{}", rng.digits(4)),
            1 => format!("1{}", rng.digits(10)),
            _ => format!("{}{}", 1 + rng.below(8), rng.digits(12)),
        },
        _ => format!("{}893{}", 1 + rng.below(8), rng.digits(9)),
    };
    let check = trace::check_digit(&body).unwrap();
    format!("{body}{check}")
}

/// A lot or serial of 1–20 characters, walking the whole allowed alphabet from `at`.
fn typed_value(rng: &mut Rng, at: &mut usize) -> String {
    let len = 1 + rng.below(20) as usize;
    let chars: Vec<char> = ALPHABET.chars().collect();
    let mut v: String = (0..len)
        .map(|k| chars[(*at + k * 7) % chars.len()])
        .collect();
    *at += len;
    if v == "." || v == ".." {
        v.insert(0, 'L');
    }
    trace::value(&v).unwrap()
}

#[test]
fn a_thousand_stamp_links_are_valid_gs1_digital_links_with_the_same_data() {
    let Some(checker) = NodeChecker::find("gs1", "digital-link.js") else {
        return;
    };
    let mut rng = Rng(2026);
    let (mut lot_at, mut serial_at) = (0, 11);
    let mut links = Vec::new();
    for i in 0..1000 {
        let typed = typed_gtin(&mut rng, i);
        let gtin = Gtin::parse(&typed).unwrap();
        assert_eq!(gtin.as_str().len(), 14);
        assert!(gtin.as_str().ends_with(&typed));
        let lot = (i % 10 != 1).then(|| typed_value(&mut rng, &mut lot_at));
        let serial = (i % 10 != 0).then(|| typed_value(&mut rng, &mut serial_at));
        let link = DigitalLink {
            key: ProductKey::Gtin(gtin),
            lot,
            serial,
        };
        // Our own parser reads the link back, from the 14-digit path and from the GTIN as
        // typed.
        assert_eq!(
            DigitalLink::parse_path(&link.path()),
            Some(link.clone()),
            "{}",
            link.path()
        );
        let as_typed =
            link.path()
                .replacen(&format!("/01/{:0>14}", typed), &format!("/01/{typed}"), 1);
        assert_eq!(
            DigitalLink::parse_path(&as_typed),
            Some(link.clone()),
            "{as_typed}"
        );
        links.push(link);
    }
    let used = |f: fn(&DigitalLink) -> Option<&String>| -> BTreeSet<char> {
        links.iter().filter_map(f).flat_map(|v| v.chars()).collect()
    };
    let all: BTreeSet<char> = ALPHABET.chars().collect();
    assert_eq!(used(|l| l.lot.as_ref()), all);
    assert_eq!(used(|l| l.serial.as_ref()), all);
    assert!(
        links
            .iter()
            .filter(|l| matches!(&l.key, ProductKey::Gtin(g) if g.is_vietnamese()))
            .count()
            >= 500
    );

    let uris: Vec<String> = links.iter().map(|l| l.uri(PUBLIC_URL)).collect();
    // Negative controls, so the toolkit is seen to refuse: a wrong check digit, and a
    // serial before the lot.
    let wrong_check = format!("{PUBLIC_URL}/01/08934588012229/10/L1/21/1");
    let wrong_order = format!("{PUBLIC_URL}/01/08934588012228/21/1/10/L1");
    let input: String = uris
        .iter()
        .chain([&wrong_check, &wrong_order])
        .map(|u| format!("{u}\n"))
        .collect();
    let out = checker.run("digital_link.js", input.as_bytes()).unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let read: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(read.len(), 1002);
    for ((link, uri), d) in links.iter().zip(&uris).zip(&read) {
        let ProductKey::Gtin(gtin) = &link.key else {
            unreachable!()
        };
        assert_eq!(d["valid"], true, "{uri}: {d}");
        assert_eq!(d["grammar"], true, "{uri}: {d}");
        assert_eq!(d["reencoded"], uri.as_str(), "{d}");
        assert_eq!(d["gtin"], gtin.as_str(), "{uri}: {d}");
        assert_eq!(d["lot"], serde_json::json!(link.lot), "{uri}: {d}");
        assert_eq!(d["serial"], serde_json::json!(link.serial), "{uri}: {d}");
    }
    assert_eq!(read[1000]["valid"], false, "{}", read[1000]);
    assert_eq!(read[1001]["grammar"], false, "{}", read[1001]);
    assert_eq!(
        DigitalLink::parse_path(&wrong_check[PUBLIC_URL.len()..]),
        None
    );
    assert_eq!(
        DigitalLink::parse_path(&wrong_order[PUBLIC_URL.len()..]),
        None
    );
}
