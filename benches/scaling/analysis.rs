//! Where a run's wall time went: the chain of tasks that ended last and its waits to start
//! ([`chain`]), which of the engine's caps held each wait ([`cause`]), and the two bounds the
//! wall is compared with: the critical path through the plan with measured task times
//! ([`critical_path`]) and the least time the `--parallel` slots allow ([`slot_bound`]).

use super::Measured;
use kubewiz::engine::{MAX_STEPS_PER_HOST, MAX_WAITS_PER_HOST};
use kubewiz::plan::Plan;
use std::collections::HashMap;
use std::time::Duration;

/// The slot a task takes in the engine (see `engine::run::class`): waits on the first control
/// plane (`ready`, `kubeconfig`) have their own cap per host; preflight is evaluated locally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Slot {
    Work,
    Wait,
    Local,
}

pub(super) fn slot(t: &kubewiz::plan::Task) -> Slot {
    match t.kind {
        kubewiz::plan::TaskKind::Local => Slot::Local,
        _ if t.step.def().is_wait() => Slot::Wait,
        _ => Slot::Work,
    }
}

/// One wait on the chain that decided the wall time: a task whose inputs were all done at
/// `ready` but that started only at `start`.
pub(super) struct Gap {
    pub(super) task: usize,
    pub(super) ready: Duration,
    pub(super) start: Duration,
    /// What held it, from the tasks running just before it started.
    pub(super) cause: String,
}

/// Where the wall time of a run went, along the chain that ended last: from the last task to
/// end, back through the input that was done last (what it waited for), to the start.
/// wall = lead-in + the chain's run times + its gaps + tail.
pub(super) struct Chain {
    pub(super) tasks: Vec<usize>,
    pub(super) lead_in: Duration,
    pub(super) run: Duration,
    pub(super) gaps: Vec<Gap>,
    /// From the last task's end to the run's end (journal flush, closing connections).
    pub(super) tail: Duration,
}

impl Chain {
    pub(super) fn gap_total(&self) -> Duration {
        self.gaps.iter().map(|g| g.start - g.ready).sum()
    }
}

pub(super) fn chain(m: &Measured, parallel: usize) -> Chain {
    let gates = kubewiz::plan::order::gates_other_nodes(&m.plan);
    let at = |v: &[Option<Duration>], i: usize| v[i].unwrap_or_default();
    let last = (0..m.plan.tasks.len()).max_by_key(|&i| (at(&m.ends, i), i));
    let mut tasks = Vec::new();
    let mut gaps = Vec::new();
    let mut run = Duration::ZERO;
    let mut cur = last;
    let mut lead_in = Duration::ZERO;
    while let Some(i) = cur {
        tasks.push(i);
        let start = at(&m.starts, i);
        run += at(&m.ends, i).saturating_sub(start);
        let pred = m.plan.tasks[i]
            .after
            .iter()
            .copied()
            .max_by_key(|&d| (at(&m.ends, d), d));
        let ready = pred.map_or(Duration::ZERO, |d| at(&m.ends, d));
        if start > ready {
            if pred.is_none() {
                lead_in = start;
            } else {
                gaps.push(Gap {
                    task: i,
                    ready,
                    start,
                    cause: cause(m, &gates, i, (ready, start), parallel),
                });
            }
        }
        cur = pred;
    }
    tasks.reverse();
    gaps.reverse();
    let tail = m
        .finished
        .saturating_sub(last.map_or(Duration::ZERO, |i| at(&m.ends, i)));
    Chain {
        tasks,
        lead_in,
        run,
        gaps,
        tail,
    }
}

