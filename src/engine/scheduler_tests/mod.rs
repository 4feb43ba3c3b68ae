//! The run loop on the in-process fake transport, with tokio's clock paused: retry windows and
//! backoffs take no real time. Plans are small synthetic DAGs of real step ids (the journal is
//! keyed by them); each test says which journal state or command it is about.

use super::journal::{Journal, StepState};
use super::run::start_with_transport;
use super::transport::fake::{Fake, Reply, good_facts};
use super::{Command, Event, Options, Summary};
use crate::config::ClusterConfig;
use crate::plan::{Plan, Script, SecretSlot, StepId, Task, TaskKind};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;

mod caps;
mod commands;
mod journal;

const BODY: &str = "check() { return 1; }\napply() { :; }\n";

struct Cluster {
    _dir: tempfile::TempDir,
    path: PathBuf,
    cfg: ClusterConfig,
    fake: Fake,
}

/// cp (control plane), w1, w2.
fn cluster() -> Cluster {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cluster.toml");
    let text = crate::config::test_toml("1.28.2", 2);
    std::fs::write(&path, &text).unwrap();
    let cfg = crate::config::parse_and_validate(&text, &path).expect("valid config");
    Cluster {
        _dir: dir,
        path,
        cfg,
        fake: Fake::new(),
    }
}

fn remote(node: &str, step: StepId, after: Vec<usize>) -> Task {
    Task {
        node: node.into(),
        host: node.into(),
        step,
        after,
        timeout: Duration::from_secs(60),
        kind: TaskKind::Remote(Script {
            asset: "test.sh",
            env: vec![
                ("KW_STEP".into(), step.name().into()),
                ("KW_NODE".into(), node.into()),
            ],
            secrets: vec![],
            body: BODY,
        }),
    }
}

fn plan(tasks: Vec<Task>) -> Plan {
    Plan {
        tasks,
        nodes: vec!["cp".into(), "w1".into(), "w2".into()],
        first_control_plane: "cp".into(),
        preflight_summary: String::new(),
    }
}

/// Per node: hostname -> swap -> containerd; w1 and w2's containerd also wait for cp's.
fn chains() -> Plan {
    let mut tasks = Vec::new();
    for node in ["cp", "w1", "w2"] {
        let base = tasks.len();
        tasks.push(remote(node, StepId::Hostname, vec![]));
        tasks.push(remote(node, StepId::Swap, vec![base]));
        let mut after = vec![base + 1];
        if node != "cp" {
            after.push(2);
        }
        tasks.push(remote(node, StepId::Containerd, after));
    }
    plan(tasks)
}

/// facts on every node -> preflight (local, per node, waits for every node's facts) ->
/// hostname on each node.
fn with_preflight() -> Plan {
    let mut tasks: Vec<Task> = ["cp", "w1", "w2"]
        .iter()
        .map(|n| remote(n, StepId::Facts, vec![]))
        .collect();
    for n in ["cp", "w1", "w2"] {
        let mut t = remote(n, StepId::Preflight, vec![0, 1, 2]);
        t.kind = TaskKind::Local;
        tasks.push(t);
    }
    for (k, n) in ["cp", "w1", "w2"].iter().enumerate() {
        tasks.push(remote(n, StepId::Hostname, vec![3 + k]));
    }
    plan(tasks)
}

impl Cluster {
    fn start(&self, plan: Plan, options: Options) -> super::Run {
        let fake = Arc::new(self.fake.clone());
        start_with_transport(&self.path, self.cfg.clone(), plan, options, fake).expect("run starts")
    }
}

/// Runs `plan` to the end; `react` sees every event and may send commands.
async fn run_with(
    c: &Cluster,
    plan: Plan,
    options: Options,
    mut react: impl FnMut(&Event, &UnboundedSender<Command>),
) -> (Summary, Vec<Event>) {
    let mut run = c.start(plan, options);
    let mut events = Vec::new();
    while let Some(ev) = run.events.recv().await {
        react(&ev, &run.commands);
        let last = matches!(ev, Event::RunFinished { .. });
        events.push(ev);
        if last {
            break;
        }
    }
    (run.done.await.expect("run task"), events)
}

async fn run(c: &Cluster, plan: Plan) -> (Summary, Vec<Event>) {
    run_with(c, plan, Options::default(), |_, _| {}).await
}

fn journal(c: &Cluster) -> Journal {
    Journal::load(&super::journal::state_dir(&c.path))
        .unwrap()
        .expect("a journal")
}

fn state(c: &Cluster, node: &str, step: StepId) -> Option<StepState> {
    journal(c).step(node, step).map(|r| r.state)
}

