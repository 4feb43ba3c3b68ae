//! The plan of one hop: the `HOP` pipeline (`plan::steps::hop`) built for the hop's version, plus the edges
//! a step's `needs` cannot say: workers start after every control plane is back, and at most
//! `workers_at_once` workers are between their drain and their uncordon.

use super::path::Hop;
use crate::catalog::Catalog;
use crate::config::{ClusterConfig, Role};
use crate::plan::steps::hop::HOP;
use crate::plan::{Context, HopInputs, Plan, PlanError, StepId, build_pipeline};
use std::time::Duration;

/// How a hop runs, from the command line (and what the upgrade found before it began).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Workers drained at once (kubeadm-upgrade.md: "one node at a time or few nodes at a time").
    pub workers_at_once: usize,
    /// `kubectl drain --timeout`, seconds.
    pub drain_timeout: u64,
    /// etcd snapshots kept on the first control plane.
    pub keep_snapshots: u32,
    /// Nodes cordoned before the upgrade began: they stay cordoned.
    pub found_cordoned: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            workers_at_once: 1,
            drain_timeout: 300,
            keep_snapshots: 5,
            found_cordoned: Vec::new(),
        }
    }
}

/// The config a hop's plan (and its engine run) works with: the user's, at the hop's version.
pub fn hop_config(config: &ClusterConfig, hop: &Hop) -> ClusterConfig {
    let mut c = config.clone();
    c.cluster.kubernetes_version = hop.to.to_string();
    c
}

/// The journal file of a hop in `.kubewiz/`.
pub fn journal_file(hop: &Hop) -> String {
    format!("upgrade-{}.json", hop.id())
}

