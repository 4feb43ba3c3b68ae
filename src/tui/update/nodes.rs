//! Nodes: the list, connection tests, host key trust and the one-time password prompt (the
//! add/edit form is `node_form`); and the results of the background probes.

use super::{Common, global, ok};
use crate::config::Role;
use crate::tui::form::{self, SecretInput};
use crate::tui::keys::{Binding, also, back, find, help, key as bind, quit, shown};
use crate::tui::model::*;
use crate::tui::msg::{Effect, Password, ProbeOutcome};
use crossterm::event::{KeyCode, KeyEvent};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy)]
enum ListAction {
    Up,
    Down,
    Add,
    Edit,
    Remove,
    Test,
    TestAll,
    TrustKey,
    ReplaceKey,
    AskPassword,
    Next,
    Global(Common),
}

fn has_selected(m: &Model) -> bool {
    m.nodes_ui.selected < m.nodes.len()
}
fn selected_probe(m: &Model) -> Option<&ProbeState> {
    m.nodes.get(m.nodes_ui.selected).map(|n| &n.probe)
}

const LIST: &[Binding<ListAction>] = {
    use ListAction::*;
    &[
        also(&[KeyCode::Up, KeyCode::Char('k')], Up),
        also(&[KeyCode::Down, KeyCode::Char('j')], Down),
        bind(&[KeyCode::Char('a')], "a", "add", Add),
        bind(&[KeyCode::Char('e'), KeyCode::Enter], "e", "edit", Edit).when(has_selected),
        bind(
            &[KeyCode::Char('d'), KeyCode::Delete],
            "d",
            "remove",
            Remove,
        )
        .when(has_selected),
        bind(&[KeyCode::Char('t')], "t", "test", Test).when(has_selected),
        bind(&[KeyCode::Char('T')], "T", "test all", TestAll),
        bind(&[KeyCode::Char('y')], "y", "trust key", TrustKey)
            .when(|m| matches!(selected_probe(m), Some(ProbeState::UnknownHostKey { .. }))),
        bind(&[KeyCode::Char('r')], "r", "replace key", ReplaceKey).when(|m| {
            matches!(selected_probe(m), Some(ProbeState::ChangedHostKey(c)) if !c.lines.is_empty())
        }),
        // `y` answers the pending question of the selected node, the password one too.
        also(&[KeyCode::Char('y')], AskPassword)
            .when(|m| matches!(selected_probe(m), Some(ProbeState::AuthFailed(_)))),
        bind(&[KeyCode::Char('p')], "p", "password", AskPassword).when(|m| {
            matches!(
                selected_probe(m),
                Some(ProbeState::AuthFailed(_) | ProbeState::Failed(_))
            )
        }),
        bind(&[KeyCode::Char('n'), KeyCode::Char('N')], "n", "next", Next),
        back(Global(Common::Back)),
        help(Global(Common::Help)),
        quit(Global(Common::Quit)).unlisted(),
    ]
};

#[derive(Debug, Clone, Copy)]
enum Answer {
    Yes,
    All,
    No,
}

/// Nodes whose unknown host key waits for a decision, in node order.
pub fn pending_trust(m: &Model) -> Vec<usize> {
    (0..m.nodes.len())
        .filter(|&i| matches!(m.nodes[i].probe, ProbeState::UnknownHostKey { .. }))
        .collect()
}

/// "Trust this host key?" (every pending node's keys are listed); other keys leave the
/// question open.
const TRUST: &[Binding<Answer>] = &[
    bind(
        &[KeyCode::Char('y'), KeyCode::Char('Y')],
        "y",
        "trust",
        Answer::Yes,
    ),
    bind(
        &[KeyCode::Char('a'), KeyCode::Char('A')],
        "a",
        "trust all shown",
        Answer::All,
    )
    .when(|m| pending_trust(m).len() > 1),
    bind(
        &[KeyCode::Char('n'), KeyCode::Char('N'), KeyCode::Esc],
        "n/Esc",
        "do not trust",
        Answer::No,
    ),
];

/// "Replace the recorded host key?"; other keys leave the question open.
const REPLACE: &[Binding<Answer>] = &[
    bind(
        &[KeyCode::Char('y'), KeyCode::Char('Y')],
        "y",
        "replace",
        Answer::Yes,
    ),
    bind(
        &[KeyCode::Char('n'), KeyCode::Char('N'), KeyCode::Esc],
        "n/Esc",
        "keep refusing",
        Answer::No,
    ),
];

