//! Helpers shared by the end-to-end tests that drive the real `kubewiz` binary on the fleet.
#![allow(dead_code)]

pub mod tmux;

use crate::fleet::{self, ConfigOpts, Fleet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

pub fn kubewiz() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kubewiz"))
}

pub fn apply(config: &Path) -> Output {
    kubewiz()
        .args(["apply", "-c"])
        .arg(config)
        .output()
        .expect("run kubewiz apply")
}

pub fn text(o: &Output) -> String {
    format!(
        "--- stdout\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A real upstream manifest from ../shared/fixtures; None (skip) outside CI when absent.
pub fn fixture(rel: &str) -> Option<PathBuf> {
    let p = fleet::fixtures_dir().join(rel);
    if p.exists() {
        return Some(p);
    }
    fleet::skip::because(&format!("the fixture {} is missing", p.display()));
    None
}

/// A supported 1.27 cluster from the upstream mirror with the real calico 3.26.5 manifest: the
/// quick configuration most fault tests use (None: fixtures absent outside CI, skip).
pub fn current_opts() -> Option<ConfigOpts> {
    Some(ConfigOpts {
        kubernetes_version: "1.27.6".into(),
        cni_manifest: Some(fixture("cni/calico-v3.26.5.yaml")?),
        mirror: "upstream".into(),
        proxy_mode: "iptables".into(),
        ..ConfigOpts::default()
    })
}

/// `kubectl get nodes` on a control plane: (name, Ready?) pairs.
pub fn cluster_nodes(fleet: &Fleet, cp: &str) -> Vec<(String, bool)> {
    let out = fleet
        .host(cp)
        .exec_ok("kubectl --kubeconfig /etc/kubernetes/admin.conf get nodes --no-headers");
    out.lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            Some((f.next()?.to_string(), f.next()? == "Ready"))
        })
        .collect()
}

pub fn assert_all_ready(fleet: &Fleet, cp: &str, names: &[&str]) {
    let nodes = cluster_nodes(fleet, cp);
    for n in names {
        assert!(
            nodes.iter().any(|(name, ready)| name == n && *ready),
            "{n} is not Ready: {nodes:?}"
        );
    }
    // Every containerd config written, judged by the real containerd of its major.
    fleet::containerd::check_fleet(fleet);
}

/// A running `kubewiz apply` whose stdout is read line by line.
pub struct Running {
    pub child: Child,
    lines: std::io::Lines<BufReader<std::process::ChildStdout>>,
    pub seen: String,
}

pub fn spawn_apply(config: &Path) -> Running {
    let mut child = kubewiz()
        .args(["apply", "-c"])
        .arg(config)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn kubewiz apply");
    let stdout = child.stdout.take().unwrap();
    Running {
        child,
        lines: BufReader::new(stdout).lines(),
        seen: String::new(),
    }
}

impl Running {
    /// Reads output until a line contains `marker` (or returns at once if one already did);
    /// false if the process ended first.
    pub fn wait_for(&mut self, marker: &str) -> bool {
        if self.seen.contains(marker) {
            return true;
        }
        for line in self.lines.by_ref() {
            let Ok(line) = line else { return false };
            self.seen.push_str(&line);
            self.seen.push('\n');
            if line.contains(marker) {
                return true;
            }
        }
        false
    }

    pub fn kill9(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.seen
    }

    /// Reads the rest of stdout and stderr and waits for the exit.
    pub fn finish(mut self) -> (Option<i32>, String) {
        for line in self.lines.by_ref().map_while(Result::ok) {
            self.seen.push_str(&line);
            self.seen.push('\n');
        }
        let mut err = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            use std::io::Read;
            let _ = e.read_to_string(&mut err);
        }
        let status = self.child.wait().expect("wait kubewiz");
        (status.code(), format!("{}\n--- stderr\n{err}", self.seen))
    }

    pub fn signal(&self, sig: &str) {
        let _ = Command::new("kill")
            .args([sig, &self.child.id().to_string()])
            .status();
    }
}

/// Runs `apply` and kills it with SIGKILL as soon as a line containing `marker` is printed.
pub fn apply_and_kill_at(config: &Path, marker: &str) -> String {
    let mut r = spawn_apply(config);
    r.wait_for(marker);
    r.kill9()
}

/// The journal as JSON (panics if it is not valid JSON: it must never be corrupt).
pub fn journal(work: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(work.join(".kubewiz/state.json")).expect("journal exists");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("corrupt journal ({e}):\n{text}"))
}

/// (node, step) pairs recorded done in the journal.
pub fn done_steps(work: &Path) -> Vec<(String, String)> {
    let v = journal(work);
    let mut out = Vec::new();
    for (node, rec) in v["nodes"].as_object().into_iter().flatten() {
        for (step, s) in rec["steps"].as_object().into_iter().flatten() {
            if s["state"] == "done" {
                out.push((node.clone(), step.clone()));
            }
        }
    }
    out
}

/// Asserts that no step recorded done in `done` was applied on a host after `applied_before`
/// (the hosts' /var/log/kubewiz/steps.log lengths at that time).
pub fn assert_no_done_step_reapplied(
    fleet: &Fleet,
    done: &[(String, String)],
    applied_before: &[usize],
) {
    for (h, before) in fleet.hosts.iter().zip(applied_before) {
        for line in &h.step_applies()[*before..] {
            let step = line
                .split_whitespace()
                .nth(1)
                .unwrap_or_default()
                .to_string();
            assert!(
                !done.contains(&(h.name.clone(), step.clone())),
                "{}: step {step} was recorded done and applied again",
                h.name
            );
        }
    }
}

pub fn applies(fleet: &Fleet) -> Vec<usize> {
    fleet.hosts.iter().map(|h| h.step_applies().len()).collect()
}
