//! The cluster.toml model. Field names are the file's keys; defaults live here so that a
//! short file is a complete description of a cluster.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterConfig {
    pub cluster: ClusterSection,
    #[serde(default)]
    pub ssh: SshSection,
    #[serde(default, rename = "node")]
    pub nodes: Vec<NodeConfig>,
    /// Per-step timeouts in seconds, overriding the catalog's (e.g. `images = 3600` behind a
    /// slow mirror). Keys are step names (`kubewiz plan` shows them).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub timeouts: std::collections::BTreeMap<String, u64>,
    /// Registry mirrors, the containerd way: one `/etc/containerd/certs.d/<registry>/hosts.toml`
    /// per registry, its mirrors tried in order before the registry itself, e.g.
    /// `"docker.io" = ["https://docker.m.daocloud.io"]`. Absent: the `mirror`'s defaults
    /// (`mirror = "aliyun"` fills in mirrors that answer from mainland China, see the catalog);
    /// present (even empty) it is exactly what the nodes get.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry_mirrors: Option<std::collections::BTreeMap<String, Vec<String>>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterSection {
    pub name: String,
    /// Exact patch version, e.g. "1.25.3"; the catalog knows which minors exist.
    pub kubernetes_version: String,
    #[serde(default = "default_pod_cidr")]
    pub pod_cidr: String,
    #[serde(default = "default_service_cidr")]
    pub service_cidr: String,
    #[serde(default)]
    pub cni: Cni,
    /// Default: the catalog's choice for this Kubernetes minor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cni_version: Option<String>,
    /// A local copy of the CNI manifest (nodes in China often cannot reach GitHub).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cni_manifest: Option<PathBuf>,
    #[serde(default)]
    pub mirror: Mirror,
    /// Default follows `mirror`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_repository: Option<String>,
    #[serde(default)]
    pub proxy_mode: ProxyMode,
    #[serde(default)]
    pub dashboard: bool,
    /// A local copy of the dashboard manifest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dashboard_manifest: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// Default: the first control plane's address and port 6443.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control_plane_endpoint: Option<String>,
}

fn default_pod_cidr() -> String {
    "10.244.0.0/16".into()
}
fn default_service_cidr() -> String {
    "10.96.0.0/12".into()
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SshSection {
    #[serde(default = "default_user")]
    pub user: String,
    #[serde(default = "default_port")]
    pub port: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_file: Option<PathBuf>,
    /// Default: ~/.ssh/known_hosts, like ssh itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub known_hosts: Option<PathBuf>,
    #[serde(default)]
    pub host_key_policy: HostKeyPolicy,
    /// Seconds to wait for the TCP connection and SSH handshake.
    #[serde(default = "default_connect_timeout")]
    pub connect_timeout: u64,
}

impl Default for SshSection {
    fn default() -> Self {
        SshSection {
            user: default_user(),
            port: default_port(),
            identity_file: None,
            known_hosts: None,
            host_key_policy: HostKeyPolicy::default(),
            connect_timeout: default_connect_timeout(),
        }
    }
}

fn default_user() -> String {
    "root".into()
}
fn default_port() -> u16 {
    22
}
fn default_connect_timeout() -> u64 {
    10
}

/// How an unknown or changed host key is treated. There is deliberately no "off".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HostKeyPolicy {
    /// Unknown and changed keys are refused.
    Strict,
    /// Unknown keys are recorded on first use, changed keys are refused.
    #[default]
    AcceptNew,
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeConfig {
    pub name: String,
    pub address: String,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_file: Option<PathBuf>,
}

impl ClusterConfig {
    /// The node that runs `kubeadm init`: the first control plane in file order.
    pub fn first_control_plane(&self) -> Option<&NodeConfig> {
        self.nodes.iter().find(|n| n.role == Role::ControlPlane)
    }

    pub fn node(&self, name: &str) -> Option<&NodeConfig> {
        self.nodes.iter().find(|n| n.name == name)
    }

    /// The timeout of a step: `[timeouts]` if set, else the catalog's.
    pub fn step_timeout(
        &self,
        step: crate::plan::StepId,
        catalog: &crate::catalog::Catalog,
    ) -> std::time::Duration {
        self.timeouts
            .get(step.name())
            .map(|s| std::time::Duration::from_secs(*s))
            .unwrap_or_else(|| catalog.timeout(step))
    }
}
