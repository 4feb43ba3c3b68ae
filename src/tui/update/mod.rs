//! `update(&mut Model, Msg) -> Vec<Effect>`: the only place the model changes. Pure: no
//! terminal, no network, no clock.
//!
//! One module per screen, as `screens/` is split: each owns its key table (which both its
//! key handler and the footer/help read, see [`crate::tui::keys`]) and the messages that
//! concern it (the Nodes screen's form is `node_form`, engine events are `progress`). This
//! file routes messages and keys and handles what every screen shares
//! (overlays, quitting, going back).

mod done;
mod install;
mod join;
pub mod mirrors;
mod network;
mod node_form;
mod nodes;
mod progress;
pub mod repo;
mod review;
mod upgrade;
mod versions;
mod welcome;

pub use install::pane_height;
pub use network::{NETWORK_ROWS, network_errors};
pub use node_form::{node_form_errors, visible_node_errors};
pub use nodes::{nodes_error, pending_trust};
pub use versions::{
    VERSION_ROWS, better_version, newest_runnable, version_errors, version_findings,
};

use super::keys::Common;
use super::model::*;
use super::msg::{Effect, Msg};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

pub fn update(m: &mut Model, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(k) if k.kind == KeyEventKind::Release => vec![],
        Msg::Key(k) => key(m, k),
        Msg::Resize(w, h) => {
            m.size = (w, h);
            vec![]
        }
        Msg::Tick(t) => {
            m.install.clock = t;
            vec![]
        }
        Msg::Engine(e) => match upgrade::engine_event(m, &e) {
            Some(effects) => effects,
            None => progress::engine_event(m, e),
        },
        Msg::ConfigLoaded { path, result } => welcome::config_loaded(m, path, result),
        Msg::Probe { node, outcome } => nodes::probed(m, node, outcome),
        Msg::HostKeyTrusted { node, result } => nodes::host_key_trusted(m, node, result),
        Msg::Bootstrap { node, result } => nodes::bootstrapped(m, node, result),
        Msg::Saved(r) => review::saved(m, r),
        Msg::Script { node, step, text } => review::script(m, node, step, text),
        Msg::InstallFailed(e) => install::install_failed(m, e),
        Msg::InstallTime(d) => {
            m.install.earlier_time = Some(d);
            vec![]
        }
        Msg::RepoVersions {
            mirror,
            minor,
            node,
            result,
        } => repo::answered(m, mirror, minor, node, result),
        Msg::UpgradePrepared(r) => upgrade::prepared(m, r),
        Msg::UpgradeHop {
            index,
            total,
            title,
        } => upgrade::hop(m, index, total, title),
        Msg::UpgradeDone(o, lines) => upgrade::done(m, o, lines),
    }
}

/// The keys the current screen answers to now (footer and help), from its key table.
pub fn keys(m: &Model) -> Vec<(&'static str, &'static str)> {
    match m.screen {
        Screen::Welcome => welcome::keys(m),
        Screen::Nodes => nodes::keys(m),
        Screen::Network => network::keys(m),
        Screen::Versions => versions::keys(m),
        Screen::Review => review::keys(m),
        Screen::Install => install::keys(m),
        Screen::Join => join::keys(m),
        Screen::Done => done::keys(m),
        Screen::Upgrade => upgrade::keys(m),
    }
}

pub(super) fn info(m: &mut Model, text: String) {
    m.status = Some(Status {
        kind: StatusKind::Info,
        text,
    });
}
pub(super) fn ok(m: &mut Model, text: String) {
    m.status = Some(Status {
        kind: StatusKind::Ok,
        text,
    });
}
pub(super) fn error(m: &mut Model, text: String) {
    m.status = Some(Status {
        kind: StatusKind::Error,
        text,
    });
}

fn is_ctrl_c(k: &KeyEvent) -> bool {
    k.modifiers.contains(KeyModifiers::CONTROL) && k.code == KeyCode::Char('c')
}

