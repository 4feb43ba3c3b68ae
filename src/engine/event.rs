//! The engine's only way to talk to the world: typed events on a tokio channel. The plain
//! printer (`kubewiz apply`) and the TUI consume the same stream. Every text in an event is
//! already redacted: no join token, certificate key, CA hash or password ever appears here.

use crate::facts::Facts;
use crate::plan::StepId;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The run begins: the nodes in config order and how many steps each has in the plan.
    RunStarted {
        nodes: Vec<NodeSummary>,
    },
    /// SSH master connection is up and facts were read (or taken from the journal).
    NodeConnected {
        node: String,
        /// Boxed: the largest payload of the enum.
        facts: Box<Facts>,
    },
    StepStarted {
        node: String,
        step: StepId,
        attempt: u32,
    },
    /// The step was not applied: `journal` = recorded done by an earlier run (node untouched);
    /// otherwise its check found the node already in the desired state.
    StepSkipped {
        node: String,
        step: StepId,
        journal: bool,
    },
    /// One line of a step's output (stdout or stderr), redacted.
    Line {
        node: String,
        step: StepId,
        stream: Stream,
        text: String,
    },
    StepFinished {
        node: String,
        step: StepId,
        duration: Duration,
    },
    StepFailed {
        node: String,
        step: StepId,
        failure: Failure,
    },
    /// A step was not started because one it waits for failed.
    StepBlocked {
        node: String,
        step: StepId,
        by: String,
    },
    /// Join progress as the control plane sees it (polled with kubectl).
    NodeState {
        node: String,
        state: ClusterNodeState,
    },
    /// The CNI's pods as the control plane sees them (polled with kubectl), when they change.
    CniPods(CniPods),
    /// A fact a step other than `facts` reported (`::kw::fact key=value`): an upgrade's etcd
    /// snapshot path, the kubelet version a node runs after its restart.
    Fact {
        node: String,
        step: StepId,
        key: String,
        value: String,
    },
    /// A warning that does not stop the run (e.g. IPVS deprecated on 1.35+).
    Warning {
        node: Option<String>,
        text: String,
    },
    RunFinished {
        summary: Summary,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct NodeSummary {
    pub name: String,
    pub address: String,
    pub role: crate::config::Role,
    pub steps: Vec<StepId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub exit_code: Option<i32>,
    /// What happened, one line ("exit code 1", "connection lost", "timed out after 600 s").
    pub error: String,
    /// The last lines of output, redacted.
    pub tail: Vec<String>,
    /// What to do about it, when we know.
    pub hint: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ClusterNodeState {
    Waiting,
    Joining,
    NotReady,
    Ready,
}

impl ClusterNodeState {
    pub fn label(self) -> &'static str {
        match self {
            ClusterNodeState::Waiting => "waiting",
            ClusterNodeState::Joining => "joining",
            ClusterNodeState::NotReady => "joined, NotReady",
            ClusterNodeState::Ready => "Ready",
        }
    }
}

/// How many of the pod network's pods (calico-*, kube-flannel-*) run, and the first problem.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CniPods {
    pub running: usize,
    pub total: usize,
    /// e.g. "kube-flannel-ds-x2k9p on w1: CrashLoopBackOff".
    pub problem: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Summary {
    pub ok: bool,
    /// Interrupted by the user (Ctrl-C / q): the journal was saved, `apply` resumes.
    pub interrupted: bool,
    pub failed: Vec<(String, StepId, Failure)>,
    /// (node, step, duration) of every step applied in this run, in finishing order.
    pub durations: Vec<(String, StepId, Duration)>,
    pub kubeconfig: Option<std::path::PathBuf>,
    pub wall: Duration,
}
