//! Per-step overhead of kubewiz's engine vs ansible-core (issue 5, item 1).
//!
//! `cargo bench --bench overhead` (as root: it starts the test fleet of tests/fleet). 200 no-op
//! remote steps on 1 node and on 10 nodes:
//! - kubewiz: a synthetic plan (per node a chain of 200 tasks, each `after` the previous one)
//!   run by `engine::start_with_plan`: the real scheduler, the real SSH layer (one master
//!   connection per host, one channel per step, the full lib.sh prelude, `timeout bash`)
//!   and a journal save on every transition;
//! - the SSH floor: `true` as many times over the same kind of connection, without engine,
//!   script or journal: the cost of the node's sshd session, which any design with one SSH
//!   command per step pays;
//! - ansible-core (pip-installed by benches/ansible/run.sh into target/bench-ansible): a
//!   playbook of 200 `shell: ":"` tasks, gather_facts off, SSH pipelining, ControlPersist,
//!   forks 10, on the same hosts.
//!
//! Reports the median time per step per node (the gap between one step's end and the next
//! one's on the same node) and wall / (steps x nodes), with the CPU spent per step per node
//! on the workstation and on the hosts, and the 1-minute load average before and after each
//! run. kubewiz and the SSH floor run `KW_BENCH_RUNS` times (default 3), ansible-core
//! `KW_BENCH_ANSIBLE_RUNS` times (default 1: 200 steps on 10 nodes take it minutes); the
//! table gives median (min-max) over the runs. Prints figures only: never fails on a slow
//! machine. Env: KW_BENCH_STEPS (default 200), KW_BENCH_NODES (default "1,10"),
//! KW_BENCH_RUNS, KW_BENCH_ANSIBLE_RUNS, KW_BENCH_ANSIBLE=0 to skip Ansible.

#[path = "../tests/fleet/mod.rs"]
mod fleet;
#[path = "common/spread.rs"]
mod spread;

#[path = "overhead/ansible.rs"]
mod ansible;
#[path = "overhead/cpu.rs"]
mod cpu;

use cpu::CpuMeter;
use fleet::{ConfigOpts, Flavour, Fleet, HostSpec};
use kubewiz::engine::{self, Event, Options};
use kubewiz::plan::{Plan, Script, StepId, Task, TaskKind};
use spread::{Load, loadavg, median, percentile};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The no-op step: check fails (so apply runs, as for a real change), apply does nothing,
/// verify replaces the second check. kw_main still logs the apply to steps.log on the node.
const NOOP: &str = "check() { return 1; }\napply() { :; }\nverify() { :; }\n";

/// Step ids a synthetic task may carry without the engine treating it specially (init starts
/// the join watcher, cni/dashboard upload manifests, join mints secrets, facts/ready/kubeconfig
/// have their own handling). The journal keys records by (node, step), so 200 tasks per node
/// share these 9 records: every transition is still written (and fsynced) to the journal.
const PLAIN_STEPS: [StepId; 9] = [
    StepId::Hostname,
    StepId::Firewall,
    StepId::Swap,
    StepId::Modules,
    StepId::Sysctl,
    StepId::Time,
    StepId::Containerd,
    StepId::Packages,
    StepId::Images,
];

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The fleet's cluster.toml for `nodes` written in `dir`, and the config as `apply` loads it.
fn fleet_config(
    fleet: &Fleet,
    dir: &Path,
    nodes: &[String],
) -> (PathBuf, kubewiz::config::ClusterConfig) {
    let path = fleet.write_config(
        dir,
        &ConfigOpts {
            nodes: Some(nodes.to_vec()),
            ..ConfigOpts::default()
        },
    );
    let config = kubewiz::config::load(&path).expect("load the generated cluster.toml");
    (path, config)
}

/// Figures of one run, in milliseconds.
#[derive(Debug, Clone, Default)]
struct Figures {
    /// Median gap between consecutive step ends on the same node (the first step, which
    /// opens the connection, is excluded).
    median: f64,
    p90: f64,
    /// Wall time of the whole run / steps.
    per_step_total: f64,
    wall: f64,
    /// kubewiz only: median remote execution time (StepFinished.duration) and median gap from
    /// a step's end to the next one's start on that node (scheduler + journal).
    exec_median: Option<f64>,
    gap_median: Option<f64>,
    /// CPU per step per node: on the workstation (the orchestrator process and the processes
    /// it waited for; the daemonized ssh masters are not counted, for either tool) and on the
    /// hosts (sshd, shells, Python, ...).
    local_cpu: f64,
    remote_cpu: f64,
    failed: usize,
}

impl Figures {
    fn failed_note(&self) -> String {
        failed_note(self.failed)
    }
}

