//! Install: starting the engine, the per-node panes (select, scroll, zoom), retry, run
//! again, pause.

use super::{Common, error, global, info};
use crate::tui::keys::{Binding, also, find, help, key as bind, quit, shown};
use crate::tui::logbuf::LogPane;
use crate::tui::model::*;
use crate::tui::msg::Effect;
use crossterm::event::{KeyCode, KeyEvent};

#[derive(Debug, Clone, Copy)]
enum Action {
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Follow,
    Zoom,
    Unzoom,
    BackToReview,
    Settings,
    Retry,
    Pause,
    RunAgain,
    Join,
    Done,
    Global(Common),
}

fn selected_failed_while_running(m: &Model) -> bool {
    let len = m.install.nodes.len();
    m.install
        .nodes
        .get(m.install.selected.min(len.saturating_sub(1)))
        .is_some_and(|n| n.state == RunState::Failed)
        && m.install.running()
}
fn finished_failed(m: &Model) -> bool {
    m.install.summary.as_ref().is_some_and(|s| !s.ok)
}
fn finished_ok(m: &Model) -> bool {
    m.install.summary.as_ref().is_some_and(|s| s.ok)
}

const KEYS: &[Binding<Action>] = {
    use Action::*;
    &[
        bind(&[KeyCode::Up, KeyCode::Char('k')], "↑↓", "node", Up),
        also(&[KeyCode::Down, KeyCode::Char('j')], Down),
        bind(&[KeyCode::PageUp], "PgUp/PgDn", "scroll", PageUp),
        also(&[KeyCode::PageDown], PageDown),
        also(&[KeyCode::Home, KeyCode::Char('g')], Top),
        also(&[KeyCode::End, KeyCode::Char('G')], Bottom),
        bind(&[KeyCode::Char('f')], "f", "follow", Follow),
        bind(&[KeyCode::Enter, KeyCode::Char('z')], "Enter", "zoom", Zoom)
            .when(|m| !m.install.zoom),
        bind(
            &[KeyCode::Enter, KeyCode::Char('z')],
            "Enter",
            "unzoom",
            Unzoom,
        )
        .when(|m| m.install.zoom),
        also(&[KeyCode::Esc], Unzoom).when(|m| m.install.zoom),
        // The engine never started: back to Review to fix what it said.
        also(&[KeyCode::Esc], BackToReview).when(|m| m.install.error.is_some()),
        // The run ended on a failure: back to the settings to change what it said (a version
        // the nodes cannot run...), then install again from Review.
        bind(&[KeyCode::Esc], "Esc", "settings", Settings)
            .when(|m| finished_failed(m) && !m.install.zoom),
        bind(&[KeyCode::Char('r')], "r", "retry node", Retry).when(selected_failed_while_running),
        bind(&[KeyCode::Char('p')], "p", "pause", Pause)
            .when(|m| m.install.running() && !m.install.stopping && !m.upgrade.active),
        // During an upgrade `p` stops after the running steps and leaves with how to resume.
        also(&[KeyCode::Char('p')], Pause)
            .when(|m| m.install.running() && !m.install.stopping && m.upgrade.active),
        bind(&[KeyCode::Char('r')], "r", "run again", RunAgain).when(finished_failed),
        bind(&[KeyCode::Tab, KeyCode::Char('J')], "Tab", "join", Join).when(|m| !m.upgrade.active),
        // During an upgrade the same panel shows every node's version along the path.
        bind(&[KeyCode::Tab, KeyCode::Char('J')], "Tab", "versions", Join)
            .when(|m| m.upgrade.active),
        bind(&[KeyCode::Char('d')], "d", "done", Done).when(finished_ok),
        help(Global(Common::Help)),
        quit(Global(Common::Quit)),
    ]
};

pub fn keys(m: &Model) -> Vec<(&'static str, &'static str)> {
    shown(KEYS, m)
}

