//! The step scripts' own logic, run with bash against temporary files and fake tools on PATH
//! (the fleet tests run them for real on simulated nodes; these pin the tricky parts: the
//! dispatcher, fstab, /etc/hosts, the containerd config on a real `containerd config default`,
//! conntrack module choice, version resolution, join secret minting, redaction, facts).

#[path = "script_sandbox/mod.rs"]
mod script_sandbox;
mod skip;

use kubewiz::facts::Facts;
use kubewiz::plan::{self, StepId, script};
use script_sandbox::Sandbox;
use std::fs;
use std::path::PathBuf;
use std::process::{Command, Output};

/// How these tests put a step together: lib.sh, the step's file, the paths redirected into
/// the sandbox, then `code`.
trait Steps {
    fn prelude(&self, step: Option<StepId>) -> String;
    fn run_step(&self, step: Option<StepId>, code: &str) -> Output;
}

impl Steps for Sandbox {
    /// lib.sh + the step's file + paths redirected into the sandbox + `code`.
    fn prelude(&self, step: Option<StepId>) -> String {
        let mut s = String::from("set -euo pipefail\n");
        s.push_str(script::LIB);
        if let Some(step) = step {
            s.push_str(script::asset(step).unwrap().1);
        }
        let d = self.path().display();
        s.push_str(&format!(
            "KW_LOG_DIR={d}/log\nKW_STATE_DIR={d}/state\nKW_OS_RELEASE={d}/os-release\nKW_ADMIN_CONF={d}/admin.conf\nKW_K8S_DIR={d}/k8s\nKW_ROOT_KUBECONFIG={d}/root/.kube/config\n"
        ));
        s
    }
    fn run_step(&self, step: Option<StepId>, code: &str) -> Output {
        self.run_script(&format!("{}{code}\n", self.prelude(step)))
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}
fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const CENTOS7: &str = "NAME=\"CentOS Linux\"\nVERSION=\"7 (Core)\"\nID=\"centos\"\nID_LIKE=\"rhel fedora\"\nVERSION_ID=\"7\"\n";
const UBUNTU: &str =
    "NAME=\"Ubuntu\"\nVERSION_ID=\"22.04\"\nID=ubuntu\nID_LIKE=debian\nVERSION_CODENAME=jammy\n";
const ROCKY9: &str =
    "NAME=\"Rocky Linux\"\nID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"9.3\"\n";

#[test]
fn kw_main_applies_once_then_skips() {
    let sb = Sandbox::new();
    let code = "KW_STEP=demo\ncheck() { [[ -f ./done ]]; }\napply() { touch ./done; }\nkw_main\n";
    let o = sb.run_step(None, code);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("::kw::result applied\n"));
    let o = sb.run_step(None, code);
    assert!(o.status.success());
    assert!(stdout(&o).contains("::kw::result skipped\n"));
    let log = sb.read("log/steps.log");
    assert_eq!(log.lines().count(), 1, "{log}");
    assert!(log.trim_end().ends_with(" demo apply"));
    let epoch: u64 = log.split_whitespace().next().unwrap().parse().unwrap();
    assert!(epoch > 1_600_000_000);
}

#[test]
fn kw_main_fails_when_apply_does_not_reach_the_state() {
    let sb = Sandbox::new();
    let o = sb.run_step(
        None,
        "KW_STEP=demo\ncheck() { return 1; }\napply() { :; }\nkw_main\n",
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("still not in the desired state"),
        "{}",
        stderr(&o)
    );
    assert!(!stdout(&o).contains("::kw::result"));
    let o = sb.run_step(
        None,
        "KW_STEP=demo\ncheck() { return 1; }\napply() { false; echo not reached; }\nkw_main\n",
    );
    assert_ne!(o.status.code(), Some(0));
    assert!(!stdout(&o).contains("not reached"));
    assert!(
        stderr(&o).contains("command failed with exit code 1: false"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn os_family_from_os_release() {
    let sb = Sandbox::new();
    for (text, want) in [(CENTOS7, "rhel"), (ROCKY9, "rhel"), (UBUNTU, "debian")] {
        sb.write("os-release", text);
        let o = sb.run_step(None, "kw_os_family");
        assert_eq!(stdout(&o).trim(), want, "{text}");
    }
    sb.write("os-release", "ID=arch\n");
    let o = sb.run_step(None, "kw_os_family");
    assert!(!o.status.success());
    assert!(stderr(&o).contains("unsupported OS 'arch'"));
}

#[test]
fn version_compare() {
    let sb = Sandbox::new();
    let o = sb.run_step(
        None,
        "for p in '4.19 4.19' '5.14.0 4.19' '4.18.0 4.19' '3.10.0 4.19' '1.7.12 2.0' '2.1.4 2.0' '10.0 9.9'; do\n\
         set -- $p; if kw_version_ge \"$1\" \"$2\"; then echo y; else echo n; fi; done",
    );
    assert_eq!(stdout(&o), "y\ny\nn\nn\nn\ny\ny\n");
}

#[test]
fn fstab_only_swap_entries_are_commented() {
    let sb = Sandbox::new();
    let fstab = "# /etc/fstab: swap notes here\n\
                 /dev/mapper/centos-root /                       xfs     defaults        0 0\n\
                 UUID=1234 /boot xfs defaults 0 0\n\
                 /dev/mapper/centos-swap swap                    swap    defaults        0 0\n\
                 /dev/sdb1 /mnt/swapdata ext4 defaults 0 0\n\
                 \t/swapfile none swap sw 0 0\n\
                 #/dev/sdc1 none swap sw 0 0\n";
    sb.write("fstab", fstab);
    let code = format!(
        "FSTAB={}/fstab\nfstab_has_swap && echo has\nfstab_comment_swap\nfstab_has_swap || echo clean\n",
        sb.path().display()
    );
    let o = sb.run_step(Some(StepId::Swap), &code);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "has\nclean\n");
    let after = sb.read("fstab");
    let want = fstab
        .replace(
            "/dev/mapper/centos-swap swap",
            "#/dev/mapper/centos-swap swap",
        )
        .replace("\t/swapfile", "#\t/swapfile");
    assert_eq!(after, want);
    // The mount point /mnt/swapdata and the comments survive (the seed's sed would comment them).
    assert!(after.contains("\n/dev/sdb1 /mnt/swapdata ext4"));
    assert_eq!(sb.read("fstab.kubewiz.bak"), fstab);
}

#[test]
fn hosts_block_is_replaced_not_appended() {
    let sb = Sandbox::new();
    let before =
        "127.0.0.1 localhost\n# BEGIN kubewiz\n10.0.0.1 old\n# END kubewiz\n::1 localhost6\n";
    sb.write("hosts", before);
    let code = format!(
        "HOSTS_FILE={}/hosts\nKW_HOSTS=$'192.0.2.10 cp\\n192.0.2.11 w1'\nwrite_hosts\nwrite_hosts\n[[ $(current_block) == \"$(hosts_block)\" ]] && echo same\n",
        sb.path().display()
    );
    let o = sb.run_step(Some(StepId::Hostname), &code);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).ends_with("same\n"));
    assert_eq!(
        sb.read("hosts"),
        "127.0.0.1 localhost\n::1 localhost6\n# BEGIN kubewiz\n192.0.2.10 cp\n192.0.2.11 w1\n# END kubewiz\n"
    );
}