fn synthetic_plan(nodes: &[String], steps: usize, body: &'static str) -> Plan {
    let mut tasks = Vec::with_capacity(nodes.len() * steps);
    for node in nodes {
        for k in 0..steps {
            let step = PLAIN_STEPS[k % PLAIN_STEPS.len()];
            let after = if k == 0 {
                vec![]
            } else {
                vec![tasks.len() - 1]
            };
            tasks.push(Task {
                node: node.clone(),
                host: node.clone(),
                step,
                after,
                timeout: Duration::from_secs(120),
                kind: TaskKind::Remote(Script {
                    asset: "noop.sh",
                    env: vec![("KW_STEP".to_string(), step.name().to_string())],
                    secrets: vec![],
                    body,
                }),
            });
        }
    }
    Plan {
        tasks,
        nodes: nodes.to_vec(),
        first_control_plane: nodes[0].clone(),
        preflight_summary: String::new(),
    }
}

fn run_kubewiz(
    fleet: &Fleet,
    dir: &Path,
    nodes: &[String],
    steps: usize,
    body: &'static str,
) -> Figures {
    let (cfg_path, config) = fleet_config(fleet, dir, nodes);
    let plan = synthetic_plan(nodes, steps, body);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let cpu = CpuMeter::start(fleet, nodes, steps);
    let mut fig = rt.block_on(async move {
        let t0 = Instant::now();
        let mut run = engine::start_with_plan(
            &cfg_path,
            config,
            plan,
            Options {
                parallel: nodes.len().max(16),
                only_node: None,
                ..Default::default()
            },
        )
        .expect("start the engine");
        // Per node: (start, end, exec duration) of each step, in order.
        let mut starts: HashMap<String, Vec<Instant>> = HashMap::new();
        let mut ends: HashMap<String, Vec<(Instant, Duration)>> = HashMap::new();
        let mut failed = 0;
        let mut first_failure = None;
        while let Some(ev) = run.events.recv().await {
            let now = Instant::now();
            match ev {
                Event::StepStarted { node, .. } => starts.entry(node).or_default().push(now),
                Event::StepFinished { node, duration, .. } => {
                    ends.entry(node).or_default().push((now, duration))
                }
                Event::StepFailed {
                    node,
                    step,
                    failure,
                } => {
                    failed += 1;
                    first_failure.get_or_insert(format!("{node} {step}: {failure:?}"));
                }
                Event::RunFinished { .. } => break,
                _ => {}
            }
        }
        let summary = run.done.await.expect("engine task");
        let wall = t0.elapsed();
        if let Some(f) = first_failure {
            eprintln!("kubewiz: {failed} step(s) failed, first: {f}");
        }
        let mut cycles = Vec::new();
        let mut execs = Vec::new();
        let mut gaps = Vec::new();
        for node in nodes {
            let e = ends.get(node).map(Vec::as_slice).unwrap_or_default();
            let s = starts.get(node).map(Vec::as_slice).unwrap_or_default();
            for w in e.windows(2) {
                cycles.push((w[1].0 - w[0].0).as_secs_f64() * 1e3);
            }
            for (k, (_, d)) in e.iter().enumerate().skip(1) {
                execs.push(d.as_secs_f64() * 1e3);
                if let Some(st) = s.get(k) {
                    gaps.push(st.saturating_duration_since(e[k - 1].0).as_secs_f64() * 1e3);
                }
            }
        }
        Figures {
            median: median(&mut cycles),
            p90: percentile(&mut cycles, 0.9),
            per_step_total: summary.wall.as_secs_f64() * 1e3 / steps as f64,
            wall: wall.as_secs_f64() * 1e3,
            exec_median: Some(median(&mut execs)),
            gap_median: Some(median(&mut gaps)),
            failed,
            ..Figures::default()
        }
    });
    fig.local_cpu = cpu.workstation();
    fig.remote_cpu = cpu.hosts(fleet, nodes);
    fig
}

