//! Preflight across nodes (a barrier): runs on the workstation over every node's facts,
//! before anything is changed on any node. Pure: facts in, problems out.

use crate::catalog::Minor;
use crate::config::ClusterConfig;
use crate::facts::Facts;
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Default, Clone, PartialEq)]
pub struct Findings {
    /// node → problems that refuse the install.
    pub refusals: BTreeMap<String, Vec<String>>,
    /// node → warnings that do not stop it.
    pub warnings: BTreeMap<String, Vec<String>>,
}

impl Findings {
    pub fn ok(&self) -> bool {
        self.refusals.values().all(Vec::is_empty)
    }
    fn refuse(&mut self, node: &str, msg: String) {
        self.refusals.entry(node.to_string()).or_default().push(msg);
    }
    fn warn(&mut self, node: &str, msg: String) {
        self.warnings.entry(node.to_string()).or_default().push(msg);
    }
}

/// `facts` holds every node's facts (config nodes, including ones installed by an earlier run);
/// `minor` is the catalog's entry for the config's version (validation resolved it; without
/// it the version rules are skipped).
pub fn evaluate(
    cfg: &ClusterConfig,
    minor: Option<&Minor>,
    facts: &HashMap<String, Facts>,
) -> Findings {
    let mut f = Findings::default();
    let mut uuids: HashMap<&str, Vec<&str>> = HashMap::new();
    let mut macs: HashMap<&str, Vec<&str>> = HashMap::new();
    for node in &cfg.nodes {
        let Some(fa) = facts.get(&node.name) else {
            f.refuse(&node.name, "no facts were read from this node".into());
            continue;
        };
        let n = node.name.as_str();
        let cat = crate::catalog::Catalog::builtin();
        for finding in super::compat::node_resources(cat, node.role, fa) {
            f.refuse(n, finding.message);
        }
        let max_skew = cat.limits.max_clock_skew_secs;
        if fa.clock_skew_secs.abs() > max_skew {
            f.refuse(n, format!(
                "clock differs from this workstation by {} s (limit {max_skew} s): certificates and join tokens would fail; set the time (chronyc makestep / date -s) and run again",
                fa.clock_skew_secs
            ));
        }
        if !fa.can_sudo {
            f.refuse(n, "the SSH user is neither root nor has passwordless sudo: connect as root or add a NOPASSWD sudoers entry".into());
        }
        if !fa.unreachable_peers.is_empty() {
            f.refuse(n, format!(
                "cannot reach {} on their SSH port: nodes must reach each other (check routes and firewalls)",
                fa.unreachable_peers.join(", ")
            ));
        }
        if fa.os_family != "rhel" && fa.os_family != "debian" {
            f.refuse(n, format!(
                "unsupported OS {:?} {:?}: kubewiz supports the RHEL family (CentOS, Rocky, Alma) and the Debian family (Debian, Ubuntu)",
                fa.os_id, fa.os_version
            ));
        }
        if let Some(minor) = minor {
            let installed = super::compat::installed_kubeadm(&cfg.cluster.kubernetes_version, fa);
            for finding in super::compat::node_compat(cat, minor, cfg, fa)
                .into_iter()
                .chain(installed)
            {
                match finding.severity {
                    super::compat::Severity::Refuse => f.refuse(n, finding.message),
                    super::compat::Severity::Warn => f.warn(n, finding.message),
                }
            }
        }
        for line in &fa.registry_unreachable {
            f.refuse(n, registry_refusal(cfg, cat, line));
        }
        // The Kubernetes repository is needed on every node; Docker's only where the containerd
        // step installs from it (compat::containerd_findings judges that).
        for line in &fa.package_repo_unreachable {
            if line.starts_with("kubernetes ") {
                f.refuse(n, package_refusal(cat, line));
            }
        }
        if !fa.product_uuid.is_empty() {
            uuids.entry(fa.product_uuid.as_str()).or_default().push(n);
        }
        for mac in &fa.macs {
            macs.entry(mac.as_str()).or_default().push(n);
        }
    }
    for (uuid, nodes) in uuids {
        if nodes.len() > 1 {
            for n in &nodes {
                f.refuse(n, format!(
                    "product_uuid {uuid} is shared by {}: cloned VMs must get a new UUID (kubeadm requires unique product_uuid)",
                    nodes.join(", ")
                ));
            }
        }
    }
    for (mac, nodes) in macs {
        if nodes.len() > 1 {
            for n in &nodes {
                f.refuse(
                    n,
                    format!(
                        "MAC address {mac} is shared by {}: give each cloned VM a new MAC",
                        nodes.join(", ")
                    ),
                );
            }
        }
    }
    f
}

