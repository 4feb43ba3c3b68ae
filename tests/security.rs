//! Trust and secrets on the test fleet: host-key policies, secrets never on disk or screen,
//! non-root users through `sudo -n`, preflight refusing wrong machines before any change,
//! hostile values never executed.

mod fleet;
mod support;

use fleet::{ConfigOpts, Flavour, Fleet, HostSpec, Sudo, UserSpec};
use std::path::{Path, PathBuf};
use support::*;

fn check_connect(cfg: &Path) -> std::process::Output {
    kubewiz()
        .args(["check", "--connect", "-c"])
        .arg(cfg)
        .output()
        .expect("run kubewiz check")
}

#[test]
fn host_keys_strict_refuses_unknown_accept_new_records_and_a_changed_key_is_refused() {
    if fleet::require_root_or_skip().is_none() {
        return;
    }
    let Some(base) = current_opts() else { return };
    let fleet = Fleet::start(vec![HostSpec::new("cp", Flavour::Rocky9)]);
    let work = tempfile::tempdir().unwrap();

    // strict + empty known_hosts: refused, and told how to proceed.
    let cfg = fleet.write_config(
        work.path(),
        &ConfigOpts {
            host_key_policy: "strict".into(),
            ..base.clone()
        },
    );
    let out = check_connect(&cfg);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is not in"), "{err}");
    assert!(err.contains("host_key_policy is \"strict\""), "{err}");
    assert_eq!(
        std::fs::read_to_string(fleet.known_hosts_path())
            .unwrap()
            .trim(),
        ""
    );

    // accept-new: recorded on first use.
    let cfg = fleet.write_config(work.path(), &base);
    let out = check_connect(&cfg);
    assert!(out.status.success(), "{}", text(&out));
    let known = std::fs::read_to_string(fleet.known_hosts_path()).unwrap();
    let key = fleet.host("cp").host_public_key();
    assert!(known.contains(&key), "key not recorded:\n{known}");

    // The machine's host key changes: refused, with what changed and how to fix it.
    fleet.host("cp").swap_host_key();
    let out = check_connect(&cfg);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("has CHANGED"), "{err}");
    assert!(err.contains("ssh-keygen -R"), "{err}");
    let out = apply(&cfg);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("has CHANGED"),
        "{}",
        text(&out)
    );
    assert!(fleet.host("cp").step_applies().is_empty());
}

/// Every join token, CA hash and certificate key the simulated cluster ever issued.
fn cluster_secrets(fleet: &Fleet, cp: &str) -> Vec<String> {
    let state: serde_json::Value =
        serde_json::from_str(&fleet.host(cp).sim_state()).expect("sim state is JSON");
    let mut out = Vec::new();
    for (id, t) in state["tokens"].as_object().into_iter().flatten() {
        let secret = t["secret"].as_str().unwrap_or_default();
        out.push(format!("{id}.{secret}"));
        out.push(secret.to_string());
    }
    if let Some(h) = state["ca_hash"].as_str() {
        out.push(h.trim_start_matches("sha256:").to_string());
    }
    if let Some(k) = state["certs"]["key"].as_str() {
        out.push(k.to_string());
    }
    out.retain(|s| s.len() >= 16);
    out
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn secrets_never_reach_the_journal_logs_or_output() {
    if fleet::require_root_or_skip().is_none() {
        return;
    }
    let Some(base) = current_opts() else { return };
    // Two control planes and a worker: join tokens, the CA hash and a certificate key.
    let fleet = Fleet::start(vec![
        HostSpec::new("cp1", Flavour::Rocky9),
        HostSpec::new("cp2", Flavour::Rocky9),
        HostSpec::new("w1", Flavour::Ubuntu2204),
    ]);
    let work = tempfile::tempdir().unwrap();
    let cfg = fleet.write_config(
        work.path(),
        &ConfigOpts {
            control_planes: 2,
            ..base
        },
    );
    // Interrupted during the joins, then resumed: secrets are minted in both runs.
    let mut captured = apply_and_kill_at(&cfg, "==> join");
    let out = apply(&cfg);
    captured.push_str(&text(&out));
    assert!(out.status.success(), "{}", text(&out));
    assert_all_ready(&fleet, "cp1", &["cp1", "cp2", "w1"]);

    let secrets = cluster_secrets(&fleet, "cp1");
    assert!(
        secrets.len() >= 4,
        "expected tokens, a CA hash and a certificate key: {secrets:?}"
    );
    let mut files = files_under(work.path());
    files.push(fleet.known_hosts_path().to_path_buf());
    assert!(files.iter().any(|f| f.ends_with("state.json")));
    assert!(
        files
            .iter()
            .any(|f| f.to_string_lossy().ends_with("logs/cp1.log"))
    );
    let mut hits = Vec::new();
    for f in &files {
        let body = String::from_utf8_lossy(&std::fs::read(f).unwrap()).into_owned();
        for s in &secrets {
            if body.contains(s.as_str()) {
                hits.push(format!("{} contains {s}", f.display()));
            }
        }
    }
    for s in &secrets {
        if captured.contains(s.as_str()) {
            hits.push(format!("the output contains {s}"));
        }
    }
    assert!(hits.is_empty(), "secrets leaked: {hits:#?}");
    // The join did happen with a token: the logs say so, redacted.
    let log = std::fs::read_to_string(work.path().join(".kubewiz/logs/w1.log")).unwrap();
    assert!(log.contains("kubeadm join"), "{log}");
    // Workstation files are private.
    use std::os::unix::fs::PermissionsExt;
    for f in files
        .iter()
        .filter(|f| f.starts_with(work.path().join(".kubewiz")))
    {
        let mode = std::fs::metadata(f).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode & 0o077, 0, "{} has mode {mode:o}", f.display());
    }
}

