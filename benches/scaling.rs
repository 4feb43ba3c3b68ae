//! Scaling to the critical path (issue 5, item 2; issue 15).
//!
//! `cargo bench --bench scaling` (as root: it starts the test fleet of tests/fleet). The full
//! real pipeline (`engine::start`, the seed's cluster: 1.25.3, calico from
//! ../shared/fixtures/cni/calico-v3.24.6.yaml, aliyun, ipvs) on 3, 10 and 30 simulated nodes
//! whose simulator sleeps a realistic time for each remote action (the profile below). Each
//! size is installed `KW_BENCH_RUNS` times (default 3), each on a fresh fleet; per run:
//! - the wall time of the install;
//! - the critical path: the longest path through the plan's `after` edges, each task weighted
//!   by its duration measured in this run (StepStarted to StepFinished/StepSkipped), and
//!   wall / critical path (1.00 = the scheduler adds nothing to what the DAG requires);
//! - where the wall went: the chain of tasks that ended last, followed back through the input
//!   each waited for last, split into lead-in (run start to its first task), running, waiting
//!   to start with every input done (each such wait named, with which cap was full just
//!   before it started: `--parallel`, the node's step cap, the host's wait cap) and tail
//!   (last task's end to the run's end);
//! - the least wall time any schedule needs with `--parallel` slots (the critical path, or the
//!   work that takes a slot divided by the slots, whichever is longer);
//! - the sum of all task durations (what one person doing node after node would spend);
//! - the 1-minute load average before and after.
//!
//! The table at the end gives median (min-max) over the runs of each size. On 3 nodes, once,
//! the wall time of running the same plan node after node for real, one step at a time as the
//! seed guide has a person do it (the plan with every task chained to the previous one, see
//! `one_at_a_time`; on a fresh fleet), and the speed-up over the median parallel run. On 3 and
//! 10 nodes, after the first run, apply again with the journal removed (as from a new
//! workstation): the wall time of checking every step on its node, and how many steps were
//! applied again (from the nodes' steps.log; 0 expected).
//!
//! Prints figures only: never fails on a slow machine. Env: KW_BENCH_RUNS (default 3),
//! KW_BENCH_SIZES (default "3,10,30"), KW_BENCH_SERIAL_SIZES (default "3"), KW_BENCH_RERUN_SIZES
//! (default "3,10"), KW_BENCH_PARALLEL (default 16, the CLI's default), KW_BENCH_PROFILE
//! (default "pkg_install=0.5,image_pull=0.5,init=4,join=2,node_ready=1").

#[path = "../tests/fleet/mod.rs"]
mod fleet;
#[path = "common/spread.rs"]
mod spread;

#[path = "scaling/analysis.rs"]
mod analysis;

use analysis::{Gap, chain, critical_path, slot_bound};
use fleet::{ConfigOpts, Flavour, Fleet, HostSpec};
use kubewiz::engine::{self, Event, Options};
use kubewiz::plan::{Plan, StepId};
use spread::{Load, loadavg};
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Seconds the simulator sleeps: per package installed (yum/dnf/apt, so a 5-package
/// transaction takes 2.5 s), per image pulled (kubeadm config images pull, crictl pull),
/// kubeadm init, kubeadm join, and from kubelet registration + CNI to the node being Ready.
const DEFAULT_PROFILE: &str = "pkg_install=0.5,image_pull=0.5,init=4,join=2,node_ready=1";

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
    Fleet::start(
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
    )
}

/// What one install run measured.
struct Measured {
    ok: bool,
    wall: Duration,
    /// Per task index: when it started and ended, from the moment the engine was asked to
    /// start (None: never started or never ended, e.g. after a failure).
    starts: Vec<Option<Duration>>,
    ends: Vec<Option<Duration>>,
    /// When RunFinished arrived.
    finished: Duration,
    failures: Vec<String>,
    plan: Plan,
}

