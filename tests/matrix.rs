//! Real machines of late 2026 (issue 9) on the fleet: containerd from the source the matrix
//! wants, config version 4 for containerd 2.3, packages that no longer pull what kubeadm needs,
//! foreign package-manager locks, an interrupted dpkg, a patch newer than the catalog knows.
//! Every containerd config written is judged by the real containerd of its major
//! (`assert_all_ready` → fleet::containerd::check_fleet).

mod fleet;
mod support;

use fleet::{ConfigOpts, Flavour, Fleet, HostSpec};
use std::process::{Command, Stdio};
use support::*;

/// Ubuntu 22.04 + Kubernetes 1.36 + calico 3.32: Docker's containerd.io 2.3 (config version 4),
/// cri-tools and kubernetes-cni installed explicitly (kubeadm 1.36.4 depends on nothing).
#[test]
fn ubuntu_2204_with_1_36_and_calico_3_32_runs_containerd_2_3() {
    if fleet::require_root_or_skip().is_none() {
        return;
    }
    let Some(calico) = fixture("cni/calico-v3.32.1.yaml") else {
        return;
    };
    let (fleet, _work, cfg) = fleet::three_nodes(
        ["cp1", "w1", "w2"],
        |n| HostSpec::new(n, Flavour::Ubuntu2204),
        &ConfigOpts {
            kubernetes_version: "1.36.4".into(),
            cni: "calico".into(),
            cni_version: Some("3.32.1".into()),
            cni_manifest: Some(calico),
            mirror: "upstream".into(),
            proxy_mode: "iptables".into(),
            timezone: None,
            ..ConfigOpts::default()
        },
    );
    let out = apply(&cfg);
    assert!(out.status.success(), "apply failed:\n{}", text(&out));
    assert_all_ready(&fleet, "cp1", &["cp1", "w1", "w2"]);
    for h in &fleet.hosts {
        let v = h.exec_ok("containerd --version");
        assert!(v.contains("containerd.io v2.3."), "{}: {v}", h.name);
        let conf = h.read_file("/etc/containerd/config.toml").unwrap();
        assert!(conf.starts_with("version = 4\n"), "{}: {conf}", h.name);
        assert!(
            conf.contains("sandbox = 'registry.k8s.io/pause:3.10.2'"),
            "{}: {conf}",
            h.name
        );
        // Installed explicitly: kubeadm 1.36.4's package pulls none of them.
        let pkgs = h.exec("dpkg-query -W -f='${Package} ${Status}\\n' cri-tools kubernetes-cni conntrack socat ebtables ethtool");
        let pkgs = String::from_utf8_lossy(&pkgs.stdout).into_owned();
        for p in [
            "cri-tools",
            "kubernetes-cni",
            "socat",
            "ebtables",
            "ethtool",
        ] {
            assert!(
                pkgs.lines()
                    .any(|l| l.starts_with(&format!("{p} ")) && l.ends_with("installed")),
                "{}: {p} missing:\n{pkgs}",
                h.name
            );
        }
        // conntrack: only kubeadm < 1.32 looks for it.
        assert!(!pkgs.contains("conntrack install"), "{}: {pkgs}", h.name);
    }
    let checked = fleet::containerd::check_fleet(&fleet);
    eprintln!("{}", checked.join("\n"));
}

