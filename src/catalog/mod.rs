//! The version catalog: every version rule is a lookup in `assets/catalog.toml`.
//!
//! The table is embedded with `include_str!`, parsed once ([`Catalog::builtin`]) and checked
//! for its own consistency by the unit tests below. Nothing here does I/O.
//!
//! ```
//! use kubewiz::catalog::Catalog;
//! use kubewiz::config::{Cni, Mirror};
//! let cat = Catalog::builtin();
//! let minor = cat.minor_for("1.25.3").unwrap();
//! assert_eq!(minor.pause, "3.8");
//! assert_eq!(minor.cni(Cni::Calico).default, "3.24.6");
//! assert_eq!(cat.mirror(Mirror::Aliyun).rpm_repo(minor),
//!            "https://mirrors.aliyun.com/kubernetes-new/core/stable/v1.25/rpm/");
//! ```

use crate::config::{ClusterConfig, Cni, Mirror, ProxyMode, Role};
use crate::facts::Facts;
use crate::plan::StepId;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;
use std::time::Duration;

const BUILTIN: &str = include_str!("../../assets/catalog.toml");

/// The whole catalog (see `assets/catalog.toml` for the meaning of every field).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    pub limits: Limits,
    timeouts: BTreeMap<String, u64>,
    pub manifests: Manifests,
    mirror: MirrorTable,
    #[serde(rename = "cni_release")]
    cni_releases: Vec<CniRelease>,
    #[serde(rename = "os")]
    oses: Vec<OsInfo>,
    #[serde(rename = "minor")]
    minors: Vec<Minor>,
}

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
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct MirrorTable {
    upstream: MirrorInfo,
    aliyun: MirrorInfo,
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
    /// A containerd 2.x package exists in the repos kubewiz uses (needed from 1.36).
    pub containerd2: bool,
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
    /// Valid patches are 0..=latest_patch.
    pub latest_patch: u32,
    /// Last patch in the frozen legacy repos (None: never published there).
    #[serde(default)]
    pub legacy_last_patch: Option<u32>,
    /// Pause image tag kubeadm expects, e.g. "3.8".
    pub pause: String,
    /// "v1beta3" | "v1beta4".
    pub kubeadm_api: String,
    /// Oldest containerd that works, "1.6" or "2.0".
    pub containerd_min: String,
    /// containerd config format kubewiz writes: 2 (containerd 1.6/1.7) or 3 (2.x).
    pub containerd_config_version: u8,
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

    /// Whether containerd 2.x is needed (1.36+).
    pub fn needs_containerd2(&self) -> bool {
        self.containerd_min.starts_with("2.")
    }

    /// Whether this exact patch was published in the frozen legacy repos.
    pub fn in_legacy_repos(&self, patch: u32) -> bool {
        self.legacy_last_patch.is_some_and(|last| patch <= last)
    }
}

/// An exact Kubernetes version "X.Y.Z".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KubeVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl KubeVersion {
    /// Parses "1.25.3" strictly: three decimal numbers, no `v`, no leading zeros, no suffix.
    pub fn parse(s: &str) -> Result<KubeVersion, CatalogError> {
        let malformed = |hint: String| CatalogError::Malformed {
            version: s.to_string(),
            hint,
        };
        let t = s.trim();
        if t.is_empty() {
            return Err(malformed("write the exact version, e.g. \"1.35.6\"".into()));
        }
        if let Some(rest) = t.strip_prefix(['v', 'V'])
            && KubeVersion::parse(rest).is_ok()
        {
            return Err(malformed(format!("drop the leading `v`: \"{rest}\"")));
        }
        let parts: Vec<&str> = t.split('.').collect();
        let numeric = |p: &str| {
            !p.is_empty()
                && p.len() <= 6
                && p.bytes().all(|b| b.is_ascii_digit())
                && (p == "0" || !p.starts_with('0'))
        };
        if parts.len() == 2 && parts.iter().all(|p| numeric(p)) {
            return Err(malformed(format!(
                "give the exact patch version, e.g. \"{t}.0\" (see `kubewiz` catalog for the latest)"
            )));
        }
        if parts.len() != 3 || !parts.iter().all(|p| numeric(p)) || t != s {
            return Err(malformed(
                "write it as MAJOR.MINOR.PATCH, e.g. \"1.35.6\"".into(),
            ));
        }
        Ok(KubeVersion {
            major: parts[0].parse().unwrap_or(0),
            minor: parts[1].parse().unwrap_or(0),
            patch: parts[2].parse().unwrap_or(0),
        })
    }

    /// "1.25".
    pub fn minor_str(&self) -> String {
        format!("{}.{}", self.major, self.minor)
    }
}

