//! Manifests the cluster steps apply (CNI, dashboard) are fetched on the workstation — nodes
//! in China often cannot reach GitHub — or taken from a local file, patched to agree with
//! the config (the pod CIDR), and uploaded to the path the step's script reads.

use super::Failure;
use super::run::Shared;
use super::transport::Session;
use crate::config::ClusterConfig;
use crate::plan::{StepId, Task, TaskKind};
use crate::ssh::SshError;
use std::path::{Path, PathBuf};

/// Uploads the manifest a task needs, if any. `Ok(Some(failure))` when the manifest cannot
/// be had or patched (a step failure with a hint, not a connection problem).
pub(super) async fn upload_for(
    sh: &Shared,
    conn: &dyn Session,
    task: &Task,
) -> Result<Option<Failure>, SshError> {
    let TaskKind::Remote(script) = &task.kind else {
        return Ok(None);
    };
    let (var, which) = match task.step {
        StepId::Cni => ("KW_CNI_MANIFEST_PATH", Which::Cni),
        StepId::Dashboard => ("KW_DASHBOARD_MANIFEST_PATH", Which::Dashboard),
        _ => return Ok(None),
    };
    let Some((_, remote_path)) = script.env.iter().find(|(k, _)| k == var) else {
        return Ok(None);
    };
    let text = match prepare(&sh.cfg, &sh.state_dir, which) {
        Ok(t) => t,
        Err(e) => {
            return Ok(Some(Failure {
                exit_code: None,
                error: e.clone(),
                tail: vec![e],
                hint: Some(match which {
                    Which::Cni => "download the manifest on a machine with internet access and set cluster.cni_manifest = \"path/to/file\" in cluster.toml".into(),
                    Which::Dashboard => "download the dashboard manifest and set cluster.dashboard_manifest = \"path/to/file\"".into(),
                }),
            }));
        }
    };
    conn.upload(remote_path, text.as_bytes(), "0644").await?;
    Ok(None)
}

#[derive(Clone, Copy)]
pub enum Which {
    Cni,
    Dashboard,
}

/// The manifest text, patched: local file > cached download > fresh download (curl).
pub fn prepare(cfg: &ClusterConfig, state_dir: &Path, which: Which) -> Result<String, String> {
    let (local, url, cache_name) = match which {
        Which::Cni => {
            let (url, version) = cni_url(cfg)?;
            let name = format!("{}-v{version}.yaml", cfg.cluster.cni.as_str());
            (cfg.cluster.cni_manifest.clone(), url, name)
        }
        Which::Dashboard => (
            cfg.cluster.dashboard_manifest.clone(),
            {
                let m = &crate::catalog::Catalog::builtin().manifests;
                m.dashboard.replace("{version}", &m.dashboard_version)
            },
            "dashboard.yaml".to_string(),
        ),
    };
    let raw = match local {
        Some(p) => {
            let p = crate::ssh::expand_home(&p);
            std::fs::read_to_string(&p).map_err(|e| format!("cannot read {}: {e}", p.display()))?
        }
        None => fetch_cached(&state_dir.join("manifests").join(cache_name), &url)?,
    };
    match which {
        Which::Cni => {
            crate::plan::manifest::patch_cni(cfg.cluster.cni, &raw, &cfg.cluster.pod_cidr)
        }
        Which::Dashboard => crate::plan::manifest::patch_dashboard(&raw),
    }
}

fn cni_url(cfg: &ClusterConfig) -> Result<(String, String), String> {
    let cat = crate::catalog::Catalog::builtin();
    let minor = cat
        .minor_for(&cfg.cluster.kubernetes_version)
        .map_err(|e| e.to_string())?;
    let version = cfg.cni_version(minor).to_string();
    Ok((cat.manifest_url(cfg.cluster.cni, &version), version))
}

fn fetch_cached(cache: &PathBuf, url: &str) -> Result<String, String> {
    if let Ok(t) = std::fs::read_to_string(cache) {
        return Ok(t);
    }
    if let Some(dir) = cache.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let out = std::process::Command::new("curl")
        .args(["-fsSL", "--max-time", "60", "-o"])
        .arg(cache)
        .arg(url)
        .output()
        .map_err(|e| format!("cannot run curl to download {url}: {e}"))?;
    if !out.status.success() {
        let _ = std::fs::remove_file(cache);
        return Err(format!(
            "cannot download {url} on this workstation: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    std::fs::read_to_string(cache).map_err(|e| format!("cannot read {}: {e}", cache.display()))
}
