//! `kubewiz apply` end to end on the test fleet (real sshd in network namespaces, the node
//! simulator for what cannot run here): the seed's cluster, a current Ubuntu cluster, resume
//! after kill -9, a failing worker, adding a node.

mod fleet;

use fleet::{ConfigOpts, Fleet, Flavour, HostSpec};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn kubewiz() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kubewiz"))
}

fn apply(config: &Path) -> Output {
    kubewiz()
        .args(["apply", "-c"])
        .arg(config)
        .output()
        .expect("run kubewiz apply")
}

fn text(o: &Output) -> String {
    format!(
        "--- stdout\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A real upstream manifest from ../shared/fixtures; None (skip) outside CI when absent.
fn fixture(rel: &str) -> Option<PathBuf> {
    let p = fleet::fixtures_dir().join(rel);
    if p.exists() {
        return Some(p);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("CI=true but the fixture {} is missing", p.display());
    }
    eprintln!("SKIPPED: fixture {} not found", p.display());
    None
}

/// `kubectl get nodes` on the control plane: (name, Ready?) pairs.
fn cluster_nodes(fleet: &Fleet, cp: &str) -> Vec<(String, bool)> {
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

fn assert_all_ready(fleet: &Fleet, cp: &str, names: &[&str]) {
    let nodes = cluster_nodes(fleet, cp);
    for n in names {
        assert!(
            nodes.iter().any(|(name, ready)| name == n && *ready),
            "{n} is not Ready: {nodes:?}"
        );
    }
}

fn seed_fleet() -> Fleet {
    Fleet::start(vec![
        HostSpec::new("k8s-master", Flavour::Centos7),
        HostSpec::new("k8s-node01", Flavour::Centos7),
        HostSpec::new("k8s-node02", Flavour::Centos7),
    ])
}

#[test]
fn seed_cluster_installs_to_three_ready_nodes() {
    if fleet::require_root_or_skip().is_none() {
        return;
    }
    let Some(calico) = fixture("cni/calico-v3.24.6.yaml") else { return };
    let Some(dashboard) = fixture("addons/dashboard-v2.7.0-recommended.yaml") else { return };
    let fleet = seed_fleet();
    let work = tempfile::tempdir().unwrap();
    let cfg = fleet.write_config(
        work.path(),
        &ConfigOpts {
            cni_manifest: Some(calico),
            dashboard: true,
            dashboard_manifest: Some(dashboard),
            ..ConfigOpts::default()
        },
    );
    let out = apply(&cfg);
    assert!(out.status.success(), "apply failed:\n{}", text(&out));
    assert_all_ready(&fleet, "k8s-master", &["k8s-master", "k8s-node01", "k8s-node02"]);

    // The admin kubeconfig is on the workstation, private.
    use std::os::unix::fs::PermissionsExt;
    let kc = work.path().join(".kubewiz/kubeconfig");
    let mode = std::fs::metadata(&kc).expect("kubeconfig written").permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let dmode = std::fs::metadata(work.path().join(".kubewiz")).unwrap().permissions().mode();
    assert_eq!(dmode & 0o777, 0o700);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("export KUBECONFIG="), "{stdout}");

    // The seed's choices, done right: one pod CIDR for kubeadm and calico, systemd cgroups,
    // the aliyun sandbox image of the version kubeadm expects, the conntrack module of kernel 3.10.
    let master = fleet.host("k8s-master");
    let kubeadm_cfg = master.read_file("/etc/kubernetes/kubewiz-kubeadm.yaml").unwrap();
    assert!(kubeadm_cfg.contains("podSubnet: \"10.244.0.0/16\""), "{kubeadm_cfg}");
    assert!(kubeadm_cfg.contains("cgroupDriver: systemd"));
    let containerd = master.read_file("/etc/containerd/config.toml").unwrap();
    assert!(containerd.contains("SystemdCgroup = true"));
    assert!(containerd.contains("sandbox_image = \"registry.aliyuncs.com/google_containers/pause:3.8\""));
    let modules = master.read_file("/etc/modules-load.d/kubewiz.conf").unwrap_or_default();
    assert!(modules.contains("nf_conntrack_ipv4"), "{modules}");

    // Every step applied once per node, and a second apply touches nothing.
    let before: Vec<usize> = fleet.hosts.iter().map(|h| h.step_applies().len()).collect();
    let again = apply(&cfg);
    assert!(again.status.success(), "second apply failed:\n{}", text(&again));
    let after: Vec<usize> = fleet.hosts.iter().map(|h| h.step_applies().len()).collect();
    assert_eq!(before, after, "a converged cluster was touched again");

    // status reads the journal.
    let st = kubewiz().args(["status", "-c"]).arg(&cfg).output().unwrap();
    assert!(st.status.success(), "{}", text(&st));
    assert!(String::from_utf8_lossy(&st.stdout).contains("k8s-node02 (") );
}
