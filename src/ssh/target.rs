//! Where and how to reach one node: the merge of `[ssh]` and the node's own overrides.

use crate::config::{HostKeyPolicy, NodeConfig, SshSection, expand_home};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Target {
    pub name: String,
    pub address: String,
    pub port: u16,
    pub user: String,
    pub identity_file: Option<PathBuf>,
    pub known_hosts: PathBuf,
    pub policy: HostKeyPolicy,
    pub connect_timeout: Duration,
}

impl Target {
    pub fn new(node: &NodeConfig, ssh: &SshSection) -> Target {
        Target {
            name: node.name.clone(),
            address: node.address.clone(),
            port: node.port.unwrap_or(ssh.port),
            user: node.user.clone().unwrap_or_else(|| ssh.user.clone()),
            identity_file: node
                .identity_file
                .clone()
                .or_else(|| ssh.identity_file.clone())
                .map(|p| expand_home(&p)),
            known_hosts: ssh
                .known_hosts
                .as_ref()
                .map(|p| expand_home(p))
                .unwrap_or_else(|| home().join(".ssh/known_hosts")),
            policy: ssh.host_key_policy,
            connect_timeout: Duration::from_secs(ssh.connect_timeout.max(1)),
        }
    }

    /// Commands need `sudo -n` unless we log in as root.
    pub fn needs_sudo(&self) -> bool {
        self.user != "root"
    }
}

fn home() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/root"))
}
