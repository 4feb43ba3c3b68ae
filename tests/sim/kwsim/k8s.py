"""containerd (daemon + CLI), ctr, crictl, kubeadm, kubelet (daemon), kubectl, kwsim-ctl."""

import base64
import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from kwsim import common, data, pkg, registry, system
from kwsim.common import RUN, LIB, err, die

SOCK = "/run/containerd/containerd.sock"
IMAGES = LIB + "/images.json"
KUBELET_STATUS = RUN + "/kubelet.status"
NODE_FILE = "/var/lib/kubelet/kwsim-node.json"

# ----- containerd --------------------------------------------------------------------------------


def containerd_version():
    inst = pkg.db()
    for n in ("containerd.io", "containerd"):
        if n in inst and not inst[n].get("not_installed"):
            return inst[n]["version"].split(":")[-1].split("-")[0].split("~")[0], n
    return None, None


def max_config_version(ver):
    """The newest config version a containerd accepts: version/version.go ConfigVersion (2 in 1.x, 3 in 2.0-2.2
    (release/2.0..2.2), 4 in 2.3 (release/2.3)). None: 1.6 checks no version at all (real 1.6.20 loads a version 3
    or 4 file without a word and ignores its tables)."""
    t = common.vtuple(ver or "1.6")
    if t[:2] <= (1, 6):
        return None
    if t[0] < 2:
        return 2
    return 4 if t[:2] >= (2, 3) else 3


def version_problem(ver, cv, path):
    """What containerd `ver` says about a config file of version `cv` (the real messages: 1.7.24 and 2.1.9 run
    against such files, December 2026), or None."""
    mx = max_config_version(ver)
    if mx is None or cv <= mx:
        return None
    if common.vtuple(ver)[0] < 2:
        return "containerd: failed to load TOML from %s: unsupported config version `%d`" % (path, cv)
    return ("containerd: failed to load TOML from %s: expected containerd config version equal to or less than `%d`, "
            "got `%d`" % (path, mx, cv))


def containerd_effective(path="/etc/containerd/config.toml"):
    """(problem or None, effective config dict) for a config file, as the installed containerd reads it."""
    import tomllib

    ver, _ = containerd_version()
    t = common.vtuple(ver or "1.6")
    major = t[0]
    eff = {"cri": True, "systemd_cgroup": False,
           # the defaults `config default` prints: 1.6.20 pause:3.6, 1.7.24 pause:3.8, 2.1.9 pause:3.10 (fixtures)
           "sandbox": "registry.k8s.io/pause:3.6" if t[:2] == (1, 6) else
           ("registry.k8s.io/pause:3.8" if major < 2 else "registry.k8s.io/pause:3.10"),
           "config_path": "", "version": ver}
    if not os.path.exists(path):
        return None, eff
    try:
        with open(path, "rb") as f:
            cfg = tomllib.load(f)
    except (tomllib.TOMLDecodeError, OSError) as e:
        return "containerd: failed to load TOML from %s: %s" % (path, e), eff
    cv = cfg.get("version", 1)
    problem = version_problem(ver, cv, path)
    if problem:
        return problem, eff
    disabled = cfg.get("disabled_plugins", []) or []
    plugins = cfg.get("plugins", {}) or {}
    if major < 2 and cv > 2:
        # containerd 1.6: the file loads, but no table it knows is in it: every CRI setting is the default.
        eff["cri"] = not any(p in disabled for p in ("cri", "io.containerd.grpc.v1.cri"))
        return None, eff
    if cv >= 3:
        eff["cri"] = not any(p in disabled for p in ("cri", "io.containerd.cri.v1.runtime", "io.containerd.grpc.v1.cri"))
        rt = plugins.get("io.containerd.cri.v1.runtime", {})
        opts = rt.get("containerd", {}).get("runtimes", {}).get("runc", {}).get("options", {})
        eff["systemd_cgroup"] = bool(opts.get("SystemdCgroup", False))
        img = plugins.get("io.containerd.cri.v1.images", {})
        eff["sandbox"] = img.get("pinned_images", {}).get("sandbox", eff["sandbox"])
        eff["config_path"] = img.get("registry", {}).get("config_path", "")
        eff["registry"] = registry.cri_registry(cfg, cv)
    else:
        # version 2 (and 1: plugin "cri"); containerd 2.x migrates these tables to the version 3 ones on load.
        eff["cri"] = not any(p in disabled for p in ("cri", "io.containerd.grpc.v1.cri"))
        cri = plugins.get("io.containerd.grpc.v1.cri", {}) if cv == 2 else plugins.get("cri", {})
        opts = cri.get("containerd", {}).get("runtimes", {}).get("runc", {}).get("options", {})
        eff["systemd_cgroup"] = bool(opts.get("SystemdCgroup", False))
        eff["sandbox"] = cri.get("sandbox_image", eff["sandbox"])
        eff["config_path"] = cri.get("registry", {}).get("config_path", "")
        eff["registry"] = registry.cri_registry(cfg, cv)
    reg_problem = registry.registry_config_problem(eff["registry"])
    if reg_problem and eff["cri"]:
        # containerd runs, but its CRI plugin does not load (journalctl -u containerd says why).
        eff["cri"] = False
        eff["cri_error"] = ('failed to load plugin io.containerd.grpc.v1.cri: invalid plugin config: %s'
                            % reg_problem)
    return None, eff


def containerd_config_problem():
    return containerd_effective()[0]


def containerd_daemon():
    problem, eff = containerd_effective()
    if problem:
        err('time="%s" level=fatal msg="%s"' % (time.strftime("%Y-%m-%dT%H:%M:%S"), problem))
        sys.exit(1)
    common.write_file(RUN + "/containerd.json", json.dumps(eff))
    if eff.get("cri_error"):
        print('time="%s" level=warning msg="%s"' % (time.strftime("%Y-%m-%dT%H:%M:%S"), eff["cri_error"]), flush=True)
    os.makedirs("/run/containerd", exist_ok=True)
    if os.path.exists(SOCK):
        os.remove(SOCK)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(SOCK)
    s.listen(64)
    signal.signal(signal.SIGTERM, lambda *a: (os.path.exists(SOCK) and os.remove(SOCK), sys.exit(0)))
    print('time="%s" level=info msg="containerd successfully booted"' % time.strftime("%Y-%m-%dT%H:%M:%S"), flush=True)
    while True:
        c, _ = s.accept()
        try:
            c.sendall(json.dumps(eff).encode())
        except OSError:
            pass
        c.close()


def cri_state():
    """(None, effective) when the CRI answers; (error text, None) otherwise."""
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(2)
        s.connect(SOCK)
        raw = b""
        while True:
            b = s.recv(65536)
            if not b:
                break
            raw += b
        s.close()
        eff = json.loads(raw)
    except (OSError, ValueError):
        return ("rpc error: code = Unavailable desc = connection error: desc = \"transport: Error while dialing: dial unix "
                "%s: connect: no such file or directory\"" % SOCK), None
    if not eff.get("cri"):
        return "rpc error: code = Unimplemented desc = unknown service runtime.v1.RuntimeService", eff
    return None, eff


def containerd(argv):
    ver, pkgname = containerd_version()
    if not argv:
        return containerd_daemon()
    if argv[0] in ("--version", "-v", "version"):
        full = pkg.db()[pkgname]["version"]
        if pkgname == "containerd.io":
            # el7's 1.6 builds print the bare version; docker/packaging builds keep the tag's "v" (gen-ver.sh)
            shown = ver if common.flavour() == "centos7" else "v" + ver
            print("containerd containerd.io %s d2d58213f83a351ca8f528a95fbd145f5654e957" % shown)
        elif common.vtuple(ver)[0] >= 2:
            # Debian sid's 2.1.9+ds1-5: "containerd github.com/containerd/containerd/v2 2.1.9+unknown"
            print("containerd github.com/containerd/containerd/v2 %s+unknown " % ver)
        else:
            # Debian bookworm's 1.6.20~ds1-1+deb12u3: "containerd github.com/containerd/containerd 1.6.20~ds1 <full>"
            up = full.split(":")[-1].rsplit("-", 1)[0]
            print("containerd github.com/containerd/containerd %s %s" % (up, full))
        return 0
    if argv[:2] == ["config", "default"]:
        sys.stdout.write(default_config(ver))
        return 0
    cfg_path = opt(argv, "--config") or opt(argv, "-c") or "/etc/containerd/config.toml"
    rest = [a for i, a in enumerate(argv) if a not in ("--config", "-c") and not (i > 0 and argv[i - 1] in ("--config", "-c"))
            and not a.startswith("--config=")]
    if rest[:2] == ["config", "dump"]:
        problem, eff = containerd_effective(cfg_path)
        if problem:
            die(problem, 1)
        print(json.dumps(eff))
        return 0
    die("containerd: unknown command %s" % argv[0], 1)


def fixture_default(name):
    return common.read_file("/usr/lib/kwsim/containerd-default-%s.toml" % name)


def v4_from_v3(text):
    """A version 4 default config made from a real version 3 one by containerd's documented rule (release/2.3
    cmd/containerd/server/config/config.go: "Version 3 has server properties moved to plugins for version 4";
    serviceMigrate): the top-level [grpc], [ttrpc], [debug], [metrics] tables go, their settings live in
    [plugins.'io.containerd.server.v1.grpc'] etc.; CRI tables keep their version 3 names. No real 2.3 output is
    available here: this is how the simulator's containerd 2.3 prints `config default`."""
    out, skip = [], False
    for line in text.splitlines():
        st = line.strip()
        if st.startswith("["):
            skip = st in ("[grpc]", "[ttrpc]", "[debug]", "[metrics]")
        if skip:
            continue
        if st.startswith("version = "):
            line = "version = 4"
        out.append(line)
    t = "\n".join(out) + "\n"
    t = t.replace("[plugins]\n", "[plugins]\n  [plugins.'io.containerd.server.v1.grpc']\n"
                  "    address = '/run/containerd/containerd.sock'\n    max_recv_message_size = 16777216\n"
                  "    max_send_message_size = 16777216\n\n", 1)
    return t


def default_config(ver):
    t = common.vtuple(ver or "1.6")
    if t[0] < 2:
        if t[:2] >= (1, 7):
            return fixture_default("1.7.24") or CONTAINERD1_DEFAULT.replace("pause:3.6", "pause:3.8")
        return fixture_default("1.6.20") or CONTAINERD1_DEFAULT
    v3 = fixture_default("2.1.9") or CONTAINERD2_DEFAULT
    return v4_from_v3(v3) if t[:2] >= (2, 3) else v3


CONTAINERD1_DEFAULT = """disabled_plugins = []
imports = []
oom_score = 0
plugin_dir = ""
required_plugins = []
root = "/var/lib/containerd"
state = "/run/containerd"
temp = ""
version = 2

[grpc]
  address = "/run/containerd/containerd.sock"

[plugins]

  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "registry.k8s.io/pause:3.6"

    [plugins."io.containerd.grpc.v1.cri".containerd]
      default_runtime_name = "runc"
      snapshotter = "overlayfs"

      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes]

        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
          runtime_type = "io.containerd.runc.v2"

          [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
            BinaryName = ""
            SystemdCgroup = false

    [plugins."io.containerd.grpc.v1.cri".registry]
      config_path = ""
"""

CONTAINERD2_DEFAULT = """version = 3
root = '/var/lib/containerd'
state = '/run/containerd'
temp = ''
plugin_dir = ''
disabled_plugins = []
required_plugins = []
oom_score = 0
imports = []

[grpc]
  address = '/run/containerd/containerd.sock'

[plugins]
  [plugins.'io.containerd.cri.v1.images']
    snapshotter = 'overlayfs'

    [plugins.'io.containerd.cri.v1.images'.pinned_images]
      sandbox = 'registry.k8s.io/pause:3.10'

    [plugins.'io.containerd.cri.v1.images'.registry]
      config_path = ''

  [plugins.'io.containerd.cri.v1.runtime']
    enable_selinux = false

    [plugins.'io.containerd.cri.v1.runtime'.containerd]
      default_runtime_name = 'runc'

      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes]
        [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
          runtime_type = 'io.containerd.runc.v2'

          [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
            BinaryName = ''
"""


