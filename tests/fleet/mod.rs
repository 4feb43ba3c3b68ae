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
//!
//! - this file: the fleet (start, addresses, teardown) and the host files it writes;
//! - `spec`: what a test asks for (OS flavour, users, sudo, names);
//! - `host`: one host: boot, commands, files, what the simulator recorded, faults;
//! - `config`: cluster.toml for a fleet; `setup`: the fleets tests start with, with their cluster.toml; `net`: the namespaces and addresses; `containerd`:
//!   containerd configs judged by the real binary.
#![allow(dead_code)]

pub mod config;
pub mod containerd;
mod host;
pub mod net;
mod setup;
#[path = "../skip/mod.rs"]
pub mod skip;
mod spec;

pub use config::ConfigOpts;
// Not every test binary starts one of these fleets (as with `dead_code` above).
#[allow(unused_imports)]
pub use setup::*;
pub use spec::*;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

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

pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}
