"""Static data of the simulated world: OS flavours, repositories and what they carry, image tags."""

OS_RELEASE = {
    "centos7": """NAME="CentOS Linux"
VERSION="7 (Core)"
ID="centos"
ID_LIKE="rhel fedora"
VERSION_ID="7"
PRETTY_NAME="CentOS Linux 7 (Core)"
ANSI_COLOR="0;31"
CPE_NAME="cpe:/o:centos:centos:7"
HOME_URL="https://www.centos.org/"
BUG_REPORT_URL="https://bugs.centos.org/"

CENTOS_MANTISBT_PROJECT="CentOS-7"
CENTOS_MANTISBT_PROJECT_VERSION="7"
REDHAT_SUPPORT_PRODUCT="centos"
REDHAT_SUPPORT_PRODUCT_VERSION="7"

""",
    "rocky9": """NAME="Rocky Linux"
VERSION="9.3 (Blue Onyx)"
ID="rocky"
ID_LIKE="rhel centos fedora"
VERSION_ID="9.3"
PLATFORM_ID="platform:el9"
PRETTY_NAME="Rocky Linux 9.3 (Blue Onyx)"
ANSI_COLOR="0;32"
LOGO="fedora-logo-icon"
CPE_NAME="cpe:/o:rocky:rocky:9::baseos"
HOME_URL="https://rockylinux.org/"
BUG_REPORT_URL="https://bugs.rockylinux.org/"
SUPPORT_END="2032-05-31"
ROCKY_SUPPORT_PRODUCT="Rocky-Linux-9"
ROCKY_SUPPORT_PRODUCT_VERSION="9.3"
REDHAT_SUPPORT_PRODUCT="Rocky Linux"
REDHAT_SUPPORT_PRODUCT_VERSION="9.3"
""",
    "rocky8": """NAME="Rocky Linux"
VERSION="8.9 (Green Obsidian)"
ID="rocky"
ID_LIKE="rhel centos fedora"
VERSION_ID="8.9"
PLATFORM_ID="platform:el8"
PRETTY_NAME="Rocky Linux 8.9 (Green Obsidian)"
ANSI_COLOR="0;32"
LOGO="fedora-logo-icon"
CPE_NAME="cpe:/o:rocky:rocky:8:GA"
HOME_URL="https://rockylinux.org/"
BUG_REPORT_URL="https://bugs.rockylinux.org/"
SUPPORT_END="2029-05-31"
ROCKY_SUPPORT_PRODUCT="Rocky-Linux-8"
ROCKY_SUPPORT_PRODUCT_VERSION="8.9"
REDHAT_SUPPORT_PRODUCT="Rocky Linux"
REDHAT_SUPPORT_PRODUCT_VERSION="8.9"
""",
    "ubuntu2404": """PRETTY_NAME="Ubuntu 24.04.1 LTS"
NAME="Ubuntu"
VERSION_ID="24.04"
VERSION="24.04.1 LTS (Noble Numbat)"
VERSION_CODENAME=noble
ID=ubuntu
ID_LIKE=debian
HOME_URL="https://www.ubuntu.com/"
SUPPORT_URL="https://help.ubuntu.com/"
BUG_REPORT_URL="https://bugs.launchpad.net/ubuntu/"
PRIVACY_POLICY_URL="https://www.ubuntu.com/legal/terms-and-policies/privacy-policy"
UBUNTU_CODENAME=noble
LOGO=ubuntu-logo
""",
    "ubuntu2204": """PRETTY_NAME="Ubuntu 22.04.3 LTS"
NAME="Ubuntu"
VERSION_ID="22.04"
VERSION="22.04.3 LTS (Jammy Jellyfish)"
VERSION_CODENAME=jammy
ID=ubuntu
ID_LIKE=debian
HOME_URL="https://www.ubuntu.com/"
SUPPORT_URL="https://help.ubuntu.com/"
BUG_REPORT_URL="https://bugs.launchpad.net/ubuntu/"
PRIVACY_POLICY_URL="https://www.ubuntu.com/legal/terms-and-policies/privacy-policy"
UBUNTU_CODENAME=jammy
""",
    # Debian base-files 11.1+deb11u11 (bullseye), /usr/lib/os-release, read from the real package.
    "debian11": """PRETTY_NAME="Debian GNU/Linux 11 (bullseye)"
NAME="Debian GNU/Linux"
VERSION_ID="11"
VERSION="11 (bullseye)"
VERSION_CODENAME=bullseye
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"
""",
    "debian12": """PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"
""",
}

