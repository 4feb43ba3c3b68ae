//! One view per screen, plus the form drawing they share.

pub mod done;
pub mod install;
pub mod join;
pub mod mirrors;
pub mod network;
pub mod nodes;
pub mod review;
pub mod upgrade;
pub mod versions;
pub mod welcome;

use super::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use tui_input::Input;

pub const LABEL_WIDTH: usize = 17;

pub enum RowValue<'a> {
    /// A text field (the cursor is shown when focused); `placeholder` when empty.
    Text {
        input: &'a Input,
        placeholder: &'a str,
    },
    /// A masked text field.
    Secret(&'a Input),
    /// One of several options; the chosen one is marked.
    Choice { options: Vec<String>, chosen: usize },
    /// A read-only value.
    Plain(String),
}

pub struct FormRow<'a> {
    pub label: &'a str,
    pub value: RowValue<'a>,
    pub focused: bool,
    pub error: Option<String>,
}

/// Draws rows top to bottom (errors under their field) and places the terminal cursor in
/// the focused text field. Returns the number of lines used.
pub fn draw_form(f: &mut Frame, area: Rect, rows: &[FormRow<'_>], t: Theme) -> u16 {
    let box_w = (area.width as usize)
        .saturating_sub(LABEL_WIDTH + 4)
        .clamp(8, 44);
    let mut lines: Vec<Line> = Vec::new();
    let mut cursor = None;
    for row in rows {
        let marker = if row.focused { "›" } else { " " };
        let label_style = if row.focused { t.focus() } else { t.title() };
        let mut spans = vec![
            Span::styled(marker.to_string(), t.focus()),
            Span::styled(format!("{:<w$}", row.label, w = LABEL_WIDTH), label_style),
        ];
        match &row.value {
            RowValue::Text { input, placeholder } => {
                let inner = box_w - 2;
                let scroll = input.visual_scroll(inner);
                let value: String = input.value().chars().skip(scroll).take(inner).collect();
                spans.push(Span::raw("["));
                if value.is_empty() && !row.focused {
                    spans.push(Span::styled(
                        format!("{:<inner$}", truncate(placeholder, inner)),
                        t.dim(),
                    ));
                } else {
                    spans.push(Span::raw(format!("{value:<inner$}")));
                }
                spans.push(Span::raw("]"));
                if row.focused {
                    let x = area.x
                        + 1
                        + LABEL_WIDTH as u16
                        + 1
                        + (input.visual_cursor().saturating_sub(scroll)) as u16;
                    cursor = Some(Position::new(x, area.y + lines.len() as u16));
                }
            }
            RowValue::Secret(input) => {
                let inner = box_w - 2;
                let n = input.value().chars().count().min(inner);
                spans.push(Span::raw(format!("[{:<inner$}]", "*".repeat(n))));
                if row.focused {
                    let x = area.x + 1 + LABEL_WIDTH as u16 + 1 + n as u16;
                    cursor = Some(Position::new(x, area.y + lines.len() as u16));
                }
            }
            RowValue::Choice { options, chosen } => {
                for (i, o) in options.iter().enumerate() {
                    let on = i == *chosen;
                    let text = format!("({}) {o}  ", if on { "x" } else { " " });
                    spans.push(if on {
                        Span::styled(text, t.title())
                    } else {
                        Span::styled(text, t.dim())
                    });
                }
            }
            RowValue::Plain(s) => spans.push(Span::raw(s.clone())),
        }
        lines.push(Line::from(spans));
        if let Some(e) = &row.error {
            let indent = " ".repeat(LABEL_WIDTH + 1);
            let width = (area.width as usize)
                .saturating_sub(LABEL_WIDTH + 1)
                .max(20);
            for (i, part) in wrap(&format!("✗ {e}"), width).into_iter().enumerate() {
                let part = if i == 0 { part } else { format!("  {part}") };
                lines.push(Line::from(vec![
                    Span::raw(indent.clone()),
                    Span::styled(part, t.err()),
                ]));
            }
        }
    }
    let n = lines.len() as u16;
    f.render_widget(Paragraph::new(lines), area);
    if let Some(p) = cursor
        && p.y < area.y + area.height
        && p.x < area.x + area.width
    {
        f.set_cursor_position(p);
    }
    n
}

/// Draws wrapped `lines` in a bordered box titled `title`, scrolled down by `scroll` rows
/// (clamped). When they do not fit, the last row says how many rows are below and the key
/// that shows them, so nothing is cut off unseen at 80x24.
pub fn scrolled_box(
    f: &mut Frame,
    area: Rect,
    title: Line<'_>,
    lines: Vec<Line<'_>>,
    scroll: usize,
    key: &str,
    t: Theme,
) {
    let block = ratatui::widgets::Block::bordered().title(title);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let text = Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: false });
    let total = text.line_count(inner.width);
    let height = inner.height as usize;
    if total <= height {
        f.render_widget(text, inner);
        return;
    }
    let view = height.saturating_sub(1);
    let top = scroll.min(total - view);
    let below = total - view - top;
    let [body, more] = ratatui::layout::Layout::vertical([
        ratatui::layout::Constraint::Length(view as u16),
        ratatui::layout::Constraint::Length(1),
    ])
    .areas(inner);
    f.render_widget(text.scroll((top as u16, 0)), body);
    let note = if below > 0 {
        format!("↓ {below} more line(s): {key}")
    } else {
        format!("↑ {top} line(s) above: {key}")
    };
    f.render_widget(Paragraph::new(Span::styled(note, t.warn())), more);
}

/// Cuts `line` into rows of `width` characters; continuation rows are indented by two.
pub fn hard_wrap(line: &str, width: usize) -> Vec<String> {
    let width = width.max(3);
    let chars: Vec<char> = line.chars().collect();
    if chars.len() <= width {
        return vec![line.to_string()];
    }
    let mut rows = vec![chars[..width].iter().collect::<String>()];
    for chunk in chars[width..].chunks(width - 2) {
        rows.push(format!("  {}", chunk.iter().collect::<String>()));
    }
    rows
}

/// Word-wraps `s` into lines of at most `width` characters (continuation lines get 2 less,
/// for the caller's indent).
pub fn wrap(s: &str, width: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in s.split(' ') {
        let limit = if out.is_empty() {
            width
        } else {
            width.saturating_sub(2)
        };
        let need = cur.chars().count() + usize::from(!cur.is_empty()) + word.chars().count();
        if !cur.is_empty() && need > limit {
            out.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    if !cur.is_empty() || out.is_empty() {
        out.push(cur);
    }
    out
}

/// Cuts `s` to `max` characters, ending with '…' when cut.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else if max == 0 {
        String::new()
    } else {
        let mut out: String = s.chars().take(max - 1).collect();
        out.push('…');
        out
    }
}

/// "1m05s", "12s", "1h02m".
pub fn fmt_elapsed(d: std::time::Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    } else if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

/// "centos 7.9 · 3.10.0 · 2 CPU · 3.7 GB · cgroup v1"
pub fn facts_summary(f: &crate::facts::Facts) -> String {
    let kernel: String = f.kernel.split('-').next().unwrap_or("").to_string();
    format!(
        "{} {} · {} · {} CPU · {:.1} GB · cg v{}{}",
        f.os_id,
        f.os_version,
        kernel,
        f.cpus,
        f.memory_mb as f64 / 1024.0,
        f.cgroup_version,
        if f.swap_mb > 0 { " · swap on" } else { "" }
    )
}
