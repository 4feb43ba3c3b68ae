//! The upgrade path: from what the cluster runs to `--to`, one minor at a time, with what changes at each
//! hop and what is refused (and why). Pure: the survey (versions and node facts read over SSH) comes in, a
//! [`Path`] or a [`Refusal`] goes out.
//!
//! - this file: the survey, hop, path and refusal types, and how a path reads (`Display`);
//! - `compute`: the walk from the running version to the target, hop by hop, with each node's fit;
//! - `skew`: a cluster already outside the version skew policy is refused;
//! - `changes`: what changes from one minor to the next, in words, from the catalog.
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

use crate::catalog::{CatalogError, KubeVersion};
use crate::config::Role;
use crate::facts::Facts;
use std::fmt;

mod changes;
mod compute;
mod skew;
#[cfg(test)]
mod tests;

pub use compute::compute;

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

    /// The hop in a title: "1.27.16 → 1.28.15", or "1.28.15 (nodes still behind catch up)".
    pub fn title(&self) -> String {
        if self.catch_up {
            format!("{} (nodes still behind catch up)", self.to)
        } else {
            format!("{} → {}", self.from, self.to)
        }
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
