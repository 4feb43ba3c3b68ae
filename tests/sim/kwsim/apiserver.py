"""The simulated control plane: a real TCP listener on :6443 (plain HTTP, JSON) that keeps the cluster
state (nodes, bootstrap tokens with TTL, CA hash, uploaded certificates, applied objects) in
/var/lib/etcd/kwsim-cluster.json, like etcd keeps it on a real control plane.

A second control plane runs the same server in forwarding mode (its etcd is the first one's)."""

import hashlib
import ipaddress
import json
import os
import re
import secrets
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from kwsim import common

STATE = "/var/lib/etcd/kwsim-cluster.json"
LOCK = threading.Lock()
_MEM = None  # the serving process keeps the state in memory and writes it on changes
HEARTBEATS = {}  # node -> last heartbeat (memory only, like node leases after an apiserver restart)


def load():
    if _MEM is not None:
        return _MEM
    return common.load_json(STATE, {})


def save(st):
    common.save_json(STATE, st)


def cni_problem(st, node):
    """None when the CNI's network matches the cluster's pod CIDR, else the reason."""
    cni = st.get("cni")
    if not cni:
        return ("container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady "
                "message:Network plugin returns error: cni plugin not initialized")
    pod = st.get("pod_subnet") or ""
    if cni["kind"] == "flannel":
        if not pod:
            return "flannel: Error registering network: failed to acquire lease: node \"%s\" pod cidr not assigned" % node
        net = cni.get("network") or "10.244.0.0/16"
        if net != pod:
            try:
                inside = ipaddress.ip_network(pod_cidr_of(st, node)).subnet_of(ipaddress.ip_network(net))
            except ValueError:
                inside = False
            if not inside or True:
                return ("flannel: Error registering network: failed to configure interface flannel.1: subnet \"%s\" specified "
                        "in the flannel net config doesn't contain \"%s\" PodCIDR of the \"%s\" node"
                        % (net, pod_cidr_of(st, node), node))
    if cni["kind"] == "calico" and cni.get("pool") and pod:
        try:
            ok = ipaddress.ip_network(cni["pool"]).subnet_of(ipaddress.ip_network(pod))
        except ValueError:
            ok = False
        if not ok:
            return ("calico: IP pool %s (CALICO_IPV4POOL_CIDR) is not inside the cluster's pod CIDR %s: pods get addresses "
                    "the cluster does not route" % (cni["pool"], pod))
    return None


def pod_cidr_of(st, node):
    pod = st.get("pod_subnet") or ""
    names = sorted(st.get("nodes", {}), key=lambda n: st["nodes"][n].get("registered", 0))
    i = names.index(node) if node in names else 0
    try:
        net = ipaddress.ip_network(pod)
        subs = net.subnets(new_prefix=24) if net.prefixlen <= 24 else iter([net])
        for j, s in enumerate(subs):
            if j == i:
                return str(s)
    except ValueError:
        pass
    return "10.244.%d.0/24" % i


CNI_DAEMONSETS = ("calico-node", "kube-flannel-ds")
SYSTEM_NAMESPACES = ("kube-system", "kubernetes-dashboard", "kube-flannel")


def ordered_nodes(st):
    return sorted(st.get("nodes", {}), key=lambda n: st["nodes"][n].get("registered", 0))


def workloads(st):
    """The pods the cluster runs, placed on nodes: [{namespace, name, kind, node, images, cni}]. kube-proxy
    (a DaemonSet) and CoreDNS come with kubeadm; the rest are the applied DaemonSets (a pod per node) and
    Deployments (calico-kube-controllers on the first node, like CoreDNS; others on the last node)."""
    nodes = ordered_nodes(st)
    if not nodes:
        return []
    from kwsim import k8s

    repo = st.get("image_repository") or "registry.k8s.io"
    kimgs = k8s.image_list(st.get("version", "v1.25.0").lstrip("v"), repo) if st.get("version") else []
    proxy = [i for i in kimgs if "/kube-proxy:" in i]
    dns = [i for i in kimgs if "coredns" in i]
    out = []
    for n in nodes:
        out.append({"namespace": "kube-system", "name": "kube-proxy", "kind": "DaemonSet", "node": n, "images": proxy,
                    "cni": False})
    out.append({"namespace": "kube-system", "name": "coredns", "kind": "Deployment", "node": nodes[0], "images": dns,
                "cni": False})
    for key, o in sorted(st.get("objects", {}).items()):
        if o["kind"] == "DaemonSet":
            for n in nodes:
                out.append({"namespace": o.get("namespace") or "default", "name": o["name"], "kind": "DaemonSet",
                            "node": n, "images": o.get("images", []), "cni": o["name"] in CNI_DAEMONSETS})
        elif o["kind"] == "Deployment" and o.get("namespace") in SYSTEM_NAMESPACES:
            # users' Deployments (replicas, evictions) are upgrade.workload_pods
            n = nodes[0] if o["name"] == "calico-kube-controllers" else nodes[-1]
            out.append({"namespace": o.get("namespace") or "default", "name": o["name"], "kind": "Deployment",
                        "node": n, "images": o.get("images", []), "cni": False})
    return out


