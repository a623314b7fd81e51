//! The scheduler against an independent validator and an independent upper bound: nothing
//! here calls the crate's own checks or bound, only `schedule`, `greedy` and the generator.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use ketnoi_matchmaking::generate::{self, Params};
use ketnoi_matchmaking::{Error, Problem, Request, Schedule, greedy, schedule};
use std::collections::{HashSet, VecDeque};

/// Every rule of a valid schedule, checked from scratch.
fn validate(p: &Problem, s: &Schedule) -> Result<(), String> {
    let slots = u32::from(p.slots);
    let mut requests_seen = HashSet::new();
    let mut tables_seen = HashSet::new();
    let mut people_seen = HashSet::new();
    for m in &s.placements {
        let q = p
            .requests
            .get(m.request)
            .ok_or(format!("placement of unknown request {}", m.request))?;
        if !requests_seen.insert(m.request) {
            return Err(format!("request {} placed twice", m.request));
        }
        if u32::from(m.slot) >= slots {
            return Err(format!(
                "request {} in slot {} of {slots}",
                m.request, m.slot
            ));
        }
        if m.table < 1 || m.table > p.tables {
            return Err(format!("request {} at table {}", m.request, m.table));
        }
        if !tables_seen.insert((m.slot, m.table)) {
            return Err(format!("slot {} table {} used twice", m.slot, m.table));
        }
        for person in [q.a, q.b] {
            if p.availability[person] & (1u64 << m.slot) == 0 {
                return Err(format!(
                    "participant {person} unavailable in slot {}",
                    m.slot
                ));
            }
            if !people_seen.insert((person, m.slot)) {
                return Err(format!(
                    "participant {person} booked twice in slot {}",
                    m.slot
                ));
            }
        }
    }
    let unplaced: HashSet<usize> = s.unplaced.iter().copied().collect();
    for r in 0..p.requests.len() {
        if requests_seen.contains(&r) == unplaced.contains(&r) {
            return Err(format!(
                "request {r} is not exactly one of placed and unplaced"
            ));
        }
    }
    Ok(())
}

/// Dinic's maximum flow, written for this test.
struct Flow {
    adj: Vec<Vec<usize>>,
    to: Vec<usize>,
    cap: Vec<i64>,
}

impl Flow {
    fn new(n: usize) -> Self {
        Flow {
            adj: vec![Vec::new(); n],
            to: Vec::new(),
            cap: Vec::new(),
        }
    }

    fn arc(&mut self, a: usize, b: usize, c: i64) {
        self.adj[a].push(self.to.len());
        self.to.push(b);
        self.cap.push(c);
        self.adj[b].push(self.to.len());
        self.to.push(a);
        self.cap.push(0);
    }

    fn max_flow(&mut self, s: usize, t: usize) -> i64 {
        let n = self.adj.len();
        let mut total = 0;
        loop {
            let mut level = vec![usize::MAX; n];
            level[s] = 0;
            let mut queue = VecDeque::from([s]);
            while let Some(v) = queue.pop_front() {
                for &e in &self.adj[v] {
                    if self.cap[e] > 0 && level[self.to[e]] == usize::MAX {
                        level[self.to[e]] = level[v] + 1;
                        queue.push_back(self.to[e]);
                    }
                }
            }
            if level[t] == usize::MAX {
                return total;
            }
            let mut it = vec![0; n];
            loop {
                let f = self.dfs(s, t, i64::MAX, &level, &mut it);
                if f == 0 {
                    break;
                }
                total += f;
            }
        }
    }

    fn dfs(&mut self, v: usize, t: usize, f: i64, level: &[usize], it: &mut [usize]) -> i64 {
        if v == t {
            return f;
        }
        while it[v] < self.adj[v].len() {
            let e = self.adj[v][it[v]];
            let w = self.to[e];
            if self.cap[e] > 0 && level[w] == level[v] + 1 {
                let got = self.dfs(w, t, f.min(self.cap[e]), level, it);
                if got > 0 {
                    self.cap[e] -= got;
                    self.cap[e ^ 1] += got;
                    return got;
                }
            }
            it[v] += 1;
        }
        0
    }
}

