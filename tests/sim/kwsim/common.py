"""Shared helpers of the node simulator: host identity, state files, call log, timing profile.

Persistent state lives under /var/lib/kwsim (survives a simulated reboot), runtime state under
/run/kwsim (cleared by a reboot). Real configuration lives where the real tools keep it
(/etc/yum.repos.d, /etc/fstab, /etc/containerd/config.toml, /etc/systemd/system, ...).
"""

import fcntl
import json
import os
import shlex
import socket
import sys
import time

LIB = "/var/lib/kwsim"
RUN = "/run/kwsim"
LOGDIR = "/var/log/kwsim"
SIMDIR = "/usr/lib/kwsim"

_host = None


def host():
    """The host's hardware/OS identity written by the harness (host.json)."""
    global _host
    if _host is None:
        with open(os.path.join(LIB, "host.json")) as f:
            _host = json.load(f)
    return _host


def flavour():
    return host()["flavour"]


def family():
    return "debian" if flavour() in ("ubuntu2204", "ubuntu2404", "debian11", "debian12") else "rhel"


def kernel():
    return host()["kernel"]


def kernel_tuple():
    parts = []
    for p in kernel().split("-")[0].split("."):
        try:
            parts.append(int(p))
        except ValueError:
            break
    while len(parts) < 3:
        parts.append(0)
    return tuple(parts[:3])


def cgroup_version():
    return int(host().get("cgroup", 2))


def err(*a):
    print(*a, file=sys.stderr)


def die(msg, code=1):
    if msg:
        err(msg)
    sys.exit(code)


def log_call(argv=None):
    """Appends "<epoch> <argv...>" to the call log (every mutating simulated command does)."""
    argv = sys.argv if argv is None else argv
    import re

    name = os.path.basename(argv[0])
    line = "%d %s\n" % (int(time.time()), shlex.join([name] + list(argv[1:])))
    # join tokens, CA hashes and certificate keys never land in the log (tests grep for leaks)
    line = re.sub(r"\b[a-z0-9]{6}\.[a-z0-9]{16}\b|sha256:[0-9a-f]{64}|\b[0-9a-f]{64}\b", "<redacted>", line)
    os.makedirs(LIB, exist_ok=True)
    with open(os.path.join(LIB, "calls.log"), "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        f.write(line)


def profile(key):
    """Seconds to sleep for an action (package install, image pull, init, join, ready)."""
    val = os.environ.get("KWSIM_" + key.upper())
    if val is None:
        try:
            with open("/etc/kwsim/profile") as f:
                for line in f:
                    line = line.split("#", 1)[0].strip()
                    if "=" in line:
                        k, v = line.split("=", 1)
                        if k.strip() == key:
                            val = v.strip()
        except OSError:
            pass
    try:
        return float(val) if val is not None else 0.0
    except ValueError:
        return 0.0


def sleep_for(key, scale=1.0):
    s = profile(key) * scale
    if s > 0:
        time.sleep(s)


class Locked:
    """An exclusive flock on a state file's companion lock file."""

    def __init__(self, name):
        self.path = name + ".lock"

    def __enter__(self):
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        self.f = open(self.path, "a")
        fcntl.flock(self.f, fcntl.LOCK_EX)
        return self

    def __exit__(self, *a):
        self.f.close()


def load_json(path, default):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return default


def save_json(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        json.dump(data, f, indent=1, sort_keys=True)
    os.replace(tmp, path)


def write_file(path, text, mode=0o644):
    os.makedirs(os.path.dirname(path) or "/", exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def read_file(path, default=None):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return default


def pid_alive(pid):
    try:
        os.kill(int(pid), 0)
    except (OSError, ValueError):
        return False
    try:
        with open("/proc/%d/stat" % int(pid)) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    except OSError:
        return False


def hostname():
    return socket.gethostname()


def tcp_open(addr, port, timeout=1.0):
    try:
        with socket.create_connection((addr, port), timeout=timeout):
            return True
    except OSError:
        return False


def primary_address():
    return host().get("address", "127.0.0.1")


def now():
    return time.time()


# ----- versions --------------------------------------------------------------------------

def vtuple(v):
    v = v.lstrip("v")
    out = []
    for p in v.replace("-", ".").split("."):
        num = ""
        for ch in p:
            if ch.isdigit():
                num += ch
            else:
                break
        out.append(int(num) if num else 0)
    return tuple(out)


def minor_of(v):
    t = vtuple(v)
    return t[1] if len(t) > 1 else 0


def spawn_daemon(args, logname):
    """Starts a detached process (reparented to the host's init, which reaps it)."""
    import subprocess

    os.makedirs(LOGDIR, exist_ok=True)
    log = open(os.path.join(LOGDIR, logname + ".log"), "a")
    p = subprocess.Popen(
        args,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=log,
        start_new_session=True,
        close_fds=True,
        cwd="/",
    )
    return p.pid


def tool_cmd(name, *args):
    return ["/usr/bin/python3", "-S", os.path.join(SIMDIR, "kwsim", "tool.py"), name] + list(args)
