//! Versions & mirrors: Kubernetes and CNI version, mirror, image repository, dashboard,
//! local manifests; the checks against the probed facts.

use super::{Common, error, global};
use crate::config::Mirror;
use crate::tui::form;
use crate::tui::keys::{Binding, also, back, find, help, key as bind, next_field, quit, shown};
use crate::tui::model::*;
use crate::tui::msg::Effect;
use crate::tui::validate;
use crossterm::event::{KeyCode, KeyEvent};

#[derive(Debug, Clone, Copy)]
enum Action {
    Next,
    Prev,
    Older,
    Newer,
    ChoosePrev,
    ChooseNext,
    Runnable,
    ChecksDown,
    ChecksUp,
    Registries,
    Continue,
    Global(Common),
}
use Action::*;

fn on_list(m: &Model) -> bool {
    m.versions.focus == V_VERSION
}
fn on_choice(m: &Model) -> bool {
    matches!(m.versions.focus, V_CNI_VERSION | V_MIRROR | V_DASHBOARD)
}
fn on_text(m: &Model) -> bool {
    matches!(
        m.versions.focus,
        V_CNI_MANIFEST | V_IMAGE_REPO | V_DASHBOARD_MANIFEST
    )
}

/// Other keys edit the focused text field.
const KEYS: &[Binding<Action>] = &[
    next_field(Next),
    also(&[KeyCode::BackTab], Prev),
    bind(&[KeyCode::Up, KeyCode::Char('k')], "↑↓", "version", Newer).when(on_list),
    also(&[KeyCode::Down, KeyCode::Char('j')], Older).when(on_list),
    bind(
        &[KeyCode::Left, KeyCode::Char('h')],
        "←→",
        "choose",
        ChoosePrev,
    )
    .when(on_choice),
    also(
        &[KeyCode::Right, KeyCode::Char('l'), KeyCode::Char(' ')],
        ChooseNext,
    )
    .when(on_choice),
    also(&[KeyCode::Down], Next),
    also(&[KeyCode::Up], Prev),
    bind(&[KeyCode::Char('n')], "n", "newest runnable", Runnable)
        .when(|m| !on_text(m) && (better_version(m).is_some() || super::repo::pick(m).is_some())),
    bind(
        &[KeyCode::Enter],
        "Enter",
        "registries & manifests",
        Registries,
    )
    .when(|m| m.versions.focus == V_REGISTRY_MIRRORS),
    bind(&[KeyCode::Enter], "Enter", "continue", Continue)
        .when(|m| m.versions.focus != V_REGISTRY_MIRRORS),
    also(&[KeyCode::PageDown], ChecksDown),
    also(&[KeyCode::PageUp], ChecksUp),
    back(Global(Common::Back)),
    help(Global(Common::Help)).when(|m| !on_text(m)),
    // In a text field `?` and `q` are letters.
    bind(&[KeyCode::F(1)], "F1", "help", Global(Common::Help)).when(on_text),
    quit(Global(Common::Quit)).unlisted().when(|m| !on_text(m)),
];

pub fn keys(m: &Model) -> Vec<(&'static str, &'static str)> {
    if m.mirrors.open {
        return super::mirrors::keys(m);
    }
    shown(KEYS, m)
}

