//! A fleet of test hosts: real OpenSSH servers in network namespaces, each looking like a fresh Linux
//! machine (CentOS 7.9, Rocky 9.3, Ubuntu 22.04, Debian 12), with the node simulator of `tests/sim`
//! standing in for the tools that cannot run here (package managers, systemctl, kubeadm, ...).
//!
//! Use from an integration test with `mod fleet;` (or `#[path = "fleet/mod.rs"] mod fleet;`):
//! ```ignore
//! let Some(()) = fleet::require_root_or_skip() else { return };
//! let fleet = fleet::Fleet::start(vec![HostSpec::new("cp", Flavour::Centos7), HostSpec::new("w1", Flavour::Rocky9)]);
//! let out = fleet.hosts[0].exec("kubeadm version");
//! ```
//! Every host is torn down when the `Fleet` is dropped (also while a test panics).
#![allow(dead_code)]

pub mod config;
pub mod containerd;
pub mod net;
#[path = "../skip/mod.rs"]
pub mod skip;

pub use config::ConfigOpts;

use std::fs;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The OS a host pretends to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// CentOS Linux 7.9.2009, kernel 3.10.0-1160.el7, cgroup v1, SELinux enforcing, firewalld.
    Centos7,
    /// Rocky Linux 8.9, kernel 4.18.0-513.5.1.el8_9 (nf_conntrack, no nf_conntrack_ipv4), cgroup v1.
    Rocky8,
    /// Rocky Linux 9.3, kernel 5.14.0-362.el9, cgroup v2, SELinux enforcing, firewalld.
    Rocky9,
    /// Ubuntu 22.04.3, kernel 5.15.0-91-generic, cgroup v2, ufw (inactive).
    Ubuntu2204,
    /// Ubuntu 24.04.1, kernel 6.8.0-41-generic, cgroup v2, distro containerd 1.7.
    Ubuntu2404,
    /// Debian 12, kernel 6.1.0-17-amd64, cgroup v2, distro containerd 1.6.20.
    Debian12,
    /// Debian 11 (bullseye), kernel 5.10.0-32-amd64, cgroup v2, apt 2.2.4 (no /etc/apt/keyrings), distro
    /// containerd 1.4.13.
    Debian11,
}

impl Flavour {
    pub fn id(self) -> &'static str {
        match self {
            Flavour::Centos7 => "centos7",
            Flavour::Rocky8 => "rocky8",
            Flavour::Rocky9 => "rocky9",
            Flavour::Ubuntu2204 => "ubuntu2204",
            Flavour::Ubuntu2404 => "ubuntu2404",
            Flavour::Debian12 => "debian12",
            Flavour::Debian11 => "debian11",
        }
    }
    pub fn default_kernel(self) -> &'static str {
        match self {
            Flavour::Centos7 => "3.10.0-1160.el7.x86_64",
            Flavour::Rocky8 => "4.18.0-513.5.1.el8_9.x86_64",
            Flavour::Rocky9 => "5.14.0-362.el9.x86_64",
            Flavour::Ubuntu2204 => "5.15.0-91-generic",
            Flavour::Ubuntu2404 => "6.8.0-41-generic",
            Flavour::Debian12 => "6.1.0-17-amd64",
            Flavour::Debian11 => "5.10.0-32-amd64",
        }
    }
    pub fn default_cgroup(self) -> u8 {
        if matches!(self, Flavour::Centos7 | Flavour::Rocky8) {
            1
        } else {
            2
        }
    }
    pub fn is_rhel(self) -> bool {
        matches!(self, Flavour::Centos7 | Flavour::Rocky8 | Flavour::Rocky9)
    }
}

/// Whether a non-root user may use sudo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sudo {
    /// `user ALL=(ALL) NOPASSWD:ALL`
    NoPassword,
    /// `user ALL=(ALL) ALL` (so `sudo -n` fails: "a password is required")
    Password,
    /// Not in sudoers at all.
    None,
}

#[derive(Debug, Clone)]
pub struct UserSpec {
    pub name: String,
    /// Login password (enables PasswordAuthentication).
    pub password: Option<String>,
    pub sudo: Sudo,
    /// Whether the fleet's client key is in the user's authorized_keys.
    pub key: bool,
}