impl fmt::Display for KubeVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// Why a version is not in the catalog; `Display` says what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    #[error("\"{version}\" is not a Kubernetes version: {hint}")]
    Malformed { version: String, hint: String },
    #[error(
        "Kubernetes {minor} is not supported: kubewiz knows {first} to {last} (use e.g. \"{suggest}\")"
    )]
    UnknownMinor {
        minor: String,
        first: String,
        last: String,
        suggest: String,
    },
    #[error(
        "Kubernetes {version} does not exist (yet): {minor} patches go from {minor}.0 to {minor}.{latest}"
    )]
    UnknownPatch {
        version: String,
        minor: String,
        latest: u32,
    },
}

/// How serious a compatibility finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The node cannot run this cluster: preflight stops before anything is changed.
    Refuse,
    /// Works, but the user should know.
    Warn,
}

/// One result of [`node_compat`]: the message says what, why and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    pub message: String,
}

impl Finding {
    fn refuse(message: String) -> Finding {
        Finding {
            severity: Severity::Refuse,
            message,
        }
    }
    fn warn(message: String) -> Finding {
        Finding {
            severity: Severity::Warn,
            message,
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tag = match self.severity {
            Severity::Refuse => "refused",
            Severity::Warn => "warning",
        };
        write!(f, "{tag}: {}", self.message)
    }
}

/// "1.25" -> (1, 25); also accepts "5.10.0-123" style kernel strings (first two numbers).
pub fn parse_minor(s: &str) -> Option<(u32, u32)> {
    let mut it = s.split(|c: char| !c.is_ascii_digit());
    let a = it.next()?.parse().ok()?;
    let b = it.next()?.parse().ok()?;
    Some((a, b))
}

impl Catalog {
    /// The catalog compiled into the binary (parsed once; a broken table is a build bug that
    /// the unit tests catch, so this panics on it).
    pub fn builtin() -> &'static Catalog {
        static CELL: OnceLock<Catalog> = OnceLock::new();
        CELL.get_or_init(|| {
            Catalog::parse(BUILTIN).unwrap_or_else(|e| panic!("assets/catalog.toml: {e}"))
        })
    }

    /// Parses a catalog table (for tests of alternative tables; normal code uses `builtin`).
    pub fn parse(text: &str) -> Result<Catalog, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    /// All minors, oldest first.
    pub fn minors(&self) -> &[Minor] {
        &self.minors
    }

    /// The entry for "1.XX", if known.
    pub fn minor(&self, minor: &str) -> Option<&Minor> {
        self.minors.iter().find(|m| m.version == minor)
    }

    /// The minor of an exact version "X.Y.Z", checking the format and that the patch exists.
    pub fn minor_for(&self, version: &str) -> Result<&Minor, CatalogError> {
        let v = match KubeVersion::parse(version) {
            Ok(v) => v,
            Err(CatalogError::Malformed { version, hint }) => {
                // "1.25": name the latest patch of that minor when we know it.
                let hint = match self.minor(version.trim()) {
                    Some(m) => format!(
                        "give the exact patch version, e.g. \"{}.{}\" (patches 0..={})",
                        m.version, m.latest_patch, m.latest_patch
                    ),
                    None => hint,
                };
                return Err(CatalogError::Malformed { version, hint });
            }
            Err(e) => return Err(e),
        };
        let Some(m) = self.minor(&v.minor_str()) else {
            let first = self.minors.first().map(|m| m.version.clone());
            let last = self.minors.last();
            return Err(CatalogError::UnknownMinor {
                minor: v.minor_str(),
                first: first.unwrap_or_default(),
                last: last.map(|m| m.version.clone()).unwrap_or_default(),
                suggest: last
                    .map(|m| format!("{}.{}", m.version, m.latest_patch))
                    .unwrap_or_default(),
            });
        };
        if v.patch > m.latest_patch {
            return Err(CatalogError::UnknownPatch {
                version: version.to_string(),
                minor: m.version.clone(),
                latest: m.latest_patch,
            });
        }
        Ok(m)
    }