fn fixture(rel: &str) -> Option<String> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fixtures")
        .join(rel);
    match fs::read_to_string(&p) {
        Ok(t) => Some(t),
        Err(_) => {
            skip::because(&format!("the fixture {} is missing", p.display()));
            None
        }
    }
}

fn containerd_fake(sb: &Sandbox, default_config: &str, version: &str) {
    sb.write("default.toml", default_config);
    sb.tool(
        "containerd",
        &format!(
            "case \"$1 ${{2:-}}\" in\n 'config default') cat {}/default.toml ;;\n '--version '*) echo 'containerd containerd.io {version} abc' ;;\n *) exit 2 ;;\nesac",
            sb.path().display()
        ),
    );
}

#[test]
fn containerd_config_from_real_default_1_6() {
    let Some(default) = fixture("containerd/config-default-1.6.20.toml") else {
        return;
    };
    let sb = Sandbox::new();
    containerd_fake(&sb, &default, "1.6.20");
    let code = format!(
        "KW_SANDBOX_IMAGE=registry.aliyuncs.com/google_containers/pause:3.8\nCONTAINERD_CONF={}/etc/containerd/config.toml\nwrite_config\n[[ -z $(config_problems) ]] && echo ok\n",
        sb.path().display()
    );
    let o = sb.run_step(Some(StepId::Containerd), &code);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).ends_with("ok\n"), "{}", stdout(&o));
    let written = sb.read("etc/containerd/config.toml");
    let changed: Vec<(&str, &str)> = default
        .lines()
        .zip(written.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(default.lines().count(), written.lines().count());
    assert_eq!(changed.len(), 3, "{changed:?}");
    assert_eq!(
        changed[0].0.trim(),
        "sandbox_image = \"registry.k8s.io/pause:3.6\""
    );
    assert_eq!(
        changed[0].1.trim(),
        "sandbox_image = \"registry.aliyuncs.com/google_containers/pause:3.8\""
    );
    assert_eq!(changed[1].0.trim(), "SystemdCgroup = false");
    assert_eq!(changed[1].1.trim(), "SystemdCgroup = true");
    // Registry mirrors the containerd way: hosts.toml files under config_path.
    assert_eq!(changed[2].0.trim(), "config_path = \"\"");
    assert_eq!(
        changed[2].1.trim(),
        "config_path = \"/etc/containerd/certs.d\""
    );
}