/// What one test host looks like. Build with [`HostSpec::new`] and the builder methods.
#[derive(Debug, Clone)]
pub struct HostSpec {
    /// Name used in cluster.toml and in test messages (not the host's hostname, which starts out
    /// as a fresh machine's: "localhost.localdomain" / "ubuntu" / "debian").
    pub name: String,
    pub flavour: Flavour,
    pub kernel: Option<String>,
    pub cgroup: Option<u8>,
    pub cpus: u32,
    pub memory_mb: u64,
    /// Size of the swap device in /etc/fstab (active at boot); 0 = no swap.
    pub swap_mb: u64,
    pub product_uuid: Option<String>,
    /// Added to the host's clock as seen by `date` and `timedatectl`.
    pub clock_offset_secs: i64,
    pub hostname: Option<String>,
    /// The fleet's client key in root's authorized_keys (default true).
    pub root_key: bool,
    /// Root password + PermitRootLogin yes + PasswordAuthentication yes.
    pub root_password: Option<String>,
    pub user: Option<UserSpec>,
    /// SELinux mode in /etc/selinux/config on RHEL flavours (default "enforcing").
    pub selinux: Option<String>,
    /// CentOS 7 only: the base repos of the 2009 install media (mirrorlist.centos.org, dead since
    /// 2024) instead of vault.centos.org; every yum run then fails until the repos are fixed.
    pub centos_eol_repos: bool,
    /// The "China network" (mainland China behind the Great Firewall): only the Chinese mirrors, the OS
    /// mirrors and the fleet answer; every other host times out (tests/sim/kwsim/netpolicy.py).
    pub china: bool,
    /// Timing profile: seconds per action (pkg_install per package, image_pull per image, init, join,
    /// node_ready, join_discovery_timeout, node_grace). Written to /etc/kwsim/profile.
    pub profile: Vec<(String, f64)>,
    /// Patches the host's Kubernetes repositories (and registries) carry beyond the simulator's facts, per
    /// minor: the repositories moved on since kubewiz's catalog was written.
    pub k8s_extra_patches: Vec<(u32, u32)>,
}

impl HostSpec {
    pub fn new(name: &str, flavour: Flavour) -> HostSpec {
        HostSpec {
            name: name.to_string(),
            flavour,
            kernel: None,
            cgroup: None,
            cpus: 2,
            memory_mb: 4096,
            swap_mb: 2048,
            product_uuid: None,
            clock_offset_secs: 0,
            hostname: None,
            root_key: true,
            root_password: None,
            user: None,
            selinux: None,
            centos_eol_repos: false,
            china: false,
            profile: Vec::new(),
            k8s_extra_patches: Vec::new(),
        }
    }
    /// See [`HostSpec::china`].
    pub fn china(mut self) -> Self {
        self.china = true;
        self
    }
    /// See [`HostSpec::centos_eol_repos`].
    pub fn centos_eol_repos(mut self) -> Self {
        self.centos_eol_repos = true;
        self
    }
    pub fn kernel(mut self, k: &str) -> Self {
        self.kernel = Some(k.into());
        self
    }
    pub fn cgroup(mut self, v: u8) -> Self {
        self.cgroup = Some(v);
        self
    }
    pub fn cpus(mut self, n: u32) -> Self {
        self.cpus = n;
        self
    }
    pub fn memory_mb(mut self, m: u64) -> Self {
        self.memory_mb = m;
        self
    }
    pub fn swap_mb(mut self, m: u64) -> Self {
        self.swap_mb = m;
        self
    }
    pub fn product_uuid(mut self, u: &str) -> Self {
        self.product_uuid = Some(u.into());
        self
    }
    pub fn clock_offset_secs(mut self, s: i64) -> Self {
        self.clock_offset_secs = s;
        self
    }
    pub fn hostname(mut self, h: &str) -> Self {
        self.hostname = Some(h.into());
        self
    }
    /// Root logs in with a password only (no authorized key).
    pub fn root_password(mut self, pw: &str) -> Self {
        self.root_password = Some(pw.into());
        self.root_key = false;
        self
    }
    /// A non-root user with the fleet key (and optionally a password) and the given sudo rights.
    pub fn user(mut self, name: &str, sudo: Sudo) -> Self {
        self.user = Some(UserSpec {
            name: name.into(),
            password: None,
            sudo,
            key: true,
        });
        self
    }
    pub fn user_spec(mut self, u: UserSpec) -> Self {
        self.user = Some(u);
        self
    }
    pub fn selinux(mut self, mode: &str) -> Self {
        self.selinux = Some(mode.into());
        self
    }
    pub fn profile(mut self, key: &str, secs: f64) -> Self {
        self.profile.push((key.into(), secs));
        self
    }
    /// The repositories carry Kubernetes 1.`minor`.0 ..= 1.`minor`.`patch` (if newer than the simulator's facts).
    pub fn k8s_patches_up_to(mut self, minor: u32, patch: u32) -> Self {
        self.k8s_extra_patches.push((minor, patch));
        self
    }
}