pub fn key(m: &mut Model, k: KeyEvent) -> Vec<Effect> {
    if m.mirrors.open {
        return super::mirrors::key(m, k);
    }
    let focus = m.versions.focus;
    let action = find(KEYS, m, &k);
    if focus == V_CNI_MANIFEST
        && matches!(action, Some(Next | Prev | Continue))
        && adopt_manifest_release(m)
        && matches!(action, Some(Continue))
    {
        // Stay: the changed CNI version is shown before going on.
        return vec![];
    }
    match action {
        Some(Next) => m.versions.focus = form::cycle(focus, VERSION_FIELDS, true),
        Some(Prev) => m.versions.focus = form::cycle(focus, VERSION_FIELDS, false),
        Some(Runnable) => {
            if let Some(i) = better_version(m) {
                // Another minor: the nodes cannot run this one.
                choose(m, i);
            } else if let Some(v) = super::repo::pick(m) {
                // The newest patch of this minor the repository carries and the nodes can run.
                super::repo::take(m, v);
            }
            m.versions.chosen = true;
            m.status = None;
            return super::repo::ask(m);
        }
        Some(Newer) => {
            m.versions.chosen = true;
            m.versions.version = m.versions.version.saturating_sub(1);
            m.versions.cni_version = 0;
            m.versions.checks_scroll = 0;
            return super::repo::ask(m);
        }
        Some(Older) => {
            m.versions.chosen = true;
            m.versions.version = (m.versions.version + 1).min(m.catalog.len() - 1);
            m.versions.cni_version = 0;
            m.versions.checks_scroll = 0;
            return super::repo::ask(m);
        }
        Some(a @ (ChoosePrev | ChooseNext)) => match focus {
            V_CNI_VERSION => {
                let n = m.version().cni_versions(m.network.cni).len().max(1);
                m.versions.cni_version =
                    form::cycle(m.versions.cni_version, n, matches!(a, ChooseNext));
            }
            V_MIRROR => {
                m.versions.mirror = match m.versions.mirror {
                    Mirror::Upstream => Mirror::Aliyun,
                    Mirror::Aliyun => Mirror::Upstream,
                };
                let effects = super::repo::ask(m);
                if m.mirrors.table.is_some() {
                    // The mirror's registry defaults do not apply while a table is given.
                    super::info(
                        m,
                        format!(
                            "registry mirrors: [registry_mirrors] of cluster.toml still wins \
                             (Registry mirrors → r takes {}'s defaults)",
                            m.versions.mirror.as_str()
                        ),
                    );
                }
                return effects;
            }
            _ => m.versions.dashboard = !m.versions.dashboard,
        },
        Some(ChecksDown) => m.versions.checks_scroll = (m.versions.checks_scroll + 5).min(500),
        Some(ChecksUp) => m.versions.checks_scroll = m.versions.checks_scroll.saturating_sub(5),
        Some(Registries) => {
            m.mirrors.open = true;
            m.mirrors.selected = 0;
        }
        Some(Continue) => {
            if let Some(row) = version_errors(m).iter().position(Option::is_some) {
                m.versions.focus = row;
                error(m, "fix the problem shown under the field first".into());
            } else if version_findings(m)
                .iter()
                .any(|f| f.level == validate::Level::Error)
            {
                error(
                    m,
                    "fix the errors above first (choose another version or fix the node)".into(),
                );
            } else {
                m.status = None;
                m.screen = Screen::Review;
                m.review.script = None;
            }
        }
        Some(Global(g)) => return global(m, g),
        None => {
            let input = match focus {
                V_IMAGE_REPO => &mut m.versions.image_repository,
                V_CNI_MANIFEST => &mut m.versions.cni_manifest,
                V_DASHBOARD_MANIFEST => &mut m.versions.dashboard_manifest,
                _ => return vec![],
            };
            form::edit(input, k);
        }
    }
    vec![]
}

/// A CNI version index that no longer exists (the CNI or version changed) goes back to the
/// catalog's default.
pub(super) fn clamp_cni_version(m: &mut Model) {
    let n = m.version().cni_versions(m.network.cni).len();
    if m.versions.cni_version >= n {
        m.versions.cni_version = 0;
    }
}

/// The versions form's rows, as `kubewiz check` names the fields, in focus order.
pub const VERSION_ROWS: [&str; VERSION_FIELDS] = [
    "cluster.kubernetes_version",
    "cluster.cni_version",
    "cluster.cni_manifest",
    "cluster.mirror",
    "registry_mirrors",
    "cluster.image_repository",
    "cluster.dashboard",
    "cluster.dashboard_manifest",
];

/// What is wrong under each row of the versions form now (see `network_errors`).
pub fn version_errors(m: &Model) -> Vec<Option<String>> {
    validate::place(
        &validate::problems(m),
        &VERSION_ROWS,
        VERSION_ROWS.get(m.versions.focus).copied(),
    )
}

/// Index of the newest version in the list that every probed node can run (the engine's
/// preflight rules on the facts the Nodes screen read); None before any node was probed.
pub fn newest_runnable(m: &Model) -> Option<usize> {
    let nodes: Vec<_> = m
        .nodes
        .iter()
        .map(|n| {
            let mut facts = n.facts.clone();
            // A package repository that does not answer is not the version's fault.
            if let Some(f) = facts.as_mut() {
                f.package_repo_unreachable.clear();
            }
            (n.config.name.clone(), n.config.role, facts)
        })
        .collect();
    if nodes.iter().all(|(_, _, f)| f.is_none()) {
        return None;
    }
    let mut cfg = m.to_config();
    cfg.cluster.cni_version = None;
    (0..m.catalog.len()).find(|&i| {
        cfg.cluster.kubernetes_version = m.catalog[i].version.clone();
        !validate::version_findings(&cfg, &nodes)
            .iter()
            .any(|f| f.level == validate::Level::Error)
    })
}

