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

/// Why cluster.toml keeps its old version after an upgrade (the caller names the file and the
/// version it still says; the cluster itself is upgraded either way).
#[derive(Debug, thiserror::Error)]
enum SetVersionError {
    #[error("cannot read it: {0}")]
    Read(std::io::Error),
    #[error("it is not valid TOML: {0}")]
    Toml(#[from] toml_edit::TomlError),
    #[error("it has no [cluster] table")]
    NoCluster,
    #[error("with {version} the config would not be valid: {}", problems.join("; "))]
    Invalid {
        version: String,
        problems: Vec<String>,
    },
    #[error("cannot write it: {0}")]
    Write(std::io::Error),
}

/// Sets `cluster.kubernetes_version` in cluster.toml (comments and layout kept), if the result is a
/// valid config. The CNI stays what the cluster runs (the upgrade does not touch it): when the new
/// minor's default release is another one, `cni_version` is pinned to the running release, so that the
/// file keeps describing the cluster (and a later `apply` does not swap the CNI).
fn set_version(path: &Path, before: &ClusterConfig, version: &str) -> Result<(), SetVersionError> {
    let text = std::fs::read_to_string(path).map_err(SetVersionError::Read)?;
    let mut doc: toml_edit::DocumentMut = text.parse()?;
    let Some(cluster) = doc.get_mut("cluster").and_then(|c| c.as_table_like_mut()) else {
        return Err(SetVersionError::NoCluster);
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
    let invalid = |problems: Vec<crate::config::Problem>| SetVersionError::Invalid {
        version: version.to_string(),
        problems: problems.iter().map(|p| p.to_string()).collect(),
    };
    let cfg = crate::config::parse(&new, path).map_err(|e| invalid(e.problems))?;
    crate::config::validate_installed(&cfg, catalog).map_err(invalid)?;
    crate::atomic_file::write_keeping_mode(path, new.as_bytes()).map_err(SetVersionError::Write)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cluster_toml_that_cannot_take_the_new_version_says_why_and_is_left_alone() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("cluster.toml");
        let text = crate::config::test_toml("1.27.16", 1);
        let before = crate::config::parse_and_validate(&text, &path).unwrap();
        let said = |to: &str| set_version(&path, &before, to).unwrap_err().to_string();

        let e = said("1.28.15");
        assert!(e.starts_with("cannot read it: "), "{e}");
        std::fs::write(&path, "[cluster\n").unwrap();
        let e = said("1.28.15");
        assert!(e.starts_with("it is not valid TOML: "), "{e}");
        std::fs::write(&path, "name = \"t\"\n").unwrap();
        assert_eq!(said("1.28.15"), "it has no [cluster] table");

        std::fs::write(&path, &text).unwrap();
        let e = said("1.99.0");
        assert!(
            e.starts_with("with 1.99.0 the config would not be valid: ")
                && e.contains("kubernetes_version"),
            "{e}"
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);

        set_version(&path, &before, "1.28.15").unwrap();
        let after = std::fs::read_to_string(&path).unwrap();
        assert!(
            after.contains("kubernetes_version = \"1.28.15\""),
            "{after}"
        );
    }
}
