//! The upgrade's scripts on their own (shellcheck: tests/plan_shellcheck.rs): their tricky parts run with bash
//! against fake tools (the fleet tests run them for real on simulated nodes): a drain a PodDisruptionBudget
//! blocks names the pod and uncordons the node; the etcd snapshot lands in the backup directory with a
//! retention; the upgrade-node step of a worker is done once its kubelet runs the hop's version; upgrade-apply
//! is not done while a control plane manifest is still old, and waits for a kubeadm upgrade apply already running.

#[path = "script_sandbox/mod.rs"]
mod script_sandbox;

use kubewiz::upgrade::scripts;
use script_sandbox::Sandbox;
use std::fs;
use std::process::{Command, Output};

/// How these tests put an upgrade script together.
trait Upgrade {
    fn run(&self, env: &[(&str, &str)], step: &str, entry: &str, extra: &str) -> Output;
}

impl Upgrade for Sandbox {
    /// The assembled script with the paths redirected into the sandbox just before the entry call.
    fn run(&self, env: &[(&str, &str)], step: &str, entry: &str, extra: &str) -> Output {
        let d = self.path().display();
        let text = scripts::assemble(&scripts::env("test", env), step, "");
        let text = format!(
            "{text}KW_LOG_DIR={d}/log\nKW_STATE_DIR={d}/state\nKW_UPGRADE_MARKS={d}/state/upgrade\n\
             KW_ADMIN_CONF={d}/admin.conf\nKW_K8S_DIR={d}/k8s\n{extra}\n{entry}\n"
        );
        self.run_script(&text)
    }
}

fn out(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// kubectl as seen by drain.sh: the node still runs the old kubelet; `drain` is `$DRAIN`.
fn kubectl(sb: &Sandbox, drain: &str) {
    sb.tool(
        "kubectl",
        &format!(
            r#"echo "$*" >> "{d}/kubectl.log"
case "$*" in
  *"get node"*kubeletVersion*) echo -n v1.25.3 ;;
  *"get node"*unschedulable*) [[ -f "{d}/cordoned" ]] && echo -n true ;;
  *" drain "*) touch "{d}/cordoned"; {drain} ;;
  *" uncordon "*) rm -f "{d}/cordoned"; echo "node/w1 uncordoned" ;;
esac"#,
            d = sb.path().display()
        ),
    );
}

const DRAIN_ENV: [(&str, &str); 4] = [
    ("KW_TARGET_NODE", "w1"),
    ("KW_K8S_VERSION", "1.26.15"),
    ("KW_DRAIN_TIMEOUT", "30"),
    ("KW_UNCORDON_ON_FAILURE", "1"),
];

#[test]
fn a_drain_blocked_by_a_budget_names_the_pod_and_uncordons() {
    let sb = Sandbox::new();
    // What kubectl prints (kubectl pkg/drain/drain.go, pkg/cmd/drain/drain.go) when a budget never allows it.
    kubectl(
        &sb,
        r#"echo "node/w1 cordoned"; echo "evicting pod default/web-7d9c6b8f5-0"
echo 'error when evicting pods/"web-7d9c6b8f5-0" -n "default" (will retry after 5s): Cannot evict pod as it would violate the pod'"'"'s disruption budget.' >&2
echo 'error: unable to drain node "w1" due to error: error when evicting pods/"web-7d9c6b8f5-0" -n "default": global timeout reached: 30s, continuing command...' >&2
echo 'There are pending nodes to be drained:' >&2; echo ' w1' >&2
exit 1"#,
    );
    let o = sb.run(&DRAIN_ENV, scripts::DRAIN, "kw_main", "");
    let text = out(&o);
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(
        text.contains("::kw::fact drain_blocked=default/web-7d9c6b8f5-0 (PodDisruptionBudget)"),
        "{text}"
    );
    assert!(
        text.contains("::kw::hint the drain of w1 was blocked by: default/web-7d9c6b8f5-0"),
        "{text}"
    );
    let log = sb.read("kubectl.log");
    assert!(
        log.contains("drain w1 --ignore-daemonsets --delete-emptydir-data --timeout=30s"),
        "{log}"
    );
    assert!(log.contains("uncordon w1"), "{log}");
    assert!(!sb.path().join("cordoned").exists(), "left cordoned");
}

