//! SSH failures, classified so that the user is told what happened and what to do.

use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq)]
pub enum SshError {
    #[error(
        "{node}: the host key of {address} has CHANGED since it was recorded in {known_hosts}; \
         refusing to connect (possible man-in-the-middle). If the machine was reinstalled, remove \
         the old key with `ssh-keygen -R {address} -f {known_hosts}` and run again"
    )]
    HostKeyChanged {
        node: String,
        address: String,
        known_hosts: String,
    },
    #[error(
        "{node}: the host key of {address} is not in {known_hosts} and host_key_policy is \"strict\"; \
         verify and add it (`ssh-keyscan {address} >> {known_hosts}` after checking the fingerprint), \
         or use host_key_policy = \"accept-new\""
    )]
    HostKeyUnknown {
        node: String,
        address: String,
        known_hosts: String,
    },
    #[error(
        "{node}: authentication as {user}@{address} failed ({detail}); check ssh.user / identity_file, \
         or install the key with `ssh-copy-id`"
    )]
    Auth {
        node: String,
        user: String,
        address: String,
        detail: String,
    },
    #[error(
        "{node}: cannot connect to {address}: {detail}; check the address, port and that sshd runs"
    )]
    Unreachable {
        node: String,
        address: String,
        detail: String,
    },
    /// The identity file cannot be used (checked before connecting).
    #[error("{node}: identity_file: {problem}")]
    Identity { node: String, problem: String },
    #[error("{node}: connection lost: {detail}")]
    ConnectionLost { node: String, detail: String },
    #[error(
        "{node}: `sudo -n` needs a password for {user}; give {user} passwordless sudo \
         (a sudoers line `{user} ALL=(ALL) NOPASSWD: ALL`) or connect as root"
    )]
    SudoPassword { node: String, user: String },
    #[error("{node}: {message}")]
    Remote { node: String, message: String },
}

impl SshError {
    /// Transient: worth reconnecting and retrying with backoff.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            SshError::ConnectionLost { .. } | SshError::Unreachable { .. }
        )
    }
}