DEFAULT_KERNEL = {
    "centos7": "3.10.0-1160.el7.x86_64",
    "rocky8": "4.18.0-513.5.1.el8_9.x86_64",
    "ubuntu2404": "6.8.0-41-generic",
    "rocky9": "5.14.0-362.el9.x86_64",
    "ubuntu2204": "5.15.0-91-generic",
    "debian12": "6.1.0-17-amd64",
    # bullseye's linux-image-amd64 5.10.223-1 depends on linux-image-5.10.0-32-amd64 (apt-cache show, bullseye main).
    "debian11": "5.10.0-32-amd64",
}

FSTAB_SWAP = {
    "centos7": ("/dev/mapper/centos-swap", "/dev/mapper/centos-swap swap                    swap    defaults        0 0"),
    "rocky9": ("/dev/mapper/rl-swap", "/dev/mapper/rl-swap     none                    swap    defaults        0 0"),
    "rocky8": ("/dev/mapper/rl-swap", "/dev/mapper/rl-swap     swap                    swap    defaults        0 0"),
    "ubuntu2404": ("/swap.img", "/swap.img\tnone\tswap\tsw\t0\t0"),
    "ubuntu2204": ("/swap.img", "/swap.img\tnone\tswap\tsw\t0\t0"),
    "debian12": ("/dev/vda5", "UUID=7d3f0d1e-5c0e-4f6b-9a51-3b2a9c1e0c11 none swap sw 0 0"),
    "debian11": ("/dev/vda5", "UUID=5a1c9e2f-3b4d-4e6f-8a0b-1c2d3e4f5a6b none swap sw 0 0"),
}

FSTAB_ROOT = {
    "rocky8": "/dev/mapper/rl-root     /                       xfs     defaults        0 0\n",
    "ubuntu2404": "/dev/disk/by-uuid/2a3b4c5d-6e7f-4081-92a3-b4c5d6e7f809 / ext4 defaults 0 1\n",
    "centos7": "/dev/mapper/centos-root /                       xfs     defaults        0 0\nUUID=5c7e1f0a-3c2b-4d5e-8f9a-0b1c2d3e4f50 /boot xfs defaults 0 0\n",
    "rocky9": "/dev/mapper/rl-root     /                       xfs     defaults        0 0\nUUID=9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d /boot xfs defaults 0 0\n",
    "ubuntu2204": "/dev/disk/by-uuid/1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9 / ext4 defaults 0 1\n",
    "debian12": "UUID=0e1d2c3b-4a59-4687-9a0b-1c2d3e4f5a6b / ext4 errors=remount-ro 0 1\n",
    "debian11": "UUID=3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f / ext4 errors=remount-ro 0 1\n",
}

DEFAULT_HOSTNAME = {
    "rocky8": "localhost.localdomain",
    "ubuntu2404": "ubuntu",
    "centos7": "localhost.localdomain",
    "rocky9": "localhost.localdomain",
    "ubuntu2204": "ubuntu",
    "debian12": "debian",
    "debian11": "debian",
}

