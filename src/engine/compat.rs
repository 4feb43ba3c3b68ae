//! Catalog × node facts: what a node cannot run (refused at preflight, before anything changes)
//! or should know (a warning) for the chosen versions. Pure: facts in, findings out. The
//! engine's preflight and the wizard's Versions screen both call these.

use crate::catalog::{
    Catalog, CtdFit, CtdSource, CtdVersion, KubeVersion, Minor, OsInfo, parse_minor,
};
use crate::config::{ClusterConfig, ProxyMode, Role};
use crate::facts::Facts;
use std::fmt;

/// How serious a compatibility finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The node cannot run this cluster: preflight stops before anything is changed.
    Refuse,
    /// Works, but the user should know.
    Warn,
}

/// One result of [`node_compat`]: the message says what, why and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    pub message: String,
}

impl Finding {
    fn refuse(message: String) -> Finding {
        Finding {
            severity: Severity::Refuse,
            message,
        }
    }
    fn warn(message: String) -> Finding {
        Finding {
            severity: Severity::Warn,
            message,
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tag = match self.severity {
            Severity::Refuse => "refused",
            Severity::Warn => "warning",
        };
        write!(f, "{tag}: {}", self.message)
    }
}

/// Catalog × node facts: what this node cannot run (Refuse) or should know (Warn) for the
/// chosen versions. Pure; the engine's preflight reports these with the node's name.
/// CPU/memory are in [`node_resources`].
pub fn node_compat(
    catalog: &Catalog,
    minor: &Minor,
    config: &ClusterConfig,
    facts: &Facts,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let k8s = &config.cluster.kubernetes_version;
    let os_name = if facts.os_id.is_empty() {
        "unknown OS".to_string()
    } else {
        format!("{} {}", facts.os_id, facts.os_version)
    };
    let kernel = facts.kernel_version();
    let os = catalog.os(&facts.os_id, &facts.os_version);

    match facts.os_family.as_str() {
        "rhel" | "debian" => {}
        other => out.push(Finding::refuse(format!(
            "{os_name} (family \"{other}\") is not supported: kubewiz installs on the RHEL family \
             (CentOS, Rocky, RHEL, AlmaLinux, Fedora) and the Debian family (Ubuntu, Debian)"
        ))),
    }
    if os.is_none() && !facts.os_id.is_empty() && facts.os_id != "fedora" {
        out.push(Finding::warn(format!(
            "{os_name} is not in kubewiz's catalog of tested systems; it may work if it is \
             close to a listed one (Rocky 9, Ubuntu 22.04, ...)"
        )));
    }

    if minor.cgroup_v2_required {
        let fix = "choose Kubernetes 1.34.x or older, or a system with cgroup v2 (Rocky/RHEL 9, Ubuntu 22.04+, Debian 11+)";
        match facts.cgroup_version {
            2 => {}
            1 => out.push(Finding::refuse(format!(
                "Kubernetes {k8s} needs cgroup v2 (kubelet 1.35+ refuses cgroup v1) but {os_name} \
                 runs cgroup v1: {fix}"
            ))),
            _ => out.push(Finding::warn(format!(
                "could not tell the cgroup version of {os_name}; Kubernetes {k8s} needs cgroup v2"
            ))),
        }
        if let (Some(k), Some(min)) = (kernel, parse_minor(&catalog.limits.cgroup_v2_min_kernel))
            && k < min
        {
            out.push(Finding::refuse(format!(
                "Kubernetes {k8s} needs cgroup v2, which needs kernel {} or newer; \
                 {os_name} has kernel {}: {fix}",
                catalog.limits.cgroup_v2_min_kernel, facts.kernel
            )));
        }
    }

    out.extend(containerd_findings(catalog, minor, &os_name, os, facts));

    if config.cluster.proxy_mode == ProxyMode::Ipvs && minor.ipvs_deprecated {
        out.push(Finding::warn(format!(
            "kube-proxy IPVS mode is deprecated from Kubernetes 1.35 ({k8s} chosen): \
             consider proxy_mode = \"iptables\""
        )));
    }

    let cni = config.cluster.cni;
    let cni_version = config.cni_version(minor);
    if let Some(rel) = catalog.cni_release(cni, cni_version)
        && let (Some(min), Some(k)) = (rel.min_kernel.as_deref(), kernel)
        && parse_minor(min).is_some_and(|m| k < m)
    {
        out.push(Finding::warn(format!(
            "{} {} documents kernel {min} or newer; {os_name} has kernel {}: \
             it may work, but consider a newer kernel or an older {} release",
            cni.as_str(),
            cni_version,
            facts.kernel,
            cni.as_str()
        )));
    }
    if kernel.is_none() && !facts.kernel.is_empty() {
        out.push(Finding::warn(format!(
            "could not read the kernel version \"{}\"",
            facts.kernel
        )));
    }
    out
}

/// An install never upgrades or downgrades kubeadm (the packages step refuses it,
/// assets/steps/packages.sh): on machines of an earlier install, another version is refused
/// before anything changes (the install's preflight, the wizard's Versions screen). Not part of
/// [`node_compat`]: the upgrade path asks that one about versions the nodes do not have yet.
pub fn installed_kubeadm(k8s: &str, facts: &Facts) -> Option<Finding> {
    let v = &facts.kubeadm_version;
    (!v.is_empty() && v != k8s).then(|| {
        Finding::refuse(format!(
            "kubeadm {v} is already installed (an earlier install) and an install does not \
             upgrade it to {k8s}: choose {v}, or remove kubeadm, kubelet and kubectl from the \
             node first (after kubewiz reset if a cluster runs there)"
        ))
    })
}

/// containerd × Kubernetes (containerd's RELEASES.md "Kubernetes Support", `[[containerd_matrix]]`):
/// whether this node has or can get a containerd the row for `minor` lists.
pub fn containerd_findings(
    catalog: &Catalog,
    minor: &Minor,
    os_name: &str,
    os: Option<&OsInfo>,
    facts: &Facts,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let row = catalog.containerd_row(minor);
    let want = row.describe();
    let k8s = &minor.version;
    if !row.listed {
        out.push(Finding::warn(format!(
            "containerd's release notes list no containerd for Kubernetes {k8s} yet (RELEASES.md, \
             \"Kubernetes Support\"): kubewiz uses the newest row, {want}"
        )));
    }
    let installed = CtdVersion::parse(&facts.containerd_version);
    if let Some(v) = installed {
        match row.fit(v) {
            CtdFit::Listed => return out,
            CtdFit::Newer => {
                out.push(Finding::warn(format!(
                    "containerd {v} is installed, newer than containerd has tested with Kubernetes \
                     {k8s} ({want}); kubewiz keeps it"
                )));
                return out;
            }
            CtdFit::BelowMinimum(_) | CtdFit::Unlisted => {}
        }
    }
    let Some(os) = os else {
        out.push(Finding::warn(format!(
            "kubewiz does not know where {os_name} gets containerd: the containerd step will look \
             for {want} (containerd's matrix for Kubernetes {k8s}) in its repositories"
        )));
        return out;
    };
    match os.containerd_source(row) {
        Some(src) => {
            let (CtdSource::Distro(sv) | CtdSource::Docker(sv)) = &src;
            if row.fit(*sv) == CtdFit::Newer {
                out.push(Finding::warn(format!(
                    "{os_name} gets {src}, newer than containerd has tested with Kubernetes {k8s} \
                     ({want}; no listed branch is available for it)"
                )));
            }
            if let Some(v) = installed {
                out.push(Finding::warn(format!(
                    "containerd {v} is installed; Kubernetes {k8s} wants {want} (containerd's \
                     RELEASES.md): kubewiz will install {src} in its place"
                )));
            }
            // The containerd step installs from Docker's repository: it must answer.
            if matches!(src, CtdSource::Docker(_)) {
                for line in &facts.package_repo_unreachable {
                    if line.starts_with("docker-ce ") {
                        out.push(Finding::refuse(format!(
                            "{os_name} gets {src}, but {}",
                            super::preflight::package_refusal(catalog, line)
                        )));
                    }
                }
            }
        }
        None => {
            let newest_ok = catalog
                .minors()
                .iter()
                .rev()
                .find(|m| os.containerd_source(catalog.containerd_row(m)).is_some());
            let fix = match newest_ok {
                Some(m) => format!(
                    "choose Kubernetes {}.x or older, or a newer system",
                    m.version
                ),
                None => "choose a newer system".to_string(),
            };
            out.push(Finding::refuse(format!(
                "Kubernetes {k8s} wants containerd {want} (containerd's RELEASES.md, \"Kubernetes \
                 Support\"), and {os_name} cannot get one: {}: {fix}",
                os.containerd_offer()
            )));
        }
    }
    out
}

/// What [`newest_runnable`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pick {
    /// The newest version every node can run (None: none of them).
    pub version: Option<KubeVersion>,
    /// Newer versions passed over: (version, node, why).
    pub skipped: Vec<(KubeVersion, String, String)>,
}

