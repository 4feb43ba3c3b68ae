//! `kubewiz upgrade` and `kubewiz certs [renew]`: the headless front ends of [`super::run`] and of the
//! certificate scripts. Exit codes as every command: 0 done, 1 failed, 2 bad config, usage, or an upgrade
//! kubewiz refuses (with the reason).

use super::certs::{self, NodeCerts};
use super::path::Hop;
use super::plan::Settings;
use super::run::{self, Outcome, Prepared, UpgradeError, UpgradeEvent};
use super::scripts;
use crate::cli::{CliError, load_config};
use crate::config::{ClusterConfig, NodeConfig, Role};
use crate::engine::journal::{self, RunLock};
use crate::engine::{self, Command as EngineCommand};
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::time::Duration;

fn out(s: &str) {
    let _ = writeln!(std::io::stdout().lock(), "{s}");
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
    let mut run = run::execute(p.clone(), 16);
    let mut printer = engine::printer::Printer::new();
    let mut interrupts = 0;
    loop {
        tokio::select! {
            ev = run.events.recv() => match ev {
                Some(UpgradeEvent::HopStarted { index, total, hop }) => {
                    out(&format!("\n== hop {index}/{total}: {} ==", hop_title(&hop)));
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
            _ = tokio::signal::ctrl_c() => {
                interrupts += 1;
                if interrupts == 1 {
                    eprintln!("kubewiz: stopping: no new steps start; running steps finish (Ctrl-C again to abort them now)");
                    let _ = run.commands.send(EngineCommand::Stop);
                } else {
                    eprintln!("kubewiz: aborting running steps");
                    let _ = run.commands.send(EngineCommand::Abort);
                }
            }
        }
    }
    let outcome = run.done.await.unwrap_or_default();
    for l in summary_lines(&p, &outcome, path) {
        out(&l);
    }
    if outcome.ok {
        Ok(())
    } else {
        Err(CliError::Reported)
    }
}

fn hop_title(h: &Hop) -> String {
    if h.catch_up {
        format!("{} (nodes still behind catch up)", h.to)
    } else {
        format!("{} → {}", h.from, h.to)
    }
}

fn print_prepared(p: &Prepared) {
    for l in prepared_lines(p) {
        out(&l);
    }
}

/// What the survey found and the path, in lines (the CLI prints them, the wizard shows them).
pub fn prepared_lines(p: &Prepared) -> Vec<String> {
    let mut v = vec!["nodes:".to_string()];
    for (name, ready, cordoned) in &p.nodes {
        let s = p.survey.nodes.iter().find(|n| &n.name == name);
        let kubelet = s
            .and_then(|n| n.kubelet)
            .map(|k| k.to_string())
            .unwrap_or_else(|| "-".into());
        v.push(format!(
            "  {name:<20} kubelet {kubelet:<9} {ready}{}",
            if *cordoned { ", cordoned" } else { "" }
        ));
    }
    v.push(format!("control plane: {}", p.survey.apiserver));
    v.extend(p.path.to_string().lines().map(str::to_string));
    if !p.path.hops.is_empty() {
        let workers = p.settings.workers_at_once;
        v.push(format!(
            "each hop: an etcd snapshot (/var/lib/kubewiz/backups on {}), kubeadm upgrade apply there, the other \
             control planes one by one, then the workers ({workers} at a time): kubeadm upgrade node, drain \
             (at most {} s), kubelet, Ready, uncordon",
            p.config
                .first_control_plane()
                .map(|n| n.name.as_str())
                .unwrap_or("?"),
            p.settings.drain_timeout
        ));
        if !p.settings.found_cordoned.is_empty() {
            v.push(format!(
                "cordoned before the upgrade (left so): {}",
                p.settings.found_cordoned.join(", ")
            ));
        }
    }
    v
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

/// The end of an upgrade, in words: what was reached, the snapshots, what failed and what to do, the
/// nodes left cordoned.
pub fn summary_lines(p: &Prepared, o: &Outcome, path: &Path) -> Vec<String> {
    let mut v = vec![String::new(), "== upgrade summary ==".to_string()];
    let cfg = path.display();
    for (hop, snap) in &o.snapshots {
        v.push(format!(
            "etcd snapshot before {hop}: {snap} (on the first control plane)"
        ));
    }
    for (node, step, f) in &o.failed {
        v.push(format!("FAILED: node {node}, step {step}: {}", f.error));
        for l in f.tail.iter().rev().take(6).rev() {
            v.push(format!("    {l}"));
        }
        if let Some(h) = &f.hint {
            v.push(format!("  what to do: {h}"));
        }
    }
    for n in &o.left_cordoned {
        v.push(format!(
            "{n} is still cordoned by the upgrade (its hop did not finish): `kubewiz upgrade -c {cfg} --to {}` \
             finishes it and uncordons it (or `kubectl uncordon {n}`)",
            p.path.to
        ));
    }
    for r in &o.recorded {
        v.push(r.clone());
    }
    v.push(format!("wall time: {:.1} s", o.wall.as_secs_f64()));
    if o.ok {
        v.push(format!("cluster upgraded: every node runs {}.", p.path.to));
    } else {
        if let Some(r) = o.reached {
            v.push(format!("reached: {r} on every node"));
        }
        if o.interrupted {
            v.push(format!(
                "stopped: the journal is saved; `kubewiz upgrade -c {cfg} --to {}` resumes at the node and step \
                 where it stopped.",
                p.path.to
            ));
        } else {
            v.push(format!(
                "upgrade incomplete: fix what failed and run `kubewiz upgrade -c {cfg} --to {}` again; done steps \
                 are not repeated.",
                p.path.to
            ));
        }
    }
    v
}

/// `kubewiz certs -c cluster.toml`: every control plane's certificates; warns under 30 days.
pub async fn certs_show(path: &Path) -> Result<(), CliError> {
    let v = load_config(path)?;
    let cfg = &v.config;
    let cps = control_planes(cfg);
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

fn control_planes(cfg: &ClusterConfig) -> Vec<&NodeConfig> {
    cfg.nodes
        .iter()
        .filter(|n| n.role == Role::ControlPlane)
        .collect()
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
    for n in control_planes(cfg) {
        let script = scripts::certs_renew(Some(&n.name) == first.as_ref());
        out(&format!("[{}] kubeadm certs renew all", n.name));
        match run::run_collect(cfg, n, &script, Duration::from_secs(900)).await {
            Ok((code, lines)) => {
                for l in &lines {
                    if let Some(rest) = l.strip_prefix("::kw::file kubeconfig ") {
                        if let Err(e) = save_kubeconfig(&dir, rest) {
                            eprintln!("[{}] {e}", n.name);
                            failed = true;
                        } else {
                            out(&format!(
                                "[{}] admin kubeconfig saved to {}",
                                n.name,
                                dir.join("kubeconfig").display()
                            ));
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

fn save_kubeconfig(dir: &Path, b64: &str) -> Result<(), String> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .map_err(|e| format!("kubeconfig: bad data from the node: {e}"))?;
    let path = dir.join("kubeconfig");
    crate::atomic_file::write_private(&path, &bytes)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// The certificate lines of `kubewiz status` (and the wizard's Welcome): from the last check recorded in
/// `.kubewiz/certs.json`, else estimated from the install (kubeadm's certificates last one year from
/// `kubeadm init`). Empty when nothing is installed.
pub fn status_lines(state_dir: &Path, cfg: &ClusterConfig, config_arg: &str) -> Vec<String> {
    let now = journal::now();
    let recorded = certs::load(state_dir);
    let mut v = Vec::new();
    if !recorded.is_empty() {
        for c in &recorded {
            match certs::warning(c, now, config_arg) {
                Some(w) => v.push(format!("warning: {w}")),
                None => {
                    if let Some((name, t)) = c.soonest() {
                        v.push(format!(
                            "certificates of {}: valid until {} ({name}, checked {})",
                            c.node,
                            certs::fmt_date(t),
                            certs::fmt_date(c.checked_at)
                        ));
                    }
                }
            }
        }
        return v;
    }
    let Ok(Some(j)) = journal::Journal::load(state_dir) else {
        return v;
    };
    let Some(cp) = cfg.first_control_plane() else {
        return v;
    };
    let Some(init) = j
        .step(&cp.name, crate::plan::StepId::Init)
        .filter(|r| r.state == journal::StepState::Done)
        .and_then(|r| r.finished_at)
    else {
        return v;
    };
    let est = NodeCerts {
        node: cp.name.clone(),
        checked_at: now,
        certs: vec![certs::Cert {
            name: "apiserver (estimated from the install date)".into(),
            expires: Some(init + certs::VALIDITY_DAYS * 86400),
            authority: false,
        }],
    };
    match certs::warning(&est, now, config_arg) {
        Some(w) => v.push(format!("warning: {w}")),
        None => v.push(format!(
            "certificates: about {} days left (kubeadm's last a year from the install; `kubewiz certs{config_arg}` \
             reads them)",
            certs::days_left(init + certs::VALIDITY_DAYS * 86400, now)
        )),
    }
    v
}

impl From<UpgradeError> for CliError {
    fn from(e: UpgradeError) -> Self {
        CliError::Upgrade(Box::new(e))
    }
}
