//! Engine events: per-node progress, log lines, failures, join states, the summary.

use super::{error, info, resume_hint};
use crate::engine::{ClusterNodeState, Event};
use crate::plan::StepId;
use crate::tui::model::*;
use crate::tui::msg::Effect;

pub fn engine_event(m: &mut Model, e: Event) -> Vec<Effect> {
    note_initialised(m, &e);
    let now = m.install.clock;
    let ins = &mut m.install;
    match e {
        Event::RunStarted { nodes } => {
            ins.started = true;
            let old = std::mem::take(&mut ins.nodes);
            ins.nodes = nodes
                .into_iter()
                .map(|s| {
                    let mut p = NodeProgress::new(s.name, s.address, s.role, s.steps);
                    if let Some(o) = old.iter().find(|o| o.name == p.name) {
                        p.log = o.log.clone();
                    }
                    p
                })
                .collect();
        }
        Event::NodeConnected { node, facts } => {
            if let Some(n) = ins.node_mut(&node) {
                n.log.push(format!(
                    "connected: {} {}, kernel {}, {} CPU, {} MB",
                    facts.os_id, facts.os_version, facts.kernel, facts.cpus, facts.memory_mb
                ));
            }
            // The install's facts step probed the registries of the settings it runs with.
            let probed = super::mirrors::probes_env(m);
            if let Some(entry) = m.nodes.iter_mut().find(|n| n.config.name == node) {
                entry.facts = Some(*facts);
                entry.probed = probed.lines().map(str::to_string).collect();
            }
        }
        Event::StepStarted {
            node,
            step,
            attempt,
        } => {
            if let Some(n) = ins.node_mut(&node) {
                n.current = Some(step);
                n.blocked.retain(|(s, _)| *s != step);
                if !n.running.contains(&step) {
                    n.running.push(step);
                }
                n.state = RunState::Running;
                n.failure = None;
                n.started_at.get_or_insert(now);
                n.finished_at = None;
                let again = if attempt > 1 {
                    format!(" (attempt {attempt})")
                } else {
                    String::new()
                };
                n.log
                    .push(format!("── {}: {}{again} ──", step.name(), step.title()));
            }
        }
        Event::StepSkipped {
            node,
            step,
            journal,
        } => {
            if let Some(n) = ins.node_mut(&node) {
                n.started_at.get_or_insert(now);
                step_done(n, step, now);
                n.log.push(if journal {
                    format!("✓ {}: done in an earlier run", step.name())
                } else {
                    format!("✓ {}: already in the desired state", step.name())
                });
            }
        }
        Event::Line {
            node, step, text, ..
        } => {
            if let Some(n) = ins.node_mut(&node) {
                let _ = step;
                n.log.push(text);
            }
        }
        Event::StepFinished {
            node,
            step,
            duration,
        } => {
            if let Some(n) = ins.node_mut(&node) {
                step_done(n, step, now);
                n.log.push(format!(
                    "✓ {} done in {:.1}s",
                    step.name(),
                    duration.as_secs_f64()
                ));
            }
        }
        Event::StepFailed {
            node,
            step,
            failure,
        } => {
            if let Some(n) = ins.node_mut(&node) {
                n.state = RunState::Failed;
                n.current = Some(step);
                n.running.retain(|s| *s != step);
                n.finished_at = Some(now);
                n.log
                    .push(format!("✗ {} failed: {}", step.name(), failure.error));
                if let Some(h) = &failure.hint {
                    n.log.push(format!("  hint: {h}"));
                }
                n.failure = Some((step, failure));
                if let Some(i) = ins.nodes.iter().position(|n| n.name == node)
                    && !ins
                        .nodes
                        .iter()
                        .any(|o| o.state == RunState::Failed && o.name != node)
                {
                    ins.selected = i;
                }
            }
        }
        Event::StepBlocked { node, step, by } => {
            if let Some(n) = ins.node_mut(&node) {
                if n.state != RunState::Failed {
                    n.state = RunState::Blocked;
                }
                // Not a log line each (they pushed the real error out of view): one summary,
                // pinned at the bottom of the pane.
                n.blocked.retain(|(s, _)| *s != step);
                n.blocked.push((step, by));
            }
        }
        Event::CniPods(p) => ins.cni_pods = Some(p),
        Event::NodeState { node, state } => {
            if let Some(n) = ins.node_mut(&node) {
                n.cluster = Some(state);
            }
            // Once, when the control plane first reports a node; not while pausing or stopping
            // (the run is about to end on the install screen).
            if !ins.join_shown && !ins.stopping && m.screen == Screen::Install && !ins.zoom {
                ins.join_shown = true;
                m.screen = Screen::Join;
            }
        }
        // Upgrade facts (etcd snapshot, kubelet version): the upgrade view reads them.
        Event::Fact { .. } => {}
        Event::Warning { node, text } => {
            let status = match &node {
                Some(n) => format!("warning ({n}): {text}"),
                None => format!("warning: {text}"),
            };
            match node.and_then(|n| ins.node_mut(&n)) {
                Some(n) => n.log.push(format!("! warning: {text}")),
                None => ins.warnings.push(text),
            }
            info(m, status);
        }
        Event::RunFinished { summary } => {
            let ok_run = summary.ok;
            let interrupted = summary.interrupted;
            ins.summary = Some(summary);
            for n in &mut ins.nodes {
                n.running.clear();
                if n.state == RunState::Running {
                    n.state = RunState::Pending;
                }
                if ok_run {
                    n.cluster = Some(ClusterNodeState::Ready);
                }
            }
            // Stopped by `q` (or with nobody left to resume): exit saying how to resume.
            // Paused with `p`: stay, so the settings can change before running again.
            if ins.leaving || (interrupted && !ins.stopping) {
                let hint = resume_hint(m);
                m.exit = Some(ExitRequest {
                    code: if ok_run { 0 } else { 1 },
                    message: Some(hint),
                });
                return vec![Effect::Quit];
            }
            if !ok_run && m.screen == Screen::Join {
                // What to do next (r, Esc) is said and done on the install screen.
                m.screen = Screen::Install;
            }
            if ok_run {
                m.screen = Screen::Done;
            } else if interrupted {
                info(
                    m,
                    "install paused: r runs it again · Esc changes the settings · q leaves".into(),
                );
            } else {
                error(
                    m,
                    "the install stopped on a failure: r runs it again (done steps are skipped), Esc changes the settings, q leaves it paused"
                        .into(),
                );
            }
        }
    }
    vec![]
}

