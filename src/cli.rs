//! Command line: `kubewiz [apply|plan|status|reset|check|upgrade|certs]` (`upgrade` and `certs` are in
//! `cli/upgrade.rs`, `reset` in `cli/reset.rs`, `check` in `cli/check.rs`).
//! Exit codes: 0 done, 1 the install (or a node operation) failed, 2 bad config or usage:
//! every command returns `Result<(), CliError>` and [`CliError::exit_code`] says which.

use crate::config::{ClusterConfig, Validated};
use crate::engine::journal::{self, Journal};
use crate::engine::{self, Command as EngineCommand, Event};
use crate::plan::StepId;
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Writes to stdout; a closed pipe (`kubewiz plan | head`) is not an error worth a panic.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}
macro_rules! out_raw {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout().lock(), $($arg)*);
    }};
}

pub const EXIT_OK: u8 = 0;
pub const EXIT_FAILED: u8 = 1;
pub const EXIT_USAGE: u8 = 2;

/// Ctrl-C during a run: the first stops it (no new steps; running ones finish), the next
/// abort the running steps.
///
/// One SIGINT listener for the whole run, made before the run starts. A
/// `tokio::signal::ctrl_c()` made anew in each `select!` round missed a Ctrl-C that came
/// while an event was being printed: tokio hands a new listener only the signals that arrive
/// after it subscribed (tokio 1.54 `signal/registry.rs`: `register_listener` is
/// `watch::Sender::subscribe`, which marks what was sent before as seen), and with the
/// default handler already replaced the signal was simply lost; under load the install then
/// ran to the end (tests/faults.rs `ctrl_c_stops_gracefully_and_apply_resumes` failed once
/// in three full-suite runs).
struct Interrupts {
    seen: u32,
    sigint: tokio::signal::unix::Signal,
}

impl Interrupts {
    fn listen() -> Result<Self, CliError> {
        let sigint = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
            .map_err(CliError::Signals)?;
        Ok(Self { seen: 0, sigint })
    }

    /// Waits for the next Ctrl-C and says what it does to the run.
    async fn next(&mut self) -> EngineCommand {
        self.sigint.recv().await;
        self.seen += 1;
        if self.seen == 1 {
            eprintln!(
                "kubewiz: stopping: no new steps start; running steps finish (Ctrl-C again to abort them now)"
            );
            EngineCommand::Stop
        } else {
            eprintln!("kubewiz: aborting running steps");
            EngineCommand::Abort
        }
    }
}

mod check;
mod error;
mod reset;
mod upgrade;

pub use error::CliError;
use reset::reset;

#[derive(Parser, Debug)]
#[command(
    name = "kubewiz",
    version,
    about = "Turns a handful of fresh Linux machines into a kubeadm Kubernetes cluster over SSH",
    long_about = "Turns a handful of fresh Linux machines into a kubeadm Kubernetes cluster over SSH.\n\n\
        Without a subcommand, opens the terminal wizard. State (journal, logs, kubeconfig) lives in \
        .kubewiz/ next to cluster.toml; `apply` resumes by itself after any interruption.\n\n\
        Exit codes: 0 done, 1 the install failed, 2 bad config or usage."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Cmd>,
    /// cluster.toml for the wizard to open.
    #[arg(short, long, global = false)]
    pub config: Option<PathBuf>,
    /// More detail in kubewiz's own diagnostics log, .kubewiz/kubewiz.log beside
    /// cluster.toml (-v debug, -vv trace).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
}

