//! Every step script of the plan, run by hand (not through the engine) on simulated hosts
//! (CentOS 7 control plane, Rocky 9 and Ubuntu 22.04 workers), in DAG order: each applies
//! (or finds the node already right), then its check says "done" on a second run. Pins the
//! script-vs-simulator contract step by step, including the mint script and the uploads.
mod fleet;

use fleet::{Flavour, Fleet, Host, HostSpec};
use kubewiz::catalog::Catalog;
use kubewiz::config::{ClusterConfig, Cni};
use kubewiz::plan::{self, Plan, SecretSlot, StepId};
use std::collections::HashMap;

struct Run<'a> {
    plan: &'a Plan,
    problems: Vec<String>,
}

impl Run<'_> {
    /// Runs `script` on `host`; returns (exit ok, ::kw::result, stdout).
    fn exec(&self, host: &Host, script: &str) -> (bool, String, String, String) {
        let o = host.exec_stdin("bash -s", Some(script.as_bytes()));
        let out = String::from_utf8_lossy(&o.stdout).into_owned();
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        let result = out
            .lines()
            .find_map(|l| l.strip_prefix("::kw::result "))
            .unwrap_or("-")
            .to_string();
        (o.status.success(), result, out, err)
    }

    /// The step twice: first applied (or already done), then skipped.
    fn step(&mut self, f: &Fleet, node: &str, step: StepId, secrets: &HashMap<SecretSlot, String>) {
        let t = &self.plan.tasks[self.plan.task_index(node, step).unwrap()];
        let host = f.host(&t.host);
        let script = self.plan.render_with_secrets(t, secrets);
        for round in 0..2 {
            let (ok, result, out, err) = self.exec(host, &script);
            eprintln!("[{node}] {step} #{round}: ok={ok} {result}");
            let good = ok
                && match (step, round) {
                    (StepId::Facts | StepId::Kubeconfig, _) => result == "applied",
                    (_, 0) => result == "applied" || result == "skipped",
                    _ => result == "skipped",
                };
            if !good {
                self.problems.push(format!(
                    "[{node}] {step} round {round}: ok={ok} result={result}\n--- stdout\n{out}\n--- stderr\n{err}"
                ));
            }
        }
    }
}

