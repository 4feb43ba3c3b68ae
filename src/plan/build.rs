//! Building the plan: (config, catalog) → tasks with their dependencies (a DAG).
//!
//! Per node: facts → preflight (a barrier: every node's preflight waits for the facts of all
//! nodes) → hostname, firewall, swap, repos → modules, time, packages (the steps that install
//! packages wait for repos: the OS repositories answer, an EOL CentOS 7 is moved to the vault)
//! → sysctl (after modules) → containerd (after repos + modules + sysctl) → images (after
//! containerd + packages). The first
//! control plane then runs init (after its images and the other preparation steps), cni and
//! kubeconfig (after init) and dashboard (after cni). Every other node joins after its own
//! preparation AND the first control plane's init — workers prepare while the control plane
//! initialises; further control planes join one after the other (etcd grows one member at a
//! time). `ready` of each node runs on the first control plane after that node's join (or
//! init) and the cni.

use super::script::{self, Secrets};
use super::{Plan, PlanError, Script, SecretSlot, StepId, Task, TaskKind};
use crate::catalog::Catalog;
use crate::config::{ClusterConfig, NodeConfig, Role};
use std::collections::HashMap;
use std::time::Duration;

/// Where the engine uploads the patched CNI manifest (on the first control plane).
pub const CNI_MANIFEST_REMOTE_PATH: &str = "/var/lib/kubewiz/manifests/cni.yaml";
/// Where the engine uploads the patched dashboard manifest (on the first control plane).
pub const DASHBOARD_MANIFEST_REMOTE_PATH: &str = "/var/lib/kubewiz/manifests/dashboard.yaml";
/// The `ready` step's own deadline is the step timeout minus this margin.
const READY_MARGIN: Duration = Duration::from_secs(60);

