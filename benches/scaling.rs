//! Scaling to the critical path (issue 5, item 2).
//!
//! `cargo bench --bench scaling` (as root: it starts the test fleet of tests/fleet). The full
//! real pipeline (`engine::start`, the seed's cluster: 1.25.3, calico from
//! ../shared/fixtures/cni/calico-v3.24.6.yaml, aliyun, ipvs) on 3, 10 and 30 simulated nodes
//! whose simulator sleeps a realistic time for each remote action (the profile below). For
//! each size it reports:
//! - the wall time of the install;
//! - the critical path: the longest path through the plan's `after` edges, each task weighted
//!   by its duration measured in this run (StepStarted to StepFinished/StepSkipped), and
//!   wall / critical path (1.00 = the scheduler adds nothing to what the DAG requires);
//! - the least wall time any schedule needs with `--parallel` slots (the critical path, or the
//!   work that takes a slot divided by the slots, whichever is longer) and wall / that;
//! - the sum of all task durations (what one person doing node after node would spend).
//!
//! And, on 3 nodes, the wall time of running the same plan node after node for real, one step
//! at a time as the seed guide has a person do it (the plan with every task chained to the
//! previous one, see `one_at_a_time`; on a fresh fleet), and the speed-up.
//!
//! On 3 and 10 nodes it also re-runs apply with the journal removed (as from a new
//! workstation): the wall time of checking every step on its node, and how many steps were
//! applied again (from the nodes' steps.log; 0 expected).
//!
//! Prints figures only: never fails on a slow machine. Env: KW_BENCH_SIZES (default "3,10,30"),
//! KW_BENCH_SERIAL_SIZES (default "3"), KW_BENCH_RERUN_SIZES (default "3,10"), KW_BENCH_PARALLEL
//! (default 16, the CLI's default), KW_BENCH_PROFILE (default "pkg_install=0.5,image_pull=0.5,init=4,join=2,node_ready=1").

#[path = "../tests/fleet/mod.rs"]
mod fleet;

use fleet::{ConfigOpts, Flavour, Fleet, HostSpec};
use kubewiz::engine::{self, Event, Options};
use kubewiz::plan::{Plan, StepId};
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Seconds the simulator sleeps: per package installed (yum/dnf/apt, so a 5-package
/// transaction takes 2.5 s), per image pulled (kubeadm config images pull, crictl pull),
/// kubeadm init, kubeadm join, and from kubelet registration + CNI to the node being Ready.
const DEFAULT_PROFILE: &str = "pkg_install=0.5,image_pull=0.5,init=4,join=2,node_ready=1";

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn sizes(var: &str, default: &str) -> Vec<usize> {
    std::env::var(var)
        .unwrap_or_else(|_| default.into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect()
}

fn profile() -> Vec<(String, f64)> {
    std::env::var("KW_BENCH_PROFILE")
        .unwrap_or_else(|_| DEFAULT_PROFILE.into())
        .split(',')
        .filter_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            Some((k.trim().to_string(), v.trim().parse().ok()?))
        })
        .collect()
}

fn calico() -> Option<PathBuf> {
    let p = fleet::fixtures_dir().join("cni/calico-v3.24.6.yaml");
    if p.exists() {
        return Some(p);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("CI=true but the fixture {} is missing", p.display());
    }
    eprintln!("SKIPPED: fixture {} not found", p.display());
    None
}

fn start_fleet(n: usize, prof: &[(String, f64)]) -> Fleet {
    let fleet = Fleet::start(
        (0..n)
            .map(|i| {
                let name = if i == 0 {
                    "k8s-master".to_string()
                } else {
                    format!("k8s-node{i:02}")
                };
                prof.iter()
                    .fold(HostSpec::new(&name, Flavour::Centos7), |h, (k, v)| {
                        h.profile(k, *v)
                    })
            })
            .collect(),
    );
    fresh_root_bashrc(&fleet);
    fleet
}

/// The fleet's hosts overlay the workstation's /root, so an ssh session there sources this
/// machine's ~/.bashrc (here: `pyenv init`, ~170 processes and ~120 ms of CPU per session,
/// for kubewiz and Ansible alike). A fresh machine has the distribution's skeleton instead.
fn fresh_root_bashrc(fleet: &Fleet) {
    let skel = std::fs::read_to_string("/etc/skel/.bashrc").unwrap_or_default();
    for h in &fleet.hosts {
        h.write_file("/root/.bashrc", &skel);
    }
}

/// What one install run measured.
struct Measured {
    ok: bool,
    wall: Duration,
    /// Per task index: measured duration (None: never started, e.g. after a failure).
    durations: Vec<Option<Duration>>,
    failures: Vec<String>,
    plan: Plan,
}

