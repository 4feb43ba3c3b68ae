//! The Versions screen's registry panel: which registry the cluster pulls from goes through
//! which mirror (`[registry_mirrors]`, else the `mirror`'s defaults from the catalog), which
//! manifests are built in, and what the nodes' connection tests found. Edits go into
//! `Model::mirrors.table`, checked by `kubewiz check`'s own rules as they are typed.

use super::{Common, error, global, ok};
use crate::catalog::Catalog;
use crate::config::{ClusterConfig, Problem};
use crate::plan::registries::{self, ProbeKind, RegistryUse};
use crate::tui::form;
use crate::tui::keys::{Binding, also, find, help, key as bind, quit, shown};
use crate::tui::model::*;
use crate::tui::msg::Effect;
use crate::tui::validate;
use crossterm::event::{KeyCode, KeyEvent};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy)]
enum Action {
    Up,
    Down,
    Edit,
    Add,
    Remove,
    Defaults,
    Test,
    Close,
    Global(Common),
}

fn selected_listed(m: &Model) -> bool {
    rows(m)
        .get(m.mirrors.selected)
        .is_some_and(|r| effective(m).contains_key(&r.registry))
}

const LIST: &[Binding<Action>] = &[
    bind(
        &[KeyCode::Up, KeyCode::Char('k')],
        "↑↓",
        "registry",
        Action::Up,
    ),
    also(&[KeyCode::Down, KeyCode::Char('j')], Action::Down),
    bind(
        &[KeyCode::Enter, KeyCode::Char('e')],
        "Enter",
        "edit mirrors",
        Action::Edit,
    ),
    bind(&[KeyCode::Char('a')], "a", "add registry", Action::Add),
    bind(&[KeyCode::Char('d')], "d", "no mirror", Action::Remove).when(selected_listed),
    bind(
        &[KeyCode::Char('r')],
        "r",
        "the mirror's defaults",
        Action::Defaults,
    )
    .when(|m| m.mirrors.table.is_some()),
    bind(&[KeyCode::Char('t')], "t", "test from nodes", Action::Test).when(|m| !m.nodes.is_empty()),
    bind(&[KeyCode::Esc], "Esc", "close", Action::Close),
    help(Action::Global(Common::Help)),
    quit(Action::Global(Common::Quit)).unlisted(),
];

#[derive(Debug, Clone, Copy)]
enum EditAction {
    Next,
    Save,
    Cancel,
    Help,
}

/// Other keys edit the focused field.
const EDIT: &[Binding<EditAction>] = &[
    bind(&[KeyCode::Tab], "Tab", "next field", EditAction::Next)
        .when(|m| m.mirrors.edit.as_ref().is_some_and(|e| e.new)),
    also(&[KeyCode::BackTab], EditAction::Next),
    bind(&[KeyCode::Enter], "Enter", "keep", EditAction::Save),
    bind(&[KeyCode::Esc], "Esc", "cancel", EditAction::Cancel),
    bind(&[KeyCode::F(1)], "F1", "help", EditAction::Help),
];

pub fn keys(m: &Model) -> Vec<(&'static str, &'static str)> {
    if m.mirrors.edit.is_some() {
        shown(EDIT, m)
    } else {
        shown(LIST, m)
    }
}

