//! kill -9 of `kubewiz upgrade` at seeded points across hops, then `kubewiz upgrade` again: it finishes, every
//! node runs the version, and — counted by the simulator's apiserver — `kubeadm upgrade apply` ran once per hop
//! and no node was drained (cordoned) twice in a hop. Two fleets (Rocky 9 control plane + Ubuntu 22.04 worker)
//! climb from 1.27.6 one minor per point, at the same time. And a connection lost mid-hop, then `upgrade` again
//! (`a_connection_lost_mid_hop_then_upgrade_again_finishes_where_it_stopped`), and during `kubeadm upgrade apply`
//! on the first control plane, before and after kubeadm finished there
//! (`a_connection_lost_during_upgrade_apply_then_upgrade_again_applies_once`).

mod fleet;
mod support;

use std::path::Path;
use std::sync::Mutex;
use support::*;

const SEED: u64 = 13;
/// Hops (and kill points) per fleet: 1.27.6 → 1.28 → ... → 1.31.
/// 1.29.14 is 1.29's final patch (kubernetes/website data/releases/eol.yaml, finalPatchRelease).
const HOPS: [&str; 4] = ["1.28.15", "1.29.14", "1.30.14", "1.31.14"];
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

/// Where a run is killed: as `step` of `node` starts, or right after it ends.
#[derive(Debug, Clone)]
struct Point {
    node: &'static str,
    step: &'static str,
    at_start: bool,
}

impl Point {
    /// The line of the run's output that reaches this point. A step starts with `==> step:`, or, when
    /// its check finds it done already, with `ok  step: already in the desired state` (no `==>`): both
    /// are its first line, printed in every run that gets there.
    fn reached(&self, line: &str) -> bool {
        let (node, step) = (self.node, self.step);
        if self.at_start {
            line.starts_with(&format!("[{node}] ==> {step}:"))
                || line.starts_with(&format!("[{node}] ok  {step}: already"))
        } else {
            line.starts_with(&format!("[{node}] ok  {step}"))
        }
    }
}

impl std::fmt::Display for Point {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = if self.at_start { "start" } else { "end" };
        write!(f, "{} {} ({at})", self.node, self.step)
    }
}

/// FLEETS × HOPS points, a (node, step) of the hop's pipeline chosen by the seed, killed as it starts
/// or right after it ends. Every step of the list runs in every hop (none is conditional), so every
/// point is reached whatever the timing; the last step's end is left out (after it the run only
/// writes its summary: the kill could come after the end).
fn points() -> Vec<Vec<Point>> {
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
                    let i = (next() % all.len() as u64) as usize;
                    let (node, step) = all[i];
                    let at_start = i == all.len() - 1 || next() % 2 == 0;
                    Point {
                        node,
                        step,
                        at_start,
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
        .stderr(std::fs::File::create(cfg.with_extension("stderr")).unwrap())
        .spawn()
        .expect("spawn kubewiz upgrade")
}

/// Runs `upgrade --to` and kills it -9 when `point` is reached: Ok(output seen) once the run was
/// killed there (it was still running: ended by SIGKILL), else why not.
fn upgrade_and_kill_at(cfg: &Path, to: &str, point: &Point) -> Result<String, String> {
    use std::io::{BufRead, BufReader};
    use std::os::unix::process::ExitStatusExt;
    let mut child = spawn_upgrade(cfg, to);
    let mut seen = String::new();
    let mut reached = false;
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let Ok(line) = line else { break };
        seen.push_str(&line);
        seen.push('\n');
        if point.reached(&line) {
            reached = true;
            break;
        }
    }
    let _ = child.kill();
    let status = child.wait().expect("wait for kubewiz upgrade");
    let err = || std::fs::read_to_string(cfg.with_extension("stderr")).unwrap_or_default();
    if !reached {
        return Err(format!(
            "{to} {point}: never reached ({status}):\n{seen}\nstderr:\n{}",
            err()
        ));
    }
    if status.signal() != Some(9) {
        return Err(format!(
            "{to} {point}: the run was not killed there, it ended by itself ({status}):\n{seen}"
        ));
    }
    Ok(seen)
}

