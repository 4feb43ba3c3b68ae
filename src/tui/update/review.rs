//! Review: the per-node plan, a step's exact script, save, and save + install; and the
//! results of saving and of loading a script.

use super::{Common, error, global, ok};
use crate::plan::StepId;
use crate::tui::keys::{Binding, also, back, find, help, key as bind, quit, shown};
use crate::tui::model::*;
use crate::tui::msg::Effect;
use crate::tui::validate;
use crossterm::event::{KeyCode, KeyEvent};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy)]
enum Action {
    PrevNode,
    NextNode,
    PrevStep,
    NextStep,
    View,
    Save,
    Install,
    SettingsDown,
    SettingsUp,
    Global(Common),
}

const MAIN: &[Binding<Action>] = {
    use Action::*;
    &[
        bind(
            &[KeyCode::Left, KeyCode::Char('h'), KeyCode::BackTab],
            "←→",
            "node",
            PrevNode,
        ),
        also(
            &[KeyCode::Right, KeyCode::Char('l'), KeyCode::Tab],
            NextNode,
        ),
        bind(&[KeyCode::Up, KeyCode::Char('k')], "↑↓", "step", PrevStep),
        also(&[KeyCode::Down, KeyCode::Char('j')], NextStep),
        bind(
            &[KeyCode::Char('v'), KeyCode::Enter],
            "v",
            "view script",
            View,
        ),
        bind(&[KeyCode::Char('s')], "s", "save", Save),
        bind(&[KeyCode::Char('i')], "i", "save + install", Install),
        // The settings box says "PgDn/PgUp" when it does not fit.
        also(&[KeyCode::PageDown], SettingsDown),
        also(&[KeyCode::PageUp], SettingsUp),
        back(Global(Common::Back)),
        help(Global(Common::Help)),
        quit(Global(Common::Quit)).unlisted(),
    ]
};

#[derive(Debug, Clone, Copy)]
enum ScriptAction {
    LineUp,
    LineDown,
    PageUp,
    PageDown,
    StepCode,
    Top,
    Close,
}

/// The script viewer.
const SCRIPT: &[Binding<ScriptAction>] = {
    use ScriptAction::*;
    &[
        bind(
            &[KeyCode::Up, KeyCode::Char('k')],
            "↑↓ PgUp/PgDn",
            "scroll",
            LineUp,
        ),
        also(&[KeyCode::Down, KeyCode::Char('j')], LineDown),
        also(&[KeyCode::PageUp], PageUp),
        also(&[KeyCode::PageDown], PageDown),
        bind(&[KeyCode::Char('s')], "s", "step's own code", StepCode),
        bind(&[KeyCode::Char('g'), KeyCode::Home], "g", "top", Top),
        bind(
            &[
                KeyCode::Esc,
                KeyCode::Enter,
                KeyCode::Char('v'),
                KeyCode::Char('q'),
            ],
            "Esc",
            "close",
            Close,
        ),
    ]
};

/// "Save and install?"; any other key is a no.
const CONFIRM: &[Binding<bool>] = &[
    bind(
        &[KeyCode::Char('y'), KeyCode::Char('Y'), KeyCode::Enter],
        "y/Enter",
        "install",
        true,
    ),
    bind(
        &[KeyCode::Char('n'), KeyCode::Esc],
        "n/Esc",
        "not yet",
        false,
    ),
];

pub fn keys(m: &Model) -> Vec<(&'static str, &'static str)> {
    if m.review.script.is_some() {
        shown(SCRIPT, m)
    } else if m.review.confirm_install {
        shown(CONFIRM, m)
    } else {
        shown(MAIN, m)
    }
}

