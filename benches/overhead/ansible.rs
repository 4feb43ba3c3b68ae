//! The ansible-core side of the comparison: benches/ansible/run.sh (ansible-core pip-installed
//! into target/bench-ansible) runs the playbook of no-op `shell` tasks on the fleet's hosts and
//! writes each task's end per host; the same figures as kubewiz's come out.

use super::fleet::Fleet;
use super::spread::{median, percentile};
use super::{CpuMeter, Figures};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn ansible_script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/ansible/run.sh")
}

/// Installs ansible-core (once; run.sh keeps it under target/bench-ansible).
pub(super) fn setup() {
    let st = Command::new("bash")
        .arg(ansible_script())
        .arg("--setup-only")
        .status()
        .expect("run benches/ansible/run.sh --setup-only");
    assert!(st.success(), "could not install ansible-core (see above)");
}

/// One ansible-core run of the no-op playbook (`strategy`: linear or free) on `nodes`; `None`
/// when it failed (said on stderr).
pub(super) fn run_ansible(
    fleet: &Fleet,
    dir: &Path,
    nodes: &[String],
    steps: usize,
    strategy: &str,
) -> Option<Figures> {
    let out = dir.join("timing.json");
    let mut cmd = Command::new("bash");
    cmd.arg(ansible_script())
        .arg("--work")
        .arg(dir)
        .arg("--key")
        .arg(fleet.client_key())
        .arg("--known-hosts")
        .arg(fleet.known_hosts_path())
        .arg("--out")
        .arg(&out)
        .args(["--steps", &steps.to_string()])
        .args(["--forks", "10"])
        .args(["--strategy", strategy]);
    for n in nodes {
        cmd.arg(format!("{n}={}", fleet.host(n).address));
    }
    let cpu = CpuMeter::start(fleet, nodes, steps);
    let t0 = Instant::now();
    let status = cmd.status().expect("run benches/ansible/run.sh");
    let wall = t0.elapsed();
    let local_cpu = cpu.children();
    let remote_cpu = cpu.hosts(fleet, nodes);
    if !status.success() {
        eprintln!("ansible-core run failed ({status}); see {}", dir.display());
        return None;
    }
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out).ok()?).ok()?;
    let mut cycles = Vec::new();
    let mut failed = 0;
    for n in nodes {
        let Some(list) = v["hosts"][n.as_str()].as_array() else {
            failed += steps;
            continue;
        };
        let ends: Vec<f64> = list
            .iter()
            .map(|r| r[2].as_f64().unwrap_or(f64::NAN))
            .collect();
        failed += list.iter().filter(|r| r[3].as_str() != Some("ok")).count();
        for w in ends.windows(2) {
            cycles.push((w[1] - w[0]) * 1e3);
        }
    }
    let playbook_wall = v["wall"].as_f64().unwrap_or(wall.as_secs_f64());
    Some(Figures {
        median: median(&mut cycles),
        p90: percentile(&mut cycles, 0.9),
        per_step_total: playbook_wall * 1e3 / steps as f64,
        wall: wall.as_secs_f64() * 1e3,
        exec_median: None,
        gap_median: None,
        local_cpu,
        remote_cpu,
        failed,
    })
}
