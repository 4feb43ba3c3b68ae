//! SSH: one master connection per node (the `openssh` crate, native mux); every command is
//! a channel multiplexed over it. The only module that knows about openssh.
//!
//! Host keys are always checked against a known_hosts file: `strict` refuses unknown keys,
//! `accept-new` records them on first use; a changed key is refused by both.

pub mod bootstrap;
mod connection;
mod error;
pub mod hostkey;
pub mod identity;
mod target;

pub use crate::config::expand_home;
pub use connection::{Connection, ExitInfo, Line, OutputSink, READ_AND_RUN};
pub use error::SshError;
pub use target::Target;

use crate::config::{NodeConfig, SshSection};

/// Creates the directory `path` lives in, 0700, when it does not exist (a new key's or
/// known_hosts' directory, as ssh-keygen and ssh would).
pub(crate) fn create_private_parent(path: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() && !dir.exists() => std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir),
        _ => Ok(()),
    }
}
use crate::facts::Facts;

/// Connects to a node and reads its facts (used by `check --connect` and the wizard's
/// "test connection"). Runs the same `facts` step script the install uses.
pub async fn probe(node: &NodeConfig, ssh: &SshSection, script: &str) -> Result<Facts, SshError> {
    let target = Target::new(node, ssh);
    let conn = Connection::open(&target).await?;
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut sink = |line: connection::Line| {
        if let connection::Line::Structured(rest) = line
            && let Some(kv) = rest.strip_prefix("fact ")
            && let Some((k, v)) = kv.split_once('=')
        {
            pairs.push((k.to_string(), v.to_string()));
        }
    };
    let exit = conn
        .run_script(script, std::time::Duration::from_secs(60), &mut sink)
        .await;
    conn.close().await;
    let exit = exit?;
    if exit.code != Some(0) {
        return Err(SshError::Remote {
            node: target.name.clone(),
            message: format!("facts script exited with {:?}", exit.code),
        });
    }
    let mut facts = Facts::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    facts.clock_skew_secs = now_epoch() - facts.epoch;
    Ok(facts)
}

pub(crate) fn now_epoch() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