fn key(m: &mut Model, k: KeyEvent) -> Vec<Effect> {
    match m.overlay {
        Some(Overlay::Help) => {
            m.overlay = None;
            return vec![];
        }
        Some(Overlay::ConfirmQuit) => {
            m.overlay = None;
            let yes = matches!(
                k.code,
                KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter
            );
            if yes || is_ctrl_c(&k) {
                return quit(m);
            }
            if std::mem::take(&mut m.install.paused) {
                // "No": the install goes on.
                m.status = None;
                return vec![Effect::Resume];
            }
            return vec![];
        }
        None => {}
    }
    if is_ctrl_c(&k) {
        return ask_quit(m);
    }
    if k.code == KeyCode::F(1) {
        // Help from anywhere, also while a text field has the focus (where `?` is a letter).
        m.overlay = Some(Overlay::Help);
        return vec![];
    }
    match m.screen {
        Screen::Welcome => welcome::key(m, k),
        Screen::Nodes => nodes::key(m, k),
        Screen::Network => network::key(m, k),
        Screen::Versions => versions::key(m, k),
        Screen::Review => review::key(m, k),
        Screen::Install => install::key(m, k),
        Screen::Join => join::key(m, k),
        Screen::Done => done::key(m, k),
        Screen::Upgrade => upgrade::key(m, k),
    }
}

/// The keys every screen's table maps the same way.
pub(super) fn global(m: &mut Model, g: Common) -> Vec<Effect> {
    match g {
        Common::Help => m.overlay = Some(Overlay::Help),
        Common::Quit => return ask_quit(m),
        Common::Back => {
            if let Some(b) = m.screen.back() {
                m.screen = b;
                m.status = None;
                if b == Screen::Versions {
                    // Back from Review (e.g. after a failed install, whose facts are known
                    // now): the chosen minor's repository, if not asked yet.
                    return repo::enter(m);
                }
            }
        }
    }
    vec![]
}

/// "Quit?" During an install, nothing new starts while the question is open (the engine is
/// paused; "no" resumes it), so that "yes" stops the install where it was when `q` was pressed.
fn ask_quit(m: &mut Model) -> Vec<Effect> {
    m.overlay = Some(Overlay::ConfirmQuit);
    if m.install.running() && !m.install.stopping && !m.install.paused {
        m.install.paused = true;
        info(
            m,
            "paused: no new steps start while you decide; running ones go on".into(),
        );
        return vec![Effect::Pause];
    }
    vec![]
}

/// Quit confirmed. During an install: stop scheduling, wait for RunFinished, then exit.
pub(super) fn quit(m: &mut Model) -> Vec<Effect> {
    if m.install.running() {
        m.install.leaving = true;
        if !m.install.stopping {
            m.install.stopping = true;
            m.install.paused = false;
            info(
                m,
                "stopping: no new steps start; waiting for running ones to finish…".into(),
            );
            return vec![Effect::Stop];
        }
        if !m.install.aborting {
            m.install.aborting = true;
            info(
                m,
                "aborting: running steps are killed and recorded as interrupted…".into(),
            );
            return vec![Effect::Abort];
        }
        // Asked a third time: leave now; the journal has every finished step.
        m.exit = Some(ExitRequest {
            code: 1,
            message: Some(resume_hint(m)),
        });
        return vec![Effect::Quit];
    }
    let summary = m.install.summary.as_ref();
    // Failed, or left paused with `p`: the journal has the rest, say how to resume.
    let failed = summary.is_some_and(|s| !s.ok);
    let message = if failed {
        Some(resume_hint(m))
    } else if let Some(s) = summary.filter(|s| s.ok) {
        let kubeconfig = s
            .kubeconfig
            .clone()
            .unwrap_or_else(|| crate::engine::kubeconfig::path(&m.state_dir()));
        Some(format!(
            "kubewiz: cluster {} is ready.\nexport KUBECONFIG={}\nkubectl get nodes",
            m.network.name.value(),
            kubeconfig.display()
        ))
    } else {
        None
    };
    m.exit = Some(ExitRequest {
        code: if failed { 1 } else { 0 },
        message,
    });
    vec![Effect::Quit]
}

pub(super) fn resume_hint(m: &Model) -> String {
    if m.upgrade.active {
        return upgrade::resume_hint(m);
    }
    format!(
        "kubewiz: install paused; the journal is in {}.\nResume with `kubewiz` (choose Resume) or `kubewiz apply -c {}`.",
        m.state_dir().display(),
        m.config_path.display()
    )
}
