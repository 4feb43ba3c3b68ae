//! The identity file (private key) a node is reached with, checked before connecting: a wrong
//! path otherwise surfaces as "Permission denied (publickey)" from ssh, which never says that
//! the file is missing, unreadable, not a private key, or ignored for its permissions.

use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// What is wrong with `path` as an identity file (`~/` already expanded), with the fix.
pub fn check(path: &Path) -> Result<(), String> {
    let shown = path.display();
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(format!(
                "{shown} does not exist; give the path of your private key (e.g. ~/.ssh/id_ed25519)"
            ));
        }
        Err(e) => return Err(format!("cannot read {shown}: {e}")),
    };
    if !meta.is_file() {
        return Err(format!(
            "{shown} is not a file; give the path of your private key"
        ));
    }
    if meta.len() > 64 * 1024 {
        return Err(format!(
            "{shown} is {} bytes: not a private key",
            meta.len()
        ));
    }
    let text = std::fs::read(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    let text = String::from_utf8_lossy(&text);
    let first = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    if first.starts_with("PuTTY-User-Key-File-") {
        return Err(format!(
            "{shown} is a PuTTY key; convert it with `puttygen {shown} -O private-openssh -o {shown}.openssh` \
             and give that file"
        ));
    }
    let public = ["ssh-", "ecdsa-sha2-", "sk-ssh-", "sk-ecdsa-"]
        .iter()
        .any(|p| first.starts_with(p))
        || first.starts_with("---- BEGIN SSH2 PUBLIC KEY");
    if public {
        let private = shown.to_string();
        let hint = private
            .strip_suffix(".pub")
            .map(|p| format!(" ({p})"))
            .unwrap_or_default();
        return Err(format!(
            "{shown} is a public key; give the private key{hint}"
        ));
    }
    if !(first.starts_with("-----BEGIN ") && first.ends_with("PRIVATE KEY-----")) {
        return Err(format!(
            "{shown} is not a private key (it does not start with \"-----BEGIN ... PRIVATE KEY-----\")"
        ));
    }
    // OpenSSH ignores a key of one's own that others can read (authfile.c, sshkey_perm_ok:
    // `st.st_uid == getuid() && (st.st_mode & 077) != 0` -> "UNPROTECTED PRIVATE KEY FILE!").
    let mode = meta.mode() & 0o777;
    if mode & 0o077 != 0 && meta.uid() == own_uid() {
        return Err(format!(
            "{shown} can be read by others (mode {mode:04o}), so ssh ignores it; run `chmod 600 {shown}`"
        ));
    }
    Ok(())
}

/// This process's user id (the owner of /proc/self), without libc.
fn own_uid() -> u32 {
    std::fs::metadata("/proc/self")
        .map(|m| m.uid())
        .unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    const KEY: &str = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n";

    fn file(dir: &Path, name: &str, text: &str, mode: u32) -> std::path::PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
        p
    }

    #[test]
    fn says_what_is_wrong_with_the_file() {
        let d = std::env::temp_dir().join(format!("kw-identity-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        assert!(check(&file(&d, "ok", KEY, 0o600)).is_ok());
        let e = check(&d.join("id_nope")).unwrap_err();
        assert!(e.contains("id_nope does not exist"), "{e}");
        let e = check(&d).unwrap_err();
        assert!(e.contains("is not a file"), "{e}");
        let e = check(&file(&d, "k.pub", "ssh-ed25519 AAAAC3Nz me@host\n", 0o644)).unwrap_err();
        assert!(e.contains("is a public key") && e.ends_with("/k)"), "{e}");
        let e = check(&file(&d, "notes", "hello\n", 0o600)).unwrap_err();
        assert!(e.contains("is not a private key"), "{e}");
        let e = check(&file(
            &d,
            "k.ppk",
            "PuTTY-User-Key-File-3: ssh-ed25519\n",
            0o600,
        ))
        .unwrap_err();
        assert!(e.contains("puttygen"), "{e}");
        let e = check(&file(&d, "open", KEY, 0o644)).unwrap_err();
        assert!(e.contains("mode 0644") && e.contains("chmod 600"), "{e}");
        std::fs::remove_dir_all(&d).unwrap();
    }
}