# Packages installed on a fresh minimal machine of each flavour: name -> (version, release).
PREINSTALLED = {
    "centos7": {
        "bash": ("4.2.46", "35.el7_9"), "coreutils": ("8.22", "24.el7_9.2"), "curl": ("7.29.0", "59.el7_9.2"),
        "openssh-server": ("7.4p1", "23.el7_9"), "firewalld": ("0.6.3", "13.el7_9"), "yum": ("3.4.3", "168.el7.centos"),
        "iptables": ("1.4.21", "35.el7"), "iproute": ("4.11.0", "30.el7"), "chrony": ("3.4", "1.el7"),
        "util-linux": ("2.23.2", "65.el7_9.1"), "procps-ng": ("3.3.10", "28.el7"), "kernel": ("3.10.0", "1160.el7"),
        "selinux-policy-targeted": ("3.13.1", "268.el7_9.2"), "rpm": ("4.11.3", "48.el7_9"), "sudo": ("1.8.23", "10.el7_9.3"),
    },
    "rocky9": {
        "bash": ("5.1.8", "6.el9_1"), "coreutils": ("8.32", "34.el9"), "curl": ("7.76.1", "26.el9_3.2"),
        "openssh-server": ("8.7p1", "34.el9"), "firewalld": ("1.2.5", "2.el9"), "dnf": ("4.14.0", "8.el9"),
        "dnf-plugins-core": ("4.3.0", "11.el9"), "iptables-nft": ("1.8.8", "6.el9"), "iproute": ("6.2.0", "5.el9"),
        "chrony": ("4.3", "1.el9"), "util-linux": ("2.37.4", "15.el9"), "procps-ng": ("3.3.17", "13.el9"),
        "kernel": ("5.14.0", "362.el9"), "selinux-policy-targeted": ("38.1.23", "1.el9"), "rpm": ("4.16.1.3", "25.el9"),
        "sudo": ("1.9.5p2", "9.el9"), "tar": ("1.34", "6.el9_1"),
    },
    "ubuntu2204": {
        "bash": ("5.1-6ubuntu1", ""), "coreutils": ("8.32-4.1ubuntu1", ""), "curl": ("7.81.0-1ubuntu1.15", ""),
        "openssh-server": ("1:8.9p1-3ubuntu0.6", ""), "ufw": ("0.36.1-4ubuntu0.1", ""), "apt": ("2.4.11", ""),
        "iptables": ("1.8.7-1ubuntu5.1", ""), "iproute2": ("5.15.0-1ubuntu2", ""), "systemd-timesyncd": ("249.11-0ubuntu3.11", ""),
        "util-linux": ("2.37.2-4ubuntu3", ""), "procps": ("2:3.3.17-6ubuntu2.1", ""), "ca-certificates": ("20230311ubuntu0.22.04.1", ""),
        "gpg": ("2.2.27-3ubuntu2.1", ""), "sudo": ("1.9.9-1ubuntu2.4", ""), "gnupg": ("2.2.27-3ubuntu2.1", ""),
        "apt-transport-https": ("2.4.11", ""),
    },
    "debian12": {
        "bash": ("5.2.15-2+b2", ""), "coreutils": ("9.1-1", ""), "curl": ("7.88.1-10+deb12u5", ""),
        "openssh-server": ("1:9.2p1-2+deb12u2", ""), "apt": ("2.6.1", ""), "iptables": ("1.8.9-2", ""),
        "iproute2": ("6.1.0-3", ""), "systemd-timesyncd": ("252.22-1~deb12u1", ""), "util-linux": ("2.38.1-5+b1", ""),
        "procps": ("2:4.0.2-3", ""), "ca-certificates": ("20230311", ""), "gpg": ("2.2.40-1.1", ""), "sudo": ("1.9.13p3-1+deb12u1", ""),
    },
}

# Debian 11 (bullseye main, versions from `apt-cache madison` against deb.debian.org, December 2026).
PREINSTALLED["debian11"] = {
    "bash": ("5.1-2+deb11u1", ""), "coreutils": ("8.32-4+b1", ""), "curl": ("7.74.0-1.3+deb11u13", ""),
    "openssh-server": ("1:8.4p1-5+deb11u3", ""), "apt": ("2.2.4", ""), "iptables": ("1.8.7-1", ""),
    "iproute2": ("5.10.0-4", ""), "systemd-timesyncd": ("247.3-7+deb11u5", ""), "util-linux": ("2.36.1-8+deb11u2", ""),
    "procps": ("2:3.3.17-5", ""), "ca-certificates": ("20210119", ""), "gpg": ("2.2.27-2+deb11u2", ""),
    "sudo": ("1.9.5p2-3+deb11u1", ""),
}

PREINSTALLED["rocky8"] = {k: (v, r.replace("el9", "el8")) for k, (v, r) in PREINSTALLED["rocky9"].items()}
PREINSTALLED["rocky8"]["kernel"] = ("4.18.0", "513.5.1.el8_9")
PREINSTALLED["ubuntu2404"] = dict(PREINSTALLED["ubuntu2204"])

