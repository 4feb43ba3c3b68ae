//! The runtime: owns the terminal (crossterm: raw mode, alternate screen), turns key events,
//! background results and engine events into `Msg`s, runs `update`, performs the `Effect`s
//! in background tasks and redraws. Nothing here blocks on the network.

use super::model::{JournalInfo, Model, ResumeInfo};
use super::msg::{Effect, Msg};
use super::theme::Theme;
use super::{save, update, view};
use crate::catalog::Catalog;
use crate::config::{ClusterConfig, NodeConfig, SshSection};
use crate::engine::{self, Event};
use crate::plan::{self, StepId};
use crate::ssh;
use crate::ssh::{bootstrap, hostkey};
use color_eyre::eyre::WrapErr;
use crossterm::event as ct;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::mpsc::{self, UnboundedSender};

/// Opens the wizard. Returns exit code 2 without drawing when stdout is not a terminal.
pub fn run(config_path: Option<PathBuf>) -> color_eyre::Result<ExitCode> {
    if !std::io::stdout().is_terminal() {
        eprintln!("kubewiz: not a terminal; use `kubewiz apply -c cluster.toml`");
        return Ok(ExitCode::from(2));
    }
    // color-eyre's hooks first, then ratatui's (ratatui::init), so that a panic or an error
    // report restores the terminal before it is printed.
    let _ = color_eyre::install();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .wrap_err("cannot start the async runtime")?;
    let path = config_path.unwrap_or_else(|| PathBuf::from("cluster.toml"));
    // Absolute, so that paths the wizard writes (the bootstrap key) do not depend on the cwd.
    let path = std::path::absolute(&path).unwrap_or(path);
    let terminal = ratatui::init();
    let result = rt.block_on(main_loop(terminal, path));
    ratatui::restore();
    // Let background tasks (an engine that is stopping) end on their own, briefly.
    rt.shutdown_timeout(Duration::from_secs(2));
    let exit = result?;
    if let Some(msg) = exit.message {
        println!("{msg}");
    }
    Ok(ExitCode::from(exit.code))
}

/// Reads terminal events on a thread of its own (crossterm's read blocks).
fn spawn_input(tx: UnboundedSender<Msg>, stop: Arc<AtomicBool>) {
    std::thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            match ct::poll(Duration::from_millis(100)) {
                Ok(true) => {}
                Ok(false) => continue,
                Err(_) => break,
            }
            let msg = match ct::read() {
                Ok(ct::Event::Key(k)) => Msg::Key(k),
                Ok(ct::Event::Resize(w, h)) => Msg::Resize(w, h),
                Ok(ct::Event::Paste(text)) => {
                    for c in text.chars().filter(|c| !c.is_control()) {
                        if tx
                            .send(Msg::Key(ct::KeyEvent::from(ct::KeyCode::Char(c))))
                            .is_err()
                        {
                            return;
                        }
                    }
                    continue;
                }
                Ok(_) => continue,
                Err(_) => break,
            };
            if tx.send(msg).is_err() {
                break;
            }
        }
    });
}

struct Runtime {
    bg: UnboundedSender<Msg>,
    engine: Option<UnboundedSender<engine::Command>>,
}

async fn main_loop(
    mut terminal: ratatui::DefaultTerminal,
    path: PathBuf,
) -> color_eyre::Result<super::model::ExitRequest> {
    let (key_tx, mut key_rx) = mpsc::unbounded_channel();
    let (bg_tx, mut bg_rx) = mpsc::unbounded_channel();
    let stop_input = Arc::new(AtomicBool::new(false));
    spawn_input(key_tx, stop_input.clone());

    let mut model = Model::new(path.clone());
    model.theme = Theme::from_env();
    if let Ok(size) = terminal.size() {
        model.size = (size.width, size.height);
    }
    let mut rt = Runtime {
        bg: bg_tx,
        engine: None,
    };
    model.welcome.file_exists = path.exists();
    if model.welcome.file_exists {
        rt.effect(&model, Effect::LoadConfig(path));
    }
    let started = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut dirty = true;
    let result = loop {
        if dirty && let Err(e) = terminal.draw(|f| view::view(f, &model)) {
            break Err(e.into());
        }
        let first = tokio::select! {
            biased;
            Some(m) = key_rx.recv() => m,
            Some(m) = bg_rx.recv() => m,
            _ = tick.tick() => Msg::Tick(started.elapsed()),
        };
        // Take everything already queued before drawing again: with many nodes streaming,
        // one frame covers a batch of lines. Keys are never starved (checked each batch).
        let mut batch = vec![first];
        while let Ok(m) = key_rx.try_recv() {
            batch.push(m);
        }
        while batch.len() < 20_000 {
            match bg_rx.try_recv() {
                Ok(m) => batch.push(m),
                Err(_) => break,
            }
        }
        // A lone tick only changes elapsed times on the install screens.
        dirty = !(batch.len() == 1 && matches!(batch[0], Msg::Tick(_)) && !model.install.running());
        for msg in batch {
            for eff in update::update(&mut model, msg) {
                rt.effect(&model, eff);
            }
        }
        if let Some(exit) = model.exit.clone() {
            break Ok(exit);
        }
    };
    stop_input.store(true, Ordering::Relaxed);
    result
}

