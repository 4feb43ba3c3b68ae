//! Drawing: the frame around every screen (title bar, status line, keys line), the help and
//! quit overlays, and dispatch to `screens::*`. Views read the model and never change it.

use super::model::{Model, Overlay, Screen, StatusKind};
use super::screens;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

const WIZARD: [Screen; 5] = [
    Screen::Welcome,
    Screen::Nodes,
    Screen::Network,
    Screen::Versions,
    Screen::Review,
];

pub fn view(f: &mut Frame, m: &Model) {
    let area = f.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let msg = format!(
            "kubewiz needs a terminal of at least {MIN_WIDTH}x{MIN_HEIGHT} (this one is {}x{}). Enlarge it, or press q.",
            area.width, area.height
        );
        f.render_widget(Paragraph::new(msg).wrap(Wrap { trim: true }), area);
        return;
    }
    let [top, body, status, keys] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    title_bar(f, top, m);
    match m.screen {
        Screen::Welcome => screens::welcome::draw(f, body, m),
        Screen::Nodes => screens::nodes::draw(f, body, m),
        Screen::Network => screens::network::draw(f, body, m),
        Screen::Versions => screens::versions::draw(f, body, m),
        Screen::Review => screens::review::draw(f, body, m),
        Screen::Install => screens::install::draw(f, body, m),
        Screen::Join => screens::join::draw(f, body, m),
        Screen::Done => screens::done::draw(f, body, m),
        Screen::Upgrade => screens::upgrade::draw(f, body, m),
    }
    if let Some(s) = &m.status {
        let style = match s.kind {
            StatusKind::Info => m.theme.running(),
            StatusKind::Ok => m.theme.ok(),
            StatusKind::Error => m.theme.err(),
        };
        f.render_widget(Paragraph::new(Span::styled(s.text.as_str(), style)), status);
    }
    keys_line(f, keys, m, &screen_keys(m));
    match m.overlay {
        Some(Overlay::Help) => help(f, area, m),
        Some(Overlay::ConfirmQuit) => confirm_quit(f, area, m),
        None => {}
    }
}

