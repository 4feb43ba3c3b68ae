//! Nodes: the table, the add/edit form, connection tests, host key trust and the password
//! bootstrap prompt.

use super::{FormRow, RowValue, draw_form, facts_summary};
use crate::config::Role;
use crate::tui::model::*;
use crate::tui::update::visible_node_errors;
use crate::tui::view::popup;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, Wrap};

fn probe_cell(p: &ProbeState, m: &Model) -> (String, Style) {
    let t = m.theme;
    match p {
        ProbeState::Untested => ("not tested".into(), t.dim()),
        ProbeState::Testing => ("testing…".into(), t.running()),
        ProbeState::Ok => ("✓ ok".into(), t.ok()),
        ProbeState::UnknownHostKey { .. } => ("? host key".into(), t.warn()),
        ProbeState::ChangedHostKey(_) => ("✗ KEY CHANGED".into(), t.err()),
        ProbeState::AuthFailed(_) => ("✗ auth".into(), t.err()),
        ProbeState::Bootstrapping => ("installing key".into(), t.running()),
        ProbeState::Failed(_) => ("✗ failed".into(), t.err()),
    }
}

pub fn draw(f: &mut Frame, area: Rect, m: &Model) {
    let t = m.theme;
    let table_h = if m.nodes_ui.form.is_some() {
        (m.nodes.len() as u16 + 3).clamp(4, 7)
    } else {
        (m.nodes.len() as u16 + 3).clamp(4, area.height.saturating_sub(6))
    };
    let [table_area, lower] =
        Layout::vertical([Constraint::Length(table_h), Constraint::Min(0)]).areas(area);

    let header = Row::new(["", "Name", "Address", "Role", "Status", "Facts"]).style(t.title());
    let rows: Vec<Row> = m
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let (status, style) = probe_cell(&n.probe, m);
            let facts = n.facts.as_ref().map(facts_summary).unwrap_or_default();
            let sel = i == m.nodes_ui.selected && m.nodes_ui.form.is_none();
            let row = Row::new([
                Cell::from(if sel { "›" } else { " " }),
                Cell::from(n.config.name.clone()),
                Cell::from(if m.port_of(&n.config) == 22 {
                    n.config.address.clone()
                } else {
                    format!("{}:{}", n.config.address, m.port_of(&n.config))
                }),
                Cell::from(n.config.role.as_str()),
                Cell::from(Span::styled(status, style)),
                Cell::from(facts),
            ]);
            if sel { row.style(t.selected()) } else { row }
        })
        .collect();
    let title = format!(" Nodes ({}) ", m.nodes.len());
    let table = Table::new(
        rows,
        [
            Constraint::Length(1),
            Constraint::Length(14),
            Constraint::Length(16),
            Constraint::Length(13),
            Constraint::Length(14),
            Constraint::Min(10),
        ],
    )
    .header(header)
    .block(Block::bordered().title(Span::styled(title, t.title())));
    f.render_widget(table, table_area);
    if m.nodes.is_empty() {
        let inner = table_area.inner(ratatui::layout::Margin::new(2, 2));
        f.render_widget(
            Paragraph::new(Span::styled("no nodes yet: press a to add one", t.dim())),
            inner,
        );
    }

    if let Some(form) = &m.nodes_ui.form {
        draw_node_form(f, lower, m, form);
    } else {
        draw_detail(f, lower, m);
    }

    match &m.nodes_ui.prompt {
        Some(NodesPrompt::TrustKey { node }) => trust_prompt(f, area, m, *node),
        Some(NodesPrompt::ReplaceKey { node }) => replace_prompt(f, area, m, *node),
        Some(NodesPrompt::Password { node, input }) => {
            let n = &m.nodes[(*node).min(m.nodes.len() - 1)];
            let user = m.user_of(&n.config).to_string();
            let lines = vec![
                Line::raw(format!(
                    "{} accepts no key for {user}. Type {user}'s password once:",
                    n.config.name
                )),
                Line::styled(
                    "kubewiz logs in with the system ssh and adds its public key to",
                    t.dim(),
                ),
                Line::styled(
                    "~/.ssh/authorized_keys. The password is not saved or logged.",
                    t.dim(),
                ),
                Line::raw(""),
                Line::from(vec![
                    Span::styled("password ", t.title()),
                    Span::raw(format!("[{:<24}]", input.masked())),
                ]),
            ];
            let r = popup(f, area, "One-time password", lines, m);
            let x = r.x + 2 + 10 + input.0.value().chars().count().min(24) as u16;
            f.set_cursor_position((x, r.y + 5));
        }
        Some(NodesPrompt::ConfirmRemove { node }) => {
            let name = m
                .nodes
                .get(*node)
                .map(|n| n.config.name.as_str())
                .unwrap_or("?");
            popup(
                f,
                area,
                "Remove node",
                vec![
                    Line::raw(format!("Remove {name} from the cluster description?")),
                    Line::styled("(nothing on the machine is touched)", t.dim()),
                    Line::raw(""),
                    Line::raw("y yes   n/Esc no"),
                ],
                m,
            );
        }
        None => {}
    }
}

