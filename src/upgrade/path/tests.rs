//! The path's rules, each against a survey built by hand.

use super::*;
use crate::catalog::Catalog;
use crate::config::ClusterConfig;

fn cfg(version: &str) -> ClusterConfig {
    crate::config::parse_and_validate(
        &format!(
            r#"
[cluster]
name = "t"
kubernetes_version = "{version}"
mirror = "aliyun"
proxy_mode = "ipvs"
[[node]]
name = "k8s-master"
address = "192.0.2.10"
role = "control-plane"
[[node]]
name = "k8s-node01"
address = "192.0.2.11"
role = "worker"
"#
        ),
        std::path::Path::new("cluster.toml"),
    )
    .expect("valid config")
}

fn v(s: &str) -> KubeVersion {
    KubeVersion::parse(s).unwrap()
}

fn facts(os: &str, ver: &str, kernel: &str, cgroup: u8) -> Facts {
    Facts {
        os_id: os.into(),
        os_version: ver.into(),
        os_family: if os == "ubuntu" { "debian" } else { "rhel" }.into(),
        kernel: kernel.into(),
        cgroup_version: cgroup,
        cpus: 2,
        memory_mb: 4096,
        ..Facts::default()
    }
}

fn centos7() -> Facts {
    facts("centos", "7", "3.10.0-1160.el7.x86_64", 1)
}

fn survey(apiserver: &str, kubelets: &[(&str, &str)], f: Facts) -> Survey {
    Survey {
        apiserver: v(apiserver),
        nodes: kubelets
            .iter()
            .enumerate()
            .map(|(i, (name, k))| NodeSurvey {
                name: name.to_string(),
                role: if i == 0 {
                    Role::ControlPlane
                } else {
                    Role::Worker
                },
                kubelet: Some(v(k)),
                apiserver: (i == 0).then(|| v(apiserver)),
                facts: f.clone(),
            })
            .collect(),
    }
}

fn seed() -> Survey {
    survey(
        "1.25.3",
        &[("k8s-master", "1.25.3"), ("k8s-node01", "1.25.3")],
        centos7(),
    )
}

#[test]
fn seed_to_1_28_is_three_hops_at_the_latest_patches() {
    let cat = Catalog::builtin();
    let p = compute(cat, &cfg("1.25.3"), &seed(), "1.28.15").unwrap();
    let ids: Vec<String> = p.hops.iter().map(Hop::id).collect();
    assert_eq!(ids, ["1.26.15", "1.27.16", "1.28.15"]);
    assert_eq!(p.hops[0].from, v("1.25.3"));
    assert_eq!(p.hops[1].from, v("1.26.15"));
    assert!(p.hops.iter().all(|h| !h.catch_up));
    // What changes: the repository of each minor; the pause image at 1.26 (3.8 → 3.9) only.
    let all = p.to_string();
    assert!(
        all.contains("https://mirrors.aliyun.com/kubernetes-new/core/stable/v1.26/"),
        "{all}"
    );
    assert!(
        p.hops[0].changes.iter().any(|c| c.contains("3.8 → 3.9")),
        "{all}"
    );
    assert!(
        !p.hops[1].changes.iter().any(|c| c.contains("pause")),
        "{all}"
    );
    // calico 3.24.6 (the 1.25 default) is not tested with 1.26: said, not refused.
    assert!(
        p.hops[0]
            .changes
            .iter()
            .any(|c| c.contains("calico 3.24.6 is not in upstream's tested range for 1.26")),
        "{all}"
    );
}

#[test]
fn the_path_names_the_config_api_containerd_and_cgroup_changes() {
    let cat = Catalog::builtin();
    // The survey's facts name the kubeadm each node has: no refusal on the way up (an install
    // refuses another version, engine::compat::installed_kubeadm; an upgrade is the way there).
    let mut f = facts("ubuntu", "22.04", "5.15.0-91-generic", 2);
    f.kubeadm_version = "1.30.14".into();
    let s = survey(
        "1.30.14",
        &[("k8s-master", "1.30.14"), ("k8s-node01", "1.30.14")],
        f,
    );
    let p = compute(cat, &cfg("1.30.14"), &s, "1.36.3").unwrap();
    let hop = |id: &str| {
        p.hops
            .iter()
            .find(|h| h.id() == id)
            .unwrap()
            .changes
            .join("\n")
    };
    assert!(hop("1.31.14").contains("v1beta3 → v1beta4"), "{p}");
    assert!(hop("1.35.8").contains("cgroup v2 required"), "{p}");
    assert!(hop("1.35.8").contains("IPVS"), "{p}");
    assert!(hop("1.36.3").contains("containerd 2.3.0+ or 2.2.0+"), "{p}");
    // IPVS deprecation is also a warning for this ipvs cluster.
    assert!(p.warnings.iter().any(|w| w.contains("IPVS")), "{p}");
}

#[test]
fn centos7_cannot_go_past_1_30() {
    let cat = Catalog::builtin();
    let s = survey(
        "1.29.14",
        &[("k8s-master", "1.29.14"), ("k8s-node01", "1.29.14")],
        centos7(),
    );
    assert!(compute(cat, &cfg("1.29.14"), &s, "1.30.14").is_ok());
    // containerd's matrix: 1.31 wants 1.6.34+ (or 1.7/2.x); Docker's el7 repository stops at 1.6.33.
    let e = compute(cat, &cfg("1.29.14"), &s, "1.31.14").unwrap_err();
    assert!(e.to_string().contains("1.6.34+"), "{e}");
    let s = survey(
        "1.33.11",
        &[("k8s-master", "1.33.11"), ("k8s-node01", "1.33.11")],
        centos7(),
    );
    // From 1.33 the first hop (1.34) already wants 1.6.39+; 1.35 would also want cgroup v2.
    let e = compute(cat, &cfg("1.33.11"), &s, "1.35.6").unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, Refusal::Node { .. }), "{msg}");
    assert!(
        msg.starts_with("k8s-master cannot run Kubernetes 1.34.11"),
        "{msg}"
    );
    assert!(msg.contains("1.6.39+"), "{msg}");
}

