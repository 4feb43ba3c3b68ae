//! The shared vocabulary: the few names every layer speaks (steps, CNI, mirror, role, proxy
//! mode). A leaf: it imports nothing from the crate, and everything may import it.
//!
//! Only names and their spellings live here (how they are written in cluster.toml, the
//! journal and on the command line). What a step *is and does* is its definition in
//! [`crate::plan::steps`]; what a version means is in [`crate::catalog`].

use serde::{Deserialize, Serialize};

/// Defines [`StepId`]: one line per step, `Variant = "name"`. The name is how the step is
/// written in the journal, the logs, `--step` and `[timeouts]`; the order is the enum's order
/// (and the journal's). What the step is and does: its definition in `src/plan/steps/`.
macro_rules! step_ids {
    ($($id:ident = $name:literal,)*) => {
        /// A step's identity. Its facts (title, script, nodes, needs, ...) are in its definition:
        /// `step.def()` (`src/plan/steps/`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum StepId {
            $(#[serde(rename = $name)] $id,)*
        }

        impl StepId {
            /// Every step id, in enum order.
            pub const ALL: [StepId; [$($name),*].len()] = [$(StepId::$id),*];

            /// The short name used in the journal, logs, `--step` and `[timeouts]`.
            pub fn name(self) -> &'static str {
                match self {
                    $(StepId::$id => $name,)*
                }
            }
        }
    };
}

step_ids! {
    Facts = "facts",
    Preflight = "preflight",
    Repos = "repos",
    Hostname = "hostname",
    Firewall = "firewall",
    Swap = "swap",
    Modules = "modules",
    Sysctl = "sysctl",
    Time = "time",
    Containerd = "containerd",
    Packages = "packages",
    Images = "images",
    Init = "init",
    Cni = "cni",
    Join = "join",
    Ready = "ready",
    Dashboard = "dashboard",
    Kubeconfig = "kubeconfig",
    // One hop of an upgrade (`kubewiz upgrade`, plan::steps::hop).
    EtcdSnapshot = "etcd-snapshot",
    UpgradeKubeadm = "upgrade-kubeadm",
    UpgradePlan = "upgrade-plan",
    UpgradeApply = "upgrade-apply",
    UpgradeNode = "upgrade-node",
    Drain = "drain",
    UpgradeContainerd = "upgrade-containerd",
    UpgradeKubelet = "upgrade-kubelet",
    KubeletRestart = "kubelet-restart",
    UpgradeReady = "upgrade-ready",
    Uncordon = "uncordon",
    UpgradeKubeconfig = "upgrade-kubeconfig",
}

impl StepId {
    pub fn from_name(s: &str) -> Option<StepId> {
        StepId::ALL.into_iter().find(|s2| s2.name() == s)
    }
}

impl std::fmt::Display for StepId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Cni {
    #[default]
    Calico,
    Flannel,
}

impl Cni {
    pub fn as_str(self) -> &'static str {
        match self {
            Cni::Calico => "calico",
            Cni::Flannel => "flannel",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mirror {
    #[default]
    Upstream,
    Aliyun,
}

impl Mirror {
    pub fn as_str(self) -> &'static str {
        match self {
            Mirror::Upstream => "upstream",
            Mirror::Aliyun => "aliyun",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProxyMode {
    #[default]
    Iptables,
    Ipvs,
}

impl ProxyMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ProxyMode::Iptables => "iptables",
            ProxyMode::Ipvs => "ipvs",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    ControlPlane,
    Worker,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::ControlPlane => "control-plane",
            Role::Worker => "worker",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::StepId;

    #[test]
    fn step_names_are_the_serialized_names_and_unique() {
        for s in StepId::ALL {
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.name()));
            assert_eq!(StepId::from_name(s.name()), Some(s));
        }
        assert_eq!(StepId::from_name("nope"), None);
    }
}
