//! The manifests kubewiz applies (CNI, dashboard) as catalog facts: where each release comes
//! from, its sha256, the images it pulls, and the copies shipped inside kubewiz
//! (`assets/manifests/`, from `../shared/fixtures`: see the README there). A workstation that
//! cannot reach GitHub installs the catalog's defaults with no download at all.

use super::Catalog;
use crate::vocab::Cni;
use sha2::{Digest, Sha256};

/// One manifest release: what it is, where it is downloaded from, what it must hash to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestSource<'a> {
    /// "calico 3.24.6", "dashboard 2.7.0".
    pub name: String,
    pub url: String,
    /// Lowercase hex sha256 of the file as published at the release tag.
    pub sha256: &'a str,
    /// Full image references ("docker.io/calico/node:v3.24.5").
    pub images: &'a [String],
    /// The copy built into kubewiz, when this release is shipped.
    pub builtin: Option<&'static [u8]>,
    /// The name of the downloaded copy under `.kubewiz/manifests/`.
    pub file_name: String,
}

/// (kind-version, file) of every shipped manifest.
const BUILTIN: &[(&str, &[u8])] = &[
    (
        "calico-3.24.6",
        include_bytes!("../../assets/manifests/calico-v3.24.6.yaml"),
    ),
    (
        "calico-3.26.5",
        include_bytes!("../../assets/manifests/calico-v3.26.5.yaml"),
    ),
    (
        "calico-3.29.6",
        include_bytes!("../../assets/manifests/calico-v3.29.6.yaml"),
    ),
    (
        "calico-3.30.5",
        include_bytes!("../../assets/manifests/calico-v3.30.5.yaml"),
    ),
    (
        "calico-3.31.3",
        include_bytes!("../../assets/manifests/calico-v3.31.3.yaml"),
    ),
    (
        "calico-3.32.1",
        include_bytes!("../../assets/manifests/calico-v3.32.1.yaml"),
    ),
    (
        "flannel-0.22.0",
        include_bytes!("../../assets/manifests/kube-flannel-v0.22.0.yml"),
    ),
    (
        "flannel-0.28.9",
        include_bytes!("../../assets/manifests/kube-flannel-v0.28.9.yml"),
    ),
    (
        "dashboard-2.7.0",
        include_bytes!("../../assets/manifests/dashboard-v2.7.0-recommended.yaml"),
    ),
];

fn builtin(key: &str) -> Option<&'static [u8]> {
    BUILTIN.iter().find(|(k, _)| *k == key).map(|(_, b)| *b)
}