/// min of (a) the distinct requested pairs, (b) Σ over slots of min(tables, maximum matching
/// of the requests both of whose participants are available then), (c) the flow source →
/// buyer (its available slots) → request (1) → cooperative (its available slots) → sink.
///
/// With `placeable_only`, pairs that share no available slot (which no schedule can place)
/// are left out of (a) and (c); without it, (c) is the looser textbook flow over every pair.
fn bound(p: &Problem, placeable_only: bool) -> usize {
    let n = p.availability.len();
    let slots = u32::from(p.slots);
    let avail = |x: usize| {
        if slots == 64 {
            p.availability[x]
        } else {
            p.availability[x] & ((1u64 << slots) - 1)
        }
    };
    let pairs: Vec<(usize, usize)> = p
        .requests
        .iter()
        .map(|q| (q.a, q.b))
        .collect::<HashSet<_>>()
        .into_iter()
        .filter(|&(x, y)| !placeable_only || avail(x) & avail(y) != 0)
        .collect();
    let a = pairs.len();
    let (src, sink) = (n, n + 1);
    let mut b = 0;
    for s in 0..slots {
        let mut f = Flow::new(n + 2);
        let mut left = HashSet::new();
        let mut right = HashSet::new();
        for &(x, y) in &pairs {
            if avail(x) & avail(y) & (1 << s) != 0 {
                f.arc(x, y, 1);
                left.insert(x);
                right.insert(y);
            }
        }
        for x in left {
            f.arc(src, x, 1);
        }
        for y in right {
            f.arc(y, sink, 1);
        }
        b += (f.max_flow(src, sink) as usize).min(p.tables as usize);
    }
    let mut f = Flow::new(n + 2 + pairs.len());
    let mut left = HashSet::new();
    let mut right = HashSet::new();
    for (i, &(x, y)) in pairs.iter().enumerate() {
        f.arc(x, n + 2 + i, 1);
        f.arc(n + 2 + i, y, 1);
        left.insert(x);
        right.insert(y);
    }
    for x in left {
        f.arc(src, x, i64::from(avail(x).count_ones()));
    }
    for y in right {
        f.arc(y, sink, i64::from(avail(y).count_ones()));
    }
    let c = f.max_flow(src, sink) as usize;
    a.min(b).min(c)
}

fn priority(p: &Problem, s: &Schedule) -> u32 {
    s.placements
        .iter()
        .map(|m| u32::from(p.requests[m.request].priority))
        .sum()
}

/// Schedules a generated session, validates both methods, returns (schedule, greedy, bound).
fn run(params: &Params) -> (usize, usize, usize) {
    let p = generate::session(params);
    let s = schedule(&p).unwrap();
    let g = greedy(&p).unwrap();
    validate(&p, &s).unwrap();
    validate(&p, &g).unwrap();
    let ub = bound(&p, true);
    let loose = bound(&p, false);
    eprintln!(
        "seed {} tables {}: schedule {} (priority {}), greedy {} (priority {}), bound {ub} (counting unplaceable pairs too: {loose})",
        params.seed,
        params.tables,
        s.placed(),
        priority(&p, &s),
        g.placed(),
        priority(&p, &g)
    );
    assert!(s.placed() <= ub && g.placed() <= ub, "above the bound");
    (s.placed(), g.placed(), ub)
}

#[test]
fn the_issue_session_is_scheduled_within_one_percent_of_the_bound() {
    let p = generate::session(&Params::default());
    assert_eq!(p.availability.len(), 500);
    assert_eq!(p.requests.len(), 3000);
    let pairs: HashSet<(usize, usize)> = p.requests.iter().map(|q| (q.a, q.b)).collect();
    assert_eq!(pairs.len(), 3000, "requests are distinct");
    assert!(
        p.requests.iter().all(|q| q.a < 200 && q.b >= 200),
        "buyer–cooperative"
    );
    let (placed, _, ub) = run(&Params::default());
    assert!(placed * 100 >= ub * 99, "{placed} of {ub}");
}

#[test]
fn with_200_tables_participants_bind_and_it_still_reaches_99_percent() {
    let params = Params {
        tables: 200,
        ..Params::default()
    };
    let (placed, greedy_placed, ub) = run(&params);
    assert!(placed * 100 >= ub * 99, "{placed} of {ub}");
    assert!(placed > greedy_placed);
}

#[test]
fn several_seeds_give_valid_schedules() {
    for seed in 1..=5 {
        for tables in [60, 200] {
            let (placed, _, ub) = run(&Params {
                seed,
                tables,
                ..Params::default()
            });
            assert!(placed * 100 >= ub * 99, "seed {seed}: {placed} of {ub}");
        }
    }
}

fn req(a: usize, b: usize, priority: u8) -> Request {
    Request { a, b, priority }
}

