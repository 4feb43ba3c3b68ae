"""First boot of a simulated host: turns the overlays into a fresh machine of the chosen flavour.

Runs once, as root inside the host's namespaces, after the overlays are mounted.
"""

import os
import shutil
import subprocess
import sys
import uuid

sys.path.insert(0, "/usr/lib/kwsim")

from kwsim import common, data, pkg, system  # noqa: E402

STUB = """#!/usr/bin/python3 -S
import sys
sys.path.insert(0, "/usr/lib/kwsim")
from kwsim.tool import main
main()
"""

# Tools replaced on every flavour (real path -> simulated).
COMMON_TOOLS = [
    "/usr/bin/systemctl", "/usr/sbin/modprobe", "/usr/sbin/lsmod", "/usr/sbin/modinfo", "/usr/sbin/sysctl",
    "/usr/sbin/swapoff", "/usr/sbin/swapon", "/usr/bin/hostnamectl", "/usr/bin/timedatectl", "/usr/bin/curl",
    "/usr/bin/uname", "/usr/bin/nproc", "/usr/bin/date", "/usr/bin/journalctl", "/usr/bin/kwsim-ctl",
]
RHEL_TOOLS = ["/usr/sbin/setenforce", "/usr/sbin/getenforce", "/usr/sbin/sestatus", "/usr/bin/firewall-cmd",
              "/usr/bin/rpm"]
DEB_TOOLS = ["/usr/sbin/ufw", "/usr/bin/apt-get", "/usr/bin/apt-cache", "/usr/bin/apt-mark", "/usr/bin/apt",
             "/usr/bin/dpkg-query", "/usr/bin/dpkg", "/usr/bin/wget"]
# Debian tools a RHEL machine does not have.
RHEL_ABSENT = ["/usr/bin/apt", "/usr/bin/apt-get", "/usr/bin/apt-cache", "/usr/bin/apt-mark", "/usr/bin/apt-key",
               "/usr/bin/apt-config", "/usr/bin/dpkg", "/usr/bin/dpkg-query", "/usr/bin/dpkg-deb", "/usr/bin/wget",
               "/usr/sbin/ufw", "/etc/apt", "/etc/dpkg", "/etc/debian_version"]


def install_stub(path):
    if os.path.lexists(path):
        os.remove(path)
    common.write_file(path, STUB, 0o755)


def remove(path):
    if os.path.islink(path) or os.path.isfile(path) or (os.path.exists(path) and not os.path.isdir(path)):
        os.remove(path)
    elif os.path.isdir(path):
        shutil.rmtree(path)


def run(*args, **kw):
    subprocess.run(list(args), check=True, **kw)