/// Builds the plan for `config` with version facts from `catalog`.
pub fn build(config: &ClusterConfig, catalog: &Catalog) -> Result<Plan, PlanError> {
    let minor = catalog.minor_for(&config.cluster.kubernetes_version)?;
    let mirror = catalog.mirror(config.cluster.mirror);
    let cp = config
        .first_control_plane()
        .ok_or(PlanError::NoControlPlane)?;
    let c = &config.cluster;
    let image_repository = c
        .image_repository
        .clone()
        .unwrap_or_else(|| mirror.image_repository.clone());
    let endpoint = control_plane_endpoint(c.control_plane_endpoint.as_deref(), cp);
    let hosts: String = config
        .nodes
        .iter()
        .map(|n| format!("{} {}", n.address, n.name))
        .collect::<Vec<_>>()
        .join("\n");

    let ctx = Ctx {
        config,
        cp,
        k8s_version: c.kubernetes_version.clone(),
        k8s_minor: minor.version.clone(),
        kubeadm_api: minor.kubeadm_api.clone(),
        sandbox_image: minor.pause_image(&image_repository),
        containerd_min: minor.containerd_min.clone(),
        image_repository,
        endpoint,
        hosts,
        rpm_repo: mirror.rpm_repo(minor),
        rpm_key: mirror.rpm_key(minor),
        deb_repo: mirror.deb_repo(minor),
        deb_key: mirror.deb_key(minor),
        docker_rpm_repo: mirror.docker_ce_rpm_repo.clone(),
        // "{distro}" stays a placeholder: the script fills in the node's os-release ID.
        docker_deb_repo: mirror.docker_ce_deb_repo("{distro}"),
        docker_deb_key: mirror.docker_ce_deb_key("{distro}"),
        // "{repo}" stays a placeholder: the script fills in each repo section's directory.
        centos7_vault: mirror.centos7_vault_repo.clone(),
        ready_deadline: config
            .step_timeout(StepId::Ready, catalog)
            .saturating_sub(READY_MARGIN)
            .max(Duration::from_secs(30)),
    };

    // 1. The tasks, per node in config order, steps in pipeline order.
    let mut tasks: Vec<Task> = Vec::new();
    for node in &config.nodes {
        let first = node.name == cp.name;
        for step in StepId::ALL {
            let wanted = match step {
                StepId::Init | StepId::Cni | StepId::Kubeconfig => first,
                StepId::Dashboard => first && c.dashboard,
                StepId::Join => !first,
                _ => true,
            };
            if !wanted {
                continue;
            }
            let host = if step == StepId::Ready {
                cp.name.clone()
            } else {
                node.name.clone()
            };
            let kind = match script::asset(step) {
                None => TaskKind::Local,
                Some((asset, body)) => {
                    let env = ctx.env(step, node);
                    for (k, v) in &env {
                        if v.contains('\0') {
                            return Err(PlanError::BadValue {
                                node: node.name.clone(),
                                name: k.clone(),
                            });
                        }
                    }
                    let secrets = match step {
                        StepId::Join if node.role == Role::ControlPlane => vec![
                            SecretSlot::JoinToken,
                            SecretSlot::CaCertHash,
                            SecretSlot::CertificateKey,
                        ],
                        StepId::Join => vec![SecretSlot::JoinToken, SecretSlot::CaCertHash],
                        _ => vec![],
                    };
                    TaskKind::Remote(Script {
                        asset,
                        env,
                        secrets,
                        body,
                    })
                }
            };
            tasks.push(Task {
                node: node.name.clone(),
                host,
                step,
                after: Vec::new(),
                timeout: config.step_timeout(step, catalog),
                kind,
            });
        }
    }

    // 2. The dependencies.
    let index: HashMap<(String, StepId), usize> = tasks
        .iter()
        .enumerate()
        .map(|(i, t)| ((t.node.clone(), t.step), i))
        .collect();
    let at = |node: &str, step: StepId| index.get(&(node.to_string(), step)).copied();
    let all_facts: Vec<usize> = config
        .nodes
        .iter()
        .filter_map(|n| at(&n.name, StepId::Facts))
        .collect();
    // Control planes other than the first, in config order: their joins are chained.
    let extra_cps: Vec<&str> = config
        .nodes
        .iter()
        .filter(|n| n.role == Role::ControlPlane && n.name != cp.name)
        .map(|n| n.name.as_str())
        .collect();

    for t in tasks.iter_mut() {
        let n = t.node.as_str();
        let own =
            |steps: &[StepId]| -> Vec<usize> { steps.iter().filter_map(|s| at(n, *s)).collect() };
        // What kubeadm init and join need on the node (their preflight checks the modules,
        // sysctls, swap and clock; the images are pulled by then).
        let prepared = [
            StepId::Images,
            StepId::Hostname,
            StepId::Firewall,
            StepId::Swap,
            StepId::Modules,
            StepId::Sysctl,
            StepId::Time,
        ];
        let mut after = match t.step {
            StepId::Facts => vec![],
            StepId::Preflight => all_facts.clone(),
            StepId::Repos | StepId::Hostname | StepId::Firewall | StepId::Swap => {
                own(&[StepId::Preflight])
            }
            // Steps that install packages need the OS repositories, and run one after the
            // other on a node (yum/dnf/apt take a lock): containerd, packages, modules (the
            // IPVS tools), time. The order is in the plan rather than only in the scripts'
            // lock, so the plan's critical path is the real one and no step holds a slot
            // waiting for the lock. What the image pull needs (containerd, kubeadm) comes
            // first; modules and time, which only init and join need, install while the
            // images are pulled. (containerd's overlayfs snapshotter does not need the
            // modules step: mounting overlay loads the module.)
            StepId::Containerd => own(&[StepId::Repos]),
            StepId::Packages => own(&[StepId::Repos, StepId::Containerd]),
            StepId::Modules => own(&[StepId::Repos, StepId::Packages]),
            StepId::Time => own(&[StepId::Repos, StepId::Modules]),
            StepId::Sysctl => own(&[StepId::Modules]),
            StepId::Images => own(&[StepId::Containerd, StepId::Packages]),
            StepId::Init => own(&prepared),
            StepId::Cni | StepId::Kubeconfig => own(&[StepId::Init]),
            StepId::Dashboard => own(&[StepId::Cni]),
            StepId::Join => {
                let mut v = own(&prepared);
                v.extend(at(&cp.name, StepId::Init));
                if let Some(pos) = extra_cps.iter().position(|x| *x == n)
                    && pos > 0
                {
                    v.extend(at(extra_cps[pos - 1], StepId::Join));
                }
                v
            }
            StepId::Ready => {
                let mut v = own(&[StepId::Join, StepId::Init]);
                v.extend(at(&cp.name, StepId::Cni));
                v
            }
        };
        after.sort_unstable();
        after.dedup();
        t.after = after;
    }

    Ok(Plan {
        tasks,
        nodes: config.nodes.iter().map(|n| n.name.clone()).collect(),
        first_control_plane: cp.name.clone(),
        preflight_summary: preflight_summary(catalog, config),
    })
}

