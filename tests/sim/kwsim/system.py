"""OS-level tools: systemctl and services, modprobe/lsmod/modinfo, sysctl, swapon/swapoff, SELinux,
hostnamectl, timedatectl, firewall-cmd, ufw, uname, nproc, date, journalctl, and the host's init."""

import datetime
import glob
import os
import signal
import socket
import subprocess
import sys
import time

from kwsim import common
from kwsim.common import RUN, LIB, err, die

UNIT_DIR = "/usr/lib/systemd/system"
WANTS = "/etc/systemd/system/multi-user.target.wants"
SVC_RUN = RUN + "/svc"

UNITS = {
    "containerd": ("containerd container runtime", "/usr/bin/containerd", "https://containerd.io"),
    "kubelet": ("kubelet: The Kubernetes Node Agent", "/usr/bin/kubelet", "https://kubernetes.io/docs/"),
    "chronyd": ("NTP client/server", "/usr/sbin/chronyd", "man:chronyd(8)"),
    "chrony": ("chrony, an NTP client/server", "/usr/sbin/chronyd", "man:chronyd(8)"),
    "firewalld": ("firewalld - dynamic firewall daemon", "/usr/sbin/firewalld", "man:firewalld(1)"),
    "ufw": ("Uncomplicated firewall", "/lib/ufw/ufw-init start quiet", "man:ufw(8)"),
    "systemd-timesyncd": ("Network Time Synchronization", "/lib/systemd/systemd-timesyncd", "man:systemd-timesyncd.service(8)"),
}
ALIASES = {"chronyd": "chrony", "sshd": "ssh"}
BOOT_ORDER = ["containerd", "chronyd", "chrony", "systemd-timesyncd", "firewalld", "ufw", "kubelet"]


def unit_name(arg):
    n = arg
    for suf in (".service",):
        if n.endswith(suf):
            n = n[: -len(suf)]
    return n


def unit_file(name):
    """/etc/systemd/system path of a unit (services without suffix, .swap/.mount/... as given)."""
    if name.endswith((".swap", ".mount", ".target", ".socket", ".timer")):
        return "/etc/systemd/system/" + name
    return "/etc/systemd/system/%s.service" % name


def swap_unit_name():
    """systemd's unit name for the fstab swap entry (systemd-escape --path --suffix=swap)."""
    spec = None
    for s in fstab_swaps() or [swap_device()]:
        spec = s
        break
    if spec.startswith("UUID="):
        spec = "/dev/disk/by-uuid/" + spec[5:]
    out = []
    for ch in spec.strip("/"):
        if ch == "/":
            out.append("-")
        elif ch.isalnum() or ch in "_.:":
            out.append(ch)
        else:
            out.append("\\x%02x" % ord(ch))
    return "".join(out) + ".swap"


def resolve(name):
    """Real unit name (following Debian's aliases chronyd -> chrony, sshd -> ssh)."""
    if name in ("sshd", "ssh"):
        return "sshd"
    if os.path.exists(os.path.join(UNIT_DIR, name + ".service")):
        return name
    alias = ALIASES.get(name)
    if alias and os.path.exists(os.path.join(UNIT_DIR, alias + ".service")):
        return alias
    return name


def unit_path(name):
    return os.path.join(UNIT_DIR, name + ".service")


def unit_exists(name):
    return name == "sshd" or os.path.exists(unit_path(name))


def write_unit(name):
    desc, exe, doc = UNITS[name]
    typ = "oneshot\nRemainAfterExit=yes" if name == "ufw" else "simple"
    extra = ""
    if name == "kubelet":
        extra = "Restart=always\nStartLimitInterval=0\nRestartSec=10\n"
    if name == "chrony":
        extra = "Alias=chronyd.service\n"
    common.write_file(unit_path(name), "[Unit]\nDescription=%s\nDocumentation=%s\n\n[Service]\nType=%s\nExecStart=%s\n%s\n"
                      "[Install]\nWantedBy=multi-user.target\n" % (desc, doc, typ, exe, extra))


def remove_unit(name):
    stop_unit(name)
    for p in (unit_path(name), os.path.join(WANTS, name + ".service")):
        if os.path.lexists(p):
            os.remove(p)


def masked(name):
    p = unit_file(name)
    return os.path.islink(p) and os.readlink(p) == "/dev/null"


def enabled(name):
    return os.path.lexists(os.path.join(WANTS, name + ".service"))


def enable_unit(name, quiet=False):
    os.makedirs(WANTS, exist_ok=True)
    link = os.path.join(WANTS, name + ".service")
    if not os.path.lexists(link):
        os.symlink(unit_path(name), link)
        if not quiet:
            err("Created symlink %s \u2192 %s." % (link, unit_path(name)))


def disable_unit(name, quiet=False):
    link = os.path.join(WANTS, name + ".service")
    if os.path.lexists(link):
        os.remove(link)
        if not quiet:
            err("Removed %s." % link)


def svc_pid(name):
    p = common.read_file(os.path.join(SVC_RUN, name + ".pid"))
    if p and common.pid_alive(p.strip()):
        return int(p.strip())
    return None


def svc_failed(name):
    return os.path.exists(os.path.join(SVC_RUN, name + ".failed"))


def active_state(name):
    """active | activating | failed | inactive"""
    if name == "sshd":
        return "active" if common.tcp_open("127.0.0.1", 22, 0.5) else "inactive"
    if name == "ufw":
        return "active" if os.path.exists(os.path.join(SVC_RUN, "ufw.started")) else "inactive"
    pid = svc_pid(name)
    if pid:
        if name == "kubelet":
            st = common.read_file(RUN + "/kubelet.status", "")
            if not st.startswith("running"):
                return "activating"
        return "active"
    if svc_failed(name):
        return "failed"
    return "inactive"


def daemon_cmd(name):
    if name == "containerd":
        return ["/usr/bin/python3", "-S", "/usr/bin/containerd"]
    if name == "kubelet":
        return ["/usr/bin/python3", "-S", "/usr/bin/kubelet"]
    # an idle daemon: a plain sleep (1 MB) named like the real binary in `ps`
    exe = UNITS.get(name, (None, "/usr/sbin/" + name))[1].split()[0]
    return ["/bin/bash", "-c", 'exec -a "$0" sleep infinity', exe]


def start_unit(name):
    """Returns (ok, message)."""
    if name == "sshd":
        return True, ""
    if svc_pid(name) or (name == "ufw" and active_state(name) == "active"):
        return True, ""
    os.makedirs(SVC_RUN, exist_ok=True)
    failed = os.path.join(SVC_RUN, name + ".failed")
    if os.path.exists(failed):
        os.remove(failed)
    if name == "ufw":
        common.write_file(os.path.join(SVC_RUN, "ufw.started"), "")
        return True, ""
    if name == "containerd":
        from kwsim import k8s

        problem = k8s.containerd_config_problem()
        if problem:
            common.write_file(failed, problem + "\n")
            with open(os.path.join(common.LOGDIR, "containerd.log"), "a") as f:
                f.write('time="%s" level=fatal msg="%s"\n' % (datetime.datetime.utcnow().isoformat(), problem))
            return False, ("Job for containerd.service failed because the control process exited with error code.\n"
                           "See \"systemctl status containerd.service\" and \"journalctl -xeu containerd.service\" for details.")
    pid = common.spawn_daemon(daemon_cmd(name), name)
    common.write_file(os.path.join(SVC_RUN, name + ".pid"), "%d\n" % pid)
    if name == "firewalld":
        firewalld_apply()
    if name == "containerd":
        # Type=notify: systemctl returns once the socket is up.
        for _ in range(200):
            if os.path.exists("/run/containerd/containerd.sock") or not common.pid_alive(pid):
                break
            time.sleep(0.02)
    return True, ""


