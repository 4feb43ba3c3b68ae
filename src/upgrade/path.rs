//! The upgrade path: from what the cluster runs to `--to`, one minor at a time, with what changes at each
//! hop and what is refused (and why). Pure: the survey (versions and node facts read over SSH) comes in, a
//! [`Path`] or a [`Refusal`] goes out.
//!
//! Rules, each from upstream:
//! - kubeadm upgrades the control plane one minor at a time and never downgrades a minor
//!   (kubernetes/kubernetes `cmd/kubeadm/app/phases/upgrade/policy.go`: `MaximumAllowedMinorVersionUpgradeSkew
//!   = 1`; website `kubeadm-upgrade.md`: "Skipping MINOR versions when upgrading is unsupported").
//! - `kubeadm upgrade apply` wants every kubelet at most one minor older than the target
//!   (`MaximumAllowedMinorVersionKubeletSkew = 1`, same file): every node finishes a hop before the next starts,
//!   and nodes left behind by an interrupted upgrade are brought to the control plane's version first.
//! - Version skew policy (website `releases/version-skew-policy.md`): a kubelet must not be newer than
//!   kube-apiserver and may be up to three minors older (two for kubelets older than 1.25); kube-apiserver
//!   instances of an HA cluster must be within one minor. A cluster outside that is refused.
//! - What a node can run at each hop (cgroup v2 from 1.35, containerd 2 from 1.36, kernel for cgroup v2) is the
//!   `engine::compat::node_compat`, the same check the install's preflight makes.

use crate::catalog::{Catalog, CatalogError, KubeVersion, Minor};
use crate::config::{ClusterConfig, Role};
use crate::engine::compat::{Severity, node_compat};
use crate::facts::Facts;
use std::fmt;

/// What the survey read from one node.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeSurvey {
    pub name: String,
    pub role: Role,
    /// The kubelet version the node reports to the cluster (`status.nodeInfo.kubeletVersion`); `None`: the node
    /// is not registered.
    pub kubelet: Option<KubeVersion>,
    /// Control planes: the version of this node's kube-apiserver static pod.
    pub apiserver: Option<KubeVersion>,
    pub facts: Facts,
}

/// What the cluster runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Survey {
    /// The cluster version: the first control plane's kube-apiserver.
    pub apiserver: KubeVersion,
    pub nodes: Vec<NodeSurvey>,
}

/// One hop: every node moves to `to`.
#[derive(Debug, Clone, PartialEq)]
pub struct Hop {
    /// The control plane's version before the hop.
    pub from: KubeVersion,
    pub to: KubeVersion,
    /// The control plane is already at `to`: this hop brings the nodes an interrupted upgrade left behind.
    pub catch_up: bool,
    /// What changes, in words, for the path display.
    pub changes: Vec<String>,
}

impl Hop {
    /// The hop's name in the journal and on screen: its target version.
    pub fn id(&self) -> String {
        self.to.to_string()
    }
}

/// The whole path.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    pub from: KubeVersion,
    pub to: KubeVersion,
    pub hops: Vec<Hop>,
    /// Things to know that do not stop the upgrade (per node or cluster-wide).
    pub warnings: Vec<String>,
}

/// Why the upgrade cannot be done; `Display` says what and what to do.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Refusal {
    #[error("--to {target}: {source}")]
    Target {
        target: String,
        #[source]
        source: CatalogError,
    },
    #[error(
        "the cluster runs {running}; {target} is older: kubeadm does not downgrade (restore the etcd snapshot \
         kubewiz took before the upgrade to go back)"
    )]
    Older {
        running: KubeVersion,
        target: KubeVersion,
    },
    #[error(
        "the cluster runs Kubernetes {running}, which kubewiz's catalog does not know: {source}"
    )]
    UnknownRunning {
        running: KubeVersion,
        #[source]
        source: CatalogError,
    },
    #[error("{0}")]
    Skew(String),
    #[error("{node} cannot run Kubernetes {version}: {reason}")]
    Node {
        node: String,
        version: KubeVersion,
        reason: String,
    },
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.hops.is_empty() {
            return writeln!(
                f,
                "the cluster runs {} on every node: nothing to upgrade",
                self.to
            );
        }
        let n = self.hops.len();
        writeln!(
            f,
            "{} → {}: {n} hop{}, one minor at a time (kubeadm cannot skip a minor)",
            self.from,
            self.to,
            if n == 1 { "" } else { "s" }
        )?;
        for (i, h) in self.hops.iter().enumerate() {
            if h.catch_up {
                writeln!(
                    f,
                    "  {}. {}: the control plane runs it already; nodes still behind catch up",
                    i + 1,
                    h.to
                )?;
            } else {
                writeln!(f, "  {}. {} → {}", i + 1, h.from, h.to)?;
            }
            for c in &h.changes {
                writeln!(f, "     - {c}")?;
            }
        }
        for w in &self.warnings {
            writeln!(f, "  warning: {w}")?;
        }
        Ok(())
    }
}

