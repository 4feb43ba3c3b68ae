//! Welcome: new cluster, open cluster.toml, resume; and cluster.toml being read.

use super::{Common, global, info};
use crate::config::{ClusterConfig, Role};
use crate::tui::form;
use crate::tui::keys::{Binding, also, find, help, key as bind, quit, shown};
use crate::tui::model::*;
use crate::tui::msg::Effect;
use crossterm::event::{KeyCode, KeyEvent};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy)]
enum Action {
    Prev,
    Next,
    Go,
    Pick(Choice),
    Global(Common),
}
use Action::*;

const CHOICES: &[Binding<Action>] = &[
    bind(
        &[KeyCode::Up, KeyCode::Char('k'), KeyCode::BackTab],
        "↑↓",
        "choose",
        Prev,
    ),
    also(&[KeyCode::Down, KeyCode::Char('j'), KeyCode::Tab], Next),
    bind(&[KeyCode::Enter], "Enter", "go", Go),
    bind(&[KeyCode::Char('r')], "r", "resume", Pick(Choice::Resume))
        .when(|m| m.welcome.resume.is_some()),
    bind(&[KeyCode::Char('e')], "e", "edit", Pick(Choice::Edit)).when(|m| m.welcome.loaded),
    bind(&[KeyCode::Char('u')], "u", "upgrade", Pick(Choice::Upgrade))
        .when(|m| m.welcome.choices().contains(&Choice::Upgrade)),
    bind(&[KeyCode::Char('n')], "n", "new", Pick(Choice::New)),
    bind(&[KeyCode::Char('o')], "o", "open", Pick(Choice::Open)),
    help(Global(Common::Help)),
    quit(Global(Common::Quit)),
];

#[derive(Debug, Clone, Copy)]
enum PathAction {
    Open,
    Cancel,
}

/// The path prompt of "open cluster.toml"; other keys edit the path.
const PATH: &[Binding<PathAction>] = &[
    bind(&[KeyCode::Enter], "Enter", "open", PathAction::Open),
    bind(&[KeyCode::Esc], "Esc", "cancel", PathAction::Cancel),
];

pub fn keys(m: &Model) -> Vec<(&'static str, &'static str)> {
    if m.welcome.open.is_some() {
        shown(PATH, m)
    } else {
        shown(CHOICES, m)
    }
}

pub fn key(m: &mut Model, k: KeyEvent) -> Vec<Effect> {
    if m.welcome.open.is_some() {
        return path_key(m, k);
    }
    let n = m.welcome.choices().len();
    match find(CHOICES, m, &k) {
        Some(Prev) => m.welcome.selected = (m.welcome.selected + n - 1) % n,
        Some(Next) => m.welcome.selected = (m.welcome.selected + 1) % n,
        Some(Go) => return go(m),
        Some(Pick(c)) => {
            m.welcome.select(c);
            return go(m);
        }
        Some(Global(g)) => return global(m, g),
        None => {}
    }
    vec![]
}

fn path_key(m: &mut Model, k: KeyEvent) -> Vec<Effect> {
    let action = find(PATH, m, &k);
    let Some(input) = &mut m.welcome.open else {
        return vec![];
    };
    match action {
        Some(PathAction::Cancel) => {
            m.welcome.open = None;
            m.welcome.error = None;
        }
        Some(PathAction::Open) => {
            let raw = input.value().trim().to_string();
            if raw.is_empty() {
                m.welcome.error = Some("type the path of a cluster.toml".into());
            } else {
                let mut p = PathBuf::from(&raw);
                if p.is_dir() || raw.ends_with('/') {
                    p = p.join("cluster.toml");
                }
                return vec![Effect::LoadConfig(p)];
            }
        }
        None => {
            form::edit(input, k);
            m.welcome.error = None;
        }
    }
    vec![]
}

/// Enter on the selected choice.
fn go(m: &mut Model) -> Vec<Effect> {
    match m.welcome.chosen() {
        Choice::New => {
            if m.welcome.loaded {
                // Start over from defaults; saving replaces the file that was read.
                let mut fresh = Model::new(m.config_path.clone());
                fresh.theme = m.theme;
                fresh.size = m.size;
                fresh.welcome.file_exists = m.welcome.file_exists;
                fresh.welcome.resume = m.welcome.resume.take();
                fresh.welcome.journal = m.welcome.journal.take();
                fresh.initialised = m.initialised.take();
                *m = fresh;
                info(
                    m,
                    format!("new cluster: saving replaces {}", m.config_path.display()),
                );
            }
            m.welcome.error = None;
            m.screen = Screen::Nodes;
            if m.nodes.is_empty() {
                m.nodes_ui.form = Some(NodeForm::new(Role::ControlPlane));
            }
        }
        Choice::Edit => {
            m.welcome.error = None;
            m.status = None;
            m.screen = Screen::Nodes;
        }
        Choice::Open => {
            let default = if m.welcome.file_exists {
                m.config_path.display().to_string()
            } else {
                String::new()
            };
            m.welcome.open = Some(default.into());
        }
        Choice::Resume => {
            m.screen = Screen::Install;
            return super::install::start_install(m);
        }
        Choice::Upgrade => return super::upgrade::open(m),
    }
    vec![]
}

/// cluster.toml was read (or could not be).
pub fn config_loaded(
    m: &mut Model,
    path: PathBuf,
    result: Result<Box<(ClusterConfig, JournalInfo)>, String>,
) -> Vec<Effect> {
    match result {
        Ok(loaded) => {
            let (cfg, journal) = *loaded;
            let opened = m.screen == Screen::Welcome && m.welcome.open.is_some();
            m.config_path = path;
            m.load(&cfg);
            m.review.saved = Some(m.to_config());
            m.initialised = journal.initialised.clone();
            m.welcome.open = None;
            m.welcome.error = None;
            m.welcome.resume = journal.resume.clone();
            m.welcome.journal = Some(journal);
            m.welcome.loaded = true;
            m.welcome.file_exists = true;
            if m.welcome.resume.is_some() {
                m.welcome.select(Choice::Resume);
                m.screen = Screen::Welcome;
            } else {
                m.welcome.select(Choice::Edit);
                if opened {
                    m.screen = Screen::Nodes;
                }
            }
            info(m, format!("loaded {}", m.config_path.display()));
        }
        Err(e) => {
            m.welcome.error = Some(e);
        }
    }
    vec![]
}
