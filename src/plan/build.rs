//! Building the plan: (pipeline, config, catalog) → tasks with their dependencies (a DAG).
//!
//! Generic over the pipeline: for every node in file order, every step of the pipeline the
//! node gets ([`Step::runs_for`](super::steps::Step::runs_for)) becomes a task, its inputs
//! from the step's `env`, its edges from the step's `needs`. Which step waits for which, and
//! why, is said in each step's definition (`src/plan/steps/`).

use super::context::Context;
use super::script::{self, Secrets};
use super::steps::{INSTALL, Need, Pipeline, RunsOn};
use super::{Plan, PlanError, Script, SecretSlot, StepId, Task, TaskKind};
use crate::catalog::{Catalog, Minor, MirrorInfo};
use crate::config::{ClusterConfig, Validated};
use std::collections::HashMap;

/// Builds the install plan of a validated config (what commands do).
pub fn build_validated(v: &Validated<'_>) -> Result<Plan, PlanError> {
    build_pipeline(&INSTALL, &Context::validated(v)?)
}

/// Builds the install plan for `config` with version facts from `catalog`, without
/// validating it first (the wizard's preview of a config being edited; tests).
pub fn build(config: &ClusterConfig, catalog: &Catalog) -> Result<Plan, PlanError> {
    build_pipeline(&INSTALL, &Context::new(config, catalog)?)
}

/// Builds the plan of `pipeline`: tasks per node in file order, steps in pipeline order.
pub fn build_pipeline(pipeline: &Pipeline, cx: &Context<'_>) -> Result<Plan, PlanError> {
    let config = cx.config;
    let cp = cx.first_cp;

    // 1. The tasks.
    let mut tasks: Vec<Task> = Vec::new();
    for node in &config.nodes {
        for step in pipeline.steps {
            if !step.runs_for(config, node, &cp.name) {
                continue;
            }
            let host = match step.runs_on {
                RunsOn::Node => node.name.clone(),
                RunsOn::FirstControlPlane => cp.name.clone(),
            };
            let kind = match step.script {
                None => TaskKind::Local,
                Some(asset) => {
                    let env = step.inputs(cx, node).pairs();
                    if let Some((k, _)) = env.iter().find(|(_, v)| v.contains('\0')) {
                        return Err(PlanError::BadValue {
                            node: node.name.clone(),
                            name: k.clone(),
                        });
                    }
                    TaskKind::Remote(Script {
                        asset: asset.file,
                        env,
                        secrets: (step.secrets)(node).to_vec(),
                        body: asset.text,
                    })
                }
            };
            tasks.push(Task {
                node: node.name.clone(),
                host,
                step: step.id,
                after: Vec::new(),
                timeout: cx.timeout(step.id),
                kind,
            });
        }
    }

    // 2. The edges, from each step's needs.
    let index: HashMap<(&str, StepId), usize> = tasks
        .iter()
        .enumerate()
        .map(|(i, t)| ((t.node.as_str(), t.step), i))
        .collect();
    let at = |node: &str, step: StepId| index.get(&(node, step)).copied();
    // The previous node of the same role, in file order.
    let mut previous: HashMap<&str, &str> = HashMap::new();
    for (i, n) in config.nodes.iter().enumerate() {
        if let Some(p) = config.nodes[..i].iter().rev().find(|p| p.role == n.role) {
            previous.insert(&n.name, &p.name);
        }
    }
    let mut edges: Vec<Vec<usize>> = Vec::with_capacity(tasks.len());
    for t in &tasks {
        let node = config
            .node(&t.node)
            .expect("tasks are made for config nodes");
        let mut after = Vec::new();
        for need in t.step.def().needs {
            match *need {
                Need::Own(s) => after.extend(at(&t.node, s)),
                Need::AllNodes(s) => {
                    after.extend(config.nodes.iter().filter_map(|n| at(&n.name, s)))
                }
                Need::FirstControlPlane(s) => after.extend(at(&cp.name, s)),
                Need::Previous(role, s) if node.role == role => {
                    after.extend(previous.get(t.node.as_str()).and_then(|p| at(p, s)))
                }
                Need::Previous(..) => {}
            }
        }
        after.sort_unstable();
        after.dedup();
        edges.push(after);
    }
    for (t, after) in tasks.iter_mut().zip(edges) {
        t.after = after;
    }

    Ok(Plan {
        tasks,
        nodes: config.nodes.iter().map(|n| n.name.clone()).collect(),
        first_control_plane: cp.name.clone(),
        preflight_summary: preflight_summary(cx),
    })
}

fn preflight_summary(cx: &Context<'_>) -> String {
    let l = &cx.catalog.limits;
    format!(
        "control planes: at least {} CPUs and {} MB of memory\n\
         hostnames, product_uuids and MAC addresses unique across nodes\n\
         OS, kernel and cgroup version supported for Kubernetes {} (catalog)\n\
         clock skew between nodes and this workstation at most {} s\n\
         every node reaches the others (SSH port)",
        l.control_plane_min_cpus,
        l.control_plane_min_memory_mb,
        cx.config.cluster.kubernetes_version,
        l.max_clock_skew_secs
    )
}

impl Plan {
    /// The full script of a task as `kubewiz plan` prints it: secrets redacted.
    /// A local task (preflight) renders as a comment saying what the workstation checks.
    pub fn render(&self, task: &Task) -> String {
        self.render_with_prelude(task, script::LIB)
    }