def ctr(argv):
    args = []
    i = 0
    while i < len(argv):
        if argv[i] in ("-n", "--namespace", "-a", "--address", "--hosts-dir", "--platform", "-u", "--user"):
            i += 2
            continue
        if not argv[i].startswith("-"):
            args.append(argv[i])
        i += 1
    ver, _ = containerd_version()
    e, eff = cri_state()
    if args[:1] == ["version"]:
        print("Client:\n  Version:  %s\n  Revision: d2d58213f83a351ca8f528a95fbd145f5654e957\n  Go version: go1.21.13\n" % ver)
        if eff is None:
            die('ctr: failed to dial "%s": connection error: desc = "transport: error while dialing: dial unix %s: connect: '
                'no such file or directory"' % (SOCK, SOCK), 1)
        print("Server:\n  Version:  %s\n  Revision: d2d58213f83a351ca8f528a95fbd145f5654e957\n  UUID: 5f0e4b4e" % ver)
        return 0
    if eff is None:
        die('ctr: failed to dial "%s": connection error: desc = "transport: error while dialing: dial unix %s: connect: '
            'no such file or directory"' % (SOCK, SOCK), 1)
    if args[:2] in (["images", "pull"], ["image", "pull"], ["i", "pull"]):
        return ctr_pull(argv)
    if "images" in args or "image" in args or "i" in args:
        print("REF TYPE DIGEST SIZE PLATFORMS LABELS")
        for img in images():
            print("%s application/vnd.oci.image.index.v1+json sha256:%s 10.0 MiB linux/amd64 -" % (img, digest(img)))
        return 0
    return 0


def ctr_pull(argv):
    """ctr [-n NS] images pull [--hosts-dir DIR] REF: ctr does not read the CRI's registry settings; only
    --hosts-dir points it at hosts.toml files (containerd docs/hosts.md)."""
    hosts_dir = opt(argv, "--hosts-dir") or ""
    pos = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("-n", "--namespace", "--hosts-dir", "--platform", "-u", "--user", "--snapshotter"):
            i += 2
            continue
        if not a.startswith("-"):
            pos.append(a)
        i += 1
    ref = pos[-1] if len(pos) >= 3 else ""
    common.log_call()
    problem = registry.pull_problem(ref, {"config_path": hosts_dir}, "ctr")
    if problem:
        die("ctr: %s" % problem.split("desc = ", 1)[-1], 1)
    common.sleep_for("image_pull")
    reg, path, tag = registry.normalize(ref)
    add_images(["%s/%s:%s" % (reg, path, tag)])
    print("%s: resolved\nelapsed: 0.1 s\ttotal: 10.0 M" % ref)
    return 0


def images():
    return common.load_json(IMAGES, [])


def digest(img):
    return hashlib.sha256(img.encode()).hexdigest()


def add_images(imgs):
    cur = images()
    for i in imgs:
        if i not in cur:
            cur.append(i)
    common.save_json(IMAGES, cur)


def crictl(argv):
    args = []
    i = 0
    endpoint = None
    while i < len(argv):
        a = argv[i]
        if a in ("--runtime-endpoint", "-r", "--image-endpoint", "-i", "--config", "-c", "--timeout", "-t"):
            if a in ("--runtime-endpoint", "-r"):
                endpoint = argv[i + 1] if i + 1 < len(argv) else None
            i += 2
            continue
        if a.startswith("--runtime-endpoint="):
            endpoint = a.split("=", 1)[1]
        elif not a.startswith("-"):
            args.append(a)
        i += 1
    if endpoint is None:
        conf = common.read_file("/etc/crictl.yaml", "") or ""
        m = re.search(r"runtime-endpoint:\s*(\S+)", conf)
        endpoint = m.group(1) if m else None
        if endpoint is None:
            err('WARN[0000] runtime connect using default endpoints: [unix:///var/run/dockershim.sock '
                'unix:///run/containerd/containerd.sock unix:///run/crio/crio.sock unix:///var/run/cri-dockerd.sock]. '
                'As the default settings are now deprecated, you should set the endpoint instead.')
    if endpoint and endpoint.replace("unix://", "").replace("/var/run/", "/run/") != SOCK:
        die('time="%s" level=fatal msg="validate service connection: validate CRI v1 runtime API for endpoint \\"%s\\": '
            'rpc error: code = Unavailable desc = connection error: desc = \\"transport: Error while dialing: dial unix %s: '
            'connect: no such file or directory\\""' % (time.strftime("%Y-%m-%dT%H:%M:%S"), endpoint,
                                                         endpoint.replace("unix://", "")), 1)
    cmd = args[0] if args else "help"
    if cmd == "--version" or cmd == "-v":
        print("crictl version v1.30.0")
        return 0
    e, eff = cri_state()
    if e:
        die('time="%s" level=fatal msg="validate service connection: validate CRI v1 runtime API for endpoint '
            '\\"unix://%s\\": %s"' % (time.strftime("%Y-%m-%dT%H:%M:%S"), SOCK, e.replace('"', '\\"')), 1)
    if cmd == "info":
        net = bool(os.listdir("/etc/cni/net.d")) if os.path.isdir("/etc/cni/net.d") else False
        print(json.dumps({"status": {"conditions": [
            {"type": "RuntimeReady", "status": True, "reason": "", "message": ""},
            {"type": "NetworkReady", "status": net, "reason": "" if net else "NetworkPluginNotReady",
             "message": "" if net else "Network plugin returns error: cni plugin not initialized"}]},
            "config": {"sandboxImage": eff["sandbox"], "containerd": {"defaultRuntimeName": "runc", "runtimes": {
                "runc": {"runtimeType": "io.containerd.runc.v2", "options": {"SystemdCgroup": eff["systemd_cgroup"]}}}}}},
            indent=2))
        return 0
    if cmd == "version":
        print("Version:  0.1.0\nRuntimeName:  containerd\nRuntimeVersion:  %s\nRuntimeApiVersion:  v1" % eff["version"])
        return 0
    if cmd in ("images", "img"):
        print("%-60s %-20s %-15s %s" % ("IMAGE", "TAG", "IMAGE ID", "SIZE"))
        for img in images():
            name, _, tag = img.rpartition(":")
            print("%-60s %-20s %-15s %s" % (name, tag, digest(img)[:13], "10.2MB"))
        return 0
    if cmd == "pull":
        common.log_call()
        img = args[1] if len(args) > 1 else ""
        problem = image_problem(img, "crictl", eff)
        if problem:
            die('E0101 00:00:00.000000 pull image "%s": %s' % (img, problem), 1)
        common.sleep_for("image_pull")
        add_images([img])
        print("Image is up to date for sha256:%s" % digest(img))
        return 0
    if cmd in ("ps", "exec"):
        from kwsim import upgrade

        return upgrade.crictl_ps(argv) if cmd == "ps" else upgrade.crictl_exec(argv[argv.index("exec") + 1:])
    if cmd == "pods":
        print("POD ID              CREATED             STATE               NAME                NAMESPACE")
        return 0
    if cmd == "rmi":
        common.log_call()
        return 0
    return 0


def image_problem(img, tool="containerd", eff=None):
    """None when the CRI can pull `img` from this node (registry config, network), else the pull error."""
    if eff is None:
        _e, eff = cri_state()
    return registry.pull_problem(img, (eff or {}).get("registry") or {}, tool)


# ----- kubeadm -----------------------------------------------------------------------------------


def installed_version(name):
    i = pkg.installed(name)
    if not i:
        return None
    return i["version"].split("-")[0]


def yaml_docs(text):
    """Top-level documents of a (simple) YAML stream as flat {dotted.key: scalar} maps."""
    docs = []
    for raw in re.split(r"(?m)^---\s*$", text):
        d = {}
        stack = []
        block = None
        for line in raw.splitlines():
            if block is not None:
                ind = len(line) - len(line.lstrip())
                if line.strip() == "" or ind > block[1]:
                    d[block[0]] = d.get(block[0], "") + line.strip() + "\n"
                    continue
                block = None
            s = line.split(" #", 1)[0].rstrip()
            if not s.strip() or s.strip().startswith("#"):
                continue
            ind = len(s) - len(s.lstrip())
            st = s.strip()
            if st.startswith("- "):
                st = st[2:]
                ind += 2
            m = re.match(r"([A-Za-z0-9_.\-/\"']+):(\s+(.*))?$", st)
            if not m:
                continue
            while stack and stack[-1][0] >= ind:
                stack.pop()
            key = m.group(1).strip("\"'")
            path = ".".join([k for _, k in stack] + [key])
            val = (m.group(3) or "").strip()
            if val in ("|", ">", "|-", ">-"):
                block = (path, ind)
                d[path] = ""
            elif val == "":
                stack.append((ind, key))
            else:
                d.setdefault(path, val.strip("\"'"))
        if d:
            docs.append(d)
    return docs


def parse_kubeadm_config(path):
    text = common.read_file(path)
    if text is None:
        die("unable to read config from \"%s\" : open %s: no such file or directory" % (path, path), 1)
    cfg = {}
    for d in yaml_docs(text):
        kind = d.get("kind", "")
        api = d.get("apiVersion", "")
        cfg.setdefault("apis", []).append((api, kind))
        for k, v in d.items():
            cfg["%s:%s" % (kind, k)] = v
    return cfg


def kubeadm_api_error(kver, cfg):
    minor = common.minor_of(kver)
    for api, kind in cfg.get("apis", []):
        if not api.startswith("kubeadm.k8s.io/"):
            continue
        v = api.split("/", 1)[1]
        if v == "v1beta4" and minor < 31:
            return ('no kind "%s" is registered for version "kubeadm.k8s.io/v1beta4" in scheme '
                    '"k8s.io/kubernetes/cmd/kubeadm/app/apis/kubeadm/scheme/scheme.go:31"' % kind)
        if v == "v1beta3" and minor >= 36:
            return ('your configuration file uses an old API spec: "kubeadm.k8s.io/v1beta3" (kind: "%s"). Please use kubeadm '
                    'v1.35 instead and run \'kubeadm config migrate --old-config old.yaml --new-config new.yaml\', which will '
                    'write the new, similar spec using a newer API version.' % kind)
        if v in ("v1beta1", "v1beta2"):
            return 'your configuration file uses an old API spec: "%s". Please use kubeadm v1.21 instead' % api
    return None


