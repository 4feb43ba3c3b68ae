//! Versions & mirrors: Kubernetes version from the catalog, CNI version, mirror, image
//! repository, dashboard; warnings from the probed facts.

use super::{FormRow, LABEL_WIDTH, RowValue, draw_form, truncate};
use crate::config::Mirror;
use crate::tui::catalog::default_image_repository;
use crate::tui::model::*;
use crate::tui::update::{better_version, version_errors, version_findings};
use crate::tui::validate::Level;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, List, ListItem, ListState};

pub fn draw(f: &mut Frame, area: Rect, m: &Model) {
    if m.mirrors.open {
        super::mirrors::draw(f, area, m);
        return;
    }
    let t = m.theme;
    let v = &m.versions;
    let [left, right] =
        Layout::horizontal([Constraint::Length(26), Constraint::Min(0)]).areas(area);

    let items: Vec<ListItem> = m
        .catalog
        .iter()
        .map(|c| {
            let mark = if c.supported {
                Span::styled("supported", t.ok())
            } else {
                Span::styled("end of life", t.dim())
            };
            ListItem::new(Line::from(vec![
                Span::raw(format!("{:<9} ", c.version)),
                mark,
            ]))
        })
        .collect();
    let focused = v.focus == V_VERSION;
    let list = List::new(items)
        .block(
            Block::bordered()
                .title(Span::styled(
                    " Kubernetes ",
                    if focused { t.focus() } else { t.title() },
                ))
                .border_style(if focused { t.focus() } else { t.dim() }),
        )
        .highlight_style(t.selected())
        .highlight_symbol("›");
    let mut state = ListState::default().with_selected(Some(v.version));
    f.render_stateful_widget(list, left, &mut state);

    let block = Block::bordered().title(Span::styled(
        format!(" {} ", m.version().version),
        t.title(),
    ));
    let inner = block.inner(right);
    f.render_widget(block, right);
    let form_area = inner;
    let errors = version_errors(m);
    let cni_versions = m.version().cni_versions(m.network.cni).to_vec();
    let cni_label = format!("{} version", m.network.cni.as_str());
    let repo_ph = format!("default: {}", default_image_repository(v.mirror));
    let rows = [
        FormRow {
            label: &cni_label,
            value: if cni_versions.is_empty() {
                RowValue::Plain("catalog default".into())
            } else {
                RowValue::Choice {
                    options: cni_versions,
                    chosen: v.cni_version,
                }
            },
            focused: v.focus == V_CNI_VERSION,
            error: errors[V_CNI_VERSION].clone(),
        },
        FormRow {
            label: "CNI manifest",
            value: RowValue::Text {
                input: &v.cni_manifest,
                placeholder: "optional local copy",
            },
            focused: v.focus == V_CNI_MANIFEST,
            error: errors[V_CNI_MANIFEST].clone(),
        },
        FormRow {
            label: "Mirror",
            value: RowValue::Choice {
                options: vec!["upstream".into(), "aliyun".into()],
                chosen: if v.mirror == Mirror::Upstream { 0 } else { 1 },
            },
            focused: v.focus == V_MIRROR,
            error: errors[V_MIRROR].clone(),
        },
        FormRow {
            label: "Registry mirrors",
            value: RowValue::Plain(truncate(
                &registry_summary(m),
                (inner.width as usize).saturating_sub(LABEL_WIDTH + 2),
            )),
            focused: v.focus == V_REGISTRY_MIRRORS,
            error: errors[V_REGISTRY_MIRRORS].clone(),
        },
        FormRow {
            label: "Image repository",
            value: RowValue::Text {
                input: &v.image_repository,
                placeholder: &repo_ph,
            },
            focused: v.focus == V_IMAGE_REPO,
            error: errors[V_IMAGE_REPO].clone(),
        },
        FormRow {
            label: "Dashboard",
            value: RowValue::Choice {
                options: vec!["off".into(), "on (NodePort 30001)".into()],
                chosen: usize::from(v.dashboard),
            },
            focused: v.focus == V_DASHBOARD,
            error: errors[V_DASHBOARD].clone(),
        },
        FormRow {
            label: "Dashboard file",
            value: RowValue::Text {
                input: &v.dashboard_manifest,
                placeholder: "optional local copy",
            },
            focused: v.focus == V_DASHBOARD_MANIFEST,
            error: errors[V_DASHBOARD_MANIFEST].clone(),
        },
    ];
    // The checks go below the form, however many lines its errors took.
    let used = (draw_form(f, form_area, &rows, t) + 1).min(inner.height);
    let findings_area = Rect {
        y: inner.y + used,
        height: inner.height - used,
        ..inner
    };

    let findings = version_findings(m);
    let mut lines = Vec::new();
    if let Some(e) = &errors[V_VERSION] {
        lines.push(Line::styled(format!("✗ {e}"), t.err()));
    }
    if let Some(i) = better_version(m) {
        lines.push(Line::styled(
            format!(
                "→ the newest version every probed node can run: {} (n chooses it)",
                m.catalog[i].version
            ),
            t.accent(),
        ));
    }
    let probed = m.nodes.iter().filter(|n| n.facts.is_some()).count();
    if findings.is_empty() {
        lines.push(Line::styled(
            if probed == 0 {
                "No node facts yet (Nodes → t) — checks against OS and kernel run then.".to_string()
            } else {
                format!("✓ no problems found on {probed} probed node(s)")
            },
            if probed == 0 { t.dim() } else { t.ok() },
        ));
    }
    for fd in &findings {
        let (mark, style) = match fd.level {
            Level::Error => ("✗", t.err()),
            Level::Warning => ("!", t.warn()),
            Level::Info => ("•", t.dim()),
        };
        lines.push(Line::styled(format!("{mark} {}", fd.text), style));
    }
    super::scrolled_box(
        f,
        findings_area,
        Line::from(Span::styled(" Checks ", t.title())),
        lines,
        v.checks_scroll,
        "PgDn/PgUp",
        t,
    );
}

/// The registry mirrors row: whose table, and how this cluster's registries are reached.
fn registry_summary(m: &Model) -> String {
    let whose = if m.mirrors.table.is_some() {
        "cluster.toml"
    } else {
        m.versions.mirror.as_str()
    };
    let used: Vec<String> = crate::tui::update::mirrors::rows(m)
        .iter()
        .filter(|r| !r.images.is_empty())
        .map(|r| {
            let how = if r.mirrors.is_empty() {
                "direct"
            } else {
                "via mirror"
            };
            format!("{} {how}", r.registry)
        })
        .collect();
    format!("{whose}: {}", used.join(", "))
}
