//! The B2B-session meeting scheduler: accepted buyer–cooperative meeting requests placed
//! into (time slot, table) so that nobody is in two meetings at once, both sides are
//! available, and no slot holds more meetings than there are tables. The objective is the
//! number of meetings placed, then their total priority.
//!
//! Method ([`schedule`]): slots are filled one at a time. In each slot the still-unplaced
//! requests whose two participants are both available form a bipartite graph (requests are
//! oriented: `a` on one side, `b` on the other, see [`Error::BothSides`]); a maximum
//! matching of it, capped at the number of tables, is computed exactly by min-cost flow
//! (successive shortest paths, Dijkstra with potentials). Among the maximum matchings the
//! costs pick the requests with the fewest remaining common slots, the participants with the
//! most remaining requests per remaining available slot, and higher priorities, so that
//! later slots can still place the rest. A repair pass then tries each unplaced request again
//! with ejection chains: a participant's meeting in the wanted slot (or any meeting of a full
//! slot) is moved to another slot, recursively, and everything is undone if the chain fails.
//! A displaced meeting that fits nowhere else may instead stay out if a participant it frees
//! can take another unplaced request in its place (an augmenting path across slots). A last
//! pass trades a placed meeting for an unplaced one of higher priority when no other meeting
//! has to be dropped, and the result is compared with [`greedy`]'s (the better of the two, by
//! count then priority, is returned). Everything is deterministic: same problem, same
//! schedule.
//!
//! [`greedy`] is the baseline (priority order, first slot that fits); [`upper_bound`] bounds
//! what any schedule can place. [`generate`] builds synthetic sessions.

mod flow;
pub mod generate;

use flow::{MaxFlow, MinCostFlow};
use std::collections::HashSet;

/// One accepted meeting request between participants `a` and `b` (indexes into
/// [`Problem::availability`]). Requests are oriented: every participant appears only as an
/// `a` or only as a `b` (in practice `a` is the buyer, `b` the cooperative).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Request {
    /// The participant on the first side (the buyer).
    pub a: usize,
    /// The participant on the second side (the cooperative).
    pub b: usize,
    /// Higher is more important; only compared after the number of meetings.
    pub priority: u8,
}

/// A session to schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Number of time slots, 1..=64.
    pub slots: u8,
    /// Tables per slot, at least 1.
    pub tables: u32,
    /// One bit mask per participant: bit `s` set when the participant is available in slot
    /// `s`. Bits at or beyond `slots` are ignored.
    pub availability: Vec<u64>,
    /// The accepted requests. A pair requested more than once is scheduled at most once (the
    /// first occurrence; the later ones stay unplaced).
    pub requests: Vec<Request>,
}

/// One placed meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Placement {
    /// Index into [`Problem::requests`].
    pub request: usize,
    /// The slot, from 0.
    pub slot: u8,
    /// The table, from 1 to [`Problem::tables`].
    pub table: u32,
}

/// A schedule: its placements, ordered by slot then table.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Schedule {
    /// The placed meetings, by slot then table.
    pub placements: Vec<Placement>,
    /// Indexes of the requests not placed, ascending.
    pub unplaced: Vec<usize>,
}

impl Schedule {
    /// Number of meetings placed.
    pub fn placed(&self) -> usize {
        self.placements.len()
    }

    /// Total priority of the placed meetings.
    pub fn total_priority(&self, problem: &Problem) -> u64 {
        self.placements
            .iter()
            .map(|m| u64::from(problem.requests[m.request].priority))
            .sum()
    }
}

