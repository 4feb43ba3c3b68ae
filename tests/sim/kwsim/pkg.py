"""Package managers: yum/dnf/rpm/yum-config-manager (RHEL family), apt-get/apt-cache/apt-mark/dpkg-query/dpkg
(Debian family). A package is installable only when a configured, reachable, trusted repository carries
it; installing it puts its (simulated) files in place."""

import configparser
import fnmatch
import glob
import os
import re
import sys
import time

from kwsim import common, data
from kwsim.common import LIB, err, die

DB = LIB + "/packages.json"
APT_INDEX = LIB + "/apt-index.json"
STUB_SRC = "/usr/bin/kwsim-ctl"  # every stub has the same content

K8S_PKGS = ["kubeadm", "kubelet", "kubectl", "cri-tools", "kubernetes-cni"]

BASE_RPM = {
    "centos7": {"chrony": "3.4-1.el7", "ipset": "7.1-1.el7", "ipvsadm": "1.27-8.el7", "wget": "1.14-18.el7_6.1",
                "conntrack-tools": "1.4.4-7.el7", "socat": "1.7.3.2-2.el7", "yum-utils": "1.1.31-54.el7_8",
                "container-selinux": "2.119.2-1.911c772.el7_8", "ebtables": "2.0.10-16.el7", "ethtool": "4.8-10.el7",
                "curl": "7.29.0-59.el7_9.2", "tar": "1.26-35.el7", "vim-enhanced": "7.4.629-8.el7_9",
                "bash-completion": "2.1-8.el7", "nfs-utils": "1.3.0-0.68.el7.2", "openssl": "1.0.2k-26.el7_9",
                "net-tools": "2.0-0.25.20131004git.el7", "device-mapper-persistent-data": "0.8.5-3.el7_9.2",
                "lvm2": "2.02.187-6.el7_9.5", "libseccomp": "2.3.1-4.el7", "iproute": "4.11.0-30.el7",
                "yum-plugin-versionlock": "1.1.31-54.el7_8", "gnupg2": "2.0.22-5.el7_5", "jq": "1.6-2.el7",
                "ntpdate": "4.2.6p5-29.el7.centos.2", "iptables": "1.4.21-35.el7", "sudo": "1.8.23-10.el7_9.3"},
    "rocky9": {"chrony": "4.3-1.el9", "ipset": "7.11-8.el9", "ipvsadm": "1.31-6.el9", "wget": "1.21.1-7.el9",
               "conntrack-tools": "1.4.7-2.el9", "socat": "1.7.4.1-5.el9", "yum-utils": "4.3.0-11.el9",
               "dnf-plugins-core": "4.3.0-11.el9", "container-selinux": "2.221.0-1.el9", "iproute-tc": "6.2.0-5.el9",
               "ebtables-legacy": "2.0.11-9.el9", "ethtool": "6.2-1.el9", "curl": "7.76.1-26.el9_3.2", "tar": "1.34-6.el9_1",
               "vim-enhanced": "8.2.2637-20.el9_1", "bash-completion": "2.11-5.el9", "nfs-utils": "2.5.4-20.el9",
               "openssl": "3.0.7-24.el9", "net-tools": "2.0-0.62.20160912git.el9", "lvm2": "2.03.21-3.el9",
               "libseccomp": "2.5.2-2.el9", "python3-dnf-plugin-versionlock": "4.3.0-11.el9", "jq": "1.6-15.el9",
               "iptables-nft": "1.8.8-6.el9", "gnupg2": "2.3.3-4.el9", "sudo": "1.9.5p2-9.el9"},
}
BASE_DEB = {
    "ubuntu2204": {"chrony": "4.2-2ubuntu2", "ipset": "7.15-1build1", "ipvsadm": "1:1.31-1build2",
                   "wget": "1.21.2-2ubuntu1", "conntrack": "1:1.4.6-2build2", "socat": "1.7.4.1-3ubuntu4",
                   "ebtables": "2.0.11-4build2", "ethtool": "1:5.16-1ubuntu0.1", "apt-transport-https": "2.4.11",
                   "ca-certificates": "20230311ubuntu0.22.04.1", "curl": "7.81.0-1ubuntu1.15", "gnupg": "2.2.27-3ubuntu2.1",
                   "gpg": "2.2.27-3ubuntu2.1", "lsb-release": "11.1.0ubuntu4", "software-properties-common": "0.99.22.9",
                   "containerd": data.DISTRO_CONTAINERD["ubuntu2204"][-1], "runc": "1.1.7-0ubuntu1~22.04.2",
                   "jq": "1.6-2.1ubuntu3", "vim": "2:8.2.3995-1ubuntu2.15", "bash-completion": "1:2.11-5ubuntu1",
                   "nfs-common": "1:2.6.1-1ubuntu1.2", "iptables": "1.8.7-1ubuntu5.1", "libseccomp2": "2.5.3-2ubuntu2",
                   "net-tools": "1.60+git20181103.0eebece-1ubuntu5", "iproute2": "5.15.0-1ubuntu2", "sudo": "1.9.9-1ubuntu2.4"},
    "debian12": {"chrony": "4.3-2+deb12u1", "ipset": "7.17-1", "ipvsadm": "1:1.31-1+b1", "wget": "1.21.3-1+b2",
                 "conntrack": "1:1.4.7-1+b2", "socat": "1.7.4.4-2", "ebtables": "2.0.11-5", "ethtool": "1:6.1-1",
                 "apt-transport-https": "2.6.1", "ca-certificates": "20230311", "curl": "7.88.1-10+deb12u5",
                 "gnupg": "2.2.40-1.1", "gpg": "2.2.40-1.1", "lsb-release": "12.0-1",
                 "containerd": data.DISTRO_CONTAINERD["debian12"][0], "runc": "1.1.5+ds1-1+deb12u1", "jq": "1.6-2.1",
                 "iptables": "1.8.9-2", "iproute2": "6.1.0-3", "sudo": "1.9.13p3-1+deb12u1"},
}

# bullseye main (`apt-cache madison`, deb.debian.org, December 2026).
BASE_DEB["debian11"] = {"chrony": "4.0-8+deb11u2", "ipset": "7.10-1", "ipvsadm": "1:1.31-1+b1", "wget": "1.21-1+deb11u1",
                        "conntrack": "1:1.4.6-2", "socat": "1.7.4.1-3", "ebtables": "2.0.11-4+b1", "ethtool": "1:5.9-1",
                        "apt-transport-https": "2.2.4", "ca-certificates": "20210119", "curl": "7.74.0-1.3+deb11u13",
                        "gnupg": "2.2.27-2+deb11u2", "gpg": "2.2.27-2+deb11u2", "lsb-release": "11.1.0",
                        "containerd": data.DISTRO_CONTAINERD["debian11"][0], "runc": "1.0.0~rc93+ds1-5+deb11u5",
                        "jq": "1.6-2.1", "iptables": "1.8.7-1", "iproute2": "5.10.0-4", "sudo": "1.9.5p2-3+deb11u1"}

BASE_RPM["rocky8"] = {k: v.replace("el9", "el8") for k, v in BASE_RPM["rocky9"].items()}
BASE_DEB["ubuntu2404"] = dict(BASE_DEB["ubuntu2204"], containerd=data.DISTRO_CONTAINERD["ubuntu2404"][-1])

# What a package puts on disk: simulated binaries and service units.
FILES = {
    "kubeadm": ["/usr/bin/kubeadm"],
    "kubelet": ["/usr/bin/kubelet"],
    "kubectl": ["/usr/bin/kubectl"],
    "cri-tools": ["/usr/bin/crictl"],
    "containerd.io": ["/usr/bin/containerd", "/usr/bin/ctr"],
    "containerd": ["/usr/bin/containerd", "/usr/bin/ctr"],
    "chrony": ["/usr/bin/chronyc"],
    "ipvsadm": ["/usr/sbin/ipvsadm"],
    "wget": ["/usr/bin/wget"],
    "yum-utils": ["/usr/bin/yum-config-manager"],
    # Binaries kubeadm's preflight looks up in PATH (cmd/kubeadm/app/preflight/checks_linux.go addExecChecks).
    "conntrack": ["/usr/sbin/conntrack"],
    "conntrack-tools": ["/usr/sbin/conntrack"],
    "socat": ["/usr/bin/socat"],
    "ebtables": ["/usr/sbin/ebtables"],
    "ebtables-legacy": ["/usr/sbin/ebtables"],
    "ethtool": ["/usr/sbin/ethtool"],
    "iproute-tc": ["/usr/sbin/tc"],
}
# Binaries a fresh machine of each flavour lacks although the workstation (the overlays' lower layer) may have
# them: removed at first boot, installed with their package.
ABSENT_AT_FIRST_BOOT = ["/usr/sbin/conntrack", "/usr/bin/socat", "/usr/sbin/ebtables", "/usr/sbin/ethtool"]
ABSENT_AT_FIRST_BOOT_EL = {"rocky8": ["/usr/sbin/tc"], "rocky9": ["/usr/sbin/tc"]}
# `yum|dnf install /path/to/binary` resolves the package that provides the file.
FILE_PROVIDES_RPM = {
    "/usr/sbin/conntrack": "conntrack-tools", "/usr/bin/socat": "socat", "/usr/sbin/ethtool": "ethtool",
    "/usr/sbin/ebtables": "ebtables", "/usr/sbin/tc": "iproute", "/usr/sbin/iptables": "iptables",
}
FILE_PROVIDES_RPM_EL = {
    "rocky8": {"/usr/sbin/ebtables": "ebtables-legacy", "/usr/sbin/tc": "iproute-tc", "/usr/sbin/iptables": "iptables-nft"},
    "rocky9": {"/usr/sbin/ebtables": "ebtables-legacy", "/usr/sbin/tc": "iproute-tc", "/usr/sbin/iptables": "iptables-nft"},
}


