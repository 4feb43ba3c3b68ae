//! A run: walks the plan's DAG with the [`Schedule`](super::schedule), one background task per
//! running step ([`super::task`]). Every transition goes to the journal (through its writer);
//! progress leaves only as events; front ends steer it with [`Command`]s.
//!
//! How a run is started (options, the journal it takes over) is `run/start.rs`; this file is
//! the loop and the slots a task takes.
//!
//! What is particular to the install pipeline sits in `run/hooks.rs`: the facts step's
//! facts go to the journal, `preflight` is a barrier evaluated on the workstation over every
//! node's facts, the join watch starts once `init` is done.

use super::connections::Connections;
use super::journal::{Journal, StepState};
use super::log::NodeLogs;
use super::redact::Redactor;
use super::schedule::{Caps, Class, Node, Schedule};
use super::secrets::JoinSecrets;
use super::task::Outcome;
use super::{Event, Failure, Summary};
use crate::catalog::Minor;
use crate::config::ClusterConfig;
use crate::plan::{Plan, Task, TaskKind};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;

mod hooks;
mod start;

pub(crate) use start::start_with_transport;
pub use start::{Command, EngineError, Options, Run, start, start_with_plan};

/// Steps running at once on one host. The plan's edges order what must be ordered (package
/// steps of a node one after the other), so independent preparation steps of a node overlap.
pub const MAX_STEPS_PER_HOST: usize = 4;
/// Waits (`ready`, `kubeconfig`) running on a host's main connection. Channels per connection
/// stay below sshd's MaxSessions (10 by default): 4 steps + 3 waits + the join watch's poll +
/// the join-secret mint = 9.
const WAITS_ON_MAIN_CONNECTION: usize = 3;
/// Waits on each further connection to the host (nothing else runs there): below MaxSessions.
const WAITS_PER_EXTRA_CONNECTION: usize = 8;
/// Waits running at once on one host (the first control plane waits for every node's Ready):
/// all the connections a host may have can carry. One `ready` per node, so up to ~30 nodes
/// every node's wait starts the moment its join is done; with 3 they queued (issue 15: the
/// last node's Ready found 1.3-1.9 s late at 10 nodes).
pub const MAX_WAITS_PER_HOST: usize = WAITS_ON_MAIN_CONNECTION
    + (super::connections::LANES_PER_HOST - 1) * WAITS_PER_EXTRA_CONNECTION;

/// Which of its host's connections a wait in `place` (0, 1, ... among the host's running
/// waits) uses: the first 3 the main one, then 8 on each further one.
fn wait_lane(place: usize) -> usize {
    match place.checked_sub(WAITS_ON_MAIN_CONNECTION) {
        None => 0,
        Some(p) => 1 + p / WAITS_PER_EXTRA_CONNECTION,
    }
}

/// The slot a task takes: a wait or read on the first control plane (`ready`, `kubeconfig`:
/// its step definition says so) takes no `--parallel` or step slot; preflight runs here.
fn class(t: &Task) -> Class {
    match t.kind {
        TaskKind::Local => Class::Local,
        TaskKind::Remote(_) if t.step.def().is_wait() => Class::Wait,
        TaskKind::Remote(_) => Class::Work,
    }
}

/// What the tasks of a run share.
pub(super) struct Shared {
    pub(super) cfg: ClusterConfig,
    /// The catalog's entry for the config's Kubernetes version (resolved by validation).
    pub(super) minor: Option<&'static Minor>,
    pub(super) plan: Plan,
    pub(super) state_dir: PathBuf,
    pub(super) events: mpsc::UnboundedSender<Event>,
    pub(super) logs: NodeLogs,
    pub(super) redactor: Redactor,
    pub(super) conns: Connections,
    pub(super) secrets: JoinSecrets,
    /// Remote process group of each running task, so that an abort can kill it.
    pub(super) pgids: Mutex<HashMap<usize, u32>>,
    /// The command that resumes this run ([`super::Options::again`]), for hints.
    pub(super) again: String,
}