fn started(events: &[Event]) -> Vec<(String, StepId)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::StepStarted { node, step, .. } => Some((node.clone(), *step)),
            _ => None,
        })
        .collect()
}

#[tokio::test(start_paused = true)]
async fn success_runs_every_step_once_in_dependency_order() {
    let c = cluster();
    let (summary, events) = run(&c, chains()).await;
    assert!(summary.ok, "{summary:?}");
    assert!(!summary.interrupted);
    assert_eq!(summary.durations.len(), 9);
    for node in ["cp", "w1", "w2"] {
        assert_eq!(
            c.fake.steps_of(node),
            ["hostname", "swap", "containerd"],
            "{node}"
        );
        for step in [StepId::Hostname, StepId::Swap, StepId::Containerd] {
            let j = journal(&c);
            let rec = j.step(node, step).expect("recorded");
            assert_eq!(
                (rec.state, rec.attempts, rec.exit_code),
                (StepState::Done, 1, Some(0))
            );
        }
    }
    // Workers' containerd waited for the control plane's.
    let calls = c.fake.calls();
    let pos = |n: &str, s: &str| calls.iter().position(|x| x.node == n && x.step == s);
    assert!(pos("cp", "containerd") < pos("w1", "containerd"));
    assert!(matches!(events.last(), Some(Event::RunFinished { .. })));
}