impl Cmd {
    fn name(&self) -> &'static str {
        match self {
            Cmd::Apply { .. } => "apply",
            Cmd::Plan { .. } => "plan",
            Cmd::Status { .. } => "status",
            Cmd::Reset { .. } => "reset",
            Cmd::Check { .. } => "check",
            Cmd::Upgrade { .. } => "upgrade",
            Cmd::Certs { .. } => "certs",
        }
    }

    /// The cluster file the command works on.
    fn config(&self) -> &Path {
        match self {
            Cmd::Apply { config, .. }
            | Cmd::Plan { config, .. }
            | Cmd::Status { config }
            | Cmd::Reset { config, .. }
            | Cmd::Check { config, .. }
            | Cmd::Upgrade { config, .. }
            | Cmd::Certs { config, .. } => config,
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// Install or converge the cluster; resumes after an interruption.
    Apply {
        /// The cluster file (see config.sample.toml); state lives in .kubewiz/ beside it.
        #[arg(short, long, default_value = "cluster.toml")]
        config: PathBuf,
        /// At most this many steps work on nodes at once (waits for Ready not counted;
        /// at most 4 steps per node). Raise it to the node count on large clusters.
        #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..))]
        parallel: u16,
        /// Only work on this node (what it waits for must already be done).
        #[arg(long)]
        node: Option<String>,
    },
    /// Print, per node and step, exactly the shell that would run; touches nothing.
    Plan {
        /// The cluster file (see config.sample.toml); state lives in .kubewiz/ beside it.
        #[arg(short, long, default_value = "cluster.toml")]
        config: PathBuf,
        /// Only this node's steps.
        #[arg(long)]
        node: Option<String>,
        /// Only this step (of each node, or of --node).
        #[arg(long, value_parser = parse_step)]
        step: Option<StepId>,
        /// Every script whole, exactly as it runs (by default the prelude all steps share is
        /// printed once, at the end).
        #[arg(long)]
        full: bool,
    },
    /// Per node: which steps are done / failed / pending, from the journal (exit 0 only when
    /// every step is done, so scripts can ask "is the cluster installed?").
    Status {
        /// The cluster file (see config.sample.toml); state lives in .kubewiz/ beside it.
        #[arg(short, long, default_value = "cluster.toml")]
        config: PathBuf,
    },
    /// `kubeadm reset -f` plus the cleanup kubeadm leaves behind, then forget the node(s).
    Reset {
        /// The cluster file (see config.sample.toml); state lives in .kubewiz/ beside it.
        #[arg(short, long, default_value = "cluster.toml")]
        config: PathBuf,
        /// Required: reset destroys the cluster on the chosen nodes.
        #[arg(long)]
        yes: bool,
        /// Only this node (default: every node); a reset worker can join again with `apply`.
        #[arg(long)]
        node: Option<String>,
    },
    /// Validate the config offline; with --connect also SSH preflight of every node.
    Check {
        /// The cluster file (see config.sample.toml); state lives in .kubewiz/ beside it.
        #[arg(short, long, default_value = "cluster.toml")]
        config: PathBuf,
        /// Also connect to every node over SSH and run the preflight checks (changes nothing).
        #[arg(long)]
        connect: bool,
    },
    /// Upgrade the installed cluster to a version, one minor at a time in kubeadm's order (shows the
    /// path first; resumes where an earlier attempt stopped).
    Upgrade {
        /// The cluster file (see config.sample.toml); state lives in .kubewiz/ beside it.
        #[arg(short, long, default_value = "cluster.toml")]
        config: PathBuf,
        /// The exact version to reach, e.g. 1.28.15.
        #[arg(long, value_name = "VERSION")]
        to: String,
        /// Do not ask before changing the cluster (needed without a terminal).
        #[arg(long)]
        yes: bool,
        /// Workers upgraded at once (drained, upgraded, uncordoned); control planes always go one at a time.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
        parallel: u16,
        /// How long a node's drain may take, in seconds (kubectl drain --timeout); a drain that does not
        /// finish uncordons the node and names the pods that blocked it.
        #[arg(long, default_value_t = 300, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
        drain_timeout: u64,
        /// etcd snapshots kept under /var/lib/kubewiz/backups on the first control plane.
        #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
        keep_snapshots: u32,
    },
    /// The control planes' certificate expiry (kubeadm certs check-expiration); warns under 30 days
    /// (exit 1). `certs renew` renews them and restarts the control plane's static pods.
    Certs {
        /// The cluster file (see config.sample.toml); state lives in .kubewiz/ beside it.
        #[arg(short, long, default_value = "cluster.toml", global = true)]
        config: PathBuf,
        #[command(subcommand)]
        action: Option<CertsAction>,
    },
}

/// `kubewiz certs` subcommands.
#[derive(Subcommand, Debug)]
pub enum CertsAction {
    /// `kubeadm certs renew all` on every control plane (one after the other), then a restart of its
    /// static pods so that they load the new certificates; the admin kubeconfig comes back to .kubewiz/.
    Renew,
}

/// A step by its journal name; the error lists the names.
fn parse_step(s: &str) -> Result<StepId, String> {
    StepId::from_name(s).ok_or_else(|| {
        let names: Vec<&str> = StepId::ALL.iter().map(|s| s.name()).collect();
        format!("no step {s:?}; the steps are: {}", names.join(", "))
    })
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_USAGE } else { EXIT_OK });
        }
    };
    let config = match &cli.command {
        Some(cmd) => cmd.config().to_path_buf(),
        None => cli
            .config
            .clone()
            .unwrap_or_else(|| PathBuf::from("cluster.toml")),
    };
    crate::diag::init(&journal::state_dir(&config), cli.verbose);
    tracing::info!(
        "kubewiz {} {} -c {}",
        env!("CARGO_PKG_VERSION"),
        cli.command.as_ref().map_or("wizard", Cmd::name),
        config.display()
    );
    let Some(cmd) = cli.command else {
        return crate::tui::run(cli.config).unwrap_or_else(|e| {
            eprintln!("kubewiz: {e:?}");
            ExitCode::from(EXIT_FAILED)
        });
    };
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(CliError::Runtime)
        .and_then(|rt| rt.block_on(dispatch(cmd)));
    match result {
        Ok(()) => ExitCode::from(EXIT_OK),
        Err(e) => {
            tracing::info!("exit {}: {e}", e.exit_code());
            if e.needs_printing() {
                eprintln!("kubewiz: {e}");
            }
            ExitCode::from(e.exit_code())
        }
    }
}