pub fn key(m: &mut Model, k: KeyEvent) -> Vec<Effect> {
    if m.mirrors.edit.is_some() {
        edit_key(m, k);
        return vec![];
    }
    let n = rows(m).len();
    match find(LIST, m, &k) {
        Some(Action::Up) => m.mirrors.selected = m.mirrors.selected.saturating_sub(1),
        Some(Action::Down) => {
            m.mirrors.selected = (m.mirrors.selected + 1).min(n.saturating_sub(1));
        }
        Some(Action::Edit) => {
            if let Some(r) = rows(m).get(m.mirrors.selected) {
                m.mirrors.edit = Some(MirrorEdit {
                    new: false,
                    registry: r.registry.clone().into(),
                    // A password in a URL is never shown (the rules refuse it anyway).
                    mirrors: r
                        .mirrors
                        .iter()
                        .map(|u| crate::config::rules::without_credentials(u))
                        .collect::<Vec<_>>()
                        .join(" ")
                        .into(),
                    focus: M_MIRRORS,
                });
            }
        }
        Some(Action::Add) => {
            m.mirrors.edit = Some(MirrorEdit {
                new: true,
                focus: M_REGISTRY,
                ..MirrorEdit::default()
            });
        }
        Some(Action::Remove) => {
            if let Some(r) = rows(m).get(m.mirrors.selected) {
                let mut table = effective(m);
                table.remove(&r.registry);
                m.mirrors.table = Some(table);
                let still = rows(m).iter().any(|x| x.registry == r.registry);
                ok(
                    m,
                    format!(
                        "{}: no mirror{}",
                        r.registry,
                        if still { ", pulled directly" } else { "" }
                    ),
                );
            }
        }
        Some(Action::Defaults) => {
            m.mirrors.table = None;
            ok(
                m,
                format!(
                    "{}'s default mirrors (no [registry_mirrors])",
                    m.versions.mirror.as_str()
                ),
            );
        }
        Some(Action::Test) => {
            let effects: Vec<Effect> = (0..m.nodes.len())
                .filter_map(|i| super::nodes::probe_effect(m, i))
                .collect();
            super::info(
                m,
                format!(
                    "testing from {} node(s): each mirror, and each registry without one",
                    effects.len()
                ),
            );
            return effects;
        }
        Some(Action::Close) => m.mirrors.open = false,
        Some(Action::Global(g)) => return global(m, g),
        None => {}
    }
    m.mirrors.selected = m.mirrors.selected.min(rows(m).len().saturating_sub(1));
    vec![]
}

fn edit_key(m: &mut Model, k: KeyEvent) {
    let action = find(EDIT, m, &k);
    let Some(e) = m.mirrors.edit.as_mut() else {
        return;
    };
    match action {
        Some(EditAction::Next) => {
            if e.new {
                e.focus = form::cycle(e.focus, 2, true);
            }
        }
        Some(EditAction::Cancel) => m.mirrors.edit = None,
        Some(EditAction::Help) => m.overlay = Some(Overlay::Help),
        Some(EditAction::Save) => save_edit(m),
        None => {
            let input = if e.focus == M_REGISTRY {
                &mut e.registry
            } else {
                &mut e.mirrors
            };
            form::edit(input, k);
        }
    }
}

fn save_edit(m: &mut Model) {
    let Some(e) = m.mirrors.edit.clone() else {
        return;
    };
    let errors = edit_errors(m);
    if let Some(i) = errors.iter().position(Option::is_some) {
        if let Some(e) = m.mirrors.edit.as_mut() {
            e.focus = i;
        }
        error(m, "fix the problem shown under the field first".into());
        return;
    }
    let registry = e.registry.value().trim().to_string();
    m.mirrors.table = Some(edited_table(m, &e));
    m.mirrors.edit = None;
    if let Some(i) = rows(m).iter().position(|r| r.registry == registry) {
        m.mirrors.selected = i;
    }
    let urls = e.urls();
    ok(
        m,
        if urls.is_empty() {
            format!("{registry}: no mirror, pulled directly")
        } else {
            format!("{registry}: {} (s on Review saves)", urls.join(", "))
        },
    );
}

/// The table the nodes get now: `[registry_mirrors]` as edited, else the mirror's defaults.
pub fn effective(m: &Model) -> BTreeMap<String, Vec<String>> {
    m.mirrors.table.clone().unwrap_or_else(|| {
        Catalog::builtin()
            .mirror(m.versions.mirror)
            .registry_mirrors
            .clone()
    })
}

fn edited_table(m: &Model, e: &MirrorEdit) -> BTreeMap<String, Vec<String>> {
    let mut table = effective(m);
    table.insert(e.registry.value().trim().to_string(), e.urls());
    table
}

