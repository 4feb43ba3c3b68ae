//! Smoke test of the test fleet: real sshd per host reached with the real `ssh` client, the node
//! simulator refusing what real tools refuse, and a mini cluster built by hand.
mod fleet;

use fleet::{Flavour, Fleet, HostSpec};
use std::time::Instant;

fn ssh(f: &Fleet, h: &fleet::Host, cmd: &str) -> (bool, String, String) {
    let o = f.ssh(h, "root").arg(cmd).output().unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn ssh_ok(f: &Fleet, h: &fleet::Host, cmd: &str) -> String {
    let (ok, out, errs) = ssh(f, h, cmd);
    assert!(ok, "[{}] `{cmd}` failed:\n{out}\n{errs}", h.name);
    out
}

const K8S_REPO_EL: &str = "[kubernetes]\nname=Kubernetes\nbaseurl=https://mirrors.aliyun.com/kubernetes/yum/repos/kubernetes-el7-x86_64/\nenabled=1\ngpgcheck=0\nrepo_gpgcheck=0\nexclude=kubelet kubeadm kubectl cri-tools kubernetes-cni\n";

/// Prepares a node by hand the way the step scripts do (kept minimal: real tools' order).
fn prepare(f: &Fleet, h: &fleet::Host, name: &str) {
    ssh_ok(f, h, &format!("hostnamectl set-hostname {name}"));
    let hosts: String = f
        .hosts
        .iter()
        .zip(["cp", "w1", "w2"])
        .map(|(h, n)| format!("{} {n}\n", h.address))
        .collect();
    ssh_ok(
        f,
        h,
        &format!("printf '{hosts}' >> /etc/hosts; swapoff -a; sed -i '/ swap /s/^/#/' /etc/fstab"),
    );
    ssh_ok(
        f,
        h,
        "modprobe overlay && modprobe br_netfilter && printf 'net.ipv4.ip_forward = 1\\nnet.bridge.bridge-nf-call-iptables = 1\\n' > /etc/sysctl.d/k8s.conf && sysctl --system",
    );
}

#[test]
fn fleet_smoke() {
    let Some(()) = fleet::require_root_or_skip() else {
        return;
    };
    let t0 = Instant::now();
    let f = Fleet::start(vec![
        HostSpec::new("cp", Flavour::Centos7),
        HostSpec::new("w1", Flavour::Rocky9).profile("join_discovery_timeout", 2.0),
        HostSpec::new("w2", Flavour::Ubuntu2204).profile("join_discovery_timeout", 2.0),
    ]);
    let boot = t0.elapsed();
    eprintln!("3-host fleet up in {boot:?}");
    assert!(
        boot.as_secs() < 30,
        "a 3-host fleet should start in seconds, took {boot:?}"
    );
    let (cp, w1, w2) = (&f.hosts[0], &f.hosts[1], &f.hosts[2]);

    // Real ssh, real host keys recorded by accept-new.
    for (h, id, kernel) in [
        (cp, "ID=\"centos\"", "3.10.0-1160.el7.x86_64"),
        (w1, "ID=\"rocky\"", "5.14.0-362.el9.x86_64"),
        (w2, "ID=ubuntu", "5.15.0-91-generic"),
    ] {
        let out = ssh_ok(&f, h, "cat /etc/os-release; uname -r; hostname");
        assert!(out.contains(id), "{out}");
        assert!(out.contains(kernel), "{out}");
    }
    let kh = std::fs::read_to_string(f.known_hosts_path()).unwrap();
    assert_eq!(kh.lines().count(), 3, "{kh}");
    assert!(ssh_ok(&f, cp, "hostname").trim() == "localhost.localdomain");
    assert!(ssh_ok(&f, cp, "stat -fc %T /sys/fs/cgroup").trim() == "tmpfs");
    assert!(ssh_ok(&f, w1, "stat -fc %T /sys/fs/cgroup").trim() == "cgroup2fs");
    assert_eq!(
        ssh_ok(&f, cp, "getenforce").trim(),
        "Enforcing",
        "SELinux starts enforcing"
    );
    assert_eq!(ssh_ok(&f, cp, "firewall-cmd --state").trim(), "running");
    assert!(ssh_ok(&f, w2, "swapon --show --noheadings").contains("/swap.img"));
    assert_ne!(
        cp.read_file("/sys/class/dmi/id/product_uuid"),
        w1.read_file("/sys/class/dmi/id/product_uuid")
    );
    assert_eq!(ssh_ok(&f, w2, "nproc").trim(), "2");

    // Package manager: a pinned kubeadm only after the repo is configured.
    let (ok, _o, e) = ssh(
        &f,
        cp,
        "yum -y install kubeadm-1.25.3-0 --disableexcludes=kubernetes",
    );
    assert!(!ok || !ssh(&f, cp, "rpm -q kubeadm").0, "{e}");
    assert!(!ssh(&f, cp, "command -v kubeadm").0);
    cp.write_file("/etc/yum.repos.d/kubernetes.repo", K8S_REPO_EL);
    let (ok, o, e) = ssh(&f, cp, "yum -y install kubeadm-1.25.3-0");
    assert!(
        !ok && o.contains("No package kubeadm-1.25.3-0 available.") && e.contains("Nothing to do"),
        "{o}{e}"
    );
    assert!(
        !ssh(&f, cp, "rpm -q kubeadm").0,
        "excluded without --disableexcludes"
    );
    ssh_ok(
        &f,
        cp,
        "yum -y install --disableexcludes=kubernetes kubeadm-1.25.3-0 kubelet-1.25.3-0 kubectl-1.25.3-0",
    );
    assert_eq!(ssh_ok(&f, cp, "kubeadm version -o short").trim(), "v1.25.3");
    let (ok, _, e) = ssh(&f, w1, "dnf -y install kubeadm-1.25.99");
    assert!(!ok && e.contains("Unable to find a match"), "{e}");

    // kernel modules by kernel version
    let (ok, _, e) = ssh(&f, w1, "modprobe nf_conntrack_ipv4");
    assert!(
        !ok && e.contains("FATAL: Module nf_conntrack_ipv4 not found in directory /lib/modules/5.14.0-362.el9.x86_64"),
        "{e}"
    );
    ssh_ok(&f, cp, "modprobe nf_conntrack_ipv4");
    assert!(ssh_ok(&f, cp, "lsmod").contains("nf_conntrack_ipv4"));

    // containerd from the docker-ce repo (CRI disabled by its packaged config)
    ssh_ok(
        &f,
        cp,
        "yum -y install yum-utils && yum-config-manager --add-repo https://mirrors.aliyun.com/docker-ce/linux/centos/docker-ce.repo && yum -y install containerd.io-1.6.33 && systemctl enable --now containerd",
    );
    let (ok, _, e) = ssh(
        &f,
        cp,
        "crictl --runtime-endpoint unix:///run/containerd/containerd.sock info",
    );
    assert!(
        !ok && e.contains("unknown service runtime.v1.RuntimeService"),
        "{e}"
    );

    // kubeadm init refuses with swap on (and ip_forward 0, CRI disabled)
    let (ok, _, e) = ssh(&f, cp, "kubeadm init --pod-network-cidr 10.244.0.0/16");
    assert!(!ok, "init must fail");
    assert!(e.contains("[ERROR Swap]"), "{e}");
    assert!(e.contains("[ERROR CRI]"), "{e}");
    assert!(e.contains("ip_forward contents are not set to 1"), "{e}");

    // Prepare all three by hand.
    prepare(&f, cp, "cp");
    ssh_ok(
        &f,
        cp,
        "containerd config default | sed 's/SystemdCgroup = false/SystemdCgroup = true/' > /etc/containerd/config.toml && systemctl restart containerd && crictl --runtime-endpoint unix:///run/containerd/containerd.sock info >/dev/null",
    );
    ssh_ok(&f, cp, "systemctl enable kubelet");
    let init = ssh_ok(
        &f,
        cp,
        "kubeadm init --pod-network-cidr 10.244.0.0/16 --image-repository registry.aliyuncs.com/google_containers --kubernetes-version v1.25.3",
    );
    assert!(init.contains("initialized successfully"), "{init}");
    assert!(cp.read_file("/etc/kubernetes/admin.conf").is_some());
    let (ok, _, e) = ssh(&f, cp, "kubeadm init --pod-network-cidr 10.244.0.0/16");
    assert!(
        !ok && e.contains("[ERROR FileAvailable--etc-kubernetes-manifests-kube-apiserver.yaml]"),
        "{e}"
    );
    assert!(e.contains("[ERROR Port-6443]"), "{e}");
    let join = ssh_ok(
        &f,
        cp,
        "kubeadm token create --print-join-command --kubeconfig /etc/kubernetes/admin.conf",
    );
    // firewalld (running on a fresh CentOS) rejects everything but ssh: stop it like the seed says.
    let probe = format!("timeout 3 bash -c 'exec 3<>/dev/tcp/{}/6443'", cp.address);
    let (ok, _, e) = ssh(&f, w1, &probe);
    assert!(!ok && e.contains("No route to host"), "{e}");
    ssh_ok(&f, cp, "systemctl disable --now firewalld");
    ssh_ok(&f, w1, &probe);
    assert!(join.starts_with("kubeadm join "), "{join}");

    // worker: Rocky 9 with containerd from docker-ce, SystemdCgroup left false at first
    prepare(&f, w1, "w1");
    w1.write_file(
        "/etc/yum.repos.d/kubernetes.repo",
        "[kubernetes]\nname=Kubernetes\nbaseurl=https://pkgs.k8s.io/core:/stable:/v1.25/rpm/\nenabled=1\ngpgcheck=1\ngpgkey=https://pkgs.k8s.io/core:/stable:/v1.25/rpm/repodata/repomd.xml.key\nexclude=kubelet kubeadm kubectl cri-tools kubernetes-cni\n",
    );
    ssh_ok(
        &f,
        w1,
        "dnf config-manager --add-repo https://download.docker.com/linux/centos/docker-ce.repo && dnf -y install containerd.io-1.7.28 && containerd config default > /etc/containerd/config.toml && systemctl enable --now containerd && dnf -y install --disableexcludes=kubernetes kubeadm-1.25.3 kubelet-1.25.3 && systemctl enable kubelet",
    );
    let bad = join.replace("--token ", "--token abcdef.0123456789abcdef --ignored ");
    let (ok, _, e) = ssh(&f, w1, bad.trim());
    assert!(!ok, "a wrong token must fail: {e}");
    ssh_ok(&f, w1, join.trim());
    let nodes = ssh_ok(
        &f,
        cp,
        "kubectl --kubeconfig=/etc/kubernetes/admin.conf get nodes",
    );
    assert!(nodes.contains("cp ") && nodes.contains("w1 "), "{nodes}");
    assert!(!nodes.contains(" Ready "), "no CNI yet: {nodes}");

    // CNI: flannel with the right network -> cp Ready; w1 still NotReady (SystemdCgroup false)
    ssh_ok(
        &f,
        cp,
        "printf 'apiVersion: apps/v1\\nkind: DaemonSet\\nmetadata:\\n  name: kube-flannel-ds\\n  namespace: kube-flannel\\n---\\nkind: ConfigMap\\napiVersion: v1\\nmetadata:\\n  name: kube-flannel-cfg\\n  namespace: kube-flannel\\ndata:\\n  net-conf.json: |\\n    {\\n      \"Network\": \"10.244.0.0/16\"\\n    }\\n' > /root/flannel.yml && kubectl --kubeconfig=/etc/kubernetes/admin.conf apply -f /root/flannel.yml",
    );
    let ready = |h: &str| {
        ssh_ok(
            &f,
            cp,
            &format!(
                "kubectl --kubeconfig=/etc/kubernetes/admin.conf get node {h} -o jsonpath='{{.status.conditions[?(@.type==\"Ready\")].status}}'"
            ),
        )
    };
    let deadline = Instant::now() + std::time::Duration::from_secs(120);
    while ready("cp") != "True" && Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
    assert_eq!(ready("cp"), "True");
    assert_ne!(ready("w1"), "True", "SystemdCgroup is false on w1");
    ssh_ok(
        &f,
        w1,
        "sed -i 's/SystemdCgroup = false/SystemdCgroup = true/' /etc/containerd/config.toml && systemctl restart containerd",
    );
    let deadline = Instant::now() + std::time::Duration::from_secs(120);
    while ready("w1") != "True" && Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
    assert_eq!(ready("w1"), "True");
    eprintln!(
        "{}",
        ssh_ok(
            &f,
            cp,
            "kubectl --kubeconfig=/etc/kubernetes/admin.conf get nodes -o wide"
        )
    );
    // A join token aged past its 24 h TTL is refused like the real kubeadm refuses it.
    cp.age_cluster_secrets(25 * 3600);
    let (ok, _, e) = ssh(
        &f,
        w1,
        &format!("{} --ignore-preflight-errors=all", join.trim()),
    );
    assert!(
        !ok && e.contains("could not find a JWS signature in the cluster-info ConfigMap"),
        "{e}"
    );
    eprintln!("calls on cp: {}", cp.calls().len());
    assert!(cp.calls().iter().any(|l| l.contains("kubeadm init")));
    let _ = w2;
}

#[test]
fn fleet_faults() {
    let Some(()) = fleet::require_root_or_skip() else {
        return;
    };
    let f = Fleet::start(vec![HostSpec::new("u", Flavour::Ubuntu2204)]);
    let h = &f.hosts[0];
    ssh_ok(
        &f,
        h,
        "swapoff -a && modprobe br_netfilter && sysctl -w net.ipv4.ip_forward=1",
    );
    assert!(
        ssh_ok(&f, h, "swapon --show --noheadings")
            .trim()
            .is_empty()
    );
    h.exec_ok("echo overlay > /etc/modules-load.d/k.conf");
    // reboot: runtime state gone, files kept, boot replays fstab swap and modules-load.d
    h.reboot();
    assert!(ssh_ok(&f, h, "swapon --show --noheadings").contains("/swap.img"));
    assert_eq!(ssh_ok(&f, h, "sysctl -n net.ipv4.ip_forward").trim(), "0");
    let lsmod = ssh_ok(&f, h, "lsmod");
    assert!(
        lsmod.contains("overlay") && !lsmod.contains("br_netfilter"),
        "{lsmod}"
    );
    assert!(h.read_file("/etc/modules-load.d/k.conf").is_some());
    // a changed host key is refused by ssh with the fleet's known_hosts
    h.swap_host_key();
    let (ok, _, e) = ssh(&f, h, "true");
    assert!(!ok && e.contains("HOST IDENTIFICATION HAS CHANGED"), "{e}");
    // network down: no TCP connection; up again: back
    h.net_down();
    let addr: std::net::SocketAddr = format!("{}:22", h.address).parse().unwrap();
    assert!(
        std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_secs(1)).is_err()
    );
    h.net_up();
    assert!(
        std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_secs(30)).is_ok()
    );
    h.restart_sshd();
    std::fs::write(f.known_hosts_path(), "").unwrap(); // forget the swapped key
    // injected tool faults, seen through ssh (PATH has /usr/local/sbin first, like sudo's secure_path)
    h.make_tool_fail("modprobe", 3, "simulated failure");
    let (ok, _, e) = ssh(&f, h, "modprobe overlay");
    assert!(!ok && e.contains("simulated failure"), "{e}");
    h.make_tool_hang("modprobe");
    let (ok, _, _) = ssh(&f, h, "timeout 1 modprobe overlay");
    assert!(!ok);
    h.restore_tool("modprobe");
    ssh_ok(&f, h, "modprobe overlay");
}