fn preflight_summary(catalog: &Catalog, config: &ClusterConfig) -> String {
    let l = &catalog.limits;
    format!(
        "control planes: at least {} CPUs and {} MB of memory\n\
         hostnames, product_uuids and MAC addresses unique across nodes\n\
         OS, kernel and cgroup version supported for Kubernetes {} (catalog)\n\
         clock skew between nodes and this workstation at most {} s\n\
         every node reaches the others (SSH port)",
        l.control_plane_min_cpus,
        l.control_plane_min_memory_mb,
        config.cluster.kubernetes_version,
        l.max_clock_skew_secs
    )
}

/// `host:port` of the API server: the configured endpoint (":6443" added when it has no
/// port), else the first control plane's address on 6443.
pub fn control_plane_endpoint(configured: Option<&str>, cp: &NodeConfig) -> String {
    match configured.map(str::trim).filter(|s| !s.is_empty()) {
        Some(e) => {
            let has_port = if let Some(rest) = e.strip_prefix('[') {
                rest.contains("]:")
            } else {
                e.rsplit_once(':')
                    .is_some_and(|(h, p)| !h.contains(':') && p.parse::<u16>().is_ok())
            };
            if has_port {
                e.to_string()
            } else if e.contains(':') && !e.starts_with('[') {
                format!("[{e}]:6443")
            } else {
                format!("{e}:6443")
            }
        }
        None if cp.address.contains(':') => format!("[{}]:6443", cp.address),
        None => format!("{}:6443", cp.address),
    }
}

struct Ctx<'a> {
    config: &'a ClusterConfig,
    cp: &'a NodeConfig,
    k8s_version: String,
    k8s_minor: String,
    kubeadm_api: String,
    sandbox_image: String,
    containerd_min: String,
    image_repository: String,
    endpoint: String,
    hosts: String,
    rpm_repo: String,
    rpm_key: String,
    deb_repo: String,
    deb_key: String,
    docker_rpm_repo: String,
    docker_deb_repo: String,
    docker_deb_key: String,
    centos7_vault: String,
    ready_deadline: Duration,
}