def image_list(version, repo):
    minor = common.minor_of(version)
    pause, etcd, coredns = data.IMAGES.get(minor, data.IMAGES[37])
    v = "v" + version.lstrip("v")
    out = ["%s/%s:%s" % (repo, n, v) for n in ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy")]
    out += ["%s/pause:%s" % (repo, pause), "%s/etcd:%s" % (repo, etcd)]
    out.append("%s/coredns/coredns:%s" % (repo, coredns) if repo == "registry.k8s.io" else "%s/coredns:%s" % (repo, coredns))
    return out


def opt(argv, name, default=None):
    for i, a in enumerate(argv):
        if a == name and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith(name + "="):
            return a.split("=", 1)[1]
    return default


def preflight(kver, control_plane, join, ignore):
    """Errors and warnings of kubeadm's preflight."""
    errors, warns = [], []
    minor = common.minor_of(kver)
    h = common.host()
    if control_plane and int(h.get("cpus", 2)) < 2:
        errors.append(("NumCPU", "the number of available CPUs %d is less than the required 2" % h.get("cpus")))
    if control_plane and int(h.get("memory_mb", 4096)) - 178 < 1700:
        errors.append(("Mem", "the system RAM (%d MB) is less than the minimum 1700 MB" % (int(h.get("memory_mb")) - 178)))
    e, eff = cri_state()
    if e:
        errors.append(("CRI", "container runtime is not running: output: time=\"%s\" level=fatal msg=\"validate service "
                               "connection: validate CRI v1 runtime API for endpoint \\\"unix://%s\\\": %s\"\n, error: exit "
                               "status 1" % (time.strftime("%Y-%m-%dT%H:%M:%S"), SOCK, e)))
    errors_, warns_ = exec_checks(kver)
    errors += errors_
    warns += warns_
    if system.active_swaps():
        if minor < 28:
            errors.append(("Swap", "running with swap on is not supported. Please disable swap"))
        else:
            warns.append("[WARNING Swap]: swap is supported for cgroup v2 only. The kubelet must be properly configured to "
                         "use swap. Please refer to https://kubernetes.io/docs/concepts/architecture/nodes/#swap-memory, or "
                         "disable swap on the node")
    fwd = (common.read_file("/proc/sys/net/ipv4/ip_forward", "0") or "0").strip()
    if fwd != "1":
        errors.append(("FileContent--proc-sys-net-ipv4-ip_forward",
                       "/proc/sys/net/ipv4/ip_forward contents are not set to 1"))
    if minor < 30:
        p = "/proc/sys/net/bridge/bridge-nf-call-iptables"
        if not os.path.exists(p):
            errors.append(("FileContent--proc-sys-net-bridge-bridge-nf-call-iptables", "%s does not exist" % p))
        elif (common.read_file(p, "0") or "0").strip() != "1":
            errors.append(("FileContent--proc-sys-net-bridge-bridge-nf-call-iptables", "%s contents are not set to 1" % p))
    if common.cgroup_version() == 1 and minor >= 35:
        errors.append(("SystemVerification", "cgroups v1 support is unsupported and the kubelet will refuse to run on this "
                                             "host (failCgroupV1 is true by default from v1.35): move to a cgroup v2 host"))
    if control_plane:
        for f in ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd"):
            p = "/etc/kubernetes/manifests/%s.yaml" % f
            if os.path.exists(p):
                errors.append(("FileAvailable--etc-kubernetes-manifests-%s.yaml" % f, "%s already exists" % p))
        for port in (6443, 10259, 10257):
            if port_in_use(port):
                errors.append(("Port-%d" % port, "Port %d is in use" % port))
        if os.path.isdir("/var/lib/etcd") and [f for f in os.listdir("/var/lib/etcd") if f != "kwsim-cluster.json.lock"]:
            errors.append(("DirAvailable--var-lib-etcd", "/var/lib/etcd is not empty"))
    if join:
        for p in ("/etc/kubernetes/kubelet.conf", "/etc/kubernetes/pki/ca.crt"):
            if os.path.exists(p):
                errors.append(("FileAvailable-" + p.replace("/", "-"), "%s already exists" % p))
    if port_in_use(10250):
        errors.append(("Port-10250", "Port 10250 is in use"))
    kv = installed_version("kubelet")
    if kv and common.vtuple(kv)[:2] > common.vtuple(kver)[:2]:
        errors.append(("KubeletVersion", "the kubelet version is higher than the control plane version. This is not a "
                                         "supported version skew and may lead to a malfunctional cluster. Kubelet version: "
                                         "\"%s\" Control plane version: \"%s\"" % (kv, kver.lstrip("v"))))
    if system.active_state("firewalld") == "active":
        warns.append("[WARNING Firewalld]: firewalld is active, please ensure ports [6443 10250] are open or your cluster "
                     "may not function correctly")
    if not system.enabled("kubelet"):
        warns.append("[WARNING Service-Kubelet]: kubelet service is not enabled, please run 'systemctl enable kubelet.service'")
    hn = socket.gethostname()
    hosts = common.read_file("/etc/hosts", "") or ""
    if not re.search(r"(?m)^\s*[0-9a-fA-F.:]+\s.*\b%s\b" % re.escape(hn), hosts):
        warns.append('[WARNING Hostname]: hostname "%s" could not be reached' % hn)
    ign = set(x.lower() for x in ignore)
    errors = [(n, m) for n, m in errors if n.lower() not in ign and "all" not in ign]
    return errors, warns


def in_path(exe):
    for d in (os.environ.get("PATH") or "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin").split(":"):
        p = os.path.join(d, exe)
        if d and os.path.isfile(p) and os.access(p, os.X_OK):
            return True
    return False


def exec_checks(kver):
    """kubeadm's InPathCheck list for its own version (cmd/kubeadm/app/preflight/checks_linux.go addExecChecks):
    - crictl: mandatory up to 1.30; 1.31 switched to the CRI client library and only warns (kubernetes#124685,
      #125212); 1.32 dropped the check (kubernetes#126596; kubeadm#3064).
    - conntrack: mandatory before 1.32; kubeadm 1.32 checks it only for a Kubernetes version < 1.32
      (kubernetes#126952: kube-proxy 1.32 no longer needs it, as addExecChecks says), which a kubeadm installs never ask for.
    - ip, iptables, mount, nsenter: mandatory; ebtables, ethtool, socat, tc, touch: warnings ("mandatory: false").
    Messages: InPathCheck.Check: "%s not found in system path" (error), warning the same; label FileExisting-<exe>."""
    minor = common.minor_of(kver or "1.0.0")
    errors, warns = [], []
    checks = []
    if minor <= 30:
        checks.append(("crictl", True))
    elif minor == 31:
        checks.append(("crictl", False))
    if minor < 32:
        checks.append(("conntrack", True))
    checks += [("ip", True), ("iptables", True), ("mount", True), ("nsenter", True), ("ebtables", False),
               ("ethtool", False), ("socat", False), ("tc", False), ("touch", False)]
    for exe, mandatory in checks:
        if in_path(exe):
            continue
        if mandatory:
            errors.append(("FileExisting-" + exe, "%s not found in system path" % exe))
        else:
            warns.append("[WARNING FileExisting-%s]: %s not found in system path" % (exe, exe))
    return errors, warns


def port_in_use(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("0.0.0.0", port))
        return False
    except OSError:
        return True
    finally:
        s.close()


def fail_preflight(errors, warns):
    for w in warns:
        print("\t" + w, file=sys.stderr)
    if errors:
        err("error execution phase preflight: [preflight] Some fatal errors occurred:")
        for n, m in errors:
            err("\t[ERROR %s]: %s" % (n, m))
        err("[preflight] If you know what you are doing, you can make a check non-fatal with "
            "`--ignore-preflight-errors=...`\nTo see the stack trace of this error execute with --v=5 or higher")
        sys.exit(1)


def kubeconfig(server, user):
    ca = base64.b64encode((common.read_file("/etc/kubernetes/pki/ca.crt", "") or "").encode()).decode()
    cert = base64.b64encode(("-----BEGIN CERTIFICATE-----\n%s\n-----END CERTIFICATE-----\n"
                             % base64.b64encode(os.urandom(48)).decode()).encode()).decode()
    key = base64.b64encode(("-----BEGIN RSA PRIVATE KEY-----\n%s\n-----END RSA PRIVATE KEY-----\n"
                            % base64.b64encode(os.urandom(48)).decode()).encode()).decode()
    return ("apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: %s\n    server: https://%s\n"
            "  name: kubernetes\ncontexts:\n- context:\n    cluster: kubernetes\n    user: %s\n  name: %s@kubernetes\n"
            "current-context: %s@kubernetes\nkind: Config\npreferences: {}\nusers:\n- name: %s\n  user:\n"
            "    client-certificate-data: %s\n    client-key-data: %s\n" % (ca, server, user, user, user, user, cert, key))


def api(server, path, body=None, timeout=5):
    """Calls the simulated apiserver at host:port; returns (dict|None, error text)."""
    host = server.replace("https://", "").replace("http://", "").rstrip("/")
    url = "http://%s%s" % (host, path)
    try:
        req = urllib.request.Request(url, data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json"}, method="POST" if body is not None else "GET")
        with urllib.request.urlopen(req, timeout=timeout) as r:
            raw = r.read() or b"{}"
        try:
            return json.loads(raw), None
        except ValueError:
            return {"raw": raw.decode(errors="replace")}, None
    except urllib.error.HTTPError as e:
        if e.code == 495:  # the simulated TLS handshake failed (see upgrade.serving_cert_error)
            return None, json.loads(e.read() or b"{}").get("error", "x509: certificate has expired or is not yet valid")
        return None, "the server responded with status %d" % e.code
    except (OSError, ValueError) as e:
        reason = getattr(e, "reason", e)
        if isinstance(reason, ConnectionRefusedError) or "refused" in str(reason):
            return None, "dial tcp %s: connect: connection refused" % host
        return None, "dial tcp %s: i/o timeout" % host


def restart_kubelet():
    system.stop_unit("kubelet")
    ok, msg = system.start_unit("kubelet")
    return ok


def wait_kubelet(secs, what):
    """Waits for the kubelet to run (status 'running'); returns None or the kubelet's failure."""
    deadline = time.time() + secs
    last = ""
    while time.time() < deadline:
        st = (common.read_file(KUBELET_STATUS, "") or "").strip()
        last = st
        if st.startswith("running") and what():
            return None
        if st.startswith("failed"):
            break
        time.sleep(0.2)
    return last or "the kubelet is not running"


def write_kubelet_files(node_name, address, cgroup_driver, control_plane, server):
    os.makedirs("/var/lib/kubelet", exist_ok=True)
    common.write_file("/var/lib/kubelet/config.yaml", "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n"
                      "cgroupDriver: %s\nclusterDNS:\n- 10.96.0.10\nclusterDomain: cluster.local\nstaticPodPath: "
                      "/etc/kubernetes/manifests\n" % cgroup_driver)
    common.write_file("/var/lib/kubelet/kubeadm-flags.env",
                      'KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///run/containerd/containerd.sock '
                      '--pod-infra-container-image=%s"\n' % "pause")
    common.write_file(NODE_FILE, json.dumps({"name": node_name, "address": address, "control_plane": control_plane,
                                             "server": server}))
    common.write_file("/etc/kubernetes/kubelet.conf", kubeconfig(server, "system:node:" + node_name), 0o600)


def kubeadm(argv):
    kver = installed_version("kubeadm")
    if not argv or argv[0] in ("-h", "--help", "help"):
        print("Usage:\n  kubeadm [command]\n\nAvailable Commands:\n  config  init  join  reset  token  version")
        return 0
    cmd = argv[0]
    if cmd == "version":
        if "-o" in argv and opt(argv, "-o") == "short" or "--output=short" in argv:
            print("v" + kver)
        else:
            print('kubeadm version: &version.Info{Major:"1", Minor:"%d", GitVersion:"v%s", GitCommit:"434bfd82814af038ad94d62e'
                  'bec4d8b1226d5b0e", GitTreeState:"clean", BuildDate:"2022-10-12T10:55:36Z", GoVersion:"go1.19.2", '
                  'Compiler:"gc", Platform:"linux/amd64"}' % (common.minor_of(kver), kver))
        return 0
    if os.geteuid() != 0 and cmd in ("init", "join", "reset"):
        die("error execution phase preflight: user is not running as root\nTo see the stack trace of this error execute "
            "with --v=5 or higher", 1)
    if cmd == "config" and len(argv) > 2 and argv[1] == "images":
        return kubeadm_images(argv[2], argv[3:], kver)
    if cmd == "init" and len(argv) > 2 and argv[1] == "phase":
        if argv[2] == "upload-certs" and "--upload-certs" in argv:
            common.log_call()
            res, e = api(local_server(), "/kwsim/certs", {})
            if e:
                die("error execution phase upload-certs: error uploading certs: Get \"https://%s/api/v1/namespaces/"
                    "kube-system/secrets/kubeadm-certs?timeout=10s\": %s" % (local_server(), e), 1)
            print("[upload-certs] Storing the certificates in Secret \"kubeadm-certs\" in the \"kube-system\" Namespace\n"
                  "[upload-certs] Using certificate key:\n%s" % res["key"])
            return 0
        die("error: unknown phase %s" % " ".join(argv[2:]), 1)
    if cmd == "init":
        common.log_call()
        return kubeadm_init(argv[1:], kver)
    if cmd == "join":
        common.log_call()
        return kubeadm_join(argv[1:], kver)
    if cmd == "reset":
        common.log_call()
        return kubeadm_reset(argv[1:])
    if cmd == "token":
        return kubeadm_token(argv[1:], kver)
    if cmd in ("upgrade", "certs"):
        from kwsim import upgrade

        return upgrade.kubeadm_upgrade(argv[1:], kver) if cmd == "upgrade" else upgrade.kubeadm_certs(argv[1:])
    die('unknown command "%s" for "kubeadm"\nRun \'kubeadm --help\' for usage.' % cmd, 1)


def local_server():
    conf = common.read_file("/etc/kubernetes/admin.conf", "") or ""
    m = re.search(r"server:\s*https://(\S+)", conf)
    if not m:
        die('failed to load admin kubeconfig: open /etc/kubernetes/admin.conf: no such file or directory\nTo see the stack '
            'trace of this error execute with --v=5 or higher', 1)
    return m.group(1)


def kubeadm_images(sub, argv, kver):
    cfgfile = opt(argv, "--config")
    version = opt(argv, "--kubernetes-version")
    repo = opt(argv, "--image-repository", "registry.k8s.io")
    if cfgfile:
        cfg = parse_kubeadm_config(cfgfile)
        e = kubeadm_api_error(kver, cfg)
        if e:
            die(e, 1)
        version = cfg.get("ClusterConfiguration:kubernetesVersion", version)
        repo = cfg.get("ClusterConfiguration:imageRepository", repo)
    if not version or version == "stable-1":
        version = kver
    v = version.lstrip("v")
    t = common.vtuple(v)
    if len(t) < 3 or not re.fullmatch(r"v?\d+\.\d+\.\d+", version):
        die('couldn\'t parse Kubernetes version "%s": could not parse "%s" as version' % (version, version), 1)
    if t[1] < common.minor_of(kver) - 1:
        die("this version of kubeadm only supports deploying clusters with the control plane version >= 1.%d.0. Current "
            "version: v%s\nTo see the stack trace of this error execute with --v=5 or higher" % (common.minor_of(kver) - 1, v), 1)
    imgs = image_list(v, repo)
    if sub == "list":
        print("\n".join(imgs))
        return 0
    if sub != "pull":
        die("unknown command %s" % sub, 1)
    common.log_call()
    e, eff = cri_state()
    if e:
        die("failed to create new CRI runtime service: validate service connection: validate CRI v1 runtime API for endpoint "
            "\"unix://%s\": %s\nTo see the stack trace of this error execute with --v=5 or higher" % (SOCK, e), 1)
    for img in imgs:
        # a pull asks the registry even for an image that is present (the tag may have moved)
        problem = image_problem(img, "kubeadm", eff)
        if problem:
            die('failed to pull image "%s": output: E0101 00:00:00 remote_image.go:171] "PullImage from image service failed" '
                'err="%s" image="%s"\n, error: exit status 1\nTo see the stack trace of this error execute with --v=5 or higher'
                % (img, problem, img), 1)
        if img not in images():
            common.sleep_for("image_pull")
            add_images([img])
        print("[config/images] Pulled %s" % img)
    return 0


def gen_ca():
    os.makedirs("/etc/kubernetes/pki", exist_ok=True)
    if not os.path.exists("/etc/kubernetes/pki/ca.crt"):
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                        "-keyout", "/etc/kubernetes/pki/ca.key", "-out", "/etc/kubernetes/pki/ca.crt", "-subj", "/CN=kubernetes",
                        "-days", "3650"], check=True, capture_output=True)
    from kwsim import apiserver

    return apiserver.ca_hash_of("/etc/kubernetes/pki/ca.crt")