#[test]
fn fleet_users_and_passwords() {
    let Some(()) = fleet::require_root_or_skip() else {
        return;
    };
    let f = Fleet::start(vec![
        HostSpec::new("ops", Flavour::Rocky9).user("ops", fleet::Sudo::NoPassword),
        HostSpec::new("nosudo", Flavour::Ubuntu2204).user("dev", fleet::Sudo::Password),
        HostSpec::new("pw", Flavour::Centos7).root_password("s3cret-pw"),
    ]);
    let run = |h: &fleet::Host, user: &str, cmd: &str| {
        let o = f.ssh(h, user).arg(cmd).output().unwrap();
        (
            o.status.success(),
            String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr),
        )
    };
    let (ok, out) = run(&f.hosts[0], "ops", "id -u; sudo -n id -u");
    assert!(ok, "{out}");
    assert!(
        out.lines().any(|l| l == "0") && !out.starts_with("0"),
        "{out}"
    );
    // the engine's form: the script on stdin of `sudo -n timeout ... bash -c READ_AND_RUN`
    let o = f
        .ssh(&f.hosts[0], "ops")
        .arg(format!(
            "sudo -n timeout --kill-after=10 30 bash -c {}",
            kubewiz::plan::shell_quote(kubewiz::ssh::READ_AND_RUN)
        ))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin
                .take()
                .unwrap()
                .write_all(b"{ id -u; systemctl is-active firewalld; }\n")?;
            c.wait_with_output()
        })
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success() && out.starts_with("0\nactive"), "{o:?}");
    let (ok, out) = run(&f.hosts[0], "root", "true");
    assert!(ok, "root keeps the fleet key: {out}");
    let (ok, out) = run(&f.hosts[1], "dev", "sudo -n true");
    assert!(!ok && out.contains("a password is required"), "{out}");
    // password-only root: the key is refused, the password works (sshpass)
    let (ok, _) = run(&f.hosts[2], "root", "true");
    assert!(!ok, "no authorized key on a password-only host");
    let o = std::process::Command::new("sshpass")
        .args([
            "-p",
            "s3cret-pw",
            "ssh",
            "-o",
            "StrictHostKeyChecking=accept-new",
            "-o",
        ])
        .arg(format!(
            "UserKnownHostsFile={}",
            f.known_hosts_path().display()
        ))
        .args(["-o", "PubkeyAuthentication=no"])
        .arg(format!("root@{}", f.hosts[2].address))
        .arg("id -u")
        .output()
        .unwrap();
    assert!(
        o.status.success() && String::from_utf8_lossy(&o.stdout).trim() == "0",
        "{o:?}"
    );
}

