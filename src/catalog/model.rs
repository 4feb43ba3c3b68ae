//! The catalog's entries, as `assets/catalog.toml` spells them: limits, manifests, mirrors,
//! CNI releases, operating systems and one entry per Kubernetes minor.

use super::version::parse_minor;
use crate::vocab::Cni;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Version-independent node requirements.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    pub control_plane_min_cpus: u32,
    pub control_plane_min_memory_mb: u64,
    pub max_clock_skew_secs: i64,
    /// "4.19": older kernels call the module `nf_conntrack_ipv4`.
    pub nf_conntrack_from_kernel: String,
    /// "5.8": the oldest kernel Kubernetes documents for cgroup v2.
    pub cgroup_v2_min_kernel: String,
}

/// Manifest URL templates (`{version}` = CNI release "X.Y.Z").
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifests {
    pub calico: String,
    pub flannel: String,
    pub dashboard_version: String,
    pub dashboard: String,
    /// sha256 of the dashboard manifest (see [`super::Catalog::dashboard_manifest`]).
    pub dashboard_sha256: String,
    /// The images it pulls (full references).
    pub dashboard_images: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct MirrorTable {
    pub(super) upstream: MirrorInfo,
    pub(super) aliyun: MirrorInfo,
}

/// Package repositories and image repository of one `mirror`. URL fields are templates:
/// use the methods, which fill in `{minor}` / `{distro}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MirrorInfo {
    /// Default `imageRepository` (kubeadm) and the registry of the sandbox (pause) image.
    pub image_repository: String,
    rpm_repo: String,
    rpm_key: String,
    deb_repo: String,
    deb_key: String,
    /// The frozen legacy layout (reference only; kubewiz uses the per-minor repos).
    pub legacy_rpm_repo: String,
    pub legacy_deb_repo: String,
    pub legacy_note: String,
    /// docker-ce .repo file (containerd.io on the RHEL family).
    pub docker_ce_rpm_repo: String,
    /// What `https://download.docker.com` in that file is rewritten to (Aliyun's copy still names
    /// Docker's own server).
    pub docker_ce_rpm_base: String,
    docker_ce_deb_repo: String,
    docker_ce_deb_key: String,
    /// CentOS 7 vault `baseurl` template (EOL: mirrorlist.centos.org is gone). `{repo}` is
    /// filled in by the `repos` script per section (os, updates, extras, ...); `{basearch}`
    /// becomes yum's `$basearch` there.
    pub centos7_vault_repo: String,
    /// Registry → mirror URLs (containerd hosts.toml) used when cluster.toml has no
    /// `[registry_mirrors]`; empty for upstream.
    #[serde(default)]
    pub registry_mirrors: BTreeMap<String, Vec<String>>,
}

impl MirrorInfo {
    /// `baseurl` of the per-minor rpm repo, e.g. `https://pkgs.k8s.io/core:/stable:/v1.35/rpm/`.
    pub fn rpm_repo(&self, minor: &Minor) -> String {
        self.rpm_repo.replace("{minor}", &minor.version)
    }
    /// `gpgkey` of the per-minor rpm repo.
    pub fn rpm_key(&self, minor: &Minor) -> String {
        self.rpm_key.replace("{minor}", &minor.version)
    }
    /// The per-minor deb repo (source line: `deb [signed-by=...] <this> /`).
    pub fn deb_repo(&self, minor: &Minor) -> String {
        self.deb_repo.replace("{minor}", &minor.version)
    }
    /// `Release.key` of the per-minor deb repo (to `gpg --dearmor`).
    pub fn deb_key(&self, minor: &Minor) -> String {
        self.deb_key.replace("{minor}", &minor.version)
    }
    /// docker-ce apt repo for `distro` ("ubuntu" | "debian"): containerd.io 2.x on Debian family.
    pub fn docker_ce_deb_repo(&self, distro: &str) -> String {
        self.docker_ce_deb_repo.replace("{distro}", distro)
    }
    pub fn docker_ce_deb_key(&self, distro: &str) -> String {
        self.docker_ce_deb_key.replace("{distro}", distro)
    }
}

