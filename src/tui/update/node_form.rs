//! The Nodes screen's add/edit form: its keys, `kubewiz check`'s problems under its fields,
//! and saving the node into the list.

use crate::config::{NodeConfig, Role};
use crate::tui::form;
use crate::tui::keys::{Binding, also, find, key as bind, next_field, shown};
use crate::tui::model::*;
use crate::tui::msg::Effect;
use crate::tui::validate;
use crossterm::event::{KeyCode, KeyEvent};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy)]
enum FormAction {
    Next,
    Prev,
    ToggleRole,
    ControlPlane,
    Worker,
    Save,
    Cancel,
}

fn on_role(m: &Model) -> bool {
    m.nodes_ui.form.as_ref().is_some_and(|f| f.focus == F_ROLE)
}

/// The add/edit form; other keys edit the focused text field.
const FORM: &[Binding<FormAction>] = {
    use FormAction::*;
    &[
        next_field(Next),
        also(&[KeyCode::Down], Next),
        also(&[KeyCode::BackTab, KeyCode::Up], Prev),
        bind(
            &[
                KeyCode::Left,
                KeyCode::Right,
                KeyCode::Char('h'),
                KeyCode::Char('l'),
                KeyCode::Char(' '),
            ],
            "←→",
            "role",
            ToggleRole,
        )
        .when(on_role),
        also(&[KeyCode::Char('c')], ControlPlane).when(on_role),
        also(&[KeyCode::Char('w')], Worker).when(on_role),
        bind(&[KeyCode::Enter], "Enter", "save node", Save),
        bind(&[KeyCode::Esc], "Esc", "cancel", Cancel),
    ]
};

pub fn keys(m: &Model) -> Vec<(&'static str, &'static str)> {
    shown(FORM, m)
}

pub fn form_key(m: &mut Model, k: KeyEvent) -> Vec<Effect> {
    use FormAction::*;
    let action = find(FORM, m, &k);
    let Some(mut f) = m.nodes_ui.form.take() else {
        return vec![];
    };
    match action {
        Some(Cancel) => return vec![],
        Some(Next) => f.focus = form::cycle(f.focus, NODE_FIELDS, true),
        Some(Prev) => f.focus = form::cycle(f.focus, NODE_FIELDS, false),
        Some(ToggleRole) => {
            f.role = match f.role {
                Role::ControlPlane => Role::Worker,
                Role::Worker => Role::ControlPlane,
            }
        }
        Some(ControlPlane) => f.role = Role::ControlPlane,
        Some(Worker) => f.role = Role::Worker,
        Some(Save) => {
            f.submitted = true;
            if let Some((field, _)) = node_form_errors(m, &f).first() {
                f.focus = *field;
                m.nodes_ui.form = Some(f);
                return vec![];
            }
            save_node(m, &f);
            return vec![];
        }
        None => {
            let focus = f.focus;
            if let Some(input) = f.input_mut(focus) {
                form::edit(input, k);
            }
        }
    }
    m.nodes_ui.form = Some(f);
    vec![]
}

/// The form's node (already checked) into the list; a changed address, port, user or key
/// means the connection must be tested again.
fn save_node(m: &mut Model, f: &NodeForm) {
    let node = form_node(f);
    match f.editing {
        Some(i) if i < m.nodes.len() => {
            let entry = &mut m.nodes[i];
            let reconnect = entry.config.address != node.address
                || entry.config.port != node.port
                || entry.config.user != node.user
                || entry.config.identity_file != node.identity_file;
            entry.config = node;
            if reconnect {
                entry.probe = ProbeState::Untested;
                entry.facts = None;
            }
            m.nodes_ui.selected = i;
        }
        _ => {
            m.nodes.push(NodeEntry::new(node));
            m.nodes_ui.selected = m.nodes.len() - 1;
        }
    }
    m.nodes_ui.error = None;
}

/// The node the form describes.
fn form_node(f: &NodeForm) -> NodeConfig {
    let opt = |s: &str| {
        let s = s.trim();
        (!s.is_empty()).then(|| s.to_string())
    };
    NodeConfig {
        name: f.name.value().trim().to_string(),
        address: f.address.value().trim().to_string(),
        role: f.role,
        user: opt(f.user.value()),
        port: opt(f.port.value()).and_then(|p| p.parse().ok()),
        identity_file: opt(f.identity.value()).map(PathBuf::from),
    }
}

/// Errors of the node form by field: `kubewiz check`'s problems with the cluster as it would
/// be with this node, the ones about this node (its name and address against the others and
/// the cluster's networks too), plus the port as typed (text that is no number).
pub fn node_form_errors(m: &Model, f: &NodeForm) -> Vec<(usize, String)> {
    let i = f
        .editing
        .filter(|&i| i < m.nodes.len())
        .unwrap_or(m.nodes.len());
    let mut cfg = m.to_config();
    if i < cfg.nodes.len() {
        cfg.nodes[i] = form_node(f);
    } else {
        cfg.nodes.push(form_node(f));
    }
    let rows: Vec<String> = ["name", "address", "port", "user", "role", "identity_file"]
        .iter()
        .map(|k| format!("node[{i}].{k}"))
        .collect();
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    // A node against the cluster's networks is the Network screen's to show (the pod CIDR
    // is often changed after the nodes are entered): not this form's, or a node would be
    // refused for a network the user has not chosen yet.
    let mut problems: Vec<_> = validate::problems_of(m, &cfg)
        .into_iter()
        .filter(|p| {
            !validate::NETWORK_FIELDS
                .iter()
                .any(|f| validate::concerns(p, f))
        })
        .collect();
    let port = f.port.value().trim();
    if !port.is_empty()
        && let Err(p) = crate::config::check_field(rows[F_PORT], port)
        && !problems.contains(&p)
    {
        problems.push(p);
    }
    validate::place(&problems, &rows, rows.get(f.focus).copied())
        .into_iter()
        .enumerate()
        .filter_map(|(field, e)| Some((field, e?)))
        .collect()
}

/// Errors to show now: all after a submit, otherwise only for fields with text in them.
pub fn visible_node_errors(m: &Model, f: &NodeForm) -> Vec<(usize, String)> {
    node_form_errors(m, f)
        .into_iter()
        .filter(|(field, _)| {
            f.submitted
                || f.input(*field)
                    .is_some_and(|i| !i.value().trim().is_empty())
        })
        .collect()
}