async fn dispatch(cmd: Cmd) -> Result<(), CliError> {
    match cmd {
        Cmd::Apply {
            config,
            parallel,
            node,
        } => apply(&config, parallel as usize, node).await,
        Cmd::Plan {
            config,
            node,
            step,
            full,
        } => plan(&config, node.as_deref(), step, full),
        Cmd::Status { config } => status(&config),
        Cmd::Reset { config, yes, node } => reset(&config, yes, node.as_deref()).await,
        Cmd::Check { config, connect } => check::check(&config, connect).await,
        Cmd::Upgrade {
            config,
            to,
            yes,
            parallel,
            drain_timeout,
            keep_snapshots,
        } => {
            let args = upgrade::UpgradeArgs {
                to,
                yes,
                settings: crate::upgrade::plan::Settings {
                    workers_at_once: parallel as usize,
                    drain_timeout,
                    keep_snapshots,
                    found_cordoned: Vec::new(),
                },
            };
            upgrade::upgrade(&config, args).await
        }
        Cmd::Certs { config, action } => match action {
            None => upgrade::certs_show(&config).await,
            Some(CertsAction::Renew) => upgrade::certs_renew(&config).await,
        },
    }
}

/// Loads and validates cluster.toml, printing its warnings (a failure is exit 2).
pub fn load_config(path: &Path) -> Result<Validated<'static>, CliError> {
    let v = crate::engine::checks::load(path)?;
    tracing::debug!(
        "{}: {} nodes, Kubernetes {}, {} warnings",
        path.display(),
        v.config.nodes.len(),
        v.version,
        v.warnings.len()
    );
    for w in &v.warnings {
        eprintln!("kubewiz: warning: {w}");
    }
    Ok(v)
}

/// The plan of a validated config; a failure is a config problem (exit 2).
fn build_plan(v: &Validated<'_>) -> Result<crate::plan::Plan, CliError> {
    Ok(crate::plan::build_validated(v)?)
}

fn check_node_arg(cfg: &ClusterConfig, node: Option<&str>) -> Result<(), CliError> {
    if let Some(n) = node
        && cfg.node(n).is_none()
    {
        let names: Vec<&str> = cfg.nodes.iter().map(|n| n.name.as_str()).collect();
        return Err(CliError::UnknownNode {
            node: n.to_string(),
            nodes: names.join(", "),
        });
    }
    Ok(())
}

