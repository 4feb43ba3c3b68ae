"""Which hosts answer from this node, and the node's log of network requests.

A host runs in one of two networks (host.json "network"):
- "open" (default): the simulated internet answers (what a URL carries is decided elsewhere: net.py,
  pkg.py, registry.py);
- "china": mainland China behind the Great Firewall. Only the Chinese mirrors, the OS mirrors and the
  fleet itself answer; every other host times out (the GFW drops the packets: a connect timeout, not a
  refusal). download.docker.com, pkgs.k8s.io, registry.k8s.io, Docker Hub, quay.io, ghcr.io, GitHub and
  raw.githubusercontent.com are all in that second group, which is why issue 10 exists.

Every request a simulated tool makes (curl, wget, yum/dnf repo metadata and keys, apt sources, image
pulls) is appended to /var/lib/kwsim/net.log as "<epoch> <tool> <url> <outcome>"; tests read it to prove
that no node ever asked a blocked host.
"""

import fcntl
import ipaddress
import os
import re
import time

from kwsim import common

NET_LOG = common.LIB + "/net.log"

# Hosts that answer from mainland China (suffix match). The Chinese mirrors kubewiz uses with
# mirror = "aliyun" (see assets/catalog.toml: Aliyun's Kubernetes, docker-ce and CentOS vault mirrors,
# Aliyun's kubeadm image registry, DaoCloud's registry mirrors), other Chinese mirror sites, and the OS
# mirrors the fleet's fresh machines point at.
CHINA_ANSWERS = (
    "mirrors.aliyun.com",
    "aliyuncs.com",            # registry.aliyuncs.com, registry.cn-*.aliyuncs.com, <id>.mirror.aliyuncs.com
    "m.daocloud.io",           # docker.m.daocloud.io, quay.m.daocloud.io, ... (public-image-mirror)
    "mirrors.ustc.edu.cn",
    "mirrors.tuna.tsinghua.edu.cn",
    "ntp.aliyun.com",
    # OS mirrors (distribution repositories are not blocked)
    "vault.centos.org",
    "archive.ubuntu.com",
    "security.ubuntu.com",
    "deb.debian.org",
    "security.debian.org",
    "dl.rockylinux.org",
    "mirrors.rockylinux.org",
)


def network():
    return common.host().get("network", "open")


def host_of(url):
    m = re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*://(\[[^\]]+\]|[^/:?#]+)", url)
    h = m.group(1) if m else url.split("/")[0].split(":")[0]
    return h.strip("[]").lower()


def is_fleet(host):
    """The fleet itself: its addresses, loopback, and the nodes' names (resolved by /etc/hosts)."""
    try:
        ip = ipaddress.ip_address(host)
        return ip.is_loopback or ip in ipaddress.ip_network("192.0.2.0/24")
    except ValueError:
        pass
    return host == "localhost" or "." not in host


def blocked(host):
    """True when the host does not answer from this node (its packets are dropped)."""
    if network() != "china" or is_fleet(host):
        return False
    return not any(host == s or host.endswith("." + s) for s in CHINA_ANSWERS)


def log(tool, url, outcome):
    os.makedirs(common.LIB, exist_ok=True)
    with open(NET_LOG, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        f.write("%d %s %s %s\n" % (int(time.time()), tool, url, outcome))


def reach(tool, url):
    """Logs a request by `tool` to `url`; returns None when the host answers, else the connect timeout
    in milliseconds (after waiting the profile's `blocked_timeout` seconds, 0 by default)."""
    h = host_of(url)
    if blocked(h):
        log(tool, url, "timeout")
        common.sleep_for("blocked_timeout")
        return 30000
    if not is_fleet(h):
        log(tool, url, "ok")
    return None


def curl_timeout(url, ms):
    """curl's own words for a dropped connection (exit 28)."""
    return "Failed to connect to %s port %d after %d ms: Timeout was reached" % (
        host_of(url), 80 if url.startswith("http:") else 443, ms)
