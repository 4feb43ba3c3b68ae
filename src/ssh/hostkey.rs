//! Host keys for the wizard's trust-on-first-use: scan a node's keys (`ssh-keyscan`), show
//! their SHA256 fingerprints (`ssh-keygen -l`), compare with known_hosts (`ssh-keygen -F`,
//! which also understands hashed entries) and append the keys the user trusted.
//!
//! Nothing here ever turns checking off: an unknown key is only recorded after the user saw
//! its fingerprint and said yes; a changed key is refused.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScannedKey {
    /// e.g. "ssh-ed25519"
    pub key_type: String,
    /// The known_hosts line, e.g. "[192.0.2.10]:2222 ssh-ed25519 AAAA...".
    pub line: String,
    /// "SHA256:..." as `ssh-keygen -l` prints it.
    pub fingerprint: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostKeyStatus {
    /// A scanned key is already in known_hosts.
    Known,
    /// The host is not in known_hosts: ask the user about these keys.
    Unknown(Vec<ScannedKey>),
    /// known_hosts has keys for this host, but none of the offered ones.
    Changed {
        /// What the node offers now.
        offered: Vec<ScannedKey>,
        /// "ssh-ed25519 SHA256:..." of each key known_hosts has for the host.
        recorded: Vec<String>,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum HostKeyError {
    #[error("could not read the host key of {0}: no answer (is sshd running and the port open?)")]
    NoKeys(String),
    #[error("{tool}: {message}")]
    Tool { tool: &'static str, message: String },
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// How known_hosts names a host: `addr` on port 22, `[addr]:port` otherwise.
pub fn host_pattern(address: &str, port: u16) -> String {
    if port == 22 {
        address.to_string()
    } else {
        format!("[{address}]:{port}")
    }
}

/// `~/x` → `$HOME/x`.
pub fn expand_tilde(p: &Path) -> PathBuf {
    if let Ok(rest) = p.strip_prefix("~")
        && let Some(home) = std::env::var_os("HOME")
    {
        return PathBuf::from(home).join(rest);
    }
    p.to_path_buf()
}

/// The known_hosts file to use: the configured one, else `~/.ssh/known_hosts` like ssh.
pub fn known_hosts_path(configured: Option<&Path>) -> PathBuf {
    match configured {
        Some(p) => expand_tilde(p),
        None => expand_tilde(Path::new("~/.ssh/known_hosts")),
    }
}

fn tool_err(tool: &'static str, out: &std::process::Output) -> HostKeyError {
    let message = String::from_utf8_lossy(&out.stderr)
        .lines()
        .find(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .unwrap_or("failed")
        .to_string();
    HostKeyError::Tool { tool, message }
}

/// Parses `ssh-keyscan` output into (key_type, line), skipping comments.
pub fn parse_keyscan(out: &str) -> Vec<(String, String)> {
    out.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let mut it = l.split_whitespace();
            let _host = it.next()?;
            let ty = it.next()?;
            let _key = it.next()?;
            Some((ty.to_string(), l.to_string()))
        })
        .collect()
}

/// Reads the host keys a node offers and their fingerprints.
pub async fn scan(
    address: &str,
    port: u16,
    timeout: Duration,
) -> Result<Vec<ScannedKey>, HostKeyError> {
    let secs = timeout.as_secs().max(1).to_string();
    let out = Command::new("ssh-keyscan")
        .args([
            "-T",
            &secs,
            "-p",
            &port.to_string(),
            "-t",
            "ed25519,ecdsa,rsa",
            address,
        ])
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(timeout + Duration::from_secs(5), out)
        .await
        .map_err(|_| HostKeyError::NoKeys(host_pattern(address, port)))??;
    let keys = parse_keyscan(&String::from_utf8_lossy(&out.stdout));
    if keys.is_empty() {
        return Err(HostKeyError::NoKeys(host_pattern(address, port)));
    }
    let mut scanned = Vec::with_capacity(keys.len());
    for (key_type, line) in keys {
        let fingerprint = fingerprint(&line).await?;
        scanned.push(ScannedKey {
            key_type,
            line,
            fingerprint,
        });
    }
    Ok(scanned)
}

/// The SHA256 fingerprint of one known_hosts line.
pub async fn fingerprint(line: &str) -> Result<String, HostKeyError> {
    let mut child = Command::new("ssh-keygen")
        .args(["-l", "-E", "sha256", "-f", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let mut stdin = child.stdin.take().expect("piped");
    stdin.write_all(format!("{line}\n").as_bytes()).await?;
    drop(stdin);
    let out = child.wait_with_output().await?;
    if !out.status.success() {
        return Err(tool_err("ssh-keygen -l", &out));
    }
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .find(|w| w.starts_with("SHA256:"))
        .map(str::to_string)
        .ok_or_else(|| HostKeyError::Tool {
            tool: "ssh-keygen -l",
            message: "no fingerprint in its output".into(),
        })
}

/// `ssh-keygen <op> <pattern> -f <known_hosts>`: `-F` finds a host's entries, `-R` removes them.
async fn known_hosts_op(
    op: &str,
    pattern: &str,
    known_hosts: &Path,
) -> std::io::Result<std::process::Output> {
    Command::new("ssh-keygen")
        .args([op, pattern, "-f"])
        .arg(known_hosts)
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
}

/// The (key_type, base64 key) entries known_hosts has for `pattern`.
pub async fn known_entries(
    known_hosts: &Path,
    pattern: &str,
) -> Result<Vec<(String, String)>, HostKeyError> {
    if !known_hosts.exists() {
        return Ok(Vec::new());
    }
    let out = known_hosts_op("-F", pattern, known_hosts).await?;
    // Exit 1 = not found.
    if !out.status.success() {
        if out.stderr.is_empty() {
            return Ok(Vec::new());
        }
        return Err(tool_err("ssh-keygen -F", &out));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with('@'))
        .filter_map(|l| {
            let mut it = l.split_whitespace();
            let _h = it.next()?;
            Some((it.next()?.to_string(), it.next()?.to_string()))
        })
        .collect())
}

/// Compares offered keys with known entries (pure).
pub fn classify(known: &[(String, String)], offered: Vec<ScannedKey>) -> HostKeyStatus {
    if known.is_empty() {
        return HostKeyStatus::Unknown(offered);
    }
    let matches = offered.iter().any(|k| {
        let mut it = k.line.split_whitespace();
        let _h = it.next();
        let (ty, key) = (it.next().unwrap_or(""), it.next().unwrap_or(""));
        known.iter().any(|(kt, kk)| kt == ty && kk == key)
    });
    if matches {
        HostKeyStatus::Known
    } else {
        HostKeyStatus::Changed {
            offered,
            recorded: Vec::new(),
        }
    }
}

/// Scans the node and compares with known_hosts.
pub async fn check(
    address: &str,
    port: u16,
    known_hosts: &Path,
    timeout: Duration,
) -> Result<HostKeyStatus, HostKeyError> {
    let offered = scan(address, port, timeout).await?;
    let pattern = host_pattern(address, port);
    let known = known_entries(known_hosts, &pattern).await?;
    let mut status = classify(&known, offered);
    if let HostKeyStatus::Changed { recorded, .. } = &mut status {
        for (ty, key) in &known {
            let fp = fingerprint(&format!("{pattern} {ty} {key}")).await?;
            recorded.push(format!("{ty} {fp}"));
        }
    }
    Ok(status)
}

/// The command that forgets a host's recorded keys (what [`replace`] runs).
pub fn forget_command(known_hosts: &Path, address: &str, port: u16) -> String {
    format!(
        "ssh-keygen -R {} -f {}",
        host_pattern(address, port),
        known_hosts.display()
    )
}

/// Replaces a host's recorded keys with `lines` (the user confirmed that the machine was
/// reinstalled): `ssh-keygen -R` (which keeps the old file as known_hosts.old), then [`trust`].
pub async fn replace(
    known_hosts: &Path,
    address: &str,
    port: u16,
    lines: &[String],
) -> Result<(), HostKeyError> {
    let out = known_hosts_op("-R", &host_pattern(address, port), known_hosts).await?;
    if !out.status.success() {
        return Err(tool_err("ssh-keygen -R", &out));
    }
    trust(known_hosts, lines)?;
    Ok(())
}

/// Appends trusted known_hosts lines (creating the file 0600 and its directory 0700).
pub fn trust(known_hosts: &Path, lines: &[String]) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    super::create_private_parent(known_hosts)?;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(known_hosts)?;
    let mut text = String::new();
    for l in lines {
        // Only well-formed "host type key" lines, one per line.
        if parse_keyscan(l).len() == 1 && !l.contains('\n') {
            text.push_str(l.trim());
            text.push('\n');
        }
    }
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_and_parsing() {
        assert_eq!(host_pattern("192.0.2.1", 22), "192.0.2.1");
        assert_eq!(host_pattern("192.0.2.1", 2222), "[192.0.2.1]:2222");
        let out = "# 192.0.2.1:22 SSH-2.0-OpenSSH_9.2\n192.0.2.1 ssh-ed25519 AAAAC3Nza\n";
        assert_eq!(
            parse_keyscan(out),
            vec![(
                "ssh-ed25519".to_string(),
                "192.0.2.1 ssh-ed25519 AAAAC3Nza".to_string()
            )]
        );
    }

    #[test]
    fn classify_known_unknown_changed() {
        let k = ScannedKey {
            key_type: "ssh-ed25519".into(),
            line: "h ssh-ed25519 AAA".into(),
            fingerprint: "SHA256:x".into(),
        };
        assert!(matches!(
            classify(&[], vec![k.clone()]),
            HostKeyStatus::Unknown(_)
        ));
        let known = vec![("ssh-ed25519".to_string(), "AAA".to_string())];
        assert_eq!(classify(&known, vec![k.clone()]), HostKeyStatus::Known);
        let other = vec![("ssh-ed25519".to_string(), "BBB".to_string())];
        assert!(matches!(
            classify(&other, vec![k]),
            HostKeyStatus::Changed { .. }
        ));
    }
}
