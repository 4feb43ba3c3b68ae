//! The admin kubeconfig a control plane hands back (`::kw::file kubeconfig BASE64` from `kubeadm
//! init` and from `kubewiz certs renew`), kept private in `.kubewiz/kubeconfig`.

use std::path::{Path, PathBuf};

/// Where the admin kubeconfig of the cluster whose state is in `state_dir` is kept.
pub fn path(state_dir: &Path) -> PathBuf {
    state_dir.join("kubeconfig")
}

/// Why the kubeconfig a node sent was not saved.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error("kubeconfig: bad data from the node: {0}")]
    Decode(#[from] base64::DecodeError),
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Decodes `base64` (as the node sent it) and writes it, owner-only and atomically, to
/// [`path`]; returns where.
pub fn save(state_dir: &Path, base64: &str) -> Result<PathBuf, SaveError> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD.decode(base64.trim())?;
    let path = path(state_dir);
    crate::atomic_file::write_private(&path, &bytes).map_err(|source| SaveError::Write {
        path: path.clone(),
        source,
    })?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn saves_the_decoded_kubeconfig_owner_only_and_refuses_what_is_not_base64() {
        let d = tempfile::tempdir().unwrap();
        let p = save(d.path(), " YXBpVmVyc2lvbjogdjEK\n").unwrap();
        assert_eq!(p, d.path().join("kubeconfig"));
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "apiVersion: v1\n");
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let e = save(d.path(), "not base64!").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("kubeconfig: bad data from the node: "),
            "{e}"
        );
        let gone = d.path().join("gone");
        let e = save(&gone, "YQ==").unwrap_err();
        assert!(
            e.to_string().starts_with(&format!(
                "cannot write {}: ",
                gone.join("kubeconfig").display()
            )),
            "{e}"
        );
    }
}
