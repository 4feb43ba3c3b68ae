//! The plain front end of `kubewiz apply`: one line per event, prefixed with the node, and
//! a summary with per-step durations at the end.

use super::{Event, Summary};
use std::collections::HashMap;
use std::io::Write;
use std::time::Duration;

#[derive(Default)]
pub struct Printer {
    skipped_from_journal: HashMap<String, usize>,
}

impl Printer {
    pub fn new() -> Printer {
        Printer::default()
    }

    /// Renders one event as zero or more lines.
    pub fn render(&mut self, e: &Event) -> Vec<String> {
        match e {
            Event::RunStarted { nodes } => vec![format!(
                "kubewiz: {} node(s): {}",
                nodes.len(),
                nodes
                    .iter()
                    .map(|n| format!("{} ({}, {})", n.name, n.address, n.role.as_str()))
                    .collect::<Vec<_>>()
                    .join(", ")
            )],
            Event::NodeConnected { node, facts } => vec![format!(
                "[{node}] {} {} · kernel {} · cgroup v{} · {} CPU · {} MB",
                facts.os_id,
                facts.os_version,
                facts.kernel,
                facts.cgroup_version,
                facts.cpus,
                facts.memory_mb
            )],
            Event::StepStarted {
                node,
                step,
                attempt,
            } => {
                let again = if *attempt > 1 {
                    format!(" (attempt {attempt})")
                } else {
                    String::new()
                };
                vec![format!("[{node}] ==> {step}: {}{again}", step.title())]
            }
            Event::StepSkipped {
                node,
                step,
                journal,
            } => {
                if *journal {
                    *self.skipped_from_journal.entry(node.clone()).or_default() += 1;
                    vec![]
                } else {
                    vec![format!("[{node}] ok  {step}: already in the desired state")]
                }
            }
            Event::Line {
                node, step, text, ..
            } => vec![format!("[{node}] {step}: {text}")],
            Event::StepFinished {
                node,
                step,
                duration,
            } => {
                vec![format!("[{node}] ok  {step} ({})", secs(*duration))]
            }
            Event::StepFailed {
                node,
                step,
                failure,
            } => {
                let mut v = vec![format!("[{node}] FAILED {step}: {}", failure.error)];
                if let Some(h) = &failure.hint {
                    v.push(format!("[{node}]   hint: {h}"));
                }
                v
            }
            Event::StepBlocked { node, step, by } => {
                vec![format!("[{node}] --  {step}: not started (waits for {by})")]
            }
            Event::NodeState { node, state } => {
                vec![format!("[{node}] cluster: {}", state.label())]
            }
            Event::CniPods(p) => vec![format!(
                "pod network: {}/{} pods running{}",
                p.running,
                p.total,
                p.problem
                    .as_deref()
                    .map(|x| format!(" ({x})"))
                    .unwrap_or_default()
            )],
            Event::Fact {
                node,
                step,
                key,
                value,
            } => vec![format!("[{node}] {step}: {key} = {value}")],
            Event::Warning { node, text } => match node {
                Some(n) => vec![format!("[{n}] warning: {text}")],
                None => vec![format!("warning: {text}")],
            },
            Event::RunFinished { summary } => self.summary(summary),
        }
    }

    fn summary(&self, s: &Summary) -> Vec<String> {
        let mut v = vec![String::new(), "== summary ==".to_string()];
        let mut skipped: Vec<_> = self.skipped_from_journal.iter().collect();
        skipped.sort();
        for (node, n) in skipped {
            v.push(format!(
                "{node}: {n} step(s) already done in an earlier run (not touched)"
            ));
        }
        if !s.durations.is_empty() {
            v.push("steps applied in this run:".into());
            for (node, step, d) in &s.durations {
                v.push(format!("  {node:<20} {:<12} {:>8}", step.name(), secs(*d)));
            }
        }
        for (node, step, f) in &s.failed {
            v.push(format!("FAILED: node {node}, step {step}: {}", f.error));
            if let Some(c) = f.exit_code {
                v.push(format!("  exit code: {c}"));
            }
            if !f.tail.is_empty() {
                v.push("  last output:".into());
                for l in &f.tail {
                    v.push(format!("    {l}"));
                }
            }
            if let Some(h) = &f.hint {
                v.push(format!("  what to do: {h}"));
            }
        }
        v.push(format!("wall time: {}", secs(s.wall)));
        if s.ok {
            v.push("cluster ready.".into());
            if let Some(k) = &s.kubeconfig {
                v.push(format!("kubeconfig: {}", k.display()));
                v.push(format!("  export KUBECONFIG={}", k.display()));
                v.push("  kubectl get nodes".into());
            }
        } else if s.interrupted {
            v.push("stopped: the journal is saved; run `kubewiz apply` again to resume.".into());
        } else {
            v.push("install incomplete: fix what failed and run `kubewiz apply` again; done steps are not repeated.".into());
        }
        v
    }

    pub fn print(&mut self, e: &Event) {
        let mut out = std::io::stdout().lock();
        for l in self.render(e) {
            let _ = writeln!(out, "{l}");
        }
    }
}

fn secs(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}
