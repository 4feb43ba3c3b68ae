//! Local files a config refers to: path resolution (`~/`, relative to cluster.toml) and the
//! pod-CIDR agreement of a local CNI manifest (the seed's 10.224 vs 10.244 mistake).

use super::error::Problem;
use super::model::{ClusterConfig, Cni};
use crate::catalog::{Catalog, CniRelease};
use ipnet::IpNet;
use std::path::{Path, PathBuf};

/// A local manifest larger than this is not a manifest.
pub const MAX_MANIFEST_BYTES: u64 = 16 * 1024 * 1024;

/// Expands a leading `~/` (or a lone `~`) to $HOME; anything else is returned unchanged.
pub fn expand_home(p: &Path) -> PathBuf {
    let Some(s) = p.to_str() else {
        return p.to_path_buf();
    };
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty());
    match (s, home) {
        ("~", Some(h)) => PathBuf::from(h),
        (s, Some(h)) if s.starts_with("~/") => PathBuf::from(h).join(&s[2..]),
        _ => p.to_path_buf(),
    }
}

/// Where a path written in cluster.toml points: `~/` expanded, then relative paths taken
/// relative to the directory of cluster.toml (not the current directory).
pub fn resolve_path(config_path: &Path, p: &Path) -> PathBuf {
    let p = expand_home(p);
    if p.is_absolute() {
        return p;
    }
    match config_path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.join(p),
        _ => p,
    }
}

/// Rewrites every path field of `config` with [`resolve_path`] (what `load` returns).
pub fn resolve_paths(config: &mut ClusterConfig, config_path: &Path) {
    let fix = |p: &mut Option<PathBuf>| {
        if let Some(x) = p {
            *x = resolve_path(config_path, x);
        }
    };
    fix(&mut config.cluster.cni_manifest);
    fix(&mut config.cluster.dashboard_manifest);
    fix(&mut config.ssh.identity_file);
    fix(&mut config.ssh.known_hosts);
    for n in &mut config.nodes {
        fix(&mut n.identity_file);
    }
}

/// The pod network a CNI manifest sets explicitly, if any:
/// calico: an uncommented `CALICO_IPV4POOL_CIDR` env value (commented out upstream, then
/// Calico takes kubeadm's podSubnet); flannel: `"Network"` in net-conf.json.
pub fn manifest_pod_cidr(cni: Cni, text: &str) -> Option<String> {
    match cni {
        Cni::Calico => {
            let mut lines = text.lines();
            while let Some(l) = lines.next() {
                let t = l.trim_start();
                if t.starts_with('#') {
                    continue;
                }
                let t = t.trim_start_matches("- ").trim();
                if t == "name: CALICO_IPV4POOL_CIDR" || t == "name: \"CALICO_IPV4POOL_CIDR\"" {
                    for v in lines.by_ref() {
                        let v = v.trim();
                        if v.is_empty() || v.starts_with('#') {
                            continue;
                        }
                        return v
                            .strip_prefix("value:")
                            .map(|x| x.trim().trim_matches(['"', '\'']).to_string());
                    }
                }
            }
            None
        }
        Cni::Flannel => {
            let i = text.find("net-conf.json")?;
            let rest = &text[i..];
            let j = rest.find("\"Network\"")?;
            let after = rest[j + "\"Network\"".len()..]
                .trim_start()
                .strip_prefix(':')?;
            let after = after.trim_start().strip_prefix('"')?;
            Some(after[..after.find('"')?].to_string())
        }
    }
}

fn looks_like(cni: Cni, text: &str) -> bool {
    match cni {
        Cni::Calico => text.contains("calico-node"),
        Cni::Flannel => text.contains("kube-flannel") || text.contains("net-conf.json"),
    }
}

/// The `Network` of flannel's upstream net-conf.json.
pub const FLANNEL_UPSTREAM_NETWORK: &str = "10.244.0.0/16";

