//! Issue 10: installing behind the Great Firewall. The fleet's "China network" (HostSpec::china):
//! only the Chinese mirrors, the OS mirrors and the fleet answer; everything else times out, and every
//! request a node makes is in its net log.
//!
//! - `the_china_network_refuses_what_the_firewall_blocks`: the simulator's physics on one host (repo
//!   files, image pulls through containerd's hosts.toml / legacy mirrors, what refuses a config).
//! - `seed_cluster_installs_in_china`: the seed's cluster (CentOS 7.9, 1.25.3, calico, aliyun,
//!   dashboard) on three China-network nodes with a workstation that cannot reach GitHub: first a wrong
//!   mirror, refused at preflight before any change; then the defaults: 3 Ready nodes, every pod
//!   Running, no request to a blocked host from any node or from the workstation.
//! - `unreachable_package_repositories_are_refused_before_any_change`: mirror = "upstream" in China:
//!   pkgs.k8s.io and download.docker.com refused at preflight (check --connect and apply), nothing
//!   changed; mirror = "aliyun" passes.

mod fleet;
mod support;

use fleet::{ConfigOpts, Flavour, Fleet, HostSpec};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::Output;
use std::sync::{Arc, Mutex};
use support::*;

/// Hosts the Great Firewall blocks that a kubeadm install would otherwise contact.
const BLOCKED_HOSTS: &[&str] = &[
    "download.docker.com",
    "pkgs.k8s.io",
    "packages.cloud.google.com",
    "registry.k8s.io",
    "k8s.gcr.io",
    "registry-1.docker.io",
    "quay.io",
    "ghcr.io",
    "github.com",
    "raw.githubusercontent.com",
    "objects.githubusercontent.com",
];

/// The workstation's way out, as seen from China: an HTTP(S) proxy on loopback that records every
/// request and answers none of them (`https_proxy` and friends point kubewiz and its children at it).
struct Gfw {
    port: u16,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Gfw {
    fn start() -> Gfw {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s2 = seen.clone();
        std::thread::spawn(move || {
            for c in l.incoming() {
                let Ok(mut c) = c else { continue };
                let mut buf = [0u8; 1024];
                let n = c.read(&mut buf).unwrap_or(0);
                let first = String::from_utf8_lossy(&buf[..n])
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .to_string();
                s2.lock().unwrap().push(first);
                let _ = c.write_all(b"HTTP/1.1 502 Blocked by the test's Great Firewall\r\n\r\n");
            }
        });
        Gfw { port, seen }
    }

    fn apply(&self, config: &Path) -> Output {
        let proxy = format!("http://127.0.0.1:{}", self.port);
        let mut c = kubewiz();
        for k in [
            "https_proxy",
            "HTTPS_PROXY",
            "http_proxy",
            "HTTP_PROXY",
            "all_proxy",
            "ALL_PROXY",
        ] {
            c.env(k, &proxy);
        }
        c.args(["apply", "-c"]).arg(config).output().unwrap()
    }

    fn requests(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }

    fn forget(&self) {
        self.seen.lock().unwrap().clear();
    }
}

/// No node asked a blocked host since `net_before` (each node's net log length then): nothing timed
/// out in any net log, no command names a blocked host.
fn assert_nothing_blocked(fleet: &Fleet, net_before: &[usize]) {
    for (h, before) in fleet.hosts.iter().zip(net_before) {
        let net = h.net_log();
        let timed_out: Vec<&String> = net[*before..]
            .iter()
            .filter(|l| l.ends_with(" timeout"))
            .collect();
        assert!(
            timed_out.is_empty(),
            "{} asked hosts the firewall blocks:\n{}",
            h.name,
            timed_out
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("\n")
        );
        for call in h.calls() {
            for b in BLOCKED_HOSTS {
                assert!(
                    !call.contains(&format!("://{b}")),
                    "{}: a command names a blocked host: {call}",
                    h.name
                );
            }
        }
    }
}

/// `kubectl get pods -A` on `cp`: (namespace, name, status).
fn pods(fleet: &Fleet, cp: &str) -> Vec<(String, String, String)> {
    fleet
        .host(cp)
        .exec_ok("kubectl --kubeconfig /etc/kubernetes/admin.conf get pods -A --no-headers")
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            Some((
                f.first()?.to_string(),
                f.get(1)?.to_string(),
                f.get(3)?.to_string(),
            ))
        })
        .collect()
}

