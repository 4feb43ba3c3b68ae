//! The journal: `.kubewiz/state.json`, the only memory between runs.
//!
//! Written atomically after every change (temp file, fsync, rename, fsync of the directory),
//! so a kill -9 at any instant leaves either the old or the new file, never a torn one.
//! A step found "running" when a run starts was interrupted: it becomes `Interrupted` and is
//! re-checked (the step's own check) before it is applied again.
//! Secrets are never stored here: join tokens and certificate keys are minted per run.

use crate::config::{ClusterConfig, Problem};
use crate::facts::Facts;
use crate::plan::StepId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

pub const FORMAT_VERSION: u32 = 1;

/// `.kubewiz/` next to cluster.toml.
pub fn state_dir(config_path: &Path) -> PathBuf {
    let parent = config_path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    parent.join(".kubewiz")
}

/// Creates the state directory (mode 0700) and its logs/ folder.
pub fn ensure_state_dir(dir: &Path) -> std::io::Result<()> {
    fs::create_dir_all(dir.join("logs"))?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    fs::set_permissions(dir.join("logs"), fs::Permissions::from_mode(0o700))?;
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StepState {
    Pending,
    Running,
    Done,
    Failed,
    Interrupted,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepRecord {
    pub state: StepState,
    pub attempts: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// First line of what went wrong (redacted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct NodeRecord {
    pub address: String,
    #[serde(default)]
    pub facts: Option<Facts>,
    #[serde(default)]
    pub steps: BTreeMap<StepId, StepRecord>,
}

/// The cluster-wide choices that cannot change once `kubeadm init` ran.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterStamp {
    pub kubernetes_version: String,
    pub pod_cidr: String,
    pub service_cidr: String,
    pub cni: String,
    pub first_control_plane: String,
}

impl ClusterStamp {
    /// What `cfg` changes of these choices, each a problem naming its field, why it cannot
    /// change and what to do (the same for `apply`, `check` and the wizard's forms).
    pub fn changes(&self, cfg: &ClusterConfig) -> Vec<Problem> {
        let now = ClusterStamp::of(cfg);
        let mut problems = Vec::new();
        let mut diff = |field: &str, old: &str, new: &str, why: &str| {
            if old != new {
                problems.push(Problem::field(
                    format!("cluster.{field}"),
                    new,
                    format!(
                        "changed from {old:?} to {new:?}, but the cluster is already initialised with {old:?}"
                    ),
                    why,
                ));
            }
        };
        diff(
            "pod_cidr",
            &self.pod_cidr,
            &now.pod_cidr,
            "pod addresses are allocated from it; put the old value back, or `kubewiz reset --yes` and install anew",
        );
        diff(
            "service_cidr",
            &self.service_cidr,
            &now.service_cidr,
            "Service IPs and the apiserver certificate use it; put the old value back, or reset and install anew",
        );
        diff(
            "cni",
            &self.cni,
            &now.cni,
            "switching the pod network of a live cluster is not supported; put the old value back, or reset and install anew",
        );
        diff(
            "kubernetes_version",
            &self.kubernetes_version,
            &now.kubernetes_version,
            "upgrade with `kubewiz upgrade --to <version>` (one minor at a time; it sets this value when done); put the old value back",
        );
        if self.first_control_plane != now.first_control_plane {
            problems.push(Problem::file(
                format!(
                    "the first control plane changed from {:?} to {:?}",
                    self.first_control_plane, now.first_control_plane
                ),
                "it holds the cluster's CA and must stay first in the file",
            ));
        }
        problems
    }

    /// One line, as `apply` has always said it.
    fn describe(p: &Problem) -> String {
        match &p.field {
            Some(f) => format!("{f} {}: {}", p.message, p.fix.as_deref().unwrap_or("")),
            None => format!("{}; {}", p.message, p.fix.as_deref().unwrap_or("")),
        }
    }

    pub fn of(cfg: &ClusterConfig) -> ClusterStamp {
        ClusterStamp {
            kubernetes_version: cfg.cluster.kubernetes_version.clone(),
            pod_cidr: cfg.cluster.pod_cidr.clone(),
            service_cidr: cfg.cluster.service_cidr.clone(),
            cni: cfg.cluster.cni.as_str().to_string(),
            first_control_plane: cfg
                .first_control_plane()
                .map(|n| n.name.clone())
                .unwrap_or_default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Journal {
    pub version: u32,
    pub cluster: ClusterStamp,
    #[serde(default)]
    pub nodes: BTreeMap<String, NodeRecord>,
    #[serde(skip)]
    path: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error(
        "the journal {path} is unreadable ({reason}); it was moved aside to {kept}. \
         Run `kubewiz apply` again: every step is re-checked on the nodes and only what is \
         missing is applied"
    )]
    Corrupt {
        path: PathBuf,
        reason: String,
        kept: PathBuf,
    },
    #[error("cannot write the journal {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "another kubewiz is working on this cluster (lock {path} is held); wait for it to finish \
         or stop it, then run again"
    )]
    Locked { path: PathBuf },
    #[error("{0}")]
    Incompatible(String),
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The install's journal file in the state directory (an upgrade keeps one per hop:
/// `upgrade-<version>.json`, same format).
pub const INSTALL_FILE: &str = "state.json";

impl Journal {
    pub fn new(state_dir: &Path, cfg: &ClusterConfig) -> Journal {
        Journal::new_in(state_dir, INSTALL_FILE, cfg)
    }

    /// A new journal kept in `state_dir/file`.
    pub fn new_in(state_dir: &Path, file: &str, cfg: &ClusterConfig) -> Journal {
        Journal {
            version: FORMAT_VERSION,
            cluster: ClusterStamp::of(cfg),
            nodes: BTreeMap::new(),
            path: state_dir.join(file),
        }
    }

    /// Loads `state.json`; `Ok(None)` when there is none yet. A garbage or truncated file is
    /// moved aside (`state.json.corrupt-<time>`) and reported, never silently replaced.
    pub fn load(state_dir: &Path) -> Result<Option<Journal>, JournalError> {
        Journal::load_from(state_dir, INSTALL_FILE)
    }

    /// The install journal as it is, for a look that changes nothing (`kubewiz check`, the
    /// wizard, `load_config`): None when there is none or it cannot be read. Unlike
    /// [`Journal::load`], a garbage file is left where it is, for `apply` to report.
    pub fn peek(state_dir: &Path) -> Option<Journal> {
        let text = fs::read(state_dir.join(INSTALL_FILE)).ok()?;
        serde_json::from_slice::<Journal>(&text)
            .ok()
            .filter(|j| j.version == FORMAT_VERSION)
    }

    /// Like [`Journal::load`], for the journal in `state_dir/file`.
    pub fn load_from(state_dir: &Path, file: &str) -> Result<Option<Journal>, JournalError> {
        let path = state_dir.join(file);
        let text = match fs::read(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(JournalError::Io { path, source }),
        };
        match serde_json::from_slice::<Journal>(&text) {
            Ok(mut j) if j.version == FORMAT_VERSION => {
                j.path = path;
                Ok(Some(j))
            }
            Ok(j) => Err(JournalError::Incompatible(format!(
                "{} has format version {}, this kubewiz reads version {FORMAT_VERSION}",
                path.display(),
                j.version
            ))),
            Err(e) => {
                let kept = state_dir.join(format!("{file}.corrupt-{}", now()));
                let _ = fs::rename(&path, &kept);
                Err(JournalError::Corrupt {
                    path,
                    reason: e.to_string(),
                    kept,
                })
            }
        }
    }

    /// Steps left "running" by a run that died are marked interrupted.
    pub fn mark_running_interrupted(&mut self) -> bool {
        let mut changed = false;
        for node in self.nodes.values_mut() {
            for rec in node.steps.values_mut() {
                if rec.state == StepState::Running {
                    rec.state = StepState::Interrupted;
                    changed = true;
                }
            }
        }
        changed
    }

    pub fn step(&self, node: &str, step: StepId) -> Option<&StepRecord> {
        self.nodes.get(node)?.steps.get(&step)
    }

    pub fn is_done(&self, node: &str, step: StepId) -> bool {
        self.step(node, step)
            .is_some_and(|r| r.state == StepState::Done)
    }

    pub fn node_mut(&mut self, node: &str, address: &str) -> &mut NodeRecord {
        let rec = self.nodes.entry(node.to_string()).or_default();
        rec.address = address.to_string();
        rec
    }

    pub fn set_facts(&mut self, node: &str, address: &str, facts: Facts) {
        self.node_mut(node, address).facts = Some(facts);
    }

    pub fn facts(&self, node: &str) -> Option<&Facts> {
        self.nodes.get(node)?.facts.as_ref()
    }

    /// Records a transition of one step.
    pub fn record(
        &mut self,
        node: &str,
        address: &str,
        step: StepId,
        state: StepState,
    ) -> &mut StepRecord {
        let rec = self
            .node_mut(node, address)
            .steps
            .entry(step)
            .or_insert(StepRecord {
                state: StepState::Pending,
                attempts: 0,
                started_at: None,
                finished_at: None,
                exit_code: None,
                error: None,
            });
        match state {
            StepState::Running => {
                rec.attempts += 1;
                rec.started_at = Some(now());
                rec.finished_at = None;
                rec.exit_code = None;
                rec.error = None;
            }
            StepState::Done | StepState::Failed | StepState::Interrupted => {
                rec.finished_at = Some(now());
            }
            StepState::Pending => {}
        }
        rec.state = state;
        rec
    }

    /// Whether `kubeadm init` is recorded done: from then on the cluster-wide choices are fixed.
    pub fn initialized(&self) -> bool {
        self.is_done(&self.cluster.first_control_plane, StepId::Init)
    }

    /// Refuses config changes that an installed cluster cannot take.
    pub fn check_compatible(&self, cfg: &ClusterConfig) -> Result<(), JournalError> {
        if !self.initialized() {
            return Ok(());
        }
        let problems = self.cluster.changes(cfg);
        if problems.is_empty() {
            return Ok(());
        }
        Err(JournalError::Incompatible(
            problems
                .iter()
                .map(ClusterStamp::describe)
                .collect::<Vec<_>>()
                .join("\n"),
        ))
    }

    /// The choices fixed by `kubeadm init` (None before it ran).
    pub fn initialised_with(&self) -> Option<&ClusterStamp> {
        self.initialized().then_some(&self.cluster)
    }

    /// Forgets a node's records (after `kubewiz reset --node`).
    pub fn forget_node(&mut self, node: &str) {
        self.nodes.remove(node);
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn set_path(&mut self, state_dir: &Path) {
        self.path = state_dir.join("state.json");
    }

    /// Atomic save (see [`crate::atomic_file`]): mode 0600, fsynced, renamed over
    /// state.json, the directory fsynced.
    pub fn save(&self) -> Result<(), JournalError> {
        let data = serde_json::to_vec_pretty(self).expect("journal serialises");
        crate::atomic_file::write_private(&self.path, &data).map_err(|source| JournalError::Io {
            path: self.path.clone(),
            source,
        })
    }
}

/// An exclusive lock on the state directory for the lifetime of a run: a second kubewiz on
/// the same cluster.toml refuses instead of interleaving. Released when dropped (or when the
/// process dies: it is a kernel file lock).
pub struct RunLock {
    _file: fs::File,
}

impl RunLock {
    pub fn acquire(state_dir: &Path) -> Result<RunLock, JournalError> {
        let path = state_dir.join("lock");
        let file = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&path)
            .map_err(|source| JournalError::Io {
                path: path.clone(),
                source,
            })?;
        match file.try_lock() {
            Ok(()) => Ok(RunLock { _file: file }),
            Err(_) => Err(JournalError::Locked { path }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> ClusterConfig {
        crate::config::parse_and_validate(
            r#"
[cluster]
name = "t"
kubernetes_version = "1.25.3"
[[node]]
name = "cp"
address = "192.0.2.10"
role = "control-plane"
"#,
            Path::new("cluster.toml"),
        )
        .expect("valid config")
    }

    #[test]
    fn saves_atomically_and_loads_back() {
        let dir = tempfile::tempdir().unwrap();
        ensure_state_dir(dir.path()).unwrap();
        let mut j = Journal::new(dir.path(), &cfg());
        j.record("cp", "192.0.2.10", StepId::Swap, StepState::Running);
        j.record("cp", "192.0.2.10", StepId::Swap, StepState::Done);
        j.save().unwrap();
        let back = Journal::load(dir.path()).unwrap().unwrap();
        assert!(back.is_done("cp", StepId::Swap));
        assert_eq!(back.step("cp", StepId::Swap).unwrap().attempts, 1);
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert!(
            !names.iter().any(|n| n.to_string_lossy().ends_with(".tmp")),
            "{names:?}"
        );
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(dir.path().join("state.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let dmode = fs::metadata(dir.path()).unwrap().permissions().mode();
        assert_eq!(dmode & 0o777, 0o700);
    }

    #[test]
    fn running_becomes_interrupted_on_load() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journal::new(dir.path(), &cfg());
        j.record("cp", "192.0.2.10", StepId::Containerd, StepState::Running);
        j.save().unwrap();
        let mut back = Journal::load(dir.path()).unwrap().unwrap();
        assert!(back.mark_running_interrupted());
        assert_eq!(
            back.step("cp", StepId::Containerd).unwrap().state,
            StepState::Interrupted
        );
    }

    #[test]
    fn garbage_is_moved_aside_with_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("state.json"), b"{\"version\": 1, \"clus").unwrap();
        let err = Journal::load(dir.path()).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("unreadable"), "{msg}");
        assert!(msg.contains("moved aside"), "{msg}");
        assert!(!dir.path().join("state.json").exists());
        let kept: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with("state.json.corrupt-")
            })
            .collect();
        assert_eq!(kept.len(), 1);
        // The next load starts afresh.
        assert!(Journal::load(dir.path()).unwrap().is_none());
        // A look (check, the wizard) found nothing and moved nothing.
        std::fs::write(dir.path().join("state.json"), b"{\"version\":1,\"clu").unwrap();
        assert!(Journal::peek(dir.path()).is_none());
        assert!(
            dir.path().join("state.json").exists(),
            "left for apply to report"
        );
    }

    #[test]
    fn second_lock_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let first = RunLock::acquire(dir.path()).unwrap();
        let err = RunLock::acquire(dir.path())
            .err()
            .expect("second lock refused");
        assert!(err.to_string().contains("another kubewiz"), "{err}");
        drop(first);
        RunLock::acquire(dir.path()).expect("free again");
    }

    #[test]
    fn initialised_cluster_refuses_cidr_and_cni_changes() {
        let dir = tempfile::tempdir().unwrap();
        let c = cfg();
        let mut j = Journal::new(dir.path(), &c);
        j.record("cp", "192.0.2.10", StepId::Init, StepState::Done);
        let mut changed = c.clone();
        changed.cluster.pod_cidr = "10.250.0.0/16".into();
        changed.cluster.cni = crate::config::Cni::Flannel;
        let msg = j.check_compatible(&changed).unwrap_err().to_string();
        assert!(msg.contains("cluster.pod_cidr"), "{msg}");
        assert!(msg.contains("cluster.cni"), "{msg}");
        assert!(j.check_compatible(&c).is_ok());
    }
}