/// The path from what `survey` found to `target`.
pub fn compute(
    catalog: &Catalog,
    config: &ClusterConfig,
    survey: &Survey,
    target: &str,
) -> Result<Path, Refusal> {
    catalog
        .minor_for(target)
        .map_err(|source| Refusal::Target {
            target: target.to_string(),
            source,
        })?;
    let to = KubeVersion::parse(target).map_err(|source| Refusal::Target {
        target: target.to_string(),
        source,
    })?;
    let cur = survey.apiserver;
    let cur_minor =
        catalog
            .minor_for(&cur.to_string())
            .map_err(|source| Refusal::UnknownRunning {
                running: cur,
                source,
            })?;
    if to < cur || to.major != cur.major {
        return Err(Refusal::Older {
            running: cur,
            target: to,
        });
    }
    check_skew(survey)?;

    let mut warnings = Vec::new();
    if let Some(known) = catalog.newer_than_known(target) {
        warnings.push(format!(
            "{target} is newer than the newest patch kubewiz's catalog knows ({known}): fine if the \
             package repository carries it"
        ));
    }
    // Nodes behind the control plane: the first hop brings them to its version.
    let behind: Vec<&NodeSurvey> = survey
        .nodes
        .iter()
        .filter(|n| n.kubelet.is_some_and(|k| k < cur) || n.apiserver.is_some_and(|a| a < cur))
        .collect();
    for n in &behind {
        if let Some(k) = n.kubelet
            && k.minor + 1 < cur.minor
        {
            warnings.push(format!(
                "{}: its kubelet {k} is {} minors behind the control plane ({cur}); it moves to {cur} in one \
                 step (within the version skew policy)",
                n.name,
                cur.minor - k.minor
            ));
        }
    }

    let mut hops = Vec::new();
    let mut prev = cur;
    let mut prev_minor = cur_minor;
    if !behind.is_empty() || (to.minor == cur.minor && to > cur) {
        let hop_to = if to.minor == cur.minor { to } else { cur };
        let mut changes = Vec::new();
        if !behind.is_empty() {
            changes.push(format!(
                "{} to {hop_to} first",
                names(behind.iter().map(|n| n.name.as_str()))
            ));
        }
        if hop_to > cur {
            changes.push(format!("patch release {cur} → {hop_to}"));
        }
        hops.push(Hop {
            from: cur,
            to: hop_to,
            catch_up: hop_to == cur,
            changes,
        });
        prev = hop_to;
    }
    for minor in catalog
        .minors()
        .iter()
        .filter(|m| m.number().1 > cur.minor && m.number().1 <= to.minor)
    {
        let (major, m) = minor.number();
        let hop_to = if m == to.minor {
            to
        } else {
            KubeVersion {
                major,
                minor: m,
                patch: minor.latest_patch,
            }
        };
        hops.push(Hop {
            from: prev,
            to: hop_to,
            catch_up: false,
            changes: changes(catalog, config, prev_minor, minor),
        });
        for n in &survey.nodes {
            let mut cfg = config.clone();
            cfg.cluster.kubernetes_version = hop_to.to_string();
            for finding in node_compat(catalog, minor, &cfg, &n.facts) {
                match finding.severity {
                    Severity::Refuse => {
                        return Err(Refusal::Node {
                            node: n.name.clone(),
                            version: hop_to,
                            reason: finding.message,
                        });
                    }
                    Severity::Warn => {
                        let w = format!("{} at {}: {}", n.name, hop_to, finding.message);
                        if !warnings.contains(&w) {
                            warnings.push(w);
                        }
                    }
                }
            }
        }
        prev = hop_to;
        prev_minor = minor;
    }
    Ok(Path {
        from: cur,
        to,
        hops,
        warnings,
    })
}

