//! Running one remote task: connect, mint the secrets it needs, upload its manifest, run its
//! script and read the scripts' line protocol; on a lost connection, reconnect and run it
//! again (with backoff) for up to [`RECONNECT_WINDOW`]. Safe to repeat: every script checks
//! before it applies.
//!
//! The line protocol: ordinary lines are output (redacted, logged, sent as events, the last
//! [`TAIL_LINES`] kept for a failure report); `::kw::` lines are structured and never shown:
//! `pgid N` (the remote process group, for abort), `fact K=V` (the facts step), `result
//! skipped` (the check found the node in the desired state), `hint TEXT` (what to do if the
//! step fails), `file NAME BASE64` (a file handed back: the admin kubeconfig).

use super::kubeconfig;
use super::run::Shared;
use super::{Event, Failure, Stream};
use crate::plan::{SecretSlot, TaskKind};
use crate::ssh::{ExitInfo, Line, SshError};
use std::collections::{HashMap, VecDeque};
use std::time::Duration;
use tokio::time::Instant;

/// A step whose connection is lost is retried (reconnect + backoff 1, 2, 4, 8 s...) for this
/// long before the node is given up for this run.
pub(super) const RECONNECT_WINDOW: Duration = Duration::from_secs(45);
/// Lines of output kept for a failure report.
const TAIL_LINES: usize = 15;

/// How a task ended.
pub(super) enum Outcome {
    Done {
        /// The check found the node already in the desired state.
        skipped: bool,
        /// `fact` lines (the facts step).
        facts: Vec<(String, String)>,
        duration: Duration,
    },
    Failed {
        failure: Failure,
    },
}

impl Outcome {
    fn failed(exit_code: Option<i32>, error: String, hint: Option<String>) -> Outcome {
        Outcome::Failed {
            failure: Failure {
                exit_code,
                error,
                tail: vec![],
                hint,
            },
        }
    }
}

/// Runs task `i` of the plan to its outcome (see the module doc), over its host's connection
/// number `lane` (0: the main one; waits may use further ones).
pub(super) async fn execute(sh: &Shared, i: usize, lane: usize) -> Outcome {
    let t = &sh.plan.tasks[i];
    let started = Instant::now();
    let mut first_loss: Option<Instant> = None;
    let mut attempt: u32 = 0;
    loop {
        attempt += 1;
        let err = match attempt_once(sh, i, lane).await {
            Ok(Outcome::Done { skipped, facts, .. }) => {
                return Outcome::Done {
                    skipped,
                    facts,
                    duration: started.elapsed(),
                };
            }
            Ok(failed) => return failed,
            Err(e) if e.is_transient() => e,
            Err(e) => return Outcome::failed(None, e.to_string(), None),
        };
        let lost_for = first_loss.get_or_insert_with(Instant::now).elapsed();
        if lost_for >= RECONNECT_WINDOW {
            return Outcome::failed(
                None,
                format!("connection lost: {err}"),
                Some(format!(
                    "{} has been unreachable for {} s; the other nodes went on where they could. \
                     Bring the node back (network, sshd) and run {} again: it resumes at \
                     this step",
                    t.node,
                    lost_for.as_secs(),
                    sh.again
                )),
            );
        }
        let wait = Duration::from_secs(1 << (attempt - 1).min(3));
        tracing::warn!(
            "{} {}: {err}; reconnecting in {wait:?} (lost for {lost_for:.1?})",
            t.node,
            t.step
        );
        sh.emit(Event::Warning {
            node: Some(t.node.clone()),
            text: format!(
                "{}: {err}; reconnecting in {} s (attempt {})",
                t.step,
                wait.as_secs(),
                attempt + 1
            ),
        });
        sh.conns.invalidate(&t.host).await;
        tokio::time::sleep(wait).await;
    }
}

/// One attempt: `Err` only for a connection problem (the caller decides whether to retry).
async fn attempt_once(sh: &Shared, i: usize, lane: usize) -> Result<Outcome, SshError> {
    let t = &sh.plan.tasks[i];
    let TaskKind::Remote(script) = &t.kind else {
        unreachable!("local tasks are evaluated by the scheduler")
    };
    let conn = sh.conns.get_lane(&t.host, lane).await?;

    let secrets = if script.secrets.is_empty() {
        HashMap::new()
    } else {
        let need_cert_key = script.secrets.contains(&SecretSlot::CertificateKey);
        sh.secrets.get(sh, need_cert_key).await?
    };
    if let Some(fail) = super::manifests::upload_for(sh, conn.as_ref(), t).await? {
        return Ok(Outcome::Failed { failure: fail });
    }
    let text = sh.plan.render_with_secrets(t, &secrets);
    tracing::debug!(
        "{} {}: running the script on {} ({} bytes, timeout {:?})",
        t.node,
        t.step,
        t.host,
        text.len(),
        t.timeout
    );

    let mut lines = Protocol::new(sh, i);
    let exit = conn
        .run_script(&text, t.timeout, &mut |l| lines.line(l))
        .await?;
    Ok(lines.outcome(sh, i, exit))
}

