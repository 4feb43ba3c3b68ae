//! The scheduling state of one run, without any I/O: which task may start now. Knows only the
//! DAG (`after`), where each task runs (`host`), what kind of slot it takes ([`Class`]) and
//! the caps; nothing about steps, nodes or SSH, so any pipeline of tasks can use it.
//!
//! A task starts as soon as the tasks it waits for are done (no lock-step phases), at most
//! `parallel` work tasks at once and `per_host_work` per host (waits: `per_host_waits` per
//! host, not counted in `parallel`); when more are ready than may start, the longest remaining
//! path goes first (`plan::order`). A task whose prerequisite failed is blocked.
//!
//! Slots are kept for what other nodes wait for: a work task that [`Node::gates`] (the first
//! control plane's way to `kubeadm init`, which every join waits for) and whose inputs are
//! all running or done has a `--parallel` slot held for it, so that when its input ends it
//! starts at once instead of waiting for one of the slots that other nodes' own steps took
//! meanwhile (a step cannot be preempted; issue 15 measured 4.3 s lost this way at 10 nodes).
//! At most a quarter of `parallel` is held, so a small `--parallel` still runs other work.

use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Status {
    /// Not started (its inputs may or may not be done).
    Waiting,
    Running,
    Done,
    Failed,
    /// Cannot start in this run: something it waits for failed or is blocked.
    Blocked,
    /// Not part of this run (another node's task in a `--node` run); blocks its dependents.
    Excluded,
}

/// What kind of slot a task takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Class {
    /// Work on a node: counts against `parallel` and `per_host_work`.
    Work,
    /// A wait or read (e.g. for Ready): only `per_host_waits`.
    Wait,
    /// Evaluated on the workstation by the caller ([`Schedule::ready_local`]); takes no slot.
    Local,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Caps {
    pub parallel: usize,
    pub per_host_work: usize,
    pub per_host_waits: usize,
}

/// One task as the schedule sees it.
pub(super) struct Node {
    pub after: Vec<usize>,
    pub host: String,
    pub class: Class,
    /// Tasks of other nodes wait for it (`plan::order::gates_other_nodes`): a slot is kept
    /// for it while its inputs run.
    pub gates: bool,
}

pub(super) struct Schedule {
    tasks: Vec<Node>,
    status: Vec<Status>,
    /// Task indexes in the order ready tasks are started (longest remaining path first).
    order: Vec<usize>,
    caps: Caps,
    /// Work tasks running, in total and on each host; waits running on each host.
    working: usize,
    host_work: HashMap<String, usize>,
    /// Per host, which wait places are taken (a wait's place says which connection it uses).
    host_waits: HashMap<String, Vec<bool>>,
    /// The place of each running wait.
    wait_place: Vec<Option<usize>>,
}

impl Schedule {
    /// `order`: every task index once, in the order ready tasks should start.
    pub fn new(tasks: Vec<Node>, order: Vec<usize>, caps: Caps) -> Schedule {
        debug_assert_eq!(order.len(), tasks.len());
        Schedule {
            status: vec![Status::Waiting; tasks.len()],
            wait_place: vec![None; tasks.len()],
            tasks,
            order,
            caps: Caps {
                parallel: caps.parallel.max(1),
                ..caps
            },
            working: 0,
            host_work: HashMap::new(),
            host_waits: HashMap::new(),
        }
    }

    pub fn status(&self, i: usize) -> Status {
        self.status[i]
    }

    /// Sets the status of a task that is not running (done in an earlier run, excluded).
    pub fn set(&mut self, i: usize, status: Status) {
        debug_assert_ne!(self.status[i], Status::Running);
        self.status[i] = status;
    }

    fn deps_done(&self, i: usize) -> bool {
        self.tasks[i]
            .after
            .iter()
            .all(|&d| self.status[d] == Status::Done)
    }

    /// Local tasks whose inputs are done, in plan order.
    pub fn ready_local(&self) -> Vec<usize> {
        (0..self.tasks.len())
            .filter(|&i| {
                self.status[i] == Status::Waiting
                    && self.tasks[i].class == Class::Local
                    && self.deps_done(i)
            })
            .collect()
    }

