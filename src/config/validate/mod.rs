//! Validation: every rule of cluster.toml, checked before any SSH. Pure: no file system, no
//! network. All problems are reported at once, each naming its field.
//!
//! - [`validate`]: the whole config (what `kubewiz check` and every command run); its result,
//!   [`Validated`], carries what it resolved (the exact version, the catalog's minor, the CNI
//!   release, the image repository, the networks) for the layers below to use as is;
//! - [`check_field`]: one value of one field, by its path (the wizard's forms), with the same
//!   messages;
//! - [`rules`]: the field-level rules both are made of.
//!
//! One file per concern: `versions`, `network`, `fields` (cluster options, `[ssh]`,
//! `[timeouts]`), `nodes`, `mirrors` (`[registry_mirrors]`).

use super::error::Problem;
use super::model::ClusterConfig;
use crate::catalog::{Catalog, KubeVersion, Minor, MirrorInfo};
use ipnet::IpNet;

mod fields;
mod mirrors;
mod network;
mod nodes;
pub mod rules;
mod versions;

pub use rules::nets_overlap;

/// Kubernetes' documented scalability limit; also bounds the work done on a hostile file.
pub const MAX_NODES: usize = 5000;

/// A config that passed every rule, and what validation resolved: what commands pass down
/// (the plan, the engine's preflight and manifests read these instead of looking them up
/// again).
#[derive(Debug, Clone)]
pub struct Validated<'c> {
    pub config: ClusterConfig,
    pub catalog: &'c Catalog,
    /// The exact Kubernetes version.
    pub version: KubeVersion,
    /// The catalog's entry for its minor.
    pub minor: &'c Minor,
    /// The catalog's repositories for `cluster.mirror`.
    pub mirror: &'c MirrorInfo,
    /// `cni_version` or the catalog's default for the minor.
    pub cni_version: String,
    /// `image_repository` or the mirror's default.
    pub image_repository: String,
    pub pod_cidr: IpNet,
    pub service_cidr: IpNet,
    /// Things that work but deserve a line in `check`/`apply` output.
    pub warnings: Vec<String>,
}

/// What the rules found so far.
#[derive(Debug, Default)]
struct Check {
    problems: Vec<Problem>,
    warnings: Vec<String>,
}

impl Check {
    fn problem(&mut self, p: Problem) {
        self.problems.push(p);
    }
    fn warn(&mut self, w: String) {
        self.warnings.push(w);
    }
}

/// Checks every rule and reports every problem found (not just the first).
pub fn validate<'c>(
    config: &ClusterConfig,
    catalog: &'c Catalog,
) -> Result<Validated<'c>, Vec<Problem>> {
    validate_with(config, catalog, false)
}

/// [`validate`] for a cluster that is already installed (its journal says `kubeadm init` ran): what it
/// already runs is not chosen again. A `cni_version` outside the minor's allowed releases is a warning
/// (upgrade the CNI), not a refusal: after `kubewiz upgrade` the cluster keeps the CNI release it was
/// installed with, and cluster.toml says so.
pub fn validate_installed<'c>(
    config: &ClusterConfig,
    catalog: &'c Catalog,
) -> Result<Validated<'c>, Vec<Problem>> {
    validate_with(config, catalog, true)
}

fn validate_with<'c>(
    config: &ClusterConfig,
    catalog: &'c Catalog,
    installed: bool,
) -> Result<Validated<'c>, Vec<Problem>> {
    let mut ck = Check::default();
    let c = &config.cluster;
    if let Err((m, f)) = rules::dns_label(&c.name) {
        ck.problem(Problem::field("cluster.name", &c.name, m, f));
    }
    let versions = versions::check(config, catalog, installed, &mut ck);
    let nets = network::check(config, &mut ck);
    fields::cluster_options(config, nets, &mut ck);
    fields::ssh(config, &mut ck);
    nodes::check(config, nets, &mut ck);
    fields::high_availability(config, &mut ck);
    fields::timeouts(config, &mut ck);
    if let Some(table) = &config.registry_mirrors {
        mirrors::check(table, &mut ck);
    }

    match (ck.problems.is_empty(), versions, nets.pod, nets.svc) {
        (true, Some(v), Some(pod_cidr), Some(service_cidr)) => {
            let mirror = catalog.mirror(c.mirror);
            Ok(Validated {
                config: config.clone(),
                catalog,
                version: v.version,
                minor: v.minor,
                mirror,
                cni_version: v.cni_version,
                image_repository: config.image_repository(catalog).to_string(),
                pod_cidr,
                service_cidr,
                warnings: ck.warnings,
            })
        }
        _ => Err(ck.problems),
    }
}

