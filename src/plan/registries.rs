//! Which image registries a cluster pulls from, and through which mirrors: the containerd step
//! writes one `/etc/containerd/certs.d/<registry>/hosts.toml` per registry with mirrors, and the
//! facts step probes, from every node before anything changes, each mirror and each registry the
//! cluster needs that has none (preflight names the node, the registry and the mirror that does
//! not answer).

use crate::catalog::{Catalog, registry_of};
use crate::config::ClusterConfig;
use std::collections::BTreeMap;

/// One registry: its mirrors (tried in order, then the registry itself) and the images of the
/// cluster that come from it (kubeadm's, the CNI's, the dashboard's; empty for a registry that
/// only has mirrors configured, for what users deploy later).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryUse {
    pub registry: String,
    pub mirrors: Vec<String>,
    pub images: Vec<String>,
}

/// What a node probes in the facts step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeKind {
    /// A configured mirror (it must answer).
    Mirror,
    /// A registry the cluster pulls from that has no mirror (it must answer itself).
    Registry,
}

impl ProbeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProbeKind::Mirror => "mirror",
            ProbeKind::Registry => "registry",
        }
    }
}

/// The images the cluster pulls (kubeadm's through `image_repository`, the CNI release's, the
/// dashboard's when enabled), by registry. The CNI's are the catalog's release's (a local
/// `cni_manifest` is expected to be that release).
pub fn images_by_registry(cfg: &ClusterConfig, catalog: &Catalog) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut add = |image: String| {
        let list = out.entry(registry_of(&image).to_string()).or_default();
        if !list.contains(&image) {
            list.push(image);
        }
    };
    let c = &cfg.cluster;
    let repo = cfg.image_repository(catalog);
    if let Ok(minor) = catalog.minor_for(&c.kubernetes_version) {
        // kubeadm's own images (etcd and CoreDNS come from there too, at tags kubeadm picks).
        for component in [
            "kube-apiserver",
            "kube-controller-manager",
            "kube-scheduler",
            "kube-proxy",
        ] {
            add(format!(
                "{}/{component}:v{}",
                repo.trim_end_matches('/'),
                c.kubernetes_version
            ));
        }
        add(minor.pause_image(repo));
        if let Some(m) = catalog.cni_manifest(c.cni, cfg.cni_version(minor)) {
            m.images.iter().cloned().for_each(&mut add);
        }
    }
    if c.dashboard {
        catalog
            .dashboard_manifest()
            .images
            .iter()
            .cloned()
            .for_each(&mut add);
    }
    out
}

/// Every registry with mirrors or with images of the cluster, sorted by name.
pub fn registries(cfg: &ClusterConfig, catalog: &Catalog) -> Vec<RegistryUse> {
    let mirrors = cfg.registry_mirrors(catalog);
    let images = images_by_registry(cfg, catalog);
    let mut names: Vec<&String> = mirrors.keys().chain(images.keys()).collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .map(|r| RegistryUse {
            registry: r.clone(),
            mirrors: mirrors.get(r).cloned().unwrap_or_default(),
            images: images.get(r).cloned().unwrap_or_default(),
        })
        .collect::<Vec<_>>()
}

/// The registry's own server as containerd reaches it (Docker Hub is registry-1.docker.io).
pub fn registry_server(registry: &str) -> Option<String> {
    match registry {
        "_default" => None,
        "docker.io" => Some("https://registry-1.docker.io".into()),
        r => Some(format!("https://{r}")),
    }
}

/// (registry, kind, URL) for every mirror, and for every registry the cluster pulls from that
/// has no mirror.
pub fn probes(uses: &[RegistryUse]) -> Vec<(String, ProbeKind, String)> {
    let mut out = Vec::new();
    for u in uses {
        if u.mirrors.is_empty() {
            if !u.images.is_empty()
                && let Some(s) = registry_server(&u.registry)
            {
                out.push((u.registry.clone(), ProbeKind::Registry, s));
            }
        } else {
            for m in &u.mirrors {
                out.push((u.registry.clone(), ProbeKind::Mirror, m.clone()));
            }
        }
    }
    out
}

