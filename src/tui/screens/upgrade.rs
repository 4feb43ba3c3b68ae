//! Upgrade: the version to reach, then what every node runs and the path, hop by hop, with what changes and
//! what kubewiz refuses.

use super::{FormRow, RowValue, draw_form};
use crate::tui::model::Model;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};

pub fn draw(f: &mut Frame, area: Rect, m: &Model) {
    let t = m.theme;
    let u = &m.upgrade;
    let [form, body] = Layout::vertical([Constraint::Length(3), Constraint::Min(0)]).areas(area);
    let rows = [FormRow {
        label: "upgrade to",
        value: RowValue::Text {
            input: &u.target,
            placeholder: "1.28.15",
        },
        focused: !u.preparing,
        error: None,
    }];
    draw_form(f, form, &rows, t);
    let mut lines: Vec<Line> = Vec::new();
    if u.preparing {
        lines.push(Line::styled(
            "reading what every node runs (SSH, read-only)…",
            t.running(),
        ));
    } else if let Some(e) = &u.error {
        lines.push(Line::styled(format!("✗ {e}"), t.err()));
        lines.push(Line::styled(
            "nothing was changed; another version, or Esc",
            t.dim(),
        ));
    } else if let Some(p) = &u.prepared {
        for l in crate::upgrade::report::prepared_lines(p) {
            let style = if l.starts_with("  warning") {
                t.warn()
            } else if l.contains(" → ") && !l.starts_with(' ') {
                t.title()
            } else {
                ratatui::style::Style::default()
            };
            lines.push(Line::styled(l, style));
        }
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            if p.path.hops.is_empty() {
                "Esc: back".to_string()
            } else {
                format!(
                    "Enter upgrades to {} (q stops between steps; Upgrade again resumes)",
                    p.path.to
                )
            },
            t.focus(),
        ));
    } else {
        lines.push(Line::styled(
            "Enter reads what the cluster runs and shows the path: one minor at a time, what changes at each hop, \
             what is refused. Nothing changes before you confirm.",
            t.dim(),
        ));
    }
    super::scrolled_box(
        f,
        body,
        Line::from(Span::styled(" Path ", t.title())),
        lines,
        u.path_scroll,
        "PgDn/PgUp",
        t,
    );
}