/// The plan of `hop` for `config` (the user's config; its version is replaced by the hop's).
pub fn build(
    config: &ClusterConfig,
    catalog: &Catalog,
    hop: &Hop,
    s: &Settings,
) -> Result<Plan, PlanError> {
    let cfg = hop_config(config, hop);
    let mut cx = Context::new(&cfg, catalog)?;
    cx.hop = Some(HopInputs {
        drain_timeout: s.drain_timeout,
        keep_snapshots: s.keep_snapshots,
        found_cordoned: s.found_cordoned.clone(),
    });
    let mut plan = build_pipeline(&HOP, &cx)?;
    let cps: Vec<&str> = cfg.control_planes().map(|n| n.name.as_str()).collect();
    let workers: Vec<&str> = cfg
        .nodes
        .iter()
        .filter(|n| n.role == Role::Worker)
        .map(|n| n.name.as_str())
        .collect();
    let at = |p: &Plan, n: &str, s: StepId| p.task_index(n, s);
    let cp_done: Vec<usize> = cps
        .iter()
        .filter_map(|n| at(&plan, n, StepId::Uncordon))
        .collect();
    let window = s.workers_at_once.max(1);
    for (k, w) in workers.iter().enumerate() {
        if let Some(i) = at(&plan, w, StepId::UpgradeNode) {
            plan.tasks[i].after.extend(cp_done.iter().copied());
        }
        if k >= window
            && let (Some(d), Some(u)) = (
                at(&plan, w, StepId::Drain),
                at(&plan, workers[k - window], StepId::Uncordon),
            )
        {
            plan.tasks[d].after.push(u);
        }
    }
    // A drain may take its whole timeout; the step's own timeout leaves room for the uncordon.
    let drain_min = Duration::from_secs(s.drain_timeout + 120);
    for t in &mut plan.tasks {
        t.after.sort_unstable();
        t.after.dedup();
        if t.step == StepId::Drain && t.timeout < drain_min {
            t.timeout = drain_min;
        }
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::KubeVersion;

    fn cfg() -> ClusterConfig {
        crate::config::parse(
            r#"
[cluster]
name = "t"
kubernetes_version = "1.25.3"
mirror = "aliyun"
[[node]]
name = "cp1"
address = "192.0.2.10"
role = "control-plane"
[[node]]
name = "cp2"
address = "192.0.2.11"
role = "control-plane"
[[node]]
name = "w1"
address = "192.0.2.20"
role = "worker"
[[node]]
name = "w2"
address = "192.0.2.21"
role = "worker"
[[node]]
name = "w3"
address = "192.0.2.22"
role = "worker"
"#,
            std::path::Path::new("cluster.toml"),
        )
        .unwrap()
    }

    fn hop() -> Hop {
        Hop {
            from: KubeVersion::parse("1.25.3").unwrap(),
            to: KubeVersion::parse("1.26.15").unwrap(),
            catch_up: false,
            changes: vec![],
        }
    }

    /// Whether `a` (node, step) must be done before `b` starts (transitively).
    fn before(p: &Plan, a: (&str, StepId), b: (&str, StepId)) -> bool {
        let a = p.task_index(a.0, a.1).unwrap();
        let mut todo = vec![p.task_index(b.0, b.1).unwrap()];
        let mut seen = std::collections::HashSet::new();
        while let Some(i) = todo.pop() {
            if i == a {
                return true;
            }
            if seen.insert(i) {
                todo.extend(p.tasks[i].after.iter().copied());
            }
        }
        false
    }

    #[test]
    fn kubeadms_order_control_planes_first_workers_in_a_window() {
        let s = Settings::default();
        let p = build(&cfg(), Catalog::builtin(), &hop(), &s).unwrap();
        use StepId::*;
        // First control plane: snapshot, kubeadm, plan, apply, drain, ..., uncordon.
        let chain = [
            EtcdSnapshot,
            UpgradeKubeadm,
            UpgradePlan,
            UpgradeApply,
            Drain,
            UpgradeContainerd,
            UpgradeKubelet,
            KubeletRestart,
            UpgradeReady,
            Uncordon,
            UpgradeKubeconfig,
        ];
        for w in chain.windows(2) {
            assert!(before(&p, ("cp1", w[0]), ("cp1", w[1])), "{:?}", w);
        }
        assert!(p.task_index("cp1", UpgradeNode).is_none());
        assert!(p.task_index("cp2", UpgradeApply).is_none());
        // Other control planes after the first is back; workers after every control plane.
        assert!(before(&p, ("cp1", Uncordon), ("cp2", UpgradeNode)));
        assert!(before(&p, ("cp2", Uncordon), ("w1", UpgradeNode)));
        assert!(before(&p, ("cp2", Uncordon), ("w3", UpgradeNode)));
        // One worker at a time by default...
        assert!(before(&p, ("w1", Uncordon), ("w2", Drain)));
        assert!(before(&p, ("w2", Uncordon), ("w3", Drain)));
        // ... but kubeadm is installed everywhere from the start.
        assert!(!before(&p, ("cp1", UpgradeApply), ("w3", UpgradeKubeadm)));
        // Drains run on the first control plane and outlast the drain timeout.
        let d = &p.tasks[p.task_index("w2", Drain).unwrap()];
        assert_eq!(d.host, "cp1");
        assert!(d.timeout >= Duration::from_secs(420));
        // The hop's version everywhere.
        let t = &p.tasks[p.task_index("w1", UpgradeKubeadm).unwrap()];
        let crate::plan::TaskKind::Remote(sc) = &t.kind else {
            panic!()
        };
        assert!(
            sc.env
                .contains(&("KW_K8S_VERSION".to_string(), "1.26.15".to_string()))
        );
        assert!(
            sc.env
                .contains(&("KW_PACKAGES".to_string(), "kubeadm".to_string()))
        );
        assert!(
            sc.env
                .contains(&("KW_UPGRADE".to_string(), "1".to_string()))
        );
    }

    #[test]
    fn two_workers_at_once_and_nodes_found_cordoned_stay_so() {
        let s = Settings {
            workers_at_once: 2,
            found_cordoned: vec!["w2".into()],
            ..Settings::default()
        };
        let p = build(&cfg(), Catalog::builtin(), &hop(), &s).unwrap();
        use StepId::*;
        assert!(!before(&p, ("w1", Uncordon), ("w2", Drain)));
        assert!(before(&p, ("w1", Uncordon), ("w3", Drain)));
        let env = |n: &str, st| match &p.tasks[p.task_index(n, st).unwrap()].kind {
            crate::plan::TaskKind::Remote(sc) => sc.env.clone(),
            _ => panic!(),
        };
        assert!(env("w2", Uncordon).contains(&("KW_LEAVE_CORDONED".into(), "1".into())));
        assert!(env("w1", Uncordon).contains(&("KW_LEAVE_CORDONED".into(), "0".into())));
        assert!(env("w2", Drain).contains(&("KW_UNCORDON_ON_FAILURE".into(), "0".into())));
        assert_eq!(journal_file(&hop()), "upgrade-1.26.15.json");
    }
}