/// `KW_REGISTRY_PROBES` of the facts step: one "<registry> <mirror|registry> <url>" per line.
pub fn probes_env(uses: &[RegistryUse]) -> String {
    probes(uses)
        .iter()
        .map(|(r, k, u)| format!("{r} {} {u}", k.as_str()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `KW_REGISTRY_MIRRORS` of the containerd step: "<registry> <mirror>..." per registry with mirrors.
pub fn mirrors_env(uses: &[RegistryUse]) -> String {
    uses.iter()
        .filter(|u| !u.mirrors.is_empty())
        .map(|u| format!("{} {}", u.registry, u.mirrors.join(" ")))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Where the cluster's images and manifests come from, as `kubewiz plan` prints it at the top
/// (comment lines): each registry with its mirrors (and whose table they are) and the images it
/// serves; each manifest, built in / a local file / downloaded, with its sha256.
pub fn summary(cfg: &ClusterConfig, catalog: &Catalog) -> String {
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str("# ");
        out.push_str(&s);
        out.push('\n');
    };
    let whose = if cfg.registry_mirrors.is_some() {
        "[registry_mirrors] of cluster.toml".to_string()
    } else {
        format!(
            "the defaults of mirror = \"{}\" (no [registry_mirrors] in cluster.toml)",
            cfg.cluster.mirror.as_str()
        )
    };
    line(format!(
        "registries (containerd: /etc/containerd/certs.d/<registry>/hosts.toml; mirrors from {whose}):"
    ));
    for u in registries(cfg, catalog) {
        let via = if u.mirrors.is_empty() {
            "direct (no mirror)".to_string()
        } else {
            format!("through {}, then the registry itself", u.mirrors.join(", "))
        };
        let what = if u.images.is_empty() {
            "no image of this cluster (for what you deploy later)".to_string()
        } else {
            u.images.join(", ")
        };
        line(format!("  {}: {via}; {what}", u.registry));
    }
    line(
        "manifests (built into kubewiz: no download; else checked against the catalog's sha256):"
            .into(),
    );
    let minor = catalog.minor_for(&cfg.cluster.kubernetes_version).ok();
    let cni = minor.and_then(|m| catalog.cni_manifest(cfg.cluster.cni, cfg.cni_version(m)));
    let mut manifest = |local: Option<&std::path::PathBuf>,
                        src: Option<crate::catalog::ManifestSource<'_>>,
                        what: &str| {
        let text = match (local, src) {
            (Some(p), _) => format!("{what}: the local file {} (cluster.toml)", p.display()),
            (None, Some(s)) if s.builtin.is_some() => {
                format!("{}: built into kubewiz (sha256 {})", s.name, s.sha256)
            }
            (None, Some(s)) => format!(
                "{}: downloaded on this workstation from {} (sha256 {} checked); \
                 behind the Great Firewall give a local copy instead",
                s.name, s.url, s.sha256
            ),
            (None, None) => format!("{what}: not in the catalog"),
        };
        line(format!("  {text}"));
    };
    manifest(
        cfg.cluster.cni_manifest.as_ref(),
        cni,
        cfg.cluster.cni.as_str(),
    );
    if cfg.cluster.dashboard {
        manifest(
            cfg.cluster.dashboard_manifest.as_ref(),
            Some(catalog.dashboard_manifest()),
            "dashboard",
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(extra: &str) -> ClusterConfig {
        crate::config::parse_and_validate(
            &format!(
                "[cluster]\nname = \"t\"\nkubernetes_version = \"1.25.3\"\nmirror = \"aliyun\"\n\
                 dashboard = true\n[[node]]\nname = \"cp\"\naddress = \"192.0.2.10\"\n\
                 role = \"control-plane\"\n{extra}"
            ),
            std::path::Path::new("cluster.toml"),
        )
        .unwrap()
    }

    #[test]
    fn the_seed_pulls_from_aliyun_and_docker_hub_through_daocloud() {
        let c = cfg("");
        let by = images_by_registry(&c, Catalog::builtin());
        assert_eq!(
            by.keys().collect::<Vec<_>>(),
            vec!["docker.io", "registry.aliyuncs.com"]
        );
        assert!(by["docker.io"].contains(&"docker.io/calico/node:v3.24.5".to_string()));
        assert!(by["docker.io"].contains(&"docker.io/kubernetesui/dashboard:v2.7.0".to_string()));
        let uses = registries(&c, Catalog::builtin());
        let p = probes(&uses);
        // kubeadm's registry has no mirror: probed itself; Docker Hub through its mirror only.
        assert!(p.contains(&(
            "registry.aliyuncs.com".into(),
            ProbeKind::Registry,
            "https://registry.aliyuncs.com".into()
        )));
        assert!(p.contains(&(
            "docker.io".into(),
            ProbeKind::Mirror,
            "https://docker.m.daocloud.io".into()
        )));
        assert!(!p.iter().any(|(_, _, u)| u.contains("registry-1.docker.io")));
        assert!(mirrors_env(&uses).contains("docker.io https://docker.m.daocloud.io\n"));
    }

    #[test]
    fn an_explicit_table_wins_and_unmirrored_needs_are_probed() {
        let c = cfg(
            "[registry_mirrors]\n\"docker.io\" = []\n\"quay.io\" = [\"https://a.example\", \"https://b.example\"]\n",
        );
        let uses = registries(&c, Catalog::builtin());
        let p = probes(&uses);
        assert!(p.contains(&(
            "docker.io".into(),
            ProbeKind::Registry,
            "https://registry-1.docker.io".into()
        )));
        assert_eq!(
            p.iter().filter(|(r, _, _)| r == "quay.io").count(),
            2,
            "{p:?}"
        );
        assert_eq!(
            mirrors_env(&uses),
            "quay.io https://a.example https://b.example"
        );
        assert!(!probes_env(&uses).contains("daocloud"));
    }

    #[test]
    fn the_summary_says_where_everything_comes_from() {
        let s = summary(&cfg(""), Catalog::builtin());
        assert!(s.lines().all(|l| l.starts_with("# ")), "{s}");
        assert!(s.contains("the defaults of mirror = \"aliyun\""), "{s}");
        assert!(s.contains("#   docker.io: through https://docker.m.daocloud.io, then the registry itself; docker.io/calico/cni:v3.24.5"), "{s}");
        assert!(s.contains("#   registry.aliyuncs.com: direct (no mirror); registry.aliyuncs.com/google_containers/kube-apiserver:v1.25.3"), "{s}");
        assert!(
            s.contains("#   calico 3.24.6: built into kubewiz (sha256 1e8825b3bc56"),
            "{s}"
        );
        assert!(s.contains("#   dashboard 2.7.0: built into kubewiz"), "{s}");
        let s = summary(
            &cfg("[registry_mirrors]\n\"docker.io\" = [\"https://m.example\"]\n"),
            Catalog::builtin(),
        );
        assert!(s.contains("[registry_mirrors] of cluster.toml"), "{s}");
        assert!(!s.contains("daocloud"), "{s}");
    }
}
