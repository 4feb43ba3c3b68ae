//! One script on one node over its own connection: [`run_collect`] (exit code and lines), and
//! [`check_certs`] (`kubeadm certs check-expiration` read into dates).

use crate::config::{ClusterConfig, NodeConfig};
use crate::engine::{OpenSsh, Transport, journal};
use crate::ssh::{Line, SshError};
use crate::upgrade::certs::{self, NodeCerts};
use crate::upgrade::scripts;
use std::time::Duration;

/// Why a control plane's certificates could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CertsError {
    #[error(transparent)]
    Ssh(#[from] SshError),
    #[error("kubeadm certs check-expiration failed (exit {code:?}): {last_line}")]
    Failed {
        code: Option<i32>,
        last_line: String,
    },
    /// kubeadm's table was not what kubeadm prints.
    #[error("{0}")]
    Table(String),
}

/// `kubeadm certs check-expiration` on a control plane.
pub async fn check_certs(config: &ClusterConfig, n: &NodeConfig) -> Result<NodeCerts, CertsError> {
    check_certs_over(&OpenSsh::new(config), n).await
}

/// [`check_certs`] over any transport (the unit tests' fake).
pub(super) async fn check_certs_over(
    transport: &dyn Transport,
    n: &NodeConfig,
) -> Result<NodeCerts, CertsError> {
    let (code, lines) = collect_over(
        transport,
        &n.name,
        &scripts::certs_check(),
        Duration::from_secs(120),
    )
    .await?;
    if code != Some(0) {
        return Err(CertsError::Failed {
            code,
            last_line: lines.last().cloned().unwrap_or_default(),
        });
    }
    Ok(NodeCerts {
        node: n.name.clone(),
        checked_at: journal::now(),
        certs: certs::parse_check_expiration(&lines.join("\n")).map_err(CertsError::Table)?,
    })
}

/// Runs a script on a node; its exit code and output lines (structured lines as `::kw::...`).
pub async fn run_collect(
    config: &ClusterConfig,
    n: &NodeConfig,
    script: &str,
    timeout: Duration,
) -> Result<(Option<i32>, Vec<String>), SshError> {
    collect_over(&OpenSsh::new(config), &n.name, script, timeout).await
}

/// [`run_collect`] over any transport, on its own connection to `node`.
pub(super) async fn collect_over(
    transport: &dyn Transport,
    node: &str,
    script: &str,
    timeout: Duration,
) -> Result<(Option<i32>, Vec<String>), SshError> {
    let session = transport.connect(node).await?;
    let mut lines = Vec::new();
    let mut sink = |l: Line| match l {
        Line::Stdout(t) | Line::Stderr(t) => lines.push(t),
        Line::Structured(t) => lines.push(format!("::kw::{t}")),
    };
    let exit = session.run_script(script, timeout, &mut sink).await;
    session.close().await;
    Ok((exit?.code, lines))
}