def file_provider(path):
    return FILE_PROVIDES_RPM_EL.get(common.flavour(), {}).get(path) or FILE_PROVIDES_RPM.get(path)
UNIT_OF = {"kubelet": "kubelet", "containerd.io": "containerd", "containerd": "containerd"}

CONTAINERD_IO_CONFIG = """#   Copyright 2018-2022 Docker Inc.

#   Licensed under the Apache License, Version 2.0 (the "License");
#   you may not use this file except in compliance with the License.
#   You may obtain a copy of the License at

#       http://www.apache.org/licenses/LICENSE-2.0

#   Unless required by applicable law or agreed to in writing, software
#   distributed under the License is distributed on an "AS IS" BASIS,
#   WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
#   See the License for the specific language governing permissions and
#   limitations under the License.

disabled_plugins = ["cri"]

#root = "/var/lib/containerd"
#state = "/run/containerd"
#subreaper = true
#oom_score = 0

#[grpc]
#  address = "/run/containerd/containerd.sock"
#  uid = 0
#  gid = 0

#[debug]
#  address = "/run/containerd/debug.sock"
#  uid = 0
#  gid = 0
#  level = "info"
"""

DOCKER_REPO = """[docker-ce-stable]
name=Docker CE Stable - $basearch
baseurl=%(base)s/linux/%(os)s/$releasever/$basearch/stable
enabled=1
gpgcheck=1
gpgkey=%(base)s/linux/%(os)s/gpg

[docker-ce-stable-debuginfo]
name=Docker CE Stable - Debuginfo $basearch
baseurl=%(base)s/linux/%(os)s/$releasever/debug-$basearch/stable
enabled=0
gpgcheck=1
gpgkey=%(base)s/linux/%(os)s/gpg

[docker-ce-stable-source]
name=Docker CE Stable - Sources
baseurl=%(base)s/linux/%(os)s/$releasever/source/stable
enabled=0
gpgcheck=1
gpgkey=%(base)s/linux/%(os)s/gpg

[docker-ce-test]
name=Docker CE Test - $basearch
baseurl=%(base)s/linux/%(os)s/$releasever/$basearch/test
enabled=0
gpgcheck=1
gpgkey=%(base)s/linux/%(os)s/gpg
"""


def base_repo_files(fl):
    if fl == "centos7" and common.host().get("centos_eol_repos"):
        # What a CentOS 7.9 installed from the 2009 media really has: mirrorlist.centos.org, gone since 2024.
        t = ""
        for rid, sub in (("base", "os"), ("updates", "updates"), ("extras", "extras")):
            t += ("[%s]\nname=CentOS-$releasever - %s\nmirrorlist=http://mirrorlist.centos.org/?release=$releasever&arch="
                  "$basearch&repo=%s&infra=$infra\n#baseurl=http://mirror.centos.org/centos/$releasever/%s/$basearch/\n"
                  "gpgcheck=1\ngpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-CentOS-7\n\n" % (rid, rid.capitalize(), sub, sub))
        common.write_file("/etc/pki/rpm-gpg/RPM-GPG-KEY-CentOS-7", data.DUMMY_KEY)
        return {"CentOS-Base.repo": t}
    if fl == "centos7":
        t = ""
        for rid, sub in (("base", "os"), ("updates", "updates"), ("extras", "extras")):
            t += ("[%s]\nname=CentOS-$releasever - %s\nbaseurl=http://vault.centos.org/7.9.2009/%s/$basearch/\n"
                  "gpgcheck=1\ngpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-CentOS-7\n\n" % (rid, rid.capitalize(), sub))
        common.write_file("/etc/pki/rpm-gpg/RPM-GPG-KEY-CentOS-7", data.DUMMY_KEY)
        return {"CentOS-Base.repo": t}
    t = ""
    for rid, sub in (("baseos", "BaseOS"), ("appstream", "AppStream"), ("extras", "extras")):
        # (the same layout on Rocky 8 and 9; $releasever picks the release)
        t += ("[%s]\nname=Rocky Linux $releasever - %s\nmirrorlist=https://mirrors.rockylinux.org/mirrorlist?arch=$basearch"
              "&repo=%s-$releasever$rltype\n#baseurl=http://dl.rockylinux.org/$contentdir/$releasever/%s/$basearch/os/\n"
              "gpgcheck=1\nenabled=1\ncountme=1\nmetadata_expire=6h\ngpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-Rocky-9\n\n"
              % (rid, sub, sub, sub))
    major = "8" if fl == "rocky8" else "9"
    t = t.replace("RPM-GPG-KEY-Rocky-9", "RPM-GPG-KEY-Rocky-" + major)
    common.write_file("/etc/pki/rpm-gpg/RPM-GPG-KEY-Rocky-" + major, data.DUMMY_KEY)
    return {"Rocky-BaseOS.repo" if major == "8" else "rocky.repo": t}


def base_apt_sources(fl):
    if fl.startswith("ubuntu"):
        c = "jammy" if fl == "ubuntu2204" else "noble"
        return ("deb http://archive.ubuntu.com/ubuntu/ %s main restricted universe multiverse\n"
                "deb http://archive.ubuntu.com/ubuntu/ %s-updates main restricted universe multiverse\n"
                "deb http://security.ubuntu.com/ubuntu/ %s-security main restricted universe multiverse\n" % (c, c, c))
    if fl == "debian11":
        # bullseye's security suite is "bullseye-security" (the layout changed with Debian 11).
        return ("deb http://deb.debian.org/debian bullseye main\n"
                "deb http://deb.debian.org/debian-security bullseye-security main\n")
    return ("deb http://deb.debian.org/debian bookworm main\n"
            "deb http://deb.debian.org/debian-security bookworm-security main\n")


def db():
    return common.load_json(DB, {})


def save_db(d):
    common.save_json(DB, d)


def provision_packages():
    fl = common.flavour()
    d = {}
    for name, (v, r) in data.PREINSTALLED[fl].items():
        d[name] = {"version": v, "release": r, "repo": "anaconda" if common.family() == "rhel" else "now", "held": False}
        install_files(name, quiet=True, first_boot=True)
    save_db(d)


def install_files(name, quiet=False, first_boot=False):
    from kwsim import provision, system

    for f in FILES.get(name, []):
        if not os.path.exists(f) or open(f, "rb").read() != provision.STUB.encode():
            provision.install_stub(f)
    fam = common.family()
    if name == "chrony":
        system.write_unit("chronyd" if fam == "rhel" else "chrony")
        conf = "/etc/chrony.conf" if fam == "rhel" else "/etc/chrony/chrony.conf"
        if not os.path.exists(conf):
            common.write_file(conf, "pool 2.pool.ntp.org iburst\ndriftfile /var/lib/chrony/drift\nmakestep 1.0 3\nrtcsync\n")
    if name in ("firewalld", "ufw", "systemd-timesyncd"):
        system.write_unit(name)
    if name in UNIT_OF:
        system.write_unit(UNIT_OF[name])
    if name == "containerd.io" and not os.path.exists("/etc/containerd/config.toml"):
        common.write_file("/etc/containerd/config.toml", CONTAINERD_IO_CONFIG)
    if name == "kubeadm":
        dropin = ("[Service]\nEnvironment=\"KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf "
                  "--kubeconfig=/etc/kubernetes/kubelet.conf\"\nEnvironment=\"KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml\"\n"
                  "EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env\nExecStart=\nExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS "
                  "$KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS\n")
        common.write_file("/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf", dropin)
        os.makedirs("/etc/kubernetes/manifests", exist_ok=True)
    if name == "kubelet":
        common.write_file("/etc/sysconfig/kubelet" if fam == "rhel" else "/etc/default/kubelet", "KUBELET_EXTRA_ARGS=\n")
        os.makedirs("/var/lib/kubelet", exist_ok=True)
        os.makedirs("/etc/kubernetes/manifests", exist_ok=True)
    if name == "kubernetes-cni":
        os.makedirs("/opt/cni/bin", exist_ok=True)
        for b in ("bandwidth", "bridge", "dhcp", "firewall", "host-device", "host-local", "ipvlan", "loopback",
                  "macvlan", "portmap", "ptp", "sbr", "static", "tuning", "vlan", "vrf"):
            common.write_file("/opt/cni/bin/" + b, "#!/bin/sh\necho '{\"cniVersion\":\"1.0.0\"}'\n", 0o755)


def remove_files(name):
    from kwsim import system

    for f in FILES.get(name, []):
        if os.path.exists(f):
            os.remove(f)
    if name in UNIT_OF:
        others = [p for p, u in UNIT_OF.items() if u == UNIT_OF[name] and p != name and p in db()]
        if not others:
            system.remove_unit(UNIT_OF[name])


# ----- repositories ----------------------------------------------------------------------------

def k8s_versions(minor, legacy):
    out = []
    if legacy:
        last = data.LEGACY_LAST.get(minor)
        if last is None:
            return []
        return ["1.%d.%d" % (minor, p) for p in range(0, last + 1)]
    last = data.k8s_latest_patch(minor)
    if last is None:
        return []
    for p in range(0, last + 1):
        out.append("1.%d.%d" % (minor, p))
    return out


