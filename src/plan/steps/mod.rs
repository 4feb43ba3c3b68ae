//! The step table: one [`Step`] definition per step, the only place a step's facts live
//! (title, script, which nodes, where it runs, what it needs, its inputs and secrets, its
//! timeout, wait or work, typical duration, the manifest it uploads). Plan building, the
//! engine, `kubewiz plan` and the wizard all read these.
//!
//! A pipeline is an ordered list of definitions; [`INSTALL`] is the install, in the order
//! `kubewiz plan` prints it (the seed guide's order, corrected). Its edges come from each
//! step's `needs`; `plan::build` turns (pipeline, config) into tasks.
//!
//! Adding a step: a line in `step_ids!` (`src/vocab.rs`), a file here with its `STEP`, a line
//! in [`def`] and in a pipeline, and its script in `assets/steps/`. The unit tests check that
//! the script's `kw_need`s are exactly the definition's required inputs (and every `KW_*` it
//! reads is an input), that every id has a definition and that the graph has no cycle.

use super::SecretSlot;
use crate::config::{ClusterConfig, NodeConfig};
use crate::vocab::{Role, StepId};
use std::time::Duration;

mod cni;
mod containerd;
mod dashboard;
mod facts;
mod firewall;
pub mod hop;
mod hostname;
mod images;
mod init;
mod join;
mod kubeconfig;
mod modules;
mod packages;
mod preflight;
mod ready;
mod repos;
mod swap;
mod sysctl;
mod time;

pub use super::context::{Context, HopInputs};
pub use facts::{package_probes, peers};

/// Where the engine uploads the patched CNI manifest (on the first control plane).
pub const CNI_MANIFEST_REMOTE_PATH: &str = cni::UPLOAD.path;
/// Where the engine uploads the patched dashboard manifest (on the first control plane).
pub const DASHBOARD_MANIFEST_REMOTE_PATH: &str = dashboard::UPLOAD.path;

/// The install, in pipeline order.
pub static INSTALL: Pipeline = Pipeline {
    name: "install",
    steps: &[
        &facts::STEP,
        &preflight::STEP,
        &repos::STEP,
        &hostname::STEP,
        &firewall::STEP,
        &swap::STEP,
        &modules::STEP,
        &sysctl::STEP,
        &time::STEP,
        &containerd::STEP,
        &packages::STEP,
        &images::STEP,
        &init::STEP,
        &cni::STEP,
        &join::STEP,
        &ready::STEP,
        &dashboard::STEP,
        &kubeconfig::STEP,
    ],
};

/// The definition of a step.
pub fn def(id: StepId) -> &'static Step {
    match id {
        StepId::Facts => &facts::STEP,
        StepId::Preflight => &preflight::STEP,
        StepId::Repos => &repos::STEP,
        StepId::Hostname => &hostname::STEP,
        StepId::Firewall => &firewall::STEP,
        StepId::Swap => &swap::STEP,
        StepId::Modules => &modules::STEP,
        StepId::Sysctl => &sysctl::STEP,
        StepId::Time => &time::STEP,
        StepId::Containerd => &containerd::STEP,
        StepId::Packages => &packages::STEP,
        StepId::Images => &images::STEP,
        StepId::Init => &init::STEP,
        StepId::Cni => &cni::STEP,
        StepId::Join => &join::STEP,
        StepId::Ready => &ready::STEP,
        StepId::Dashboard => &dashboard::STEP,
        StepId::Kubeconfig => &kubeconfig::STEP,
        other => hop::def(other).expect("every step id has a definition (install or hop)"),
    }
}

impl StepId {
    /// This step's definition.
    pub fn def(self) -> &'static Step {
        def(self)
    }

    /// A human title for screens and summaries.
    pub fn title(self) -> &'static str {
        def(self).title
    }

    /// A rough duration on a real node with a nearby mirror, in seconds (see [`Step::typical_secs`]).
    pub fn typical_secs(self) -> u32 {
        def(self).typical_secs
    }
}

/// An ordered list of step definitions; plan building keeps this order per node.
#[derive(Debug)]
pub struct Pipeline {
    pub name: &'static str,
    pub steps: &'static [&'static Step],
}

/// One step: what it is, where and when it runs, what it gets.
pub struct Step {
    pub id: StepId,
    /// For screens, summaries and `kubewiz plan`.
    pub title: &'static str,
    /// Its script in `assets/steps/` (`check` + `apply`); `None`: evaluated on the workstation
    /// by the engine (preflight).
    pub script: Option<Asset>,
    /// Which nodes get this step (a journal entry each).
    pub nodes: Nodes,
    /// Further condition on the config (e.g. `dashboard = true`).
    pub when: When,
    /// Where the script runs for a node.
    pub runs_on: RunsOn,
    /// What must be done first.
    pub needs: &'static [Need],
    /// Work on a node or a wait on the first control plane.
    pub kind: Kind,
    /// The remote timeout (the script runs under `timeout`); `[timeouts]` in cluster.toml
    /// overrides it.
    pub timeout: Duration,
    /// A rough duration on a real node with a nearby mirror, in seconds. Only used to choose
    /// which ready steps start first when more are ready than may run (`plan::order`).
    pub typical_secs: u32,
    /// The step's inputs for one node (`KW_STEP` is added for every step).
    pub env: fn(&Context<'_>, &NodeConfig, &mut Env),
    /// Secrets the engine mints on the first control plane and passes in at run time.
    pub secrets: fn(&NodeConfig) -> &'static [SecretSlot],
    /// A manifest the engine prepares on the workstation and uploads before the script runs.
    pub upload: Option<Upload>,
}

impl std::fmt::Debug for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Step")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl Step {
    /// Whether `node` gets this step (`first_cp`: the node that runs `kubeadm init`).
    pub fn runs_for(&self, config: &ClusterConfig, node: &NodeConfig, first_cp: &str) -> bool {
        let first = node.name == first_cp;
        let selected = match self.nodes {
            Nodes::All => true,
            Nodes::FirstControlPlane => first,
            Nodes::Others => !first,
        };
        selected && (self.when.holds)(config)
    }