impl Runtime {
    fn send(&self, msg: Msg) {
        let _ = self.bg.send(msg);
    }

    fn effect(&mut self, model: &Model, eff: Effect) {
        let tx = self.bg.clone();
        match eff {
            Effect::LoadConfig(path) => {
                tokio::task::spawn_blocking(move || {
                    let result = load_for_wizard(&path);
                    let _ = tx.send(Msg::ConfigLoaded { path, result });
                });
            }
            Effect::Probe {
                node,
                ssh,
                probes,
                packages,
            } => {
                let (node, ssh) = resolved(&model.config_path, node, ssh);
                tokio::spawn(async move {
                    let name = node.name.clone();
                    let outcome = super::connect::probe(&node, &ssh, &probes, &packages).await;
                    let _ = tx.send(Msg::Probe {
                        node: name,
                        outcome,
                    });
                });
            }
            Effect::RepoVersions {
                node,
                ssh,
                mirror,
                minor,
            } => {
                let (node, ssh) = resolved(&model.config_path, node, ssh);
                tokio::spawn(async move {
                    let result = super::connect::repo_versions(&node, &ssh, mirror, &minor).await;
                    let _ = tx.send(Msg::RepoVersions {
                        mirror,
                        minor,
                        node: node.name,
                        result,
                    });
                });
            }
            Effect::TrustHostKey { node, ssh, lines } => {
                let (node, ssh) = resolved(&model.config_path, node, ssh);
                tokio::task::spawn_blocking(move || {
                    let target = ssh::Target::new(&node, &ssh);
                    let result =
                        hostkey::trust(&target.known_hosts, &lines).map_err(|e| e.to_string());
                    let _ = tx.send(Msg::HostKeyTrusted {
                        node: node.name,
                        result,
                    });
                });
            }
            Effect::ReplaceHostKey { node, ssh, lines } => {
                let (node, ssh) = resolved(&model.config_path, node, ssh);
                tokio::spawn(async move {
                    let target = ssh::Target::new(&node, &ssh);
                    let result =
                        hostkey::replace(&target.known_hosts, &target.address, target.port, &lines)
                            .await
                            .map_err(|e| e.to_string());
                    let _ = tx.send(Msg::HostKeyTrusted {
                        node: node.name,
                        result,
                    });
                });
            }
            Effect::BootstrapKey {
                node,
                ssh,
                password,
            } => {
                let (node, ssh) = resolved(&model.config_path, node, ssh);
                let state_dir = engine::journal::state_dir(&model.config_path);
                tokio::spawn(async move {
                    let result = bootstrap_node(&node, &ssh, &state_dir, password.expose()).await;
                    drop(password);
                    let _ = tx.send(Msg::Bootstrap {
                        node: node.name,
                        result,
                    });
                });
            }
            Effect::Save { path, config } => {
                tokio::task::spawn_blocking(move || {
                    let r = save::save(&path, &config)
                        .map(|()| path.clone())
                        .map_err(|e| format!("{}: {e}", path.display()));
                    let _ = tx.send(Msg::Saved(r));
                });
            }
            Effect::LoadScript { config, node, step } => {
                tokio::task::spawn_blocking(move || {
                    let text = script_of(&config, &node, step);
                    let _ = tx.send(Msg::Script { node, step, text });
                });
            }
            Effect::StartInstall { path, config: _ } => match start_engine(&path, tx) {
                Ok(commands) => self.engine = Some(commands),
                Err(e) => self.send(Msg::InstallFailed(e)),
            },
            Effect::PrepareUpgrade { path, target } => {
                tokio::spawn(async move {
                    let r = super::upgrading::prepare(&path, &target).await;
                    let _ = tx.send(Msg::UpgradePrepared(r));
                });
            }
            Effect::StartUpgrade(prepared) => {
                self.engine = Some(super::upgrading::start(*prepared, tx));
            }
            Effect::Stop => {
                if let Some(c) = &self.engine {
                    let _ = c.send(engine::Command::Stop);
                }
            }
            Effect::Abort => {
                if let Some(c) = &self.engine {
                    let _ = c.send(engine::Command::Abort);
                }
            }
            Effect::Pause => {
                if let Some(c) = &self.engine {
                    let _ = c.send(engine::Command::Pause);
                }
            }
            Effect::Resume => {
                if let Some(c) = &self.engine {
                    let _ = c.send(engine::Command::Resume);
                }
            }
            Effect::RetryNode(node) => {
                if let Some(c) = &self.engine {
                    let _ = c.send(engine::Command::RetryNode(node));
                }
            }
            Effect::Quit => {}
        }
    }
}

