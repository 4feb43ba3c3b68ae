//! `.kubewiz/upgrade.json`: from an upgrade's first attempt until it finishes, the nodes found cordoned
//! before it began and the versions asked for.

use super::UpgradeError;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// `.kubewiz/upgrade.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(super) struct Record {
    /// Nodes cordoned before the upgrade began.
    pub(super) found_cordoned: Vec<String>,
    pub(super) started_at: i64,
    /// The versions asked for, in order (a later attempt may ask for another).
    pub(super) targets: Vec<String>,
}

pub(super) fn record_path(state_dir: &Path) -> PathBuf {
    state_dir.join("upgrade.json")
}

/// The version an unfinished upgrade was last asked for (`.kubewiz/upgrade.json`), if one is unfinished.
pub fn unfinished(state_dir: &Path) -> Option<String> {
    load_record(state_dir).and_then(|r| r.targets.last().cloned())
}

pub(super) fn load_record(state_dir: &Path) -> Option<Record> {
    std::fs::read(record_path(state_dir))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
}

pub(super) fn save_record(state_dir: &Path, r: &Record) -> Result<(), UpgradeError> {
    let path = record_path(state_dir);
    crate::atomic_file::write_private(&path, &serde_json::to_vec_pretty(r).expect("serialises"))
        .map_err(|source| UpgradeError::Io { path, source })
}
