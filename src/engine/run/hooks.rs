//! The hooks of a run that are particular to the install pipeline: what the front ends are
//! told at the start, the journal's done steps taken over, the manifests checked before the
//! preflight barrier, the facts step's facts recorded, the barrier itself, join progress.
//! The loop in `run.rs` only schedules, records and obeys commands.

use super::Scheduler;
use crate::engine::journal::StepState;
use crate::engine::schedule::Status;
use crate::engine::{ClusterNodeState, Event, Failure, NodeSummary};
use crate::facts::Facts;
use crate::plan::StepId;
use std::collections::{HashMap, HashSet};
use std::time::Duration;

impl Scheduler {
    /// `RunStarted`: the nodes and their steps.
    pub(super) fn announce(&self) {
        let sh = self.shared.clone();
        self.emit(Event::RunStarted {
            nodes: sh
                .cfg
                .nodes
                .iter()
                .map(|n| NodeSummary {
                    name: n.name.clone(),
                    address: n.address.clone(),
                    role: n.role,
                    steps: sh
                        .plan
                        .tasks
                        .iter()
                        .filter(|t| t.node == n.name)
                        .map(|t| t.step)
                        .collect(),
                })
                .collect(),
        });
    }

    /// Steps done in an earlier run are skipped without touching the node; in a `--node` run,
    /// other nodes' unfinished steps are not part of the run.
    pub(super) fn take_journal(&mut self) {
        let sh = self.shared.clone();
        // Done in an earlier run: skipped without touching the node. The facts of a node whose
        // preflight has not passed are read again: the node (or its mirrors) may have been fixed.
        for (i, t) in sh.plan.tasks.iter().enumerate() {
            let stale_facts =
                t.step == StepId::Facts && !self.journal.is_done(&t.node, StepId::Preflight);
            if self.journal.is_done(&t.node, t.step) && !stale_facts {
                self.schedule.set(i, Status::Done);
                if t.step == StepId::Facts
                    && let Some(f) = self.journal.facts(&t.node)
                {
                    self.emit(Event::NodeConnected {
                        node: t.node.clone(),
                        facts: Box::new(f.clone()),
                    });
                }
                self.emit(Event::StepSkipped {
                    node: t.node.clone(),
                    step: t.step,
                    journal: true,
                });
            } else if self.only_node.as_deref().is_some_and(|n| n != t.node) {
                // Another node's unfinished task: not ours to run in a --node run.
                self.schedule.set(i, Status::Excluded);
            }
        }
    }

    /// What keeps a manifest that a remaining step uploads from being at hand on this
    /// workstation (built in, the user's file, a verified download). Checked once, before the
    /// preflight barrier: a workstation that cannot reach GitHub learns it before any change,
    /// not after kubeadm init. Nothing to check once the first control plane passed preflight.
    pub(super) async fn manifests_at_hand(&self) -> Vec<String> {
        let sh = &self.shared;
        let cp = &sh.plan.first_control_plane;
        if self.journal.is_done(cp, StepId::Preflight) {
            return Vec::new();
        }
        let mut out = Vec::new();
        for t in &sh.plan.tasks {
            let Some(upload) = t.step.def().upload else {
                continue;
            };
            if self.journal.is_done(&t.node, t.step) {
                continue;
            }
            if let Err(e) =
                crate::engine::manifests::raw(&sh.cfg, &sh.state_dir, upload.manifest).await
            {
                let fix = match upload.manifest {
                    crate::engine::manifests::Which::Cni => {
                        "give cluster.cni_manifest = \"path\" (a copy fetched where GitHub answers), or a \
                         cni_version built into kubewiz (`kubewiz plan` says which manifests are)"
                    }
                    crate::engine::manifests::Which::Dashboard => {
                        "give cluster.dashboard_manifest = \"path\" (a copy fetched where GitHub answers)"
                    }
                };
                out.push(format!("step {} needs a manifest: {e}; {fix}", t.step));
            }
        }
        out
    }

    /// A step started (join progress shows a joining node at once).
    pub(super) fn on_started(&self, i: usize) {
        let t = &self.shared.plan.tasks[i];
        if t.step == StepId::Join {
            self.emit(Event::NodeState {
                node: t.node.clone(),
                state: ClusterNodeState::Joining,
            });
        }
    }

