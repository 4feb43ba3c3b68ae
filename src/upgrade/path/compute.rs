//! The walk from the version the first control plane runs to the target: nodes left behind first (a
//! catch-up hop), then one hop per minor (the catalog's newest patch, the target's own patch last), each
//! node's fit for each hop checked as the install's preflight checks it.

use super::changes::changes;
use super::skew::check_skew;
use super::{Hop, NodeSurvey, Path, Refusal, Survey};
use crate::catalog::{Catalog, KubeVersion};
use crate::config::ClusterConfig;
use crate::engine::compat::{Severity, node_compat};

/// The path from what `survey` found to `target`.
pub fn compute(
    catalog: &Catalog,
    config: &ClusterConfig,
    survey: &Survey,
    target: &str,
) -> Result<Path, Refusal> {
    catalog
        .minor_for(target)
        .map_err(|source| Refusal::Target {
            target: target.to_string(),
            source,
        })?;
    let to = KubeVersion::parse(target).map_err(|source| Refusal::Target {
        target: target.to_string(),
        source,
    })?;
    let cur = survey.apiserver;
    let cur_minor =
        catalog
            .minor_for(&cur.to_string())
            .map_err(|source| Refusal::UnknownRunning {
                running: cur,
                source,
            })?;
    if to < cur || to.major != cur.major {
        return Err(Refusal::Older {
            running: cur,
            target: to,
        });
    }
    check_skew(survey)?;

    let mut warnings = Vec::new();
    if let Some(known) = catalog.newer_than_known(target) {
        warnings.push(format!(
            "{target} is newer than the newest patch kubewiz's catalog knows ({known}): fine if the \
             package repository carries it"
        ));
    }
    // Nodes behind the control plane: the first hop brings them to its version.
    let behind: Vec<&NodeSurvey> = survey
        .nodes
        .iter()
        .filter(|n| n.kubelet.is_some_and(|k| k < cur) || n.apiserver.is_some_and(|a| a < cur))
        .collect();
    for n in &behind {
        if let Some(k) = n.kubelet
            && k.minor + 1 < cur.minor
        {
            warnings.push(format!(
                "{}: its kubelet {k} is {} minors behind the control plane ({cur}); it moves to {cur} in one \
                 step (within the version skew policy)",
                n.name,
                cur.minor - k.minor
            ));
        }
    }

    let mut hops = Vec::new();
    let mut prev = cur;
    let mut prev_minor = cur_minor;
    if !behind.is_empty() || (to.minor == cur.minor && to > cur) {
        let hop_to = if to.minor == cur.minor { to } else { cur };
        let mut changes = Vec::new();
        if !behind.is_empty() {
            changes.push(format!(
                "{} to {hop_to} first",
                names(behind.iter().map(|n| n.name.as_str()))
            ));
        }
        if hop_to > cur {
            changes.push(format!("patch release {cur} → {hop_to}"));
        }
        hops.push(Hop {
            from: cur,
            to: hop_to,
            catch_up: hop_to == cur,
            changes,
        });
        prev = hop_to;
    }
    for minor in catalog
        .minors()
        .iter()
        .filter(|m| m.number().1 > cur.minor && m.number().1 <= to.minor)
    {
        let (major, m) = minor.number();
        let hop_to = if m == to.minor {
            to
        } else {
            KubeVersion {
                major,
                minor: m,
                patch: minor.latest_patch,
            }
        };
        hops.push(Hop {
            from: prev,
            to: hop_to,
            catch_up: false,
            changes: changes(catalog, config, prev_minor, minor),
        });
        for n in &survey.nodes {
            let mut cfg = config.clone();
            cfg.cluster.kubernetes_version = hop_to.to_string();
            for finding in node_compat(catalog, minor, &cfg, &n.facts) {
                match finding.severity {
                    Severity::Refuse => {
                        return Err(Refusal::Node {
                            node: n.name.clone(),
                            version: hop_to,
                            reason: finding.message,
                        });
                    }
                    Severity::Warn => {
                        let w = format!("{} at {}: {}", n.name, hop_to, finding.message);
                        if !warnings.contains(&w) {
                            warnings.push(w);
                        }
                    }
                }
            }
        }
        prev = hop_to;
        prev_minor = minor;
    }
    Ok(Path {
        from: cur,
        to,
        hops,
        warnings,
    })
}

fn names<'a>(it: impl Iterator<Item = &'a str>) -> String {
    it.collect::<Vec<_>>().join(", ")
}
