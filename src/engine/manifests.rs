//! The manifests the cluster steps apply (CNI, dashboard), prepared on the workstation and
//! uploaded to the path the step's script reads, patched to agree with the config (the pod
//! CIDR, the dashboard's node port).
//!
//! Where the text comes from, first match wins:
//! 1. the user's own file (`cluster.cni_manifest` / `cluster.dashboard_manifest`), as given;
//! 2. the copy built into kubewiz (the catalog's default releases: no network at all, which is
//!    what a workstation behind the Great Firewall needs);
//! 3. a copy downloaded earlier into `.kubewiz/manifests/`;
//! 4. a download on the workstation (nodes in China often cannot reach GitHub): `curl` into a
//!    `.part` file, renamed once complete and verified.
//!
//! Everything but the user's own file is checked against the catalog's sha256 before use: a
//! truncated download, a changed upstream file or a tampered cache is refused, never applied.

use super::Failure;
use super::run::Shared;
use super::transport::Session;
use crate::catalog::{Catalog, ManifestSource, sha256_hex};
use crate::config::ClusterConfig;
use crate::plan::{Task, TaskKind};
use crate::ssh::SshError;
use std::path::{Path, PathBuf};

/// Seconds a manifest download may take in total (curl --max-time).
const DOWNLOAD_MAX_SECS: u32 = 120;

/// Uploads the manifest a task needs, if any. `Ok(Some(failure))` when the manifest cannot
/// be had or patched (a step failure with a hint, not a connection problem).
pub(super) async fn upload_for(
    sh: &Shared,
    conn: &dyn Session,
    task: &Task,
) -> Result<Option<Failure>, SshError> {
    let TaskKind::Remote(_) = &task.kind else {
        return Ok(None);
    };
    let Some(upload) = task.step.def().upload else {
        return Ok(None);
    };
    let (which, remote_path) = (upload.manifest, upload.path);
    let text = match prepare(&sh.cfg, &sh.state_dir, which).await {
        Ok(t) => t,
        Err(e) => {
            return Ok(Some(Failure {
                exit_code: None,
                error: e.clone(),
                tail: vec![e],
                hint: Some(match which {
                    Which::Cni => "download the manifest on a machine with internet access and set cluster.cni_manifest = \"path/to/file\" in cluster.toml (or choose a cni_version that is built into kubewiz: `kubewiz plan` says which)".into(),
                    Which::Dashboard => "download the dashboard manifest and set cluster.dashboard_manifest = \"path/to/file\"".into(),
                }),
            }));
        }
    };
    conn.upload(remote_path, text.as_bytes(), "0644").await?;
    Ok(None)
}

/// Which manifest: the step definition's `upload` says.
pub use crate::plan::Manifest as Which;

/// Where a manifest's text came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The user's file (not hashed: it is theirs to edit).
    LocalFile(PathBuf),
    /// Built into kubewiz.
    Builtin,
    /// Downloaded by an earlier run (verified again).
    Cached(PathBuf),
    /// Downloaded now (verified, then renamed into place).
    Downloaded(PathBuf),
}

/// The catalog's entry for the manifest `which` of this config.
pub fn source<'c>(
    cfg: &ClusterConfig,
    catalog: &'c Catalog,
    which: Which,
) -> Result<ManifestSource<'c>, String> {
    match which {
        Which::Cni => {
            let minor = catalog
                .minor_for(&cfg.cluster.kubernetes_version)
                .map_err(|e| e.to_string())?;
            let version = cfg.cni_version(minor);
            catalog
                .cni_manifest(cfg.cluster.cni, version)
                .ok_or_else(|| {
                    format!(
                        "{} {version} is not in kubewiz's catalog",
                        cfg.cluster.cni.as_str()
                    )
                })
        }
        Which::Dashboard => Ok(catalog.dashboard_manifest()),
    }
}

/// The manifest text, patched for the config.
pub async fn prepare(
    cfg: &ClusterConfig,
    state_dir: &Path,
    which: Which,
) -> Result<String, String> {
    let (raw, _) = raw(cfg, state_dir, which).await?;
    let text = String::from_utf8(raw).map_err(|_| "the manifest is not UTF-8 text".to_string())?;
    match which {
        Which::Cni => {
            crate::plan::manifest::patch_cni(cfg.cluster.cni, &text, &cfg.cluster.pod_cidr)
        }
        Which::Dashboard => crate::plan::manifest::patch_dashboard(&text),
    }
}