#[test]
fn hosts_toml_per_registry_written_checked_and_cleaned() {
    let sb = Sandbox::new();
    let d = sb.path().display().to_string();
    sb.write("certs.d/quay.io/hosts.toml", "# the user's own file\n");
    sb.write("certs.d/docker.io/hosts.toml", "# the user's own file\n");
    let run = |mirrors: &str, then: &str| {
        sb.run_step(
            Some(StepId::Containerd),
            &format!("CERTS_D={d}/certs.d\nKW_REGISTRY_MIRRORS=$'{mirrors}'\n{then}\n"),
        )
    };
    let o = run(
        "docker.io https://docker.m.daocloud.io https://backup.example.com\\nghcr.io https://ghcr.m.daocloud.io\\nlocalhost:5000 http://192.0.2.9:5000",
        "hosts_problems; write_hosts; echo --; hosts_problems; echo end",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let (before, after) = out.split_once("--\n").unwrap();
    assert!(
        before.contains("docker.io/hosts.toml is not what cluster.toml asks for"),
        "{out}"
    );
    assert_eq!(after, "end\n", "converged: {out}");
    let docker = sb.read("certs.d/docker.io/hosts.toml");
    assert_eq!(
        docker,
        "# Written by kubewiz from cluster.toml [registry_mirrors] (containerd docs/hosts.md); kubewiz rewrites it.\n\
         server = \"https://registry-1.docker.io\"\n\n\
         [host.\"https://docker.m.daocloud.io\"]\n  capabilities = [\"pull\", \"resolve\"]\n\n\
         [host.\"https://backup.example.com\"]\n  capabilities = [\"pull\", \"resolve\"]\n"
    );
    // The user's file for docker.io is kept aside; quay.io (not listed) is not kubewiz's: untouched.
    assert_eq!(
        sb.read("certs.d/docker.io/hosts.toml.before-kubewiz"),
        "# the user's own file\n"
    );
    assert_eq!(
        sb.read("certs.d/quay.io/hosts.toml"),
        "# the user's own file\n"
    );
    assert!(
        sb.read("certs.d/ghcr.io/hosts.toml")
            .contains("server = \"https://ghcr.io\"")
    );
    assert!(
        sb.read("certs.d/localhost:5000/hosts.toml")
            .contains("[host.\"http://192.0.2.9:5000\"]")
    );
    // A registry dropped from cluster.toml loses the file kubewiz wrote.
    let o = run(
        "ghcr.io https://ghcr.m.daocloud.io",
        "hosts_problems; write_hosts; hosts_problems; echo end",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains(
        "docker.io/hosts.toml was written by kubewiz for a registry cluster.toml no longer lists"
    ));
    assert!(stdout(&o).ends_with("end\n"), "{}", stdout(&o));
    assert!(!sb.path().join("certs.d/docker.io/hosts.toml").exists());
    assert!(sb.path().join("certs.d/quay.io/hosts.toml").exists());
    // Input that could break the file is refused.
    let o = run("docker.io https://x.example/\\\"]", "write_hosts");
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("unexpected mirror URL"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn the_docker_ce_repo_file_is_pointed_at_the_mirror() {
    let sb = Sandbox::new();
    let d = sb.path().display().to_string();
    sb.write(
        "docker-ce.repo",
        "[docker-ce-stable]\nbaseurl=https://download.docker.com/linux/centos/$releasever/$basearch/stable\ngpgkey=https://download.docker.com/linux/centos/gpg\n",
    );
    let o = sb.run_step(
        Some(StepId::Containerd),
        &format!(
            "DOCKER_RPM_REPO={d}/docker-ce.repo\nkw_os_family() {{ echo rhel; }}\nKW_DOCKER_RPM_BASE=https://mirrors.aliyun.com/docker-ce\ndocker_repo_ok || echo not-ok\npoint_docker_repo\ndocker_repo_ok && echo ok\n"
        ),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("not-ok"), "{}", stdout(&o));
    assert!(stdout(&o).ends_with("ok\n"), "{}", stdout(&o));
    assert_eq!(
        sb.read("docker-ce.repo"),
        "[docker-ce-stable]\nbaseurl=https://mirrors.aliyun.com/docker-ce/linux/centos/$releasever/$basearch/stable\ngpgkey=https://mirrors.aliyun.com/docker-ce/linux/centos/gpg\n"
    );
}

#[test]
fn containerd_config_2x_without_systemd_cgroup_line() {
    // containerd 2.0.0-2.0.6 / 2.1.0-2.1.4 print no SystemdCgroup line: a sed would do nothing.
    let default = "version = 3\nroot = '/var/lib/containerd'\ndisabled_plugins = []\n\n[plugins]\n  [plugins.'io.containerd.cri.v1.images']\n    snapshotter = 'overlayfs'\n\n    [plugins.'io.containerd.cri.v1.images'.pinned_images]\n      sandbox = 'registry.k8s.io/pause:3.10'\n\n  [plugins.'io.containerd.cri.v1.runtime']\n    enable_selinux = false\n\n        [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]\n          BinaryName = ''\n          ShimCgroup = ''\n\n  [plugins.'io.containerd.gc.v1.scheduler']\n    pause_threshold = 0.02\n";
    let sb = Sandbox::new();
    containerd_fake(&sb, default, "2.0.4");
    let code = format!(
        "KW_SANDBOX_IMAGE=registry.k8s.io/pause:3.10.2\nCONTAINERD_CONF={}/config.toml\nwrite_config\nconfig_problems\necho end\n",
        sb.path().display()
    );
    let o = sb.run_step(Some(StepId::Containerd), &code);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o)
            .ends_with("(containerd 2.0.4, config version 3, CRI tables of the v3 layout)\nend\n"),
        "{}",
        stdout(&o)
    );
    let w = sb.read("config.toml");
    assert!(
        !w.contains("sandbox = 'registry.k8s.io/pause:3.10'"),
        "old value replaced"
    );
    assert!(w.contains(
        "[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]\n          BinaryName = ''\n          ShimCgroup = ''\nSystemdCgroup = true\n\n  [plugins.'io.containerd.gc.v1.scheduler']"
    ), "{w}");
    assert!(
        w.contains("sandbox = 'registry.k8s.io/pause:3.10.2'"),
        "{w}"
    );
    // No registry table in that output: kubewiz adds it, in the file's quoting.
    assert!(
        w.contains("[plugins.'io.containerd.cri.v1.images'.registry]\nconfig_path = '/etc/containerd/certs.d'"),
        "{w}"
    );
}

#[test]
fn containerd_config_problems_are_named() {
    let sb = Sandbox::new();
    // docker's containerd.io ships this file: CRI disabled.
    sb.write("config.toml", "disabled_plugins = [\"cri\"]\n");
    let code = format!(
        "KW_SANDBOX_IMAGE=registry.k8s.io/pause:3.8\nCONTAINERD_CONF={}/config.toml\nconfig_problems\n",
        sb.path().display()
    );
    let o = sb.run_step(Some(StepId::Containerd), &code);
    let out = stdout(&o);
    assert!(out.contains("config version 1"), "{out}");
    assert!(out.contains("the CRI plugin is disabled"), "{out}");
}

#[test]
fn conntrack_module_by_kernel() {
    let sb = Sandbox::new();
    let d = sb.path().display().to_string();
    sb.tool("modprobe", &format!("echo \"$*\" >> {d}/modprobe.log\n[[ \" $* \" == *' nf_conntrack_ipv4 '* && -f {d}/no_ipv4 ]] && exit 1\nexit 0"));
    let probe = |kernel: &str, has_ipv4: bool| -> (String, String) {
        sb.tool("uname", &format!("echo {kernel}"));
        let _ = fs::remove_file(sb.path().join("modprobe.log"));
        if has_ipv4 {
            let _ = fs::remove_file(sb.path().join("no_ipv4"));
        } else {
            sb.write("no_ipv4", "");
        }
        let o = sb.run_step(Some(StepId::Modules), "conntrack_module");
        assert!(o.status.success(), "{}", stderr(&o));
        (stdout(&o).trim().to_string(), sb.read("modprobe.log"))
    };
    // CentOS 7
    assert_eq!(probe("3.10.0-1160.el7.x86_64", true).0, "nf_conntrack_ipv4");
    // RHEL 8.3+: 4.18 without nf_conntrack_ipv4
    assert_eq!(probe("4.18.0-513.el8.x86_64", false).0, "nf_conntrack");
    // >= 4.19: nf_conntrack, and nf_conntrack_ipv4 is never even tried
    let (m, log) = probe("5.14.0-362.el9.x86_64", true);
    assert_eq!(m, "nf_conntrack");
    assert!(!log.contains("nf_conntrack_ipv4"), "{log}");
    assert_eq!(probe("5.15.0-91-generic", false).0, "nf_conntrack");
}

#[test]
fn package_revision_is_resolved_on_the_node() {
    let sb = Sandbox::new();
    sb.write("os-release", CENTOS7);
    sb.tool(
        "yum",
        "cat <<'EOF'\nLoaded plugins: fastestmirror\nAvailable Packages\nkubeadm.x86_64   1.25.2-0   kubernetes\nkubeadm.x86_64   1.25.3-0   kubernetes\nkubeadm.x86_64   1.25.30-0  kubernetes\nkubelet.x86_64   1.25.3-0   kubernetes\nEOF",
    );
    let o = sb.run_step(
        Some(StepId::Packages),
        "KW_K8S_VERSION=1.25.3\nresolve kubeadm\nresolve kubelet\nKW_K8S_VERSION=1.25.9\necho \"[$(resolve kubeadm)]\"",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "1.25.3-0\n1.25.3-0\n[]\n");

    sb.write("os-release", ROCKY9);
    sb.tool(
        "dnf",
        "echo 'kubeadm.x86_64   1.30.0-150500.1.1   kubernetes'",
    );
    let o = sb.run_step(
        Some(StepId::Packages),
        "KW_K8S_VERSION=1.30.0\nresolve kubeadm",
    );
    assert_eq!(stdout(&o), "1.30.0-150500.1.1\n");

    sb.write("os-release", UBUNTU);
    sb.tool(
        "apt-cache",
        "cat <<'EOF'\n   kubeadm | 1.28.3-1.1 | https://pkgs.k8s.io/core:/stable:/v1.28/deb  Packages\n   kubeadm | 1.28.2-1.1 | https://pkgs.k8s.io/core:/stable:/v1.28/deb  Packages\nEOF",
    );
    let o = sb.run_step(
        Some(StepId::Packages),
        "KW_K8S_VERSION=1.28.2\nresolve kubeadm",
    );
    assert_eq!(stdout(&o), "1.28.2-1.1\n");
}

#[test]
fn mint_prints_only_structured_secrets() {
    let sb = Sandbox::new();
    let hash = "a".repeat(64);
    let key = "b".repeat(64);
    sb.tool(
        "kubeadm",
        &format!(
            "case \"$*\" in\n 'token create --ttl 2h --print-join-command') echo 'kubeadm join 192.0.2.10:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash sha256:{hash} ' ;;\n 'init phase upload-certs --upload-certs') printf '[upload-certs] Storing the certificates in Secret \"kubeadm-certs\" in the \"kube-system\" Namespace\\n[upload-certs] Using certificate key:\\n{key}\\n' ;;\n *) echo \"unexpected: $*\" >&2; exit 3 ;;\nesac"
        ),
    );
    sb.write("admin.conf", "apiVersion: v1\n");
    let admin = format!("KW_ADMIN_CONF=\"{}/admin.conf\"", sb.path().display());
    let script =
        plan::mint_script(true).replace("KW_ADMIN_CONF=\"/etc/kubernetes/admin.conf\"", &admin);
    let o = sb.run_script(&script);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let secret_lines: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("::kw::secret "))
        .collect();
    assert_eq!(
        secret_lines,
        [
            "::kw::secret token=abcdef.0123456789abcdef".to_string(),
            format!("::kw::secret ca_cert_hash=sha256:{hash}"),
            format!("::kw::secret certificate_key={key}"),
        ]
    );
    for l in out.lines().filter(|l| !l.starts_with("::kw::secret ")) {
        assert!(
            !l.contains("abcdef.0123456789abcdef") && !l.contains(&hash) && !l.contains(&key),
            "{l}"
        );
    }
    assert!(!stderr(&o).contains("abcdef.0123456789abcdef"));
    // Without a certificate key request, upload-certs is not run.
    let script =
        plan::mint_script(false).replace("KW_ADMIN_CONF=\"/etc/kubernetes/admin.conf\"", &admin);
    let o = sb.run_script(&script);
    assert!(o.status.success());
    assert!(!stdout(&o).contains("certificate_key"));
    // Not a control plane: a clear error.
    fs::remove_file(sb.path().join("admin.conf")).unwrap();
    let o = sb.run_script(&script);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("not an initialised control plane"));
}

