//! The Nodes screen's state: the nodes, their connection tests, the form, the questions.

use crate::config::{NodeConfig, Role};
use crate::facts::Facts;
use crate::tui::form::SecretInput;
use tui_input::Input;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeState {
    Untested,
    Testing,
    Ok,
    /// The host key is not in known_hosts: ask before trusting it.
    UnknownHostKey {
        fingerprints: Vec<String>,
        /// The known_hosts lines to append when trusted.
        lines: Vec<String>,
    },
    /// The host key differs from known_hosts: refused until the user replaces the recorded key
    /// (asked with both fingerprints) or fixes known_hosts.
    ChangedHostKey(Box<ChangedKey>),
    /// Key authentication failed: offer the one-time password bootstrap.
    AuthFailed(String),
    Bootstrapping,
    Failed(String),
}

/// A host key that differs from the one recorded in known_hosts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChangedKey {
    /// "ssh-ed25519 SHA256:..." of each key known_hosts has for the node.
    pub recorded: Vec<String>,
    /// "ssh-ed25519 SHA256:..." of each key the node offers now.
    pub offered: Vec<String>,
    /// The known_hosts lines of the offered keys (recorded when the user replaces the key;
    /// empty when only ssh reported the change).
    pub lines: Vec<String>,
    /// The whole command that forgets the recorded keys, e.g.
    /// `ssh-keygen -R [192.0.2.10]:2222 -f /home/me/.ssh/known_hosts`.
    pub command: String,
}

#[derive(Debug, Clone)]
pub struct NodeEntry {
    pub config: NodeConfig,
    pub probe: ProbeState,
    pub facts: Option<Facts>,
    /// The registry probes ("<registry> <mirror|registry> <url>") the test that read `facts`
    /// asked for: a probe not among them was not tried from this node.
    pub probed: Vec<String>,
    /// The registry probes of the test running now.
    pub probing: Vec<String>,
}

impl NodeEntry {
    pub fn new(config: NodeConfig) -> NodeEntry {
        NodeEntry {
            config,
            probe: ProbeState::Untested,
            facts: None,
            probed: Vec::new(),
            probing: Vec::new(),
        }
    }
}

pub const F_NAME: usize = 0;
pub const F_ADDRESS: usize = 1;
pub const F_PORT: usize = 2;
pub const F_USER: usize = 3;
pub const F_ROLE: usize = 4;
pub const F_IDENTITY: usize = 5;
pub const NODE_FIELDS: usize = 6;

#[derive(Debug, Clone)]
pub struct NodeForm {
    /// Index of the node being edited; None = adding.
    pub editing: Option<usize>,
    pub name: Input,
    pub address: Input,
    pub port: Input,
    pub user: Input,
    pub role: Role,
    pub identity: Input,
    pub focus: usize,
    /// Enter was pressed once: show errors of empty fields too.
    pub submitted: bool,
}

impl NodeForm {
    pub fn new(role: Role) -> NodeForm {
        NodeForm {
            editing: None,
            name: Input::default(),
            address: Input::default(),
            port: Input::default(),
            user: Input::default(),
            role,
            identity: Input::default(),
            focus: F_NAME,
            submitted: false,
        }
    }

    pub fn edit(index: usize, n: &NodeConfig) -> NodeForm {
        NodeForm {
            editing: Some(index),
            name: n.name.clone().into(),
            address: n.address.clone().into(),
            port: n.port.map(|p| p.to_string()).unwrap_or_default().into(),
            user: n.user.clone().unwrap_or_default().into(),
            role: n.role,
            identity: n
                .identity_file
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
                .into(),
            focus: F_NAME,
            submitted: false,
        }
    }

    pub fn input_mut(&mut self, field: usize) -> Option<&mut Input> {
        match field {
            F_NAME => Some(&mut self.name),
            F_ADDRESS => Some(&mut self.address),
            F_PORT => Some(&mut self.port),
            F_USER => Some(&mut self.user),
            F_IDENTITY => Some(&mut self.identity),
            _ => None,
        }
    }

    pub fn input(&self, field: usize) -> Option<&Input> {
        match field {
            F_NAME => Some(&self.name),
            F_ADDRESS => Some(&self.address),
            F_PORT => Some(&self.port),
            F_USER => Some(&self.user),
            F_IDENTITY => Some(&self.identity),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub enum NodesPrompt {
    TrustKey {
        node: usize,
    },
    /// "Replace the recorded host key?" (a changed key, after the user asked for it).
    ReplaceKey {
        node: usize,
    },
    Password {
        node: usize,
        input: SecretInput,
    },
    ConfirmRemove {
        node: usize,
    },
}

#[derive(Debug, Clone, Default)]
pub struct NodesUi {
    pub selected: usize,
    pub form: Option<NodeForm>,
    pub prompt: Option<NodesPrompt>,
    pub error: Option<String>,
}