/// One process per cluster.
fn spawn(cfg: &std::path::Path) -> std::process::Child {
    kubewiz()
        .args(["apply", "-c"])
        .arg(cfg)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Three single-node clusters on one fleet, installed at the same time:
/// - Rocky 9 + 1.35.8: Docker's containerd.io 2.2 (1.35 lists 2.2.0+, not 2.3), config version 3;
///   another dnf holds the lock for 10 s when the install starts (dnf says so in the pane);
/// - Debian 12 + 1.31.14: the distribution's containerd 1.6.20 is below 1.31's 1.6.34, so Docker's
///   containerd.io 1.7; conntrack installed (kubeadm 1.31 requires it; kubelet 1.31.14 no longer
///   pulls it); unattended-upgrades holds the dpkg lock for the first 45 s;
/// - Debian 11 + 1.30: no /etc/apt/keyrings, distribution's containerd 1.4.13; an earlier dpkg run was
///   interrupted; 1.30.15, a patch newer than the catalog knows (the repository carries it).
#[test]
fn rocky9_debian12_debian11_install_through_foreign_locks() {
    if fleet::require_root_or_skip().is_none() {
        return;
    }
    let Some(flannel) = fixture("cni/kube-flannel-v0.28.9.yml") else {
        return;
    };
    let fleet = Fleet::start(vec![
        HostSpec::new("rocky", Flavour::Rocky9),
        HostSpec::new("bookworm", Flavour::Debian12),
        HostSpec::new("bullseye", Flavour::Debian11).k8s_patches_up_to(30, 15),
    ]);
    let clusters = [
        ("rocky", "1.35.8"),
        ("bookworm", "1.31.14"),
        ("bullseye", "1.30.15"),
    ];
    let works: Vec<tempfile::TempDir> = clusters
        .iter()
        .map(|_| tempfile::tempdir().unwrap())
        .collect();
    let cfgs: Vec<_> = clusters
        .iter()
        .zip(&works)
        .map(|((node, version), work)| {
            // Each cluster its own known_hosts (three kubewiz processes at once).
            let kh = work.path().join("known_hosts");
            std::fs::write(&kh, "").unwrap();
            let cfg = fleet.write_config(
                work.path(),
                &ConfigOpts {
                    name: format!("c-{node}"),
                    kubernetes_version: (*version).into(),
                    cni: "flannel".into(),
                    cni_manifest: Some(flannel.clone()),
                    mirror: "upstream".into(),
                    proxy_mode: "iptables".into(),
                    timezone: None,
                    nodes: Some(vec![(*node).into()]),
                    ..ConfigOpts::default()
                },
            );
            let toml = std::fs::read_to_string(&cfg).unwrap().replace(
                &fleet.known_hosts_path().display().to_string(),
                &kh.display().to_string(),
            );
            std::fs::write(&cfg, toml).unwrap();
            cfg
        })
        .collect();
    // Foreign package-manager runs, and a dpkg journal left by an interrupted run.
    let holder = fleet.host("bookworm").exec_ok("kwsim-ctl hold-pkg-lock 45");
    fleet.host("rocky").exec_ok("kwsim-ctl hold-pkg-lock 10");
    fleet.host("bullseye").exec_ok("kwsim-ctl interrupt-dpkg");
    let t0 = std::time::Instant::now();
    let children: Vec<_> = cfgs.iter().map(|c| spawn(c)).collect();
    let outs: Vec<_> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    for ((node, version), out) in clusters.iter().zip(&outs) {
        assert!(
            out.status.success(),
            "{node} + {version} failed:\n{}",
            text(out)
        );
        assert!(
            !text(out).contains("FAILED"),
            "{node}: a step failed on the way:\n{}",
            text(out)
        );
    }
    // The dpkg lock was really held for 45 s: the install waited for it and said who held it.
    assert!(t0.elapsed().as_secs() >= 40, "{:?}", t0.elapsed());
    let log = |work: &tempfile::TempDir, node: &str| {
        std::fs::read_to_string(work.path().join(format!(".kubewiz/logs/{node}.log")))
            .unwrap_or_default()
    };
    let bookworm = log(&works[1], "bookworm");
    assert!(
        bookworm.contains(&format!(
            "waiting for another package manager run: /var/lib/dpkg/lock-frontend is held by process {} (unattended-upgr)",
            holder.trim()
        )),
        "{bookworm}"
    );
    assert!(
        bookworm.contains("the package manager is free again"),
        "{bookworm}"
    );
    let rocky = log(&works[0], "rocky");
    assert!(
        rocky.contains("/var/lib/dnf/rpmdb_lock.pid is held by process"),
        "{rocky}"
    );
    let bullseye = log(&works[2], "bullseye");
    assert!(
        bullseye.contains("an earlier dpkg run was interrupted"),
        "{bullseye}"
    );
    // Each node Ready in its own cluster; what each got.
    for (node, _) in clusters {
        assert_all_ready(&fleet, node, &[node]);
    }
    let v = |n: &str| fleet.host(n).exec_ok("containerd --version");
    assert!(v("rocky").contains("containerd.io v2.2."), "{}", v("rocky"));
    assert!(
        v("bookworm").contains("containerd.io v1.7."),
        "{}",
        v("bookworm")
    );
    assert!(
        v("bullseye").contains("containerd.io v1.7."),
        "{}",
        v("bullseye")
    );
    let head = |n: &str| {
        fleet
            .host(n)
            .read_file("/etc/containerd/config.toml")
            .unwrap()
    };
    assert!(
        head("rocky").starts_with("version = 3\n"),
        "{}",
        head("rocky")
    );
    assert!(
        head("bookworm").contains("version = 2\n"),
        "{}",
        head("bookworm")
    );
    let ct = fleet
        .host("bookworm")
        .exec_ok("dpkg-query -W -f='${Status}' conntrack");
    assert!(ct.ends_with("installed"), "conntrack: {ct}");
    assert!(
        fleet
            .host("bullseye")
            .exec_ok("kubeadm version -o short")
            .contains("v1.30.15")
    );
    let checked = fleet::containerd::check_fleet(&fleet);
    eprintln!("{}", checked.join("\n"));
}

/// What the node's repository carries, when the version asked for is not there: the packages
/// step names the versions it has.
#[test]
fn a_version_the_repository_does_not_carry_is_refused_naming_what_it_has() {
    if fleet::require_root_or_skip().is_none() {
        return;
    }
    let Some(flannel) = fixture("cni/kube-flannel-v0.28.9.yml") else {
        return;
    };
    let fleet = Fleet::start(vec![HostSpec::new("cp", Flavour::Debian12)]);
    let work = tempfile::tempdir().unwrap();
    let cfg = fleet.write_config(
        work.path(),
        &ConfigOpts {
            kubernetes_version: "1.34.12".into(),
            cni: "flannel".into(),
            cni_manifest: Some(flannel),
            mirror: "upstream".into(),
            proxy_mode: "iptables".into(),
            timezone: None,
            ..ConfigOpts::default()
        },
    );
    // Accepted by the configuration (a warning: newer than the catalog knows), refused by the
    // repository, naming what it has.
    let check = Command::new(env!("CARGO_BIN_EXE_kubewiz"))
        .args(["check", "-c"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert!(check.status.success(), "{}", text(&check));
    assert!(
        text(&check).contains("newer than the newest 1.34 patch"),
        "{}",
        text(&check)
    );
    // check --connect reads the repository's index from the node: what it carries, the newest
    // every node can run, and that the configured version is not there.
    let check = Command::new(env!("CARGO_BIN_EXE_kubewiz"))
        .args(["check", "--connect", "-c"])
        .arg(&cfg)
        .output()
        .unwrap();
    let t = text(&check);
    // Refused, as the wizard's Versions screen refuses it: the packages step would fail.
    assert_eq!(check.status.code(), Some(1), "{t}");
    assert!(
        t.contains("the Kubernetes 1.34 repository (https://pkgs.k8s.io/core:/stable:/v1.34/deb/) carries: 1.34.0 1.34.1"),
        "{t}"
    );
    assert!(
        t.contains("newest version every node can run: 1.34.11"),
        "{t}"
    );
    assert!(
        t.contains("[cp] refused: cluster.kubernetes_version 1.34.12 is not in that repository"),
        "{t}"
    );
    let out = apply(&cfg);
    assert!(!out.status.success());
    let t = text(&out);
    assert!(
        t.contains(
            "kubeadm 1.34.12 is not in the Kubernetes 1.34 repository; it carries: 1.34.0 1.34.1"
        ),
        "{t}"
    );
    assert!(t.contains(" 1.34.11"), "{t}");
}