#[test]
fn a_non_root_user_works_through_sudo_and_one_without_passwordless_sudo_is_refused() {
    if fleet::require_root_or_skip().is_none() {
        return;
    }
    let Some(base) = current_opts() else { return };
    let user = |sudo| UserSpec {
        name: "kw".into(),
        password: None,
        sudo,
        key: true,
    };
    let fleet = Fleet::start(vec![
        HostSpec::new("cp", Flavour::Rocky9).user_spec(user(Sudo::NoPassword)),
        HostSpec::new("w1", Flavour::Ubuntu2204).user_spec(user(Sudo::NoPassword)),
        HostSpec::new("w2", Flavour::Ubuntu2204).user_spec(user(Sudo::Password)),
    ]);
    let work = tempfile::tempdir().unwrap();
    let cfg = fleet.write_config(
        work.path(),
        &ConfigOpts {
            user: "kw".into(),
            nodes: Some(vec!["cp".into(), "w1".into(), "w2".into()]),
            ..base.clone()
        },
    );
    let out = apply(&cfg);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("FAILED: node w2, step facts"), "{stdout}");
    assert!(
        stdout.contains("`sudo -n` needs a password for kw"),
        "{stdout}"
    );
    // Refused at once by `sudo -n`, not after waiting out a password prompt until the facts
    // step's timeout (the message says which; a time bound would fail on a loaded machine).
    assert!(!stdout.contains("timed out"), "{stdout}");
    // Preflight is a barrier: nothing changed anywhere.
    assert!(fleet.hosts.iter().all(|h| h.step_applies().is_empty()));

    // Without the node that cannot sudo, the install goes through sudo -n.
    let cfg = fleet.write_config(
        work.path(),
        &ConfigOpts {
            user: "kw".into(),
            nodes: Some(vec!["cp".into(), "w1".into()]),
            ..base
        },
    );
    std::fs::remove_dir_all(work.path().join(".kubewiz")).unwrap();
    // sudo 1.9.14+ runs commands in a pseudo-terminal by default (use_pty): the step scripts
    // still read themselves from stdin and stream their output through it.
    fleet
        .host("w1")
        .write_file("/etc/sudoers.d/00-use-pty", "Defaults use_pty\n");
    let l = fleet
        .ssh(fleet.host("w1"), "kw")
        .arg("sudo -n -l")
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&l.stdout).contains("use_pty"),
        "sudo on w1 reads the use_pty default: {l:?}"
    );
    let out = apply(&cfg);
    assert!(out.status.success(), "{}", text(&out));
    assert_all_ready(&fleet, "cp", &["cp", "w1"]);
}

