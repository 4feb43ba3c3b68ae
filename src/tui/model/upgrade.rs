//! The Upgrade screen's state and the run of an upgrade (its hops reuse the Install screen's progress).

use crate::upgrade::run::{Outcome, Prepared};
use std::collections::BTreeMap;
use tui_input::Input;

#[derive(Debug, Clone, Default)]
pub struct UpgradeUi {
    /// The version to reach (typed).
    pub target: Input,
    /// The survey is running.
    pub preparing: bool,
    /// What the survey found and the path to `target`.
    pub prepared: Option<Box<Prepared>>,
    /// Why the survey or the path failed.
    pub error: Option<String>,
    /// An upgrade runs (the Install, Join and Done screens show it).
    pub active: bool,
    /// The hop under way: (1-based index, count, "1.25.3 → 1.26.15").
    pub hop: Option<(usize, usize, String)>,
    /// Each node's kubelet version as last reported (survey, then every restart).
    pub versions: BTreeMap<String, String>,
    /// How the upgrade ended.
    pub outcome: Option<Box<Outcome>>,
    /// The summary of that end, in lines (Done shows them).
    pub summary: Vec<String>,
    /// How far the Path box is scrolled down (lines; it scrolls when it does not fit).
    pub path_scroll: usize,
}
