//! Done: the Ready nodes, the kubeconfig, the dashboard and how to add a node later.

use crate::config::Role;
use crate::engine::ClusterNodeState;
use crate::tui::model::*;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Row, Table};

/// The service account the dashboard step creates for logging in.
pub const DASHBOARD_ACCOUNT: &str = "admin-user";

pub fn draw(f: &mut Frame, area: Rect, m: &Model) {
    let t = m.theme;
    let rows_h = (m.install.nodes.len() as u16 + 3).min(area.height / 2);
    let [top, bottom] =
        Layout::vertical([Constraint::Length(rows_h), Constraint::Min(0)]).areas(area);
    let rows: Vec<Row> = m
        .install
        .nodes
        .iter()
        .map(|n| {
            let st = n.cluster.unwrap_or(ClusterNodeState::Ready);
            let style = if st == ClusterNodeState::Ready {
                t.ok()
            } else {
                t.warn()
            };
            let mut state = st.label().to_string();
            if m.upgrade.active
                && let Some(v) = m.upgrade.versions.get(&n.name)
            {
                state = format!("{state} · {v}");
            }
            Row::new(vec![
                Span::raw(n.name.clone()),
                Span::raw(n.address.clone()),
                Span::raw(n.role.as_str()),
                Span::styled(state, style),
            ])
        })
        .collect();
    let ready = m
        .install
        .nodes
        .iter()
        .filter(|n| n.cluster.unwrap_or(ClusterNodeState::Ready) == ClusterNodeState::Ready)
        .count();
    f.render_widget(
        Table::new(
            rows,
            [
                Constraint::Length(18),
                Constraint::Length(17),
                Constraint::Length(15),
                Constraint::Min(8),
            ],
        )
        .header(Row::new(["Node", "Address", "Role", "State"]).style(t.title()))
        .block(Block::bordered().title(Span::styled(
            match (
                m.install.summary.as_ref().map(|s| s.wall),
                m.install.earlier_time.filter(|e| !e.is_zero()),
            ) {
                // Resumed: the whole install, with this run's part.
                (Some(w), Some(earlier)) => format!(
                    " Cluster ready: {ready}/{} nodes · installed in {} ({} this run) ",
                    m.install.nodes.len(),
                    super::fmt_elapsed(earlier + w),
                    super::fmt_elapsed(w)
                ),
                (Some(w), None) if !w.is_zero() => format!(
                    " Cluster ready: {ready}/{} nodes · {} in {} ",
                    m.install.nodes.len(),
                    if m.upgrade.active {
                        "upgraded"
                    } else {
                        "installed"
                    },
                    super::fmt_elapsed(w)
                ),
                _ => format!(" Cluster ready: {ready}/{} nodes ", m.install.nodes.len()),
            },
            t.ok(),
        ))),
        top,
    );

    if m.upgrade.active && !m.upgrade.summary.is_empty() {
        let ok = m.upgrade.outcome.as_ref().is_some_and(|o| o.ok);
        let lines: Vec<Line> = m
            .upgrade
            .summary
            .iter()
            .filter(|l| !l.is_empty() && !l.starts_with("=="))
            .map(|l| {
                if l.starts_with("FAILED") || l.contains(" still cordoned") {
                    Line::styled(l.clone(), t.err())
                } else if l.starts_with("  what to do") {
                    Line::styled(l.clone(), t.warn())
                } else {
                    Line::raw(l.clone())
                }
            })
            .collect();
        super::scrolled_box(
            f,
            bottom,
            Line::from(Span::styled(
                if ok {
                    " Upgraded "
                } else {
                    " Upgrade incomplete "
                },
                if ok { t.ok() } else { t.err() },
            )),
            lines,
            m.install.done_scroll,
            "PgDn/PgUp",
            t,
        );
        return;
    }
    let kubeconfig = m
        .install
        .summary
        .as_ref()
        .and_then(|s| s.kubeconfig.clone())
        .unwrap_or_else(|| crate::engine::kubeconfig::path(&m.state_dir()));
    let cp = m
        .install
        .nodes
        .iter()
        .find(|n| n.role == Role::ControlPlane)
        .map(|n| n.address.clone())
        .unwrap_or_else(|| "<control-plane>".into());
    let mut lines = Vec::new();
    // What `kubewiz apply` warns about (an out-of-support minor, deprecated IPVS...).
    let cfg = m.to_config();
    if let Ok(v) = crate::config::validate(&cfg, crate::catalog::Catalog::builtin()) {
        for w in v.warnings {
            lines.push(Line::styled(format!("! {w}"), t.warn()));
        }
        if !lines.is_empty() {
            lines.push(Line::raw(""));
        }
    }
    lines.extend([
        Line::from(vec![
            Span::styled("kubeconfig  ", t.dim()),
            Span::raw(kubeconfig.display().to_string()),
        ]),
        Line::styled(
            format!("  export KUBECONFIG={}", kubeconfig.display()),
            t.title(),
        ),
        Line::styled("  kubectl get nodes -o wide", t.title()),
        Line::raw(""),
    ]);
    if m.to_config().cluster.dashboard {
        lines.extend([
            Line::from(vec![
                Span::styled("dashboard   ", t.dim()),
                Span::raw(format!("https://{cp}:30001")),
                Span::styled("  (self-signed certificate)", t.dim()),
            ]),
            Line::styled(
                format!("  kubectl -n kubernetes-dashboard create token {DASHBOARD_ACCOUNT}"),
                t.title(),
            ),
            Line::raw(""),
        ]);
    }
    lines.extend([
        Line::styled("add a node later", t.dim()),
        Line::raw(format!(
            "  add a [[node]] to {} and run `kubewiz apply -c {}` (or kubewiz → Edit settings):",
            m.config_path.display(),
            m.config_path.display()
        )),
        Line::raw("  only the new node is touched, plus a fresh join token on the control plane."),
    ]);
    super::scrolled_box(
        f,
        bottom,
        Line::from(Span::styled(" Next ", t.title())),
        lines,
        m.install.done_scroll,
        "PgDn/PgUp",
        t,
    );
}