def stop_unit(name):
    if name == "sshd":
        return
    if name == "ufw":
        p = os.path.join(SVC_RUN, "ufw.started")
        if os.path.exists(p):
            os.remove(p)
        return
    pid = svc_pid(name)
    if pid:
        try:
            os.killpg(pid, signal.SIGTERM)
        except OSError:
            try:
                os.kill(pid, signal.SIGTERM)
            except OSError:
                pass
        for _ in range(100):
            if not common.pid_alive(pid):
                break
            time.sleep(0.02)
        else:
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass
    for suf in (".pid", ".failed"):
        p = os.path.join(SVC_RUN, name + suf)
        if os.path.exists(p):
            os.remove(p)
    if name == "firewalld":
        firewalld_apply()
    if name == "containerd" and os.path.exists("/run/containerd/containerd.sock"):
        os.remove("/run/containerd/containerd.sock")
    if name == "kubelet" and os.path.exists(RUN + "/kubelet.status"):
        os.remove(RUN + "/kubelet.status")


def restart_sshd():
    pid = common.read_file("/run/sshd.pid")
    if pid:
        try:
            os.kill(int(pid.strip()), signal.SIGTERM)
        except (OSError, ValueError):
            pass


def systemctl(argv):
    args = [a for a in argv if not a.startswith("-")]
    flags = [a for a in argv if a.startswith("-")]
    quiet = "-q" in flags or "--quiet" in flags
    now = "--now" in flags
    if not args:
        print("  UNIT                        LOAD   ACTIVE SUB     DESCRIPTION")
        return 0
    cmd, units = args[0], [unit_name(u) for u in args[1:]]
    mutating = cmd in ("start", "stop", "restart", "reload", "try-restart", "reload-or-restart", "enable", "disable",
                       "mask", "unmask", "daemon-reload", "reset-failed", "kill")
    if mutating:
        common.log_call()
    if cmd == "daemon-reload" or cmd == "reset-failed":
        return 0
    if cmd == "list-units":
        types = [f.split("=", 1)[1] for f in flags if f.startswith("--type=")]
        if "-t" in argv:
            types.append(argv[argv.index("-t") + 1])
        legend = "--no-legend" not in flags
        if legend:
            print("  UNIT                          LOAD   ACTIVE SUB     DESCRIPTION")
        if "swap" in types or not types:
            if active_swaps() and not masked(swap_unit_name()):
                print("%s loaded active active %s" % (swap_unit_name(), swap_device()))
        return 0
    if cmd in ("is-active", "is-enabled", "is-failed", "status", "show", "cat", "list-unit-files"):
        return query(cmd, units, quiet, flags)
    rc = 0
    for u in units:
        name = resolve(u)
        if cmd == "mask":
            p = unit_file(name)
            if os.path.lexists(p):
                os.remove(p)
            os.makedirs("/etc/systemd/system", exist_ok=True)
            os.symlink("/dev/null", p)
            err("Created symlink %s \u2192 /dev/null." % p)
            if now:
                stop_unit(name)
            continue
        if cmd == "unmask":
            p = unit_file(name)
            if masked(name):
                os.remove(p)
                err("Removed %s." % p)
            continue
        if not unit_exists(name) and not masked(name):
            if cmd in ("enable", "disable"):
                err("Failed to %s unit: Unit file %s.service does not exist." % (cmd, u))
                rc = 1
            elif cmd == "stop":
                err("Failed to stop %s.service: Unit %s.service not loaded." % (u, u))
                rc = 5
            else:
                err("Failed to %s %s.service: Unit %s.service not found." % (cmd, u, u))
                rc = 5
            continue
        if masked(name) and cmd in ("start", "restart", "enable", "reload-or-restart", "try-restart"):
            if cmd == "enable":
                err("Failed to enable unit: Unit file /etc/systemd/system/%s.service is masked." % name)
            else:
                err("Failed to %s %s.service: Unit %s.service is masked." % (cmd, u, name))
            rc = 1
            continue
        if cmd == "enable":
            if name == "sshd":
                continue
            enable_unit(name)
            if now:
                ok, msg = start_unit(name)
                if not ok:
                    err(msg)
                    rc = 1
        elif cmd == "disable":
            if name == "sshd":
                continue
            disable_unit(name)
            if now:
                stop_unit(name)
        elif cmd == "start":
            ok, msg = start_unit(name)
            if not ok:
                err(msg)
                rc = 1
        elif cmd == "stop":
            stop_unit(name)
        elif cmd in ("restart", "reload-or-restart", "reload", "try-restart"):
            if name == "sshd":
                restart_sshd()
                continue
            if cmd == "try-restart" and active_state(name) != "active":
                continue
            stop_unit(name)
            ok, msg = start_unit(name)
            if not ok:
                err(msg)
                rc = 1
        elif cmd == "kill":
            stop_unit(name)
        else:
            err("Unknown command verb %s." % cmd)
            return 1
    return rc


def unit_file_state(name):
    if masked(name):
        return "masked"
    if name == "sshd":
        return "enabled"
    if not unit_exists(name):
        return None
    return "enabled" if enabled(name) else "disabled"


def query(cmd, units, quiet, flags):
    rc = 0
    if cmd == "list-unit-files":
        print("UNIT FILE                              STATE           VENDOR PRESET")
        for f in sorted(glob.glob(UNIT_DIR + "/*.service")):
            n = os.path.basename(f)[:-8]
            print("%-38s %-15s disabled" % (n + ".service", unit_file_state(n)))
        return 0
    if cmd == "is-active" or cmd == "is-failed":
        for u in units:
            st = active_state(resolve(u))
            if not quiet:
                print(st)
            if cmd == "is-active" and st != "active":
                rc = 3
            if cmd == "is-failed" and st != "failed":
                rc = 1
        return rc
    if cmd == "is-enabled":
        for u in units:
            st = unit_file_state(resolve(u))
            if st is None:
                err("Failed to get unit file state for %s.service: No such file or directory" % u)
                rc = 1
                continue
            if not quiet:
                print(st)
            if st != "enabled":
                rc = 1
        return rc
    if cmd == "status":
        for u in units:
            name = resolve(u)
            if not unit_exists(name) and not masked(name):
                err("Unit %s.service could not be found." % u)
                rc = 4
                continue
            st = active_state(name)
            desc = UNITS.get(name, ("OpenSSH server daemon",))[0]
            sub = {"active": "active (running)", "activating": "activating (auto-restart) (Result: exit-code)",
                   "failed": "failed (Result: exit-code)", "inactive": "inactive (dead)"}[st]
            print("\u25cf %s.service - %s" % (name, desc))
            print("     Loaded: loaded (%s; %s; vendor preset: disabled)" % (unit_path(name), unit_file_state(name)))
            print("     Active: %s" % sub)
            pid = svc_pid(name)
            if pid:
                print("   Main PID: %d (%s)" % (pid, name))
            if st != "active":
                rc = 3
        return rc
    if cmd == "show":
        props = []
        for i, f in enumerate(flags):
            if f.startswith("--property="):
                props += f.split("=", 1)[1].split(",")
        value_only = "--value" in flags
        argv = sys.argv[1:]
        for i, a in enumerate(argv):
            if a in ("-p", "--property") and i + 1 < len(argv):
                props += argv[i + 1].split(",")
        units = [u for u in units if u not in props]
        for u in units:
            name = resolve(u)
            vals = {"ActiveState": active_state(name), "UnitFileState": unit_file_state(name) or "",
                    "LoadState": "loaded" if unit_exists(name) else "not-found", "MainPID": str(svc_pid(name) or 0),
                    "SubState": "running" if active_state(name) == "active" else "dead"}
            for p in props or list(vals):
                print(vals.get(p, "") if value_only else "%s=%s" % (p, vals.get(p, "")))
        return 0
    if cmd == "cat":
        for u in units:
            t = common.read_file(unit_path(resolve(u)))
            if t is None:
                err("No files found for %s.service." % u)
                return 1
            print("# " + unit_path(resolve(u)))
            print(t)
        return 0
    return 0