/// The panel's list: every registry with mirrors or with images of this cluster; the ones
/// this cluster pulls from first.
pub fn rows(m: &Model) -> Vec<RegistryUse> {
    let mut rows = registries::registries(&m.to_config(), Catalog::builtin());
    rows.sort_by_key(|r| r.images.is_empty());
    rows
}

/// Problems under the edit's two fields (registry, mirrors): `kubewiz check`'s, with the
/// edit in the table.
pub fn edit_errors(m: &Model) -> [Option<String>; 2] {
    let mut out = [None, None];
    let Some(e) = &m.mirrors.edit else {
        return out;
    };
    let registry = e.registry.value().trim().to_string();
    if e.new && effective(m).contains_key(&registry) {
        out[M_REGISTRY] = Some(format!(
            "{registry} is listed already: select it and press Enter"
        ));
        return out;
    }
    let mut cfg: ClusterConfig = m.to_config();
    cfg.registry_mirrors = Some(edited_table(m, e));
    let field = format!("registry_mirrors.\"{registry}\"");
    let problems: Vec<Problem> = validate::problems_of(m, &cfg)
        .into_iter()
        .filter(|p| validate::concerns(p, &field))
        .collect();
    for p in problems {
        let row = if p.field.as_deref() == Some(field.as_str()) && e.new {
            M_REGISTRY
        } else {
            M_MIRRORS
        };
        let said = validate::say(&p, &field);
        out[row] = Some(match out[row].take() {
            Some(before) => format!("{before} · {said}"),
            None => said,
        });
    }
    out
}

/// What a node's connection test found for one probe (a mirror, or a registry with none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    Answers,
    /// Did not answer: why (e.g. "timed out").
    Fails(String),
    /// Not probed from this node with these settings (not tested, or tested before a change).
    Untested,
}

/// Per node: what its last connection test found for `(registry, kind, url)`.
pub fn reach(m: &Model, registry: &str, kind: ProbeKind, url: &str) -> Vec<(String, Reach)> {
    let line = format!("{registry} {} {url}", kind.as_str());
    m.nodes
        .iter()
        .map(|n| {
            let r = match &n.facts {
                Some(f) if n.probed.contains(&line) => f
                    .registry_unreachable
                    .iter()
                    .find_map(|u| u.strip_prefix(&format!("{line} ")))
                    .map_or(Reach::Answers, |why| Reach::Fails(why.trim().to_string())),
                _ => Reach::Untested,
            };
            (n.config.name.clone(), r)
        })
        .collect()
}

/// The probes of the settings on screen that failed from a node, said as preflight will
/// refuse them (node, the preflight message): the Versions screen shows them as errors.
pub fn unreachable(m: &Model) -> Vec<(String, String)> {
    let cfg = m.to_config();
    let cat = Catalog::builtin();
    let mut out = Vec::new();
    for (registry, kind, url) in registries::probes(&registries::registries(&cfg, cat)) {
        for (node, r) in reach(m, &registry, kind, &url) {
            if let Reach::Fails(why) = r {
                let line = format!("{registry} {} {url} {why}", kind.as_str());
                out.push((
                    node,
                    crate::engine::preflight::registry_refusal(&cfg, cat, &line),
                ));
            }
        }
    }
    out
}

/// What node `i`'s last connection test found for each probe of the settings on screen:
/// (registry, kind, url, what it found).
pub fn node_reach(m: &Model, i: usize) -> Vec<(String, ProbeKind, String, Reach)> {
    let cfg = m.to_config();
    registries::probes(&registries::registries(&cfg, Catalog::builtin()))
        .into_iter()
        .filter_map(|(registry, kind, url)| {
            let r = reach(m, &registry, kind, &url).into_iter().nth(i)?.1;
            Some((registry, kind, url, r))
        })
        .collect()
}

/// `KW_REGISTRY_PROBES` of the settings on screen: what a connection test (and the install's
/// facts step) probes from each node.
pub fn probes_env(m: &Model) -> String {
    registries::probes_env(&registries::registries(&m.to_config(), Catalog::builtin()))
}
