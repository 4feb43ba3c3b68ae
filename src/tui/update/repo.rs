//! The Versions screen against the package repository: which patches of the chosen minor the
//! repository carries, as a probed node reads its index (`plan::repo_versions_script`, the same
//! as `kubewiz check --connect`), and the newest of them every probed node can run
//! (`engine::compat::newest_runnable`). A version the repository does not carry would fail the
//! packages step: it is refused on the screen, and never left as the default.

use crate::catalog::Catalog;
use crate::tui::model::*;
use crate::tui::msg::Effect;
use crate::tui::validate::{Finding, Level};

/// `KW_PACKAGE_PROBES` of the settings on screen (the facts step's: the chosen minor's
/// Kubernetes repository on the chosen mirror, Docker's): what a connection test probes from
/// each node. Empty while the version is not one the catalog knows.
pub fn package_probes_env(m: &Model) -> String {
    let cfg = m.to_config();
    let cat = Catalog::builtin();
    cat.minor_for(&cfg.cluster.kubernetes_version)
        .map(|minor| crate::plan::steps::package_probes(cat.mirror(cfg.cluster.mirror), minor))
        .unwrap_or_default()
}

/// "<repository> <url>" of each probe of the settings on screen for a node with `facts` (its
/// family's lines, "{distro}" its os-release ID), as its facts report a failed one.
pub fn package_probe_urls(m: &Model, facts: &crate::facts::Facts) -> Vec<String> {
    package_probes_env(m)
        .lines()
        .filter_map(|l| {
            let mut w = l.split(' ');
            let (repo, family, url) = (w.next()?, w.next()?, w.next()?);
            (family == facts.os_family)
                .then(|| format!("{repo} {}", url.replace("{distro}", &facts.os_id)))
        })
        .collect()
}

fn minor_key(m: &Model) -> String {
    let (a, b) = m.version().minor();
    format!("{a}.{b}")
}

/// The list for the chosen mirror and minor, if asked.
pub fn current(m: &Model) -> Option<&RepoList> {
    let minor = minor_key(m);
    m.versions
        .repos
        .iter()
        .find(|r| r.mirror == m.versions.mirror && r.minor == minor)
}

/// Asks the first probed node for the chosen minor's patches, once per (mirror, minor), one
/// question at a time: while one is out, the answer asks for whatever is chosen then (scrolling
/// through the list does not open a connection per minor passed).
pub fn ask(m: &mut Model) -> Vec<Effect> {
    let Some(n) = m.nodes.iter().find(|n| n.facts.is_some()) else {
        return vec![];
    };
    if current(m).is_some() || asking(m).is_some() {
        return vec![];
    }
    let (node, minor, mirror) = (n.config.clone(), minor_key(m), m.versions.mirror);
    m.versions.repos.push(RepoList {
        mirror,
        minor: minor.clone(),
        node: node.name.clone(),
        versions: None,
    });
    vec![Effect::RepoVersions {
        node,
        ssh: m.ssh.clone(),
        mirror,
        minor,
    }]
}

/// On the way to the Versions screen: a repository that could not be read is asked again (the
/// answer itself never asks again for the same list, so a repository that stays unreachable is
/// not asked in a loop).
pub fn enter(m: &mut Model) -> Vec<Effect> {
    if let Some(Some(Err(_))) = current(m).map(|r| &r.versions) {
        let (mirror, minor) = (m.versions.mirror, minor_key(m));
        m.versions
            .repos
            .retain(|r| !(r.mirror == mirror && r.minor == minor));
    }
    ask(m)
}

/// The question out, if any.
fn asking(m: &Model) -> Option<&RepoList> {
    m.versions.repos.iter().find(|r| r.versions.is_none())
}

