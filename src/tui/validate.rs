//! Live validation for the screens. There is one list of problems, `kubewiz check`'s own
//! ([`crate::engine::checks::problems`]: the config's rules, the local files, identity files,
//! what an initialised cluster can no longer change); each screen shows a problem under the
//! field it concerns (the field being edited when it concerns that one too, e.g. an overlap
//! of the pod and service networks), and refuses to go on while its fields have problems.
//! So a screen accepts exactly what `check` accepts (tests/tui_check_parity.rs). Besides:
//! findings from the probed node facts (the engine's preflight rules), and notes about what
//! is done for you.

use super::model::Model;
use crate::catalog::Catalog;
use crate::config::{ClusterConfig, Cni, Problem, ProxyMode, Role};
use crate::engine::compat::{self, Severity};
use crate::facts::Facts;

/// `kubewiz check`'s problems with the config the wizard describes now (cached per config).
pub fn problems(m: &Model) -> Vec<Problem> {
    let cfg = m.to_config();
    if let Some((c, p)) = &*m.checked.borrow()
        && *c == cfg
    {
        return p.clone();
    }
    let p = problems_of(m, &cfg);
    *m.checked.borrow_mut() = Some((cfg, p.clone()));
    p
}

/// `kubewiz check`'s problems with `cfg` (e.g. with a node being edited in it).
pub fn problems_of(m: &Model, cfg: &ClusterConfig) -> Vec<Problem> {
    let mut problems = crate::engine::checks::problems(cfg, &m.config_path, m.initialised.as_ref());
    let names: Vec<&str> = cfg.nodes.iter().map(|n| n.name.as_str()).collect();
    for p in &mut problems {
        p.message = name_nodes(&p.message, &names);
    }
    problems
}