/// A 30-host fleet (the size the benchmarks use): `cargo test --test fleet_smoke -- --ignored`.
#[test]
#[ignore]
fn fleet_of_30() {
    let Some(()) = fleet::require_root_or_skip() else {
        return;
    };
    let t0 = Instant::now();
    let specs = (0..30)
        .map(|i| {
            let fl = [Flavour::Centos7, Flavour::Rocky9, Flavour::Ubuntu2204][i % 3];
            HostSpec::new(&format!("n{i:02}"), fl)
        })
        .collect();
    let f = Fleet::start(specs);
    eprintln!("30-host fleet up in {:?}", t0.elapsed());
    for h in &f.hosts {
        assert_eq!(
            h.exec_ok("uname -r").trim(),
            h.spec.flavour.default_kernel()
        );
    }
}

#[test]
fn fleet_debian_clock_and_hardware() {
    let Some(()) = fleet::require_root_or_skip() else {
        return;
    };
    let f = Fleet::start(vec![
        HostSpec::new("d", Flavour::Debian12)
            .clock_offset_secs(300)
            .cpus(1)
            .memory_mb(1024)
            .swap_mb(0),
    ]);
    let h = &f.hosts[0];
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let node: i64 = h.exec_ok("date +%s").trim().parse().unwrap();
    assert!(
        (node - now - 300).abs() < 5,
        "clock offset: {node} vs {now}"
    );
    assert_eq!(h.exec_ok("nproc").trim(), "1");
    assert!(h.exec_ok("grep -c ^processor /proc/cpuinfo").trim() == "1");
    let mem = h.exec_ok("awk '/^MemTotal:/ {print int($2/1024)}' /proc/meminfo");
    assert!(mem.trim().parse::<u64>().unwrap() < 1700, "{mem}");
    assert!(h.exec_ok("swapon --show --noheadings").trim().is_empty());
    assert!(h.exec_ok("cat /etc/os-release").contains("ID=debian"));
    let (ok, _, e) = ssh(&f, h, "kubeadm version");
    assert!(!ok && e.contains("command not found"), "{e}");
}

