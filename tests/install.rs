//! `kubewiz apply` end to end on the test fleet (real sshd in network namespaces, the node
//! simulator for what cannot run here): the seed's cluster, a current Ubuntu cluster, resume
//! after kill -9, a failing worker, adding a node.

mod fleet;
mod support;

use fleet::{ConfigOpts, Flavour, Fleet, HostSpec};
use support::*;

/// The seed's fleet and a cluster.toml for it with the real calico 3.24.6 manifest; `opts`
/// adds to the defaults (the seed's cluster). None: fixtures absent outside CI, skip.
fn seed_setup(opts: ConfigOpts) -> Option<(Fleet, tempfile::TempDir, std::path::PathBuf)> {
    fleet::require_root_or_skip()?;
    let calico = fixture("cni/calico-v3.24.6.yaml")?;
    Some(fleet::with_config(
        fleet::seed_hosts(),
        &ConfigOpts {
            cni_manifest: Some(calico),
            ..opts
        },
    ))
}

#[test]
fn seed_cluster_installs_to_three_ready_nodes() {
    let Some(dashboard) = fixture("addons/dashboard-v2.7.0-recommended.yaml") else {
        return;
    };
    let Some((fleet, work, cfg)) = seed_setup(ConfigOpts {
        dashboard: true,
        dashboard_manifest: Some(dashboard),
        ..ConfigOpts::default()
    }) else {
        return;
    };
    let out = apply(&cfg);
    assert!(out.status.success(), "apply failed:\n{}", text(&out));
    assert_all_ready(
        &fleet,
        "k8s-master",
        &["k8s-master", "k8s-node01", "k8s-node02"],
    );

    // The admin kubeconfig is on the workstation, private.
    use std::os::unix::fs::PermissionsExt;
    let kc = work.path().join(".kubewiz/kubeconfig");
    let mode = std::fs::metadata(&kc)
        .expect("kubeconfig written")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let dmode = std::fs::metadata(work.path().join(".kubewiz"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(dmode & 0o777, 0o700);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("export KUBECONFIG="), "{stdout}");

    // The seed's choices, done right: one pod CIDR for kubeadm and calico, systemd cgroups,
    // the aliyun sandbox image of the version kubeadm expects, the conntrack module of kernel 3.10.
    let master = fleet.host("k8s-master");
    let kubeadm_cfg = master
        .read_file("/etc/kubernetes/kubewiz-kubeadm.yaml")
        .unwrap();
    assert!(
        kubeadm_cfg.contains("podSubnet: \"10.244.0.0/16\""),
        "{kubeadm_cfg}"
    );
    assert!(kubeadm_cfg.contains("cgroupDriver: systemd"));
    // containerd.io 1.6.33: the last one Docker's el7 repository carries, and the matrix's 1.6.4+
    // for 1.25 (containerd RELEASES.md @ fcdfd923c) accepts it.
    let version = master.exec_ok("containerd --version");
    assert!(version.contains("containerd.io 1.6.33"), "{version}");
    let containerd = master.read_file("/etc/containerd/config.toml").unwrap();
    assert!(containerd.contains("SystemdCgroup = true"));
    assert!(
        containerd
            .contains("sandbox_image = \"registry.aliyuncs.com/google_containers/pause:3.8\"")
    );
    let modules = master
        .read_file("/etc/modules-load.d/kubewiz.conf")
        .unwrap_or_default();
    assert!(modules.contains("nf_conntrack_ipv4"), "{modules}");

    // Every step applied once per node, and a second apply touches nothing.
    let before: Vec<usize> = fleet.hosts.iter().map(|h| h.step_applies().len()).collect();
    let again = apply(&cfg);
    assert!(
        again.status.success(),
        "second apply failed:\n{}",
        text(&again)
    );
    let after: Vec<usize> = fleet.hosts.iter().map(|h| h.step_applies().len()).collect();
    assert_eq!(before, after, "a converged cluster was touched again");

    // status reads the journal.
    let st = kubewiz().args(["status", "-c"]).arg(&cfg).output().unwrap();
    assert!(st.status.success(), "{}", text(&st));
    assert!(String::from_utf8_lossy(&st.stdout).contains("k8s-node02 ("));

    // What an installed cluster cannot take is refused with the reason (exit 2), untouched.
    let toml = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(&cfg, toml.replace("10.244.0.0/16", "10.245.0.0/16")).unwrap();
    let changed = apply(&cfg);
    assert_eq!(changed.status.code(), Some(2), "{}", text(&changed));
    let err = String::from_utf8_lossy(&changed.stderr);
    assert!(
        err.contains("cluster.pod_cidr changed from \"10.244.0.0/16\""),
        "{err}"
    );
    assert_eq!(
        after,
        fleet
            .hosts
            .iter()
            .map(|h| h.step_applies().len())
            .collect::<Vec<_>>()
    );
}

#[test]
fn ubuntu_current_version_with_flannel_installs() {
    if fleet::require_root_or_skip().is_none() {
        return;
    }
    let Some(flannel) = fixture("cni/kube-flannel-v0.28.9.yml") else {
        return;
    };
    let (fleet, _work, cfg) = fleet::three_nodes(
        ["cp1", "w1", "w2"],
        |n| HostSpec::new(n, Flavour::Ubuntu2204),
        &ConfigOpts {
            kubernetes_version: "1.35.6".into(),
            cni: "flannel".into(),
            cni_manifest: Some(flannel),
            pod_cidr: "10.42.0.0/16".into(),
            mirror: "upstream".into(),
            proxy_mode: "iptables".into(),
            timezone: None,
            ..ConfigOpts::default()
        },
    );
    let out = apply(&cfg);
    assert!(out.status.success(), "apply failed:\n{}", text(&out));
    assert_all_ready(&fleet, "cp1", &["cp1", "w1", "w2"]);
    let cp = fleet.host("cp1");
    // v1beta4 for 1.35, the pod CIDR in kubeadm's config, pkgs.k8s.io for the minor, held packages.
    let kcfg = cp
        .read_file("/etc/kubernetes/kubewiz-kubeadm.yaml")
        .unwrap();
    assert!(kcfg.contains("kubeadm.k8s.io/v1beta4"), "{kcfg}");
    assert!(kcfg.contains("podSubnet: \"10.42.0.0/16\""), "{kcfg}");
    let list = cp
        .read_file("/etc/apt/sources.list.d/kubernetes.list")
        .unwrap();
    assert!(
        list.contains("https://pkgs.k8s.io/core:/stable:/v1.35/deb/"),
        "{list}"
    );
    let held = cp.exec_ok("apt-mark showhold");
    for p in ["kubeadm", "kubelet", "kubectl"] {
        assert!(held.lines().any(|l| l == p), "{p} not held: {held}");
    }
    // No nf_conntrack_ipv4 on a 5.15 kernel, and no IPVS modules in iptables mode.
    let modules = cp
        .read_file("/etc/modules-load.d/kubewiz.conf")
        .unwrap_or_default();
    assert!(!modules.contains("nf_conntrack_ipv4"), "{modules}");
    assert!(!modules.contains("ip_vs"), "{modules}");
    assert!(modules.contains("br_netfilter"), "{modules}");
}

#[test]
fn resumes_after_kill_9_without_reapplying_done_steps() {
    let Some((fleet, work, cfg)) = seed_setup(ConfigOpts::default()) else {
        return;
    };
    let seen = apply_and_kill_at(&cfg, "[k8s-master] ==> init");
    assert!(seen.contains("==> init"), "never reached init:\n{seen}");
    let done = done_steps(work.path());
    assert!(
        done.len() > 10,
        "too little was done before the kill: {done:?}"
    );
    let applied_before = applies(&fleet);

    let out = apply(&cfg);
    assert!(out.status.success(), "resume failed:\n{}", text(&out));
    assert_all_ready(
        &fleet,
        "k8s-master",
        &["k8s-master", "k8s-node01", "k8s-node02"],
    );
    assert_no_done_step_reapplied(&fleet, &done, &applied_before);
    // kubeadm init ran exactly once.
    let inits = fleet
        .host("k8s-master")
        .calls()
        .iter()
        .filter(|c| c.contains("kubeadm init") && !c.contains("phase"))
        .count();
    assert_eq!(inits, 1, "{:?}", fleet.host("k8s-master").calls());
}

#[test]
fn a_failing_worker_does_not_stop_the_others_and_is_reported() {
    let Some((fleet, _work, cfg)) = seed_setup(ConfigOpts::default()) else {
        return;
    };
    // A real fault: a file where containerd's config directory must go.
    fleet.host("k8s-node02").exec_ok("touch /etc/containerd");
    let out = apply(&cfg);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    // The summary names node, step, exit code and the last lines of output.
    assert!(
        stdout.contains("FAILED: node k8s-node02, step containerd"),
        "{stdout}"
    );
    assert!(stdout.contains("exit code:"), "{stdout}");
    assert!(stdout.contains("last output:"), "{stdout}");
    assert!(stdout.contains("/etc/containerd"), "{stdout}");
    // The others went on: the control plane and the other worker are Ready.
    assert_all_ready(&fleet, "k8s-master", &["k8s-master", "k8s-node01"]);

    // Fix the node, apply again for that node only: what is missing runs, the cluster completes.
    fleet.host("k8s-node02").exec_ok("rm -f /etc/containerd");
    let master_before = fleet.host("k8s-master").step_applies().len();
    let again = kubewiz()
        .args(["apply", "--node", "k8s-node02", "-c"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert!(again.status.success(), "{}", text(&again));
    assert_all_ready(
        &fleet,
        "k8s-master",
        &["k8s-master", "k8s-node01", "k8s-node02"],
    );
    let master_new: Vec<String> = fleet.host("k8s-master").step_applies()[master_before..].to_vec();
    assert!(
        master_new.is_empty(),
        "the control plane was touched again: {master_new:?}"
    );
}

#[test]
fn adding_a_fourth_node_touches_only_it() {
    if fleet::require_root_or_skip().is_none() {
        return;
    }
    let Some(calico) = fixture("cni/calico-v3.24.6.yaml") else {
        return;
    };
    let fleet = Fleet::start(vec![
        HostSpec::new("k8s-master", Flavour::Centos7),
        HostSpec::new("k8s-node01", Flavour::Centos7),
        HostSpec::new("k8s-node02", Flavour::Centos7),
        HostSpec::new("k8s-node03", Flavour::Rocky9),
    ]);
    let work = tempfile::tempdir().unwrap();
    let three = ConfigOpts {
        cni_manifest: Some(calico),
        nodes: Some(vec![
            "k8s-master".into(),
            "k8s-node01".into(),
            "k8s-node02".into(),
        ]),
        ..ConfigOpts::default()
    };
    let cfg = fleet.write_config(work.path(), &three);
    let out = apply(&cfg);
    assert!(out.status.success(), "{}", text(&out));
    let applies: Vec<usize> = fleet.hosts.iter().map(|h| h.step_applies().len()).collect();
    let calls: Vec<usize> = fleet.hosts.iter().map(|h| h.calls().len()).collect();
    assert_eq!(applies[3], 0);

    let four = ConfigOpts {
        nodes: None,
        ..three
    };
    fleet.write_config(work.path(), &four);
    let out = apply(&cfg);
    assert!(out.status.success(), "{}", text(&out));
    assert_all_ready(
        &fleet,
        "k8s-master",
        &["k8s-master", "k8s-node01", "k8s-node02", "k8s-node03"],
    );
    for (i, h) in fleet.hosts.iter().enumerate().take(3) {
        assert_eq!(
            h.step_applies().len(),
            applies[i],
            "{} had steps applied again: {:?}",
            h.name,
            &h.step_applies()[applies[i]..]
        );
    }
    // The workers were not touched at all; the control plane only minted a token.
    for i in [1, 2] {
        let h = &fleet.hosts[i];
        assert_eq!(
            h.calls().len(),
            calls[i],
            "{} was touched: {:?}",
            h.name,
            &h.calls()[calls[i]..]
        );
    }
    let cp_new: Vec<String> = fleet.hosts[0].calls()[calls[0]..].to_vec();
    assert!(
        cp_new
            .iter()
            .all(|c| c.contains("kubeadm token create") || c.contains("kubectl")),
        "the control plane did more than mint a token: {cp_new:?}"
    );
    assert!(fleet.hosts[3].step_applies().len() > 5);
}

#[test]
fn reset_of_a_worker_then_apply_joins_it_again() {
    if fleet::require_root_or_skip().is_none() {
        return;
    }
    let Some(opts) = current_opts() else { return };
    let (fleet, _work, cfg) = fleet::cp_and_worker(&opts);
    let out = apply(&cfg);
    assert!(out.status.success(), "{}", text(&out));

    // reset without --yes is refused (usage).
    let no = kubewiz()
        .args(["reset", "--node", "w1", "-c"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert_eq!(no.status.code(), Some(2), "{}", text(&no));

    let out = kubewiz()
        .args(["reset", "--yes", "--node", "w1", "-c"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        fleet
            .host("w1")
            .read_file("/etc/kubernetes/kubelet.conf")
            .is_none()
    );
    assert!(!cluster_nodes(&fleet, "cp").iter().any(|(n, _)| n == "w1"));
    let st = kubewiz().args(["status", "-c"]).arg(&cfg).output().unwrap();
    assert_eq!(
        st.status.code(),
        Some(1),
        "status says incomplete: {}",
        text(&st)
    );

    let out = apply(&cfg);
    assert!(out.status.success(), "{}", text(&out));
    assert_all_ready(&fleet, "cp", &["cp", "w1"]);
}