impl Shared {
    pub(super) fn emit(&self, e: Event) {
        let _ = self.events.send(e);
    }

    fn clone_for_watch(self: &Arc<Self>) -> super::joinwatch::WatchCtx {
        super::joinwatch::WatchCtx {
            nodes: self.cfg.nodes.iter().map(|n| n.name.clone()).collect(),
            control_plane: self
                .cfg
                .first_control_plane()
                .map(|n| n.name.clone())
                .unwrap_or_default(),
            conns: self.conns.clone(),
            events: self.events.clone(),
        }
    }
}

struct Scheduler {
    shared: Arc<Shared>,
    journal: Journal,
    writer: Option<super::journal_writer::JournalWriter>,
    schedule: Schedule,
    only_node: Option<String>,
    summary: Summary,
    started: Instant,
    /// Manifests the cluster steps need that this workstation cannot provide (refused at the
    /// first control plane's preflight, before anything changes).
    manifest_problems: Vec<String>,
}

/// Whether the run starts new tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Running,
    Paused,
    Stopping,
}

impl Scheduler {
    fn new(
        (cfg, minor): (ClusterConfig, Option<&'static Minor>),
        plan: Plan,
        journal: Journal,
        state_dir: PathBuf,
        options: Options,
        conns: Connections,
        events: mpsc::UnboundedSender<Event>,
    ) -> Scheduler {
        let gates = crate::plan::order::gates_other_nodes(&plan);
        let nodes = plan
            .tasks
            .iter()
            .zip(gates)
            .map(|(t, gates)| Node {
                after: t.after.clone(),
                host: t.host.clone(),
                class: class(t),
                gates,
            })
            .collect();
        let caps = Caps {
            parallel: options.parallel,
            per_host_work: MAX_STEPS_PER_HOST,
            per_host_waits: MAX_WAITS_PER_HOST,
        };
        let schedule = Schedule::new(nodes, crate::plan::order::start_order(&plan), caps);
        let writer = Some(super::journal_writer::JournalWriter::spawn(events.clone()));
        Scheduler {
            writer,
            shared: Arc::new(Shared {
                logs: NodeLogs::new(&state_dir),
                cfg,
                minor,
                plan,
                state_dir,
                events,
                redactor: Redactor::new(),
                conns,
                secrets: JoinSecrets::default(),
                pgids: Mutex::default(),
                again: options.again,
            }),
            journal,
            schedule,
            only_node: options.only_node,
            summary: Summary::default(),
            started: Instant::now(),
            manifest_problems: Vec::new(),
        }
    }

    fn emit(&self, e: Event) {
        let _ = self.shared.events.send(e);
    }

    /// Hands the journal to the writer after a change (see `journal_writer`).
    fn save(&self) {
        if let Some(w) = &self.writer {
            w.save(&self.journal);
        }
    }

    async fn run(mut self, mut commands: mpsc::UnboundedReceiver<Command>) -> Summary {
        let sh = self.shared.clone();
        tracing::info!(
            "run started: {} nodes, {} tasks, only node {:?}",
            sh.cfg.nodes.len(),
            sh.plan.tasks.len(),
            self.only_node
        );
        self.announce();
        self.take_journal();
        self.block_dependents();
        self.manifest_problems = self.manifests_at_hand().await;

        let mut running: JoinSet<(usize, Outcome)> = JoinSet::new();
        let mut mode = Mode::Running;
        let mut commands_open = true;
        let (watch_stop_tx, watch_stop_rx) = tokio::sync::watch::channel(false);
        let mut watcher_started = false;
        loop {
            if !watcher_started && self.init_done() {
                watcher_started = true;
                super::joinwatch::spawn(sh.clone_for_watch(), watch_stop_rx.clone());
            }
            if mode == Mode::Running {
                self.run_preflight_if_ready();
                self.start_ready(&mut running);
            }
            if running.is_empty() && mode != Mode::Paused {
                break;
            }
            tokio::select! {
                // A command waiting is handled before the next task's end: a pause or stop
                // takes effect before anything else starts.
                biased;
                cmd = commands.recv(), if commands_open => match cmd.inspect(|c| tracing::info!("command {c:?} ({mode:?}, {} running)", running.len())) {
                    Some(Command::Stop) => {
                        mode = Mode::Stopping;
                        self.summary.interrupted = true;
                    }
                    Some(Command::Abort) => {
                        mode = Mode::Stopping;
                        self.summary.interrupted = true;
                        self.abort_running(&mut running).await;
                    }
                    Some(Command::Pause) if mode == Mode::Running => mode = Mode::Paused,
                    Some(Command::Resume) if mode == Mode::Paused => mode = Mode::Running,
                    Some(Command::Pause | Command::Resume) => {}
                    Some(Command::RetryNode(node)) => self.retry_node(&node),
                    None => {
                        commands_open = false;
                        // Nobody is left to resume a pause: end as after Stop.
                        if mode == Mode::Paused {
                            mode = Mode::Stopping;
                            self.summary.interrupted = true;
                        }
                    }
                },
                Some(res) = running.join_next() => match res {
                    Ok((i, outcome)) => self.finish(i, outcome),
                    Err(e) if e.is_cancelled() => {}
                    Err(e) => self.emit(Event::Warning {
                        node: None,
                        text: format!("internal: a task panicked: {e}"),
                    }),
                },
                else => break,
            }
        }
        let _ = watch_stop_tx.send(true);
        self.save();
        if let Some(w) = self.writer.take() {
            w.flush().await;
        }
        sh.conns.close_all().await;

        // A `--node` run is judged on that node's steps only.
        let all_done = self.schedule.all_done(|i| {
            self.only_node
                .as_deref()
                .is_none_or(|n| n == sh.plan.tasks[i].node)
        });
        self.summary.ok = all_done && self.summary.failed.is_empty() && !self.summary.interrupted;
        self.summary.wall = self.started.elapsed();
        let kc = super::kubeconfig::path(&sh.state_dir);
        if kc.exists() {
            self.summary.kubeconfig = Some(kc);
        }
        tracing::info!(
            "run finished in {:.1?}: ok {}, interrupted {}, {} failed, {} applied",
            self.summary.wall,
            self.summary.ok,
            self.summary.interrupted,
            self.summary.failed.len(),
            self.summary.durations.len()
        );
        self.emit(Event::RunFinished {
            summary: self.summary.clone(),
        });
        self.summary
    }

    /// Blocks what can no longer run this time and says so.
    fn block_dependents(&mut self) {
        let sh = self.shared.clone();
        for (i, d) in self.schedule.block_dependents() {
            let (t, dt) = (&sh.plan.tasks[i], &sh.plan.tasks[d]);
            tracing::debug!(
                "{} {}: blocked by {} on {}",
                t.node,
                t.step,
                dt.step,
                dt.node
            );
            self.emit(Event::StepBlocked {
                node: t.node.clone(),
                step: t.step,
                by: format!("{} on {}", dt.step, dt.node),
            });
        }
    }

    fn address(&self, node: &str) -> String {
        self.shared
            .cfg
            .node(node)
            .map(|n| n.address.clone())
            .unwrap_or_default()
    }

    /// Starts every task the schedule lets start now (see [`Schedule::start_ready`]).
    fn start_ready(&mut self, running: &mut JoinSet<(usize, Outcome)>) {
        let sh = self.shared.clone();
        let started = self.schedule.start_ready();
        if started.is_empty() {
            return;
        }
        for i in started {
            let t = &sh.plan.tasks[i];
            let addr = self.address(&t.node);
            let attempt = self
                .journal
                .record(&t.node, &addr, t.step, StepState::Running)
                .attempts;
            tracing::info!(
                "{} {}: started on {} (attempt {attempt})",
                t.node,
                t.step,
                t.host
            );
            self.emit(Event::StepStarted {
                node: t.node.clone(),
                step: t.step,
                attempt,
            });
            self.on_started(i);
            let lane = self.schedule.wait_place(i).map_or(0, wait_lane);
            let sh2 = sh.clone();
            running.spawn(async move {
                let outcome = super::task::execute(&sh2, i, lane).await;
                (i, outcome)
            });
        }
        self.save();
    }

    fn finish(&mut self, i: usize, outcome: Outcome) {
        let sh = self.shared.clone();
        let t = &sh.plan.tasks[i];
        sh.pgids.lock().expect("pgid lock").remove(&i);
        let addr = self.address(&t.node);
        match outcome {
            Outcome::Done {
                skipped,
                facts,
                duration,
            } => {
                self.on_done(i, &facts);
                tracing::info!(
                    "{} {}: done in {duration:.1?}{}",
                    t.node,
                    t.step,
                    if skipped { " (already in place)" } else { "" }
                );
                let rec = self.journal.record(&t.node, &addr, t.step, StepState::Done);
                rec.exit_code = Some(0);
                self.save();
                self.schedule.finish(i, true);
                if skipped {
                    self.emit(Event::StepSkipped {
                        node: t.node.clone(),
                        step: t.step,
                        journal: false,
                    });
                } else {
                    self.summary
                        .durations
                        .push((t.node.clone(), t.step, duration));
                    self.emit(Event::StepFinished {
                        node: t.node.clone(),
                        step: t.step,
                        duration,
                    });
                }
            }
            Outcome::Failed { failure } => {
                let rec = self
                    .journal
                    .record(&t.node, &addr, t.step, StepState::Failed);
                rec.exit_code = failure.exit_code;
                rec.error = Some(failure.error.clone());
                self.save();
                self.fail(i, failure);
            }
        }
    }

    fn fail(&mut self, i: usize, failure: Failure) {
        let t = &self.shared.plan.tasks[i];
        tracing::warn!(
            "{} {}: failed: {} (exit {:?})",
            t.node,
            t.step,
            failure.error,
            failure.exit_code
        );
        self.schedule.finish(i, false);
        self.summary
            .failed
            .push((t.node.clone(), t.step, failure.clone()));
        self.emit(Event::StepFailed {
            node: t.node.clone(),
            step: t.step,
            failure,
        });
        self.block_dependents();
    }

    fn retry_node(&mut self, node: &str) {
        let sh = self.shared.clone();
        for (i, d) in self.schedule.retry(|i| sh.plan.tasks[i].node == node) {
            let (t, dt) = (&sh.plan.tasks[i], &sh.plan.tasks[d]);
            self.emit(Event::StepBlocked {
                node: t.node.clone(),
                step: t.step,
                by: format!("{} on {}", dt.step, dt.node),
            });
        }
        self.summary.failed.retain(|(n, _, _)| n != node);
    }

    /// Kills every running remote step (its whole process group) and records it interrupted.
    async fn abort_running(&mut self, running: &mut JoinSet<(usize, Outcome)>) {
        let sh = self.shared.clone();
        let pgids: Vec<(usize, u32)> = sh.pgids.lock().expect("pgid lock").drain().collect();
        for (i, pgid) in pgids {
            let host = sh.plan.tasks[i].host.clone();
            tracing::info!("abort: killing process group {pgid} on {host}");
            if let Ok(conn) = sh.conns.get(&host).await {
                conn.kill_group(pgid).await;
            }
        }
        running.abort_all();
        while running.join_next().await.is_some() {}
        for i in self.schedule.interrupt_running() {
            let t = &sh.plan.tasks[i];
            let addr = self.address(&t.node);
            self.journal
                .record(&t.node, &addr, t.step, StepState::Interrupted);
        }
        self.save();
    }
}