fn install(
    fleet: &Fleet,
    dir: &std::path::Path,
    manifest: &std::path::Path,
    parallel: usize,
    node_after_node: bool,
) -> Measured {
    let cfg_path = fleet.write_config(
        dir,
        &ConfigOpts {
            cni_manifest: Some(manifest.to_path_buf()),
            ..ConfigOpts::default()
        },
    );
    let config = kubewiz::config::load(&cfg_path).expect("load the generated cluster.toml");
    let mut plan = kubewiz::plan::build(&config, kubewiz::catalog::Catalog::builtin())
        .expect("plan the generated cluster");
    if node_after_node {
        plan = one_at_a_time(plan);
    }
    let index: HashMap<(String, StepId), usize> = plan
        .tasks
        .iter()
        .enumerate()
        .map(|(i, t)| ((t.node.clone(), t.step), i))
        .collect();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let n_tasks = plan.tasks.len();
    let run_plan = plan.clone();
    let (ok, wall, durations, failures) = rt.block_on(async move {
        let mut run = engine::start_with_plan(
            &cfg_path,
            config,
            run_plan,
            Options {
                parallel,
                only_node: None,
                ..Default::default()
            },
        )
        .expect("start the engine");
        let mut started: Vec<Option<Instant>> = vec![None; n_tasks];
        let mut durations: Vec<Option<Duration>> = vec![None; n_tasks];
        let mut failures = Vec::new();
        while let Some(ev) = run.events.recv().await {
            let now = Instant::now();
            match ev {
                Event::StepStarted { node, step, .. } => {
                    if let Some(&i) = index.get(&(node, step)) {
                        started[i] = Some(now);
                    }
                }
                Event::StepFinished { node, step, .. } | Event::StepSkipped { node, step, .. } => {
                    if let Some(&i) = index.get(&(node, step)) {
                        durations[i] = Some(
                            started[i]
                                .map(|s| now.saturating_duration_since(s))
                                .unwrap_or_default(),
                        );
                    }
                }
                Event::StepFailed {
                    node,
                    step,
                    failure,
                } => failures.push(format!(
                    "{node} {step}: {} {}",
                    failure.error,
                    failure.tail.join(" | ")
                )),
                Event::RunFinished { .. } => break,
                _ => {}
            }
        }
        let summary = run.done.await.expect("engine task");
        (summary.ok, summary.wall, durations, failures)
    });
    Measured {
        ok,
        wall,
        durations,
        failures,
        plan,
    }
}

/// The same plan done the way the seed guide has a person do it: one step at a time, node
/// after node (each node as far as it can go before the next one; preflight still needs every
/// node's facts, and joins need the control plane). Each task gets the previous one in that
/// order as an extra `after` edge, so even the waits (`ready`) run alone.
fn one_at_a_time(mut plan: Plan) -> Plan {
    let node_rank: HashMap<String, usize> = plan
        .nodes
        .iter()
        .enumerate()
        .map(|(k, n)| (n.clone(), k))
        .collect();
    let n = plan.tasks.len();
    let mut done = vec![false; n];
    let mut order = Vec::with_capacity(n);
    while order.len() < n {
        let next = (0..n)
            .filter(|&i| !done[i] && plan.tasks[i].after.iter().all(|&d| done[d]))
            .min_by_key(|&i| (node_rank[&plan.tasks[i].node], plan.tasks[i].step, i))
            .expect("the plan is a DAG");
        done[next] = true;
        order.push(next);
    }
    for w in order.windows(2) {
        plan.tasks[w[1]].after.push(w[0]);
    }
    plan
}

