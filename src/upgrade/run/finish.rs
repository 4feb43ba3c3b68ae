//! The end of an upgrade: after the last hop, the new version into cluster.toml (layout kept, CNI pinned
//! to what runs) and the install's journal, the renewed certificates' dates; after a stop or failure, the
//! nodes kubewiz left cordoned.

use super::Prepared;
use super::remote::{check_certs_over, collect_over};
use crate::catalog::Catalog;
use crate::config::ClusterConfig;
use crate::engine::Transport;
use crate::engine::journal::{self, Journal, RunLock};
use crate::upgrade::certs::{self, NodeCerts};
use crate::upgrade::scripts;
use std::path::Path;
use std::time::Duration;

/// After the last hop: the version into cluster.toml and the install's journal; the control planes'
/// certificate dates (renewed by the upgrade) into `.kubewiz/certs.json`.
pub(super) async fn finish(p: &Prepared, transport: &dyn Transport) -> Vec<String> {
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
    let checks = futures_util::future::join_all(
        p.config
            .control_planes()
            .map(|n| check_certs_over(transport, n)),
    )
    .await;
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
    crate::atomic_file::write_keeping_mode(path, new.as_bytes()).map_err(|e| e.to_string())
}

/// Nodes cordoned now that were not cordoned before the upgrade began.
pub(super) async fn left_cordoned(p: &Prepared, transport: &dyn Transport) -> Vec<String> {
    let Some(cp) = p.config.first_control_plane() else {
        return Vec::new();
    };
    let Ok((_, lines)) = collect_over(
        transport,
        &cp.name,
        &scripts::survey(),
        Duration::from_secs(60),
    )
    .await
    else {
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
