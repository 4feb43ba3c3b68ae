//! Done: leave (with the kubeconfig printed) or look at the logs again.

use super::{Common, global};
use crate::tui::keys::{Binding, also, find, help, key as bind, quit, shown};
use crate::tui::model::*;
use crate::tui::msg::Effect;
use crossterm::event::{KeyCode, KeyEvent};

#[derive(Debug, Clone, Copy)]
enum Action {
    Leave,
    Down,
    Up,
    Logs,
    Global(Common),
}

const KEYS: &[Binding<Action>] = &[
    bind(&[KeyCode::Enter], "Enter", "quit", Action::Leave),
    bind(
        &[KeyCode::Char('l'), KeyCode::Tab],
        "l",
        "logs",
        Action::Logs,
    ),
    also(
        &[KeyCode::PageDown, KeyCode::Down, KeyCode::Char('j')],
        Action::Down,
    ),
    also(
        &[KeyCode::PageUp, KeyCode::Up, KeyCode::Char('k')],
        Action::Up,
    ),
    help(Action::Global(Common::Help)),
    quit(Action::Global(Common::Quit)),
];

pub fn keys(m: &Model) -> Vec<(&'static str, &'static str)> {
    shown(KEYS, m)
}

pub fn key(m: &mut Model, k: KeyEvent) -> Vec<Effect> {
    match find(KEYS, m, &k) {
        Some(Action::Leave) => super::quit(m),
        Some(Action::Down) => {
            m.install.done_scroll = (m.install.done_scroll + 5).min(100);
            vec![]
        }
        Some(Action::Up) => {
            m.install.done_scroll = m.install.done_scroll.saturating_sub(5);
            vec![]
        }
        Some(Action::Logs) => {
            m.screen = Screen::Install;
            vec![]
        }
        Some(Action::Global(g)) => global(m, g),
        None => vec![],
    }
}
