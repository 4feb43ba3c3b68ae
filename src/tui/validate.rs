//! Live validation for the forms: field rules from `crate::config::rules`, version checks
//! from `crate::catalog`, and the network checks (with `ipnet`) phrased for the form:
//! each message names the field, the value and the fix.

use crate::catalog::Catalog;
use crate::config::{ClusterConfig, Cni, ProxyMode, Role};
use crate::engine::compat::{self, Severity};
use crate::facts::Facts;
use ipnet::IpNet;
use std::net::IpAddr;

fn rule(value: &str, r: crate::config::rules::RuleResult<impl Sized>) -> Option<String> {
    r.err().map(|(what, fix)| {
        if value.is_empty() {
            format!("required: {fix}")
        } else {
            format!("`{value}`: {what}; {fix}")
        }
    })
}

/// A node name: an RFC 1123 hostname (config's rule).
pub fn hostname_error(name: &str) -> Option<String> {
    rule(name, crate::config::rules::hostname(name))
}

/// The cluster name: a DNS label (config's rule).
pub fn cluster_name_error(name: &str) -> Option<String> {
    rule(name, crate::config::rules::dns_label(name))
}

pub fn address_error(address: &str) -> Option<String> {
    rule(address, crate::config::rules::node_address(address))
}

pub fn port_error(port: &str) -> Option<String> {
    if port.is_empty() {
        return None; // default from [ssh]
    }
    match port.parse::<u16>() {
        Ok(0) | Err(_) => Some(format!("`{port}` is not a port (1-65535)")),
        Ok(_) => None,
    }
}

pub fn user_error(user: &str) -> Option<String> {
    if user.is_empty() {
        return None; // default from [ssh]
    }
    rule(user, crate::config::rules::unix_user(user))
}

/// The outcome of checking the network screen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkCheck {
    pub pod_cidr: Option<String>,
    pub service_cidr: Option<String>,
    /// Things done for you (not errors).
    pub notes: Vec<String>,
}

impl NetworkCheck {
    pub fn is_ok(&self) -> bool {
        self.pod_cidr.is_none() && self.service_cidr.is_none()
    }
}

fn parse_cidr(field: &str, value: &str, example: &str) -> Result<IpNet, String> {
    if value.is_empty() {
        return Err(format!("{field} is required (e.g. {example})"));
    }
    let net: IpNet = value
        .parse()
        .map_err(|_| format!("{field} `{value}` is not a CIDR (e.g. {example})"))?;
    if net.trunc() != net {
        return Err(format!(
            "{field} `{value}` has host bits set; did you mean {}?",
            net.trunc()
        ));
    }
    Ok(net)
}

fn overlaps(a: &IpNet, b: &IpNet) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

/// Pod CIDR, service CIDR and node addresses must not overlap; flannel needs /16 or larger.
/// There is one pod CIDR for kubeadm and the CNI, so the seed's 10.224 vs 10.244 mismatch
/// cannot be made.
pub fn network(pod: &str, service: &str, cni: Cni, nodes: &[(String, String)]) -> NetworkCheck {
    let mut check = NetworkCheck::default();
    let pod_net = parse_cidr("pod CIDR", pod.trim(), "10.244.0.0/16");
    let svc_net = parse_cidr("service CIDR", service.trim(), "10.96.0.0/12");
    if let Err(e) = &pod_net {
        check.pod_cidr = Some(e.clone());
    }
    if let Err(e) = &svc_net {
        check.service_cidr = Some(e.clone());
    }
    if let (Ok(p), Ok(s)) = (&pod_net, &svc_net)
        && overlaps(p, s)
    {
        check.pod_cidr = Some(format!(
            "pod CIDR {p} overlaps the service CIDR {s}; pick ranges that do not intersect"
        ));
    }
    for (name, addr) in nodes {
        let Ok(ip) = addr.parse::<IpAddr>() else {
            continue;
        };
        if let Ok(p) = &pod_net
            && check.pod_cidr.is_none()
            && p.contains(&ip)
        {
            check.pod_cidr = Some(format!(
                "pod CIDR {p} contains node {name}'s address {ip}; pods would shadow the node network"
            ));
        }
        if let Ok(s) = &svc_net
            && check.service_cidr.is_none()
            && s.contains(&ip)
        {
            check.service_cidr = Some(format!(
                "service CIDR {s} contains node {name}'s address {ip}"
            ));
        }
    }
    if let Ok(p) = &pod_net
        && check.pod_cidr.is_none()
    {
        match cni {
            Cni::Flannel if p.prefix_len() > 16 => {
                check.pod_cidr = Some(format!(
                    "flannel needs a pod CIDR of /16 or larger (it gives each node a /24); {p} is too small"
                ));
            }
            Cni::Flannel => check.notes.push(format!(
                "flannel's net-conf.json Network (manifest default 10.244.0.0/16) will be set to {p}"
            )),
            Cni::Calico => check.notes.push(format!(
                "kubeadm podSubnet and the Calico IP pool both use {p}"
            )),
        }
    }
    check
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Info,
    Warning,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub level: Level,
    pub text: String,
}