/// Waits (up to 30 s: kubelets pull the pods' images once the apply has created them) until every
/// pod is Running, then checks that the `must_have` ones exist.
fn assert_all_pods_running(fleet: &Fleet, cp: &str, must_have: &[&str]) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let mut p = pods(fleet, cp);
    while p.iter().any(|(_, _, s)| s != "Running") && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(250));
        p = pods(fleet, cp);
    }
    for want in must_have {
        assert!(
            p.iter().any(|(_, n, _)| n.starts_with(want)),
            "no {want} pod: {p:?}"
        );
    }
    let not_running: Vec<_> = p.iter().filter(|(_, _, s)| s != "Running").collect();
    assert!(not_running.is_empty(), "pods not Running: {not_running:?}");
}

const CRICTL: &str = "crictl --runtime-endpoint unix:///run/containerd/containerd.sock";

fn fails_with(h: &fleet::Host, cmd: &str, needle: &str) -> String {
    let o = h.exec(cmd);
    let err = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!o.status.success(), "`{cmd}` succeeded:\n{err}");
    assert!(
        err.contains(needle),
        "`{cmd}`: expected {needle:?} in:\n{err}"
    );
    err
}

#[test]
fn the_china_network_refuses_what_the_firewall_blocks() {
    if fleet::require_root_or_skip().is_none() {
        return;
    }
    let fleet = Fleet::start(vec![HostSpec::new("cn", Flavour::Centos7).china()]);
    let h = &fleet.hosts[0];

    // GitHub and Docker's own servers time out; Aliyun answers.
    fails_with(
        h,
        "curl -fsSL https://raw.githubusercontent.com/projectcalico/calico/v3.24.6/manifests/calico.yaml",
        "curl: (28) Failed to connect to raw.githubusercontent.com port 443",
    );
    // Aliyun's docker-ce.repo is Docker's file: it still points at download.docker.com ...
    h.exec_ok(
        "curl -fsSL -o /etc/yum.repos.d/docker-ce.repo https://mirrors.aliyun.com/docker-ce/linux/centos/docker-ce.repo",
    );
    let repo = h.read_file("/etc/yum.repos.d/docker-ce.repo").unwrap();
    assert!(
        repo.contains("baseurl=https://download.docker.com/linux/centos/"),
        "{repo}"
    );
    // ... so yum times out on it, until the file is rewritten to the mirror.
    fails_with(
        h,
        "yum -y install containerd.io",
        "[Errno 12] Timeout on https://download.docker.com/",
    );
    h.exec_ok("sed -i 's+download.docker.com+mirrors.aliyun.com/docker-ce+' /etc/yum.repos.d/docker-ce.repo");
    h.exec_ok("yum -y install containerd.io");
    h.write_file(
        "/etc/yum.repos.d/kubernetes.repo",
        "[kubernetes]\nname=Kubernetes\nbaseurl=https://mirrors.aliyun.com/kubernetes-new/core/stable/v1.25/rpm/\nenabled=1\ngpgcheck=0\n",
    );
    h.exec_ok("yum -y install cri-tools");

    // containerd with the CRI on; no registry settings: Docker Hub times out.
    h.exec_ok(
        "containerd config default > /etc/containerd/config.toml && \
         sed -i 's/^disabled_plugins.*/disabled_plugins = []/' /etc/containerd/config.toml && \
         systemctl start containerd",
    );
    let pull = format!("{CRICTL} pull docker.io/calico/node:v3.24.5");
    fails_with(
        h,
        &pull,
        "Head \"https://registry-1.docker.io/v2/calico/node/manifests/v3.24.5\": dial tcp registry-1.docker.io:443: i/o timeout",
    );
    // A hosts.toml is only read under config_path.
    h.write_file(
        "/etc/containerd/certs.d/docker.io/hosts.toml",
        "server = \"https://registry-1.docker.io\"\n\n[host.\"https://docker.m.daocloud.io\"]\n  capabilities = [\"pull\", \"resolve\"]\n",
    );
    fails_with(h, &pull, "i/o timeout");
    h.exec_ok(
        "sed -i 's#config_path = \"\"#config_path = \"/etc/containerd/certs.d\"#' /etc/containerd/config.toml && \
         systemctl restart containerd",
    );
    h.exec_ok(&pull);
    // A pull-only public mirror (the docs' "requires less trust" example) leaves the tag lookup to
    // Docker Hub itself: it still times out.
    h.write_file(
        "/etc/containerd/certs.d/docker.io/hosts.toml",
        "server = \"https://registry-1.docker.io\"\n\n[host.\"https://docker.m.daocloud.io\"]\n  capabilities = [\"pull\"]\n",
    );
    fails_with(
        h,
        &format!("{CRICTL} pull docker.io/calico/cni:v3.24.5"),
        "i/o timeout",
    );
    // A mirror of another registry does not have the image.
    h.write_file(
        "/etc/containerd/certs.d/docker.io/hosts.toml",
        "[host.\"https://quay.m.daocloud.io\"]\n  capabilities = [\"pull\", \"resolve\"]\n",
    );
    fails_with(
        h,
        &format!("{CRICTL} pull docker.io/calico/cni:v3.24.5"),
        "i/o timeout",
    );
    // quay.io has no hosts.toml: the registry itself, which times out.
    fails_with(
        h,
        &format!("{CRICTL} pull quay.io/calico/node:v3.32.1"),
        "quay.io:443: i/o timeout",
    );
    // ctr reads hosts.toml files only with --hosts-dir.
    h.write_file(
        "/etc/containerd/certs.d/quay.io/hosts.toml",
        "[host.\"https://quay.m.daocloud.io\"]\n  capabilities = [\"pull\", \"resolve\"]\n",
    );
    fails_with(
        h,
        "ctr -n k8s.io images pull quay.io/calico/node:v3.32.1",
        "i/o timeout",
    );
    h.exec_ok(
        "ctr -n k8s.io images pull --hosts-dir /etc/containerd/certs.d quay.io/calico/node:v3.32.1",
    );

    // The legacy mirrors table works too, but not together with config_path: then the CRI plugin
    // does not load at all.
    h.exec_ok(
        "cat >> /etc/containerd/config.toml <<'EOF'\n\
         [plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors.\"docker.io\"]\n\
         \x20 endpoint = [\"https://docker.m.daocloud.io\"]\n\
         EOF\n\
         systemctl restart containerd",
    );
    fails_with(
        h,
        &format!("{CRICTL} pull docker.io/calico/cni:v3.24.5"),
        "unknown service runtime.v1",
    );
    let log = h.exec_ok("journalctl -u containerd --no-pager");
    assert!(
        log.contains("`mirrors` cannot be set when `config_path` is provided"),
        "{log}"
    );
    h.exec_ok(
        "sed -i 's#config_path = \"/etc/containerd/certs.d\"#config_path = \"\"#' /etc/containerd/config.toml && \
         systemctl restart containerd",
    );
    h.exec_ok(&format!("{CRICTL} pull docker.io/calico/cni:v3.24.5"));

    // Every request is in the node's net log, blocked ones marked.
    let net = h.net_log().join("\n");
    for blocked in [
        "https://raw.githubusercontent.com/",
        "https://download.docker.com/",
        "https://registry-1.docker.io/v2/calico/node/manifests/v3.24.5 timeout",
    ] {
        assert!(
            net.lines()
                .any(|l| l.contains(blocked) && l.ends_with("timeout")),
            "{blocked} not logged as timed out:\n{net}"
        );
    }
    assert!(
        net.contains("https://docker.m.daocloud.io/v2/calico/node/manifests/v3.24.5 ok"),
        "{net}"
    );
}

