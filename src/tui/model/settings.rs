//! The Network, Versions and Review screens' state.

use crate::config::{ClusterConfig, Cni, Mirror, ProxyMode};
use crate::plan::StepId;
use std::collections::BTreeMap;
use tui_input::Input;

pub const N_NAME: usize = 0;
pub const N_POD: usize = 1;
pub const N_SERVICE: usize = 2;
pub const N_CNI: usize = 3;
pub const N_PROXY: usize = 4;
pub const NETWORK_FIELDS: usize = 5;

#[derive(Debug, Clone)]
pub struct NetworkForm {
    pub name: Input,
    pub pod_cidr: Input,
    pub service_cidr: Input,
    pub cni: Cni,
    pub proxy: ProxyMode,
    pub focus: usize,
}

pub const V_VERSION: usize = 0;
pub const V_CNI_VERSION: usize = 1;
pub const V_CNI_MANIFEST: usize = 2;
pub const V_MIRROR: usize = 3;
pub const V_REGISTRY_MIRRORS: usize = 4;
pub const V_IMAGE_REPO: usize = 5;
pub const V_DASHBOARD: usize = 6;
pub const V_DASHBOARD_MANIFEST: usize = 7;
pub const VERSION_FIELDS: usize = 8;

#[derive(Debug, Clone)]
pub struct VersionsForm {
    /// Index into `Model::catalog`.
    pub version: usize,
    /// Index into the chosen version's CNI versions.
    pub cni_version: usize,
    pub mirror: Mirror,
    /// Empty = the mirror's default.
    pub image_repository: Input,
    pub dashboard: bool,
    /// Local copies of the manifests (empty = downloaded on the workstation).
    pub cni_manifest: Input,
    pub dashboard_manifest: Input,
    pub focus: usize,
    /// Rows the Checks box is scrolled down by (PgDn/PgUp).
    pub checks_scroll: usize,
    /// The version was chosen (in the list, or by the file that was read), not defaulted: it
    /// is never changed behind the user's back.
    pub chosen: bool,
    /// The Kubernetes patches the package repository carries, as a probed node reads its
    /// index, per (mirror, minor) asked.
    pub repos: Vec<RepoList>,
}

/// What a node read from the package repository's index for one minor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoList {
    pub mirror: Mirror,
    /// "1.25".
    pub minor: String,
    pub node: String,
    /// None while asked; the patches (oldest first), or why they could not be read.
    pub versions: Option<Result<Vec<String>, String>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptView {
    pub node: String,
    pub step: StepId,
    pub text: Result<String, String>,
    pub scroll: usize,
}

#[derive(Debug, Clone, Default)]
pub struct ReviewUi {
    /// Selected node in the per-node plan.
    pub node: usize,
    /// Selected step of that node.
    pub step: usize,
    pub script: Option<ScriptView>,
    /// Rows the settings box is scrolled down by (PgDn/PgUp).
    pub scroll: usize,
    /// `i` pressed: save, then start the install.
    pub install_after_save: bool,
    /// "Save and install?" asked.
    pub confirm_install: bool,
    /// What cluster.toml holds, as the wizard describes it (read or last saved).
    pub saved: Option<ClusterConfig>,
    /// Sent to be saved, waiting for `Msg::Saved`.
    pub saving: Option<ClusterConfig>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveState {
    /// Never saved (and not read from a file).
    New,
    /// The same as in cluster.toml.
    Saved,
    /// Changed since it was read or saved.
    Changed,
}

/// The registry panel of the Versions screen: `[registry_mirrors]` as it will be saved, and
/// the panel's state.
#[derive(Debug, Clone, Default)]
pub struct MirrorsUi {
    /// `[registry_mirrors]`: None = no table in cluster.toml (the `mirror`'s defaults apply);
    /// Some (even empty) = exactly this table.
    pub table: Option<BTreeMap<String, Vec<String>>>,
    /// The panel is shown (Enter on the Versions screen's "Registry mirrors" row).
    pub open: bool,
    /// Index of the selected registry in the panel's list (`update::mirrors::rows`).
    pub selected: usize,
    /// A registry's mirrors being edited (or a new registry being added).
    pub edit: Option<MirrorEdit>,
}

pub const M_REGISTRY: usize = 0;
pub const M_MIRRORS: usize = 1;

#[derive(Debug, Clone, Default)]
pub struct MirrorEdit {
    /// Adding a registry (its name is typed); else the registry's name is fixed.
    pub new: bool,
    pub registry: Input,
    /// Mirror URLs separated by spaces or commas, tried in this order.
    pub mirrors: Input,
    pub focus: usize,
}

impl MirrorEdit {
    /// The typed mirror URLs, in order.
    pub fn urls(&self) -> Vec<String> {
        split_urls(self.mirrors.value())
    }
}

/// "https://a, https://b" → ["https://a", "https://b"].
pub fn split_urls(s: &str) -> Vec<String> {
    s.split(|c: char| c.is_whitespace() || c == ',')
        .filter(|u| !u.is_empty())
        .map(str::to_string)
        .collect()
}