def kubeadm_init(argv, kver):
    cfgfile = opt(argv, "--config")
    ignore = (opt(argv, "--ignore-preflight-errors", "") or "").split(",")
    c = {}
    if cfgfile:
        for flag in ("--pod-network-cidr", "--service-cidr", "--kubernetes-version", "--image-repository",
                     "--apiserver-advertise-address", "--control-plane-endpoint", "--certificate-key", "--token",
                     "--node-name", "--cri-socket"):
            if opt(argv, flag) is not None:
                die("can not mix '--config' with arguments [%s]\nTo see the stack trace of this error execute with --v=5 or "
                    "higher" % flag.lstrip("-"), 1)
        c = parse_kubeadm_config(cfgfile)
        e = kubeadm_api_error(kver, c)
        if e:
            die(e + "\nTo see the stack trace of this error execute with --v=5 or higher", 1)
    version = (c.get("ClusterConfiguration:kubernetesVersion") or opt(argv, "--kubernetes-version") or kver).lstrip("v")
    repo = c.get("ClusterConfiguration:imageRepository") or opt(argv, "--image-repository") or "registry.k8s.io"
    pod = c.get("ClusterConfiguration:networking.podSubnet") or opt(argv, "--pod-network-cidr") or ""
    svc = c.get("ClusterConfiguration:networking.serviceSubnet") or opt(argv, "--service-cidr") or "10.96.0.0/12"
    addr = (c.get("InitConfiguration:localAPIEndpoint.advertiseAddress") or opt(argv, "--apiserver-advertise-address")
            or common.primary_address())
    cpe = c.get("ClusterConfiguration:controlPlaneEndpoint") or opt(argv, "--control-plane-endpoint") or ""
    name = (c.get("InitConfiguration:nodeRegistration.name") or opt(argv, "--node-name") or socket.gethostname()).lower()
    driver = c.get("KubeletConfiguration:cgroupDriver", "systemd")
    proxy_mode = c.get("KubeProxyConfiguration:mode", "iptables")
    token = c.get("InitConfiguration:bootstrapTokens.token") or opt(argv, "--token")
    for cidr in (pod, svc):
        if cidr and not re.fullmatch(r"\d+\.\d+\.\d+\.\d+/\d+", cidr):
            die("networking.podSubnet: Invalid value: \"%s\": couldn't parse subnet" % cidr, 1)
    if common.vtuple(version)[:2] > common.vtuple(kver)[:2]:
        die("this version of kubeadm only supports deploying clusters with the control plane version <= v%s. Current "
            "version: v%s" % (kver, version), 1)
    print("[init] Using Kubernetes version: v%s\n[preflight] Running pre-flight checks" % version)
    errors, warns = preflight(version, True, False, ignore)
    fail_preflight(errors, warns)
    print("[preflight] Pulling images required for setting up a Kubernetes cluster")
    for img in image_list(version, repo):
        # kubeadm's preflight pulls only the images that are not there yet
        p = image_problem(img, "kubeadm") if img not in images() else None
        if p:
            die("error execution phase preflight: [preflight] Some fatal errors occurred:\n\t[ERROR ImagePull]: failed to "
                "pull image %s: %s" % (img, p), 1)
        if img not in images():
            common.sleep_for("image_pull")
            add_images([img])
    ca_hash = gen_ca()
    endpoint = cpe or "%s:6443" % addr
    print("[certs] Using certificateDir folder \"/etc/kubernetes/pki\"\n[certs] Generating \"ca\" certificate and key")
    for f in ("apiserver", "apiserver-kubelet-client", "front-proxy-ca", "front-proxy-client", "sa"):
        common.write_file("/etc/kubernetes/pki/%s.crt" % f if f != "sa" else "/etc/kubernetes/pki/sa.pub", "simulated\n")
    from kwsim import upgrade

    upgrade.write_pki(version)
    os.makedirs("/var/lib/etcd", exist_ok=True)
    common.write_file("/etc/kubernetes/admin.conf", kubeconfig(endpoint, "kubernetes-admin"), 0o600)
    if common.minor_of(version) >= 29:
        common.write_file("/etc/kubernetes/super-admin.conf", kubeconfig(endpoint, "kubernetes-super-admin"), 0o600)
    for f in ("controller-manager", "scheduler"):
        common.write_file("/etc/kubernetes/%s.conf" % f, kubeconfig("%s:6443" % addr, "system:kube-" + f), 0o600)
    print("[kubeconfig] Writing \"admin.conf\" kubeconfig file")
    from kwsim import apiserver

    st = {"version": "v" + version, "ca_hash": ca_hash, "ca_crt": common.read_file("/etc/kubernetes/pki/ca.crt"),
          "endpoint": endpoint, "control_plane_endpoint": cpe, "pod_subnet": pod, "service_subnet": svc,
          "image_repository": repo, "proxy_mode": proxy_mode, "kubelet_config": driver, "nodes": {}, "tokens": {},
          "objects": {}, "created": time.time()}
    apiserver.save(st)
    write_kubelet_files(name, addr, driver, True, "%s:6443" % addr)
    os.makedirs("/etc/kubernetes/manifests", exist_ok=True)
    for comp in ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd"):
        img = [i for i in image_list(version, repo) if "/%s:" % comp in i][0]
        common.write_file("/etc/kubernetes/manifests/%s.yaml" % comp,
                          "apiVersion: v1\nkind: Pod\nmetadata:\n  name: %s\n  namespace: kube-system\nspec:\n  containers:\n"
                          "  - name: %s\n    image: %s\n  hostNetwork: true\n" % (comp, comp, img))
    print("[kubelet-start] Writing kubelet environment file with flags to file \"/var/lib/kubelet/kubeadm-flags.env\"\n"
          "[kubelet-start] Writing kubelet configuration to file \"/var/lib/kubelet/config.yaml\"\n"
          "[kubelet-start] Starting the kubelet\n[wait-control-plane] Waiting for the kubelet to boot up the control plane "
          "as static Pods from directory \"/etc/kubernetes/manifests\". This can take up to 4m0s")
    sys.stdout.flush()
    restart_kubelet()
    common.sleep_for("init")
    problem = wait_kubelet(max(20, common.profile("init_timeout") or 20),
                           lambda: api("%s:6443" % addr, "/healthz")[1] is None)
    if problem:
        err("[kubelet-check] Initial timeout of 40s passed.\n\nUnfortunately, an error has occurred:\n\ttimed out waiting for "
            "the condition\n\nThis error is likely caused by:\n\t- The kubelet is not running\n\t- The kubelet is unhealthy "
            "due to a misconfiguration of the node in some way (required cgroups disabled)\n\nkubelet: %s\n\n"
            "error execution phase wait-control-plane: couldn't initialize a Kubernetes cluster\nTo see the stack trace of "
            "this error execute with --v=5 or higher" % problem)
        return 1
    print("[apiclient] All control plane components are healthy after 6.502722 seconds")
    res, e = api("%s:6443" % addr, "/kwsim/token", {"ttl": 86400, "token": token} if token else {"ttl": 86400})
    tok = res["token"]
    key = None
    if "--upload-certs" in argv:
        res2, _ = api("%s:6443" % addr, "/kwsim/certs", {})
        key = res2["key"]
        print("[upload-certs] Storing the certificates in Secret \"kubeadm-certs\" in the \"kube-system\" Namespace\n"
              "[upload-certs] Using certificate key:\n%s" % key)
    print("[mark-control-plane] Marking the node %s as control-plane by adding the labels: "
          "[node-role.kubernetes.io/control-plane node.kubernetes.io/exclude-from-external-load-balancers]" % name)
    print("[bootstrap-token] Using token: %s\n[addons] Applied essential addon: CoreDNS\n[addons] Applied essential addon: "
          "kube-proxy\n\nYour Kubernetes control-plane has initialized successfully!\n\nTo start using your cluster, you need "
          "to run the following as a regular user:\n\n  mkdir -p $HOME/.kube\n  sudo cp -i /etc/kubernetes/admin.conf "
          "$HOME/.kube/config\n  sudo chown $(id -u):$(id -g) $HOME/.kube/config\n\nAlternatively, if you are the root "
          "user, you can run:\n\n  export KUBECONFIG=/etc/kubernetes/admin.conf\n\nYou should now deploy a pod network to "
          "the cluster.\nRun \"kubectl apply -f [podnetwork].yaml\" with one of the options listed at:\n  "
          "https://kubernetes.io/docs/concepts/cluster-administration/addons/\n" % tok)
    if cpe and key:
        print("You can now join any number of the control-plane node running the following command on each as root:\n\n"
              "  kubeadm join %s --token %s \\\n\t--discovery-token-ca-cert-hash %s \\\n\t--control-plane --certificate-key %s\n"
              % (endpoint, tok, ca_hash, key))
    print("Then you can join any number of worker nodes by running the following on each as root:\n\nkubeadm join %s "
          "--token %s \\\n\t--discovery-token-ca-cert-hash %s " % (endpoint, tok, ca_hash))
    return 0


