//! `kubewiz check [--connect]`: the config, the local files and what an installed cluster can no
//! longer change, offline (the wizard's screens check the same list, `engine::checks`); with
//! `--connect`, every node's facts and preflight as `apply` would judge them, and the patches
//! its package repository carries. Changes nothing.

use super::{CliError, build_plan, load_config};
use crate::config::ClusterConfig;
use crate::engine;
use crate::plan::StepId;
use std::path::Path;

pub(super) async fn check(path: &Path, connect: bool) -> Result<(), CliError> {
    let v = load_config(path)?;
    let cfg = &v.config;
    // What the wizard's screens also check: identity files, and what an initialised cluster
    // can no longer change (engine::checks, one list for both).
    let initialised = engine::checks::initialised(path);
    let problems = engine::checks::problems(cfg, path, initialised.as_ref());
    if !problems.is_empty() {
        return Err(crate::config::ConfigError::new(path, problems).into());
    }
    out!(
        "{}: configuration is valid ({} nodes)",
        path.display(),
        cfg.nodes.len()
    );
    if !connect {
        return Ok(());
    }
    let plan = build_plan(&v)?;
    let results = futures_util::future::join_all(cfg.nodes.iter().map(|n| {
        let script = plan
            .tasks
            .iter()
            .find(|t| t.node == n.name && t.step == StepId::Facts)
            .map(|t| plan.render_with_secrets(t, &Default::default()))
            .unwrap_or_default();
        let ssh = cfg.ssh.clone();
        async move { crate::ssh::probe(n, &ssh, &script).await }
    }))
    .await;
    let mut facts = std::collections::HashMap::new();
    let mut failed = false;
    for (n, r) in cfg.nodes.iter().zip(results) {
        match r {
            Ok(f) => {
                out!(
                    "[{}] connected: {} {} · kernel {} · cgroup v{} · {} CPU · {} MB · swap {} MB",
                    n.name,
                    f.os_id,
                    f.os_version,
                    f.kernel,
                    f.cgroup_version,
                    f.cpus,
                    f.memory_mb,
                    f.swap_mb
                );
                facts.insert(n.name.clone(), f);
            }
            Err(e) => {
                failed = true;
                eprintln!("[{}] FAILED: {e}", n.name);
            }
        }
    }
    if failed {
        return Err(CliError::Reported);
    }
    let findings = engine::preflight::evaluate(cfg, Some(v.minor), &facts);
    for (n, ws) in &findings.warnings {
        for w in ws {
            out!("[{n}] warning: {w}");
        }
    }
    for (n, rs) in &findings.refusals {
        for r in rs {
            eprintln!("[{n}] refused: {r}");
        }
    }
    let carried = repo_versions(cfg, &facts).await;
    if findings.ok() && carried {
        out!("preflight passed on every node");
        Ok(())
    } else {
        Err(CliError::Reported)
    }
}

/// `check --connect`: the patches of the cluster's minor in the package repository as the first
/// node sees it (read from the repository's index; nothing changes), the newest every node can run,
/// and whether the configured version is there: false when the repository was read and does not
/// carry it (the packages step would fail; the wizard's Versions screen refuses it too). A
/// repository that cannot be read is a warning.
async fn repo_versions(
    cfg: &ClusterConfig,
    facts: &std::collections::HashMap<String, crate::facts::Facts>,
) -> bool {
    let cat = crate::catalog::Catalog::builtin();
    let (Ok(minor), Some(node)) = (
        cat.minor_for(&cfg.cluster.kubernetes_version),
        cfg.nodes.first(),
    ) else {
        return true;
    };
    let mirror = cat.mirror(cfg.cluster.mirror);
    let script = crate::plan::repo_versions_script(mirror, minor);
    let got = match crate::ssh::probe(node, &cfg.ssh, &script).await {
        Ok(f) => f,
        Err(e) => {
            eprintln!(
                "[{}] warning: could not list the repository's versions: {e}",
                node.name
            );
            return true;
        }
    };
    if !got.repo_error.is_empty() {
        eprintln!("[{}] warning: {}", node.name, got.repo_error);
        return true;
    }
    out!(
        "[{}] the Kubernetes {} repository ({}) carries: {}",
        node.name,
        minor.version,
        mirror.deb_repo(minor),
        got.repo_versions.join(" ")
    );
    let all: Vec<(&str, &crate::facts::Facts)> =
        facts.iter().map(|(n, f)| (n.as_str(), f)).collect();
    let pick = engine::compat::newest_runnable(cat, cfg, &all, &got.repo_versions);
    match pick.version {
        Some(v) => out!("newest version every node can run: {v}"),
        None => out!("no version there runs on every node"),
    }
    let carried = got.repo_versions.contains(&cfg.cluster.kubernetes_version);
    if !carried {
        eprintln!(
            "[{}] refused: cluster.kubernetes_version {} is not in that repository: the packages \
             step would fail; pick one it carries",
            node.name, cfg.cluster.kubernetes_version
        );
    }
    carried
}
