//! Install: per-node progress and live log panes (a grid for up to 4 nodes, otherwise the
//! selected node's pane large beside the list). Only visible lines are drawn.

use super::{fmt_elapsed, hard_wrap, truncate};
use crate::tui::model::*;
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Row, Table, TableState, Wrap};

pub fn state_style(s: RunState, t: Theme) -> (&'static str, Style) {
    match s {
        RunState::Pending => ("○", t.dim()),
        RunState::Running => ("◐", t.running()),
        RunState::Done => ("✓", t.ok()),
        RunState::Failed => ("✗", t.err()),
        RunState::Blocked => ("‖", t.warn()),
    }
}

/// What a node is doing: the step(s) running ("images +1" when two run), the failed step,
/// or that it waits.
pub fn step_label(n: &NodeProgress) -> String {
    match (n.state, n.running.as_slice(), n.current) {
        (RunState::Done, _, _) => "done".into(),
        (RunState::Failed, _, Some(s)) => s.name().into(),
        (_, [first], _) => first.name().into(),
        (_, [first, rest @ ..], _) => format!("{} +{}", first.name(), rest.len()),
        (RunState::Blocked, _, _) => "blocked".into(),
        (_, [], _) if n.done > 0 => "waiting".into(),
        (_, [], _) => "pending".into(),
    }
}

fn bar(done: usize, total: usize, width: usize) -> String {
    let filled = (done * width).checked_div(total).unwrap_or(0);
    format!("{}{}", "█".repeat(filled), "░".repeat(width - filled))
}

pub fn draw(f: &mut Frame, area: Rect, m: &Model) {
    let ins = &m.install;
    if let Some(e) = &ins.error {
        f.render_widget(
            Paragraph::new(vec![
                Line::styled("The install could not start:", m.theme.err()),
                Line::raw(e.clone()),
                Line::raw(""),
                Line::styled(
                    "Esc goes back to Review to fix it; q quits (settings saved in cluster.toml).",
                    m.theme.dim(),
                ),
            ])
            .wrap(Wrap { trim: false })
            .block(Block::bordered()),
            area,
        );
        return;
    }
    if ins.nodes.is_empty() {
        f.render_widget(
            Paragraph::new("starting the engine…").block(Block::bordered()),
            area,
        );
        return;
    }
    let sel = ins.selected.min(ins.nodes.len() - 1);
    if ins.zoom {
        draw_pane(f, area, m, sel, true);
        return;
    }
    if ins.nodes.len() <= 4 {
        let list_h = ins.nodes.len() as u16 + 3;
        let [list, panes] =
            Layout::vertical([Constraint::Length(list_h), Constraint::Min(0)]).areas(area);
        draw_list(f, list, m, true);
        let cells: Vec<Rect> = match ins.nodes.len() {
            1 => vec![panes],
            2 => Layout::horizontal([Constraint::Percentage(50); 2])
                .split(panes)
                .to_vec(),
            _ => {
                let [a, b] = Layout::vertical([Constraint::Percentage(50); 2]).areas(panes);
                let mut v = Layout::horizontal([Constraint::Percentage(50); 2])
                    .split(a)
                    .to_vec();
                if ins.nodes.len() == 3 {
                    v.push(b);
                } else {
                    v.extend(
                        Layout::horizontal([Constraint::Percentage(50); 2])
                            .split(b)
                            .iter(),
                    );
                }
                v
            }
        };
        for (i, r) in cells.into_iter().enumerate() {
            draw_pane(f, r, m, i, i == sel);
        }
    } else {
        let list_w = 42.min(area.width / 2);
        let [list, pane] =
            Layout::horizontal([Constraint::Length(list_w), Constraint::Min(0)]).areas(area);
        draw_list(f, list, m, false);
        draw_pane(f, pane, m, sel, true);
    }
}