/// Outside CI, without root/sshd/iproute2: marks the test skipped ([`skip::because`]) and returns
/// None. Under CI (`CI=true`) the same condition is a failure.
pub fn require_root_or_skip() -> Option<()> {
    let mut missing = Vec::new();
    let uid = fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(str::to_string))
        })
        .unwrap_or_default();
    if uid != "0" {
        missing.push("root (network namespaces and mounts need it)".to_string());
    }
    for (p, what) in [
        ("/usr/sbin/sshd", "openssh-server"),
        ("/usr/bin/ssh", "openssh-client"),
        ("/usr/bin/ssh-keygen", "openssh-client"),
        ("/usr/sbin/ip", "iproute2"),
        ("/usr/bin/unshare", "util-linux"),
        ("/usr/bin/nsenter", "util-linux"),
        ("/usr/bin/python3", "python3"),
        ("/usr/sbin/iptables", "iptables"),
        (
            "/usr/bin/openssl",
            "openssl (the simulated kubeadm makes a real CA)",
        ),
        (
            "/usr/bin/gpg",
            "gnupg (gpg --dearmor on Debian-family hosts)",
        ),
        ("/usr/bin/flock", "util-linux"),
    ] {
        if !Path::new(p).exists() {
            missing.push(format!("{p} ({what})"));
        }
    }
    if missing.is_empty() {
        return Some(());
    }
    let msg = format!(
        "fleet tests need: {} (apt-get install openssh-server iproute2 iptables sshpass python3 openssl gnupg sudo, run as root)",
        missing.join(", ")
    );
    skip::because(&format!("the test fleet cannot start: {msg}"));
    None
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn sim_dir() -> PathBuf {
    repo_root().join("tests/sim")
}

/// The real `containerd config default` output of 1.6.20 (../shared/fixtures), when present.
pub fn fixtures_dir() -> PathBuf {
    repo_root().join("../shared/fixtures")
}

/// How long a host may take to (re)start sshd before the test fails: long, because the hosts
/// share a loaded machine; a host that is up returns at once.
const SSHD_UP: Duration = Duration::from_secs(120);

pub struct Fleet {
    pub hosts: Vec<Host>,
    dir: PathBuf,
    block: net::Block,
    bridge: String,
    key: PathBuf,
    known_hosts: PathBuf,
}

pub struct Host {
    pub name: String,
    pub address: String,
    pub spec: HostSpec,
    pub netns: String,
    veth: String,
    /// The host's directory: host.json, upper/ and work/ of its overlays, console.log.
    pub dir: PathBuf,
    sim: PathBuf,
    proc: Mutex<Option<Child>>,
}

