//! The engine's connections: per host, one opened on first use and shared by the tasks that run
//! there, plus further ones for waits when more of them run at once than one connection can
//! carry (see `run::MAX_WAITS_PER_HOST`); dropped and reopened after a connection loss. Over
//! any [`Transport`].

use super::transport::{Session, Transport};
use crate::ssh::SshError;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::Mutex;

type Slot = Arc<Mutex<Option<Arc<dyn Session>>>>;

/// Connections a host may have: the main one and the extra ones for waits.
pub const LANES_PER_HOST: usize = 5;

#[derive(Clone)]
pub struct Connections {
    transport: Arc<dyn Transport>,
    /// Per host, its connections ("lanes"): 0 is the main one.
    slots: Arc<HashMap<String, Vec<Slot>>>,
}

impl Connections {
    /// A pool for `hosts` (node names) over `transport`.
    pub fn new(transport: Arc<dyn Transport>, hosts: impl IntoIterator<Item = String>) -> Self {
        Connections {
            transport,
            slots: Arc::new(
                hosts
                    .into_iter()
                    .map(|h| (h, (0..LANES_PER_HOST).map(|_| Slot::default()).collect()))
                    .collect(),
            ),
        }
    }

    /// The host's main connection, opened if need be.
    pub async fn get(&self, host: &str) -> Result<Arc<dyn Session>, SshError> {
        self.get_lane(host, 0).await
    }

    /// The host's connection number `lane` (0: the main one; a lane past the last is the
    /// last), opened if need be.
    pub async fn get_lane(&self, host: &str, lane: usize) -> Result<Arc<dyn Session>, SshError> {
        let Some(lanes) = self.slots.get(host) else {
            return Err(SshError::Remote {
                node: host.to_string(),
                message: "not a node of this cluster".into(),
            });
        };
        let slot = &lanes[lane.min(lanes.len() - 1)];
        let mut guard = slot.lock().await;
        if let Some(c) = guard.as_ref() {
            return Ok(c.clone());
        }
        // One attempt: the caller (the scheduler) retries with backoff within its window.
        let started = tokio::time::Instant::now();
        let conn = self.transport.connect(host).await.inspect_err(|e| {
            tracing::warn!(
                "connect to {host} (connection {lane}) failed after {:.1?}: {e}",
                started.elapsed()
            )
        })?;
        tracing::debug!(
            "connected to {host} (connection {lane}) in {:.1?}",
            started.elapsed()
        );
        *guard = Some(conn.clone());
        Ok(conn)
    }

    /// Forgets a host's connections after a loss; the next `get` reconnects.
    pub async fn invalidate(&self, host: &str) {
        if let Some(lanes) = self.slots.get(host) {
            for slot in lanes {
                slot.lock().await.take();
            }
            tracing::debug!("connections to {host} dropped");
        }
    }

    /// Closes every master connection cleanly.
    pub async fn close_all(&self) {
        for slot in self.slots.values().flatten() {
            if let Some(c) = slot.lock().await.take() {
                c.close().await;
            }
        }
    }
}