/// Checks one value of one field, named by its path as problems name it (`cluster.pod_cidr`,
/// `ssh.user`, `node[2].address`, ...), with the rules [`validate`] applies to that field on
/// its own. Rules that relate fields (overlaps, sizes for the node count or the CNI,
/// duplicates, a CNI release for the minor) are [`validate`]'s: build the config and filter
/// its problems by field. A field without a single-value rule passes.
pub fn check_field(field: &str, value: &str) -> Result<(), Problem> {
    let key = match field.split_once("].") {
        Some((node, key)) if node.starts_with("node[") => key,
        _ => field,
    };
    let port = |v: &str| match v.parse::<u16>() {
        Ok(p) if p > 0 => Ok(()),
        _ => Err((
            format!("`{v}` is not a port"),
            "use 22 or the port sshd listens on (1-65535)".to_string(),
        )),
    };
    let result = match key {
        "cluster.name" => rules::dns_label(value),
        "cluster.kubernetes_version" => Catalog::builtin()
            .resolve(value)
            .map(|_| ())
            .map_err(versions::explain),
        "cluster.cni_version" => rules::release_version(value),
        "cluster.pod_cidr" | "cluster.service_cidr" => rules::cidr(value).map(|_| ()),
        "cluster.image_repository" => rules::image_repository(value),
        "cluster.timezone" => rules::timezone(value),
        "cluster.control_plane_endpoint" => rules::endpoint(value).map(|_| ()),
        "cluster.cni_manifest"
        | "cluster.dashboard_manifest"
        | "ssh.identity_file"
        | "ssh.known_hosts"
        | "identity_file" => rules::file_path(value),
        "ssh.user" | "user" => rules::unix_user(value),
        "ssh.port" | "port" => port(value),
        "name" => rules::hostname(value),
        "address" => rules::node_address(value).map(|_| ()),
        _ => Ok(()),
    };
    result.map_err(|(m, f)| Problem::field(field, value, m, f))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_field_says_what_validate_says_about_the_same_value() {
        let text = "[cluster]\nname = \"demo\"\nkubernetes_version = \"1.25.3\"\n\
                    pod_cidr = \"fd00::/48\"\n[ssh]\nuser = \"Root\"\n\
                    [[node]]\nname = \"cp\"\naddress = \"192.0.2.300\"\nrole = \"control-plane\"\n";
        let config = crate::config::parse(text, std::path::Path::new("c.toml")).unwrap();
        let problems = validate(&config, Catalog::builtin()).unwrap_err();
        for (field, value) in [
            ("cluster.pod_cidr", "fd00::/48"),
            ("ssh.user", "Root"),
            ("node[0].address", "192.0.2.300"),
        ] {
            let alone = check_field(field, value).unwrap_err();
            let whole = problems
                .iter()
                .find(|p| p.field.as_deref() == Some(field))
                .unwrap_or_else(|| panic!("validate names {field}: {problems:?}"));
            assert_eq!(&alone, whole, "{field}");
        }
        assert!(check_field("cluster.kubernetes_version", "1.25").is_err());
        assert!(check_field("cluster.kubernetes_version", "1.25.3").is_ok());
        assert!(check_field("node[3].port", "0").is_err());
        assert!(check_field("node[3].name", "k8s-node01").is_ok());
        assert!(check_field("cluster.dashboard", "anything").is_ok());
    }
}
