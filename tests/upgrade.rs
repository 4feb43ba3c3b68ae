//! `kubewiz upgrade` end to end on the fleet (real sshd, the simulator's kubeadm-upgrade physics): the seed's
//! cluster 1.25.3 → 1.28.15 in three hops headless; a drain blocked by a PodDisruptionBudget, then finished once
//! the budget is lifted; certificates aged close to expiry (`certs`, `status` and the wizard's Welcome warn) and
//! past it; then, on the same cluster, an upgrade through the wizard in tmux (tests/support/tmux.rs), stopped
//! with `q` in its first hop and resumed to the end.

mod fleet;
mod support;

use fleet::{ConfigOpts, Flavour, Fleet, HostSpec};
use std::path::Path;
use std::process::Output;
use std::time::Duration;
use support::tmux::{Tmux, UI};
use support::*;

const SECOND: Duration = Duration::from_secs(1);

const KC: &str = "kubectl --kubeconfig /etc/kubernetes/admin.conf";

fn upgrade(cfg: &Path, args: &[&str]) -> Output {
    kubewiz()
        .arg("upgrade")
        .arg("-c")
        .arg(cfg)
        .args(args)
        .output()
        .expect("run kubewiz upgrade")
}

/// `kwsim-ctl upgrade-log` on the first control plane: applies, drains, evictions.
fn upgrade_log(fleet: &Fleet, cp: &str) -> serde_json::Value {
    serde_json::from_str(&fleet.host(cp).exec_ok("kwsim-ctl upgrade-log")).unwrap()
}

/// The versions `kubeadm upgrade apply` was run for, in order.
fn applies(log: &serde_json::Value) -> Vec<String> {
    log["applies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["to"].as_str().unwrap().to_string())
        .collect()
}

/// How many times `node` was drained in the hop to `version` ("v1.29.14").
fn drains(log: &serde_json::Value, node: &str, version: &str) -> usize {
    log["drains"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["node"] == node && d["version"] == version)
        .count()
}

/// (name, version) of every node as the cluster reports it.
fn versions(fleet: &Fleet, cp: &str) -> Vec<(String, String)> {
    fleet
        .host(cp)
        .exec_ok(&format!("{KC} get nodes --no-headers"))
        .lines()
        .map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            (w[0].to_string(), w[4].to_string())
        })
        .collect()
}