impl Ctx<'_> {
    /// The non-secret environment of `step` on `node`, in a stable order.
    fn env(&self, step: StepId, node: &NodeConfig) -> Vec<(String, String)> {
        let c = &self.config.cluster;
        let mut env: Vec<(&str, String)> = vec![
            ("KW_STEP", step.name().to_string()),
            ("KW_NODE", node.name.clone()),
        ];
        match step {
            StepId::Facts => {
                let peers: Vec<String> = self
                    .config
                    .nodes
                    .iter()
                    .filter(|n| n.name != node.name)
                    .map(|n| {
                        let port = n.port.unwrap_or(self.config.ssh.port);
                        format!("{}:{port}", n.address)
                    })
                    .collect();
                env.push(("KW_PEERS", peers.join(" ")));
            }
            StepId::Preflight => {}
            StepId::Repos => env.push(("KW_CENTOS7_VAULT_URL", self.centos7_vault.clone())),
            StepId::Hostname => {
                env.push(("KW_HOSTNAME", node.name.clone()));
                env.push(("KW_HOSTS", self.hosts.clone()));
            }
            StepId::Firewall | StepId::Swap | StepId::Sysctl | StepId::Kubeconfig => {}
            StepId::Modules => env.push(("KW_PROXY_MODE", c.proxy_mode.as_str().into())),
            StepId::Time => env.push(("KW_TIMEZONE", c.timezone.clone().unwrap_or_default())),
            StepId::Containerd => {
                env.push(("KW_SANDBOX_IMAGE", self.sandbox_image.clone()));
                env.push(("KW_CONTAINERD_MIN", self.containerd_min.clone()));
                env.push(("KW_DOCKER_REPO_URL", self.docker_rpm_repo.clone()));
                env.push(("KW_DOCKER_DEB_REPO_URL", self.docker_deb_repo.clone()));
                env.push(("KW_DOCKER_DEB_KEY", self.docker_deb_key.clone()));
            }
            StepId::Packages => {
                env.push(("KW_K8S_VERSION", self.k8s_version.clone()));
                env.push(("KW_K8S_MINOR", self.k8s_minor.clone()));
                env.push(("KW_REPO_RPM_URL", self.rpm_repo.clone()));
                env.push(("KW_REPO_RPM_KEY", self.rpm_key.clone()));
                env.push(("KW_REPO_DEB_URL", self.deb_repo.clone()));
                env.push(("KW_REPO_DEB_KEY", self.deb_key.clone()));
            }
            StepId::Images => {
                env.push(("KW_K8S_VERSION", self.k8s_version.clone()));
                env.push(("KW_IMAGE_REPOSITORY", self.image_repository.clone()));
            }
            StepId::Init => {
                env.push(("KW_NODE_NAME", node.name.clone()));
                env.push(("KW_NODE_ADDRESS", node.address.clone()));
                env.push(("KW_KUBEADM_API", self.kubeadm_api.clone()));
                env.push(("KW_K8S_VERSION", self.k8s_version.clone()));
                env.push(("KW_IMAGE_REPOSITORY", self.image_repository.clone()));
                env.push(("KW_CONTROL_PLANE_ENDPOINT", self.endpoint.clone()));
                env.push(("KW_POD_CIDR", c.pod_cidr.clone()));
                env.push(("KW_SERVICE_CIDR", c.service_cidr.clone()));
                env.push(("KW_PROXY_MODE", c.proxy_mode.as_str().into()));
            }
            StepId::Cni => {
                env.push(("KW_CNI", c.cni.as_str().into()));
                env.push(("KW_CNI_MANIFEST_PATH", CNI_MANIFEST_REMOTE_PATH.into()));
                env.push(("KW_POD_CIDR", c.pod_cidr.clone()));
            }
            StepId::Join => {
                env.push(("KW_API_ENDPOINT", self.endpoint.clone()));
                env.push(("KW_NODE_NAME", node.name.clone()));
                env.push(("KW_NODE_ADDRESS", node.address.clone()));
                let cp = if node.role == Role::ControlPlane {
                    "1"
                } else {
                    "0"
                };
                env.push(("KW_JOIN_CONTROL_PLANE", cp.into()));
            }
            StepId::Ready => {
                env.push(("KW_TARGET_NODE", node.name.clone()));
                env.push((
                    "KW_READY_DEADLINE",
                    self.ready_deadline.as_secs().to_string(),
                ));
            }
            StepId::Dashboard => {
                env.push((
                    "KW_DASHBOARD_MANIFEST_PATH",
                    DASHBOARD_MANIFEST_REMOTE_PATH.into(),
                ));
                env.push(("KW_DASHBOARD_ADDRESS", self.cp.address.clone()));
            }
        }
        env.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
    }
}

impl Plan {
    /// The full script of a task as `kubewiz plan` prints it: secrets redacted.
    /// A local task (preflight) renders as a comment saying what the workstation checks.
    pub fn render(&self, task: &Task) -> String {
        match &task.kind {
            TaskKind::Remote(s) => {
                script::assemble(&s.env, &s.secrets, Secrets::Redacted, s.body, "kw_main")
            }
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
    let (_, body) = script::asset(StepId::Facts).expect("facts has an asset");
    let env = vec![
        ("KW_STEP".to_string(), "facts".to_string()),
        ("KW_NODE".to_string(), node.to_string()),
        ("KW_PEERS".to_string(), peers.join(" ")),
    ];
    script::assemble(&env, &[], Secrets::Redacted, body, "kw_main")
}