/// Longest path through the `after` edges, each task weighted by its measured duration: the
/// scheduler's own `plan::order::remaining_path_with` (in microseconds), walked from the task
/// with the longest path ahead down through the successor that carries it.
fn critical_path(plan: &Plan, w: &[Duration]) -> (Duration, Vec<usize>) {
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
fn slot_bound(m: &Measured, w: &[Duration], cp: Duration, parallel: usize) -> Duration {
    let work: Duration = m
        .plan
        .tasks
        .iter()
        .zip(w)
        .filter(|(t, _)| !matches!(t.step, StepId::Ready | StepId::Kubeconfig))
        .map(|(_, d)| *d)
        .sum();
    cp.max(work / parallel.max(1) as u32)
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn main() {
    if fleet::require_root_or_skip().is_none() {
        return;
    }
    let Some(manifest) = calico() else { return };
    let prof = profile();
    let parallel: usize = std::env::var("KW_BENCH_PARALLEL")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(16);
    println!(
        "scaling: the seed's cluster (1.25.3, calico, CentOS 7.9 hosts), profile {}, --parallel {parallel}; load average at start {}",
        prof.iter()
            .map(|(k, v)| format!("{k}={v}s"))
            .collect::<Vec<_>>()
            .join(" "),
        loadavg()
    );
    let mut rows = Vec::new();
    let serial_sizes = sizes("KW_BENCH_SERIAL_SIZES", "3");
    let rerun_sizes = sizes("KW_BENCH_RERUN_SIZES", "3,10");
    for n in sizes("KW_BENCH_SIZES", "3,10,30") {
        let t0 = Instant::now();
        let fleet = start_fleet(n, &prof);
        let boot = t0.elapsed();
        let work = tempfile::tempdir().expect("tempdir");
        let m = install(
            &fleet,
            &work.path().join("parallel"),
            &manifest,
            parallel,
            false,
        );
        let w: Vec<Duration> = m.durations.iter().map(|d| d.unwrap_or_default()).collect();
        let (cp, path) = critical_path(&m.plan, &w);
        let sum: Duration = w.iter().sum();
        let bound = slot_bound(&m, &w, cp, parallel);
        println!(
            "{n:>2} nodes: {} in {:.1} s (fleet up in {:.1} s); critical path {:.1} s; wall/critical path {:.3}; sum of task times {:.1} s  [load {}]",
            if m.ok { "installed" } else { "FAILED" },
            secs(m.wall),
            secs(boot),
            secs(cp),
            secs(m.wall) / secs(cp),
            secs(sum),
            loadavg()
        );
        println!(
            "    least wall with {parallel} slots (critical path, or work / slots): {:.1} s (wall / that {:.3})",
            secs(bound),
            secs(m.wall) / secs(bound)
        );
        println!(
            "    critical path: {}",
            path.iter()
                .map(|&i| {
                    let t = &m.plan.tasks[i];
                    format!("{}/{} {:.1}", t.node, t.step, secs(w[i]))
                })
                .collect::<Vec<_>>()
                .join(" -> ")
        );
        for f in m.failures.iter().take(3) {
            println!("    failure: {f}");
        }
        let rerun = rerun_sizes.contains(&n).then(|| {
            // A second apply as from a new workstation (the journal gone): every step's check
            // runs on its node, and nothing on the nodes changes.
            let dir = work.path().join("parallel");
            std::fs::remove_file(dir.join(".kubewiz/state.json")).expect("the journal");
            let applies = |f: &Fleet| -> usize { f.hosts.iter().map(|h| h.step_applies().len()).sum() };
            let before = applies(&fleet);
            let r = install(&fleet, &dir, &manifest, parallel, false);
            let changed = applies(&fleet) - before;
            println!(
                "{n:>2} nodes re-run without the journal: {} in {:.1} s, {changed} step(s) applied again  [load {}]",
                if r.ok { "converged" } else { "FAILED" },
                secs(r.wall),
                loadavg()
            );
            for f in r.failures.iter().take(3) {
                println!("    failure: {f}");
            }
            (r.wall, changed)
        });
        drop(fleet);
        let serial = if serial_sizes.contains(&n) {
            let fleet = start_fleet(n, &prof);
            let s = install(&fleet, &work.path().join("serial"), &manifest, 1, true);
            println!(
                "{n:>2} nodes node after node (one step at a time): {} in {:.1} s; speed-up of the parallel run {:.2}x  [load {}]",
                if s.ok { "installed" } else { "FAILED" },
                secs(s.wall),
                secs(s.wall) / secs(m.wall),
                loadavg()
            );
            for f in s.failures.iter().take(3) {
                println!("    failure: {f}");
            }
            Some(s.wall)
        } else {
            None
        };
        rows.push((n, m.ok, m.wall, cp, bound, sum, serial, rerun));
    }
    println!();
    println!(
        "| nodes | --parallel | wall | critical path (plan) | wall / critical path | least wall with those slots (wall / that) | sum of task times | node after node (one step at a time) | speed-up | re-run without the journal (steps applied again) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for (n, ok, wall, cp, bound, sum, serial, rerun) in rows {
        println!(
            "| {n} | {parallel} | {:.1} s{} | {:.1} s | {:.3} | {:.1} s ({:.3}) | {:.1} s | {} | {} | {} |",
            secs(wall),
            if ok { "" } else { " (FAILED)" },
            secs(cp),
            secs(wall) / secs(cp),
            secs(bound),
            secs(wall) / secs(bound),
            secs(sum),
            serial
                .map(|s| format!("{:.1} s", secs(s)))
                .unwrap_or_else(|| "-".into()),
            serial
                .map(|s| format!("{:.2}x", secs(s) / secs(wall)))
                .unwrap_or_else(|| "-".into()),
            rerun
                .map(|(w, changed)| format!("{:.1} s ({changed})", secs(w)))
                .unwrap_or_else(|| "-".into()),
        );
    }
    println!("load average at end {}", loadavg());
}