#[test]
fn older_targets_and_unknown_versions_are_refused() {
    let cat = Catalog::builtin();
    let s = survey(
        "1.27.6",
        &[("k8s-master", "1.27.6"), ("k8s-node01", "1.27.6")],
        centos7(),
    );
    let e = compute(cat, &cfg("1.27.6"), &s, "1.26.15").unwrap_err();
    assert!(matches!(e, Refusal::Older { .. }), "{e}");
    assert!(e.to_string().contains("does not downgrade"), "{e}");
    let e = compute(cat, &cfg("1.27.6"), &s, "1.27.2").unwrap_err();
    assert!(matches!(e, Refusal::Older { .. }), "{e}");
    // A patch newer than the catalog knows is a warning, not a refusal (the repositories move on).
    let p = compute(cat, &cfg("1.27.6"), &s, "1.28.99").unwrap();
    assert!(p.warnings.iter().any(|w| w.contains("1.28.15")), "{p}");
    let e = compute(cat, &cfg("1.27.6"), &s, "1.38.0").unwrap_err();
    assert!(e.to_string().starts_with("--to 1.38.0:"), "{e}");
    let e = compute(cat, &cfg("1.27.6"), &s, "1.28").unwrap_err();
    assert!(e.to_string().contains("exact patch"), "{e}");
}

#[test]
fn same_version_is_nothing_to_do_and_a_patch_is_one_hop() {
    let cat = Catalog::builtin();
    let s = survey(
        "1.27.6",
        &[("k8s-master", "1.27.6"), ("k8s-node01", "1.27.6")],
        centos7(),
    );
    let p = compute(cat, &cfg("1.27.6"), &s, "1.27.6").unwrap();
    assert!(p.hops.is_empty());
    assert!(p.to_string().contains("nothing to upgrade"));
    let p = compute(cat, &cfg("1.27.6"), &s, "1.27.16").unwrap();
    assert_eq!(p.hops.len(), 1);
    assert_eq!(p.hops[0].id(), "1.27.16");
    assert!(!p.hops[0].catch_up);
}

#[test]
fn nodes_left_behind_catch_up_before_the_next_minor() {
    let cat = Catalog::builtin();
    // An upgrade to 1.26.15 stopped after the control plane: k8s-node01 still runs 1.25.3.
    let s = survey(
        "1.26.15",
        &[("k8s-master", "1.26.15"), ("k8s-node01", "1.25.3")],
        centos7(),
    );
    let p = compute(cat, &cfg("1.25.3"), &s, "1.28.15").unwrap();
    let ids: Vec<String> = p.hops.iter().map(Hop::id).collect();
    assert_eq!(ids, ["1.26.15", "1.27.16", "1.28.15"], "{p}");
    assert!(p.hops[0].catch_up);
    assert!(p.to_string().contains("k8s-node01 to 1.26.15 first"), "{p}");
    // The same cluster asked for what it already runs: only the catch-up.
    let p = compute(cat, &cfg("1.25.3"), &s, "1.26.15").unwrap();
    assert_eq!(p.hops.len(), 1);
    assert!(p.hops[0].catch_up);
}

#[test]
fn clusters_outside_the_skew_policy_are_refused() {
    let cat = Catalog::builtin();
    let newer = survey(
        "1.27.6",
        &[("k8s-master", "1.27.6"), ("k8s-node01", "1.28.2")],
        centos7(),
    );
    let e = compute(cat, &cfg("1.27.6"), &newer, "1.28.15").unwrap_err();
    assert!(
        e.to_string().contains("newer than the control plane"),
        "{e}"
    );
    // 1.29.14 is 1.29's final patch (kubernetes/website data/releases/eol.yaml; assets/catalog.toml).
    let far = survey(
        "1.29.14",
        &[("k8s-master", "1.29.14"), ("k8s-node01", "1.25.3")],
        centos7(),
    );
    let e = compute(cat, &cfg("1.25.3"), &far, "1.30.14").unwrap_err();
    assert!(e.to_string().contains("4 minors behind"), "{e}");
    assert!(e.to_string().contains("allows 3"), "{e}");
    // Three behind is within the policy: one catch-up step, said as a warning.
    let three = survey(
        "1.28.15",
        &[("k8s-master", "1.28.15"), ("k8s-node01", "1.25.3")],
        centos7(),
    );
    let p = compute(cat, &cfg("1.25.3"), &three, "1.28.15").unwrap();
    assert_eq!(p.hops.len(), 1);
    assert!(
        p.warnings.iter().any(|w| w.contains("3 minors behind")),
        "{p}"
    );
    // HA API servers two minors apart.
    let mut ha = survey("1.27.6", &[("cp1", "1.27.6"), ("cp2", "1.25.3")], centos7());
    ha.nodes[1].role = Role::ControlPlane;
    ha.nodes[1].apiserver = Some(v("1.25.3"));
    let e = compute(cat, &cfg("1.27.6"), &ha, "1.28.15").unwrap_err();
    assert!(e.to_string().contains("more than one minor apart"), "{e}");
}
