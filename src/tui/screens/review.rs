//! Review: everything on one screen, the per-node plan, the exact script of a step; save and
//! install from here.

use super::truncate;
use crate::tui::catalog::default_image_repository;
use crate::tui::model::*;
use crate::tui::view::popup;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

pub fn draw(f: &mut Frame, area: Rect, m: &Model) {
    let t = m.theme;
    if let Some(s) = &m.review.script {
        draw_script(f, area, m, s);
        return;
    }
    let cfg = m.to_config();
    let c = &cfg.cluster;
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(60), Constraint::Min(0)]).areas(area);
    let w = left.width.saturating_sub(17) as usize;
    let kv = |k: &str, v: String| {
        Line::from(vec![
            Span::styled(format!("{k:<15}"), t.dim()),
            Span::raw(truncate(&v, w)),
        ])
    };
    // Said whole (the box wraps and scrolls): where images and manifests come from.
    let kv_whole = |k: &str, v: String| -> Vec<Line<'static>> {
        super::wrap(&v, w.max(10))
            .into_iter()
            .enumerate()
            .map(|(i, part)| {
                let k = if i == 0 { k } else { "" };
                Line::from(vec![
                    Span::styled(format!("{k:<15}"), t.dim()),
                    Span::raw(part),
                ])
            })
            .collect()
    };
    let mut lines = vec![
        kv("cluster", c.name.clone()),
        kv("kubernetes", c.kubernetes_version.clone()),
        kv("pod CIDR", c.pod_cidr.clone()),
        kv("service CIDR", c.service_cidr.clone()),
        kv(
            "cni",
            format!(
                "{} {}",
                c.cni.as_str(),
                m.cni_version()
                    .unwrap_or_else(|| "(catalog default)".into())
            ),
        ),
        kv("kube-proxy", c.proxy_mode.as_str().to_string()),
        kv("mirror", c.mirror.as_str().to_string()),
        kv(
            "images",
            truncate(
                c.image_repository
                    .as_deref()
                    .unwrap_or(default_image_repository(c.mirror)),
                w,
            ),
        ),
        kv(
            "dashboard",
            if c.dashboard {
                "on, NodePort 30001"
            } else {
                "off"
            }
            .to_string(),
        ),
        kv(
            "ssh",
            format!(
                "{}, port {}, host keys {}",
                cfg.ssh.user,
                cfg.ssh.port,
                match cfg.ssh.host_key_policy {
                    crate::config::HostKeyPolicy::Strict => "strict",
                    crate::config::HostKeyPolicy::AcceptNew => "accept-new",
                }
            ),
        ),
    ];
    lines.push(Line::raw(""));
    for (i, n) in cfg.nodes.iter().enumerate() {
        let sel = i == m.review.node;
        let probe = m.nodes.get(i).map(|e| &e.probe);
        let mark = match probe {
            Some(ProbeState::Ok) => Span::styled("✓", t.ok()),
            Some(ProbeState::Untested) | None => Span::styled("·", t.dim()),
            _ => Span::styled("!", t.warn()),
        };
        lines.push(Line::from(vec![
            Span::styled(if sel { "›" } else { " " }, t.focus()),
            mark,
            Span::styled(
                format!(" {:<13}", truncate(&n.name, 13)),
                if sel { t.selected() } else { t.title() },
            ),
            Span::raw(format!(" {:<15} {}", n.address, n.role.as_str())),
        ]));
    }
    let untested = m.nodes.iter().filter(|n| n.probe != ProbeState::Ok).count();
    if untested > 0 {
        lines.push(Line::raw(""));
        let what = match cfg.ssh.host_key_policy {
            crate::config::HostKeyPolicy::AcceptNew => {
                "unknown host keys are accepted on first use"
            }
            crate::config::HostKeyPolicy::Strict => "unknown host keys are refused",
        };
        for part in super::wrap(
            &format!("! {untested} node(s) not tested (Nodes → t): {what}"),
            w + 15,
        ) {
            lines.push(Line::styled(part, t.warn()));
        }
    }
    let problems: Vec<String> = crate::tui::validate::problems(m)
        .iter()
        .map(|p| p.to_string())
        .collect();
    if !problems.is_empty() {
        lines.push(Line::raw(""));
        for p in &problems {
            for (i, part) in super::wrap(&format!("✗ {p}"), w + 15)
                .into_iter()
                .enumerate()
            {
                let part = if i == 0 { part } else { format!("  {part}") };
                lines.push(Line::styled(part, t.err()));
            }
        }
    }
    // Where the images and manifests come from (the Versions screen's registry panel).
    let mut sources: Vec<Line> = vec![Line::raw("")];
    for (i, text) in super::mirrors::manifests(m).into_iter().enumerate() {
        sources.extend(kv_whole(if i == 0 { "manifests" } else { "" }, text));
    }
    let used = crate::tui::update::mirrors::rows(m);
    let (used, others): (Vec<_>, Vec<_>) = used.into_iter().partition(|r| !r.images.is_empty());
    for (i, r) in used.iter().enumerate() {
        let via = if r.mirrors.is_empty() {
            "direct".to_string()
        } else {
            let shown: Vec<String> = r
                .mirrors
                .iter()
                .map(|u| crate::config::rules::without_credentials(u))
                .collect();
            format!("→ {}", shown.join(", "))
        };
        sources.extend(kv_whole(
            if i == 0 { "registries" } else { "" },
            format!("{} {via}", r.registry),
        ));
    }
    let mirrored = others.iter().filter(|r| !r.mirrors.is_empty()).count();
    if mirrored > 0 {
        sources.extend(kv_whole(
            "",
            format!("+ {mirrored} more registries with mirrors (Versions)"),
        ));
    }
    lines.extend(sources);
    let mut title = format!(" {} ", m.config_path.display());
    title.push_str(match m.save_state() {
        SaveState::Saved => "· saved ",
        SaveState::Changed => "· changed, not saved (s saves) ",
        SaveState::New => "· not saved yet ",
    });
    super::scrolled_box(
        f,
        left,
        Line::from(Span::styled(title, t.title())),
        lines,
        m.review.scroll,
        "PgDn/PgUp",
        t,
    );

    let mut steps_lines = Vec::new();
    let title_room = right.width.saturating_sub(19) as usize;
    let mut cut_title = None;
    if let Some(n) = cfg.nodes.get(m.review.node) {
        for (i, s) in plan_steps(&cfg, n).iter().enumerate() {
            if i == m.review.step && s.title().chars().count() > title_room {
                cut_title = Some(format!("{}: {}", s.name(), s.title()));
            }
            let sel = i == m.review.step;
            steps_lines.push(Line::from(vec![
                Span::styled(if sel { "›" } else { " " }, t.focus()),
                Span::styled(
                    format!("{:>2} {:<11}", i + 1, s.name()),
                    if sel { t.selected() } else { t.title() },
                ),
                Span::styled(
                    format!(
                        " {}",
                        truncate(s.title(), right.width.saturating_sub(19) as usize)
                    ),
                    t.dim(),
                ),
            ]));
        }
    }
    let title = match cfg.nodes.get(m.review.node) {
        Some(n) => format!(" Plan for {} ", n.name),
        None => " Plan ".to_string(),
    };
    // A title cut to fit is shown whole for the selected step, under the list.
    if let Some(full) = cut_title {
        steps_lines.push(Line::raw(""));
        for part in super::wrap(&full, right.width.saturating_sub(2) as usize) {
            steps_lines.push(Line::styled(part, t.dim()));
        }
    }
    f.render_widget(
        Paragraph::new(steps_lines).block(Block::bordered().title(Span::styled(title, t.title()))),
        right,
    );

    if m.review.confirm_install {
        popup(
            f,
            area,
            "Install",
            vec![
                Line::raw(format!(
                    "Save {} and install on {} node(s) now?",
                    m.config_path.display(),
                    cfg.nodes.len()
                )),
                Line::styled(
                    "Progress is journaled: you can quit and resume at any time.",
                    t.dim(),
                ),
                Line::raw(""),
                Line::raw("y / Enter install   n / Esc not yet"),
            ],
            m,
        );
    }
}

fn draw_script(f: &mut Frame, area: Rect, m: &Model, s: &ScriptView) {
    let t = m.theme;
    let title = format!(
        " {} · {} — exact script ({} lines) ",
        s.node,
        s.step.name(),
        s.text.as_ref().map(|t| t.lines().count()).unwrap_or(0)
    );
    let (text, style) = match &s.text {
        Ok(text) => (text.as_str(), ratatui::style::Style::default()),
        Err(e) => (e.as_str(), t.err()),
    };
    // Long lines wrap (nothing is cut off); scrolling counts wrapped rows.
    let width = area.width.saturating_sub(2) as usize;
    let rows: Vec<String> = text
        .lines()
        .flat_map(|l| super::hard_wrap(&l.replace('\t', "    "), width))
        .collect();
    let total = rows.len();
    let height = area.height.saturating_sub(2) as usize;
    let scroll = s.scroll.min(total.saturating_sub(height));
    let lines: Vec<Line> = rows
        .into_iter()
        .skip(scroll)
        .take(height)
        .map(|l| Line::styled(l, style))
        .collect();
    f.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(Span::styled(title, t.title()))),
        area,
    );
}