impl Fleet {
    /// Starts the hosts in parallel; panics with the reason (and the host's console) on failure.
    pub fn start(specs: Vec<HostSpec>) -> Fleet {
        let t0 = Instant::now();
        assert!(!specs.is_empty(), "a fleet needs at least one host");
        if specs
            .iter()
            .any(|s| s.user.as_ref().is_some_and(|u| u.sudo != Sudo::None))
        {
            assert!(
                Path::new("/usr/bin/sudo").exists(),
                "hosts with a sudo user need the real sudo on this machine: apt-get install sudo"
            );
        }
        let block = net::allocate(specs.len());
        let slot = block.slot;
        let dir = net::fleet_dir(slot);
        fs::create_dir_all(&dir).expect("create fleet dir");
        let bridge = format!("kwbr{slot:02}");
        let key = dir.join("client_key");
        let known_hosts = dir.join("known_hosts");
        fs::write(&known_hosts, "").unwrap();
        let kg = Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-C", "kubewiz-fleet", "-f"])
            .arg(&key)
            .output()
            .expect("run ssh-keygen");
        assert!(kg.status.success(), "ssh-keygen failed: {kg:?}");
        let pubkey = fs::read_to_string(dir.join("client_key.pub")).unwrap();

        let mut fleet = Fleet {
            hosts: Vec::new(),
            dir: dir.clone(),
            bridge: bridge.clone(),
            key,
            known_hosts,
            block,
        };
        net::ip_batch(
            None,
            &[
                format!("link add {bridge} type bridge nf_call_iptables 0 nf_call_ip6tables 0"),
                format!(
                    "addr add {}/{} dev {bridge}",
                    fleet.block.gateway(),
                    fleet.block.prefix_len()
                ),
                format!("link set {bridge} up"),
            ],
        );
        let containerd_defaults = fixtures_dir().join("containerd");
        let mut names = std::collections::HashSet::new();
        for (n, spec) in specs.into_iter().enumerate() {
            assert!(
                names.insert(spec.name.clone()),
                "duplicate host name {}",
                spec.name
            );
            let netns = format!("kw{slot:02}{n:02}");
            let veth = format!("kwv{slot:02}{n:02}");
            let address = fleet.block.host_address(n);
            let hdir = dir.join(format!("h{n:02}-{}", spec.name));
            fs::create_dir_all(hdir.join("empty-root")).unwrap();
            fs::create_dir_all(hdir.join("empty-home")).unwrap();
            for f in [".bashrc", ".profile", ".bash_logout"] {
                let _ = fs::copy(
                    Path::new("/etc/skel").join(f),
                    hdir.join("empty-root").join(f),
                );
            }
            for v in ["1.6.20", "1.7.24", "2.1.9"] {
                let src = containerd_defaults.join(format!("config-default-{v}.toml"));
                if src.exists() {
                    let _ = fs::copy(&src, hdir.join(format!("containerd-default-{v}.toml")));
                }
            }
            let host_json = host_json(&spec, &address, &fleet.block.gateway(), n, &pubkey);
            fs::write(hdir.join("host.json"), host_json).unwrap();
            let _ = net::quiet("ip", &["netns", "del", &netns]);
            net::ip_batch(
                None,
                &[
                    format!("netns add {netns}"),
                    format!("link add {veth} type veth peer name eth0 netns {netns}"),
                    format!("link set {veth} master {bridge} up"),
                ],
            );
            net::ip_batch(
                Some(&netns),
                &[
                    "link set lo up".to_string(),
                    format!("addr add {address}/{} dev eth0", fleet.block.prefix_len()),
                    "link set eth0 up".to_string(),
                    format!("route add default via {}", fleet.block.gateway()),
                ],
            );
            let host = Host {
                name: spec.name.clone(),
                address,
                spec,
                netns,
                veth,
                dir: hdir,
                sim: sim_dir(),
                proc: Mutex::new(None),
            };
            host.boot();
            fleet.hosts.push(host);
        }
        for h in &fleet.hosts {
            h.wait_sshd(SSHD_UP);
        }
        if std::env::var("KW_FLEET_VERBOSE").is_ok() {
            eprintln!(
                "fleet of {} hosts up in {:?} ({})",
                fleet.hosts.len(),
                t0.elapsed(),
                fleet.dir.display()
            );
        }
        fleet
    }

    pub fn host(&self, name: &str) -> &Host {
        self.hosts
            .iter()
            .find(|h| h.name == name)
            .unwrap_or_else(|| panic!("no host named {name} in the fleet"))
    }

    /// Private key (ed25519) authorized for root (and non-root users) on every host.
    pub fn client_key(&self) -> &Path {
        &self.key
    }

    /// An initially empty known_hosts file for this fleet.
    pub fn known_hosts_path(&self) -> &Path {
        &self.known_hosts
    }

