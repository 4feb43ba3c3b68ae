//! Text → [`ClusterConfig`]: size and syntax checks with line:column, unknown keys with a
//! "did you mean" suggestion, type errors with the field path. No cross-field rules here
//! (those are in `validate`).

use super::error::{ConfigError, Problem};
use super::model::ClusterConfig;
use std::borrow::Cow;
use std::ops::Range;
use std::path::Path;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// cluster.toml is small; anything bigger is a mistake (or an attack) and is refused unread.
pub const MAX_CONFIG_BYTES: usize = 1024 * 1024;

/// Syntax errors reported at most (the first ones are the useful ones).
const MAX_SYNTAX_ERRORS: usize = 10;

pub(crate) const TOP_KEYS: &[&str] = &["cluster", "ssh", "node", "timeouts", "registry_mirrors"];
pub(crate) const CLUSTER_KEYS: &[&str] = &[
    "name",
    "kubernetes_version",
    "pod_cidr",
    "service_cidr",
    "cni",
    "cni_version",
    "cni_manifest",
    "mirror",
    "image_repository",
    "proxy_mode",
    "dashboard",
    "dashboard_manifest",
    "timezone",
    "control_plane_endpoint",
];
pub(crate) const SSH_KEYS: &[&str] = &[
    "user",
    "port",
    "identity_file",
    "known_hosts",
    "host_key_policy",
    "connect_timeout",
];
pub(crate) const NODE_KEYS: &[&str] = &["name", "address", "role", "user", "port", "identity_file"];

/// Parses cluster.toml text. `origin` is only used in messages (the file name).
/// Checks: size, syntax (all errors, with line:column), unknown keys (all, with suggestions),
/// then types (first error, with the field path). Does not validate values.
pub fn parse(text: &str, origin: &Path) -> Result<ClusterConfig, ConfigError> {
    parse_problems(text).map_err(|p| ConfigError::new(origin, p))
}

pub(crate) fn parse_problems(text: &str) -> Result<ClusterConfig, Vec<Problem>> {
    if text.len() > MAX_CONFIG_BYTES {
        return Err(vec![too_large(text.len())]);
    }
    if text.trim().is_empty() {
        return Err(vec![Problem {
            field: Some("cluster".into()),
            value: None,
            message: "the file is empty: the [cluster] section is required".into(),
            fix: Some(
                "start from config.sample.toml ([cluster] with name and kubernetes_version, \
                 [ssh], and one [[node]] per machine)"
                    .into(),
            ),
            position: None,
        }]);
    }

    let (doc, mut errors) = DeTable::parse_recoverable(text);
    errors.sort_by_key(|e| e.span().map(|s| s.start).unwrap_or(usize::MAX));
    if !errors.is_empty() {
        let mut out: Vec<Problem> = errors
            .iter()
            .take(MAX_SYNTAX_ERRORS)
            .map(|e| {
                Problem::file(
                    format!("TOML syntax error: {}", e.message().trim()),
                    syntax_fix(e.message()),
                )
                .at(e.span().map(|s| line_col(text, s.start)))
            })
            .collect();
        if errors.len() > MAX_SYNTAX_ERRORS {
            out.push(Problem::file(
                format!(
                    "{} more syntax errors not shown",
                    errors.len() - MAX_SYNTAX_ERRORS
                ),
                "fix the ones above first",
            ));
        }
        return Err(out);
    }

    let unknown = unknown_keys(doc.get_ref(), text);
    if !unknown.is_empty() {
        return Err(unknown);
    }

    toml::from_str::<ClusterConfig>(text).map_err(|e| vec![type_problem(&e, doc.get_ref(), text)])
}

pub(crate) fn too_large(len: usize) -> Problem {
    Problem::file(
        format!(
            "the file is {len} bytes; a cluster.toml is at most {MAX_CONFIG_BYTES} bytes (1 MiB)"
        ),
        "check that -c points at the right file; a cluster config is a few dozen lines per node",
    )
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let col = text[line_start..offset].chars().count() + 1;
    (line, col)
}