/// Lowercase hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let d = Sha256::digest(bytes);
    let mut s = String::with_capacity(64);
    for b in d {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// The registry an image reference pulls from, as containerd names it: the first path part
/// when it looks like a host (has a dot or a port, or is "localhost"), else Docker Hub
/// ("calico/node:v3" and "nginx" are "docker.io").
pub fn registry_of(image: &str) -> &str {
    match image.split_once('/') {
        Some((first, _)) if first.contains('.') || first.contains(':') || first == "localhost" => {
            first
        }
        _ => "docker.io",
    }
}

impl Catalog {
    /// The manifest of `cni` at `version`, if the catalog knows that release.
    pub fn cni_manifest(&self, cni: Cni, version: &str) -> Option<ManifestSource<'_>> {
        let rel = self.cni_release(cni, version)?;
        let file_name = match cni {
            Cni::Calico => format!("calico-v{version}.yaml"),
            Cni::Flannel => format!("kube-flannel-v{version}.yml"),
        };
        Some(ManifestSource {
            name: format!("{} {version}", cni.as_str()),
            url: self.manifest_url(cni, version),
            sha256: &rel.sha256,
            images: &rel.images,
            builtin: builtin(&format!("{}-{version}", cni.as_str())),
            file_name,
        })
    }

    /// The dashboard's manifest.
    pub fn dashboard_manifest(&self) -> ManifestSource<'_> {
        let m = &self.manifests;
        ManifestSource {
            name: format!("dashboard {}", m.dashboard_version),
            url: m.dashboard.replace("{version}", &m.dashboard_version),
            sha256: &m.dashboard_sha256,
            images: &m.dashboard_images,
            builtin: builtin(&format!("dashboard-{}", m.dashboard_version)),
            file_name: format!("dashboard-v{}-recommended.yaml", m.dashboard_version),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat() -> &'static Catalog {
        Catalog::builtin()
    }

    #[test]
    fn every_release_has_a_sha256_and_its_images() {
        for r in cat().cni_releases() {
            assert!(
                r.sha256.len() == 64 && r.sha256.bytes().all(|b| b.is_ascii_hexdigit()),
                "{} {}: sha256 {:?}",
                r.cni.as_str(),
                r.version,
                r.sha256
            );
            assert!(!r.images.is_empty(), "{} {}", r.cni.as_str(), r.version);
            for i in &r.images {
                assert!(i.contains(':') && registry_of(i).contains('.'), "{i}");
            }
        }
        let d = cat().dashboard_manifest();
        assert_eq!(d.sha256.len(), 64);
        assert_eq!(d.images.len(), 2);
    }

    #[test]
    fn shipped_manifests_hash_to_the_catalog() {
        for (key, bytes) in BUILTIN {
            let (kind, version) = key.split_once('-').unwrap();
            let src = match kind {
                "calico" => cat().cni_manifest(Cni::Calico, version),
                "flannel" => cat().cni_manifest(Cni::Flannel, version),
                _ => Some(cat().dashboard_manifest()),
            }
            .unwrap_or_else(|| panic!("{key} is shipped but not in the catalog"));
            assert_eq!(sha256_hex(bytes), src.sha256, "{key}");
            // The images the catalog lists are the ones the file names.
            let text = std::str::from_utf8(bytes).unwrap();
            for img in src.images {
                let short = img.strip_prefix("docker.io/").unwrap_or(img);
                assert!(
                    text.contains(&format!("image: {img}"))
                        || text.contains(&format!("image: {short}")),
                    "{key}: {img}"
                );
            }
        }
        assert!(cat().dashboard_manifest().builtin.is_some());
    }

    /// Issue 10: a workstation with no GitHub access installs every minor's default CNI (and
    /// the dashboard) with no download.
    #[test]
    fn every_minors_default_cni_is_shipped() {
        for m in cat().minors() {
            for cni in [Cni::Calico, Cni::Flannel] {
                let v = m.cni(cni);
                assert!(
                    cat()
                        .cni_manifest(cni, &v.default)
                        .is_some_and(|s| s.builtin.is_some()),
                    "Kubernetes {}: the {} default {} is not shipped inside kubewiz",
                    m.version,
                    cni.as_str(),
                    v.default
                );
            }
        }
        // The seed's cluster and a current flannel install need no download.
        let m125 = cat().minor("1.25").unwrap();
        assert!(
            cat()
                .cni_manifest(Cni::Calico, &m125.calico.default)
                .unwrap()
                .builtin
                .is_some()
        );
        let m137 = cat().minor("1.37").unwrap();
        assert!(
            cat()
                .cni_manifest(Cni::Flannel, &m137.flannel.default)
                .unwrap()
                .builtin
                .is_some()
        );
    }

    #[test]
    fn registries_of_images() {
        assert_eq!(registry_of("docker.io/calico/node:v3.24.5"), "docker.io");
        assert_eq!(registry_of("kubernetesui/dashboard:v2.7.0"), "docker.io");
        assert_eq!(registry_of("nginx"), "docker.io");
        assert_eq!(registry_of("quay.io/calico/cni:v3.32.1"), "quay.io");
        assert_eq!(registry_of("localhost:5000/x:1"), "localhost:5000");
        assert_eq!(
            registry_of("registry.aliyuncs.com/google_containers/pause:3.8"),
            "registry.aliyuncs.com"
        );
    }
}
