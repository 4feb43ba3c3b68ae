//! Messages into `update` and effects out of it.

use super::model::{ChangedKey, JournalInfo};
use crate::config::{ClusterConfig, Mirror, NodeConfig, SshSection};
use crate::engine::Event;
use crate::facts::Facts;
use crate::plan::StepId;
use crossterm::event::KeyEvent;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    Key(KeyEvent),
    Resize(u16, u16),
    /// Time since the wizard started (drives elapsed times).
    Tick(Duration),
    /// An engine event (install, join progress, summary).
    Engine(Event),
    /// cluster.toml was read (with what the journal says about an earlier run).
    ConfigLoaded {
        path: PathBuf,
        result: Result<Box<(ClusterConfig, JournalInfo)>, String>,
    },
    /// A background connection test finished.
    Probe {
        node: String,
        outcome: ProbeOutcome,
    },
    /// The one-time password bootstrap finished; `Ok(Some(path))` = the key it installed,
    /// to use as the node's identity file.
    Bootstrap {
        node: String,
        result: Result<Option<PathBuf>, String>,
    },
    HostKeyTrusted {
        node: String,
        result: Result<(), String>,
    },
    Saved(Result<PathBuf, String>),
    Script {
        node: String,
        step: StepId,
        text: Result<String, String>,
    },
    /// The engine could not be started.
    InstallFailed(String),
    /// Time earlier runs spent installing, from the journal (sent as a run starts).
    InstallTime(Duration),
    /// The patches of `minor` the package repository of `mirror` carries, as `node` read its
    /// index (`plan::repo_versions_script`), or why it could not.
    RepoVersions {
        mirror: Mirror,
        minor: String,
        node: String,
        result: Result<Vec<String>, String>,
    },
    /// The upgrade's survey and path (or why not).
    UpgradePrepared(Result<Box<crate::upgrade::run::Prepared>, String>),
    /// A hop of the upgrade begins: (1-based index, count, its title).
    UpgradeHop {
        index: usize,
        total: usize,
        title: String,
    },
    /// The upgrade ended: its outcome and the summary in lines.
    UpgradeDone(Box<crate::upgrade::run::Outcome>, Vec<String>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum ProbeOutcome {
    Facts(Box<Facts>),
    UnknownHostKey {
        fingerprints: Vec<String>,
        lines: Vec<String>,
    },
    ChangedHostKey(Box<ChangedKey>),
    AuthFailed(String),
    Failed(String),
}

/// A password typed once for the key bootstrap. Never printed by `Debug`, never stored.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub fn new(s: String) -> Password {
        Password(s)
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

impl Drop for Password {
    fn drop(&mut self) {
        // Overwrite the whole allocation before it is freed (not optimised away).
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

/// Work for the runtime. `update` never does I/O itself.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    LoadConfig(PathBuf),
    /// Test the connection in the background: host key check, then connect + facts.
    Probe {
        node: NodeConfig,
        ssh: SshSection,
        /// The registries and mirrors to probe from the node (`KW_REGISTRY_PROBES` of the
        /// facts step, `plan::registries::probes_env`).
        probes: String,
        /// The package repositories to probe from it (`KW_PACKAGE_PROBES`,
        /// `plan::steps::package_probes`).
        packages: String,
    },
    /// Append these known_hosts lines (the user trusted the fingerprint), then probe again.
    TrustHostKey {
        node: NodeConfig,
        ssh: SshSection,
        lines: Vec<String>,
    },
    /// Forget the node's recorded host keys and record these lines instead (the user confirmed
    /// the machine was reinstalled), then probe again.
    ReplaceHostKey {
        node: NodeConfig,
        ssh: SshSection,
        lines: Vec<String>,
    },
    /// Install the wizard's public key on the node with the system ssh and this password.
    BootstrapKey {
        node: NodeConfig,
        ssh: SshSection,
        password: Password,
    },
    Save {
        path: PathBuf,
        config: ClusterConfig,
    },
    LoadScript {
        config: ClusterConfig,
        node: String,
        step: StepId,
    },
    StartInstall {
        path: PathBuf,
        config: ClusterConfig,
    },
    /// Ask `node` which patches of `minor` the package repository of `mirror` carries (reads
    /// the repository's index; changes nothing on the node).
    RepoVersions {
        node: NodeConfig,
        ssh: SshSection,
        mirror: Mirror,
        minor: String,
    },
    /// Survey the cluster of the saved cluster.toml and compute the path to `target` (read-only).
    PrepareUpgrade {
        path: PathBuf,
        target: String,
    },
    /// Run the prepared upgrade (its commands then go where the engine's go).
    StartUpgrade(Box<crate::upgrade::run::Prepared>),
    /// Engine `Command::Stop`.
    Stop,
    /// Engine `Command::Abort`: kill running steps, record them as interrupted.
    Abort,
    /// Engine `Command::Pause`: start nothing new until `Resume` (while "Stop?" is asked).
    Pause,
    /// Engine `Command::Resume`.
    Resume,
    /// Engine `Command::RetryNode`.
    RetryNode(String),
    /// End the wizard (see `Model::exit`).
    Quit,
}