/// One CNI release and the Kubernetes minors it may be used with.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CniRelease {
    pub cni: Cni,
    pub version: String,
    /// Upstream's tested Kubernetes range, "1.XX" inclusive.
    pub tested_from: String,
    pub tested_to: String,
    /// Allowed up to this minor (default `tested_to`); beyond `tested_to` means a warning.
    #[serde(default)]
    pub allowed_to: Option<String>,
    /// Below this kernel ("5.10"): a warning.
    #[serde(default)]
    pub min_kernel: Option<String>,
    /// sha256 of the manifest at the release tag (every copy applied is checked against it).
    pub sha256: String,
    /// The images the manifest pulls, full references ("docker.io/calico/node:v3.24.5").
    pub images: Vec<String>,
}

impl CniRelease {
    /// Whether the release may be used with `minor` (inside tested_from..=allowed_to).
    pub fn allows(&self, minor: &Minor) -> bool {
        let m = minor.number();
        let to = self.allowed_to.as_deref().unwrap_or(&self.tested_to);
        parse_minor(&self.tested_from).is_some_and(|f| f <= m)
            && parse_minor(to).is_some_and(|t| m <= t)
    }

    /// Whether upstream tested the release with `minor`.
    pub fn tested_with(&self, minor: &Minor) -> bool {
        let m = minor.number();
        parse_minor(&self.tested_from).is_some_and(|f| f <= m)
            && parse_minor(&self.tested_to).is_some_and(|t| m <= t)
    }
}

/// An operating system kubewiz knows (matched on os-release ID + major VERSION_ID).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OsInfo {
    pub ids: Vec<String>,
    pub major: String,
    /// "rhel" | "debian".
    pub family: String,
    /// The cgroup version a fresh install runs (1 or 2; a node's own report is what preflight uses).
    pub cgroup: u8,
    /// The upstream version of the distribution's own containerd package (None: none, or not
    /// checked: only Docker's counts).
    #[serde(default)]
    pub distro_containerd: Option<String>,
    /// Docker's containerd.io for this OS, per branch: "2.3" (the branch's releases) or "1.6.33"
    /// (the branch stops there).
    pub docker_containerd: Vec<String>,
    pub note: String,
}

/// The CNI versions for one Kubernetes minor.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CniVersions {
    pub default: String,
    pub allowed: Vec<String>,
}

/// One Kubernetes minor ("1.25") and everything version-dependent about it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Minor {
    /// "1.XX".
    pub version: String,
    /// The newest patch known when the catalog was checked (any patch is accepted; a newer one
    /// draws a warning: the repositories move on monthly).
    pub latest_patch: u32,
    /// Last patch in the frozen legacy repos (None: never published there).
    #[serde(default)]
    pub legacy_last_patch: Option<u32>,
    /// Pause image tag kubeadm expects, e.g. "3.8".
    pub pause: String,
    /// "v1beta3" | "v1beta4".
    pub kubeadm_api: String,
    pub cgroup_v2_required: bool,
    pub ipvs_deprecated: bool,
    /// Still maintained upstream (late 2026: 1.35, 1.36, 1.37).
    pub supported_upstream: bool,
    pub calico: CniVersions,
    pub flannel: CniVersions,
}

impl Minor {
    /// (1, 25) for "1.25".
    pub fn number(&self) -> (u32, u32) {
        parse_minor(&self.version).unwrap_or((0, 0))
    }

    pub fn cni(&self, cni: Cni) -> &CniVersions {
        match cni {
            Cni::Calico => &self.calico,
            Cni::Flannel => &self.flannel,
        }
    }

    /// The CNI version a cluster ends up with: the configured one, else this minor's default.
    pub fn cni_version<'a>(&'a self, cni: Cni, configured: Option<&'a str>) -> &'a str {
        configured.unwrap_or(&self.cni(cni).default)
    }

    /// `apiVersion` of the kubeadm config, e.g. "kubeadm.k8s.io/v1beta4".
    pub fn kubeadm_api_version(&self) -> String {
        format!("kubeadm.k8s.io/{}", self.kubeadm_api)
    }

    /// The sandbox image kubeadm expects under `image_repository`, e.g.
    /// "registry.aliyuncs.com/google_containers/pause:3.8".
    pub fn pause_image(&self, image_repository: &str) -> String {
        format!(
            "{}/pause:{}",
            image_repository.trim_end_matches('/'),
            self.pause
        )
    }

    /// Whether this exact patch was published in the frozen legacy repos.
    pub fn in_legacy_repos(&self, patch: u32) -> bool {
        self.legacy_last_patch.is_some_and(|last| patch <= last)
    }
}
