//! End to end through a real terminal: tmux runs the real `kubewiz` binary against a fleet of
//! test hosts (tests/fleet), keys are sent with `send-keys` and the screen is read back with
//! `capture-pane` (tests/support/tmux.rs: exit codes from files, wrapped lines joined, waits on
//! conditions; "mid-install" is read from the journal, not from the screen).
//!
//! 1. From an empty directory: fill the wizard, trust the host keys, install, see each node's
//!    log in its own pane, the join panel reach 3 Ready, and the Done screen.
//! 2. Kill -9 kubewiz mid-install, start it again, choose Resume, reach Done; no step the
//!    journal recorded done is applied again.
//! 3. A node that only accepts a root password: the one-time key bootstrap works and the
//!    password is in no file kubewiz wrote.
//! 4. `q` during an install pauses scheduling; `n` resumes it; `p` pauses it with the wizard
//!    open, Esc goes back to the settings and Review installs again; `y` stops with no step
//!    started after `q` or `p` (the journal's start times); `apply` resumes.
//! 5. An install that fails (a version the nodes cannot run) → Esc → change the version →
//!    install → Done, no file edited by hand.
//! 6. Test connection on a node in the China network names the registry mirror that does not
//!    answer (Nodes, Versions, the registry panel); another mirror typed in the panel answers.
//!
//! Needs root (the fleet) and tmux; skipped with a message otherwise, failing when CI=true.

mod fleet;
mod support;

use fleet::{Flavour, Fleet, HostSpec};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use support::tmux::{Tmux, UI};

const BIN: &str = env!("CARGO_BIN_EXE_kubewiz");

fn can_run() -> bool {
    if fleet::require_root_or_skip().is_none() {
        return false;
    }
    if !Path::new("/usr/bin/tmux").exists() {
        fleet::skip::because("tmux is missing (apt-get install tmux)");
        return false;
    }
    true
}

const SECOND: Duration = Duration::from_secs(1);

/// The wizard in a 120x40 terminal, in `dir`, with `home` as HOME.
fn wizard(tag: &str, dir: &Path, home: &Path) -> Tmux {
    let home = home.display().to_string();
    Tmux::start(
        tag,
        Path::new(BIN),
        dir,
        &[("HOME", &home), ("TERM", "xterm-256color")],
        (120, 40),
    )
}

/// The text lines inside the log pane titled "<glyph> <node> · ..." on a captured screen.
fn pane_lines(screen: &str, node: &str) -> Vec<String> {
    let rows: Vec<Vec<char>> = screen.lines().map(|l| l.chars().collect()).collect();
    let title: Vec<char> = format!(" {node} · ").chars().collect();
    for (r, row) in rows.iter().enumerate() {
        let Some(at) = (0..row.len()).find(|&i| row[i..].starts_with(&title)) else {
            continue;
        };
        // The pane's top-left corner: "┌ ◐ node · ..." (glyph, space, name).
        let Some(left) = (0..at).rev().find(|&i| row[i] == '┌') else {
            continue;
        };
        let mut out = Vec::new();
        for inner in &rows[r + 1..] {
            if inner.get(left) != Some(&'│') {
                break;
            }
            let text: String = inner[left + 1..]
                .iter()
                .take_while(|c| **c != '│')
                .collect();
            let text = text.trim_end().to_string();
            if !text.is_empty() {
                out.push(text);
            }
        }
        return out;
    }
    Vec::new()
}

/// Lines kubewiz adds itself (step headers and results), not the node's output.
fn is_marker(l: &str) -> bool {
    ["── ", "✓ ", "✗ ", "… ", "! ", "connected:"]
        .iter()
        .any(|p| l.starts_with(p))
}

fn calico_fixture() -> Option<PathBuf> {
    let p = fleet::fixtures_dir().join("cni/calico-v3.24.6.yaml");
    if p.exists() {
        return Some(std::fs::canonicalize(p).unwrap());
    }
    fleet::skip::because(&format!("{} is missing", p.display()));
    None
}

