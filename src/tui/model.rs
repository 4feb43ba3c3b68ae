//! The wizard's whole state. Plain data: no terminal, no channels, no clocks (time arrives
//! as `Msg::Tick`), so `update` and the views are testable with synthetic messages.

use super::catalog::{self, VersionChoice};
use super::form::SecretInput;
use super::logbuf::LogPane;
use super::theme::Theme;
use crate::config::{
    ClusterConfig, ClusterSection, Cni, Mirror, NodeConfig, ProxyMode, Role, SshSection,
};
use crate::engine::journal::ClusterStamp;
use crate::engine::{ClusterNodeState, Failure, Summary};
use crate::facts::Facts;
use crate::plan::StepId;
use std::path::PathBuf;
use std::time::Duration;
use tui_input::Input;

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
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResumeInfo {
    pub done: usize,
    pub total: usize,
    /// (node, step, first line of the error)
    pub failed: Vec<(String, StepId, String)>,
    /// Steps found running when the last run stopped (re-checked before re-applying).
    pub interrupted: Vec<(String, StepId)>,
    /// What runs next, in order (a few).
    pub next: Vec<(String, StepId)>,
}

/// What the journal next to cluster.toml says, read with the file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JournalInfo {
    /// An unfinished install (the Resume card).
    pub resume: Option<ResumeInfo>,
    /// What `kubeadm init` fixed (None before init): changing it is refused, with why.
    pub initialised: Option<ClusterStamp>,
    /// Every step of the plan is done.
    pub installed: bool,
    /// Steps recorded done, and in the plan.
    pub done: usize,
    pub total: usize,
    /// When the last step finished (seconds since the epoch).
    pub last_finished: Option<i64>,
    /// Time spent installing over all runs (the union of the steps' run times).
    pub busy: Duration,
}

/// What Welcome offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// Continue an unfinished install.
    Resume,
    /// Change the settings of the cluster.toml that was read.
    Edit,
    New,
    Open,
}

#[derive(Debug, Clone, Default)]
pub struct Welcome {
    /// Index into [`Welcome::choices`].
    pub selected: usize,
    /// The path prompt of "open cluster.toml".
    pub open: Option<Input>,
    pub resume: Option<ResumeInfo>,
    /// The journal of the cluster.toml that was read.
    pub journal: Option<JournalInfo>,
    pub error: Option<String>,
    /// The forms hold a cluster.toml that was read (New starts over from defaults).
    pub loaded: bool,
    /// cluster.toml exists at `Model::config_path` (set by the runtime).
    pub file_exists: bool,
}

impl Welcome {
    /// Resume (when unfinished), Edit (when a file was read), New, Open.
    pub fn choices(&self) -> Vec<Choice> {
        let mut c = Vec::new();
        if self.resume.is_some() {
            c.push(Choice::Resume);
        }
        if self.loaded {
            c.push(Choice::Edit);
        }
        c.extend([Choice::New, Choice::Open]);
        c
    }

    pub fn chosen(&self) -> Choice {
        let c = self.choices();
        c[self.selected.min(c.len() - 1)]
    }