#[test]
fn kubeadm_output_is_redacted() {
    let sb = Sandbox::new();
    let hash = "0123456789abcdef".repeat(4);
    let input = format!(
        "You can now join any number of control-plane nodes:\n  kubeadm join 192.0.2.10:6443 --token abcdef.0123456789abcdef \\\n\t--discovery-token-ca-cert-hash sha256:{hash} \\\n\t--control-plane --certificate-key {hash}\n[upload-certs] Using certificate key:\n{hash}\n"
    );
    sb.write("in.txt", &input);
    let o = sb.run_step(None, "kw_redact < in.txt");
    let out = stdout(&o);
    assert!(!out.contains("abcdef.0123456789abcdef"), "{out}");
    assert!(!out.contains(&hash), "{out}");
    assert!(out.contains("kubeadm join 192.0.2.10:6443 --token <redacted>"));
}

#[test]
fn facts_script_reports_every_field() {
    let sb = Sandbox::new();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let peers = vec![format!("127.0.0.1:{port}"), format!("127.0.0.2:{port}")];
    let log = format!("KW_LOG_DIR=\"{}/log\"", sb.path().display());
    let script = plan::facts_script("n1", &peers).replace("KW_LOG_DIR=\"/var/log/kubewiz\"", &log);
    let o = sb.run_script(&script);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let pairs: Vec<(&str, &str)> = out
        .lines()
        .filter_map(|l| l.strip_prefix("::kw::fact "))
        .filter_map(|l| l.split_once('='))
        .collect();
    let keys: Vec<&str> = pairs.iter().map(|(k, _)| *k).collect();
    for k in [
        "os_id",
        "os_version",
        "os_family",
        "kernel",
        "cgroup_version",
        "cpus",
        "memory_mb",
        "swap_mb",
        "product_uuid",
        "macs",
        "hostname",
        "epoch",
        "unreachable_peers",
        "can_sudo",
        "kubeadm_version",
    ] {
        assert!(keys.contains(&k), "missing fact {k}: {out}");
    }
    let f = Facts::from_pairs(pairs.iter().copied());
    assert!(f.cpus >= 1 && f.memory_mb > 0, "{f:?}");
    assert!(f.cgroup_version == 1 || f.cgroup_version == 2);
    assert!(!f.kernel.is_empty());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!((f.epoch - now).abs() < 60);
    assert_eq!(
        f.unreachable_peers,
        ["127.0.0.2"],
        "open port reachable, closed one not"
    );
    assert!(out.contains("::kw::result applied\n"));
    drop(listener);
}

#[test]
fn installed_version_ignores_rpm_not_installed_message() {
    let sb = Sandbox::new();
    sb.write("os-release", CENTOS7);
    // Real rpm prints this on stdout with exit 1.
    sb.tool(
        "rpm",
        "if [[ \"$*\" == *kubelet* ]]; then [[ \"$*\" == *--qf* ]] && echo 1.25.3 || echo kubelet-1.25.3-0.x86_64; exit 0; fi\necho \"package ${@: -1} is not installed\"; exit 1",
    );
    let o = sb.run_step(
        Some(StepId::Packages),
        "echo \"[$(kw_installed_version kubeadm)]\"\necho \"[$(kw_installed_version kubelet)]\"",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "[]\n[1.25.3]\n");
}

