//! What a node reports about itself in the `facts` step (`::kw::fact key=value` lines).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Facts {
    /// `ID` from /etc/os-release, e.g. "centos", "rocky", "ubuntu".
    pub os_id: String,
    /// `VERSION_ID` from /etc/os-release, e.g. "7", "9.3", "22.04".
    pub os_version: String,
    /// "rhel" or "debian" (from ID / ID_LIKE).
    pub os_family: String,
    pub kernel: String,
    /// 1 or 2.
    pub cgroup_version: u8,
    pub cpus: u32,
    pub memory_mb: u64,
    pub swap_mb: u64,
    pub product_uuid: String,
    pub macs: Vec<String>,
    pub hostname: String,
    /// Node clock as Unix seconds, read during the facts step.
    pub epoch: i64,
    /// Workstation clock minus node clock, seconds (computed locally).
    pub clock_skew_secs: i64,
    /// Peers (by address) this node could not reach on their SSH port.
    pub unreachable_peers: Vec<String>,
    /// Whether the remote user is root or has passwordless sudo.
    pub can_sudo: bool,
    /// Registry mirrors and registries that did not answer from this node:
    /// "<registry> <mirror|registry> <url> <why>" (the facts step probes what the cluster needs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub registry_unreachable: Vec<String>,
    /// Package repositories the install needs that did not answer from this node:
    /// "<repository> <url> <why>" ("kubernetes", "docker-ce"; the facts step probes the URL the
    /// package steps fetch first).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub package_repo_unreachable: Vec<String>,
    /// The installed containerd's version ("1.6.20"), empty when none.
    #[serde(default)]
    pub containerd_version: String,
    /// The installed kubeadm's version ("1.25.3"), empty when none: an install does not
    /// upgrade, so any other version of the cluster fails at packages (preflight says so first).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kubeadm_version: String,
    /// From the repo-versions script (not the facts step): the patches of the cluster's minor
    /// the node's repository carries, oldest first; or why it could not be read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub repo_versions: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub repo_error: String,
}

impl Facts {
    /// Builds facts from `key=value` pairs; unknown keys are ignored, bad numbers become 0
    /// (preflight then refuses the node with the field named).
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Facts {
        let mut f = Facts::default();
        for (k, v) in pairs {
            let v = v.trim();
            match k {
                "os_id" => f.os_id = v.into(),
                "os_version" => f.os_version = v.into(),
                "os_family" => f.os_family = v.into(),
                "kernel" => f.kernel = v.into(),
                "cgroup_version" => f.cgroup_version = v.parse().unwrap_or(0),
                "cpus" => f.cpus = v.parse().unwrap_or(0),
                "memory_mb" => f.memory_mb = v.parse().unwrap_or(0),
                "swap_mb" => f.swap_mb = v.parse().unwrap_or(0),
                "product_uuid" => f.product_uuid = v.into(),
                "macs" => f.macs = split_list(v),
                "hostname" => f.hostname = v.into(),
                "epoch" => f.epoch = v.parse().unwrap_or(0),
                "unreachable_peers" => f.unreachable_peers = split_list(v),
                "can_sudo" => f.can_sudo = v == "1" || v == "yes" || v == "true",
                "registry_unreachable" if !v.is_empty() => f.registry_unreachable.push(v.into()),
                "package_repo_unreachable" if !v.is_empty() => {
                    f.package_repo_unreachable.push(v.into())
                }
                "containerd_version" => f.containerd_version = v.into(),
                "kubeadm_version" => f.kubeadm_version = v.into(),
                "repo_versions" => f.repo_versions = split_list(v),
                "repo_error" => f.repo_error = v.into(),
                _ => {}
            }
        }
        f
    }

    /// Kernel version as (major, minor), e.g. "3.10.0-1160.el7.x86_64" → (3, 10).
    pub fn kernel_version(&self) -> Option<(u32, u32)> {
        crate::catalog::parse_minor(&self.kernel)
    }
}

fn split_list(v: &str) -> Vec<String> {
    v.split([',', ' '])
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}
