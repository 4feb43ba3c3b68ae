//! The pod and service networks: each a valid IPv4 CIDR of the right size, not overlapping;
//! no machine address inside them.

use super::rules::{self, nets_overlap};
use super::{Check, ClusterConfig, Problem};
use ipnet::IpNet;
use std::net::IpAddr;

/// The parsed networks (`None` where the value was refused).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Nets {
    pub pod: Option<IpNet>,
    pub svc: Option<IpNet>,
}

pub(super) fn check(config: &ClusterConfig, ck: &mut Check) -> Nets {
    let c = &config.cluster;
    let pod = cidr("cluster.pod_cidr", &c.pod_cidr, ck);
    let svc = cidr("cluster.service_cidr", &c.service_cidr, ck);
    if let Some(pod) = pod
        && let Err((m, f)) = rules::pod_network(pod, c.cni, config.nodes.len())
    {
        ck.problem(Problem::field("cluster.pod_cidr", &c.pod_cidr, m, f));
    }
    if let Some(svc) = svc
        && let Err((m, f)) = rules::service_network(svc)
    {
        ck.problem(Problem::field(
            "cluster.service_cidr",
            &c.service_cidr,
            m,
            f,
        ));
    }
    if let (Some(pod), Some(svc)) = (pod, svc)
        && nets_overlap(&pod, &svc)
    {
        ck.problem(Problem::field(
            "cluster.service_cidr",
            &c.service_cidr,
            format!("overlaps cluster.pod_cidr = \"{}\"", c.pod_cidr),
            "pick two separate ranges, e.g. pod_cidr = \"10.244.0.0/16\" and service_cidr = \"10.96.0.0/12\"",
        ));
    }
    Nets { pod, svc }
}

fn cidr(field: &str, s: &str, ck: &mut Check) -> Option<IpNet> {
    match rules::cidr(s) {
        Ok(net) => Some(net),
        Err((m, f)) => {
            ck.problem(Problem::field(field, s, m, f));
            None
        }
    }
}

/// Refuses `ip` (the value of `field`) inside the pod or service network.
pub(super) fn outside_cluster_nets(
    field: &str,
    value: &str,
    ip: IpAddr,
    nets: Nets,
    config: &ClusterConfig,
    ck: &mut Check,
) {
    for (name, net, raw) in [
        ("cluster.pod_cidr", nets.pod, &config.cluster.pod_cidr),
        (
            "cluster.service_cidr",
            nets.svc,
            &config.cluster.service_cidr,
        ),
    ] {
        if let Some(net) = net
            && net.contains(&ip)
        {
            ck.problem(Problem::field(
                field,
                value,
                format!(
                    "{ip} lies inside {name} = \"{raw}\": pods or services would shadow the machine"
                ),
                format!("change {name} to a range that does not contain the machines' addresses"),
            ));
        }
    }
}
