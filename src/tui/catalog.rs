//! The versions the wizard offers. Temporary table until `crate::catalog` (assets/catalog.toml)
//! lands; then `choices()` becomes a projection of the real catalog.

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
    let mut it = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    (it.next().unwrap_or(0), it.next().unwrap_or(0))
}

fn v(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// Newest first, as the list shows them.
pub fn choices() -> Vec<VersionChoice> {
    let rows: [(&str, bool, &[&str], &[&str]); 13] = [
        ("1.37.0", true, &["3.32.1"], &["0.28.9"]),
        ("1.36.2", true, &["3.32.1"], &["0.28.9"]),
        ("1.35.4", true, &["3.32.1"], &["0.28.9"]),
        ("1.34.6", false, &["3.32.1"], &["0.28.9"]),
        ("1.33.9", false, &["3.31.4"], &["0.28.9"]),
        ("1.32.12", false, &["3.31.4"], &["0.28.9"]),
        ("1.31.14", false, &["3.30.5"], &["0.28.9"]),
        ("1.30.14", false, &["3.29.6"], &["0.28.9"]),
        ("1.29.15", false, &["3.29.6"], &["0.28.9"]),
        ("1.28.2", false, &["3.26.5"], &["0.22.0"]),
        ("1.27.6", false, &["3.26.5"], &["0.22.0"]),
        ("1.26.9", false, &["3.26.5", "3.24.6"], &["0.22.0"]),
        ("1.25.3", false, &["3.24.6", "3.26.5"], &["0.22.0"]),
    ];
    rows.iter()
        .map(|(ver, sup, calico, flannel)| VersionChoice {
            version: ver.to_string(),
            supported: *sup,
            calico: v(calico),
            flannel: v(flannel),
        })
        .collect()
}

/// The default image repository for a mirror (what `image_repository` falls back to).
pub fn default_image_repository(mirror: crate::config::Mirror) -> &'static str {
    match mirror {
        crate::config::Mirror::Upstream => "registry.k8s.io",
        crate::config::Mirror::Aliyun => "registry.aliyuncs.com/google_containers",
    }
}
