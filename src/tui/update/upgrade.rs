//! Upgrade (day 2): the version to reach, the path kubewiz computed from what the cluster runs, then the run
//! (its hops on the Install screen, the summary on Done).

use super::{Common, error, global, info, ok};
use crate::engine::{Event, Summary};
use crate::tui::form;
use crate::tui::keys::{Binding, also, find, help, key as bind, quit, shown};
use crate::tui::model::*;
use crate::tui::msg::Effect;
use crossterm::event::{KeyCode, KeyEvent};

#[derive(Debug, Clone, Copy)]
enum Action {
    Go,
    Back,
    Down,
    Up,
    Global(Common),
}

const KEYS: &[Binding<Action>] = &[
    bind(&[KeyCode::Enter], "Enter", "path / upgrade", Action::Go),
    bind(&[KeyCode::Esc], "Esc", "back", Action::Back),
    bind(
        &[KeyCode::PageDown, KeyCode::Down],
        "PgDn/PgUp",
        "scroll",
        Action::Down,
    ),
    also(&[KeyCode::PageUp, KeyCode::Up], Action::Up),
    help(Action::Global(Common::Help)),
    quit(Action::Global(Common::Quit)),
];

pub fn keys(m: &Model) -> Vec<(&'static str, &'static str)> {
    shown(KEYS, m)
}

/// Welcome chose Upgrade: the version field starts at the unfinished upgrade's target, else the newest
/// patch of the next minor.
pub fn open(m: &mut Model) -> Vec<Effect> {
    let j = m.welcome.journal.as_ref();
    let default = j
        .and_then(|j| j.upgrade_unfinished.clone())
        .or_else(|| next_minor(&m.to_config().cluster.kubernetes_version))
        .unwrap_or_default();
    m.upgrade = UpgradeUi {
        target: default.into(),
        ..UpgradeUi::default()
    };
    m.screen = Screen::Upgrade;
    m.status = None;
    vec![]
}

/// The catalog's latest patch of the minor after `version`'s.
fn next_minor(version: &str) -> Option<String> {
    let v = crate::catalog::KubeVersion::parse(version).ok()?;
    let m = crate::catalog::Catalog::builtin().minor(&format!("{}.{}", v.major, v.minor + 1))?;
    Some(format!("{}.{}", m.version, m.latest_patch))
}

pub fn key(m: &mut Model, k: KeyEvent) -> Vec<Effect> {
    match find(KEYS, m, &k) {
        Some(Action::Go) => go(m),
        Some(Action::Back) => {
            if m.upgrade.prepared.take().is_none() {
                m.screen = Screen::Welcome;
            }
            m.upgrade.error = None;
            m.status = None;
            vec![]
        }
        Some(Action::Down) => {
            m.upgrade.path_scroll = (m.upgrade.path_scroll + 5).min(200);
            vec![]
        }
        Some(Action::Up) => {
            m.upgrade.path_scroll = m.upgrade.path_scroll.saturating_sub(5);
            vec![]
        }
        Some(Action::Global(g)) => global(m, g),
        None => {
            if !m.upgrade.preparing {
                let before = m.upgrade.target.value().to_string();
                form::edit(&mut m.upgrade.target, k);
                // Another version: the path shown is no longer the one that would run (a key that
                // changed nothing, ← say, keeps it).
                if m.upgrade.target.value() != before {
                    m.upgrade.prepared = None;
                    m.upgrade.error = None;
                    m.upgrade.path_scroll = 0;
                }
            }
            vec![]
        }
    }
}