/// The manifest as published (or as the user gave it), and where it came from.
pub async fn raw(
    cfg: &ClusterConfig,
    state_dir: &Path,
    which: Which,
) -> Result<(Vec<u8>, Origin), String> {
    let local = match which {
        Which::Cni => cfg.cluster.cni_manifest.as_ref(),
        Which::Dashboard => cfg.cluster.dashboard_manifest.as_ref(),
    };
    if let Some(p) = local {
        let p = crate::ssh::expand_home(p);
        let bytes = tokio::fs::read(&p)
            .await
            .map_err(|e| format!("cannot read {}: {e}", p.display()))?;
        return Ok((bytes, Origin::LocalFile(p)));
    }
    let src = source(cfg, Catalog::builtin(), which)?;
    if let Some(bytes) = src.builtin {
        verify(&src, bytes, "the copy built into kubewiz")?;
        return Ok((bytes.to_vec(), Origin::Builtin));
    }
    fetch_verified(&src, &state_dir.join("manifests")).await
}

fn verify(src: &ManifestSource<'_>, bytes: &[u8], what: &str) -> Result<(), String> {
    let got = sha256_hex(bytes);
    if got == src.sha256 {
        Ok(())
    } else {
        Err(format!(
            "{what} of {} ({} bytes) has sha256 {got}, the catalog expects {}: not used",
            src.name,
            bytes.len(),
            src.sha256
        ))
    }
}

/// The verified file from `dir` (downloaded earlier) or downloaded now into `dir`.
pub async fn fetch_verified(
    src: &ManifestSource<'_>,
    dir: &Path,
) -> Result<(Vec<u8>, Origin), String> {
    let dest = dir.join(&src.file_name);
    if let Ok(bytes) = tokio::fs::read(&dest).await {
        if verify(src, &bytes, "the downloaded copy").is_ok() {
            return Ok((bytes, Origin::Cached(dest)));
        }
        // A stale or damaged copy: fetch it again.
        let _ = tokio::fs::remove_file(&dest).await;
    }
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let bytes = download(src, &dest).await?;
    Ok((bytes, Origin::Downloaded(dest)))
}