# Services on a fresh machine: name -> (enabled, running)
PRESERVICES = {
    "rocky8": {"firewalld": (True, True), "chronyd": (True, True)},
    "ubuntu2404": {"ufw": (True, False), "systemd-timesyncd": (True, True)},
    "centos7": {"firewalld": (True, True), "chronyd": (True, True)},
    "rocky9": {"firewalld": (True, True), "chronyd": (True, True)},
    "ubuntu2204": {"ufw": (True, False), "systemd-timesyncd": (True, True)},
    "debian12": {"systemd-timesyncd": (True, True)},
    "debian11": {"systemd-timesyncd": (True, True)},
}

# ----- Kubernetes ----------------------------------------------------------------------------

# Newest patch of each minor carried by pkgs.k8s.io (and the Aliyun/USTC mirrors of it), as of late August 2026.
# Ended branches: final patches from kubernetes/website data/releases/eol.yaml (1.24.17, 1.25.16, 1.26.15,
# 1.27.16, 1.28.15, 1.29.14, 1.30.14, 1.31.14); 1.32.13 (kubernetes/website#54958, March 2026); 1.33.13 (the June
# 2026 releases were 1.33's last: cri-o/packaging#334; 1.33.11 in April per kubernetes/website#55633).
# Active: 1.34.11 and 1.35.8 (August 2026: 1.34.10/1.35.7 in July per kubernetes/website#56964; 1.35.8 named in
# kubernetes/kubernetes#142326), 1.36.4 (tag v1.36.4, 2026-08-20), 1.37.0 (released 2026-08-26:
# kubernetes-sigs/verify-conformance#243). A host spec may add newer ones ("k8s_extra_patches"): the
# repositories move on every month, and kubewiz must take a patch it does not know yet.
K8S_LATEST_PATCH = {
    24: 17, 25: 16, 26: 15, 27: 16, 28: 15, 29: 14, 30: 14, 31: 14, 32: 13, 33: 13,
    34: 11, 35: 8, 36: 4, 37: 0,
}


def k8s_latest_patch(minor):
    """The newest patch of `minor` this host's repositories carry (None: the minor is not published)."""
    base = K8S_LATEST_PATCH.get(minor)
    extra = _host_extra_patches().get(minor)
    if base is None:
        return extra
    return max(base, extra) if extra is not None else base


def _host_extra_patches():
    try:
        from kwsim import common

        return {int(k): int(v) for k, v in (common.host().get("k8s_extra_patches") or {}).items()}
    except Exception:
        return {}


# What the kubeadm and kubelet packages of pkgs.k8s.io depend on. kubernetes/release
# cmd/krel/templates/latest/metadata.yaml (@ f618b2a3, 2026-07-24): kubeadm >= 1.25.1 < 1.30.0 depends on
# kubelet, kubectl, kubernetes-cni, cri-tools; >= 1.30.0 < 1.32.0 on cri-tools only; >= 1.32.0 on nothing. Until
# 0ffd6e1f (2026-04-24, "krel ends up using the first one") kubeadm >= 1.32 still got the cri-tools dependency:
# builds before May 2026 (1.32.*, 1.33 <= .11, 1.34 <= .7, 1.35 <= .4, 1.36.0) have it; metal3-io/project-infra#1403
# saw it gone in 1.36.2.
KUBEADM_CRITOOLS_UNTIL = {32: 99, 33: 11, 34: 7, 35: 4, 36: 0}
# kubelet.spec (latest templates): iptables, kubernetes-cni (metadata), mount, util-linux. conntrack left with
# d2a7ae37 (2025-09-04); the first builds without it were the November 2025 releases (October was folded into
# November: kubernetes/website#53003): kubernetes/kubernetes#135306 shows 1.31.13 with conntrack and 1.31.14 without,
# "newer releases of v1.32 and v1.33" without. socat and ebtables left with 98122cf8 (2024-08-27); the simulator
# treats every pkgs.k8s.io kubelet as built after that (their absence only draws kubeadm preflight warnings).
KUBELET_CONNTRACK_UNTIL = {31: 13, 32: 9, 33: 5, 34: 1}


def kubeadm_deps(minor, patch):
    if minor < 30:
        return ["kubelet", "kubectl", "kubernetes-cni", "cri-tools"]
    if minor < 32:
        return ["cri-tools"]
    return ["cri-tools"] if patch <= KUBEADM_CRITOOLS_UNTIL.get(minor, -1) else []