#[test]
fn preflight_refuses_wrong_machines_naming_them_before_any_change() {
    if fleet::require_root_or_skip().is_none() {
        return;
    }
    let Some(base) = current_opts() else { return };
    let fleet = Fleet::start(vec![
        HostSpec::new("cp", Flavour::Centos7)
            .cpus(1)
            .memory_mb(1024),
        HostSpec::new("w1", Flavour::Centos7).product_uuid("4C4C4544-0042-3510-8052-B7C04F4B4E32"),
        HostSpec::new("w2", Flavour::Centos7)
            .product_uuid("4C4C4544-0042-3510-8052-B7C04F4B4E32")
            .clock_offset_secs(300),
    ]);
    let work = tempfile::tempdir().unwrap();
    let cfg = fleet.write_config(work.path(), &base.clone());
    let out = apply(&cfg);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let s = text(&out);
    for needle in [
        "FAILED: node cp, step preflight",
        "at least 2 CPUs, this node has 1",
        "1700 MB of memory",
        "FAILED: node w1, step preflight",
        "product_uuid 4C4C4544-0042-3510-8052-B7C04F4B4E32 is shared by w1, w2",
        "FAILED: node w2, step preflight",
        "clock differs from this workstation by",
        "nothing was changed on any node",
    ] {
        assert!(s.contains(needle), "missing {needle:?} in:\n{s}");
    }
    assert!(fleet.hosts.iter().all(|h| h.step_applies().is_empty()));

    // CentOS 7 (kernel 3.10, cgroup v1) cannot run 1.35: refused with the reason.
    let cfg = fleet.write_config(
        work.path(),
        &ConfigOpts {
            kubernetes_version: "1.35.6".into(),
            cni_manifest: fixture("cni/calico-v3.32.1.yaml"),
            ..base
        },
    );
    std::fs::remove_dir_all(work.path().join(".kubewiz")).unwrap();
    let out = apply(&cfg);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let s = text(&out);
    assert!(s.contains("cgroup"), "{s}");
    assert!(fleet.hosts.iter().all(|h| h.step_applies().is_empty()));
}

#[test]
fn hostile_values_are_never_executed_on_a_node() {
    if fleet::require_root_or_skip().is_none() {
        return;
    }
    let fleet = Fleet::start(vec![HostSpec::new("cp", Flavour::Rocky9)]);
    let work = tempfile::tempdir().unwrap();
    let cfg_path = fleet.write_config(work.path(), &ConfigOpts::default());
    let cfg = kubewiz::config::load(&cfg_path).expect("valid config");
    let plan = kubewiz::plan::build(&cfg, kubewiz::catalog::Catalog::builtin()).unwrap();
    let hostile = [
        "$(touch /tmp/pwned1)",
        "`touch /tmp/pwned2`",
        "'; touch /tmp/pwned3; '",
        "\"; touch /tmp/pwned4; \"",
        "x\ntouch /tmp/pwned5\n",
        "${IFS}touch${IFS}/tmp/pwned6",
    ];
    // Values that validation would refuse, planted straight into the rendered scripts:
    // the quoting alone must keep them inert.
    let rt = tokio::runtime::Runtime::new().unwrap();
    for step in [
        kubewiz::plan::StepId::Facts,
        kubewiz::plan::StepId::Hostname,
    ] {
        let i = plan.task_index("cp", step).unwrap();
        let mut task = plan.tasks[i].clone();
        let kubewiz::plan::TaskKind::Remote(script) = &mut task.kind else {
            panic!()
        };
        for (k, v) in script.env.iter_mut() {
            if k != "KW_STEP" {
                *v = hostile.join(" ");
            }
        }
        script.env.push(("KW_HOSTILE".into(), hostile.join("")));
        let text = plan.render_with_secrets(&task, &Default::default());
        let target = kubewiz::ssh::Target::new(&cfg.nodes[0], &cfg.ssh);
        rt.block_on(async {
            let conn = kubewiz::ssh::Connection::open(&target).await.unwrap();
            let mut sink = |_l: kubewiz::ssh::Line| {};
            let _ = conn
                .run_script(&text, std::time::Duration::from_secs(60), &mut sink)
                .await
                .unwrap();
            conn.close().await;
        });
    }
    let found = fleet.host("cp").exec_ok("ls /tmp");
    assert!(
        !found.contains("pwned"),
        "a hostile value was executed: {found}"
    );
}