/// Adds a node through the form (open). `identity`: typed into the identity file field
/// (which starts with the previous node's: cleared first; `None` leaves it empty).
fn add_node(t: &Tmux, name: &str, address: &str, identity: Option<&Path>) {
    t.text(name);
    t.keys(&["Tab"]);
    t.text(address);
    t.keys(&["Tab", "Tab", "Tab", "Tab", "C-u"]);
    if let Some(id) = identity {
        t.text(&id.display().to_string());
    }
    t.keys(&["Enter"]);
    t.wait(
        &format!("the form saved with {name} in the list"),
        UI,
        |s| !s.contains("Add a node") && s.contains(&format!("{name} ")),
    );
}

/// The open question of the Nodes screen, if any, and what identifies it: ("trust", the first
/// host key fingerprint shown) or ("password", the line that names the node).
fn nodes_prompt(s: &str) -> Option<(&'static str, String)> {
    if s.contains("Unknown host key") {
        let at = s.find("SHA256:")?;
        let fingerprint = s[at..].split_whitespace().next().unwrap_or_default();
        return Some(("trust", fingerprint.to_string()));
    }
    if s.contains("One-time password") {
        let line = s.lines().find(|l| l.contains("accepts no key for"));
        return Some(("password", line.unwrap_or_default().trim().to_string()));
    }
    None
}

