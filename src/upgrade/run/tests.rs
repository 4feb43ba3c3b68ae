//! The hops of an upgrade on the engine's in-process fake transport (tokio's clock paused): the
//! hops run in order and the version lands in cluster.toml; a stop ends the upgrade at the hop under
//! way and names the nodes it left cordoned; a failed hop starts no further hop.

use super::hops::execute_over;
use super::{Outcome, Prepared, UpgradeEvent};
use crate::catalog::KubeVersion;
use crate::engine::transport::fake::{Fake, Reply};
use crate::engine::{Command, Event};
use crate::upgrade::path::{Hop, Path as UpgradePath, Survey};
use std::sync::Arc;
use std::time::Duration;

/// cp and w1 at 1.27.16.
fn config() -> String {
    crate::config::test_toml("1.27.16", 1)
}

fn v(s: &str) -> KubeVersion {
    KubeVersion::parse(s).unwrap()
}

fn hop(from: &str, to: &str) -> Hop {
    Hop {
        from: v(from),
        to: v(to),
        catch_up: false,
        changes: vec![],
    }
}

/// cp and w1 at 1.27.16, two hops to 1.29.14; cluster.toml on disk.
fn prepared(dir: &std::path::Path) -> Prepared {
    let path = dir.join("cluster.toml");
    std::fs::write(&path, config()).unwrap();
    let config = crate::config::parse_and_validate(&config(), &path).expect("valid config");
    Prepared {
        config_path: path,
        config,
        survey: Survey {
            apiserver: v("1.27.16"),
            nodes: vec![],
        },
        path: UpgradePath {
            from: v("1.27.16"),
            to: v("1.29.14"),
            hops: vec![hop("1.27.16", "1.28.15"), hop("1.28.15", "1.29.14")],
            warnings: vec![],
        },
        settings: Default::default(),
        nodes: vec![],
    }
}

/// Runs the upgrade to its end; `react` sees every event and may send commands.
async fn run(
    p: Prepared,
    fake: &Fake,
    mut react: impl FnMut(&UpgradeEvent, &tokio::sync::mpsc::UnboundedSender<Command>),
) -> (Outcome, Vec<UpgradeEvent>) {
    let mut up = execute_over(p, 16, Arc::new(fake.clone()));
    let mut events = Vec::new();
    while let Some(e) = up.events.recv().await {
        react(&e, &up.commands);
        events.push(e);
    }
    (up.done.await.expect("upgrade task"), events)
}

fn hops_started(events: &[UpgradeEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            UpgradeEvent::HopStarted { hop, .. } => Some(hop.id()),
            _ => None,
        })
        .collect()
}

#[tokio::test(start_paused = true)]
async fn the_hops_run_in_order_and_the_version_lands_in_cluster_toml() {
    let dir = tempfile::tempdir().unwrap();
    let fake = Fake::new();
    fake.on(
        "cp",
        "etcd-snapshot",
        vec![Reply::Exit {
            code: 0,
            lines: vec!["::kw::fact snapshot=/var/lib/kubewiz/backups/etcd-1.db".into()],
        }],
    );
    let (out, events) = run(prepared(dir.path()), &fake, |_, _| {}).await;
    assert!(out.ok, "{out:?}");
    assert_eq!(out.reached, Some(v("1.29.14")));
    assert_eq!(hops_started(&events), ["1.28.15", "1.29.14"]);
    // One snapshot per hop is taken; the same file is reported once.
    assert_eq!(
        fake.steps_of("cp")
            .iter()
            .filter(|s| *s == "etcd-snapshot")
            .count(),
        2
    );
    assert_eq!(
        out.snapshots,
        [(
            "1.28.15".to_string(),
            "/var/lib/kubewiz/backups/etcd-1.db".to_string()
        )]
    );
    // Each node went through a hop's kubelet before the next hop's kubeadm.
    let calls = fake.calls();
    let at = |node: &str, step: &str, nth: usize| {
        calls
            .iter()
            .enumerate()
            .filter(|(_, c)| c.node == node && c.step == step)
            .nth(nth)
            .map(|(i, _)| i)
            .unwrap_or_else(|| panic!("{node} {step} #{nth} ran"))
    };
    assert!(at("w1", "uncordon", 0) < at("cp", "etcd-snapshot", 1));
    let toml = std::fs::read_to_string(dir.path().join("cluster.toml")).unwrap();
    assert!(toml.contains("kubernetes_version = \"1.29.14\""), "{toml}");
    assert!(
        out.recorded.iter().any(|r| r.contains("(was \"1.27.16\")")),
        "{:?}",
        out.recorded
    );
}

#[tokio::test(start_paused = true)]
async fn a_stop_ends_the_upgrade_in_its_hop_and_names_the_nodes_left_cordoned() {
    let dir = tempfile::tempdir().unwrap();
    let fake = Fake::new();
    // w1's drain takes a while: the stop comes while it runs.
    fake.on("w1", "drain", vec![Reply::Sleep(Duration::from_secs(30))]);
    // What the cluster says afterwards: w1 is cordoned (by the drain).
    fake.on(
        "",
        "upgrade-survey",
        vec![Reply::Exit {
            code: 0,
            lines: vec![
                "::kw::fact node=cp v1.28.15 True |".into(),
                "::kw::fact node=w1 v1.27.16 True unschedulable=true|".into(),
            ],
        }],
    );
    let mut stopped = false;
    let (out, events) = run(prepared(dir.path()), &fake, |e, commands| {
        if let UpgradeEvent::Engine(Event::StepStarted { node, step, .. }) = e
            && node == "w1"
            && step.name() == "drain"
            && !stopped
        {
            stopped = true;
            commands.send(Command::Stop).unwrap();
        }
    })
    .await;
    assert!(stopped, "w1's drain started");
    assert!(!out.ok && out.interrupted, "{out:?}");
    assert_eq!(out.reached, None);
    assert_eq!(hops_started(&events), ["1.28.15"]);
    assert_eq!(out.left_cordoned, ["w1"]);
    // The stop let the running drain finish and started nothing after it.
    assert!(!fake.steps_of("w1").iter().any(|s| s == "uncordon"));
    let toml = std::fs::read_to_string(dir.path().join("cluster.toml")).unwrap();
    assert_eq!(toml, config(), "cluster.toml is not touched");
}

#[tokio::test(start_paused = true)]
async fn a_failed_hop_starts_no_further_hop() {
    let dir = tempfile::tempdir().unwrap();
    let fake = Fake::new();
    fake.on(
        "cp",
        "upgrade-apply",
        vec![Reply::fail(1, "[ERROR] the upgrade is refused")],
    );
    let (out, events) = run(prepared(dir.path()), &fake, |_, _| {}).await;
    assert!(!out.ok && !out.interrupted, "{out:?}");
    assert_eq!(hops_started(&events), ["1.28.15"]);
    assert_eq!(
        out.failed
            .iter()
            .map(|(n, s, _)| (n.as_str(), s.name()))
            .collect::<Vec<_>>(),
        [("cp", "upgrade-apply")]
    );
    assert!(!fake.steps_of("w1").iter().any(|s| s == "drain"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("cluster.toml")).unwrap(),
        config()
    );
}