/// Why a problem cannot be scheduled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// `slots` is 0 or more than 64.
    #[error("a session has 1 to 64 slots, not {0}")]
    Slots(u8),
    /// `tables` is 0.
    #[error("a session needs at least one table")]
    NoTables,
    /// A request names a participant that has no availability entry.
    #[error("request {request} names participant {participant}, but there are only {participants}")]
    UnknownParticipant {
        /// The request's index.
        request: usize,
        /// The participant index it names.
        participant: usize,
        /// The number of participants (`availability.len()`).
        participants: usize,
    },
    /// A request pairs a participant with itself.
    #[error("request {request} pairs participant {participant} with itself")]
    SelfMeeting {
        /// The request's index.
        request: usize,
        /// The participant.
        participant: usize,
    },
    /// A participant is `a` in one request and `b` in another: requests must be oriented
    /// (buyer first), which keeps every slot's graph bipartite.
    #[error("participant {participant} is on both sides (requests {as_a} and {as_b})")]
    BothSides {
        /// The participant.
        participant: usize,
        /// A request naming it as `a`.
        as_a: usize,
        /// A request naming it as `b`.
        as_b: usize,
    },
}

/// Tuning of [`schedule_with`]; [`Options::default`] is what [`schedule`] uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// The order in which slots are filled.
    pub slot_order: SlotOrder,
    /// Run the repair and priority-exchange passes after the slot pass, and return
    /// [`greedy`]'s schedule instead when it is better (count, then priority).
    pub repair: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            slot_order: SlotOrder::Natural,
            repair: true,
        }
    }
}

/// The order in which [`schedule_with`] fills slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotOrder {
    /// Slot 0, 1, 2, …
    Natural,
    /// Fewest schedulable requests first (ties by slot number), so that the slots with the
    /// fewest choices are filled while every request is still available to them.
    ScarcestFirst,
}

/// The validated problem: masked availability and which requests may be placed.
struct Prepared {
    slots: usize,
    tables: usize,
    mask: u64,
    availability: Vec<u64>,
    /// False for the later duplicates of a pair.
    eligible: Vec<bool>,
    /// True for participants named as `a` by some request.
    is_a: Vec<bool>,
}

impl Prepared {
    /// Slots in which both participants of request `r` are available.
    fn common(&self, p: &Problem, r: usize) -> u64 {
        let q = p.requests[r];
        self.availability[q.a] & self.availability[q.b]
    }
}

fn prepare(p: &Problem) -> Result<Prepared, Error> {
    if p.slots == 0 || p.slots > 64 {
        return Err(Error::Slots(p.slots));
    }
    if p.tables == 0 {
        return Err(Error::NoTables);
    }
    let mask = if p.slots == 64 {
        u64::MAX
    } else {
        (1u64 << p.slots) - 1
    };
    let participants = p.availability.len();
    // For each participant, the first request naming it as a (resp. b).
    let mut as_a = vec![usize::MAX; participants];
    let mut as_b = vec![usize::MAX; participants];
    let mut seen = HashSet::with_capacity(p.requests.len());
    let mut eligible = Vec::with_capacity(p.requests.len());
    for (request, q) in p.requests.iter().enumerate() {
        for participant in [q.a, q.b] {
            if participant >= participants {
                return Err(Error::UnknownParticipant {
                    request,
                    participant,
                    participants,
                });
            }
        }
        if q.a == q.b {
            return Err(Error::SelfMeeting {
                request,
                participant: q.a,
            });
        }
        if as_a[q.a] == usize::MAX {
            as_a[q.a] = request;
        }
        if as_b[q.b] == usize::MAX {
            as_b[q.b] = request;
        }
        for participant in [q.a, q.b] {
            if as_a[participant] != usize::MAX && as_b[participant] != usize::MAX {
                return Err(Error::BothSides {
                    participant,
                    as_a: as_a[participant],
                    as_b: as_b[participant],
                });
            }
        }
        eligible.push(seen.insert((q.a, q.b)));
    }
    Ok(Prepared {
        slots: usize::from(p.slots),
        tables: usize::try_from(p.tables).unwrap_or(usize::MAX),
        mask,
        availability: p.availability.iter().map(|m| m & mask).collect(),
        eligible,
        is_a: as_a.iter().map(|&r| r != usize::MAX).collect(),
    })
}

const NONE: u32 = u32::MAX;
const UNPLACED: u8 = u8::MAX;