def kubeadm_join(argv, kver):
    pos = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a.startswith("--") and "=" not in a and a not in ("--control-plane", "--discovery-token-unsafe-skip-ca-verification",
                                                              "--dry-run"):
            i += 2
            continue
        if not a.startswith("-"):
            pos.append(a)
        i += 1
    cfgfile = opt(argv, "--config")
    c = parse_kubeadm_config(cfgfile) if cfgfile else {}
    endpoint = (pos[0] if pos else c.get("JoinConfiguration:discovery.bootstrapToken.apiServerEndpoint", ""))
    token = opt(argv, "--token") or opt(argv, "--discovery-token") or c.get("JoinConfiguration:discovery.bootstrapToken.token", "")
    hashes = [h for h in [opt(argv, "--discovery-token-ca-cert-hash")] if h] or \
        [c.get("JoinConfiguration:discovery.bootstrapToken.caCertHashes", "").lstrip("- ")]
    skip_ca = "--discovery-token-unsafe-skip-ca-verification" in argv
    cp = "--control-plane" in argv or "JoinConfiguration:controlPlane.certificateKey" in c
    certkey = opt(argv, "--certificate-key") or c.get("JoinConfiguration:controlPlane.certificateKey")
    name = (opt(argv, "--node-name") or c.get("JoinConfiguration:nodeRegistration.name") or socket.gethostname()).lower()
    addr = opt(argv, "--apiserver-advertise-address") or common.primary_address()
    ignore = (opt(argv, "--ignore-preflight-errors", "") or "").split(",")
    if not endpoint:
        die("discovery: Invalid value: \"\": bootstrapToken or file must be set", 1)
    if not re.fullmatch(r"[a-z0-9]{6}\.[a-z0-9]{16}", token or ""):
        die("discovery.bootstrapToken.token: Invalid value: \"%s\": the bootstrap token is invalid" % ("<redacted>" if token else ""), 1)
    if not hashes or not hashes[0]:
        if not skip_ca:
            die("discovery.bootstrapToken: Invalid value: \"\": using token-based discovery without caCertHashes can be unsafe. "
                "Set unsafeSkipCAVerification as true in your kubeadm config file or pass "
                "--discovery-token-unsafe-skip-ca-verification flag to continue", 1)
    print("[preflight] Running pre-flight checks")
    sys.stdout.flush()
    kv = installed_version("kubelet") or kver
    errors, warns = preflight("v" + kv, cp, True, ignore)
    fail_preflight(errors, warns)
    deadline = time.time() + (common.profile("join_discovery_timeout") or 20)
    while True:
        res, e = api(endpoint, "/kwsim/discover?token=" + token)
        if res and res.get("ok"):
            break
        problem = e or res.get("error")
        if e is None and "invalid token format" not in problem and "JWS signature in the cluster-info" not in problem:
            break
        if time.time() > deadline:
            break
        time.sleep(1)
    if res is None:
        die("error execution phase preflight: couldn't validate the identity of the API Server: Get \"https://%s/api/v1/"
            "namespaces/kube-public/configmaps/cluster-info?timeout=10s\": %s\nTo see the stack trace of this error execute "
            "with --v=5 or higher" % (endpoint, e), 1)
    if not res.get("ok"):
        die("error execution phase preflight: couldn't validate the identity of the API Server: %s\nTo see the stack trace of "
            "this error execute with --v=5 or higher" % res.get("error"), 1)
    if not skip_ca and res["ca_hash"] not in hashes:
        die("error execution phase preflight: couldn't validate the identity of the API Server: cluster CA found in "
            "cluster-info ConfigMap is invalid: none of the public keys \"%s\" are pinned\nTo see the stack trace of this "
            "error execute with --v=5 or higher" % res["ca_hash"], 1)
    chk, e = api(endpoint, "/kwsim/join-check", {"name": name, "address": addr, "control_plane": cp, "certificate_key": certkey})
    if e or not chk.get("ok"):
        phase = "control-plane-prepare/download-certs" if cp and "cert" in (chk or {}).get("error", "") else "kubelet-start"
        die("error execution phase %s: %s\nTo see the stack trace of this error execute with --v=5 or higher"
            % (phase, e or chk.get("error")), 1)
    print("[preflight] Reading configuration from the cluster...")
    common.sleep_for("join")
    os.makedirs("/etc/kubernetes/pki", exist_ok=True)
    common.write_file("/etc/kubernetes/pki/ca.crt", res["ca_crt"])
    server = endpoint
    if cp:
        common.write_file("/etc/kubernetes/admin.conf", kubeconfig(res["endpoint"], "kubernetes-admin"), 0o600)
        os.makedirs("/etc/kubernetes/manifests", exist_ok=True)
        repo = "registry.k8s.io"
        for comp in ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd"):
            common.write_file("/etc/kubernetes/manifests/%s.yaml" % comp,
                              "apiVersion: v1\nkind: Pod\nmetadata:\n  name: %s\n  namespace: kube-system\n  annotations:\n"
                              "    kwsim/forward: %s\nspec:\n  containers:\n  - name: %s\n    image: %s/%s:%s\n"
                              % (comp, endpoint.split(":")[0], comp, repo, comp, res["version"]))
        os.makedirs("/var/lib/etcd/member", exist_ok=True)
        from kwsim import upgrade

        upgrade.write_pki(res["version"])
    write_kubelet_files(name, addr, res.get("kubelet_config") or "systemd", cp, server)
    print("[kubelet-start] Writing kubelet configuration to file \"/var/lib/kubelet/config.yaml\"\n[kubelet-start] Starting the "
          "kubelet\n[kubelet-start] Waiting for the kubelet to perform the TLS Bootstrap...")
    sys.stdout.flush()
    restart_kubelet()
    problem = wait_kubelet(max(20, common.profile("join_timeout") or 20), lambda: registered(endpoint, name))
    if problem:
        err("[kubelet-check] Initial timeout of 40s passed.\nerror execution phase kubelet-start: timed out waiting for the "
            "condition (kubelet: %s)\nTo see the stack trace of this error execute with --v=5 or higher" % problem)
        return 1
    print("\nThis node has joined the cluster:\n* Certificate signing request was sent to apiserver and a response was "
          "received.\n* The Kubelet was informed of the new secure connection details.\n\nRun 'kubectl get nodes' on the "
          "control-plane to see this node join the cluster.\n")
    return 0


def registered(server, name):
    st, e = api(server, "/kwsim/state")
    return bool(st and name in st.get("nodes", {}))


def kubeadm_reset(argv):
    if "-f" not in argv and "--force" not in argv:
        print("[reset] WARNING: Changes made to this host by 'kubeadm init' or 'kubeadm join' will be reverted.\n"
              "[reset] Are you sure you want to proceed? [y/N]: ", end="")
        sys.stdout.flush()
        if sys.stdin.readline().strip().lower() not in ("y", "yes"):
            die("error execution phase preflight: won't proceed; the user didn't answer (Y|y) in order to continue", 1)
    print("[preflight] Running pre-flight checks\n[reset] Stopping the kubelet service")
    system.stop_unit("kubelet")
    pid = common.read_file(RUN + "/apiserver.pid")
    if pid:
        try:
            os.kill(int(pid), signal.SIGKILL)
        except (OSError, ValueError):
            pass
        os.remove(RUN + "/apiserver.pid")
    import shutil

    from kwsim import upgrade

    upgrade.static_pods_reset()
    print("[reset] Unmounting mounted directories in \"/var/lib/kubelet\"\n[reset] Deleting contents of directories: "
          "[/etc/kubernetes/manifests /var/lib/kubelet /etc/kubernetes/pki]")
    for d in ("/etc/kubernetes/manifests", "/var/lib/kubelet", "/etc/kubernetes/pki", "/var/lib/etcd"):
        if os.path.isdir(d):
            for f in os.listdir(d):
                p = os.path.join(d, f)
                shutil.rmtree(p) if os.path.isdir(p) and not os.path.islink(p) else os.remove(p)
    for f in ("admin.conf", "super-admin.conf", "kubelet.conf", "bootstrap-kubelet.conf", "controller-manager.conf",
              "scheduler.conf"):
        p = "/etc/kubernetes/" + f
        if os.path.exists(p):
            os.remove(p)
    print("\nThe reset process does not clean CNI configuration. To do so, you must remove /etc/cni/net.d\n\nThe reset "
          "process does not reset or clean up iptables rules or IPVS tables.\nIf you wish to reset iptables, you must do so "
          "manually by using the \"iptables\" command.\n\nIf your cluster was setup to utilize IPVS, run ipvsadm --clear "
          "(or similar)\nto reset your system's IPVS tables.\n\nThe reset process does not clean your kubeconfig files and "
          "you must remove them manually.\nPlease, check the contents of the $HOME/.kube/config file.")
    return 0


def kubeadm_token(argv, kver):
    sub = argv[0] if argv else "list"
    kc = opt(argv, "--kubeconfig", "/etc/kubernetes/admin.conf")
    conf = common.read_file(kc)
    if conf is None:
        die("failed to load admin kubeconfig: open %s: no such file or directory" % kc, 1)
    server = re.search(r"server:\s*https://(\S+)", conf).group(1)
    if sub == "create":
        common.log_call(["kubeadm", "token", "create"] + [a for a in argv[1:] if not re.fullmatch(r"[a-z0-9]{6}\.[a-z0-9]{16}", a)])
        ttl = opt(argv, "--ttl", "24h")
        m = re.fullmatch(r"(\d+)([hms]?)", ttl)
        secs = int(m.group(1)) * {"h": 3600, "m": 60, "s": 1, "": 1}[m.group(2)] if m else 86400
        if secs == 0:
            secs = 10 ** 9
        tok_arg = [a for a in argv[1:] if re.fullmatch(r"[a-z0-9]{6}\.[a-z0-9]{16}", a)]
        res, e = api(server, "/kwsim/token", {"ttl": secs, "token": tok_arg[0]} if tok_arg else {"ttl": secs})
        if e:
            die("failed to create or update bootstrap token with name bootstrap-token-xxxxxx: Post \"https://%s/api/v1/"
                "namespaces/kube-system/secrets?timeout=10s\": %s" % (server, e), 1)
        if "--print-join-command" in argv:
            st, _ = api(server, "/kwsim/state")
            line = "kubeadm join %s --token %s --discovery-token-ca-cert-hash %s " % (st["endpoint"], res["token"], st["ca_hash"])
            ck = opt(argv, "--certificate-key")
            if ck:
                line += "--control-plane --certificate-key %s" % ck
            print(line)
        else:
            print(res["token"])
        return 0
    if sub == "list":
        st, e = api(server, "/kwsim/state")
        if e:
            die("failed to list bootstrap tokens: %s" % e, 1)
        print("TOKEN                     TTL         EXPIRES                USAGES                   DESCRIPTION")
        for tid, t in st.get("tokens", {}).items():
            if t["expires"] > time.time():
                print("%s.%s   %dh   %s   authentication,signing   <none>" % (tid, t["secret"], (t["expires"] - time.time()) // 3600,
                                                                             time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t["expires"]))))
        return 0
    die("unknown token command %s" % sub, 1)


# ----- kubelet -------------------------------------------------------------------------------------


def kubelet(argv):
    if argv and argv[0] in ("--version", "version"):
        print("Kubernetes v%s" % installed_version("kubelet"))
        return 0
    return kubelet_daemon()


def kubelet_problems(kv, eff, cri_err):
    """(fatal at start, not-ready problems)"""
    minor = common.minor_of(kv)
    if system.active_swaps():
        return ("failed to run Kubelet: running with swap on is not supported, please disable swap! or set --fail-swap-on "
                "flag to false. /proc/swaps contained: [Filename Type Size Used Priority %s]" % system.swap_device()), []
    if common.cgroup_version() == 1 and minor >= 35:
        return ("failed to run Kubelet: kubelet is configured to not run on a host using cgroup v1. cgroup v1 support is "
                "unsupported and will be removed in a future release"), []
    if cri_err:
        return ("failed to run Kubelet: validate service connection: validate CRI v1 runtime API for endpoint "
                "\"unix://%s\": %s" % (SOCK, cri_err)), []
    if minor >= 36 and common.vtuple(eff.get("version") or "1.6")[0] < 2:
        return ("failed to run Kubelet: the container runtime does not implement the RuntimeConfig CRI call (containerd %s): "
                "kubelet v1.36+ needs containerd 2.0 or newer" % eff.get("version")), []
    return None, kubelet_notready(eff)