fn syntax_fix(message: &str) -> String {
    let m = message.to_ascii_lowercase();
    if m.contains("duplicate key") || m.contains("duplicate") {
        "each key may appear once per table; remove or rename the repeated one".into()
    } else if m.contains("string") || m.contains("quote") {
        "put text values in double quotes, e.g. name = \"k8s-master\"".into()
    } else if m.contains("table") || m.contains('[') {
        "section headers look like [cluster], [ssh] and [[node]]".into()
    } else {
        "write `key = value` lines; text values in double quotes (see config.sample.toml)".into()
    }
}

/// The closest known key, if it is close enough to be a likely typo.
pub fn suggest<'a>(key: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let k = key.to_ascii_lowercase().replace('-', "_");
    let mut best: Option<(&str, usize)> = None;
    for &c in candidates {
        let d = strsim::damerau_levenshtein(&k, c);
        if best.is_none_or(|(_, bd)| d < bd) {
            best = Some((c, d));
        }
    }
    let (c, d) = best?;
    let close = d <= (c.len() / 3).max(2);
    let contains = k.len() >= 4 && (c.contains(k.as_str()) || k.contains(c));
    (close || contains).then_some(c)
}

fn unknown_keys(doc: &DeTable<'_>, text: &str) -> Vec<Problem> {
    let mut out = Vec::new();
    for (k, v) in doc.iter() {
        let key = k.get_ref().as_ref();
        let pos = Some(line_col(text, k.span().start));
        match key {
            "cluster" => {
                if let DeValue::Table(t) = v.get_ref() {
                    check_table(t, "cluster", CLUSTER_KEYS, text, &mut out);
                }
            }
            "ssh" => {
                if let DeValue::Table(t) = v.get_ref() {
                    check_table(t, "ssh", SSH_KEYS, text, &mut out);
                }
            }
            "timeouts" => {
                if let DeValue::Table(t) = v.get_ref() {
                    let steps: Vec<&str> =
                        crate::vocab::StepId::ALL.iter().map(|s| s.name()).collect();
                    check_table(t, "timeouts", &steps, text, &mut out);
                }
            }
            // Keys are registry names (any registry); validate checks them.
            "registry_mirrors" => {}
            "node" => {
                if let DeValue::Array(a) = v.get_ref() {
                    for (i, item) in a.iter().enumerate() {
                        if let DeValue::Table(t) = item.get_ref() {
                            check_table(t, &format!("node[{i}]"), NODE_KEYS, text, &mut out);
                        }
                    }
                }
            }
            _ => {
                let fix = if let Some(s) = suggest(key, TOP_KEYS) {
                    if s == "node" {
                        "did you mean `[[node]]`? (one [[node]] table per machine)".to_string()
                    } else {
                        format!("did you mean `[{s}]`?")
                    }
                } else if CLUSTER_KEYS.contains(&key) {
                    format!("`{key}` belongs in the [cluster] section")
                } else if SSH_KEYS.contains(&key) {
                    format!("`{key}` belongs in the [ssh] section")
                } else {
                    "the sections are [cluster], [ssh] and [[node]]".to_string()
                };
                out.push(
                    Problem {
                        field: Some(key.to_string()),
                        value: None,
                        message: "unknown key at the top level".into(),
                        fix: Some(fix),
                        position: None,
                    }
                    .at(pos),
                );
            }
        }
    }
    out
}

