//! Running an upgrade: [`prepare`] reads what the cluster runs (read-only, every node over SSH) and computes
//! the path; [`execute`] runs one engine run per hop (journal `.kubewiz/upgrade-<version>.json`: a resumed
//! upgrade skips what a hop's journal has done, and the steps' own checks skip what the nodes show done),
//! then records the new version in cluster.toml and the install's journal.
//!
//! `.kubewiz/upgrade.json` remembers, from the first attempt until the upgrade finishes, which nodes were
//! cordoned before it began (those stay cordoned; every other node kubewiz cordons it uncordons again).

use super::certs::{self, NodeCerts};
use super::path::{self, Hop, NodeSurvey, Path as UpgradePath, Refusal, Survey};
use super::plan::{self as hop_plan, Settings};
use super::scripts;
use crate::catalog::{Catalog, KubeVersion};
use crate::config::{ClusterConfig, NodeConfig, Role};
use crate::engine::journal::{self, Journal, RunLock};
use crate::engine::{self, Command, Event, Failure};
use crate::facts::Facts;
use crate::plan::StepId;
use crate::ssh::{Connection, Line, SshError, Target};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::sync::mpsc;

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

/// What one node reported to the survey (its facts and the `upgrade-survey` facts).
#[derive(Debug, Clone, Default)]
struct NodeReport {
    facts: Facts,
    survey: BTreeMap<String, Vec<String>>,
}

impl NodeReport {
    fn one(&self, key: &str) -> &str {
        self.survey
            .get(key)
            .and_then(|v| v.first())
            .map(String::as_str)
            .unwrap_or("")
    }
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

/// `.kubewiz/upgrade.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Record {
    /// Nodes cordoned before the upgrade began.
    found_cordoned: Vec<String>,
    started_at: i64,
    /// The versions asked for, in order (a later attempt may ask for another).
    targets: Vec<String>,
}

fn record_path(state_dir: &Path) -> PathBuf {
    state_dir.join("upgrade.json")
}

/// Reads what the cluster runs and computes the path to `target`. Changes nothing on any node.
pub async fn prepare(
    config_path: &Path,
    config: &ClusterConfig,
    target: &str,
    mut settings: Settings,
) -> Result<Prepared, UpgradeError> {
    let state_dir = journal::state_dir(config_path);
    let installed = Journal::load(&state_dir)?.is_some_and(|j| j.initialized());
    if !installed {
        return Err(UpgradeError::NotInstalled(state_dir.join("state.json")));
    }
    let cp = config
        .first_control_plane()
        .ok_or(crate::plan::PlanError::NoControlPlane)?;
    let reports = survey_all(config).await?;
    let first = &reports[&cp.name];
    let server = first.one("server_version");
    let Some(apiserver) = version(server) else {
        return Err(UpgradeError::ApiDown(api_down(config, cp).await));
    };
    // The cluster's view: "NAME vX.Y.Z Ready unschedulable=true|".
    let mut seen: BTreeMap<String, (Option<KubeVersion>, String, bool)> = BTreeMap::new();
    for line in first.survey.get("node").into_iter().flatten() {
        let w: Vec<&str> = line.split_whitespace().collect();
        if let [name, ver, rest @ ..] = w.as_slice() {
            let ready = rest.first().copied().unwrap_or("Unknown");
            let ready = if ready == "True" { "Ready" } else { "NotReady" };
            let cordoned = rest.contains(&"unschedulable=true");
            seen.insert(
                name.to_string(),
                (version(ver), ready.to_string(), cordoned),
            );
        }
    }
    let survey = Survey {
        apiserver,
        nodes: config
            .nodes
            .iter()
            .map(|n| {
                let r = &reports[&n.name];
                NodeSurvey {
                    name: n.name.clone(),
                    role: n.role,
                    kubelet: seen.get(&n.name).and_then(|s| s.0),
                    apiserver: (n.role == Role::ControlPlane)
                        .then(|| version(r.one("apiserver_manifest")))
                        .flatten(),
                    facts: r.facts.clone(),
                }
            })
            .collect(),
    };
    let mut path = path::compute(Catalog::builtin(), config, &survey, target)?;
    // Nodes cordoned before the upgrade began, as recorded by its first attempt.
    let rec = load_record(&state_dir);
    // Every node runs the version, but an attempt stopped before its hop finished (a node may
    // still be cordoned): that hop again, its done steps skipped.
    if path.hops.is_empty() && rec.is_some() {
        path.hops.push(Hop {
            from: survey.apiserver,
            to: survey.apiserver,
            catch_up: true,
            changes: vec!["the hop an earlier attempt left unfinished: its remaining steps".into()],
        });
    }
    settings.found_cordoned = match &rec {
        Some(r) => r.found_cordoned.clone(),
        None => seen
            .iter()
            .filter(|(_, s)| s.2)
            .map(|(n, _)| n.clone())
            .collect(),
    };
    let nodes = config
        .nodes
        .iter()
        .map(|n| match seen.get(&n.name) {
            Some((_, ready, cordoned)) => (n.name.clone(), ready.clone(), *cordoned),
            None => (n.name.clone(), "not registered".to_string(), false),
        })
        .collect();
    Ok(Prepared {
        config_path: config_path.to_path_buf(),
        config: config.clone(),
        survey,
        path,
        settings,
        nodes,
    })
}

