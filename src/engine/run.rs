//! The scheduler: walks the plan's DAG. A task starts as soon as the tasks it waits for are
//! done (no lock-step phases), at most `parallel` steps at once and `MAX_STEPS_PER_HOST` per
//! host; when more are ready than may start, the longest remaining path goes first
//! (`plan::order`).
//! Every transition goes to the journal (through its writer); progress leaves only as events.

use super::connections::Connections;
use super::journal::{Journal, RunLock, StepState};
use super::log::NodeLogs;
use super::redact::Redactor;
use super::{Event, Failure, NodeSummary, Stream, Summary};
use crate::config::ClusterConfig;
use crate::facts::Facts;
use crate::plan::{Plan, SecretSlot, StepId, TaskKind};
use crate::ssh::{Line, SshError};
use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

#[derive(Debug, Clone)]
pub struct Options {
    /// At most this many steps work on nodes at once (across all nodes). Waits on the first
    /// control plane (`ready`, `kubeconfig`) are not counted: they only poll, and have their
    /// own cap per host.
    pub parallel: usize,
    /// Only this node's tasks (what they wait for must already be done).
    pub only_node: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            parallel: 16,
            only_node: None,
        }
    }
}

/// What a front end can ask of a running install.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Start nothing new; let running steps finish; save the journal.
    Stop,
    /// Stop now: kill running remote steps and record them as interrupted.
    Abort,
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
    Journal(#[from] super::journal::JournalError),
    #[error("cannot prepare {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Plan(String),
}

/// Steps running at once on one host. The plan's edges order what must be ordered (package
/// steps of a node one after the other), so independent preparation steps of a node overlap.
const MAX_STEPS_PER_HOST: usize = 4;
/// Waits (`ready`, `kubeconfig`) running at once on one host (the first control plane).
/// Channels per connection stay below sshd's MaxSessions (10 by default): 4 steps + 3 waits
/// + the join watch's poll + the join-secret mint = 9.
const MAX_WAITS_PER_HOST: usize = 3;

/// Whether a step is a wait or a read on the first control plane (`ready`, `kubeconfig`)
/// rather than work on a node: waits do not take `--parallel` slots or step slots.
fn is_wait(step: StepId) -> bool {
    matches!(step, StepId::Ready | StepId::Kubeconfig)
}

/// A step whose connection is lost is retried (reconnect + backoff 1, 2, 4, 8 s...) for this
/// long before the node is given up for this run.
const RECONNECT_WINDOW: Duration = Duration::from_secs(45);
/// Minted join secrets are reused within a run for this long (tokens are minted with 2 h TTL,
/// certificate keys live 2 h).
const SECRET_REUSE: Duration = Duration::from_secs(3600);
/// Lines of output kept for a failure report.
const TAIL_LINES: usize = 15;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Waiting,
    Running,
    Done,
    Failed,
    Blocked,
}

enum Outcome {
    Done {
        skipped: bool,
        facts: Vec<(String, String)>,
        duration: Duration,
    },
    Failed {
        failure: Failure,
    },
}

/// Starts an install/converge run in the background. Must be called inside a tokio runtime.
pub fn start(
    config_path: &Path,
    config: ClusterConfig,
    options: Options,
) -> Result<Run, EngineError> {
    let plan = crate::plan::build(&config, crate::catalog::Catalog::builtin())
        .map_err(|e| EngineError::Plan(e.to_string()))?;
    start_with_plan(config_path, config, plan, options)
}