# ----- kernel modules ------------------------------------------------------------------------

MODULES = {
    # name: (relative path, deps, size)
    "overlay": ("fs/overlayfs/overlay", [], 151552),
    "br_netfilter": ("net/bridge/br_netfilter", ["bridge"], 32768),
    "bridge": ("net/bridge/bridge", ["stp", "llc"], 311296),
    "stp": ("net/802/stp", ["llc"], 16384),
    "llc": ("net/llc/llc", [], 16384),
    "ip_vs": ("net/netfilter/ipvs/ip_vs", ["nf_conntrack", "libcrc32c"], 184320),
    "ip_vs_rr": ("net/netfilter/ipvs/ip_vs_rr", ["ip_vs"], 16384),
    "ip_vs_wrr": ("net/netfilter/ipvs/ip_vs_wrr", ["ip_vs"], 16384),
    "ip_vs_sh": ("net/netfilter/ipvs/ip_vs_sh", ["ip_vs"], 16384),
    "ip_vs_lc": ("net/netfilter/ipvs/ip_vs_lc", ["ip_vs"], 16384),
    "ip_vs_wlc": ("net/netfilter/ipvs/ip_vs_wlc", ["ip_vs"], 16384),
    "nf_conntrack": ("net/netfilter/nf_conntrack", ["nf_defrag_ipv4", "nf_defrag_ipv6", "libcrc32c"], 176128),
    "nf_defrag_ipv4": ("net/ipv4/netfilter/nf_defrag_ipv4", [], 16384),
    "nf_defrag_ipv6": ("net/ipv6/netfilter/nf_defrag_ipv6", [], 24576),
    "nf_nat": ("net/netfilter/nf_nat", ["nf_conntrack"], 49152),
    "libcrc32c": ("lib/libcrc32c", [], 16384),
    "ip_tables": ("net/ipv4/netfilter/ip_tables", ["x_tables"], 32768),
    "x_tables": ("net/netfilter/x_tables", [], 53248),
    "iptable_nat": ("net/ipv4/netfilter/iptable_nat", ["ip_tables", "nf_nat"], 16384),
    "iptable_filter": ("net/ipv4/netfilter/iptable_filter", ["ip_tables"], 16384),
    "iptable_mangle": ("net/ipv4/netfilter/iptable_mangle", ["ip_tables"], 16384),
    "xt_conntrack": ("net/netfilter/xt_conntrack", ["nf_conntrack", "x_tables"], 16384),
    "xt_MASQUERADE": ("net/netfilter/xt_MASQUERADE", ["nf_nat", "x_tables"], 20480),
    "xt_mark": ("net/netfilter/xt_mark", ["x_tables"], 16384),
    "xt_set": ("net/netfilter/ipset/xt_set", ["ip_set", "x_tables"], 20480),
    "ip_set": ("net/netfilter/ipset/ip_set", [], 61440),
    "vxlan": ("drivers/net/vxlan/vxlan", ["ip6_udp_tunnel", "udp_tunnel"], 98304),
    "ip6_udp_tunnel": ("net/ipv6/ip6_udp_tunnel", [], 16384),
    "udp_tunnel": ("net/ipv4/udp_tunnel", [], 28672),
    "ipip": ("net/ipv4/ipip", ["tunnel4", "ip_tunnel"], 24576),
    "tunnel4": ("net/ipv4/tunnel4", [], 16384),
    "ip_tunnel": ("net/ipv4/ip_tunnel", [], 32768),
    "veth": ("drivers/net/veth", [], 36864),
    "nf_tables": ("net/netfilter/nf_tables", ["libcrc32c"], 303104),
}
OLD_KERNEL_MODULES = {
    "nf_conntrack_ipv4": ("net/ipv4/netfilter/nf_conntrack_ipv4", ["nf_conntrack", "nf_defrag_ipv4"], 15053),
    "nf_nat_ipv4": ("net/ipv4/netfilter/nf_nat_ipv4", ["nf_nat"], 14115),
}
BOOT_MODULES = ["x_tables", "ip_tables", "libcrc32c"]
MOD_STATE = RUN + "/modules"


def known_modules():
    m = dict(MODULES)
    # nf_conntrack_ipv4 was merged into nf_conntrack in 4.19 (and in RHEL 8's 4.18)
    if common.kernel_tuple() < (4, 19, 0) and ".el8" not in common.kernel():
        m.update(OLD_KERNEL_MODULES)
    return m


def write_modules_dir():
    base = "/usr/lib/modules/" + common.kernel()
    os.makedirs(base, exist_ok=True)
    dep = []
    ext = ".ko.xz"
    for name, (path, deps, _size) in sorted(known_modules().items()):
        rel = "kernel/%s%s" % (path, ext)
        os.makedirs(os.path.dirname(os.path.join(base, rel)), exist_ok=True)
        open(os.path.join(base, rel), "w").close()
        mods = known_modules()
        dep.append("%s: %s" % (rel, " ".join("kernel/%s%s" % (mods[d][0], ext) for d in deps if d in mods)))
    common.write_file(base + "/modules.dep", "\n".join(dep) + "\n")


def loaded_modules():
    t = common.read_file(MOD_STATE, "")
    return [l for l in t.split() if l]


def write_proc_modules(mods):
    known = known_modules()
    users = {m: [] for m in mods}
    for m in mods:
        for d in known.get(m, ("", [], 0))[1]:
            if d in users:
                users[d].append(m)
    lines = []
    for i, m in enumerate(reversed(mods)):
        size = known.get(m, ("", [], 16384))[2]
        u = users.get(m, [])
        lines.append("%s %d %d %s Live 0xffffffffc%07x\n" % (m, size, len(u), (",".join(u) + ",") if u else "-", 0x400000 + i * 0x5000))
    with open(RUN + "/proc/modules", "r+" if os.path.exists(RUN + "/proc/modules") else "w") as f:
        f.seek(0)
        f.truncate()
        f.write("".join(lines))


def set_modules(mods):
    common.write_file(MOD_STATE, "\n".join(mods) + "\n")
    write_proc_modules(mods)
    bridge_cover(not ("br_netfilter" in mods))