    /// A step is done: the facts step's facts go to the journal and the front ends; other
    /// steps' facts (e.g. the kubelet version an upgrade's `ready` reads) go out as events.
    pub(super) fn on_done(&mut self, i: usize, facts: &[(String, String)]) {
        let sh = self.shared.clone();
        let t = &sh.plan.tasks[i];
        let addr = self.address(&t.node);
        if t.step != StepId::Facts {
            for (key, value) in facts {
                self.emit(Event::Fact {
                    node: t.node.clone(),
                    step: t.step,
                    key: key.clone(),
                    value: value.clone(),
                });
            }
        }
        if t.step == StepId::Facts {
            let mut f = Facts::from_pairs(facts.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            f.clock_skew_secs = crate::engine::journal::now() - f.epoch;
            self.journal.set_facts(&t.node, &addr, f.clone());
            self.emit(Event::NodeConnected {
                node: t.node.clone(),
                facts: Box::new(f),
            });
        }
    }

    /// Whether `kubeadm init` is done: the join watch starts then.
    pub(super) fn init_done(&self) -> bool {
        self.shared
            .plan
            .tasks
            .iter()
            .enumerate()
            .any(|(i, t)| t.step == StepId::Init && self.schedule.status(i) == Status::Done)
    }

    /// Preflight is a barrier over every node's facts, evaluated here on the workstation. If
    /// any node is refused, no node goes on: nothing is changed anywhere.
    pub(super) fn run_preflight_if_ready(&mut self) {
        let sh = self.shared.clone();
        let ready = self.schedule.ready_local();
        if ready.is_empty() {
            return;
        }
        let facts: HashMap<String, Facts> = sh
            .cfg
            .nodes
            .iter()
            .filter_map(|n| {
                self.journal
                    .facts(&n.name)
                    .map(|f| (n.name.clone(), f.clone()))
            })
            .collect();
        let mut findings = crate::engine::preflight::evaluate(&sh.cfg, sh.minor, &facts);
        if !self.manifest_problems.is_empty() {
            findings
                .refusals
                .entry(sh.plan.first_control_plane.clone())
                .or_default()
                .extend(self.manifest_problems.iter().cloned());
        }
        tracing::info!(
            "preflight of {} tasks: refusals {:?}, warnings {:?}",
            ready.len(),
            findings.refusals,
            findings.warnings
        );
        for (node, warnings) in &findings.warnings {
            for w in warnings {
                self.emit(Event::Warning {
                    node: Some(node.clone()),
                    text: w.clone(),
                });
            }
        }
        // Only the nodes whose preflight runs now can be refused: nodes installed by an
        // earlier run keep their recorded facts and are not re-judged.
        let ready_nodes: HashSet<&str> = ready
            .iter()
            .map(|&i| sh.plan.tasks[i].node.as_str())
            .collect();
        let refused: Vec<String> = findings
            .refusals
            .iter()
            .filter(|(k, v)| !v.is_empty() && ready_nodes.contains(k.as_str()))
            .map(|(k, _)| k.clone())
            .collect();
        for &i in &ready {
            let t = &sh.plan.tasks[i];
            let addr = self.address(&t.node);
            self.emit(Event::StepStarted {
                node: t.node.clone(),
                step: t.step,
                attempt: 1,
            });
            if let Some(problems) = findings.refusals.get(&t.node).filter(|p| !p.is_empty()) {
                for p in problems {
                    sh.logs.write(&t.node, t.step, p);
                }
                let failure = Failure {
                    exit_code: None,
                    error: problems[0].clone(),
                    tail: problems.clone(),
                    // The refusal says what to change (the node, or the version in cluster.toml):
                    // not "fix the node" when the node is fine and the version is not.
                    hint: Some("change what it says (the node, or cluster.toml: `kubewiz` → Edit settings) and run again; nothing was changed on any node".into()),
                };
                self.journal
                    .record(&t.node, &addr, t.step, StepState::Failed)
                    .error = Some(failure.error.clone());
                self.fail(i, failure);
            } else if !refused.is_empty() {
                self.schedule.set(i, Status::Blocked);
                self.emit(Event::StepBlocked {
                    node: t.node.clone(),
                    step: t.step,
                    by: format!("preflight of {}", refused.join(", ")),
                });
            } else {
                self.journal.record(&t.node, &addr, t.step, StepState::Done);
                self.schedule.finish(i, true);
                self.emit(Event::StepFinished {
                    node: t.node.clone(),
                    step: t.step,
                    duration: Duration::ZERO,
                });
            }
        }
        self.save();
        self.block_dependents();
    }
}