#[test]
fn fleet_centos7_eol_repos() {
    let Some(()) = fleet::require_root_or_skip() else {
        return;
    };
    let f = Fleet::start(vec![
        HostSpec::new("old", Flavour::Centos7).centos_eol_repos(),
    ]);
    let h = &f.hosts[0];
    let o = h.exec("yum -y install ipset");
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && e.contains("mirrorlist.centos.org"),
        "{e}"
    );
    h.exec_ok("sed -i -e 's/^mirrorlist=/#mirrorlist=/' -e 's|^#baseurl=http://mirror.centos.org/centos/$releasever|baseurl=http://vault.centos.org/7.9.2009|' /etc/yum.repos.d/CentOS-Base.repo");
    h.exec_ok("yum -y install ipset");
}

#[test]
fn fleet_rocky8_and_ubuntu2404() {
    let Some(()) = fleet::require_root_or_skip() else {
        return;
    };
    let f = Fleet::start(vec![
        HostSpec::new("r8", Flavour::Rocky8),
        HostSpec::new("u24", Flavour::Ubuntu2404),
    ]);
    let (r8, u24) = (&f.hosts[0], &f.hosts[1]);
    assert!(
        r8.exec_ok("cat /etc/os-release")
            .contains("VERSION_ID=\"8.9\"")
    );
    assert_eq!(r8.exec_ok("stat -fc %T /sys/fs/cgroup").trim(), "tmpfs");
    // RHEL 8's 4.18 already merged nf_conntrack_ipv4 into nf_conntrack
    assert!(!r8.exec("modprobe nf_conntrack_ipv4").status.success());
    r8.exec_ok("modprobe nf_conntrack");
    r8.exec_ok("dnf -y install ipset");
    assert!(
        u24.exec_ok("cat /etc/os-release")
            .contains("VERSION_CODENAME=noble")
    );
    u24.exec_ok("apt-get update -q && apt-get install -y containerd");
    assert!(u24.exec_ok("containerd --version").contains("1.7.24"));
}