/// The node's answer. A default version the repository does not carry is replaced by the
/// newest one there every probed node can run (a chosen one is refused on the screen instead).
pub fn answered(
    m: &mut Model,
    mirror: crate::config::Mirror,
    minor: String,
    node: String,
    result: Result<Vec<String>, String>,
) -> Vec<Effect> {
    match m
        .versions
        .repos
        .iter_mut()
        .find(|r| r.mirror == mirror && r.minor == minor)
    {
        Some(r) => r.versions = Some(result),
        None => m.versions.repos.push(RepoList {
            mirror,
            minor,
            node,
            versions: Some(result),
        }),
    }
    if !m.versions.chosen
        && m.screen == Screen::Versions
        && let Some(v) = pick(m)
    {
        let was = m.version().version.clone();
        take(m, v);
        super::info(
            m,
            format!(
                "{was} is not in the package repository: {} chosen, the newest there every probed node can run",
                m.version().version
            ),
        );
    }
    // The list may have moved on while the node answered.
    if m.screen == Screen::Versions {
        return ask(m);
    }
    vec![]
}

/// When the chosen version is not in the repository's list: the newest patch of the list
/// every probed node can run.
pub fn pick(m: &Model) -> Option<String> {
    let Some(Ok(list)) = current(m).and_then(|r| r.versions.as_ref()) else {
        return None;
    };
    if list.contains(&m.version().version) {
        return None;
    }
    let facts: Vec<(&str, &crate::facts::Facts)> = m
        .nodes
        .iter()
        .filter_map(|n| Some((n.config.name.as_str(), n.facts.as_ref()?)))
        .collect();
    let p =
        crate::engine::compat::newest_runnable(Catalog::builtin(), &m.to_config(), &facts, list);
    p.version.map(|v| v.to_string())
}

/// Chooses patch `v` of the chosen minor: its entry in the list when there is one (1.25.3 next
/// to the newest 1.25), else the chosen entry takes it (the CNI choice stays: same minor).
pub fn take(m: &mut Model, v: String) {
    match m.catalog.iter().position(|c| c.version == v) {
        Some(i) => m.versions.version = i,
        None => {
            let i = m.versions.version.min(m.catalog.len() - 1);
            m.catalog[i].version = v;
        }
    }
    m.versions.checks_scroll = 0;
}

/// What the Versions checks say about the repository.
pub fn findings(m: &Model) -> Vec<Finding> {
    let Some(r) = current(m) else {
        // Asked once the question out is answered.
        return match asking(m) {
            Some(r) => vec![Finding {
                level: Level::Info,
                text: format!(
                    "asking {} which {} patches the package repository carries…",
                    r.node,
                    minor_key(m)
                ),
            }],
            None => vec![],
        };
    };
    let v = &m.version().version;
    let text = match &r.versions {
        None => {
            return vec![Finding {
                level: Level::Info,
                text: format!(
                    "asking {} which {} patches the package repository carries…",
                    r.node, r.minor
                ),
            }];
        }
        Some(Err(e)) => {
            return vec![Finding {
                level: Level::Warning,
                text: format!("{}: could not list the repository's versions: {e}", r.node),
            }];
        }
        Some(Ok(list)) if list.contains(v) => {
            return vec![Finding {
                level: Level::Info,
                text: format!(
                    "{v} is in the package repository (as {} reads its index: {})",
                    r.node,
                    span(list)
                ),
            }];
        }
        Some(Ok(list)) if list.is_empty() => format!(
            "the package repository carries no {} patch (as {} reads its index): the packages step would fail",
            r.minor, r.node
        ),
        Some(Ok(list)) => format!(
            "{v} is not in the package repository (as {} reads its index: {}): \
             the packages step would fail; choose one it carries{}",
            r.node,
            span(list),
            match pick(m) {
                Some(p) => format!(" ({p}, the newest every probed node can run: n chooses it)"),
                None => String::new(),
            }
        ),
    };
    vec![Finding {
        level: Level::Error,
        text,
    }]
}

/// "3 patches, 1.25.0 to 1.25.2" (the list is oldest first, as the script sorts it).
fn span(list: &[String]) -> String {
    match list {
        [one] => format!("1 patch, {one}"),
        _ => format!(
            "{} patches, {} to {}",
            list.len(),
            list.first().map(String::as_str).unwrap_or_default(),
            list.last().map(String::as_str).unwrap_or_default()
        ),
    }
}
