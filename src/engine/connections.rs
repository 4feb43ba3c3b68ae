//! The engine's connections: one per host, opened on first use, shared by the tasks that run
//! there, dropped and reopened after a connection loss. Over any [`Transport`].

use super::transport::{Session, Transport};
use crate::ssh::SshError;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::Mutex;

type Slot = Arc<Mutex<Option<Arc<dyn Session>>>>;

#[derive(Clone)]
pub struct Connections {
    transport: Arc<dyn Transport>,
    slots: Arc<HashMap<String, Slot>>,
}

impl Connections {
    /// A pool for `hosts` (node names) over `transport`.
    pub fn new(transport: Arc<dyn Transport>, hosts: impl IntoIterator<Item = String>) -> Self {
        Connections {
            transport,
            slots: Arc::new(hosts.into_iter().map(|h| (h, Slot::default())).collect()),
        }
    }

    /// The host's connection, opened if need be.
    pub async fn get(&self, host: &str) -> Result<Arc<dyn Session>, SshError> {
        let Some(slot) = self.slots.get(host) else {
            return Err(SshError::Remote {
                node: host.to_string(),
                message: "not a node of this cluster".into(),
            });
        };
        let mut guard = slot.lock().await;
        if let Some(c) = guard.as_ref() {
            return Ok(c.clone());
        }
        // One attempt: the caller (the scheduler) retries with backoff within its window.
        let started = tokio::time::Instant::now();
        let conn = self.transport.connect(host).await.inspect_err(|e| {
            tracing::warn!(
                "connect to {host} failed after {:.1?}: {e}",
                started.elapsed()
            )
        })?;
        tracing::debug!("connected to {host} in {:.1?}", started.elapsed());
        *guard = Some(conn.clone());
        Ok(conn)
    }

    /// Forgets a host's connection after a loss; the next `get` reconnects.
    pub async fn invalidate(&self, host: &str) {
        if let Some(slot) = self.slots.get(host) {
            slot.lock().await.take();
            tracing::debug!("connection to {host} dropped");
        }
    }

    /// Closes every master connection cleanly.
    pub async fn close_all(&self) {
        for slot in self.slots.values() {
            if let Some(c) = slot.lock().await.take() {
                c.close().await;
            }
        }
    }
}