def kubelet_notready(eff):
    """Problems that keep a running kubelet's node NotReady."""
    probs = []
    cfg = common.read_file("/var/lib/kubelet/config.yaml", "") or ""
    m = re.search(r"cgroupDriver:\s*(\S+)", cfg)
    driver = m.group(1) if m else "systemd"
    rt_driver = "systemd" if eff.get("systemd_cgroup") else "cgroupfs"
    if driver != rt_driver:
        probs.append("container runtime cgroup driver (%s) does not match the kubelet's cgroupDriver (%s): set "
                     "SystemdCgroup = true in /etc/containerd/config.toml and restart containerd" % (rt_driver, driver))
    return probs


def kubelet_daemon():
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    listener = None
    last_log = ""

    def status(s):
        nonlocal last_log
        common.write_file(KUBELET_STATUS, s + "\n")
        if s != last_log:
            print('E%s kubelet: %s' % (time.strftime("%m%d %H:%M:%S"), s) if not s.startswith("running") else
                  'I%s kubelet: %s' % (time.strftime("%m%d %H:%M:%S"), s), flush=True)
            last_log = s

    started = False  # the real kubelet checks swap, cgroups and the CRI once, when it starts
    running = installed_version("kubelet")  # the binary in memory: an upgraded package counts after a restart
    last_eff = {}
    pods = PodImages()
    while True:
        kv = running or installed_version("kubelet") or "0.0.0"
        running = running or installed_version("kubelet")
        if not os.path.exists("/var/lib/kubelet/config.yaml"):
            status("waiting: failed to load kubelet config file, path: /var/lib/kubelet/config.yaml, error: open "
                   "/var/lib/kubelet/config.yaml: no such file or directory")
            started = False
            if listener:
                listener.close()
                listener = None
            time.sleep(1)
            continue
        cri_err, eff = cri_state()
        if not started:
            fatal, probs = kubelet_problems(kv, eff or {}, cri_err)
            if fatal:
                # crash loop (Restart=always, RestartSec=10): checked again each round
                status("failed: " + fatal)
                time.sleep(1)
                continue
            started = True
        if eff:
            last_eff = eff
        probs = kubelet_notready(last_eff)
        if cri_err:
            probs = ["container runtime is down, PLEG is not healthy: pleg was last seen active 3m0s ago; threshold is "
                     "3m0s: %s" % cri_err]
        probs = [p for p in probs if p] + pods.problems()
        if listener is None:
            try:
                listener = socket.socket()
                listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                listener.bind(("0.0.0.0", 10250))
                listener.listen(16)
            except OSError:
                listener = None
        node = common.load_json(NODE_FILE, {})
        # static pods: the control plane
        if os.path.exists("/etc/kubernetes/manifests/kube-apiserver.yaml"):
            ensure_apiserver()
        from kwsim import upgrade

        upgrade.static_pods_sync()
        status("running")
        if node:
            from kwsim import data as d

            pretty = [l for l in d.OS_RELEASE[common.flavour()].splitlines() if l.startswith("PRETTY_NAME=")][0]
            res, e = api(node["server"], "/kwsim/heartbeat", {
                "name": node["name"], "address": node["address"], "version": "v" + kv,
                "os": pretty.split("=", 1)[1].strip('"'), "kernel": common.kernel(),
                "runtime": "containerd://%s" % (eff or {}).get("version"), "problems": probs,
                "control_plane": node.get("control_plane", False), **pods.report()}, timeout=3)
            if res and eff and not cri_err:
                pods.pull(res.get("pull") or [], eff)
            # The CNI's pods write its config into /etc/cni/net.d: not before their images are pulled.
            if res and res.get("cni") and not pods.cni_missing:
                write_cni_conf(res["cni"])
        time.sleep(1)


class PodImages:
    """The images of the pods the apiserver placed on this node, pulled by the kubelet through the CRI
    (so through the node's registry mirrors and network): what is there, what failed and why."""

    BACKOFF = 10  # seconds between two tries of a failed image (ImagePullBackOff)

    def __init__(self):
        self.pulled = []
        self.errors = {}
        self.cni_missing = []
        self.tried = {}
        self.looked = False

    def pull(self, need, eff):
        have = {registry.normalize(i) for i in images()}
        now = time.time()
        pulled, errors, cni_missing = [], {}, []
        for item in need:
            img = item["image"]
            if registry.normalize(img) not in have:
                if img in self.errors and now - self.tried.get(img, 0) < self.BACKOFF:
                    errors[img] = self.errors[img]
                else:
                    self.tried[img] = now
                    problem = image_problem(img, "kubelet", eff)
                    if problem:
                        errors[img] = problem
                    else:
                        common.sleep_for("image_pull")
                        add_images([img])
                        have.add(registry.normalize(img))
            if registry.normalize(img) in have:
                pulled.append(img)
            elif item.get("cni"):
                cni_missing.append(img)
        self.pulled, self.errors, self.cni_missing = pulled, errors, cni_missing
        self.looked = True

    def report(self):
        """The pull state for the heartbeat. A kubelet that just (re)started has not looked at its pods' images
        yet: it reports nothing, so the pods it found running stay so (a kubelet restart does not stop the
        containers containerd runs; an empty list here turned every pod of the node ContainerCreating for
        a heartbeat)."""
        if self.looked:
            return {"pulled": self.pulled, "pull_errors": self.errors}
        return {}

    def problems(self):
        if not self.cni_missing:
            return []
        return ["container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network "
                "plugin returns error: cni plugin not initialized (the CNI pod's image %s is not pulled)"
                % self.cni_missing[0]]


def write_cni_conf(cni):
    os.makedirs("/etc/cni/net.d", exist_ok=True)
    if cni["kind"] == "flannel":
        p = "/etc/cni/net.d/10-flannel.conflist"
        body = ('{\n  "name": "cbr0",\n  "cniVersion": "0.3.1",\n  "plugins": [\n    {\n      "type": "flannel",\n'
                '      "delegate": {\n        "hairpinMode": true,\n        "isDefaultGateway": true\n      }\n    },\n'
                '    {\n      "type": "portmap",\n      "capabilities": {\n        "portMappings": true\n      }\n    }\n  ]\n}\n')
    else:
        p = "/etc/cni/net.d/10-calico.conflist"
        body = ('{\n  "name": "k8s-pod-network",\n  "cniVersion": "0.3.1",\n  "plugins": [\n    {\n      "type": "calico",\n'
                '      "ipam": {\n        "type": "calico-ipam"\n      }\n    },\n    {\n      "type": "portmap",\n'
                '      "snat": true,\n      "capabilities": {"portMappings": true}\n    }\n  ]\n}\n')
    if not os.path.exists(p):
        common.write_file(p, body)


def ensure_apiserver():
    pid = common.read_file(RUN + "/apiserver.pid")
    if pid and common.pid_alive(pid.strip()):
        return
    man = common.read_file("/etc/kubernetes/manifests/kube-apiserver.yaml", "") or ""
    m = re.search(r"image:\s*(\S+)", man)
    if m and m.group(1) not in images() and image_problem(m.group(1), "kubelet") and "kwsim/forward" not in man:
        return  # ErrImagePull: the static pod never starts
    fwd = re.search(r"kwsim/forward:\s*(\S+)", man)
    args = common.tool_cmd("kwsim-apiserver") + (["--forward", fwd.group(1)] if fwd else [])
    pid = common.spawn_daemon(args, "kube-apiserver")
    common.write_file(RUN + "/apiserver.pid", "%d\n" % pid)
    for _ in range(100):
        if common.tcp_open("127.0.0.1", 6443, 0.2):
            break
        time.sleep(0.05)


# ----- kubectl -------------------------------------------------------------------------------------

KINDS = {
    "node": "Node", "nodes": "Node", "no": "Node",
    "pod": "Pod", "pods": "Pod", "po": "Pod",
    "daemonset": "DaemonSet", "daemonsets": "DaemonSet", "ds": "DaemonSet",
    "deployment": "Deployment", "deployments": "Deployment", "deploy": "Deployment",
    "service": "Service", "services": "Service", "svc": "Service",
    "serviceaccount": "ServiceAccount", "serviceaccounts": "ServiceAccount", "sa": "ServiceAccount",
    "clusterrolebinding": "ClusterRoleBinding", "clusterrolebindings": "ClusterRoleBinding",
    "namespace": "Namespace", "namespaces": "Namespace", "ns": "Namespace",
    "secret": "Secret", "secrets": "Secret", "configmap": "ConfigMap", "configmaps": "ConfigMap", "cm": "ConfigMap",
    "pdb": "PodDisruptionBudget", "pdbs": "PodDisruptionBudget", "poddisruptionbudget": "PodDisruptionBudget",
    "poddisruptionbudgets": "PodDisruptionBudget",
}
GROUP = {"DaemonSet": "daemonset.apps", "Deployment": "deployment.apps", "Service": "service", "ServiceAccount":
         "serviceaccount", "ClusterRoleBinding": "clusterrolebinding.rbac.authorization.k8s.io", "Namespace": "namespace",
         "Secret": "secret", "ConfigMap": "configmap", "Pod": "pod", "Node": "node",
         "PodDisruptionBudget": "poddisruptionbudget.policy"}
CLUSTER_SCOPED = {"Node", "Namespace", "ClusterRoleBinding", "ClusterRole", "CustomResourceDefinition", "PriorityClass",
                  "StorageClass", "APIService"}


def kube_server(argv):
    kc = opt(argv, "--kubeconfig") or os.environ.get("KUBECONFIG") or os.path.expanduser("~/.kube/config")
    conf = common.read_file(kc)
    if conf is None:
        if opt(argv, "--kubeconfig"):
            die("error: stat %s: no such file or directory" % kc, 1)
        die("The connection to the server localhost:8080 was refused - did you specify the right host or port?", 1)
    m = re.search(r"server:\s*https://(\S+)", conf)
    if not m:
        die("error: invalid configuration: no configuration has been provided", 1)
    return m.group(1)


def state_or_die(server):
    st, e = api(server, "/kwsim/state")
    if e:
        die("The connection to the server %s was refused - did you specify the right host or port?" % server
            if "refused" in e else "Unable to connect to the server: %s" % e, 1)
    return st


def manifest_objects(text):
    objs = []
    cni = None
    for doc in re.split(r"(?m)^---\s*$", text):
        kind = re.search(r"(?m)^kind:\s*(\S+)", doc)
        if not kind:
            continue
        meta = re.search(r"(?ms)^metadata:\n((?:[ \t]+.*\n?|\n)*)", doc)
        name = ns = None
        if meta:
            for line in meta.group(1).splitlines():
                mm = re.match(r"^  (name|namespace):\s*[\"']?([^\"'\s]+)", line)
                if mm:
                    if mm.group(1) == "name" and name is None:
                        name = mm.group(2)
                    if mm.group(1) == "namespace" and ns is None:
                        ns = mm.group(2)
        if not name:
            continue
        o = {"kind": kind.group(1), "name": name, "namespace": ns, "hash": hashlib.sha256(doc.encode()).hexdigest(),
             "apiVersion": (re.search(r"(?m)^apiVersion:\s*(\S+)", doc) or re.match("(.*)", "v1")).group(1)}
        if o["kind"] in ("DaemonSet", "Deployment", "StatefulSet", "Job", "Pod"):
            imgs = []
            for i in re.findall(r"(?m)^\s*(?:-\s+)?image:\s*[\"']?([^\"'\s#]+)", doc):
                if i not in imgs:
                    imgs.append(i)
            o["images"] = imgs
        spec = {}
        if o["kind"] == "Service":
            t = re.search(r"(?m)^  type:\s*(\S+)", doc)
            spec["type"] = t.group(1) if t else "ClusterIP"
            np = re.search(r"nodePort:\s*(\d+)", doc)
            if np:
                spec["nodePort"] = int(np.group(1))
        from kwsim import upgrade

        spec.update(upgrade.object_spec(o["kind"], doc))
        o["spec"] = spec
        objs.append(o)
        if o["kind"] == "DaemonSet" and name == "kube-flannel-ds":
            mm = re.search(r'"Network":\s*"([^"]+)"', text)
            cni = {"kind": "flannel", "network": mm.group(1) if mm else "10.244.0.0/16"}
        if o["kind"] == "DaemonSet" and name == "calico-node":
            mm = re.search(r"(?m)^\s*- name: CALICO_IPV4POOL_CIDR\s*\n\s*value:\s*[\"']?([0-9./]+)", text)
            cni = {"kind": "calico", "pool": mm.group(1) if mm else None}
    return objs, cni