#[test]
fn seed_cluster_upgrades_1_25_to_1_28_in_three_hops() {
    if fleet::require_root_or_skip().is_none() {
        return;
    }
    let Some(calico) = fixture("cni/calico-v3.24.6.yaml") else {
        return;
    };
    let (fleet, _work, cfg) = fleet::with_config(
        fleet::seed_hosts(),
        &ConfigOpts {
            cni_manifest: Some(calico),
            ..ConfigOpts::default()
        },
    );
    let out = apply(&cfg);
    assert!(out.status.success(), "install failed:\n{}", text(&out));

    // Without --yes and without a terminal: the path, then nothing (exit 2).
    let o = upgrade(&cfg, &["--to", "1.28.15"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let t = text(&o);
    assert!(t.contains("1.25.3 → 1.28.15: 3 hops"), "{t}");
    assert!(t.contains("run again with --yes"), "{t}");
    assert!(
        upgrade_log(&fleet, "k8s-master")["applies"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    let o = upgrade(&cfg, &["--to", "1.28.15", "--yes"]);
    let t = text(&o);
    assert!(o.status.success(), "upgrade failed:\n{t}");
    for (n, v) in versions(&fleet, "k8s-master") {
        assert_eq!(v, "v1.28.15", "{n}: {t}");
    }
    assert_all_ready(
        &fleet,
        "k8s-master",
        &["k8s-master", "k8s-node01", "k8s-node02"],
    );
    let pods = fleet
        .host("k8s-master")
        .exec_ok(&format!("{KC} get pods -n kube-system --no-headers"));
    assert!(
        pods.lines().all(|l| l.contains(" Running ")),
        "kube-system pods not all Running:\n{pods}"
    );
    // kubeadm upgrade apply once per hop, every node drained once per hop.
    let log = upgrade_log(&fleet, "k8s-master");
    assert_eq!(applies(&log), ["v1.26.15", "v1.27.16", "v1.28.15"], "{log}");
    let drains = log["drains"].as_array().unwrap();
    assert_eq!(drains.len(), 9, "{log}");
    // Three etcd snapshots, named in the summary and kept on the first control plane.
    let snaps = fleet
        .host("k8s-master")
        .exec_ok("ls /var/lib/kubewiz/backups");
    assert_eq!(snaps.lines().count(), 3, "{snaps}");
    assert!(
        t.contains("etcd snapshot before 1.26.15: /var/lib/kubewiz/backups/etcd-before-v1.26.15-"),
        "{t}"
    );
    // cluster.toml follows the cluster (the CNI it runs is pinned: 1.28's default is another release,
    // and 3.24.6 is past its range, a warning); `apply` and a second `upgrade` have nothing to do.
    let toml = std::fs::read_to_string(&cfg).unwrap();
    assert!(toml.contains("kubernetes_version = \"1.28.15\""), "{toml}");
    assert!(toml.contains("cni_version = \"3.24.6\""), "{toml}");
    let again = upgrade(&cfg, &["--to", "1.28.15", "--yes"]);
    assert!(again.status.success(), "{}", text(&again));
    assert!(
        text(&again).contains("nothing to upgrade"),
        "{}",
        text(&again)
    );
    let conv = apply(&cfg);
    assert!(
        conv.status.success(),
        "apply after the upgrade:\n{}",
        text(&conv)
    );
}

/// A one-replica Deployment whose PodDisruptionBudget (minAvailable: 1) blocks its drain.
const WEB: &str = include_str!("web_pdb.yaml");

fn certs(cfg: &Path, args: &[&str]) -> Output {
    kubewiz()
        .arg("certs")
        .args(args)
        .arg("-c")
        .arg(cfg)
        .output()
        .expect("run kubewiz certs")
}

fn status(cfg: &Path) -> Output {
    kubewiz()
        .args(["status", "-c"])
        .arg(cfg)
        .output()
        .expect("run kubewiz status")
}

/// A PodDisruptionBudget blocks a worker's drain: the node is uncordoned again, the summary names the pod;
/// lifting the budget and running `upgrade` again finishes. Then the certificates: aged to 10 days before
/// expiry `certs`, `status` and the wizard's Welcome warn; aged past it the API stops, `upgrade` says why,
/// `certs renew` brings it back. Then the wizard upgrades the same cluster (its fleet shared: one install
/// for both), stopped once with `q` and resumed.
#[test]
fn a_blocked_drain_certificates_near_and_past_expiry_then_the_wizard() {
    if fleet::require_root_or_skip().is_none() {
        return;
    }
    let Some(opts) = current_opts() else { return };
    let (fleet, _work, cfg) = fleet::with_config(
        vec![
            HostSpec::new("cp", Flavour::Rocky9).profile("node_grace", 5.0),
            HostSpec::new("w1", Flavour::Ubuntu2204),
        ],
        &opts,
    );
    let out = apply(&cfg);
    assert!(out.status.success(), "install failed:\n{}", text(&out));
    let cp = fleet.host("cp");
    cp.exec_stdin(&format!("{KC} apply -f -"), Some(WEB.as_bytes()));

    let o = upgrade(&cfg, &["--to", "1.28.15", "--yes", "--drain-timeout", "8"]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains("FAILED: node w1, step drain"), "{t}");
    assert!(
        t.contains("blocked by: default/web-7d9c6b8f5-0 (PodDisruptionBudget)"),
        "{t}"
    );
    let nodes = cp.exec_ok(&format!("{KC} get nodes --no-headers"));
    assert!(
        !nodes.contains("SchedulingDisabled"),
        "w1 left cordoned:\n{nodes}"
    );
    // The control plane went on to the new version; the worker did not.
    let v = versions(&fleet, "cp");
    assert_eq!(
        v,
        [
            ("cp".into(), "v1.28.15".into()),
            ("w1".into(), "v1.27.6".into())
        ]
    );

    cp.exec_ok(&format!("{KC} -n default delete pdb web"));
    let o = upgrade(&cfg, &["--to", "1.28.15", "--yes", "--drain-timeout", "8"]);
    assert!(o.status.success(), "{}", text(&o));
    for (n, v) in versions(&fleet, "cp") {
        assert_eq!(v, "v1.28.15", "{n}");
    }
    let log = upgrade_log(&fleet, "cp");
    assert_eq!(log["applies"].as_array().unwrap().len(), 1, "{log}");

    // The upgrade renewed the certificates (kubeadm upgrade apply does).
    let c = certs(&cfg, &[]);
    let t = text(&c);
    assert!(c.status.success(), "{t}");
    assert!(t.contains("apiserver") && t.contains("364 days"), "{t}");

    // 10 days before expiry: certs and status warn.
    cp.exec_ok(&format!("kwsim-ctl age-certs {}", 355 * 86400));
    let c = certs(&cfg, &[]);
    let t = text(&c);
    assert_eq!(c.status.code(), Some(1), "{t}");
    assert!(
        t.contains("warning: cp: certificate") && t.contains("expires in 9 days"),
        "{t}"
    );
    let s = status(&cfg);
    assert!(text(&s).contains("expires in 9 days"), "{}", text(&s));
    welcome_warns(&cfg, "expires in 9 days");

    // Past expiry: the API server stops; upgrade says why; certs renew brings it back.
    cp.exec_ok(&format!("kwsim-ctl age-certs {}", 11 * 86400));
    let (rc, _, e) = {
        let o = cp.exec(&format!("{KC} get nodes"));
        (
            o.status.code(),
            (),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    assert_eq!(rc, Some(1), "{e}");
    let o = upgrade(&cfg, &["--to", "1.28.15", "--yes"]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(
        t.contains("expired on") && t.contains("kubewiz certs renew"),
        "{t}"
    );
    let c = certs(&cfg, &[]);
    assert!(text(&c).contains("EXPIRED"), "{}", text(&c));
    let r = certs(&cfg, &["renew"]);
    assert!(r.status.success(), "{}", text(&r));
    assert!(text(&r).contains("admin kubeconfig saved"), "{}", text(&r));
    assert!(cp.exec(&format!("{KC} get nodes")).status.success());
    let c = certs(&cfg, &[]);
    assert!(c.status.success(), "{}", text(&c));
    assert!(text(&c).contains("364 days"), "{}", text(&c));

    wizard_upgrade_stopped_with_q_then_resumed(&fleet, &cfg);
}

/// The wizard's Welcome on this cluster says `warning` (the certificates' last check); q, y quits.
fn welcome_warns(cfg: &Path, warning: &str) {
    if !have_tmux() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let t = wizard("welcome", cfg, home.path());
    let s = t.wait("Welcome with the certificates' warning", UI, |s| {
        s.contains(warning) && s.contains("Upgrade")
    });
    eprintln!("welcome with certificates near expiry:\n{s}");
    t.keys(&["q"]);
    t.wait_for("Quit kubewiz?", UI);
    t.keys(&["y"]);
    assert_eq!(t.wait_exit(UI), 0);
}

/// Whether tmux is here (else the wizard parts are skipped, visibly; under CI=true that fails).
fn have_tmux() -> bool {
    if Path::new("/usr/bin/tmux").exists() {
        return true;
    }
    fleet::skip::because("tmux is missing (apt-get install tmux)");
    false
}

/// The wizard on this cluster: `kubewiz` in tmux (120x40) in the directory of `cfg`, HOME `home`.
fn wizard(tag: &str, cfg: &Path, home: &Path) -> Tmux {
    let home = home.display().to_string();
    Tmux::start(
        tag,
        Path::new(env!("CARGO_BIN_EXE_kubewiz")),
        cfg.parent().unwrap(),
        &[("HOME", &home), ("TERM", "xterm-256color")],
        (120, 40),
    )
}

/// A gate in front of `kubeadm` on `host`: every call waits while /run/kw-test-gate exists, then runs
/// the real one. Deterministic "mid-hop" for the wizard test: the upgrade stands still at the
/// node's first kubeadm call for as long as the test needs, whatever the machine's speed.
fn gate_kubeadm(host: &fleet::Host) {
    host.exec_ok("touch /run/kw-test-gate");
    host.write_file(
        "/usr/local/sbin/kubeadm",
        "#!/bin/sh\n# kubewiz test gate\nwhile [ -e /run/kw-test-gate ]; do sleep 0.2; done\n\
         PATH=/usr/sbin:/usr/bin:/sbin:/bin exec kubeadm \"$@\"\n",
    );
    host.exec_ok("chmod 755 /usr/local/sbin/kubeadm");
}

/// Whether a kubeadm call waits at the gate on `host`.
fn waiting_at_gate(host: &fleet::Host) -> bool {
    host.exec_ok("ps -eo args")
        .lines()
        .any(|l| l.contains("/usr/local/sbin/kubeadm"))
}

/// Through the wizard, on the cluster of `a_blocked_drain...` (cp + w1 at 1.28.15): Welcome warns about
/// the certificates (aged to 10 days before expiry) and offers Upgrade; the path is shown before anything
/// runs (a downgrade refused with the reason, then 1.28.15 → 1.30.14: 2 hops); Enter runs it with a log pane
/// per node; q during the first hop pauses and asks, y stops it where it was (w1 held at the gate, cp done);
/// kubewiz again: Welcome says the upgrade is unfinished, Upgrade → the path from where it stopped → Done,
/// every node at 1.30.14, `kubeadm upgrade apply` once per hop, each node drained once per hop.
fn wizard_upgrade_stopped_with_q_then_resumed(fleet: &Fleet, cfg: &Path) {
    if !have_tmux() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let (cp, w1) = (fleet.host("cp"), fleet.host("w1"));
    let t = wizard("upgrade", cfg, home.path());
    let s = t.wait("Welcome offering Upgrade", UI, |s| {
        s.contains("Upgrade") && s.contains("one minor at a time")
    });
    eprintln!("welcome:\n{s}");
    t.keys(&["u"]);
    t.wait_for("upgrade to", UI);
    // A version older than the cluster's: refused, with the reason, nothing changed.
    t.keys(&["BSpace"; 12]);
    t.text("1.27.6");
    t.keys(&["Enter"]);
    t.wait_for("does not downgrade", 300 * SECOND);
    t.keys(&["BSpace"; 12]);
    t.text("1.30.14");
    t.keys(&["Enter"]);
    let s = t.wait("the path", 300 * SECOND, |s| {
        s.contains("Enter upgrades to 1.30.14")
    });
    eprintln!("path:\n{s}");
    assert!(s.contains("1.28.15 → 1.30.14: 2 hops"), "{s}");
    assert!(
        s.contains("1. 1.28.15 → 1.29.14") && s.contains("2. 1.29.14 → 1.30.14"),
        "{s}"
    );
    let log = upgrade_log(fleet, "cp");
    assert_eq!(
        log["applies"].as_array().unwrap().len(),
        1,
        "ran before Enter: {log}"
    );

    // Run it; w1 stands at the gate in the first hop.
    gate_kubeadm(w1);
    t.keys(&["Enter"]);
    let t0 = std::time::Instant::now();
    while !waiting_at_gate(w1) {
        assert!(
            t0.elapsed() < 600 * SECOND,
            "w1 never reached kubeadm; screen:\n{}",
            t.grid()
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let s = t.wait("the run with a pane per node", UI, |s| {
        s.contains("hop 1/2") && s.contains(" cp · ") && s.contains(" w1 · ")
    });
    eprintln!("under way:\n{s}");
    // Tab: each node's kubelet version along the path (cp restarted on 1.29.14, w1 not yet).
    t.keys(&["Tab"]);
    let s = t.wait("the versions panel", UI, |s| {
        s.contains("Versions: 0/2 nodes at 1.30.14")
            && s.contains("■■□ 1.28.15 → 1.29.14")
            && s.contains("■□□ 1.28.15 → 1.28.15")
    });
    eprintln!("versions:\n{s}");
    t.keys(&["Tab"]);
    t.wait_for("f follow", UI);
    t.keys(&["q"]);
    t.wait_for("Stop the upgrade?", UI);
    t.keys(&["y"]);
    t.wait_for("stopping", UI);
    // The step at the gate finishes; nothing new starts; kubewiz ends saying how to resume.
    w1.exec_ok("rm -f /run/kw-test-gate");
    t.wait_exit(300 * SECOND);
    let s = t.wait_for("kubewiz upgrade", UI);
    assert!(s.contains("upgrade paused"), "{s}");
    // Stopped in the first hop: its apply done, w1 not upgraded, the upgrade recorded as unfinished.
    let v = versions(fleet, "cp");
    assert!(v.contains(&("w1".into(), "v1.28.15".into())), "{v:?}");
    let log = upgrade_log(fleet, "cp");
    assert_eq!(applies(&log), ["v1.28.15", "v1.29.14"], "{log}");
    assert!(cfg.parent().unwrap().join(".kubewiz/upgrade.json").exists());
    w1.restore_tool("kubeadm");

    // Again: Welcome offers to finish it; the path starts where it stopped.
    t.respawn();
    let s = t.wait("Welcome offering to finish the upgrade", UI, |s| {
        s.contains("finish the upgrade to 1.30.14")
    });
    eprintln!("welcome after the stop:\n{s}");
    t.keys(&["u"]);
    t.wait_for("upgrade to", UI);
    t.keys(&["Enter"]);
    let s = t.wait("the path", 300 * SECOND, |s| {
        s.contains("Enter upgrades to 1.30.14")
    });
    eprintln!("path after the stop:\n{s}");
    t.keys(&["Enter"]);
    let s = t.wait("Done", 900 * SECOND, |s| {
        assert!(
            !s.contains("Upgrade incomplete"),
            "the upgrade failed:\n{s}"
        );
        s.contains("Upgraded") && s.contains("cluster upgraded: every node runs 1.30.14")
    });
    eprintln!("done:\n{s}");
    t.keys(&["Enter"]);
    assert_eq!(t.wait_exit(UI), 0);
    for (n, v) in versions(fleet, "cp") {
        assert_eq!(v, "v1.30.14", "{n}");
    }
    let log = upgrade_log(fleet, "cp");
    // Every hop's apply once (1.28.15 was the headless upgrade's), each node drained once per hop.
    assert_eq!(applies(&log), ["v1.28.15", "v1.29.14", "v1.30.14"], "{log}");
    for to in ["v1.29.14", "v1.30.14"] {
        for node in ["cp", "w1"] {
            assert_eq!(drains(&log, node, to), 1, "{node} at {to}: {log}");
        }
    }
    let nodes = cp.exec_ok(&format!("{KC} get nodes --no-headers"));
    assert!(!nodes.contains("SchedulingDisabled"), "{nodes}");
    let toml = std::fs::read_to_string(cfg).unwrap();
    assert!(toml.contains("kubernetes_version = \"1.30.14\""), "{toml}");
}