fn one_fleet(points: &[Point]) -> Result<(), String> {
    let opts = current_opts().ok_or("no fixture")?;
    let (fleet, _work, cfg) = fleet::cp_and_worker(&opts);
    let out = apply(&cfg);
    if !out.status.success() {
        return Err(format!("install failed:\n{}", text(&out)));
    }
    for (to, point) in HOPS.iter().zip(points) {
        upgrade_and_kill_at(&cfg, to, point)?;
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
            return Err(format!("{to} {point}: resume failed:\n{}", text(&o)));
        }
        let nodes = fleet
            .host("cp")
            .exec_ok("kubectl --kubeconfig /etc/kubernetes/admin.conf get nodes --no-headers");
        for l in nodes.lines() {
            if !l.contains(" Ready ") || !l.contains(&format!("v{to}")) {
                return Err(format!("{to} {point}: {l}"));
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
                "{to} {point}: kubeadm upgrade apply ran {applies} times: {log}"
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
                    "{to} {point}: {node} drained {drains} times: {log}"
                ));
            }
        }
        if nodes.contains("SchedulingDisabled") {
            return Err(format!("{to} {point}: a node left cordoned:\n{nodes}"));
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
        for fleet_points in &points {
            let failures = &failures;
            s.spawn(move || {
                let r = std::panic::catch_unwind(|| one_fleet(fleet_points))
                    .unwrap_or_else(|e| Err(format!("panicked: {:?}", e.downcast_ref::<String>())));
                if let Err(e) = r {
                    failures.lock().unwrap().push(e);
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    let shown: Vec<Vec<String>> = points
        .iter()
        .map(|f| f.iter().map(Point::to_string).collect())
        .collect();
    eprintln!(
        "upgrade kill -9 matrix: {} points, {} fleets: {shown:?}",
        FLEETS * HOPS.len(),
        FLEETS
    );
    assert!(failures.is_empty(), "{failures:#?}");
}

/// Issue 13: a connection lost mid-hop (the worker's network goes down after its drain, as its kubelet
/// is upgraded): the run fails naming the node and the lost connection, the summary says the worker is
/// still cordoned and how to finish; with the network back, `upgrade` again finishes the hop where it
/// stopped: the control plane's `kubeadm upgrade apply` is not run again, the worker is not drained again,
/// no node is left cordoned.
#[test]
fn a_connection_lost_mid_hop_then_upgrade_again_finishes_where_it_stopped() {
    if fleet::require_root_or_skip().is_none() {
        return;
    }
    let Some(opts) = current_opts() else { return };
    let (fleet, _work, cfg) = fleet::cp_and_worker(&opts);
    let out = apply(&cfg);
    assert!(out.status.success(), "install failed:\n{}", text(&out));

    let (code, seen) = upgrade_cut_when(&cfg, "1.28.15", |line| {
        let cut = line.starts_with("[w1] ==> upgrade-kubelet:");
        if cut {
            fleet.host("w1").net_down();
        }
        cut
    });
    fleet.host("w1").net_up();
    assert_eq!(code, Some(1), "{seen}");
    assert!(
        seen.contains("FAILED: node w1, step upgrade-kubelet: connection lost"),
        "{seen}"
    );
    assert!(
        seen.contains("w1 is still cordoned by the upgrade (its hop did not finish)"),
        "{seen}"
    );

    let o = kubewiz()
        .args(["upgrade", "--yes", "--to", "1.28.15", "-c"])
        .arg(&cfg)
        .output()
        .unwrap();
    let t = text(&o);
    assert!(o.status.success(), "resume failed:\n{t}");
    // It continues at the worker: the control plane runs 1.28.15 already, nothing is redone there.
    assert!(t.contains("w1 to 1.28.15 first"), "{t}");
    assert!(!t.contains("[cp] ==> upgrade-apply"), "{t}");
    let nodes = fleet
        .host("cp")
        .exec_ok("kubectl --kubeconfig /etc/kubernetes/admin.conf get nodes --no-headers");
    for l in nodes.lines() {
        assert!(l.contains(" Ready ") && l.contains("v1.28.15"), "{nodes}");
    }
    let log: serde_json::Value =
        serde_json::from_str(&fleet.host("cp").exec_ok("kwsim-ctl upgrade-log")).unwrap();
    let count = |what: &str, node: Option<&str>| {
        log[what]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| {
                a[if what == "applies" { "to" } else { "version" }] == "v1.28.15"
                    && node.is_none_or(|n| a["node"] == n)
            })
            .count()
    };
    assert_eq!(count("applies", None), 1, "{log}");
    assert_eq!(count("drains", Some("w1")), 1, "{log}");
}

/// Runs `upgrade --to` until `cut` has cut the connection (it returns true once it did; called on every line
/// of the output seen so far), then to its end: (exit code, whole output).
fn upgrade_cut_when(
    cfg: &Path,
    to: &str,
    mut cut: impl FnMut(&str) -> bool,
) -> (Option<i32>, String) {
    use std::io::{BufRead, BufReader};
    let mut child = spawn_upgrade(cfg, to);
    let mut seen = String::new();
    let mut done = false;
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let Ok(line) = line else { break };
        seen.push_str(&line);
        seen.push('\n');
        if !done {
            done = cut(&line);
        }
    }
    let status = child.wait().unwrap();
    assert!(done, "{to}: the connection was never cut:\n{seen}");
    (status.code(), seen)
}

/// How many times `kubeadm upgrade apply` reached the end (its post-upgrade tasks) with target `to`,
/// counted by the simulator's apiserver.
fn applies_to(fleet: &fleet::Fleet, to: &str) -> usize {
    let log: serde_json::Value =
        serde_json::from_str(&fleet.host("cp").exec_ok("kwsim-ctl upgrade-log")).unwrap();
    log["applies"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["to"] == format!("v{to}").as_str())
        .count()
}

/// The state of `step` of `node` in the hop's journal (`.kubewiz/upgrade-<to>.json`), which must parse.
fn hop_step_state(cfg: &Path, to: &str, node: &str, step: &str) -> String {
    let f = cfg
        .parent()
        .unwrap()
        .join(format!(".kubewiz/upgrade-{to}.json"));
    let text = std::fs::read_to_string(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
    let j: serde_json::Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("corrupt hop journal ({e}):\n{text}"));
    j["nodes"][node]["steps"][step]["state"]
        .as_str()
        .unwrap_or("absent")
        .to_string()
}

/// The failure a user sees when the first control plane's connection is lost for good during
/// `kubeadm upgrade apply`: the node, the step, the lost connection, and the command that finishes it.
fn assert_apply_lost(code: Option<i32>, seen: &str, to: &str) {
    assert_eq!(code, Some(1), "{seen}");
    assert!(
        seen.contains("FAILED: node cp, step upgrade-apply: connection lost"),
        "{seen}"
    );
    assert!(
        seen.contains("what to do: cp has been unreachable"),
        "{seen}"
    );
    let what = seen
        .lines()
        .find(|l| l.contains("what to do: cp has been unreachable"))
        .unwrap();
    assert!(
        what.contains("`kubewiz upgrade") && !what.contains("kubewiz apply"),
        "the hint names the command that resumes an upgrade: {what}"
    );
    assert!(seen.contains(&format!("--to {to}` again")), "{seen}");
}

/// Issue 13: the connection to the first control plane is lost for good during `kubeadm upgrade apply`.
/// Real kubeadm accepts `upgrade apply` again at the version the cluster already runs: apply.go's runApply
/// refuses only what `EnforceVersionPolicies` (phases/upgrade/policy.go) calls too high/too low a skew, and
/// phases/upgrade/staticpods.go `upgradeComponent` skips a component whose manifest is unchanged ("current
/// and new manifests of %s are equal, skipping upgrade"); the simulator does the same.
/// - 1.28.15: kubeadm dies mid-apply with its session (killed on the node before it changed anything): the run
///   fails naming cp, upgrade-apply and the lost connection, with `kubewiz upgrade ... again` as what to do;
///   the hop's journal parses, the etcd snapshot done, upgrade-apply not; `upgrade` again runs kubeadm
///   upgrade apply again (its check finds the control plane still on 1.27) and finishes the hop.
/// - 1.29.14: the connection goes once kubeadm printed SUCCESS: `upgrade` again finds the control plane
///   upgraded (upgrade-apply's check) and does not run kubeadm upgrade apply a second time.
/// - 1.30.14: kubewiz is killed while kubeadm upgrade apply runs on cp (kubeadm goes on); `upgrade` again at
///   once waits for that kubeadm to end instead of starting a second one beside it, then finds the hop's
///   control plane done.
///
/// Every time, kubeadm upgrade apply reached its end once per hop and every node runs the version.
#[test]
fn a_connection_lost_during_upgrade_apply_then_upgrade_again_applies_once() {
    if fleet::require_root_or_skip().is_none() {
        return;
    }
    let Some(opts) = current_opts() else { return };
    use fleet::{Flavour, HostSpec};
    // kubeadm upgrade apply takes 20 s on cp: time to cut the connection while it runs.
    let (fleet, _work, cfg) = fleet::with_config(
        vec![
            HostSpec::new("cp", Flavour::Rocky9).profile("upgrade_apply", 20.0),
            HostSpec::new("w1", Flavour::Ubuntu2204),
        ],
        &opts,
    );
    let out = apply(&cfg);
    assert!(out.status.success(), "install failed:\n{}", text(&out));
    let cp = fleet.host("cp");
    let again = |to: &str| {
        let o = kubewiz()
            .args(["upgrade", "--yes", "--to", to, "-c"])
            .arg(&cfg)
            .output()
            .unwrap();
        let t = text(&o);
        assert!(o.status.success(), "{to}: upgrade again failed:\n{t}");
        t
    };
    let all_run = |to: &str| {
        let nodes =
            cp.exec_ok("kubectl --kubeconfig /etc/kubernetes/admin.conf get nodes --no-headers");
        for l in nodes.lines() {
            assert!(
                l.contains(" Ready ") && l.contains(&format!("v{to}")),
                "{nodes}"
            );
        }
        assert!(!nodes.contains("SchedulingDisabled"), "{nodes}");
    };

    // 1.28.15: kubeadm dies before it finished.
    let (code, seen) = upgrade_cut_when(&cfg, "1.28.15", |l| {
        if !l.starts_with("[cp] ==> upgrade-apply") {
            return false;
        }
        let pid = (0..100)
            .find_map(|_| {
                let o = cp.exec("pgrep -o -f 'kubeadm upgrade apply'");
                let p = String::from_utf8_lossy(&o.stdout).trim().to_string();
                if p.is_empty() {
                    std::thread::sleep(std::time::Duration::from_millis(100));
                    None
                } else {
                    Some(p)
                }
            })
            .expect("kubeadm upgrade apply never started on cp");
        cp.net_down();
        cp.exec_ok(&format!("kill -9 {pid}"));
        true
    });
    cp.net_up();
    assert_apply_lost(code, &seen, "1.28.15");
    assert_eq!(
        hop_step_state(&cfg, "1.28.15", "cp", "etcd-snapshot"),
        "done"
    );
    assert_ne!(
        hop_step_state(&cfg, "1.28.15", "cp", "upgrade-apply"),
        "done"
    );
    assert_eq!(
        applies_to(&fleet, "1.28.15"),
        0,
        "kubeadm was killed before its end"
    );
    let t = again("1.28.15");
    assert!(t.contains("[cp] ==> upgrade-apply"), "{t}");
    assert!(t.contains("[upgrade/successful] SUCCESS!"), "{t}");
    assert_eq!(applies_to(&fleet, "1.28.15"), 1);
    all_run("1.28.15");

    // 1.29.14: the connection goes after kubeadm finished.
    let (code, seen) = upgrade_cut_when(&cfg, "1.29.14", |l| {
        let done = l.starts_with("[cp] upgrade-apply: [upgrade/successful] SUCCESS!");
        if done {
            cp.net_down();
        }
        done
    });
    cp.net_up();
    assert_apply_lost(code, &seen, "1.29.14");
    assert_ne!(
        hop_step_state(&cfg, "1.29.14", "cp", "upgrade-apply"),
        "done"
    );
    assert_eq!(applies_to(&fleet, "1.29.14"), 1);
    let t = again("1.29.14");
    assert!(
        t.contains("[cp] ok  upgrade-apply: already in the desired state"),
        "{t}"
    );
    assert!(
        !t.contains("[upgrade/successful]"),
        "kubeadm upgrade apply ran again:\n{t}"
    );
    assert_eq!(applies_to(&fleet, "1.29.14"), 1);
    all_run("1.29.14");

    // 1.30.14: kubewiz dies (kill -9) while kubeadm upgrade apply runs on cp, which goes on there; `upgrade`
    // again, at once, must not start a second kubeadm upgrade apply beside it: it waits for it to end.
    cp.exec_ok("sed -i 's/^upgrade_apply.*/upgrade_apply = 60/' /etc/kwsim/profile");
    assert!(
        cp.read_file("/etc/kwsim/profile")
            .unwrap()
            .contains("upgrade_apply = 60"),
        "{:?}",
        cp.read_file("/etc/kwsim/profile")
    );
    let mut child = spawn_upgrade(&cfg, "1.30.14");
    {
        use std::io::{BufRead, BufReader};
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut seen = String::new();
        for line in lines.map_while(Result::ok) {
            seen.push_str(&line);
            seen.push('\n');
            if line.starts_with("[cp] ==> upgrade-apply") {
                break;
            }
        }
        assert!(seen.contains("[cp] ==> upgrade-apply"), "{seen}");
    }
    assert!(
        (0..100).any(|_| {
            let up = cp.exec("pgrep -f 'kubeadm upgrade apply'").status.success();
            if !up {
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            up
        }),
        "kubeadm upgrade apply never started on cp"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    let t = again("1.30.14");
    assert!(
        t.contains("kubeadm upgrade apply is already running on this node"),
        "{t}"
    );
    assert!(
        t.contains("the earlier kubeadm upgrade apply finished"),
        "{t}"
    );
    assert_eq!(applies_to(&fleet, "1.30.14"), 1);
    all_run("1.30.14");
}