#[test]
fn every_step_applies_then_skips_on_simulated_hosts() {
    let Some(()) = fleet::require_root_or_skip() else {
        return;
    };
    let fixtures = fleet::fixtures_dir();
    let calico = std::fs::read_to_string(fixtures.join("cni/calico-v3.24.6.yaml"));
    let dashboard =
        std::fs::read_to_string(fixtures.join("addons/dashboard-v2.7.0-recommended.yaml"));
    let (Ok(calico), Ok(dashboard)) = (calico, dashboard) else {
        return fleet::skip::because("../shared/fixtures is absent");
    };
    let f = Fleet::start(vec![
        HostSpec::new("cp", Flavour::Centos7).swap_mb(1024),
        HostSpec::new("w1", Flavour::Rocky9),
        HostSpec::new("w2", Flavour::Ubuntu2204),
        HostSpec::new("cp2", Flavour::Rocky9),
    ]);
    let mut text = String::from(
        "[cluster]\nname = \"t\"\nkubernetes_version = \"1.25.3\"\nmirror = \"aliyun\"\n\
         proxy_mode = \"ipvs\"\ntimezone = \"Asia/Shanghai\"\ndashboard = true\n",
    );
    for (i, h) in f.hosts.iter().enumerate() {
        let role = if i == 0 || h.name == "cp2" {
            "control-plane"
        } else {
            "worker"
        };
        text.push_str(&format!(
            "[[node]]\nname = \"{}\"\naddress = \"{}\"\nrole = \"{role}\"\n",
            h.name, h.address
        ));
    }
    let cfg: ClusterConfig = toml::from_str(&text).unwrap();
    let p = plan::build(&cfg, Catalog::builtin()).unwrap();
    assert_eq!(
        prep(&p, &p.first_control_plane).len(),
        11,
        "facts, repos .. images"
    );
    let mut run = Run {
        plan: &p,
        problems: Vec::new(),
    };
    let none = HashMap::new();
    for h in f.hosts.iter().filter(|h| h.name != "cp2") {
        for step in prep(&p, &h.name) {
            run.step(&f, &h.name, step, &none);
        }
    }
    let cp = f.host("cp");
    run.step(&f, "cp", StepId::Init, &none);
    run.step(&f, "cp", StepId::Kubeconfig, &none);

    // The engine's part of cni/dashboard: patch on the workstation, upload to the planned path.
    let upload = |path: &str, text: &str| {
        let dir = std::path::Path::new(path)
            .parent()
            .unwrap()
            .display()
            .to_string();
        let o = cp.exec_stdin(
            &format!("mkdir -p {dir} && cat > {path}"),
            Some(text.as_bytes()),
        );
        assert!(o.status.success());
    };
    let cni = plan::manifest::patch_cni(Cni::Calico, &calico, &cfg.cluster.pod_cidr).unwrap();
    upload(plan::CNI_MANIFEST_REMOTE_PATH, &cni);
    run.step(&f, "cp", StepId::Cni, &none);
    upload(
        plan::DASHBOARD_MANIFEST_REMOTE_PATH,
        &plan::manifest::patch_dashboard(&dashboard).unwrap(),
    );
    run.step(&f, "cp", StepId::Dashboard, &none);

    // Join secrets minted on the control plane, as the engine does.
    let secrets = mint(&run, cp, false);
    assert_eq!(secrets.len(), 2, "{secrets:?}");
    for w in ["w1", "w2"] {
        run.step(&f, w, StepId::Join, &secrets);
    }
    // A second control plane, with a certificate key; it holds the files of an interrupted
    // join (as after a kill mid-join): the script resets them before joining.
    let cp_secrets = mint(&run, cp, true);
    assert_eq!(cp_secrets.len(), 3, "token, CA hash and certificate key");
    let cp2 = f.host("cp2");
    assert!(
        cp2.exec("mkdir -p /etc/kubernetes/pki && echo x > /etc/kubernetes/pki/ca.crt")
            .status
            .success()
    );
    for step in prep(&p, "cp2") {
        run.step(&f, "cp2", step, &none);
    }
    run.step(&f, "cp2", StepId::Join, &cp_secrets);
    let calls =
        String::from_utf8_lossy(&cp2.exec("grep ' kubeadm ' /var/lib/kwsim/calls.log").stdout)
            .into_owned();
    let kubeadm: Vec<&str> = calls
        .lines()
        .filter_map(|l| l.split_once(' ').map(|x| x.1))
        .filter(|c| c.starts_with("kubeadm reset") || c.starts_with("kubeadm join"))
        .collect();
    assert!(
        kubeadm.len() == 2
            && kubeadm[0] == "kubeadm reset -f"
            && kubeadm[1].contains("--control-plane --certificate-key"),
        "interrupted join cleaned up first, then a control-plane join:\n{calls}"
    );
    for n in ["cp", "w1", "w2", "cp2"] {
        run.step(&f, n, StepId::Ready, &none);
    }

    // reset leaves a node that joins again (kubelet.conf, CNI config and kubeconfig gone).
    let w2 = f.host("w2");
    let (ok, result, out, err) = run.exec(w2, &p.reset_script());
    assert!(ok && result == "applied", "reset: {out}\n{err}");
    let left = w2.exec("ls /etc/kubernetes/kubelet.conf /etc/cni/net.d 2>&1 || true");
    assert!(
        !String::from_utf8_lossy(&left.stdout).contains("kubelet.conf\n"),
        "reset left kubelet.conf"
    );
    // The cluster still has a Ready Node "w2": kubeadm join refuses it until it is deleted.
    let (ok, result, out, err) = run.exec(cp, &p.delete_node_script("w2"));
    assert!(ok && result == "applied", "delete-node: {out}\n{err}");
    let (ok, result, _, _) = run.exec(cp, &p.delete_node_script("w2"));
    assert!(ok && result == "skipped");
    run.step(&f, "w2", StepId::Join, &secrets);
    assert!(run.problems.is_empty(), "{}", run.problems.join("\n"));
}

