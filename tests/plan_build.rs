//! The plan: which tasks exist, what each waits for, what each script gets.

use kubewiz::catalog::Catalog;
use kubewiz::config::ClusterConfig;
use kubewiz::plan::{self, Plan, SecretSlot, StepId, TaskKind};
use std::collections::HashMap;

/// The seed's cluster (the config.sample.toml).
pub const SEED: &str = include_str!("plan_build_seed.toml");

fn config(text: &str) -> ClusterConfig {
    toml::from_str(text).expect("config parses")
}

fn seed_plan() -> Plan {
    plan::build(&config(SEED), Catalog::builtin()).expect("plan builds")
}

fn idx(p: &Plan, node: &str, step: StepId) -> usize {
    p.task_index(node, step)
        .unwrap_or_else(|| panic!("no task {step} on {node}"))
}

fn deps(p: &Plan, node: &str, step: StepId) -> Vec<(String, StepId)> {
    let t = &p.tasks[idx(p, node, step)];
    t.after
        .iter()
        .map(|&i| (p.tasks[i].node.clone(), p.tasks[i].step))
        .collect()
}

fn has(d: &[(String, StepId)], node: &str, step: StepId) -> bool {
    d.iter().any(|(n, s)| n == node && *s == step)
}

fn env<'a>(p: &'a Plan, node: &str, step: StepId) -> HashMap<&'a str, &'a str> {
    match &p.tasks[idx(p, node, step)].kind {
        TaskKind::Remote(s) => s
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect(),
        TaskKind::Local => HashMap::new(),
    }
}

/// Transitive dependencies of task i.
fn ancestors(p: &Plan, i: usize) -> Vec<usize> {
    let mut seen = vec![false; p.tasks.len()];
    let mut stack = p.tasks[i].after.clone();
    while let Some(j) = stack.pop() {
        if !seen[j] {
            seen[j] = true;
            stack.extend(p.tasks[j].after.iter().copied());
        }
    }
    (0..p.tasks.len()).filter(|&j| seen[j]).collect()
}

#[test]
fn tasks_per_node() {
    let p = seed_plan();
    assert_eq!(p.first_control_plane, "k8s-master");
    assert_eq!(p.nodes, ["k8s-master", "k8s-node01", "k8s-node02"]);
    let steps = |n: &str| -> Vec<StepId> { p.for_node(n).iter().map(|(_, t)| t.step).collect() };
    use StepId::*;
    assert_eq!(
        steps("k8s-master"),
        [
            Facts, Preflight, Repos, Hostname, Firewall, Swap, Modules, Sysctl, Time, Containerd,
            Packages, Images, Init, Cni, Ready, Dashboard, Kubeconfig
        ]
    );
    assert_eq!(
        steps("k8s-node01"),
        [
            Facts, Preflight, Repos, Hostname, Firewall, Swap, Modules, Sysctl, Time, Containerd,
            Packages, Images, Join, Ready
        ]
    );
    // ready of a worker runs on the first control plane; everything else on the node itself.
    for t in &p.tasks {
        let want = if matches!(t.step, Ready) {
            "k8s-master"
        } else {
            t.node.as_str()
        };
        assert_eq!(t.host, want, "{} {}", t.node, t.step);
        assert_eq!(t.timeout, t.step.def().timeout);
        assert_eq!(matches!(t.kind, TaskKind::Local), t.step == Preflight);
    }
}

#[test]
fn graph_is_acyclic_and_points_backwards() {
    let p = seed_plan();
    for (i, t) in p.tasks.iter().enumerate() {
        for &d in &t.after {
            assert!(d < p.tasks.len());
            assert!(
                !ancestors(&p, d).contains(&i),
                "cycle through {} {}",
                t.node,
                t.step
            );
        }
        assert!(
            !ancestors(&p, i).contains(&i),
            "cycle at {} {}",
            t.node,
            t.step
        );
    }
}