def carried(kind, info, fam):
    """name -> list of (version, release) carried by a repository."""
    fl = common.flavour()
    pk = {}
    if kind == "k8s":
        minor = info
        rel = "150500.1.1" if fam == "rhel" else "1.1"
        for v in k8s_versions(minor, False):
            for n in ("kubeadm", "kubelet", "kubectl"):
                pk.setdefault(n, []).append((v, rel))
        pk["cri-tools"] = [(data.CRI_TOOLS.get(minor, "1.%d.0" % minor), rel)]
        pk["kubernetes-cni"] = [(data.K8S_CNI.get(minor, "1.4.0"), rel)]
    elif kind == "k8s-legacy":
        rel = "0" if fam == "rhel" else "00"
        for minor in sorted(data.LEGACY_LAST):
            for v in k8s_versions(minor, True):
                for n in ("kubeadm", "kubelet", "kubectl"):
                    pk.setdefault(n, []).append((v, rel))
        pk["cri-tools"] = [("1.25.0", rel), ("1.26.0", rel)]
        pk["kubernetes-cni"] = [("1.1.1", rel), ("1.2.0", rel)]
    elif kind == "docker":
        key = fl
        for v in data.CONTAINERD_IO.get(key, []):
            if fam == "rhel":
                pk.setdefault("containerd.io", []).append((v, "3.1.el7" if fl == "centos7" else
                                                           ("1.el8" if fl == "rocky8" else "1.el9")))
            else:
                pk.setdefault("containerd.io", []).append(("%s-1~%s" % (v, data.DEB_DISTRO_TAG.get(fl, "")), ""))
    elif kind == "base":
        table = BASE_RPM.get(fl) if fam == "rhel" else BASE_DEB.get(fl)
        for n, vr in (table or {}).items():
            if fam == "rhel":
                v, r = vr.split("-", 1)
                pk[n] = [(v, r)]
            else:
                pk[n] = [(vr, "")]
        if fam != "rhel" and fl in data.DISTRO_CONTAINERD:
            pk["containerd"] = [(v, "") for v in data.DISTRO_CONTAINERD[fl]]
    return pk


def classify(url, fam):
    """(kind, info) for a repository URL, or None when the host does not resolve / exist."""
    u = url.strip()
    m = re.search(r"(pkgs\.k8s\.io/core:/stable:/|mirrors\.aliyun\.com/kubernetes-new/core/stable/|"
                  r"mirrors\.ustc\.edu\.cn/kubernetes/core:/stable:/)v1\.(\d+)/(rpm|deb)/?", u)
    if m:
        minor = int(m.group(2))
        if data.k8s_latest_patch(minor) is None or (m.group(3) == "rpm") != (fam == "rhel"):
            return ("404", None)
        return ("k8s", minor)
    if "mirrors.aliyun.com/kubernetes/yum/repos/kubernetes-el7" in u and fam == "rhel":
        return ("k8s-legacy", None)
    if re.search(r"mirrors\.aliyun\.com/kubernetes/apt/?$", u) and fam == "debian":
        return ("k8s-legacy", None)
    if re.search(r"(download\.docker\.com|mirrors\.aliyun\.com/docker-ce)/linux/(centos|rhel)/", u) and fam == "rhel":
        return ("docker", None)
    if re.search(r"(download\.docker\.com|mirrors\.aliyun\.com/docker-ce)/linux/(ubuntu|debian)/?$", u) and fam == "debian":
        return ("docker", None)
    if re.search(r"(vault\.centos\.org|mirrors\.aliyun\.com/centos|mirrors\.aliyun\.com/centos-vault|"
                 r"mirrors\.rockylinux\.org|dl\.rockylinux\.org|mirrors\.aliyun\.com/rockylinux|"
                 r"archive\.ubuntu\.com|security\.ubuntu\.com|mirrors\.aliyun\.com/ubuntu|deb\.debian\.org|"
                 r"mirrors\.aliyun\.com/debian)", u):
        return ("base", None)
    if u.startswith("file://"):
        return ("local", None)
    return None


def url_host(u):
    m = re.match(r"[a-z]+://([^/:]+)", u)
    return m.group(1) if m else u


KEY_URLS = [
    r"https://pkgs\.k8s\.io/core:/stable:/v1\.\d+/(deb/Release\.key|rpm/repodata/repomd\.xml\.key)",
    r"https://mirrors\.aliyun\.com/kubernetes-new/core/stable/v1\.\d+/(deb/Release\.key|rpm/repodata/repomd\.xml\.key)",
    r"https://mirrors\.ustc\.edu\.cn/kubernetes/core:/stable:/v1\.\d+/(deb/Release\.key|rpm/repodata/repomd\.xml\.key)",
    r"https?://mirrors\.aliyun\.com/kubernetes/(yum/doc/(yum-key|rpm-package-key)\.gpg|apt/doc/apt-key\.gpg)",
    r"https://(download\.docker\.com|mirrors\.aliyun\.com/docker-ce)/linux/(centos|ubuntu|debian|rhel)/gpg",
]


def key_blocked(u):
    from kwsim import netpolicy

    return netpolicy.reach("yum", u) is not None


def key_url_known(u):
    return any(re.fullmatch(p, u.strip()) for p in KEY_URLS)


def subst(s):
    rv = {"centos7": "7", "rocky8": "8"}.get(common.flavour(), "9")
    return (s.replace("$releasever", rv).replace("$basearch", "x86_64").replace("$contentdir", "pub/rocky")
            .replace("$rltype", "").replace("$arch", "x86_64").replace("$infra", "stock"))


def yum_repos():
    repos = []
    for f in sorted(glob.glob("/etc/yum.repos.d/*.repo")):
        cp = configparser.ConfigParser(interpolation=None, strict=False)
        try:
            cp.read(f)
        except configparser.Error as e:
            err("File contains parsing errors: %s: %s" % (f, e))
            continue
        for sec in cp.sections():
            g = lambda k, d="": cp.get(sec, k, fallback=d).strip()
            repos.append({
                "id": sec, "name": subst(g("name", sec)), "file": f,
                "baseurl": [subst(x) for x in g("baseurl").split()],
                "mirrorlist": subst(g("mirrorlist") or g("metalink")),
                "enabled": g("enabled", "1") in ("1", "true", "yes", "True"),
                "gpgcheck": g("gpgcheck", "0" if common.flavour() == "centos7" else "1") in ("1", "true", "yes", "True"),
                "repo_gpgcheck": g("repo_gpgcheck", "0") in ("1", "true", "yes", "True"),
                "gpgkey": [subst(x) for x in g("gpgkey").split()],
                "exclude": (g("exclude") or g("excludepkgs")).replace(",", " ").split(),
                "skip": g("skip_if_unavailable", "0") in ("1", "true", "True", "yes"),
            })
    return repos


def repo_meta(repo, fam):
    """(carried dict, error text or None)."""
    urls = repo["baseurl"] or ([repo["mirrorlist"]] if repo["mirrorlist"] else [])
    if not urls:
        return {}, "Cannot find a valid baseurl for repo: %s" % repo["id"]
    for u in urls:
        from kwsim import netpolicy

        if netpolicy.reach(common.flavour() == "centos7" and "yum" or "dnf", u) is not None:
            return {}, ("timeout", u)
        c = classify(u, fam)
        if c is None:
            return {}, ("curl#6 - \"Could not resolve host: %s; Unknown error\"" % url_host(u), u)
        if c[0] == "404":
            return {}, ("HTTP Error 404 - Not Found", u)
        if c[0] == "k8s-legacy" and repo["repo_gpgcheck"]:
            return {}, ("repomd.xml signature could not be verified for %s" % repo["id"], u)
        return carried(c[0], c[1], fam), None
    return {}, None


def split_spec(spec, names):
    """'kubeadm-1.25.3-0.x86_64' -> ('kubeadm', '1.25.3-0.x86_64')."""
    for n in sorted(names, key=len, reverse=True):
        if spec == n or spec == n + ".x86_64" or spec == n + ".noarch":
            return n, ""
        if spec.startswith(n + "-") and len(spec) > len(n) + 1 and spec[len(n) + 1].isdigit():
            return n, spec[len(n) + 1:]
        if spec.startswith(n + "-") and ":" in spec[len(n) + 1:]:
            return n, spec[len(n) + 1:]
    return spec, None


def rpm_matches(spec, name, v, r):
    nevra = ["%s" % name, "%s.x86_64" % name, "%s-%s" % (name, v), "%s-%s-%s" % (name, v, r),
             "%s-%s-%s.x86_64" % (name, v, r), "%s-0:%s-%s" % (name, v, r), "%s-0:%s-%s.x86_64" % (name, v, r)]
    return any(fnmatch.fnmatchcase(x, spec) for x in nevra)


