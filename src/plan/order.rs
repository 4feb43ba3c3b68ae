//! Which ready task starts first: the one with the longest path still ahead of it.
//!
//! When more tasks are ready than `--parallel` lets run, starting them in plan order (node by
//! node) would let thirty workers' image pulls take the slots while the first control plane's
//! chain to `kubeadm init` waits. List scheduling by the longest remaining path (each task
//! weighted by [`super::StepId::typical_secs`]) keeps the critical path moving first; with free
//! slots the order does not matter.

use super::Plan;

/// For each task: its own typical duration plus the longest chain of typical durations of
/// the tasks that (transitively) wait for it.
pub fn remaining_path(plan: &Plan) -> Vec<u64> {
    remaining_path_with(plan, |i| u64::from(plan.tasks[i].step.typical_secs()))
}

/// [`remaining_path`] with the given weight per task (the scaling benchmark passes measured
/// durations to find the critical path).
pub fn remaining_path_with(plan: &Plan, weight: impl Fn(usize) -> u64) -> Vec<u64> {
    let n = plan.tasks.len();
    let mut waiting_for_me: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut open_successors = vec![0usize; n];
    for (i, t) in plan.tasks.iter().enumerate() {
        for &d in &t.after {
            waiting_for_me[d].push(i);
            open_successors[d] += 1;
        }
    }
    // Reverse topological order: a task is finished once every task waiting for it is.
    let mut stack: Vec<usize> = (0..n).filter(|&i| open_successors[i] == 0).collect();
    let mut path = vec![0u64; n];
    while let Some(i) = stack.pop() {
        let tail = waiting_for_me[i]
            .iter()
            .map(|&s| path[s])
            .max()
            .unwrap_or(0);
        path[i] = weight(i) + tail;
        for &d in &plan.tasks[i].after {
            open_successors[d] -= 1;
            if open_successors[d] == 0 {
                stack.push(d);
            }
        }
    }
    path
}

/// For each task: whether a task of another node waits for it, directly or through others
/// (every node's facts, which every preflight reads; the first control plane's way to init,
/// which every join waits for; its CNI, which every node's Ready waits for). The scheduler
/// keeps slots for these (`engine::schedule`): a node's own steps can wait, what the others
/// wait for cannot.
pub fn gates_other_nodes(plan: &Plan) -> Vec<bool> {
    let n = plan.tasks.len();
    let mut waiting_for_me: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, t) in plan.tasks.iter().enumerate() {
        for &d in &t.after {
            waiting_for_me[d].push(i);
        }
    }
    // Each task's successors are settled before it: `remaining_path`'s reverse topological
    // order, by the same count of open successors.
    let mut open: Vec<usize> = waiting_for_me.iter().map(Vec::len).collect();
    let mut stack: Vec<usize> = (0..n).filter(|&i| open[i] == 0).collect();
    let mut gates = vec![false; n];
    while let Some(i) = stack.pop() {
        gates[i] = waiting_for_me[i]
            .iter()
            .any(|&s| gates[s] || plan.tasks[s].node != plan.tasks[i].node);
        for &d in &plan.tasks[i].after {
            open[d] -= 1;
            if open[d] == 0 {
                stack.push(d);
            }
        }
    }
    gates
}

/// Task indexes, longest remaining path first (plan order among equals).
pub fn start_order(plan: &Plan) -> Vec<usize> {
    let path = remaining_path(plan);
    let mut order: Vec<usize> = (0..plan.tasks.len()).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(path[i]), i));
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{StepId, Task, TaskKind};
    use std::time::Duration;

    fn task(node: &str, step: StepId, after: Vec<usize>) -> Task {
        Task {
            node: node.into(),
            host: node.into(),
            step,
            after,
            timeout: Duration::from_secs(1),
            kind: TaskKind::Local,
        }
    }

    fn plan(tasks: Vec<Task>) -> Plan {
        Plan {
            tasks,
            nodes: vec![],
            first_control_plane: "cp".into(),
            preflight_summary: String::new(),
        }
    }

    #[test]
    fn the_chain_to_init_goes_before_a_workers_long_step() {
        // 0 cp/packages -> 1 cp/init -> 2 w/join ; 3 w/images (alone, but long)
        let p = plan(vec![
            task("cp", StepId::Packages, vec![]),
            task("cp", StepId::Init, vec![0]),
            task("w", StepId::Join, vec![1, 3]),
            task("w", StepId::Images, vec![]),
        ]);
        assert_eq!(remaining_path(&p), vec![150, 90, 30, 120]);
        assert_eq!(start_order(&p), vec![0, 3, 1, 2]);
    }

    #[test]
    fn what_other_nodes_wait_for_gates_them() {
        // cp: 0 packages -> 1 init -> 3 cni, 2 dashboard after cni; w: 4 images -> 5 join
        // (after cp's init) -> 6 ready (on cp, w's own, after cp's cni).
        let p = plan(vec![
            task("cp", StepId::Packages, vec![]),
            task("cp", StepId::Init, vec![0]),
            task("cp", StepId::Dashboard, vec![3]),
            task("cp", StepId::Cni, vec![1]),
            task("w", StepId::Images, vec![]),
            task("w", StepId::Join, vec![1, 4]),
            task("w", StepId::Ready, vec![5, 3]),
        ]);
        assert_eq!(
            gates_other_nodes(&p),
            [true, true, false, true, false, false, false]
        );
    }

    #[test]
    fn in_the_seed_plan_the_control_planes_way_to_init_and_every_facts_gate() {
        let cfg: crate::config::ClusterConfig =
            toml::from_str(include_str!("../../config.sample.toml")).unwrap();
        let p = crate::plan::build(&cfg, crate::catalog::Catalog::builtin()).unwrap();
        let gates = gates_other_nodes(&p);
        for (t, g) in p.tasks.iter().zip(&gates) {
            let cp = t.node == p.first_control_plane;
            let expected = t.step == StepId::Facts
                || cp
                    && !matches!(
                        t.step,
                        StepId::Ready | StepId::Dashboard | StepId::Kubeconfig
                    );
            assert_eq!(*g, expected, "{} {}", t.node, t.step);
        }
    }

    #[test]
    fn measured_weights_give_the_critical_path() {
        let p = plan(vec![
            task("a", StepId::Facts, vec![]),
            task("a", StepId::Swap, vec![0]),
            task("b", StepId::Swap, vec![0]),
        ]);
        let w = [5u64, 7, 2];
        assert_eq!(remaining_path_with(&p, |i| w[i]), vec![12, 7, 2]);
    }

    #[test]
    fn the_seed_plan_starts_with_facts_and_puts_the_control_plane_chain_first() {
        let cfg: crate::config::ClusterConfig =
            toml::from_str(include_str!("../../config.sample.toml")).unwrap();
        let p = crate::plan::build(&cfg, crate::catalog::Catalog::builtin()).unwrap();
        let order = start_order(&p);
        assert_eq!(p.tasks[order[0]].step, StepId::Facts);
        // Among the package steps ready after preflight, the control plane's come first
        // (they lead to init, which every join waits for).
        let first_containerd = order
            .iter()
            .map(|&i| &p.tasks[i])
            .find(|t| t.step == StepId::Containerd)
            .unwrap();
        assert_eq!(first_containerd.node, p.first_control_plane);
    }
}