/// The first control plane's `init` is done (run now, found in place, or done in an earlier
/// run): the journal now holds what it fixed (engine/run/start.rs stamps the run's config), so
/// the settings reached with Esc from a failed or paused install refuse changing it, as
/// `kubewiz apply` would (`Journal::check_compatible`), before anything is saved.
fn note_initialised(m: &mut Model, e: &Event) {
    let (Event::StepFinished { node, step, .. } | Event::StepSkipped { node, step, .. }) = e else {
        return;
    };
    if *step != StepId::Init || m.initialised.is_some() {
        return;
    }
    let stamp = crate::engine::journal::ClusterStamp::of(&m.to_config());
    if stamp.first_control_plane == *node {
        m.initialised = Some(stamp);
    }
}

fn step_done(n: &mut NodeProgress, step: StepId, now: std::time::Duration) {
    n.done = (n.done + 1).min(n.steps.len());
    n.running.retain(|s| *s != step);
    n.current = n.running.last().copied();
    if n.running.is_empty() && n.state == RunState::Running {
        // Waiting for another node (or a free slot) before its next step.
        n.state = RunState::Pending;
    }
    if step == StepId::Ready {
        // Its `ready` step waited for exactly this (join-watch polls can lag behind).
        n.cluster = Some(ClusterNodeState::Ready);
    }
    if n.done == n.steps.len() {
        n.state = RunState::Done;
        n.finished_at = Some(now);
    }
}