class Yum:
    def __init__(self, argv, prog):
        self.prog = prog
        self.dnf = prog == "dnf" or common.flavour() != "centos7"
        self.yes = False
        self.quiet = False
        self.disable_excludes = set()
        self.show_dups = False
        self.enable = set()
        self.disable = set()
        self.nogpg = False
        self.args = []
        self.setopts = {}
        i = 0
        while i < len(argv):
            a = argv[i]
            if a in ("-y", "--assumeyes"):
                self.yes = True
            elif a in ("-q", "--quiet"):
                self.quiet = True
            elif a.startswith("--disableexcludes=") or a.startswith("--disableexcludepkgs="):
                self.disable_excludes |= set(a.split("=", 1)[1].split(","))
            elif a == "--disableexcludes" and i + 1 < len(argv):
                self.disable_excludes |= set(argv[i + 1].split(","))
                i += 1
            elif a == "--showduplicates":
                self.show_dups = True
            elif a.startswith("--enablerepo="):
                self.enable |= set(a.split("=", 1)[1].split(","))
            elif a.startswith("--disablerepo="):
                self.disable |= set(a.split("=", 1)[1].split(","))
            elif a == "--nogpgcheck":
                self.nogpg = True
            elif a.startswith("--setopt="):
                k, _, v = a.split("=", 1)[1].partition("=")
                self.setopts[k] = v
            elif a in ("-e", "-d", "--errorlevel", "--debuglevel", "-x", "--exclude"):
                i += 1
            elif a.startswith("-") and len(a) > 1 and not a.startswith("--") and set(a[1:]) <= set("yq"):
                self.yes = self.yes or "y" in a
                self.quiet = self.quiet or "q" in a
            elif a.startswith("-"):
                pass
            else:
                self.args.append(a)
            i += 1

    def out(self, *a):
        if not self.quiet:
            print(*a)

    def repos(self):
        rs = []
        for r in yum_repos():
            on = (r["enabled"] or r["id"] in self.enable or "*" in self.enable) and r["id"] not in self.disable
            if on:
                rs.append(r)
        return rs

    def metadata(self):
        """name -> list of (v, r, repoid); or exits with the real tool's metadata error."""
        fam = "rhel"
        avail = {}
        for r in self.repos():
            pk, problem = repo_meta(r, fam)
            if problem:
                if r["skip"]:
                    continue
                msg, url = problem if isinstance(problem, tuple) else (problem, "")
                if msg == "timeout":
                    url = url if url.endswith("/") else url + "/"
                if msg == "timeout" and self.dnf:
                    err("Errors during downloading metadata for repository '%s':\n  - Curl error (28): Timeout was reached for "
                        "%srepodata/repomd.xml [Connection timed out after 30000 milliseconds]\nError: Failed to download "
                        "metadata for repo '%s': Cannot download repomd.xml: Cannot download repodata/repomd.xml: All mirrors "
                        "were tried" % (r["id"], url, r["id"]))
                    sys.exit(1)
                if msg == "timeout":
                    err("%srepodata/repomd.xml: [Errno 12] Timeout on %srepodata/repomd.xml: (28, 'Connection timed out after "
                        "30001 milliseconds')\nTrying other mirror.\n\n\n One of the configured repositories failed (%s),\n and "
                        "yum doesn't have enough cached data to continue. At this point the only\n safe thing yum can do is "
                        "fail.\n\nfailure: repodata/repomd.xml from %s: [Errno 256] No more mirrors to try."
                        % (url, url, r["name"], r["id"]))
                    sys.exit(1)
                if self.dnf:
                    err("Errors during downloading metadata for repository '%s':\n  - Curl error (6): Couldn't resolve host "
                        "name for %srepodata/repomd.xml [%s]" % (r["id"], url, msg) if "resolve" in msg else
                        "Errors during downloading metadata for repository '%s':\n  - Status code: 404 for %srepodata/repomd.xml"
                        % (r["id"], url) if "404" in msg else msg)
                    err("Error: Failed to download metadata for repo '%s': Cannot download repomd.xml: Cannot download "
                        "repodata/repomd.xml: All mirrors were tried" % r["id"])
                elif not r["baseurl"] and r["mirrorlist"] and "resolve" in msg:
                    # what CentOS 7's yum really prints when the mirrorlist host is gone
                    err("Could not retrieve mirrorlist %s error was\n14: %s\n\n\n One of the configured repositories "
                        "failed (Unknown),\n and yum doesn't have enough cached data to continue. At this point the only\n "
                        "safe thing yum can do is fail. There are a few ways to work \"fix\" this:\n\n     1. Contact the "
                        "upstream for the repository and get them to fix the problem.\n\n     5. Configure the failing "
                        "repository to be skipped, if it is unavailable.\n        yum-config-manager --save "
                        "--setopt=%s.skip_if_unavailable=true\n\nCannot find a valid baseurl for repo: %s/7/x86_64"
                        % (url, msg, r["id"], r["id"]))
                else:
                    err("%srepodata/repomd.xml: [Errno 14] %s\nTrying other mirror.\n\n\n One of the configured repositories "
                        "failed (%s),\n and yum doesn't have enough cached data to continue. At this point the only\n safe thing "
                        "yum can do is fail. There are a few ways to work \"fix\" this:\n\n     1. Contact the upstream for the "
                        "repository and get them to fix the problem.\n\n     5. Configure the failing repository to be skipped, "
                        "if it is unavailable.\n        yum-config-manager --save --setopt=%s.skip_if_unavailable=true\n\n"
                        "failure: repodata/repomd.xml from %s: [Errno 256] No more mirrors to try." % (url, msg, r["name"], r["id"], r["id"]))
                sys.exit(1)
            excl = [] if (r["id"] in self.disable_excludes or "all" in self.disable_excludes) else r["exclude"]
            for n, vs in pk.items():
                if any(fnmatch.fnmatchcase(n, e) for e in excl):
                    continue
                for v, rel in vs:
                    avail.setdefault(n, []).append((v, rel, r))
        return avail

    def run(self):
        if not self.args:
            die("You need to give some command", 1)
        cmd, rest = self.args[0], self.args[1:]
        if cmd in ("install", "reinstall", "update", "upgrade", "remove", "erase", "makecache", "clean",
                   "config-manager", "versionlock", "downgrade"):
            common.log_call()
        if cmd in ("install", "reinstall", "update", "upgrade", "remove", "erase", "makecache", "clean", "downgrade",
                   "list", "info"):
            self.wait_lock()
        if cmd in ("install", "downgrade", "update", "upgrade"):
            return self.install(rest, cmd)
        if cmd in ("remove", "erase"):
            return self.remove(rest)
        if cmd == "list":
            return self.list(rest)
        if cmd in ("makecache", "check-update"):
            self.metadata()
            self.out("Metadata Cache Created")
            return 0
        if cmd == "clean":
            self.out("Cleaning repos: " + " ".join(r["id"] for r in self.repos()))
            return 0
        if cmd == "repolist":
            self.out("repo id                          repo name")
            for r in self.repos():
                self.out("%-32s %s" % (r["id"], r["name"]))
            return 0
        if cmd == "config-manager" and self.dnf:
            if "dnf-plugins-core" not in db():
                die("No such command: config-manager. Please use /usr/bin/dnf --help", 1)
            raw = sys.argv[1:]
            return config_manager(raw[raw.index("config-manager") + 1:], dnf=True)
        if cmd == "versionlock":
            plug = "python3-dnf-plugin-versionlock" if self.dnf else "yum-plugin-versionlock"
            if plug not in db():
                die("No such command: versionlock. Please use /usr/bin/%s --help" % self.prog if self.dnf else
                    "No such command: versionlock. Please use /usr/bin/yum --help", 1)
            d = db()
            for spec in rest[1:] if rest and rest[0] == "add" else rest:
                n, _ = split_spec(spec, list(d))
                if n in d:
                    d[n]["held"] = True
                    self.out("Adding versionlock on: %s-0:%s-%s" % (n, d[n]["version"], d[n]["release"]))
            save_db(d)
            return 0
        if cmd == "info":
            return self.list(rest)
        die("No such command: %s. Please use /usr/bin/%s --help" % (cmd, self.prog), 1)

    def wait_lock(self):
        """Another yum/dnf holds the lock: wait for it, like the real ones (they wait while exit_on_lock is off).

        CentOS 7's yum: /var/run/yum.pid, "Existing lock ...: another copy is running as pid N." then "Another app is
        currently holding the yum lock; waiting for it to exit..." every 2 s. dnf: a pid file per lock
        (dnf/lock.py: /var/lib/dnf/rpmdb_lock.pid, /var/cache/dnf/metadata_lock.pid), "Waiting for process with pid
        N to finish." once per holder."""
        path = YUM_PID if not self.dnf else DNF_PID
        shown = None
        first = True
        while True:
            pid = pidfile_holder(path)
            if pid is None:
                return
            if not self.dnf:
                if first:
                    err("Existing lock %s: another copy is running as pid %d." % (path, pid))
                    first = False
                err("Another app is currently holding the yum lock; waiting for it to exit...\n"
                    "  The other application is: %s\n    State  : Sleeping, pid: %d" % (proc_name(pid) or "yum", pid))
                time.sleep(2)
            else:
                if shown != pid:
                    err("Waiting for process with pid %d to finish." % pid)
                    shown = pid
                time.sleep(1)

    def header(self):
        if not self.dnf:
            self.out("Loaded plugins: fastestmirror\nLoading mirror speeds from cached hostfile")
        else:
            self.out("Last metadata expiration check: 0:00:03 ago.")

    def list(self, rest):
        which = "all"
        if rest and rest[0] in ("available", "installed", "all", "updates"):
            which, rest = rest[0], rest[1:]
        avail = self.metadata()
        inst = db()
        self.header()
        names = set(avail) | set(inst)
        sel = [n for n in sorted(names) if not rest or any(fnmatch.fnmatchcase(n, p) or
                                                          (split_spec(p, [n])[0] == n) for p in rest)]
        rows_i, rows_a = [], []
        for n in sel:
            if n in inst and which in ("all", "installed"):
                i = inst[n]
                rows_i.append((n, "%s-%s" % (i["version"], i["release"]), "@" + i["repo"]))
            if n in avail and which in ("all", "available"):
                vs = sorted(avail[n], key=lambda x: common.vtuple(x[0] + "-" + x[1]))
                if not self.show_dups:
                    vs = vs[-1:]
                for v, r, repo in vs:
                    if n in inst and inst[n]["version"] == v and inst[n]["release"] == r and not self.show_dups:
                        continue
                    spec_ok = not rest or any(rpm_matches(p, n, v, r) for p in rest)
                    if spec_ok:
                        rows_a.append((n, "%s-%s" % (v, r), repo["id"]))
        if not rows_i and not rows_a:
            die("Error: No matching Packages to list", 1)
        if rows_i:
            self.out("Installed Packages")
            for n, vr, repo in rows_i:
                self.out("%-33s %-31s %s" % (n + ".x86_64", vr, repo))
        if rows_a:
            self.out("Available Packages")
            for n, vr, repo in rows_a:
                self.out("%-33s %-31s %s" % (n + ".x86_64", vr, repo))
        return 0

    def resolve(self, spec, avail):
        n, rest = split_spec(spec, list(avail) + list(db()))
        cands = []
        for v, r, repo in avail.get(n, []):
            if rpm_matches(spec, n, v, r):
                cands.append((v, r, repo))
        if not cands:
            return n, None
        cands.sort(key=lambda x: common.vtuple(x[0] + "-" + x[1]))
        return n, cands[-1]

    def install(self, specs, cmd):
        avail = self.metadata()
        self.header()
        inst = db()
        plan = {}
        missing = []
        for spec in specs:
            if spec.startswith("/"):
                # `yum|dnf install /usr/sbin/conntrack`: the package that provides the file
                prov = file_provider(spec)
                if prov is None or (prov not in avail and prov not in inst):
                    missing.append(spec)
                    continue
                if prov in inst:
                    self.out("Package %s-%s-%s.x86_64 already installed and latest version"
                             % (prov, inst[prov]["version"], inst[prov]["release"]))
                    continue
                spec = prov
            n, c = self.resolve(spec, avail)
            if c is None:
                if n in inst and any(rpm_matches(spec, n, inst[n]["version"], inst[n]["release"]) for _ in [0]):
                    self.out("Package %s-%s-%s.x86_64 already installed and latest version" % (n, inst[n]["version"], inst[n]["release"]))
                    continue
                missing.append(spec)
                continue
            if n in inst and inst[n]["version"] == c[0] and inst[n]["release"] == c[1]:
                self.out("Package %s-%s-%s.x86_64 already installed and latest version" % (n, c[0], c[1]))
                continue
            if n in inst and common.vtuple(c[0] + "-" + c[1]) < common.vtuple(inst[n]["version"] + "-" + inst[n]["release"]) \
                    and cmd != "downgrade":
                self.out("Package matching %s-%s-%s.x86_64 already installed. Checking for update." % (n, c[0], c[1]))
                continue
            if n in inst and inst[n].get("held"):
                self.out("Package %s is locked (versionlock): skipped" % n)
                continue
            plan[n] = c
        if missing:
            if self.dnf:
                for m in missing:
                    err("No match for argument: %s" % m)
                die("Error: Unable to find a match: %s" % " ".join(missing), 1)
            for m in missing:
                self.out("No package %s available." % m)
            if self.setopts.get("skip_missing_names_on_install") in ("False", "0", "false"):
                die("Error: Nothing to do", 1)
        # dependencies
        deps = {}
        for n, c in list(plan.items()):
            for d in requires(n, c[0], c[2]):
                if d in plan or d in inst or d in deps:
                    continue
                if d not in avail:
                    if self.dnf:
                        die("Error: \n Problem: conflicting requests\n  - nothing provides %s needed by %s-%s-%s.x86_64"
                            % (d, n, c[0], c[1]), 1)
                    die("Error: Package: %s-%s-%s.x86_64 (%s)\n           Requires: %s\n You could try using --skip-broken "
                        "to work around the problem" % (n, c[0], c[1], c[2]["id"], d), 1)
                best = sorted(avail[d], key=lambda x: common.vtuple(x[0] + "-" + x[1]))[-1]
                deps[d] = best
        if not plan:
            if not self.dnf:
                if missing:
                    die("Error: Nothing to do", 1)
                self.out("Nothing to do")
                return 0
            self.out("Dependencies resolved.\nNothing to do.\nComplete!")
            return 0
        # gpg
        if not self.nogpg:
            for n, c in list(plan.items()) + list(deps.items()):
                repo = c[2]
                if repo["gpgcheck"]:
                    keys = repo["gpgkey"]
                    if not keys:
                        die("Public key for %s-%s-%s.x86_64.rpm is not installed\n\n\nFailing package is: %s-%s-%s.x86_64\n"
                            " GPG Keys are configured as: \n" % (n, c[0], c[1], n, c[0], c[1]), 1)
                    for k in keys:
                        if k.startswith("file://"):
                            if not os.path.exists(k[7:]):
                                die("GPG key retrieval failed: [Errno 14] curl#37 - \"Couldn't open file %s\"" % k[7:], 1)
                        elif key_blocked(k):
                            die("GPG key retrieval failed: [Errno 12] curl#28 - \"Connection timed out after 30001 "
                                "milliseconds\"", 1)
                        elif not key_url_known(k):
                            die("GPG key retrieval failed: [Errno 14] curl#6 - \"Could not resolve host: %s; Unknown error\""
                                % url_host(k), 1)
        allp = dict(plan)
        allp.update(deps)
        if not self.yes:
            self.out("Total download size: 42 M\nInstalled size: 180 M")
            print("Is this ok [y/d/N]: ", end="")
            sys.stdout.flush()
            ans = sys.stdin.readline().strip().lower()
            if ans not in ("y", "yes"):
                die("Exiting on user command\nYour transaction was saved, rerun it with:\n yum load-transaction /tmp/yum_save_tx.txt"
                    if not self.dnf else "Operation aborted.", 1)
        common.sleep_for("pkg_install", len(allp))
        inst = db()
        for n, (v, r, repo) in allp.items():
            inst[n] = {"version": v, "release": r, "repo": repo["id"], "held": False}
        save_db(inst)
        for n in allp:
            install_files(n)
        if self.dnf:
            self.out("Dependencies resolved.\nInstalled:")
            for n, (v, r, repo) in sorted(allp.items()):
                self.out("  %s-%s-%s.x86_64" % (n, v, r))
            self.out("\nComplete!")
        else:
            self.out("Resolving Dependencies\n--> Running transaction check")
            for n, (v, r, repo) in sorted(allp.items()):
                self.out("---> Package %s.x86_64 0:%s-%s will be installed" % (n, v, r))
            self.out("\nInstalled:\n  " + " ".join("%s.x86_64 0:%s-%s" % (n, v, r) for n, (v, r, _) in sorted(plan.items())))
            if deps:
                self.out("\nDependency Installed:\n  " + " ".join("%s.x86_64 0:%s-%s" % (n, v, r) for n, (v, r, _) in sorted(deps.items())))
            self.out("\nComplete!")
        return 0

    def remove(self, specs):
        inst = db()
        removed = []
        for s in specs:
            n, _ = split_spec(s, list(inst))
            if n in inst:
                removed.append(n)
        if not removed:
            self.out("No Match for argument: %s\nNo Packages marked for removal" % " ".join(specs))
            return 0 if not self.dnf else 0
        for n in removed:
            del inst[n]
        save_db(inst)
        for n in removed:
            remove_files(n)
        self.out("Removed:\n  " + " ".join(removed) + "\n\nComplete!")
        return 0