#[test]
fn dependencies() {
    let p = seed_plan();
    use StepId::*;
    let nodes = ["k8s-master", "k8s-node01", "k8s-node02"];
    for n in nodes {
        assert!(deps(&p, n, Facts).is_empty());
        // preflight is a barrier over every node's facts
        let d = deps(&p, n, Preflight);
        for m in nodes {
            assert!(has(&d, m, Facts), "preflight of {n} waits for facts of {m}");
        }
        for s in [Repos, Hostname, Firewall, Swap] {
            assert_eq!(deps(&p, n, s), [(n.to_string(), Preflight)], "{n} {s}");
        }
        // every step that installs packages waits for the OS repositories (EOL CentOS 7),
        // and they run one after the other (the package manager's lock): what the image
        // pull needs first, then the IPVS tools (modules) and chrony (time)
        let chain = [Containerd, Packages, Modules, Time];
        assert_eq!(deps(&p, n, Containerd), [(n.to_string(), Repos)], "{n}");
        for w in chain.windows(2) {
            let d = deps(&p, n, w[1]);
            assert!(
                has(&d, n, Repos) && has(&d, n, w[0]) && d.len() == 2,
                "{n} {}: {d:?}",
                w[1]
            );
        }
        for a in chain {
            for b in chain {
                let (ia, ib) = (idx(&p, n, a), idx(&p, n, b));
                assert!(
                    a == b || ancestors(&p, ia).contains(&ib) || ancestors(&p, ib).contains(&ia),
                    "{n}: {a} and {b} could run at once"
                );
            }
        }
        for s in [Modules, Time, Containerd, Packages, Images, Init, Join] {
            if let Some(i) = p.task_index(n, s) {
                let anc = ancestors(&p, i);
                assert!(anc.contains(&idx(&p, n, Repos)), "{n} {s} runs after repos");
            }
        }
        assert!(!ancestors(&p, idx(&p, n, Repos)).contains(&idx(&p, n, Firewall)));
        assert_eq!(deps(&p, n, Sysctl), [(n.to_string(), Modules)]);
        let d = deps(&p, n, Images);
        assert!(has(&d, n, Containerd) && has(&d, n, Packages) && d.len() == 2);
        // ready (on the CP) after the node's own join/init and after the CNI
        let d = deps(&p, n, Ready);
        assert!(has(&d, "k8s-master", Cni), "{n}");
        if n == "k8s-master" {
            assert!(has(&d, n, Init));
        } else {
            assert!(has(&d, n, Join));
        }
    }
    let d = deps(&p, "k8s-master", Init);
    for s in [Images, Hostname, Firewall, Swap, Modules, Sysctl, Time] {
        assert!(has(&d, "k8s-master", s), "init after {s}");
    }
    for w in ["k8s-node01", "k8s-node02"] {
        let d = deps(&p, w, Join);
        assert!(has(&d, w, Images) && has(&d, w, Swap) && has(&d, "k8s-master", Init));
        assert!(has(&d, w, Modules) && has(&d, w, Sysctl) && has(&d, w, Time));
        // workers do not wait for anything of the CP but init (no lock-step phases)
        assert!(!has(&d, "k8s-master", Cni));
        // ... and a worker's preparation does not wait for the CP at all after preflight
        let anc = ancestors(&p, idx(&p, w, Images));
        assert!(
            anc.iter()
                .all(|&i| p.tasks[i].node == w || p.tasks[i].step == Facts),
            "worker images only waits on its own steps and facts"
        );
    }
    assert_eq!(deps(&p, "k8s-master", Cni), [("k8s-master".into(), Init)]);
    assert_eq!(
        deps(&p, "k8s-master", Kubeconfig),
        [("k8s-master".into(), Init)]
    );
    assert_eq!(
        deps(&p, "k8s-master", Dashboard),
        [("k8s-master".into(), Cni)]
    );
}