    /// The remote timeout for a step (every step has one; the tests check that).
    pub fn timeout(&self, step: StepId) -> Duration {
        Duration::from_secs(self.timeouts.get(step.name()).copied().unwrap_or(600))
    }

    pub fn mirror(&self, mirror: Mirror) -> &MirrorInfo {
        match mirror {
            Mirror::Upstream => &self.mirror.upstream,
            Mirror::Aliyun => &self.mirror.aliyun,
        }
    }

    /// The registry mirrors the nodes get: cluster.toml's `[registry_mirrors]` when present
    /// (even empty: it always wins), else the `mirror`'s defaults.
    pub fn registry_mirrors<'a>(
        &'a self,
        config: &'a ClusterConfig,
    ) -> &'a BTreeMap<String, Vec<String>> {
        config
            .registry_mirrors
            .as_ref()
            .unwrap_or(&self.mirror(config.cluster.mirror).registry_mirrors)
    }

    /// All known CNI releases.
    pub fn cni_releases(&self) -> &[CniRelease] {
        &self.cni_releases
    }

    pub fn cni_release(&self, cni: Cni, version: &str) -> Option<&CniRelease> {
        self.cni_releases
            .iter()
            .find(|r| r.cni == cni && r.version == version)
    }

    /// Where to download the manifest of `cni` at `version`.
    pub fn manifest_url(&self, cni: Cni, version: &str) -> String {
        let t = match cni {
            Cni::Calico => &self.manifests.calico,
            Cni::Flannel => &self.manifests.flannel,
        };
        t.replace("{version}", version)
    }

    /// The catalog's entry for a node's OS (by os-release ID and VERSION_ID major).
    pub fn os(&self, os_id: &str, os_version: &str) -> Option<&OsInfo> {
        let major = os_version.split('.').next().unwrap_or("");
        self.oses
            .iter()
            .find(|o| o.major == major && o.ids.iter().any(|i| i == os_id))
    }

    /// The conntrack kernel module for a kernel release string: `nf_conntrack_ipv4` before
    /// 4.19 (except RHEL 8's 4.18, which scripts handle by trying both), else `nf_conntrack`.
    pub fn conntrack_module(&self, kernel: &str) -> &'static str {
        match (
            parse_minor(kernel),
            parse_minor(&self.limits.nf_conntrack_from_kernel),
        ) {
            (Some(k), Some(from)) if k < from => "nf_conntrack_ipv4",
            _ => "nf_conntrack",
        }
    }

    /// The CNI version a config ends up with: `cni_version` or the minor's default.
    pub fn cni_version_for<'a>(&'a self, minor: &'a Minor, config: &'a ClusterConfig) -> &'a str {
        config
            .cluster
            .cni_version
            .as_deref()
            .unwrap_or(&minor.cni(config.cluster.cni).default)
    }

    /// Catalog × node facts: what this node cannot run (Refuse) or should know (Warn) for the
    /// chosen versions. Pure; the engine's preflight reports these with the node's name.
    /// CPU/memory are in [`Catalog::node_resources`].
    pub fn node_compat(
        &self,
        minor: &Minor,
        config: &ClusterConfig,
        facts: &Facts,
    ) -> Vec<Finding> {
        let mut out = Vec::new();
        let k8s = &config.cluster.kubernetes_version;
        let os_name = if facts.os_id.is_empty() {
            "unknown OS".to_string()
        } else {
            format!("{} {}", facts.os_id, facts.os_version)
        };
        let kernel = parse_minor(&facts.kernel);
        let os = self.os(&facts.os_id, &facts.os_version);

        match facts.os_family.as_str() {
            "rhel" | "debian" => {}
            other => out.push(Finding::refuse(format!(
                "{os_name} (family \"{other}\") is not supported: kubewiz installs on the RHEL family \
                 (CentOS, Rocky, RHEL, AlmaLinux, Fedora) and the Debian family (Ubuntu, Debian)"
            ))),
        }
        if os.is_none() && !facts.os_id.is_empty() && facts.os_id != "fedora" {
            out.push(Finding::warn(format!(
                "{os_name} is not in kubewiz's catalog of tested systems; it may work if it is \
                 close to a listed one (Rocky 9, Ubuntu 22.04, ...)"
            )));
        }

        if minor.cgroup_v2_required {
            let fix = "choose Kubernetes 1.34.x or older, or a system with cgroup v2 (Rocky/RHEL 9, Ubuntu 22.04+, Debian 11+)";
            match facts.cgroup_version {
                2 => {}
                1 => out.push(Finding::refuse(format!(
                    "Kubernetes {k8s} needs cgroup v2 (kubelet 1.35+ refuses cgroup v1) but {os_name} \
                     runs cgroup v1: {fix}"
                ))),
                _ => out.push(Finding::warn(format!(
                    "could not tell the cgroup version of {os_name}; Kubernetes {k8s} needs cgroup v2"
                ))),
            }
            if let (Some(k), Some(min)) = (kernel, parse_minor(&self.limits.cgroup_v2_min_kernel))
                && k < min
            {
                out.push(Finding::refuse(format!(
                    "Kubernetes {k8s} needs cgroup v2, which needs kernel {} or newer; \
                     {os_name} has kernel {}: {fix}",
                    self.limits.cgroup_v2_min_kernel, facts.kernel
                )));
            }
        }

        if minor.needs_containerd2()
            && let Some(os) = os
            && !os.containerd2
        {
            out.push(Finding::refuse(format!(
                "Kubernetes {k8s} needs containerd 2.x (kubelet 1.36+ needs the CRI RuntimeConfig \
                 call), and {os_name} has no containerd 2.x package ({}): choose Kubernetes \
                 1.35.x or older, or a newer system",
                os.note
            )));
        }

        if config.cluster.proxy_mode == ProxyMode::Ipvs && minor.ipvs_deprecated {
            out.push(Finding::warn(format!(
                "kube-proxy IPVS mode is deprecated from Kubernetes 1.35 ({k8s} chosen): \
                 consider proxy_mode = \"iptables\""
            )));
        }

        let cni = config.cluster.cni;
        let cni_version = self.cni_version_for(minor, config);
        if let Some(rel) = self.cni_release(cni, cni_version)
            && let (Some(min), Some(k)) = (rel.min_kernel.as_deref(), kernel)
            && parse_minor(min).is_some_and(|m| k < m)
        {
            out.push(Finding::warn(format!(
                "{} {} documents kernel {min} or newer; {os_name} has kernel {}: \
                 it may work, but consider a newer kernel or an older {} release",
                cni.as_str(),
                cni_version,
                facts.kernel,
                cni.as_str()
            )));
        }
        if kernel.is_none() && !facts.kernel.is_empty() {
            out.push(Finding::warn(format!(
                "could not read the kernel version \"{}\"",
                facts.kernel
            )));
        }
        out
    }

    /// CPU and memory minimums (kubeadm preflight: control planes need 2 CPUs, 1700 MB).
    pub fn node_resources(&self, role: Role, facts: &Facts) -> Vec<Finding> {
        let mut out = Vec::new();
        if role == Role::ControlPlane {
            let l = &self.limits;
            if facts.cpus < l.control_plane_min_cpus {
                out.push(Finding::refuse(format!(
                    "a control plane needs at least {} CPUs, this node has {}: give it more CPUs \
                     or make it a worker",
                    l.control_plane_min_cpus, facts.cpus
                )));
            }
            if facts.memory_mb < l.control_plane_min_memory_mb {
                out.push(Finding::refuse(format!(
                    "a control plane needs at least {} MB of memory, this node has {} MB: give it \
                     more memory or make it a worker",
                    l.control_plane_min_memory_mb, facts.memory_mb
                )));
            }
        }
        out
    }
}

