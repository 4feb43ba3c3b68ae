//! Join progress as the control plane sees it: polls `kubectl get nodes -o json` over the
//! existing SSH connection and reports each node's state when it changes.

use super::connections::Connections;
use super::{ClusterNodeState, CniPods, Event};
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::{mpsc, watch};

pub struct WatchCtx {
    pub nodes: Vec<String>,
    pub control_plane: String,
    pub conns: Connections,
    pub events: mpsc::UnboundedSender<Event>,
}

const POLL: Duration = Duration::from_secs(2);

/// `kubectl get <what> -o json` with the admin kubeconfig, as arguments.
fn kubectl_get<'a>(what: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["--kubeconfig", "/etc/kubernetes/admin.conf", "get"];
    args.extend_from_slice(what);
    args.extend(["-o", "json"]);
    args
}

pub fn spawn(ctx: WatchCtx, mut stop: watch::Receiver<bool>) {
    tokio::spawn(async move {
        let mut last: HashMap<String, ClusterNodeState> = HashMap::new();
        let mut last_pods: Option<CniPods> = None;
        loop {
            if let Ok(conn) = ctx.conns.get(&ctx.control_plane).await {
                if let Ok((Some(0), json)) = conn
                    .run_command("kubectl", &kubectl_get(&["pods", "-A"]))
                    .await
                {
                    let pods = parse_cni_pods(&json);
                    if pods.total > 0 && last_pods.as_ref() != Some(&pods) {
                        last_pods = Some(pods.clone());
                        let _ = ctx.events.send(Event::CniPods(pods));
                    }
                }
                if let Ok((Some(0), json)) =
                    conn.run_command("kubectl", &kubectl_get(&["nodes"])).await
                {
                    let seen = parse_nodes(&json);
                    for n in &ctx.nodes {
                        let Some(&state) = seen.get(n) else { continue };
                        if last.get(n) != Some(&state) {
                            last.insert(n.clone(), state);
                            let _ = ctx.events.send(Event::NodeState {
                                node: n.clone(),
                                state,
                            });
                        }
                    }
                    if ctx
                        .nodes
                        .iter()
                        .all(|n| last.get(n) == Some(&ClusterNodeState::Ready))
                    {
                        return;
                    }
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(POLL) => {}
                _ = stop.changed() => return,
            }
        }
    });
}

/// node name → NotReady / Ready, from `kubectl get nodes -o json`.
pub fn parse_nodes(json: &str) -> HashMap<String, ClusterNodeState> {
    let mut out = HashMap::new();
    let Ok(v) = serde_json::from_str::<serde_json::Value>(json) else {
        return out;
    };
    for item in v["items"].as_array().into_iter().flatten() {
        let Some(name) = item["metadata"]["name"].as_str() else {
            continue;
        };
        let ready = item["status"]["conditions"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|c| c["type"] == "Ready" && c["status"] == "True");
        out.insert(
            name.to_string(),
            if ready {
                ClusterNodeState::Ready
            } else {
                ClusterNodeState::NotReady
            },
        );
    }
    out
}

/// The pod network's pods (calico-*, kube-flannel-*) from `kubectl get pods -A -o json`.
pub fn parse_cni_pods(json: &str) -> CniPods {
    let mut out = CniPods::default();
    let Ok(v) = serde_json::from_str::<serde_json::Value>(json) else {
        return out;
    };
    for item in v["items"].as_array().into_iter().flatten() {
        let name = item["metadata"]["name"].as_str().unwrap_or_default();
        if !(name.starts_with("calico-") || name.starts_with("kube-flannel-")) {
            continue;
        }
        out.total += 1;
        // A waiting container's reason says more than the phase (CrashLoopBackOff...).
        let waiting = item["status"]["containerStatuses"]
            .as_array()
            .into_iter()
            .flatten()
            .find_map(|c| c["state"]["waiting"]["reason"].as_str());
        let phase = item["status"]["phase"].as_str().unwrap_or("Unknown");
        match (phase, waiting) {
            ("Running", None) => out.running += 1,
            (phase, reason) => {
                if out.problem.is_none() {
                    let node = item["spec"]["nodeName"].as_str().unwrap_or("?");
                    out.problem = Some(format!("{name} on {node}: {}", reason.unwrap_or(phase)));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn kubectl_reads_with_the_admin_kubeconfig_as_json() {
        assert_eq!(
            super::kubectl_get(&["pods", "-A"]).join(" "),
            "--kubeconfig /etc/kubernetes/admin.conf get pods -A -o json"
        );
        assert_eq!(
            super::kubectl_get(&["nodes"]).join(" "),
            "--kubeconfig /etc/kubernetes/admin.conf get nodes -o json"
        );
    }

    #[test]
    fn counts_cni_pods_and_names_the_first_problem() {
        let json = r#"{"items":[
          {"metadata":{"name":"calico-node-a"},"status":{"phase":"Running"},"spec":{"nodeName":"cp"}},
          {"metadata":{"name":"calico-node-b"},"status":{"phase":"Running","containerStatuses":[{"state":{"waiting":{"reason":"CrashLoopBackOff"}}}]},"spec":{"nodeName":"w1"}},
          {"metadata":{"name":"coredns-1"},"status":{"phase":"Pending"},"spec":{}}]}"#;
        let p = super::parse_cni_pods(json);
        assert_eq!((p.running, p.total), (1, 2));
        assert_eq!(
            p.problem.as_deref(),
            Some("calico-node-b on w1: CrashLoopBackOff")
        );
    }

    #[test]
    fn parses_ready_and_not_ready() {
        let json = r#"{"items":[
          {"metadata":{"name":"a"},"status":{"conditions":[{"type":"Ready","status":"True"}]}},
          {"metadata":{"name":"b"},"status":{"conditions":[{"type":"Ready","status":"False"}]}}]}"#;
        let m = super::parse_nodes(json);
        assert_eq!(m["a"], super::ClusterNodeState::Ready);
        assert_eq!(m["b"], super::ClusterNodeState::NotReady);
    }
}