#[test]
fn greedy_is_beaten_when_a_full_slot_must_be_left_to_a_scarce_pair() {
    // One table. Pair 0–1 can meet in either slot; pair 2–3 only in slot 0. Greedy takes the
    // high-priority pair first, into slot 0, and the other never fits.
    let p = Problem {
        slots: 2,
        tables: 1,
        availability: vec![0b11, 0b11, 0b01, 0b01],
        requests: vec![req(0, 1, 2), req(2, 3, 0)],
    };
    let g = greedy(&p).unwrap();
    validate(&p, &g).unwrap();
    assert_eq!(g.placed(), 1);
    let s = schedule(&p).unwrap();
    validate(&p, &s).unwrap();
    assert_eq!(s.placed(), 2);
    assert!(s.unplaced.is_empty());
}

#[test]
fn greedy_is_beaten_when_a_buyer_takes_the_wrong_slot() {
    // Buyer 0 meets cooperatives 1 (slot 0 only) and 2 (either slot).
    let p = Problem {
        slots: 2,
        tables: 10,
        availability: vec![0b11, 0b01, 0b11],
        requests: vec![req(0, 2, 2), req(0, 1, 0)],
    };
    assert_eq!(greedy(&p).unwrap().placed(), 1);
    let s = schedule(&p).unwrap();
    validate(&p, &s).unwrap();
    assert_eq!(s.placed(), 2);
}

#[test]
fn with_one_table_the_higher_priority_wins() {
    let p = Problem {
        slots: 1,
        tables: 1,
        availability: vec![1, 1, 1, 1],
        requests: vec![req(0, 1, 0), req(2, 3, 2)],
    };
    let s = schedule(&p).unwrap();
    validate(&p, &s).unwrap();
    assert_eq!(s.placed(), 1);
    assert_eq!(s.placements[0].request, 1);
    assert_eq!(s.placements[0].table, 1);
    assert_eq!(s.unplaced, vec![0]);
}

#[test]
fn input_errors_are_reported() {
    let ok = Problem {
        slots: 4,
        tables: 2,
        availability: vec![0b1111; 4],
        requests: vec![req(0, 1, 0)],
    };
    assert!(schedule(&ok).is_ok());
    let with = |f: &dyn Fn(&mut Problem)| {
        let mut p = ok.clone();
        f(&mut p);
        (schedule(&p).unwrap_err(), greedy(&p).unwrap_err())
    };
    assert_eq!(with(&|p| p.slots = 0).0, Error::Slots(0));
    assert_eq!(with(&|p| p.slots = 65).1, Error::Slots(65));
    assert_eq!(with(&|p| p.tables = 0).0, Error::NoTables);
    assert!(matches!(
        with(&|p| p.requests.push(req(0, 4, 0))).0,
        Error::UnknownParticipant {
            request: 1,
            participant: 4,
            participants: 4
        }
    ));
    assert!(matches!(
        with(&|p| p.requests.push(req(2, 2, 0))).0,
        Error::SelfMeeting {
            request: 1,
            participant: 2
        }
    ));
    assert!(matches!(
        with(&|p| p.requests.push(req(1, 2, 0))).0,
        Error::BothSides { participant: 1, .. }
    ));
    assert!(!with(&|p| p.tables = 0).0.to_string().is_empty());
}

#[test]
fn empty_input_gives_an_empty_schedule() {
    let p = Problem {
        slots: 16,
        tables: 60,
        availability: Vec::new(),
        requests: Vec::new(),
    };
    assert_eq!(schedule(&p).unwrap(), Schedule::default());
    assert_eq!(greedy(&p).unwrap(), Schedule::default());
    let nobody_available = Problem {
        availability: vec![0, 0],
        requests: vec![req(0, 1, 2)],
        ..p
    };
    let s = schedule(&nobody_available).unwrap();
    assert_eq!(s.placed(), 0);
    assert_eq!(s.unplaced, vec![0]);
}

#[test]
fn bits_beyond_the_slots_are_ignored_and_duplicates_placed_once() {
    let p = Problem {
        slots: 2,
        tables: 5,
        availability: vec![0b1100, 0b1111, 0b11, 0b11],
        requests: vec![req(0, 1, 2), req(2, 3, 0), req(2, 3, 1)],
    };
    for s in [schedule(&p).unwrap(), greedy(&p).unwrap()] {
        validate(&p, &s).unwrap();
        assert_eq!(s.placed(), 1);
        assert_eq!(s.placements[0].request, 1);
        assert_eq!(s.unplaced, vec![0, 2]);
    }
}

#[test]
fn same_input_same_schedule() {
    let p = generate::session(&Params {
        tables: 200,
        seed: 3,
        ..Params::default()
    });
    assert_eq!(
        p,
        generate::session(&Params {
            tables: 200,
            seed: 3,
            ..Params::default()
        })
    );
    assert_eq!(schedule(&p).unwrap(), schedule(&p).unwrap());
    assert_eq!(greedy(&p).unwrap(), greedy(&p).unwrap());
}
