//! An upgrade and its certificates in words, for every front end (`kubewiz upgrade`, `kubewiz status`, the
//! wizard's Upgrade and Welcome screens): what the survey found and the path, how the upgrade ended, the
//! certificates' last check.

use super::certs::{self, NodeCerts};
use super::run::{Outcome, Prepared};
use crate::config::ClusterConfig;
use crate::engine::journal;
use std::path::Path;

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