def bridge_cover(cover):
    mi = common.read_file("/proc/self/mountinfo", "")
    covered = " /proc/sys/net/bridge " in mi
    if cover and not covered:
        subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=4k,mode=0555", "kwsim-nobridge", "/proc/sys/net/bridge"],
                       check=False)
    elif not cover and covered:
        subprocess.run(["umount", "/proc/sys/net/bridge"], check=False)


def load_module(name, mods, known):
    name = name.replace("-", "_")
    if name in mods:
        return True
    if name not in known:
        return False
    for d in known[name][1]:
        load_module(d, mods, known)
    mods.append(name)
    return True


def modprobe(argv):
    common.log_call()
    quiet = False
    remove = False
    all_ = False
    dry = False
    names = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            names += argv[i + 1:]
            break
        if a.startswith("--"):
            if a == "--quiet":
                quiet = True
            elif a == "--remove":
                remove = True
            elif a == "--all":
                all_ = True
            elif a == "--dry-run":
                dry = True
        elif a.startswith("-") and len(a) > 1:
            for ch in a[1:]:
                if ch == "q":
                    quiet = True
                elif ch == "r":
                    remove = True
                elif ch == "a":
                    all_ = True
                elif ch == "n":
                    dry = True
        else:
            names.append(a)
        i += 1
    if not names:
        die("modprobe: ERROR: missing parameters. See -h.", 1)
    if not (all_ or remove):
        names = names[:1]  # the rest are module parameters
    known = known_modules()
    mods = loaded_modules()
    rc = 0
    for n in names:
        n2 = n.replace("-", "_")
        if remove:
            if n2 in mods:
                holders = [m for m in mods if n2 in known.get(m, ("", [], 0))[1]]
                if holders:
                    if not quiet:
                        err("modprobe: FATAL: Module %s is in use." % n2)
                    rc = 1
                    continue
                mods.remove(n2)
            continue
        if n2 not in known:
            if not quiet:
                err("modprobe: FATAL: Module %s not found in directory /lib/modules/%s" % (n, common.kernel()))
            rc = 1
            continue
        if not dry:
            load_module(n2, mods, known)
    if not dry:
        set_modules(mods)
    return rc


def lsmod(argv):
    known = known_modules()
    mods = loaded_modules()
    print("Module                  Size  Used by")
    for m in reversed(mods):
        users = [u for u in mods if m in known.get(u, ("", [], 0))[1]]
        print("%-19s %8d  %d %s" % (m, known.get(m, ("", [], 16384))[2], len(users), ",".join(users)))
    return 0


def modinfo(argv):
    names = [a for a in argv if not a.startswith("-")]
    field = None
    if "-F" in argv:
        field = argv[argv.index("-F") + 1]
        names = [n for n in names if n != field]
    known = known_modules()
    rc = 0
    for n in names:
        n2 = n.replace("-", "_")
        if n2 not in known:
            err("modinfo: ERROR: Module %s not found." % n)
            rc = 1
            continue
        path, deps, _ = known[n2]
        fn = "/lib/modules/%s/kernel/%s.ko.xz" % (common.kernel(), path)
        if field == "filename":
            print(fn)
        elif field == "depends":
            print(",".join(deps))
        elif field is None:
            print("filename:       %s\nlicense:        GPL\ndepends:        %s\nintree:         Y\nname:           %s\n"
                  "vermagic:       %s SMP mod_unload modversions " % (fn, ",".join(deps), n2, common.kernel()))
    return rc


# ----- sysctl --------------------------------------------------------------------------------

SYSCTL_OVERRIDES = RUN + "/sysctl.json"


def sysctl_path(key):
    return "/proc/sys/" + key.replace(".", "/") if "/" not in key else "/proc/sys/" + key


def sysctl_get(key):
    path = sysctl_path(key)
    if not os.path.exists(path):
        return None
    if not key.startswith("net.") and not key.startswith("net/"):
        ov = common.load_json(SYSCTL_OVERRIDES, {})
        if key in ov:
            return ov[key]
    try:
        with open(path) as f:
            return f.read().strip("\n")
    except OSError:
        return None


def sysctl_set(key, value):
    """Returns None or an error message."""
    path = sysctl_path(key)
    if not os.path.exists(path):
        return "sysctl: cannot stat %s: No such file or directory" % path
    value = " ".join(value.split())
    if key.startswith("net.") or key.startswith("net/"):
        try:
            with open(path, "w") as f:
                f.write(value)
        except OSError as e:
            if e.errno == 22:
                return "sysctl: setting key \"%s\": Invalid argument" % key
            return "sysctl: permission denied on key \"%s\"" % key
        return None
    # Not namespaced: recorded, never written to the real kernel.
    ov = common.load_json(SYSCTL_OVERRIDES, {})
    ov[key] = value
    common.save_json(SYSCTL_OVERRIDES, ov)
    return None


def sysctl_files():
    dirs = ["/etc/sysctl.d", "/run/sysctl.d", "/usr/local/lib/sysctl.d", "/usr/lib/sysctl.d"]
    seen = {}
    for d in dirs:
        for f in sorted(glob.glob(d + "/*.conf")):
            b = os.path.basename(f)
            if b not in seen:
                seen[b] = f
    files = [seen[b] for b in sorted(seen)]
    if os.path.exists("/etc/sysctl.conf"):
        files.append("/etc/sysctl.conf")
    return files


def sysctl_apply_file(path, quiet, out):
    rc = 0
    try:
        lines = open(path).read().splitlines()
    except OSError:
        err("sysctl: cannot open \"%s\": No such file or directory" % path)
        return 1
    for line in lines:
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        ignore = line.startswith("-")
        if ignore:
            line = line[1:]
        if "=" not in line:
            err("sysctl: %s(%d): invalid syntax, continuing..." % (path, lines.index(line) + 1 if line in lines else 0))
            continue
        k, v = [x.strip() for x in line.split("=", 1)]
        e = sysctl_set(k, v)
        if e:
            if not ignore:
                err(e)
                rc = 1
            continue
        if not quiet and out:
            print("%s = %s" % (k, v))
    return rc