fn finding(level: Level, text: String) -> Finding {
    Finding { level, text }
}

/// Problems of the chosen versions, from the catalog and the facts probed on the Nodes
/// screen (`engine::compat::node_compat` + `node_resources`, the same rules as the engine's
/// preflight). The same message on several nodes is shown once, naming them all.
pub fn version_findings(
    cfg: &ClusterConfig,
    nodes: &[(String, Role, Option<Facts>)],
) -> Vec<Finding> {
    let cat = Catalog::builtin();
    let c = &cfg.cluster;
    let minor = match cat.minor_for(&c.kubernetes_version) {
        Ok(m) => m,
        Err(e) => return vec![finding(Level::Error, e.to_string())],
    };
    let mut out = Vec::new();
    if c.proxy_mode == ProxyMode::Ipvs && minor.ipvs_deprecated {
        out.push(finding(
            Level::Warning,
            format!(
                "kube-proxy IPVS mode is deprecated from 1.35 ({} chosen); iptables is the safe default",
                c.kubernetes_version
            ),
        ));
    }
    let cni_version = cfg.cni_version(minor).to_string();
    if let Some(rel) = cat.cni_release(c.cni, &cni_version)
        && !rel.tested_with(minor)
    {
        out.push(finding(
            Level::Warning,
            format!(
                "{} {cni_version} is not in upstream's tested range for {} (tested {}..{})",
                c.cni.as_str(),
                minor.version,
                rel.tested_from,
                rel.tested_to
            ),
        ));
    }
    // message -> (level, nodes)
    let mut grouped: Vec<(Level, String, Vec<String>)> = Vec::new();
    for (name, role, facts) in nodes {
        let Some(f) = facts else { continue };
        let mut found = compat::node_compat(cat, minor, cfg, f);
        found.extend(compat::node_resources(cat, *role, f));
        for fd in found {
            if fd.message.contains("IPVS") {
                continue; // said once above
            }
            let level = match fd.severity {
                Severity::Refuse => Level::Error,
                Severity::Warn => Level::Warning,
            };
            match grouped.iter_mut().find(|(_, m, _)| *m == fd.message) {
                Some(g) => g.2.push(name.clone()),
                None => grouped.push((level, fd.message, vec![name.clone()])),
            }
        }
        if f.swap_mb > 0 {
            let msg = "swap will be turned off now and at boot".to_string();
            match grouped.iter_mut().find(|(_, m, _)| *m == msg) {
                Some(g) => g.2.push(name.clone()),
                None => grouped.push((Level::Info, msg, vec![name.clone()])),
            }
        }
    }
    grouped.sort_by_key(|g| std::cmp::Reverse(g.0));
    for (level, msg, names) in grouped {
        let who = if names.len() > 3 {
            format!("{}, {} and {} more", names[0], names[1], names.len() - 2)
        } else {
            names.join(", ")
        };
        out.push(finding(level, format!("{who}: {msg}")));
    }
    out
}

/// Every problem `kubewiz check` would report for this config (the config module's rules).
pub fn config_problems(cfg: &ClusterConfig) -> Vec<String> {
    match crate::config::validate(cfg, Catalog::builtin()) {
        Ok(_) => Vec::new(),
        Err(problems) => problems.iter().map(|p| p.to_string()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_mismatch_and_overlaps() {
        let nodes = vec![("m".to_string(), "10.96.0.5".to_string())];
        let c = network("10.244.0.0/16", "10.96.0.0/12", Cni::Calico, &nodes);
        assert!(c.service_cidr.unwrap().contains("m's address"));
        let c = network("10.96.0.0/16", "10.96.0.0/12", Cni::Calico, &[]);
        assert!(c.pod_cidr.unwrap().contains("overlaps"));
        let c = network("10.244.1.0/16", "10.96.0.0/12", Cni::Calico, &[]);
        assert!(c.pod_cidr.unwrap().contains("did you mean 10.244.0.0/16"));
        let c = network("10.244.0.0/24", "10.96.0.0/12", Cni::Flannel, &[]);
        assert!(c.pod_cidr.unwrap().contains("/16 or larger"));
        assert!(network("10.244.0.0/16", "10.96.0.0/12", Cni::Flannel, &[]).is_ok());
    }

    #[test]
    fn hostnames() {
        assert!(hostname_error("k8s-node01").is_none());
        assert!(hostname_error("Node;rm").is_some());
        assert!(hostname_error("-a").is_some());
    }
}
