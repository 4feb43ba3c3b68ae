//! Cross-field rules checked before any SSH. Pure: no file system, no network.

use super::error::Problem;
use super::model::{ClusterConfig, Cni, NodeConfig, ProxyMode, Role};
use crate::catalog::{Catalog, CatalogError, KubeVersion, Minor};
use ipnet::IpNet;
use std::collections::HashMap;
use std::net::IpAddr;
use std::path::Path;

/// Kubernetes' documented scalability limit; also bounds the work done on a hostile file.
pub const MAX_NODES: usize = 5000;

/// What validation resolved, for the plan: the effective versions and networks.
#[derive(Debug, Clone)]
pub struct Validated<'c> {
    pub version: KubeVersion,
    pub minor: &'c Minor,
    /// `cni_version` or the catalog's default for the minor.
    pub cni_version: String,
    /// `image_repository` or the mirror's default.
    pub image_repository: String,
    pub pod_cidr: IpNet,
    pub service_cidr: IpNet,
    /// Things that work but deserve a line in `check`/`apply` output.
    pub warnings: Vec<String>,
}

/// Checks every rule and reports every problem found (not just the first).
pub fn validate<'c>(
    config: &ClusterConfig,
    catalog: &'c Catalog,
) -> Result<Validated<'c>, Vec<Problem>> {
    let mut p: Vec<Problem> = Vec::new();
    let mut warnings = Vec::new();
    let c = &config.cluster;

    if let Err((m, f)) = rules::dns_label(&c.name) {
        p.push(Problem::field("cluster.name", &c.name, m, f));
    }

    // Versions.
    let version = KubeVersion::parse(c.kubernetes_version.trim()).ok();
    let minor = match catalog.minor_for(&c.kubernetes_version) {
        Ok(m) => Some(m),
        Err(e) => {
            let (msg, fix) = match e {
                CatalogError::Malformed { hint, .. } => {
                    ("not an exact Kubernetes version".to_string(), hint)
                }
                CatalogError::UnknownMinor {
                    minor,
                    first,
                    last,
                    suggest,
                } => (
                    format!("Kubernetes {minor} is not supported: kubewiz knows {first} to {last}"),
                    format!("pick a version the catalog knows, e.g. \"{suggest}\""),
                ),
                CatalogError::UnknownPatch {
                    version,
                    minor,
                    latest,
                } => (
                    format!(
                        "Kubernetes {version} does not exist (yet): {minor} patches go from \
                         {minor}.0 to {minor}.{latest}"
                    ),
                    format!("use \"{minor}.{latest}\" (the latest known) or an older patch"),
                ),
            };
            p.push(Problem::field(
                "cluster.kubernetes_version",
                &c.kubernetes_version,
                msg,
                fix,
            ));
            None
        }
    };
    let mut cni_version = String::new();
    if let Some(m) = minor {
        let versions = m.cni(c.cni);
        match &c.cni_version {
            None => cni_version = versions.default.clone(),
            Some(v) => {
                cni_version = v.clone();
                check_cni_version(catalog, m, c.cni, v, &mut p, &mut warnings);
            }
        }
        if let Some(rel) = catalog.cni_release(c.cni, &cni_version)
            && !rel.tested_with(m)
            && rel.allows(m)
        {
            warnings.push(format!(
                "{} {cni_version} is the newest release but upstream has not listed Kubernetes {} \
                 as tested yet (tested {}..{})",
                c.cni.as_str(),
                m.version,
                rel.tested_from,
                rel.tested_to
            ));
        }
        if c.proxy_mode == ProxyMode::Ipvs && m.ipvs_deprecated {
            warnings.push(format!(
                "kube-proxy IPVS mode is deprecated from Kubernetes 1.35 ({} chosen): consider \
                 proxy_mode = \"iptables\"",
                c.kubernetes_version
            ));
        }
        if !m.supported_upstream {
            warnings.push(format!(
                "Kubernetes {} is out of upstream support (no security fixes); current branches \
                 are {}",
                m.version,
                catalog
                    .minors()
                    .iter()
                    .filter(|m| m.supported_upstream)
                    .map(|m| m.version.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    } else if let Some(v) = &c.cni_version
        && let Err((m, f)) = rules::release_version(v)
    {
        p.push(Problem::field("cluster.cni_version", v, m, f));
    }

    // Networks.
    let pod = parse_cidr("cluster.pod_cidr", &c.pod_cidr, &mut p);
    let svc = parse_cidr("cluster.service_cidr", &c.service_cidr, &mut p);
    if let Some(pod) = pod {
        let room = 1usize
            .checked_shl(24u32.saturating_sub(pod.prefix_len() as u32))
            .unwrap_or(usize::MAX);
        if c.cni == Cni::Flannel && pod.prefix_len() > 16 {
            p.push(Problem::field(
                "cluster.pod_cidr",
                &c.pod_cidr,
                format!(
                    "flannel needs a pod network of /16 or larger (it gives each node a /24), \
                     this is a /{}",
                    pod.prefix_len()
                ),
                format!("use a /16 such as \"{}\"", widen(pod, 16)),
            ));
        } else if pod.prefix_len() > 24 || room < config.nodes.len() {
            p.push(Problem::field(
                "cluster.pod_cidr",
                &c.pod_cidr,
                format!(
                    "too small: each node gets a /24 of pods, a /{} holds {room} and there are {} nodes",
                    pod.prefix_len(),
                    config.nodes.len()
                ),
                format!("use a /16 such as \"{}\"", widen(pod, 16)),
            ));
        }
    }
    if let Some(svc) = svc
        && (svc.prefix_len() < 12 || svc.prefix_len() > 28)
    {
        p.push(Problem::field(
            "cluster.service_cidr",
            &c.service_cidr,
            format!(
                "a /{} service network is {}: the API server accepts /12 at the largest, and \
                 kubeadm needs room for the DNS address (.10)",
                svc.prefix_len(),
                if svc.prefix_len() < 12 {
                    "too large"
                } else {
                    "too small"
                }
            ),
            "use \"10.96.0.0/12\" (the default) or another /12../24",
        ));
    }
    if let (Some(pod), Some(svc)) = (pod, svc)
        && nets_overlap(&pod, &svc)
    {
        p.push(Problem::field(
            "cluster.service_cidr",
            &c.service_cidr,
            format!("overlaps cluster.pod_cidr = \"{}\"", c.pod_cidr),
            "pick two separate ranges, e.g. pod_cidr = \"10.244.0.0/16\" and service_cidr = \"10.96.0.0/12\"",
        ));
    }

    // Optional cluster fields.
    if let Some(r) = &c.image_repository
        && let Err((m, f)) = rules::image_repository(r)
    {
        p.push(Problem::field("cluster.image_repository", r, m, f));
    }
    if let Some(tz) = &c.timezone
        && let Err((m, f)) = rules::timezone(tz)
    {
        p.push(Problem::field("cluster.timezone", tz, m, f));
    }
    if let Some(ep) = &c.control_plane_endpoint {
        match rules::endpoint(ep) {
            Err((m, f)) => p.push(Problem::field("cluster.control_plane_endpoint", ep, m, f)),
            Ok(host) => {
                if let Ok(ip) = host.parse::<IpAddr>() {
                    in_cluster_nets(
                        "cluster.control_plane_endpoint",
                        ep,
                        ip,
                        pod,
                        svc,
                        config,
                        &mut p,
                    );
                }
            }
        }
    }
    for (field, path) in [
        ("cluster.cni_manifest", &c.cni_manifest),
        ("cluster.dashboard_manifest", &c.dashboard_manifest),
    ] {
        if let Some(path) = path {
            check_path(field, path, &mut p);
        }
    }
    if c.dashboard_manifest.is_some() && !c.dashboard {
        warnings.push(
            "cluster.dashboard_manifest is set but dashboard = false: it will not be used".into(),
        );
    }

    // SSH.
    let s = &config.ssh;
    if let Err((m, f)) = rules::unix_user(&s.user) {
        p.push(Problem::field("ssh.user", &s.user, m, f));
    }
    if s.port == 0 {
        p.push(Problem::field(
            "ssh.port",
            "0",
            "port 0 is not a port",
            "use 22 or the port sshd listens on",
        ));
    }
    if s.connect_timeout == 0 || s.connect_timeout > 300 {
        p.push(Problem::field(
            "ssh.connect_timeout",
            s.connect_timeout.to_string(),
            "must be between 1 and 300 seconds",
            "use 10 (the default) or a little more for slow links",
        ));
    }
    for (field, path) in [
        ("ssh.identity_file", &s.identity_file),
        ("ssh.known_hosts", &s.known_hosts),
    ] {
        if let Some(path) = path {
            check_path(field, path, &mut p);
        }
    }

    // Nodes.
    check_nodes(config, pod, svc, &mut p);
    let control_planes = config
        .nodes
        .iter()
        .filter(|n| n.role == Role::ControlPlane)
        .count();
    if control_planes > 1 && c.control_plane_endpoint.is_none() {
        warnings.push(format!(
            "{control_planes} control planes but no cluster.control_plane_endpoint: the API \
             endpoint defaults to the first control plane's address, so the cluster depends on \
             that one node; set it to a load balancer or virtual IP for real HA"
        ));
    }

    for (step, secs) in &config.timeouts {
        if !(1..=86_400).contains(secs) {
            p.push(Problem::field(
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

    if let Some(table) = &config.registry_mirrors {
        check_registry_mirrors(table, &mut p);
    }

    if p.is_empty() {
        let mirror = catalog.mirror(c.mirror);
        Ok(Validated {
            version: version.expect("a valid minor implies a parsed version"),
            minor: minor.expect("no problems implies a known minor"),
            cni_version,
            image_repository: c
                .image_repository
                .clone()
                .unwrap_or_else(|| mirror.image_repository.clone()),
            pod_cidr: pod.expect("checked"),
            service_cidr: svc.expect("checked"),
            warnings,
        })
    } else {
        Err(p)
    }
}

/// Most registries and mirrors per registry a cluster.toml may list (a hostile file stays small).
pub const MAX_REGISTRIES: usize = 64;
pub const MAX_MIRRORS_PER_REGISTRY: usize = 8;

fn check_registry_mirrors(
    table: &std::collections::BTreeMap<String, Vec<String>>,
    p: &mut Vec<Problem>,
) {
    if table.len() > MAX_REGISTRIES {
        p.push(Problem::field(
            "registry_mirrors",
            format!("{} registries", table.len()),
            format!("at most {MAX_REGISTRIES} registries"),
            "list the registries your cluster pulls from",
        ));
        return;
    }
    for (registry, mirrors) in table {
        let field = format!("registry_mirrors.\"{registry}\"");
        if let Err((m, f)) = rules::registry_host(registry) {
            p.push(Problem::field(&field, registry, m, f));
            continue;
        }
        if mirrors.len() > MAX_MIRRORS_PER_REGISTRY {
            p.push(Problem::field(
                &field,
                format!("{} mirrors", mirrors.len()),
                format!("at most {MAX_MIRRORS_PER_REGISTRY} mirrors per registry"),
                "containerd tries them one after the other; keep the few that answer",
            ));
            continue;
        }
        for (i, url) in mirrors.iter().enumerate() {
            if let Err((m, f)) = rules::mirror_url(url) {
                p.push(Problem::field(format!("{field}[{i}]"), url, m, f));
            } else if mirrors[..i].contains(url) {
                p.push(Problem::field(
                    format!("{field}[{i}]"),
                    url,
                    "listed twice",
                    "remove the repeated mirror",
                ));
            }
        }
    }
}

fn check_cni_version(
    catalog: &Catalog,
    m: &Minor,
    cni: Cni,
    v: &str,
    p: &mut Vec<Problem>,
    _warnings: &mut [String],
) {
    let versions = m.cni(cni);
    let field = "cluster.cni_version";
    if let Err((msg, fix)) = rules::release_version(v) {
        p.push(Problem::field(field, v, msg, fix));
        return;
    }
    if versions.allowed.iter().any(|a| a == v) {
        return;
    }
    let fix = format!(
        "remove cni_version to use the default {} {}, or pick one of: {}",
        cni.as_str(),
        versions.default,
        versions.allowed.join(", ")
    );
    let msg = match catalog.cni_release(cni, v) {
        Some(rel) => format!(
            "{} {v} does not support Kubernetes {} (it supports {}..{})",
            cni.as_str(),
            m.version,
            rel.tested_from,
            rel.allowed_to.as_deref().unwrap_or(&rel.tested_to)
        ),
        None => format!(
            "{} {v} is not a release kubewiz knows for Kubernetes {}",
            cni.as_str(),
            m.version
        ),
    };
    p.push(Problem::field(field, v, msg, fix));
}

fn parse_cidr(field: &str, s: &str, p: &mut Vec<Problem>) -> Option<IpNet> {
    let net: IpNet = match s.parse() {
        Ok(n) => n,
        Err(_) => {
            p.push(Problem::field(
                field,
                s,
                "not a CIDR range",
                "write an IPv4 network and prefix length, e.g. \"10.244.0.0/16\"",
            ));
            return None;
        }
    };
    if !matches!(net, IpNet::V4(_)) {
        p.push(Problem::field(
            field,
            s,
            "IPv6 pod/service networks are not supported by kubewiz",
            "use an IPv4 range, e.g. \"10.244.0.0/16\"",
        ));
        return None;
    }
    if net.trunc() != net {
        p.push(Problem::field(
            field,
            s,
            "host bits are set: this is an address inside a network, not the network",
            format!("write \"{}\"", net.trunc()),
        ));
        return None;
    }
    Some(net)
}

fn widen(net: IpNet, prefix: u8) -> IpNet {
    IpNet::new(net.addr(), prefix.min(net.prefix_len()))
        .map(|n| n.trunc())
        .unwrap_or(net)
}

/// Whether two networks share any address (one contains the other's network address).
pub fn nets_overlap(a: &IpNet, b: &IpNet) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

fn in_cluster_nets(
    field: &str,
    value: &str,
    ip: IpAddr,
    pod: Option<IpNet>,
    svc: Option<IpNet>,
    config: &ClusterConfig,
    p: &mut Vec<Problem>,
) {
    for (name, net, raw) in [
        ("cluster.pod_cidr", pod, &config.cluster.pod_cidr),
        ("cluster.service_cidr", svc, &config.cluster.service_cidr),
    ] {
        if let Some(net) = net
            && net.contains(&ip)
        {
            p.push(Problem::field(
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

fn check_path(field: &str, path: &Path, p: &mut Vec<Problem>) {
    let s = path.to_string_lossy();
    if s.is_empty() {
        p.push(Problem::field(
            field,
            "",
            "empty path",
            "remove the key or give a file path",
        ));
    } else if s.chars().any(char::is_control) {
        p.push(Problem::field(
            field,
            s.as_ref(),
            "the path contains control characters (newline, tab, ...)",
            "write a plain file path",
        ));
    } else if s.starts_with('~') && s != "~" && !s.starts_with("~/") {
        p.push(Problem::field(
            field,
            s.as_ref(),
            "only a leading `~/` (your home directory) is expanded",
            "write ~/path or an absolute path",
        ));
    }
}

fn check_nodes(
    config: &ClusterConfig,
    pod: Option<IpNet>,
    svc: Option<IpNet>,
    p: &mut Vec<Problem>,
) {
    let nodes = &config.nodes;
    if nodes.is_empty() {
        p.push(Problem {
            field: Some("node".into()),
            value: None,
            message:
                "no nodes: the cluster needs at least one [[node]] with role = \"control-plane\""
                    .into(),
            fix: Some(
                "add [[node]] tables with name, address and role (see config.sample.toml)".into(),
            ),
            position: None,
        });
        return;
    }
    if nodes.len() > MAX_NODES {
        p.push(
            Problem::field(
                "node",
                "",
                format!(
                    "{} nodes; kubewiz (and Kubernetes) support at most {MAX_NODES}",
                    nodes.len()
                ),
                "split the machines into several clusters",
            )
            .without_value(),
        );
        return;
    }
    let mut names: HashMap<&str, usize> = HashMap::new();
    let mut addrs: HashMap<IpAddr, usize> = HashMap::new();
    for (i, n) in nodes.iter().enumerate() {
        check_node(i, n, p);
        if let Some(&first) = names.get(n.name.as_str()) {
            p.push(Problem::field(
                format!("node[{i}].name"),
                &n.name,
                format!("the same name as node[{first}]"),
                "give every node its own hostname",
            ));
        } else {
            names.insert(&n.name, i);
        }
        if let Ok(ip) = n.address.trim().parse::<IpAddr>() {
            if let Some(&first) = addrs.get(&ip) {
                p.push(Problem::field(
                    format!("node[{i}].address"),
                    &n.address,
                    format!("the same address as node[{first}] ({})", nodes[first].name),
                    "every node needs its own address",
                ));
            } else {
                addrs.insert(ip, i);
            }
            in_cluster_nets(
                &format!("node[{i}].address"),
                &n.address,
                ip,
                pod,
                svc,
                config,
                p,
            );
        }
    }
    if !nodes.iter().any(|n| n.role == Role::ControlPlane) {
        p.push(Problem {
            field: Some("node[].role".into()),
            value: None,
            message: "no node has role = \"control-plane\": someone has to run kubeadm init".into(),
            fix: Some("set role = \"control-plane\" on the first node".into()),
            position: None,
        });
    }
}

fn check_node(i: usize, n: &NodeConfig, p: &mut Vec<Problem>) {
    if let Err((m, f)) = rules::hostname(&n.name) {
        p.push(Problem::field(format!("node[{i}].name"), &n.name, m, f));
    }
    if let Err((m, f)) = rules::node_address(&n.address) {
        p.push(Problem::field(
            format!("node[{i}].address"),
            &n.address,
            m,
            f,
        ));
    }
    if let Some(u) = &n.user
        && let Err((m, f)) = rules::unix_user(u)
    {
        p.push(Problem::field(format!("node[{i}].user"), u, m, f));
    }
    if n.port == Some(0) {
        p.push(Problem::field(
            format!("node[{i}].port"),
            "0",
            "port 0 is not a port",
            "use 22 or the port sshd listens on (or remove it to use ssh.port)",
        ));
    }
    if let Some(path) = &n.identity_file {
        check_path(&format!("node[{i}].identity_file"), path, p);
    }
}

/// Field-level rules, each returning (what is wrong, how to fix it). Reusable by the TUI.
pub mod rules {
    use std::net::IpAddr;

    pub type RuleResult<T = ()> = Result<T, (String, String)>;

    fn err<T>(m: impl Into<String>, f: impl Into<String>) -> RuleResult<T> {
        Err((m.into(), f.into()))
    }

    fn label_ok(l: &str) -> bool {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    }

    fn describe_bad_chars(s: &str) -> String {
        let mut bad: Vec<char> = Vec::new();
        for c in s.chars() {
            let ok = c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.';
            if !ok && !bad.contains(&c) && bad.len() < 6 {
                bad.push(c);
            }
        }
        if bad.is_empty() {
            String::new()
        } else {
            let shown: Vec<String> = bad.iter().map(|c| format!("{c:?}")).collect();
            format!(" (not allowed: {})", shown.join(" "))
        }
    }

    /// A DNS label (RFC 1123): lowercase letters, digits and '-', at most 63, no '-' at the ends.
    pub fn dns_label(s: &str) -> RuleResult {
        if label_ok(s) {
            return Ok(());
        }
        let fix = "use lowercase letters, digits and '-' (at most 63), e.g. \"demo\"";
        if s.is_empty() {
            return err("empty", fix);
        }
        if s.len() > 63 {
            return err(format!("{} characters; at most 63", s.len()), fix);
        }
        err(
            format!("not a DNS label{}", describe_bad_chars(s)),
            suggestion(s, fix),
        )
    }

    /// A node name: an RFC 1123 hostname (dot-separated DNS labels, at most 253), which is
    /// also what Kubernetes accepts as a node name. Keeps shell metacharacters, whitespace,
    /// newlines and non-ASCII out.
    pub fn hostname(s: &str) -> RuleResult {
        let fix = "use lowercase letters, digits, '-' and '.', e.g. \"k8s-node01\"";
        if s.is_empty() {
            return err("empty", fix);
        }
        if s.len() > 253 {
            return err(
                format!("{} characters; a hostname has at most 253", s.len()),
                fix,
            );
        }
        if s.split('.').all(label_ok) {
            return Ok(());
        }
        if s.split('.').any(|l| l.len() > 63) {
            return err("a part between dots is longer than 63 characters", fix);
        }
        err(
            format!("not a valid hostname (RFC 1123){}", describe_bad_chars(s)),
            suggestion(s, fix),
        )
    }

    fn suggestion(s: &str, fix: &str) -> String {
        let lowered: String = s.to_ascii_lowercase().replace('_', "-");
        if lowered != s && lowered.split('.').all(label_ok) {
            format!("write \"{lowered}\"")
        } else {
            fix.to_string()
        }
    }

    /// A node address: an IP (v4 or v6), not unspecified/multicast/broadcast.
    pub fn node_address(s: &str) -> RuleResult<IpAddr> {
        let fix = "write the IP address kubewiz should SSH to, e.g. \"192.168.147.131\"";
        let ip: IpAddr = match s.parse() {
            Ok(ip) => ip,
            Err(_) => {
                return err(
                    if s.trim() != s {
                        "not an IP address (remove the spaces)"
                    } else if s.contains('/') {
                        "a node address is one IP, not a CIDR"
                    } else {
                        "not an IP address"
                    },
                    fix,
                );
            }
        };
        let bad = match ip {
            IpAddr::V4(v4) => v4.is_unspecified() || v4.is_multicast() || v4.is_broadcast(),
            IpAddr::V6(v6) => v6.is_unspecified() || v6.is_multicast(),
        };
        if bad {
            return err(
                "not a machine's address (unspecified, multicast or broadcast)",
                fix,
            );
        }
        Ok(ip)
    }

    /// A unix user name (useradd's portable rule): `[a-z_][a-z0-9_-]*`, at most 32.
    pub fn unix_user(s: &str) -> RuleResult {
        let fix =
            "use a user name like \"root\" or \"ops\" (lowercase letters, digits, '_' and '-')";
        let ok = !s.is_empty()
            && s.len() <= 32
            && s.bytes()
                .next()
                .is_some_and(|b| b.is_ascii_lowercase() || b == b'_')
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if ok {
            Ok(())
        } else {
            err("not a valid unix user name", fix)
        }
    }

    /// A time zone name such as "Asia/Shanghai" or "UTC" (tz database form).
    pub fn timezone(s: &str) -> RuleResult {
        let fix = "use a tz database name such as \"Asia/Shanghai\", \"Europe/Berlin\" or \"UTC\"";
        let part_ok = |p: &str| {
            !p.is_empty()
                && p.len() <= 32
                && p.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'+'))
        };
        if s.len() <= 64 && s.split('/').count() <= 3 && s.split('/').all(part_ok) {
            Ok(())
        } else {
            err("not a time zone name", fix)
        }
    }

    /// An image repository (registry host\[:port\] and path), e.g.
    /// "registry.aliyuncs.com/google_containers". No scheme, spaces or shell characters.
    pub fn image_repository(s: &str) -> RuleResult {
        let fix = "write registry/path without https://, e.g. \"registry.aliyuncs.com/google_containers\"";
        if s.contains("://") {
            return err("contains a URL scheme", fix);
        }
        if s.is_empty() || s.len() > 255 {
            return err("empty or too long", fix);
        }
        let mut parts = s.split('/');
        let host = parts.next().unwrap_or("");
        let (h, port) = match host.rsplit_once(':') {
            Some((h, port)) => (h, Some(port)),
            None => (host, None),
        };
        let host_ok = !h.is_empty()
            && h.split('.').all(|l| {
                !l.is_empty()
                    && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                    && !l.starts_with('-')
                    && !l.ends_with('-')
            })
            && port.is_none_or(|p| p.parse::<u16>().is_ok_and(|p| p > 0));
        let path_ok = |c: &str| {
            !c.is_empty()
                && c.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
                })
                && c.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
                && c.bytes().last().is_some_and(|b| b.is_ascii_alphanumeric())
        };
        if host_ok && parts.all(path_ok) {
            Ok(())
        } else {
            err(
                "not an image repository (registry host and lowercase path)",
                fix,
            )
        }
    }

    /// A registry as containerd names its hosts.toml folder: `host` or `host:port` (e.g.
    /// "docker.io", "registry.k8s.io", "myregistry.local:5000"), or `_default` (every registry
    /// without a folder of its own).
    pub fn registry_host(s: &str) -> RuleResult {
        let fix = "write the registry host as images name it, e.g. \"docker.io\", \"quay.io\" or \"registry.example.com:5000\" (no https://, no path)";
        if s == "_default" {
            return Ok(());
        }
        if s.contains("://") {
            return err("contains a URL scheme", fix);
        }
        if s.contains('/') {
            return err("contains a path", fix);
        }
        match endpoint(s) {
            Ok(host)
                if host.parse::<IpAddr>().is_ok() || host.contains('.') || host == "localhost" =>
            {
                Ok(())
            }
            Ok(_) => err(
                "not a registry host: a registry name has a dot or a port (\"docker.io\", \"localhost:5000\")",
                fix,
            ),
            Err(_) => err("not a registry host (host or host:port)", fix),
        }
    }

    /// A registry mirror: `https://host[:port][/path]` (or `http://` for a local mirror). No
    /// query, fragment, credentials, spaces or quotes: the URL goes into hosts.toml as a key.
    pub fn mirror_url(s: &str) -> RuleResult {
        let fix = "write the mirror's URL, e.g. \"https://docker.m.daocloud.io\"";
        let Some(rest) = s
            .strip_prefix("https://")
            .or_else(|| s.strip_prefix("http://"))
        else {
            return err("not an https:// (or http://) URL", fix);
        };
        if s.len() > 512 {
            return err("too long", fix);
        }
        let (host, path) = match rest.split_once('/') {
            Some((h, p)) => (h, p),
            None => (rest, ""),
        };
        if host.contains('@') {
            return err(
                "contains credentials: containerd reads them from elsewhere, and cluster.toml is no place for secrets",
                fix,
            );
        }
        if endpoint(host).is_err() {
            return err("the host part is not a host or host:port", fix);
        }
        let path_ok = path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/'));
        if !path_ok {
            return err(
                "the path has characters a mirror URL does not need (query, fragment, spaces, quotes)",
                fix,
            );
        }
        Ok(())
    }

    /// A CNI release "X.Y.Z" (no leading v).
    pub fn release_version(s: &str) -> RuleResult {
        let parts: Vec<&str> = s.split('.').collect();
        if parts.len() == 3
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.len() <= 6 && p.bytes().all(|b| b.is_ascii_digit()))
        {
            return Ok(());
        }
        let fix = match s.strip_prefix('v') {
            Some(rest) if release_version(rest).is_ok() => {
                format!("drop the leading `v`: \"{rest}\"")
            }
            _ => "write the release as X.Y.Z, e.g. \"3.24.6\", or remove it for the default".into(),
        };
        err("not a release version", fix)
    }

    /// `host` or `host:port` (IPv6 as `[addr]:port`); returns the host.
    pub fn endpoint(s: &str) -> RuleResult<&str> {
        let fix = "write host or host:port, e.g. \"192.168.147.130:6443\" or \"k8s-api.example.com:6443\"";
        let (host, port) = if let Some(rest) = s.strip_prefix('[') {
            match rest.split_once(']') {
                Some((h, tail)) => (h, tail.strip_prefix(':')),
                None => return err("unclosed '['", fix),
            }
        } else {
            match s.rsplit_once(':') {
                Some((h, p)) if !h.contains(':') => (h, Some(p)),
                _ => (s, None),
            }
        };
        if let Some(p) = port
            && !p.parse::<u16>().is_ok_and(|p| p > 0)
        {
            return err("bad port", fix);
        }
        if host.parse::<IpAddr>().is_ok() || hostname(host).is_ok() {
            Ok(host)
        } else {
            err("not an IP address or DNS name", fix)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::rules::*;

    #[test]
    fn hostnames() {
        for ok in ["k8s-master", "a", "node01.example.com", "0abc"] {
            assert!(hostname(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "K8s",
            "a_b",
            "-a",
            "a-",
            "a..b",
            "$(touch /tmp/x)",
            "a;b",
            "`id`",
            "a\nb",
            "mäster",
            "a b",
        ] {
            assert!(hostname(bad).is_err(), "{bad:?}");
        }
        assert!(hostname(&"a".repeat(64)).is_err());
        assert!(dns_label("a.b").is_err());
    }

    #[test]
    fn others() {
        assert!(unix_user("root").is_ok());
        assert!(unix_user("Root").is_err());
        assert!(unix_user("a b").is_err());
        assert!(timezone("Asia/Shanghai").is_ok());
        assert!(timezone("America/Argentina/Buenos_Aires").is_ok());
        assert!(timezone("UTC").is_ok());
        assert!(timezone("Etc/GMT+8").is_ok());
        assert!(timezone("Asia/Shanghai; reboot").is_err());
        assert!(timezone("../../etc/passwd").is_err());
        assert!(image_repository("registry.aliyuncs.com/google_containers").is_ok());
        assert!(image_repository("registry.k8s.io").is_ok());
        assert!(image_repository("localhost:5000/k8s").is_ok());
        assert!(image_repository("https://registry.k8s.io").is_err());
        assert!(image_repository("reg istry").is_err());
        assert!(image_repository("r/$(x)").is_err());
        assert!(endpoint("192.168.1.1:6443").is_ok());
        assert!(endpoint("[fd00::1]:6443").is_ok());
        assert!(endpoint("api.example.com").is_ok());
        assert!(endpoint("api:0").is_err());
        assert!(registry_host("docker.io").is_ok());
        assert!(registry_host("registry.k8s.io").is_ok());
        assert!(registry_host("localhost:5000").is_ok());
        assert!(registry_host("192.0.2.9:5000").is_ok());
        assert!(registry_host("_default").is_ok());
        assert!(registry_host("docker").is_err());
        assert!(registry_host("https://docker.io").is_err());
        assert!(registry_host("docker.io/library").is_err());
        assert!(registry_host("a b.io").is_err());
        assert!(mirror_url("https://docker.m.daocloud.io").is_ok());
        assert!(mirror_url("http://192.0.2.5:5000").is_ok());
        assert!(mirror_url("https://mirror.example.com/v2/docker").is_ok());
        assert!(mirror_url("docker.m.daocloud.io").is_err());
        assert!(mirror_url("https://user:pw@mirror.example.com").is_err());
        assert!(mirror_url("https://m.example.com/?x=1").is_err());
        assert!(mirror_url("https://m.example.com/\"]").is_err());
        assert!(mirror_url("https://m\nx").is_err());
        assert!(release_version("3.24.6").is_ok());
        assert!(release_version("v3.24.6").unwrap_err().1.contains("drop"));
    }
}
