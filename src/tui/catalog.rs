//! The versions the wizard offers: a projection of `crate::catalog` (assets/catalog.toml).

use crate::config::Cni;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionChoice {
    pub version: String,
    /// A branch upstream still supports today.
    pub supported: bool,
    /// Allowed CNI versions, the default first.
    pub calico: Vec<String>,
    pub flannel: Vec<String>,
}

impl VersionChoice {
    pub fn cni_versions(&self, cni: Cni) -> &[String] {
        match cni {
            Cni::Calico => &self.calico,
            Cni::Flannel => &self.flannel,
        }
    }

    /// (major, minor), e.g. "1.25.3" → (1, 25).
    pub fn minor(&self) -> (u32, u32) {
        minor_of(&self.version)
    }
}

pub fn minor_of(version: &str) -> (u32, u32) {
    crate::catalog::parse_minor(version).unwrap_or((0, 0))
}

fn cni_list(v: &crate::catalog::CniVersions) -> Vec<String> {
    let mut out = vec![v.default.clone()];
    for a in v.allowed.iter().rev() {
        if !out.contains(a) {
            out.push(a.clone());
        }
    }
    out
}

/// The seed guide's version: offered next to the newest 1.25 patch.
pub const SEED_VERSION: &str = "1.25.3";

/// Newest first, as the list shows them: the latest patch of every minor in the catalog
/// (assets/catalog.toml), plus the seed guide's 1.25.3.
pub fn choices() -> Vec<VersionChoice> {
    let cat = crate::catalog::Catalog::builtin();
    let mut out = Vec::new();
    for m in cat.minors().iter().rev() {
        let mut row = VersionChoice {
            version: format!("{}.{}", m.version, m.latest_patch),
            supported: m.supported_upstream,
            calico: cni_list(&m.calico),
            flannel: cni_list(&m.flannel),
        };
        out.push(row.clone());
        if SEED_VERSION.starts_with(&format!("{}.", m.version)) && row.version != SEED_VERSION {
            row.version = SEED_VERSION.to_string();
            out.push(row);
        }
    }
    out
}

/// The default image repository for a mirror (what `image_repository` falls back to).
pub fn default_image_repository(mirror: crate::config::Mirror) -> &'static str {
    &crate::catalog::Catalog::builtin()
        .mirror(mirror)
        .image_repository
}