#[test]
fn a_drain_that_finishes_leaves_the_node_cordoned() {
    let sb = Sandbox::new();
    kubectl(&sb, r#"echo "node/w1 cordoned"; echo "node/w1 drained""#);
    let o = sb.run(&DRAIN_ENV, scripts::DRAIN, "kw_main", "");
    let text = out(&o);
    assert!(o.status.success(), "{text}");
    assert!(text.contains("::kw::result applied"), "{text}");
    assert!(sb.path().join("cordoned").exists());
    assert!(!sb.read("kubectl.log").contains("uncordon"));
}

#[test]
fn the_etcd_snapshot_is_kept_with_a_retention() {
    let sb = Sandbox::new();
    let d = sb.path().display().to_string();
    fs::create_dir_all(sb.path().join("etcd")).unwrap();
    fs::create_dir_all(sb.path().join("backups")).unwrap();
    // Six older snapshots (oldest first).
    for i in 0..6 {
        let p = sb.path().join(format!("backups/etcd-before-1.2{i}.0-x.db"));
        fs::write(&p, "old").unwrap();
        let t = format!("2020010{}0000", i + 1);
        assert!(
            Command::new("touch")
                .args(["-t", &t])
                .arg(&p)
                .status()
                .unwrap()
                .success()
        );
    }
    // crictl: one etcd container; exec runs etcdctl, which writes the snapshot where it is told.
    sb.tool(
        "crictl",
        r#"case "$*" in
  *" ps "*|ps*) echo 0123456789abc ;;
  *exec*) for a; do last=$a; done; echo snapshot > "$last"; echo "Snapshot saved at $last" ;;
esac"#,
    );
    let env = [
        ("KW_BACKUP_DIR", &*format!("{d}/backups")),
        ("KW_SNAPSHOT_NAME", "etcd-before-1.26.15"),
        ("KW_BACKUP_KEEP", "5"),
    ];
    let extra = format!("ETCD_DATA={d}/etcd");
    let o = sb.run(&env, scripts::ETCD_SNAPSHOT, "kw_main", &extra);
    let text = out(&o);
    assert!(o.status.success(), "{text}");
    let kept: Vec<String> = fs::read_dir(sb.path().join("backups"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(kept.len(), 5, "{kept:?}");
    let new: Vec<&String> = kept
        .iter()
        .filter(|n| n.starts_with("etcd-before-1.26.15-"))
        .collect();
    assert_eq!(new.len(), 1, "{kept:?}");
    assert!(
        !kept.iter().any(|n| n.contains("1.20.0")),
        "the oldest went: {kept:?}"
    );
    assert!(!kept.iter().any(|n| n.contains("1.21.0")), "{kept:?}");
    assert!(
        text.contains(&format!("::kw::fact snapshot={d}/backups/{}", new[0])),
        "{text}"
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(sb.path().join("backups").join(new[0]))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    // Run again: the hop's snapshot exists, nothing is taken.
    let o = sb.run(&env, scripts::ETCD_SNAPSHOT, "kw_main", &extra);
    assert!(out(&o).contains("::kw::result skipped"), "{}", out(&o));
}

#[test]
fn upgrade_node_on_a_worker_is_done_once_marked_or_running_the_version() {
    let sb = Sandbox::new();
    sb.tool(
        "kubeadm",
        &format!(
            "echo \"$*\" >> {}/kubeadm.log; echo '[upgrade] The configuration for this node was successfully updated!'",
            sb.path().display()
        ),
    );
    sb.tool("kubectl", "echo -n v1.25.3");
    let env = [("KW_K8S_VERSION", "1.26.15"), ("KW_NODE_NAME", "w1")];
    let o = sb.run(&env, scripts::NODE, "kw_main", "");
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("::kw::result applied"));
    let o = sb.run(&env, scripts::NODE, "kw_main", "");
    assert!(out(&o).contains("::kw::result skipped"), "{}", out(&o));
    assert_eq!(sb.read("kubeadm.log").lines().count(), 1);
}

/// A static pod manifest in the sandbox naming `component` at `version`.
fn manifest(sb: &Sandbox, component: &str, version: &str) {
    sb.write(
        &format!("k8s/manifests/{component}.yaml"),
        &format!("spec:\n  containers:\n  - name: {component}\n    image: registry.k8s.io/{component}:{version}\n"),
    );
}

/// A control plane upgrade step (`script`, running `kubeadm <sub>`) after a kubeadm that died with its
/// connection, having upgraded the API server (kubeadm's first component) but not the controller manager and
/// scheduler: not done, kubeadm runs again (the API server alone took it as done). And with a `kubeadm <sub>`
/// still running on the node (an earlier attempt's, `cmdline` in /proc), it waits for that one to end, then
/// checks again instead of starting a second.
fn done_only_with_every_manifest_and_waits_for_a_running_kubeadm(
    script: &str,
    sub: &str,
    env: &[(&str, &str)],
    cmdline: &str,
) {
    let sb = Sandbox::new();
    let d = sb.path().display().to_string();
    // kubeadm: every manifest to the version.
    sb.tool(
        "kubeadm",
        &format!(
            "echo \"$*\" >> {d}/kubeadm.log\n\
             for c in kube-apiserver kube-controller-manager kube-scheduler; do\n\
               printf 'spec:\\n  containers:\\n  - name: %s\\n    image: registry.k8s.io/%s:v1.26.15\\n' $c $c > {d}/k8s/manifests/$c.yaml\n\
             done"
        ),
    );
    sb.tool(
        "kubectl",
        "printf '{\\n  \"serverVersion\": {\\n    \"gitVersion\": \"v1.26.15\",\\n  }\\n}\\n'",
    );
    manifest(&sb, "kube-apiserver", "v1.26.15");
    manifest(&sb, "kube-controller-manager", "v1.25.3");
    manifest(&sb, "kube-scheduler", "v1.25.3");
    fs::create_dir_all(sb.path().join("proc")).unwrap();
    let extra = format!("KW_PROC={d}/proc");
    let o = sb.run(env, script, "kw_main", &extra);
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("::kw::result applied"), "{}", out(&o));
    assert_eq!(sb.read("kubeadm.log").lines().count(), 1);
    let o = sb.run(env, script, "kw_main", &extra);
    assert!(out(&o).contains("::kw::result skipped"), "{}", out(&o));

    // An earlier attempt's kubeadm runs (pid 4242), and ends 3 s later having upgraded all.
    manifest(&sb, "kube-controller-manager", "v1.25.3");
    sb.write("proc/4242/cmdline", cmdline);
    let finish = format!(
        "( sleep 3; sed -i s/v1.25.3/v1.26.15/ {d}/k8s/manifests/kube-controller-manager.yaml; rm -r {d}/proc/4242 ) &"
    );
    let start = std::time::Instant::now();
    let o = sb.run(env, script, "kw_main", &format!("{extra}\n{finish}"));
    let t = out(&o);
    assert!(o.status.success(), "{t}");
    assert!(
        t.contains(&format!(
            "kubeadm {sub} is already running on this node (pid 4242"
        )),
        "{t}"
    );
    assert!(
        t.contains(&format!("the earlier kubeadm {sub} finished")),
        "{t}"
    );
    assert!(
        start.elapsed() >= std::time::Duration::from_secs(3),
        "it did not wait"
    );
    assert_eq!(
        sb.read("kubeadm.log").lines().count(),
        1,
        "no second kubeadm"
    );
}

/// upgrade-apply on the first control plane.
#[test]
fn upgrade_apply_is_done_only_with_every_manifest_and_waits_for_a_running_kubeadm() {
    done_only_with_every_manifest_and_waits_for_a_running_kubeadm(
        scripts::APPLY,
        "upgrade apply",
        &[("KW_K8S_VERSION", "1.26.15")],
        "kubeadm\0upgrade\0apply\0v1.26.15\0-y\0",
    );
}

/// upgrade-node on another control plane: kubeadm upgrade node upgrades its static pods one at a time too.
#[test]
fn upgrade_node_on_a_control_plane_is_done_only_with_every_manifest_and_waits_for_a_running_kubeadm()
 {
    done_only_with_every_manifest_and_waits_for_a_running_kubeadm(
        scripts::NODE,
        "upgrade node",
        &[("KW_K8S_VERSION", "1.26.15"), ("KW_NODE_NAME", "cp2")],
        "/usr/bin/kubeadm\0upgrade\0node\0",
    );
}