/// What a running script has said so far.
struct Protocol<'a> {
    sh: &'a Shared,
    i: usize,
    facts: Vec<(String, String)>,
    tail: VecDeque<String>,
    hints: Vec<String>,
    skipped: bool,
    files: Vec<(String, String)>,
}

impl<'a> Protocol<'a> {
    fn new(sh: &'a Shared, i: usize) -> Protocol<'a> {
        Protocol {
            sh,
            i,
            facts: Vec::new(),
            tail: VecDeque::new(),
            hints: Vec::new(),
            skipped: false,
            files: Vec::new(),
        }
    }

    fn line(&mut self, line: Line) {
        let sh = self.sh;
        let t = &sh.plan.tasks[self.i];
        let (stream, text) = match line {
            Line::Structured(rest) => return self.structured(&rest),
            Line::Stdout(text) => (Stream::Stdout, text),
            Line::Stderr(text) => (Stream::Stderr, text),
        };
        let text = sh.redactor.redact(&text);
        sh.logs.write(&t.node, t.step, &text);
        if self.tail.len() == TAIL_LINES {
            self.tail.pop_front();
        }
        self.tail.push_back(text.clone());
        sh.emit(Event::Line {
            node: t.node.clone(),
            step: t.step,
            stream,
            text,
        });
    }

    fn structured(&mut self, rest: &str) {
        let (kind, value) = rest.split_once(' ').unwrap_or((rest, ""));
        match kind {
            "fact" => {
                if let Some((k, v)) = value.split_once('=') {
                    self.facts.push((k.to_string(), v.to_string()));
                }
            }
            "result" => self.skipped = value.trim() == "skipped",
            "hint" => self.hints.push(self.sh.redactor.redact(value)),
            "pgid" => {
                if let Ok(p) = value.trim().parse() {
                    self.sh.pgids.lock().expect("pgid lock").insert(self.i, p);
                }
            }
            "file" => {
                if let Some((name, data)) = value.split_once(' ') {
                    self.files.push((name.to_string(), data.to_string()));
                }
            }
            // `secret` lines are only expected from the mint script; anything else is ignored.
            _ => {}
        }
    }

    /// The task's outcome once the script has exited.
    fn outcome(self, sh: &Shared, i: usize, exit: ExitInfo) -> Outcome {
        let t = &sh.plan.tasks[i];
        for (name, data) in &self.files {
            if let Err(e) = save_file(sh, name, data) {
                return Outcome::failed(exit.code, e, None);
            }
        }
        if exit.code == Some(0) {
            return Outcome::Done {
                skipped: self.skipped,
                facts: self.facts,
                duration: Duration::ZERO,
            };
        }
        let tail: Vec<String> = self.tail.into_iter().collect();
        let error = if exit.timed_out {
            format!(
                "timed out after {} s (the remote process was killed)",
                t.timeout.as_secs()
            )
        } else {
            match exit.code {
                Some(c) => format!("exit code {c}"),
                None => "killed by a signal".to_string(),
            }
        };
        let hint = self
            .hints
            .into_iter()
            .next()
            .or_else(|| super::hints::for_output(tail.iter()))
            .or_else(|| {
                exit.timed_out.then(|| {
                    format!(
                        "look at the node's log, fix the cause and run {} again",
                        self.sh.again
                    )
                })
            });
        Outcome::Failed {
            failure: Failure {
                exit_code: exit.code,
                error,
                tail,
                hint,
            },
        }
    }
}

/// Files a step hands back (`::kw::file NAME BASE64`): only the admin kubeconfig so far.
fn save_file(sh: &Shared, name: &str, data: &str) -> Result<(), String> {
    if name != "kubeconfig" {
        return Err(format!("unexpected file {name:?} from the node"));
    }
    kubeconfig::save(&sh.state_dir, data)
        .map(drop)
        .map_err(|e| e.to_string())
}
