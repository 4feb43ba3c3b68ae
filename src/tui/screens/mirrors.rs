//! The Versions screen's registry panel: each registry the cluster pulls from (or has mirrors
//! for) with its mirrors, the images it serves and what the nodes' connection tests found;
//! which manifests are built into kubewiz and which are downloaded; the edit form.

use super::{FormRow, RowValue, draw_form, wrap};
use crate::catalog::{Catalog, ManifestSource};
use crate::config::rules::without_credentials;
use crate::plan::registries::{ProbeKind, registry_server};
use crate::tui::model::*;
use crate::tui::update::mirrors::{Reach, edit_errors, reach, rows};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

pub fn draw(f: &mut Frame, area: Rect, m: &Model) {
    let t = m.theme;
    let whose = match &m.mirrors.table {
        Some(_) => "[registry_mirrors] of cluster.toml".to_string(),
        None => format!(
            "the defaults of mirror = \"{}\"",
            m.versions.mirror.as_str()
        ),
    };
    let block = Block::bordered().title(Span::styled(
        format!(" Registries & manifests · mirrors: {whose} "),
        t.title(),
    ));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let form_h = if m.mirrors.edit.is_some() {
        (inner.height / 2).max(4)
    } else {
        0
    };
    let [list_area, form_area] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(form_h)]).areas(inner);
    let width = list_area.width.saturating_sub(1) as usize;
    let (lines, selected_at) = list_lines(m, width);
    // Keep the selected registry in view.
    let height = list_area.height as usize;
    let top = selected_at.saturating_sub(height.saturating_sub(4) / 2);
    let top = top.min(lines.len().saturating_sub(height));
    let more = lines.len().saturating_sub(top + height);
    let mut shown: Vec<Line> = lines.into_iter().skip(top).take(height).collect();
    if more > 0
        && let Some(last) = shown.last_mut()
    {
        *last = Line::styled(format!("↓ {more} more line(s): ↑↓"), t.warn());
    }
    f.render_widget(Paragraph::new(shown), list_area);
    if let Some(e) = &m.mirrors.edit {
        draw_edit(f, form_area, m, e);
    }
}

/// The list's lines and the line where the selected registry starts.
fn list_lines(m: &Model, width: usize) -> (Vec<Line<'static>>, usize) {
    let t = m.theme;
    let mut lines: Vec<Line> = Vec::new();
    let mut selected_at = 0;
    let push_wrapped = |lines: &mut Vec<Line<'static>>, text: &str, indent: &str, style| {
        for (i, part) in wrap(text, width.saturating_sub(indent.len()).max(10))
            .into_iter()
            .enumerate()
        {
            let lead = if i == 0 {
                indent.to_string()
            } else {
                format!("{indent}  ")
            };
            lines.push(Line::styled(format!("{lead}{part}"), style));
        }
    };
    lines.push(Line::styled("Manifests", t.dim()));
    for text in manifests(m) {
        push_wrapped(&mut lines, &text, " ", ratatui::style::Style::default());
    }
    lines.push(Line::styled(
        "Registries (containerd: /etc/containerd/certs.d/<registry>/hosts.toml)",
        t.dim(),
    ));
    for (i, r) in rows(m).iter().enumerate() {
        let sel = i == m.mirrors.selected;
        if sel {
            selected_at = lines.len();
        }
        let images = match r.images.len() {
            0 => "no image of this cluster".to_string(),
            1 => "1 image".to_string(),
            n => format!("{n} images"),
        };
        lines.push(Line::from(vec![
            Span::styled(if sel { "›" } else { " " }, t.focus()),
            Span::styled(
                r.registry.clone(),
                if sel { t.selected() } else { t.title() },
            ),
            Span::styled(format!("  {images}"), t.dim()),
        ]));
        let probes: Vec<(ProbeKind, String)> = if r.mirrors.is_empty() {
            registry_server(&r.registry)
                .filter(|_| !r.images.is_empty())
                .map(|s| (ProbeKind::Registry, s))
                .into_iter()
                .collect()
        } else {
            r.mirrors
                .iter()
                .map(|u| (ProbeKind::Mirror, u.clone()))
                .collect()
        };
        if r.mirrors.is_empty() {
            lines.push(Line::styled("   direct (no mirror)".to_string(), t.dim()));
        }
        for (kind, url) in &probes {
            let found = reach(m, &r.registry, *kind, url);
            let failed: Vec<String> = found
                .iter()
                .filter_map(|(n, r)| match r {
                    Reach::Fails(why) => Some(format!("{n}: {why}")),
                    _ => None,
                })
                .collect();
            let answered = found.iter().filter(|(_, r)| *r == Reach::Answers).count();
            let untested = found.iter().filter(|(_, r)| *r == Reach::Untested).count();
            let (mark, said, style) = if !failed.is_empty() {
                (
                    "✗",
                    format!("no answer from {}", failed.join(", ")),
                    t.err(),
                )
            } else if found.is_empty() || untested == found.len() {
                ("·", "not tested (t)".to_string(), t.dim())
            } else if untested > 0 {
                (
                    "✓",
                    format!("answers from {answered}, {untested} not tested (t)"),
                    t.ok(),
                )
            } else {
                ("✓", format!("answers from all {answered} node(s)"), t.ok())
            };
            let what = if *kind == ProbeKind::Mirror {
                without_credentials(url)
            } else {
                format!("the registry at {url}")
            };
            push_wrapped(&mut lines, &format!("{mark} {what} · {said}"), "   ", style);
        }
        if sel && !r.images.is_empty() {
            push_wrapped(&mut lines, &r.images.join(", "), "   ", t.dim());
        }
    }
    (lines, selected_at)
}