    /// The fleet's temporary directory (removed on drop).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The gateway address (on the bridge in the root namespace: the "workstation").
    pub fn gateway(&self) -> String {
        self.block.gateway()
    }

    /// Writes `<dir>/cluster.toml` for this fleet and returns its path.
    pub fn write_config(&self, dir: &Path, opts: &ConfigOpts) -> PathBuf {
        config::write(self, dir, opts)
    }

    /// An `ssh` command to `user@host` with the fleet key, BatchMode and the fleet's known_hosts
    /// (StrictHostKeyChecking=accept-new); append the remote command with `.arg(..)`.
    pub fn ssh(&self, host: &Host, user: &str) -> Command {
        let mut c = Command::new("ssh");
        c.arg("-i")
            .arg(&self.key)
            .args(["-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes"])
            .arg("-o")
            .arg(format!("UserKnownHostsFile={}", self.known_hosts.display()))
            .args([
                "-o",
                "StrictHostKeyChecking=accept-new",
                "-o",
                "ConnectTimeout=10",
                "-o",
                "LogLevel=ERROR",
            ])
            .arg(format!("{user}@{}", host.address))
            .stdin(Stdio::null());
        c
    }
}

impl Drop for Fleet {
    fn drop(&mut self) {
        for h in &self.hosts {
            h.kill();
        }
        for h in &self.hosts {
            net::kill_netns_pids(&h.netns);
            let _ = net::quiet("ip", &["netns", "del", &h.netns]);
            let _ = net::quiet("ip", &["link", "del", &h.veth]);
        }
        let _ = net::quiet("ip", &["link", "del", &self.bridge]);
        if std::env::var("KW_FLEET_KEEP").is_err() {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

fn host_json(spec: &HostSpec, address: &str, gateway: &str, n: usize, pubkey: &str) -> String {
    let uuid = spec
        .product_uuid
        .clone()
        .unwrap_or_else(|| fake_uuid(address, n));
    let user = spec.user.as_ref().map(|u| {
        serde_json::json!({
            "name": u.name, "password": u.password, "key": u.key,
            "sudo": match u.sudo { Sudo::NoPassword => "nopasswd", Sudo::Password => "password", Sudo::None => "none" },
        })
    });
    let profile: serde_json::Map<String, serde_json::Value> = spec
        .profile
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::json!(v)))
        .collect();
    serde_json::json!({
        "name": spec.name,
        "flavour": spec.flavour.id(),
        "kernel": spec.kernel.clone().unwrap_or_else(|| spec.flavour.default_kernel().to_string()),
        "cgroup": spec.cgroup.unwrap_or_else(|| spec.flavour.default_cgroup()),
        "cpus": spec.cpus,
        "memory_mb": spec.memory_mb,
        "swap_mb": spec.swap_mb,
        "product_uuid": uuid,
        "clock_offset_secs": spec.clock_offset_secs,
        "hostname": spec.hostname,
        "address": address,
        "gateway": gateway,
        "client_pubkey": pubkey.trim(),
        "auth": {"root_key": spec.root_key, "root_password": spec.root_password, "user": user},
        "selinux": spec.selinux.clone().unwrap_or_else(|| "enforcing".into()),
        "centos_eol_repos": spec.centos_eol_repos,
        "network": if spec.china { "china" } else { "open" },
        "profile": profile,
        "k8s_extra_patches": spec.k8s_extra_patches.iter().map(|(m, p)| (m.to_string(), serde_json::json!(p))).collect::<serde_json::Map<_, _>>(),
    })
    .to_string()
}

fn fake_uuid(address: &str, n: usize) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in address.bytes().chain(std::process::id().to_le_bytes()) {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let g = h ^ t.rotate_left(17) ^ (n as u64);
    format!(
        "{:08X}-{:04X}-{:04X}-{:04X}-{:012X}",
        (g >> 32) as u32,
        (g >> 16) as u16,
        g as u16 & 0x0fff | 0x4000,
        (h >> 48) as u16 & 0x3fff | 0x8000,
        h & 0xffff_ffff_ffff
    )
}

impl Host {
    fn boot(&self) {
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

    fn wait_sshd(&self, timeout: Duration) {
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

    fn kill(&self) {
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

pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}
