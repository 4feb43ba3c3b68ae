//! The engine's connections: one per host, opened on first use, shared by the tasks that run
//! there, dropped and reopened after a connection loss.

use crate::config::ClusterConfig;
use crate::ssh::{Connection, SshError, Target};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::Mutex;

type Slot = Arc<Mutex<Option<Arc<Connection>>>>;

#[derive(Clone)]
pub struct Connections {
    targets: Arc<HashMap<String, Target>>,
    slots: Arc<HashMap<String, Slot>>,
}

impl Connections {
    pub fn new(cfg: &ClusterConfig) -> Connections {
        let targets: HashMap<String, Target> = cfg
            .nodes
            .iter()
            .map(|n| (n.name.clone(), Target::new(n, &cfg.ssh)))
            .collect();
        let slots = targets
            .keys()
            .map(|k| (k.clone(), Slot::default()))
            .collect();
        Connections {
            targets: Arc::new(targets),
            slots: Arc::new(slots),
        }
    }

    /// The host's connection, opened if need be.
    pub async fn get(&self, host: &str) -> Result<Arc<Connection>, SshError> {
        let (Some(slot), Some(target)) = (self.slots.get(host), self.targets.get(host)) else {
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
        let conn = Connection::open(target).await?;
        let conn = Arc::new(conn);
        *guard = Some(conn.clone());
        Ok(conn)
    }

    /// Forgets a host's connection after a loss; the next `get` reconnects.
    pub async fn invalidate(&self, host: &str) {
        if let Some(slot) = self.slots.get(host) {
            slot.lock().await.take();
        }
    }

    /// Closes every master connection cleanly.
    pub async fn close_all(&self) {
        for slot in self.slots.values() {
            if let Some(c) = slot.lock().await.take()
                && let Ok(c) = Arc::try_unwrap(c)
            {
                c.close().await;
            }
        }
    }
}