/// A node's preparation steps (before init/join; preflight is the engine's own), in the
/// order the engine starts them when it runs one at a time: the plan's start order, which
/// follows every `after` edge.
fn prep(plan: &Plan, node: &str) -> Vec<StepId> {
    plan::order::start_order(plan)
        .into_iter()
        .map(|i| &plan.tasks[i])
        .filter(|t| t.node == node)
        .map(|t| t.step)
        .filter(|s| *s < StepId::Init && *s != StepId::Preflight)
        .collect()
}

fn mint(run: &Run, cp: &Host, cert_key: bool) -> HashMap<SecretSlot, String> {
    let (ok, _, out, err) = run.exec(cp, &run.plan.mint_script(cert_key));
    assert!(ok, "mint failed: {out}\n{err}");
    out.lines()
        .filter_map(|l| l.strip_prefix("::kw::secret ")?.split_once('='))
        .filter_map(|(k, v)| {
            let slot = match k {
                "token" => SecretSlot::JoinToken,
                "ca_cert_hash" => SecretSlot::CaCertHash,
                "certificate_key" => SecretSlot::CertificateKey,
                _ => return None,
            };
            Some((slot, v.to_string()))
        })
        .collect()
}

/// The newest Kubernetes on Ubuntu 22.04 + Debian 12: kubeadm v1beta4, containerd 2.x from
/// the docker-ce apt repository (config version 3), flannel, upstream repositories, iptables.
#[test]
fn newest_version_with_flannel_on_ubuntu_and_debian() {
    let Some(()) = fleet::require_root_or_skip() else {
        return;
    };
    let Ok(flannel) =
        std::fs::read_to_string(fleet::fixtures_dir().join("cni/kube-flannel-v0.28.9.yml"))
    else {
        return fleet::skip::because("../shared/fixtures is absent");
    };
    let minor = Catalog::builtin().minors().last().unwrap();
    let version = format!("{}.{}", minor.version, minor.latest_patch);
    let f = Fleet::start(vec![
        HostSpec::new("cp", Flavour::Ubuntu2204),
        HostSpec::new("w1", Flavour::Debian12),
    ]);
    let mut text = format!(
        "[cluster]\nname = \"t\"\nkubernetes_version = \"{version}\"\ncni = \"flannel\"\n\
         cni_version = \"0.28.9\"\nmirror = \"upstream\"\npod_cidr = \"10.50.0.0/16\"\n"
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
    let mut run = Run {
        plan: &p,
        problems: Vec::new(),
    };
    let none = HashMap::new();
    for h in &f.hosts {
        for step in prep(&p, &h.name) {
            run.step(&f, &h.name, step, &none);
        }
    }
    let cp = f.host("cp");
    let conf =
        String::from_utf8_lossy(&cp.exec("cat /etc/containerd/config.toml").stdout).into_owned();
    // The newest minor wants containerd 2.3.0+ or 2.2.0+: Docker's containerd.io 2.3, whose
    // `config default` prints version 4 (server tables moved into plugins).
    assert!(conf.starts_with("version = 4\n"), "{conf}");
    let checked = fleet::containerd::check_written(
        &conf,
        "2.3.4",
        &format!("registry.k8s.io/pause:{}", minor.pause),
    );
    eprintln!("{checked:?}");
    run.step(&f, "cp", StepId::Init, &none);
    let kubeadm_conf =
        String::from_utf8_lossy(&cp.exec("cat /etc/kubernetes/kubewiz-kubeadm.yaml").stdout)
            .into_owned();
    assert!(
        kubeadm_conf.contains("kubeadm.k8s.io/v1beta4"),
        "{kubeadm_conf}"
    );
    let cni = plan::manifest::patch_cni(Cni::Flannel, &flannel, "10.50.0.0/16").unwrap();
    let o = cp.exec_stdin(
        &format!(
            "mkdir -p /var/lib/kubewiz/manifests && cat > {}",
            plan::CNI_MANIFEST_REMOTE_PATH
        ),
        Some(cni.as_bytes()),
    );
    assert!(o.status.success());
    run.step(&f, "cp", StepId::Cni, &none);
    let secrets = mint(&run, cp, false);
    run.step(&f, "w1", StepId::Join, &secrets);
    for n in ["cp", "w1"] {
        run.step(&f, n, StepId::Ready, &none);
    }
    run.step(&f, "cp", StepId::Kubeconfig, &none);
    assert!(run.problems.is_empty(), "{}", run.problems.join("\n"));
}