/// Runs a given plan (the benchmarks run synthetic plans through the real engine).
pub fn start_with_plan(
    config_path: &Path,
    config: ClusterConfig,
    plan: Plan,
    options: Options,
) -> Result<Run, EngineError> {
    let state_dir = super::journal::state_dir(config_path);
    super::journal::ensure_state_dir(&state_dir).map_err(|source| EngineError::Io {
        path: state_dir.clone(),
        source,
    })?;
    let lock = RunLock::acquire(&state_dir)?;
    let journal = match Journal::load(&state_dir)? {
        Some(mut j) => {
            j.check_compatible(&config)?;
            j.mark_running_interrupted();
            if !j.initialized() {
                j.cluster = super::journal::ClusterStamp::of(&config);
            }
            j
        }
        None => Journal::new(&state_dir, &config),
    };
    journal.save()?;

    let (ev_tx, ev_rx) = mpsc::unbounded_channel();
    let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
    let sched = Scheduler::new(config, plan, journal, state_dir, options, ev_tx);
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

pub(super) struct Shared {
    pub(super) cfg: ClusterConfig,
    pub(super) plan: Plan,
    pub(super) state_dir: PathBuf,
    pub(super) events: mpsc::UnboundedSender<Event>,
    pub(super) logs: NodeLogs,
    pub(super) redactor: Redactor,
    pub(super) conns: Connections,
    pub(super) secrets: tokio::sync::Mutex<Option<(Instant, HashMap<SecretSlot, String>)>>,
    /// Remote process group of each running task, so that an abort can kill it.
    pub(super) pgids: Mutex<HashMap<usize, u32>>,
}

struct Scheduler {
    shared: Arc<Shared>,
    journal: Journal,
    writer: Option<super::journal_writer::JournalWriter>,
    status: Vec<Status>,
    parallel: usize,
    only_node: Option<String>,
    /// Task indexes in the order ready tasks are started (longest remaining path first).
    start_order: Vec<usize>,
    /// Steps (not waits) running, in total and on each host; waits running on each host.
    working: usize,
    host_steps: HashMap<String, usize>,
    host_waits: HashMap<String, usize>,
    summary: Summary,
    started: Instant,
}

impl Scheduler {
    fn new(
        cfg: ClusterConfig,
        plan: Plan,
        journal: Journal,
        state_dir: PathBuf,
        options: Options,
        events: mpsc::UnboundedSender<Event>,
    ) -> Scheduler {
        let conns = Connections::new(&cfg);
        let n = plan.tasks.len();
        let start_order = crate::plan::order::start_order(&plan);
        let writer = Some(super::journal_writer::JournalWriter::spawn(events.clone()));
        Scheduler {
            writer,
            shared: Arc::new(Shared {
                logs: NodeLogs::new(&state_dir),
                cfg,
                plan,
                state_dir,
                events,
                redactor: Redactor::new(),
                conns,
                secrets: tokio::sync::Mutex::new(None),
                pgids: Mutex::default(),
            }),
            journal,
            status: vec![Status::Waiting; n],
            parallel: options.parallel.max(1),
            only_node: options.only_node,
            start_order,
            working: 0,
            host_steps: HashMap::new(),
            host_waits: HashMap::new(),
            summary: Summary::default(),
            started: Instant::now(),
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
        self.emit(Event::RunStarted {
            nodes: sh
                .cfg
                .nodes
                .iter()
                .map(|n| NodeSummary {
                    name: n.name.clone(),
                    address: n.address.clone(),
                    role: n.role,
                    steps: sh
                        .plan
                        .tasks
                        .iter()
                        .filter(|t| t.node == n.name)
                        .map(|t| t.step)
                        .collect(),
                })
                .collect(),
        });
        // Done in an earlier run: skipped without touching the node.
        for (i, t) in sh.plan.tasks.iter().enumerate() {
            if self.journal.is_done(&t.node, t.step) {
                self.status[i] = Status::Done;
                if t.step == StepId::Facts
                    && let Some(f) = self.journal.facts(&t.node)
                {
                    self.emit(Event::NodeConnected {
                        node: t.node.clone(),
                        facts: f.clone(),
                    });
                }
                self.emit(Event::StepSkipped {
                    node: t.node.clone(),
                    step: t.step,
                    journal: true,
                });
            } else if self.only_node.as_deref().is_some_and(|n| n != t.node) {
                // Another node's unfinished task: not ours to run in a --node run.
                self.status[i] = Status::Blocked;
            }
        }
        self.propagate_blocked();

        let mut running: JoinSet<(usize, Outcome)> = JoinSet::new();
        let mut stopping = false;
        let (watch_stop_tx, watch_stop_rx) = tokio::sync::watch::channel(false);
        let mut watcher_started = false;
        loop {
            if !watcher_started && self.init_done() {
                watcher_started = true;
                super::joinwatch::spawn(sh.clone_for_watch(), watch_stop_rx.clone());
            }
            if !stopping {
                self.run_preflight_if_ready();
                self.start_ready(&mut running);
            }
            if running.is_empty() {
                break;
            }
            tokio::select! {
                Some(res) = running.join_next() => {
                    match res {
                        Ok((i, outcome)) => self.finish(i, outcome),
                        Err(e) if e.is_cancelled() => {}
                        Err(e) => self.emit(Event::Warning { node: None, text: format!("internal: a task panicked: {e}") }),
                    }
                }
                Some(cmd) = commands.recv() => match cmd {
                    Command::Stop => {
                        stopping = true;
                        self.summary.interrupted = true;
                    }
                    Command::Abort => {
                        stopping = true;
                        self.summary.interrupted = true;
                        self.abort_running(&mut running).await;
                    }
                    Command::RetryNode(node) => self.retry_node(&node),
                },
            }
        }
        let _ = watch_stop_tx.send(true);
        self.save();
        if let Some(w) = self.writer.take() {
            w.flush().await;
        }
        sh.conns.close_all().await;

        // A `--node` run is judged on that node's steps only.
        let all_done = sh
            .plan
            .tasks
            .iter()
            .zip(&self.status)
            .filter(|(t, _)| self.only_node.as_deref().is_none_or(|n| n == t.node))
            .all(|(_, s)| *s == Status::Done);
        self.summary.ok = all_done && self.summary.failed.is_empty() && !self.summary.interrupted;
        self.summary.wall = self.started.elapsed();
        let kc = sh.state_dir.join("kubeconfig");
        if kc.exists() {
            self.summary.kubeconfig = Some(kc);
        }
        self.emit(Event::RunFinished {
            summary: self.summary.clone(),
        });
        self.summary
    }

    fn init_done(&self) -> bool {
        self.shared
            .plan
            .tasks
            .iter()
            .enumerate()
            .any(|(i, t)| t.step == StepId::Init && self.status[i] == Status::Done)
    }

    fn deps_done(&self, i: usize) -> bool {
        self.shared.plan.tasks[i]
            .after
            .iter()
            .all(|&d| self.status[d] == Status::Done)
    }

    /// A waiting task whose prerequisite failed or is blocked can never start this run.
    fn propagate_blocked(&mut self) {
        let sh = self.shared.clone();
        loop {
            let mut changed = false;
            for (i, t) in sh.plan.tasks.iter().enumerate() {
                if self.status[i] != Status::Waiting {
                    continue;
                }
                if let Some(&d) = t
                    .after
                    .iter()
                    .find(|&&d| matches!(self.status[d], Status::Failed | Status::Blocked))
                {
                    self.status[i] = Status::Blocked;
                    let dt = &sh.plan.tasks[d];
                    self.emit(Event::StepBlocked {
                        node: t.node.clone(),
                        step: t.step,
                        by: format!("{} on {}", dt.step, dt.node),
                    });
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
    }

    /// Preflight is a barrier over every node's facts, evaluated here on the workstation. If
    /// any node is refused, no node goes on: nothing is changed anywhere.
    fn run_preflight_if_ready(&mut self) {
        let sh = self.shared.clone();
        let ready: Vec<usize> = (0..sh.plan.tasks.len())
            .filter(|&i| {
                self.status[i] == Status::Waiting
                    && matches!(sh.plan.tasks[i].kind, TaskKind::Local)
                    && self.deps_done(i)
            })
            .collect();
        if ready.is_empty() {
            return;
        }
        let facts: HashMap<String, Facts> = sh
            .cfg
            .nodes
            .iter()
            .filter_map(|n| {
                self.journal
                    .facts(&n.name)
                    .map(|f| (n.name.clone(), f.clone()))
            })
            .collect();
        let findings = super::preflight::evaluate(&sh.cfg, &facts);
        for (node, warnings) in &findings.warnings {
            for w in warnings {
                self.emit(Event::Warning {
                    node: Some(node.clone()),
                    text: w.clone(),
                });
            }
        }
        // Only the nodes whose preflight runs now can be refused: nodes installed by an
        // earlier run keep their recorded facts and are not re-judged.
        let ready_nodes: HashSet<&str> = ready
            .iter()
            .map(|&i| sh.plan.tasks[i].node.as_str())
            .collect();
        let refused: Vec<String> = findings
            .refusals
            .iter()
            .filter(|(k, v)| !v.is_empty() && ready_nodes.contains(k.as_str()))
            .map(|(k, _)| k.clone())
            .collect();
        for &i in &ready {
            let t = &sh.plan.tasks[i];
            let addr = self.address(&t.node);
            self.emit(Event::StepStarted {
                node: t.node.clone(),
                step: t.step,
                attempt: 1,
            });
            if let Some(problems) = findings.refusals.get(&t.node).filter(|p| !p.is_empty()) {
                for p in problems {
                    sh.logs.write(&t.node, t.step, p);
                }
                let failure = Failure {
                    exit_code: None,
                    error: problems[0].clone(),
                    tail: problems.clone(),
                    hint: Some("fix the node and run `kubewiz apply` again; nothing was changed on any node".into()),
                };
                self.journal
                    .record(&t.node, &addr, t.step, StepState::Failed)
                    .error = Some(failure.error.clone());
                self.fail(i, failure);
            } else if !refused.is_empty() {
                self.status[i] = Status::Blocked;
                self.emit(Event::StepBlocked {
                    node: t.node.clone(),
                    step: t.step,
                    by: format!("preflight of {}", refused.join(", ")),
                });
            } else {
                self.journal.record(&t.node, &addr, t.step, StepState::Done);
                self.status[i] = Status::Done;
                self.emit(Event::StepFinished {
                    node: t.node.clone(),
                    step: t.step,
                    duration: Duration::ZERO,
                });
            }
        }
        self.save();
        self.propagate_blocked();
    }

    fn address(&self, node: &str) -> String {
        self.shared
            .cfg
            .node(node)
            .map(|n| n.address.clone())
            .unwrap_or_default()
    }

    /// Starts every task whose inputs are done, as far as the caps allow (`parallel` steps in
    /// all, `MAX_STEPS_PER_HOST` steps and `MAX_WAITS_PER_HOST` waits per host), in
    /// `start_order`: the longest remaining path first.
    fn start_ready(&mut self, running: &mut JoinSet<(usize, Outcome)>) {
        let sh = self.shared.clone();
        for k in 0..self.start_order.len() {
            let i = self.start_order[k];
            let t = &sh.plan.tasks[i];
            if self.status[i] != Status::Waiting || !self.deps_done(i) {
                continue;
            }
            let TaskKind::Remote(_) = &t.kind else {
                continue;
            };
            if is_wait(t.step) {
                let waits = self.host_waits.entry(t.host.clone()).or_default();
                if *waits >= MAX_WAITS_PER_HOST {
                    continue;
                }
                *waits += 1;
            } else {
                let steps = self.host_steps.entry(t.host.clone()).or_default();
                if self.working >= self.parallel || *steps >= MAX_STEPS_PER_HOST {
                    continue;
                }
                *steps += 1;
                self.working += 1;
            }
            self.status[i] = Status::Running;
            let addr = self.address(&t.node);
            let attempt = self
                .journal
                .record(&t.node, &addr, t.step, StepState::Running)
                .attempts;
            self.save();
            self.emit(Event::StepStarted {
                node: t.node.clone(),
                step: t.step,
                attempt,
            });
            if t.step == StepId::Join {
                self.emit(Event::NodeState {
                    node: t.node.clone(),
                    state: super::ClusterNodeState::Joining,
                });
            }
            let sh2 = sh.clone();
            running.spawn(async move {
                let outcome = execute(&sh2, i).await;
                (i, outcome)
            });
        }
    }

    fn release_host(&mut self, step: StepId, host: &str) {
        let count = if is_wait(step) {
            self.host_waits.get_mut(host)
        } else {
            self.working = self.working.saturating_sub(1);
            self.host_steps.get_mut(host)
        };
        if let Some(c) = count {
            *c = c.saturating_sub(1);
        }
    }

    fn finish(&mut self, i: usize, outcome: Outcome) {
        let sh = self.shared.clone();
        let t = &sh.plan.tasks[i];
        self.release_host(t.step, &t.host);
        sh.pgids.lock().expect("pgid lock").remove(&i);
        let addr = self.address(&t.node);
        match outcome {
            Outcome::Done {
                skipped,
                facts,
                duration,
            } => {
                if t.step == StepId::Facts {
                    let mut f =
                        Facts::from_pairs(facts.iter().map(|(k, v)| (k.as_str(), v.as_str())));
                    f.clock_skew_secs = super::journal::now() - f.epoch;
                    self.journal.set_facts(&t.node, &addr, f.clone());
                    self.emit(Event::NodeConnected {
                        node: t.node.clone(),
                        facts: f,
                    });
                }
                let rec = self.journal.record(&t.node, &addr, t.step, StepState::Done);
                rec.exit_code = Some(0);
                self.save();
                self.status[i] = Status::Done;
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
        self.status[i] = Status::Failed;
        self.summary
            .failed
            .push((t.node.clone(), t.step, failure.clone()));
        self.emit(Event::StepFailed {
            node: t.node.clone(),
            step: t.step,
            failure,
        });
        self.propagate_blocked();
    }

    fn retry_node(&mut self, node: &str) {
        let sh = self.shared.clone();
        for (i, t) in sh.plan.tasks.iter().enumerate() {
            if matches!(self.status[i], Status::Failed | Status::Blocked)
                && (t.node == node || self.status[i] == Status::Blocked)
            {
                self.status[i] = Status::Waiting;
            }
        }
        self.summary.failed.retain(|(n, _, _)| n != node);
        self.propagate_blocked();
    }

    /// Kills every running remote step (its whole process group) and records it interrupted.
    async fn abort_running(&mut self, running: &mut JoinSet<(usize, Outcome)>) {
        let sh = self.shared.clone();
        let pgids: Vec<(usize, u32)> = sh.pgids.lock().expect("pgid lock").drain().collect();
        for (i, pgid) in pgids {
            let host = sh.plan.tasks[i].host.clone();
            if let Ok(conn) = sh.conns.get(&host).await {
                conn.kill_group(pgid).await;
            }
        }
        running.abort_all();
        while running.join_next().await.is_some() {}
        for (i, t) in sh.plan.tasks.iter().enumerate() {
            if self.status[i] == Status::Running {
                self.status[i] = Status::Waiting;
                let addr = self.address(&t.node);
                self.journal
                    .record(&t.node, &addr, t.step, StepState::Interrupted);
                self.release_host(t.step, &t.host);
            }
        }
        self.save();
    }
}

impl Shared {
    fn emit(&self, e: Event) {
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

/// Runs one remote task: check-then-apply on its host, reconnecting and retrying (with
/// backoff) while the connection is lost, for up to `RECONNECT_WINDOW`. Safe to repeat:
/// every script checks before it applies.
async fn execute(sh: &Arc<Shared>, i: usize) -> Outcome {
    let t = &sh.plan.tasks[i];
    let started = Instant::now();
    let mut first_loss: Option<Instant> = None;
    let mut attempt: u32 = 0;
    loop {
        attempt += 1;
        let err = match attempt_once(sh, i).await {
            Ok(Outcome::Done { skipped, facts, .. }) => {
                return Outcome::Done {
                    skipped,
                    facts,
                    duration: started.elapsed(),
                };
            }
            Ok(failed) => return failed,
            Err(e) if e.is_transient() => e,
            Err(e) => {
                return Outcome::Failed {
                    failure: Failure {
                        exit_code: None,
                        error: e.to_string(),
                        tail: vec![],
                        hint: None,
                    },
                };
            }
        };
        let lost_for = first_loss.get_or_insert_with(Instant::now).elapsed();
        if lost_for >= RECONNECT_WINDOW {
            return Outcome::Failed {
                failure: Failure {
                    exit_code: None,
                    error: format!("connection lost: {err}"),
                    tail: vec![],
                    hint: Some(format!(
                        "{} has been unreachable for {} s; the other nodes went on where they could. \
                         Bring the node back (network, sshd) and run `kubewiz apply` again: it \
                         resumes at this step",
                        t.node,
                        lost_for.as_secs()
                    )),
                },
            };
        }
        let wait = Duration::from_secs(1 << (attempt - 1).min(3));
        sh.emit(Event::Warning {
            node: Some(t.node.clone()),
            text: format!(
                "{}: {err}; reconnecting in {} s (attempt {})",
                t.step,
                wait.as_secs(),
                attempt + 1
            ),
        });
        sh.conns.invalidate(&t.host).await;
        tokio::time::sleep(wait).await;
    }
}

async fn attempt_once(sh: &Arc<Shared>, i: usize) -> Result<Outcome, SshError> {
    let t = &sh.plan.tasks[i];
    let TaskKind::Remote(script) = &t.kind else {
        unreachable!("local tasks are evaluated by the scheduler")
    };
    let conn = sh.conns.get(&t.host).await?;

    let secrets = if script.secrets.is_empty() {
        HashMap::new()
    } else {
        mint_secrets(sh, script.secrets.contains(&SecretSlot::CertificateKey)).await?
    };
    if let Some(fail) = super::manifests::upload_for(sh.as_ref(), &conn, t).await? {
        return Ok(Outcome::Failed { failure: fail });
    }
    let text = sh.plan.render_with_secrets(t, &secrets);

    let mut facts = Vec::new();
    let mut tail: VecDeque<String> = VecDeque::new();
    let mut hints = Vec::new();
    let mut skipped = false;
    let mut files: Vec<(String, String)> = Vec::new();
    let mut sink = |line: Line| match line {
        Line::Structured(rest) => {
            let (kind, value) = rest.split_once(' ').unwrap_or((rest.as_str(), ""));
            match kind {
                "fact" => {
                    if let Some((k, v)) = value.split_once('=') {
                        facts.push((k.to_string(), v.to_string()));
                    }
                }
                "result" => skipped = value.trim() == "skipped",
                "hint" => hints.push(sh.redactor.redact(value)),
                "pgid" => {
                    if let Ok(p) = value.trim().parse() {
                        sh.pgids.lock().expect("pgid lock").insert(i, p);
                    }
                }
                "file" => {
                    if let Some((name, data)) = value.split_once(' ') {
                        files.push((name.to_string(), data.to_string()));
                    }
                }
                // `secret` lines are only expected from the mint script; anything else is ignored.
                _ => {}
            }
        }
        Line::Stdout(text) | Line::Stderr(text) => {
            let text = sh.redactor.redact(&text);
            sh.logs.write(&t.node, t.step, &text);
            if tail.len() == TAIL_LINES {
                tail.pop_front();
            }
            tail.push_back(text.clone());
            sh.emit(Event::Line {
                node: t.node.clone(),
                step: t.step,
                stream: Stream::Stdout,
                text,
            });
        }
    };
    let exit = conn.run_script(&text, t.timeout, &mut sink).await?;
    for (name, data) in files {
        if let Err(e) = save_file(sh, &name, &data) {
            return Ok(Outcome::Failed {
                failure: Failure {
                    exit_code: exit.code,
                    error: e,
                    tail: vec![],
                    hint: None,
                },
            });
        }
    }
    if exit.code == Some(0) {
        return Ok(Outcome::Done {
            skipped,
            facts,
            duration: Duration::ZERO,
        });
    }
    let tail: Vec<String> = tail.into_iter().collect();
    let error = if exit.timed_out {
        format!(
            "timed out after {} s (the remote process was killed)",
            t.timeout.as_secs()
        )
    } else {
        match exit.code {
            Some(c) => format!("exit code {c}"),
            None => "killed by a signal".to_string(),
        }
    };
    let hint = hints
        .into_iter()
        .next()
        .or_else(|| super::hints::for_output(tail.iter()))
        .or_else(|| {
            exit.timed_out.then(|| {
                "look at the node's log, fix the cause and run `kubewiz apply` again".to_string()
            })
        });
    Ok(Outcome::Failed {
        failure: Failure {
            exit_code: exit.code,
            error,
            tail,
            hint,
        },
    })
}

/// Join secrets are minted on the first control plane when a join needs them, kept in
/// memory for this run only (never in the journal), and registered with the redactor.
async fn mint_secrets(
    sh: &Arc<Shared>,
    need_cert_key: bool,
) -> Result<HashMap<SecretSlot, String>, SshError> {
    let mut guard = sh.secrets.lock().await;
    if let Some((at, s)) = guard.as_ref()
        && at.elapsed() < SECRET_REUSE
        && (!need_cert_key || s.contains_key(&SecretSlot::CertificateKey))
    {
        return Ok(s.clone());
    }
    let cp = sh
        .cfg
        .first_control_plane()
        .map(|n| n.name.clone())
        .unwrap_or_default();
    let conn = sh.conns.get(&cp).await?;
    let script = sh.plan.mint_script(need_cert_key);
    let mut out = HashMap::new();
    let mut tail = Vec::new();
    let mut sink = |line: Line| match line {
        Line::Structured(rest) => {
            if let Some(kv) = rest.strip_prefix("secret ")
                && let Some((k, v)) = kv.split_once('=')
            {
                let v = v.trim().to_string();
                sh.redactor.add(&v);
                let slot = match k {
                    "token" => Some(SecretSlot::JoinToken),
                    "ca_cert_hash" => Some(SecretSlot::CaCertHash),
                    "certificate_key" => Some(SecretSlot::CertificateKey),
                    _ => None,
                };
                if let Some(slot) = slot {
                    out.insert(slot, v);
                }
            }
        }
        Line::Stdout(l) | Line::Stderr(l) => {
            let l = sh.redactor.redact(&l);
            sh.logs.write(&cp, StepId::Join, &l);
            tail.push(l);
        }
    };
    let exit = conn
        .run_script(&script, Duration::from_secs(120), &mut sink)
        .await?;
    if exit.code != Some(0) || !out.contains_key(&SecretSlot::JoinToken) {
        return Err(SshError::Remote {
            node: cp,
            message: format!(
                "could not mint a join token (exit {:?}): {}",
                exit.code,
                tail.last().cloned().unwrap_or_default()
            ),
        });
    }
    *guard = Some((Instant::now(), out.clone()));
    Ok(out)
}

/// Files a step hands back (`::kw::file NAME BASE64`): only the admin kubeconfig so far.
fn save_file(sh: &Shared, name: &str, data: &str) -> Result<(), String> {
    use base64::Engine as _;
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    if name != "kubeconfig" {
        return Err(format!("unexpected file {name:?} from the node"));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data.trim())
        .map_err(|e| format!("kubeconfig: bad data from the node: {e}"))?;
    let path = sh.state_dir.join("kubeconfig");
    let tmp = sh.state_dir.join("kubeconfig.tmp");
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(&bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &path)
    };
    write().map_err(|e| format!("cannot write {}: {e}", path.display()))
}