/// Where each manifest the cluster applies comes from: built into kubewiz, a local file, or
/// downloaded on this workstation (checked against the catalog's sha256).
pub fn manifests(m: &Model) -> Vec<String> {
    let cfg = m.to_config();
    let cat = Catalog::builtin();
    let c = &cfg.cluster;
    let cni = cat
        .minor_for(&c.kubernetes_version)
        .ok()
        .and_then(|minor| cat.cni_manifest(c.cni, cfg.cni_version(minor)));
    let say = |local: Option<&std::path::PathBuf>, src: Option<ManifestSource<'_>>, what: &str| {
        match (local, src) {
            (Some(p), _) => format!("{what}: the local file {}", p.display()),
            (None, Some(s)) if s.builtin.is_some() => format!("{}: built into kubewiz", s.name),
            (None, Some(s)) => format!(
                "{}: downloaded from {} (sha256 checked); behind the Great Firewall give a local copy",
                s.name, s.url
            ),
            (None, None) => format!("{what}: not in the catalog"),
        }
    };
    let mut out = vec![say(c.cni_manifest.as_ref(), cni, c.cni.as_str())];
    if c.dashboard {
        out.push(say(
            c.dashboard_manifest.as_ref(),
            Some(cat.dashboard_manifest()),
            "dashboard",
        ));
    }
    out
}

fn draw_edit(f: &mut Frame, area: Rect, m: &Model, e: &MirrorEdit) {
    let t = m.theme;
    let block = Block::bordered().title(Span::styled(
        if e.new {
            " Add a registry "
        } else {
            " Mirrors, tried in order, then the registry itself "
        },
        t.focus(),
    ));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let errors = edit_errors(m);
    let rows = [
        FormRow {
            label: "Registry",
            value: if e.new {
                RowValue::Text {
                    input: &e.registry,
                    placeholder: "e.g. docker.io, quay.io",
                }
            } else {
                RowValue::Plain(e.registry.value().to_string())
            },
            focused: e.new && e.focus == M_REGISTRY,
            error: errors[M_REGISTRY].clone(),
        },
        FormRow {
            label: "Mirrors",
            value: RowValue::Text {
                input: &e.mirrors,
                placeholder: "https://… (several: spaces); empty = none",
            },
            focused: e.focus == M_MIRRORS,
            error: errors[M_MIRRORS].clone(),
        },
    ];
    draw_form(f, inner, &rows, t);
}