/// "Remove node?"; any other key is a no.
const REMOVE: &[Binding<Answer>] = &[
    bind(
        &[KeyCode::Char('y'), KeyCode::Char('Y'), KeyCode::Enter],
        "y",
        "yes",
        Answer::Yes,
    ),
    bind(
        &[KeyCode::Char('n'), KeyCode::Char('N'), KeyCode::Esc],
        "n/Esc",
        "no",
        Answer::No,
    ),
];

/// The one-time password; other keys edit it.
const PASSWORD: &[Binding<Answer>] = &[
    bind(&[KeyCode::Enter], "Enter", "install key", Answer::Yes),
    bind(&[KeyCode::Esc], "Esc", "cancel", Answer::No),
];

fn table(m: &Model) -> Table {
    match (&m.nodes_ui.prompt, &m.nodes_ui.form) {
        (Some(NodesPrompt::TrustKey { .. }), _) => Table::Prompt(TRUST),
        (Some(NodesPrompt::ReplaceKey { .. }), _) => Table::Prompt(REPLACE),
        (Some(NodesPrompt::ConfirmRemove { .. }), _) => Table::Prompt(REMOVE),
        (Some(NodesPrompt::Password { .. }), _) => Table::Prompt(PASSWORD),
        (None, Some(_)) => Table::Form,
        (None, None) => Table::List,
    }
}