/// Which of the engine's caps held task `i` while it waited (from `ready` to `start`), from
/// the tasks running meanwhile (sampled every 10 ms): the share of the wait during which all
/// `--parallel` slots were busy or held (the engine holds up to a quarter of them for work
/// other nodes wait for whose inputs are running, `engine::schedule`), its host had its 4
/// steps running, or (a wait) its host had all its waits running; the rest of the wait no cap
/// was full (the engine's own latency).
pub(super) fn cause(
    m: &Measured,
    gates: &[bool],
    i: usize,
    (ready, start): (Duration, Duration),
    parallel: usize,
) -> String {
    let t = &m.plan.tasks[i];
    let class = slot(t);
    if class == Slot::Local {
        return "local (preflight)".into();
    }
    let n = m.plan.tasks.len();
    let step = Duration::from_millis(10);
    let (mut samples, mut slots_full, mut held_full, mut host_full, mut waits_full) =
        (0u32, 0u32, 0u32, 0u32, 0u32);
    let mut at = ready + step / 2;
    while at < start {
        samples += 1;
        let running =
            |k: usize| m.starts[k].is_some_and(|s| s <= at) && m.ends[k].is_none_or(|e| e > at);
        let done = |k: usize| m.ends[k].is_some_and(|e| e <= at);
        let (mut work, mut host_work, mut host_waits) = (0, 0, 0);
        let mut next_up: HashMap<&str, usize> = HashMap::new();
        for k in (0..n).filter(|&k| k != i) {
            let o = &m.plan.tasks[k];
            if running(k) {
                match slot(o) {
                    Slot::Work => {
                        work += 1;
                        host_work += usize::from(o.host == t.host);
                    }
                    Slot::Wait => host_waits += usize::from(o.host == t.host),
                    Slot::Local => {}
                }
            } else if gates[k]
                && slot(o) == Slot::Work
                && !done(k)
                && o.after.iter().all(|&d| done(d) || running(d))
                && o.after.iter().any(|&d| running(d))
            {
                *next_up.entry(o.host.as_str()).or_default() += 1;
            }
        }
        let held: usize = next_up.values().sum::<usize>().min(parallel / 4);
        match class {
            Slot::Work => {
                slots_full += u32::from(work >= parallel);
                held_full += u32::from(work < parallel && work + held >= parallel);
                host_full += u32::from(host_work >= MAX_STEPS_PER_HOST);
            }
            _ => waits_full += u32::from(host_waits >= MAX_WAITS_PER_HOST),
        }
        at += step;
    }
    let pct = |n: u32| 100 * n / samples.max(1);
    let held = (slots_full + held_full).max(host_full).max(waits_full);
    let mut out = Vec::new();
    if slots_full > 0 {
        out.push(format!(
            "all {parallel} --parallel slots busy {}% of it",
            pct(slots_full)
        ));
    }
    if held_full > 0 {
        out.push(format!(
            "the free slots held for work other nodes wait for {}%",
            pct(held_full)
        ));
    }
    if host_full > 0 {
        out.push(format!(
            "{MAX_STEPS_PER_HOST} steps running on {} {}%",
            t.host,
            pct(host_full)
        ));
    }
    if waits_full > 0 {
        out.push(format!(
            "{MAX_WAITS_PER_HOST} waits running on {} {}%",
            t.host,
            pct(waits_full)
        ));
    }
    if held < samples {
        out.push(format!("no cap full {}%", 100 - pct(held)));
    }
    out.join(", ")
}

/// Longest path through the `after` edges, each task weighted by its measured duration: the
/// scheduler's own `plan::order::remaining_path_with` (in microseconds), walked from the task
/// with the longest path ahead down through the successor that carries it.
pub(super) fn critical_path(plan: &Plan, w: &[Duration]) -> (Duration, Vec<usize>) {
    let us = |i: usize| w[i].as_micros() as u64;
    let ahead = kubewiz::plan::order::remaining_path_with(plan, us);
    let mut successors: Vec<Vec<usize>> = vec![Vec::new(); plan.tasks.len()];
    for (i, t) in plan.tasks.iter().enumerate() {
        for &d in &t.after {
            successors[d].push(i);
        }
    }
    let mut path = Vec::new();
    let mut at = (0..plan.tasks.len()).max_by_key(|&i| (ahead[i], std::cmp::Reverse(i)));
    while let Some(i) = at {
        path.push(i);
        at = successors[i]
            .iter()
            .copied()
            .filter(|&s| ahead[s] == ahead[i] - us(i))
            .min();
    }
    let longest = ahead.iter().copied().max().unwrap_or(0);
    (Duration::from_micros(longest), path)
}

/// The least wall time any schedule needs with `parallel` slots: the critical path, or the
/// work that takes a slot (every step but the waits `ready` and `kubeconfig`, which have no
/// `--parallel` slot) spread over all slots, whichever is longer.
pub(super) fn slot_bound(m: &Measured, w: &[Duration], cp: Duration, parallel: usize) -> Duration {
    let work: Duration = m
        .plan
        .tasks
        .iter()
        .zip(w)
        .filter(|(t, _)| slot(t) == Slot::Work)
        .map(|(_, d)| *d)
        .sum();
    cp.max(work / parallel.max(1) as u32)
}