fn title_bar(f: &mut Frame, area: Rect, m: &Model) {
    let t = m.theme;
    let mut spans = vec![Span::styled(" kubewiz ", t.accent())];
    if let Some(step) = m.screen.wizard_step() {
        spans.push(Span::styled(format!("{step}/5 "), t.dim()));
        for (i, s) in WIZARD.iter().enumerate() {
            if i > 0 {
                spans.push(Span::styled(" › ", t.dim()));
            }
            if *s == m.screen {
                spans.push(Span::styled(s.title(), t.title().patch(t.selected())));
            } else {
                spans.push(Span::styled(s.title(), t.dim()));
            }
        }
    } else {
        let upgrading =
            m.upgrade.active && matches!(m.screen, Screen::Install | Screen::Join | Screen::Done);
        spans.push(Span::styled(
            if upgrading {
                "Upgrade"
            } else {
                m.screen.title()
            },
            t.title(),
        ));
        if upgrading && let Some((i, n, title)) = &m.upgrade.hop {
            spans.push(Span::styled(format!("  hop {i}/{n}: {title}"), t.running()));
        }
        let name = m.network.name.value();
        if !name.is_empty() {
            spans.push(Span::styled(format!("  cluster {name}"), t.dim()));
        }
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The keys of the current screen, from its key table (`update/<screen>.rs`).
pub fn screen_keys(m: &Model) -> Vec<(&'static str, &'static str)> {
    super::update::keys(m)
}

/// The footer: the screen's keys as they fit; when some do not, it ends with "F1 all keys"
/// (F1 opens the help from anywhere, text fields included), so no key is out of reach.
fn keys_line(f: &mut Frame, area: Rect, m: &Model, keys: &[(&str, &str)]) {
    let t = m.theme;
    let cost = |k: &str, what: &str| k.chars().count() + what.chars().count() + 3;
    let total: usize = keys.iter().map(|(k, w)| cost(k, w)).sum();
    let more = ("F1", "all keys");
    let room = if total > area.width as usize {
        (area.width as usize).saturating_sub(cost(more.0, more.1))
    } else {
        area.width as usize
    };
    let mut spans = Vec::new();
    let mut width = 0usize;
    for (k, what) in keys {
        let w = cost(k, what);
        if width + w > room {
            spans.push(Span::styled(format!(" {}", more.0), t.accent()));
            spans.push(Span::raw(format!(" {} ", more.1)));
            break;
        }
        width += w;
        spans.push(Span::styled(format!(" {k}"), t.accent()));
        spans.push(Span::raw(format!(" {what} ")));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// A rectangle of `w` x `h` centred in `area` (clamped to it).
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// Draws a bordered popup with `lines`, sized to fit them (long lines wrap). When they do not
/// fit, lines above the last one are left out, so the keys that answer it stay in view.
pub fn popup(f: &mut Frame, area: Rect, title: &str, mut lines: Vec<Line<'_>>, m: &Model) -> Rect {
    let w = lines
        .iter()
        .map(|l| l.width() as u16)
        .max()
        .unwrap_or(20)
        .max(title.len() as u16 + 4)
        + 4;
    let w = w.min(area.width.saturating_sub(2));
    let inner_w = w.saturating_sub(2).max(1);
    let rows = |lines: &[Line]| {
        Paragraph::new(lines.to_vec())
            .wrap(Wrap { trim: false })
            .line_count(inner_w)
    };
    let room = area.height.saturating_sub(2) as usize;
    while rows(&lines) > room && lines.len() > 2 {
        let cut = lines.len() - 2;
        lines.remove(cut);
    }
    let h = rows(&lines) as u16 + 2;
    let r = centered(area, w, h);
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::bordered()
                .title(Span::styled(format!(" {title} "), m.theme.title()))
                .border_style(m.theme.accent()),
        ),
        r,
    );
    r
}

/// Every key of the screen (its key table) and the keys that work everywhere; in two
/// columns when one does not fit the terminal's height.
fn help(f: &mut Frame, area: Rect, m: &Model) {
    let t = m.theme;
    let entry = |k: &str, what: &str| format!("  {k:<12}{what}");
    let mine: Vec<String> = screen_keys(m)
        .into_iter()
        .map(|(k, w)| entry(k, w))
        .collect();
    let everywhere: Vec<String> = [
        ("Tab/S-Tab", "next / previous field"),
        ("↑↓ / j k", "move (arrows in fields)"),
        ("←→ / h l", "change a choice"),
        ("Enter", "confirm"),
        ("Esc", "back / close"),
        ("? / F1", "this help (F1 in fields)"),
        ("q / Ctrl-C", "quit (asks first)"),
    ]
    .into_iter()
    .map(|(k, w)| entry(k, w))
    .collect();
    let title = format!("{} — keys", m.screen.title());
    let mut lines = Vec::new();
    let accent = |s: &str| {
        let (k, w) = s.split_at(s.char_indices().nth(14).map_or(s.len(), |(i, _)| i));
        vec![
            Span::styled(k.to_string(), t.accent()),
            Span::raw(w.to_string()),
        ]
    };
    let one_column = mine.len() + everywhere.len() + 6 <= area.height.saturating_sub(2) as usize;
    if one_column {
        lines.push(Line::styled(title, t.title()));
        lines.extend(mine.iter().map(|s| Line::from(accent(s))));
        lines.push(Line::raw(""));
        lines.push(Line::styled("Everywhere", t.title()));
        lines.extend(everywhere.iter().map(|s| Line::from(accent(s))));
    } else {
        let w = mine
            .iter()
            .map(|s| s.chars().count())
            .max()
            .unwrap_or(0)
            .max(title.len())
            + 2;
        lines.push(Line::from(vec![
            Span::styled(format!("{title:<w$}"), t.title()),
            Span::styled("Everywhere", t.title()),
        ]));
        for i in 0..mine.len().max(everywhere.len()) {
            let mut spans = match mine.get(i) {
                Some(s) => accent(&format!("{s:<w$}")),
                None => vec![Span::raw(" ".repeat(w))],
            };
            if let Some(s) = everywhere.get(i) {
                spans.extend(accent(s));
            }
            lines.push(Line::from(spans));
        }
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled("any key closes this help", t.dim()));
    popup(f, area, "Help", lines, m);
}

fn confirm_quit(f: &mut Frame, area: Rect, m: &Model) {
    let t = m.theme;
    let mut lines = Vec::new();
    if m.install.running() && m.install.stopping {
        lines.push(Line::raw("Still waiting for running steps to finish."));
        lines.push(Line::styled(
            if m.install.aborting {
                "Leave now? Steps still running on the nodes are checked again on resume."
            } else {
                "Abort them? They are killed and recorded as interrupted (re-checked on resume)."
            },
            t.dim(),
        ));
    } else if m.install.running() {
        let (what, resume) = if m.upgrade.active {
            ("upgrade", "kubewiz (Upgrade) or `kubewiz upgrade`")
        } else {
            ("install", "kubewiz (Resume) or `kubewiz apply`")
        };
        lines.push(Line::raw(format!("Stop the {what}?")));
        lines.push(Line::styled(
            "Paused while you decide: no new steps start; running ones go on.",
            t.dim(),
        ));
        lines.push(Line::styled(
            "yes: stop here, let running steps finish, save the journal;",
            t.dim(),
        ));
        lines.push(Line::styled(
            format!("resume later with {resume}. no: go on."),
            t.dim(),
        ));
    } else {
        lines.push(Line::raw("Quit kubewiz?"));
        if m.screen.wizard_step().is_some()
            && m.save_state() != super::model::SaveState::Saved
            && !m.nodes.is_empty()
        {
            lines.push(Line::styled(
                "The wizard's settings are not saved (Review → s saves cluster.toml).",
                t.warn(),
            ));
        }
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(vec![
        Span::styled("y", t.accent()),
        Span::raw(" yes   "),
        Span::styled("n/Esc", t.accent()),
        Span::raw(" no"),
    ]));
    popup(f, area, "Quit", lines, m);
}
