//! One host of a fleet: booting it in its namespaces and waiting for its sshd, running
//! commands on it as root, reading and writing its files, what the simulator recorded (calls,
//! network, step applies), and the faults a test inflicts (network down, sshd restarted,
//! reboot, power off, a changed host key, tools that hang or fail, aged secrets).

use super::*;
use std::fs;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

impl Host {
    pub(super) fn boot(&self) {
        let console = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("console.log"))
            .unwrap();
        let child = Command::new("ip")
            .args(["netns", "exec", &self.netns])
            .args([
                "unshare",
                "--mount",
                "--uts",
                "--pid",
                "--fork",
                "--mount-proc",
                "--propagation",
                "private",
                "/bin/bash",
            ])
            .arg(self.sim.join("init.sh"))
            .arg(&self.dir)
            .arg(&self.sim)
            .env_clear()
            .env(
                "PATH",
                "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            )
            .env("LANG", "C.UTF-8")
            .stdin(Stdio::null())
            .stdout(console.try_clone().unwrap())
            .stderr(console)
            .spawn()
            .expect("start host");
        *self.proc.lock().unwrap() = Some(child);
    }

    pub(super) fn wait_sshd(&self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(mut s) = TcpStream::connect_timeout(
                &format!("{}:22", self.address).parse().unwrap(),
                Duration::from_millis(500),
            ) {
                let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
                let mut buf = [0u8; 8];
                if s.read(&mut buf)
                    .map(|n| n >= 4 && &buf[..4] == b"SSH-")
                    .unwrap_or(false)
                {
                    return;
                }
            }
            let exited = self
                .proc
                .lock()
                .unwrap()
                .as_mut()
                .map(|c| c.try_wait().ok().flatten().is_some())
                .unwrap_or(true);
            if exited || Instant::now() > deadline {
                panic!(
                    "host {} ({}) did not come up{}; console:\n{}",
                    self.name,
                    self.address,
                    if exited { " (its init exited)" } else { "" },
                    fs::read_to_string(self.dir.join("console.log")).unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// PID (in the root namespace) of the host's init (PID 1 inside).
    pub fn init_pid(&self) -> Option<u32> {
        let g = self.proc.lock().unwrap();
        let unshare = g.as_ref()?.id();
        let children =
            fs::read_to_string(format!("/proc/{unshare}/task/{unshare}/children")).ok()?;
        children.split_whitespace().next()?.parse().ok()
    }

    pub(super) fn kill(&self) {
        if let Some(pid) = self.init_pid() {
            let _ = net::quiet("kill", &["-9", &pid.to_string()]);
        }
        if let Some(mut c) = self.proc.lock().unwrap().take() {
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                match c.try_wait() {
                    Ok(Some(_)) | Err(_) => break,
                    Ok(None) if Instant::now() > deadline => {
                        let _ = c.kill();
                        let _ = c.wait();
                        break;
                    }
                    Ok(None) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        }
    }

    /// Runs `bash -c cmd` as root inside the host (its mount, uts, pid and network namespaces).
    pub fn exec(&self, cmd: &str) -> Output {
        self.exec_stdin(cmd, None)
    }

    pub fn exec_stdin(&self, cmd: &str, stdin: Option<&[u8]>) -> Output {
        let pid = self
            .init_pid()
            .unwrap_or_else(|| panic!("host {} is not running", self.name));
        let mut c = Command::new("nsenter");
        c.args([
            "-t",
            &pid.to_string(),
            "-m",
            "-u",
            "-p",
            "-n",
            "--wd=/",
            "--",
        ])
        .args([
            "/usr/bin/env",
            "-i",
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME=/root",
            "LANG=C.UTF-8",
            "/bin/bash",
            "-c",
            cmd,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        if stdin.is_some() {
            c.stdin(Stdio::piped());
        } else {
            c.stdin(Stdio::null());
        }
        let mut child = c.spawn().expect("run nsenter");
        if let Some(data) = stdin {
            child.stdin.take().unwrap().write_all(data).unwrap();
        }
        child.wait_with_output().unwrap()
    }

    /// Like [`exec`](Self::exec) but panics (with stderr) unless the command succeeds; returns stdout.
    pub fn exec_ok(&self, cmd: &str) -> String {
        let o = self.exec(cmd);
        assert!(
            o.status.success(),
            "[{}] `{cmd}` failed ({}):\nstdout: {}\nstderr: {}",
            self.name,
            o.status,
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// A file as the host sees it (None when absent).
    pub fn read_file(&self, path: &str) -> Option<String> {
        let o = self.exec(&format!("cat -- {}", shell_quote(path)));
        o.status
            .success()
            .then(|| String::from_utf8_lossy(&o.stdout).into_owned())
    }

    pub fn write_file(&self, path: &str, content: &str) {
        let o = self.exec_stdin(
            &format!(
                "mkdir -p \"$(dirname {p})\" && cat > {p}",
                p = shell_quote(path)
            ),
            Some(content.as_bytes()),
        );
        assert!(o.status.success(), "write {path} on {}: {o:?}", self.name);
    }

    fn upper_file(&self, path: &str) -> Option<String> {
        fs::read_to_string(self.dir.join("upper").join(path.trim_start_matches('/'))).ok()
    }

    /// The simulator's call log: one "<epoch> <argv...>" line per mutating simulated command.
    /// Read from the host's overlay directly (works while the host is down).
    pub fn calls(&self) -> Vec<String> {
        self.upper_file("/var/lib/kwsim/calls.log")
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// The node's log of network requests: one "<epoch> <tool> <url> <ok|timeout>" line per request a
    /// simulated tool made to a host outside the fleet (curl, wget, yum/dnf, apt, image pulls).
    pub fn net_log(&self) -> Vec<String> {
        self.upper_file("/var/lib/kwsim/net.log")
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// Lines of /var/log/kubewiz/steps.log ("<epoch> <step> apply"), one per applied step.
    pub fn step_applies(&self) -> Vec<String> {
        self.upper_file("/var/log/kubewiz/steps.log")
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// How many times `step` was applied on this host.
    pub fn step_apply_count(&self, step: &str) -> usize {
        self.step_applies()
            .iter()
            .filter(|l| l.split_whitespace().nth(1) == Some(step))
            .count()
    }

    /// Cuts the host's network (its veth in the root namespace goes down): packets are dropped,
    /// established TCP connections stall until `net_up`.
    pub fn net_down(&self) {
        assert!(net::quiet("ip", &["link", "set", &self.veth, "down"]));
    }

    pub fn net_up(&self) {
        assert!(net::quiet("ip", &["link", "set", &self.veth, "up"]));
    }

    /// Kills sshd (the listener and every session, like a crash or a restart with
    /// KillMode=control-group); the host's init starts a new listener at once.
    pub fn restart_sshd(&self) {
        self.exec_ok(
            "for p in /proc/[0-9]*; do [ \"$(cat $p/comm 2>/dev/null)\" = sshd ] && kill -9 ${p#/proc/} 2>/dev/null; done; true",
        );
        self.wait_sshd(SSHD_UP);
    }

    /// Restarts only the listener (existing sessions survive, like `systemctl restart sshd`).
    /// Returns once the new listener has written its pid file (sshd does so after binding; the
    /// old one removes it on SIGTERM), so nothing can reach the old one or the gap between.
    pub fn reload_sshd(&self) {
        self.exec_ok(&format!(
            "old=$(cat /run/sshd.pid); kill \"$old\"; \
             for _ in $(seq {tries}); do new=$(cat /run/sshd.pid 2>/dev/null); \
               [ -n \"$new\" ] && [ \"$new\" != \"$old\" ] && exit 0; sleep 0.1; done; \
             echo \"no new sshd listener within {secs} s\" >&2; exit 1",
            secs = SSHD_UP.as_secs(),
            tries = SSHD_UP.as_secs() * 10,
        ));
        self.wait_sshd(SSHD_UP);
    }

    /// A simulated reboot: every process of the host is killed, /run and /tmp start empty (runtime
    /// state: loaded modules, sysctls, swap, running services, SELinux mode), files are kept; then the
    /// boot replays /etc/modules-load.d, sysctl.d, fstab swap and enabled services, and sshd starts.
    pub fn reboot(&self) {
        self.kill();
        self.boot();
        self.wait_sshd(SSHD_UP);
    }

    /// Powers the host off (until `power_on`).
    pub fn power_off(&self) {
        self.kill();
    }

    pub fn power_on(&self) {
        self.boot();
        self.wait_sshd(SSHD_UP);
    }

    /// Replaces the host's SSH host key with a new one (new connections see a changed key).
    pub fn swap_host_key(&self) {
        self.exec_ok(
            "rm -f /etc/ssh/ssh_host_ed25519_key /etc/ssh/ssh_host_ed25519_key.pub && \
             ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/ssh_host_ed25519_key",
        );
        self.reload_sshd();
    }

    /// Shadows `tool` (found first on PATH: /usr/local/sbin) with a script that hangs forever; for
    /// timeout tests. Undo with [`restore_tool`](Self::restore_tool).
    pub fn make_tool_hang(&self, tool: &str) {
        self.shadow_tool(tool, "exec sleep 100000\n");
    }

    /// Shadows `tool` with a script that prints `message` on stderr and exits with `code`.
    pub fn make_tool_fail(&self, tool: &str, code: i32, message: &str) {
        self.shadow_tool(
            tool,
            &format!("echo {} >&2\nexit {code}\n", shell_quote(message)),
        );
    }

    pub fn restore_tool(&self, tool: &str) {
        self.exec_ok(&format!("rm -f /usr/local/sbin/{}", shell_quote(tool)));
    }

    fn shadow_tool(&self, tool: &str, body: &str) {
        assert!(
            !tool.contains('/') && !tool.is_empty(),
            "a tool name, not a path: {tool}"
        );
        self.write_file(
            &format!("/usr/local/sbin/{tool}"),
            &format!("#!/bin/sh\n# kubewiz test fault\n{body}"),
        );
        self.exec_ok(&format!("chmod 755 /usr/local/sbin/{}", shell_quote(tool)));
    }

    /// The host's current SSH host public key line ("ssh-ed25519 AAAA...").
    pub fn host_public_key(&self) -> String {
        self.read_file("/etc/ssh/ssh_host_ed25519_key.pub")
            .unwrap_or_default()
            .split_whitespace()
            .take(2)
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Moves every join token and certificate key of the simulated cluster `secs` seconds closer to
    /// expiry (run on the control plane that holds the apiserver).
    pub fn age_cluster_secrets(&self, secs: u64) {
        self.exec_ok(&format!("kwsim-ctl age-secrets {secs}"));
    }

    /// `kubectl get nodes` as the simulated apiserver sees it (run on a control plane).
    pub fn sim_state(&self) -> String {
        self.exec_ok("kwsim-ctl state")
    }
}
