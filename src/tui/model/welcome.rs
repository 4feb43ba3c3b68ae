//! Welcome's state: the choices, the path prompt, what the journal says.

use crate::engine::journal::ClusterStamp;
use crate::plan::StepId;
use std::time::Duration;
use tui_input::Input;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResumeInfo {
    pub done: usize,
    pub total: usize,
    /// (node, step, first line of the error)
    pub failed: Vec<(String, StepId, String)>,
    /// Steps found running when the last run stopped (re-checked before re-applying).
    pub interrupted: Vec<(String, StepId)>,
    /// What runs next, in order (a few).
    pub next: Vec<(String, StepId)>,
}

/// What the journal next to cluster.toml says, read with the file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JournalInfo {
    /// An unfinished install (the Resume card).
    pub resume: Option<ResumeInfo>,
    /// What `kubeadm init` fixed (None before init): changing it is refused, with why.
    pub initialised: Option<ClusterStamp>,
    /// Every step of the plan is done.
    pub installed: bool,
    /// Steps recorded done, and in the plan.
    pub done: usize,
    pub total: usize,
    /// When the last step finished (seconds since the epoch).
    pub last_finished: Option<i64>,
    /// Time spent installing over all runs (the union of the steps' run times).
    pub busy: Duration,
    /// An upgrade an earlier attempt left unfinished: the version it was asked for.
    pub upgrade_unfinished: Option<String>,
    /// The control planes' certificates (warnings under 30 days), as `kubewiz status` says them.
    pub certs: Vec<String>,
}

/// What Welcome offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// Continue an unfinished install.
    Resume,
    /// Change the settings of the cluster.toml that was read.
    Edit,
    /// Upgrade the installed cluster (day 2).
    Upgrade,
    New,
    Open,
}

#[derive(Debug, Clone, Default)]
pub struct Welcome {
    /// Index into [`Welcome::choices`].
    pub selected: usize,
    /// The path prompt of "open cluster.toml".
    pub open: Option<Input>,
    pub resume: Option<ResumeInfo>,
    /// The journal of the cluster.toml that was read.
    pub journal: Option<JournalInfo>,
    pub error: Option<String>,
    /// The forms hold a cluster.toml that was read (New starts over from defaults).
    pub loaded: bool,
    /// cluster.toml exists at `Model::config_path` (set by the runtime).
    pub file_exists: bool,
}

impl Welcome {
    /// Resume (when unfinished), Edit (when a file was read), Upgrade (when installed), New, Open.
    pub fn choices(&self) -> Vec<Choice> {
        let mut c = Vec::new();
        if self.resume.is_some() {
            c.push(Choice::Resume);
        }
        if self.loaded {
            c.push(Choice::Edit);
        }
        if self
            .journal
            .as_ref()
            .is_some_and(|j| j.installed || j.upgrade_unfinished.is_some())
        {
            c.push(Choice::Upgrade);
        }
        c.extend([Choice::New, Choice::Open]);
        c
    }

    pub fn chosen(&self) -> Choice {
        let c = self.choices();
        c[self.selected.min(c.len() - 1)]
    }

    pub fn select(&mut self, choice: Choice) {
        if let Some(i) = self.choices().iter().position(|c| *c == choice) {
            self.selected = i;
        }
    }
}