    pub fn is_wait(&self) -> bool {
        self.kind == Kind::Wait
    }

    /// The inputs of this step for `node` (names, values, required or optional).
    pub fn inputs(&self, cx: &Context<'_>, node: &NodeConfig) -> Env {
        let mut env = Env::default();
        env.need("KW_STEP", self.id.name());
        // A label (no script reads it): which node the script is for, in `kubewiz plan`.
        env.optional("KW_NODE", &node.name);
        (self.env)(cx, node, &mut env);
        env
    }
}

/// A script asset: its file name under `assets/steps/` and its text (embedded).
#[derive(Debug, Clone, Copy)]
pub struct Asset {
    pub file: &'static str,
    pub text: &'static str,
}

/// `script!("containerd.sh")`: the asset, embedded at build time.
macro_rules! script {
    ($f:literal) => {
        Some($crate::plan::steps::Asset {
            file: $f,
            text: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/steps/", $f)),
        })
    };
}
use script;

/// Which nodes get a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nodes {
    All,
    /// The node that runs `kubeadm init` (the first control plane in file order).
    FirstControlPlane,
    /// Every node but the first control plane (the joining ones).
    Others,
}

/// Where a step's script runs for a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunsOn {
    /// On the node itself.
    Node,
    /// On the first control plane (cluster-side steps such as `ready`), journaled for the node.
    FirstControlPlane,
}

/// Work on a node, or a wait/read on the first control plane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Takes a `--parallel` slot and one of the host's step slots.
    Work,
    /// Watches or reads (`ready`, `kubeconfig`): no `--parallel` slot, its own per-host cap.
    Wait,
}

/// Something that must be done before a step starts. A need that names a task the plan does
/// not have (e.g. `Own(Join)` on the first control plane) is no need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// This step on the same node.
    Own(StepId),
    /// This step on every node (a barrier).
    AllNodes(StepId),
    /// This step on the first control plane.
    FirstControlPlane(StepId),
    /// This step on the previous node with this role in file order, when the node has the
    /// role (control planes join one after the other: etcd grows one member at a time).
    Previous(Role, StepId),
}

/// A manifest the engine uploads before a step runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Upload {
    /// The input that tells the script where the file is.
    pub env: &'static str,
    /// Where on the host it goes.
    pub path: &'static str,
    pub manifest: Manifest,
}

/// Which manifest (prepared on the workstation: local file or download, then patched).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Manifest {
    /// The CNI's manifest, its pod network patched to `pod_cidr`.
    Cni,
    /// The Kubernetes Dashboard, its service patched to NodePort 30001.
    Dashboard,
}

/// A step's inputs, in a stable order, each required (the script `kw_need`s it) or optional
/// (the script reads it with a default).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Env {
    pub vars: Vec<Input>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub name: &'static str,
    pub value: String,
    pub required: bool,
}

impl Env {
    /// An input the script requires (`kw_need`, `kw_need_re`).
    pub fn need(&mut self, name: &'static str, value: impl Into<String>) {
        self.push(name, value.into(), true);
    }

    /// An input the script reads with a default (`${KW_X:-...}`).
    pub fn optional(&mut self, name: &'static str, value: impl Into<String>) {
        self.push(name, value.into(), false);
    }

    fn push(&mut self, name: &'static str, value: String, required: bool) {
        debug_assert!(super::script::valid_env_name(name), "bad env name {name}");
        self.vars.push(Input {
            name,
            value,
            required,
        });
    }

    /// (name, value) pairs, as the plan's `Script` keeps them.
    pub fn pairs(&self) -> Vec<(String, String)> {
        self.vars
            .iter()
            .map(|i| (i.name.to_string(), i.value.clone()))
            .collect()
    }
}

/// `const` helper: two lists of needs as one (`N` = both lengths; checked at compile time).
const fn chain<const N: usize>(a: &[Need], b: &[Need]) -> [Need; N] {
    assert!(
        a.len() + b.len() == N,
        "chain: N must be the sum of the lengths"
    );
    let mut out = [Need::Own(StepId::Facts); N];
    let mut i = 0;
    while i < a.len() {
        out[i] = a[i];
        i += 1;
    }
    while i < N {
        out[i] = b[i - a.len()];
        i += 1;
    }
    out
}

/// `const` helper: a timeout in seconds.
const fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// A condition on the config, and how it reads ("dashboard = true").
#[derive(Debug, Clone, Copy)]
pub struct When {
    pub what: &'static str,
    pub holds: fn(&ClusterConfig) -> bool,
}

/// `when` of the steps every config gets.
pub const ALWAYS: When = When {
    what: "",
    holds: |_| true,
};

/// `secrets` for steps without any.
fn no_secrets(_: &NodeConfig) -> &'static [SecretSlot] {
    &[]
}

/// `env` for steps without inputs of their own.
fn no_env(_: &Context<'_>, _: &NodeConfig, _: &mut Env) {}

/// The node list of a step for `node`, without building a plan (no catalog needed): the
/// wizard shows it while the config is still incomplete.
pub fn steps_for(config: &ClusterConfig, node: &NodeConfig) -> Vec<StepId> {
    let first = config
        .first_control_plane()
        .map(|n| n.name.as_str())
        .unwrap_or("");
    INSTALL
        .steps
        .iter()
        .filter(|s| s.runs_for(config, node, first))
        .map(|s| s.id)
        .collect()
}

#[cfg(test)]
mod tests;