/// Who is where: the working state of the scheduler, with an undo log for the repair pass.
struct Board {
    tables: usize,
    /// Slot of each request, or `UNPLACED`.
    slot_of: Vec<u8>,
    /// `busy[participant * 64 + slot]`: the request that participant meets in that slot.
    busy: Vec<u32>,
    /// The requests placed in each slot (unordered).
    in_slot: Vec<Vec<u32>>,
    /// Changes since the last commit: (request, its slot before the change).
    log: Vec<(u32, u8)>,
}

impl Board {
    fn new(p: &Problem, slots: usize, tables: usize) -> Self {
        Board {
            tables,
            slot_of: vec![UNPLACED; p.requests.len()],
            busy: vec![NONE; p.availability.len() * 64],
            in_slot: vec![Vec::new(); slots],
            log: Vec::new(),
        }
    }

    fn busy(&self, participant: usize, slot: usize) -> u32 {
        self.busy[participant * 64 + slot]
    }

    fn full(&self, slot: usize) -> bool {
        self.in_slot[slot].len() >= self.tables
    }

    fn place(&mut self, p: &Problem, r: usize, slot: usize) {
        debug_assert_eq!(self.slot_of[r], UNPLACED);
        let q = p.requests[r];
        debug_assert_eq!(self.busy[q.a * 64 + slot], NONE, "a busy placing {r}");
        debug_assert_eq!(self.busy[q.b * 64 + slot], NONE, "b busy placing {r}");
        self.log.push((r as u32, UNPLACED));
        self.slot_of[r] = slot as u8;
        self.busy[q.a * 64 + slot] = r as u32;
        self.busy[q.b * 64 + slot] = r as u32;
        self.in_slot[slot].push(r as u32);
    }

    fn unplace(&mut self, p: &Problem, r: usize) {
        let slot = self.slot_of[r];
        debug_assert_ne!(slot, UNPLACED);
        let q = p.requests[r];
        self.log.push((r as u32, slot));
        let s = usize::from(slot);
        self.slot_of[r] = UNPLACED;
        self.busy[q.a * 64 + s] = NONE;
        self.busy[q.b * 64 + s] = NONE;
        let list = &mut self.in_slot[s];
        if let Some(i) = list.iter().position(|&x| x == r as u32) {
            list.swap_remove(i);
        }
    }

    /// Undoes every change logged after position `mark`.
    fn undo(&mut self, p: &Problem, mark: usize) {
        while self.log.len() > mark {
            let Some((r, before)) = self.log.pop() else {
                break;
            };
            let r = r as usize;
            if self.slot_of[r] != UNPLACED {
                self.unplace(p, r);
                self.log.pop();
            }
            if before != UNPLACED {
                self.place(p, r, usize::from(before));
                self.log.pop();
            }
        }
    }
}

/// Schedules the problem with the default [`Options`]: per-slot min-cost maximum matching,
/// then repair by ejection chains and priority exchanges (see the module documentation).
pub fn schedule(p: &Problem) -> Result<Schedule, Error> {
    schedule_with(p, &Options::default())
}

/// [`schedule`] with explicit options.
pub fn schedule_with(p: &Problem, options: &Options) -> Result<Schedule, Error> {
    let prep = prepare(p)?;
    let mut board = Board::new(p, prep.slots, prep.tables);
    slot_pass(p, &prep, &mut board, options.slot_order);
    if !options.repair {
        return Ok(assemble(p, &board));
    }
    let mut repair = Repair::new(p, &prep);
    repair.fill(&mut board);
    repair.exchange(&mut board);
    let mine = assemble(p, &board);
    // Never worse than the baseline: greedy costs a fraction of a millisecond, and when the
    // tables bind it sometimes keeps more priority at the same count.
    let baseline = greedy(p)?;
    let key = |s: &Schedule| (s.placed(), s.total_priority(p));
    Ok(if key(&baseline) > key(&mine) {
        baseline
    } else {
        mine
    })
}