def node_pulls(st, node):
    """The images the kubelet of `node` must have for its pods."""
    seen, out = set(), []
    for w in workloads(st):
        if w["node"] != node:
            continue
        for i in w["images"]:
            if i not in seen:
                seen.add(i)
                out.append({"image": i, "cni": w["cni"]})
    return out


def image_state(st, node, imgs):
    """"ErrImagePull"/"ImagePullBackOff" when an image of the pod failed to pull on its node,
    "ContainerCreating" while one is not there yet, None when all are."""
    n = st.get("nodes", {}).get(node, {})
    errs = n.get("pull_errors") or {}
    if any(i in errs for i in imgs):
        return "ImagePullBackOff"
    pulled = set(n.get("pulled") or [])
    if any(i not in pulled for i in imgs):
        return "ContainerCreating"
    return None


def node_status(st, name, now=None):
    """(Ready bool, reason, message)"""
    now = now or time.time()
    n = st["nodes"][name]
    grace = common.profile("node_grace") or 40
    if now - HEARTBEATS.get(name, n.get("heartbeat", 0)) > grace:
        return False, "NodeStatusUnknown", "Kubelet stopped posting node status."
    if n.get("problems"):
        return False, "KubeletNotReady", "; ".join(n["problems"])
    p = cni_problem(st, name)
    if p:
        return False, "KubeletNotReady", p
    delay = common.profile("node_ready")
    start = max(n.get("registered", 0), st["cni"].get("applied", 0))
    if now - start < delay:
        return False, "KubeletNotReady", "PLEG is not healthy: pleg has yet to be successful"
    return True, "KubeletReady", "kubelet is posting ready status"


def node_object(st, name):
    from kwsim import upgrade

    return upgrade.decorate_node(st, name, node_object_raw(st, name))