#[test]
fn swap_size_fact_from_swapon() {
    let sb = Sandbox::new();
    sb.tool(
        "swapon",
        "[[ \"$*\" == *--show* ]] || exit 1\nprintf '/dev/dm-1 partition 2147483648 0 -2\\n/swapfile file 1G 0B -3\\n'",
    );
    let o = sb.run_step(Some(StepId::Facts), "facts_swap_mb");
    assert_eq!(stdout(&o), "3072\n");
    // util-linux 2.23 (CentOS 7) has no --show: /proc/swaps is read instead (0 or more here).
    sb.tool("swapon", "exit 1");
    let o = sb.run_step(Some(StepId::Facts), "facts_swap_mb");
    assert!(stdout(&o).trim().parse::<u64>().is_ok(), "{}", stdout(&o));
}

#[test]
fn join_cleans_up_an_interrupted_join_and_never_prints_secrets() {
    let sb = Sandbox::new();
    let d = sb.path().display().to_string();
    sb.tool(
        "kubeadm",
        &format!(
            "echo \"$*\" >> {d}/kubeadm.log\ncase $1 in\n reset) rm -rf {d}/k8s ;;\n join) [[ -e {d}/k8s/pki/ca.crt ]] && {{ echo '[ERROR FileAvailable--etc-kubernetes-pki-ca.crt]' >&2; exit 1; }}; mkdir -p {d}/k8s; touch {d}/k8s/kubelet.conf ;;\nesac"
        ),
    );
    sb.write("k8s/pki/ca.crt", "left over");
    let token = "abcdef.0123456789abcdef";
    let hash = format!("sha256:{}", "c".repeat(64));
    let code = format!(
        "KUBELET_CONF={d}/k8s/kubelet.conf\nKW_STEP=join\nKW_API_ENDPOINT=192.0.2.10:6443\nKW_NODE_NAME=w1\nKW_NODE_ADDRESS=192.0.2.20\nKW_JOIN_CONTROL_PLANE=0\nKW_JOIN_TOKEN={token}\nKW_CA_CERT_HASH={hash}\nkw_main\n"
    );
    let o = sb.run_step(Some(StepId::Join), &code);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("::kw::result applied"));
    let log = sb.read("kubeadm.log");
    assert_eq!(
        log,
        format!(
            "reset -f\njoin 192.0.2.10:6443 --token {token} --discovery-token-ca-cert-hash {hash} --node-name w1 --cri-socket unix:///run/containerd/containerd.sock\n"
        )
    );
    for out in [stdout(&o), stderr(&o)] {
        assert!(!out.contains(token) && !out.contains(&hash), "{out}");
    }
    // Done: a second run skips without calling kubeadm.
    let o = sb.run_step(Some(StepId::Join), &code);
    assert!(stdout(&o).contains("::kw::result skipped"));
    assert_eq!(sb.read("kubeadm.log").lines().count(), 2);

    // A malformed secret fails without showing it.
    std::fs::remove_file(sb.path().join("k8s/kubelet.conf")).unwrap();
    let bad = code.replace(token, "not-a-token-SECRETVALUE");
    let o = sb.run_step(Some(StepId::Join), &bad);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("KW_JOIN_TOKEN is malformed"));
    assert!(!stderr(&o).contains("SECRETVALUE") && !stdout(&o).contains("SECRETVALUE"));
}

/// Every planned script's `check` accepts the values the plan gives it (the input regexes
/// match real values) and, on a machine where every tool fails, answers instead of dying. Tools are stubs that exit 1; nothing on this machine is changed.
#[test]
fn every_check_accepts_the_plan_values() {
    use kubewiz::catalog::Catalog;
    use kubewiz::config::ClusterConfig;
    let sb = Sandbox::new();
    for t in [
        "kubectl",
        "kubeadm",
        "crictl",
        "ctr",
        "containerd",
        "systemctl",
        "rpm",
        "dpkg-query",
        "apt-mark",
        "apt-cache",
        "apt-get",
        "yum",
        "dnf",
        "lsmod",
        "sysctl",
        "swapon",
        "swapoff",
        "getenforce",
        "setenforce",
        "ufw",
        "timedatectl",
        "hostnamectl",
        "modprobe",
        "curl",
        "wget",
        "ipvsadm",
        "ipset",
        "chronyd",
    ] {
        sb.tool(t, "exit 1");
    }
    let sample = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config.sample.toml");
    let configs = [
        fs::read_to_string(sample).unwrap_or_default(),
        "[cluster]\nname = \"x\"\nkubernetes_version = \"1.36.1\"\ncni = \"flannel\"\ndashboard = true\n\
         control_plane_endpoint = \"api.example.com\"\n\
         [[node]]\nname = \"cp1\"\naddress = \"192.0.2.10\"\nrole = \"control-plane\"\n\
         [[node]]\nname = \"cp2\"\naddress = \"192.0.2.11\"\nrole = \"control-plane\"\n\
         [[node]]\nname = \"w1.lab\"\naddress = \"192.0.2.20\"\nrole = \"worker\"\n"
            .to_string(),
    ];
    let mut checked = 0;
    for text in configs.iter().filter(|t| !t.is_empty()) {
        let cfg: ClusterConfig = toml::from_str(text).unwrap();
        let p = plan::build(&cfg, Catalog::builtin()).unwrap();
        for task in &p.tasks {
            if matches!(
                task.step,
                StepId::Facts | StepId::Kubeconfig | StepId::Preflight
            ) {
                continue; // their check always fails / they have none
            }
            let script = p.render(task);
            let script = script
                .strip_suffix("kw_main\n")
                .expect("ends with kw_main")
                .to_string()
                + "if check; then echo CHECK=done; else echo CHECK=todo; fi\n";
            let o = sb.run_script(&script);
            let (out, err) = (stdout(&o), stderr(&o));
            assert!(
                o.status.success() && out.contains("CHECK="),
                "{} {}: exit {:?}\n{out}\n{err}",
                task.node,
                task.step,
                o.status.code()
            );
            assert!(
                !err.contains("unexpected value") && !err.contains("missing input"),
                "{err}"
            );
            checked += 1;
        }
    }
    assert!(checked > 30);
}