/// Every node whose unknown key waits for a decision, with its fingerprints; `y` answers
/// for the marked one, `a` for all shown.
fn trust_prompt(f: &mut Frame, area: Rect, m: &Model, node: usize) {
    let t = m.theme;
    let pending = crate::tui::update::pending_trust(m);
    let Some(current) = m.nodes.get(node) else {
        return;
    };
    let mut lines = vec![
        Line::raw("Not in known_hosts yet. Compare each fingerprint with the node's own"),
        Line::styled(
            "(on its console: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub).",
            t.dim(),
        ),
        Line::raw(""),
    ];
    for &i in &pending {
        let n = &m.nodes[i];
        let ProbeState::UnknownHostKey { fingerprints, .. } = &n.probe else {
            continue;
        };
        let marked = i == node;
        lines.push(Line::from(vec![
            Span::styled(if marked { "› " } else { "  " }, t.focus()),
            Span::styled(n.config.name.clone(), t.title()),
            Span::styled(format!("  {}", n.config.address), t.dim()),
        ]));
        for fp in fingerprints {
            lines.push(Line::raw(format!("    {fp}")));
        }
    }
    lines.push(Line::raw(""));
    let mut keys = vec![
        Span::styled("y", t.accent()),
        Span::raw(format!(" trust {}   ", current.config.name)),
    ];
    if pending.len() > 1 {
        keys.extend([
            Span::styled("a", t.accent()),
            Span::raw(format!(" trust all {} shown   ", pending.len())),
        ]);
    }
    keys.extend([
        Span::styled("n/Esc", t.accent()),
        Span::raw(" do not trust"),
    ]);
    lines.push(Line::from(keys));
    popup(f, area, "Unknown host keys", lines, m);
}

/// "Replace the recorded key?", with both fingerprints and what a change can mean.
fn replace_prompt(f: &mut Frame, area: Rect, m: &Model, node: usize) {
    let t = m.theme;
    let Some(n) = m.nodes.get(node) else { return };
    let ProbeState::ChangedHostKey(c) = &n.probe else {
        return;
    };
    let mut lines = vec![
        Line::raw(format!(
            "Replace the recorded host key of {} ({})?",
            n.config.name, n.config.address
        )),
        Line::raw(""),
    ];
    changed_key_lines(&mut lines, c, m);
    lines.extend([
        Line::raw(""),
        Line::styled(
            "Only if you know the machine was reinstalled: a changed key can also mean that \
             someone intercepts the connection. Compare on the node's console first. \
             Replacing runs the command above, then records the offered key.",
            t.warn(),
        ),
        Line::raw(""),
        Line::from(vec![
            Span::styled("y", t.accent()),
            Span::raw(" replace   "),
            Span::styled("n/Esc", t.accent()),
            Span::raw(" keep refusing"),
        ]),
    ]);
    popup(f, area, "Changed host key", lines, m);
}

