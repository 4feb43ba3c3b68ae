//! The scheduling state of one run, without any I/O: which task may start now. Knows only the
//! DAG (`after`), where each task runs (`host`), what kind of slot it takes ([`Class`]) and
//! the caps; nothing about steps, nodes or SSH, so any pipeline of tasks can use it.
//!
//! A task starts as soon as the tasks it waits for are done (no lock-step phases), at most
//! `parallel` work tasks at once and `per_host_work` per host (waits: `per_host_waits` per
//! host, not counted in `parallel`); when more are ready than may start, the longest remaining
//! path goes first (`plan::order`). A task whose prerequisite failed is blocked.

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
    host_waits: HashMap<String, usize>,
}

impl Schedule {
    /// `order`: every task index once, in the order ready tasks should start.
    pub fn new(tasks: Vec<Node>, order: Vec<usize>, caps: Caps) -> Schedule {
        debug_assert_eq!(order.len(), tasks.len());
        Schedule {
            status: vec![Status::Waiting; tasks.len()],
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
    /// caps allow, longest remaining path first.
    pub fn start_ready(&mut self) -> Vec<usize> {
        let mut started = Vec::new();
        for k in 0..self.order.len() {
            let i = self.order[k];
            if self.status[i] != Status::Waiting || !self.deps_done(i) {
                continue;
            }
            let host = &self.tasks[i].host;
            match self.tasks[i].class {
                Class::Local => continue,
                Class::Wait => {
                    let waits = self.host_waits.entry(host.clone()).or_default();
                    if *waits >= self.caps.per_host_waits {
                        continue;
                    }
                    *waits += 1;
                }
                Class::Work => {
                    let work = self.host_work.entry(host.clone()).or_default();
                    if self.working >= self.caps.parallel || *work >= self.caps.per_host_work {
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

    fn release(&mut self, i: usize) {
        let host = &self.tasks[i].host;
        let count = match self.tasks[i].class {
            Class::Local => return,
            Class::Wait => self.host_waits.get_mut(host),
            Class::Work => {
                self.working = self.working.saturating_sub(1);
                self.host_work.get_mut(host)
            }
        };
        if let Some(c) = count {
            *c = c.saturating_sub(1);
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
        }
    }

    fn caps(parallel: usize) -> Caps {
        Caps {
            parallel,
            per_host_work: 2,
            per_host_waits: 1,
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
