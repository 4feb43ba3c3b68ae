//! containerd × Kubernetes: containerd's "Kubernetes Support" matrix (one row per minor), where an
//! OS gets containerd (its own package or Docker's containerd.io), and the tools kubeadm's
//! preflight looks up. Data in `assets/catalog.toml` (`[[containerd_matrix]]`, `[[os]]`,
//! `[[kubeadm_tool]]`), each row with its source.

use super::model::{Minor, OsInfo};
use serde::Deserialize;
use std::fmt;

/// A containerd version "X.Y.Z" (parsed leniently from package versions: "1.6.20~ds1-1+deb12u3",
/// "v2.3.4", "2.3.4-1.el9" all give their upstream numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CtdVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl CtdVersion {
    /// "1.6.20~ds1-1+deb12u3" → 1.6.20; "2.3" → 2.3.0; None when it does not start with numbers.
    pub fn parse(s: &str) -> Option<CtdVersion> {
        let s = s.trim();
        let s = s.rsplit_once(':').map_or(s, |(_, v)| v);
        let s = s.strip_prefix('v').unwrap_or(s);
        let end = s
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(s.len());
        let mut it = s[..end].split('.').filter(|p| !p.is_empty());
        let major = it.next()?.parse().ok()?;
        let minor = it.next()?.parse().ok()?;
        let patch = it.next().map_or(Some(0), |p| p.parse().ok())?;
        Some(CtdVersion {
            major,
            minor,
            patch,
        })
    }

    /// The branch (major, minor).
    pub fn branch(&self) -> (u32, u32) {
        (self.major, self.minor)
    }
}

impl fmt::Display for CtdVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// One row of containerd's RELEASES.md "Kubernetes Support" table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContainerdRow {
    /// "1.36".
    pub kubernetes: String,
    /// The minimum of every listed branch, newest branch first: ["2.3.0", "2.2.0"].
    pub containerd: Vec<String>,
    /// false: containerd's table has no row for this minor yet (kubewiz uses the newest row).
    #[serde(default = "listed_default")]
    pub listed: bool,
    /// Where the row comes from (repository path @ commit).
    pub source: String,
}

fn listed_default() -> bool {
    true
}

/// How a row judges one containerd version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CtdFit {
    /// In a listed branch, at or above its minimum.
    Listed,
    /// In a branch newer than every listed one (not tested by containerd for this minor yet).
    Newer,
    /// In a listed branch but below its minimum (the minimum is given).
    BelowMinimum(CtdVersion),
    /// In a branch older than the listed ones, or between them and not listed.
    Unlisted,
}

impl CtdFit {
    /// Kept on a node (listed or newer) rather than replaced.
    pub fn accepted(self) -> bool {
        matches!(self, CtdFit::Listed | CtdFit::Newer)
    }
}

impl ContainerdRow {
    /// The listed minimums, newest branch first.
    pub fn minimums(&self) -> Vec<CtdVersion> {
        let mut v: Vec<CtdVersion> = self
            .containerd
            .iter()
            .filter_map(|s| CtdVersion::parse(s))
            .collect();
        v.sort_by(|a, b| b.cmp(a));
        v
    }

    pub fn fit(&self, v: CtdVersion) -> CtdFit {
        let mins = self.minimums();
        if let Some(m) = mins.iter().find(|m| m.branch() == v.branch()) {
            return if v >= *m {
                CtdFit::Listed
            } else {
                CtdFit::BelowMinimum(*m)
            };
        }
        match mins.first() {
            Some(newest) if v.branch() > newest.branch() => CtdFit::Newer,
            _ => CtdFit::Unlisted,
        }
    }

    /// "2.3.0+ or 2.2.0+".
    pub fn describe(&self) -> String {
        let parts: Vec<String> = self.minimums().iter().map(|m| format!("{m}+")).collect();
        match parts.len() {
            0 => "nothing".into(),
            1 => parts[0].clone(),
            n => format!("{} or {}", parts[..n - 1].join(", "), parts[n - 1]),
        }
    }

    /// The script's input: "2.3.0 2.2.0".
    pub fn accept_env(&self) -> String {
        self.minimums()
            .iter()
            .map(|m| m.to_string())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Where a node of some OS gets a containerd the matrix accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CtdSource {
    /// The distribution's own package (its version).
    Distro(CtdVersion),
    /// Docker's containerd.io: the branch kubewiz will pick (the newest listed one Docker has).
    Docker(CtdVersion),
}

impl fmt::Display for CtdSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CtdSource::Distro(v) => write!(f, "the distribution's containerd {v}"),
            CtdSource::Docker(v) => write!(f, "Docker's containerd.io {}.{}.x", v.major, v.minor),
        }
    }
}

impl OsInfo {
    /// The containerd source for this OS under `row` (what the `containerd` step will do, judged
    /// from the catalog): the distribution's package when the row lists it, else the newest
    /// Docker branch the row lists, else a newer Docker branch; None: nothing fits.
    pub fn containerd_source(&self, row: &ContainerdRow) -> Option<CtdSource> {
        if let Some(v) = self
            .distro_containerd
            .as_deref()
            .and_then(CtdVersion::parse)
            && row.fit(v) == CtdFit::Listed
        {
            return Some(CtdSource::Distro(v));
        }
        // A docker entry "2.3" stands for the branch's releases: its newest patch.
        let docker: Vec<CtdVersion> = self
            .docker_containerd
            .iter()
            .filter_map(|s| {
                let v = CtdVersion::parse(s)?;
                Some(if s.matches('.').count() == 1 {
                    CtdVersion {
                        patch: u32::MAX,
                        ..v
                    }
                } else {
                    v
                })
            })
            .collect();
        let best = |want: CtdFit| {
            docker
                .iter()
                .filter(|v| row.fit(**v) == want)
                .max()
                .copied()
        };
        best(CtdFit::Listed)
            .or_else(|| best(CtdFit::Newer))
            .map(|v| CtdSource::Docker(CtdVersion { patch: 0, ..v }))
    }

    /// What this OS can get, in words ("its own containerd is 1.6.20; Docker's containerd.io for
    /// it: 1.7, 2.2, 2.3").
    pub fn containerd_offer(&self) -> String {
        let docker = if self.docker_containerd.is_empty() {
            "none".to_string()
        } else {
            self.docker_containerd.join(", ")
        };
        match &self.distro_containerd {
            Some(d) => {
                format!("its own containerd is {d}; Docker's containerd.io for it: {docker}")
            }
            None => format!("Docker's containerd.io for it: {docker}"),
        }
    }
}

/// A binary kubeadm's preflight looks up in PATH, and the package that has it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KubeadmTool {
    pub tool: String,
    /// The Debian/Ubuntu package.
    pub deb: String,
    /// The path yum/dnf install by ("dnf install /usr/sbin/conntrack").
    pub rpm: String,
    /// A missing tool is an [ERROR FileExisting-<tool>] (else a warning).
    pub mandatory: bool,
    /// The last minor whose kubeadm checks it (None: every minor).
    #[serde(default)]
    pub until: Option<String>,
}

impl KubeadmTool {
    pub fn checked_by(&self, minor: &Minor) -> bool {
        self.until
            .as_deref()
            .and_then(super::parse_minor)
            .is_none_or(|u| minor.number() <= u)
    }
}