/// Fixed-point scale of the cost terms.
const UNIT: i64 = 1000;

/// Fills the slots one at a time with a min-cost maximum matching each.
fn slot_pass(p: &Problem, prep: &Prepared, board: &mut Board, order: SlotOrder) {
    let n = p.availability.len();
    let mut slots: Vec<usize> = (0..prep.slots).collect();
    if order == SlotOrder::ScarcestFirst {
        let mut load = vec![0usize; prep.slots];
        for r in 0..p.requests.len() {
            if prep.eligible[r] {
                let common = prep.common(p, r);
                for (s, l) in load.iter_mut().enumerate() {
                    *l += usize::from(common >> s & 1 == 1);
                }
            }
        }
        slots.sort_by_key(|&s| (load[s], s));
    }
    let mut remaining = prep.mask;
    let mut flow = MinCostFlow::default();
    let mut node = vec![usize::MAX; n];
    let mut demand = vec![0i64; n];
    let mut candidates: Vec<(usize, i64)> = Vec::new();
    for &slot in &slots {
        let bit = 1u64 << slot;
        // Demand: unplaced requests each participant can still meet, from this slot on.
        demand.fill(0);
        for (r, q) in p.requests.iter().enumerate() {
            if prep.eligible[r]
                && board.slot_of[r] == UNPLACED
                && prep.common(p, r) & remaining != 0
            {
                demand[q.a] += 1;
                demand[q.b] += 1;
            }
        }
        let pressure = |x: usize| {
            let free = i64::from((prep.availability[x] & remaining).count_ones()).max(1);
            (demand[x] * UNIT / free).min(2 * UNIT)
        };
        candidates.clear();
        for (r, q) in p.requests.iter().enumerate() {
            let common = prep.common(p, r);
            if !prep.eligible[r] || board.slot_of[r] != UNPLACED || common & bit == 0 {
                continue;
            }
            let left = i64::from((common & remaining).count_ones());
            let weight =
                2 * UNIT / left + pressure(q.a) + pressure(q.b) + UNIT * i64::from(q.priority) / 2;
            candidates.push((r, weight));
        }
        remaining &= !bit;
        if candidates.is_empty() {
            continue;
        }
        let max_weight = candidates.iter().map(|c| c.1).max().unwrap_or(0);
        // Nodes: 0 source, 1 sink, then the participants of this slot's candidates.
        let mut nodes = 2;
        let mut touched = Vec::new();
        for &(r, _) in &candidates {
            let q = p.requests[r];
            for x in [q.a, q.b] {
                if node[x] == usize::MAX {
                    node[x] = nodes;
                    nodes += 1;
                    touched.push(x);
                }
            }
        }
        flow.reset(nodes);
        for &x in &touched {
            // Requests are oriented, so a participant is only ever an `a` or a `b`.
            if prep.is_a[x] {
                flow.add_arc(0, node[x], 1, 0);
            } else {
                flow.add_arc(node[x], 1, 1, 0);
            }
        }
        let arcs: Vec<usize> = candidates
            .iter()
            .map(|&(r, w)| {
                let q = p.requests[r];
                flow.add_arc(node[q.a], node[q.b], 1, max_weight - w)
            })
            .collect();
        let room = prep.tables.saturating_sub(board.in_slot[slot].len());
        flow.run(0, 1, i64::try_from(room).unwrap_or(i64::MAX));
        for (&(r, _), &arc) in candidates.iter().zip(&arcs) {
            if flow.flow_on(arc) > 0 {
                board.place(p, r, slot);
            }
        }
        for x in touched {
            node[x] = usize::MAX;
        }
    }
    board.log.clear();
}

/// The repair and exchange passes.
struct Repair<'a> {
    p: &'a Problem,
    prep: &'a Prepared,
    /// `visited[r] == stamp`: request `r` has been moved or tried in the current attempt.
    visited: Vec<u32>,
    stamp: u32,
    /// Requests an attempt may still try to move (keeps each attempt cheap).
    budget: usize,
    /// The requests of each participant, by index.
    requests_of: Vec<Vec<usize>>,
}

