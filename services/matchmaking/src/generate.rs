//! Deterministic synthetic sessions for tests and the benchmark.
//!
//! Participants `0..buyers` are buyers, `buyers..buyers + cooperatives` cooperatives; every
//! request is `a` = buyer, `b` = cooperative, and no pair is requested twice. Demand is
//! deliberately uneven: one cooperative in ten is "popular" and draws a weight four times the
//! others' (so it receives more requests than it has slots), and buyers' weights vary
//! between 0.5 and 1.5. Availability: two in five participants come for one contiguous
//! half-day block (slots `0..slots/2` or `slots/2..slots`), the others for a scattered
//! random subset of 50–100 % of the slots. Priorities: 0 (half), 1 (30 %), 2 (20 %).

use crate::{Problem, Request};
use std::collections::HashSet;

/// SplitMix64: a tiny, fast, seedable generator (Steele, Lea and Flood, 2014); plenty for
/// test data, not for anything secret.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator started from `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform number in `0..n` (`n > 0`; the modulo bias is negligible here).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// A uniform number in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The shape of a generated session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params {
    /// Number of cooperatives.
    pub cooperatives: usize,
    /// Number of buyers.
    pub buyers: usize,
    /// Number of distinct accepted requests (at most `buyers × cooperatives`).
    pub requests: usize,
    /// Time slots, 1..=64.
    pub slots: u8,
    /// Tables per slot.
    pub tables: u32,
    /// Seed of the generator: same parameters, same session.
    pub seed: u64,
}

impl Default for Params {
    /// The session: 300 cooperatives, 200 buyers, 3,000 requests, 16 slots, 60 tables.
    fn default() -> Self {
        Params {
            cooperatives: 300,
            buyers: 200,
            requests: 3000,
            slots: 16,
            tables: 60,
            seed: 17,
        }
    }
}

/// A session of the given shape (see the module documentation for the distributions).
pub fn session(params: &Params) -> Problem {
    let mut rng = SplitMix64::new(params.seed);
    let slots = u32::from(params.slots.clamp(1, 64));
    let people = params.buyers + params.cooperatives;
    let availability = (0..people).map(|_| availability(&mut rng, slots)).collect();

    let buyer_weights: Vec<f64> = (0..params.buyers).map(|_| 0.5 + rng.unit()).collect();
    let coop_weights: Vec<f64> = (0..params.cooperatives)
        .map(|_| if rng.below(10) == 0 { 4.0 } else { 1.0 })
        .collect();
    let wanted = params
        .requests
        .min(params.buyers.saturating_mul(params.cooperatives));
    let mut seen = HashSet::with_capacity(wanted);
    let mut requests = Vec::with_capacity(wanted);
    while requests.len() < wanted {
        let buyer = pick(&mut rng, &buyer_weights);
        let coop = pick(&mut rng, &coop_weights);
        if !seen.insert((buyer, coop)) {
            continue;
        }
        let priority = match rng.below(10) {
            0..5 => 0,
            5..8 => 1,
            _ => 2,
        };
        requests.push(Request {
            a: buyer,
            b: params.buyers + coop,
            priority,
        });
    }
    Problem {
        slots: slots as u8,
        tables: params.tables,
        availability,
        requests,
    }
}

/// One participant's availability over `slots` slots.
fn availability(rng: &mut SplitMix64, slots: u32) -> u64 {
    let all = if slots == 64 {
        u64::MAX
    } else {
        (1u64 << slots) - 1
    };
    let half = slots / 2;
    if half > 0 && rng.below(5) < 2 {
        // A contiguous half-day block: the morning or the afternoon.
        let morning = (1u64 << half) - 1;
        return if rng.below(2) == 0 {
            morning
        } else {
            all & !morning
        };
    }
    // Scattered: between half and all of the slots, chosen at random.
    let low = u64::from(slots.div_ceil(2));
    let count = low + rng.below(u64::from(slots) - low + 1);
    let mut order: Vec<u32> = (0..slots).collect();
    for i in (1..order.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        order.swap(i, j);
    }
    order[..count as usize]
        .iter()
        .fold(0, |mask, &s| mask | (1u64 << s))
}

/// An index drawn with probability proportional to its weight.
fn pick(rng: &mut SplitMix64, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut x = rng.unit() * total;
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}