/// The floor of any one-SSH-command-per-step design: `true` run `steps` times per node, one
/// after the other, over kubewiz's own connection (openssh native mux, one master per node),
/// nodes in parallel. No engine, no script, no journal: what is left is the SSH channel and
/// the node's sshd session (fork, login shell).
fn run_floor(fleet: &Fleet, dir: &Path, nodes: &[String], steps: usize) -> Figures {
    let (_, config) = fleet_config(fleet, dir, nodes);
    let targets: Vec<kubewiz::ssh::Target> = config
        .nodes
        .iter()
        .map(|n| kubewiz::ssh::Target::new(n, &config.ssh))
        .collect();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let cpu = CpuMeter::start(fleet, nodes, steps);
    let t0 = Instant::now();
    let (cycles, failed) = rt.block_on(async move {
        let mut set = tokio::task::JoinSet::new();
        for t in targets {
            set.spawn(async move {
                let conn = kubewiz::ssh::Connection::open(&t)
                    .await
                    .expect("open the floor connection");
                let mut ends = Vec::with_capacity(steps);
                let mut failed = 0;
                for _ in 0..steps {
                    match conn.run_command("true", &[]).await {
                        Ok((Some(0), _)) => {}
                        _ => failed += 1,
                    }
                    ends.push(Instant::now());
                }
                conn.close().await;
                (ends, failed)
            });
        }
        let mut cycles = Vec::new();
        let mut failed = 0;
        while let Some(r) = set.join_next().await {
            let (ends, f) = r.expect("floor task");
            failed += f;
            for w in ends.windows(2) {
                cycles.push((w[1] - w[0]).as_secs_f64() * 1e3);
            }
        }
        (cycles, failed)
    });
    let wall = t0.elapsed().as_secs_f64() * 1e3;
    let mut cycles = cycles;
    Figures {
        median: median(&mut cycles),
        p90: percentile(&mut cycles, 0.9),
        per_step_total: wall / steps as f64,
        wall,
        local_cpu: cpu.workstation(),
        remote_cpu: cpu.hosts(fleet, nodes),
        failed,
        ..Figures::default()
    }
}

/// One scenario (a tool on `n` nodes) over its runs.
struct Series {
    runs: Vec<Figures>,
    loads: Vec<Load>,
}

impl Series {
    fn new() -> Series {
        Series {
            runs: Vec::new(),
            loads: Vec::new(),
        }
    }

    /// One run of the scenario: the load around it, its line (`who`: the tool, nodes and run;
    /// then its median and p90 per step per node, kubewiz's remote exec and scheduler gap, the
    /// CPU it cost, its wall, the failed steps if any, the load) and its figures kept. A run
    /// that gave no figures (ansible failed to start) is left out.
    fn measure(&mut self, who: &str, run: impl FnOnce() -> Option<Figures>) {
        let before = Load::start();
        let Some(f) = run() else { return };
        let load = Load::since(before);
        let detail = match (f.exec_median, f.gap_median) {
            (Some(exec), Some(gap)) => {
                format!("; remote exec {exec:.1}, scheduler+journal gap {gap:.2}")
            }
            _ => String::new(),
        };
        println!(
            "{who}: median {:.1} ms/step/node (p90 {:.1}{detail}), CPU/step/node: workstation {:.2} ms, host {:.1} ms; total {:.1} s = {:.1} ms/step{}  [load {:.1} -> {:.1}]",
            f.median,
            f.p90,
            f.local_cpu,
            f.remote_cpu,
            f.wall / 1e3,
            f.per_step_total,
            f.failed_note(),
            load.before,
            load.after,
        );
        self.runs.push(f);
        self.loads.push(load);
    }

    fn spread(&self, f: impl Fn(&Figures) -> f64) -> Option<spread::Spread> {
        spread::Spread::of(&self.runs.iter().map(f).collect::<Vec<_>>())
    }

    /// `median (min-max)` of a figure over the runs.
    fn show(&self, f: impl Fn(&Figures) -> f64, prec: usize) -> String {
        self.spread(f).map_or_else(|| "-".into(), |s| s.show(prec))
    }

    /// The median over the runs of the per-run median ms/step/node.
    fn median(&self) -> f64 {
        self.spread(|f| f.median).map_or(f64::NAN, |s| s.median)
    }

    fn failed(&self) -> usize {
        self.runs.iter().map(|f| f.failed).sum()
    }
}

