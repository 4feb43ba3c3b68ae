//! Field-level rules: one value in, `Err((what is wrong, how to fix it))` out. `validate` uses
//! them with the field's path; the wizard uses them as the user types.

use crate::vocab::Cni;
use ipnet::IpNet;
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
    let fix = "use a user name like \"root\" or \"ops\" (lowercase letters, digits, '_' and '-')";
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
    let fix =
        "write registry/path without https://, e.g. \"registry.aliyuncs.com/google_containers\"";
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
    if s.starts_with('[') {
        return err(
            "an IPv6 address as the registry's name is not supported here",
            fix,
        );
    }
    match endpoint(s) {
        Ok(host) if host.parse::<IpAddr>().is_ok() || host.contains('.') || host == "localhost" => {
            Ok(())
        }
        Ok(_) => err(
            "not a registry host: a registry name has a dot or a port (\"docker.io\", \"localhost:5000\")",
            fix,
        ),
        Err(_) => err("not a registry host (host or host:port)", fix),
    }
}

/// A URL as it may be shown: a password in it is never printed (`kubewiz check`, the
/// wizard's screens), e.g. "https://user:pw@m.example" -> "https://<credentials>@m.example".
pub fn without_credentials(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let end = rest.find('/').unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) if scheme.is_empty() => format!("<credentials>{}", &rest[at..]),
        Some(at) => format!("{scheme}://<credentials>{}", &rest[at..]),
        None => url.to_string(),
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
    if host.starts_with('[') {
        return err(
            "an IPv6 address as the mirror's host is not supported: give it a DNS name",
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
    let fix =
        "write host or host:port, e.g. \"192.168.147.130:6443\" or \"k8s-api.example.com:6443\"";
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

/// A file path written in cluster.toml: not empty, no control characters, `~` only as `~/`.
pub fn file_path(s: &str) -> RuleResult {
    if s.is_empty() {
        err("empty path", "remove the key or give a file path")
    } else if s.chars().any(char::is_control) {
        err(
            "the path contains control characters (newline, tab, ...)",
            "write a plain file path",
        )
    } else if s.starts_with('~') && s != "~" && !s.starts_with("~/") {
        err(
            "only a leading `~/` (your home directory) is expanded",
            "write ~/path or an absolute path",
        )
    } else {
        Ok(())
    }
}

/// A pod or service network: an IPv4 CIDR without host bits.
pub fn cidr(s: &str) -> RuleResult<IpNet> {
    let Ok(net) = s.parse::<IpNet>() else {
        return err(
            "not a CIDR range",
            "write an IPv4 network and prefix length, e.g. \"10.244.0.0/16\"",
        );
    };
    if !matches!(net, IpNet::V4(_)) {
        return err(
            "IPv6 pod/service networks are not supported by kubewiz",
            "use an IPv4 range, e.g. \"10.244.0.0/16\"",
        );
    }
    if net.trunc() != net {
        return err(
            "host bits are set: this is an address inside a network, not the network",
            format!("write \"{}\"", net.trunc()),
        );
    }
    Ok(net)
}

/// The pod network's size for `cni` and `nodes` nodes: flannel gives each node a /24 and needs
/// a /16 or larger; every node needs its /24.
pub fn pod_network(net: IpNet, cni: Cni, nodes: usize) -> RuleResult {
    let room = 1usize
        .checked_shl(24u32.saturating_sub(net.prefix_len() as u32))
        .unwrap_or(usize::MAX);
    let fix = || format!("use a /16 such as \"{}\"", widen(net, 16));
    if cni == Cni::Flannel && net.prefix_len() > 16 {
        return err(
            format!(
                "flannel needs a pod network of /16 or larger (it gives each node a /24), \
                 this is a /{}",
                net.prefix_len()
            ),
            fix(),
        );
    }
    if net.prefix_len() > 24 || room < nodes {
        return err(
            format!(
                "too small: each node gets a /24 of pods, a /{} holds {room} and there are {nodes} nodes",
                net.prefix_len(),
            ),
            fix(),
        );
    }
    Ok(())
}

/// The service network's size: the API server accepts /12 at the largest; kubeadm needs room
/// for the DNS address (.10).
pub fn service_network(net: IpNet) -> RuleResult {
    if (12..=28).contains(&net.prefix_len()) {
        return Ok(());
    }
    err(
        format!(
            "a /{} service network is {}: the API server accepts /12 at the largest, and \
             kubeadm needs room for the DNS address (.10)",
            net.prefix_len(),
            if net.prefix_len() < 12 {
                "too large"
            } else {
                "too small"
            }
        ),
        "use \"10.96.0.0/12\" (the default) or another /12../24",
    )
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

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(mirror_url("https://[fd00::1]:5000").is_err());
        assert!(registry_host("[fd00::1]:5000").is_err());
        assert!(mirror_url("https://m.example.com/?x=1").is_err());
        assert!(mirror_url("https://m.example.com/\"]").is_err());
        assert!(mirror_url("https://m\nx").is_err());
        assert!(release_version("3.24.6").is_ok());
        assert!(release_version("v3.24.6").unwrap_err().1.contains("drop"));
    }
}
