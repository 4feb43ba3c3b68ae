//! Address blocks in 192.0.2.0/24 shared by every fleet on this machine, and the root-namespace
//! plumbing (bridge + veth + netns) of one fleet.
//!
//! The /24 is cut into 16 units of 16 addresses. A fleet takes an aligned power-of-two run of units
//! (a /28 for up to 13 hosts, a /27 for 29, a /26 for 61) and holds an flock on each unit's lock file
//! under /tmp/kubewiz-fleet/ for its lifetime, so that test binaries running at the same time never
//! clash. A lock dies with its process, so leftovers of a killed test are cleaned by the next owner.

use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub const ROOT: &str = "/tmp/kubewiz-fleet";
const UNITS: usize = 16;

/// An allocated block of addresses, locked until dropped.
pub struct Block {
    /// First unit of the block: names the fleet's netns/links (`kw<slot>..`).
    pub slot: usize,
    pub units: usize,
    _locks: Vec<File>,
}

impl Block {
    pub fn prefix_len(&self) -> u8 {
        32 - (self.units * 16).trailing_zeros() as u8
    }
    pub fn network(&self) -> u8 {
        (self.slot * 16) as u8
    }
    pub fn gateway(&self) -> String {
        format!("192.0.2.{}", self.network() + 1)
    }
    /// Address of host `n` (0-based).
    pub fn host_address(&self, n: usize) -> String {
        format!("192.0.2.{}", self.network() as usize + 2 + n)
    }
    pub fn capacity(&self) -> usize {
        self.units * 16 - 3
    }
}

/// Allocates a block for `hosts` hosts, waiting (up to 10 minutes) while all blocks are taken.
pub fn allocate(hosts: usize) -> Block {
    let need = (hosts + 3).next_power_of_two().max(16);
    let units = need / 16;
    assert!(
        units <= UNITS,
        "a fleet of {hosts} hosts does not fit in 192.0.2.0/24"
    );
    fs::create_dir_all(ROOT).expect("create /tmp/kubewiz-fleet");
    clean_all_unlocked();
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let reserved = reserved_units();
        let mut start = 0;
        while start + units <= UNITS {
            if (start..start + units).any(|u| reserved[u]) {
                start += units;
                continue;
            }
            if let Some(locks) = try_lock_units(start, units) {
                let block = Block {
                    slot: start,
                    units,
                    _locks: locks,
                };
                clean_stale(&block);
                return block;
            }
            start += units;
        }
        if Instant::now() > deadline {
            panic!("no free address block in 192.0.2.0/24 for {hosts} hosts after 10 minutes");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Units of 192.0.2.0/24 that something else on this machine uses: addresses and routes of
/// interfaces that are not ours (e.g. the machine's own eth0 may be 192.0.2.2/24 with the default
/// gateway 192.0.2.1), so that a fleet never shadows them.
fn reserved_units() -> [bool; UNITS] {
    let mut r = [false; UNITS];
    let mut mark = |addr: &str, len: u32| {
        let Some(last) = addr.strip_prefix("192.0.2.") else {
            return;
        };
        let Ok(last) = last.parse::<usize>() else {
            return;
        };
        if len <= 24 {
            // The whole /24 is on-link there: only the address itself is taken.
            r[last / 16] = true;
        } else {
            let size = 1usize << (32 - len.min(32));
            let start = last & !(size - 1);
            let last_unit = ((start + size - 1) / 16).min(UNITS - 1);
            for slot in r.iter_mut().take(last_unit + 1).skip(start / 16) {
                *slot = true;
            }
        }
    };
    for line in run_out("ip", &["-o", "-4", "addr", "show"]).lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        let dev = f.get(1).copied().unwrap_or("");
        if dev.starts_with("kwbr") {
            continue;
        }
        if let Some(i) = f.iter().position(|w| *w == "inet")
            && let Some((a, l)) = f.get(i + 1).and_then(|c| c.split_once('/'))
        {
            mark(a, l.parse().unwrap_or(32));
        }
    }
    for line in run_out("ip", &["-4", "route", "show"]).lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        let dev = f
            .iter()
            .position(|w| *w == "dev")
            .and_then(|i| f.get(i + 1))
            .copied()
            .unwrap_or("");
        if dev.starts_with("kwbr") {
            continue;
        }
        if let Some(i) = f.iter().position(|w| *w == "via")
            && let Some(gw) = f.get(i + 1)
        {
            mark(gw, 32);
        }
        if let Some((a, l)) = f.first().and_then(|c| c.split_once('/')) {
            let l: u32 = l.parse().unwrap_or(32);
            if l > 24 {
                mark(a, l);
            }
        }
    }
    r
}

