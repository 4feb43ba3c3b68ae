//! `kubewiz reset`: `kubeadm reset -f` plus the cleanup kubeadm leaves behind, on every node or
//! one; the journal forgets the nodes reset.

use super::{CliError, build_plan, check_node_arg, load_config};
use crate::config::ClusterConfig;
use crate::engine::{
    self,
    journal::{self, Journal},
};
use std::path::Path;

pub(super) async fn reset(path: &Path, yes: bool, node: Option<&str>) -> Result<(), CliError> {
    let v = load_config(path)?;
    let cfg = &v.config;
    check_node_arg(cfg, node)?;
    if !yes {
        return Err(CliError::ResetNotConfirmed);
    }
    let dir = journal::state_dir(path);
    journal::ensure_state_dir(&dir).map_err(|source| CliError::StateDir {
        path: dir.clone(),
        source,
    })?;
    let _lock = journal::RunLock::acquire(&dir)?;
    let plan = build_plan(&v)?;
    let nodes: Vec<_> = cfg
        .nodes
        .iter()
        .filter(|n| node.is_none_or(|x| x == n.name))
        .collect();
    let redactor = engine::redact::Redactor::new();
    let script = plan.reset_script();
    let results = futures_util::future::join_all(
        nodes
            .iter()
            .map(|n| run_on(n, cfg, &script, "reset", &redactor)),
    )
    .await;
    // A single node leaving a cluster that stays: once its kubelet is gone (reset), remove its
    // Node object, or it can never join again (kubeadm refuses a name the cluster still has).
    let reset_ok = matches!(results.first(), Some(Ok(Some(0))));
    if let (Some(x), Some(cp), true) = (node, cfg.first_control_plane(), reset_ok)
        && x != cp.name
    {
        let script = plan.delete_node_script(x);
        match run_on(cp, cfg, &script, "delete-node", &redactor).await {
            Ok(Some(0)) => {}
            Ok(code) => eprintln!(
                "[{}] warning: removing node {x} from the cluster failed (exit {code:?}); \
                     run `kubectl delete node {x}` before it joins again",
                cp.name
            ),
            Err(e) => eprintln!(
                "[{}] warning: cannot reach the control plane to remove node {x} ({e}); \
                     run `kubectl delete node {x}` before it joins again",
                cp.name
            ),
        }
    }
    let mut j = Journal::load(&dir).ok().flatten();
    let mut failed = false;
    for (n, r) in nodes.iter().zip(results) {
        match r {
            Ok(Some(0)) => {
                out!("[{}] reset done", n.name);
                if let Some(j) = j.as_mut() {
                    j.forget_node(&n.name);
                }
            }
            Ok(code) => {
                failed = true;
                eprintln!(
                    "[{}] reset FAILED: exit {code:?}; see the output above, fix, and run reset again",
                    n.name
                );
            }
            Err(e) => {
                failed = true;
                eprintln!("[{}] reset FAILED: {e}", n.name);
            }
        }
    }
    if let Some(j) = j {
        let all_forgotten = cfg.nodes.iter().all(|n| !j.nodes.contains_key(&n.name));
        let saved = if all_forgotten || j.nodes.is_empty() {
            match std::fs::remove_file(j.path()) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    Err(CliError::RemoveJournal {
                        path: j.path().to_path_buf(),
                        source: e,
                    })
                }
                _ => Ok(()),
            }
        } else {
            j.save().map_err(CliError::from)
        };
        if let Err(e) = saved {
            eprintln!("kubewiz: {e}");
            failed = true;
        }
    }
    if failed {
        Err(CliError::Reported)
    } else {
        Ok(())
    }
}

/// Runs a script on one node, printing its (redacted) output as `[node] label: line`.
async fn run_on(
    n: &crate::config::NodeConfig,
    cfg: &ClusterConfig,
    script: &str,
    label: &str,
    redactor: &engine::redact::Redactor,
) -> Result<Option<i32>, crate::ssh::SshError> {
    let target = crate::ssh::Target::new(n, &cfg.ssh);
    let conn = crate::ssh::Connection::open(&target).await?;
    let mut sink = |l: crate::ssh::Line| match l {
        crate::ssh::Line::Stdout(t) | crate::ssh::Line::Stderr(t) => {
            out!("[{}] {label}: {}", n.name, redactor.redact(&t))
        }
        crate::ssh::Line::Structured(_) => {}
    };
    let exit = conn
        .run_script(script, std::time::Duration::from_secs(300), &mut sink)
        .await;
    conn.close().await;
    Ok(exit?.code)
}