    /// Marks as running, and returns, every waiting task whose inputs are done, as far as the
    /// caps allow, longest remaining path first; work that other nodes wait for first of all,
    /// and the slots held for such work (see the module doc) are left to it.
    pub fn start_ready(&mut self) -> Vec<usize> {
        let mut started = self.start_pass(|s, i| s.tasks[i].gates, 0);
        // At most a quarter of the slots: the other nodes' own steps always keep the rest.
        let held = self.held_slots().min(self.caps.parallel / 4);
        started.extend(self.start_pass(|s, i| !s.tasks[i].gates, held));
        started
    }

    /// One pass over the ready tasks `pick` selects; work starts only while more than `held`
    /// `--parallel` slots are free.
    fn start_pass(&mut self, pick: impl Fn(&Self, usize) -> bool, held: usize) -> Vec<usize> {
        let mut started = Vec::new();
        for k in 0..self.order.len() {
            let i = self.order[k];
            if self.status[i] != Status::Waiting || !pick(self, i) || !self.deps_done(i) {
                continue;
            }
            let host = &self.tasks[i].host;
            match self.tasks[i].class {
                Class::Local => continue,
                Class::Wait => {
                    let places = self.host_waits.entry(host.clone()).or_default();
                    let Some(place) = (0..self.caps.per_host_waits)
                        .find(|&p| !places.get(p).copied().unwrap_or(false))
                    else {
                        continue;
                    };
                    if places.len() <= place {
                        places.resize(place + 1, false);
                    }
                    places[place] = true;
                    self.wait_place[i] = Some(place);
                }
                Class::Work => {
                    let work = self.host_work.entry(host.clone()).or_default();
                    if self.working + held >= self.caps.parallel || *work >= self.caps.per_host_work
                    {
                        continue;
                    }
                    *work += 1;
                    self.working += 1;
                }
            }
            self.status[i] = Status::Running;
            started.push(i);
        }
        started
    }

    /// Slots to hold for work that other nodes wait for and that is about to become ready:
    /// its inputs are all running or done (at least one running), as many per host as its
    /// step cap leaves room for.
    fn held_slots(&self) -> usize {
        let mut next: HashMap<&str, usize> = HashMap::new();
        for (i, t) in self.tasks.iter().enumerate() {
            if t.gates
                && t.class == Class::Work
                && self.status[i] == Status::Waiting
                && !self.deps_done(i)
                && t.after
                    .iter()
                    .all(|&d| matches!(self.status[d], Status::Done | Status::Running))
            {
                *next.entry(t.host.as_str()).or_default() += 1;
            }
        }
        next.iter()
            .map(|(host, n)| {
                let busy = self.host_work.get(*host).copied().unwrap_or(0);
                (*n).min(self.caps.per_host_work.saturating_sub(busy))
            })
            .sum()
    }

    /// The place of a running wait on its host (0, 1, ...: the lowest free one when it
    /// started), so that the caller can spread waits over connections.
    pub fn wait_place(&self, i: usize) -> Option<usize> {
        self.wait_place[i]
    }

    fn release(&mut self, i: usize) {
        let host = &self.tasks[i].host;
        match self.tasks[i].class {
            Class::Local => {}
            Class::Wait => {
                if let (Some(p), Some(places)) =
                    (self.wait_place[i].take(), self.host_waits.get_mut(host))
                    && let Some(taken) = places.get_mut(p)
                {
                    *taken = false;
                }
            }
            Class::Work => {
                self.working = self.working.saturating_sub(1);
                if let Some(c) = self.host_work.get_mut(host) {
                    *c = c.saturating_sub(1);
                }
            }
        }
    }

    /// A running (or local) task ended: frees its slot; done or failed. After a failure, call
    /// [`Schedule::block_dependents`].
    pub fn finish(&mut self, i: usize, ok: bool) {
        if self.status[i] == Status::Running {
            self.release(i);
        }
        self.status[i] = if ok { Status::Done } else { Status::Failed };
    }

    /// Every running task goes back to waiting (aborted: it will run again next time);
    /// returns them.
    pub fn interrupt_running(&mut self) -> Vec<usize> {
        let running: Vec<usize> = (0..self.tasks.len())
            .filter(|&i| self.status[i] == Status::Running)
            .collect();
        for &i in &running {
            self.release(i);
            self.status[i] = Status::Waiting;
        }
        running
    }

