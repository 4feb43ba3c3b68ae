//! Live validation for the forms. The network rules use `ipnet` directly until
//! `crate::config`'s validation lands; the messages name the field, the value and the fix.

use crate::config::{Cni, ProxyMode, Role};
use crate::facts::Facts;
use ipnet::IpNet;
use std::net::IpAddr;

/// RFC 1123 hostname (lower case labels of a-z 0-9 '-', not starting or ending with '-').
pub fn hostname_error(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("name is required".into());
    }
    if name.len() > 253 {
        return Some("name is longer than 253 characters".into());
    }
    for label in name.split('.') {
        if label.is_empty() || label.len() > 63 {
            return Some(format!(
                "`{name}`: each dot-separated part must be 1-63 characters"
            ));
        }
        if !label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Some(format!(
                "`{name}`: use lower-case letters, digits and '-' only (e.g. k8s-node01)"
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Some(format!("`{name}`: must not start or end with '-'"));
        }
    }
    None
}

pub fn address_error(address: &str) -> Option<String> {
    if address.is_empty() {
        return Some("address is required".into());
    }
    match address.parse::<IpAddr>() {
        Ok(_) => None,
        Err(_) => Some(format!(
            "`{address}` is not an IP address (e.g. 192.168.147.130)"
        )),
    }
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
    let ok = user
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && user
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if ok {
        None
    } else {
        Some(format!("`{user}` is not a Unix user name"))
    }
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

/// Warnings for the chosen versions, from the facts probed on the Nodes screen.
pub fn version_findings(
    version: &str,
    cni: Cni,
    cni_version: &str,
    proxy: ProxyMode,
    nodes: &[(String, Role, Option<Facts>)],
) -> Vec<Finding> {
    let (_, minor) = super::catalog::minor_of(version);
    let mut out = Vec::new();
    if minor >= 35 && proxy == ProxyMode::Ipvs {
        out.push(finding(
            Level::Warning,
            format!("kube-proxy IPVS mode is deprecated as of 1.35 (you chose {version}); iptables is the safe default"),
        ));
    }
    let (_, cni_minor) = super::catalog::minor_of(cni_version);
    for (name, role, facts) in nodes {
        let Some(f) = facts else { continue };
        let kernel = f.kernel_version();
        let cgroup_v1 = f.cgroup_version == 1;
        if minor >= 35 && cgroup_v1 {
            let os = format!("{} {}", f.os_id, f.os_version);
            out.push(finding(
                Level::Error,
                format!(
                    "{name}: {os} with kernel {} uses cgroup v1; kubelet {version} (1.35+) refuses cgroup v1 — choose 1.34 or older, or upgrade the OS",
                    f.kernel
                ),
            ));
        }
        if cni == Cni::Calico
            && cni_minor >= 27
            && let Some(k) = kernel
            && k < (5, 10)
        {
            out.push(finding(
                Level::Warning,
                format!(
                    "{name}: kernel {} — Calico {cni_version} wants kernel >= 5.10",
                    f.kernel
                ),
            ));
        }
        if *role == Role::ControlPlane && (f.cpus < 2 || f.memory_mb < 1700) {
            out.push(finding(
                Level::Error,
                format!(
                    "{name}: a control plane needs >= 2 CPUs and >= 1700 MB memory (has {} CPU, {} MB)",
                    f.cpus, f.memory_mb
                ),
            ));
        }
        if f.swap_mb > 0 {
            out.push(finding(
                Level::Info,
                format!(
                    "{name}: swap ({} MB) will be turned off now and at boot",
                    f.swap_mb
                ),
            ));
        }
        if minor >= 36 && f.os_id == "centos" && f.os_version.starts_with('7') {
            out.push(finding(
                Level::Error,
                format!("{name}: kubelet 1.36+ needs containerd 2.x, not available for CentOS 7"),
            ));
        }
    }
    out
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