def jsonpath(obj, expr):
    """A subset of kubectl's JSONPath: {.a.b}, [*], [n], [?(@.k=="v")], {range ...}{end}, {"literal"}."""
    out = []
    tokens = re.findall(r"\{([^{}]*)\}|([^{}]+)", expr)
    i = 0

    def ev(path, ctx):
        cur = [ctx]
        for part in re.findall(r"\.([A-Za-z0-9_\-]+)|\[([^\]]*)\]", path):
            key, idx = part
            nxt = []
            for c in cur:
                if key:
                    if isinstance(c, dict) and key in c:
                        nxt.append(c[key])
                elif idx == "*":
                    if isinstance(c, list):
                        nxt.extend(c)
                    elif isinstance(c, dict):
                        nxt.extend(c.values())
                elif idx.startswith("?("):
                    m = re.match(r"\?\(@\.([A-Za-z0-9_.]+)\s*==\s*[\"']([^\"']*)[\"']\)", idx)
                    if m and isinstance(c, list):
                        for item in c:
                            v = item
                            for k in m.group(1).split("."):
                                v = v.get(k) if isinstance(v, dict) else None
                            if str(v) == m.group(2):
                                nxt.append(item)
                elif idx.lstrip("-").isdigit() and isinstance(c, list):
                    try:
                        nxt.append(c[int(idx)])
                    except IndexError:
                        pass
            cur = nxt
        return cur

    def fmt(v):
        if isinstance(v, (dict, list)):
            return json.dumps(v)
        if v is None:
            return ""
        if isinstance(v, bool):
            return "true" if v else "false"
        return str(v)

    def run(toks, ctx):
        res = []
        j = 0
        while j < len(toks):
            inner, lit = toks[j]
            if lit:
                res.append(lit)
            elif inner.startswith("range "):
                depth, k = 1, j + 1
                while k < len(toks):
                    if toks[k][0].startswith("range "):
                        depth += 1
                    if toks[k][0] == "end":
                        depth -= 1
                        if depth == 0:
                            break
                    k += 1
                for item in ev(inner[6:].strip(), ctx):
                    res.append(run(toks[j + 1:k], item))
                j = k
            elif inner.startswith('"') or inner.startswith("'"):
                res.append(inner[1:-1].encode().decode("unicode_escape"))
            elif inner == "end":
                pass
            else:
                res.append(" ".join(fmt(v) for v in ev(inner.strip(), ctx)))
            j += 1
        return "".join(res)

    return run(tokens, obj)


