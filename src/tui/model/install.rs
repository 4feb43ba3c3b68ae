//! The Install, Join and Done screens' state: per-node progress and the run.

use crate::config::Role;
use crate::engine::{ClusterNodeState, Failure, Summary};
use crate::plan::StepId;
use crate::tui::logbuf::LogPane;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunState {
    Pending,
    Running,
    Done,
    Failed,
    Blocked,
}

#[derive(Debug, Clone)]
pub struct NodeProgress {
    pub name: String,
    pub address: String,
    pub role: Role,
    pub steps: Vec<StepId>,
    pub done: usize,
    /// The step started last (the failed one after a failure).
    pub current: Option<StepId>,
    /// Steps running now, in start order (a node runs up to 4 at once).
    pub running: Vec<StepId>,
    pub state: RunState,
    pub started_at: Option<Duration>,
    pub finished_at: Option<Duration>,
    pub failure: Option<(StepId, Failure)>,
    /// Steps that cannot run this time, each with what failed ("init on k8s-master").
    pub blocked: Vec<(StepId, String)>,
    pub log: LogPane,
    pub cluster: Option<ClusterNodeState>,
}

impl NodeProgress {
    /// One line for all blocked steps, grouped by what failed: "join, ready wait for init on
    /// k8s-master, which failed".
    pub fn blocked_summary(&self) -> Option<String> {
        let mut by: Vec<(&str, Vec<&str>)> = Vec::new();
        for (step, what) in &self.blocked {
            match by.iter_mut().find(|(w, _)| *w == what.as_str()) {
                Some((_, steps)) => steps.push(step.name()),
                None => by.push((what.as_str(), vec![step.name()])),
            }
        }
        let parts: Vec<String> = by
            .into_iter()
            .map(|(what, steps)| {
                let verb = if steps.len() == 1 { "waits" } else { "wait" };
                format!("{} {verb} for {what}, which failed", steps.join(", "))
            })
            .collect();
        (!parts.is_empty()).then(|| parts.join("; "))
    }

    pub fn new(name: String, address: String, role: Role, steps: Vec<StepId>) -> NodeProgress {
        NodeProgress {
            name,
            address,
            role,
            steps,
            done: 0,
            current: None,
            running: Vec::new(),
            state: RunState::Pending,
            started_at: None,
            finished_at: None,
            failure: None,
            blocked: Vec::new(),
            log: LogPane::default(),
            cluster: None,
        }
    }

    pub fn elapsed(&self, now: Duration) -> Duration {
        match (self.started_at, self.finished_at) {
            (Some(s), Some(f)) => f.saturating_sub(s),
            (Some(s), None) => now.saturating_sub(s),
            _ => Duration::ZERO,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct InstallState {
    /// The engine was asked to start.
    pub started: bool,
    pub nodes: Vec<NodeProgress>,
    pub selected: usize,
    pub zoom: bool,
    /// Run-wide warnings (node-specific ones also go to the node's pane).
    pub warnings: Vec<String>,
    pub summary: Option<Summary>,
    /// `q` confirmed or `p`: Stop sent, waiting for RunFinished.
    pub stopping: bool,
    /// `q` confirmed: the wizard exits with the resume hint once the run ends (after `p` it
    /// stays, paused: `r` runs again, `Esc` changes the settings).
    pub leaving: bool,
    /// Quit confirmed again while stopping: Abort sent (running steps are killed and
    /// recorded as interrupted).
    pub aborting: bool,
    /// `q` pressed: Pause sent, nothing new starts while "Stop the install?" is open; "no"
    /// sends Resume.
    pub paused: bool,
    /// Time since the install screen opened (from `Msg::Tick`).
    pub clock: Duration,
    /// The join panel was shown automatically once.
    pub join_shown: bool,
    /// The engine could not start.
    pub error: Option<String>,
    /// The pod network's pods, as the control plane last reported them.
    pub cni_pods: Option<crate::engine::CniPods>,
    /// Time earlier runs of this install spent (from the journal as this run started).
    pub earlier_time: Option<Duration>,
    /// Rows the Done screen's Next box is scrolled down by.
    pub done_scroll: usize,
}

impl InstallState {
    pub fn running(&self) -> bool {
        self.started && self.summary.is_none() && self.error.is_none()
    }

    pub fn node_mut(&mut self, name: &str) -> Option<&mut NodeProgress> {
        self.nodes.iter_mut().find(|n| n.name == name)
    }
}
