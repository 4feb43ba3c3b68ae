//! kill -9 of `kubewiz upgrade` at seeded points across hops, then `kubewiz upgrade` again: it finishes, every
//! node runs the version, and — counted by the simulator's apiserver — `kubeadm upgrade apply` ran once per hop
//! and no node was drained (cordoned) twice in a hop. Two fleets (Rocky 9 control plane + Ubuntu 22.04 worker)
//! climb from 1.27.6 one minor per point, at the same time.

mod fleet;
mod support;

use fleet::{Flavour, Fleet, HostSpec};
use std::path::Path;
use std::sync::Mutex;
use support::*;

const SEED: u64 = 13;
/// Hops (and kill points) per fleet: 1.27.6 → 1.28 → ... → 1.31.
const HOPS: [&str; 4] = ["1.28.15", "1.29.15", "1.30.14", "1.31.14"];
const FLEETS: usize = 2;

/// The tasks of a hop on the 2-node cluster as `upgrade` prints them, (node, step).
fn steps() -> Vec<(&'static str, &'static str)> {
    let mut v: Vec<(&str, &str)> = [
        "etcd-snapshot",
        "upgrade-kubeadm",
        "upgrade-plan",
        "upgrade-apply",
        "drain",
        "upgrade-containerd",
        "upgrade-kubelet",
        "kubelet-restart",
        "upgrade-ready",
        "uncordon",
    ]
    .iter()
    .map(|s| ("cp", *s))
    .collect();
    v.extend(
        [
            "upgrade-kubeadm",
            "upgrade-node",
            "drain",
            "upgrade-containerd",
            "upgrade-kubelet",
            "kubelet-restart",
            "upgrade-ready",
            "uncordon",
        ]
        .iter()
        .map(|s| ("w1", *s)),
    );
    v
}

/// FLEETS × HOPS markers: a step, killed as it starts or right after it ends.
fn points() -> Vec<Vec<String>> {
    let mut rng = SEED;
    let mut next = || {
        rng = rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let all = steps();
    (0..FLEETS)
        .map(|_| {
            HOPS.iter()
                .map(|_| {
                    let (node, step) = all[(next() % all.len() as u64) as usize];
                    if next() % 2 == 0 {
                        format!("[{node}] ==> {step}:")
                    } else {
                        format!("[{node}] ok  {step}")
                    }
                })
                .collect()
        })
        .collect()
}

fn spawn_upgrade(cfg: &Path, to: &str) -> std::process::Child {
    kubewiz()
        .args([
            "upgrade",
            "--yes",
            "--drain-timeout",
            "60",
            "--to",
            to,
            "-c",
        ])
        .arg(cfg)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn kubewiz upgrade")
}

/// Runs `upgrade --to` and kills it -9 when `marker` is printed; the output seen.
fn upgrade_and_kill_at(cfg: &Path, to: &str, marker: &str) -> String {
    use std::io::{BufRead, BufReader};
    let mut child = spawn_upgrade(cfg, to);
    let mut seen = String::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let Ok(line) = line else { break };
        seen.push_str(&line);
        seen.push('\n');
        if line.contains(marker) {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    seen
}

fn one_fleet(markers: &[String]) -> Result<(), String> {
    let opts = current_opts().ok_or("no fixture")?;
    let fleet = Fleet::start(vec![
        HostSpec::new("cp", Flavour::Rocky9),
        HostSpec::new("w1", Flavour::Ubuntu2204),
    ]);
    let work = tempfile::tempdir().unwrap();
    let cfg = fleet.write_config(work.path(), &opts);
    let out = apply(&cfg);
    if !out.status.success() {
        return Err(format!("install failed:\n{}", text(&out)));
    }
    for (to, marker) in HOPS.iter().zip(markers) {
        let seen = upgrade_and_kill_at(&cfg, to, marker);
        if !seen.contains(marker) {
            return Err(format!("{to} {marker}: never printed:\n{seen}"));
        }
        let o = kubewiz()
            .args([
                "upgrade",
                "--yes",
                "--drain-timeout",
                "60",
                "--to",
                to,
                "-c",
            ])
            .arg(&cfg)
            .output()
            .unwrap();
        if !o.status.success() {
            return Err(format!("{to} {marker}: resume failed:\n{}", text(&o)));
        }
        let nodes = fleet
            .host("cp")
            .exec_ok("kubectl --kubeconfig /etc/kubernetes/admin.conf get nodes --no-headers");
        for l in nodes.lines() {
            if !l.contains(" Ready ") || !l.contains(&format!("v{to}")) {
                return Err(format!("{to} {marker}: {l}"));
            }
        }
        let log: serde_json::Value =
            serde_json::from_str(&fleet.host("cp").exec_ok("kwsim-ctl upgrade-log")).unwrap();
        let want = format!("v{to}");
        let applies = log["applies"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["to"] == want.as_str())
            .count();
        if applies != 1 {
            return Err(format!(
                "{to} {marker}: kubeadm upgrade apply ran {applies} times: {log}"
            ));
        }
        for node in ["cp", "w1"] {
            let drains = log["drains"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| d["node"] == node && d["version"] == want.as_str())
                .count();
            if drains != 1 {
                return Err(format!(
                    "{to} {marker}: {node} drained {drains} times: {log}"
                ));
            }
        }
        if nodes.contains("SchedulingDisabled") {
            return Err(format!("{to} {marker}: a node left cordoned:\n{nodes}"));
        }
    }
    Ok(())
}

#[test]
fn kill_9_across_hops_then_upgrade_finishes_without_repeating() {
    if fleet::require_root_or_skip().is_none() {
        return;
    }
    if fixture("cni/calico-v3.26.5.yaml").is_none() {
        return;
    }
    let points = points();
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for markers in &points {
            let failures = &failures;
            s.spawn(move || {
                let r = std::panic::catch_unwind(|| one_fleet(markers))
                    .unwrap_or_else(|e| Err(format!("panicked: {:?}", e.downcast_ref::<String>())));
                if let Err(e) = r {
                    failures.lock().unwrap().push(e);
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    eprintln!(
        "upgrade kill -9 matrix: {} points, {} fleets: {points:?}",
        FLEETS * HOPS.len(),
        FLEETS
    );
    assert!(failures.is_empty(), "{failures:#?}");
}