#[tokio::test(start_paused = true)]
async fn a_failure_blocks_its_dependents_and_the_others_go_on() {
    let c = cluster();
    c.fake.on(
        "cp",
        "swap",
        vec![Reply::Exit {
            code: 3,
            lines: vec![
                "swapoff: /swap.img: Device or resource busy".into(),
                "::kw::hint turn off the swap file by hand".into(),
            ],
        }],
    );
    let (summary, events) = run(&c, chains()).await;
    assert!(!summary.ok);
    assert_eq!(summary.failed.len(), 1);
    let (node, step, failure) = &summary.failed[0];
    assert_eq!((node.as_str(), *step), ("cp", StepId::Swap));
    assert_eq!(failure.exit_code, Some(3));
    assert_eq!(failure.error, "exit code 3");
    assert_eq!(
        failure.tail,
        ["swapoff: /swap.img: Device or resource busy"]
    );
    assert_eq!(
        failure.hint.as_deref(),
        Some("turn off the swap file by hand")
    );
    // cp's containerd and, through it, both workers' containerd are blocked; the workers'
    // own hostname and swap ran.
    let blocked: Vec<(String, StepId, String)> = events
        .iter()
        .filter_map(|e| match e {
            Event::StepBlocked { node, step, by } => Some((node.clone(), *step, by.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        blocked,
        [
            ("cp".into(), StepId::Containerd, "swap on cp".into()),
            ("w1".into(), StepId::Containerd, "containerd on cp".into()),
            ("w2".into(), StepId::Containerd, "containerd on cp".into()),
        ]
    );
    assert_eq!(c.fake.steps_of("w1"), ["hostname", "swap"]);
    let j = journal(&c);
    let rec = j.step("cp", StepId::Swap).unwrap();
    assert_eq!(
        (rec.state, rec.exit_code, rec.error.as_deref()),
        (StepState::Failed, Some(3), Some("exit code 3"))
    );
    assert_eq!(state(&c, "w1", StepId::Containerd), None, "never started");
    assert_eq!(state(&c, "w1", StepId::Swap), Some(StepState::Done));
}

#[tokio::test(start_paused = true)]
async fn a_lost_connection_is_retried_with_backoff_until_the_node_is_back() {
    let c = cluster();
    // The connection drops during w1's swap; w1 refuses connections for 10 s.
    c.fake.on(
        "w1",
        "swap",
        vec![
            Reply::Lose {
                down_for: Duration::from_secs(10),
            },
            Reply::ok(),
        ],
    );
    let t0 = tokio::time::Instant::now();
    let (summary, events) = run(&c, chains()).await;
    assert!(summary.ok, "{summary:?}");
    let warnings: Vec<&str> = events
        .iter()
        .filter_map(|e| match e {
            Event::Warning {
                node: Some(n),
                text,
            } if n == "w1" => Some(text.as_str()),
            _ => None,
        })
        .collect();
    // Backoff 1, 2, 4, 8 s: the node is back after 10 s, so the 5th attempt (at 15 s) works.
    let waits: Vec<&str> = warnings
        .iter()
        .map(|w| w.split("reconnecting in ").nth(1).unwrap_or(w))
        .collect();
    assert_eq!(
        waits,
        [
            "1 s (attempt 2)",
            "2 s (attempt 3)",
            "4 s (attempt 4)",
            "8 s (attempt 5)"
        ],
        "{warnings:?}"
    );
    assert!(
        warnings[0].starts_with("swap: w1: connection lost"),
        "{warnings:?}"
    );
    let elapsed = t0.elapsed();
    assert!(
        elapsed >= Duration::from_secs(15) && elapsed < Duration::from_secs(16),
        "{elapsed:?}"
    );
    // The script ran twice (lost, then done); the journal counts one attempt of the step.
    assert_eq!(
        c.fake.steps_of("w1"),
        ["hostname", "swap", "swap", "containerd"]
    );
    assert_eq!(journal(&c).step("w1", StepId::Swap).unwrap().attempts, 1);
    assert_eq!(c.fake.connects("w1"), 5);
}

#[tokio::test(start_paused = true)]
async fn a_node_gone_for_good_fails_after_the_reconnect_window_and_the_others_finish() {
    let c = cluster();
    c.fake.on(
        "w2",
        "hostname",
        vec![Reply::Lose {
            down_for: Duration::from_secs(3600),
        }],
    );
    let t0 = tokio::time::Instant::now();
    let (summary, _) = run(&c, chains()).await;
    let elapsed = t0.elapsed();
    assert!(!summary.ok);
    let (node, step, failure) = &summary.failed[0];
    assert_eq!((node.as_str(), *step), ("w2", StepId::Hostname));
    assert!(
        failure.error.starts_with("connection lost: "),
        "{failure:?}"
    );
    let hint = failure.hint.as_deref().unwrap();
    assert!(hint.contains("w2 has been unreachable for 4"), "{hint}");
    assert!(hint.contains("kubewiz apply"), "{hint}");
    // 45 s window: backoffs 1 + 2 + 4 + 8 + 8 + 8 + 8 + 8 = 47 s, then given up.
    assert!(
        elapsed >= Duration::from_secs(45) && elapsed < Duration::from_secs(60),
        "{elapsed:?}"
    );
    assert_eq!(state(&c, "w1", StepId::Containerd), Some(StepState::Done));
    assert_eq!(state(&c, "w2", StepId::Hostname), Some(StepState::Failed));
    assert_eq!(state(&c, "w2", StepId::Swap), None);
}

#[tokio::test(start_paused = true)]
async fn preflight_is_a_barrier_a_refused_node_stops_every_node() {
    let c = cluster();
    // cp reports one CPU: a control plane needs two.
    let facts: Vec<String> = good_facts("cp")
        .into_iter()
        .map(|l| {
            if l == "::kw::fact cpus=2" {
                "::kw::fact cpus=1".into()
            } else {
                l
            }
        })
        .collect();
    c.fake.on(
        "cp",
        "facts",
        vec![Reply::Exit {
            code: 0,
            lines: facts,
        }],
    );
    let (summary, events) = run(&c, with_preflight()).await;
    assert!(!summary.ok);
    // Nothing but facts ran anywhere.
    for n in ["cp", "w1", "w2"] {
        assert_eq!(c.fake.steps_of(n), ["facts"], "{n}");
    }
    let (node, step, failure) = &summary.failed[0];
    assert_eq!((node.as_str(), *step), ("cp", StepId::Preflight));
    assert!(failure.error.contains("at least 2 CPUs"), "{failure:?}");
    assert!(
        failure
            .hint
            .as_deref()
            .unwrap()
            .contains("nothing was changed on any node")
    );
    for n in ["w1", "w2"] {
        assert!(
            events.iter().any(|e| matches!(e,
                Event::StepBlocked { node, step: StepId::Preflight, by }
                    if node == n && by == "preflight of cp")),
            "{n} is blocked by cp's preflight"
        );
    }
    assert_eq!(state(&c, "cp", StepId::Preflight), Some(StepState::Failed));
    assert_eq!(state(&c, "w1", StepId::Preflight), None);
    // Facts are journaled and announced.
    assert_eq!(journal(&c).facts("cp").unwrap().cpus, 1);
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::NodeConnected { node, .. } if node == "w2"))
    );
}

#[tokio::test(start_paused = true)]
async fn preflight_passes_when_every_node_is_fit_and_waits_for_every_node() {
    let c = cluster();
    // w2 is slow to report: the barrier opens for all only after its facts.
    c.fake.on(
        "w2",
        "facts",
        vec![Reply::After(
            Duration::from_secs(5),
            Box::new(Reply::Exit {
                code: 0,
                lines: good_facts("w2"),
            }),
        )],
    );
    let (summary, events) = run(&c, with_preflight()).await;
    assert!(summary.ok, "{summary:?}");
    let order = started(&events);
    let last_facts = order.iter().rposition(|x| x.1 == StepId::Facts).unwrap();
    let first_preflight = order.iter().position(|x| x.1 == StepId::Preflight).unwrap();
    assert!(last_facts < first_preflight, "{order:?}");
    assert_eq!(state(&c, "w2", StepId::Preflight), Some(StepState::Done));
}