/// cluster.toml for editing: parsed (syntax and types checked) but not validated, so the
/// wizard can show and fix what is wrong; plus what the journal says about earlier runs.
fn load_for_wizard(path: &Path) -> Result<Box<(ClusterConfig, JournalInfo)>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let cfg = crate::config::parse(&text, path).map_err(|e| e.to_string())?;
    let journal = journal_info(path, &cfg);
    Ok(Box::new((cfg, journal)))
}

/// The journal next to `path`, against the plan of `cfg`: the Resume card (unfinished),
/// what init fixed, whether everything is installed, and the time spent installing.
pub fn journal_info(path: &Path, cfg: &ClusterConfig) -> JournalInfo {
    use engine::journal::{Journal, StepState};
    // A look: an unreadable journal is left for the engine to report when the install starts.
    let Some(journal) = Journal::peek(&engine::journal::state_dir(path)) else {
        return JournalInfo::default();
    };
    let mut info = JournalInfo {
        initialised: journal.initialised_with().cloned(),
        ..JournalInfo::default()
    };
    let mut spans: Vec<(i64, i64)> = Vec::new();
    for rec in journal.nodes.values() {
        for r in rec.steps.values() {
            if let (Some(s), Some(f)) = (r.started_at, r.finished_at) {
                spans.push((s, f.max(s)));
                info.last_finished = info.last_finished.max(Some(f));
            }
        }
    }
    info.busy = Duration::from_secs(busy_secs(spans));
    let state_dir = engine::journal::state_dir(path);
    info.upgrade_unfinished = crate::upgrade::run::unfinished(&state_dir);
    info.certs = crate::upgrade::report::status_lines(&state_dir, cfg, "");
    let Ok(plan) = plan::build(cfg, Catalog::builtin()) else {
        return info;
    };
    let mut resume = ResumeInfo {
        total: plan.tasks.len(),
        ..ResumeInfo::default()
    };
    let mut touched = false;
    for t in &plan.tasks {
        match journal.step(&t.node, t.step).map(|r| (r.state, r)) {
            Some((StepState::Done, _)) => {
                resume.done += 1;
                touched = true;
            }
            Some((StepState::Failed, r)) => {
                touched = true;
                let first = r
                    .error
                    .as_deref()
                    .and_then(|e| e.lines().next())
                    .unwrap_or("failed")
                    .to_string();
                resume.failed.push((t.node.clone(), t.step, first));
                resume.next.push((t.node.clone(), t.step));
            }
            Some((StepState::Running | StepState::Interrupted, _)) => {
                touched = true;
                resume.interrupted.push((t.node.clone(), t.step));
                resume.next.push((t.node.clone(), t.step));
            }
            _ => {
                let ready = t.after.iter().all(|&i| {
                    plan.tasks
                        .get(i)
                        .is_some_and(|d| journal.is_done(&d.node, d.step))
                });
                if ready {
                    resume.next.push((t.node.clone(), t.step));
                }
            }
        }
    }
    resume.next.truncate(6);
    info.done = resume.done;
    info.total = resume.total;
    info.installed = resume.done == resume.total;
    info.resume = (touched && resume.done < resume.total).then_some(resume);
    info
}

/// Time spent installing according to the journal in `state_dir`.
fn journal_busy(state_dir: &Path) -> Option<Duration> {
    let j = engine::journal::Journal::peek(state_dir)?;
    let spans = j
        .nodes
        .values()
        .flat_map(|n| n.steps.values())
        .filter_map(|r| Some((r.started_at?, r.finished_at?)))
        .map(|(s, f)| (s, f.max(s)))
        .collect();
    Some(Duration::from_secs(busy_secs(spans)))
}

