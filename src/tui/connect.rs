//! What the wizard asks a node before anything is installed (the runtime's background work for
//! the Nodes and Versions screens): the connection test (identity file, host key, facts and the
//! registry probes of the settings) and the package repository's patches of a minor.

use super::model::ChangedKey;
use super::msg::ProbeOutcome;
use crate::catalog::Catalog;
use crate::config::{NodeConfig, SshSection};
use crate::plan;
use crate::ssh::{self, SshError, hostkey};

/// The identity file first (a wrong one otherwise shows as "Permission denied"), then the
/// host key (ask the user about unknown keys), then connect and read facts, probing from the
/// node the registries and mirrors in `probes` and the package repositories in `packages` (the
/// facts step's own probes).
pub async fn probe(
    node: &NodeConfig,
    ssh_cfg: &SshSection,
    probes: &str,
    packages: &str,
) -> ProbeOutcome {
    let target = ssh::Target::new(node, ssh_cfg);
    if let Some(key) = &target.identity_file
        && let Err(e) = ssh::identity::check(key)
    {
        return ProbeOutcome::Failed(format!("{}: identity_file: {e}", node.name));
    }
    match hostkey::check(
        &target.address,
        target.port,
        &target.known_hosts,
        target.connect_timeout,
    )
    .await
    {
        Ok(hostkey::HostKeyStatus::Known) => {}
        Ok(hostkey::HostKeyStatus::Unknown(keys)) => {
            return ProbeOutcome::UnknownHostKey {
                fingerprints: keys
                    .iter()
                    .map(|k| format!("{} {}", k.key_type, k.fingerprint))
                    .collect(),
                lines: keys.into_iter().map(|k| k.line).collect(),
            };
        }
        Ok(hostkey::HostKeyStatus::Changed { offered, recorded }) => {
            return ProbeOutcome::ChangedHostKey(Box::new(ChangedKey {
                recorded,
                offered: offered
                    .iter()
                    .map(|k| format!("{} {}", k.key_type, k.fingerprint))
                    .collect(),
                lines: offered.into_iter().map(|k| k.line).collect(),
                command: hostkey::forget_command(&target.known_hosts, &target.address, target.port),
            }));
        }
        Err(e) => return ProbeOutcome::Failed(e.to_string()),
    }
    let script = plan::facts_script_probing(&node.name, &[], probes, packages);
    match ssh::probe(node, ssh_cfg, &script).await {
        Ok(f) => ProbeOutcome::Facts(Box::new(f)),
        Err(e @ SshError::Auth { .. }) => ProbeOutcome::AuthFailed(e.to_string()),
        // ssh saw a change the scan did not (e.g. known_hosts changed in between): no
        // fingerprints to show, only the way out.
        Err(SshError::HostKeyChanged { .. }) => {
            ProbeOutcome::ChangedHostKey(Box::new(ChangedKey {
                command: hostkey::forget_command(&target.known_hosts, &target.address, target.port),
                ..ChangedKey::default()
            }))
        }
        Err(e) => ProbeOutcome::Failed(e.to_string()),
    }
}

/// The patches of `minor` the package repository of `mirror` carries, as `node` reads the
/// repository's index (the script `kubewiz check --connect` runs; nothing changes on the node).
pub async fn repo_versions(
    node: &NodeConfig,
    ssh_cfg: &SshSection,
    mirror: crate::config::Mirror,
    minor: &str,
) -> Result<Vec<String>, String> {
    let cat = Catalog::builtin();
    let m = cat
        .minor_for(&format!("{minor}.0"))
        .map_err(|e| e.to_string())?;
    let script = plan::repo_versions_script(cat.mirror(mirror), m);
    let f = ssh::probe(node, ssh_cfg, &script)
        .await
        .map_err(|e| e.to_string())?;
    if f.repo_error.is_empty() {
        Ok(f.repo_versions)
    } else {
        Err(f.repo_error)
    }
}
