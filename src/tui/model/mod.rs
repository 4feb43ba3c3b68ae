//! The wizard's whole state. Plain data: no terminal, no channels, no clocks (time arrives
//! as `Msg::Tick`), so `update` and the views are testable with synthetic messages.
//! One file per screen's part (`welcome`, `nodes`, `settings`: network/versions/review,
//! `install`: install/join/done); everything is re-exported here.

use super::catalog::{self, VersionChoice};
use super::theme::Theme;
use crate::config::{
    ClusterConfig, ClusterSection, Cni, Mirror, NodeConfig, ProxyMode, SshSection,
};
use crate::engine::journal::ClusterStamp;
use crate::plan::StepId;
use std::path::PathBuf;
use tui_input::Input;

mod install;
mod nodes;
mod settings;
mod upgrade;
mod welcome;

pub use install::*;
pub use nodes::*;
pub use settings::*;
pub use upgrade::*;
pub use welcome::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Welcome,
    Nodes,
    Network,
    Versions,
    Review,
    Install,
    Join,
    Done,
    /// Day 2: the version to reach and the path (from Welcome, for an installed cluster).
    Upgrade,
}

impl Screen {
    pub fn title(self) -> &'static str {
        match self {
            Screen::Welcome => "Welcome",
            Screen::Nodes => "Nodes",
            Screen::Network => "Network",
            Screen::Versions => "Versions & mirrors",
            Screen::Review => "Review",
            Screen::Install => "Install",
            Screen::Join => "Join progress",
            Screen::Done => "Done",
            Screen::Upgrade => "Upgrade",
        }
    }

    /// The screen Esc goes back to (None: nowhere to go, e.g. during the install).
    pub fn back(self) -> Option<Screen> {
        match self {
            Screen::Welcome => None,
            Screen::Nodes => Some(Screen::Welcome),
            Screen::Network => Some(Screen::Nodes),
            Screen::Versions => Some(Screen::Network),
            Screen::Review => Some(Screen::Versions),
            Screen::Install | Screen::Done => None,
            Screen::Join => Some(Screen::Install),
            Screen::Upgrade => Some(Screen::Welcome),
        }
    }

    /// Position in the setup wizard (1..=5), shown as "2/5".
    pub fn wizard_step(self) -> Option<usize> {
        match self {
            Screen::Welcome => Some(1),
            Screen::Nodes => Some(2),
            Screen::Network => Some(3),
            Screen::Versions => Some(4),
            Screen::Review => Some(5),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlay {
    Help,
    ConfirmQuit,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExitRequest {
    pub code: u8,
    /// Printed after the terminal is restored.
    pub message: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusKind {
    Info,
    Ok,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub kind: StatusKind,
    pub text: String,
}

/// What `.kubewiz/state.json` says about an earlier, unfinished install.
#[derive(Debug, Clone)]
pub struct Model {
    pub screen: Screen,
    pub theme: Theme,
    /// Where cluster.toml is read from and saved to.
    pub config_path: PathBuf,
    /// The cluster section as loaded (keeps fields the wizard does not edit, e.g. timezone).
    pub base: ClusterSection,
    pub ssh: SshSection,
    pub nodes: Vec<NodeEntry>,
    pub catalog: Vec<VersionChoice>,
    pub welcome: Welcome,
    pub nodes_ui: NodesUi,
    pub network: NetworkForm,
    pub versions: VersionsForm,
    pub mirrors: MirrorsUi,
    /// `[timeouts]` as read (not edited here; carried to the saved file and the install).
    pub timeouts: std::collections::BTreeMap<String, u64>,
    pub review: ReviewUi,
    pub install: InstallState,
    pub upgrade: UpgradeUi,
    pub overlay: Option<Overlay>,
    pub status: Option<Status>,
    /// Set when the wizard should end; the runtime restores the terminal and prints it.
    pub exit: Option<ExitRequest>,
    /// Terminal size (columns, rows), from `Msg::Resize`.
    pub size: (u16, u16),
    /// What `kubeadm init` fixed, from the journal (None before init): changing it is refused.
    pub initialised: Option<ClusterStamp>,
    /// The last config checked and `kubewiz check`'s problems with it (see `validate`).
    pub checked: std::cell::RefCell<Option<(ClusterConfig, Vec<crate::config::Problem>)>>,
}

impl Model {
    pub fn new(config_path: PathBuf) -> Model {
        let catalog = catalog::choices();
        let base = ClusterSection {
            name: "kubernetes".into(),
            kubernetes_version: catalog
                .iter()
                .find(|c| c.supported)
                .map(|c| c.version.clone())
                .unwrap_or_default(),
            pod_cidr: "10.244.0.0/16".into(),
            service_cidr: "10.96.0.0/12".into(),
            cni: Cni::Calico,
            cni_version: None,
            cni_manifest: None,
            mirror: Mirror::Upstream,
            image_repository: None,
            proxy_mode: ProxyMode::Iptables,
            dashboard: false,
            dashboard_manifest: None,
            timezone: None,
            control_plane_endpoint: None,
        };
        let mut m = Model {
            screen: Screen::Welcome,
            theme: Theme::default(),
            config_path,
            base: base.clone(),
            ssh: SshSection::default(),
            nodes: Vec::new(),
            catalog,
            welcome: Welcome::default(),
            nodes_ui: NodesUi::default(),
            network: NetworkForm {
                name: Input::default(),
                pod_cidr: Input::default(),
                service_cidr: Input::default(),
                cni: Cni::Calico,
                proxy: ProxyMode::Iptables,
                focus: 0,
            },
            versions: VersionsForm {
                version: 0,
                cni_version: 0,
                mirror: Mirror::Upstream,
                image_repository: Input::default(),
                dashboard: false,
                cni_manifest: Input::default(),
                dashboard_manifest: Input::default(),
                focus: 0,
                checks_scroll: 0,
                chosen: false,
                repos: Vec::new(),
            },
            mirrors: MirrorsUi::default(),
            timeouts: Default::default(),
            review: ReviewUi::default(),
            install: InstallState::default(),
            upgrade: UpgradeUi::default(),
            overlay: None,
            status: None,
            exit: None,
            size: (80, 24),
            initialised: None,
            checked: Default::default(),
        };
        m.set_cluster(&base);
        m
    }

    /// Fills the forms from a loaded cluster.toml.
    pub fn load(&mut self, cfg: &ClusterConfig) {
        self.set_cluster(&cfg.cluster);
        self.versions.chosen = true;
        self.ssh = cfg.ssh.clone();
        self.nodes = cfg.nodes.iter().cloned().map(NodeEntry::new).collect();
        self.nodes_ui = NodesUi::default();
        self.mirrors = MirrorsUi {
            table: cfg.registry_mirrors.clone(),
            ..MirrorsUi::default()
        };
        self.timeouts = cfg.timeouts.clone();
    }

    fn set_cluster(&mut self, c: &ClusterSection) {
        self.base = c.clone();
        self.network.name = c.name.clone().into();
        self.network.pod_cidr = c.pod_cidr.clone().into();
        self.network.service_cidr = c.service_cidr.clone().into();
        self.network.cni = c.cni;
        self.network.proxy = c.proxy_mode;
        let idx = match self
            .catalog
            .iter()
            .position(|v| v.version == c.kubernetes_version)
        {
            Some(i) => i,
            None => {
                // A version the (wizard's) catalog does not list: keep it selectable.
                let minor = catalog::minor_of(&c.kubernetes_version);
                let template = self.catalog.iter().find(|v| v.minor() == minor).cloned();
                let mut choice = template.unwrap_or_else(|| VersionChoice {
                    version: String::new(),
                    supported: false,
                    calico: vec![],
                    flannel: vec![],
                });
                choice.version = c.kubernetes_version.clone();
                self.catalog.push(choice);
                self.catalog.len() - 1
            }
        };
        self.versions.version = idx;
        self.versions.cni_version = c
            .cni_version
            .as_ref()
            .and_then(|cv| {
                self.catalog[idx]
                    .cni_versions(c.cni)
                    .iter()
                    .position(|x| x == cv)
            })
            .unwrap_or(0);
        self.versions.mirror = c.mirror;
        self.versions.image_repository = c.image_repository.clone().unwrap_or_default().into();
        self.versions.dashboard = c.dashboard;
        let path_text = |p: &Option<PathBuf>| {
            p.as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        };
        self.versions.cni_manifest = path_text(&c.cni_manifest).into();
        self.versions.dashboard_manifest = path_text(&c.dashboard_manifest).into();
    }

    pub fn version(&self) -> &VersionChoice {
        &self.catalog[self.versions.version.min(self.catalog.len() - 1)]
    }

    /// The chosen CNI version (the catalog's default when the list is empty).
    pub fn cni_version(&self) -> Option<String> {
        let list = self.version().cni_versions(self.network.cni);
        list.get(self.versions.cni_version.min(list.len().saturating_sub(1)))
            .cloned()
    }

    /// (name, address) of every node, for the network checks.
    pub fn node_addresses(&self) -> Vec<(String, String)> {
        self.nodes
            .iter()
            .map(|n| (n.config.name.clone(), n.config.address.clone()))
            .collect()
    }

    /// The cluster.toml the wizard describes right now.
    pub fn to_config(&self) -> ClusterConfig {
        let mut c = self.base.clone();
        c.name = self.network.name.value().trim().to_string();
        c.pod_cidr = self.network.pod_cidr.value().trim().to_string();
        c.service_cidr = self.network.service_cidr.value().trim().to_string();
        c.cni = self.network.cni;
        c.proxy_mode = self.network.proxy;
        c.kubernetes_version = self.version().version.clone();
        // Only pin the CNI version when it is not the catalog's default.
        c.cni_version = match (self.versions.cni_version, self.cni_version()) {
            (0, _) => None,
            (_, v) => v,
        };
        c.mirror = self.versions.mirror;
        let repo = self.versions.image_repository.value().trim();
        c.image_repository = (!repo.is_empty()).then(|| repo.to_string());
        c.dashboard = self.versions.dashboard;
        let path = |i: &Input| {
            let s = i.value().trim();
            (!s.is_empty()).then(|| PathBuf::from(s))
        };
        c.cni_manifest = path(&self.versions.cni_manifest);
        c.dashboard_manifest = path(&self.versions.dashboard_manifest);
        ClusterConfig {
            cluster: c,
            ssh: self.ssh.clone(),
            nodes: self.nodes.iter().map(|n| n.config.clone()).collect(),
            // Not edited in the wizard: the file's own, for the checks, the plan and the save.
            timeouts: self.timeouts.clone(),
            // Edited in the Versions screen's registry panel; None = the mirror's defaults.
            registry_mirrors: self.mirrors.table.clone(),
        }
    }

    /// Whether the settings on screen are what cluster.toml holds.
    pub fn save_state(&self) -> SaveState {
        match &self.review.saved {
            None => SaveState::New,
            Some(c) if *c == self.to_config() => SaveState::Saved,
            Some(_) => SaveState::Changed,
        }
    }

    /// The effective SSH user of a node.
    pub fn user_of<'a>(&'a self, n: &'a NodeConfig) -> &'a str {
        n.user.as_deref().unwrap_or(&self.ssh.user)
    }

    pub fn port_of(&self, n: &NodeConfig) -> u16 {
        n.port.unwrap_or(self.ssh.port)
    }

    /// The state directory next to cluster.toml.
    pub fn state_dir(&self) -> PathBuf {
        self.config_path
            .parent()
            .map(|p| p.join(".kubewiz"))
            .unwrap_or_else(|| PathBuf::from(".kubewiz"))
    }
}

/// The steps of a node in plan order: from the real plan when the config is complete enough
/// to build one, else [`steps_for`].
pub fn plan_steps(cfg: &ClusterConfig, node: &NodeConfig) -> Vec<StepId> {
    match crate::plan::build(cfg, crate::catalog::Catalog::builtin()) {
        Ok(plan) => plan
            .for_node(&node.name)
            .into_iter()
            .map(|(_, t)| t.step)
            .collect(),
        Err(_) => steps_for(cfg, node),
    }
}

/// The steps of a node in order when no plan can be built: the step table's own answer
/// (`plan::steps_for`), which needs no catalog.
pub fn steps_for(cfg: &ClusterConfig, node: &NodeConfig) -> Vec<StepId> {
    crate::plan::steps_for(cfg, node)
}