/// Turns a fresh Rocky 9 host into an initialised single control plane (by hand, with real-tool steps).
fn quick_control_plane(h: &fleet::Host, pod_cidr: &str) {
    h.exec_ok(
        "systemctl disable --now firewalld && swapoff -a && sed -i '/ swap /s/^/#/' /etc/fstab && \
         modprobe br_netfilter && sysctl -w net.ipv4.ip_forward=1 >/dev/null && \
         printf '127.0.0.1 cp\\n' >> /etc/hosts && hostnamectl set-hostname cp && \
         dnf config-manager --add-repo https://download.docker.com/linux/centos/docker-ce.repo && \
         dnf -y install containerd.io-1.7.28 >/dev/null && \
         containerd config default | sed 's/SystemdCgroup = false/SystemdCgroup = true/' > /etc/containerd/config.toml && \
         systemctl enable --now containerd",
    );
    h.write_file(
        "/etc/yum.repos.d/kubernetes.repo",
        "[kubernetes]\nname=Kubernetes\nbaseurl=https://pkgs.k8s.io/core:/stable:/v1.30/rpm/\nenabled=1\ngpgcheck=1\ngpgkey=https://pkgs.k8s.io/core:/stable:/v1.30/rpm/repodata/repomd.xml.key\nexclude=kubelet kubeadm kubectl cri-tools kubernetes-cni\n",
    );
    h.exec_ok(
        "dnf -y install --disableexcludes=kubernetes kubeadm-1.30.14 kubelet-1.30.14 kubectl-1.30.14 >/dev/null && systemctl enable kubelet",
    );
    h.exec_ok(&format!(
        "kubeadm init --pod-network-cidr {pod_cidr} --kubernetes-version v1.30.14 >/dev/null"
    ));
}

