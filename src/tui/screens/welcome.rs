//! Welcome: new cluster, open cluster.toml, or resume a half-finished install.

use super::{FormRow, RowValue, draw_form, truncate};
use crate::tui::model::{Choice, JournalInfo, Model};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

pub fn draw(f: &mut Frame, area: Rect, m: &Model) {
    let t = m.theme;
    let intro_lines = vec![
        Line::raw(""),
        Line::styled(
            "  Turn fresh Linux machines into a kubeadm Kubernetes cluster over SSH.",
            t.title(),
        ),
        Line::styled(
            "  Nodes → network → versions → review → install; nothing runs before you say so.",
            t.dim(),
        ),
    ];

    let path = m.config_path.display().to_string();
    let w = &m.welcome;
    let journal = w.journal.as_ref();
    let items: Vec<(String, String)> = w
        .choices()
        .into_iter()
        .map(|c| match c {
            Choice::Resume => (
                "Resume".into(),
                "continue where the last install stopped".into(),
            ),
            Choice::Edit => (
                "Edit settings".into(),
                match journal {
                    Some(j) if j.initialised.is_some() => {
                        "add nodes (networks, CNI and version are fixed)".into()
                    }
                    _ => "change anything: kubeadm init has not run yet".into(),
                },
            ),
            Choice::Upgrade => (
                "Upgrade".into(),
                match journal.and_then(|j| j.upgrade_unfinished.as_ref()) {
                    Some(v) => format!("finish the upgrade to {v} where it stopped"),
                    None => "to a newer Kubernetes, one minor at a time".into(),
                },
            ),
            Choice::New => (
                "New cluster".into(),
                if w.loaded {
                    "start over from defaults (saving replaces the file)".into()
                } else {
                    "nodes, network, versions, review, install".into()
                },
            ),
            Choice::Open if w.loaded => ("Open another".into(), "another cluster.toml".into()),
            Choice::Open if w.file_exists => (
                "Open cluster.toml".into(),
                format!("edit and install {path}"),
            ),
            Choice::Open => (
                "Open a cluster.toml".into(),
                format!("type its path ({path} does not exist yet)"),
            ),
        })
        .collect();
    let mut lines = Vec::new();
    for (i, (title, what)) in items.iter().enumerate() {
        let sel = i == m.welcome.selected;
        let style = if sel { t.selected() } else { t.title() };
        let marker = Span::styled(if sel { "  › " } else { "    " }, t.focus());
        let title = Span::styled(format!(" {title} "), style);
        let width = area.width as usize;
        let beside = width.saturating_sub(title.width() + 7);
        if what.chars().count() <= beside {
            lines.push(Line::from(vec![
                marker,
                title,
                Span::styled(format!("  {what}"), t.dim()),
            ]));
            lines.push(Line::raw(""));
        } else {
            // Too long to stand beside the title (80 columns): below it, whole.
            lines.push(Line::from(vec![marker, title]));
            for part in super::wrap(what, width.saturating_sub(8)) {
                lines.push(Line::styled(format!("       {part}"), t.dim()));
            }
            lines.push(Line::raw(""));
        }
    }
    let [intro, choices, rest] = Layout::vertical([
        Constraint::Length(4),
        Constraint::Length((lines.len() as u16).max(8)),
        Constraint::Min(0),
    ])
    .areas(area);
    f.render_widget(Paragraph::new(intro_lines), intro);
    f.render_widget(Paragraph::new(lines), choices);

    let mut y = rest;
    if let Some(input) = &m.welcome.open {
        let [row, after] = Layout::vertical([Constraint::Length(3), Constraint::Min(0)]).areas(y);
        let rows = [FormRow {
            label: "cluster.toml",
            value: RowValue::Text {
                input,
                placeholder: "./cluster.toml",
            },
            focused: true,
            error: m.welcome.error.clone(),
        }];
        draw_form(f, row, &rows, t);
        y = after;
    } else if let Some(e) = &m.welcome.error {
        let [row, after] = Layout::vertical([Constraint::Length(2), Constraint::Min(0)]).areas(y);
        f.render_widget(
            Paragraph::new(Span::styled(format!("  ✗ {e}"), t.err())).wrap(Wrap { trim: false }),
            row,
        );
        y = after;
    }
    if m.welcome.resume.is_none()
        && let Some(j) = journal
    {
        installed_card(f, y, m, j);
    }
    if let Some(r) = &m.welcome.resume {
        let mut lines = vec![Line::from(vec![
            Span::styled("done ", t.dim()),
            Span::styled(format!("{}/{} steps", r.done, r.total), t.ok()),
        ])];
        const MAX: usize = 3;
        let inner_w = (area.width as usize).saturating_sub(6);
        for (node, step, err) in r.failed.iter().take(MAX) {
            let head = format!("{node} · {step} · ");
            let room = inner_w.saturating_sub(7 + head.chars().count());
            lines.push(Line::from(vec![
                Span::styled("failed ", t.err()),
                Span::styled(head, t.title()),
                Span::raw(truncate(err, room)),
            ]));
        }
        if r.failed.len() > MAX {
            lines.push(Line::styled(
                format!("failed … and {} more", r.failed.len() - MAX),
                t.err(),
            ));
        }
        if !r.interrupted.is_empty() {
            let list: Vec<String> = r
                .interrupted
                .iter()
                .map(|(n, s)| format!("{n} {s}"))
                .collect();
            lines.push(Line::from(vec![
                Span::styled("interrupted ", t.warn()),
                Span::raw(truncate(
                    &format!("{} (checked again before re-applying)", list.join(", ")),
                    inner_w.saturating_sub(12),
                )),
            ]));
        }
        if !r.next.is_empty() {
            let next: Vec<String> = r.next.iter().map(|(n, s)| format!("{n} {s}")).collect();
            lines.push(Line::from(vec![
                Span::styled("next ", t.dim()),
                Span::raw(truncate(
                    &next.join(", "),
                    (area.width as usize).saturating_sub(10),
                )),
            ]));
        }
        let h = (lines.len() as u16 + 2).min(y.height);
        let card = Rect { height: h, ..y };
        let card = card.inner(ratatui::layout::Margin::new(2, 0));
        f.render_widget(
            Paragraph::new(lines).block(
                Block::bordered()
                    .title(Span::styled(
                        format!(" Unfinished install · {} ", m.state_dir().display()),
                        t.warn(),
                    ))
                    .border_style(t.warn()),
            ),
            card,
        );
    }
}