/// The init step of the seed's plan (tests/plan_build_seed.toml: pod 10.244.0.0/16, services
/// 10.96.0.0/12) with its config file in the sandbox: its inputs, then kw_main.
fn seed_init_code(sb: &Sandbox) -> String {
    use kubewiz::catalog::Catalog;
    use kubewiz::config::ClusterConfig;
    let cfg: ClusterConfig = toml::from_str(include_str!("plan_build_seed.toml")).unwrap();
    let p = plan::build(&cfg, Catalog::builtin()).unwrap();
    let task = &p.tasks[p.task_index("k8s-master", StepId::Init).unwrap()];
    let kubewiz::plan::TaskKind::Remote(s) = &task.kind else {
        panic!()
    };
    let mut code = String::new();
    for (k, v) in &s.env {
        code.push_str(&format!("{k}={}\n", plan::shell_quote(v)));
    }
    let d = sb.path().display();
    code.push_str(&format!(
        "KUBEADM_CONF={d}/k8s/kubewiz-kubeadm.yaml\nkw_main\n"
    ));
    code
}

#[test]
fn init_writes_the_kubeadm_config_and_runs_once() {
    let sb = Sandbox::new();
    let d = sb.path().display().to_string();
    sb.tool(
        "kubeadm",
        &format!(
            "echo \"$*\" >> {d}/kubeadm.log\n[[ $1 == init ]] || exit 2\ncp \"$3\" {d}/seen.yaml\necho apiVersion > {d}/admin.conf\n\
             echo 'kubeadm join 192.168.147.130:6443 --token abcdef.0123456789abcdef \\'"
        ),
    );
    sb.tool("kubectl", &format!("[[ -f {d}/admin.conf ]]"));
    let code = seed_init_code(&sb);
    let o = sb.run_step(Some(StepId::Init), &code);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("::kw::result applied"));
    assert!(
        !stdout(&o).contains("abcdef.0123456789abcdef"),
        "init's token is redacted"
    );
    assert_eq!(
        sb.read("kubeadm.log"),
        format!("init --config {d}/k8s/kubewiz-kubeadm.yaml --upload-certs\n")
    );
    assert_eq!(
        sb.read("seen.yaml"),
        "# kubewiz: kubeadm configuration of this cluster
apiVersion: kubeadm.k8s.io/v1beta3
kind: InitConfiguration
localAPIEndpoint:
  advertiseAddress: \"192.168.147.130\"
  bindPort: 6443
nodeRegistration:
  name: \"k8s-master\"
  criSocket: \"unix:///run/containerd/containerd.sock\"
---
apiVersion: kubeadm.k8s.io/v1beta3
kind: ClusterConfiguration
kubernetesVersion: \"v1.25.3\"
imageRepository: \"registry.aliyuncs.com/google_containers\"
controlPlaneEndpoint: \"192.168.147.130:6443\"
networking:
  podSubnet: \"10.244.0.0/16\"
  serviceSubnet: \"10.96.0.0/12\"
---
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: systemd
---
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: \"ipvs\"
"
    );
    assert_eq!(sb.read("root/.kube/config"), "apiVersion\n");
    let o = sb.run_step(Some(StepId::Init), &code);
    assert!(stdout(&o).contains("::kw::result skipped"));
    assert_eq!(
        sb.read("kubeadm.log").lines().count(),
        1,
        "init never runs twice"
    );
}

#[test]
fn held_debian_packages_count_as_installed() {
    let sb = Sandbox::new();
    sb.write("os-release", UBUNTU);
    sb.tool(
        "dpkg-query",
        "case \"$*\" in\n *Status*kubeadm*) echo -n 'hold ok installed' ;;\n *Version*kubeadm*) echo -n '1.28.2-1.1' ;;\n *Status*kubectl*) echo -n 'deinstall ok config-files' ;;\n *) exit 1 ;;\nesac",
    );
    let o = sb.run_step(
        Some(StepId::Packages),
        "echo \"[$(kw_installed_version kubeadm)] [$(kw_installed_version kubectl)] [$(kw_installed_version kubelet)]\"",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "[1.28.2] [] []\n");
}

/// The engine sends `{ exec </dev/null; echo "::kw::pgid $PPID"; <script>; }` to bash:
/// every planned script parses inside that wrapper (heredocs, functions, the shebang line).
#[test]
fn every_script_parses_inside_the_engine_wrapper() {
    use kubewiz::catalog::Catalog;
    use kubewiz::config::ClusterConfig;
    let text = include_str!("plan_build_seed.toml");
    let cfg: ClusterConfig = toml::from_str(text).unwrap();
    let p = plan::build(&cfg, Catalog::builtin()).unwrap();
    let mut scripts: Vec<String> = p
        .tasks
        .iter()
        .filter(|t| matches!(t.kind, kubewiz::plan::TaskKind::Remote(_)))
        .map(|t| p.render(t))
        .collect();
    scripts.push(p.mint_script(true));
    scripts.push(p.reset_script());
    for s in scripts {
        let wrapped = format!("{{\nexec </dev/null\necho \"::kw::pgid $PPID\"\n{s}\n}}\n");
        let o = Command::new("bash")
            .args(["-n", "-c", &wrapped])
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{}\n{}",
            stderr(&o),
            s.lines().nth(2).unwrap_or("")
        );
    }
}

#[test]
fn a_wrapped_script_runs_from_stdin_like_the_engine_sends_it() {
    let sb = Sandbox::new();
    let body = format!(
        "{}KW_STEP=demo\ncheck() {{ [[ -f ./done ]]; }}\napply() {{ cat >/dev/null; touch ./done; }}\nkw_main\n",
        sb.prelude(None)
    );
    let wrapped = format!("{{\nexec </dev/null\necho \"::kw::pgid $PPID\"\n{body}\n}}\n");
    let o = sb.run_script(&wrapped);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("::kw::pgid "), "{out}");
    assert!(out.ends_with("::kw::result applied\n"), "{out}");
}

/// A fake kubectl for the `ready` step: `get node` answers from ./node-state (absent: the node
/// is not registered); `wait` returns as a watch does when the node turns Ready (it flips the
/// state after a moment), unless ./never exists. Every call is logged to ./kubectl.log.
fn ready_sandbox() -> Sandbox {
    let sb = Sandbox::new();
    let d = sb.path().display().to_string();
    sb.tool(
        "kubectl",
        &format!(
            r#"echo "$*" >> {d}/kubectl.log
case " $* " in
  *" wait "*)
    sleep 0.3
    [[ -f {d}/never ]] && {{ echo "error: timed out waiting for the condition on nodes/w1" >&2; exit 1; }}
    echo True > {d}/node-state; echo "node/w1 condition met"; exit 0 ;;
  *" get node "*)
    [[ -f {d}/node-state ]] || {{ echo 'Error from server (NotFound): nodes "w1" not found' >&2; exit 1; }}
    cat {d}/node-state; exit 0 ;;
esac
exit 2"#
        ),
    );
    sb
}