def sysctl(argv):
    write = False
    value_only = False
    quiet = False
    ignore = False
    load = None
    system = False
    show_all = False
    keys = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--system":
            system = True
        elif a in ("-p", "--load") or a.startswith("--load="):
            load = "/etc/sysctl.conf"
            if a.startswith("--load="):
                load = a.split("=", 1)[1]
            elif i + 1 < len(argv) and not argv[i + 1].startswith("-"):
                load = argv[i + 1]
                i += 1
        elif a.startswith("-p") and len(a) > 2:
            load = a[2:]
        elif a in ("-a", "--all", "-A", "-X"):
            show_all = True
        elif a.startswith("-") and not a.startswith("--") and len(a) > 1:
            for ch in a[1:]:
                if ch == "w":
                    write = True
                elif ch == "n":
                    value_only = True
                elif ch == "q":
                    quiet = True
                elif ch == "e":
                    ignore = True
                elif ch == "a":
                    show_all = True
        elif a in ("--write",):
            write = True
        elif a in ("--values",):
            value_only = True
        elif a in ("--quiet",):
            quiet = True
        elif a in ("--ignore",):
            ignore = True
        else:
            keys.append(a)
        i += 1
    bad = 255 if common.flavour() == "centos7" else 1
    if system:
        common.log_call()
        rc = 0
        for f in sysctl_files():
            print("* Applying %s ..." % f)
        for f in sysctl_files():
            rc |= sysctl_apply_file(f, quiet, True)
        return bad if rc else 0
    if load:
        common.log_call()
        return bad if sysctl_apply_file(load, quiet, True) else 0
    if show_all:
        for root, _dirs, files in os.walk("/proc/sys/net"):
            for fn in sorted(files):
                k = os.path.join(root, fn)[len("/proc/sys/"):].replace("/", ".")
                v = sysctl_get(k)
                if v is not None:
                    print("%s = %s" % (k, v))
        return 0
    rc = 0
    if write or any("=" in k for k in keys):
        common.log_call()
    for k in keys:
        if "=" in k:
            key, val = k.split("=", 1)
            key = key.strip()
            e = sysctl_set(key, val.strip())
            if e:
                if not ignore:
                    err(e)
                    rc = bad
                continue
            if not quiet:
                print(" ".join(val.split()) if value_only else "%s = %s" % (key, " ".join(val.split())))
        else:
            if write:
                err('sysctl: "%s" must be of the form name=value' % k)
                rc = bad
                continue
            v = sysctl_get(k)
            if v is None:
                if not ignore:
                    err("sysctl: cannot stat %s: No such file or directory" % sysctl_path(k))
                    rc = bad
                continue
            print(v if value_only else "%s = %s" % (k, v))
    return rc


# ----- swap ----------------------------------------------------------------------------------

SWAP_STATE = RUN + "/swaps"


def swap_device():
    from kwsim import data

    return data.FSTAB_SWAP[common.flavour()][0]


def swap_specs():
    from kwsim import data

    return {data.FSTAB_SWAP[common.flavour()][0], data.FSTAB_SWAP[common.flavour()][1].split()[0]}


def active_swaps():
    return [l for l in common.read_file(SWAP_STATE, "").split() if l]


def set_swaps(devs):
    common.write_file(SWAP_STATE, "\n".join(devs) + ("\n" if devs else ""))
    write_proc_swaps()
    write_meminfo()


def swap_kb():
    return int(common.host().get("swap_mb", 0)) * 1024 - 4


def write_in_place(path, text):
    with open(path, "r+" if os.path.exists(path) else "w") as f:
        f.seek(0)
        f.truncate()
        f.write(text)


def write_proc_swaps():
    t = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
    for d in active_swaps():
        typ = "file" if d.startswith("/swap") else "partition"
        shown = "/dev/dm-1" if d.startswith("/dev/mapper") else d
        t += "%-40s%s\t%d\t\t0\t\t-2\n" % (shown, typ, swap_kb())
    write_in_place(RUN + "/proc/swaps", t)