/// "the same name as node[1]" → "the same name as node[1] (k8s-node01)": the form has no
/// indexes. A reference already followed by a field or a name is left alone.
fn name_nodes(text: &str, names: &[&str]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("node[") {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let Some(close) = tail.find(']') else {
            out.push_str(tail);
            return out;
        };
        out.push_str(&tail[..=close]);
        let after = &tail[close + 1..];
        if let Ok(i) = tail[5..close].parse::<usize>()
            && let Some(name) = names.get(i)
            && !after.starts_with('.')
            && !after.starts_with(" (")
        {
            out.push_str(&format!(" ({name})"));
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// The cluster-wide network fields (the Network screen's): problems that name them are shown
/// there.
pub const NETWORK_FIELDS: [&str; 2] = ["cluster.pod_cidr", "cluster.service_cidr"];

/// Whether `p` concerns `field`: it is about it, or names it (an overlap names both networks).
/// A row may be a table (`registry_mirrors`): its keys' problems are its.
pub fn concerns(p: &Problem, field: &str) -> bool {
    p.field.as_deref().is_some_and(|f| {
        f == field
            || f.strip_prefix(field)
                .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
    }) || p.message.contains(field)
        || p.fix.as_deref().is_some_and(|f| f.contains(field))
}

/// Which of a form's `rows` (field paths) each problem goes under: the focused row when the
/// problem concerns it, else its own field's row, else the first row it concerns. Problems
/// that concern no row are not this form's. Several under one row are joined; those with the
/// same fix (three node addresses inside the service network) are said once, naming the
/// other fields.
pub fn place(problems: &[Problem], rows: &[&str], focused: Option<&str>) -> Vec<Option<String>> {
    // Per row: (first problem, other fields with the same fix).
    let mut under: Vec<Vec<(&Problem, Vec<&str>)>> = vec![Vec::new(); rows.len()];
    for p in problems {
        let related: Vec<usize> = (0..rows.len()).filter(|&i| concerns(p, rows[i])).collect();
        let Some(&first) = related.first() else {
            continue;
        };
        let own = rows.iter().position(|r| p.field.as_deref() == Some(*r));
        let at = focused
            .and_then(|f| related.iter().copied().find(|&i| rows[i] == f))
            .or(own)
            .unwrap_or(first);
        match under[at]
            .iter_mut()
            .find(|(q, _)| q.fix == p.fix && q.field != p.field && p.fix.is_some())
        {
            Some((_, also)) => also.push(p.field.as_deref().unwrap_or("")),
            None => under[at].push((p, Vec::new())),
        }
    }
    under
        .into_iter()
        .zip(rows)
        .map(|(list, row)| {
            let said: Vec<String> = list
                .iter()
                .map(|(p, also)| {
                    let mut q = (*p).clone();
                    if !also.is_empty() {
                        q.message = format!("{} (also {})", q.message, also.join(", "));
                    }
                    say(&q, row)
                })
                .collect();
            (!said.is_empty()).then(|| said.join(" · "))
        })
        .collect()
}

/// A problem as said under the row of `field`: what is wrong and the fix; the problem's own
/// field first when it is another one.
pub fn say(p: &Problem, field: &str) -> String {
    let mut s = match p.field.as_deref() {
        Some(own) if own != field => format!("{own}: "),
        _ => String::new(),
    };
    s.push_str(&p.message);
    if let Some(fix) = &p.fix {
        s.push_str("; ");
        s.push_str(fix);
    }
    s
}

/// What is done for you with a valid pod network (shown under the network form).
pub fn network_notes(pod: &str, cni: Cni) -> Vec<String> {
    let Ok(p) = pod.trim().parse::<ipnet::IpNet>() else {
        return Vec::new();
    };
    vec![match cni {
        Cni::Flannel => format!(
            "flannel's net-conf.json Network (manifest default 10.244.0.0/16) will be set to {p}"
        ),
        Cni::Calico => format!("kubeadm podSubnet and the Calico IP pool both use {p}"),
    }]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Info,
    Warning,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub level: Level,
    pub text: String,
}

fn finding(level: Level, text: String) -> Finding {
    Finding { level, text }
}

/// Problems of the chosen versions, from the catalog and the facts probed on the Nodes
/// screen (`engine::compat::node_compat` + `node_resources`, the same rules as the engine's
/// preflight). The same message on several nodes is shown once, naming them all.
pub fn version_findings(
    cfg: &ClusterConfig,
    nodes: &[(String, Role, Option<Facts>)],
) -> Vec<Finding> {
    let cat = Catalog::builtin();
    let c = &cfg.cluster;
    let minor = match cat.minor_for(&c.kubernetes_version) {
        Ok(m) => m,
        Err(e) => return vec![finding(Level::Error, e.to_string())],
    };
    let mut out = Vec::new();
    if c.proxy_mode == ProxyMode::Ipvs && minor.ipvs_deprecated {
        out.push(finding(
            Level::Warning,
            format!(
                "kube-proxy IPVS mode is deprecated from 1.35 ({} chosen); iptables is the safe default",
                c.kubernetes_version
            ),
        ));
    }
    let cni_version = cfg.cni_version(minor).to_string();
    if let Some(rel) = cat.cni_release(c.cni, &cni_version)
        && !rel.tested_with(minor)
    {
        out.push(finding(
            Level::Warning,
            format!(
                "{} {cni_version} is not in upstream's tested range for {} (tested {}..{})",
                c.cni.as_str(),
                minor.version,
                rel.tested_from,
                rel.tested_to
            ),
        ));
    }
    // message -> (level, nodes)
    let mut grouped: Vec<(Level, String, Vec<String>)> = Vec::new();
    for (name, role, facts) in nodes {
        let Some(f) = facts else { continue };
        let mut found = compat::node_compat(cat, minor, cfg, f);
        found.extend(compat::installed_kubeadm(
            &cfg.cluster.kubernetes_version,
            f,
        ));
        found.extend(compat::node_resources(cat, *role, f));
        // The Kubernetes package repository, as preflight refuses it (Docker's is judged by
        // node_compat where containerd comes from it).
        for line in &f.package_repo_unreachable {
            if line.starts_with("kubernetes ") {
                found.push(compat::Finding {
                    severity: Severity::Refuse,
                    message: crate::engine::preflight::package_refusal(cat, line),
                });
            }
        }
        for fd in found {
            if fd.message.contains("IPVS") {
                continue; // said once above
            }
            let level = match fd.severity {
                Severity::Refuse => Level::Error,
                Severity::Warn => Level::Warning,
            };
            match grouped.iter_mut().find(|(_, m, _)| *m == fd.message) {
                Some(g) => g.2.push(name.clone()),
                None => grouped.push((level, fd.message, vec![name.clone()])),
            }
        }
        if f.swap_mb > 0 {
            let msg = "swap will be turned off now and at boot".to_string();
            match grouped.iter_mut().find(|(_, m, _)| *m == msg) {
                Some(g) => g.2.push(name.clone()),
                None => grouped.push((Level::Info, msg, vec![name.clone()])),
            }
        }
    }
    grouped.sort_by_key(|g| std::cmp::Reverse(g.0));
    for (level, msg, names) in grouped {
        let who = if names.len() > 3 {
            format!("{}, {} and {} more", names[0], names[1], names.len() - 2)
        } else {
            names.join(", ")
        };
        out.push(finding(level, format!("{who}: {msg}")));
    }
    // What refuses first, then warnings, then notes.
    out.sort_by_key(|f| std::cmp::Reverse(f.level));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(field: &str, message: &str) -> Problem {
        Problem::field(field, "x", message, "fix it")
    }

    #[test]
    fn node_references_get_their_names() {
        let names = ["k8s-master", "k8s-node01"];
        assert_eq!(
            name_nodes("the same name as node[1]", &names),
            "the same name as node[1] (k8s-node01)"
        );
        assert_eq!(
            name_nodes("the same address as node[0] (k8s-master)", &names),
            "the same address as node[0] (k8s-master)"
        );
        assert_eq!(
            name_nodes("node[0].address and node[7]", &names),
            "node[0].address and node[7]"
        );
    }

    #[test]
    fn a_problem_goes_under_the_field_being_edited_when_it_concerns_it() {
        let rows = ["cluster.name", "cluster.pod_cidr", "cluster.service_cidr"];
        let overlap = problem(
            "cluster.service_cidr",
            "overlaps cluster.pod_cidr = \"10.96.0.0/16\"",
        );
        let at = |focused| place(std::slice::from_ref(&overlap), &rows, focused);
        assert!(
            at(Some("cluster.pod_cidr"))[1]
                .as_deref()
                .unwrap()
                .starts_with("cluster.service_cidr: overlaps")
        );
        assert_eq!(
            at(Some("cluster.service_cidr"))[2].as_deref(),
            Some("overlaps cluster.pod_cidr = \"10.96.0.0/16\"; fix it")
        );
        // Focus elsewhere: under its own field.
        assert!(at(Some("cluster.name"))[2].is_some());
        // A node address inside the pod network concerns the pod row of this form; the same
        // fix for three nodes is said once.
        let nodes: Vec<Problem> = (0..3)
            .map(|i| {
                problem(
                    &format!("node[{i}].address"),
                    "lies inside cluster.pod_cidr = \"10.244.0.0/16\"",
                )
            })
            .collect();
        let out = place(&nodes, &rows, None);
        let said = out[1].as_deref().unwrap();
        assert!(said.starts_with("node[0].address: "), "{said}");
        assert!(
            said.contains("(also node[1].address, node[2].address)"),
            "{said}"
        );
        // Not this form's.
        assert_eq!(
            place(&[problem("ssh.user", "bad")], &rows, None),
            vec![None, None, None]
        );
    }
}