#[test]
fn extra_control_planes_join_one_after_another() {
    let text = SEED
        .replace(
            "name = \"k8s-node01\"\naddress = \"192.168.147.131\"\nrole = \"worker\"",
            "name = \"k8s-cp2\"\naddress = \"192.168.147.131\"\nrole = \"control-plane\"",
        )
        .replace(
            "name = \"k8s-node02\"\naddress = \"192.168.147.132\"\nrole = \"worker\"",
            "name = \"k8s-cp3\"\naddress = \"192.168.147.132\"\nrole = \"control-plane\"",
        )
        .replace("dashboard = true", "dashboard = false");
    let p = plan::build(&config(&text), Catalog::builtin()).unwrap();
    assert!(p.task_index("k8s-master", StepId::Dashboard).is_none());
    let d = deps(&p, "k8s-cp3", StepId::Join);
    assert!(has(&d, "k8s-cp2", StepId::Join));
    assert!(!has(
        &deps(&p, "k8s-cp2", StepId::Join),
        "k8s-cp3",
        StepId::Join
    ));
    let t = &p.tasks[idx(&p, "k8s-cp2", StepId::Join)];
    let TaskKind::Remote(s) = &t.kind else {
        panic!()
    };
    assert_eq!(
        s.secrets,
        [
            SecretSlot::JoinToken,
            SecretSlot::CaCertHash,
            SecretSlot::CertificateKey
        ]
    );
    assert_eq!(
        env(&p, "k8s-cp2", StepId::Join)["KW_JOIN_CONTROL_PLANE"],
        "1"
    );
}

#[test]
fn environment_from_config_and_catalog() {
    let p = seed_plan();
    use StepId::*;
    let e = env(&p, "k8s-master", Init);
    assert_eq!(e["KW_POD_CIDR"], "10.244.0.0/16");
    assert_eq!(e["KW_SERVICE_CIDR"], "10.96.0.0/12");
    assert_eq!(e["KW_K8S_VERSION"], "1.25.3");
    assert_eq!(e["KW_KUBEADM_API"], "v1beta3");
    assert_eq!(
        e["KW_IMAGE_REPOSITORY"],
        "registry.aliyuncs.com/google_containers"
    );
    assert_eq!(e["KW_CONTROL_PLANE_ENDPOINT"], "192.168.147.130:6443");
    assert_eq!(e["KW_NODE_ADDRESS"], "192.168.147.130");
    assert_eq!(e["KW_PROXY_MODE"], "ipvs");
    // the CNI gets the same pod CIDR as kubeadm (the seed's 10.224 vs 10.244 mistake)
    assert_eq!(env(&p, "k8s-master", Cni)["KW_POD_CIDR"], e["KW_POD_CIDR"]);
    assert_eq!(
        env(&p, "k8s-master", Cni)["KW_CNI_MANIFEST_PATH"],
        plan::CNI_MANIFEST_REMOTE_PATH
    );
    let c = env(&p, "k8s-node01", Containerd);
    assert_eq!(
        c["KW_SANDBOX_IMAGE"],
        "registry.aliyuncs.com/google_containers/pause:3.8"
    );
    assert_eq!(
        c["KW_DOCKER_REPO_URL"],
        "https://mirrors.aliyun.com/docker-ce/linux/centos/docker-ce.repo"
    );
    let k = env(&p, "k8s-node02", Packages);
    assert_eq!(k["KW_K8S_MINOR"], "1.25");
    assert!(k["KW_REPO_RPM_URL"].contains("v1.25"));
    assert_eq!(env(&p, "k8s-node01", Modules)["KW_PROXY_MODE"], "ipvs");
    // the seed's mirror is aliyun: its CentOS 7 vault ("{repo}" filled in by the script)
    assert_eq!(
        env(&p, "k8s-node01", Repos)["KW_CENTOS7_VAULT_URL"],
        "https://mirrors.aliyun.com/centos-vault/7.9.2009/{repo}/{basearch}/"
    );
    assert_eq!(env(&p, "k8s-node01", Time)["KW_TIMEZONE"], "Asia/Shanghai");
    let h = env(&p, "k8s-node01", Hostname);
    assert_eq!(h["KW_HOSTNAME"], "k8s-node01");
    assert_eq!(
        h["KW_HOSTS"],
        "192.168.147.130 k8s-master\n192.168.147.131 k8s-node01\n192.168.147.132 k8s-node02"
    );
    assert_eq!(
        env(&p, "k8s-node01", Facts)["KW_PEERS"],
        "192.168.147.130:22 192.168.147.132:22"
    );
    let j = env(&p, "k8s-node01", Join);
    assert_eq!(j["KW_API_ENDPOINT"], "192.168.147.130:6443");
    assert_eq!(j["KW_JOIN_CONTROL_PLANE"], "0");
    let r = env(&p, "k8s-node02", Ready);
    assert_eq!(r["KW_TARGET_NODE"], "k8s-node02");
    let deadline: u64 = r["KW_READY_DEADLINE"].parse().unwrap();
    assert!(deadline < Ready.def().timeout.as_secs());
    for t in &p.tasks {
        if let TaskKind::Remote(s) = &t.kind {
            assert_eq!(s.env[0], ("KW_STEP".to_string(), t.step.name().to_string()));
            assert_eq!(s.asset, format!("{}.sh", t.step.name()));
        }
    }
}

