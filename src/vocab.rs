//! The shared vocabulary: the few names every layer speaks (steps, CNI, mirror, role, proxy
//! mode). A leaf: it imports nothing from the crate, and everything may import it.
//!
//! Only names and their spellings live here (how they are written in cluster.toml, the
//! journal and on the command line). What a step *does* belongs to [`crate::plan`]; what a
//! version means is in [`crate::catalog`].

use serde::{Deserialize, Serialize};

/// One step of the pipeline, in pipeline order (the seed guide's order, corrected).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepId {
    Facts,
    Preflight,
    Repos,
    Hostname,
    Firewall,
    Swap,
    Modules,
    Sysctl,
    Time,
    Containerd,
    Packages,
    Images,
    Init,
    Cni,
    Join,
    Ready,
    Dashboard,
    Kubeconfig,
}

impl StepId {
    pub const ALL: [StepId; 18] = [
        StepId::Facts,
        StepId::Preflight,
        StepId::Repos,
        StepId::Hostname,
        StepId::Firewall,
        StepId::Swap,
        StepId::Modules,
        StepId::Sysctl,
        StepId::Time,
        StepId::Containerd,
        StepId::Packages,
        StepId::Images,
        StepId::Init,
        StepId::Cni,
        StepId::Join,
        StepId::Ready,
        StepId::Dashboard,
        StepId::Kubeconfig,
    ];

    /// The short name used in the journal, logs and `--step` arguments.
    pub fn name(self) -> &'static str {
        match self {
            StepId::Facts => "facts",
            StepId::Preflight => "preflight",
            StepId::Repos => "repos",
            StepId::Hostname => "hostname",
            StepId::Firewall => "firewall",
            StepId::Swap => "swap",
            StepId::Modules => "modules",
            StepId::Sysctl => "sysctl",
            StepId::Time => "time",
            StepId::Containerd => "containerd",
            StepId::Packages => "packages",
            StepId::Images => "images",
            StepId::Init => "init",
            StepId::Cni => "cni",
            StepId::Join => "join",
            StepId::Ready => "ready",
            StepId::Dashboard => "dashboard",
            StepId::Kubeconfig => "kubeconfig",
        }
    }

    /// A human title for screens and summaries.
    pub fn title(self) -> &'static str {
        match self {
            StepId::Facts => "connect and read facts",
            StepId::Preflight => "preflight checks across nodes",
            StepId::Repos => "OS package repositories reachable",
            StepId::Hostname => "hostname and /etc/hosts",
            StepId::Firewall => "firewall off, SELinux permissive",
            StepId::Swap => "swap off (now and at boot)",
            StepId::Modules => "kernel modules",
            StepId::Sysctl => "sysctls",
            StepId::Time => "time sync and timezone",
            StepId::Containerd => "containerd",
            StepId::Packages => "kubeadm, kubelet, kubectl",
            StepId::Images => "pre-pull images",
            StepId::Init => "kubeadm init",
            StepId::Cni => "pod network (CNI)",
            StepId::Join => "kubeadm join",
            StepId::Ready => "wait for Ready",
            StepId::Dashboard => "dashboard",
            StepId::Kubeconfig => "copy admin kubeconfig",
        }
    }

    /// A rough duration on a real node with a nearby mirror, in seconds. Only used to choose
    /// which ready steps start first when more are ready than may run (see `plan::order`).
    pub fn typical_secs(self) -> u32 {
        match self {
            StepId::Preflight => 0,
            StepId::Facts
            | StepId::Hostname
            | StepId::Firewall
            | StepId::Swap
            | StepId::Sysctl
            | StepId::Kubeconfig => 1,
            StepId::Modules | StepId::Dashboard => 5,
            StepId::Repos | StepId::Time | StepId::Cni => 10,
            StepId::Ready => 20,
            StepId::Join => 30,
            StepId::Containerd => 40,
            StepId::Packages | StepId::Init => 60,
            StepId::Images => 90,
        }
    }

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
