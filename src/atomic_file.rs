//! Replacing a file atomically: a reader (or a crash at any instant, kill -9 or power loss)
//! sees either the old content or the new, never a torn file. The one way kubewiz writes the
//! journal, the kubeconfig and cluster.toml.
//!
//! How: a temp file with a unique name in the same directory (so the rename stays within
//! one filesystem), created with its final permissions, written, fsynced, renamed over the
//! target, then the directory fsynced so that the rename itself is durable.

use std::fs::{self, Permissions};
use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// Replaces `path` with `data`, mode 0600 from the first byte (secrets, the journal).
pub fn write_private(path: &Path, data: &[u8]) -> io::Result<()> {
    write(path, data, Permissions::from_mode(0o600), false)
}

/// Replaces `path` with `data`, keeping the permissions of the file it replaces; a new file
/// gets 0666 less the umask, as `std::fs::write` would give it (cluster.toml).
pub fn write_keeping_mode(path: &Path, data: &[u8]) -> io::Result<()> {
    match fs::metadata(path) {
        Ok(m) => write(path, data, m.permissions(), true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            write(path, data, Permissions::from_mode(0o666), false)
        }
        Err(e) => Err(e),
    }
}

/// `exact`: set `perm` as given; otherwise create with it (the umask applies).
fn write(path: &Path, data: &[u8], perm: Permissions, exact: bool) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .permissions(perm.clone())
        .tempfile_in(dir)?;
    if exact {
        tmp.as_file().set_permissions(perm)?;
    }
    tmp.write_all(data)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    fs::File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(p: &Path) -> u32 {
        fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn private_files_are_0600_and_no_temp_file_is_left() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("kubeconfig");
        write_private(&p, b"one").unwrap();
        write_private(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        assert_eq!(mode(&p), 0o600);
        assert_eq!(entries(d.path()), ["kubeconfig"]);
    }

    #[test]
    fn an_existing_files_mode_is_kept() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("cluster.toml");
        fs::write(&p, "old").unwrap();
        fs::set_permissions(&p, Permissions::from_mode(0o640)).unwrap();
        write_keeping_mode(&p, b"new").unwrap();
        assert_eq!(fs::read_to_string(&p).unwrap(), "new");
        assert_eq!(mode(&p), 0o640);
        assert_eq!(entries(d.path()), ["cluster.toml"]);
    }

    #[test]
    fn a_failed_write_leaves_the_old_file() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("state.json");
        write_private(&p, b"old").unwrap();
        // The target is a directory now: the rename fails; the temp file is removed.
        let q = d.path().join("sub");
        fs::create_dir(&q).unwrap();
        fs::write(q.join("x"), "").unwrap();
        assert!(write_private(&q, b"new").is_err());
        assert_eq!(fs::read(&p).unwrap(), b"old");
        assert_eq!(entries(d.path()), ["state.json", "sub"]);
    }
}