#[test]
fn seed_cluster_installs_in_china() {
    if fleet::require_root_or_skip().is_none() {
        return;
    }
    let seed = ConfigOpts {
        dashboard: true,
        ..ConfigOpts::default()
    };

    // A wrong mirror and a calico release that is not built in (so it would have to come from
    // GitHub): both refused at preflight, naming node, registry and mirror; nothing changed.
    let wrong = "https://hub.mirror.example.org";
    let (fleet, work, cfg) = fleet::three_nodes(
        fleet::SEED,
        |n| HostSpec::new(n, Flavour::Centos7).china(),
        &ConfigOpts {
            cni_version: Some("3.25.2".into()),
            registry_mirrors: Some(vec![
                ("docker.io".into(), vec![wrong.into()]),
                (
                    "registry.k8s.io".into(),
                    vec!["https://k8s.m.daocloud.io".into()],
                ),
            ]),
            ..seed.clone()
        },
    );
    let gfw = Gfw::start();
    // `check --connect` (the same probes, nothing installed) says it first.
    let check = kubewiz()
        .args(["check", "--connect", "-c"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(1), "{}", text(&check));
    let said = String::from_utf8_lossy(&check.stderr);
    assert!(
        said.contains(&format!(
            "[k8s-node02] refused: registry docker.io: mirror {wrong} does not answer"
        )),
        "{said}"
    );
    let out = gfw.apply(&cfg);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let all = text(&out);
    for node in ["k8s-master", "k8s-node01", "k8s-node02"] {
        assert!(
            all.lines()
                .any(|l| l.contains(node) && l.contains("docker.io") && l.contains(wrong)),
            "{node}, docker.io and {wrong} not named together:\n{all}"
        );
    }
    assert!(
        all.contains("[k8s-master] FAILED preflight")
            && all.contains("step cni needs a manifest: cannot download calico 3.25.2")
            && all.contains("give cluster.cni_manifest"),
        "{all}"
    );
    assert!(
        gfw.requests()
            .iter()
            .any(|r| r.contains("raw.githubusercontent.com")),
        "the download went through the workstation's proxy: {:?}",
        gfw.requests()
    );
    gfw.forget();
    for h in &fleet.hosts {
        assert!(
            h.step_applies().is_empty(),
            "{} was changed: {:?}",
            h.name,
            h.step_applies()
        );
        assert!(
            h.calls().is_empty(),
            "{} was changed: {:?}",
            h.name,
            h.calls()
        );
        // The probe asked the wrong mirror (and it timed out), nothing else.
        let net = h.net_log().join("\n");
        assert!(net.contains(&format!("{wrong}/v2/ timeout")), "{net}");
    }
    let net_before: Vec<usize> = fleet.hosts.iter().map(|h| h.net_log().len()).collect();

    // The defaults of mirror = "aliyun": a complete China profile.
    let cfg = fleet.write_config(work.path(), &seed);
    let out = gfw.apply(&cfg);
    assert!(out.status.success(), "apply failed:\n{}", text(&out));
    assert_all_ready(
        &fleet,
        "k8s-master",
        &["k8s-master", "k8s-node01", "k8s-node02"],
    );
    assert_all_pods_running(
        &fleet,
        "k8s-master",
        &[
            "calico-node",
            "calico-kube-controllers",
            "coredns",
            "kubernetes-dashboard",
            "kube-proxy",
        ],
    );
    assert_nothing_blocked(&fleet, &net_before);
    assert!(
        gfw.requests().is_empty(),
        "the workstation went out: {:?}",
        gfw.requests()
    );
    assert!(
        !work.path().join(".kubewiz/manifests").exists()
            || std::fs::read_dir(work.path().join(".kubewiz/manifests"))
                .unwrap()
                .next()
                .is_none(),
        "something was downloaded"
    );
    let master = fleet.host("k8s-master");
    let repo = master.read_file("/etc/yum.repos.d/docker-ce.repo").unwrap();
    assert!(!repo.contains("download.docker.com"), "{repo}");
    let hosts = master
        .read_file("/etc/containerd/certs.d/docker.io/hosts.toml")
        .unwrap();
    assert!(
        hosts.contains("[host.\"https://docker.m.daocloud.io\"]"),
        "{hosts}"
    );

    // Without the mirror, what the firewall blocks cannot be pulled: a workload from a registry
    // that does not answer stays in ImagePullBackOff ...
    let kc = "kubectl --kubeconfig /etc/kubernetes/admin.conf";
    master.write_file(
        "/root/probe.yaml",
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: probe\n  namespace: default\nspec:\n  template:\n    spec:\n      containers:\n        - name: probe\n          image: registry.example.com/probe:v1\n",
    );
    master.exec_ok(&format!("{kc} apply -f /root/probe.yaml"));
    wait_for_pod(&fleet, "k8s-master", "probe-", "ImagePullBackOff");
    master.exec_ok(&format!("{kc} delete daemonset probe"));
    // ... and a node whose calico images are gone (garbage-collected) and whose docker.io mirror
    // is gone too cannot pull them again: its calico-node pod stays in ImagePullBackOff and the
    // node NotReady, until the mirror is back.
    let w = fleet.host("k8s-node02");
    w.exec_ok(
        "mv /etc/containerd/certs.d/docker.io/hosts.toml /root/hosts.toml.saved && rm -f /etc/cni/net.d/* && \
         python3 -c 'import json; p=\"/var/lib/kwsim/images.json\"; i=json.load(open(p)); \
         json.dump([x for x in i if \"calico\" not in x], open(p, \"w\"))'",
    );
    wait_for_pod(&fleet, "k8s-master", "calico-node-", "ImagePullBackOff");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while cluster_nodes(&fleet, "k8s-master").contains(&("k8s-node02".to_string(), true)) {
        assert!(
            std::time::Instant::now() < deadline,
            "k8s-node02 stayed Ready"
        );
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
    let why = master.exec_ok(&format!("{kc} describe node k8s-node02"));
    assert!(why.contains("cni plugin not initialized"), "{why}");
    assert!(
        w.net_log().iter().any(
            |l| l.contains("https://registry-1.docker.io/v2/calico/") && l.ends_with("timeout")
        ),
        "the pull went to Docker Hub itself, which timed out"
    );
    w.exec_ok("mv /root/hosts.toml.saved /etc/containerd/certs.d/docker.io/hosts.toml");
    assert_all_pods_running(&fleet, "k8s-master", &["calico-node"]);
    assert_all_ready(&fleet, "k8s-master", &["k8s-node02"]);
}

/// Waits (up to 30 s) until a pod whose name starts with `prefix` shows `status`.
fn wait_for_pod(fleet: &Fleet, cp: &str, prefix: &str, status: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let p = pods(fleet, cp);
        if p.iter()
            .any(|(_, n, s)| n.starts_with(prefix) && s == status)
        {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no {prefix}* pod in {status}: {p:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
}

#[test]
fn flannel_on_ubuntu_with_a_current_kubernetes_installs_in_china() {
    if fleet::require_root_or_skip().is_none() {
        return;
    }
    let (fleet, _work, cfg) = fleet::three_nodes(
        ["cn-cp", "cn-w1", "cn-w2"],
        |n| HostSpec::new(n, Flavour::Ubuntu2204).china(),
        &ConfigOpts {
            kubernetes_version: "1.37.0".into(),
            cni: "flannel".into(),
            proxy_mode: "iptables".into(),
            ..ConfigOpts::default()
        },
    );
    let gfw = Gfw::start();
    let out = gfw.apply(&cfg);
    assert!(out.status.success(), "apply failed:\n{}", text(&out));
    assert_all_ready(&fleet, "cn-cp", &["cn-cp", "cn-w1", "cn-w2"]);
    assert_all_pods_running(
        &fleet,
        "cn-cp",
        &["kube-flannel-ds", "coredns", "kube-proxy"],
    );
    assert_nothing_blocked(&fleet, &[0, 0, 0]);
    assert!(gfw.requests().is_empty(), "{:?}", gfw.requests());
    // containerd.io 2.3 from Aliyun's docker-ce apt repository (1.37 uses containerd's newest row,
    // 2.3.0+ or 2.2.0+), registry mirrors in its version 4 config (CRI tables of version 3).
    let cp = fleet.host("cn-cp");
    let list = cp.read_file("/etc/apt/sources.list.d/docker.list").unwrap();
    assert!(
        list.contains("https://mirrors.aliyun.com/docker-ce/linux/ubuntu"),
        "{list}"
    );
    let conf = cp.read_file("/etc/containerd/config.toml").unwrap();
    assert!(conf.starts_with("version = 4\n"), "{conf}");
    assert!(
        conf.contains("config_path = '/etc/containerd/certs.d'"),
        "{conf}"
    );
    let ghcr = cp
        .read_file("/etc/containerd/certs.d/ghcr.io/hosts.toml")
        .unwrap();
    assert!(
        ghcr.contains("[host.\"https://ghcr.m.daocloud.io\"]"),
        "{ghcr}"
    );
    let net = fleet.host("cn-w2").net_log().join("\n");
    assert!(
        net.contains("https://ghcr.m.daocloud.io/v2/flannel-io/flannel/manifests/v0.28.9 ok"),
        "{net}"
    );
}

/// Issue 10: behind the firewall, the upstream package repositories (pkgs.k8s.io, and
/// download.docker.com where containerd comes from Docker) are refused at preflight naming the
/// node, the repository and the URL, before any change; `mirror = "aliyun"` passes the same checks.
#[test]
fn unreachable_package_repositories_are_refused_before_any_change() {
    if fleet::require_root_or_skip().is_none() {
        return;
    }
    let fleet = Fleet::start(vec![HostSpec::new("cn-solo", Flavour::Ubuntu2204).china()]);
    let work = tempfile::tempdir().unwrap();
    let gfw = Gfw::start();
    let opts = ConfigOpts {
        kubernetes_version: "1.36.4".into(),
        cni: "flannel".into(),
        proxy_mode: "iptables".into(),
        mirror: "upstream".into(),
        ..ConfigOpts::default()
    };
    let cfg = fleet.write_config(work.path(), &opts);
    let k8s = "[cn-solo] refused: the Kubernetes package repository does not answer from this node at \
               https://pkgs.k8s.io/core:/stable:/v1.36/deb/Release.key (curl: (28) Failed to connect to \
               pkgs.k8s.io port 443";
    let docker = "[cn-solo] refused: ubuntu 22.04 gets Docker's containerd.io 2.3.x, but Docker's package \
                  repository (docker-ce) does not answer from this node at https://download.docker.com/linux/ubuntu/gpg";
    let advice = "in mainland China set mirror = \"aliyun\" in cluster.toml";
    let check = kubewiz()
        .args(["check", "--connect", "-c"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(1), "{}", text(&check));
    let said = String::from_utf8_lossy(&check.stderr);
    for want in [k8s, docker] {
        assert!(
            said.lines()
                .any(|l| l.starts_with(want) && l.contains(advice)),
            "{want}\nnot in:\n{said}"
        );
    }
    let out = gfw.apply(&cfg);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let all = text(&out);
    assert!(
        all.contains("[cn-solo] FAILED preflight")
            && all.lines().any(|l| l
                .contains("the Kubernetes package repository does not answer from this node at https://pkgs.k8s.io/core:/stable:/v1.36/deb/Release.key"))
            && all.lines().any(|l| l.contains(
                "Docker's package repository (docker-ce) does not answer from this node at https://download.docker.com/linux/ubuntu/gpg"
            )),
        "{all}"
    );
    let h = fleet.host("cn-solo");
    assert!(
        h.step_applies().is_empty(),
        "changed: {:?}",
        h.step_applies()
    );
    assert!(h.calls().is_empty(), "changed: {:?}", h.calls());
    let net = h.net_log().join("\n");
    for url in [
        "https://pkgs.k8s.io/core:/stable:/v1.36/deb/Release.key timeout",
        "https://download.docker.com/linux/ubuntu/gpg timeout",
    ] {
        assert!(net.contains(url), "{url} not probed:\n{net}");
    }

    // The China profile: Aliyun's copies answer, so does everything else it needs.
    let cfg = fleet.write_config(
        work.path(),
        &ConfigOpts {
            mirror: "aliyun".into(),
            ..opts
        },
    );
    let check = kubewiz()
        .args(["check", "--connect", "-c"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert!(check.status.success(), "{}", text(&check));
    let net = h.net_log().join("\n");
    for url in [
        "https://mirrors.aliyun.com/kubernetes-new/core/stable/v1.36/deb/Release.key ok",
        "https://mirrors.aliyun.com/docker-ce/linux/ubuntu/gpg ok",
    ] {
        assert!(net.contains(url), "{url} not probed:\n{net}");
    }
}
