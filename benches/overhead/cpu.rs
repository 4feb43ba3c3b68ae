//! What a run costs in CPU: this process's (and its waited-for children's) time from
//! /proc/self/stat, the hosts' from every process in their network namespaces.

use super::fleet::{self, Fleet};

/// CPU time (ms) of a process: (its own, its waited-for children's), from /proc/PID/stat.
pub fn proc_cpu_ms(pid: &str) -> (f64, f64) {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return (0.0, 0.0);
    };
    let Some((_, rest)) = stat.rsplit_once(") ") else {
        return (0.0, 0.0);
    };
    let f: Vec<f64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    // Fields 14-17 of stat (utime, stime, cutime, cstime) in clock ticks (USER_HZ = 100).
    let tick = 10.0;
    if f.len() < 15 {
        return (0.0, 0.0);
    }
    ((f[11] + f[12]) * tick, (f[13] + f[14]) * tick)
}

/// CPU time (ms) of everything running in the given hosts' namespaces, including their exited
/// children that were waited for: the difference of two readings is what the hosts spent.
pub fn hosts_cpu_ms(fleet: &Fleet, nodes: &[String]) -> f64 {
    let mut total = 0.0;
    for n in nodes {
        let pids = fleet::net::run_out("ip", &["netns", "pids", &fleet.host(n).netns]);
        for p in pids.split_whitespace() {
            let (own, children) = proc_cpu_ms(p);
            total += own + children;
        }
    }
    total
}

/// The CPU a run costs, per step per node: readings of the hosts and of this process (its own
/// time and its waited-for children's) at the run's start, read again at its end.
pub struct CpuMeter {
    hosts: f64,
    own: f64,
    children: f64,
    n_steps: f64,
}

impl CpuMeter {
    pub fn start(fleet: &Fleet, nodes: &[String], steps: usize) -> CpuMeter {
        let hosts = hosts_cpu_ms(fleet, nodes);
        let (own, children) = proc_cpu_ms("self");
        CpuMeter {
            hosts,
            own,
            children,
            n_steps: (nodes.len() * steps) as f64,
        }
    }

    /// On the workstation: this process (kubewiz's engine runs in it) and its children.
    pub fn workstation(&self) -> f64 {
        let (own, children) = proc_cpu_ms("self");
        (own - self.own + children - self.children) / self.n_steps
    }

    /// On the workstation, the waited-for children only (ansible-core runs as one; this
    /// process only waits for it).
    pub fn children(&self) -> f64 {
        (proc_cpu_ms("self").1 - self.children) / self.n_steps
    }

    /// On the hosts (sshd, shells, Python, ...).
    pub fn hosts(&self, fleet: &Fleet, nodes: &[String]) -> f64 {
        (hosts_cpu_ms(fleet, nodes) - self.hosts) / self.n_steps
    }
}