/// Answers each host key question (trust) and password prompt once, waiting for the answer to
/// be taken before looking again, until `n` nodes show "✓ ok".
fn trust_and_probe(t: &Tmux, n: usize, password: Option<&str>) {
    let t0 = Instant::now();
    loop {
        let s = t.screen();
        if s.matches("✓ ok").count() >= n {
            return;
        }
        if let Some((kind, about)) = nodes_prompt(&s) {
            if kind == "trust" {
                t.keys(&["y"]);
            } else {
                let pw = password.expect("a password prompt for a key node");
                t.text(pw);
                t.keys(&["Enter"]);
            }
            let asked = (kind, about);
            t.wait(
                &format!("the {} question about {} answered", asked.0, asked.1),
                UI,
                |s| nodes_prompt(s).as_ref() != Some(&asked),
            );
            continue;
        }
        assert!(
            t0.elapsed() < 300 * SECOND,
            "nodes not connected in time; screen:\n{s}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Network (name) → Versions (1.25.3, calico manifest file, aliyun) → Review → install.
fn fill_rest_and_install(t: &Tmux, calico: &Path) {
    t.keys(&["n"]);
    t.wait_for("Cluster network", UI);
    t.keys(&["C-u"]);
    t.text("demo");
    t.keys(&["Enter"]);
    t.wait_for("Kubernetes", UI);
    for _ in 0..20 {
        t.keys(&["j"]);
    }
    t.wait_for("┌ 1.25.3 ", UI);
    t.keys(&["Tab", "Tab"]);
    t.keys(&["C-u"]);
    t.text(&calico.display().to_string());
    t.keys(&["Tab", "l", "Enter"]);
    t.wait_for("Plan for k8s-master", UI);
    t.keys(&["i"]);
    t.wait_for("install on 3 node(s) now?", UI);
    t.keys(&["y"]);
    t.wait_for("Install", UI);
}

/// A temp dir with `cluster/` (the wizard's cwd) and `home/` (its HOME), both empty.
fn work_dirs() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("cluster");
    let home = work.path().join("home");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::create_dir_all(&home).unwrap();
    (work, dir, home)
}

/// The seed fleet and a cluster.toml for it (the fleet's key and known_hosts) in
/// `<work>/cluster`, with an empty `<work>/home` for the wizard.
fn seed_fleet_with_config(calico: &Path) -> (Fleet, tempfile::TempDir, PathBuf) {
    let f = fleet::seed();
    let (work, dir, _) = work_dirs();
    let opts = fleet::config::ConfigOpts {
        cni_manifest: Some(calico.to_path_buf()),
        ..Default::default()
    };
    let cfg = f.write_config(&dir, &opts);
    (f, work, cfg)
}

/// Welcome → open cluster.toml → through every screen unchanged → install.
fn open_config_and_install(t: &Tmux) {
    // cluster.toml was read at start: Welcome offers to edit it.
    t.wait_for("Edit settings", UI);
    t.keys(&["e"]);
    t.wait_for("Nodes (3)", UI);
    t.keys(&["n"]);
    t.wait_for("Cluster network", UI);
    t.keys(&["Enter"]);
    t.wait_for("Kubernetes", UI);
    t.keys(&["Enter"]);
    t.wait_for("Plan for", UI);
    t.keys(&["i"]);
    t.wait_for("now?", UI);
    t.keys(&["y"]);
}

/// (node, step, state) of every step in the journal (empty until it is written).
fn journal_states(dir: &Path) -> Vec<(String, String, String)> {
    let Ok(text) = std::fs::read_to_string(dir.join(".kubewiz/state.json")) else {
        return Vec::new();
    };
    let v: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("corrupt journal ({e}):\n{text}"));
    let mut out = Vec::new();
    for (node, rec) in v["nodes"].as_object().into_iter().flatten() {
        for (step, st) in rec["steps"].as_object().into_iter().flatten() {
            let state = st["state"].as_str().unwrap_or_default().to_string();
            out.push((node.clone(), step.clone(), state));
        }
    }
    out
}

/// Waits until the journal shows a node's containerd step started (the install is well under
/// way: facts, preflight, repos done), whatever the screen shows.
fn wait_install_under_way(t: &Tmux, dir: &Path) {
    let t0 = Instant::now();
    while !journal_states(dir)
        .iter()
        .any(|(_, step, st)| step == "containerd" && (st == "running" || st == "done"))
    {
        assert!(
            t0.elapsed() < 600 * SECOND,
            "no containerd step started within 10 min; screen:\n{}",
            t.grid()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Waits for the whole Done screen: its title and, drawn later in the same frame, the
/// kubeconfig hint (a capture can catch a frame half drawn).
fn wait_done(t: &Tmux) -> String {
    let s = t.wait("the Done screen", 900 * SECOND, |s| {
        assert!(
            !s.contains("stopped on a failure"),
            "the install failed; screen:\n{s}"
        );
        s.contains("Cluster ready:") && s.contains("export KUBECONFIG=")
    });
    assert!(s.contains("Cluster ready: 3/3"), "not all Ready:\n{s}");
    s
}

#[test]
fn wizard_from_an_empty_directory_to_done() {
    if !can_run() {
        return;
    }
    let Some(calico) = calico_fixture() else {
        return;
    };
    let f = fleet::seed();
    let (_work, dir, home) = work_dirs();
    let t = wizard("fresh", &dir, &home);
    t.wait_for("New cluster", UI);

    t.keys(&["Enter"]);
    t.wait_for("Add a node", UI);
    let key = f.client_key().to_path_buf();
    add_node(&t, "k8s-master", &f.hosts[0].address, Some(&key));
    for h in &f.hosts[1..] {
        t.keys(&["a"]);
        t.wait_for("Add a node", UI);
        add_node(&t, &h.name, &h.address, Some(&key));
    }
    t.keys(&["T"]);
    trust_and_probe(&t, 3, None);
    t.wait_for("centos 7", UI);
    // The trusted keys went to the (test) user's known_hosts.
    let kh = std::fs::read_to_string(home.join(".ssh/known_hosts")).unwrap();
    for h in &f.hosts {
        assert!(kh.contains(&h.address), "{kh}");
    }

    fill_rest_and_install(&t, &calico);

    // Each node's log lines in its own pane (3 nodes: a grid of panes), while it runs.
    let s = t.wait_grid("each node's own output in its pane", 300 * SECOND, |s| {
        f.hosts.iter().all(|h| {
            pane_lines(s, &h.name)
                .iter()
                .filter(|l| !is_marker(l))
                .count()
                >= 2
        })
    });
    eprintln!("install screen:\n{s}");
    for h in &f.hosts {
        eprintln!("{} pane: {:?}", h.name, pane_lines(&s, &h.name));
    }

    // The join panel shows up by itself and reaches 3 Ready (or the run is already done).
    let s = t.wait("the join panel at 3/3 Ready", 900 * SECOND, |s| {
        assert!(
            !s.contains("stopped on a failure"),
            "the install failed; screen:\n{s}"
        );
        s.contains("Join progress: 3/3 Ready") || s.contains("Cluster ready: 3/3")
    });
    eprintln!("join screen:\n{s}");

    let s = wait_done(&t);
    eprintln!("done screen:\n{s}");
    t.keys(&["Enter"]);
    assert_eq!(t.wait_exit(UI), 0);
    t.wait_for("is ready", UI);

    // The wizard wrote cluster.toml (loads as `apply` would) and the kubeconfig (0600).
    let cfg = kubewiz::config::load(&dir.join("cluster.toml")).expect("cluster.toml loads");
    assert_eq!(cfg.nodes.len(), 3);
    assert_eq!(cfg.cluster.kubernetes_version, "1.25.3");
    use std::os::unix::fs::PermissionsExt;
    let kc = std::fs::metadata(dir.join(".kubewiz/kubeconfig")).expect("kubeconfig written");
    assert_eq!(kc.permissions().mode() & 0o777, 0o600);

    // Started again in the same directory: Welcome describes the installed cluster from the
    // journal (nodes, version, when, what init fixed) and offers Edit settings and Upgrade
    // (issue 12 item 14).
    t.respawn();
    let s = t.wait("Welcome describing the installed cluster", UI, |s| {
        s.contains(" Installed · ") && s.contains("fixed by kubeadm init")
    });
    eprintln!("welcome after the install:\n{s}");
    assert!(
        s.contains("3 nodes · Kubernetes 1.25.3 · calico · finished ")
            && s.contains(" spent installing"),
        "{s}"
    );
    assert!(s.contains("Edit settings") && s.contains("Upgrade"), "{s}");
    assert!(!s.contains("Resume"), "nothing to resume: {s}");
    t.keys(&["q"]);
    t.wait_for("Quit kubewiz?", UI);
    t.keys(&["y"]);
    assert_eq!(t.wait_exit(UI), 0);
}

#[test]
fn kill_mid_install_then_resume_to_done() {
    if !can_run() {
        return;
    }
    let Some(calico) = calico_fixture() else {
        return;
    };
    let (fleet, work, _cfg) = seed_fleet_with_config(&calico);
    let (dir, home) = (work.path().join("cluster"), work.path().join("home"));

    let t = wizard("resume", &dir, &home);
    open_config_and_install(&t);
    // Wait until the install is well under way, then kill -9.
    wait_install_under_way(&t, &dir);
    // And its finished steps cover a second at least, so that Done has an earlier part to add.
    let t0 = Instant::now();
    while kubewiz::tui::app::busy_secs(journal_spans(&dir)) == 0 {
        assert!(t0.elapsed() < 600 * SECOND, "no step took a second");
        std::thread::sleep(Duration::from_millis(100));
    }
    let pid = t.pid();
    assert!(
        Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status()
            .unwrap()
            .success()
    );
    assert_eq!(t.wait_exit(UI), 137, "kubewiz was killed by SIGKILL");
    let done = support::done_steps(&dir);
    let before = support::applies(&fleet);
    assert!(
        journal_states(&dir).iter().any(|(_, _, st)| st != "done"),
        "killed after the install ended: nothing left to resume"
    );

    // The killed run's time: the union of its steps' spans in the journal (as the wizard reads
    // it when it starts the engine again).
    let earlier = kubewiz::tui::app::busy_secs(journal_spans(&dir));
    eprintln!("the killed run: {earlier} s of steps");

    t.respawn();
    let s = t.wait("the welcome screen offering to resume", UI, |s| {
        s.contains("Unfinished install") && s.contains("Resume")
    });
    eprintln!("welcome after the kill:\n{s}");
    t.keys(&["r"]);
    let s = wait_done(&t);
    eprintln!("done after resume:\n{s}");
    // Done counts the whole install, not only the resumed part (issue 12 item 15).
    assert!(s.contains(" this run) "), "{s}");
    t.keys(&["Enter"]);
    assert_eq!(t.wait_exit(UI), 0);
    support::assert_no_done_step_reapplied(&fleet, &done, &before);
}

/// An install that fails because the nodes cannot run the version (Kubernetes 1.35 on
/// CentOS 7: cgroup v1): Esc goes back to the settings, the Versions screen now knows the
/// nodes and says why, the version is changed there, and the install reaches Done. No file
/// is edited by hand (issue 12 items 1, 2).
#[test]
fn failed_install_then_esc_change_the_version_and_install_to_done() {
    if !can_run() {
        return;
    }
    let f = fleet::seed();
    let (_work, dir, home) = work_dirs();
    // The CNI manifests of both versions are built into kubewiz: no local copy needed.
    // The newest 1.35 patch the catalog knows, so that it sits in the version list where the
    // catalog puts it (a patch the catalog does not list would be appended at the end).
    let m135 = kubewiz::catalog::Catalog::builtin().minor("1.35").unwrap();
    let v135 = format!("1.35.{}", m135.latest_patch);
    let opts = fleet::config::ConfigOpts {
        kubernetes_version: v135.clone(),
        ..Default::default()
    };
    let cfg = f.write_config(&dir, &opts);

    let t = wizard("version", &dir, &home);
    open_config_and_install(&t);
    let s = t.wait("the install stopped on a failure", 300 * SECOND, |s| {
        s.contains("stopped on a failure")
    });
    eprintln!("failed install:\n{s}");
    assert!(s.contains("Esc settings"), "{s}");

    t.keys(&["Escape"]);
    t.wait_for("Plan for", UI);
    t.keys(&["Escape"]);
    // The facts the run read are known now: the version is refused here, saying why, and
    // the newest one the nodes can run is offered.
    let s = t.wait("the Versions screen refusing 1.35", UI, |s| {
        s.contains(&format!("┌ {v135} ")) && s.contains("cgroup") && s.contains("n chooses it")
    });
    eprintln!("versions after the failure:\n{s}");
    for _ in 0..20 {
        t.keys(&["j"]);
    }
    t.wait_for("┌ 1.25.3 ", UI);
    // k8s-master read the aliyun 1.25 repository's index over SSH (the script of `kubewiz
    // check --connect`): the chosen patch is there.
    let s = t.wait("the repository's answer", UI, |s| {
        s.contains("1.25.3 is in the package repository (as k8s-master reads its index")
    });
    eprintln!("versions with the repository's answer:\n{s}");
    t.keys(&["Enter"]);
    t.wait_for("Plan for", UI);
    t.keys(&["i"]);
    t.wait_for("now?", UI);
    t.keys(&["y"]);
    let s = wait_done(&t);
    eprintln!("done:\n{s}");
    t.keys(&["Enter"]);
    assert_eq!(t.wait_exit(UI), 0);
    // The wizard saved the new version (nothing edited by hand).
    let saved = kubewiz::config::load(&cfg).expect("cluster.toml loads");
    assert_eq!(saved.cluster.kubernetes_version, "1.25.3");
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            files_under(&p, out);
        } else if ft.is_file() {
            out.push(p);
        }
    }
}

#[test]
fn password_only_node_gets_the_wizards_key() {
    if !can_run() {
        return;
    }
    const PW: &str = "Seed-Root-Pw-4711";
    let f = Fleet::start(vec![
        HostSpec::new("k8s-master", Flavour::Rocky9),
        HostSpec::new("k8s-node01", Flavour::Rocky9).root_password(PW),
    ]);
    let (work, dir, home) = work_dirs();
    let t = wizard("password", &dir, &home);
    t.wait_for("New cluster", UI);
    t.keys(&["Enter"]);
    t.wait_for("Add a node", UI);
    let key = f.client_key().to_path_buf();
    add_node(&t, "k8s-master", &f.hosts[0].address, Some(&key));
    t.keys(&["a"]);
    t.wait_for("Add a node", UI);
    // No identity file: kubewiz's own key is installed with the password.
    add_node(&t, "k8s-node01", &f.hosts[1].address, None);
    t.keys(&["T"]);
    trust_and_probe(&t, 2, Some(PW));

    // Save: the node now uses the wizard's key.
    t.keys(&["n"]);
    t.wait_for("Cluster network", UI);
    t.keys(&["Enter"]);
    t.wait_for("Kubernetes", UI);
    t.keys(&["Enter"]);
    t.wait_for("Plan for", UI);
    t.keys(&["s"]);
    t.wait_for("saved", UI);
    t.keys(&["q", "y"]);
    assert_eq!(t.wait_exit(UI), 0);

    let cfg = kubewiz::config::load(&dir.join("cluster.toml")).expect("cluster.toml loads");
    let id = cfg.nodes[1]
        .identity_file
        .clone()
        .expect("the wizard's key");
    assert!(id.ends_with(".kubewiz/id_ed25519"), "{id:?}");
    // The key works without a password now.
    let out = Command::new("ssh")
        .args([
            "-F",
            "/dev/null",
            "-o",
            "BatchMode=yes",
            "-o",
            "StrictHostKeyChecking=yes",
        ])
        .arg("-o")
        .arg(format!(
            "UserKnownHostsFile={}",
            home.join(".ssh/known_hosts").display()
        ))
        .arg("-i")
        .arg(&id)
        .arg(format!("root@{}", f.hosts[1].address))
        .arg("echo key-login-ok")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "key-login-ok",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The password is in no file kubewiz wrote: the cluster dir (cluster.toml, .kubewiz/),
    // the user's home (known_hosts) and no askpass helper left in the temp dir.
    let mut files = Vec::new();
    files_under(work.path(), &mut files);
    assert!(!files.is_empty());
    for p in &files {
        let bytes = std::fs::read(p).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(PW),
            "password found in {}",
            p.display()
        );
    }
    let leftovers = std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("kubewiz-askpass-")
        })
        .count();
    assert_eq!(leftovers, 0, "askpass helper left behind");
}