#[test]
fn ready_watches_a_registered_node_until_it_turns_ready() {
    let sb = ready_sandbox();
    sb.write("node-state", "False\n");
    let o = sb.run_step(
        Some(StepId::Ready),
        "KW_STEP=ready KW_TARGET_NODE=w1 KW_READY_DEADLINE=30\nkw_main",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("::kw::fact node_state=NotReady\n"), "{out}");
    assert!(out.contains("::kw::fact node_state=Ready\n"), "{out}");
    assert!(out.contains("[ready] w1 is Ready after"), "{out}");
    let log = sb.read("kubectl.log");
    assert!(
        log.contains("wait --for=condition=Ready node/w1 --timeout=10s"),
        "{log}"
    );
    assert!(log.contains("--request-timeout=10s get node w1"), "{log}");
    // The wait is only a read: no trace on the node.
    assert_eq!(sb.read("log/steps.log"), "");
}

#[test]
fn ready_gives_up_at_its_deadline_naming_the_node_its_state_and_where_to_look() {
    let sb = ready_sandbox();
    let t = std::time::Instant::now();
    let o = sb.run_step(
        Some(StepId::Ready),
        "KW_STEP=ready KW_TARGET_NODE=w1 KW_READY_DEADLINE=2\nkw_main",
    );
    assert!(!o.status.success());
    // It gives up (an unregistered node would otherwise be polled forever); the bound is
    // loose because the machine may be loaded.
    assert!(t.elapsed().as_secs() < 120, "{:?}", t.elapsed());
    let err = stderr(&o);
    assert!(
        err.contains("w1 is not Ready after 2 s (state: not-registered)"),
        "{err}"
    );
    assert!(stdout(&o).contains("::kw::hint look at the node: kubectl describe node w1"));
    // An unregistered node is polled (get), not watched: `kubectl wait` would fail at once.
    assert!(!sb.read("kubectl.log").contains("wait"));
    // Registered but never Ready: watched in 10 s rounds until the deadline.
    let sb = ready_sandbox();
    sb.write("node-state", "False\n");
    sb.write("never", "");
    let o = sb.run_step(
        Some(StepId::Ready),
        "KW_STEP=ready KW_TARGET_NODE=w1 KW_READY_DEADLINE=1\nkw_main",
    );
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("w1 is not Ready after 1 s (state: NotReady)"),
        "{}",
        stderr(&o)
    );
}

/// containerd too old for the Kubernetes chosen: the hint never tells the user to do what
/// kubewiz just did (install containerd.io from the docker-ce repository) (issue 12 item 2).
#[test]
fn containerd_too_old_hint_follows_what_was_done() {
    // Installed by kubewiz in this run: the repositories have nothing newer.
    let sb = Sandbox::new();
    sb.write(
        "os-release",
        &CENTOS7.replace(
            "VERSION_ID",
            "PRETTY_NAME=\"CentOS Linux 7 (Core)\"\nVERSION_ID",
        ),
    );
    let fake = format!(
        "printf '#!/usr/bin/env bash\\necho containerd containerd.io 1.6.33 abc\\n' > {}/containerd; chmod +x {}/containerd",
        sb.bin().display(),
        sb.bin().display()
    );
    let o = sb.run_step(
        Some(StepId::Containerd),
        &format!("KW_SANDBOX_IMAGE=registry.k8s.io/pause:3.10.2\nKW_DOCKER_RPM_BASE=https://download.docker.com\nKW_CONTAINERD_ACCEPT='2.3.0 2.2.0'\ninstall_containerd() {{ {fake}; }}\napply"),
    );
    assert!(!o.status.success());
    let out = stdout(&o);
    let hint = out
        .lines()
        .find(|l| l.starts_with("::kw::hint "))
        .unwrap_or_else(|| panic!("a hint: {out}\n{}", stderr(&o)));
    assert!(
        hint.contains("kubewiz just installed containerd 1.6.33")
            && hint.contains("CentOS Linux 7 (Core)")
            && hint.contains("choose an older Kubernetes"),
        "{hint}"
    );
    assert!(!hint.contains("docker-ce"), "{hint}");
    assert!(
        stderr(&o).contains("containerd 1.6.33 is installed; the matrix wants 2.3.0+, 2.2.0+"),
        "{}",
        stderr(&o)
    );

    // Found installed and nothing newer in the repositories: say that, not "just installed".
    let sb = Sandbox::new();
    sb.write("os-release", CENTOS7);
    sb.tool(
        "containerd",
        "echo containerd github.com/containerd/containerd 1.4.13 abc",
    );
    let o = sb.run_step(
        Some(StepId::Containerd),
        "KW_SANDBOX_IMAGE=registry.k8s.io/pause:3.10.2\nKW_DOCKER_RPM_BASE=https://download.docker.com\nKW_CONTAINERD_ACCEPT='2.3.0 2.2.0'\ninstall_containerd() { :; }\napply",
    );
    assert!(!o.status.success());
    let out = stdout(&o);
    let hint = out
        .lines()
        .find(|l| l.starts_with("::kw::hint "))
        .unwrap_or("");
    assert!(
        hint.contains(
            "containerd 1.4.13 is installed and the repositories offer nothing in the matrix"
        ),
        "{hint}"
    );
    assert!(
        !hint.contains("just installed") && !hint.contains("docker-ce"),
        "{hint}"
    );
}