    /// Blocks every waiting task whose prerequisite failed or is blocked (transitively);
    /// returns (blocked task, the prerequisite that blocks it), in the order they were found.
    pub fn block_dependents(&mut self) -> Vec<(usize, usize)> {
        let mut blocked = Vec::new();
        loop {
            let mut changed = false;
            for i in 0..self.tasks.len() {
                if self.status[i] != Status::Waiting {
                    continue;
                }
                if let Some(&d) = self.tasks[i].after.iter().find(|&&d| {
                    matches!(
                        self.status[d],
                        Status::Failed | Status::Blocked | Status::Excluded
                    )
                }) {
                    self.status[i] = Status::Blocked;
                    blocked.push((i, d));
                    changed = true;
                }
            }
            if !changed {
                return blocked;
            }
        }
    }

    /// Puts failed tasks for which `retry` holds, and every blocked task, back to waiting;
    /// then re-blocks what still cannot run (returned as by [`Schedule::block_dependents`]).
    pub fn retry(&mut self, retry: impl Fn(usize) -> bool) -> Vec<(usize, usize)> {
        for i in 0..self.tasks.len() {
            match self.status[i] {
                Status::Failed if retry(i) => self.status[i] = Status::Waiting,
                Status::Blocked => self.status[i] = Status::Waiting,
                _ => {}
            }
        }
        self.block_dependents()
    }

    /// Whether every task for which `counts` holds is done.
    pub fn all_done(&self, counts: impl Fn(usize) -> bool) -> bool {
        (0..self.tasks.len())
            .filter(|&i| counts(i))
            .all(|i| self.status[i] == Status::Done)
    }

