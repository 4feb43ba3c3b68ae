//! [`execute`]: the hops of a prepared upgrade one after the other, each one engine run on its own plan
//! and journal; the front end's commands go to the hop under way, its events come back wrapped in
//! [`UpgradeEvent`]; the [`Outcome`] says how far it got.

use super::Prepared;
use super::finish::{finish, left_cordoned};
use super::record::{Record, load_record, record_path, save_record};
use crate::catalog::{Catalog, KubeVersion};
use crate::engine::{self, Command, Event, Failure, Transport, journal};
use crate::plan::StepId;
use crate::upgrade::path::Hop;
use crate::upgrade::plan as hop_plan;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// What a running upgrade reports (besides the engine's events of the hop under way).
#[derive(Debug, Clone, PartialEq)]
pub enum UpgradeEvent {
    /// Hop `index` (1-based) of `total` begins.
    HopStarted {
        index: usize,
        total: usize,
        hop: Hop,
    },
    /// An engine event of the current hop.
    Engine(Event),
    /// A hop ended (its summary).
    HopFinished { hop: Hop, summary: engine::Summary },
    /// Something the front end should say.
    Note(String),
}

/// How the whole upgrade ended.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    pub ok: bool,
    pub interrupted: bool,
    /// The version the cluster reached (the last hop done), if any hop finished.
    pub reached: Option<KubeVersion>,
    pub target: Option<KubeVersion>,
    /// (hop, path on the first control plane) of every etcd snapshot of this run.
    pub snapshots: Vec<(String, String)>,
    pub failed: Vec<(String, StepId, Failure)>,
    /// Nodes kubewiz cordoned that are still cordoned (their hop did not finish).
    pub left_cordoned: Vec<String>,
    /// What was written to cluster.toml and the journal once every hop was done.
    pub recorded: Vec<String>,
    pub wall: Duration,
}

/// A running upgrade: its events, a command channel (forwarded to the hop under way), its end.
pub struct UpgradeRun {
    pub events: mpsc::UnboundedReceiver<UpgradeEvent>,
    pub commands: mpsc::UnboundedSender<Command>,
    pub done: tokio::task::JoinHandle<Outcome>,
}

/// Runs the hops of `p` one after the other in the background (inside a tokio runtime).
pub fn execute(p: Prepared, parallel: usize) -> UpgradeRun {
    let transport = Arc::new(engine::OpenSsh::new(&p.config));
    execute_over(p, parallel, transport)
}

/// [`execute`] over any transport (the unit tests' fake).
pub(super) fn execute_over(
    p: Prepared,
    parallel: usize,
    transport: Arc<dyn Transport>,
) -> UpgradeRun {
    let (ev_tx, ev_rx) = mpsc::unbounded_channel();
    let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
    let done = tokio::spawn(run_hops(p, parallel, transport, ev_tx, cmd_rx));
    UpgradeRun {
        events: ev_rx,
        commands: cmd_tx,
        done,
    }
}

async fn run_hops(
    p: Prepared,
    parallel: usize,
    transport: Arc<dyn Transport>,
    events: mpsc::UnboundedSender<UpgradeEvent>,
    mut commands: mpsc::UnboundedReceiver<Command>,
) -> Outcome {
    let started = std::time::Instant::now();
    let emit = |e: UpgradeEvent| {
        let _ = events.send(e);
    };
    let mut out = Outcome {
        target: Some(p.path.to),
        ..Outcome::default()
    };
    let state_dir = journal::state_dir(&p.config_path);
    // The first attempt records the nodes found cordoned.
    let mut rec = load_record(&state_dir).unwrap_or_else(|| Record {
        found_cordoned: p.settings.found_cordoned.clone(),
        started_at: journal::now(),
        targets: Vec::new(),
    });
    let target = p.path.to.to_string();
    if rec.targets.last() != Some(&target) {
        rec.targets.push(target);
    }
    if let Err(e) = save_record(&state_dir, &rec) {
        emit(UpgradeEvent::Note(format!("warning: {e}")));
    }
    let total = p.path.hops.len();
    let mut stop_asked = false;
    for (i, hop) in p.path.hops.iter().enumerate() {
        emit(UpgradeEvent::HopStarted {
            index: i + 1,
            total,
            hop: hop.clone(),
        });
        let plan = match hop_plan::build(&p.config, Catalog::builtin(), hop, &p.settings) {
            Ok(plan) => plan,
            Err(e) => {
                emit(UpgradeEvent::Note(format!("error: {e}")));
                break;
            }
        };
        let opts = engine::Options {
            parallel,
            only_node: None,
            journal: Some(hop_plan::journal_file(hop)),
            again: format!(
                "`kubewiz upgrade -c {} --to {}`",
                p.config_path.display(),
                p.path.to
            ),
        };
        let mut run = match engine::start_with_transport(
            &p.config_path,
            hop_plan::hop_config(&p.config, hop),
            plan,
            opts,
            transport.clone(),
        ) {
            Ok(r) => r,
            Err(e) => {
                emit(UpgradeEvent::Note(format!("error: {e}")));
                break;
            }
        };
        let mut commands_open = true;
        loop {
            tokio::select! {
                ev = run.events.recv() => match ev {
                    Some(ev) => {
                        if let Event::Fact { key, value, .. } = &ev
                            && key == "snapshot"
                            && !out.snapshots.iter().any(|(_, v)| v == value)
                        {
                            out.snapshots.push((hop.id(), value.clone()));
                        }
                        let last = matches!(ev, Event::RunFinished { .. });
                        emit(UpgradeEvent::Engine(ev));
                        if last {
                            break;
                        }
                    }
                    None => break,
                },
                cmd = commands.recv(), if commands_open => match cmd {
                    Some(c) => {
                        if matches!(c, Command::Stop | Command::Abort) {
                            stop_asked = true;
                        }
                        let _ = run.commands.send(c);
                    }
                    None => commands_open = false,
                },
            }
        }
        let summary = run.done.await.unwrap_or_default();
        emit(UpgradeEvent::HopFinished {
            hop: hop.clone(),
            summary: summary.clone(),
        });
        if !summary.ok {
            out.interrupted = summary.interrupted || stop_asked;
            out.failed = summary.failed;
            break;
        }
        out.reached = Some(hop.to);
        if stop_asked {
            out.interrupted = true;
            break;
        }
    }
    out.ok = out.reached == Some(p.path.to) && out.failed.is_empty() && !out.interrupted;
    if p.path.hops.is_empty() {
        out.ok = true;
        out.reached = Some(p.path.to);
    }
    if out.ok {
        out.recorded = finish(&p, transport.as_ref()).await;
        let _ = std::fs::remove_file(record_path(&state_dir));
    } else {
        out.left_cordoned = left_cordoned(&p, transport.as_ref()).await;
    }
    out.wall = started.elapsed();
    out
}
