//! The one error type of the command line, and its exit code.

use super::{EXIT_FAILED, EXIT_USAGE};
use crate::engine::{self, journal};
use std::path::PathBuf;

/// Why a command did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error(transparent)]
    Plan(#[from] crate::plan::PlanError),
    #[error("--node {node:?} is not in the config; nodes are: {nodes}")]
    UnknownNode { node: String, nodes: String },
    #[error("reset wipes Kubernetes from the chosen nodes; run again with --yes to confirm")]
    ResetNotConfirmed,
    #[error(transparent)]
    Engine(#[from] engine::EngineError),
    #[error(transparent)]
    Journal(#[from] journal::JournalError),
    #[error("cannot prepare {path}: {source}")]
    StateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot remove the journal {path}: {source}")]
    RemoveJournal {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[source] std::io::Error),
    #[error("cannot listen for Ctrl-C (SIGINT): {0}")]
    Signals(#[source] std::io::Error),
    /// The install or a node operation failed; the printer or the per-node lines already
    /// said what and what to do.
    #[error("failed (see the messages above)")]
    Reported,
    /// `status`: not every step is done yet (not an error to print).
    #[error("not every step is done")]
    NotDone,
    #[error(transparent)]
    Upgrade(Box<crate::upgrade::run::UpgradeError>),
    /// `upgrade` without --yes and without a terminal to ask on (it said so).
    #[error("not confirmed")]
    UpgradeNotConfirmed,
}

impl CliError {
    /// 2 for bad config or usage (including a config change an installed cluster cannot
    /// take), 1 for everything else.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Config(_)
            | CliError::Plan(_)
            | CliError::UnknownNode { .. }
            | CliError::ResetNotConfirmed
            | CliError::UpgradeNotConfirmed
            | CliError::Engine(engine::EngineError::Journal(
                journal::JournalError::Incompatible(_),
            )) => EXIT_USAGE,
            CliError::Upgrade(e) => match **e {
                crate::upgrade::run::UpgradeError::Refused(_)
                | crate::upgrade::run::UpgradeError::NotInstalled(_) => EXIT_USAGE,
                _ => EXIT_FAILED,
            },
            _ => EXIT_FAILED,
        }
    }

    /// Whether `main` prints it (the others were reported as they happened).
    pub(super) fn needs_printing(&self) -> bool {
        !matches!(
            self,
            CliError::Reported | CliError::NotDone | CliError::UpgradeNotConfirmed
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_the_readme() {
        let io = || std::io::Error::other("x");
        let usage = [
            CliError::UnknownNode {
                node: "x".into(),
                nodes: "a".into(),
            },
            CliError::ResetNotConfirmed,
            CliError::Plan(crate::plan::PlanError::NoControlPlane),
            CliError::Engine(engine::EngineError::Journal(
                journal::JournalError::Incompatible("pod_cidr changed".into()),
            )),
        ];
        for e in usage {
            assert_eq!(e.exit_code(), EXIT_USAGE, "{e}");
        }
        let failed = [
            CliError::Reported,
            CliError::NotDone,
            CliError::Runtime(io()),
            CliError::Signals(io()),
            CliError::StateDir {
                path: "/x".into(),
                source: io(),
            },
            CliError::Journal(journal::JournalError::Locked { path: "/x".into() }),
            CliError::Engine(engine::EngineError::Plan("x".into())),
        ];
        for e in failed {
            assert_eq!(e.exit_code(), EXIT_FAILED, "{e}");
        }
        assert!(!CliError::Reported.needs_printing());
        assert!(!CliError::NotDone.needs_printing());
        assert!(CliError::ResetNotConfirmed.needs_printing());
    }
}
