//! Install: per-node progress and live log panes (a grid for up to 4 nodes, otherwise the
//! selected node's pane large beside the list). Only visible lines are drawn.

use super::{fmt_elapsed, truncate};
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
                let extra = match (&n.failure, &n.blocked) {
                    (Some((s, fl)), _) => {
                        Span::styled(format!("{} failed: {}", s.name(), fl.error), t.err())
                    }
                    (None, Some((s, by))) => {
                        Span::styled(format!("{} blocked by {by}", s.name()), t.warn())
                    }
                    _ => Span::styled(n.log.last().unwrap_or("").to_string(), t.dim()),
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
    if ins.stopping {
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

fn draw_pane(f: &mut Frame, area: Rect, m: &Model, idx: usize, selected: bool) {
    let t = m.theme;
    let Some(n) = m.install.nodes.get(idx) else {
        return;
    };
    let (glyph, style) = state_style(n.state, t);
    let inner = Block::bordered().inner(area);
    let (log_area, fail_area) = match &n.failure {
        Some(_) if inner.height > 8 => {
            let h = 6.min(inner.height / 2);
            let [a, b] = Layout::vertical([Constraint::Min(1), Constraint::Length(h)]).areas(inner);
            (a, Some(b))
        }
        _ => (inner, None),
    };
    let mut title = vec![
        Span::styled(format!(" {glyph} {} ", n.name), style.patch(t.title())),
        Span::styled(format!("· {} ", step_label(n)), t.dim()),
    ];
    if !n.log.follow {
        title.push(Span::styled(
            format!("↑{} (f follows) ", n.log.offset(log_area.height as usize)),
            t.warn(),
        ));
    }
    let border = if selected { t.focus() } else { t.dim() };
    let block = Block::bordered()
        .title(Line::from(title))
        .border_style(border);
    f.render_widget(block, area);

    let width = log_area.width as usize;
    let lines: Vec<Line> = n
        .log
        .visible(log_area.height as usize)
        .map(|l| {
            let text: String = l.chars().take(width).collect();
            if l.starts_with("✗") {
                Line::styled(text, t.err())
            } else if l.starts_with("✓") || l.starts_with("── ") {
                Line::styled(text, t.dim())
            } else if l.starts_with("! ") || l.starts_with("  hint:") {
                Line::styled(text, t.warn())
            } else {
                Line::raw(text)
            }
        })
        .collect();
    f.render_widget(Paragraph::new(lines), log_area);

    if let (Some(r), Some((step, fl))) = (fail_area, &n.failure) {
        let mut lines = vec![Line::styled(
            format!("✗ {} failed: {}", step.title(), fl.error),
            t.err(),
        )];
        if let Some(h) = &fl.hint {
            lines.push(Line::styled(format!("hint: {h}"), t.warn()));
        }
        if m.install.running() {
            lines.push(Line::from(vec![
                Span::styled("r", t.accent()),
                Span::raw(" retry this node   "),
                Span::styled("p", t.accent()),
                Span::raw(" leave paused, resume later"),
            ]));
        } else {
            lines.push(Line::from(vec![
                Span::styled("r", t.accent()),
                Span::raw(" run again (done steps are skipped)   "),
                Span::styled("q", t.accent()),
                Span::raw(" quit, resume later"),
            ]));
        }
        f.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .block(Block::bordered().border_style(t.err())),
            r,
        );
    }
}
