//! The scheduler's order on the fleet (real SSH, real engine, synthetic no-op steps): when
//! fewer slots are free than tasks are ready, the longest remaining path starts first, not the
//! first task in plan order.

mod fleet;

use fleet::{ConfigOpts, Flavour, Fleet, HostSpec};
use kubewiz::engine::{self, Event, Options};
use kubewiz::plan::{Plan, Script, StepId, Task, TaskKind};
use std::time::Duration;

const NOOP: &str = "check() { return 1; }\napply() { :; }\nverify() { :; }\n";

fn task(node: &str, step: StepId, after: Vec<usize>) -> Task {
    Task {
        node: node.into(),
        host: node.into(),
        step,
        after,
        timeout: Duration::from_secs(60),
        kind: TaskKind::Remote(Script {
            asset: "noop.sh",
            env: vec![("KW_STEP".into(), step.name().into())],
            secrets: vec![],
            body: NOOP,
        }),
    }
}

/// Runs `plan` with `parallel` slots; the (node, step) of each StepStarted, in order.
fn started_order(fleet: &Fleet, plan: Plan, parallel: usize) -> Vec<(String, StepId)> {
    let work = tempfile::tempdir().unwrap();
    let cfg_path = fleet.write_config(work.path(), &ConfigOpts::default());
    let config = kubewiz::config::load(&cfg_path).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async move {
        let mut run = engine::start_with_plan(
            &cfg_path,
            config,
            plan,
            Options {
                parallel,
                only_node: None,
                ..Default::default()
            },
        )
        .unwrap();
        let mut order = Vec::new();
        while let Some(ev) = run.events.recv().await {
            match ev {
                Event::StepStarted { node, step, .. } => order.push((node, step)),
                Event::StepFailed {
                    node,
                    step,
                    failure,
                } => {
                    panic!("{node} {step} failed: {failure:?}")
                }
                Event::RunFinished { .. } => break,
                _ => {}
            }
        }
        let summary = run.done.await.unwrap();
        assert!(summary.ok, "{summary:?}");
        order
    })
}

#[test]
fn with_one_slot_the_longest_remaining_path_goes_first() {
    if fleet::require_root_or_skip().is_none() {
        return;
    }
    let fleet = Fleet::start(vec![
        HostSpec::new("cp", Flavour::Debian12),
        HostSpec::new("w1", Flavour::Debian12),
    ]);
    // Plan order lists w1's three short, independent steps first; cp has a chain whose head
    // carries the longest remaining path (containerd -> packages -> images).
    let plan = Plan {
        tasks: vec![
            task("w1", StepId::Hostname, vec![]),
            task("w1", StepId::Firewall, vec![]),
            task("w1", StepId::Swap, vec![]),
            task("cp", StepId::Containerd, vec![]),
            task("cp", StepId::Packages, vec![3]),
            task("cp", StepId::Images, vec![4]),
        ],
        nodes: vec!["w1".into(), "cp".into()],
        first_control_plane: "cp".into(),
        preflight_summary: String::new(),
    };
    let order = started_order(&fleet, plan.clone(), 1);
    let steps: Vec<String> = order.iter().map(|(n, s)| format!("{n}/{s}")).collect();
    assert_eq!(
        steps,
        [
            "cp/containerd",
            "cp/packages",
            "cp/images",
            "w1/hostname",
            "w1/firewall",
            "w1/swap"
        ],
        "with one slot, the chain (190 s of typical work ahead) goes before 1 s steps"
    );
    // With slots to spare, everything ready starts at once: w1's steps do not wait for cp's
    // chain.
    let order = started_order(&fleet, plan, 16);
    let pos = |n: &str, s: StepId| order.iter().position(|x| x.0 == n && x.1 == s).unwrap();
    assert!(
        pos("w1", StepId::Swap) < pos("cp", StepId::Packages),
        "{order:?}"
    );
}