/// What the journal says about the cluster.toml that was read, when nothing is unfinished:
/// installed (nodes, version, when, what now) or what is fixed.
fn installed_card(f: &mut Frame, area: Rect, m: &Model, j: &JournalInfo) {
    let t = m.theme;
    let cfg = m.to_config();
    let mut lines = Vec::new();
    let title = if j.installed {
        let when = j
            .last_finished
            .map(|s| crate::engine::log::format_utc(s).replace('T', " "))
            .unwrap_or_default();
        lines.push(Line::from(vec![
            Span::styled(
                format!(
                    "{} nodes · Kubernetes {} · {}",
                    cfg.nodes.len(),
                    cfg.cluster.kubernetes_version,
                    cfg.cluster.cni.as_str()
                ),
                t.ok(),
            ),
            Span::styled(
                format!(
                    " · finished {when} · {} spent installing",
                    super::fmt_elapsed(j.busy)
                ),
                t.dim(),
            ),
        ]));
        lines.push(Line::raw(format!(
            "  export KUBECONFIG={}",
            crate::engine::kubeconfig::path(&m.state_dir()).display()
        )));
        lines.push(Line::styled(
            "Add a node: e (Edit settings) → Nodes → a, then install: only the new node is touched.",
            t.dim(),
        ));
        " Installed "
    } else if j.done > 0 {
        lines.push(Line::raw(format!("{}/{} steps done", j.done, j.total)));
        " Started before "
    } else {
        return;
    };
    for c in &j.certs {
        let warn = c.starts_with("warning");
        lines.push(Line::styled(
            c.clone(),
            if warn { t.warn() } else { t.dim() },
        ));
    }
    if let Some(s) = &j.initialised {
        lines.push(Line::styled(
            format!(
                "fixed by kubeadm init: pod CIDR {} · service CIDR {} · {} · {} (change = reset)",
                s.pod_cidr, s.service_cidr, s.cni, s.kubernetes_version
            ),
            t.dim(),
        ));
    }
    let width = area.width.saturating_sub(6);
    let text = Paragraph::new(lines).wrap(Wrap { trim: false });
    let h = (text.line_count(width) as u16 + 2).min(area.height);
    let card = Rect { height: h, ..area }.inner(ratatui::layout::Margin::new(2, 0));
    f.render_widget(
        text.block(
            Block::bordered()
                .title(Span::styled(
                    format!("{title}· {} ", m.state_dir().display()),
                    t.ok(),
                ))
                .border_style(t.ok()),
        ),
        card,
    );
}