def age(ts):
    d = int(time.time() - ts)
    if d < 120:
        return "%ds" % d
    if d < 7200:
        return "%dm" % (d // 60)
    return "%dh" % (d // 3600)


def pods_of(st):
    """(namespace, name, phase, node) of every pod, as `kubectl get pods -A` shows them."""
    from kwsim import upgrade

    return upgrade.place(st, pods_of_raw(st))


def pods_of_raw(st):
    """The pods of kubeadm's add-ons and of the applied system manifests (CNI, dashboard), with the
    image pull state of their node (upgrade.place adds the users' Deployments and moves evicted pods)."""
    from kwsim import apiserver

    nodes = apiserver.ordered_nodes(st)
    ready = {n: apiserver.node_status(st, n)[0] for n in nodes}
    pods = []
    for n in nodes:
        if st["nodes"][n].get("control_plane"):
            for c in ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"):
                pods.append(("kube-system", "%s-%s" % (c, n), "Running", n))
    cni = st.get("cni")
    for w in apiserver.workloads(st):
        n = w["node"]
        suffix = hashlib.md5((w["name"] + n).encode()).hexdigest()[:5]
        pulling = apiserver.image_state(st, n, w["images"])
        if w["name"] == "kube-proxy":
            name, phase = "kube-proxy-%s" % hashlib.md5(n.encode()).hexdigest()[:5], pulling or "Running"
        elif w["kind"] == "DaemonSet":
            name = "%s-%s" % (w["name"], suffix)
            if pulling:
                phase = pulling
            elif w["name"] == "kube-flannel-ds":
                phase = "CrashLoopBackOff" if apiserver.cni_problem(st, n) else "Running"
            elif w["name"] == "calico-node":
                phase = "Running" if ready[n] else "Init:0/3"
            else:
                phase = "Running" if ready[n] else "Pending"
        else:
            name = "%s-6c7ccbcf87-%s" % (w["name"], suffix)
            if w["name"] == "coredns":
                phase = pulling or ("Running" if any(ready.values()) else "Pending")
                pods.append((w["namespace"], "coredns-565d847f94-%s" % suffix[::-1], phase, n))  # 2 replicas
            elif w["name"] == "calico-kube-controllers" and cni:
                phase = pulling or ("Running" if any(ready.values()) else "Pending")
            else:
                phase = ("Running" if ready[n] else "Pending") if not pulling or not ready[n] else pulling
        pods.append((w["namespace"], name, phase, n))
    return pods


def kubectl(argv):
    ns = opt(argv, "-n") or opt(argv, "--namespace")
    all_ns = "-A" in argv or "--all-namespaces" in argv
    output = opt(argv, "-o") or opt(argv, "--output")
    files = [v for i, v in enumerate(argv) if i > 0 and argv[i - 1] in ("-f", "--filename")] + \
        [a.split("=", 1)[1] for a in argv if a.startswith("--filename=")]
    skip_next = {"-n", "--namespace", "-o", "--output", "-f", "--filename", "--kubeconfig", "-l", "--selector", "-p",
                 "--patch", "--type", "--for", "--timeout", "--clusterrole", "--serviceaccount", "--duration",
                 "--request-timeout", "--context", "--field-selector"}
    pos = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in skip_next:
            i += 2
            continue
        if not a.startswith("-"):
            pos.append(a)
        i += 1
    if not pos:
        die("kubectl controls the Kubernetes cluster manager.", 0)
    cmd = pos[0]
    if cmd == "version" and output == "json":
        from kwsim import upgrade

        st = None if "--client" in argv else state_or_die(kube_server(argv))
        return upgrade.kubectl_version_json(st, installed_version("kubectl"))
    if cmd == "version":
        kv = installed_version("kubectl")
        print("Client Version: v%s\nKustomize Version: v4.5.7" % kv)
        if "--client" in argv:
            return 0
    server = kube_server(argv)
    if cmd in ("cordon", "uncordon", "drain"):
        from kwsim import upgrade

        return upgrade.kubectl_node(cmd, server, argv, pos)
    if cmd in ("apply", "create", "delete", "patch", "label", "taint", "annotate", "scale", "rollout"):
        common.log_call(["kubectl"] + [a for a in argv])
    if cmd == "apply":
        return kubectl_apply(server, files)
    st = state_or_die(server)
    if cmd == "version":
        print("Server Version: %s" % st.get("version"))
        return 0
    if cmd == "cluster-info":
        print("Kubernetes control plane is running at https://%s\nCoreDNS is running at https://%s/api/v1/namespaces/"
              "kube-system/services/kube-dns:dns/proxy" % (server, server))
        return 0
    if cmd == "get":
        return kubectl_get(st, pos[1:], ns, all_ns, output, "--no-headers" in argv, opt(argv, "--field-selector"))
    if cmd == "describe":
        return kubectl_describe(st, pos[1:])
    if cmd == "wait":
        return kubectl_wait(server, argv, pos[1:])
    if cmd == "create":
        return kubectl_create(server, st, pos[1:], ns, argv)
    if cmd == "delete":
        kind = KINDS.get(pos[1].split("/")[0], pos[1]) if len(pos) > 1 else ""
        names = pos[2:] if "/" not in pos[1] else [pos[1].split("/", 1)[1]]
        rc = 0
        for n in names:
            res, _ = api(server, "/kwsim/delete", {"kind": kind, "name": n, "namespace": ns or ("" if kind in CLUSTER_SCOPED else "default")})
            if res and res.get("ok"):
                print('%s "%s" deleted' % (GROUP.get(kind, kind.lower()), n))
            else:
                err('Error from server (NotFound): %ss "%s" not found' % (kind.lower(), n))
                rc = 1
        return rc
    if cmd == "patch":
        kind = KINDS.get(pos[1], pos[1])
        name = pos[2] if len(pos) > 2 else ""
        patch = json.loads(opt(argv, "-p") or opt(argv, "--patch") or "{}")
        res, _ = api(server, "/kwsim/patch", {"kind": kind, "name": name, "namespace": ns or "default",
                                              "spec": patch.get("spec", {})})
        if not res or not res.get("ok"):
            die('Error from server (NotFound): %ss "%s" not found' % (kind.lower(), name), 1)
        print("%s/%s patched" % (GROUP.get(kind, kind.lower()), name))
        return 0
    if cmd in ("label", "taint", "annotate"):
        print("node/%s %s" % (pos[2] if len(pos) > 2 else "", {"label": "labeled", "taint": "untainted", "annotate": "annotated"}[cmd]))
        return 0
    die('error: unknown command "%s" for "kubectl"' % cmd, 1)


def kubectl_apply(server, files):
    if not files:
        die("error: must specify one of -f and -k", 1)
    rc = 0
    for f in files:
        if f == "-":
            text = sys.stdin.read()
        elif f.startswith("http://") or f.startswith("https://"):
            from kwsim import net

            status, body = net.fetch(f, "kubectl")
            if status is None:
                die('error: unable to read URL "%s", server reported %s' % (f, body[1]), 1)
            text = body.decode()
        else:
            text = common.read_file(f)
            if text is None:
                die('error: the path "%s" does not exist' % f, 1)
        objs, cni = manifest_objects(text)
        if not objs:
            die("error: no objects passed to apply", 1)
        res, e = api(server, "/kwsim/apply", {"objects": objs, "cni": cni}, timeout=15)
        if e:
            die("error: error validating \"%s\": error validating data: failed to download openapi: Get "
                "\"https://%s/openapi/v2?timeout=32s\": %s; if you choose to ignore these errors, turn validation off with "
                "--validate=false" % (f, server, e), 1)
        for o, verb in zip(objs, res["results"]):
            print("%s/%s %s" % (GROUP.get(o["kind"], o["kind"].lower() + "." + o["apiVersion"].split("/")[0]
                                          if "/" in o["apiVersion"] else o["kind"].lower()), o["name"], verb))
    return rc


def object_list(st, kind, ns, all_ns):
    out = []
    for key, o in sorted(st.get("objects", {}).items()):
        if o["kind"] != kind:
            continue
        ons = o.get("namespace") or ("" if kind in CLUSTER_SCOPED else "default")
        if kind not in CLUSTER_SCOPED and not all_ns and ons != (ns or "default"):
            continue
        out.append({"apiVersion": o.get("apiVersion"), "kind": kind, "metadata": {"name": o["name"], "namespace": ons or None},
                    "spec": o.get("spec", {})})
    return out


# Field selectors of pods: kubernetes pkg/registry/core/pod/strategy.go PodToSelectableFields (the ones kept
# here; status.phase is not: this simulator shows the STATUS column, not the phase); any other field is refused
# like the apiserver does ("field label not supported").
POD_FIELDS = {"metadata.name": 1, "metadata.namespace": 0, "spec.nodeName": 3}


def field_filter(kind, selector, items_of_pods):
    """Pods (ns, name, phase, node) matching a `--field-selector` of k=v / k!=v terms, comma-separated."""
    out = items_of_pods
    for term in [t for t in (selector or "").split(",") if t]:
        m = re.match(r"^([A-Za-z.]+)(==|!=|=)(.*)$", term)
        if kind != "Pod" or not m or m.group(1) not in POD_FIELDS:
            die('Error from server (BadRequest): Unable to find {"" "v1" "%ss"} that match label selector "", field '
                'selector "%s": field label not supported: %s' % (kind.lower(), selector, m.group(1) if m else term), 1)
        i, neg, want = POD_FIELDS[m.group(1)], m.group(2) == "!=", m.group(3)
        out = [p for p in out if (p[i] == want) != neg]
    return out


def kubeadm_config_map(st):
    """kube-system/kubeadm-config: `kubeadm init` uploads the ClusterConfiguration it was given under the key
    "ClusterConfiguration" (kubernetes cmd/kubeadm/app/constants/constants.go KubeadmConfigConfigMap,
    ClusterConfigurationConfigMapKey; phases/uploadconfig), serialised as YAML with unquoted values."""
    cc = ("apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\nkubernetesVersion: %s\n"
          "imageRepository: %s\nnetworking:\n  dnsDomain: cluster.local\n" % (st.get("version", ""),
                                                                           st.get("image_repository", "")))
    if st.get("pod_subnet"):
        cc += "  podSubnet: %s\n" % st["pod_subnet"]
    cc += "  serviceSubnet: %s\n" % (st.get("service_subnet") or "10.96.0.0/12")
    return {"kind": "ConfigMap", "metadata": {"name": "kubeadm-config", "namespace": "kube-system"},
            "data": {"ClusterConfiguration": cc}}


def kubectl_get(st, args, ns, all_ns, output, no_headers=False, selector=None):
    if not args:
        die("You must specify the type of resource to get.", 1)
    what = args[0]
    name = args[1] if len(args) > 1 else None
    if "/" in what:
        what, name = what.split("/", 1)
    kind = KINDS.get(what)
    if kind is None:
        die('error: the server doesn\'t have a resource type "%s"' % what, 1)
    if kind == "Node":
        items = st.get("node_objects", [])
    elif kind == "Pod":
        items = [{"kind": "Pod", "metadata": {"name": p[1], "namespace": p[0]}, "status": {"phase": p[2]}, "spec": {"nodeName": p[3]}}
                 for p in field_filter(kind, selector, pods_of(st)) if all_ns or p[0] == (ns or "default")]
    elif selector:
        field_filter(kind, selector, [])
    elif kind == "Namespace":
        names = {"default", "kube-system", "kube-public", "kube-node-lease"} | {
            o.get("namespace") for o in st.get("objects", {}).values() if o.get("namespace")}
        items = [{"kind": "Namespace", "metadata": {"name": n}} for n in sorted(names)]
    else:
        items = object_list(st, kind, ns, all_ns)
        if kind == "DaemonSet":
            base = [{"kind": "DaemonSet", "metadata": {"name": "kube-proxy", "namespace": "kube-system"}, "spec": {}}]
            items = [b for b in base if all_ns or (ns or "default") == "kube-system"] + items
        if kind == "Deployment":
            base = [{"kind": "Deployment", "metadata": {"name": "coredns", "namespace": "kube-system"}, "spec": {}}]
            items = [b for b in base if all_ns or (ns or "default") == "kube-system"] + items
        if kind == "ConfigMap":
            base = [kubeadm_config_map(st)]
            items = [b for b in base if all_ns or (ns or "default") == "kube-system"] + items
    if name:
        items = [o for o in items if o["metadata"]["name"] == name]
        if not items:
            die('Error from server (NotFound): %s "%s" not found' % (
                {"Node": "nodes", "Pod": "pods"}.get(kind, GROUP.get(kind, kind.lower()).split(".")[0] + "s"), name), 1)
    if output and output.startswith("jsonpath="):
        expr = output.split("=", 1)[1]
        obj = items[0] if name else {"kind": "List", "items": items}
        sys.stdout.write(jsonpath(obj, expr))
        return 0
    if output == "json":
        print(json.dumps(items[0] if name else {"apiVersion": "v1", "kind": "List", "items": items}, indent=4))
        return 0
    if output == "name":
        for o in items:
            print("%s/%s" % (GROUP.get(kind, kind.lower()), o["metadata"]["name"]))
        return 0
    if not items:
        err("No resources found" + ("" if all_ns or kind in CLUSTER_SCOPED else " in %s namespace." % (ns or "default")))
        return 0
    if kind == "Node":
        wide = output == "wide"
        hdr = "%-24s %-9s %-14s %-5s %-8s" % ("NAME", "STATUS", "ROLES", "AGE", "VERSION")
        if wide:
            hdr += "   %-15s %-12s %-30s %-28s %s" % ("INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME")
        if not no_headers:
            print(hdr)
        for o in items:
            c = o["status"]["conditions"][0]
            status = "Ready" if c["status"] == "True" else "NotReady"
            status += ",SchedulingDisabled" if o["spec"].get("unschedulable") else ""
            roles = "control-plane" if "node-role.kubernetes.io/control-plane" in o["metadata"]["labels"] else "<none>"
            created = st["nodes"][o["metadata"]["name"]].get("registered", time.time())
            line = "%-24s %-9s %-14s %-5s %-8s" % (o["metadata"]["name"], status, roles, age(created),
                                                  o["status"]["nodeInfo"]["kubeletVersion"])
            if wide:
                ni = o["status"]["nodeInfo"]
                line += "   %-15s %-12s %-30s %-28s %s" % (o["status"]["addresses"][0]["address"], "<none>", ni["osImage"],
                                                          ni["kernelVersion"], ni["containerRuntimeVersion"])
            print(line)
        return 0
    if kind == "Pod":
        if not no_headers:
            print(("%-22s " % "NAMESPACE" if all_ns else "") + "%-45s %-7s %-18s %-9s %s" % ("NAME", "READY", "STATUS", "RESTARTS", "AGE"))
        for o in items:
            ph = o["status"]["phase"]
            print(("%-22s " % o["metadata"]["namespace"] if all_ns else "") + "%-45s %-7s %-18s %-9s %s" % (
                o["metadata"]["name"], "1/1" if ph == "Running" else "0/1", ph, "3" if ph == "CrashLoopBackOff" else "0", "5m"))
        return 0
    if not no_headers:
        print(("%-22s " % "NAMESPACE" if all_ns else "") + "%-40s %s" % ("NAME", "AGE"))
    for o in items:
        print(("%-22s " % (o["metadata"].get("namespace") or "") if all_ns else "") + "%-40s %s" % (o["metadata"]["name"], "5m"))
    return 0


def kubectl_describe(st, args):
    if not args:
        die("You must specify the type of resource to describe.", 1)
    kind = KINDS.get(args[0].split("/")[0])
    name = args[1] if len(args) > 1 else (args[0].split("/", 1)[1] if "/" in args[0] else None)
    if kind != "Node":
        print("Name: %s" % name)
        return 0
    for o in st.get("node_objects", []):
        if name and o["metadata"]["name"] != name:
            continue
        c = o["status"]["conditions"][0]
        print("Name:               %s\nRoles:              %s\nConditions:\n  Type    Status  Reason            Message\n"
              "  ----    ------  ------            -------\n  Ready   %s   %s   %s\nAddresses:\n  InternalIP:  %s\n"
              "PodCIDR:            %s" % (o["metadata"]["name"], "control-plane" if "node-role.kubernetes.io/control-plane" in
                                          o["metadata"]["labels"] else "<none>", c["status"], c["reason"], c["message"],
                                          o["status"]["addresses"][0]["address"], o["spec"]["podCIDR"]))
    return 0


def kubectl_wait(server, argv, args):
    cond = opt(argv, "--for") or ""
    timeout = opt(argv, "--timeout", "30s")
    m = re.fullmatch(r"(\d+)([smh]?)", timeout)
    secs = int(m.group(1)) * {"s": 1, "m": 60, "h": 3600, "": 1}[m.group(2)] if m else 30
    targets = [a.split("/", 1)[1] for a in args if a.startswith("node/") or a.startswith("nodes/")]
    deadline = time.time() + secs
    while True:
        st = state_or_die(server)
        objs = {o["metadata"]["name"]: o for o in st.get("node_objects", [])}
        names = targets or list(objs)
        missing = [n for n in names if n not in objs]
        if missing:
            # Like kubectl: a named object that does not exist is an error at once, not a wait.
            for n in missing:
                err('Error from server (NotFound): nodes "%s" not found' % n)
            return 1
        ok = all(n in objs and objs[n]["status"]["conditions"][0]["status"] == "True" for n in names) and names
        if ok and cond.lower() == "condition=ready":
            for n in names:
                print("node/%s condition met" % n)
            return 0
        if time.time() > deadline:
            for n in names:
                err("error: timed out waiting for the condition on nodes/%s" % n)
            return 1
        # kubectl watches: it answers within moments of the change.
        time.sleep(0.25)


def kubectl_create(server, st, args, ns, argv):
    if not args:
        die("error: must specify one of -f and -k", 1)
    what = args[0]
    if what == "token":
        sa = args[1] if len(args) > 1 else ""
        if ("ServiceAccount/%s/%s" % (ns or "default", sa)) not in st.get("objects", {}):
            die('error: failed to create token: serviceaccounts "%s" not found' % sa, 1)
        hdr = base64.urlsafe_b64encode(b'{"alg":"RS256","kid":"kwsim"}').decode().rstrip("=")
        body = base64.urlsafe_b64encode(json.dumps({"sub": "system:serviceaccount:%s:%s" % (ns or "default", sa),
                                                    "exp": int(time.time()) + 3600}).encode()).decode().rstrip("=")
        sig = base64.urlsafe_b64encode(os.urandom(64)).decode().rstrip("=")
        print("%s.%s.%s" % (hdr, body, sig))
        return 0
    kind = KINDS.get(what, {"clusterrolebinding": "ClusterRoleBinding"}.get(what))
    if kind is None:
        die('error: unknown resource type "%s"' % what, 1)
    name = args[1] if len(args) > 1 else ""
    scope = "" if kind in CLUSTER_SCOPED else (ns or "default")
    if ("%s/%s/%s" % (kind, scope, name)) in st.get("objects", {}):
        die('error: failed to create %s: %ss "%s" already exists' % (what, kind.lower(), name), 1)
    o = {"kind": kind, "name": name, "namespace": scope or None, "hash": name, "apiVersion": "v1", "spec": {}}
    api(server, "/kwsim/apply", {"objects": [o]})
    print("%s/%s created" % (GROUP.get(kind, kind.lower()), name))
    return 0


# ----- kwsim-ctl (for tests) ---------------------------------------------------------------------


def kwsim_ctl(argv):
    if not argv:
        die("usage: kwsim-ctl state|age-secrets SECS|tokens|hold-pkg-lock SECS [NAME]|interrupt-dpkg", 2)
    server = "127.0.0.1:6443"
    if argv[0] == "state":
        st, e = api(server, "/kwsim/state")
        if e:
            die(e, 1)
        print(json.dumps(st, indent=1))
        return 0
    if argv[0] in ("age-certs", "upgrade-log"):
        from kwsim import upgrade

        return upgrade.kwsim_ctl(argv)
    if argv[0] == "age-secrets":
        res, e = api(server, "/kwsim/age", {"secs": float(argv[1])})
        if e:
            die(e, 1)
        return 0
    if argv[0] == "hold-pkg-lock":
        # Another package manager run (unattended-upgrades on a fresh Ubuntu/Debian, a yum/dnf of someone else) holds
        # the package locks for SECS seconds. Returns once the locks are held.
        secs = argv[1] if len(argv) > 1 else "60"
        name = argv[2] if len(argv) > 2 else ("unattended-upgr" if common.family() == "debian" else
                                              ("yum" if common.flavour() == "centos7" else "dnf"))
        pid = common.spawn_daemon(common.tool_cmd("kwsim-pkg-holder", secs, name), "pkg-holder")
        for _ in range(500):
            if pkg.holder_ready(pid):
                print(pid)
                return 0
            time.sleep(0.01)
        die("the lock holder did not start", 1)
    if argv[0] == "interrupt-dpkg":
        # What a dpkg killed mid-run leaves: a journal entry in /var/lib/dpkg/updates.
        os.makedirs(pkg.DPKG_UPDATES, exist_ok=True)
        common.write_file(os.path.join(pkg.DPKG_UPDATES, "0001"), "Package: kwsim-interrupted\nStatus: install ok half-configured\n")
        return 0
    die("unknown command", 2)
