//! The plan: (config, catalog) → tasks (one step on one node) with the tasks each waits for.
//! Nothing here touches the network; `kubewiz plan` prints exactly what `apply` would run.
//!
//! Every remote step is a script under `assets/steps/` with a `check` ("already in the
//! desired state?") and an `apply`; values reach it as quoted environment variables.
//!
//! - [`steps`]: **the step table**: one definition per step (title, script, which nodes,
//!   needs, inputs, secrets, timeout, wait or work, upload) and the pipelines (`INSTALL`);
//! - `build`: (pipeline, config) → the DAG ([`build()`]), rendering ([`Plan::render`],
//!   [`Plan::render_with_secrets`]), the non-step scripts (mint, reset, delete-node, facts);
//! - `context`: what the definitions read (config + the catalog's minor and mirror, resolved);
//! - [`script`]: the assets, [`shell_quote`], assembling a full script; `contract` (tests):
//!   the `KW_*` inputs a script requires and reads, against what it is given;
//! - [`manifest`]: patching CNI / dashboard manifests on the workstation;
//! - [`order`]: which ready task starts first (longest remaining path);
//! - [`mod@print`]: `kubewiz plan` output.

use std::time::Duration;

mod build;
mod context;
#[cfg(test)]
pub(crate) mod contract;
pub mod manifest;
pub mod order;
pub mod print;
pub mod registries;
pub mod script;
pub mod steps;

pub use crate::vocab::StepId;
pub use build::{
    build, build_pipeline, build_validated, delete_node_script, facts_script, facts_script_probing,
    mint_script, repo_versions_script, reset_script,
};
pub use context::{Context, HopInputs, control_plane_endpoint, timeout};
pub use script::shell_quote;
pub use steps::{
    CNI_MANIFEST_REMOTE_PATH, DASHBOARD_MANIFEST_REMOTE_PATH, Manifest, Step, steps_for,
};

/// The whole plan: every task of every node, dependencies as indexes into `tasks`.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Per node in config order, steps in pipeline order; `after` always points to tasks of
    /// the same plan (the graph has no cycles: tests check it).
    pub tasks: Vec<Task>,
    /// Node names in config order.
    pub nodes: Vec<String>,
    /// The node that runs init, cni, dashboard, kubeconfig, every `ready` and the mint script.
    pub first_control_plane: String,
    /// What the local preflight checks, in words (from the catalog's limits), for `plan`.
    pub preflight_summary: String,
}

/// Why no plan could be made (the config validation normally catches these first).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    #[error("the cluster has no control-plane node: set role = \"control-plane\" on one [[node]]")]
    NoControlPlane,
    #[error(transparent)]
    Catalog(#[from] crate::catalog::CatalogError),
    #[error("node {node}: the value of {name} contains a NUL byte")]
    BadValue { node: String, name: String },
}

/// Values minted at run time on the first control plane, never stored, never printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SecretSlot {
    /// `KW_JOIN_TOKEN`
    JoinToken,
    /// `KW_CA_CERT_HASH`
    CaCertHash,
    /// `KW_CERTIFICATE_KEY` (control-plane joins only)
    CertificateKey,
}

impl SecretSlot {
    pub fn env_name(self) -> &'static str {
        match self {
            SecretSlot::JoinToken => "KW_JOIN_TOKEN",
            SecretSlot::CaCertHash => "KW_CA_CERT_HASH",
            SecretSlot::CertificateKey => "KW_CERTIFICATE_KEY",
        }
    }
}

/// A task: one step for one node. `node` is whose journal entry it is; `host` is where
/// the script runs (the first control plane for cluster-side steps such as `ready`).
#[derive(Debug, Clone)]
pub struct Task {
    pub node: String,
    pub host: String,
    pub step: StepId,
    /// Indexes into `Plan::tasks` of the tasks that must be done first.
    pub after: Vec<usize>,
    pub timeout: Duration,
    pub kind: TaskKind,
}

#[derive(Debug, Clone)]
pub enum TaskKind {
    /// A script run on `host` over SSH.
    Remote(Script),
    /// Evaluated on the workstation by the engine (preflight: needs every node's facts).
    Local,
}

/// A step script with the environment it gets.
#[derive(Debug, Clone)]
pub struct Script {
    /// The asset file name, e.g. "containerd.sh".
    pub asset: &'static str,
    /// Non-secret inputs, in a stable order.
    pub env: Vec<(String, String)>,
    /// Secret inputs the engine fills in at run time.
    pub secrets: Vec<SecretSlot>,
    /// The step's own code (check + apply), without prelude.
    pub body: &'static str,
}