fn check_table(t: &DeTable<'_>, path: &str, known: &[&str], text: &str, out: &mut Vec<Problem>) {
    for (k, _) in t.iter() {
        let key = k.get_ref().as_ref();
        if known.contains(&key) {
            continue;
        }
        let fix = if TOP_KEYS.contains(&key) {
            let header = if key == "node" {
                "[[node]]"
            } else if key == "ssh" {
                "[ssh]"
            } else {
                "[cluster]"
            };
            format!(
                "`{key}` is a section of its own: start it with a {header} line (keys after a header belong to that section)"
            )
        } else if let Some(s) = suggest(key, known) {
            format!("did you mean `{s}`?")
        } else {
            let elsewhere = [
                ("[cluster]", CLUSTER_KEYS),
                ("[ssh]", SSH_KEYS),
                ("[[node]]", NODE_KEYS),
            ]
            .into_iter()
            .find(|(_, keys)| keys.contains(&key));
            match elsewhere {
                Some((section, _)) => format!("`{key}` belongs in {section}"),
                None => format!("known keys here: {}", known.join(", ")),
            }
        };
        out.push(
            Problem {
                field: Some(format!("{path}.{key}")),
                value: None,
                message: format!("unknown key `{key}`"),
                fix: Some(fix),
                position: None,
            }
            .at(Some(line_col(text, k.span().start))),
        );
    }
}

/// One path segment: a key or an array index.
enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

fn render_path(segs: &[Seg<'_>]) -> String {
    let mut s = String::new();
    for seg in segs {
        match seg {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Seg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

fn overlaps(span: &Range<usize>, at: &Range<usize>) -> bool {
    span.start <= at.start && at.start < span.end.max(span.start + 1)
}

/// The deepest key path whose key or value covers `at` (for type errors). Table values only
/// span their header, so children are searched first.
fn path_at<'a>(t: &'a DeTable<'a>, at: &Range<usize>, depth: usize) -> Option<Vec<Seg<'a>>> {
    if depth > 8 {
        return None;
    }
    for (k, v) in t.iter() {
        if let Some(mut inner) = value_path(v, at, depth + 1) {
            inner.insert(0, Seg::Key(k.get_ref().as_ref()));
            return Some(inner);
        }
        if overlaps(&k.span(), at) {
            return Some(vec![Seg::Key(k.get_ref().as_ref())]);
        }
    }
    None
}

fn value_path<'a>(
    v: &'a Spanned<DeValue<'a>>,
    at: &Range<usize>,
    depth: usize,
) -> Option<Vec<Seg<'a>>> {
    match v.get_ref() {
        DeValue::Table(t) => {
            if let Some(p) = path_at(t, at, depth) {
                return Some(p);
            }
        }
        DeValue::Array(a) => {
            for (i, item) in a.iter().enumerate() {
                if let Some(mut inner) = value_path(item, at, depth + 1) {
                    inner.insert(0, Seg::Index(i));
                    return Some(inner);
                }
            }
        }
        _ => {}
    }
    overlaps(&v.span(), at).then(Vec::new)
}

fn value_text<'a>(t: &'a DeTable<'a>, segs: &[Seg<'_>]) -> Option<Cow<'a, str>> {
    let mut cur: Option<&DeValue<'a>> = None;
    let mut table = Some(t);
    for seg in segs {
        cur = match (seg, cur) {
            (Seg::Key(k), _) => table?.get(*k).map(|v| v.get_ref()),
            (Seg::Index(i), Some(DeValue::Array(a))) => a.get(*i).map(|v| v.get_ref()),
            _ => None,
        };
        table = match cur {
            Some(DeValue::Table(t)) => Some(t),
            _ => None,
        };
    }
    match cur? {
        DeValue::String(s) => Some(Cow::Owned(format!("{s:?}"))),
        DeValue::Integer(i) => Some(Cow::Borrowed(i.as_str())),
        DeValue::Float(f) => Some(Cow::Borrowed(f.as_str())),
        DeValue::Boolean(b) => Some(Cow::Owned(b.to_string())),
        DeValue::Datetime(d) => Some(Cow::Owned(d.to_string())),
        DeValue::Array(_) => Some(Cow::Borrowed("an array")),
        DeValue::Table(_) => Some(Cow::Borrowed("a table")),
    }
}

