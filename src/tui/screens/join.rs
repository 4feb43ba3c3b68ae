//! Join progress: every node's state as the control plane sees it, from `Event::NodeState`. During an
//! upgrade: every node's kubelet version moving along the path, one mark per version.

use crate::engine::ClusterNodeState;
use crate::plan::StepId;
use crate::tui::model::*;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Row, Table};

const STAGES: [ClusterNodeState; 4] = [
    ClusterNodeState::Waiting,
    ClusterNodeState::Joining,
    ClusterNodeState::NotReady,
    ClusterNodeState::Ready,
];

pub fn draw(f: &mut Frame, area: Rect, m: &Model) {
    if m.upgrade.active {
        return draw_upgrade(f, area, m);
    }
    let t = m.theme;
    let [table_area, cni_area] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(4)]).areas(area);
    let ready = m
        .install
        .nodes
        .iter()
        .filter(|n| n.cluster == Some(ClusterNodeState::Ready))
        .count();
    let rows: Vec<Row> = m
        .install
        .nodes
        .iter()
        .map(|n| {
            let st = n.cluster.unwrap_or(ClusterNodeState::Waiting);
            let reached = STAGES.iter().position(|s| *s == st).unwrap_or(0);
            let style = match st {
                ClusterNodeState::Ready => t.ok(),
                ClusterNodeState::NotReady => t.warn(),
                ClusterNodeState::Joining => t.running(),
                ClusterNodeState::Waiting => t.dim(),
            };
            let name = if n.state == RunState::Failed {
                t.err()
            } else {
                t.title()
            };
            node_row(
                n,
                name,
                Span::styled(
                    format!("{} {}", marks(reached, STAGES.len()), st.label()),
                    style,
                ),
            )
        })
        .collect();
    let count = |st: ClusterNodeState| {
        m.install
            .nodes
            .iter()
            .filter(|n| n.cluster.unwrap_or(ClusterNodeState::Waiting) == st)
            .count()
    };
    let title = format!(
        " Join progress: {ready}/{} Ready · {} NotReady · {} joining · {} waiting ",
        m.install.nodes.len(),
        count(ClusterNodeState::NotReady),
        count(ClusterNodeState::Joining),
        count(ClusterNodeState::Waiting)
    );
    f.render_widget(
        node_table(
            m,
            rows,
            "waiting → joining → joined, NotReady → Ready",
            title,
        ),
        table_area,
    );

    let cni = m.network.cni.as_str();
    let cni_state = m
        .install
        .nodes
        .iter()
        .find(|n| n.steps.contains(&StepId::Cni))
        .map(|n| {
            let idx = n.steps.iter().position(|s| *s == StepId::Cni).unwrap_or(0);
            if n.failure.as_ref().is_some_and(|(s, _)| *s == StepId::Cni) {
                ("failed", t.err())
            } else if n.running.contains(&StepId::Cni) {
                ("applying the manifest", t.running())
            } else if n.done > idx {
                ("applied; pods start on each node as it joins", t.ok())
            } else {
                ("waits for kubeadm init", t.dim())
            }
        })
        .unwrap_or(("—", t.dim()));
    let pods = m.install.cni_pods.as_ref().map(|p| {
        let style = if p.total > 0 && p.running == p.total {
            t.ok()
        } else if p.problem.is_some() {
            t.err()
        } else {
            t.running()
        };
        let text = match &p.problem {
            Some(x) => format!("{}/{} pods running · {x}", p.running, p.total),
            None => format!("{}/{} pods running", p.running, p.total),
        };
        Span::styled(text, style)
    });
    // Once the control plane reports the CNI's pods, they say more than the step's state.
    let first = vec![
        Span::styled(format!("{cni}: "), t.title()),
        pods.unwrap_or_else(|| Span::styled(cni_state.0, cni_state.1)),
    ];
    let lines = vec![
        Line::from(first),
        Line::styled(
            "A node turns Ready once kubelet runs and its CNI pod is up.",
            t.dim(),
        ),
    ];
    f.render_widget(
        Paragraph::new(lines)
            .block(Block::bordered().title(Span::styled(" Pod network ", t.title()))),
        cni_area,
    );
}

/// During an upgrade: per node, the version it started from, the one its kubelet reports now (after each
/// restart), the target; a mark per version of the path reached.
fn draw_upgrade(f: &mut Frame, area: Rect, m: &Model) {
    let t = m.theme;
    let Some(p) = &m.upgrade.prepared else {
        return;
    };
    let mut path = vec![p.path.from.to_string()];
    path.extend(p.path.hops.iter().map(|h| h.to.to_string()));
    let target = p.path.to.to_string();
    let mut at_target = 0;
    let rows: Vec<Row> = m
        .install
        .nodes
        .iter()
        .map(|n| {
            let from = p
                .survey
                .nodes
                .iter()
                .find(|s| s.name == n.name)
                .and_then(|s| s.kubelet)
                .map(|k| k.to_string())
                .unwrap_or_else(|| "?".into());
            let now = m
                .upgrade
                .versions
                .get(&n.name)
                .cloned()
                .unwrap_or(from.clone());
            let reached = path.iter().position(|v| *v == now).unwrap_or(0);
            let style = if now == target {
                at_target += 1;
                t.ok()
            } else if n.state == RunState::Failed {
                t.err()
            } else if now != from {
                t.running()
            } else {
                t.dim()
            };
            let marks = marks(reached, path.len());
            node_row(
                n,
                t.title(),
                Span::styled(format!("{marks} {from} → {now}"), style),
            )
        })
        .collect();
    let title = format!(
        " Versions: {at_target}/{} nodes at {target} ",
        m.install.nodes.len()
    );
    f.render_widget(
        node_table(m, rows, "kubelet from → now (■ per version reached)", title),
        area,
    );
}

/// One mark per stage: filled up to and including `reached`.
fn marks(reached: usize, len: usize) -> String {
    (0..len)
        .map(|i| if i <= reached { '■' } else { '□' })
        .collect()
}

/// A node's row of either table: its name, its role, where it is.
fn node_row(n: &NodeProgress, name: Style, progress: Span<'static>) -> Row<'static> {
    Row::new(vec![
        Line::from(Span::styled(n.name.clone(), name)),
        Line::raw(n.role.as_str()),
        Line::from(progress),
    ])
}

/// The node table both views draw: node, role, `progress` (the third column's header).
fn node_table<'a>(m: &Model, rows: Vec<Row<'a>>, progress: &'a str, title: String) -> Table<'a> {
    let t = m.theme;
    Table::new(
        rows,
        [
            Constraint::Length(16),
            Constraint::Length(14),
            Constraint::Min(20),
        ],
    )
    .header(Row::new(["Node", "Role", progress]).style(t.title()))
    .block(Block::bordered().title(Span::styled(title, t.title())))
}