/// "v1.26.15" / "1.26.15" → the version; anything else → None.
fn version(s: &str) -> Option<KubeVersion> {
    KubeVersion::parse(s.trim().trim_start_matches('v')).ok()
}

/// The version an unfinished upgrade was last asked for (`.kubewiz/upgrade.json`), if one is unfinished.
pub fn unfinished(state_dir: &Path) -> Option<String> {
    load_record(state_dir).and_then(|r| r.targets.last().cloned())
}

fn load_record(state_dir: &Path) -> Option<Record> {
    std::fs::read(record_path(state_dir))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
}

fn save_record(state_dir: &Path, r: &Record) -> Result<(), UpgradeError> {
    let path = record_path(state_dir);
    crate::atomic_file::write_private(&path, &serde_json::to_vec_pretty(r).expect("serialises"))
        .map_err(|source| UpgradeError::Io { path, source })
}

/// Every node's facts and survey, at once.
async fn survey_all(config: &ClusterConfig) -> Result<BTreeMap<String, NodeReport>, UpgradeError> {
    let peers = |n: &NodeConfig| -> Vec<String> {
        config
            .nodes
            .iter()
            .filter(|p| p.name != n.name)
            .map(|p| format!("{}:{}", p.address, p.port.unwrap_or(config.ssh.port)))
            .collect()
    };
    let jobs = config.nodes.iter().map(|n| {
        let facts = crate::plan::facts_script(&n.name, &peers(n));
        let survey = scripts::assemble(
            &scripts::env("upgrade-survey", &[]),
            scripts::SURVEY,
            "kw_survey",
        );
        async move {
            let r = survey_node(n, config, &facts, &survey).await;
            (n.name.clone(), r)
        }
    });
    let mut out = BTreeMap::new();
    for (name, r) in futures_util::future::join_all(jobs).await {
        match r {
            Ok(rep) => {
                out.insert(name, rep);
            }
            Err(source) => return Err(UpgradeError::Unreachable { node: name, source }),
        }
    }
    Ok(out)
}

async fn survey_node(
    n: &NodeConfig,
    config: &ClusterConfig,
    facts_script: &str,
    survey_script: &str,
) -> Result<NodeReport, SshError> {
    let conn = Connection::open(&Target::new(n, &config.ssh)).await?;
    let mut rep = NodeReport::default();
    let mut pairs: Vec<(String, String)> = Vec::new();
    let res = async {
        for (i, script) in [facts_script, survey_script].into_iter().enumerate() {
            let mut sink = |line: Line| {
                if let Line::Structured(rest) = line
                    && let Some(kv) = rest.strip_prefix("fact ")
                    && let Some((k, v)) = kv.split_once('=')
                {
                    if i == 0 {
                        pairs.push((k.to_string(), v.to_string()));
                    } else {
                        rep.survey
                            .entry(k.to_string())
                            .or_default()
                            .push(v.to_string());
                    }
                }
            };
            let exit = conn
                .run_script(script, Duration::from_secs(120), &mut sink)
                .await?;
            if exit.code != Some(0) {
                return Err(SshError::Remote {
                    node: n.name.clone(),
                    message: format!(
                        "the {} script exited with {:?}",
                        if i == 0 { "facts" } else { "upgrade survey" },
                        exit.code
                    ),
                });
            }
        }
        Ok(())
    }
    .await;
    conn.close().await;
    res?;
    rep.facts = Facts::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    Ok(rep)
}