fn draw_list(f: &mut Frame, area: Rect, m: &Model, wide: bool) {
    let t = m.theme;
    let ins = &m.install;
    let now = ins.clock;
    let rows: Vec<Row> = ins
        .nodes
        .iter()
        .map(|n| {
            let (glyph, style) = state_style(n.state, t);
            let mut cells = vec![
                Line::from(Span::styled(glyph, style)),
                Line::from(Span::styled(truncate(&n.name, 14), style)),
                Line::raw(format!("{:>2}/{:<2}", n.done, n.steps.len())),
            ];
            if wide {
                cells.push(Line::from(Span::styled(
                    bar(n.done, n.steps.len(), 12),
                    style,
                )));
            }
            cells.push(Line::raw(step_label(n)));
            cells.push(Line::raw(fmt_elapsed(n.elapsed(now))));
            if wide {
                let extra = match (&n.failure, n.blocked_summary()) {
                    (Some((s, fl)), _) => {
                        Span::styled(format!("{} failed: {}", s.name(), fl.error), t.err())
                    }
                    (None, Some(b)) => Span::styled(b, t.warn()),
                    _ => match m.upgrade.versions.get(&n.name).filter(|_| m.upgrade.active) {
                        Some(v) => Span::styled(
                            match n.log.last() {
                                Some(l) => format!("kubelet {v} · {l}"),
                                None => format!("kubelet {v}"),
                            },
                            t.dim(),
                        ),
                        None => Span::styled(n.log.last().unwrap_or("").to_string(), t.dim()),
                    },
                };
                cells.push(Line::from(extra));
            }
            Row::new(cells)
        })
        .collect();
    let widths: Vec<Constraint> = if wide {
        vec![
            Constraint::Length(1),
            Constraint::Length(14),
            Constraint::Length(5),
            Constraint::Length(12),
            Constraint::Length(10),
            Constraint::Length(6),
            Constraint::Min(0),
        ]
    } else {
        vec![
            Constraint::Length(1),
            Constraint::Length(12),
            Constraint::Length(5),
            Constraint::Length(10),
            Constraint::Min(5),
        ]
    };
    let done = ins
        .nodes
        .iter()
        .filter(|n| n.state == RunState::Done)
        .count();
    let failed = ins
        .nodes
        .iter()
        .filter(|n| n.state == RunState::Failed)
        .count();
    let mut title = vec![Span::styled(
        format!(" Nodes {done}/{} done ", ins.nodes.len()),
        t.title(),
    )];
    if failed > 0 {
        title.push(Span::styled(format!("{failed} failed "), t.err()));
    }
    if !ins.warnings.is_empty() {
        title.push(Span::styled(
            format!("{} warning(s) ", ins.warnings.len()),
            t.warn(),
        ));
    }
    if ins.summary.as_ref().is_some_and(|s| s.interrupted) {
        title.push(Span::styled("paused ", t.warn()));
    } else if ins.stopping {
        title.push(Span::styled("stopping… ", t.warn()));
    } else if ins.paused {
        title.push(Span::styled("paused ", t.warn()));
    }
    let table = Table::new(rows, widths)
        .block(Block::bordered().title(Line::from(title)))
        .row_highlight_style(t.selected())
        .highlight_symbol("›");
    let mut state = TableState::default().with_selected(Some(ins.selected));
    f.render_stateful_widget(table, area, &mut state);
}

/// What stays in view at the bottom of a node's pane, most important first: the error, its
/// hint, the steps it blocks (one line), the keys that act on it.
fn pinned_lines(n: &NodeProgress, m: &Model, width: usize) -> Vec<Line<'static>> {
    let t = m.theme;
    let mut lines = Vec::new();
    let mut add = |text: String, style: Style| {
        for (i, part) in super::wrap(&text, width).into_iter().enumerate() {
            let part = if i == 0 { part } else { format!("  {part}") };
            lines.push(Line::styled(part, style));
        }
    };
    if let Some((step, fl)) = &n.failure {
        add(format!("✗ {} failed: {}", step.title(), fl.error), t.err());
        if let Some(h) = &fl.hint {
            add(format!("hint: {h}"), t.warn());
        }
    }
    if let Some(b) = n.blocked_summary() {
        add(format!("‖ {b}"), t.warn());
    }
    if n.failure.is_some() {
        lines.push(if m.install.running() {
            Line::from(vec![
                Span::styled("r", t.accent()),
                Span::raw(" retry this node  "),
                Span::styled("p", t.accent()),
                Span::raw(" pause"),
            ])
        } else {
            Line::from(vec![
                Span::styled("r", t.accent()),
                Span::raw(" run again  "),
                Span::styled("Esc", t.accent()),
                Span::raw(" settings  "),
                Span::styled("q", t.accent()),
                Span::raw(" quit"),
            ])
        });
    }
    lines
}

