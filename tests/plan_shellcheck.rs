//! Every script `kubewiz plan` prints (and the mint/reset/facts scripts, and the upgrade's
//! scripts as assembled) passes `shellcheck -s bash -`. Fails when shellcheck is missing under CI=true; skips otherwise.

mod skip;

use kubewiz::catalog::Catalog;
use kubewiz::config::ClusterConfig;
use kubewiz::plan::{self, TaskKind};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn shellcheck() -> Option<PathBuf> {
    let found = ["/usr/bin/shellcheck", "/usr/local/bin/shellcheck"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file());
    if found.is_none() {
        skip::because("shellcheck is not installed (apt-get install shellcheck)");
    }
    found
}

/// Runs `shellcheck -s bash -` on each (name, script), two at a time; returns the failures.
fn check_all(bin: &PathBuf, scripts: Vec<(String, String)>) -> Vec<String> {
    let run = |name: &str, text: &str| -> Option<String> {
        let mut child = Command::new(bin)
            .args(["-s", "bash", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("shellcheck runs");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        (!out.status.success()).then(|| {
            format!(
                "{name}:\n{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        })
    };
    let (a, b): (Vec<_>, Vec<_>) = scripts.iter().enumerate().partition(|(i, _)| i % 2 == 0);
    std::thread::scope(|s| {
        let h = s.spawn(|| {
            b.iter()
                .filter_map(|(_, (n, t))| run(n, t))
                .collect::<Vec<_>>()
        });
        let mut fails: Vec<String> = a.iter().filter_map(|(_, (n, t))| run(n, t)).collect();
        fails.extend(h.join().unwrap());
        fails
    })
}

const SEED: &str = include_str!("plan_build_seed.toml");

const UBUNTU_HA: &str = r#"
[cluster]
name = "edge"
kubernetes_version = "1.35.0"
pod_cidr = "10.50.0.0/16"
cni = "flannel"
mirror = "upstream"
control_plane_endpoint = "192.0.2.100:6443"

[[node]]
name = "cp1"
address = "192.0.2.10"
role = "control-plane"

[[node]]
name = "cp2"
address = "192.0.2.11"
role = "control-plane"
port = 2222

[[node]]
name = "w1"
address = "192.0.2.20"
role = "worker"
"#;

fn plan_scripts(text: &str) -> Vec<(String, String)> {
    let cfg: ClusterConfig = toml::from_str(text).unwrap();
    let p = plan::build(&cfg, Catalog::builtin()).unwrap();
    let mut out: Vec<(String, String)> = p
        .tasks
        .iter()
        .filter(|t| matches!(t.kind, TaskKind::Remote(_)))
        .map(|t| (format!("{} {}", t.node, t.step), p.render(t)))
        .collect();
    out.push(("mint (cert key)".into(), p.mint_script(true)));
    out.push(("mint".into(), p.mint_script(false)));
    out.push(("reset".into(), p.reset_script()));
    out.push(("delete-node".into(), p.delete_node_script("k8s-node01")));
    out
}

/// config.sample.toml at the repo root (the seed's cluster); the inline copy if it is absent.
fn sample() -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config.sample.toml");
    std::fs::read_to_string(p).unwrap_or_else(|_| SEED.to_string())
}

#[test]
fn sample_plan_scripts_pass_shellcheck() {
    let Some(bin) = shellcheck() else { return };
    let scripts = plan_scripts(&sample());
    assert!(scripts.len() > 40);
    let fails = check_all(&bin, scripts);
    assert!(fails.is_empty(), "{}", fails.join("\n"));
}

#[test]
fn ha_flannel_plan_scripts_pass_shellcheck() {
    let Some(bin) = shellcheck() else { return };
    // The workers' and second CP's scripts differ from the seed's only in values: check the
    // ones of cp2 (control-plane join) plus the cluster steps of cp1.
    let scripts: Vec<_> = plan_scripts(UBUNTU_HA)
        .into_iter()
        .filter(|(n, _)| n.starts_with("cp2 ") || n.starts_with("cp1 "))
        .collect();
    let fails = check_all(&bin, scripts);
    assert!(fails.is_empty(), "{}", fails.join("\n"));
}

#[test]
fn plan_print_output_splits_into_clean_scripts() {
    let Some(bin) = shellcheck() else { return };
    let cfg: ClusterConfig = toml::from_str(&sample()).unwrap();
    let p = plan::build(&cfg, Catalog::builtin()).unwrap();
    // `kubewiz plan --full --node k8s-node01` as printed: each header starts a script.
    let text = plan::print::render_plan(&p, Some("k8s-node01"), None, true);
    let mut scripts = Vec::new();
    let mut cur: Option<(String, String)> = None;
    for line in text.lines() {
        if let Some(h) = line.strip_prefix("# === ") {
            scripts.extend(cur.take());
            cur = Some((h.to_string(), String::new()));
        } else if let Some((_, body)) = cur.as_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    scripts.extend(cur);
    assert_eq!(scripts.len(), p.for_node("k8s-node01").len());
    // The preflight entry is a comment only; the others are full scripts.
    let remote: Vec<_> = scripts
        .into_iter()
        .filter(|(_, b)| b.starts_with("#!/usr/bin/env bash\n"))
        .collect();
    assert_eq!(remote.len(), p.for_node("k8s-node01").len() - 1);
    let fails = check_all(&bin, remote);
    assert!(fails.is_empty(), "{}", fails.join("\n"));
}

#[test]
fn asset_files_pass_shellcheck_on_their_own() {
    let Some(bin) = shellcheck() else { return };
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/steps");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sh"))
        .collect();
    files.sort();
    assert!(files.len() >= 18, "{files:?}");
    let out = Command::new(&bin)
        .args(["-s", "bash"])
        .args(&files)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn upgrade_scripts_pass_shellcheck_as_assembled() {
    let Some(bin) = shellcheck() else { return };
    let scripts = kubewiz::upgrade::scripts::ALL
        .iter()
        .map(|(name, body, entry)| {
            let env = kubewiz::upgrade::scripts::env(name, &[]);
            (
                name.to_string(),
                kubewiz::upgrade::scripts::assemble(&env, body, entry),
            )
        })
        .collect();
    let fails = check_all(&bin, scripts);
    assert!(fails.is_empty(), "{}", fails.join("\n"));
}

#[test]
fn shellcheck_does_catch_a_bad_script() {
    let Some(bin) = shellcheck() else { return };
    let bad = "#!/usr/bin/env bash\nrm -rf $KW_DIR/*\n".to_string();
    let fails = check_all(&bin, vec![("bad".into(), bad)]);
    assert_eq!(fails.len(), 1, "the check is not vacuous");
}