/// Refuses a cluster that is already outside the version skew policy.
fn check_skew(survey: &Survey) -> Result<(), Refusal> {
    let cur = survey.apiserver;
    for n in &survey.nodes {
        if let Some(k) = n.kubelet {
            if k > cur && (k.minor > cur.minor || k.major != cur.major) {
                return Err(Refusal::Skew(format!(
                    "{}: its kubelet {k} is newer than the control plane ({cur}), which the version skew policy \
                     forbids; bring the control plane to {}.{} first (kubeadm upgrade apply on the first control \
                     plane) or reinstall the node",
                    n.name, k.major, k.minor
                )));
            }
            // kubelets older than 1.25 may only be two minors behind (version-skew-policy.md).
            let allowed = if k.minor < 25 { 2 } else { 3 };
            if cur.minor > k.minor + allowed {
                return Err(Refusal::Skew(format!(
                    "{}: its kubelet {k} is {} minors behind the control plane ({cur}); the version skew policy \
                     allows {allowed}. Upgrade that node by hand to at least 1.{} (or remove and re-add it), then \
                     run the upgrade again",
                    n.name,
                    cur.minor - k.minor,
                    cur.minor - allowed
                )));
            }
        }
        if let Some(a) = n.apiserver
            && a.minor.abs_diff(cur.minor) > 1
        {
            return Err(Refusal::Skew(format!(
                "{}: its kube-apiserver {a} and the first control plane's ({cur}) are more than one minor apart, \
                 which the version skew policy forbids for the API servers of one cluster",
                n.name
            )));
        }
    }
    Ok(())
}

fn names<'a>(it: impl Iterator<Item = &'a str>) -> String {
    it.collect::<Vec<_>>().join(", ")
}

/// What changes from minor `a` to `b`, from the catalog.
fn changes(catalog: &Catalog, config: &ClusterConfig, a: &Minor, b: &Minor) -> Vec<String> {
    let mirror = catalog.mirror(config.cluster.mirror);
    let mut out = vec![format!(
        "packages from the Kubernetes {} repository ({}), kept held at the exact version",
        b.version,
        mirror.rpm_repo(b).trim_end_matches("rpm/")
    )];
    if a.pause != b.pause {
        out.push(format!(
            "sandbox (pause) image {} → {}: containerd's config is updated on every node",
            a.pause, b.pause
        ));
    }
    if a.kubeadm_api != b.kubeadm_api {
        out.push(format!(
            "kubeadm configuration API {} → {} (kubeadm converts the cluster's stored configuration; new nodes \
             get {})",
            a.kubeadm_api, b.kubeadm_api, b.kubeadm_api
        ));
    }
    let (ra, rb) = (catalog.containerd_row(a), catalog.containerd_row(b));
    if ra.containerd != rb.containerd {
        out.push(format!(
            "containerd {} (containerd's matrix for Kubernetes {}): nodes with another containerd get \
             one it lists before their kubelet",
            rb.describe(),
            b.version
        ));
    }
    if b.cgroup_v2_required && !a.cgroup_v2_required {
        out.push(format!(
            "cgroup v2 required: kubelet {} refuses cgroup v1 hosts",
            b.version
        ));
    }
    if b.ipvs_deprecated && !a.ipvs_deprecated {
        out.push("kube-proxy's IPVS mode is deprecated from here".to_string());
    }
    let cni = config.cluster.cni;
    let running = config.cni_version(a);
    if let Some(rel) = catalog.cni_release(cni, running)
        && !rel.allows(b)
    {
        out.push(format!(
            "{} {running} is not in upstream's tested range for {}: upgrade the CNI after the upgrade \
             (kubewiz does not change it; allowed here: {})",
            cni.as_str(),
            b.version,
            b.cni(cni).allowed.join(", ")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

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
        let s = survey(
            "1.30.14",
            &[("k8s-master", "1.30.14"), ("k8s-node01", "1.30.14")],
            facts("ubuntu", "22.04", "5.15.0-91-generic", 2),
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
        let far = survey(
            "1.29.15",
            &[("k8s-master", "1.29.15"), ("k8s-node01", "1.25.3")],
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
}