fn draw_pane(f: &mut Frame, area: Rect, m: &Model, idx: usize, selected: bool) {
    let t = m.theme;
    let Some(n) = m.install.nodes.get(idx) else {
        return;
    };
    let (glyph, style) = state_style(n.state, t);
    let inner = Block::bordered().inner(area);
    // A failure gets a red box when the pane has room; otherwise its lines sit at the bottom.
    let boxed = n.failure.is_some() && inner.height > 8;
    let pin_width = inner.width.saturating_sub(if boxed { 2 } else { 0 }) as usize;
    let mut pinned = pinned_lines(n, m, pin_width);
    let (log_area, pin_area) = if pinned.is_empty() {
        (inner, None)
    } else {
        let frame = if boxed { 2 } else { 0 };
        let most = if boxed {
            inner.height / 2
        } else {
            inner.height.saturating_sub(2).max(1)
        };
        let h = (pinned.len() as u16 + frame).min(most);
        let room = h.saturating_sub(frame) as usize;
        if pinned.len() > room && n.failure.is_some() {
            // The keys line goes first (the footer has them), then what is cut is said.
            pinned.pop();
            if pinned.len() > room && room >= 2 {
                pinned.truncate(room - 1);
                pinned.push(Line::styled("… more: Enter zooms", m.theme.dim()));
            }
        }
        pinned.truncate(room);
        let [a, b] = Layout::vertical([Constraint::Min(0), Constraint::Length(h)]).areas(inner);
        (a, Some(b))
    };
    let mut title = vec![
        Span::styled(format!(" {glyph} {} ", n.name), style.patch(t.title())),
        Span::styled(format!("· {} ", step_label(n)), t.dim()),
    ];
    if !n.log.follow {
        let up = format!("↑{} ", n.log.offset(log_area.height as usize));
        let used: usize = title.iter().map(|s| s.width()).sum();
        let long = format!("{up}(f follows) ");
        let room = (area.width as usize).saturating_sub(used + 2);
        title.push(Span::styled(
            if long.chars().count() <= room {
                long
            } else {
                up
            },
            t.warn(),
        ));
    }
    let border = if selected { t.focus() } else { t.dim() };
    let block = Block::bordered()
        .title(Line::from(title))
        .border_style(border);
    f.render_widget(block, area);

    // Long lines wrap; the newest rows stay at the bottom.
    let width = log_area.width as usize;
    let height = log_area.height as usize;
    // The failure's own lines are pinned below: not twice.
    let pinned_text: Vec<String> = match (&pin_area, &n.failure) {
        (Some(_), Some((step, fl))) => {
            let mut v = vec![format!("✗ {} failed: {}", step.name(), fl.error)];
            v.extend(fl.hint.as_ref().map(|h| format!("  hint: {h}")));
            v
        }
        _ => Vec::new(),
    };
    let mut rows: Vec<Line> = Vec::new();
    for l in n
        .log
        .visible(height + pinned_text.len())
        .filter(|l| !pinned_text.iter().any(|p| p == l))
    {
        let style = if l.starts_with("✗") {
            t.err()
        } else if l.starts_with("✓") || l.starts_with("── ") {
            t.dim()
        } else if l.starts_with("! ") || l.starts_with("  hint:") {
            t.warn()
        } else {
            Style::default()
        };
        rows.extend(
            hard_wrap(l, width)
                .into_iter()
                .map(|r| Line::styled(r, style)),
        );
    }
    let skip = rows.len().saturating_sub(height);
    f.render_widget(Paragraph::new(rows.split_off(skip)), log_area);

    if let Some(r) = pin_area {
        let p = Paragraph::new(pinned);
        if boxed {
            f.render_widget(p.block(Block::bordered().border_style(t.err())), r);
        } else {
            f.render_widget(p, r);
        }
    }
}