#[test]
fn newer_versions_follow_the_catalog() {
    let text = SEED
        .replace("1.25.3", "1.36.0")
        .replace("mirror = \"aliyun\"", "mirror = \"upstream\"");
    let p = plan::build(&config(&text), Catalog::builtin()).unwrap();
    let e = env(&p, "k8s-master", StepId::Init);
    assert_eq!(e["KW_KUBEADM_API"], "v1beta4");
    assert_eq!(e["KW_IMAGE_REPOSITORY"], "registry.k8s.io");
    let c = env(&p, "k8s-master", StepId::Containerd);
    assert_eq!(c["KW_SANDBOX_IMAGE"], "registry.k8s.io/pause:3.10.2");
    // containerd's matrix row for 1.36 (RELEASES.md): 2.3.0+ or 2.2.0+.
    assert_eq!(c["KW_CONTAINERD_ACCEPT"], "2.3.0 2.2.0");
    let k = env(&p, "k8s-master", StepId::Packages);
    // kubeadm 1.36 no longer looks for conntrack; it does for the rest.
    assert!(
        !k["KW_NODE_TOOLS"].contains("conntrack"),
        "{}",
        k["KW_NODE_TOOLS"]
    );
    assert!(
        k["KW_NODE_TOOLS"].contains("socat:socat:/usr/bin/socat"),
        "{}",
        k["KW_NODE_TOOLS"]
    );
    assert_eq!(
        k["KW_REPO_DEB_URL"],
        "https://pkgs.k8s.io/core:/stable:/v1.36/deb/"
    );
}

#[test]
fn errors() {
    let no_cp = SEED.replace("role = \"control-plane\"", "role = \"worker\"");
    assert_eq!(
        plan::build(&config(&no_cp), Catalog::builtin()).unwrap_err(),
        plan::PlanError::NoControlPlane
    );
    let bad = SEED.replace("1.25.3", "1.99.0");
    assert!(plan::build(&config(&bad), Catalog::builtin()).is_err());
    let nul = SEED.replace("Asia/Shanghai", "Asia/\\u0000");
    assert!(matches!(
        plan::build(&config(&nul), Catalog::builtin()),
        Err(plan::PlanError::BadValue { .. })
    ));
}

#[test]
fn endpoint_defaults_and_ports() {
    let text = SEED.replace(
        "timezone = \"Asia/Shanghai\"",
        "timezone = \"Asia/Shanghai\"\ncontrol_plane_endpoint = \"k8s-api.example\"",
    );
    let p = plan::build(&config(&text), Catalog::builtin()).unwrap();
    assert_eq!(
        env(&p, "k8s-master", StepId::Init)["KW_CONTROL_PLANE_ENDPOINT"],
        "k8s-api.example:6443"
    );
    assert_eq!(
        env(&p, "k8s-node01", StepId::Join)["KW_API_ENDPOINT"],
        "k8s-api.example:6443"
    );
    let cfg = config(SEED);
    let cp = &cfg.nodes[0];
    assert_eq!(plan::control_plane_endpoint(Some("lb:8443"), cp), "lb:8443");
    assert_eq!(
        plan::control_plane_endpoint(Some("fd00::1"), cp),
        "[fd00::1]:6443"
    );
    assert_eq!(
        plan::control_plane_endpoint(Some("[fd00::1]:6443"), cp),
        "[fd00::1]:6443"
    );
}

