//! The version catalog: every version rule is a lookup in `assets/catalog.toml`.
//!
//! The table is embedded with `include_str!`, parsed once ([`Catalog::builtin`]) and checked
//! for its own consistency by the unit tests (`tests.rs`). Nothing here does I/O.
//!
//! - this file: the [`Catalog`] and its lookups;
//! - `model`: the entries (limits, manifests, mirrors, CNI releases, OSes, one per minor);
//! - `version`: the version parsers ([`KubeVersion`], [`parse_minor`]) and [`CatalogError`].
//!
//! What a node's facts mean for the chosen versions is `engine::compat` (preflight).
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

mod containerd;
mod model;
mod shipped;
mod version;

pub use containerd::{ContainerdRow, CtdFit, CtdSource, CtdVersion, KubeadmTool};
pub use model::*;
pub use shipped::{ManifestSource, registry_of, sha256_hex};
pub use version::{CatalogError, KubeVersion, parse_minor};

use crate::vocab::{Cni, Mirror};
use std::sync::OnceLock;

const BUILTIN: &str = include_str!("../../assets/catalog.toml");

/// The whole catalog (see `assets/catalog.toml` for the meaning of every field).
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    pub limits: Limits,
    pub manifests: Manifests,
    mirror: MirrorTable,
    #[serde(rename = "cni_release")]
    cni_releases: Vec<CniRelease>,
    #[serde(rename = "os")]
    oses: Vec<OsInfo>,
    containerd_matrix: Vec<ContainerdRow>,
    #[serde(rename = "kubeadm_tool")]
    kubeadm_tools: Vec<KubeadmTool>,
    #[serde(rename = "minor")]
    minors: Vec<Minor>,
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
    pub fn parse(text: &str) -> Result<Catalog, toml::de::Error> {
        toml::from_str(text)
    }

    /// All minors, oldest first.
    pub fn minors(&self) -> &[Minor] {
        &self.minors
    }

    /// The entry for "1.XX", if known.
    pub fn minor(&self, minor: &str) -> Option<&Minor> {
        self.minors.iter().find(|m| m.version == minor)
    }

    /// The minor of an exact version "X.Y.Z", checking the format and that kubewiz knows the
    /// minor. Any patch is accepted: the repositories publish new ones monthly (see
    /// [`Catalog::newer_than_known`] for the warning; the `packages` step names what the node's
    /// repository really carries).
    pub fn minor_for(&self, version: &str) -> Result<&Minor, CatalogError> {
        self.resolve(version).map(|(_, m)| m)
    }

    /// An exact version "X.Y.Z", parsed once, and its minor's entry (see [`Catalog::minor_for`]).
    pub fn resolve(&self, version: &str) -> Result<(KubeVersion, &Minor), CatalogError> {
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
        Ok((v, m))
    }

    /// For a version whose patch is newer than the newest the catalog knows: that newest one
    /// (e.g. "1.35.9" → Some("1.35.8")). Not an error: kubewiz's catalog is older than the
    /// repositories.
    pub fn newer_than_known(&self, version: &str) -> Option<String> {
        let v = KubeVersion::parse(version).ok()?;
        let m = self.minor(&v.minor_str())?;
        (v.patch > m.latest_patch).then(|| format!("{}.{}", m.version, m.latest_patch))
    }

    pub fn mirror(&self, mirror: Mirror) -> &MirrorInfo {
        match mirror {
            Mirror::Upstream => &self.mirror.upstream,
            Mirror::Aliyun => &self.mirror.aliyun,
        }
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

    /// containerd's matrix row for `minor` (a minor containerd has no row for yet gets the newest
    /// row, marked `listed = false` in the table).
    pub fn containerd_row(&self, minor: &Minor) -> &ContainerdRow {
        self.containerd_matrix
            .iter()
            .find(|r| r.kubernetes == minor.version)
            .or_else(|| self.containerd_matrix.last())
            .expect("assets/catalog.toml has a [[containerd_matrix]] (the unit tests check one per minor)")
    }

    /// The tools kubeadm `minor`'s preflight looks up in PATH.
    pub fn kubeadm_tools(&self, minor: &Minor) -> impl Iterator<Item = &KubeadmTool> {
        self.kubeadm_tools
            .iter()
            .filter(move |t| t.checked_by(minor))
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
}

#[cfg(test)]
mod tests;