/// The newest of `available` (versions a node's package repository carries, e.g. the
/// `repo_versions` of the repo-versions script, or one per minor from dl.k8s.io's
/// stable-1.XX.txt; any order, unparsable ones ignored) that every node can run: no refusal for
/// its facts (kernel, cgroup version, where it gets containerd). Pure: the wizard's Versions screen
/// and `kubewiz check --connect` call it with the nodes' facts.
pub fn newest_runnable(
    catalog: &Catalog,
    config: &ClusterConfig,
    facts: &[(&str, &Facts)],
    available: &[String],
) -> Pick {
    let mut versions: Vec<KubeVersion> = available
        .iter()
        .filter_map(|v| KubeVersion::parse(v.trim()).ok())
        .collect();
    versions.sort_unstable_by(|a, b| b.cmp(a));
    versions.dedup();
    let mut pick = Pick::default();
    for v in versions {
        let Ok(minor) = catalog.minor_for(&v.to_string()) else {
            pick.skipped
                .push((v, String::new(), "kubewiz does not know this minor".into()));
            continue;
        };
        let mut cfg = config.clone();
        cfg.cluster.kubernetes_version = v.to_string();
        let refusal = facts.iter().find_map(|(node, f)| {
            node_compat(catalog, minor, &cfg, f)
                .into_iter()
                .chain(installed_kubeadm(&cfg.cluster.kubernetes_version, f))
                .find(|x| x.severity == Severity::Refuse)
                .map(|x| (node.to_string(), x.message))
        });
        match refusal {
            Some((node, why)) => pick.skipped.push((v, node, why)),
            None => {
                pick.version = Some(v);
                break;
            }
        }
    }
    pick
}

