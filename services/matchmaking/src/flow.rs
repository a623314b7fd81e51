//! The two network-flow algorithms the scheduler needs: min-cost flow by successive shortest
//! paths (Dijkstra with potentials; every arc cost must be non-negative when added), and
//! Dinic's max flow for the upper bound.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// One arc of a residual network; `rev` is the index of its reverse arc.
#[derive(Debug, Clone, Copy)]
struct Arc {
    to: usize,
    rev: usize,
    cap: i64,
    cost: i64,
}

/// A residual network for min-cost flow, reused between slots (`reset` keeps the
/// allocations).
#[derive(Debug, Default)]
pub(crate) struct MinCostFlow {
    adj: Vec<Vec<usize>>,
    arcs: Vec<Arc>,
    potential: Vec<i64>,
    dist: Vec<i64>,
    prev_arc: Vec<usize>,
    heap: BinaryHeap<Reverse<(i64, usize)>>,
}

impl MinCostFlow {
    /// Empties the network and gives it `nodes` nodes.
    pub(crate) fn reset(&mut self, nodes: usize) {
        for list in &mut self.adj {
            list.clear();
        }
        self.adj.resize_with(nodes, Vec::new);
        self.arcs.clear();
    }

    /// Adds an arc `from → to`; returns its index (for `flow_on`). `cost` must be ≥ 0.
    pub(crate) fn add_arc(&mut self, from: usize, to: usize, cap: i64, cost: i64) -> usize {
        let id = self.arcs.len();
        self.arcs.push(Arc {
            to,
            rev: id + 1,
            cap,
            cost,
        });
        self.arcs.push(Arc {
            to: from,
            rev: id,
            cap: 0,
            cost: -cost,
        });
        self.adj[from].push(id);
        self.adj[to].push(id + 1);
        id
    }

    /// Flow currently on arc `id` (the capacity of its reverse arc).
    pub(crate) fn flow_on(&self, id: usize) -> i64 {
        self.arcs[self.arcs[id].rev].cap
    }

    /// Sends up to `limit` units from `source` to `sink`, one shortest path at a time, so that
    /// for the flow value reached the total cost is minimal. Returns the flow sent.
    pub(crate) fn run(&mut self, source: usize, sink: usize, limit: i64) -> i64 {
        let n = self.adj.len();
        self.potential.clear();
        self.potential.resize(n, 0);
        let mut sent = 0;
        while sent < limit {
            if !self.dijkstra(source) || self.dist[sink] == i64::MAX {
                break;
            }
            for v in 0..n {
                if self.dist[v] != i64::MAX {
                    self.potential[v] += self.dist[v];
                }
            }
            // Bottleneck along the path, then push it.
            let mut push = limit - sent;
            let mut v = sink;
            while v != source {
                let id = self.prev_arc[v];
                push = push.min(self.arcs[id].cap);
                v = self.arcs[self.arcs[id].rev].to;
            }
            let mut v = sink;
            while v != source {
                let id = self.prev_arc[v];
                let rev = self.arcs[id].rev;
                self.arcs[id].cap -= push;
                self.arcs[rev].cap += push;
                v = self.arcs[rev].to;
            }
            sent += push;
        }
        sent
    }

    /// Shortest reduced-cost distances from `source`; false if nothing is reachable.
    fn dijkstra(&mut self, source: usize) -> bool {
        let n = self.adj.len();
        self.dist.clear();
        self.dist.resize(n, i64::MAX);
        self.prev_arc.clear();
        self.prev_arc.resize(n, usize::MAX);
        self.heap.clear();
        self.dist[source] = 0;
        self.heap.push(Reverse((0, source)));
        while let Some(Reverse((d, v))) = self.heap.pop() {
            if d > self.dist[v] {
                continue;
            }
            for &id in &self.adj[v] {
                let arc = self.arcs[id];
                if arc.cap <= 0 {
                    continue;
                }
                let nd = d + arc.cost + self.potential[v] - self.potential[arc.to];
                if nd < self.dist[arc.to] {
                    self.dist[arc.to] = nd;
                    self.prev_arc[arc.to] = id;
                    self.heap.push(Reverse((nd, arc.to)));
                }
            }
        }
        self.dist.iter().any(|&d| d != i64::MAX)
    }
}

/// Dinic's maximum flow (capacities only).
#[derive(Debug)]
pub(crate) struct MaxFlow {
    adj: Vec<Vec<usize>>,
    arcs: Vec<Arc>,
}

impl MaxFlow {
    /// A network of `nodes` nodes and no arcs.
    pub(crate) fn new(nodes: usize) -> Self {
        MaxFlow {
            adj: vec![Vec::new(); nodes],
            arcs: Vec::new(),
        }
    }

    /// Adds an arc `from → to` of capacity `cap`.
    pub(crate) fn add_arc(&mut self, from: usize, to: usize, cap: i64) {
        let id = self.arcs.len();
        self.arcs.push(Arc {
            to,
            rev: id + 1,
            cap,
            cost: 0,
        });
        self.arcs.push(Arc {
            to: from,
            rev: id,
            cap: 0,
            cost: 0,
        });
        self.adj[from].push(id);
        self.adj[to].push(id + 1);
    }

    /// The maximum flow from `source` to `sink`.
    pub(crate) fn run(&mut self, source: usize, sink: usize) -> i64 {
        let n = self.adj.len();
        let mut total = 0;
        let mut level = vec![-1i64; n];
        let mut next = vec![0usize; n];
        loop {
            level.fill(-1);
            level[source] = 0;
            let mut queue = VecDeque::from([source]);
            while let Some(v) = queue.pop_front() {
                for &id in &self.adj[v] {
                    let arc = self.arcs[id];
                    if arc.cap > 0 && level[arc.to] < 0 {
                        level[arc.to] = level[v] + 1;
                        queue.push_back(arc.to);
                    }
                }
            }
            if level[sink] < 0 {
                return total;
            }
            next.fill(0);
            loop {
                let pushed = self.augment(source, sink, i64::MAX, &level, &mut next);
                if pushed == 0 {
                    break;
                }
                total += pushed;
            }
        }
    }

    fn augment(
        &mut self,
        v: usize,
        sink: usize,
        limit: i64,
        level: &[i64],
        next: &mut [usize],
    ) -> i64 {
        if v == sink {
            return limit;
        }
        while next[v] < self.adj[v].len() {
            let id = self.adj[v][next[v]];
            let arc = self.arcs[id];
            if arc.cap > 0 && level[arc.to] == level[v] + 1 {
                let pushed = self.augment(arc.to, sink, limit.min(arc.cap), level, next);
                if pushed > 0 {
                    self.arcs[id].cap -= pushed;
                    self.arcs[arc.rev].cap += pushed;
                    return pushed;
                }
            }
            next[v] += 1;
        }
        0
    }
}
