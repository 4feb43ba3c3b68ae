"""Image pulls the way containerd resolves them: which hosts are tried for an image, in what order, and
what each of them answers from this node.

containerd (docs/hosts.md; core/remotes/docker/config/hosts.go, resolver.go):
- the CRI plugin reads the registry settings of config.toml when containerd starts: `config_path`
  (version 2: [plugins."io.containerd.grpc.v1.cri".registry]; version 3: [plugins.'io.containerd.cri.v1.images'
  .registry]) or the deprecated `mirrors` ("<registry>".endpoint = [...]); both at once and the CRI plugin
  does not load ("`mirrors` cannot be set when `config_path` is provided");
- with config_path, `<dir>/<registry>/hosts.toml` (then `<host>_<port>_`, then `_default`) is read at pull
  time (no restart needed): its [host."URL"] entries are tried in file order, then `server` (default: the
  registry itself; docker.io is registry-1.docker.io);
- a host's `capabilities` default to pull+resolve+push; resolving a tag needs a host with "resolve" (a
  pull-only public mirror leaves the tag lookup to the registry itself), an unknown capability is an error;
- legacy `mirrors`: the endpoints in order, then the registry itself.
The pull fails when no host answers: what a Kubernetes pod then shows as ErrImagePull / ImagePullBackOff.
"""

import os
import re

from kwsim import common, data, netpolicy

# Public registries the simulated internet has (host -> what it is).
UPSTREAM = {
    "docker.io": "https://registry-1.docker.io",
    "registry.k8s.io": "https://registry.k8s.io",
    "k8s.gcr.io": "https://k8s.gcr.io",
    "gcr.io": "https://gcr.io",
    "quay.io": "https://quay.io",
    "ghcr.io": "https://ghcr.io",
    "mcr.microsoft.com": "https://mcr.microsoft.com",
    "nvcr.io": "https://nvcr.io",
    "docker.elastic.co": "https://docker.elastic.co",
    "registry.aliyuncs.com": "https://registry.aliyuncs.com",
    "registry.cn-hangzhou.aliyuncs.com": "https://registry.cn-hangzhou.aliyuncs.com",
}
# Registry mirrors: mirror host -> the registry it mirrors. DaoCloud's public-image-mirror serves one
# registry per host (README: "each source's content is different; do not point docker at a host other
# than docker.m.daocloud.io").
MIRRORS = {
    "docker.m.daocloud.io": "docker.io",
    "quay.m.daocloud.io": "quay.io",
    "ghcr.m.daocloud.io": "ghcr.io",
    "k8s.m.daocloud.io": "registry.k8s.io",
    "k8s-gcr.m.daocloud.io": "k8s.gcr.io",
    "gcr.m.daocloud.io": "gcr.io",
    "mcr.m.daocloud.io": "mcr.microsoft.com",
    "nvcr.m.daocloud.io": "nvcr.io",
    "elastic.m.daocloud.io": "docker.elastic.co",
}
SERVER_HOSTS = {u.split("://", 1)[1]: r for r, u in UPSTREAM.items()}


def normalize(ref):
    """(registry, repository path, tag) of an image reference, like containerd's reference parsing
    ("calico/node:v3" is docker.io/calico/node, "nginx" is docker.io/library/nginx:latest)."""
    name, tag = ref, "latest"
    if "@" in name:
        name, tag = name.split("@", 1)
    else:
        last = name.rsplit("/", 1)[-1]
        if ":" in last:
            name, tag = name.rsplit(":", 1)
    first, _, rest = name.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        registry, path = first, rest
    else:
        registry, path = "docker.io", name
    if registry == "docker.io" and "/" not in path:
        path = "library/" + path
    return registry, path, tag


def carries(registry, path, tag):
    """None when `registry` has the image, else the registry's "not found" text."""
    if registry not in UPSTREAM:
        return "unknown registry"
    base = path.rsplit("/", 1)[-1]
    repo = "%s/%s" % (registry, path.rsplit("/", 1)[0]) if "/" in path else registry
    if registry in ("registry.k8s.io", "k8s.gcr.io") or registry.endswith("aliyuncs.com"):
        known = [r for r in data.REGISTRIES if r == repo or r == registry]
        if registry.endswith("aliyuncs.com") and not known:
            return "not found"
        if base in ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy"):
            t = common.vtuple(tag)
            if len(t) < 3 or data.k8s_latest_patch(t[1]) is None or t[2] > data.k8s_latest_patch(t[1]):
                return "not found"
            lim = data.REGISTRIES.get(repo) if repo in data.REGISTRIES else data.REGISTRIES.get(registry)
            if lim and t > lim:
                return "not found"
    return None


def hosts_toml_dir(config_path, registry):
    """The hosts.toml folder containerd uses for `registry` under config_path (which may list several
    folders separated by ':'), or None."""
    if not config_path:
        return None
    names = []
    if ":" in registry:
        h, p = registry.rsplit(":", 1)
        names.append("%s_%s_" % (h, p))
    names += [registry, "_default"]
    for d in config_path.split(":"):
        for n in names:
            f = os.path.join(d, n, "hosts.toml")
            if os.path.isfile(f):
                return f
    return None


