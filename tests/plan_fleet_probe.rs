//! The node-preparation steps of the plan, run by hand on simulated hosts (CentOS 7, Rocky 9,
//! Ubuntu 22.04): each applies once, then its check says "done". Not through the engine: this
//! pins script-vs-simulator compatibility step by step.
//!
//! Ignored until the simulator's containerd/kubeadm are complete; run it with
//! `cargo test --test plan_fleet_probe -- --ignored --nocapture` (as root).
mod fleet;

use fleet::{Flavour, Fleet, HostSpec};
use kubewiz::catalog::Catalog;
use kubewiz::config::ClusterConfig;
use kubewiz::plan::{self, StepId};

#[test]
#[ignore = "needs the simulator's containerd/kubeadm (tests/sim/kwsim/k8s.py)"]
fn prep_steps_apply_then_skip() {
    let Some(()) = fleet::require_root_or_skip() else {
        return;
    };
    let f = Fleet::start(vec![
        HostSpec::new("cp", Flavour::Centos7).swap_mb(1024),
        HostSpec::new("w1", Flavour::Rocky9),
        HostSpec::new("w2", Flavour::Ubuntu2204),
    ]);
    let mut text = String::from(
        "[cluster]\nname = \"t\"\nkubernetes_version = \"1.25.3\"\nmirror = \"aliyun\"\nproxy_mode = \"ipvs\"\ntimezone = \"Asia/Shanghai\"\n",
    );
    for (i, h) in f.hosts.iter().enumerate() {
        let role = if i == 0 { "control-plane" } else { "worker" };
        text.push_str(&format!(
            "[[node]]\nname = \"{}\"\naddress = \"{}\"\nrole = \"{role}\"\n",
            h.name, h.address
        ));
    }
    let cfg: ClusterConfig = toml::from_str(&text).unwrap();
    let p = plan::build(&cfg, Catalog::builtin()).unwrap();
    let steps = [
        StepId::Facts,
        StepId::Hostname,
        StepId::Firewall,
        StepId::Swap,
        StepId::Modules,
        StepId::Sysctl,
        StepId::Time,
        StepId::Containerd,
        StepId::Packages,
        StepId::Images,
    ];
    let mut problems = Vec::new();
    for h in &f.hosts {
        for step in steps {
            let t = &p.tasks[p.task_index(&h.name, step).unwrap()];
            let script = p.render(t);
            for round in 0..2 {
                let o = h.exec_stdin("bash -s", Some(script.as_bytes()));
                let out = String::from_utf8_lossy(&o.stdout);
                let err = String::from_utf8_lossy(&o.stderr);
                let result = out
                    .lines()
                    .find_map(|l| l.strip_prefix("::kw::result "))
                    .unwrap_or("-")
                    .to_string();
                eprintln!(
                    "[{}] {step} #{round}: exit {:?} {result}",
                    h.name,
                    o.status.code()
                );
                let want = if step == StepId::Facts || round == 0 {
                    "applied"
                } else {
                    "skipped"
                };
                if !o.status.success() || result != want {
                    problems.push(format!(
                        "[{}] {step} round {round}: exit {:?}, result {result}\n--- stdout\n{out}\n--- stderr\n{err}",
                        h.name,
                        o.status.code()
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