def write_meminfo():
    h = common.host()
    total = int(h.get("memory_mb", 4096)) * 1024 - 178 * 1024
    free = int(total * 0.8)
    sw = swap_kb() if active_swaps() else 0
    t = ("MemTotal:       %8d kB\nMemFree:        %8d kB\nMemAvailable:   %8d kB\nBuffers:            2108 kB\n"
         "Cached:           355240 kB\nSwapCached:            0 kB\nActive:           310552 kB\nInactive:         249708 kB\n"
         "SwapTotal:      %8d kB\nSwapFree:       %8d kB\nDirty:                 8 kB\nWriteback:             0 kB\n"
         "AnonPages:        201224 kB\nMapped:            95384 kB\nShmem:              9764 kB\nSlab:              84504 kB\n"
         "CommitLimit:    %8d kB\nCommitted_AS:     978532 kB\nVmallocTotal:   34359738367 kB\nHugePages_Total:       0\n"
         "HugePages_Free:        0\nHugepagesize:       2048 kB\n"
         % (total, free, int(total * 0.88), sw, sw, total // 2 + sw))
    write_in_place(RUN + "/proc/meminfo", t)


def fstab_swaps():
    out = []
    for line in (common.read_file("/etc/fstab", "") or "").splitlines():
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        f = s.split()
        if len(f) >= 3 and f[2] == "swap":
            out.append(f[0])
    return out


def human(kb):
    b = kb * 1024
    for unit in ("B", "K", "M", "G", "T"):
        if b < 1024 or unit == "T":
            return ("%d%s" % (b, unit)) if b == int(b) else ("%.1f%s" % (b, unit))
        b /= 1024.0
    return "%dB" % b


def swapon(argv):
    flags = [a for a in argv if a.startswith("-")]
    if common.flavour() == "centos7":
        # util-linux 2.23.2: no --show/--bytes/--noheadings (added in 2.26); -s works.
        for f in flags:
            if f.split("=", 1)[0] in ("--show", "--bytes", "--noheadings", "--raw", "--output-all"):
                die("swapon: unrecognized option '%s'\n\nUsage:\n swapon [options] [<spec>]\n\nFor more details see "
                    "swapon(8)." % f, 1)
        if not argv:
            die("\nUsage:\n swapon [options] [<spec>]\n\nFor more details see swapon(8).", 1)
    devs = [a for a in argv if not a.startswith("-")]
    show = not argv or any(f.startswith("--show") for f in flags)
    if "-s" in flags or "--summary" in flags:
        sys.stdout.write(common.read_file(RUN + "/proc/swaps", ""))
        return 0
    if show:
        act = active_swaps()
        if act and "--noheadings" not in flags:
            print("NAME      TYPE      SIZE USED PRIO")
        for d in act:
            shown = "/dev/dm-1" if d.startswith("/dev/mapper") else d
            typ = "file" if d.startswith("/swap") else "partition"
            size = str(swap_kb() * 1024) if "--bytes" in flags else human(swap_kb())
            print("%-9s %-9s %4s %s -2" % (shown, typ, size, "0" if "--bytes" in flags else "  0B"))
        return 0
    common.log_call()
    act = active_swaps()
    if "-a" in flags or "--all" in flags:
        for spec in fstab_swaps():
            if spec in swap_specs():
                if swap_device() not in act:
                    act.append(swap_device())
            else:
                err("swapon: cannot find the device for %s" % spec)
        set_swaps(act)
        return 0
    rc = 0
    for d in devs:
        if d in swap_specs() and common.host().get("swap_mb", 0) > 0:
            if swap_device() in act:
                err("swapon: %s: swapon failed: Device or resource busy" % d)
                rc = 255
            else:
                act.append(swap_device())
        else:
            err("swapon: cannot open %s: No such file or directory" % d)
            rc = 255
    set_swaps(act)
    return rc


def swapoff(argv):
    common.log_call()
    flags = [a for a in argv if a.startswith("-")]
    devs = [a for a in argv if not a.startswith("-")]
    if "-a" in flags or "--all" in flags:
        set_swaps([])
        return 0
    act = active_swaps()
    rc = 0
    for d in devs:
        if d in swap_specs() and swap_device() in act:
            act.remove(swap_device())
        else:
            err("swapoff: %s: swapoff failed: Invalid argument" % d)
            rc = 255
    set_swaps(act)
    return rc


# ----- SELinux -------------------------------------------------------------------------------

SELINUX_RUN = RUN + "/selinux"


def selinux_config_mode():
    for line in (common.read_file("/etc/selinux/config", "") or "").splitlines():
        line = line.strip()
        if line.startswith("SELINUX="):
            return line.split("=", 1)[1].strip().strip('"').lower()
    return "disabled"


def selinux_mode():
    return (common.read_file(SELINUX_RUN, "disabled") or "disabled").strip()


def getenforce(argv):
    print(selinux_mode().capitalize())
    return 0


def setenforce(argv):
    common.log_call()
    if len(argv) != 1 or argv[0].lower() not in ("0", "1", "permissive", "enforcing"):
        die("usage:  setenforce [ Enforcing | Permissive | 1 | 0 ]", 1)
    if selinux_mode() == "disabled":
        die("setenforce: SELinux is disabled", 1)
    mode = "enforcing" if argv[0].lower() in ("1", "enforcing") else "permissive"
    common.write_file(SELINUX_RUN, mode + "\n")
    return 0


def sestatus(argv):
    m = selinux_mode()
    if m == "disabled":
        print("SELinux status:                 disabled")
        return 0
    print("SELinux status:                 enabled\nSELinuxfs mount:                /sys/fs/selinux\n"
          "SELinux root directory:         /etc/selinux\nLoaded policy name:             targeted\n"
          "Current mode:                   %s\nMode from config file:          %s\nPolicy MLS status:              enabled\n"
          "Policy deny_unknown status:     allowed\nMax kernel policy version:      31" % (m, selinux_config_mode()))
    return 0


# ----- hostname / time ---------------------------------------------------------------------------


def hostnamectl(argv):
    args = [a for a in argv if not a.startswith("-")]
    if args and args[0] == "set-hostname":
        common.log_call()
        if len(args) != 2:
            die("Too few arguments." if len(args) < 2 else "Too many arguments.", 1)
        name = args[1]
        ok = 0 < len(name) <= 64 and all(c.isalnum() or c in "-." for c in name) and not name.startswith("-")
        if not ok:
            die("Could not set static hostname: Invalid hostname '%s'" % name, 1)
        common.write_file("/etc/hostname", name + "\n")
        socket.sethostname(name)
        return 0
    if args and args[0] == "hostname" or "--static" in argv:
        print((common.read_file("/etc/hostname", "") or socket.gethostname()).strip())
        return 0
    from kwsim import data

    pretty = [l for l in data.OS_RELEASE[common.flavour()].splitlines() if l.startswith("PRETTY_NAME=")][0]
    print("   Static hostname: %s\n         Icon name: computer-vm\n           Chassis: vm\n        Machine ID: %s\n"
          "  Operating System: %s\n            Kernel: Linux %s\n      Architecture: x86-64"
          % ((common.read_file("/etc/hostname", "") or "").strip(), (common.read_file("/etc/machine-id", "") or "").strip(),
             pretty.split("=", 1)[1].strip('"'), common.kernel()))
    return 0


def current_tz():
    try:
        t = os.readlink("/etc/localtime")
        return t.split("zoneinfo/", 1)[1]
    except (OSError, IndexError):
        return "UTC"


def clock():
    return time.time() + float(common.host().get("clock_offset_secs", 0))


def timedatectl(argv):
    args = [a for a in argv if not a.startswith("-")]
    if args and args[0] == "set-timezone":
        common.log_call()
        if len(args) < 2:
            die("Too few arguments.", 1)
        tz = args[1]
        p = "/usr/share/zoneinfo/" + tz
        if ".." in tz or tz.startswith("/") or not os.path.isfile(p):
            die("Failed to set time zone: Invalid or not installed time zone '%s'" % tz, 1)
        os.remove("/etc/localtime") if os.path.lexists("/etc/localtime") else None
        os.symlink("../usr/share/zoneinfo/" + tz, "/etc/localtime")
        if common.family() == "debian":
            common.write_file("/etc/timezone", tz + "\n")
        return 0
    if args and args[0] == "set-ntp":
        common.log_call()
        on = len(args) > 1 and args[1] in ("true", "yes", "1", "on")
        svc = [s for s in ("chronyd", "chrony", "systemd-timesyncd") if unit_exists(s)]
        for s in svc[:1]:
            if on:
                enable_unit(s, quiet=True)
                start_unit(s)
            else:
                disable_unit(s, quiet=True)
                stop_unit(s)
        return 0
    if args and args[0] == "show" and common.flavour() == "centos7":
        die("Unknown operation show", 1)  # systemd 219
    if args and args[0] == "show":
        vals = {"Timezone": current_tz(), "NTP": "yes", "NTPSynchronized": "yes", "LocalRTC": "no", "CanNTP": "yes"}
        props = []
        for i, a in enumerate(argv):
            if a in ("-p", "--property") and i + 1 < len(argv):
                props.append(argv[i + 1])
            elif a.startswith("--property="):
                props.append(a.split("=", 1)[1])
        for p in props or list(vals):
            print(vals.get(p, "") if "--value" in argv else "%s=%s" % (p, vals.get(p, "")))
        return 0
    now = clock()
    env = dict(os.environ)
    lt = subprocess.run(["/usr/lib/kwsim/real/date", "-d", "@%d" % now, "+%a %Y-%m-%d %H:%M:%S %Z"], capture_output=True,
                        text=True, env=env).stdout.strip()
    ut = subprocess.run(["/usr/lib/kwsim/real/date", "-u", "-d", "@%d" % now, "+%a %Y-%m-%d %H:%M:%S %Z"],
                        capture_output=True, text=True).stdout.strip()
    ntp = any(active_state(s) == "active" for s in ("chronyd", "chrony", "systemd-timesyncd") if unit_exists(s))
    zone = subprocess.run(["/usr/lib/kwsim/real/date", "-d", "@%d" % now, "+%Z, %z"], capture_output=True,
                          text=True).stdout.strip()
    if common.flavour() == "centos7":
        print("      Local time: %s\n  Universal time: %s\n        RTC time: %s\n       Time zone: %s (%s)\n"
              "     NTP enabled: %s\nNTP synchronized: %s\n RTC in local TZ: no\n      DST active: n/a"
              % (lt, ut, ut[4:-4], current_tz(), zone, "yes" if ntp else "no", "yes" if ntp else "no"))
        return 0
    print("               Local time: %s\n           Universal time: %s\n                 RTC time: %s\n"
          "                Time zone: %s\nSystem clock synchronized: %s\n              NTP service: %s\n"
          "          RTC in local TZ: no" % (lt, ut, ut[:-4], "%s (%s)" % (current_tz(), zone), "yes" if ntp else "no",
                                            "active" if ntp else "inactive"))
    return 0


def date(argv):
    real = "/usr/lib/kwsim/real/date"
    off = float(common.host().get("clock_offset_secs", 0))
    passthrough = any(a in ("-d", "-s", "-r", "-f") or a.startswith(("--date", "--set", "--reference", "--file"))
                      or (a.startswith("-") and not a.startswith("--") and any(c in a[1:] for c in "dsrf"))
                      for a in argv)
    if off == 0 or passthrough:
        os.execv(real, ["date"] + argv)
    t = time.time() + off
    os.execv(real, ["date", "--date=@%.9f" % t] + argv)


def uname(argv):
    h = common.host()
    k = h["kernel"]
    flags = set()
    for a in argv:
        if a.startswith("--"):
            m = {"--all": "a", "--kernel-name": "s", "--nodename": "n", "--kernel-release": "r",
                 "--kernel-version": "v", "--machine": "m", "--processor": "p", "--hardware-platform": "i",
                 "--operating-system": "o"}.get(a)
            if m is None:
                die("uname: unrecognized option '%s'\nTry 'uname --help' for more information." % a, 1)
            flags.add(m)
        elif a.startswith("-"):
            for c in a[1:]:
                if c not in "asnrvmpio":
                    die("uname: invalid option -- '%s'\nTry 'uname --help' for more information." % c, 1)
                flags.add(c)
        else:
            die("uname: extra operand '%s'\nTry 'uname --help' for more information." % a, 1)
    rhel = common.family() == "rhel"
    vers = {"centos7": "#1 SMP Wed Oct 4 19:30:36 UTC 2023", "rocky9": "#1 SMP PREEMPT_DYNAMIC Tue Nov 7 14:53:18 UTC 2023",
            "ubuntu2204": "#101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023",
            "rocky8": "#1 SMP Thu Nov 16 03:40:44 UTC 2023",
            "ubuntu2404": "#41-Ubuntu SMP PREEMPT_DYNAMIC Fri Aug  2 20:41:06 UTC 2024",
            "debian12": "#1 SMP PREEMPT_DYNAMIC Debian 6.1.69-1 (2023-12-30)",
            "debian11": "#1 SMP Debian 5.10.223-1 (2024-08-10)"}[common.flavour()]
    parts = []
    if not flags:
        flags = {"s"}
    allf = "a" in flags
    if allf or "s" in flags:
        parts.append("Linux")
    if allf or "n" in flags:
        parts.append(socket.gethostname())
    if allf or "r" in flags:
        parts.append(k)
    if allf or "v" in flags:
        parts.append(vers)
    if allf or "m" in flags:
        parts.append("x86_64")
    if ("p" in flags) or (allf and rhel):
        parts.append("x86_64" if rhel else "unknown")
    if ("i" in flags) or (allf and rhel):
        parts.append("x86_64" if rhel else "unknown")
    if allf or "o" in flags:
        parts.append("GNU/Linux")
    print(" ".join(parts))
    return 0


def nproc(argv):
    print(int(common.host().get("cpus", 2)))
    return 0


def journalctl(argv):
    units = []
    n = 10
    for i, a in enumerate(argv):
        if a in ("-u", "--unit") and i + 1 < len(argv):
            units.append(unit_name(argv[i + 1]))
        elif a.startswith("--unit="):
            units.append(unit_name(a.split("=", 1)[1]))
        elif a in ("-n", "--lines") and i + 1 < len(argv):
            try:
                n = int(argv[i + 1])
            except ValueError:
                pass
    for u in units or ["kubelet"]:
        t = (common.read_file(os.path.join(common.LOGDIR, resolve(u) + ".log"), "") or "").splitlines()
        for line in t[-n:]:
            print(line)
    if not units:
        return 0
    return 0


# ----- firewalls -------------------------------------------------------------------------------


def firewall_cmd(argv):
    running = active_state("firewalld") == "active"
    if "--state" in argv:
        if running:
            print("running")
            return 0
        err("not running")
        return 252
    if not running:
        err("FirewallD is not running")
        return 252
    common.log_call()
    permanent = "--permanent" in argv
    changed = False
    for a in argv:
        if a.startswith(("--add-port=", "--remove-port=")):
            spec = a.split("=", 1)[1]
            if permanent:
                ports = set("%s/%s" % (p, pr) for pr, p in firewalld_permanent_ports())
            else:
                ports = set((common.read_file(FW_RUNTIME, "") or "").split())
            (ports.add if a.startswith("--add-") else ports.discard)(spec)
            if permanent:
                body = "".join('  <port protocol="%s" port="%s"/>\n' % (x.split("/")[1], x.split("/")[0])
                               for x in sorted(ports))
                common.write_file(FW_ZONE, '<?xml version="1.0" encoding="utf-8"?>\n<zone>\n  <short>Public</short>\n'
                                  '  <service name="ssh"/>\n  <service name="dhcpv6-client"/>\n%s</zone>\n' % body)
            else:
                common.write_file(FW_RUNTIME, "\n".join(sorted(ports)) + "\n")
            changed = True
    if "--reload" in argv:
        if os.path.exists(FW_RUNTIME):
            os.remove(FW_RUNTIME)
        changed = True
    if changed:
        firewalld_apply()
    if any(a.startswith(("--add-", "--remove-", "--reload", "--permanent", "--zone")) for a in argv):
        print("success")
        return 0
    if "--list-all" in argv:
        print("public (active)\n  target: default\n  interfaces: eth0\n  services: dhcpv6-client ssh\n  ports: ")
        return 0
    return 0


def ufw(argv):
    conf = "/etc/ufw/ufw.conf"
    enabled_ = "ENABLED=yes" in (common.read_file(conf, "") or "")
    args = [a for a in argv if not a.startswith("--")]
    if not args:
        die("ERROR: not enough args", 1)
    cmd = args[0]
    if cmd == "status":
        if enabled_:
            print("Status: active\n\nTo                         Action      From\n--                         ------      ----\n"
                  "22/tcp                     ALLOW       Anywhere")
        else:
            print("Status: inactive")
        return 0
    common.log_call()
    if cmd == "disable":
        t = (common.read_file(conf, "") or "").replace("ENABLED=yes", "ENABLED=no")
        common.write_file(conf, t)
        print("Firewall stopped and disabled on system startup")
        ufw_apply()
        return 0
    if cmd == "enable":
        if "--force" not in argv:
            print("Command may disrupt existing ssh connections. Proceed with operation (y|n)? Aborted")
            return 0
        t = (common.read_file(conf, "") or "").replace("ENABLED=no", "ENABLED=yes")
        common.write_file(conf, t)
        print("Firewall is active and enabled on system startup")
        ufw_apply()
        return 0
    if cmd == "allow" and len(args) > 1:
        spec = args[1]
        port, _, proto = spec.partition("/")
        if spec.lower() in ("ssh", "openssh"):
            port, proto = "22", "tcp"
        if port.replace(":", "").isdigit():
            with open("/etc/ufw/user.rules", "a") as f:
                f.write("### tuple ### allow %s %s 0.0.0.0/0 any 0.0.0.0/0 in\n" % (proto or "any", port))
            ufw_apply()
    if cmd in ("allow", "deny", "reject", "limit", "delete"):
        print("Rules updated\nRules updated (v6)")
        return 0
    die("ERROR: Invalid syntax", 1)


# ----- packet filters (real iptables rules in the host's network namespace) ---------------------

FW_ZONE = "/etc/firewalld/zones/public.xml"
FW_RUNTIME = RUN + "/firewalld-ports"


def iptables(*args):
    return subprocess.run(["/usr/sbin/iptables", "-w"] + list(args), capture_output=True, text=True).returncode == 0


def fw_chain(chain, on, ports, final):
    """(Re)builds CHAIN hooked into INPUT: established + lo + ssh + ports accepted, the rest FINAL."""
    iptables("-D", "INPUT", "-j", chain)
    iptables("-F", chain)
    iptables("-X", chain)
    if not on:
        return
    iptables("-N", chain)
    iptables("-A", chain, "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT")
    iptables("-A", chain, "-i", "lo", "-j", "ACCEPT")
    iptables("-A", chain, "-p", "icmp", "-j", "ACCEPT")
    for proto, port in ports:
        iptables("-A", chain, "-p", proto, "--dport", port.replace("-", ":"), "-j", "ACCEPT")
    iptables("-A", chain, *final)
    iptables("-I", "INPUT", "-j", chain)


def firewalld_permanent_ports():
    import re as _re

    return _re.findall(r'<port protocol="(tcp|udp)" port="([0-9-]+)"', common.read_file(FW_ZONE, "") or "")


def firewalld_runtime_ports():
    out = []
    for line in (common.read_file(FW_RUNTIME, "") or "").split():
        port, _, proto = line.partition("/")
        out.append((proto or "tcp", port))
    return out


def firewalld_apply():
    on = svc_pid("firewalld") is not None
    ports = [("tcp", "22")] + firewalld_permanent_ports() + firewalld_runtime_ports()
    fw_chain("KWSIM-FIREWALLD", on, ports, ["-j", "REJECT", "--reject-with", "icmp-host-prohibited"])


def ufw_rules():
    out = []
    for line in (common.read_file("/etc/ufw/user.rules", "") or "").splitlines():
        if line.startswith("### tuple ### allow"):
            f = line.split()
            # ### tuple ### allow tcp 6443 0.0.0.0/0 any 0.0.0.0/0 in
            out.append((f[4] if f[4] in ("tcp", "udp") else "tcp", f[5]))
    return out


def ufw_apply():
    on = "ENABLED=yes" in (common.read_file("/etc/ufw/ufw.conf", "") or "")
    fw_chain("KWSIM-UFW", on, ufw_rules(), ["-j", "DROP"])


# ----- boot ------------------------------------------------------------------------------------


def prepare_boot():
    """Runtime files for the fake /proc entries, the hardware identity, and fresh runtime state."""
    h = common.host()
    os.makedirs(RUN + "/proc", exist_ok=True)
    os.makedirs(RUN + "/dmi", exist_ok=True)
    cpus = int(h.get("cpus", 2))
    cpu = ""
    for i in range(cpus):
        cpu += ("processor\t: %d\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 85\n"
                "model name\t: Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz\nstepping\t: 7\ncpu MHz\t\t: 2494.140\n"
                "cache size\t: 28160 KB\nphysical id\t: 0\nsiblings\t: %d\ncore id\t\t: %d\ncpu cores\t: %d\n"
                "flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ss "
                "syscall nx pdpe1gb rdtscp lm constant_tsc rep_good nopl xtopology cpuid pni pclmulqdq ssse3 fma cx16 pcid "
                "sse4_1 sse4_2 x2apic movbe popcnt aes xsave avx f16c rdrand hypervisor lahf_lm abm avx2\n"
                "bogomips\t: 4988.28\naddress sizes\t: 46 bits physical, 48 bits virtual\n\n" % (i, cpus, i, cpus))
    common.write_file(RUN + "/proc/cpuinfo", cpu, 0o444)
    common.write_file(RUN + "/proc/version", "Linux version %s (mockbuild@kbuilder) (gcc version 8.5.0) %s\n"
                      % (h["kernel"], "#1 SMP"), 0o444)
    common.write_file(RUN + "/proc/osrelease", h["kernel"] + "\n", 0o444)
    common.write_file(RUN + "/proc/modules", "", 0o444)
    common.write_file(RUN + "/proc/swaps", "", 0o444)
    common.write_file(RUN + "/proc/meminfo", "", 0o444)
    common.write_file(RUN + "/dmi/product_uuid", h["product_uuid"] + "\n", 0o400)
    common.write_file(RUN + "/dmi/product_serial", "VMware-" + h["product_uuid"].replace("-", "")[:16] + "\n", 0o400)
    common.write_file(RUN + "/dmi/product_name", "VMware Virtual Platform\n", 0o444)
    common.write_file(RUN + "/dmi/sys_vendor", "VMware, Inc.\n", 0o444)
    common.write_file(RUN + "/dmi/board_vendor", "Intel Corporation\n", 0o444)
    common.write_file(RUN + "/cgroup_version", "%d\n" % common.cgroup_version())
    common.write_file(SWAP_STATE, "")
    common.write_file(MOD_STATE, "\n".join(BOOT_MODULES) + "\n")
    write_proc_modules(BOOT_MODULES)
    write_proc_swaps()
    write_meminfo()
    if common.family() == "rhel":
        common.write_file(SELINUX_RUN, selinux_config_mode() + "\n")


def boot_replay(log):
    """What systemd does at boot: modules-load.d, sysctl.d, fstab swap, enabled services."""
    mods = loaded_modules()
    known = known_modules()
    files = []
    for d in ("/etc/modules-load.d", "/run/modules-load.d", "/usr/lib/modules-load.d"):
        files += sorted(glob.glob(d + "/*.conf"))
    if common.family() == "debian" and os.path.exists("/etc/modules"):
        files.append("/etc/modules")
    for f in files:
        for line in (common.read_file(f, "") or "").splitlines():
            line = line.split("#", 1)[0].strip()
            if line and not line.startswith(";"):
                if not load_module(line.split()[0], mods, known):
                    log.write("systemd-modules-load: Failed to find module '%s'\n" % line)
    set_modules(mods)
    for f in sysctl_files():
        sysctl_apply_file(f, True, False)
    act = []
    for spec in fstab_swaps():
        if spec in swap_specs() and common.host().get("swap_mb", 0) > 0 and not masked(swap_unit_name()):
            act = [swap_device()]
    set_swaps(act)
    order = sorted(glob.glob(WANTS + "/*.service"),
                   key=lambda p: BOOT_ORDER.index(os.path.basename(p)[:-8]) if os.path.basename(p)[:-8] in BOOT_ORDER else 50)
    ufw_apply()
    for link in order:
        name = os.path.basename(link)[:-8]
        if masked(name) or not unit_exists(name) or name not in UNITS:
            continue
        ok, msg = start_unit(name)
        log.write("boot: start %s: %s\n" % (name, "ok" if ok else msg))
    log.flush()


def init(argv):
    """PID 1 of the host: boot, run sshd (respawned when it exits), reap orphans."""
    os.makedirs(common.LOGDIR, exist_ok=True)
    log = open(os.path.join(common.LOGDIR, "boot.log"), "a")
    log.write("boot at %d\n" % time.time())
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    try:
        boot_replay(log)
    except Exception as e:  # keep booting: sshd must come up
        log.write("boot replay error: %r\n" % (e,))
        log.flush()

    def start_sshd():
        return subprocess.Popen(["/usr/sbin/sshd", "-D", "-E", os.path.join(common.LOGDIR, "sshd.log")],
                                stdin=subprocess.DEVNULL).pid

    sshd = start_sshd()
    common.write_file(RUN + "/booted", "%d\n" % time.time())
    while True:
        try:
            pid, _status = os.wait()
        except ChildProcessError:
            time.sleep(0.5)
            continue
        except InterruptedError:
            continue
        if pid == sshd:
            time.sleep(0.05)
            if not os.path.exists(RUN + "/sshd.disabled"):
                sshd = start_sshd()


def sleep_daemon(name):
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    while True:
        time.sleep(3600)