    /// Work tasks running now (for tests and diagnostics).
    #[cfg(test)]
    pub fn working(&self) -> usize {
        self.working
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(host: &str, class: Class, after: Vec<usize>) -> Node {
        Node {
            after,
            host: host.into(),
            class,
            gates: false,
        }
    }

    fn caps(parallel: usize) -> Caps {
        Caps {
            parallel,
            per_host_work: 2,
            per_host_waits: 1,
        }
    }

    fn caps_of(parallel: usize) -> Caps {
        Caps {
            per_host_work: 4,
            ..caps(parallel)
        }
    }

    #[test]
    fn starts_what_is_ready_within_the_caps_in_the_given_order() {
        // a0 -> a1; b0; b1; b2 (b has three independent tasks, 2 per host allowed); w waits.
        let tasks = vec![
            node("a", Class::Work, vec![]),
            node("a", Class::Work, vec![0]),
            node("b", Class::Work, vec![]),
            node("b", Class::Work, vec![]),
            node("b", Class::Work, vec![]),
            node("a", Class::Wait, vec![]),
            node("a", Class::Wait, vec![]),
        ];
        let mut s = Schedule::new(tasks, vec![4, 3, 2, 1, 0, 5, 6], caps(3));
        // b4 and b3 first (order), b2 is over b's cap, a0 fills the third slot; one wait on a.
        assert_eq!(s.start_ready(), vec![4, 3, 0, 5]);
        assert_eq!(s.working(), 3);
        assert_eq!(s.start_ready(), Vec::<usize>::new());
        s.finish(0, true);
        // a1's input is done and a slot is free; b is still at its cap.
        assert_eq!(s.start_ready(), vec![1]);
        s.finish(4, true);
        s.finish(5, true);
        assert_eq!(s.start_ready(), vec![2, 6]);
    }

    #[test]
    fn a_failure_blocks_its_dependents_transitively_and_retry_unblocks_them() {
        let tasks = vec![
            node("a", Class::Work, vec![]),
            node("a", Class::Work, vec![0]),
            node("b", Class::Work, vec![1]),
            node("b", Class::Work, vec![]),
        ];
        let mut s = Schedule::new(tasks, vec![0, 1, 2, 3], caps(4));
        assert_eq!(s.start_ready(), vec![0, 3]);
        s.finish(0, false);
        assert_eq!(s.block_dependents(), vec![(1, 0), (2, 1)]);
        assert_eq!(s.status(2), Status::Blocked);
        s.finish(3, true);
        assert!(s.start_ready().is_empty());
        assert!(!s.all_done(|_| true));
        assert!(s.retry(|i| i == 0).is_empty());
        assert_eq!(s.start_ready(), vec![0]);
        s.finish(0, true);
        assert_eq!(s.start_ready(), vec![1]);
    }

    #[test]
    fn local_tasks_take_no_slot_and_excluded_ones_block() {
        let tasks = vec![
            node("a", Class::Work, vec![]),
            node("a", Class::Local, vec![0]),
            node("a", Class::Work, vec![1]),
            node("b", Class::Work, vec![]),
            node("b", Class::Work, vec![3]),
        ];
        let mut s = Schedule::new(tasks, vec![0, 1, 2, 3, 4], caps(1));
        s.set(3, Status::Excluded);
        assert_eq!(s.block_dependents(), vec![(4, 3)]);
        assert_eq!(s.start_ready(), vec![0]);
        assert!(s.ready_local().is_empty());
        s.finish(0, true);
        assert_eq!(s.ready_local(), vec![1]);
        assert!(s.start_ready().is_empty(), "the local task is the caller's");
        s.finish(1, true);
        assert_eq!(s.start_ready(), vec![2]);
        // Retrying does not bring an excluded task (or what it blocks) into the run.
        assert_eq!(s.retry(|_| true), vec![(4, 3)]);
        assert_eq!(s.status(3), Status::Excluded);
    }

    #[test]
    fn slots_are_held_for_gating_work_whose_inputs_run() {
        // a0 (gates) -> a1, a2 (gate); b0..b5 independent; 8 slots, a quarter (2) may be held.
        let mut tasks = vec![
            Node {
                gates: true,
                ..node("a", Class::Work, vec![])
            },
            Node {
                gates: true,
                ..node("a", Class::Work, vec![0])
            },
            Node {
                gates: true,
                ..node("a", Class::Work, vec![0])
            },
        ];
        for _ in 0..6 {
            tasks.push(node("b", Class::Work, vec![]));
        }
        let caps = Caps {
            parallel: 8,
            per_host_work: 6,
            per_host_waits: 1,
        };
        let mut s = Schedule::new(tasks, (0..9).collect(), caps);
        // a0 runs; a1 and a2 are next: 2 slots held, so 5 of b's 6 steps start.
        assert_eq!(s.start_ready(), vec![0, 3, 4, 5, 6, 7]);
        s.finish(0, true);
        // Both start at once (and b's sixth step takes the last slot).
        assert_eq!(s.start_ready(), vec![1, 2, 8]);
        assert_eq!(s.working(), 8);
        // With 3 slots nothing is held (a quarter of 3 is 0).
        let tasks = vec![
            Node {
                gates: true,
                ..node("a", Class::Work, vec![])
            },
            Node {
                gates: true,
                ..node("a", Class::Work, vec![0])
            },
            node("b", Class::Work, vec![]),
            node("b", Class::Work, vec![]),
        ];
        let mut s = Schedule::new(tasks, vec![0, 1, 2, 3], caps_of(3));
        assert_eq!(s.start_ready(), vec![0, 2, 3]);
    }

    #[test]
    fn waits_take_the_lowest_free_place_on_their_host() {
        let tasks = (0..5).map(|_| node("a", Class::Wait, vec![])).collect();
        let caps = Caps {
            parallel: 1,
            per_host_work: 1,
            per_host_waits: 4,
        };
        let mut s = Schedule::new(tasks, (0..5).collect(), caps);
        assert_eq!(s.start_ready(), vec![0, 1, 2, 3]);
        let places: Vec<_> = (0..5).map(|i| s.wait_place(i)).collect();
        assert_eq!(places, [Some(0), Some(1), Some(2), Some(3), None]);
        s.finish(1, true);
        assert_eq!(s.wait_place(1), None);
        assert_eq!(s.start_ready(), vec![4]);
        assert_eq!(s.wait_place(4), Some(1));
    }

    #[test]
    fn interrupted_tasks_free_their_slots_and_wait_again() {
        let tasks = vec![
            node("a", Class::Work, vec![]),
            node("a", Class::Wait, vec![]),
        ];
        let mut s = Schedule::new(tasks, vec![0, 1], caps(1));
        assert_eq!(s.start_ready(), vec![0, 1]);
        assert_eq!(s.interrupt_running(), vec![0, 1]);
        assert_eq!(s.working(), 0);
        assert_eq!(s.status(0), Status::Waiting);
        assert_eq!(s.start_ready(), vec![0, 1]);
    }
}