/// (node, step, started_at) of every step the journal records as started at or after `t`
/// (seconds since the epoch).
fn started_since(dir: &Path, t: i64) -> Vec<(String, String, i64)> {
    let Ok(text) = std::fs::read_to_string(dir.join(".kubewiz/state.json")) else {
        return Vec::new();
    };
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut out = Vec::new();
    for (node, rec) in v["nodes"].as_object().into_iter().flatten() {
        for (step, st) in rec["steps"].as_object().into_iter().flatten() {
            if let Some(at) = st["started_at"].as_i64()
                && at >= t
            {
                out.push((node.clone(), step.clone(), at));
            }
        }
    }
    out
}

/// (started_at, finished_at) of every step the journal records as finished.
fn journal_spans(dir: &Path) -> Vec<(i64, i64)> {
    let text = std::fs::read_to_string(dir.join(".kubewiz/state.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut out = Vec::new();
    for rec in v["nodes"].as_object().into_iter().flatten().map(|(_, r)| r) {
        for st in rec["steps"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(_, s)| s)
        {
            if let (Some(s), Some(f)) = (st["started_at"].as_i64(), st["finished_at"].as_i64()) {
                out.push((s, f.max(s)));
            }
        }
    }
    out
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// `q` during an install pauses scheduling while "Stop the install?" is open: `n` goes on
/// (steps start again), `y` stops where it was (no step started after `q`, from the journal's
/// start times); running steps finish, nothing is left running, `apply` resumes (issue 12
/// item 3).
#[test]
fn q_pauses_scheduling_n_resumes_y_stops_then_apply_resumes() {
    if !can_run() {
        return;
    }
    let Some(calico) = calico_fixture() else {
        return;
    };
    let (f, work, cfg) = seed_fleet_with_config(&calico);
    let (dir, home) = (work.path().join("cluster"), work.path().join("home"));

    let t = wizard("quit", &dir, &home);
    open_config_and_install(&t);
    wait_install_under_way(&t, &dir);

    // q: the question is open and nothing new starts while it is (steps become ready all the
    // time here: packages, images, init...). The journal's times are whole seconds: a step
    // the engine started in the second the question appeared is not counted against it.
    t.keys(&["q"]);
    t.wait_for("Stop the install?", UI);
    let asked = now_secs() + 1;
    std::thread::sleep(6 * SECOND);
    let started = started_since(&dir, asked);
    assert!(started.is_empty(), "started while paused: {started:?}");

    // n: scheduling resumes (a step starts again, or the run ends).
    t.keys(&["n"]);
    t.wait("the question closed", UI, |s| {
        !s.contains("Stop the install?")
    });
    let resumed = now_secs();
    let t0 = Instant::now();
    while started_since(&dir, resumed).is_empty() && !t.screen().contains("Cluster ready:") {
        assert!(
            t0.elapsed() < 600 * SECOND,
            "nothing started after n; screen:\n{}",
            t.grid()
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    // p: nothing new starts, the running steps finish and the wizard stays, paused; Esc goes
    // back to the settings and Review installs again (issue 12 item 1).
    t.keys(&["p"]);
    let paused = now_secs() + 1;
    let s = t.wait("the install paused", 300 * SECOND, |s| {
        s.contains("install paused")
    });
    assert!(s.contains("Esc settings"), "{s}");
    let started = started_since(&dir, paused);
    assert!(started.is_empty(), "started after p: {started:?}");
    t.keys(&["Escape"]);
    t.wait_for("Plan for", UI);
    t.keys(&["i"]);
    t.wait_for("now?", UI);
    let again = now_secs();
    t.keys(&["y"]);
    let t0 = Instant::now();
    while started_since(&dir, again).is_empty() {
        assert!(
            t0.elapsed() < 600 * SECOND,
            "nothing started after installing again from Review; screen:\n{}",
            t.grid()
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    // q, then y: stopped where it was when q was pressed.
    t.keys(&["q"]);
    t.wait_for("Stop the install?", UI);
    let asked = now_secs() + 1;
    std::thread::sleep(3 * SECOND);
    t.keys(&["y"]);
    // Running steps finish, the journal is saved, the terminal is restored, and it says how
    // to resume.
    t.wait_exit(300 * SECOND);
    t.wait_for("kubewiz apply", UI);
    let started = started_since(&dir, asked);
    assert!(started.is_empty(), "started after q: {started:?}");

    let journal: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join(".kubewiz/state.json")).unwrap())
            .unwrap();
    for (node, rec) in journal["nodes"].as_object().unwrap() {
        for (step, st) in rec["steps"].as_object().unwrap() {
            assert_ne!(st["state"], "running", "{node}/{step} left running");
        }
    }
    for h in &f.hosts {
        let ps = h.exec_ok("ps -eo args");
        assert!(
            !ps.contains("--kill-after") && !ps.contains("/dev/stdin"),
            "{}: orphaned step:\n{ps}",
            h.name
        );
    }

    let out = Command::new(BIN)
        .args(["apply", "-c"])
        .arg(&cfg)
        .env("HOME", &home)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Test connection probes, from the node, the registries and mirrors of the settings (the
/// facts step's own probes, over real SSH) before anything is installed (issue 10): a Docker
/// Hub mirror that does not answer from a node in the China network is named on the Nodes
/// screen, in the Versions checks and in the registry panel; another mirror typed in the
/// panel is tested again with `t` and answers. Nothing is installed.
#[test]
fn test_connection_names_the_registry_mirror_that_does_not_answer() {
    if !can_run() {
        return;
    }
    let f = Fleet::start(vec![HostSpec::new("k8s-master", Flavour::Centos7).china()]);
    let (_work, dir, home) = work_dirs();
    let wrong = "https://hub.mirror.example.org";
    let opts = fleet::config::ConfigOpts {
        registry_mirrors: Some(vec![("docker.io".into(), vec![wrong.into()])]),
        ..Default::default()
    };
    f.write_config(&dir, &opts);

    let t = wizard("mirrors", &dir, &home);
    t.wait_for("Edit settings", UI);
    t.keys(&["e"]);
    t.wait_for("Nodes (1)", UI);
    t.keys(&["t"]);
    trust_and_probe(&t, 1, None);
    let s = t.wait_for(
        &format!("✗ docker.io: mirror {wrong} does not answer from this node"),
        UI,
    );
    assert!(
        s.contains("✓ the other image registry and mirror of these settings answers"),
        "{s}"
    );
    t.keys(&["n"]);
    t.wait_for("Cluster network", UI);
    t.keys(&["Enter"]);
    t.wait_for(
        &format!("k8s-master: registry docker.io: mirror {wrong} does not answer"),
        UI,
    );
    // The registry panel (Tab to "Registry mirrors", Enter).
    t.keys(&["Tab", "Tab", "Tab", "Tab", "Enter"]);
    t.wait_for(&format!("{wrong} · no answer from k8s-master"), UI);
    t.keys(&["Enter"]); // docker.io, the first registry this cluster pulls from
    t.wait_for("Mirrors, tried in order", UI);
    t.keys(&["C-u"]);
    t.text("https://docker.m.daocloud.io");
    t.keys(&["Enter"]);
    t.wait_for("https://docker.m.daocloud.io · not tested (t)", UI);
    t.keys(&["t"]);
    t.wait_for(
        "https://docker.m.daocloud.io · answers from all 1 node(s)",
        120 * SECOND,
    );
    assert!(
        f.hosts[0].step_applies().is_empty(),
        "nothing is installed by a test: {:?}",
        f.hosts[0].step_applies()
    );
    let net = f.hosts[0].net_log().join("\n");
    assert!(net.contains(&format!("{wrong}/v2/ timeout")), "{net}");
    t.keys(&["Escape", "q"]);
    t.wait_for("Quit", UI);
    t.keys(&["y"]);
    t.wait_exit(UI);
}