/// Downloads `src.url` to `<dest>.part`, checks the sha256, renames it to `dest`.
async fn download(src: &ManifestSource<'_>, dest: &Path) -> Result<Vec<u8>, String> {
    let mut part = dest.as_os_str().to_owned();
    part.push(".part");
    let part = PathBuf::from(part);
    let cannot = |why: String| {
        format!(
            "cannot download {} ({}) on this workstation: {why}",
            src.name, src.url
        )
    };
    let out = tokio::process::Command::new("curl")
        // -q: no ~/.curlrc; -f: HTTP errors fail; redirects followed; bounded in time.
        .args(["-q", "-fsSL", "--connect-timeout", "20", "--max-time"])
        .arg(DOWNLOAD_MAX_SECS.to_string())
        .arg("-o")
        .arg(&part)
        .arg(&src.url)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output()
        .await;
    let out = match out {
        Ok(o) => o,
        Err(e) => {
            return Err(cannot(format!(
                "cannot run curl ({e}); install curl or give a local copy"
            )));
        }
    };
    if !out.status.success() {
        let _ = tokio::fs::remove_file(&part).await;
        let err = String::from_utf8_lossy(&out.stderr);
        let err = err.trim();
        return Err(cannot(if err.is_empty() {
            format!("curl exited with {}", out.status)
        } else {
            err.to_string()
        }));
    }
    let bytes = tokio::fs::read(&part)
        .await
        .map_err(|e| cannot(format!("cannot read {}: {e}", part.display())))?;
    if let Err(e) = verify(src, &bytes, &format!("the download from {}", src.url)) {
        let _ = tokio::fs::remove_file(&part).await;
        return Err(e);
    }
    let synced = tokio::fs::File::open(&part).await;
    if let Ok(f) = synced {
        let _ = f.sync_all().await;
    }
    tokio::fs::rename(&part, dest)
        .await
        .map_err(|e| cannot(format!("cannot rename {} into place: {e}", part.display())))?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;

    /// A one-shot HTTP server on loopback answering every request with `status`, the
    /// `Content-Length` header of `claimed` bytes and `body` (fewer bytes: a broken transfer).
    fn serve(status: &'static str, body: Vec<u8>, claimed: usize) -> String {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        std::thread::spawn(move || {
            for s in l.incoming().take(4) {
                let Ok(mut s) = s else { continue };
                let mut buf = [0u8; 2048];
                let _ = s.read(&mut buf);
                let _ = write!(
                    s,
                    "HTTP/1.1 {status}\r\nContent-Length: {claimed}\r\nConnection: close\r\n\r\n"
                );
                let _ = s.write_all(&body);
            }
        });
        format!("http://{addr}/calico.yaml")
    }

    fn src(url: String, sha: &str) -> ManifestSource<'static> {
        ManifestSource {
            name: "calico 9.9.9".into(),
            url,
            sha256: Box::leak(sha.to_string().into_boxed_str()),
            images: &[],
            builtin: None,
            file_name: "calico-v9.9.9.yaml".into(),
        }
    }

    fn files(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    }

    #[tokio::test]
    async fn downloads_to_part_then_renames_and_reuses_the_verified_copy() {
        let body = b"kind: DaemonSet\n".to_vec();
        let sha = sha256_hex(&body);
        let dir = tempfile::tempdir().unwrap();
        let s = src(serve("200 OK", body.clone(), body.len()), &sha);
        let (got, origin) = fetch_verified(&s, dir.path()).await.unwrap();
        assert_eq!(got, body);
        assert_eq!(
            origin,
            Origin::Downloaded(dir.path().join("calico-v9.9.9.yaml"))
        );
        assert_eq!(files(dir.path()), vec!["calico-v9.9.9.yaml"]);
        // Second time: the verified copy, no network (the URL now points nowhere).
        let offline = src("http://127.0.0.1:9/x".into(), &sha);
        let (again, origin) = fetch_verified(&offline, dir.path()).await.unwrap();
        assert_eq!(again, body);
        assert!(matches!(origin, Origin::Cached(_)));
    }

    #[tokio::test]
    async fn a_wrong_sha256_is_refused_and_nothing_is_kept() {
        let body = b"kind: Evil\n".to_vec();
        let dir = tempfile::tempdir().unwrap();
        let want = sha256_hex(b"kind: DaemonSet\n");
        let s = src(serve("200 OK", body.clone(), body.len()), &want);
        let e = fetch_verified(&s, dir.path()).await.unwrap_err();
        assert!(e.contains(&want) && e.contains(&sha256_hex(&body)), "{e}");
        assert!(e.contains("not used"), "{e}");
        assert!(files(dir.path()).is_empty(), "{:?}", files(dir.path()));
    }

    #[tokio::test]
    async fn a_broken_transfer_leaves_no_file_and_says_why() {
        let dir = tempfile::tempdir().unwrap();
        let s = src(
            serve("200 OK", b"kind: Dae".to_vec(), 4096),
            &"0".repeat(64),
        );
        let e = fetch_verified(&s, dir.path()).await.unwrap_err();
        assert!(e.contains("cannot download calico 9.9.9"), "{e}");
        assert!(e.contains("curl: (18)"), "{e}");
        assert!(files(dir.path()).is_empty(), "{:?}", files(dir.path()));
        let s = src(serve("404 Not Found", Vec::new(), 0), &"0".repeat(64));
        let e = fetch_verified(&s, dir.path()).await.unwrap_err();
        assert!(e.contains("404"), "{e}");
        assert!(files(dir.path()).is_empty());
    }

    #[tokio::test]
    async fn a_damaged_cached_copy_is_downloaded_again() {
        let body = b"kind: DaemonSet\n".to_vec();
        let sha = sha256_hex(&body);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("calico-v9.9.9.yaml"), b"kind: Daem").unwrap();
        let s = src(serve("200 OK", body.clone(), body.len()), &sha);
        let (got, origin) = fetch_verified(&s, dir.path()).await.unwrap();
        assert_eq!(got, body);
        assert!(matches!(origin, Origin::Downloaded(_)));
    }

    #[tokio::test]
    async fn the_seed_manifests_come_built_in_with_no_download() {
        let cfg = crate::config::parse_and_validate(
            "[cluster]\nname = \"t\"\nkubernetes_version = \"1.25.3\"\nmirror = \"aliyun\"\n\
             dashboard = true\npod_cidr = \"10.10.0.0/16\"\n\
             [[node]]\nname = \"cp\"\naddress = \"192.0.2.10\"\nrole = \"control-plane\"\n",
            Path::new("cluster.toml"),
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let (_, origin) = raw(&cfg, dir.path(), Which::Cni).await.unwrap();
        assert_eq!(origin, Origin::Builtin);
        let cni = prepare(&cfg, dir.path(), Which::Cni).await.unwrap();
        assert!(cni.contains("value: \"10.10.0.0/16\""));
        let dash = prepare(&cfg, dir.path(), Which::Dashboard).await.unwrap();
        assert!(dash.contains("nodePort: 30001"));
        assert!(files(dir.path()).is_empty(), "nothing downloaded");
    }
}
