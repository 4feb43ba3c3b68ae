//! One node's master connection and the commands multiplexed over it.

use super::{SshError, Target};
use crate::config::HostKeyPolicy;
use openssh::{ControlPersist, KnownHosts, Session, SessionBuilder, Stdio};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// A line a remote script printed. `::kw::` lines are the scripts' structured channel
/// (facts, secrets, files, results): they are handed over separately and never logged.
#[derive(Debug, Clone, PartialEq)]
pub enum Line {
    Stdout(String),
    Stderr(String),
    /// The text after `::kw::`, e.g. `fact kernel=5.15.0` or `secret token=...`.
    Structured(String),
}

/// Receives a script's output line by line while it runs.
pub trait OutputSink {
    fn line(&mut self, line: Line);
}

impl<F: FnMut(Line)> OutputSink for F {
    fn line(&mut self, line: Line) {
        self(line)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExitInfo {
    /// None when the remote process was killed by a signal.
    pub code: Option<i32>,
    /// The remote `timeout` fired (exit 124 / 137).
    pub timed_out: bool,
}

pub struct Connection {
    target: Target,
    session: Session,
}

/// What the remote bash runs: read the whole script from stdin, then run it. `bash -s` reads a
/// script from a pipe one byte per read(2) (so that commands it starts could read the rest);
/// for a step (~12 KB with lib.sh) that is ~12,000 system calls, a third of a no-op step's
/// remote cost. `$(</dev/stdin)` reads in blocks without a fork; where stdin cannot be opened by
/// path (a socket), `cat` does the same.
pub const READ_AND_RUN: &str = r#"{ s=$(</dev/stdin); } 2>/dev/null || s=$(cat); eval "$s""#;

/// Extra seconds the local side waits beyond the remote `timeout`, so the remote kill
/// (and its report) arrives first.
const LOCAL_GRACE: Duration = Duration::from_secs(20);

impl Connection {
    /// Opens the master connection (host key checked per policy) and, for a non-root user,
    /// makes sure `sudo -n` works so that a password prompt can never hang a step.
    pub async fn open(target: &Target) -> Result<Connection, SshError> {
        if let Some(key) = &target.identity_file {
            super::identity::check(key).map_err(|problem| SshError::Identity {
                node: target.name.clone(),
                problem,
            })?;
        }
        let mut b = SessionBuilder::default();
        b.user(target.user.clone())
            .port(target.port)
            .connect_timeout(target.connect_timeout)
            .server_alive_interval(Duration::from_secs(5))
            .control_directory(control_dir())
            // A killed kubewiz must not leave masters behind for long.
            .control_persist(ControlPersist::IdleFor(
                std::num::NonZeroUsize::new(300).expect("non-zero"),
            ))
            .user_known_hosts_file(&target.known_hosts)
            .known_hosts_check(match target.policy {
                HostKeyPolicy::Strict => KnownHosts::Strict,
                HostKeyPolicy::AcceptNew => KnownHosts::Add,
            });
        if let Some(key) = &target.identity_file {
            b.keyfile(key);
        }
        if let Some(parent) = target.known_hosts.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let session = b
            .connect_mux(&target.address)
            .await
            .map_err(|e| classify_connect_error(target, &e))?;
        let conn = Connection {
            target: target.clone(),
            session,
        };
        if target.needs_sudo() {
            let out = conn
                .session
                .command("sudo")
                .args(["-n", "true"])
                .stdin(Stdio::null())
                .output()
                .await
                .map_err(|e| conn.lost(&e))?;
            if !out.status.success() {
                return Err(SshError::SudoPassword {
                    node: target.name.clone(),
                    user: target.user.clone(),
                });
            }
        }
        Ok(conn)
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    /// Runs a whole script with bash under the remote `timeout`, streaming its output.
    /// The script is wrapped in `{ ...; }` so bash parses it completely before running it;
    /// its commands then read /dev/null, never the rest of the script. See [`READ_AND_RUN`]
    /// for why bash is not simply given the script as `bash -s`.
    pub async fn run_script(
        &self,
        script: &str,
        timeout: Duration,
        sink: &mut (dyn OutputSink + Send),
    ) -> Result<ExitInfo, SshError> {
        let secs = timeout.as_secs().max(1).to_string();
        let mut cmd = if self.target.needs_sudo() {
            let mut c = self.session.command("sudo");
            c.arg("-n").arg("timeout");
            c
        } else {
            self.session.command("timeout")
        };
        cmd.args(["--kill-after=10", secs.as_str(), "bash", "-c", READ_AND_RUN])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().await.map_err(|e| self.lost(&e))?;

        let mut stdin = child.stdin().take().expect("piped stdin");
        let wrapped = format!("{{\nexec </dev/null\necho \"::kw::pgid $PPID\"\n{script}\n}}\n");
        let stdout = child.stdout().take().expect("piped stdout");
        let stderr = child.stderr().take().expect("piped stderr");

        let io = async {
            stdin
                .write_all(wrapped.as_bytes())
                .await
                .map_err(|e| self.lost(&e))?;
            stdin.shutdown().await.ok();
            drop(stdin);
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
            tokio::spawn(read_lines(stdout, false, tx.clone()));
            tokio::spawn(read_lines(stderr, true, tx));
            // Ends when both streams are closed.
            while let Some((is_err, l)) = rx.recv().await {
                sink.line(if is_err {
                    Line::Stderr(l)
                } else {
                    match l.strip_prefix("::kw::") {
                        Some(rest) => Line::Structured(rest.to_string()),
                        None => Line::Stdout(l),
                    }
                });
            }
            let status = child.wait().await.map_err(|e| self.lost(&e))?;
            Ok::<_, SshError>(status)
        };
        let status = match tokio::time::timeout(timeout + LOCAL_GRACE, io).await {
            Ok(r) => r?,
            Err(_) => {
                return Err(SshError::ConnectionLost {
                    node: self.target.name.clone(),
                    detail: format!(
                        "no answer for {} s after the step's timeout",
                        LOCAL_GRACE.as_secs()
                    ),
                });
            }
        };
        let code = status.code();
        if code.is_none() {
            // openssh reports a vanished master as a missing exit status.
            self.session.check().await.map_err(|e| self.lost(&e))?;
        }
        Ok(ExitInfo {
            code,
            timed_out: matches!(code, Some(124) | Some(137)),
        })
    }

    /// Runs one short command (no script), returning its status and stdout.
    pub async fn run_command(
        &self,
        program: &str,
        args: &[&str],
    ) -> Result<(Option<i32>, String), SshError> {
        let mut cmd = if self.target.needs_sudo() {
            let mut c = self.session.command("sudo");
            c.arg("-n").arg(program);
            c
        } else {
            self.session.command(program)
        };
        let out = cmd
            .args(args)
            .stdin(Stdio::null())
            .output()
            .await
            .map_err(|e| self.lost(&e))?;
        Ok((
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        ))
    }

    /// Writes `data` to `path` on the node (mode 0600 first, then `mode`), via a channel's stdin.
    pub async fn upload(&self, path: &str, data: &[u8], mode: &str) -> Result<(), SshError> {
        let script = "set -eu; umask 077; d=$(dirname \"$1\"); mkdir -p \"$d\"; cat > \"$1.kwtmp\"; chmod \"$2\" \"$1.kwtmp\"; mv -f \"$1.kwtmp\" \"$1\"";
        let mut cmd = if self.target.needs_sudo() {
            let mut c = self.session.command("sudo");
            c.arg("-n").arg("sh");
            c
        } else {
            self.session.command("sh")
        };
        let mut child = cmd
            .args(["-c", script, "kubewiz-upload", path, mode])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .await
            .map_err(|e| self.lost(&e))?;
        let mut stdin = child.stdin().take().expect("piped stdin");
        stdin.write_all(data).await.map_err(|e| self.lost(&e))?;
        stdin.shutdown().await.ok();
        drop(stdin);
        let out = child.wait_with_output().await.map_err(|e| self.lost(&e))?;
        if !out.status.success() {
            return Err(SshError::Remote {
                node: self.target.name.clone(),
                message: format!(
                    "upload of {path} failed: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                ),
            });
        }
        Ok(())
    }

    /// Kills a remote process group (a step's `timeout` and everything under it).
    pub async fn kill_group(&self, pgid: u32) {
        let target = format!("-{pgid}");
        let _ = self.run_command("kill", &["-TERM", "--", &target]).await;
    }

    pub async fn close(self) {
        let _ = self.session.close().await;
    }

    fn lost(&self, e: &dyn std::fmt::Display) -> SshError {
        SshError::ConnectionLost {
            node: self.target.name.clone(),
            detail: e.to_string(),
        }
    }
}

/// Longest line kept from a remote command; the rest of a longer one is dropped (a node that
/// prints megabytes without a newline must not exhaust the workstation's memory). Generous,
/// because `::kw::file` lines carry a whole base64 file.
pub const MAX_LINE_BYTES: usize = 16 << 20;

/// Reads a stream line by line (lossy UTF-8, lines capped at [`MAX_LINE_BYTES`]) into `tx`.
async fn read_lines(
    r: impl tokio::io::AsyncRead + Unpin,
    is_err: bool,
    tx: tokio::sync::mpsc::UnboundedSender<(bool, String)>,
) {
    let mut r = BufReader::new(r);
    let mut line: Vec<u8> = Vec::new();
    let mut cut = false;
    let emit = |line: &mut Vec<u8>, cut: &mut bool| {
        let mut text = String::from_utf8_lossy(line).into_owned();
        if text.ends_with('\r') {
            text.pop();
        }
        if *cut {
            text.push_str(" …(line cut)");
        }
        line.clear();
        *cut = false;
        tx.send((is_err, text)).is_ok()
    };
    loop {
        let buf = match r.fill_buf().await {
            Ok(b) if !b.is_empty() => b,
            _ => {
                if !line.is_empty() {
                    emit(&mut line, &mut cut);
                }
                return;
            }
        };
        let (chunk, newline) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (&buf[..i], true),
            None => (buf, false),
        };
        let room = MAX_LINE_BYTES.saturating_sub(line.len());
        if chunk.len() > room {
            cut = true;
        }
        line.extend_from_slice(&chunk[..chunk.len().min(room)]);
        let used = chunk.len() + usize::from(newline);
        r.consume(used);
        if newline && !emit(&mut line, &mut cut) {
            return;
        }
    }
}

/// A short directory for control sockets (Unix socket paths are limited to ~108 bytes), one
/// per kubewiz process: the openssh crate's "clean history" would delete the live sockets of
/// another kubewiz (the wizard and an `apply`, or parallel tests). Directories of processes
/// that died (kill -9) are removed here instead.
fn control_dir() -> PathBuf {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        use std::os::unix::fs::PermissionsExt;
        let uid = std::fs::metadata("/proc/self")
            .map(|m| std::os::unix::fs::MetadataExt::uid(&m))
            .unwrap_or(0);
        let base = std::env::temp_dir().join(format!("kubewiz-ctl{uid}"));
        let _ = std::fs::create_dir_all(&base);
        let _ = std::fs::set_permissions(&base, std::fs::Permissions::from_mode(0o700));
        if let Ok(entries) = std::fs::read_dir(&base) {
            for e in entries.flatten() {
                let name = e.file_name();
                let Some(pid) = name.to_str().and_then(|n| n.parse::<u32>().ok()) else {
                    continue;
                };
                if !Path::new(&format!("/proc/{pid}")).exists() {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
        let dir = base.join(std::process::id().to_string());
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700));
        dir
    })
    .clone()
}

fn classify_connect_error(t: &Target, e: &openssh::Error) -> SshError {
    let mut text = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        text.push_str(": ");
        text.push_str(&s.to_string());
        src = s.source();
    }
    let kh = t.known_hosts.display().to_string();
    if text.contains("REMOTE HOST IDENTIFICATION HAS CHANGED")
        || text.contains("Host key for") && text.contains("has changed")
    {
        SshError::HostKeyChanged {
            node: t.name.clone(),
            address: super::hostkey::host_pattern(&t.address, t.port),
            known_hosts: kh,
        }
    } else if text.contains("Host key verification failed") || text.contains("host key is known") {
        // With accept-new an unknown key is recorded, so a failed verification there means a
        // changed key; under strict it may be either: tell them which file to look at.
        if t.policy == HostKeyPolicy::AcceptNew
            || known_hosts_has(&t.known_hosts, &t.address, t.port)
        {
            SshError::HostKeyChanged {
                node: t.name.clone(),
                address: super::hostkey::host_pattern(&t.address, t.port),
                known_hosts: kh,
            }
        } else {
            SshError::HostKeyUnknown {
                node: t.name.clone(),
                address: t.address.clone(),
                known_hosts: kh,
            }
        }
    } else if text.contains("Permission denied")
        || text.contains("Too many authentication failures")
    {
        SshError::Auth {
            node: t.name.clone(),
            user: t.user.clone(),
            address: t.address.clone(),
            detail: last_line(&text),
        }
    } else {
        SshError::Unreachable {
            node: t.name.clone(),
            address: t.address.clone(),
            detail: last_line(&text),
        }
    }
}

fn known_hosts_has(path: &std::path::Path, address: &str, port: u16) -> bool {
    let name = if port == 22 {
        address.to_string()
    } else {
        format!("[{address}]:{port}")
    };
    std::process::Command::new("ssh-keygen")
        .args(["-F", &name, "-f"])
        .arg(path)
        .output()
        .map(|o| o.status.success() && !o.stdout.is_empty())
        .unwrap_or(false)
}

fn last_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .unwrap_or("unknown error")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn lines_are_split_capped_and_crlf_stripped() {
        let mut input = b"one\r\ntwo\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', MAX_LINE_BYTES + 10));
        input.extend(b"\nlast without newline");
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        read_lines(&input[..], false, tx).await;
        let mut got = Vec::new();
        while let Some((_, l)) = rx.recv().await {
            got.push(l);
        }
        assert_eq!(got.len(), 4);
        assert_eq!(got[0], "one");
        assert_eq!(got[1], "two");
        assert!(got[2].len() < MAX_LINE_BYTES + 32);
        assert!(got[2].ends_with("…(line cut)"));
        assert_eq!(got[3], "last without newline");
    }
}