def node_object_raw(st, name):
    n = st["nodes"][name]
    ready, reason, msg = node_status(st, name)
    labels = {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64"}
    if n.get("control_plane"):
        labels["node-role.kubernetes.io/control-plane"] = ""
    return {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "labels": labels,
                     "creationTimestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(n.get("registered", 0)))},
        "spec": {"podCIDR": pod_cidr_of(st, name) if st.get("pod_subnet") else None,
                 "taints": ([{"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane"}]
                            if n.get("control_plane") else [])},
        "status": {
            "addresses": [{"type": "InternalIP", "address": n.get("address", "")}, {"type": "Hostname", "address": name}],
            "conditions": [{"type": "Ready", "status": "True" if ready else ("Unknown" if reason == "NodeStatusUnknown" else "False"),
                            "reason": reason, "message": msg,
                            "lastHeartbeatTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(n.get("heartbeat", 0)))}],
            "nodeInfo": {"kubeletVersion": n.get("version", ""), "osImage": n.get("os", ""), "kernelVersion": n.get("kernel", ""),
                         "containerRuntimeVersion": n.get("runtime", ""), "architecture": "amd64", "operatingSystem": "linux"},
        },
    }


class Handler(BaseHTTPRequestHandler):
    forward = None

    def log_message(self, fmt, *a):
        pass

    def reply(self, code, obj):
        body = (obj if isinstance(obj, str) else json.dumps(obj)).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json" if not isinstance(obj, str) else "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_forward(self, method):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else None
        req = urllib.request.Request("http://%s:6443%s" % (self.forward, self.path), data=body, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                data, code = r.read(), r.status
        except urllib.error.HTTPError as e:
            data, code = e.read(), e.code
        except OSError as e:
            data, code = json.dumps({"error": "etcdserver: request timed out (%s)" % e}).encode(), 503
        self.send_response(code)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def tls_failed(self):
        """An expired serving certificate: every request fails as its TLS handshake would (see upgrade.py)."""
        from kwsim import upgrade

        e = upgrade.serving_cert_error()
        if e:
            self.reply(495, {"error": e})
        return e is not None

    def do_GET(self):
        if self.tls_failed():
            return
        if self.path in ("/healthz", "/livez", "/readyz", "/version"):
            return self.reply(200, "ok" if self.path != "/version" else json.dumps({"gitVersion": load().get("version", "")}))
        if self.forward:
            return self.do_forward("GET")
        with LOCK:
            st = load()
        if self.path == "/kwsim/state":
            out = dict(st)
            out["node_objects"] = [node_object(st, n) for n in sorted(st.get("nodes", {}),
                                                                     key=lambda x: st["nodes"][x].get("registered", 0))]
            return self.reply(200, out)
        if self.path.startswith("/kwsim/discover"):
            m = re.search(r"token=([^&]*)", self.path)
            tok = m.group(1) if m else ""
            return self.reply(200, discover(st, tok))
        return self.reply(404, {"error": "not found"})

    def do_POST(self):
        if self.tls_failed():
            return
        if self.forward:
            return self.do_forward("POST")
        n = int(self.headers.get("Content-Length") or 0)
        req = json.loads(self.rfile.read(n) or b"{}")
        with LOCK:
            st = load()
            before = json.dumps(st, sort_keys=True) if self.path != "/kwsim/heartbeat" else None
            code, out = post(st, self.path, req)
            if out.pop("_changed", False) or (before is not None and json.dumps(st, sort_keys=True) != before):
                save(st)
        return self.reply(code, out)


def discover(st, tok):
    m = re.fullmatch(r"([a-z0-9]{6})\.([a-z0-9]{16})", tok)
    if not m:
        return {"error": "invalid token format"}
    t = st.get("tokens", {}).get(m.group(1))
    if not t or t["expires"] < time.time():
        return {"error": 'could not find a JWS signature in the cluster-info ConfigMap for token ID "%s"' % m.group(1)}
    if t["secret"] != m.group(2):
        return {"error": "failed to verify JWS signature of received cluster info object, can't trust this API Server"}
    return {"ok": True, "ca_hash": st["ca_hash"], "ca_crt": st.get("ca_crt", ""), "endpoint": st.get("endpoint", ""),
            "version": st.get("version", ""), "kubelet_config": st.get("kubelet_config", ""),
            "pod_subnet": st.get("pod_subnet", "")}


def post(st, path, req):
    now = time.time()
    if path == "/kwsim/heartbeat":
        name = req["name"]
        changed = False
        n = st.setdefault("nodes", {}).get(name)
        if n is None:
            n = st["nodes"][name] = {"registered": now}
            changed = True
        for k in ("address", "version", "os", "kernel", "runtime", "problems", "control_plane", "pulled", "pull_errors"):
            if k in req and n.get(k) != req[k]:
                n[k] = req[k]
                changed = True
        HEARTBEATS[name] = now
        if changed or now - n.get("heartbeat", 0) > 30:
            n["heartbeat"] = now
            changed = True
        return 200, {"ok": True, "cni": st.get("cni"), "pull": node_pulls(st, name), "_changed": changed}
    if path == "/kwsim/join-check":
        name = req["name"]
        if name in st.get("nodes", {}):
            ready = node_status(st, name)[0]
            # Like kubeadm: a Ready node of that name blocks the join, whatever its address (after a
            # reset the old kubelet's status stays Ready for the node-monitor grace period).
            if ready:
                return 200, {"error": 'a Node with name "%s" and status "Ready" already exists in the cluster. You must delete '
                                      'the existing Node or change the name of this new joining Node' % name}
        if req.get("control_plane"):
            c = st.get("certs")
            if not c or c["expires"] < now:
                return 200, {"error": 'error downloading certs: error downloading the secret: Secret "kubeadm-certs" was not '
                                      'found in the "kube-system" Namespace. This Secret might have expired. Please, run '
                                      '`kubeadm init phase upload-certs --upload-certs` on a control plane to generate a new one'}
            if c["key"] != req.get("certificate_key"):
                return 200, {"error": "error downloading certs: error decoding certs: error decrypting data: cipher: message "
                                      "authentication failed"}
            if not st.get("control_plane_endpoint"):
                return 200, {"error": "unable to add a new control plane instance to a cluster that doesn't have a stable "
                                      "controlPlaneEndpoint address"}
        return 200, {"ok": True}
    if path == "/kwsim/token":
        tid = "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(6))
        sec = "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(16))
        if req.get("token"):
            tid, sec = req["token"].split(".")
        st.setdefault("tokens", {})[tid] = {"secret": sec, "expires": now + float(req.get("ttl", 86400)), "created": now}
        return 200, {"token": "%s.%s" % (tid, sec)}
    if path == "/kwsim/tokens":
        return 200, {"tokens": st.get("tokens", {})}
    if path == "/kwsim/certs":
        key = secrets.token_hex(32)
        st["certs"] = {"key": key, "expires": now + 7200}
        return 200, {"key": key}
    if path == "/kwsim/age":
        secs = float(req.get("secs", 0))
        for t in st.get("tokens", {}).values():
            t["expires"] -= secs
        if st.get("certs"):
            st["certs"]["expires"] -= secs
        return 200, {"ok": True}
    if path == "/kwsim/apply":
        results = []
        objs = st.setdefault("objects", {})
        for o in req.get("objects", []):
            key = "%s/%s/%s" % (o["kind"], o.get("namespace") or "", o["name"])
            old = objs.get(key)
            if old is None:
                verb = "created"
            elif old.get("hash") == o.get("hash"):
                verb = "unchanged"
            else:
                verb = "configured"
            if old and "spec" in old and req.get("keep_spec"):
                o["spec"] = old["spec"]
            objs[key] = o
            results.append(verb)
        if req.get("cni"):
            c = req["cni"]
            old = st.get("cni")
            if old and old.get("kind") != c.get("kind"):
                pass
            c["applied"] = old["applied"] if old and old.get("kind") == c["kind"] else now
            st["cni"] = c
        return 200, {"results": results}
    if path == "/kwsim/delete":
        objs = st.setdefault("objects", {})
        key = "%s/%s/%s" % (req["kind"], req.get("namespace") or "", req["name"])
        if req["kind"] == "Node":
            if req["name"] in st.get("nodes", {}):
                del st["nodes"][req["name"]]
                return 200, {"ok": True}
            return 200, {"error": "notfound"}
        if key in objs:
            del objs[key]
            return 200, {"ok": True}
        return 200, {"error": "notfound"}
    if path == "/kwsim/patch":
        objs = st.setdefault("objects", {})
        key = "%s/%s/%s" % (req["kind"], req.get("namespace") or "", req["name"])
        if key not in objs:
            return 200, {"error": "notfound"}
        spec = objs[key].setdefault("spec", {})
        spec.update(req.get("spec") or {})
        return 200, {"ok": True}
    if path.startswith("/kwsim/upgrade/"):
        from kwsim import upgrade

        return upgrade.api_post(st, path, req)
    return 404, {"error": "not found"}


def main(argv):
    """kwsim-apiserver [--forward ADDR]"""
    global _MEM
    fwd = argv[argv.index("--forward") + 1] if "--forward" in argv else None
    Handler.forward = fwd
    if not fwd:
        _MEM = common.load_json(STATE, {})
    from kwsim import upgrade

    upgrade.apiserver_started()
    ThreadingHTTPServer.allow_reuse_address = True
    srv = ThreadingHTTPServer(("0.0.0.0", 6443), Handler)
    srv.daemon_threads = True
    common.write_file(common.RUN + "/apiserver.pid", "%d\n" % os.getpid())
    srv.serve_forever()


def ca_hash_of(pem_path):
    """sha256 of the CA's DER SubjectPublicKeyInfo, like kubeadm's --discovery-token-ca-cert-hash."""
    import subprocess

    pub = subprocess.run(["openssl", "x509", "-pubkey", "-noout", "-in", pem_path], capture_output=True, check=True).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "der"], input=pub, capture_output=True, check=True).stdout
    return "sha256:" + hashlib.sha256(der).hexdigest()


if __name__ == "__main__":
    main(sys.argv[1:])