/// CPU and memory minimums (kubeadm preflight: control planes need 2 CPUs, 1700 MB).
pub fn node_resources(catalog: &Catalog, role: Role, facts: &Facts) -> Vec<Finding> {
    let mut out = Vec::new();
    if role == Role::ControlPlane {
        let l = &catalog.limits;
        if facts.cpus < l.control_plane_min_cpus {
            out.push(Finding::refuse(format!(
                "a control plane needs at least {} CPUs, this node has {}: give it more CPUs \
                 or make it a worker",
                l.control_plane_min_cpus, facts.cpus
            )));
        }
        if facts.memory_mb < l.control_plane_min_memory_mb {
            out.push(Finding::refuse(format!(
                "a control plane needs at least {} MB of memory, this node has {} MB: give it \
                 more memory or make it a worker",
                l.control_plane_min_memory_mb, facts.memory_mb
            )));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ClusterSection, Cni, Mirror, NodeConfig, SshSection};

    fn cat() -> &'static Catalog {
        Catalog::builtin()
    }

    fn config(version: &str, cni: Cni, proxy: ProxyMode) -> ClusterConfig {
        ClusterConfig {
            cluster: ClusterSection {
                name: "demo".into(),
                kubernetes_version: version.into(),
                pod_cidr: "10.244.0.0/16".into(),
                service_cidr: "10.96.0.0/12".into(),
                cni,
                cni_version: None,
                cni_manifest: None,
                mirror: Mirror::Upstream,
                image_repository: None,
                proxy_mode: proxy,
                dashboard: false,
                dashboard_manifest: None,
                timezone: None,
                control_plane_endpoint: None,
            },
            ssh: SshSection::default(),
            nodes: vec![NodeConfig {
                name: "cp".into(),
                address: "192.0.2.10".into(),
                role: Role::ControlPlane,
                user: None,
                port: None,
                identity_file: None,
            }],
            timeouts: Default::default(),
            registry_mirrors: None,
        }
    }

    fn facts(id: &str, ver: &str, family: &str, kernel: &str, cgroup: u8) -> Facts {
        Facts {
            os_id: id.into(),
            os_version: ver.into(),
            os_family: family.into(),
            kernel: kernel.into(),
            cgroup_version: cgroup,
            cpus: 2,
            memory_mb: 2048,
            ..Facts::default()
        }
    }

    fn refusals(f: &[Finding]) -> Vec<&str> {
        f.iter()
            .filter(|f| f.severity == Severity::Refuse)
            .map(|f| f.message.as_str())
            .collect()
    }

    #[test]
    fn centos7_runs_the_seed_but_not_135() {
        let c7 = facts("centos", "7", "rhel", "3.10.0-1160.el7.x86_64", 1);
        let seed = config("1.25.3", Cni::Calico, ProxyMode::Ipvs);
        let f = node_compat(cat(), cat().minor("1.25").unwrap(), &seed, &c7);
        assert!(refusals(&f).is_empty(), "{f:?}");

        let new = config("1.35.0", Cni::Flannel, ProxyMode::Iptables);
        let f = node_compat(cat(), cat().minor("1.35").unwrap(), &new, &c7);
        let r = refusals(&f);
        assert!(r.iter().any(|m| m.contains("cgroup v2")), "{f:?}");
        assert!(r.iter().any(|m| m.contains("kernel 5.8")), "{f:?}");

        let newest = config("1.36.0", Cni::Flannel, ProxyMode::Iptables);
        let f = node_compat(cat(), cat().minor("1.36").unwrap(), &newest, &c7);
        assert!(
            refusals(&f).iter().any(|m| m.contains("cannot get one")),
            "{f:?}"
        );
    }

    #[test]
    fn containerd_is_judged_against_the_matrix_before_anything_changes() {
        let mut deb12 = facts("debian", "12", "debian", "6.1.0-17-amd64", 2);
        let m131 = cat().minor("1.31").unwrap();
        let cfg = config("1.31.14", Cni::Calico, ProxyMode::Iptables);
        // Nothing installed yet: Docker's containerd.io 1.7 will do, nothing to say.
        assert!(node_compat(cat(), m131, &cfg, &deb12).is_empty());
        // Debian's own 1.6.20 installed: below 1.6.34, replaced (a warning that says so).
        deb12.containerd_version = "1.6.20".into();
        let out = node_compat(cat(), m131, &cfg, &deb12);
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0].severity, Severity::Warn);
        assert!(
            out[0].message.contains("containerd 1.6.20 is installed"),
            "{out:?}"
        );
        assert!(
            out[0].message.contains("Docker's containerd.io 1.7.x"),
            "{out:?}"
        );
        // A listed one is kept silently; a newer branch than containerd tested is kept, said.
        deb12.containerd_version = "1.7.28".into();
        assert!(node_compat(cat(), m131, &cfg, &deb12).is_empty());
        deb12.containerd_version = "2.3.4".into();
        let out = node_compat(cat(), m131, &cfg, &deb12);
        assert!(
            out[0].message.contains("newer than containerd has tested"),
            "{out:?}"
        );
        // CentOS 7 and 1.31: containerd.io for el7 stops at 1.6.33 < 1.6.34: refused, with the way out.
        let c7 = facts("centos", "7", "rhel", "3.10.0-1160.el7.x86_64", 1);
        let out = node_compat(cat(), m131, &cfg, &c7);
        let r = refusals(&out);
        assert!(
            r.iter()
                .any(|m| m.contains("1.6.34+") && m.contains("1.30.x or older")),
            "{out:?}"
        );
    }

    /// Issue 10: a package repository that does not answer refuses the node at preflight, before
    /// anything is installed: the Kubernetes one always, Docker's where containerd comes from it.
    #[test]
    fn unreachable_package_repositories_refuse_where_the_install_needs_them() {
        let docker = "docker-ce https://download.docker.com/linux/{distro}/gpg curl: (28) Failed to connect to download.docker.com port 443 after 30000 ms: Timeout was reached";
        let k8s = "kubernetes https://pkgs.k8s.io/core:/stable:/v1.31/deb/Release.key curl: (28) Timeout was reached";
        let mut deb12 = facts("debian", "12", "debian", "6.1.0-17-amd64", 2);
        deb12.package_repo_unreachable = vec![docker.into(), k8s.into()];
        // 1.31 on Debian 12: Docker's containerd.io 1.7, so its repository must answer.
        let m131 = cat().minor("1.31").unwrap();
        let cfg = config("1.31.14", Cni::Calico, ProxyMode::Iptables);
        let out = node_compat(cat(), m131, &cfg, &deb12);
        let r = refusals(&out);
        assert_eq!(r.len(), 1, "{out:?}");
        assert!(
            r[0].starts_with("debian 12 gets Docker's containerd.io 1.7.x, but Docker's package repository (docker-ce) does not answer from this node at https://download.docker.com/linux/{distro}/gpg (curl: (28)")
                && r[0].contains("the containerd step (containerd.io) would fail; in mainland China set mirror = \"aliyun\""),
            "{r:?}"
        );
        // A containerd the matrix lists is kept: Docker's repository is not needed.
        deb12.containerd_version = "1.7.28".into();
        assert!(refusals(&node_compat(cat(), m131, &cfg, &deb12)).is_empty());
        // 1.25 on Debian 12: the distribution's 1.6.20, no Docker repository either.
        deb12.containerd_version.clear();
        deb12.can_sudo = true;
        let m125 = cat().minor("1.25").unwrap();
        let cfg125 = config("1.25.16", Cni::Calico, ProxyMode::Iptables);
        assert!(refusals(&node_compat(cat(), m125, &cfg125, &deb12)).is_empty());
        // The Kubernetes repository: preflight refuses every node that cannot reach it.
        let mut all = std::collections::HashMap::new();
        all.insert("cp".to_string(), deb12.clone());
        let f = super::super::preflight::evaluate(&cfg125, Some(m125), &all);
        let cp = &f.refusals["cp"];
        assert_eq!(cp.len(), 1, "{cp:?}");
        assert!(cp[0].starts_with("the Kubernetes package repository does not answer from this node at https://pkgs.k8s.io/core:/stable:/v1.31/deb/Release.key (curl: (28) Timeout was reached): the packages step (kubeadm, kubelet, kubectl) would fail"), "{cp:?}");
        // An Aliyun URL that does not answer: no advice to switch to Aliyun.
        let aliyun = "kubernetes https://mirrors.aliyun.com/kubernetes-new/core/stable/v1.25/rpm/repodata/repomd.xml.key no answer";
        let said = super::super::preflight::package_refusal(cat(), aliyun);
        assert!(
            said.contains("check the node's DNS, proxy and firewall")
                && !said.contains("set mirror"),
            "{said}"
        );
    }

    #[test]
    fn newest_runnable_skips_what_a_node_cannot_run() {
        let rocky = facts("rocky", "9.3", "rhel", "5.14.0-362.el9.x86_64", 2);
        let c7 = facts("centos", "7", "rhel", "3.10.0-1160.el7.x86_64", 1);
        let cfg = config("1.30.0", Cni::Flannel, ProxyMode::Iptables);
        let have: Vec<String> = ["1.30.13", "1.30.14", "1.31.14", "1.35.9", "1.40.0", "junk"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        // Rocky 9 alone: the newest it can run, though 1.35.9 is newer than the catalog knows.
        let p = newest_runnable(cat(), &cfg, &[("r", &rocky)], &have);
        assert_eq!(p.version.map(|v| v.to_string()).as_deref(), Some("1.35.9"));
        assert_eq!(p.skipped.len(), 1, "{p:?}"); // 1.40: unknown minor
        // With CentOS 7: cgroup v1 rules out 1.35, containerd.io 1.6.33 rules out 1.31.
        let p = newest_runnable(cat(), &cfg, &[("r", &rocky), ("c7", &c7)], &have);
        assert_eq!(p.version.map(|v| v.to_string()).as_deref(), Some("1.30.14"));
        let why: Vec<String> = p
            .skipped
            .iter()
            .map(|(v, n, w)| format!("{v} {n} {w}"))
            .collect();
        assert!(
            why.iter()
                .any(|w| w.starts_with("1.35.9 c7") && w.contains("cgroup v2")),
            "{why:?}"
        );
        assert!(
            why.iter()
                .any(|w| w.starts_with("1.31.14 c7") && w.contains("1.6.34+")),
            "{why:?}"
        );
        assert_eq!(
            newest_runnable(cat(), &cfg, &[("c7", &c7)], &[]).version,
            None
        );
    }

    #[test]
    fn modern_systems_pass_with_warnings_where_due() {
        let rocky9 = facts("rocky", "9.3", "rhel", "5.14.0-362.el9.x86_64", 2);
        let ubuntu = facts("ubuntu", "22.04", "debian", "5.15.0-91-generic", 2);
        for v in ["1.35.6", "1.36.0", "1.37.1"] {
            let minor = cat().minor_for(v).unwrap();
            for f in [&rocky9, &ubuntu] {
                let out = node_compat(
                    cat(),
                    minor,
                    &config(v, Cni::Calico, ProxyMode::Iptables),
                    f,
                );
                // containerd's RELEASES.md has no row for 1.37 yet: said, once.
                let unlisted = out
                    .iter()
                    .filter(|f| f.message.contains("list no containerd"));
                assert_eq!(unlisted.count(), usize::from(v == "1.37.1"), "{out:?}");
                assert!(
                    out.iter().all(|f| f.message.contains("list no containerd")),
                    "{v} {}: {out:?}",
                    f.os_id
                );
            }
            let out = node_compat(
                cat(),
                minor,
                &config(v, Cni::Flannel, ProxyMode::Ipvs),
                &rocky9,
            );
            assert!(refusals(&out).is_empty());
            assert!(out.iter().any(|f| f.message.contains("IPVS")), "{out:?}");
        }
        // Calico 3.30+ on an old kernel: a warning, not a refusal.
        let old_kernel = facts("rocky", "8.9", "rhel", "4.18.0-513.el8.x86_64", 2);
        let out = node_compat(
            cat(),
            cat().minor("1.34").unwrap(),
            &config("1.34.0", Cni::Calico, ProxyMode::Iptables),
            &old_kernel,
        );
        assert!(refusals(&out).is_empty(), "{out:?}");
        assert!(out.iter().any(|f| f.message.contains("5.10")), "{out:?}");
    }

    #[test]
    fn unknown_family_is_refused_and_resources_checked() {
        let f = facts("alpine", "3.19", "", "6.6.0", 2);
        let out = node_compat(
            cat(),
            cat().minor("1.30").unwrap(),
            &config("1.30.0", Cni::Calico, ProxyMode::Iptables),
            &f,
        );
        assert!(!refusals(&out).is_empty());
        let small = Facts {
            cpus: 1,
            memory_mb: 1024,
            ..Facts::default()
        };
        assert_eq!(node_resources(cat(), Role::ControlPlane, &small).len(), 2);
        assert!(node_resources(cat(), Role::Worker, &small).is_empty());
    }
}