def main():
    h = common.host()
    fl = h["flavour"]
    fam = common.family()

    # --- identity -----------------------------------------------------------------------
    for p in ("/etc/os-release", "/usr/lib/os-release"):
        if os.path.lexists(p):
            os.remove(p)
    common.write_file("/etc/os-release", data.OS_RELEASE[fl])
    common.write_file("/usr/lib/os-release", data.OS_RELEASE[fl])
    if fl == "centos7":
        common.write_file("/etc/centos-release", "CentOS Linux release 7.9.2009 (Core)\n")
        os.symlink("centos-release", "/etc/redhat-release")
        os.symlink("centos-release", "/etc/system-release")
    elif fl in ("rocky9", "rocky8"):
        common.write_file("/etc/rocky-release", "Rocky Linux release 9.3 (Blue Onyx)\n" if fl == "rocky9" else
                          "Rocky Linux release 8.9 (Green Obsidian)\n")
        os.symlink("rocky-release", "/etc/redhat-release")
        os.symlink("rocky-release", "/etc/system-release")
    if fam == "rhel":
        for p in RHEL_ABSENT:
            if os.path.lexists(p):
                remove(p)
    if fl.startswith("ubuntu"):
        common.write_file("/etc/debian_version", "bookworm/sid\n" if fl == "ubuntu2204" else "trixie/sid\n")
        rel, code, desc = ("22.04", "jammy", "Ubuntu 22.04.3 LTS") if fl == "ubuntu2204" else \
            ("24.04", "noble", "Ubuntu 24.04.1 LTS")
        common.write_file("/etc/lsb-release", "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=%s\nDISTRIB_CODENAME=%s\n"
                          "DISTRIB_DESCRIPTION=\"%s\"\n" % (rel, code, desc))

    common.write_file("/etc/hostname", h.get("hostname") or data.DEFAULT_HOSTNAME[fl] + "\n")
    if not common.read_file("/etc/hostname").endswith("\n"):
        common.write_file("/etc/hostname", common.read_file("/etc/hostname") + "\n")
    common.write_file("/etc/hosts", "127.0.0.1   localhost localhost.localdomain localhost4 localhost4.localdomain4\n"
                      "::1         localhost localhost.localdomain localhost6 localhost6.localdomain6\n")
    if os.path.lexists("/etc/resolv.conf"):
        os.remove("/etc/resolv.conf")
    common.write_file("/etc/resolv.conf", "# no DNS on the test network\nnameserver 127.0.0.1\noptions timeout:1 attempts:1\n")
    common.write_file("/etc/machine-id", uuid.uuid4().hex + "\n", 0o444)
    swapdev, swapline = data.FSTAB_SWAP[fl]
    fstab = "#\n# /etc/fstab\n#\n" + data.FSTAB_ROOT[fl]
    if h.get("swap_mb", 0) > 0:
        fstab += swapline + "\n"
    common.write_file("/etc/fstab", fstab)
    if fam == "rhel":
        common.write_file("/etc/selinux/config", "\n# This file controls the state of SELinux on the system.\n"
                          "# SELINUX= can take one of these three values:\n"
                          "#     enforcing - SELinux security policy is enforced.\n"
                          "#     permissive - SELinux prints warnings instead of enforcing.\n"
                          "#     disabled - No SELinux policy is loaded.\n"
                          "SELINUX=%s\n# SELINUXTYPE= can take one of three values:\nSELINUXTYPE=targeted\n\n"
                          % h.get("selinux", "enforcing"))
        os.makedirs("/etc/sysconfig", exist_ok=True)
        os.makedirs("/etc/yum.repos.d", exist_ok=True)
        for name, text in pkg.base_repo_files(fl).items():
            common.write_file("/etc/yum.repos.d/" + name, text)
    else:
        if os.path.isdir("/etc/apt/sources.list.d"):
            shutil.rmtree("/etc/apt/sources.list.d")
        os.makedirs("/etc/apt/sources.list.d", exist_ok=True)
        common.write_file("/etc/apt/sources.list", pkg.base_apt_sources(fl))
        if os.path.isdir("/etc/apt/keyrings"):
            shutil.rmtree("/etc/apt/keyrings")
        if fl != "debian11":
            os.makedirs("/etc/apt/keyrings", mode=0o755, exist_ok=True)  # present from Ubuntu 22.04 / Debian 12
        if fl.startswith("ubuntu"):
            common.write_file("/etc/ufw/ufw.conf", "# /etc/ufw/ufw.conf\n#\n\n# Set to yes to start on boot.\nENABLED=no\n\nLOGLEVEL=low\n")

    if os.path.lexists("/etc/localtime"):
        os.remove("/etc/localtime")
    os.symlink("../usr/share/zoneinfo/Etc/UTC", "/etc/localtime")
    if fam == "debian":
        common.write_file("/etc/timezone", "Etc/UTC\n")

    # --- simulator tools ----------------------------------------------------------------------
    os.makedirs("/usr/lib/kwsim/real", exist_ok=True)
    shutil.copy2("/usr/bin/date", "/usr/lib/kwsim/real/date")
    shutil.copy2("/usr/bin/uname", "/usr/lib/kwsim/real/uname")
    # Workstation tools a fresh machine does not have (they come with packages).
    for t in ("/usr/bin/kubectl", "/usr/bin/kubeadm", "/usr/bin/kubelet", "/usr/bin/crictl", "/usr/bin/ctr",
              "/usr/bin/containerd", "/usr/bin/helm", "/usr/bin/docker", "/usr/sbin/ipvsadm", "/usr/bin/chronyc",
              "/usr/bin/yum-config-manager", "/usr/local/bin/kubectl", "/usr/local/bin/helm"):
        if os.path.lexists(t):
            os.remove(t)
    # Tools kubeadm's preflight looks up that a fresh machine of this flavour lacks (they come with packages).
    for t in pkg.ABSENT_AT_FIRST_BOOT + pkg.ABSENT_AT_FIRST_BOOT_EL.get(fl, []):
        if os.path.lexists(t):
            os.remove(t)
    tools = COMMON_TOOLS + (RHEL_TOOLS if fam == "rhel" else DEB_TOOLS)
    for t in tools:
        install_stub(t)
    if fam == "rhel":
        if fl == "centos7":
            install_stub("/usr/bin/yum")
        else:
            install_stub("/usr/bin/dnf")
            install_stub("/usr/bin/yum")  # dnf-3 compat link on EL8+
    os.makedirs("/etc/kwsim", exist_ok=True)
    prof = h.get("profile") or {}
    common.write_file("/etc/kwsim/profile", "".join("%s=%s\n" % (k, v) for k, v in sorted(prof.items())))

    # Whatever this workstation itself holds of Kubernetes or kubewiz is not on a fresh machine
    # (the overlays' lower layer is the workstation's own /etc and /var).
    for p in ("/var/log/kubewiz", "/var/lib/kubewiz", "/etc/kubernetes", "/var/lib/kubelet",
              "/var/lib/etcd", "/etc/cni", "/opt/cni", "/etc/containerd", "/root/.kube"):
        remove(p)

    # Kernel modules directory of the simulated kernel.
    system.write_modules_dir()

    # Packages and services of a fresh machine (not the workstation's units).
    if os.path.isdir("/etc/systemd/system"):
        shutil.rmtree("/etc/systemd/system")
    os.makedirs("/etc/systemd/system/multi-user.target.wants", exist_ok=True)
    pkg.provision_packages()
    for svc, (enabled, _running) in data.PRESERVICES[fl].items():
        system.write_unit(svc)
        if enabled:
            system.enable_unit(svc, quiet=True)

    # --- sshd ---------------------------------------------------------------------------------
    for f in os.listdir("/etc/ssh"):
        if f.startswith("ssh_host_"):
            os.remove(os.path.join("/etc/ssh", f))
    if os.path.isdir("/etc/ssh/sshd_config.d"):
        shutil.rmtree("/etc/ssh/sshd_config.d")
    os.makedirs("/etc/ssh/sshd_config.d", exist_ok=True)
    run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "root@" + h["name"], "-f", "/etc/ssh/ssh_host_ed25519_key")
    auth = h.get("auth") or {}
    root_pw = auth.get("root_password")
    user = auth.get("user")
    password_auth = bool(root_pw) or bool(user and user.get("password"))
    common.write_file("/etc/ssh/sshd_config", """# kubewiz test host
Include /etc/ssh/sshd_config.d/*.conf
Port 22
ListenAddress 0.0.0.0
HostKey /etc/ssh/ssh_host_ed25519_key
PermitRootLogin %s
PubkeyAuthentication yes
PasswordAuthentication %s
KbdInteractiveAuthentication no
UsePAM no
PrintMotd no
AcceptEnv LANG LC_*
Subsystem sftp /usr/lib/openssh/sftp-server
PidFile /run/sshd.pid
""" % ("yes" if root_pw else "prohibit-password", "yes" if password_auth else "no"))

    os.makedirs("/root/.ssh", mode=0o700, exist_ok=True)
    os.chmod("/root", 0o550 if fam == "rhel" else 0o700)
    if auth.get("root_key", True) and h.get("client_pubkey"):
        common.write_file("/root/.ssh/authorized_keys", h["client_pubkey"].strip() + "\n", 0o600)
    if root_pw:
        run("chpasswd", input=("root:%s\n" % root_pw).encode())
    if user:
        name = user["name"]
        run("useradd", "-m", "-s", "/bin/bash", name)
        if user.get("password"):
            run("chpasswd", input=("%s:%s\n" % (name, user["password"])).encode())
        else:
            # A locked password ("!") makes sshd refuse key logins with UsePAM no; "*" does not.
            run("usermod", "-p", "*", name)
        home = "/home/" + name
        if user.get("key", True) and h.get("client_pubkey"):
            os.makedirs(home + "/.ssh", mode=0o700, exist_ok=True)
            common.write_file(home + "/.ssh/authorized_keys", h["client_pubkey"].strip() + "\n", 0o600)
            run("chown", "-R", "%s:%s" % (name, name), home + "/.ssh")
        sudo = user.get("sudo", "nopasswd")
        if sudo == "nopasswd":
            common.write_file("/etc/sudoers.d/90-" + name, "%s ALL=(ALL) NOPASSWD:ALL\n" % name, 0o440)
        elif sudo == "password":
            common.write_file("/etc/sudoers.d/90-" + name, "%s ALL=(ALL) ALL\n" % name, 0o440)

    os.makedirs(common.LOGDIR, exist_ok=True)


if __name__ == "__main__":
    main()
