//! [`prepare`]: what the cluster runs, read-only: every node's facts and `upgrade-survey` at once, the
//! cluster's view of its nodes from the first control plane, then the path. An API server that does not
//! answer is explained (an expired certificate says to renew it).

use super::record::load_record;
use super::remote::check_certs;
use super::{Prepared, UpgradeError};
use crate::catalog::{Catalog, KubeVersion};
use crate::config::{ClusterConfig, NodeConfig, Role};
use crate::engine::journal::{self, Journal};
use crate::facts::Facts;
use crate::ssh::{Connection, Line, SshError, Target};
use crate::upgrade::certs;
use crate::upgrade::path::{self, Hop, NodeSurvey, Survey};
use crate::upgrade::plan::Settings;
use crate::upgrade::scripts;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// What one node reported to the survey (its facts and the `upgrade-survey` facts).
#[derive(Debug, Clone, Default)]
struct NodeReport {
    facts: Facts,
    survey: BTreeMap<String, Vec<String>>,
}

impl NodeReport {
    fn one(&self, key: &str) -> &str {
        self.survey
            .get(key)
            .and_then(|v| v.first())
            .map(String::as_str)
            .unwrap_or("")
    }
}

/// Reads what the cluster runs and computes the path to `target`. Changes nothing on any node.
pub async fn prepare(
    config_path: &Path,
    config: &ClusterConfig,
    target: &str,
    mut settings: Settings,
) -> Result<Prepared, UpgradeError> {
    let state_dir = journal::state_dir(config_path);
    let installed = Journal::load(&state_dir)?.is_some_and(|j| j.initialized());
    if !installed {
        return Err(UpgradeError::NotInstalled(state_dir.join("state.json")));
    }
    let cp = config
        .first_control_plane()
        .ok_or(crate::plan::PlanError::NoControlPlane)?;
    let reports = survey_all(config).await?;
    let first = &reports[&cp.name];
    let server = first.one("server_version");
    let Some(apiserver) = version(server) else {
        return Err(UpgradeError::ApiDown(api_down(config, cp).await));
    };
    // The cluster's view: "NAME vX.Y.Z Ready unschedulable=true|".
    let mut seen: BTreeMap<String, (Option<KubeVersion>, String, bool)> = BTreeMap::new();
    for line in first.survey.get("node").into_iter().flatten() {
        let w: Vec<&str> = line.split_whitespace().collect();
        if let [name, ver, rest @ ..] = w.as_slice() {
            let ready = rest.first().copied().unwrap_or("Unknown");
            let ready = if ready == "True" { "Ready" } else { "NotReady" };
            let cordoned = rest.contains(&"unschedulable=true");
            seen.insert(
                name.to_string(),
                (version(ver), ready.to_string(), cordoned),
            );
        }
    }
    let survey = Survey {
        apiserver,
        nodes: config
            .nodes
            .iter()
            .map(|n| {
                let r = &reports[&n.name];
                NodeSurvey {
                    name: n.name.clone(),
                    role: n.role,
                    kubelet: seen.get(&n.name).and_then(|s| s.0),
                    apiserver: (n.role == Role::ControlPlane)
                        .then(|| version(r.one("apiserver_manifest")))
                        .flatten(),
                    facts: r.facts.clone(),
                }
            })
            .collect(),
    };
    let mut path = path::compute(Catalog::builtin(), config, &survey, target)?;
    // Nodes cordoned before the upgrade began, as recorded by its first attempt.
    let rec = load_record(&state_dir);
    // Every node runs the version, but an attempt stopped before its hop finished (a node may
    // still be cordoned): that hop again, its done steps skipped.
    if path.hops.is_empty() && rec.is_some() {
        path.hops.push(Hop {
            from: survey.apiserver,
            to: survey.apiserver,
            catch_up: true,
            changes: vec!["the hop an earlier attempt left unfinished: its remaining steps".into()],
        });
    }
    settings.found_cordoned = match &rec {
        Some(r) => r.found_cordoned.clone(),
        None => seen
            .iter()
            .filter(|(_, s)| s.2)
            .map(|(n, _)| n.clone())
            .collect(),
    };
    let nodes = config
        .nodes
        .iter()
        .map(|n| match seen.get(&n.name) {
            Some((_, ready, cordoned)) => (n.name.clone(), ready.clone(), *cordoned),
            None => (n.name.clone(), "not registered".to_string(), false),
        })
        .collect();
    Ok(Prepared {
        config_path: config_path.to_path_buf(),
        config: config.clone(),
        survey,
        path,
        settings,
        nodes,
    })
}