async fn apply(path: &Path, parallel: usize, node: Option<String>) -> Result<(), CliError> {
    let v = load_config(path)?;
    let cfg = &v.config;
    check_node_arg(cfg, node.as_deref())?;
    let opts = engine::Options {
        parallel,
        only_node: node,
        ..Default::default()
    };
    let mut interrupts = Interrupts::listen()?;
    let mut run = engine::start(path, v, opts)?;
    let mut printer = engine::printer::Printer::new();
    loop {
        tokio::select! {
            ev = run.events.recv() => match ev {
                Some(ev) => {
                    printer.print(&ev);
                    if matches!(ev, Event::RunFinished { .. }) {
                        break;
                    }
                }
                None => break,
            },
            command = interrupts.next() => {
                let _ = run.commands.send(command);
            }
        }
    }
    match run.done.await {
        Ok(s) if s.ok => Ok(()),
        _ => Err(CliError::Reported),
    }
}

fn plan(path: &Path, node: Option<&str>, step: Option<StepId>, full: bool) -> Result<(), CliError> {
    let v = load_config(path)?;
    let cfg = &v.config;
    check_node_arg(cfg, node)?;
    let p = build_plan(&v)?;
    if step.is_none() {
        // Where the images and manifests come from (registry mirrors, built-in manifests).
        out_raw!(
            "{}",
            crate::plan::registries::summary(cfg, crate::catalog::Catalog::builtin())
        );
    }
    out_raw!("{}", crate::plan::print::render_plan(&p, node, step, full));
    Ok(())
}

fn status(path: &Path) -> Result<(), CliError> {
    let v = load_config(path)?;
    let cfg = &v.config;
    let dir = journal::state_dir(path);
    let j = Journal::load(&dir)?;
    tracing::debug!(
        "journal in {}: {}",
        dir.display(),
        if j.is_some() { "read" } else { "none yet" }
    );
    let plan = build_plan(&v)?;
    out_raw!("{}", render_status(cfg, &plan, j.as_ref()));
    for l in crate::upgrade::report::status_lines(&dir, cfg, &format!(" -c {}", path.display())) {
        out!("{l}");
    }
    let all_done = cfg.nodes.iter().all(|n| {
        plan.tasks
            .iter()
            .filter(|t| t.node == n.name)
            .all(|t| j.as_ref().is_some_and(|j| j.is_done(&t.node, t.step)))
    });
    if all_done {
        Ok(())
    } else {
        Err(CliError::NotDone)
    }
}

/// The `status` table: per node, the state of each planned step.
pub fn render_status(cfg: &ClusterConfig, plan: &crate::plan::Plan, j: Option<&Journal>) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    if j.is_none() {
        let _ = writeln!(
            out,
            "no journal yet: nothing has been installed from this cluster.toml"
        );
    }
    for n in &cfg.nodes {
        let steps: Vec<StepId> = plan
            .tasks
            .iter()
            .filter(|t| t.node == n.name)
            .map(|t| t.step)
            .collect();
        let done = steps
            .iter()
            .filter(|s| j.is_some_and(|j| j.is_done(&n.name, **s)))
            .count();
        let _ = writeln!(
            out,
            "{} ({}, {}): {done}/{} steps done",
            n.name,
            n.address,
            n.role.as_str(),
            steps.len()
        );
        for s in steps {
            let (state, extra) = match j.and_then(|j| j.step(&n.name, s)) {
                None => ("pending".to_string(), String::new()),
                Some(r) => (
                    format!("{:?}", r.state).to_lowercase(),
                    match (&r.error, r.exit_code) {
                        (Some(e), _) => format!("  ({e})"),
                        (None, Some(c)) if c != 0 => format!("  (exit {c})"),
                        _ => String::new(),
                    },
                ),
            };
            let _ = writeln!(out, "  {:<12} {state}{extra}", s.name());
        }
    }
    out
}