/// How deep an ejection chain may go.
const CHAIN_DEPTH: usize = 8;

/// How many meetings one attempt may try to move before giving up.
const ATTEMPT_BUDGET: usize = 400;

impl<'a> Repair<'a> {
    fn new(p: &'a Problem, prep: &'a Prepared) -> Self {
        Repair {
            p,
            prep,
            visited: vec![0; p.requests.len()],
            stamp: 0,
            budget: 0,
            requests_of: {
                let mut lists = vec![Vec::new(); p.availability.len()];
                for (r, q) in p.requests.iter().enumerate() {
                    if prep.eligible[r] && prep.common(p, r) != 0 {
                        lists[q.a].push(r);
                        lists[q.b].push(r);
                    }
                }
                // Substitutes are tried by priority, highest first.
                for list in &mut lists {
                    list.sort_by_key(|&r| (std::cmp::Reverse(p.requests[r].priority), r));
                }
                lists
            },
        }
    }

    /// Unplaced eligible requests, by priority descending then index.
    fn unplaced(&self, board: &Board) -> Vec<usize> {
        let mut list: Vec<usize> = (0..self.p.requests.len())
            .filter(|&r| {
                self.prep.eligible[r]
                    && board.slot_of[r] == UNPLACED
                    && self.prep.common(self.p, r) != 0
            })
            .collect();
        list.sort_by_key(|&r| (std::cmp::Reverse(self.p.requests[r].priority), r));
        list
    }

    /// Tries every unplaced request with ejection chains until a round places nothing.
    fn fill(&mut self, board: &mut Board) {
        let capacity = self.prep.tables.saturating_mul(self.prep.slots);
        loop {
            let mut progress = false;
            for r in self.unplaced(board) {
                if board.slot_of[r] != UNPLACED {
                    continue; // placed meanwhile, as a substitute
                }
                if board.in_slot.iter().map(Vec::len).sum::<usize>() >= capacity {
                    return; // every table of every slot is taken
                }
                self.begin(r);
                if self.relocate(board, r, CHAIN_DEPTH) {
                    progress = true;
                }
                board.log.clear();
            }
            if !progress {
                break;
            }
        }
    }

    /// Starts a new attempt on behalf of request `r`.
    fn begin(&mut self, r: usize) {
        self.stamp += 1;
        self.visited[r] = self.stamp;
        self.budget = ATTEMPT_BUDGET;
    }

    /// Places the unplaced request `r`, moving other meetings out of the way (recursively,
    /// at most `depth` deep). On failure the board is as before.
    fn relocate(&mut self, board: &mut Board, r: usize, depth: usize) -> bool {
        debug_assert_eq!(board.slot_of[r], UNPLACED, "relocate {r}");
        let p = self.p;
        let q = p.requests[r];
        let common = self.prep.common(p, r);
        let slots = || (0..self.prep.slots).filter(move |&s| common >> s & 1 == 1);
        for s in slots() {
            if board.busy(q.a, s) == NONE && board.busy(q.b, s) == NONE && !board.full(s) {
                board.place(p, r, s);
                return true;
            }
        }
        if depth == 0 {
            return false;
        }
        for s in slots() {
            let blockers: Vec<usize> = [board.busy(q.a, s), board.busy(q.b, s)]
                .into_iter()
                .filter(|&x| x != NONE)
                .map(|x| x as usize)
                .collect();
            if !blockers.is_empty() {
                if blockers.iter().any(|&x| self.visited[x] == self.stamp) {
                    continue;
                }
                if self.move_out(board, r, s, &blockers, depth) {
                    return true;
                }
            } else {
                // A full slot where both are free: move any one meeting elsewhere.
                let others: Vec<usize> = board.in_slot[s].iter().map(|&x| x as usize).collect();
                for x in others {
                    if self.visited[x] != self.stamp && self.move_out(board, r, s, &[x], depth) {
                        return true;
                    }
                }
            }
        }
        false
    }