/// Seconds covered by the union of `[start, end]` spans (steps of several nodes overlap).
pub fn busy_secs(mut spans: Vec<(i64, i64)>) -> u64 {
    spans.sort_unstable();
    let mut total = 0i64;
    let mut cur: Option<(i64, i64)> = None;
    for (s, e) in spans {
        cur = match cur {
            Some((cs, ce)) if s <= ce => Some((cs, ce.max(e))),
            Some((cs, ce)) => {
                total += ce - cs;
                Some((s, e))
            }
            None => Some((s, e)),
        };
    }
    if let Some((cs, ce)) = cur {
        total += ce - cs;
    }
    total.max(0) as u64
}

fn script_of(config: &ClusterConfig, node: &str, step: StepId) -> Result<String, String> {
    let plan = plan::build(config, Catalog::builtin()).map_err(|e| e.to_string())?;
    let i = plan
        .task_index(node, step)
        .ok_or_else(|| format!("{node} has no step {step} in the plan"))?;
    let task = &plan.tasks[i];
    Ok(format!(
        "{}\n{}",
        plan::print::header(&plan, task),
        plan.render(task)
    ))
}

/// Paths in the node and [ssh] as `apply` reads them: `~/` expanded, relative to cluster.toml.
fn resolved(
    config_path: &Path,
    mut node: NodeConfig,
    mut ssh: SshSection,
) -> (NodeConfig, SshSection) {
    let fix = |p: &mut Option<PathBuf>| {
        if let Some(x) = p {
            *x = crate::config::resolve_path(config_path, x);
        }
    };
    fix(&mut node.identity_file);
    fix(&mut ssh.identity_file);
    fix(&mut ssh.known_hosts);
    (node, ssh)
}

/// Installs the wizard's key with the password. Returns the key's path when the node should
/// start using it (no identity file was configured).
async fn bootstrap_node(
    node: &NodeConfig,
    ssh_cfg: &SshSection,
    state_dir: &Path,
    password: &str,
) -> Result<Option<PathBuf>, String> {
    let target = ssh::Target::new(node, ssh_cfg);
    let (identity, new) = match &target.identity_file {
        Some(p) => (p.clone(), false),
        None => (bootstrap::default_identity(state_dir), true),
    };
    let public = bootstrap::ensure_key(&identity)
        .await
        .map_err(|e| e.to_string())?;
    bootstrap::install_key(
        &bootstrap::Target {
            address: &target.address,
            port: target.port,
            user: &target.user,
            known_hosts: &target.known_hosts,
            connect_timeout: target.connect_timeout.as_secs(),
        },
        &public,
        password,
    )
    .await
    .map_err(|e| e.to_string())?;
    Ok(new.then_some(identity))
}

/// Starts the engine on the saved cluster.toml (loaded and validated like `apply` does) and
/// forwards its events. Returns the command channel.
fn start_engine(
    path: &Path,
    tx: UnboundedSender<Msg>,
) -> Result<UnboundedSender<engine::Command>, String> {
    let cfg = engine::checks::load(path).map_err(|e| e.to_string())?;
    // Earlier runs' time, so that Done can say how long the whole install took.
    if let Some(before) = journal_busy(&engine::journal::state_dir(path)) {
        let _ = tx.send(Msg::InstallTime(before));
    }
    let run = engine::start(path, cfg, engine::Options::default()).map_err(|e| e.to_string())?;
    let engine::Run {
        mut events,
        commands,
        done,
    } = run;
    tokio::spawn(async move {
        let mut finished = false;
        while let Some(e) = events.recv().await {
            finished |= matches!(e, Event::RunFinished { .. });
            if tx.send(Msg::Engine(e)).is_err() {
                return;
            }
        }
        match done.await {
            Ok(summary) if !finished => {
                let _ = tx.send(Msg::Engine(Event::RunFinished { summary }));
            }
            Ok(_) => {}
            Err(e) => {
                let _ = tx.send(Msg::InstallFailed(format!("the engine stopped: {e}")));
            }
        }
    });
    Ok(commands)
}

#[cfg(test)]
mod tests {
    #[test]
    fn busy_time_is_the_union_of_the_steps_spans() {
        // Three nodes' steps overlapping in 10..40, a gap (the user quit for the night), 100..110.
        let spans = vec![(10, 20), (15, 40), (12, 13), (100, 110), (100, 105)];
        assert_eq!(super::busy_secs(spans), 30 + 10);
        assert_eq!(super::busy_secs(vec![]), 0);
    }
}
