//! How a run begins: what a front end passes ([`Options`]) and gets back ([`Run`]: events,
//! [`Command`]s, the [`Summary`](crate::engine::Summary) at the end), the ways to start one
//! (a validated config, a given plan, a given transport), and the journal it takes over.

use super::Scheduler;
use crate::catalog::Minor;
use crate::config::{ClusterConfig, Validated};
use crate::engine::connections::Connections;
use crate::engine::journal::{self, Journal, RunLock};
use crate::engine::transport::{OpenSsh, Transport};
use crate::engine::{Event, Summary};
use crate::plan::Plan;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::mpsc;

#[derive(Debug, Clone)]
pub struct Options {
    /// At most this many steps work on nodes at once (across all nodes). Waits on the first
    /// control plane (`ready`, `kubeconfig`) are not counted: they only poll, and have their
    /// own cap per host.
    pub parallel: usize,
    /// Only this node's tasks (what they wait for must already be done).
    pub only_node: Option<String>,
    /// The journal file in the state directory: `None` is the install's (`state.json`); an
    /// upgrade hop runs with its own (`upgrade-<version>.json`), which is not the install's
    /// record of the cluster and is not checked against the config.
    pub journal: Option<String>,
    /// The command that resumes this run, as the hints of failed steps name it ("`kubewiz apply`"; an
    /// upgrade hop's is `kubewiz upgrade ... --to X`).
    pub again: String,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            parallel: 16,
            only_node: None,
            journal: None,
            again: "`kubewiz apply`".into(),
        }
    }
}

/// What a front end can ask of a running install (send on [`Run::commands`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Start nothing new; let running steps finish; save the journal; end the run.
    Stop,
    /// Stop now: kill running remote steps and record them as interrupted; end the run.
    Abort,
    /// Start nothing new until [`Command::Resume`]; running steps go on and finish. The run
    /// does not end while paused (unless every sender of commands is dropped: then it ends
    /// as after `Stop`).
    Pause,
    /// Undo [`Command::Pause`]: start what is ready again.
    Resume,
    /// Put a node's failed and blocked steps back in the queue.
    RetryNode(String),
}

pub struct Run {
    pub events: mpsc::UnboundedReceiver<Event>,
    pub commands: mpsc::UnboundedSender<Command>,
    pub done: tokio::task::JoinHandle<Summary>,
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Journal(#[from] journal::JournalError),
    #[error("cannot prepare {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Plan(String),
}

/// Starts an install/converge run of a validated config in the background. Must be called
/// inside a tokio runtime.
pub fn start(
    config_path: &Path,
    config: Validated<'static>,
    options: Options,
) -> Result<Run, EngineError> {
    let plan =
        crate::plan::build_validated(&config).map_err(|e| EngineError::Plan(e.to_string()))?;
    let transport = Arc::new(OpenSsh::new(&config.config));
    let minor = Some(config.minor);
    launch(config_path, config.config, minor, plan, options, transport)
}

/// Runs a given plan (the benchmarks run synthetic plans through the real engine).
pub fn start_with_plan(
    config_path: &Path,
    config: ClusterConfig,
    plan: Plan,
    options: Options,
) -> Result<Run, EngineError> {
    let transport = Arc::new(OpenSsh::new(&config));
    start_with_transport(config_path, config, plan, options, transport)
}

/// Runs a given plan over any transport (the unit tests' fake).
pub(crate) fn start_with_transport(
    config_path: &Path,
    config: ClusterConfig,
    plan: Plan,
    options: Options,
    transport: Arc<dyn Transport>,
) -> Result<Run, EngineError> {
    // Not validated here: the catalog's entry for the version, if it has one (preflight's
    // version rules need it).
    let minor = crate::catalog::Catalog::builtin()
        .minor_for(&config.cluster.kubernetes_version)
        .ok();
    launch(config_path, config, minor, plan, options, transport)
}

fn launch(
    config_path: &Path,
    config: ClusterConfig,
    minor: Option<&'static Minor>,
    plan: Plan,
    options: Options,
    transport: Arc<dyn Transport>,
) -> Result<Run, EngineError> {
    let state_dir = journal::state_dir(config_path);
    journal::ensure_state_dir(&state_dir).map_err(|source| EngineError::Io {
        path: state_dir.clone(),
        source,
    })?;
    let lock = RunLock::acquire(&state_dir)?;
    let journal = match &options.journal {
        None => match Journal::load(&state_dir)? {
            Some(mut j) => {
                j.check_compatible(&config)?;
                j.mark_running_interrupted();
                if !j.initialized() {
                    j.cluster = journal::ClusterStamp::of(&config);
                }
                j
            }
            None => Journal::new(&state_dir, &config),
        },
        Some(file) => match Journal::load_from(&state_dir, file)? {
            Some(mut j) => {
                j.mark_running_interrupted();
                j
            }
            None => Journal::new_in(&state_dir, file, &config),
        },
    };
    journal.save()?;

    let (ev_tx, ev_rx) = mpsc::unbounded_channel();
    let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
    let conns = Connections::new(transport, config.nodes.iter().map(|n| n.name.clone()));
    let sched = Scheduler::new(
        (config, minor),
        plan,
        journal,
        state_dir,
        options,
        conns,
        ev_tx,
    );
    let done = tokio::spawn(async move {
        let summary = sched.run(cmd_rx).await;
        drop(lock);
        summary
    });
    Ok(Run {
        events: ev_rx,
        commands: cmd_tx,
        done,
    })
}
