//! Smoke test of the test fleet: real sshd per host, simulator behaviours, a mini cluster by hand.
mod fleet;

use fleet::{Flavour, Fleet, HostSpec};

#[test]
fn fleet_boots() {
    let Some(()) = fleet::require_root_or_skip() else {
        return;
    };
    let t0 = std::time::Instant::now();
    let f = Fleet::start(vec![
        HostSpec::new("cp", Flavour::Centos7),
        HostSpec::new("w1", Flavour::Rocky9),
        HostSpec::new("w2", Flavour::Ubuntu2204),
    ]);
    eprintln!("fleet up in {:?}", t0.elapsed());
    for h in &f.hosts {
        let o = f
            .ssh(h, "root")
            .arg("cat /etc/os-release; uname -r")
            .output()
            .unwrap();
        eprintln!("{}: {}", h.name, String::from_utf8_lossy(&o.stdout));
        assert!(o.status.success(), "{:?}", o);
    }
}
