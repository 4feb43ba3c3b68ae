//! What the step definitions read: the config plus the values resolved once per plan (the
//! catalog's minor and mirror, the image repository, the API endpoint, /etc/hosts lines).

use super::PlanError;
use crate::catalog::{Catalog, Minor, MirrorInfo};
use crate::config::{ClusterConfig, NodeConfig, Validated};
use crate::vocab::StepId;
use std::time::Duration;

/// The `ready` step's own deadline is the step timeout minus this margin.
const READY_MARGIN: Duration = Duration::from_secs(60);

/// The inputs of a plan, resolved.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    pub config: &'a ClusterConfig,
    pub catalog: &'a Catalog,
    /// The node that runs `kubeadm init`: the first control plane in file order.
    pub first_cp: &'a NodeConfig,
    /// The catalog's entry for the Kubernetes minor.
    pub minor: &'a Minor,
    /// The catalog's repositories for `cluster.mirror`.
    pub mirror: &'a MirrorInfo,
    /// `cluster.image_repository`, else the mirror's.
    pub image_repository: String,
    /// `host:port` of the API server.
    pub endpoint: String,
    /// "ADDR NAME" per node, one per line (for /etc/hosts).
    pub hosts: String,
    /// The registries the cluster pulls from or has mirrors for (containerd hosts.toml, probes).
    pub registries: Vec<super::registries::RegistryUse>,
    /// The steps of an upgrade hop (`plan::steps::hop`) read this; `None` for the install.
    pub hop: Option<HopInputs>,
}

/// What a hop's steps get besides the config (whose `kubernetes_version` is the hop's target).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HopInputs {
    /// How long a drain may take, seconds (kubectl drain --timeout).
    pub drain_timeout: u64,
    /// etcd snapshots kept in /var/lib/kubewiz/backups on the first control plane.
    pub keep_snapshots: u32,
    /// Nodes that were cordoned before the upgrade began: left cordoned.
    pub found_cordoned: Vec<String>,
}

impl<'a> Context<'a> {
    /// The context of a validated config: what validation resolved, used as is.
    pub fn validated(v: &'a Validated<'a>) -> Result<Context<'a>, PlanError> {
        Context::with(&v.config, v.catalog, v.minor, v.image_repository.clone())
    }

    /// The context of a config that may not be valid (the wizard's preview, tests): the
    /// catalog lookups validation would do, and only those.
    pub fn new(config: &'a ClusterConfig, catalog: &'a Catalog) -> Result<Context<'a>, PlanError> {
        let minor = catalog.minor_for(&config.cluster.kubernetes_version)?;
        let image_repository = config.image_repository(catalog).to_string();
        Context::with(config, catalog, minor, image_repository)
    }

    fn with(
        config: &'a ClusterConfig,
        catalog: &'a Catalog,
        minor: &'a Minor,
        image_repository: String,
    ) -> Result<Context<'a>, PlanError> {
        let mirror = catalog.mirror(config.cluster.mirror);
        let first_cp = config
            .first_control_plane()
            .ok_or(PlanError::NoControlPlane)?;
        let c = &config.cluster;
        let endpoint = control_plane_endpoint(c.control_plane_endpoint.as_deref(), first_cp);
        let hosts = config
            .nodes
            .iter()
            .map(|n| format!("{} {}", n.address, n.name))
            .collect::<Vec<_>>()
            .join("\n");
        Ok(Context {
            config,
            catalog,
            first_cp,
            minor,
            mirror,
            image_repository,
            endpoint,
            hosts,
            registries: super::registries::registries(config, catalog),
            hop: None,
        })
    }

    /// The timeout of a step: `[timeouts]` in cluster.toml, else the step's default.
    pub fn timeout(&self, step: StepId) -> Duration {
        timeout(self.config, step)
    }

    /// How long `ready` watches before it gives up: its timeout minus a margin (at least 30 s).
    pub fn ready_deadline(&self) -> Duration {
        self.timeout(StepId::Ready)
            .saturating_sub(READY_MARGIN)
            .max(Duration::from_secs(30))
    }
}

/// The timeout of a step: `[timeouts]` in cluster.toml, else the step's default.
pub fn timeout(config: &ClusterConfig, step: StepId) -> Duration {
    config
        .timeouts
        .get(step.name())
        .map(|s| Duration::from_secs(*s))
        .unwrap_or(step.def().timeout)
}

/// `host:port` of the API server: the configured endpoint (":6443" added when it has no
/// port), else the first control plane's address on 6443.
pub fn control_plane_endpoint(configured: Option<&str>, cp: &NodeConfig) -> String {
    match configured.map(str::trim).filter(|s| !s.is_empty()) {
        Some(e) => {
            let has_port = if let Some(rest) = e.strip_prefix('[') {
                rest.contains("]:")
            } else {
                e.rsplit_once(':')
                    .is_some_and(|(h, p)| !h.contains(':') && p.parse::<u16>().is_ok())
            };
            if has_port {
                e.to_string()
            } else if e.contains(':') && !e.starts_with('[') {
                format!("[{e}]:6443")
            } else {
                format!("{e}:6443")
            }
        }
        None if cp.address.contains(':') => format!("[{}]:6443", cp.address),
        None => format!("{}:6443", cp.address),
    }
}