/// "v1.26.15" / "1.26.15" → the version; anything else → None.
fn version(s: &str) -> Option<KubeVersion> {
    KubeVersion::parse(s.trim().trim_start_matches('v')).ok()
}

/// Every node's facts and survey, at once.
async fn survey_all(config: &ClusterConfig) -> Result<BTreeMap<String, NodeReport>, UpgradeError> {
    let jobs = config.nodes.iter().map(|n| {
        let facts = crate::plan::facts_script(&n.name, &crate::plan::steps::peers(config, n));
        let survey = scripts::survey();
        async move {
            let r = survey_node(n, config, &facts, &survey).await;
            (n.name.clone(), r)
        }
    });
    let mut out = BTreeMap::new();
    for (name, r) in futures_util::future::join_all(jobs).await {
        match r {
            Ok(rep) => {
                out.insert(name, rep);
            }
            Err(source) => return Err(UpgradeError::Unreachable { node: name, source }),
        }
    }
    Ok(out)
}

async fn survey_node(
    n: &NodeConfig,
    config: &ClusterConfig,
    facts_script: &str,
    survey_script: &str,
) -> Result<NodeReport, SshError> {
    let conn = Connection::open(&Target::new(n, &config.ssh)).await?;
    let mut rep = NodeReport::default();
    let mut pairs: Vec<(String, String)> = Vec::new();
    let res = async {
        for (i, script) in [facts_script, survey_script].into_iter().enumerate() {
            let mut sink = |line: Line| {
                if let Line::Structured(rest) = line
                    && let Some(kv) = rest.strip_prefix("fact ")
                    && let Some((k, v)) = kv.split_once('=')
                {
                    if i == 0 {
                        pairs.push((k.to_string(), v.to_string()));
                    } else {
                        rep.survey
                            .entry(k.to_string())
                            .or_default()
                            .push(v.to_string());
                    }
                }
            };
            let exit = conn
                .run_script(script, Duration::from_secs(120), &mut sink)
                .await?;
            if exit.code != Some(0) {
                return Err(SshError::Remote {
                    node: n.name.clone(),
                    message: format!(
                        "the {} script exited with {:?}",
                        if i == 0 { "facts" } else { "upgrade survey" },
                        exit.code
                    ),
                });
            }
        }
        Ok(())
    }
    .await;
    conn.close().await;
    res?;
    rep.facts = Facts::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    Ok(rep)
}

/// Why the first control plane's API server does not answer, with what to do.
async fn api_down(config: &ClusterConfig, cp: &NodeConfig) -> String {
    let base = format!(
        "the API server on {} does not answer (`kubectl version` on the node)",
        cp.name
    );
    match check_certs(config, cp).await {
        Ok(c) => {
            let now = journal::now();
            match c.soonest() {
                Some((name, t)) if t <= now => format!(
                    "{base}: its certificate {name} expired on {} — run `kubewiz certs renew`, then the \
                     upgrade again",
                    certs::fmt_date(t)
                ),
                _ => format!(
                    "{base}; its certificates are valid: look at the node (crictl ps -a; journalctl -u kubelet)"
                ),
            }
        }
        Err(e) => format!("{base}; reading its certificates failed too: {e}"),
    }
}
