//! Join progress: back to the install logs, on to Done.

use super::{Common, global};
use crate::tui::keys::{Binding, find, help, key as bind, quit, shown};
use crate::tui::model::*;
use crate::tui::msg::Effect;
use crossterm::event::{KeyCode, KeyEvent};

#[derive(Debug, Clone, Copy)]
enum Action {
    Logs,
    Done,
    Global(Common),
}

const KEYS: &[Binding<Action>] = &[
    bind(
        &[KeyCode::Tab, KeyCode::Esc],
        "Tab/Esc",
        "install logs",
        Action::Logs,
    ),
    bind(&[KeyCode::Enter], "Enter", "done", Action::Done)
        .when(|m| m.install.summary.as_ref().is_some_and(|s| s.ok)),
    help(Action::Global(Common::Help)),
    quit(Action::Global(Common::Quit)),
];

pub fn keys(m: &Model) -> Vec<(&'static str, &'static str)> {
    shown(KEYS, m)
}

pub fn key(m: &mut Model, k: KeyEvent) -> Vec<Effect> {
    match find(KEYS, m, &k) {
        Some(Action::Logs) => m.screen = Screen::Install,
        Some(Action::Done) => m.screen = Screen::Done,
        Some(Action::Global(g)) => return global(m, g),
        None => {}
    }
    vec![]
}