/// A failed package-manager command is named in the error with its last line (not the locking
/// wrapper around it); another program's yum holding its pid file is waited for and named.
#[test]
fn package_manager_failures_name_the_command_and_foreign_locks_are_waited_for() {
    let sb = Sandbox::new();
    sb.write("os-release", ROCKY9);
    sb.tool(
        "dnf",
        "echo \"Errors during downloading metadata for repository 'baseos':\"\n\
         echo \"Error: Failed to download metadata for repo 'baseos': Cannot download repomd.xml\" >&2\nexit 1",
    );
    let o = sb.run_step(
        None,
        "KW_STEP=repos\nkw_pkg dnf -q makecache\necho not-reached",
    );
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains(
            "[repos] error: dnf -q makecache failed with exit code 1: Error: Failed to download metadata for repo 'baseos': Cannot download repomd.xml"
        ),
        "{err}"
    );
    assert!(!err.contains("flock") && !err.contains("kw_pkg"), "{err}");
    assert!(!stdout(&o).contains("not-reached"));

    // Another dnf (a live process other than this one) named in dnf's pid file: waited for, named.
    let sb = Sandbox::new();
    sb.write("os-release", ROCKY9);
    sb.tool("dnf", "echo installed \"$@\"");
    let d = sb.path().display().to_string();
    let code = format!(
        "KW_STEP=packages\nsleep 3 & holder=$!\necho \"$holder\" > {d}/rpmdb_lock.pid\n\
         kw_pkg_foreign() {{ kill -0 \"$holder\" 2>/dev/null && kw_pid_file_holder {d}/rpmdb_lock.pid; return 0; }}\n\
         kw_pkg dnf -y install socat\n"
    );
    let o = sb.run_step(None, &code);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(&format!(
            "[packages] waiting for another package manager run: {d}/rpmdb_lock.pid is held by process"
        )) && err.contains("(sleep)"),
        "{err}"
    );
    assert!(
        err.contains("the package manager is free again after"),
        "{err}"
    );
    assert!(
        stdout(&o).contains("installed -y install socat"),
        "{}",
        stdout(&o)
    );
}

/// The cni step on a cluster that already runs the other pod network (machines reused from
/// another install, the journal gone: init finds the cluster in place) refuses to put a second
/// one beside it, naming what runs and what to do: "You can install only one Pod network per
/// cluster" (kubernetes.io, create-cluster-kubeadm, "Installing a Pod network add-on"); moving
/// from flannel to calico is a migration of its own (docs.tigera.io, "Migrate a Kubernetes
/// cluster from flannel/Canal to Calico"). Found walking the wizard by hand (walk.md).
#[test]
fn cni_refuses_a_second_pod_network() {
    for (wanted, running, ds) in [
        ("calico", "flannel", "kube-flannel-ds"),
        ("flannel", "calico", "calico-node"),
    ] {
        let sb = Sandbox::new();
        let d = sb.path().display().to_string();
        sb.tool(
            "kubectl",
            &format!(
                "echo \"$*\" >> {d}/kubectl.log\n\
                 case \" $* \" in *\" get daemonsets \"*) cat {d}/daemonsets ;; esac\nexit 0"
            ),
        );
        sb.write(
            "daemonsets",
            &format!("daemonset.apps/kube-proxy\ndaemonset.apps/{ds}\n"),
        );
        let manifest = sb.write("cni.yaml", "net: \"10.244.0.0/16\"\n");
        let o = sb.run_step(
            Some(StepId::Cni),
            &format!(
                "KW_STEP=cni KW_CNI={wanted} KW_CNI_MANIFEST_PATH={} KW_POD_CIDR=10.244.0.0/16\nkw_main",
                manifest.display()
            ),
        );
        assert!(
            !o.status.success(),
            "{wanted} over {running}: {}",
            stdout(&o)
        );
        let err = stderr(&o);
        assert!(
            err.contains(&format!(
                "this cluster already runs {running} (daemonset {ds})"
            )),
            "{err}"
        );
        assert!(
            stdout(&o).contains(&format!(
                "::kw::hint set cni = \"{running}\" in cluster.toml"
            )),
            "{}",
            stdout(&o)
        );
        assert!(
            !sb.read("kubectl.log").contains("apply"),
            "{}",
            sb.read("kubectl.log")
        );
        // Nothing of the other network: the wanted one is applied.
        sb.write("daemonsets", "daemonset.apps/kube-proxy\n");
        let o = sb.run_step(
            Some(StepId::Cni),
            &format!(
                "KW_STEP=cni KW_CNI={wanted} KW_CNI_MANIFEST_PATH={} KW_POD_CIDR=10.244.0.0/16\napply",
                manifest.display()
            ),
        );
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(
            sb.read("kubectl.log")
                .contains(&format!("apply -f {}", manifest.display()))
        );
    }
}

/// A control plane that already runs a cluster (machines reused from another install, the
/// journal gone) made with other networks than cluster.toml's: init refuses to take it over,
/// naming what the cluster has (kube-system/kubeadm-config, as `kubeadm init` uploads it:
/// kubernetes cmd/kubeadm/app/constants/constants.go ClusterConfigurationConfigMapKey), and
/// writes nothing; the same networks are taken over as before. Found walking the wizard by
/// hand (walk.md): the cni step then patched the manifest with cluster.toml's pod CIDR.
#[test]
fn init_refuses_a_cluster_in_place_with_other_networks() {
    let sb = Sandbox::new();
    let d = sb.path().display().to_string();
    sb.tool("kubeadm", &format!("echo \"$*\" >> {d}/kubeadm.log"));
    sb.tool(
        "kubectl",
        &format!(
            "case \" $* \" in *\" get configmap kubeadm-config \"*) cat {d}/cc ;; esac\nexit 0"
        ),
    );
    sb.write("admin.conf", "apiVersion\n");
    // kubeadm's upload: unquoted values, the other fields around them.
    let uploaded = |pod: &str| {
        format!(
            "apiServer: {{}}\napiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\nkubernetesVersion: v1.25.3\n\
             networking:\n  dnsDomain: cluster.local\n  podSubnet: {pod}\n  serviceSubnet: 10.96.0.0/12\nscheduler: {{}}\n"
        )
    };
    sb.write("cc", &uploaded("10.50.0.0/16"));
    let code = seed_init_code(&sb);
    let o = sb.run_step(Some(StepId::Init), &code);
    assert!(!o.status.success(), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(
        err.contains("k8s-master already runs a cluster initialised with pod CIDR 10.50.0.0/16 (cluster.toml: 10.244.0.0/16)"),
        "{err}"
    );
    assert!(
        stdout(&o).contains(
            "::kw::hint set pod_cidr and service_cidr in cluster.toml to what the cluster has"
        ),
        "{}",
        stdout(&o)
    );
    assert_eq!(sb.read("kubeadm.log"), "", "kubeadm never runs");
    assert_eq!(
        sb.read("k8s/kubewiz-kubeadm.yaml"),
        "",
        "the cluster's config file is left alone"
    );
    // The same networks: taken over (the root kubeconfig installed), kubeadm not run.
    sb.write("cc", &uploaded("10.244.0.0/16"));
    let o = sb.run_step(Some(StepId::Init), &code);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("::kw::result applied"),
        "{}",
        stdout(&o)
    );
    assert_eq!(sb.read("root/.kube/config"), "apiVersion\n");
    assert_eq!(sb.read("kubeadm.log"), "");
}
