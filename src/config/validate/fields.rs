//! The single-valued fields: the cluster's optional settings, `[ssh]`, `[timeouts]`; and the
//! file paths they name.

use super::network::{Nets, outside_cluster_nets};
use super::rules;
use super::{Check, ClusterConfig, Problem};
use std::net::IpAddr;
use std::path::Path;

/// `image_repository`, `timezone`, `control_plane_endpoint` (outside the cluster networks), the
/// local manifests.
pub(super) fn cluster_options(config: &ClusterConfig, nets: Nets, ck: &mut Check) {
    let c = &config.cluster;
    if let Some(r) = &c.image_repository
        && let Err((m, f)) = rules::image_repository(r)
    {
        ck.problem(Problem::field("cluster.image_repository", r, m, f));
    }
    if let Some(tz) = &c.timezone
        && let Err((m, f)) = rules::timezone(tz)
    {
        ck.problem(Problem::field("cluster.timezone", tz, m, f));
    }
    if let Some(ep) = &c.control_plane_endpoint {
        match rules::endpoint(ep) {
            Err((m, f)) => ck.problem(Problem::field("cluster.control_plane_endpoint", ep, m, f)),
            Ok(host) => {
                if let Ok(ip) = host.parse::<IpAddr>() {
                    let field = "cluster.control_plane_endpoint";
                    outside_cluster_nets(field, ep, ip, nets, config, ck);
                }
            }
        }
    }
    for (field, path) in [
        ("cluster.cni_manifest", &c.cni_manifest),
        ("cluster.dashboard_manifest", &c.dashboard_manifest),
    ] {
        if let Some(p) = path {
            self::path(field, p, ck);
        }
    }
    if c.dashboard_manifest.is_some() && !c.dashboard {
        ck.warn(
            "cluster.dashboard_manifest is set but dashboard = false: it will not be used".into(),
        );
    }
}

/// A second control plane without an endpoint of its own: works, but is not HA.
pub(super) fn high_availability(config: &ClusterConfig, ck: &mut Check) {
    let control_planes = config.control_planes().count();
    if control_planes > 1 && config.cluster.control_plane_endpoint.is_none() {
        ck.warn(format!(
            "{control_planes} control planes but no cluster.control_plane_endpoint: the API \
             endpoint defaults to the first control plane's address, so the cluster depends on \
             that one node; set it to a load balancer or virtual IP for real HA"
        ));
    }
}

/// `[ssh]`: user, port, connect timeout, key and known_hosts paths.
pub(super) fn ssh(config: &ClusterConfig, ck: &mut Check) {
    let s = &config.ssh;
    if let Err((m, f)) = rules::unix_user(&s.user) {
        ck.problem(Problem::field("ssh.user", &s.user, m, f));
    }
    if s.port == 0 {
        ck.problem(Problem::field(
            "ssh.port",
            "0",
            "port 0 is not a port",
            "use 22 or the port sshd listens on",
        ));
    }
    if s.connect_timeout == 0 || s.connect_timeout > 300 {
        ck.problem(Problem::field(
            "ssh.connect_timeout",
            s.connect_timeout.to_string(),
            "must be between 1 and 300 seconds",
            "use 10 (the default) or a little more for slow links",
        ));
    }
    for (field, p) in [
        ("ssh.identity_file", &s.identity_file),
        ("ssh.known_hosts", &s.known_hosts),
    ] {
        if let Some(p) = p {
            path(field, p, ck);
        }
    }
}

/// `[timeouts]`: seconds between 1 and a day (unknown step names are refused while parsing).
pub(super) fn timeouts(config: &ClusterConfig, ck: &mut Check) {
    for (step, secs) in &config.timeouts {
        if !(1..=86_400).contains(secs) {
            ck.problem(Problem::field(
                format!("timeouts.{step}"),
                secs.to_string(),
                "a step timeout must be between 1 second and 24 hours".to_string(),
                format!(
                    "give the seconds {step} may take, e.g. {step} = 3600, or remove the key for \
                     the step's default"
                ),
            ));
        }
    }
}

/// A file path field (see [`rules::file_path`]).
pub(super) fn path(field: &str, path: &Path, ck: &mut Check) {
    let s = path.to_string_lossy();
    if let Err((m, f)) = rules::file_path(&s) {
        ck.problem(Problem::field(field, s.as_ref(), m, f));
    }
}
