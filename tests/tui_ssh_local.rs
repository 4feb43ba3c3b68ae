//! The wizard's SSH helpers against a real, throwaway OpenSSH server on loopback:
//! trust-on-first-use (`hostkey`) and the one-time password key bootstrap (`bootstrap`).
//!
//! The server runs in its own mount namespace with a private /etc/shadow (a known root
//! password) and a private /root, so nothing on this machine is touched. Needs root,
//! /usr/sbin/sshd and unshare: skipped with a message otherwise, but failing when CI=true.

mod skip;

use kubewiz::ssh::{bootstrap, hostkey};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const PASSWORD: &str = "kw-Test-pw-7d3f";
/// Timeouts for an SSH handshake here: long, because the machine may be loaded.
const LOADED: Duration = Duration::from_secs(30);

fn can_run() -> bool {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    let ok = root
        && Path::new("/usr/sbin/sshd").exists()
        && Path::new("/usr/bin/unshare").exists()
        && Path::new("/usr/bin/openssl").exists();
    if !ok {
        skip::because("root, /usr/sbin/sshd, unshare or openssl is missing");
    }
    ok
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Server {
    dir: tempfile::TempDir,
    port: u16,
    child: Child,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// sshd on 127.0.0.1:<port>, password and key login for root, in a private mount namespace.
fn start_server(password_auth: bool) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    run(Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(d.join("hostkey")));
    let hash = run(Command::new("openssl").args(["passwd", "-6", PASSWORD]));
    let shadow = std::fs::read_to_string("/etc/shadow").unwrap_or_default();
    let mut new_shadow = format!("root:{}:19000:0:99999:7:::\n", hash.trim());
    for l in shadow.lines().filter(|l| !l.starts_with("root:")) {
        new_shadow.push_str(l);
        new_shadow.push('\n');
    }
    std::fs::write(d.join("shadow"), new_shadow).unwrap();
    std::fs::create_dir_all(d.join("root")).unwrap();
    let port = free_port();
    std::fs::write(
        d.join("sshd_config"),
        format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {hk}\nPidFile none\n\
             PermitRootLogin yes\nPasswordAuthentication {pw}\nKbdInteractiveAuthentication no\n\
             UsePAM no\nStrictModes no\nAuthorizedKeysFile .ssh/authorized_keys\n",
            hk = d.join("hostkey").display(),
            pw = if password_auth { "yes" } else { "no" },
        ),
    )
    .unwrap();
    std::fs::create_dir_all("/run/sshd").unwrap();
    let script = format!(
        "mount --make-rprivate / && mount --bind {shadow} /etc/shadow && mount --bind {root} /root && exec /usr/sbin/sshd -D -e -f {cfg}",
        shadow = d.join("shadow").display(),
        root = d.join("root").display(),
        cfg = d.join("sshd_config").display()
    );
    let child = Command::new("unshare")
        .args(["--mount", "sh", "-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(d.join("sshd.log")).unwrap())
        .spawn()
        .unwrap();
    let mut s = Server { dir, port, child };
    wait_for_banner(&mut s);
    s
}

/// Waits until our sshd answers with its SSH banner (not just any listener on the port); fails
/// with its log when it exits or is not up within 2 minutes (the machine may be loaded).
fn wait_for_banner(s: &mut Server) {
    use std::io::Read;
    let t0 = std::time::Instant::now();
    loop {
        if let Ok(mut c) = std::net::TcpStream::connect(("127.0.0.1", s.port)) {
            let _ = c.set_read_timeout(Some(Duration::from_secs(5)));
            let mut buf = [0u8; 4];
            if c.read_exact(&mut buf).is_ok() && &buf == b"SSH-" {
                return;
            }
        }
        let log_file = s.path("sshd.log");
        let log = || std::fs::read_to_string(&log_file).unwrap_or_default();
        if let Ok(Some(st)) = s.child.try_wait() {
            panic!("sshd exited ({st}):\n{}", log());
        }
        assert!(
            t0.elapsed() < Duration::from_secs(120),
            "sshd not up on port {} after 2 min:\n{}",
            s.port,
            log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test]
async fn trust_on_first_use_against_real_sshd() {
    if !can_run() {
        return;
    }
    let s = start_server(false);
    let kh = s.path("known_hosts");
    let t = LOADED; // a handshake on a loaded machine
    let expected = run(Command::new("ssh-keygen")
        .arg("-lf")
        .arg(s.path("hostkey.pub")));
    let expected_fp = expected.split_whitespace().nth(1).unwrap().to_string();

    // Unknown: the fingerprint shown is the server's real one.
    let status = hostkey::check("127.0.0.1", s.port, &kh, t).await.unwrap();
    let hostkey::HostKeyStatus::Unknown(keys) = status else {
        panic!("expected unknown, got {status:?}")
    };
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].fingerprint, expected_fp);
    assert!(
        keys[0]
            .line
            .starts_with(&format!("[127.0.0.1]:{} ssh-ed25519 ", s.port))
    );

    // Trusted: recorded (0600) and known from now on; ssh itself agrees.
    let lines: Vec<String> = keys.iter().map(|k| k.line.clone()).collect();
    hostkey::trust(&kh, &lines).unwrap();
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&kh).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(
        hostkey::check("127.0.0.1", s.port, &kh, t).await.unwrap(),
        hostkey::HostKeyStatus::Known
    );
    let found = run(Command::new("ssh-keygen")
        .arg("-F")
        .arg(format!("[127.0.0.1]:{}", s.port))
        .arg("-f")
        .arg(&kh));
    assert!(found.contains("ssh-ed25519"));

    // Changed: another key recorded for the host is reported with both fingerprints, and
    // replaced only when asked (the wizard asks the user first).
    let old_line = format!(
        "[127.0.0.1]:{} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
        s.port
    );
    std::fs::write(&kh, format!("{old_line}\n")).unwrap();
    let old_fp = hostkey::fingerprint(&old_line).await.unwrap();
    let status = hostkey::check("127.0.0.1", s.port, &kh, t).await.unwrap();
    let hostkey::HostKeyStatus::Changed { offered, recorded } = status else {
        panic!("{status:?}");
    };
    assert_eq!(offered[0].fingerprint, expected_fp);
    assert_eq!(recorded, vec![format!("ssh-ed25519 {old_fp}")]);
    assert_eq!(
        hostkey::forget_command(&kh, "127.0.0.1", s.port),
        format!("ssh-keygen -R [127.0.0.1]:{} -f {}", s.port, kh.display())
    );
    let lines: Vec<String> = offered.iter().map(|k| k.line.clone()).collect();
    hostkey::replace(&kh, "127.0.0.1", s.port, &lines)
        .await
        .unwrap();
    assert_eq!(
        hostkey::check("127.0.0.1", s.port, &kh, t).await.unwrap(),
        hostkey::HostKeyStatus::Known
    );
    assert!(!std::fs::read_to_string(&kh).unwrap().contains(&old_line));

    // Nobody listening: an error that says so.
    let err = hostkey::check("127.0.0.1", free_port(), &kh, Duration::from_secs(2))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no answer"), "{err}");
}

/// Every regular file under `dir` (recursively).
fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[tokio::test]
async fn password_bootstrap_installs_the_key_and_keeps_no_password() {
    if !can_run() {
        return;
    }
    let s = start_server(true);
    let kh = s.path("known_hosts");
    let t = LOADED; // a handshake on a loaded machine
    let hostkey::HostKeyStatus::Unknown(keys) =
        hostkey::check("127.0.0.1", s.port, &kh, t).await.unwrap()
    else {
        panic!()
    };
    hostkey::trust(
        &kh,
        &keys.iter().map(|k| k.line.clone()).collect::<Vec<_>>(),
    )
    .unwrap();

    let state = s.path("work/.kubewiz");
    let identity = bootstrap::default_identity(&state);
    let public = bootstrap::ensure_key(&identity).await.unwrap();
    assert!(public.starts_with("ssh-ed25519 "));
    assert_eq!(
        bootstrap::ensure_key(&identity).await.unwrap(),
        public,
        "reused"
    );

    let target = bootstrap::Target {
        address: "127.0.0.1",
        port: s.port,
        user: "root",
        known_hosts: &kh,
        connect_timeout: LOADED.as_secs(),
    };
    // A wrong password is refused, clearly.
    let err = bootstrap::install_key(&target, &public, "wrong-password")
        .await
        .unwrap_err();
    assert!(matches!(err, bootstrap::BootstrapError::Refused), "{err}");

    bootstrap::install_key(&target, &public, PASSWORD)
        .await
        .unwrap();
    // Twice is harmless (the key is appended once).
    bootstrap::install_key(&target, &public, PASSWORD)
        .await
        .unwrap();
    let ak = std::fs::read_to_string(s.path("root/.ssh/authorized_keys")).unwrap();
    assert_eq!(ak.matches(public.trim()).count(), 1, "{ak}");

    // The key works on its own now.
    let out = Command::new("ssh")
        .args([
            "-F",
            "/dev/null",
            "-o",
            "BatchMode=yes",
            "-o",
            "StrictHostKeyChecking=yes",
        ])
        .arg("-o")
        .arg(format!("UserKnownHostsFile={}", kh.display()))
        .arg("-i")
        .arg(&identity)
        .args(["-p", &s.port.to_string(), "root@127.0.0.1", "echo key-ok"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "key-ok",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The password is in no file under the test dir (state dir, known_hosts, the node's
    // home) and no askpass helper is left in the temp dir.
    let mut all = Vec::new();
    files(s.dir.path(), &mut all);
    for p in &all {
        if p.file_name().is_some_and(|n| n == "shadow") {
            continue; // the server's own (hashed) password database
        }
        let bytes = std::fs::read(p).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(PASSWORD),
            "password found in {}",
            p.display()
        );
    }
    let leftovers: Vec<_> = std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(&format!("kubewiz-askpass-{}-", std::process::id()))
        })
        .collect();
    assert!(leftovers.is_empty(), "askpass helpers left behind");
}

/// Test connection checks the identity file before connecting (issue 12 item 4): a missing
/// file, a public key given for the private one, are named with the fix, and never reach ssh
/// (nothing listens on the port: a connection attempt would say "refused") nor the password
/// dialog (`AuthFailed` opens it). Needs no server.
#[tokio::test]
async fn test_connection_names_a_wrong_identity_file_before_connecting() {
    use kubewiz::config::{NodeConfig, Role, SshSection};
    use kubewiz::tui::msg::ProbeOutcome;
    let dir = tempfile::tempdir().unwrap();
    let public = dir.path().join("id_ed25519.pub");
    std::fs::write(&public, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE kw@test\n").unwrap();
    let cases = [
        (dir.path().join("id_nope"), "id_nope does not exist"),
        (
            public,
            "id_ed25519.pub is a public key; give the private key (",
        ),
    ];
    for (key, says) in cases {
        let node = NodeConfig {
            name: "k8s-master".into(),
            address: "127.0.0.1".into(),
            role: Role::ControlPlane,
            user: None,
            port: Some(free_port()),
            identity_file: Some(key),
        };
        let ssh = SshSection {
            known_hosts: Some(dir.path().join("known_hosts")),
            ..SshSection::default()
        };
        match kubewiz::tui::connect::probe(&node, &ssh, "", "").await {
            ProbeOutcome::Failed(e) => {
                assert!(e.starts_with("k8s-master: identity_file: "), "{e}");
                assert!(e.contains(says), "{e}");
            }
            other => panic!("{other:?}"),
        }
    }
}