    /// Takes `blockers` out of slot `s`, puts `r` there, and relocates the blockers.
    fn move_out(
        &mut self,
        board: &mut Board,
        r: usize,
        s: usize,
        blockers: &[usize],
        depth: usize,
    ) -> bool {
        if self.budget < blockers.len() {
            return false;
        }
        self.budget -= blockers.len();
        let mark = board.log.len();
        debug_assert_eq!(board.slot_of[r], UNPLACED, "move_out {r} {blockers:?}");
        for &x in blockers {
            self.visited[x] = self.stamp;
            board.unplace(self.p, x);
        }
        board.place(self.p, r, s);
        if blockers
            .iter()
            .all(|&x| self.compensate(board, x, s, depth - 1))
        {
            return true;
        }
        board.undo(self.p, mark);
        false
    }

    /// Makes up for meeting `x`, just taken out of slot `s`: moves it to another slot, or
    /// else places another unplaced request of a participant `x` left free in `s` (then `x`
    /// stays unplaced). On failure the board is as before.
    fn compensate(&mut self, board: &mut Board, x: usize, s: usize, depth: usize) -> bool {
        debug_assert_eq!(board.slot_of[x], UNPLACED, "compensate {x}");
        if self.relocate(board, x, depth) {
            return true;
        }
        if depth == 0 {
            return false;
        }
        let p = self.p;
        let q = p.requests[x];
        for y in [q.a, q.b] {
            if board.busy(y, s) != NONE {
                continue;
            }
            for i in 0..self.requests_of[y].len() {
                let r = self.requests_of[y][i];
                if board.slot_of[r] != UNPLACED
                    || self.visited[r] == self.stamp
                    || self.prep.common(p, r) >> s & 1 == 0
                {
                    continue;
                }
                let other = p.requests[r];
                let z = if other.a == y { other.b } else { other.a };
                let blocker = board.busy(z, s);
                if blocker == NONE {
                    if !board.full(s) {
                        board.place(p, r, s);
                        return true;
                    }
                } else if self.visited[blocker as usize] != self.stamp {
                    self.visited[r] = self.stamp;
                    if self.move_out(board, r, s, &[blocker as usize], depth) {
                        return true;
                    }
                }
            }
        }
        false
    }

    /// Trades placed meetings for unplaced ones of higher priority, one for one.
    fn exchange(&mut self, board: &mut Board) {
        let p = self.p;
        for r in self.unplaced(board) {
            if board.slot_of[r] != UNPLACED {
                continue;
            }
            let q = p.requests[r];
            let common = self.prep.common(p, r);
            'slots: for s in (0..self.prep.slots).filter(|&s| common >> s & 1 == 1) {
                let blockers: Vec<usize> = [board.busy(q.a, s), board.busy(q.b, s)]
                    .into_iter()
                    .filter(|&x| x != NONE)
                    .map(|x| x as usize)
                    .collect();
                // The meeting to drop, and those to move elsewhere.
                let (drop, movers): (usize, Vec<usize>) = if blockers.is_empty() {
                    let Some(&low) = board.in_slot[s]
                        .iter()
                        .min_by_key(|&&x| (p.requests[x as usize].priority, x))
                    else {
                        continue;
                    };
                    (low as usize, Vec::new())
                } else {
                    let Some(&low) = blockers
                        .iter()
                        .min_by_key(|&&x| (p.requests[x].priority, x))
                    else {
                        continue;
                    };
                    (low, blockers.into_iter().filter(|&x| x != low).collect())
                };
                if p.requests[drop].priority >= q.priority {
                    continue;
                }
                self.begin(r);
                self.visited[drop] = self.stamp;
                let mark = board.log.len();
                board.unplace(p, drop);
                if !movers.is_empty() && !self.move_out(board, r, s, &movers, CHAIN_DEPTH) {
                    board.undo(p, mark);
                    continue 'slots;
                }
                if movers.is_empty() {
                    board.place(p, r, s);
                }
                // The dropped meeting may still fit somewhere else.
                self.begin(drop);
                self.relocate(board, drop, CHAIN_DEPTH);
                board.log.clear();
                break;
            }
        }
    }
}

