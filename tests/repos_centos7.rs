//! The `repos` step on the fleet: a CentOS 7.9 fresh from the 2009 media (its repos on the
//! retired mirrorlist.centos.org, so yum cannot install anything) is moved to the vault by
//! `kubewiz apply` and the install reaches Ready; on Ubuntu the step finds nothing to do; on
//! another RHEL release with dead repositories it fails with yum's error and a hint, and
//! guesses nothing.

mod fleet;
mod support;

use fleet::{ConfigOpts, Flavour, Fleet, HostSpec};
use kubewiz::catalog::Catalog;
use kubewiz::config::ClusterConfig;
use kubewiz::plan::{self, StepId};
use std::collections::HashMap;
use support::*;

const BASE_REPO: &str = "/etc/yum.repos.d/CentOS-Base.repo";

#[test]
fn eol_centos7_is_moved_to_the_vault_and_installs_to_ready() {
    if fleet::require_root_or_skip().is_none() {
        return;
    }
    let Some(calico) = fixture("cni/calico-v3.24.6.yaml") else {
        return;
    };
    let fleet = Fleet::start(vec![
        HostSpec::new("cp", Flavour::Centos7).centos_eol_repos(),
        HostSpec::new("w1", Flavour::Ubuntu2204),
    ]);
    let cp = fleet.host("cp");
    // As on a real machine today: yum cannot reach anything.
    let o = cp.exec("yum -q makecache");
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success()
            && e.contains("Could not retrieve mirrorlist http://mirrorlist.centos.org/"),
        "the EOL CentOS 7 should fail like the real one: {e}"
    );
    let original = cp.read_file(BASE_REPO).unwrap();

    let work = tempfile::tempdir().unwrap();
    let cfg = fleet.write_config(
        work.path(),
        &ConfigOpts {
            cni_manifest: Some(calico),
            ..ConfigOpts::default()
        },
    );
    let out = apply(&cfg);
    assert!(out.status.success(), "apply failed:\n{}", text(&out));
    assert_all_ready(&fleet, "cp", &["cp", "w1"]);

    // CentOS 7: the base repos on the vault of the configured mirror (aliyun), the original kept.
    assert_eq!(cp.step_apply_count("repos"), 1, "{:?}", cp.step_applies());
    let repo = cp.read_file(BASE_REPO).unwrap();
    for dir in ["os", "updates", "extras"] {
        let line =
            format!("baseurl=https://mirrors.aliyun.com/centos-vault/7.9.2009/{dir}/$basearch/");
        assert!(repo.lines().any(|l| l == line), "no {line} in:\n{repo}");
    }
    assert!(
        !repo
            .lines()
            .any(|l| l.trim_start().starts_with("mirrorlist=")),
        "a mirrorlist= is still active:\n{repo}"
    );
    assert_eq!(
        cp.read_file(&format!("{BASE_REPO}.kubewiz.bak")).as_deref(),
        Some(original.as_str()),
        "the original repo file is kept as the backup"
    );
    let calls = cp.calls().join("\n");
    assert!(calls.contains("yum -q clean all"), "{calls}");
    cp.exec_ok("yum -q makecache");

    // Ubuntu: nothing to do (checked, skipped, journaled done, never applied).
    let w1 = fleet.host("w1");
    assert_eq!(w1.step_apply_count("repos"), 0, "{:?}", w1.step_applies());
    let done = done_steps(work.path());
    for n in ["cp", "w1"] {
        assert!(
            done.contains(&(n.to_string(), "repos".to_string())),
            "{n}: repos not done: {done:?}"
        );
    }

    // The step again, by hand: the node is in the desired state (skipped), the backup stays
    // the original.
    let config: ClusterConfig = kubewiz::config::load(&cfg).unwrap();
    let p = plan::build(&config, Catalog::builtin()).unwrap();
    for n in ["cp", "w1"] {
        let t = &p.tasks[p.task_index(n, StepId::Repos).unwrap()];
        let o = fleet.host(n).exec_stdin(
            "bash -s",
            Some(p.render_with_secrets(t, &HashMap::new()).as_bytes()),
        );
        let stdout = String::from_utf8_lossy(&o.stdout);
        assert!(
            o.status.success() && stdout.contains("::kw::result skipped"),
            "{n}: {stdout}\n{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    assert_eq!(cp.read_file(BASE_REPO).as_deref(), Some(repo.as_str()));
    assert_eq!(
        cp.read_file(&format!("{BASE_REPO}.kubewiz.bak")).as_deref(),
        Some(original.as_str())
    );

    // A second apply touches nothing.
    let before = applies(&fleet);
    let again = apply(&cfg);
    assert!(again.status.success(), "{}", text(&again));
    assert_eq!(before, applies(&fleet));
}

#[test]
fn dead_repos_on_another_rhel_fail_with_a_hint_and_are_left_alone() {
    if fleet::require_root_or_skip().is_none() {
        return;
    }
    let fleet = Fleet::start(vec![HostSpec::new("r9", Flavour::Rocky9)]);
    let h = &fleet.hosts[0];
    let text = format!(
        "[cluster]\nname = \"t\"\nkubernetes_version = \"1.30.0\"\ncni = \"flannel\"\n\
         [[node]]\nname = \"r9\"\naddress = \"{}\"\nrole = \"control-plane\"\n",
        h.address
    );
    let config: ClusterConfig = toml::from_str(&text).unwrap();
    let p = plan::build(&config, Catalog::builtin()).unwrap();
    let t = &p.tasks[p.task_index("r9", StepId::Repos).unwrap()];
    let script = p.render_with_secrets(t, &HashMap::new());
    let run = || {
        let o = h.exec_stdin("bash -s", Some(script.as_bytes()));
        (
            o.status.success(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };

    // Working repos: nothing to do.
    let (ok, out, err) = run();
    assert!(ok && out.contains("::kw::result skipped"), "{out}\n{err}");

    // A mirror that does not resolve: the step fails, says why and what to do, changes nothing.
    h.exec_ok(
        "sed -i 's|mirrors.rockylinux.org|mirrors.rocky.invalid|' /etc/yum.repos.d/rocky.repo",
    );
    let broken = h.read_file("/etc/yum.repos.d/rocky.repo").unwrap();
    let (ok, out, err) = run();
    assert!(!ok, "{out}\n{err}");
    assert!(err.contains("makecache failed"), "{err}");
    assert!(
        err.contains("Failed to download metadata"),
        "dnf's own error is shown: {err}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("::kw::hint ") && l.contains("/etc/yum.repos.d")),
        "{out}"
    );
    assert_eq!(h.read_file("/etc/yum.repos.d/rocky.repo"), Some(broken));
    let listing = h.exec_ok("ls /etc/yum.repos.d");
    assert!(!listing.contains("kubewiz"), "{listing}");
}
