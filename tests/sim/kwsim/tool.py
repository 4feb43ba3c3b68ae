"""Entry point of every simulated command: dispatches on the name it was called by."""

import os
import sys

if __name__ == "__main__":
    sys.path.insert(0, "/usr/lib/kwsim")


def table():
    from kwsim import system as s

    def lazy(mod, fn):
        def run(argv):
            m = __import__("kwsim." + mod, fromlist=[fn])
            return getattr(m, fn)(argv)

        return run

    return {
        "systemctl": s.systemctl,
        "modprobe": s.modprobe,
        "lsmod": s.lsmod,
        "modinfo": s.modinfo,
        "sysctl": s.sysctl,
        "swapon": s.swapon,
        "swapoff": s.swapoff,
        "getenforce": s.getenforce,
        "setenforce": s.setenforce,
        "sestatus": s.sestatus,
        "hostnamectl": s.hostnamectl,
        "timedatectl": s.timedatectl,
        "date": s.date,
        "uname": s.uname,
        "nproc": s.nproc,
        "journalctl": s.journalctl,
        "firewall-cmd": s.firewall_cmd,
        "ufw": s.ufw,
        "curl": lazy("net", "curl"),
        "wget": lazy("net", "wget"),
        "yum": lazy("pkg", "yum"),
        "dnf": lazy("pkg", "yum"),
        "yum-config-manager": lazy("pkg", "yum_config_manager"),
        "rpm": lazy("pkg", "rpm"),
        "apt-get": lazy("pkg", "apt_get"),
        "apt": lazy("pkg", "apt_get"),
        "apt-cache": lazy("pkg", "apt_cache"),
        "apt-mark": lazy("pkg", "apt_mark"),
        "dpkg-query": lazy("pkg", "dpkg_query"),
        "dpkg": lazy("pkg", "dpkg"),
        "chronyc": lazy("net", "chronyc"),
        "ipvsadm": lazy("net", "ipvsadm"),
        "containerd": lazy("k8s", "containerd"),
        "ctr": lazy("k8s", "ctr"),
        "crictl": lazy("k8s", "crictl"),
        "kubeadm": lazy("k8s", "kubeadm"),
        "kubectl": lazy("k8s", "kubectl"),
        "kubelet": lazy("k8s", "kubelet"),
        "kwsim-ctl": lazy("k8s", "kwsim_ctl"),
        "kwsim-pkg-holder": lazy("pkg", "holder"),
        "conntrack": lazy("net", "present_tool"),
        "socat": lazy("net", "present_tool"),
        "ebtables": lazy("net", "present_tool"),
        "ethtool": lazy("net", "present_tool"),
        "tc": lazy("net", "present_tool"),
        "kwsim-apiserver": lazy("apiserver", "main"),
        "kwsim-init": s.init,
        "kwsim-prepare-boot": lambda argv: s.prepare_boot(),
        "kwsim-daemon": lambda argv: s.sleep_daemon(argv[1] if len(argv) > 1 else "daemon"),
    }


def main():
    name = os.path.basename(sys.argv[0])
    argv = sys.argv[1:]
    if name in ("tool.py", "kwsim"):
        name, argv = argv[0], argv[1:]
        sys.argv = [name] + argv
    fn = table().get(name)
    if fn is None:
        print("kwsim: unknown tool %s" % name, file=sys.stderr)
        sys.exit(127)
    try:
        rc = fn(argv)
    except BrokenPipeError:
        rc = 141
    except KeyboardInterrupt:
        rc = 130
    sys.stdout.flush()
    sys.exit(rc or 0)


if __name__ == "__main__":
    main()