/// Turns serde's first error into a problem with the field path, the position and a fix.
fn type_problem(e: &toml::de::Error, doc: &DeTable<'_>, text: &str) -> Problem {
    let msg = e
        .message()
        .trim()
        .replace(
            "expected struct ClusterSection",
            "expected a [cluster] table",
        )
        .replace("expected struct SshSection", "expected a [ssh] table")
        .replace("expected struct NodeConfig", "expected a [[node]] table")
        .replace("expected struct ClusterConfig", "expected a table");
    let segs = e
        .span()
        .and_then(|span| path_at(doc, &span, 0))
        .unwrap_or_default();
    let position = e.span().map(|s| line_col(text, s.start));
    let mut path = render_path(&segs);

    // missing field `x`
    if let Some(name) = between(&msg, "missing field `", "`") {
        let full = if path.is_empty() {
            name.to_string()
        } else {
            format!("{path}.{name}")
        };
        let example = match name {
            "cluster" => {
                "add a [cluster] section with name and kubernetes_version (see config.sample.toml)"
                    .to_string()
            }
            "name" if path.starts_with("node") => {
                "add name = \"k8s-node01\" (the node's hostname)".into()
            }
            "name" => "add name = \"demo\"".into(),
            "kubernetes_version" => {
                "add kubernetes_version = \"1.35.6\" (an exact version the catalog knows)".into()
            }
            "address" => "add address = \"192.168.147.131\" (the IP kubewiz connects to)".into(),
            "role" => "add role = \"control-plane\" or role = \"worker\"".into(),
            other => format!("add `{other} = ...`"),
        };
        return Problem {
            field: Some(full),
            value: None,
            message: "required but missing".into(),
            fix: Some(example),
            position,
        };
    }

    // A value of the right shape but not one of the choices.
    if let Some(bad) = between(&msg, "unknown variant `", "`") {
        let choices: Vec<&str> = msg
            .split_once("expected")
            .map(|(_, rest)| rest.split('`').skip(1).step_by(2).collect())
            .unwrap_or_default();
        let fix = match suggest(bad, &choices) {
            Some(s) => format!("did you mean \"{s}\"? (choices: {})", quote_all(&choices)),
            None => format!("use one of {}", quote_all(&choices)),
        };
        return Problem {
            field: (!path.is_empty()).then_some(path),
            value: Some(bad.to_string()),
            message: "not one of the allowed values".into(),
            fix: Some(fix),
            position,
        };
    }

    if path == "node" && msg.contains("expected a sequence")
        || msg.contains("expected a sequence") && path.is_empty()
    {
        path = "node".into();
        return Problem {
            field: Some(path),
            value: None,
            message: "nodes must be a list of tables".into(),
            fix: Some("write each machine as its own [[node]] table (double brackets)".into()),
            position,
        };
    }

    let got = (!segs.is_empty())
        .then(|| value_text(doc, &segs))
        .flatten()
        .map(|v| v.into_owned());
    let expected = msg
        .split_once("expected ")
        .map(|(_, e)| e.trim().to_string());
    let fix = match expected.as_deref() {
        Some("u16") => {
            "write a whole number from 1 to 65535 without quotes, e.g. port = 22".to_string()
        }
        Some("u64") | Some("u32") => "write a whole number without quotes, e.g. 10".to_string(),
        Some("a boolean") => "write true or false without quotes".to_string(),
        Some(e) if e.contains("string") => match &got {
            Some(g) if !g.starts_with('a') => format!("put the value in double quotes: \"{g}\""),
            _ => "put the value in double quotes, e.g. \"...\"".to_string(),
        },
        Some(_) if path.starts_with("registry_mirrors") => {
            "write a list of mirror URLs per registry, e.g. \"docker.io\" = [\"https://docker.m.daocloud.io\"]"
                .to_string()
        }
        Some(e) if e.ends_with("table") => {
            format!("write {e} with `key = value` lines (see config.sample.toml)")
        }
        Some(e) => format!("write {e}"),
        None => "see config.sample.toml for the expected form".to_string(),
    };
    let message = match got {
        Some(g) if !msg.contains(g.trim_matches('"')) => format!("{msg} (found {})", show_got(&g)),
        _ => msg,
    };
    Problem {
        field: (!path.is_empty()).then_some(path),
        value: None,
        message,
        fix: Some(fix),
        position,
    }
}