def kubelet_conntrack(minor, patch):
    """Whether the kubelet package of this version still depends on conntrack."""
    if minor <= 30:
        return True
    return patch <= KUBELET_CONNTRACK_UNTIL.get(minor, -1)


LEGACY_LAST = {25: 14, 26: 9, 27: 6, 28: 2}
LEGACY_FIRST_MINOR = 5  # they carry 1.5.x .. 1.28.2; we only model 1.25+ in detail
CRI_TOOLS = {24: "1.24.2", 25: "1.25.0", 26: "1.26.0", 27: "1.27.0", 28: "1.28.0", 29: "1.29.0", 30: "1.30.1",
             31: "1.31.1", 32: "1.32.0", 33: "1.33.0", 34: "1.34.0", 35: "1.35.0", 36: "1.36.0", 37: "1.37.0"}
K8S_CNI = {24: "1.1.1", 25: "1.1.1", 26: "1.2.0", 27: "1.2.0", 28: "1.2.0", 29: "1.3.0", 30: "1.4.0", 31: "1.5.1",
           32: "1.6.0", 33: "1.6.0", 34: "1.7.1", 35: "1.7.1", 36: "1.8.0", 37: "1.8.0"}

IMAGES = {
    # minor: (pause, etcd, coredns)
    24: ("3.7", "3.5.6-0", "v1.8.6"),
    25: ("3.8", "3.5.4-0", "v1.9.3"),
    26: ("3.9", "3.5.6-0", "v1.9.3"),
    27: ("3.9", "3.5.7-0", "v1.10.1"),
    28: ("3.9", "3.5.9-0", "v1.10.1"),
    29: ("3.9", "3.5.10-0", "v1.11.1"),
    30: ("3.9", "3.5.12-0", "v1.11.1"),
    31: ("3.10", "3.5.15-0", "v1.11.3"),
    32: ("3.10", "3.5.16-0", "v1.11.3"),
    33: ("3.10", "3.5.21-0", "v1.12.0"),
    34: ("3.10.1", "3.6.4-0", "v1.12.1"),
    35: ("3.10.1", "3.6.5-0", "v1.13.1"),
    36: ("3.10.2", "3.6.6-0", "v1.13.1"),
    37: ("3.10.2", "3.6.6-0", "v1.13.1"),
}

# Registries the nodes can pull from: name -> highest Kubernetes version they carry (None: all).
REGISTRIES = {
    "registry.k8s.io": None,
    "registry.aliyuncs.com/google_containers": None,
    "registry.cn-hangzhou.aliyuncs.com/google_containers": None,
    "k8s.gcr.io": (1, 26, 3),
}

# containerd.io in Docker's repositories (download.docker.com/linux/<distro>, mirrored by Aliyun). Which branches
# Docker builds, and for which distros: docker/packaging (main @ fc7ef54, 2026-08-20): DISTROS debian11/12/13,
# ubuntu2204/2404/2604, rhel/rocky/alma/oracle 8-10, centos9/10 (no centos7 since f381752, 2025-06-07; no Ubuntu
# 20.04); PKG_REF release/2.2 from 0cf4fc9 (2026-04-15), release/2.3 "as stable" from e4253ef (2026-08-19). The
# simulated repositories carry one tag of each of those branches (containerd/containerd: v1.7.28 2025-07-25, v2.2.7
# and v2.3.4 2026-08-12; the real repositories carry more patches, not checked here); EL7's repository stops at 1.6.33 (2024-06-04, CentOS 7's end of
# life; the seed's version). Package versions: deb "2.3.4-1~ubuntu.22.04~jammy" (hack/scripts/gen-deb-changelog.sh),
# rpm "2.3.4-1.el9" (pkg/containerd/rpm/containerd.spec: Release %{_release}%{?dist}); older el7 builds "-3.1.el7".
# `containerd --version` of these builds: "containerd containerd.io v2.3.4 <commit>" (VERSION from gen-ver.sh keeps
# the "v"); the el7 1.6 builds print "1.6.33" without it.
_DOCKER_CURRENT = ["1.7.28", "2.2.7", "2.3.4"]
CONTAINERD_IO = {
    "centos7": ["1.6.4", "1.6.9", "1.6.21", "1.6.24", "1.6.28", "1.6.31", "1.6.33"],
    "rocky8": list(_DOCKER_CURRENT),
    "rocky9": list(_DOCKER_CURRENT),
    "ubuntu2204": list(_DOCKER_CURRENT),
    "ubuntu2404": list(_DOCKER_CURRENT),
    "debian11": list(_DOCKER_CURRENT),
    "debian12": list(_DOCKER_CURRENT),
}
DEB_DISTRO_TAG = {"ubuntu2204": "ubuntu.22.04~jammy", "ubuntu2404": "ubuntu.24.04~noble",
                  "debian11": "debian.11~bullseye", "debian12": "debian.12~bookworm"}
