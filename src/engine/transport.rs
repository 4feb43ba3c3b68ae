//! What the engine needs from the network, as two small traits: a [`Transport`] opens a
//! [`Session`] to a host; a session runs a script with streamed output under a timeout, runs a
//! short command, uploads a file and kills a remote process group. [`OpenSsh`] is the real
//! one (the `ssh` module: one multiplexed master per node); unit tests of the scheduler use
//! the in-process `fake` (scripted replies, a paused clock).

use crate::config::ClusterConfig;
use crate::ssh::{Connection, ExitInfo, OutputSink, SshError, Target};
use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

#[cfg(test)]
pub mod fake;

/// Opens connections to the cluster's hosts, by node name.
#[async_trait]
pub trait Transport: Send + Sync {
    /// One attempt to connect to `host` (host key checked, sudo checked); the scheduler
    /// retries transient errors ([`SshError::is_transient`]) with backoff.
    async fn connect(&self, host: &str) -> Result<Arc<dyn Session>, SshError>;
}

/// An open connection to one host; any number of commands run over it at once.
#[async_trait]
pub trait Session: Send + Sync {
    /// Runs a whole script with bash under the remote `timeout` (killed with its process
    /// group when it fires), handing each output line to `sink` as it comes. The script's
    /// first structured line is `pgid N`, its remote process group (see [`Session::kill_group`]).
    async fn run_script(
        &self,
        script: &str,
        timeout: Duration,
        sink: &mut (dyn OutputSink + Send),
    ) -> Result<ExitInfo, SshError>;

    /// Runs one short command (no script); its exit code and stdout.
    async fn run_command(
        &self,
        program: &str,
        args: &[&str],
    ) -> Result<(Option<i32>, String), SshError>;

    /// Writes `data` to `path` on the host with `mode` (e.g. "0644"), atomically.
    async fn upload(&self, path: &str, data: &[u8], mode: &str) -> Result<(), SshError>;

    /// Kills a remote process group (a step's `timeout` and everything under it).
    async fn kill_group(&self, pgid: u32);

    /// Closes the connection cleanly when this is its last holder.
    async fn close(self: Arc<Self>);
}

/// The real transport: OpenSSH, one master connection per node (see [`crate::ssh`]).
pub struct OpenSsh {
    targets: HashMap<String, Target>,
}

impl OpenSsh {
    pub fn new(cfg: &ClusterConfig) -> OpenSsh {
        OpenSsh {
            targets: cfg
                .nodes
                .iter()
                .map(|n| (n.name.clone(), Target::new(n, &cfg.ssh)))
                .collect(),
        }
    }
}

#[async_trait]
impl Transport for OpenSsh {
    async fn connect(&self, host: &str) -> Result<Arc<dyn Session>, SshError> {
        let Some(target) = self.targets.get(host) else {
            return Err(SshError::Remote {
                node: host.to_string(),
                message: "not a node of this cluster".into(),
            });
        };
        Ok(Arc::new(Connection::open(target).await?))
    }
}

#[async_trait]
impl Session for Connection {
    async fn run_script(
        &self,
        script: &str,
        timeout: Duration,
        sink: &mut (dyn OutputSink + Send),
    ) -> Result<ExitInfo, SshError> {
        Connection::run_script(self, script, timeout, sink).await
    }

    async fn run_command(
        &self,
        program: &str,
        args: &[&str],
    ) -> Result<(Option<i32>, String), SshError> {
        Connection::run_command(self, program, args).await
    }

    async fn upload(&self, path: &str, data: &[u8], mode: &str) -> Result<(), SshError> {
        Connection::upload(self, path, data, mode).await
    }

    async fn kill_group(&self, pgid: u32) {
        Connection::kill_group(self, pgid).await
    }

    async fn close(self: Arc<Self>) {
        if let Ok(c) = Arc::try_unwrap(self) {
            Connection::close(c).await
        }
    }
}
