//! Welcome: new cluster, open cluster.toml, resume; and cluster.toml being read.

use super::{Common, global, info};
use crate::config::{ClusterConfig, Role};
use crate::tui::form;
use crate::tui::keys::{Binding, also, find, key as bind, shown};
use crate::tui::model::*;
use crate::tui::msg::Effect;
use crossterm::event::{KeyCode, KeyEvent};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy)]
enum Action {
    Prev,
    Next,
    Go,
    New,
    Open,
    Resume,
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
    bind(&[KeyCode::Char('n')], "n", "new", New),
    bind(&[KeyCode::Char('o')], "o", "open", Open),
    bind(&[KeyCode::Char('r')], "r", "resume", Resume).when(|m| m.welcome.resume.is_some()),
    bind(&[KeyCode::Char('?')], "?", "help", Global(Common::Help)),
    bind(&[KeyCode::Char('q')], "q", "quit", Global(Common::Quit)),
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
    let n = m.welcome.choices();
    match find(CHOICES, m, &k) {
        Some(Prev) => m.welcome.selected = (m.welcome.selected + n - 1) % n,
        Some(Next) => m.welcome.selected = (m.welcome.selected + 1) % n,
        Some(Go) => return go(m),
        Some(New) => {
            m.welcome.selected = 0;
            return go(m);
        }
        Some(Open) => {
            m.welcome.selected = 1;
            return go(m);
        }
        Some(Resume) => {
            m.welcome.selected = 2;
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
    match m.welcome.selected {
        0 => {
            if m.welcome.loaded {
                // Start over from defaults; saving replaces the file that was read.
                let mut fresh = Model::new(m.config_path.clone());
                fresh.theme = m.theme;
                fresh.size = m.size;
                fresh.welcome.resume = m.welcome.resume.take();
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
        1 => {
            let default = m.config_path.display().to_string();
            m.welcome.open = Some(default.into());
        }
        _ => {
            m.screen = Screen::Install;
            return super::install::start_install(m);
        }
    }
    vec![]
}

/// cluster.toml was read (or could not be).
pub fn config_loaded(
    m: &mut Model,
    path: PathBuf,
    result: Result<Box<(ClusterConfig, Option<ResumeInfo>)>, String>,
) -> Vec<Effect> {
    match result {
        Ok(loaded) => {
            let (cfg, resume) = *loaded;
            m.config_path = path;
            m.load(&cfg);
            m.review.saved = Some(m.to_config());
            m.welcome.open = None;
            m.welcome.error = None;
            m.welcome.resume = resume;
            m.welcome.loaded = true;
            if m.welcome.resume.is_some() {
                m.welcome.selected = 2;
                m.screen = Screen::Welcome;
            } else if m.screen == Screen::Welcome && m.welcome.selected == 1 {
                m.screen = Screen::Nodes;
            }
            info(m, format!("loaded {}", m.config_path.display()));
        }
        Err(e) => {
            m.welcome.error = Some(e);
        }
    }
    vec![]
}