YUM_PID = "/var/run/yum.pid"
DNF_PID = "/var/lib/dnf/rpmdb_lock.pid"


def pidfile_holder(path):
    """The live process named in a yum/dnf pid lock file other than this one, else None."""
    try:
        pid = int((common.read_file(path, "") or "").strip() or "0")
    except ValueError:
        return None
    if pid <= 0 or pid == os.getpid() or not common.pid_alive(pid):
        return None
    return pid


def requires(name, version, repo):
    """What installing `name` at `version` from `repo` pulls in (see data.kubeadm_deps / kubelet_conntrack)."""
    legacy = any("kubernetes-el7" in u or "kubernetes/apt" in u for u in repo.get("baseurl", []) + [repo.get("uri", "")])
    fam = common.family()
    conntrack = "conntrack-tools" if fam == "rhel" else "conntrack"
    t = common.vtuple(version or "0")
    minor, patch = (t[1], t[2]) if len(t) > 2 else (0, 0)
    if name == "kubeadm":
        if legacy:
            return ["kubelet", "kubectl", "kubernetes-cni", "cri-tools"]
        return data.kubeadm_deps(minor, patch)
    if name == "kubelet":
        if legacy:
            # the frozen Google/Aliyun el7 and xenial packages (2023): conntrack, socat, ebtables
            return ["kubernetes-cni", conntrack, "socat"] + (["ebtables"] if fam != "rhel" or common.flavour() == "centos7" else [])
        return ["kubernetes-cni"] + ([conntrack] if data.kubelet_conntrack(minor, patch) else [])
    if name == "containerd.io" and fam == "rhel":
        return ["container-selinux"]
    if name == "containerd" and fam == "debian":
        return ["runc"]
    return []


# Debian's containerd.io control file (docker/packaging pkg/containerd/deb/control): Provides, Conflicts and
# Replaces containerd, runc. The rpm spec: Obsoletes/Conflicts containerd, runc.
CONFLICTS = {"containerd.io": ["containerd", "runc"], "containerd": ["containerd.io"]}


def yum(argv):
    prog = os.path.basename(sys.argv[0])
    return Yum(argv, prog).run()


def deb_packages_index(url):
    """The flat Packages index of a pkgs.k8s.io-style deb repository (".../v1.35/deb/Packages"), or None."""
    m = re.fullmatch(r"(https?://\S+/v1\.\d+/deb/)Packages", url.strip())
    if not m:
        return None
    c = classify(m.group(1), "debian")
    if not c or c[0] != "k8s":
        return None
    out = []
    for name, vs in sorted(carried("k8s", c[1], "debian").items()):
        for v, r in vs:
            out.append("Package: %s\nVersion: %s-%s\nArchitecture: amd64\nFilename: %s_%s-%s_amd64.deb\n"
                       % (name, v, r, name, v, r))
    return "\n".join(out) + "\n"


