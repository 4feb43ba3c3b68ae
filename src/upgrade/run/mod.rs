//! Running an upgrade: [`prepare`] reads what the cluster runs (read-only, every node over SSH) and computes
//! the path; [`execute`] runs one engine run per hop (journal `.kubewiz/upgrade-<version>.json`: a resumed
//! upgrade skips what a hop's journal has done, and the steps' own checks skip what the nodes show done),
//! then records the new version in cluster.toml and the install's journal.
//!
//! - this file: what can go wrong ([`UpgradeError`]) and what [`prepare`] hands to [`execute`] ([`Prepared`]);
//! - `survey`: [`prepare`]: every node's facts and the cluster's view of its nodes, then the path;
//! - `hops`: [`execute`]: the hops one after the other, commands forwarded, events and the [`Outcome`];
//! - `finish`: after the last hop (cluster.toml, the journal, certificates) or a stop (nodes left cordoned);
//! - `record`: `.kubewiz/upgrade.json`, which remembers, from the first attempt until the upgrade finishes,
//!   which nodes were cordoned before it began (those stay cordoned; every other node kubewiz cordons it
//!   uncordons again);
//! - `remote`: one script on one node, collected ([`run_collect`]); `kubeadm certs check-expiration` read.
//!
//! Everything that reaches a node goes through the engine's `Transport` (OpenSSH; in `tests.rs`, the
//! engine's in-process fake: the hops, a stop, a failed hop, what is recorded at the end).

use super::path::{Path as UpgradePath, Refusal, Survey};
use super::plan::Settings;
use crate::config::ClusterConfig;
use crate::engine::{self, journal};
use crate::ssh::SshError;
use std::path::PathBuf;

mod finish;
mod hops;
mod record;
mod remote;
mod survey;
#[cfg(test)]
mod tests;

pub use hops::{Outcome, UpgradeEvent, UpgradeRun, execute};
pub use record::unfinished;
pub use remote::{CertsError, check_certs, run_collect};
pub use survey::prepare;

/// Why an upgrade could not be prepared or run.
#[derive(Debug, thiserror::Error)]
pub enum UpgradeError {
    #[error(
        "nothing is installed from this cluster.toml yet (no kubeadm init in {0}): install with \
         `kubewiz apply` first"
    )]
    NotInstalled(PathBuf),
    #[error("{node}: {source}")]
    Unreachable {
        node: String,
        #[source]
        source: SshError,
    },
    #[error("{0}")]
    ApiDown(String),
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error(transparent)]
    Journal(#[from] journal::JournalError),
    #[error(transparent)]
    Engine(#[from] engine::EngineError),
    #[error(transparent)]
    Plan(#[from] crate::plan::PlanError),
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// An upgrade ready to run: what the cluster runs, the path, the settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    pub config_path: PathBuf,
    pub config: ClusterConfig,
    pub survey: Survey,
    pub path: UpgradePath,
    pub settings: Settings,
    /// Per node: "Ready"/"NotReady", cordoned, as the cluster sees them before the upgrade.
    pub nodes: Vec<(String, String, bool)>,
}