# The distributions' own containerd package. Debian: `apt-cache madison containerd` against deb.debian.org
# (December 2026): bullseye 1.4.13~ds1-1~deb11u4, bookworm 1.6.20~ds1-1+deb12u3 (trixie 1.7.24~ds1-6+deb13u1, sid
# 2.1.9+ds1-5). Ubuntu: kept from the earlier simulator (jammy, then jammy-updates; not re-checked here: the
# archive is out of reach), apt picks the newest.
DISTRO_CONTAINERD = {
    "ubuntu2204": ["1.5.9-0ubuntu3", "1.6.12-0ubuntu1~22.04.3", "1.7.24-0ubuntu1~22.04.2"],
    "debian11": ["1.4.13~ds1-1~deb11u4"],
    "debian12": ["1.6.20~ds1-1+deb12u3"],
    "ubuntu2404": ["1.7.12-0ubuntu4", "1.7.24-0ubuntu1~24.04.2"],
}

_KEY_B64 = """\
u4XaiUmtB9UuGt9jl8VxQg4hOMRf40coIwHsNwtSrc2R9v5Kgpvcv537QVIigVHH
WMNvXeoZkkoDIUljvbCEDWaEhS9R5OMYKd4AaJ+f1c8OELhEcV2dAQLLyjtnEaF/
qmREN+3Y9+5VcRZvQHeyBxCG+hdUGE740ixgnY2gSqZ/J4YeQntQ6pMUEhT6pbaE
10q2HUierj/im0V+ZUdCh46Lk/Rdfa5ZKlqYOiA2iN1coDPIdyqKavcdfPqSraKF
Lan2KLcZcgTxP+0+HfzKefvGEnZa11civbe9ABEBAAG0PmlzdjprdWJlcm5ldGVz
IE9CUyBQcm9qZWN0IDxpc3Y6a3ViZXJuZXRlc0BidWlsZC5vcGVuc3VzZS5vcmc+
iQE+BBMBCAAoBQJjB6F3AhsDBQkEHrAABgsJCAcDAgYVCAIJCgsEFgIDAQIeAQIX
gAAKCRAjRlTamilkNhnRCADud9iv+2CUtJGyZhhdzzd55wRKvHGmSY4eIAEKChmf
1+BHwFnzBzbdNtnglY2xSATqKIWikzXI1stAwi8qR0dK32CS+ofMS6OUklm26Yd1
jBWFg4LCCh8S21GLcuudHtW9QNCCjlByS4gyEJ+eYTOo2dWp88NWEzVXIKRtfLHV
myHJnt2QLmWOeYTgmCzpeT8onl2Lp19bryRGla+Ms0AmlCltPn8j+hPeADDtR2bv
7cTLDi/nA46u3SLV1P6yjC1ejOOswtgxppTxvLgYniS22aSnoqm47l111zZiZKJ5
bCm1Th6qJFJwOrGEOu3aV1iKaQmN2k4G2DixsHFAU3ZeiQIcBBABAgAGBQJjB6F3
AAoJEM1ETbI9AY4D6sEP/2qiWG/wHXT6R6K+SgL0Or2vhz8ylUrhaPXIiSkT5qTb
"""


def _crc24(data):
    crc = 0xB704CE
    for b in data:
        crc ^= b << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    return crc & 0xFFFFFF


def _armor():
    import base64

    raw = base64.b64decode("".join(_KEY_B64.split()))
    crc = base64.b64encode(_crc24(raw).to_bytes(3, "big")).decode()
    return "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n%s=%s\n-----END PGP PUBLIC KEY BLOCK-----\n" % (_KEY_B64, crc)


# An OpenPGP public key block with a valid checksum (gpg --dearmor accepts it).
DUMMY_KEY = _armor()
