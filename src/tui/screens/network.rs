//! Network: cluster name, pod CIDR, service CIDR, CNI, kube-proxy mode, validated as you type.

use super::{FormRow, RowValue, draw_form};
use crate::config::{Cni, ProxyMode};
use crate::tui::model::*;
use crate::tui::update::network_errors;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

pub fn draw(f: &mut Frame, area: Rect, m: &Model) {
    let t = m.theme;
    let n = &m.network;
    let errors = network_errors(m);
    let block = Block::bordered().title(Span::styled(" Cluster network ", t.title()));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let rows = [
        FormRow {
            label: "Cluster name",
            value: RowValue::Text {
                input: &n.name,
                placeholder: "e.g. demo",
            },
            focused: n.focus == N_NAME,
            error: errors[N_NAME].clone(),
        },
        FormRow {
            label: "Pod CIDR",
            value: RowValue::Text {
                input: &n.pod_cidr,
                placeholder: "e.g. 10.244.0.0/16",
            },
            focused: n.focus == N_POD,
            error: errors[N_POD].clone(),
        },
        FormRow {
            label: "Service CIDR",
            value: RowValue::Text {
                input: &n.service_cidr,
                placeholder: "e.g. 10.96.0.0/12",
            },
            focused: n.focus == N_SERVICE,
            error: errors[N_SERVICE].clone(),
        },
        FormRow {
            label: "CNI",
            value: RowValue::Choice {
                options: vec!["calico".into(), "flannel".into()],
                chosen: if n.cni == Cni::Calico { 0 } else { 1 },
            },
            focused: n.focus == N_CNI,
            error: errors[N_CNI].clone(),
        },
        FormRow {
            label: "kube-proxy mode",
            value: RowValue::Choice {
                options: vec!["iptables".into(), "ipvs".into()],
                chosen: if n.proxy == ProxyMode::Iptables { 0 } else { 1 },
            },
            focused: n.focus == N_PROXY,
            error: errors[N_PROXY].clone(),
        },
    ];
    let used = draw_form(f, inner, &rows, t) + 1;
    let [_, notes_area] =
        Layout::vertical([Constraint::Length(used), Constraint::Min(0)]).areas(inner);
    let mut lines = Vec::new();
    if errors.iter().all(Option::is_none) {
        lines.push(Line::styled(
            "✓ no overlaps between pods, services and nodes",
            t.ok(),
        ));
        for note in crate::tui::validate::network_notes(n.pod_cidr.value(), n.cni) {
            lines.push(Line::styled(format!("• {note}"), t.dim()));
        }
    }
    lines.push(Line::styled(
        "• One pod CIDR feeds both kubeadm and the CNI, so they cannot disagree.",
        t.dim(),
    ));
    if n.proxy == ProxyMode::Ipvs {
        lines.push(Line::styled(
            "• ipvs loads the ip_vs modules and installs ipset/ipvsadm on every node.",
            t.dim(),
        ));
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), notes_area);
}