#[tokio::test(start_paused = true)]
async fn only_node_runs_that_node_and_is_judged_on_it() {
    let c = cluster();
    let mut p = chains();
    // w1's containerd waits for cp's, which is not done: w1 can only go as far as swap.
    let opts = Options {
        parallel: 16,
        only_node: Some("w1".into()),
        ..Default::default()
    };
    let (summary, _) = run_with(&c, p.clone(), opts.clone(), |_, _| {}).await;
    assert!(!summary.ok);
    assert_eq!(c.fake.steps_of("w1"), ["hostname", "swap"]);
    assert!(c.fake.steps_of("cp").is_empty());
    // Without the cross-node edge, the --node run completes on its own.
    p.tasks[5].after = vec![4];
    let c = cluster();
    let (summary, _) = run_with(&c, p, opts, |_, _| {}).await;
    assert!(summary.ok, "{summary:?}");
    assert!(c.fake.steps_of("w2").is_empty());
}

#[tokio::test(start_paused = true)]
async fn parallel_caps_work_but_not_waits() {
    let c = cluster();
    for n in ["cp", "w1", "w2"] {
        c.fake
            .on(n, "hostname", vec![Reply::Sleep(Duration::from_secs(1))]);
    }
    // Two `ready` waits on cp next to three 1 s steps, one --parallel slot.
    let mut tasks: Vec<Task> = ["cp", "w1", "w2"]
        .iter()
        .map(|n| remote(n, StepId::Hostname, vec![]))
        .collect();
    for n in ["w1", "w2"] {
        let mut t = remote(n, StepId::Ready, vec![]);
        t.host = "cp".into();
        tasks.push(t);
    }
    let opts = Options {
        parallel: 1,
        only_node: None,
        ..Default::default()
    };
    let t0 = tokio::time::Instant::now();
    let (summary, events) = run_with(&c, plan(tasks), opts, |_, _| {}).await;
    assert!(summary.ok);
    // The waits did not wait for a slot; the three steps ran one after the other.
    let order = started(&events);
    assert!(
        order[..3].iter().filter(|x| x.1 == StepId::Ready).count() == 2,
        "{order:?}"
    );
    let elapsed = t0.elapsed();
    assert!(elapsed >= Duration::from_secs(3), "{elapsed:?}");
}

#[tokio::test(start_paused = true)]
async fn join_secrets_are_minted_once_used_and_never_shown_or_stored() {
    let c = cluster();
    let mut tasks = vec![remote("cp", StepId::Init, vec![])];
    for n in ["w1", "w2"] {
        let mut t = remote(n, StepId::Join, vec![0]);
        if let TaskKind::Remote(s) = &mut t.kind {
            s.secrets = vec![SecretSlot::JoinToken, SecretSlot::CaCertHash];
        }
        tasks.push(t);
    }
    // The join prints its command line, token and all (as kubeadm may on failure).
    for n in ["w1", "w2"] {
        c.fake.on(
            n,
            "join",
            vec![Reply::Exit {
                code: 0,
                lines: vec![format!(
                    "kubeadm join 192.0.2.10:6443 --token abcdef.0123456789abcdef \
                     --discovery-token-ca-cert-hash sha256:{}",
                    "a".repeat(64)
                )],
            }],
        );
    }
    let (summary, events) = run(&c, plan(tasks)).await;
    assert!(summary.ok, "{summary:?}");
    // Minted once on the control plane for both joins.
    let mints: Vec<_> = c
        .fake
        .calls()
        .into_iter()
        .filter(|x| x.step == "mint-join")
        .collect();
    assert_eq!(mints.len(), 1, "{mints:?}");
    assert_eq!(mints[0].host, "cp");
    let secret = "0123456789abcdef";
    let text = format!("{events:?}");
    assert!(!text.contains(secret), "an event shows the token");
    assert!(text.contains("<redacted>"));
    let dir = super::journal::state_dir(&c.path);
    for f in ["state.json", "logs/w1.log", "logs/cp.log"] {
        let body = std::fs::read_to_string(dir.join(f)).unwrap_or_default();
        assert!(!body.contains(secret), "{f} holds the token");
    }
}