/// Recorded vs offered fingerprints and the whole command that forgets the old key.
fn changed_key_lines(lines: &mut Vec<Line<'static>>, c: &ChangedKey, m: &Model) {
    let t = m.theme;
    for fp in &c.recorded {
        lines.push(Line::from(vec![
            Span::styled("recorded  ", t.dim()),
            Span::raw(fp.clone()),
        ]));
    }
    for fp in &c.offered {
        lines.push(Line::from(vec![
            Span::styled("offered   ", t.dim()),
            Span::styled(fp.clone(), t.title()),
        ]));
    }
    lines.push(Line::from(vec![
        Span::styled("forget it ", t.dim()),
        Span::styled(c.command.clone(), t.title()),
    ]));
}

fn draw_node_form(f: &mut Frame, area: Rect, m: &Model, form: &NodeForm) {
    let t = m.theme;
    let errs = visible_node_errors(m, form);
    let err = |field: usize| {
        errs.iter()
            .find(|(f, _)| *f == field)
            .map(|(_, e)| e.clone())
    };
    let title = match form.editing {
        Some(i) => format!(
            " Edit node {} ",
            m.nodes.get(i).map(|n| n.config.name.as_str()).unwrap_or("")
        ),
        None => " Add a node ".to_string(),
    };
    let block = Block::bordered().title(Span::styled(title, t.title()));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let user_ph = format!("default: {} (from [ssh])", m.ssh.user);
    let port_ph = format!("default: {} (from [ssh])", m.ssh.port);
    let id_ph = match &m.ssh.identity_file {
        Some(p) => format!("default: {} (from [ssh])", p.display()),
        None => "default: ssh's own keys (~/.ssh/id_*)".to_string(),
    };
    let rows = [
        FormRow {
            label: "Name",
            value: RowValue::Text {
                input: &form.name,
                placeholder: "e.g. k8s-master",
            },
            focused: form.focus == F_NAME,
            error: err(F_NAME),
        },
        FormRow {
            label: "Address",
            value: RowValue::Text {
                input: &form.address,
                placeholder: "e.g. 192.168.147.130",
            },
            focused: form.focus == F_ADDRESS,
            error: err(F_ADDRESS),
        },
        FormRow {
            label: "SSH port",
            value: RowValue::Text {
                input: &form.port,
                placeholder: &port_ph,
            },
            focused: form.focus == F_PORT,
            error: err(F_PORT),
        },
        FormRow {
            label: "User",
            value: RowValue::Text {
                input: &form.user,
                placeholder: &user_ph,
            },
            focused: form.focus == F_USER,
            error: err(F_USER),
        },
        FormRow {
            label: "Role",
            value: RowValue::Choice {
                options: vec!["control-plane".into(), "worker".into()],
                chosen: if form.role == Role::ControlPlane {
                    0
                } else {
                    1
                },
            },
            focused: form.focus == F_ROLE,
            error: None,
        },
        FormRow {
            label: "Identity file",
            value: RowValue::Text {
                input: &form.identity,
                placeholder: &id_ph,
            },
            focused: form.focus == F_IDENTITY,
            error: err(F_IDENTITY),
        },
    ];
    draw_form(f, inner, &rows, t);
}