#[test]
fn render_redacts_secrets_and_render_with_secrets_fills_them() {
    let p = seed_plan();
    let t = &p.tasks[idx(&p, "k8s-node01", StepId::Join)];
    let shown = p.render(t);
    assert!(shown.starts_with("#!/usr/bin/env bash\nset -euo pipefail\n"));
    assert!(shown.contains("export KW_JOIN_TOKEN='<redacted: minted at run time>'\n"));
    assert!(shown.contains("export KW_CA_CERT_HASH='<redacted: minted at run time>'\n"));
    assert!(
        !shown.contains("export KW_CERTIFICATE_KEY"),
        "workers get no certificate key"
    );
    assert!(shown.trim_end().ends_with("kw_main"));
    assert!(shown.contains("kw_main() {"), "lib.sh is included");
    assert!(shown.contains("\ncheck() {"), "the step is included");
    assert!(!shown.contains("# shellcheck shell=bash"));

    let mut secrets = HashMap::new();
    secrets.insert(SecretSlot::JoinToken, "abcdef.0123456789abcdef".to_string());
    secrets.insert(SecretSlot::CaCertHash, format!("sha256:{}", "a".repeat(64)));
    let run = p.render_with_secrets(t, &secrets);
    assert!(run.contains("export KW_JOIN_TOKEN='abcdef.0123456789abcdef'\n"));
    assert!(!run.contains("redacted: minted"));
    // the same script otherwise
    assert_eq!(
        run.lines()
            .filter(|l| !l.starts_with("export KW_JOIN_TOKEN")
                && !l.starts_with("export KW_CA_CERT_HASH"))
            .count(),
        shown
            .lines()
            .filter(|l| !l.starts_with("export KW_JOIN_TOKEN")
                && !l.starts_with("export KW_CA_CERT_HASH"))
            .count()
    );
    // local tasks render as a comment
    let pre = p.render(&p.tasks[idx(&p, "k8s-master", StepId::Preflight)]);
    assert!(pre.lines().all(|l| l.starts_with('#')));
}

#[test]
fn mint_and_reset_scripts() {
    let p = seed_plan();
    let m = p.mint_script(true);
    assert!(m.contains("export KW_NEED_CERT_KEY='1'\n"));
    assert!(m.trim_end().ends_with("kw_mint"));
    assert!(
        p.mint_script(false)
            .contains("export KW_NEED_CERT_KEY='0'\n")
    );
    let r = p.reset_script();
    assert!(r.trim_end().ends_with("kw_reset"));
    assert!(r.contains("kubeadm reset -f"));
    let f = plan::facts_script("k8s-master", &["192.0.2.2:22".into()]);
    assert!(f.contains("export KW_PEERS='192.0.2.2:22'\n"));
}

#[test]
fn print_headers() {
    let p = seed_plan();
    let out = plan::print::render_plan(&p, None, None, false);
    assert!(out.contains(
        "# === node k8s-master · step containerd (after: repos) ===\n#!/usr/bin/env bash\n"
    ));
    assert!(out.contains("# === node k8s-node01 · step repos (after: preflight) ===\n"));
    assert!(out.contains("# === node k8s-node01 · step packages (after: repos, containerd) ===\n"));
    assert!(out.contains("# === node k8s-node01 · step join (after: hostname, firewall, swap, modules, sysctl, time, images, init on k8s-master) ===\n"));
    assert!(out.contains("# === node k8s-node02 · step ready (runs on k8s-master; after: join, cni on k8s-master) ===\n"));
    assert!(out.contains("# === node k8s-master · step facts ===\n"));
    assert!(
        out.contains("# === node k8s-node01 · step preflight (after: facts of all nodes) ===\n")
    );
    let one = plan::print::render_plan(&p, Some("k8s-node02"), None, false);
    assert!(one.contains("# === node k8s-node02 · step facts"));
    assert!(!one.contains("# === node k8s-master"));
    assert!(!one.contains("# === node k8s-node01"));
    // order: per node, per step in pipeline order
    let pos = |s: &str| out.find(s).unwrap_or_else(|| panic!("{s}"));
    assert!(pos("node k8s-master · step facts") < pos("node k8s-master · step swap"));
    assert!(pos("node k8s-master · step kubeconfig") < pos("node k8s-node01 · step facts"));
}