#[test]
fn fleet_cni_must_match_the_pod_cidr() {
    let Some(()) = fleet::require_root_or_skip() else {
        return;
    };
    let f = Fleet::start(vec![HostSpec::new("cp", Flavour::Rocky9)]);
    let h = &f.hosts[0];
    quick_control_plane(h, "10.224.0.0/16");
    let kc = "kubectl --kubeconfig=/etc/kubernetes/admin.conf";
    let flannel = |net: &str| {
        format!(
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: kube-flannel-ds\n  namespace: kube-flannel\n---\nkind: ConfigMap\napiVersion: v1\nmetadata:\n  name: kube-flannel-cfg\n  namespace: kube-flannel\ndata:\n  net-conf.json: |\n    {{\n      \"Network\": \"{net}\",\n      \"Backend\": {{ \"Type\": \"vxlan\" }}\n    }}\n"
        )
    };
    // the seed's mistake: kubeadm got 10.224.0.0/16, flannel keeps its default 10.244.0.0/16
    h.write_file("/root/flannel.yml", &flannel("10.244.0.0/16"));
    h.exec_ok(&format!("{kc} apply -f /root/flannel.yml"));
    std::thread::sleep(std::time::Duration::from_secs(2));
    let d = h.exec_ok(&format!("{kc} describe node cp"));
    assert!(d.contains("doesn't contain"), "{d}");
    assert!(
        h.exec_ok(&format!("{kc} get pods -A"))
            .contains("CrashLoopBackOff")
    );
    let st = h.exec_ok(&format!(
        "{kc} get node cp -o jsonpath='{{.status.conditions[?(@.type==\"Ready\")].status}}'"
    ));
    assert_eq!(st, "False");
    h.write_file("/root/flannel.yml", &flannel("10.224.0.0/16"));
    let out = h.exec_ok(&format!("{kc} apply -f /root/flannel.yml"));
    assert!(
        out.contains("configmap/kube-flannel-cfg configured"),
        "{out}"
    );
    let ok = h.exec_ok(&format!(
        "{kc} wait --for=condition=Ready node/cp --timeout=20s"
    ));
    assert!(ok.contains("condition met"), "{ok}");
}