    pub fn select(&mut self, choice: Choice) {
        if let Some(i) = self.choices().iter().position(|c| *c == choice) {
            self.selected = i;
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeState {
    Untested,
    Testing,
    Ok,
    /// The host key is not in known_hosts: ask before trusting it.
    UnknownHostKey {
        fingerprints: Vec<String>,
        /// The known_hosts lines to append when trusted.
        lines: Vec<String>,
    },
    /// The host key differs from known_hosts: refused until the user replaces the recorded key
    /// (asked with both fingerprints) or fixes known_hosts.
    ChangedHostKey(Box<ChangedKey>),
    /// Key authentication failed: offer the one-time password bootstrap.
    AuthFailed(String),
    Bootstrapping,
    Failed(String),
}

/// A host key that differs from the one recorded in known_hosts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChangedKey {
    /// "ssh-ed25519 SHA256:..." of each key known_hosts has for the node.
    pub recorded: Vec<String>,
    /// "ssh-ed25519 SHA256:..." of each key the node offers now.
    pub offered: Vec<String>,
    /// The known_hosts lines of the offered keys (recorded when the user replaces the key;
    /// empty when only ssh reported the change).
    pub lines: Vec<String>,
    /// The whole command that forgets the recorded keys, e.g.
    /// `ssh-keygen -R [192.0.2.10]:2222 -f /home/me/.ssh/known_hosts`.
    pub command: String,
}

#[derive(Debug, Clone)]
pub struct NodeEntry {
    pub config: NodeConfig,
    pub probe: ProbeState,
    pub facts: Option<Facts>,
}

impl NodeEntry {
    pub fn new(config: NodeConfig) -> NodeEntry {
        NodeEntry {
            config,
            probe: ProbeState::Untested,
            facts: None,
        }
    }
}

pub const F_NAME: usize = 0;
pub const F_ADDRESS: usize = 1;
pub const F_PORT: usize = 2;
pub const F_USER: usize = 3;
pub const F_ROLE: usize = 4;
pub const F_IDENTITY: usize = 5;
pub const NODE_FIELDS: usize = 6;

#[derive(Debug, Clone)]
pub struct NodeForm {
    /// Index of the node being edited; None = adding.
    pub editing: Option<usize>,
    pub name: Input,
    pub address: Input,
    pub port: Input,
    pub user: Input,
    pub role: Role,
    pub identity: Input,
    pub focus: usize,
    /// Enter was pressed once: show errors of empty fields too.
    pub submitted: bool,
}

impl NodeForm {
    pub fn new(role: Role) -> NodeForm {
        NodeForm {
            editing: None,
            name: Input::default(),
            address: Input::default(),
            port: Input::default(),
            user: Input::default(),
            role,
            identity: Input::default(),
            focus: F_NAME,
            submitted: false,
        }
    }

    pub fn edit(index: usize, n: &NodeConfig) -> NodeForm {
        NodeForm {
            editing: Some(index),
            name: n.name.clone().into(),
            address: n.address.clone().into(),
            port: n.port.map(|p| p.to_string()).unwrap_or_default().into(),
            user: n.user.clone().unwrap_or_default().into(),
            role: n.role,
            identity: n
                .identity_file
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
                .into(),
            focus: F_NAME,
            submitted: false,
        }
    }

    pub fn input_mut(&mut self, field: usize) -> Option<&mut Input> {
        match field {
            F_NAME => Some(&mut self.name),
            F_ADDRESS => Some(&mut self.address),
            F_PORT => Some(&mut self.port),
            F_USER => Some(&mut self.user),
            F_IDENTITY => Some(&mut self.identity),
            _ => None,
        }
    }

    pub fn input(&self, field: usize) -> Option<&Input> {
        match field {
            F_NAME => Some(&self.name),
            F_ADDRESS => Some(&self.address),
            F_PORT => Some(&self.port),
            F_USER => Some(&self.user),
            F_IDENTITY => Some(&self.identity),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub enum NodesPrompt {
    TrustKey {
        node: usize,
    },
    /// "Replace the recorded host key?" (a changed key, after the user asked for it).
    ReplaceKey {
        node: usize,
    },
    Password {
        node: usize,
        input: SecretInput,
    },
    ConfirmRemove {
        node: usize,
    },
}

#[derive(Debug, Clone, Default)]
pub struct NodesUi {
    pub selected: usize,
    pub form: Option<NodeForm>,
    pub prompt: Option<NodesPrompt>,
    pub error: Option<String>,
}

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
pub const V_IMAGE_REPO: usize = 4;
pub const V_DASHBOARD: usize = 5;
pub const V_DASHBOARD_MANIFEST: usize = 6;
pub const VERSION_FIELDS: usize = 7;

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunState {
    Pending,
    Running,
    Done,
    Failed,
    Blocked,
}

#[derive(Debug, Clone)]
pub struct NodeProgress {
    pub name: String,
    pub address: String,
    pub role: Role,
    pub steps: Vec<StepId>,
    pub done: usize,
    /// The step started last (the failed one after a failure).
    pub current: Option<StepId>,
    /// Steps running now, in start order (a node runs up to 4 at once).
    pub running: Vec<StepId>,
    pub state: RunState,
    pub started_at: Option<Duration>,
    pub finished_at: Option<Duration>,
    pub failure: Option<(StepId, Failure)>,
    /// Steps that cannot run this time, each with what failed ("init on k8s-master").
    pub blocked: Vec<(StepId, String)>,
    pub log: LogPane,
    pub cluster: Option<ClusterNodeState>,
}

impl NodeProgress {
    /// One line for all blocked steps, grouped by what failed: "join, ready wait for init on
    /// k8s-master, which failed".
    pub fn blocked_summary(&self) -> Option<String> {
        let mut by: Vec<(&str, Vec<&str>)> = Vec::new();
        for (step, what) in &self.blocked {
            match by.iter_mut().find(|(w, _)| *w == what.as_str()) {
                Some((_, steps)) => steps.push(step.name()),
                None => by.push((what.as_str(), vec![step.name()])),
            }
        }
        let parts: Vec<String> = by
            .into_iter()
            .map(|(what, steps)| {
                let verb = if steps.len() == 1 { "waits" } else { "wait" };
                format!("{} {verb} for {what}, which failed", steps.join(", "))
            })
            .collect();
        (!parts.is_empty()).then(|| parts.join("; "))
    }

    pub fn new(name: String, address: String, role: Role, steps: Vec<StepId>) -> NodeProgress {
        NodeProgress {
            name,
            address,
            role,
            steps,
            done: 0,
            current: None,
            running: Vec::new(),
            state: RunState::Pending,
            started_at: None,
            finished_at: None,
            failure: None,
            blocked: Vec::new(),
            log: LogPane::default(),
            cluster: None,
        }
    }

    pub fn elapsed(&self, now: Duration) -> Duration {
        match (self.started_at, self.finished_at) {
            (Some(s), Some(f)) => f.saturating_sub(s),
            (Some(s), None) => now.saturating_sub(s),
            _ => Duration::ZERO,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct InstallState {
    /// The engine was asked to start.
    pub started: bool,
    pub nodes: Vec<NodeProgress>,
    pub selected: usize,
    pub zoom: bool,
    /// Run-wide warnings (node-specific ones also go to the node's pane).
    pub warnings: Vec<String>,
    pub summary: Option<Summary>,
    /// `q` confirmed or `p`: Stop sent, waiting for RunFinished.
    pub stopping: bool,
    /// Quit confirmed again while stopping: Abort sent (running steps are killed and
    /// recorded as interrupted).
    pub aborting: bool,
    /// `q` pressed: Pause sent, nothing new starts while "Stop the install?" is open; "no"
    /// sends Resume.
    pub paused: bool,
    /// Time since the install screen opened (from `Msg::Tick`).
    pub clock: Duration,
    /// The join panel was shown automatically once.
    pub join_shown: bool,
    /// The engine could not start.
    pub error: Option<String>,
    /// The pod network's pods, as the control plane last reported them.
    pub cni_pods: Option<crate::engine::CniPods>,
    /// Time earlier runs of this install spent (from the journal as this run started).
    pub earlier_time: Option<Duration>,
    /// Rows the Done screen's Next box is scrolled down by.
    pub done_scroll: usize,
}

impl InstallState {
    pub fn running(&self) -> bool {
        self.started && self.summary.is_none() && self.error.is_none()
    }

    pub fn node_mut(&mut self, name: &str) -> Option<&mut NodeProgress> {
        self.nodes.iter_mut().find(|n| n.name == name)
    }
}

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
    pub review: ReviewUi,
    pub install: InstallState,
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
            },
            review: ReviewUi::default(),
            install: InstallState::default(),
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
            // The wizard does not edit [timeouts]; saving keeps the file's own (toml_edit).
            timeouts: Default::default(),
            // Not edited in the wizard yet (issue 10: the Versions & mirrors screen shows it);
            // saving keeps the file's own [registry_mirrors] (toml_edit).
            registry_mirrors: None,
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