fn try_lock_units(start: usize, units: usize) -> Option<Vec<File>> {
    let mut locks = Vec::new();
    for u in start..start + units {
        let path = Path::new(ROOT).join(format!("unit-{u:02}.lock"));
        let f = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .ok()?;
        if f.try_lock().is_err() {
            return None;
        }
        locks.push(f);
    }
    Some(locks)
}

/// Cleans the leftovers of killed test processes in every unit nobody holds right now.
fn clean_all_unlocked() {
    for u in 0..UNITS {
        if let Some(locks) = try_lock_units(u, 1) {
            clean_stale(&Block {
                slot: u,
                units: 1,
                _locks: locks,
            });
        }
    }
}

/// Removes whatever a killed earlier owner of these units left behind.
fn clean_stale(block: &Block) {
    let prefixes: Vec<String> = (block.slot..block.slot + block.units)
        .map(|u| format!("{u:02}"))
        .collect();
    let netns = run_out("ip", &["netns", "list"]);
    for line in netns.lines() {
        let name = line.split_whitespace().next().unwrap_or("");
        if let Some(rest) = name.strip_prefix("kw")
            && prefixes.iter().any(|p| rest.starts_with(p.as_str()))
            && rest.len() == 4
        {
            kill_netns_pids(name);
            let _ = quiet("ip", &["netns", "del", name]);
        }
    }
    let links = run_out("ip", &["-o", "link", "show"]);
    for line in links.lines() {
        let name = line
            .split(':')
            .nth(1)
            .unwrap_or("")
            .trim()
            .split('@')
            .next()
            .unwrap_or("");
        for p in &prefixes {
            if name.starts_with(&format!("kwv{p}")) || name == format!("kwbr{p}") {
                let _ = quiet("ip", &["link", "del", name]);
            }
        }
    }
    if let Ok(rd) = fs::read_dir(ROOT) {
        for e in rd.flatten() {
            let n = e.file_name().to_string_lossy().to_string();
            if let Some(rest) = n.strip_prefix('f')
                && prefixes.iter().any(|p| rest.starts_with(&format!("{p}-")))
            {
                let _ = fs::remove_dir_all(e.path());
            }
        }
    }
}

pub fn kill_netns_pids(ns: &str) {
    let pids = run_out("ip", &["netns", "pids", ns]);
    for p in pids.split_whitespace() {
        let _ = quiet("kill", &["-9", p]);
    }
}

pub fn run_out(cmd: &str, args: &[&str]) -> String {
    Command::new(cmd)
        .args(args)
        .stderr(Stdio::null())
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default()
}

pub fn quiet(cmd: &str, args: &[&str]) -> bool {
    Command::new(cmd)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// Runs `ip [-n NS] -batch -` with the given lines; panics with ip's message on failure.
pub fn ip_batch(netns: Option<&str>, lines: &[String]) {
    use std::io::Write;
    let mut cmd = Command::new("ip");
    if let Some(ns) = netns {
        cmd.args(["-n", ns]);
    }
    let mut child = cmd
        .args(["-batch", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run ip");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(lines.join("\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "ip -batch failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        lines.join("\n")
    );
}

pub fn fleet_dir(slot: usize) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    Path::new(ROOT).join(format!("f{slot:02}-{}-{nanos}", std::process::id()))
}