/// ", N FAILED" when steps failed (their figures are then not comparable), else nothing.
fn failed_note(failed: usize) -> String {
    if failed > 0 {
        format!(", {failed} FAILED")
    } else {
        String::new()
    }
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument is not supported (one scenario set).
    if fleet::require_root_or_skip().is_none() {
        return;
    }
    let steps = env_usize("KW_BENCH_STEPS", 200);
    let sizes: Vec<usize> = std::env::var("KW_BENCH_NODES")
        .unwrap_or_else(|_| "1,10".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let with_ansible = std::env::var("KW_BENCH_ANSIBLE").as_deref() != Ok("0");
    let runs = spread::runs();
    let ansible_runs = env_usize("KW_BENCH_ANSIBLE_RUNS", 1).max(1);
    let max = sizes.iter().copied().max().unwrap_or(1);
    println!(
        "overhead: {steps} no-op remote steps per node; kubewiz and the SSH floor {runs} run(s) each, ansible-core {ansible_runs}; {}; load average at start {}",
        spread::machine(),
        loadavg()
    );
    if with_ansible {
        ansible::setup();
    }
    let t0 = Instant::now();
    let fleet = Fleet::start(
        (1..=max)
            .map(|i| HostSpec::new(&format!("n{i:02}"), Flavour::Rocky9))
            .collect(),
    );
    println!(
        "fleet of {max} hosts up in {:.1} s",
        t0.elapsed().as_secs_f64()
    );
    if let Some(secs) = std::env::var("KW_BENCH_HOLD")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        // A debugging aid: keep the fleet up for experiments by hand.
        for h in &fleet.hosts {
            println!("{} {}", h.name, h.address);
        }
        println!(
            "key {} known_hosts {}; holding for {secs} s",
            fleet.client_key().display(),
            fleet.known_hosts_path().display()
        );
        std::thread::sleep(Duration::from_secs(secs));
    }
    let work = tempfile::tempdir().expect("tempdir");
    let mut rows = Vec::new();
    for &n in &sizes {
        let nodes: Vec<String> = fleet.hosts[..n].iter().map(|h| h.name.clone()).collect();
        let mut kw = Series::new();
        let mut floor = Series::new();
        for run in 1..=runs {
            kw.measure(&format!("kubewiz  {n:>2} node(s), run {run}"), || {
                Some(run_kubewiz(
                    &fleet,
                    &work.path().join(format!("kw{n}-{run}")),
                    &nodes,
                    steps,
                    NOOP,
                ))
            });
            floor.measure(
                &format!(
                    "ssh floor {n:>2} node(s), run {run}: `true` per step on the same kind of connection"
                ),
                || {
                    Some(run_floor(
                        &fleet,
                        &work.path().join(format!("floor{n}-{run}")),
                        &nodes,
                        steps,
                    ))
                },
            );
        }
        let mut an: Vec<(&str, Series)> = Vec::new();
        if with_ansible {
            // With one host the two strategies are the same thing.
            let strategies: &[&str] = if n == 1 {
                &["linear"]
            } else {
                &["linear", "free"]
            };
            for &strategy in strategies {
                let mut series = Series::new();
                for run in 1..=ansible_runs {
                    let dir = work.path().join(format!("ansible-{strategy}-{n}-{run}"));
                    let _ = std::fs::create_dir_all(&dir);
                    series.measure(
                        &format!("ansible  {n:>2} node(s), strategy {strategy:<6}, run {run}"),
                        || ansible::run_ansible(&fleet, &dir, &nodes, steps, strategy),
                    );
                }
                if !series.runs.is_empty() {
                    an.push((strategy, series));
                }
            }
        }
        rows.push((n, kw, floor, an));
    }
    println!();
    println!(
        "Each cell: median (min-max) over the runs of each run's median ms per step per node; in brackets wall / (steps x nodes). Ratios are of the medians."
    );
    println!(
        "| nodes | runs (kubewiz, ansible) | kubewiz ms/step/node | kubewiz wall / (steps x nodes) | SSH floor: `true` per step | ansible-core linear | ansible-core free | ratio ansible / kubewiz | CPU ms/step/node, workstation + hosts (medians): kubewiz / SSH floor / best ansible | load (1 min) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for (n, kw, floor, an) in &rows {
        let get = |s: &str| an.iter().find(|(st, _)| *st == s).map(|(_, f)| f);
        let cell = |f: Option<&Series>| {
            f.map(|f| format!("{}{}", f.show(|r| r.median, 1), failed_note(f.failed())))
                .unwrap_or_else(|| "-".into())
        };
        let per_wall = |r: &Figures| r.wall / (steps * n) as f64;
        let cpu = |f: Option<&Series>| {
            f.map(|f| {
                let l = f.spread(|r| r.local_cpu).map_or(f64::NAN, |s| s.median);
                let h = f.spread(|r| r.remote_cpu).map_or(f64::NAN, |s| s.median);
                format!("{l:.1} + {h:.1}")
            })
            .unwrap_or_else(|| "-".into())
        };
        let best = an
            .iter()
            .map(|(_, f)| f)
            .min_by(|a, b| a.median().total_cmp(&b.median()));
        let ratios: Vec<String> = ["linear", "free"]
            .iter()
            .filter_map(|s| get(s).map(|f| format!("{:.1}x {s}", f.median() / kw.median())))
            .collect();
        let mut loads: Vec<Load> = kw.loads.clone();
        loads.extend(floor.loads.iter().copied());
        for (_, f) in an {
            loads.extend(f.loads.iter().copied());
        }
        println!(
            "| {n} | {}, {} | {} | {} | {} ({}) | {} | {} | {} | {} / {} / {} | {} |",
            kw.runs.len(),
            an.first().map_or(0, |(_, f)| f.runs.len()),
            cell(Some(kw)),
            kw.show(per_wall, 1),
            cell(Some(floor)),
            floor.show(per_wall, 1),
            cell(get("linear")),
            cell(get("free")),
            if ratios.is_empty() {
                "-".to_string()
            } else {
                ratios.join(", ")
            },
            cpu(Some(kw)),
            cpu(Some(floor)),
            cpu(best),
            spread::load_range(&loads).trim_start_matches("load "),
        );
    }
    println!("load average at end {}", loadavg());
}