/// The newest runnable version, when the chosen one cannot run on the probed nodes (their
/// facts; a registry or the repository is not the version's fault).
pub fn better_version(m: &Model) -> Option<usize> {
    let refused = node_findings(m)
        .iter()
        .any(|f| f.level == validate::Level::Error);
    newest_runnable(m).filter(|&i| refused && i != m.versions.version)
}

/// Leaving the CNI manifest field: a local manifest of another release than the chosen one,
/// and one the Kubernetes version allows, sets the CNI version to the file's (the user gave
/// that file); the status says so. Otherwise its problem shows under the field.
fn adopt_manifest_release(m: &mut Model) -> bool {
    let typed = m.versions.cni_manifest.value().trim().to_string();
    if typed.is_empty() {
        return false;
    }
    let path = crate::config::resolve_path(&m.config_path, std::path::Path::new(&typed));
    let Ok(text) = std::fs::read_to_string(&path) else {
        return false;
    };
    let cni = m.network.cni;
    let Some(r) = crate::config::manifest_release(crate::catalog::Catalog::builtin(), cni, &text)
    else {
        return false;
    };
    let Some(i) = m
        .version()
        .cni_versions(cni)
        .iter()
        .position(|v| *v == r.version)
    else {
        return false;
    };
    if m.cni_version().as_deref() == Some(r.version.as_str()) {
        return false;
    }
    m.versions.cni_version = i;
    super::info(
        m,
        format!(
            "{typed} is the {} {} manifest: {} version set to {} (the file's)",
            cni.as_str(),
            r.version,
            cni.as_str(),
            r.version
        ),
    );
    true
}

fn choose(m: &mut Model, i: usize) {
    m.versions.version = i;
    m.versions.cni_version = 0;
    m.versions.checks_scroll = 0;
}

/// On the way to the Versions screen: a default version the probed nodes cannot run is
/// replaced by the newest they can run, and the status line says so. A version the user
/// chose (or the file said) is kept, and the screen offers the newest runnable one instead.
pub(super) fn default_to_runnable(m: &mut Model) {
    if m.versions.chosen {
        return;
    }
    let Some(i) = better_version(m) else {
        return;
    };
    let was = m.version().version.clone();
    choose(m, i);
    super::info(
        m,
        format!(
            "{was} cannot run on the probed nodes: {} chosen, the newest they can run",
            m.version().version
        ),
    );
}

/// The chosen versions against the probed nodes' facts (the engine's preflight rules).
fn node_findings(m: &Model) -> Vec<validate::Finding> {
    let nodes: Vec<_> = m
        .nodes
        .iter()
        .map(|n| {
            let mut facts = n.facts.clone();
            // What a connection test found about the package repositories of other settings
            // (another version or mirror) says nothing about these.
            if let Some(f) = facts.as_mut() {
                let current = super::repo::package_probe_urls(m, f);
                f.package_repo_unreachable
                    .retain(|l| current.iter().any(|u| l.starts_with(&format!("{u} "))));
            }
            (n.config.name.clone(), n.config.role, facts)
        })
        .collect();
    validate::version_findings(&m.to_config(), &nodes)
}

/// Everything the Versions checks say: the nodes' facts, the package repository, the
/// registries and mirrors.
pub fn version_findings(m: &Model) -> Vec<validate::Finding> {
    let mut out = node_findings(m);
    out.extend(super::repo::findings(m));
    // What the nodes' connection tests found about the registries and mirrors of these
    // settings, as preflight would refuse it.
    for (node, text) in super::mirrors::unreachable(m) {
        out.push(validate::Finding {
            level: validate::Level::Error,
            text: format!("{node}: {text}"),
        });
    }
    let untested: usize = (0..m.nodes.len())
        .filter(|&i| m.nodes[i].facts.is_some())
        .map(|i| {
            super::mirrors::node_reach(m, i)
                .iter()
                .filter(|r| r.3 == super::mirrors::Reach::Untested)
                .count()
        })
        .max()
        .unwrap_or(0);
    if untested > 0 {
        out.push(validate::Finding {
            level: validate::Level::Info,
            text: format!(
                "{untested} registry/mirror(s) of these settings not tried from the nodes yet: \
                 Registry mirrors → t tries them (preflight will)"
            ),
        });
    }
    out
}