def fetch_url_text(url):
    """Body of a known URL (for --add-repo / curl), or None."""
    idx = deb_packages_index(url)
    if idx is not None:
        return idx
    m = re.fullmatch(r"https?://(download\.docker\.com|mirrors\.aliyun\.com/docker-ce)/linux/(centos|rhel|fedora)/docker-ce\.repo", url)
    if m:
        # Aliyun's copy is Docker's file: its baseurl and gpgkey still point at download.docker.com
        # (Aliyun's docker-ce page says to sed them to mirrors.aliyun.com/docker-ce).
        return DOCKER_REPO % {"base": "https://download.docker.com", "os": m.group(2)}
    if re.fullmatch(r"https?://mirrors\.aliyun\.com/repo/Centos-7\.repo", url):
        t = ""
        for rid, sub in (("base", "os"), ("updates", "updates"), ("extras", "extras")):
            t += ("[%s]\nname=CentOS-$releasever - %s - mirrors.aliyun.com\nfailovermethod=priority\n"
                  "baseurl=http://mirrors.aliyun.com/centos/$releasever/%s/$basearch/\ngpgcheck=1\n"
                  "gpgkey=http://mirrors.aliyun.com/centos/RPM-GPG-KEY-CentOS-7\n\n" % (rid, rid.capitalize(), sub))
        return t
    if key_url_known(url):
        return data.DUMMY_KEY
    return None


def yum_config_manager(argv):
    common.log_call()
    return config_manager(argv, dnf=False)


def config_manager(argv, dnf):
    i = 0
    rc = 0
    while i < len(argv):
        a = argv[i]
        url = None
        if a == "--add-repo" and i + 1 < len(argv):
            url = argv[i + 1]
            i += 1
        elif a.startswith("--add-repo="):
            url = a.split("=", 1)[1]
        elif a in ("--set-enabled", "--enable", "--set-disabled", "--disable") and i + 1 < len(argv):
            on = a in ("--set-enabled", "--enable")
            set_repo_enabled(argv[i + 1], on)
            i += 1
        if url:
            print(("Adding repo from: %s" if dnf else "adding repo from: %s") % url)
            from kwsim import netpolicy

            if netpolicy.reach("yum-config-manager", url) is not None:
                err("Curl error (28): Timeout was reached for %s [Connection timed out after 30001 milliseconds]\n"
                    "Error: Configuration of repo failed" % url if dnf else
                    "Could not fetch/save url %s to file /etc/yum.repos.d/%s: [Errno 12] Timeout on %s: (28, 'Connection "
                    "timed out after 30001 milliseconds')" % (url, os.path.basename(url), url))
                rc = 1
                i += 1
                continue
            body = fetch_url_text(url)
            if body is None:
                if dnf:
                    err("Curl error (6): Couldn't resolve host name for %s [Could not resolve host: %s]\n"
                        "Error: Configuration of repo failed" % (url, url_host(url)))
                else:
                    err("Could not fetch/save url %s to file /etc/yum.repos.d/%s: [Errno 14] curl#6 - \"Could not resolve "
                        "host: %s; Unknown error\"" % (url, os.path.basename(url), url_host(url)))
                rc = 1
            else:
                dest = "/etc/yum.repos.d/" + os.path.basename(url)
                if not dnf:
                    print("grabbing file %s to %s" % (url, dest))
                common.write_file(dest, body)
                if not dnf:
                    print("repo saved to %s" % dest)
        i += 1
    return rc


def set_repo_enabled(rid, on):
    for f in glob.glob("/etc/yum.repos.d/*.repo"):
        t = open(f).read()
        if "[%s]" % rid not in t:
            continue
        out, cur = [], None
        for line in t.splitlines():
            s = line.strip()
            if s.startswith("["):
                cur = s.strip("[]")
            if cur == rid and s.startswith("enabled"):
                line = "enabled=%d" % (1 if on else 0)
            out.append(line)
        common.write_file(f, "\n".join(out) + "\n")


def rpm(argv):
    inst = db()
    if "--import" in argv:
        common.log_call()
        rc = 0
        for k in argv[argv.index("--import") + 1:]:
            if k.startswith("http"):
                if key_blocked(k):
                    err("curl: (28) Failed to connect to %s port 443 after 30001 ms: Timeout was reached\nerror: %s: import "
                        "read failed(2)." % (url_host(k), k))
                    rc = 1
                elif not key_url_known(k):
                    err("curl: (6) Could not resolve host: %s\nerror: %s: import read failed(2)." % (url_host(k), k))
                    rc = 1
            elif not os.path.exists(k):
                err("error: %s: import read failed(2)." % k)
                rc = 1
        return rc
    qf = None
    for i, a in enumerate(argv):
        if a in ("--qf", "--queryformat") and i + 1 < len(argv):
            qf = argv[i + 1]
        elif a.startswith("--qf=") or a.startswith("--queryformat="):
            qf = a.split("=", 1)[1]
    names = [a for i, a in enumerate(argv) if not a.startswith("-") and not (i > 0 and argv[i - 1] in ("--qf", "--queryformat"))]
    flags = "".join(a[1:] for a in argv if a.startswith("-") and not a.startswith("--"))

    def fmt(n):
        i = inst[n]
        if qf:
            return (qf.replace("%{NAME}", n).replace("%{VERSION}", i["version"]).replace("%{RELEASE}", i["release"])
                    .replace("%{ARCH}", "x86_64").replace("\\n", "\n"))
        return "%s-%s-%s.x86_64\n" % (n, i["version"], i["release"])

    if "q" in flags:
        if "a" in flags:
            for n in sorted(inst):
                sys.stdout.write(fmt(n))
            return 0
        rc = 0
        for n in names:
            base, _ = split_spec(n, list(inst))
            if base in inst and rpm_matches(n, base, inst[base]["version"], inst[base]["release"]):
                sys.stdout.write(fmt(base))
            else:
                print("package %s is not installed" % n)
                rc += 1
        return min(rc, 255)
    if "e" in flags:
        common.log_call()
        for n in names:
            if n in inst:
                del inst[n]
                remove_files(n)
            else:
                err("error: package %s is not installed" % n)
                return 1
        save_db(inst)
        return 0
    die("rpm: no operation specified", 1)


# ----- apt -------------------------------------------------------------------------------------

def apt_sources():
    out = []
    files = ["/etc/apt/sources.list"] + sorted(glob.glob("/etc/apt/sources.list.d/*.list"))
    for f in files:
        for line in (common.read_file(f, "") or "").splitlines():
            line = line.split("#", 1)[0].strip()
            if not line.startswith("deb "):
                continue
            opts = {}
            m = re.match(r"deb\s+\[([^\]]*)\]\s+(.*)", line)
            if m:
                for o in m.group(1).split():
                    if "=" in o:
                        k, v = o.split("=", 1)
                        opts[k] = v
                rest = m.group(2).split()
            else:
                rest = line.split()[1:]
            if len(rest) < 2:
                continue
            out.append({"uri": rest[0], "suite": rest[1], "comps": rest[2:], "opts": opts, "file": f})
    for f in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
        for block in (common.read_file(f, "") or "").split("\n\n"):
            fields = {}
            for line in block.splitlines():
                if ":" in line and not line.startswith("#"):
                    k, v = line.split(":", 1)
                    fields[k.strip().lower()] = v.strip()
            if "deb" not in fields.get("types", "deb").split() or "uris" not in fields:
                continue
            for uri in fields["uris"].split():
                for suite in fields.get("suites", "").split():
                    opts = {}
                    if "signed-by" in fields:
                        opts["signed-by"] = fields["signed-by"]
                    out.append({"uri": uri, "suite": suite, "comps": fields.get("components", "").split(), "opts": opts,
                                "file": f})
    return out


def keyring_ok(path):
    try:
        with open(path, "rb") as f:
            head = f.read(64)
    except OSError:
        return False
    if path.endswith(".asc"):
        return head.startswith(b"-----BEGIN PGP")
    return len(head) > 0 and not head.startswith(b"-----BEGIN") and head[0] & 0x80 != 0


def trusted(src):
    sb = src["opts"].get("signed-by")
    if sb:
        return keyring_ok(sb)
    cands = glob.glob("/etc/apt/trusted.gpg.d/*.gpg") + glob.glob("/etc/apt/trusted.gpg.d/*.asc") + ["/etc/apt/trusted.gpg"]
    return any(keyring_ok(c) for c in cands if os.path.exists(c))


def apt_update(quiet):
    index = {}
    n = 0
    warnings = []
    errors = []
    for s in apt_sources():
        n += 1
        uri = s["uri"]
        label = "%s %s" % (uri, s["suite"])
        from kwsim import netpolicy

        if netpolicy.reach("apt", uri) is not None:
            # apt leaves the source out (exit 0 with warnings): "Unable to locate package" comes later.
            print("Err:%d %s InRelease\n  Could not connect to %s:443, connection timed out" % (n, label, url_host(uri)))
            warnings.append("W: Failed to fetch %sdists/%s/InRelease  Could not connect to %s:443, connection timed out"
                            % (uri if uri.endswith("/") else uri + "/", s["suite"], url_host(uri)))
            continue
        c = classify(uri if not uri.endswith("/") else uri, "debian")
        if c is None and uri.endswith("/"):
            c = classify(uri[:-1], "debian")
        if c is None:
            print("Err:%d %s InRelease\n  Temporary failure resolving '%s'" % (n, label, url_host(uri)))
            warnings.append("W: Failed to fetch %sdists/%s/InRelease  Temporary failure resolving '%s'"
                            % (uri if uri.endswith("/") else uri + "/", s["suite"], url_host(uri)))
            continue
        if c[0] == "404":
            print("Err:%d %s InRelease\n  404  Not Found [IP: 151.101.2.132 443]" % (n, label))
            errors.append("E: The repository '%s Release' does not have a Release file." % label)
            continue
        if c[0] in ("k8s", "k8s-legacy", "docker") and not trusted(s):
            sb = s["opts"].get("signed-by")
            if sb and os.path.exists(sb) and not keyring_ok(sb):
                warnings.append("W: https://%s: The key(s) in the keyring %s are ignored as the file has an unsupported "
                                "filetype." % (url_host(uri), sb))
            print("Get:%d %s InRelease [1,186 B]\nErr:%d %s InRelease\n  The following signatures couldn't be verified because "
                  "the public key is not available: NO_PUBKEY 234654DA9A296436" % (n, label, n, label))
            errors.append("E: The repository '%s InRelease' is not signed." % label)
            continue
        if c[0] == "k8s-legacy" and s["suite"] != "kubernetes-xenial":
            errors.append("E: The repository '%s Release' does not have a Release file." % label)
            continue
        print("Get:%d %s InRelease [%s B]" % (n, label, "1,186"))
        for name, vs in carried(c[0], c[1], "debian").items():
            for v, _r in vs:
                ver = v if c[0] == "base" or c[0] == "docker" else "%s-%s" % (v, _r)
                index.setdefault(name, []).append([ver, uri + (" " + s["suite"] if s["suite"] != "/" else ""), c[0]])
    print("Reading package lists...")
    for w in warnings:
        err(w)
    if warnings:
        err("W: Some index files failed to download. They have been ignored, or old ones used instead.")
    for e in errors:
        err(e)
    if errors:
        err("N: Updating from such a repository can't be done securely, and is therefore disabled by default.")
    common.save_json(APT_INDEX, index)
    return 100 if errors else 0