/// Checks the pod network of a CNI manifest's text against `pod_cidr`.
/// Calico: an explicit pool must lie inside the pod CIDR. Flannel: Network must equal it,
/// unless it is the upstream default, which the plan replaces with pod_cidr.
/// Returns (message, fix) when they disagree.
pub fn manifest_cidr_conflict(cni: Cni, text: &str, pod_cidr: &str) -> Option<(String, String)> {
    let found = manifest_pod_cidr(cni, text)?;
    let pod: IpNet = pod_cidr.parse().ok()?;
    let Ok(net) = found.parse::<IpNet>() else {
        return Some((
            format!("the manifest's pod network \"{found}\" is not a CIDR"),
            format!("set it to \"{pod_cidr}\" in the file"),
        ));
    };
    let agrees = match cni {
        Cni::Calico => pod.contains(&net.network()) && net.prefix_len() >= pod.prefix_len(),
        // The upstream default is a placeholder the plan rewrites to pod_cidr ("handled for
        // you"); any other value was written by someone and must agree.
        Cni::Flannel => net.trunc() == pod || found == FLANNEL_UPSTREAM_NETWORK,
    };
    if agrees {
        return None;
    }
    let (what, fix_file) = match cni {
        Cni::Calico => (
            "CALICO_IPV4POOL_CIDR",
            format!(
                "comment CALICO_IPV4POOL_CIDR out (Calico then uses pod_cidr) or set it to \"{pod_cidr}\""
            ),
        ),
        Cni::Flannel => (
            "net-conf.json \"Network\"",
            format!("set \"Network\": \"{pod_cidr}\" in the file"),
        ),
    };
    Some((
        format!(
            "the manifest's {what} is \"{found}\" but cluster.pod_cidr is \"{pod_cidr}\": pods would \
             get addresses outside the network kubeadm assigns (the seed guide's 10.224/10.244 mistake)"
        ),
        format!("{fix_file}, or set pod_cidr = \"{found}\" if that is the network you want"),
    ))
}

/// The images a manifest pulls (uncommented `image:` lines), in order, without duplicates.
pub fn manifest_images(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for l in text.lines() {
        let t = l.trim_start().trim_start_matches("- ");
        if let Some(rest) = t.strip_prefix("image:") {
            let img = rest.trim().trim_matches(['"', '\'']).to_string();
            if !img.is_empty() && !out.contains(&img) {
                out.push(img);
            }
        }
    }
    out
}

/// Which of the catalog's releases of `cni` a manifest is: the one whose sha256 it has (an
/// unmodified upstream file), else the one whose images it pulls (an edited copy).
pub fn manifest_release<'c>(catalog: &'c Catalog, cni: Cni, text: &str) -> Option<&'c CniRelease> {
    let releases = catalog.cni_releases().iter().filter(|r| r.cni == cni);
    let sha = crate::catalog::sha256_hex(text.as_bytes());
    if let Some(r) = releases.clone().find(|r| r.sha256 == sha) {
        return Some(r);
    }
    let images = manifest_images(text);
    releases
        .filter(|r| !r.images.is_empty())
        .find(|r| r.images.iter().all(|i| images.contains(i)))
}

/// A local CNI manifest of another release than the one the cluster would install (the
/// images kubewiz pre-pulls and checks are that release's): which release it is, and what to
/// set to use it. A manifest whose release cannot be told (no images) passes.
pub fn manifest_release_conflict(config: &ClusterConfig, text: &str) -> Option<(String, String)> {
    let c = &config.cluster;
    let catalog = Catalog::builtin();
    let minor = catalog.minor_for(&c.kubernetes_version).ok()?;
    let wanted = config.cni_version(minor);
    let cni = c.cni.as_str();
    let why = if c.cni_version.is_some() {
        "cluster.cni_version".to_string()
    } else {
        format!("the default for Kubernetes {}", minor.version)
    };
    match manifest_release(catalog, c.cni, text) {
        Some(r) if r.version == wanted => None,
        Some(r) => {
            let allowed = &minor.cni(c.cni).allowed;
            let fix = if allowed.contains(&r.version) {
                format!(
                    "set cni_version = \"{}\" to use this file, or give the {cni} {wanted} manifest",
                    r.version
                )
            } else {
                format!(
                    "{cni} {} is not allowed with Kubernetes {} (allowed: {}): give the {cni} {wanted} manifest",
                    r.version,
                    minor.version,
                    allowed.join(", ")
                )
            };
            Some((
                format!(
                    "this is the {cni} {} manifest, but the cluster installs {cni} {wanted} ({why})",
                    r.version
                ),
                fix,
            ))
        }
        None => {
            let images = manifest_images(text);
            let main = images.iter().find(|i| {
                let name = i.rsplit_once(':').map_or(i.as_str(), |(n, _)| n);
                match c.cni {
                    Cni::Flannel => name.ends_with("/flannel"),
                    Cni::Calico => name.ends_with("calico/node"),
                }
            })?;
            Some((
                format!("it pulls {main}, which is no {cni} release kubewiz knows"),
                format!(
                    "give the manifest of {cni} {wanted} ({why}), or of another release kubewiz knows for Kubernetes {}",
                    minor.version
                ),
            ))
        }
    }
}