enum Table {
    Prompt(&'static [Binding<Answer>]),
    Form,
    List,
}

pub fn keys(m: &Model) -> Vec<(&'static str, &'static str)> {
    match table(m) {
        Table::Prompt(t) => shown(t, m),
        Table::Form => super::node_form::keys(m),
        Table::List => shown(LIST, m),
    }
}

pub fn key(m: &mut Model, k: KeyEvent) -> Vec<Effect> {
    match table(m) {
        Table::Prompt(t) => {
            let answer = find(t, m, &k);
            let effects = prompt_key(m, k, answer);
            if m.nodes_ui.prompt.is_none() {
                open_next_trust(m);
            }
            effects
        }
        Table::Form => super::node_form::form_key(m, k),
        Table::List => list_key(m, k),
    }
}

fn list_key(m: &mut Model, k: KeyEvent) -> Vec<Effect> {
    use ListAction::*;
    let len = m.nodes.len();
    let sel = m.nodes_ui.selected;
    match find(LIST, m, &k) {
        Some(Up) => m.nodes_ui.selected = sel.saturating_sub(1),
        Some(Down) => m.nodes_ui.selected = (sel + 1).min(len.saturating_sub(1)),
        Some(Add) => {
            let role = if m.nodes.iter().any(|n| n.config.role == Role::ControlPlane) {
                Role::Worker
            } else {
                Role::ControlPlane
            };
            let mut form = NodeForm::new(role);
            // The nodes of a cluster usually share the login: start from the previous one's.
            if let Some(prev) = m.nodes.last() {
                let prev = &prev.config;
                form.user = prev.user.clone().unwrap_or_default().into();
                form.port = prev.port.map(|p| p.to_string()).unwrap_or_default().into();
                form.identity = prev
                    .identity_file
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default()
                    .into();
            }
            m.nodes_ui.form = Some(form);
        }
        Some(Edit) => m.nodes_ui.form = Some(NodeForm::edit(sel, &m.nodes[sel].config)),
        Some(Remove) => m.nodes_ui.prompt = Some(NodesPrompt::ConfirmRemove { node: sel }),
        Some(Test) => return probe_effect(m, sel).into_iter().collect(),
        Some(TestAll) => return (0..len).filter_map(|i| probe_effect(m, i)).collect(),
        Some(TrustKey) => m.nodes_ui.prompt = Some(NodesPrompt::TrustKey { node: sel }),
        Some(ReplaceKey) => m.nodes_ui.prompt = Some(NodesPrompt::ReplaceKey { node: sel }),
        Some(AskPassword) => {
            m.nodes_ui.prompt = Some(NodesPrompt::Password {
                node: sel,
                input: SecretInput::default(),
            })
        }
        Some(Next) => {
            if let Some(e) = nodes_error(m) {
                m.nodes_ui.error = Some(e);
            } else {
                m.nodes_ui.error = None;
                m.screen = Screen::Network;
            }
        }
        Some(Global(g)) => return global(m, g),
        None => {}
    }
    vec![]
}

fn prompt_key(m: &mut Model, k: KeyEvent, answer: Option<Answer>) -> Vec<Effect> {
    let Some(prompt) = m.nodes_ui.prompt.take() else {
        return vec![];
    };
    match (prompt, answer) {
        (NodesPrompt::TrustKey { node }, Some(Answer::Yes)) => {
            let Some(n) = m.nodes.get_mut(node) else {
                return vec![];
            };
            let ProbeState::UnknownHostKey { lines, .. } = &n.probe else {
                return vec![];
            };
            let lines = lines.clone();
            n.probe = ProbeState::Testing;
            vec![Effect::TrustHostKey {
                node: n.config.clone(),
                ssh: m.ssh.clone(),
                lines,
            }]
        }
        (NodesPrompt::TrustKey { node }, Some(Answer::No)) => {
            if let Some(n) = m.nodes.get_mut(node) {
                n.probe = ProbeState::Failed(
                    "host key not trusted; compare the fingerprint on the node with `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`".into(),
                );
            }
            vec![]
        }
        (NodesPrompt::TrustKey { .. }, Some(Answer::All)) => pending_trust(m)
            .into_iter()
            .filter_map(|i| {
                let n = &mut m.nodes[i];
                let ProbeState::UnknownHostKey { lines, .. } = &n.probe else {
                    return None;
                };
                let lines = lines.clone();
                n.probe = ProbeState::Testing;
                Some(Effect::TrustHostKey {
                    node: n.config.clone(),
                    ssh: m.ssh.clone(),
                    lines,
                })
            })
            .collect(),
        (prompt @ (NodesPrompt::TrustKey { .. } | NodesPrompt::ReplaceKey { .. }), None) => {
            m.nodes_ui.prompt = Some(prompt);
            vec![]
        }
        (NodesPrompt::ReplaceKey { node }, Some(Answer::Yes | Answer::All)) => {
            let Some(n) = m.nodes.get_mut(node) else {
                return vec![];
            };
            let ProbeState::ChangedHostKey(c) = &n.probe else {
                return vec![];
            };
            let lines = c.lines.clone();
            n.probe = ProbeState::Testing;
            vec![Effect::ReplaceHostKey {
                node: n.config.clone(),
                ssh: m.ssh.clone(),
                lines,
            }]
        }
        (NodesPrompt::ReplaceKey { .. }, Some(Answer::No)) => vec![],
        (NodesPrompt::Password { .. }, Some(Answer::No)) => vec![],
        (NodesPrompt::Password { node, input }, Some(Answer::Yes | Answer::All)) => {
            let pw = input.0.value().to_string();
            if pw.is_empty() {
                m.nodes_ui.prompt = Some(NodesPrompt::Password { node, input });
                return vec![];
            }
            let Some(n) = m.nodes.get_mut(node) else {
                return vec![];
            };
            n.probe = ProbeState::Bootstrapping;
            vec![Effect::BootstrapKey {
                node: n.config.clone(),
                ssh: m.ssh.clone(),
                password: Password::new(pw),
            }]
        }
        (NodesPrompt::Password { node, mut input }, None) => {
            form::edit(&mut input.0, k);
            m.nodes_ui.prompt = Some(NodesPrompt::Password { node, input });
            vec![]
        }
        (NodesPrompt::ConfirmRemove { node }, Some(Answer::Yes | Answer::All)) => {
            if node < m.nodes.len() {
                m.nodes.remove(node);
                m.nodes_ui.selected = m.nodes_ui.selected.min(m.nodes.len().saturating_sub(1));
            }
            vec![]
        }
        (NodesPrompt::ConfirmRemove { .. }, _) => vec![],
    }
}

pub(super) fn probe_effect(m: &mut Model, i: usize) -> Option<Effect> {
    let n = m.nodes.get(i)?;
    if matches!(n.probe, ProbeState::Testing | ProbeState::Bootstrapping) {
        return None;
    }
    test_again(m, i)
}

/// Tests node `i` now: connect, read its facts, and probe from it the registries and mirrors
/// the settings on screen pull through and the package repositories they install from (what the
/// install's facts step probes).
fn test_again(m: &mut Model, i: usize) -> Option<Effect> {
    let probes = super::mirrors::probes_env(m);
    let packages = super::repo::package_probes_env(m);
    let n = m.nodes.get_mut(i)?;
    n.probe = ProbeState::Testing;
    n.probing = probes.lines().map(str::to_string).collect();
    Some(Effect::Probe {
        node: n.config.clone(),
        ssh: m.ssh.clone(),
        probes,
        packages,
    })
}

/// After a question is answered: ask about the next node whose host key waits for a
/// decision (after "test all" several can).
fn open_next_trust(m: &mut Model) {
    if let Some(i) = m
        .nodes
        .iter()
        .position(|n| matches!(n.probe, ProbeState::UnknownHostKey { .. }))
    {
        m.nodes_ui.selected = i;
        m.nodes_ui.prompt = Some(NodesPrompt::TrustKey { node: i });
    }
}

/// Why the node list cannot be used yet.
pub fn nodes_error(m: &Model) -> Option<String> {
    if m.nodes.is_empty() {
        return Some("add at least one node (a)".into());
    }
    if !m.nodes.iter().any(|n| n.config.role == Role::ControlPlane) {
        return Some("at least one node must be a control-plane (e to edit its role)".into());
    }
    None
}

/// A background connection test finished.
pub fn probed(m: &mut Model, node: String, outcome: ProbeOutcome) -> Vec<Effect> {
    let Some(i) = m.nodes.iter().position(|n| n.config.name == node) else {
        return vec![];
    };
    // Ask now when nothing else is open on the Nodes screen.
    let can_ask =
        m.nodes_ui.prompt.is_none() && m.nodes_ui.form.is_none() && m.screen == Screen::Nodes;
    let n = &mut m.nodes[i];
    n.probe = match outcome {
        ProbeOutcome::Facts(f) => {
            n.facts = Some(*f);
            n.probed = std::mem::take(&mut n.probing);
            ProbeState::Ok
        }
        ProbeOutcome::UnknownHostKey {
            fingerprints,
            lines,
        } => {
            if can_ask {
                m.nodes_ui.selected = i;
                m.nodes_ui.prompt = Some(NodesPrompt::TrustKey { node: i });
            }
            ProbeState::UnknownHostKey {
                fingerprints,
                lines,
            }
        }
        ProbeOutcome::ChangedHostKey(c) => ProbeState::ChangedHostKey(c),
        ProbeOutcome::AuthFailed(e) => {
            if can_ask {
                m.nodes_ui.selected = i;
                m.nodes_ui.prompt = Some(NodesPrompt::Password {
                    node: i,
                    input: SecretInput::default(),
                });
            }
            ProbeState::AuthFailed(e)
        }
        ProbeOutcome::Failed(e) => ProbeState::Failed(e),
    };
    vec![]
}

/// The trusted host key was written to known_hosts (or could not be).
pub fn host_key_trusted(m: &mut Model, node: String, result: Result<(), String>) -> Vec<Effect> {
    let Some(i) = m.nodes.iter().position(|n| n.config.name == node) else {
        return vec![];
    };
    match result {
        Ok(()) => test_again(m, i).into_iter().collect(),
        Err(e) => {
            m.nodes[i].probe = ProbeState::Failed(format!("could not record the host key: {e}"));
            vec![]
        }
    }
}

/// The one-time password bootstrap finished.
pub fn bootstrapped(
    m: &mut Model,
    node: String,
    result: Result<Option<PathBuf>, String>,
) -> Vec<Effect> {
    let Some(i) = m.nodes.iter().position(|n| n.config.name == node) else {
        return vec![];
    };
    let n = &mut m.nodes[i];
    match result {
        Ok(identity) => {
            if let Some(p) = identity
                && n.config.identity_file.is_none()
                && m.ssh.identity_file.as_ref() != Some(&p)
            {
                n.config.identity_file = Some(p);
            }
            let eff = test_again(m, i);
            ok(
                m,
                format!("{node}: key installed; testing the connection again"),
            );
            eff.into_iter().collect()
        }
        Err(e) => {
            n.probe = ProbeState::AuthFailed(format!("key bootstrap failed: {e}"));
            vec![]
        }
    }
}