fn show_got(g: &str) -> String {
    if g.chars().count() > 60 {
        let s: String = g.chars().take(60).collect();
        format!("{s}…")
    } else {
        g.to_string()
    }
}

fn quote_all(xs: &[&str]) -> String {
    xs.iter()
        .map(|x| format!("\"{x}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let i = s.find(start)? + start.len();
    let j = s[i..].find(end)? + i;
    Some(&s[i..j])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::model::*;
    use std::collections::BTreeSet;

    #[test]
    fn key_lists_match_the_model() {
        let full = ClusterConfig {
            cluster: ClusterSection {
                name: "a".into(),
                kubernetes_version: "1.25.3".into(),
                pod_cidr: "x".into(),
                service_cidr: "x".into(),
                cni: Cni::Calico,
                cni_version: Some("x".into()),
                cni_manifest: Some("x".into()),
                mirror: Mirror::Aliyun,
                image_repository: Some("x".into()),
                proxy_mode: ProxyMode::Ipvs,
                dashboard: true,
                dashboard_manifest: Some("x".into()),
                timezone: Some("x".into()),
                control_plane_endpoint: Some("x".into()),
            },
            ssh: SshSection {
                identity_file: Some("x".into()),
                known_hosts: Some("x".into()),
                ..SshSection::default()
            },
            nodes: vec![NodeConfig {
                name: "n".into(),
                address: "a".into(),
                role: Role::Worker,
                user: Some("u".into()),
                port: Some(1),
                identity_file: Some("x".into()),
            }],
            timeouts: [("images".to_string(), 60)].into(),
            registry_mirrors: Some(
                [("docker.io".to_string(), vec!["https://m".to_string()])].into(),
            ),
        };
        let v: toml::Table = toml::from_str(&toml::to_string(&full).unwrap()).unwrap();
        let keys = |t: &toml::Table| t.keys().cloned().collect::<BTreeSet<_>>();
        let set = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
        assert_eq!(keys(&v), set(TOP_KEYS));
        assert_eq!(keys(v["cluster"].as_table().unwrap()), set(CLUSTER_KEYS));
        assert_eq!(keys(v["ssh"].as_table().unwrap()), set(SSH_KEYS));
        let node = v["node"].as_array().unwrap()[0].as_table().unwrap();
        assert_eq!(keys(node), set(NODE_KEYS));
    }

    #[test]
    fn line_col_counts_chars() {
        let t = "a = 1\nbé = x\n";
        assert_eq!(line_col(t, 0), (1, 1));
        assert_eq!(line_col(t, 6), (2, 1));
        assert_eq!(line_col(t, t.find('=').unwrap()), (1, 3));
        assert_eq!(line_col(t, t.rfind('x').unwrap()), (2, 6));
        assert_eq!(line_col(t, 999), (3, 1));
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggest("pod_cdr", CLUSTER_KEYS), Some("pod_cidr"));
        assert_eq!(suggest("podcidr", CLUSTER_KEYS), Some("pod_cidr"));
        assert_eq!(
            suggest("kubernetes-version", CLUSTER_KEYS),
            Some("kubernetes_version")
        );
        assert_eq!(suggest("nodes", TOP_KEYS), Some("node"));
        assert_eq!(suggest("zzzzzz", CLUSTER_KEYS), None);
    }
}