def deb_cmp_key(v):
    return common.vtuple(v.split(":", 1)[-1])


# ----- package manager locks (what a foreign apt/dpkg/yum/dnf run looks like) -----------------------------------
# apt and dpkg take POSIX (fcntl) locks: /var/lib/dpkg/lock-frontend then /var/lib/dpkg/lock for changes,
# /var/lib/apt/lists/lock for `update` (Debian/apt apt-pkg/deb/debsystem.cc, apt-pkg/acquire.cc). apt-get waits
# for the dpkg locks only when told to (-o DPkg::Lock::Timeout=N, apt >= 1.9.11, commit 93e156579), printing
# "Waiting for cache lock: Could not get lock F. It is held by process P (NAME)..." (once with -q: OpTextProgress);
# `update` never waits. dpkg itself refuses a held frontend lock (dpkg >= 1.19.1).
LOCK_FRONTEND = "/var/lib/dpkg/lock-frontend"
LOCK_DPKG = "/var/lib/dpkg/lock"
LOCK_LISTS = "/var/lib/apt/lists/lock"
DPKG_UPDATES = "/var/lib/dpkg/updates"


def posix_lock(path):
    """(fd, None) when this process now holds the lock; (None, pid) when another process does."""
    import fcntl
    import struct

    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o640)
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return fd, None
    except OSError:
        pid = -1
        try:
            res = fcntl.fcntl(fd, fcntl.F_GETLK, struct.pack("hhqqi4x", fcntl.F_WRLCK, 0, 0, 0, 0))
            l_type, _w, _s, _l, pid = struct.unpack("hhqqi4x", res)
            if l_type == fcntl.F_UNLCK:
                pid = -1
        except OSError:
            pass
        os.close(fd)
        return None, pid


def proc_name(pid):
    for line in (common.read_file("/proc/%d/status" % pid, "") or "").splitlines():
        if line.startswith("Name:"):
            return line.split(None, 1)[1].strip() if len(line.split(None, 1)) > 1 else ""
    return ""


def held_by(path, pid):
    name = proc_name(pid) if pid and pid > 0 else ""
    if pid and pid > 0:
        return ("Could not get lock %s. It is held by process %d (%s)" % (path, pid, name) if name else
                "Could not get lock %s. It is held by process %d" % (path, pid))
    return "Could not get lock %s" % path


def apt_lock_dpkg(timeout):
    """Takes lock-frontend + lock like apt's debSystem::Lock; exits 100 like apt when it cannot."""
    fds = []
    for path in (LOCK_FRONTEND, LOCK_DPKG):
        waited = 0.0
        shown = None
        while True:
            fd, pid = posix_lock(path)
            if fd is not None:
                fds.append(fd)
                break
            msg = held_by(path, pid)
            if waited >= timeout:
                err("E: " + msg)
                if path == LOCK_FRONTEND:
                    die("E: Unable to acquire the dpkg frontend lock (%s), is another process using it?" % path, 100)
                die("E: Unable to lock the administration directory (/var/lib/dpkg/), is another process using it?", 100)
            if msg != shown:
                print("Waiting for cache lock: %s..." % msg, flush=True)
                shown = msg
            time.sleep(0.5)
            waited += 0.5
    if dpkg_interrupted():
        die("E: dpkg was interrupted, you must manually run 'dpkg --configure -a' to correct the problem. ", 100)
    return fds


def dpkg_interrupted():
    """apt's debSystem::CheckUpdates: an all-digits file in /var/lib/dpkg/updates."""
    try:
        return any(n.isdigit() for n in os.listdir(DPKG_UPDATES))
    except OSError:
        return False


def apt_get(argv):
    yes = False
    quiet = False
    allow_held = False
    allow_down = False
    lock_timeout = 0
    args = []
    i = 0
    while i < len(argv):
        a = argv[i]
        opt_val = None
        if a in ("-o", "--option") and i + 1 < len(argv):
            opt_val = argv[i + 1]
            i += 1
        elif a.startswith("-o") and len(a) > 2:
            opt_val = a[2:]
        elif a.startswith("--option="):
            opt_val = a.split("=", 1)[1]
        if opt_val is not None:
            k, _, v = opt_val.partition("=")
            if k.lower() == "dpkg::lock::timeout":
                try:
                    lock_timeout = int(v)
                except ValueError:
                    die("E: Option DPkg::Lock::Timeout: Configuration item specification must have an =<val>.", 100)
        elif a in ("-y", "--yes", "--assume-yes", "-qy", "-yq", "-yqq", "-qqy"):
            yes = True
            quiet = quiet or "q" in a
        elif a in ("-q", "-qq", "--quiet"):
            quiet = True
        elif a == "--allow-change-held-packages":
            allow_held = True
        elif a == "--allow-downgrades":
            allow_down = True
        elif a.startswith("-"):
            pass
        else:
            args.append(a)
        i += 1
    if not args:
        die("E: No command given", 100) if os.path.basename(sys.argv[0]) == "apt-get" else die("apt 2.4.11 (amd64)", 1)
    cmd, rest = args[0], args[1:]
    if os.geteuid() != 0 and cmd in ("update", "install", "remove", "purge"):
        die("E: Could not open lock file /var/lib/dpkg/lock-frontend - open (13: Permission denied)", 100)
    if cmd in ("update", "install", "remove", "purge", "upgrade", "autoremove", "clean"):
        common.log_call()
    if cmd == "update":
        fd, pid = posix_lock(LOCK_LISTS)
        if fd is None:
            err("E: " + held_by(LOCK_LISTS, pid))
            die("E: Unable to lock directory /var/lib/apt/lists/", 100)
        return apt_update(quiet)
    if cmd in ("install", "remove", "purge", "upgrade", "autoremove"):
        apt_lock_dpkg(max(lock_timeout, 0) if lock_timeout >= 0 else 1 << 30)
    if cmd in ("clean", "autoremove", "upgrade"):
        return 0
    if cmd in ("remove", "purge"):
        inst = db()
        for n in rest:
            n = n.rstrip("-")
            if n in inst:
                del inst[n]
                remove_files(n)
                print("Removing %s ..." % n)
            else:
                print("Package '%s' is not installed, so not removed" % n)
        save_db(inst)
        return 0
    if cmd != "install":
        die("E: Invalid operation %s" % cmd, 100)
    index = common.load_json(APT_INDEX, {})
    inst = db()
    print("Reading package lists...\nBuilding dependency tree...\nReading state information...")
    plan = {}
    for spec in rest:
        name, _, ver = spec.partition("=")
        if name not in index:
            die("E: Unable to locate package %s" % name, 100)
        vs = [v for v in index[name]]
        if ver:
            m = [v for v in vs if v[0] == ver or fnmatch.fnmatchcase(v[0], ver)]
            if not m:
                die("E: Version '%s' for '%s' was not found" % (ver, name), 100)
            pick = sorted(m, key=lambda x: deb_cmp_key(x[0]))[-1]
        else:
            pick = sorted(vs, key=lambda x: deb_cmp_key(x[0]))[-1]
        cur = inst.get(name)
        if cur and cur["version"] == pick[0]:
            print("%s is already the newest version (%s)." % (name, pick[0]))
            continue
        if cur and cur.get("held") and not allow_held:
            print("The following held packages will be changed:\n  %s" % name)
            die("E: Held packages were changed and -y was used without --allow-change-held-packages.", 100)
        if cur and deb_cmp_key(pick[0]) < deb_cmp_key(cur["version"]) and not allow_down:
            print("The following packages will be DOWNGRADED:\n  %s" % name)
            die("E: Packages were downgraded and -y was used without --allow-downgrades.", 100)
        plan[name] = pick
    deps = {}
    for n, p in list(plan.items()):
        for d in requires(n, p[0], {"uri": p[1]}):
            if d in plan or d in inst or d in deps:
                continue
            if d not in index:
                die("Some packages could not be installed. This may mean that you have\nrequested an impossible situation...\n"
                    "The following packages have unmet dependencies:\n %s : Depends: %s but it is not installable\n"
                    "E: Unable to correct problems, you have held broken packages." % (n, d), 100)
            deps[d] = sorted(index[d], key=lambda x: deb_cmp_key(x[0]))[-1]
    allp = dict(plan)
    allp.update(deps)
    if not allp:
        print("0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.")
        return 0
    removals = sorted({c for n in allp for c in CONFLICTS.get(n, []) if c in inst and c not in allp
                       and not inst[c].get("not_installed")})
    if deps:
        print("The following additional packages will be installed:\n  " + " ".join(sorted(deps)))
    if removals:
        print("The following packages will be REMOVED:\n  " + " ".join(removals))
    print("The following NEW packages will be installed:\n  " + " ".join(sorted(allp)))
    print("0 upgraded, %d newly installed, %d to remove and 0 not upgraded." % (len(allp), len(removals)))
    if (deps or removals) and not yes:
        print("Do you want to continue? [Y/n] Abort.")
        return 1
    common.sleep_for("pkg_install", len(allp))
    inst = db()
    for c in removals:
        print("Removing %s (%s) ..." % (c, inst[c]["version"]))
        del inst[c]
        save_db(inst)
        remove_files(c)
    for n, p in allp.items():
        print("Setting up %s (%s) ..." % (n, p[0]))
        held = inst.get(n, {}).get("held", False)
        inst[n] = {"version": p[0], "release": "", "repo": p[1], "held": held}
    save_db(inst)
    from kwsim import system

    for n in allp:
        install_files(n)
        # Debian policy: services start (and are enabled) on install.
        unit = UNIT_OF.get(n) or ("chrony" if n == "chrony" else None)
        if unit:
            system.enable_unit(unit, quiet=True)
            system.start_unit(unit)
        if n == "chrony" and "systemd-timesyncd" in inst:
            system.stop_unit("systemd-timesyncd")
            system.disable_unit("systemd-timesyncd", quiet=True)
    return 0


