//! The cluster.toml model. Field names are the file's keys; defaults live here so that a
//! short file is a complete description of a cluster.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

pub use crate::vocab::{Cni, Mirror, ProxyMode, Role};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterConfig {
    pub cluster: ClusterSection,
    #[serde(default)]
    pub ssh: SshSection,
    #[serde(default, rename = "node")]
    pub nodes: Vec<NodeConfig>,
    /// Per-step timeouts in seconds, overriding the step's default (e.g. `images = 3600` behind a
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
        self.control_planes().next()
    }

    /// The control planes, in file order.
    pub fn control_planes(&self) -> impl Iterator<Item = &NodeConfig> {
        self.nodes.iter().filter(|n| n.role == Role::ControlPlane)
    }

    pub fn node(&self, name: &str) -> Option<&NodeConfig> {
        self.nodes.iter().find(|n| n.name == name)
    }

    /// The registry mirrors the nodes get: `[registry_mirrors]` when present (even empty: it
    /// always wins), else the `mirror`'s defaults from the catalog.
    pub fn registry_mirrors<'a>(
        &'a self,
        catalog: &'a crate::catalog::Catalog,
    ) -> &'a std::collections::BTreeMap<String, Vec<String>> {
        self.registry_mirrors
            .as_ref()
            .unwrap_or(&catalog.mirror(self.cluster.mirror).registry_mirrors)
    }

    /// Where kubeadm's images come from: `image_repository`, else the `mirror`'s from the
    /// catalog.
    pub fn image_repository<'a>(&'a self, catalog: &'a crate::catalog::Catalog) -> &'a str {
        self.cluster
            .image_repository
            .as_deref()
            .unwrap_or(&catalog.mirror(self.cluster.mirror).image_repository)
    }

    /// The CNI version this config ends up with: `cni_version`, else the minor's default.
    pub fn cni_version<'a>(&'a self, minor: &'a crate::catalog::Minor) -> &'a str {
        minor.cni_version(self.cluster.cni, self.cluster.cni_version.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use crate::catalog::Catalog;
    use std::collections::BTreeMap;

    #[test]
    fn registry_mirrors_default_per_mirror_and_the_table_wins() {
        let cat = Catalog::builtin();
        let mut c = super::super::parse(
            "[cluster]\nname = \"demo\"\nkubernetes_version = \"1.25.3\"\n\n\
             [[node]]\nname = \"cp\"\naddress = \"192.0.2.10\"\nrole = \"control-plane\"\n",
            std::path::Path::new("cluster.toml"),
        )
        .unwrap();
        assert!(c.registry_mirrors(cat).is_empty(), "upstream: none");
        c.cluster.mirror = super::Mirror::Aliyun;
        let m = c.registry_mirrors(cat);
        for r in ["docker.io", "quay.io", "ghcr.io", "registry.k8s.io"] {
            assert!(!m[r].is_empty(), "aliyun has a mirror for {r}");
        }
        for (r, urls) in m {
            crate::config::rules::registry_host(r).unwrap();
            for u in urls {
                crate::config::rules::mirror_url(u).unwrap();
            }
        }
        c.registry_mirrors = Some(BTreeMap::new());
        assert!(c.registry_mirrors(cat).is_empty(), "an empty table wins");
        c.registry_mirrors = Some([("docker.io".into(), vec!["https://m.example".into()])].into());
        assert_eq!(c.registry_mirrors(cat).len(), 1);
    }
}