/// Checks the local files a config names (paths as resolved by [`resolve_path`]):
/// manifests exist, are readable, are the right CNI and agree with pod_cidr.
/// SSH key files are not required to exist here (an agent may hold the key).
pub fn check_files(config: &ClusterConfig, config_path: &Path) -> Vec<Problem> {
    let mut p = Vec::new();
    let c = &config.cluster;
    if let Some(m) = &c.cni_manifest {
        let field = "cluster.cni_manifest";
        let shown = m.display().to_string();
        match read_small(&resolve_path(config_path, m)) {
            Err(e) => p.push(Problem::field(field, &shown, e, "give the path of a local copy of the manifest (relative paths start at cluster.toml's folder), or remove the key to download it")),
            Ok(text) => {
                if !looks_like(c.cni, &text) {
                    p.push(Problem::field(
                        field,
                        &shown,
                        format!("this does not look like a {} manifest", c.cni.as_str()),
                        format!("point it at the {} manifest or change cluster.cni", c.cni.as_str()),
                    ));
                } else if let Some((msg, fix)) = manifest_cidr_conflict(c.cni, &text, &c.pod_cidr) {
                    p.push(Problem::field(field, &shown, msg, fix));
                } else if let Some((msg, fix)) = manifest_release_conflict(config, &text) {
                    p.push(Problem::field(field, &shown, msg, fix));
                }
            }
        }
    }
    if let Some(m) = &c.dashboard_manifest
        && c.dashboard
        && let Err(e) = read_small(&resolve_path(config_path, m))
    {
        p.push(Problem::field(
            "cluster.dashboard_manifest",
            m.display().to_string(),
            e,
            "give the path of a local copy of the dashboard v2.7.0 manifest, or remove the key",
        ));
    }
    p
}

fn read_small(path: &Path) -> Result<String, String> {
    let meta =
        std::fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if !meta.is_file() {
        return Err(format!("{} is not a file", path.display()));
    }
    if meta.len() > MAX_MANIFEST_BYTES {
        return Err(format!(
            "{} is {} bytes; too large for a manifest",
            path.display(),
            meta.len()
        ));
    }
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLANNEL: &str = "kind: ConfigMap\nmetadata:\n  name: kube-flannel-cfg\ndata:\n  net-conf.json: |\n    {\n      \"Network\": \"10.244.0.0/16\",\n      \"Backend\": {\"Type\": \"vxlan\"}\n    }\n";
    const CALICO_COMMENTED: &str = "name: calico-node\n            # - name: CALICO_IPV4POOL_CIDR\n            #   value: \"192.168.0.0/16\"\n";
    const CALICO_SET: &str = "name: calico-node\n            - name: CALICO_IPV4POOL_CIDR\n              value: \"10.244.0.0/16\"\n";

    #[test]
    fn extracts_and_compares() {
        assert_eq!(
            manifest_pod_cidr(Cni::Flannel, FLANNEL).as_deref(),
            Some("10.244.0.0/16")
        );
        assert_eq!(manifest_pod_cidr(Cni::Calico, CALICO_COMMENTED), None);
        assert_eq!(
            manifest_pod_cidr(Cni::Calico, CALICO_SET).as_deref(),
            Some("10.244.0.0/16")
        );
        assert!(manifest_cidr_conflict(Cni::Flannel, FLANNEL, "10.244.0.0/16").is_none());
        // The upstream default is rewritten by the plan; an edited value must agree.
        assert!(manifest_cidr_conflict(Cni::Flannel, FLANNEL, "10.224.0.0/16").is_none());
        let edited = FLANNEL.replace("10.244.0.0/16", "10.224.0.0/16");
        assert!(manifest_cidr_conflict(Cni::Flannel, &edited, "10.244.0.0/16").is_some());
        assert!(manifest_cidr_conflict(Cni::Calico, CALICO_COMMENTED, "10.224.0.0/16").is_none());
        assert!(manifest_cidr_conflict(Cni::Calico, CALICO_SET, "10.224.0.0/16").is_some());
        assert!(manifest_cidr_conflict(Cni::Calico, CALICO_SET, "10.0.0.0/8").is_none());
    }

    #[test]
    fn paths() {
        let home = std::env::var("HOME").unwrap_or_default();
        if !home.is_empty() {
            assert_eq!(
                expand_home(Path::new("~/.ssh/id")),
                Path::new(&home).join(".ssh/id")
            );
        }
        assert_eq!(expand_home(Path::new("/x/~/y")), Path::new("/x/~/y"));
        assert_eq!(
            resolve_path(Path::new("/etc/kw/c.toml"), Path::new("m.yaml")),
            Path::new("/etc/kw/m.yaml")
        );
        assert_eq!(
            resolve_path(Path::new("c.toml"), Path::new("m.yaml")),
            Path::new("m.yaml")
        );
        assert_eq!(
            resolve_path(Path::new("/a/c.toml"), Path::new("/b/m")),
            Path::new("/b/m")
        );
    }
}