/// What a registry probe that failed on a node means (a fact
/// "<registry> <mirror|registry> <url> <why>" of the facts step), with what to do.
pub fn registry_refusal(cfg: &ClusterConfig, cat: &crate::catalog::Catalog, line: &str) -> String {
    let mut it = line.splitn(4, ' ');
    let (registry, kind, url) = (
        it.next().unwrap_or_default(),
        it.next().unwrap_or_default(),
        it.next().unwrap_or_default(),
    );
    let why = it.next().unwrap_or("no answer").trim();
    let images = crate::plan::registries::images_by_registry(cfg, cat)
        .remove(registry)
        .unwrap_or_default();
    let pulls = if images.is_empty() {
        format!("every {registry} image")
    } else {
        let shown: Vec<&str> = images.iter().take(3).map(String::as_str).collect();
        let more = images.len().saturating_sub(3);
        format!(
            "{}{}",
            shown.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        )
    };
    if kind == "mirror" {
        format!(
            "registry {registry}: mirror {url} does not answer from this node ({why}); containerd would \
             try it first for {pulls}: fix or remove it under [registry_mirrors] in cluster.toml"
        )
    } else {
        let example = cat
            .mirror(crate::config::Mirror::Aliyun)
            .registry_mirrors
            .get(registry)
            .and_then(|m| m.first())
            .map(|m| format!(", e.g. \"{registry}\" = [\"{m}\"]"))
            .unwrap_or_default();
        format!(
            "registry {registry} does not answer from this node at {url} ({why}) and has no mirror: \
             pulling {pulls} would fail (pods in ImagePullBackOff); add a mirror under \
             [registry_mirrors] in cluster.toml{example}"
        )
    }
}

/// What a package-repository probe that failed on a node means (a fact
/// "<repository> <url> <why>" of the facts step), with what to do.
pub fn package_refusal(cat: &crate::catalog::Catalog, line: &str) -> String {
    let mut it = line.splitn(3, ' ');
    let (repo, url) = (it.next().unwrap_or_default(), it.next().unwrap_or_default());
    let why = it.next().unwrap_or("no answer").trim();
    let (what, needs) = match repo {
        "kubernetes" => (
            "the Kubernetes package repository".to_string(),
            "the packages step (kubeadm, kubelet, kubectl)",
        ),
        "docker-ce" => (
            "Docker's package repository (docker-ce)".to_string(),
            "the containerd step (containerd.io)",
        ),
        other => (format!("the package repository {other}"), "the install"),
    };
    let host = |u: &str| {
        let rest = u.split_once("://").map_or(u, |(_, r)| r);
        rest.split('/').next().unwrap_or_default().to_string()
    };
    let upstream = cat.mirror(crate::config::Mirror::Upstream);
    let k8s_host = cat.minors().first().map(|m| host(&upstream.rpm_repo(m)));
    let fix = if k8s_host == Some(host(url)) || host(&upstream.docker_ce_rpm_base) == host(url) {
        "in mainland China set mirror = \"aliyun\" in cluster.toml (Aliyun's copies of the Kubernetes \
         and docker-ce repositories); otherwise check the node's DNS, proxy and firewall"
    } else {
        "check the node's DNS, proxy and firewall (the node must reach this host over HTTPS)"
    };
    format!("{what} does not answer from this node at {url} ({why}): {needs} would fail; {fix}")
}