/// Why the first control plane's API server does not answer, with what to do.
async fn api_down(config: &ClusterConfig, cp: &NodeConfig) -> String {
    let base = format!(
        "the API server on {} does not answer (`kubectl version` on the node)",
        cp.name
    );
    match check_certs(config, cp).await {
        Ok(c) => {
            let now = journal::now();
            match c.soonest() {
                Some((name, t)) if t <= now => format!(
                    "{base}: its certificate {name} expired on {} — run `kubewiz certs renew`, then the \
                     upgrade again",
                    certs::fmt_date(t)
                ),
                _ => format!(
                    "{base}; its certificates are valid: look at the node (crictl ps -a; journalctl -u kubelet)"
                ),
            }
        }
        Err(e) => format!("{base}; reading its certificates failed too: {e}"),
    }
}

/// `kubeadm certs check-expiration` on a control plane.
pub async fn check_certs(config: &ClusterConfig, n: &NodeConfig) -> Result<NodeCerts, String> {
    let script = scripts::assemble(
        &scripts::env("certs-check", &[]),
        scripts::CERTS_CHECK,
        "kw_certs_check",
    );
    let (code, lines) = run_collect(config, n, &script, Duration::from_secs(120))
        .await
        .map_err(|e| e.to_string())?;
    let text = lines.join("\n");
    if code != Some(0) {
        return Err(format!(
            "kubeadm certs check-expiration failed (exit {code:?}): {}",
            lines.last().cloned().unwrap_or_default()
        ));
    }
    Ok(NodeCerts {
        node: n.name.clone(),
        checked_at: journal::now(),
        certs: certs::parse_check_expiration(&text)?,
    })
}

/// Runs a script on a node; its exit code and output lines (structured lines as `::kw::...`).
pub async fn run_collect(
    config: &ClusterConfig,
    n: &NodeConfig,
    script: &str,
    timeout: Duration,
) -> Result<(Option<i32>, Vec<String>), SshError> {
    let conn = Connection::open(&Target::new(n, &config.ssh)).await?;
    let mut lines = Vec::new();
    let mut sink = |l: Line| match l {
        Line::Stdout(t) | Line::Stderr(t) => lines.push(t),
        Line::Structured(t) => lines.push(format!("::kw::{t}")),
    };
    let exit = conn.run_script(script, timeout, &mut sink).await;
    conn.close().await;
    Ok((exit?.code, lines))
}

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
    let (ev_tx, ev_rx) = mpsc::unbounded_channel();
    let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
    let done = tokio::spawn(run_hops(p, parallel, ev_tx, cmd_rx));
    UpgradeRun {
        events: ev_rx,
        commands: cmd_tx,
        done,
    }
}

async fn run_hops(
    p: Prepared,
    parallel: usize,
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
        };
        let mut run = match engine::start_with_plan(
            &p.config_path,
            hop_plan::hop_config(&p.config, hop),
            plan,
            opts,
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
        out.recorded = finish(&p).await;
        let _ = std::fs::remove_file(record_path(&state_dir));
    } else {
        out.left_cordoned = left_cordoned(&p).await;
    }
    out.wall = started.elapsed();
    out
}