pub fn key(m: &mut Model, k: KeyEvent) -> Vec<Effect> {
    if m.review.script.is_some() {
        script_key(m, k);
        return vec![];
    }
    if m.review.confirm_install {
        m.review.confirm_install = false;
        if find(CONFIRM, m, &k) == Some(true) {
            m.review.install_after_save = true;
            return save(m);
        }
        return vec![];
    }
    use Action::*;
    let action = find(MAIN, m, &k);
    let cfg = m.to_config();
    let nn = cfg.nodes.len();
    match action {
        Some(PrevStep) => m.review.step = m.review.step.saturating_sub(1),
        Some(NextStep) => {
            let steps = cfg
                .nodes
                .get(m.review.node)
                .map(|n| plan_steps(&cfg, n).len())
                .unwrap_or(0);
            m.review.step = (m.review.step + 1).min(steps.saturating_sub(1));
        }
        Some(PrevNode) => {
            m.review.node = m.review.node.saturating_sub(1);
            m.review.step = 0;
        }
        Some(NextNode) => {
            m.review.node = (m.review.node + 1).min(nn.saturating_sub(1));
            m.review.step = 0;
        }
        Some(View) => {
            let Some(node) = cfg.nodes.get(m.review.node) else {
                return vec![];
            };
            let steps = plan_steps(&cfg, node);
            let Some(step) = steps.get(m.review.step).copied() else {
                return vec![];
            };
            return vec![Effect::LoadScript {
                node: node.name.clone(),
                config: cfg.clone(),
                step,
            }];
        }
        Some(Save) => return save(m),
        Some(SettingsDown) => m.review.scroll = (m.review.scroll + 5).min(500),
        Some(SettingsUp) => m.review.scroll = m.review.scroll.saturating_sub(5),
        Some(Install) => {
            let problems = validate::problems(m);
            if let Some(e) = super::nodes_error(m) {
                error(m, e);
            } else if let Some(p) = problems.first() {
                error(m, format!("cannot install yet: {p}"));
            } else {
                m.review.confirm_install = true;
            }
        }
        Some(Global(g)) => return global(m, g),
        None => {}
    }
    vec![]
}

fn script_key(m: &mut Model, k: KeyEvent) {
    use ScriptAction::*;
    let action = find(SCRIPT, m, &k);
    let Some(s) = &mut m.review.script else {
        return;
    };
    match action {
        Some(Close) => m.review.script = None,
        Some(LineUp) => s.scroll = s.scroll.saturating_sub(1),
        Some(LineDown) => s.scroll += 1,
        Some(PageUp) => s.scroll = s.scroll.saturating_sub(10),
        Some(PageDown) => s.scroll += 10,
        Some(Top) => s.scroll = 0,
        Some(StepCode) => {
            // Jump past the exports and the prelude to the step's own code.
            // Rows as the viewer wraps them at this width.
            let head = format!("# {}: ", s.step.name());
            let width = (m.size.0 as usize).saturating_sub(2);
            if let Ok(text) = &s.text
                && let Some(i) = text.lines().position(|l| l.starts_with(&head))
            {
                let rows: usize = text
                    .lines()
                    .take(i)
                    .map(|l| crate::tui::screens::hard_wrap(&l.replace('\t', "    "), width).len())
                    .sum();
                s.scroll = rows.saturating_sub(1);
            }
        }
        None => {}
    }
}

fn save(m: &mut Model) -> Vec<Effect> {
    let config = m.to_config();
    m.review.saving = Some(config.clone());
    vec![Effect::Save {
        path: m.config_path.clone(),
        config,
    }]
}

/// cluster.toml was saved (or could not be); `i` then starts the install.
pub fn saved(m: &mut Model, r: Result<PathBuf, String>) -> Vec<Effect> {
    match r {
        Ok(p) => {
            m.review.saved = m.review.saving.take();
            ok(m, format!("saved {}", p.display()));
            if std::mem::take(&mut m.review.install_after_save) {
                super::install::start_install(m)
            } else {
                vec![]
            }
        }
        Err(e) => {
            m.review.install_after_save = false;
            m.review.saving = None;
            error(m, format!("could not save: {e}"));
            vec![]
        }
    }
}

/// The script of a step, for the viewer.
pub fn script(
    m: &mut Model,
    node: String,
    step: StepId,
    text: Result<String, String>,
) -> Vec<Effect> {
    m.review.script = Some(ScriptView {
        node,
        step,
        text,
        scroll: 0,
    });
    vec![]
}