impl Measured {
    /// Per task: how long it ran (StepStarted to StepFinished/StepSkipped); 0 if it did not.
    fn durations(&self) -> Vec<Duration> {
        self.starts
            .iter()
            .zip(&self.ends)
            .map(|(s, e)| match (s, e) {
                (Some(s), Some(e)) => e.saturating_sub(*s),
                _ => Duration::ZERO,
            })
            .collect()
    }
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
    let (ok, wall, starts, ends, finished, failures) = rt.block_on(async move {
        let t0 = Instant::now();
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
        let mut starts: Vec<Option<Duration>> = vec![None; n_tasks];
        let mut ends: Vec<Option<Duration>> = vec![None; n_tasks];
        let mut finished = Duration::ZERO;
        let mut failures = Vec::new();
        while let Some(ev) = run.events.recv().await {
            let now = t0.elapsed();
            match ev {
                Event::StepStarted { node, step, .. } => {
                    if let Some(&i) = index.get(&(node, step)) {
                        starts[i] = Some(now);
                    }
                }
                Event::StepFinished { node, step, .. } | Event::StepSkipped { node, step, .. } => {
                    if let Some(&i) = index.get(&(node, step)) {
                        ends[i] = Some(now);
                        starts[i].get_or_insert(now);
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
                Event::RunFinished { .. } => {
                    finished = now;
                    break;
                }
                _ => {}
            }
        }
        let summary = run.done.await.expect("engine task");
        (summary.ok, summary.wall, starts, ends, finished, failures)
    });
    Measured {
        ok,
        wall,
        starts,
        ends,
        finished,
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

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// The figures of one parallel install, for the table.
struct RunFigures {
    ok: bool,
    wall: f64,
    critical: f64,
    bound: f64,
    sum: f64,
    gaps: f64,
    lead_in: f64,
    tail: f64,
    load: Load,
}

/// Runs and prints one parallel install on a fresh fleet of `n` nodes.
fn measure_once(
    n: usize,
    run: usize,
    prof: &[(String, f64)],
    manifest: &std::path::Path,
    parallel: usize,
    rerun: bool,
) -> (RunFigures, Option<(Duration, usize)>) {
    let before = Load::start();
    let t0 = Instant::now();
    let fleet = start_fleet(n, prof);
    let boot = t0.elapsed();
    let work = tempfile::tempdir().expect("tempdir");
    let dir = work.path().join("parallel");
    let m = install(&fleet, &dir, manifest, parallel, false);
    let load = Load::since(before);
    let w = m.durations();
    let (cp, path) = critical_path(&m.plan, &w);
    let sum: Duration = w.iter().sum();
    let bound = slot_bound(&m, &w, cp, parallel);
    let ch = chain(&m, parallel);
    let name = |i: usize| {
        let t = &m.plan.tasks[i];
        format!("{}/{}", t.node, t.step)
    };
    println!(
        "{n:>2} nodes, run {run}: {} in {:.1} s (fleet up in {:.1} s); critical path {:.1} s; wall/critical path {:.3}; sum of task times {:.1} s; least wall with {parallel} slots {:.1} s  [load {:.1} -> {:.1}]",
        if m.ok { "installed" } else { "FAILED" },
        secs(m.wall),
        secs(boot),
        secs(cp),
        secs(m.wall) / secs(cp),
        secs(sum),
        secs(bound),
        load.before,
        load.after,
    );
    println!(
        "    where the wall went, along the chain that ended last ({} tasks): lead-in {:.2} s + running {:.1} s + waiting to start {:.2} s ({} waits) + tail {:.2} s",
        ch.tasks.len(),
        secs(ch.lead_in),
        secs(ch.run),
        secs(ch.gap_total()),
        ch.gaps.len(),
        secs(ch.tail),
    );
    let mut gaps: Vec<&Gap> = ch
        .gaps
        .iter()
        .filter(|g| g.start - g.ready >= Duration::from_millis(20))
        .collect();
    gaps.sort_by_key(|g| std::cmp::Reverse(g.start - g.ready));
    for g in gaps.iter().take(6) {
        println!(
            "      {} ready at {:.2} s, started at {:.2} s (+{:.2} s): {}",
            name(g.task),
            secs(g.ready),
            secs(g.start),
            secs(g.start - g.ready),
            g.cause
        );
    }
    println!(
        "    critical path: {}",
        path.iter()
            .map(|&i| format!("{} {:.1}", name(i), secs(w[i])))
            .collect::<Vec<_>>()
            .join(" -> ")
    );
    for f in m.failures.iter().take(3) {
        println!("    failure: {f}");
    }
    let rerun = rerun.then(|| {
        // A second apply as from a new workstation (the journal gone): every step's check
        // runs on its node, and nothing on the nodes changes.
        std::fs::remove_file(dir.join(".kubewiz/state.json")).expect("the journal");
        let applies = |f: &Fleet| -> usize { f.hosts.iter().map(|h| h.step_applies().len()).sum() };
        let before = applies(&fleet);
        let r = install(&fleet, &dir, manifest, parallel, false);
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
    let figures = RunFigures {
        ok: m.ok,
        wall: secs(m.wall),
        critical: secs(cp),
        bound: secs(bound),
        sum: secs(sum),
        gaps: secs(ch.gap_total()),
        lead_in: secs(ch.lead_in),
        tail: secs(ch.tail),
        load,
    };
    (figures, rerun)
}

/// One row of the table: a size over its runs.
struct Row {
    n: usize,
    runs: Vec<RunFigures>,
    serial: Option<(Duration, Load)>,
    rerun: Option<(Duration, usize)>,
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
    let runs = spread::runs();
    println!(
        "scaling: the seed's cluster (1.25.3, calico, CentOS 7.9 hosts), profile {}, --parallel {parallel}, {runs} run(s) per size on a fresh fleet each; {}; load average at start {}",
        prof.iter()
            .map(|(k, v)| format!("{k}={v}s"))
            .collect::<Vec<_>>()
            .join(" "),
        spread::machine(),
        loadavg()
    );
    let mut rows = Vec::new();
    let serial_sizes = sizes("KW_BENCH_SERIAL_SIZES", "3");
    let rerun_sizes = sizes("KW_BENCH_RERUN_SIZES", "3,10");
    for n in sizes("KW_BENCH_SIZES", "3,10,30") {
        let mut row = Row {
            n,
            runs: Vec::new(),
            serial: None,
            rerun: None,
        };
        for run in 1..=runs {
            let rerun = run == 1 && rerun_sizes.contains(&n);
            let (f, r) = measure_once(n, run, &prof, &manifest, parallel, rerun);
            row.runs.push(f);
            row.rerun = row.rerun.or(r);
        }
        if serial_sizes.contains(&n) {
            let before = Load::start();
            let fleet = start_fleet(n, &prof);
            let work = tempfile::tempdir().expect("tempdir");
            let s = install(&fleet, &work.path().join("serial"), &manifest, 1, true);
            let load = Load::since(before);
            let walls: Vec<f64> = row.runs.iter().map(|r| r.wall).collect();
            println!(
                "{n:>2} nodes node after node (one step at a time): {} in {:.1} s; speed-up of the parallel runs (median) {:.2}x  [load {:.1} -> {:.1}]",
                if s.ok { "installed" } else { "FAILED" },
                secs(s.wall),
                secs(s.wall) / spread::median(&mut walls.clone()),
                load.before,
                load.after
            );
            for f in s.failures.iter().take(3) {
                println!("    failure: {f}");
            }
            row.serial = Some((s.wall, load));
        }
        rows.push(row);
    }
    println!();
    println!(
        "Each cell: median (min-max) over the runs. The wall not on the critical path: the chain that ended last waited to start (gaps) or the run's lead-in and tail."
    );
    println!(
        "| nodes | runs | --parallel | wall (s) | critical path (s) | wall / critical path | waits on the last chain (s) | lead-in + tail (s) | least wall with those slots (s) | sum of task times (s) | node after node (s) | speed-up | re-run without the journal (steps applied again) | load (1 min) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for row in &rows {
        let col = |f: &dyn Fn(&RunFigures) -> f64, prec: usize| {
            spread::show(&row.runs.iter().map(f).collect::<Vec<_>>(), prec)
        };
        let failed = row.runs.iter().filter(|r| !r.ok).count();
        let mut loads: Vec<Load> = row.runs.iter().map(|r| r.load).collect();
        loads.extend(row.serial.map(|(_, l)| l));
        let walls: Vec<f64> = row.runs.iter().map(|r| r.wall).collect();
        println!(
            "| {} | {}{} | {parallel} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            row.n,
            row.runs.len(),
            if failed > 0 {
                format!(" ({failed} FAILED)")
            } else {
                String::new()
            },
            col(&|r| r.wall, 1),
            col(&|r| r.critical, 1),
            col(&|r| r.wall / r.critical, 3),
            col(&|r| r.gaps, 2),
            col(&|r| r.lead_in + r.tail, 2),
            col(&|r| r.bound, 1),
            col(&|r| r.sum, 1),
            row.serial
                .map(|(s, _)| format!("{:.1}", secs(s)))
                .unwrap_or_else(|| "-".into()),
            row.serial
                .map(|(s, _)| format!("{:.2}x", secs(s) / spread::median(&mut walls.clone())))
                .unwrap_or_else(|| "-".into()),
            row.rerun
                .map(|(w, changed)| format!("{:.1} s ({changed})", secs(w)))
                .unwrap_or_else(|| "-".into()),
            spread::load_range(&loads).trim_start_matches("load "),
        );
    }
    println!("load average at end {}", loadavg());
}