/// After the last hop: the version into cluster.toml and the install's journal; the control planes'
/// certificate dates (renewed by the upgrade) into `.kubewiz/certs.json`.
async fn finish(p: &Prepared) -> Vec<String> {
    let mut notes = Vec::new();
    let new = p.path.to.to_string();
    let old = p.config.cluster.kubernetes_version.clone();
    let state_dir = journal::state_dir(&p.config_path);
    if old != new {
        match set_version(&p.config_path, &p.config, &new) {
            Ok(()) => notes.push(format!(
                "{}: kubernetes_version = \"{new}\" (was \"{old}\")",
                p.config_path.display()
            )),
            Err(e) => notes.push(format!(
                "{} still says kubernetes_version = \"{old}\": {e}",
                p.config_path.display()
            )),
        }
        let stamped = RunLock::acquire(&state_dir).and_then(|_lock| {
            let mut j = Journal::load(&state_dir)?
                .ok_or_else(|| journal::JournalError::Incompatible("the journal is gone".into()))?;
            j.cluster.kubernetes_version = new.clone();
            j.save()
        });
        if let Err(e) = stamped {
            notes.push(format!("the journal still records {old}: {e}"));
        }
    }
    let cps: Vec<&NodeConfig> = p
        .config
        .nodes
        .iter()
        .filter(|n| n.role == Role::ControlPlane)
        .collect();
    let checks =
        futures_util::future::join_all(cps.iter().map(|n| check_certs(&p.config, n))).await;
    let ok: Vec<NodeCerts> = checks.into_iter().filter_map(Result::ok).collect();
    if let Some(soonest) = ok.iter().filter_map(|c| c.soonest()).map(|(_, t)| t).min() {
        notes.push(format!(
            "certificates renewed by the upgrade: the first expires on {}",
            certs::fmt_date(soonest)
        ));
    }
    let _ = certs::record(&state_dir, &ok);
    notes
}

/// Sets `cluster.kubernetes_version` in cluster.toml (comments and layout kept), if the result is a
/// valid config. The CNI stays what the cluster runs (the upgrade does not touch it): when the new
/// minor's default release is another one, `cni_version` is pinned to the running release, so that the
/// file keeps describing the cluster (and a later `apply` does not swap the CNI).
fn set_version(path: &Path, before: &ClusterConfig, version: &str) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e| format!("{e}"))?;
    let Some(cluster) = doc.get_mut("cluster").and_then(|c| c.as_table_like_mut()) else {
        return Err("it has no [cluster] table".into());
    };
    cluster.insert("kubernetes_version", toml_edit::value(version));
    let catalog = Catalog::builtin();
    if let (Ok(old), Ok(new)) = (
        catalog.minor_for(&before.cluster.kubernetes_version),
        catalog.minor_for(version),
    ) {
        let running = before.cni_version(old);
        if before.cluster.cni_version.is_none() && new.cni(before.cluster.cni).default != running {
            cluster.insert("cni_version", toml_edit::value(running));
        }
    }
    let new = doc.to_string();
    let cfg = crate::config::parse(&new, path).map_err(|e| e.to_string())?;
    if let Err(problems) = crate::config::validate_installed(&cfg, catalog) {
        return Err(format!(
            "with {version} the config would not be valid: {}",
            problems
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    // Atomic, keeping the file's mode.
    let mode = std::fs::metadata(path).map(|m| m.permissions()).ok();
    crate::atomic_file::write_private(path, new.as_bytes()).map_err(|e| e.to_string())?;
    if let Some(m) = mode {
        std::fs::set_permissions(path, m).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Nodes cordoned now that were not cordoned before the upgrade began.
async fn left_cordoned(p: &Prepared) -> Vec<String> {
    let Some(cp) = p.config.first_control_plane() else {
        return Vec::new();
    };
    let script = scripts::assemble(
        &scripts::env("upgrade-survey", &[]),
        scripts::SURVEY,
        "kw_survey",
    );
    let Ok((_, lines)) = run_collect(&p.config, cp, &script, Duration::from_secs(60)).await else {
        return Vec::new();
    };
    lines
        .iter()
        .filter_map(|l| l.strip_prefix("::kw::fact node="))
        .filter(|l| l.contains("unschedulable=true"))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| !p.settings.found_cordoned.iter().any(|f| f == n))
        .map(str::to_string)
        .collect()
}
