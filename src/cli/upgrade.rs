//! `kubewiz upgrade` and `kubewiz certs [renew]`: the headless front ends of [`crate::upgrade::run`] and
//! of the certificate scripts. Exit codes as every command: 0 done, 1 failed, 2 bad config, usage, or an
//! upgrade kubewiz refuses (with the reason).

use super::{CliError, Interrupts, load_config};
use crate::engine;
use crate::engine::journal::{self, RunLock};
use crate::upgrade::certs::{self, NodeCerts};
use crate::upgrade::plan::Settings;
use crate::upgrade::report;
use crate::upgrade::run::{self, Prepared, UpgradeError, UpgradeEvent};
use crate::upgrade::scripts;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::time::Duration;

fn out(s: &str) {
    out!("{s}");
}

/// What `kubewiz upgrade` was asked.
#[derive(Debug, Clone)]
pub struct UpgradeArgs {
    pub to: String,
    pub yes: bool,
    pub settings: Settings,
}

/// `kubewiz upgrade -c cluster.toml --to X [--yes]`.
pub async fn upgrade(path: &Path, args: UpgradeArgs) -> Result<(), CliError> {
    let v = load_config(path)?;
    out(&format!(
        "kubewiz: reading what {} runs ({} nodes)...",
        v.config.cluster.name,
        v.config.nodes.len()
    ));
    let p = run::prepare(path, &v.config, &args.to, args.settings.clone()).await?;
    print_prepared(&p);
    if p.path.hops.is_empty() {
        return Ok(());
    }
    if !args.yes && !confirm(&p)? {
        return Err(CliError::UpgradeNotConfirmed);
    }
    let mut interrupts = Interrupts::listen()?;
    let mut run = run::execute(p.clone(), 16);
    let mut printer = engine::printer::Printer::new();
    loop {
        tokio::select! {
            ev = run.events.recv() => match ev {
                Some(UpgradeEvent::HopStarted { index, total, hop }) => {
                    out(&format!("\n== hop {index}/{total}: {} ==", hop.title()));
                }
                Some(UpgradeEvent::Engine(engine::Event::RunFinished { .. })) => {}
                Some(UpgradeEvent::Engine(ev)) => printer.print(&ev),
                Some(UpgradeEvent::HopFinished { hop, summary }) => {
                    if summary.ok {
                        out(&format!("== {}: every node runs it ({:.1} s) ==", hop.to, summary.wall.as_secs_f64()));
                    }
                }
                Some(UpgradeEvent::Note(n)) => out(&n),
                None => break,
            },
            command = interrupts.next() => {
                let _ = run.commands.send(command);
            }
        }
    }
    let outcome = run.done.await.unwrap_or_default();
    for l in report::summary_lines(&p, &outcome, path) {
        out(&l);
    }
    if outcome.ok {
        Ok(())
    } else {
        Err(CliError::Reported)
    }
}

fn print_prepared(p: &Prepared) {
    for l in report::prepared_lines(p) {
        out(&l);
    }
}

/// Asks on a terminal; without one, the upgrade needs --yes.
fn confirm(p: &Prepared) -> Result<bool, CliError> {
    if !std::io::stdin().is_terminal() {
        eprintln!(
            "kubewiz: nothing changed; to upgrade to {} run again with --yes",
            p.path.to
        );
        return Ok(false);
    }
    eprint!("Upgrade to {}? [y/N] ", p.path.to);
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
    Ok(matches!(line.trim(), "y" | "Y" | "yes"))
}

/// `kubewiz certs -c cluster.toml`: every control plane's certificates; warns under 30 days.
pub async fn certs_show(path: &Path) -> Result<(), CliError> {
    let v = load_config(path)?;
    let cfg = &v.config;
    let cps: Vec<_> = cfg.control_planes().collect();
    let results =
        futures_util::future::join_all(cps.iter().map(|n| run::check_certs(cfg, n))).await;
    let now = journal::now();
    let mut checked = Vec::new();
    let mut warned = false;
    for (n, r) in cps.iter().zip(results) {
        match r {
            Ok(c) => {
                print_certs(&c, now);
                checked.push(c);
            }
            Err(e) => {
                warned = true;
                eprintln!("[{}] certificates: {e}", n.name);
            }
        }
    }
    warned |= print_warnings(&checked, now, path);
    let dir = journal::state_dir(path);
    if journal::ensure_state_dir(&dir).is_ok() {
        let _ = certs::record(&dir, &checked);
    }
    if warned {
        Err(CliError::Reported)
    } else {
        Ok(())
    }
}