fn go(m: &mut Model) -> Vec<Effect> {
    if m.upgrade.preparing {
        return vec![];
    }
    let target = m.upgrade.target.value().trim().to_string();
    match m.upgrade.prepared.clone() {
        Some(p) if p.path.hops.is_empty() => {
            info(m, "nothing to upgrade: every node runs that version".into());
            vec![]
        }
        Some(p) => {
            m.upgrade.active = true;
            m.upgrade.versions = p
                .survey
                .nodes
                .iter()
                .filter_map(|n| Some((n.name.clone(), n.kubelet?.to_string())))
                .collect();
            m.install = InstallState {
                started: true,
                ..InstallState::default()
            };
            m.screen = Screen::Install;
            info(m, format!("upgrading to {}", p.path.to));
            vec![Effect::StartUpgrade(p)]
        }
        None => {
            m.upgrade.preparing = true;
            m.upgrade.error = None;
            info(m, "reading what every node runs…".into());
            vec![Effect::PrepareUpgrade {
                path: m.config_path.clone(),
                target,
            }]
        }
    }
}

pub fn prepared(
    m: &mut Model,
    r: Result<Box<crate::upgrade::run::Prepared>, String>,
) -> Vec<Effect> {
    m.upgrade.preparing = false;
    match r {
        Ok(p) => {
            m.status = None;
            m.upgrade.prepared = Some(p);
            m.upgrade.path_scroll = 0;
        }
        Err(e) => {
            m.upgrade.error = Some(e);
            m.status = None;
        }
    }
    vec![]
}

pub fn hop(m: &mut Model, index: usize, total: usize, title: String) -> Vec<Effect> {
    info(m, format!("hop {index}/{total}: {title}"));
    m.upgrade.hop = Some((index, total, title));
    vec![]
}

/// A hop's engine run ended: its nodes' progress stays on screen; the upgrade goes on (or its end comes
/// as `UpgradeDone`).
pub fn hop_finished(m: &mut Model, summary: Summary) -> Vec<Effect> {
    for n in &mut m.install.nodes {
        n.running.clear();
        if n.state == RunState::Running {
            n.state = RunState::Pending;
        }
    }
    if !summary.ok && !summary.interrupted {
        error(
            m,
            "a step of the upgrade failed (its pane says why); the upgrade stops after this hop"
                .into(),
        );
    }
    vec![]
}

/// A fact of an upgrade step: a node's kubelet version after its restart.
pub fn fact(m: &mut Model, node: &str, key: &str, value: &str) {
    if key == "kubelet_version" {
        m.upgrade
            .versions
            .insert(node.to_string(), value.trim_start_matches('v').to_string());
    }
}

pub fn done(
    m: &mut Model,
    outcome: Box<crate::upgrade::run::Outcome>,
    lines: Vec<String>,
) -> Vec<Effect> {
    let summary = Summary {
        ok: outcome.ok,
        interrupted: outcome.interrupted,
        failed: outcome.failed.clone(),
        wall: outcome.wall,
        ..Summary::default()
    };
    m.install.summary = Some(summary);
    m.upgrade.summary = lines;
    let ok_run = outcome.ok;
    let interrupted = outcome.interrupted;
    m.upgrade.outcome = Some(outcome);
    if m.install.stopping || interrupted {
        m.exit = Some(ExitRequest {
            code: if ok_run { 0 } else { 1 },
            message: Some(resume_hint(m)),
        });
        return vec![Effect::Quit];
    }
    if ok_run {
        ok(m, "upgrade done".into());
        m.screen = Screen::Done;
    } else {
        error(
            m,
            "upgrade incomplete (below: what failed, what to do); Welcome → Upgrade resumes".into(),
        );
        m.screen = Screen::Done;
    }
    vec![]
}

pub fn resume_hint(m: &Model) -> String {
    format!(
        "kubewiz: upgrade paused; the journals are in {}.\nResume with `kubewiz` (choose Upgrade) or `kubewiz upgrade -c {} --to {}`.",
        m.state_dir().display(),
        m.config_path.display(),
        m.upgrade.target.value().trim()
    )
}

/// Whether an engine event belongs to the upgrade's own handling.
pub fn engine_event(m: &mut Model, e: &Event) -> Option<Vec<Effect>> {
    if !m.upgrade.active {
        return None;
    }
    match e {
        Event::RunFinished { summary } => Some(hop_finished(m, summary.clone())),
        Event::Fact {
            node, key, value, ..
        } => {
            fact(m, node, key, value);
            None
        }
        _ => None,
    }
}