/// Numbers the tables of each slot (by request index) and lists the unplaced requests.
fn assemble(p: &Problem, board: &Board) -> Schedule {
    let mut placements = Vec::new();
    for (slot, list) in board.in_slot.iter().enumerate() {
        let mut list = list.clone();
        list.sort_unstable();
        for (i, &r) in list.iter().enumerate() {
            placements.push(Placement {
                request: r as usize,
                slot: slot as u8,
                table: i as u32 + 1,
            });
        }
    }
    let unplaced = (0..p.requests.len())
        .filter(|&r| board.slot_of[r] == UNPLACED)
        .collect();
    Schedule {
        placements,
        unplaced,
    }
}

/// The baseline: requests by priority descending (ties by index), each placed in the first
/// slot where both participants are available and free and a table is left.
pub fn greedy(p: &Problem) -> Result<Schedule, Error> {
    let prep = prepare(p)?;
    let mut board = Board::new(p, prep.slots, prep.tables);
    let mut order: Vec<usize> = (0..p.requests.len())
        .filter(|&r| prep.eligible[r])
        .collect();
    order.sort_by_key(|&r| std::cmp::Reverse(p.requests[r].priority));
    for r in order {
        let q = p.requests[r];
        let common = prep.common(p, r);
        if let Some(s) = (0..prep.slots).find(|&s| {
            common >> s & 1 == 1
                && board.busy(q.a, s) == NONE
                && board.busy(q.b, s) == NONE
                && !board.full(s)
        }) {
            board.place(p, r, s);
        }
    }
    Ok(assemble(p, &board))
}

/// An upper bound on the meetings any schedule can place: the smallest of (a) the distinct
/// requests whose participants share a slot, (b) the sum over slots of the maximum matching
/// of that slot's requests capped at the tables, and (c) the maximum flow source → `a`
/// (capacity: its available slots) → `b` (one unit per request) → sink (capacity: its
/// available slots).
pub fn upper_bound(p: &Problem) -> Result<usize, Error> {
    let prep = prepare(p)?;
    let n = p.availability.len();
    let live: Vec<usize> = (0..p.requests.len())
        .filter(|&r| prep.eligible[r] && prep.common(p, r) != 0)
        .collect();
    let (source, sink) = (n, n + 1);
    let mut per_slot = 0usize;
    for s in 0..prep.slots {
        let mut net = MaxFlow::new(n + 2);
        let mut a_side = vec![false; n];
        let mut b_side = vec![false; n];
        for &r in &live {
            if prep.common(p, r) >> s & 1 == 1 {
                let q = p.requests[r];
                net.add_arc(q.a, q.b, 1);
                a_side[q.a] = true;
                b_side[q.b] = true;
            }
        }
        for x in 0..n {
            if a_side[x] {
                net.add_arc(source, x, 1);
            }
            if b_side[x] {
                net.add_arc(x, sink, 1);
            }
        }
        let matched = usize::try_from(net.run(source, sink)).unwrap_or(0);
        per_slot += matched.min(prep.tables);
    }
    let mut net = MaxFlow::new(n + 2);
    let mut a_side = vec![false; n];
    let mut b_side = vec![false; n];
    for &r in &live {
        let q = p.requests[r];
        net.add_arc(q.a, q.b, 1);
        a_side[q.a] = true;
        b_side[q.b] = true;
    }
    for x in 0..n {
        let free = i64::from(prep.availability[x].count_ones());
        if a_side[x] {
            net.add_arc(source, x, free);
        }
        if b_side[x] {
            net.add_arc(x, sink, free);
        }
    }
    let degrees = usize::try_from(net.run(source, sink)).unwrap_or(0);
    Ok(live.len().min(per_slot).min(degrees))
}