fn draw_detail(f: &mut Frame, area: Rect, m: &Model) {
    let t = m.theme;
    let mut lines = Vec::new();
    if let Some(e) = &m.nodes_ui.error {
        lines.push(Line::styled(format!("✗ {e}"), t.err()));
    }
    if let Some(n) = m.nodes.get(m.nodes_ui.selected) {
        let c = &n.config;
        let id = c
            .identity_file
            .as_ref()
            .or(m.ssh.identity_file.as_ref())
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "ssh's default keys".into());
        lines.push(Line::from(vec![
            Span::styled(format!("{} ", c.name), t.title()),
            Span::styled(
                format!("{}@{}:{} · key {id}", m.user_of(c), c.address, m.port_of(c)),
                t.dim(),
            ),
        ]));
        match &n.probe {
            ProbeState::Untested => lines.push(Line::styled(
                "t tests the SSH connection and reads the node's facts (OS, kernel, CPU, memory, swap, cgroup).",
                t.dim(),
            )),
            ProbeState::Testing if n.probing.is_empty() => {
                lines.push(Line::styled("connecting…", t.running()))
            }
            ProbeState::Testing => lines.push(Line::styled(
                format!(
                    "connecting, then trying {} image registry/mirror URL(s) from the node (up to 10 s)…",
                    n.probing.len()
                ),
                t.running(),
            )),
            ProbeState::Ok => {
                if let Some(fx) = &n.facts {
                    lines.push(Line::styled(format!("✓ {}", facts_summary(fx)), t.ok()));
                    lines.push(Line::styled(
                        format!(
                            "hostname {} · sudo {} · clock skew {} s",
                            fx.hostname,
                            if fx.can_sudo { "ok" } else { "NO" },
                            fx.clock_skew_secs
                        ),
                        t.dim(),
                    ));
                }
                registry_lines(&mut lines, m);
            }
            ProbeState::UnknownHostKey { fingerprints, .. } => {
                lines.push(Line::styled(
                    "? unknown host key — y to compare and trust it",
                    t.warn(),
                ));
                for fp in fingerprints {
                    lines.push(Line::raw(format!("  {fp}")));
                }
            }
            ProbeState::ChangedHostKey(c) => {
                lines.push(Line::styled(
                    "✗ the host key CHANGED since it was recorded; kubewiz refuses to connect.",
                    t.err(),
                ));
                changed_key_lines(&mut lines, c, m);
                lines.push(Line::styled(
                    if c.lines.is_empty() {
                        "If the machine was reinstalled: run the command above, then t tests again."
                    } else {
                        "If the machine was reinstalled: r replaces the recorded key (asks first)."
                    },
                    t.warn(),
                ));
            }
            ProbeState::AuthFailed(e) => {
                lines.push(Line::styled(format!("✗ {e}"), t.err()));
                lines.push(Line::styled(
                    "p: type the password once; kubewiz installs its key on the node.",
                    t.warn(),
                ));
            }
            ProbeState::Bootstrapping => lines.push(Line::styled(
                "installing the wizard's key with the password…",
                t.running(),
            )),
            ProbeState::Failed(e) => lines.push(Line::styled(format!("✗ {e}"), t.err())),
        }
    }
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::bordered().title(Span::styled(" Connection ", t.title()))),
        area,
    );
}

/// What the selected node's test found about the registries and mirrors the settings pull
/// through (the install's facts step probes the same; preflight refuses what fails).
fn registry_lines(lines: &mut Vec<Line<'static>>, m: &Model) {
    use crate::plan::registries::ProbeKind;
    use crate::tui::update::mirrors::{Reach, node_reach};
    let t = m.theme;
    let found = node_reach(m, m.nodes_ui.selected);
    let mut answered = Vec::new();
    let mut untested = 0;
    for (registry, kind, url, r) in &found {
        let what = match kind {
            ProbeKind::Mirror => format!("{registry}: mirror {url}"),
            ProbeKind::Registry => format!("{registry} (no mirror) at {url}"),
        };
        match r {
            Reach::Fails(why) => lines.push(Line::styled(
                format!("✗ {what} does not answer from this node ({why}): change it on Versions → Registry mirrors"),
                t.err(),
            )),
            Reach::Answers => answered.push(registry.clone()),
            Reach::Untested => untested += 1,
        }
    }
    if !answered.is_empty() {
        answered.dedup();
        let all = if answered.len() + untested == found.len() {
            "every"
        } else {
            "the other"
        };
        lines.push(Line::styled(
            format!(
                "✓ {all} image registry and mirror of these settings answers ({} registries)",
                answered.len()
            ),
            t.ok(),
        ));
    }
    if untested > 0 {
        lines.push(Line::styled(
            format!("· {untested} registry/mirror(s) of the current settings not probed yet: t tests again"),
            t.dim(),
        ));
    }
}