pub fn key(m: &mut Model, k: KeyEvent) -> Vec<Effect> {
    use Action::*;
    let action = find(KEYS, m, &k);
    let len = m.install.nodes.len();
    let sel = m.install.selected.min(len.saturating_sub(1));
    let height = pane_height(m);
    let page = height.saturating_sub(2).max(1);
    let pane: Option<&mut LogPane> = m.install.nodes.get_mut(sel).map(|n| &mut n.log);
    match action {
        Some(Up) => m.install.selected = sel.saturating_sub(1),
        Some(Down) => m.install.selected = (sel + 1).min(len.saturating_sub(1)),
        Some(PageUp) => pane.into_iter().for_each(|p| p.scroll_up(page, height)),
        Some(PageDown) => pane.into_iter().for_each(|p| p.scroll_down(page)),
        Some(Top) => pane.into_iter().for_each(|p| p.home(height)),
        Some(Bottom) => pane.into_iter().for_each(|p| p.end()),
        Some(Follow) => pane.into_iter().for_each(|p| p.toggle_follow()),
        Some(Zoom | Unzoom) => m.install.zoom = !m.install.zoom,
        Some(BackToReview) => {
            m.install = InstallState::default();
            m.screen = Screen::Review;
        }
        Some(Settings) => {
            m.screen = Screen::Review;
            m.review.script = None;
            m.status = None;
        }
        Some(Retry) => {
            let n = &mut m.install.nodes[sel];
            n.state = RunState::Running;
            n.failure = None;
            n.blocked.clear();
            let name = n.name.clone();
            n.log.push(format!("── retrying {name} ──"));
            return vec![Effect::RetryNode(name)];
        }
        Some(RunAgain) => {
            // The run ended: run again; the journal skips what is done.
            for n in &mut m.install.nodes {
                n.log.push("── running again (done steps are skipped) ──");
            }
            m.status = None;
            return start_install(m);
        }
        // Pause: nothing new starts, running steps finish; the wizard stays (r runs again,
        // Esc changes the settings, q leaves it paused).
        Some(Pause) if m.install.running() && !m.install.stopping => {
            m.install.stopping = true;
            info(
                m,
                "pausing: no new steps start; waiting for running ones to finish…".into(),
            );
            return vec![Effect::Stop];
        }
        Some(Pause) => {}
        Some(Join) => m.screen = Screen::Join,
        Some(Done) => m.screen = Screen::Done,
        Some(Global(g)) => return global(m, g),
        None => {}
    }
    vec![]
}

/// Opens the install screen and asks the runtime to start the engine on the wizard's config.
/// Panes of an earlier run keep their lines.
pub(super) fn start_install(m: &mut Model) -> Vec<Effect> {
    m.screen = Screen::Install;
    let cfg = m.to_config();
    let plan = crate::plan::build(&cfg, crate::catalog::Catalog::builtin()).ok();
    let mut old_logs: Vec<(String, LogPane)> = std::mem::take(&mut m.install.nodes)
        .into_iter()
        .map(|n| (n.name, n.log))
        .collect();
    m.install = InstallState {
        started: true,
        nodes: cfg
            .nodes
            .iter()
            .map(|n| {
                let steps = match &plan {
                    Some(p) => p
                        .for_node(&n.name)
                        .into_iter()
                        .map(|(_, t)| t.step)
                        .collect(),
                    None => steps_for(&cfg, n),
                };
                let mut p = NodeProgress::new(n.name.clone(), n.address.clone(), n.role, steps);
                if let Some(i) = old_logs.iter().position(|(name, _)| *name == n.name) {
                    p.log = old_logs.swap_remove(i).1;
                }
                p
            })
            .collect(),
        clock: m.install.clock,
        ..InstallState::default()
    };
    vec![Effect::StartInstall {
        path: m.config_path.clone(),
        config: cfg,
    }]
}

/// The engine could not be started.
pub fn install_failed(m: &mut Model, e: String) -> Vec<Effect> {
    m.install.error = Some(e.clone());
    error(m, format!("the install could not start: {e}"));
    vec![]
}

/// Rows of the selected log pane (an estimate from the terminal size and the layout).
pub fn pane_height(m: &Model) -> usize {
    let body = (m.size.1 as usize).saturating_sub(4);
    let n = m.install.nodes.len();
    if m.install.zoom || n > 4 {
        body.saturating_sub(2)
    } else {
        let panes = body.saturating_sub(n + 3);
        let rows = if n <= 2 { panes } else { panes / 2 };
        rows.saturating_sub(2)
    }
    .max(1)
}