    /// [`Plan::render`] with `prelude` where lib.sh goes (`kubewiz plan` prints the prelude once).
    pub fn render_with_prelude(&self, task: &Task, prelude: &str) -> String {
        match &task.kind {
            TaskKind::Remote(s) => script::assemble_with_prelude(
                &s.env,
                &s.secrets,
                Secrets::Redacted,
                prelude,
                s.body,
                "kw_main",
            ),
            TaskKind::Local => format!(
                "# {}: evaluated on the workstation from the facts of all nodes (no remote script):\n{}",
                task.step.name(),
                self.preflight_summary
                    .lines()
                    .map(|l| format!("#   {l}\n"))
                    .collect::<String>()
            ),
        }
    }

    /// The script the engine runs: like [`Plan::render`] with the minted secrets filled in
    /// (a slot missing from `secrets` keeps the placeholder, and the step then fails on it).
    pub fn render_with_secrets(
        &self,
        task: &Task,
        secrets: &HashMap<SecretSlot, String>,
    ) -> String {
        match &task.kind {
            TaskKind::Remote(s) => script::assemble(
                &s.env,
                &s.secrets,
                Secrets::Values(secrets),
                s.body,
                "kw_main",
            ),
            TaskKind::Local => self.render(task),
        }
    }

    /// Tasks whose journal entry belongs to `node` (including `ready`, which runs on the
    /// first control plane), with their indexes in `tasks`.
    pub fn for_node(&self, node: &str) -> Vec<(usize, &Task)> {
        self.tasks
            .iter()
            .enumerate()
            .filter(|(_, t)| t.node == node)
            .collect()
    }

    /// The index of `step` of `node`, if the plan has it.
    pub fn task_index(&self, node: &str, step: StepId) -> Option<usize> {
        self.tasks
            .iter()
            .position(|t| t.node == node && t.step == step)
    }

    /// The script that mints join secrets on the first control plane:
    /// `::kw::secret token=...`, `ca_cert_hash=...` and with `need_cert_key` `certificate_key=...`.
    pub fn mint_script(&self, need_cert_key: bool) -> String {
        mint_script(need_cert_key)
    }

    /// `kubeadm reset -f` plus the cleanup kubeadm leaves behind.
    pub fn reset_script(&self) -> String {
        reset_script()
    }

    /// Run on the first control plane after resetting `node` (not the first control plane
    /// itself): `kubectl delete node`, so that the node can join again.
    pub fn delete_node_script(&self, node: &str) -> String {
        delete_node_script(node)
    }
}

/// See [`Plan::mint_script`].
pub fn mint_script(need_cert_key: bool) -> String {
    let env = vec![
        ("KW_STEP".to_string(), "mint-join".to_string()),
        (
            "KW_NEED_CERT_KEY".to_string(),
            if need_cert_key { "1" } else { "0" }.to_string(),
        ),
    ];
    script::standalone(&env, script::MINT_JOIN, "kw_mint")
}

/// See [`Plan::reset_script`].
pub fn reset_script() -> String {
    let env = vec![("KW_STEP".to_string(), "reset".to_string())];
    script::standalone(&env, script::RESET, "kw_reset")
}

/// The script that lists the Kubernetes patches of the cluster's minor in the package repository
/// of `mirror` as a node sees it (`::kw::fact repo_versions=...`; `repo_error=` when unreadable).
/// Read-only: it fetches the repository's index and changes nothing on the node.
pub fn repo_versions_script(mirror: &MirrorInfo, minor: &Minor) -> String {
    let env = vec![
        ("KW_STEP".to_string(), "repo-versions".to_string()),
        ("KW_REPO_DEB_URL".to_string(), mirror.deb_repo(minor)),
        ("KW_K8S_MINOR".to_string(), minor.version.clone()),
    ];
    script::standalone(&env, script::REPO_VERSIONS, "kw_repo_versions")
}

/// See [`Plan::delete_node_script`].
pub fn delete_node_script(node: &str) -> String {
    let env = vec![
        ("KW_STEP".to_string(), "delete-node".to_string()),
        ("KW_TARGET_NODE".to_string(), node.to_string()),
    ];
    script::standalone(&env, script::DELETE_NODE, "kw_delete_node")
}

/// The facts script on its own (for `check --connect` / probing before a plan exists):
/// `peers` are "ADDR:PORT" of the other nodes.
pub fn facts_script(node: &str, peers: &[String]) -> String {
    facts_script_probing(node, peers, "", "")
}

/// [`facts_script`] that also probes registries and mirrors (`probes`: the facts step's
/// `KW_REGISTRY_PROBES`, [`super::registries::probes_env`]) and package repositories
/// (`packages`: its `KW_PACKAGE_PROBES`, [`super::steps::package_probes`]); the wizard's
/// connection test.
pub fn facts_script_probing(node: &str, peers: &[String], probes: &str, packages: &str) -> String {
    let body = StepId::Facts.def().script.expect("facts has a script").text;
    let mut env = vec![
        ("KW_STEP".to_string(), "facts".to_string()),
        ("KW_NODE".to_string(), node.to_string()),
        ("KW_PEERS".to_string(), peers.join(" ")),
    ];
    if !probes.is_empty() {
        env.push(("KW_REGISTRY_PROBES".to_string(), probes.to_string()));
    }
    if !packages.is_empty() {
        env.push(("KW_PACKAGE_PROBES".to_string(), packages.to_string()));
    }
    script::assemble(&env, &[], Secrets::Redacted, body, "kw_main")
}
