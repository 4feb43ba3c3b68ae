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
            for finding in super::compat::node_compat(cat, minor, cfg, fa) {
                match finding.severity {
                    super::compat::Severity::Refuse => f.refuse(n, finding.message),
                    super::compat::Severity::Warn => f.warn(n, finding.message),
                }
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
