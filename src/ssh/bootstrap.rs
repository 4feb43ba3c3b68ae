//! One-time key bootstrap for a node that only accepts a password: the system `ssh` logs in
//! with the password (through an `SSH_ASKPASS` helper) and appends the wizard's public key to
//! the user's `~/.ssh/authorized_keys`. From then on kubewiz uses the key.
//!
//! The password travels only in the environment of the `ssh` child (which hands it to the
//! askpass helper it runs); the helper script holds no secret, nothing is written to a file,
//! and nothing here logs it. Host keys are checked strictly against known_hosts (the wizard
//! asked the user to trust the fingerprint before).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

/// The environment variable the askpass helper reads; set on the ssh child only.
const SECRET_ENV: &str = "KUBEWIZ_ASKPASS_SECRET";

const ASKPASS_SCRIPT: &str = "#!/bin/sh\n# kubewiz askpass helper: prints the password its parent ssh got in its environment.\nprintf '%s\\n' \"$KUBEWIZ_ASKPASS_SECRET\"\n";

/// Appends the key read from stdin once, with the permissions sshd wants.
const REMOTE_SCRIPT: &str = "umask 077; mkdir -p ~/.ssh && touch ~/.ssh/authorized_keys && k=$(cat) && \
{ grep -qxF \"$k\" ~/.ssh/authorized_keys || printf '%s\\n' \"$k\" >> ~/.ssh/authorized_keys; } && \
chmod 700 ~/.ssh && chmod 600 ~/.ssh/authorized_keys && \
{ command -v restorecon >/dev/null 2>&1 && restorecon -R ~/.ssh || true; }";

#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    #[error("the password was refused (or password login is disabled on the node)")]
    Refused,
    #[error("the host key is not trusted yet; test the connection first")]
    HostKey,
    #[error("timed out after {0} s")]
    Timeout(u64),
    #[error("ssh: {0}")]
    Ssh(String),
    #[error("ssh-keygen: {0}")]
    Keygen(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

#[derive(Debug, Clone)]
pub struct Target<'a> {
    pub address: &'a str,
    pub port: u16,
    pub user: &'a str,
    pub known_hosts: &'a Path,
    pub connect_timeout: u64,
}

/// The wizard's key when neither the node nor `[ssh]` names one.
pub fn default_identity(state_dir: &Path) -> PathBuf {
    state_dir.join("id_ed25519")
}

/// Makes sure `identity` (a private key) exists, creating an ed25519 key without a
/// passphrase if not, and returns its public key line.
pub async fn ensure_key(identity: &Path) -> Result<String, BootstrapError> {
    let public = PathBuf::from(format!("{}.pub", identity.display()));
    if !identity.exists() {
        super::create_private_parent(identity)?;
        let out = Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-C", "kubewiz", "-f"])
            .arg(identity)
            .stdin(Stdio::null())
            .output()
            .await?;
        if !out.status.success() {
            return Err(BootstrapError::Keygen(
                String::from_utf8_lossy(&out.stderr).trim().to_string(),
            ));
        }
    } else if !public.exists() {
        let out = Command::new("ssh-keygen")
            .arg("-y")
            .arg("-f")
            .arg(identity)
            .stdin(Stdio::null())
            .output()
            .await?;
        if !out.status.success() {
            return Err(BootstrapError::Keygen(format!(
                "cannot derive the public key of {} (has it a passphrase?)",
                identity.display()
            )));
        }
        return Ok(String::from_utf8_lossy(&out.stdout).trim().to_string());
    }
    Ok(std::fs::read_to_string(&public)?.trim().to_string())
}

/// A private temp directory holding the askpass helper; removed on drop.
struct AskpassDir(PathBuf);

impl AskpassDir {
    fn create() -> std::io::Result<AskpassDir> {
        use std::io::Write;
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir =
            std::env::temp_dir().join(format!("kubewiz-askpass-{}-{nanos}", std::process::id()));
        std::fs::DirBuilder::new().mode(0o700).create(&dir)?;
        let guard = AskpassDir(dir);
        let mut f = std::fs::OpenOptions::new()
            .create_new(true)
            .write(true)
            .mode(0o700)
            .open(guard.script())?;
        f.write_all(ASKPASS_SCRIPT.as_bytes())?;
        Ok(guard)
    }

    fn script(&self) -> PathBuf {
        self.0.join("askpass")
    }
}

impl Drop for AskpassDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Logs in once with `password` and appends `public_key` to the user's authorized_keys.
pub async fn install_key(
    target: &Target<'_>,
    public_key: &str,
    password: &str,
) -> Result<(), BootstrapError> {
    let askpass = AskpassDir::create()?;
    let mut cmd = if Path::new("/usr/bin/setsid").exists() {
        // No controlling terminal: ssh cannot prompt on the wizard's screen.
        let mut c = Command::new("/usr/bin/setsid");
        c.arg("ssh");
        c
    } else {
        Command::new("ssh")
    };
    cmd.arg("-F")
        .arg("/dev/null")
        .args(["-o", "BatchMode=no"])
        .args([
            "-o",
            "PreferredAuthentications=password,keyboard-interactive",
        ])
        .args(["-o", "PubkeyAuthentication=no"])
        .args(["-o", "NumberOfPasswordPrompts=1"])
        .args(["-o", "StrictHostKeyChecking=yes"])
        .args(["-o", "ControlMaster=no", "-o", "ControlPath=none"])
        .args(["-o", "LogLevel=ERROR"])
        .arg("-o")
        .arg(format!(
            "UserKnownHostsFile={}",
            target.known_hosts.display()
        ))
        .arg("-o")
        .arg(format!("ConnectTimeout={}", target.connect_timeout.max(1)))
        .arg("-p")
        .arg(target.port.to_string())
        .arg("-l")
        .arg(target.user)
        .arg(target.address)
        .arg(REMOTE_SCRIPT)
        .env("SSH_ASKPASS", askpass.script())
        .env("SSH_ASKPASS_REQUIRE", "force")
        .env(
            "DISPLAY",
            std::env::var_os("DISPLAY").unwrap_or_else(|| ":0".into()),
        )
        .env(SECRET_ENV, password)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = cmd.spawn()?;
    let mut stdin = child.stdin.take().expect("piped");
    let key = format!("{}\n", public_key.trim());
    let run = async move {
        // The remote side may close stdin early on failure; that is reported by the exit code.
        let _ = stdin.write_all(key.as_bytes()).await;
        drop(stdin);
        child.wait_with_output().await
    };
    let limit = target.connect_timeout.max(1) + 50;
    let out = tokio::time::timeout(Duration::from_secs(limit), run)
        .await
        .map_err(|_| BootstrapError::Timeout(limit))??;
    drop(askpass);
    if out.status.success() {
        return Ok(());
    }
    let err = String::from_utf8_lossy(&out.stderr);
    if err.contains("Permission denied") {
        Err(BootstrapError::Refused)
    } else if err.contains("Host key verification failed")
        || err.contains("REMOTE HOST IDENTIFICATION")
    {
        Err(BootstrapError::HostKey)
    } else {
        Err(BootstrapError::Ssh(
            err.lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("failed")
                .trim()
                .to_string(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn askpass_script_holds_no_secret() {
        assert!(!ASKPASS_SCRIPT.contains("password="));
        let d = AskpassDir::create().unwrap();
        let text = std::fs::read_to_string(d.script()).unwrap();
        assert_eq!(text, ASKPASS_SCRIPT);
        let path = d.0.clone();
        drop(d);
        assert!(!path.exists());
    }
}