def apt_cache(argv):
    args = [a for a in argv if not a.startswith("-")]
    if not args:
        die("E: No command given", 100)
    index = common.load_json(APT_INDEX, {})
    inst = db()
    cmd, rest = args[0], args[1:]
    if cmd == "madison":
        for n in rest:
            if n not in index:
                print("N: Unable to locate package %s" % n)
                continue
            for v, uri, kind in sorted(index[n], key=lambda x: deb_cmp_key(x[0]), reverse=True):
                src = uri.split(" ")
                where = ("%s %s/main" % (src[0], src[1])) if len(src) > 1 else ("%s " % src[0])
                print("%10s | %s | %s Packages" % (n, v, where))
        return 0
    if cmd == "policy":
        for n in rest:
            if n not in index and n not in inst:
                continue
            vs = sorted(index.get(n, []), key=lambda x: deb_cmp_key(x[0]), reverse=True)
            print("%s:\n  Installed: %s\n  Candidate: %s\n  Version table:" % (
                n, inst[n]["version"] if n in inst else "(none)", vs[0][0] if vs else "(none)"))
            for v, uri, kind in vs:
                print("     %s 500\n        500 %s Packages" % (v, uri))
        return 0
    if cmd == "show":
        rc = 0
        for n in rest:
            if n not in index:
                err("N: Unable to locate package %s\nE: No packages found" % n)
                rc = 100
                continue
            for v, uri, kind in index[n]:
                print("Package: %s\nVersion: %s\nArchitecture: amd64\n" % (n, v))
        return rc
    if cmd == "search":
        for n in sorted(index):
            if any(r in n for r in rest):
                print("%s - simulated package" % n)
        return 0
    return 0


def apt_mark(argv):
    args = [a for a in argv if not a.startswith("-")]
    if not args:
        die("E: No command given", 100)
    cmd, rest = args[0], args[1:]
    inst = db()
    if cmd == "showhold":
        for n in sorted(inst):
            if inst[n].get("held"):
                print(n)
        return 0
    common.log_call()
    index = common.load_json(APT_INDEX, {})
    for n in rest:
        if n not in inst and n not in index:
            die("E: Unable to locate package %s" % n, 100)
    for n in rest:
        if n not in inst:
            inst[n] = {"version": "", "release": "", "repo": "", "held": False, "not_installed": True}
        if cmd == "hold":
            print(("%s was already set on hold." if inst[n].get("held") else "%s set on hold.") % n)
            inst[n]["held"] = True
        elif cmd == "unhold":
            print(("Canceled hold on %s." if inst[n].get("held") else "%s was already not on hold.") % n)
            inst[n]["held"] = False
    inst = {k: v for k, v in inst.items() if not (v.get("not_installed") and not v.get("held"))}
    save_db(inst)
    return 0


def installed(n):
    i = db().get(n)
    return i if i and not i.get("not_installed") else None


def dpkg_query(argv):
    fmt = "${binary:Package}\t${Version}\n"
    show = False
    names = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a.startswith("-f=") or a.startswith("--showformat="):
            fmt = a.split("=", 1)[1]
        elif a in ("-f", "--showformat") and i + 1 < len(argv):
            fmt = argv[i + 1]
            i += 1
        elif a.startswith("-f") and len(a) > 2:
            fmt = a[2:]
        elif a in ("-s", "--status"):
            show = True
        elif a in ("-W", "--show", "-l", "--list"):
            pass
        else:
            names.append(a)
        i += 1
    fmt = fmt.replace("\\n", "\n").replace("\\t", "\t")
    inst = db()
    rc = 0
    for n in names:
        p = inst.get(n)
        if not p:
            err("dpkg-query: no packages found matching %s" % n)
            rc = 1
            continue
        st = "hold ok installed" if p.get("held") else "install ok installed"
        if p.get("not_installed"):
            st = "hold ok not-installed"
        if show:
            print("Package: %s\nStatus: %s\nPriority: optional\nArchitecture: amd64\nVersion: %s\n" % (n, st, p["version"]))
            continue
        out = (fmt.replace("${binary:Package}", n).replace("${Package}", n).replace("${Version}", p["version"])
               .replace("${Status}", st).replace("${db:Status-Abbrev}", "hi " if p.get("held") else "ii ")
               .replace("${Architecture}", "amd64"))
        sys.stdout.write(out)
    return rc


def dpkg(argv):
    if "--print-architecture" in argv:
        print("amd64")
        return 0
    if "--configure" in argv:
        common.log_call()
        if os.geteuid() != 0:
            die("dpkg: error: requested operation requires superuser privilege", 2)
        # dpkg >= 1.19.1 takes the frontend lock itself (unless run by apt: DPKG_FRONTEND_LOCKED).
        if not os.environ.get("DPKG_FRONTEND_LOCKED"):
            fd, pid = posix_lock(LOCK_FRONTEND)
            if fd is None:
                die("dpkg: error: dpkg frontend lock was locked by another process with pid %d\nNote: removing the lock "
                    "file is always wrong, and can end up damaging the\nlocked area and the entire system. See "
                    "<https://wiki.debian.org/Teams/Dpkg/FAQ#db-lock>." % pid, 2)
        fd, pid = posix_lock(LOCK_DPKG)
        if fd is None:
            die("dpkg: error: dpkg database lock was locked by another process with pid %d\nNote: removing the lock "
                "file is always wrong, and can end up damaging the\nlocked area and the entire system. See "
                "<https://wiki.debian.org/Teams/Dpkg/FAQ#db-lock>." % pid, 2)
        if os.path.isdir(DPKG_UPDATES):
            for n in os.listdir(DPKG_UPDATES):
                if n.isdigit():
                    os.remove(os.path.join(DPKG_UPDATES, n))
                    print("Setting up pending packages (journal %s) ..." % n)
        return 0
    if "-s" in argv or "--status" in argv:
        return dpkg_query(argv)
    if "-l" in argv or "--list" in argv:
        names = [a for a in argv if not a.startswith("-")]
        inst = db()
        print("Desired=Unknown/Install/Remove/Purge/Hold\n| Status=Not/Inst/Conf-files/Unpacked/halF-conf/Half-inst/trig-aWait/Trig-pend\n"
              "|/ Err?=(none)/Reinst-required (Status,Err: uppercase=bad)\n||/ Name           Version      Architecture Description\n"
              "+++-==============-============-============-=================================")
        rc = 0
        sel = [n for n in sorted(inst) if not names or any(fnmatch.fnmatchcase(n, p) for p in names)]
        for n in sel:
            print("%s  %-14s %-12s amd64        simulated" % ("hi" if inst[n].get("held") else "ii", n, inst[n]["version"]))
        if names and not sel:
            err("dpkg-query: no packages found matching %s" % names[0])
            rc = 1
        return rc
    die("dpkg: error: need an action option", 2)


# ----- a foreign package manager run (kwsim-ctl hold-pkg-lock) -----------------------------------------------------

def holder(argv):
    secs = float(argv[0]) if argv else 60.0
    name = (argv[1] if len(argv) > 1 else "unattended-upgr")[:15]
    try:
        with open("/proc/self/comm", "w") as f:
            f.write(name)
    except OSError:
        pass
    held = []
    if common.family() == "debian":
        for path in (LOCK_FRONTEND, LOCK_DPKG):
            fd, _ = posix_lock(path)
            if fd is not None:
                held.append(fd)
    else:
        path = YUM_PID if common.flavour() == "centos7" else DNF_PID
        common.write_file(path, "%d\n" % os.getpid())
    common.write_file(common.RUN + "/pkg-holder.%d" % os.getpid(), "")
    time.sleep(secs)
    if common.family() != "debian":
        path = YUM_PID if common.flavour() == "centos7" else DNF_PID
        if (common.read_file(path, "") or "").strip() == str(os.getpid()):
            os.remove(path)
    try:
        os.remove(common.RUN + "/pkg-holder.%d" % os.getpid())
    except OSError:
        pass
    return 0


def holder_ready(pid):
    return os.path.exists(common.RUN + "/pkg-holder.%d" % pid)