def default_server(registry):
    return UPSTREAM.get(registry, "https://" + registry)


def candidates(registry, reg):
    """[(url, capabilities set)] in the order containerd tries them; or raises ValueError(message) for a
    hosts.toml containerd refuses. `reg` is the CRI registry config: {"config_path", "mirrors"}."""
    import tomllib

    f = hosts_toml_dir(reg.get("config_path") or "", registry)
    if f:
        try:
            with open(f, "rb") as fh:
                cfg = tomllib.load(fh)
        except (OSError, tomllib.TOMLDecodeError) as e:
            raise ValueError("failed to load hosts config %s: %s" % (f, e))
        out = []
        for url, h in (cfg.get("host") or {}).items():
            caps = h.get("capabilities") if isinstance(h, dict) else None
            if caps:
                bad = [c for c in caps if c.lower() not in ("pull", "resolve", "push")]
                if bad:
                    raise ValueError("failed to load hosts config %s: unknown capability %s" % (f, bad[0]))
                caps = {c.lower() for c in caps}
            else:
                caps = {"pull", "resolve", "push"}
            out.append((url.rstrip("/"), caps))
        server = cfg.get("server") or default_server(registry)
        out.append((server.rstrip("/"), {"pull", "resolve", "push"}))
        return out
    mirrors = (reg.get("mirrors") or {}).get(registry, {}).get("endpoint") or []
    out = [(m.rstrip("/"), {"pull", "resolve", "push"}) for m in mirrors]
    if default_server(registry) not in [u for u, _ in out]:
        out.append((default_server(registry), {"pull", "resolve", "push"}))
    return out


def ask(host_url, registry, path, tag, tool):
    """What `host_url` answers for the image: None (has it) or (kind, text)."""
    url = "%s/v2/%s/manifests/%s" % (host_url, path, tag)
    if netpolicy.reach(tool, url) is not None:
        return "timeout", 'failed to do request: Head "%s": dial tcp %s:443: i/o timeout' % (url, netpolicy.host_of(url))
    h = netpolicy.host_of(host_url)
    served = MIRRORS.get(h) or SERVER_HOSTS.get(h)
    if served is None and h in UPSTREAM:
        served = h
    if served is None:
        return "dns", 'failed to do request: Head "%s": dial tcp: lookup %s: no such host' % (url, h)
    if served != registry:
        # A mirror of another registry: it looks the path up in the wrong place.
        return "notfound", "%s: not found" % url
    if carries(registry, path, tag):
        return "notfound", "%s: not found" % url
    return None


def pull_problem(ref, reg, tool="containerd"):
    """None when the pull succeeds through `reg` (the CRI registry config), else containerd's error."""
    m = re.fullmatch(r"[a-z0-9][a-z0-9._:/-]*(?::[\w][\w.-]{0,127})?(?:@sha256:[0-9a-f]{64})?", ref or "")
    if not m or ref.endswith("/") or "//" in ref:
        return "invalid reference format"
    registry, path, tag = normalize(ref)
    full = "%s/%s:%s" % (registry, path, tag)
    try:
        hosts = candidates(registry, reg)
    except ValueError as e:
        return 'rpc error: code = Unknown desc = failed to pull and unpack image "%s": %s' % (full, e)
    resolvers = [h for h in hosts if "resolve" in h[1]]
    if not resolvers:
        return ('rpc error: code = NotFound desc = failed to pull and unpack image "%s": failed to resolve reference '
                '"%s": no resolve hosts: not found' % (full, full))
    last = None
    for url, _caps in resolvers:
        ans = ask(url, registry, path, tag, tool)
        if ans is None:
            return None
        last = ans
    kind, text = last
    code = "NotFound" if kind == "notfound" else "Unknown"
    return ('rpc error: code = %s desc = failed to pull and unpack image "%s": failed to resolve reference "%s": %s'
            % (code, full, full, text))


def cri_registry(cfg, version):
    """The CRI registry settings of a parsed config.toml of `version` (2 or 3)."""
    plugins = cfg.get("plugins", {}) or {}
    if version >= 3:
        r = plugins.get("io.containerd.cri.v1.images", {}).get("registry", {})
    else:
        cri = plugins.get("io.containerd.grpc.v1.cri", {}) if version == 2 else plugins.get("cri", {})
        r = cri.get("registry", {})
    mirrors = r.get("mirrors") or {}
    return {"config_path": r.get("config_path") or "", "mirrors": mirrors}


def registry_config_problem(reg):
    """containerd's refusal of the CRI registry settings, or None."""
    if reg.get("config_path") and reg.get("mirrors"):
        return "`mirrors` cannot be set when `config_path` is provided"
    return None


def answers_v2(url):
    """(status, body) for GET <registry or mirror>/v2/ (what a probe sees), or None for other URLs."""
    m = re.fullmatch(r"https?://([^/]+)(/[^?#]*)?/v2/?", url)
    if not m:
        return None
    h = m.group(1).split(":")[0].lower()
    if h in MIRRORS or h in SERVER_HOSTS or h in UPSTREAM:
        return 401, b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required","detail":null}]}\n'
    return None
