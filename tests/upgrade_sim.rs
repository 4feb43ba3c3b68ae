//! The simulator's day-2 physics (tests/sim/kwsim/upgrade.py), driven with the real commands an operator
//! (or kubewiz) types on an installed cluster: kubeadm upgrade plan/apply/node refuse what the real kubeadm
//! refuses, nodes report the kubelet version they run until the kubelet restarts, kubectl drain respects a
//! PodDisruptionBudget and leaves the node cordoned when it fails, certificates age with a simulated clock and
//! an expired API server certificate stops the API until a renewal and a restart of the static pod, etcdctl
//! saves a snapshot only inside the etcd container's mounts.
//!
//! One cluster (Rocky 9 control plane + Ubuntu 22.04 worker, 1.27.6, zero timing profile) serves every check.

mod fleet;
mod support;

use fleet::{Flavour, HostSpec};
use support::*;

const KC: &str = "kubectl --kubeconfig /etc/kubernetes/admin.conf";

fn run(h: &fleet::Host, cmd: &str) -> (i32, String, String) {
    let o = h.exec(cmd);
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Polls `cond` every 200 ms for up to `secs`. The simulator answers within a kubelet loop (~1 s on an idle
/// machine): the deadlines are what only a broken simulator reaches (120 s), since the machine may be loaded.
fn wait_until(secs: u64, what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while std::time::Instant::now() < deadline {
        if cond() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    panic!("timed out after {secs} s waiting for: {what}");
}

fn node_line(cp: &fleet::Host, node: &str) -> String {
    cp.exec_ok(&format!("{KC} get nodes --no-headers"))
        .lines()
        .find(|l| l.starts_with(&format!("{node} ")))
        .unwrap_or_default()
        .to_string()
}

/// A one-replica Deployment whose PodDisruptionBudget (minAvailable: 1) blocks its drain.
const WEB: &str = include_str!("web_pdb.yaml");

#[test]
fn kubeadm_upgrade_drain_and_certificate_physics() {
    if fleet::require_root_or_skip().is_none() {
        return;
    }
    let Some(opts) = current_opts() else { return };
    let (fleet, _work, cfg) = fleet::with_config(
        vec![
            HostSpec::new("cp", Flavour::Rocky9).profile("node_grace", 3.0),
            HostSpec::new("w1", Flavour::Ubuntu2204),
        ],
        &opts,
    );
    let out = apply(&cfg);
    assert!(out.status.success(), "install failed:\n{}", text(&out));
    let cp = fleet.host("cp");
    let w1 = fleet.host("w1");

    // --- kubeadm upgrade refuses what the real one refuses (policy.go, health.go) -----------------
    let (rc, _, e) = run(cp, "kubeadm upgrade plan v1.29.0");
    assert_eq!(rc, 1, "{e}");
    assert!(
        e.contains(
            "Specified version to upgrade to \"v1.29.0\" is too high; kubeadm can upgrade only 1 minor version at a time"
        ),
        "{e}"
    );
    let (rc, _, e) = run(cp, "kubeadm upgrade apply -y v1.28.15");
    assert_eq!(rc, 1, "{e}");
    assert!(
        e.contains("is at least one minor release higher than the kubeadm minor release (28 > 27)"),
        "{e}"
    );
    // kubeadm of the new minor, from that minor's repository.
    cp.exec_ok(
        "sed -i 's/v1.27/v1.28/g' /etc/yum.repos.d/kubernetes.repo && \
         dnf -y install --disableexcludes=kubernetes kubeadm-1.28.15",
    );
    let (rc, _, e) = run(cp, "kubeadm upgrade apply -y v1.28.16");
    assert_eq!(rc, 1, "{e}");
    assert!(
        e.contains("is higher than the kubeadm version \"v1.28.15\"") && e.contains("--force"),
        "{e}"
    );
    // Not confirmed: nothing happens.
    let (rc, o, e) = run(cp, "kubeadm upgrade apply v1.28.15");
    assert_eq!(rc, 1, "{o}{e}");
    assert!(e.contains("won't proceed"), "{e}");
    // An unhealthy control plane (kubelet down: NotReady after the node grace period) is refused.
    cp.exec_ok("systemctl stop kubelet");
    wait_until(120, "cp NotReady", || {
        node_line(cp, "cp").contains("NotReady")
    });
    let (rc, _, e) = run(cp, "kubeadm upgrade apply -y v1.28.15");
    assert_eq!(rc, 1, "{e}");
    assert!(
        e.contains(
            "[ERROR ControlPlaneNodesReady]: there are NotReady control-planes in the cluster: [cp]"
        ),
        "{e}"
    );
    cp.exec_ok("systemctl start kubelet");
    wait_until(120, "cp Ready", || node_line(cp, "cp").contains(" Ready "));
    let plan = cp.exec_ok("kubeadm upgrade plan v1.28.15");
    assert!(plan.contains("kubeadm upgrade apply v1.28.15"), "{plan}");
    let applied = cp.exec_ok("kubeadm upgrade apply -y v1.28.15");
    assert!(
        applied.contains("[upgrade/successful] SUCCESS! Your cluster was upgraded to \"v1.28.15\""),
        "{applied}"
    );
    let v = cp.exec_ok(&format!("{KC} version -o json"));
    let v: serde_json::Value = serde_json::from_str(&v).unwrap();
    assert_eq!(v["serverVersion"]["gitVersion"], "v1.28.15");
    assert!(
        cp.read_file("/etc/kubernetes/manifests/kube-apiserver.yaml")
            .unwrap()
            .contains("kube-apiserver:v1.28.15")
    );
    let log: serde_json::Value =
        serde_json::from_str(&cp.exec_ok("kwsim-ctl upgrade-log")).unwrap();
    assert_eq!(log["applies"].as_array().unwrap().len(), 1, "{log}");
    // Again at the version the cluster runs: accepted (apply.go has no such refusal; policy.go refuses only
    // a skew), and every static pod whose manifest is unchanged is skipped (phases/upgrade/staticpods.go).
    let again = cp.exec_ok("kubeadm upgrade apply -y v1.28.15");
    assert!(
        again.contains("current and new manifests of kube-apiserver are equal, skipping upgrade"),
        "{again}"
    );
    assert!(
        !again.contains("Component \"kube-apiserver\" upgraded successfully"),
        "{again}"
    );
    assert!(
        again.contains("[upgrade/successful] SUCCESS! Your cluster was upgraded to \"v1.28.15\""),
        "{again}"
    );

    // --- the kubelet reports the version it runs: old until restarted ------------------------------
    cp.exec_ok("dnf -y install --disableexcludes=kubernetes kubelet-1.28.15 kubectl-1.28.15");
    std::thread::sleep(std::time::Duration::from_secs(2));
    assert!(
        node_line(cp, "cp").contains("v1.27.6"),
        "{}",
        node_line(cp, "cp")
    );
    cp.exec_ok("systemctl daemon-reload && systemctl restart kubelet");
    wait_until(120, "cp reports v1.28.15", || {
        node_line(cp, "cp").contains("v1.28.15")
    });

    // --- kubeadm upgrade node on a worker: kubelet configuration only -------------------------------
    w1.exec_ok(
        "sed -i 's/v1.27/v1.28/g' /etc/apt/sources.list.d/kubernetes.list && apt-get update -q && \
         apt-get install -y -q --allow-change-held-packages kubeadm=1.28.15-1.1",
    );
    let node = w1.exec_ok("kubeadm upgrade node");
    assert!(
        node.contains("[upgrade] Skipping phase. Not a control plane node.")
            && node.contains("The configuration for this node was successfully updated!"),
        "{node}"
    );

    // --- drain: DaemonSets need --ignore-daemonsets; a PodDisruptionBudget blocks; the node stays
    // cordoned after a failed drain; lifting the budget lets it finish --------------------------------
    cp.exec_stdin(&format!("{KC} apply -f -"), Some(WEB.as_bytes()));
    let (rc, _, e) = run(cp, &format!("{KC} drain w1 --timeout=5s"));
    assert_eq!(rc, 1);
    assert!(
        e.contains("cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore)"),
        "{e}"
    );
    let started = std::time::Instant::now();
    let (rc, o, e) = run(
        cp,
        &format!("{KC} drain w1 --ignore-daemonsets --delete-emptydir-data --timeout=6s"),
    );
    assert_eq!(rc, 1, "{o}{e}");
    assert!(o.contains("node/w1 already cordoned"), "{o}");
    assert!(
        e.contains("error when evicting pods/\"web-7d9c6b8f5-0\" -n \"default\" (will retry after 5s): Cannot evict pod as it would violate the pod's disruption budget."),
        "{e}"
    );
    assert!(e.contains("global timeout reached: 6s"), "{e}");
    assert!(e.contains("error: unable to drain node \"w1\""), "{e}");
    assert!(
        started.elapsed().as_secs() >= 5,
        "the drain waited for its timeout"
    );
    assert!(
        node_line(cp, "w1").contains("SchedulingDisabled"),
        "{}",
        node_line(cp, "w1")
    );
    cp.exec_ok(&format!("{KC} -n default delete pdb web"));
    let o = cp.exec_ok(&format!(
        "{KC} drain w1 --ignore-daemonsets --delete-emptydir-data --timeout=6s"
    ));
    assert!(
        o.contains("pod/web-7d9c6b8f5-0 evicted") && o.contains("node/w1 drained"),
        "{o}"
    );
    cp.exec_ok(&format!("{KC} uncordon w1"));
    assert!(!node_line(cp, "w1").contains("SchedulingDisabled"));
    let log: serde_json::Value =
        serde_json::from_str(&cp.exec_ok("kwsim-ctl upgrade-log")).unwrap();
    assert_eq!(
        log["drains"].as_array().unwrap().len(),
        1,
        "cordoned once: {log}"
    );

    // --- etcd snapshot: etcdctl lives in the etcd container; only its mounts are writable --------------
    let id = cp.exec_ok("crictl ps --name etcd -q").trim().to_string();
    assert!(!id.is_empty());
    let flags = "--endpoints=https://127.0.0.1:2379 --cacert=/etc/kubernetes/pki/etcd/ca.crt \
                 --cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt --key=/etc/kubernetes/pki/etcd/healthcheck-client.key";
    let (rc, _, e) = run(
        cp,
        &format!("crictl exec {id} etcdctl {flags} snapshot save /var/lib/kubewiz/x.db"),
    );
    assert_eq!(rc, 1, "{e}");
    let o = cp.exec_ok(&format!(
        "crictl exec {id} etcdctl {flags} snapshot save /var/lib/etcd/kubewiz-snapshot.db"
    ));
    assert!(
        o.contains("Snapshot saved at /var/lib/etcd/kubewiz-snapshot.db"),
        "{o}"
    );

    // --- certificates: a simulated clock; an expired API server certificate stops the API -------------
    let exp = cp.exec_ok("kubeadm certs check-expiration");
    assert!(
        exp.contains("CERTIFICATE                EXPIRES                  RESIDUAL TIME   CERTIFICATE AUTHORITY   EXTERNALLY MANAGED"),
        "{exp}"
    );
    let apiserver_row = |t: &str| {
        t.lines()
            .find(|l| l.starts_with("apiserver "))
            .unwrap_or_default()
            .to_string()
    };
    assert!(apiserver_row(&exp).contains(" 364d "), "{exp}");
    cp.exec_ok(&format!("kwsim-ctl age-certs {}", 355 * 86400));
    let exp = cp.exec_ok("kubeadm certs check-expiration");
    assert!(apiserver_row(&exp).contains(" 9d "), "{exp}");
    cp.exec_ok(&format!("kwsim-ctl age-certs {}", 11 * 86400));
    let (rc, _, e) = run(cp, &format!("{KC} get nodes"));
    assert_eq!(rc, 1);
    assert!(
        e.contains(
            "Unable to connect to the server: x509: certificate has expired or is not yet valid"
        ),
        "{e}"
    );
    let exp = cp.exec_ok("kubeadm certs check-expiration");
    assert!(apiserver_row(&exp).contains("<invalid>"), "{exp}");
    assert!(
        exp.contains("Falling back to default configuration"),
        "{exp}"
    );
    let renew = cp.exec_ok("kubeadm certs renew all");
    assert!(
        renew.contains("certificate for serving the Kubernetes API renewed"),
        "{renew}"
    );
    // Renewed on disk, but the running apiserver still serves the old certificate.
    assert_eq!(run(cp, &format!("{KC} get nodes")).0, 1);
    cp.exec_ok("mkdir -p /etc/kubernetes/kw-tmp && mv /etc/kubernetes/manifests/*.yaml /etc/kubernetes/kw-tmp/");
    wait_until(120, "static pods stopped", || {
        cp.exec_ok("crictl ps -q").trim().is_empty()
    });
    cp.exec_ok("mv /etc/kubernetes/kw-tmp/*.yaml /etc/kubernetes/manifests/");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let (back, last) = loop {
        let (rc, _, e) = run(cp, &format!("{KC} get nodes"));
        if rc == 0 || std::time::Instant::now() > deadline {
            break (rc == 0, e);
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    assert!(
        back,
        "the API did not come back: {last}\n{}\n{}",
        cp.exec(
            "tail -n 20 /var/log/kwsim/kube-apiserver.log /var/log/kwsim/kubelet.log; crictl ps"
        )
        .stdout
        .escape_ascii(),
        cp.exec("cat /run/kwsim/kubelet.status")
            .stdout
            .escape_ascii()
    );
    assert!(apiserver_row(&cp.exec_ok("kubeadm certs check-expiration")).contains(" 364d "));
}