fn print_certs(c: &NodeCerts, now: i64) {
    out(&format!("{}:", c.node));
    for cert in &c.certs {
        let when = match cert.expires {
            Some(t) => {
                let d = certs::days_left(t, now);
                let left = if t <= now {
                    "EXPIRED".to_string()
                } else {
                    format!("{d} days")
                };
                format!("{}  {left}", certs::fmt_date(t))
            }
            None => "MISSING".to_string(),
        };
        out(&format!(
            "  {:<26} {when}{}",
            cert.name,
            if cert.authority { "  (CA)" } else { "" }
        ));
    }
}

/// Prints the warnings of `checked`; whether there was one.
fn print_warnings(checked: &[NodeCerts], now: i64, path: &Path) -> bool {
    let arg = format!(" -c {}", path.display());
    let mut any = false;
    for c in checked {
        if let Some(w) = certs::warning(c, now, &arg) {
            eprintln!("warning: {w}");
            any = true;
        }
    }
    any
}

/// `kubewiz certs renew -c cluster.toml`: `kubeadm certs renew all` on every control plane, one after the
/// other, each followed by the restart of its static pods; the admin kubeconfig comes back to .kubewiz/.
pub async fn certs_renew(path: &Path) -> Result<(), CliError> {
    let v = load_config(path)?;
    let cfg = &v.config;
    let dir = journal::state_dir(path);
    journal::ensure_state_dir(&dir).map_err(|source| CliError::StateDir {
        path: dir.clone(),
        source,
    })?;
    let _lock = RunLock::acquire(&dir)?;
    let redactor = engine::redact::Redactor::new();
    let first = cfg.first_control_plane().map(|n| n.name.clone());
    let mut failed = false;
    let mut checked = Vec::new();
    for n in cfg.control_planes() {
        let script = scripts::certs_renew(Some(&n.name) == first.as_ref());
        out(&format!("[{}] kubeadm certs renew all", n.name));
        match run::run_collect(cfg, n, &script, Duration::from_secs(900)).await {
            Ok((code, lines)) => {
                for l in &lines {
                    if let Some(rest) = l.strip_prefix("::kw::file kubeconfig ") {
                        match engine::kubeconfig::save(&dir, rest) {
                            Ok(path) => out(&format!(
                                "[{}] admin kubeconfig saved to {}",
                                n.name,
                                path.display()
                            )),
                            Err(e) => {
                                eprintln!("[{}] {e}", n.name);
                                failed = true;
                            }
                        }
                    } else if !l.starts_with("::kw::") {
                        out(&format!("[{}] {}", n.name, redactor.redact(l)));
                    }
                }
                if code != Some(0) {
                    failed = true;
                    eprintln!(
                        "[{}] certs renew FAILED (exit {code:?}); fix what the lines above say and run \
                         `kubewiz certs renew -c {}` again",
                        n.name,
                        path.display()
                    );
                    continue;
                }
            }
            Err(e) => {
                failed = true;
                eprintln!("[{}] certs renew FAILED: {e}", n.name);
                continue;
            }
        }
        match run::check_certs(cfg, n).await {
            Ok(c) => {
                if let Some((name, t)) = c.soonest() {
                    out(&format!(
                        "[{}] renewed: the first to expire now is {name}, on {}",
                        n.name,
                        certs::fmt_date(t)
                    ));
                }
                checked.push(c);
            }
            Err(e) => eprintln!("[{}] reading the renewed certificates: {e}", n.name),
        }
    }
    let _ = certs::record(&dir, &checked);
    if failed {
        Err(CliError::Reported)
    } else {
        Ok(())
    }
}

impl From<UpgradeError> for CliError {
    fn from(e: UpgradeError) -> Self {
        CliError::Upgrade(Box::new(e))
    }
}
