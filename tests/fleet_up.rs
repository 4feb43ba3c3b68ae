//! Not a check: a developer's tool that holds a test fleet up so that the wizard can be tried by
//! hand, as a newcomer would, against real sshd hosts and the node simulator (tests/fleet,
//! tests/sim). Ignored by `cargo test`; run it as root with
//!
//! ```text
//! KW_FLEET=cp=rocky9,w1=debian12,w2=ubuntu2204 cargo test --test fleet_up -- --ignored --nocapture
//! ```
//!
//! `KW_FLEET`: `name=flavour` pairs (centos7, rocky8, rocky9, ubuntu2204, ubuntu2404, debian11,
//! debian12; `name=flavour/china` puts the host in the China network); default: the seed guide's
//! three CentOS 7 hosts. It prints each host's address, the identity file and the known_hosts
//! file to give the wizard, and a cluster.toml for the fleet; the hosts stay up for
//! `KW_FLEET_HOLD` seconds (default 3600) or until the printed STOP file is created.

mod fleet;

use fleet::{ConfigOpts, Flavour, Fleet, HostSpec};
use std::time::{Duration, Instant};

fn flavour(s: &str) -> Flavour {
    match s {
        "centos7" => Flavour::Centos7,
        "rocky8" => Flavour::Rocky8,
        "rocky9" => Flavour::Rocky9,
        "ubuntu2204" => Flavour::Ubuntu2204,
        "ubuntu2404" => Flavour::Ubuntu2404,
        "debian11" => Flavour::Debian11,
        "debian12" => Flavour::Debian12,
        other => panic!(
            "KW_FLEET: unknown flavour {other:?}: centos7, rocky8, rocky9, ubuntu2204, ubuntu2404, debian11 or debian12"
        ),
    }
}

fn specs(text: &str) -> Vec<HostSpec> {
    text.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (name, kind) = pair
                .split_once('=')
                .unwrap_or_else(|| panic!("KW_FLEET: {pair:?} is not name=flavour"));
            let (kind, china) = match kind.strip_suffix("/china") {
                Some(k) => (k, true),
                None => (kind, false),
            };
            let spec = HostSpec::new(name, flavour(kind));
            if china { spec.china() } else { spec }
        })
        .collect()
}

#[test]
#[ignore = "a developer's tool: holds a test fleet up to try kubewiz by hand (see the file's header)"]
fn hold_a_fleet_for_trying_kubewiz_by_hand() {
    if fleet::require_root_or_skip().is_none() {
        return;
    }
    let wanted = std::env::var("KW_FLEET")
        .unwrap_or_else(|_| "k8s-master=centos7,k8s-node01=centos7,k8s-node02=centos7".into());
    let hold = std::env::var("KW_FLEET_HOLD")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3600);
    let fleet = Fleet::start(specs(&wanted));
    let work = tempfile::tempdir().unwrap();
    let cfg = fleet.write_config(work.path(), &ConfigOpts::default());
    let stop = work.path().join("STOP");
    println!("fleet up:");
    for h in &fleet.hosts {
        println!("  {:<12} {}  (ssh user root, port 22)", h.name, h.address);
    }
    println!("identity file: {}", fleet.client_key().display());
    println!(
        "known_hosts:   {} (or answer the wizard's host-key question)",
        fleet.known_hosts_path().display()
    );
    println!("a cluster.toml for it: {}", cfg.display());
    println!(
        "holding for {hold} s; end sooner with: touch {}",
        stop.display()
    );
    let until = Instant::now() + Duration::from_secs(hold);
    while Instant::now() < until && !stop.exists() {
        std::thread::sleep(Duration::from_millis(500));
    }
}