/// [`Catalog::node_compat`] on the built-in catalog.
pub fn node_compat(minor: &Minor, config: &ClusterConfig, facts: &Facts) -> Vec<Finding> {
    Catalog::builtin().node_compat(minor, config, facts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ClusterSection, NodeConfig, SshSection};
    use std::collections::BTreeSet;

    fn cat() -> &'static Catalog {
        Catalog::builtin()
    }

    #[test]
    fn one_entry_per_minor_125_to_137_in_order() {
        let got: Vec<_> = cat().minors().iter().map(|m| m.version.clone()).collect();
        let want: Vec<_> = (25..=37).map(|n| format!("1.{n}")).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn minor_fields_follow_the_fact_sheet() {
        for m in cat().minors() {
            let (_, n) = m.number();
            let pause = match n {
                25 => "3.8",
                26..=30 => "3.9",
                31..=33 => "3.10",
                34..=35 => "3.10.1",
                _ => "3.10.2",
            };
            assert_eq!(m.pause, pause, "{}", m.version);
            let api = if n <= 30 { "v1beta3" } else { "v1beta4" };
            assert_eq!(m.kubeadm_api, api, "{}", m.version);
            assert_eq!(m.cgroup_v2_required, n >= 35, "{}", m.version);
            assert_eq!(m.ipvs_deprecated, n >= 35, "{}", m.version);
            assert_eq!(m.supported_upstream, n >= 35, "{}", m.version);
            assert_eq!(m.needs_containerd2(), n >= 36, "{}", m.version);
            assert_eq!(
                m.containerd_config_version,
                if n >= 36 { 3 } else { 2 },
                "{}",
                m.version
            );
            let legacy = match n {
                25 => Some(14),
                26 => Some(9),
                27 => Some(6),
                28 => Some(2),
                _ => None,
            };
            assert_eq!(m.legacy_last_patch, legacy, "{}", m.version);
            if let Some(l) = m.legacy_last_patch {
                assert!(l <= m.latest_patch);
            }
        }
        assert_eq!(cat().minor("1.25").unwrap().latest_patch, 16);
        assert_eq!(cat().minor("1.28").unwrap().latest_patch, 15);
    }

    #[test]
    fn cni_lists_agree_with_release_ranges_and_defaults_are_allowed() {
        for m in cat().minors() {
            for cni in [Cni::Calico, Cni::Flannel] {
                let v = m.cni(cni);
                assert!(
                    v.allowed.contains(&v.default),
                    "{} {}: default not allowed",
                    m.version,
                    cni.as_str()
                );
                let listed: BTreeSet<_> = v.allowed.iter().cloned().collect();
                assert_eq!(listed.len(), v.allowed.len(), "duplicates in {}", m.version);
                let derived: BTreeSet<_> = cat()
                    .cni_releases()
                    .iter()
                    .filter(|r| r.cni == cni && r.allows(m))
                    .map(|r| r.version.clone())
                    .collect();
                assert_eq!(listed, derived, "{} {}", m.version, cni.as_str());
                // The default is a release upstream tested with this minor, except where
                // none exists (1.37 + calico): then it is the newest allowed one.
                let rel = cat().cni_release(cni, &v.default).unwrap();
                if !rel.tested_with(m) {
                    assert!(
                        !cat()
                            .cni_releases()
                            .iter()
                            .any(|r| r.cni == cni && r.tested_with(m)),
                        "{} {}: an upstream-tested release exists, use it as default",
                        m.version,
                        cni.as_str()
                    );
                }
            }
        }
    }

    #[test]
    fn seed_and_current_defaults_match_the_fixture_files() {
        // ../shared/fixtures/cni has calico 3.24.6 / 3.26.5 / 3.32.1 and flannel 0.22.0 / 0.28.9.
        let m = cat().minor("1.25").unwrap();
        assert_eq!(m.calico.default, "3.24.6");
        assert_eq!(m.flannel.default, "0.22.0");
        assert_eq!(cat().minor("1.27").unwrap().calico.default, "3.26.5");
        for v in ["1.35", "1.36", "1.37"] {
            let m = cat().minor(v).unwrap();
            assert_eq!(m.calico.default, "3.32.1");
            assert_eq!(m.flannel.default, "0.28.9");
        }
    }

    #[test]
    fn release_table_is_sane() {
        let mut seen = BTreeSet::new();
        for r in cat().cni_releases() {
            assert!(
                seen.insert((r.cni.as_str(), r.version.clone())),
                "dup {}",
                r.version
            );
            let parts: Vec<_> = r.version.split('.').collect();
            assert_eq!(parts.len(), 3, "{}", r.version);
            assert!(parse_minor(&r.tested_from) <= parse_minor(&r.tested_to));
            if let Some(a) = &r.allowed_to {
                assert!(parse_minor(&r.tested_to) <= parse_minor(a));
            }
            let newer_calico = r.cni == Cni::Calico && parse_minor(&r.version) >= Some((3, 30));
            assert_eq!(
                r.min_kernel.as_deref() == Some("5.10"),
                newer_calico,
                "{}",
                r.version
            );
        }
    }

    #[test]
    fn every_step_has_a_timeout_and_no_unknown_keys() {
        for s in StepId::ALL {
            assert!(cat().timeouts.contains_key(s.name()), "no timeout for {s}");
        }
        for k in cat().timeouts.keys() {
            assert!(
                StepId::from_name(k).is_some(),
                "timeout for unknown step {k}"
            );
        }
        assert_eq!(cat().timeout(StepId::Images), Duration::from_secs(1800));
        assert_eq!(cat().timeout(StepId::Preflight), Duration::from_secs(30));
    }

    #[test]
    fn mirror_urls() {
        let m = cat().minor("1.35").unwrap();
        let up = cat().mirror(Mirror::Upstream);
        assert_eq!(up.image_repository, "registry.k8s.io");
        assert_eq!(
            up.rpm_repo(m),
            "https://pkgs.k8s.io/core:/stable:/v1.35/rpm/"
        );
        assert_eq!(
            up.rpm_key(m),
            "https://pkgs.k8s.io/core:/stable:/v1.35/rpm/repodata/repomd.xml.key"
        );
        assert_eq!(
            up.deb_repo(m),
            "https://pkgs.k8s.io/core:/stable:/v1.35/deb/"
        );
        assert_eq!(
            up.deb_key(m),
            "https://pkgs.k8s.io/core:/stable:/v1.35/deb/Release.key"
        );
        assert_eq!(
            up.docker_ce_rpm_repo,
            "https://download.docker.com/linux/centos/docker-ce.repo"
        );
        let al = cat().mirror(Mirror::Aliyun);
        assert_eq!(
            al.image_repository,
            "registry.aliyuncs.com/google_containers"
        );
        assert_eq!(
            al.deb_repo(m),
            "https://mirrors.aliyun.com/kubernetes-new/core/stable/v1.35/deb/"
        );
        assert_eq!(
            al.docker_ce_rpm_repo,
            "https://mirrors.aliyun.com/docker-ce/linux/centos/docker-ce.repo"
        );
        assert_eq!(
            al.docker_ce_deb_repo("ubuntu"),
            "https://mirrors.aliyun.com/docker-ce/linux/ubuntu"
        );
        assert_eq!(
            up.centos7_vault_repo,
            "https://vault.centos.org/7.9.2009/{repo}/{basearch}/"
        );
        assert_eq!(
            al.centos7_vault_repo,
            "https://mirrors.aliyun.com/centos-vault/7.9.2009/{repo}/{basearch}/"
        );
        for mi in [up, al] {
            for u in [mi.rpm_repo(m), mi.rpm_key(m), mi.deb_repo(m), mi.deb_key(m)] {
                assert!(u.starts_with("https://") && !u.contains('{'), "{u}");
            }
        }
        assert_eq!(
            m.pause_image(&al.image_repository),
            "registry.aliyuncs.com/google_containers/pause:3.10.1"
        );
        assert_eq!(m.kubeadm_api_version(), "kubeadm.k8s.io/v1beta4");
    }

    #[test]
    fn manifest_urls() {
        assert_eq!(
            cat().manifest_url(Cni::Calico, "3.24.6"),
            "https://raw.githubusercontent.com/projectcalico/calico/v3.24.6/manifests/calico.yaml"
        );
        assert_eq!(
            cat().manifest_url(Cni::Flannel, "0.28.9"),
            "https://github.com/flannel-io/flannel/releases/download/v0.28.9/kube-flannel.yml"
        );
        assert!(cat().manifests.dashboard.contains("v2.7.0"));
    }

    #[test]
    fn minor_for_validates_format_and_patch() {
        assert_eq!(cat().minor_for("1.25.3").unwrap().version, "1.25");
        assert_eq!(cat().minor_for("1.25.0").unwrap().version, "1.25");
        assert_eq!(cat().minor_for("1.25.16").unwrap().version, "1.25");
        assert!(matches!(
            cat().minor_for("1.25.17"),
            Err(CatalogError::UnknownPatch { latest: 16, .. })
        ));
        assert!(matches!(
            cat().minor_for("1.24.0"),
            Err(CatalogError::UnknownMinor { .. })
        ));
        assert!(matches!(
            cat().minor_for("1.38.0"),
            Err(CatalogError::UnknownMinor { .. })
        ));
        for bad in [
            "1.25",
            "v1.25.3",
            "1.25.3 ",
            "1.25.03",
            "1.25.3-rc.1",
            "",
            "1..3",
            "1.25.x",
            "１.25.3",
        ] {
            assert!(
                matches!(cat().minor_for(bad), Err(CatalogError::Malformed { .. })),
                "{bad:?}"
            );
        }
        let e = cat().minor_for("v1.25.3").unwrap_err().to_string();
        assert!(e.contains("drop the leading `v`"), "{e}");
        let e = cat().minor_for("1.25").unwrap_err().to_string();
        assert!(e.contains("1.25.16"), "{e}");
        let e = cat().minor_for("1.38.0").unwrap_err().to_string();
        assert!(e.contains("1.25 to 1.37"), "{e}");
    }

    #[test]
    fn conntrack_module_by_kernel() {
        assert_eq!(
            cat().conntrack_module("3.10.0-1160.el7.x86_64"),
            "nf_conntrack_ipv4"
        );
        assert_eq!(cat().conntrack_module("5.15.0-91-generic"), "nf_conntrack");
        assert_eq!(cat().conntrack_module("4.19.0"), "nf_conntrack");
    }

    fn config(version: &str, cni: Cni, proxy: ProxyMode) -> ClusterConfig {
        ClusterConfig {
            cluster: ClusterSection {
                name: "demo".into(),
                kubernetes_version: version.into(),
                pod_cidr: "10.244.0.0/16".into(),
                service_cidr: "10.96.0.0/12".into(),
                cni,
                cni_version: None,
                cni_manifest: None,
                mirror: Mirror::Upstream,
                image_repository: None,
                proxy_mode: proxy,
                dashboard: false,
                dashboard_manifest: None,
                timezone: None,
                control_plane_endpoint: None,
            },
            ssh: SshSection::default(),
            nodes: vec![NodeConfig {
                name: "cp".into(),
                address: "192.0.2.10".into(),
                role: Role::ControlPlane,
                user: None,
                port: None,
                identity_file: None,
            }],
            timeouts: Default::default(),
            registry_mirrors: None,
        }
    }

    fn facts(id: &str, ver: &str, family: &str, kernel: &str, cgroup: u8) -> Facts {
        Facts {
            os_id: id.into(),
            os_version: ver.into(),
            os_family: family.into(),
            kernel: kernel.into(),
            cgroup_version: cgroup,
            cpus: 2,
            memory_mb: 2048,
            ..Facts::default()
        }
    }

    fn refusals(f: &[Finding]) -> Vec<&str> {
        f.iter()
            .filter(|f| f.severity == Severity::Refuse)
            .map(|f| f.message.as_str())
            .collect()
    }

    #[test]
    fn centos7_runs_the_seed_but_not_135() {
        let c7 = facts("centos", "7", "rhel", "3.10.0-1160.el7.x86_64", 1);
        let seed = config("1.25.3", Cni::Calico, ProxyMode::Ipvs);
        let f = node_compat(cat().minor("1.25").unwrap(), &seed, &c7);
        assert!(refusals(&f).is_empty(), "{f:?}");

        let new = config("1.35.0", Cni::Flannel, ProxyMode::Iptables);
        let f = node_compat(cat().minor("1.35").unwrap(), &new, &c7);
        let r = refusals(&f);
        assert!(r.iter().any(|m| m.contains("cgroup v2")), "{f:?}");
        assert!(r.iter().any(|m| m.contains("kernel 5.8")), "{f:?}");

        let newest = config("1.36.0", Cni::Flannel, ProxyMode::Iptables);
        let f = node_compat(cat().minor("1.36").unwrap(), &newest, &c7);
        assert!(
            refusals(&f).iter().any(|m| m.contains("containerd 2.x")),
            "{f:?}"
        );
    }

    #[test]
    fn modern_systems_pass_with_warnings_where_due() {
        let rocky9 = facts("rocky", "9.3", "rhel", "5.14.0-362.el9.x86_64", 2);
        let ubuntu = facts("ubuntu", "22.04", "debian", "5.15.0-91-generic", 2);
        for v in ["1.35.6", "1.36.0", "1.37.1"] {
            let minor = cat().minor_for(v).unwrap();
            for f in [&rocky9, &ubuntu] {
                let out = node_compat(minor, &config(v, Cni::Calico, ProxyMode::Iptables), f);
                assert!(out.is_empty(), "{v} {}: {out:?}", f.os_id);
            }
            let out = node_compat(minor, &config(v, Cni::Flannel, ProxyMode::Ipvs), &rocky9);
            assert!(refusals(&out).is_empty());
            assert!(out.iter().any(|f| f.message.contains("IPVS")), "{out:?}");
        }
        // Calico 3.30+ on an old kernel: a warning, not a refusal.
        let old_kernel = facts("rocky", "8.9", "rhel", "4.18.0-513.el8.x86_64", 2);
        let out = node_compat(
            cat().minor("1.34").unwrap(),
            &config("1.34.0", Cni::Calico, ProxyMode::Iptables),
            &old_kernel,
        );
        assert!(refusals(&out).is_empty(), "{out:?}");
        assert!(out.iter().any(|f| f.message.contains("5.10")), "{out:?}");
    }

    #[test]
    fn unknown_family_is_refused_and_resources_checked() {
        let f = facts("alpine", "3.19", "", "6.6.0", 2);
        let out = node_compat(
            cat().minor("1.30").unwrap(),
            &config("1.30.0", Cni::Calico, ProxyMode::Iptables),
            &f,
        );
        assert!(!refusals(&out).is_empty());
        let small = Facts {
            cpus: 1,
            memory_mb: 1024,
            ..Facts::default()
        };
        assert_eq!(cat().node_resources(Role::ControlPlane, &small).len(), 2);
        assert!(cat().node_resources(Role::Worker, &small).is_empty());
    }

    #[test]
    fn registry_mirrors_default_per_mirror_and_the_table_wins() {
        let mut c = config("1.25.3", Cni::Calico, ProxyMode::Iptables);
        assert!(cat().registry_mirrors(&c).is_empty(), "upstream: none");
        c.cluster.mirror = Mirror::Aliyun;
        let m = cat().registry_mirrors(&c);
        for r in ["docker.io", "quay.io", "ghcr.io", "registry.k8s.io"] {
            assert!(!m[r].is_empty(), "aliyun has a mirror for {r}");
        }
        for (r, urls) in m {
            crate::config::rules::registry_host(r).unwrap();
            for u in urls {
                crate::config::rules::mirror_url(u).unwrap();
            }
        }
        c.registry_mirrors = Some(BTreeMap::new());
        assert!(cat().registry_mirrors(&c).is_empty(), "an empty table wins");
        c.registry_mirrors = Some([("docker.io".into(), vec!["https://m.example".into()])].into());
        assert_eq!(cat().registry_mirrors(&c).len(), 1);
    }
}
